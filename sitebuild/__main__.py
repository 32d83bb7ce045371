"""``python -m sitebuild``: the site's build from the command line (run from the repository).

python -m sitebuild build [NAME ...] [--lang en|zh|all] [--jobs N] [--skip animation] [--force]
python -m sitebuild build [NAME ...] --list      (each target: its kind, up to date or not; builds nothing)
python -m sitebuild figures [NAME ...]
python -m sitebuild animations [SCENE ...] --lang en|zh|all --quality preview|hd
python -m sitebuild report [--kind figure]      (what each target cost when last built)
"""

from __future__ import annotations

import argparse
import sys
import time

from . import pipeline


def _build(args: argparse.Namespace) -> int:
    start = time.perf_counter()
    names = args.names or (pipeline.names("figure") if args.command == "figures" else None)
    skip = tuple(k for k in args.skip.split(",") if k)
    if args.list:
        from . import listing

        listing.show(listing.rows(names, lang=args.lang, skip=skip))
        return 0
    result = pipeline.build(names, lang=args.lang, progress=not args.quiet, jobs=args.jobs, skip=skip, force=args.force)
    print(
        f"{len(result.outputs)} outputs up to date ({len(result.built)} targets built) "
        f"in {time.perf_counter() - start:.1f} s"
    )
    return 0


def _animations(args: argparse.Namespace) -> int:
    from .media.cli import main

    return main(args.scenes, lang=args.lang, quality=args.quality, progress=not args.quiet)


def _report(args: argparse.Namespace) -> int:
    pipeline.report(kind=args.kind)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m sitebuild", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name, help_text in (
        ("figures", "regenerate the site's figures (cached)"),
        ("build", "regenerate everything the site uses (cached)"),
    ):
        p = sub.add_parser(name, help=help_text)
        p.add_argument("names", nargs="*")
        p.add_argument("--lang", choices=("en", "zh", "all"), default="all")
        p.add_argument("--jobs", type=int, default=None, help="parallel processes (default: one per core)")
        p.add_argument("--skip", default="", help="comma-separated target kinds to leave out, e.g. animation")
        p.add_argument("--quiet", action="store_true")
        p.add_argument("--force", action="store_true", help="rebuild the named targets (default: all) even if cached")
        p.add_argument(
            "--list", action="store_true", help="list the targets and whether each is up to date; build nothing"
        )
        p.set_defaults(func=_build)
    a = sub.add_parser("animations", help="render the Manim scenes (cached)")
    a.add_argument("scenes", nargs="*")
    a.add_argument("--lang", choices=("en", "zh", "all"), default="all")
    a.add_argument("--quality", choices=("preview", "hd"), default="preview")
    a.add_argument("--quiet", action="store_true")
    a.set_defaults(func=_animations)
    r = sub.add_parser("report", help="print what each target cost when it was last built")
    r.add_argument("--kind", choices=pipeline.KINDS, default=None)
    r.set_defaults(func=_report)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, TypeError) as error:
        print(f"sitebuild: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
