"""Energy distance and sliced Wasserstein against independent computations."""

from __future__ import annotations

import pytest
import torch
from scipy import stats

from explainer.metrics import _mean_distance, energy_distance, sliced_wasserstein


def draw(n, d=2, seed=0, shift=0.0):
    return torch.randn(n, d, generator=torch.Generator().manual_seed(seed), dtype=torch.float64) + shift


def test_energy_distance_matches_scipy_in_1d():
    x, y = draw(300, 1, 0), draw(200, 1, 1, shift=0.4) * 1.5
    # scipy's energy_distance is the square root of the (V-statistic) energy distance
    expected = stats.energy_distance(x[:, 0].numpy(), y[:, 0].numpy()) ** 2
    assert energy_distance(x, y) == pytest.approx(expected, rel=1e-10)


def test_energy_distance_matches_the_all_pairs_definition_and_chunking():
    x, y = draw(150, 3, 0), draw(170, 3, 1, shift=0.2)
    pair = lambda a, b: (a[:, None, :] - b[None, :, :]).norm(dim=2).mean().item()  # noqa: E731
    expected = 2 * pair(x, y) - pair(x, x) - pair(y, y)
    assert energy_distance(x, y) == pytest.approx(expected, rel=1e-9)  # cdist's matmul form
    assert _mean_distance(x, y, chunk=7) == pytest.approx(pair(x, y), rel=1e-9)
    assert energy_distance(x, y) == pytest.approx(energy_distance(y, x), rel=1e-12)


def test_energy_distance_floor_shrinks_like_one_over_n_and_separates_distributions():
    floors = [energy_distance(draw(n, seed=1), draw(n, seed=2)) for n in (250, 1000, 4000)]
    assert floors[0] > floors[1] > floors[2] > 0
    assert energy_distance(draw(1000, seed=1), draw(1000, seed=2, shift=0.3)) > 5 * floors[1]


def test_sliced_wasserstein_in_1d_is_the_wasserstein_distance():
    x, y = draw(500, 1, 0), draw(500, 1, 1, shift=0.7) * 0.5
    w1 = stats.wasserstein_distance(x[:, 0].numpy(), y[:, 0].numpy())
    assert sliced_wasserstein(x, y, projections=3, p=1) == pytest.approx(w1, rel=1e-10)


def test_sliced_wasserstein_is_invariant_to_rotation_of_both_clouds_on_average():
    x, y = draw(2000, 2, 0), draw(2000, 2, 1, shift=1.0)
    base = sliced_wasserstein(x, y, projections=512)
    angle = torch.tensor(0.7, dtype=torch.float64)
    r = torch.stack([torch.stack([angle.cos(), -angle.sin()]), torch.stack([angle.sin(), angle.cos()])])
    assert sliced_wasserstein(x @ r.T, y @ r.T, projections=512) == pytest.approx(base, rel=0.05)
    assert sliced_wasserstein(x, x.clone()) == 0.0


@pytest.mark.parametrize("fn", [energy_distance, sliced_wasserstein])
def test_bad_inputs(fn):
    with pytest.raises(ValueError, match=r"expected \(n, d\)"):
        fn(torch.zeros(5), torch.zeros(5, 1))
    with pytest.raises(ValueError, match="same dimension"):
        fn(torch.zeros(5, 2), torch.zeros(5, 3))
    with pytest.raises(ValueError, match="non-finite"):
        fn(torch.full((5, 2), float("nan")), torch.zeros(5, 2))
    with pytest.raises(TypeError, match="torch.Tensor"):
        fn([[0.0, 1.0]], torch.zeros(5, 2))


def test_sliced_wasserstein_bad_arguments():
    x = torch.zeros(4, 2)
    with pytest.raises(ValueError, match="projections must be a positive integer"):
        sliced_wasserstein(x, x, projections=0)
    with pytest.raises(ValueError, match="p must be 1 or 2"):
        sliced_wasserstein(x, x, p=3)


# --- straightness: closed forms -------------------------------------------------------------------


def test_straightness_is_zero_for_straight_lines_at_constant_speed():
    from explainer.metrics import straightness

    x_0 = draw(200, 3, seed=4)
    shift = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64)
    assert straightness(lambda x, t: shift.expand_as(x), x_0) < 1e-20
    # and one Euler step is then exact, whatever the solver S was measured with
    assert straightness(lambda x, t: shift.expand_as(x), x_0, "euler", 1) < 1e-20


@pytest.mark.parametrize("steps", [10, 100])
def test_straightness_of_a_straight_path_at_varying_speed(steps):
    """v = 2t a: every point moves by a along a line, at speed 2t|a|; S = |a|^2 / 3, and the
    trapezoid rule over steps of h adds exactly 2|a|^2 h^2 / 3 (RK4 is exact for x_t = x_0 + t^2 a)."""
    from explainer.metrics import straightness

    a = torch.tensor([3.0, -1.0], dtype=torch.float64)
    h, sq = 1 / steps, a.pow(2).sum().item()
    S = straightness(lambda x, t: 2 * t * a.expand_as(x), draw(50, 2, seed=2), steps=steps)
    assert S == pytest.approx(sq / 3 + 2 * sq * h**2 / 3, rel=1e-10)


def test_straightness_of_a_rotation():
    """v = w J x turns every point by w radians; the chord is shorter than the arc and
    S = E|x_0|^2 (w^2 - 4 sin^2(w/2)), from |v| = w |x_0| and |x_1 - x_0| = 2 |x_0| sin(w/2)."""
    import math

    from explainer.metrics import straightness

    w = 1.3
    J = torch.tensor([[0.0, -w], [w, 0.0]], dtype=torch.float64)
    x_0 = draw(400, 2, seed=7)
    exact = x_0.pow(2).sum(1).mean().item() * (w**2 - 4 * math.sin(w / 2) ** 2)
    coarse, fine = (abs(straightness(lambda x, t: x @ J.T, x_0, steps=n) - exact) for n in (100, 200))
    assert fine < 1e-4 * exact
    assert 3.5 < coarse / fine < 4.5  # the trapezoid rule's error falls as h^2: the limit is the closed form


def test_straightness_bad_input_is_a_clear_error():
    from explainer.metrics import straightness

    with pytest.raises(TypeError, match="x_0 must be a torch.Tensor"):
        straightness(lambda x, t: x, [[0.0, 0.0]])
    with pytest.raises(ValueError, match=r"expected noise points of shape \(n, d\)"):
        straightness(lambda x, t: x, torch.zeros(2, 3, 4))
