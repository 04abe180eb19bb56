"""Finding and using what an endpoint supports for structured output, through the real openai
client against the scripted endpoint: the probe's fallbacks, the per-incident schema, cut-off
and unparsable answers. tests/test_local_llm.py does the same against a real model server."""

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from llm_server import Fail, Raw, ScriptedLLM, ToolCall, completion
from remediate.catalog import load_catalog
from remediate.config import LLMSettings
from remediate.errors import PlannerUnavailable
from remediate.llm_planner import LLMPlanner
from remediate.llm_protocol import (
    ANSWER_TOOL,
    RATIONALE_MAX_CHARS,
    Protocol,
    Role,
    answer_schema,
    forget_probes,
)
from remediate.models import Citation, CitationKind, Decision
from remediate.planning import PlanningContext, action_specs

CATALOG = load_catalog(
    Path(__file__).resolve().parents[1] / "playbooks" / "catalog.yaml", syntax_check=False
)
HOST = "[HOST_1]"
REFS = ["RB-web-502#Remediation", "INC-4092"]
REFUSED_JSON_SCHEMA = Fail(
    500,
    "1 validation error for CreateChatCompletionRequest\nresponse_format.type\n"
    "  Input should be 'text' or 'json_object'",
)
OK = json.dumps({"ok": True})


def make_context(killable: list[str] | None = None) -> PlanningContext:
    return PlanningContext(
        alert_name="502BadGatewayConnectionRefused",
        alert_status="firing",
        alert_text="502 Bad Gateway - Connection Refused",
        host=HOST,
        host_services=["nginx", "app-api"],
        killable=killable or [],
        observations={
            "service_status": "app-api: ActiveState=failed SubState=failed Result=signal"
        },
        citations=[
            Citation(
                kind=CitationKind.RUNBOOK,
                id="RB-web-502",
                title="Web tier returns 502",
                section="Remediation",
                action="restart_service",
            ),
            Citation(kind=CitationKind.TICKET, id="INC-4092", title="app-api crashed"),
        ],
        actions=action_specs(CATALOG),
    )


def answer(**fields: Any) -> str:
    body = {
        "decision": "propose",
        "action": "restart_service",
        "host": HOST,
        "params": {"service": "app-api"},
        "rationale": "app-api failed (Result=signal)",
        "citations": REFS,
    }
    return json.dumps(body | fields)


def settings(server: ScriptedLLM, **overrides: Any) -> LLMSettings:
    return LLMSettings.model_validate(
        {"base_url": server.base_url, "model": "m", "timeout": 5.0, **overrides}
    )


@pytest.fixture(autouse=True)
def fresh_probes():
    forget_probes()
    yield
    forget_probes()


def cut_off(content: str) -> Raw:
    """A completion stopped by max_tokens."""
    body = completion("m", content, 1)
    body["choices"][0]["finish_reason"] = "length"
    return Raw(json.dumps(body))


def test_probe_falls_back_from_a_refused_json_schema_and_is_remembered(
    llm_server: ScriptedLLM,
) -> None:
    llm_server.script(REFUSED_JSON_SCHEMA, OK, answer(), answer())
    planner = LLMPlanner(settings(llm_server))
    context = make_context()

    first = planner.plan(context)
    second = LLMPlanner(settings(llm_server)).plan(context)

    assert planner.resolved is not None
    assert (planner.resolved.protocol, planner.resolved.role) == (
        Protocol.JSON_OBJECT_SCHEMA,
        Role.USER,
    )
    assert planner.resolved.notes[0] == "json_schema: refused (HTTP 500)"
    assert first.decision is second.decision is Decision.PROPOSE
    # One probe per endpoint, and the refused 500 was not retried by the client.
    kinds = [b.get("response_format", {}).get("type") for b in llm_server.bodies]
    assert kinds == ["json_schema", "json_object", "json_object", "json_object"]
    asked = llm_server.bodies[2]
    assert asked["response_format"]["schema"] == answer_schema(context)
    assert "tools" not in asked
    # Gemma's chat format drops system messages: the instructions head the user turn.
    assert [m["role"] for m in asked["messages"]] == ["user"]
    assert asked["messages"][0]["content"].startswith("You are the first responder")
    assert asked["max_tokens"] == 1024


