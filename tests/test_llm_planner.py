"""The LLM planner against a scripted OpenAI-compatible endpoint, through the real openai client.

What is checked is what an operator would check: which proposal comes out (or that the incident
escalates), and what was sent to the endpoint — tools offered or not, retry messages carrying the
validation errors, and never a raw address, host name or secret.
"""

import json
import time
from pathlib import Path
from typing import Any

import pytest

from llm_server import Delay, Fail, Raw, ScriptedLLM, ToolCall
from remediate import intake
from remediate.catalog import Catalog, load_catalog
from remediate.config import LLMSettings, load_settings
from remediate.decision import Decided, decide, new_sanitizer
from remediate.errors import PlannerUnavailable
from remediate.inventory import inventory_from_hosts
from remediate.llm_planner import LLMPlanner
from remediate.models import Citation, CitationKind, Decision, Proposal
from remediate.planning import PlanningContext, action_specs

CATALOG_FILE = Path(__file__).resolve().parents[1] / "playbooks" / "catalog.yaml"

INVENTORY = {
    "srv-prod-04": {"address": "10.20.4.14", "services": ["nginx", "app-api"]},
    "db-01": {"address": "10.20.9.2", "services": ["postgresql"]},
}
ALERT = {
    "server_id": "srv-prod-04",
    "error_msg": "502 Bad Gateway - Connection Refused",
    "description": "checkout probe https://srv-prod-04.internal.example.com/checkout "
    "(10.20.4.14:443) answered 502",
    "timestamp": "2026-11-20T09:14:02Z",
}
OBSERVATIONS = {
    "service_status": "nginx: ActiveState=active SubState=running NRestarts=0\n"
    "app-api: ActiveState=failed SubState=failed Result=signal NRestarts=0",
    "collect_logs": "Nov 20 09:13:57 srv-prod-04 app-api[2211]: db pool to db-01:5432 "
    "user=shop password=hunter2 size=20\n"
    "Nov 20 09:13:58 srv-prod-04 systemd[1]: app-api.service: Main process exited, "
    "code=killed, status=9/KILL\n"
    "Nov 20 09:14:01 srv-prod-04 nginx[812]: [error] 812#812: *4411 connect() failed "
    "(111: Connection refused) while connecting to upstream, client: 10.20.1.7, "
    'server: shop.internal, upstream: "http://127.0.0.1:8080/checkout"',
}
NEVER_SENT = [
    "srv-prod-04",
    "10.20.4.14",
    "10.20.1.7",
    "db-01",
    "shop.internal",
    "hunter2",
    "user=shop",
]
HOST = "[HOST_1]"
"""srv-prod-04's pseudonym: the first host the sanitizer meets in the alert's description."""

CITATIONS = [
    Citation(
        kind=CitationKind.RUNBOOK,
        id="RB-web-502",
        title="Web tier returns 502 Bad Gateway because the upstream application is down",
        section="Remediation",
        snippet="Use the catalog action `restart_service` with `service` set to the stopped "
        "upstream (`app-api` or `webapp`).",
        source="runbooks/RB-web-502.md#Remediation",
        action="restart_service",
    ),
    Citation(
        kind=CitationKind.TICKET,
        id="INC-4092",
        title="app-api crashed after memory spike; 502 on checkout",
        date="2026-03-12",
        snippet="Ran restart_service with service=app-api, approved by [EMAIL].",
        source="incidents/INC-4092.yaml",
        action="restart_service",
        outcome="resolved",
    ),
]
REFS = ["RB-web-502#Remediation", "INC-4092"]


def answer(**fields: Any) -> str:
    """The model's final answer as JSON; by default the right fix for the 502."""
    body = {
        "decision": "propose",
        "action": "restart_service",
        "host": HOST,
        "params": {"service": "app-api"},
        "rationale": f"app-api on {HOST} was killed (status=9/KILL) while nginx is healthy",
        "citations": REFS,
    }
    return json.dumps(body | fields)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    """The real allowlist (its playbooks' syntax check is the catalog tests' job)."""
    return load_catalog(CATALOG_FILE, syntax_check=False)


