"""The sanitizer's cost on one long line, this tree beside an earlier commit, in one run.

A "huge payload" is often one line: a minified JSON body, a header repeated by a broken client,
a config flattened onto one line. Each shape below is repeated to ``--size`` characters and to
four times that; the sanitizer of this tree and of ``--old-ref`` (its ``pack/`` extracted with
``git archive``) each sanitize the line in a subprocess of their own, timed in-process. The
ratio of the two times says how the cost grows: about 4 when it grows with the length, about 16
when it grows with its square. A run over ``--timeout`` seconds is reported as such.

    .venv/bin/python benchmarks/sanitizer_long_lines.py [--old-ref b513670] [--size 10000]

Writes benchmarks/results/sanitizer_long_lines.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"

# Names a recognizer reacts to, repeated: each occurrence starts a match, and a match that reads
# the rest of the line, or searches back to its start, makes the line cost its square.
SHAPES: dict[str, str] = {
    "key=": "key=",
    "password=": "password=",
    "password: ": "password: ",
    "token ": "token ",
    "PASS ": "PASS ",
    "AUTH ": "AUTH ",
    "?token=": "?token=",
    "&key=x": "&key=x",
    "Cookie: a=b; ": "Cookie: a=b; ",
    "password is x1! ": "password is x1! ",
    "пароль: ": "пароль: ",
    '{"password":"': '{"password":"',
    "Authorization: Bearer ": "Authorization: Bearer ",
    "10.1.2.3 ": "10.1.2.3 ",
}

WORKER = """
import json, sys, time
from remediate.sanitizer import Sanitizer
shape, sizes = sys.argv[1], [int(n) for n in sys.argv[2:]]
row = {}
for size in sizes:
    line = (shape * (size // len(shape) + 1))[:size] + "\\n"
    sanitizer = Sanitizer()
    start = time.perf_counter()
    out = "".join(sanitizer.sanitize_lines([line]))
    row[str(size)] = {"seconds": time.perf_counter() - start, "out_chars": len(out)}
    print(json.dumps(row), flush=True)
"""


def run(pack: Path, shape: str, sizes: list[int], timeout: float) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(pack)}
    try:
        done = subprocess.run(
            [sys.executable, "-c", WORKER, shape, *map(str, sizes)],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=True,
        )
        lines = done.stdout.splitlines()
    except subprocess.TimeoutExpired as stopped:
        out = stopped.stdout
        lines = (out.decode() if isinstance(out, bytes) else out or "").splitlines()
    row: dict[str, object] = json.loads(lines[-1]) if lines else {}
    for size in sizes:
        row.setdefault(str(size), {"seconds": None, "timed_out_after": timeout})
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--old-ref", default="b513670")
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--timeout", type=float, default=90.0)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    sizes = [args.size, 4 * args.size]
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(
            ["git", "archive", "--format=tar", args.old_ref, "pack"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        packs = {"this tree": ROOT / "pack", args.old_ref[:10]: Path(tmp) / "pack"}
        rows = {
            shape: {name: run(pack, text, sizes, args.timeout) for name, pack in packs.items()}
            for shape, text in SHAPES.items()
        }
    result = {
        "command": "benchmarks/sanitizer_long_lines.py "
        + f"--old-ref {args.old_ref} --size {args.size} --timeout {args.timeout:g}",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}",
        "sizes": sizes,
        "methods": list(packs),
        "rows": rows,
    }
    text = markdown(result)
    print(text)
    if not args.no_write:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "sanitizer_long_lines.json").write_text(json.dumps(result, indent=1) + "\n")
        (RESULTS / "sanitizer_long_lines.md").write_text(text)


def _cell(entry: dict[str, object]) -> str:
    seconds = entry.get("seconds")
    if seconds is None:
        return f"> {entry['timed_out_after']:g} s"
    return f"{float(str(seconds)):.2f} s"


def _ratio(row: dict[str, dict[str, object]], small: int, large: int) -> str:
    a, b = row[str(small)].get("seconds"), row[str(large)].get("seconds")
    if a is None or b is None:
        return "-"
    return f"{float(str(b)) / max(float(str(a)), 1e-4):.1f}"


def markdown(result: dict) -> str:  # type: ignore[type-arg]
    small, large = result["sizes"]
    names = result["methods"]
    head = ["line of", *(f"{n}: {s:,} / {large:,} chars (ratio)" for n in names for s in [small])]
    lines = [
        "# Sanitizer on one long line",
        "",
        f"`{result['command']}` at {result['when']} ({result['machine']}).",
        "",
        "Seconds to sanitize one line of the shape repeated, at two lengths; the ratio is the"
        " long line's time over the short one's (about 4: cost grows with the length; about 16:"
        " with its square).",
        "",
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
    ]
    for shape, row in result["rows"].items():
        cells = [
            f"{_cell(row[n][str(small)])} / {_cell(row[n][str(large)])}"
            f" ({_ratio(row[n], small, large)})"
            for n in names
        ]
        lines.append(f"| `{shape.strip()}` | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
