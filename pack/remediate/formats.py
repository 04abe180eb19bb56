"""Secrets whose place in a tool's, a protocol's or a file's format gives them away (pure).

:mod:`remediate.credentials` reads a secret from a name before it (``password=``, a flag, a
word in prose). Here the format itself is the label: the positional arguments of Oracle's tools
and of an ftp script, the one secret field of an EDI envelope (X12 ISA, EDIFACT UNB), of HL7's
MSH segment, of ASTM's header and of SIP2's login, a BIP39 mnemonic by its word list, a password
spelt out or read in the NATO alphabet, a payment HSM's key components, an Ethereum key where a
key is taken, a value quoted later in a sentence about a secret, values echoed into a password
command, RTMP stream keys. Each finder runs behind a Hyperscan trigger of its own
(:data:`FAMILIES`, scanned with the others by :mod:`remediate.recognizers`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Final

from remediate.credentials import (
    FILE_NAME,
    INFLECTION,
    STRONG,
    Finder,
    is_placeholder,
    looks_random,
    lowered,
    secret_like,
    shaped,
    spans,
)

# Oracle's tools take user/password as an argument, with or without @service (sqlplus,
# expdp, FNDCPASS); FNDCPASS also takes the new password last.
_ORACLE_TOOL = re.compile(
    r"(?<![\w-])(?:sqlplus|sqlldr|expdp|impdp|exp|imp|rman|dgmgrl|fndcpass|tkprof|adadmin)"
    r"(?:\.exe)?(?![\w-])",
    re.IGNORECASE,
)
_LOGON = re.compile(
    r"(?:(?<=[\s\"'])|(?<=userid=)|(?<=target=)|^)[A-Za-z_][\w$#]*/([^\s/@\"',;]+)(?=@|[\s\"']|$)",
    re.IGNORECASE,
)
_FNDCPASS_NEW = re.compile(
    r"\bfndcpass\b[^\n]*?[ \t](?:user|oracle|system|alloracle)[ \t]+(?:\S+[ \t]+)?(\S+)"
    r"[ \t]*$",
    re.IGNORECASE,
)
# Oracle's mkstore: -createCredential <connect string> <user> <password> (also -modify...)
_MKSTORE = re.compile(
    r"\bmkstore\b[^\n]*?[ \t]-(?:create|modify)credential[ \t]+\S+[ \t]+\S+[ \t]+([^\s-]\S*)",
    re.IGNORECASE,
)
# An ftp script's "user NAME PASSWORD" on a line of its own, also typed at the client's prompt
# (ftp> user NAME PASSWORD).
_SCRIPT_USER = re.compile(
    r"(?:^|[\"'])[ \t]*(?:(?i:ftp>[ \t]*user)|user)[ \t]+[^\s\"']+[ \t]+([^\s\"']+)[ \t]*"
    r"(?:[\"']|$)",
    re.MULTILINE,
)
# Connect:Direct's SNODEID=(user,password[,new password]) and PNODEID=(...).
_NODE_ID = re.compile(
    r"\b[sp]nodeid[ \t]*=[ \t]*\([^,()\s]+[ \t]*,[ \t]*([^,()\s]+)(?:[ \t]*,[ \t]*([^,()\s]+))?\)",
    re.IGNORECASE,
)
# ssh-keygen's old (-P) and new (-N) passphrase, both on one line.
_KEYGEN_FLAG = re.compile(r"[ \t]-[NP][ \t]*(?:'([^'\n]+)'|\"([^\"\n]+)\"|([^\s\"'-]\S*))")
_LDAPPASSWD_FLAG = re.compile(r"[ \t]-[as][ \t]*(?:'([^'\n]+)'|\"([^\"\n]+)\"|([^\s\"'-]\S*))")
# expect's script on one line: expect "...assword:"; send "X\r"
_EXPECT_SEND = re.compile(
    r"expect[ \t]+(?:-\w+[ \t]+)*\"[^\"\n]*(?:assword|assphrase|PIN|passcode)[^\"\n]*\"[ \t]*[;}]?"
    r"[ \t]*send[ \t]+(?:--[ \t]+)?\"([^\"\n]+?)(?:\\r|\\n)*\"",
    re.IGNORECASE,
)
# A Java string made a char[]: how Java APIs take a password ("X".toCharArray()).
_CHAR_ARRAY = re.compile(r"\"([^\"\n]{4,})\"\.toCharArray\(\)")


def positional_logons(text: str) -> Iterator[tuple[int, int]]:
    """Secrets given by their place in a command, a script or a call, not by a name."""
    if _ORACLE_TOOL.search(text):
        for match in _LOGON.finditer(text):
            value = match.group(1)
            if not is_placeholder(value) and not FILE_NAME.fullmatch(value):
                yield match.span(1)
        for match in _FNDCPASS_NEW.finditer(text):
            if not is_placeholder(match.group(1)):
                yield match.span(1)
    if "credential" in text.lower():
        for match in _MKSTORE.finditer(text):
            if not is_placeholder(match.group(1)):
                yield match.span(1)
    if "user" in text or "USER" in text:
        for match in _SCRIPT_USER.finditer(text):
            value = match.group(1)
            if len(value) >= 4 and not is_placeholder(value) and not value.startswith("-"):
                yield match.span(1)
    if "nodeid" in text.lower():
        for match in _NODE_ID.finditer(text):
            for group in (1, 2):
                if match.start(group) >= 0 and not is_placeholder(match.group(group)):
                    yield match.span(group)
    if "ldappasswd" in text:  # -a old, -s new (and -w, the bind password, found elsewhere)
        yield from (
            match.span(match.lastindex or 1)
            for match in _LDAPPASSWD_FLAG.finditer(text, text.index("ldappasswd"))
            if not is_placeholder(match.group(match.lastindex or 1))
        )
    if "send" in text and "expect" in text:
        yield from spans(_EXPECT_SEND, text)
    if "ssh-keygen" in text:
        yield from (
            match.span(match.lastindex or 1)
            for match in _KEYGEN_FLAG.finditer(text, text.index("ssh-keygen"))
            if not is_placeholder(match.group(match.lastindex or 1))
        )
    if "toCharArray" in text:
        yield from spans(_CHAR_ARRAY, text)


# EDI envelopes: X12's ISA carries authorization (ISA02) and security (ISA04, a password)
# information when their qualifiers are not 00; EDIFACT's UNB carries the recipient's
# reference or password in its sixth element.
_ISA = re.compile(r"(?<![A-Za-z0-9])ISA([*|~^!])")
_UNB = re.compile(r"(?<![A-Za-z0-9])UNB\+")


def edi_envelopes(text: str) -> Iterator[tuple[int, int]]:
    for match in _ISA.finditer(text):
        separator, at = match.group(1), match.end()
        fields: list[tuple[int, int]] = []
        while len(fields) < 4:
            end = text.find(separator, at)
            if end < 0:
                return
            fields.append((at, end))
            at = end + 1
        for qualifier, value in ((fields[0], fields[1]), (fields[2], fields[3])):
            if text[qualifier[0] : qualifier[1]].strip() not in ("", "00"):
                start, end = value
                stripped = text[start:end].strip()
                if stripped:
                    start = text.index(stripped, start)
                    yield start, start + len(stripped)
    for match in _UNB.finditer(text):
        at, element = match.end(), 1
        while element < 6:
            end = _edi_next(text, at, "+")
            if end < 0:
                break
            at, element = end + 1, element + 1
        else:
            end = min(_edi_next(text, at, c) % (len(text) + 1) for c in ":+'\n")
            if end > at and not text[at:end].isdigit():
                yield at, end


def _edi_next(text: str, at: int, char: str) -> int:
    """The next ``char`` from ``at`` that EDIFACT's release character (?) does not escape."""
    while True:
        found = text.find(char, at)
        if found <= 0 or text[found - 1] != "?":
            return found
        at = found + 1