@pytest.fixture
def context(catalog: Catalog) -> PlanningContext:
    """What decide() hands a planner for the 502 alert, already sanitized."""
    return PlanningContext(
        alert_name="502BadGatewayConnectionRefused",
        alert_status="firing",
        alert_text="502BadGatewayConnectionRefused\n502 Bad Gateway - Connection Refused",
        alert_labels={"server_id": HOST},
        host=HOST,
        host_services=["nginx", "app-api"],
        observations={
            "service_status": OBSERVATIONS["service_status"],
            "collect_logs": f"Nov 20 09:13:58 {HOST} systemd[1]: app-api.service: Main process "
            f"exited, code=killed, status=9/KILL\nNov 20 09:14:01 {HOST} nginx[812]: connect() "
            "failed (111: Connection refused) while connecting to upstream, client: "
            "[IP_ADDRESS_2]",
        },
        citations=CITATIONS,
        actions=action_specs(catalog),
    )


def llm_settings(server: ScriptedLLM, **overrides: Any) -> LLMSettings:
    return LLMSettings.model_validate(
        {
            "base_url": server.base_url,
            "api_key": "test-key",
            "model": "scripted-model",
            "timeout": 5.0,
            # The scripted endpoint answers in order: no probe; the instructions as a system
            # message. tests/test_llm_protocol.py covers probing and the other protocols.
            "protocol": "prompt",
            "system_role": "system",
            **overrides,
        }
    )


def investigate(planner: LLMPlanner, catalog: Catalog) -> Decided:
    """Sanitize, plan and guard the 502 alert on srv-prod-04, as the pipeline does."""
    inventory = inventory_from_hosts(INVENTORY)
    names = new_sanitizer(inventory, catalog, [])
    alert = intake.normalize(ALERT)[0]
    host = inventory.resolve(alert.host_hint)
    assert host is not None
    decided = decide(
        alert,
        host,
        OBSERVATIONS,
        catalog=catalog,
        inventory=inventory,
        retrieve=lambda query: list(CITATIONS),
        planner=planner,
        names=names,
    )
    assert decided.context is not None
    assert decided.context.host == HOST
    return decided


def retry_message(body: dict[str, Any]) -> str:
    """The planner's rejection note: the last message of a request that follows a bad answer."""
    last = body["messages"][-1]
    assert last["role"] == "user"
    assert last["content"].startswith("Your answer was rejected")
    return str(last["content"])


def test_tool_call_then_valid_proposal(llm_server: ScriptedLLM, catalog: Catalog) -> None:
    llm_server.script([ToolCall("collect_logs", {"service": "app-api"})], answer())
    planner = LLMPlanner(llm_settings(llm_server))

    decided = investigate(planner, catalog)

    assert decided.planner_answer == Proposal(
        decision=Decision.PROPOSE,
        action="restart_service",
        host=HOST,
        params={"service": "app-api"},
        rationale=f"app-api on {HOST} was killed (status=9/KILL) while nginx is healthy",
        citations=REFS,
        planner="llm",
    )
    assert decided.context is not None
    assert set(decided.planner_answer.citations) <= decided.context.citation_refs()
    final = decided.final
    assert (final.decision, final.action, final.host) == (
        Decision.PROPOSE,
        "restart_service",
        "srv-prod-04",
    )
    assert final.params["service"] == "app-api"
    assert "srv-prod-04" in final.rationale

    first, second = llm_server.bodies
    assert [b["temperature"] for b in llm_server.bodies] == [0, 0]
    assert "collect_logs" in {t["function"]["name"] for t in first["tools"]}
    assert "restart_service" not in {t["function"]["name"] for t in first["tools"]}
    call, result = second["messages"][-2:]
    assert call["tool_calls"][0]["function"]["name"] == "collect_logs"
    assert result == {
        "role": "tool",
        "tool_call_id": call["tool_calls"][0]["id"],
        "content": decided.context.observations["collect_logs"],
    }
    assert "[SECRET_TOKEN]" in result["content"]
    assert f"{HOST} systemd[1]" in result["content"]
    assert planner.transcript[-1] == {"role": "assistant", "content": answer()}


@pytest.mark.parametrize(
    ("first", "error"),
    [
        ('{"decision": "propose", "action": "restart_service", "host": ', "Invalid JSON"),
        ("I would restart app-api on [HOST_1].", "Invalid JSON"),
        (json.dumps({"decision": "propose", "action": "restart_service"}), "rationale: Field"),
        (answer(confidence=0.9), "confidence: Extra inputs are not permitted"),
    ],
    ids=["truncated", "prose", "missing-field", "extra-field"],
)
def test_malformed_answer_is_sent_back_with_its_error(
    llm_server: ScriptedLLM, context: PlanningContext, first: str, error: str
) -> None:
    llm_server.script(first, answer())

    result = LLMPlanner(llm_settings(llm_server)).plan(context)

    assert (result.decision, result.action, result.host) == (
        Decision.PROPOSE,
        "restart_service",
        HOST,
    )
    assert len(llm_server.requests) == 2
    retry = llm_server.bodies[1]
    assert retry["messages"][-2] == {"role": "assistant", "content": first}
    assert error in retry_message(retry)


