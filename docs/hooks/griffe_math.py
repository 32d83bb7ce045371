r"""Griffe extension (used by mkdocstrings on the API page): the package's reST-flavoured docstrings
as Markdown.

- Math: ``:math:`x``` and ``.. math::`` blocks become ``$x$`` and ``$$ ... $$`` for
  pymdownx.arithmatex (MathJax typesets them like the rest of the site). Both forms of the
  directive: the body on the lines below (``.. math::`` alone, then an indented block) and the
  body starting on the directive's own line (``.. math:: z_B = ...``, continued by lines indented
  deeper than the ``..``). Inside ``\text{...}`` an escaped underscore ``\_`` (LaTeX needs it)
  becomes ``_``: MathJax shows text-mode content literally, backslash included.
- Roles: ``:class:`~a.b.C``` and friends become inline code (``C``).
- Doctests: a bare ``>>>`` block (outside a Google ``Examples:`` section) would be a Markdown
  block quote, and its output (``[True, False]``) a reference link; it becomes a ``pycon`` fence.

The docstring text is rewritten when griffe loads it; nothing in explainer/ changes.
"""

from __future__ import annotations

import re
import textwrap

from griffe import Extension

_ROLE = re.compile(r":math:`([^`]+)`")
_XREF = re.compile(r":(?:py:)?(?:class|func|meth|mod|attr|obj|exc|data|const):`~?([^`]+)`")
_DOCTEST = re.compile(r"^(?P<indent>[ \t]*)>>> .*\n(?:(?P=indent)\S.*\n)*", re.M)
_FENCE = re.compile(r"^[ \t]*(```|~~~)", re.M)
# the body: text on the directive's line (optional), then blank lines and lines indented deeper
_BLOCK = re.compile(
    r"^(?P<indent>[ \t]*)\.\. math::(?:[ \t]+(?P<first>\S.*))?[ \t]*\n"
    r"(?P<body>(?:(?P=indent)[ \t]+\S.*\n|[ \t]*\n)*)",
    re.M,
)
_TEXT = re.compile(r"\\text\{([^{}]*)\}")


def rst_math_to_markdown(text: str) -> str:
    r"""Convert reST math roles and directives to arithmatex delimiters.

    >>> rst_math_to_markdown("map :math:`z = f(x)` here")
    'map $z = f(x)$ here'
    >>> print(rst_math_to_markdown("A\n\n.. math::\n\n    a = b\n\nB\n"))
    A
    <BLANKLINE>
    $$
    a = b
    $$
    <BLANKLINE>
    B
    <BLANKLINE>
    >>> print(rst_math_to_markdown("A\n\n.. math:: z_B = x_B + t,\n          y = 1.\n\nB"))
    A
    <BLANKLINE>
    $$
    z_B = x_B + t,
    y = 1.
    $$
    <BLANKLINE>
    B
    >>> rst_math_to_markdown(r":math:`-\text{log\_prob}(n)`")
    '$-\\text{log_prob}(n)$'
    """

    def block(m: re.Match) -> str:
        body = textwrap.dedent(m.group("body")).strip("\n")
        if m.group("first"):
            body = m.group("first") + ("\n" + body if body else "")
        indent = m.group("indent")
        inner = "\n".join(indent + line if line.strip() else "" for line in body.splitlines())
        return f"{indent}$$\n{inner}\n{indent}$$\n\n"

    added = not text.endswith("\n")
    text = _BLOCK.sub(block, text + "\n" if added else text)
    text = _ROLE.sub(lambda m: f"${m.group(1)}$", text)
    text = _TEXT.sub(lambda m: "\\text{" + m.group(1).replace("\\_", "_") + "}", text)
    return text[:-1] if added and text.endswith("\n") else text


def fence_doctests(text: str) -> str:
    r"""Wrap bare doctest blocks in ``pycon`` fences (blocks already inside a fence are kept).

    >>> fence_doctests("Text.\n\n    >>> 1 + 1\n    2\n\nMore.").splitlines()
    ['Text.', '', '    ```pycon', '    >>> 1 + 1', '    2', '    ```', '', 'More.']
    """
    if _FENCE.search(text):
        return text  # already Markdown-fenced: leave the author's layout alone
    added = not text.endswith("\n")
    text = text + "\n" if added else text

    def fence(m: re.Match) -> str:
        indent = m.group("indent")
        return f"{indent}```pycon\n{m.group(0)}{indent}```\n"

    text = _DOCTEST.sub(fence, text)
    return text[:-1] if added and text.endswith("\n") else text


def xref_to_code(text: str) -> str:
    """Sphinx cross-reference roles -> inline code (``~`` keeps the last component).

    >>> xref_to_code("a :class:`~explainer.flow.Flow` and :func:`fit`")
    'a `Flow` and `fit`'
    """

    def code(m: re.Match) -> str:
        whole = m.group(0)
        target = m.group(1)
        return f"`{target.rsplit('.', 1)[-1] if ':`~' in whole else target}`"

    return _XREF.sub(code, text)


def to_markdown(text: str) -> str:
    """All conversions: math first (doctest lines hold no reST math), roles, then doctest fences."""
    return fence_doctests(xref_to_code(rst_math_to_markdown(text)))


class RstMath(Extension):
    """mkdocstrings-python option ``extensions: [docs/hooks/griffe_math.py:RstMath]``."""

    def on_instance(self, *, obj, **kwargs) -> None:
        if obj.docstring is not None:
            obj.docstring.value = to_markdown(obj.docstring.value)