# A password spelled out character by character (c-a-n-y-o-n-8-0, "9 j 8 w k k"): letters and
# digits, each alone, one kind of separator.
_SPELLED = re.compile(
    r"(?<![\w-])[A-Za-z0-9](?P<sep>[- ])[A-Za-z0-9](?:(?P=sep)[A-Za-z0-9]){4,}(?![\w-])"
)
# ... or read out in the NATO alphabet (Romeo Eight Lima Tango ...)
_NATO_WORDS = (
    "alfa|alpha|bravo|charlie|delta|echo|foxtrot|golf|hotel|india|juliett?|kilo|lima|mike"
    "|november|oscar|papa|quebec|romeo|sierra|tango|uniform|victor|whiske?y|x-?ray|yankee|zulu"
)
_NATO_DIGITS = "zero|one|two|three|four|five|six|seven|eight|nine|niner"
_NATO_RUN = re.compile(
    rf"(?<![\w-])(?:(?:{_NATO_WORDS}|{_NATO_DIGITS})(?:[ \t]*[, ][ \t]*|[ \t]*-[ \t]*)){{4,}}"
    rf"(?:{_NATO_WORDS}|{_NATO_DIGITS})(?![\w-])",
    re.IGNORECASE,
)
_NATO_LETTER = re.compile(rf"(?:{_NATO_WORDS})\b", re.IGNORECASE)


