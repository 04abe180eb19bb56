"""Sanitizer throughput and peak memory, side by side with presidio's own analyzer, in one run.

Input: the concatenation of the 16 loghub samples in ../shared/datasets/logs (4.4 MB, read at
run time, never copied). Each method runs in its own subprocess, line by line, so its peak RSS
(``ru_maxrss`` from ``os.wait4``) is its own:

- ``ours``: remediate's Sanitizer (all recognizers, Hyperscan prefilter) + presidio-anonymizer;
- ``ours-no-prefilter``: the same without the Hyperscan prefilter (every recognizer on every line);
- ``presidio-default``: presidio-analyzer with its default pattern recognizers and no NLP model
  (NoOpNlpEngine) followed by presidio-anonymizer -- on every ``--baseline-step``-th line of the
  same concatenation, because at ~0.02 MB/s the whole file takes minutes;
- ``presidio-email-ip``: presidio-analyzer with only its e-mail and IP recognizers, one call;
- ``bare-regex``: a plain Python ``re`` pass (IPv4 and e-mail) with no replacement.

Then whole processes, start-up included, interleaved over ``--rounds`` rounds (median kept):
``remediate sanitize FILE`` of this tree, the same command of an earlier commit (``--old-ref``,
default where this branch left ``main``; its ``pack/`` extracted with ``git archive`` and put first
on ``PYTHONPATH``), and Yelp's ``detect-secrets scan --all-files`` on a directory holding only the
file (one round: it takes about a minute). Each run's CPU time comes from ``os.wait4``. Last,
the CLI (``remediate sanitize FILE --json``) on the file and on a 10x copy, for peak RSS against
input size.

    .venv/bin/python benchmarks/sanitizer_speed.py [--baseline-step 10] [--methods ours,...]

Writes benchmarks/results/sanitizer_speed.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
LOGS = ROOT.parent / "shared" / "datasets" / "logs"
METHODS = ("ours", "ours-no-prefilter", "presidio-default", "presidio-email-ip", "bare-regex")


def concatenation(target: Path) -> Path:
    files = sorted(LOGS.glob("*/*_2k.log"))
    if not files:
        sys.exit(f"loghub samples not found under {LOGS} (needs ../shared next to the repo)")
    with target.open("w", encoding="utf-8") as out:
        for path in files:
            text = path.read_text(encoding="utf-8", errors="replace")
            out.write(text if text.endswith("\n") else text + "\n")
    return target


def worker(method: str, path: Path, step: int) -> None:
    """Run one method over the file; print seconds, bytes and lines as JSON."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    if method.startswith("presidio-default"):
        lines = lines[::step]
    run = _method(method)
    cpu, wall = time.process_time(), time.perf_counter()
    out = run(lines)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    size = sum(len(line.encode()) for line in lines)
    print(
        json.dumps(
            {
                "seconds": wall,
                "cpu_seconds": cpu,
                "bytes": size,
                "lines": len(lines),
                "changed": out,
            }
        )
    )


def _method(method: str) -> Callable[[list[str]], int]:
    if method in ("ours", "ours-no-prefilter"):
        from remediate.sanitizer import Sanitizer

        sanitizer = Sanitizer(prefilter=method == "ours")

        def ours(lines: list[str]) -> int:
            return sum(a != b for a, b in zip(lines, sanitizer.sanitize_lines(lines), strict=True))

        return ours
    if method == "bare-regex":
        pattern = re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}\b|[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
        return lambda lines: sum(1 for line in lines for _ in pattern.finditer(line))
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NoOpNlpEngine
    from presidio_anonymizer import AnonymizerEngine

    nlp = NoOpNlpEngine(models=[{"lang_code": "en", "model_name": "none"}])
    nlp.load()
    analyzer = AnalyzerEngine(nlp_engine=nlp, supported_languages=["en"])
    anonymizer = AnonymizerEngine()
    entities = ["EMAIL_ADDRESS", "IP_ADDRESS"] if method == "presidio-email-ip" else None
    analyzer.analyze("warm up 10.0.0.1 a@b.example.com", language="en", entities=entities)

    def presidio(lines: Iterable[str]) -> int:
        changed = 0
        texts = list(lines)
        if entities is not None:  # one call on the whole text, as measured in the issue
            texts = ["".join(texts)]
        for text in texts:
            found = analyzer.analyze(text, language="en", entities=entities)
            changed += anonymizer.anonymize(text=text, analyzer_results=found).text != text
        return changed

    return presidio


def measure(method: str, path: Path, step: int) -> dict[str, float]:
    command = [
        sys.executable,
        __file__,
        "--worker",
        method,
        str(path),
        "--baseline-step",
        str(step),
    ]
    env = {**os.environ, "TLDEXTRACT_CACHE": str(path.parent / "tldextract")}
    # stderr goes to a file: presidio's URL recognizer logs a traceback when tldextract cannot
    # download the public suffix list (no internet here) and falls back to its bundled copy.
    with (path.parent / f"{method}.stderr").open("wb") as errors:
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=errors, env=env, cwd=ROOT
        )
        assert process.stdout is not None
        output = process.stdout.read()
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        tail = (path.parent / f"{method}.stderr").read_text(errors="replace")[-2000:]
        sys.exit(f"{method} failed:\n{tail}")
    row = json.loads(output.decode().strip().splitlines()[-1])
    row["mb_per_s"] = row["bytes"] / row["seconds"] / 1e6
    row["cpu_mb_per_s"] = row["bytes"] / row["cpu_seconds"] / 1e6
    row["peak_rss_mb"] = usage.ru_maxrss / 1024
    return row


