"""The demo lab's web service: a tiny HTTP app that answers 200 on ``/`` and ``/health``.

Run by the lab's supervisord. It logs a startup line to both streams and one access-log
line per request to stdout, flushed at once so ``supervisorctl tail`` sees it immediately.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def _stamp() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Handler(BaseHTTPRequestHandler):
    server_version = "lab-webapp/1"

    def do_GET(self) -> None:
        if self.path.split("?", 1)[0] in {"/", "/health"}:
            self._answer(200, b"ok\n")
        else:
            self._answer(404, b"not found\n")

    def _answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        print(f"{_stamp()} {self.address_string()} {format % args}", flush=True)


def _stop(signum: int, _frame: object) -> None:
    print(f"{_stamp()} stopping on signal {signum}", file=sys.stderr, flush=True)
    raise SystemExit(0)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--name", default="webapp")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _stop)
    server = ThreadingHTTPServer((args.host, args.port), Handler)
    line = f"{_stamp()} {args.name} pid {os.getpid()} listening on http://{args.host}:{args.port}"
    print(line, flush=True)
    print(line, file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