def spelled(text: str) -> Iterator[tuple[int, int]]:
    for match in _SPELLED.finditer(text):
        chars = match.group()[::2]
        if any(c.isdigit() for c in chars) and any(c.isalpha() for c in chars):
            yield match.span()
    for match in _NATO_RUN.finditer(text):
        if len(_NATO_LETTER.findall(match.group())) >= 3:
            yield match.span()


# A BIP39 wallet mnemonic: twelve to twenty-four words of its word list in a row, whatever
# is around them (the list from the reference implementation, python-mnemonic).
_WORD_RUN = re.compile(r"(?<![\w-])[a-z]{3,8}(?:[ \t]+[a-z]{3,8}){11,}(?![\w-])")


@functools.cache
def _bip39_words() -> frozenset[str]:
    from mnemonic import Mnemonic

    return frozenset(Mnemonic("english").wordlist)


def mnemonics(text: str) -> Iterator[tuple[int, int]]:
    words = _bip39_words()
    for run in _WORD_RUN.finditer(text):
        start = None
        count = 0
        for word in re.finditer(r"[a-z]+", run.group()):
            if word.group() in words:
                if start is None:
                    start, count = word.start(), 0
                count += 1
                end = word.end()
                continue
            if start is not None and count >= 12:
                yield run.start() + start, run.start() + end
            start = None
        if start is not None and count >= 12:
            yield run.start() + start, run.start() + end


# Payment HSM keys typed or printed in clear: a zone, terminal or base derivation key, or a key
# component, as hex (its check value, KCV, is public and stays).
_KEY_COMPONENT = re.compile(
    r"(?<![a-z])(?:zmk|tmk|bdk|kek|zpk|tpk|ipek|kbpk|pvk|cvk|zek|zak|tak|lmk|component)"
    r"(?![a-z])[^\n]{0,30}?(?<![0-9a-f])([0-9a-f]{48}|[0-9a-f]{32})(?![0-9a-f])",
    re.IGNORECASE,
)
# An Ethereum private key: 0x and 64 hex digits where a key is taken (from_key, privateKey,
# Hardhat's accounts, geth's --nodekeyhex), not a transaction's hash.
_ETH_KEY = re.compile(
    r"(?:from_key|privatekey|private_key|nodekeyhex|accounts|signer|wallet)[\"']?[ \t]*[:=(\[]?"
    r"[ \t]*[\[(]?[ \t]*[\"']?((?:0x)?[0-9a-fA-F]{64})\b",
    re.IGNORECASE,
)
# A value handed to a command through process substitution: geth account import <(echo X)
_ECHO_SUBSTITUTION = re.compile(r"<\([ \t]*(?:echo|printf)[ \t]+(?:-n[ \t]+)?[\"']?([^\s\"')]+)")


def key_material(text: str) -> Iterator[tuple[int, int]]:
    yield from spans(_KEY_COMPONENT, text)
    yield from spans(_ETH_KEY, text)
    for match in _ECHO_SUBSTITUTION.finditer(text):
        if shaped(match.group(1)):
            yield match.span(1)


# HL7 v2's MSH-8 (Security) and ASTM's header H-4 (access password), the only secret fields of
# the two lab and hospital message formats.
_HL7_MSH = re.compile(r"(?<![A-Za-z0-9])MSH([|])")
_ASTM_H = re.compile(r"(?<![A-Za-z])\d?H\|\\\^&\|")


# 3M SIP2 (library self-check): the login message's CO (password), a patron's AD and a
# terminal's AC password fields, each after a "|" and its two-letter code
_SIP2_PASSWORD = re.compile(r"(?:^|\|)(?:CO|AD|AC)([^|\r\n]{4,})")
# Travelport (Galileo) sign-on: SON/Z<agent>/<password>
_GDS_SIGN_ON = re.compile(r"(?<![A-Z0-9])SON/Z?[A-Z0-9]+/([A-Z0-9]{4,})")


def message_security(text: str) -> Iterator[tuple[int, int]]:
    if "9300CN" in text or "SIP2" in text:
        yield from spans(_SIP2_PASSWORD, text)
    if "SON/" in text:
        yield from spans(_GDS_SIGN_ON, text)
    for match in _HL7_MSH.finditer(text):
        at = match.end()
        for _ in range(6):  # MSH-2 ... MSH-7
            at = text.find("|", at) + 1
            if at <= 0:
                break
        else:
            end = text.find("|", at)
            if end > at and not text[at:end].isdigit():
                yield at, end
    for match in _ASTM_H.finditer(text):
        at = text.find("|", match.end()) + 1  # H-3, the message control id, then H-4
        end = text.find("|", at) if at > 0 else -1
        if end > at:
            yield at, end


