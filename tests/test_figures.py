"""Every registered figure regenerates, in both languages, as a real picture with real glyphs.

One build per test session (the ``built`` fixture) regenerates every figure target into a
temporary folder with a temporary cache. Trained models and exports are shared with the
repository's cache when theirs are up to date (their manifest entries are copied, and the
pipeline still checks their keys); otherwise they are rebuilt into the temporary cache too.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import time
import warnings
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from fontTools.ttLib import TTCollection, TTFont
from matplotlib import font_manager

from explainer import pipeline
from explainer.figures import strings, style

matplotlib.use("Agg")

# EXPLAINER_TEST_FIGURES=a,b,c limits the session build to some figures (a quick local run);
# CI leaves it unset and regenerates every registered figure.
_only = [n for n in os.environ.get("EXPLAINER_TEST_FIGURES", "").split(",") if n]
FIGURES = [n for n in pipeline.names("figure") if not _only or n in _only]
LANGS = ("en", "zh")
MIN_BYTES = 15_000        # a real figure at 200 dpi is far larger; a failed/empty one is not
MIN_WIDTH_PX = 1000


def _seed_cache(cache: Path, source: Path = pipeline.CACHE / "manifest.json") -> None:
    """Copy the entries of the manifest ``source`` (default: the repository's) for non-figure
    targets (models, exports) whose outputs exist, so a build into ``cache`` reuses those
    checkpoints and redraws only the figures; build() re-checks every key."""
    if not source.exists():
        return
    manifest = json.loads(source.read_text())
    kept = {}
    for name, entry in manifest.items():
        target = pipeline.REGISTRY.get(name)
        outputs = [pipeline.ROOT / p for p in entry.get("outputs", [])]
        if target is not None and target.kind != "figure" and outputs and all(p.exists() for p in outputs):
            kept[name] = {**entry, "outputs": [str(p) for p in outputs]}
    (cache / "manifest.json").write_text(json.dumps(kept))


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """Build every figure once: ``(generated, cache, seconds, warnings)``."""
    generated, cache = tmp_path_factory.mktemp("generated"), tmp_path_factory.mktemp("cache")
    _seed_cache(cache)
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pipeline.build(FIGURES, generated=generated, cache=cache, progress=False)
    seconds = time.perf_counter() - start
    report = {name: status for name, status, _ in pipeline.LAST_REPORT}
    assert all(report[name] == "built" for name in FIGURES), report
    return generated, cache, seconds, [str(w.message) for w in caught]


def _png(generated: Path, name: str, lang: str) -> Path:
    return generated / "figures" / style.filename(name, lang)


def test_figures_are_registered():
    mine = {"change_of_variables_1d", "change_of_variables_2d", "coupling_jacobians", "masks",
            "layers_alternating", "layers_no_alternation", "single_coupling_limits", "depth_vs_fit",
            "spline", "scale_parametrisation", "dequantization"}
    assert mine <= set(pipeline.names("figure")), sorted(mine - set(pipeline.names("figure")))


@pytest.mark.parametrize("name", FIGURES)
def test_figure_module_has_a_doctested_make(name):
    module = importlib.import_module(pipeline.REGISTRY[name].func.__module__)
    assert callable(getattr(module, "make", None)), f"{module.__name__} has no make(lang, out_dir)"
    assert ">>>" in (module.make.__doc__ or ""), f"{module.__name__}.make has no doctest"


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
def test_chinese_figure_differs_from_english(built, name):
    generated = built[0]
    en = matplotlib.image.imread(_png(generated, name, "en"))
    zh = matplotlib.image.imread(_png(generated, name, "zh"))
    assert en.shape != zh.shape or not np.array_equal(en, zh), f"{name}: the zh figure equals the en one"
    if name in strings.STRINGS["en"]:
        assert name in strings.STRINGS["zh"], f"{name} has English strings but no Chinese ones"
        assert set(strings.STRINGS["en"][name]) == set(strings.STRINGS["zh"][name]), \
            f"{name}: en and zh string keys differ"


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
    for figure, table in strings.STRINGS["zh"].items():
        for key, value in table.items():
            absent = {c for c in _text_outside_math(value) if c not in "\n\t" and ord(c) not in cmap}
            if absent:
                missing[f"{figure}.{key}"] = "".join(sorted(absent))
    assert not missing, missing


def test_chinese_text_renders_with_the_cjk_font():
    style.use("zh")
    font = font_manager.findfont(font_manager.FontProperties(family=matplotlib.rcParams["font.sans-serif"]))
    assert Path(font).name.lower().startswith(("notosanscjk", "notoserifcjk", "wqy", "sourcehan", "msyh",
                                               "simhei", "pingfang")), font
    fig = matplotlib.figure.Figure()
    fig.text(0.1, 0.5, "归一化流 耦合层 雅可比矩阵 对数行列式")
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # a missing glyph warns; make it fail
        fig.canvas.draw()


def test_cached_rebuild_does_nothing(built):
    generated, cache, _, _ = built
    start = time.perf_counter()
    pipeline.build(FIGURES, generated=generated, cache=cache, progress=False)
    seconds = time.perf_counter() - start
    statuses = {status for _, status, _ in pipeline.LAST_REPORT}
    assert statuses == {"cached"}, pipeline.LAST_REPORT   # nothing drawn, nothing trained
    print(f"fully cached build of {len(FIGURES)} figures: {seconds:.2f} s")


def test_figures_are_deterministic(built, tmp_path):
    """Drawing every figure again from the same models gives byte-identical PNGs: seeded data,
    no timestamps in the files."""
    generated, cache, _, _ = built
    again, cache2 = tmp_path / "generated", tmp_path / "cache"
    cache2.mkdir()
    _seed_cache(cache2, source=cache / "manifest.json")
    pipeline.build(FIGURES, generated=again, cache=cache2, progress=False)
    report = {name: status for name, status, _ in pipeline.LAST_REPORT}
    assert all(report[name] == "built" for name in FIGURES), report
    differ = [f"{name} [{lang}]" for name in FIGURES for lang in LANGS
              if _png(generated, name, lang).read_bytes() != _png(again, name, lang).read_bytes()]
    assert not differ, f"not reproducible: {differ}"


def test_editing_one_figure_rebuilds_only_that_figure(built, monkeypatch):
    generated, cache, _, _ = built
    edited = "masks" if "masks" in FIGURES else FIGURES[0]
    module = pipeline.REGISTRY[edited].func.__module__
    manifest = (cache / "manifest.json").read_text()
    real_hash = pipeline._source_hash

    def edited_hash(name: str) -> str:
        return real_hash(name) + ("-edited" if name == module else "")

    monkeypatch.setattr(pipeline, "_source_hash", edited_hash)
    try:
        pipeline.build(FIGURES, generated=generated, cache=cache, progress=False)
        rebuilt = [name for name, status, _ in pipeline.LAST_REPORT if status == "built"]
        assert rebuilt == [edited], rebuilt
    finally:
        (cache / "manifest.json").write_text(manifest)   # the other tests see the unedited build


def test_report_lists_every_figure(built, capsys):
    rows = dict(pipeline.report(cache=built[1], kind="figure"))
    assert set(FIGURES) <= set(rows)
    assert all(seconds > 0 for seconds in rows.values())
    assert "total" in capsys.readouterr().out
