r"""Note 004's claims, judged: the rules that turn the comparison's numbers (:func:`facts
<sitebuild.tables.findings.facts>`) into a verdict per claim, *held*, *partly held*, *did not
hold* or *not measured*, each with the numbers it rests on. The sentences are in
``strings/findings.toml``.
"""

from __future__ import annotations

import statistics


def mean(values) -> float:
    return statistics.fmean(values)


def spread(values) -> float:
    values = list(values)
    return statistics.stdev(values) if len(values) > 1 else 0.0


def clearly_below(a: list[float], b: list[float]) -> bool:
    """Is ``a`` below ``b`` by more than the two seed spreads together?

    >>> clearly_below([0.10, 0.11, 0.12], [0.20, 0.21, 0.19]), clearly_below([0.10, 0.2], [0.15, 0.16])
    (True, False)
    """
    return mean(b) - mean(a) > spread(a) + spread(b)


def three_way(first: bool, second: bool) -> str:
    """A verdict from two conditions a claim makes: both hold, one holds, neither.

    >>> three_way(True, True), three_way(True, False), three_way(False, False)
    ('held', 'partly', 'not_held')
    """
    return "held" if first and second else ("partly" if first or second else "not_held")


def verdicts(f: dict) -> list[tuple[str, str, dict]]:
    """``(claim, verdict, numbers)`` for each of note 004's claims, from :func:`facts`."""
    out = []
    t_sample, t_step, t_train = f["sample_seconds"], f["ms_per_step"], f["train_seconds"]
    out.append(
        (
            "sampling",
            "held" if t_sample["fm"] > t_sample["realnvp"] else "not_held",
            {"fm": t_sample["fm"], "realnvp": t_sample["realnvp"], "ratio": t_sample["fm"] / t_sample["realnvp"]},
        )
    )
    out.append(
        (
            "training",
            three_way(t_step["fm"] < t_step["realnvp"], t_train["fm"] < t_train["realnvp"]),
            {
                "fm_ms": t_step["fm"],
                "realnvp_ms": t_step["realnvp"],
                "fm_s": t_train["fm"],
                "realnvp_s": t_train["realnvp"],
            },
        )
    )
    # Exact means: the error falls to rounding when the precision rises; a solver's error does not.
    coupling64 = max(f["recon64_max"]["realnvp"], f["recon64_max"]["nsf"])
    out.append(
        (
            "inverse",
            "held" if coupling64 < 1e-9 and f["recon64_max"]["fm"] > 100 * coupling64 else "not_held",
            {
                "coupling": max(f["recon_max"]["realnvp"], f["recon_max"]["nsf"]),
                "fm": f["recon_max"]["fm"],
                "coupling64": coupling64,
                "fm64": f["recon64_max"]["fm"],
            },
        )
    )
    gaps = [d["gap"] for d in f["depth"]]
    out.append(
        (
            "layers",
            "held" if all(a > b for a, b in zip(gaps, gaps[1:])) else "not_held",
            {"gaps": " → ".join(f"{g:.3f}" for g in gaps), "layers": " → ".join(str(d["layers"]) for d in f["depth"])},
        )
    )
    off = f["off"]
    # Every comparison below must exceed the seed spreads (clearly_below), not just the means.
    smoother = [clearly_below(off["fm", d], off["realnvp", d]) for d in ("circles", "moons")]
    out.append(
        (
            "smoother",
            three_way(*smoother),
            {
                **{f"fm_{d}": 100 * mean(off["fm", d]) for d in ("circles", "moons")},
                **{f"realnvp_{d}": 100 * mean(off["realnvp", d]) for d in ("circles", "moons")},
            },
        )
    )
    g8 = "8gaussians"
    out.append(
        (
            "bridges",
            "held" if clearly_below(f["data_off_seeds"][g8], off["realnvp", g8]) else "not_held",
            {
                "realnvp": 100 * mean(off["realnvp", g8]),
                "data": 100 * f["data_off"][g8],
                "nsf": 100 * mean(off["nsf", g8]),
            },
        )
    )
    out.append(
        (
            "clusters",
            three_way(
                clearly_below(off["fm", g8], off["realnvp", g8]),
                clearly_below(f["energy"]["fm", g8], f["energy"]["realnvp", g8]),
            ),
            {
                "fm_off": 100 * mean(off["fm", g8]),
                "realnvp_off": 100 * mean(off["realnvp", g8]),
                "fm_energy": 1e3 * mean(f["energy"]["fm", g8]),
                "realnvp_energy": 1e3 * mean(f["energy"]["realnvp", g8]),
            },
        )
    )
    tanh, exp = f["scale"]["tanh"], f["scale"]["exp"]
    out.append(
        (
            "bound",
            "held" if exp["diverged"] and not tanh["diverged"] else "not_held",
            {
                "lr": tanh["lr"],
                "tanh_grad": tanh["max_grad"],
                "exp_grad": exp["max_grad"],
                "tanh_loss": tanh["final_loss"],
                "exp_loss": exp["final_loss"],
                "exp_s": exp["max_s"],
            },
        )
    )
    elu = f["elu"]
    better = [clearly_below(elu[d]["elu_gap"], elu[d]["silu_gap"]) for d in elu]
    out.append(
        (
            "elu",
            three_way(*better),
            {
                **{f"elu_{d}": mean(elu[d]["elu_gap"]) for d in elu},
                **{f"silu_{d}": mean(elu[d]["silu_gap"]) for d in elu},
            },
        )
    )
    ratio = min(f["nfe"][d]["euler4"] / f["nfe"][d]["euler100"] for d in f["datasets"])
    out.append(("steps", "held" if ratio > 3 else "not_held", {"ratio": ratio, "rk4": max_nfe(f, "rk4")}))
    out.append(("time_input", "not_measured", {}))
    out.append(("vmap", "not_measured", {}))
    return out


def max_nfe(f: dict, solver: str) -> int | None:
    """The NFE ``solver`` needs to converge on every dataset (None if on some it never does)."""
    values = [f["nfe"][d][solver] for d in f["datasets"]]
    return None if None in values else max(values)
