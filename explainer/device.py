"""Device selection and seeding: CPU by default, CUDA automatically when present."""

from __future__ import annotations

import contextlib
import random

import numpy as np
import torch


def default_device(device: str | torch.device | None = None) -> torch.device:
    """Return ``device`` if given, else CUDA when available, else CPU.

    >>> default_device("cpu")
    device(type='cpu')
    >>> default_device().type in {"cpu", "cuda"}
    True
    """
    if device is not None:
        device = torch.device(device)
        if device.type == "cuda" and not torch.cuda.is_available():
            raise ValueError(f"device={str(device)!r} was requested but CUDA is not available; use 'cpu'")
        return device
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def seed_everything(seed: int) -> torch.Generator:
    """Seed Python, NumPy and PyTorch; return a CPU ``torch.Generator`` seeded with ``seed``.

    >>> a = torch.rand(2, generator=seed_everything(0))
    >>> b = torch.rand(2, generator=seed_everything(0))
    >>> torch.equal(a, b)
    True
    """
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


@contextlib.contextmanager
def single_thread():
    """Run on one thread (deterministic across machines with different core counts, and as fast as
    more threads for networks this small); restore the thread count afterwards.

    >>> before = torch.get_num_threads()
    >>> with single_thread():
    ...     torch.get_num_threads()
    1
    >>> torch.get_num_threads() == before
    True
    """
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)
