"""Run the installed `remediate` console script as a real process, as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from remediate.config import PROJECT_ROOT

BIN = Path(sys.executable).parent


def remediate(
    *args: str,
    stdin: str | None = None,
    state: Path | None = None,
    timeout: float = 300,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    # ansible-runner finds ansible-playbook on PATH, as in `make demo`.
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", **(env or {})}
    if state is not None:
        env["REMEDIATE_STATE_DIR"] = str(state)
    return subprocess.run(
        [str(BIN / "remediate"), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=PROJECT_ROOT,
        check=False,
    )
