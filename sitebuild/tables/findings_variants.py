r"""The comparison's straighter flows: minibatch-OT CFM and rectified flow next to RealNVP, NSF and
flow matching, with verdicts computed from the measurements (never typed by hand), in English and
Chinese.

``table:findings_variants`` reads ``model:comparison`` (RealNVP, NSF and the floors of the energy
distance) and the ``model:fmdepth-*`` targets (:mod:`sitebuild.models.fm_depth`: independent CFM,
minibatch-OT CFM, 2- and 3-rectified flows on :data:`~sitebuild.models.fm_depth.DATASETS`) and
writes ``docs/generated/tables/findings_variants(.zh).md``: a table of every model's samples
against the floor (one pass or one Euler step, four Euler steps, converged), its straightness and
its training time, then a verdict on each claim of :data:`CLAIMS` next to the numbers it rests on.
Templates: ``strings/findings_variants.toml``; variant names: ``strings/fm_depth.toml``.
"""

from __future__ import annotations

import json
from pathlib import Path

from sitebuild import strings
from sitebuild.models import comparison, fm_depth
from sitebuild.registry import target
from sitebuild.tables._common import write_langs
from sitebuild.tables.findings import NAMES, NFE_TOLERANCE, nfe_to_converge
from sitebuild.tables.fm_depth import summarise
from sitebuild.tables.verdicts import clearly_below, mean

TEXT = Path(__file__).with_name("strings") / "findings_variants.toml"
VARIANT_TEXT = Path(__file__).with_name("strings") / "fm_depth.toml"  # the variants' names
FINDINGS_TEXT = Path(__file__).with_name("strings") / "findings.toml"  # verdict words, column heads
COUPLING = ("realnvp", "nsf")
FEW = 4  # "few steps": the NFE at or below which a flow is said to sample quickly
CLAIMS = ("steps", "one_pass", "straight", "inherit", "cost")


def facts(results: dict, rows: list[dict]) -> dict:
    """Every number the table and the verdicts quote: the comparison's ``results`` and the
    fm_depth ``rows``, over the datasets both measured. Energies are divided by each dataset's floor
    (two held-out draws) before averaging over datasets, so that the datasets weigh alike."""
    s = summarise(rows)
    ds = [d for d in fm_depth.DATASETS if d in results["datasets"] and all((v, d) in s for v in fm_depth.VARIANTS)]
    if not ds:
        raise ValueError("no dataset is measured by both model:comparison and the fmdepth targets")
    floor = {d: mean(r["floor"] for r in results["runs"] if r["dataset"] == d) for d in ds}

    def runs(m: str, d: str, key: str) -> list[float]:
        return [r[key] for r in results["runs"] if r["method"] == m and r["dataset"] == d]

    def per_seed(values: dict[str, list[float]]) -> list[float]:
        """Per seed, the mean over datasets of value / floor (``values``: dataset -> one per seed)."""
        return [mean(values[d][i] / floor[d] for d in ds) for i in range(min(len(v) for v in values.values()))]

    coupling = {
        m: {
            "one": mean(mean(runs(m, d, "energy")) / floor[d] for d in ds),
            "one_seeds": per_seed({d: runs(m, d, "energy") for d in ds}),
            "seconds": mean(mean(runs(m, d, "train_seconds")) for d in ds),
        }
        for m in COUPLING
    }

    def euler_one(v: str, d: str) -> list[float]:
        ordered = sorted((r for r in rows if r["variant"] == v and r["dataset"] == d), key=lambda r: r["seed"])
        return [next(e["energy"] for e in r["sweep"] if e["solver"] == "euler" and e["nfe"] == 1) for r in ordered]

    variants = {}
    for v in fm_depth.VARIANTS:
        need = []
        for d in ds:
            sweep = [{"solver": "euler", "nfe": n, "energy": e} for n, e in s[v, d]["euler"].items()]
            need.append(nfe_to_converge(sweep, "euler", limit=s[v, d]["converged"]))
        variants[v] = {
            "one": mean(s[v, d]["euler"][1] / floor[d] for d in ds),
            "one_seeds": per_seed({d: euler_one(v, d) for d in ds}),
            "few": mean(s[v, d]["euler"][FEW] / floor[d] for d in ds),
            "converged": mean(s[v, d]["converged"] / floor[d] for d in ds),
            "one_over_converged": mean(s[v, d]["euler"][1] / s[v, d]["converged"] for d in ds),
            "S": mean(s[v, d]["S"] for d in ds),
            "seconds": mean(s[v, d]["total_seconds"] for d in ds),
            "need": None if None in need else max(need),
            "converged_seeds": {
                d: [r["converged"] for r in rows if r["variant"] == v and r["dataset"] == d] for d in ds
            },
        }
    return {"datasets": ds, "coupling": coupling, "variants": variants, "max_nfe": max(fm_depth.NFE)}


