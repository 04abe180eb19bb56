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


def _sanitized(text: str) -> str:
    from remediate.sanitizer import Sanitizer

    return "".join(Sanitizer().sanitize_lines([text + "\n"]))


# Key-sized hex under names no list holds: a domain's own words for its keys.
_UNLISTED_KEY_NAMES = [
    ("LTK=", "3fa1c07d9e5b2a4468f0d1c2b3a49e87"),
    ('{"meter": "A-17", "ak": "', "9C0D4E11AB27F3C8D6E5B4A39281706F"),
    ("  lockMaster: ", "5e8d2c7b1a09f6e3d4c5b6a79881726354a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9"),
    ("flash --bootstrap-key ", "0f1e2d3c4b5a69788796a5b4c3d2e1f0"),
    ("> commission sealkey ", "aa01bb02cc03dd04ee05ff0611223344"),
    ("seed => '", "77E1A0C9B4D3F2E1C0B9A8F7E6D5C4B3A291807060504030"),
    ('cfg.radio.linkSecret = hex2bin("', "41 5C 9E 02 7B D3 18 E6 A4 0F 55 C1 3D 8A 72 B9"),
    ("static const uint8_t SITE_KEY[16] = { ", ", ".join(f"0x{b:02X}" for b in range(16, 32))),
    ("joinKey: ", "0d:1e:2f:30:41:52:63:74:85:96:a7:b8:c9:da:eb:fc"),
]


@pytest.mark.parametrize(("before", "key"), _UNLISTED_KEY_NAMES)
def test_key_sized_hex_under_an_unlisted_name_is_masked(before: str, key: str) -> None:
    assert key not in _sanitized(f"{before}{key}")


# The same shapes under the names a diagnosis reads: ids, digests, fingerprints, lookup keys.
_DIAGNOSTIC_HEX = [
    "trace_id=4bf92f3577b34da6a3ce929d0e0e4736",
    '{"objectId": "9C0D4E11AB27F3C8D6E5B4A39281706F"}',
    "md5 = 3fa1c07d9e5b2a4468f0d1c2b3a49e87 OK",
    "Serial Number: 0f1e2d3c4b5a69788796a5b4c3d2e1f0",
    "tls hello ja3=aa01bb02cc03dd04ee05ff0611223344 blocked",
    "dedup_key=5e8d2c7b1a09f6e3d4c5b6a79881726354a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9",
    '{"alg":"SHA-256","content":"5e8d2c7b1a09f6e3d4c5b6a79881726354a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9"}',
    "GET /update?clienthreq=0f1e2d3c4b5a69788796a5b4c3d2e1f0&v=2",
    "expected 3fa1c07d9e5b2a4468f0d1c2b3a49e87, got 0f1e2d3c4b5a69788796a5b4c3d2e1f0",
    "Fingerprint: 0d:1e:2f:30:41:52:63:74:85:96:a7:b8:c9:da:eb:fc",
    "0000  41 5c 9e 02 7b d3 18 e6 a4 0f 55 c1 3d 8a 72 b9   A\\..{.....U.=.r.",
]


@pytest.mark.parametrize("line", _DIAGNOSTIC_HEX)
def test_hex_named_as_an_id_a_digest_or_a_lookup_key_is_kept(line: str) -> None:
    assert _sanitized(line) == line + "\n"


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        ("bmc-tool fetch --target OPER:R3dKite9@10.20.30.40 --out /tmp/x", "R3dKite9"),
        ("rsync -a mirror:Gl4ss-Harp@depot.lab.internal::pub /srv/pub", "Gl4ss-Harp"),
    ],
)
def test_user_and_password_before_a_host_without_a_scheme_is_masked(line: str, secret: str) -> None:
    from remediate.sanitizer import Sanitizer

    sanitizer = Sanitizer()
    out = "".join(sanitizer.sanitize_lines([line + "\n"]))
    # (nor kept whole inside an e-mail address's pseudonym, which maps back to it)
    assert secret not in out
    assert secret not in repr(sanitizer.mapping())


@pytest.mark.parametrize(
    "line", ["INVITE sip:carol@pbx.lab.internal SIP/2.0", "Reply-To: <mailto:dave@lab.internal>"]
)
def test_an_address_uri_is_no_user_and_password(line: str) -> None:
    assert "[SECRET" not in _sanitized(line)


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        # SNMP's community name is its password, in a web form, in prose, in tmsh
        ("  Read Community Name: Harbor2Mon", "Harbor2Mon"),
        (
            "the switches still answer to the community string 'orchard-ro-77' (write too)",
            "orchard-ro-77",
        ),
        ("modify sys snmp { communities add { c1 { community-name quay7781 } } }", "quay7781"),
        # card data a payments log must not keep: PIN blocks, verification codes, track data
        ("[052] PIN Block ......: 9F2C41D07A3B88E5", "9F2C41D07A3B88E5"),
        ("pinpad: PIN_BLK=0C7A5531E2D94F08 ksn=FFFF9876543210E00001", "0C7A5531E2D94F08"),
        ('  <field id="52" value="77D0A1C93E5B2F46"/>', "77D0A1C93E5B2F46"),
        ("auth req: cvv2=517 exp=2811", "517"),
        (
            "swipe: %B4111111111111111^DOE/JANE^28121010000000000000?",
            "B4111111111111111^DOE/JANE^28121010000000000000",
        ),
        ("t2: ;4111111111111111=28121011234500000?", "4111111111111111=28121011234500000"),
    ],
)
def test_community_names_and_card_data_are_masked(line: str, secret: str) -> None:
    out = _sanitized(line)
    assert secret not in out
    assert secret[-6:] not in out


