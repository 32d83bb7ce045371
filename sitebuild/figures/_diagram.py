"""Boxes and arrows for the block diagrams (coupling layer, flow matching, multi-scale flow).

Coordinates are data units on an axis with equal aspect and no frame; a box is given by its
centre, width and height, and an arrow joins two points (usually box edges).
"""

from __future__ import annotations

from dataclasses import dataclass

from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from sitebuild.figures import style

FILL = {
    "data": "#dce8f5",
    "pass": "#d5e0f0",
    "transformed": "#fbe3d3",
    "net": "#e5e0f2",
    "op": "#f2f2f2",
    "latent": "#dcefdc",
    "loss": "#f6dada",
}
EDGE = {
    "data": style.COLORS["data"],
    "pass": style.COLORS["pass"],
    "transformed": style.COLORS["transformed"],
    "net": "#8172b3",
    "op": "#777777",
    "latent": style.COLORS["latent"],
    "loss": style.COLORS["model"],
}


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float

    def left(self, dy: float = 0.0) -> tuple[float, float]:
        return (self.x - self.w / 2, self.y + dy)

    def right(self, dy: float = 0.0) -> tuple[float, float]:
        return (self.x + self.w / 2, self.y + dy)

    def top(self, dx: float = 0.0) -> tuple[float, float]:
        return (self.x + dx, self.y + self.h / 2)

    def bottom(self, dx: float = 0.0) -> tuple[float, float]:
        return (self.x + dx, self.y - self.h / 2)


def box(ax, x: float, y: float, w: float, h: float, text: str, kind: str = "op", fontsize: float = 11) -> Box:
    """A rounded box centred at ``(x, y)`` with ``text`` (mathtext allowed), coloured by ``kind``.

    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> b = box(ax, 1.0, 2.0, 2.0, 1.0, "$x$", "data")
    >>> b.left(), b.top()
    ((0.0, 2.0), (1.0, 2.5))
    >>> plt.close(fig)
    """
    ax.add_patch(
        FancyBboxPatch(
            (x - w / 2, y - h / 2),
            w,
            h,
            boxstyle="round,pad=0.02,rounding_size=0.12",
            facecolor=FILL[kind],
            edgecolor=EDGE[kind],
            linewidth=1.6,
        )
    )
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize, linespacing=1.35)
    return Box(x, y, w, h)


def arrow(ax, start, end, text: str = "", *, side: str = "above", fontsize: float = 10, rad: float = 0.0, color="#444"):
    """An arrow from ``start`` to ``end``, labelled at its middle (``side``: above, below, left, right)."""
    ax.add_patch(
        FancyArrowPatch(
            start,
            end,
            arrowstyle="-|>",
            mutation_scale=16,
            linewidth=1.4,
            color=color,
            connectionstyle=f"arc3,rad={rad}",
            shrinkA=1,
            shrinkB=1,
        )
    )
    if text:
        mx, my = (start[0] + end[0]) / 2, (start[1] + end[1]) / 2
        offset = {"above": (0, 0.12), "below": (0, -0.12), "left": (-0.1, 0), "right": (0.1, 0)}[side]
        va = {"above": "bottom", "below": "top", "left": "center", "right": "center"}[side]
        ha = {"above": "center", "below": "center", "left": "right", "right": "left"}[side]
        ax.text(mx + offset[0], my + offset[1], text, ha=ha, va=va, fontsize=fontsize, color="#333")


def canvas(ax, xlim: tuple[float, float], ylim: tuple[float, float]) -> None:
    """Equal aspect, no axes, the given extent."""
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.axis("off")
