// Figures on a phone (docs/hooks/figures.py): the page shows each figure's narrow layout through
// <picture><source media=...>; the lightbox link opens the same layout the page shows: the narrow
// PNG while the phone query matches, the full-resolution wide one otherwise (zoomable there).
(function () {
  const links = [...document.querySelectorAll("a.glightbox[data-narrow]")];
  if (!links.length) return;
  const source = links[0].querySelector("picture > source[media]");
  const phone = window.matchMedia(source ? source.media : "(max-width: 600px)");
  links.forEach((a) => { a.dataset.wide = a.getAttribute("href"); });
  function point() {
    links.forEach((a) => a.setAttribute("href", phone.matches ? a.dataset.narrow : a.dataset.wide));
  }
  point();
  phone.addEventListener("change", () => {
    point();
    if (typeof lightbox !== "undefined") lightbox.reload(); // glightbox's instance (mkdocs-glightbox)
  });
})();