def verdicts(f: dict) -> list[tuple[str, str, dict]]:
    """``(claim, verdict, numbers)`` for each of :data:`CLAIMS`, from :func:`facts`.

    - ``steps`` (note 004: flow matching needs many steps): *held* if every variant needs more than
      :data:`FEW` Euler steps to come within ``NFE_TOLERANCE`` of its converged samples, *did not
      hold* if none does, *partly held* otherwise;
    - ``one_pass`` (a coupling flow's one pass beats flow matching's one step): *held* if the better
      coupling flow is clearly below (beyond the seed spreads) every variant at NFE 1, *partly* if
      below some, else *did not hold*;
    - ``straight`` (Liu et al.: straighter flows need fewer steps): *held* if, for every two variants
      whose straightness differs by more than a factor 2, the straighter one's one-step samples are
      no further from its converged ones;
    - ``inherit`` (reflow learns the previous flow's samples and cannot improve on them): *held* if
      the 2-rectified flow's converged samples are not clearly better (beyond the seed spreads)
      than the independent CFM's on any dataset;
    - ``cost`` (each reflow is one more training run): *held* if the total training time grows
      with every reflow.
    """
    V, C = f["variants"], f["coupling"]
    out = []
    need = {v: V[v]["need"] for v in fm_depth.VARIANTS}
    many = [n is None or n > FEW for n in need.values()]
    out.append(
        (
            "steps",
            "held" if all(many) else ("not_held" if not any(many) else "partly"),
            {v: (str(n) if n is not None else f"> {f['max_nfe']}") for v, n in need.items()},
        )
    )
    best = min(COUPLING, key=lambda m: C[m]["one"])
    beaten = [clearly_below(C[best]["one_seeds"], V[v]["one_seeds"]) for v in fm_depth.VARIANTS]
    out.append(
        (
            "one_pass",
            "held" if all(beaten) else ("partly" if any(beaten) else "not_held"),
            {**{m: C[m]["one"] for m in COUPLING}, **{v: V[v]["one"] for v in fm_depth.VARIANTS}},
        )
    )
    pairs = [
        (a, b)
        for a in fm_depth.VARIANTS
        for b in fm_depth.VARIANTS
        if V[a]["S"] < V[b]["S"] / 2  # a clearly straighter than b
    ]
    ordered = all(V[a]["one_over_converged"] <= V[b]["one_over_converged"] for a, b in pairs)
    numbers = {f"S_{v}": V[v]["S"] for v in fm_depth.VARIANTS}
    numbers.update({f"ratio_{v}": V[v]["one_over_converged"] for v in fm_depth.VARIANTS})
    out.append(("straight", "held" if pairs and ordered else ("not_measured" if not pairs else "not_held"), numbers))
    improved = [
        clearly_below(V["reflow2"]["converged_seeds"][d], V["independent"]["converged_seeds"][d]) for d in f["datasets"]
    ]
    out.append(
        (
            "inherit",
            "not_held" if any(improved) else "held",
            {v: V[v]["converged"] for v in ("independent", "reflow2", "reflow3")},
        )
    )
    t = {v: V[v]["seconds"] for v in fm_depth.VARIANTS}
    out.append(
        (
            "cost",
            "held" if t["independent"] < t["reflow2"] < t["reflow3"] else "not_held",
            {**t, **{m: C[m]["seconds"] for m in COUPLING}},
        )
    )
    return out


def render(f: dict, lang: str) -> str:
    """The comparison page's section on the straighter flows in ``lang`` (markdown)."""
    T, names, F = strings.load(TEXT)[lang], strings.load(VARIANT_TEXT)[lang], strings.load(FINDINGS_TEXT)[lang]
    label = {**{m: NAMES[lang][m] for m in COUPLING}, **{v: names["variant_" + v] for v in fm_depth.VARIANTS}}
    V, C = f["variants"], f["coupling"]
    head = [T[k] for k in ("col_model", "col_one", "col_few", "col_converged", "col_S", "col_seconds")]
    lines = ["| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 1)]
    for m in COUPLING:
        lines.append(f"| {label[m]} | {C[m]['one']:.2f} | — | — | — | {C[m]['seconds']:.0f} |")
    for v in fm_depth.VARIANTS:
        e = V[v]
        cells = [label[v], f"{e['one']:.2f}", f"{e['few']:.2f}", f"{e['converged']:.2f}", f"{e['S']:.3f}"]
        lines.append("| " + " | ".join([*cells, f"{e['seconds']:.0f}"]) + " |")
    caption = T["caption"].format(datasets=F["item_sep"].join(f["datasets"]), few=FEW, seeds=len(fm_depth.SEEDS))
    table = [
        "| " + " | ".join([T["col_claim"], F["col_verdict"], F["col_measured"]]) + " |",
        "|---|---|---|",
    ]
    for claim, verdict, numbers in verdicts(f):
        measured = T["measured_" + claim].format(**numbers, few=FEW, tolerance=NFE_TOLERANCE)
        table.append(f"| {T['claim_' + claim]} | **{F['verdict_' + verdict]}** | {measured} |")
    parts = ["\n".join(lines), caption, T["verdict_head"], "\n".join(table)]
    return "\n\n".join(parts) + "\n"


_DEPENDS = ("model:comparison", *fm_depth.TARGETS)


@target("table:findings_variants", "table", depends=_DEPENDS)
def build_findings_variants(ctx) -> list[Path]:
    results = json.loads(comparison.results_path(ctx.dep("model:comparison")).read_text())
    f = facts(results, fm_depth.rows({name: ctx.dep(name) for name in fm_depth.TARGETS}))
    return write_langs(ctx, "findings_variants", lambda lang: render(f, lang))
