"""Bad input gets an error that names the problem and the expected value."""

from __future__ import annotations

import math

import pytest
import torch

from explainer import datasets
from explainer.flow import Flow
from explainer.models import coupling_flow
from explainer.train import fit
from explainer.transforms import (
    AffineCoupling,
    Compose,
    InvertibleLinear,
    Permutation,
    ReversePermutation,
    SplineCoupling,
)
from explainer.transforms.masks import alternating_mask, channel_mask, checkerboard_mask
from explainer.transforms.splines import rational_quadratic_spline


def test_wrong_event_shape_names_expected_shape():
    layer = AffineCoupling(alternating_mask(2))
    with pytest.raises(ValueError, match=r"shape \(4, 3\) but this transform expects \(batch, 2\)"):
        layer(torch.zeros(4, 3))
    with pytest.raises(ValueError, match=r"expects \(batch, 2\)"):
        layer.inverse(torch.zeros(2))


def test_non_finite_inputs_are_rejected():
    layer = AffineCoupling(alternating_mask(2))
    with pytest.raises(ValueError, match="non-finite"):
        layer(torch.tensor([[0.0, math.nan]]))
    with pytest.raises(ValueError, match="non-finite"):
        Flow([layer], 2).log_prob(torch.tensor([[math.inf, 0.0]]))


def test_non_tensor_and_integer_inputs():
    layer = AffineCoupling(alternating_mask(2))
    with pytest.raises(TypeError, match="torch.Tensor"):
        layer([[0.0, 1.0]])
    with pytest.raises(TypeError, match="floating-point"):
        layer(torch.zeros(1, 2, dtype=torch.long))


def test_mask_errors():
    with pytest.raises(TypeError, match="dtype torch.bool"):
        AffineCoupling(torch.tensor([1.0, 0.0]))
    with pytest.raises(ValueError, match="at least one pass-through"):
        AffineCoupling(torch.ones(4, dtype=torch.bool))
    with pytest.raises(ValueError, match=r"event shape: \(d,\) for vectors or \(C, H, W\)"):
        AffineCoupling(torch.ones(2, 2, dtype=torch.bool).tril())
    with pytest.raises(ValueError, match="must be even; got 5"):
        channel_mask(5)
    with pytest.raises(ValueError, match="needs an image event shape"):
        checkerboard_mask(4)
    with pytest.raises(ValueError, match="at least 2 entries"):
        alternating_mask(1)


def test_composition_with_mismatched_shapes():
    with pytest.raises(ValueError, match=r"transform 1 \(ReversePermutation\) expects event shape \(3,\)"):
        Compose(AffineCoupling(alternating_mask(2)), ReversePermutation(3))
    with pytest.raises(ValueError, match=r"event shape \(2,\) but the flow's event_shape is \(3,\)"):
        Flow([AffineCoupling(alternating_mask(2))], 3)
    with pytest.raises(TypeError, match="not an explainer Transform"):
        Compose(torch.nn.Linear(2, 2))


def test_spline_parameters_out_of_range():
    with pytest.raises(ValueError, match="bins must be an integer >= 2, got 1"):
        SplineCoupling(alternating_mask(2), bins=1)
    with pytest.raises(ValueError, match="bound T must be positive"):
        SplineCoupling(alternating_mask(2), bound=0.0)
    with pytest.raises(ValueError, match=r"min_bin_width \* bins must lie in \[0, 1\)"):
        SplineCoupling(alternating_mask(2), bins=8, min_bin_width=0.2)
    with pytest.raises(ValueError, match="min_derivative must be positive"):
        SplineCoupling(alternating_mask(2), min_derivative=0.0)
    with pytest.raises(ValueError, match="K widths, K heights and K-1 interior derivatives; got 4, 4 and 4"):
        rational_quadratic_spline(torch.zeros(3), torch.zeros(3, 4), torch.zeros(3, 4), torch.zeros(3, 4))


def test_other_parameter_errors():
    with pytest.raises(ValueError, match="unknown scale parametrisation 'huge'"):
        AffineCoupling(alternating_mask(2), scale="huge")
    with pytest.raises(ValueError, match="permutation of 0..2"):
        Permutation(torch.tensor([0, 0, 1]))
    with pytest.raises(ValueError, match="event_size must be an integer >= 2"):
        InvertibleLinear(1)
    with pytest.raises(ValueError, match="unknown activation 'sigmoidish'"):
        AffineCoupling(alternating_mask(2), act="sigmoidish")
    with pytest.raises(ValueError, match="unknown coupling kind"):
        coupling_flow("planar")


def test_dataset_errors():
    with pytest.raises(ValueError, match="unknown dataset 'swissroll'; choose one of"):
        datasets.sample("swissroll", 10)
    with pytest.raises(ValueError, match="unknown dataset"):
        datasets.entropy("mnist")
    with pytest.raises(ValueError, match=r"expected \(n, 2\)"):
        datasets.log_prob("moons", torch.zeros(3, 3))
    with pytest.raises(ValueError, match="positive integer"):
        datasets.sample("moons", 0)


def test_training_errors():
    flow = coupling_flow(layers=1, hidden=4)
    with pytest.raises(ValueError, match="unknown schedule"):
        fit(flow, torch.zeros(4, 2), schedule="linear-warmup", progress=False)
    with pytest.raises(ValueError, match="non-finite"):
        fit(flow, torch.tensor([[0.0, math.nan]]), steps=1, progress=False)
    with (
        pytest.raises(ValueError, match="CUDA is not available")
        if not torch.cuda.is_available()
        else pytest.raises(AssertionError)
    ):
        fit(flow, torch.zeros(4, 2), steps=1, device="cuda", progress=False)


def test_cli_reports_errors_without_traceback(capsys):
    from explainer.cli import main

    with pytest.raises(SystemExit):
        main(["train", "--data", "spirals"])
    assert "invalid choice: 'spirals'" in capsys.readouterr().err
