"""How to ask an OpenAI-compatible endpoint for a structured answer, and how to read it.

Endpoints differ in what they accept for structured output, and they say so differently.
OpenAI accepts ``response_format`` of type ``json_schema``; llama.cpp's Python server refuses
it (HTTP 500) but accepts ``json_object`` with a ``schema``, which it turns into a grammar;
most servers accept ``tools`` with a ``tool_choice`` naming the function; some only text.
:func:`resolve` finds out once per endpoint (probing best first, falling back on a clear
refusal) unless the configuration names the protocol.

:func:`answer_schema` is the per-incident JSON schema of an answer: every value the answer may
hold is enumerated or bounded (the decision, the applicable write actions of the catalog with
their typed parameters, the target host, the retrieved citations, the rationale's length), so
that a grammar-constrained decoder cannot run away and cannot name anything outside the
allowlist. Grammar enforcement stops at the schema: the planner and the guard still check
agreement and sense.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import openai

from remediate.catalog import Parameter
from remediate.errors import PlannerUnavailable
from remediate.planning import ActionSpec, PlanningContext


class Protocol(StrEnum):
    JSON_SCHEMA = "json_schema"
    """``response_format={"type": "json_schema", ...}`` (OpenAI structured outputs)."""
    JSON_OBJECT_SCHEMA = "json_object_schema"
    """``response_format={"type": "json_object", "schema": ...}`` (llama.cpp grammars)."""
    TOOLS = "tools"
    """One function whose parameters are the schema, named in ``tool_choice``."""
    PROMPT = "prompt"
    """Text only: the instructions ask for JSON; read-only tools offered with ``auto``."""


class Role(StrEnum):
    SYSTEM = "system"
    USER = "user"


PROBE_ORDER = (Protocol.JSON_SCHEMA, Protocol.JSON_OBJECT_SCHEMA, Protocol.TOOLS)
ANSWER_TOOL = "submit_decision"
RATIONALE_MAX_CHARS = 240
MAX_CITATIONS = 3
PROBE_MAX_TOKENS = 24
_PROBE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"ok": {"type": "boolean"}},
    "required": ["ok"],
    "additionalProperties": False,
}
# Words by which an endpoint's error says it does not support what was asked, as opposed to
# being down, overloaded or refusing the key.
_FEATURE_WORDS = ("response_format", "json_schema", "schema", "tool", "function", "grammar")


@dataclass(frozen=True)
class Resolved:
    """The protocol used with an endpoint, where the instructions go, and how it was found."""

    protocol: Protocol
    role: Role
    probed: bool = False
    notes: tuple[str, ...] = ()


@dataclass
class _Cache:
    lock: threading.Lock = field(default_factory=threading.Lock)
    found: dict[tuple[str, str], tuple[Protocol, tuple[str, ...]]] = field(default_factory=dict)


_CACHE = _Cache()


def forget_probes() -> None:
    """Drop every cached probe result (an endpoint was upgraded; tests)."""
    with _CACHE.lock:
        _CACHE.found.clear()


def resolve(
    client: openai.OpenAI,
    *,
    model: str,
    protocol: str,
    system_role: str,
) -> Resolved:
    """The configured protocol, or the best one the endpoint accepts (probed once, cached)."""
    probed = protocol == "auto"
    notes: tuple[str, ...] = ()
    if probed:
        key = (str(client.base_url), model)
        with _CACHE.lock:
            cached = _CACHE.found.get(key)
            if cached is None:
                cached = probe(client, model)
                _CACHE.found[key] = cached
        chosen, notes = cached
    else:
        chosen = Protocol(protocol)
    if system_role == "auto":
        role = Role.SYSTEM if chosen is Protocol.JSON_SCHEMA else Role.USER
    else:
        role = Role(system_role)
    return Resolved(chosen, role, probed, notes)


def probe(client: openai.OpenAI, model: str) -> tuple[Protocol, tuple[str, ...]]:
    """Try each structured protocol with a one-field schema; the first that answers valid
    JSON wins. A refusal (an error naming the feature, or an unparsable answer) moves on;
    an endpoint that is down or refuses the key raises :class:`PlannerUnavailable` and
    nothing is cached. ``client`` must not retry (``max_retries=0``): a refused feature would
    otherwise be asked three times."""
    notes = []
    messages = [{"role": "user", "content": 'Reply with exactly this JSON object: {"ok": true}'}]
    for candidate in PROBE_ORDER:
        try:
            response = client.chat.completions.create(
                model=model,
                messages=messages,  # type: ignore[arg-type]
                temperature=0,
                max_tokens=PROBE_MAX_TOKENS,
                **request_options(candidate, _PROBE_SCHEMA),
            )
        except openai.APIStatusError as exc:
            if not _is_refusal(exc):
                raise PlannerUnavailable(f"LLM endpoint error while probing: {exc}") from exc
            notes.append(f"{candidate}: refused (HTTP {exc.status_code})")
            continue
        except openai.APIError as exc:
            raise PlannerUnavailable(f"LLM endpoint error while probing: {exc}") from exc
        except ValueError as exc:
            raise PlannerUnavailable(f"LLM endpoint answered garbage: {exc}") from exc
        reply = read_reply(response)
        value, problem = extract(candidate, reply)
        if problem is None and isinstance(value, dict) and isinstance(value.get("ok"), bool):
            notes.append(f"{candidate}: accepted")
            return candidate, tuple(notes)
        notes.append(f"{candidate}: unusable answer ({problem or 'not the object asked for'})")
    notes.append("prompt: fallback")
    return Protocol.PROMPT, tuple(notes)


def _is_refusal(exc: openai.APIStatusError) -> bool:
    if exc.status_code in (401, 403, 404, 408, 409, 429):
        return False
    if 400 <= exc.status_code < 500:
        return True
    text = f"{exc.message} {exc.body}".lower()
    return any(word in text for word in _FEATURE_WORDS)


def request_options(protocol: Protocol, schema: dict[str, Any]) -> dict[str, Any]:
    """The request's extra keyword arguments that ask for ``schema``."""
    if protocol is Protocol.JSON_SCHEMA:
        return {
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "decision", "schema": schema},
            }
        }
    if protocol is Protocol.JSON_OBJECT_SCHEMA:
        return {"response_format": {"type": "json_object", "schema": schema}}
    if protocol is Protocol.TOOLS:
        return {
            "tools": [
                {
                    "type": "function",
                    "function": {
                        "name": ANSWER_TOOL,
                        "description": "Submit the decision for this alert.",
                        "parameters": schema,
                    },
                }
            ],
            "tool_choice": {"type": "function", "function": {"name": ANSWER_TOOL}},
        }
    return {}


