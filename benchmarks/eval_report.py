"""Run the evaluation scenarios with a planner and record the report.

    .venv/bin/python benchmarks/eval_report.py [--planner offline|llm] [--dir tests/evals]

Writes benchmarks/results/evals-<planner>.{json,md}: per case and in aggregate, what
`remediate eval` measured (action/host/parameter accuracy, unsafe proposals, leaks, citation
validity, latency).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--planner", choices=["offline", "llm"], default="offline")
    parser.add_argument("--dir", default="tests/evals")
    parser.add_argument("--notes", type=Path, help="markdown inserted after the header")
    args = parser.parse_args()
    command = ["remediate", "eval", args.dir, "--planner", args.planner, "--json"]
    bindir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": bindir + os.pathsep + os.environ.get("PATH", "")}
    proc = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, check=False)
    if proc.returncode not in (0, 1):
        sys.exit(f"remediate eval failed ({proc.returncode}):\n{proc.stderr}")
    report = json.loads(proc.stdout)
    report["command"] = " ".join(command)
    report["when"] = datetime.now(UTC).isoformat(timespec="seconds")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"evals-{args.planner}.json").write_text(json.dumps(report, indent=1) + "\n")
    summary = dict(report["summary"])
    splits = summary.pop("splits", {"all": summary})
    metrics = [k for k in summary if isinstance(summary[k], (int, float))]
    lines = [
        f"# Evaluation: {args.planner} planner",
        "",
        f"Command: `{report['command']}` — {report['when']}, {os.cpu_count()} CPUs.",
        "",
        "Splits: `tune` scenarios were used while developing the planner; `report` scenarios",
        "are held out and give the numbers to quote (each file says its split).",
        "",
        *([args.notes.read_text().rstrip(), ""] if args.notes else []),
        "| metric | all | " + " | ".join(splits) + " |",
        "|---|---|" + "---|" * len(splits),
        *[f"| {k} | {summary[k]} | " + _row(splits, k) + " |" for k in metrics],
        "",
        "| case | split | action | passed | failures | rationale |",
        "|---|---|---|---|---|---|",
        *[
            f"| {c['id']} | {c.get('split', 'tune')} | {c['action']} "
            f"| {'yes' if c['passed'] else 'NO'} | {'; '.join(c['failures'])} "
            f"| {_cell(c.get('rationale', ''))} |"
            for c in report["cases"]
        ],
    ]
    (RESULTS / f"evals-{args.planner}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines[: 10 + len(metrics)]))


def _row(splits: dict[str, dict[str, object]], key: str) -> str:
    return " | ".join(str(split.get(key, "")) for split in splits.values())


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


if __name__ == "__main__":
    main()
