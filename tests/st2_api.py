"""The part of StackStorm's API a python-script action reads, on loopback (StackStorm itself
needs MongoDB and RabbitMQ and is not on PyPI, so it cannot run here).

Only the two documented reads ``proposal_execute`` makes with its own token:
``GET /v1/executions/<id>`` and ``GET /v1/executions?parent=<id>``, answered with records
shaped as StackStorm's ``ActionExecutionAPI`` (``id``, ``action.ref``, ``status``,
``parent``, ``parameters``, ``result``); a ``core.ask`` result holds what the inquirer runner
puts there (``schema``, ``users``, ``roles``, ``route``, ``ttl``, ``response``) and no
responder, as in StackStorm. A request without the token gets 401.
"""

from __future__ import annotations

import json
import secrets
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class St2ApiStandIn:
    def __init__(self) -> None:
        self.token = secrets.token_hex(16)
        self.executions: dict[str, dict[str, Any]] = {}
        self.requests: list[str] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                api.requests.append(self.path)
                if self.headers.get("X-Auth-Token") != api.token:
                    return self._send(401, {"faultstring": "Unauthorized"})
                url = urllib.parse.urlparse(self.path)
                if url.path == "/v1/executions":
                    parent = urllib.parse.parse_qs(url.query).get("parent", [""])[0]
                    found = [e for e in api.executions.values() if e.get("parent") == parent]
                    return self._send(200, found)
                prefix = "/v1/executions/"
                if url.path.startswith(prefix):
                    record = api.executions.get(urllib.parse.unquote(url.path[len(prefix) :]))
                    if record is None:
                        return self._send(404, {"faultstring": "not found"})
                    return self._send(200, record)
                return self._send(404, {"faultstring": "no such endpoint"})

            def _send(self, status: int, body: object) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def __enter__(self) -> St2ApiStandIn:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def record(self, ref: str, *, parent: str | None, status: str = "running", **extra: Any) -> str:
        execution_id = secrets.token_hex(12)
        self.executions[execution_id] = {
            "id": execution_id,
            "action": {"ref": ref},
            "status": status,
            "parent": parent,
            **extra,
        }
        return execution_id

    def environment(self, execution_id: str) -> dict[str, str]:
        """What StackStorm's python runner puts in an action's environment."""
        return {
            "ST2_ACTION_EXECUTION_ID": execution_id,
            "ST2_ACTION_API_URL": self.url,
            "ST2_ACTION_AUTH_TOKEN": self.token,
            "ST2_ACTION_PACK_NAME": "remediate",
        }
