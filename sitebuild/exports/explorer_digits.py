r"""``export:explorer-digits``: ``docs/generated/explorer/digits.js``, a few of scikit-learn's 8×8
digits for the masks explorer (docs/assets/explorer/widgets/masks.js).

A classic script, not JSON: the site must work from ``file://``, where ``fetch`` is blocked, so
the file assigns ``window.explorerData.digits = {levels, images, source}`` with ``images`` a list
of 8×8 grey-level arrays (integers 0..16). The first image is the one the masks animation follows
(``export:masks``: training image 0 of the seed-0 split).
"""

from __future__ import annotations

import json
from pathlib import Path

from explainer import datasets
from sitebuild.registry import target

DIGITS = {"seed": 0, "count": 6}  # the first `count` training images of datasets.digits(seed)


def digits_script(seed: int = 0, count: int = 6) -> str:
    """The text of ``digits.js``: the first ``count`` training digits of ``datasets.digits(seed)``.

    >>> text = digits_script(count=2)
    >>> text.startswith("window.explorerData = window.explorerData || {};")
    True
    >>> data = json.loads(text.split("window.explorerData.digits = ", 1)[1].rstrip(";\\n"))
    >>> len(data["images"]), len(data["images"][0]), len(data["images"][0][0]), data["levels"]
    (2, 8, 8, 17)
    """
    train, _ = datasets.digits(seed=seed)
    images = train[:count, 0].tolist()  # (count, 8, 8) integers 0..16
    data = {
        "levels": 17,
        "source": f"scikit-learn load_digits, explainer.datasets.digits(seed={seed}) training images 0..{count - 1}",
        "images": images,
    }
    return (
        "window.explorerData = window.explorerData || {};\n"
        f"window.explorerData.digits = {json.dumps(data, separators=(',', ':'))};\n"
    )


@target("export:explorer-digits", "export", params=DIGITS)
def _export_digits(ctx) -> list[Path]:
    path = ctx.path("explorer", "digits.js")
    path.write_text(digits_script(**DIGITS), encoding="utf-8")
    return [path]
