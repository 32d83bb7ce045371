/* The offline copy (docs/hooks/offline.py), opened from the disk (file://): the theme cannot start
 * its search worker there and hides the search box. The search button then says, in the page's
 * language, how to search: serve the folder and open it in the browser. On a served site
 * (http, https) this script does nothing.
 */
"use strict";

(() => {
  if (location.protocol !== "file:") return;
  const words = {
    en: "Search needs a web server: this copy was opened from files. In its folder, run " +
      "<code>python3 -m http.server</code> and open <code>http://localhost:8000/</code>; the rest of the site works as it is.",
    zh: "搜索需要网页服务器：这份副本是直接从文件打开的。请在它的文件夹中运行 " +
      "<code>python3 -m http.server</code>，然后打开 <code>http://localhost:8000/</code>；网站的其他部分可以直接使用。",
  };
  document.documentElement.classList.add("offline-file"); // extra.css: the search button shows on every screen
  const lang = document.documentElement.lang.startsWith("zh") ? "zh" : "en";
  const show = event => {
    event.preventDefault();
    let note = document.getElementById("offline-search-note");
    if (!note) {
      note = document.createElement("div");
      note.id = "offline-search-note";
      note.className = "md-typeset offline-note";
      note.setAttribute("role", "status");
      note.innerHTML = words[lang];
      const main = document.querySelector(".md-main__inner") || document.body;
      main.prepend(note);
    }
    note.scrollIntoView({ block: "nearest" });
  };
  document.querySelectorAll('label[for="__search"]').forEach(button => {
    button.addEventListener("click", show);
    button.title = lang === "zh" ? "搜索（需要网页服务器）" : "Search (needs a web server)";
  });
})();
