"""The digits experiment: bits/dim accounting checked on models whose density is known exactly,
the baseline, sampling / interpolation / reconstruction / the trace through the scales, and a
training smoke test."""

from __future__ import annotations

import math

import pytest
import torch

from explainer.flow import Flow
from explainer.images.evaluate import (
    CategoricalBaseline,
    bits_per_dim,
    encode,
    interpolate,
    log_prob_with_noise,
    reconstruction_error,
    samples,
    scale_map,
    trace_scales,
)
from explainer.images.models import glow, realnvp_image
from explainer.images.training import digits_data, train_digits
from explainer.transforms import Dequantize, Logit
from explainer.transforms.base import Transform
from sitebuild.tables.digits import table

K = 17
SHAPE = (1, 8, 8)
D = 64


def _log_std_normal(z: torch.Tensor) -> torch.Tensor:
    return -0.5 * z.pow(2) - 0.5 * math.log(2 * math.pi)


class LogisticToNormal(Transform):
    r"""Test-only: :math:`z = \Phi^{-1}(\sigma(y))`, elementwise. After ``Logit(alpha=0)`` the
    composition is :math:`z = \Phi^{-1}(x')`, so the model density of :math:`x'` is exactly uniform."""

    def __init__(self, shape):
        super().__init__()
        self.event_shape = shape

    def _forward(self, y):
        z = torch.special.ndtri(torch.sigmoid(y))
        ld = torch.nn.functional.logsigmoid(y) + torch.nn.functional.logsigmoid(-y) - _log_std_normal(z)
        return z, ld.flatten(1).sum(1)

    def _inverse(self, z):
        u = torch.special.ndtr(z)
        y = torch.log(u) - torch.log1p(-u)
        ld = _log_std_normal(z) - torch.log(u) - torch.log1p(-u)
        return y, ld.flatten(1).sum(1)


class HistogramToNormal(Transform):
    r"""Test-only: per pixel, the CDF of the *dequantized categorical* density
    :math:`q_i(x') = K P_i(\lfloor K x' \rfloor)` (piecewise linear), then :math:`\Phi^{-1}`:
    :math:`z_i = \Phi^{-1}(F_i(x'_i))`, :math:`\log|\det J| = \sum_i \log(K P_i(k_i)) - \log\phi(z_i)`.
    The flow's density of x' is then that histogram, so its Jensen gap is zero."""

    def __init__(self, shape, probs: torch.Tensor):
        super().__init__()
        self.event_shape = shape
        self.register_buffer("probs", probs)  # (D, K)
        self.register_buffer(
            "cdf", torch.cat([torch.zeros(probs.shape[0], 1, dtype=probs.dtype), probs.cumsum(1)], dim=1)
        )  # (D, K + 1)

    def _forward(self, x):
        flat = x.flatten(1)
        k = torch.floor(flat * K).clamp(0, K - 1).long()
        p = torch.gather(self.probs.expand(flat.shape[0], -1, -1), 2, k[..., None])[..., 0]
        below = torch.gather(self.cdf.expand(flat.shape[0], -1, -1), 2, k[..., None])[..., 0]
        u = below + p * (flat * K - k)  # F_i(x'), in (0, 1)
        z = torch.special.ndtri(u)
        ld = torch.log(K * p) - _log_std_normal(z)
        return z.reshape(x.shape), ld.sum(1)

    def _inverse(self, z):  # pragma: no cover - the bpd test only needs the forward map
        raise NotImplementedError


def test_bits_per_dim_of_a_uniform_model_is_log2_k_exactly():
    """Dequantize -> Logit(alpha=0) -> Phi^{-1}(sigmoid): q(x') = 1 on [0,1)^D, so
    bpd = (0 + D ln K)/(D ln 2) = log2 K for any images and any noise."""
    flow = Flow([Dequantize(SHAPE, K), Logit(SHAPE, alpha=0.0), LogisticToNormal(SHAPE)], SHAPE).double()
    flow.dummy = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    _, test = digits_data(0)
    value = bits_per_dim(flow, test.double(), draws=2, seed=3)
    assert abs(value - math.log2(K)) < 1e-9
    # its log_prob on x' is 0 per image, checked against autograd for one image
    x = (test[:1].double() + 0.5) / K

    def rest(v):  # x' -> y -> z with the summed log-det
        y, ld_logit = flow.layers[1](v)
        z, ld_normal = flow.layers[2](y)
        return z, ld_logit + ld_normal

    z, ld = rest(x)
    jac = torch.autograd.functional.jacobian(lambda v: rest(v.reshape(1, *SHAPE))[0].flatten(), x.flatten())
    assert abs(torch.linalg.slogdet(jac).logabsdet.item() - ld.item()) < 1e-8
    assert abs((_log_std_normal(z).sum() + ld).item()) < 1e-9


def test_flow_of_the_dequantized_categorical_gives_the_categorical_bpd():
    """A flow whose density of x' is the baseline's histogram: no Jensen gap, so the flow's bpd
    (with the D log K term) equals the categorical model's bpd exactly, for every noise draw."""
    train, test = digits_data(0)
    base = CategoricalBaseline(train, K)
    flow = Flow([Dequantize(SHAPE, K), HistogramToNormal(SHAPE, base.probs)], SHAPE).double()
    flow.dummy = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    assert abs(bits_per_dim(flow, test.double(), draws=3, seed=1) - base.bits_per_dim(test)) < 1e-9


