"""Gold labels for the loghub samples, derived at run time by a different method than ours.

The sanitizer finds values with regular expressions over free text. This labeler instead walks
each line as fields and words, the way each system's layout is documented in
../shared/datasets/logs/PII_NOTES.md and the loghub READMEs: the syslog host is the 4th field,
Thunderbird repeats it in the 4th and 8th, HPC's 2nd field is the node, a user name is the word
after "user" or between "for" and "from", a path component after /home/ is a user, and so on.
A word is an address only if ``ipaddress`` parses it; a MAC has six two-digit hex groups; an
e-mail has one local part and a dotted domain; a URL's host comes from ``urllib.parse``.

Nothing read from ../shared is written anywhere: labels exist only in memory.

Policy choices shared with the sanitizer (so a choice is not counted as a miss): loopback,
unspecified and 0.0.0.0/8 addresses and the accounts in ``SYSTEM_USERS`` are not sensitive;
public documentation hosts stay readable.

Traps are words that look sensitive and are not (PII_NOTES "traps" column): clock times,
dotted version strings, PCI addresses, HDFS block ids, hex values, BGL node locations,
Zookeeper's ``0:0:0:0:0:0:0:0:2181``, HealthApp stamps, Android packages, Windows' public key
token. Reviewed by hand: see benchmarks/results/sanitizer_quality.md.
"""

from __future__ import annotations

import ipaddress
import string
from collections.abc import Iterator
from typing import NamedTuple
from urllib.parse import urlsplit

from remediate.recognizers import PUBLIC_DOC_HOSTS, SYSTEM_USERS

IP, IPV6, MAC, EMAIL, HOST, USER, TRAP = "ip", "ipv6", "mac", "email", "host", "user", "trap"
_HEX = frozenset(string.hexdigits)
_DELIMITERS = frozenset(" \t\r\n[](){}<>,;\"'|=")
SYSLOG = ("Linux", "OpenSSH", "Mac")


class Label(NamedTuple):
    kind: str
    value: str


def words(line: str) -> list[str]:
    """Split on blanks and brackets, quotes, commas, semicolons, pipes and '='."""
    out: list[str] = []
    current: list[str] = []
    for char in line:
        if char in _DELIMITERS:
            if current:
                out.append("".join(current))
                current = []
        else:
            current.append(char)
    if current:
        out.append("".join(current))
    return out


def labels(system: str, line: str) -> list[Label]:
    found = [*_addresses(line), *_hosts(system, line), *_users(line), *_traps(system, line)]
    return [label for label in found if label.value]


def _addresses(line: str) -> Iterator[Label]:
    for word in words(line):
        for part in _parts(word):
            kind = _address_kind(part)
            if kind == IPV6 and part.split(":")[0] and not set(part.split(":")[0]) <= _HEX:
                part = part.split(":", 1)[1]  # the interface name is not part of the address
            if kind:
                yield Label(kind, part.split("%")[0])
        if "@" in word or "%40" in word:
            email = _email(word)
            if email:
                yield Label(EMAIL, email)


def _parts(word: str) -> Iterator[str]:
    """A word and its pieces between '/' (host/ip, /ip:port), with a trailing :port cut."""
    for piece in {word, *word.split("/")}:
        piece = piece.strip(".:")
        yield piece
        head, colon, tail = piece.rpartition(":")
        if colon and tail.isdigit() and head.count(":") == 0:
            yield head


def _address_kind(part: str) -> str | None:
    groups = part.split(".")
    if len(groups) == 4 and all(g.isdigit() and len(g) <= 3 for g in groups):
        try:
            ipv4 = ipaddress.IPv4Address(part)
        except ValueError:
            return None
        quiet = ipv4.is_loopback or ipv4.is_reserved or ipv4 in ipaddress.IPv4Network("0.0.0.0/8")
        return None if quiet else IP
    groups = part.split(":")
    if len(groups) == 6 and all(len(g) == 2 and set(g) <= _HEX for g in groups):
        return MAC
    if part.count(":") >= 2:
        candidate = part.split("%")[0]
        # An interface name in front: en0:fe80:...
        if groups[0] and not set(groups[0]) <= _HEX:
            candidate = candidate.split(":", 1)[1]
        try:
            ipv6 = ipaddress.IPv6Address(candidate)
        except ValueError:
            return None
        return None if ipv6.is_loopback or ipv6.is_unspecified else IPV6
    return None


def _email(word: str) -> str | None:
    start = word.find("://")
    word = word[start + 3 :] if start >= 0 else word
    word = word.split("/")[0].strip(".:")
    local, at, domain = word.rpartition("@")
    if not at:
        local, at, domain = word.partition("%40")
    domain = domain.split(":")[0]
    labels = domain.split(".")
    if local and len(labels) >= 2 and labels[-1].isalpha() and len(labels[-1]) >= 2:
        return f"{local}{at}{domain}"
    return None


