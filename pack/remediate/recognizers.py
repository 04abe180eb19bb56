"""Find sensitive spans in one line of text: what, where, and nothing else (pure).

Each recognizer is a compiled regular expression plus validation (``ipaddress`` for addresses,
Luhn for cards, entropy for unknown tokens). Python's ``re`` scans at 20-60 MB/s per pattern, and
there are dozens of patterns; so a Hyperscan database of cheap *triggers* (one per family, each
matching a superset of what its family's patterns match) is scanned once per line, and only the
families it names run their patterns. Without Hyperscan every family runs: same results, slower.
The :class:`~remediate.sanitizer.Sanitizer` decides what to do with the spans.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import ipaddress
import itertools
import os
import platform
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Final, NamedTuple

from remediate import credentials, dumps, formats, payloads
from remediate.credentials import shannon_entropy as shannon_entropy
from remediate.formats import luhn_valid as luhn_valid

IP: Final = "IP_ADDRESS"
IPV6: Final = "IPV6_ADDRESS"
EMAIL: Final = "EMAIL"
HOST: Final = "HOST"
USER: Final = "USER"
MAC: Final = "MAC_ADDRESS"
PHONE: Final = "PHONE_NUMBER"
SECRET: Final = "SECRET_TOKEN"  # noqa: S105 (an entity type, not a password)
CARD: Final = "CREDIT_CARD"
NATIONAL_ID: Final = "NATIONAL_ID"
# Identifiers the model reasons about: numbered pseudonyms, mapped back for execution and people.
PSEUDONYM_TYPES: Final = (IP, IPV6, EMAIL, HOST, USER, MAC, PHONE)
# Replaced irreversibly, never stored.
IRREVERSIBLE_TYPES: Final = (SECRET, CARD, NATIONAL_ID)


class Span(NamedTuple):
    start: int
    end: int
    entity_type: str
    score: float


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Two-letter codes that are also common file extensions (py, sh, md, pl, rs, so, in, tf, mk, am,
# mo, la, do, ...)
# and gTLDs that are common words in logs (name, host, zip) are left out on purpose.
TLDS: Final = _words(
    """com net org edu gov mil int info biz io co ai dev cloud tech online site xyz me tv
    asia mobi pro jobs travel arpa us eu uk de fr nl be ch at se dk fi no es it pt ie cz sk ru ua
    cn jp kr hk tw sg au nz ca br mx ar cl za il tr gr ro hu bg hr si lt lv ee lu is kz vn th ph
    om ae sa qa kw bh jo lb eg ma tn dz ng ke gh tz ug et pk bd lk np my id pe ve uy ec bo cr gt
    hn sv ni cu pr jm tt ba al by ge az uz kg tj mn kh mm ir iq af sy
    """
)
PUBLIC_DOC_HOSTS: Final = _words(
    """docs.ansible.com ansible.com galaxy.ansible.com prometheus.io github.com docs.github.com
    raw.githubusercontent.com gitlab.com docs.gitlab.com kubernetes.io docs.docker.com docker.com
    hub.docker.com grafana.com nginx.org nginx.com httpd.apache.org apache.org docs.python.org
    python.org pypi.org readthedocs.io docs.openstack.org redis.io postgresql.org dev.mysql.com
    elastic.co stackoverflow.com en.wikipedia.org man7.org access.redhat.com docs.aws.amazon.com
    learn.microsoft.com cloud.google.com"""
)
# Names every host has for itself: they identify nothing.
LOCAL_HOSTS: Final = _words("localhost localhost.localdomain ip6-localhost ip6-loopback")
# Accounts every Unix host has: naming them reveals nothing and the model needs "root".
SYSTEM_USERS: Final = _words("root nobody daemon bin sys adm sshd www-data")
# Values after "password=" that are placeholders, not secrets.
NOT_SECRETS: Final = _words("none null nil true false yes no n/a - * ** *** [SECRET_TOKEN]")
# org.apache.hadoop.io, com.tencent.mm.activity.info: Java/Android packages, not hosts.
_PACKAGE_ROOTS = frozenset(("com", "org", "net", "java", "javax", "android", "kotlin", "scala"))

_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
# Not inside a longer dotted run: 6.1.7601.23505 and 1.2.3.4.5 are versions, not addresses.
_IPV4 = re.compile(rf"(?<![\w.~]){_OCTET}(?:\.{_OCTET}){{3}}(?!\w|\.\w)", re.ASCII)
_THIS_NETWORK = ipaddress.IPv4Network("0.0.0.0/8")
# Only candidates; ipaddress decides (16:13:38 and MAC addresses do not parse). An interface
# label in front (en0:2607:f140::1) is skipped, a ninth group (0:0:0:0:0:0:0:0:2181) is not;
# a zone id (fe80::1%eth0) stays outside the span.
_IPV6 = re.compile(
    r"(?<![\w:.])(?:[0-9A-Fa-f]*[G-Zg-z_]\w*[+!-]?:)?((?=[0-9A-Fa-f:.]*\d)(?:[0-9A-Fa-f]{0,4}:){2,7}"
    r"(?:(?:\d{1,3}\.){3}\d{1,3}|[0-9A-Fa-f]{1,4})?)(?![\w:]|\.\d)",
    re.ASCII,
)
_ERLANG_TIME = re.compile(r"\d{4}::\d{2}:\d{2}:\d{2}")
_MAC = re.compile(
    r"(?<![\w:.-])(?:[0-9A-Fa-f]{2}([:-])[0-9A-Fa-f]{2}(?:\1[0-9A-Fa-f]{2}){4}"
    r"|[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4})(?![\w:.-])",
    re.ASCII,
)
# %40 is an URL-encoded @ (13957525385%40163.com@p28-contacts.icloud.com is one address).
_EMAIL = re.compile(
    r"(?<![\w.%+-])[\w.%+-]+(?:@|%40)[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-])"
)
_PHONE = re.compile(
    r"(?<![\w+.-])(?:\+\d{1,3}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d{2,4}(?:[ .-]?\d{2,4}){1,4}"
    r"|\(\d{3}\) ?\d{3}-\d{4}|\d{3}-\d{3}-\d{4})(?![\w.-]|:\d)",
    re.ASCII,
)
_LABEL = r"[A-Za-z0-9][A-Za-z0-9-]*"
_FQDN = re.compile(rf"(?<![\w.-]){_LABEL}(?:\.{_LABEL})+(?![\w(-]|\.[A-Za-z0-9])")
_DOTTED_WORD = re.compile(r"(?<![\w.-])[\w-]+(?:\.[\w-]+)*")
# Conventional cluster node names (node-246, compute17, worker-3): no FQDN rule sees them.
_NODE_NAME = re.compile(
    r"(?<![\w./-])(?:node|compute|worker|gpu|srv|server|vm)-?[A-Za-z]?\d{1,5}(?![\w-])",
    re.IGNORECASE,
)
# Java's InetAddress.toString(): "name/10.1.2.3".
_NAME_SLASH_IP = re.compile(
    r"(?<![\w./-])([A-Za-z][\w-]*(?:\.[\w-]+)*)/(?:\d{1,3}\.){3}\d{1,3}(?![\w.])", re.ASCII
)
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
# RFC 3164 (Jun 14 15:16:01 combo sshd[1]:) and ISO stamps; "user@host" and "host/host" forms.
# A token followed by "[" or ":" is the program of a header without a host; a token not followed
# by a program ("2026-11-20T09:14:02+00:00 webapp pid 7 listening") is not a host either.
_SYSLOG_HOST = re.compile(
    rf"(?:\b{_MONTH} +\d{{1,2}} \d\d:\d\d:\d\d|\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d[.\d]*"
    r"(?:Z|[+-]\d\d:?\d\d)?) (?:[\w.-]+@)?([A-Za-z0-9][\w.-]*)(?:/([A-Za-z0-9][\w.-]*))?"
    # then the program: "sshd[24200]:", "kernel:", "Microsoft Word[14463]:", "launchd[1] (...)"
    r"(?= (?:\S+(?: [\w.]+)?(?:\[\d+\])?:(?:\s|$)|[^\s\[]+\[\d+\]))"
)
_USER_NAME = r"([A-Za-z_][\w.-]{0,31}[\w$]|[A-Za-z_])"
# Every branch starts with a literal, so the scan skips most positions; the word boundary in
# front is checked afterwards (a look-behind first would disable that skip).
_USER_CONTEXT = re.compile(
    r"(?:(?:r?user|logname|login|username|uname)=|(?:[Ii]nvalid|[Ii]llegal) user "
    r"|for (?:invalid user |illegal user |user )?(?=\S+ from )|for user "
    r"|/home/|/Users/|:\\Users\\|/usercache/|/staging/)" + _USER_NAME + r"(?![\w$@-])"
)
_ACL_USERS = re.compile(r"\bacls to: ([\w.,-]+)")
# The host of a URL authority (hdfs://namenode:9000/, https://user@host/) and PAM's rhost=.
_URL_HOST = re.compile(
    r"\b[A-Za-z][A-Za-z0-9+.-]*://(?:[^\s/@]*@)?([A-Za-z0-9](?:[\w.-]*[A-Za-z0-9])?)(?=[:/\s\]]|$)"
)
_HEX_NAME = re.compile(r"[0-9a-fA-F]+")
_RHOST = re.compile(r"\brhost=([A-Za-z0-9][\w.-]*)")
_KEYWORD = (
    # A prefix glued to the keyword still names a secret: PGPASSWORD, DB_PASSWORD, aws_secret_...
    # (and files of credentials a YAML key may hold: a .pgpass, a .netrc)
    r"(?:[A-Za-z0-9]*passw(?:or)?d|pwd|passphrase|secret|token|api[-_]?key|apikey|pgpass|netrc"
    r"|access[-_]?key|private[-_]?key|account[-_]?key|shared[-_]?access[-_]?key|credentials?"
    r"|client[-_]?secret|auth|sig|signature)(?:[-_][A-Za-z0-9]+)*"
)
PEM_BEGIN: Final = re.compile(
    r"-----BEGIN(?:[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?| OpenVPN Static key V\d)-----"
)
PEM_END: Final = re.compile(
    r"-----END(?:[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?| OpenVPN Static key V\d)-----"
)
# "password:" with nothing after it: the value is on the next, more indented, lines (YAML).
# A Kubernetes env entry naming a secret ("- name: DB_PASSWORD"): its value is on the next line.
DANGLING_SECRET_KEY: Final = re.compile(
    rf"^([ \t]*)(?:- )?[\"']?(?:[\w-]*[-_])?{_KEYWORD}[\"']?[ \t]*:[ \t]*"
    r"(?:![\w!]+[ \t]+)?[|>]?[-+]?[ \t]*$"
    rf"|^([ \t]*)- name:[ \t]*[\"']?(?:[\w.-]*[._-])?{credentials.KEYWORD}[\"']?[ \t]*$"
    # An HCL/Terraform block labelled with a secret name; an XML element opened on its own line.
    rf"|^([ \t]*)[\w-]+(?:[ \t]+\"[\w.-]*\")*[ \t]+\"[\w.-]*{credentials.KEYWORD}[\w.-]*\""
    r"[ \t]*\{[ \t]*$"
    rf"|^([ \t]*)<[\w.:-]*{credentials.KEYWORD}[\w.:-]*>[ \t]*$"
    # A block of secrets: HCL "tokens {", JSON "credentials": {, "db_secrets = {"
    r"|^([ \t]*)[\"']?(?:[\w-]*[-_])?(?:secrets?|tokens|credentials?|passwords?)[\"']?[ \t]*[:=]?"
    r"[ \t]*\{[ \t]*$",
    re.IGNORECASE,
)
# A delimited header naming a secret column (username,password,role): its field in the rows
# that follow is the secret.
CSV_SECRET_HEADER: Final = re.compile(
    rf"(?:^|(?<=[,;\t|]))[ \t]*[\"']?[\w .-]*(?:{credentials.KEYWORD}|{credentials.PIN_NAMES})"
    r"[\w .-]*[\"']?[ \t]*"
    r"(?=[,;\t|]|$)",
    re.IGNORECASE,
)
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*")
_PRIVATE_KEY = re.compile(rf"{PEM_BEGIN.pattern}(?:.*?{PEM_END.pattern}|.*?(?=\n?\Z))", re.S)
_VENDOR_KEYS = re.compile(
    r"(?<![A-Za-z0-9_-])(?:AGE-SECRET-KEY-1[0-9A-Z]{58}"  # age
    r"|(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA)[A-Z0-9]{16}"  # AWS
    r"|AIza[0-9A-Za-z_-]{35}|ya29\.[0-9A-Za-z_-]{20,}"  # Google API key, OAuth token
    r"|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_\w{20,}"  # GitHub
    r"|gl(?:pat|dt|rt|ptt|soat|cbt)-[A-Za-z0-9_-]{20,}"  # GitLab
    r"|c[ks]_[0-9a-f]{40}"  # WooCommerce REST consumer key and secret
    r"|npm_[A-Za-z0-9]{36}"  # npm
    r"|xox[abposr]-[A-Za-z0-9-]{10,}|xapp-\d-[A-Za-z0-9-]{10,}"  # Slack
    r"|(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}|whsec_[A-Za-z0-9]{16,}"  # Stripe
    r"|SG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}"  # SendGrid
    r"|sk-[A-Za-z0-9_-]{20,}"  # OpenAI-style
    r"|hv[sbr]\.[A-Za-z0-9_-]{24,}|s\.[A-Za-z0-9]{24}"  # Vault
    # Windows DPAPI blob (ConvertFrom-SecureString): reversible by that user on that machine
    r"|01000000d08c9ddf0115d1118c7a00c04fc297eb[0-9A-Fa-f]{16,}"
    # Matter's onboarding payload (its QR code's text: "MT:" and base38), which pairs a device
    r"|MT:(?=[0-9A-Z.-]*[0-9])[0-9A-Z.-]{19,}"
    # a product, licence or activation key: five or six groups of four, four to six groups of
    # five or six (Windows and Office 5x5, Nessus 5x4, KNX's FDSK 6x6), capitals and digits mixed
    r"|(?=(?:[A-Z-]*[0-9]){2})(?=(?:[0-9-]*[A-Z]){2})"
    r"(?:[A-Z0-9]{4}(?:-[A-Z0-9]{4}){4,5}|[A-Z0-9]{5}(?:-[A-Z0-9]{5}){3,5}"
    r"|[A-Z0-9]{6}(?:-[A-Z0-9]{6}){3,5})"
    # CrowdStrike's customer id with its checksum (CID=<32 hex>-<2 hex>), which enrols a sensor
    r"|[0-9A-F]{32}-[0-9A-F]{2}"
    r")(?![A-Za-z0-9_-])"
)
_CARD = re.compile(r"(?<![\w.-])(?:\d{4}[ -]?){3}\d{1,7}(?![\w.-]|:\d)", re.ASCII)
_SSN = re.compile(r"(?<![\w.-])(\d{3})-(\d{2})-(\d{4})(?![\w.-])", re.ASCII)
_NINO = re.compile(r"\b[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b", re.ASCII)


class Context:
    """What the host recognizers know: the inventory and the configured names."""

    def __init__(
        self, inventory: Mapping[str, str], internal: frozenset[str], allow: frozenset[str]
    ) -> None:
        self.inventory = inventory  # lower-case name, alias or short name → owner
        self.internal = internal
        self.allow = allow
        self.internal_suffixes = tuple("." + d for d in internal)

    def is_internal(self, name: str) -> bool:
        return name in self.internal or name.endswith(self.internal_suffixes)


_Finder = Callable[[str, Context], Iterator[Span]]


def _ipv4(text: str, ctx: Context) -> Iterator[Span]:
    for match in _IPV4.finditer(text):
        if _silent_ipv4(match.group()) or match.group() in ctx.allow:
            continue
        if _VERSION_WORD.search(text, max(0, match.start() - 12), match.start()):
            continue  # "firmware 21.0.6.110": a device's version with four parts, not an address
        yield Span(match.start(), match.end(), IP, 0.9)


# Only "firmware": after "version" or "build" a dotted quad may still be an address (loghub's
# labels count Keystone's version=1.2.8.57 as one; masking it is the safe side)
_VERSION_WORD = re.compile(r"(?<![A-Za-z])(?i:firmware)[ \t]*[:=]?[ \t]*v?\Z")


@functools.lru_cache(maxsize=4096)  # logs repeat their addresses; bounded, so memory stays flat
def _silent_ipv4(text: str) -> bool:
    """Loopback, 0.0.0.0/8 (also 0.0.0.6-style versions) and 240/4 (netmasks) say nothing."""
    ipv4 = ipaddress.IPv4Address(text)
    return ipv4.is_loopback or ipv4.is_reserved or ipv4 in _THIS_NETWORK


def _ipv6(text: str, ctx: Context) -> Iterator[Span]:
    for match in _IPV6.finditer(text):
        if _ERLANG_TIME.fullmatch(match.group(1)):
            continue  # Erlang's 29-Nov-2026::10:11:12, not 2026::10:11:12
        try:
            ipv6 = ipaddress.IPv6Address(match.group(1))
        except ValueError:
            continue
        if not (ipv6.is_loopback or ipv6.is_unspecified or match.group(1).lower() in ctx.allow):
            yield Span(match.start(1), match.end(1), IPV6, 0.9)


def _mac(text: str, ctx: Context) -> Iterator[Span]:
    for match in _MAC.finditer(text):
        if match.group().lower() not in ctx.allow:
            yield Span(match.start(), match.end(), MAC, 0.9)


def _email(text: str, ctx: Context) -> Iterator[Span]:
    for match in _EMAIL.finditer(text):
        if match.group().lower() not in ctx.allow:
            yield Span(match.start(), match.end(), EMAIL, 0.9)


def _phone(text: str, ctx: Context) -> Iterator[Span]:
    for match in _PHONE.finditer(text):
        digits = sum(c.isdigit() for c in match.group())
        if 10 <= digits <= 15:
            yield Span(match.start(), match.end(), PHONE, 0.7)


def _inventory_hosts(text: str, ctx: Context) -> Iterator[Span]:
    depth = max((name.count(".") + 1 for name in ctx.inventory), default=0)
    for match in _DOTTED_WORD.finditer(text):
        labels = match.group().split(".", depth)[:depth]
        for n in range(len(labels), 0, -1):
            name = ".".join(labels[:n])
            if name.lower() in ctx.inventory:
                yield Span(match.start(), match.start() + len(name), HOST, 0.95)
                break


def _fqdn_hosts(text: str, ctx: Context) -> Iterator[Span]:
    for match in _FQDN.finditer(text):
        if is_host_name(match.group(), ctx):
            yield Span(match.start(), match.end(), HOST, 0.6)


def _syslog_hosts(text: str, ctx: Context) -> Iterator[Span]:
    for match in _SYSLOG_HOST.finditer(text):
        name = match.group(1)
        if name.lower() in ctx.allow or name.lower() in LOCAL_HOSTS:
            continue
        if name[0].isdigit() and is_ip_address(name):
            continue
        yield Span(match.start(1), match.end(1), HOST, 0.8)
        if match.group(2):
            yield Span(match.start(2), match.end(2), HOST, 0.8)


def _named_hosts(text: str, ctx: Context) -> Iterator[Span]:
    for match in _NODE_NAME.finditer(text):
        if match.group().lower() not in ctx.allow:
            yield Span(match.start(), match.end(), HOST, 0.6)
    for match in _NAME_SLASH_IP.finditer(text):
        if match.group(1).lower() not in ctx.allow:
            yield Span(match.start(1), match.end(1), HOST, 0.7)


_SECRET_REFERENCE = re.compile(r"(?:op|vault|bw|doppler|infisical|gcpsm|azkv|keyvault)://", re.I)


def _context_hosts(text: str, ctx: Context) -> Iterator[Span]:
    for pattern in (_URL_HOST, _RHOST):
        for match in pattern.finditer(text):
            name = match.group(1)
            lower = name.lower()
            quiet = lower in ctx.allow or lower in PUBLIC_DOC_HOSTS or lower in LOCAL_HOSTS
            # containerd://<64 hex>, docker://<id>: a container or object id, not a host; a
            # secret manager's reference (op://<vault>/<item>/<field>) names a vault
            digest = len(name) >= 32 and _HEX_NAME.fullmatch(name) is not None
            reference = pattern is _URL_HOST and _SECRET_REFERENCE.match(text, match.start())
            if not (quiet or digest or reference or is_ip_address(name)):
                yield Span(match.start(1), match.end(1), HOST, 0.7)


def _users(text: str, ctx: Context) -> Iterator[Span]:
    for match in _USER_CONTEXT.finditer(text):
        if not _stands_alone(text, match.start()):
            continue
        name = match.group(1)
        if credentials.looks_random(name, 12):  # an API key used as a user name (SASL, Kafka)
            yield Span(match.start(1), match.end(1), SECRET, 1.0)
        elif name.lower() not in SYSTEM_USERS and name.lower() not in ctx.allow:
            yield Span(match.start(1), match.end(1), USER, 0.8)
    for match in _ACL_USERS.finditer(text):
        at = match.start(1)
        for name in match.group(1).split(","):
            if name and name.lower() not in SYSTEM_USERS and name.lower() not in ctx.allow:
                yield Span(at, at + len(name), USER, 0.8)
            at += len(name) + 1


def _stands_alone(text: str, start: int) -> bool:
    """Whether a user-name context found at ``start`` is not the tail of a longer word."""
    before = text[start - 1 : start]
    if text[start] == ":":  # C:\Users\name: the drive letter must stand alone
        return before.isalpha() and not _word_char(text[start - 2 : start - 1])
    if text.startswith(("/Users/", "/usercache/", "/staging/"), start):
        return True
    return not (_word_char(before) or (before == "." and text[start] == "/"))


def _word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def _groups(pattern: re.Pattern[str], entity_type: str = SECRET) -> _Finder:
    """Spans of the last group that matched, or of the whole match when there is none."""

    def find(text: str, ctx: Context) -> Iterator[Span]:
        for match in pattern.finditer(text):
            start, end = match.span(match.lastindex or 0)
            if start < end and match.group(match.lastindex or 0).lower() not in NOT_SECRETS:
                yield Span(start, end, entity_type, 1.0)

    return find


def _secrets(find: credentials.Finder) -> _Finder:
    def spans(text: str, ctx: Context) -> Iterator[Span]:
        for start, end in find(text):
            yield Span(start, end, SECRET, 1.0)

    return spans


def _cards(text: str, ctx: Context) -> Iterator[Span]:
    for match in _CARD.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if 13 <= len(digits) <= 19 and _card_prefix(digits) and luhn_valid(digits):
            yield Span(match.start(), match.end(), CARD, 0.9)


def _national_ids(text: str, ctx: Context) -> Iterator[Span]:
    for match in _SSN.finditer(text):
        area, group, serial = match.groups()
        if area not in ("000", "666") and area[0] != "9" and group != "00" and serial != "0000":
            yield Span(match.start(), match.end(), NATIONAL_ID, 0.8)
    for match in _NINO.finditer(text):
        yield Span(match.start(), match.end(), NATIONAL_ID, 0.7)


def _dump_secrets(text: str, ctx: Context) -> Iterator[Span]:
    """Secrets in the stream a block of hex dump rows shows: every other family runs on the
    decoded bytes, and what it finds is masked in each row's text and hex columns."""
    found = dumps.view(text)
    if found is None:
        return
    for family in FAMILIES:
        if family.finders == (_dump_secrets,):
            continue
        for finder in family.finders:
            for span in finder(found.text, ctx):
                if span.entity_type == SECRET and span.start < span.end:
                    for start, end in dumps.row_spans(found, span.start, span.end):
                        yield Span(start, end, SECRET, span.score)


