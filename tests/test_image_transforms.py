"""Every image transform, in float64 with randomised (non-identity) parameters, against the
mathematics: round trip, log-det vs slogdet of the autograd Jacobian of the flattened map (both
directions), the block structure of couplings and splits, and bad inputs."""

from __future__ import annotations

import math

import pytest
import torch
from transform_checks import (
    check_logabsdet,
    check_not_identity,
    check_round_trip,
    check_triangular,
    jacobian,
    randomize,
)

from explainer.images.models import MaskedCNN, glow, realnvp_image
from explainer.transforms import (
    ActNorm,
    AdditiveCoupling,
    AffineCoupling,
    Compose,
    Dequantize,
    InvConv1x1,
    Logit,
    MultiScale,
    Split,
    Squeeze,
    Unsqueeze,
)
from explainer.transforms.masks import channel_mask, checkerboard_mask


def _actnorm():
    t = ActNorm((3, 2, 3))
    g = torch.Generator().manual_seed(5)
    data = 2.0 + torch.randn(64, 3, 2, 3, generator=g) * torch.tensor([0.5, 2.0, 4.0]).view(1, 3, 1, 1)
    t.initialize(data)  # data-dependent init, then perturbed below
    return t


def _checkerboard_masked_cnn():
    mask = checkerboard_mask((2, 2, 4))
    return AffineCoupling(mask, conditioner=MaskedCNN(mask, 4, hidden=8))


def _multiscale():
    inner = Compose(
        AffineCoupling(checkerboard_mask((2, 2, 2)), hidden=8),
        Squeeze((2, 2, 2)),
        AffineCoupling(channel_mask((8, 1, 1)), hidden=8),
        Unsqueeze((8, 1, 1)),
    )
    return MultiScale(inner, (4, 2, 2))


def _model_body(builder):
    def make():
        flow = builder()
        return Compose(*flow.layers[1:])  # Logit + the whole multi-scale body (Dequantize is tested alone)

    return make


FACTORIES = {
    "squeeze": lambda: Squeeze((2, 4, 6)),
    "unsqueeze": lambda: Unsqueeze((8, 2, 3)),
    "actnorm": _actnorm,
    "invconv-plain": lambda: InvConv1x1((3, 2, 3), lu=False, seed=1),
    "invconv-lu": lambda: InvConv1x1((4, 2, 2), lu=True, seed=2),
    "logit": lambda: Logit((2, 3, 3), alpha=0.05),
    "logit-alpha0": lambda: Logit((1, 2, 2), alpha=0.0),
    "split-learned": lambda: Split((4, 2, 2), hidden=8),
    "split-standard": lambda: Split((4, 2, 2), learned=False),
    "multiscale": _multiscale,
    "coupling-checkerboard": lambda: AffineCoupling(checkerboard_mask((1, 4, 4)), hidden=8),
    "coupling-checkerboard-masked-cnn": _checkerboard_masked_cnn,
    "coupling-channel": lambda: AffineCoupling(channel_mask((4, 2, 2), flip=True), hidden=8, scale="sigmoid"),
    "coupling-additive-image": lambda: AdditiveCoupling(channel_mask((4, 2, 2)), hidden=8),
    "realnvp-image-body": _model_body(lambda: realnvp_image((1, 4, 4), scales=2, hidden=4, depth=1)),
    "glow-body": _model_body(lambda: glow((1, 4, 4), scales=2, steps=1, hidden=4, depth=1)),
}
UNIT_INTERVAL = {"logit", "logit-alpha0", "realnvp-image-body", "glow-body"}  # inputs x' in (0, 1)
IDENTITY_BY_DESIGN = {"split-standard"}  # RealNVP's plain factor-out
PERMUTATIONS = {"squeeze", "unsqueeze"}


DEEP = {"realnvp-image-body", "glow-body"}  # ~15 layers: smaller perturbations keep round-off near 1e-12


def _build(name: str, seed: int = 0):
    torch.manual_seed(seed)
    t = FACTORIES[name]().double()
    return randomize(t, scale=0.1 if name in DEEP else 0.3, seed=seed)


