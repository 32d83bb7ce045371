// Fixed-step ODE solvers for dx/dt = v(x, t) from t_0 to t_1 (explainer.matching.solvers): with
// h = (t_1 − t_0)/N and t_n = t_0 + n h,
//   euler     x_{n+1} = x_n + h v(x_n, t_n)                                   (1 evaluation per step)
//   midpoint  x_{n+1} = x_n + h v(x_n + ½h v(x_n, t_n), t_n + ½h)              (2 per step)
//   rk4       k_1 = v(x_n, t_n),          k_2 = v(x_n + ½h k_1, t_n + ½h),
//             k_3 = v(x_n + ½h k_2, t_n + ½h),  k_4 = v(x_n + h k_3, t_n + h),
//             x_{n+1} = x_n + h/6 (k_1 + 2k_2 + 2k_3 + k_4)                     (4 per step)
// t = 0 is noise and t = 1 data: solving forwards carries noise to data.
(function () {
  "use strict";
  var core = (window.explorerCore = window.explorerCore || {});
  var STAGES = { euler: 1, midpoint: 2, rk4: 4 };

  // x + c·k, into out (all flat arrays of the same length).
  function axpy(out, x, c, k) {
    for (var i = 0; i < x.length; i++) out[i] = x[i] + c * k[i];
    return out;
  }

  // One step of `method` from (x, t) with step h; v(x, t) -> Float64Array (may be reused by v).
  function step(method, v, x, t, h) {
    var m = x.length, next = new Float64Array(m), tmp = new Float64Array(m), i;
    if (method === "euler") return axpy(next, x, h, v(x, t));
    if (method === "midpoint") {
      axpy(tmp, x, 0.5 * h, v(x, t));
      return axpy(next, x, h, v(tmp, t + 0.5 * h));
    }
    var k1 = new Float64Array(v(x, t));
    var k2 = new Float64Array(v(axpy(tmp, x, 0.5 * h, k1), t + 0.5 * h));
    var k3 = new Float64Array(v(axpy(tmp, x, 0.5 * h, k2), t + 0.5 * h));
    var k4 = v(axpy(tmp, x, h, k3), t + h);
    for (i = 0; i < m; i++) next[i] = x[i] + (h / 6) * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
    return next;
  }

  // Integrate from x0 (flat) at t0 to t1 in `steps` uniform steps. Returns {x, xs, times, nfe}:
  // xs[n] is the state at times[n] (xs[0] = x0, xs[steps] = x), the whole trajectory.
  function solve(v, x0, method, steps, t0, t1) {
    if (!STAGES[method]) throw new Error("unknown method '" + method + "'; choose euler, midpoint or rk4");
    if (!(steps >= 1) || Math.floor(steps) !== steps) throw new Error("steps must be an integer >= 1, got " + steps);
    t0 = t0 == null ? 0 : t0;
    t1 = t1 == null ? 1 : t1;
    var times = [], xs = [x0], x = x0;
    for (var n = 0; n < steps; n++) times.push(t0 + ((t1 - t0) * n) / steps);
    times.push(t1);
    for (var s = 0; s < steps; s++) {
      x = step(method, v, x, times[s], times[s + 1] - times[s]);
      xs.push(x);
    }
    return { x: x, xs: xs, times: times, nfe: STAGES[method] * steps };
  }

  core.solvers = { STAGES: STAGES, step: step, solve: solve };
})();
