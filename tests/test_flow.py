"""Flow: log_prob against the change-of-variables formula, sampling, intermediates, training."""

from __future__ import annotations

import math

import torch
from transform_checks import jacobian, randomize

from explainer import datasets
from explainer.flow import standard_normal_log_prob
from explainer.models import nice, nsf, realnvp
from explainer.train import evaluate_nll, fit
from explainer.worked import coupling_example, linear_example


def test_log_prob_is_change_of_variables_with_autograd_jacobian():
    torch.manual_seed(0)
    flow = randomize(nsf(layers=3, hidden=16, bound=3.0).double(), scale=0.3)
    x = torch.randn(6, 2, dtype=torch.float64)
    jac = jacobian(flow.transform, x)
    z = flow(x)[0]
    expected = torch.distributions.Normal(0.0, 1.0).log_prob(z).sum(1) + torch.linalg.slogdet(jac).logabsdet
    assert torch.allclose(flow.log_prob(x), expected, atol=1e-10)


def test_intermediates_are_every_layer_output_and_match_the_result():
    torch.manual_seed(0)
    flow = randomize(realnvp(layers=4, hidden=8).double())
    x = torch.randn(5, 2, dtype=torch.float64)
    z, logabsdet, steps = flow(x, return_intermediates=True)
    assert len(steps) == 5 and torch.equal(steps[0], x) and torch.equal(steps[-1], z)
    h = x
    for layer, out in zip(flow.layers, steps[1:]):
        h = layer(h)[0]
        assert torch.equal(h, out)
    x_back, _, back = flow.inverse(z, return_intermediates=True)
    assert torch.allclose(x_back, x, atol=1e-12) and torch.allclose(back[-1], x, atol=1e-12)
    assert torch.allclose(back[2], steps[2], atol=1e-12)


def test_sample_is_seeded_and_inverse_of_forward():
    torch.manual_seed(0)
    flow = randomize(realnvp(layers=2, hidden=8))
    a, b = flow.sample(100, seed=3), flow.sample(100, seed=3)
    assert torch.equal(a, b) and not torch.equal(a, flow.sample(100, seed=4))
    z = torch.randn(100, 2, generator=torch.Generator().manual_seed(3))
    assert torch.allclose(flow(a)[0], z, atol=1e-5)


def test_standard_normal_log_prob_matches_torch_distributions():
    z = torch.randn(7, 3, 2, 2)
    expected = torch.distributions.Normal(0.0, 1.0).log_prob(z).sum((1, 2, 3))
    assert torch.allclose(standard_normal_log_prob(z), expected, atol=1e-5)


def test_worked_numbers_from_note_002():
    lin, cpl = linear_example(), coupling_example()
    assert round(lin.log_px, 4) == -2.4373 and round(cpl.log_px, 4) == -2.4138
    assert round(lin.logabsdet, 4) == 1.0818 and round(lin.log_pz, 4) == -3.5191
    assert round(cpl.z[1], 4) == -1.1840 and round(cpl.log_pz, 4) == -2.6638
    # independent check with torch.distributions
    normal = torch.distributions.MultivariateNormal(torch.zeros(2), torch.eye(2))
    assert math.isclose(normal.log_prob(torch.tensor(lin.z)).item() + math.log(2.95), lin.log_px, abs_tol=1e-5)


def test_nice_is_volume_preserving_after_training():
    flow = nice(layers=4, hidden=16)
    fit(flow, datasets.sample("moons", 2048), steps=30, batch_size=128, progress=False)
    assert flow(torch.randn(10, 2))[1].abs().max() == 0


def test_trained_flows_invert_to_float32_precision():
    """After training, the float32 round trip on 20k points stays within 1e-5 (peers: 1e-6 to 1.6e-4)."""
    train = datasets.sample("moons", 20_000, seed=0)
    test = datasets.sample("moons", 20_000, seed=1)
    for build in (realnvp, nsf):
        flow = build(layers=8, hidden=64)
        history = fit(flow, train, steps=300, batch_size=256, lr=2e-3, progress=False, seed=1)
        assert history.loss[-1] < history.loss[0] - 0.3  # it learned something: not the identity
        with torch.no_grad():
            x_back, _ = flow.inverse(flow(test)[0])
        error = (x_back - test).abs().max().item()
        assert error <= 1e-5, f"{build.__name__}: float32 inversion error {error:.2e} > 1e-5"
        assert evaluate_nll(flow, test) < datasets.entropy("moons") + 0.5


def test_training_is_deterministic_for_a_seed():
    """Same seed, same data: bit-identical weights and losses (the pipeline relies on it)."""
    data = datasets.sample("moons", 2_000, seed=0)

    def train(seed):
        torch.manual_seed(seed)  # the initial weights
        flow = realnvp(layers=2, hidden=16)
        history = fit(flow, data, steps=30, batch_size=128, lr=1e-3, progress=False, seed=seed)
        return flow.state_dict(), list(history.loss)

    (w1, l1), (w2, l2), (w3, _) = train(0), train(0), train(1)
    assert l1 == l2 and all(torch.equal(w1[k], w2[k]) for k in w1)
    assert not all(torch.equal(w1[k], w3[k]) for k in w1)