# A quoted value after a secret's word, later in the sentence: "... reset by the venue, it is
# "X" now", "password exposed in a page (value "X")".
_QUOTED_LATER = re.compile(
    rf"(?:{STRONG}){INFLECTION}(?![a-z0-9_-])[^\"\n.!?]{{0,80}}?"
    # (guillemets and corner brackets quote a value plainly enough: no word is needed before)
    r"(?:[ \t](?:is|was|are|it's|now|value|to)(?:[ \t]+[a-z']{2,12}){0,3}|[:=]"
    r"|(?=[ \t]*[\u00ab\u300c]))[ \t]*"
    r"[\"\u201c`\u00ab\u300c]([^\"\u201d`\u00bb\u300d\n]{4,64})[\"\u201d`\u00bb\u300d]"
)
# "user:password" handed to a base64 encoder to make a Basic Authorization header:
# Text.ToBinary("u:p"), btoa("u:p"), b64encode(b"u:p"), Convert.ToBase64String(...("u:p"))
_BASIC_SOURCE = re.compile(
    r"(?:tobinary|btoa|b64encode|base64encode|encodetostring|tobase64string|getbytes)[ \t]*\("
    r"[^\"'\n]{0,40}?b?[\"']([^\"':\s]{1,64}):([^\"'\s]{4,128})[\"']",
    re.IGNORECASE,
)
# Values piped into a command that reads passwords: (echo 'old'; echo 'new') | smbpasswd -s
_ECHO_PIPE = re.compile(
    r"(\([^()\n]{0,512}\)|(?:echo|printf)[ \t][^|\n]{0,512})[ \t]*\|[ \t]*"
    r"(?:sudo[ \t]+(?:-\S+[ \t]+)*)?"
    r"(?:smbpasswd|passwd|chpasswd|kpasswd|ldappasswd|htpasswd|vncpasswd|\w+[-_]?passw\w*"
    # tools that read a password on their standard input: kinit, iinit (iRODS), and every
    # registry login's --password-stdin (docker, podman, helm, oras, skopeo)
    r"|kinit|iinit|[^|\n]{0,256}--password-stdin\b"
    # and a command about a secret that reads a file from standard input (gcloud secrets
    # create --data-file=-, kubectl create secret --from-file=x=/dev/stdin)
    r"|[^|\n]{0,256}(?:secret|passw|token|credential)[^|\n]{0,256}"
    r"(?:--[\w-]*file[= ]-(?![\w-])|=?/dev/stdin\b))"
)
_ECHOED = re.compile(
    # (printf's format first, when it has a conversion: printf '%s' X prints X)
    r"(?:echo[ \t]+(?:-[neE]+[ \t]+)?|printf[ \t]+"
    r"(?:(?:'[^'\n]*%[^'\n]*'|\"[^\"\n]*%[^\"\n]*\"|[^\s'\"]*%[^\s'\"]*)[ \t]+)?)"
    r"(?:'([^'\n]+)'|\"([^\"\n]+)\"|([^\s;'\"]+))"
)
# RTMP's last path segment is the stream key: rtmp://a.rtmp.youtube.com/live2/<key>; an RTSP
# link's, when random (UniFi Protect's rtsps://host:7441/<token>, not /Streaming/Channels/101)
_RTMP_KEY = re.compile(r"(rtmps?|rtsps?)://[^\s/]+(?:/[^\s/?]+)*/([^\s/?\"']{8,})")


def quoted_later(text: str, lower: str | None = None) -> Iterator[tuple[int, int]]:
    lower = lowered(text) if lower is None else lower
    if not text.isascii():
        folded = text.lower()  # Пароль: the capital of a word in another script too
        lower = folded if len(folded) == len(text) else lower
    for match in _QUOTED_LATER.finditer(lower):
        value = text[match.start(1) : match.end(1)]
        if secret_like(value, True) and not is_placeholder(value):
            yield match.span(1)


def later_values(text: str) -> Iterator[tuple[int, int]]:
    lower = lowered(text)
    for match in _BASIC_SOURCE.finditer(text):
        if not is_placeholder(match.group(2)):
            yield match.span(2)
    if "|" in text:
        for pipe in _ECHO_PIPE.finditer(text):
            for echoed in _ECHOED.finditer(text, pipe.start(1), pipe.end(1)):
                group = echoed.lastindex or 1
                if not is_placeholder(echoed.group(group)):
                    yield echoed.span(group)
    if "rtmp" in lower or "rtsp" in lower:
        for match in _RTMP_KEY.finditer(text):
            key = match.group(2)
            if FILE_NAME.fullmatch(key):
                continue
            if match.group(1).startswith("rtmp") or looks_random(key, 12):
                yield match.span(2)


