"""Math in the search index, as text a reader can read (imported by search_cache.py, not a hook).

The search plugin indexes a page's HTML as text, so its formulas arrive as TeX source:
``\\(\\log|\\det J|\\)`` in a result's snippet. MathJax does not run on the search results,
so the index stores what a formula reads as instead: ``log|det J|``, ``p_θ(x)``, ``∂f/∂x``.
Only prose is converted: ``<code>`` and ``<pre>`` keep their text as written. The conversion
is a small table (Greek letters, operators, fonts, fractions, roots, accents), enough for the
formulas of this site; a command outside the table loses its backslash, never its name.
"""

from __future__ import annotations

import html
import re

GREEK = (
    "alpha α beta β gamma γ delta δ epsilon ϵ varepsilon ε zeta ζ eta η theta θ vartheta ϑ iota ι "
    "kappa κ lambda λ mu μ nu ν xi ξ pi π varpi ϖ rho ρ varrho ϱ sigma σ varsigma ς tau τ "
    "upsilon υ phi ϕ varphi φ chi χ psi ψ omega ω Gamma Γ Delta Δ Theta Θ Lambda Λ Xi Ξ Pi Π "
    "Sigma Σ Upsilon Υ Phi Φ Psi Ψ Omega Ω"
)
SYMBOLS = (
    "partial ∂ nabla ∇ sum ∑ prod ∏ int ∫ oint ∮ infty ∞ cdot · cdots ⋯ ldots … dots … vdots ⋮ "
    "ddots ⋱ times × div ÷ pm ± mp ∓ approx ≈ sim ~ simeq ≃ propto ∝ le ≤ leq ≤ ge ≥ geq ≥ "
    "ne ≠ neq ≠ ll ≪ gg ≫ equiv ≡ to → rightarrow → leftarrow ← leftrightarrow ↔ Rightarrow ⇒ "
    "Leftrightarrow ⇔ longrightarrow ⟶ mapsto ↦ in ∈ notin ∉ subset ⊂ subseteq ⊆ cup ∪ cap ∩ "
    "forall ∀ exists ∃ emptyset ∅ odot ⊙ otimes ⊗ oplus ⊕ circ ∘ ast ∗ star ⋆ top ⊤ perp ⊥ "
    "mid | lvert | rvert | vert | Vert ‖ lVert ‖ rVert ‖ langle ⟨ rangle ⟩ lfloor ⌊ rfloor ⌋ "
    "lceil ⌈ rceil ⌉ ell ℓ square □ prime ′ bmod mod"
)
SPACES = {",", ";", ":", "!", " ", "quad", "qquad", "enspace", "thinspace"}
DROPPED = {  # sizing and style: nothing to read
    "left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "biggl", "biggr",
    "displaystyle", "textstyle", "scriptstyle", "limits", "nolimits",
}  # fmt: skip
FONTS = {  # \font{x}: the letter itself (a blackboard R and E read as such)
    "mathrm", "mathbf", "mathit", "mathsf", "mathtt", "boldsymbol", "bm", "text", "textrm",
    "textbf", "textit", "mbox", "operatorname", "mathcal", "mathscr", "mathfrak", "overline",
    "underline", "underbrace", "overbrace",
}  # fmt: skip
BLACKBOARD = {"R": "ℝ", "E": "𝔼", "N": "ℕ", "Z": "ℤ", "Q": "ℚ", "C": "ℂ", "P": "ℙ"}
ACCENTS = {"hat": "\u0302", "tilde": "\u0303", "bar": "\u0304", "dot": "\u0307", "ddot": "\u0308", "vec": "\u20d7"}
WORDS = {"frac", "dfrac", "tfrac", "sqrt", "mathbb", "begin", "end", "xrightarrow", *ACCENTS}

TABLE = dict(zip(*[iter((GREEK + " " + SYMBOLS).split())] * 2, strict=True))

MATH = re.compile(r"\\\((.+?)\\\)|\\\[(.+?)\\\]|\$\$(.+?)\$\$|(?<![\\$\w])\$(?=\S)([^$<]+?)(?<=\S)\$(?![\w$])", re.S)
VERBATIM = re.compile(r"(<pre>.*?</pre>|<code>.*?</code>)", re.S)


def _group(tex: str, i: int) -> tuple[str, int]:
    """The argument starting at ``tex[i]`` (a {braced group} or one character) and where it ends."""
    while i < len(tex) and tex[i] == " ":
        i += 1
    if i >= len(tex):
        return "", i
    if tex[i] != "{":
        if tex[i] == "\\":
            m = re.match(r"\\([A-Za-z]+|.)", tex[i:])
            return m.group(0), i + len(m.group(0))
        return tex[i], i + 1
    depth = 0
    for j in range(i, len(tex)):
        depth += {"{": 1, "}": -1}.get(tex[j], 0)
        if depth == 0:
            return tex[i + 1 : j], j + 1
    return tex[i + 1 :], len(tex)


