r"""Evaluating image flows: bits per dimension, the per-pixel categorical baseline, samples,
latent interpolation, reconstruction, and the trace of one image through the scales.

**Bits per dimension, exactly.** The flows of :mod:`explainer.images.models` begin with
:class:`~explainer.transforms.Dequantize`, so for integer images :math:`n` (``D`` pixels, ``K``
levels) and one noise draw :math:`u`, ``flow.log_prob(n)`` is

.. math:: \log\mathcal{N}(z; 0, I) + \log|\det J_{\text{flow}}(y)| + \log|\det J_{\text{logit}}(x')|
          - D\log K \;=\; -\mathrm{NLL}_{\text{cont}}(x') - D\log K ,

and by the dequantization bound (Jensen, see :class:`~explainer.transforms.Dequantize`)
:math:`-\log P(n) \le \mathbb{E}_u[\mathrm{NLL}_{\text{cont}}(x')] + D\log K`. Dividing by
:math:`D\ln 2` converts nats per image to bits per pixel:

.. math:: \text{bpd} = \frac{\mathbb{E}_u[\mathrm{NLL}_{\text{cont}}(x')] + D\ln K}{D\ln 2}
          = \frac{\mathbb{E}_u[\mathrm{NLL}_{\text{cont}}(x')]}{D\ln 2} + \log_2 K .

:func:`bits_per_dim` averages the test images and ``draws`` independent noise draws (an unbiased
estimate of the bound). :func:`bpd_from_continuous_nll` is the formula itself.
"""

from __future__ import annotations

import math

import torch

from ..flow import Flow, standard_normal_log_prob
from ..transforms import Dequantize, MultiScale, Split
from ..transforms.base import Compose

LN2 = math.log(2.0)


def bpd_from_continuous_nll(nll_cont: float | torch.Tensor, dims: int, levels: int):
    r""":math:`(\mathrm{NLL}_{\text{cont}} + D\ln K)/(D\ln 2)`: bits per dimension of a discrete image
    from the continuous NLL (nats) of its dequantized :math:`x' \in [0,1)^D`.

    >>> math.isclose(bpd_from_continuous_nll(0.0, 64, 17), math.log2(17), rel_tol=1e-15)   # uniform on [0,1)^D
    True
    >>> bpd_from_continuous_nll(-64 * math.log(17), 64, 17)        # all mass in one cell of each pixel
    0.0
    """
    return (nll_cont + dims * math.log(levels)) / (dims * LN2)


def dequantizer(flow: Flow) -> Dequantize:
    """The flow's first transform, which must be a :class:`Dequantize` (else the bpd would miss
    the :math:`D\\log K` term: a clear error)."""
    first = flow.layers[0]
    if not isinstance(first, Dequantize):
        raise ValueError(
            "bits per dimension of discrete images needs a flow whose first transform is "
            f"Dequantize (it adds the -D log K term); this flow starts with {type(first).__name__}"
        )
    return first


@torch.no_grad()
def bits_per_dim(flow: Flow, images: torch.Tensor, draws: int = 1, seed: int = 0, batch_size: int = 1024) -> float:
    r"""Test bits per dimension of integer ``images`` ``(n, C, H, W)``:
    :math:`\frac{1}{n\,R}\sum_{i,r} -\log p(n_i;\ u_{ir}) / (D\ln 2)` over ``draws`` = R noise draws
    (seeded), i.e. the estimate of the dequantization bound (module docstring).

    >>> from explainer.images.models import realnvp_image
    >>> flow = realnvp_image(hidden=8)                     # new: Logit then the identity
    >>> b = bits_per_dim(flow, torch.randint(0, 17, (10, 1, 8, 8)).float())
    >>> b > math.log2(17)                                  # a Gaussian on logit space is not uniform
    True
    """
    deq = dequantizer(flow)
    if not isinstance(draws, int) or draws < 1:
        raise ValueError(f"draws must be a positive integer, got {draws!r}")
    ref = next(flow.parameters())
    device, dtype = ref.device, ref.dtype
    dims = math.prod(deq.event_shape)
    g = torch.Generator().manual_seed(seed)
    total = 0.0
    for _ in range(draws):
        for chunk in images.to(dtype).split(batch_size):
            u = torch.rand(chunk.shape, generator=g, dtype=chunk.dtype)
            total += -log_prob_with_noise(flow, chunk.to(device), u.to(device)).sum().item()
    value = total / (draws * images.shape[0] * dims * LN2)
    if not math.isfinite(value):
        raise FloatingPointError("bits per dimension is not finite")
    return value


