"""Fail points: named places where a test can stop or kill this process for real.

Crash recovery is only believable if the process really dies at each stage boundary,
with no ``finally`` and no cleanup. ``REMEDIATE_FAILPOINTS="approval.saved=kill"`` makes
the process SIGKILL itself when it reaches that point (the same as ``kill -9`` from
outside, but at an exact place rather than after a guessed delay); ``=pause`` makes it
write ``<REMEDIATE_FAILPOINT_DIR>/<name>.reached`` and wait until ``<name>.go`` appears, so
that a test can interleave two real processes deterministically. Unset (always, outside
tests), :func:`hit` is one dictionary look-up.
"""

from __future__ import annotations

import os
import signal
import time
from functools import cache
from pathlib import Path

ENV = "REMEDIATE_FAILPOINTS"
DIR_ENV = "REMEDIATE_FAILPOINT_DIR"
PAUSE_LIMIT = 120.0


@cache
def _armed() -> dict[str, str]:
    spec = os.environ.get(ENV, "")
    points = {}
    for item in spec.split(","):
        name, _, action = item.strip().partition("=")
        if name and action in ("kill", "pause"):
            points[name] = action
    return points


def hit(name: str) -> None:
    action = _armed().get(name)
    if action is None:
        return
    if action == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    directory = Path(os.environ.get(DIR_ENV, "."))
    (directory / f"{name}.reached").write_text(str(os.getpid()))
    deadline = time.monotonic() + PAUSE_LIMIT
    while not (directory / f"{name}.go").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
