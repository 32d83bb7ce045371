"""The explorers (issue 12) on the built site, in headless Chromium: each widget's pure functions
(``window.explorers[name]``) against the package's PyTorch models on fixed points (at most 1e-4
apart), in both languages, with no console error, no request to another host, no sideways scroll
at 390 px, labels in the page's language and the controls usable from the keyboard.

The trained models are the pipeline's checkpoints (``.cache/pipeline/models``), which the session
build (tests/conftest.py ``built_site``) brings up to date; the browser runs the weights the site
serves (``generated/explorer/<model>.js``).
"""

from __future__ import annotations

import math
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import torch
from test_pages import Visit, site_url  # noqa: F401 (the session's server fixture)

from explainer import checkpoints, datasets
from explainer.matching.solvers import solve
from explainer.metrics import energy_distance
from sitebuild.exports.explorer import DENSITY, REFERENCE

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
MODELS = ROOT / ".cache" / "pipeline" / "models"
TOLERANCE = 1e-4
READY_MS = 600_000  # page load and the first solve on a busy 2-core machine (load average 30 seen)
PREFIX = {"en": "", "zh": "zh/"}
# Fixed points: the moons' and 8 Gaussians' range, the origin, a tail (far tails have |log p| in the
# thousands, where float32 itself is only good to ~1e-3 absolute).
POINTS = [[0.0, 0.0], [1.3, -0.4], [-2.2, 1.1], [0.5, 2.5], [-2.0, 1.2], [2.0, 0.3], [-0.7, -1.6]]


def model(name: str):
    path = MODELS / f"{name}.pt"
    if not path.exists():
        pytest.fail(f"{path} is missing: build it with python -m sitebuild build model:{name}")
    net, _ = checkpoints.load(path)
    return net.eval()


def open_widget(browser, site_url, lang: str, slug: str, name: str, width: int = 1280, init=None, media=None):  # noqa: F811
    """Open the page and wait for its explorer; ``init`` is a script run before the page's own,
    ``media`` a CSS media feature to emulate (``{"reduced_motion": "reduce"}``)."""
    visit = Visit(browser, site_url, lang)
    visit.context.set_default_timeout(READY_MS)
    page = visit.page
    if init:
        page.add_init_script(init)
    if media:
        page.emulate_media(**media)
    visit.scripts = {}  # URL -> bytes of every script the page loads (for the budget)

    def record(response):
        if urlsplit(response.url).path.endswith(".js") and response.status == 200:
            visit.scripts[response.url] = len(response.body())

    page.on("response", record)
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{site_url}{PREFIX[lang]}{slug}/", wait_until="domcontentloaded")
    widget = page.locator(f'[data-explorer="{name}"]').first
    widget.scroll_into_view_if_needed()
    page.wait_for_function(
        "name => { const e = document.querySelector(`[data-explorer='${name}']`);"
        " return e && (e.dataset.ready === '1' || e.dataset.error); }",
        arg=name,
        timeout=READY_MS,
    )
    error = widget.get_attribute("data-error")
    assert error is None, f"the {name} explorer did not start: {error}"
    return visit, page, widget


def check_page(visit, page) -> None:
    assert not visit.errors, visit.errors
    assert not visit.http_errors, visit.http_errors
    assert not visit.external, f"requests to other hosts: {visit.external}"


def max_difference(js, reference: torch.Tensor) -> float:
    return (torch.tensor(js, dtype=torch.float64) - reference.double()).abs().max().item()


# ---------------------------------------------------------------------------------------------
# flow matching
# ---------------------------------------------------------------------------------------------
FM_LABELS = {"en": ("Solver", "Steps", "Energy distance"), "zh": ("求解器", "步数", "能量距离")}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_flow_matching_explorer_matches_pytorch(browser, site_url, lang):  # noqa: F811
    visit, page, widget = open_widget(browser, site_url, lang, "flow-matching", "flow-matching")
    try:
        text = widget.inner_text()
        for label in FM_LABELS[lang]:
            assert label in text, f"{label!r} missing from the {lang} widget: {text[:200]!r}"
        x = torch.tensor(POINTS)
        names = ["fm-moons", "fm-8gaussians"] if lang == "en" else ["fm-moons"]
        for name in names:
            page.evaluate("name => window.explorers['flow-matching'].use(name)", name)
            velocity = model(name)
            with torch.no_grad():
                for t in (0.0, 0.35, 1.0):
                    js = page.evaluate("([p, t]) => window.explorers['flow-matching'].velocity(p, t)", [POINTS, t])
                    assert max_difference(js, velocity(x, t)) <= TOLERANCE, (name, t)
                for method, steps in (("euler", 7), ("midpoint", 5), ("rk4", 4)):
                    js = page.evaluate(
                        "([p, m, n]) => window.explorers['flow-matching'].solve(p, m, n)", [POINTS, method, steps]
                    )
                    assert max_difference(js, solve(velocity, x, method, steps=steps)) <= TOLERANCE, (name, method)
            reference = datasets.sample(velocity_data(name), REFERENCE["n"], seed=REFERENCE["seed"])
            js = page.evaluate("p => window.explorers['flow-matching'].energyDistance(p)", POINTS)
            assert math.isclose(js, energy_distance(x, reference), abs_tol=TOLERANCE), name
        check_page(visit, page)
    finally:
        visit.close()


