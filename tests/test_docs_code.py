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
