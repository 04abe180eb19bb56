"""Notify: render the stakeholder email draft and the ops summary with jinja2.

Drafts are for people, so they use real names (pseudonyms mapped back); they
are stored with the incident and written to the outbox directory, where a
mail relay or a human picks them up.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from remediate.inert import inert


@dataclass(frozen=True)
class Draft:
    kind: str
    subject: str
    body: str


_ENV = Environment(
    loader=PackageLoader("remediate", "templates"),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
    finalize=lambda value: inert(value, multiline=True) if isinstance(value, str) else value,
)


def _quote(text: object, prefix: str = "> ") -> str:
    """Outside text as a quoted block: no line of it can pass for a line of the template."""
    lines = inert(str(text), multiline=True).splitlines() or [""]
    return "\n".join(prefix + line for line in lines)


_ENV.filters["quote"] = _quote


def render_drafts(context: dict[str, Any]) -> list[Draft]:
    drafts = []
    for kind, template in (("email", "email.txt.j2"), ("summary", "summary.md.j2")):
        text = _ENV.get_template(template).render(**context)
        subject, _, body = text.partition("\n")
        drafts.append(Draft(kind, subject.removeprefix("Subject: ").strip(), body.lstrip("\n")))
    return drafts


def write_outbox(outbox: Path, incident_id: str, draft: Draft) -> Path:
    outbox.mkdir(parents=True, exist_ok=True, mode=0o700)
    suffix = "eml.txt" if draft.kind == "email" else "md"
    path = outbox / f"{incident_id}-{draft.kind}.{suffix}"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(f"Subject: {inert(draft.subject)}\n\n{draft.body}")
    return path
