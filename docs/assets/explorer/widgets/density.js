// Widget "density" (the alternation page): the trained RealNVP's log-density
//   log p_θ(x) = log N(f(x); 0, I) + log|det J_f(x)|
// computed in the browser at every cell of a grid over the plane, beside the true log-density of
// the moons (computed by the pipeline, explainer.datasets.log_prob). The switch shows the flow
// trained with the same mask in every layer: its x_1 is never transformed, so its density of x_1
// alone is a standard normal, whatever the data.
//
// window.explorers.density = {
//   logProb(points) -> [...]        log p_θ(x) of the current model
//   trueLogProb(points) -> [...]    the data's log-density, from the grid (nearest cell)
//   use(model) -> Promise, model    "realnvp-moons" | "realnvp-moons-same-mask"
// }
(function () {
  "use strict";
  var NAME = "density";
  var CORE = ["core/simd.js", "core/weights.js", "core/mlp.js", "core/points.js", "core/coupling.js", "core/view.js"];
  var MODELS = ["realnvp-moons", "realnvp-moons-same-mask"];
  var FLOOR = -8; // the colour scale's lowest log-density (anything lower is drawn as this)
  // viridis at five stops (dark = low density, yellow = high), interpolated linearly
  var STOPS = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];

  var LABELS = {
    en: {
      masks: "Masks",
      models: { "realnvp-moons": "alternating", "realnvp-moons-same-mask": "the same in every layer" },
      model: "The flow: log p_θ(x), computed in your browser",
      truth: "The data: true log p(x)",
      canvasModel: "Heat map of the trained flow's log-density over the plane",
      canvasTruth: "Heat map of the true log-density of the two moons",
      computing: "computing the grid… ",
      at: "at x = ",
      nll: "test NLL of this flow: ",
      entropy: "nats; entropy of the data (the best possible): ",
      nats: "nats",
      hint: "Point at or tap either map (or focus it and use the arrow keys) to read both values.",
    },
    zh: {
      masks: "掩码",
      models: { "realnvp-moons": "交替", "realnvp-moons-same-mask": "每层相同" },
      model: "流模型：log p_θ(x)，在你的浏览器里计算",
      truth: "数据：真实的 log p(x)",
      canvasModel: "训练好的流模型在平面上的对数密度热图",
      canvasTruth: "双月数据真实对数密度的热图",
      computing: "正在计算网格… ",
      at: "在 x = ",
      nll: "该流模型的测试 NLL：",
      entropy: "纳特；数据的熵（可能达到的最好值）：",
      nats: "纳特",
      hint: "把指针移到任一张图上或轻点它（也可以聚焦后用方向键），即可读出两边的数值。",
    },
  };

  function colour(logp, top) {
    var u = (Math.max(FLOOR, Math.min(top, logp)) - FLOOR) / (top - FLOOR), k = Math.min(3, Math.floor(u * 4)), w = u * 4 - k;
    var a = STOPS[k], b = STOPS[k + 1];
    return [a[0] + w * (b[0] - a[0]), a[1] + w * (b[1] - a[1]), a[2] + w * (b[2] - a[2])];
  }

  function mount(element, ctx) {
    var L = LABELS[ctx.lang] || LABELS.en;
    return Promise.all(CORE.map(ctx.loadScript)).then(function () {
      var core = window.explorerCore, view = core.view, el = view.el, fmt = view.fmt;
      var flows = {}, grids = {};
      var state = { model: null, flow: null, truth: null, window: null, cursor: null, job: 0 };

      element.textContent = "";
      var id = "dn-" + Math.random().toString(36).slice(2, 8);
      var buttons = MODELS.map(function (m) {
        return el("button", { type: "button", "data-model": m, "aria-pressed": "false", text: L.models[m] });
      });
      element.appendChild(el("div", { class: "explorer__controls", role: "group", "aria-labelledby": id + "-masks" }, [
        el("span", { id: id + "-masks", text: L.masks + ":" }),
      ].concat(buttons)));
      var panels = el("div", { class: "explorer__panels" });
      element.appendChild(panels);
      var figures = [el("figure", { class: "explorer__panel" }), el("figure", { class: "explorer__panel" })];
      figures.forEach(function (f) { panels.appendChild(f); });
      var readout = el("p", { class: "explorer__readout", "aria-live": "polite", text: L.hint });
      var summary = el("p", { class: "explorer__caption" });
      element.appendChild(readout);
      element.appendChild(summary);
      var plots = null;

      function use(model) {
        if (MODELS.indexOf(model) < 0) return Promise.reject(new Error("unknown model '" + model + "'; choose " + MODELS.join(" or ")));
        var ready = flows[model]
          ? Promise.resolve(flows[model])
          : core.weights.load(ctx, model).then(function (weights) { return (flows[model] = new core.coupling.Flow(weights)); });
        return ready.then(function (flow) {
          var density = flow.model.density;
          state.model = model;
          state.flow = flow;
          state.window = { x: density.x, y: density.y, columns: density.columns, rows: density.rows };
          state.truth = core.weights.decode(density.log_p.data);
          api.model = model;
          buttons.forEach(function (b) { b.setAttribute("aria-pressed", String(b.dataset.model === model)); });
          if (!plots) {
            plots = [
              new view.Plot(figures[0], state.window, L.canvasModel),
              new view.Plot(figures[1], state.window, L.canvasTruth),
            ];
            figures[0].appendChild(el("figcaption", { text: L.model }));
            figures[1].appendChild(el("figcaption", { text: L.truth }));
            plots.forEach(listen);
          }
          summary.textContent = L.nll + fmt(flow.model.nll, 3) + " " + L.entropy + fmt(flow.model.entropy, 3) + " " + L.nats;
          compute();
        });
      }

      // The grid's cell centres, row by row from the top (as the pipeline wrote the true density).
      function cell(r, c) {
        var w = state.window;
        return [w.x[0] + (c * (w.x[1] - w.x[0])) / (w.columns - 1), w.y[1] - (r * (w.y[1] - w.y[0])) / (w.rows - 1)];
      }

      // The model's grid, a few rows at a time so the page stays responsive; drawn as it comes.
      function compute() {
        var job = ++state.job, w = state.window, model = state.model;
        if (grids[model] && grids[model].done) return drawAll();
        var grid = (grids[model] = { values: new Float64Array(w.rows * w.columns), rows: 0, done: false });
        element.dataset.complete = "0";
        var ROWS = 5;
        function chunk() {
          if (job !== state.job) return; // the reader switched model: stop this one
          var from = grid.rows, to = Math.min(w.rows, from + ROWS), n = (to - from) * w.columns;
          var points = new Float64Array(2 * n), k = 0;
          for (var r = from; r < to; r++) for (var c = 0; c < w.columns; c++, k++) {
            var p = cell(r, c);
            points[2 * k] = p[0];
            points[2 * k + 1] = p[1];
          }
          grid.values.set(state.flow.logProb(points, n), from * w.columns);
          grid.rows = to;
          readout.textContent = L.computing + Math.round((100 * to) / w.rows) + " %";
          drawAll();
          if (to < w.rows) setTimeout(chunk, 0);
          else {
            grid.done = true;
            element.dataset.complete = "1";
            readout.textContent = L.hint;
          }
        }
        chunk();
      }

      function top() {
        var m = -Infinity;
        for (var i = 0; i < state.truth.length; i++) if (state.truth[i] > m) m = state.truth[i];
        return m;
      }

      // One pixel per grid cell on a small canvas, scaled up smoothly onto the plot.
      var cells = document.createElement("canvas");
      function drawMap(plot, values, rows) {
        plot.resize();
        var w = state.window, c = plot.ctx, hi = top();
        cells.width = w.columns;
        cells.height = w.rows;
        var small = cells.getContext("2d"), image = small.createImageData(w.columns, w.rows);
        for (var i = 0; i < rows * w.columns; i++) {
          var rgb = colour(values[i], hi);
          image.data[4 * i] = rgb[0];
          image.data[4 * i + 1] = rgb[1];
          image.data[4 * i + 2] = rgb[2];
          image.data[4 * i + 3] = 255;
        }
        small.putImageData(image, 0, 0);
        c.clearRect(0, 0, plot.width, plot.height);
        c.imageSmoothingEnabled = true;
        // cell centres sit on the grid's nodes: half a cell beyond the window on each side
        var cw = plot.width / (w.columns - 1), ch = plot.height / (w.rows - 1);
        c.drawImage(cells, -cw / 2, -ch / 2, plot.width + cw, plot.height + ch);
        if (state.cursor) {
          var p = cell(state.cursor[0], state.cursor[1]), q = plot.px(p[0], p[1]);
          c.strokeStyle = "#fff";
          c.lineWidth = 2;
          c.strokeRect(q[0] - 5, q[1] - 5, 10, 10);
        }
      }

      function drawAll() {
        if (!plots) return;
        var grid = grids[state.model];
        drawMap(plots[0], grid.values, grid.rows);
        drawMap(plots[1], state.truth, state.window.rows);
      }

      function showCursor() {
        var r = state.cursor[0], c = state.cursor[1], p = cell(r, c), grid = grids[state.model];
        var model = state.flow.logProb(new Float64Array(p), 1)[0];
        readout.textContent = L.at + "(" + fmt(p[0], 2) + ", " + fmt(p[1], 2) + "): log p_θ(x) = " + fmt(model, 3) +
          " · log p(x) = " + fmt(state.truth[r * state.window.columns + c], 3);
        if (grid) drawAll();
      }

      function listen(plot) {
        plot.canvas.tabIndex = 0;
        function at(e) {
          var box = plot.canvas.getBoundingClientRect(), w = state.window;
          var c = Math.round(((e.clientX - box.left) / box.width) * (w.columns - 1));
          var r = Math.round(((e.clientY - box.top) / box.height) * (w.rows - 1));
          state.cursor = [Math.max(0, Math.min(w.rows - 1, r)), Math.max(0, Math.min(w.columns - 1, c))];
          showCursor();
        }
        plot.canvas.addEventListener("pointerdown", at);
        plot.canvas.addEventListener("pointermove", function (e) { if (e.pointerType === "mouse" || e.buttons) at(e); });
        plot.canvas.addEventListener("keydown", function (e) {
          var d = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] }[e.key];
          if (!d) return;
          e.preventDefault();
          var w = state.window, cur = state.cursor || [Math.floor(w.rows / 2), Math.floor(w.columns / 2)];
          state.cursor = [Math.max(0, Math.min(w.rows - 1, cur[0] + d[0])), Math.max(0, Math.min(w.columns - 1, cur[1] + d[1]))];
          showCursor();
        });
      }

      buttons.forEach(function (b) { b.addEventListener("click", function () { use(b.dataset.model); }); });
      view.onRestyle(element, function () { if (state.flow) drawAll(); });

      function trueLogProb(points) {
        var w = state.window;
        return points.map(function (p) {
          var c = Math.round(((p[0] - w.x[0]) / (w.x[1] - w.x[0])) * (w.columns - 1));
          var r = Math.round(((w.y[1] - p[1]) / (w.y[1] - w.y[0])) * (w.rows - 1));
          if (c < 0 || c >= w.columns || r < 0 || r >= w.rows) return NaN;
          return state.truth[r * w.columns + c];
        });
      }

      var api = (window.explorers[NAME] = {
        model: null,
        logProb: function (points) { return Array.from(state.flow.logProb(core.points.toFlat(points), points.length)); },
        trueLogProb: trueLogProb,
        use: use,
      });

      return view.whenVisible(element).then(function () { return use(MODELS[0]); }).then(function () {
        element.dataset.ready = "1";
      });
    });
  }

  window.explorerWidgets[NAME] = { mount: mount };
})();
