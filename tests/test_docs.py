"""Fast checks of the site sources (no build, no browser).

- Translation parity: every English page docs/**/<page>.md has a docs/**/<page>.zh.md twin with
  the same skeleton: heading levels, display equations, figures/videos (same paths), snippet
  includes, admonitions, and fenced code blocks whose code is identical except for comments
  (comments may be translated; code, strings and outputs may not).
- Each twin records ``source_hash:`` = first 12 hex of sha256(English file); a stale one fails
  with the command that fixes it (scripts/translation_status.py).
- Notebook pairs: same cells (types, order), identical code cells except comments.
- Glossary: both tables hold the same term pairs; every Chinese term is used on a Chinese page;
  where an English page uses a (multi-word) glossary term, its Chinese twin uses the Chinese term.
- Pages listed in CONTRIBUTING.md exist in both languages and are in the nav; the API page
  documents every public module of the package that exists.
"""

from __future__ import annotations

import ast
import doctest
import importlib.util
import io
import json
import re
import sys
import tokenize
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
sys.path.insert(0, str(ROOT / "scripts"))
import translation_status as ts  # noqa: E402

LANG = "zh"

# ---------------------------------------------------------------------------------------------
# Markdown skeleton
# ---------------------------------------------------------------------------------------------
_FRONT = re.compile(r"\A---[ \t]*\n.*?\n---[ \t]*\n", re.S)
_FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`\n]*)$")
_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+\S")
_ADMONITION = re.compile(r"^[ \t]*(?:!!!|\?\?\?\+?)[ \t]*[\w-]+")
_INLINE_CODE = re.compile(r"(`+)(?:(?!\1).)+?\1")
_MD_IMAGE = re.compile(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)")
_HTML_MEDIA = re.compile(r"<(?:img|video|audio|source|track)\b[^>]*?\s(?:src|poster)\s*=\s*[\"']([^\"']+)[\"']", re.I)
_SNIPPET = re.compile(r"^[ \t]*-{1,}8<-{1,}[ \t]+[\"']([^\"']+)[\"']", re.M)
_COMMENT_LANGS = {
    "",
    "python",
    "py",
    "python3",
    "pycon",
    "ipython",
    "ipython3",
    "bash",
    "sh",
    "shell",
    "console",
    "toml",
    "yaml",
    "yml",
    "text",
    "txt",
    "plain",
}


def strip_front_matter(text: str) -> str:
    return _FRONT.sub("", text, count=1)


def split_fences(text: str) -> tuple[list[str], list[tuple[str, str]]]:
    """Lines outside fenced code blocks, and the (language, code) of each fenced block."""
    prose: list[str] = []
    blocks: list[tuple[str, str]] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        m = _FENCE_OPEN.match(lines[i])
        if not m:
            prose.append(lines[i])
            i += 1
            continue
        fence, indent = m.group("fence"), m.group("indent")
        info = m.group("info").strip()
        lang = re.split(r"[\s{]", info.lstrip("."), maxsplit=1)[0].lower() if info else ""
        close = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
        body = []
        i += 1
        while i < len(lines) and not close.match(lines[i]):
            line = lines[i]
            body.append(line[len(indent) :] if line.startswith(indent) else line.lstrip())
            i += 1
        i += 1  # closing fence (or end of file)
        blocks.append((lang, "\n".join(body)))
    return prose, blocks


def _strip_line_comment(line: str) -> str:
    """Cut a '#' comment that is not inside a quoted string (one line, quote-aware)."""
    quote = None
    j = 0
    while j < len(line):
        c = line[j]
        if quote:
            if c == "\\":
                j += 2
                continue
            if line.startswith(quote, j):
                j += len(quote)
                quote = None
                continue
        elif c in "\"'":
            quote = line[j : j + 3] if line[j : j + 3] in ('"""', "'''") else c
            j += len(quote)
            continue
        elif c == "#":
            return line[:j]
        j += 1
    return line


