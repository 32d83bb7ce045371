"""The search helpers of docs/hooks/ (no site build): formulas as text in the index, sections
without an anchor folded into their page, and pages pointed at the site's search worker."""

from __future__ import annotations

import doctest
import importlib.util
import re
import sys
from pathlib import Path

import pytest

HOOKS = Path(__file__).resolve().parent.parent / "docs" / "hooks"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, HOOKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


search_text = _load("search_text")
search_worker = _load("search_worker")


@pytest.mark.parametrize("module", [search_text, search_worker], ids=lambda m: m.__name__)
def test_doctests(module):
    result = doctest.testmod(module)
    assert result.attempted and not result.failed


@pytest.mark.parametrize(
    "html,expected",
    [
        (r"the log-det \(\log|\det J|\) of", "the log-det log|det J| of"),
        (r"\[ z_B = x_B \odot \exp\big(s(x_A)\big) + t(x_A) \]", "z_B = x_B ⊙ exp(s(x_A)) + t(x_A)"),
        (r"\(x &lt; y\) and \(a &amp; b\)", "x &lt; y and a b"),  # escaped HTML stays escaped
        (r"\(\mathcal{N}(0, I)\), \(\theta^{(i)}\)", "N(0, I), θ^(i)"),
        (r"\(\frac{d x_t}{dt} = v_\theta(x_t, t)\)", "(d x_t)/(dt) = v_θ(x_t, t)"),
        (r"\(\sqrt{2\pi}\) \(\tilde{x}\)", "√(2π) x̃"),
        (r"\(\operatorname{tr}\big(\partial v / \partial x\big)\)", "tr(∂ v / ∂ x)"),
        (r"\[\begin{aligned} a &= b \\ c &= d \end{aligned}\]", "a = b ; c = d"),
        ("a notebook's $v_\\theta(x, t)$ in prose", "a notebook's v_θ(x, t) in prose"),
        (r"<code>\(x\)</code> <pre>ylabel='$x_1$'</pre>", r"<code>\(x\)</code> <pre>ylabel='$x_1$'</pre>"),
        ("costs $5 and $6", "costs $5 and $6"),
    ],
)
def test_formulas_become_text(html, expected):
    assert search_text.readable(html) == expected


def test_no_tex_left_in_readable_text():
    out = search_text.readable(r"\(\lVert x \rVert_2^2 \le \tfrac{1}{2}\,\mathbb{E}[\ell] \quad \forall x\)")
    assert not re.search(r"\\[A-Za-z]", out), out


def test_sections_without_anchor_join_their_page():
    entries = [
        {"location": "nb/", "title": "Notebook", "text": "intro"},
        {"location": "nb/#a", "title": "A¶", "text": "kept"},
        {"location": "nb/", "title": "数据\u200b¶", "text": "folded"},
    ]
    out = search_text.readable_entries(entries, "nb/")
    assert [e["location"] for e in out] == ["nb/", "nb/#a"]
    assert out[0]["text"] == "intro 数据 folded" and out[1]["title"] == "A"


def test_worker_rewrite_fails_loudly_when_the_theme_changes():
    with pytest.raises(Exception, match="names 0 theme search workers"):
        search_worker.use_site_worker('{"search": "assets/javascripts/workers/search.js"}', "index.md")
