"""Alert intake of ``remediate serve``: alerts accepted durably per second, and accept latency.

    .venv/bin/python benchmarks/serve_intake.py [--alerts N] [--clients C]

A real ``remediate serve --workers 0`` process (uvicorn, SQLite in WAL mode, each body
committed before its 2xx) receives N distinct Alertmanager v4 bodies (one alert each, the
shape of ../shared/datasets/alertmanager/prom2teams__all_ok.json) from C concurrent HTTP
clients on loopback. In the same run, two baselines under the same load:

- ``bare``: a Starlette endpoint under the same uvicorn that reads the body and answers 202
  (no parsing, no storage): the ceiling of the HTTP stack on this machine;
- ``sqlite``: the same INSERTs into a table of the same shape with one commit each, from one
  thread, no HTTP: the ceiling of durable storage on this disk.

Afterwards the rows in the database are counted: every 2xx must be there. Writes
benchmarks/results/serve_intake.{json,md}.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import platform
import socket
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import yaml

from remediate.config import PROJECT_ROOT

RESULTS = PROJECT_ROOT / "benchmarks" / "results"
BIN = Path(sys.executable).parent
TOKEN = "bench-token"
TARGET = 500.0

BARE_APP = textwrap.dedent(
    """
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def alerts(request):
        await request.body()
        return JSONResponse({"id": 0}, status_code=202)

    app = Starlette(routes=[Route("/api/v1/alerts", alerts, methods=["POST"])])
    """
)


def body(n: int) -> bytes:
    return json.dumps(
        {
            "receiver": "remediate",
            "status": "firing",
            "version": "4",
            "groupKey": '{}:{alertname="HighCPU"}',
            "truncatedAlerts": 0,
            "groupLabels": {"alertname": "HighCPU"},
            "commonLabels": {"alertname": "HighCPU", "severity": "warning"},
            "commonAnnotations": {},
            "externalURL": "http://alertmanager:9093",
            "alerts": [
                {
                    "status": "firing",
                    "labels": {
                        "alertname": "HighCPU",
                        "instance": f"bench-{n}.example.net:9100",
                        "severity": "warning",
                    },
                    "annotations": {
                        "summary": "CPU above 90% for 5 minutes",
                        "description": f"bench-{n} has run hot for 5 minutes",
                    },
                    "startsAt": "2026-11-30T10:00:00Z",
                    "endsAt": "0001-01-01T00:00:00Z",
                    "generatorURL": "http://prometheus:9090/graph",
                    "fingerprint": hashlib.sha256(str(n).encode()).hexdigest()[:16],
                }
            ],
        }
    ).encode()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_ready(url: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with {proc.returncode}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise SystemExit("the server did not start")


async def _post(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, head: bytes, payload: bytes
) -> int:
    """One HTTP/1.1 request on a kept-alive connection; the status code of its answer."""
    writer.write(head + str(len(payload)).encode() + b"\r\n\r\n" + payload)
    await writer.drain()
    header = await reader.readuntil(b"\r\n\r\n")
    lines = header.decode("latin-1").split("\r\n")
    length = next(
        int(line.split(":", 1)[1]) for line in lines if line.lower().startswith("content-length:")
    )
    await reader.readexactly(length)
    return int(lines[0].split(" ", 2)[1])


async def load(port: int, bodies: list[bytes], clients: int) -> dict[str, Any]:
    """C connections, each posting bodies back to back. The client is a few lines of asyncio
    (not httpx) so that it takes as little as possible of the cores the server runs on."""
    latencies: list[float] = []
    codes: dict[int, int] = {}
    pending = iter(bodies)
    head = (
        f"POST /api/v1/alerts HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Authorization: Bearer {TOKEN}\r\nContent-Type: application/json\r\n"
        "Content-Length: "
    ).encode()

    async def client_loop() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            for payload in pending:
                started = time.perf_counter()
                code = await _post(reader, writer, head, payload)
                latencies.append(time.perf_counter() - started)
                codes[code] = codes.get(code, 0) + 1
        finally:
            writer.close()
            await writer.wait_closed()

    started = time.perf_counter()
    await asyncio.gather(*(client_loop() for _ in range(clients)))
    wall = time.perf_counter() - started
    latencies.sort()
    accepted = sum(n for code, n in codes.items() if 200 <= code < 300)
    return {
        "requests": len(bodies),
        "accepted": accepted,
        "codes": {str(k): v for k, v in sorted(codes.items())},
        "seconds": round(wall, 3),
        "alerts_per_second": round(accepted / wall, 1),
        "p50_ms": round(latencies[len(latencies) // 2] * 1000, 2),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 2),
    }


def run_serve(directory: Path, bodies: list[bytes], clients: int) -> dict[str, Any]:
    config = directory / "remediate.yaml"
    port = free_port()
    config.write_text(
        yaml.safe_dump(
            {
                "state_dir": str(directory / "state"),
                "embeddings": {"provider": "none"},
                "server": {
                    "port": port,
                    "workers": 0,
                    "log_format": "text",
                    "tokens": {hashlib.sha256(TOKEN.encode()).hexdigest(): "alertmanager"},
                },
            }
        )
    )
    log = (directory / "serve.log").open("wb")
    proc = subprocess.Popen(
        [str(BIN / "remediate"), "serve", "--config", str(config)],
        stdout=log,
        stderr=log,
        env={**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"},
    )
    try:
        wait_ready(f"http://127.0.0.1:{port}/healthz", proc)
        result = asyncio.run(load(port, bodies, clients))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
    with sqlite3.connect(directory / "state" / "remediate.sqlite") as db:
        (stored,) = db.execute("SELECT count(*) FROM alert_queue").fetchone()
    result["rows_in_database"] = stored
    return result


def run_bare(directory: Path, bodies: list[bytes], clients: int) -> dict[str, Any]:
    (directory / "bare_app.py").write_text(BARE_APP)
    port = free_port()
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "uvicorn", "bare_app:app"),
            *("--port", str(port), "--log-level", "warning", "--no-access-log"),
        ],
        cwd=directory,
    )
    try:
        wait_ready(f"http://127.0.0.1:{port}/", proc)
        return asyncio.run(load(port, bodies, clients))
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def run_sqlite(directory: Path, bodies: list[bytes]) -> dict[str, Any]:
    db = sqlite3.connect(directory / "raw.sqlite", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute(
        "CREATE TABLE q (id INTEGER PRIMARY KEY AUTOINCREMENT, received_at TEXT, key TEXT, "
        "body BLOB, status TEXT)"
    )
    db.execute("CREATE INDEX q_key ON q(key)")
    started = time.perf_counter()
    for n, payload in enumerate(bodies):
        db.execute("BEGIN IMMEDIATE")
        db.execute("SELECT id FROM q WHERE key=?", (str(n),)).fetchone()
        db.execute(
            "INSERT INTO q (received_at, key, body, status) VALUES (?, ?, ?, 'queued')",
            (datetime.now(UTC).isoformat(), str(n), payload),
        )
        db.execute("COMMIT")
    wall = time.perf_counter() - started
    db.close()
    return {
        "inserts": len(bodies),
        "seconds": round(wall, 3),
        "per_second": round(len(bodies) / wall),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--alerts", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=16)
    args = parser.parse_args()
    bodies = [body(n) for n in range(args.alerts)]
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="serve-intake-") as tmp:
        directory = Path(tmp)
        (directory / "serve").mkdir()
        (directory / "bare").mkdir()
        bare = run_bare(directory / "bare", bodies, args.clients)
        serve = run_serve(directory / "serve", bodies, args.clients)
        raw = run_sqlite(directory, bodies)
    result = {
        "command": " ".join(["benchmarks/serve_intake.py", *sys.argv[1:]]),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
        },
        "alerts": args.alerts,
        "clients": args.clients,
        "serve": serve,
        "baseline_bare_starlette": bare,
        "baseline_raw_sqlite": raw,
        "target_alerts_per_second": TARGET,
        "every_accepted_alert_stored": serve["rows_in_database"] >= serve["accepted"],
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "serve_intake.json").write_text(json.dumps(result, indent=2) + "\n")
    (RESULTS / "serve_intake.md").write_text(report(result))
    print(report(result))


def report(r: dict[str, Any]) -> str:
    s, b, q = r["serve"], r["baseline_bare_starlette"], r["baseline_raw_sqlite"]
    m = r["machine"]
    rows = [
        ("`remediate serve` (durable in SQLite before the 2xx)", s),
        ("baseline: bare Starlette endpoint, same uvicorn", b),
    ]
    table = "\n".join(
        f"| {name} | {x['alerts_per_second']} | {x['p50_ms']} | {x['p99_ms']} | {x['codes']} |"
        for name, x in rows
    )
    met = "met" if s["alerts_per_second"] >= r["target_alerts_per_second"] else "NOT met"
    stored = "all stored" if r["every_accepted_alert_stored"] else "MISSING ROWS"
    return (
        "# serve intake: alerts accepted durably per second\n\n"
        f"`{r['command']}` on {r['date']}: {m['cpus']} CPUs, Python {m['python']}, load "
        f"average {m['load_average_before']} before and {m['load_average_after']} after (the "
        "machine is shared with other work: the numbers are noisy). "
        f"{r['alerts']} distinct Alertmanager v4 bodies (one alert each) from {r['clients']} "
        "concurrent keep-alive connections on loopback; the client runs on the same cores.\n\n"
        "| | alerts/s | p50 ms | p99 ms | answers |\n|---|---:|---:|---:|---|\n"
        f"{table}\n"
        f"| baseline: raw SQLite insert + commit, one thread, no HTTP | {q['per_second']} "
        "| | | |\n\n"
        f"Target: ≥ {r['target_alerts_per_second']:.0f} alerts/s accepted durably ({met}). "
        f"Rows in the database after the run: {s['rows_in_database']} for {s['accepted']} "
        f"accepted answers ({stored}).\n"
    )


if __name__ == "__main__":
    main()
