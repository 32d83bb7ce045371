// Weights of a trained model, as the pipeline exports them (sitebuild/exports/explorer.py):
// docs/generated/explorer/<model>.js assigns
//   window.explorerWeights["<model>"] = {model, kind, config, tensors: {<name>: {shape, data}}, ...}
// where <name> is the PyTorch state_dict key and `data` the tensor's float32 values, little-endian,
// row-major, in base64. tensor() turns one back into numbers (a Float32Array, exactly PyTorch's).
(function () {
  "use strict";
  var core = (window.explorerCore = window.explorerCore || {});
  window.explorerWeights = window.explorerWeights || {};

  // base64 -> bytes -> float32 (little-endian whatever the machine's byte order).
  function decode(base64) {
    var text = atob(base64);
    var bytes = new Uint8Array(text.length);
    for (var i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    var view = new DataView(bytes.buffer);
    var out = new Float32Array(bytes.length / 4);
    for (var j = 0; j < out.length; j++) out[j] = view.getFloat32(4 * j, true);
    return out;
  }

  // The tensor `name` of a loaded model: {shape, values}. A missing name is a build error: say which.
  function tensor(model, name) {
    var entry = model.tensors[name];
    if (!entry) throw new Error("explorer weights '" + model.model + "' have no tensor '" + name + "'");
    if (!entry.values) entry.values = decode(entry.data);
    return { shape: entry.shape, values: entry.values };
  }

  // Load generated/explorer/<model>.js once (through the bootstrap's ctx) and return its weights.
  function load(ctx, model) {
    return ctx.loadScript("generated/explorer/" + model + ".js").then(function () {
      var weights = window.explorerWeights[model];
      if (!weights) throw new Error("generated/explorer/" + model + ".js did not define explorerWeights['" + model + "']");
      return weights;
    });
  }

  core.weights = { decode: decode, tensor: tensor, load: load };
})();
