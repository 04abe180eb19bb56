"""The knowledge base on disk: runbooks (markdown with front matter) and past tickets (YAML).

Pure parsing and validation; indexing lives in :mod:`remediate.lancedb_index`.
A runbook is split into its ``##`` sections so that a citation names the
section it rests on; a ticket is one structured record (id, date, host,
service, symptoms, root cause, resolution, action, outcome).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from remediate.errors import KnowledgeBaseError
from remediate.models import ParamValue

_FRONT = re.compile(r"\A---\s*\n(?P<meta>.*?)\n---\s*\n(?P<body>.*)\Z", re.S)
_SECTION = re.compile(r"^##\s+(?P<title>.+?)\s*$", re.M)
WHEN_NOT_TO_ACT = "When not to act"


class Contraindication(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    pattern: str
    reason: str

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"invalid regex {value!r}: {exc}") from exc
        return value

    def matches(self, text: str) -> bool:
        return re.search(self.pattern, text, re.IGNORECASE) is not None


class RunbookMeta(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    title: str
    alerts: list[str] = Field(default_factory=list)
    symptoms: list[str] = Field(default_factory=list)
    services: list[str] = Field(default_factory=list)
    action: str
    params: dict[str, ParamValue] = Field(default_factory=dict)
    do_not_act: list[Contraindication] = Field(default_factory=list)


@dataclass(frozen=True)
class Section:
    title: str
    text: str


@dataclass(frozen=True)
class Runbook:
    meta: RunbookMeta
    sections: tuple[Section, ...]
    path: Path

    @property
    def id(self) -> str:
        return self.meta.id


class Ticket(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    date: date
    title: str
    host: str
    service: str
    alert: str
    symptoms: str
    root_cause: str
    resolution: str
    action: str
    params: dict[str, ParamValue] = Field(default_factory=dict)
    outcome: Literal["resolved", "not_resolved", "escalated"]
    runbook: str | None = None

    @field_validator("id")
    @classmethod
    def _ticket_id(cls, value: str) -> str:
        if not re.fullmatch(r"INC-\d{3,7}", value):
            raise ValueError("ticket ids look like INC-4092")
        return value

    def text(self) -> str:
        return "\n".join(
            [
                self.title,
                f"alert: {self.alert}; service: {self.service}",
                f"symptoms: {self.symptoms}",
                f"root cause: {self.root_cause}",
                f"resolution: {self.resolution}",
                f"action: {self.action} {self.params}; outcome: {self.outcome}",
            ]
        )


@dataclass(frozen=True)
class KnowledgeBase:
    runbooks: dict[str, Runbook]
    tickets: dict[str, Ticket]
    root: Path


def parse_runbook(path: Path) -> Runbook:
    text = path.read_text(encoding="utf-8")
    match = _FRONT.match(text)
    if match is None:
        raise KnowledgeBaseError(f"{path}:1: runbook has no YAML front matter")
    try:
        meta = RunbookMeta.model_validate(yaml.safe_load(match["meta"]))
    except (yaml.YAMLError, ValidationError) as exc:
        raise KnowledgeBaseError(f"{path}:2: invalid runbook front matter: {exc}") from exc
    if meta.id != path.stem:
        raise KnowledgeBaseError(f"{path}:2: id {meta.id!r} does not match the file name")
    body = match["body"]
    heads = list(_SECTION.finditer(body))
    if not heads:
        raise KnowledgeBaseError(f"{path}: runbook has no '## ' sections")
    sections = []
    for i, head in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(body)
        sections.append(Section(head["title"], body[head.end() : end].strip()))
    return Runbook(meta, tuple(sections), path)


def parse_ticket(path: Path) -> Ticket:
    try:
        ticket = Ticket.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise KnowledgeBaseError(f"{path}:1: invalid ticket: {exc}") from exc
    if ticket.id != path.stem:
        raise KnowledgeBaseError(f"{path}:1: id {ticket.id!r} does not match the file name")
    return ticket


def load_kb(root: Path) -> KnowledgeBase:
    """Load ``root/runbooks/*.md`` and ``root/incidents/*.yaml``; any bad file fails loudly."""
    if not root.is_dir():
        raise KnowledgeBaseError(f"knowledge base directory {root} does not exist")
    runbooks = {rb.id: rb for rb in map(parse_runbook, sorted(root.glob("runbooks/*.md")))}
    tickets = {t.id: t for t in map(parse_ticket, sorted(root.glob("incidents/*.y*ml")))}
    return KnowledgeBase(runbooks, tickets, root)


def runbook_chunks(runbook: Runbook) -> Iterator[tuple[Section, str]]:
    """Each section with the text to index: title, alerts and symptoms give it context."""
    meta = runbook.meta
    context = f"{meta.title}\nalerts: {' '.join(meta.alerts)}\nsymptoms: {'; '.join(meta.symptoms)}"
    for section in runbook.sections:
        yield section, f"{context}\n{section.title}\n{section.text}"