def _strip_python_comments(code: str) -> str | None:
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(code + "\n").readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return None
    lines = code.splitlines()
    for tok in reversed([t for t in tokens if t.type == tokenize.COMMENT]):
        row, col = tok.start
        lines[row - 1] = lines[row - 1][:col]
    return "\n".join(lines)


def normalize_code(lang: str, code: str) -> str:
    """Code with comments removed, trailing spaces and blank lines dropped."""
    if lang in ("python", "py", "python3", "ipython", "ipython3", ""):
        stripped = _strip_python_comments(code)
        code = stripped if stripped is not None else "\n".join(_strip_line_comment(x) for x in code.splitlines())
    elif lang in _COMMENT_LANGS:
        code = "\n".join(_strip_line_comment(x) for x in code.splitlines())
    return "\n".join(x.rstrip() for x in code.splitlines() if x.strip())


def normalize_path(path: str) -> str:
    """Language-neutral media path: x.zh.png -> x.png, .../zh/... -> .../en/..."""
    path = re.sub(rf"\.{LANG}\.(\w+)$", r".\1", path)
    return re.sub(rf"(^|/){LANG}(/|$)", r"\1en\2", path)


def skeleton(text: str) -> dict:
    prose, blocks = split_fences(strip_front_matter(text))
    flat = "\n".join(_INLINE_CODE.sub("", line) for line in prose)
    return {
        "heading levels": [len(m.group(1)) for line in prose if (m := _HEADING.match(line))],
        "display equations ($$ blocks)": flat.count("$$") // 2 + flat.count("\\["),
        "figures/media (paths)": [normalize_path(p) for p in _MD_IMAGE.findall(flat) + _HTML_MEDIA.findall(flat)],
        "snippet includes": [normalize_path(p.replace(f".{LANG}.md", ".md")) for p in _SNIPPET.findall(flat)],
        "admonitions": sum(1 for line in prose if _ADMONITION.match(line)),
        "fenced code blocks": len(blocks),
    }


def compare_skeletons(en: dict, zh: dict) -> list[str]:
    problems = []
    for key in en:
        if en[key] != zh[key]:
            problems.append(f"{key}: English {en[key]!r} vs Chinese {zh[key]!r}")
    return problems


def compare_code(en_blocks, zh_blocks) -> list[str]:
    problems = []
    for k, ((lang_en, code_en), (lang_zh, code_zh)) in enumerate(zip(en_blocks, zh_blocks), 1):
        if lang_en != lang_zh:
            problems.append(f"code block {k}: language {lang_en!r} vs {lang_zh!r}")
            continue
        a, b = normalize_code(lang_en, code_en), normalize_code(lang_zh, code_zh)
        if a != b:
            diff = next(
                (i for i, (x, y) in enumerate(zip(a.splitlines(), b.splitlines())) if x != y),
                min(len(a.splitlines()), len(b.splitlines())),
            )
            la = (a.splitlines()[diff : diff + 1] or ["<end>"])[0]
            lb = (b.splitlines()[diff : diff + 1] or ["<end>"])[0]
            problems.append(
                f"code block {k} ({lang_en or 'no language'}) differs outside comments, "
                f"first at code line {diff + 1}: English {la!r} vs Chinese {lb!r}"
            )
    return problems


# ---------------------------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------------------------
EN_PAGES = [p for p in ts.english_sources(DOCS) if p.suffix == ".md"]
EN_NOTEBOOKS = [p for p in ts.english_sources(DOCS) if p.suffix == ".ipynb"]


def _id(p: Path) -> str:
    return str(p.relative_to(DOCS))


def test_there_are_pages():
    assert EN_PAGES, "no English pages found under docs/"


