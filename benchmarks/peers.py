"""Side-by-side benchmark: our coupling flows and flow matching against peer libraries.

Every model is trained in this one process, in lock-step: at each step every model gets the same
data batch (and, for flow matching, the same noise x_0 and times t), the order of the models
rotates from step to step, and each step is timed on its own (forward, loss, backward, Adam).

    coupling flows: explainer (RealNVP / NSF) vs zuko (MAF / NSF with passes=2, i.e. coupling)
                    vs normflows (AffineCouplingBlock / PiecewiseRationalQuadraticCoupling);
                    8 coupling layers, conditioner MLP 2x128 ReLU, affine and RQ spline (8 bins,
                    bound 5), Adam 1e-3 with cosine decay, batch 512.
    flow matching:  explainer vs torchcfm (ConditionalFlowMatcher, sigma=0; sampled with
                    torchdiffeq, which it uses) vs facebookresearch flow_matching
                    (AffineProbPath(CondOTScheduler) + ODESolver); the same MLP 3x256 SiLU with
                    t concatenated, identical initial weights.

Install the peers without letting them touch torch (see README): ``pip install --no-deps zuko
normflows torchcfm flow_matching POT torchdiffeq``. Run:

    python benchmarks/peers.py                      # full: 2,500 steps, 3 seeds (long on 2 cores)
    python benchmarks/peers.py --steps 100 --seeds 0 --out /tmp/peers.json    # a quick check
    python benchmarks/peers.py --only spline --merge    # re-measure one model, keep the rest

It prints ratios and writes ``benchmarks/results/peers.json`` (machine and date inside), which
the pipeline target ``table:benchmark`` renders into docs/generated/tables/benchmark(.zh).md.
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from explainer import datasets, models  # noqa: E402
from explainer.flow import standard_normal_log_prob  # noqa: E402
from explainer.matching import CondOTPath, VelocityMLP, cfm_loss, log_likelihood, solve  # noqa: E402
from explainer.metrics import energy_distance  # noqa: E402
from sitebuild.models.comparison import machine  # noqa: E402

CONFIG = {
    "layers": 8,
    "hidden": 128,
    "depth": 2,
    "bins": 8,
    "bound": 5.0,
    "lr": 1e-3,
    "batch_size": 512,
    "fm_hidden": 256,
    "fm_depth": 3,
    "n_train": 100_000,
    "n_test": 20_000,
    "n_samples": 4_000,
    "n_sample_timing": 100_000,
}


# --- models ------------------------------------------------------------------------------------------


def mlp(sizes: list[int], act=nn.ReLU) -> nn.Sequential:
    layers: list[nn.Module] = []
    for a, b in zip(sizes[:-2], sizes[1:-1]):
        layers += [nn.Linear(a, b), act()]
    layers.append(nn.Linear(sizes[-2], sizes[-1]))
    return nn.Sequential(*layers)


class ContextMLP(nn.Module):
    """An MLP that ignores normflows' ``context`` argument."""

    def __init__(self, sizes):
        super().__init__()
        self.net = mlp(sizes)

    def forward(self, x, context=None):
        return self.net(x)


class Ours:
    name = "explainer"

    def __init__(self, kind: str):
        c = CONFIG
        self.model = (
            models.realnvp(layers=c["layers"], hidden=c["hidden"], depth=c["depth"])
            if kind == "affine"
            else models.nsf(layers=c["layers"], hidden=c["hidden"], depth=c["depth"], bins=c["bins"], bound=c["bound"])
        )

    def log_prob(self, x):
        return self.model.log_prob(x)

    def roundtrip(self, x):
        z, _ = self.model(x)
        return self.model.inverse(z)[0]

    def sample(self, n):
        return self.model.sample(n)


