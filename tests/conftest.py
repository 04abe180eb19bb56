from collections.abc import Iterator

import pytest

from llm_server import ScriptedLLM


@pytest.fixture
def llm_server() -> Iterator[ScriptedLLM]:
    """A scripted OpenAI-compatible endpoint on loopback; give it replies with ``.script()``."""
    with ScriptedLLM() as server:
        yield server
