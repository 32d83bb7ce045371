// What every widget draws with: a canvas that keeps its aspect ratio and the device's pixel
// density, the plane's coordinates mapped to pixels, the theme's colours (light or dark, read
// from the page's CSS variables, redrawn when the reader switches), small DOM helpers and the
// reader's motion preference.
(function () {
  "use strict";
  var core = (window.explorerCore = window.explorerCore || {});

  // el("label", {class: "x", text: "..."}, [children]) -> Element
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "class") node.className = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return node;
  }

  // A canvas over the window [x0, x1] × [y0, y1] of the plane, width following its container.
  // plot.px(x, y) -> [column, row] in CSS pixels; plot.world(column, row) -> [x, y].
  function Plot(parent, window_, label) {
    this.window = window_;
    this.canvas = el("canvas", { class: "explorer__canvas", role: "img", "aria-label": label });
    parent.appendChild(this.canvas);
    this.ctx = this.canvas.getContext("2d");
    this.resize();
  }
  Plot.prototype.resize = function () {
    var w = this.window, ratio = (w.y[1] - w.y[0]) / (w.x[1] - w.x[0]);
    var width = Math.max(100, Math.round(this.canvas.getBoundingClientRect().width || this.canvas.parentNode.clientWidth || 300));
    var height = Math.round(width * ratio), dpr = window.devicePixelRatio || 1;
    if (this.width === width && this.dpr === dpr) return false;
    this.width = width;
    this.height = height;
    this.dpr = dpr;
    this.canvas.width = Math.round(width * dpr);
    this.canvas.height = Math.round(height * dpr);
    this.canvas.style.aspectRatio = width + " / " + height;
    this.ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    return true;
  };
  Plot.prototype.px = function (x, y) {
    var w = this.window;
    return [((x - w.x[0]) / (w.x[1] - w.x[0])) * this.width, ((w.y[1] - y) / (w.y[1] - w.y[0])) * this.height];
  };
  Plot.prototype.world = function (column, row) {
    var w = this.window;
    return [w.x[0] + (column / this.width) * (w.x[1] - w.x[0]), w.y[1] - (row / this.height) * (w.y[1] - w.y[0])];
  };
  Plot.prototype.clear = function (colour) {
    this.ctx.fillStyle = colour;
    this.ctx.fillRect(0, 0, this.width, this.height);
  };
  // Thin axes through the origin, for orientation.
  Plot.prototype.axes = function (colour) {
    var o = this.px(0, 0), c = this.ctx;
    c.strokeStyle = colour;
    c.lineWidth = 1;
    c.beginPath();
    c.moveTo(0, o[1]); c.lineTo(this.width, o[1]);
    c.moveTo(o[0], 0); c.lineTo(o[0], this.height);
    c.stroke();
  };

  // The theme's colours, as the page currently shows them.
  function colours(node) {
    var style = getComputedStyle(node);
    function v(name, fallback) { return (style.getPropertyValue(name) || "").trim() || fallback; }
    return {
      ink: v("--md-default-fg-color", "#000"),
      muted: v("--md-default-fg-color--light", "#888"),
      line: v("--md-default-fg-color--lightest", "#ddd"),
      paper: v("--md-default-bg-color", "#fff"),
      primary: v("--md-primary-fg-color", "#3f51b5"),
      accent: v("--md-accent-fg-color", "#ff6e40"),
    };
  }

  // Call fn when the reader switches light/dark (Material sets data-md-color-scheme on <body>) or
  // the system preference changes, and when the widget's width changes.
  function onRestyle(node, fn) {
    new MutationObserver(fn).observe(document.body, { attributes: true, attributeFilter: ["data-md-color-scheme"] });
    if (window.matchMedia) window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", fn);
    if (window.ResizeObserver) new ResizeObserver(fn).observe(node);
  }

  function reducedMotion() {
    return !!(window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches);
  }

  // A number for the readouts: fixed decimals, a true minus sign.
  function fmt(value, digits) {
    if (!isFinite(value)) return String(value);
    return value.toFixed(digits == null ? 3 : digits).replace("-", "\u2212");
  }

  // Resolves when the element first comes near the viewport: a widget loads its weights and
  // computes only when the reader gets to it (a page with a widget far down stays light).
  function whenVisible(node) {
    return new Promise(function (done) {
      if (!window.IntersectionObserver) return done();
      var seen = new IntersectionObserver(function (entries) {
        if (entries.some(function (e) { return e.isIntersecting; })) {
          seen.disconnect();
          done();
        }
      }, { rootMargin: "200px" });
      seen.observe(node);
    });
  }

  core.view = { el: el, Plot: Plot, colours: colours, onRestyle: onRestyle, reducedMotion: reducedMotion, fmt: fmt, whenVisible: whenVisible };
})();
