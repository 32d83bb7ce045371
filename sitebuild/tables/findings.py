r"""What we found: the comparison's results and note 004's claims, as sentences computed from the
pipeline's results (never typed by hand), in English and Chinese.

``table:findings_comparison`` reads ``model:comparison``, the ELU runs of
:mod:`sitebuild.models.activation`, the depth models and the scale-parametrisation runs, and writes
``docs/generated/tables/findings_comparison(.zh).md``: four short paragraphs (likelihood, samples,
cost, inverse) and a table with a verdict on each of note 004's claims (*held*, *partly held*,
*did not hold*, *not measured*) next to the numbers it rests on. ``table:findings_nfe`` writes the
flow-matching page's paragraph on sampling steps. The sentences are templates in
``strings/findings.toml``; the rules that choose a verdict are in :mod:`sitebuild.tables.verdicts`.
"""

from __future__ import annotations

import json
from pathlib import Path

from sitebuild import strings
from sitebuild.models import activation, comparison
from sitebuild.registry import target
from sitebuild.tables._common import DEPTH_MODELS, model_meta, write_langs
from sitebuild.tables.verdicts import clearly_below, max_nfe, mean, verdicts

TEXT = Path(__file__).with_name("strings") / "findings.toml"
NAMES = {"en": {"realnvp": "RealNVP", "nsf": "NSF", "fm": "flow matching"}, "zh": comparison.LABELS["zh"]}
SCALE_MODELS = ("model:scale-tanh", "model:scale-exp")
NFE_TOLERANCE = 0.10  # "converged": within 10 % of the energy distance with dopri5 at tol 1e-5


def by_model(results: dict, key: str) -> dict[tuple[str, str], list[float]]:
    """``{(method, dataset): [value per seed]}`` of ``key`` in the comparison's runs."""
    out: dict[tuple[str, str], list[float]] = {}
    for r in results["runs"]:
        out.setdefault((r["method"], r["dataset"]), []).append(r[key])
    return out


def nfe_to_converge(sweep: list[dict], solver: str, limit: float) -> int | None:
    """The smallest NFE on the sweep at which ``solver``'s energy distance is within
    :data:`NFE_TOLERANCE` of ``limit`` and stays there; None if it never gets there.

    >>> rows = [{"solver": "euler", "nfe": n, "energy": e} for n, e in ((4, 9.0), (8, 1.05), (12, 1.2), (20, 1.0))]
    >>> nfe_to_converge(rows, "euler", limit=1.0), nfe_to_converge(rows, "rk4", limit=1.0)
    (20, None)
    """
    points = sorted((e["nfe"], e["energy"]) for e in sweep if e["solver"] == solver)
    ok = [energy <= (1 + NFE_TOLERANCE) * limit for _, energy in points]
    for i, (nfe, _) in enumerate(points):
        if all(ok[i:]):
            return nfe
    return None


def mean_sweep(results: dict, dataset: str) -> list[dict]:
    """Flow matching's NFE sweep on ``dataset``, energy averaged over seeds."""
    runs = [r["nfe_sweep"] for r in results["runs"] if r["method"] == "fm" and r["dataset"] == dataset]
    return [{**rows[0], "energy": mean(row["energy"] for row in rows)} for rows in zip(*runs)]


