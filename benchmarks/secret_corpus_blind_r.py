# ruff: noqa: E501, RUF001, UP031
"""Sealed blind corpus R.

Written by helper R on 2026-12-03 without reading the sanitizer, its tests,
other corpora or benchmarks.  Everything here was composed from general
knowledge of the real tools' documented syntaxes.

Theme: secrets as they really appear in logs, config dumps, shell history,
CLI output, tickets and chat in mainframe/midrange (RACF, JCL, TSO/CICS/IMS,
DB2, FTP to MVS, IBM i CL), SAP (RFC, HANA hdbuserstore, SAProuter, GUI,
sapcontrol, BAPI), data engineering (Airflow, dbt, Hadoop/Spark, Hive/Impala,
Kafka, Snowflake, Databricks/BigQuery, Trino, ClickHouse, Debezium), HPC and
research computing (Slurm, MUNGE, Globus, iRODS, Jupyter, pip/conda, R,
MATLAB), mobile release (Android signing, fastlane/App Store Connect,
Firebase, CodePush, Expo), telephony (Asterisk, FreeSWITCH, Kamailio, CPaaS
keys, SIP digest, voicemail PINs), printers/badge readers/door controllers/
NVRs, retail and payments (POS, ISO 8583, key injection, PSP keys, loyalty),
e-filing/government/legal portals, library and museum systems, and human text
(runbooks, postmortems, chat, tickets, e-mail, voicemail transcripts) in
English, Portuguese, Italian, Dutch, Polish, Turkish, Russian, Ukrainian,
Vietnamese, Thai, Chinese, Swahili, Finnish and Czech.  The keep-list holds
diagnostic identifiers from the same domains (job ids, SMF sequence numbers,
transport requests, offsets, application ids, digests, trace ids, KCVs, KSNs,
STAN/RRN/TID, Call-IDs, checksums, case numbers ...) that must survive.

SEED = 20261217, VARIANTS = 2 (every template rendered twice with fresh
secrets and fresh surrounding names, deterministically).

Counts printed by _check():
{'families': 44, 'case_templates': 441, 'cases': 882, 'values': 980,
 'keep_templates': 125, 'keep_entries': 250, 'keep_tokens': 300}
"""

from __future__ import annotations

import base64
import json
import random
import re
import string
from typing import NamedTuple
from urllib.parse import quote

SEED = 20261217
VARIANTS = 2


class Case(NamedTuple):
    family: str
    format: str
    lines: tuple[str, ...]
    values: tuple[str, ...]


class Keep(NamedTuple):
    format: str
    lines: tuple[str, ...]
    tokens: tuple[str, ...]


# ---------------------------------------------------------------------------
# pools
# ---------------------------------------------------------------------------

_LOW = string.ascii_lowercase
_UP = string.ascii_uppercase
_DIG = string.digits
_AN = _LOW + _UP + _DIG
_HEX = "0123456789abcdef"
_HEXU = "0123456789ABCDEF"
_B64 = _AN + "+/"
_B64U = _AN + "-_"
_SYM = "!#*.-_+=~^@"
_USYM = "!*.-_~"

_FIRST = [
    "anna",
    "bruno",
    "carla",
    "dmytro",
    "eszter",
    "fatma",
    "giulia",
    "hugo",
    "ines",
    "jakub",
    "kenji",
    "lucas",
    "marta",
    "minh",
    "olga",
    "pieter",
    "quang",
    "rosa",
    "sanna",
    "tomas",
    "ugo",
    "vera",
    "wanjiru",
    "xin",
    "yusuf",
    "zofia",
    "aiko",
    "bao",
    "chiara",
    "daan",
    "emre",
    "filip",
    "grace",
    "hanna",
    "ivan",
    "joao",
    "kasia",
    "lars",
    "mei",
    "noor",
    "otto",
    "paulo",
    "rania",
    "tuan",
    "urszula",
    "vito",
    "wei",
    "yara",
    "zuzana",
    "amani",
    "baraka",
    "juha",
    "leena",
    "somchai",
    "niran",
    "ondrej",
    "petra",
    "sven",
    "oksana",
    "beatriz",
]
_LAST = [
    "silva",
    "rossi",
    "devries",
    "kowalski",
    "yilmaz",
    "ivanov",
    "shevchenko",
    "nguyen",
    "saelim",
    "wang",
    "mwangi",
    "virtanen",
    "novak",
    "jansen",
    "ferreira",
    "bianchi",
    "nowak",
    "demir",
    "petrov",
    "bondarenko",
    "tran",
    "chen",
    "otieno",
    "korhonen",
    "dvorak",
    "bakker",
    "santos",
    "romano",
    "wisniewski",
    "kaya",
    "smirnov",
    "kovalenko",
    "pham",
    "kamau",
    "makinen",
    "svoboda",
    "visser",
    "oliveira",
    "esposito",
    "lindqvist",
    "okafor",
    "moretti",
]
_WORDS = [
    "harbor",
    "falcon",
    "orchid",
    "summit",
    "copper",
    "meadow",
    "lantern",
    "violet",
    "thunder",
    "maple",
    "cobalt",
    "saffron",
    "breeze",
    "granite",
    "willow",
    "pepper",
    "marble",
    "comet",
    "river",
    "ember",
    "juniper",
    "velvet",
    "atlas",
    "nimbus",
    "quartz",
    "tango",
    "zephyr",
    "cactus",
    "puffin",
    "walrus",
    "biscuit",
    "mango",
    "canyon",
    "glacier",
    "sparrow",
    "hazel",
    "tundra",
    "basil",
    "rocket",
    "pixel",
    "monsoon",
    "badger",
    "lotus",
    "cricket",
    "anchor",
    "saudade",
    "girasole",
    "fietsbel",
    "bursztyn",
    "lale",
    "sauna",
    "hvezda",
    "tartaruga",
    "molen",
    "kalina",
    "rafiki",
    "sakura",
    "phoenix",
    "dragon",
    "barcelona",
    "liverpool",
    "spurs",
    "ferrari",
    "pikachu",
    "gandalf",
    "snoopy",
    "chelsea",
    "bolacha",
    "kotek",
]
_PHRASE_WORDS = [
    "amber",
    "apple",
    "autumn",
    "bridge",
    "candle",
    "castle",
    "cloud",
    "coffee",
    "copper",
    "desert",
    "dinner",
    "eagle",
    "engine",
    "forest",
    "garden",
    "ginger",
    "harbor",
    "island",
    "jacket",
    "kettle",
    "ladder",
    "lemon",
    "magnet",
    "marble",
    "meadow",
    "mirror",
    "orange",
    "oyster",
    "paper",
    "pencil",
    "pepper",
    "planet",
    "pocket",
    "rabbit",
    "river",
    "saddle",
    "silver",
    "spider",
    "stone",
    "sunset",
    "table",
    "teapot",
    "ticket",
    "tiger",
    "tulip",
    "velvet",
    "violin",
    "walnut",
    "window",
    "winter",
    "yellow",
    "zebra",
    "lighthouse",
    "tram",
]
_SEASONS = [
    "Spring",
    "Summer",
    "Autumn",
    "Winter",
    "Janeiro",
    "Marzo",
    "Kwiecien",
    "Haziran",
    "Syyskuu",
    "Listopad",
    "December",
    "October",
    "Natal",
    "Pasqua",
]
_DOMAINS = [
    "corp.example.com",
    "example.net",
    "int.example.org",
    "acme.local",
    "bank.example",
    "lib.example.edu",
    "hosp.example.org",
    "retail.example.co.uk",
    "example.com.br",
    "example.it",
    "example.nl",
    "example.pl",
    "gov.example.cz",
    "uni.example.fi",
]
_HOSTPFX = [
    "sapprd",
    "mvs",
    "lpar",
    "db2",
    "etl",
    "kafka-b",
    "spark-m",
    "hpc-login",
    "dtn",
    "pbx",
    "sip",
    "prn",
    "nvr",
    "pos",
    "acs",
    "koha",
    "efile",
    "jupyter",
    "trino",
    "ch",
    "airflow",
    "gw",
    "app",
    "hana",
    "as400",
    "dwh",
    "irods",
    "slurmctl",
    "build",
    "mfp",
]

# ---------------------------------------------------------------------------
# small helpers
# ---------------------------------------------------------------------------


def L(*lines: str) -> str:
    return "\n".join(lines)


