"""The "What we found" paragraphs: verdict rules, and sentences that quote the numbers they rest on."""

from __future__ import annotations

import copy
import re

import pytest

from sitebuild.models import comparison
from sitebuild.tables import findings, findings_lessons, verdicts

DATASETS = ("circles", "moons", "8gaussians", "checkerboard")
# (gap, energy, off-support share) per model; flow matching is worse on likelihood, RealNVP leaves
# bridges on 8gaussians, flow matching is smoother on circles and moons.
NUMBERS = {
    "realnvp": {"gap": 0.05, "energy": 0.006, "off": 0.04, "ms": 9.0, "train": 27.0, "sample": 0.004, "recon": 2e-6},
    "nsf": {"gap": 0.01, "energy": 0.004, "off": 0.015, "ms": 18.0, "train": 22.0, "sample": 0.006, "recon": 3e-6},
    "fm": {"gap": 0.06, "energy": 0.005, "off": 0.02, "ms": 2.0, "train": 13.0, "sample": 0.08, "recon": 4e-4},
}


def sweep(limit: float) -> list[dict]:
    rows = []
    for solver, order in (("euler", 1), ("midpoint", 2), ("rk4", 4)):
        for nfe in comparison.NFE_BUDGETS:
            rows.append({"solver": solver, "nfe": nfe, "steps": nfe, "energy": limit * (1 + 8 * (4 / nfe) ** order)})
    rows += [{"solver": "dopri5", "tol": tol, "nfe": 30, "energy": limit} for tol in comparison.DOPRI_TOLERANCES]
    return rows


def make_inputs():
    runs = []
    for m, n in NUMBERS.items():
        for d in DATASETS:
            for seed, jitter in enumerate((-0.001, 0.0, 0.001)):
                runs.append(
                    {
                        "method": m,
                        "dataset": d,
                        "seed": seed,
                        "gap": n["gap"] + jitter,
                        "energy": n["energy"],
                        "floor": 0.004,
                        "off_support": n["off"],
                        "floor_off_support": 0.01,
                        "ms_per_step": n["ms"],
                        "train_seconds": n["train"],
                        "sample_seconds": n["sample"],
                        "recon_max": n["recon"],
                        "recon64_max": 1e-5 if m == "fm" else 1e-14,
                        "nfe_sweep": sweep(0.005) if m == "fm" else [],
                    }
                )
    results = {
        "methods": list(comparison.METHODS),
        "datasets": list(DATASETS),
        "config": {"n_samples": 2000},
        "runs": runs,
        "plateau": [{"fall": 0.004}, {"fall": -0.001}],
    }
    elu = [
        {"dataset": d, "seed": s, "gap": 0.07 + 0.001 * s, "energy": 0.005}
        for d in ("moons", "8gaussians")
        for s in range(3)
    ]
    depth = [{"layers": n, "nll": 2.4 + g, "entropy": 2.4} for n, g in ((1, 0.9), (2, 0.2), (4, 0.06), (8, 0.02))]
    meta = lambda diverged: {  # noqa: E731
        "diverged_at": 12 if diverged else None,
        "grad_norm": [1.0, 30.0],
        "loss": [4.0, 3.6],
        "max_s": [0.5, 2.1],
        "run": {"lr": 0.05},
    }
    return results, elu, depth, {"tanh": meta(False), "exp": meta(False)}


def verdicts_of(*inputs) -> dict[str, str]:
    return {claim: verdict for claim, verdict, _ in verdicts.verdicts(findings.facts(*inputs))}


def test_each_claim_gets_the_verdict_its_numbers_give():
    v = verdicts_of(*make_inputs())
    assert v == {
        "sampling": "held",  # 0.08 s against 0.004 s
        "training": "held",  # 2 ms against 9 ms per step, 13 s against 27 s in all
        "inverse": "held",
        "layers": "held",  # 0.9 > 0.2 > 0.06 > 0.02
        "smoother": "held",  # 2 % off the data against 4 % on circles and moons
        "bridges": "held",  # 4 % against the data's 1 %
        "clusters": "held",  # 2 % < 4 % off the data, and energy distance 5e-3 < 6e-3
        "bound": "not_held",  # neither run diverged
        "elu": "not_held",  # ELU's gap 0.07 against SiLU's 0.06
        "steps": "held",
        "time_input": "not_measured",
        "vmap": "not_measured",
    }