@pytest.mark.parametrize("english", EN_PAGES, ids=_id)
def test_page_has_translation_with_same_structure(english: Path):
    zh = ts.translation_of(english)
    rel_en, rel_zh = english.relative_to(ROOT), zh.relative_to(ROOT)
    assert zh.exists(), f"{rel_en} has no Chinese twin {rel_zh}"
    en_text, zh_text = english.read_text(encoding="utf-8"), zh.read_text(encoding="utf-8")
    problems = compare_skeletons(skeleton(en_text), skeleton(zh_text))
    problems += compare_code(split_fences(strip_front_matter(en_text))[1], split_fences(strip_front_matter(zh_text))[1])
    assert not problems, f"{rel_zh} does not mirror {rel_en}:\n  - " + "\n  - ".join(problems)


@pytest.mark.parametrize("english", EN_PAGES + EN_NOTEBOOKS, ids=_id)
def test_translation_is_stamped_with_current_source_hash(english: Path):
    zh = ts.translation_of(english)
    if not zh.exists():
        pytest.skip(f"{zh.relative_to(ROOT)} missing (reported by the structure test)")
    [state] = [s for s in ts.status(DOCS) if s.english == english]
    assert state.state == "ok", state.message(ROOT)


# ---------------------------------------------------------------------------------------------
# Notebooks
# ---------------------------------------------------------------------------------------------
def _cells(path: Path) -> list[tuple[str, str]]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return [(c["cell_type"], "".join(c.get("source", ""))) for c in nb.get("cells", [])]


@pytest.mark.parametrize("english", EN_NOTEBOOKS, ids=_id)
def test_notebook_has_translation_with_same_cells(english: Path):
    zh = ts.translation_of(english)
    rel_en, rel_zh = english.relative_to(ROOT), zh.relative_to(ROOT)
    assert zh.exists(), f"{rel_en} has no Chinese twin {rel_zh}"
    en_cells, zh_cells = _cells(english), _cells(zh)
    assert [t for t, _ in en_cells] == [t for t, _ in zh_cells], (
        f"{rel_zh}: cell types differ from {rel_en}: {[t for t, _ in en_cells]} vs {[t for t, _ in zh_cells]}"
    )
    problems = []
    for k, ((kind, a), (_, b)) in enumerate(zip(en_cells, zh_cells), 1):
        if kind == "code" and normalize_code("python", a) != normalize_code("python", b):
            problems.append(f"code cell {k} differs outside comments")
        if kind == "markdown":
            for p in compare_skeletons(skeleton(a), skeleton(b)):
                problems.append(f"markdown cell {k}: {p}")
    assert not problems, f"{rel_zh} does not mirror {rel_en}:\n  - " + "\n  - ".join(problems)


def test_contributing_pages_exist_in_both_languages_and_in_nav():
    contributing = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    section = contributing.split("## Pages", 1)[1].split("\n## ", 1)[0]
    body = section.split("\n", 1)[1]
    names = [n.strip() for n in re.split(r"[,\n]", re.sub(r"\(.*?\)", "", body)) if n.strip()]
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8").split("\nnav:", 1)[1].split("\n\n", 1)[0]
    problems = []
    for name in names:
        src = name if name.endswith(".ipynb") else f"{name}.md"
        en = DOCS / src
        if not en.exists():
            problems.append(f"docs/{src} is missing")
        elif not ts.translation_of(en).exists():
            problems.append(f"docs/{ts.translation_of(en).relative_to(DOCS)} is missing")
        if not re.search(rf":\s*{re.escape(src)}\s*$", nav, re.M):
            problems.append(f"{src} is not in the nav of mkdocs.yml")
    assert not problems, "pages listed in CONTRIBUTING.md:\n  - " + "\n  - ".join(problems)


# ---------------------------------------------------------------------------------------------
# Glossary
# ---------------------------------------------------------------------------------------------
_PAREN = re.compile(r"\s*[(（][^)）]*[)）]")


def glossary_pairs(path: Path) -> list[tuple[str, str]]:
    """(English, Chinese) rows of the first table whose header has an English and a 中文 column."""
    rows = []
    header = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.lstrip().startswith("|"):
            if rows:
                break
            header = None
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if header is None:
            header = [c.lower() for c in cells]
            continue
        if set("".join(cells)) <= set("-: "):
            continue
        try:
            en_col = next(i for i, h in enumerate(header) if h in ("english", "英文"))
            zh_col = next(i for i, h in enumerate(header) if h in ("中文", "chinese", "简体中文"))
        except StopIteration:
            header = None
            continue
        rows.append((cells[en_col], cells[zh_col]))
    return rows


