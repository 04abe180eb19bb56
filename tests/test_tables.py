"""Tables whose header names a secret column: the header, then the rows (remediate.tables)."""

from __future__ import annotations

import pytest

from remediate import tables
from remediate.sanitizer import Sanitizer


def _rows(lines: list[str]) -> list[str]:
    table = tables.header(lines[0])
    assert table is not None, lines[0]
    out = []
    for line in lines[1:]:
        redacted, table = tables.row(line, table)
        out.append(redacted)
        assert table is not None, line
    return out


@pytest.mark.parametrize(
    ("lines", "secret", "kept"),
    [
        # a semicolon CSV whose header is Romanian
        (["Sistem;Utilizator;Parol\u0103", "Moodle;j.reed;QX7LMP2KA"], "QX7LMP2KA", "j.reed"),
        # Confluence wiki markup: ||header||, then |cells|
        (
            ["||System||Account||Password||Owner||", "|PMS|ifc_user|R3GQX5NVE|Hannah|"],
            "R3GQX5NVE",
            "Hannah",
        ),
        # DokuWiki: ^ header ^, then | cells |
        (
            [
                "^ Service ^ URL ^ User ^ Password ^",
                "| Proxmox | https://pve:8006 | root | mistral60 |",
            ],
            "mistral60",
            "https://pve:8006",
        ),
        # a spreadsheet pasted as fixed-width text
        (
            [
                "Rendszer         Felhaszn\u00e1l\u00f3     Jelsz\u00f3",
                "Webshop          toth81      porcupine311",
            ],
            "porcupine311",
            "toth81",
        ),
        # an HTML table, its header row and its rows on lines of their own
        (
            [
                "<tr><th>User</th><th>Password</th></tr>",
                "<tr><td>ncadmin</td><td>KyivLobby37.</td></tr>",
            ],
            "KyivLobby37.",
            "ncadmin",
        ),
        # a key/value listing: the row that names a secret has it in its value cell
        (
            ["| Path | Scope | Value |", "| system/smtp/password | default | summer861 |"],
            "summer861",
            "system/smtp/password",
        ),
        (
            ["Key              Value", "token            hvs.CAESIJk2Lm9Xq"],
            "hvs.CAESIJk2Lm9Xq",
            "token",
        ),
    ],
)
def test_secret_columns_are_redacted_in_every_row(lines: list[str], secret: str, kept: str) -> None:
    out = "".join(_rows(lines))

    assert secret not in out
    assert kept in out


@pytest.mark.parametrize(
    "lines",
    [
        # a key/value listing's other rows, and names about a secret
        ["| Path | Scope | Value |", "| system/smtp/host | default | mail.example.net |"],
        ["Key              Value", "token_accessor   8mq3Ls0kVn2Xw"],
        ["Key              Value", "token_duration   768h"],
    ],
)
def test_rows_that_name_no_secret_are_kept(lines: list[str]) -> None:
    assert _rows(lines) == lines[1:]


@pytest.mark.parametrize(
    "line",
    [
        "| Eviction Signal       | Soft Threshold (Default) | Hard Threshold (Default) |",
        "define( 'DB_PASSWORD', 'x9' );",  # code, not a header
        "Session  Host  Port",  # no secret column, no key/value pair
        "just words  and  more words",
    ],
)
def test_lines_that_open_no_secret_table(line: str) -> None:
    table = tables.header(line)  # (at most one whose key-sized hex cells would be keys)
    assert table is None or (not table.secret and table.pair is None)


def test_a_row_of_another_width_ends_the_table() -> None:
    table = tables.header("user,password")
    assert table is not None

    line, after = tables.row("the end of the list\n", table)

    assert after is None
    assert line == "the end of the list\n"


def test_the_sanitizer_redacts_a_wiki_table_pasted_into_a_ticket() -> None:
    out = Sanitizer().sanitize(
        "h2. Service accounts\n||System||Account||Password||\n|Opera IFC|IFC_BGBU|R3GQX5NVE35D|\n"
    )

    assert "R3GQX5NVE35D" not in out
    assert "Opera IFC" in out


@pytest.mark.parametrize(
    ("lines", "secret", "kept"),
    [
        # a column a domain names for its key (no list holds "LK" or "Site Seal"), one of ids
        (
            ["Unit;LK;Batch", "U-7731;0A1B2C3D4E5F60718293A4B5C6D7E8F9;B-22"],
            "0A1B2C3D4E5F60718293A4B5C6D7E8F9",
            "U-7731",
        ),
        (
            ["||Lock||Site Seal||Ref||", "|L-4|f0e1d2c3b4a5968778695a4b3c2d1e0f|R-9|"],
            "f0e1d2c3b4a5968778695a4b3c2d1e0f",
            "R-9",
        ),
    ],
)
def test_key_sized_hex_in_a_column_named_for_no_id_is_redacted(
    lines: list[str], secret: str, kept: str
) -> None:
    out = "".join(_rows(lines))
    assert secret not in out
    assert kept in out


@pytest.mark.parametrize(
    "lines",
    [
        ["file,md5,size", "a.tar,3fa1c07d9e5b2a4468f0d1c2b3a49e87,12"],
        [
            "Unit;Object Id;Trace",
            "U-1;0A1B2C3D4E5F60718293A4B5C6D7E8F9;4bf92f3577b34da6a3ce929d0e0e4736",
        ],
        # sha256sum's output is no header: its next line keeps its digest
        [
            "3f3552de175429239d3943e31f6b072a9378c9d661a950e7e1ccb6fd20364584  a.json",
            "a8e3151d32ef14c6b0e52920baa4b8585f7dbf66a697b52cbd32294dbb416e4d  b.json",
        ],
    ],
)
def test_hex_in_a_column_of_ids_or_digests_is_kept(lines: list[str]) -> None:
    text = "".join(line + "\n" for line in lines)
    assert "".join(Sanitizer().sanitize_lines(text.splitlines(keepends=True))) == text


def test_a_table_that_only_may_hold_keys_gives_way_to_a_named_one() -> None:
    text = "Unit;Batch\nU-1;B-2\nHost;Password\nbmc-3;Kettle91zz\n"
    assert "Kettle91zz" not in "".join(Sanitizer().sanitize_lines(text.splitlines(True)))