def velocity_data(name: str) -> str:
    return name.split("-", 1)[1]


# Browsers without WebAssembly (or with it disabled) run the plain JavaScript path of core/mlp.js.
NO_WEBASSEMBLY = "delete window.WebAssembly;"


def test_explorers_without_webassembly_match_pytorch(browser, site_url):  # noqa: F811
    visit, page, widget = open_widget(browser, site_url, "en", "flow-matching", "flow-matching", init=NO_WEBASSEMBLY)
    try:
        assert page.evaluate("() => typeof WebAssembly") == "undefined"
        assert page.evaluate("() => window.explorerCore.simd.available") is False, "the SIMD kernel still ran"
        x = torch.tensor(POINTS)
        velocity = model("fm-moons")
        with torch.no_grad():
            js = page.evaluate("p => window.explorers['flow-matching'].velocity(p, 0.35)", POINTS)
            assert max_difference(js, velocity(x, 0.35)) <= TOLERANCE
            for method, steps in (("euler", 7), ("midpoint", 5), ("rk4", 4)):
                js = page.evaluate(
                    "([p, m, n]) => window.explorers['flow-matching'].solve(p, m, n)", [POINTS, method, steps]
                )
                assert max_difference(js, solve(velocity, x, method, steps=steps)) <= TOLERANCE, method
        check_page(visit, page)
    finally:
        visit.close()
    visit, page, widget = open_widget(browser, site_url, "en", "coupling-layers", "coupling", init=NO_WEBASSEMBLY)
    try:
        assert page.evaluate("() => window.explorerCore.simd.available") is False
        check_flow(page, "coupling", ["realnvp-moons"])
        check_page(visit, page)
    finally:
        visit.close()


PLAY = "document.querySelector('[data-explorer=flow-matching] button[aria-pressed]')"
PLAYING = f"() => {PLAY}.getAttribute('aria-pressed')"


@pytest.mark.parametrize("reduce", [True, False])
def test_flow_matching_explorer_respects_reduced_motion(browser, site_url, reduce):  # noqa: F811
    """With prefers-reduced-motion: reduce, Play shows t = 1 at once (no animation, nothing runs on
    its own); without it, Play animates. Both cases run, so the check can fail either way."""
    media = {"reduced_motion": "reduce" if reduce else "no-preference"}
    visit, page, widget = open_widget(browser, site_url, "en", "flow-matching", "flow-matching", media=media)
    try:
        assert page.evaluate("() => matchMedia('(prefers-reduced-motion: reduce)').matches") is reduce
        slider = widget.locator("input[type=range]")
        page.wait_for_timeout(500)  # the first layout's redraws
        frames = int(widget.get_attribute("data-frames"))
        page.wait_for_timeout(1000)
        assert int(widget.get_attribute("data-frames")) == frames, "the widget animates without being asked"
        slider.focus()
        page.keyboard.press("Home")
        assert float(slider.input_value()) == 0.0
        widget.locator("button[aria-pressed]").click()
        if reduce:
            assert page.evaluate(PLAYING) == "false", "Play started an animation under reduced motion"
            assert float(slider.input_value()) == 1.0, "Play did not show t = 1"
        else:
            assert page.evaluate(PLAYING) == "true", "Play did not animate"
            page.wait_for_function(f"() => {PLAY}.getAttribute('aria-pressed') === 'false'")  # the run ends at t = 1
            assert float(slider.input_value()) == 1.0
        check_page(visit, page)
    finally:
        visit.close()


