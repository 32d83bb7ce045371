"""Exact divergence of a velocity MLP on 10,000 points: d backward passes (likelihood.divergence)
against torch.func's vmap(jacrev) (jacobian.divergence_vmap). Prints the best of ``--repeats``
times of each (the least disturbed by other load), the speed-up, and how far the two disagree.

    .venv/bin/python benchmarks/divergence.py [--points 10000] [--dim 2] [--repeats 7]
"""

from __future__ import annotations

import argparse
import time

import torch

from explainer.matching.jacobian import divergence_vmap
from explainer.matching.likelihood import divergence
from explainer.matching.velocity import VelocityMLP


def timed(fn, repeats: int) -> tuple[float, tuple]:
    out = fn()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return min(times), out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--points", type=int, default=10_000)
    parser.add_argument("--dim", type=int, nargs="+", default=[2, 8, 32])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    print(
        f"exact divergence of a 3x128 SiLU velocity MLP, {args.points} points, "
        f"{args.threads} thread(s), torch {torch.__version__}"
    )
    print(f"{'d':>4} {'backward loop (ms)':>20} {'vmap(jacrev) (ms)':>20} {'speed-up':>9} {'max |diff|':>11}")
    for dim in args.dim:
        torch.manual_seed(0)
        v = VelocityMLP(dim, hidden=128, depth=3)
        x, t = torch.randn(args.points, dim), torch.tensor(0.5)
        loop, (_, div_loop) = timed(lambda v=v, x=x, t=t: divergence(v, x, t), args.repeats)
        vmapped, (_, div_vmap) = timed(lambda v=v, x=x, t=t: divergence_vmap(v, x, t), args.repeats)
        diff = (div_loop - div_vmap).abs().max().item()
        print(f"{dim:>4} {1000 * loop:>20.1f} {1000 * vmapped:>20.1f} {loop / vmapped:>8.2f}x {diff:>11.2e}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
