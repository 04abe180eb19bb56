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
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from remediate.catalog import Parameter
from remediate.config import LLMSettings
from remediate.errors import PlannerUnavailable
from remediate.llm_protocol import (
    Protocol,
    Reply,
    Resolved,
    answer_schema,
    applicable_writes,
    extract,
    messages_for,
    read_reply,
    request_options,
    resolve,
)
from remediate.models import Decision, ParamValue, Proposal
from remediate.planning import PlanningContext

ToolRunner = Callable[[str, dict[str, Any]], str]

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

STRUCTURED_PROMPT = """You are the first responder for a production alert. Decide from the \
evidence: propose ONE catalog write action for the target host (a fix the cited runbook or \
ticket backs), or escalate to a human, or none when nothing needs doing. Respect every \
runbook's "When not to act"; if no catalog action is a safe fix, escalate. Host names and \
addresses appear as pseudonyms like [HOST_1]. Answer with the JSON object only: decision, and \
for a proposal action, host and params; a short rationale quoting the evidence; citations."""


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
        f"citation {c!r} is given twice"
        for i, c in enumerate(answer.citations)
        if c in answer.citations[:i]
    ]
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
        self.resolved: Resolved | None = None
        """The protocol used with the endpoint (after the first plan)."""
        self.attempts = 0
        """Answers received in the last plan; ``valid`` says whether the last one passed."""
        self.valid = False

    def _client(self) -> openai.OpenAI:
        key = self.settings.api_key.get_secret_value() if self.settings.api_key else "unused"
        return openai.OpenAI(
            base_url=self.settings.base_url,
            api_key=key,
            timeout=self.settings.timeout,
            # Never retry: a refused protocol or a failing endpoint is answered by the probe's
            # fallback or by escalation, not by asking the same thing three times.
            max_retries=0,
        )

    def plan(self, context: PlanningContext) -> Proposal:
        # What the model sees, and so all it may cite: the best retrieved citations and the
        # observations, each cut to the configured budget.
        limit = self.settings.max_observation_chars
        context = context.model_copy(
            update={
                "citations": context.citations[: self.settings.max_citations],
                "observations": {k: v[:limit] for k, v in context.observations.items()},
            }
        )
        client = self._client()
        resolved = resolve(
            client,
            model=self.settings.model,
            protocol=self.settings.protocol,
            system_role=self.settings.system_role,
        )
        self.resolved = resolved
        self.attempts, self.valid = 0, False
        protocol = resolved.protocol
        schema = self.schema(context)
        structured = protocol is not Protocol.PROMPT
        # A structured protocol forces the answer at once: the observations are already in the
        # context, and a named tool_choice cannot leave room for read-only calls.
        tools = [] if structured else _tools(context)
        messages = messages_for(
            SYSTEM_PROMPT if not structured else STRUCTURED_PROMPT,
            _context_message(context, structured=structured),
            resolved.role,
        )
        self.transcript = messages
        retries = 0
        for step in range(self.settings.max_steps + self.settings.max_retries):
            offer_tools = step < self.settings.max_steps - 1 and bool(tools)
            options = request_options(protocol, schema) if structured else {}
            if offer_tools:
                options["tools"] = tools
            reply = self._complete(client, messages, options)
            if reply.tool_calls and offer_tools:
                messages.append(_assistant_calls(reply))
                for call_id, name, arguments in reply.tool_calls:
                    messages.append(self._tool_result(call_id, name, arguments, context))
                continue
            self.attempts += 1
            value, problem = extract(protocol, reply)
            said = reply.content
            if protocol is Protocol.TOOLS and reply.tool_calls:
                said = reply.tool_calls[0][2]
            # Kept as text (never as a dangling tool call): every chat format accepts it.
            messages.append({"role": "assistant", "content": said})
            answer, problems = (None, [problem]) if problem else _validate(value, context)
            if answer is not None and not problems:
                self.valid = True
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

    def schema(self, context: PlanningContext) -> dict[str, Any]:
        """The answer's JSON schema for this incident (see remediate.llm_protocol)."""
        return answer_schema(context)

    def _complete(
        self,
        client: openai.OpenAI,
        messages: list[dict[str, Any]],
        options: dict[str, Any],
    ) -> Reply:
        try:
            response = client.chat.completions.create(
                model=self.settings.model,
                messages=messages,  # type: ignore[arg-type]
                temperature=0,
                max_tokens=self.settings.max_tokens,
                **options,
            )
        except openai.APIError as exc:
            raise PlannerUnavailable(f"LLM endpoint error: {exc}") from exc
        except ValueError as exc:  # a 200 whose body is not JSON
            raise PlannerUnavailable(f"LLM endpoint answered garbage: {exc}") from exc
        return read_reply(response)

    def _tool_result(
        self, call_id: str, name: str, arguments: str, context: PlanningContext
    ) -> dict[str, Any]:
        readable = {a.id for a in context.actions if a.read_only}
        if name not in readable:
            content = f"error: {name!r} is not a read-only catalog tool"
        elif name in context.observations:
            content = context.observations[name]
        elif self.tool_runner is not None:
            try:
                args = json.loads(arguments or "{}")
            except ValueError:
                args = {}
            content = self.tool_runner(name, args if isinstance(args, dict) else {})
        else:
            content = f"{name} was not collected for this incident"
        return {"role": "tool", "tool_call_id": call_id, "content": content}


def _assistant_calls(reply: Reply) -> dict[str, Any]:
    return {
        "role": "assistant",
        "content": reply.content,
        "tool_calls": [
            {"id": call_id, "type": "function", "function": {"name": name, "arguments": args}}
            for call_id, name, args in reply.tool_calls
        ],
    }


def _validate(value: object, context: PlanningContext) -> tuple[LLMAnswer | None, list[str]]:
    try:
        answer = LLMAnswer.model_validate(value)
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


def _context_message(context: PlanningContext, *, structured: bool = False) -> str:
    body: dict[str, object] = {
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
            "killable": context.killable,
        },
        "observations": context.observations,
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
    if structured:
        # The schema carries each action's parameters and the values this host allows.
        body["catalog_write_actions"] = [
            {"id": a.id, "risk": a.risk, "description": a.description}
            for a in applicable_writes(context)
        ]
        return json.dumps(body, separators=(",", ":"))  # fewer tokens for a small model
    return json.dumps(body, indent=1)
