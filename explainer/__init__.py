"""explainer: coupling-layer normalizing flows and flow matching, small and tested.

Convention everywhere: ``forward`` maps data to latent (x -> z) and returns
``(output, logabsdet)`` with ``logabsdet`` of shape ``(batch,)``.
"""

__version__ = "0.1.0"