@dataclass(frozen=True)
class Reply:
    """One chat completion's first choice, as plain data."""

    content: str
    finish_reason: str | None
    tool_calls: tuple[tuple[str, str, str], ...] = ()
    """(id, function name, arguments text) of each function call."""


def read_reply(response: object) -> Reply:
    from openai.types.chat import ChatCompletion, ChatCompletionMessageFunctionToolCall

    if not isinstance(response, ChatCompletion):
        raise PlannerUnavailable(
            "LLM endpoint did not answer with a chat completion (does OPENAI_BASE_URL end in /v1?)"
        )
    if not response.choices:
        raise PlannerUnavailable("LLM endpoint returned no choices")
    choice = response.choices[0]
    calls = tuple(
        (call.id, call.function.name, call.function.arguments or "")
        for call in choice.message.tool_calls or []
        if isinstance(call, ChatCompletionMessageFunctionToolCall)
    )
    return Reply(choice.message.content or "", choice.finish_reason, calls)


def extract(protocol: Protocol, reply: Reply) -> tuple[object, str | None]:
    """The answer's JSON value, or why there is none. A reply cut at ``max_tokens`` is a
    failed attempt even when it parses (llama.cpp reports a cut tool call as ``tool_calls``;
    its arguments then do not parse)."""
    if reply.finish_reason == "length":
        return None, "the answer was cut off at max_tokens: answer shorter"
    if protocol is Protocol.TOOLS:
        texts = [args for _, name, args in reply.tool_calls if name == ANSWER_TOOL]
        if not texts:
            return None, f"no call of {ANSWER_TOOL} in the answer"
        text = texts[0]
    else:
        text = reply.content.strip()
        if text.startswith("```"):
            text = text.strip("`").removeprefix("json").strip()
    try:
        # Grammar-constrained strings may hold raw newlines: strict=False accepts them.
        return json.loads(text, strict=False), None
    except ValueError as exc:
        return None, f"Invalid JSON: {exc}"


