"""Replace sensitive values in text before it leaves the process (to an LLM, an index, a log).

Identifiers the model reasons about (IP and MAC addresses, e-mails, phone numbers, host and user
names) become numbered pseudonyms such as ``[HOST_1]``, consistent within one :class:`Sanitizer`
(one incident) and mapped back by :meth:`Sanitizer.restore`; credentials, tokens, keys, card
numbers and national ids become ``[SECRET_TOKEN]`` and are never kept. Detection is ours
(:mod:`remediate.recognizers`, no NLP model), and so is the splicing of replacements: with
non-overlapping spans it is a join, and presidio-anonymizer's per-result validation took more
than half of the run.
"""

from __future__ import annotations

import bisect
import ipaddress
import multiprocessing
import re
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from types import MappingProxyType
from typing import Final, TypeVar, overload

from remediate import credentials, dumps, tables
from remediate.errors import InventoryError, UsageError
from remediate.recognizers import (
    DANGLING_SECRET_KEY,
    EMAIL,
    HOST,
    IP,
    IPV6,
    IRREVERSIBLE_TYPES,
    MAC,
    PEM_BEGIN,
    PEM_END,
    PHONE,
    PSEUDONYM_TYPES,
    SECRET,
    USER,
    Context,
    Scanner,
    Span,
    is_ip_address,
)

__all__ = [
    "DEFAULT_INTERNAL_DOMAINS",
    "EMAIL",
    "HOST",
    "IP",
    "IPV6",
    "IRREVERSIBLE_TYPES",
    "MAC",
    "PEM_MAX_CHARS",
    "PEM_MAX_LINES",
    "PHONE",
    "PSEUDONYM_TYPES",
    "REDACTED",
    "REDACTED_TYPE",
    "USER",
    "Sanitizer",
]

REDACTED_TYPE: Final = SECRET
REDACTED: Final = f"[{REDACTED_TYPE}]"
DEFAULT_INTERNAL_DOMAINS: Final = ("internal", "local", "lan", "corp", "example.com")

# A real private key is a few kB; a block that is still open after this is cut and redacted.
PEM_MAX_LINES: Final = 256
PEM_MAX_CHARS: Final = 64 * 1024
# Lines per prefilter call: enough to amortize its per-call cost.
BATCH_LINES: Final = 32
BATCH_CHARS: Final = 4096
# Lines per batch sent to a forked worker: large, so that pickling and the pool's queues cost
# little beside the scan (32-line batches made two workers no faster than one).
WORKER_BATCH_LINES: Final = 1024
WORKER_BATCH_CHARS: Final = 128 * 1024

_LINE_BREAKS: Final = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")  # str.splitlines
_NO_HOSTS: Final[Mapping[str, Sequence[str]]] = MappingProxyType({})
_WORD = re.compile(r"[\w$][\w$-]*")
# bytes.translate table: every ASCII byte that _WORD does not take becomes a blank
_ASCII_WORDS: Final = bytes(
    c if chr(c).isascii() and (chr(c).isalnum() or chr(c) in "_$-") else 32 for c in range(256)
)
_LEADING_HYPHENS = re.compile(rb"(?<![\w$-])-+")
_PSEUDONYM = re.compile(r"\[([A-Z][A-Z0-9_]*)_(\d+)\]")
_KEY_ENDS: Final = frozenset(":|>-+{")  # last characters of a "password:" line (cheap test first)
# a comment or option line in a file, or a script's interpreter line (#!/bin/sh)
_COMMENT = re.compile(r"[ \t]*(?:#!|(?:#|\"|;|//)[ \t])")

_ASKED: Final = frozenset((credentials.Question.NUMBER, credentials.Question.OTHER))
# Another field of the same object between a secret's name and its value ("Type": "SecureString")
_SIBLING = re.compile(
    r"[ \t]*[\"']?[A-Za-z_][\w.-]*[\"']?[ \t]*:[ \t]*(?:\"[^\"\n]*\"|[\w.-]+),?[ \t]*$"
)

_Value = TypeVar("_Value")


