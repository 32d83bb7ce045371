r"""Flow matching: a learned velocity field :math:`v_\theta(x, t)` carries noise
(:math:`x_0 \sim \mathcal{N}(0, I)`, :math:`t = 0`) to data (:math:`x_1`, :math:`t = 1`) along
:math:`dx/dt = v_\theta(x, t)`.

Separate pieces, each in its own module: the linear probability path (:mod:`.path`) and the
family of affine Gaussian paths :math:`x_t = \alpha_t x_1 + \sigma_t x_0` with their schedulers
(:mod:`.affine`, :mod:`.schedulers`: conditional OT, cosine, variance preserving, polynomial; the
velocity, noise and score conversions), the network (:mod:`.velocity`), the loss (:mod:`.loss`),
the couplings of training pairs (:mod:`.couplings`: independent, minibatch OT) and the objectives
that use them (:mod:`.objectives`), rectified flow's reflow (:mod:`.rectified`), the ODE solvers
(:mod:`.solvers`), the straightness of a flow (:mod:`.straightness`), and the likelihood by the
instantaneous change of variables (:mod:`.likelihood`, :mod:`.jacobian`).

Example (the public names are importable from the package):
    >>> from explainer.matching import AffinePath, VPScheduler, minibatch_ot, straightness
    >>> AffinePath(VPScheduler()).scheduler.name
    'vp'
"""

from .affine import AffinePath
from .couplings import COUPLINGS, coupling, independent, minibatch_ot, ot_permutation
from .jacobian import divergence_vmap
from .likelihood import divergence, log_likelihood
from .loss import CFMObjective, cfm_loss
from .objectives import CoupledCFMObjective, PairedCFMObjective, pack_pairs
from .path import CondOTPath, PathSample
from .rectified import reflow, reflow_pairs
from .schedulers import (
    SCHEDULERS,
    CondOTScheduler,
    CosineScheduler,
    PolynomialScheduler,
    Scheduler,
    VPScheduler,
)
from .solvers import METHODS, Solution, fixed_nfe, solve
from .straightness import straightness, trajectory_straightness
from .velocity import VelocityMLP

__all__ = [
    # paths and schedulers
    "CondOTPath",
    "PathSample",
    "AffinePath",
    "Scheduler",
    "CondOTScheduler",
    "CosineScheduler",
    "VPScheduler",
    "PolynomialScheduler",
    "SCHEDULERS",
    # the network and the losses
    "VelocityMLP",
    "cfm_loss",
    "CFMObjective",
    "CoupledCFMObjective",
    "PairedCFMObjective",
    "pack_pairs",
    # couplings of training pairs
    "independent",
    "minibatch_ot",
    "ot_permutation",
    "coupling",
    "COUPLINGS",
    # rectified flow
    "reflow",
    "reflow_pairs",
    # sampling and its cost
    "solve",
    "Solution",
    "METHODS",
    "fixed_nfe",
    "straightness",
    "trajectory_straightness",
    # likelihood
    "log_likelihood",
    "divergence",
    "divergence_vmap",
]
