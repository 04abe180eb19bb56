"""Password-shaped tokens wherever they stand (pure).

The finders in :mod:`remediate.credentials` read a secret from the structure around it (a name,
a flag, a URL, a protocol). Positional secrets have no such structure: ``radtest user X host``,
``SQLConnectInfo db user X``, a ``host user:X`` map line, a value on a line of its own. What
gives them away is their shape: a short string whose character classes (upper, lower, digit,
symbol) change at random, unlike the words, camel-case names, hex ids, versions and numbered
names that diagnosis needs. Long random strings (20 characters and more) are the job of
:func:`remediate.credentials.random_tokens`; this module covers 6-19 characters.

The shape test was tuned on the planted values of the tuned and blind A-C corpora against the
tokens of the loghub samples, and is reported on corpora written after it (``benchmarks/``).
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterator
from typing import Final

# A run of characters a password may hold (no space, control character such as FIX's SOH, quote,
# bracket or separator of lists).
CANDIDATE: Final = re.compile(r"[^\s\x00-\x1f\x7f\"'`,;()\[\]{}<>|]{6,}")


def mixed(token: str) -> bool:
    """What a password-shaped token holds at least: both ASCII cases, a symbol, or a non-ASCII
    character (a cheap test that skips the words, numbers and lower-case names of a line; string
    methods, since a regex with two unbounded runs took most of the finder's time)."""
    if not token.isascii():
        return True
    return (token.lower() != token and token.upper() != token) or not _SYMBOLS.isdisjoint(token)


# Separators inside structured names (pod-7d9f, a.b.c, key=value, host:port, Class@1f2e).
_SPLIT = re.compile(r"[-_.=:~,@]+")
_RUNS = re.compile(r"[0-9]+|[a-z]+|[A-Z]+|[^0-9A-Za-z]+")
# A word hump: an optional capital and lower-case letters holding a vowel (Server, with, conn).
_WORD = re.compile(r"[A-Z]?[a-z]*[aeiou][a-z]*")
_SYMBOLS: Final = frozenset("!#$%^&*+?~")
# A chosen password: capitalised words joined by symbols, two or more digits (Harbor2449#,
# Pewter&dahlia5235, Umber@nutmeg3371, Summer2025#15); a Java object (FileSnap@83) has no word
# after the "@".
_S = "[!#$%^&*+?@~]"
# Also a generated passphrase: three or more capitalised words and a number, one separator
# between each (Maple-Otter-Quartz-42, Maple_Otter_Quartz_42, Maple.Otter.Quartz.42).
_CHOSEN = re.compile(
    rf"[A-Z][a-z]{{2,}}(?:{_S}[A-Za-z]{{3,}})+[0-9]{{2,}}{_S}?"
    # a word, a number, a symbol, then digits or a few letters: Summer2031#, Winter2033#xk
    rf"|[A-Z][a-z]{{2,}}[0-9]{{2,}}{_S}(?:[0-9]*|[A-Za-z]{{1,3}})"
    # a word, a digit or more, a word, a symbol, a few letters: Fennel7harbor$Q
    rf"|[A-Z][a-z]{{2,}}[0-9]{{1,4}}[a-z]{{3,}}{_S}[A-Za-z0-9]{{0,3}}"
    # a long word, a number, an underscore or dot, two or three capitals: Stonebridge305_KT
    r"|[A-Z][a-z]{4,}[0-9]{2,}[_.][A-Z]{2,3}"
    # a word, a symbol (not a Java object's "@"), a number: Falcon#6080, Juniper!337
    r"|[A-Z][a-z]{2,}[!#$%^&*+?~][0-9]{2,}[!#$%^&*+?@~]?"
    # a word, a number, a symbol, a capitalised word: lantern52$Quill
    rf"|[a-z]{{3,}}[0-9]{{2,}}{_S}[A-Z][a-z]{{2,}}"
    # words joined by dashes, a number, a symbol: Harbor-quill-48? (not Thread-pool-12)
    rf"|[A-Z][a-z]{{2,}}(?:-[a-z]{{3,}})+-[0-9]{{2,}}{_S}"
    # a word, four digits (a year), a separator: Harbor2091-, Quill2024_
    r"|[A-Z][a-z]{2,}[0-9]{4}[_=-]"
    # a word, a word, four digits, one separator between: Quill-meadow-4417, Basil+fennel+2735
    r"|[A-Z][a-z]{2,}(?P<joint>[._@+-])[a-z]{3,}(?P=joint)[0-9]{4}"
    # a word, a separator or symbol, a capitalised word, digits: cedar.Lantern66, cedar^Lantern66
    rf"|[a-z]{{3,}}[._-][A-Z][a-z]{{2,}}[0-9]{{2,4}}|[a-z]{{3,}}{_S}[A-Z][a-z]{{2,}}[0-9]{{2,}}"
    # digits for letters inside a capitalised word, then a number: H4rb0rl1ght.52
    rf"|[A-Z](?=(?:[a-z0-9]*?[a-z][0-9]){{2}}[a-z])[a-z0-9]{{5,}}[.@~$!#%+_-][0-9]{{2,}}"
    # lower camel case words, a number, a symbol: dynamoLantern91*, summitGlacier12!
    rf"|[a-z]{{3,}}(?:[A-Z][a-z]{{2,}})+[0-9]{{2,}}{_S}"
    # a word in capitals, a symbol, a word, a number: KALIN^snoopy93, MOSS~harbor58 (not
    # "#", "$" or "%": an SAP document's ZFI#posting01, a job's LOAD$customers2024)
    r"|[A-Z]{3,}[!^~*&+?@][a-z]{3,}[0-9]{2,}"
    # ... or "!" and two digits, "@" and three: cedarHazel!17, walnutPlover@4797 (not a
    # retina image's icon@2x, an instance's nioEventLoop#12, a gauge's heapUsage%95)
    r"|[a-z]{3,}(?:[A-Z][a-z]{2,})+(?:![0-9]{2,}|@[0-9]{3,})"
    # a symbol, then a word and a number ($Harbor42), or two words and a digit (#CedarQuill7)
    rf"|{_S}(?:[A-Z][a-z]{{2,}})+[0-9]{{2,}}|{_S}(?:[A-Z][a-z]{{2,}}){{2,}}[0-9]"
    rf"|[0-9]{{2,}}[A-Z][a-z]{{3,}}{_S}"
    # a word, a symbol, a number, a word: Autumn#42Falcon, Cedar@15Quill (a Java object's "@"
    # has hex digits after it, never a word)
    rf"|[A-Z][a-z]{{2,}}{_S}[0-9]{{2,}}[A-Z][a-z]{{2,}}"
    # two or more capitalised words, a number, symbols: HarborQuill48&&
    rf"|(?:[A-Z][a-z]{{2,}}){{2,}}[0-9]{{2,}}{_S}{{1,3}}"
    # a capitalised word with a symbol for a letter, then a number: Gr@nite2231, Sl0pe$ide884
    # (not user@host: its user is lower case; not a Java object: a letter beyond hex follows)
    rf"|[A-Z][a-z0-9]*[a-z][@$!](?=[a-z]*[g-z])[a-z]+[0-9]{{3,}}{_S}?"
    r"|[A-Z][a-z]{2,}(?P<sep>[-_.])[A-Z][a-z]{2,}(?:(?P=sep)[A-Z][a-z]{2,})+(?P=sep)[0-9]{1,4}"
    # two capitalised words of four letters or more, one separator, four digits or more:
    # Harbor.Lantern4821 (a class, a method and a count, Thread.Sleep100, have fewer)
    r"|[A-Z][a-z]{3,}[-_.][A-Z][a-z]{3,}[0-9]{4,}"
)
# Where the letters change case (digits between them do not count): LGOKmhIlURP67 has four.
_CASE_FLIPS = re.compile(r"(?<=[a-z])[0-9]*[A-Z]|(?<=[A-Z])[0-9]*[a-z]")
# A quantity and its unit: 8601220kB, 512MiB, 2.5GHz, 10GbE.
_QUANTITY = re.compile(r"[0-9]+(?:[.,][0-9]+)?[A-Za-z]{1,5}")
# Sequence numbers end ids (sendmail's jA9J1dQ7016560, tb_c2cMsg_2658655094): not random.
_TAIL_NUMBER = re.compile(r"[0-9]{5,}\Z")
# Identifier shapes kept whole: hex ids, UUIDs, numbers, versions, timestamps.
_HEX = re.compile(r"(?:0x)?[0-9A-Fa-f]+")
_KEPT = re.compile(
    r"[0-9A-Fa-f]+(?:[-:][0-9A-Fa-f]+)*|v?\d+(?:\.\d+)+(?:[-+][\w.-]+)?|[0-9][0-9_.:T+-]*Z?"
)
_FRAME = re.compile(r"[\w.-]+\+0x[0-9A-Fa-f]+")
# Alphabets whose letters a word never mixes (other scripts, e.g. CJK beside Latin, are left
# alone: "用户admin1" is a name).
_SCRIPTS: Final = ((0x250, "latin"), (0x370, ""), (0x400, "greek"), (0x530, "cyrillic"))


def password_shaped(token: str) -> bool:
    """Whether ``token`` (no spaces) reads as a short generated or chosen password."""
    return bool(password_parts(token))


@functools.lru_cache(maxsize=8192)  # logs repeat their tokens; bounded, so memory stays flat
def password_parts(token: str) -> tuple[tuple[int, int], ...]:
    """Where in ``token`` (no spaces) a password is: all of it when its characters without
    separators are random, else each random part (``ops-backup:<password>`` keeps the user)."""
    return tuple(_password_parts(token))


def _password_parts(token: str) -> Iterator[tuple[int, int]]:
    if not 6 <= len(token) <= 40 or "/" in token or "\\" in token or _KEPT.fullmatch(token):
        return
    if _FRAME.fullmatch(token):  # a native stack frame: libcrypto.so.3+0x1a2b3c
        return
    if "@" in token and "." in token.rsplit("@", 1)[1]:  # an e-mail address
        return
    if not token.isascii():
        if _SCRIPTS_BESIDE.search(token) and _mixed_scripts(token):
            yield 0, len(token)
            return
        # Latin letters beyond ASCII (Höhle!mMwpvi, Çay#LDKfKo) take the ASCII test as their
        # case; the classes must sit closer, since the prefilter counts bytes, not characters.
        if any(c.isalpha() and ord(c) >= 0x250 for c in token) or not _NEAR_BYTES.search(token):
            return
        token = "".join(c if c.isascii() else _ascii_stand_in(c) for c in token)
    if token[-1] in "*?" and token[-2:-1].isalpha():  # a glob or a question: Mgr*, name?
        token = token[:-1]
    if token[0] in "*$" and _KEPT.fullmatch(token[1:]):
        # the current item's marker before an id (restic key list, kubectl contexts);
        # Guacamole's connection ids ($<uuid>)
        return
    if _NEAR.search(token) is None:
        return
    if _CHOSEN.fullmatch(token) or _passphrase(token):
        yield 0, len(token)
        return
    parts = _SPLIT.split(token)
    core = "".join(parts)
    # Longer random strings are random_tokens' job, except where symbols break its runs.
    longest = 40 if any(char in _SYMBOLS for char in core) else 19
    if len(core) <= longest and not any(map(_named_part, parts)) and _random_part(core, 8):
        yield 0, len(token)
        return
    at = 0
    for part in parts:
        at = token.index(part, at)
        if len(part) <= longest and _random_part(part, 6):
            yield at, at + len(part)
        at += len(part)


_PASSPHRASE_SEPARATORS = re.compile(r"[-_.+]")
_PASSPHRASE_WORD = re.compile(r"[A-Za-z][a-z]{2,9}")


def _passphrase(token: str) -> bool:
    """A generated passphrase with its number anywhere: four or more parts joined by one
    separator, all words but one number, two words or more capitalised (Glacier-gazebo-19-Orchid;
    a thread name, Thread-pool-1-worker, capitalises one)."""
    separators = set(_PASSPHRASE_SEPARATORS.findall(token))
    if len(separators) != 1:
        return False
    parts = token.split(separators.pop())
    if len(parts) < 4:
        return False
    numbers = [p for p in parts if p.isdigit() and len(p) <= 4]
    words = [p for p in parts if _PASSPHRASE_WORD.fullmatch(p)]
    capitalised = sum(1 for w in words if w[0].isupper())
    return len(numbers) == 1 and len(words) == len(parts) - 1 and capitalised >= 2


def _ascii_stand_in(char: str) -> str:
    """The ASCII character of the same class: a letter of the same case, else a symbol."""
    return "A" if char.isupper() else "a" if char.isalpha() else "~"


def _named_part(part: str) -> bool:
    """A part that makes the whole a structured name: a hex field, a number, a word."""
    return len(part) >= 4 and (
        _HEX.fullmatch(part) is not None or part.isdigit() or (part.isalpha() and part.islower())
    )


def _random_part(part: str, shortest: int) -> bool:
    if len(part) < shortest:
        return False
    if _CHOSEN.fullmatch(part):
        return True
    if _TAIL_NUMBER.search(part) or _HEX.fullmatch(part) or _QUANTITY.fullmatch(part):
        return False
    if "0000" in part:
        return False  # Salesforce's 0038d000001yhEc: a run of zeros, an allocated id
    upper = lower = digit = symbol = False
    for char in part:
        if "A" <= char <= "Z":
            upper = True
        elif "a" <= char <= "z":
            lower = True
        elif "0" <= char <= "9":
            digit = True
        elif char in _SYMBOLS:
            symbol = True
    if upper + lower + digit + symbol < 3 or not ((upper and lower) or symbol):
        return False  # one case and digits: hex, pod suffixes, SRV08R2
    letters = sum(1 for char in part if char.isalpha())
    wordy = sum(len(w) for w in _WORD.findall(part) if len(w) >= 3)
    if not symbol:  # few case changes in a short part: a name (Brcm43xx, c2cMsg, Win7Pro)
        flips = len(_CASE_FLIPS.findall(part))
        if flips < 2 or (flips == 2 and (len(part) < 10 or wordy)):
            return False
    score = (
        (len(_RUNS.findall(part)) >= 0.5 * len(part))  # classes change often
        + (wordy < 0.5 * letters)  # few pronounceable humps (not Http2ServerConnection)
        + (wordy == 0 and letters >= 6)  # none at all: LGOKmhIlURP67
        + (upper and lower and digit)
        + symbol
    )
    return score >= 3


def _mixed_scripts(token: str) -> bool:
    """Letters of two or more alphabets in one token (łΩфXqu2, äöæsYя): no word mixes them."""
    scripts = set()
    for char in token:
        if char.isalpha():
            code = ord(char)
            scripts.add(next((name for limit, name in _SCRIPTS if code < limit), ""))
    scripts.discard("")
    digit = any(char.isdigit() for char in token)
    return len(scripts) >= 3 or (len(scripts) == 2 and digit)


# Where a password-shaped token may be, for the case-sensitive Hyperscan prefilter: three of
# upper-case letter, lower-case letter, digit and symbol, in any order, each within a few
# characters of the last, or Latin letters beside Greek or Cyrillic ones (UTF-8: two bytes a
# letter). :func:`password_parts` requires the same, so the prefilter never hides a find.
_RUN = r"[^\s\x00-\x1f\x7f\"'`,;()\[\]{}<>|]"
_GAP = 8
_CLASSES = ("[A-Z]", "[a-z]", "[0-9]", "[!#$%^&*+?~]")
_NEAR_ALTERNATIVES = [
    *(
        f"{_RUN}{{0,{_GAP}}}".join(order)
        for three in itertools.combinations(_CLASSES, 3)
        for order in itertools.permutations(three)
    ),
]
_NEAR = re.compile("|".join(_NEAR_ALTERNATIVES))
# The same with gaps of at most two characters: eight bytes at most, whatever their encoding.
_NEAR_BYTES = re.compile(
    "|".join(
        f"{_RUN}{{0,2}}".join(order)
        for three in itertools.combinations(_CLASSES, 3)
        for order in itertools.permutations(three)
    )
)
_SCRIPTS_NEAR = (
    rf"[A-Za-z\xc3-\xc9]{_RUN}{{0,{2 * _GAP}}}[\xcd-\xd4]"
    rf"|[\xcd-\xd4]{_RUN}{{0,{2 * _GAP}}}[A-Za-z\xc3-\xc9]"
)
# The same on characters: five of at most three bytes between fit in the bytes' gap.
_SCRIPTS_BESIDE = re.compile(
    rf"[A-Za-z\u00c0-\u024f]{_RUN}{{0,5}}[\u0370-\u052f]"
    rf"|[\u0370-\u052f]{_RUN}{{0,5}}[A-Za-z\u00c0-\u024f]"
)
# Each alternative runs on to the end of the run of token characters, so that a long run reports
# one match rather than one per character (the prefilter's callback costs more than its scan).
_END = r"(?:[\s\x00-\x1f\x7f\"'`,;()\[\]{}<>|]|$)"
TRIGGER: Final = f"(?-i)(?:{'|'.join(_NEAR_ALTERNATIVES)}|{_SCRIPTS_NEAR}){_RUN}*{_END}"
