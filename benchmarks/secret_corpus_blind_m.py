# ruff: noqa: E501, RUF001, UP031
"""Sealed blind corpus M for a log/secret sanitizer, written by helper M on 2026-12-03 without reading the sanitizer, its tests, the other corpora or any benchmark results.

Theme: runtime dumps and debuggers (Python tracebacks with locals, JVM dumps and
system properties, Node util.inspect, Go %+v panics, Ruby/PHP dumps, .NET
exceptions, Rust Debug output, gdb/strace), API clients and HTTP tooling (Copy as
cURL/fetch/PowerShell, HAR, Postman/Insomnia, HTTPie/wget, .http files,
mitmproxy/Charles), webhooks and SaaS integrations, observability pipelines
(OpenTelemetry, Jaeger/Zipkin, Sentry, Fluent Bit/Fluentd/Logstash/Vector,
Prometheus/Alertmanager, Grafana/Loki), data plane and coordination services
(PostgreSQL, MySQL, MongoDB, Redis, Elasticsearch/OpenSearch, Cassandra,
ClickHouse, Kafka/ZooKeeper, etcd/Consul/Nomad/Vault, pgbouncer/ProxySQL),
service mesh, gateways, CDN and edge (Envoy/Istio, Kong/Tyk/Apigee,
Traefik/Caddy/HAProxy, Cloudflare/Fastly/Akamai, WAF logs), database migration
and ORM tools, and people writing informally (chat threads, code-switched and
transliterated prose, more than 15 natural languages, markdown tables, bullet
lists, blockquotes, postmortems, handover notes, pastebin snippets, OCR text).

Every case template is rendered VARIANTS = 2 times with fresh secrets and fresh
surrounding names.  Planted values come from random.Random(SEED) with
SEED = 20261205; keep tokens come from random.Random(SEED + 1).  No real
credentials are contained.

Counts (as returned by _check()):
    {'families': 42, 'case_templates': 486, 'cases': 972, 'planted_values': 1086, 'keep_templates': 107, 'keep_entries': 214, 'keep_tokens': 312}

Interface:
    cases()     -> list[Case]   (family, format, lines, values)
    keep_list() -> list[Keep]   (format, lines, tokens)
"""

import base64
import json
import random
import re
import string
import urllib.parse
import uuid
from typing import NamedTuple

SEED = 20261205
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
# random building blocks
# ---------------------------------------------------------------------------

_LC = string.ascii_lowercase
_UC = string.ascii_uppercase
_D = string.digits
_AN = _LC + _UC + _D
_B64U = _AN + "-_"
_HEX = "0123456789abcdef"
_UHEX = "0123456789ABCDEF"
_SYM = "!#%*+-.=?@^_~$"
_USYM = "-_.~!*"

_WORDS = [
    "amber",
    "anchor",
    "apricot",
    "aspen",
    "autumn",
    "badger",
    "bamboo",
    "basil",
    "beacon",
    "birch",
    "biscuit",
    "blossom",
    "bramble",
    "breeze",
    "bronze",
    "buffalo",
    "cactus",
    "canyon",
    "caramel",
    "cedar",
    "cherry",
    "cinder",
    "clover",
    "cobalt",
    "comet",
    "copper",
    "coral",
    "cosmos",
    "cricket",
    "crimson",
    "cypress",
    "dahlia",
    "denim",
    "ember",
    "falcon",
    "fennel",
    "fjord",
    "flint",
    "forest",
    "fossil",
    "galaxy",
    "garnet",
    "ginger",
    "glacier",
    "granite",
    "harbor",
    "hazel",
    "heron",
    "hickory",
    "honey",
    "indigo",
    "iris",
    "ivory",
    "jasper",
    "juniper",
    "kestrel",
    "lagoon",
    "lantern",
    "lavender",
    "lemon",
    "linen",
    "lotus",
    "lunar",
    "magnet",
    "mango",
    "maple",
    "marble",
    "meadow",
    "mercury",
    "monsoon",
    "mosaic",
    "nectar",
    "nutmeg",
    "oasis",
    "olive",
    "orbit",
    "orchid",
    "otter",
    "paprika",
    "pebble",
    "pepper",
    "plum",
    "poppy",
    "prairie",
    "quartz",
    "quill",
    "raven",
    "saffron",
    "sapphire",
    "sequoia",
    "sierra",
    "silver",
    "sparrow",
    "spruce",
    "summit",
    "sunset",
    "tango",
    "thistle",
    "thunder",
    "tiger",
    "topaz",
    "tulip",
    "tundra",
    "velvet",
    "violet",
    "walnut",
    "willow",
    "zephyr",
]
_SEASONS = ("Spring", "Summer", "Autumn", "Winter", "Welcome", "Company", "Password")
_FIRST = [
    "anna",
    "bruno",
    "chen",
    "dmitri",
    "elena",
    "farah",
    "gustavo",
    "hiro",
    "ines",
    "jamal",
    "kasia",
    "liam",
    "maya",
    "noor",
    "oskar",
    "priya",
    "quentin",
    "rosa",
    "sven",
    "tariq",
    "uma",
    "vikram",
    "wen",
    "yusuf",
    "zofia",
    "aiko",
    "bilal",
    "carmen",
    "dario",
    "emeka",
    "femi",
    "giulia",
    "hana",
    "ivan",
    "jonas",
    "kofi",
    "lucia",
    "mateo",
    "nadia",
    "olga",
    "pavel",
    "rahul",
]
_LAST = [
    "almeida",
    "brandt",
    "costa",
    "dubois",
    "eriksen",
    "fischer",
    "garcia",
    "haddad",
    "ivanova",
    "jensen",
    "kowalski",
    "lindqvist",
    "moreau",
    "nakamura",
    "okafor",
    "petrov",
    "quiroga",
    "rossi",
    "schmidt",
    "tanaka",
    "urban",
    "vargas",
    "weber",
    "xu",
    "yilmaz",
    "zhang",
    "novak",
    "ferreira",
    "horvat",
    "mensah",
]
_SVCS = [
    "billing-api",
    "ledger",
    "checkout",
    "payments-gw",
    "notifier",
    "search-indexer",
    "auth-svc",
    "inventory",
    "reporting",
    "media-proxy",
    "etl-runner",
    "webhooks-relay",
    "orders-svc",
    "catalog",
    "shipping",
    "fraud-scorer",
    "invoicing",
    "user-profile",
    "pricing",
    "recommendations",
    "mailer",
    "geo-lookup",
]
_ROLES = [
    "db",
    "api",
    "cache",
    "kafka",
    "es",
    "mq",
    "web",
    "worker",
    "vault",
    "edge",
    "lb",
    "mongo",
    "redis",
    "pg",
]
_ENVS = ["prod", "stg", "dev", "qa", "eu1", "us2", "ap1"]
_INTDOM = (
    "internal",
    "corp.local",
    "prod.acme.io",
    "svc.cluster.local",
    "ec2.internal",
    "infra.globex.net",
)
_DOMAINS = [
    "acme-corp.com",
    "globex.io",
    "initech.net",
    "umbrella-labs.dev",
    "hooli.xyz",
    "vandelay.co",
    "stark-ind.com",
    "wayne-ent.net",
    "cyberdyne.io",
    "soylent.app",
    "tyrell.systems",
    "massive-dynamic.com",
    "pied-piper.io",
    "oscorp.dev",
]
_DBS = [
    "orders",
    "billing",
    "ledger",
    "analytics",
    "inventory",
    "customers",
    "events",
    "app_prod",
    "warehouse",
    "payments",
    "crm",
]
_REGIONS = [
    "us-east-1",
    "us-west-2",
    "eu-west-1",
    "eu-central-1",
    "ap-southeast-2",
    "ap-northeast-1",
    "sa-east-1",
]
_TEAMS = ["platform", "payments", "sre", "data-eng", "growth", "core-infra", "identity", "checkout"]


def _s(r, chars, n):
    return "".join(r.choice(chars) for _ in range(n))


def _b64(b):
    return base64.b64encode(b).decode()


def _b64u(b):
    return base64.urlsafe_b64encode(b).decode().rstrip("=")


def _b64s(s):
    return _b64(s.encode())


def _b64us(s):
    return _b64u(s.encode())


def _uuid(r):
    return str(uuid.UUID(int=r.getrandbits(128), version=4))


def _leet(w, r, table):
    return "".join(table[c] if c in table and r.random() < 0.6 else c for c in w)


def _human_pw(r, syms, table):
    w1 = r.choice(_WORDS)
    w2 = r.choice(_WORDS)
    s = r.choice(syms)
    d = str(r.randint(1, 9999)).zfill(r.choice((2, 3, 4)))
    k = r.randrange(7)
    if k == 0:
        p = w1.capitalize() + d + s
    elif k == 1:
        p = w1 + s + w2.capitalize() + d
    elif k == 2:
        p = w1[0].upper() + _leet(w1[1:], r, table) + s + d
    elif k == 3:
        p = r.choice(_SEASONS) + str(r.randint(2019, 2026)) + s
    elif k == 4:
        p = w1.capitalize() + s + w2 + s + d
    elif k == 5:
        p = r.choice(_LC + _UC) + _s(r, _AN + syms, r.randint(13, 19))
    else:
        p = w1.capitalize() + w2.capitalize() + d + s
    while len(p) < 9:
        p += r.choice(_D)
    return p


def _pw(r):
    return _human_pw(r, _SYM, {"a": "@", "o": "0", "e": "3", "i": "1", "s": "$"})


def _upw(r):
    return _human_pw(r, _USYM, {"a": "4", "o": "0", "e": "3", "i": "1"})


def _spw(r):
    w = r.choice(_WORDS)[:6].capitalize()
    return w + str(r.randint(10, 999)) + r.choice("!#*-.?")


def _pp(r):
    ws = [r.choice(_WORDS) for _ in range(4)]
    if r.random() < 0.4:
        ws[r.randrange(4)] += str(r.randint(1, 99))
    return "-".join(ws)


def _pps(r):
    return " ".join(r.choice(_WORDS) for _ in range(4))


def _jwt(r):
    if r.random() < 0.5:
        hdr = '{"alg":"HS256","typ":"JWT"}'
        sig = _b64u(r.randbytes(32))
    else:
        hdr = '{"alg":"RS256","kid":"%s","typ":"JWT"}' % _s(r, _HEX, 16)
        sig = _b64u(r.randbytes(64))
    now = r.randint(1764000000, 1767000000)
    body = json.dumps(
        {
            "sub": _uuid(r),
            "iss": "https://auth." + r.choice(_DOMAINS),
            "scope": r.choice(
                ["read write", "orders:read", "admin", "billing:write offline_access"]
            ),
            "iat": now,
            "exp": now + r.choice([900, 3600, 86400]),
        },
        separators=(",", ":"),
    )
    return _b64us(hdr) + "." + _b64us(body) + "." + sig


def _stripe_body(r):
    return _s(r, _AN, 24) if r.random() < 0.4 else "51" + _s(r, _UC + _D, 10) + _s(r, _AN, 87)


def _pem_b64(r):
    body = _b64(r.randbytes(121))
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    pem = "-----BEGIN EC PRIVATE KEY-----\n" + "\n".join(lines) + "\n-----END EC PRIVATE KEY-----\n"
    return _b64s(pem)


def _glc(r):
    j = json.dumps(
        {
            "o": str(r.randint(100000, 999999)),
            "n": "stack-" + str(r.randint(100000, 999999)) + "-hm-write-" + r.choice(_SVCS),
            "k": _s(r, _AN, 24),
            "m": {"r": r.choice(["prod-us-east-0", "prod-eu-west-2"])},
        },
        separators=(",", ":"),
    )
    return "glc_" + _b64s(j)


def _grafkey(r):
    j = json.dumps(
        {
            "k": _s(r, _AN, 32),
            "n": r.choice(["ci-deploy", "provisioner", "backup"]),
            "id": r.randint(1, 40),
        },
        separators=(",", ":"),
    )
    return _b64s(j)


def _cftunnel(r):
    j = json.dumps(
        {"a": _s(r, _HEX, 32), "t": _uuid(r), "s": _b64(r.randbytes(32))}, separators=(",", ":")
    )
    return _b64s(j)


def _esenroll(r):
    j = json.dumps(
        {
            "ver": "8.%d.%d" % (r.randint(8, 15), r.randint(0, 4)),
            "adr": ["10.%d.%d.%d:9200" % (r.randint(0, 255), r.randint(0, 255), r.randint(1, 254))],
            "fgr": _s(r, _HEX, 64),
            "key": _s(r, _B64U, 20) + ":" + _s(r, _B64U, 22),
        },
        separators=(",", ":"),
    )
    return _b64s(j)


def _ip(r):
    return "10.%d.%d.%d" % (r.randint(0, 255), r.randint(0, 255), r.randint(2, 254))


def _user(r):
    f = r.choice(_FIRST)
    la = r.choice(_LAST)
    k = r.randrange(5)
    if k == 0:
        return f + "." + la
    if k == 1:
        return f[0] + la
    if k == 2:
        return f + "_" + la[:3]
    if k == 3:
        return "svc_" + r.choice(_SVCS).split("-")[0]
    return f


def _host(r):
    return "%s-%s-%02d.%s" % (
        r.choice(_ROLES),
        r.choice(_ENVS),
        r.randint(1, 12),
        r.choice(_INTDOM),
    )


def _ts(r):
    return "2026-11-%02dT%02d:%02d:%02d.%03dZ" % (
        r.randint(1, 30),
        r.randint(0, 23),
        r.randint(0, 59),
        r.randint(0, 59),
        r.randint(0, 999),
    )


def _tsl(r):
    return "2026-11-%02d %02d:%02d:%02d" % (
        r.randint(1, 30),
        r.randint(0, 23),
        r.randint(0, 59),
        r.randint(0, 59),
    )


def _ver(r):
    return "%d.%d.%d" % (r.randint(1, 9), r.randint(0, 40), r.randint(0, 25))


def _arnsec(r):
    return "arn:aws:secretsmanager:%s:%d:secret:%s/%s-%s" % (
        r.choice(_REGIONS),
        r.randint(10**11, 10**12 - 1),
        r.choice(_ENVS),
        r.choice(_SVCS),
        _s(r, _AN, 6),
    )


def _arnrole(r):
    return "arn:aws:iam::%d:role/%s-%s" % (
        r.randint(10**11, 10**12 - 1),
        r.choice(_SVCS),
        r.choice(["secrets-reader", "token-issuer", "kms-decrypt", "rotation-lambda"]),
    )


def _arnkms(r):
    return "arn:aws:kms:%s:%d:key/%s" % (
        r.choice(_REGIONS),
        r.randint(10**11, 10**12 - 1),
        _uuid(r),
    )


def _certfp(r):
    return ":".join(_s(r, _UHEX, 2) for _ in range(32))


def _serial(r):
    return ":".join(_s(r, _LC[:6] + _D, 2) for _ in range(16))


_GEN = {
    # ---- secrets ----
    "pw": _pw,
    "upw": _upw,
    "spw": _spw,
    "pp": _pp,
    "pps": _pps,
    "pin4": lambda r: "%04d" % r.randint(1000, 9999),
    "pin6": lambda r: "%06d" % r.randint(100000, 999999),
    "pin8": lambda r: "%08d" % r.randint(10000000, 99999999),
    "hex24": lambda r: _s(r, _HEX, 24),
    "hex32": lambda r: _s(r, _HEX, 32),
    "hex40": lambda r: _s(r, _HEX, 40),
    "hex64": lambda r: _s(r, _HEX, 64),
    "hex96": lambda r: _s(r, _HEX, 96),
    "hex128": lambda r: _s(r, _HEX, 128),
    "b64_24": lambda r: _b64(r.randbytes(24)),
    "b64_32": lambda r: _b64(r.randbytes(32)),
    "b64_33": lambda r: _b64(r.randbytes(33)),
    "b64_48": lambda r: _b64(r.randbytes(48)),
    "b64_64": lambda r: _b64(r.randbytes(64)),
    "b64u32": lambda r: _b64u(r.randbytes(32)),
    "fernet": lambda r: base64.urlsafe_b64encode(r.randbytes(32)).decode(),
    "an16": lambda r: _s(r, _AN, 16),
    "an20": lambda r: _s(r, _AN, 20),
    "an22": lambda r: _s(r, _AN, 22),
    "an24": lambda r: _s(r, _AN, 24),
    "an32": lambda r: _s(r, _AN, 32),
    "an40": lambda r: _s(r, _AN, 40),
    "an48": lambda r: _s(r, _AN, 48),
    "an64": lambda r: _s(r, _AN, 64),
    "lo32": lambda r: _s(r, _LC + _D, 32),
    "ghp": lambda r: "ghp_" + _s(r, _AN, 36),
    "gho": lambda r: "gho_" + _s(r, _AN, 36),
    "ghs": lambda r: "ghs_" + _s(r, _AN, 36),
    "ghpat": lambda r: "github_pat_11" + _s(r, _UC + _D, 20) + "_" + _s(r, _AN, 59),
    "glpat": lambda r: "glpat-" + _s(r, _AN + "-_", 20),
    "gloas": lambda r: "gloas-" + _s(r, _HEX, 64),
    "npm": lambda r: "npm_" + _s(r, _AN, 36),
    "pypi": lambda r: "pypi-AgEIcHlwaS5vcmc" + _s(r, _B64U, 150),
    "cio": lambda r: "cio" + _s(r, _AN, 32),
    "xoxb": lambda r: (
        "xoxb-%d-%d-%s" % (r.randint(10**10, 10**12), r.randint(10**12, 10**13), _s(r, _AN, 24))
    ),
    "xoxp": lambda r: (
        "xoxp-%d-%d-%d-%s"
        % (
            r.randint(10**10, 10**12),
            r.randint(10**10, 10**12),
            r.randint(10**12, 10**13),
            _s(r, _HEX, 32),
        )
    ),
    "xapp": lambda r: (
        "xapp-1-A0%s-%d-%s" % (_s(r, _UC + _D, 9), r.randint(10**12, 10**13), _s(r, _HEX, 64))
    ),
    "slackhook": lambda r: _s(r, _AN, 24),
    "sklive": lambda r: "sk_live_" + _stripe_body(r),
    "rklive": lambda r: "rk_live_" + _stripe_body(r),
    "sktest": lambda r: "sk_test_" + _stripe_body(r),
    "whsec": lambda r: "whsec_" + _s(r, _AN, 32),
    "sg": lambda r: "SG." + _s(r, _B64U, 22) + "." + _s(r, _B64U, 43),
    "shpat": lambda r: "shpat_" + _s(r, _HEX, 32),
    "shpss": lambda r: "shpss_" + _s(r, _HEX, 32),
    "awssk": lambda r: _s(r, _AN + "/+", 40),
    "sts": lambda r: "IQoJb3JpZ2luX2VjE" + _s(r, _AN + "/+", 180) + "=",
    "jwt": _jwt,
    "aiza": lambda r: "AIza" + _s(r, _AN + "-_", 35),
    "gocspx": lambda r: "GOCSPX-" + _s(r, _AN + "-_", 28),
    "azsec": lambda r: _s(r, _AN, 3) + r.choice(_D) + "Q~" + _s(r, _AN + "_.~-", 34),
    "ya29": lambda r: "ya29.a0" + _s(r, _AN + "-_", 120),
    "grt": lambda r: "1//0" + r.choice("3cegG") + _s(r, _AN + "-_", 95),
    "hvs": lambda r: (
        "hvs." + (_s(r, _AN, 24) if r.random() < 0.5 else "CAESI" + _s(r, _AN + "-_", 86))
    ),
    "glsa": lambda r: "glsa_" + _s(r, _AN, 32) + "_" + _s(r, _HEX, 8),
    "glc": _glc,
    "grafkey": _grafkey,
    "usec": _uuid,
    "cfapi": lambda r: _s(r, _AN + "-_", 40),
    "cfkey": lambda r: _s(r, _HEX, 37),
    "cftunnel": _cftunnel,
    "fastly": lambda r: _s(r, _AN + "-_", 32),
    "akab": lambda r: "akab-" + _s(r, _LC + _D, 16) + "-" + _s(r, _LC + _D, 16),
    "akcs": lambda r: _b64(r.randbytes(32)),
    "age": lambda r: "AGE-SECRET-KEY-1" + _s(r, "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L", 58),
    "wg": lambda r: _b64(r.randbytes(32)),
    "totp": lambda r: _s(r, _UC + "234567", 32),
    "recov": lambda r: _s(r, _HEX, 5) + "-" + _s(r, _HEX, 5),
    "djsess": lambda r: _s(r, _LC + _D, 32),
    "phpsess": lambda r: _s(r, _LC + _D, 26),
    "jsess": lambda r: _s(r, _UHEX, 32),
    "aspnet": lambda r: "CfDJ8" + _s(r, _B64U, 180),
    "csid": lambda r: "s%3A" + _s(r, _B64U, 32) + "." + _s(r, _AN, 43),
    "flasksess": lambda r: (
        "eyJ" + _s(r, _B64U, 44) + "." + _s(r, _B64U, 6) + "." + _s(r, _B64U, 27)
    ),
    "railsess": lambda r: _s(r, _AN, 118) + "%3D%3D--" + _s(r, _HEX, 40),
    "railskey": lambda r: _s(r, _HEX, 128),
    "djkey": lambda r: (
        ("django-insecure-" if r.random() < 0.3 else "")
        + _s(r, "abcdefghijklmnopqrstuvwxyz0123456789!@#$%^*(-_=+)", 50)
    ),
    "esapi": lambda r: _b64s(_s(r, _B64U, 20) + ":" + _s(r, _B64U, 22)),
    "esenroll": _esenroll,
    "espw": lambda r: _s(r, _AN, 3) + _s(r, _AN + "_*=+-", 17),
    "md5pw": lambda r: "md5" + _s(r, _HEX, 32),
    "oai": lambda r: "sk-proj-" + _s(r, _AN + "-_", 74) + "T3BlbkFJ" + _s(r, _AN + "-_", 74),
    "ant": lambda r: "sk-ant-api03-" + _s(r, _AN + "-_", 93) + "AA",
    "mailgun": lambda r: "key-" + _s(r, _HEX, 32),
    "dckr": lambda r: "dckr_pat_" + _s(r, _AN + "-_", 27),
    "pmak": lambda r: "PMAK-" + _s(r, _HEX, 24) + "-" + _s(r, _HEX, 34),
    "atlas": lambda r: "ATATT3xFfGF0" + _s(r, _AN + "-_", 170) + "=" + _s(r, _UHEX, 8),
    "linear": lambda r: "lin_api_" + _s(r, _AN, 40),
    "discord": lambda r: _s(r, _AN + "-_", 68),
    "tgbot": lambda r: "%d:AA%s" % (r.randint(10**9, 8 * 10**9), _s(r, _AN + "-_", 33)),
    "jenkins": lambda r: "11" + _s(r, _HEX, 32),
    "sntrys": lambda r: "sntrys_eyJpYXQiOjE3" + _s(r, _AN, 70) + "_" + _s(r, _AN + "-_", 43),
    "tyk": lambda r: _s(r, _HEX, 24) + _s(r, _HEX, 32),
    "okta": lambda r: "00" + _s(r, _AN + "-_", 40),
    "nrlic": lambda r: _s(r, _HEX, 36) + "NRAL",
    "airtable": lambda r: "pat" + _s(r, _AN, 14) + "." + _s(r, _HEX, 64),
    "astra": lambda r: "AstraCS:" + _s(r, _AN, 24) + ":" + _s(r, _HEX, 64),
    "ngrok": lambda r: "2" + _s(r, _AN, 26) + "_" + _s(r, _AN, 21),
    "ifttt": lambda r: _s(r, _AN + "-_", 22),
    "azfunc": lambda r: _s(r, _AN + "_-", 54) + "==",
    "azkey": lambda r: _b64(r.randbytes(64)),
    "sassig": lambda r: urllib.parse.quote(_b64(r.randbytes(32)), safe=""),
    "confsec": lambda r: _s(r, _AN + "+/", 64),
    "pdrest": lambda r: "u+" + _s(r, _AN + "_-", 18),
    "unseal": lambda r: _b64(r.randbytes(33)),
    "gapp": lambda r: " ".join(_s(r, _LC, 4) for _ in range(4)),
    "pemline": lambda r: _b64(r.randbytes(48)),
    "pemlast": lambda r: _b64(r.randbytes(r.randint(12, 40))),
    "pemb64": _pem_b64,
    "wpsalt": lambda r: _s(r, _AN + "!#$%()*+,-./:;<=>?@[]^_`{|}~", 64),
    "honey": lambda r: _s(r, _AN, 22),
    "dsnsecret": lambda r: _s(r, _HEX, 32),
    # ---- fillers / diagnostic (never planted automatically) ----
    "user": _user,
    "host": _host,
    "dom": lambda r: r.choice(_DOMAINS),
    "email": lambda r: r.choice(_FIRST) + "." + r.choice(_LAST) + "@" + r.choice(_DOMAINS),
    "ip": _ip,
    "port": lambda r: str(
        r.choice(
            [
                5432,
                3306,
                6379,
                9200,
                9092,
                8080,
                8443,
                27017,
                5672,
                2181,
                2379,
                8500,
                4646,
                6432,
                9000,
                9042,
                8123,
            ]
        )
    ),
    "svc": lambda r: r.choice(_SVCS),
    "db": lambda r: r.choice(_DBS),
    "region": lambda r: r.choice(_REGIONS),
    "team": lambda r: r.choice(_TEAMS),
    "word": lambda r: r.choice(_WORDS),
    "name": lambda r: r.choice(_FIRST).capitalize(),
    "last": lambda r: r.choice(_LAST).capitalize(),
    "env": lambda r: r.choice(_ENVS),
    "acct": lambda r: str(r.randint(10**11, 10**12 - 1)),
    "ts": _ts,
    "tsl": _tsl,
    "kts": _ts,
    "epoch": lambda r: str(r.randint(1764000000, 1767000000)),
    "epochf": lambda r: "%d.%06d" % (r.randint(1764000000, 1767000000), r.randint(0, 999999)),
    "hhmm": lambda r: "%02d:%02d" % (r.randint(0, 23), r.randint(0, 59)),
    "n": lambda r: str(r.randint(2, 99)),
    "n3": lambda r: str(r.randint(100, 999)),
    "n4": lambda r: str(r.randint(1000, 9999)),
    "n5": lambda r: str(r.randint(10000, 99999)),
    "n6": lambda r: str(r.randint(100000, 999999)),
    "n7": lambda r: str(r.randint(1000000, 9999999)),
    "n9": lambda r: str(r.randint(100000000, 999999999)),
    "n10": lambda r: str(r.randint(1000000000, 9999999999)),
    "uuid": _uuid,
    "kuuid": _uuid,
    "trace": lambda r: _s(r, _HEX, 32),
    "span": lambda r: _s(r, _HEX, 16),
    "sha": lambda r: _s(r, _HEX, 40),
    "ssha": lambda r: _s(r, _HEX, 10),
    "digest": lambda r: "sha256:" + _s(r, _HEX, 64),
    "sig64": lambda r: _s(r, _HEX, 64),
    "sigb64": lambda r: _b64(r.randbytes(32)),
    "xh8": lambda r: _s(r, _HEX, 8),
    "xh12": lambda r: _s(r, _HEX, 12),
    "xh16": lambda r: _s(r, _HEX, 16),
    "xh24": lambda r: _s(r, _HEX, 24),
    "xh32": lambda r: _s(r, _HEX, 32),
    "xh40": lambda r: _s(r, _HEX, 40),
    "xh64": lambda r: _s(r, _HEX, 64),
    "xan24": lambda r: _s(r, _AN, 24),
    "xan27": lambda r: _s(r, _AN, 27),
    "ver": _ver,
    "vver": lambda r: "v" + _ver(r),
    "pid": lambda r: str(r.randint(10000, 4194303)),
    "offset": lambda r: str(r.randint(10**9, 10**12)),
    "build": lambda r: str(r.randint(10000, 999999)),
    "jobid": lambda r: str(r.randint(10**9, 10**10 - 1)),
    "arnsec": _arnsec,
    "arnrole": _arnrole,
    "arnkms": _arnkms,
    "sshfp": lambda r: "SHA256:" + _b64(r.randbytes(32)).rstrip("="),
    "certfp": _certfp,
    "serial": _serial,
    "sshpub": lambda r: "AAAAC3NzaC1lZDI1NTE5AAAAI" + _b64(r.randbytes(32)).rstrip("=")[:43],
    "wgpub": lambda r: _b64(r.randbytes(32)),
    "sri": lambda r: "sha384-" + _b64(r.randbytes(48)),
    "sri512": lambda r: "sha512-" + _b64(r.randbytes(64)),
    "reqid": lambda r: "req_" + _s(r, _AN, 14),
    "evt": lambda r: "evt_1" + _s(r, _AN, 23),
    "gpgid": lambda r: _s(r, _UHEX, 16),
    "gpgfp": lambda r: _s(r, _UHEX, 40),
    "kid": lambda r: _b64u(r.randbytes(32)),
    "age1": lambda r: "age1" + _s(r, "qpzry9x8gf2tvdw0s3jn54khce6mua7l", 58),
    "jwkn": lambda r: _b64u(r.randbytes(256)),
    "cfray": lambda r: (
        _s(r, _HEX, 16) + "-" + r.choice(["AMS", "FRA", "IAD", "SJC", "NRT", "GRU", "SIN"])
    ),
    "akid": lambda r: "AKIA" + _s(r, _UC + "234567", 16),
    "confkey": lambda r: _s(r, _UC + _D, 16),
    "acsid": lambda r: "AC" + _s(r, _HEX, 32),
    "smsid": lambda r: "SM" + _s(r, _HEX, 32),
    "slteam": lambda r: "T0" + _s(r, _UC + _D, 8),
    "slbot": lambda r: "B0" + _s(r, _UC + _D, 8),
    "slapp": lambda r: "A0" + _s(r, _UC + _D, 9),
    "sluser": lambda r: "U0" + _s(r, _UC + _D, 8),
    "addr": lambda r: "0x" + "7f" + _s(r, _HEX, 10),
    "gclient": lambda r: str(r.randint(10**11, 10**12 - 1)) + "-" + _s(r, _LC + _D, 32),
}