class Family(NamedTuple):
    """Recognizers that share one trigger: the trigger must match wherever any of them does."""

    trigger: str  # Hyperscan syntax (no look-around), matched case-insensitively
    finders: tuple[_Finder, ...]


FAMILIES: Final = (
    Family(r"\d\.\d{1,3}\.\d{1,3}\.\d", (_ipv4,)),
    Family(r"::|[0-9a-f]{0,4}:[0-9a-f]{0,4}:[0-9a-f]{0,4}:[0-9a-f]{0,4}:", (_ipv6,)),
    Family(
        r"[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}"
        r"|[0-9a-f]{2}-[0-9a-f]{2}-[0-9a-f]{2}-[0-9a-f]{2}-[0-9a-f]{2}-[0-9a-f]{2}"
        r"|[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}",
        (_mac,),
    ),
    Family(r"(?:@|%40)[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2}", (_email,)),
    Family(r"\+\d|\(\d{3}\)|\d{3}-\d{3}-\d{4}", (_phone,)),
    Family(
        rf"{_MONTH} +\d{{1,2}} \d\d:\d\d:\d\d |\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d", (_syslog_hosts,)
    ),
    Family(
        r"(?:node|compute|worker|gpu|srv|server|vm)-?[a-z]?\d"
        r"|[a-z][a-z0-9_.-]*/\d{1,3}\.\d{1,3}\.\d{1,3}\.\d",
        (_named_hosts,),
    ),
    Family(r"://|rhost=", (_context_hosts,)),
    Family(
        r"user|logname=|login=|uname=|for \S+ from |acls to: |/home/|/Users/|\\Users\\"
        r"|/usercache/|/staging/",
        (_users,),
    ),
    Family(r"-----BEGIN", (_groups(_PRIVATE_KEY),)),
    *(Family(trigger, tuple(map(_secrets, finders))) for trigger, finders in credentials.FAMILIES),
    *(Family(trigger, tuple(map(_secrets, finders))) for trigger, finders in formats.FAMILIES),
    *(Family(trigger, tuple(map(_secrets, finders))) for trigger, finders in payloads.FAMILIES),
    Family(r"eyJ", (_groups(_JWT),)),
    # a block of hex dump rows (the sanitizer keeps consecutive rows together)
    Family(
        r"^[ \t]*(?:0x)?[0-9a-f]{4,16}:?[ \t]+[0-9a-f]{2}",  # a row's start (view() wants two)
        (_dump_secrets,),
    ),
    Family(
        r"age-secret-key-|akia|asia|agpa|aida|aroa|aipa|anpa|anva|aiza|ya29\.|gh[pousr]_"
        r"|github_pat_|gl[a-z]+-"
        r"|npm_|xox|xapp-|[sr]k_|c[ks]_[0-9a-f]{8}|whsec_|sg\.|sk-|hv[sbr]\.|s\.[a-z0-9]{24}"
        r"|01000000d08c9ddf0115d1118c7a00c04fc297eb|mt:[0-9a-z.-]{19}"
        r"|[a-z0-9]{4,6}-[a-z0-9]{4,6}-[a-z0-9]{4,6}-[a-z0-9]{4,6}|[0-9a-f]{32}-[0-9a-f]{2}",
        (_groups(_VENDOR_KEYS),),
    ),
    Family(r"\d{4}[ -]?\d{4}[ -]?\d{4}[ -]?\d", (_cards,)),
    Family(r"\d{3}-\d{2}-\d{4}|[a-z]{2} ?\d{2} ?\d{2} ?\d{2} ?[a-d]", (_national_ids,)),
    Family("", (_fqdn_hosts,)),  # the trigger depends on the internal domains: see Scanner
)