def _wrap(text: str) -> str:
    """``text`` as one operand: parenthesised unless it is one symbol, a number or bracketed."""
    text = text.strip()
    return text if len(text) <= 1 or re.fullmatch(r"\d+|\(.*\)|\|.*\|", text) else f"({text})"


def tex_to_text(tex: str) -> str:
    """What a TeX formula reads as, in plain Unicode text.

    >>> tex_to_text(r"\\log|\\det J_f(x)|")
    'log|det J_f(x)|'
    >>> tex_to_text(r"p_{\\theta}(x) = \\tfrac{1}{2}\\,\\mathbb{E}[\\lVert z \\rVert^2]")
    'p_θ(x) = 1/2 𝔼[‖ z ‖^2]'
    >>> tex_to_text(r"\\frac{\\partial f}{\\partial x} \\approx \\hat{v}_t")
    '(∂ f)/(∂ x) ≈ v̂_t'
    """
    out: list[str] = []
    i = 0
    while i < len(tex):
        c = tex[i]
        if c == "\\":
            m = re.match(r"\\([A-Za-z]+|.)", tex[i:])
            name, i = m.group(1), i + len(m.group(0))
            if name in SPACES:
                out.append(" ")
            elif name == "\\":
                out.append("; ")
            elif name in DROPPED:
                pass
            elif name in ("frac", "dfrac", "tfrac"):
                num, i = _group(tex, i)
                den, i = _group(tex, i)
                out.append(f"{_wrap(tex_to_text(num))}/{_wrap(tex_to_text(den))}")
            elif name == "sqrt":
                arg, i = _group(tex, i)
                out.append(f"√{_wrap(tex_to_text(arg))}")
            elif name == "mathbb":
                arg, i = _group(tex, i)
                out.append("".join(BLACKBOARD.get(ch, ch) for ch in arg))
            elif name in ACCENTS:
                arg, i = _group(tex, i)
                arg = tex_to_text(arg)
                out.append(arg + ACCENTS[name] if len(arg) == 1 else arg)
            elif name in ("begin", "end"):
                _, i = _group(tex, i)
            elif name == "xrightarrow":
                arg, i = _group(tex, i)
                out.append(f" →({tex_to_text(arg)}) " if arg else " → ")
            elif name in FONTS:
                arg, i = _group(tex, i)
                out.append(tex_to_text(arg))
            elif name in TABLE:
                out.append(TABLE[name])
            elif name in "{}%$&#_|":
                out.append(name)
            else:  # \log, \det, \exp, \min, ... and anything unknown: its name
                out.append(name)
                if i < len(tex) and tex[i].isalpha():
                    out.append(" ")
        elif c in "^_":
            arg, i = _group(tex, i + 1)
            out.append(c + _wrap(tex_to_text(arg)))
        elif c in "{}":
            i += 1
        elif c == "&":
            i += 1
        elif c == "~":
            out.append(" ")
            i += 1
        else:
            out.append(c)
            i += 1
    return re.sub(r"\s+", " ", "".join(out)).strip()


def _formula(m: re.Match) -> str:
    tex = html.unescape(next(g for g in m.groups() if g is not None))  # the index text is escaped
    return html.escape(tex_to_text(tex), quote=False)


def readable(text: str) -> str:
    """An index entry's title or text with its formulas as text (code and pre left as written).

    >>> readable(r"the log-det \\(\\log|\\det J|\\) and <code>\\(x\\)</code>")
    'the log-det log|det J| and <code>\\\\(x\\\\)</code>'
    """
    parts = VERBATIM.split(text)
    return "".join(part if k % 2 else MATH.sub(_formula, part) for k, part in enumerate(parts))


def readable_entries(entries: list[dict], url: str) -> list[dict]:
    """A page's index entries, readable: formulas as text, headings without their "¶" mark, and
    the sections the page gives no anchor (a heading with ``id=""``, as the Chinese notebooks'
    headings are) folded into the page's own entry. Such a section would share the page's
    location, and the theme's search keys its documents and highlight tables by location: the
    page's entry would be replaced by its last section, and highlights placed in the wrong text.

    >>> readable_entries([{"location": "a/", "title": "A", "text": "x"},
    ...                   {"location": "a/", "title": "B¶", "text": "\\\\(y\\\\)"}], "a/")
    [{'location': 'a/', 'title': 'A', 'text': 'x B y'}]
    """
    out: list[dict] = []
    for entry in entries:
        entry = {
            **entry,
            "title": re.sub(r"[\u200b\s]*¶$", "", readable(entry["title"])),
            "text": readable(entry["text"]),
        }
        if out and entry["location"] == url:
            page = out[0]
            page["text"] = " ".join(part for part in (page["text"], entry["title"], entry["text"]) if part)
        else:
            out.append(entry)
    return out