def _inputs(name: str, t, n: int = 2, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    shape = (n, *t.event_shape)
    if name in UNIT_INTERVAL:
        return 0.02 + 0.96 * torch.rand(shape, generator=g, dtype=torch.float64)
    return 1.5 * torch.randn(shape, generator=g, dtype=torch.float64)


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_round_trip_and_logabsdet(name):
    t = _build(name)
    x = _inputs(name, t)
    if name not in IDENTITY_BY_DESIGN | PERMUTATIONS:
        check_not_identity(t, x)
    check_round_trip(t, x, tol=1e-10)
    check_logabsdet(t, x, tol=1e-8)


@pytest.mark.parametrize(
    "name", ["coupling-checkerboard", "coupling-checkerboard-masked-cnn", "coupling-channel", "coupling-additive-image"]
)
def test_image_couplings_are_block_triangular(name):
    t = _build(name)
    check_triangular(t, _inputs(name, t))


def _channel_blocks(t, x):
    """Jacobian blocks of a map on (C, H, W) split into first / second half of the channels."""
    jac = jacobian(t, x)
    half = x[0].numel() // 2  # channel-major flattening: the first C/2 channels come first
    first, second = slice(0, half), slice(half, 2 * half)
    return jac, first, second


def test_split_block_structure():
    """Split leaves the kept half h unchanged and its z_2 depends on h (through the prior) and x_2."""
    t = _build("split-learned")
    x = _inputs("split-learned", t)
    jac, h, x2 = _channel_blocks(t, x)
    eye = torch.eye(jac.shape[1] // 2, dtype=x.dtype).expand(x.shape[0], -1, -1)
    assert torch.equal(jac[:, h, h], eye)
    assert torch.count_nonzero(jac[:, h, x2]) == 0
    assert torch.count_nonzero(jac[:, x2, h]) > 0, "the learned prior must condition z_2 on h"
    # z_2 = (x_2 - mu(h)) exp(-log sigma(h)): the x_2 block is diagonal with entries exp(-log sigma)
    block = jac[:, x2, x2]
    assert torch.count_nonzero(block - torch.diag_embed(torch.diagonal(block, dim1=1, dim2=2))) == 0


def test_split_is_the_conditional_gaussian_prior():
    r"""log N(z_2; 0, I) + logabsdet == log N(x_2; mu(h), sigma(h)^2), computed independently."""
    t = _build("split-learned")
    x = _inputs("split-learned", t)
    z, logabsdet = t(x)
    h, x_2 = x.chunk(2, dim=1)
    mean, log_std = t.mean_log_std(h)
    prior = torch.distributions.Normal(mean, log_std.exp()).log_prob(x_2).flatten(1).sum(1)
    _, z_2 = z.chunk(2, dim=1)
    standard = torch.distributions.Normal(0.0, 1.0).log_prob(z_2).flatten(1).sum(1)
    assert torch.allclose(standard + logabsdet, prior, atol=1e-10, rtol=0)


def test_multiscale_leaves_the_factored_half_alone():
    t = _build("multiscale")
    x = _inputs("multiscale", t)
    jac, kept, factored = _channel_blocks(t, x)
    eye = torch.eye(jac.shape[1] // 2, dtype=x.dtype).expand(x.shape[0], -1, -1)
    assert torch.equal(jac[:, factored, factored], eye)
    assert torch.count_nonzero(jac[:, factored, kept]) == 0
    assert torch.count_nonzero(jac[:, kept, factored]) == 0
    inner_ld = t.inner(x.chunk(2, dim=1)[0])[1]
    assert torch.equal(t(x)[1], inner_ld)


def test_squeeze_moves_each_2x2_block_into_channels():
    x = torch.arange(2 * 4 * 6, dtype=torch.float64).reshape(1, 2, 4, 6)
    z, _ = Squeeze((2, 4, 6))(x)
    for c in range(2):
        for i in range(2):
            for j in range(3):
                block = x[0, c, 2 * i : 2 * i + 2, 2 * j : 2 * j + 2].reshape(-1)
                assert torch.equal(z[0, 4 * c : 4 * c + 4, i, j], block)
    assert sorted(z.flatten().tolist()) == sorted(x.flatten().tolist())


def test_actnorm_data_dependent_init_and_checkpoint():
    g = torch.Generator().manual_seed(0)
    data = 3.0 + 5.0 * torch.randn(128, 3, 4, 4, generator=g, dtype=torch.float64)
    t = ActNorm((3, 4, 4)).double()
    z, logabsdet = t(data)  # training mode: initialises here
    assert bool(t.initialized)
    assert z.mean(dim=(0, 2, 3)).abs().max() < 1e-10
    assert (z.std(dim=(0, 2, 3)) - 1).abs().max() < 1e-6
    assert torch.allclose(logabsdet, -16 * torch.log(data.std(dim=(0, 2, 3))).sum().expand(128))
    # a second batch does not re-initialise, and a loaded state is not re-initialised either
    before = t.log_scale.detach().clone()
    t(data[:8] * 10)
    assert torch.equal(t.log_scale, before)
    fresh = ActNorm((3, 4, 4)).double()
    fresh.load_state_dict(t.state_dict())
    fresh(data[:8] * 10)
    assert torch.equal(fresh.log_scale, before)


def test_invconv_logdet_is_hw_log_det_w():
    for lu in (False, True):
        t = randomize(InvConv1x1((4, 3, 5), lu=lu, seed=3).double(), scale=0.3, seed=1)
        x = torch.randn(2, 4, 3, 5, dtype=torch.float64)
        _, logabsdet = t(x)
        expected = 15 * torch.linalg.slogdet(t.weight()).logabsdet
        assert torch.allclose(logabsdet, expected.expand(2), atol=1e-12, rtol=0)
        z_pixel = t.weight() @ x[0, :, 1, 2]
        assert torch.allclose(t(x)[0][0, :, 1, 2], z_pixel, atol=1e-12, rtol=0)


def test_logit_matches_the_formula():
    t = Logit((1, 2, 2), alpha=0.05).double()
    x = torch.tensor([[[[0.5, 0.5 / 17], [0.0, 1.0]]]], dtype=torch.float64)
    y, logabsdet = t(x)
    p = 0.05 + 0.9 * x
    assert torch.allclose(y, torch.log(p / (1 - p)))
    assert torch.allclose(logabsdet, (math.log(0.9) - torch.log(p) - torch.log(1 - p)).sum().expand(1))
    assert torch.isfinite(y).all()  # alpha > 0 keeps the ends finite


# --- Dequantize: a stochastic transform ------------------------------------------------------------


def test_dequantize_round_trip_cells_and_logabsdet():
    K = 17
    t = Dequantize((1, 4, 4), levels=K).double()
    g = torch.Generator().manual_seed(0)
    n = torch.randint(0, K, (6, 1, 4, 4), generator=g).double()
    torch.manual_seed(1)
    x, logabsdet = t(n)
    assert ((x >= n / K) & (x < (n + 1) / K)).all(), "x' must stay in its level's cell"
    assert torch.allclose(logabsdet, torch.full((6,), -16 * math.log(K), dtype=torch.float64))
    n_back, logabsdet_inv = t.inverse(x)
    assert torch.equal(n_back, n)
    assert (logabsdet + logabsdet_inv).abs().max() < 1e-12
    # the forward map for a fixed draw u is x -> (x + u)/K: compare with autograd
    u = torch.rand(n.shape, generator=g, dtype=torch.float64)
    jac = jacobian(lambda v: t(v, u=u[:1].expand_as(v)), n)
    assert torch.allclose(torch.linalg.slogdet(jac).logabsdet, logabsdet, atol=1e-10, rtol=0)
    # different calls draw different noise (the transform is stochastic), the same u is deterministic
    assert not torch.equal(t(n)[0], t(n)[0])
    assert torch.equal(t(n, u=u)[0], t(n, u=u)[0])


def test_dequantize_inverse_clamps_to_the_levels():
    t = Dequantize((1, 1, 3), levels=4)
    n, _ = t.inverse(torch.tensor([[[[-0.3, 0.999, 1.7]]]]))
    assert n.flatten().tolist() == [0.0, 3.0, 3.0]


# --- bad inputs -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: Squeeze((1, 5, 4)), "even height and width"),
        (lambda: Squeeze((1, 4, 3)), "even height and width"),
        (lambda: Squeeze((8, 8)), r"image event shape \(C, H, W\)"),
        (lambda: Unsqueeze((3, 2, 2)), "divisible by 4"),
        (lambda: Split((3, 4, 4)), "C must be even"),
        (lambda: MultiScale(Squeeze((2, 4, 4)), (4, 4, 4)), "return its input shape"),
        (lambda: MultiScale(ActNorm((4, 4, 4)), (4, 4, 4)), r"take the kept half \(2, 4, 4\)"),
        (lambda: Logit((1, 2, 2), alpha=0.5), r"alpha must be in \[0, 0.5\)"),
        (lambda: Dequantize((1, 2, 2), levels=1), "levels must be an integer >= 2"),
        (lambda: InvConv1x1((0, 2, 2)), "positive integers"),
        (lambda: realnvp_image((1, 6, 6), scales=3), "divisible by 4"),
        (lambda: glow((1, 8, 8), scales=4), "divisible by 16"),
    ],
)
def test_bad_construction(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_bad_inputs():
    with pytest.raises(ValueError, match=r"expects \(batch, 1, 4, 4\)"):
        Squeeze((1, 4, 4))(torch.zeros(2, 2, 4, 4))  # wrong channels
    with pytest.raises(ValueError, match=r"expects \(batch, 3, 2, 2\)"):
        ActNorm((3, 2, 2))(torch.zeros(2, 3, 4, 4))  # wrong size
    with pytest.raises(ValueError, match="non-finite"):
        InvConv1x1((2, 2, 2))(torch.full((1, 2, 2, 2), float("nan")))
    with pytest.raises(ValueError, match="non-finite"):
        Split((2, 2, 2)).inverse(torch.full((1, 2, 2, 2), float("inf")))
    with pytest.raises(ValueError, match=r"x' in \[0, 1\]"):
        Logit((1, 2, 2))(torch.full((1, 1, 2, 2), 1.5))
    with pytest.raises(ValueError, match=r"integer grey levels in \[0, 16\]"):
        Dequantize((1, 2, 2), levels=17)(torch.full((1, 1, 2, 2), 0.5))
    with pytest.raises(ValueError, match=r"integer grey levels in \[0, 16\]"):
        Dequantize((1, 2, 2), levels=17)(torch.full((1, 1, 2, 2), 17.0))
    with pytest.raises(ValueError, match=r"u must have the shape of x"):
        Dequantize((1, 2, 2), levels=17)(torch.zeros(1, 1, 2, 2), u=torch.ones(1, 1, 2, 2))
    with pytest.raises(TypeError, match="floating-point"):
        Squeeze((1, 2, 2))(torch.zeros(1, 1, 2, 2, dtype=torch.long))
