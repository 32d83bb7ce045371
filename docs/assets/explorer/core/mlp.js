// A multilayer perceptron, as torch.nn.Sequential(Linear, act, ..., Linear) computes it:
//   h_0 = u,   h_l = act(W_l h_{l-1} + b_l)  (l = 1..L),   out = W_{L+1} h_L + b_{L+1},
// with W_l of shape (out, in), stored row-major as PyTorch stores it. The conditioners of the
// coupling layers use ReLU, the velocity network v_θ(x, t) uses SiLU: silu(a) = a·σ(a) = a / (1 + e^{-a}).
// Points come in batches: a Float64Array of n rows (row i = one input), so one pass over each
// weight matrix serves the whole batch.
(function () {
  "use strict";
  var core = (window.explorerCore = window.explorerCore || {});

  var activations = {
    relu: function (a) { return a > 0 ? a : 0; },
    silu: function (a) { return a / (1 + Math.exp(-a)); },
    tanh: Math.tanh,
  };

  // layers: [{weight: Float32Array (out*in), bias: Float32Array (out), out, in}, ...]
  // act: "relu" | "silu" | "tanh" (between layers, not after the last).
  function MLP(layers, act) {
    if (!activations[act]) throw new Error("unknown activation '" + act + "'; choose relu, silu or tanh");
    this.layers = layers;
    this.act = act;
    this.inFeatures = layers[0].in;
    this.outFeatures = layers[layers.length - 1].out;
    this.buffers = {}; // reused between calls (no garbage per solver step)
  }

  // Build from a model's weights: prefix "net." gives net.0.weight, net.0.bias, net.2.weight, ...
  // (every Linear of the Sequential, the activations hold no weights).
  MLP.fromWeights = function (model, prefix, act) {
    var layers = [];
    var names = Object.keys(model.tensors).filter(function (n) {
      return n.indexOf(prefix) === 0 && /\.weight$/.test(n) && /^\d+$/.test(n.slice(prefix.length, -7));
    });
    names.sort(function (a, b) { return +a.slice(prefix.length, -7) - +b.slice(prefix.length, -7); });
    names.forEach(function (n) {
      var w = core.weights.tensor(model, n);
      var b = core.weights.tensor(model, n.slice(0, -7) + ".bias");
      layers.push({ weight: w.values, bias: b.values, out: w.shape[0], in: w.shape[1] });
    });
    if (!layers.length) throw new Error("no Linear layers under '" + prefix + "' in " + model.model);
    return new MLP(layers, act);
  };

  function buffer(self, key, size) {
    var b = self.buffers[key];
    if (!b || b.length < size) b = self.buffers[key] = new Float64Array(size);
    return b;
  }

  // out = net(u) for n inputs: u is a Float64Array of n × inFeatures; returns n × outFeatures
  // (a buffer owned by the network: copy it if you keep it past the next call).
  MLP.prototype.forward = function (u, n) {
    var h = u;
    var last = this.layers.length - 1;
    var relu = this.act === "relu", silu = this.act === "silu";
    for (var l = 0; l <= last; l++) {
      var layer = this.layers[l], W = layer.weight, b = layer.bias, nin = layer.in, nout = layer.out;
      var out = buffer(this, l % 2 ? "odd" : "even", n * nout);
      if (l === last) out = buffer(this, "out", n * nout);
      for (var i = 0; i < n; i++) {
        var row = i * nin, o = i * nout;
        for (var j = 0; j < nout; j++) {
          var w = j * nin, a = b[j], k = 0;
          // a = b_j + Σ_k W_jk h_k, four terms at a time
          for (; k + 3 < nin; k += 4) {
            a += W[w + k] * h[row + k] + W[w + k + 1] * h[row + k + 1] + W[w + k + 2] * h[row + k + 2] + W[w + k + 3] * h[row + k + 3];
          }
          for (; k < nin; k++) a += W[w + k] * h[row + k];
          if (l < last) a = relu ? (a > 0 ? a : 0) : silu ? a / (1 + Math.exp(-a)) : Math.tanh(a);
          out[o + j] = a;
        }
      }
      h = out;
    }
    return h;
  };

  core.MLP = MLP;
  core.activations = activations;
})();
