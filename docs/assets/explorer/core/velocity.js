// The velocity network of flow matching, v_θ(x, t): an MLP of the position and the time
// (explainer.matching.velocity.VelocityMLP). With time_embedding "concat" its input is (x_1, x_2, t);
// with "sinusoidal", t enters as (sin 2π 2^k t, cos 2π 2^k t)_{k=0..K−1}. SiLU between layers.
(function () {
  "use strict";
  var core = (window.explorerCore = window.explorerCore || {});

  function VelocityField(model) {
    var config = model.config;
    this.model = model;
    this.d = config.dim;
    this.embedding = config.time_embedding;
    this.frequencies = config.frequencies;
    this.tFeatures = this.embedding === "concat" ? 1 : 2 * this.frequencies;
    this.net = core.MLP.fromWeights(model, "net.", config.act);
    this.input = new Float64Array(0);
  }

  // The time features of t: [t], or the sinusoidal embedding.
  VelocityField.prototype.timeFeatures = function (t) {
    if (this.embedding === "concat") return [t];
    var sin = [], cos = [];
    for (var k = 0; k < this.frequencies; k++) {
      var angle = 2 * Math.PI * Math.pow(2, k) * t;
      sin.push(Math.sin(angle));
      cos.push(Math.cos(angle));
    }
    return sin.concat(cos);
  };

  // v_θ(x, t) for n points at one time t: x is n × d (flat); returns n × d (a buffer of the
  // network's, overwritten by the next call).
  VelocityField.prototype.evaluate = function (x, n, t) {
    var d = this.d, w = d + this.tFeatures, features = this.timeFeatures(t);
    if (this.input.length < n * w) this.input = new Float64Array(n * w);
    var u = this.input;
    for (var i = 0; i < n; i++) {
      for (var k = 0; k < d; k++) u[i * w + k] = x[i * d + k];
      for (var f = 0; f < features.length; f++) u[i * w + d + f] = features[f];
    }
    return this.net.forward(u, n);
  };

  core.VelocityField = VelocityField;
})();
