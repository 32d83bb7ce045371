r"""``table:fm_depth``: couplings and rectified flow measured (:mod:`sitebuild.models.fm_depth`),
as tables and as sentences computed from the results (never typed by hand), in English and Chinese.

Writes ``docs/generated/tables/fm_depth_euler(.zh).md`` (straightness and Euler energy distance
against NFE), ``fm_depth_midpoint(.zh).md`` (midpoint, and the converged RK4 samples),
``fm_depth_cost(.zh).md`` (training cost) and ``fm_depth_findings(.zh).md`` (the paragraph that
reads them, with the goal: the 2-rectified flow at NFE 1 within :data:`GOAL_FACTOR` of the
independent CFM at NFE 20 on :data:`GOAL_DATASET`). Templates: ``strings/fm_depth.toml``.
"""

from __future__ import annotations

from pathlib import Path
from statistics import mean

from sitebuild import strings
from sitebuild.models import fm_depth
from sitebuild.registry import target
from sitebuild.tables._common import write_langs

TEXT = Path(__file__).with_name("strings") / "fm_depth.toml"
GOAL_DATASET, GOAL_FACTOR, GOAL_NFE = "8gaussians", 2.0, 20
SCALE = 1e3  # energy distances are printed ×10³


def summarise(rows: list[dict]) -> dict:
    """Means over seeds: ``{(variant, dataset): {"S", "euler": {nfe: e}, "midpoint": {nfe: e},
    "converged", "ms_per_step", "train_seconds", "total_seconds"}}``.

    >>> row = {"variant": "ot", "dataset": "moons", "straightness": 0.5, "converged": 1.0, "ms_per_step": 2.0,
    ...        "train_seconds": 3.0, "total_seconds": 3.0, "sweep": [{"solver": "euler", "nfe": 1, "energy": 4.0}]}
    >>> s = summarise([row, {**row, "straightness": 1.5}])[("ot", "moons")]
    >>> s["S"], s["euler"]
    (1.0, {1: 4.0})
    """
    groups: dict[tuple[str, str], list[dict]] = {}
    for r in rows:
        groups.setdefault((r["variant"], r["dataset"]), []).append(r)
    out = {}
    for key, runs in groups.items():
        entry = {
            "S": mean(r["straightness"] for r in runs),
            "converged": mean(r["converged"] for r in runs),
            "seeds": len(runs),
        }
        for k in ("ms_per_step", "train_seconds", "total_seconds"):
            entry[k] = mean(r[k] for r in runs)
        for solver in fm_depth.SOLVERS:
            points = [(e["nfe"], e["energy"]) for r in runs for e in r["sweep"] if e["solver"] == solver]
            entry[solver] = {n: mean(e for m, e in points if m == n) for n in sorted({n for n, _ in points})}
        out[key] = entry
    return out


def _datasets(s: dict) -> list[str]:
    return [d for d in fm_depth.DATASETS if any(k[1] == d for k in s)]


def render_euler(s: dict, lang: str) -> str:
    """Straightness and Euler energy distance (×10³) at each NFE, one row per (dataset, variant)."""
    T = strings.load(TEXT)[lang]
    head = [T["col_dataset"], T["col_variant"], "$S$", *(f"{n}" for n in fm_depth.NFE)]
    lines = ["| " + " | ".join(head) + " |", "|---|---|" + "---:|" * (len(head) - 2)]
    for d in _datasets(s):
        for v in fm_depth.VARIANTS:
            e = s[v, d]
            cells = [d, T["variant_" + v], f"{e['S']:.3f}", *(f"{SCALE * e['euler'][n]:.1f}" for n in fm_depth.NFE)]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n\n" + T["caption_euler"].format(seeds=len(fm_depth.SEEDS)) + "\n"


def render_midpoint(s: dict, lang: str) -> str:
    """Midpoint energy distance (×10³) at each even NFE, and RK4 with 100 NFE."""
    T = strings.load(TEXT)[lang]
    nfes = [n for n in fm_depth.NFE if n % 2 == 0]
    head = [T["col_dataset"], T["col_variant"], *(f"{n}" for n in nfes), T["col_rk4"]]
    lines = ["| " + " | ".join(head) + " |", "|---|---|" + "---:|" * (len(head) - 2)]
    for d in _datasets(s):
        for v in fm_depth.VARIANTS:
            e = s[v, d]
            cells = [d, T["variant_" + v], *(f"{SCALE * e['midpoint'][n]:.1f}" for n in nfes)]
            lines.append("| " + " | ".join([*cells, f"{SCALE * e['converged']:.1f}"]) + " |")
    return "\n".join(lines) + "\n\n" + T["caption_midpoint"] + "\n"