def test_baseline_bpd_on_its_training_data_is_the_per_pixel_entropy():
    train, test = digits_data(0)
    empirical = CategoricalBaseline(train, K, pseudo_count=0.0)
    assert abs(empirical.bits_per_dim(train) - empirical.entropy_bits()) < 1e-12
    smoothed = CategoricalBaseline(train, K)
    assert torch.allclose(smoothed.probs.sum(1), torch.ones(D, dtype=torch.float64))
    assert (smoothed.probs > 0).all()
    assert smoothed.bits_per_dim(test) < math.log2(K)  # it learned something about the pixels
    with pytest.raises(ValueError, match=r"grey levels must be integers in \[0, 16\]"):
        CategoricalBaseline(train + 1, K)


def test_bits_per_dim_needs_dequantize_first():
    flow = Flow([Logit(SHAPE)], SHAPE)
    flow.dummy = torch.nn.Parameter(torch.zeros(1))
    with pytest.raises(ValueError, match="first transform is Dequantize"):
        bits_per_dim(flow, torch.zeros(2, *SHAPE))


def test_log_prob_is_the_dequantization_bound():
    """flow.log_prob(n) = log q(x') - D log K for the drawn u: rebuild it from the parts."""
    torch.manual_seed(0)
    flow = glow(steps=1, hidden=8)
    for p in flow.parameters():
        p.data.add_(0.05 * torch.randn_like(p))
    _, test = digits_data(0)
    n = test[:4]
    u = torch.rand(n.shape)
    x_prime = (n + u) / K
    y, ld_logit = flow.layers[1](x_prime)
    z, ld_body = y, 0
    for t in flow.layers[2:]:
        z, ld = t(z)
        ld_body = ld_body + ld
    log_q = _log_std_normal(z).flatten(1).sum(1) + ld_body + ld_logit
    assert torch.allclose(log_prob_with_noise(flow, n, u), log_q - D * math.log(K), atol=1e-3, rtol=0)


@pytest.fixture(scope="module")
def small_flows():
    torch.manual_seed(0)
    flows = {"realnvp": realnvp_image(hidden=8), "glow": glow(steps=1, hidden=8)}
    for flow in flows.values():
        for p in flow.parameters():
            p.data.add_(0.05 * torch.randn_like(p))
        flow.eval()
    return flows


@pytest.mark.parametrize("name", ["realnvp", "glow"])
def test_samples_interpolation_and_reconstruction(small_flows, name):
    flow = small_flows[name]
    _, test = digits_data(0)
    drawn = samples(flow, 5, temperatures=(0.5, 1.0), seed=0)
    for images in drawn.values():
        assert images.shape == (5, *SHAPE)
        assert torch.equal(images, images.round()) and images.min() >= 0 and images.max() <= K - 1
    path = interpolate(flow, test[0], test[1], steps=6)
    assert path.shape == (6, *SHAPE)
    assert torch.equal(path[0], test[0]) and torch.equal(path[-1], test[1])  # the ends are the digits
    r = reconstruction_error(flow, test[:32])
    assert r["max_abs_error"] < 1e-4 and r["levels_recovered"] == 1.0


@pytest.mark.parametrize("name", ["realnvp", "glow"])
def test_trace_through_the_scales(small_flows, name):
    flow = small_flows[name]
    _, test = digits_data(0)
    t = trace_scales(flow, test[0])
    z, _ = encode(flow, test[:1])
    assert torch.allclose(t["latent"], z[0], atol=1e-5)
    assert [tuple(f.shape) for f in t["factored"]] == [(2, 4, 4)]  # 32 of the 64 dimensions finish at scale 1
    m = scale_map(flow)
    assert sorted(set(m.flatten().tolist())) == [1, 2] and (m == 1).sum() == 32
    # the factored-out variables sit in the latent where the scale map says scale 1
    assert torch.equal(t["latent"][m == 1].sort().values, t["factored"][0].flatten().sort().values)


def test_training_decreases_the_loss_and_the_table_reports_it():
    metas, kwargs = {}, {}
    for builder, small in (("realnvp-image", {"hidden": 8}), ("glow", {"steps": 1, "hidden": 8})):
        torch.set_num_threads(1)
        _, kw, meta = train_digits(
            builder, 0, model_kwargs=small, fit_kwargs={"steps": 40, "batch_size": 32}, eval_every=40
        )
        losses = meta["train_bpd_steps"]
        assert sum(losses[-10:]) / 10 < sum(losses[:10]) / 10, f"{builder}: the loss did not decrease"
        assert meta["test_bpd_curve"][-1][1] < meta["test_bpd_curve"][0][1]
        metas[builder], kwargs[builder] = [meta], kw
    text = table(metas, kwargs, "en")
    assert f"{metas['glow'][0]['test_bpd']:.3f}" in text and f"{metas['glow'][0]['baseline_bpd']:.3f}" in text
    assert "Budget `quick`: 40 Adam steps" in text
    zh = table(metas, kwargs, "zh")
    assert "每维比特数" in zh and f"{metas['realnvp-image'][0]['test_bpd']:.3f}" in zh


def test_cli_pairs_digits_with_the_image_models(capsys):
    from explainer.cli import main

    assert main(["train", "--model", "affine", "--data", "digits"]) == 2
    assert "--data digits goes with the image models" in capsys.readouterr().err
    assert main(["train", "--model", "glow", "--data", "moons"]) == 2
    assert "['realnvp-image', 'glow']" in capsys.readouterr().err