def test_flow_matching_explorer_keyboard_and_phone(browser, site_url):  # noqa: F811
    visit, page, widget = open_widget(browser, site_url, "en", "flow-matching", "flow-matching", width=390)
    try:
        slider = widget.locator("input[type=range]")
        frames = int(widget.get_attribute("data-frames"))
        slider.focus()
        page.keyboard.press("ArrowLeft")
        page.keyboard.press("ArrowLeft")
        assert float(slider.input_value()) < 1.0
        page.wait_for_function(
            "n => +document.querySelector('[data-explorer=flow-matching]').dataset.frames > n", arg=frames
        )
        solves = int(widget.get_attribute("data-solves"))
        method = widget.locator("select").nth(1)
        method.focus()
        method.select_option("euler")
        page.wait_for_function(
            "n => +document.querySelector('[data-explorer=flow-matching]').dataset.solves > n", arg=solves
        )
        wide = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert wide <= 0, f"the page scrolls sideways by {wide} px at 390 px"
        check_page(visit, page)
    finally:
        visit.close()


# ---------------------------------------------------------------------------------------------
# the budget: at most 300 kB of JavaScript and weights a page for the explorers (issue 12)
# ---------------------------------------------------------------------------------------------
BUDGET = 300_000
TWIN = "generated/explorer/realnvp-moons-same-mask.js"


def explorer_scripts(visit) -> dict[str, int]:
    """The explorers' scripts the page has loaded so far: bootstrap, widget, core and weights
    (bytes as served: the weights' base64 included). The theme's scripts (Material's bundle,
    search, lightbox: ~230 kB on every page of the site, explorer or not) are not theirs."""
    return {u: b for u, b in visit.scripts.items() if "/assets/explorer/" in u or "/generated/explorer/" in u}


def listing(scripts: dict[str, int]) -> str:
    return ", ".join(f"{urlsplit(u).path.rsplit('/', 3)[-1]} {b / 1000:.0f} kB" for u, b in sorted(scripts.items()))


@pytest.mark.parametrize(
    "slug, name",
    [("coupling-layers", "coupling"), ("alternating-and-permutations", "density"), ("flow-matching", "flow-matching")],
)
def test_explorer_page_stays_within_its_budget(browser, site_url, slug, name):  # noqa: F811
    """The explorers' code and weights the page loads, measured from the network (MathJax and the
    theme's scripts aside). The same-mask twin is loaded only when the reader switches to it:
    before that it is not on the page; the switch adds its weights and nothing else."""
    visit, page, widget = open_widget(browser, site_url, "en", slug, name)
    try:
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(1000)  # the last responses' handlers (they run while Playwright waits)
        loaded = explorer_scripts(visit)
        assert any("/generated/explorer/" in url for url in loaded), f"no weights among {listing(loaded)}"
        total = sum(loaded.values())
        assert total <= BUDGET, f"{slug}: the explorers load {total / 1000:.0f} kB > 300 kB: {listing(loaded)}"
        if name in ("coupling", "density"):
            assert not any(TWIN in url for url in loaded), "the same-mask twin loaded before the reader asked"
            widget.locator("button[data-value='realnvp-moons-same-mask']").click()
            page.wait_for_function(
                "n => document.querySelector(`[data-explorer=${n}] button[data-value='realnvp-moons-same-mask']`)"
                ".getAttribute('aria-pressed') === 'true'",
                arg=name,
            )
            # the response handlers run while Playwright waits: give them a second after the switch
            page.wait_for_timeout(1000)
            added = {u: b for u, b in explorer_scripts(visit).items() if u not in loaded}
            assert [TWIN in u for u in added] == [True], f"the switch loaded {listing(added)}"
            assert sum(added.values()) <= BUDGET, f"the twin alone is {sum(added.values()) / 1000:.0f} kB"
        check_page(visit, page)
    finally:
        visit.close()


# ---------------------------------------------------------------------------------------------
# coupling layers and density: the trained RealNVP and its same-mask twin
# ---------------------------------------------------------------------------------------------
FLOW_LABELS = {"en": ("Masks", "running log|det J|", "log p(x)"), "zh": ("掩码", "累计 log|det J|", "log p(x)")}


