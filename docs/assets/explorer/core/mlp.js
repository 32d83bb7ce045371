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
  // (a buffer owned by the network: copy it if you keep it past the next call). With WebAssembly
  // SIMD (core/simd.js) the products run there, in float32 like PyTorch; else in JavaScript below.
  MLP.prototype.forward = function (u, n) {
    if (this.simd !== false && core.simd && core.simd.available) {
      if (!this.simd || this.simd.capacity < n) this.simd = simdWorkspace(this, n);
      if (this.simd) return simdForward(this, u, n);
    }
    return this.forwardJS(u, n);
  };

  // The weights in WebAssembly memory, layer after layer (the first layer's inputs padded with
  // zeros to a multiple of 4), then room for n inputs and each layer's n outputs.
  function simdWorkspace(self, n) {
    var layers = self.layers, floats = 0, plan = [];
    for (var l = 0; l < layers.length; l++) {
      var nin = l === 0 ? Math.ceil(layers[0].in / 4) * 4 : layers[l].in;
      if (nin % 4) { self.simd = false; return null; } // a hidden width not a multiple of 4: JavaScript
      plan.push({ W: floats, b: floats + layers[l].out * nin, nin: nin, nout: layers[l].out });
      floats += layers[l].out * nin + layers[l].out;
    }
    plan[0].input = floats;
    floats += n * plan[0].nin;
    plan.forEach(function (p) { p.output = floats; floats += n * p.nout; });
    var space = core.simd.instance(4 * floats), f32 = new Float32Array(space.memory.buffer);
    plan.forEach(function (p, l) {
      var layer = layers[l];
      for (var j = 0; j < p.nout; j++) {
        for (var k = 0; k < layer.in; k++) f32[p.W + j * p.nin + k] = layer.weight[j * layer.in + k];
        f32[p.b + j] = layer.bias[j];
      }
    });
    return { dense: space.dense, f32: f32, plan: plan, capacity: n };
  }

  function simdForward(self, u, n) {
    var ws = self.simd, f32 = ws.f32, plan = ws.plan, first = plan[0], d = self.inFeatures, i, k;
    for (i = 0; i < n; i++) for (k = 0; k < d; k++) f32[first.input + i * first.nin + k] = u[i * d + k];
    var input = first.input, last = plan.length - 1, act = self.act;
    for (var l = 0; l <= last; l++) {
      var p = plan[l];
      ws.dense(4 * p.W, 4 * p.b, 4 * input, 4 * p.output, n, p.nin, p.nout);
      if (l < last) {
        var end = p.output + n * p.nout;
        if (act === "relu") for (i = p.output; i < end; i++) { if (f32[i] < 0) f32[i] = 0; }
        else if (act === "silu") for (i = p.output; i < end; i++) f32[i] = f32[i] / (1 + Math.exp(-f32[i]));
        else for (i = p.output; i < end; i++) f32[i] = Math.tanh(f32[i]);
      }
      input = p.output;
    }
    var out = buffer(self, "out", n * self.outFeatures), o = plan[last].output;
    for (i = 0; i < n * self.outFeatures; i++) out[i] = f32[o + i];
    return out;
  }

  // The same map in plain JavaScript (float64), four points at a time.
  MLP.prototype.forwardJS = function (u, n) {
    var h = u;
    var last = this.layers.length - 1;
    var relu = this.act === "relu", silu = this.act === "silu";
    for (var l = 0; l <= last; l++) {
      var layer = this.layers[l], W = layer.weight, b = layer.bias, nin = layer.in, nout = layer.out;
      var out = buffer(this, l % 2 ? "odd" : "even", n * nout);
      if (l === last) out = buffer(this, "out", n * nout);
      var i = 0;
      // four points at a time: each row of W is read once for all four (the same sums, in the same order)
      for (; i + 3 < n; i += 4) {
        var r0 = i * nin, r1 = r0 + nin, r2 = r1 + nin, r3 = r2 + nin, o0 = i * nout;
        for (var j = 0; j < nout; j++) {
          var w = j * nin, a0 = b[j], a1 = a0, a2 = a0, a3 = a0;
          for (var k = 0; k < nin; k++) {
            var wk = W[w + k];
            a0 += wk * h[r0 + k];
            a1 += wk * h[r1 + k];
            a2 += wk * h[r2 + k];
            a3 += wk * h[r3 + k];
          }
          if (l < last) {
            if (relu) { a0 = a0 > 0 ? a0 : 0; a1 = a1 > 0 ? a1 : 0; a2 = a2 > 0 ? a2 : 0; a3 = a3 > 0 ? a3 : 0; }
            else if (silu) { a0 = a0 / (1 + Math.exp(-a0)); a1 = a1 / (1 + Math.exp(-a1)); a2 = a2 / (1 + Math.exp(-a2)); a3 = a3 / (1 + Math.exp(-a3)); }
            else { a0 = Math.tanh(a0); a1 = Math.tanh(a1); a2 = Math.tanh(a2); a3 = Math.tanh(a3); }
          }
          out[o0 + j] = a0;
          out[o0 + nout + j] = a1;
          out[o0 + 2 * nout + j] = a2;
          out[o0 + 3 * nout + j] = a3;
        }
      }
      for (; i < n; i++) {
        var row = i * nin, o = i * nout;
        for (var jj = 0; jj < nout; jj++) {
          var ww = jj * nin, a = b[jj];
          for (var kk = 0; kk < nin; kk++) a += W[ww + kk] * h[row + kk]; // a = b_j + Σ_k W_jk h_k
          if (l < last) a = relu ? (a > 0 ? a : 0) : silu ? a / (1 + Math.exp(-a)) : Math.tanh(a);
          out[o + jj] = a;
        }
      }
      h = out;
    }
    return h;
  };

  core.MLP = MLP;
  core.activations = activations;
})();
