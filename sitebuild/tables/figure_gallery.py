"""``table:figure-gallery``: every figure of the site on one page, per language
(``docs/generated/tables/figure-gallery(.zh).md``, included by docs/figures(.zh).md).

Per figure, in reading order (where the lessons first show it): the image (its phone layout on a
phone, docs/hooks/figures.py), its alt text as the lesson gives it, downloads of its SVG and PNG
named with the figure and the language (``fm_paths.zh.svg``), the lessons and sections that show
it, and its credit line (CC BY 4.0: title, authors, source, licence; the source is the lesson on
the deployed site when ``SITE_URL`` is known). Short titles and labels are in
``strings/figure_gallery.toml``; author, source and licence words are every credit line's
(``sitebuild/media/strings/pages.toml``).
"""

from __future__ import annotations

import json
from pathlib import Path

from sitebuild import strings
from sitebuild.figures import style
from sitebuild.media.pages import UI_TABLE, site_url, size_label, ui
from sitebuild.registry import Context, target, target_modules
from sitebuild.tables._figure_uses import Use, uses

NAME = "table:figure-gallery"
STRINGS = Path(__file__).resolve().parent / "strings" / "figure_gallery.toml"
HELPERS = ("style",)  # modules of sitebuild/figures/ that draw no figure of their own
FIGURES = tuple(
    m.rsplit(".", 1)[1]
    for m in target_modules()
    if m.startswith("sitebuild.figures.") and m.rsplit(".", 1)[1] not in HELPERS
)


def gallery_file(generated: Path, lang: str) -> Path:
    """
    >>> gallery_file(Path("g"), "zh").as_posix()
    'g/tables/figure-gallery.zh.md'
    """
    return Path(generated) / "tables" / ("figure-gallery.md" if lang == "en" else f"figure-gallery.{lang}.md")


def download_name(name: str, lang: str, ext: str) -> str:
    """What a downloaded figure is saved as: figure and language in the name.

    >>> download_name("fm_paths", "en", "svg"), download_name("fm_paths", "zh", "png")
    ('fm_paths.en.svg', 'fm_paths.zh.png')
    """
    return f"{name}.{lang}.{ext}"


def _words(lang: str) -> dict[str, str]:
    return {**ui(lang), **strings.load(STRINGS)[lang]}


def order(shown: dict[str, list[Use]]) -> list[str]:
    """The figures in the order the lessons first show them; a clear error for a figure no page
    shows (its alt text, the gallery's description, comes from the lesson).

    >>> order({"masks": []})
    Traceback (most recent call last):
    ...
    ValueError: figures shown on no page: ... (a figure's alt text comes from the lesson that shows it: ...)
    """
    missing = [name for name in FIGURES if name not in shown]
    if missing:
        raise ValueError(
            f"figures shown on no page: {', '.join(missing)} (a figure's alt text comes from the lesson that "
            "shows it: ![alt](generated/figures/<name>.png))"
        )
    return [name for name in shown if name in FIGURES]


def _lesson(used: list[Use]) -> Use:
    """The lesson a figure belongs to: the first page showing it other than the home page."""
    return next((u for u in used if u.page.source != "index.md"), used[0])


def _where(use: Use, lang: str, words: dict[str, str]) -> str:
    page = use.page.titles[lang]
    return words["label.section"].format(page=page, section=use.heading) if use.heading else page


def card(name: str, lang: str, used: list[Use], figures: Path, site: str) -> str:
    """The gallery's section for figure ``name`` in ``lang`` (Markdown; paths relative to docs/).
    ``figures`` is the folder of the built figures, ``site`` the site's address or ``""``."""
    words = _words(lang)
    title = words.get(f"title.{name}")
    if title is None:
        raise KeyError(f'figure {name!r} has no gallery title: add ["title.{name}"] to {STRINGS}')
    png, svg = figures / style.filename(name, lang), figures / style.filename(name, lang, "svg")
    for path in (png, svg):
        if not path.exists():
            raise FileNotFoundError(f"{path} is missing: the figure target {name!r} writes it")
    record = json.loads(style.sidecar(png).read_text(encoding="utf-8"))
    lesson = _lesson(used)
    shown = " · ".join(f"[{_where(u, lang, words)}]({u.page.source}{'#' + u.anchor if u.anchor else ''})" for u in used)
    source = words["credit.source"].format(url=site + lesson.page.url(lang)) if site else ""
    credit = words["credit.line"].format(
        title=title, author=words["credit.author"], source=source, licence=words["credit.licence"]
    )
    svg_label = words["label.svg"].format(size=size_label(svg.stat().st_size))
    png_label = words["label.png"].format(
        width=record["width_px"], height=record["height_px"], size=size_label(png.stat().st_size)
    )
    rel = "generated/figures/"
    return (
        f"## {title} {{ #{name} }}\n\n"
        f"![{lesson.alt}]({rel}{style.filename(name, 'en')})\n\n"
        f"**{words['label.description']}** {lesson.alt}\n\n"
        f"**{words['label.download']}** "
        f'[{svg_label}]({rel}{svg.name}){{ download="{download_name(name, lang, "svg")}" }} · '
        f'[{png_label}]({rel}{png.name}){{ download="{download_name(name, lang, "png")}" }}\n\n'
        f"**{words['label.shown_in']}** {shown}\n\n"
        f"**{words['label.credit']}** {credit}\n"
    )


@target(NAME, "table", depends=FIGURES, params=lambda: {"site": site_url()}, strings=(STRINGS, UI_TABLE))
def _gallery(ctx: Context) -> dict[str, list[Path]]:
    """The gallery in each language; the figures' order is the English pages' (the same in both)."""
    names = order(uses("en"))
    out = {}
    for lang in ctx.langs:
        shown = uses(lang)
        missing = [name for name in names if name not in shown]
        if missing:
            raise ValueError(f"figures shown on no {lang} page: {', '.join(missing)} (the {lang} twin lacks them)")
        path = gallery_file(ctx.generated, lang)
        path.parent.mkdir(parents=True, exist_ok=True)
        cards = [card(name, lang, shown[name], ctx.generated / "figures", ctx.params["site"]) for name in names]
        path.write_text("\n".join(cards), encoding="utf-8")
        out[lang] = [path]
    return out