def main_terms(term: str) -> list[str]:
    """'log-determinant (log-det, `logabsdet`)' -> ['log-determinant']; '正向（数据 → 潜变量）' -> ['正向']."""
    term = _PAREN.sub("", term).replace("`", "")
    term = re.sub(r"\$[^$]*\$", "", term).strip()
    return [t.strip() for t in re.split(r"\s*[/、]\s*", term) if t.strip()]


# Chinese terms are often used without their last, generic character(s) when they modify a noun
# ("仿射耦合层" -> "仿射耦合的..."), so these endings are optional when looking a term up.
_ZH_OPTIONAL_ENDINGS = ("估计", "公式", "层", "场", "法")


def zh_variants(term: str) -> list[str]:
    """Ways a Chinese glossary term may appear in running text (spaces ignored)."""
    out = []
    for t in main_terms(term):
        t = re.sub(r"\s+", "", t).lower()
        out.append(t)
        out += [t[: -len(e)] for e in _ZH_OPTIONAL_ENDINGS if t.endswith(e) and len(t) - len(e) >= 2]
    return out


def zh_corpus(text: str) -> str:
    """Page text with spaces removed, plus a copy without parentheticals ("最优传输（线性）路径")."""
    text = re.sub(r"[ \t]+", "", text).lower()
    return text + "\n" + _PAREN.sub("", text)


def en_uses(term: str, text_lower: str) -> bool:
    return any(re.search(rf"\b{re.escape(t.lower())}(?:s|es)?\b", text_lower) for t in main_terms(term))


def page_text(path: Path) -> str:
    """Prose of a page without front matter, code blocks, inline code, math and link targets."""
    prose, _ = split_fences(strip_front_matter(path.read_text(encoding="utf-8")))
    text = "\n".join(prose)
    text = re.sub(r"\$\$.*?\$\$", " ", text, flags=re.S)
    text = re.sub(r"\$[^$\n]+\$", " ", text)
    text = _INLINE_CODE.sub(" ", text)
    return re.sub(r"\]\([^)]*\)", "]", text)


GLOSSARY_EN, GLOSSARY_ZH = DOCS / "glossary.md", DOCS / f"glossary.{LANG}.md"


def test_glossary_tables_match():
    en, zh = glossary_pairs(GLOSSARY_EN), glossary_pairs(GLOSSARY_ZH)
    assert en, "docs/glossary.md has no | English | 中文 | table"
    assert en == zh, "docs/glossary.md and docs/glossary.zh.md list different term pairs: " + "; ".join(
        f"{a} vs {b}" for a, b in zip(en, zh) if a != b
    )


def _all_text(pattern: str, exclude: Path, english: bool = False) -> str:
    pages = [
        p
        for p in DOCS.rglob(pattern)
        if p != exclude and "generated" not in p.parts and not (english and f".{LANG}." in p.name)
    ]
    return "\n".join(page_text(p) for p in pages)


def _all_notebook_markdown(lang: str | None) -> str:
    nbs = [p for p in DOCS.rglob("*.ipynb") if (f".{LANG}." in p.name) == (lang == LANG)]
    return "\n".join(s for nb in nbs for t, s in _cells(nb) if t == "markdown")


def test_every_chinese_glossary_term_is_used():
    """A term whose English form appears on some English page must appear on some Chinese page."""
    en_corpus = (_all_text("*.md", GLOSSARY_EN, english=True) + _all_notebook_markdown(None)).lower()
    zh_text = zh_corpus(_all_text(f"*.{LANG}.md", GLOSSARY_ZH) + _all_notebook_markdown(LANG))
    unused = [
        f"{zh} ({en})"
        for en, zh in glossary_pairs(GLOSSARY_EN)
        if en_uses(en, en_corpus) and not any(v in zh_text for v in zh_variants(zh))
    ]
    assert not unused, (
        "Chinese glossary terms used on no Chinese page although the English term is used "
        "(use the glossary's term, or change the glossary): " + ", ".join(unused)
    )


