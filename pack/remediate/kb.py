"""The knowledge base on disk: runbooks (markdown) and past tickets (YAML), as indexable chunks.

Pure parsing and validation; indexing lives in :mod:`remediate.lancedb_index`.
Our own ``kb/`` runbooks carry YAML front matter that the offline planner acts
on; any other markdown runbook (with or without front matter) is accepted for
retrieval, its title taken from the front matter, the first heading or the
file name. A runbook is split into its ``##`` sections so that a citation
names the section it rests on; a ticket is one structured record (id, date,
host, service, symptoms, root cause, resolution, action, outcome).
:func:`scan` turns files into :class:`Chunk` values and reports each bad file
by path and line without stopping at it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from remediate.errors import KnowledgeBaseError
from remediate.models import CitationKind, ParamValue

_FRONT = re.compile(r"\A---\s*\n(?P<meta>.*?)\n---\s*\n(?P<body>.*)\Z", re.S)
_SECTION = re.compile(r"^##\s+(?P<title>.+?)\s*$", re.M)
WHEN_NOT_TO_ACT = "When not to act"
# libyaml's safe loader when PyYAML was built with it: ten times faster on 100k tickets.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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
        text = path.read_text(encoding="utf-8")
        ticket = Ticket.model_validate(yaml.load(text, Loader=_LOADER))  # noqa: S506
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = 1 + (mark.line if mark is not None else 0)
        raise KnowledgeBaseError(f"{path}:{line}: invalid ticket YAML: {exc}") from exc
    except ValidationError as exc:
        raise KnowledgeBaseError(f"{path}:{_error_line(text, exc)}: invalid ticket: {exc}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise KnowledgeBaseError(f"{path}:0: cannot read ticket: {exc}") from exc
    if ticket.id != path.stem:
        raise KnowledgeBaseError(f"{path}:1: id {ticket.id!r} does not match the file name")
    return ticket


def _error_line(text: str, exc: ValidationError) -> int:
    """The line of the first field pydantic complains about (1 when it is missing)."""
    for error in exc.errors():
        key = str(error["loc"][0]) if error["loc"] else ""
        for number, line in enumerate(text.splitlines(), start=1):
            if key and line.startswith(f"{key}:"):
                return number
    return 1


def load_kb(root: Path, learned: Path | None = None) -> KnowledgeBase:
    """Load ``root/runbooks/*.md`` and ``root/incidents/*.yaml`` (plus the learned tickets
    under ``learned``); any bad file fails loudly."""
    if not root.is_dir():
        raise KnowledgeBaseError(f"knowledge base directory {root} does not exist")
    runbooks = {rb.id: rb for rb in map(parse_runbook, sorted(root.glob("runbooks/*.md")))}
    files = sorted(root.glob("incidents/*.y*ml"))
    if learned is not None and learned.is_dir():
        files += sorted(learned.glob("INC-*.y*ml"))
    tickets = {t.id: t for t in map(parse_ticket, files)}
    return KnowledgeBase(runbooks, tickets, root)


def runbook_chunks(runbook: Runbook) -> Iterator[tuple[Section, str]]:
    """Each section with the text to index: title, alerts and symptoms give it context."""
    meta = runbook.meta
    context = f"{meta.title}\nalerts: {' '.join(meta.alerts)}\nsymptoms: {'; '.join(meta.symptoms)}"
    for section in runbook.sections:
        yield section, f"{context}\n{section.title}\n{section.text}"


# --------------------------------------------------------------------------- chunks for the index

_HEADING = re.compile(r"^(?P<marks>#{1,6})\s+(?P<title>.+?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
_ALERT_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*[A-Z][A-Za-z0-9_]*$")
SNIPPET_CHARS = 320
OVERVIEW = "Overview"


@dataclass(frozen=True)
class Chunk:
    """One row of the index: a runbook section or a ticket, before sanitizing."""

    kind: CitationKind
    id: str
    title: str
    section: str
    text: str
    """The body searched by BM25 and embedded."""
    names: str
    """Title, alert names (also split into words) and section heading: a second,
    short field, so an alert name in the query finds the runbook written for it."""
    snippet: str
    source: str
    """The file the chunk came from (absolute path)."""
    date: str = ""
    action: str = ""
    outcome: str = ""
    host: str = ""
    services: tuple[str, ...] = ()
    alerts: tuple[str, ...] = ()

    @property
    def row_id(self) -> str:
        return f"{self.source}#{self.section}" if self.section else self.source


@dataclass
class Scan:
    chunks: list[Chunk] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    """``path:line: message`` for every file that could not be read; the rest still counts."""
    files: int = 0


def split_words(name: str) -> str:
    """``NodeFilesystemSpaceFillingUp`` → ``Node Filesystem Space Filling Up``."""
    return " ".join(_CAMEL.findall(name))


def _names(title: str, alerts: Iterable[str], section: str) -> str:
    alerts = list(alerts)
    return " ".join([title, *alerts, *(split_words(a) for a in alerts), section])


def markdown_runbook_chunks(path: Path, text: str) -> list[Chunk]:
    """Chunks of any markdown runbook; raises :class:`KnowledgeBaseError` with a line number."""
    lines = text.splitlines()
    meta: dict[str, object] = {}
    start = 0
    if lines and lines[0].strip() == "---":
        end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
        if end is None:
            raise KnowledgeBaseError(f"{path}:1: front matter is never closed with '---'")
        try:
            loaded = yaml.safe_load("\n".join(lines[1:end])) or {}
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = 2 + (mark.line if mark is not None else 0)
            raise KnowledgeBaseError(f"{path}:{line}: invalid front matter: {exc}") from exc
        if not isinstance(loaded, dict):
            raise KnowledgeBaseError(f"{path}:2: front matter must be a mapping")
        meta, start = loaded, end + 1
    if "action" in meta:  # our own format: validated strictly, the planner acts on it
        return kb_runbook_chunks(parse_runbook(path))
    heading: str | None = None
    sections: list[tuple[str, list[str]]] = [(OVERVIEW, [])]
    fenced = False
    for raw in lines[start:]:
        if _FENCE.match(raw):
            fenced = not fenced
        found = None if fenced else _HEADING.match(raw)
        if found and len(found["marks"]) == 1 and heading is None:
            heading = found["title"]
        elif found and len(found["marks"]) == 2:
            sections.append((found["title"], []))
        else:
            sections[-1][1].append(raw)
    if fenced:
        raise KnowledgeBaseError(f"{path}:{len(lines)}: a code fence is never closed")
    title = str(meta.get("title") or heading or split_words(path.stem).replace("-", " "))
    alerts = [str(a) for a in meta.get("alerts") or []]  # type: ignore[attr-defined]
    for candidate in (path.stem, heading or ""):
        if _ALERT_NAME.match(candidate) and candidate not in alerts:
            alerts.append(candidate)
    services = tuple(str(s) for s in meta.get("services") or [])  # type: ignore[attr-defined]
    rid = str(meta.get("id") or path.stem)
    chunks = []
    for name, body in sections:
        content = "\n".join(body).strip()
        if not content:
            continue
        chunks.append(
            Chunk(
                kind=CitationKind.RUNBOOK,
                id=rid,
                title=title,
                section=name,
                text=f"{title}\n{name}\n{content}",
                names=_names(title, alerts, name),
                snippet=content[:SNIPPET_CHARS],
                source=str(path),
                services=services,
                alerts=tuple(alerts),
            )
        )
    if not chunks:
        raise KnowledgeBaseError(f"{path}:1: runbook has no text")
    return chunks


def kb_runbook_chunks(runbook: Runbook) -> list[Chunk]:
    meta = runbook.meta
    return [
        Chunk(
            kind=CitationKind.RUNBOOK,
            id=runbook.id,
            title=meta.title,
            section=section.title,
            text=text,
            names=_names(meta.title, meta.alerts, section.title),
            snippet=section.text[:SNIPPET_CHARS],
            source=str(runbook.path),
            action=meta.action,
            services=tuple(meta.services),
            alerts=tuple(meta.alerts),
        )
        for section, text in runbook_chunks(runbook)
    ]


def ticket_chunk(ticket: Ticket, path: Path) -> Chunk:
    return Chunk(
        kind=CitationKind.TICKET,
        id=ticket.id,
        title=ticket.title,
        section="",
        text=ticket.text(),
        names=_names(ticket.title, [ticket.alert], ticket.service),
        snippet=ticket.resolution[:SNIPPET_CHARS],
        source=str(path),
        date=ticket.date.isoformat(),
        action=ticket.action,
        outcome=ticket.outcome,
        host=ticket.host,
        services=(ticket.service,),
        alerts=(ticket.alert,),
    )


def _is_ticket_file(path: Path) -> bool:
    return path.suffix in (".yaml", ".yml") and re.fullmatch(r"INC-\d+", path.stem) is not None


def scan(paths: Iterable[Path]) -> Scan:
    """Every runbook (``*.md``) and ticket (``INC-*.yaml``) under ``paths``, as chunks.

    A file that cannot be parsed is reported in ``problems`` and skipped; the
    others are still returned, so one bad runbook never blocks an ingest.
    """
    result = Scan()
    for root in paths:
        root = root.resolve()
        if not root.exists():
            result.problems.append(f"{root}:0: no such file or directory")
            continue
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in files:
            if path.suffix.lower() not in (".md", ".markdown") and not _is_ticket_file(path):
                continue
            result.files += 1
            try:
                if _is_ticket_file(path):
                    result.chunks.append(ticket_chunk(parse_ticket(path), path))
                else:
                    text = path.read_text(encoding="utf-8")
                    result.chunks.extend(markdown_runbook_chunks(path, text))
            except KnowledgeBaseError as exc:
                result.problems.append(str(exc))
            except (OSError, UnicodeDecodeError) as exc:
                result.problems.append(f"{path}:0: cannot read: {exc}")
    return result


def write_ticket(ticket: Ticket, directory: Path) -> Path:
    """Write ``ticket`` as ``directory/<id>.yaml`` (the learned-memory store), created
    exclusively (mode 0600): a ticket never overwrites another."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = directory / f"{ticket.id}.yaml"
    data = ticket.model_dump(mode="json", exclude_none=True)
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise KnowledgeBaseError(f"ticket {ticket.id} already exists in {directory}") from None
    except OSError as exc:
        raise KnowledgeBaseError(f"cannot write ticket {path}: {exc}") from exc
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    return path