class Zuko:
    name = "zuko"

    def __init__(self, kind: str):
        import zuko

        c = CONFIG
        hidden = (c["hidden"],) * c["depth"]
        if kind == "affine":
            self.model = zuko.flows.MAF(2, transforms=c["layers"], passes=2, hidden_features=hidden)
        else:
            self.model = zuko.flows.NSF(2, transforms=c["layers"], passes=2, bins=c["bins"], hidden_features=hidden)
            for t in self.model.transform.transforms:  # bound 5 (zuko's default), stated explicitly
                t.univariate = _with_bound(t.univariate, c["bound"])

    def log_prob(self, x):
        return self.model().log_prob(x)

    def roundtrip(self, x):
        transform = self.model().transform
        return transform.inv(transform(x))

    def sample(self, n):
        return self.model().sample((n,))


def _with_bound(univariate, bound):
    def build(*args, **kwargs):
        return univariate(*args, bound=bound, **kwargs)

    return build


class NormFlows:
    name = "normflows"

    def __init__(self, kind: str):
        import normflows as nf
        from normflows.flows.neural_spline.coupling import PiecewiseRationalQuadraticCoupling
        from normflows.utils.masks import create_alternating_binary_mask

        c = CONFIG
        flows = []
        for i in range(c["layers"]):
            if kind == "affine":
                flows += [
                    nf.flows.AffineCouplingBlock(nf.nets.MLP([1] + [c["hidden"]] * c["depth"] + [2], init_zeros=True)),
                    nf.flows.Permute(2, mode="swap"),
                ]
            else:
                layer = nf.flows.CoupledRationalQuadraticSpline(
                    2, 1, c["hidden"], num_bins=c["bins"], tail_bound=c["bound"], reverse_mask=i % 2 == 1
                )
                layer.prqct = PiecewiseRationalQuadraticCoupling(
                    mask=create_alternating_binary_mask(2, even=i % 2 == 1),
                    transform_net_create_fn=lambda n_in, n_out: ContextMLP(
                        [n_in] + [c["hidden"]] * c["depth"] + [n_out]
                    ),
                    num_bins=c["bins"],
                    tails="linear",
                    tail_bound=c["bound"],
                )
                flows.append(layer)
        self.model = nf.NormalizingFlow(q0=nf.distributions.DiagGaussian(2, trainable=False), flows=flows)

    def log_prob(self, x):
        return self.model.log_prob(x)

    def roundtrip(self, x):
        return self.model.forward(self.model.inverse(x))

    def sample(self, n):
        return self.model.sample(n)[0]


# --- coupling benchmark ------------------------------------------------------------------------------


def _schedule(model: nn.Module, steps: int):
    opt = torch.optim.Adam(model.parameters(), lr=CONFIG["lr"])
    return opt, torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)


def _timed_step(loss_fn, opt, sched) -> float:
    start = time.perf_counter()
    loss = loss_fn()
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    sched.step()
    return time.perf_counter() - start


@torch.no_grad()
def _nll(log_prob, x) -> float:
    return -sum(log_prob(chunk).sum().item() for chunk in x.split(10_000)) / x.shape[0]


def coupling(kind: str, seed: int, steps: int, data: str) -> dict:
    train = datasets.sample(data, CONFIG["n_train"], seed=seed)
    test = datasets.sample(data, CONFIG["n_test"], seed=10_000 + seed)
    contenders = []
    for cls in (Ours, Zuko, NormFlows):
        torch.manual_seed(seed)
        contenders.append(cls(kind))
    opts = [_schedule(c.model, steps) for c in contenders]
    times = {c.name: [] for c in contenders}
    g = torch.Generator().manual_seed(seed)
    for step in range(steps):
        batch = train[torch.randint(0, train.shape[0], (CONFIG["batch_size"],), generator=g)]
        order = [(step + k) % len(contenders) for k in range(len(contenders))]
        for i in order:
            c, (opt, sched) = contenders[i], opts[i]
            times[c.name].append(_timed_step(lambda c=c, batch=batch: -c.log_prob(batch).mean(), opt, sched))
    entropy = datasets.entropy(data)
    out = {}
    for c in contenders:
        c.model.eval()
        nll = _nll(c.log_prob, test)
        with torch.no_grad():
            error = (c.roundtrip(test) - test).abs().max().item()
            torch.manual_seed(seed)
            start = time.perf_counter()
            c.sample(CONFIG["n_sample_timing"])
            sample_seconds = time.perf_counter() - start
        out[c.name] = {
            "ms_per_step": 1000 * statistics.median(times[c.name]),
            "ms_per_step_mean": 1000 * statistics.fmean(times[c.name]),
            "nll": nll,
            "gap": nll - entropy,
            "inversion_error": error,
            "sample_seconds": sample_seconds,
            "params": sum(p.numel() for p in c.model.parameters()),
        }
    return out


