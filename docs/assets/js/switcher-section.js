// The language switcher keeps the section being read.
//
// A page and its twin in the other language have the same headings in the same order (the
// translation parity test checks it), but not the same anchors (#change-of-variables on the
// English page is #变量替换公式 on the Chinese one). So the section travels as a position: when a
// switcher link is followed while the address names a heading, the heading's index among the
// article's headings is remembered for the target page (sessionStorage, read once); the target
// page then replaces its address with the anchor of its own heading at that index and shows it.
// Without JavaScript, or for a heading the twin lacks, the switcher goes to the top of the twin.
(function () {
  "use strict";
  var KEY = "explainer:switch-section";
  var SWITCHER = ".md-select__link[hreflang]";

  function headings() {
    var article = document.querySelector("article.md-content__inner") || document.querySelector("article");
    if (!article) return [];
    return Array.prototype.slice.call(article.querySelectorAll("h1[id], h2[id], h3[id], h4[id], h5[id], h6[id]"));
  }

  function currentIndex() {
    var hash = location.hash.slice(1);
    if (!hash) return -1;
    var id;
    try { id = decodeURIComponent(hash); } catch (e) { id = hash; }
    var list = headings();
    for (var i = 0; i < list.length; i++) if (list[i].id === id) return i;
    return -1;
  }

  function samePage(a, b) {
    return a.replace(/index\.html$/, "") === b.replace(/index\.html$/, "");
  }

  // leaving: remember which section the reader was in (capture: before the browser follows the link)
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest(SWITCHER);
    if (!link) return;
    var index = currentIndex();
    try {
      if (index < 0) sessionStorage.removeItem(KEY);
      else sessionStorage.setItem(KEY, JSON.stringify({ path: new URL(link.href, location.href).pathname, index: index }));
    } catch (e) { /* storage disabled: the switcher still changes language, at the top of the page */ }
  }, true);

  // arriving: go to the heading at the remembered position
  function arrive() {
    var stored;
    try {
      stored = JSON.parse(sessionStorage.getItem(KEY) || "null");
      sessionStorage.removeItem(KEY);
    } catch (e) { return; }
    if (!stored || !samePage(stored.path, location.pathname)) return;
    var target = headings()[stored.index];
    if (!target || location.hash) return;
    location.replace("#" + encodeURIComponent(target.id));
    // typesetting the math above the heading moves it: show it again once MathJax is done
    var mathjax = window.MathJax && window.MathJax.startup && window.MathJax.startup.promise;
    if (mathjax) mathjax.then(function () {
      if (decodeURIComponent(location.hash.slice(1)) === target.id) target.scrollIntoView();
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", arrive);
  else arrive();
})();
