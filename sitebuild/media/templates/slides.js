// The reveal.js deck of one scene (slides.html): one slide per step, its clip playing when the slide
// opens; the narration is each slide's speaker notes. Keys: reveal.js's own (→ / space next, ← back,
// s speaker view with the notes, o overview, f full screen), and c shows the narration under the slide.
const deck = document.querySelector('.reveal'), narration = document.getElementById('narration');
function narrate() { narration.textContent = Reveal.getSlideNotes() || ''; }
function toggleNarration() { narration.hidden = !narration.hidden; narrate(); }
Reveal.initialize({
  width: Number(deck.dataset.width), height: Number(deck.dataset.height), margin: 0.05,
  center: false, hash: true, controls: true, progress: true, slideNumber: 'c/t',
  transition: 'none', backgroundTransition: 'none', plugins: [RevealNotes],
  keyboard: {67: toggleNarration},
});
Reveal.on('slidechanged', narrate);
