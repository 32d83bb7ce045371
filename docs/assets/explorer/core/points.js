// Points between the page and the engine. The contract (tests, console) speaks arrays of [x, y];
// the engine works on flat Float64Arrays (row i = point i: x at 2i, y at 2i + 1), one pass over the
// weights per batch. Also: a seeded standard normal (the widgets' noise is the same at every visit).
(function () {
  "use strict";
  var core = (window.explorerCore = window.explorerCore || {});

  function toFlat(points) {
    if (!Array.isArray(points)) throw new TypeError("points must be an array of [x, y] pairs");
    var flat = new Float64Array(2 * points.length);
    for (var i = 0; i < points.length; i++) {
      var p = points[i];
      if (!p || p.length !== 2 || !isFinite(p[0]) || !isFinite(p[1])) {
        throw new TypeError("point " + i + " must be a pair of finite numbers [x, y], got " + JSON.stringify(p));
      }
      flat[2 * i] = p[0];
      flat[2 * i + 1] = p[1];
    }
    return flat;
  }

  function toPairs(flat, n) {
    var out = new Array(n);
    for (var i = 0; i < n; i++) out[i] = [flat[2 * i], flat[2 * i + 1]];
    return out;
  }

  // mulberry32: a small seeded generator of uniforms in [0, 1).
  function uniform(seed) {
    var a = seed >>> 0;
    return function () {
      a = (a + 0x6d2b79f5) >>> 0;
      var t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  // n draws of z ~ N(0, I_2) by Box–Muller: z = √(−2 log u₁) (cos 2πu₂, sin 2πu₂).
  function normal(n, seed) {
    var u = uniform(seed), flat = new Float64Array(2 * n);
    for (var i = 0; i < n; i++) {
      var r = Math.sqrt(-2 * Math.log(1 - u())), a = 2 * Math.PI * u();
      flat[2 * i] = r * Math.cos(a);
      flat[2 * i + 1] = r * Math.sin(a);
    }
    return flat;
  }

  core.points = { toFlat: toFlat, toPairs: toPairs, uniform: uniform, normal: normal };
})();