def is_host_name(name: str, ctx: Context) -> bool:
    lower = name.lower()
    if lower in ctx.allow or lower in LOCAL_HOSTS or lower.removeprefix("www.") in PUBLIC_DOC_HOSTS:
        return False
    labels = name.split(".")
    if any(label.endswith("-") or len(label) > 63 for label in labels):
        return False
    if ctx.is_internal(lower):
        return True
    tld = labels[-1]
    # Mixed-case last labels are class names (org.apache.hadoop.Foo), not top-level domains.
    if not (tld.islower() or tld.isupper()) or tld.lower() not in TLDS:
        return False
    return not (len(labels) > 2 and labels[0].lower() in _PACKAGE_ROOTS)


def _elsewhere(text: str, names: set[str]) -> Iterator[Span]:
    """Other occurrences on the line of host names found by context: "Old: web1/10.0.0.1 New:
    web1:9000", Thunderbird's "dn228 Nov 9 12:01:01 dn228/dn228"."""
    for name in names:
        at = text.find(name)
        while at >= 0:
            end = at + len(name)
            if not _glued(text[at - 1 : at], text[end : end + 1]):
                yield Span(at, end, HOST, 0.5)
            at = text.find(name, end)


def _glued(before: str, after: str) -> bool:
    """Whether a name between these characters is part of a longer word."""
    return (bool(before) and (before.isalnum() or before in "_.-")) or (
        bool(after) and (after.isalnum() or after in "_-")
    )