def check_flow(page, name: str, models) -> None:
    """``forward``/``logProb`` (and ``inverse`` where the widget has it) of explorer ``name``
    against the PyTorch flows, both models."""
    x = torch.tensor(POINTS)
    for model_name in models:
        page.evaluate("([w, m]) => window.explorers[w].use(m)", [name, model_name])
        flow = model(model_name)
        with torch.no_grad():
            z, logabsdet = flow.forward(x)
            log_p = flow.log_prob(x)
            back, _ = flow.inverse(z)
        js = page.evaluate("([w, p]) => window.explorers[w].logProb(p)", [name, POINTS])
        assert max_difference(js, log_p) <= TOLERANCE, (name, model_name, "logProb")
        if name == "coupling":
            js = page.evaluate("p => window.explorers.coupling.forward(p)", POINTS)
            assert max_difference(js["z"], z) <= TOLERANCE, (model_name, "z")
            assert max_difference(js["logabsdet"], logabsdet) <= TOLERANCE, (model_name, "logabsdet")
            js = page.evaluate("z => window.explorers.coupling.inverse(z)", z.tolist())
            assert max_difference(js, back) <= TOLERANCE, (model_name, "inverse")
            # the table: s, t and the running log-det of each layer, as the layers compute them
            rows = page.evaluate("p => window.explorers.coupling.layers(p)", POINTS[1])
            _, _, steps = flow.forward(x[1:2], return_intermediates=True)
            running = 0.0
            for layer, h, row in zip(flow.layers, steps[:-1], rows):
                s, t = layer.scale_and_shift(h)
                running += s.sum().item()
                assert abs(row["s"] - s.item()) <= TOLERANCE and abs(row["t"] - t.item()) <= TOLERANCE
                assert abs(row["logabsdet"] - running) <= TOLERANCE


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_coupling_explorer_matches_pytorch(browser, site_url, lang):  # noqa: F811
    visit, page, widget = open_widget(browser, site_url, lang, "coupling-layers", "coupling")
    try:
        text = widget.inner_text()
        for label in FLOW_LABELS[lang]:
            assert label in text, f"{label!r} missing from the {lang} widget"
        models = ["realnvp-moons", "realnvp-moons-same-mask"] if lang == "en" else ["realnvp-moons"]
        check_flow(page, "coupling", models)
        # the shown log p(x) is the model's at the shown point; arrows move the point
        page.evaluate("() => window.explorers.coupling.use('realnvp-moons')")
        canvas = widget.locator("canvas")
        canvas.focus()
        before = float(widget.get_attribute("data-log-prob"))
        page.keyboard.press("ArrowRight")
        after = float(widget.get_attribute("data-log-prob"))
        assert after != before, "the arrow key did not move the point"
        check_page(visit, page)
    finally:
        visit.close()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_density_explorer_matches_pytorch(browser, site_url, lang):  # noqa: F811
    visit, page, widget = open_widget(browser, site_url, lang, "alternating-and-permutations", "density")
    try:
        models = ["realnvp-moons", "realnvp-moons-same-mask"] if lang == "en" else ["realnvp-moons"]
        check_flow(page, "density", models)
        # the true density beside it is the data's (at grid nodes, where it was computed)
        w = DENSITY
        nodes = [
            [
                w["x"][0] + c * (w["x"][1] - w["x"][0]) / (w["columns"] - 1),
                w["y"][1] - r * (w["y"][1] - w["y"][0]) / (w["rows"] - 1),
            ]
            for r, c in ((0, 0), (w["rows"] // 2, w["columns"] // 2), (30, 52))
        ]
        js = page.evaluate("p => window.explorers.density.trueLogProb(p)", nodes)
        truth = datasets.log_prob("moons", torch.tensor(nodes, dtype=torch.float64)).clamp(min=-1e30)
        assert max_difference(js, truth) <= TOLERANCE * max(1.0, truth.abs().max().item())
        page.wait_for_function("() => document.querySelector('[data-explorer=density]').dataset.complete === '1'")
        check_page(visit, page)
    finally:
        visit.close()


CREDIT = {"en": ("flows-explained authors", "CC BY 4.0"), "zh": ("flows-explained 作者", "CC BY 4.0")}


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("name", ["flow-matching", "coupling", "density"])
def test_standalone_page_fills_the_window(browser, site_url, lang, name):  # noqa: F811
    visit, page, widget = open_widget(browser, site_url, lang, f"explore/{name}", name)
    try:
        box = widget.bounding_box()
        viewport = page.viewport_size
        assert box["width"] >= 0.9 * viewport["width"] - 40, f"the {name} explorer is {box['width']} px wide"
        # no footer on these pages: the page credits itself (author, address, CC BY 4.0), in its language
        credit = page.locator(".explorer-credit")
        text = credit.inner_text()
        for words in CREDIT[lang]:
            assert words in text, f"{words!r} missing from the credit line {text!r}"
        links = credit.locator("a").evaluate_all("links => links.map(a => a.href)")
        assert any("creativecommons.org/licenses/by/4.0" in href for href in links), links
        assert any(
            href.startswith("http") and "creativecommons" not in href and "opensource" not in href for href in links
        ), f"no source address in the credit line: {links}"
        check_page(visit, page)
    finally:
        visit.close()
