"""POST → approval-ready through ``remediate serve`` on the supervisord lab.

    .venv/bin/python benchmarks/serve_e2e.py [--rounds 3]

Each round crashes the lab's service, POSTs the article's alert to a real ``remediate serve``
process (one worker, cooldown 0) and polls ``GET /api/v1/inquiries?status=pending`` until the
inquiry (gather, plan, dry run done) is there; then rejects it through the API so the next
round opens a new incident, and brings the service back. In the same run, the baseline every
playbook run pays: one no-op playbook through the same ansible-runner adapter. Writes
benchmarks/results/serve_e2e.{json,md}.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import yaml
from stage_timing import NOOP, summarize, table_rows

from remediate.ansible_executor import AnsibleExecutor
from remediate.inventory import load_inventory
from remediate.lab import Lab

RESULTS = Path(__file__).resolve().parent / "results"
BIN = Path(sys.executable).parent
TOKEN = "bench-token"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    os.environ["PATH"] = env["PATH"]
    ready: list[float] = []
    baseline: list[float] = []
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="serve-e2e-") as tmp, Lab(Path(tmp) / "lab") as lab:
        port = 18000 + os.getpid() % 1000
        config = Path(tmp) / "remediate.yaml"
        config.write_text(
            yaml.safe_dump(
                {
                    "inventory": str(lab.inventory_path),
                    "state_dir": str(Path(tmp) / "state"),
                    "embeddings": {"provider": "none"},
                    "approval": {"users": ["bench"]},
                    "server": {
                        "port": port,
                        "workers": 1,
                        "host_cooldown": 0,
                        "log_format": "text",
                        "tokens": {hashlib.sha256(TOKEN.encode()).hexdigest(): "bench"},
                    },
                }
            )
        )
        subprocess.run(
            [str(BIN / "remediate"), "--config", str(config), "kb", "ingest"],
            check=True,
            env=env,
            capture_output=True,
        )
        log = (Path(tmp) / "serve.log").open("wb")
        proc = subprocess.Popen(
            [str(BIN / "remediate"), "serve", "--config", str(config)],
            stdout=log,
            stderr=log,
            env=env,
        )
        url = f"http://127.0.0.1:{port}"
        client = httpx.Client(
            base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    client.get("/healthz")
                    break
                except httpx.TransportError:
                    assert time.monotonic() < deadline and proc.poll() is None
                    time.sleep(0.1)
            noop = Path(tmp) / "noop.yml"
            noop.write_text(NOOP)
            executor = AnsibleExecutor(Path(tmp) / "noop-runs")
            host_vars = load_inventory(lab.inventory_path).get(lab.host).vars
            start = datetime(2026, 12, 1, tzinfo=UTC)
            for n in range(args.rounds):
                started = time.perf_counter()
                run = executor.run(
                    action="noop", playbook=noop, host=lab.host, host_vars=host_vars, params={}
                )
                assert run.status.value == "successful"
                baseline.append(time.perf_counter() - started)
                lab.crash()
                alert = {
                    "server_id": lab.host,
                    "error_msg": "502 Bad Gateway - Connection Refused",
                    "timestamp": (start + timedelta(minutes=n)).isoformat(),
                }
                started = time.perf_counter()
                posted = client.post("/api/v1/alerts", json=alert)
                assert posted.status_code == 202, posted.text
                while not (pending := client.get("/api/v1/inquiries?status=pending").json()):
                    assert time.perf_counter() - started < 300, "no inquiry after 300 s"
                    time.sleep(0.05)
                ready.append(time.perf_counter() - started)
                [inquiry] = pending
                answer = client.post(
                    f"/api/v1/inquiries/{inquiry['id']}/respond", json={"approved": False}
                )
                assert answer.status_code == 200, answer.text
                lab.recover()
        finally:
            client.close()
            proc.terminate()
            proc.wait(timeout=30)
            log.close()
    result = {
        "command": " ".join(["benchmarks/serve_e2e.py", *sys.argv[1:]]),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "post_to_approval_ready_seconds": [round(x, 2) for x in ready],
        "baseline_noop_playbook_seconds": [round(x, 2) for x in baseline],
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "serve_e2e.json").write_text(json.dumps(result, indent=2) + "\n")
    lines = [
        "# POST → approval-ready through `remediate serve` (supervisord lab)",
        "",
        f"`{result['command']}` on {result['date']}: {result['cpus']} CPUs, load average "
        f"{result['load_average_before']} before, {result['load_average_after']} after.",
        "",
        "| | median s | min s | max s | n |",
        "|---|---:|---:|---:|---:|",
    ]
    lines += table_rows(
        summarize(
            {
                "POST /api/v1/alerts → pending inquiry (gather, plan, dry run)": ready,
                "baseline: one no-op playbook run, same adapter": baseline,
            }
        )
    )
    (RESULTS / "serve_e2e.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
