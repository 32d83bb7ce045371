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


def open_widget(browser, site_url, lang: str, slug: str, name: str, width: int = 1280):  # noqa: F811
    visit = Visit(browser, site_url, lang)
    visit.context.set_default_timeout(READY_MS)
    page = visit.page
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


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("name", ["flow-matching", "coupling", "density"])
def test_standalone_page_fills_the_window(browser, site_url, lang, name):  # noqa: F811
    visit, page, widget = open_widget(browser, site_url, lang, f"explore/{name}", name)
    try:
        box = widget.bounding_box()
        viewport = page.viewport_size
        assert box["width"] >= 0.9 * viewport["width"] - 40, f"the {name} explorer is {box['width']} px wide"
        check_page(visit, page)
    finally:
        visit.close()