# --- flow matching benchmark -----------------------------------------------------------------------


class Counter:
    def __init__(self, fn):
        self.fn, self.calls = fn, 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        return self.fn(*args, **kwargs)


def _peer_net(ours: VelocityMLP) -> nn.Sequential:
    """The same architecture as a plain nn.Sequential on (x, t), with our initial weights."""
    net = mlp([3] + [CONFIG["fm_hidden"]] * CONFIG["fm_depth"] + [2], act=nn.SiLU)
    net.load_state_dict(ours.net.state_dict())
    return net


def _cat_t(net, x, t):
    return net(torch.cat([x, t.reshape(-1, 1).expand(x.shape[0], 1).to(x)], dim=1))


# Our NFE-10 sampler: midpoint with 5 steps on a uniform grid (see the README's benchmark notes).
OURS_NFE10 = {"method": "midpoint", "steps": 5}


def flow_matching(seed: int, steps: int, data: str) -> dict:
    import torchdiffeq
    from flow_matching.path import AffineProbPath
    from flow_matching.path.scheduler import CondOTScheduler
    from flow_matching.solver import ODESolver
    from flow_matching.utils import ModelWrapper
    from torchcfm.conditional_flow_matching import ConditionalFlowMatcher

    train = datasets.sample(data, CONFIG["n_train"], seed=seed)
    test = datasets.sample(data, CONFIG["n_test"], seed=10_000 + seed)
    reference = datasets.sample(data, CONFIG["n_samples"], seed=30_000 + seed)
    floor = energy_distance(datasets.sample(data, CONFIG["n_samples"], seed=40_000 + seed), reference)
    torch.manual_seed(seed)
    ours = VelocityMLP(2, hidden=CONFIG["fm_hidden"], depth=CONFIG["fm_depth"], act="silu")
    cfm_net, fb_net = _peer_net(ours), _peer_net(ours)
    path, cfm, fb_path = CondOTPath(), ConditionalFlowMatcher(sigma=0.0), AffineProbPath(scheduler=CondOTScheduler())

    def ours_loss(x_0, x_1, t):
        return cfm_loss(ours, path, x_0, x_1, t)

    def cfm_step(x_0, x_1, t):
        t, x_t, u_t = cfm.sample_location_and_conditional_flow(x_0, x_1, t)
        return torch.mean((_cat_t(cfm_net, x_t, t) - u_t) ** 2)

    def fb_step(x_0, x_1, t):
        s = fb_path.sample(x_0=x_0, x_1=x_1, t=t)
        return torch.pow(_cat_t(fb_net, s.x_t, s.t) - s.dx_t, 2).mean()

    names = ("explainer", "torchcfm", "flow_matching")
    nets = (ours, cfm_net, fb_net)
    losses = (ours_loss, cfm_step, fb_step)
    opts = [_schedule(n, steps) for n in nets]
    times = {n: [] for n in names}
    g = torch.Generator().manual_seed(seed)
    for step in range(steps):
        x_1 = train[torch.randint(0, train.shape[0], (CONFIG["batch_size"],), generator=g)]
        x_0 = torch.randn(x_1.shape, generator=g)
        t = torch.rand(x_1.shape[0], generator=g)
        for k in range(3):
            i = (step + k) % 3
            opt, sched = opts[i]
            times[names[i]].append(_timed_step(lambda i=i, x_0=x_0, x_1=x_1, t=t: losses[i](x_0, x_1, t), opt, sched))
    for n in nets:
        n.eval()

    x_0 = torch.randn(CONFIG["n_samples"], 2, generator=torch.Generator().manual_seed(seed + 1))
    out = {}
    with torch.no_grad():
        # ours
        v = Counter(ours)
        res = {
            "euler_10": solve(v, x_0, "euler", 10),
            "euler_100": solve(v, x_0, "euler", 100),
            "nfe10_best": solve(v, x_0, **OURS_NFE10),
        }
        v.calls = 0
        res["adaptive"] = solve(v, x_0, "dopri5")
        out["explainer"] = {"adaptive_nfe": v.calls}
        # torchcfm: torchdiffeq's odeint, as torchcfm's own examples do
        f = Counter(lambda t, x: _cat_t(cfm_net, x, t))
        peer = {
            f"euler_{n}": torchdiffeq.odeint(f, x_0, torch.linspace(0, 1, n + 1), method="euler")[-1] for n in (10, 100)
        }
        f.calls = 0
        peer["adaptive"] = torchdiffeq.odeint(f, x_0, torch.tensor([0.0, 1.0]), method="dopri5", atol=1e-5, rtol=1e-5)[
            -1
        ]
        out["torchcfm"] = {"adaptive_nfe": f.calls}
        cfm_res = peer

        # flow_matching: ODESolver
        class Wrapped(ModelWrapper):
            def forward(self, x, t, **extras):
                return _cat_t(self.model, x, t)

        counted = Counter(Wrapped(fb_net))
        solver = ODESolver(velocity_model=counted)
        fb_res = {f"euler_{n}": solver.sample(x_init=x_0, step_size=1 / n, method="euler") for n in (10, 100)}
        counted.calls = 0
        fb_res["adaptive"] = solver.sample(x_init=x_0, step_size=None, method="dopri5", atol=1e-5, rtol=1e-5)
        out["flow_matching"] = {"adaptive_nfe": counted.calls}
    for name, samples in (("explainer", res), ("torchcfm", cfm_res), ("flow_matching", fb_res)):
        out[name].update({f"energy_{k}": energy_distance(x, reference) for k, x in samples.items()})
    # NLL of every model with one method (ours, exact divergence, RK4 25 steps), and flow_matching's
    # own likelihood of its model as a cross-check.
    n_nll = 5_000
    for name, net in zip(names, nets):
        field = net if name == "explainer" else (lambda x, t, net=net: _cat_t(net, x, t))
        out[name]["nll"] = -log_likelihood(field, test[:n_nll], "rk4", 25).mean().item()
        out[name]["ms_per_step"] = 1000 * statistics.median(times[name])
        out[name]["ms_per_step_mean"] = 1000 * statistics.fmean(times[name])
    _, log_p = ODESolver(velocity_model=Wrapped(fb_net)).compute_likelihood(
        x_1=test[:n_nll],
        log_p0=lambda x: standard_normal_log_prob(x),
        step_size=0.04,
        method="rk4",
        exact_divergence=True,
    )
    out["flow_matching"]["nll_own_solver"] = -log_p.mean().item()
    entropy = datasets.entropy(data)
    for name in names:
        out[name]["gap"] = out[name]["nll"] - entropy
    out["floor"] = floor
    return out


