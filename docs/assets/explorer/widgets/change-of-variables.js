/* The change of variables, live: drag a point x and a small square around it, and watch
 *
 *     log p_X(x) = log p_Z(f(x)) + log |det J_f(x)|,      p_Z = N(0, I) in 2D,
 *
 * for the two maps that note 002 (§10) works by hand:
 *   linear:   z = A x + b,  A = [[2, 0.5], [0.1, 1.5]],  b = (0.3, -0.2);  J = A everywhere
 *   coupling: z1 = x1,  z2 = x2 exp(s(x1)) + t(x1),  s(x1) = 0.5 x1,  t(x1) = 0.2 x1;
 *             J = [[1, 0], [x2 s'(x1) e^s + t'(x1), e^s]],  log |det J| = s(x1)
 * (explainer.worked.linear_example and coupling_example; the browser tests compare every
 * function below with those PyTorch layers).
 *
 * The square of side eps around x goes to a curved quadrilateral around z = f(x); its area divided
 * by eps^2 tends to |det J_f(x)| as eps -> 0. For the linear map the image is exactly the
 * parallelogram spanned by eps times the columns of J.
 *
 * Contract (docs/assets/explorer/explorer.js): mount(element, ctx) sets
 * window.explorers["change-of-variables"] = {forward, inverse, logProb, jacobian, areaRatio,
 * setMap, ...} and element.dataset.ready = "1".
 */
