"""Running an external program (Manim, ffmpeg) and measuring the CPU time it used."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass


@dataclass(frozen=True)
class Ran:
    stdout: str
    cpu: float  # user + system seconds of the program and the processes it waited for


def run(cmd: list, *, missing: str = "", **kw) -> Ran:
    """Run ``cmd`` (extra keywords go to :class:`subprocess.Popen`); return its stdout and CPU time.

    The CPU time comes from ``os.wait4`` of that very child, so programs running in parallel do
    not count each other. A failure raises with the end of the program's output; a program that
    is not installed raises with ``missing`` (how to install it).

    >>> import sys
    >>> run([sys.executable, "-c", "print(6 * 7)"]).stdout
    '42\\n'
    >>> run([sys.executable, "-c", "import sys; sys.exit('no luck')"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    RuntimeError: command failed (1): ... -c import sys; sys.exit('no luck') ...
    no luck
    >>> run(["no-such-program-here"], missing="install it")
    Traceback (most recent call last):
    ...
    RuntimeError: no-such-program-here not found: install it
    """
    cmd = [str(c) for c in cmd]
    if shutil.which(cmd[0]) is None:
        raise RuntimeError(f"{cmd[0]} not found: {missing or 'is it installed?'}")
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, text=True, **kw)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if proc.returncode != 0:
        tail = "\n".join((stderr or stdout).strip().splitlines()[-25:])
        raise RuntimeError(f"command failed ({proc.returncode}): {' '.join(cmd[:6])} ...\n{tail}")
    return Ran(stdout, usage.ru_utime + usage.ru_stime)
