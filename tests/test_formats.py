"""Secrets found by their place in a format (remediate.formats), finder by finder."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest

from remediate import formats

Finder = Callable[[str], Iterator[tuple[int, int]]]


def _found(finder: Finder, text: str) -> list[str]:
    return [text[start:end] for start, end in finder(text)]


@pytest.mark.parametrize(
    ("finder", "text", "secret"),
    [
        (
            formats.edi_envelopes,
            "ISA*00*          *01*HARBORPW01*ZZ*SENDER         *ZZ*RECEIVER       *260101*1200*U",
            "HARBORPW01",
        ),
        (
            formats.edi_envelopes,
            "UNB+UNOA:2+SENDER:ZZ+RECV:ZZ+260101:1200+REF1+PW7QX2LK:AA'",
            "PW7QX2LK",
        ),
        (
            formats.message_security,
            "MSH|^~\\&|A|F|B|G|20260101120000|SECPASS77|ADT^A01|1|P|2.5",
            "SECPASS77",
        ),
        (formats.spelled, "spelled: q-u-a-r-t-z-4-1, no dashes", "q-u-a-r-t-z-4-1"),
        (
            formats.spelled,
            "That's Hotel Seven Kilo Two Echo Zulu.",
            "Hotel Seven Kilo Two Echo Zulu",
        ),
        (
            formats.mnemonics,
            "seed: legal winner thank year wave sausage worth useful legal winner thank yellow",
            "legal winner thank year wave sausage worth useful legal winner thank yellow",
        ),
        (formats.positional_logons, "$ sqlplus apps/WMUSATJV@SCMPRD", "WMUSATJV"),
        (formats.positional_logons, "  SNODEID=(opsuser,H8JK2LQP)", "H8JK2LQP"),
        (
            formats.key_material,
            "Enter component 1: 0123456789ABCDEFFEDCBA9876543210",
            "0123456789ABCDEFFEDCBA9876543210",
        ),
        (
            formats.later_values,
            "ffmpeg -f flv rtmp://live.example.net/app/ab12-cd34-ef56-gh78",
            "ab12-cd34-ef56-gh78",
        ),
    ],
)
def test_each_finder_reads_its_format(finder: Finder, text: str, secret: str) -> None:
    assert secret in _found(finder, text)


@pytest.mark.parametrize(
    ("finder", "text"),
    [
        # an envelope without security information (qualifier 00), a segment with an empty MSH-8
        (formats.edi_envelopes, "ISA*00*          *00*          *ZZ*SENDER *ZZ*RECEIVER *260101"),
        (formats.message_security, "MSH|^~\\&|A|F|B|G|20260101120000||ADT^A01|1|P|2.5"),
        # words and numbers alone, and a plain sentence of common words, are nothing spelt out
        (formats.spelled, "channels 1 2 3 4 5 6 7 8 9 10 11 12 13 36"),
        (
            formats.mnemonics,
            "the service was restarted after the disk filled up and the node rebooted",
        ),
        # an RTSP path that names a channel
        (formats.later_values, "rtsp://10.0.0.5:554/Streaming/Channels/101"),
    ],
)
def test_formats_without_a_secret_give_none(finder: Finder, text: str) -> None:
    assert _found(finder, text) == []


def test_every_trigger_compiles_and_names_its_finders() -> None:
    for trigger, finders in formats.FAMILIES:
        re.compile(trigger)
        assert finders
