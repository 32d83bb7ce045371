"""Site figures: one module per figure, each registering a pipeline target.

Every figure module defines ``compute(...)`` (the data it shows) and ``make(lang, out_dir, data)
-> Path`` (doctested), and registers a target that computes its data once, from its dependencies'
outputs, and draws it in each language (``{lang: [paths]}``). Labels come from the TOML tables
``strings/<figure>.toml`` and ``strings/common.toml``, through :func:`sitebuild.figures._common.labels`.

This file imports nothing: the pipeline finds the figure modules on disk, and a figure's key (its
import closure) must not pull in its siblings.
"""