_SECRET = {
    "pw",
    "upw",
    "spw",
    "pp",
    "pps",
    "pin4",
    "pin6",
    "pin8",
    "hex24",
    "hex32",
    "hex40",
    "hex64",
    "hex96",
    "hex128",
    "b64_24",
    "b64_32",
    "b64_33",
    "b64_48",
    "b64_64",
    "b64u32",
    "fernet",
    "an16",
    "an20",
    "an22",
    "an24",
    "an32",
    "an40",
    "an48",
    "an64",
    "lo32",
    "ghp",
    "gho",
    "ghs",
    "ghpat",
    "glpat",
    "gloas",
    "npm",
    "pypi",
    "cio",
    "xoxb",
    "xoxp",
    "xapp",
    "slackhook",
    "sklive",
    "rklive",
    "sktest",
    "whsec",
    "sg",
    "shpat",
    "shpss",
    "awssk",
    "sts",
    "jwt",
    "aiza",
    "gocspx",
    "azsec",
    "ya29",
    "grt",
    "hvs",
    "glsa",
    "glc",
    "grafkey",
    "usec",
    "cfapi",
    "cfkey",
    "cftunnel",
    "fastly",
    "akab",
    "akcs",
    "age",
    "wg",
    "totp",
    "recov",
    "djsess",
    "phpsess",
    "jsess",
    "aspnet",
    "csid",
    "flasksess",
    "railsess",
    "railskey",
    "djkey",
    "esapi",
    "esenroll",
    "espw",
    "md5pw",
    "oai",
    "ant",
    "mailgun",
    "dckr",
    "pmak",
    "atlas",
    "linear",
    "discord",
    "tgbot",
    "jenkins",
    "sntrys",
    "tyk",
    "okta",
    "nrlic",
    "airtable",
    "astra",
    "ngrok",
    "ifttt",
    "azfunc",
    "azkey",
    "sassig",
    "confsec",
    "pdrest",
    "unseal",
    "gapp",
    "pemline",
    "pemlast",
    "pemb64",
    "wpsalt",
    "honey",
    "dsnsecret",
}


def _propesc(v):
    return re.sub(r"([=:#!])", r"\\\1", v)


