"""sitebuild: everything that turns the ``explainer`` library into the site.

The arrow points one way: this package imports ``explainer``; ``explainer`` never imports this
package (a test enforces it). It is not part of the installed distribution: run it from the
repository (``python -m sitebuild build``), or let ``mkdocs build`` / ``mkdocs serve`` run it
through docs/hooks/pipeline.py.

- :mod:`.registry`: what a target is and how one registers (what target modules import);
- :mod:`.pipeline`: the scheduler: parallel builds, the manifest, the fingerprint; keys computed
  (:mod:`.inputs`) from each target's import closure (:mod:`.keys`), the files it read
  (:mod:`.reads`), its strings (:mod:`.strings`), parameters, dependencies and versions;
- :mod:`.models`, :mod:`.figures`, :mod:`.exports`, :mod:`.tables`: the targets by kind;
  :mod:`.comparison`: the RealNVP / NSF / flow-matching experiment behind the comparison page;
- :mod:`.media`: the Manim scenes rendered (``render``), converted (``convert``) and put into
  pages (players, the deck, the instructors' gallery);
- :mod:`.strings`: the string tables (one per figure or scene, English and Chinese side by side).
"""