def facts(
    results: dict, elu: list[dict] | None = None, depth: list[dict] | None = None, scale: dict | None = None
) -> dict:
    """Every number the findings quote, from the comparison's ``results`` and, for the verdicts, the
    ELU runs ``elu``, the depth models' metadata ``depth`` (1, 2, 4, 8 layers) and the scale runs
    ``scale`` (``{"tanh": meta, "exp": meta}``)."""
    gap, energy, off = by_model(results, "gap"), by_model(results, "energy"), by_model(results, "off_support")
    floor = {d: mean(r["floor"] for r in results["runs"] if r["dataset"] == d) for d in results["datasets"]}
    data_off_seeds = {
        d: [
            r["floor_off_support"]
            for r in results["runs"]
            if r["dataset"] == d and r["method"] == results["methods"][0]
        ]
        for d in results["datasets"]
    }
    data_off = {d: mean(v) for d, v in data_off_seeds.items()}
    methods, datasets_ = results["methods"], results["datasets"]
    f: dict = {"methods": methods, "datasets": datasets_, "gap": gap, "energy": energy, "off": off}
    f["floor"], f["data_off"], f["data_off_seeds"] = floor, data_off, data_off_seeds
    f["winner"] = {d: min(methods, key=lambda m: mean(gap[m, d])) for d in datasets_}
    f["clear"] = {}
    for d in datasets_:
        ranked = sorted(methods, key=lambda m: mean(gap[m, d]))
        f["clear"][d] = clearly_below(gap[ranked[0], d], gap[ranked[1], d])
    for key in ("ms_per_step", "train_seconds", "sample_seconds", "recon_max", "recon64_max"):
        values = by_model(results, key)
        reduce = max if key.startswith("recon") else mean
        f[key] = {m: reduce([v for d in datasets_ for v in values[m, d]]) for m in methods}
    f["n_samples"] = results["config"]["n_samples"]
    f["plateau"] = results.get("plateau", [])
    elu, depth, scale = elu or [], depth or [], scale or {}
    silu = {d: [r for r in results["runs"] if r["method"] == "fm" and r["dataset"] == d] for d in activation.DATASETS}
    f["elu"] = {
        d: {
            "elu_gap": [r["gap"] for r in elu if r["dataset"] == d],
            "silu_gap": [r["gap"] for r in silu[d]],
            "elu_energy": [r["energy"] for r in elu if r["dataset"] == d],
            "silu_energy": [r["energy"] for r in silu[d]],
        }
        for d in activation.DATASETS
    }
    f["depth"] = [{"layers": m["layers"], "gap": m["nll"] - m["entropy"]} for m in depth]
    f["scale"] = {
        kind: {
            "diverged": meta["diverged_at"] is not None,
            "max_grad": max(g for g in meta["grad_norm"] if g == g),
            "final_loss": mean([v for v in meta["loss"][-50:] if v == v]),
            "max_s": max(v for v in meta["max_s"] if v == v),
            "lr": meta["run"]["lr"],
        }
        for kind, meta in scale.items()
    }
    limits = {}
    f["nfe"] = {}
    for d in datasets_:
        sweep = mean_sweep(results, d)
        limits[d] = next(
            e["energy"] for e in sweep if e["solver"] == "dopri5" and e["tol"] == min(comparison.DOPRI_TOLERANCES)
        )
        f["nfe"][d] = {s: nfe_to_converge(sweep, s, limits[d]) for s in comparison.NFE_SOLVERS}
        f["nfe"][d]["euler4"] = next(e["energy"] for e in sweep if e["solver"] == "euler" and e["nfe"] == 4)
        f["nfe"][d]["euler100"] = next(e["energy"] for e in sweep if e["solver"] == "euler" and e["nfe"] == 100)
        f["nfe"][d]["dopri_nfe"] = next(
            e["nfe"] for e in sweep if e["solver"] == "dopri5" and e["tol"] == max(comparison.DOPRI_TOLERANCES)
        )
    f["limit"] = limits
    return f


def inverse_numbers(f: dict) -> dict:
    """Largest round-trip errors in float32 and float64: the coupling flows' and flow matching's."""
    return {
        "coupling": max(f["recon_max"]["realnvp"], f["recon_max"]["nsf"]),
        "fm": f["recon_max"]["fm"],
        "coupling64": max(f["recon64_max"]["realnvp"], f["recon64_max"]["nsf"]),
        "fm64": f["recon64_max"]["fm"],
    }


