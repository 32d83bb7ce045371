// Widget "coupling" (the coupling-layers page): one point x goes through the trained RealNVP
// (8 affine couplings, moons) layer by layer. Each layer copies one coordinate (x_A) and moves the
// other:  h_B ← h_B · e^{s(h_A)} + t(h_A),  and adds s to the running log-det; at the end
//   log p(x) = log N(z; 0, I) + Σ_l s_l.
// Click or tap the plane (or use the arrow keys) to move x; the switch loads the same flow trained
// with the same mask in every layer, where x_1 is never moved.
//
// window.explorers.coupling = {
//   forward(points) -> {z: [[z1, z2], ...], logabsdet: [...]}     x → z
//   inverse(z) -> [[x1, x2], ...]                                   z → x
//   logProb(points) -> [...]                                         log p(x)
//   layers(point) -> [{s, t, output, logabsdet}, ...]                what the table shows
//   use(model) -> Promise, model                                     "realnvp-moons" | "realnvp-moons-same-mask"
// }
(function () {
  "use strict";
  var NAME = "coupling";
  var CORE = ["core/simd.js", "core/weights.js", "core/mlp.js", "core/points.js", "core/coupling.js", "core/view.js"];
  var MODELS = ["realnvp-moons", "realnvp-moons-same-mask"];
  var WINDOW = { x: [-4, 4], y: [-3, 3] };
  var START = [0.8, 0.6];
  var STEP = 0.1; // an arrow key moves x by this much

  var LABELS = {
    en: {
      masks: "Masks",
      models: { "realnvp-moons": "alternating", "realnvp-moons-same-mask": "the same in every layer" },
      canvas: "The plane of the two moons; the point x and its path through the layers to z. Click to move x, or focus and use the arrow keys.",
      layer: "layer",
      moves: "moves",
      s: "s",
      t: "t",
      output: "output h",
      running: "running log|det J|",
      input: "input x",
      result: "log p(x) = log N(z; 0, I) + log|det J| = ",
      point: "x = ",
      hint: "Click the plane or use the arrow keys to move x.",
      latent: "rings: 1σ and 2σ of N(0, I), where z should land",
    },
    zh: {
      masks: "掩码",
      models: { "realnvp-moons": "交替", "realnvp-moons-same-mask": "每层相同" },
      canvas: "双月数据所在的平面；点 x 及其逐层走向 z 的路径。点击可移动 x，也可以聚焦后用方向键移动。",
      layer: "层",
      moves: "变换",
      s: "s",
      t: "t",
      output: "输出 h",
      running: "累计 log|det J|",
      input: "输入 x",
      result: "log p(x) = log N(z; 0, I) + log|det J| = ",
      point: "x = ",
      hint: "点击平面或用方向键移动 x。",
      latent: "圆环：N(0, I) 的 1σ 与 2σ 范围，z 应当落在这里",
    },
  };

  function mount(element, ctx) {
    var L = LABELS[ctx.lang] || LABELS.en;
    return Promise.all(CORE.map(ctx.loadScript)).then(function () {
      var core = window.explorerCore, view = core.view, el = view.el, fmt = view.fmt;
      var flows = {};
      var state = { model: null, flow: null, x: START.slice() };

      element.textContent = "";
      var id = "cp-" + Math.random().toString(36).slice(2, 8);
      var buttons = MODELS.map(function (m) {
        return el("button", { type: "button", "data-model": m, "aria-pressed": "false", text: L.models[m] });
      });
      element.appendChild(el("div", { class: "explorer__controls", role: "group", "aria-labelledby": id + "-masks" }, [
        el("span", { id: id + "-masks", text: L.masks + ":" }),
      ].concat(buttons)));
      var plot = new view.Plot(element, WINDOW, L.canvas);
      plot.canvas.tabIndex = 0;
      element.appendChild(el("p", { class: "explorer__caption", text: L.hint + " " + L.latent }));
      var table = el("div", { class: "explorer__readout", "aria-live": "polite", tabindex: "0" });
      element.appendChild(table);
      var colours = view.colours(element);

      function use(model) {
        if (MODELS.indexOf(model) < 0) return Promise.reject(new Error("unknown model '" + model + "'; choose " + MODELS.join(" or ")));
        var ready = flows[model]
          ? Promise.resolve(flows[model])
          : core.weights.load(ctx, model).then(function (weights) { return (flows[model] = new core.coupling.Flow(weights)); });
        return ready.then(function (flow) {
          state.model = model;
          state.flow = flow;
          api.model = model;
          buttons.forEach(function (b) { b.setAttribute("aria-pressed", String(b.dataset.model === model)); });
          update();
        });
      }

      function pass(point) {
        var x = core.points.toFlat([point]), f = state.flow.forward(x, 1), running = 0;
        var layers = f.steps.map(function (step, l) {
          running += step.logabsdet[0];
          return {
            moves: state.flow.layers[l].indexB[0],
            s: step.s[0],
            t: step.t[0],
            output: [step.output[0], step.output[1]],
            logabsdet: running,
          };
        });
        var logp = core.coupling.standardNormalLogProb(f.z, 1, 2)[0] + f.logabsdet[0];
        return { layers: layers, z: [f.z[0], f.z[1]], logabsdet: f.logabsdet[0], logProb: logp };
      }

      function update() {
        var result = pass(state.x);
        draw(result);
        var sub = ["\u2081", "\u2082"];
        var rows = result.layers.map(function (r, l) {
          return "<tr><td>" + (l + 1) + "</td><td>x" + sub[r.moves] + "</td><td>" + fmt(r.s) + "</td><td>" + fmt(r.t) +
            "</td><td>(" + fmt(r.output[0]) + ", " + fmt(r.output[1]) + ")</td><td>" + fmt(r.logabsdet) + "</td></tr>";
        });
        table.innerHTML =
          "<p>" + L.point + "(" + fmt(state.x[0], 2) + ", " + fmt(state.x[1], 2) + ")</p>" +
          "<table><thead><tr><th>" + L.layer + "</th><th>" + L.moves + "</th><th>" + L.s + "</th><th>" + L.t + "</th><th>" +
          L.output + "</th><th>" + L.running + "</th></tr></thead><tbody>" + rows.join("") + "</tbody></table>" +
          "<p><strong>" + L.result + fmt(result.logProb, 4) + "</strong></p>";
        element.dataset.logProb = String(result.logProb);
      }

      function draw(result) {
        plot.resize();
        var c = plot.ctx, o = plot.px(0, 0), unit = plot.px(1, 0)[0] - o[0];
        plot.clear(colours.paper);
        plot.axes(colours.line);
        c.strokeStyle = colours.line;
        c.setLineDash([4, 4]);
        [1, 2].forEach(function (r) { c.beginPath(); c.arc(o[0], o[1], r * unit, 0, 2 * Math.PI); c.stroke(); });
        c.setLineDash([]);
        // the path x → h_1 → … → z: each segment is horizontal or vertical (one coordinate moves)
        var points = [state.x].concat(result.layers.map(function (r) { return r.output; }));
        c.strokeStyle = colours.primary;
        c.lineWidth = 1.5;
        c.beginPath();
        points.forEach(function (p, i) { var q = plot.px(p[0], p[1]); if (i) c.lineTo(q[0], q[1]); else c.moveTo(q[0], q[1]); });
        c.stroke();
        c.fillStyle = colours.primary;
        c.font = "11px sans-serif";
        points.forEach(function (p, i) {
          var q = plot.px(p[0], p[1]);
          c.beginPath(); c.arc(q[0], q[1], 2.5, 0, 2 * Math.PI); c.fill();
          if (i > 0 && i < points.length - 1) c.fillText(String(i), q[0] + 4, q[1] - 4);
        });
        var xq = plot.px(state.x[0], state.x[1]), zq = plot.px(result.z[0], result.z[1]);
        c.fillStyle = colours.accent;
        c.beginPath(); c.arc(xq[0], xq[1], 5, 0, 2 * Math.PI); c.fill();
        c.fillStyle = colours.ink;
        c.font = "13px sans-serif";
        c.fillText("x", xq[0] + 7, xq[1] + 4);
        c.beginPath(); c.arc(zq[0], zq[1], 4, 0, 2 * Math.PI); c.fill();
        c.fillText("z", zq[0] + 7, zq[1] + 4);
      }

      function moveTo(x, y) {
        state.x = [Math.min(WINDOW.x[1], Math.max(WINDOW.x[0], x)), Math.min(WINDOW.y[1], Math.max(WINDOW.y[0], y))];
        update();
      }
      function fromPointer(event) {
        var box = plot.canvas.getBoundingClientRect(), p = plot.world(event.clientX - box.left, event.clientY - box.top);
        moveTo(p[0], p[1]);
      }
      var dragging = false;
      plot.canvas.addEventListener("pointerdown", function (e) { dragging = true; plot.canvas.setPointerCapture(e.pointerId); fromPointer(e); });
      plot.canvas.addEventListener("pointermove", function (e) { if (dragging) fromPointer(e); });
      plot.canvas.addEventListener("pointerup", function () { dragging = false; });
      plot.canvas.addEventListener("pointercancel", function () { dragging = false; });
      plot.canvas.addEventListener("keydown", function (e) {
        var d = { ArrowLeft: [-STEP, 0], ArrowRight: [STEP, 0], ArrowUp: [0, STEP], ArrowDown: [0, -STEP] }[e.key];
        if (!d) return;
        e.preventDefault();
        moveTo(state.x[0] + d[0], state.x[1] + d[1]);
      });
      buttons.forEach(function (b) { b.addEventListener("click", function () { use(b.dataset.model); }); });
      view.onRestyle(element, function () { colours = view.colours(element); if (state.flow) update(); });

      var api = (window.explorers[NAME] = {
        model: null,
        forward: function (points) {
          var f = state.flow.forward(core.points.toFlat(points), points.length);
          return { z: core.points.toPairs(f.z, points.length), logabsdet: Array.from(f.logabsdet) };
        },
        inverse: function (z) {
          return core.points.toPairs(state.flow.inverse(core.points.toFlat(z), z.length).x, z.length);
        },
        logProb: function (points) {
          return Array.from(state.flow.logProb(core.points.toFlat(points), points.length));
        },
        layers: function (point) { return pass(point).layers; },
        use: use,
      });

      return view.whenVisible(element).then(function () { return use(MODELS[0]); }).then(function () {
        element.dataset.ready = "1";
      });
    });
  }

  window.explorerWidgets[NAME] = { mount: mount };
})();