def log_prob_with_noise(flow: Flow, images: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
    r"""``flow.log_prob(images)`` with the dequantization noise :math:`u` given (not drawn)."""
    z, logabsdet = encode(flow, images, u)
    return standard_normal_log_prob(z) + logabsdet


def encode(flow: Flow, images: torch.Tensor, u: torch.Tensor | None = None):
    r"""Integer images → latent :math:`z` and the total log-det, with noise ``u`` (default
    :math:`u = 1/2`, the centre of each cell: a deterministic encoding)."""
    deq = dequantizer(flow)
    u = torch.full_like(images, 0.5) if u is None else u
    h, logabsdet = deq(images, u=u)
    for t in flow.layers[1:]:
        h, ld = t._forward(h)
        logabsdet = logabsdet + ld
    return h, logabsdet


@torch.no_grad()
def reconstruction_error(flow: Flow, images: torch.Tensor, seed: int = 0) -> dict:
    r"""Invert the flow on ``images``: the largest :math:`|x' - f^{-1}(f(x'))|` over the continuous
    part (logit + flow, in the flow's dtype) and the fraction of grey levels recovered exactly
    after the floor.

    >>> from explainer.images.models import glow
    >>> r = reconstruction_error(glow(steps=1, hidden=8), torch.randint(0, 17, (4, 1, 8, 8)).float())
    >>> r["max_abs_error"] < 1e-5, r["levels_recovered"]
    (True, 1.0)
    """
    deq = dequantizer(flow)
    device = next(flow.parameters()).device
    images = images.float().to(device)
    g = torch.Generator().manual_seed(seed)
    u = torch.rand(images.shape, generator=g).to(device)
    x_prime, _ = deq(images, u=u)
    rest = Compose(*flow.layers[1:])
    z, _ = rest._forward(x_prime)
    back, _ = rest._inverse(z)
    levels, _ = deq.inverse(back)
    return {
        "max_abs_error": (back - x_prime).abs().max().item(),
        "levels_recovered": (levels == images).float().mean().item(),
    }


@torch.no_grad()
def samples(flow: Flow, n: int, temperatures=(0.5, 0.7, 0.85, 1.0), seed: int = 0) -> dict[float, torch.Tensor]:
    """``n`` integer-image samples at each temperature, from the *same* noise (seeded), so a
    column shows one latent draw at every temperature."""
    return {float(t): flow.sample(n, seed=seed, temperature=float(t)).cpu() for t in temperatures}


@torch.no_grad()
def interpolate(flow: Flow, a: torch.Tensor, b: torch.Tensor, steps: int = 8) -> torch.Tensor:
    r"""Decode the straight line :math:`z_t = (1 - t)\,z_a + t\,z_b` between the latents of two
    integer images (encoded at the cell centres, :math:`u = 1/2`); ``(steps, C, H, W)`` integer
    images. The ends decode to ``a`` and ``b`` exactly (the flow is invertible, the floor
    recovers the levels)."""
    if steps < 2:
        raise ValueError(f"an interpolation needs at least 2 steps, got {steps}")
    device = next(flow.parameters()).device
    z, _ = encode(flow, torch.stack([a, b]).float().to(device))
    t = torch.linspace(0, 1, steps, device=device).view(-1, 1, 1, 1)
    path = (1 - t) * z[:1] + t * z[1:]
    return flow.inverse(path)[0].cpu()


@torch.no_grad()
def trace_scales(flow: Flow, image: torch.Tensor, u: torch.Tensor | None = None) -> dict:
    r"""One integer image ``(C, H, W)`` through every layer of a multi-scale flow.

    Returns ``stages``: a list of ``(name, scale, tensor)`` where ``tensor`` is the working
    tensor (the part still being transformed at that scale) after that layer; ``factored``: the
    :math:`z_\ell` finished by each :class:`Split` (after its prior's normalisation); ``latent``
    (the flow's output), ``logabsdet`` and ``log_prob``.

    >>> from explainer.images.models import glow
    >>> flow = glow(steps=1, hidden=8)
    >>> t = trace_scales(flow, torch.randint(0, 17, (1, 8, 8)).float())
    >>> [s[0] for s in t["stages"]][:4], [tuple(z.shape) for z in t["factored"]]
    (['input', 'Dequantize', 'Logit', 'Squeeze'], [(2, 4, 4)])
    >>> image = t["stages"][0][2][None]
    >>> abs(t["log_prob"] - log_prob_with_noise(flow, image, torch.full_like(image, 0.5)).item()) < 1e-4
    True
    """
    deq = dequantizer(flow)
    x = image.float()[None].to(next(flow.parameters()).device)
    u = torch.full_like(x, 0.5) if u is None else u.reshape(x.shape).to(x.device)
    stages = [("input", 0, x[0].cpu())]
    factored: list[torch.Tensor] = []
    h, logabsdet = deq(x, u=u)
    stages.append(("Dequantize", 0, h[0].cpu()))

    def run(transform, h, scale):
        total = h.new_zeros(1)
        for t in transform.transforms if isinstance(transform, Compose) else [transform]:
            if isinstance(t, MultiScale):
                kept, z_2 = h.chunk(2, dim=1)
                kept, ld = run(t.inner, kept, scale + 1)
                h = torch.cat([kept, z_2], dim=1)
            else:
                h, ld = t._forward(h)
                name = type(t).__name__
                if isinstance(t, Split):
                    factored.append(h.chunk(2, dim=1)[1][0].cpu())
                elif hasattr(t, "mask"):
                    kind = "checkerboard" if bool((t.mask[0] != t.mask[0, 0, 0]).any()) else "channel"
                    name = f"{name}({kind})"
                stages.append((name, scale, h[0].cpu()))
            total = total + ld
        return h, total

    rest = Compose(*flow.layers[1:])
    z, ld = run(rest, h, 0)
    logabsdet = logabsdet + ld
    return {
        "stages": stages,
        "factored": factored,
        "latent": z[0].cpu(),
        "logabsdet": logabsdet.item(),
        "log_prob": (standard_normal_log_prob(z) + logabsdet).item(),
    }


@torch.no_grad()
def scale_map(flow: Flow) -> torch.Tensor:
    r"""Which scale finishes each latent entry: an integer tensor of the latent shape, 1 for the
    variables factored out by the first :class:`Split`, 2 for the second, ..., and the number of
    scales for what the last scale outputs. Computed by pushing labels through the flow's
    structure (Squeeze / Unsqueeze / Split / MultiScale only: the other layers keep positions).

    >>> from explainer.images.models import realnvp_image
    >>> m = scale_map(realnvp_image(hidden=8))
    >>> m.shape, (m == 1).sum().item(), (m == 2).sum().item()      # 32 pixels finished at each scale
    (torch.Size([1, 8, 8]), 32, 32)
    """
    deq = dequantizer(flow)

    def run(transform, h, scale):
        for t in transform.transforms if isinstance(transform, Compose) else [transform]:
            if isinstance(t, MultiScale):
                kept, z_2 = h.chunk(2, dim=1)
                h = torch.cat([run(t.inner, kept, scale + 1), z_2], dim=1)
            elif isinstance(t, Split):
                kept, z_2 = h.chunk(2, dim=1)
                h = torch.cat([kept, torch.full_like(z_2, scale + 1)], dim=1)
            elif tuple(t.out_shape) != tuple(t.event_shape):  # a reshape (Squeeze / Unsqueeze)
                h = t._forward(h)[0]
        return h

    label = run(Compose(*flow.layers[1:]), torch.zeros(1, *deq.event_shape, dtype=torch.float64), 0)
    deepest = int(label.max().item()) + 1
    return torch.where(label == 0, torch.full_like(label, deepest), label)[0].long()


class CategoricalBaseline:
    r"""The independent per-pixel categorical model: :math:`P(n) = \prod_i P_i(n_i)`, with
    :math:`P_i(k) = (c_{ik} + a)/(N + aK)` from the training counts :math:`c_{ik}` and the
    Krichevsky–Trofimov pseudo-count :math:`a = 1/2` (a fixed, standard choice, not tuned), and

    .. math:: \text{bpd}(n) = \frac1D \sum_{i=1}^{D} -\log_2 P_i(n_i).

    On its own training data with ``pseudo_count=0`` its bpd is exactly the average per-pixel
    empirical entropy :math:`\frac1D\sum_i H(P_i)` in bits.

    >>> train = torch.tensor([[[[0.0, 1.0]]], [[[0.0, 1.0]]], [[[2.0, 1.0]]], [[[0.0, 1.0]]]])   # 4 images, 1x1x2
    >>> base = CategoricalBaseline(train, levels=3, pseudo_count=0.0)
    >>> round(base.bits_per_dim(train), 6), round(base.entropy_bits(), 6)   # pixel 1 is constant: (H(3/4,1/4) + 0)/2
    (0.405639, 0.405639)
    """

    def __init__(self, train: torch.Tensor, levels: int, pseudo_count: float = 0.5):
        if pseudo_count < 0:
            raise ValueError(f"pseudo_count must be >= 0, got {pseudo_count}")
        n = train.reshape(train.shape[0], -1).long()
        if n.min() < 0 or n.max() >= levels:
            raise ValueError(f"grey levels must be integers in [0, {levels - 1}], got [{n.min()}, {n.max()}]")
        counts = torch.zeros(n.shape[1], levels, dtype=torch.float64)
        counts.scatter_add_(1, n.T.contiguous(), torch.ones(n.shape[1], n.shape[0], dtype=torch.float64))
        self.levels, self.pseudo_count = levels, pseudo_count
        self.probs = (counts + pseudo_count) / (n.shape[0] + pseudo_count * levels)  # (D, K)

    def log2_prob(self, images: torch.Tensor) -> torch.Tensor:
        """:math:`\\log_2 P(n)` per image, shape ``(n,)``."""
        n = images.reshape(images.shape[0], -1).long()
        return torch.log2(self.probs.gather(1, n.T)).sum(0)

    def bits_per_dim(self, images: torch.Tensor) -> float:
        return (-self.log2_prob(images).mean() / self.probs.shape[0]).item()

    def entropy_bits(self) -> float:
        """:math:`\\frac1D\\sum_i H(P_i)` in bits (zero-probability levels contribute 0)."""
        p = self.probs
        terms = torch.where(p > 0, -p * torch.log2(p.clamp_min(1e-300)), torch.zeros_like(p))
        return (terms.sum() / p.shape[0]).item()
