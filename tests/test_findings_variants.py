"""The comparison's straighter flows (sitebuild/tables/findings_variants.py) and the minibatch-OT
benchmark table (sitebuild/tables/benchmark_ot.py): verdicts from the numbers, sentences that quote
them, tables rendered from the results."""

from __future__ import annotations

import json
import re

import pytest

from sitebuild.models import fm_depth
from sitebuild.tables import benchmark_ot, findings_variants

LIMIT, FLOOR = 0.005, 0.005
# Euler's energy at NFE n is LIMIT (1 + a / n): within 10 % of the converged LIMIT once a / n <= 0.1
SLOPE = {"independent": 100.0, "ot": 0.3, "reflow2": 0.05, "reflow3": 0.04}
STRAIGHTNESS = {"independent": 1.5, "ot": 0.01, "reflow2": 0.001, "reflow3": 0.0005}
TOTAL = {"independent": 17.0, "ot": 17.5, "reflow2": 36.0, "reflow3": 55.0}
COUPLING = {"realnvp": 0.006, "nsf": 0.0045}  # one-pass energy: NSF 0.9x the floor


def make_inputs(slope=SLOPE, total=TOTAL, coupling=COUPLING, converged=None):
    converged = converged or {}
    runs = [
        {"method": m, "dataset": d, "seed": seed, "energy": e + jitter, "floor": FLOOR, "train_seconds": 30.0}
        for m, e in {**coupling, "fm": LIMIT}.items()
        for d in ("circles", *fm_depth.DATASETS)
        for seed, jitter in enumerate((-1e-5, 0.0, 1e-5))
    ]
    results = {"methods": ["realnvp", "nsf", "fm"], "datasets": ["circles", *fm_depth.DATASETS], "runs": runs}
    rows = []
    for v in fm_depth.VARIANTS:
        for d in fm_depth.DATASETS:
            for seed, jitter in enumerate((-1e-5, 0.0, 1e-5)):
                limit = converged.get(v, LIMIT) + jitter
                sweep = [{"solver": "euler", "nfe": n, "energy": limit * (1 + slope[v] / n)} for n in fm_depth.NFE]
                sweep += [{"solver": "midpoint", "nfe": n, "energy": limit} for n in fm_depth.NFE if n % 2 == 0]
                rows.append(
                    {
                        "variant": v,
                        "dataset": d,
                        "seed": seed,
                        "sweep": sweep,
                        "converged": limit,
                        "straightness": STRAIGHTNESS[v],
                        "ms_per_step": 2.0,
                        "train_seconds": 12.0,
                        "total_seconds": total[v],
                    }
                )
    return results, rows


def verdicts_of(*inputs) -> dict[str, str]:
    f = findings_variants.facts(*inputs)
    return {claim: verdict for claim, verdict, _ in findings_variants.verdicts(f)}


def test_each_claim_gets_the_verdict_its_numbers_give():
    assert verdicts_of(*make_inputs()) == {
        "steps": "partly",  # independent CFM needs > 20 Euler steps, the others 4, 1 and 1
        "one_pass": "held",  # NSF's 0.90x the floor is clearly below every variant's one step
        "straight": "held",  # S falls 1.5 > 0.01 > 0.001 > 0.0005 and so does one step / converged
        "inherit": "held",  # the same converged energy
        "cost": "held",  # 17 < 36 < 55 s
    }


def test_verdicts_change_when_the_numbers_do():
    quick = {**{v: 0.3 for v in fm_depth.VARIANTS}, "independent": 0.2}  # the curved flow: best at one step
    v = verdicts_of(
        *make_inputs(
            slope=quick,
            total={**TOTAL, "reflow3": 30.0},
            coupling={"realnvp": 0.007, "nsf": 0.0065},
            converged={"reflow2": 0.004},
        )
    )
    assert v["steps"] == "not_held"  # every variant within 10 % at NFE 4
    assert v["one_pass"] == "not_held"  # NSF 1.3x the floor against 1.3x (no lead beyond the spreads)
    assert v["straight"] == "not_held"  # straighter flows worse at one step (1.3x) than the curved one (1.2x)
    assert v["inherit"] == "not_held"  # the 2-rectified flow converged clearly better
    assert v["cost"] == "not_held"  # the 3-rectified flow trained faster than the 2-rectified
    assert verdicts_of(*make_inputs(coupling={"realnvp": 0.007, "nsf": 0.0053}))["one_pass"] == "partly"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_findings_quote_their_numbers(lang):
    f = findings_variants.facts(*make_inputs())
    text = findings_variants.render(f, lang)
    assert not re.findall(r"(?<!\\mathrm)\{[^{}]*\}", text), "every field is filled"
    tables = [block for block in text.split("\n\n") if block.startswith("| ")]
    assert len(tables) == 2
    assert len(tables[0].splitlines()) == 2 + len(findings_variants.COUPLING) + len(fm_depth.VARIANTS)
    assert len(tables[1].splitlines()) == 2 + len(findings_variants.CLAIMS)
    # NSF one pass: 0.0045 / 0.005; independent CFM at NFE 1: 1 + 100 = 101x; its straightness; RealNVP 30 s
    assert "| NSF | 0.90 |" in text and "101.00" in text and "1.500" in text and "| 30 |" in text
    assert "> 20" in text  # the independent CFM never comes within 10 % on the sweep
    assert ("partly held" if lang == "en" else "部分成立") in text
    assert re.search(r"moons(, |、)8gaussians(, |、)checkerboard", text)


def test_findings_need_a_dataset_measured_by_both():
    results, rows = make_inputs()
    results["datasets"] = ["circles"]
    with pytest.raises(ValueError, match="no dataset is measured by both"):
        findings_variants.facts(results, rows)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_benchmark_ot_table_renders_the_committed_run(lang):
    """The table quotes benchmarks/results/peers_ot.json (ms/step, ratio, energies x10^3)."""
    record = json.loads(benchmark_ot.PEERS_OT_JSON.read_text())
    text = benchmark_ot.render_benchmark_ot(record, lang)
    ours, peer = record["summary"]["explainer"], record["summary"]["torchcfm"]
    row = next(line for line in text.splitlines() if line.startswith("| explainer |"))
    assert f"| {ours['ms_per_step']:.2f} | {ours['ms_per_step'] / peer['ms_per_step']:.2f} |" in row
    assert f"| {1e3 * ours['energy_nfe4']:.2f} | {1e3 * ours['energy_nfe20']:.2f} |" in row
    assert f"{record['config']['steps']:,}" in text and record["date"][:10] in text
    assert "python benchmarks/peers_ot.py" in benchmark_ot.render_benchmark_ot(None, lang)