def render_cost(s: dict, lang: str) -> str:
    """Training cost per variant, averaged over datasets and seeds."""
    T = strings.load(TEXT)[lang]
    lines = [
        f"| {T['col_variant']} | {T['col_ms']} | {T['col_train']} | {T['col_total']} |",
        "|---|---:|---:|---:|",
    ]
    for v in fm_depth.VARIANTS:
        es = [s[v, d] for d in _datasets(s)]
        cells = [
            T["variant_" + v],
            f"{mean(e['ms_per_step'] for e in es):.2f}",
            f"{mean(e['train_seconds'] for e in es):.1f}",
            f"{mean(e['total_seconds'] for e in es):.1f}",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n\n" + T["caption_cost"] + "\n"


def goal(s: dict) -> dict:
    """The goal's numbers on :data:`GOAL_DATASET`: the 2-rectified flow at NFE 1 against the
    independent CFM at NFE 20 (Euler), and what limits the former.

    >>> e = lambda one, twenty, conv: {"euler": {1: one, 20: twenty}, "converged": conv, "S": 0.1}
    >>> g = goal({("reflow2", "8gaussians"): e(3.0, 9.0, 2.5), ("independent", "8gaussians"): e(90.0, 1.0, 0.9)})
    >>> g["ratio"], g["reached"], round(g["limit_ratio"], 3)
    (3.0, False, 2.778)
    """
    r2, ind = s["reflow2", GOAL_DATASET], s["independent", GOAL_DATASET]
    ratio = r2["euler"][1] / ind["euler"][GOAL_NFE]
    return {
        "one": r2["euler"][1],
        "twenty": ind["euler"][GOAL_NFE],
        "ratio": ratio,
        "reached": ratio <= GOAL_FACTOR,
        "converged": r2["converged"],
        "limit_ratio": r2["converged"] / ind["converged"],
        "one_over_converged": r2["euler"][1] / r2["converged"],
        "S": r2["S"],
    }


def render_findings(s: dict, lang: str) -> str:
    """The paragraph that reads the tables in ``lang``."""
    T = strings.load(TEXT)[lang]
    ds = _datasets(s)
    S = {v: mean(s[v, d]["S"] for d in ds) for v in fm_depth.VARIANTS}
    at = {
        v: {n: mean(s[v, d]["euler"][n] / s[v, d]["converged"] for d in ds) for n in (1, 4)} for v in fm_depth.VARIANTS
    }
    cost = {v: mean(s[v, d]["total_seconds"] for d in ds) for v in fm_depth.VARIANTS}
    ms = {v: mean(s[v, d]["ms_per_step"] for d in ds) for v in fm_depth.VARIANTS}
    g = goal(s)
    g_sentence = T["goal_reached" if g["reached"] else "goal_missed"].format(
        factor=GOAL_FACTOR,
        nfe=GOAL_NFE,
        dataset=GOAL_DATASET,
        **{k: v * SCALE if k in ("one", "twenty", "converged") else v for k, v in g.items()},
    )
    straight = T["straightness"].format(
        ind=S["independent"],
        ot=S["ot"],
        r2=S["reflow2"],
        r3=S["reflow3"],
        ot_share=S["ot"] / S["independent"],
        r2_share=S["reflow2"] / S["independent"],
    )
    steps = T["steps"].format(
        ind1=at["independent"][1],
        ind4=at["independent"][4],
        ot1=at["ot"][1],
        ot4=at["ot"][4],
        r21=at["reflow2"][1],
        r24=at["reflow2"][4],
        r31=at["reflow3"][1],
        r34=at["reflow3"][4],
    )
    costs = T["cost"].format(
        ms_ind=ms["independent"],
        ms_ot=ms["ot"],
        ot_extra=ms["ot"] / ms["independent"] - 1,
        r2=cost["reflow2"] / cost["independent"],
        r3=cost["reflow3"] / cost["independent"],
    )
    return "\n\n".join([straight, steps, g_sentence, costs]) + "\n"


@target("table:fm_depth", "table", depends=fm_depth.TARGETS)
def build_fm_depth(ctx) -> list[Path]:
    s = summarise(fm_depth.rows({name: ctx.dep(name) for name in fm_depth.TARGETS}))
    out = []
    for name, render in (
        ("fm_depth_euler", render_euler),
        ("fm_depth_midpoint", render_midpoint),
        ("fm_depth_cost", render_cost),
        ("fm_depth_findings", render_findings),
    ):
        out += write_langs(ctx, name, lambda lang, render=render: render(s, lang))
    return out
