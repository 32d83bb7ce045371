"""The cheat sheet's log-det column is right: for every row, the formula (written as code next to
its LaTeX in sitebuild/tables/cheatsheet.py) equals the log-det the layer returns and the
log-determinant of the autograd Jacobian, on random inputs in float64; and the inverse undoes it."""

from __future__ import annotations

import pytest
import torch

from sitebuild.tables import cheatsheet


@pytest.mark.parametrize("row", cheatsheet.ROWS, ids=lambda r: r.name.split(",")[0])
def test_logdet_column_is_the_code(row):
    torch.manual_seed(0)
    layer, x = row.example()
    z, logabsdet = layer(x) if row.name != "Dequantize" else layer(x, torch.rand_like(x))
    formula = row.formula(layer, x)
    assert formula.shape == logabsdet.shape == (x.shape[0],)
    assert torch.allclose(formula, logabsdet, atol=1e-9), (formula, logabsdet)
    if row.name != "Dequantize":  # (its map is affine in u: J = I/K)
        for i in range(x.shape[0]):
            J = torch.autograd.functional.jacobian(lambda v: layer(v[None])[0][0], x[i])
            J = J.reshape(x[i].numel(), x[i].numel())
            assert torch.allclose(torch.linalg.slogdet(J).logabsdet, formula[i], atol=1e-8), row.name
        x_back, _ = layer.inverse(z)
        assert torch.allclose(x_back, x, atol=1e-9)


def test_every_public_transform_has_a_row():
    from explainer import transforms

    named = {n for r in cheatsheet.ROWS for n in r.name.split(", ")}
    public = {n for n in transforms.__all__ if n not in ("Transform", "Coupling", "Permutation", "MultiScale")}
    assert public <= named, sorted(public - named)


def test_both_languages_render():
    en, zh = cheatsheet.table("en"), cheatsheet.table("zh")
    assert en.count("\n|") == zh.count("\n|") == len(cheatsheet.ROWS) + 1
    assert "正向" in zh and "two triangular solves" not in zh