def _host_ok(name: str) -> bool:
    lower = name.lower()
    return bool(name) and lower not in PUBLIC_DOC_HOSTS and not _address_kind(name)


def _hosts(system: str, line: str) -> Iterator[Label]:
    fields = line.split()
    if system in SYSLOG and len(fields) > 3:
        yield Label(HOST, fields[3])
    if system == "Thunderbird" and len(fields) > 7:
        # "#8#" is a placeholder (a trap); "src@dn228": a facility, then the host.
        for name in (fields[3], *fields[7].rpartition("@")[2].split("/")):
            yield Label(HOST if name[:1].isalnum() else TRAP, name)
    if system == "HPC" and len(fields) > 1 and fields[1].startswith("node-"):
        yield Label(HOST, fields[1])
    if system == "Proxifier" and len(fields) > 4 and fields[3] == "-":
        name = fields[4].rsplit(":", 1)[0]
        if _host_ok(name):
            yield Label(HOST, name)
    ws = words(line)
    for i, word in enumerate(ws):
        after = ws[i + 1] if i + 1 < len(ws) else ""
        if word.startswith("rhost") and "=" not in word and after and not _address_kind(after):
            yield Label(HOST, after)
        if "://" in word:
            if "%40" in word or "@" in word:
                continue  # the whole authority is an e-mail-like user part
            host = urlsplit(word.rstrip(",.")).netloc.rsplit(":", 1)[0]  # keeps the case
            if _host_ok(host):
                yield Label(HOST, host)
        if word in ("getaddrinfo", "proxy", "Resolved", "to", "server:", "maps") and after:
            name = after.split("/")[0].rsplit(":", 1)[0].rstrip(".,")
            last = name.split(".")[-1]
            if "." in name and _host_ok(name) and last.isalpha() and last.islower():
                yield Label(HOST, name)
    for word in words(line):
        # Java's InetAddress prints host/address.
        name, slash, address = word.partition("/")
        if slash and name[:1].isalpha() and _address_kind(address.split(":")[0]) == IP:
            yield Label(HOST, name)
    for i in range(len(fields) - 1):
        # ftpd: "connection from 1.2.3.4 (name.example.net)"; sshd: "Address 1.2.3.4 maps to name"
        if fields[i] == "from" and _address_kind(fields[i + 1]) and i + 2 < len(fields):
            name = fields[i + 2].strip("()")
            if "." in name and _host_ok(name):
                yield Label(HOST, name)


def _users(line: str) -> Iterator[Label]:
    ws = line.split()
    names: list[str] = []
    for i, word in enumerate(ws):
        after = ws[i + 1] if i + 1 < len(ws) else ""
        key, eq, value = word.partition("=")
        if eq and key in ("user", "ruser", "logname") and value:
            names.append(value)
        if word == "user" and i and ws[i - 1].lower() in ("invalid", "illegal", "for") and after:
            names.append(after)
        if word == "for" and i + 2 < len(ws) and ws[i + 2] == "from":
            names.append(after)
        if word == "to:" and i and ws[i - 1] == "acls":
            names.extend(after.split(","))
    for word in ws:
        for marker in ("/home/", "/Users/", "\\Users\\", "/usercache/", "/staging/"):
            at = word.find(marker)
            if at >= 0:
                rest = word[at + len(marker) :]
                names.append(rest.replace("\\", "/").split("/")[0])
    for name in names:
        name = name.strip(".,:;'\"")
        # All-digit values are ids (Android's user=0, uid 501), not names.
        if (
            name
            and not name.isdigit()
            and name.lower() not in SYSTEM_USERS
            and name
            not in (
                "invalid",
                "user",
            )
        ):
            yield Label(USER, name)


def _traps(system: str, line: str) -> Iterator[Label]:
    for word in words(line):
        core = word.strip(".,:")
        if _is_trap(system, core):
            yield Label(TRAP, core)


def _is_trap(system: str, core: str) -> bool:
    digits = core.replace(":", "").replace(".", "")
    return any(
        (
            core.count(":") >= 2 and digits.isdigit(),  # clock times, ::2181, HealthApp stamps
            system == "Windows" and core.count(".") >= 3 and digits.isdigit(),  # versions
            core.startswith("blk_"),  # HDFS block ids
            core.lower().startswith("0x") and len(core) > 2,  # hex values
            system == "Linux" and core.count(":") == 2 and core[:4] == "0000",  # PCI addresses
            system == "BGL" and core.startswith("R") and "-M" in core and ":" in core,  # nodes
            system == "Android" and core.startswith("com.") and core.count(".") >= 2,
            system == "BGL" and len(core) >= 8 and set(core) <= _HEX and not core.isdigit(),
            system == "Windows" and "31bf3856ad364e35" in core,  # public key token
        )
    )
