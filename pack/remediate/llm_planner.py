"""The LLM planner: any OpenAI-compatible endpoint selects one catalog playbook.

The model sees only the sanitized :class:`PlanningContext`. Its tools are the
read-only catalog playbooks (answered from the gathered observations); the
last step offers no tools, so it must answer. The answer is a typed object;
an answer that is not valid JSON, names an action outside the catalog, has a
parameter outside its schema or cites something retrieval did not return is
sent back with the errors a bounded number of times, then the incident
escalates. The model never writes shell: it can only name catalog ids.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Literal

import openai
from openai.types.chat import ChatCompletion, ChatCompletionMessageFunctionToolCall
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from remediate.catalog import Parameter
from remediate.config import LLMSettings
from remediate.errors import PlannerUnavailable
from remediate.models import Decision, ParamValue, Proposal
from remediate.planning import PlanningContext

ToolRunner = Callable[[str, dict[str, Any]], str]
MAX_OBSERVATION_CHARS = 6000

SYSTEM_PROMPT = """You are the first responder for a production alert. You may only \
choose ONE action from the catalog of vetted Ansible playbooks, with parameters, or escalate to \
a human, or answer none when nothing needs doing. You never write shell commands.
Rules:
- Host names, addresses and users appear as pseudonyms like [HOST_1]; use them as given.
- The target host is the one in the alert context; never target another host.
- Cite only the citation refs listed in the context (runbook sections or ticket ids).
- Respect every runbook's "When not to act": if the evidence shows such a condition, escalate.
- If no catalog action is a safe fix, escalate.
- You may call the read-only tools to look at the collected evidence.
When you are done, reply with ONLY a JSON object:
{"decision": "propose"|"escalate"|"none", "action": catalog id or null, "host": pseudonym or \
null, "params": {...}, "rationale": "why, citing the evidence", "citations": ["ref", ...]}"""


class LLMAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["propose", "escalate", "none"]
    action: str | None = None
    host: str | None = None
    params: dict[str, ParamValue] = Field(default_factory=dict)
    rationale: str = Field(min_length=1)
    citations: list[str] = Field(default_factory=list)


def answer_problems(answer: LLMAnswer, context: PlanningContext) -> list[str]:
    """What to send back to the model; the guard re-checks everything afterwards."""
    problems = []
    refs = context.citation_refs()
    problems += [
        f"citation {c!r} is not in the context's citations"
        for c in answer.citations
        if c not in refs
    ]
    if answer.decision != "propose":
        return problems
    writes = {a.id: a for a in context.actions if not a.read_only}
    if answer.action not in writes:
        problems.append(
            f"action {answer.action!r} is not a write action of the catalog; "
            f"choose one of {sorted(writes)} or escalate"
        )
        return problems
    if answer.host != context.host:
        problems.append(f"host must be {context.host}")
    specs = {n: Parameter.model_validate(p) for n, p in writes[answer.action].parameters.items()}
    for name in answer.params.keys() - specs.keys():
        problems.append(f"unknown parameter {name!r}")
    for name, spec in specs.items():
        if name not in answer.params:
            if spec.required and spec.default is None:
                problems.append(f"missing parameter {name!r}")
            continue
        problems += spec.check(name, answer.params[name])
        if spec.inventory == "services" and answer.params[name] not in context.host_services:
            problems.append(
                f"{name}={answer.params[name]!r} is not one of the host's services "
                f"{context.host_services}"
            )
    if not answer.citations:
        problems.append("a proposal must cite at least one runbook section or ticket")
    return problems


class LLMPlanner:
    name = "llm"

    def __init__(self, settings: LLMSettings, tool_runner: ToolRunner | None = None) -> None:
        self.settings = settings
        self.tool_runner = tool_runner
        self.transcript: list[dict[str, Any]] = []
        """The last conversation (sanitized text only), for the audit trail."""

    def _client(self) -> openai.OpenAI:
        key = self.settings.api_key.get_secret_value() if self.settings.api_key else "unused"
        return openai.OpenAI(
            base_url=self.settings.base_url,
            api_key=key,
            timeout=self.settings.timeout,
            max_retries=0,
        )

    def plan(self, context: PlanningContext) -> Proposal:
        client = self._client()
        tools = _tools(context)
        messages: list[dict[str, Any]] = [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": _context_message(context)},
        ]
        self.transcript = messages
        retries = 0
        for step in range(self.settings.max_steps + self.settings.max_retries):
            offer_tools = step < self.settings.max_steps - 1 and bool(tools)
            message = self._complete(client, messages, tools if offer_tools else None)
            calls = message.get("tool_calls") or []
            if calls and offer_tools:
                messages.append(message)
                for call in calls:
                    messages.append(self._tool_result(call, context))
                continue
            content = message.get("content") or ""
            messages.append({"role": "assistant", "content": content})
            answer, problems = _parse(content, context)
            if answer is not None and not problems:
                return Proposal(
                    decision=Decision(answer.decision),
                    action=answer.action if answer.decision == "propose" else None,
                    host=answer.host if answer.decision == "propose" else None,
                    params=answer.params if answer.decision == "propose" else {},
                    rationale=answer.rationale,
                    citations=answer.citations,
                    planner=self.name,
                )
            if retries >= self.settings.max_retries:
                return Proposal(
                    decision=Decision.ESCALATE,
                    rationale="the model's answer stayed invalid after "
                    f"{retries} retries: {'; '.join(problems)}",
                    planner=self.name,
                )
            retries += 1
            messages.append(
                {
                    "role": "user",
                    "content": "Your answer was rejected:\n- "
                    + "\n- ".join(problems)
                    + "\nAnswer again with ONLY the JSON object.",
                }
            )
        return Proposal(
            decision=Decision.ESCALATE,
            rationale="the model did not answer within the step limit",
            planner=self.name,
        )

    def _complete(
        self,
        client: openai.OpenAI,
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]] | None,
    ) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "model": self.settings.model,
            "messages": messages,
            "temperature": 0,
        }
        if tools:
            kwargs["tools"] = tools
        try:
            response = client.chat.completions.create(**kwargs)
        except openai.APIError as exc:
            raise PlannerUnavailable(f"LLM endpoint error: {exc}") from exc
        except ValueError as exc:  # a 200 whose body is not JSON
            raise PlannerUnavailable(f"LLM endpoint answered garbage: {exc}") from exc
        if not isinstance(response, ChatCompletion):
            raise PlannerUnavailable(
                "LLM endpoint did not answer with a chat completion "
                "(does OPENAI_BASE_URL end in /v1?)"
            )
        if not response.choices:
            raise PlannerUnavailable("LLM endpoint returned no choices")
        message = response.choices[0].message
        result: dict[str, Any] = {"role": "assistant", "content": message.content or ""}
        if message.tool_calls:
            result["tool_calls"] = [
                {
                    "id": call.id,
                    "type": "function",
                    "function": {
                        "name": call.function.name,
                        "arguments": call.function.arguments,
                    },
                }
                for call in message.tool_calls
                if isinstance(call, ChatCompletionMessageFunctionToolCall)
            ]
        return result

    def _tool_result(self, call: dict[str, Any], context: PlanningContext) -> dict[str, Any]:
        name = call["function"]["name"]
        readable = {a.id for a in context.actions if a.read_only}
        if name not in readable:
            content = f"error: {name!r} is not a read-only catalog tool"
        elif name in context.observations:
            content = context.observations[name][:MAX_OBSERVATION_CHARS]
        elif self.tool_runner is not None:
            try:
                args = json.loads(call["function"].get("arguments") or "{}")
            except ValueError:
                args = {}
            content = self.tool_runner(name, args if isinstance(args, dict) else {})
        else:
            content = f"{name} was not collected for this incident"
        return {"role": "tool", "tool_call_id": call["id"], "content": content}


def _parse(content: str, context: PlanningContext) -> tuple[LLMAnswer | None, list[str]]:
    text = content.strip()
    if text.startswith("```"):
        text = text.strip("`").removeprefix("json").strip()
    try:
        answer = LLMAnswer.model_validate_json(text)
    except ValidationError as exc:
        errors = [f"{'.'.join(map(str, e['loc'])) or 'answer'}: {e['msg']}" for e in exc.errors()]
        return None, errors or ["the answer is not the JSON object asked for"]
    return answer, answer_problems(answer, context)


def _tools(context: PlanningContext) -> list[dict[str, Any]]:
    tools = []
    for action in context.actions:
        if not action.read_only:
            continue
        properties = {name: _json_schema(spec) for name, spec in action.parameters.items()}
        tools.append(
            {
                "type": "function",
                "function": {
                    "name": action.id,
                    "description": action.description,
                    "parameters": {"type": "object", "properties": properties},
                },
            }
        )
    return tools


def _json_schema(spec: dict[str, object]) -> dict[str, object]:
    schema: dict[str, object] = {"type": spec.get("type", "string")}
    for key in ("enum", "pattern", "minimum", "maximum", "description"):
        if spec.get(key) is not None:
            schema[key] = spec[key]
    return schema


def _context_message(context: PlanningContext) -> str:
    body = {
        "alert": {
            "name": context.alert_name,
            "status": context.alert_status,
            "text": context.alert_text,
            "labels": context.alert_labels,
            "hosts_firing_same_alert": context.fleet_size,
        },
        "target_host": {
            "name": context.host,
            "services": context.host_services,
            "service_manager": context.service_manager,
        },
        "observations": {k: v[:MAX_OBSERVATION_CHARS] for k, v in context.observations.items()},
        "citations": [
            {
                "ref": c.ref,
                "kind": c.kind.value,
                "title": c.title,
                "date": c.date,
                "snippet": c.snippet,
                "action": c.action,
                "outcome": c.outcome,
            }
            for c in context.citations
        ],
        "catalog_write_actions": [a.model_dump() for a in context.actions if not a.read_only],
    }
    return json.dumps(body, indent=1)
