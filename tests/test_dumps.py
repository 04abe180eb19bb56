"""Hex dumps read back into their bytes (remediate.dumps), and secrets across their rows."""

from __future__ import annotations

import pytest

from remediate import dumps
from remediate.sanitizer import Sanitizer


def _dump(kind: str, data: bytes) -> list[str]:
    """``data`` as the tool prints it (written here from each tool's documented layout)."""
    rows = []
    for at in range(0, len(data), 16):
        chunk = data[at : at + 16]
        text = "".join(chr(b) if 0x20 <= b < 0x7F else "." for b in chunk)
        if kind == "xxd":
            pairs = [chunk[i : i + 2].hex() for i in range(0, len(chunk), 2)]
            rows.append(f"{at:08x}: {' '.join(pairs):<39}  {text}\n")
        elif kind == "hexdump":
            left = " ".join(f"{b:02x}" for b in chunk[:8])
            right = " ".join(f"{b:02x}" for b in chunk[8:])
            rows.append(f"{at:08x}  {left:<23}  {right:<23}  |{text}|\n")
        elif kind == "od":
            rows.append(f"{at:06x} {' '.join(f'{b:02x}' for b in chunk):<47}  >{text}<\n")
        else:  # tcpdump -X
            pairs = [chunk[i : i + 2].hex() for i in range(0, len(chunk), 2)]
            rows.append(f"\t0x{at:04x}:  {' '.join(pairs):<39}  {text}\n")
    return rows


_STREAM = b"[db]\nhost = db-7\npassword = Otter#Quill-2049\nport = 5432\n"


@pytest.mark.parametrize("kind", ["xxd", "hexdump", "od", "tcpdump"])
def test_a_password_across_dump_rows_is_masked_and_the_rows_stay_rows(kind: str) -> None:
    rows = _dump(kind, _STREAM)
    out = "".join(Sanitizer().sanitize_lines(["$ dump db.ini\n", *rows, "$ echo done\n"]))
    lines = out.splitlines()
    assert len(lines) == len(rows) + 2
    for piece in ("Otter#Quill-2049", "Otter", "Quill-2049", "2049"):
        assert piece not in out, piece
    assert _STREAM[26:42].hex() not in out.replace(" ", "")  # nor its hex
    assert "[db].host = " in out  # the rest of the stream stays readable
    assert lines[-1] == "$ echo done"


def test_rows_parse_to_their_bytes_with_positions() -> None:
    block = "".join(_dump("hexdump", b"GET / HTTP/1.1\r\nAuthorization: Basic x\r\n"))
    found = dumps.view(block)
    assert found is not None
    assert found.text == "GET / HTTP/1.1\r\nAuthorization: Basic x\r\n"
    first = found.bytes_at[0]
    assert block[first.text_at] == "G" and block[first.hex_start : first.hex_end] == "47"


@pytest.mark.parametrize(
    "line",
    [
        "2026 12 03 backup finished",  # numbers, no text column matching them
        "0010: 41 42  XY",  # a text column that is not what the hex says
        "cafe babe  deadbeef",
    ],
)
def test_lines_that_only_look_like_dump_rows_are_not_rows(line: str) -> None:
    assert dumps.row(line) is None


def test_a_single_row_is_no_block() -> None:
    assert dumps.view("".join(_dump("xxd", b"short"))) is None