def test_probe_uses_a_named_tool_when_response_format_is_refused(
    llm_server: ScriptedLLM,
) -> None:
    refused = Fail(400, "response_format is not supported")
    llm_server.script(
        refused, refused, [ToolCall("submit_decision", {"ok": True})], [ToolCall(ANSWER_TOOL, {})]
    )
    llm_server.script([ToolCall(ANSWER_TOOL, json.loads(answer()))])

    result = LLMPlanner(settings(llm_server)).plan(make_context())

    assert result.decision is Decision.PROPOSE and result.params == {"service": "app-api"}
    probe, answered, retried = llm_server.bodies[2:]
    for body in (probe, answered, retried):
        assert body["tool_choice"] == {"type": "function", "function": {"name": ANSWER_TOOL}}
        assert [t["function"]["name"] for t in body["tools"]] == [ANSWER_TOOL]
    assert answered["tools"][0]["function"]["parameters"] == answer_schema(make_context())
    # The empty call was sent back as text with its errors, never as a dangling tool call.
    assert retried["messages"][-2] == {"role": "assistant", "content": "{}"}
    assert "decision: Field required" in retried["messages"][-1]["content"]


def test_probe_ends_with_prompting_when_nothing_structured_works(
    llm_server: ScriptedLLM,
) -> None:
    llm_server.script("Sure! Here is JSON: ok", "ok: true", "I cannot call tools", answer())
    planner = LLMPlanner(settings(llm_server))

    result = planner.plan(make_context())

    assert planner.resolved is not None and planner.resolved.protocol is Protocol.PROMPT
    assert result.decision is Decision.PROPOSE
    last = llm_server.bodies[-1]
    assert "response_format" not in last and "tool_choice" not in last
    assert "tools" in last  # prompting keeps the read-only tool rounds


@pytest.mark.parametrize("status", [401, 429, 503])
def test_a_failing_endpoint_is_not_mistaken_for_a_refusal(
    llm_server: ScriptedLLM, status: int
) -> None:
    llm_server.script(Fail(status, "try later"), OK, answer())

    with pytest.raises(PlannerUnavailable, match=str(status)):
        LLMPlanner(settings(llm_server)).plan(make_context())
    # Nothing was cached: the next plan probes again.
    planner = LLMPlanner(settings(llm_server))
    assert planner.plan(make_context()).decision is Decision.PROPOSE
    assert planner.resolved is not None and planner.resolved.protocol is Protocol.JSON_SCHEMA
    assert planner.resolved.role is Role.SYSTEM


@pytest.mark.parametrize(
    "bad",
    [
        cut_off(answer()[:60]),
        cut_off(answer()),  # parses, but was stopped by max_tokens: not trusted
    ],
    ids=["cut-unparsable", "cut-parsable"],
)
def test_an_answer_cut_at_max_tokens_is_a_failed_attempt(llm_server: ScriptedLLM, bad: Raw) -> None:
    llm_server.script(bad, bad)

    planner = LLMPlanner(settings(llm_server, protocol="json_object_schema", max_retries=1))
    result = planner.plan(make_context())

    assert result.decision is Decision.ESCALATE and result.action is None
    assert "cut off at max_tokens" in result.rationale
    assert planner.attempts == 2 and not planner.valid
    assert "cut off at max_tokens" in llm_server.bodies[1]["messages"][-1]["content"]


def test_a_truncated_tool_call_is_retried_then_answered(llm_server: ScriptedLLM) -> None:
    # llama.cpp reports a call cut at max_tokens as finish_reason "tool_calls".
    llm_server.script(
        [ToolCall(ANSWER_TOOL, answer()[:50])], [ToolCall(ANSWER_TOOL, json.loads(answer()))]
    )

    planner = LLMPlanner(settings(llm_server, protocol="tools"))
    result = planner.plan(make_context())

    assert result.decision is Decision.PROPOSE
    assert planner.attempts == 2 and planner.valid
    assert "Invalid JSON" in llm_server.bodies[1]["messages"][-1]["content"]


