"""The targets that gather every scene's preview render, per language:

- ``animation:players``: the standalone player of each scene,
  ``<generated>/animations/<scene>/<lang>/preview/player.html`` (it offers every language's
  captions, so it waits for every scene's renders);
- ``animation:deck``: the offline lecture deck, ``<generated>/animations/deck/<lang>/index.html``,
  a zip with the deck, its videos and players (``lecture-deck-<lang>.zip``), and the instructors'
  page's links to them, ``<generated>/tables/deck-downloads(.zh).md``;
- ``table:animation-gallery``: the instructors' gallery, ``<generated>/tables/gallery(.zh).md``.

All are keyed per language by ``strings/pages.toml`` and every scene's table (the titles), and
read the templates they fill (recorded by the pipeline); the players, the gallery and the deck's
credits read the site's address (``SITE_URL``) when they are built. Their import closure does not
reach the render code (:mod:`sitebuild.media.targets`).
"""

from __future__ import annotations

from pathlib import Path

from sitebuild.media import pages
from sitebuild.media.layout import deck_dir, deck_downloads_file, gallery_file, media_dir
from sitebuild.media.names import DECK, GALLERY, PLAYERS, previews
from sitebuild.media.player import player_page
from sitebuild.media.scenes import SCENES
from sitebuild.registry import Context, target


@target(PLAYERS, "animation", depends=previews(), params=lambda: {"site": pages.site_url()}, strings=pages.tables())
def _players(ctx: Context) -> dict[str, list[Path]]:
    out = {}
    for lang in ctx.langs:
        out[lang] = []
        for scene in SCENES:
            path = media_dir(ctx.generated, scene, lang, "preview") / "player.html"
            record = pages.steps_record(ctx.generated, scene, lang)
            path.write_text(player_page(scene, lang, record, ctx.params["site"]), encoding="utf-8")
            out[lang].append(path)
    return out


@target(DECK, "animation", depends=(*previews(), PLAYERS), params=lambda: {"site": pages.site_url()},
        strings=pages.tables())  # fmt: skip
def _deck(ctx: Context) -> dict[str, list[Path]]:
    out = {}
    for lang in ctx.langs:
        page = deck_dir(ctx.generated) / lang / "index.html"
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(pages.deck_page(lang, pages.deck_scenes(ctx.generated, lang, "../../")), encoding="utf-8")
        archive = deck_dir(ctx.generated) / f"{pages.zip_folder(lang)}.zip"
        pages.deck_zip(archive, page, ctx.generated, lang, ctx.params["site"])
        links = deck_downloads_file(ctx.generated, lang)
        links.parent.mkdir(parents=True, exist_ok=True)
        links.write_text(pages.deck_downloads(lang, archive), encoding="utf-8")
        out[lang] = [page, archive, links]
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