def cli_peak(path: Path) -> dict[str, float]:
    remediate = Path(sys.executable).with_name("remediate")
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(remediate), "sanitize", str(path), "--json"], stdout=subprocess.PIPE
    )
    assert process.stdout is not None
    report = json.loads(process.stdout.read())
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        sys.exit(f"remediate sanitize failed on {path}")
    return {
        "mb": path.stat().st_size / 1e6,
        "lines": report["lines"],
        "seconds": time.perf_counter() - started,
        "peak_rss_mb": usage.ru_maxrss / 1024,
    }


def whole_process(
    command: list[str], env: dict[str, str], size: int, cwd: Path = ROOT
) -> dict[str, float]:
    started = time.perf_counter()
    with (cwd.parent / "stdout").open("wb") as out:
        process = subprocess.Popen(command, stdout=out, env=env, cwd=cwd)
        _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status):
        sys.exit(f"{command} failed")
    cpu = usage.ru_utime + usage.ru_stime
    return {
        "seconds": wall,
        "cpu_seconds": cpu,
        "mb_per_s": size / wall / 1e6,
        "cpu_mb_per_s": size / cpu / 1e6,
    }


def side_by_side(path: Path, old_ref: str, rounds: int) -> dict[str, dict[str, float]]:
    """remediate sanitize now and at ``old_ref``, and detect-secrets, as whole processes."""
    remediate = str(Path(sys.executable).with_name("remediate"))
    size = path.stat().st_size
    tmp = path.parent
    archive = subprocess.run(
        ["git", "archive", "--format=tar", old_ref, "pack"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout
    (tmp / "old").mkdir()
    subprocess.run(["tar", "-x", "-C", str(tmp / "old")], input=archive, check=True)
    envs = {
        "remediate sanitize (this tree)": {**os.environ, "PYTHONPATH": str(ROOT / "pack")},
        f"remediate sanitize ({old_ref[:10]})": {
            **os.environ,
            "PYTHONPATH": str(tmp / "old" / "pack"),
        },
    }
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in envs}
    for env in envs.values():  # warm-up: page cache, and this tree's compiled prefilter cache
        whole_process([remediate, "sanitize", str(path)], env, size)
    for _ in range(rounds):
        for name, env in envs.items():
            runs[name].append(whole_process([remediate, "sanitize", str(path)], env, size))
    rows = {
        name: sorted(r, key=lambda row: row["seconds"])[len(r) // 2] for name, r in runs.items()
    }
    alone = tmp / "detect-secrets"
    alone.mkdir()
    shutil.copy(path, alone / path.name)
    detect = str(Path(sys.executable).with_name("detect-secrets"))
    # It scans paths under the working directory only (an absolute path elsewhere is skipped).
    command = [detect, "scan", "--all-files", "."]
    rows["detect-secrets scan --all-files"] = whole_process(command, dict(os.environ), size, alone)
    report = json.loads((tmp / "stdout").read_text())
    if path.name not in report["results"]:
        sys.exit(f"detect-secrets did not scan {path.name}: {report['results']}")
    return rows


def default_old_ref() -> str:
    done = subprocess.run(
        ["git", "merge-base", "HEAD", "main"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--baseline-step", type=int, default=10)
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--old-ref")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--worker", choices=METHODS)
    parser.add_argument("file", nargs="?")
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, Path(args.file), args.baseline_step)
        return
    with tempfile.TemporaryDirectory(prefix="rmd-bench-") as tmp:
        path = concatenation(Path(tmp) / "loghub.log")
        rows = {}
        for method in args.methods.split(","):
            rows[method] = measure(method, path, args.baseline_step)
            print(
                f"{method:18} {rows[method]['mb_per_s']:7.3f} MB/s wall "
                f"{rows[method]['cpu_mb_per_s']:7.3f} MB/s cpu "
                f"peak {rows[method]['peak_rss_mb']:6.1f} MB on {rows[method]['lines']} lines",
                flush=True,
            )
        old_ref = args.old_ref or default_old_ref()
        processes = side_by_side(path, old_ref, args.rounds)
        for name, row in processes.items():
            print(
                f"{name:40} {row['mb_per_s']:6.2f} MB/s wall ({row['seconds']:.2f} s), "
                f"{row['cpu_mb_per_s']:6.2f} MB/s cpu",
                flush=True,
            )
        big = Path(tmp) / "loghub-x10.log"
        with big.open("wb") as out:
            for _ in range(10):
                with path.open("rb") as part:
                    shutil.copyfileobj(part, out)
        cli = {"x1": cli_peak(path), "x10": cli_peak(big)}
        for name, row in cli.items():
            print(
                f"remediate sanitize {name}: {row['mb']:.1f} MB in {row['seconds']:.1f} s, "
                f"peak RSS {row['peak_rss_mb']:.1f} MB"
            )
        size = path.stat().st_size
    command = (
        f"python benchmarks/sanitizer_speed.py --baseline-step {args.baseline_step} "
        f"--methods {args.methods} --rounds {args.rounds}"
        + (f" --old-ref {args.old_ref}" if args.old_ref else "")
    )
    result = {
        "command": command,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "input_bytes": size,
        "rounds": args.rounds,
        "load_average_1min_at_end": os.getloadavg()[0],
        "methods": rows,
        "old_ref": old_ref,
        "whole_process": processes,
        "cli_peak_rss": cli,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "sanitizer_speed.json").write_text(json.dumps(result, indent=1) + "\n")
    (RESULTS / "sanitizer_speed.md").write_text(markdown(result))
    print(f"wrote {RESULTS / 'sanitizer_speed.md'}")


def markdown(result: dict) -> str:  # type: ignore[type-arg]
    lines = [
        "# Sanitizer throughput and peak memory",
        "",
        f"Command: `{result['command']}` — {result['date']}, {result['cpus']} CPUs "
        f"(shared with other jobs), Python {result['python']}. Input: the 16 loghub samples "
        f"concatenated, {result['input_bytes'] / 1e6:.2f} MB; every method runs line by line in "
        "its own process.",
        "",
        "| method | lines | MB/s (wall) | MB/s (CPU) | peak RSS MB |",
        "|---|---|---|---|---|",
    ]
    for method, row in result["methods"].items():
        lines.append(
            f"| {method} | {row['lines']} | {row['mb_per_s']:.3f} | "
            f"{row['cpu_mb_per_s']:.3f} | {row['peak_rss_mb']:.0f} |"
        )
    lines += [
        "",
        f"Whole processes, start-up included (median of {result.get('rounds', 3)} interleaved "
        "rounds; detect-secrets one round). The machine's cores are shared with other jobs "
        f"(1-minute load average {result.get('load_average_1min_at_end', 0):.1f} at the end), "
        "so wall time depends on their load; CPU time less so. This tree's command uses two "
        "forked workers when a core is idle, whose CPU time is counted too.",
        "",
        "| command | seconds (wall) | MB/s (wall) | CPU seconds | MB/s (CPU) |",
        "|---|---|---|---|---|",
    ]
    for name, row in result["whole_process"].items():
        lines.append(
            f"| {name} | {row['seconds']:.2f} | {row['mb_per_s']:.2f} | "
            f"{row['cpu_seconds']:.2f} | {row['cpu_mb_per_s']:.2f} |"
        )
    lines += [
        "",
        "`remediate sanitize FILE --json` (process start included):",
        "",
        "| input | MB | seconds | peak RSS MB |",
        "|---|---|---|---|",
    ]
    for name, row in result["cli_peak_rss"].items():
        lines.append(
            f"| {name} | {row['mb']:.1f} | {row['seconds']:.1f} | {row['peak_rss_mb']:.0f} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