def test_raw_newlines_in_grammar_strings_are_read(llm_server: ScriptedLLM) -> None:
    llm_server.script(answer(rationale="app-api failed\nnginx is fine"))

    result = LLMPlanner(settings(llm_server, protocol="json_object_schema")).plan(make_context())

    assert result.decision is Decision.PROPOSE
    assert result.rationale == "app-api failed\nnginx is fine"


def test_repeated_citations_are_sent_back(llm_server: ScriptedLLM) -> None:
    llm_server.script(answer(citations=[REFS[0], REFS[0]]), answer())

    result = LLMPlanner(settings(llm_server, protocol="json_schema")).plan(make_context())

    assert result.citations == REFS
    assert f"citation {REFS[0]!r} is given twice" in llm_server.bodies[1]["messages"][-1]["content"]


def test_the_schema_allows_only_what_this_incident_allows() -> None:
    schema = answer_schema(make_context())
    jsonschema.Draft202012Validator.check_schema(schema)
    valid = jsonschema.Draft202012Validator(schema).is_valid

    assert valid(json.loads(answer()))
    assert valid({"decision": "escalate", "rationale": "unclear", "citations": []})
    assert valid(json.loads(answer(action="free_disk_space", params={"path": "/var/log"})))
    invalid = [
        answer(params={"service": "postgresql"}),  # not one of the host's services
        answer(params={"service": "nginx; rm -rf /"}),
        answer(action="run_shell"),
        answer(action="service_status", params={"service": "nginx"}),  # read-only
        answer(action="kill_process", params={"process": "ffmpeg"}),  # host lists none
        answer(host="[HOST_2]"),
        answer(citations=[REFS[0], REFS[0]]),
        answer(citations=["INC-9999"]),
        answer(citations=[]),  # a proposal cites
        answer(rationale="x" * (RATIONALE_MAX_CHARS + 1)),
        answer(confidence=0.9),
        answer(action="free_disk_space", params={"path": "/var/lib/postgresql"}),
        answer(action="free_disk_space", params={"path": "/var/log", "older_than_days": 0}),
        json.dumps({"decision": "none", "action": "restart_service", "rationale": "x"}),
    ]
    assert [text for text in invalid if valid(json.loads(text))] == []


def test_kill_is_offered_only_for_the_hosts_killable_unprotected_processes() -> None:
    schema = answer_schema(make_context(killable=["ffmpeg", "postgres"]))
    kill = next(
        b for b in schema["oneOf"] if b["properties"].get("action") == {"const": "kill_process"}
    )

    assert kill["properties"]["params"]["properties"]["process"] == {"enum": ["ffmpeg"]}
    assert kill["properties"]["params"]["required"] == ["process"]
    assert kill["properties"]["params"]["properties"]["signal"] == {"enum": ["TERM", "KILL"]}


def test_with_nothing_retrieved_only_escalate_or_none_remain() -> None:
    context = make_context().model_copy(update={"citations": []})

    schema = answer_schema(context)

    assert "oneOf" not in schema
    assert schema["properties"]["decision"] == {"enum": ["escalate", "none"]}
    assert schema["properties"]["citations"]["maxItems"] == 0


def test_propose_only_leaves_out_escalation_only_when_a_proposal_is_possible() -> None:
    forced = answer_schema(make_context(), propose_only=True)
    valid = jsonschema.Draft202012Validator(forced).is_valid

    assert valid(json.loads(answer()))
    assert not valid({"decision": "escalate", "rationale": "unclear", "citations": []})
    nothing_cited = make_context().model_copy(update={"citations": []})
    assert answer_schema(nothing_cited, propose_only=True) == answer_schema(nothing_cited)
