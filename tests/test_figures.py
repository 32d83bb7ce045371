"""Every registered figure regenerates, in both languages, as a real picture with real glyphs.

One build per test session (the ``built`` fixture) regenerates every figure target into a
temporary folder with a temporary cache. Trained models and exports are shared with the
repository's cache when theirs are up to date (their manifest entries are copied, and the
pipeline still checks their keys); otherwise they are rebuilt into the temporary cache too.

The tests without ``built`` need no build: the string tables, the figure modules' contract
(``make(lang, out_dir, data)``, doctested) and the labels each figure asks for.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import os
import re
import time
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path

import matplotlib
import numpy as np
import pytest
import tomllib
from fontTools.ttLib import TTCollection, TTFont
from matplotlib import font_manager

from sitebuild import keys, pipeline, strings
from sitebuild.figures import _common, style

matplotlib.use("Agg")

# EXPLAINER_TEST_FIGURES=a,b,c limits the session build to some figures (a quick local run);
# CI leaves it unset and regenerates every registered figure.
_only = [n for n in os.environ.get("EXPLAINER_TEST_FIGURES", "").split(",") if n]
FIGURES = [n for n in pipeline.names("figure") if not _only or n in _only]
LANGS = ("en", "zh")
MIN_BYTES = 15_000  # a real figure at 200 dpi is far larger; a failed/empty one is not
MIN_WIDTH_PX = 1000


def _seed_cache(cache: Path, source: Path = pipeline.CACHE / "manifest.json") -> None:
    """Copy the entries of the manifest ``source`` (default: the repository's) for non-figure
    targets (models, exports) whose outputs exist, so a build into ``cache`` reuses those
    checkpoints and redraws only the figures; build() re-checks every key."""
    if not source.exists():
        return
    manifest = json.loads(source.read_text())
    registry = pipeline.load_targets()
    kept = {}
    for name, entry in manifest.get("targets", {}).items():
        target = registry.get(name)
        parts = {
            part: {**value, "outputs": [str(pipeline.ROOT / p) for p in value["outputs"]]}
            for part, value in entry.get("parts", {}).items()
        }
        outputs = [Path(p) for value in parts.values() for p in value["outputs"]]
        if target is not None and target.kind != "figure" and outputs and all(p.exists() for p in outputs):
            kept[name] = {**entry, "parts": parts}
    (cache / "manifest.json").write_text(json.dumps({"targets": kept}))


def _statuses(result: pipeline.Result) -> dict[str, str]:
    return {record.name: record.status for record in result.records}


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """Build every figure once: ``(generated, cache, seconds, warnings)``."""
    generated, cache = tmp_path_factory.mktemp("generated"), tmp_path_factory.mktemp("cache")
    _seed_cache(cache)
    start = time.perf_counter()
    # in parallel processes; each target's warnings (e.g. missing glyphs) come back in its record
    result = pipeline.build(FIGURES, generated=generated, cache=cache, progress=False)
    seconds = time.perf_counter() - start
    report = _statuses(result)
    assert all(report[name] == "built" for name in FIGURES), report
    return generated, cache, seconds, [w for record in result.records for w in record.warnings]


def _png(generated: Path, name: str, lang: str, variant: str = "wide") -> Path:
    return generated / "figures" / style.filename(name, lang, variant=variant)


def _written(generated: Path, name: str, lang: str) -> list[Path]:
    """Both layouts' PNGs and their text records, and the SVG."""
    pngs = [_png(generated, name, lang, variant) for variant in style.VARIANTS]
    return pngs + [style.sidecar(png) for png in pngs] + [generated / "figures" / style.filename(name, lang, "svg")]


def test_figures_are_registered():
    mine = {
        "change_of_variables_1d",
        "change_of_variables_2d",
        "coupling_jacobians",
        "masks",
        "layers_alternating",
        "layers_no_alternation",
        "single_coupling_limits",
        "depth_vs_fit",
        "spline",
        "scale_parametrisation",
        "dequantization",
    }
    assert mine <= set(pipeline.names("figure")), sorted(mine - set(pipeline.names("figure")))


@pytest.mark.parametrize("name", FIGURES)
def test_figure_module_has_a_doctested_make(name):
    module = importlib.import_module(pipeline.REGISTRY[name].func.__module__)
    assert callable(getattr(module, "make", None)), f"{module.__name__} has no make(lang, out_dir, data)"
    assert ">>>" in (module.make.__doc__ or ""), f"{module.__name__}.make has no doctest"
    # figure functions take their data: make(lang, out_dir, data), data required (no fallback
    # that loads or trains a model, or builds a pipeline target, from inside a build)
    params = list(inspect.signature(module.make).parameters.values())
    assert len(params) == 3, f"{module.__name__}.make{inspect.signature(module.make)} is not make(lang, out_dir, data)"
    assert params[2].default is inspect.Parameter.empty, f"{module.__name__}.make has a default for its data"


@pytest.mark.parametrize("name", FIGURES)
def test_figure_target_is_split_by_language(name):
    """A figure target has string tables, so the pipeline builds and keys it per language."""
    target = pipeline.REGISTRY[name]
    assert target.strings == _common.tables(name), target.strings
    assert set(target.parts(pipeline.LANGS)) == set(LANGS)


@pytest.mark.parametrize("name", FIGURES)
def test_figure_key_reads_no_other_figure(name):
    """Editing one figure module can only rebuild that figure: no other figure imports it (the
    shared helpers aside: registration and strings, style, the diagrams' boxes and arrows)."""
    module = pipeline.REGISTRY[name].func.__module__
    closure, _, _ = keys.Scanner().closure([module])
    helpers = {"sitebuild.figures._common", "sitebuild.figures.style", "sitebuild.figures._diagram"}
    shared = {"sitebuild.figures", module, *helpers}
    others = [m for m in closure if m.startswith("sitebuild.figures.") and m not in shared]
    assert not others, f"{name}'s key includes other figure modules: {others}"


TABLE_FILES = sorted(_common.TABLES.glob("*.toml"))


def test_every_figure_has_its_string_table():
    assert _common.TABLES / "common.toml" in TABLE_FILES
    figures = set(pipeline.names("figure"))
    assert figures <= {p.stem for p in TABLE_FILES}, sorted(figures - {p.stem for p in TABLE_FILES})
    stray = {p.stem for p in TABLE_FILES} - figures - {"common"}
    assert not stray, f"string tables of no registered figure: {sorted(stray)}"


@pytest.mark.parametrize("path", TABLE_FILES, ids=lambda p: p.stem)
def test_string_table_has_both_languages_for_every_key(path):
    table = tomllib.loads(path.read_text(encoding="utf-8"))
    assert table, f"{path.name} is empty"
    for key, texts in table.items():
        assert isinstance(texts, dict) and set(texts) == set(LANGS), f"{path.name}: {key!r} has {texts!r}"
        assert all(isinstance(v, str) and v.strip() for v in texts.values()), f"{path.name}: {key!r} is empty"
    loaded = strings.load(path)
    assert set(loaded["en"]) == set(loaded["zh"]) == set(table), f"{path.name}: en and zh string keys differ"


def _label_keys(module) -> list[tuple[str, str, int]]:
    """``(table, key, line)`` of every literal key the module looks up: ``T("key")`` after
    ``T = labels(lang, NAME)`` (or ``labels(lang, "figure")``), in each function."""
    tree = ast.parse(inspect.getsource(module))
    found = []
    for func in ast.walk(tree):
        if not isinstance(func, ast.FunctionDef):
            continue
        lookups = {}
        for node in ast.walk(func):
            if (
                isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
                and isinstance(node.value, ast.Call)
                and isinstance(node.value.func, ast.Name)
                and node.value.func.id == "labels"
                and len(node.value.args) == 2
            ):
                table = node.value.args[1]
                if isinstance(table, ast.Constant):
                    lookups[node.targets[0].id] = table.value
                elif isinstance(table, ast.Name):
                    lookups[node.targets[0].id] = getattr(module, table.id)
        for node in ast.walk(func):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in lookups
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.append((lookups[node.func.id], node.args[0].value, node.lineno))
    return found


@pytest.mark.parametrize("name", FIGURES)
def test_every_label_a_figure_uses_exists(name):
    module = importlib.import_module(pipeline.REGISTRY[name].func.__module__)
    used = _label_keys(module)
    assert used, f"{module.__name__} looks up no labels"
    missing = []
    for table, key, line in used:
        for lang in LANGS:
            try:
                _common.labels(lang, table)(key)
            except KeyError:
                missing.append(f"{table}.{key} [{lang}] (line {line})")
    assert not missing, missing


@pytest.mark.parametrize("name", FIGURES)
def test_figure_png_is_a_real_picture(built, name):
    generated = built[0]
    for lang in LANGS:
        png = _png(generated, name, lang)
        assert png.exists(), f"{png.name} was not written"
        assert png.stat().st_size > MIN_BYTES, f"{png.name} is only {png.stat().st_size} bytes"
        pixels = matplotlib.image.imread(png)[..., :3]
        assert pixels.shape[1] >= MIN_WIDTH_PX, f"{png.name} is {pixels.shape[1]} px wide"
        assert pixels.std() > 0.05, f"{png.name} is (nearly) blank: pixel std {pixels.std():.4f}"
        # not just a frame: a good share of the pixels is not background white
        assert (pixels.min(axis=2) < 0.9).mean() > 0.02, f"{png.name} draws almost nothing"


@pytest.mark.parametrize("name", FIGURES)
def test_narrow_layout_is_legible_on_a_phone(built, name):
    """The narrow PNG, shown 358 CSS px wide on a 390 px phone, has its smallest text at least
    9 CSS px tall; its record tells the truth about its size."""
    generated = built[0]
    for lang in LANGS:
        png = _png(generated, name, lang, "narrow")
        assert png.exists(), f"{png.name} was not written"
        record = json.loads(style.sidecar(png).read_text(encoding="utf-8"))
        pixels = matplotlib.image.imread(png)
        assert (record["width_px"], record["height_px"]) == (pixels.shape[1], pixels.shape[0]), record
        assert pixels[..., :3].std() > 0.05, f"{png.name} is (nearly) blank"
        on_phone = style.PHONE_WIDTH_CSS_PX / record["width_px"] * record["min_font_px"]
        assert on_phone >= style.MIN_TEXT_CSS_PX, (
            f"{png.name}: smallest text {record['min_font_pt']} pt ({record['smallest']!r}) comes out "
            f"{on_phone:.1f} CSS px at {style.PHONE_WIDTH_CSS_PX} CSS px wide (< {style.MIN_TEXT_CSS_PX})"
        )


def test_text_record_measures_the_smallest_drawn_text(tmp_path):
    """The record holds the smallest text the renderer drew (an invisible label does not count)."""
    import matplotlib.pyplot as plt

    style.use("en")
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.set_title("title", fontsize=12)
    ax.tick_params(labelsize=8)
    ax.text(0.5, 0.5, "small", fontsize=7)
    ax.text(0.5, 0.2, "hidden", fontsize=3, visible=False)
    png = style.save(fig, tmp_path, "probe", "en", variant="narrow")
    record = json.loads(style.sidecar(png).read_text())
    assert png.name == "probe.narrow.png"
    assert (record["min_font_pt"], record["smallest"]) == (7.0, "small"), record
    assert record["min_font_px"] == pytest.approx(7 * style.DPI / 72, abs=1e-3)


@pytest.mark.parametrize("name", FIGURES)
def test_chinese_figure_differs_from_english(built, name):
    generated = built[0]
    en = matplotlib.image.imread(_png(generated, name, "en"))
    zh = matplotlib.image.imread(_png(generated, name, "zh"))
    assert en.shape != zh.shape or not np.array_equal(en, zh), f"{name}: the zh figure equals the en one"
    for path in _common.tables(name):
        table = strings.load(path)  # raises if a key lacks its zh (or en) text
        assert set(table["en"]) == set(table["zh"]), f"{name}: en and zh string keys differ in {path.name}"


def test_no_missing_glyph_warnings(built):
    missing = [w for w in built[3] if "missing from" in w.lower() or "glyph" in w.lower()]
    assert not missing, missing[:5]


def _cjk_cmap() -> set[int]:
    name = style.cjk_font()
    path = font_manager.findfont(font_manager.FontProperties(family=name), fallback_to_default=False)
    fonts = TTCollection(path).fonts if path.lower().endswith(".ttc") else [TTFont(path)]
    for font in fonts:
        if font["name"].getDebugName(1) == name:
            return set(font.getBestCmap())
    return set(fonts[0].getBestCmap())


def _text_outside_math(value: str) -> str:
    """What the CJK font draws: everything but $...$ (mathtext uses its own fonts)."""
    return re.sub(r"\$[^$]*\$", "", value)


def test_every_chinese_string_has_glyphs_in_the_cjk_font():
    cmap = _cjk_cmap()
    assert ord("流") in cmap
    missing = {}
    assert TABLE_FILES
    for path in TABLE_FILES:
        figure = path.stem
        for key, value in strings.load(path)["zh"].items():
            absent = {c for c in _text_outside_math(value) if c not in "\n\t" and ord(c) not in cmap}
            if absent:
                missing[f"{figure}.{key}"] = "".join(sorted(absent))
    assert not missing, missing


def test_chinese_text_renders_with_the_cjk_font():
    style.use("zh")
    font = font_manager.findfont(font_manager.FontProperties(family=matplotlib.rcParams["font.sans-serif"]))
    assert (
        Path(font)
        .name.lower()
        .startswith(("notosanscjk", "notoserifcjk", "wqy", "sourcehan", "msyh", "simhei", "pingfang"))
    ), font
    fig = matplotlib.figure.Figure()
    fig.text(0.1, 0.5, "归一化流 耦合层 雅可比矩阵 对数行列式")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph warns; make it fail
        fig.canvas.draw()


def test_cached_rebuild_does_nothing(built, monkeypatch):
    generated, cache, _, _ = built
    manifest = (cache / "manifest.json").read_text()
    start = time.perf_counter()
    result = pipeline.build(FIGURES, generated=generated, cache=cache, progress=False)
    seconds = time.perf_counter() - start
    # nothing changed since the session build: the fingerprint says so, or every key does
    assert result.fresh or set(_statuses(result).values()) == {"cached"}, result.records
    assert not result.built, result.built  # nothing drawn, nothing trained
    # and with the fingerprint shortcut out of the way, every target's key is checked: all cached
    real_fingerprint = pipeline.fingerprint
    monkeypatch.setattr(pipeline, "fingerprint", lambda *args: real_fingerprint(*args) + "-checked")
    try:
        result = pipeline.build(FIGURES, generated=generated, cache=cache, progress=False)
        assert not result.fresh
        statuses = _statuses(result)
        assert set(FIGURES) <= set(statuses), sorted(set(FIGURES) - set(statuses))
        assert set(statuses.values()) == {"cached"}, result.records  # nothing drawn, nothing trained
    finally:
        (cache / "manifest.json").write_text(manifest)
    print(f"fully cached build of {len(FIGURES)} figures: {seconds:.2f} s")


def _same_keys(cache_a: Path, cache_b: Path, names: list[str]) -> bool:
    """Whether two builds' manifests hold the same key for every part of every target in ``names``."""

    def keys_of(cache: Path) -> dict:
        path = cache / "manifest.json"
        entries = json.loads(path.read_text()).get("targets", {}) if path.exists() else {}
        return {n: {p: v["key"] for p, v in entries.get(n, {}).get("parts", {}).items()} for n in names}

    a = keys_of(cache_a)
    return all(a[n] for n in names) and a == keys_of(cache_b)


def test_figures_are_deterministic(built, tmp_path):
    """Two builds of every figure from the same inputs, in other processes, give byte-identical
    PNGs: seeded data, no timestamps in the files. The second build is the repository's own
    (docs/generated, e.g. from the site build earlier in the session) when its keys are the
    session build's; otherwise every figure is drawn again here."""
    generated, cache, _, _ = built
    if _same_keys(cache, pipeline.CACHE, FIGURES) and all(
        p.exists() for n in FIGURES for lang in LANGS for p in _written(pipeline.GENERATED, n, lang)
    ):
        again = pipeline.GENERATED
    else:
        again, cache2 = tmp_path / "generated", tmp_path / "cache"
        cache2.mkdir()
        _seed_cache(cache2, source=cache / "manifest.json")
        result = pipeline.build(FIGURES, generated=again, cache=cache2, progress=False)  # in parallel processes
        report = _statuses(result)
        assert all(report[name] == "built" for name in FIGURES), report
    differ = [
        f"{a.name}"
        for name in FIGURES
        for lang in LANGS
        for a, b in zip(_written(generated, name, lang), _written(again, name, lang))
        if a.read_bytes() != b.read_bytes()
    ]
    assert not differ, f"not reproducible: {differ}"
    print(f"compared with {'the repository build' if again == pipeline.GENERATED else 'a second build'}")


def test_editing_one_figure_rebuilds_only_that_figure(built, monkeypatch):
    generated, cache, _, _ = built
    edited = "masks" if "masks" in FIGURES else FIGURES[0]
    source = keys.module_file(pipeline.REGISTRY[edited].func.__module__)
    manifest = (cache / "manifest.json").read_text()
    real_digest, real_fingerprint = keys.code_digest, pipeline.fingerprint

    def edited_digest(path: Path) -> str:
        return real_digest(path) + ("-edited" if Path(path) == source else "")

    # an edit changes the file's digest, and its mtime (so the build's fingerprint) too
    monkeypatch.setattr(keys, "code_digest", edited_digest)
    monkeypatch.setattr(pipeline, "fingerprint", lambda *args: real_fingerprint(*args) + "-edited")
    try:
        result = pipeline.build(FIGURES, generated=generated, cache=cache, progress=False)
        rebuilt = [record.name for record in result.built]
        assert rebuilt == [edited], rebuilt
        assert set(result.built[0].parts) == set(LANGS), result.built[0]
    finally:
        (cache / "manifest.json").write_text(manifest)  # the other tests see the unedited build


def test_report_lists_every_figure(built, capsys):
    rows = dict(pipeline.report(cache=built[1], kind="figure"))
    assert set(FIGURES) <= set(rows)
    assert all(seconds > 0 for seconds in rows.values())
    assert "total" in capsys.readouterr().out


# --- the SVGs: one per figure and language, drawn with the PNG (style.save) ----------------------
SVG_NS = "{http://www.w3.org/2000/svg}"
CJK = re.compile(r"[\u4e00-\u9fff]")


def _svg(generated: Path, name: str, lang: str) -> Path:
    return generated / "figures" / style.filename(name, lang, "svg")


def _drawn(svg_text: str) -> str:
    """Every string the SVG draws: the text of its <text> elements, and for labels drawn as
    outlines the comment matplotlib writes with each (``<!-- label -->``)."""
    root = ET.fromstring(svg_text)
    texts = ["".join(t.itertext()) for t in root.iter(f"{SVG_NS}text")]
    return "\n".join(texts + re.findall(r"<!-- (.*?) -->", svg_text, re.S))


def _lead(title: str, lang: str) -> str:
    """The start of a title that any way of drawing it keeps as written: English words before the
    first math or placeholder, or the first Chinese characters."""
    words = re.sub(r"\$[^$]*\$", "\n", title)  # a title may open with math: skip it
    first = next((p.strip() for p in re.split(r"[\{\n(（]", words) if p.strip()), "")
    return first[:4] if lang == "zh" else " ".join(first.split()[:3])


@pytest.mark.parametrize("name", FIGURES)
def test_each_figure_has_an_svg_per_language_that_parses_with_a_viewbox(built, name):
    generated = built[0]
    for lang in LANGS:
        path = _svg(generated, name, lang)
        assert path.exists(), f"{path.name} was not written with {_png(generated, name, lang).name}"
        root = ET.parse(path).getroot()
        assert root.tag == f"{SVG_NS}svg", root.tag
        box = [float(v) for v in (root.get("viewBox") or "").split()]
        assert len(box) == 4 and box[2] > 0 and box[3] > 0, f"{path.name}: viewBox {root.get('viewBox')!r}"
        record = json.loads(style.sidecar(_png(generated, name, lang)).read_text())
        # the same drawing as the PNG: the same aspect ratio (each format measures its own tight
        # bounding box, text included: they agree to about 1 %)
        assert box[2] / box[3] == pytest.approx(record["width_px"] / record["height_px"], rel=0.015)
        text = path.read_text(encoding="utf-8")
        # nothing fetched: every reference is inside the file (#id) or inline (data:)
        refs = re.findall(r'href="([^"]*)"', text) + re.findall(r"url\(([^)]*)\)", text)
        outside = [r for r in refs if not r.startswith(("#", "data:"))]
        assert not outside, f"{path.name} refers to {outside[:3]}"


@pytest.mark.parametrize("name", FIGURES)
def test_svg_text_displays_without_our_fonts(built, name):
    """Text stays text only in fonts any viewer can stand in for (DejaVu Sans, then its own
    sans-serif); Chinese labels and matplotlib's math fonts are outlines."""
    generated = built[0]
    for lang in LANGS:
        root = ET.parse(_svg(generated, name, lang)).getroot()
        styles = [e.get("style") or "" for e in root.iter() if e.tag in (f"{SVG_NS}text", f"{SVG_NS}tspan")]
        families = {m for s in styles for m in re.findall(r"font-family: ([^;]+)", s)}
        if lang == "zh":
            assert not styles, f"{name}.zh.svg draws text with fonts: {sorted(families)}"
        else:
            assert families <= {"'DejaVu Sans', sans-serif"}, f"{name}.svg: {sorted(families)}"


@pytest.mark.parametrize("name", FIGURES)
def test_en_and_zh_svgs_carry_their_own_labels(built, name):
    """The English SVG draws the English title and no Chinese; the Chinese SVG the Chinese title."""
    generated = built[0]
    texts = {lang: _svg(generated, name, lang).read_text(encoding="utf-8") for lang in LANGS}
    titles = {lang: _common.labels(lang, name)("title") for lang in LANGS}
    drawn = {lang: re.sub(r"\s+", " ", _drawn(texts[lang])) for lang in LANGS}
    assert texts["en"] != texts["zh"]
    assert not CJK.search(drawn["en"]), f"{name}.svg draws Chinese: {CJK.findall(drawn['en'])[:5]}"
    for lang in LANGS:
        lead = _lead(titles[lang], lang)
        assert lead and lead in drawn[lang], f"{name} ({lang}): title {lead!r} not drawn in the SVG"
