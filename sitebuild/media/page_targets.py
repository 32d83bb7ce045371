"""The targets that gather every scene's preview render, per language:

- ``animation:deck``: the offline lecture deck, ``<generated>/animations/deck/<lang>/index.html``,
  and a zip with the deck and its videos (``lecture-deck-<lang>.zip``);
- ``table:animation-gallery``: the instructors' gallery, ``<generated>/tables/gallery(.zh).md``.

Both are keyed per language by ``strings/pages.toml`` and every scene's table (the titles), and
read the templates they fill (recorded by the pipeline). Their import closure does not reach the
render code (:mod:`sitebuild.media.targets`).
"""

from __future__ import annotations

from pathlib import Path

from sitebuild.media import pages
from sitebuild.media.layout import deck_dir, gallery_file
from sitebuild.media.names import DECK, GALLERY, previews
from sitebuild.registry import Context, target


@target(DECK, "animation", depends=previews(), strings=pages.tables())
def _deck(ctx: Context) -> dict[str, list[Path]]:
    out = {}
    for lang in ctx.langs:
        page = deck_dir(ctx.generated) / lang / "index.html"
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(pages.deck_page(lang, pages.deck_scenes(ctx.generated, lang, "../../")), encoding="utf-8")
        archive = pages.deck_zip(deck_dir(ctx.generated) / f"lecture-deck-{lang}.zip", page, ctx.generated, lang)
        out[lang] = [page, archive]
    return out


@target(GALLERY, "table", depends=previews(), params=lambda: {"site": pages.site_base()}, strings=pages.tables())
def _gallery(ctx: Context) -> dict[str, list[Path]]:
    """The gallery lists the HD media that exist; they are not its dependencies (a build would
    render them), so ``python -m sitebuild animations --quality hd`` rewrites it afterwards."""
    out = {}
    for lang in ctx.langs:
        path = gallery_file(ctx.generated, lang)
        path.parent.mkdir(parents=True, exist_ok=True)
        base = pages.GALLERY_BASE[lang]
        path.write_text(pages.gallery_markdown(ctx.generated, lang, base, ctx.params["site"]), encoding="utf-8")
        out[lang] = [path]
    return out
