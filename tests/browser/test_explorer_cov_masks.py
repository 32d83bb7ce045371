"""The change-of-variables and masks explorers (issue 12) in headless Chromium, against the package.

- change-of-variables: ``window.explorers["change-of-variables"]`` (forward, inverse, logProb,
  jacobian, areaRatio) for both of note 002's maps, on fixed points, against the PyTorch layers
  (``InvertibleLinear`` loaded with A, the ``AffineCoupling`` of ``explainer.worked``), autograd
  Jacobians and a ``MultivariateNormal``: at most 1e-4 apart. The presets show note 002's
  log p_X(x), as ``explainer.worked`` computes it, on the page.
- masks: ``window.explorers.masks`` (checkerboard, channelMask, squeeze, unsqueeze, squeezeImage,
  imageMask, passThrough) against ``explainer.transforms.masks`` and ``Squeeze``; the exported
  digits are ``datasets.digits()``'s.
- Both widgets: keyboard (arrow keys move the point / the selected pixel), touch (a tap, and a
  drag made of touch pointer events), and on every page that holds them (lessons and standalone
  pages, English and Chinese, light and dark, 1280 and 390 px): no console error, no request to
  another host, no sideways scroll; screenshots go to artifacts/screenshots/.
"""

from __future__ import annotations

import inspect
import math
from urllib.parse import urlsplit

import pytest
import torch
from test_pages import SCREENSHOTS, TIMEOUT_MS, site_url  # noqa: F401  (site_url: the served site, a fixture)

from explainer import datasets
from explainer.flow import standard_normal_log_prob
from explainer.transforms import AffineCoupling
from explainer.transforms.masks import alternating_mask, channel_mask, checkerboard_mask
from explainer.transforms.squeeze import Squeeze, Unsqueeze
from explainer.worked import coupling_example, linear_example
from sitebuild.exports._common import polygon_area
from sitebuild.exports.explorer_digits import DIGITS
from sitebuild.figures.change_of_variables_2d import linear_layer

pytestmark = pytest.mark.browser

COV = "change-of-variables"
LOAD_MS = 300_000  # a page under heavy load (the 2-core CI box builds while testing)
TOL = 1e-4
LANGS = ("en", "zh")
PAGES = {  # widget -> the pages that embed it (site paths, English)
    COV: ("change-of-variables/", "explore/change-of-variables/"),
    "masks": ("masking/", "explore/masks/"),
}


def _path(lang: str, slug: str) -> str:
    return ("zh/" if lang == "zh" else "") + slug