def _card_prefix(digits: str) -> bool:
    """Issuer ranges of Visa, Mastercard, Amex, Discover, JCB, Diners (long ids fail here)."""
    two, four = int(digits[:2]), int(digits[:4])
    return (
        digits[0] == "4"
        or 51 <= two <= 55
        or 2221 <= four <= 2720
        or two in (34, 37, 36, 38, 65)
        or digits.startswith("6011")
        or 3528 <= four <= 3589
        or 300 <= int(digits[:3]) <= 305
    )


def is_ip_address(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


class Scanner:
    """All recognizers for one :class:`Context`, behind a Hyperscan prefilter when available."""

    def __init__(self, ctx: Context, *, prefilter: bool = True) -> None:
        self.ctx = ctx
        *fixed, fqdn = FAMILIES
        # Names under a configured internal domain end in a label that is no public TLD.
        labels = sorted({d.rsplit(".", 1)[-1] for d in ctx.internal} | TLDS)
        tld = r"\.(?:" + "|".join(map(re.escape, labels)) + r")(?:[^a-z0-9_(-]|$)"
        families = [*fixed, Family(tld, fqdn.finders)]
        if ctx.inventory:
            names = "|".join(re.escape(name) for name in sorted(ctx.inventory))
            families.append(Family(names, (_inventory_hosts,)))
        self._families = tuple(families)
        self._database = _compile(tuple(f.trigger for f in families)) if prefilter else None

    @property
    def prefiltered(self) -> bool:
        return self._database is not None

    def find(self, text: str) -> list[Span]:
        """Every span any recognizer reports in ``text`` (they may overlap)."""
        return self.find_many([text])[0]

    def find_many(self, texts: Sequence[str]) -> list[list[Span]]:
        """:meth:`find` for each text, with one Hyperscan call for all of them."""
        if self._database is None:
            every = range(len(self._families))
            return [self._run(text, every) for text in texts]
        # A newline after each text: no trigger crosses one, so a hit belongs to one text.
        data = [text.encode("utf-8", "surrogatepass") + b"\n" for text in texts]
        ends = list(itertools.accumulate(map(len, data)))
        hits: list[tuple[int, int]] = []
        self._database.scan(b"".join(data), match_event_handler=_collect, context=hits)
        chosen: list[set[int]] = [set() for _ in texts]
        for family, end in hits:
            chosen[bisect.bisect_left(ends, end)].add(family)
        return [self._run(text, families) for text, families in zip(texts, chosen, strict=True)]

    def _run(self, text: str, chosen: Iterable[int]) -> list[Span]:
        spans: list[Span] = []
        for i in chosen:
            for finder in self._families[i].finders:
                spans.extend(finder(text, self.ctx))
        # Dotted names are found wherever they are; a short one only where context says so.
        hosts = [s for s in spans if s.entity_type == HOST and s.score < 0.9]
        names = {text[s.start : s.end] for s in hosts} - {""}
        names = {name for name in names if "." not in name}
        if not names:
            return spans
        known = {s.start for s in hosts}
        return [*spans, *(s for s in _elsewhere(text, names) if s.start not in known)]


def _collect(family: int, start: int, end: int, flags: int, hits: list[tuple[int, int]]) -> None:
    hits.append((family, end))


def _compile(triggers: tuple[str, ...]) -> Any:
    """A Hyperscan block-mode database of the triggers, or None where Hyperscan is missing.

    Each call returns a database of its own (with its own scratch space, which Hyperscan does not
    share between threads); the compiled form is shared, see :func:`_compiled`.
    """
    try:
        import hyperscan
    except ImportError:  # no wheel for this platform: every family runs on every line
        return None
    database = hyperscan.loadb(_compiled(triggers), hyperscan.HS_MODE_BLOCK)
    database.scratch = hyperscan.Scratch(database)
    return database


@functools.lru_cache(maxsize=8)  # one compile per configuration, not per incident
def _compiled(triggers: tuple[str, ...]) -> bytes:
    """The serialized database of the triggers (Hyperscan is importable here).

    Compiling takes ~0.2 s, as long as sanitizing a megabyte; so it is also kept in a cache
    directory (``REMEDIATE_CACHE_DIR``, else ``$XDG_CACHE_HOME/remediate``) for the next process.
    A missing, unreadable or foreign file is simply recompiled.
    """
    import hyperscan

    flags = hyperscan.HS_FLAG_CASELESS | hyperscan.HS_FLAG_MULTILINE
    key = hashlib.sha256(
        repr((triggers, flags, getattr(hyperscan, "__version__", ""), platform.machine())).encode()
    ).hexdigest()[:32]
    path = _cache_dir() / f"triggers-{key}.hsdb"
    try:
        serialized = path.read_bytes()
        hyperscan.loadb(serialized, hyperscan.HS_MODE_BLOCK)  # raises on a damaged file
        return serialized
    except (OSError, ValueError, TypeError, hyperscan.error):
        pass
    database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    database.compile(
        expressions=[t.encode() for t in triggers],
        ids=list(range(len(triggers))),
        elements=len(triggers),
        flags=[flags] * len(triggers),
    )
    serialized = hyperscan.dumpb(database)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_bytes(serialized)
        os.replace(partial, path)
    except OSError:  # a read-only home: compile once per process
        pass
    return bytes(serialized)


def _cache_dir() -> Path:
    explicit = os.environ.get("REMEDIATE_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "remediate"