def _rs(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _rbytes(rng: random.Random, n: int) -> bytes:
    return bytes(rng.randrange(256) for _ in range(n))


def _base36(n: int) -> str:
    digs = "0123456789abcdefghijklmnopqrstuvwxyz"
    if n == 0:
        return "0"
    out = ""
    while n:
        n, r = divmod(n, 36)
        out = digs[r] + out
    return out


def _jetty_obf(s: str) -> str:
    b = s.encode()
    out = ["OBF:"]
    for i in range(len(b)):
        b1 = b[i]
        b2 = b[len(b) - (i + 1)]
        i0 = (127 + b1 + b2) * 256 + (127 + b1 - b2)
        out.append(_base36(i0).rjust(4, "0"))
    return "".join(out)


def _luhn(prefix: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(prefix)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return prefix + str((10 - total % 10) % 10)


def _pan(rng: random.Random) -> str:
    start = rng.choice(["4", "51", "52", "53", "54", "55", "2221"])
    return _luhn(start + _rs(rng, _DIG, 15 - len(start)))


def _has_classes(s: str) -> bool:
    return (
        any(c.islower() for c in s) and any(c.isupper() for c in s) and any(c.isdigit() for c in s)
    )


# ---------------------------------------------------------------------------
# secret generators
# ---------------------------------------------------------------------------


def _human(rng: random.Random, syms: str = _SYM) -> str:
    w = rng.choice(_WORDS)
    w2 = rng.choice(_WORDS)
    s = rng.choice(syms)
    p = rng.randrange(8)
    if p == 0:
        return w.capitalize() + str(rng.randint(1968, 2026)) + s
    if p == 1:
        return w.capitalize() + s + str(rng.randint(10, 999))
    if p == 2:
        return w + w2.capitalize() + str(rng.randint(1, 99))
    if p == 3:
        return rng.choice(_SEASONS) + str(rng.randint(2019, 2027)) + s
    if p == 4:
        return w.capitalize() + "_" + w2 + str(rng.randint(1, 9999))
    if p == 5:
        return rng.choice(_FIRST).capitalize() + str(rng.randint(1960, 2012)) + s
    if p == 6:
        return w.upper()[:5] + s + w2 + str(rng.randint(0, 99))
    return w2.capitalize() + str(rng.randint(100, 99999)) + w.capitalize()


def _leet(rng: random.Random, syms: str = _SYM) -> str:
    base = rng.choice(_WORDS) + rng.choice(["", rng.choice(_WORDS)])
    table = {
        "a": "@" if "@" in syms else "4",
        "e": "3",
        "i": "1",
        "o": "0",
        "s": "$" if "$" in syms else "5",
        "t": "7",
    }
    out = []
    for i, ch in enumerate(base):
        if ch in table and rng.random() < 0.65:
            out.append(table[ch])
        elif i == 0 or rng.random() < 0.15:
            out.append(ch.upper())
        else:
            out.append(ch)
    s = "".join(out) + rng.choice(
        ["", "!", str(rng.randint(1, 99)), rng.choice(syms) + str(rng.randint(1, 9))]
    )
    if len(s) < 8:
        s += str(rng.randint(10, 999))
    return s


def _phrase(rng: random.Random, sep: str) -> str:
    n = rng.randint(3, 5)
    words = rng.sample(_PHRASE_WORDS, n)
    if rng.random() < 0.5:
        words[0] = words[0].capitalize()
    if rng.random() < 0.6:
        words.append(str(rng.randint(2, 99)))
    return sep.join(words)


def _random_pw(rng: random.Random, n: int, syms: str) -> str:
    while True:
        s = rng.choice(_AN) + _rs(rng, _AN + syms, n - 1)
        if _has_classes(s):
            return s


def _pw(rng: random.Random, syms: str = _SYM) -> str:
    r = rng.random()
    if r < 0.35:
        return _human(rng, syms)
    if r < 0.55:
        return _leet(rng, syms.replace("$", ""))
    if r < 0.65:
        return _phrase(rng, rng.choice("-._"))
    return _random_pw(rng, rng.randint(12, 22), syms)


def _mvspw(rng: random.Random) -> str:
    p = rng.randrange(4)
    if p == 0:
        w = rng.choice([x for x in _WORDS if len(x) <= 6]).upper()
        return (w + str(rng.randint(10, 99999)))[:8]
    if p == 1:
        return (
            rng.choice(
                ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
            )
            + str(rng.randint(19, 27))
            + rng.choice("@#$")
            + _rs(rng, _UP, 1)
        )
    while True:
        s = rng.choice(_UP) + _rs(rng, _UP + _DIG + "@#$", rng.randint(5, 7))
        if any(c.isdigit() for c in s):
            return s


def _racfphrase(rng: random.Random) -> str:
    words = rng.sample(_PHRASE_WORDS, rng.randint(4, 6))
    words[0] = words[0].capitalize()
    if rng.random() < 0.5:
        words.insert(rng.randrange(1, len(words)), str(rng.randint(2, 2026)))
    return " ".join(words)


def _pin(rng: random.Random, n: int) -> str:
    while True:
        s = _rs(rng, _DIG, n)
        if len(set(s)) >= 3 and s not in "0123456789" and s not in "9876543210":
            return s


def _snmp(rng: random.Random) -> str:
    p = rng.randrange(4)
    if p == 0:
        return (
            rng.choice(["n0c", "mon", "prn", "acs", "cctv", "fac"])
            + "-"
            + rng.choice(["ro", "rw", "read", "mgmt"])
            + "-"
            + str(rng.randint(100, 9999))
        )
    if p == 1:
        return _leet(rng, "!#*-_")
    if p == 2:
        return (
            rng.choice(_WORDS).capitalize()
            + rng.choice(["RO", "Rw", "Snmp", "Mon"])
            + str(rng.randint(10, 999))
        )
    return _random_pw(rng, rng.randint(10, 16), "-_!")


def _pem_body_b64(rng: random.Random) -> str:
    pem = (
        "-----BEGIN PRIVATE KEY-----\nMIGTAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBHkwdwIBAQQg"
        + _rs(rng, _B64, 16)
        + "\n"
        + _rs(rng, _B64, 64)
        + "\n"
        + _rs(rng, _B64, 56)
        + "\n-----END PRIVATE KEY-----\n"
    )
    return _b64(pem.encode())


def _jwt(rng: random.Random) -> str:
    hdr = _b64u(
        json.dumps(
            {"alg": rng.choice(["HS256", "RS256"]), "typ": "JWT"}, separators=(",", ":")
        ).encode()
    )
    iat = 1764700000 + rng.randrange(10**6)
    body = {
        "sub": rng.choice(_FIRST) + rng.choice(_LAST),
        "iat": iat,
        "exp": iat + rng.choice([3600, 86400, 604800]),
    }
    if rng.random() < 0.5:
        body["sun"] = body["sub"]
    pl = _b64u(json.dumps(body, separators=(",", ":")).encode())
    return hdr + "." + pl + "." + _b64u(_rbytes(rng, 32))


def _track2(rng: random.Random) -> str:
    return (
        _pan(rng)
        + "="
        + "%02d%02d" % (rng.randint(27, 31), rng.randint(1, 12))
        + rng.choice(["101", "201", "221"])
        + _rs(rng, _DIG, 12)
    )


def _track1(rng: random.Random) -> str:
    nm = (rng.choice(_LAST) + "/" + rng.choice(_FIRST)).upper()
    return (
        "B"
        + _pan(rng)
        + "^"
        + nm
        + "^"
        + "%02d%02d" % (rng.randint(27, 31), rng.randint(1, 12))
        + "101"
        + _rs(rng, _DIG, 13)
    )


def _basic_pair(rng: random.Random, names: dict, arg: str | None) -> str:
    user = names.get(arg) if arg else None
    if user is None:
        user = rng.choice(_FIRST) + "." + rng.choice(_LAST)
    return _b64((user + ":" + _pw(rng, _USYM)).encode())


def _pct_pw(rng: random.Random) -> str:
    w = rng.choice(_WORDS).capitalize()
    raw = (
        w
        + rng.choice(["@", "#", ":", "/", "%", "?"])
        + str(rng.randint(10, 9999))
        + rng.choice(["!", "@", "#", ""])
    )
    return quote(raw, safe="")


def _b64_sa(rng: random.Random) -> str:
    obj = {
        "type": "service_account",
        "project_id": rng.choice(_WORDS) + "-" + str(rng.randint(100000, 999999)),
        "private_key_id": _rs(rng, _HEX, 40),
        "private_key": "-----BEGIN PRIVATE KEY-----\n"
        + _rs(rng, _B64, 64)
        + "\n-----END PRIVATE KEY-----\n",
    }
    return _b64(json.dumps(obj).encode())


def _b64_jaas(rng: random.Random) -> str:
    s = (
        'org.apache.kafka.common.security.scram.ScramLoginModule required username="'
        + rng.choice(_FIRST)
        + '-svc" password="'
        + _random_pw(rng, 18, "-_")
        + '";'
    )
    return _b64(s.encode())


_SG = {
    "pw": lambda r, a, n: _pw(r),
    "upw": lambda r, a, n: _pw(r, _USYM),
    "hpw": lambda r, a, n: _human(r),
    "leet": lambda r, a, n: _leet(r, _SYM + "$"),
    "phrase": lambda r, a, n: _phrase(r, a or "-"),
    "rnd": lambda r, a, n: _random_pw(r, int(a or 20), _SYM),
    "sippw": lambda r, a, n: (
        _random_pw(r, r.randint(12, 16), "") if r.random() < 0.5 else _pw(r, _USYM)
    ),
    "mvspw": lambda r, a, n: _mvspw(r),
    "i5pw": lambda r, a, n: _mvspw(r) if r.random() < 0.5 else _pw(r, "_#.-"),
    "racfphrase": lambda r, a, n: _racfphrase(r),
    "rtpw": lambda r, a, n: (
        _random_pw(r, r.randint(8, 12), "") if r.random() < 0.5 else _human(r, "_-.!")
    ),
    "pin": lambda r, a, n: _pin(r, int(a or 4)),
    "hex": lambda r, a, n: _rs(r, _HEX, int(a)),
    "HEX": lambda r, a, n: _rs(r, _HEXU, int(a)),
    "alnum": lambda r, a, n: r.choice(_LOW + _UP) + _rs(r, _AN, int(a) - 1),
    "b64": lambda r, a, n: _b64(_rbytes(r, int(a))),
    "b64url": lambda r, a, n: _rs(r, _B64U, int(a)),
    "compg": lambda r, a, n: " ".join(_rs(r, _HEXU, 4) for _ in range(int(a or 8))),
    "jwt": lambda r, a, n: _jwt(r),
    "basic": lambda r, a, n: _basic_pair(r, n, a),
    "b64pw": lambda r, a, n: _b64(_pw(r).encode()),
    "hexpw": lambda r, a, n: _pw(r).encode().hex(),
    "pctpw": lambda r, a, n: _pct_pw(r),
    "obf": lambda r, a, n: _jetty_obf(_pw(r)),
    "stripe_sk": lambda r, a, n: (
        "sk_live_" + (("51" + _rs(r, _AN, 97)) if r.random() < 0.6 else _rs(r, _AN, 24))
    ),
    "stripe_rk": lambda r, a, n: (
        "rk_live_" + (("51" + _rs(r, _AN, 97)) if r.random() < 0.6 else _rs(r, _AN, 24))
    ),
    "whsec": lambda r, a, n: "whsec_" + _rs(r, _AN, 32),
    "adyen": lambda r, a, n: (
        "AQE" + _rs(r, _AN, 57) + "=-" + _rs(r, _B64, 43) + "=-" + _rs(r, _AN, 16)
    ),
    "sq_eaaa": lambda r, a, n: "EAAA" + _rs(r, _B64U, 60),
    "sq0csp": lambda r, a, n: "sq0csp-" + _rs(r, _B64U, 43),
    "dapi": lambda r, a, n: "dapi" + _rs(r, _HEX, 32) + r.choice(["", "-2", "-3"]),
    "aiza": lambda r, a, n: "AIza" + _rs(r, _B64U, 35),
    "fbci": lambda r, a, n: "1//0" + _rs(r, _AN, 2) + "-" + _rs(r, _B64U, 96),
    "expo": lambda r, a, n: _rs(r, _AN, 8) + "_" + _rs(r, _B64U, 31),
    "codepush": lambda r, a, n: _rs(r, _AN, 30) + "-" + _rs(r, _AN, 6),
    "sentry": lambda r, a, n: "sntrys_eyJpYXQiOj" + _rs(r, _B64U, 90),
    "ghp": lambda r, a, n: "ghp_" + _rs(r, _AN, 36),
    "glpat": lambda r, a, n: "glpat-" + _rs(r, _AN + "-_", 20),
    "pypi": lambda r, a, n: "pypi-AgEIcHlwaS5vcmc" + _rs(r, _B64U, 140),
    "hf": lambda r, a, n: "hf_" + _rs(r, _AN, 34),
    "twtok": lambda r, a, n: _rs(r, _HEX, 32),
    "vonage": lambda r, a, n: r.choice(_UP + _LOW) + _rs(r, _AN, 15),
    "plivo": lambda r, a, n: r.choice(_UP + _LOW) + _rs(r, _AN, 39),
    "telnyx": lambda r, a, n: "KEY" + _rs(r, _HEXU, 32) + "_" + _rs(r, _AN, 22),
    "confluent_secret": lambda r, a, n: _rs(r, _AN + "+/", 64),
    "aws_secret": lambda r, a, n: _rs(r, _AN + "+/", 40),
    "azure_key": lambda r, a, n: _b64(_rbytes(r, 64)),
    "pemline": lambda r, a, n: _rs(r, _B64, 64),
    "p8line": lambda r, a, n: "MIGTAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBHkwdwIBAQQg" + _rs(r, _B64, 16),
    "p8tail": lambda r, a, n: _rs(r, _B64, 56),
    "p8b64": lambda r, a, n: _pem_body_b64(r),
    "ya29": lambda r, a, n: "ya29." + _rs(r, _B64U, 150),
    "fernet": lambda r, a, n: base64.urlsafe_b64encode(_rbytes(r, 32)).decode(),
    "conda_tok": lambda r, a, n: _rs(r, _LOW, 2) + "-" + _rs(r, _AN, 32),
    "irodsA": lambda r, a, n: r.choice(_AN) + _rs(r, _AN + "!#%*+-.<=>?@^_~", 15),
    "globus_tok": lambda r, a, n: "Ag" + _rs(r, _AN, 58),
    "p2p": lambda r, a, n: _rs(r, _UP, 6),
    "alma": lambda r, a, n: "l8xx" + _rs(r, _HEX, 32),
    "passticket": lambda r, a, n: r.choice(_UP) + _rs(r, _UP + _DIG, 7),
    "asp": lambda r, a, n: "-".join(_rs(r, _LOW, 4) for _ in range(4)),
    "bcrypt": lambda r, a, n: "$2y$10$" + _rs(r, "./" + _AN, 53),
    "argon2": lambda r, a, n: (
        "argon2:$argon2id$v=19$m=10240,t=10,p=8$"
        + _rs(r, _AN + "+/", 22)
        + "$"
        + _rs(r, _AN + "+/", 43)
    ),
    "snmp": lambda r, a, n: _snmp(r),
    "ggl": lambda r, a, n: "-".join(_rs(r, _HEXU, 4) for _ in range(8)),
    "track2": lambda r, a, n: _track2(r),
    "track1": lambda r, a, n: _track1(r),
    "b64sa": lambda r, a, n: _b64_sa(r),
    "b64jaas": lambda r, a, n: _b64_jaas(r),
    "myacinfo": lambda r, a, n: "DES" + _rs(r, _HEX, 150) + "SRVX",
    "paypal": lambda r, a, n: "E" + _rs(r, _B64U, 79),
    "uuidsec": lambda r, a, n: _uuid(r),
}


# ---------------------------------------------------------------------------
# name (non-secret) generators
# ---------------------------------------------------------------------------


def _user(r: random.Random) -> str:
    f, la = r.choice(_FIRST), r.choice(_LAST)
    return r.choice(
        [f[0] + la, f + "." + la, f + "_" + la[:3], la + f[0], f + str(r.randint(1, 99))]
    )


def _host(r: random.Random) -> str:
    return "%s%02d.%s" % (r.choice(_HOSTPFX), r.randint(1, 40), r.choice(_DOMAINS))


def _ip(r: random.Random) -> str:
    p = r.randrange(3)
    if p == 0:
        return "10.%d.%d.%d" % (r.randint(0, 254), r.randint(0, 254), r.randint(2, 250))
    if p == 1:
        return "172.%d.%d.%d" % (r.randint(16, 31), r.randint(0, 254), r.randint(2, 250))
    return "192.168.%d.%d" % (r.randint(0, 254), r.randint(2, 250))


def _uuid(r: random.Random) -> str:
    h = _rs(r, _HEX, 32)
    h = h[:12] + "4" + h[13:16] + r.choice("89ab") + h[17:]
    return "%s-%s-%s-%s-%s" % (h[:8], h[8:12], h[12:16], h[16:20], h[20:])


def _mvsuser(r: random.Random) -> str:
    return (r.choice(_FIRST)[:3] + r.choice(_LAST)[:1]).upper() + str(r.randint(10, 999))


def _topword(r: random.Random) -> str:
    return r.choice(
        [
            "orders",
            "payments",
            "pos",
            "loyalty",
            "inventory",
            "claims",
            "ledger",
            "clickstream",
            "cdr",
            "badge",
            "tickets",
            "patrons",
        ]
    )


_NG = {
    "user": _user,
    "svc": lambda r: (
        r.choice(["svc_", "etl_", "app-", "batch_", "rpa_", "sa-"])
        + r.choice(_WORDS)[:7]
        + r.choice(["", "_prd", "01", "-ro"])
    ),
    "mvsuser": _mvsuser,
    "i5user": lambda r: (r.choice(_FIRST)[0] + r.choice(_LAST)).upper()[:10],
    "sapuser": lambda r: (
        r.choice(["RFC_", "BATCH_", "WF-", "IF_", ""])
        + (r.choice(_FIRST)[0] + r.choice(_LAST)).upper()[:8]
    ),
    "person": lambda r: r.choice(_FIRST).capitalize() + " " + r.choice(_LAST).capitalize(),
    "PERSON": lambda r: (r.choice(_LAST) + ", " + r.choice(_FIRST)).upper(),
    "first": lambda r: r.choice(_FIRST).capitalize(),
    "email": lambda r: r.choice(_FIRST) + "." + r.choice(_LAST) + "@" + r.choice(_DOMAINS),
    "host": _host,
    "ip": _ip,
    "domain": lambda r: r.choice(_DOMAINS),
    "db": lambda r: (
        r.choice(
            [
                "SALESDW",
                "ORDERS",
                "ledger",
                "analytics",
                "PRODDB",
                "CUSTDB",
                "warehouse",
                "events",
                "billing",
                "crm",
                "hr_core",
                "DWHPRD",
            ]
        )
        + r.choice(["", "2", "_v2", "01"])
    ),
    "DB": lambda r: (
        r.choice(["DSNP", "DB2P", "LOCPRD", "DSN1", "PAYDB", "CICSDB"]) + str(r.randint(1, 9))
    ),
    "schema": lambda r: r.choice(["PUBLIC", "staging", "marts", "raw", "core", "finance", "dbo"]),
    "table": lambda r: (
        r.choice(["customers", "orders", "invoices", "events", "members", "txn_log"])
        + r.choice(["", "_hist", "_v2"])
    ),
    "topic": lambda r: (
        _topword(r) + r.choice([".v1", "-events", ".cdc", "_raw", ".public.customers"])
    ),
    "conn": lambda r: (
        r.choice(
            [
                "pg_dwh",
                "mysql_crm",
                "snowflake_default",
                "s3_landing",
                "http_partner",
                "sftp_bank",
                "mssql_erp",
                "redis_cache",
            ]
        )
        + r.choice(["", "_prd", "_v2", "_eu"])
    ),
    "CONN": lambda r: (
        r.choice(["PG_DWH", "MYSQL_CRM", "ERP_MSSQL", "PARTNER_API", "LEGACY_ORA", "BANK_SFTP"])
        + r.choice(["", "_PRD", "_EU"])
    ),
    "proj": lambda r: r.choice(
        ["analytics", "finance_dbt", "jaffle_shop", "marketing", "dwh_core", "pos_analytics"]
    ),
    "acct": lambda r: (
        _rs(r, _LOW, 2)
        + str(r.randint(10000, 99999))
        + "."
        + r.choice(["eu-central-1", "west-europe.azure", "us-east-1", "ap-southeast-1"])
    ),
    "ws": lambda r: r.choice(
        [
            "adb-%d.%d.azuredatabricks.net" % (r.randint(10**15, 10**16 - 1), r.randint(1, 19)),
            "dbc-%s-%s.cloud.databricks.com" % (_rs(r, _HEX, 8), _rs(r, _HEX, 4)),
        ]
    ),
    "region": lambda r: r.choice(
        ["eu-west-1", "eu-central-1", "us-east-2", "ap-southeast-2", "sa-east-1"]
    ),
    "bucket": lambda r: (
        r.choice(["datalake", "landing", "raw-zone", "exports", "backups"])
        + "-"
        + r.choice(["prd", "eu", "acme", "lab"])
        + str(r.randint(1, 99))
    ),
    "sid": lambda r: r.choice(_UP) + r.choice(_UP + _DIG) + r.choice(_UP + _DIG),
    "client": lambda r: r.choice(["100", "200", "300", "400", "800", "010", "110"]),
    "sysnr": lambda r: r.choice(["00", "01", "02", "10", "20"]),
    "ext": lambda r: str(r.randint(100, 8999)),
    "trunk": lambda r: (
        r.choice(["trunk_", "carrier-", "sbc_", "itsp-"])
        + r.choice(
            ["voxbone", "telia", "colt", "vodafone", "orange", "kpn", "tim", "netia", "turkcell"]
        )
    ),
    "jobname": lambda r: r.choice(_UP) + _rs(r, _UP, 3) + _rs(r, _UP + _DIG, 4),
    "dsn": lambda r: ".".join(
        [
            r.choice(["PROD", "SYS2", "PAY", "HR", "FIN", "OPS"]),
            r.choice(["PAYROLL", "CERTS", "EXTRACT", "GL", "BATCH", "TLS"]),
            r.choice(["P12", "D" + str(r.randint(100, 999)), "MONTHLY", "OUT", "KEYRING"]),
        ]
    ),
    "lib": lambda r: (
        r.choice(["PRODLIB", "APPDTA", "QGPL", "FINLIB", "EDILIB", "WMSDTA"])
        + r.choice(["", "1", "2", "P"])
    ),
    "grp": lambda r: r.choice(
        ["SYS1", "PAYGRP", "OPERGRP", "DBAGRP", "CICSUSR", "BATCHGRP", "TSOUSER"]
    ),
    "alias": lambda r: (
        r.choice(["upload", "release", "key0", "prod-signing", "appstore", "playstore"])
        + r.choice(["", "-2026", "_v2"])
    ),
    "app": lambda r: r.choice(
        [
            "tillpoint",
            "fieldnotes",
            "libraryapp",
            "parkpass",
            "medtrack",
            "loyaltyplus",
            "ticketeer",
        ]
    ),
    "org": lambda r: r.choice(
        ["acme-mobile", "retailco", "citylib", "hospitalgroup", "transitauth"]
    ),
    "bundle": lambda r: (
        "com."
        + r.choice(["acme", "retailco", "citylib", "transit"])
        + "."
        + r.choice(["tillpoint", "fieldnotes", "parkpass", "wallet", "reader"])
    ),
    "cam": lambda r: r.choice(
        ["front_door", "dock_2", "lobby", "parking_n", "server_room", "till_3"]
    ),
    "share": lambda r: r.choice(["scans", "Scan2Folder", "mfp-in", "ScanDrop"]),
    "inst": lambda r: r.choice(["MAIN", "CENTRAL", "UNILIB", "BRANCH" + str(r.randint(1, 9))]),
    "n": lambda r: str(r.randint(1, 64)),
    "num": lambda r: str(r.randint(10000, 99999)),
    "date": lambda r: "2026-%02d-%02d" % (r.randint(1, 12), r.randint(1, 28)),
    "time": lambda r: "%02d:%02d:%02d" % (r.randint(0, 23), r.randint(0, 59), r.randint(0, 59)),
    "kid": lambda r: _rs(r, _UP + _DIG, 10),
    "hex8": lambda r: _rs(r, _HEX, 8),
    "hex16": lambda r: _rs(r, _HEX, 16),
    "uuid": _uuid,
    "kcv": lambda r: _rs(r, _HEXU, 6),
    "ksn": lambda r: "FFFF" + _rs(r, _HEXU, 11) + "E0" + _rs(r, _HEXU, 3),
    "stan": lambda r: "%06d" % r.randint(1, 999999),
    "rrn": lambda r: "6%03d%02d%06d" % (r.randint(1, 365), r.randint(0, 23), r.randint(0, 999999)),
    "tid": lambda r: r.choice(["T", "4", "8", "P"]) + _rs(r, _DIG, 7),
    "mid": lambda r: "0000" + _rs(r, _DIG, 11),
    "label": lambda r: (
        r.choice(["PAYGW", "MQTLS", "ZOSMF", "CICSWEB", "SFTPCLI"])
        + "-"
        + r.choice(["TLS", "CLIENT", "SRV"])
        + "-"
        + str(r.randint(2024, 2027))
    ),
    "key": lambda r: (
        r.choice(["BACKUP", "SAPDBCTRL", "DEFAULT", "MONITOR", "ETLKEY", "HDBCOCKPIT"])
        + r.choice(["", "1", "_TEN", "_SYS"])
    ),
    "scope": lambda r: r.choice(["etl-prod", "kv-ds", "ml-secrets", "finance"]),
    "dest": lambda r: (
        r.choice(["Z_RFC_", "ZBW_", "ZCRM_", "ZPI_"])
        + r.choice(["BW", "CRM", "MDG", "SOLMAN", "ARIBA", "EWM"])
        + r.choice(["", "_100", "_PRD"])
    ),
    "twsid": lambda r: "AC" + _rs(r, _HEX, 32),
    "twsk": lambda r: "SK" + _rs(r, _HEX, 32),
    "plivoid": lambda r: "MA" + _rs(r, _UP + _DIG, 18),
    "ckey": lambda r: _rs(r, _UP + _DIG, 16),
    "word": lambda r: r.choice(_WORDS),
    "panmask": lambda r: (
        r.choice(["476173", "520082", "545454", "222100"]) + "******" + _rs(r, _DIG, 4)
    ),
    "mac": lambda r: ":".join(_rs(r, _HEXU, 2) for _ in range(6)),
    "serial": lambda r: r.choice(["CNB", "VNB", "JPB", "SG7"]) + _rs(r, _UP + _DIG, 7),
    "wh": lambda r: _rs(r, _HEX, 16),
    "city": lambda r: r.choice(
        [
            "Lisboa",
            "Milano",
            "Utrecht",
            "Gdansk",
            "Izmir",
            "Kyiv",
            "Tampere",
            "Brno",
            "Hanoi",
            "Chiang Mai",
            "Mombasa",
            "Suzhou",
        ]
    ),
    "store": lambda r: str(r.randint(100, 999)),
    "lane": lambda r: str(r.randint(1, 24)),
    "appl": lambda r: r.choice(["CICSPRD1", "TSOPLEX", "IMSP", "MQWEB", "DB2PLOC"]),
    "node": lambda r: r.choice(["cn", "gpu", "fat", "node"]) + "%03d" % r.randint(1, 512),
    "part": lambda r: r.choice(["gpu", "compute", "bigmem", "short", "long"]),
    "zone": lambda r: r.choice(["tempZone", "researchZone", "nlumc", "uuZone", "labZone"]),
    "SID": lambda r: r.choice(["PRD", "QAS", "DEV", "S4P", "BWP", "ECP", "HDB", "H01"]),
    "sidl": lambda r: r.choice(["prd", "qas", "dev", "s4p", "bwp", "ecp", "h01", "erp"]),
    "cks": lambda r: _rs(r, _HEXU, 4),
}


# ---------------------------------------------------------------------------
# rendering engine
# ---------------------------------------------------------------------------

_TOKEN_RE = re.compile(r"⟦([^⟦⟧]+)⟧|⟨([^⟨⟩]+)⟩")


def _spec(spec: str) -> tuple[str, str | None, str | None]:
    label = None
    if "#" in spec:
        spec, label = spec.split("#", 1)
    arg = None
    if ":" in spec:
        spec, arg = spec.split(":", 1)
    return spec, arg, label


def _names_pass(rng: random.Random, text: str) -> tuple[list, dict]:
    names: dict[str, str] = {}
    parts: list = []
    pos = 0
    anon = 0
    for m in _TOKEN_RE.finditer(text):
        parts.append(("lit", text[pos : m.start()]))
        pos = m.end()
        if m.group(2) is not None:
            kind, _arg, label = _spec(m.group(2))
            if label is None:
                anon += 1
                label = "_n%d" % anon
            if label not in names:
                if kind not in _NG:
                    raise KeyError("unknown name kind %r" % kind)
                names[label] = _NG[kind](rng)
            parts.append(("lit", names[label]))
        else:
            parts.append(("sec", m.group(1)))
    parts.append(("lit", text[pos:]))
    return parts, names


# ---------------------------------------------------------------------------
# case templates:  ⟦secret-kind[:arg][#label]⟧   ⟨name-kind[#label]⟩
# ---------------------------------------------------------------------------

_CT: list[tuple[str, str, str]] = []


def _fam(family: str, *items: tuple[str, str]) -> None:
    for fmt, text in items:
        _CT.append((family, fmt, text))


_fam(
    "racf_commands",
    (
        "TSO READY ALTUSER PASSWORD()",
        L("READY", "ALTUSER ⟨mvsuser⟩ PASSWORD(⟦mvspw⟧) NOEXPIRED", "READY"),
    ),
    (
        "TSO ALU PHRASE('...') passphrase",
        L("READY", "ALU ⟨mvsuser⟩ PHRASE('⟦racfphrase⟧') NOEXPIRED", "READY"),
    ),
    (
        "ADDUSER with TSO segment",
        "ADDUSER ⟨mvsuser⟩ NAME('⟨PERSON⟩') DFLTGRP(⟨grp#g⟩) OWNER(⟨grp#g⟩) PASSWORD(⟦mvspw⟧) TSO(ACCTNUM(⟨num⟩) PROC(IKJACCNT) SIZE(4096))",
    ),
    (
        "RACF PASSWORD command current/new",
        L("READY", "PASSWORD PASSWORD(⟦mvspw⟧ ⟦mvspw⟧)", "READY"),
    ),
    (
        "IKJEFT1B batch SYSTSIN ALU",
        L(
            "//RACFRST  JOB (ACCT),'PW RESET',CLASS=A,MSGCLASS=X,NOTIFY=&SYSUID",
            "//STEP1    EXEC PGM=IKJEFT1B",
            "//SYSTSPRT DD SYSOUT=*",
            "//SYSTSIN  DD *",
            "  ALU ⟨mvsuser#u⟩ PASSWORD(⟦mvspw⟧) EXPIRED",
            "  ALU ⟨mvsuser#u⟩ RESUME",
            "/*",
        ),
    ),
    (
        "RACDCERT ADD pkcs12 PASSWORD",
        "RACDCERT ID(⟨mvsuser⟩) ADD('⟨dsn⟩') WITHLABEL('⟨label⟩') PASSWORD('⟦pw⟧') TRUST",
    ),
    (
        "REXX exec composing ALU",
        L(
            "/* REXX - bulk reset for service desk */",
            "uid   = '⟨mvsuser#u⟩'",
            "newpw = '⟦mvspw⟧'",
            '"ALU" uid "PASSWORD("newpw") NOEXPIRED"',
            "SAY 'RC='RC 'for' uid",
        ),
    ),
    (
        "CA Top Secret TSS REPLACE PASSWORD",
        L("TSS REPLACE(⟨mvsuser⟩) PASSWORD(⟦mvspw⟧,30)", "TSS0300I  REPLACE  FUNCTION SUCCESSFUL"),
    ),
    (
        "ACF2 CHANGE logonid PASSWORD",
        L("ACF", "SET LID", "CHANGE ⟨mvsuser⟩ PASSWORD(⟦mvspw⟧)", "END"),
    ),
    (
        "change record with ALU PASSWORD+PHRASE",
        L(
            "Change CHG0⟨num⟩ implementation step 3:",
            "  ALU ⟨mvsuser#u⟩ PASSWORD(⟦mvspw⟧) PHRASE('⟦racfphrase⟧') NOEXPIRED RESUME",
        ),
    ),
)

_fam(
    "zos_jcl_zowe",
    (
        "JCL JOB card USER=/PASSWORD=",
        L(
            "//⟨jobname⟩ JOB (ACCT),'⟨PERSON⟩',CLASS=A,MSGCLASS=X,",
            "//         USER=⟨mvsuser⟩,PASSWORD=⟦mvspw⟧",
            "//STEP01   EXEC PGM=IEFBR14",
        ),
    ),
    (
        "JCL JOB card PASSWORD=(old,new)",
        L(
            "//⟨jobname⟩ JOB 1,NOTIFY=&SYSUID,USER=⟨mvsuser⟩,",
            "//             PASSWORD=(⟦mvspw⟧,⟦mvspw⟧)",
        ),
    ),
    (
        "batch FTP INPUT DD with password line",
        L(
            "//FTPSTEP  EXEC PGM=FTP,PARM='⟨host⟩ (EXIT'",
            "//OUTPUT   DD SYSOUT=*",
            "//INPUT    DD *",
            "⟨mvsuser⟩",
            "⟦mvspw⟧",
            "BINARY",
            "PUT '⟨dsn⟩' /inbound/extract.bin",
            "QUIT",
            "/*",
        ),
    ),
    (
        "JCL SET symbol and JESJCL substitution echo",
        L(
            "// SET PW=⟦mvspw#p⟧",
            "//⟨jobname#j⟩ JOB ,USER=⟨mvsuser#u⟩,PASSWORD=&PW",
            "IEFC653I SUBSTITUTION JCL - ,USER=⟨mvsuser#u⟩,PASSWORD=⟦mvspw#p⟧",
        ),
    ),
    (
        "BPXBATCH STDENV DD env password",
        L(
            "//RUNPY    EXEC PGM=BPXBATCH,PARM='SH python3 /u/etl/load.py'",
            "//STDENV   DD *",
            "DB_HOST=⟨host⟩",
            "DB_USER=⟨user⟩",
            "DB_PASSWORD=⟦pw⟧",
            "/*",
        ),
    ),
    (
        "BPXBATCH curl -u in PARM",
        "//CURL     EXEC PGM=BPXBATCH,PARM='SH curl -s -u ⟨user⟩:⟦upw⟧ https://⟨host⟩/api/v1/upload'",
    ),
    (
        "z/OSMF REST curl -u",
        'curl -k -u ⟨mvsuser⟩:⟦mvspw⟧ -H "X-CSRF-ZOSMF-HEADER: true" https://⟨host⟩/zosmf/restjobs/jobs?owner=*',
    ),
    (
        "zowe profiles create --password",
        "zowe profiles create zosmf-profile ⟨word⟩ --host ⟨host⟩ --port 443 --user ⟨mvsuser⟩ --password ⟦mvspw⟧ --reject-unauthorized false",
    ),
    (
        "zowe jobs submit inline --password",
        "zowe zos-jobs submit data-set \"⟨dsn⟩(RUNJOB)\" --host ⟨host⟩ --user ⟨mvsuser⟩ --password '⟦mvspw⟧' --view-all-spool-content",
    ),
    (
        "zowe.config.json unsecured password",
        L(
            '"profiles": {',
            '  "zosmf": {',
            '    "type": "zosmf",',
            '    "properties": { "host": "⟨host⟩", "port": 10443, "user": "⟨mvsuser⟩", "password": "⟦mvspw⟧" }',
            "  }",
        ),
    ),
    (
        "ZOWE_OPT_PASSWORD env export",
        L(
            "export ZOWE_OPT_USER=⟨mvsuser⟩",
            "export ZOWE_OPT_PASSWORD=⟦mvspw⟧",
            'zowe zos-files list ds "⟨dsn⟩*"',
        ),
    ),
)

_fam(
    "tso_cics_ims_signon",
    (
        "s3270 script String()",
        L(
            "Connect(⟨host⟩:23)",
            "Wait(InputField)",
            'String("⟨mvsuser⟩")',
            "Enter()",
            'String("⟦mvspw⟧")',
            "Enter()",
        ),
    ),
    (
        "TSO logon panel screen-scrape",
        L(
            "------------------------------- TSO/E LOGON -----------------------------------",
            " Userid    ===> ⟨mvsuser⟩",
            " Password  ===> ⟦mvspw⟧",
            " Procedure ===> IKJACCNT       Group Ident ===>",
        ),
    ),
    ("CICS CESN USERID= PASSWORD=", "CESN USERID=⟨mvsuser⟩,PASSWORD=⟦mvspw⟧"),
    (
        "COBOL EXEC CICS SIGNON with literal",
        L(
            "           MOVE '⟨mvsuser⟩' TO WS-USERID.",
            "           MOVE '⟦mvspw⟧' TO WS-PASSWD.",
            "           EXEC CICS SIGNON USERID(WS-USERID) PASSWORD(WS-PASSWD)",
            "                RESP(WS-RESP) END-EXEC.",
        ),
    ),
    (
        "CTG ECIRequest constructor",
        'ECIRequest eci = new ECIRequest(ECIRequest.ECI_SYNC, "⟨appl⟩", "⟨mvsuser⟩", "⟦mvspw⟧", "PAYINQ01", null, commarea, commarea.length);',
    ),
    (
        "py3270 send_string",
        L(
            "em.send_string('⟨mvsuser⟩')",
            "em.send_enter()",
            "em.send_string('⟦mvspw⟧')",
            "em.send_enter()",
        ),
    ),
    ("TSO LOGON userid/password", "LOGON ⟨mvsuser⟩/⟦mvspw⟧ PROC(ISPFPROC) SIZE(8192)"),
    ("TSO LOGON userid/password/newpassword", "LOGON ⟨mvsuser⟩/⟦mvspw⟧/⟦mvspw⟧ ACCT(⟨num⟩)"),
    ("IMS /SIGN ON command", "/SIGN ON ⟨mvsuser⟩ ⟦mvspw⟧"),
)

_fam(
    "db2_connect",
    ("db2 CLP connect ... using", "db2 connect to ⟨DB⟩ user ⟨user⟩ using ⟦pw⟧"),
    (
        "db2 connect with NEW/CONFIRM",
        'db2 "connect to ⟨DB⟩ user ⟨user⟩ using ⟦pw⟧ new ⟦pw#n⟧ confirm ⟦pw#n⟧"',
    ),
    (
        "db2cli.ini DSN section",
        L(
            "[⟨DB⟩]",
            "Database=⟨DB⟩",
            "Hostname=⟨host⟩",
            "Port=50000",
            "Protocol=TCPIP",
            "UID=⟨user⟩",
            "PWD=⟦pw⟧",
        ),
    ),
    (
        "JCC JDBC URL properties",
        "jdbc:db2://⟨host⟩:446/⟨DB⟩:user=⟨user⟩;password=⟦pw⟧;sslConnection=true;",
    ),
    (
        "ibm_db connection string",
        'conn = ibm_db.connect("DATABASE=⟨DB⟩;HOSTNAME=⟨host⟩;PORT=50000;PROTOCOL=TCPIP;UID=⟨user⟩;PWD=⟦pw⟧;", "", "")',
    ),
    (
        "bash history with db2 connect",
        L(
            "  511  db2 list db directory",
            "  512  db2 connect to ⟨DB⟩ user ⟨user⟩ using '⟦pw⟧'",
            '  513  db2 "select count(*) from ⟨schema⟩.⟨table⟩"',
        ),
    ),
    (
        "federation CREATE USER MAPPING",
        "CREATE USER MAPPING FOR ⟨user⟩ SERVER ⟨word⟩_SRV OPTIONS (REMOTE_AUTHID '⟨svc⟩', REMOTE_PASSWORD '⟦pw⟧');",
    ),
    ("CLPPlus user/password@host", "clpplus -nw ⟨user⟩/⟦upw⟧@⟨host⟩:50000/⟨DB⟩"),
)

_fam(
    "mvs_ftp",
    (
        "packet capture FTP PASS",
        L(
            "FTP  Request: USER ⟨mvsuser#u⟩",
            "FTP  Response: 331 Send password please.",
            "FTP  Request: PASS ⟦mvspw⟧",
            'FTP  Response: 230 ⟨mvsuser#u⟩ is logged on.  Working directory is "⟨mvsuser#u⟩.".',
        ),
    ),
    (".netrc machine login password", "machine ⟨host⟩ login ⟨mvsuser⟩ password ⟦mvspw⟧"),
    (
        "curl ftp -u to MVS dataset",
        "curl --ftp-ssl -u ⟨mvsuser⟩:⟦mvspw⟧ \"ftp://⟨host⟩/'⟨dsn⟩'\" -o extract.txt",
    ),
    (
        "ftp URL with credentials",
        "⟨date⟩ ⟨time⟩ INFO fetch ftp://⟨mvsuser⟩:⟦mvspw⟧@⟨host⟩/%27⟨dsn⟩%27 -> /data/in/",
    ),
    (
        "python ftplib JES submit",
        L(
            "ftp = FTP('⟨host⟩')",
            "ftp.login('⟨mvsuser⟩', '⟦mvspw⟧')",
            "ftp.sendcmd('SITE FILETYPE=JES')",
        ),
    ),
    (
        "lftp -u user,pass",
        'lftp -u ⟨mvsuser⟩,⟦mvspw⟧ -e "quote site filetype=jes; put job.jcl; bye" ⟨host⟩',
    ),
    (
        "expect script send password",
        L(
            "spawn ftp ⟨host⟩",
            'expect "Name*:"',
            'send "⟨mvsuser⟩\\r"',
            'expect "Password:"',
            'send "⟦mvspw⟧\\r"',
        ),
    ),
    (
        "ftp> user name password",
        L(
            "ftp> user ⟨mvsuser#u⟩ ⟦mvspw⟧",
            '230 ⟨mvsuser#u⟩ is logged on.  Working directory is "/u/⟨user⟩".',
        ),
    ),
    (
        "WinSCP script open ftp URL",
        "open ftp://⟨mvsuser⟩:⟦upw⟧@⟨host⟩/ -explicit -rawsettings FtpListAll=0",
    ),
)

_fam(
    "ibmi_cl",
    (
        "CHGUSRPRF PASSWORD()",
        "CHGUSRPRF USRPRF(⟨i5user⟩) PASSWORD(⟦i5pw⟧) PWDEXP(*YES) STATUS(*ENABLED)",
    ),
    (
        "CRTUSRPRF with PASSWORD",
        "CRTUSRPRF USRPRF(⟨i5user⟩) PASSWORD(⟦i5pw⟧) USRCLS(*USER) INLMNU(*SIGNOFF) TEXT('⟨person⟩')",
    ),
    (
        "ADDSVRAUTE server auth entry",
        "ADDSVRAUTE USRPRF(⟨i5user#u⟩) SERVER(QDDMDRDASERVER) USRID(⟨i5user#u⟩) PASSWORD(⟦i5pw⟧)",
    ),
    (
        "RUNRMTCMD RMTPWD",
        "RUNRMTCMD CMD('dir c:\\exports') RMTLOCNAME(⟨host⟩ *IP) RMTUSER(⟨user⟩) RMTPWD(⟦pw⟧)",
    ),
    (
        "DSPJOBLOG with STRHOSTSVR and CHGUSRPRF",
        L(
            "4 > STRTCPSVR SERVER(*FTP)",
            "4 > STRHOSTSVR SERVER(*ALL)",
            "    Host server daemon jobs started.",
            "4 > CHGUSRPRF USRPRF(⟨i5user⟩) PASSWORD(⟦i5pw⟧)",
        ),
    ),
    (
        "jt400 JDBC URL",
        "jdbc:as400://⟨host⟩;naming=system;libraries=⟨lib⟩;user=⟨i5user⟩;password=⟦i5pw⟧;secure=true",
    ),
    (
        "ODBC connection string IBM i Access",
        "DRIVER={IBM i Access ODBC Driver};SYSTEM=⟨host⟩;UID=⟨i5user⟩;PWD=⟦i5pw⟧;DBQ=⟨lib⟩;NAM=1",
    ),
    (
        "SBMJOB with password PARM",
        "SBMJOB CMD(CALL PGM(⟨lib⟩/FTPPUT) PARM('⟨i5user⟩' '⟦i5pw⟧' '⟨host⟩')) JOB(FTPPUT) JOBQ(QBATCH)",
    ),
    (
        "Java toolbox AS400 constructor",
        'AS400 sys = new AS400("⟨host⟩", "⟨i5user⟩", "⟦i5pw⟧".toCharArray());',
    ),
)

_fam(
    "sap_rfc_destinations",
    (
        "sapnwrfc.ini DEST block",
        L(
            "DEST=⟨dest⟩",
            "ASHOST=⟨host⟩",
            "SYSNR=⟨sysnr⟩",
            "CLIENT=⟨client⟩",
            "USER=⟨sapuser⟩",
            "PASSWD=⟦pw⟧",
            "LANG=EN",
        ),
    ),
    (
        "pyrfc Connection kwargs",
        "conn = Connection(ashost='⟨host⟩', sysnr='⟨sysnr⟩', client='⟨client⟩', user='⟨sapuser⟩', passwd='⟦pw⟧')",
    ),
    (
        "JCo .jcoDestination properties",
        L(
            "jco.client.ashost=⟨host⟩",
            "jco.client.sysnr=⟨sysnr⟩",
            "jco.client.client=⟨client⟩",
            "jco.client.user=⟨sapuser⟩",
            "jco.client.passwd=⟦pw⟧",
            "jco.client.lang=en",
        ),
    ),
    (
        "BTP destination JSON RFC",
        '{"Name":"⟨dest⟩","Type":"RFC","jco.client.ashost":"⟨host⟩","jco.client.client":"⟨client⟩","jco.client.user":"⟨sapuser⟩","jco.client.passwd":"⟦pw⟧","jco.client.sysnr":"⟨sysnr⟩"}',
    ),
    (
        "node-rfc Client params",
        "const client = new Client({ ashost: '⟨host⟩', sysnr: '⟨sysnr⟩', client: '⟨client⟩', user: '⟨sapuser⟩', passwd: '⟦pw⟧', lang: 'EN' });",
    ),
    (
        "Java Properties toString debug",
        "DEBUG DestinationProvider - {jco.client.client=⟨client⟩, jco.client.passwd=⟦pw⟧, jco.client.user=⟨sapuser⟩, jco.client.ashost=⟨host⟩, jco.client.sysnr=⟨sysnr⟩}",
    ),
    (
        "BTP HTTP destination BasicAuthentication",
        L(
            "Name=⟨dest⟩",
            "Type=HTTP",
            "URL=https://⟨host⟩:44300",
            "Authentication=BasicAuthentication",
            "User=⟨sapuser⟩",
            "Password=⟦pw⟧",
        ),
    ),
    (
        "startrfc command line",
        "startrfc -h ⟨host⟩ -s ⟨sysnr⟩ -c ⟨client⟩ -u ⟨sapuser⟩ -p ⟦pw⟧ -l EN -F Z_TRIGGER_IDOC_RESEND",
    ),
    (
        "Ansible sap_user password",
        L(
            "- name: create RFC user",
            "  community.sap_libs.sap_user:",
            "    conn_username: ⟨sapuser⟩",
            '    conn_password: "⟦pw⟧"',
            "    host: ⟨host⟩",
            "    username: ⟨sapuser#t⟩_RFC",
            '    password: "⟦pw⟧"',
        ),
    ),
)

_fam(
    "sap_hana_userstore",
    (
        "hdbuserstore SET key host:port user pw",
        "hdbuserstore SET ⟨key⟩ ⟨host⟩:30015 ⟨sapuser⟩ ⟦pw⟧",
    ),
    (
        "hdbuserstore -i SET tenant @SID",
        '/usr/sap/⟨SID#s⟩/HDB00/exe/hdbuserstore -i SET ⟨key⟩ "⟨host⟩:30013@⟨SID#s⟩" SYSTEM ⟦pw⟧',
    ),
    ("hdbsql -n -u -p", 'hdbsql -n ⟨host⟩:30015 -u SYSTEM -p ⟦pw⟧ "SELECT * FROM M_DATABASES"'),
    (
        "hdbsql -i -d SYSTEMDB quoted password",
        "hdbsql -i 00 -d SYSTEMDB -u SYSTEM -p '⟦pw⟧' -x \"BACKUP DATA USING FILE ('COMPLETE')\"",
    ),
    (
        "HANA JDBC URL",
        "jdbc:sap://⟨host⟩:30015/?databaseName=⟨SID⟩&user=⟨sapuser⟩&password=⟦upw⟧&encrypt=true",
    ),
    (
        "hdbcli dbapi.connect",
        "conn = dbapi.connect(address='⟨host⟩', port=30015, user='⟨sapuser⟩', password='⟦pw⟧', encrypt=True)",
    ),
    (
        "HANA SQL ALTER USER PASSWORD",
        'ALTER USER ⟨sapuser⟩ PASSWORD "⟦pw⟧" NO FORCE_FIRST_PASSWORD_CHANGE;',
    ),
    (
        "hdblcm command line passwords",
        "./hdblcm --action=install --sid=⟨SID⟩ --number=00 --sapadm_password=⟦pw⟧ --password=⟦pw⟧ --system_user_password=⟦pw⟧ --batch",
    ),
    (
        "hdblcm XML password file",
        '<?xml version="1.0" encoding="UTF-8"?><Passwords><password><![CDATA[⟦pw⟧]]></password><sapadm_password><![CDATA[⟦pw⟧]]></sapadm_password><system_user_password><![CDATA[⟦pw⟧]]></system_user_password></Passwords>',
    ),
)

_fam(
    "sap_router_gui_admin",
    ("SAProuter route string with /W/", "route=/H/⟨ip⟩/S/3299/W/⟦rtpw⟧/H/⟨host⟩/S/32⟨sysnr⟩"),
    (
        "saprouttab P entry with password",
        L("# saprouttab", "P  ⟨ip⟩  ⟨host⟩  32⟨sysnr⟩  ⟦rtpw⟧", "D  *  *  *"),
    ),
    (
        "sapshcut -pw=",
        "sapshcut.exe -system=⟨SID⟩ -client=⟨client⟩ -user=⟨sapuser⟩ -pw=⟦pw⟧ -language=EN -maxgui",
    ),
    (
        "sapshcut with -sysname and -command",
        '"C:\\Program Files\\SAP\\FrontEnd\\SAPgui\\sapshcut.exe" -sysname="⟨SID⟩ Production" -client=⟨client⟩ -user=⟨sapuser⟩ -pw="⟦pw⟧" -command=SM37',
    ),
    (
        "sapcontrol -user sidadm pw",
        "sapcontrol -nr ⟨sysnr⟩ -host ⟨host⟩ -user ⟨sidl⟩adm ⟦pw⟧ -function GetProcessList",
    ),
    (
        "SE37 test data BAPI_USER_CHANGE",
        L(
            "Function module   BAPI_USER_CHANGE",
            "Import parameters      Value",
            "  USERNAME             ⟨sapuser⟩",
            "  PASSWORD",
            "    BAPIPWD            ⟦pw⟧",
            "  PASSWORDX",
            "    BAPIPWD            X",
        ),
    ),
    (
        "pyrfc call BAPI_USER_CHANGE",
        "conn.call('BAPI_USER_CHANGE', USERNAME='⟨sapuser⟩', PASSWORD={'BAPIPWD': '⟦pw⟧'}, PASSWORDX={'BAPIPWD': 'X'}, PRODUCTIVE_PWD='X')",
    ),
    (
        "SAP GUI scripting VBS RSYST-BCODE",
        L(
            'session.findById("wnd[0]/usr/txtRSYST-BNAME").text = "⟨sapuser⟩"',
            'session.findById("wnd[0]/usr/pwdRSYST-BCODE").text = "⟦pw⟧"',
            'session.findById("wnd[0]").sendVKey 0',
        ),
    ),
    (
        "saphostctrl -user sapadm",
        "/usr/sap/hostctrl/exe/saphostctrl -host ⟨host⟩ -user sapadm ⟦pw⟧ -function ListInstances",
    ),
)

_fam(
    "airflow_connections",
    (
        "AIRFLOW_CONN_ env URI",
        "export AIRFLOW_CONN_⟨CONN⟩='postgres://⟨user⟩:⟦upw⟧@⟨host⟩:5432/⟨db⟩'",
    ),
    (
        "airflow connections add --conn-password",
        "airflow connections add '⟨conn⟩' --conn-type 'mysql' --conn-host '⟨host⟩' --conn-login '⟨user⟩' --conn-password '⟦pw⟧' --conn-port '3306'",
    ),
    (
        "airflow connections add --conn-uri",
        "airflow connections add '⟨conn⟩' --conn-uri 'mssql://⟨svc⟩:⟦upw⟧@⟨host⟩:1433/⟨db⟩?encrypt=yes'",
    ),
    (
        "AIRFLOW_CONN_ JSON form",
        'AIRFLOW_CONN_⟨CONN⟩=\'{"conn_type": "http", "login": "⟨svc⟩", "password": "⟦pw⟧", "host": "⟨host⟩", "schema": "https"}\'',
    ),
    ("airflow.cfg fernet_key", L("[core]", "executor = CeleryExecutor", "fernet_key = ⟦fernet⟧")),
    (
        "airflow.cfg sql_alchemy_conn",
        L(
            "[database]",
            "sql_alchemy_conn = postgresql+psycopg2://airflow:⟦upw⟧@⟨host⟩:5432/airflow",
        ),
    ),
    (
        "airflow.cfg webserver secret_key",
        L("[webserver]", "base_url = https://⟨host⟩", "secret_key = ⟦b64:24⟧"),
    ),
    (
        "airflow connections get -o yaml",
        L(
            "conn_id: ⟨conn⟩",
            "conn_type: postgres",
            "host: ⟨host⟩",
            "login: ⟨user⟩",
            "password: ⟦pw⟧",
            "port: 5432",
        ),
    ),
    (
        "celery broker and result backend",
        L(
            "[celery]",
            "broker_url = redis://:⟦upw⟧@⟨host⟩:6379/0",
            "result_backend = db+postgresql://airflow:⟦upw⟧@⟨host⟩/airflow",
        ),
    ),
    (
        "Helm values metadataConnection.pass",
        L(
            "data:",
            "  metadataConnection:",
            "    user: airflow",
            '    pass: "⟦pw⟧"',
            "    host: ⟨host⟩",
            "    db: airflow",
        ),
    ),
    ("airflow variables set API key", "airflow variables set ⟨word⟩_partner_api_key ⟦alnum:32⟧"),
)

_fam(
    "dbt_profiles",
    (
        "profiles.yml postgres password",
        L(
            "⟨proj⟩:",
            "  target: prod",
            "  outputs:",
            "    prod:",
            "      type: postgres",
            "      host: ⟨host⟩",
            "      user: ⟨svc⟩",
            "      password: ⟦pw⟧",
            "      port: 5432",
            "      dbname: ⟨db⟩",
            "      schema: ⟨schema⟩",
            "      threads: 8",
        ),
    ),
    (
        "profiles.yml snowflake password",
        L(
            "    dev:",
            "      type: snowflake",
            "      account: ⟨acct⟩",
            "      user: ⟨user⟩",
            '      password: "⟦pw⟧"',
            "      role: TRANSFORMER",
            "      warehouse: TRANSFORMING",
        ),
    ),
    (
        "profiles.yml private_key_passphrase",
        L(
            "      authenticator: snowflake_jwt",
            "      private_key_path: /home/⟨user⟩/.ssh/rsa_key.p8",
            "      private_key_passphrase: ⟦pw⟧",
        ),
    ),
    (
        "profiles.yml bigquery keyfile_json private_key",
        L(
            "      method: service-account-json",
            "      keyfile_json:",
            "        type: service_account",
            "        client_email: dbt@⟨word⟩.iam.gserviceaccount.com",
            '        private_key: "-----BEGIN PRIVATE KEY-----\\n⟦pemline⟧\\n⟦pemline⟧\\n-----END PRIVATE KEY-----\\n"',
        ),
    ),
    (
        "profiles.yml databricks token",
        L(
            "      type: databricks",
            "      host: ⟨ws⟩",
            "      http_path: /sql/1.0/warehouses/⟨wh⟩",
            "      token: ⟦dapi⟧",
        ),
    ),
    ("env_var with default literal", "      password: \"{{ env_var('DBT_PASSWORD', '⟦pw⟧') }}\""),
    (
        "dbt run --vars JSON",
        'dbt run --select marts.finance --vars \'{"partner_api_key": "⟦alnum:40⟧", "run_date": "⟨date⟩"}\'',
    ),
    ("DBT_ENV_SECRET_ export", "export DBT_ENV_SECRET_GIT_TOKEN=⟦ghp⟧"),
    (
        "profiles.yml trino ldap",
        L(
            "      type: trino",
            "      method: ldap",
            "      user: ⟨user⟩",
            "      password: ⟦pw⟧",
            "      host: ⟨host⟩",
            "      port: 443",
        ),
    ),
)

_fam(
    "hadoop_spark_config",
    (
        "core-site.xml fs.s3a.secret.key",
        L(
            "<property>",
            "  <name>fs.s3a.secret.key</name>",
            "  <value>⟦aws_secret⟧</value>",
            "</property>",
        ),
    ),
    (
        "hive-site.xml ConnectionPassword",
        L(
            "<property>",
            "  <name>javax.jdo.option.ConnectionPassword</name>",
            "  <value>⟦pw⟧</value>",
            "</property>",
        ),
    ),
    (
        "spark-submit --conf secret key",
        "spark-submit --master yarn --conf spark.hadoop.fs.s3a.access.key=⟨kid⟩ --conf spark.hadoop.fs.s3a.secret.key=⟦aws_secret⟧ etl_job.py",
    ),
    (
        "spark-defaults azure account key",
        "spark.hadoop.fs.azure.account.key.⟨word⟩lake.dfs.core.windows.net  ⟦azure_key⟧",
    ),
    (
        "ssl-server.xml keystore passwords",
        L(
            "<property><name>ssl.server.keystore.password</name><value>⟦pw⟧</value></property>",
            "<property><name>ssl.server.keystore.keypassword</name><value>⟦pw⟧</value></property>",
        ),
    ),
    ("spark.authenticate.secret", "spark.authenticate.secret ⟦hex:32⟧"),
    (
        "hadoop credential create -value",
        "hadoop credential create fs.s3a.secret.key -value ⟦aws_secret⟧ -provider jceks://hdfs/user/⟨user⟩/s3.jceks",
    ),
    (
        "pyspark spark.conf.set account key",
        'spark.conf.set("fs.azure.account.key.⟨word⟩.blob.core.windows.net", "⟦azure_key⟧")',
    ),
    (
        "Spark UI environment table",
        L(
            "| Name                                               | Value |",
            "| spark.hadoop.javax.jdo.option.ConnectionPassword   | ⟦pw⟧ |",
            "| spark.app.name                                     | nightly-⟨word⟩ |",
        ),
    ),
    (
        "sqoop import --password",
        "sqoop import --connect jdbc:mysql://⟨host⟩/⟨db⟩ --username ⟨svc⟩ --password ⟦pw⟧ --table ⟨table#t⟩ --target-dir /data/raw/⟨table#t⟩",
    ),
)

_fam(
    "hive_impala_jdbc",
    (
        "beeline -n -p",
        "beeline -u \"jdbc:hive2://⟨host⟩:10000/default;ssl=true\" -n ⟨user⟩ -p '⟦pw⟧'",
    ),
    (
        "hive2 URL with user/password session vars",
        'beeline -u "jdbc:hive2://⟨host⟩:10001/default;transportMode=http;httpPath=cliservice;user=⟨user⟩;password=⟦upw⟧"',
    ),
    (
        "impala-shell --ldap_password_cmd",
        'impala-shell -i ⟨host⟩:21000 -l -u ⟨user⟩ --ldap_password_cmd="echo -n ⟦pw⟧" --ssl',
    ),
    (
        "Cloudera Impala JDBC AuthMech=3",
        "jdbc:impala://⟨host⟩:21050/default;AuthMech=3;UID=⟨user⟩;PWD=⟦pw⟧;SSL=1",
    ),
    (
        "odbc.ini Impala DSN",
        L(
            "[Impala ⟨word⟩]",
            "Driver=/opt/cloudera/impalaodbc/lib/64/libclouderaimpalaodbc64.so",
            "HOST=⟨host⟩",
            "PORT=21050",
            "AuthMech=3",
            "UID=⟨user⟩",
            "PWD=⟦pw⟧",
        ),
    ),
    (
        "impyla connect LDAP",
        "conn = connect(host='⟨host⟩', port=21050, auth_mechanism='LDAP', user='⟨user⟩', password='⟦pw⟧', use_ssl=True)",
    ),
    ("hue.ini secret_key", L("[desktop]", "  secret_key=⟦rnd:40⟧", "  http_host=0.0.0.0")),
    (
        "hue.ini database password",
        L(
            "  [[database]]",
            "    engine=postgresql_psycopg2",
            "    host=⟨host⟩",
            "    user=hue",
            "    password=⟦pw⟧",
            "    name=hue",
        ),
    ),
    (
        "SQLException echoing JDBC URI",
        "java.sql.SQLException: Could not open client transport with JDBC Uri: jdbc:hive2://⟨host⟩:10000/default;user=⟨user⟩;password=⟦upw⟧: Peer indicated failure: Error validating the login",
    ),
)

_fam(
    "kafka_jaas_clients",
    (
        "client.properties PLAIN jaas",
        L(
            "security.protocol=SASL_SSL",
            "sasl.mechanism=PLAIN",
            'sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="⟨ckey⟩" password="⟦confluent_secret⟧";',
        ),
    ),
    (
        "client.properties SCRAM jaas",
        'sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="⟨svc⟩" password="⟦pw⟧";',
    ),
    (
        "kafka_server_jaas.conf user_ entries",
        L(
            "KafkaServer {",
            "   org.apache.kafka.common.security.plain.PlainLoginModule required",
            '   username="admin"',
            '   password="⟦pw#a⟧"',
            '   user_admin="⟦pw#a⟧"',
            '   user_⟨svc⟩="⟦pw⟧";',
            "};",
        ),
    ),
    (
        "ssl keystore/key/truststore passwords",
        L(
            "ssl.keystore.location=/etc/kafka/secrets/client.keystore.jks",
            "ssl.keystore.password=⟦pw⟧",
            "ssl.key.password=⟦pw⟧",
            "ssl.truststore.password=⟦pw⟧",
        ),
    ),
    (
        "kafka-configs --add-config SCRAM",
        "kafka-configs.sh --bootstrap-server ⟨host⟩:9092 --alter --add-config 'SCRAM-SHA-512=[password=⟦pw⟧]' --entity-type users --entity-name ⟨svc⟩",
    ),
    (
        "kcat -X sasl.password",
        "kcat -b ⟨host⟩:9092 -X security.protocol=SASL_SSL -X sasl.mechanisms=PLAIN -X sasl.username=⟨ckey⟩ -X sasl.password=⟦confluent_secret⟧ -L",
    ),
    (
        "confluent api-key create table",
        L(
            "+------------+------------------------------------------------------------------+",
            "| API Key    | ⟨ckey⟩                                                 |",
            "| API Secret | ⟦confluent_secret⟧ |",
            "+------------+------------------------------------------------------------------+",
        ),
    ),
    ("schema registry basic.auth.user.info", "basic.auth.user.info=⟨ckey⟩:⟦confluent_secret⟧"),
    (
        "confluent_kafka python dict",
        "conf = {'bootstrap.servers': '⟨host⟩:9092', 'security.protocol': 'SASL_SSL', 'sasl.mechanisms': 'SCRAM-SHA-256', 'sasl.username': '⟨svc⟩', 'sasl.password': '⟦pw⟧'}",
    ),
)

_fam(
    "snowflake_cli",
    (
        "SNOWSQL_PWD export then snowsql",
        L("export SNOWSQL_PWD='⟦pw⟧'", "snowsql -a ⟨acct⟩ -u ⟨user⟩ -w LOAD_WH -d ⟨db⟩"),
    ),
    (
        "~/.snowsql/config connection",
        L(
            "[connections.⟨word⟩]",
            "accountname = ⟨acct⟩",
            "username = ⟨user⟩",
            "password = ⟦pw⟧",
            "warehousename = ETL_WH",
        ),
    ),
    (
        "connections.toml",
        L(
            "[⟨word⟩]",
            'account = "⟨acct⟩"',
            'user = "⟨svc⟩"',
            'password = "⟦pw⟧"',
            'warehouse = "COMPUTE_WH"',
        ),
    ),
    (
        "Snowflake JDBC URL password=",
        "jdbc:snowflake://⟨acct⟩.snowflakecomputing.com/?user=⟨user⟩&password=⟦upw⟧&warehouse=ETL_WH&db=⟨db⟩",
    ),
    (
        "python connector connect()",
        "ctx = snowflake.connector.connect(user='⟨user⟩', password='⟦pw⟧', account='⟨acct⟩', warehouse='ETL_WH')",
    ),
    (
        "SQLAlchemy snowflake URL",
        "snowflake://⟨svc⟩:⟦upw⟧@⟨acct⟩/⟨db⟩/PUBLIC?warehouse=ETL_WH&role=LOADER",
    ),
    (
        "snow connection add --password",
        "snow connection add --connection-name ⟨word⟩ --account ⟨acct⟩ --user ⟨user⟩ --password ⟦pw⟧ --no-interactive",
    ),
    (
        "ALTER USER SET PASSWORD",
        "ALTER USER ⟨user⟩ SET PASSWORD = '⟦pw⟧' MUST_CHANGE_PASSWORD = FALSE;",
    ),
    (
        "spark connector sfOptions",
        'sfOptions = {"sfURL": "⟨acct⟩.snowflakecomputing.com", "sfUser": "⟨svc⟩", "sfPassword": "⟦pw⟧", "sfDatabase": "⟨db⟩"}',
    ),
)

_fam(
    "databricks_bigquery",
    (".databrickscfg token", L("[DEFAULT]", "host  = https://⟨ws⟩", "token = ⟦dapi⟧")),
    (
        "DATABRICKS_TOKEN export",
        L("export DATABRICKS_HOST=https://⟨ws⟩", "export DATABRICKS_TOKEN=⟦dapi⟧"),
    ),
    (
        "curl Bearer dapi",
        'curl -s -H "Authorization: Bearer ⟦dapi⟧" https://⟨ws⟩/api/2.1/jobs/list',
    ),
    (
        "Databricks JDBC PWD token",
        "jdbc:databricks://⟨ws⟩:443/default;transportMode=http;ssl=1;httpPath=/sql/1.0/warehouses/⟨wh⟩;AuthMech=3;UID=token;PWD=⟦dapi⟧",
    ),
    (
        "databricks secrets put-secret",
        "databricks secrets put-secret ⟨scope⟩ ⟨word⟩-db-password --string-value '⟦pw⟧'",
    ),
    (
        "service account JSON private_key",
        L(
            '  "type": "service_account",',
            '  "project_id": "⟨word⟩-analytics",',
            '  "private_key": "-----BEGIN PRIVATE KEY-----\\n⟦pemline⟧\\n⟦pemline⟧\\n-----END PRIVATE KEY-----\\n",',
        ),
    ),
    ("gcloud print-access-token output", L("$ gcloud auth print-access-token", "⟦ya29⟧")),
    (
        "Simba BigQuery JDBC OAuthAccessToken",
        "jdbc:bigquery://https://www.googleapis.com/bigquery/v2:443;ProjectId=⟨word⟩-dwh;OAuthType=2;OAuthAccessToken=⟦ya29⟧;",
    ),
    (
        "databricks tokens create output",
        L(
            "{",
            '  "token_info": { "comment": "ci", "creation_time": 1764756922000, "token_id": "⟨wh⟩⟨wh⟩⟨wh⟩⟨wh⟩" },',
            '  "token_value": "⟦dapi⟧"',
            "}",
        ),
    ),
)

_fam(
    "trino_clickhouse",
    (
        "TRINO_PASSWORD env then CLI",
        "TRINO_PASSWORD='⟦pw⟧' trino --server https://⟨host⟩:8443 --user ⟨user⟩ --password --catalog hive",
    ),
    (
        "Trino JDBC URL password=",
        "jdbc:trino://⟨host⟩:443/hive/default?user=⟨user⟩&password=⟦upw⟧&SSL=true",
    ),
    ("password.db bcrypt line", "⟨user⟩:⟦bcrypt⟧"),
    (
        "catalog properties connection-password",
        L(
            "connector.name=postgresql",
            "connection-url=jdbc:postgresql://⟨host⟩:5432/⟨db⟩",
            "connection-user=⟨svc⟩",
            "connection-password=⟦pw⟧",
        ),
    ),
    (
        "ldap.bind-password",
        L(
            "password-authenticator.name=ldap",
            "ldap.url=ldaps://⟨host⟩:636",
            "ldap.bind-dn=cn=⟨svc⟩,ou=svc,dc=example,dc=com",
            "ldap.bind-password=⟦pw⟧",
        ),
    ),
    (
        "clickhouse-client --password",
        "clickhouse-client --host ⟨host⟩ --user ⟨user⟩ --password '⟦pw⟧' --secure --query \"SELECT version()\"",
    ),
    (
        "users.xml plaintext password",
        L(
            "<users>",
            "  <⟨svc#s⟩>",
            "    <password>⟦pw⟧</password>",
            "    <networks><ip>::/0</ip></networks>",
            "  </⟨svc#s⟩>",
            "</users>",
        ),
    ),
    ("users.xml password_sha256_hex", "    <password_sha256_hex>⟦hex:64⟧</password_sha256_hex>"),
    (
        "ClickHouse HTTP query string",
        "curl 'http://⟨host⟩:8123/?user=⟨user⟩&password=⟦upw⟧' --data-binary 'SELECT count() FROM system.parts'",
    ),
    (
        "CREATE USER IDENTIFIED BY",
        "CREATE USER ⟨svc⟩ IDENTIFIED WITH sha256_password BY '⟦pw⟧' HOST ANY;",
    ),
)

_fam(
    "debezium_connectors",
    (
        "curl POST connector JSON",
        L(
            'curl -X POST -H "Content-Type: application/json" http://⟨host⟩:8083/connectors -d \'{',
            '  "name": "⟨db⟩-cdc",',
            '  "config": {',
            '    "connector.class": "io.debezium.connector.postgresql.PostgresConnector",',
            '    "database.hostname": "⟨host⟩",',
            '    "database.user": "debezium",',
            '    "database.password": "⟦pw⟧",',
            '    "topic.prefix": "⟨word⟩"',
            "  }",
            "}'",
        ),
    ),
    (
        "GET connector config one-line JSON",
        '{"connector.class":"io.debezium.connector.mysql.MySqlConnector","database.hostname":"⟨host⟩","database.port":"3306","database.user":"cdc","database.password":"⟦pw⟧","database.server.id":"184054"}',
    ),
    (
        "FileConfigProvider secrets file cat",
        L("$ cat /opt/kafka/secrets/mysql.properties", "user=cdc_⟨word⟩", "password=⟦pw⟧"),
    ),
    (
        "schema history producer jaas escaped",
        '    "schema.history.internal.producer.sasl.jaas.config": "org.apache.kafka.common.security.plain.PlainLoginModule required username=\\"⟨ckey⟩\\" password=\\"⟦confluent_secret⟧\\";",',
    ),
    (
        "converter basic.auth.user.info",
        '    "value.converter.basic.auth.user.info": "⟨ckey⟩:⟦confluent_secret⟧",',
    ),
    (
        "Debezium Server application.properties",
        L(
            "debezium.source.connector.class=io.debezium.connector.sqlserver.SqlServerConnector",
            "debezium.source.database.hostname=⟨host⟩",
            "debezium.source.database.password=⟦pw⟧",
        ),
    ),
    (
        "MongoDB connection string",
        '    "mongodb.connection.string": "mongodb://⟨svc⟩:⟦upw⟧@⟨host⟩:27017/?replicaSet=rs0&authSource=admin",',
    ),
    (
        "Strimzi KafkaConnector CRD",
        L(
            "spec:",
            "  class: io.debezium.connector.sqlserver.SqlServerConnector",
            "  config:",
            "    database.hostname: ⟨host⟩",
            "    database.user: cdc_reader",
            '    database.password: "⟦pw⟧"',
        ),
    ),
    (
        "S3 sink aws.secret.access.key",
        '    "aws.access.key.id": "⟨kid⟩", "aws.secret.access.key": "⟦aws_secret⟧", "s3.bucket.name": "⟨bucket⟩"',
    ),
)

_fam(
    "slurm_batch_env",
    (
        "sbatch --export with password",
        L(
            "$ sbatch --export=ALL,DB_PASS=⟦pw⟧ --partition=⟨part⟩ run_etl.sh",
            "Submitted batch job ⟨num⟩⟨n⟩",
        ),
    ),
    (
        "#SBATCH script export WANDB_API_KEY",
        L(
            "#!/bin/bash",
            "#SBATCH --job-name=train-⟨word⟩",
            "#SBATCH --gres=gpu:4",
            "export WANDB_API_KEY=⟦hex:40⟧",
            "srun python train.py",
        ),
    ),
    ("srun --export HF_TOKEN", "srun --export=ALL,HF_TOKEN=⟦hf⟧ -p ⟨part⟩ python fetch_weights.py"),
    (
        "slurmdbd.conf StoragePass",
        L(
            "AuthType=auth/munge",
            "DbdHost=⟨host⟩",
            "StorageType=accounting_storage/mysql",
            "StorageHost=⟨host⟩",
            "StorageUser=slurm",
            "StoragePass=⟦pw⟧",
        ),
    ),
    ("scontrol token output", L("$ scontrol token lifespan=7200", "SLURM_JWT=⟦jwt⟧")),
    (
        "slurmrestd curl headers",
        'curl -s -H "X-SLURM-USER-NAME: ⟨user⟩" -H "X-SLURM-USER-TOKEN: ⟦jwt⟧" http://⟨host⟩:6820/slurm/v0.0.40/jobs',
    ),
    (
        "set -x trace in slurm-N.out",
        L(
            "+ module load mariadb/10.11",
            "+ mysql -h ⟨host⟩ -u ⟨svc⟩ -p⟦pw⟧ -e 'LOAD DATA LOCAL INFILE ...'",
        ),
    ),
    (
        "printenv dump in job output",
        L(
            "SLURM_JOB_NODELIST=⟨node⟩",
            "SLURM_NTASKS=⟨n⟩",
            "AWS_SECRET_ACCESS_KEY=⟦aws_secret⟧",
            "AWS_DEFAULT_REGION=⟨region⟩",
        ),
    ),
    ("base64 of jwt_hs256.key", L("$ sudo base64 /var/spool/slurmctld/jwt_hs256.key", "⟦b64:32⟧")),
    (
        "ood_portal.yml oidc_client_secret",
        L(
            "oidc_uri: /oidc",
            "oidc_provider_metadata_url: https://⟨host⟩/realms/hpc/.well-known/openid-configuration",
            "oidc_client_id: ondemand",
            'oidc_client_secret: "⟦alnum:32⟧"',
        ),
    ),
    (
        "APPTAINER_DOCKER_PASSWORD env",
        L(
            "export APPTAINER_DOCKER_USERNAME=⟨user⟩",
            "export APPTAINER_DOCKER_PASSWORD=⟦pw⟧",
            "apptainer pull docker://registry.⟨domain⟩/lab/pipeline:latest",
        ),
    ),
)

_fam(
    "munge_globus",
    (
        "base64 of munge.key head",
        L("$ base64 /etc/munge/munge.key | head -3", "⟦b64:57⟧", "⟦b64:57⟧", "⟦b64:57⟧"),
    ),
    ("ansible var munge_key", 'munge_key: "⟦b64:96⟧"'),
    (
        "GLOBUS_CLIENT_SECRET export",
        L("export GLOBUS_CLIENT_ID=⟨uuid⟩", "export GLOBUS_CLIENT_SECRET=⟦b64:32⟧"),
    ),
    (
        "GCS_CLI_CLIENT_SECRET env",
        L(
            "export GCS_CLI_CLIENT_ID=⟨uuid⟩",
            "export GCS_CLI_CLIENT_SECRET=⟦b64:32⟧",
            "globus-connect-server endpoint show",
        ),
    ),
    (
        "globusconnectpersonal -setup key",
        "globusconnectpersonal -setup --setup-key ⟦uuidsec⟧ --no-gui",
    ),
    (
        "ConfidentialAppAuthClient in code",
        'client = globus_sdk.ConfidentialAppAuthClient("⟨uuid⟩", "⟦b64:32⟧")',
    ),
    (
        "Globus bearer access token",
        'curl -H "Authorization: Bearer ⟦globus_tok⟧" https://transfer.api.globus.org/v0.10/endpoint_search?filter_scope=my-endpoints',
    ),
    (
        "k8s Secret munge.key data",
        L(
            "apiVersion: v1",
            "kind: Secret",
            "metadata:",
            "  name: munge-key",
            "data:",
            "  munge.key: ⟦b64:64⟧",
        ),
    ),
    (
        "client_credentials token curl -u",
        'curl -s -u "⟨uuid⟩:⟦b64:32⟧" https://auth.globus.org/v2/oauth2/token -d grant_type=client_credentials -d scope=urn:globus:auth:scope:transfer.api.globus.org:all',
    ),
)

_fam(
    "irods_auth",
    ("echo password | iinit in history", "  204  echo '⟦pw⟧' | iinit"),
    ("cat .irodsA scrambled", L("$ cat ~/.irods/.irodsA", "⟦irodsA⟧")),
    ("iadmin moduser password", "iadmin moduser ⟨user⟩ password ⟦pw⟧"),
    ("iinit with password argument", "iinit ⟦pw⟧"),
    ("server_config.json negotiation_key", '    "negotiation_key": "⟦alnum:32⟧",'),
    (
        "server_config.json zone_key and control plane key",
        L('    "zone_key": "⟦alnum:24⟧",', '    "server_control_plane_key": "⟦alnum:32⟧",'),
    ),
    (
        "python-irodsclient iRODSSession",
        "with iRODSSession(host='⟨host⟩', port=1247, user='⟨user⟩', password='⟦pw⟧', zone='⟨zone⟩') as session:",
    ),
    (
        "unattended install JSON",
        L(
            '  "admin_password": "⟦pw⟧",',
            '  "host_system_information": { "service_account_user_name": "irods" },',
            '  "server_config": { "zone_name": "⟨zone⟩" }',
        ),
    ),
    (
        "irods_environment with iRODS auth log",
        L(
            "$ iinit",
            "One or more fields in your iRODS environment file (irods_environment.json) are missing; please enter them.",
            "Enter the host name (DNS) of the server to connect to: ⟨host⟩",
            "Enter your current iRODS password:⟦pw⟧",
        ),
    ),
)

_fam(
    "jupyter_tokens",
    (
        "jupyter lab startup URLs",
        L(
            "    To access the server, open this file in a browser:",
            "    Or copy and paste one of these URLs:",
            "        http://⟨node⟩:8888/lab?token=⟦hex:48#t⟧",
            "        http://127.0.0.1:8888/lab?token=⟦hex:48#t⟧",
        ),
    ),
    (
        "jupyter server list",
        L("Currently running servers:", "http://localhost:8888/?token=⟦hex:48⟧ :: /home/⟨user⟩"),
    ),
    ("jupyter_server_config.py token", "c.ServerApp.token = '⟦hex:48⟧'"),
    ("NotebookApp.password argon2 hash", "c.NotebookApp.password = '⟦argon2⟧'"),
    (
        "jupyter lab --ServerApp.token flag",
        "jupyter lab --no-browser --ip=0.0.0.0 --port=8890 --ServerApp.token=⟦alnum:32⟧",
    ),
    ("JUPYTERHUB_API_TOKEN env", "JUPYTERHUB_API_TOKEN=⟦hex:32⟧"),
    (
        "jupyterhub_config services api_token",
        'c.JupyterHub.services = [{"name": "idle-culler", "api_token": "⟦hex:32⟧"}]',
    ),
    ("jupyterhub cookie_secret", "c.JupyterHub.cookie_secret = bytes.fromhex('⟦hex:64⟧')"),
    (
        "z2jh values OAuth client_secret",
        L(
            "hub:",
            "  config:",
            "    GitHubOAuthenticator:",
            "      client_id: ⟨hex16⟩",
            "      client_secret: ⟦hex:40⟧",
        ),
    ),
)

_fam(
    "research_pkg_r_matlab",
    (
        "pip.conf index-url with credentials",
        L("[global]", "index-url = https://⟨user⟩:⟦upw⟧@⟨host⟩/repository/pypi-all/simple"),
    ),
    (
        "PIP_EXTRA_INDEX_URL with glpat",
        "PIP_EXTRA_INDEX_URL=https://__token__:⟦glpat⟧@gitlab.⟨domain⟩/api/v4/projects/⟨n⟩/packages/pypi/simple",
    ),
    (
        ".condarc token channel",
        L(
            "channels:",
            "  - https://conda.anaconda.org/t/⟦conda_tok⟧/⟨word⟩-lab",
            "  - conda-forge",
        ),
    ),
    (".pypirc token", L("[pypi]", "username = __token__", "password = ⟦pypi⟧")),
    ("poetry config http-basic", "poetry config http-basic.⟨word⟩ ⟨user⟩ ⟦pw⟧"),
    (".Renviron GITHUB_PAT", "GITHUB_PAT=⟦ghp⟧"),
    (
        "Rscript Sys.setenv AWS secret",
        'Rscript -e \'Sys.setenv(AWS_SECRET_ACCESS_KEY = "⟦aws_secret⟧"); source("sync_s3.R")\'',
    ),
    (
        "R DBI dbConnect password",
        'con <- dbConnect(RPostgres::Postgres(), host = "⟨host⟩", dbname = "⟨db⟩", user = "⟨user⟩", password = "⟦pw⟧")',
    ),
    ("MATLAB database() call", "conn = database('⟨db⟩','⟨user⟩','⟦pw⟧');"),
    (
        "MATLAB weboptions Password",
        "opts = weboptions('Username','⟨user⟩','Password','⟦pw⟧','Timeout',60);",
    ),
)

_fam(
    "android_signing",
    (
        "build.gradle signingConfigs groovy",
        L(
            "signingConfigs {",
            "    release {",
            '        storeFile file("release.jks")',
            "        storePassword '⟦pw⟧'",
            "        keyAlias '⟨alias⟩'",
            "        keyPassword '⟦pw⟧'",
            "    }",
            "}",
        ),
    ),
    (
        "build.gradle.kts signing config",
        L(
            'create("release") {',
            '    storeFile = file("../keystore/⟨app⟩.jks")',
            '    storePassword = "⟦upw⟧"',
            '    keyAlias = "⟨alias⟩"',
            '    keyPassword = "⟦upw⟧"',
            "}",
        ),
    ),
    (
        "gradle.properties RELEASE_*_PASSWORD",
        L(
            "RELEASE_STORE_FILE=release.keystore",
            "RELEASE_STORE_PASSWORD=⟦pw⟧",
            "RELEASE_KEY_ALIAS=⟨alias⟩",
            "RELEASE_KEY_PASSWORD=⟦pw⟧",
        ),
    ),
    (
        "keystore.properties",
        L(
            "storePassword=⟦pw⟧",
            "keyPassword=⟦pw⟧",
            "keyAlias=⟨alias⟩",
            "storeFile=../upload-keystore.jks",
        ),
    ),
    (
        "apksigner --ks-pass pass:",
        "apksigner sign --ks release.jks --ks-key-alias ⟨alias⟩ --ks-pass pass:⟦pw⟧ --key-pass pass:⟦pw⟧ --out app-release.apk app-release-unsigned.apk",
    ),
    (
        "jarsigner -storepass -keypass",
        "jarsigner -verbose -sigalg SHA256withRSA -digestalg SHA-256 -keystore ⟨app⟩.jks -storepass ⟦pw⟧ -keypass ⟦pw⟧ app-release.aab ⟨alias⟩",
    ),
    (
        "keytool -genkeypair passwords",
        'keytool -genkeypair -v -keystore upload.jks -alias ⟨alias⟩ -keyalg RSA -keysize 2048 -validity 10000 -storepass ⟦pw⟧ -keypass ⟦pw⟧ -dname "CN=⟨person⟩, O=⟨org⟩"',
    ),
    (
        "CI env keystore base64 + password",
        L("ANDROID_KEYSTORE_BASE64=⟦b64:90⟧", "ANDROID_KEYSTORE_PASSWORD=⟦pw⟧"),
    ),
    (
        "gradlew injected signing properties",
        "./gradlew bundleRelease -Pandroid.injected.signing.store.file=$PWD/release.jks -Pandroid.injected.signing.store.password=⟦pw⟧ -Pandroid.injected.signing.key.alias=⟨alias⟩ -Pandroid.injected.signing.key.password=⟦pw⟧",
    ),
)

_fam(
    "fastlane_appstore",
    (
        "MATCH_PASSWORD env on command",
        "MATCH_PASSWORD='⟦pw⟧' bundle exec fastlane match appstore --readonly --app_identifier ⟨bundle⟩",
    ),
    (
        "Matchfile git_url with PAT",
        'git_url("https://⟨user⟩:⟦ghp⟧@github.com/⟨org⟩/certificates.git")',
    ),
    ("MATCH_GIT_BASIC_AUTHORIZATION", "MATCH_GIT_BASIC_AUTHORIZATION=⟦basic⟧"),
    ("app-specific password env", "FASTLANE_APPLE_APPLICATION_SPECIFIC_PASSWORD=⟦asp⟧"),
    ("altool upload -p", "xcrun altool --upload-app -f build/⟨app⟩.ipa -t ios -u ⟨email⟩ -p ⟦asp⟧"),
    (
        "ASC API key JSON with PEM",
        L(
            "{",
            '  "key_id": "⟨kid⟩",',
            '  "issuer_id": "⟨uuid⟩",',
            '  "key": "-----BEGIN PRIVATE KEY-----\\n⟦p8line⟧\\n⟦pemline⟧\\n⟦p8tail⟧\\n-----END PRIVATE KEY-----",',
            '  "in_house": false',
            "}",
        ),
    ),
    (
        "app_store_connect_api_key key_content base64",
        'app_store_connect_api_key(key_id: "⟨kid⟩", issuer_id: "⟨uuid⟩", key_content: "⟦p8b64⟧", is_key_content_base64: true)',
    ),
    ("FASTLANE_USER / FASTLANE_PASSWORD", L("FASTLANE_USER=⟨email⟩", "FASTLANE_PASSWORD=⟦pw⟧")),
    (
        "FASTLANE_SESSION cookie dump",
        "FASTLANE_SESSION='---\\n- !ruby/object:HTTP::Cookie\\n  name: myacinfo\\n  value: ⟦myacinfo⟧\\n  domain: apple.com\\n'",
    ),
    (
        "security unlock-keychain -p",
        "security unlock-keychain -p '⟦pw⟧' ~/Library/Keychains/build.keychain-db",
    ),
    (
        "security import p12 -P",
        "security import dist.p12 -k ~/Library/Keychains/build.keychain-db -P ⟦pw⟧ -T /usr/bin/codesign",
    ),
)

_fam(
    "firebase_codepush_expo",
    (
        "firebase deploy --token",
        'firebase deploy --only hosting --project ⟨word⟩-prod --token "⟦fbci⟧"',
    ),
    (
        "google-services.json current_key",
        L(
            '      "api_key": [',
            "        {",
            '          "current_key": "⟦aiza⟧"',
            "        }",
            "      ],",
        ),
    ),
    (
        "GoogleService-Info.plist API_KEY",
        L(
            "\t<key>API_KEY</key>",
            "\t<string>⟦aiza⟧</string>",
            "\t<key>GCM_SENDER_ID</key>",
            "\t<string>⟨num⟩⟨num⟩</string>",
        ),
    ),
    (
        "FIREBASE_PRIVATE_KEY escaped PEM",
        'FIREBASE_PRIVATE_KEY="-----BEGIN PRIVATE KEY-----\\n⟦pemline⟧\\n⟦pemline⟧\\n-----END PRIVATE KEY-----\\n"',
    ),
    (
        "appcenter codepush release --token",
        "appcenter codepush release-react -a ⟨org⟩/⟨app⟩ -d Production --token ⟦hex:40⟧",
    ),
    (
        "appcenter deployment list -k table",
        L(
            "┌────────────┬────────────────────────────────────────┐",
            "│ Name       │ Key                                    │",
            "├────────────┼────────────────────────────────────────┤",
            "│ Production │ ⟦codepush⟧ │",
            "│ Staging    │ ⟦codepush⟧ │",
            "└────────────┴────────────────────────────────────────┘",
        ),
    ),
    (
        "Info.plist / strings.xml CodePushDeploymentKey",
        L(
            "<key>CodePushDeploymentKey</key>",
            "<string>⟦codepush⟧</string>",
            '<string moduleConfig="true" name="CodePushDeploymentKey">⟦codepush⟧</string>',
        ),
    ),
    (
        "EXPO_TOKEN inline before eas build",
        "EXPO_TOKEN=⟦expo⟧ eas build --platform android --profile production --non-interactive",
    ),
    (
        "eas secret:create --value",
        "eas secret:create --scope project --name SENTRY_AUTH_TOKEN --value ⟦sentry⟧ --type string",
    ),
    (
        "eas env:create secret",
        "eas env:create --name PAYMENTS_API_SECRET --value ⟦alnum:40⟧ --environment production --visibility secret",
    ),
)

_fam(
    "asterisk_config",
    (
        "sip.conf peer secret=",
        L(
            "[⟨ext#e⟩]",
            "type=friend",
            "host=dynamic",
            "secret=⟦sippw⟧",
            "context=internal",
            'callerid="⟨person⟩" <⟨ext#e⟩>',
        ),
    ),
    (
        "pjsip.conf auth userpass",
        L(
            "[⟨ext#e⟩-auth]",
            "type=auth",
            "auth_type=userpass",
            "username=⟨ext#e⟩",
            "password=⟦sippw⟧",
        ),
    ),
    (
        "pjsip.conf trunk outbound auth",
        L(
            "[⟨trunk#t⟩-auth]",
            "type=auth",
            "auth_type=userpass",
            "username=⟨num⟩⟨num⟩",
            "password=⟦sippw⟧",
            "",
            "[⟨trunk#t⟩-reg]",
            "type=registration",
            "outbound_auth=⟨trunk#t⟩-auth",
            "server_uri=sip:sip.⟨domain⟩",
        ),
    ),
    (
        "manager.conf AMI user secret",
        L(
            "[⟨svc⟩]",
            "secret = ⟦pw⟧",
            "deny = 0.0.0.0/0.0.0.0",
            "permit = ⟨ip⟩/255.255.255.255",
            "read = system,call,log,agent",
            "write = system,call,originate",
        ),
    ),
    (
        "AMI Login action in log",
        L("Action: Login", "Username: ⟨svc⟩", "Secret: ⟦pw⟧", "Events: off"),
    ),
    ("iax.conf register =>", "register => ⟨user⟩:⟦sippw⟧@iax.⟨domain⟩"),
    ("ari.conf user password", L("[⟨svc⟩]", "type = user", "read_only = no", "password = ⟦pw⟧")),
    (
        "pjsip md5_cred",
        L("[⟨ext⟩-auth]", "type=auth", "auth_type=md5", "md5_cred=⟦hex:32⟧", "realm=asterisk"),
    ),
    (
        "pjsip show auth CLI output",
        L(
            "CLI> pjsip show auth ⟨ext#e⟩-auth",
            " ParameterName  : ParameterValue",
            " auth_type      : userpass",
            " password       : ⟦sippw⟧",
            " username       : ⟨ext#e⟩",
        ),
    ),
    (
        "realtime ps_auths INSERT",
        "INSERT INTO ps_auths (id, auth_type, password, username) VALUES ('⟨ext#e⟩', 'userpass', '⟦sippw⟧', '⟨ext#e⟩');",
    ),
)

_fam(
    "freeswitch_kamailio",
    (
        "FreeSWITCH directory user XML",
        L(
            '<user id="⟨ext⟩">',
            "  <params>",
            '    <param name="password" value="⟦sippw⟧"/>',
            '    <param name="vm-password" value="⟦pin:4⟧"/>',
            "  </params>",
            "</user>",
        ),
    ),
    (
        "sofia gateway password param",
        L(
            '<gateway name="⟨trunk⟩">',
            '  <param name="username" value="⟨num⟩"/>',
            '  <param name="password" value="⟦sippw⟧"/>',
            '  <param name="realm" value="sip.⟨domain⟩"/>',
            "</gateway>",
        ),
    ),
    (
        "event_socket.conf.xml password",
        L(
            '<configuration name="event_socket.conf" description="Socket Client">',
            "  <settings>",
            '    <param name="listen-ip" value="127.0.0.1"/>',
            '    <param name="password" value="⟦pw⟧"/>',
            "  </settings>",
        ),
    ),
    ("fs_cli -p", "fs_cli -H ⟨host⟩ -P 8021 -p '⟦pw⟧' -x \"sofia status gateway ⟨trunk⟩\""),
    ("vars.xml default_password", '<X-PRE-PROCESS cmd="set" data="default_password=⟦pin:6⟧"/>'),
    ("kamctl add subscriber", "kamctl add ⟨ext⟩@⟨domain⟩ ⟦sippw⟧"),
    ("kamailio.cfg DBURL define", '#!define DBURL "mysql://kamailio:⟦upw⟧@localhost/kamailio"'),
    (
        "kamctlrc DBRWPW/DBROPW",
        L(
            "DBENGINE=MYSQL",
            "DBHOST=localhost",
            'DBRWUSER="kamailio"',
            'DBRWPW="⟦pw⟧"',
            'DBROUSER="kamailioro"',
            'DBROPW="⟦pw⟧"',
        ),
    ),
    (
        "subscriber table row with ha1",
        L(
            "| username | domain | password | ha1 | ha1b |",
            "| ⟨ext⟩ | ⟨domain⟩ | ⟦sippw⟧ | ⟦hex:32⟧ | ⟦hex:32⟧ |",
        ),
    ),
)

_fam(
    "cpaas_api_keys",
    ("Twilio SID + auth token env", L("TWILIO_ACCOUNT_SID=⟨twsid⟩", "TWILIO_AUTH_TOKEN=⟦twtok⟧")),
    (
        "Twilio curl -u SID:token",
        'curl -X POST https://api.twilio.com/2010-04-01/Accounts/⟨twsid#a⟩/Messages.json --data-urlencode "To=+3161⟨num⟩⟨n⟩" --data-urlencode "Body=Your code" -u ⟨twsid#a⟩:⟦twtok⟧',
    ),
    ("Twilio API key SID + secret", L("TWILIO_API_KEY=⟨twsk⟩", "TWILIO_API_SECRET=⟦alnum:32⟧")),
    ("twilio python Client()", 'client = Client("⟨twsid⟩", "⟦twtok⟧")'),
    ("Vonage key + secret env", L("VONAGE_API_KEY=⟨hex8⟩", "VONAGE_API_SECRET=⟦vonage⟧")),
    (
        "Nexmo SMS curl api_secret",
        'curl -X POST https://rest.nexmo.com/sms/json -d from="⟨word⟩" -d to=4479⟨num⟩⟨num⟩ -d text="test" -d api_key=⟨hex8⟩ -d api_secret=⟦vonage⟧',
    ),
    ("Plivo auth env", L("PLIVO_AUTH_ID=⟨plivoid⟩", "PLIVO_AUTH_TOKEN=⟦plivo⟧")),
    ("plivo RestClient", "client = plivo.RestClient(auth_id='⟨plivoid⟩', auth_token='⟦plivo⟧')"),
    (
        "Telnyx bearer header",
        'curl -H "Authorization: Bearer ⟦telnyx⟧" https://api.telnyx.com/v2/phone_numbers',
    ),
    ("MessageBird AccessKey header", "Authorization: AccessKey ⟦alnum:25⟧"),
)

_fam(
    "sip_register_auth",
    (
        "linphonerc auth_info passwd",
        L(
            "[auth_info_0]",
            "username=⟨ext#e⟩",
            "userid=⟨ext#e⟩",
            "passwd=⟦sippw⟧",
            "realm=⟨domain⟩",
        ),
    ),
    (
        "linphonerc ha1",
        L("[auth_info_1]", "username=⟨ext⟩", "ha1=⟦hex:32⟧", "realm=sip.⟨domain⟩", "algorithm=MD5"),
    ),
    (
        "baresip accounts auth_pass",
        '<sip:⟨ext⟩@⟨domain⟩>;auth_pass=⟦sippw⟧;outbound="sip:⟨ip⟩;transport=tcp";regint=600',
    ),
    (
        "pjsua --password",
        "pjsua --id sip:⟨ext#e⟩@⟨domain#d⟩ --registrar sip:⟨domain#d⟩ --realm '*' --username ⟨ext#e⟩ --password ⟦sippw⟧",
    ),
    ("SIPp -au -ap", "sipp -sf uac_register.xml -au ⟨ext⟩ -ap ⟦sippw⟧ -s ⟨ext⟩ -m 1 ⟨ip⟩:5060"),
    (
        "Yealink cfg account password",
        L(
            "account.1.enable = 1",
            "account.1.user_name = ⟨ext#e⟩",
            "account.1.auth_name = ⟨ext#e⟩",
            "account.1.password = ⟦sippw⟧",
            "account.1.sip_server.1.address = ⟨domain⟩",
        ),
    ),
    (
        "Polycom XML reg.1.auth.password",
        '<reg reg.1.address="⟨ext#e⟩" reg.1.auth.userId="⟨ext#e⟩" reg.1.auth.password="⟦sippw⟧" reg.1.server.1.address="⟨domain⟩"/>',
    ),
    (
        "Grandstream P-value P34",
        L("P35 = ⟨ext#e⟩", "P36 = ⟨ext#e⟩", "P34 = ⟦sippw⟧", "P47 = ⟨domain⟩"),
    ),
    ("snom settings user_pass", '<user_pass idx="1" perm="">⟦sippw⟧</user_pass>'),
    (
        "REGISTER with Digest Authorization",
        L(
            "REGISTER sip:⟨domain#d⟩ SIP/2.0",
            "Via: SIP/2.0/UDP ⟨ip⟩:5060;branch=z9hG4bK⟨hex8⟩",
            "From: <sip:⟨ext#e⟩@⟨domain#d⟩>;tag=⟨hex8⟩",
            "Call-ID: ⟨hex16⟩@⟨ip⟩",
            "CSeq: 2 REGISTER",
            'Authorization: Digest username="⟨ext#e⟩", realm="⟨domain#d⟩", nonce="⟨hex16⟩", uri="sip:⟨domain#d⟩", response="⟦hex:32⟧", algorithm=MD5',
        ),
    ),
    (
        "INVITE Proxy-Authorization Digest",
        'Proxy-Authorization: Digest username="⟨ext⟩", realm="sip.⟨domain#d⟩", nonce="⟨wh⟩", uri="sip:00⟨num⟩⟨num⟩@sip.⟨domain#d⟩", response="⟦hex:32⟧", algorithm=MD5, cnonce="⟨hex8⟩", qop=auth, nc=00000001',
    ),
)

_fam(
    "voicemail_pins",
    (
        "voicemail.conf mailbox => pin,name,email",
        L("[default]", "⟨ext⟩ => ⟦pin:4⟧,⟨person⟩,⟨email⟩"),
    ),
    (
        "EN voicemail transcript PIN",
        'Voicemail transcript: "Hi ⟨first⟩, this is the helpdesk. Your new voicemail PIN is ⟦pin:6⟧. You\'ll be asked to change it the first time you log in. Thanks, bye."',
    ),
    (
        "Unity reset ticket temp PIN",
        "Voicemail PIN reset for ⟨person⟩ (ext ⟨ext⟩). Temporary PIN: ⟦pin:6⟧ - must be changed on first login.",
    ),
    (
        "FreeSWITCH voicemail_prefs UPDATE",
        "UPDATE voicemail_prefs SET password='⟦pin:4⟧' WHERE username='⟨ext⟩' AND domain='⟨domain⟩';",
    ),
    (
        "IVR debug log DTMF collected PIN",
        "⟨date⟩ ⟨time⟩ DEBUG ivr[⟨num⟩]: vm_auth mailbox=⟨ext⟩ collected_digits=⟦pin:6⟧ result=OK",
    ),
    (
        "PT voicemail transcript",
        'Transcrição do correio de voz: "Olá, aqui é o suporte. O seu novo PIN do correio de voz é ⟦pin:4⟧. Por favor troque depois do primeiro acesso."',
    ),
    (
        "NL voicemail PIN message",
        "Uw voicemail-pincode voor toestel ⟨ext⟩ is gewijzigd naar ⟦pin:5⟧.",
    ),
    (
        "confbridge.conf user profile pin",
        L("[⟨word⟩_user]", "type=user", "pin=⟦pin:6⟧", "announce_join_leave=yes"),
    ),
    ("meetme.conf conf => pin,adminpin", "conf => ⟨num⟩,⟦pin:4⟧,⟦pin:6⟧"),
    (
        "SW voicemail SMS",
        "Namba yako mpya ya siri ya ujumbe wa sauti ni ⟦pin:4⟧. Tafadhali ibadilishe baada ya kuingia.",
    ),
)

_fam(
    "printer_mfp_admin",
    (
        "EWS SMTP settings dump",
        L(
            "Outgoing E-mail Server (SMTP)",
            "  Server Address : smtp.⟨domain⟩",
            "  Port           : 587",
            "  SMTP User      : scan@⟨domain⟩",
            "  SMTP Password  : ⟦pw⟧",
        ),
    ),
    (
        "LDAP address book bind password",
        L(
            "LDAP Server: ldaps://⟨host⟩:636",
            "Bind DN: CN=svc_mfp,OU=Service,DC=corp,DC=example,DC=com",
            "Bind Password: ⟦pw⟧",
        ),
    ),
    (
        "scan-to-folder SMB credentials",
        L("Destination: \\\\⟨host⟩\\⟨share⟩", "Authentication: CORP\\svc_scan", "Password: ⟦pw⟧"),
    ),
    (
        "device settings export CSV",
        L(
            '"setting","value"',
            '"smtp_server","smtp.⟨domain⟩"',
            '"smtp_auth_password","⟦pw⟧"',
            '"admin_password","⟦pw⟧"',
        ),
    ),
    ("snmpwalk -c community printer MIB", "snmpwalk -v2c -c ⟦snmp⟧ ⟨ip⟩ 1.3.6.1.2.1.43.5.1.1.17"),
    (
        "snmpget v3 -A -X",
        "snmpget -v3 -l authPriv -u ⟨svc⟩ -a SHA -A '⟦pw⟧' -x AES -X '⟦pw⟧' ⟨ip⟩ sysDescr.0",
    ),
    ("PJL JOB PASSWORD", L('@PJL JOB NAME="payroll" PASSWORD=⟦pin:5⟧', "@PJL ENTER LANGUAGE=PCL")),
    (
        "lpadmin smb URI with credentials",
        "lpadmin -p ⟨word⟩-floor2 -E -v smb://⟨user⟩:⟦upw⟧@⟨host⟩/⟨word⟩-queue -m everywhere",
    ),
    (
        "deployment sheet table admin pw",
        L(
            "| Printer | IP | Admin user | Admin PW |",
            "|---|---|---|---|",
            "| ⟨host⟩ | ⟨ip⟩ | admin | ⟦pw⟧ |",
        ),
    ),
    (
        "PaperCut server-command card-pin",
        "server-command set-user-property ⟨user⟩ card-pin ⟦pin:4⟧",
    ),
    (
        "SNMP trap/community in web config",
        L(
            "SNMPv1/v2 Settings",
            "  Get Community Name: ⟦snmp⟧",
            "  Set Community Name: ⟦snmp⟧",
            "  Trap destination:   ⟨ip⟩",
        ),
    ),
)

_fam(
    "door_badge_controllers",
    (
        "OSDP commissioning SCBK",
        "⟨date⟩ ⟨time⟩ osdp: PD 0x0⟨n⟩ on port COM3 secure channel established, SCBK=⟦HEX:32⟧",
    ),
    (
        "handover: controller web UI admin/pw",
        "Door controller ⟨ip⟩ (https) login admin/⟦pw⟧ - change after commissioning",
    ),
    (
        "access control DB connection string",
        "Server=⟨host⟩\\SQLEXPRESS;Database=AccessControl;User Id=acs_svc;Password=⟦pw⟧;TrustServerCertificate=True",
    ),
    ("Gallagher REST GGL-API-KEY header", "Authorization: GGL-API-KEY ⟦ggl⟧"),
    (
        "Axis door controller VAPIX digest",
        'curl --digest -u root:⟦upw⟧ -X POST http://⟨ip⟩/vapix/doorcontrol -d \'{"tdc:AccessDoor":{"Token":"Door1"}}\'',
    ),
    (
        "DESFire application key in encoder config",
        L(
            "{",
            '  "site": "⟨city⟩",',
            '  "desfire_app_id": "F5⟨n⟩001",',
            '  "desfire_app_key": "⟦HEX:32⟧"',
            "}",
        ),
    ),
    ("ZKTeco Comm Key", "Device ⟨serial⟩ (⟨ip⟩:4370) Comm Key: ⟦pin:6⟧"),
    ("snmpset on door controller", "snmpset -v2c -c ⟦snmp⟧ ⟨ip⟩ 1.3.6.1.4.1.⟨num⟩.1.2.0 i 1"),
    (
        "2N intercom HTTP API",
        'curl -k -u admin:⟦upw⟧ "https://⟨ip⟩/api/switch/ctrl?switch=1&action=on"',
    ),
)

_fam(
    "cctv_nvr",
    ("Hikvision RTSP URL", "rtsp://admin:⟦upw⟧@⟨ip⟩:554/Streaming/Channels/101"),
    ("Dahua RTSP URL", "rtsp://⟨user⟩:⟦upw⟧@⟨ip⟩:554/cam/realmonitor?channel=1&subtype=0"),
    (
        "ffmpeg input rtsp creds",
        'ffmpeg -rtsp_transport tcp -i "rtsp://⟨user⟩:⟦upw⟧@⟨ip⟩:554/h264Preview_01_main" -c copy -t 60 /tmp/⟨cam⟩.mp4',
    ),
    (
        "ISAPI user password XML",
        L(
            "PUT /ISAPI/Security/users/1",
            "<User><id>1</id><userName>admin</userName><password>⟦pw⟧</password><userLevel>Administrator</userLevel></User>",
        ),
    ),
    ("device label verification code", "NVR ⟨serial⟩ - Verification Code: ⟦p2p⟧ (from sticker)"),
    (
        "ONVIF WS-Security PasswordText",
        '<wsse:UsernameToken><wsse:Username>⟨user⟩</wsse:Username><wsse:Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText">⟦pw⟧</wsse:Password></wsse:UsernameToken>',
    ),
    (
        "Frigate config camera path",
        L(
            "cameras:",
            "  ⟨cam⟩:",
            "    ffmpeg:",
            "      inputs:",
            "        - path: rtsp://⟨user⟩:⟦upw⟧@⟨ip⟩:554/Streaming/Channels/102",
            "          roles: [detect]",
        ),
    ),
    (
        "Dahua CGI modifyPassword",
        'curl --digest -u admin:⟦upw#o⟧ "http://⟨ip⟩/cgi-bin/userManager.cgi?action=modifyPassword&name=admin&pwd=⟦upw⟧&pwdOld=⟦upw#o⟧"',
    ),
    (
        "Axis pwdgrp.cgi update",
        'curl --digest -u root:⟦upw⟧ "http://⟨ip⟩/axis-cgi/pwdgrp.cgi?action=update&user=root&pwd=⟦upw⟧"',
    ),
)

_fam(
    "pos_terminals_loyalty",
    (
        "POS INI manager override PIN",
        L("[Store]", "StoreId=⟨store⟩", "Lane=⟨lane⟩", "[Manager]", "OverridePIN=⟦pin:6⟧"),
    ),
    (
        "POS debug log override pin",
        "⟨date⟩ ⟨time⟩ DEBUG pos.lane⟨lane⟩ MGR_OVERRIDE emp=⟨num⟩ pin=⟦pin:4⟧ action=VOID result=APPROVED",
    ),
    (
        "POS back office connection string",
        "Data Source=⟨host⟩\\POSSQL;Initial Catalog=POS_⟨store⟩;User ID=sa;Password=⟦pw⟧",
    ),
    (
        "terminal admin password in setup note",
        "Lane ⟨lane⟩ terminal ⟨tid⟩: admin menu password ⟦pin:6⟧, merchant menu password ⟦pin:4⟧",
    ),
    (
        "gateway terminal config JSON apiPassword",
        '{"terminalId": "⟨tid⟩", "merchantId": "⟨mid⟩", "apiUser": "pos-⟨store⟩", "apiPassword": "⟦pw⟧", "host": "⟨host⟩"}',
    ),
    (
        "wpa_supplicant POS lane psk",
        L(
            "network={",
            '    ssid="POS-STORE-⟨store⟩"',
            '    psk="⟦pw⟧"',
            "    key_mgmt=WPA-PSK",
            "}",
        ),
    ),
    (
        "back office handover login",
        "Back office: https://⟨host⟩/bo  login ⟨user⟩ / ⟦pw⟧ (store ⟨store⟩)",
    ),
    (
        "loyalty API key header",
        'curl -H "X-Loyalty-Api-Key: ⟦alnum:40⟧" https://loyalty.⟨domain⟩/v2/members/⟨num⟩/points',
    ),
    (
        "gift card PIN in support ticket",
        "Customer called about gift card ending 4⟨num⟩, PIN ⟦pin:8⟧ - balance restored.",
    ),
    (
        "loyalty OAuth client secret YAML",
        L("loyalty:", "  oauth:", "    client_id: pos-⟨store⟩", "    client_secret: ⟦alnum:48⟧"),
    ),
)

_fam(
    "iso8583_dumps",
    (
        "jPOS isomsg XML dump field 52",
        L(
            '<isomsg direction="outgoing">',
            '  <field id="0" value="0200"/>',
            '  <field id="3" value="000000"/>',
            '  <field id="11" value="⟨stan⟩"/>',
            '  <field id="41" value="⟨tid⟩"/>',
            '  <field id="52" value="⟦HEX:16⟧"/>',
            "</isomsg>",
        ),
    ),
    (
        "field dump [052] PIN Data",
        L(
            "[002] PAN ..............: ⟨panmask⟩",
            "[011] STAN .............: ⟨stan⟩",
            "[052] PIN Data .........: ⟦HEX:16⟧",
        ),
    ),
    ("DE035 Track 2", "DE035 Track 2 Data ......: ⟦track2⟧"),
    (
        "Postilion-style field list",
        L(
            "Field 4  (Amount)     : 000000012550",
            "Field 37 (RRN)        : ⟨rrn⟩",
            "Field 52 (PIN block)  : ⟦HEX:16⟧",
        ),
    ),
    ("DE045 Track 1", "DE045 Track 1 Data ......: ⟦track1⟧"),
    (
        "field 35 in one-line log",
        "⟨date⟩ ⟨time⟩ TX MTI=0100 F2=⟨panmask⟩ F11=⟨stan⟩ F35=⟦track2⟧ F41=⟨tid⟩",
    ),
    ("CID in DE48 subfield", "DE048 SE 92 CVC2/CID .....: ⟦pin:4⟧"),
    ("terminal log PINBLK with KSN", "⟨time⟩ PINPAD: PINBLK=⟦HEX:16⟧ KSN=⟨ksn⟩ fmt=ISO-0"),
)

_fam(
    "key_injection",
    (
        "ceremony ZMK component with KCV",
        "ZMK Component 1: ⟦HEX:32⟧  KCV: ⟨kcv⟩  Custodian: ⟨person⟩",
    ),
    (
        "payShield FK component entry",
        L("Enter component 2: ⟦HEX:32⟧", "Component check value: ⟨kcv⟩"),
    ),
    (
        "TMK injection log clear key",
        "⟨date⟩ ⟨time⟩ KIF: inject TMK clear=⟦HEX:32⟧ kcv=⟨kcv⟩ PED sn=⟨serial⟩",
    ),
    ("BDK line with KSN", L("BDK: ⟦HEX:32⟧", "Initial KSN: ⟨ksn⟩")),
    ("IPEK derived for KSN", "IPEK ⟦HEX:32⟧ derived for KSN ⟨ksn⟩ (KCV ⟨kcv⟩)"),
    ("TPK clear in debug", "DEBUG hsm-adapter TPK(clear)=⟦HEX:32⟧ under ZMK kcv=⟨kcv⟩"),
    (
        "grouped component on form",
        L("Key: ZMK-⟨city⟩   Component 3 of 3", "⟦compg:8⟧", "Check value: ⟨kcv⟩"),
    ),
    (
        "JSON key load request",
        '{"keyType": "TMK", "keyUsage": "K0", "clearKey": "⟦HEX:32⟧", "kcv": "⟨kcv⟩", "terminalId": "⟨tid⟩"}',
    ),
    (
        "PT ceremony note component",
        "Componente 2 da ZMK: ⟦HEX:32⟧ (KCV ⟨kcv⟩) - custodiante ⟨person⟩, envelope lacrado ⟨num⟩.",
    ),
    ("AES-256 KEK component", "AES-256 KEK component 3 = ⟦HEX:64⟧  KCV(CMAC) = ⟨kcv⟩"),
)

_fam(
    "psp_api_keys",
    ("STRIPE_SECRET_KEY env", "STRIPE_SECRET_KEY=⟦stripe_sk⟧"),
    (
        "curl stripe -u key:",
        "curl https://api.stripe.com/v1/charges -u ⟦stripe_sk⟧: -d amount=2000 -d currency=eur",
    ),
    (
        "stripe listen webhook secret output",
        "> Ready! You are using Stripe API Version [2024-06-20]. Your webhook signing secret is ⟦whsec⟧ (^C to quit)",
    ),
    ("restricted key YAML", L("stripe:", "  api_key: ⟦stripe_rk⟧", "  account: acct_⟨hex16⟩")),
    (
        "Adyen X-API-Key header",
        'curl https://checkout-test.adyen.com/v71/payments -H "X-API-Key: ⟦adyen⟧" -H "Content-Type: application/json"',
    ),
    ("Adyen HMAC key env", "ADYEN_HMAC_KEY=⟦HEX:64⟧"),
    ("Square access token env", "SQUARE_ACCESS_TOKEN=⟦sq_eaaa⟧"),
    (
        "Square OAuth client_secret",
        "curl https://connect.squareup.com/oauth2/token -d client_id=sq0idp-⟨hex16⟩ -d client_secret=⟦sq0csp⟧ -d grant_type=authorization_code",
    ),
    (
        "Braintree configure private_key",
        'braintree.Configuration.configure(braintree.Environment.Production, merchant_id="⟨hex16⟩", public_key="⟨hex16⟩", private_key="⟦hex:32⟧")',
    ),
    ("PayPal client secret env", "PAYPAL_CLIENT_SECRET=⟦paypal⟧"),
)

_fam(
    "gov_legal_efiling",
    (
        "PACER login in ticket",
        "PACER/CM-ECF filer login for ⟨person⟩: ⟨user⟩ / ⟦pw⟧ (do not share outside litigation support)",
    ),
    (
        "openssl pkcs12 -passin e-CAC A1",
        "openssl pkcs12 -in ecac_A1_⟨num⟩.pfx -nokeys -passin pass:⟦pw⟧ -out cert.pem",
    ),
    (
        "PT certificate password note",
        "Senha do certificado digital A1 (e-CAC / eSocial): ⟦pw⟧ - não compartilhar fora do fiscal.",
    ),
    ("IT PEC credentials", "Credenziali PEC: ⟨email⟩ / ⟦pw⟧ (server smtps.pec.⟨domain⟩:465)"),
    ("PL KSeF authorization token", "Token autoryzacyjny KSeF dla NIP ⟨num⟩⟨num⟩: ⟦HEX:64⟧"),
    ("TR GİB e-Arşiv portal password", "GİB e-Arşiv portal kullanıcı kodu ⟨num⟩⟨n⟩ şifre: ⟦pw⟧"),
    (
        "RU CryptoPro container PIN",
        "Пароль (PIN) к контейнеру КриптоПро для подписи в ЕФРСБ: ⟦pin:8⟧",
    ),
    ("UK KEP key file password", "Пароль до ключа КЕП (Key-6.dat) для подання звітності: ⟦pw⟧"),
    (
        "NL PKIoverheid cert password",
        "Wachtwoord van het PKIoverheid-certificaat voor Digipoort: ⟦pw⟧",
    ),
    ("ZH e-tax login", "电子税务局 登录账号：⟨num⟩⟨num⟩  密码：⟦pw⟧"),
    (
        "e-filing keystore properties",
        L(
            "efile.endpoint=https://efile.⟨domain⟩/EFMService",
            "efile.keystore=/opt/efm/filer.p12",
            "efile.keystore.password=⟦pw⟧",
        ),
    ),
    ("VI USB token PIN", "Mật khẩu USB token chữ ký số để nộp tờ khai thuế: ⟦pin:8⟧"),
)

_fam(
    "library_museum",
    ("SIP2 93 login CN/CO", "9300CN⟨user⟩|CO⟦sippw⟧|CP⟨inst⟩|AY1AZ⟨cks⟩"),
    (
        "SIP2 23 patron status AD",
        "2300120261203    101522AO⟨inst⟩|AA2⟨num⟩⟨num⟩|AC|AD⟦pin:4⟧|AY2AZ⟨cks⟩",
    ),
    (
        "koha-conf.xml pass",
        L(
            "<config>",
            " <db_scheme>mysql</db_scheme>",
            " <database>koha_⟨word#w⟩</database>",
            " <user>koha_⟨word#w⟩</user>",
            " <pass>⟦pw⟧</pass>",
        ),
    ),
    (
        "Koha SIPconfig.xml login",
        '<login id="⟨user⟩" password="⟦pw⟧" delimiter="|" error-detect="enabled" institution="⟨inst⟩" encoding="utf8" />',
    ),
    ("EZproxy user.txt", "⟨user⟩:⟦pw⟧"),
    ("CollectiveAccess setup.php", "define(\"__CA_DB_PASSWORD__\", '⟦pw⟧');"),
    (
        "ArchivesSpace config.rb db_url",
        'AppConfig[:db_url] = "jdbc:mysql://localhost:3306/archivesspace?user=as&password=⟦upw⟧&useUnicode=true&characterEncoding=UTF-8"',
    ),
    (
        "Alma API apikey query",
        'curl "https://api-eu.hosted.exlibrisgroup.com/almaws/v1/users/⟨num⟩?apikey=⟦alma⟧&format=json"',
    ),
    ("OCLC WSKey secret env", L("OCLC_WSKEY=⟨wh⟩⟨wh⟩", "OCLC_SECRET=⟦alnum:32⟧")),
    (
        "yaz-client auth",
        L(
            "Z> open tcp:⟨host⟩:210/⟨word⟩",
            "Z> auth ⟨user⟩/⟦pw⟧",
            "Z> find @attr 1=7 9788301123456",
        ),
    ),
    (
        "CS library chat",
        "Heslo k API katalogu (Alma) je ⟦alma⟧, prosím neposílat do veřejného kanálu.",
    ),
)

_fam(
    "encoded_secrets",
    (
        "k8s Secret data base64 password",
        L(
            "apiVersion: v1",
            "kind: Secret",
            "type: Opaque",
            "data:",
            "  username: c3ZjX2V0bA==",
            "  password: ⟦b64pw⟧",
        ),
    ),
    (
        "curl -v Authorization Basic",
        L(
            "> GET /api/v1/members HTTP/1.1",
            "> Host: ⟨host⟩",
            "> Authorization: Basic ⟦basic⟧",
            "> User-Agent: curl/8.5.0",
        ),
    ),
    ("docker config.json auths", '{"auths": {"registry.⟨domain⟩": {"auth": "⟦basic⟧"}}}'),
    ("hex-encoded password property", "db.password.hex=⟦hexpw⟧"),
    (
        ".npmrc _password base64",
        L(
            "//npm.⟨domain#d⟩/repository/npm-private/:username=⟨user⟩",
            "//npm.⟨domain#d⟩/repository/npm-private/:_password=⟦b64pw⟧",
            "//npm.⟨domain#d⟩/repository/npm-private/:always-auth=true",
        ),
    ),
    ("shell: echo pw | base64 then output", L("$ echo -n '⟦pw#p⟧' | base64", "⟦b64of:p⟧")),
    ("GOOGLE_CREDENTIALS_B64 env", "GOOGLE_CREDENTIALS_B64=⟦b64sa⟧"),
    ("k8s Secret base64 jaas config", "  sasl.jaas.config: ⟦b64jaas⟧"),
    (
        "percent-encoded password in URL",
        "DATABASE_URL=postgresql://⟨user⟩:⟦pctpw⟧@⟨host⟩:5432/⟨db⟩?sslmode=require",
    ),
    (
        "Jetty OBF: password",
        L("jetty.sslContext.keyStorePassword=⟦obf⟧", "jetty.sslContext.keyManagerPassword=⟦obf⟧"),
    ),
)

_fam(
    "human_text_en",
    (
        "runbook step with TSO password",
        "4. Log on to TSO as ⟨mvsuser⟩ (password: ⟦mvspw⟧) and run the post-IPL checklist in ⟨dsn⟩.",
    ),
    (
        "postmortem root cause quoting route pw",
        "Root cause: the SAProuter password `⟦rtpw⟧` was embedded in the route string stored in the monitoring config, which was readable by all tenants.",
    ),
    (
        "Slack message with creds",
        "@⟨first⟩ kafka creds for staging are ⟨svc⟩ / ⟦pw⟧ - rotate after the demo pls :pray:",
    ),
    (
        "ticket comment temp password",
        'Reset done. New temporary password for ⟨user⟩ is "⟦pw⟧". User must change it at next logon. Closing ticket.',
    ),
    (
        "email NVR access",
        L(
            "Subject: NVR access for contractor",
            "",
            "Hi ⟨first⟩,",
            "The NVR at ⟨ip⟩ can be reached with admin / ⟦pw⟧ until Friday.",
            "Regards,",
            "⟨person⟩",
        ),
    ),
    (
        "handover markdown table",
        L(
            "| System | User | Password |",
            "|---|---|---|",
            "| HANA SYSTEMDB | SYSTEM | ⟦pw⟧ |",
            "| saprouter | - | ⟦rtpw⟧ |",
        ),
    ),
    (
        "voicemail transcript codes",
        "Transcript: \"...hey it's ⟨first⟩ from facilities, the new door code for the server room is ⟦pin:6⟧ and the alarm panel is ⟦pin:4⟧, call me back if it doesn't work.\"",
    ),
    (
        "incident timeline stripe key",
        "10:42 ⟨first⟩ pasted the live Stripe key (⟦stripe_sk⟧) into #payments-oncall; key rolled at 10:51, no misuse observed.",
    ),
    (
        "Jira repro steps with hdbsql",
        L(
            "Steps to reproduce:",
            "1. hdbsql -n ⟨host⟩:30015 -u SYSTEM -p ⟦pw⟧",
            "2. run the attached statement",
            "3. observe the OOM dump",
        ),
    ),
    (
        "email app-specific password",
        "Use the app-specific password ⟦asp⟧ for the altool upload, the normal Apple ID password will not work with 2FA.",
    ),
    (
        "chat keystore pw with curly quotes",
        "keystore pw is “⟦pw⟧” and the key alias pw is the same, don't ask me why",
    ),
    (
        "postmortem snmp community",
        "Contributing factor: all floor printers still answered SNMP with the community string '⟦snmp⟧', which was also valid for write access.",
    ),
)

_fam(
    "human_text_europe",
    (
        "PT RACF reset message",
        "Pessoal, a senha do RACF do usuário ⟨mvsuser⟩ foi redefinida para ⟦mvspw⟧. Trocar no primeiro acesso, por favor.",
    ),
    (
        "PT-BR chat Airflow db",
        "a senha do banco do Airflow é ⟦pw⟧, tá no cofre também, mas só pra agilizar",
    ),
    (
        "PT e-mail SIP",
        "Bom dia ⟨first⟩, segue a senha do ramal ⟨ext⟩ no Asterisk: ⟦sippw⟧. Abraço.",
    ),
    (
        "IT SAP user password",
        "Ciao ⟨first⟩, la password dell'utente SAP ⟨sapuser⟩ (mandante ⟨client⟩) è ⟦pw⟧. Scade venerdì.",
    ),
    (
        "IT e-mail printer admin",
        L(
            "Oggetto: credenziali stampante",
            "La password di amministrazione della stampante al piano 2 (⟨ip⟩) è ⟦pw⟧.",
        ),
    ),
    (
        "NL keystore password",
        "Het wachtwoord van de keystore voor de Android-release is ⟦pw⟧ - niet in Git zetten a.u.b.",
    ),
    (
        "NL ticket HANA",
        "Wachtwoord SYSTEM-gebruiker HANA (⟨SID⟩) tijdelijk op ⟦pw⟧ gezet voor de migratie.",
    ),
    (
        "NL chat badge controller",
        "De beheerderscode van de deurcontroller in ⟨city⟩ is ⟦pin:6⟧, graag na vandaag wijzigen.",
    ),
    ("FI Jupyter token", "Jupyter-palvelimen token on ⟦hex:48⟧, älä jaa sitä eteenpäin."),
    ("FI printer SMTP password", "Tulostimen SMTP-salasana: ⟦pw⟧ (käyttäjä scan@⟨domain⟩)"),
)

_fam(
    "human_text_europe",
    (
        "PL Snowflake service account",
        "Hasło do konta serwisowego ⟨svc⟩ w Snowflake: ⟦pw⟧. Zmień po wdrożeniu.",
    ),
    ("PL ZMK component note", "Komponent ZMK nr 2: ⟦HEX:32⟧, KCV ⟨kcv⟩ - przekazany do sejfu."),
    ("CS RFC user", "Heslo k RFC uživateli ⟨sapuser⟩ je ⟦pw⟧, prosím neposílat mailem."),
    ("CS voicemail PIN", "Nový PIN k hlasové schránce ⟨ext⟩: ⟦pin:6⟧."),
    (
        "TR Asterisk AMI password",
        "Asterisk sunucusunun AMI şifresi ⟦pw⟧ olarak değiştirildi, lütfen kimseyle paylaşmayın.",
    ),
    ("TR NVR admin password", "NVR yönetici şifresi: ⟦pw⟧ (kullanıcı: admin)"),
    ("RU NVR password", "Пароль от NVR в серверной: ⟦pw⟧ (логин admin)."),
    (
        "RU hdbuserstore",
        "Коллеги, пароль для ключа hdbuserstore ⟨key⟩: ⟦pw⟧, сменим после миграции.",
    ),
    ("RU Slurm DB", "Пароль StoragePass для slurmdbd: «⟦pw⟧» — не коммитить в репозиторий."),
    (
        "UK voicemail PIN",
        "Новий PIN голосової пошти для ⟨ext⟩: ⟦pin:4⟧. Змініть його після першого входу.",
    ),
    ("UK Kafka SCRAM", "Пароль до Kafka (SASL/SCRAM) для ⟨svc⟩: ⟦pw⟧"),
    ("UK printer SNMP", "SNMP community для принтерів на 3 поверсі: ⟦snmp⟧"),
)

_fam(
    "human_text_asia_africa",
    ("VI Snowflake password", "Mật khẩu kết nối Snowflake là ⟦pw⟧, đừng commit vào git nhé."),
    ("VI POS admin", "Mật khẩu quản trị máy POS cửa hàng ⟨store⟩: ⟦pin:6⟧"),
    ("VI SIP account", "Tài khoản SIP ⟨ext⟩ / mật khẩu ⟦sippw⟧, cấu hình trên điện thoại Yealink."),
    ("TH printer password", "รหัสผ่านของเครื่องพิมพ์คือ ⟦pw⟧ กรุณาเปลี่ยนหลังติดตั้ง"),
    ("TH SAP user", "รหัสผ่านผู้ใช้ SAP ⟨sapuser⟩ คือ ⟦pw⟧ ใช้ได้ถึงวันศุกร์"),
    ("TH door code", "รหัสประตูห้องเซิร์ฟเวอร์ใหม่: ⟦pin:6⟧"),
    ("ZH DB password", "数据库密码是 ⟦pw⟧，请勿外传。"),
    ("ZH fullwidth colon no spaces", "Kafka 账号：⟨svc⟩，密码：⟦pw⟧"),
    ("ZH Jupyter token", "我的 Jupyter 令牌是⟦hex:48⟧，跑完作业就关掉。"),
    (
        "SW Asterisk server password",
        "Nenosiri la seva ya Asterisk ni ⟦pw⟧, usilishiriki na mtu yeyote.",
    ),
    (
        "SW M-Pesa till API",
        "Ufunguo wa siri wa API ya malipo (consumer secret) ni ⟦alnum:32⟧ - weka kwenye vault.",
    ),
)


# ---------------------------------------------------------------------------
# keep-list: diagnostic tokens that must survive sanitising
# ---------------------------------------------------------------------------


def _hexcolon(r: random.Random, n: int) -> str:
    return ":".join(_rs(r, _HEXU, 2) for _ in range(n))


_KG = {
    "zjob": lambda r: "JOB%05d" % r.randint(1, 99999),
    "stc": lambda r: "STC%05d" % r.randint(1, 99999),
    "tsu": lambda r: "TSU%05d" % r.randint(1, 99999),
    "j7": lambda r: "J%07d" % r.randint(100000, 9999999),
    "smfseq": lambda r: _rs(r, _HEXU, 8),
    "rba": lambda r: _rs(r, _HEXU, 12),
    "lrsn": lambda r: "00" + _rs(r, _HEXU, 18),
    "cicstask": lambda r: "%07d" % r.randint(1000, 9999999),
    "sap_tr": lambda r: (
        r.choice(["DEV", "S4D", "BWD", "ECD", "D01"]) + "K9" + "%05d" % r.randint(0, 99999)
    ),
    "idoc": lambda r: "00000000" + "%08d" % r.randint(10**6, 10**8 - 1),
    "trfc": lambda r: _rs(r, _HEXU, 24),
    "hana_conn": lambda r: "3%05d" % r.randint(0, 99999),
    "spark_app": lambda r: (
        "application_17%011d_%04d" % (r.randint(0, 10**11 - 1), r.randint(1, 9999))
    ),
    "spark_local": lambda r: (
        "app-2026%02d%02d%02d%02d%02d-%04d"
        % (
            r.randint(1, 12),
            r.randint(1, 28),
            r.randint(0, 23),
            r.randint(0, 59),
            r.randint(0, 59),
            r.randint(0, 9999),
        )
    ),
    "offset": lambda r: str(r.randint(10**6, 10**9)),
    "slurm": lambda r: str(r.randint(10**6, 10**7 - 1)),
    "sha40": lambda r: _rs(r, _HEX, 40),
    "shashort": lambda r: _rs(r, _HEX, r.randint(7, 12)),
    "digest": lambda r: "sha256:" + _rs(r, _HEX, 64),
    "hex64": lambda r: _rs(r, _HEX, 64),
    "HEX64": lambda r: _rs(r, _HEXU, 64),
    "md5": lambda r: _rs(r, _HEX, 32),
    "trace": lambda r: _rs(r, _HEX, 32),
    "span": lambda r: _rs(r, _HEX, 16),
    "uuid": _uuid,
    "kcv": lambda r: _rs(r, _HEXU, 6),
    "tid": lambda r: r.choice(["T", "4", "8", "P"]) + _rs(r, _DIG, 7),
    "mid": lambda r: "0000" + _rs(r, _DIG, 11),
    "stan": lambda r: "%06d" % r.randint(1, 999999),
    "rrn": lambda r: "6%03d%02d%06d" % (r.randint(1, 365), r.randint(0, 23), r.randint(0, 999999)),
    "authcode": lambda r: r.choice(_UP) + _rs(r, _DIG, 2) + _rs(r, _UP + _DIG, 3),
    "build": lambda r: "2026%02d%02d.%d" % (r.randint(1, 12), r.randint(1, 28), r.randint(1, 60)),
    "semver": lambda r: "%d.%d.%d" % (r.randint(1, 12), r.randint(0, 40), r.randint(0, 300)),
    "callid": lambda r: _rs(r, _HEX, r.randint(16, 24)) + "@" + _ip(r),
    "branch": lambda r: "z9hG4bK" + _rs(r, _HEX + "-", r.randint(10, 18)),
    "siptag": lambda r: _rs(r, _HEX, r.randint(8, 12)),
    "uniqueid": lambda r: "17647%05d.%d" % (r.randint(0, 99999), r.randint(1, 9999)),
    "mac": lambda r: _hexcolon(r, 6),
    "prnserial": lambda r: r.choice(["CNB", "VNB", "JPB", "SG7", "W9X"]) + _rs(r, _UP + _DIG, 7),
    "fw": lambda r: (
        "%d.%d.%d.%d" % (r.randint(2, 2612), r.randint(0, 30), r.randint(0, 9), r.randint(1, 999))
    ),
    "ksn": lambda r: "FFFF" + _rs(r, _HEXU, 11) + "E0" + _rs(r, _HEXU, 3),
    "caseno": lambda r: "1:26-cv-%05d" % r.randint(1, 99999),
    "cnj": lambda r: (
        "%07d-%02d.2026.8.26.%04d" % (r.randint(1, 9999999), r.randint(10, 99), r.randint(1, 9999))
    ),
    "ecli": lambda r: (
        "ECLI:NL:%s:2026:%d"
        % (r.choice(["RBAMS", "RBDHA", "GHARL", "HR", "RBMNE"]), r.randint(100, 99999))
    ),
    "ksefref": lambda r: (
        "20261%03d-SE-%s-%s-%s"
        % (r.randint(101, 231), _rs(r, _HEXU, 10), _rs(r, _HEXU, 10), _rs(r, _HEXU, 2))
    ),
    "isbn": lambda r: (
        "978-%d-%02d-%05d-%d"
        % (r.randint(80, 89), r.randint(0, 99), r.randint(0, 99999), r.randint(0, 9))
    ),
    "barcode": lambda r: "3901500" + _rs(r, _DIG, 7),
    "oclc": lambda r: "ocm%08d" % r.randint(10**6, 10**8 - 1),
    "dbx_cluster": lambda r: (
        "%02d%02d-%06d-%s"
        % (r.randint(1, 12), r.randint(1, 28), r.randint(0, 235959), _rs(r, _LOW + _DIG, 8))
    ),
    "sfqid": lambda r: (
        "01b%s-%s-%s-0000-%s"
        % (_rs(r, _HEX, 5), _rs(r, _HEX, 4), _rs(r, _HEX, 4), _rs(r, _HEX, 12))
    ),
    "bqjob": lambda r: "bqjob_r%s_%s_1" % (_rs(r, _HEX, 15), _rs(r, _HEX, 16)),
    "trino_qid": lambda r: (
        "2026%02d%02d_%06d_%05d_%s"
        % (
            r.randint(1, 12),
            r.randint(1, 28),
            r.randint(0, 235959),
            r.randint(0, 99999),
            _rs(r, _LOW + _DIG, 5),
        )
    ),
    "airflow_run": lambda r: (
        "scheduled__2026-%02d-%02dT%02d:00:00+00:00"
        % (r.randint(1, 12), r.randint(1, 28), r.randint(0, 23))
    ),
    "lsn": lambda r: "%X/%08X" % (r.randint(1, 255), r.randint(0, 2**32 - 1)),
    "binlog": lambda r: "mysql-bin.%06d" % r.randint(1, 99999),
    "fp32": lambda r: _hexcolon(r, 32),
    "fp20": lambda r: _hexcolon(r, 20),
    "sshfp": lambda r: "SHA256:" + _rs(r, _AN + "+/", 43),
    "gpgfp": lambda r: _rs(r, _HEXU, 40),
    "fbappid": lambda r: "1:%012d:android:%s" % (r.randint(10**11, 10**12 - 1), _rs(r, _HEX, 16)),
    "scan": lambda r: _rs(r, _LOW + _DIG, 13),
    "irodscks": lambda r: "sha2:" + _b64(_rbytes(r, 32)),
    "stripe_req": lambda r: "req_" + _rs(r, _AN, 14),
    "stripe_pi": lambda r: "pi_3" + _rs(r, _AN, 23),
    "stripe_evt": lambda r: "evt_1" + _rs(r, _AN, 23),
    "pspref": lambda r: r.choice(_UP) + _rs(r, _UP + _DIG, 15),
    "amzreq": lambda r: _rs(r, _HEXU, 16),
    "hikserial": lambda r: (
        "DS-7608NI-K2/8P0820%02d%02d%02dCCRRJ%09d"
        % (r.randint(19, 26), r.randint(1, 12), r.randint(1, 28), r.randint(0, 10**9 - 1))
    ),
    "certserial": lambda r: _rs(r, _HEXU, 32),
    "versioncode": lambda r: "%d" % r.randint(1000000, 99999999),
    "cfbundle": lambda r: (
        "2026.%d.%d.%d" % (r.randint(1, 12), r.randint(1, 28), r.randint(100, 9999))
    ),
    "receipt": lambda r: (
        "R%03d-%02d-%06d" % (r.randint(100, 999), r.randint(1, 24), r.randint(0, 999999))
    ),
    "batchno": lambda r: "B%05d" % r.randint(1, 99999),
    "eventid": lambda r: "EV%010d" % r.randint(0, 10**10 - 1),
    "msgid": lambda r: "<%s.%s@%s>" % (_rs(r, _HEX, 12), _rs(r, _DIG, 6), r.choice(_DOMAINS)),
    "chan": lambda r: "PJSIP/%d-%s" % (r.randint(100, 8999), _rs(r, _HEX, 8)),
    "ipek_kcv": lambda r: _rs(r, _HEXU, 6),
    "jobkey": lambda r: "%s:%s" % (r.choice(["etl", "nightly", "billing"]), _rs(r, _HEX, 12)),
    "rpm": lambda r: (
        "%d.%d.%d-%d.el9" % (r.randint(0, 3), r.randint(0, 30), r.randint(0, 20), r.randint(1, 9))
    ),
    "cve": lambda r: "CVE-2026-%05d" % r.randint(1000, 99999),
    "incident": lambda r: "INC%07d" % r.randint(1, 9999999),
    "change": lambda r: "CHG%07d" % r.randint(1, 9999999),
    "ossnote": lambda r: "%07d" % r.randint(1000000, 3999999),
    "ticketid": lambda r: (
        "%s-%d" % (r.choice(["OPS", "SAP", "PAY", "HPC", "MOB", "TEL"]), r.randint(1000, 99999))
    ),
}

_KT: list[tuple[str, str]] = []


def _keep(*items: tuple[str, str]) -> None:
    _KT.extend(items)


_keep(
    # mainframe / midrange
    ("JES2 job log header", "⟨time⟩ ⟦zjob⟧ ---- WEDNESDAY, 03 DEC 2026 ----"),
    (
        "$HASP373 started",
        "⟨time⟩ ⟦zjob⟧  $HASP373 ⟨jobname⟩ STARTED - INIT 1    - CLASS A        - SYS SYS1",
    ),
    (
        "started task id",
        "⟨time⟩ ⟦stc⟧  IEF695I START ⟨jobname⟩ WITH JOBNAME ⟨jobname⟩ IS ASSIGNED TO USER STCUSER",
    ),
    ("TSU id on logon", "⟨time⟩ ⟦tsu⟧  $HASP373 ⟨mvsuser⟩ STARTED"),
    (
        "7-digit JES job id with password word",
        "IRR010I  USERID ⟨mvsuser⟩ IS ASSIGNED TO THIS JOB. ⟦j7⟧ (password change batch completed RC=0)",
    ),
    (
        "SMF80 sequence near PASSWORD",
        "IRRADU00 SMF80 event=ALTUSER qualifier=SUCCESS keywords=PASSWORD NOEXPIRED seq=⟦smfseq⟧ user=⟨mvsuser⟩",
    ),
    ("SMF record token id", "SMF type 80 record token_id=⟦smfseq⟧ written to SYS1.MAN2 at ⟨time⟩"),
    ("DB2 STARTRBA", "DSNJ099I  -DB2P LOG RECORDING TO COMMENCE WITH STARTRBA=⟦rba⟧"),
    ("DB2 LRSN in recovery", "DSNU1552I  -DB2P RECOVER UTILITY TO LRSN ⟦lrsn⟧ COMPLETE"),
    (
        "CICS task number",
        "DFHAC2206 ⟨time⟩ CICSPRD1 Transaction PAYI failed with abend ASRA. Task number ⟦cicstask⟧",
    ),
    (
        "IBM i job number",
        "Job ⟦j7⟧/QUSER/QZDASOINIT started on ⟨date⟩ at ⟨time⟩ in subsystem QUSRWRK",
    ),
    # SAP
    (
        "transport request import",
        "Transport request ⟦sap_tr⟧ imported into ⟨SID⟩ client ⟨client⟩ with RC=0004",
    ),
    ("tRFC TID", "SM58: tRFC TID ⟦trfc⟧ destination ⟨dest⟩ status 'Executed'"),
    (
        "IDoc number status",
        "IDoc ⟦idoc⟧ status 53 (Application document posted) message type ORDERS05",
    ),
    (
        "HANA connection and statement hash",
        "HANA expensive statement: CONNECTION_ID=⟦hana_conn⟧ STATEMENT_HASH=⟦md5⟧ DURATION=41s",
    ),
    ("SAP note reference", "Implemented SAP Note ⟦ossnote⟧ via SNOTE, transport ⟦sap_tr⟧"),
    (
        "sapcontrol GetProcessList pid",
        "msg_server, MessageServer, GREEN, Running, 2026 12 03 08:00:14, 1:22:10, ⟦versioncode⟧",
    ),
    (
        "hdbuserstore LIST key names",
        L(
            "KEY ⟨key⟩",
            "  ENV : ⟨host#h⟩:30013",
            "  USER: SYSTEM",
            "  KEY FILE : /usr/sap/⟨SID⟩/home/.hdb/⟨host#h⟩/SSFS_HDB.KEY",
            "Operation succeed. key_version=⟦versioncode⟧",
        ),
    ),
    # data engineering
    (
        "Kafka committed offset",
        "[Consumer clientId=consumer-⟨word⟩-1, groupId=⟨word⟩] Committed offset ⟦offset⟧ for partition ⟨topic⟩-⟨n⟩",
    ),
    (
        "Kafka offset reset",
        "Resetting offset for partition ⟨topic⟩-⟨n⟩ to position FetchPosition{offset=⟦offset⟧, offsetEpoch=Optional.empty}",
    ),
    (
        "kafka-consumer-groups describe",
        "⟨word⟩-group  ⟨topic⟩  ⟨n⟩  ⟦offset⟧  ⟦offset⟧  0  consumer-1-⟦uuid⟧ /⟨ip⟩ consumer-1",
    ),
    ("YARN application id", "INFO Client: Submitted application ⟦spark_app⟧"),
    (
        "Spark local app id",
        "INFO SparkContext: Submitted application: nightly-⟨word⟩ (app id ⟦spark_local⟧)",
    ),
    (
        "Airflow run_id",
        "[⟨date⟩, ⟨time⟩ UTC] {taskinstance.py:1157} INFO - Executing <Task(PythonOperator): load> on run_id=⟦airflow_run⟧",
    ),
    ("dbt invocation id", "⟨time⟩  Running with dbt=1.8.7 invocation_id=⟦uuid⟧"),
    ("Databricks cluster id", "Cluster ⟦dbx_cluster⟧ is RUNNING (driver ⟨ip⟩)"),
    ("Databricks token_id listing", '{"token_id": "⟦hex64⟧", "comment": "ci", "expiry_time": -1}'),
    ("Snowflake query id", "Query ID: ⟦sfqid⟧ (elapsed 2.41s, rows 18204)"),
    ("BigQuery job wait", "Waiting on ⟦bqjob⟧ ... (3s) Current status: DONE"),
    ("Trino query id", "Query ⟦trino_qid⟧, FINISHED, 12 nodes, Splits: 4,812 total"),
    (
        "ClickHouse query_id",
        "<Debug> executeQuery: (from ⟨ip⟩:51822, user: ⟨svc⟩) (query_id: ⟦uuid⟧) SELECT count() FROM events",
    ),
    (
        "Debezium LSN offset",
        "INFO  Postgres|⟨word⟩|streaming  Processing messages; committed offset {lsn=⟦lsn⟧, txId=⟦versioncode⟧}",
    ),
    (
        "MySQL binlog position",
        "INFO  MySQL|⟨word⟩|binlog  Connected to MySQL binlog at ⟨host⟩:3306, starting at binlog file '⟦binlog⟧', pos=⟦offset⟧",
    ),
    (
        "Connect task key",
        "Finished commitOffsets successfully for WorkerSourceTask{id=⟨word⟩-cdc-0} key=⟦jobkey⟧",
    ),
    # HPC / research
    ("sbatch submitted job", "Submitted batch job ⟦slurm⟧"),
    ("SLURM_JOB_ID env", "SLURM_JOB_ID=⟦slurm⟧"),
    (
        "scontrol show job",
        "JobId=⟦slurm⟧ JobName=train-⟨word⟩ UserId=⟨user⟩(⟨num⟩) Partition=⟨part⟩ NodeList=⟨node⟩",
    ),
    ("sacct array id", "⟦slurm⟧_17  train-⟨word⟩  ⟨part⟩  COMPLETED  0:0"),
    ("munge tarball md5", "MD5 (munge-0.5.16.tar.xz) = ⟦md5⟧"),
    ("Globus task id", "Task ID: ⟦uuid⟧  Status: SUCCEEDED  Files: 812"),
    ("Globus collection id", "Mapped Collection ID: ⟦uuid⟧ (Display Name: ⟨word⟩ lab storage)"),
    ("iRODS checksum", "ichksum /⟨zone⟩/home/⟨user⟩/run42.tar    ⟦irodscks⟧"),
    (
        "Jupyter kernel started",
        "[I ⟨date⟩ ⟨time⟩.221 ServerApp] Kernel started: ⟦uuid⟧, name: python3",
    ),
    ("pip hash pin", "numpy==2.1.3 --hash=sha256:⟦hex64⟧"),
    ("conda package md5", "  md5: ⟦md5⟧"),
    ("R package SHA", "RemoteSha: ⟦sha40⟧"),
    ("apptainer image digest", "INFO:    Fetching OCI image... Digest: ⟦digest⟧"),
    # CI / mobile
    ("git HEAD short sha", "HEAD is now at ⟦shashort⟧ Bump versionCode for release"),
    ("merge commit sha", "Merge commit ⟦sha40⟧ into release/⟨word⟩"),
    ("docker image digest", "⟨word⟩: digest: ⟦digest⟧ size: 2417"),
    ("apksigner public key digest", "Signer #1 public key SHA-256 digest: ⟦hex64⟧"),
    ("apksigner certificate digest", "Signer #1 certificate SHA-256 digest: ⟦hex64⟧"),
    ("keytool cert fingerprint", "\t SHA256: ⟦fp32⟧"),
    ("debug keystore SHA1", "SHA1: ⟦fp20⟧  (debug.keystore, alias androiddebugkey)"),
    ("Firebase mobilesdk_app_id", '        "mobilesdk_app_id": "⟦fbappid⟧",'),
    ("Gradle build scan", "Publishing build scan... https://gradle.com/s/⟦scan⟧"),
    ("versionCode output", "versionCode=⟦versioncode⟧ versionName=⟦semver⟧"),
    ("CFBundleVersion", "CFBundleVersion: ⟦cfbundle⟧"),
    ("Expo update group id", "Update group ID  ⟦uuid⟧"),
    ("CI build number", "Build #⟦build⟧ finished: SUCCESS"),
    ("fastlane lane summary sha", "| 3    | commit_version_bump    | ⟦shashort⟧ |"),
    (
        "TestFlight build",
        "Successfully uploaded build ⟦cfbundle⟧ to App Store Connect, processing id ⟦uuid⟧",
    ),
    # tracing / web
    ("W3C traceparent", "traceparent: 00-⟦trace⟧-⟦span⟧-01"),
    ("request id header", "X-Request-Id: ⟦uuid⟧"),
    (
        "log line trace_id span_id",
        'level=info msg="token refreshed" trace_id=⟦trace⟧ span_id=⟦span⟧',
    ),
    (
        "request_id near token_type",
        '{"request_id": "⟦uuid⟧", "token_type": "Bearer", "expires_in": 3600}',
    ),
    ("x-amz-request-id", "x-amz-request-id: ⟦amzreq⟧"),
    ("ssh host key fingerprint", "Server host key: ssh-ed25519 ⟦sshfp⟧"),
    ("gpg using key fingerprint", "gpg: using RSA key ⟦gpgfp⟧"),
    ("TLS certificate serial", "subject=CN=⟨host⟩ serial=⟦certserial⟧"),
    ("file checksum sha256sum", "⟦hex64⟧  release-⟦semver⟧.tar.gz"),
    ("RPM version", "Installed: asterisk-⟦rpm⟧.x86_64"),
    ("CVE reference", "Patched ⟦cve⟧ in freeswitch ⟦semver⟧"),
    ("incident ticket id", "Linked ⟦incident⟧ to ⟦change⟧"),
    ("jira key", "See ⟦ticketid⟧ for the rollout plan"),
    ("mail message id", "Message-ID: ⟦msgid⟧"),
    # telephony
    ("SIP Call-ID", "Call-ID: ⟦callid⟧"),
    ("SIP Via branch", "Via: SIP/2.0/UDP ⟨ip⟩:5060;branch=⟦branch⟧;rport"),
    ("SIP From tag", 'From: "⟨person⟩" <sip:⟨ext⟩@⟨domain⟩>;tag=⟦siptag⟧'),
    ("Asterisk Uniqueid", "Uniqueid: ⟦uniqueid⟧"),
    ("Asterisk channel name", "== Using SIP RTP CoS mark 5; Channel ⟦chan⟧ joined 'simple_bridge'"),
    (
        "FreeSWITCH channel uuid",
        "⟨date⟩ ⟨time⟩ [NOTICE] switch_channel.c:1142 New Channel sofia/internal/⟨ext⟩@⟨domain⟩ [⟦uuid⟧]",
    ),
    ("CDR linkedid", '"⟨ext⟩","00⟨num⟩","from-internal","ANSWERED","⟦uniqueid⟧"'),
    ("Kamailio dialog hash", "dialog: hash_id=⟦versioncode⟧ callid=⟦callid⟧ state=4"),
    # devices
    ("printer serial and firmware", "Serial Number: ⟦prnserial⟧   Firmware: ⟦fw⟧"),
    ("printer MAC", "Hardware Address: ⟦mac⟧"),
    ("NVR device serial", "Device serial No.: ⟦hikserial⟧"),
    (
        "door controller event id",
        "ACCESS GRANTED reader=⟨word⟩-in card_format=H10301 event=⟦eventid⟧",
    ),
    ("door controller firmware", "Controller ⟨ip⟩ firmware ⟦fw⟧ key slot=2 (no key loaded)"),
    ("camera MAC in ONVIF probe", "ProbeMatch: urn:uuid:⟦uuid⟧ hw=⟦mac⟧"),
    # payments
    ("ISO STAN RRN", "0210 STAN=⟦stan⟧ RRN=⟦rrn⟧ RC=00"),
    ("terminal id and auth code", "TID ⟦tid⟧ APPROVED AUTH CODE ⟦authcode⟧"),
    ("merchant id line", "MID: ⟦mid⟧  BATCH ⟦batchno⟧ CLOSED"),
    ("KCV after load", "ZMK loaded into slot 4, KCV=⟦kcv⟧"),
    ("key check value words", "Key check value: ⟦kcv⟧ (TPK under ZMK)"),
    ("KSN counter", "DUKPT KSN ⟦ksn⟧ transaction counter advanced"),
    ("IPEK KCV", "IPEK loaded for BDK id 01, key check value ⟦ipek_kcv⟧"),
    ("receipt number", "Receipt ⟦receipt⟧ printed, lane ⟨lane⟩"),
    ("Stripe request id", "Request req: ⟦stripe_req⟧ (POST /v1/payment_intents) 200"),
    ("Stripe payment intent id", "payment_intent.succeeded ⟦stripe_pi⟧ amount=2000"),
    ("Stripe event id", "Webhook received: ⟦stripe_evt⟧ type=charge.refunded"),
    ("Adyen pspReference", '{"pspReference": "⟦pspref⟧", "resultCode": "Authorised"}'),
    (
        "ISO field 11/37/41 table",
        L(
            "| DE | Name | Value |",
            "| 11 | STAN | ⟦stan⟧ |",
            "| 37 | RRN  | ⟦rrn⟧ |",
            "| 41 | TID  | ⟦tid⟧ |",
        ),
    ),
    # legal / gov / library
    ("US docket case number", "NEF: Activity in Case ⟦caseno⟧ ⟨person⟩ v. ⟨city⟩ Corp."),
    ("Brazil CNJ process number", "Processo nº ⟦cnj⟧ - petição protocolada com sucesso"),
    ("ECLI citation", "Zie uitspraak ⟦ecli⟧ (publicatie ⟨date⟩)"),
    ("KSeF reference number", "Numer referencyjny KSeF: ⟦ksefref⟧"),
    ("ISBN", "ISBN ⟦isbn⟧ added to order ⟨num⟩"),
    ("item barcode checkin", "Checked in item barcode ⟦barcode⟧ at ⟨inst⟩"),
    ("OCLC number", "Record matched ⟦oclc⟧ (OCLC), overlay done"),
    (
        "SIP2 checkin transaction id",
        "10YNY20261203    101522AO⟨inst⟩|AB⟦barcode⟧|AQ⟨inst⟩|AJ⟨word⟩|",
    ),
    # human text with diagnostics
    (
        "EN postmortem with ids",
        "Timeline: job ⟦slurm⟧ failed at ⟨time⟩; trace ⟦trace⟧ shows the token refresh call timing out.",
    ),
    (
        "PT chat with commit",
        "Pessoal, o deploy do commit ⟦shashort⟧ resolveu o problema do ID de transação.",
    ),
    (
        "IT ticket with transport",
        "Richiesta di trasporto ⟦sap_tr⟧ rilasciata, nessuna password coinvolta.",
    ),
    (
        "NL handover with KCV",
        "Sleutelcontrolewaarde (KCV) na het laden: ⟦kcv⟧ - klopt met het formulier.",
    ),
    ("PL note with offset", "Konsument zatrzymał się na offsecie ⟦offset⟧ w partycji ⟨n⟩."),
    ("TR ticket with RRN", "İşlem RRN ⟦rrn⟧ ile eşleşti, terminal ID ⟦tid⟧."),
    (
        "RU chat with application id",
        "Задача Spark ⟦spark_app⟧ упала на этапе shuffle, ключ не при чём.",
    ),
    ("UK note with job id", "Завдання Slurm ⟦slurm⟧ завершилось з кодом 137 (OOM)."),
    ("VI chat with request id", "Mã yêu cầu (request id) ⟦uuid⟧ bị timeout ở gateway."),
    ("TH chat with build", "บิลด์ ⟦build⟧ ผ่านแล้ว พร้อมปล่อยขึ้นสโตร์"),
    ("ZH chat with digest", "镜像摘要 ⟦digest⟧ 已推送到生产仓库。"),
    ("SW note with STAN", "Muamala STAN ⟦stan⟧ ulikamilika, nambari ya idhini ⟦authcode⟧."),
    ("FI note with call id", "Puhelun Call-ID oli ⟦callid⟧, rekisteröinti onnistui."),
    ("CS note with case number", "Číslo jednací spisu ⟦ticketid⟧ a kontrolní součet ⟦md5⟧."),
)


# ---------------------------------------------------------------------------
# rendering
# ---------------------------------------------------------------------------

_DERIVED = {
    "b64of": lambda v: _b64(v.encode()),
    "hexof": lambda v: v.encode().hex(),
}


def _value_ok(v: str, skeleton: str, others, used: set, ktoks: list, kblob: str) -> bool:
    if len(v) < 4 or "\n" in v or "\x00" in v:
        return False
    if v in skeleton or v in used or v in kblob:
        return False
    for o in others:
        if v in o or o in v:
            return False
    return all(k not in v for k in ktoks)


def _render_case(
    rng: random.Random, text: str, used: set, ktoks: list, kblob: str
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    parts, names = _names_pass(rng, text)
    skeleton = "".join(p[1] if p[0] == "lit" else "\x00" for p in parts)
    parsed = []
    anon = 0
    for p in parts:
        if p[0] == "sec":
            kind, arg, label = _spec(p[1])
            if label is None:
                anon += 1
                label = "_s%d" % anon
            parsed.append((kind, arg, label))
    secrets: dict[str, str] = {}
    for derived_pass in (False, True):
        for kind, arg, label in parsed:
            if label in secrets or (kind in _DERIVED) != derived_pass:
                continue
            for _attempt in range(400):
                v = _DERIVED[kind](secrets[arg]) if kind in _DERIVED else _SG[kind](rng, arg, names)
                if _value_ok(v, skeleton, secrets.values(), used, ktoks, kblob):
                    break
                if kind in _DERIVED:
                    raise RuntimeError("derived secret rejected in %r" % text[:60])
            else:
                raise RuntimeError("could not place secret %s in %r" % (kind, text[:60]))
            secrets[label] = v
            used.add(v)
    out = []
    it = iter(parsed)
    values: list[str] = []
    for p in parts:
        if p[0] == "lit":
            out.append(p[1])
        else:
            v = secrets[next(it)[2]]
            out.append(v)
            if v not in values:
                values.append(v)
    return tuple("".join(out).split("\n")), tuple(values)


def _render_keep(
    rng: random.Random, text: str, used: set
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    parts, _names = _names_pass(rng, text)
    toks: list[str] = []
    out = []
    for p in parts:
        if p[0] == "lit":
            out.append(p[1])
            continue
        kind, _arg, _label = _spec(p[1])
        for _attempt in range(400):
            t = _KG[kind](rng)
            if len(t) >= 6 and t not in used and "\n" not in t:
                break
        else:
            raise RuntimeError("could not place keep token %s" % kind)
        used.add(t)
        toks.append(t)
        out.append(t)
    return tuple("".join(out).split("\n")), tuple(toks)


def keep_list() -> list[Keep]:
    rng = random.Random(SEED + 1)
    used: set[str] = set()
    out: list[Keep] = []
    for fmt, text in _KT:
        for _ in range(VARIANTS):
            lines, toks = _render_keep(rng, text, used)
            out.append(Keep(fmt, lines, toks))
    return out


def cases() -> list[Case]:
    ktoks = sorted({t for k in keep_list() for t in k.tokens})
    kblob = "\x00".join(ktoks)
    rng = random.Random(SEED)
    used: set[str] = set()
    out: list[Case] = []
    for family, fmt, text in _CT:
        for _ in range(VARIANTS):
            lines, values = _render_case(rng, text, used, ktoks, kblob)
            out.append(Case(family, fmt, lines, values))
    return out


def _check() -> dict[str, int]:
    cs = cases()
    ks = keep_list()
    assert cs == cases(), "cases() not deterministic"
    assert ks == keep_list(), "keep_list() not deterministic"
    fam_re = re.compile(r"^[a-z][a-z0-9_]*$")
    all_values: set[str] = set()
    for c in cs:
        assert fam_re.match(c.family), c.family
        assert c.format and c.lines and c.values, c
        assert len(set(c.values)) == len(c.values), ("duplicate value", c)
        for v in c.values:
            assert len(v) >= 4, ("short value", v)
            assert any(v in line for line in c.lines), ("value not in lines", v, c.lines)
            all_values.add(v)
    all_tokens: set[str] = set()
    for k in ks:
        assert k.format and k.lines and k.tokens, k
        assert len(set(k.tokens)) == len(k.tokens), ("duplicate token", k)
        for t in k.tokens:
            assert any(t in line for line in k.lines), ("token not in lines", t, k.lines)
            all_tokens.add(t)
    for v in all_values:
        for t in all_tokens:
            assert v != t and v not in t and t not in v, ("value/keep overlap", v, t)
    return {
        "families": len({c.family for c in cs}),
        "case_templates": len(_CT),
        "cases": len(cs),
        "values": sum(len(c.values) for c in cs),
        "keep_templates": len(_KT),
        "keep_entries": len(ks),
        "keep_tokens": sum(len(k.tokens) for k in ks),
    }


if __name__ == "__main__":
    print(_check())
