"""Tables whose header names a secret column, and their rows (pure).

A pasted table gives its secrets away by its header alone: ``System;User;Password`` and then
rows, a wiki's ``||System||Account||Password||``, a spreadsheet pasted as fixed-width text, an
HTML table whose ``<th>`` row and ``<td>`` rows stand on lines of their own. Also a key/value
listing (``| Path | Value |``, vault's ``Key  Value``) whose row names a secret
(``system/smtp/password``): its value cell is the secret.

:func:`header` reads a line as a header (or returns None); :func:`row` redacts one row and says
whether the table goes on. The sanitizer calls them line by line, before its recognizers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from typing import Final

from remediate import credentials, formats
from remediate.recognizers import CSV_SECRET_HEADER, SECRET


class Layout(Enum):
    DELIMITED = "delimited"  # a separator between cells: , ; tab |
    SPACED = "spaced"  # fixed-width text: two blanks or more between cells
    HTML = "html"  # <th> cells, then rows of <td> cells


@dataclass(frozen=True)
class Table:
    layout: Layout
    separator: str  # a regular expression between delimited cells
    count: int
    secret: frozenset[int]  # columns named for a secret
    pair: tuple[int, int] | None  # (name, value) columns of a key/value listing
    # columns named for no id, digest or fingerprint: a key-sized hex cell there is a key
    # (MeterID;SystemTitle;GUEK: whatever a domain calls its keys)
    keyed: frozenset[int] = frozenset()


REDACTED: Final = f"[{SECRET}]"
_SEPARATORS: Final = ",;\t|"
BORDER: Final = re.compile(r"[ \t]*[+|]?[-=+| ]*[-=][-=+| ]*")
_SPACED_CELL = re.compile(r"\S+(?: \S+)*")
_SPACED_HEADER_CELL = re.compile(r"[^\W\d][\w./()-]*(?: [^\W\d][\w./()-]*){0,3}")
_TH = re.compile(r"<th\b[^>]*>[ \t]*(.*?)[ \t]*</th>", re.IGNORECASE)
_TD = re.compile(r"<td\b[^>]*>[ \t]*(.*?)[ \t]*</td>", re.IGNORECASE)
# A column of names, one of values: Key | Value, Path | Value, Setting | Wert
_NAME_COLUMN = re.compile(
    r"key|name|path|setting|variable|field|property|parameter|option|config(?:uration)?"
    r"|schl\u00fcssel|cl\u00e9|clave|chave|nome|nom|naam",
    re.IGNORECASE,
)
_VALUE_COLUMN = re.compile(
    r"values?|wert|valeur|valor|valore|waarde|arvo|\u00e9rt\u00e9k|warto\u015b\u0107", re.IGNORECASE
)
# In a fixed-width table, a column named for a secret plainly (the delimited tables' test also
# takes "Key" and "Monkey"): a strong name, a token, a PIN.
_SPACED_SECRET = re.compile(
    rf"(?:[\w .-]*(?:{credentials.STRONG})[\w .-]*|(?:[a-z]+[ _-])?(?:token|pin|pass|pw)s?)",
    re.IGNORECASE,
)
# Names in a key/value listing that are about a secret, not the secret: token_accessor, key_id
_ABOUT_SECRET = re.compile(r"accessor|policies|policy|duration|renewable|ttl|type|id\b|_id")


def header(body: str) -> Table | None:
    """The table ``body`` (a line without its line break) opens, if it is a header that names a
    secret column or a key/value listing."""
    if len(body) > 400:
        return None
    if "<th" in body or "<TH" in body:
        return _html_header(body)
    if any(s in body for s in _SEPARATORS) or body.lstrip().startswith("^"):
        return _delimited_header(body)
    if "  " in body.strip():
        return _spaced_header(body)
    return None


def row(line: str, table: Table) -> tuple[str, Table | None]:
    """``line`` with its secret cells redacted, and the table if it goes on after it."""
    body = line.rstrip("\r\n")
    if not table.secret and table.pair is None and ":" not in body and "=" not in body:
        opened = header(body)  # a table that only may hold keys gives way to a named one
        if opened is not None and (opened.secret or opened.pair is not None):
            return line, opened
    if table.layout is Layout.HTML:
        return _html_row(line, body, table)
    if BORDER.fullmatch(body):
        return line, table  # +------+------+ or ----  ----- between a header and its rows
    if table.layout is Layout.SPACED:
        cells = [m.span() for m in _SPACED_CELL.finditer(body)]
        if len(cells) != table.count:
            return line, None
        return _spliced(line, body, _redacted(body, cells, table, shortest=4)), table
    spans = _cells(body, table.separator)
    if len(spans) != table.count:
        return line, None
    return _spliced(line, body, _redacted(body, spans, table, shortest=1)), table


def _cells(body: str, separator: str) -> list[tuple[int, int]]:
    spans = []
    at = 0
    for match in re.finditer(separator, body):
        spans.append((at, match.start()))
        at = match.end()
    spans.append((at, len(body)))
    return spans


def _spliced(line: str, body: str, redacted: str) -> str:
    return line if redacted == body else redacted + line[len(body) :]


def _redacted(body: str, cells: list[tuple[int, int]], table: Table, shortest: int) -> str:
    chosen = set(table.secret)
    for i in table.keyed:
        start, end = cells[i]
        if formats.KEY_HEX_CELL.fullmatch(body[start:end].strip(" \t\"'")):
            chosen.add(i)
    if table.pair is not None:
        name, value = table.pair
        start, end = cells[name]
        if _names_secret(body[start:end]):
            chosen.add(value)
    parts: list[str] = []
    at = 0
    for i in sorted(chosen):
        start, end = cells[i]
        text = body[start:end].strip()
        if len(text) < shortest or credentials.is_placeholder(text) or text == REDACTED:
            continue
        start = body.index(text, start)
        parts += (body[at:start], REDACTED)
        at = start + len(text)
    parts.append(body[at:])
    return "".join(parts)


def _names_secret(name: str) -> bool:
    lower = name.strip().lower()
    return (
        credentials.SECRET_WORD.search(lower) is not None
        and _ABOUT_SECRET.search(lower) is None
        and not credentials.metadata_name(lower.rsplit("/", 1)[-1])
    )


def _secret_header(cell: str) -> bool:
    """A column named for a secret: a strong word anywhere, a weak one as a word (not "Eviction
    Signal", "Monkey"), a PIN; not something about a secret (key_id, password_changed_at)."""
    name = cell.strip(" \t\"'*")
    if not name or len(name) > 200 or not CSV_SECRET_HEADER.fullmatch(cell):
        return False  # a column's name: words, not code (define( 'DB_PASSWORD')
    lower = name.lower()
    return (
        credentials.SECRET_WORD.search(lower) is not None or _PIN_HEADER.search(lower) is not None
    ) and not credentials.metadata_name(name)


_PIN_HEADER = re.compile(credentials.PIN_NAMES)


def _keyed(cells: list[str]) -> frozenset[int]:
    """Columns that may hold keys: a header of three or more short names (not a sentence with
    a comma in it), this one no id's, digest's or name's."""
    names = [c.strip(" \t\"'*") for c in cells]
    named = [n for n in names if n]  # (|a|b|: empty edge cells)
    if len(named) < 3 or any(len(n) > 30 for n in named):
        return frozenset()
    if not all(map(_SPACED_HEADER_CELL.fullmatch, named)) or _numbered(named):
        return frozenset()  # "<sha256>  file.json": sha256sum's output, no header
    return frozenset(i for i, n in enumerate(names) if n and not formats.diagnostic_name(n))


def _numbered(cells: list[str]) -> bool:
    """A cell with four digits or more: a row's value, not a column's name."""
    return any(sum(c.isdigit() for c in cell) >= 4 for cell in cells)


def _pair(cells: list[str]) -> tuple[int, int] | None:
    names = [i for i, c in enumerate(cells) if _NAME_COLUMN.fullmatch(c.strip())]
    values = [i for i, c in enumerate(cells) if _VALUE_COLUMN.fullmatch(c.strip())]
    return (names[0], values[0]) if names and values else None


def _delimited_header(body: str) -> Table | None:
    if "||" in body or body.lstrip().startswith("^"):
        # a wiki's header: Confluence's ||a||b||, DokuWiki's ^ a ^ b ^; rows between single |
        separator = r"\|\|?|\^"
    else:
        separator = re.escape(max(_SEPARATORS, key=body.count))
    fields = [body[start:end] for start, end in _cells(body, separator)]
    if len(fields) < 2 or _numbered(fields):
        return None  # a header names its columns; "Client Secret<TAB>5f1c...": a name and a value
    pair = _pair(fields)
    secret = frozenset(
        i
        for i, f in enumerate(fields)
        if _secret_header(f) and not (pair is not None and i == pair[0])  # Key | Value: names
    )
    keyed = _keyed(fields)
    if not secret and pair is None and not keyed:
        return None
    return Table(Layout.DELIMITED, separator, len(fields), secret, pair, keyed)


def _spaced_header(body: str) -> Table | None:
    cells = [m.group() for m in _SPACED_CELL.finditer(body)]
    if len(cells) < 2 or not all(_SPACED_HEADER_CELL.fullmatch(c) for c in cells):
        return None
    pair = _pair(cells)
    secret = frozenset(
        i
        for i, c in enumerate(cells)
        if _SPACED_SECRET.fullmatch(c) and not credentials.metadata_name(c)
    )
    keyed = _keyed(cells)
    if not secret and pair is None and not keyed:
        return None
    return Table(Layout.SPACED, "  ", len(cells), secret, pair, keyed)


def _html_header(body: str) -> Table | None:
    cells = _TH.findall(body)
    if len(cells) < 2:
        return None
    pair = _pair(cells)
    secret = frozenset(
        i
        for i, c in enumerate(cells)
        if _secret_header(c) and not (pair is not None and i == pair[0])
    )
    keyed = _keyed(cells)
    if not secret and pair is None and not keyed:
        return None
    return Table(Layout.HTML, "", len(cells), secret, pair, keyed)


def _html_row(line: str, body: str, table: Table) -> tuple[str, Table | None]:
    if "</table" in body.lower():
        return line, None
    cells = [m.span(1) for m in _TD.finditer(body)]
    if not cells:
        return line, table  # <tbody>, a blank line, a row of headers
    if len(cells) != table.count:
        return line, None
    return _spliced(line, body, _redacted(body, cells, table, shortest=1)), table
