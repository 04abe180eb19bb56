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
    assert tables.header(line) is None


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