def test_english_terms_have_their_chinese_term_on_the_twin_page():
    """Multi-word English terms only (single words such as 'forward' are too common to be terms)."""
    problems = []
    pairs = glossary_pairs(GLOSSARY_EN)
    for page in EN_PAGES:
        twin = ts.translation_of(page)
        if page == GLOSSARY_EN or not twin.exists():
            continue
        en_text, zh_text = page_text(page).lower(), zh_corpus(page_text(twin))
        for en, zh in pairs:
            if not any(" " in t or "-" in t for t in main_terms(en)) or not en_uses(en, en_text):
                continue
            if not any(v in zh_text for v in zh_variants(zh)):
                problems.append(f"{twin.relative_to(ROOT)}: English page uses '{en}' but not '{zh}'")
    assert not problems, "Chinese pages should use the glossary's terms:\n  - " + "\n  - ".join(problems)


# ---------------------------------------------------------------------------------------------
# API page and build helpers
# ---------------------------------------------------------------------------------------------
API_EXCLUDE = {"explainer.cli", "explainer.figures", "explainer.export", "explainer.__main__"}


def _contract_modules() -> list[str]:
    """Modules named in CONTRIBUTING.md's layout that exist in explainer/."""
    layout = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8").split("## Layout", 1)[1].split("\n## ", 1)[0]
    mods = set()
    for m in re.finditer(r"^\s{2}([\w/]+\.py)\b|^\s{2}matching/\s+(.+)$", layout, re.M):
        if m.group(1):
            mods.add("explainer." + m.group(1)[:-3].replace("/", "."))
        else:
            mods.update(f"explainer.matching.{n[:-3]}" for n in m.group(2).split() if n.endswith(".py"))
    return sorted(m for m in mods if m not in API_EXCLUDE and (ROOT / (m.replace(".", "/") + ".py")).exists())


@pytest.mark.parametrize("page", ["api.md", f"api.{LANG}.md"])
def test_api_page_documents_every_contract_module(page: str):
    path = DOCS / page
    assert path.exists(), f"docs/{page} is missing"
    documented = set(re.findall(r"^:::\s*([\w.]+)", path.read_text(encoding="utf-8"), re.M))
    missing = [m for m in _contract_modules() if m not in documented]
    assert not missing, f"docs/{page} should document (add a '::: name' line): {', '.join(missing)}"