# Key-sized hex (128, 192 or 256 bits: 32, 48 or 64 digits of one case) given as a named value.
# Whatever a key is called in its domain (Ki, OPc, GUEK, PSKc, networkkey, -A), the names of
# hex values a diagnosis needs are few: ids, digests, traces, nonces, serials, commits.
_KEY_SIZED = r"[0-9a-f]{64}|[0-9A-F]{64}|[0-9a-f]{48}|[0-9A-F]{48}|[0-9a-f]{32}|[0-9A-F]{32}"
_KEY_HEX = re.compile(
    rf"(?<![\w.:/+%-])(?:0x)?(?P<hex>{_KEY_SIZED})(?![\w.:/+%-])"
    # 16 or 32 bytes written out, no more: "7D 5A B8 ...", "29:33:4c:...", a C array
    # "0x93, 0x6C, ..." (not a kernel oops' "Code:" bytes, nor a CAN frame's longer dump)
    r"|(?<![0-9A-Fa-f]{2}[ :])(?<![\w.:/+%-])(?P<bytes>"
    r"[0-9A-Fa-f]{2}(?P<sep>[ :])(?:[0-9A-Fa-f]{2}(?P=sep)){14}[0-9A-Fa-f]{2}"
    r"(?:(?P=sep)(?:[0-9A-Fa-f]{2}(?P=sep)){15}[0-9A-Fa-f]{2})?"
    r"|(?:0[xX][0-9A-Fa-f]{2},[ \t]*){15}0[xX][0-9A-Fa-f]{2}(?:(?:,[ \t]*0[xX][0-9A-Fa-f]{2}){16})?"
    r")(?![ :,][ \t]*(?:0[xX])?[0-9A-Fa-f]{2}(?![0-9A-Za-z]))(?![\w.:/+%-])"
)
_HEX_RUN = re.compile(r"[0-9A-Fa-f]{8,}")
# A table's cell of key-sized hex, one case.
KEY_HEX_CELL: Final = re.compile(_KEY_SIZED)
# The name before it: name=, name:, "name": ", name => ', -X and --name with a space.
_HEX_NAME = re.compile(
    r"(?:^|[\s\"'{,;(\[|&?<])(-{1,2})?([A-Za-z][\w.-]{0,60}(?: [A-Za-z][\w.-]{0,20})?)"
    r"(?:\[\d*\])?[\"']?\)?[ \t]*(=>|:=|[=:>]|[ \t])[ \t]*"
    # hexToBytes("..."), bytes.fromhex('...'), a C array's { 0x.., ... }
    r"(?:[A-Za-z_][\w.]*\([ \t]*)?[\"'({]?[ \t]*(?:0x)?\Z",
    re.MULTILINE,
)
_NAME_WORDS = re.compile(r"[A-Z]?[a-z]+[0-9]*|[A-Z]+[0-9]*(?![a-z])|[0-9]+")
# Words of a name that make its hex value an identifier, a digest, a fingerprint or a public
# value, and the words that make a "key" a lookup key (dedup_key, cache key, object key).
_DIAGNOSTIC_NAMES = (
    "id ids uid uuid guid oid kid trace traceid span spanid hash hashes digest sha sha1 "
    "sha256 sha512 md5 checksum crc sum fingerprint fp thumbprint ja3 ja3s ja4 nonce cnonce "
    "serial sn number no event tx txid txn commit rev revision etag version build request "
    "req correlation ref object best parent root tip head public pub pubkey cert "
    "certificate mic salt iv random challenge tag ray file image layer blob account tenant "
    "project device node instance container job task message msg record entry item doc "
    "document index address addr store zone cluster alias dedup idempotency cache partition "
    "shard primary foreign sort lookup row content user username role group domain network "
    "net segment subnet port volume vol sandbox pod run host hostname server merchant terminal "
    "owner snapshot backup branch tree flow vm vpc router region bucket policy rule alarm "
    "metric state name title"
)
_DIAGNOSTIC_WORDS: Final = frozenset(_DIAGNOSTIC_NAMES.split())
_DIAGNOSTIC_ENDS = tuple(word for word in _DIAGNOSTIC_WORDS if len(word) > 2)
# A digest's algorithm named shortly before: {"alg":"SHA-256","content":"<hex>"}
_DIGEST_NEAR = re.compile(r"sha-?\d|md5|blake|checksum|digest|hash", re.IGNORECASE)
# A word before a space names a key only with a secret's word in it, glued or not (networkkey).
_KEY_WORD = re.compile(rf"key|psk|kek|{STRONG}")
_KEYED = frozenset(("secret", "token", "auth", "access", "api"))
# A name about authenticating or encrypting (Z-Wave's S2_Authenticated, S0_Legacy keys are
# named for their security class): "auth", "crypt", "cipher", "secur", "access", "sign"
_AUTH_WORD = re.compile(r"auth|crypt|cipher|secur|access|sign|seal|wrap|master")
_PASSWORD_HEADS = frozenset(
    ("cred", "creds", "credential", "credentials", "pass", "passwd", "password", "pw", "pwd")
)
_KEYED_IDS = tuple(word + "id" for word in _KEYED)


