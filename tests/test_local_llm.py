"""The LLM planner against a real model: llama-cpp-python's server running Gemma 3 270M
(tests/local_llm.py starts it), through our real openai client, planner and guard.

A 270M base model decides poorly; what is checked is that the protocol works end to end: the
probe finds what this server supports, every answer is valid against the incident's schema or
ends as a stated escalation, and nothing unsafe comes out of the guard. The full evaluation
set through this model is a benchmark (benchmarks/local_llm_eval.py), not a test.
"""

import json
import tempfile
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import openai
import pytest

from local_llm import local_model  # noqa: F401  (the fixture)
from remediate.catalog import load_catalog
from remediate.config import PROJECT_ROOT, LLMSettings
from remediate.evals import load_scenarios, run_case
from remediate.kb import load_kb
from remediate.lancedb_index import KnowledgeIndex
from remediate.llm_planner import LLMPlanner
from remediate.llm_protocol import Protocol, Role, answer_schema, forget_probes, resolve
from remediate.local_llm import MODEL_ALIAS, LocalModelServer
from remediate.models import Proposal
from remediate.planning import PlanningContext
from remediate.sanitizer import Sanitizer

CATALOG = load_catalog(PROJECT_ROOT / "playbooks" / "catalog.yaml", syntax_check=False)
SCENARIOS = {s.id: s for s in load_scenarios(PROJECT_ROOT / "tests" / "evals")}
MAX_TOKENS = 256


@pytest.fixture(scope="module")
def index() -> Iterator[KnowledgeIndex]:
    with tempfile.TemporaryDirectory(prefix="remediate-local-llm-") as tmp:
        built = KnowledgeIndex(Path(tmp) / "index")
        built.ingest(
            load_kb(PROJECT_ROOT / "kb"), Sanitizer(allow=sorted(CATALOG.actions)).sanitize
        )
        yield built


class Recording:
    """The real planner, keeping the context it was given (to check the answer's schema)."""

    name = "llm"

    def __init__(self, planner: LLMPlanner) -> None:
        self.planner = planner
        self.context: PlanningContext | None = None

    def plan(self, context: PlanningContext) -> Proposal:
        self.context = context
        return self.planner.plan(context)


def test_the_probe_finds_json_object_with_schema(local_model: LocalModelServer) -> None:
    forget_probes()
    client = openai.OpenAI(
        base_url=local_model.base_url, api_key="unused", timeout=120, max_retries=0
    )

    resolved = resolve(client, model=MODEL_ALIAS, protocol="auto", system_role="auto")

    # What this server does today (README, A real local model): json_schema is refused with
    # HTTP 500, json_object with a schema is grammar-enforced; Gemma's format drops system.
    assert resolved.notes[0] == "json_schema: refused (HTTP 500)"
    assert resolved.protocol is Protocol.JSON_OBJECT_SCHEMA, resolved.notes
    assert resolved.role is Role.USER


def test_every_incident_schema_compiles_to_a_grammar(index: KnowledgeIndex) -> None:
    """llama.cpp silently falls back to a plain JSON grammar when a schema does not convert:
    each evaluation incident's schema must convert, with its enumerations in the grammar."""
    from llama_cpp.llama_grammar import json_schema_to_gbnf

    contexts: list[PlanningContext] = []

    class Collect:
        name = "collect"

        def plan(self, context: PlanningContext) -> Proposal:
            contexts.append(context)
            return Proposal(decision="escalate", rationale="collected")

    for scenario in SCENARIOS.values():
        run_case(scenario, catalog=CATALOG, index=index, planner=Collect())
    assert len(contexts) > 80
    for context in contexts:
        grammar = json_schema_to_gbnf(json.dumps(answer_schema(context)))
        assert f'"\\"{context.host}\\""' in grammar or not context.citations
        assert '"\\"escalate\\""' in grammar


@pytest.mark.parametrize(
    ("case", "protocol"),
    [
        ("lab-webapp-killed", "auto"),
        ("lab-log-dir-full", "auto"),
        ("lab-flapper-start-limit", "tools"),
    ],
)
def test_real_decisions_are_valid_or_stated_escalations_and_never_unsafe(
    local_model: LocalModelServer, index: KnowledgeIndex, case: str, protocol: str
) -> None:
    settings = LLMSettings(
        base_url=local_model.base_url,
        model=MODEL_ALIAS,
        timeout=300,
        protocol=protocol,  # type: ignore[arg-type]
        max_tokens=MAX_TOKENS,
        max_retries=1,
        # A short prompt keeps CI quick: ~3,000 tokens took ~60 s to read on 2 busy cores.
        max_citations=4,
        max_observation_chars=2000,
    )
    planner = LLMPlanner(settings)
    recording = Recording(planner)

    result = run_case(
        SCENARIOS[case],
        catalog=CATALOG,
        index=index,
        planner=recording,
        transcript=lambda: json.dumps(planner.transcript),
    )

    assert planner.resolved is not None
    assert planner.resolved.protocol is Protocol(
        "json_object_schema" if protocol == "auto" else protocol
    )
    assert 1 <= planner.attempts <= 2
    if planner.valid:
        assert recording.context is not None
        said = json.loads(planner.transcript[-1]["content"], strict=False)
        jsonschema.validate(said, answer_schema(recording.context))
    else:
        assert result.action == "escalate"
        assert "the model's answer stayed invalid after 1 retries" in result.rationale
    assert not result.unsafe, result.failures
    assert result.leaked == []
