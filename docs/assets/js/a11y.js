// Accessibility fixes the theme and the notebook renderer leave to us (checked by axe-core in
// tests/browser): the search dialog gets a name in the page's language, and every box that
// scrolls on its own (code, notebook cells, long equations, tables) can be reached and scrolled
// with the keyboard.
(function () {
  "use strict";
  function label() {
    var zh = (document.documentElement.lang || "").indexOf("zh") === 0;
    var search = document.querySelector(".md-search[role=dialog]");
    if (search && !search.hasAttribute("aria-label")) search.setAttribute("aria-label", zh ? "搜索" : "Search");
  }
  function scrollable() {
    var boxes = document.querySelectorAll(
      ".md-typeset pre, .md-typeset .highlight-ipynb, .md-typeset .jp-OutputArea-output, " +
      ".md-typeset .arithmatex, .md-typeset__scrollwrap, .md-typeset mjx-container[display]"
    );
    for (var i = 0; i < boxes.length; i++) {
      var box = boxes[i];
      if (box.scrollWidth > box.clientWidth + 1 && !box.hasAttribute("tabindex")) box.setAttribute("tabindex", "0");
    }
  }
  function run() { label(); scrollable(); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", run); else run();
  window.addEventListener("load", run);
  window.addEventListener("resize", scrollable);
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) MathJax.startup.promise.then(scrollable);
})();
