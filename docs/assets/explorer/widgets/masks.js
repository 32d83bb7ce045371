/* Masks on a digit: click a pixel of an 8x8 digit (scikit-learn's digits, grey levels 0..16) and
 * see what a coupling layer's mask passes through, and where squeeze sends the pixel.
 *
 * The same conventions as explainer/transforms/masks.py and squeeze.py (the browser tests compare
 * every function below with them):
 *   - a mask is a boolean array of the event shape, true = pass-through part x_A (copied, and read
 *     by the conditioner), false = transformed part x_B; flip gives the complement;
 *   - checkerboard: pixel (i, j) passes through when i + j is even;
 *   - channel mask of a (C, H, W) image: the first C/2 channels pass through;
 *   - squeeze (C, H, W) -> (4C, H/2, W/2):  z[4c + 2a + b][i][j] = x[c][2i + a][2j + b],
 *     a, b in {0, 1}: the four pixels of each 2x2 block become four channels.
 * A one-channel digit has no channel mask of its own: squeeze it first, then split the channels.
 *
 * Contract (docs/assets/explorer/explorer.js): mount(element, ctx) sets window.explorers.masks =
 * {checkerboard, channelMask, squeeze, unsqueeze, squeezeImage, imageMask, passThrough, ...} and
 * element.dataset.ready = "1". The digits come from generated/explorer/digits.js (pipeline target
 * export:explorer-digits), which sets window.explorerData.digits.
 */
