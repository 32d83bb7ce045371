// The offline lecture deck (deck.html): plays one step of a scene and pauses at the next step's start.
// Keys: → space Enter PageDown next step; ← PageUp Backspace back; Home first scene; f full screen; c narration.
const scenes = JSON.parse(document.getElementById('deck-data').textContent);
const video = document.getElementById('v'), info = document.getElementById('info');
const webm = video.canPlayType('video/webm; codecs="vp9"') !== '';
let s = 0, step = 0, stopAt = null;
function bounds() {
  const st = scenes[s].steps;
  return [st[step].start, step + 1 < st.length ? st[step + 1].start : scenes[s].duration];
}
function show() {
  const sc = scenes[s];
  const where = `(${step + 1}/${sc.steps.length})`;
  info.textContent = `${s + 1}/${scenes.length} · ${sc.title} — ${sc.steps[step].label} ${where}`;
  document.getElementById('narration').textContent = sc.steps[step].narration;
}
function load(i, atEnd) {
  s = (i + scenes.length) % scenes.length;
  const sc = scenes[s];
  video.poster = sc.poster; video.src = webm ? sc.webm : sc.src;
  step = atEnd ? sc.steps.length - 1 : 0;
  video.addEventListener('loadedmetadata', () => { video.currentTime = atEnd ? sc.duration - 0.05 : 0; }, {once: true});
  stopAt = null; show();
}
function watch() {  // pause at the step boundary (checked every animation frame, not only on timeupdate)
  if (stopAt === null) return;
  if (video.currentTime >= stopAt - 0.05 || video.ended) {
    video.pause(); video.currentTime = Math.min(stopAt, scenes[s].duration) - 0.03; stopAt = null; return;
  }
  requestAnimationFrame(watch);
}
function play() {
  const [a, b] = bounds(); if (video.currentTime < a) video.currentTime = a;
  stopAt = b; video.play(); requestAnimationFrame(watch);
}
function next() {
  const st = scenes[s].steps;
  if (!video.paused) { video.currentTime = bounds()[1] - 0.03; video.pause(); stopAt = null; return; }
  if (video.currentTime < bounds()[1] - 0.1) { play(); return; }
  if (step + 1 < st.length) { step++; show(); play(); } else { load(s + 1, false); }
}
function prev() {
  if (step > 0) { step--; video.pause(); video.currentTime = bounds()[0]; stopAt = null; show(); }
  else { load(s - 1, true); }
}
document.addEventListener('keydown', e => {
  if (['ArrowRight', 'PageDown', ' ', 'Enter'].includes(e.key)) { e.preventDefault(); next(); }
  else if (['ArrowLeft', 'PageUp', 'Backspace'].includes(e.key)) { e.preventDefault(); prev(); }
  else if (e.key === 'f') { const d = document.documentElement; if (d.requestFullscreen) d.requestFullscreen(); }
  else if (e.key === 'c') { document.body.classList.toggle('captions'); }
  else if (e.key === 'Home') { load(0, false); }
});
document.getElementById('next').onclick = next; document.getElementById('prev').onclick = prev;
load(0, false);
