"""Side-by-side training (explainer.ensemble) against separate runs, with the comparison's networks
and batch sizes: milliseconds per training step per model, one thread. Prints, for E members, the
time of E separate steps and of one side-by-side step, and the speed-up.

    .venv/bin/python benchmarks/ensemble.py [--members 4] [--steps 40] [--repeats 3]
"""

from __future__ import annotations

import argparse
import time

import torch

from explainer import datasets
from explainer.ensemble import fit_ensemble, nll_rows
from explainer.matching.loss import CFMObjective, cfm_rows
from explainer.train import fit, nll_loss
from sitebuild.models.comparison import BUDGETS, build_model, recipe


def best_ms_per_step(run, steps: int, repeats: int) -> float:
    run(5)  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run(steps)
        times.append(time.perf_counter() - start)
    return 1000 * min(times) / steps


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=4, help="3 seeds + the plateau run in the pipeline")
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    x = datasets.sample("moons", 50_000)
    budget = BUDGETS["quick"]
    print(f"{args.members} members, {args.steps} steps, best of {args.repeats}, 1 thread, torch {torch.__version__}")
    print(f"{'model':8s} {'batch':>5s} {'alone ms/step':>14s} {'side by side ms/step/model':>27s} {'speed-up':>9s}")
    for method in ("realnvp", "nsf", "fm"):
        r = recipe(method, budget)
        loss, rows = (CFMObjective(), cfm_rows) if method == "fm" else (nll_loss, nll_rows)

        def alone_run(k, method=method, r=r, loss=loss):
            fit(build_model(method, r, 0), x, loss=loss, steps=k, batch_size=r["batch_size"], progress=False)

        def together_run(k, method=method, r=r, rows=rows):
            members = [build_model(method, r, s) for s in range(args.members)]
            fit_ensemble(members, [x] * args.members, loss_rows=rows, steps=k, batch_size=r["batch_size"])

        alone = best_ms_per_step(alone_run, args.steps, args.repeats)
        together = best_ms_per_step(together_run, args.steps, args.repeats)
        per_model = together / args.members
        print(f"{method:8s} {r['batch_size']:5d} {alone:14.2f} {per_model:27.2f} {alone / per_model:8.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
