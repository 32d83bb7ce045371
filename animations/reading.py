"""How long a caption must stay up to be read, and how a narration is cut into captions.

The numbers are those of Netflix's Timed Text Style Guides, the most widely followed public
subtitle standard: English (adult programmes) at most 20 characters per second and lines of
42 characters; Simplified Chinese at most 9 characters per second and lines of 16; two lines per
caption. A character is whatever a viewer reads: letters, digits, Chinese characters, spaces and
punctuation all count one; line breaks do not count.

The scenes wait at the end of a step until its narration can be read (``animations/style.py``);
the captions (``sitebuild/media/captions.py``) cut a narration that would not fit on two lines into
several cues and share the step's time among them in proportion to their length, so every cue is
read at the step's pace. Pure Python: the scenes (run by Manim) and the site's build both use it.
"""

from __future__ import annotations

CPS = {"en": 20.0, "zh": 9.0}  # characters per second, at most
LINE = {"en": 42, "zh": 16}  # characters per line, at most
LINES = 2  # lines per caption
MARGIN = 0.2  # seconds a scene holds beyond the reading time (frames round the steps' times)
# where a caption may end, and what ending there costs: after a sentence, a clause, a comma, a word
BREAKS = {
    "en": {".": 0, "?": 0, "!": 0, ";": 1, ":": 1, ",": 2, " ": 4},
    "zh": {"。": 0, "？": 0, "！": 0, "；": 1, "：": 1, "，": 2, "、": 3},
}
CAPTION = 3  # the cost of one more caption
ANYWHERE = 8  # a cut inside a run of Chinese text with no break (never inside an English word)


def characters(text: str) -> int:
    """The characters a viewer reads: every character but line breaks.

    >>> characters("Flows map data\\nto noise."), characters("流把数据映射到噪声。")
    (23, 10)
    """
    return len(text.replace("\n", ""))


def seconds(text: str, lang: str) -> float:
    """The time ``text`` needs on screen at the reading speed of ``lang``.

    >>> seconds("A small 8 by 8 image of a handwritten digit.", "en")
    2.2
    >>> seconds("一张 8×8 的手写数字小图。", "zh")
    1.6666666666666667
    """
    if lang not in CPS:
        raise ValueError(f"no reading speed for language {lang!r}; choose one of {tuple(CPS)}")
    return characters(text) / CPS[lang]


def cps(text: str, duration: float) -> float:
    """Characters per second of ``text`` shown for ``duration`` seconds.

    >>> cps("twenty characters...", 1.0)
    20.0
    """
    if duration <= 0:
        raise ValueError(f"a caption must last a positive time, got {duration} s")
    return characters(text) / duration


def cues(text: str, lang: str) -> list[str]:
    """``text`` cut into captions of at most two lines each: few captions, cut at the strongest
    breaks (end of a sentence, then ``;`` ``:``, then ``,``, then a space; in Chinese 。；：，、, and
    inside a run of characters only when nothing else fits), of similar lengths.

    >>> cues("Short enough.", "en")
    ['Short enough.']
    >>> cues("A checkerboard mask: blue pixels pass through and condition the network, "
    ...      "orange pixels are transformed.", "en")
    ['A checkerboard mask:', 'blue pixels pass through and condition the network, orange pixels are transformed.']
    >>> cues("三角矩阵的行列式等于对角线之积：先是 1，然后是 exp(s)。所以对数行列式就是 s 之和。", "zh")
    ['三角矩阵的行列式等于对角线之积：先是 1，然后是 exp(s)。', '所以对数行列式就是 s 之和。']
    """
    if lang not in LINE:
        raise ValueError(f"no line length for language {lang!r}; choose one of {tuple(LINE)}")
    limit = LINE[lang] * LINES
    text = " ".join(text.split()) if lang == "en" else text.strip()
    # best[j]: the cheapest way to caption text[:j], as (cost, where its last caption starts)
    best: dict[int, tuple[float, int]] = {0: (0.0, 0)}
    for j in range(1, len(text) + 1):
        if j < len(text):
            mark = BREAKS[lang].get(text[j - 1] if text[j - 1] != " " else " ")
            if mark is None and text[j] == " ":
                mark = BREAKS[lang][" "] if lang == "en" else None
            if mark is None:
                if lang == "en" or text[j - 1] == " ":
                    continue
                mark = ANYWHERE
        else:
            mark = 0
        for i, (cost, _) in list(best.items()):
            piece = text[i:j].strip()
            if piece and characters(piece) <= limit:
                candidate = (cost + CAPTION + mark + (characters(piece) / limit) ** 2, i)
                if j not in best or candidate < best[j]:
                    best[j] = candidate
    if len(text) not in best:
        return []
    out, j = [], len(text)
    while j:
        i = best[j][1]
        out.append(text[i:j].strip())
        j = i
    return out[::-1]
