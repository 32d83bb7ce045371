"""The explorers' budgets (issue 12), measured in headless Chromium on this machine (not a timed test):

- per page, the bytes of JavaScript and weights the page loads: the explorer's own (bootstrap,
  widget, core, generated weights) and every script but MathJax's;
- flow matching: changing the solver recomputes 1,000 particles' trajectories, 20 steps of the
  trained network (Euler 20, midpoint 40, RK4 80 evaluations), then the energy distance to
  held-out data and the redraw: the time from the change to the redrawn plot;
- flow matching: moving the time slider, the frames drawn per second (one slider move per
  animation frame for 3 s) and the mean time of one redraw.

Run on a built site (``mkdocs build --site-dir /tmp/site``):

    python benchmarks/explorer.py --site /tmp/site

It prints the numbers and the machine's load average (other work on the machine slows everything).
"""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import statistics
import threading
from pathlib import Path
from urllib.parse import urlsplit

CHROMIUM = "/usr/bin/chromium"
PAGES = {  # page -> the explorers on it
    "flow-matching/": ["flow-matching"],
    "coupling-layers/": ["coupling"],
    "alternating-and-permutations/": ["density"],
}
READY_MS = 600_000


class _Quiet(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".js": "text/javascript"}

    def log_message(self, *args):
        pass


def serve(directory: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(directory)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def open_page(browser, url: str, names: list[str]):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(READY_MS)
    sizes: dict[str, int] = {}

    def record(response):
        path = urlsplit(response.url).path
        if path.endswith(".js"):
            try:
                sizes[path] = len(response.body())
            except Exception:  # a response without a body (redirect): nothing to count
                pass

    page.on("response", record)
    page.goto(url, wait_until="load")
    for name in names:
        page.locator(f'[data-explorer="{name}"]').first.scroll_into_view_if_needed()
        page.wait_for_function(
            "n => { const e = document.querySelector(`[data-explorer='${n}']`); return e && e.dataset.ready === '1'; }",
            arg=name,
        )
    page.wait_for_load_state("networkidle")
    return page, sizes


def report_sizes(sizes: dict[str, int]) -> tuple[int, int]:
    explorer = sum(v for k, v in sizes.items() if "/assets/explorer/" in k or "/generated/explorer/" in k)
    scripts = sum(v for k, v in sizes.items() if "mathjax" not in k.lower())
    return explorer, scripts


SOLVE_JS = """async ([method, steps]) => {
  const e = document.querySelector('[data-explorer=flow-matching]');
  const selects = e.querySelectorAll('select'), stepsInput = e.querySelector('input[type=number]');
  const before = +e.dataset.solves;
  const start = performance.now();
  stepsInput.value = String(steps); stepsInput.dispatchEvent(new Event('change'));
  await new Promise(r => { const w = () => +e.dataset.solves > before ? r() : setTimeout(w, 5); w(); });
  const before2 = +e.dataset.solves;
  const start2 = performance.now();
  selects[1].value = method; selects[1].dispatchEvent(new Event('change'));
  await new Promise(r => { const w = () => +e.dataset.solves > before2 ? r() : setTimeout(w, 5); w(); });
  return {wall: performance.now() - start2, work: +e.dataset.solveMs};
}"""

FRAMES_JS = """async (seconds) => {
  const e = document.querySelector('[data-explorer=flow-matching]');
  const slider = e.querySelector('input[type=range]');
  const frames0 = +e.dataset.frames, start = performance.now();
  let i = 0, draws = [];
  await new Promise(done => {
    function tick(now) {
      if (now - start > seconds * 1000) return done();
      slider.value = String((i++ % 101) / 100);
      const t0 = performance.now();
      slider.dispatchEvent(new Event('input'));
      requestAnimationFrame(tick);
    }
    requestAnimationFrame(tick);
  });
  const elapsed = (performance.now() - start) / 1000;
  // the time of one redraw, alone: 30 synchronous slider moves (each drawn on the next frame)
  const f1 = +e.dataset.frames, s1 = performance.now();
  for (let k = 0; k < 30; k++) {
    slider.value = String(k / 30); slider.dispatchEvent(new Event('input'));
    await new Promise(r => requestAnimationFrame(() => r()));
  }
  return {fps: (+e.dataset.frames - frames0) / elapsed, frameMs: (performance.now() - s1) / (+e.dataset.frames - f1)};
}"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--site", type=Path, required=True, help="a built site (mkdocs build --site-dir ...)")
    parser.add_argument("--repeat", type=int, default=3, help="solves per method (the median is printed)")
    parser.add_argument("--pages", nargs="*", default=list(PAGES), help=f"pages to measure (default: {list(PAGES)})")
    parser.add_argument("--langs", nargs="*", default=["en", "zh"], help="languages (default: en zh)")
    args = parser.parse_args()
    if not (args.site / "index.html").exists():
        raise SystemExit(f"{args.site} holds no built site (no index.html): run mkdocs build --site-dir {args.site}")
    from playwright.sync_api import sync_playwright

    server, url = serve(args.site)
    print(f"machine: {os.cpu_count()} cores, load average before: {os.getloadavg()}")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"])
        for lang_prefix in ["" if lang == "en" else "zh/" for lang in args.langs]:
            for slug in args.pages:
                names = PAGES[slug]
                page, sizes = open_page(browser, url + lang_prefix + slug, names)
                explorer, scripts = report_sizes(sizes)
                print(
                    f"{lang_prefix}{slug}: explorer JS + weights {explorer / 1000:.1f} kB; "
                    f"all JS but MathJax {scripts / 1000:.1f} kB"
                )
                if lang_prefix == "" and "flow-matching" in names:
                    for method in ("euler", "midpoint", "rk4"):
                        runs = [page.evaluate(SOLVE_JS, [method, 20]) for _ in range(args.repeat)]
                        wall = statistics.median(r["wall"] for r in runs)
                        work = statistics.median(r["work"] for r in runs)
                        print(
                            f"  {method} 20 steps, 1,000 particles: {wall:.0f} ms from the change to the redrawn "
                            f"plot (solve + energy distance + draw {work:.0f} ms), median of {args.repeat}"
                        )
                    frames = page.evaluate(FRAMES_JS, 3)
                    print(
                        f"  time slider: {frames['fps']:.1f} frames/s over 3 s; "
                        f"one redraw {frames['frameMs']:.1f} ms (frame included)"
                    )
                page.close()
        browser.close()
    server.shutdown()
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