@pytest.mark.parametrize(
    "line",
    [
        "[011] STAN .............: 817337",
        "Field 37 (RRN)        : 618102301681",
        "snmp: community name length must be 1-32",
        "KSN=FFFF9876543210E00001 counter 12",
    ],
)
def test_payment_ids_and_words_about_communities_are_kept(line: str) -> None:
    assert _sanitized(line) == line + "\n"


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        # DB2's CONNECT with a quoted password, and its NEW ... CONFIRM ...
        (
            "db2 connect to SAMPLE user dbadm using 'north_quiet_lantern_sky'",
            "north_quiet_lantern_sky",
        ),
        (
            'db2 "connect to SAMPLE user dbadm using Old7x9qz new Trel9kQz4 confirm Trel9kQz4"',
            "Trel9kQz4",
        ),
        # echoed into a tool that reads its password on standard input
        ("echo 'marsh-wren-417' | kinit ops@LAB.EXAMPLE", "marsh-wren-417"),
        (
            "printf '%s' vqzklmnp | helm registry login reg.lab --username ci --password-stdin",
            "vqzklmnp",
        ),
        # a password's stand-in under a name whose last word is the password's
        ("ha1_cred=0f1e2d3c4b5a69788796a5b4c3d2e1f0", "0f1e2d3c4b5a69788796a5b4c3d2e1f0"),
        # glued "pw" at a name's end
        ("adminpw = 'Ketch1Q9'", "Ketch1Q9"),
        # documented positions: TSO LOGON, IMS /SIGN ON, SAProuter /W/, poetry, sapcontrol
        ("LOGON OPS12/K9T2ZQ/N3WPW9 ACCT(100)", "K9T2ZQ"),
        ("LOGON OPS12/K9T2ZQ/N3WPW9 ACCT(100)", "N3WPW9"),
        ("/SIGN ON OPS12 QZ81KT", "QZ81KT"),
        ("saplogon route /H/gw.lab/S/3299/W/fjq8Lm2/H/erp.lab/S/3200", "fjq8Lm2"),
        ("poetry config http-basic.internal deploy Harrow_2281", "Harrow_2281"),
        ("sapcontrol -nr 00 -user npladm orchard4gate -function GetProcessList", "orchard4gate"),
    ],
)
def test_tool_positions_found_missing_by_blind_corpus_r(line: str, secret: str) -> None:
    assert secret not in _sanitized(line)


@pytest.mark.parametrize(
    "line",
    [
        "echo $PATH | docker login -u ci --password-stdin registry.lab.internal",
        "restic backup --password-command 'pass show restic' /srv",
        "report: LOGON TIME/DATE columns",
        "file_md5=0f1e2d3c4b5a69788796a5b4c3d2e1f0",
    ],
)
def test_tool_words_that_are_no_password_are_kept(line: str) -> None:
    out = _sanitized(line)
    assert "[SECRET" not in out, out


# Lines the review of the change found masked: ids, dumps and words an SRE needs
@pytest.mark.parametrize(
    "line",
    [
        "systemd-journald[52]: Journal started",
        "sshd[35]: Accepted publickey for deploy",
        '{"msg":"User alice deleted"}',
        "ipw2200: Radio Frequency Kill Switch is On",
        "spi-imx: bpw=16",
        "network=0f1e2d3c4b5a69788796a5b4c3d2e1f0, segment=0f1e2d3c4b5a69788796a5b4c3d2e1f1",
        "Token cache for tenant contoso status: 0f1e2d3c4b5a69788796a5b4c3d2e1f0",
        "+ docker rm -f 5e8d2c7b1a09f6e3d4c5b6a79881726354a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9",
        "kernel: Code: 48 8b 45 f8 48 89 c7 e8 00 00 00 00 48 8b 45 f8 44 00 00 55 48 89",
        "payment-gw: cvv check: 123 attempts remaining",
        "netty: nioEventLoop#12 blocked for 2000 ms",
        "gitlab: pipeline #4521 for platform / Web-frontend-app failed",
        "LOGON TYPE/3 successful",
        "nginx: GET /H/docs/W/index.html 404",
        "activation code expires on 2025-01-15",
        "\u5bc6\u94a5ID\uff1akms-9f3c2a1b",
    ],
)
def test_lines_the_review_found_masked_are_kept(line: str) -> None:
    assert _sanitized(line) == line + "\n"


def test_an_address_after_a_firewall_word_is_still_masked() -> None:
    assert "192.168.1.1" not in _sanitized("iptables: dropped by fw=192.168.1.1")