(function () {
  "use strict";

  var NAME = "masks";
  var DIGITS_SCRIPT = "generated/explorer/digits.js";

  // ------------------------------------------------------------------------------------------
  // The maths: pure functions on index triples and nested arrays
  // ------------------------------------------------------------------------------------------
  function checkSize(n, what) {
    if (!(Number.isInteger(n) && n >= 1)) {
      throw new RangeError(NAME + ": " + what + " must be a positive integer, got " + JSON.stringify(n));
    }
  }

  /* checkerboard(h, w, flip)[i][j] = ((i + j) even) XOR flip */
  function checkerboard(h, w, flip) {
    checkSize(h, "checkerboard height");
    checkSize(w, "checkerboard width");
    var out = [];
    for (var i = 0; i < h; i++) {
      var row = [];
      for (var j = 0; j < w; j++) row.push(((i + j) % 2 === 0) !== Boolean(flip));
      out.push(row);
    }
    return out;
  }

  /* channelMask(c, h, w, flip)[k][i][j] = (k < c/2) XOR flip; c must be even */
  function channelMask(c, h, w, flip) {
    checkSize(c, "channel count");
    checkSize(h, "height");
    checkSize(w, "width");
    if (c % 2) {
      throw new RangeError(NAME + ": a channel mask splits the channels in half, so their number must be even; got " + c);
    }
    var out = [];
    for (var k = 0; k < c; k++) {
      var pass = k < c / 2 !== Boolean(flip);
      var plane = [];
      for (var i = 0; i < h; i++) {
        var row = [];
        for (var j = 0; j < w; j++) row.push(pass);
        plane.push(row);
      }
      out.push(plane);
    }
    return out;
  }

  function checkIndex(index, what) {
    if (
      !Array.isArray(index) ||
      index.length !== 3 ||
      !index.every(function (v) {
        return Number.isInteger(v) && v >= 0;
      })
    ) {
      throw new TypeError(NAME + ": " + what + " needs an index [channel, row, column] of integers >= 0, got " + JSON.stringify(index));
    }
    return index;
  }

  /* squeeze([c, r, q]) -> [4c + 2a + b, i, j] with r = 2i + a, q = 2j + b */
  function squeeze(index) {
    var c = checkIndex(index, "squeeze")[0];
    var r = index[1];
    var q = index[2];
    return [4 * c + 2 * (r % 2) + (q % 2), Math.floor(r / 2), Math.floor(q / 2)];
  }

  /* unsqueeze([k, i, j]) -> [c, r, q], the inverse: c = floor(k / 4), 2a + b = k mod 4 */
  function unsqueeze(index) {
    var k = checkIndex(index, "unsqueeze")[0];
    var m = k % 4;
    return [Math.floor(k / 4), 2 * index[1] + (m >> 1), 2 * index[2] + (m & 1)];
  }

  function shapeOf(x, what) {
    if (!Array.isArray(x) || !Array.isArray(x[0]) || !Array.isArray(x[0][0])) {
      throw new TypeError(NAME + ": " + what + " must be a nested array of shape (C, H, W)");
    }
    return [x.length, x[0].length, x[0][0].length];
  }

  /* squeezeImage(x) for x of shape (C, H, W), H and W even: the (4C, H/2, W/2) array */
  function squeezeImage(x) {
    var s = shapeOf(x, "squeezeImage(x)");
    if (s[1] % 2 || s[2] % 2) {
      throw new RangeError(NAME + ": squeeze needs an even height and width, got (C, H, W) = (" + s.join(", ") + ")");
    }
    var out = [];
    for (var k = 0; k < 4 * s[0]; k++) {
      var plane = [];
      for (var i = 0; i < s[1] / 2; i++) {
        var row = [];
        for (var j = 0; j < s[2] / 2; j++) {
          var src = unsqueeze([k, i, j]);
          row.push(x[src[0]][src[1]][src[2]]);
        }
        plane.push(row);
      }
      out.push(plane);
    }
    return out;
  }

  /* unsqueezeImage(z): (4C, H, W) -> (C, 2H, 2W), the inverse of squeezeImage */
  function unsqueezeImage(z) {
    var s = shapeOf(z, "unsqueezeImage(z)");
    if (s[0] % 4) throw new RangeError(NAME + ": unsqueeze needs a channel count divisible by 4, got " + s[0]);
    var out = [];
    for (var c = 0; c < s[0] / 4; c++) {
      var plane = [];
      for (var r = 0; r < 2 * s[1]; r++) {
        var row = [];
        for (var q = 0; q < 2 * s[2]; q++) {
          var dst = squeeze([c, r, q]);
          row.push(z[dst[0]][dst[1]][dst[2]]);
        }
        plane.push(row);
      }
      out.push(plane);
    }
    return out;
  }

  var KINDS = ["checkerboard", "channel"];

  /* The mask of a one-channel (1, h, w) image, as an (h, w) array:
   *   "checkerboard": checkerboard(h, w, flip);
   *   "channel": squeeze first, then a channel mask of (4, h/2, w/2), read back at each pixel. */
  function imageMask(kind, h, w, flip) {
    if (kind === "checkerboard") return checkerboard(h, w, flip);
    if (kind === "channel") return unsqueezeImage(channelMask(4, h / 2, w / 2, flip))[0];
    throw new Error(NAME + ": unknown mask " + JSON.stringify(kind) + "; choose one of " + KINDS.join(", "));
  }

  /* m ⊙ x for a (h, w) image: what the conditioner reads (transformed pixels set to 0) */
  function passThrough(image, kind, flip) {
    var m = imageMask(kind, image.length, image[0].length, flip);
    return image.map(function (row, i) {
      return row.map(function (v, j) {
        return m[i][j] ? v : 0;
      });
    });
  }

  // ------------------------------------------------------------------------------------------
  // Labels, in the page's language
  // ------------------------------------------------------------------------------------------
  var POSITIONS = {
    en: ["top-left", "top-right", "bottom-left", "bottom-right"],
    zh: ["左上", "右上", "左下", "右下"],
  };
  var XA = "<i>x</i><sub>A</sub>";
  var XB = "<i>x</i><sub>B</sub>";
  var LABELS = {
    en: {
      digit: "Digit",
      digitN: "digit image ",
      mask: "Mask",
      kinds: { checkerboard: "checkerboard", channel: "squeeze, then channel mask" },
      flip: "flip (the next layer’s mask)",
      original: "the digit x: click a pixel",
      passed: "what passes through, m ⊙ x (the conditioner’s input; transformed pixels shown empty)",
      squeezed: "after squeeze: 4 channels of 4 × 4",
      channel: "channel ",
      pixel: function (r, q, v) {
        return "row " + r + ", column " + q + ", grey level " + v;
      },
      pass: "passes through",
      transformed: "transformed",
      legendPass: "pass-through part <i>x</i><sub>A</sub> (mask true)",
      legendTransformed: "transformed part <i>x</i><sub>B</sub> (mask false)",
      gridLabel: "The 8 × 8 digit. Arrow keys move between pixels.",
      missing: "the digits could not be loaded from " + DIGITS_SCRIPT + ": build the site with the pipeline first",
      explain: function (s) {
        var parity = s.r + s.q;
        var out =
          "Pixel (row " + s.r + ", column " + s.q + "), grey level " + s.v + " of 16. " +
          "Squeeze sends it to channel 4·0 + 2·" + (s.r % 2) + " + " + (s.q % 2) + " = " + s.k +
          ", position (" + s.i + ", " + s.j + "): it is the " + POSITIONS.en[s.k % 4] + " pixel of its 2 × 2 block. ";
        if (s.kind === "checkerboard") {
          out +=
            "Checkerboard mask" + (s.flip ? " (flipped)" : "") + ": " + s.r + " + " + s.q + " = " + parity +
            " is " + (parity % 2 ? "odd" : "even") + ", so this pixel " + (s.pass ? "passes through (" + XA + ")." : "is transformed (" + XB + ").");
        } else {
          out +=
            "Channel mask after squeeze" + (s.flip ? " (flipped)" : "") + ": channels " + (s.flip ? "2 and 3" : "0 and 1") +
            " pass through, so this pixel " + (s.pass ? "passes through (" + XA + ")." : "is transformed (" + XB + ").");
        }
        return out + " " + s.count + " of 64 pixels pass through.";
      },
    },
    zh: {
      digit: "数字",
      digitN: "数字图像 ",
      mask: "掩码",
      kinds: { checkerboard: "棋盘格掩码", channel: "先挤压，再用通道掩码" },
      flip: "翻转（下一层的掩码）",
      original: "数字 x：点击一个像素",
      passed: "直通的部分 m ⊙ x（条件网络的输入；被变换的像素留空）",
      squeezed: "挤压之后：4 个 4 × 4 的通道",
      channel: "通道 ",
      pixel: function (r, q, v) {
        return "第 " + r + " 行，第 " + q + " 列，灰度 " + v;
      },
      pass: "直通",
      transformed: "被变换",
      legendPass: "直通部分 <i>x</i><sub>A</sub>（掩码为 true）",
      legendTransformed: "被变换部分 <i>x</i><sub>B</sub>（掩码为 false）",
      gridLabel: "8 × 8 的数字图像。用方向键在像素之间移动。",
      missing: "未能从 " + DIGITS_SCRIPT + " 加载数字图像：请先用流水线构建网站",
      explain: function (s) {
        var parity = s.r + s.q;
        var out =
          "像素（第 " + s.r + " 行，第 " + s.q + " 列），灰度 " + s.v + "/16。" +
          "挤压把它送到通道 4·0 + 2·" + (s.r % 2) + " + " + (s.q % 2) + " = " + s.k +
          " 的位置 (" + s.i + ", " + s.j + ")：它是所在 2 × 2 块的" + POSITIONS.zh[s.k % 4] + "像素。";
        if (s.kind === "checkerboard") {
          out +=
            "棋盘格掩码" + (s.flip ? "（翻转）" : "") + "：" + s.r + " + " + s.q + " = " + parity +
            " 是" + (parity % 2 ? "奇数" : "偶数") + "，所以这个像素" + (s.pass ? "直通（" + XA + "）。" : "被变换（" + XB + "）。");
        } else {
          out +=
            "挤压后的通道掩码" + (s.flip ? "（翻转）" : "") + "：通道 " + (s.flip ? "2、3" : "0、1") +
            " 直通，所以这个像素" + (s.pass ? "直通（" + XA + "）。" : "被变换（" + XB + "）。");
        }
        return out + "64 个像素中有 " + s.count + " 个直通。";
      },
    },
  };

  // ------------------------------------------------------------------------------------------
  // The widget
  // ------------------------------------------------------------------------------------------
  function htmlEl(name, attrs, parent, text) {
    var el = document.createElement(name);
    for (var k in attrs) el.setAttribute(k, attrs[k]);
    if (text !== undefined) el.textContent = text;
    if (parent) parent.appendChild(el);
    return el;
  }

  /* A grid of h x w cells; each cell holds an "ink" square whose opacity is the grey level. */
  function cellGrid(parent, h, w, tag, cls) {
    var grid = htmlEl("div", { class: "xp-cells " + (cls || "") }, parent);
    grid.style.setProperty("--xp-cols", w);
    var cells = [];
    for (var i = 0; i < h; i++) {
      var row = [];
      for (var j = 0; j < w; j++) {
        var cell = htmlEl(tag, { class: "xp-cell" }, grid);
        if (tag === "button") cell.setAttribute("type", "button");
        htmlEl("span", { class: "xp-ink", "aria-hidden": "true" }, cell);
        row.push(cell);
      }
      cells.push(row);
    }
    return { grid: grid, cells: cells };
  }

  function paint(cell, level, pass, selected) {
    cell.classList.toggle("xp-pass", pass);
    cell.classList.toggle("xp-transformed", !pass);
    cell.classList.toggle("xp-selected", selected);
    cell.firstChild.style.opacity = String(level / 16);
  }

  function mount(root, ctx) {
    var lang = ctx && ctx.lang === "zh" ? "zh" : "en";
    var T = LABELS[lang];
    var uid = "xp-masks-" + Math.random().toString(36).slice(2, 8);
    var state = { digit: 0, kind: "checkerboard", flip: false, sel: [3, 4] };
    var api = {
      checkerboard: checkerboard,
      channelMask: channelMask,
      squeeze: squeeze,
      unsqueeze: unsqueeze,
      squeezeImage: squeezeImage,
      unsqueezeImage: unsqueezeImage,
      imageMask: imageMask,
      passThrough: passThrough,
      kinds: KINDS.slice(),
    };
    window.explorers = window.explorers || {};
    window.explorers[NAME] = api;
    root.textContent = "";
    root.classList.add("xp-masks");

    function start(digits) {
      var images = digits.images;
      var H = images[0].length;
      var W = images[0][0].length;

      // controls: the digit, the mask, flip
      var controls = htmlEl("div", { class: "explorer__controls xp-controls" }, root);
      var pick = htmlEl("div", { class: "xp-digits", role: "group", "aria-label": T.digit }, controls);
      htmlEl("span", { class: "xp-control-name" }, pick, T.digit + " ");
      var thumbs = images.map(function (img, n) {
        var b = htmlEl("button", { type: "button", class: "xp-thumb", "aria-label": T.digitN + (n + 1) }, pick);
        var g = cellGrid(b, H, W, "span", "xp-thumb-cells");
        g.cells.forEach(function (row, i) {
          row.forEach(function (cell, j) {
            cell.firstChild.style.opacity = String(img[i][j] / 16);
          });
        });
        b.addEventListener("click", function () {
          state.digit = n;
          update();
        });
        return b;
      });
      var maskSet = htmlEl("fieldset", { class: "xp-mask-kind" }, controls);
      htmlEl("legend", {}, maskSet, T.mask);
      var radios = KINDS.map(function (kind) {
        var l = htmlEl("label", {}, maskSet);
        var r = htmlEl("input", { type: "radio", name: uid + "-kind", value: kind }, l);
        htmlEl("span", {}, l, " " + T.kinds[kind]);
        r.addEventListener("change", function () {
          if (r.checked) {
            state.kind = kind;
            update();
          }
        });
        return r;
      });
      var flipLabel = htmlEl("label", { class: "xp-flip" }, maskSet);
      var flipBox = htmlEl("input", { type: "checkbox" }, flipLabel);
      htmlEl("span", {}, flipLabel, " " + T.flip);
      flipBox.addEventListener("change", function () {
        state.flip = flipBox.checked;
        update();
      });

      var legend = htmlEl("p", { class: "xp-legend" }, root);
      htmlEl("span", { class: "xp-key xp-key-pass" }, legend);
      htmlEl("span", {}, legend).innerHTML = T.legendPass + " &nbsp;"; // constants with <i>, <sub>
      htmlEl("span", { class: "xp-key xp-key-transformed" }, legend);
      htmlEl("span", {}, legend).innerHTML = T.legendTransformed;

      // panels
      var panels = htmlEl("div", { class: "xp-mask-panels" }, root);
      function panel(title) {
        var fig = htmlEl("figure", { class: "xp-mask-panel" }, panels);
        var cap = htmlEl("figcaption", {}, null, title);
        return { fig: fig, cap: cap };
      }
      var p1 = panel(T.original);
      var original = cellGrid(p1.fig, H, W, "button", "xp-original");
      original.grid.setAttribute("role", "group");
      original.grid.setAttribute("aria-label", T.gridLabel);
      p1.fig.appendChild(p1.cap);
      var p2 = panel(T.passed);
      var passed = cellGrid(p2.fig, H, W, "span", "xp-passed");
      passed.grid.setAttribute("aria-hidden", "true");
      p2.fig.appendChild(p2.cap);
      var p3 = panel(T.squeezed);
      var chans = htmlEl("div", { class: "xp-channels" }, p3.fig);
      var squeezed = [];
      for (var k = 0; k < 4; k++) {
        var box = htmlEl("div", { class: "xp-channel" }, chans);
        var g = cellGrid(box, H / 2, W / 2, "button", "xp-squeezed");
        htmlEl("div", { class: "xp-channel-name" }, box, T.channel + k + (lang === "zh" ? "（" : " (") + POSITIONS[lang][k] + (lang === "zh" ? "）" : ")"));
        squeezed.push(g);
      }
      p3.fig.appendChild(p3.cap);
      var explain = htmlEl("p", { class: "xp-explain", "aria-live": "polite" }, root);

      function select(r, q, focus) {
        state.sel = [Math.max(0, Math.min(H - 1, r)), Math.max(0, Math.min(W - 1, q))];
        update();
        if (focus) original.cells[state.sel[0]][state.sel[1]].focus();
      }

      original.cells.forEach(function (row, r) {
        row.forEach(function (cell, q) {
          cell.addEventListener("click", function () {
            select(r, q, false);
          });
          cell.addEventListener("keydown", function (ev) {
            var d = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] }[ev.key];
            if (!d) return;
            select(state.sel[0] + d[0], state.sel[1] + d[1], true);
            ev.preventDefault();
          });
        });
      });
      squeezed.forEach(function (g, k) {
        g.cells.forEach(function (row, i) {
          row.forEach(function (cell, j) {
            cell.setAttribute("tabindex", "-1"); // the 8x8 grid is the keyboard's way in
            cell.addEventListener("click", function () {
              var src = unsqueeze([k, i, j]);
              select(src[1], src[2], false);
            });
          });
        });
      });

      function update() {
        var img = images[state.digit];
        var m = imageMask(state.kind, H, W, state.flip);
        var r0 = state.sel[0];
        var q0 = state.sel[1];
        var count = 0;
        thumbs.forEach(function (b, n) {
          b.setAttribute("aria-pressed", String(n === state.digit));
        });
        radios.forEach(function (r) {
          r.checked = r.value === state.kind;
        });
        flipBox.checked = state.flip;
        for (var r = 0; r < H; r++) {
          for (var q = 0; q < W; q++) {
            var sel = r === r0 && q === q0;
            var inBlock = r >> 1 === r0 >> 1 && q >> 1 === q0 >> 1;
            var cell = original.cells[r][q];
            paint(cell, img[r][q], m[r][q], sel);
            cell.classList.toggle("xp-block", inBlock && !sel);
            cell.setAttribute("tabindex", sel ? "0" : "-1");
            cell.setAttribute("aria-label", T.pixel(r, q, img[r][q]) + ", " + (m[r][q] ? T.pass : T.transformed));
            cell.setAttribute("aria-pressed", String(sel));
            paint(passed.cells[r][q], m[r][q] ? img[r][q] : 0, m[r][q], sel);
            var to = squeeze([0, r, q]);
            var sq = squeezed[to[0]].cells[to[1]][to[2]];
            paint(sq, img[r][q], m[r][q], sel);
            sq.setAttribute("aria-label", T.channel + to[0] + ", (" + to[1] + ", " + to[2] + "): " + T.pixel(r, q, img[r][q]));
            if (m[r][q]) count++;
          }
        }
        var k = squeeze([0, r0, q0]);
        explain.innerHTML = T.explain({ // numbers and the constant labels above only
          r: r0,
          q: q0,
          v: img[r0][q0],
          k: k[0],
          i: k[1],
          j: k[2],
          kind: state.kind,
          flip: state.flip,
          pass: m[r0][q0],
          count: count,
        });
      }

      update();
      api.select = function (r, q) {
        select(r, q, false);
      };
      api.setMask = function (kind, flip) {
        imageMask(kind, 2, 2, false); // throws a clear error for an unknown kind
        state.kind = kind;
        state.flip = Boolean(flip);
        update();
      };
      api.setDigit = function (n) {
        if (!(Number.isInteger(n) && n >= 0 && n < images.length)) {
          throw new RangeError(NAME + ": digit index must be an integer in [0, " + (images.length - 1) + "], got " + n);
        }
        state.digit = n;
        update();
      };
      api.state = function () {
        return { digit: state.digit, kind: state.kind, flip: state.flip, selected: state.sel.slice() };
      };
      api.image = function () {
        return images[state.digit].map(function (row) {
          return row.slice();
        });
      };
      root.dataset.ready = "1";
    }

    var have = window.explorerData && window.explorerData.digits;
    var loading = have ? Promise.resolve() : ctx.loadScript(DIGITS_SCRIPT);
    return loading.then(
      function () {
        var digits = window.explorerData && window.explorerData.digits;
        if (!digits) throw new Error(NAME + ": " + DIGITS_SCRIPT + " loaded but did not set window.explorerData.digits");
        start(digits);
        return api;
      },
      function (error) {
        throw new Error(T.missing + " (" + error.message + ")"); // the bootstrap shows it on the page
      }
    );
  }

  window.explorerWidgets = window.explorerWidgets || {};
  window.explorerWidgets[NAME] = { mount: mount };
})();
