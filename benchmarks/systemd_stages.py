"""Alert → approval-ready on the systemd lab over SSH, stage by stage, against a baseline.

Boots the systemd lab (root; see ``remediate lab up``; or ``--lab DIR`` uses one already
up) and, ROUNDS times, for each gather shape in turn kills webapp (nginx answers 502), sends
the article's alert and runs the real pipeline: investigate (gather, plan, dry run) until
the inquiry is open, then (new shape) approve → execute → verify → notify, or (old shape)
reject. The shapes: ``new``, the default gather (host_facts: one module run for everything),
and ``old``, the four single read-only playbooks run per service, 4 in parallel. Stage
times come from the incident's own timeline. In the same run, the baseline: one no-op
playbook through the same adapter over the same SSH connection (ControlPersist as the
inventory sets it), the fixed cost any playbook run pays. The load average is recorded
before and after.

    python benchmarks/systemd_stages.py [--rounds 3] [--lab DIR]     # as root

Writes benchmarks/results/systemd_stages.{json,md}.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import sys
import tempfile
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from stage_timing import NOOP, summarize, table_rows, timed

from remediate.ansible_executor import AnsibleExecutor
from remediate.config import PROJECT_ROOT, load_settings
from remediate.inventory import load_inventory
from remediate.pipeline import Engine
from remediate.systemd_lab import SystemdLab

RESULTS = Path(__file__).resolve().parent / "results"
TARGET_SECONDS = 5.0
SHAPES = {
    "new": ["host_facts"],
    "old": ["service_status", "collect_logs", "check_disk", "check_memory"],
}
# (label, timeline step where the stage starts, step where it ends)
STAGES = [
    ("gather (read-only playbooks over SSH)", "investigating", "gathered"),
    ("plan (sanitize, retrieve, plan, guard)", "gathered", "proposed"),
    ("dry run (--check --diff over SSH)", "proposed", "inquiry opened"),
]


def stage_seconds(engine: Engine, incident_id: str) -> dict[str, float]:
    at: dict[str, datetime] = {}
    for entry in engine.store.timeline(incident_id):
        at.setdefault(entry.step, entry.at)
    return {
        label: (at[end] - at[start]).total_seconds()
        for label, start, end in STAGES
        if start in at and end in at
    }


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def engine_for(shape: str, lab: SystemdLab, state: Path) -> Engine:
    settings = load_settings(
        env={},
        overrides={
            "inventory": str(lab.inventory_path),
            "state_dir": str(state),
            "kb": str(PROJECT_ROOT / "kb"),
            "approval": {"users": ["bench"]},
            "gather": SHAPES[shape],
        },
    )
    engine = Engine(settings)
    engine.ingest()
    return engine


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--lab", type=Path, help="directory of a lab already up")
    args = parser.parse_args()
    rows: dict[str, list[float]] = {}
    loads = {"before": load_average()}
    with (
        tempfile.TemporaryDirectory(prefix="rmd-bench-") as tmp,
        contextlib.ExitStack() as stack,
    ):
        lab = (
            SystemdLab.attach(args.lab)
            if args.lab
            else stack.enter_context(SystemdLab(Path(tmp) / "lab"))
        )
        run_rounds(lab, Path(tmp), args.rounds, rows)
    loads["after"] = load_average()
    write_report(args, rows, loads)


def run_rounds(lab: SystemdLab, tmp: Path, rounds: int, rows: dict[str, list[float]]) -> None:
    engines = {shape: engine_for(shape, lab, tmp / f"state-{shape}") for shape in SHAPES}
    noop = tmp / "noop.yml"
    noop.write_text(NOOP)
    executor = AnsibleExecutor(tmp / "noop-runs")
    host_vars = load_inventory(lab.inventory_path).get(lab.host).vars
    for _ in range(rounds):
        run, seconds = timed(
            partial(
                executor.run,
                action="noop",
                playbook=noop,
                host=lab.host,
                host_vars=host_vars,
                params={},
            )
        )
        assert run.status.value == "successful", run.output
        rows.setdefault("baseline: one no-op playbook over SSH", []).append(seconds)
        for shape, engine in engines.items():
            lab.reset()
            lab.crash()
            alert = {"server_id": lab.host, "error_msg": "502 Bad Gateway - Connection Refused"}
            [outcome], seconds = timed(partial(engine.investigate, alert))
            assert outcome.inquiry is not None, outcome.incident.escalation_reason
            assert outcome.incident.proposal is not None
            assert outcome.incident.proposal.params == {"service": "webapp"}, outcome.incident
            for label, value in stage_seconds(engine, outcome.incident.id).items():
                rows.setdefault(f"{shape}: {label}", []).append(value)
            rows.setdefault(f"{shape}: alert → approval-ready (investigate, total)", []).append(
                seconds
            )
            if shape != "new":
                engine.respond(outcome.inquiry.id, {"approved": False}, user="bench")
                continue
            done, seconds = timed(
                partial(engine.respond, outcome.inquiry.id, {"approved": True}, user="bench")
            )
            assert done.incident.status.value == "verified", done.incident.status
            rows.setdefault("approve → execute → verify → notify", []).append(seconds)


def write_report(
    args: argparse.Namespace, rows: dict[str, list[float]], loads: dict[str, list[float]]
) -> None:
    report = {
        "command": f"python benchmarks/systemd_stages.py --rounds {args.rounds}",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "load_average_1_5_15": loads,
        },
        "target_seconds": TARGET_SECONDS,
        "gather": SHAPES,
        "seconds": summarize(rows),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "systemd_stages.json").write_text(json.dumps(report, indent=1) + "\n")
    lines = [
        "# Alert → approval-ready on the systemd lab over SSH",
        "",
        f"Command: `{report['command']}` (root) — {report['when']}, {os.cpu_count()} CPUs, "
        f"Python {report['machine']['python']}, load average (1/5/15 min) "
        f"{' '.join(map(str, loads['before']))} before and "
        f"{' '.join(map(str, loads['after']))} after. Host: Debian bookworm, systemd 252, "
        "booted with systemd-nspawn, reached over SSH on loopback with sudo for become. "
        f"Gather shapes: new = {', '.join(SHAPES['new'])} (one module run); old = "
        f"{', '.join(SHAPES['old'])} (one run per playbook and service, 4 in parallel). "
        f"Target: alert → approval-ready ≤ {TARGET_SECONDS:.0f} s.",
        "",
        "| stage | median s | min s | max s | n |",
        "|---|---|---|---|---|",
    ]
    lines += table_rows(report["seconds"])
    (RESULTS / "systemd_stages.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
