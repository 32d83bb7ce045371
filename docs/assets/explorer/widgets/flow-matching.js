// Widget "flow-matching" (the flow-matching page, "Sampling: solving the ODE"): 1,000 particles
// drawn from N(0, I) at t = 0 are carried to the data by the trained velocity field v_θ(x, t),
// solving dx/dt = v_θ(x, t) with the solver and number of steps the reader picks. The time
// slider shows the particles at time t (between two steps, on the straight line joining them);
// the energy distance between the particles at t = 1 and held-out data says how good the samples are.
//
// window.explorers["flow-matching"] = {
//   velocity(points, t) -> [[v1, v2], ...]       v_θ(x, t) of the current model
//   solve(points, method, steps) -> points        x(1) from x(0) = points (method: euler|midpoint|rk4)
//   energyDistance(points) -> number              to the held-out data of the current model
//   use(model) -> Promise                         switch to "fm-moons" or "fm-8gaussians"
//   model                                         the current model's name
// }
(function () {
  "use strict";
  var NAME = "flow-matching";
  var CORE = ["core/simd.js", "core/weights.js", "core/mlp.js", "core/points.js", "core/velocity.js", "core/solvers.js", "core/metrics.js", "core/view.js"];
  var MODELS = ["fm-moons", "fm-8gaussians"];
  var WINDOW = { x: [-4, 4], y: [-4, 4] };
  var PARTICLES = 1000;
  var TRAJECTORIES = 60; // drawn paths (every particle is solved; 60 lines keep the picture readable)
  var SEED = 1;

  var LABELS = {
    en: {
      title: "Flow matching: carrying noise to data",
      data: "Data",
      models: { "fm-moons": "two moons", "fm-8gaussians": "8 Gaussians" },
      solver: "Solver",
      methods: { euler: "Euler", midpoint: "midpoint", rk4: "RK4" },
      steps: "Steps",
      time: "Time t",
      play: "Play",
      pause: "Pause",
      paths: "Trajectories",
      canvas: "1,000 particles moved by the trained velocity field from noise (t = 0) to data (t = 1)",
      quality: "Energy distance to held-out data at t = 1",
      nfe: "network evaluations",
      computing: "computing…",
      took: "solved in",
      lower: "lower is better",
      particlesAt: "Particles at t = ",
    },
    zh: {
      title: "流匹配：把噪声搬运成数据",
      data: "数据",
      models: { "fm-moons": "双月", "fm-8gaussians": "8 个高斯" },
      solver: "求解器",
      methods: { euler: "欧拉法", midpoint: "中点法", rk4: "RK4" },
      steps: "步数",
      time: "时间 t",
      play: "播放",
      pause: "暂停",
      paths: "轨迹",
      canvas: "1000 个粒子在训练好的速度场推动下，从噪声（t = 0）走到数据（t = 1）",
      quality: "t = 1 时与留出数据的能量距离",
      nfe: "次网络求值",
      computing: "计算中…",
      took: "求解用时",
      lower: "越低越好",
      particlesAt: "粒子位于 t = ",
    },
  };

  function mount(element, ctx) {
    var L = LABELS[ctx.lang] || LABELS.en;
    return Promise.all(CORE.map(ctx.loadScript)).then(function () {
      var core = window.explorerCore, view = core.view, el = view.el;
      var state = { model: null, field: null, reference: null, referenceSelf: 0, method: "rk4", steps: 20, t: 1, paths: true };
      var cache = {}; // model name -> {field, reference, referenceSelf}
      var x0 = core.points.normal(PARTICLES, SEED);
      var solution = null;

      // --- the controls -----------------------------------------------------------------------
      element.textContent = "";
      var id = "fm-" + Math.random().toString(36).slice(2, 8);
      var modelSelect = el("select", { id: id + "-data" }, MODELS.map(function (m) { return el("option", { value: m, text: L.models[m] }); }));
      var methodSelect = el("select", { id: id + "-method" }, ["euler", "midpoint", "rk4"].map(function (m) {
        return el("option", { value: m, text: L.methods[m] });
      }));
      methodSelect.value = state.method;
      var stepsInput = el("input", { id: id + "-steps", type: "number", min: "1", max: "100", step: "1", value: String(state.steps), inputmode: "numeric" });
      var timeInput = el("input", { id: id + "-time", type: "range", min: "0", max: "1", step: "0.01", value: "1" });
      var timeValue = el("output", { for: id + "-time", class: "explorer__readout", text: "1.00" });
      var playButton = el("button", { type: "button", text: L.play });
      var pathsBox = el("input", { id: id + "-paths", type: "checkbox", checked: "" });
      element.appendChild(el("div", { class: "explorer__controls" }, [
        el("label", { for: id + "-data" }, [L.data, modelSelect]),
        el("label", { for: id + "-method" }, [L.solver, methodSelect]),
        el("label", { for: id + "-steps" }, [L.steps, stepsInput]),
        el("label", { for: id + "-paths" }, [pathsBox, L.paths]),
      ]));
      element.appendChild(el("div", { class: "explorer__controls" }, [
        el("label", { for: id + "-time" }, [L.time]), timeInput, timeValue, playButton,
      ]));
      var plot = new view.Plot(element, WINDOW, L.canvas);
      var readout = el("p", { class: "explorer__readout", "aria-live": "polite" });
      element.appendChild(readout);
      var colours = view.colours(element);

      // --- the model and the solve -------------------------------------------------------------
      function use(model) {
        if (MODELS.indexOf(model) < 0) return Promise.reject(new Error("unknown model '" + model + "'; choose " + MODELS.join(" or ")));
        if (model === state.model && solution) return Promise.resolve(true); // already shown
        var ready = cache[model]
          ? Promise.resolve(cache[model])
          : core.weights.load(ctx, model).then(function (weights) {
              var reference = Float64Array.from(core.weights.decode(weights.reference.data));
              var n = reference.length / 2;
              cache[model] = {
                field: new core.VelocityField(weights),
                reference: reference,
                n: n,
                referenceSelf: core.metrics.meanDistance(reference, n, reference, n), // fixed: once per model
              };
              return cache[model];
            });
        return ready.then(function (entry) {
          state.model = model;
          state.field = entry.field;
          state.reference = entry;
          modelSelect.value = model;
          api.model = model;
          return recompute();
        });
      }

      // Solve again, one solver step per task so the page stays responsive while it works; a newer
      // request (the reader changed something meanwhile) abandons this one.
      var job = 0;
      function recompute() {
        var mine = ++job, start = performance.now(), field = state.field, method = state.method, steps = state.steps;
        var v = function (x, t) { return field.evaluate(x, PARTICLES, t); };
        var times = [], xs = [x0];
        for (var n = 0; n < steps; n++) times.push(n / steps);
        times.push(1);
        readout.textContent = L.computing;
        return new Promise(function (done) {
          function next() {
            if (mine !== job) return done(false);
            var k = xs.length - 1;
            xs.push(core.solvers.step(method, v, xs[k], times[k], times[k + 1] - times[k]));
            if (xs.length <= steps) return setTimeout(next, 0);
            var ref = state.reference;
            solution = { x: xs[steps], xs: xs, times: times, nfe: core.solvers.STAGES[method] * steps };
            solution.energy = core.metrics.energyDistance(solution.x, PARTICLES, ref.reference, ref.n, ref.referenceSelf);
            draw();
            solution.ms = performance.now() - start;
            element.dataset.solves = String((+element.dataset.solves || 0) + 1);
            element.dataset.solveMs = solution.ms.toFixed(1);
            showReadout();
            done(true);
          }
          next();
        });
      }

      function showReadout() {
        readout.textContent =
          L.quality + ": " + view.fmt(solution.energy, 4) + " (" + L.lower + ") · " +
          solution.nfe + " " + L.nfe + " · " + L.took + " " + Math.round(solution.ms) + " ms";
      }

      // The particles at time t: on the chord between the two steps around t.
      function stateAt(t) {
        var times = solution.times, n = times.length - 1, k = 0;
        while (k < n - 1 && times[k + 1] <= t) k++;
        var a = solution.xs[k], b = solution.xs[k + 1], w = (t - times[k]) / (times[k + 1] - times[k]);
        w = Math.min(1, Math.max(0, w));
        var out = new Float64Array(a.length);
        for (var i = 0; i < a.length; i++) out[i] = a[i] + w * (b[i] - a[i]);
        return out;
      }

      // --- drawing ------------------------------------------------------------------------------
      function draw() {
        if (!solution) return;
        plot.resize();
        var c = plot.ctx, i, p;
        plot.clear(colours.paper);
        plot.axes(colours.line);
        // the held-out data, faint: where the particles should end
        var ref = state.reference;
        c.fillStyle = colours.line;
        for (i = 0; i < ref.n; i++) {
          p = plot.px(ref.reference[2 * i], ref.reference[2 * i + 1]);
          c.fillRect(p[0] - 1, p[1] - 1, 2, 2);
        }
        if (state.paths) {
          c.strokeStyle = colours.muted;
          c.lineWidth = 0.8;
          c.beginPath();
          for (i = 0; i < TRAJECTORIES; i++) {
            for (var k = 0; k < solution.xs.length; k++) {
              p = plot.px(solution.xs[k][2 * i], solution.xs[k][2 * i + 1]);
              if (k) c.lineTo(p[0], p[1]); else c.moveTo(p[0], p[1]);
            }
          }
          c.stroke();
        }
        var x = stateAt(state.t);
        c.fillStyle = colours.primary;
        var r = plot.width < 400 ? 1 : 1.4;
        for (i = 0; i < PARTICLES; i++) {
          p = plot.px(x[2 * i], x[2 * i + 1]);
          c.fillRect(p[0] - r, p[1] - r, 2 * r, 2 * r);
        }
        c.fillStyle = colours.ink;
        c.font = "13px sans-serif";
        c.fillText(L.particlesAt + state.t.toFixed(2), 8, 18);
        element.dataset.frames = String((+element.dataset.frames || 0) + 1);
      }

      // --- events -------------------------------------------------------------------------------
      var frame = 0;
      function setTime(t) {
        state.t = Math.min(1, Math.max(0, t));
        timeInput.value = String(state.t);
        timeValue.textContent = state.t.toFixed(2);
        if (!frame) frame = requestAnimationFrame(function () { frame = 0; draw(); });
      }
      timeInput.addEventListener("input", function () { setTime(+timeInput.value); });
      methodSelect.addEventListener("change", function () { state.method = methodSelect.value; recompute(); });
      stepsInput.addEventListener("change", function () {
        var n = Math.round(+stepsInput.value);
        if (!(n >= 1)) n = 1;
        if (n > 100) n = 100;
        stepsInput.value = String(n);
        state.steps = n;
        recompute();
      });
      pathsBox.addEventListener("change", function () { state.paths = pathsBox.checked; draw(); });
      modelSelect.addEventListener("change", function () { use(modelSelect.value); });


      // Play: t runs from 0 to 1 in 3 s. With reduced motion, no animation: t jumps to 1.
      var playing = 0;
      function stop() {
        if (playing) cancelAnimationFrame(playing);
        playing = 0;
        playButton.textContent = L.play;
        playButton.setAttribute("aria-pressed", "false");
      }
      playButton.setAttribute("aria-pressed", "false");
      playButton.addEventListener("click", function () {
        if (playing) return stop();
        if (view.reducedMotion()) return setTime(1);
        var start = null, from = state.t >= 1 ? 0 : state.t;
        playButton.textContent = L.pause;
        playButton.setAttribute("aria-pressed", "true");
        function tick(now) {
          if (start === null) start = now;
          var t = from + (now - start) / 3000;
          setTime(t);
          if (t < 1) playing = requestAnimationFrame(tick); else stop();
        }
        playing = requestAnimationFrame(tick);
      });

      view.onRestyle(element, function () { colours = view.colours(element); draw(); });

      // --- the contract -------------------------------------------------------------------------
      var api = (window.explorers[NAME] = {
        model: null,
        velocity: function (points, t) {
          var x = core.points.toFlat(points);
          return core.points.toPairs(state.field.evaluate(x, points.length, t), points.length);
        },
        solve: function (points, method, steps) {
          var x = core.points.toFlat(points), n = points.length, field = state.field;
          var out = core.solvers.solve(function (y, t) { return field.evaluate(y, n, t); }, x, method, steps, 0, 1);
          return core.points.toPairs(out.x, n);
        },
        energyDistance: function (points) {
          var ref = state.reference;
          return core.metrics.energyDistance(core.points.toFlat(points), points.length, ref.reference, ref.n, ref.referenceSelf);
        },
        use: use,
      });

      return view.whenVisible(element).then(function () { return use(MODELS[0]); }).then(function () {
        element.dataset.ready = "1";
      });
    });
  }

  window.explorerWidgets[NAME] = { mount: mount };
})();