def messages_for(instructions: str, context_text: str, role: Role) -> list[dict[str, Any]]:
    """The opening messages: instructions as a system message, or heading the user turn."""
    if role is Role.SYSTEM:
        return [
            {"role": "system", "content": instructions},
            {"role": "user", "content": context_text},
        ]
    return [{"role": "user", "content": f"{instructions}\n\nThe incident:\n{context_text}"}]


# ---------------------------------------------------------------------- the answer's schema


def applicable_writes(context: PlanningContext) -> list[ActionSpec]:
    """Write actions this host allows at all: every inventory-bound parameter has a value
    (a host with no killable processes cannot be offered kill_process)."""
    return [
        a for a in context.actions if not a.read_only and _param_schemas(a, context) is not None
    ]


def answer_schema(context: PlanningContext, *, propose_only: bool = False) -> dict[str, Any]:
    """The tight JSON schema of one answer for this incident (see the module docstring).
    ``propose_only`` leaves out escalate/none when a proposal is possible at all: a stress test
    of the guard with real model proposals (benchmarks/local_llm_eval.py), never a setting."""
    refs = list(dict.fromkeys(c.ref for c in context.citations))
    rationale = {"type": "string", "minLength": 1, "maxLength": RATIONALE_MAX_CHARS}
    branches: list[dict[str, Any]] = []
    for action in applicable_writes(context):
        params, required = _param_schemas(action, context) or ({}, [])
        if not refs:
            break  # a proposal must cite; with nothing retrieved only escalate/none remain
        branches.append(
            _object(
                {
                    "decision": {"const": "propose"},
                    "action": {"const": action.id},
                    "host": {"const": context.host},
                    "params": _object(params, required),
                    "rationale": rationale,
                    "citations": _citations(refs, 1),
                }
            )
        )
    if propose_only and branches:
        return branches[0] if len(branches) == 1 else {"oneOf": branches}
    branches.append(
        _object(
            {
                "decision": {"enum": ["escalate", "none"]},
                "rationale": rationale,
                "citations": _citations(refs, 0),
            }
        )
    )
    return branches[0] if len(branches) == 1 else {"oneOf": branches}


def _object(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
        "additionalProperties": False,
    }


def _citations(refs: list[str], least: int) -> dict[str, Any]:
    if not refs:
        return {"type": "array", "maxItems": 0, "items": {"type": "string"}}
    return {
        "type": "array",
        "items": {"enum": refs},
        "minItems": least,
        "maxItems": min(MAX_CITATIONS, len(refs)),
        "uniqueItems": True,
    }


def _param_schemas(
    action: ActionSpec, context: PlanningContext
) -> tuple[dict[str, Any], list[str]] | None:
    """Each parameter's schema, or None when a required inventory-bound one has no value."""
    schemas: dict[str, Any] = {}
    required = []
    for name, raw in action.parameters.items():
        spec = Parameter.model_validate(raw)
        schema = parameter_schema(spec, context)
        if schema is None:
            if spec.required and spec.default is None:
                return None
            continue
        schemas[name] = schema
        if spec.required and spec.default is None:
            required.append(name)
    return schemas, required


def parameter_schema(spec: Parameter, context: PlanningContext) -> dict[str, Any] | None:
    """A catalog parameter as a JSON schema; inventory-bound strings become the enum of what
    this host lists (None when it lists nothing usable)."""
    if spec.type == "boolean":
        return {"type": "boolean"}
    if spec.type == "integer":
        return {"type": "integer", "minimum": spec.minimum, "maximum": spec.maximum}
    if spec.inventory is not None or spec.enum is not None:
        if spec.inventory == "services":
            values = list(context.host_services)
        elif spec.inventory == "killable":
            values = list(context.killable)
        else:
            values = list(spec.enum or [])
        if spec.enum is not None:
            values = [v for v in values if v in spec.enum]
        protected = {p.lower() for p in spec.not_in}
        values = [v for v in values if v.lower() not in protected and not spec.check("v", v)]
        return {"enum": values} if values else None
    return {"type": "string", "pattern": spec.pattern, "maxLength": 128}
