"""MkDocs hook: pages use the site's search worker (docs/assets/js/search-worker.js).

The theme names its search worker in each page's ``__config`` script, the place Material for
MkDocs documents for a custom search implementation: ``"search": "<base>/assets/javascripts/
workers/search.<hash>.min.js"``. This hook points that entry at the site's worker and passes the
theme's file as ``?material=search.<hash>.min.js``: the site's worker loads it unchanged and
only changes how a query is read and how results are ordered (see that file). A page whose
``__config`` names no search worker stops the build: the theme changed, and search would
silently fall back to its own reading of Chinese queries.
"""

from __future__ import annotations

import re

from mkdocs.exceptions import PluginError

THEME_WORKER = re.compile(r'("search": ")([^"]*?)assets/javascripts/workers/(search\.[0-9a-f]+\.min\.js)"')
SITE_WORKER = "assets/js/search-worker.js"


def use_site_worker(html: str, where: str) -> str:
    """``html`` with its ``__config`` naming the site's worker instead of the theme's.

    >>> use_site_worker('{"search": "../assets/javascripts/workers/search.a7633da7.min.js"}', "x")
    '{"search": "../assets/js/search-worker.js?material=search.a7633da7.min.js"}'
    """
    html, n = THEME_WORKER.subn(lambda m: f'{m[1]}{m[2]}{SITE_WORKER}?material={m[3]}"', html)
    if n != 1:
        raise PluginError(
            f"search_worker hook: {where} names {n} theme search workers in its __config, expected 1 "
            f'("search": ".../assets/javascripts/workers/search.<hash>.min.js")'
        )
    return html


def on_post_page(output, page, config, **kwargs):
    return use_site_worker(output, page.file.src_uri)


def on_post_template(output_content, template_name, config, **kwargs):
    return use_site_worker(output_content, template_name) if template_name == "404.html" else output_content
