r"""Flow matching: a learned velocity field :math:`v_\theta(x, t)` carries noise
(:math:`x_0 \sim \mathcal{N}(0, I)`, :math:`t = 0`) to data (:math:`x_1`, :math:`t = 1`) along
:math:`dx/dt = v_\theta(x, t)`.

Separate pieces, each in its own module: the probability path (:mod:`.path`), the network
(:mod:`.velocity`), the loss (:mod:`.loss`), the ODE solvers (:mod:`.solvers`) and the
likelihood by the instantaneous change of variables (:mod:`.likelihood`).
"""

from .likelihood import divergence, log_likelihood
from .loss import CFMObjective, cfm_loss
from .path import CondOTPath, PathSample
from .solvers import METHODS, Solution, fixed_nfe, solve
from .velocity import VelocityMLP

__all__ = [
    "CondOTPath",
    "PathSample",
    "VelocityMLP",
    "cfm_loss",
    "CFMObjective",
    "solve",
    "Solution",
    "METHODS",
    "fixed_nfe",
    "log_likelihood",
    "divergence",
]