def _opaque(name: str) -> bool:
    """A short name that is no word: a domain's abbreviation for its key (Ki, OPc, GUEK, PSKc,
    LTK, -A); five letters at most, its last part counted (settings.ak, S2_Access)."""
    last = re.split(r"[._-]", name)[-1]
    letters = sum(c.isalpha() for c in last)
    return 0 < letters <= 5 or _AUTH_WORD.search(name.lower()) is not None


def _password_headed(name: str) -> bool:
    """A name whose last word is a password's (Asterisk's md5_cred): its value stands in for
    the password even when a digest is named before."""
    words = _NAME_WORDS.findall(name)
    return bool(words) and words[-1].lower() in _PASSWORD_HEADS


def diagnostic_name(name: str) -> bool:
    """Whether a value's name says it identifies, fingerprints or looks something up."""
    words = [word.lower() for word in _NAME_WORDS.findall(name)]
    if _password_headed(name):
        return False
    for at, word in enumerate(words):
        if word in ("id", "ids") and at and words[at - 1] in _KEYED:
            return False  # Vault's secret_id, a tokenId: secret-bearing
        if word in _DIAGNOSTIC_WORDS:
            return True
    glued = name.lower()  # cup2hreq, Trackingnumber: a diagnostic word at a glued name's end
    return glued.endswith(_DIAGNOSTIC_ENDS) or (
        glued.endswith(("id", "ids")) and not glued.endswith(_KEYED_IDS)
    )


_PACKED_FIELDS = re.compile(r";[a-z]=[0-9a-f]+;[a-z]=")


def named_key_hex(text: str) -> Iterator[tuple[int, int]]:
    for match in _KEY_HEX.finditer(text):
        line = text.rfind("\n", 0, match.start()) + 1
        before = text[max(line, match.start() - 100) : match.start()].rstrip(" \t\"'({")
        if not before or not (before[-1].isalpha() or before[-1] in "=:>]"):
            continue  # (a cheap test first: no name ends in a digit or a comma)
        if _HEX_RUN.fullmatch(before.rsplit(None, 1)[-1]):
            continue  # OpenStack's "<user id> <project id>": a hex id before a hex id
        named = _HEX_NAME.search(text, max(line, match.start() - 100), match.start())
        if named is None:
            continue
        if _PACKED_FIELDS.match(text, match.end()) and len(named.group(2)) == 1:
            continue  # a journal cursor (s=<hex>;i=<hex>;b=<hex>;...): one-letter fields, ids
        flag, name, separator = named.groups()
        keyed = _KEY_WORD.search(name.lower()) is not None
        upper_flag = flag == "-" and len(name) == 1 and name.isupper()  # gurux's -A, openssl's -K
        if separator in (" ", "\t") and not keyed and not upper_flag:
            continue  # "expected <hex>", "docker rm -f <id>": a word or a flag, not a key's name
        if match.group("bytes") is not None and not keyed:
            continue  # bytes written out are a key only under a key's name (not "Code:")
        headed = _password_headed(name)
        if not headed and (
            diagnostic_name(name)
            or _DIGEST_NEAR.search(text, max(line, match.start() - 80), match.start())
        ):
            continue
        if not (headed or keyed or upper_flag or _opaque(name)):
            continue  # "status: <hex>", "network=<hex>": a word names an id more often than a key
        yield match.span("hex" if match.group("hex") is not None else "bytes")


# user:password@host without a scheme: --bmc USERID:X@10.0.0.1, rsync's and lftp's forms
_BARE_USERINFO = re.compile(
    r"(?<![\w/:.@%<-])([A-Za-z][\w.-]{0,30}):([^\s:@/'\"<>]{4,64})@"
    r"(?=\d{1,3}(?:\.\d{1,3}){3}|\[|[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)"
)
# URI schemes whose address reads as user:name@host (sip:alice@pbx, mailto:bob@example.com),
# and fields whose value is an address (user:jdoe@example.com, owner:, rcpt:, Erlang's node)
_ADDRESS_FIELDS = (
    "sip sips mailto tel xmpp im pres acct urn news nntp user uid email mail owner from to "
    "rcpt sender recipient db project node id rabbit return-path message-id x-original-to"
)
_ADDRESS_SCHEMES: Final = frozenset(_ADDRESS_FIELDS.split())