def render_comparison(f: dict, lang: str) -> str:
    """The comparison page's findings in ``lang`` (markdown)."""
    T = strings.load(TEXT)[lang]
    names = NAMES[lang]
    sep = T["list_sep"]
    winners: dict[str, list[str]] = {}
    for d in f["datasets"]:
        winners.setdefault(f["winner"][d], []).append(d)
    best = sep.join(T["best_on"].format(model=names[m], datasets=T["item_sep"].join(ds)) for m, ds in winners.items())
    ranges = sep.join(
        T["gap_range"].format(
            model=names[m],
            low=min(mean(f["gap"][m, d]) for d in f["datasets"]),
            high=max(mean(f["gap"][m, d]) for d in f["datasets"]),
        )
        for m in f["methods"]
    )
    energy = sep.join(
        T["energy_ratio"].format(
            model=names[m], ratio=mean(mean(f["energy"][m, d]) / f["floor"][d] for d in f["datasets"])
        )
        for m in f["methods"]
    )
    g8 = "8gaussians"
    off = sep.join(T["off_model"].format(model=names[m], share=100 * mean(f["off"][m, g8])) for m in f["methods"])
    falls = [abs(c["fall"]) for c in f["plateau"]]
    paragraphs = [
        T["likelihood"].format(
            best=best,
            clear=sum(f["clear"].values()),
            n=len(f["datasets"]),
            ranges=ranges,
            max_fall=max(falls) if falls else float("nan"),
        ),
        T["samples"].format(energy=energy, off=off, data=100 * f["data_off"][g8]),
        T["cost"].format(
            **{f"{m}_ms": f["ms_per_step"][m] for m in f["methods"]},
            **{f"{m}_s": f["train_seconds"][m] for m in f["methods"]},
            **{f"{m}_sample": f["sample_seconds"][m] for m in f["methods"]},
            n=f["n_samples"],
        ),
        T["inverse"].format(**inverse_numbers(f)),
        T["verdict_head"],
    ]
    table = [
        "| " + " | ".join(T[k] for k in ("col_claim", "col_verdict", "col_measured")) + " |",
        "|---|---|---|",
    ]
    for claim, verdict, numbers in verdicts(f):
        table.append(
            f"| {T['claim_' + claim]} | **{T['verdict_' + verdict]}** | {T['measured_' + claim].format(**numbers)} |"
        )
    return "\n\n".join([*paragraphs, "\n".join(table), T["verdict_note"]]) + "\n"


def euler_verdict(need: int | None) -> str:
    """Which sentence judges note 004's 100 Euler steps, given the NFE Euler needs (None: > 100).

    >>> euler_verdict(40), euler_verdict(100), euler_verdict(None)
    ('nfe_euler_more', 'nfe_euler_about', 'nfe_euler_fewer')
    """
    if need is None:
        return "nfe_euler_fewer"
    return "nfe_euler_more" if need < 100 else "nfe_euler_about"


def render_nfe(f: dict, lang: str) -> str:
    """The flow-matching page's findings on sampling steps in ``lang`` (markdown)."""
    T = strings.load(TEXT)[lang]
    never = T["never"]
    need = {s: max_nfe(f, s) for s in comparison.NFE_SOLVERS}
    limit_ratio = mean(f["limit"][d] / f["floor"][d] for d in f["datasets"])
    return (
        T["nfe"].format(
            tolerance=NFE_TOLERANCE,
            euler=need["euler"] or never,
            midpoint=need["midpoint"] or never,
            rk4=need["rk4"] or never,
            dopri=round(mean(f["nfe"][d]["dopri_nfe"] for d in f["datasets"])),
            ratio=min(f["nfe"][d]["euler4"] / f["limit"][d] for d in f["datasets"]),
            ratio_high=max(f["nfe"][d]["euler4"] / f["limit"][d] for d in f["datasets"]),
            limit_sentence=T["nfe_limit_floor" if limit_ratio <= 1.1 else "nfe_limit_model"].format(limit=limit_ratio),
            euler_verdict=T[euler_verdict(need["euler"])],
            solver_verdict=(
                T["nfe_higher_order"].format(share=need["rk4"] / need["euler"])
                if need["euler"] and need["rk4"] and need["rk4"] < need["euler"]
                else ""
            ),
        )
        + "\n"
    )


def _load_inputs(ctx) -> dict:
    from explainer import checkpoints

    results = json.loads(comparison.results_path(ctx.dep("model:comparison")).read_text())
    elu = [
        row for d in activation.DATASETS for row in json.loads(ctx.dep(activation.activation_target(d))[0].read_text())
    ]
    depth = [model_meta(ctx, name) for name in DEPTH_MODELS]
    scale = {name.rsplit("-", 1)[1]: checkpoints.read(ctx.dep(name)[0])["meta"] for name in SCALE_MODELS}
    return facts(results, elu, depth, scale)


_DEPENDS = (
    "model:comparison",
    *(activation.activation_target(d) for d in activation.DATASETS),
    *DEPTH_MODELS,
    *SCALE_MODELS,
)


@target("table:findings_comparison", "table", depends=_DEPENDS)
def build_findings_comparison(ctx) -> list[Path]:
    f = _load_inputs(ctx)
    return write_langs(ctx, "findings_comparison", lambda lang: render_comparison(f, lang))


@target("table:findings_nfe", "table", depends=("model:comparison",))
def build_findings_nfe(ctx) -> list[Path]:
    results = json.loads(comparison.results_path(ctx.dep("model:comparison")).read_text())
    f = facts(results)
    return write_langs(ctx, "findings_nfe", lambda lang: render_nfe(f, lang))