_DERIV = {
    # name: (function over argument values, planted?)
    "basic": (lambda a: _b64s(":".join(a)), True),
    "b64": (lambda a: _b64s(a[0]), True),
    "pct": (lambda a: urllib.parse.quote(a[0], safe=""), True),
    "qp": (lambda a: urllib.parse.quote_plus(a[0], safe=""), True),
    "propesc": (lambda a: _propesc(a[0]), True),
    "plain": (lambda a: _b64s("\0" + a[0] + "\0" + a[1]), True),
    "head": (lambda a: a[0][: len(a[0]) // 2], True),
    "tail": (lambda a: a[0][len(a[0]) // 2 :], True),
    "len": (lambda a: str(len(a[0])), False),
}

# filler kinds that keep one value per rendered case unless a label asks for another one
_STICKY = {
    "user",
    "host",
    "dom",
    "svc",
    "db",
    "team",
    "word",
    "email",
    "region",
    "acct",
    "env",
    "ver",
    "vver",
    "pid",
}

_PH = re.compile(r"⟦([^⟦⟧]+)⟧")  # innermost placeholder first; nested literals allowed


def _render(text, r, mode):
    labels = {}
    found = []

    def get(spec):
        kind, _, lab = spec.partition(":")
        if not lab and kind in _STICKY:
            lab = "_"
            spec = kind + ":_"
        if lab:
            if spec not in labels:
                labels[spec] = _GEN[kind](r)
            return kind, labels[spec]
        return kind, _GEN[kind](r)

    def sub(m):
        s = m.group(1)
        if s.startswith("!"):
            v = s[1:]
            if mode == "keep":
                found.append(v)
            return v
        reg = False
        if s.startswith("+"):
            s = s[1:]
            reg = mode == "keep"
        if s.startswith("@"):
            fn, _, args = s[1:].partition(":")
            off = 0
            if fn.startswith("len+"):
                fn, off = "len", int(fn[4:])
            func, planted = _DERIV[fn]
            v = func([get(a)[1] for a in args.split(",")])
            if fn == "len":
                v = str(int(v) + off)
            if (planted and mode == "case") or reg:
                found.append(v)
            return v
        kind, v = get(s)
        if (mode == "case" and kind in _SECRET) or reg:
            found.append(v)
        return v

    body = text.strip("\n")
    while True:
        nxt = _PH.sub(sub, body)
        if nxt == body:
            break
        body = nxt
    seen = []
    for v in found:
        if v not in seen:
            seen.append(v)
    return tuple(body.split("\n")), tuple(seen)


_CASE_T = []
_KEEP_T = []


def _T(family, fmt, text):
    _CASE_T.append((family, fmt, text))


def _K(fmt, text):
    _KEEP_T.append((fmt, text))


# ---------------------------------------------------------------------------
# runtime dumps and debuggers
# ---------------------------------------------------------------------------

F = "python_tracebacks"
_T(
    F,
    "Django technical 500 copy-and-paste view with local vars",
    r"""
Traceback (most recent call last):
  File "/srv/⟦svc⟧/app/payments/views.py", line 88, in charge
    resp = stripe_client.charge(amount=order.total, source=token)
Local vars:
Variable	Value
api_key	'⟦sklive⟧'
order	<Order: #⟦n6⟧ (pending)>
request	<WSGIRequest: POST '/checkout/charge/'>
""",
)
_T(
    F,
    "Sentry event frame vars (JSON)",
    r"""
"frames": [{"filename": "billing/db.py", "function": "connect", "lineno": 41,
  "vars": {"dsn": "'postgresql://⟦user⟧:⟦upw⟧@⟦host⟧:5432/⟦db⟧'",
           "retries": "3", "self": "<billing.db.Pool object at ⟦addr⟧>"}}]
""",
)
_T(
    F,
    "pytest --showlocals failure",
    r"""
E       AssertionError: expected 200, got 401
client     = <FlaskClient <Flask '⟦svc⟧'>>
headers    = {'Authorization': 'Bearer ⟦jwt:t⟧', 'Accept': 'application/json'}
resp       = <WrapperTestResponse streamed [401 UNAUTHORIZED]>
token      = '⟦jwt:t⟧'
tests/api/test_orders.py:57: AssertionError
""",
)
_T(
    F,
    "rich traceback with show_locals=True",
    r"""
│ /srv/⟦svc⟧/worker/smtp.py:33 in send_digest                                    │
│ ╭──────────────────────────── locals ────────────────────────────╮            │
│ │    host = '⟦host⟧'                                              │            │
│ │    port = 587                                                   │            │
│ │ smtp_pw = '⟦pw⟧'                                                │            │
│ │    user = 'digest@⟦dom⟧'                                        │            │
│ ╰─────────────────────────────────────────────────────────────────╯            │
""",
)
_T(
    F,
    "requests HTTPError with key in URL",
    r"""
  File "/usr/local/lib/python3.11/site-packages/requests/models.py", line 1021, in raise_for_status
    raise HTTPError(http_error_msg, response=self)
requests.exceptions.HTTPError: 403 Client Error: Forbidden for url: https://api.⟦dom⟧/v2/geo/lookup?q=berlin&api_key=⟦an32⟧&format=json
""",
)
_T(
    F,
    "Jupyter traceback with source arrow",
    r"""
---------------------------------------------------------------------------
ClientError                               Traceback (most recent call last)
Cell In[14], line 3
      1 import boto3
----> 3 s3 = boto3.client("s3", region_name="⟦region⟧", aws_access_key_id="⟦akid⟧", aws_secret_access_key="⟦awssk⟧")
ClientError: An error occurred (SignatureDoesNotMatch) when calling the ListObjectsV2 operation
""",
)
_T(
    F,
    "Celery task failure with kwargs repr",
    r"""
[⟦tsl⟧,412: ERROR/ForkPoolWorker-3] Task mailer.tasks.send_batch[⟦uuid⟧] raised unexpected: SMTPAuthenticationError(535, b'5.7.8 Username and Password not accepted')
Traceback (most recent call last):
  File "/app/mailer/tasks.py", line 64, in send_batch
    kwargs={'relay': 'smtp.⟦dom⟧', 'smtp_user': 'bulk@⟦dom⟧', 'smtp_password': '⟦pw⟧', 'batch': 500}
""",
)
_T(
    F,
    "pdb p self.__dict__",
    r"""
(Pdb) p self.__dict__
{'base_url': 'https://api.github.com', '_token': '⟦ghp⟧', 'timeout': 30, 'retries': 3, 'org': '⟦team⟧'}
(Pdb) c
""",
)
_T(
    F,
    "loguru diagnose=True variable annotations",
    r"""
  File "/srv/⟦svc⟧/cache.py", line 41, in connect
    r = redis.Redis(host=host, port=6380, password=secret, ssl=True)
        │           │                             └ '⟦pw⟧'
        │           └ '⟦host⟧'
        └ <module 'redis' from '/usr/local/lib/python3.11/site-packages/redis/__init__.py'>
redis.exceptions.AuthenticationError: invalid username-password pair or user is disabled.
""",
)
_T(
    F,
    "Django debug page settings section",
    r"""
CACHES	{'default': {'BACKEND': 'django.core.cache.backends.redis.RedisCache', 'LOCATION': 'redis://⟦host⟧:6379/1'}}
CELERY_BROKER_URL	'amqp://⟦user⟧:⟦upw⟧@⟦host⟧:5672/prod'
DATABASES	{'default': {'ENGINE': 'django.db.backends.postgresql', 'HOST': '⟦host⟧', 'NAME': '⟦db⟧', 'PASSWORD': '********************', 'PORT': '5432'}}
DEBUG	True
""",
)
_T(
    F,
    "Jupyter os.environ repr",
    r"""
In [7]: os.environ
Out[7]: environ{'HOME': '/home/jovyan', 'JUPYTER_IMAGE': 'jupyter/scipy-notebook:2026-11-02',
        'OPENAI_API_KEY': '⟦oai⟧',
        'PATH': '/opt/conda/bin:/usr/local/bin:/usr/bin:/bin', 'SHELL': '/bin/bash'}
""",
)
_T(
    F,
    "pydantic ValidationError echoing input_value",
    r"""
pydantic_core._pydantic_core.ValidationError: 1 validation error for Settings
redis_url
  Input should be a valid URL, relative URL without a base [type=url_parsing, input_value='⟦pw⟧', input_type=str]
    For further information visit https://errors.pydantic.dev/2.9/v/url_parsing
""",
)

F = "jvm_dumps"
_T(
    F,
    "jcmd VM.system_properties (properties escaping)",
    r"""
⟦pid⟧:
#⟦tsl⟧
java.vm.version=21.0.5+11-LTS
spring.datasource.url=jdbc\:postgresql\://⟦host⟧\:5432/⟦db⟧
spring.datasource.password=⟦@propesc:pw:p⟧
user.timezone=UTC
""",
)
_T(
    F,
    "hs_err_pid jvm_args line",
    r"""
Command Line: -Xms2g -Xmx2g -XX:+UseG1GC -Ddb.user=⟦user⟧ -Ddb.password=⟦upw⟧ -Dspring.profiles.active=prod /opt/⟦svc⟧/app.jar
Host: Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz, 8 cores, 31G, Ubuntu 22.04.4 LTS
""",
)
_T(
    F,
    "jstack thread name with OkHttp URL",
    r"""
"OkHttp https://api.⟦dom⟧/v1/reports?access_token=⟦an40⟧..." #87 daemon prio=5 os_prio=0 cpu=41.22ms elapsed=803.11s tid=0x00007f3a2c012800 nid=0x5e21 runnable  [0x00007f39f1bfe000]
   java.lang.Thread.State: RUNNABLE
	at java.net.SocketInputStream.socketRead0(java.base@17.0.9/Native Method)
""",
)
_T(
    F,
    "strings over heap dump",
    r"""
$ strings -n 12 heap-⟦pid⟧.hprof | grep -iE 'passw|bearer' | sort -u | head
Bearer ⟦jwt⟧
jdbc:mysql://⟦host⟧:3306/⟦db⟧?user=⟦user⟧&password=⟦upw⟧&useSSL=true
spring.rabbitmq.password
""",
)
_T(
    F,
    "hs_err_pid environment variables",
    r"""
Environment Variables:
JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64
JAVA_TOOL_OPTIONS=-Djavax.net.ssl.keyStorePassword=⟦pw⟧ -Djavax.net.ssl.keyStore=/etc/⟦svc⟧/keystore.p12
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin
""",
)
_T(
    F,
    "Spring Boot /actuator/env unmasked custom key",
    r"""
{"name": "applicationConfig: [classpath:/application-prod.yml]",
 "properties": {"app.partner.auth-header": {"value": "Basic ⟦@basic:user:u,pw:p⟧", "origin": "class path resource [application-prod.yml] - 14:20"},
                "app.partner.base-url": {"value": "https://partner.⟦dom⟧/api"}}}
""",
)
_T(
    F,
    "jcmd VM.command_line",
    r"""
$ jcmd ⟦pid⟧ VM.command_line
⟦pid⟧:
VM Arguments:
jvm_args: -Xmx4g -Dfile.encoding=UTF-8
java_command: /opt/⟦svc⟧/app.jar --spring.datasource.username=⟦user⟧ --spring.datasource.password=⟦pw⟧ --server.port=8080
""",
)
_T(
    F,
    "Lombok toString in log",
    r"""
⟦tsl⟧.311  INFO 1 --- [           main] c.a.b.config.DataSourceConfig            : Using DataSourceConfig(url=jdbc:sqlserver://⟦host⟧:1433;databaseName=⟦db⟧, username=⟦user⟧, password=⟦pw⟧, poolSize=20)
""",
)
_T(
    F,
    "JFR jdk.InitialSystemProperty event",
    r"""
jdk.InitialSystemProperty {
  startTime = 10:14:03.712 (⟦tsl⟧)
  key = "mail.smtp.password"
  value = "⟦pw⟧"
}
""",
)
_T(
    F,
    "ps -ef java command line",
    r"""
appuser  ⟦pid⟧     1 12 09:14 ?        01:22:41 /usr/bin/java -Dcom.sun.management.jmxremote.port=9010 -Djavax.net.ssl.trustStorePassword=⟦upw:a⟧ -Djavax.net.ssl.keyStorePassword=⟦upw:b⟧ -jar /opt/⟦svc⟧/⟦svc⟧.jar
""",
)
_T(
    F,
    "HikariCP DEBUG config dump",
    r"""
DEBUG com.zaxxer.hikari.HikariConfig - HikariPool-1 - configuration:
DEBUG com.zaxxer.hikari.HikariConfig - jdbcUrl.........................jdbc:postgresql://⟦host⟧:5432/⟦db⟧?user=⟦user⟧&password=⟦upw⟧
DEBUG com.zaxxer.hikari.HikariConfig - password........................<masked>
DEBUG com.zaxxer.hikari.HikariConfig - poolName........................"HikariPool-1"
""",
)

F = "node_inspect"
_T(
    F,
    "axios error util.inspect",
    r"""
  config: {
    method: 'post',
    url: 'https://api.⟦dom⟧/v3/shipments',
    headers: AxiosHeaders {
      Accept: 'application/json, text/plain, */*',
      'Content-Type': 'application/json',
      Authorization: 'Bearer ⟦jwt⟧',
      'User-Agent': 'axios/1.7.7'
""",
)
_T(
    F,
    "console.log(process.env) excerpt",
    r"""
{
  NODE_ENV: 'production',
  PORT: '3000',
  STRIPE_SECRET_KEY: '⟦sklive⟧',
  npm_package_version: '⟦ver⟧'
}
""",
)
_T(
    F,
    "node REPL object inspect",
    r"""
> cfg
{
  db: { host: '⟦host⟧', user: '⟦user⟧', password: '⟦pw⟧', database: '⟦db⟧' },
  port: 5432,
  ssl: { rejectUnauthorized: false }
}
""",
)
_T(
    F,
    "pg Client inspect",
    r"""
Client {
  connectionParameters: ConnectionParameters {
    user: '⟦user⟧', database: '⟦db⟧', port: 5432, host: '⟦host⟧',
    password: '⟦pw⟧', binary: false, options: undefined, ssl: true,
    client_encoding: '', replication: undefined, isDomainSocket: false,
""",
)
_T(
    F,
    "got RequestError options headers",
    r"""
RequestError: connect ETIMEDOUT ⟦ip⟧:443
    at ClientRequest.<anonymous> (/app/node_modules/got/dist/source/core/index.js:970:111) {
  code: 'ETIMEDOUT',
  options: { headers: { 'user-agent': 'got', cookie: 'connect.sid=⟦csid⟧; theme=dark' } }
""",
)
_T(
    F,
    "Mongoose connection error",
    r"""
MongoServerSelectionError: connection <monitor> to ⟦ip⟧:27017 closed
    at Timeout._onTimeout (/app/node_modules/mongodb/lib/sdam/topology.js:278:38)
[server] failed to connect with uri=mongodb+srv://⟦user⟧:⟦upw⟧@cluster0.x7k2p.mongodb.net/⟦db⟧?retryWrites=true&w=majority
""",
)
_T(
    F,
    "@sendgrid/client inspect",
    r"""
Client {
  auth: 'Bearer ⟦sg⟧',
  impersonateSubuser: '',
  defaultHeaders: { Accept: 'application/json', 'User-agent': 'sendgrid/8.1.3;nodejs' },
  defaultRequest: { baseUrl: 'https://api.sendgrid.com/', url: '', method: 'GET', headers: {} }
}
""",
)
_T(
    F,
    "express req.headers inspect",
    r"""
debug: incoming webhook headers {
  host: 'hooks.⟦dom⟧',
  'x-api-key': '⟦an40⟧',
  'content-type': 'application/json',
  cookie: 'sid=⟦lo32⟧; _ga=GA1.2.⟦n9⟧.⟦epoch⟧'
}
""",
)
_T(
    F,
    "winston JSON error with axios basic auth",
    r"""
{"level":"error","message":"Request failed with status code 401","service":"⟦svc⟧","config":{"url":"https://erp.⟦dom⟧/odata/Invoices","method":"get","auth":{"username":"⟦user⟧","password":"⟦pw⟧"},"timeout":15000},"timestamp":"⟦ts⟧"}
""",
)
_T(
    F,
    "ioredis unhandled error with options",
    r"""
[ioredis] Unhandled error event: ReplyError: WRONGPASS invalid username-password pair or user is disabled.
    at parseError (/app/node_modules/redis-parser/lib/parser.js:179:12)
redis options: { port: 6380, host: '⟦host⟧', username: 'default', password: '⟦pw⟧', tls: {}, db: 0 }
""",
)
_T(
    F,
    "node -p reading .npmrc",
    r"""
$ node -p "require('fs').readFileSync('.npmrc','utf8')"
@⟦team⟧:registry=https://npm.pkg.github.com
//npm.pkg.github.com/:_authToken=⟦ghp⟧
//registry.npmjs.org/:_authToken=⟦npm⟧
""",
)

F = "go_panics"
_T(
    F,
    "panic with %+v struct",
    r"""
panic: dial failed: {Host:⟦host⟧ Port:5432 User:⟦user⟧ Password:⟦pw⟧ SSLMode:require}

goroutine 1 [running]:
main.mustConnect(...)
	/build/cmd/⟦svc⟧/main.go:58 +0x1f4
""",
)
_T(
    F,
    "go-redis Options printed with %+v",
    r"""
⟦tsl⟧ redis: connecting cfg={Network:tcp Addr:⟦host⟧:6379 Username: Password:⟦pw⟧ DB:0 MaxRetries:3 PoolSize:10 TLSConfig:<nil>}
""",
)
_T(
    F,
    "%#v config literal",
    r"""
config loaded: &config.Config{Listen:":8080", JWTSecret:"⟦hex64⟧", Debug:false, AllowedOrigins:[]string{"https://app.⟦dom⟧"}}
""",
)
_T(
    F,
    "aws-sdk-go credentials %+v in debug log",
    r"""
level=debug ts=⟦ts⟧ caller=s3sync.go:77 msg="resolved credentials" creds="{AccessKeyID:⟦akid⟧ SecretAccessKey:⟦awssk⟧ SessionToken: ProviderName:EnvConfigCredentials}"
""",
)
_T(
    F,
    "spew.Dump",
    r"""
(*main.Settings)(0xc000124000)({
 DSN: (string) (len=⟦@len+43:upw:p⟧) "postgres://app:⟦upw:p⟧@db:5432/app?sslmode=disable",
 Workers: (int) 8,
 Debug: (bool) false
})
""",
)
_T(
    F,
    "zap JSON with struct field",
    r"""
{"level":"error","ts":⟦epochf⟧,"caller":"mail/sender.go:91","msg":"smtp auth failed","cfg":{"Host":"smtp.⟦dom⟧","Port":587,"Username":"alerts@⟦dom⟧","Password":"⟦pw⟧"},"error":"535 5.7.8 Authentication credentials invalid"}
""",
)
_T(
    F,
    "http.Request %+v",
    r"""
request=&{Method:POST URL:https://api.⟦dom⟧/v1/refunds Proto:HTTP/1.1 ProtoMajor:1 ProtoMinor:1 Header:map[Authorization:[Bearer ⟦sklive⟧] Content-Type:[application/x-www-form-urlencoded] Idempotency-Key:[⟦uuid⟧]] ContentLength:41 Host:api.⟦dom⟧}
""",
)
_T(
    F,
    "httputil.DumpRequestOut",
    r"""
POST /v3/messages HTTP/1.1
Host: api.⟦dom⟧
User-Agent: Go-http-client/1.1
Content-Length: 212
Authorization: Basic ⟦@basic:user:u,pw:p⟧
Content-Type: application/json
Accept-Encoding: gzip
""",
)
_T(
    F,
    "delve print struct",
    r"""
(dlv) print cfg
main.SlackConfig {
	Token: "⟦xoxb⟧",
	Channel: "#alerts-⟦team⟧",
	Timeout: 10000000000,}
""",
)
_T(
    F,
    "logrus text fatal",
    r"""
time="⟦ts⟧" level=fatal msg="vault login failed" addr="https://vault.⟦dom⟧:8200" role=⟦svc⟧ token=⟦hvs⟧ error="permission denied"
""",
)
_T(
    F,
    "go-sql-driver/mysql DSN before panic",
    r"""
⟦tsl⟧ opening db dsn=⟦user⟧:⟦pw⟧@tcp(⟦host⟧:3306)/⟦db⟧?parseTime=true&tls=skip-verify
panic: Error 1045 (28000): Access denied for user '⟦user⟧'@'⟦ip⟧' (using password: YES)
""",
)

F = "ruby_php_dumps"
_T(
    F,
    "rails console credentials.config",
    r"""
irb(main):001> Rails.application.credentials.config
=> {:secret_key_base=>"⟦railskey⟧", :aws=>{:access_key_id=>"⟦akid⟧", :secret_access_key=>"⟦awssk⟧"}}
""",
)
_T(
    F,
    "irb ActiveRecord inspect",
    r"""
irb(main):004> Integration.find(7)
=> #<Integration id: 7, provider: "slack", channel: "#deploys", webhook_url: "https://hooks.slack.com/services/⟦slteam⟧/⟦slbot⟧/⟦slackhook⟧", created_at: "⟦tsl⟧">
""",
)
_T(
    F,
    "irb ENV slice",
    r"""
irb(main):002> ENV.to_h.slice("DATABASE_URL", "REDIS_URL")
=> {"DATABASE_URL"=>"postgres://⟦user⟧:⟦upw:a⟧@⟦host⟧/⟦db⟧_production", "REDIS_URL"=>"rediss://:⟦upw:b⟧@⟦host⟧:6380/0"}
""",
)
_T(
    F,
    "PHP var_dump of config array",
    r"""
array(4) {
  ["host"]=>
  string(⟦@len:host:h⟧) "⟦host:h⟧"
  ["password"]=>
  string(⟦@len:pw:p⟧) "⟦pw:p⟧"
""",
)
_T(
    F,
    "print_r($_SERVER) excerpt",
    r"""
    [PHP_AUTH_USER] => ⟦user:u⟧
    [PHP_AUTH_PW] => ⟦pw:p⟧
    [HTTP_AUTHORIZATION] => Basic ⟦@basic:user:u,pw:p⟧
    [REQUEST_URI] => /admin/export.php
""",
)
_T(
    F,
    "Laravel tinker config('services')",
    r"""
> config('services.mailgun')
= [
    "domain" => "mg.⟦dom⟧",
    "secret" => "⟦mailgun⟧",
    "endpoint" => "api.eu.mailgun.net",
  ]
""",
)
_T(
    F,
    "PHP stack trace with args (<7.4)",
    r"""
PHP Fatal error:  Uncaught PDOException: SQLSTATE[HY000] [1045] Access denied for user 'shop'@'⟦ip⟧' (using password: YES) in /var/www/shop/lib/db.php:12
Stack trace:
#0 /var/www/shop/lib/db.php(12): PDO->__construct('mysql:host=db-0...', 'shop', '⟦spw⟧')
#1 /var/www/shop/index.php(5): Db::connect()
""",
)
_T(
    F,
    "Sidekiq retry log with job args",
    r"""
⟦ts⟧ pid=⟦pid⟧ tid=oxq3 class=StripeSyncJob jid=⟦xh24⟧ WARN: {"context":"Job raised exception","job":{"class":"StripeSyncJob","args":["⟦rklive⟧",⟦n5⟧],"retry":5,"queue":"default"}}
""",
)
_T(
    F,
    "Rails log Parameters with unfiltered passcode",
    r"""
Started POST "/doors/unlock" for ⟦ip⟧ at ⟦tsl⟧ +0000
Processing by DoorsController#unlock as JSON
  Parameters: {"door_id"=>"⟦n3⟧", "unlock_pin"=>"⟦pin6⟧", "user"=>{"email"=>"⟦email⟧", "password"=>"[FILTERED]"}}
""",
)
_T(
    F,
    "wp-config.php salts via var_export",
    r"""
  'DB_NAME' => 'wordpress',
  'DB_PASSWORD' => '⟦pw⟧',
  'AUTH_KEY' => '⟦wpsalt⟧',
""",
)
_T(
    F,
    "Symfony VarDumper of mailer Dsn",
    r"""
Symfony\Component\Mailer\Transport\Dsn {#412
  -scheme: "smtp"
  -host: "smtp.sendgrid.net"
  -user: "apikey"
  -password: "⟦sg⟧"
  -port: 587
}
""",
)

F = "dotnet_exceptions"
_T(
    F,
    "ArgumentException after logging connection string",
    r"""
fail: Orders.Data.DbFactory[0]
      Opening connection Server=tcp:⟦svc⟧-sql.database.windows.net,1433;Initial Catalog=⟦db⟧;User ID=⟦user⟧;Password=⟦pw⟧;Encrypt=True;Connection Timeout=30;
System.ArgumentException: Format of the initialization string does not conform to specification starting at index 118.
""",
)
_T(
    F,
    "Npgsql PostgresException",
    r"""
Npgsql.PostgresException (0x80004005): 28P01: password authentication failed for user "⟦user⟧"
   at Npgsql.Internal.NpgsqlConnector.<Open>g__OpenCore|213_1(NpgsqlConnector conn, SslMode sslMode, NpgsqlTimeout timeout, Boolean async)
 ConnectionString: Host=⟦host⟧;Port=5432;Username=⟦user⟧;Password=⟦pw⟧;Database=⟦db⟧;SSL Mode=Require
""",
)
_T(
    F,
    "EF Core sensitive data logging",
    r"""
info: Microsoft.EntityFrameworkCore.Database.Command[20101]
      Executed DbCommand (3ms) [Parameters=[@p0='⟦an32⟧' (Nullable = false) (Size = 4000), @p1='⟦n5⟧'], CommandType='Text', CommandTimeout='30']
      SET NOCOUNT ON;
      UPDATE [Partners] SET [ApiKey] = @p0 WHERE [Id] = @p1;
""",
)
_T(
    F,
    "Azure Storage exception with connection string",
    r"""
Unhandled exception. System.FormatException: No valid combination of account information found.
   at Azure.Storage.StorageConnectionString.Parse(String connectionString)
   connectionString: DefaultEndpointsProtocol=https;AccountName=⟦word⟧store⟦n3⟧;AccountKey=⟦azkey⟧;EndpointSuffix=core.windows.net
""",
)
_T(
    F,
    "Service Bus connection string in log",
    r"""
warn: Worker[0] ServiceBus connect retry 3/5 Endpoint=sb://⟦svc⟧-bus.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=⟦b64_32⟧
""",
)
_T(
    F,
    "ASP.NET Core developer exception page headers tab",
    r"""
Headers
Accept	application/json
Authorization	Bearer ⟦jwt⟧
Cookie	.AspNetCore.Cookies=⟦aspnet⟧
Host	⟦svc⟧.⟦dom⟧
""",
)
_T(
    F,
    "dotnet user-secrets list",
    r"""
$ dotnet user-secrets list
ConnectionStrings:Default = Server=⟦host⟧;Database=⟦db⟧;User Id=⟦user⟧;Password=⟦pw⟧;TrustServerCertificate=True
Stripe:SecretKey = ⟦sklive⟧
""",
)
_T(
    F,
    "Serilog destructured object",
    r"""
{"@t":"⟦ts⟧","@mt":"Mail settings loaded {@Settings}","Settings":{"SmtpHost":"smtp.⟦dom⟧","SmtpPort":587,"SmtpUser":"noreply@⟦dom⟧","SmtpPassword":"⟦pw⟧","$type":"MailSettings"}}
""",
)
_T(
    F,
    "PowerShell $Error[0] InvocationInfo",
    r"""
PS> $Error[0].InvocationInfo.Line
Invoke-RestMethod -Uri "https://⟦svc⟧-apim.azure-api.net/orders" -Headers @{ 'Ocp-Apim-Subscription-Key' = '⟦hex32⟧' }
PS> $Error[0].Exception.Message
Response status code does not indicate success: 401 (Access Denied).
""",
)
_T(
    F,
    "HttpRequestException with Azure Functions key",
    r"""
System.Net.Http.HttpRequestException: Response status code does not indicate success: 500 (Internal Server Error).
   at Orders.Client.PostAsync() in /src/Orders.Client/Client.cs:line 71
   RequestUri: https://⟦svc⟧-fn.azurewebsites.net/api/ProcessOrder?code=⟦azfunc⟧
""",
)
_T(
    F,
    "ODBC login failure with DSN string",
    r"""
System.Data.Odbc.OdbcException (0x80131937): ERROR [28000] [Microsoft][ODBC Driver 18 for SQL Server][SQL Server]Login failed for user '⟦user⟧'.
   connection: Driver={ODBC Driver 18 for SQL Server};Server=⟦host⟧,1433;Database=⟦db⟧;UID=⟦user⟧;PWD={⟦pw⟧};Encrypt=yes;
""",
)

F = "rust_debug"
_T(
    F,
    "Debug {:?} of config struct",
    r"""
[⟦ts⟧ INFO  ⟦svc⟧] starting with Config { database_url: "postgres://⟦user⟧:⟦upw⟧@⟦host⟧/⟦db⟧", bind: 0.0.0.0:8080, workers: 4 }
""",
)
_T(
    F,
    "pretty Debug {:#?}",
    r"""
Settings {
    redis: RedisSettings {
        url: "redis://default:⟦upw⟧@⟦host⟧:6379",
        pool_size: 16,
    },
    jwt_secret: "⟦hex64⟧",
}
""",
)
_T(
    F,
    "reqwest Request Debug with manual header",
    r"""
Request { method: POST, url: Url { scheme: "https", host: Some(Domain("api.⟦dom⟧")), port: None, path: "/v1/events" }, headers: {"x-api-key": "⟦an40⟧", "content-type": "application/json"} }
""",
)
_T(
    F,
    "panic on unwrap with error Debug",
    r"""
thread 'main' panicked at src/notify.rs:42:10:
called `Result::unwrap()` on an `Err` value: SlackError { kind: InvalidAuth, detail: "token rejected: ⟦xoxb⟧" }
note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace
""",
)
_T(
    F,
    "sqlx connect trace",
    r"""
⟦ts⟧ DEBUG sqlx::pool::inner: connecting url="postgres://⟦user⟧:⟦upw⟧@⟦host⟧:5432/⟦db⟧?sslmode=require"
Error: error returned from database: password authentication failed for user "⟦user⟧"
""",
)
_T(
    F,
    "tracing span fields with query token",
    r"""
⟦ts⟧  INFO request{method=POST uri=/hooks/deploy?token=⟦an32⟧ version=HTTP/1.1}: tower_http::trace::on_request: started processing request
""",
)
_T(
    F,
    "dbg! of custom credentials struct",
    r"""
[src/aws.rs:17:5] &creds = StaticCreds {
    access_key_id: "⟦akid⟧",
    secret_access_key: "⟦awssk⟧",
    session_token: Some("⟦sts⟧"),
}
""",
)
_T(
    F,
    "cargo credentials.toml",
    r"""
$ cat ~/.cargo/credentials.toml
[registry]
token = "⟦cio⟧"
""",
)
_T(
    F,
    "HashMap Debug of env",
    r"""
env = {"AWS_REGION": "⟦region⟧", "SLACK_BOT_TOKEN": "⟦xoxb⟧", "RUST_LOG": "info,tower_http=debug"}
""",
)
_T(
    F,
    "tonic MetadataMap Debug",
    r"""
⟦ts⟧ DEBUG ⟦svc⟧::grpc: outgoing metadata MetadataMap { headers: {"authorization": "Bearer ⟦jwt⟧", "x-request-id": "⟦uuid⟧", "te": "trailers"} }
""",
)
_T(
    F,
    "serde error echoing misplaced secret",
    r"""
Error: failed to parse /etc/⟦svc⟧/config.toml
Caused by:
    invalid type: string "⟦pw⟧", expected u16 for key `smtp.port` at line 14 column 8
""",
)

F = "gdb_strace"
_T(
    F,
    "gdb info locals",
    r"""
(gdb) info locals
password = 0x5555557a2b40 "⟦pw:p⟧"
len = ⟦@len:pw:p⟧
rc = -1
""",
)
_T(
    F,
    "gdb p *cfg",
    r"""
(gdb) p *cfg
$1 = {host = 0x55555576a2a0 "⟦host⟧", port = 5432, user = 0x55555576a2e0 "⟦user⟧", passwd = 0x55555576a320 "⟦pw⟧", sslmode = 2}
""",
)
_T(
    F,
    "strace write of Redis AUTH",
    r"""
connect(5, {sa_family=AF_INET, sin_port=htons(6379), sin_addr=inet_addr("⟦ip⟧")}, 16) = 0
write(5, "AUTH ⟦pw:p⟧\r\n", ⟦@len+7:pw:p⟧) = ⟦@len+7:pw:p⟧
read(5, "+OK\r\n", 16384)              = 5
""",
)
_T(
    F,
    "strace sendto HTTP request",
    r"""
sendto(3, "GET /api/v1/nodes HTTP/1.1\r\nHost: ⟦host⟧:6443\r\nAuthorization: Bearer ⟦jwt⟧\r\nAccept: application/json\r\n"..., 512, MSG_NOSIGNAL, NULL, 0) = 512
""",
)
_T(
    F,
    "strace execve argv",
    r"""
execve("/usr/bin/mysql", ["mysql", "-h", "⟦host⟧", "-u", "root", "-p⟦pw⟧", "⟦db⟧"], 0x7ffd3e5b1c28 /* 23 vars */) = 0
""",
)
_T(
    F,
    "strace read of option file",
    r"""
openat(AT_FDCWD, "/etc/mysql/backup.cnf", O_RDONLY) = 3
read(3, "[client]\nuser=backup\npassword=⟦pw⟧\nhost=⟦host⟧\n", 4096) = 74
""",
)
_T(
    F,
    "ltrace strcmp leaking the expected password",
    r"""
strlen("hunter2")                                = 7
strcmp("hunter2", "⟦pw⟧")                        = -1
puts("access denied")                            = 14
""",
)
_T(
    F,
    "strings on core file",
    r"""
$ strings core.⟦pid⟧ | grep -a -m3 -E '^(PG|DATABASE)'
PGHOST=⟦host⟧
PGPASSWORD=⟦pw⟧
DATABASE_URL=postgres://⟦user⟧@⟦host⟧/⟦db⟧
""",
)
_T(
    F,
    "/proc/<pid>/environ dump",
    r"""
# tr '\0' '\n' < /proc/⟦pid⟧/environ | grep -i vault
VAULT_ADDR=https://vault.⟦dom⟧:8200
VAULT_TOKEN=⟦hvs⟧
""",
)
_T(
    F,
    "gdb bt full frame arguments",
    r"""
#2  0x000055555555a1c4 in hmac_sign (msg=0x5555557b1010 "POST\n/v1/orders\n⟦epoch⟧", key=0x5555557a0f40 "⟦hex64⟧", out=0x7fffffffd8a0) at sign.c:77
#3  0x000055555555a6e8 in main (argc=2, argv=0x7fffffffe4b8) at main.c:31
""",
)
_T(
    F,
    "tcpdump -A SMTP AUTH PLAIN",
    r"""
⟦hhmm⟧:41.118244 IP ⟦ip⟧.51844 > ⟦ip⟧.25: Flags [P.], seq 54:110, ack 211, win 502, length 56: SMTP: AUTH PLAIN ⟦@plain:user:u,pw:p⟧
E..lG.@.@..N
AUTH PLAIN ⟦@plain:user:u,pw:p⟧
""",
)

# ---------------------------------------------------------------------------
# API clients and HTTP tooling
# ---------------------------------------------------------------------------

F = "browser_copy_as"
_T(
    F,
    "Chrome Copy as cURL (bash)",
    r"""
curl 'https://app.⟦dom⟧/api/v2/invoices?limit=50' \
  -H 'accept: application/json' \
  -H 'authorization: Bearer ⟦jwt⟧' \
  -H 'cookie: _ga=GA1.1.⟦n9⟧.⟦epoch⟧; session=⟦flasksess⟧' \
  -H 'user-agent: Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36' \
  --compressed
""",
)
_T(
    F,
    "Chrome Copy as cURL (cmd)",
    r"""
curl ^"https://api.⟦dom⟧/v1/reports/export^" ^
  -H ^"accept: */*^" ^
  -H ^"x-api-key: ⟦an40⟧^" ^
  -H ^"referer: https://app.⟦dom⟧/^" ^
  --compressed
""",
)
_T(
    F,
    "Copy as fetch (browser)",
    r"""
fetch("https://app.⟦dom⟧/graphql", {
  "headers": {
    "authorization": "Bearer ⟦jwt⟧",
    "content-type": "application/json",
  },
  "body": "{\"operationName\":\"Viewer\",\"variables\":{},\"query\":\"query Viewer { me { id } }\"}",
  "method": "POST"
});
""",
)
_T(
    F,
    "Copy as fetch (Node.js) with cookie",
    r"""
fetch("https://shop.⟦dom⟧/admin/orders.php?page=2", {
  "headers": {
    "accept": "text/html,application/xhtml+xml",
    "cookie": "PHPSESSID=⟦phpsess⟧; lang=en",
    "Referer": "https://shop.⟦dom⟧/admin/"
  },
  "body": null,
  "method": "GET"
});
""",
)
_T(
    F,
    "Copy as PowerShell",
    r"""
$session = New-Object Microsoft.PowerShell.Commands.WebRequestSession
$session.UserAgent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
$session.Cookies.Add((New-Object System.Net.Cookie("JSESSIONID", "⟦jsess⟧", "/", "portal.⟦dom⟧")))
Invoke-WebRequest -UseBasicParsing -Uri "https://portal.⟦dom⟧/api/tickets" `
-WebSession $session `
-Headers @{
"authorization"="Basic ⟦@basic:user:u,pw:p⟧"
}
""",
)
_T(
    F,
    "Copy as cURL with JSON login body",
    r"""
curl 'https://id.⟦dom⟧/api/login' \
  -H 'content-type: application/json' \
  -H 'origin: https://id.⟦dom⟧' \
  --data-raw '{"username":"⟦user⟧","password":"⟦pw⟧","remember":true}'
""",
)
_T(
    F,
    "Firefox Copy as cURL with Django session",
    r"""
curl 'https://admin.⟦dom⟧/admin/auth/user/' --compressed -H 'User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0' -H 'Accept: text/html' -H 'Cookie: csrftoken=⟦xan27⟧; sessionid=⟦djsess⟧' -H 'Sec-Fetch-Mode: navigate'
""",
)
_T(
    F,
    "Copy as cURL with form-encoded password grant",
    r"""
curl 'https://auth.⟦dom⟧/oauth/token' \
  -H 'content-type: application/x-www-form-urlencoded' \
  --data-raw 'grant_type=password&username=⟦user⟧&password=⟦@pct:pw:p⟧&client_id=web-spa'
""",
)
_T(
    F,
    "Chrome Copy request headers",
    r"""
:authority: api.github.com
:method: GET
:path: /repos/⟦team⟧/⟦svc⟧/actions/runs
accept: application/vnd.github+json
authorization: token ⟦ghp⟧
""",
)
_T(
    F,
    "Safari Copy as cURL",
    r"""
curl 'https://console.⟦dom⟧/api/v1/clusters' \
-X 'GET' \
-H 'Accept: application/json' \
-H 'X-Auth-Token: ⟦hex40⟧' \
-H 'User-Agent: Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15'
""",
)
_T(
    F,
    "Copy as fetch with Shopify admin token",
    r"""
await fetch("https://⟦word⟧-store.myshopify.com/admin/api/2024-10/orders.json?status=any", {
    "headers": {
        "x-shopify-access-token": "⟦shpat⟧",
        "content-type": "application/json"
    },
    "method": "GET"
});
""",
)
_T(
    F,
    "Copy link address of implicit-flow callback",
    r"""
https://app.⟦dom⟧/oauth/callback#access_token=⟦ya29⟧&token_type=Bearer&expires_in=3599&scope=openid%20email
""",
)

F = "har_entries"
_T(
    F,
    "HAR request headers array",
    r"""
        "headers": [
          {"name": ":authority", "value": "api.⟦dom⟧"},
          {"name": "authorization", "value": "Bearer ⟦jwt⟧"},
          {"name": "accept", "value": "application/json"}
        ],
""",
)
_T(
    F,
    "HAR cookies array",
    r"""
        "cookies": [
          {"name": "sessionid", "value": "⟦djsess⟧", "path": "/", "domain": "app.⟦dom⟧", "httpOnly": true, "secure": true},
          {"name": "django_language", "value": "en", "path": "/"}
        ],
""",
)
_T(
    F,
    "HAR postData text and params",
    r"""
        "postData": {
          "mimeType": "application/x-www-form-urlencoded",
          "text": "username=⟦user⟧&password=⟦@qp:pw:p⟧&next=%2Fdashboard",
          "params": [{"name": "username", "value": "⟦user⟧"}, {"name": "password", "value": "⟦pw:p⟧"}]
        },
""",
)
_T(
    F,
    "HAR queryString with api_key",
    r"""
        "url": "https://maps.⟦dom⟧/geocode/v1/json?address=Main+St&key=⟦aiza:k⟧",
        "queryString": [
          {"name": "address", "value": "Main+St"},
          {"name": "key", "value": "⟦aiza:k⟧"}
        ],
""",
)
_T(
    F,
    "HAR response Set-Cookie header",
    r"""
          {"name": "set-cookie", "value": "__Host-session=⟦b64u32⟧; Path=/; Secure; HttpOnly; SameSite=Lax"},
          {"name": "x-request-id", "value": "⟦uuid⟧"},
""",
)
_T(
    F,
    "HAR response content JSON-escaped tokens",
    r"""
        "content": {
          "size": 512,
          "mimeType": "application/json",
          "text": "{\"access_token\":\"⟦ya29⟧\",\"expires_in\":3599,\"refresh_token\":\"⟦grt⟧\",\"token_type\":\"Bearer\"}"
        },
""",
)
_T(
    F,
    "HAR _webSocketMessages auth frame",
    r"""
        "_webSocketMessages": [
          {"type": "send", "time": ⟦epochf⟧, "opcode": 1, "data": "{\"type\":\"auth\",\"token\":\"⟦an48⟧\"}"},
          {"type": "receive", "time": ⟦epochf⟧, "opcode": 1, "data": "{\"type\":\"auth_ok\"}"}
        ]
""",
)
_T(
    F,
    "HAR client_credentials token request",
    r"""
        "method": "POST",
        "url": "https://login.⟦dom⟧/oauth2/v2.0/token",
        "postData": {"mimeType": "application/x-www-form-urlencoded", "text": "grant_type=client_credentials&client_id=⟦uuid⟧&client_secret=⟦azsec⟧&scope=api%3A%2F%2Fbilling%2F.default"},
""",
)
_T(
    F,
    "HAR x-goog-api-key header",
    r"""
          {"name": "x-goog-api-key", "value": "⟦aiza⟧"},
          {"name": "x-client-data", "value": "CIa2yQEIpLbJAQ=="},
""",
)
_T(
    F,
    "HAR presigned URL with session token",
    r"""
        "url": "https://⟦svc⟧-exports.s3.⟦region⟧.amazonaws.com/reports/q3.csv?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIA⟦confkey⟧%2F20261128%2F⟦region⟧%2Fs3%2Faws4_request&X-Amz-Date=20261128T101203Z&X-Amz-Expires=900&X-Amz-Security-Token=⟦@pct:sts:s⟧&X-Amz-Signature=⟦sig64⟧&X-Amz-SignedHeaders=host",
""",
)
_T(
    F,
    "HAR Proxy-Authorization header",
    r"""
          {"name": "Proxy-Authorization", "value": "Basic ⟦@basic:user:u,upw:p⟧"},
          {"name": "Proxy-Connection", "value": "keep-alive"},
""",
)
_T(
    F,
    "HAR Rails remember cookie",
    r"""
          {"name": "Set-Cookie", "value": "remember_user_token=⟦railsess⟧; path=/; expires=Sat, 28 Nov 2027 10:12:03 GMT; secure; HttpOnly; SameSite=Lax"},
""",
)

F = "postman_insomnia_exports"
_T(
    F,
    "Postman environment export",
    r"""
{
  "id": "⟦uuid⟧",
  "name": "⟦svc⟧ prod",
  "values": [
    {"key": "baseUrl", "value": "https://api.⟦dom⟧", "type": "default", "enabled": true},
    {"key": "api_key", "value": "⟦an32⟧", "type": "secret", "enabled": true}
  ],
  "_postman_variable_scope": "environment"
}
""",
)
_T(
    F,
    "Postman collection bearer auth",
    r"""
    "auth": {
      "type": "bearer",
      "bearer": [{"key": "token", "value": "⟦jwt⟧", "type": "string"}]
    },
""",
)
_T(
    F,
    "Postman collection basic auth",
    r"""
      "auth": {
        "type": "basic",
        "basic": [
          {"key": "password", "value": "⟦pw⟧", "type": "string"},
          {"key": "username", "value": "⟦user⟧", "type": "string"}
        ]
      },
""",
)
_T(
    F,
    "Postman OAuth2 client secret",
    r"""
        "oauth2": [
          {"key": "clientSecret", "value": "⟦gocspx⟧", "type": "string"},
          {"key": "clientId", "value": "⟦gclient⟧.apps.googleusercontent.com", "type": "string"},
          {"key": "accessTokenUrl", "value": "https://oauth2.googleapis.com/token", "type": "string"}
        ]
""",
)
_T(
    F,
    "Postman apikey auth",
    r"""
      "auth": {"type": "apikey", "apikey": [
        {"key": "value", "value": "⟦hex32⟧", "type": "string"},
        {"key": "key", "value": "X-API-Key", "type": "string"},
        {"key": "in", "value": "header", "type": "string"}]}
""",
)
_T(
    F,
    "Postman pre-request script",
    r"""
      "event": [{"listen": "prerequest", "script": {"type": "text/javascript", "exec": [
        "const secret = \"⟦hex64⟧\";",
        "const sig = CryptoJS.HmacSHA256(pm.request.body.raw, secret).toString();",
        "pm.request.headers.upsert({key: 'X-Signature', value: sig});"
      ]}}],
""",
)
_T(
    F,
    "Postman globals with Postman API key",
    r"""
{"id": "⟦uuid⟧", "values": [
  {"key": "postman_api_key", "value": "⟦pmak⟧", "enabled": true},
  {"key": "workspace", "value": "⟦team⟧", "enabled": true}],
 "name": "Globals", "_postman_variable_scope": "globals"}
""",
)
_T(
    F,
    "Insomnia v4 YAML export request",
    r"""
  - _id: req_⟦xh32⟧
    _type: request
    method: GET
    url: "{{ _.base_url }}/v1/subscriptions"
    authentication:
      type: bearer
      token: ⟦sklive⟧
""",
)
_T(
    F,
    "Insomnia environment data",
    r"""
{"_id": "env_⟦xh32⟧", "_type": "environment", "name": "Production",
 "data": {"base_url": "https://api.⟦dom⟧", "twilio_sid": "⟦acsid⟧", "twilio_token": "⟦hex32⟧"}}
""",
)
_T(
    F,
    "Insomnia digest auth",
    r"""
    authentication:
      type: digest
      username: ⟦user⟧
      password: ⟦pw⟧
      disabled: false
""",
)
_T(
    F,
    "Bruno .bru basic auth",
    r"""
get {
  url: {{baseUrl}}/admin/metrics
  auth: basic
}

auth:basic {
  username: ⟦user⟧
  password: ⟦pw⟧
}
""",
)
_T(
    F,
    "newman CLI with env-var",
    r"""
$ newman run ⟦svc⟧.postman_collection.json -e prod.json --env-var "apiKey=⟦an40⟧" --reporters cli,junit
newman

⟦svc⟧ smoke
""",
)

F = "cli_http_clients"
_T(
    F,
    "HTTPie header item",
    r"""
$ http POST https://api.⟦dom⟧/v1/jobs Authorization:"Bearer ⟦jwt⟧" name=reindex priority:=5
""",
)
_T(
    F,
    "HTTPie -a basic auth",
    r"""
$ http -a ⟦user⟧:⟦upw⟧ GET https://registry.⟦dom⟧/v2/_catalog
HTTP/1.1 200 OK
""",
)
_T(
    F,
    "HTTPie bearer auth type",
    r"""
$ https --auth-type=bearer --auth ⟦glpat⟧ gitlab.⟦dom⟧/api/v4/projects/⟦n3⟧/pipelines
""",
)
_T(
    F,
    "HTTPie -v printed request",
    r"""
GET /api/health/deep HTTP/1.1
Accept: */*
Authorization: Basic ⟦@basic:user:u,pw:p⟧
Host: ⟦host⟧:8443
User-Agent: HTTPie/3.2.4
""",
)
_T(
    F,
    "wget --user --password",
    r"""
$ wget --user=⟦user⟧ --password='⟦pw⟧' https://artifacts.⟦dom⟧/releases/⟦svc⟧-⟦ver⟧.tar.gz
""",
)
_T(
    F,
    "wget with PRIVATE-TOKEN header",
    r"""
wget --header="PRIVATE-TOKEN: ⟦glpat⟧" -O backup.tar.gz "https://gitlab.⟦dom⟧/api/v4/projects/⟦n3⟧/export/download"
""",
)
_T(
    F,
    "curl -u in shell history",
    r"""
  512  curl -u admin:⟦upw⟧ -X PUT https://⟦host⟧:15672/api/vhosts/prod
  513  curl -s https://⟦host⟧:15672/api/overview | jq .
""",
)
_T(
    F,
    "curl -v request headers",
    r"""
> GET /api/v2/search?q=status:open HTTP/2
> Host: ⟦word⟧.zendesk.com
> authorization: Basic ⟦@basic:email:e,an40:t⟧
> user-agent: curl/8.5.0
""",
)
_T(
    F,
    "aria2c http credentials",
    r"""
aria2c -x8 --http-user=⟦user⟧ --http-passwd=⟦upw⟧ https://mirror.⟦dom⟧/isos/rocky-9.4-x86_64.iso
""",
)
_T(
    F,
    "xh header shorthand",
    r"""
$ xh post https://api.⟦dom⟧/v2/invalidate x-api-key:⟦an32⟧ paths:='["/assets/*"]'
""",
)
_T(
    F,
    "curl Telegram bot API",
    r"""
curl -s "https://api.telegram.org/bot⟦tgbot⟧/sendMessage" -d chat_id=-100⟦n10⟧ -d text="deploy ⟦svc⟧ finished"
""",
)
_T(
    F,
    "curl --oauth2-bearer",
    r"""
curl --oauth2-bearer ⟦gho⟧ https://api.github.com/user/installations
""",
)

F = "rest_client_files"
_T(
    F,
    "VS Code REST Client file variables",
    r"""
@baseUrl = https://api.⟦dom⟧
@token = ⟦jwt⟧

###
GET {{baseUrl}}/v1/orders?status=open
Authorization: Bearer {{token}}
""",
)
_T(
    F,
    ".http with plaintext Basic credentials",
    r"""
### health with admin
GET https://⟦host⟧:8443/actuator/health
Authorization: Basic ⟦user⟧:⟦pw⟧
""",
)
_T(
    F,
    "JetBrains http-client.private.env.json",
    r"""
{
  "prod": {
    "host": "https://api.⟦dom⟧",
    "api_key": "⟦hex40⟧"
  }
}
""",
)
_T(
    F,
    ".rest login request body",
    r"""
# @name login
POST https://auth.⟦dom⟧/api/session
Content-Type: application/json

{"email": "⟦email⟧", "password": "⟦pw⟧"}
""",
)
_T(
    F,
    "OpenAPI example with a real-looking key",
    r"""
components:
  securitySchemes:
    ApiKeyAuth: {type: apiKey, in: header, name: X-API-Key}
  examples:
    ApiKeyExample:
      summary: key used by the staging smoke tests
      value: ⟦sklive⟧
""",
)
_T(
    F,
    "OpenAPI parameter example",
    r"""
      parameters:
        - name: X-Partner-Key
          in: header
          required: true
          schema: {type: string}
          example: ⟦an32⟧
""",
)
_T(
    F,
    "Swagger UI generated curl",
    r"""
curl -X 'GET' \
  'https://petstore.⟦dom⟧/v2/pet/findByStatus?status=available' \
  -H 'accept: application/json' \
  -H 'api_key: ⟦hex32⟧'
""",
)
_T(
    F,
    ".http mixing dotenv placeholder and literal key",
    r"""
GET https://api.⟦dom⟧/v1/usage
X-Api-Key: {{$dotenv API_KEY}}

###
GET https://api.⟦dom⟧/v1/usage?tenant=⟦n4⟧
X-Api-Key: ⟦an40⟧
""",
)
_T(
    F,
    "IntelliJ HTTP client Basic with separate user/password",
    r"""
GET https://nexus.⟦dom⟧/service/rest/v1/repositories
Authorization: Basic ⟦user⟧ ⟦pw⟧
Accept: application/json
""",
)
_T(
    F,
    "RapidAPI code snippet (Python)",
    r"""
headers = {
	"x-rapidapi-key": "⟦an48⟧",
	"x-rapidapi-host": "weatherapi-com.p.rapidapi.com"
}
response = requests.get(url, headers=headers, params=querystring)
""",
)
_T(
    F,
    "OpenAPI JSON example header value",
    r"""
"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
"x-examples": {"Authorization": {"example": "Bearer ⟦jwt⟧"}}
""",
)
_T(
    F,
    "Hoppscotch collection export",
    r"""
{"v": 2, "name": "⟦svc⟧", "requests": [{"endpoint": "https://api.⟦dom⟧/v1/me", "method": "GET",
  "auth": {"authType": "bearer", "authActive": true, "token": "⟦linear⟧"}}]}
""",
)

F = "proxy_dumps"
_T(
    F,
    "mitmdump flow with JSON login",
    r"""
⟦ip⟧:52344: POST https://api.⟦dom⟧/v1/login
    Host: api.⟦dom⟧
    Content-Type: application/json
    {"email": "⟦email⟧", "password": "⟦pw⟧"}
 << 200 OK 412b
""",
)
_T(
    F,
    "mitmproxy flow detail headers",
    r"""
    GET https://graph.microsoft.com/v1.0/me/messages?$top=5
        Host: graph.microsoft.com
        Authorization: Bearer ⟦jwt⟧
        client-request-id: ⟦uuid⟧
""",
)
_T(
    F,
    "Charles session export request",
    r"""
GET /api/me HTTP/1.1
Host: app.⟦dom⟧
Cookie: _app_session=⟦railsess⟧; ahoy_visitor=⟦uuid⟧
Accept: application/json
""",
)
_T(
    F,
    "Charles Copy cURL Request",
    r"""
curl -H 'Host: api.⟦dom⟧' -H 'X-Device-Token: ⟦hex64⟧' -H 'User-Agent: ⟦svc⟧/⟦ver⟧ (iPhone; iOS 18.1; Scale/3.00)' --compressed 'https://api.⟦dom⟧/v2/feed'
""",
)
_T(
    F,
    "SSLKEYLOGFILE TLS 1.2",
    r"""
# SSL/TLS secrets log file, generated by NSS
CLIENT_RANDOM ⟦sig64⟧ ⟦hex96⟧
""",
)
_T(
    F,
    "SSLKEYLOGFILE TLS 1.3",
    r"""
CLIENT_HANDSHAKE_TRAFFIC_SECRET ⟦sig64:cr⟧ ⟦hex64:a⟧
SERVER_HANDSHAKE_TRAFFIC_SECRET ⟦sig64:cr⟧ ⟦hex64:b⟧
""",
)
_T(
    F,
    "mitmproxy query access_token",
    r"""
[⟦hhmm⟧:44.512] ⟦ip⟧:61022: GET https://graph.facebook.com/v19.0/me/accounts?access_token=EAAG⟦an64⟧&fields=name
                  << 200 OK 1.2k
""",
)
_T(
    F,
    "Fiddler raw request",
    r"""
POST https://erp.⟦dom⟧/sap/opu/odata/sap/API_SALES_ORDER_SRV/A_SalesOrder HTTP/1.1
Host: erp.⟦dom⟧
Authorization: Basic ⟦@basic:user:u,pw:p⟧
x-csrf-token: Fetch
""",
)
_T(
    F,
    "Burp Repeater request",
    r"""
GET /internal/users?limit=10 HTTP/2
Host: admin.⟦dom⟧
Cookie: session=⟦flasksess⟧
X-Requested-With: XMLHttpRequest
""",
)
_T(
    F,
    "mitmproxy config.yaml upstream_auth",
    r"""
mode:
  - upstream:http://⟦host⟧:3128
upstream_auth: ⟦user⟧:⟦pw⟧
ssl_insecure: true
""",
)
_T(
    F,
    "ngrok authtoken config",
    r"""
$ ngrok config add-authtoken ⟦ngrok⟧
Authtoken saved to configuration file: /root/.config/ngrok/ngrok.yml
""",
)

# ---------------------------------------------------------------------------
# webhooks and SaaS integrations
# ---------------------------------------------------------------------------

F = "webhook_payloads"
_T(
    F,
    "Stripe webhook endpoint create response",
    r"""
{
  "id": "we_1⟦xan24⟧",
  "object": "webhook_endpoint",
  "enabled_events": ["invoice.paid", "customer.subscription.deleted"],
  "secret": "⟦whsec⟧",
  "url": "https://hooks.⟦dom⟧/stripe"
}
""",
)
_T(
    F,
    "GitHub create-hook request body in audit log",
    r"""
⟦ts⟧ POST /repos/⟦team⟧/⟦svc⟧/hooks body={"name":"web","active":true,"events":["push","pull_request"],"config":{"url":"https://ci.⟦dom⟧/github-webhook/","content_type":"json","secret":"⟦hex40⟧","insecure_ssl":"0"}}
""",
)
_T(
    F,
    "Slack url_verification payload",
    r"""
{"token": "⟦an24⟧", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", "type": "url_verification"}
""",
)
_T(
    F,
    "Slack slash command form body",
    r"""
token=⟦an24⟧&team_id=⟦slteam⟧&team_domain=⟦word⟧&channel_name=ops&user_id=⟦sluser⟧&command=%2Fdeploy&text=⟦svc⟧+prod&api_app_id=⟦slapp⟧&trigger_id=⟦n10⟧.⟦n10⟧.⟦xh32⟧
""",
)
_T(
    F,
    "SendGrid mail send request log",
    r"""
POST https://api.sendgrid.com/v3/mail/send
Authorization: Bearer ⟦sg⟧
Content-Type: application/json
{"personalizations":[{"to":[{"email":"⟦email⟧"}]}],"from":{"email":"noreply@⟦dom⟧"},"template_id":"d-⟦xh32⟧"}
""",
)
_T(
    F,
    "Shopify webhook verification env and headers",
    r"""
X-Shopify-Topic: orders/create
X-Shopify-Hmac-Sha256: ⟦sigb64⟧
X-Shopify-Shop-Domain: ⟦word⟧-store.myshopify.com
# verifying with SHOPIFY_API_SECRET=⟦shpss⟧
""",
)
_T(
    F,
    "GitHub App private key pasted with settings",
    r"""
App ID: ⟦n6⟧   Webhook URL: https://ci.⟦dom⟧/gh-app/events
-----BEGIN RSA PRIVATE KEY-----
⟦pemline⟧
⟦pemline⟧
...
-----END RSA PRIVATE KEY-----
""",
)
_T(
    F,
    "Discord webhook URL in integration JSON",
    r"""
{"name": "deploy-notifier", "type": "discord", "webhook_url": "https://discord.com/api/webhooks/⟦n10⟧⟦n9⟧/⟦discord⟧", "events": ["deploy.finished"]}
""",
)
_T(
    F,
    "Mailgun webhook verification failure",
    r"""
⟦tsl⟧ WARN mailgun-hooks: signature verification failed signing_key=⟦mailgun⟧ timestamp=⟦epoch⟧ token=⟦xh40⟧ signature=⟦sig64⟧
""",
)
_T(
    F,
    "Twilio status callback URL with credentials",
    r"""
StatusCallback=https://twilio:⟦upw⟧@hooks.⟦dom⟧/voice/status&StatusCallbackEvent=completed&AccountSid=⟦acsid⟧
""",
)
_T(
    F,
    "GitLab webhook request capture",
    r"""
POST /hooks/gitlab HTTP/1.1
X-Gitlab-Event: Pipeline Hook
X-Gitlab-Token: ⟦an32⟧
X-Gitlab-Instance: https://gitlab.⟦dom⟧
X-Gitlab-Event-UUID: ⟦uuid⟧
""",
)

F = "signing_secrets_cli"
_T(
    F,
    "stripe listen output",
    r"""
$ stripe listen --forward-to localhost:4242/webhook
> Ready! You are using Stripe API Version [2024-06-20]. Your webhook signing secret is ⟦whsec⟧ (^C to quit)
⟦tsl⟧   --> customer.created [evt_1⟦xan24⟧]
""",
)
_T(
    F,
    "Stripe CLI config.toml",
    r"""
[default]
  device_name = "⟦word⟧-mbp"
  display_name = "⟦team⟧ sandbox"
  live_mode_api_key = "⟦rklive⟧"
  test_mode_api_key = "⟦sktest⟧"
""",
)
_T(
    F,
    "gh secret set",
    r"""
$ gh secret set WEBHOOK_SECRET --repo ⟦team⟧/⟦svc⟧ --body "⟦hex40⟧"
✓ Set Actions secret WEBHOOK_SECRET for ⟦team⟧/⟦svc⟧
""",
)
_T(
    F,
    "Svix dashboard copy of endpoint signing secret",
    r"""
Endpoint: https://hooks.⟦dom⟧/svix
Signing Secret
whsec_⟦b64_24⟧
""",
)
_T(
    F,
    "shopify app env show",
    r"""
$ shopify app env show
    SHOPIFY_API_KEY=⟦xh32⟧
    SHOPIFY_API_SECRET=⟦hex32⟧
    SCOPES=read_orders,write_products
""",
)
_T(
    F,
    "twilio login prompt transcript",
    r"""
$ twilio login
? The Account SID for your Twilio Account or Subaccount: ⟦acsid⟧
? Your Twilio Auth Token for your Twilio Account or Subaccount: ⟦hex32⟧
? Shorthand identifier for your profile: prod
""",
)
_T(
    F,
    "Slack app credentials copied from Basic Information",
    r"""
App Credentials
App ID	⟦slapp⟧
Client Secret	⟦hex32:c⟧
Signing Secret	⟦hex32:s⟧
""",
)
_T(
    F,
    "GitHub App settings client secret",
    r"""
Client ID: Iv23li⟦xh12⟧
Client secrets
  Generated just now: ⟦hex40⟧
  Make sure to copy your new client secret now. You won't be able to see it again.
""",
)
_T(
    F,
    "heroku config:get",
    r"""
$ heroku config:get STRIPE_WEBHOOK_SECRET -a ⟦svc⟧-prod
⟦whsec⟧
""",
)
_T(
    F,
    "kubectl create secret from literal",
    r"""
kubectl -n ⟦team⟧ create secret generic webhook-signing --from-literal=signing-secret='⟦an40⟧' --dry-run=client -o yaml | kubectl apply -f -
""",
)
_T(
    F,
    "vercel env pull result",
    r"""
$ cat .env.local
# Created by Vercel CLI
STRIPE_WEBHOOK_SECRET="⟦whsec⟧"
VERCEL_ENV="development"
""",
)

F = "oauth_app_configs"
_T(
    F,
    "Google client_secret.json",
    r"""
{"web":{"client_id":"⟦gclient⟧.apps.googleusercontent.com","project_id":"⟦svc⟧-prod","auth_uri":"https://accounts.google.com/o/oauth2/auth","token_uri":"https://oauth2.googleapis.com/token","client_secret":"⟦gocspx⟧","redirect_uris":["https://app.⟦dom⟧/auth/callback"]}}
""",
)
_T(
    F,
    "az ad app credential reset output",
    r"""
{
  "appId": "⟦uuid⟧",
  "password": "⟦azsec⟧",
  "tenant": "⟦uuid⟧"
}
""",
)
_T(
    F,
    "Keycloak client representation",
    r"""
{"clientId": "⟦svc⟧", "enabled": true, "clientAuthenticatorType": "client-secret", "secret": "⟦an32⟧", "redirectUris": ["https://⟦svc⟧.⟦dom⟧/*"], "publicClient": false}
""",
)
_T(
    F,
    "NextAuth .env",
    r"""
NEXTAUTH_URL=https://app.⟦dom⟧
GITHUB_ID=Ov23li⟦xh12⟧
GITHUB_SECRET=⟦hex40⟧
NEXTAUTH_SECRET=⟦b64_32⟧
""",
)
_T(
    F,
    "Spring Security OAuth2 client YAML",
    r"""
spring:
  security:
    oauth2:
      client:
        registration:
          okta:
            client-id: 0oa⟦an16⟧
            client-secret: ⟦an40⟧
""",
)
_T(
    F,
    "Okta SSWS API token header",
    r"""
curl -s -H "Accept: application/json" -H "Authorization: SSWS ⟦okta⟧" "https://⟦word⟧.okta.com/api/v1/users?limit=25"
""",
)
_T(
    F,
    "auth0 apps show output",
    r"""
  NAME            ⟦svc⟧-backend
  CLIENT ID       ⟦an32⟧
  CLIENT SECRET   ⟦an64⟧
  TYPE            Machine to Machine
""",
)
_T(
    F,
    "oauth2-proxy config",
    r"""
provider = "oidc"
client_id = "⟦svc⟧"
client_secret = "⟦an32⟧"
cookie_secret = "⟦b64_24⟧"
""",
)
_T(
    F,
    "Dex staticClients",
    r"""
staticClients:
- id: grafana
  redirectURIs: ['https://grafana.⟦dom⟧/login/generic_oauth']
  name: Grafana
  secret: ⟦an32⟧
""",
)
_T(
    F,
    "GitLab OAuth application page copy",
    r"""
Application ID  ⟦xh64⟧
Secret          ⟦gloas⟧
Callback URL    https://argocd.⟦dom⟧/api/dex/callback
""",
)
_T(
    F,
    "OAuth token endpoint response",
    r"""
< HTTP/2 200
{"access_token":"⟦gho⟧","token_type":"bearer","scope":"repo,read:org"}
""",
)
_T(
    F,
    "kubeconfig OIDC auth-provider",
    r"""
    auth-provider:
      config:
        client-id: kubernetes
        client-secret: ⟦an32⟧
        idp-issuer-url: https://dex.⟦dom⟧
        refresh-token: Chl⟦an40⟧
      name: oidc
""",
)

F = "automation_exports"
_T(
    F,
    "n8n workflow HTTP Request node",
    r"""
{"parameters": {"url": "https://api.⟦dom⟧/v2/tickets", "sendHeaders": true,
  "headerParameters": {"parameters": [{"name": "Authorization", "value": "Bearer ⟦an40⟧"}]}},
 "name": "Create ticket", "type": "n8n-nodes-base.httpRequest", "typeVersion": 4.2}
""",
)
_T(
    F,
    "n8n export:credentials --decrypted",
    r"""
[{"id": "⟦n⟧", "name": "Airtable PAT", "type": "airtableTokenApi", "data": {"accessToken": "⟦airtable⟧"}}]
""",
)
_T(
    F,
    "Zapier Code by Zapier (Python) step",
    r"""
import requests
API_KEY = "⟦hex32⟧"
r = requests.post("https://api.⟦dom⟧/v1/leads", json=input_data, headers={"X-Api-Key": API_KEY})
output = {"status": r.status_code}
""",
)
_T(
    F,
    "Zapier Webhooks step export",
    r"""
"params": {"url": "https://hooks.⟦dom⟧/ingest", "method": "POST",
  "headers": {"X-Auth-Token": "⟦an32⟧"}, "data_pass_through": false}
""",
)
_T(
    F,
    "Make.com scenario blueprint module",
    r"""
{"id": 4, "module": "http:ActionSendData", "mapper": {"url": "https://crm.⟦dom⟧/api/contacts",
  "method": "post", "headers": [{"name": "X-Auth", "value": "⟦hex40⟧"}], "bodyType": "raw"}}
""",
)
_T(
    F,
    "n8n docker env",
    r"""
      - N8N_ENCRYPTION_KEY=⟦an32⟧
      - N8N_HOST=n8n.⟦dom⟧
      - WEBHOOK_URL=https://n8n.⟦dom⟧/
""",
)
_T(
    F,
    "IFTTT Maker webhook URL",
    r"""
curl -X POST https://maker.ifttt.com/trigger/deploy_done/with/key/⟦ifttt⟧ -H "Content-Type: application/json" -d '{"value1":"⟦svc⟧"}'
""",
)
_T(
    F,
    "GitHub Actions workflow with hardcoded token",
    r"""
      - name: Publish
        run: npm publish --access public
        env:
          NODE_AUTH_TOKEN: ⟦npm⟧
""",
)
_T(
    F,
    "airflow connections export URI",
    r"""
$ airflow connections export - --file-format env --serialization-format uri
postgres_dw=postgres://⟦user⟧:⟦@pct:pw:p⟧@⟦host⟧:5432/dw
aws_default=aws://
""",
)
_T(
    F,
    "Node-RED flows_cred.json decrypted",
    r"""
{"⟦xh16⟧": {"user": "⟦user⟧", "password": "⟦pw⟧"}, "⟦xh16⟧": {"broker_password": "⟦pw⟧"}}
""",
)
_T(
    F,
    "Power Automate HTTP action",
    r"""
"HTTP": {"type": "Http", "inputs": {"method": "POST", "uri": "https://erp.⟦dom⟧/api/sync",
  "authentication": {"type": "Basic", "username": "⟦user⟧", "password": "⟦pw⟧"}}}
""",
)
_T(
    F,
    "Retool resource export",
    r"""
{"name": "prod-postgres", "type": "postgresql", "options": {"host": "⟦host⟧", "port": "5432", "databaseName": "⟦db⟧", "databaseUsername": "retool_ro", "databasePassword": "⟦pw⟧", "ssl": true}}
""",
)

# ---------------------------------------------------------------------------
# observability pipelines
# ---------------------------------------------------------------------------

F = "otel_traces"
_T(
    F,
    "OTLP JSON span attributes",
    r"""
{"traceId": "⟦trace⟧", "spanId": "⟦span⟧", "name": "GET /v1/accounts", "kind": 2,
 "attributes": [
   {"key": "http.request.header.authorization", "value": {"arrayValue": {"values": [{"stringValue": "Bearer ⟦jwt⟧"}]}}},
   {"key": "http.response.status_code", "value": {"intValue": "200"}}]}
""",
)
_T(
    F,
    "collector debug exporter detailed span",
    r"""
Span #0
    Trace ID       : ⟦trace⟧
    ID             : ⟦span⟧
    Name           : POST /v1/charges
    Kind           : Client
Attributes:
     -> url.full: Str(https://api.⟦dom⟧/v1/charges?api_key=⟦an32⟧)
     -> http.response.status_code: Int(402)
""",
)
_T(
    F,
    "collector debug exporter db.statement",
    r"""
Attributes:
     -> db.system: Str(mysql)
     -> db.statement: Str(ALTER USER '⟦user⟧'@'%' IDENTIFIED BY '⟦pw⟧')
     -> server.address: Str(⟦host⟧)
""",
)
_T(
    F,
    "Jaeger JSON tags",
    r"""
{"traceID": "⟦trace⟧", "spanID": "⟦span⟧", "operationName": "amqp.connect",
 "tags": [{"key": "messaging.url", "type": "string", "value": "amqps://⟦user⟧:⟦upw⟧@⟦host⟧:5671/prod"},
          {"key": "span.kind", "type": "string", "value": "client"}]}
""",
)
_T(
    F,
    "Zipkin v2 JSON tags",
    r"""
[{"traceId": "⟦trace⟧", "id": "⟦span⟧", "name": "post /oauth/token", "kind": "CLIENT",
  "localEndpoint": {"serviceName": "⟦svc⟧"},
  "tags": {"http.method": "POST", "http.path": "/oauth/token", "request.body": "grant_type=client_credentials&client_id=⟦svc⟧&client_secret=⟦an40⟧"}}]
""",
)
_T(
    F,
    "OTEL_EXPORTER_OTLP_HEADERS URL-encoded basic auth",
    r"""
OTEL_EXPORTER_OTLP_ENDPOINT=https://otlp-gateway-prod-eu-west-2.grafana.net/otlp
OTEL_EXPORTER_OTLP_HEADERS=Authorization=Basic%20⟦@pct:b64_48:a⟧
OTEL_SERVICE_NAME=⟦svc⟧
""",
)
_T(
    F,
    "collector config otlphttp exporter headers",
    r"""
exporters:
  otlphttp/newrelic:
    endpoint: https://otlp.eu01.nr-data.net
    headers:
      api-key: ⟦nrlic⟧
""",
)
_T(
    F,
    "span event exception.stacktrace",
    r"""
Events:
SpanEvent #0
     -> Name: exception
     -> Attributes::
          -> exception.type: Str(sqlalchemy.exc.OperationalError)
          -> exception.stacktrace: Str(Traceback (most recent call last):\n  File \"/app/db.py\", line 12, in <module>\n    engine = create_engine(\"postgresql://⟦user⟧:⟦upw⟧@⟦host⟧/⟦db⟧\")\n...)
""",
)
_T(
    F,
    "Honeycomb collector exporter headers",
    r"""
  otlp/honeycomb:
    endpoint: api.honeycomb.io:443
    headers:
      x-honeycomb-team: ⟦honey⟧
      x-honeycomb-dataset: ⟦svc⟧
""",
)
_T(
    F,
    "Datadog trace JSON meta",
    r"""
{"trace_id": ⟦n10⟧⟦n9⟧, "span_id": ⟦n10⟧, "service": "⟦svc⟧", "resource": "GET /export",
 "meta": {"http.url": "https://⟦svc⟧.⟦dom⟧/export?format=csv&auth_token=⟦hex40⟧", "http.status_code": "200"}}
""",
)
_T(
    F,
    "Elastic APM agent env",
    r"""
ELASTIC_APM_SERVER_URL=https://apm.⟦dom⟧:8200
ELASTIC_APM_SECRET_TOKEN=⟦an24⟧
ELASTIC_APM_SERVICE_NAME=⟦svc⟧
""",
)

F = "sentry_events"
_T(
    F,
    "Sentry event request headers",
    r"""
"request": {"url": "https://api.⟦dom⟧/v1/partners/sync", "method": "POST",
  "headers": [["Content-Type", "application/json"], ["X-Internal-Key", "⟦an40⟧"], ["User-Agent", "python-requests/2.32.3"]]}
""",
)
_T(
    F,
    "Sentry extra with Slack webhook URL",
    r"""
"extra": {"alert_channel": "#oncall-⟦team⟧", "webhook_url": "https://hooks.slack.com/services/⟦slteam⟧/⟦slbot⟧/⟦slackhook⟧", "retry": 2}
""",
)
_T(
    F,
    "Sentry httplib breadcrumb",
    r"""
{"type": "http", "category": "httplib", "level": "info", "timestamp": "⟦ts⟧",
 "data": {"url": "https://api.⟦dom⟧/v1/rates?access_key=⟦hex32⟧", "method": "GET", "status_code": 401, "reason": "Unauthorized"}}
""",
)
_T(
    F,
    "Sentry tags with DSN",
    r"""
"tags": [["environment", "production"], ["release", "⟦svc⟧@⟦ver⟧"], ["db.dsn", "mysql://⟦user⟧:⟦upw⟧@⟦host⟧:3306/⟦db⟧"]]
""",
)
_T(
    F,
    "Sentry frame vars connection string",
    r"""
"vars": {"conn_str": "'Server=⟦host⟧;Database=⟦db⟧;User Id=⟦user⟧;Password=⟦pw⟧;'", "attempt": "3", "timeout": "30"}
""",
)
_T(
    F,
    ".sentryclirc",
    r"""
[defaults]
org = ⟦team⟧
project = ⟦svc⟧

[auth]
token = ⟦sntrys⟧
""",
)
_T(
    F,
    "Sentry log breadcrumb message",
    r"""
{"category": "⟦svc⟧.client", "message": "retrying upstream with fallback key ⟦an32⟧ after 429", "level": "warning"}
""",
)
_T(
    F,
    "Sentry request cookies as string",
    r"""
"request": {"cookies": "_shop_session=⟦railsess⟧; locale=de", "url": "https://shop.⟦dom⟧/checkout", "method": "GET"}
""",
)
_T(
    F,
    "Sentry user feedback comment",
    r"""
{"event_id": "⟦xh32⟧", "name": "⟦name⟧", "comments": "cant log in since the update, my password is ⟦pw⟧ and it keeps saying invalid??", "email": "⟦email⟧"}
""",
)
_T(
    F,
    "Sentry exception value containing signing key",
    r"""
"exception": {"values": [{"type": "SignatureError", "value": "HMAC mismatch computing sha256 with key '⟦hex64⟧' for delivery ⟦uuid⟧", "module": "webhooks.verify"}]}
""",
)
_T(
    F,
    "CI log exporting Sentry auth token",
    r"""
$ export SENTRY_AUTH_TOKEN=⟦sntrys⟧
$ sentry-cli releases new -p ⟦svc⟧ "⟦svc⟧@⟦ver⟧"
Created release ⟦svc⟧@⟦ver⟧
""",
)

F = "log_shippers"
_T(
    F,
    "Fluent Bit es output",
    r"""
[OUTPUT]
    Name        es
    Match       kube.*
    Host        ⟦host⟧
    HTTP_User   fluentbit
    HTTP_Passwd ⟦pw⟧
    tls         On
""",
)
_T(
    F,
    "Fluentd s3 match block",
    r"""
<match app.**>
  @type s3
  aws_key_id ⟦akid⟧
  aws_sec_key ⟦awssk⟧
  s3_bucket ⟦svc⟧-logs
</match>
""",
)
_T(
    F,
    "Logstash elasticsearch output",
    r"""
output {
  elasticsearch {
    hosts => ["https://⟦host⟧:9200"]
    user => "logstash_writer"
    password => "⟦pw⟧"
  }
}
""",
)
_T(
    F,
    "Vector datadog_logs sink",
    r"""
[sinks.dd]
type = "datadog_logs"
inputs = ["parse_app"]
default_api_key = "⟦hex32⟧"
site = "datadoghq.eu"
""",
)
_T(
    F,
    "vector tap output",
    r"""
{"message":"⟦ip⟧ - - [28/Nov/2026:10:12:03 +0000] \"GET /api/sync HTTP/1.1\" 200 512 \"-\" \"curl/8.4.0\" auth=\"Bearer ⟦an40⟧\"","source_type":"file","timestamp":"⟦ts⟧"}
""",
)
_T(
    F,
    "Fluent Bit stdout output record",
    r"""
[0] kube.var.log.containers.⟦svc⟧-7d9f8.log: [⟦epochf⟧, {"log"=>"⟦tsl⟧ DEBUG connecting to ldap bind_dn=cn=svc,dc=corp password=⟦pw⟧", "stream"=>"stdout"}]
""",
)
_T(
    F,
    "Logstash rubydebug headers",
    r"""
{
       "headers" => {
        "http_authorization" => "Basic ⟦@basic:user:u,pw:p⟧",
            "request_method" => "POST"
    },
""",
)
_T(
    F,
    "Filebeat api_key output",
    r"""
output.elasticsearch:
  hosts: ["https://⟦host⟧:9200"]
  api_key: "⟦xan24⟧:⟦an22⟧"
""",
)
_T(
    F,
    "Fluentd splunk_hec output",
    r"""
<match **>
  @type splunk_hec
  hec_host splunk.⟦dom⟧
  hec_port 8088
  hec_token ⟦usec⟧
</match>
""",
)
_T(
    F,
    "Vector loki sink basic auth",
    r"""
[sinks.loki]
type = "loki"
endpoint = "https://logs-prod-012.grafana.net"
auth.strategy = "basic"
auth.user = "⟦n6⟧"
auth.password = "⟦glc⟧"
""",
)
_T(
    F,
    "syslog-ng http destination",
    r"""
destination d_http {
    http(url("https://logs.⟦dom⟧/ingest") method("POST")
         user("syslog") password("⟦pw⟧"));
};
""",
)
_T(
    F,
    "logstash.yml monitoring password",
    r"""
xpack.monitoring.enabled: true
xpack.monitoring.elasticsearch.username: logstash_system
xpack.monitoring.elasticsearch.password: ⟦pw⟧
""",
)

F = "prometheus_alertmanager"
_T(
    F,
    "prometheus.yml scrape basic_auth",
    r"""
  - job_name: 'rabbitmq'
    scheme: https
    basic_auth:
      username: prometheus
      password: ⟦pw⟧
    static_configs:
      - targets: ['⟦host⟧:15692']
""",
)
_T(
    F,
    "prometheus.yml authorization credentials",
    r"""
  - job_name: 'kubelet'
    authorization:
      type: Bearer
      credentials: ⟦jwt⟧
""",
)
_T(
    F,
    "remote_write to Grafana Cloud",
    r"""
remote_write:
  - url: https://prometheus-prod-24-prod-eu-west-2.grafana.net/api/prom/push
    basic_auth:
      username: ⟦n7⟧
      password: ⟦glc⟧
""",
)
_T(
    F,
    "Alertmanager slack_configs",
    r"""
receivers:
  - name: slack-oncall
    slack_configs:
      - api_url: https://hooks.slack.com/services/⟦slteam⟧/⟦slbot⟧/⟦slackhook⟧
        channel: '#oncall'
""",
)
_T(
    F,
    "Alertmanager pagerduty_configs",
    r"""
  - name: pagerduty-critical
    pagerduty_configs:
      - routing_key: ⟦hex32⟧
        severity: critical
""",
)
_T(
    F,
    "Alertmanager opsgenie_configs",
    r"""
  - name: opsgenie
    opsgenie_configs:
      - api_key: ⟦usec⟧
        api_url: https://api.eu.opsgenie.com/
""",
)
_T(
    F,
    "Alertmanager webhook with token query",
    r"""
  - name: chatops
    webhook_configs:
      - url: 'https://chatops.⟦dom⟧/alertmanager?token=⟦an32⟧'
        send_resolved: true
""",
)
_T(
    F,
    "Alertmanager email_configs Gmail app password",
    r"""
    email_configs:
      - to: oncall@⟦dom⟧
        smarthost: smtp.gmail.com:587
        auth_username: alerts@⟦dom⟧
        auth_password: "⟦gapp⟧"
""",
)
_T(
    F,
    "Alertmanager telegram_configs",
    r"""
    telegram_configs:
      - bot_token: ⟦tgbot⟧
        chat_id: -100⟦n10⟧
""",
)
_T(
    F,
    "amtool with credentials in URL",
    r"""
$ amtool --alertmanager.url=https://admin:⟦upw⟧@alertmanager.⟦dom⟧ silence query
ID                                    Matchers              Ends At
""",
)
_T(
    F,
    "Alertmanager msteams webhook",
    r"""
    msteams_configs:
      - webhook_url: 'https://⟦word⟧.webhook.office.com/webhookb2/⟦uuid⟧@⟦uuid⟧/IncomingWebhook/⟦hex32⟧/⟦uuid⟧/V2⟦an32⟧'
""",
)
_T(
    F,
    "vmagent flags",
    r"""
/vmagent-prod -promscrape.config=/etc/vmagent/scrape.yml -remoteWrite.url=https://vm.⟦dom⟧/api/v1/write -remoteWrite.bearerToken=⟦an48⟧
""",
)

F = "grafana_loki"
_T(
    F,
    "grafana.ini security section",
    r"""
[security]
admin_user = admin
admin_password = ⟦pw:a⟧
secret_key = ⟦an32⟧
""",
)
_T(
    F,
    "grafana.ini database password in triple quotes",
    r'''
[database]
type = mysql
host = ⟦host⟧:3306
user = grafana
password = """⟦pw⟧"""
''',
)
_T(
    F,
    "Grafana datasource provisioning secureJsonData",
    r"""
datasources:
  - name: Postgres
    type: postgres
    url: ⟦host⟧:5432
    user: grafana_ro
    secureJsonData:
      password: '⟦pw⟧'
""",
)
_T(
    F,
    "Grafana datasource custom header",
    r"""
    jsonData:
      httpHeaderName1: 'Authorization'
    secureJsonData:
      httpHeaderValue1: 'Bearer ⟦an40⟧'
""",
)
_T(
    F,
    "Grafana service account token curl",
    r"""
curl -H "Authorization: Bearer ⟦glsa⟧" https://grafana.⟦dom⟧/api/dashboards/uid/⟦xh12⟧
""",
)
_T(
    F,
    "Grafana legacy API key header",
    r"""
GET /api/search?query=latency HTTP/1.1
Host: grafana.⟦dom⟧
Authorization: Bearer ⟦grafkey⟧
""",
)
_T(
    F,
    "Promtail client URL with credentials",
    r"""
clients:
  - url: https://⟦n6⟧:⟦glc⟧@logs-prod-eu-west-0.grafana.net/loki/api/v1/push
""",
)
_T(
    F,
    "Loki storage_config s3 URL",
    r"""
storage_config:
  aws:
    s3: s3://⟦akid⟧:⟦@pct:awssk:k⟧@⟦region⟧/⟦svc⟧-loki-chunks
""",
)
_T(
    F,
    "grafana-cli reset admin password",
    r"""
$ grafana-cli admin reset-admin-password '⟦pw⟧'
INFO [11-28|10:12:03] Starting Grafana                         logger=settings version=⟦ver⟧
Admin password changed successfully ✔
""",
)
_T(
    F,
    "Grafana contact point provisioning",
    r"""
contactPoints:
  - orgId: 1
    name: pd
    receivers:
      - uid: pd-main
        type: pagerduty
        settings:
          integrationKey: ⟦hex32⟧
""",
)
_T(
    F,
    "Promtail basic_auth inline",
    r"""
clients:
  - url: https://loki.⟦dom⟧/loki/api/v1/push
    basic_auth:
      username: promtail
      password: ⟦pw⟧
""",
)
_T(
    F,
    "docker-compose Grafana env",
    r"""
    environment:
      - GF_AUTH_GENERIC_OAUTH_CLIENT_ID=grafana
      - GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET=⟦an32⟧
      - GF_SERVER_ROOT_URL=https://grafana.⟦dom⟧
""",
)

# ---------------------------------------------------------------------------
# data plane and coordination
# ---------------------------------------------------------------------------

F = "postgres_mysql_logs"
_T(
    F,
    "PostgreSQL log_statement=ddl ALTER ROLE",
    r"""
⟦tsl⟧.412 UTC [⟦pid⟧] ⟦user⟧@⟦db⟧ LOG:  statement: ALTER ROLE app_rw WITH PASSWORD '⟦pw⟧';
""",
)
_T(
    F,
    "PostgreSQL ERROR with STATEMENT line",
    r"""
⟦tsl:t⟧.017 UTC [⟦pid⟧] postgres@postgres ERROR:  role "etl_loader" already exists
⟦tsl:t⟧.017 UTC [⟦pid⟧] postgres@postgres STATEMENT:  CREATE USER etl_loader WITH LOGIN PASSWORD '⟦pw⟧' VALID UNTIL '2027-01-01';
""",
)
_T(
    F,
    "PostgreSQL dblink_connect in duration log",
    r"""
⟦tsl⟧ UTC [⟦pid⟧] LOG:  duration: 12.311 ms  statement: SELECT dblink_connect('legacy', 'host=⟦host⟧ port=5432 dbname=⟦db⟧ user=⟦user⟧ password=⟦pw⟧');
""",
)
_T(
    F,
    "PostgreSQL CREATE USER MAPPING",
    r"""
LOG:  statement: CREATE USER MAPPING FOR reporting SERVER legacy_crm OPTIONS (user '⟦user⟧', password '⟦pw⟧');
""",
)
_T(
    F,
    "MySQL general query log CREATE USER",
    r"""
⟦ts:t⟧	   ⟦n3:c⟧ Query	CREATE USER 'grafana_ro'@'%' IDENTIFIED BY '⟦pw⟧'
⟦ts:t⟧	   ⟦n3:c⟧ Query	GRANT SELECT ON metrics.* TO 'grafana_ro'@'%'
""",
)
_T(
    F,
    "MySQL general log SET PASSWORD",
    r"""
⟦ts:t⟧	   ⟦n3:c⟧ Connect	root@localhost on  using Socket
⟦ts:t⟧	   ⟦n3:c⟧ Query	SET PASSWORD FOR 'app'@'%' = '⟦pw⟧'
""",
)
_T(
    F,
    "MySQL slow log replication source change",
    r"""
# Time: ⟦ts⟧
# User@Host: root[root] @ localhost []  Id:    ⟦n3⟧
SET timestamp=⟦epoch⟧;
CHANGE REPLICATION SOURCE TO SOURCE_HOST='⟦host⟧', SOURCE_USER='repl', SOURCE_PASSWORD='⟦pw⟧', SOURCE_AUTO_POSITION=1;
""",
)
_T(
    F,
    "pg_dumpall --roles-only with md5 hash",
    r"""
CREATE ROLE legacy_app;
ALTER ROLE legacy_app WITH NOSUPERUSER INHERIT NOCREATEROLE NOCREATEDB LOGIN NOREPLICATION NOBYPASSRLS PASSWORD '⟦md5pw⟧';
""",
)
_T(
    F,
    "PostgreSQL COPY FROM PROGRAM with bearer token",
    r"""
LOG:  statement: COPY staging.rates FROM PROGRAM 'curl -s -H "Authorization: Bearer ⟦an40⟧" https://api.⟦dom⟧/rates.csv' WITH (FORMAT csv, HEADER);
""",
)
_T(
    F,
    "Percona audit log JSON",
    r"""
{"audit_record":{"name":"Query","record":"⟦n6⟧_⟦tsl⟧","timestamp":"⟦ts⟧","command_class":"alter_user","connection_id":"⟦n3⟧","status":0,"sqltext":"ALTER USER 'reporting'@'%' IDENTIFIED BY '⟦pw⟧'","user":"root[root] @ localhost []","db":""}}
""",
)
_T(
    F,
    "mysql CLI password on command line warning",
    r"""
$ mysql -h ⟦host⟧ -u root -p'⟦pw⟧' -e 'SHOW SLAVE STATUS\G'
mysql: [Warning] Using a password on the command line interface can be insecure.
""",
)
_T(
    F,
    "~/.pgpass contents",
    r"""
$ cat ~/.pgpass
⟦host⟧:5432:*:⟦user⟧:⟦pw:a⟧
⟦host⟧:6432:pgbouncer:pgbouncer:⟦pw:b⟧
""",
)

F = "mongo_redis"
_T(
    F,
    "mongosh history createUser",
    r"""
db.getSiblingDB("admin").createUser({user: "⟦user⟧", pwd: "⟦pw⟧", roles: [{role: "readWrite", db: "⟦db⟧"}]})
""",
)
_T(
    F,
    "mongosh connection string command",
    r"""
$ mongosh "mongodb://admin:⟦upw⟧@⟦host⟧:27017/?authSource=admin&replicaSet=rs0"
Current Mongosh Log ID:	⟦xh24⟧
""",
)
_T(
    F,
    "mongodump --uri",
    r"""
mongodump --uri="mongodb+srv://backup:⟦upw⟧@cluster0.ab1cd.mongodb.net/⟦db⟧" --gzip --archive=/backups/⟦db⟧-20261128.gz
""",
)
_T(
    F,
    "Redis MONITOR HSET of tokens",
    r"""
⟦epochf⟧ [0 ⟦ip⟧:51234] "HSET" "oauth:tokens:⟦n5⟧" "access_token" "⟦gho⟧" "expires_at" "⟦epoch⟧"
""",
)
_T(
    F,
    "Redis MONITOR CONFIG SET masterauth",
    r"""
⟦epochf⟧ [0 127.0.0.1:40122] "CONFIG" "SET" "masterauth" "⟦pw⟧"
⟦epochf⟧ [0 127.0.0.1:40122] "CONFIG" "REWRITE"
""",
)
_T(
    F,
    "redis.conf requirepass/masterauth",
    r"""
bind 0.0.0.0
protected-mode yes
requirepass ⟦pw:a⟧
masterauth ⟦pw:a⟧
""",
)
_T(
    F,
    "Redis users.acl with plaintext password",
    r"""
user default off
user worker on >⟦pw⟧ ~jobs:* &* +@all -@dangerous
user reader on #⟦xh64⟧ ~cache:* +@read
""",
)
_T(
    F,
    "redis-cli -a",
    r"""
$ redis-cli -h ⟦host⟧ -p 6380 --tls -a '⟦pw⟧' --no-auth-warning INFO replication
# Replication
role:master
""",
)
_T(
    F,
    "redis-cli ACL SETUSER",
    r"""
⟦host⟧:6379> ACL SETUSER ⟦svc⟧ on >⟦pw⟧ ~⟦svc⟧:* +@read +@write
OK
""",
)
_T(
    F,
    "sentinel.conf auth-pass",
    r"""
sentinel monitor mymaster ⟦ip⟧ 6379 2
sentinel auth-pass mymaster ⟦pw⟧
sentinel down-after-milliseconds mymaster 5000
""",
)
_T(
    F,
    "MongoDB keyfile contents",
    r"""
$ sudo cat /etc/mongod/keyfile
⟦pemline⟧
""",
)
_T(
    F,
    "mongosh db.auth",
    r"""
rs0 [direct: primary] test> db.getSiblingDB("admin").auth("⟦user⟧", "⟦pw⟧")
{ ok: 1 }
""",
)

F = "search_engines"
_T(
    F,
    "elasticsearch-reset-password output",
    r"""
$ bin/elasticsearch-reset-password -u elastic
This tool will reset the password of the [elastic] user to an autogenerated value.
Please confirm that you would like to continue [y/N]y
Password for the [elastic] user successfully reset.
New value: ⟦espw⟧
""",
)
_T(
    F,
    "Elasticsearch first start security banner",
    r"""
ℹ️  Password for the elastic user (reset with `bin/elasticsearch-reset-password -u elastic`):
  ⟦espw⟧
ℹ️  Configure Kibana to use this cluster:
• Copy the following enrollment token and paste it into Kibana in your browser (valid for the next 30 minutes):
  ⟦esenroll⟧
""",
)
_T(
    F,
    "elasticsearch-keystore show",
    r"""
$ bin/elasticsearch-keystore show s3.client.default.secret_key
⟦awssk⟧
""",
)
_T(
    F,
    "_security/api_key create response",
    r"""
{
  "id" : "⟦xan24⟧",
  "name" : "⟦svc⟧-ingest",
  "api_key" : "⟦an22⟧",
  "encoded" : "⟦esapi⟧"
}
""",
)
_T(
    F,
    "curl -u elastic",
    r"""
curl -sk -u elastic:⟦espw⟧ "https://⟦host⟧:9200/_cat/indices?v&s=store.size:desc" | head
""",
)
_T(
    F,
    "kibana.yml",
    r"""
elasticsearch.hosts: ["https://⟦host⟧:9200"]
elasticsearch.username: "kibana_system"
elasticsearch.password: "⟦pw⟧"
xpack.encryptedSavedObjects.encryptionKey: "⟦an32⟧"
""",
)
_T(
    F,
    "OpenSearch docker-compose initial admin password",
    r"""
    environment:
      - cluster.name=opensearch-cluster
      - OPENSEARCH_INITIAL_ADMIN_PASSWORD=⟦pw⟧
""",
)
_T(
    F,
    "Kibana Dev Tools create user",
    r"""
PUT _security/user/⟦user⟧
{
  "password" : "⟦pw⟧",
  "roles" : [ "logs_reader" ],
  "full_name" : "Logs reader"
}
""",
)
_T(
    F,
    "ApiKey header in proxy log",
    r"""
⟦ip⟧ - - [28/Nov/2026:10:12:03 +0000] "POST /_bulk HTTP/1.1" 200 812 "-" "elastic-transport-go/8.15" auth="ApiKey ⟦esapi⟧"
""",
)
_T(
    F,
    "opensearch_dashboards.yml",
    r"""
opensearch.hosts: [https://⟦host⟧:9200]
opensearch.username: "kibanaserver"
opensearch.password: "⟦pw⟧"
""",
)
_T(
    F,
    "Logstash dead ES instance warning",
    r"""
[⟦tsl⟧,118][WARN ][logstash.outputs.elasticsearch][main] Attempted to resurrect connection to dead ES instance, but got an error {:url=>"https://elastic:⟦upw⟧@⟦host⟧:9200/", :exception=>LogStash::Outputs::ElasticSearch::HttpClient::Pool::HostUnreachableError}
""",
)

F = "cassandra_clickhouse"
_T(
    F,
    "cqlsh command line",
    r"""
$ cqlsh ⟦host⟧ 9042 -u cassandra -p '⟦pw⟧' --ssl
Connected to prod-ring at ⟦host⟧:9042
""",
)
_T(
    F,
    "cqlsh_history CREATE ROLE",
    r"""
CREATE ROLE ⟦svc⟧_rw WITH PASSWORD = '⟦pw⟧' AND LOGIN = true;
GRANT MODIFY ON KEYSPACE events TO ⟦svc⟧_rw;
""",
)
_T(
    F,
    "cqlshrc",
    r"""
[authentication]
username = ⟦user⟧
password = ⟦pw⟧

[connection]
hostname = ⟦host⟧
""",
)
_T(
    F,
    "Cassandra 4.0 audit log line",
    r"""
user:cassandra|host:⟦ip⟧:7000|source:/⟦ip⟧|port:51200|timestamp:⟦epoch⟧123|type:CREATE_ROLE|category:DCL|operation:CREATE ROLE reporting WITH PASSWORD = '⟦pw⟧' AND LOGIN = true;
""",
)
_T(
    F,
    "ClickHouse users.xml plaintext password",
    r"""
<users>
    <⟦svc⟧>
        <password>⟦pw⟧</password>
        <networks><ip>::/0</ip></networks>
        <profile>default</profile>
    </⟦svc⟧>
</users>
""",
)
_T(
    F,
    "clickhouse-client --password",
    r"""
$ clickhouse-client --host ⟦host⟧ --secure --user admin --password '⟦pw⟧' --query "SELECT version()"
""",
)
_T(
    F,
    "ClickHouse query_log CREATE USER",
    r"""
┌─event_time──────────┬─query─────────────────────────────────────────────────────────────────┐
│ ⟦tsl⟧ │ CREATE USER ⟦user⟧ IDENTIFIED WITH plaintext_password BY '⟦pw⟧'        │
└─────────────────────┴───────────────────────────────────────────────────────────────────────┘
""",
)
_T(
    F,
    "ClickHouse mysql() table function in server log",
    r"""
⟦tsl⟧.144 [ ⟦pid⟧ ] {⟦uuid⟧} <Debug> executeQuery: (from ⟦ip⟧:40112) INSERT INTO orders_local SELECT * FROM mysql('⟦host⟧:3306', 'shop', 'orders', 'ro', '⟦pw⟧')
""",
)
_T(
    F,
    "ClickHouse s3() with inline keys",
    r"""
SELECT count() FROM s3('https://⟦svc⟧-exports.s3.⟦region⟧.amazonaws.com/2026/11/*.parquet', '⟦akid⟧', '⟦awssk⟧', 'Parquet')
""",
)
_T(
    F,
    "Cassandra jmxremote.password",
    r"""
# /etc/cassandra/jmxremote.password
monitorRole ⟦pw:a⟧
controlRole ⟦pw:b⟧
""",
)
_T(
    F,
    "DataStax Astra token in driver config",
    r"""
datastax-java-driver {
  basic.cloud.secure-connect-bundle = "/etc/⟦svc⟧/secure-connect.zip"
  advanced.auth-provider { class = PlainTextAuthProvider, username = "token", password = "⟦astra⟧" }
}
""",
)

F = "kafka_zookeeper"
_T(
    F,
    "Kafka client JAAS file (SCRAM)",
    r"""
KafkaClient {
  org.apache.kafka.common.security.scram.ScramLoginModule required
  username="⟦svc⟧"
  password="⟦pw⟧";
};
""",
)
_T(
    F,
    "client.properties for Confluent Cloud",
    r"""
bootstrap.servers=pkc-⟦xh8⟧.⟦region⟧.aws.confluent.cloud:9092
security.protocol=SASL_SSL
sasl.mechanism=PLAIN
sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="⟦confkey⟧" password="⟦confsec⟧";
""",
)
_T(
    F,
    "kafka-configs.sh add SCRAM credential",
    r"""
$ kafka-configs.sh --bootstrap-server ⟦host⟧:9093 --command-config admin.properties --alter --add-config 'SCRAM-SHA-512=[iterations=8192,password=⟦pw⟧]' --entity-type users --entity-name ⟦svc⟧
Completed updating config for user ⟦svc⟧.
""",
)
_T(
    F,
    "client TLS keystore properties",
    r"""
ssl.keystore.location=/etc/kafka/secrets/⟦svc⟧.keystore.jks
ssl.keystore.password=⟦pw:a⟧
ssl.key.password=⟦pw:b⟧
ssl.truststore.location=/etc/kafka/secrets/truststore.jks
""",
)
_T(
    F,
    "zkCli addauth digest",
    r"""
[zk: ⟦host⟧:2181(CONNECTED) 0] addauth digest admin:⟦pw⟧
[zk: ⟦host⟧:2181(CONNECTED) 1] getAcl /kafka/config
""",
)
_T(
    F,
    "ZooKeeper server JAAS",
    r"""
Server {
  org.apache.zookeeper.server.auth.DigestLoginModule required
  user_super="⟦pw:a⟧"
  user_kafka="⟦pw:b⟧";
};
""",
)
_T(
    F,
    "Kafka Connect connector config PUT",
    r"""
curl -s -X PUT -H 'Content-Type: application/json' http://⟦host⟧:8083/connectors/jdbc-sink-orders/config -d '{"connector.class":"io.confluent.connect.jdbc.JdbcSinkConnector","connection.url":"jdbc:postgresql://⟦host⟧:5432/⟦db⟧","connection.user":"⟦user⟧","connection.password":"⟦pw⟧","topics":"orders"}'
""",
)
_T(
    F,
    "Debezium connector status config",
    r"""
  "config": {
    "connector.class": "io.debezium.connector.mysql.MySqlConnector",
    "database.hostname": "⟦host⟧",
    "database.user": "debezium",
    "database.password": "⟦pw⟧",
""",
)
_T(
    F,
    "kcat with SASL properties",
    r"""
kcat -b ⟦host⟧:9094 -X security.protocol=SASL_SSL -X sasl.mechanisms=SCRAM-SHA-256 -X sasl.username=⟦svc⟧ -X sasl.password='⟦pw⟧' -t audit-events -C -o -5 -e
""",
)
_T(
    F,
    "Schema Registry basic.auth.user.info",
    r"""
schema.registry.url=https://psrc-⟦xh8⟧.⟦region⟧.aws.confluent.cloud
basic.auth.credentials.source=USER_INFO
basic.auth.user.info=⟦confkey⟧:⟦confsec⟧
""",
)
_T(
    F,
    "Bitnami Kafka env",
    r"""
      - KAFKA_CLIENT_USERS=⟦svc⟧
      - KAFKA_CLIENT_PASSWORDS=⟦pw:a⟧
      - KAFKA_INTER_BROKER_PASSWORD=⟦pw:b⟧
""",
)
_T(
    F,
    "Strimzi KafkaUser secret decode",
    r"""
$ kubectl get secret ⟦svc⟧ -n kafka -o jsonpath='{.data.password}'
⟦@b64:an24:p⟧
$ kubectl get secret ⟦svc⟧ -n kafka -o jsonpath='{.data.password}' | base64 -d
⟦an24:p⟧
""",
)

F = "coordination_acl"
_T(
    F,
    "consul acl bootstrap output",
    r"""
AccessorID:       ⟦uuid⟧
SecretID:         ⟦usec⟧
Description:      Bootstrap Token (Global Management)
Local:            false
Create Time:      ⟦tsl⟧ +0000 UTC
""",
)
_T(
    F,
    "CONSUL_HTTP_TOKEN inline",
    r"""
$ CONSUL_HTTP_TOKEN=⟦usec⟧ consul members -http-addr=https://⟦host⟧:8501
""",
)
_T(
    F,
    "Consul agent HCL with gossip key and agent token",
    r"""
encrypt = "⟦b64_32⟧"
acl {
  enabled = true
  tokens {
    agent = "⟦usec⟧"
  }
}
""",
)
_T(
    F,
    "nomad acl bootstrap",
    r"""
Accessor ID  = ⟦uuid⟧
Secret ID    = ⟦usec⟧
Name         = Bootstrap Token
Type         = management
""",
)
_T(
    F,
    "NOMAD_TOKEN export",
    r"""
export NOMAD_ADDR=https://⟦host⟧:4646
export NOMAD_TOKEN=⟦usec⟧
nomad job status ⟦svc⟧
""",
)
_T(
    F,
    "etcdctl --user",
    r"""
ETCDCTL_API=3 etcdctl --endpoints=https://⟦host⟧:2379 --user root:⟦upw⟧ get /config/⟦svc⟧ --prefix
""",
)
_T(
    F,
    "Bitnami etcd env",
    r"""
      - ETCD_ROOT_PASSWORD=⟦pw⟧
      - ETCD_ADVERTISE_CLIENT_URLS=http://⟦host⟧:2379
""",
)
_T(
    F,
    "vault operator init output",
    r"""
Unseal Key 1: ⟦unseal⟧
Unseal Key 2: ⟦unseal⟧

Initial Root Token: ⟦hvs⟧
""",
)
_T(
    F,
    "vault kv get output",
    r"""
====== Data ======
Key         Value
---         -----
password    ⟦pw⟧
username    ⟦user⟧
""",
)
_T(
    F,
    "consul kv get",
    r"""
$ consul kv get config/⟦svc⟧/stripe_secret_key
⟦sklive⟧
""",
)
_T(
    F,
    "Nomad job template with hardcoded secret",
    r"""
      template {
        data = <<EOH
DB_PASS=⟦pw⟧
EOH
        destination = "secrets/db.env"
        env         = true
      }
""",
)
_T(
    F,
    "etcdctl get value",
    r"""
$ etcdctl get /config/payments/db --print-value-only
{"host":"⟦host⟧","user":"⟦user⟧","password":"⟦pw⟧"}
""",
)

F = "db_proxies"
_T(
    F,
    "pgbouncer userlist.txt",
    r"""
"⟦user⟧" "⟦pw⟧"
"stats" "⟦md5pw⟧"
""",
)
_T(
    F,
    "pgbouncer.ini databases section",
    r"""
[databases]
⟦db⟧ = host=⟦host⟧ port=5432 dbname=⟦db⟧ user=⟦user⟧ password=⟦pw⟧
""",
)
_T(
    F,
    "ProxySQL admin INSERT mysql_users",
    r"""
Admin> INSERT INTO mysql_users(username,password,default_hostgroup) VALUES ('⟦svc⟧','⟦pw⟧',10);
Query OK, 1 row affected (0.00 sec)
""",
)
_T(
    F,
    "proxysql.cnf admin_credentials",
    r"""
admin_variables=
{
    admin_credentials="admin:⟦upw:a⟧;radmin:⟦upw:b⟧"
    mysql_ifaces="0.0.0.0:6032"
}
""",
)
_T(
    F,
    "ProxySQL admin login",
    r"""
$ mysql -u admin -p'⟦pw⟧' -h 127.0.0.1 -P6032 --prompt 'ProxySQL Admin> '
""",
)
_T(
    F,
    "ProxySQL mysql_users table output",
    r"""
+-----------+-------------------------------------------+-------------------+
| username  | password                                  | default_hostgroup |
+-----------+-------------------------------------------+-------------------+
| etl       | ⟦pw⟧                                      | 20                |
+-----------+-------------------------------------------+-------------------+
""",
)
_T(
    F,
    "Pgpool .pgpoolkey",
    r"""
$ cat /etc/pgpool-II/.pgpoolkey
⟦pp⟧
""",
)
_T(
    F,
    "Bitnami pgbouncer env",
    r"""
      - POSTGRESQL_HOST=⟦host⟧
      - POSTGRESQL_PASSWORD=⟦pw⟧
      - PGBOUNCER_AUTH_TYPE=scram-sha-256
""",
)
_T(
    F,
    "Odyssey config storage password",
    r"""
database "⟦db⟧" {
	user "⟦svc⟧" {
		storage "postgres_server"
		storage_password "⟦pw⟧"
		pool "transaction"
""",
)
_T(
    F,
    "vtgate static auth flag",
    r"""
vtgate --mysql_server_port 3306 --mysql_auth_server_impl static --mysql_auth_server_static_string '{"⟦svc⟧": [{"Password": "⟦pw⟧", "UserData": "⟦svc⟧"}]}'
""",
)
_T(
    F,
    "MaxScale service section",
    r"""
[Splitter-Service]
type=service
router=readwritesplit
user=maxscale
password=⟦pw⟧
""",
)

# ---------------------------------------------------------------------------
# service mesh, gateways, CDN and edge
# ---------------------------------------------------------------------------

F = "envoy_istio"
_T(
    F,
    "Envoy bootstrap inline private key",
    r"""
          tls_certificates:
          - certificate_chain: {filename: /etc/envoy/tls/tls.crt}
            private_key:
              inline_string: |
                -----BEGIN EC PRIVATE KEY-----
                ⟦pemline⟧
                ⟦pemlast⟧
                -----END EC PRIVATE KEY-----
""",
)
_T(
    F,
    "Envoy config_dump route request_headers_to_add",
    r"""
     "request_headers_to_add": [
      {
       "header": {"key": "x-api-key", "value": "⟦an40⟧"},
       "append_action": "OVERWRITE_IF_EXISTS_OR_ADD"
      }
     ],
""",
)
_T(
    F,
    "Envoy access log with %REQ(AUTHORIZATION)%",
    r"""
[⟦ts⟧] "GET /v1/ledger/balances HTTP/1.1" 200 - 0 512 12 10 "⟦ip⟧" "okhttp/4.12.0" "⟦uuid⟧" "ledger.⟦dom⟧" "⟦ip⟧:8080" "Bearer ⟦jwt⟧"
""",
)
_T(
    F,
    "Istio EnvoyFilter Lua with hardcoded token",
    r"""
          inlineCode: |
            function envoy_on_request(request_handle)
              request_handle:headers():add("authorization", "Bearer ⟦an48⟧")
            end
""",
)
_T(
    F,
    "Kubernetes TLS secret for Istio gateway",
    r"""
apiVersion: v1
kind: Secret
metadata: {name: ⟦svc⟧-gw-cert, namespace: istio-system}
type: kubernetes.io/tls
data:
  tls.key: ⟦pemb64⟧
""",
)
_T(
    F,
    "Envoy debug request headers dump",
    r"""
[⟦tsl⟧.345][41][debug][http] [source/common/http/conn_manager_impl.cc:1118] [Tags: "ConnectionId":"⟦n3⟧","StreamId":"⟦n10⟧"] request headers complete (end_stream=true):
':authority', 'api.⟦dom⟧'
':path', '/v1/orders'
'authorization', 'Basic ⟦@basic:user:u,pw:p⟧'
""",
)
_T(
    F,
    "Envoy generic secret for credential injector",
    r"""
  secrets:
  - name: partner-credential
    generic_secret:
      secret:
        inline_string: "Bearer ⟦an64⟧"
""",
)
_T(
    F,
    "Istio AuthorizationPolicy header allow-list",
    r"""
  rules:
  - when:
    - key: request.headers[x-api-key]
      values: ["⟦an32:a⟧", "⟦an32:b⟧"]
""",
)
_T(
    F,
    "Envoy oauth2 filter secrets",
    r"""
        token_secret:
          name: token
          sds_config: {path: /etc/envoy/token-secret.yaml}
# token-secret.yaml
resources:
- "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret
  name: hmac
  generic_secret: {secret: {inline_string: "⟦b64_32⟧"}}
""",
)
_T(
    F,
    "Envoy health check request header",
    r"""
       "http_health_check": {
        "path": "/healthz",
        "request_headers_to_add": [{"header": {"key": "Authorization", "value": "Basic ⟦@basic:user:u,pw:p⟧"}}]
       },
""",
)
_T(
    F,
    "Envoy ADS initial_metadata",
    r"""
  ads_config:
    api_type: GRPC
    grpc_services:
    - envoy_grpc: {cluster_name: xds_cluster}
      initial_metadata:
      - {key: authorization, value: "Bearer ⟦jwt⟧"}
""",
)

F = "api_gateways"
_T(
    F,
    "Kong admin key-auth create",
    r"""
$ curl -s -X POST http://⟦host⟧:8001/consumers/partner-⟦word⟧/key-auth -d key=⟦an32:k⟧
{"key":"⟦an32:k⟧","id":"⟦uuid⟧","consumer":{"id":"⟦uuid⟧"},"created_at":⟦epoch⟧}
""",
)
_T(
    F,
    "Kong declarative consumers",
    r"""
consumers:
- username: partner-⟦word⟧
  keyauth_credentials:
  - key: ⟦an32⟧
  basicauth_credentials:
  - username: ⟦user⟧
    password: ⟦pw⟧
""",
)
_T(
    F,
    "Kong jwt_secrets",
    r"""
  jwt_secrets:
  - key: https://issuer.⟦dom⟧
    algorithm: HS256
    secret: ⟦an32⟧
""",
)
_T(
    F,
    "Tyk gateway key create",
    r"""
$ curl -s -H "x-tyk-authorization: ⟦hex32⟧" -X POST http://⟦host⟧:8080/tyk/keys/create -d @key.json
{"key":"⟦tyk⟧","status":"ok","action":"added","key_hash":"⟦xh32⟧"}
""",
)
_T(
    F,
    "tyk.conf secrets",
    r"""
{
  "listen_port": 8080,
  "secret": "⟦an32:a⟧",
  "node_secret": "⟦an32:b⟧",
  "template_path": "/opt/tyk-gateway/templates"
}
""",
)
_T(
    F,
    "apigeecli apps get",
    r"""
  "credentials": [
    {
      "consumerKey": "⟦an32⟧",
      "consumerSecret": "⟦an16⟧",
      "status": "approved"
    }
  ],
""",
)
_T(
    F,
    "AWS API Gateway x-api-key curl",
    r"""
curl -H "x-api-key: ⟦an40⟧" https://⟦xh8⟧.execute-api.⟦region⟧.amazonaws.com/prod/v1/quotes
""",
)
_T(
    F,
    "Azure APIM subscription key header",
    r"""
GET https://⟦svc⟧-apim.azure-api.net/echo/resource?param1=sample HTTP/1.1
Ocp-Apim-Subscription-Key: ⟦hex32⟧
Ocp-Apim-Trace: true
""",
)
_T(
    F,
    "KrakenD client-credentials config",
    r"""
        "auth/client-credentials": {
          "client_id": "krakend",
          "client_secret": "⟦an32⟧",
          "token_url": "https://auth.⟦dom⟧/oauth2/token"
        }
""",
)
_T(
    F,
    "WSO2 APIM token call",
    r"""
curl -k -d "grant_type=client_credentials" -H "Authorization: Basic ⟦@basic:an24:k,an24:s⟧" https://⟦host⟧:9443/oauth2/token
""",
)
_T(
    F,
    "deck dump hmac credential",
    r"""
  hmacauth_credentials:
  - username: ⟦svc⟧-signer
    secret: ⟦an32⟧
""",
)

F = "reverse_proxies"
_T(
    F,
    "HAProxy userlist insecure-password",
    r"""
userlist admins
    user ops insecure-password ⟦pw⟧
    user viewer password $6$⟦xh16⟧$⟦an64⟧
""",
)
_T(
    F,
    "HAProxy stats auth",
    r"""
listen stats
    bind :8404
    stats enable
    stats uri /stats
    stats auth admin:⟦upw⟧
""",
)
_T(
    F,
    "Traefik headers middleware",
    r"""
http:
  middlewares:
    partner-key:
      headers:
        customRequestHeaders:
          X-Api-Key: "⟦an40⟧"
""",
)
_T(
    F,
    "Traefik ACME DNS challenge env",
    r"""
      - CF_API_EMAIL=⟦email⟧
      - CF_DNS_API_TOKEN=⟦cfapi⟧
      - TRAEFIK_CERTIFICATESRESOLVERS_LE_ACME_DNSCHALLENGE_PROVIDER=cloudflare
""",
)
_T(
    F,
    "Traefik consul provider token flag",
    r"""
      - --providers.consulcatalog.endpoint.address=⟦host⟧:8500
      - --providers.consulcatalog.endpoint.token=⟦usec⟧
""",
)
_T(
    F,
    "Caddyfile header_up",
    r"""
api.⟦dom⟧ {
	reverse_proxy ⟦host⟧:8080 {
		header_up Authorization "Bearer ⟦an48⟧"
	}
}
""",
)
_T(
    F,
    "Caddyfile DNS provider token",
    r"""
*.⟦dom⟧ {
	tls {
		dns cloudflare ⟦cfapi⟧
	}
}
""",
)
_T(
    F,
    "nginx proxy_set_header Basic",
    r"""
    location /legacy/ {
        proxy_pass http://⟦host⟧:8080/;
        proxy_set_header Authorization "Basic ⟦@basic:user:u,pw:p⟧";
    }
""",
)
_T(
    F,
    "HAProxy set-header api key",
    r"""
backend be_partner
    http-request set-header X-Api-Key ⟦an40⟧ if { path_beg /partner }
    server p1 ⟦host⟧:443 ssl verify required ca-file /etc/ssl/certs/ca-certificates.crt
""",
)
_T(
    F,
    "nginx error log with token in request line",
    r"""
⟦tsl⟧ [error] 31#31: *⟦n6⟧ upstream timed out (110: Connection timed out) while reading response header from upstream, client: ⟦ip⟧, server: api.⟦dom⟧, request: "GET /api/export?token=⟦an40:t⟧ HTTP/1.1", upstream: "http://⟦ip⟧:8080/api/export?token=⟦an40:t⟧", host: "api.⟦dom⟧"
""",
)
_T(
    F,
    "Apache RequestHeader set",
    r"""
<Location "/reports">
    ProxyPass "http://⟦host⟧:3000/"
    RequestHeader set Authorization "Bearer ⟦an40⟧"
</Location>
""",
)
_T(
    F,
    "Traefik JSON access log with header",
    r"""
{"ClientHost":"⟦ip⟧","DownstreamStatus":401,"RequestMethod":"GET","RequestPath":"/dashboard/","RouterName":"dashboard@docker","request_Authorization":"Basic ⟦@basic:user:u,pw:p⟧","time":"⟦ts⟧"}
""",
)

F = "cdn_edge"
_T(
    F,
    "Cloudflare token verify curl",
    r"""
curl "https://api.cloudflare.com/client/v4/user/tokens/verify" -H "Authorization: Bearer ⟦cfapi⟧"
{"result":{"id":"⟦xh32⟧","status":"active"},"success":true,"errors":[],"messages":[{"code":10000,"message":"This API Token is valid and active"}]}
""",
)
_T(
    F,
    "Cloudflare global API key headers",
    r"""
curl -X GET "https://api.cloudflare.com/client/v4/zones?name=⟦dom⟧" \
     -H "X-Auth-Email: ⟦email⟧" \
     -H "X-Auth-Key: ⟦cfkey⟧"
""",
)
_T(
    F,
    "wrangler .dev.vars",
    r"""
$ cat .dev.vars
STRIPE_KEY=⟦sklive⟧
ENVIRONMENT=dev
""",
)
_T(
    F,
    "cloudflared tunnel run --token",
    r"""
ExecStart=/usr/bin/cloudflared --no-autoupdate tunnel run --token ⟦cftunnel⟧
""",
)
_T(
    F,
    "Fastly API key header",
    r"""
curl -s -H "Fastly-Key: ⟦fastly⟧" -X POST https://api.fastly.com/service/⟦an22⟧/purge_all
""",
)
_T(
    F,
    "Fastly VCL snippet with origin auth",
    r"""
sub vcl_miss {
  set bereq.http.Authorization = "Basic ⟦@basic:user:u,pw:p⟧";
  #FASTLY miss
}
""",
)
_T(
    F,
    "Akamai .edgerc",
    r"""
[default]
client_secret = ⟦akcs⟧
host = akab-⟦xh16⟧.luna.akamaiapis.net
access_token = ⟦akab:a⟧
client_token = ⟦akab:c⟧
""",
)
_T(
    F,
    "Akamai Token Auth 2.0 behavior",
    r"""
{"name": "verifyTokenAuthorization", "options": {"useAdvanced": false, "location": "COOKIE", "algorithm": "SHA256", "key": "⟦hex32⟧", "failureResponse": true}}
""",
)
_T(
    F,
    "CloudFront function hardcoded secret",
    r"""
function handler(event) {
    var SECRET = '⟦an32⟧';
    var h = event.request.headers['x-origin-verify'];
    if (!h || h.value !== SECRET) { return { statusCode: 403, statusDescription: 'Forbidden' }; }
""",
)
_T(
    F,
    "Cloudflare Access service token headers",
    r"""
curl -H "CF-Access-Client-Id: ⟦xh32⟧.access" -H "CF-Access-Client-Secret: ⟦hex64⟧" https://internal.⟦dom⟧/api/status
""",
)
_T(
    F,
    "Terraform fastly provider block",
    r"""
provider "fastly" {
  api_key = "⟦fastly⟧"
}
""",
)

F = "waf_logs"
_T(
    F,
    "ModSecurity audit log part C",
    r"""
--⟦xh8:t⟧-B--
POST /login HTTP/1.1
Host: portal.⟦dom⟧
--⟦xh8:t⟧-C--
username=⟦user⟧&password=⟦@qp:pw:p⟧&remember=1
""",
)
_T(
    F,
    "ModSecurity part B Authorization",
    r"""
--⟦xh8⟧-B--
GET /admin/ HTTP/1.1
Authorization: Basic ⟦@basic:user:u,pw:p⟧
User-Agent: Mozilla/5.0
""",
)
_T(
    F,
    "AWS WAF full log header capture",
    r"""
{"timestamp":⟦epoch⟧123,"action":"BLOCK","terminatingRuleId":"AWS-AWSManagedRulesCommonRuleSet","httpRequest":{"clientIp":"⟦ip⟧","uri":"/api/v1/export","headers":[{"name":"authorization","value":"Bearer ⟦jwt⟧"},{"name":"host","value":"api.⟦dom⟧"}]}}
""",
)
_T(
    F,
    "Cloudflare firewall event",
    r"""
{"Action":"block","ClientIP":"⟦ip⟧","ClientRequestPath":"/v2/export","ClientRequestQuery":"?api_key=⟦an32⟧&format=json","RuleID":"⟦xh32⟧","Source":"firewallManaged"}
""",
)
_T(
    F,
    "ModSecurity matched data false positive",
    r"""
[client ⟦ip⟧] ModSecurity: Warning. detected SQLi using libinjection. [file "/etc/modsecurity/crs/rules/REQUEST-942-APPLICATION-ATTACK-SQLI.conf"] [id "942100"] [data "Matched Data: found within ARGS:password: ⟦pw⟧"] [hostname "portal.⟦dom⟧"] [uri "/login"]
""",
)
_T(
    F,
    "Azure Front Door WAF log match value",
    r"""
"details": {"matches": [{"matchVariableName": "PostParamValue:pin", "matchVariableValue": "⟦pin6⟧"}], "msg": "Mutating SQL detected"}
""",
)
_T(
    F,
    "NAXSI exlog content",
    r"""
⟦tsl⟧ [error] 12#12: *⟦n5⟧ NAXSI_EXLOG: ip=⟦ip⟧&server=portal.⟦dom⟧&uri=/login&id=1010&zone=BODY&var_name=passwd&content=⟦pw⟧
""",
)
_T(
    F,
    "F5 ASM request log",
    r"""
attack_type="Non-browser Client",request="POST /auth HTTP/1.1\r\nHost: sso.⟦dom⟧\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\nuser=⟦user⟧&pass=⟦@qp:pw:p⟧",support_id="⟦n10⟧⟦n9⟧"
""",
)
_T(
    F,
    "AWS WAF sampled request URI",
    r"""
Sampled request  ⟦tsl⟧  ⟦ip⟧  GET  /account/reset?token=⟦an40⟧&uid=⟦n6⟧  Rule: RateLimit-Reset  Action: BLOCK
""",
)
_T(
    F,
    "Cloudflare Logpush RequestHeaders",
    r"""
{"ClientIP":"⟦ip⟧","EdgeResponseStatus":403,"RequestHeaders":{"x-api-key":"⟦hex40⟧","user-agent":"python-requests/2.32.3"},"RayID":"⟦xh16⟧"}
""",
)
_T(
    F,
    "ModSecurity JSON audit body",
    r"""
{"transaction":{"client_ip":"⟦ip⟧","request":{"method":"POST","uri":"/oauth/token","body":["{\"client_id\":\"⟦svc⟧\",\"client_secret\":\"⟦an40⟧\",\"grant_type\":\"client_credentials\"}"]}}}
""",
)

# ---------------------------------------------------------------------------
# database migration and ORM tools
# ---------------------------------------------------------------------------

F = "migration_tools"
_T(
    F,
    "flyway.conf",
    r"""
flyway.url=jdbc:postgresql://⟦host⟧:5432/⟦db⟧
flyway.user=⟦user⟧
flyway.password=⟦pw⟧
flyway.schemas=public
""",
)
_T(
    F,
    "flyway CLI flags",
    r"""
$ flyway -url=jdbc:mysql://⟦host⟧:3306/⟦db⟧ -user=⟦user⟧ -password='⟦pw⟧' -locations=filesystem:sql migrate
Flyway OSS Edition 10.21.0 by Redgate
""",
)
_T(
    F,
    "liquibase.properties",
    r"""
changeLogFile: db/changelog/db.changelog-master.yaml
url: jdbc:postgresql://⟦host⟧:5432/⟦db⟧
username: ⟦user⟧
password: ⟦pw⟧
""",
)
_T(
    F,
    "alembic.ini sqlalchemy.url",
    r"""
[alembic]
script_location = migrations
sqlalchemy.url = postgresql+psycopg://⟦user⟧:⟦upw⟧@⟦host⟧:5432/⟦db⟧
""",
)
_T(
    F,
    "alembic env.py traceback local",
    r"""
  File "/app/migrations/env.py", line 71, in run_migrations_online
    connectable = create_engine(url, poolclass=pool.NullPool)
url = 'mysql+pymysql://⟦user⟧:⟦@pct:pw:p⟧@⟦host⟧:3306/⟦db⟧?charset=utf8mb4'
""",
)
_T(
    F,
    "Prisma .env and migrate deploy",
    r"""
DATABASE_URL="postgresql://⟦user⟧:⟦upw⟧@⟦host⟧:5432/⟦db⟧?schema=public"
$ npx prisma migrate deploy
Datasource "db": PostgreSQL database "⟦db⟧", schema "public" at "⟦host⟧:5432"
""",
)
_T(
    F,
    "Prisma schema shadow database URL",
    r"""
datasource db {
  provider          = "postgresql"
  url               = env("DATABASE_URL")
  shadowDatabaseUrl = "postgresql://⟦user⟧:⟦upw⟧@⟦host⟧:5432/shadow"
}
""",
)
_T(
    F,
    "Sequelize config.json",
    r"""
  "production": {
    "username": "⟦user⟧",
    "password": "⟦pw⟧",
    "database": "⟦db⟧",
    "host": "⟦host⟧",
    "dialect": "mysql"
  }
""",
)
_T(
    F,
    "TypeORM DataSource debug print",
    r"""
DataSource {
  options: { type: 'postgres', host: '⟦host⟧', port: 5432, username: '⟦user⟧', password: '⟦pw⟧', database: '⟦db⟧', synchronize: false, migrationsRun: true },
""",
)
_T(
    F,
    "hibernate.cfg.xml",
    r"""
<hibernate-configuration>
  <session-factory>
    <property name="hibernate.connection.url">jdbc:mariadb://⟦host⟧:3306/⟦db⟧</property>
    <property name="hibernate.connection.username">⟦user⟧</property>
    <property name="hibernate.connection.password">⟦pw⟧</property>
""",
)
_T(
    F,
    "golang-migrate CLI",
    r"""
$ migrate -database "postgres://⟦user⟧:⟦upw⟧@⟦host⟧:5432/⟦db⟧?sslmode=disable" -path db/migrations up
error: Dirty database version 42. Fix and force version.
""",
)
_T(
    F,
    "Rails database.yml with one hardcoded block",
    r"""
production:
  <<: *default
  password: <%= ENV["DATABASE_PASSWORD"] %>
reporting:
  <<: *default
  password: ⟦pw⟧
""",
)

F = "orm_stacktraces"
_T(
    F,
    "PSQLException with Hikari jdbcUrl",
    r"""
org.postgresql.util.PSQLException: FATAL: password authentication failed for user "⟦user⟧"
	at org.postgresql.core.v3.ConnectionFactoryImpl.doAuthentication(ConnectionFactoryImpl.java:693)
⟦tsl⟧ ERROR [main] c.z.h.pool.HikariPool - HikariPool-1 - Exception during pool initialization. jdbcUrl=jdbc:postgresql://⟦host⟧/⟦db⟧?user=⟦user⟧&password=⟦upw⟧
""",
)
_T(
    F,
    "SQLServerException with logged JDBC URL",
    r"""
com.microsoft.sqlserver.jdbc.SQLServerException: Login failed for user '⟦user⟧'. ClientConnectionId:⟦uuid⟧
	at com.microsoft.sqlserver.jdbc.SQLServerException.makeFromDatabaseError(SQLServerException.java:270)
Caused while opening jdbc:sqlserver://⟦host⟧:1433;databaseName=⟦db⟧;user=⟦user⟧;password=⟦pw⟧;encrypt=true
""",
)
_T(
    F,
    "Oracle thin URL with credentials",
    r"""
java.sql.SQLException: ORA-01017: invalid username/password; logon denied
	at oracle.jdbc.driver.T4CTTIoer11.processError(T4CTTIoer11.java:509)
	url=jdbc:oracle:thin:⟦user⟧/⟦upw⟧@//⟦host⟧:1521/ORCLPDB1
""",
)
_T(
    F,
    "pyodbc InterfaceError with local conn_str",
    r"""
pyodbc.InterfaceError: ('28000', "[28000] [Microsoft][ODBC Driver 18 for SQL Server][SQL Server]Login failed for user '⟦user⟧'. (18456) (SQLDriverConnect)")
conn_str = 'DRIVER={ODBC Driver 18 for SQL Server};SERVER=⟦host⟧,1433;DATABASE=⟦db⟧;UID=⟦user⟧;PWD=⟦pw⟧;Encrypt=yes'
""",
)
_T(
    F,
    "SQLAlchemy ArgumentError echoing URL",
    r"""
sqlalchemy.exc.ArgumentError: Could not parse SQLAlchemy URL from string 'postgresql://⟦user⟧:⟦upw⟧@⟦host⟧:5432:⟦db⟧'
""",
)
_T(
    F,
    "SequelizeConnectionError with config inspect",
    r"""
SequelizeConnectionError: password authentication failed for user "⟦user⟧"
    at Client._connectionCallback (/app/node_modules/sequelize/lib/dialects/postgres/connection-manager.js:145:24)
  config: { database: '⟦db⟧', username: '⟦user⟧', password: '⟦pw⟧', host: '⟦host⟧', port: 5432, dialect: 'postgres' }
""",
)
_T(
    F,
    "TypeORM QueryFailedError with parameters",
    r"""
QueryFailedError: value too long for type character varying(64)
    at PostgresQueryRunner.query (/app/node_modules/typeorm/driver/postgres/PostgresQueryRunner.js:219:19)
  query: 'UPDATE "integration" SET "api_token" = $1 WHERE "id" = $2',
  parameters: [ '⟦xoxp⟧', ⟦n4⟧ ],
""",
)
_T(
    F,
    "Hibernate BasicBinder TRACE",
    r"""
DEBUG org.hibernate.SQL - insert into api_credentials (owner_id, secret, id) values (?, ?, ?)
TRACE org.hibernate.type.descriptor.sql.BasicBinder - binding parameter [1] as [BIGINT] - [⟦n5⟧]
TRACE org.hibernate.type.descriptor.sql.BasicBinder - binding parameter [2] as [VARCHAR] - [⟦an40⟧]
""",
)
_T(
    F,
    "ADO.NET keyword not supported (typo key)",
    r"""
System.ArgumentException: Keyword not supported: 'pasword'.
   at Microsoft.Data.SqlClient.SqlConnectionStringBuilder.GetIndex(String keyword)
   ConnectionString = "Data Source=⟦host⟧;Initial Catalog=⟦db⟧;User ID=⟦user⟧;Pasword=⟦pw⟧"
""",
)
_T(
    F,
    "ActiveRecord connection error with DATABASE_URL",
    r"""
ActiveRecord::DatabaseConnectionError: There is an issue connecting to your database with your username/password, username: ⟦user⟧.
DATABASE_URL=mysql2://⟦user⟧:⟦upw⟧@⟦host⟧:3306/⟦db⟧_production
""",
)
_T(
    F,
    "GORM init failure with libpq DSN",
    r"""
⟦tsl⟧ /app/internal/store/db.go:33
[error] failed to initialize database, got error failed to connect to `host=⟦host⟧ user=⟦user⟧ database=⟦db⟧`: failed SASL auth (FATAL: password authentication failed for user "⟦user⟧" (SQLSTATE 28P01))
dsn="host=⟦host⟧ user=⟦user⟧ password=⟦pw⟧ dbname=⟦db⟧ port=5432 sslmode=disable"
""",
)
_T(
    F,
    "Ecto repo start failure with config",
    r"""
** (DBConnection.ConnectionError) connection not available and request was dropped from queue after 2000ms.
config :⟦word⟧, ⟦name⟧.Repo,
  username: "⟦user⟧",
  password: "⟦pw⟧",
  hostname: "⟦host⟧"
""",
)

# ---------------------------------------------------------------------------
# people writing informally
# ---------------------------------------------------------------------------

F = "chat_threads"
_T(
    F,
    "Slack thread with key pasted and emoji",
    r"""
[10:42] ⟦name:a⟧: hey can someone check why ⟦svc⟧ is 401ing since 10:30?
[10:43] ⟦name:b⟧: rotated the stripe key this morn, new one is ⟦sklive⟧ 🙈
[10:44] ⟦name:a⟧: lol dont paste that here, but ok updating the secret now
""",
)
_T(
    F,
    "Slack message with typos",
    r"""
⟦name⟧  11:02 AM
pasword for the stagin db is ⟦pw⟧ btw, dont tell secops 😅
""",
)
_T(
    F,
    "passphrase split over two chat messages",
    r"""
[14:10] ⟦name:a⟧: the gpg passphrase for the release key is "⟦@head:pp:p⟧
[14:10] ⟦name:a⟧: ⟦@tail:pp:p⟧" sorry hit enter too early
[14:11] ⟦name:b⟧: ty 🙏
""",
)
_T(
    F,
    "emoji around secret",
    r"""
⟦name⟧: 🔑 ⟦pw⟧ 🔑 ← grafana admin, pls change after the demo
""",
)
_T(
    F,
    "DM asking for redis password",
    r"""
⟦name:a⟧: can u DM me the redis pw for ⟦host⟧
⟦name:b⟧: sure: ⟦pw⟧ (will rotate after the incident)
⟦name:a⟧: 👍
""",
)
_T(
    F,
    "Slack message with code block",
    r"""
⟦name⟧ 9:14 AM
this works for me locally:
```export GITHUB_TOKEN=⟦ghp⟧
gh run rerun ⟦n10⟧ --failed```
""",
)
_T(
    F,
    "Teams message copy",
    r"""
[11/28 10:12 AM] ⟦name⟧ ⟦last⟧
    here's the vpn psk for the new branch office: ⟦pw⟧
    (the tunnel to ⟦host⟧ needs it on both ends)
""",
)
_T(
    F,
    "thread reply with new API key",
    r"""
> ⟦name⟧: did someone revoke the old datadog key?
yes, new api key for datadog: ⟦hex32⟧ (old one revoked at 09:58)
""",
)
_T(
    F,
    "IRC log with misdirected NickServ identify",
    r"""
[⟦hhmm⟧] <⟦user⟧> identify ⟦spw⟧
[⟦hhmm⟧] <⟦user⟧> oops. wrong window. changing it now
""",
)
_T(
    F,
    "Discord message with bot token",
    r"""
⟦name⟧ — Today at 10:12 AM
ok the bot token is ⟦discord⟧ lmk if it still 403s
""",
)
_T(
    F,
    "Mattermost quote reply with door PIN",
    r"""
> what's the PIN for the server room door panel?
⟦pin6⟧# (press # after). dont write it on the whiteboard again pls
""",
)
_T(
    F,
    "incident channel with half-hearted redaction",
    r"""
⟦name⟧: here's the failing curl, i removed the token: curl -H "Authorization: Bearer ⟦jwt⟧" https://api.⟦dom⟧/v1/me
⟦name⟧: ...you did not remove the token 💀
""",
)

F = "code_switched"
_T(
    F,
    "Hinglish",
    r"""
bhai staging ka db password ⟦pw⟧ hai, abhi change mat karna please, demo chal raha hai
""",
)
_T(
    F,
    "Hinglish with token",
    r"""
yaar GitHub token expire ho gaya, naya wala ye hai: ⟦ghp⟧ — CI mein daal de na
""",
)
_T(
    F,
    "Spanglish",
    r"""
oye el password del admin panel es ⟦pw⟧, pero no lo compartas con nadie ok? lo cambio el lunes
""",
)
_T(
    F,
    "Spanglish with API key",
    r"""
ya rotamos la api key, la nueva es ⟦sklive⟧ , pls update el secret en prod antes del deploy
""",
)
_T(
    F,
    "Taglish",
    r"""
pre yung password ng vpn ay ⟦pw⟧, pakipalitan mo na lang after ng maintenance window ha
""",
)
_T(
    F,
    "Russian transliteration",
    r"""
parol' ot bazy ⟦db⟧: ⟦pw⟧, ne zabud' pomenyat' posle reliza
""",
)
_T(
    F,
    "Russian transliteration with Slack token",
    r"""
vot token dlya slacka ⟦xoxb⟧ , on rabotaet tol'ko v #alerts, nikomu ne kidai
""",
)
_T(
    F,
    "Arabizi (Egyptian)",
    r"""
el password beta3 el server howa ⟦pw⟧, ma3lesh momken te8ayaro ba3d el deploy?
""",
)
_T(
    F,
    "Arabizi (Levantine) with API key",
    r"""
ya 7abibi el api key el jdide: ⟦hex32⟧ ... 5alas hek, ma t7otta bel repo
""",
)
_T(
    F,
    "Greeklish",
    r"""
o kwdikos gia to vpn einai ⟦pw⟧, min ton steileis me email, 8a ton allaksw avrio
""",
)
_T(
    F,
    "Singlish",
    r"""
eh the redis pw is ⟦pw⟧ lah, dun anyhow paste in public channel can? later kena from secops
""",
)
_T(
    F,
    "Denglish",
    r"""
kannst du mal den API key checken? der neue ist ⟦an32⟧, der alte wurde schon revoked
""",
)

F = "multilingual_prose"
_T(
    F,
    "Spanish",
    r"""
Hola equipo, la contraseña nueva de la base de datos de facturación es ⟦pw⟧. Por favor no la reenvíen por correo.
""",
)
_T(
    F,
    "Portuguese (Brazil)",
    r"""
Pessoal, a senha do usuário de replicação ficou ⟦pw⟧ até a gente rotacionar amanhã cedo.
""",
)
_T(
    F,
    "French",
    r"""
Le mot de passe du compte de service est « ⟦pw⟧ », merci de ne pas le copier dans le ticket.
""",
)
_T(
    F,
    "German",
    r"""
Das neue Passwort für den Jenkins-Admin lautet ⟦pw⟧ – bitte nicht ins Wiki schreiben.
""",
)
_T(
    F,
    "Polish",
    r"""
Hasło do konta serwisowego to ⟦pw⟧, zmienię je po wdrożeniu.
""",
)
_T(
    F,
    "Russian (Cyrillic)",
    r"""
Пароль от базы: ⟦pw⟧ — не забудьте сменить после релиза.
""",
)
_T(
    F,
    "Ukrainian",
    r"""
Токен для деплою: ⟦ghp⟧, він діє до кінця тижня.
""",
)
_T(
    F,
    "Turkish",
    r"""
Yeni API anahtarı: ⟦hex32⟧, eskisini iptal ettim. Lütfen kimseyle paylaşmayın.
""",
)
_T(
    F,
    "Japanese",
    r"""
本番DBのパスワードは ⟦pw⟧ です。チケットには書かないでください。
""",
)
_T(
    F,
    "Chinese (Simplified)",
    r"""
生产环境的 Redis 密码是 ⟦pw⟧，用完请及时修改。
""",
)
_T(
    F,
    "Korean",
    r"""
스테이징 관리자 비밀번호는 ⟦pw⟧ 입니다. 공유 채널에 올리지 마세요.
""",
)
_T(
    F,
    "Hindi",
    r"""
प्रोडक्शन डेटाबेस का पासवर्ड ⟦pw⟧ है, कृपया इसे किसी के साथ साझा न करें।
""",
)
_T(
    F,
    "Arabic",
    r"""
كلمة المرور الجديدة لحساب الخدمة هي ⟦pw⟧ يرجى عدم مشاركتها مع أحد.
""",
)

F = "markdown_docs"
_T(
    F,
    "markdown credentials table",
    r"""
| Service  | User  | Password |
|----------|-------|----------|
| grafana  | admin | ⟦pw:a⟧ |
| rabbitmq | ops   | ⟦pw:b⟧ |
""",
)
_T(
    F,
    "postmortem timeline bullet",
    r"""
## Timeline (UTC)
- 13:47 — GitGuardian alert: live key committed to `⟦svc⟧/config/prod.yml`
- 14:02 — rotated leaked key `⟦sklive⟧` (it was also in a public gist)
- 14:20 — deploy with the new key finished
""",
)
_T(
    F,
    "handover notes",
    r"""
## Handover (night shift → day shift)
* ⟦svc⟧ queue drained, lag back to 0
* break-glass account: breakglass / ⟦pw⟧ (sealed envelope copy in the safe)
* TODO: rotate it after the audit
""",
)
_T(
    F,
    "blockquote with root token",
    r"""
> FYI new root token after the re-init: `⟦hvs⟧`
> please only use it for the recovery, then revoke
""",
)
_T(
    F,
    "Confluence wiki table markup",
    r"""
||Env||Endpoint||Key||
|prod|https://api.⟦dom⟧|⟦an32⟧|
""",
)
_T(
    F,
    "Jira comment with code block",
    r"""
{code:bash}
AWS_ACCESS_KEY_ID=⟦akid⟧
AWS_SECRET_ACCESS_KEY=⟦awssk⟧
{code}
worked after I exported these, closing.
""",
)
_T(
    F,
    "Swedish handover note",
    r"""
Överlämning: lösenordet till admin-kontot på ⟦host⟧ är ⟦pw⟧, byt det efter revisionen.
""",
)
_T(
    F,
    "checklist with Twilio token",
    r"""
- [x] rotate the Twilio auth token (new: `⟦hex32⟧`)
- [ ] update ⟦svc⟧ helm values
""",
)
_T(
    F,
    "postmortem contributing factors",
    r"""
### Contributing factors
The TOTP seed `⟦totp⟧` for the shared on-call account was stored in the team README, so anyone with repo access could generate codes.
""",
)
_T(
    F,
    "recovery codes in bold list",
    r"""
**Recovery codes (shared ops account):** `⟦recov⟧` `⟦recov⟧` `⟦recov⟧`
""",
)
_T(
    F,
    "GitHub issue steps to reproduce",
    r"""
### Steps to reproduce
1. run `docker login -u ⟦user⟧ -p ⟦dckr⟧`
2. `docker pull ⟦team⟧/⟦svc⟧:⟦ver⟧`
""",
)
_T(
    F,
    "Dutch postmortem actiepunten",
    r"""
Actiepunten: het wachtwoord van de stagingdatabase (⟦pw⟧) moet vóór vrijdag gewijzigd worden.
""",
)

F = "pastebin_ocr"
_T(
    F,
    "pastebin with line numbers",
    r"""
1  [smtp]
2  host = smtp.mailgun.org
3  user = postmaster@mg.⟦dom⟧
4  password = ⟦pw⟧
""",
)
_T(
    F,
    "cat -n .env",
    r"""
     1	APP_ENV=production
     2	APP_KEY=base64:⟦b64_32⟧
     3	STRIPE_SECRET=⟦sklive⟧
""",
)
_T(
    F,
    "OCR of login screenshot",
    r"""
Usernarne: ⟦user⟧
Passvvord: ⟦pw⟧
[ Sign ln ]
""",
)
_T(
    F,
    "OCR of terminal screenshot",
    r"""
root@⟦word⟧:~# export AWS_SECRET_ACCESS_KEY=⟦awssk⟧
root@⟦word⟧:~# aws s3 |s s3://⟦svc⟧-backups/
""",
)
_T(
    F,
    "gist-style snippet with gutter",
    r"""
11 |  const client = new Client({
12 |    apiKey: "⟦sg⟧",
13 |  });
""",
)
_T(
    F,
    "OCR of sticky note photo",
    r"""
WiFi: Ops-Lab-5G
PSK: ⟦pw⟧
""",
)
_T(
    F,
    "OCR of whiteboard photo (Czech)",
    r"""
VPN pre-shared key — ⟦pw⟧ (heslo platí do pátku)
""",
)
_T(
    F,
    "dpaste Python REPL",
    r"""
>>> from slack_sdk import WebClient
>>> client = WebClient(token="⟦xoxb⟧")
>>> client.auth_test()["ok"]
True
""",
)
_T(
    F,
    "cat -A showing line ends",
    r"""
DB_HOST=⟦host⟧$
DB_PASS=⟦pw⟧$
""",
)
_T(
    F,
    "OCR of otpauth QR text",
    r"""
otpauth://totp/⟦team⟧:ops-shared?secret=⟦totp⟧&issuer=⟦team⟧&algorithm=SHA1&digits=6&period=30
""",
)
_T(
    F,
    "OCR with fullwidth colon (Thai UI)",
    r"""
รหัสผ่าน：⟦pw⟧
กรุณาเปลี่ยนรหัสผ่านหลังเข้าสู่ระบบครั้งแรก
""",
)
_T(
    F,
    "nl -ba config.php",
    r"""
    20	define('DB_USER', 'wp_⟦word⟧');
    21	define('DB_PASSWORD', '⟦pw⟧');
    22	define('DB_HOST', 'localhost');
""",
)

# ---------------------------------------------------------------------------
# keep templates: diagnostic values surrounded by tempting words
# (+kind marks a generated keep token, !literal marks a fixed keep token)
# ---------------------------------------------------------------------------

# runtime dumps and debuggers
_K(
    "Python traceback in token refresh",
    r"""
  File "⟦!/srv/app/auth/session_tokens.py⟧", line 212, in refresh_session_token
    raise TokenExpired(f"token expired at {exp}")
auth.errors.TokenExpired: token expired (trace_id=⟦+trace⟧)
""",
)
_K(
    "Django settings with cleansed password",
    r"""
DATABASES	{'default': {'ENGINE': 'django.db.backends.postgresql', 'PASSWORD': '⟦!********************⟧', 'NAME': '⟦db⟧'}}
SECRET_KEY	'⟦!********************⟧'
""",
)
_K(
    "pytest showlocals with placeholder",
    r"""
token      = '⟦!<token>⟧'
secret_ref = '⟦!projects/⟦acct⟧/secrets/stripe-api-key/versions/7⟧'
""",
)
_K(
    "Java thread dump of token refresher",
    r"""
"token-refresher-1" #41 daemon prio=5 os_prio=0 cpu=12.31ms elapsed=803.11s tid=⟦+addr⟧ nid=0x⟦+xh8⟧ waiting on condition
	at com.acme.auth.SecretRotation.awaitNextKey(SecretRotation.java:88)
""",
)
_K(
    "jcmd system properties with file references",
    r"""
javax.net.ssl.keyStore=⟦!/etc/pki/app/keystore.p12⟧
javax.net.ssl.keyStorePassword.file=⟦!/run/secrets/keystore-password⟧
""",
)
_K(
    "Node error code with key argument",
    r"""
TypeError [⟦!ERR_INVALID_ARG_TYPE⟧]: The "key" argument must be of type string or an instance of Buffer. Received undefined
    at new Hmac (node:internal/crypto/hash:150:19) pid=⟦+pid⟧
""",
)
_K(
    "Go panic in signer",
    r"""
panic: crypto/hmac: secret key is empty
goroutine ⟦n⟧ [running]:
⟦!/build/internal/auth/signer.go:88⟧ +0x1a4
""",
)
_K(
    ".NET CryptographicException HResult",
    r"""
System.Security.Cryptography.CryptographicException: Keyset does not exist (private key access denied)
   HResult=⟦!0x80090016⟧  CorrelationId=⟦+kuuid⟧
""",
)
_K(
    "Rust panic location in JWT module",
    r"""
thread 'tokio-runtime-worker' panicked at ⟦!src/auth/jwt.rs:57:14⟧:
invalid signature: kid ⟦+kid⟧ not found in JWKS
""",
)
_K(
    "gdb crash inside libcrypto",
    r"""
Thread 7 "token-refresh" received signal SIGSEGV, Segmentation fault.
⟦+addr⟧ in HMAC_Update () from ⟦!/lib/x86_64-linux-gnu/libcrypto.so.3⟧
""",
)
_K(
    "strace openat of secrets directory",
    r"""
openat(AT_FDCWD, "⟦!/etc/app/secrets.d/db.conf⟧", O_RDONLY|O_CLOEXEC) = -1 EACCES (Permission denied)
""",
)
_K(
    "Ruby irb with filtered attributes",
    r"""
=> #<ApiCredential id: ⟦n4⟧, name: "stripe", secret: ⟦![FILTERED]⟧, token_digest: ⟦![FILTERED]⟧, rotated_at: "⟦tsl⟧">
""",
)
_K(
    "PHP var_dump of masked secret",
    r"""
  ["api_secret"]=>
  string(8) "⟦!********⟧"
  ["password_hash_algo"]=>
  string(8) "⟦!argon2id⟧"
""",
)

# API clients and HTTP tooling
_K(
    "curl -v 401 with request id",
    r"""
< HTTP/2 401
< www-authenticate: Bearer error="invalid_token", error_description="The access token expired"
< x-request-id: ⟦+kuuid⟧
""",
)
_K(
    "HAR entry timings for auth call",
    r"""
        "startedDateTime": "⟦+kts⟧",
        "request": {"method": "POST", "url": "https://auth.⟦dom⟧/oauth/token", "headers": [{"name": "authorization", "value": "⟦![REDACTED]⟧"}]},
""",
)
_K(
    "Postman collection ids",
    r"""
    "_postman_id": "⟦+kuuid⟧",
    "name": "Auth — token exchange (password grant)",
""",
)
_K(
    "OpenAPI security scheme names",
    r"""
  securitySchemes:
    ⟦!bearerAuth⟧: {type: http, scheme: bearer, bearerFormat: JWT}
    ⟦!partnerApiKey⟧: {type: apiKey, in: header, name: X-API-Key}
""",
)
_K(
    ".http file with environment variable placeholders",
    r"""
GET {{baseUrl}}/v1/me
Authorization: Bearer ⟦!{{$dotenv API_TOKEN}}⟧
""",
)
_K(
    "Insomnia template tag for secret",
    r"""
    authentication:
      type: bearer
      token: "⟦!{{ _.api_token }}⟧"
""",
)
_K(
    "Charles SSL proxying certificate fingerprint",
    r"""
Charles Root Certificate SHA-256 fingerprint: ⟦+certfp⟧ (trusted for TLS interception of auth traffic)
""",
)

# webhooks and SaaS
_K(
    "GitHub webhook delivery headers",
    r"""
X-GitHub-Delivery: ⟦+kuuid⟧
X-GitHub-Hook-ID: ⟦+n9⟧
X-Hub-Signature-256: sha256=⟦xh64⟧
""",
)
_K(
    "Stripe signature verification failure",
    r"""
Webhook signature verification failed for event ⟦+evt⟧ (request ⟦+reqid⟧): No signatures found matching the expected signature for payload
""",
)
_K(
    "Slack event envelope ids",
    r"""
{"token": "⟦!<verification-token-removed>⟧", "team_id": "⟦slteam⟧", "api_app_id": "⟦slapp⟧", "event_id": "⟦!Ev0⟦xh8⟧⟧"}
""",
)
_K(
    "Twilio message SID",
    r"""
"MessageSid": "⟦+smsid⟧", "AccountSid": "⟦+acsid⟧", "auth_token": "⟦!${TWILIO_AUTH_TOKEN}⟧"
""",
)
_K(
    "Shopify webhook id",
    r"""
X-Shopify-Webhook-Id: ⟦+kuuid⟧
X-Shopify-Hmac-Sha256: ⟦sigb64⟧
X-Shopify-Triggered-At: ⟦+kts⟧
""",
)
_K(
    "Stripe webhook endpoint id with masked secret",
    r"""
we_1⟦xan24⟧  url=https://hooks.⟦dom⟧/stripe  secret=⟦!whsec_****⟧  api_version=⟦!2024-06-20⟧
""",
)
_K(
    "OAuth client ids (public)",
    r"""
client_id=⟦+kuuid⟧ tenant_id=⟦+kuuid⟧ client_secret=⟦!<stored in key vault>⟧
""",
)
_K(
    "n8n credential reference by id",
    r"""
"credentials": {"httpHeaderAuth": {"id": "⟦+xan24⟧", "name": "Partner API key (prod)"}}
""",
)
_K(
    "GitHub Actions secret masking",
    r"""
Run ./deploy.sh --token ⟦!***⟧
  env:
    NPM_TOKEN: ⟦!***⟧
""",
)

# observability
_K(
    "OTel span ids around secret manager call",
    r"""
span.name="SecretsManager.GetSecretValue" trace_id=⟦+trace⟧ span_id=⟦+span⟧ aws.request_id=⟦+kuuid⟧
""",
)
_K(
    "collector debug exporter redacted header",
    r"""
     -> http.request.header.authorization: Str(⟦![REDACTED]⟧)
     -> service.instance.id: Str(⟦+kuuid⟧)
""",
)
_K(
    "Jaeger trace for token endpoint",
    r"""
traceID: ⟦+trace⟧  operation: POST /oauth/token  duration: 412ms  tags: password_grant=true
""",
)
_K(
    "Zipkin span parent ids",
    r"""
{"traceId":"⟦+trace⟧","parentId":"⟦+span⟧","name":"verify-signature","tags":{"key.algorithm":"ES256"}}
""",
)
_K(
    "Sentry event id",
    r"""
Sentry event ⟦+xh32⟧ — AuthenticationFailed: invalid credentials (password_last_set=⟦+kts⟧)
""",
)
_K(
    "Sentry release and DSN project id",
    r"""
release=⟦svc⟧@⟦+vver⟧ dist=⟦+build⟧ (secret scrubbing: sendDefaultPii=false)
""",
)
_K(
    "Prometheus token file path",
    r"""
    bearer_token_file: ⟦!/etc/prometheus/secrets/kubelet-bearer-token⟧
    tls_config: {ca_file: /etc/prometheus/secrets/kubelet-ca.crt, insecure_skip_verify: false}
""",
)
_K(
    "Alertmanager routing key file",
    r"""
      - routing_key_file: ⟦!/etc/alertmanager/secrets/pd-routing-key⟧
        severity: critical
""",
)
_K(
    "Grafana password file env",
    r"""
      - GF_SECURITY_ADMIN_PASSWORD__FILE=⟦!/run/secrets/grafana_admin_password⟧
""",
)
_K(
    "Fluent Bit env placeholder",
    r"""
    HTTP_User   ${ES_USER}
    HTTP_Passwd ⟦!${ES_PASSWORD}⟧
""",
)
_K(
    "Vector env placeholder",
    r"""
default_api_key = "⟦!${DATADOG_API_KEY}⟧"
""",
)
_K(
    "Logstash keystore reference",
    r"""
    password => "⟦!${ES_PWD}⟧"   # from logstash keystore
""",
)

# data plane and coordination
_K(
    "PostgreSQL auth failure sqlstate",
    r"""
FATAL:  password authentication failed for user "⟦user⟧"
DETAIL:  Connection matched pg_hba.conf line 98: "hostssl all all 0.0.0.0/0 scram-sha-256"  SQLSTATE ⟦!28P01⟧
""",
)
_K(
    "PostgreSQL password_encryption setting",
    r"""
LOG:  parameter "⟦!password_encryption⟧" changed to "⟦!scram-sha-256⟧"
""",
)
_K(
    "MySQL 8 rewritten statement in general log",
    r"""
⟦ts⟧	   ⟦n3⟧ Query	ALTER USER 'app'@'%' IDENTIFIED BY ⟦!<secret>⟧
""",
)
_K(
    "MySQL access denied",
    r"""
⟦!ERROR 1045 (28000)⟧: Access denied for user 'app'@'⟦ip⟧' (using password: YES)
""",
)
_K(
    "MongoDB auth failure log",
    r"""
{"t":{"$date":"⟦kts⟧"},"s":"I","c":"ACCESS","id":⟦!20249⟧,"ctx":"conn⟦n5⟧","msg":"Authentication failed","attr":{"mechanism":"SCRAM-SHA-256","error":"⟦!AuthenticationFailed⟧: SCRAM authentication failed, storedKey mismatch"}}
""",
)
_K(
    "MongoDB duplicate key on token hash",
    r"""
⟦!E11000⟧ duplicate key error collection: auth.api_tokens index: ⟦!token_hash_1⟧ dup key: { token_hash: "<hashed>" }
""",
)
_K(
    "Redis WRONGPASS and client id",
    r"""
(error) ⟦!WRONGPASS⟧ invalid username-password pair or user is disabled.
id=⟦+n7⟧ addr=⟦ip⟧:51234 name=session-store user=default cmd=auth
""",
)
_K(
    "Elasticsearch security exception",
    r"""
{"error":{"type":"⟦!security_exception⟧","reason":"unable to authenticate with provided credentials and anonymous access is not allowed for this request"},"status":401}
""",
)
_K(
    "Elasticsearch keystore list",
    r"""
$ bin/elasticsearch-keystore list
⟦!keystore.seed⟧
⟦!s3.client.default.secret_key⟧
""",
)
_K(
    "Elasticsearch API key id",
    r"""
"api_key": {"id": "⟦+xan24⟧", "name": "ingest-writer", "invalidated": false}  # key value not returned
""",
)
_K(
    "ClickHouse auth failure code",
    r"""
⟦!Code: 516⟧. DB::Exception: default: Authentication failed: password is incorrect, or there is no user with such name. (⟦!AUTHENTICATION_FAILED⟧) (version 24.8.4.13 (official build))
""",
)
_K(
    "Cassandra driver auth exception class",
    r"""
⟦!com.datastax.oss.driver.api.core.auth.AuthenticationException⟧: Authentication error on node /⟦ip⟧:9042: Provided username and/or password are incorrect
""",
)
_K(
    "Kafka SASL failure with offsets",
    r"""
[Consumer clientId=auth-events-⟦n⟧, groupId=credential-rotation] Committed offset ⟦+offset⟧ for partition credential-rotation-3 after SaslAuthenticationException retry
""",
)
_K(
    "ZooKeeper session id",
    r"""
Session establishment complete on server ⟦host⟧:2181, session id = 0x⟦+xh16⟧, negotiated timeout = 40000 (auth scheme: sasl)
""",
)
_K(
    "etcd revision and member id",
    r"""
{"level":"warn","msg":"authentication failed, invalid password","member_id":"⟦+xh16⟧","revision":⟦+n7⟧}
""",
)
_K(
    "Consul token read by accessor",
    r"""
$ consul acl token read -accessor-id ⟦+kuuid⟧
SecretID:   ⟦!<hidden>⟧
""",
)
_K(
    "Nomad token listing",
    r"""
Name            Type        Global  Accessor ID
deploy-token    client      false   ⟦+kuuid⟧
""",
)
_K(
    "Vault token accessor and lease",
    r"""
token_accessor       ⟦+xan24⟧
token_policies       ["default" "db-creds-readonly"]
""",
)
_K(
    "Vault KV path reference",
    r"""
DB_PASSWORD is read from ⟦!secret/data/payments/db#password⟧ by the agent template (no plaintext in env)
""",
)
_K(
    "pgbouncer auth file path",
    r"""
auth_type = scram-sha-256
auth_file = ⟦!/etc/pgbouncer/userlist.txt⟧
""",
)
_K(
    "ProxySQL runtime checksums",
    r"""
ProxySQL Admin> SELECT name, version, checksum FROM runtime_checksums_values WHERE name='mysql_users';
| mysql_users | 3 | ⟦!0x⟦gpgid⟧⟧ |   -- users/passwords table checksum, not a credential
""",
)
_K(
    "AWS Secrets Manager describe",
    r"""
"ARN": "⟦+arnsec⟧",
"VersionIdsToStages": {"⟦+kuuid⟧": ["AWSCURRENT"]}
""",
)
_K(
    "KMS key used for token encryption",
    r"""
key_id=⟦+arnkms⟧ key_alias=alias/payments-token-encryption key_state=Enabled
""",
)
_K(
    "IAM role for secrets reader",
    r"""
"Arn": "⟦+arnrole⟧"
""",
)

# service mesh, gateways, CDN and edge
_K(
    "Envoy request id and upstream time",
    r"""
x-request-id: ⟦+kuuid⟧
x-envoy-upstream-service-time: ⟦n3⟧  authorization: ⟦![redacted]⟧
""",
)
_K(
    "Envoy jwt_authn kid",
    r"""
[debug][jwt] Jwt verification failed: kid ⟦+kid⟧ not in local_jwks (issuer https://auth.⟦dom⟧)
""",
)
_K(
    "Istio RBAC denial detail",
    r"""
HTTP/1.1 403 Forbidden  x-envoy-details: ⟦!rbac_access_denied_matched_policy[ns[payments]-policy[allow-token-minter]-rule[0]]⟧ (no bearer token / mTLS identity mismatch)
""",
)
_K(
    "Kong credential ids",
    r"""
plugin=key-auth consumer_id=⟦+kuuid⟧ credential_id=⟦+kuuid⟧ hide_credentials=true
""",
)
_K(
    "Tyk key hash in analytics",
    r"""
{"api_id":"⟦xh32⟧","key_hash":"⟦+xh32⟧","response_code":403,"alias":"partner-key"}
""",
)
_K(
    "HAProxy certificate and socket paths",
    r"""
    bind :443 ssl crt ⟦!/etc/haproxy/certs/api.pem⟧ alpn h2,http/1.1
    stats socket ⟦!/run/haproxy/admin.sock⟧ mode 660 level admin
""",
)
_K(
    "Cloudflare Ray ID on auth error",
    r"""
Error 1020: Access denied (invalid API token)  Ray ID: ⟦+cfray⟧
""",
)
_K(
    "Fastly debug digest",
    r"""
Fastly-Debug-Digest: ⟦+xh64⟧
X-Cache: MISS  (token auth skipped for /static)
""",
)
_K(
    "Akamai reference number",
    r"""
Access Denied. You don't have permission to access this resource (auth token missing). Reference #18.⟦xh8⟧.⟦epoch⟧.⟦+xh8⟧
""",
)
_K(
    "ModSecurity rule id and unique id",
    r"""
[id "⟦!942100⟧"] [msg "SQL Injection Attack Detected via libinjection"] [data "Matched Data: found within ARGS:password: <masked>"] [unique_id "⟦+xan27⟧"]
""",
)
_K(
    "AWS WAF redacted field",
    r"""
"redactedFields":[{"singleHeader":{"name":"authorization"}}],"webaclId":"⟦+arnrole⟧"
""",
)
_K(
    "TLS certificate serial and fingerprint",
    r"""
subject=CN=api.⟦dom⟧  serial=⟦+serial⟧  sha256 Fingerprint=⟦+certfp⟧
""",
)

# database migration and ORM
_K(
    "Flyway checksum mismatch",
    r"""
Migration checksum mismatch for migration version 17 (add_token_hash)
-> Applied to database : ⟦+n9⟧
-> Resolved locally    : -⟦+n9⟧
""",
)
_K(
    "Liquibase MD5SUM",
    r"""
changeset db/changelog/042-api-keys.yaml::add-secret-column::⟦team⟧ MD5SUM ⟦!9:⟦xh32⟧⟧
""",
)
_K(
    "Alembic revision ids",
    r"""
INFO  [alembic.runtime.migration] Running upgrade ⟦+xh12⟧ -> ⟦+xh12⟧, add session_tokens table
""",
)
_K(
    "Prisma migration name",
    r"""
Applying migration `⟦!20261128101203_add_password_reset_token⟧`
""",
)
_K(
    "JDBC URL with placeholder credentials",
    r"""
spring.datasource.url=jdbc:postgresql://⟦host⟧:5432/app?user=app&password=⟦!${DB_PASSWORD}⟧
""",
)
_K(
    "SQLAlchemy masked URL repr",
    r"""
Engine(postgresql+psycopg2://app:⟦!***⟧@⟦host⟧/billing)  pool_size=10 password_in_url=masked
""",
)

# people writing informally
_K(
    "Slack thread about a trace id",
    r"""
⟦name⟧: the trace id for the 401 spike is ⟦+trace⟧, token itself was fine, signature check failed
""",
)
_K(
    "Hinglish trace discussion",
    r"""
bhai trace_id ⟦+trace⟧ dekh, token valid tha par signature mismatch aa raha hai
""",
)
_K(
    "Spanish request id note",
    r"""
el request_id ⟦+kuuid⟧ muestra que el token expiró a las ⟦+kts⟧, no es problema de contraseña
""",
)
_K(
    "postmortem timeline with commit",
    r"""
| 14:03 | deploy ⟦+sha⟧ rolled out the password reset fix (secret loader refactor) |
""",
)
_K(
    "handover with rotation job",
    r"""
- rotation job #⟦+build⟧ finished, new secret_version=⟦+kuuid⟧ is in Vault (value NOT pasted here)
""",
)
_K(
    "OCR of Azure AD sign-in error",
    r"""
Sign-in error code: ⟦!AADSTS50126⟧ (invalid username or password)
Correlation ID: ⟦+kuuid⟧
""",
)
_K(
    "pastebin TODO with ticket id",
    r"""
17 | # TODO move SECRET_KEY to env (see ⟦!SEC-⟦n4⟧⟧), password fallback removed
""",
)
_K(
    "Japanese note with trace id",
    r"""
トークン失効のトレースID: ⟦+trace⟧（パスワードは関係なし）
""",
)
_K(
    "German handover with job id",
    r"""
Secret-Rotation lief durch (Job-ID ⟦+jobid⟧), das Passwort selbst steht nur im Vault.
""",
)

# keys, fingerprints, hashes, ids (public)
_K(
    "SSH accepted publickey log",
    r"""
sshd[⟦+pid⟧]: Accepted publickey for deploy from ⟦ip⟧ port 51234 ssh2: ED25519 ⟦+sshfp⟧
""",
)
_K(
    "authorized_keys public key",
    r"""
ssh-ed25519 ⟦+sshpub⟧ ci-deploy-key (public key, private key lives in the CI secret store)
""",
)
_K(
    "WireGuard public key",
    r"""
interface: wg0
  public key: ⟦+wgpub⟧
  private key: ⟦!(hidden)⟧
""",
)
_K(
    "GPG signature verification",
    r"""
gpg: Signature made Sat 28 Nov 2026 10:12:03 UTC using RSA key ⟦+gpgfp⟧
gpg: Good signature from "Release Signing Key" [ultimate]
""",
)
_K(
    "age recipient public key",
    r"""
# public key: ⟦+age1⟧
# (the AGE-SECRET-KEY line was removed before pasting)
""",
)
_K(
    "JWKS public modulus",
    r"""
{"kty":"RSA","use":"sig","kid":"⟦kid⟧","alg":"RS256","e":"AQAB","n":"⟦+jwkn⟧"}
""",
)
_K(
    "container image digest for token sidecar",
    r"""
image: registry.⟦dom⟧/auth/token-exchange@⟦+digest⟧   # secret injection sidecar
""",
)
_K(
    "commit SHA in secret loader change",
    r"""
commit ⟦+sha⟧
    rotate secret loader; remove hardcoded password fallback
""",
)
_K(
    "SRI integrity on login script",
    r"""
<script src="/static/auth/login.js" integrity="⟦+sri⟧" crossorigin="anonymous"></script>
""",
)
_K(
    "package-lock integrity for jsonwebtoken",
    r"""
      "resolved": "https://registry.npmjs.org/jsonwebtoken/-/jsonwebtoken-9.0.2.tgz",
      "integrity": "⟦+sri512⟧",
""",
)
_K(
    "pip hash for cryptography",
    r"""
cryptography==43.0.3 \
    --hash=sha256:⟦+xh64⟧
""",
)
_K(
    "Kubernetes secret metadata",
    r"""
metadata:
  name: ⟦!payments-db-credentials⟧
  uid: ⟦+kuuid⟧
""",
)
_K(
    "Helm values placeholder",
    r"""
  password: "⟦!{{ .Values.db.password }}⟧"
""",
)
_K(
    "Python format placeholder in connection template",
    r"""
DSN_TEMPLATE = "postgresql://%(user)s:⟦!%(password)s⟧@%(host)s/%(db)s"
""",
)
_K(
    "Terraform sensitive output",
    r"""
db_password = ⟦!<sensitive>⟧
api_key_id  = "⟦+kuuid⟧"
""",
)


# ---------------------------------------------------------------------------
# public interface
# ---------------------------------------------------------------------------


def keep_list() -> list[Keep]:
    r = random.Random(SEED + 1)
    out = []
    for fmt, text in _KEEP_T:
        for _ in range(VARIANTS):
            lines, tokens = _render(text, r, "keep")
            out.append(Keep(fmt, lines, tokens))
    return out


def cases() -> list[Case]:
    forbidden = []
    for k in keep_list():
        for t in k.tokens:
            if t not in forbidden:
                forbidden.append(t)
    r = random.Random(SEED)
    out = []
    for family, fmt, text in _CASE_T:
        for _ in range(VARIANTS):
            for _attempt in range(200):
                lines, values = _render(text, r, "case")
                if all(len(v) >= 4 for v in values) and not any(
                    t in v for v in values for t in forbidden
                ):
                    break
            else:
                raise RuntimeError("could not render " + fmt)
            out.append(Case(family, fmt, lines, values))
    return out


_IP_RE = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")


def _check() -> dict:
    cs = cases()
    ks = keep_list()
    assert cs == cases(), "cases() not deterministic"
    assert ks == keep_list(), "keep_list() not deterministic"
    all_values = []
    for c in cs:
        assert 1 <= len(c.lines) <= 10, (c.format, len(c.lines))
        assert c.values, c.format
        for ln in c.lines:
            assert "⟦" not in ln and "⟧" not in ln, (c.format, ln)
        for v in c.values:
            assert v and len(v) >= 4, (c.format, v)
            assert any(v in ln for ln in c.lines), (c.format, v)
            all_values.append(v)
    n_tokens = 0
    for k in ks:
        assert 1 <= len(k.lines) <= 10, (k.format, len(k.lines))
        assert k.tokens, k.format
        for ln in k.lines:
            assert "⟦" not in ln and "⟧" not in ln, (k.format, ln)
        for t in k.tokens:
            assert t, k.format
            assert any(t in ln for ln in k.lines), (k.format, t)
            assert "@" not in t and not _IP_RE.match(t), (k.format, t)
            assert "/home/" not in t and not t.startswith("~"), (k.format, t)
            for v in all_values:
                assert t != v and t not in v, (k.format, t, v)
            n_tokens += 1
    result = {
        "families": len({c.family for c in cs}),
        "case_templates": len(_CASE_T),
        "cases": len(cs),
        "planted_values": len(all_values),
        "keep_templates": len(_KEEP_T),
        "keep_entries": len(ks),
        "keep_tokens": n_tokens,
    }
    if __doc__:
        assert repr(result) in __doc__, "docstring counts are stale: " + repr(result)
    return result


if __name__ == "__main__":
    print(_check())
