// The explorers' bootstrap (issue 12). On every page it finds the elements that ask for a widget,
//   <div class="explorer" data-explorer="coupling"></div>
// loads that widget's script once (assets/explorer/widgets/<name>.js) and mounts it:
//   window.explorerWidgets[name].mount(element, ctx)
// with ctx = {
//   lang:  "en" | "zh"                 the page's language (<html lang>),
//   base:  URL of assets/explorer/     (ends with "/"),
//   root:  URL of the site's root      (ends with "/"),
//   loadScript(path) -> Promise        a classic <script> loaded once per URL; `path` is relative
//                                      to the site root ("generated/explorer/realnvp.js",
//                                      "assets/explorer/core/mlp.js"); "core/..." and "widgets/..."
//                                      are short for "assets/explorer/core/..." and ".../widgets/...".
//                                      An absolute URL is used as it is.
// }
// A widget's mount() sets window.explorers[name] to its pure functions and element.dataset.ready
// = "1" once the reader can use it. Classic scripts only, no fetch(): the site also works from
// file:// (an offline copy), where ES module imports and fetch() are blocked.
(function () {
  "use strict";
  window.explorerWidgets = window.explorerWidgets || {};
  window.explorers = window.explorers || {};
  window.explorerCore = window.explorerCore || {};

  // Our own URL gives every other URL: .../assets/explorer/explorer.js, at any base URL.
  var self = document.currentScript;
  var here = self ? self.src : "";
  if (!here) {
    var tags = document.querySelectorAll("script[src]");
    for (var i = 0; i < tags.length; i++) if (/assets\/explorer\/explorer\.js(\?|$)/.test(tags[i].src)) here = tags[i].src;
  }
  var base = here.replace(/explorer\.js(\?.*)?$/, "");
  var root = base.replace(/assets\/explorer\/$/, "");

  var loading = {}; // URL -> Promise, so a script shared by two widgets is loaded once

  function resolve(path) {
    if (/^[a-z]+:/i.test(path) || path.charAt(0) === "/") return path;
    if (/^(core|widgets)\//.test(path)) return base + path;
    return root + path;
  }

  function loadScript(path) {
    var url = resolve(path);
    if (!loading[url]) {
      loading[url] = new Promise(function (done, fail) {
        var tag = document.createElement("script");
        tag.src = url;
        tag.async = false; // several requested together run in the order asked
        tag.onload = function () { done(url); };
        tag.onerror = function () { fail(new Error("explorer: could not load " + url)); };
        document.head.appendChild(tag);
      });
    }
    return loading[url];
  }

  function language() {
    return (document.documentElement.lang || "en").toLowerCase().indexOf("zh") === 0 ? "zh" : "en";
  }

  var failed = {
    en: "This interactive figure could not start: ",
    zh: "这个交互图没能启动：",
  };

  function mountOne(element, ctx) {
    var name = element.getAttribute("data-explorer");
    if (!name || element.dataset.mounted) return Promise.resolve();
    element.dataset.mounted = "1";
    return loadScript("widgets/" + name + ".js")
      .then(function () {
        var widget = window.explorerWidgets[name];
        if (!widget || typeof widget.mount !== "function") {
          throw new Error("explorer: widgets/" + name + ".js did not register explorerWidgets['" + name + "'].mount");
        }
        return widget.mount(element, ctx);
      })
      .catch(function (error) {
        var note = document.createElement("p");
        note.className = "explorer__error";
        note.textContent = failed[ctx.lang] + error.message;
        element.appendChild(note);
        element.dataset.error = error.message;
        throw error; // shown in the console too: a broken widget must not pass silently
      });
  }

  function mountAll() {
    var ctx = { lang: language(), base: base, root: root, loadScript: loadScript };
    var elements = document.querySelectorAll("[data-explorer]");
    for (var i = 0; i < elements.length; i++) mountOne(elements[i], ctx);
  }

  // Material's document$ emits on the first load and after each instant navigation.
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(mountAll);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", mountAll);
  } else {
    mountAll();
  }
})();