def _griffe_math():
    spec = importlib.util.spec_from_file_location("griffe_math", DOCS / "hooks" / "griffe_math.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_griffe_extension_doctests():
    result = doctest.testmod(_griffe_math())
    assert result.attempted and not result.failed


def _docstrings():
    """(where, cleaned docstring) of every module, class and function under explainer/."""
    for path in sorted((ROOT / "explainer").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                doc = ast.get_docstring(node, clean=True)
                if doc:
                    where = path.relative_to(ROOT).as_posix() + (
                        "" if isinstance(node, ast.Module) else f":{node.name}"
                    )
                    yield where, doc


def test_api_page_docstrings_have_no_rest_math_left():
    """The API page's docstrings as the griffe extension hands them to Markdown: no ``.. math::``
    (either form: body below, or on the directive's line) and no ``:math:`` role left, every
    display block converted, and no ``\\_`` inside ``\\text{}`` (MathJax would show the backslash)."""
    to_markdown = _griffe_math().to_markdown
    left, blocks = [], 0
    for where, doc in _docstrings():
        blocks += doc.count(".. math::")
        out = to_markdown(doc)
        for token in (".. math::", ":math:`"):
            if token in out:
                i = out.index(token)
                left.append(f"{where}: {token!r} in {out[max(0, i - 30) : i + 60]!r}")
        left += [f"{where}: {m.group(0)!r}" for m in re.finditer(r"\\text\{[^{}]*\\_[^{}]*\}", out)]
        if out.count("$$") != 2 * doc.count(".. math::") + doc.count("$$"):
            left.append(f"{where}: {doc.count('.. math::')} math blocks, {out.count('$$') // 2} $$ pairs")
    assert blocks >= 20, f"only {blocks} '.. math::' blocks found under explainer/: the scan is broken"
    assert not left, "reST math the API page would show raw:\n  - " + "\n  - ".join(left)


def test_structure_helpers():
    text = "---\nsource_hash: x\n---\n# A\n\n## B\n\n```python\nx = 1  # one\n# note\n```\n\n$$\na\n$$\n"
    sk = skeleton(text)
    assert sk["heading levels"] == [1, 2] and sk["display equations ($$ blocks)"] == 1
    assert normalize_code("python", "x = 1  # one\n# note\ny = '#'") == "x = 1\ny = '#'"
    assert normalize_path("generated/animations/s/zh/a.mp4") == "generated/animations/s/en/a.mp4"
    assert main_terms("log-determinant (log-det, `logabsdet`)") == ["log-determinant"]
    assert main_terms("正向（数据 → 潜变量）") == ["正向"]


def test_every_citation_link_has_its_reference():
    """Each ``references.md#id`` link on any page points at an entry that exists on both
    references pages, and the two pages hold the same entries."""
    anchors = {
        name: set(re.findall(r'<a id="([^"]+)"></a>', (DOCS / name).read_text(encoding="utf-8")))
        for name in ("references.md", "references.zh.md")
    }
    assert anchors["references.md"] and anchors["references.md"] == anchors["references.zh.md"]
    missing = [
        f"{page.name}: #{anchor}"
        for page in sorted(DOCS.glob("*.md"))
        for anchor in re.findall(r"\]\(references\.md#([\w-]+)\)", page.read_text(encoding="utf-8"))
        if anchor not in anchors["references.md"]
    ]
    assert not missing, missing
    cited = {a for page in DOCS.glob("*.md") for a in re.findall(r"references\.md#([\w-]+)", page.read_text("utf-8"))}
    assert len(cited) >= 20, sorted(cited)


# One notation: the notebooks and the coupling scenes write what their lessons write.
#   model density p_theta (glossary, change of variables); the coupling layer's output z;
#   data: p_data next to the coupling flows (change of variables), q next to flow matching.
NOTATION = [
    ("docs/notebooks/realnvp-moons*.ipynb", r"q_\\theta|H\(p\)|KL\(p\b|\\sim p\$|(?<![\w{])p\(x\)", "p_data / p_theta"),
    ("docs/notebooks/flow-matching-gmm*.ipynb", r"q_\\theta|H\(p\)|KL\(p\b|\\sim p\$|(?<![\w{])p\(x\)", "q / p_theta"),
    ("animations/coupling_layer.py", r"\by_[AB]\b|MathTex\(\"y\"", "z_A, z_B, z"),
    ("animations/triangular_jacobian.py", r"\by_[AB]\b|\\partial y\b", "z_A, z_B, z"),
    ("animations/strings/coupling_layer.toml", r"\by_[AB]\b|output y\b|输出 y", "z_A, z_B, z"),
    ("animations/strings/triangular_jacobian.toml", r"\by_[AB]\b|输出 y", "z_A, z_B, z"),
]


@pytest.mark.parametrize("pattern,forbidden,notation", NOTATION, ids=[n[0] for n in NOTATION])
def test_notebooks_and_coupling_scenes_use_the_lessons_notation(pattern, forbidden, notation):
    files = sorted(ROOT.glob(pattern))
    assert files, f"no file matches {pattern}"
    found = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".ipynb":
            text = "\n".join(source for _, source in _cells(path))
        found += [f"{path.relative_to(ROOT)}: {m.group(0)!r}" for m in re.finditer(forbidden, text)]
    assert not found, f"the lessons write {notation}; found:\n  - " + "\n  - ".join(found[:20])
