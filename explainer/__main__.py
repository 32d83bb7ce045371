"""``python -m explainer``: the same command line as the ``explainer`` console script."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