class Sanitizer:
    """Pseudonymizes one incident's text; keeps the pseudonym → original mapping, never secrets.

    ``hosts``: inventory name → aliases and addresses; a name, its aliases and the short form of
    a dotted name share one ``[HOST_n]`` (addresses are IPs). ``allow``: values never replaced
    (service names); secrets are replaced regardless.
    """

    def __init__(
        self,
        *,
        hosts: Mapping[str, Sequence[str]] = _NO_HOSTS,
        allow: Iterable[str] = (),
        internal_domains: Sequence[str] = DEFAULT_INTERNAL_DOMAINS,
        prefilter: bool = True,
    ) -> None:
        if isinstance(allow, str) or isinstance(internal_domains, str):
            raise UsageError("allow and internal_domains take a list of strings, not one string")
        self._allow = frozenset(_text(a, "allow entry").lower() for a in allow)
        self._internal = frozenset(_domain(d) for d in internal_domains)
        self._inventory_domains: set[str] = set()
        self._load_inventory(hosts)
        self._context = Context(self._inventory, self._internal, self._allow)
        self._scanner = Scanner(self._context, prefilter=prefilter)
        self._keys: dict[tuple[str, str], str] = {}
        self._originals: dict[str, str] = {}
        self._seen: dict[tuple[str, str], str] = {}
        # User and short host names issued so far: sanitize() also masks their bare mentions.
        self._names: dict[str, str] = {}
        self._host_names: dict[str, str] = {}  # the short host names among them
        # The ASCII ones by their bytes, for the fast test of ASCII lines in _mentioned
        self._ascii_names: dict[bytes, str] = {}
        self._ascii_host_names: dict[bytes, str] = {}
        self._mentions = False
        self._last = dict.fromkeys(PSEUDONYM_TYPES, 0)
        self._counts: dict[str, int] = {}

    @classmethod
    def from_mapping(
        cls,
        mapping: Mapping[str, str],
        *,
        hosts: Mapping[str, Sequence[str]] = _NO_HOSTS,
        allow: Iterable[str] = (),
        internal_domains: Sequence[str] = DEFAULT_INTERNAL_DOMAINS,
    ) -> Sanitizer:
        """Rebuild an instance from :meth:`mapping`; new values continue each type's numbering."""
        sanitizer = cls(hosts=hosts, allow=allow, internal_domains=internal_domains)
        for pseudonym, original in mapping.items():
            match = _PSEUDONYM.fullmatch(pseudonym) if isinstance(pseudonym, str) else None
            entity_type, number = (match.group(1), int(match.group(2))) if match else ("", 0)
            if entity_type not in PSEUDONYM_TYPES or pseudonym != f"[{entity_type}_{number}]":
                raise UsageError(f"not a pseudonym this sanitizer issues: {pseudonym!r}")
            if not isinstance(original, str) or not original.strip() or original == REDACTED:
                raise UsageError(f"{pseudonym} must map to a non-empty original value")
            try:
                key, _ = sanitizer._identity(entity_type, original)
            except ValueError:
                raise UsageError(f"{pseudonym} maps to an invalid address") from None
            if (entity_type, key) in sanitizer._keys:
                raise UsageError(f"{pseudonym} repeats the original of another pseudonym")
            sanitizer._keys[(entity_type, key)] = pseudonym
            sanitizer._originals[pseudonym] = original
            sanitizer._remember(entity_type, original)
            sanitizer._last[entity_type] = max(sanitizer._last[entity_type], number)
        return sanitizer

    def sanitize(self, text: str) -> str:
        """Return ``text`` with every sensitive value replaced.

        Like the streaming :meth:`sanitize_lines` it masks bare mentions of short host names the
        incident already revealed; it also masks bare mentions of user names ("alice restarted
        nginx" in a ticket, after ``user=alice`` in the logs), which in a long log stream would
        hit too many ordinary words.
        """
        if not isinstance(text, str):
            raise UsageError(f"sanitize() takes a str, not {type(text).__name__}")
        self._mentions = True
        try:
            return "".join(self.sanitize_lines(text.splitlines(keepends=True)))
        finally:
            self._mentions = False

    def sanitize_lines(self, lines: Iterable[str], *, workers: int = 1) -> Iterator[str]:
        """Sanitize line by line, one output item per line, in constant memory.

        A multi-line private key block comes out as one item. After a secret key with no value
        on its line (YAML ``password:`` or ``token: |``), the following more indented lines are
        its value and are redacted whole. Lines go to the Hyperscan prefilter in small batches:
        one call per line would cost more than finding the spans.

        ``workers`` > 1 finds the spans of a large stream in that many forked processes (where
        the platform forks); pseudonyms are still issued here, in order of appearance, so the
        output is the same as with one. A few batches are in flight at a time: memory stays
        constant.
        """
        if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
            for batch in self._batches(lines, BATCH_LINES, BATCH_CHARS):
                yield from self._finish(batch, self._scanner.find_many(_texts(batch)))
            return
        yield from self._in_workers(
            self._batches(lines, WORKER_BATCH_LINES, WORKER_BATCH_CHARS), workers
        )

    def _batches(
        self, lines: Iterable[str], most_lines: int, most_chars: int
    ) -> Iterator[list[tuple[str, bool]]]:
        batch: list[tuple[str, bool]] = []
        size = 0
        for unit, scan in self._units(lines):
            batch.append((unit, scan))
            size += len(unit)
            if len(batch) >= most_lines or size >= most_chars:
                yield batch
                batch, size = [], 0
        if batch:
            yield batch

    def _in_workers(self, batches: Iterator[list[tuple[str, bool]]], workers: int) -> Iterator[str]:
        key = id(self._scanner)
        _FORKED_SCANNERS[key] = self._scanner  # the forked workers inherit it
        pending: deque[tuple[list[tuple[str, bool]], Future[list[list[Span]]]]] = deque()
        context = multiprocessing.get_context("fork")
        try:
            with ProcessPoolExecutor(workers, mp_context=context) as pool:
                for batch in batches:
                    pending.append((batch, pool.submit(_find_many, key, _texts(batch))))
                    if len(pending) > 2 * workers:
                        done, found = pending.popleft()
                        yield from self._finish(done, found.result())
                while pending:
                    done, found = pending.popleft()
                    yield from self._finish(done, found.result())
        finally:
            for _, found in pending:
                found.cancel()
            _FORKED_SCANNERS.pop(key, None)

    def _units(self, lines: Iterable[str]) -> Iterator[tuple[str, bool]]:
        """(text, whether it still needs scanning): lines, key blocks, redacted YAML values."""
        block: list[str] = []
        dump: list[str] = []  # consecutive rows of a hex dump
        size = 0
        value_indent: int | None = None  # indent of a dangling secret key, while its value runs
        columns: tables.Table | None = None  # a table whose header names a secret column
        asked: credentials.Question | None = None  # the previous line asked for a secret
        for line in lines:
            if not isinstance(line, str):
                raise UsageError(f"sanitize_lines() takes str lines, not {type(line).__name__}")
            carried: credentials.Question | None = None
            before = asked
            waiting = asked in _ASKED and credentials.speaker_header(line.rstrip())
            if asked is not None and line.strip() and not block and not waiting:
                answered = self._redact_answer(line, asked)  # this line may be the answer
                if asked is credentials.Question.TYPED and (
                    answered is not line or _COMMENT.match(line)
                ):
                    # a list printed one per line (recovery codes, a seed, ...); the comment
                    # and option lines of a printed secret file do not end it
                    carried = asked
                elif (
                    asked is credentials.Question.VALUE
                    and answered is line
                    and _SIBLING.match(line)
                ):
                    carried = asked  # the value of a name/value pair comes after other fields
                line, asked = answered, None
            if not block:
                stripped = line.rstrip()
                if (not stripped or waiting) and (asked := carried or before) is not None:
                    pass  # a blank line or a chat header before the answer keeps the question
                elif stripped[-1:] in credentials.QUESTION_MARKS:
                    asked = credentials.asks_for_secret(stripped)
                else:
                    asked = credentials.prompts_for_secret(stripped) or carried
            if value_indent is not None and line.strip() and not block:
                if len(line) - len(line.lstrip()) > value_indent:
                    yield self._redact_line(line), False
                    continue
                value_indent = None
            body = line.rstrip()
            cheap = body[-1:] in _KEY_ENDS or "name:" in body
            dangling = DANGLING_SECRET_KEY.match(body) if cheap and not block else None
            if dangling is not None:
                indent = next(g for g in dangling.groups() if g is not None)
                value_indent = len(indent.expandtabs())
            if columns is not None and not block:
                redacted, columns = tables.row(line, columns)
                if redacted is not line:
                    self._counts[SECRET] = self._counts.get(SECRET, 0) + 1
                line = redacted
            elif ":" not in body and "=" not in body and not block:
                columns = tables.header(body)
            if dump and not (dumps.ROW_START.match(line) and dumps.row(line)):
                yield _joined_block(dump), True  # the rows of a hex dump end
                dump = []
            if not block and dumps.ROW_START.match(line) and dumps.row(line) is not None:
                dump.append(line)  # scanned together: a secret runs across the rows
                if len(dump) >= PEM_MAX_LINES:
                    yield _joined_block(dump), True
                    dump = []
                continue
            if block:
                block.append(line)
                size += len(line)
                if PEM_END.search(line) or len(block) >= PEM_MAX_LINES or size >= PEM_MAX_CHARS:
                    yield _joined_block(block), True
                    block, size = [], 0
            elif _opens_pem_block(line):
                block, size = [line], len(line)
            else:
                yield line, True
        if block:
            yield _joined_block(block), True
        if dump:
            yield _joined_block(dump), True

    def _finish(self, batch: list[tuple[str, bool]], found: list[list[Span]]) -> list[str]:
        """Replace what was found in each unit of ``batch`` (``found``: spans per scanned unit)."""
        scanned = iter(found)
        out: list[str] = []
        for unit, scan in batch:
            if not scan:
                out.append(unit)
                continue
            unit = self._neutralized(unit)  # same length: the spans still fit
            spans = _non_overlapping(
                _repeated_secrets(unit, self._with_mentions(unit, next(scanned)))
            )
            out.append(self._replace(unit, spans) if spans else unit)
        return out

    def _neutralized(self, unit: str) -> str:
        """Pseudonym-shaped text in the input that this instance did not issue ("[HOST_1]" typed
        into a log, or another incident's pseudonym in a retrieved ticket) becomes "(HOST_1)",
        so that :meth:`restore` can never turn it into one of this incident's values."""
        if "_" not in unit or "[" not in unit:
            return unit
        return _PSEUDONYM.sub(self._own_or_neutral, unit)

    def _own_or_neutral(self, match: re.Match[str]) -> str:
        token = match.group()
        return token if token in self._originals else f"({token[1:-1]})"

    def _replace(self, unit: str, spans: list[Span]) -> str:
        """Splice replacements into ``unit``; pseudonyms are issued in order of appearance."""
        parts: list[str] = []
        at = 0
        for span in spans:
            if span.entity_type in IRREVERSIBLE_TYPES:
                replacement = REDACTED
            else:
                replacement = self._pseudonym(span.entity_type, unit[span.start : span.end])
            self._counts[span.entity_type] = self._counts.get(span.entity_type, 0) + 1
            parts += (unit[at : span.start], replacement)
            at = span.end
        parts.append(unit[at:])
        return "".join(parts)

    def _with_mentions(self, unit: str, spans: list[Span]) -> list[Span]:
        if self._mentions:
            names, ascii_names = self._names, self._ascii_names
        else:
            names, ascii_names = self._host_names, self._ascii_host_names
        if names:
            spans += self._mentioned(unit, names, ascii_names)
        return spans

    @staticmethod
    def _mentioned(text: str, names: dict[str, str], ascii_names: dict[bytes, str]) -> list[Span]:
        # A set intersection per line, not a regex of all names: hundreds of names in one
        # alternation scan a hundred times slower. Then only the names found are located.
        if text.isascii():
            # The same words as _WORD finds, four times faster: punctuation to blanks, a split,
            # and words that start with hyphens ("--verbose") without them.
            data = text.encode().translate(_ASCII_WORDS)
            if b" -" in data or data[:1] == b"-":
                data = _LEADING_HYPHENS.sub(b" ", data)
            found = [ascii_names[w] for w in ascii_names.keys() & data.split()]
        else:
            found = list(names.keys() & _WORD.findall(text))
        if not found:
            return []
        spans = []
        for name in set(found):
            entity_type = names[name]
            at = text.find(name)
            while at >= 0:
                end = at + len(name)
                # not part of a path, an address or a dotted name
                dotted = text[end : end + 1] == "@" or (at and text[at - 1] in ".@/")
                if _whole_word(text, at, end) and not dotted:
                    spans.append(Span(at, end, entity_type, 0.4))
                at = text.find(name, end)
        return spans

    def _remember(self, entity_type: str, original: str) -> None:
        # Three characters at least: shorter names ("ab") are too likely to be ordinary words.
        if (
            entity_type in (USER, HOST)
            and "." not in original
            and len(original) >= 3
            and original.lower() not in self._allow
            and original not in self._names
        ):
            self._names[original] = entity_type
            if original.isascii():
                self._ascii_names[original.encode()] = original
            if entity_type == HOST:
                self._host_names[original] = entity_type
                if original.isascii():
                    self._ascii_host_names[original.encode()] = original

    def restore(self, text: str) -> str:
        """Replace every known pseudonym by its original; ``[SECRET_TOKEN]`` and unknowns stay."""
        return _PSEUDONYM.sub(lambda m: self._originals.get(m.group(), m.group()), text)

    @overload
    def restore_value(self, value: str) -> str: ...
    @overload
    def restore_value(self, value: _Value) -> _Value: ...
    def restore_value(self, value: object) -> object:
        """Restore one parameter value: strings through :meth:`restore`, anything else unchanged."""
        return self.restore(value) if isinstance(value, str) else value

    def is_pseudonym(self, token: str) -> bool:
        """Whether ``token`` has the shape of a pseudonym (``[HOST_7]``), known or not."""
        return _PSEUDONYM.fullmatch(token.strip()) is not None

    def unknown_pseudonyms(self, text: str) -> set[str]:
        """Pseudonym-shaped tokens in ``text`` that this instance never issued."""
        return {m.group() for m in _PSEUDONYM.finditer(text) if m.group() not in self._originals}

    def mapping(self) -> dict[str, str]:
        """Pseudonym → original, in order of issue; secrets are never in it."""
        return dict(self._originals)

    def counts(self) -> dict[str, int]:
        """Entity type → number of replacements made so far."""
        return dict(self._counts)

    def _redact_answer(self, line: str, question: credentials.Question) -> str:
        parts: list[str] = []
        at = 0
        for start, end in credentials.answer_spans(line, question):
            parts += (line[at:start], REDACTED)
            at = end
            self._counts[SECRET] = self._counts.get(SECRET, 0) + 1
        return "".join(parts) + line[at:] if parts else line

    def _redact_line(self, line: str) -> str:
        body = line.rstrip("\r\n")
        indent = body[: len(body) - len(body.lstrip())]
        self._counts[SECRET] = self._counts.get(SECRET, 0) + 1
        return indent + REDACTED + line[len(body) :]

    def _load_inventory(self, hosts: Mapping[str, Sequence[str]]) -> None:
        """Fill ``_inventory``: lower-case name, alias or short name → owning inventory name."""
        if not isinstance(hosts, Mapping):
            raise InventoryError("hosts must map inventory names to lists of aliases")
        claims: tuple[dict[str, str], dict[str, str]] = ({}, {})  # (explicit, short forms)
        for name, aliases in hosts.items():
            owner = _text(name, "inventory host name").strip()
            if isinstance(aliases, str) or not isinstance(aliases, Sequence):
                raise InventoryError(f"aliases of {owner!r} must be a list of strings")
            for alias in (owner, *aliases):
                form = _text(alias, f"alias of {owner!r}").strip().lower()
                if is_ip_address(form) or form in self._allow:
                    continue  # addresses are found and numbered as IPs
                short, dot, domain = form.partition(".")
                if dot:
                    self._inventory_domains.add(domain)
                for claimed, key in ((claims[0], form), (claims[1], short if dot else "")):
                    # A name two hosts share (web.dc1.corp, web.dc2.corp → web) is still a host
                    # name, but whose is unknown: it gets a pseudonym of its own.
                    if key and key not in self._allow:
                        claimed[key] = owner if claimed.get(key, owner) == owner else key
        self._inventory = {**claims[1], **claims[0]}

    def _identity(self, entity_type: str, surface: str) -> tuple[str, str]:
        """(comparison key, original to restore) of a value; raises ValueError on bad addresses."""
        if entity_type == IP:
            return str(ipaddress.IPv4Address(surface)), surface
        if entity_type == IPV6:
            return ipaddress.IPv6Address(surface).compressed, surface
        lower = surface.lower()
        if entity_type == HOST:
            short, _, domain = lower.partition(".")
            owner = self._inventory.get(lower)
            internal = self._context.is_internal(domain)
            if owner is None and (internal or domain in self._inventory_domains):
                owner = self._inventory.get(short)
            if owner is not None:
                return owner.lower(), owner
        if entity_type == USER:  # Unix user names are case-sensitive
            return surface, surface
        if entity_type == MAC:
            return lower.replace("-", ":"), surface
        if entity_type == PHONE:
            return "".join(c for c in surface if c.isdigit()), surface
        return lower, surface

    def _pseudonym(self, entity_type: str, surface: str) -> str:
        seen = self._seen.get((entity_type, surface))
        if seen is not None:  # the same spelling again: skip parsing and normalizing it
            return seen
        key, original = self._identity(entity_type, surface)
        pseudonym = self._keys.get((entity_type, key))
        if pseudonym is None:
            self._last[entity_type] += 1
            pseudonym = f"[{entity_type}_{self._last[entity_type]}]"
            self._keys[(entity_type, key)] = pseudonym
            self._originals[pseudonym] = original
        self._seen[(entity_type, surface)] = pseudonym
        self._remember(entity_type, surface)
        return pseudonym