def bare_userinfo(text: str) -> Iterator[tuple[int, int]]:
    for match in _BARE_USERINFO.finditer(text):
        if match.group(1).lower() in _ADDRESS_SCHEMES:
            continue
        if secret_like(match.group(2), False):
            yield match.span(2)


# SNMP's community name is its password: "community string 'X'", tmsh's "community-name X"
_COMMUNITY = re.compile(
    r"community[ \t_-]?(?:name|string)s?[\"']?[ \t]*(?:[:=][ \t]*|(?:is|was|of)[ \t]+|[ \t])"
    r"[ \t]*(?:'([^'\s]{4,})'|\"([^\"\s]{4,})\"|`([^`\s]{4,})`|([^\s'\"`,;{}()]{4,}))",
    re.IGNORECASE,
)


def snmp_community_names(text: str) -> Iterator[tuple[int, int]]:
    for match in _COMMUNITY.finditer(text):
        group = match.lastindex or 1
        value = match.group(group)
        if value.lower() not in ("public", "private") and secret_like(value, True):
            yield match.span(group)


# Card data PCI DSS forbids storing after authorization, wherever a payments log prints it:
# an encrypted PIN block (ISO 9564), the card verification code, track data (ISO 7813), and
# ISO 8583's fields for them (35 track 2, 45 track 1, 52 PIN data) in jPOS and field dumps.
_PIN_BLOCK = re.compile(
    r"pin[ _-]?(?:block|blk|data)[\"']?[ \t.]*(?:\([^)\n]{0,40}\)[ \t.]*)?[:=][ \t.]*[\"']?"
    r"([0-9A-Fa-f]{16}(?:[0-9A-Fa-f]{16})?)(?![0-9A-Za-z])",
    re.IGNORECASE,
)
_CARD_CODE = re.compile(
    r"(?<![a-z])(?:cvv2?|cvc2?|cav2|card[ _-]?verification(?:[ _-]?(?:value|code))?)"
    # (only a slash-joined alias, dots or an aside between: "CVC2/CID .....:", "CVV (value):")
    r"(?![a-z_])(?:/[a-z0-9]{2,4})?[ \t.]*(?:\([^)\n]{0,20}\)[ \t.]*)?[:=][ \t.]*[\"']?"
    r"(\d{3,4})(?!\d)",
    re.IGNORECASE,
)
_TRACK_1 = re.compile(r"(?<![0-9A-Za-z])%?B(\d{12,19})\^[A-Za-z /.'-]{2,26}\^\d{7,}[^\s?|\"']*")
_TRACK_2 = re.compile(r"(?<![0-9A-Za-z]);?(\d{12,19})[=D]\d{7,}[0-9F]*\??(?![0-9A-Za-z])")
_CARD_FIELD_VALUE = r"(;?\d{12,19}[=D]\d+\S*|%?B\d{12,19}\^\S*|[0-9A-Fa-f]{16}(?:[0-9A-Fa-f]{16})?)"
_ISO8583_FIELD = re.compile(
    r"<field[ \t]+id=\"(?:35|45|52)\"[ \t]+value=\"([^\"]+)\""
    # (a field dump's label, not a syslog tag's pid: sshd[35]; and a card-shaped value)
    r"|(?:(?<![\w\]])\[0?(?:35|45|52)\]|\bde0?(?:35|45|52)\b|\bfield[ \t]+(?:35|45|52)\b)"
    rf"[^\n:]{{0,40}}:[ \t]*{_CARD_FIELD_VALUE}(?![0-9A-Za-z])",
    re.IGNORECASE,
)


def card_data(text: str) -> Iterator[tuple[int, int]]:
    yield from spans(_PIN_BLOCK, text)
    yield from spans(_CARD_CODE, text)
    yield from spans(_ISO8583_FIELD, text)
    for pattern in (_TRACK_1, _TRACK_2):
        for match in pattern.finditer(text):
            if luhn_valid(match.group(1)):
                yield match.start(), match.end()


