"""Flows on images: the multi-scale RealNVP and Glow on scikit-learn's 8×8 digits.

- :mod:`explainer.images.models`: ``realnvp_image(...)`` and ``glow(...)`` builders;
- :mod:`explainer.images.evaluate`: bits per dimension (exact accounting), the per-pixel
  categorical baseline, samples, interpolation, reconstruction, the trace through the scales;
- :mod:`explainer.images.training`: training with the budgets the site uses, and the CLI.

(The site's digits models, table and export are targets of ``sitebuild``.)
"""
