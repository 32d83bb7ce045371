"""The figure gallery (``table:figure-gallery``, docs/figures(.zh).md) lists every figure in both
languages with its image, the lesson's alt text, SVG and PNG downloads named with figure and
language, the lessons that show it and a CC BY 4.0 credit line.

The gallery is built by the pipeline into the repository's docs/generated/ (cached: nothing is
drawn when the figures are up to date).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sitebuild import nav, pipeline, strings
from sitebuild.figures import style
from sitebuild.tables import figure_gallery
from sitebuild.tables._figure_uses import uses

LANGS = ("en", "zh")
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def galleries() -> dict[str, str]:
    pipeline.build([figure_gallery.NAME], progress=False)
    return {lang: figure_gallery.gallery_file(pipeline.GENERATED, lang).read_text("utf-8") for lang in LANGS}


def _cards(text: str) -> dict[str, str]:
    """The gallery's sections by figure name (their heading ids)."""
    parts = re.split(r"^## .*\{ #([a-z0-9_]+) \}\n", text, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2]))


def test_the_gallery_knows_every_registered_figure():
    assert set(figure_gallery.FIGURES) == set(pipeline.names("figure"))


@pytest.mark.parametrize("lang", LANGS)
def test_every_figure_has_its_card(galleries, lang):
    cards = _cards(galleries[lang])
    assert sorted(cards) == sorted(pipeline.names("figure")), sorted(set(pipeline.names("figure")) ^ set(cards))
    shown = uses(lang)
    problems = []
    for name, card in cards.items():
        lesson = next(u for u in shown[name] if u.page.source != "index.md")
        svg, png = style.filename(name, lang, "svg"), style.filename(name, lang)
        expected = {
            "image": f"]({'generated/figures/'}{name}.png)",
            "alt text from the lesson": f"![{lesson.alt}]",
            "description": f"** {lesson.alt}\n",
            "svg download": f'(generated/figures/{svg}){{ download="{name}.{lang}.svg" }}',
            "png download": f'(generated/figures/{png}){{ download="{name}.{lang}.png" }}',
            "lesson link": f"({lesson.page.source}#{lesson.anchor})",
            "licence": "CC BY 4.0",
        }
        problems += [f"{name}: no {what} ({text!r})" for what, text in expected.items() if text not in card]
        for file in (svg, png):
            if not (pipeline.GENERATED / "figures" / file).exists():
                problems.append(f"{name}: {file} is linked but not built")
        title = strings.load(figure_gallery.STRINGS)[lang][f"title.{name}"]
        if f"“{title}”" not in card:
            problems.append(f"{name}: the credit line does not name the figure ({title!r})")
        if lang == "zh" and not CJK.search(lesson.alt):
            problems.append(f"{name}: the Chinese alt text is not Chinese: {lesson.alt!r}")
    assert not problems, "\n".join(problems)


def test_the_languages_list_the_same_figures_in_the_same_order(galleries):
    en, zh = (list(_cards(galleries[lang])) for lang in LANGS)
    assert en == zh
    # reading order: the first figure is the first one a reader meets in the lessons
    first = next(
        name for page in nav.pages() for name, used in uses("en").items() if used[0].page == page and name in en
    )
    assert en[0] == first, (en[0], first)


def test_a_figure_no_page_shows_is_named():
    shown = uses("en")
    shown.pop("masks")
    with pytest.raises(ValueError, match="figures shown on no page: masks"):
        figure_gallery.order(shown)


def test_the_gallery_pages_include_it_and_are_in_the_nav():
    for lang, page in (("en", "figures.md"), ("zh", "figures.zh.md")):
        text = (Path(pipeline.ROOT) / "docs" / page).read_text(encoding="utf-8")
        assert f'--8<-- "generated/tables/{figure_gallery.gallery_file(Path("generated"), lang).name}"' in text
    assert "figures.md" in [p.source for p in nav.pages()]
