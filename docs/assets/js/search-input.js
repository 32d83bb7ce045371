/* Text that reaches the search box without a key press starts a search too.
 * The theme searches on keyup; a paste from a menu, dictation or an input method's chosen
 * candidate fires only an input event, and the results waited for the next key. Each such
 * input is passed on as the keyup the theme listens to (after an input method's composition
 * ends, not for each of its intermediate letters).
 */
"use strict";

(() => {
  const searchBox = target => target instanceof HTMLInputElement && target.matches(".md-search__input");
  const search = box => box.dispatchEvent(new KeyboardEvent("keyup"));
  document.addEventListener("input", event => {
    if (searchBox(event.target) && !event.isComposing) search(event.target);
  });
  document.addEventListener("compositionend", event => {
    if (searchBox(event.target)) search(event.target);
  });
})();
