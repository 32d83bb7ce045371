// MathJax 3 configuration, loaded before the vendored docs/assets/vendor/mathjax/tex-chtml.js
// (scripts/fetch_assets.py). Nothing is fetched from the network.
//
// Two kinds of math are on the site:
//  - Markdown pages: pymdownx.arithmatex (generic) emits <span class="arithmatex">\(..\)</span>
//    and <div class="arithmatex">\[..\]</div>;
//  - notebook pages (mkdocs-jupyter): markdown cells keep raw $..$ / $$..$$ inside .jupyter-wrapper,
//    and outputs may hold text/latex.
// Material's documented `ignoreHtmlClass: ".*|"` ignores every element that is not itself an
// .arithmatex, so it also ignores the <p> inside a notebook cell. Instead: ignore the page chrome
// and the Markdown body (.md-typeset, where a literal "$" is just a dollar), and re-enable
// processing inside .arithmatex and .jupyter-wrapper (a processed element's descendants stay
// processed unless they carry an ignored class). <pre>/<code> are skipped as usual. The table of
// contents (.md-nav__link) is processed too: a heading with math appears there as raw \(..\).
window.MathJax = {
  tex: {
    inlineMath: [["\\(", "\\)"], ["$", "$"]],
    displayMath: [["\\[", "\\]"], ["$$", "$$"]],
    processEscapes: true,
    processEnvironments: true,
  },
  options: {
    ignoreHtmlClass: "tex2jax_ignore|md-typeset|md-header|md-footer|md-sidebar|md-search",
    // md-nav__link: headings with math show up in the table of contents as plain \(..\) text
    processHtmlClass: "tex2jax_process|arithmatex|jupyter-wrapper|md-nav__link",
    menuOptions: { settings: { explorer: false } },
  },
  // chtml: fonts are found next to the component (assets/vendor/mathjax/output/chtml/fonts/woff-v2)
};