# Scanners that forked workers use, by id: a forked process inherits this module's state.
_FORKED_SCANNERS: dict[int, Scanner] = {}


def _find_many(key: int, texts: list[str]) -> list[list[Span]]:
    return _FORKED_SCANNERS[key].find_many(texts)


def _whole_word(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] is one whole ``_WORD`` token of ``text``."""
    before = text[start - 1 : start]
    if before and (before.isalnum() or before in "_$"):
        return False
    if before == "-" and start >= 2 and (text[start - 2].isalnum() or text[start - 2] in "_$-"):
        return False
    after = text[end : end + 1]
    return not (after and (after.isalnum() or after in "_$-"))


def _texts(batch: list[tuple[str, bool]]) -> list[str]:
    return [unit for unit, scan in batch if scan]


def _repeated_secrets(unit: str, spans: list[Span]) -> list[Span]:
    """``spans`` and the other places in ``unit`` where a secret found there appears again as a
    whole token ("(echo 'X'; echo 'X') | smbpasswd -s": found once, masked twice). Per unit, so
    that the output does not depend on how lines are batched."""
    values = {
        value
        for s in spans
        if s.entity_type == SECRET
        and len(value := unit[s.start : s.end]) >= 4
        and "/" not in value
        and (value.isdigit() or credentials.shaped(value))
    }  # a PIN, or a value that is a secret by its shape alone (not "Token", a URL, a repo name)
    if not values:
        return spans
    more = list(spans)
    for value in values:
        at = unit.find(value)
        while at >= 0:
            end = at + len(value)
            before, after = unit[at - 1 : at], unit[end : end + 1]
            if not (before.isalnum() or after.isalnum()):
                more.append(Span(at, end, SECRET, 0.5))
            at = unit.find(value, end)
    return more


def _non_overlapping(spans: list[Span]) -> list[Span]:
    """Keep a deterministic set of disjoint spans, sorted by start.

    Irreversible types win any overlap (a secret inside a restorable span would come back on
    restore); among the rest the longer span wins, then the higher score, then the earlier start.
    """
    if len(spans) < 2:
        return spans
    ranked = sorted(spans, key=_rank)
    starts: list[int] = []
    kept: list[Span] = []
    for span in ranked:
        i = bisect.bisect_left(starts, span.start)
        clear_before = i == 0 or kept[i - 1].end <= span.start
        clear_after = i == len(kept) or span.end <= kept[i].start
        if clear_before and clear_after:
            starts.insert(i, span.start)
            kept.insert(i, span)
    return kept


def _rank(span: Span) -> tuple[bool, int, float, int, str]:
    return (
        span.entity_type not in IRREVERSIBLE_TYPES,
        span.start - span.end,
        -span.score,
        span.start,
        span.entity_type,
    )


def _joined_block(lines: list[str]) -> str:
    ended = [line if line[-1:] in _LINE_BREAKS else line + "\n" for line in lines[:-1]]
    return "".join([*ended, lines[-1]])


def _opens_pem_block(line: str) -> bool:
    if "-----BEGIN" not in line:
        return False
    begins = list(PEM_BEGIN.finditer(line))
    return bool(begins) and PEM_END.search(line, begins[-1].end()) is None


def _text(value: object, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise UsageError(f"{what} must be a non-empty string, got {value!r}")
    return value


def _domain(value: object) -> str:
    domain = _text(value, "internal domain").strip().strip(".").lower()
    if not re.fullmatch(r"[a-z0-9-]+(?:\.[a-z0-9-]+)*", domain):
        raise UsageError(f"internal domain {value!r} is not a domain name")
    return domain