class Tab:
    """One page in its own browser context (``options``: touch, colour scheme, size), recording
    console errors and every request to a host other than 127.0.0.1 (aborted)."""

    def __init__(self, browser, site_url, lang, slug, widget, **options):  # noqa: F811
        options.setdefault("viewport", {"width": 1280, "height": 900})
        self.context = browser.new_context(
            locale="zh-CN" if lang == "zh" else "en-US", service_workers="block", **options
        )
        self.context.set_default_timeout(max(TIMEOUT_MS, 60_000))
        self.errors: list[str] = []
        self.external: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: self.errors.append(f"console.error: {m.text}") if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"uncaught: {e}"))
        # the DOM only, then the widget: under load (2 cores shared) a full "load" can take long
        self.page.goto(site_url + _path(lang, slug), wait_until="domcontentloaded", timeout=LOAD_MS)
        self.page.wait_for_selector(f'[data-explorer="{widget}"][data-ready="1"]', timeout=LOAD_MS)

    def _route(self, route):
        parts = urlsplit(route.request.url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.hostname != "127.0.0.1":
            self.external.append(route.request.url)
            return route.abort()
        return route.continue_()

    def close(self):
        self.context.close()


@pytest.fixture(scope="module")
def tabs(browser, site_url):  # noqa: F811
    """One tab per (language, page), opened once for the module (a page takes long to load on a
    busy machine); touch enabled, so the same tab serves mouse, keyboard and touch tests."""
    opened: dict[tuple[str, str], Tab] = {}

    def get(lang: str, slug: str) -> Tab:
        if (lang, slug) not in opened:
            widget = next(w for w, slugs in PAGES.items() if slug in slugs)
            opened[lang, slug] = Tab(browser, site_url, lang, slug, widget, has_touch=True)
        return opened[lang, slug]

    yield get
    for tab in opened.values():
        tab.close()


@pytest.fixture(params=LANGS)
def cov(request, tabs):
    return tabs(request.param, "change-of-variables/")


@pytest.fixture(params=LANGS)
def masks(request, tabs):
    return tabs(request.param, "masking/")


# ---------------------------------------------------------------------------------------------
# the reference maps, from the package
# ---------------------------------------------------------------------------------------------
def _defaults(func) -> dict:
    return {k: p.default for k, p in inspect.signature(func).parameters.items()}


LINEAR = _defaults(linear_example)  # A, b, x of note 002 §10.1
COUPLING = _defaults(coupling_example)  # x, s_slope, t_slope of note 002 §10.2


class Linear:
    """z = A x + b with A x from InvertibleLinear (its LU factors loaded with A), float64."""

    def __init__(self):
        self.layer = linear_layer(LINEAR["A"])
        self.b = torch.tensor(LINEAR["b"], dtype=torch.float64)

    def __call__(self, x):
        z, logabsdet = self.layer(x)
        return z + self.b, logabsdet

    def inverse(self, z):
        return self.layer.inverse(z - self.b)


def coupling():
    """note 002 §10.2's layer, built as explainer.worked.coupling_example builds it."""
    s, t = COUPLING["s_slope"], COUPLING["t_slope"]
    return AffineCoupling(
        alternating_mask(2), scale="exp", conditioner=lambda x_A: torch.cat([s * x_A, t * x_A], dim=1)
    ).double()


MAPS = {"linear": Linear, "coupling": coupling}


def _points(n=48, seed=0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return 1.5 * torch.randn(n, 2, generator=g, dtype=torch.float64)


def _max_diff(js, ref) -> float:
    return (torch.tensor(js, dtype=torch.float64) - ref).abs().max().item()


# ---------------------------------------------------------------------------------------------
# change of variables: the functions against PyTorch
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(MAPS))
def test_cov_functions_match_pytorch(cov, name):
    page = cov.page
    f = MAPS[name]()
    x = _points()
    with torch.no_grad():
        z, logabsdet = f(x)
        x_back = f.inverse(z)[0]
    page.evaluate("name => explorers['change-of-variables'].setMap(name)", name)
    assert page.evaluate("() => explorers['change-of-variables'].getMap()") == name
    out = page.evaluate("p => explorers['change-of-variables'].forward(p)", x.tolist())
    assert _max_diff(out["z"], z) <= TOL
    assert _max_diff(out["logabsdet"], logabsdet) <= TOL
    assert _max_diff(page.evaluate("z => explorers['change-of-variables'].inverse(z)", z.tolist()), x_back) <= TOL
    log_px = standard_normal_log_prob(z) + logabsdet
    assert _max_diff(page.evaluate("p => explorers['change-of-variables'].logProb(p)", x.tolist()), log_px) <= TOL
    if name == "linear":  # an independent check: X = A^{-1}(Z - b) is N(-A^{-1} b, (A^T A)^{-1})
        A = torch.tensor(LINEAR["A"], dtype=torch.float64)
        b = torch.tensor(LINEAR["b"], dtype=torch.float64)
        gaussian = torch.distributions.MultivariateNormal(-torch.linalg.solve(A, b), torch.linalg.inv(A.T @ A))
        assert (
            _max_diff(
                page.evaluate("p => explorers['change-of-variables'].logProb(p)", x.tolist()), gaussian.log_prob(x)
            )
            <= TOL
        )
    # the Jacobian, against autograd, at a few points
    for point in x[:6]:
        jac = torch.autograd.functional.jacobian(lambda v: f(v[None])[0][0], point)
        js = page.evaluate("p => explorers['change-of-variables'].jacobian(p)", point.tolist())
        assert _max_diff(js, jac) <= TOL
        assert abs(math.log(abs(torch.linalg.det(jac).item())) - f(point[None])[1].item()) <= 1e-9


@pytest.mark.parametrize("name", list(MAPS))
def test_cov_area_ratio_is_the_image_area_and_tends_to_det(cov, name):
    """areaRatio(x, eps) is the shoelace area of the square's image (mapped by PyTorch) over eps^2,
    and tends to |det J_f(x)| as eps -> 0."""
    page = cov.page
    f = MAPS[name]()
    page.evaluate("name => explorers['change-of-variables'].setMap(name)", name)
    per_side = 64
    u = torch.arange(per_side, dtype=torch.float64) / per_side
    for point in _points(4, seed=1):
        for eps in (0.8, 0.2):
            lo, hi = point - eps / 2, point + eps / 2
            sides = [  # the square's boundary, counter-clockwise, as the widget samples it
                torch.stack([lo[0] + eps * u, lo[1] + 0 * u], 1),
                torch.stack([hi[0] + 0 * u, lo[1] + eps * u], 1),
                torch.stack([hi[0] - eps * u, hi[1] + 0 * u], 1),
                torch.stack([lo[0] + 0 * u, hi[1] - eps * u], 1),
            ]
            with torch.no_grad():
                image = f(torch.cat(sides))[0].numpy()
            expected = abs(float(polygon_area(image))) / eps**2
            js = page.evaluate(
                "a => explorers['change-of-variables'].areaRatio(a[0], a[1], a[2])", [point.tolist(), eps, per_side]
            )
            assert abs(js - expected) <= TOL * max(1.0, expected)
        det = f(point[None])[1].exp().item()
        small = page.evaluate("p => explorers['change-of-variables'].areaRatio(p, 1e-3)", point.tolist())
        assert abs(small - det) <= 1e-3 * det, f"area ratio {small} at eps = 1e-3 is not |det J| = {det}"


READOUT_JS = "() => document.querySelector('[data-explorer=\"change-of-variables\"] .xp-logpx').textContent"


def _shown(value: float) -> str:
    """A number as the widget prints it: 4 decimals, a real minus sign."""
    return f"{value:.4f}".replace("-", "\u2212")


def test_cov_presets_reproduce_note_002(cov):
    """Choosing each map in the page's own control and going back to the note's point shows the
    log p_X(x) that explainer.worked computes (-2.4373 and -2.4138)."""
    page = cov.page
    root = page.locator('[data-explorer="change-of-variables"]')
    for name, example in (("coupling", coupling_example()), ("linear", linear_example())):
        root.locator("select.xp-map").select_option(name)
        page.evaluate("() => explorers['change-of-variables'].setPoint([2, 2])")  # away from the note's x
        root.locator("button.xp-reset").click()
        assert page.evaluate("() => explorers['change-of-variables'].getPoint()") == list(example.x)
        assert page.evaluate(READOUT_JS) == _shown(example.log_px)
        js = page.evaluate("p => explorers['change-of-variables'].logProb([p])[0]", list(example.x))
        assert abs(js - example.log_px) <= TOL
        z = page.evaluate("p => explorers['change-of-variables'].forward([p]).z[0]", list(example.x))
        assert _max_diff(z, torch.tensor(example.z)) <= TOL


def test_cov_arrow_keys_move_the_point(cov):
    page = cov.page
    api = "explorers['change-of-variables']"
    page.evaluate(f"() => {{ {api}.setMap('linear'); {api}.setPoint([0.5, -1]); }}")
    panel = page.locator('[data-explorer="change-of-variables"] svg[tabindex="0"]')
    panel.focus()
    for key in ("ArrowRight", "ArrowRight", "ArrowUp"):
        page.keyboard.press(key)
    x = page.evaluate(f"() => {api}.getPoint()")
    assert x == pytest.approx([0.6, -0.95], abs=1e-12)
    page.keyboard.press("Shift+ArrowLeft")
    x = page.evaluate(f"() => {api}.getPoint()")
    assert x == pytest.approx([0.35, -0.95], abs=1e-12)
    expected = page.evaluate(f"p => {api}.logProb([p])[0]", x)
    assert page.evaluate(READOUT_JS) == _shown(expected)
    with torch.no_grad():
        z, logabsdet = Linear()(torch.tensor([x], dtype=torch.float64))
    assert abs(expected - (standard_normal_log_prob(z) + logabsdet).item()) <= TOL


def _client(page, locator, point, limit):
    """Client coordinates of a math point in a square panel showing [-limit, limit]^2."""
    box = locator.bounding_box()
    return (
        box["x"] + (point[0] + limit) / (2 * limit) * box["width"],
        box["y"] + (limit - point[1]) / (2 * limit) * box["height"],
    )


DRAG_JS = """([el, moves]) => {
  const send = (type, [x, y]) => el.dispatchEvent(new PointerEvent(type, {pointerId: 7, pointerType: 'touch',
    isPrimary: true, clientX: x, clientY: y, bubbles: true, cancelable: true}));
  send('pointerdown', moves[0]);
  moves.slice(1).forEach(m => send('pointermove', m));
  send('pointerup', moves[moves.length - 1]);
}"""


@pytest.mark.parametrize("lang", LANGS)
def test_cov_touch_tap_and_drag(tabs, lang):
    v = tabs(lang, "explore/change-of-variables/")
    page = v.page
    page.set_viewport_size({"width": 390, "height": 844})
    panel = page.locator('[data-explorer="change-of-variables"] svg[tabindex="0"]')
    panel.scroll_into_view_if_needed()
    step = 2 * 2.5 / panel.bounding_box()["width"]  # one CSS pixel in x units
    page.touchscreen.tap(*_client(page, panel, (1.0, 1.0), 2.5))
    assert page.evaluate("() => explorers['change-of-variables'].getPoint()") == pytest.approx([1.0, 1.0], abs=2 * step)
    path = [(1.0, 1.0), (0.0, 0.5), (-1.0, 0.5)]
    page.evaluate(DRAG_JS, [panel.element_handle(), [_client(page, panel, p, 2.5) for p in path]])
    assert page.evaluate("() => explorers['change-of-variables'].getPoint()") == pytest.approx(
        [-1.0, 0.5], abs=2 * step
    )
    page.set_viewport_size({"width": 1280, "height": 900})


# ---------------------------------------------------------------------------------------------
# masks: the functions against explainer's masks and squeeze
# ---------------------------------------------------------------------------------------------
SHAPES = [(1, 8, 8), (2, 4, 6), (3, 2, 2), (1, 6, 4)]


def test_masks_functions_match_explainer(masks):
    page = masks.page
    for c, h, w in SHAPES:
        for flip in (False, True):
            js = page.evaluate("a => explorers.masks.checkerboard(a[0], a[1], a[2])", [h, w, flip])
            assert js == checkerboard_mask((c, h, w), flip=flip)[0].tolist()
            if c % 2 == 0:
                js = page.evaluate("a => explorers.masks.channelMask(a[0], a[1], a[2], a[3])", [c, h, w, flip])
                assert js == channel_mask((c, h, w), flip=flip).tolist()
        # squeeze moves the entry numbered n from x's index (c, r, q) to z's index (k, i, j)
        x = torch.arange(c * h * w, dtype=torch.float64).reshape(1, c, h, w)
        z, logabsdet = Squeeze((c, h, w))(x)
        assert logabsdet.abs().max().item() == 0.0
        sources = [list(map(int, divmod_all(int(n), (h, w)))) for n in z[0].flatten().tolist()]
        targets = [list(idx) for idx in torch.cartesian_prod(*(torch.arange(s) for s in z.shape[1:])).tolist()]
        assert page.evaluate("s => s.map(explorers.masks.squeeze)", sources) == targets
        assert page.evaluate("t => t.map(explorers.masks.unsqueeze)", targets) == sources
        assert page.evaluate("x => explorers.masks.squeezeImage(x)", x[0].tolist()) == z[0].tolist()
        assert (
            page.evaluate("z => explorers.masks.unsqueezeImage(z)", z[0].tolist())
            == Unsqueeze(z.shape[1:])(z)[0][0].tolist()
        )
    error = page.evaluate("() => { try { explorers.masks.channelMask(3, 2, 2) } catch (e) { return e.message } }")
    assert "even" in error and "3" in error


def divmod_all(n: int, hw: tuple[int, int]) -> tuple[int, int, int]:
    """Row-major index n of a (C, H, W) array -> (c, r, q)."""
    h, w = hw
    c, rest = divmod(n, h * w)
    r, q = divmod(rest, w)
    return c, r, q


def test_masks_on_the_digit_match_explainer(masks):
    """The exported digits are datasets.digits()'s; on each, the widget's masks and m ⊙ x are the
    library's, the channel mask being the one of the squeezed image read back at each pixel."""
    page = masks.page
    train, _ = datasets.digits(seed=DIGITS["seed"])
    exported = page.evaluate("() => window.explorerData.digits.images")
    assert exported == train[: DIGITS["count"], 0].tolist()
    image = train[:1].double()  # (1, 1, 8, 8)
    squeezed = Squeeze((1, 8, 8))(image)[0]
    channel_back = Unsqueeze((4, 4, 4))(channel_mask((4, 4, 4))[None].double())[0][0, 0].bool()
    for flip in (False, True):
        masks_ref = {
            "checkerboard": checkerboard_mask((1, 8, 8), flip=flip)[0],
            "channel": ~channel_back if flip else channel_back,
        }
        for kind, ref in masks_ref.items():
            assert page.evaluate("a => explorers.masks.imageMask(a[0], 8, 8, a[1])", [kind, flip]) == ref.tolist()
            passed = page.evaluate(
                "a => explorers.masks.passThrough(a[0], a[1], a[2])", [image[0, 0].tolist(), kind, flip]
            )
            assert passed == (image[0, 0] * ref).tolist()
    # the channel mask after squeeze, seen on the squeezed digit: channels 0 and 1 pass through
    assert page.evaluate("x => explorers.masks.squeezeImage(x)", image[0].tolist()) == squeezed[0].tolist()


def test_masks_click_and_keys_select_pixels(masks):
    page = masks.page
    root = page.locator('[data-explorer="masks"]')
    page.evaluate("() => { explorers.masks.setMask('checkerboard', false); explorers.masks.setDigit(0); }")
    cells = root.locator(".xp-original .xp-cell")
    assert cells.count() == 64
    # the painted mask is the library's checkerboard, cell by cell
    painted = cells.evaluate_all("els => els.map(e => e.classList.contains('xp-pass'))")
    assert painted == checkerboard_mask((1, 8, 8))[0].flatten().tolist()
    cells.nth(2 * 8 + 5).click()
    assert page.evaluate("() => explorers.masks.state().selected") == [2, 5]
    # the explanation names the channel and position Squeeze gives that pixel
    x = torch.zeros(1, 1, 8, 8)
    x[0, 0, 2, 5] = 1
    k, i, j = (int(v) for v in Squeeze((1, 8, 8))(x)[0][0].nonzero()[0])
    text = root.locator(".xp-explain").text_content()
    assert f"= {k}" in text and f"({i}, {j})" in text, text
    highlighted = root.locator(".xp-squeezed .xp-cell.xp-selected")
    assert highlighted.count() == 1
    # keyboard: the selected pixel has focus; arrows move it
    cells.nth(2 * 8 + 5).focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowLeft")
    assert page.evaluate("() => explorers.masks.state().selected") == [3, 4]
    assert page.evaluate("() => document.activeElement === document.querySelectorAll('.xp-original .xp-cell')[28]")
    # the flip control and the mask choice repaint the grid
    root.locator(".xp-mask-kind input[value='channel']").check()
    root.locator(".xp-flip input").check()
    painted = cells.evaluate_all("els => els.map(e => e.classList.contains('xp-pass'))")
    expected = ~Unsqueeze((4, 4, 4))(channel_mask((4, 4, 4))[None].double())[0][0, 0].bool()
    assert painted == expected.flatten().tolist()


TRANSITION_JS = """() => getComputedStyle(document.querySelector('.xp-original .xp-cell'), '::before')
  .transitionDuration"""


def test_masks_respect_reduced_motion(masks):
    """The only animation (a cell's colour fading to its new mask) is off when the reader asks
    for reduced motion."""
    page = masks.page
    page.emulate_media(reduced_motion="no-preference")
    assert page.evaluate(TRANSITION_JS) != "0s"
    page.emulate_media(reduced_motion="reduce")
    assert page.evaluate(TRANSITION_JS) == "0s"
    page.emulate_media(reduced_motion="no-preference")


@pytest.mark.parametrize("lang", LANGS)
def test_masks_touch_tap(tabs, lang):
    page = tabs(lang, "explore/masks/").page
    page.set_viewport_size({"width": 390, "height": 844})
    cell = page.locator('[data-explorer="masks"] .xp-squeezed').nth(3).locator(".xp-cell").nth(1 * 4 + 2)
    cell.tap()  # channel 3, position (1, 2): which pixel of the digit is that?
    z = torch.zeros(1, 4, 4, 4)
    z[0, 3, 1, 2] = 1
    r, q = (int(v) for v in Unsqueeze((4, 4, 4))(z)[0][0, 0].nonzero()[0])
    assert page.evaluate("() => explorers.masks.state().selected") == [r, q]
    page.locator('[data-explorer="masks"] .xp-original .xp-cell').nth(0).tap()
    assert page.evaluate("() => explorers.masks.state().selected") == [0, 0]
    page.set_viewport_size({"width": 1280, "height": 900})


# ---------------------------------------------------------------------------------------------
# every page that holds them: clean, offline, no sideways scroll; screenshots
# ---------------------------------------------------------------------------------------------
CASES = [(lang, slug) for slugs in PAGES.values() for slug in slugs for lang in LANGS]


@pytest.mark.parametrize("lang,slug", CASES, ids=[f"{lang}:/{slug}" for lang, slug in CASES])
def test_pages_clean_light_and_dark(tabs, lang, slug):
    """Runs last: the tab has served every test above, and still no console error, no request to
    another host, no sideways scroll at 390 px; labels in the page's language; screenshots."""
    v = tabs(lang, slug)
    page = v.page
    widget = next(w for w, slugs in PAGES.items() if slug in slugs)
    root = page.locator(f'[data-explorer="{widget}"]')
    assert root.get_attribute("data-error") is None
    labels = root.inner_text()
    has_chinese = any("\u4e00" <= ch <= "\u9fff" for ch in labels)
    assert has_chinese == (lang == "zh"), f"the widget's labels are not in {lang}: {labels[:200]!r}"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = f"explorer-{slug.strip('/').replace('/', '-')}-{lang}"
    for scheme in ("default", "slate"):  # Material's light and dark palettes, as its toggle sets them
        page.evaluate("s => document.body.setAttribute('data-md-color-scheme', s)", scheme)
        for width in (1280, 390):
            page.set_viewport_size({"width": width, "height": 900 if width > 500 else 844})
            page.wait_for_timeout(200)
            scroll = page.evaluate("() => document.documentElement.scrollWidth")
            assert scroll <= width + 1, f"/{_path(lang, slug)} scrolls sideways at {width} px: {scroll} px wide"
            root.scroll_into_view_if_needed()
            root.screenshot(path=str(SCREENSHOTS / f"{name}-{scheme}-{width}.png"))
    assert not v.errors, v.errors
    assert not v.external, f"requests to other hosts: {v.external}"
