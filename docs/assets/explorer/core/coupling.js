// Affine coupling layers and the flow they make (the coupling-layers page, RealNVP).
// With the mask m (true = pass-through part x_A, false = transformed part x_B), one layer is
//   z_A = x_A,   z_B = x_B ⊙ exp(s(x_A)) + t(x_A),   log|det J| = Σ_i s_i(x_A),
// and its inverse never inverts the network:  x_A = z_A,  x_B = (z_B − t(z_A)) ⊙ exp(−s(z_A)).
// The conditioner is an MLP whose raw output (s̃, t) becomes s through the bounded log-scale
//   s = s_max tanh(s̃ / s_max)   (s_max = 2, the default; the other choices are in logScale).
// The flow f = f_L ∘ … ∘ f_1 maps data x to latent z, and the change of variables gives
//   log p_X(x) = log N(f(x); 0, I) + Σ_l log|det J_l|,   log N(z; 0, I) = −½‖z‖² − log 2π  (d = 2).
(function () {
  "use strict";
  var core = (window.explorerCore = window.explorerCore || {});
  var SOFTPLUS_SHIFT = Math.log(Math.expm1(1)); // softplus(c) = 1: a zero raw output gives scale 1

  // s from the conditioner's raw output s̃ (explainer.transforms.coupling.log_scale).
  function logScale(raw, kind, bound) {
    var b;
    switch (kind) {
      case "tanh": b = bound == null ? 2 : bound; return b * Math.tanh(raw / b);
      case "clamp": b = bound == null ? 5 : bound; return Math.min(b, Math.max(-b, raw));
      case "exp": return raw;
      case "sigmoid": return Math.log(2) - Math.log1p(Math.exp(-raw)); // log(2σ(s̃))
      case "softplus": return Math.log(Math.log1p(Math.exp(raw + SOFTPLUS_SHIFT)));
    }
    throw new Error("unknown scale parametrisation '" + kind + "'");
  }

  // One layer, from its description in the weights file ({mask, scale, bound, act, prefix}).
  function AffineCoupling(model, layer) {
    this.mask = layer.mask;
    this.scale = layer.scale;
    this.bound = layer.bound;
    this.indexA = [];
    this.indexB = [];
    for (var i = 0; i < layer.mask.length; i++) (layer.mask[i] ? this.indexA : this.indexB).push(i);
    this.net = core.MLP.fromWeights(model, layer.prefix, layer.act);
  }

  // s and t for n points (flat, d per row), read from the pass-through part only: the same for
  // x and for z = f(x), since z_A = x_A. Returns {s, t}: n × n_B each.
  AffineCoupling.prototype.scaleAndShift = function (points, n, d) {
    var nA = this.indexA.length, nB = this.indexB.length;
    var xA = new Float64Array(n * nA);
    for (var i = 0; i < n; i++) for (var a = 0; a < nA; a++) xA[i * nA + a] = points[i * d + this.indexA[a]];
    var raw = this.net.forward(xA, n); // n × (2 n_B): raw[:, 0, j] = s̃_j, raw[:, 1, j] = t_j
    var s = new Float64Array(n * nB), t = new Float64Array(n * nB);
    for (var k = 0; k < n; k++) {
      for (var j = 0; j < nB; j++) {
        s[k * nB + j] = logScale(raw[k * 2 * nB + j], this.scale, this.bound);
        t[k * nB + j] = raw[k * 2 * nB + nB + j];
      }
    }
    return { s: s, t: t };
  };

  // x → z: z_B = x_B e^s + t; returns {z, logabsdet (n), s, t}.
  AffineCoupling.prototype.forward = function (x, n, d) {
    var st = this.scaleAndShift(x, n, d), nB = this.indexB.length;
    var z = new Float64Array(x), logabsdet = new Float64Array(n);
    for (var i = 0; i < n; i++) {
      for (var j = 0; j < nB; j++) {
        var s = st.s[i * nB + j], b = i * d + this.indexB[j];
        z[b] = x[b] * Math.exp(s) + st.t[i * nB + j];
        logabsdet[i] += s;
      }
    }
    return { z: z, logabsdet: logabsdet, s: st.s, t: st.t };
  };

  // z → x: x_B = (z_B − t) e^{−s}; returns {x, logabsdet (n) = −Σ s, s, t}.
  AffineCoupling.prototype.inverse = function (z, n, d) {
    var st = this.scaleAndShift(z, n, d), nB = this.indexB.length;
    var x = new Float64Array(z), logabsdet = new Float64Array(n);
    for (var i = 0; i < n; i++) {
      for (var j = 0; j < nB; j++) {
        var s = st.s[i * nB + j], b = i * d + this.indexB[j];
        x[b] = (z[b] - st.t[i * nB + j]) * Math.exp(-s);
        logabsdet[i] -= s;
      }
    }
    return { x: x, logabsdet: logabsdet, s: st.s, t: st.t };
  };

  // The flow of a weights file: its couplings in order, data → latent.
  function Flow(model) {
    if (!model.layers) throw new Error(model.model + " is not a coupling flow (no layers)");
    this.model = model;
    this.d = model.layers[0].mask.length;
    this.layers = model.layers.map(function (layer) { return new AffineCoupling(model, layer); });
  }

  // x → z through every layer: {z, logabsdet, steps: [{input, output, s, t, logabsdet}, ...]}.
  Flow.prototype.forward = function (x, n) {
    var h = x, total = new Float64Array(n), steps = [];
    for (var l = 0; l < this.layers.length; l++) {
      var out = this.layers[l].forward(h, n, this.d);
      for (var i = 0; i < n; i++) total[i] += out.logabsdet[i];
      steps.push({ input: h, output: out.z, s: out.s, t: out.t, logabsdet: out.logabsdet });
      h = out.z;
    }
    return { z: h, logabsdet: total, steps: steps };
  };

  // z → x, last layer first: {x, logabsdet} (logabsdet of the inverse map).
  Flow.prototype.inverse = function (z, n) {
    var h = z, total = new Float64Array(n);
    for (var l = this.layers.length - 1; l >= 0; l--) {
      var out = this.layers[l].inverse(h, n, this.d);
      for (var i = 0; i < n; i++) total[i] += out.logabsdet[i];
      h = out.x;
    }
    return { x: h, logabsdet: total };
  };

  // log N(z; 0, I) for each row of z (n × d).
  function standardNormalLogProb(z, n, d) {
    var out = new Float64Array(n), c = 0.5 * d * Math.log(2 * Math.PI);
    for (var i = 0; i < n; i++) {
      var sq = 0;
      for (var k = 0; k < d; k++) sq += z[i * d + k] * z[i * d + k];
      out[i] = -0.5 * sq - c;
    }
    return out;
  }

  // log p_X(x) = log N(f(x); 0, I) + log|det J_f(x)|.
  Flow.prototype.logProb = function (x, n) {
    var f = this.forward(x, n), base = standardNormalLogProb(f.z, n, this.d);
    for (var i = 0; i < n; i++) base[i] += f.logabsdet[i];
    return base;
  };

  core.coupling = {
    logScale: logScale,
    AffineCoupling: AffineCoupling,
    Flow: Flow,
    standardNormalLogProb: standardNormalLogProb,
  };
})();
