"""The ``explainer`` command line.

    explainer train --model affine|spline|additive|fm --data moons --steps 2500
    explainer train --model realnvp-image|glow --data digits
    explainer worked
    explainer --version

(The site's build is not part of the library: it runs from a checkout of the repository, as
``python -m sitebuild build [--force] [--list]``; ``explainer build`` says so.)
"""

from __future__ import annotations

import argparse
import sys

from . import __version__, datasets

FLOW_MODELS = ("affine", "spline", "additive")
IMAGE_MODELS = ("realnvp-image", "glow")  # trained on --data digits (explainer.images)


def _train(args: argparse.Namespace) -> int:
    import torch

    from .device import default_device
    from .train import evaluate_nll, fit

    device = default_device(args.device)
    torch.set_num_threads(max(1, torch.get_num_threads()))
    if (args.data == "digits") != (args.model in IMAGE_MODELS):
        raise ValueError(
            f"--data digits goes with the image models {list(IMAGE_MODELS)} and they need it; "
            f"got --model {args.model} --data {args.data}"
        )
    if args.data == "digits":
        from .images.training import train_cli  # multi-scale image flows, bits/dim

        return train_cli(args, device)
    for name, default in (("steps", 2500), ("hidden", 128), ("batch_size", 512), ("lr", 1e-3)):
        if getattr(args, name) is None:  # None = not given: the 2D defaults (images use their budget's)
            setattr(args, name, default)
    train = datasets.sample(args.data, args.train_size, seed=args.seed)
    test = datasets.sample(args.data, args.test_size, seed=10_000 + args.seed)
    if args.model == "fm":
        from .matching.experiment import train_fm_cli  # flow matching has its own likelihood

        return train_fm_cli(args, train, test, device)
    from .models import coupling_flow

    kwargs = {"bins": args.bins, "bound": args.bound} if args.model == "spline" else {}
    flow = coupling_flow(args.model, layers=args.layers, hidden=args.hidden, depth=args.depth, **kwargs)
    print(
        f"training {args.model} flow ({args.layers} layers, MLP {args.depth}x{args.hidden}) on "
        f"{args.data} for {args.steps} steps on {device}"
    )
    history = fit(
        flow,
        train,
        steps=args.steps,
        batch_size=args.batch_size,
        lr=args.lr,
        seed=args.seed,
        device=device,
        progress=not args.quiet,
    )
    nll = evaluate_nll(flow, test)
    entropy = datasets.entropy(args.data)
    with torch.no_grad():
        z, _ = flow(test.to(device))
        x_back, _ = flow.inverse(z)
        error = (x_back.cpu() - test).abs().max().item()
    print(f"train time      {history.seconds:.1f} s ({1000 * history.seconds / args.steps:.2f} ms/step)")
    print(f"test NLL        {nll:.4f} nats")
    print(f"true entropy    {entropy:.4f} nats")
    print(f"gap             {nll - entropy:.4f} nats")
    print(f"max |x - f^-1(f(x))| {error:.2e} (float32, {len(test)} test points)")
    return 0


def _worked(_: argparse.Namespace) -> int:
    from .worked import coupling_example, linear_example

    for name, ex in (("linear map z = Ax + b", linear_example()), ("affine coupling", coupling_example())):
        print(
            f"{name}: z = ({ex.z[0]:.4f}, {ex.z[1]:.4f}), log|det J| = {ex.logabsdet:.4f}, "
            f"log p_Z(z) = {ex.log_pz:.4f}, log p_X(x) = {ex.log_px:.4f}"
        )
    return 0


SITE_BUILD = "python -m sitebuild build"


def _build(args: argparse.Namespace) -> int:
    # The library never imports the site's build (tests/test_arrow.py): that code is not installed
    # with the package, it lives in the repository next to the pages it builds.
    given = "".join(f" {flag}" for flag in ("--force", "--list") if getattr(args, flag[2:]))
    print(
        "explainer: the site is not built by the installed library. In a checkout of the repository\n"
        f"(git clone <repository>; ./dev.sh setup), run:\n    .venv/bin/{SITE_BUILD}{given}\n"
        "(--force rebuilds even what is cached, --list shows every target and whether it is up to date.)",
        file=sys.stderr,
    )
    return 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="explainer", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    t = sub.add_parser("train", help="train a flow on a 2D dataset and report NLL vs the true entropy")
    t.add_argument("--model", choices=(*FLOW_MODELS, "fm", *IMAGE_MODELS), default="affine")
    t.add_argument("--data", choices=(*datasets.NAMES, "digits"), default="moons")
    t.add_argument("--steps", type=int, default=None, help="default 2500 (2D); images: the quick budget's")
    t.add_argument("--layers", type=int, default=8)
    t.add_argument("--hidden", type=int, default=None, help="default 128 (2D); images: the quick budget's")
    t.add_argument("--depth", type=int, default=2)
    t.add_argument("--bins", type=int, default=8)
    t.add_argument("--bound", type=float, default=5.0)
    t.add_argument("--batch-size", type=int, default=None, help="default 512 (2D); images: the quick budget's")
    t.add_argument("--lr", type=float, default=None, help="default 1e-3 (2D); images: the quick budget's")
    t.add_argument("--train-size", type=int, default=100_000)
    t.add_argument("--test-size", type=int, default=20_000)
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--device", default=None, help="cpu or cuda (default: cuda when available)")
    t.add_argument("--quiet", action="store_true")
    t.set_defaults(func=_train)

    w = sub.add_parser("worked", help="print the notes' worked examples, computed by the library")
    w.set_defaults(func=_worked)

    b = sub.add_parser("build", help=f"the site's build: run {SITE_BUILD} from the repository (this says how)")
    b.add_argument("--force", action="store_true", help="rebuild even what is cached")
    b.add_argument("--list", action="store_true", help="list the targets and whether each is up to date")
    b.set_defaults(func=_build)

    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, TypeError) as error:
        print(f"explainer: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
