"""What the stage benchmarks share: timing a call, summarizing rounds, the markdown rows.

Used by pipeline_stages.py, systemd_stages.py and serve_e2e.py (run as scripts from this
folder, so a plain ``import stage_timing`` finds it).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

T = TypeVar("T")

NOOP = """- name: No-op baseline
  hosts: "{{ target }}"
  gather_facts: false
  tasks:
    - name: Do nothing
      ansible.builtin.debug:
        msg: baseline
"""
"""The baseline of every stage benchmark: one playbook that does nothing, run the same way."""


def timed(fn: Callable[[], T]) -> tuple[T, float]:
    """``fn()`` and the seconds it took (wall clock)."""
    started = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - started


def summarize(rows: Mapping[str, Sequence[float]]) -> dict[str, dict[str, float]]:
    """Median, min, max and count of each stage's rounds."""
    return {
        k: {"median": statistics.median(v), "min": min(v), "max": max(v), "n": len(v)}
        for k, v in rows.items()
    }


def table_rows(seconds: Mapping[str, Mapping[str, float]]) -> list[str]:
    """One markdown row a stage: ``| name | median | min | max | n |``."""
    return [
        f"| {name} | {s['median']:.2f} | {s['min']:.2f} | {s['max']:.2f} | {int(s['n'])} |"
        for name, s in seconds.items()
    ]
