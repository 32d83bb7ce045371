"""Every ``python`` code block on the English pages runs, top to bottom, as a reader would paste it.

Blocks of one page share a namespace (a later block may use an earlier one's names). The Chinese
twins hold the same code (comments aside), which tests/test_docs.py checks, so running the English
blocks covers both languages. A block that is deliberately not runnable is fenced as ``text``.
"""

from __future__ import annotations

import contextlib
import io
import textwrap
from pathlib import Path

import matplotlib
import pytest
from test_docs import DOCS, split_fences, strip_front_matter

matplotlib.use("Agg")

PAGES = sorted(p for p in DOCS.glob("*.md") if not p.name.endswith(".zh.md"))


def python_blocks(page: Path) -> list[str]:
    _, blocks = split_fences(strip_front_matter(page.read_text(encoding="utf-8")))
    return [textwrap.dedent(code) for lang, code in blocks if lang in ("python", "py", "python3")]


PAGES_WITH_CODE = [p for p in PAGES if python_blocks(p)]


def test_pages_have_code():
    assert len(PAGES_WITH_CODE) >= 6, [p.name for p in PAGES_WITH_CODE]


@pytest.mark.parametrize("page", PAGES_WITH_CODE, ids=lambda p: p.name)
def test_code_blocks_run(page: Path):
    import matplotlib.pyplot as plt
    import torch

    namespace: dict = {"__name__": "__docs__"}
    torch.manual_seed(0)
    for i, code in enumerate(python_blocks(page)):
        try:
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                exec(compile(code, f"{page.name}[block {i}]", "exec"), namespace)
        except Exception as exc:  # noqa: BLE001 - reported with the block that raised it
            pytest.fail(f"{page.name}, python block {i} raised {type(exc).__name__}: {exc}\n\n{code}")
        finally:
            plt.close("all")


def _block_namespace(page: str, marker: str) -> dict:
    """Run the one python block of ``page`` that contains ``marker``; return its namespace."""
    (code,) = [c for c in python_blocks(DOCS / page) if marker in c]
    namespace: dict = {"__name__": "__docs__"}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(code, f"{page}[{marker}]", "exec"), namespace)
    return namespace


def test_realnvp_written_from_scratch_is_the_package_realnvp():
    """The coupling page's from-scratch RealNVP, given the package's weights (random ones, so that
    every weight matters), gives the package's log-density, inverse and samples."""
    import torch

    from explainer import datasets, models

    RealNVP = _block_namespace("coupling-layers.md", "class RealNVP(")["RealNVP"]
    torch.manual_seed(0)
    package = models.realnvp(layers=8, hidden=64)
    for p in package.parameters():
        p.data.normal_(0.0, 0.05)
    ours = RealNVP(layers=8, hidden=64)
    for mine, theirs in zip(ours.layers, package.layers):
        mine.net.load_state_dict(theirs.conditioner.state_dict())
    x = datasets.sample("moons", 2_000, seed=3)
    with torch.no_grad():
        assert (ours.log_prob(x) - package.log_prob(x)).abs().max() < 1e-5
        z, _ = package(x)
        x_back = z
        for layer in reversed(ours.layers):
            x_back = layer.inverse(x_back)
        assert (x_back - package.inverse(z)[0]).abs().max() < 1e-5
        torch.manual_seed(1)
        a = ours.sample(500)
        torch.manual_seed(1)
        b = package.sample(500)
    assert (a - b).abs().max() < 1e-5


def test_flow_matching_written_from_scratch_is_the_package_sampler():
    """The flow-matching page's from-scratch loop trains a field; loaded into the package's
    VelocityMLP, the package's Euler solver gives the page's samples for the same noise."""
    import torch

    from explainer.matching import VelocityMLP, solve

    torch.manual_seed(0)
    page = _block_namespace("flow-matching.md", "def euler(")
    package = VelocityMLP(2, hidden=128, depth=3)
    package.net.load_state_dict(page["v"].state_dict())
    x_0 = torch.randn(1_000, 2)
    for steps in (10, 100):
        assert (page["euler"](x_0, steps) - solve(package, x_0, "euler", steps)).abs().max() < 1e-5
    assert page["samples"].shape == (2000, 2)
