"""A scripted OpenAI-compatible chat-completions server on loopback, the one stand-in for an LLM.

The real ``openai`` client talks HTTP to it, so everything between the planner and the wire
runs for real. Each ``POST /v1/chat/completions`` is answered by the next reply of a script
(an answer text, tool calls, an HTTP error, a raw body, or a delay that outlasts the client's
timeout) and recorded, so a test can check what the planner did with an answer and exactly what
it sent.

``POST /v1/embeddings`` answers with a deterministic hashed bag-of-words vector per input
(texts sharing words are close), unless a failure was queued with ``.script_embeddings()``;
its requests are recorded in ``.embedding_requests``.
"""

from __future__ import annotations

import json
import math
import re
import threading
import time
import zlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

COMPLETIONS_PATH = "/v1/chat/completions"
EMBEDDINGS_PATH = "/v1/embeddings"
EMBEDDING_DIM = 64


@dataclass(frozen=True)
class ToolCall:
    """One function call the model makes; ``arguments`` as a string is sent verbatim."""

    name: str
    arguments: dict[str, Any] | str = field(default_factory=dict)


@dataclass(frozen=True)
class Fail:
    """Answer with this HTTP status and an OpenAI-shaped error body."""

    status: int
    message: str = "scripted failure"


@dataclass(frozen=True)
class Raw:
    """Answer with exactly this body: what a misconfigured proxy or a broken endpoint sends."""

    body: str
    status: int = 200
    content_type: str = "application/json"


@dataclass(frozen=True)
class Delay:
    """Wait ``seconds`` (to outlast the client's timeout), then send ``then``."""

    seconds: float
    then: str | list[ToolCall] | Fail | Raw = ""


@dataclass(frozen=True)
class FromRequest:
    """Answer with what ``make`` returns for the request's body: a model that reads the
    context it was sent (for instance, cites a runbook that retrieval returned)."""

    make: Any


Reply = str | list[ToolCall] | Fail | Raw | Delay | FromRequest


@dataclass(frozen=True)
class Received:
    """One request as it arrived: headers with lower-case names, body parsed and raw."""

    path: str
    headers: dict[str, str]
    raw: str
    body: dict[str, Any]


class ScriptedLLM:
    """Serve a script of replies on 127.0.0.1 from a background thread; use as a context manager."""

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.embedding_requests: list[Received] = []
        self._script: list[Reply] = []
        self._embedding_script: list[Fail | Raw] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        # A short poll keeps shutdown() (every test's teardown) from waiting the default 0.5 s.
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name="scripted-llm",
            daemon=True,
        )

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def script(self, *replies: Reply) -> None:
        """Queue replies, answered in order; past the end every request gets HTTP 500."""
        with self._lock:
            self._script.extend(replies)

    def script_embeddings(self, *replies: Fail | Raw) -> None:
        """Queue failures for the next embeddings requests; afterwards vectors are computed."""
        with self._lock:
            self._embedding_script.extend(replies)

    @property
    def bodies(self) -> list[dict[str, Any]]:
        return [r.body for r in self.requests]

    def sent(self) -> str:
        """Every request exactly as received (headers and raw body), for leak checks."""
        return "\n".join(
            "\n".join([*(f"{k}: {v}" for k, v in r.headers.items()), r.raw]) for r in self.requests
        )

    def __enter__(self) -> ScriptedLLM:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stopping.set()  # wakes a handler still sleeping in a Delay
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def _next(self, received: Received) -> tuple[Reply, int]:
        """The reply to ``received`` and its 1-based request number."""
        with self._lock:
            self.requests.append(received)
            number = len(self.requests)
            if not self._script:
                return Fail(500, f"script exhausted at request {number}"), number
            reply = self._script.pop(0)
        if isinstance(reply, FromRequest):
            reply = reply.make(received.body)
        return reply, number


def embed_text(text: str) -> list[float]:
    """A unit vector of hashed word counts: the same words give the same direction."""
    vector = [0.0] * EMBEDDING_DIM
    for word in re.findall(r"[a-z0-9]+", text.lower()):
        vector[zlib.crc32(word.encode()) % EMBEDDING_DIM] += 1.0
    norm = math.sqrt(sum(x * x for x in vector)) or 1.0
    return [x / norm for x in vector]


def embeddings(model: str, inputs: list[str]) -> dict[str, Any]:
    return {
        "object": "list",
        "model": model,
        "data": [
            {"object": "embedding", "index": i, "embedding": embed_text(text)}
            for i, text in enumerate(inputs)
        ],
        "usage": {"prompt_tokens": len(inputs), "total_tokens": len(inputs)},
    }


def completion(model: str, reply: str | list[ToolCall], number: int) -> dict[str, Any]:
    """A non-streaming ``chat.completion`` object carrying ``reply``."""
    message: dict[str, Any] = {"role": "assistant", "content": None, "refusal": None}
    if isinstance(reply, str):
        message["content"] = reply
        finish = "stop"
    else:
        message["tool_calls"] = [
            {
                "id": f"call_{number}_{i}",
                "type": "function",
                "function": {
                    "name": call.name,
                    "arguments": call.arguments
                    if isinstance(call.arguments, str)
                    else json.dumps(call.arguments),
                },
            }
            for i, call in enumerate(reply)
        ]
        finish = "tool_calls"
    return {
        "id": f"chatcmpl-scripted-{number}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def _handler(server: ScriptedLLM) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        # HTTP/1.0: one request per connection, so no handler thread outlives the test waiting
        # on a keep-alive connection.
        protocol_version = "HTTP/1.0"

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode("utf-8")
            if self.path not in (COMPLETIONS_PATH, EMBEDDINGS_PATH):
                self._send(404, _error(f"no route {self.path}", "not_found"))
                return
            try:
                body = json.loads(raw)
            except ValueError:
                self._send(400, _error("request body is not JSON", "invalid_request_error"))
                return
            headers = {k.lower(): v for k, v in self.headers.items()}
            if self.path == EMBEDDINGS_PATH:
                self._embeddings(Received(self.path, headers, raw, body))
                return
            reply, number = server._next(Received(self.path, headers, raw, body))
            if isinstance(reply, Delay):
                if server._stopping.wait(reply.seconds):
                    return
                reply = reply.then
            if isinstance(reply, Fail):
                self._send(reply.status, _error(reply.message, "server_error"))
            elif isinstance(reply, Raw):
                self._send(reply.status, reply.body, reply.content_type)
            else:
                self._send(200, completion(str(body.get("model")), reply, number))

        def _embeddings(self, received: Received) -> None:
            with server._lock:
                server.embedding_requests.append(received)
                failure = server._embedding_script.pop(0) if server._embedding_script else None
            if isinstance(failure, Fail):
                self._send(failure.status, _error(failure.message, "server_error"))
            elif isinstance(failure, Raw):
                self._send(failure.status, failure.body, failure.content_type)
            else:
                inputs = received.body.get("input")
                texts = [inputs] if isinstance(inputs, str) else list(inputs or [])
                self._send(200, embeddings(str(received.body.get("model")), texts))

        def _send(
            self,
            status: int,
            payload: dict[str, Any] | str,
            content_type: str = "application/json",
        ) -> None:
            data = (payload if isinstance(payload, str) else json.dumps(payload)).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except OSError:
                pass  # the client gave up (a timeout test); nobody is left to answer

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep pytest output clean; the requests are recorded instead

    return Handler


def _error(message: str, kind: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": None, "code": None}}
