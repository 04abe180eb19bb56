"""Hex dumps read back into the bytes they show (pure).

``xxd``, ``hexdump -C``, ``od -A x -t x1z`` and ``tcpdump -X`` print a stream as rows: an offset,
the bytes in hex, then the same bytes as text with a dot for each unprintable one. A secret in
the stream is split over rows and hidden among dots (``API_KEY=k8XGiv`` / ``vTNuZlEIatPWg8x0``),
so no finder sees it whole in any one line. :func:`view` parses the rows of a block, decodes
their hex into the text they carry (newlines and all), and keeps, for each byte, where its text
character and its hex digits stand in the block; :func:`row_spans` turns a span of that text
back into spans of the block, one per row and column, so that a line break is never covered.

A row is taken only when its text column is exactly what its hex says (same length, each
printable byte as itself and every other byte as a dot), so ordinary lines that start with a
number are never read as dumps.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

# an offset (xxd 00000010:, hexdump 00000010, od 000010, tcpdump 0x0010:), then blanks
_OFFSET = re.compile(r"[ \t]*(?:0x)?[0-9a-fA-F]{4,16}:?[ \t]+")
# one group of hex digits (xxd and tcpdump print two bytes a group, the others one)
_GROUP = re.compile(r"([0-9a-fA-F]{2}|[0-9a-fA-F]{4})(?: {1,2}|$)")
ROW_START = re.compile(r"[ \t]*(?:0x)?[0-9a-fA-F]{4,16}:?[ \t]+[0-9a-fA-F]{2}")


class Byte(NamedTuple):
    text_at: int  # where its character stands in the text column
    hex_start: int  # where its hex digits start
    hex_end: int
    row: int


def _printed(byte: int) -> str:
    return chr(byte) if 0x20 <= byte < 0x7F else "."


def row(line: str, base: int = 0, number: int = 0) -> tuple[bytes, list[Byte]] | None:
    """The bytes one dump row shows and where each stands (``base``: the line's offset in its
    block), or None when ``line`` is no dump row."""
    offset = _OFFSET.match(line)
    if offset is None:
        return None
    groups: list[tuple[int, int]] = []  # spans of hex groups
    at = offset.end()
    while len(groups) < 32 and (group := _GROUP.match(line, at)) is not None:
        groups.append(group.span(1))
        at = group.end()
    # The text column may itself start with hex-looking characters: try the longest run of
    # groups first, then fewer, until the text column matches the bytes.
    for count in range(len(groups), 0, -1):
        data: list[int] = []
        places: list[tuple[int, int]] = []
        for start, end in groups[:count]:
            for i in range(start, end, 2):
                data.append(int(line[i : i + 2], 16))
                places.append((i, i + 2))
        after = groups[count - 1][1]
        rest = line[after:].rstrip("\r\n")
        column_at = after + len(rest) - len(rest.lstrip(" \t"))
        column = rest.strip(" \t")
        if column[:1] in "|>" and column[-1:] in "|<" and len(column) >= 2:
            column, column_at = column[1:-1], column_at + 1  # hexdump -C's |..|, od's >..<
        expected = "".join(map(_printed, data))
        # (the column's trailing blanks were stripped with the line's; a space byte last)
        if column == expected or column == expected.rstrip(" "):
            found = [
                Byte(base + column_at + n, base + start, base + end, number)
                for n, (start, end) in enumerate(places)
            ]
            return bytes(data), found
    return None


class View(NamedTuple):
    text: str  # the bytes of every row, one character each (Latin-1)
    bytes_at: list[Byte]  # for each character of ``text``


def view(block: str) -> View | None:
    """The text a block's dump rows carry, or None when it holds fewer than two rows."""
    data: list[str] = []
    places: list[Byte] = []
    rows = 0
    at = 0
    for number, line in enumerate(block.splitlines(keepends=True)):
        parsed = row(line, at, number) if ROW_START.match(line) else None
        if parsed is not None:
            raw, found = parsed
            data.append(raw.decode("latin-1"))
            places.extend(found)
            rows += 1
        at += len(line)
    if rows < 2:
        return None
    return View("".join(data), places)


def row_spans(found: View, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Spans of the block for ``found.text[start:end]``: per row, its text characters and its
    hex digits."""
    by_row: dict[int, list[Byte]] = {}
    for byte in found.bytes_at[start:end]:
        by_row.setdefault(byte.row, []).append(byte)
    for bytes_in_row in by_row.values():
        yield bytes_in_row[0].text_at, bytes_in_row[-1].text_at + 1
        yield bytes_in_row[0].hex_start, bytes_in_row[-1].hex_end