def luhn_valid(digits: str) -> bool:
    """The Luhn check digit of a card number (ISO/IEC 7812) holds."""
    total = 0
    for at, char in enumerate(reversed(digits)):
        value = int(char) * (2 if at % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


# Tools whose documented syntax puts the password in a place of its own: TSO's
# LOGON userid/password[/new password], IMS's /SIGN ON userid password, a SAProuter route
# string's /W/password, poetry's http-basic.<repo> user password, sapcontrol's and
# saphostctrl's -user name password.
_TOOL_LOGONS = (
    re.compile(r"(?:^|[\s>])LOGON[ \t]+[A-Z#$@][A-Z0-9#$@]{0,7}/([^\s/()]+)(?:/([^\s/()]+))?"),
    re.compile(r"(?:^|[\s>])/SIGN[ \t]+ON[ \t]+[A-Za-z0-9#$@]{1,8}[ \t]+([^\s]+)", re.IGNORECASE),
    re.compile(r"(?:^|[\s\"'=])/H/[^/\s]+/S/[^/\s]+/W/([^/\s]+)"),
    re.compile(r"\bpoetry[ \t]+config[ \t]+http-basic\.\S+[ \t]+\S+[ \t]+([^\s-]\S*)"),
    re.compile(r"\b(?:sapcontrol|saphostctrl)\b[^\n]{0,200}?[ \t]-user[ \t]+\S+[ \t]+([^\s-]\S*)"),
)


def tool_logons(text: str) -> Iterator[tuple[int, int]]:
    for pattern in _TOOL_LOGONS:
        for match in pattern.finditer(text):
            for group in range(1, pattern.groups + 1):
                value = match.group(group)
                if match.start(group) < 0 or is_placeholder(value):
                    continue
                if value.isalpha() and not secret_like(value, True):
                    continue  # LOGON TIME/DATE: words, not a password
                if value.isdigit() and len(value) <= 3:
                    continue  # LOGON TYPE/3: a number, not a password
                yield match.span(group)


FAMILIES: Final[tuple[tuple[str, tuple[Finder, ...]], ...]] = (
    (r"isa[*|~^!]|unb\+", (edi_envelopes,)),
    (r"(?:[a-z0-9][- ]){5}[a-z0-9]", (spelled,)),
    # (its own family: the strong words, then a quote later on the line)
    (
        "(?:" + STRONG + '|\u041f\u0430\u0440\u043e\u043b\u044c)[^\n]*["`\u201c\u00ab\u300c]',
        (quoted_later,),
    ),
    (rf"(?:{_NATO_WORDS})[ \t]*[, -][ \t]*(?:{_NATO_WORDS}|{_NATO_DIGITS})", (spelled,)),
    (r"(?:[a-z]{3,8}[ \t]+){11}[a-z]{3,8}", (mnemonics,)),
    (
        r"(?:zmk|tmk|bdk|kek|zpk|tpk|ipek|kbpk|pvk|cvk|zek|zak|tak|lmk|component)[^\n]{0,30}?"
        r"[0-9a-f]{32}|[0-9a-f]{64}|<\([ \t]*(?:echo|printf)",
        (key_material,),
    ),
    (
        r"[0-9a-f]{32}|(?:[0-9a-f]{2}[ :]){15}[0-9a-f]{2}|(?:0x[0-9a-f]{2},[ \t]*){15}0x",
        (named_key_hex,),
    ),
    (r"[a-z0-9_.-]:[^\s:@/'\"]{4,64}@[a-z0-9\[]", (bare_userinfo,)),
    (r"community[ \t_-]?(?:name|string)", (snmp_community_names,)),
    (
        r"pin[ _-]?(?:block|blk|data)|cvv|cvc|csc|cav2|card[ _-]?verification|b\d{12,19}\^"
        r"|\d{12,19}[=d]\d{7}|<field[ \t]+id=\"(?:35|45|52)\"|\[0?(?:35|45|52)\]|de0?(?:35|45|52)"
        r"|field[ \t]+(?:35|45|52)",
        (card_data,),
    ),
    (
        r"logon[ \t]+[a-z#$@][a-z0-9#$@]{0,7}/|/sign[ \t]+on[ \t]|/w/|http-basic\.|sapcontrol"
        r"|saphostctrl",
        (tool_logons,),
    ),
    (r"msh\||\dh\|\\\^&|(?:^|[^a-z])h\|\\\^&|9300cn|sip2|son/", (message_security,)),
    (
        r"\)[ \t]*\|[ \t]*(?:sudo[ \t]+)?\w*passw|rtmps?://|rtsps?://"
        r"|(?:echo|printf)[ \t][^|\n]*\|[^|\n]*(?:passw|kinit|iinit|stdin|secret|token|credential)"
        r"|(?:tobinary|btoa|b64encode|base64encode|encodetostring|tobase64string|getbytes)[ \t]*\(",
        (later_values,),
    ),
    (
        r"sqlplus|sqlldr|expdp|impdp|rman|dgmgrl|fndcpass|tkprof|adadmin|mkstore"
        r"|(?:^|[ \t$>])(?:exp|imp)[ \t]"
        r"|^[ \t]*(?:ftp>[ \t]*)?user[ \t]|[\"'][ \t]*user[ \t]|nodeid|ssh-keygen|tochararray"
        r"|ldappasswd"
        r"|expect[^\n]*send",
        (positional_logons,),
    ),
)
