"""Where the time of one alert → verified fix goes, against the fixed cost of Ansible itself.

Runs the real pipeline on the supervisord lab ROUNDS times (crash → investigate → approve →
execute → verify) and, in the same run, a no-op playbook through the same ansible-runner
adapter: the baseline every playbook run pays (process start, inventory, connection).

    .venv/bin/python benchmarks/pipeline_stages.py [--rounds 3]

Writes benchmarks/results/pipeline_stages.{json,md}.
"""

from __future__ import annotations

import argparse
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
from remediate.config import load_settings
from remediate.inventory import load_inventory
from remediate.lab import Lab
from remediate.pipeline import Engine

RESULTS = Path(__file__).resolve().parent / "results"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    rows: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="rmd-bench-") as tmp, Lab(Path(tmp) / "lab") as lab:
        settings = load_settings(
            env={},
            overrides={
                "inventory": str(lab.inventory_path),
                "state_dir": str(Path(tmp) / "state"),
                "approval": {"users": ["bench"]},
            },
        )
        engine = Engine(settings)
        _, seconds = timed(lambda: engine.catalog)
        rows["catalog load + syntax check"] = [seconds]
        _, seconds = timed(engine.ingest)
        rows["kb ingest (LanceDB FTS)"] = [seconds]
        noop = Path(tmp) / "noop.yml"
        noop.write_text(NOOP)
        executor = AnsibleExecutor(Path(tmp) / "noop-runs")
        host_vars = load_inventory(lab.inventory_path).get(lab.host).vars
        for _ in range(args.rounds):
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
            assert run.status.value == "successful"
            rows.setdefault("baseline: one no-op playbook run", []).append(seconds)
            lab.crash()
            alert = {"server_id": lab.host, "error_msg": "502 Bad Gateway - Connection Refused"}
            [outcome], seconds = timed(partial(engine.investigate, alert))
            assert outcome.inquiry is not None, outcome.incident.escalation_reason
            rows.setdefault(
                "investigate (gather 4 playbooks in parallel, plan, dry run)", []
            ).append(seconds)
            inquiry_id = outcome.inquiry.id
            done, seconds = timed(
                partial(engine.respond, inquiry_id, {"approved": True}, user="bench")
            )
            assert done.incident.status.value == "verified"
            rows.setdefault("approve → execute → verify → notify", []).append(seconds)
    report = {
        "command": f"python benchmarks/pipeline_stages.py --rounds {args.rounds}",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": sys.version.split()[0],
            "platform": platform.platform(),
        },
        "seconds": summarize(rows),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "pipeline_stages.json").write_text(json.dumps(report, indent=1) + "\n")
    lines = [
        "# Pipeline stage times on the supervisord lab",
        "",
        f"Command: `{report['command']}` — {report['when']}, {os.cpu_count()} CPUs, "
        f"Python {report['machine']['python']}.",
        "",
        "| stage | median s | min s | max s | n |",
        "|---|---|---|---|---|",
    ]
    lines += table_rows(report["seconds"])
    (RESULTS / "pipeline_stages.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
