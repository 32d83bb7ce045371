"""Minibatch-OT conditional flow matching: ours (explainer.matching.couplings.minibatch_ot, an exact
permutation by scipy's linear_sum_assignment) against torchcfm's
ExactOptimalTransportConditionalFlowMatcher (POT's exact plan, then pairs sampled from it), in
lock-step: the same 3x128 SiLU network with identical initial weights, the same (x_0, x_1, t) at
every step, the order of the two steps alternating. Prints ms/step (median CPU time of a step,
coupling included: time.process_time, which other load on the machine barely changes) and
the energy distance at Euler NFE 4 and 20 of 2,000 samples from one seeded noise draw.

    .venv/bin/python benchmarks/peers_ot.py [--data 8gaussians] [--steps 6000] [--seeds 0]
        [--out benchmarks/results/peers_ot.json]

Needs the bench extra's torchcfm and POT (see README.md). Not part of the site build.
"""

from __future__ import annotations

import argparse
import datetime
import json
import statistics
import sys
import time
from pathlib import Path

import torch
from torch import nn

from explainer import datasets
from explainer.matching.couplings import minibatch_ot
from explainer.matching.loss import cfm_loss
from explainer.matching.path import CondOTPath
from explainer.matching.solvers import solve
from explainer.matching.velocity import VelocityMLP
from explainer.metrics import energy_distance

CONFIG = {"hidden": 128, "depth": 3, "batch_size": 256, "lr": 1e-2, "n_train": 50_000, "n_samples": 2_000}


def peer_net(ours: VelocityMLP) -> nn.Module:
    """Our architecture as a plain module on (x, t), with our initial weights."""
    twin = VelocityMLP(2, hidden=CONFIG["hidden"], depth=CONFIG["depth"])
    twin.load_state_dict(ours.state_dict())
    return twin


def run(data: str, seed: int, steps: int) -> dict:
    import numpy as np
    from torchcfm.conditional_flow_matching import ExactOptimalTransportConditionalFlowMatcher

    torch.set_num_threads(1)
    np.random.seed(seed)  # torchcfm samples its pairs from the plan with numpy's global generator
    train = datasets.sample(data, CONFIG["n_train"], seed=seed)
    reference = datasets.sample(data, CONFIG["n_samples"], seed=30_000 + seed)
    torch.manual_seed(seed)
    ours = VelocityMLP(2, hidden=CONFIG["hidden"], depth=CONFIG["depth"])
    theirs = peer_net(ours)
    path, matcher = CondOTPath(), ExactOptimalTransportConditionalFlowMatcher(sigma=0.0)

    def ours_loss(x_0, x_1, t):
        a, b = minibatch_ot(x_0, x_1)
        return cfm_loss(ours, path, a, b, t)

    def theirs_loss(x_0, x_1, t):
        t, x_t, u_t = matcher.sample_location_and_conditional_flow(x_0, x_1, t)
        return (theirs(x_t, t) - u_t).pow(2).sum() / x_t.shape[0]  # the same loss scale as cfm_loss

    nets, losses, names = (ours, theirs), (ours_loss, theirs_loss), ("explainer", "torchcfm")
    opts = []
    for net in nets:
        opt = torch.optim.Adam(net.parameters(), lr=CONFIG["lr"])
        opts.append((opt, torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)))
    times: dict[str, list[float]] = {n: [] for n in names}
    g = torch.Generator().manual_seed(seed)
    for step in range(steps):
        x_1 = train[torch.randint(0, train.shape[0], (CONFIG["batch_size"],), generator=g)]
        x_0 = torch.randn(x_1.shape, generator=g)
        t = torch.rand(x_1.shape[0], generator=g)
        for k in range(2):
            i = (step + k) % 2
            opt, sched = opts[i]
            start = time.process_time()
            loss = losses[i](x_0, x_1, t)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            times[names[i]].append(time.process_time() - start)
    x_0 = torch.randn(CONFIG["n_samples"], 2, generator=torch.Generator().manual_seed(seed + 1))
    out = {}
    for name, net in zip(names, nets):
        net.eval()
        out[name] = {
            "ms_per_step": 1000 * statistics.median(times[name]),
            "energy_nfe4": energy_distance(solve(net, x_0, "euler", 4), reference),
            "energy_nfe20": energy_distance(solve(net, x_0, "euler", 20), reference),
        }
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default="8gaussians")
    parser.add_argument("--steps", type=int, default=6000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--out", default=None)
    args = parser.parse_args(argv)
    import torchcfm

    runs = {seed: run(args.data, seed, args.steps) for seed in args.seeds}
    print(f"minibatch-OT CFM on {args.data}, {args.steps} steps, batch {CONFIG['batch_size']}, seeds {args.seeds}")
    print(f"{'':<10} {'ms/step':>8} {'energy NFE 4':>13} {'energy NFE 20':>14}")
    summary = {}
    for name in ("explainer", "torchcfm"):
        row = {k: statistics.mean(r[name][k] for r in runs.values()) for k in runs[args.seeds[0]][name]}
        summary[name] = row
        print(f"{name:<10} {row['ms_per_step']:>8.2f} {row['energy_nfe4']:>13.5f} {row['energy_nfe20']:>14.5f}")
    if args.out:
        record = {
            "config": {**CONFIG, "steps": args.steps, "data": args.data, "seeds": args.seeds},
            "versions": {"torch": torch.__version__, "torchcfm": torchcfm.__version__},
            "date": datetime.date.today().isoformat(),
            "runs": runs,
            "summary": summary,
        }
        Path(args.out).write_text(json.dumps(record, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