(function () {
  "use strict";

  var NAME = "change-of-variables";
  var LOG_2PI = Math.log(2 * Math.PI);
  var NOTE_X = [0.5, -1.0]; // the point of note 002 §10

  // ------------------------------------------------------------------------------------------
  // The maths: pure functions of plain numbers
  // ------------------------------------------------------------------------------------------
  function det2(m) {
    return m[0][0] * m[1][1] - m[0][1] * m[1][0];
  }

  /* Each map: f(x) -> z, its inverse, its Jacobian J_f(x) and log|det J_f(x)|. */
  var A = [
    [2.0, 0.5],
    [0.1, 1.5],
  ];
  var B = [0.3, -0.2];
  var DET_A = det2(A);
  var S_SLOPE = 0.5;
  var T_SLOPE = 0.2;

  var MAPS = {
    linear: {
      f: function (x) {
        return [A[0][0] * x[0] + A[0][1] * x[1] + B[0], A[1][0] * x[0] + A[1][1] * x[1] + B[1]];
      },
      finv: function (z) {
        // x = A^{-1} (z - b), with the 2x2 inverse written out
        var u = z[0] - B[0];
        var v = z[1] - B[1];
        return [(A[1][1] * u - A[0][1] * v) / DET_A, (-A[1][0] * u + A[0][0] * v) / DET_A];
      },
      jacobian: function () {
        return [A[0].slice(), A[1].slice()];
      },
      logabsdet: function () {
        return Math.log(Math.abs(DET_A));
      },
    },
    coupling: {
      f: function (x) {
        var s = S_SLOPE * x[0];
        var t = T_SLOPE * x[0];
        return [x[0], x[1] * Math.exp(s) + t];
      },
      finv: function (z) {
        // x1 = z1, then x2 = (z2 - t(z1)) exp(-s(z1)): no inversion of s or t
        var s = S_SLOPE * z[0];
        var t = T_SLOPE * z[0];
        return [z[0], (z[1] - t) * Math.exp(-s)];
      },
      jacobian: function (x) {
        var es = Math.exp(S_SLOPE * x[0]);
        return [
          [1, 0],
          [x[1] * S_SLOPE * es + T_SLOPE, es],
        ];
      },
      logabsdet: function (x) {
        return S_SLOPE * x[0]; // log e^{s(x1)} = s(x1)
      },
    },
  };
  var MAP_NAMES = Object.keys(MAPS);

  function checkPoints(points, what) {
    if (!Array.isArray(points)) {
      throw new TypeError(NAME + ": " + what + " must be an array of [x, y] points, got " + typeof points);
    }
    points.forEach(function (p, i) {
      if (!Array.isArray(p) || p.length !== 2 || !isFinite(p[0]) || !isFinite(p[1])) {
        throw new TypeError(
          NAME + ": " + what + "[" + i + "] must be a point [x, y] of two finite numbers, got " + JSON.stringify(p)
        );
      }
    });
    return points;
  }

  function mapNamed(name) {
    if (!Object.prototype.hasOwnProperty.call(MAPS, name)) {
      throw new Error(NAME + ": unknown map " + JSON.stringify(name) + "; choose one of " + MAP_NAMES.join(", "));
    }
    return MAPS[name];
  }

  /* log N(z; 0, I) in 2D: -|z|^2 / 2 - log 2 pi */
  function logNormal(z) {
    return -0.5 * (z[0] * z[0] + z[1] * z[1]) - LOG_2PI;
  }

  /* Boundary of the square of side eps centred at x, counter-clockwise, perSide points a side. */
  function squareBoundary(x, eps, perSide) {
    var h = eps / 2;
    var corners = [
      [x[0] - h, x[1] - h],
      [x[0] + h, x[1] - h],
      [x[0] + h, x[1] + h],
      [x[0] - h, x[1] + h],
    ];
    var out = [];
    for (var k = 0; k < 4; k++) {
      var a = corners[k];
      var b = corners[(k + 1) % 4];
      for (var i = 0; i < perSide; i++) {
        var u = i / perSide;
        out.push([a[0] + u * (b[0] - a[0]), a[1] + u * (b[1] - a[1])]);
      }
    }
    return out;
  }

  /* Area of a closed polygon (shoelace formula), positive for a counter-clockwise one. */
  function polygonArea(poly) {
    var s = 0;
    for (var i = 0; i < poly.length; i++) {
      var p = poly[i];
      var q = poly[(i + 1) % poly.length];
      s += p[0] * q[1] - q[0] * p[1];
    }
    return s / 2;
  }

  /* The functions of one map, as window.explorers exposes them. */
  function mathOf(map) {
    return {
      forward: function (points) {
        checkPoints(points, "forward(points)");
        return {
          z: points.map(map.f),
          logabsdet: points.map(map.logabsdet),
        };
      },
      inverse: function (z) {
        return checkPoints(z, "inverse(z)").map(map.finv);
      },
      logProb: function (points) {
        return checkPoints(points, "logProb(points)").map(function (x) {
          return logNormal(map.f(x)) + map.logabsdet(x);
        });
      },
      jacobian: function (x) {
        return map.jacobian(checkPoints([x], "jacobian(x)")[0]);
      },
      /* area of f(square of side eps around x) / eps^2, the square's image as a polygon */
      areaRatio: function (x, eps, perSide) {
        checkPoints([x], "areaRatio(x)");
        if (!(eps > 0)) throw new RangeError(NAME + ": areaRatio needs a side eps > 0, got " + eps);
        var image = squareBoundary(x, eps, perSide || 64).map(map.f);
        return Math.abs(polygonArea(image)) / (eps * eps);
      },
    };
  }

  // ------------------------------------------------------------------------------------------
  // Labels, in the page's language
  // ------------------------------------------------------------------------------------------
  var LABELS = {
    en: {
      map: "Map",
      maps: {
        linear: "linear: z = Ax + b (note 002 §10.1)",
        coupling: "affine coupling: z₂ = x₂·exp(s(x₁)) + t(x₁) (note 002 §10.2)",
      },
      side: "Side of the square ε",
      reset: "Back to x = (0.5, −1)",
      dataSpace: "data space: x",
      latentSpace: "latent space: z = f(x)",
      pointLabel:
        "The point x and its square. Drag them, or use the arrow keys (Shift for larger steps); the readout below updates.",
      outside: "z is outside the view",
      x: "point <i>x</i>",
      z: "image <i>z</i> = <i>f</i>(<i>x</i>)",
      J: "Jacobian <i>J<sub>f</sub></i>(<i>x</i>)",
      det: "det <i>J</i>",
      logdet: "log |det <i>J</i>|",
      squareArea: "area of the square, <i>ε</i>²",
      imageArea: "area of its image",
      ratio: "area ratio",
      ratioNote: "→ |det J| as ε → 0",
      logpz: "log <i>p<sub>Z</sub></i>(<i>z</i>)",
      logpx: "log <i>p<sub>X</sub></i>(<i>x</i>) = log <i>p<sub>Z</sub></i>(<i>z</i>) + log |det <i>J</i>|",
      legendSquare: "square and its image",
      legendLinear: "first-order image (J times the square)",
      help: "Drag in the left panel or use the arrow keys. Dashed circles: |<i>z</i>| = 1, 2, 3 under <i>p<sub>Z</sub></i> = N(0, <i>I</i>).",
    },
    zh: {
      map: "映射",
      maps: {
        linear: "线性映射：z = Ax + b（笔记 002 §10.1）",
        coupling: "仿射耦合层：z₂ = x₂·exp(s(x₁)) + t(x₁)（笔记 002 §10.2）",
      },
      side: "正方形边长 ε",
      reset: "回到 x = (0.5, −1)",
      dataSpace: "数据空间：x",
      latentSpace: "潜空间：z = f(x)",
      pointLabel: "点 x 及其周围的小正方形。可以拖动，也可以用方向键移动（按住 Shift 步子更大）；下方的数值随之更新。",
      outside: "z 在视野之外",
      x: "点 <i>x</i>",
      z: "像点 <i>z</i> = <i>f</i>(<i>x</i>)",
      J: "雅可比矩阵 <i>J<sub>f</sub></i>(<i>x</i>)",
      det: "det <i>J</i>",
      logdet: "log |det <i>J</i>|",
      squareArea: "正方形面积 <i>ε</i>²",
      imageArea: "像的面积",
      ratio: "面积比",
      ratioNote: "ε → 0 时趋于 |det J|",
      logpz: "log <i>p<sub>Z</sub></i>(<i>z</i>)",
      logpx: "log <i>p<sub>X</sub></i>(<i>x</i>) = log <i>p<sub>Z</sub></i>(<i>z</i>) + log |det <i>J</i>|",
      legendSquare: "正方形及其像",
      legendLinear: "一阶近似的像（J 乘以正方形）",
      help: "在左图中拖动，或用方向键移动。虚线圆为 <i>p<sub>Z</sub></i> = N(0, <i>I</i>) 下的 |<i>z</i>| = 1, 2, 3。",
    },
  };

  // ------------------------------------------------------------------------------------------
  // Drawing helpers (SVG, 300 x 300 user units per panel)
  // ------------------------------------------------------------------------------------------
  var SVGNS = "http://www.w3.org/2000/svg";
  var SIZE = 300;
  var X_LIMIT = 2.5; // the data panel shows [-2.5, 2.5]^2
  var Z_LIMIT = 6.0; // the latent panel shows [-6, 6]^2
  var STEP = 0.05; // arrow keys; Shift: 5 steps

  function svgEl(name, attrs, parent) {
    var el = document.createElementNS(SVGNS, name);
    for (var k in attrs) el.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(el);
    return el;
  }

  function htmlEl(name, attrs, parent, text) {
    var el = document.createElement(name);
    for (var k in attrs) el.setAttribute(k, attrs[k]);
    if (text !== undefined) el.textContent = text;
    if (parent) parent.appendChild(el);
    return el;
  }

  function scaler(limit) {
    return {
      px: function (p) {
        return [((p[0] + limit) / (2 * limit)) * SIZE, ((limit - p[1]) / (2 * limit)) * SIZE];
      },
      math: function (px, py) {
        return [(px / SIZE) * 2 * limit - limit, limit - (py / SIZE) * 2 * limit];
      },
    };
  }

  function pathOf(points, sc, closed) {
    return (
      points
        .map(function (p, i) {
          var q = sc.px(p);
          return (i ? "L" : "M") + q[0].toFixed(2) + " " + q[1].toFixed(2);
        })
        .join("") + (closed ? "Z" : "")
    );
  }

  /* Numbers as the pages print them: fixed decimals, a real minus sign, never "-0.0000". */
  function fmt(v, digits) {
    var d = digits === undefined ? 4 : digits;
    var s = v.toFixed(d);
    if (Number(s) === 0) s = (0).toFixed(d);
    return s.replace("-", "\u2212");
  }

  function axes(svg, sc, limit, names) {
    var g = svgEl("g", { class: "xp-axes" }, svg);
    for (var v = -Math.floor(limit); v <= limit; v++) {
      var a = sc.px([v, -limit]);
      var b = sc.px([v, limit]);
      var c = sc.px([-limit, v]);
      var d = sc.px([limit, v]);
      svgEl("line", { x1: a[0], y1: a[1], x2: b[0], y2: b[1], class: v ? "xp-tick" : "xp-axis" }, g);
      svgEl("line", { x1: c[0], y1: c[1], x2: d[0], y2: d[1], class: v ? "xp-tick" : "xp-axis" }, g);
    }
    var e = sc.px([limit, 0]);
    var n = sc.px([0, limit]);
    svgEl("text", { x: e[0] - 4, y: e[1] - 5, "text-anchor": "end", class: "xp-axis-name" }, g).textContent = names[0];
    svgEl("text", { x: n[0] + 5, y: n[1] + 13, class: "xp-axis-name" }, g).textContent = names[1];
    return g;
  }

  // ------------------------------------------------------------------------------------------
  // The widget
  // ------------------------------------------------------------------------------------------
  function mount(root, ctx) {
    var T = LABELS[ctx && ctx.lang === "zh" ? "zh" : "en"];
    var uid = "xp-cov-" + Math.random().toString(36).slice(2, 8);
    var state = { map: "linear", x: NOTE_X.slice(), eps: 0.4 };
    var math = mathOf(MAPS[state.map]);

    root.textContent = "";
    root.classList.add("xp-cov");

    // controls
    var controls = htmlEl("div", { class: "explorer__controls xp-controls" }, root);
    var mapLabel = htmlEl("label", { class: "xp-map-label" }, controls);
    htmlEl("span", {}, mapLabel, T.map + " ");
    var select = htmlEl("select", { class: "xp-map" }, mapLabel);
    MAP_NAMES.forEach(function (name) {
      htmlEl("option", { value: name }, select, T.maps[name]);
    });
    var sideLabel = htmlEl("label", {}, controls);
    htmlEl("span", {}, sideLabel, T.side + " ");
    var side = htmlEl("input", { type: "range", min: "0.05", max: "1", step: "0.05", class: "xp-eps" }, sideLabel);
    side.value = String(state.eps);
    var sideOut = htmlEl("output", { class: "xp-eps-value" }, sideLabel);
    var reset = htmlEl("button", { type: "button", class: "xp-reset" }, controls, T.reset);

    // the two panels
    var panels = htmlEl("div", { class: "explorer__panels xp-panels" }, root);
    function panel(title, cls) {
      var fig = htmlEl("figure", { class: "explorer__panel xp-panel " + cls }, panels);
      var svg = svgEl("svg", { viewBox: "0 0 " + SIZE + " " + SIZE, class: "xp-svg" }, fig);
      htmlEl("figcaption", {}, fig, title);
      return svg;
    }
    var xsvg = panel(T.dataSpace, "xp-data");
    var zsvg = panel(T.latentSpace, "xp-latent");
    var xs = scaler(X_LIMIT);
    var zs = scaler(Z_LIMIT);
    xsvg.setAttribute("tabindex", "0");
    xsvg.setAttribute("role", "application");
    xsvg.setAttribute("aria-label", T.pointLabel);
    xsvg.setAttribute("aria-describedby", uid + "-readout");
    zsvg.setAttribute("aria-hidden", "true");

    axes(xsvg, xs, X_LIMIT, ["x₁", "x₂"]);
    axes(zsvg, zs, Z_LIMIT, ["z₁", "z₂"]);
    // the base density N(0, I): circles at |z| = 1, 2, 3
    var circles = svgEl("g", { class: "xp-base" }, zsvg);
    var c0 = zs.px([0, 0]);
    [1, 2, 3].forEach(function (r) {
      svgEl("circle", { cx: c0[0], cy: c0[1], r: (r / (2 * Z_LIMIT)) * SIZE }, circles);
    });
    // the image of the data grid (lines x1 = k/2 and x2 = k/2), redrawn when the map changes
    var gridX = svgEl("g", { class: "xp-grid" }, xsvg);
    var gridZ = svgEl("g", { class: "xp-grid" }, zsvg);
    var square = svgEl("path", { class: "xp-square" }, xsvg);
    var xdot = svgEl("circle", { r: 5, class: "xp-point" }, xsvg);
    var focusRing = svgEl("circle", { r: 11, class: "xp-focus" }, xsvg);
    var linearImage = svgEl("path", { class: "xp-linearised" }, zsvg);
    var image = svgEl("path", { class: "xp-image" }, zsvg);
    var zdot = svgEl("circle", { r: 5, class: "xp-point" }, zsvg);
    var outside = svgEl("text", { x: SIZE / 2, y: 16, "text-anchor": "middle", class: "xp-outside" }, zsvg);

    var legend = htmlEl("p", { class: "xp-legend" }, root);
    htmlEl("span", { class: "xp-key xp-key-square" }, legend);
    htmlEl("span", {}, legend, T.legendSquare + "  ");
    htmlEl("span", { class: "xp-key xp-key-linearised" }, legend);
    htmlEl("span", {}, legend, T.legendLinear);

    // the readout
    var readout = htmlEl("dl", { class: "explorer__readout xp-readout", id: uid + "-readout", tabindex: "0" }, root); // focusable: it scrolls on a phone
    function row(label, cls) {
      htmlEl("dt", {}, readout).innerHTML = label; // the labels above: constants with <i>, <sub>
      return htmlEl("dd", { class: cls }, readout);
    }
    var rx = row(T.x, "xp-x");
    var rz = row(T.z, "xp-z");
    var rJ = row(T.J, "xp-jacobian");
    var matrix = htmlEl("span", { class: "xp-matrix", "aria-hidden": "true" }, rJ);
    var jCells = [0, 1, 2, 3].map(function () {
      return htmlEl("span", {}, matrix);
    });
    var rdet = row(T.det, "xp-det");
    var rlogdet = row(T.logdet, "xp-logdet");
    var rsq = row(T.squareArea, "xp-square-area");
    var rimg = row(T.imageArea, "xp-image-area");
    var rratio = row(T.ratio, "xp-ratio");
    var rlpz = row(T.logpz, "xp-logpz");
    var rlpx = row(T.logpx, "xp-logpx");
    rlpx.setAttribute("aria-live", "polite");
    htmlEl("p", { class: "xp-help" }, root).innerHTML = T.help; // a constant above

    function drawGrid() {
      var map = MAPS[state.map];
      var lines = [];
      for (var k = -4; k <= 4; k++) {
        var v = k / 2;
        var h = [];
        var w = [];
        for (var i = 0; i <= 40; i++) {
          var u = -X_LIMIT + (i / 40) * 2 * X_LIMIT;
          h.push([u, v]);
          w.push([v, u]);
        }
        lines.push(h, w);
      }
      gridX.textContent = "";
      gridZ.textContent = "";
      lines.forEach(function (line) {
        svgEl("path", { d: pathOf(line, xs, false) }, gridX);
        svgEl("path", { d: pathOf(line.map(map.f), zs, false) }, gridZ);
      });
    }

    function update() {
      var map = MAPS[state.map];
      var x = state.x;
      var eps = state.eps;
      var z = map.f(x);
      var J = map.jacobian(x);
      var det = det2(J);
      var logdet = map.logabsdet(x);
      var boundary = squareBoundary(x, eps, 32);
      var imagePoly = boundary.map(map.f);
      var imageArea = Math.abs(polygonArea(imagePoly));
      var linearPoly = boundary.map(function (p) {
        var d = [p[0] - x[0], p[1] - x[1]];
        return [z[0] + J[0][0] * d[0] + J[0][1] * d[1], z[1] + J[1][0] * d[0] + J[1][1] * d[1]];
      });
      var lpz = logNormal(z);

      square.setAttribute("d", pathOf(boundary, xs, true));
      image.setAttribute("d", pathOf(imagePoly, zs, true));
      linearImage.setAttribute("d", pathOf(linearPoly, zs, true));
      var px = xs.px(x);
      xdot.setAttribute("cx", px[0]);
      xdot.setAttribute("cy", px[1]);
      focusRing.setAttribute("cx", px[0]);
      focusRing.setAttribute("cy", px[1]);
      var pz = zs.px(z);
      zdot.setAttribute("cx", pz[0]);
      zdot.setAttribute("cy", pz[1]);
      var out = Math.abs(z[0]) > Z_LIMIT || Math.abs(z[1]) > Z_LIMIT;
      outside.textContent = out ? T.outside : "";

      rx.textContent = "(" + fmt(x[0]) + ", " + fmt(x[1]) + ")";
      rz.textContent = "(" + fmt(z[0]) + ", " + fmt(z[1]) + ")";
      rJ.setAttribute("aria-label", "[[" + fmt(J[0][0]) + ", " + fmt(J[0][1]) + "], [" + fmt(J[1][0]) + ", " + fmt(J[1][1]) + "]]");
      jCells.forEach(function (cell, n) {
        cell.textContent = fmt(J[n >> 1][n & 1]);
      });
      rdet.textContent = fmt(det);
      rlogdet.textContent = fmt(logdet);
      rsq.textContent = fmt(eps * eps);
      rimg.textContent = fmt(imageArea);
      rratio.textContent = fmt(imageArea / (eps * eps)) + " ";
      htmlEl("span", { class: "xp-note" }, rratio, "(" + T.ratioNote + ")");
      rlpz.textContent = fmt(lpz);
      rlpx.textContent = fmt(lpz + logdet);
      sideOut.textContent = fmt(eps, 2);
    }

    function setPoint(x) {
      checkPoints([x], "setPoint(x)");
      state.x = [
        Math.max(-X_LIMIT, Math.min(X_LIMIT, Number(x[0]))),
        Math.max(-X_LIMIT, Math.min(X_LIMIT, Number(x[1]))),
      ];
      update();
    }

    function setMap(name) {
      math = mathOf(mapNamed(name));
      state.map = name;
      select.value = name;
      drawGrid();
      update();
    }

    // pointer: mouse, pen and touch alike; the point jumps to where the drag starts
    var dragging = null;
    function pointerMath(ev) {
      var r = xsvg.getBoundingClientRect();
      return xs.math(((ev.clientX - r.left) / r.width) * SIZE, ((ev.clientY - r.top) / r.height) * SIZE);
    }
    xsvg.addEventListener("pointerdown", function (ev) {
      if (ev.button !== undefined && ev.button > 0) return;
      dragging = ev.pointerId;
      try {
        xsvg.setPointerCapture(ev.pointerId);
      } catch (e) {
        /* a synthetic pointer cannot be captured; moves still reach the panel */
      }
      xsvg.focus({ preventScroll: true });
      setPoint(pointerMath(ev));
      ev.preventDefault();
    });
    xsvg.addEventListener("pointermove", function (ev) {
      if (dragging === null || ev.pointerId !== dragging) return;
      setPoint(pointerMath(ev));
      ev.preventDefault();
    });
    function endDrag(ev) {
      if (ev.pointerId === dragging) dragging = null;
    }
    xsvg.addEventListener("pointerup", endDrag);
    xsvg.addEventListener("pointercancel", endDrag);

    // keyboard: arrows move the point (Shift: five steps)
    xsvg.addEventListener("keydown", function (ev) {
      var d = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] }[ev.key];
      if (!d) return;
      var step = ev.shiftKey ? 5 * STEP : STEP;
      // round to the step grid so repeated presses land on exact values (0.5, -1, ...)
      var nx = Math.round((state.x[0] + d[0] * step) / STEP) * STEP;
      var ny = Math.round((state.x[1] + d[1] * step) / STEP) * STEP;
      setPoint([Number(nx.toFixed(10)), Number(ny.toFixed(10))]);
      ev.preventDefault();
    });

    select.addEventListener("change", function () {
      setMap(select.value);
    });
    side.addEventListener("input", function () {
      state.eps = Number(side.value);
      update();
    });
    reset.addEventListener("click", function () {
      setPoint(NOTE_X);
    });

    drawGrid();
    update();

    var api = {
      maps: MAP_NAMES.slice(),
      setMap: setMap,
      getMap: function () {
        return state.map;
      },
      setPoint: setPoint,
      getPoint: function () {
        return state.x.slice();
      },
      setSide: function (eps) {
        if (!(eps > 0)) throw new RangeError(NAME + ": the square's side must be > 0, got " + eps);
        state.eps = eps;
        side.value = String(eps);
        update();
      },
      forward: function (points) {
        return math.forward(points);
      },
      inverse: function (z) {
        return math.inverse(z);
      },
      logProb: function (points) {
        return math.logProb(points);
      },
      jacobian: function (x) {
        return math.jacobian(x);
      },
      areaRatio: function (x, eps, perSide) {
        return math.areaRatio(x, eps, perSide);
      },
    };
    window.explorers = window.explorers || {};
    window.explorers[NAME] = api;
    root.dataset.ready = "1";
    return api;
  }

  window.explorerWidgets = window.explorerWidgets || {};
  window.explorerWidgets[NAME] = { mount: mount };
})();
