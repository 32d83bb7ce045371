r"""What we found on the lesson pages, computed from the trained models (never typed by hand):

- ``table:findings_depth`` (alternation page): RealNVP on moons at 1, 2, 4 and 8 layers, and the
  8-layer model that uses one mask throughout;
- ``table:findings_images`` (images page): the digits flows' bits per dimension against each other,
  the baselines, and whether their held-out curves had flattened.

Sentences: ``strings/findings_lessons.toml`` (English and Chinese side by side).
"""

from __future__ import annotations

import statistics
from pathlib import Path

from explainer import checkpoints
from sitebuild import strings
from sitebuild.models.digits import MODEL_NAMES, seed_checkpoints
from sitebuild.registry import target
from sitebuild.tables._common import DEPTH_MODELS, model_meta, write_langs

TEXT = Path(__file__).with_name("strings") / "findings_lessons.toml"
SAME_MASK = "model:realnvp-moons-same-mask"
SAME_TOLERANCE = 0.02  # nats: "no better than one layer"


def depth_facts(depth: list[dict], same: dict) -> dict:
    """Gaps to the entropy by depth and the same-mask model's, from the models' metadata.

    >>> meta = lambda layers, nll: {"layers": layers, "nll": nll, "entropy": 2.0}
    >>> f = depth_facts([meta(1, 3.0), meta(2, 2.4), meta(4, 2.1)], meta(8, 2.99))
    >>> f["gaps"], [round(c, 2) for c in f["cuts"]], round(f["bought"], 2), f["same_as_one"]
    ([1.0, 0.3999999999999999, 0.10000000000000009], [2.5, 4.0], 0.01, True)
    """
    gaps = [m["nll"] - m["entropy"] for m in depth]
    same_gap = same["nll"] - same["entropy"]
    return {
        "layers": [m["layers"] for m in depth],
        "gaps": gaps,
        "cuts": [a / b for a, b in zip(gaps, gaps[1:])],
        "same_gap": same_gap,
        "same_layers": same["layers"],
        "bought": gaps[0] - same_gap,
        "same_as_one": abs(gaps[0] - same_gap) <= SAME_TOLERANCE,
    }


def render_depth(f: dict, lang: str) -> str:
    T = strings.load(TEXT)[lang]
    steps = T["depth_step"].join(T["depth_item"].format(gap=g, layers=n) for g, n in zip(f["gaps"], f["layers"]))
    return (
        T["depth"].format(steps=steps, cut_low=min(f["cuts"]), cut_high=max(f["cuts"]))
        + T["sentence_sep"]
        + T["same_yes" if f["same_as_one"] else "same_no"].format(
            layers=f["same_layers"], same=f["same_gap"], one=f["gaps"][0], bought=f["bought"]
        )
        + "\n"
    )


def last_fifth_fall(curve: list[float]) -> float:
    """Relative fall of a held-out curve over its last fifth (by evaluation count).

    >>> round(last_fifth_fall([3.0, 2.5, 2.3, 2.2, 2.2, 2.18, 2.17, 2.16, 2.15, 2.15, 2.14]), 4)
    0.0047
    """
    start = curve[round(0.8 * (len(curve) - 1))]
    return (start - curve[-1]) / abs(start)


def images_facts(metas: dict[str, list[dict]]) -> dict:
    """Mean and spread of the test bits/dim per model, the baselines, and the held-out curves' falls."""
    f = {}
    for builder, ms in metas.items():
        test = [m["test_bpd"] for m in ms]
        f[builder] = {
            "test": statistics.fmean(test),
            "std": statistics.stdev(test) if len(test) > 1 else 0.0,
            "train": statistics.fmean(m["train_bpd"] for m in ms),
            "fall": max(last_fifth_fall([bpd for _, bpd in m["test_bpd_curve"]]) for m in ms),
            "params": ms[0]["parameters"],
        }
    first = next(iter(metas.values()))
    f["baseline"] = statistics.fmean(m["baseline_bpd"] for m in first)
    f["uniform"] = first[0]["uniform_bpd"]
    return f


def render_images(f: dict, lang: str) -> str:
    T = strings.load(TEXT)[lang]
    r, g = f["realnvp-image"], f["glow"]
    better, worse = ("glow", "realnvp-image") if g["test"] < r["test"] else ("realnvp-image", "glow")
    diff = f[worse]["test"] - f[better]["test"]
    clear = diff > f[better]["std"] + f[worse]["std"]
    falls = max(r["fall"], g["fall"])
    return (
        T["sentence_sep"].join(
            [
                T["images"].format(
                    realnvp=r["test"],
                    realnvp_std=r["std"],
                    glow=g["test"],
                    glow_std=g["std"],
                    better=T[better],
                    diff=diff,
                ),
                T["images_clear" if clear else "images_unclear"],
                T["images_baseline"].format(
                    baseline=f["baseline"],
                    uniform=f["uniform"],
                    low=f["baseline"] - max(r["test"], g["test"]),
                    high=f["baseline"] - min(r["test"], g["test"]),
                ),
                T["images_flat" if falls <= 0.02 else "images_falling"].format(fall=100 * falls),
                T["images_overfit"].format(
                    r_train=r["train"],
                    r_test=r["test"],
                    g_train=g["train"],
                    g_test=g["test"],
                    r_params=r["params"],
                    g_params=g["params"],
                ),
            ]
        )
        + "\n"
    )


@target("table:findings_depth", "table", depends=(*DEPTH_MODELS, SAME_MASK))
def build_findings_depth(ctx) -> list[Path]:
    f = depth_facts([model_meta(ctx, name) for name in DEPTH_MODELS], model_meta(ctx, SAME_MASK))
    return write_langs(ctx, "findings_depth", lambda lang: render_depth(f, lang))


@target("table:findings_images", "table", depends=tuple(f"model:{n}" for n in MODEL_NAMES.values()))
def build_findings_images(ctx) -> list[Path]:
    metas = {
        builder: [checkpoints.read(p)["meta"] for _, p in sorted(seed_checkpoints(ctx.dep(f"model:{name}")).items())]
        for builder, name in MODEL_NAMES.items()
    }
    f = images_facts(metas)
    return write_langs(ctx, "findings_images", lambda lang: render_images(f, lang))
