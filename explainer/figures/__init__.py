"""Site figures: one module per figure, each registering a pipeline target.

Every figure module defines ``make(lang, out_dir) -> Path`` (doctested) and registers a target
that calls it for each language; labels come from :mod:`explainer.figures.strings`.
"""

import importlib
import pkgutil

for _info in pkgutil.iter_modules(__path__):
    if not _info.name.startswith("_") and _info.name not in ("strings", "style"):
        importlib.import_module(f"{__name__}.{_info.name}")
