"""Embedding backends on real parts: the openai client against the scripted loopback server,
and the bundled all-MiniLM-L6-v2 model through sentence-transformers, offline."""

import math

import pytest

from llm_server import EMBEDDING_DIM, Fail, Raw
from remediate.config import EmbeddingSettings
from remediate.embeddings import (
    OpenAIEmbedder,
    SentenceTransformerEmbedder,
    make_embedder,
    resolve_model,
)
from remediate.errors import ConfigError, EmbeddingError


def cosine(a, b):
    return sum(x * y for x, y in zip(a, b, strict=True)) / (
        math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    )


def openai_settings(server, **extra):
    return EmbeddingSettings(
        provider="openai", model="text-embedding-test", base_url=server.base_url, **extra
    )


def test_openai_endpoint_embeds_in_batches_in_order(llm_server):
    embedder = make_embedder(openai_settings(llm_server, batch_size=2, api_key="sk-test"))
    texts = ["nginx down", "disk full on /var", "nginx is down again", "queue stuck"]
    vectors = embedder.embed(texts)
    assert len(vectors) == 4 and {len(v) for v in vectors} == {EMBEDDING_DIM}
    assert [len(r.body["input"]) for r in llm_server.embedding_requests] == [2, 2]
    assert llm_server.embedding_requests[0].body["model"] == "text-embedding-test"
    assert llm_server.embedding_requests[0].headers["authorization"] == "Bearer sk-test"
    # Order is kept: the two nginx texts are each other's nearest neighbours.
    assert cosine(vectors[0], vectors[2]) > cosine(vectors[0], vectors[1])


@pytest.mark.parametrize(
    "failure",
    [Fail(503, "overloaded"), Raw("<html>proxy error</html>", 200, "text/html")],
)
def test_a_failing_endpoint_is_an_embedding_error(llm_server, failure):
    llm_server.script_embeddings(failure, failure)  # the client retries once
    with pytest.raises(EmbeddingError, match="embeddings endpoint"):
        OpenAIEmbedder(openai_settings(llm_server)).embed(["nginx down"])


def test_openai_provider_without_endpoint_is_a_config_error():
    with pytest.raises(ConfigError, match="base_url"):
        make_embedder(EmbeddingSettings(provider="openai"))


def test_none_is_full_text_only():
    assert make_embedder(EmbeddingSettings(provider="none")) is None


def test_bundled_minilm_loads_offline_and_ranks_by_meaning():
    assert resolve_model("all-MiniLM-L6-v2").endswith("model")
    embedder = make_embedder(EmbeddingSettings(provider="auto"))
    assert isinstance(embedder, SentenceTransformerEmbedder)
    query, near, far = embedder.embed(
        [
            "the web server stopped answering",
            "nginx is not running and the probe gets connection refused",
            "the invoice total was rounded incorrectly",
        ]
    )
    assert len(query) == 384
    assert cosine(query, near) > cosine(query, far)


def test_an_unknown_local_model_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot load embedding model"):
        SentenceTransformerEmbedder(
            EmbeddingSettings(provider="sentence-transformers", model=str(tmp_path))
        )