def test_verdicts_change_when_the_numbers_do():
    results, elu, depth, scale = make_inputs()
    for r in results["runs"]:
        if r["method"] == "fm":
            r["sample_seconds"], r["ms_per_step"] = 0.001, 20.0
        if r["method"] == "realnvp" and r["dataset"] == "8gaussians":
            r["off_support"] = 0.01  # the data's own share: no excess
    elu = [{**r, "gap": 0.03} for r in elu]
    depth[2]["nll"] = 3.5  # 4 layers worse than 2
    scale["exp"]["diverged_at"] = 40
    v = verdicts_of(results, elu, depth, scale)
    assert v["sampling"] == "not_held" and v["training"] == "partly" and v["bridges"] == "not_held"
    assert v["elu"] == "held" and v["layers"] == "not_held" and v["bound"] == "held"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_comparison_findings_quote_their_numbers(lang):
    inputs = make_inputs()
    text = findings.render_comparison(findings.facts(*inputs), lang)
    unfilled = re.findall(r"(?<!\\mathrm)\{[^{}]*\}", text.replace("\\{", "").replace("\\}", ""))
    assert not unfilled, unfilled  # every field filled (TeX groups such as \mathrm{data} are not fields)
    table = [line for line in text.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(table) == 1 + len(verdicts.verdicts(findings.facts(*inputs)))  # head + one row per claim
    assert "0.080" in text and "0.004" in text  # sampling seconds of flow matching and RealNVP
    assert ("did not hold" if lang == "en" else "不成立") in text
    assert re.search(r"NSF 0\.010.0\.010", text)  # NSF's gap range over the datasets (seed mean 0.010 on each)
    assert re.search(r"circles(, |、)moons(, |、)8gaussians(, |、)checkerboard", text)  # NSF best everywhere


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_nfe_findings_follow_the_sweep(lang):
    f = findings.facts(make_inputs()[0])
    # energy = limit (1 + 8 (4/nfe)^order): within 10 % when 8 (4/nfe)^order <= 0.1
    assert verdicts.max_nfe(f, "euler") is None and verdicts.max_nfe(f, "rk4") == 12
    text = findings.render_nfe(f, lang)
    assert ("not enough" if lang == "en" else "还不够") in text and "12" in text


def test_depth_and_images_findings():
    depth = [{"layers": n, "nll": 2.4 + g, "entropy": 2.4} for n, g in ((1, 0.9), (2, 0.2), (4, 0.06), (8, 0.02))]
    f = findings_lessons.depth_facts(depth, {"layers": 8, "nll": 3.29, "entropy": 2.4})
    en, zh = (findings_lessons.render_depth(f, lang) for lang in ("en", "zh"))
    assert "0.900 nats with 1" in en and "bought nothing" in en and "毫无收获" in zh
    f = findings_lessons.depth_facts(depth, {"layers": 8, "nll": 2.9, "entropy": 2.4})
    assert "0.400 nats better" in findings_lessons.render_depth(f, "en")
    meta = lambda bpd, curve: {  # noqa: E731
        "test_bpd": bpd,
        "train_bpd": bpd - 0.03,
        "test_bpd_curve": [(i * 50, v) for i, v in enumerate(curve)],
        "parameters": 100,
        "baseline_bpd": 2.42,
        "uniform_bpd": 4.09,
    }
    flat, falling = [2.3, 2.2, 2.15, 2.15, 2.15, 2.15], [3.0, 2.8, 2.6, 2.4, 2.3, 2.2]
    metas = {"realnvp-image": [meta(2.15, flat)] * 3, "glow": [meta(2.20, flat), meta(2.21, falling), meta(2.19, flat)]}
    text = findings_lessons.render_images(findings_lessons.images_facts(copy.deepcopy(metas)), "en")
    assert "multi-scale RealNVP is lower by 0.050" in text and "still falling" in text