@pytest.mark.parametrize("max_retries", [0, 2])
def test_action_outside_the_catalog_escalates_after_max_retries(
    llm_server: ScriptedLLM, context: PlanningContext, max_retries: int
) -> None:
    shell = answer(action="run_shell", params={"command": "systemctl restart app-api"})
    llm_server.script(*[shell] * (max_retries + 1), answer())

    result = LLMPlanner(llm_settings(llm_server, max_retries=max_retries)).plan(context)

    assert result.decision is Decision.ESCALATE
    assert (result.action, result.host, result.params) == (None, None, {})
    assert "'run_shell' is not a write action of the catalog" in result.rationale
    assert len(llm_server.requests) == max_retries + 1
    for body in llm_server.bodies[1:]:
        assert "'run_shell' is not a write action of the catalog" in retry_message(body)


def test_parameter_outside_its_schema_never_comes_out_as_a_proposal(
    llm_server: ScriptedLLM, catalog: Catalog
) -> None:
    llm_server.script(answer(params={"service": "nginx; rm -rf /"}))

    decided = investigate(LLMPlanner(llm_settings(llm_server, max_retries=0)), catalog)

    assert decided.final.decision is Decision.ESCALATE
    assert (decided.final.action, decided.final.host, decided.final.params) == (None, None, {})
    assert "'nginx; rm -rf /' does not match" in decided.final.rationale
    assert len(llm_server.requests) == 1


def test_parameter_outside_its_schema_is_sent_back_to_the_model(
    llm_server: ScriptedLLM, context: PlanningContext
) -> None:
    llm_server.script(answer(params={"service": "nginx; rm -rf /"}), answer())

    result = LLMPlanner(llm_settings(llm_server)).plan(context)

    assert len(llm_server.requests) == 2
    assert "nginx; rm -rf /" in retry_message(llm_server.bodies[1])
    assert result.params == {"service": "app-api"}


def test_another_host_is_sent_back(llm_server: ScriptedLLM, context: PlanningContext) -> None:
    llm_server.script(answer(host="[HOST_2]"), answer())

    result = LLMPlanner(llm_settings(llm_server)).plan(context)

    assert result.host == HOST
    assert f"host must be {HOST}" in retry_message(llm_server.bodies[1])


def test_citation_never_retrieved_is_sent_back(
    llm_server: ScriptedLLM, context: PlanningContext
) -> None:
    llm_server.script(answer(citations=["RB-disk-full-var-log#Remediation"]), answer())

    result = LLMPlanner(llm_settings(llm_server)).plan(context)

    assert result.decision is Decision.PROPOSE
    assert result.citations == REFS
    assert "'RB-disk-full-var-log#Remediation'" in retry_message(llm_server.bodies[1])


def test_citation_never_retrieved_escalates_when_it_persists(
    llm_server: ScriptedLLM, context: PlanningContext
) -> None:
    invented = answer(citations=[*REFS, "INC-9999"])
    llm_server.script(invented, invented, answer())

    result = LLMPlanner(llm_settings(llm_server, max_retries=1)).plan(context)

    assert result.decision is Decision.ESCALATE
    assert result.action is None
    assert "'INC-9999'" in result.rationale
    assert len(llm_server.requests) == 2


def test_timeout_raises_planner_unavailable(
    llm_server: ScriptedLLM, context: PlanningContext
) -> None:
    llm_server.script(Delay(10, then=answer()))
    planner = LLMPlanner(llm_settings(llm_server, timeout=0.5))

    started = time.monotonic()
    with pytest.raises(PlannerUnavailable, match="timed out"):
        planner.plan(context)

    assert time.monotonic() - started < 3
    assert len(llm_server.requests) == 1


def test_timeout_escalates_the_incident(llm_server: ScriptedLLM, catalog: Catalog) -> None:
    llm_server.script(Delay(10, then=answer()))

    decided = investigate(LLMPlanner(llm_settings(llm_server, timeout=0.5)), catalog)

    assert decided.final.decision is Decision.ESCALATE
    assert decided.final.rationale.startswith("planner unavailable")
    assert decided.planner_answer is None