# --- summary -----------------------------------------------------------------------------------------


def _mean(xs):
    return statistics.fmean(xs)


def summarise(runs: dict) -> dict:
    """Means over seeds and ratios (ours / best peer) for every metric."""
    summary = {}
    for part, by_model in runs.items():
        summary[part] = {}
        for model, by_seed in by_model.items():
            libs = {k for r in by_seed for k in r if k != "floor"}
            entry = {}
            for lib in sorted(libs):
                keys = by_seed[0][lib].keys()
                entry[lib] = {
                    k: {
                        "mean": _mean([r[lib][k] for r in by_seed]),
                        "std": statistics.stdev([r[lib][k] for r in by_seed]) if len(by_seed) > 1 else 0.0,
                    }
                    for k in keys
                }
            if "floor" in by_seed[0]:
                entry["floor"] = _mean([r["floor"] for r in by_seed])
            summary[part][model] = entry
    return summary


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=2500)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--data", choices=datasets.NAMES, default="8gaussians")
    parser.add_argument("--only", choices=("coupling", "affine", "spline", "fm"), default=None)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "peers.json"))
    parser.add_argument(
        "--merge",
        action="store_true",
        help="replace only the parts measured now in an existing --out file (same steps/seeds/data)",
    )
    args = parser.parse_args(argv)
    if args.steps < 1:
        raise SystemExit("--steps must be >= 1")
    torch.set_num_threads(args.threads)
    start = time.perf_counter()
    runs: dict = {}
    kinds = [k for k in ("affine", "spline") if args.only in (None, "coupling", k)]
    if kinds:
        for kind in kinds:
            runs.setdefault("coupling", {})[kind] = []
            for seed in args.seeds:
                r = coupling(kind, seed, args.steps, args.data)
                runs["coupling"][kind].append(r)
                print(
                    f"[{time.perf_counter() - start:6.0f} s] coupling {kind} seed {seed}: "
                    + ", ".join(
                        f"{lib} {v['ms_per_step']:.2f} ms/step NLL {v['nll']:.4f} inv {v['inversion_error']:.1e}"
                        for lib, v in r.items()
                    ),
                    flush=True,
                )
    if args.only in (None, "fm"):
        runs["fm"] = {"mlp": []}
        for seed in args.seeds:
            r = flow_matching(seed, args.steps, args.data)
            runs["fm"]["mlp"].append(r)
            print(
                f"[{time.perf_counter() - start:6.0f} s] flow matching seed {seed}: "
                + ", ".join(
                    f"{lib} {v['ms_per_step']:.2f} ms/step ED10 {v['energy_euler_10']:.4f}"
                    for lib, v in r.items()
                    if lib != "floor"
                ),
                flush=True,
            )
    now = datetime.datetime.now().isoformat(timespec="seconds")
    parts = {part: {"date": now, "seconds": time.perf_counter() - start} for part in runs}
    out = Path(args.out)
    if args.merge and out.exists():  # re-measure one part (e.g. --only fm) and keep the other
        previous = json.loads(out.read_text())
        for key in ("steps", "seeds", "data", "threads"):
            if previous[key] != getattr(args, key):
                raise SystemExit(f"--merge needs the same --{key} as {out} ({previous[key]}), got {getattr(args, key)}")
        runs = {part: {**previous["runs"].get(part, {}), **runs.get(part, {})} for part in {*previous["runs"], *runs}}
        parts = {**previous.get("parts", {}), **parts}
    summary = summarise(runs)
    result = {
        "date": now,
        "machine": machine(),
        "threads": args.threads,
        "steps": args.steps,
        "seeds": args.seeds,
        "data": args.data,
        "config": CONFIG,
        "ours_nfe10": OURS_NFE10,
        "parts": parts,
        "versions": versions(),
        "summary": summary,
        "runs": runs,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1))
    print_ratios(summary)
    print(f"wrote {out}")
    return 0


def versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in ("torch", "zuko", "normflows", "torchcfm", "flow_matching", "torchdiffeq", "POT"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out


def print_ratios(summary: dict) -> None:
    for part, by_model in summary.items():
        for model, entry in by_model.items():
            ours = entry["explainer"]
            peers = {k: v for k, v in entry.items() if k not in ("explainer", "floor")}
            fastest = min(peers, key=lambda k: peers[k]["ms_per_step"]["mean"])
            ratio = ours["ms_per_step"]["mean"] / peers[fastest]["ms_per_step"]["mean"]
            print(
                f"{part}/{model}: ours {ours['ms_per_step']['mean']:.2f} ms/step, fastest peer {fastest} "
                f"{peers[fastest]['ms_per_step']['mean']:.2f} ms/step: ratio {ratio:.2f}"
            )
            for key in ("nll", "inversion_error", "sample_seconds", "energy_euler_10", "energy_nfe10_best"):
                if key in ours:
                    line = ", ".join(f"{k} {v[key]['mean']:.4g}" for k, v in peers.items() if key in v)
                    print(f"    {key}: ours {ours[key]['mean']:.4g} ± {ours[key]['std']:.2g}; {line}")


if __name__ == "__main__":
    sys.exit(main())
