#!/usr/bin/python3
"""The systemd lab's web service: answers /health with 200 and logs each request to stdout
(the journal). Listens on 127.0.0.1 only; the port comes from /etc/default/webapp."""

import http.server
import os
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"ok\n" if self.path == "/health" else b"webapp\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        print(f"{self.address_string()} {format % args}", flush=True)


port = int(os.environ.get("WEBAPP_PORT", "8000"))
server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
print(f"webapp listening on 127.0.0.1:{port}", file=sys.stderr, flush=True)
server.serve_forever()
