"""One notation on every page, notebook, table and figure label (issue 15 §5).

The data distribution is :math:`p_{\\text{data}}`, the model's density :math:`p_\\theta`; flow
matching's data are :math:`x_1 \\sim p_{\\text{data}}` (Lipman et al. write :math:`q`; we do not).
A lone :math:`p` or :math:`q` may appear only where a statement holds for *any* two densities (the
glossary's definition of KL, the proof of Gibbs' inequality) or means something else (a VAE's
encoder :math:`q(z \\mid x)`, a method's order :math:`p`).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# (pattern, what it means when found)
FORBIDDEN = [
    (re.compile(r"H\(p\)"), "the entropy of the data is H(p_data)"),
    (re.compile(r"\\sim q(?![A-Za-z_]|\(z)"), "data are drawn from p_data, not q"),
    (re.compile(r"(?<![A-Za-z\\])q\(x_1\)"), "flow matching's data density is p_data(x_1)"),
    (re.compile(r"\\log q(?![A-Za-z_]|\(z)"), "the model's log-density is log p_theta"),
    (re.compile(r"KL\(p‖q\)|\\mathrm\{KL\}\(p\\,\\\|\\,q\)"), "write KL(p_data ‖ p_theta)"),
    (re.compile(r"\\mathcal\{E\}\(q"), "the energy distance compares p_theta with p_data"),
    (re.compile(r"(?<![A-Za-z\\])P_q(?![A-Za-z])"), "the discrete model induced by p_theta is P_theta"),
]


def sources() -> list[Path]:
    files = sorted((ROOT / "docs").glob("*.md")) + sorted((ROOT / "docs" / "notebooks").glob("*.ipynb"))
    for folder in ("sitebuild", "explainer", "animations"):
        files += sorted((ROOT / folder).rglob("*.toml")) + sorted((ROOT / folder).rglob("*.py"))
    return files


def text_of(path: Path) -> str:
    if path.suffix == ".ipynb":
        return "\n".join("".join(cell["source"]) for cell in json.loads(path.read_text())["cells"])
    return path.read_text(encoding="utf-8")


def test_no_page_notebook_or_label_writes_p_and_q_for_data_and_model() -> None:
    found = []
    for path in sources():
        for number, line in enumerate(text_of(path).splitlines(), 1):
            for pattern, meaning in FORBIDDEN:
                if pattern.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {meaning}: {line.strip()[:90]}")
    assert not found, "\n".join(found)


def test_the_check_catches_the_old_notation() -> None:
    old = r"\mathbb{E}_{x\sim p}\big[-\log q(x)\big] = H(p) + \mathrm{KL}(p\,\|\,q), \; x_1 \sim q"
    hits = {meaning for pattern, meaning in FORBIDDEN if pattern.search(old)}
    assert len(hits) == 4, hits


@pytest.mark.parametrize("page", ["index.md", "index.zh.md"])
def test_the_notation_table_defines_the_data_and_model_densities(page: str) -> None:
    rows = [line for line in (ROOT / "docs" / page).read_text().splitlines() if line.startswith("| $")]
    symbols = {row.split("|")[1].strip() for row in rows}
    assert {r"$p_{\text{data}}$", r"$p_\theta$", "$p_Z$", "$p_t$"} <= symbols, symbols
