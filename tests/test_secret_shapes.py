"""Password-shaped tokens (remediate.secret_shapes) and their finder in credentials."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from remediate import credentials, recognizers
from remediate.recognizers import Context, Scanner
from remediate.secret_shapes import password_parts, password_shaped

CTX = Context({}, frozenset({"internal", "example.com"}), frozenset())
SCANNER = Scanner(CTX)
EXHAUSTIVE = Scanner(CTX, prefilter=False)


@pytest.mark.parametrize(
    "token",
    [
        "Vq7rTz2LmK",  # generated: classes change at random
        "p9Xw!e4Rt",  # with a symbol
        "KXPTmh4QRDwz",  # long capital runs, no pronounceable hump
        "Rt5=wQ#z1Lp",  # "=" inside the password
        "Lantern4418!",  # chosen: a word, digits, a symbol
        "Copper&meadow219",  # chosen: words joined by a symbol
        "zßΔк7Lmw",  # Latin, Greek and Cyrillic letters in one token
        "Ñandú#QwXz8",  # Latin letters beyond ASCII take the ASCII test
        "Cedar-Harbor-Quill-27",  # a generated passphrase
        "Cedar_Harbor_Quill_27",
        "Harbor.Lantern4821",  # two capitalised words, a separator, digits
        "Kp9#vR!2mXq$7tLw&Zn4b",  # 20 characters and more, with symbols (no random-token run)
        "Autumn2024!88",  # a word, a year, a symbol, more digits
        "Falcon#6080",  # a word, a symbol, a number
        "marbleDynamo79#",  # lower camel case words, digits, a symbol
        "Quarry-lintel-48-Sorrel",  # a generated passphrase with its number inside
        "Autumn#42Falcon",  # a word, a symbol, a number, a word
        "Cedar@15Quill",
        "HarborQuill48&&",  # two capitalised words, a number, symbols
        "$QuillHarbor58",  # a symbol, words, a number
        "#CedarMeadow7",  # a symbol, two words, a digit
        "Gr@nite2231",  # a symbol for a letter, a number
        "Sl0pe$ide884",
        "lantern52$Quill",  # a word, a number, a symbol, a capitalised word
        "Harbor-quill-48?",  # words joined by dashes, a number, a symbol
        "Quill!4821+",  # a word, a symbol, a number, a symbol
        "H4rb0rl1ght.52",  # digits for letters, then a number
        "W4lnutc0r4l@07",
        "Harbor2091-",  # a word, four digits, a separator
        "Quill-meadow-4417",  # a word, a word, four digits
        "Basil+fennel+2735",
        "cedar.Lantern6604",  # a word, a separator, a capitalised word, digits
        "cedar^Lantern6604",
    ],
)
def test_password_shaped_tokens(token: str) -> None:
    assert password_shaped(token)


@pytest.mark.parametrize(
    "token",
    [
        "Http2ServerConnection",  # camel case with a digit
        "SHA256withRSA",
        "payments-api-7d9f8b6c5d-x2klm",  # pod name
        "Thread.Sleep100",  # a method and a number: one word after the dot is too few
        "Node.Js18",
        "2026-05-07T06:32:07.482913Z",  # timestamp
        "v1.31.1+k3s1",  # version
        "3f2b7c1e9a4d",  # hex id
        "jA9J1dQ7016560",  # sendmail queue id: a sequence number ends it
        "FileTxnSnapLog@240",  # Java object
        "Listener@493",  # Java object: a word, "@", a number
        "Handler@1f2e3d",  # Java object: hex after the "@"
        "deploy@app02",  # user@host
        "Admin@ab123",  # a Java-like hex tail
        "#Issue",  # a hash tag
        "ThinkPad14",  # a product and a number, no symbol
        "Log4j2.17",  # a library and its version
        "Item12-",  # a list item
        "Thread-pool-12",
        "*13e4a163",  # the current item's marker before a hex id (restic key list)
        "Thread-pool-1-worker",  # a thread name: one capitalised word
        "IdoUdpMgr*",  # glob
        "ops@mail.example.org",  # e-mail address
        "/var/lib/Docker2x/a",  # path
        "R05-M0-NC-I:J18-U11",  # BlueGene node location
        "用户admin1",  # CJK beside Latin is a name, not a mix of alphabets
        "OAuth2Client",
        "8601220kB",  # quantities with units
        "2.5GHz",
        "München2024",  # a word and a year, with a letter beyond ASCII
        "Straße12",
        "Microsoft-Windows-Kernel-Power",  # capitalised words without a number
    ],
)
def test_identifiers_are_not_password_shaped(token: str) -> None:
    assert not password_shaped(token)


def test_only_the_random_part_of_a_structured_token_is_the_password() -> None:
    token = "deploy-bot:Zr4kWq9TxBv2"
    (span,) = password_parts(token)
    assert token[span[0] : span[1]] == "Zr4kWq9TxBv2"


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("$ radtest svc-radius 'Tq8#kLw2Zp' nas01 0 testing123", "Tq8#kLw2Zp"),
        ("[smtp.relay.example]:587 relay-user:Hm4vRt9QzXe", "Hm4vRt9QzXe"),
        ("    Wb7uNq3Kx!", "Wb7uNq3Kx!"),  # an answer on its own line
        ("pull failed: unauthorized: robot-ci:Yp2Lr8TwQmZ", "Yp2Lr8TwQmZ"),
    ],
)
def test_positional_passwords_are_found_by_their_shape(text: str, secret: str) -> None:
    spans = SCANNER.find(text)
    found = [text[s.start : s.end] for s in spans if s.entity_type == recognizers.SECRET]
    assert any(secret in f for f in found), found


@pytest.mark.parametrize(
    "text",
    [
        "cluster_id=Kq3vTr8LzW2 joined",  # a labelled id
        "sha256:Xk2Lq8RtVb3 verified",  # a labelled digest
    ],
)
def test_labelled_ids_are_left_alone(text: str) -> None:
    assert list(credentials.shaped_tokens(text)) == []


_TOKEN_CHARS = st.sampled_from(
    [*"aAbBzZ09xX7!#%+~*?._-=:@", "\u00df", "\u0394", "\u043a", "\u7528"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(_TOKEN_CHARS, min_size=1, max_size=30), min_size=1, max_size=4))
def test_the_prefilter_never_hides_a_password_shaped_token(words: list[str]) -> None:
    text = " ".join(words)
    assert sorted(SCANNER.find(text)) == sorted(EXHAUSTIVE.find(text))