@pytest.mark.parametrize("status", [500, 503, 429])
def test_http_error_raises_planner_unavailable(
    llm_server: ScriptedLLM, context: PlanningContext, status: int
) -> None:
    llm_server.script(Fail(status, "upstream model crashed"))

    with pytest.raises(PlannerUnavailable, match=str(status)):
        LLMPlanner(llm_settings(llm_server)).plan(context)

    assert len(llm_server.requests) == 1


@pytest.mark.parametrize(
    "reply",
    [
        Raw("{}"),
        Raw(json.dumps({"id": "x", "object": "chat.completion", "choices": []})),
        Raw("<html><body>Open WebUI</body></html>", content_type="text/html"),
        Raw('{"choices": [{"message": '),
    ],
    ids=["empty-object", "no-choices", "html-page", "broken-json"],
)
def test_answer_that_is_not_a_completion_raises_planner_unavailable(
    llm_server: ScriptedLLM, context: PlanningContext, reply: Raw
) -> None:
    llm_server.script(reply)

    with pytest.raises(PlannerUnavailable):
        LLMPlanner(llm_settings(llm_server)).plan(context)


def test_last_step_offers_no_tools(llm_server: ScriptedLLM, context: PlanningContext) -> None:
    keeps_calling = [ToolCall("collect_logs", {"service": "app-api"})]
    llm_server.script(keeps_calling, keeps_calling, keeps_calling)

    result = LLMPlanner(llm_settings(llm_server, max_steps=2, max_retries=1)).plan(context)

    assert result.decision is Decision.ESCALATE
    first, *rest = llm_server.bodies
    assert [t["function"]["name"] for t in first["tools"]] == [
        a.id for a in context.actions if a.read_only
    ]
    assert len(rest) == 2
    assert all("tools" not in body for body in rest)


def test_nothing_sensitive_reaches_the_endpoint(llm_server: ScriptedLLM, catalog: Catalog) -> None:
    llm_server.script(
        [ToolCall("collect_logs", {"service": "app-api"}), ToolCall("service_status")],
        answer(citations=["INC-9999"]),
        answer(),
    )

    planner = LLMPlanner(llm_settings(llm_server))
    decided = investigate(planner, catalog)

    assert decided.final.decision is Decision.PROPOSE
    sent = llm_server.sent()
    assert len(llm_server.requests) == 3
    assert [word for word in NEVER_SENT if word in sent] == []
    # The evidence did reach the endpoint, in pseudonyms: the check above can fail.
    assert "Main process exited" in sent
    assert "[SECRET_TOKEN]" in sent
    assert "[IP_ADDRESS_" in sent
    assert HOST in sent
    # The conversation kept for the audit trail is the same sanitized text.
    audit = json.dumps(planner.transcript)
    assert [word for word in NEVER_SENT if word in audit] == []
    assert "[SECRET_TOKEN]" in audit and HOST in audit


def test_a_pseudonym_the_model_invents_is_never_executed(
    llm_server: ScriptedLLM, catalog: Catalog
) -> None:
    invented = answer(host="[HOST_7]", rationale="restart on [HOST_7] as [USER_4]")
    llm_server.script(invented, invented, invented)

    decided = investigate(LLMPlanner(llm_settings(llm_server, max_retries=2)), catalog)

    assert decided.final.decision is Decision.ESCALATE
    assert decided.final.action is None and decided.final.host is None
    assert f"host must be {HOST}" in retry_message(llm_server.bodies[1])
    assert "[HOST_7]" not in json.dumps(decided.final.model_dump(mode="json"))


def test_endpoint_model_and_key_come_from_the_environment(
    llm_server: ScriptedLLM,
    context: PlanningContext,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)  # no ./remediate.yaml may interfere
    settings = load_settings(
        env={
            "OPENAI_BASE_URL": llm_server.base_url,
            "OPENAI_API_KEY": "sk-test-from-env",
            "REMEDIATE_LLM_MODEL": "qwen2.5-7b-instruct",
        },
        overrides={"llm": {"protocol": "prompt"}},
    )
    llm_server.script(answer())

    result = LLMPlanner(settings.llm).plan(context)

    assert result.decision is Decision.PROPOSE
    (request,) = llm_server.requests
    assert request.body["model"] == "qwen2.5-7b-instruct"
    assert request.headers["authorization"] == "Bearer sk-test-from-env"
