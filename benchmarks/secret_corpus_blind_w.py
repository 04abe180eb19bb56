# ruff: noqa: E501, RUF001, UP031
"""Sealed blind corpus W.

Written by an independent helper session, blind (the sanitizer under test was
not read), on 2026-12-03.

Theme: what flows through incident-response and monitoring tools -- the
payloads, events and records of Alertmanager, Prometheus, Grafana, PagerDuty,
Opsgenie, Splunk On-Call, Zabbix, Nagios/Icinga, Checkmk, Datadog, New Relic,
Sentry, OpenTelemetry, Jaeger/Zipkin, Elastic/OpenSearch, Splunk, SIEMs,
StackStorm, AWX/Ansible, Rundeck, CI job logs, Terraform Cloud, ServiceNow,
Jira, Zendesk, chat webhooks, e-mail, status pages, runbooks, Confluence,
post-incident reviews, LLM transcripts and human on-call chat in many
languages.  Plus a keep-list of diagnostic tokens from the same material.

SEED = 20270303, VARIANTS = 2.

Counts printed by _check():
{'families': 47, 'case_templates': 436, 'cases': 872, 'values': 998, 'keep_templates': 135, 'keep_entries': 270, 'keep_tokens': 298}
"""

from __future__ import annotations

import base64
import json
import random
import re
import string
import uuid
from typing import NamedTuple
from urllib.parse import quote

SEED = 20270303
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
# alphabets and small helpers
# ---------------------------------------------------------------------------
_HEX = "0123456789abcdef"
_HEXU = "0123456789ABCDEF"
_B62 = string.ascii_letters + string.digits
_B64 = _B62 + "+/"
_B64U = _B62 + "-_"
_UPAN = string.ascii_uppercase + string.digits
_LOWAN = string.ascii_lowercase + string.digits
_B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_BECH32 = "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L"


def _rs(r: random.Random, alphabet: str, n: int) -> str:
    return "".join(r.choice(alphabet) for _ in range(n))


def _rb(r: random.Random, n: int) -> bytes:
    return bytes(r.getrandbits(8) for _ in range(n))


def _b64(b: bytes) -> str:
    return base64.b64encode(b).decode()


def _b64u(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def _uuid(r: random.Random) -> str:
    return str(uuid.UUID(int=r.getrandbits(128), version=4))


def _charset(alphabet: str, n: int, prefix: str = "", suffix: str = ""):
    def gen(r: random.Random) -> str:
        return prefix + _rs(r, alphabet, n) + suffix

    return gen


def _b64bytes(n: int, urlsafe: bool = False):
    def gen(r: random.Random) -> str:
        return _b64u(_rb(r, n)) if urlsafe else _b64(_rb(r, n))

    return gen


# ---------------------------------------------------------------------------
# human-chosen passwords and phrases
# ---------------------------------------------------------------------------
_WORDS = [
    "Sunflower",
    "Kafka",
    "Marmot",
    "Tulip",
    "Zomer",
    "Fiets",
    "Wiosna",
    "Kotek",
    "Jablko",
    "Pivo",
    "Tenger",
    "Kave",
    "Primavara",
    "Ouzo",
    "Bahar",
    "Kedi",
    "Mango",
    "Kopi",
    "Pantai",
    "Bahay",
    "Simba",
    "Kahawa",
    "Kvitka",
    "Sneg",
    "Sommer",
    "Fjord",
    "Hygge",
    "Kanelbulle",
    "Saudade",
    "Cerveza",
    "Fromage",
    "Kartoffel",
    "Sakura",
    "Hanami",
    "Kimchi",
    "Panda",
    "Dragon",
    "Falcon",
    "Orion",
    "Nebula",
    "Voyager",
    "Gandalf",
    "Tardis",
    "Pikachu",
    "Bluebird",
    "Rainbow",
    "October",
    "Harbor",
    "Granite",
    "Copper",
    "Maple",
    "Walrus",
    "Penguin",
    "Otter",
    "Badger",
    "Coffee",
    "Biscuit",
    "Pretzel",
    "Lighthouse",
    "Tiramisu",
    "Sauna",
    "Pierogi",
    "Bakso",
    "Durian",
]
_SEASONS = [
    "Winter",
    "Summer",
    "Spring",
    "Autumn",
    "Herfst",
    "Lato",
    "Zima",
    "Jesien",
    "Kesa",
    "Talvi",
]
_LOWER_WORDS = [
    "copper",
    "lantern",
    "orbit",
    "velvet",
    "glacier",
    "pickle",
    "harbor",
    "meadow",
    "falcon",
    "tundra",
    "cactus",
    "saffron",
    "quartz",
    "nimbus",
    "walnut",
    "bramble",
    "cobalt",
    "ember",
    "juniper",
    "marble",
    "pepper",
    "ripple",
    "sparrow",
    "thistle",
    "umbra",
    "violet",
    "willow",
    "zephyr",
    "anchor",
    "biscuit",
    "fiets",
    "molen",
    "kotek",
    "rzeka",
    "hrad",
    "tenger",
    "munte",
    "deniz",
    "pantai",
    "kahawa",
    "sakura",
]


def _leet(w: str) -> str:
    return w.replace("a", "4").replace("e", "3").replace("o", "0").replace("i", "1")


def _human_pw(r: random.Random, syms: str) -> str:
    w1, w2 = r.choice(_WORDS), r.choice(_WORDS)
    s = r.choice(syms)
    y = str(r.choice([r.randint(10, 99), r.randint(2019, 2027), r.randint(100, 9999)]))
    p = r.randrange(7)
    if p == 0:
        out = w1 + y + s
    elif p == 1:
        out = w1 + s + w2 + str(r.randint(1, 99))
    elif p == 2:
        out = _leet(w1) + s + y
    elif p == 3:
        out = w1.lower() + "_" + w2.lower() + str(r.randint(1, 999))
    elif p == 4:
        out = r.choice(_SEASONS) + y + s
    elif p == 5:
        out = w1 + "-" + r.choice(["Prod", "Ops", "Mon", "Adm", "Db", "Noc"]) + "-" + y
    else:
        out = _leet(w1)[:5] + s + w2 + s + str(r.randint(10, 99))
    while len(out) < 10:
        out += r.choice(string.digits)
    return out


def _pw(r: random.Random) -> str:
    return _human_pw(r, "!#%&*+-.?@_=")


def _pwu(r: random.Random) -> str:
    return _human_pw(r, "!*-_.~")


def _pwamp(r: random.Random) -> str:
    return r.choice(_WORDS) + "&" + r.choice(_WORDS) + str(r.randint(10, 9999))


def _pwlt(r: random.Random) -> str:
    return r.choice(_WORDS) + "<" + str(r.randint(10, 999)) + ">" + r.choice(_WORDS)


def _pws(r: random.Random) -> str:
    n = r.randint(14, 24)
    return r.choice(string.ascii_letters) + _rs(r, _B62 + "!#%^&*-_=+.?@~", n - 1)


def _pwsu(r: random.Random) -> str:
    n = r.randint(14, 28)
    return r.choice(string.ascii_letters) + _rs(r, _B62 + "-_.~", n - 1)


def _phrase(r: random.Random) -> str:
    return r.choice("-.").join(r.sample(_LOWER_WORDS, 4))


def _phrase_sp(r: random.Random) -> str:
    return " ".join(r.sample(_LOWER_WORDS, r.choice([4, 5])))


def _snmp(r: random.Random) -> str:
    return (
        r.choice(["n0c", "mon", "rd", "ro", "snmp", "netops"])
        + r.choice(["-", "_", "!"])
        + _leet(r.choice(_WORDS).lower())
        + str(r.randint(10, 99))
    )


def _nonascii_pw(r: random.Random) -> str:
    return (
        r.choice(
            [
                "Größe",
                "Żółw",
                "Čaj",
                "Kávé",
                "Ούζο",
                "Çay",
                "Mèo",
                "Пароль",
                "Żurek",
                "Læsø",
                "Kaffe",
            ]
        )
        + r.choice("-_.!")
        + r.choice(_WORDS)
        + str(r.randint(10, 999))
    )


# ---------------------------------------------------------------------------
# vendor token shapes
# ---------------------------------------------------------------------------
def _jwt(r: random.Random) -> str:
    alg = r.choice(["HS256", "RS256", "ES256"])
    hdr: dict[str, object] = {"alg": alg, "typ": "JWT"}
    if alg != "HS256":
        hdr["kid"] = _rs(r, _B64U, r.choice([16, 22, 43]))
    now = 1796270000 + r.randint(0, 900000)
    pl = {
        "iss": r.choice(
            [
                "https://auth.acme-ops.net",
                "https://login.microsoftonline.com/" + _uuid(r) + "/v2.0",
                "kubernetes/serviceaccount",
                "https://token.actions.githubusercontent.com",
                "st2",
            ]
        ),
        "sub": r.choice(
            [
                "svc-alerting",
                "system:serviceaccount:monitoring:"
                + r.choice(["grafana", "alertmanager", "vector"]),
                "user:" + str(r.randint(1000, 99999)),
                _uuid(r),
            ]
        ),
        "aud": r.choice(["api", "https://graph.microsoft.com", "incident-bot", "vault"]),
        "iat": now,
        "exp": now + r.choice([300, 3600, 86400]),
        "jti": _uuid(r),
    }
    sig = _rb(r, {"HS256": 32, "RS256": 256, "ES256": 64}[alg])
    return (
        _b64u(json.dumps(hdr, separators=(",", ":")).encode())
        + "."
        + _b64u(json.dumps(pl, separators=(",", ":")).encode())
        + "."
        + _b64u(sig)
    )


def _grafana_legacy(r: random.Random) -> str:
    d = {
        "k": _rs(r, _B62, 32),
        "n": r.choice(["alert-relay", "oncall-sync", "terraform", "incident-bot"]),
        "id": r.randint(1, 40),
    }
    return _b64(json.dumps(d, separators=(",", ":")).encode())


def _glc(r: random.Random) -> str:
    d = {
        "o": str(r.randint(100000, 999999)),
        "n": "stack-%d-hm-write-%s"
        % (r.randint(100000, 999999), r.choice(["alloy", "prom", "otlp"])),
        "k": _rs(r, _B62, 24),
        "m": {"r": r.choice(["prod-eu-west-2", "prod-us-east-0", "prod-ap-southeast-1"])},
    }
    return "glc_" + _b64(json.dumps(d, separators=(",", ":")).encode())


def _sntrys(r: random.Random) -> str:
    d = {
        "iat": 1796270000.0 + r.randint(0, 90000),
        "url": "https://sentry.io",
        "region_url": "https://us.sentry.io",
        "org": r.choice(["acme", "globex", "initech"]),
    }
    return (
        "sntrys_"
        + _b64(json.dumps(d, separators=(",", ":")).encode()).rstrip("=")
        + "_"
        + _rs(r, _B64, 43)
    )


def _esapikey(r: random.Random) -> str:
    return _b64((_rs(r, _B64U, 20) + ":" + _rs(r, _B64U, 22)).encode())


def _esenroll(r: random.Random) -> str:
    d = {
        "ver": "8.15.2",
        "adr": ["10.%d.%d.%d:9200" % (r.randint(0, 255), r.randint(0, 255), r.randint(1, 254))],
        "fgr": _rs(r, _HEX, 64),
        "key": _rs(r, _B64U, 20) + ":" + _rs(r, _B64U, 22),
    }
    return _b64(json.dumps(d, separators=(",", ":")).encode())


def _discordbot(r: random.Random) -> str:
    return (
        _b64(str(r.randint(10**17, 10**18 * 2)).encode()).rstrip("=")
        + "."
        + _rs(r, _B64U, 6)
        + "."
        + _rs(r, _B64U, 38)
    )


def _tgbot(r: random.Random) -> str:
    return str(r.randint(10**9, 8 * 10**9)) + ":AA" + _rs(r, _B64U, 33)


def _st2key(r: random.Random) -> str:
    return _b64(_rs(r, _HEX, 64).encode()).rstrip("=")


def _jirapat(r: random.Random) -> str:
    return _b64(str(r.randint(10**11, 10**12 - 1)).encode() + b":" + _rb(r, 20))


def _azsecret(r: random.Random) -> str:
    return _rs(r, _B62, 3) + "8Q~" + _rs(r, _B62 + "_.~-", 34)


def _connectsid(r: random.Random) -> str:
    return "s%3A" + _rs(r, _B64U, 32) + "." + quote(_rs(r, _B64, 43), safe="")


def _kubeadm(r: random.Random) -> str:
    return _rs(r, _LOWAN, 6) + "." + _rs(r, _LOWAN, 16)


def _recovery(r: random.Random) -> str:
    return _rs(r, _LOWAN, 5) + "-" + _rs(r, _LOWAN, 5)


def _pdapi(r: random.Random) -> str:
    return r.choice(["u+", "y_", ""]) + _rs(r, _B62 + "_-+", 20)


def _pdr0(r: random.Random) -> str:
    return "R0" + _rs(r, _UPAN, 30)


def _uuid_s(r: random.Random) -> str:
    return _uuid(r)


def _uuid_up(r: random.Random) -> str:
    return _uuid(r).upper()


def _mailchimp(r: random.Random) -> str:
    return _rs(r, _HEX, 32) + "-us" + str(r.randint(2, 21))


def _uptimerobot(r: random.Random) -> str:
    return "u" + str(r.randint(1000000, 9999999)) + "-" + _rs(r, _HEX, 24)


def _atatt(r: random.Random) -> str:
    return "ATATT3xFfGF0" + _rs(r, _B64U, 170) + "=" + _rs(r, _HEXU, 8)


def _xoxb(r: random.Random) -> str:
    return "xoxb-%d-%d-%s" % (
        r.randint(10**11, 10**12 - 1),
        r.randint(10**12, 10**13 - 1),
        _rs(r, _B62, 24),
    )


def _xoxp(r: random.Random) -> str:
    return "xoxp-%d-%d-%d-%s" % (
        r.randint(10**11, 10**12 - 1),
        r.randint(10**11, 10**12 - 1),
        r.randint(10**12, 10**13 - 1),
        _rs(r, _HEX, 32),
    )


def _xapp(r: random.Random) -> str:
    return "xapp-1-A%s-%d-%s" % (_rs(r, _UPAN, 10), r.randint(10**12, 10**13 - 1), _rs(r, _HEX, 64))


def _ghpat(r: random.Random) -> str:
    return "github_pat_11" + _rs(r, _UPAN, 20) + "_" + _rs(r, _B62, 59)


def _django(r: random.Random) -> str:
    return _rs(r, "abcdefghijklmnopqrstuvwxyz0123456789!@#%^&*(-_=+)", 50)


def _sk_live(r: random.Random) -> str:
    return "sk_live_51" + _rs(r, _B62, r.choice([22, 97]))


def _rk_live(r: random.Random) -> str:
    return "rk_live_51" + _rs(r, _B62, r.choice([22, 97]))


_S = {
    # generic
    "pw": _pw,
    "pwu": _pwu,
    "pwamp": _pwamp,
    "pwlt": _pwlt,
    "pws": _pws,
    "pwsu": _pwsu,
    "phrase": _phrase,
    "phrase_sp": _phrase_sp,
    "snmp": _snmp,
    "pwna": _nonascii_pw,
    "hex16": _charset(_HEX, 16),
    "hex20": _charset(_HEX, 20),
    "hex24": _charset(_HEX, 24),
    "hex32": _charset(_HEX, 32),
    "hex40": _charset(_HEX, 40),
    "hex48": _charset(_HEX, 48),
    "hex64": _charset(_HEX, 64),
    "hex128": _charset(_HEX, 128),
    "hexup32": _charset(_HEXU, 32),
    "b62_10": _charset(_B62, 10),
    "b62_12": _charset(_B62, 12),
    "b62_16": _charset(_B62, 16),
    "b62_20": _charset(_B62, 20),
    "b62_24": _charset(_B62, 24),
    "b62_25": _charset(_B62, 25),
    "b62_30": _charset(_B62, 30),
    "b62_32": _charset(_B62, 32),
    "b62_40": _charset(_B62, 40),
    "b62_48": _charset(_B62, 48),
    "b62_64": _charset(_B62, 64),
    "low26": _charset(_LOWAN, 26),
    "low30": _charset(_LOWAN, 30),
    "up20": _charset(string.ascii_uppercase, 20),
    "b64_16": _b64bytes(16),
    "b64_24": _b64bytes(24),
    "b64_32": _b64bytes(32),
    "b64_48": _b64bytes(48),
    "b64_64": _b64bytes(64),
    "b64u_32": _b64bytes(32, True),
    "b64u_64": _b64bytes(64, True),
    "b32_32": _charset(_B32, 32),
    "uuid": _uuid_s,
    "uuidup": _uuid_up,
    "jwt": _jwt,
    "pemline": _charset(_B64, 64),
    "recovery": _recovery,
    "django": _django,
    "azdevops": _charset("abcdefghijklmnopqrstuvwxyz234567", 52),
    # vendors
    "ghp": _charset(_B62, 36, "ghp_"),
    "gho": _charset(_B62, 36, "gho_"),
    "ghs": _charset(_B62, 36, "ghs_"),
    "ghu": _charset(_B62, 36, "ghu_"),
    "ghr": _charset(_B62, 36, "ghr_"),
    "ghpat": _ghpat,
    "ghrunner": _charset(_UPAN, 28, "A"),
    "glpat": _charset(_B64U, 20, "glpat-"),
    "glrt": _charset(_B64U, 20, "glrt-"),
    "glreg": _charset(_B64U, 20, "GR1348941"),
    "glptt": _charset(_HEX, 40, "glptt-"),
    "gldt": _charset(_B64U, 20, "gldt-"),
    "xoxb": _xoxb,
    "xoxp": _xoxp,
    "xapp": _xapp,
    "slackhook": _charset(_B62, 24),
    "aws_secret": _charset(_B64, 40),
    "aws_session": _charset(_B64, 228, "IQoJb3JpZ2luX2VjE"),
    "sk_live": _sk_live,
    "rk_live": _rk_live,
    "whsec": _charset(_B62, 32, "whsec_"),
    "sg": _charset(_B64U, 22, "SG."),
    "pdr0": _pdr0,
    "pdapi": _pdapi,
    "glsa": _charset(_B62, 32, "glsa_", ""),
    "grafana_key": _grafana_legacy,
    "glc": _glc,
    "nrak": _charset(_UPAN, 27, "NRAK-"),
    "nrlic": _charset(_HEX, 36, "", "NRAL"),
    "nrii": _charset(_B64U, 32, "NRII-"),
    "sntrys": _sntrys,
    "sntryu": _charset(_HEX, 64, "sntryu_"),
    "esapikey": _esapikey,
    "esenroll": _esenroll,
    "openai": _charset(_B64U, 64, "sk-proj-", "T3BlbkFJ" + "x"),
    "anthropic": _charset(_B64U, 93, "sk-ant-api03-", "AA"),
    "aiza": _charset(_B64U, 35, "AIza"),
    "azsecret": _azsecret,
    "discordhook": _charset(_B64U, 68),
    "discordbot": _discordbot,
    "tgbot": _tgbot,
    "npm": _charset(_B62, 36, "npm_"),
    "pypi": _charset(_B64U, 120, "pypi-AgEIcHlwaS5vcmc"),
    "dckr": _charset(_B64U, 27, "dckr_pat_"),
    "hvs": _charset(_B62, 24, "hvs."),
    "hvslong": _charset(_B64U, 86, "hvs.CAESI"),
    "atatt": _atatt,
    "jirapat": _jirapat,
    "age": _charset(_BECH32, 58, "AGE-SECRET-KEY-1"),
    "cftoken": _charset(_B64U, 40),
    "cfglobal": _charset(_HEX, 37),
    "dop": _charset(_HEX, 64, "dop_v1_"),
    "okta": _charset(_B64U, 40, "00"),
    "pulumi": _charset(_HEX, 40, "pul-"),
    "st2key": _st2key,
    "jenkins": _charset(_HEX, 32, "11"),
    "connectsid": _connectsid,
    "mailgun": _charset(_HEX, 32, "key-"),
    "mailchimp": _mailchimp,
    "uptimerobot": _uptimerobot,
    "atlasv1_a": _charset(_B62, 14),
    "kubeadm": _kubeadm,
    "gocspx": _charset(_B64U, 28, "GOCSPX-"),
    "circleci": _charset(_B62, 22, "CCIPAT_", "_" + "0"),
    "dapi": _charset(_HEX, 32, "dapi"),
    "hf": _charset(_B62, 34, "hf_"),
    "lin": _charset(_B62, 40, "lin_api_"),
    "shpat": _charset(_HEX, 32, "shpat_"),
    "doppler": _charset(_B62, 40, "dp.st.prd."),
    "sesmtp": _charset(_B64, 43, "B"),
    "dt_a": _charset(_UPAN, 24, "dt0c01."),
    "rabbitcookie": _charset(string.ascii_uppercase, 20),
}


def _compound(*parts):
    def gen(r: random.Random) -> str:
        return "".join(p(r) if callable(p) else p for p in parts)

    return gen


_S["sg"] = _compound(_S["sg"], ".", _charset(_B64U, 43))
_S["glsa"] = _compound(_S["glsa"], "_", _charset(_HEX, 8))
_S["openai"] = _compound("sk-proj-", _charset(_B64U, 74), "T3BlbkFJ", _charset(_B64U, 74))
_S["atlasv1"] = _compound(_charset(_B62, 14), ".atlasv1.", _charset(_B62, 67))
_S["circleci"] = _compound("CCIPAT_", _charset(_B62, 22), "_", _charset(_HEX, 40))
_S["dt"] = _compound("dt0c01.", _charset(_UPAN, 24), ".", _charset(_UPAN, 64))
_S["bitbucket"] = _compound("ATBB", _charset(_B62, 24), _charset(_HEXU, 8))
del _S["atlasv1_a"], _S["dt_a"]

# ---------------------------------------------------------------------------
# fillers (never planted)
# ---------------------------------------------------------------------------
_ROLES = [
    "web",
    "api",
    "db",
    "cache",
    "queue",
    "edge",
    "worker",
    "batch",
    "kafka",
    "mq",
    "lb",
    "es",
    "mon",
]
_DOMAINS = [
    "acme-corp.net",
    "globex.io",
    "initech.internal",
    "umbrella-ops.com",
    "contoso-cloud.net",
    "hooli.dev",
    "piedpiper.systems",
    "vandelay-ind.com",
    "stark-eng.org",
    "wayne-infra.net",
]
_SVCS = [
    "checkout-api",
    "billing-worker",
    "payments-gateway",
    "search-indexer",
    "auth-service",
    "inventory-sync",
    "notification-hub",
    "ledger",
    "cart-svc",
    "orders-api",
    "media-transcoder",
    "geo-lookup",
    "fraud-scorer",
    "report-builder",
]
_USERS = [
    "jdoe",
    "mkowalski",
    "svc_monitor",
    "nagios",
    "zbx_monitor",
    "deploy",
    "oncall",
    "akovacs",
    "pvandijk",
    "tnguyen",
    "rsilva",
    "lmuller",
    "ops-bot",
    "grafana",
    "sre-automation",
    "hsato",
    "ejohansson",
]
_PEOPLE = [
    "Anna",
    "Bartek",
    "Chen",
    "Dana",
    "Erik",
    "Fatima",
    "Gergo",
    "Hiro",
    "Ines",
    "Jakub",
    "Kemal",
    "Lucia",
    "Mehdi",
    "Nour",
    "Oskar",
    "Priya",
    "Quang",
    "Rania",
    "Sven",
    "Thandiwe",
    "Uri",
    "Vera",
    "Wiktor",
    "Yuki",
    "Zeynep",
]
_NS = [
    "monitoring",
    "payments",
    "prod-core",
    "observability",
    "default",
    "kube-system",
    "ingress-nginx",
    "data",
    "platform",
]
_TEAMS = [
    "sre",
    "platform",
    "payments",
    "data-eng",
    "noc",
    "secops",
    "core-infra",
    "mobile-backend",
]
_ALERTS = [
    "KubePodCrashLooping",
    "HighErrorRate",
    "PostgresReplicationLag",
    "DiskWillFillIn4Hours",
    "TargetDown",
    "RedisMemoryHigh",
    "CertificateExpiringSoon",
    "KafkaConsumerLagHigh",
    "NodeNotReady",
    "HTTP5xxSpike",
    "MySQLSlowQueries",
    "QueueBacklogGrowing",
    "ElasticsearchClusterRed",
    "APILatencyP99High",
]
_DBS = ["orders", "billing", "users", "analytics", "inventory", "ledger", "sessions"]
_CLUSTERS = ["prod-eu-1", "prod-us-2", "stg-eu-1", "k8s-prod-ams", "gke-prod-01", "eks-payments"]
_REGIONS = ["us-east-1", "eu-west-1", "eu-central-1", "ap-southeast-2", "us-west-2"]
_REPOS = [
    "payments-service",
    "infra-live",
    "alert-rules",
    "ops-runbooks",
    "k8s-manifests",
    "incident-bot",
]


def _f_host(r):
    return "%s-%s-%02d" % (
        r.choice(_ROLES),
        r.choice(["prod", "p", "stg", "eu", "us"]),
        r.randint(1, 40),
    )


def _f_ts(r):
    return "2026-12-%02dT%02d:%02d:%02d.%03dZ" % (
        r.randint(1, 3),
        r.randint(0, 23),
        r.randint(0, 59),
        r.randint(0, 59),
        r.randint(0, 999),
    )


def _f_tsl(r):
    return "2026-12-%02d %02d:%02d:%02d" % (
        r.randint(1, 3),
        r.randint(0, 23),
        r.randint(0, 59),
        r.randint(0, 59),
    )


def _f_hhmm(r):
    return "%02d:%02d" % (r.randint(0, 23), r.randint(0, 59))


def _f_ip(r):
    return "10.%d.%d.%d" % (r.randint(0, 255), r.randint(0, 255), r.randint(1, 254))


def _f_pod(r):
    return "%s-%s-%s" % (
        r.choice(_SVCS),
        _rs(r, "bcdfghjklmnpqrstvwxz2456789", 10),
        _rs(r, "bcdfghjklmnpqrstvwxz2456789", 5),
    )


def _f_email(r):
    return "%s@%s" % (r.choice(_USERS).replace("_", "."), r.choice(_DOMAINS))


def _choice_of(items):
    def gen(r):
        return r.choice(items)

    return gen


def _digits(n):
    def gen(r):
        return str(r.randint(10 ** (n - 1), 10**n - 1))

    return gen


def _k_ansible_task_f(r):
    return "%s-%s-%s-%s-%s" % (
        _rs(r, _HEX, 8),
        _rs(r, _HEX, 4),
        _rs(r, _HEX, 4),
        _rs(r, _HEX, 4),
        "0000000000" + _rs(r, "0123456789", 2),
    )


_F = {
    "host": _f_host,
    "domain": _choice_of(_DOMAINS),
    "svc": _choice_of(_SVCS),
    "user": _choice_of(_USERS),
    "person": _choice_of(_PEOPLE),
    "ns": _choice_of(_NS),
    "team": _choice_of(_TEAMS),
    "alert": _choice_of(_ALERTS),
    "db": _choice_of(_DBS),
    "cluster": _choice_of(_CLUSTERS),
    "region": _choice_of(_REGIONS),
    "repo": _choice_of(_REPOS),
    "ts": _f_ts,
    "tsl": _f_tsl,
    "hhmm": _f_hhmm,
    "ip": _f_ip,
    "pod": _f_pod,
    "email": _f_email,
    "epoch": _digits(10),
    "epochms": _digits(13),
    "fuid": _uuid_s,
    "n2": _digits(2),
    "n3": _digits(3),
    "n4": _digits(4),
    "n5": _digits(5),
    "n6": _digits(6),
    "n7": _digits(7),
    "n8": _digits(8),
    "n10": _digits(10),
    "n9": _digits(9),
    "n19": _digits(19),
    "fhex8": _charset(_HEX, 8),
    "fhex12": _charset(_HEX, 12),
    "fhex16": _charset(_HEX, 16),
    "fhex24": _charset(_HEX, 24),
    "fhex32": _charset(_HEX, 32),
    "fhex40": _charset(_HEX, 40),
    "fup7": _charset(_UPAN, 7),
    "chan": _charset(_UPAN, 9, "C0"),
    "slu": _charset(_UPAN, 9, "U0"),
    "low26": _charset(_LOWAN, 26),
    "b62_16": _charset(_B62, 16),
    "b62_12": _charset(_B62, 12),
    "hex16k": _charset(_HEX, 16),
    "hex32k": _charset(_HEX, 32),
    "b62_16k": _charset(_B62, 16),
    "ansibletaskf": _k_ansible_task_f,
    "sev": _choice_of(["critical", "warning", "page", "high", "P1", "P2"]),
    "env": _choice_of(["prod", "production", "staging", "prd"]),
}

# ---------------------------------------------------------------------------
# keep-list token shapes
# ---------------------------------------------------------------------------


def _k_pdid(r):
    return "P" + _rs(r, _UPAN, 6)


def _k_ogid(r):
    return _uuid(r) + "-" + str(r.randint(1796200000000, 1796299999999))


def _k_release(r):
    return "%s@%d.%d.%d+%s" % (
        r.choice(_SVCS),
        r.randint(1, 9),
        r.randint(0, 40),
        r.randint(0, 30),
        _rs(r, _HEX, 7),
    )


def _k_traceparent(r):
    return "00-%s-%s-01" % (_rs(r, _HEX, 32), _rs(r, _HEX, 16))


def _k_gfuid(r):
    return r.choice([_rs(r, _LOWAN, 14), _rs(r, _B62, 9), "a" + _rs(r, _LOWAN, 13)])


def _k_jira(r):
    return (
        r.choice(["OPS", "INFRA", "SRE", "PAY", "INC", "PLAT"]) + "-" + str(r.randint(1000, 99999))
    )


def _k_slackts(r):
    return "%d.%06d" % (r.randint(1796200000, 1796299999), r.randint(0, 999999))


def _k_tfrun(r):
    return "run-" + _rs(r, _B62, 16)


def _k_tfws(r):
    return "ws-" + _rs(r, _B62, 16)


def _k_ec2(r):
    return "i-0" + _rs(r, _HEX, 16)


def _k_essid(r):
    return _rs(r, _B64U, 20)


def _k_ray(r):
    return _rs(r, _HEX, 16) + "-" + r.choice(["FRA", "AMS", "IAD", "SIN", "WAW", "CDG"])


def _k_ghnode(r):
    return r.choice(["PR_kwDO", "I_kwDO", "MDU6SXNzdWU"]) + _rs(r, _B64U, 14)


def _k_buildtag(r):
    return "jenkins-%s-%d" % (
        r.choice(["deploy-prod", "remediate-disk", "rollback-api", "nightly-ops"]),
        r.randint(100, 9999),
    )


def _k_arn(r):
    return "arn:aws:cloudwatch:%s:%d:alarm:%s" % (
        r.choice(_REGIONS),
        r.randint(10**11, 10**12 - 1),
        r.choice(_ALERTS),
    )


def _k_splunksid(r):
    return "scheduler__%s__search__RMD5%s_at_%d_%d" % (
        r.choice(_USERS),
        _rs(r, _HEX, 16),
        r.randint(1796200000, 1796299999),
        r.randint(100, 9999),
    )


def _k_sentryshort(r):
    return (
        r.choice(_SVCS).upper()
        + "-"
        + _rs(r, "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ", r.choice([2, 3]))
    )


def _k_ansible_task(r):
    return "%s-%s-%s-%s-%s" % (
        _rs(r, _HEX, 8),
        _rs(r, _HEX, 4),
        _rs(r, _HEX, 4),
        _rs(r, _HEX, 4),
        "0000000000" + _rs(r, "0123456789", 2),
    )


def _k_groupkey_hash(r):
    return _rs(r, _HEX, 64)


def _k_statuspage(r):
    return _rs(r, _LOWAN, 12)


def _k_semver(r):
    return "v%d.%d.%d" % (r.randint(1, 4), r.randint(10, 60), r.randint(0, 20))


_K = {
    "fp16": _charset(_HEX, 16),
    "uuid": _uuid_s,
    "pdid": _k_pdid,
    "ogid": _k_ogid,
    "objid": _charset(_HEX, 24),
    "n5": _digits(5),
    "n6": _digits(6),
    "n7": _digits(7),
    "n8": _digits(8),
    "n9": _digits(9),
    "n10": _digits(10),
    "n13": _digits(13),
    "n16": _digits(16),
    "n19": _digits(19),
    "hex32": _charset(_HEX, 32),
    "hex16": _charset(_HEX, 16),
    "sha40": _charset(_HEX, 40),
    "sha8": _charset(_HEX, 8),
    "sha12": _charset(_HEX, 12),
    "hex64": _charset(_HEX, 64),
    "digest": _charset(_HEX, 64, "sha256:"),
    "release": _k_release,
    "traceparent": _k_traceparent,
    "gfuid": _k_gfuid,
    "inc": _charset("0123456789", 7, "INC"),
    "chg": _charset("0123456789", 7, "CHG"),
    "prb": _charset("0123456789", 7, "PRB"),
    "jira": _k_jira,
    "slackc": _charset(_UPAN, 9, "C0"),
    "slacku": _charset(_UPAN, 9, "U0"),
    "slackt": _charset(_UPAN, 9, "T0"),
    "slackb": _charset(_UPAN, 9, "B0"),
    "slackf": _charset(_UPAN, 9, "F0"),
    "slackts": _k_slackts,
    "tfrun": _k_tfrun,
    "tfws": _k_tfws,
    "ec2": _k_ec2,
    "essid": _k_essid,
    "ray": _k_ray,
    "ghnode": _k_ghnode,
    "buildtag": _k_buildtag,
    "arn": _k_arn,
    "splunksid": _k_splunksid,
    "sentryshort": _k_sentryshort,
    "ansibletask": _k_ansible_task,
    "gkhash": _k_groupkey_hash,
    "statuspage": _k_statuspage,
    "semver": _k_semver,
    "container": _charset(_HEX, 12),
    "rulegroup": _choice_of(
        [
            "kubernetes-apps",
            "node-exporter.rules",
            "postgres.rules",
            "slo:checkout-availability",
            "blackbox-probes",
            "redis-alerts",
        ]
    ),
}

# ---------------------------------------------------------------------------
# transforms for encoded forms
# ---------------------------------------------------------------------------


def _t_pct(raw, r, fil):
    return quote(raw, safe="")


def _t_b64(raw, r, fil):
    return _b64(raw.encode())


def _t_json(raw, r, fil):
    return json.dumps(raw)[1:-1]


def _t_gojson(raw, r, fil):
    return (
        json.dumps(raw, ensure_ascii=False)[1:-1]
        .replace("&", "\\u0026")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
    )


def _t_jj(raw, r, fil):
    return json.dumps(json.dumps(raw)[1:-1])[1:-1]


def _t_slash(raw, r, fil):
    return json.dumps(raw)[1:-1].replace("/", "\\/")


def _t_html(raw, r, fil):
    return raw.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _t_basic(raw, r, fil):
    if "u" not in fil:
        fil["u"] = _F["user"](r)
    return _b64((fil["u"] + ":" + raw).encode())


def _t_plain(raw, r, fil):
    if "u" not in fil:
        fil["u"] = _F["user"](r)
    return _b64(("\0" + fil["u"] + "\0" + raw).encode())


def _t_hex(raw, r, fil):
    return raw.encode().hex()


def _t_uesc(raw, r, fil):
    return json.dumps(raw, ensure_ascii=True)[1:-1]


def _t_upper(raw, r, fil):
    return raw.upper()


def _t_short7(raw, r, fil):
    return raw[:7]


_TR = {
    "upper": _t_upper,
    "short7": _t_short7,
    "pct": _t_pct,
    "b64": _t_b64,
    "json": _t_json,
    "gojson": _t_gojson,
    "jj": _t_jj,
    "slash": _t_slash,
    "html": _t_html,
    "basic": _t_basic,
    "plain": _t_plain,
    "hex": _t_hex,
    "uesc": _t_uesc,
}

# ---------------------------------------------------------------------------
# renderer
# ---------------------------------------------------------------------------
_PH = re.compile(r"⟪([!+~]?)([a-z0-9_]*)(?:#(\w+))?(?:\|(\w+))?⟫")


def _render(
    text: str, rng: random.Random
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    sec: dict[str, str] = {}
    fil: dict[str, str] = {}
    values: list[str] = []
    tokens: list[str] = []

    def sub(m: re.Match) -> str:
        mark, kind, label, tr = m.groups()
        store = sec if mark in ("!", "+") else fil
        if label and label in store:
            raw = store[label]
        else:
            table = {"!": _S, "+": _K, "~": _K, "": _F}[mark]
            raw = table[kind](rng)
            if label:
                store[label] = raw
        out = _TR[tr](raw, rng, fil) if tr else raw
        if mark == "!" and out not in values:
            values.append(out)
        if mark == "+" and out not in tokens:
            tokens.append(out)
        return out

    rendered = _PH.sub(sub, text)
    return tuple(rendered.split("\n")), tuple(values), tuple(tokens)


_TEMPLATES: list[tuple[str, str, str]] = []
_KEEPS: list[tuple[str, str]] = []


def _T(family: str, fmt: str, text: str) -> None:
    _TEMPLATES.append((family, fmt, text.strip("\n")))


def _K_(fmt: str, text: str) -> None:
    _KEEPS.append((fmt, text.strip("\n")))


# ===========================================================================
# CASE TEMPLATES
# ===========================================================================

# --- Alertmanager webhook payloads and logs --------------------------------
F = "alertmanager_webhook"
_T(
    F,
    "am_wh_generator_url_userinfo",
    r"""
{"receiver":"⟪team#t⟫-webhook","status":"firing","alerts":[{"status":"firing","labels":{"alertname":"⟪alert#a⟫","instance":"⟪host#h⟫:9100","job":"node","severity":"critical"},"annotations":{"summary":"⟪alert#a⟫ on ⟪host#h⟫"},"startsAt":"⟪ts⟫","endsAt":"0001-01-01T00:00:00Z","generatorURL":"https://prom:⟪!pwu⟫@prometheus.⟪domain#d⟫/graph?g0.expr=up+%3D%3D+0\u0026g0.tab=1","fingerprint":"⟪fhex16⟫"}],"groupLabels":{"alertname":"⟪alert#a⟫"},"commonLabels":{"severity":"critical"},"commonAnnotations":{},"externalURL":"https://alertmanager.⟪domain#d⟫","version":"4","groupKey":"{}:{alertname=\"⟪alert#a⟫\"}","truncatedAlerts":0}
""",
)
_T(
    F,
    "am_wh_annotation_dsn",
    r"""
{
  "receiver": "⟪team⟫-pager",
  "status": "firing",
  "alerts": [
    {
      "status": "firing",
      "labels": {"alertname": "PostgresConnectionsExhausted", "datname": "⟪db#db⟫", "severity": "critical"},
      "annotations": {
        "description": "pgbouncer pool for ⟪db#db⟫ full. Probe used postgresql://⟪user⟫:⟪!pwu⟫@⟪host⟫.⟪domain⟫:5432/⟪db#db⟫?sslmode=require",
        "runbook_url": "https://runbooks.⟪domain⟫/postgres/connections"
      },
      "startsAt": "⟪ts⟫",
      "fingerprint": "⟪fhex16⟫"
    }
  ]
}
""",
)
_T(
    F,
    "am_wh_external_url_basic",
    r"""
  "externalURL": "https://admin:⟪!pwu⟫@alertmanager.⟪cluster⟫.⟪domain⟫",
  "version": "4",
  "groupKey": "{}/{severity=~\"critical|page\"}:{alertname=\"⟪alert⟫\"}",
""",
)
_T(
    F,
    "am_wh_blackbox_instance_token",
    r"""
{"status":"firing","labels":{"alertname":"ProbeFailed","instance":"https://⟪svc⟫.⟪domain⟫/healthz?token=⟪!b62_32⟫","job":"blackbox-http","module":"http_2xx"},"annotations":{"summary":"Probe failed for 5m"},"startsAt":"⟪ts⟫","endsAt":"0001-01-01T00:00:00Z","fingerprint":"⟪fhex16⟫"}
""",
)
_T(
    F,
    "am_log_notify_failed_slack",
    r"""
ts=⟪ts⟫ caller=dispatch.go:353 level=error component=dispatcher msg="Notify for alerts failed" num_alerts=3 err="⟪team⟫-slack/slack[0]: notify retry canceled after 16 attempts: Post \"https://hooks.slack.com/services/T0⟪fup7⟫/B0⟪fup7⟫/⟪!slackhook⟫\": dial tcp 52.⟪n2⟫.⟪n2⟫.10:443: i/o timeout"
""",
)
_T(
    F,
    "am_amtool_cli_url",
    r"""
$ amtool --alertmanager.url=https://oncall:⟪!pwu⟫@alertmanager.⟪domain⟫ silence add alertname=⟪alert⟫ --duration=2h --comment="maintenance ⟪team⟫"
⟪fuid⟫
""",
)
_T(
    F,
    "am_receiver_app_headers",
    r"""
⟪tsl⟫ INFO  alert-relay: POST /alertmanager from ⟪ip⟫ headers={'Host': 'relay.⟪domain⟫', 'User-Agent': 'Alertmanager/0.27.0', 'Content-Type': 'application/json', 'Authorization': 'Bearer ⟪!jwt⟫'}
⟪tsl⟫ INFO  alert-relay: accepted 2 alerts groupKey={}:{alertname="⟪alert⟫"}
""",
)
_T(
    F,
    "am_wh_annotation_remediation_cmd",
    r"""
      "annotations": {
        "summary": "Redis ⟪host⟫ evicting keys",
        "remediation": "redis-cli -h ⟪host⟫ -p 6379 -a '⟪!pws⟫' --no-auth-warning CONFIG SET maxmemory 6gb"
      },
""",
)
_T(
    F,
    "am_wh_annotation_gojson_amp",
    r"""
{"status":"resolved","labels":{"alertname":"LDAPBindFailures","service":"⟪svc⟫"},"annotations":{"description":"bind as cn=svc-ldap,ou=services failed with password ⟪!pwamp|gojson⟫ (rotated in vault, please update secret)"},"startsAt":"⟪ts⟫","endsAt":"⟪ts⟫","fingerprint":"⟪fhex16⟫"}
""",
)
_T(
    F,
    "am_log_pagerduty_debug_payload",
    r"""
ts=⟪ts⟫ caller=notify.go:848 level=debug component=dispatcher receiver=⟪team⟫-pd integration=pagerduty[0] msg="Notify attempt failed, will retry later" attempts=2 err="unexpected status code 400: {\"status\":\"invalid event\",\"message\":\"Event object is invalid\",\"errors\":[\"'routing_key' ⟪!hex32⟫ is not a valid integration key\"]}"
""",
)

# --- Alertmanager / Prometheus receiver configuration -----------------------
F = "alertmanager_config"
_T(
    F,
    "amcfg_slack_api_url",
    r"""
receivers:
  - name: ⟪team#t⟫-slack
    slack_configs:
      - api_url: https://hooks.slack.com/services/T0⟪fup7⟫/B0⟪fup7⟫/⟪!slackhook⟫
        channel: '#alerts-⟪team#t⟫'
        send_resolved: true
        title: '{{ template "slack.default.title" . }}'
""",
)
_T(
    F,
    "amcfg_pagerduty_keys",
    r"""
  - name: ⟪team⟫-pagerduty
    pagerduty_configs:
      - routing_key: ⟪!hex32⟫
        severity: '{{ .CommonLabels.severity }}'
      - service_key: ⟪!pdr0⟫
        send_resolved: false
""",
)
_T(
    F,
    "amcfg_webhook_basic_auth",
    r"""
- name: st2-webhook
  webhook_configs:
  - url: https://st2.⟪domain⟫/api/v1/webhooks/alertmanager
    http_config:
      basic_auth:
        username: ⟪user⟫
        password: "⟪!pw⟫"
""",
)
_T(
    F,
    "amcfg_email_smtp",
    r"""
global:
  resolve_timeout: 5m
  smtp_smarthost: 'smtp.⟪domain#d⟫:587'
  smtp_from: 'alertmanager@⟪domain#d⟫'
  smtp_auth_username: 'alertmanager@⟪domain#d⟫'
  smtp_auth_password: '⟪!pw⟫'
  smtp_require_tls: true
""",
)
_T(
    F,
    "amcfg_opsgenie_api_key",
    r"""
  - name: opsgenie-⟪team⟫
    opsgenie_configs:
      - api_key: ⟪!uuid⟫
        api_url: https://api.eu.opsgenie.com/
        priority: '{{ if eq .CommonLabels.severity "critical" }}P1{{ else }}P3{{ end }}'
""",
)
_T(
    F,
    "amcfg_victorops",
    r"""
    victorops_configs:
      - api_key: '⟪!uuid⟫'
        routing_key: ⟪team⟫-⟪env⟫
        entity_display_name: '{{ .CommonAnnotations.summary }}'
""",
)
_T(
    F,
    "amcfg_telegram",
    r"""
  - name: telegram-noc
    telegram_configs:
      - bot_token: ⟪!tgbot⟫
        chat_id: -100⟪n10⟫
        parse_mode: HTML
""",
)
_T(
    F,
    "amcfg_wechat_pushover",
    r"""
  wechat_configs:
    - corp_id: ww⟪fhex16⟫
      api_secret: ⟪!b64u_32⟫
      agent_id: '1000002'
  pushover_configs:
    - user_key: u⟪fhex24⟫
      token: ⟪!low30⟫
""",
)
_T(
    F,
    "amcfg_http_config_bearer",
    r"""
  webhook_configs:
    - url: 'https://events.⟪domain⟫/v1/alerts'
      http_config:
        authorization:
          type: Bearer
          credentials: ⟪!b64u_32⟫
        tls_config:
          insecure_skip_verify: false
""",
)
_T(
    F,
    "amcfg_discord_msteams",
    r"""
    discord_configs:
      - webhook_url: https://discord.com/api/webhooks/1⟪n10⟫⟪n8⟫/⟪!discordhook⟫
    msteams_configs:
      - webhook_url: https://⟪team⟫.webhook.office.com/webhookb2/⟪fuid⟫@⟪fuid⟫/IncomingWebhook/⟪!hex32⟫/⟪fuid⟫/V2⟪!b62_40⟫
""",
)

# --- Prometheus rule files, scrape and remote-write configuration ----------
F = "prometheus_config"
_T(
    F,
    "prom_rule_annotation_curl",
    r"""
groups:
  - name: ⟪svc#s⟫.rules
    rules:
      - alert: ⟪alert⟫
        expr: sum(rate(http_requests_total{job="⟪svc#s⟫",code=~"5.."}[5m])) / sum(rate(http_requests_total{job="⟪svc#s⟫"}[5m])) > 0.05
        for: 10m
        labels:
          severity: page
        annotations:
          summary: "5xx ratio above 5% for ⟪svc#s⟫"
          fix: 'curl -XPOST -H "X-Api-Key: ⟪!b62_40⟫" https://⟪svc#s⟫.internal/admin/flush-cache'
""",
)
_T(
    F,
    "prom_scrape_bearer_token",
    r"""
scrape_configs:
  - job_name: 'federate-⟪cluster⟫'
    scheme: https
    metrics_path: /federate
    bearer_token: '⟪!jwt⟫'
    params:
      'match[]': ['{job="kubernetes-pods"}']
""",
)
_T(
    F,
    "prom_scrape_basic_auth",
    r"""
  - job_name: rabbitmq
    static_configs:
      - targets: ['⟪host⟫:15692']
    basic_auth:
      username: monitoring
      password: ⟪!pw⟫
""",
)
_T(
    F,
    "prom_remote_write_grafana_cloud",
    r"""
remote_write:
  - url: https://prometheus-prod-24-prod-eu-west-2.grafana.net/api/prom/push
    basic_auth:
      username: "⟪n7⟫"
      password: "⟪!glc⟫"
    queue_config:
      max_samples_per_send: 2000
""",
)
_T(
    F,
    "prom_blackbox_headers",
    r"""
modules:
  http_api_auth:
    prober: http
    timeout: 5s
    http:
      headers:
        Authorization: "Bearer ⟪!b64u_32⟫"
      valid_status_codes: [200, 204]
""",
)
_T(
    F,
    "prom_rule_annotation_redis_pass",
    r"""
      - alert: RedisDown
        expr: redis_up{instance="⟪host⟫:9121"} == 0
        annotations:
          description: 'Redis on ⟪host⟫ is down. Reconnect manually with AUTH ⟪!pws⟫ and check sentinel.'
""",
)
_T(
    F,
    "prom_scrape_error_encoded_dsn",
    r"""
ts=⟪ts⟫ caller=scrape.go:1427 level=warn component="scrape manager" scrape_pool=postgres target="http://pg-exporter:9187/probe?target=postgresql%3A%2F%2F⟪user⟫%3A⟪!pw|pct⟫%40⟪host⟫%3A5432%2F⟪db⟫" msg="Append failed" err="out of bounds"
""",
)
_T(
    F,
    "prom_api_targets_redis_multi",
    r"""
{"status":"success","data":{"activeTargets":[{"discoveredLabels":{"__address__":"redis://:⟪!pwu⟫@⟪host#h⟫:6379"},"labels":{"instance":"⟪host#h⟫","job":"redis_exporter_targets"},"scrapePool":"redis_exporter_targets","scrapeUrl":"http://redis-exporter:9121/scrape?target=redis%3A%2F%2F%3A⟪!pwu|pct⟫%40⟪host#h⟫%3A6379","health":"up","lastScrape":"⟪ts⟫","lastScrapeDuration":0.01}]}}
""",
)
_T(
    F,
    "prom_thanos_objstore",
    r"""
type: S3
config:
  bucket: thanos-⟪cluster⟫
  endpoint: s3.⟪region⟫.amazonaws.com
  access_key: AKIA⟪fup7⟫⟪fup7⟫AB
  secret_key: ⟪!aws_secret⟫
  insecure: false
""",
)

# --- Grafana alerting, contact points, provisioning ------------------------
F = "grafana"
_T(
    F,
    "grafana_webhook_payload_url_token",
    r"""
{"receiver":"⟪team⟫-webhook","status":"firing","orgId":1,"alerts":[{"status":"firing","labels":{"alertname":"⟪alert#a⟫","grafana_folder":"⟪team⟫","rulename":"⟪alert#a⟫"},"annotations":{"summary":"Check https://⟪svc⟫.⟪domain⟫/debug/vars?access_token=⟪!b62_40⟫"},"startsAt":"⟪ts⟫","endsAt":"0001-01-01T00:00:00Z","generatorURL":"https://grafana.⟪domain⟫/alerting/grafana/⟪fhex12⟫/view?orgId=1","fingerprint":"⟪fhex16⟫","silenceURL":"https://grafana.⟪domain⟫/alerting/silence/new","valueString":"[ var='A' labels={} value=0.93 ]"}],"title":"[FIRING:1] ⟪alert#a⟫","state":"alerting"}
""",
)
_T(
    F,
    "grafana_contact_point_provisioning",
    r"""
apiVersion: 1
contactPoints:
  - orgId: 1
    name: ⟪team⟫-slack
    receivers:
      - uid: ⟪fhex12⟫
        type: slack
        settings:
          recipient: '#alerts'
          token: ⟪!xoxb⟫
""",
)
_T(
    F,
    "grafana_api_curl_glsa",
    r"""
curl -s -H "Authorization: Bearer ⟪!glsa⟫" https://grafana.⟪domain⟫/api/v1/provisioning/alert-rules | jq '.[].title'
""",
)
_T(
    F,
    "grafana_legacy_api_key_script",
    r"""
GRAFANA_URL=https://grafana.⟪domain⟫
GRAFANA_TOKEN="⟪!grafana_key⟫"
curl -sf -H "Authorization: Bearer ${GRAFANA_TOKEN}" "$GRAFANA_URL/api/annotations" -d '{"text":"deploy ⟪svc⟫","tags":["deploy"]}'
""",
)
_T(
    F,
    "grafana_datasource_secure_json",
    r"""
datasources:
  - name: Postgres-⟪db⟫
    type: postgres
    url: ⟪host⟫:5432
    user: grafana_ro
    secureJsonData:
      password: '⟪!pw⟫'
  - name: Loki
    type: loki
    basicAuth: true
    basicAuthUser: ⟪n6⟫
    secureJsonData:
      basicAuthPassword: ⟪!glc⟫
""",
)
_T(
    F,
    "grafana_ini_admin",
    r"""
[security]
admin_user = admin
admin_password = ⟪!pw⟫
secret_key = ⟪!b62_16⟫
""",
)
_T(
    F,
    "grafana_server_log_webhook",
    r"""
logger=ngalert.notifier.slack t=⟪ts⟫ level=error msg="Failed to send Slack message" err="Post \"https://hooks.slack.com/services/T0⟪fup7⟫/B0⟪fup7⟫/⟪!slackhook⟫\": context deadline exceeded" receiver=⟪team⟫-slack
""",
)
_T(
    F,
    "grafana_oncall_integration_url",
    r"""
Alertmanager -> Grafana OnCall: https://oncall-prod-eu-west-0.grafana.net/oncall/integrations/v1/alertmanager/⟪!b62_25⟫/
""",
)
_T(
    F,
    "grafana_contact_point_api_json",
    r"""
{"uid":"⟪fhex12⟫","name":"itsm-webhook","type":"webhook","settings":{"url":"https://itsm.⟪domain⟫/api/events","httpMethod":"POST","username":"grafana","password":"⟪!pw|json⟫","authorization_scheme":"","maxAlerts":"0"},"disableResolveMessage":false}
""",
)
_T(
    F,
    "grafana_cloud_env_file",
    r"""
# grafana-agent / alloy
GCLOUD_HOSTED_METRICS_ID=⟪n7⟫
GCLOUD_RW_API_KEY=⟪!glc⟫
GRAFANA_SA_TOKEN=⟪!glsa⟫
""",
)

# --- PagerDuty ---------------------------------------------------------------
F = "pagerduty"
_T(
    F,
    "pd_events_v2_enqueue",
    r"""
{
  "routing_key": "⟪!hex32⟫",
  "event_action": "trigger",
  "dedup_key": "⟪svc#s⟫/⟪alert#a⟫",
  "payload": {
    "summary": "⟪alert#a⟫ on ⟪svc#s⟫",
    "source": "⟪host⟫",
    "severity": "critical",
    "timestamp": "⟪ts⟫"
  }
}
""",
)
_T(
    F,
    "pd_events_v2_custom_details",
    r"""
{"routing_key":"⟪!pdr0⟫","event_action":"trigger","payload":{"summary":"DB failover on ⟪db⟫","source":"⟪host⟫","severity":"error","custom_details":{"DATABASE_URL":"mysql://app:⟪!pwu⟫@⟪host⟫:3306/⟪db⟫","replica_lag_s":"312"}}}
""",
)
_T(
    F,
    "pd_rest_curl_token",
    r"""
curl -s https://api.pagerduty.com/incidents?statuses[]=triggered \
  -H 'Accept: application/vnd.pagerduty+json;version=2' \
  -H 'Authorization: Token token=⟪!pdapi⟫' \
  -H 'From: ⟪email⟫'
""",
)
_T(
    F,
    "pd_incident_note_creds",
    r"""
{"note":{"id":"P⟪fup7⟫","user":{"id":"P⟪fup7⟫","type":"user_reference","summary":"⟪person⟫"},"content":"Temporary break-glass login for the bastion: user ⟪user⟫ / pass ⟪!pw⟫ (expires 18:00 UTC)","created_at":"⟪ts⟫"}}
""",
)
_T(
    F,
    "pd_webhook_v3_subscription",
    r"""
{"webhook_subscription":{"delivery_method":{"id":"P⟪fup7⟫","secret":"⟪!b64_48⟫","temporarily_disabled":false,"type":"http_delivery_method","url":"https://hooks.⟪domain⟫/pagerduty"},"description":"incident-bot","events":["incident.triggered","incident.resolved"],"id":"P⟪fup7⟫","type":"webhook_subscription"}}
""",
)
_T(
    F,
    "pd_cli_auth",
    r"""
$ pd auth add --subdomain ⟪team⟫ --token ⟪!pdapi⟫ --default
Logged in as ⟪email⟫ (⟪team⟫.pagerduty.com)
""",
)
_T(
    F,
    "pd_terraform_tfvars",
    r"""
pagerduty_token      = "⟪!pdapi⟫"
pagerduty_service_id = "P⟪fup7⟫"
""",
)
_T(
    F,
    "pd_app_log_enqueue_body",
    r"""
⟪tsl⟫ DEBUG pdclient POST https://events.pagerduty.com/v2/enqueue body="{\"routing_key\": \"⟪!hex32⟫\", \"event_action\": \"acknowledge\", \"dedup_key\": \"⟪fhex32⟫\"}"
""",
)
_T(
    F,
    "pd_change_event_link_token",
    r"""
{"routing_key":"⟪!hex32⟫","payload":{"summary":"Deploy ⟪svc#s⟫ ⟪fhex8⟫","timestamp":"⟪ts⟫","source":"argo"},"links":[{"href":"https://argo.⟪domain⟫/applications/⟪svc#s⟫?token=⟪!jwt⟫","text":"Argo app"}]}
""",
)
_T(
    F,
    "pd_log_entry_cmd",
    r"""
{"log_entry":{"type":"annotate_log_entry","summary":"Note added","channel":{"type":"note","summary":"ran: pg_dump \"host=⟪host⟫ user=postgres password=⟪!pw⟫ dbname=⟪db⟫\" > /tmp/dump.sql"},"created_at":"⟪ts⟫","incident":{"id":"P⟪fup7⟫","type":"incident_reference"}}}
""",
)

# --- Opsgenie -----------------------------------------------------------------
F = "opsgenie"
_T(
    F,
    "og_create_alert_curl",
    r"""
curl -X POST https://api.opsgenie.com/v2/alerts \
    -H "Content-Type: application/json" \
    -H "Authorization: GenieKey ⟪!uuid⟫" \
    -d '{"message": "⟪alert⟫ on ⟪host⟫", "alias": "⟪fhex16⟫", "priority": "P1", "responders": [{"name": "⟪team⟫", "type": "team"}]}'
""",
)
_T(
    F,
    "og_alert_details_secret",
    r"""
{"data":{"id":"⟪fuid⟫-⟪epochms⟫","tinyId":"⟪n4⟫","alias":"⟪fhex16⟫","message":"Backup job failed on ⟪host⟫","status":"open","details":{"job":"restic-nightly","RESTIC_PASSWORD":"⟪!phrase⟫","repo":"s3:s3.⟪region⟫.amazonaws.com/backups-⟪env⟫"},"priority":"P2","createdAt":"⟪ts⟫"},"took":0.011,"requestId":"⟪fuid⟫"}
""",
)
_T(
    F,
    "og_heartbeat_ping",
    r"""
*/5 * * * * curl -fsS -X GET 'https://api.opsgenie.com/v2/heartbeats/⟪svc⟫-cron/ping' -H 'Authorization: GenieKey ⟪!uuid⟫' >/dev/null
""",
)
_T(
    F,
    "og_integration_json",
    r"""
{"data":{"type":"Prometheus","id":"⟪fuid⟫","name":"prometheus-⟪cluster⟫","enabled":true,"ownerTeam":{"id":"⟪fuid⟫","name":"⟪team⟫"},"apiKey":"⟪!uuid⟫","allowWriteAccess":true},"took":0.05,"requestId":"⟪fuid⟫"}
""",
)
_T(
    F,
    "og_python_snippet",
    r"""
conf = opsgenie_sdk.configuration.Configuration()
conf.host = "https://api.eu.opsgenie.com"
conf.api_key["Authorization"] = "⟪!uuid⟫"
client = opsgenie_sdk.api_client.ApiClient(configuration=conf)
""",
)
_T(
    F,
    "og_alert_note_creds",
    r"""
[Opsgenie] Note added to alert #⟪n4⟫ "⟪alert⟫" by ⟪person⟫: rolled back, admin console pw is now ⟪!pw⟫ until we rotate tomorrow
""",
)
_T(
    F,
    "og_oec_conf_json",
    r"""
{
  "apiKey": "⟪!uuid⟫",
  "baseUrl": "https://api.opsgenie.com",
  "actionMappings": {"Create": {"filepath": "/home/opsgenie/oec/scripts/actionExecutor.py", "sourceType": "local", "env": ["NAGIOS_PASSWORD=⟪!pw⟫"]}}
}
""",
)
_T(
    F,
    "og_client_error_log",
    r"""
⟪tsl⟫ WARN  [og-forwarder] 422 from api.opsgenie.com for key=⟪!uuid⟫ body={"message":"Request body is not processable","errors":{"message":"must not be blank"},"took":0.0}
""",
)
_T(
    F,
    "og_terraform_provider",
    r"""
provider "opsgenie" {
  api_key = "⟪!uuid⟫"
  api_url = "api.eu.opsgenie.com"
}
""",
)

# --- Splunk On-Call (VictorOps) -------------------------------------------------
F = "splunk_oncall_victorops"
_T(
    F,
    "vo_rest_endpoint_url",
    r"""
REST endpoint: https://alert.victorops.com/integrations/generic/20131114/alert/⟪!uuid⟫/⟪team⟫-⟪env⟫
""",
)
_T(
    F,
    "vo_alert_state_message",
    r"""
{"message_type":"CRITICAL","entity_id":"⟪svc#s⟫/⟪alert⟫","entity_display_name":"⟪svc#s⟫ login failures","state_message":"auth backend rejected service account svc-⟪svc#s⟫ (password ⟪!pw|json⟫ expired?)","monitoring_tool":"prometheus","state_start_time":⟪epoch⟫}
""",
)
_T(
    F,
    "vo_api_headers",
    r"""
curl -X GET https://api.victorops.com/api-public/v1/incidents \
  -H 'X-VO-Api-Id: ⟪fhex8⟫' \
  -H 'X-VO-Api-Key: ⟪!hex32⟫'
""",
)
_T(
    F,
    "vo_timeline_note",
    r"""
⟪hhmm⟫ ⟪person⟫ (chat): reset the jump host account, new creds ⟪user⟫ / ⟪!pw⟫ — please do not paste elsewhere
""",
)
_T(
    F,
    "vo_env_exports",
    r"""
export VO_API_ID=⟪fhex8⟫
export VO_API_KEY=⟪!hex32⟫
export VO_ROUTING_KEY=⟪team⟫
""",
)
_T(
    F,
    "vo_nagios_plugin_conf",
    r"""
# /usr/local/nagios/etc/objects/victorops.cfg
define contact{
    contact_name    VictorOps
    _VO_ORGANIZATION_ID     ⟪team⟫
    _VO_ORGANIZATION_KEY    ⟪!uuid⟫
}
""",
)
_T(
    F,
    "vo_outgoing_webhook",
    r"""
{"name":"notify-st2","url":"https://st2.⟪domain⟫/api/v1/webhooks/victorops","method":"POST","headers":{"St2-Api-Key":"⟪!st2key⟫"},"events":["Incident-Triggered"]}
""",
)
_T(
    F,
    "vo_email_integration_body",
    r"""
Subject: [VictorOps] Incident #⟪n4⟫ ⟪alert⟫
Entity: ⟪host⟫
State message: check_mssql failed: Login failed for user 'sa'. Connection string: Server=⟪host⟫;Database=⟪db⟫;User Id=sa;Password=⟪!pw⟫;
""",
)

# --- Zabbix ---------------------------------------------------------------------
F = "zabbix"
_T(
    F,
    "zbx_api_auth_token",
    r"""
{"jsonrpc":"2.0","method":"problem.get","params":{"output":"extend","recent":true,"sortfield":["eventid"],"sortorder":"DESC"},"auth":"⟪!hex64⟫","id":1}
""",
)
_T(
    F,
    "zbx_user_login",
    r"""
{"jsonrpc": "2.0", "method": "user.login", "params": {"username": "⟪user⟫", "password": "⟪!pw⟫"}, "id": 1}
{"jsonrpc": "2.0", "result": "⟪!hex32⟫", "id": 1}
""",
)
_T(
    F,
    "zbx_host_macros_export",
    r"""
zabbix_export:
  version: '7.0'
  hosts:
    - host: ⟪host⟫
      macros:
        - macro: '{$MYSQL.USER}'
          value: zbx_monitor
        - macro: '{$MYSQL.PASSWORD}'
          value: '⟪!pw⟫'
""",
)
_T(
    F,
    "zbx_agent_psk_file",
    r"""
# cat /etc/zabbix/zabbix_agent2.psk
⟪!hex64⟫
# grep TLS /etc/zabbix/zabbix_agent2.conf
TLSConnect=psk
TLSPSKIdentity=PSK ⟪host⟫
""",
)
_T(
    F,
    "zbx_media_type_webhook_params",
    r"""
{"mediatypeid":"⟪n2⟫","name":"Telegram","type":"4","parameters":[{"name":"Token","value":"⟪!tgbot⟫"},{"name":"To","value":"{ALERT.SENDTO}"},{"name":"Message","value":"{ALERT.MESSAGE}"}]}
""",
)
_T(
    F,
    "zbx_media_type_slack_token",
    r"""
Media type "Slack": bot_token = ⟪!xoxb⟫, zabbix_url = https://zabbix.⟪domain⟫, channel = {ALERT.SENDTO}
""",
)
_T(
    F,
    "zbx_item_key_mysql",
    r"""
Item key: mysql.get_status_variables["tcp://⟪host⟫:3306","zbx_monitor","⟪!pw⟫"]  (state: Not supported, error: Access denied)
""",
)
_T(
    F,
    "zbx_server_log_slack_err",
    r"""
  ⟪n4⟫:20261203:⟪n6⟫.⟪n3⟫ [Media type "Slack"] Slack API error: invalid_auth (token=⟪!xoxb⟫)
""",
)
_T(
    F,
    "zbx_server_conf_db",
    r"""
DBHost=⟪host⟫
DBName=zabbix
DBUser=zabbix
DBPassword=⟪!pws⟫
""",
)
_T(
    F,
    "zbx_snmpv3_interface",
    r"""
{"interfaceid":"⟪n4⟫","type":"2","ip":"⟪ip⟫","port":"161","details":{"version":"3","securityname":"zbxmon","securitylevel":"2","authprotocol":"1","authpassphrase":"⟪!pw⟫","privprotocol":"1","privpassphrase":"⟪!pws⟫","contextname":""}}
""",
)

# --- Nagios / Icinga ------------------------------------------------------------
F = "nagios_icinga"
_T(
    F,
    "nagios_resource_cfg",
    r"""
# /usr/local/nagios/etc/resource.cfg
$USER1$=/usr/local/nagios/libexec
$USER3$=⟪!pw⟫
$USER4$=⟪!pws⟫
""",
)
_T(
    F,
    "nagios_expanded_check_mysql",
    r"""
[⟪epoch⟫] SERVICE ALERT: ⟪host⟫;MySQL;CRITICAL;SOFT;2;/usr/lib/nagios/plugins/check_mysql -H ⟪host⟫ -u nagios -p ⟪!pw⟫ -d ⟪db⟫: Access denied for user 'nagios'@'⟪ip⟫'
""",
)
_T(
    F,
    "nagios_check_http_basic",
    r"""
define command {
    command_name    check_admin_ui
    command_line    $USER1$/check_http -H $HOSTADDRESS$ -S -u /admin -a ops:⟪!pw⟫ -e 200
}
""",
)
_T(
    F,
    "nagios_snmp_community",
    r"""
/usr/lib/nagios/plugins/check_snmp -H ⟪ip⟫ -C ⟪!snmp⟫ -o .1.3.6.1.2.1.2.2.1.8.3 -r 1
""",
)
_T(
    F,
    "icinga2_api_user_conf",
    r"""
object ApiUser "⟪user⟫" {
  password = "⟪!pws⟫"
  permissions = [ "actions/*", "objects/query/*" ]
}
""",
)
_T(
    F,
    "icinga2_api_curl",
    r"""
curl -k -s -S -i -u root:⟪!pw⟫ -H 'Accept: application/json' -X POST 'https://⟪host⟫:5665/v1/actions/acknowledge-problem' -d '{ "type": "Service", "filter": "service.state==2", "author": "⟪user⟫", "comment": "ack" }'
""",
)
_T(
    F,
    "icinga_notification_mail",
    r"""
***** Service Monitoring on icinga2 *****
⟪svc⟫ on ⟪host⟫ is CRITICAL!
Info:    CRITICAL - connection to amqp://guest:⟪!pwu⟫@⟪host⟫:5672/ refused
When:    ⟪tsl⟫ +0000
""",
)
_T(
    F,
    "icinga_director_vars_json",
    r"""
{"object_name":"⟪host⟫","object_type":"object","imports":["linux-host"],"vars":{"mssql_username":"monitoring","mssql_password":"⟪!pw⟫","os":"Windows"}}
""",
)
_T(
    F,
    "nagios_nrpe_cfg",
    r"""
command[check_pg_locks]=/usr/lib/nagios/plugins/check_postgres.pl --action=locks --host=localhost --dbuser=nagios --dbpass=⟪!pw⟫ --warning=100 --critical=200
""",
)
_T(
    F,
    "icinga2_debug_log_cmd",
    r"""
[⟪tsl⟫ +0000] notice/Process: Running command '/usr/lib/nagios/plugins/check_ldap' '-H' '⟪host⟫' '-b' 'dc=corp' '-D' 'cn=monitor,dc=corp' '-P' '⟪!pw⟫' '-3': PID ⟪n5⟫
""",
)

# --- Checkmk --------------------------------------------------------------------
F = "checkmk"
_T(
    F,
    "cmk_rest_automation_bearer",
    r"""
curl -s -H "Authorization: Bearer automation ⟪!b62_32⟫" -H "Accept: application/json" "https://monitor.⟪domain⟫/mysite/check_mk/api/1.0/domain-types/host_config/collections/all"
""",
)
_T(
    F,
    "cmk_notify_env",
    r"""
NOTIFY_CONTACTNAME=⟪user⟫
NOTIFY_HOSTNAME=⟪host⟫
NOTIFY_PARAMETER_WEBHOOK_URL=https://hooks.slack.com/services/T0⟪fup7⟫/B0⟪fup7⟫/⟪!slackhook⟫
NOTIFY_SERVICESTATE=CRIT
""",
)
_T(
    F,
    "cmk_special_agent_cmdline",
    r"""
agent_vsphere -u 'monitoring@vsphere.local' -s '⟪!pws⟫' -i hostsystem,virtualmachine -p 443 --no-cert-check vcenter.⟪domain⟫
""",
)
_T(
    F,
    "cmk_password_store_file",
    r"""
$ cat ~/var/check_mk/stored_passwords
pw_vcenter:⟪!pws⟫
pw_idrac:⟪!pw⟫
""",
)
_T(
    F,
    "cmk_rest_create_user",
    r"""
{"username":"⟪user⟫","fullname":"⟪person⟫","auth_option":{"auth_type":"password","password":"⟪!pw|json⟫"},"roles":["user"],"contactgroups":["⟪team⟫"]}
""",
)
_T(
    F,
    "cmk_agent_ctl_register",
    r"""
cmk-agent-ctl register --hostname ⟪host⟫ --server monitor.⟪domain⟫ --site mysite --user agent_registration --password '⟪!pws⟫' --trust-cert
""",
)
_T(
    F,
    "cmk_ldap_rule_repr",
    r"""
'bind': ('cn=checkmk,ou=svc,dc=corp,dc=local', ('password', '⟪!pw⟫')),
""",
)
_T(
    F,
    "cmk_notify_log_pushover",
    r"""
⟪tsl⟫ [20] [cmk.base.notify] executing /omd/sites/mysite/share/check_mk/notifications/pushover api_key=⟪!low30⟫ recipient_key=u⟪fhex24⟫
""",
)

# --- Datadog --------------------------------------------------------------------
F = "datadog"
_T(
    F,
    "dd_monitor_message",
    r"""
{"id":⟪n8⟫,"name":"[⟪env⟫] ⟪alert⟫ on {{host.name}}","type":"query alert","query":"avg(last_5m):avg:system.disk.in_use{service:⟪svc⟫} by {host} > 0.9","message":"{{#is_alert}}Disk almost full. Clean with: ssh deploy@{{host.name}} 'sudo journalctl --vacuum-size=500M' (sudo pw ⟪!pw|json⟫) @pagerduty-⟪team⟫ @slack-ops{{/is_alert}}","tags":["team:⟪team⟫"],"options":{"notify_no_data":false}}
""",
)
_T(
    F,
    "dd_api_curl_keys",
    r"""
curl -X GET "https://api.datadoghq.eu/api/v1/monitor?group_states=alert" \
-H "Accept: application/json" \
-H "DD-API-KEY: ⟪!hex32⟫" \
-H "DD-APPLICATION-KEY: ⟪!hex40⟫"
""",
)
_T(
    F,
    "dd_agent_yaml",
    r"""
## /etc/datadog-agent/datadog.yaml
api_key: ⟪!hex32⟫
site: datadoghq.com
hostname: ⟪host⟫
logs_enabled: true
""",
)
_T(
    F,
    "dd_event_post_text",
    r"""
{"title":"Manual failover of ⟪db⟫","text":"%%% \nFailover done by ⟪person⟫. New primary ⟪host⟫. Replication user repl / ⟪!pw⟫ \n%%%","tags":["env:⟪env⟫","service:⟪svc⟫"],"alert_type":"info"}
""",
)
_T(
    F,
    "dd_webhook_integration_headers",
    r"""
{"name":"servicenow-bridge","url":"https://bridge.⟪domain⟫/dd","encode_as":"json","custom_headers":"{\"Authorization\": \"Bearer ⟪!b64u_32⟫\"}","payload":"{\"title\": \"$EVENT_TITLE\"}"}
""",
)
_T(
    F,
    "dd_log_http_url",
    r"""
{"date":"⟪ts⟫","host":"⟪host⟫","service":"⟪svc⟫","status":"error","message":"upstream call failed","http":{"url":"https://partner-api.⟪domain⟫/v2/orders?apikey=⟪!b62_32⟫&limit=50","status_code":502,"method":"GET"}}
""",
)
_T(
    F,
    "dd_synthetics_basic_auth",
    r"""
"request": {"method": "GET", "url": "https://admin.⟪domain⟫/status", "basicAuth": {"type": "web", "username": "synthetics", "password": "⟪!pw⟫"}, "timeout": 30},
""",
)
_T(
    F,
    "dd_docker_run_env",
    r"""
docker run -d --name dd-agent -e DD_API_KEY=⟪!hex32⟫ -e DD_SITE="datadoghq.eu" -e DD_APM_ENABLED=true -v /var/run/docker.sock:/var/run/docker.sock:ro gcr.io/datadoghq/agent:7
""",
)
_T(
    F,
    "dd_helm_values",
    r"""
datadog:
  apiKey: ⟪!hex32⟫
  appKey: ⟪!hex40⟫
  clusterName: ⟪cluster⟫
""",
)
_T(
    F,
    "dd_incident_timeline",
    r"""
⟪ts⟫  Timeline · ⟪person⟫: pasted from psql session -> ALTER ROLE reporting WITH PASSWORD '⟪!pw⟫';
""",
)

# --- New Relic --------------------------------------------------------------------
F = "newrelic"
_T(
    F,
    "nr_yml_license",
    r"""
common: &default_settings
  license_key: '⟪!nrlic⟫'
  app_name: ⟪svc⟫ (⟪env⟫)
  distributed_tracing:
    enabled: true
""",
)
_T(
    F,
    "nr_nerdgraph_curl",
    r"""
curl https://api.eu.newrelic.com/graphql \
  -H 'Content-Type: application/json' \
  -H 'API-Key: ⟪!nrak⟫' \
  --data-binary '{"query":"{ actor { user { email } } }"}'
""",
)
_T(
    F,
    "nr_insights_insert",
    r"""
gzip -c events.json | curl -X POST -H "Content-Type: application/json" -H "X-Insert-Key: ⟪!nrii⟫" -H "Content-Encoding: gzip" https://insights-collector.newrelic.com/v1/accounts/⟪n7⟫/events --data-binary @-
""",
)
_T(
    F,
    "nr_alert_webhook_payload",
    r"""
{"issueId":"⟪fuid⟫","title":"⟪alert⟫","priority":"CRITICAL","impactedEntities":["⟪svc⟫"],"totalIncidents":1,"state":"ACTIVATED","trigger":"STATE_CHANGE","isCorrelated":false,"createdAt":⟪epochms⟫,"sources":["newrelic"],"alertPolicyNames":["⟪team⟫"],"alertConditionNames":["Error rate"],"workflowName":"⟪team⟫-wf","details":"jdbc:postgresql://⟪host⟫:5432/⟪db⟫?user=app&password=⟪!pwu⟫"}
""",
)
_T(
    F,
    "nr_infra_agent_yml",
    r"""
# /etc/newrelic-infra.yml
license_key: ⟪!nrlic⟫
display_name: ⟪host⟫
""",
)
_T(
    F,
    "nr_k8s_env",
    r"""
        env:
        - name: NEW_RELIC_LICENSE_KEY
          value: "⟪!nrlic⟫"
        - name: NEW_RELIC_APP_NAME
          value: "⟪svc⟫"
""",
)
_T(
    F,
    "nr_synthetics_secure_cred",
    r"""
mutation { syntheticsCreateSecureCredential(accountId: ⟪n7⟫, key: "ADMIN_PORTAL_PASSWORD", value: "⟪!pw⟫", description: "login check") { createdAt } }
""",
)
_T(
    F,
    "nr_log_record_error",
    r"""
{"timestamp":⟪epochms⟫,"message":"Failed to refresh OAuth token: invalid_client (client_secret=⟪!b62_40⟫)","entity.name":"⟪svc⟫","level":"ERROR","hostname":"⟪host⟫"}
""",
)

# --- Sentry events --------------------------------------------------------------------
F = "sentry_event"
_T(
    F,
    "sentry_request_headers_auth",
    r"""
  "request": {
    "url": "https://⟪svc⟫.⟪domain⟫/api/v1/orders",
    "method": "POST",
    "headers": [["Accept", "application/json"], ["Authorization", "Bearer ⟪!jwt⟫"], ["X-Request-Id", "⟪fuid⟫"]],
""",
)
_T(
    F,
    "sentry_request_cookies",
    r"""
"cookies":[["csrftoken","⟪fhex32⟫"],["sessionid","⟪!b62_32⟫"],["django_language","en"]],
""",
)
_T(
    F,
    "sentry_request_env_database_url",
    r"""
"env": {"SERVER_NAME": "⟪pod⟫", "SERVER_PORT": "8000", "DATABASE_URL": "postgres://⟪user⟫:⟪!pwu⟫@⟪host⟫:5432/⟪db⟫", "REMOTE_ADDR": "⟪ip⟫"}
""",
)
_T(
    F,
    "sentry_breadcrumb_http_url",
    r"""
{"type":"http","category":"httplib","level":"info","timestamp":"⟪ts⟫","data":{"method":"GET","url":"https://api.telegram.org/bot⟪!tgbot⟫/getUpdates","status_code":409,"reason":"Conflict"}}
""",
)
_T(
    F,
    "sentry_extra_config",
    r"""
"extra": {"sys.argv": ["manage.py", "sync_billing"], "settings": {"AWS_S3_BUCKET": "invoices-⟪env⟫", "AWS_SECRET_ACCESS_KEY": "⟪!aws_secret|json⟫", "REGION": "⟪region⟫"}}
""",
)
_T(
    F,
    "sentry_exception_value",
    r"""
{"type":"OperationalError","value":"(psycopg2.OperationalError) connection to server at \"⟪host⟫\" (⟪ip⟫), port 5432 failed: FATAL:  password authentication failed for user \"app\"\n[SQL: dsn=host=⟪host⟫ user=app password=⟪!pw|json⟫ dbname=⟪db⟫]","module":"psycopg2"}
""",
)
_T(
    F,
    "sentry_frame_vars",
    r"""
"vars": {"self": "<SlackNotifier object at 0x7f3c9a1b2d90>", "token": "'⟪!xoxb⟫'", "channel": "'#⟪team⟫-alerts'", "retries": "3"}
""",
)
_T(
    F,
    "sentry_query_string",
    r"""
"query_string": [["reset_token", "⟪!b64u_32⟫"], ["email", "⟪email⟫"], ["next", "/dashboard"]],
""",
)
_T(
    F,
    "sentry_request_data_form",
    r"""
"data": {"username": "⟪user⟫", "password": "⟪!pw|json⟫", "remember_me": "on"},
""",
)
_T(
    F,
    "sentry_breadcrumb_sql",
    r"""
{"category":"query","message":"CREATE USER 'exporter'@'%' IDENTIFIED BY '⟪!pws⟫' WITH MAX_USER_CONNECTIONS 3","type":"default","timestamp":⟪epoch⟫.⟪n3⟫}
""",
)

# --- Sentry configuration / SDK setup -------------------------------------------
F = "sentry_config"
_T(
    F,
    "sentry_sdk_init_dsn",
    r"""
sentry_sdk.init(
    dsn="https://⟪!hex32⟫@o⟪n6⟫.ingest.us.sentry.io/⟪n7⟫",
    traces_sample_rate=0.2,
    environment="⟪env⟫",
)
""",
)
_T(
    F,
    "sentry_dsn_env",
    r"""
SENTRY_DSN=https://⟪!hex32⟫@sentry.⟪domain⟫/⟪n2⟫
SENTRY_ENVIRONMENT=⟪env⟫
""",
)
_T(
    F,
    "sentry_cli_auth_token",
    r"""
$ SENTRY_AUTH_TOKEN=⟪!sntrys⟫ sentry-cli releases new -p ⟪svc⟫ "⟪svc⟫@1.⟪n2⟫.0"
Created release ⟪svc⟫@1.⟪n2⟫.0
""",
)
_T(
    F,
    "sentry_clirc_user_token",
    r"""
[auth]
token=⟪!sntryu⟫

[defaults]
org=⟪team⟫
""",
)
_T(
    F,
    "sentry_relay_credentials",
    r"""
{
  "secret_key": "⟪!b64u_32⟫",
  "public_key": "⟪fhex32⟫",
  "id": "⟪fuid⟫"
}
""",
)
_T(
    F,
    "sentry_api_curl_bearer",
    r"""
curl -H 'Authorization: Bearer ⟪!sntryu⟫' "https://sentry.io/api/0/projects/⟪team⟫/⟪svc⟫/issues/?query=is:unresolved"
""",
)
_T(
    F,
    "sentry_integration_client_secret",
    r"""
SENTRY_SLACK_CLIENT_ID=⟪n10⟫.⟪n10⟫
SENTRY_SLACK_CLIENT_SECRET=⟪!hex32⟫
SENTRY_SLACK_SIGNING_SECRET=⟪!hex32⟫
""",
)

# --- OpenTelemetry spans ------------------------------------------------------------
F = "otel_spans"
_T(
    F,
    "otel_span_auth_header",
    r"""
{"traceId":"⟪fhex32⟫","spanId":"⟪fhex16⟫","name":"GET /api/v2/accounts","kind":2,"attributes":[{"key":"http.request.method","value":{"stringValue":"GET"}},{"key":"http.request.header.authorization","value":{"arrayValue":{"values":[{"stringValue":"Bearer ⟪!jwt⟫"}]}}}]}
""",
)
_T(
    F,
    "otel_span_db_statement",
    r"""
{"key":"db.statement","value":{"stringValue":"ALTER USER reporting WITH PASSWORD '⟪!pw⟫' VALID UNTIL '2027-01-01'"}},
""",
)
_T(
    F,
    "otel_span_db_connection_string",
    r"""
        "db.system": "mssql",
        "db.connection_string": "Server=tcp:⟪host⟫.database.windows.net,1433;Initial Catalog=⟪db⟫;User ID=appuser;Password=⟪!pws⟫;Encrypt=True;",
""",
)
_T(
    F,
    "otel_span_url_full",
    r"""
Span #3  Trace ID: ⟪fhex32⟫  Parent ID: ⟪fhex16⟫
    -> url.full: Str(https://hooks.⟪domain⟫/callback?sig=⟪!b64u_32⟫&expires=⟪epoch⟫)
    -> http.response.status_code: Int(403)
""",
)
_T(
    F,
    "otel_span_cookie_header",
    r"""
"http.request.header.cookie": ["grafana_session=⟪!hex32⟫; grafana_session_expiry=⟪epoch⟫"],
""",
)
_T(
    F,
    "otel_collector_exporter_headers",
    r"""
exporters:
  otlphttp/honeycomb:
    endpoint: https://api.honeycomb.io
    headers:
      x-honeycomb-team: ⟪!b62_32⟫
  otlp/newrelic:
    endpoint: otlp.eu01.nr-data.net:4317
    headers:
      api-key: ⟪!nrlic⟫
""",
)
_T(
    F,
    "otel_span_event_exception",
    r"""
Events:
SpanEvent #0
     -> Name: exception
     -> Attributes::
          -> exception.type: Str(redis.exceptions.AuthenticationError)
          -> exception.message: Str(invalid password for redis://default:⟪!pwu⟫@⟪host⟫:6379/0)
""",
)
_T(
    F,
    "otel_exporter_env_headers",
    r"""
OTEL_EXPORTER_OTLP_ENDPOINT=https://otlp-gateway-prod-eu-west-2.grafana.net/otlp
OTEL_EXPORTER_OTLP_HEADERS=Authorization=Basic%20⟪!pw|basic⟫
OTEL_RESOURCE_ATTRIBUTES=service.name=⟪svc⟫,deployment.environment=⟪env⟫
""",
)
_T(
    F,
    "otel_span_rpc_metadata",
    r"""
{"name":"grpc.payments.v1.Ledger/Post","attributes":{"rpc.system":"grpc","rpc.grpc.request.metadata.x-api-key":["⟪!b62_40⟫"],"rpc.grpc.status_code":16}}
""",
)
_T(
    F,
    "otel_debug_exporter_header",
    r"""
     -> http.request.header.x-api-key: Slice(["⟪!hex32⟫"])
     -> http.request.header.user-agent: Slice(["Go-http-client/1.1"])
""",
)

# --- OpenTelemetry log records, log pipelines ---------------------------------------
F = "otel_logs"
_T(
    F,
    "otlp_json_log_record_body",
    r"""
{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"⟪svc⟫"}}]},"scopeLogs":[{"logRecords":[{"timeUnixNano":"⟪epoch⟫⟪n6⟫000","severityText":"WARN","body":{"stringValue":"retrying login for ⟪user⟫ with password=⟪!pw|json⟫"},"traceId":"⟪fhex32⟫","spanId":"⟪fhex16⟫"}]}]}]}
""",
)
_T(
    F,
    "otel_log_exception_stacktrace",
    r"""
LogRecord #0
ObservedTimestamp: ⟪tsl⟫ +0000 UTC
SeverityText: ERROR
Body: Str(stripe charge failed)
Attributes:
     -> exception.stacktrace: Str(stripe.error.AuthenticationError: Invalid API Key provided: ⟪!sk_live⟫\n  File "/app/billing/charge.py", line 88, in charge)
""",
)
_T(
    F,
    "otlp_log_attr_token",
    r"""
{"key":"http.request.header.x-gitlab-token","value":{"stringValue":"⟪!glpat⟫"}},
""",
)
_T(
    F,
    "otel_collector_export_error",
    r"""
⟪ts⟫	error	exporterhelper/queue_sender.go:92	Exporting failed. Dropping data.	{"kind": "exporter", "data_type": "logs", "name": "loki", "error": "Permanent error: Post \"https://⟪n6⟫:⟪!glc⟫@logs-prod-012.grafana.net/loki/api/v1/push\": 401 Unauthorized", "dropped_items": 87}
""",
)
_T(
    F,
    "loki_logcli_output",
    r"""
⟪ts⟫ {app="⟪svc⟫", namespace="⟪ns⟫"} level=info msg="connecting to broker" url=amqps://⟪user⟫:⟪!pwu⟫@mq.⟪domain⟫:5671/prod
""",
)
_T(
    F,
    "loki_push_curl_basic",
    r"""
curl -u "⟪n6⟫:⟪!glc⟫" -H "Content-Type: application/json" -XPOST https://logs-prod-eu-west-0.grafana.net/loki/api/v1/push --data-raw '{"streams":[{"stream":{"job":"incident-test"},"values":[["⟪epoch⟫000000000","hello"]]}]}'
""",
)
_T(
    F,
    "fluentbit_http_output",
    r"""
[OUTPUT]
    Name        http
    Match       kube.*
    Host        logs.⟪domain⟫
    Port        443
    tls         On
    http_User   fluentbit
    http_Passwd ⟪!pws⟫
""",
)
_T(
    F,
    "vector_sink_auth",
    r"""
[sinks.es_out]
type = "elasticsearch"
endpoints = ["https://es.⟪domain⟫:9200"]
auth.strategy = "basic"
auth.user = "vector"
auth.password = "⟪!pw⟫"
""",
)

# --- Jaeger / Zipkin / Tempo ----------------------------------------------------------
F = "jaeger_zipkin"
_T(
    F,
    "jaeger_span_tags_url",
    r"""
{"traceID":"⟪fhex32⟫","spanID":"⟪fhex16⟫","operationName":"HTTP GET","tags":[{"key":"http.url","type":"string","value":"https://maps.googleapis.com/maps/api/geocode/json?address=Main+St&key=⟪!aiza⟫"},{"key":"http.status_code","type":"int64","value":200}]}
""",
)
_T(
    F,
    "jaeger_span_logs_sql",
    r"""
"logs":[{"timestamp":⟪epoch⟫⟪n6⟫,"fields":[{"key":"event","type":"string","value":"query"},{"key":"db.statement","type":"string","value":"INSERT INTO api_clients (name, secret) VALUES ('⟪svc⟫', '⟪!hex40⟫')"}]}]
""",
)
_T(
    F,
    "zipkin_span_auth_header",
    r"""
[{"traceId":"⟪fhex16⟫","id":"⟪fhex16⟫","kind":"SERVER","name":"post /webhook","timestamp":⟪epoch⟫⟪n6⟫,"duration":4213,"localEndpoint":{"serviceName":"⟪svc⟫"},"tags":{"http.header.authorization":"Basic ⟪!pw|basic⟫","http.path":"/webhook"}}]
""",
)
_T(
    F,
    "zipkin_span_sql_query",
    r"""
"tags": {"sql.query": "SET PASSWORD FOR 'backup'@'localhost' = '⟪!pws⟫'", "peer.service": "mysql"}
""",
)
_T(
    F,
    "jaeger_query_cmdline",
    r"""
root  ⟪n4⟫  0.3  1.1 /go/bin/query-linux --es.server-urls=https://es.⟪domain⟫:9200 --es.username=jaeger --es.password=⟪!pws⟫ --query.base-path=/jaeger
""",
)
_T(
    F,
    "tempo_storage_s3",
    r"""
storage:
  trace:
    backend: s3
    s3:
      bucket: tempo-⟪cluster⟫
      endpoint: minio.⟪domain⟫:9000
      access_key: tempo
      secret_key: ⟪!pwsu⟫
""",
)
_T(
    F,
    "jaeger_collector_kafka_sasl",
    r"""
SPAN_STORAGE_TYPE=kafka
KAFKA_PRODUCER_BROKERS=kafka-0.⟪domain⟫:9093
KAFKA_PRODUCER_AUTHENTICATION=plaintext
KAFKA_PRODUCER_PLAINTEXT_USERNAME=jaeger
KAFKA_PRODUCER_PLAINTEXT_PASSWORD=⟪!pw⟫
""",
)

# --- Elastic / OpenSearch ----------------------------------------------------------------
F = "elastic_opensearch"
_T(
    F,
    "es_watcher_webhook_auth",
    r"""
"actions": {"notify_itsm": {"webhook": {"scheme": "https", "host": "itsm.⟪domain⟫", "port": 443, "method": "post", "path": "/api/now/table/incident", "auth": {"basic": {"username": "es_watcher", "password": "⟪!pw⟫"}}}}}
""",
)
_T(
    F,
    "kibana_connector_secrets",
    r"""
POST kbn:/api/actions/connector
{"name":"pagerduty-⟪team⟫","connector_type_id":".pagerduty","config":{"apiUrl":"https://events.pagerduty.com/v2/enqueue"},"secrets":{"routingKey":"⟪!hex32⟫"}}
""",
)
_T(
    F,
    "es_apikey_header",
    r"""
curl -H "Authorization: ApiKey ⟪!esapikey⟫" "https://⟪cluster⟫.es.⟪region⟫.aws.found.io:9243/logs-*/_search?size=5"
""",
)
_T(
    F,
    "es_alert_doc_reason",
    r"""
{"_index":".internal.alerts-security.alerts-default-000001","_id":"⟪fhex40⟫","_source":{"kibana.alert.rule.name":"Credential in process args","kibana.alert.reason":"process event with process /usr/bin/curl, parent process bash, by ⟪user⟫ on ⟪host⟫ created high alert: curl -u admin:⟪!pw⟫ https://⟪host⟫:9200/_cluster/health","@timestamp":"⟪ts⟫"}}
""",
)
_T(
    F,
    "opensearch_destination_webhook",
    r"""
{"destination":{"name":"teams-noc","type":"custom_webhook","custom_webhook":{"url":"https://hooks.⟪domain⟫/os","header_params":{"Content-Type":"application/json","X-Auth-Token":"⟪!b62_48⟫"},"method":"POST"}}}
""",
)
_T(
    F,
    "filebeat_output_es",
    r"""
output.elasticsearch:
  hosts: ["https://es01.⟪domain⟫:9200"]
  username: "filebeat_writer"
  password: "⟪!pw⟫"
  ssl.certificate_authorities: ["/etc/pki/ca.crt"]
""",
)
_T(
    F,
    "es_reset_password_output",
    r"""
$ bin/elasticsearch-reset-password -u elastic -b
Password for the [elastic] user successfully reset.
New value: ⟪!b62_20⟫
""",
)
_T(
    F,
    "es_enrollment_token",
    r"""
$ bin/elasticsearch-create-enrollment-token -s kibana
⟪!esenroll⟫
""",
)
_T(
    F,
    "es_detection_process_args",
    r"""
"process": {"name": "mysqldump", "args": ["mysqldump", "-h", "⟪host⟫", "-u", "root", "--password=⟪!pw⟫", "⟪db⟫"], "pid": ⟪n5⟫},
""",
)
_T(
    F,
    "opensearch_dashboards_yml",
    r"""
opensearch.hosts: [https://opensearch.⟪domain⟫:9200]
opensearch.username: kibanaserver
opensearch.password: ⟪!pws⟫
""",
)

# --- Splunk ------------------------------------------------------------------------------
F = "splunk"
_T(
    F,
    "splunk_hec_curl",
    r"""
curl -k https://hec.⟪domain⟫:8088/services/collector/event -H "Authorization: Splunk ⟪!uuidup⟫" -d '{"event": "incident test", "sourcetype": "manual"}'
""",
)
_T(
    F,
    "splunk_search_result_raw",
    r"""
{"preview":false,"offset":0,"result":{"_time":"⟪ts⟫","host":"⟪host⟫","source":"/var/log/app/⟪svc⟫.log","_raw":"⟪tsl⟫ ERROR SmtpClient auth failed user=alerts@⟪domain⟫ pass=⟪!pw|json⟫"}}
""",
)
_T(
    F,
    "splunk_alert_action_webhook",
    r"""
action.webhook = 1
action.webhook.param.url = https://st2.⟪domain⟫/api/v1/webhooks/splunk?st2-api-key=⟪!st2key⟫
""",
)
_T(
    F,
    "splunk_inputs_conf_hec",
    r"""
[http://k8s-logs]
disabled = 0
token = ⟪!uuidup⟫
index = k8s
""",
)
_T(
    F,
    "splunk_rest_login_session",
    r"""
$ curl -k https://⟪host⟫:8089/services/auth/login -d username=admin -d password='⟪!pw⟫'
<response>
  <sessionKey>⟪!hex32⟫</sessionKey>
</response>
""",
)
_T(
    F,
    "splunk_alert_actions_conf_email",
    r"""
[email]
mailserver = smtp.⟪domain⟫:587
use_tls = 1
auth_username = splunk-alerts
auth_password = ⟪!pw⟫
""",
)
_T(
    F,
    "splunk_cli_auth",
    r"""
/opt/splunk/bin/splunk search 'index=_internal log_level=ERROR earliest=-15m' -auth admin:⟪!pw⟫ -maxout 20
""",
)
_T(
    F,
    "splunk_results_csv",
    r"""
_time,host,user,cmdline
"⟪tsl⟫",⟪host⟫,⟪user⟫,"sshpass -p '⟪!pw⟫' ssh root@⟪ip⟫ systemctl restart nginx"
""",
)
_T(
    F,
    "splunk_soar_asset",
    r"""
curl -ks -H "ph-auth-token: ⟪!b64_32⟫" https://soar.⟪domain⟫/rest/container?_filter_status=%22new%22
""",
)
_T(
    F,
    "splunk_outputs_conf_ssl",
    r"""
[tcpout:indexers]
server = idx1.⟪domain⟫:9997, idx2.⟪domain⟫:9997
sslPassword = ⟪!pw⟫
clientCert = $SPLUNK_HOME/etc/auth/client.pem
""",
)

# --- SIEM detections -------------------------------------------------------------------------
F = "siem_detection"
_T(
    F,
    "sentinel_incident_cmdline",
    r"""
{"properties":{"title":"Suspicious credential use","severity":"High","status":"New","incidentNumber":⟪n5⟫,"additionalData":{"alertsCount":1},"description":"CommandLine: net use \\\\⟪host⟫\\c$ /user:CORP\\⟪user⟫ ⟪!pw⟫"}}
""",
)
_T(
    F,
    "crowdstrike_detection_net_user",
    r"""
Detection: CredentialAccess / NetUserAdd  Host: ⟪host⟫  User: CORP\⟪user⟫
CommandLine: "C:\Windows\system32\net.exe" user svc_backup ⟪!pw⟫ /add /domain
""",
)
_T(
    F,
    "sigma_match_process_cmd",
    r"""
{"rule":"proc_creation_lnx_mysql_password_cli","level":"medium","event":{"process.command_line":"mysql -h ⟪host⟫ -uroot -p⟪!pw⟫ -e 'show databases'","host.name":"⟪host⟫","user.name":"⟪user⟫"}}
""",
)
_T(
    F,
    "wazuh_alert_full_log",
    r"""
{"timestamp":"⟪ts⟫","rule":{"level":10,"description":"sudo command with password argument","id":"100210"},"agent":{"id":"0⟪n2⟫","name":"⟪host⟫"},"full_log":"⟪tsl⟫ ⟪host⟫ sudo: ⟪user⟫ : TTY=pts/0 ; PWD=/home/⟪user⟫ ; USER=root ; COMMAND=/usr/bin/htpasswd -b /etc/nginx/.htpasswd admin ⟪!pw⟫"}
""",
)
_T(
    F,
    "siem_aws_configure_cmdline",
    r"""
ProcessCommandLine: aws configure set aws_secret_access_key ⟪!aws_secret⟫ --profile ⟪env⟫
""",
)
_T(
    F,
    "qradar_offense_payload_basic",
    r"""
Payload: GET /manager/html HTTP/1.1\r\nHost: ⟪host⟫:8080\r\nAuthorization: Basic ⟪!pw|basic⟫\r\nUser-Agent: curl/8.5.0\r\n\r\n
""",
)
_T(
    F,
    "chronicle_udm_target_url",
    r"""
target { url: "https://files.⟪domain⟫/share/download?file=export.csv&auth_token=⟪!b64u_32⟫" }
""",
)
_T(
    F,
    "elastic_security_curl_user",
    r"""
host.name: ⟪host⟫ | process.command_line: curl -sku elastic:⟪!pw⟫ -XDELETE https://localhost:9200/logs-old-*
""",
)
_T(
    F,
    "defender_hunting_sqlcmd",
    r"""
Timestamp	DeviceName	AccountName	ProcessCommandLine
⟪ts⟫	⟪host⟫	⟪user⟫	sqlcmd -S ⟪host⟫ -U sa -P "⟪!pws⟫" -Q "BACKUP DATABASE [⟪db⟫] TO DISK='D:\bak\x.bak'"
""",
)

# --- StackStorm executions ----------------------------------------------------------
F = "stackstorm_execution"
_T(
    F,
    "st2_execution_get_table",
    r"""
$ st2 execution get ⟪fhex24⟫
id: ⟪fhex24⟫
action.ref: ops.reset_db_user
context.user: ⟪user⟫
parameters:
  db_host: ⟪host⟫
  new_password: ⟪!pw⟫
status: succeeded (3s elapsed)
""",
)
_T(
    F,
    "st2_execution_result_stdout",
    r"""
result:
  ⟪host⟫:
    failed: false
    return_code: 0
    stderr: ''
    stdout: 'export VAULT_TOKEN=⟪!hvs⟫'
    succeeded: true
""",
)
_T(
    F,
    "st2_orquesta_context",
    r"""
{"id":"⟪fhex24⟫","action":{"ref":"remediation.restart_service"},"context":{"orquesta":{"workflow_execution_id":"⟪fhex24⟫"},"user":"st2admin"},"parameters":{"api_token":"⟪!b62_40⟫","service":"⟪svc⟫"},"status":"running","start_timestamp":"⟪ts⟫"}
""",
)
_T(
    F,
    "st2_execution_stderr_auth",
    r"""
    stderr: "mysql: [Warning] Using a password on the command line interface can be insecure.\nERROR 1045 (28000): Access denied for user 'root'@'⟪ip⟫' (using password: YES)"
    stdout: ''
    cmd: mysql -h ⟪host⟫ -uroot -p'⟪!pw⟫' -e 'FLUSH HOSTS'
""",
)
_T(
    F,
    "st2_actionrunner_log",
    r"""
⟪tsl⟫,⟪n3⟫ INFO [-] Launching action execution. (execution_id='⟪fhex24⟫',action_ref='linux.ssh_cmd',runner='remote-shell-cmd',parameters={'hosts': '⟪host⟫', 'username': 'stanley', 'password': '⟪!pw⟫', 'cmd': 'df -h'})
""",
)
_T(
    F,
    "st2_run_core_remote",
    r"""
$ st2 run core.remote hosts=⟪host⟫ cmd="PGPASSWORD=⟪!pws⟫ psql -h ⟪host⟫ -U postgres -c 'select pg_terminate_backend(pid) from pg_stat_activity where state = \'idle in transaction\''"
""",
)
_T(
    F,
    "st2_core_http_headers",
    r"""
parameters:
  url: https://api.github.com/repos/⟪team⟫/⟪repo⟫/dispatches
  method: POST
  headers:
    Authorization: token ⟪!ghp⟫
    Accept: application/vnd.github+json
""",
)
_T(
    F,
    "st2_webhook_post_apikey",
    r"""
curl -sk -X POST https://st2.⟪domain⟫/api/v1/webhooks/sample -H "St2-Api-Key: ⟪!st2key⟫" -H "Content-Type: application/json" --data '{"key1": "value1"}'
""",
)
_T(
    F,
    "st2_execution_get_json",
    r"""
{"id": "⟪fhex24⟫", "action": {"ref": "aws.ec2_run_instances"}, "parameters": {"aws_secret_access_key": "⟪!aws_secret|json⟫", "region": "⟪region⟫", "instance_type": "t3.large"}, "status": "failed", "log": [{"status": "requested", "timestamp": "⟪ts⟫"}]}
""",
)

# --- StackStorm configuration: datastore, packs, rules ----------------------------------
F = "stackstorm_config"
_T(
    F,
    "st2_key_set_cli",
    r"""
$ st2 key set ⟪svc⟫_db_password '⟪!pw⟫' --encrypt
+------------------+---------------------------+
| Property         | Value                     |
+------------------+---------------------------+
| name             | ⟪svc⟫_db_password         |
| secret           | True                      |
""",
)
_T(
    F,
    "st2_key_list_decrypt",
    r"""
$ st2 key list --decrypt --scope=system
| name               | value                        | secret | encrypted | scope  |
| slack_bot_token    | ⟪!xoxb⟫ | True   | False     | st2kv.system |
""",
)
_T(
    F,
    "st2_pack_config_slack",
    r"""
# /opt/stackstorm/configs/slack.yaml
post_message_action:
  webhook_url: "https://hooks.slack.com/services/T0⟪fup7⟫/B0⟪fup7⟫/⟪!slackhook⟫"
sensor:
  token: "⟪!xoxb⟫"
""",
)
_T(
    F,
    "st2_rule_criteria_token",
    r"""
criteria:
  trigger.headers['X-Alert-Token']:
    type: equals
    pattern: "⟪!b62_32⟫"
  trigger.body.status:
    type: equals
    pattern: firing
""",
)
_T(
    F,
    "st2_action_metadata_default",
    r"""
parameters:
  vcenter_password:
    type: string
    secret: true
    default: "⟪!pw⟫"
""",
)
_T(
    F,
    "st2_conf_database",
    r"""
[database]
host = mongodb://⟪host⟫:27017
db_name = st2
username = st2
password = ⟪!pws⟫
""",
)
_T(
    F,
    "st2_apikey_create",
    r"""
$ st2 apikey create -k -m '{"used_by": "alertmanager"}'
⟪!st2key⟫
""",
)
_T(
    F,
    "st2_auth_token",
    r"""
$ st2 auth st2admin -p '⟪!pw⟫'
+----------+----------------------------------+
| Property | Value                            |
+----------+----------------------------------+
| user     | st2admin                         |
| token    | ⟪!hex32⟫ |
| expiry   | ⟪ts⟫      |
""",
)

# --- AWX / Ansible Tower job events -------------------------------------------------------
F = "awx_job_events"
_T(
    F,
    "awx_event_module_args_password",
    r"""
{"id":⟪n7⟫,"type":"job_event","event":"runner_on_ok","counter":14,"uuid":"⟪fuid⟫","job":⟪n6⟫,"host_name":"⟪host⟫","event_data":{"task":"create db user","res":{"changed":true,"invocation":{"module_args":{"name":"app","password":"⟪!pw|json⟫","login_host":"⟪host⟫","state":"present"}}}}}
""",
)
_T(
    F,
    "awx_event_stdout_msg",
    r"""
{"event":"runner_on_ok","stdout":"ok: [⟪host⟫] => {\n    \"msg\": \"cluster join token: ⟪!kubeadm⟫\"\n}","start_line":41,"end_line":44}
""",
)
_T(
    F,
    "awx_event_uri_headers",
    r"""
"module_args": {"url": "https://api.cloudflare.com/client/v4/zones/⟪fhex32⟫/purge_cache", "method": "POST", "headers": {"Authorization": "Bearer ⟪!cftoken⟫"}, "body_format": "json", "status_code": [200]}
""",
)
_T(
    F,
    "awx_job_extra_vars_escaped",
    r"""
{"id":⟪n6⟫,"name":"patch-⟪env⟫","status":"failed","extra_vars":"{\"target\": \"⟪host⟫\", \"vault_pass\": \"⟪!pw|jj⟫\", \"reboot\": true}","job_explanation":""}
""",
)
_T(
    F,
    "awx_credential_post_body",
    r"""
POST /api/v2/credentials/ {"name":"⟪host⟫ ssh","credential_type":1,"organization":1,"inputs":{"username":"ansible","password":"⟪!pw|json⟫","become_method":"sudo","become_password":"⟪!pws|json⟫"}}
""",
)
_T(
    F,
    "awx_launch_curl_bearer",
    r"""
curl -s -X POST -H "Authorization: Bearer ⟪!b62_30⟫" -H "Content-Type: application/json" https://awx.⟪domain⟫/api/v2/job_templates/⟪n2⟫/launch/ -d '{"limit": "⟪host⟫"}'
""",
)
_T(
    F,
    "awx_event_mysql_user",
    r"""
        "res": {"changed": false, "msg": "User exists", "invocation": {"module_args": {"login_user": "root", "login_password": "⟪!pw⟫", "name": "exporter", "password": "⟪!pws⟫", "priv": "*.*:PROCESS,REPLICATION CLIENT"}}},
""",
)
_T(
    F,
    "awx_event_failed_msg_dsn",
    r"""
"event_data": {"task": "wait for db", "res": {"failed": true, "msg": "Unable to connect to database: could not connect to postgresql://awx:⟪!pwu⟫@⟪host⟫:5432/awx", "elapsed": 300}}
""",
)
_T(
    F,
    "awx_inventory_host_vars",
    r"""
{"id":⟪n3⟫,"name":"⟪host⟫","variables":"ansible_host: ⟪ip⟫\nansible_user: Administrator\nansible_password: ⟪!pw⟫\nansible_connection: winrm"}
""",
)

# --- Ansible callback output ---------------------------------------------------------
F = "ansible_output"
_T(
    F,
    "ansible_json_callback_become",
    r"""
"hosts": {"⟪host⟫": {"_ansible_no_log": false, "ansible_facts": {"ansible_become_pass": "⟪!pw⟫"}, "changed": false}}
""",
)
_T(
    F,
    "ansible_verbose_invocation",
    r"""
changed: [⟪host⟫] => {"changed": true, "invocation": {"module_args": {"name": "grafana", "password": "⟪!pw⟫", "update_password": "always", "role_attr_flags": "LOGIN"}}, "user": "grafana"}
""",
)
_T(
    F,
    "ansible_debug_var",
    r"""
TASK [debug db creds] **********************************************************
ok: [⟪host⟫] => {
    "db_creds": {
        "password": "⟪!pws⟫",
        "username": "app_rw"
    }
}
""",
)
_T(
    F,
    "ansible_vault_pass_echo",
    r"""
$ cat ~/.vault_pass.txt
⟪!phrase⟫
$ ansible-playbook -i inventories/⟪env⟫ site.yml --vault-password-file ~/.vault_pass.txt
""",
)
_T(
    F,
    "ansible_inventory_ini",
    r"""
[windows]
⟪host⟫ ansible_host=⟪ip⟫ ansible_user=Administrator ansible_password=⟪!pw⟫ ansible_connection=winrm
[linux:vars]
ansible_become_password=⟪!pws⟫
""",
)
_T(
    F,
    "ansible_yaml_callback",
    r"""
ok: [⟪host⟫] =>
  msg:
    api_token: ⟪!dop⟫
    region: ams3
""",
)
_T(
    F,
    "ansible_uri_failure",
    r"""
fatal: [localhost]: FAILED! => {"changed": false, "content": "", "elapsed": 0, "msg": "Status code was 401 and not [200]: HTTP Error 401: Unauthorized", "status": 401, "url": "https://admin:⟪!pwu⟫@rabbitmq.⟪domain⟫:15672/api/queues"}
""",
)
_T(
    F,
    "ansible_command_argv",
    r"""
"cmd": ["psql", "postgresql://postgres:⟪!pwu⟫@⟪host⟫/postgres", "-c", "VACUUM ANALYZE"], "rc": 0, "stderr": "",
""",
)
_T(
    F,
    "ansible_runner_env_extravars",
    r"""
$ cat artifacts/⟪fuid⟫/env/extravars
---
smtp_password: '⟪!pw⟫'
vcenter_password: '⟪!pws⟫'
""",
)

# --- Rundeck ----------------------------------------------------------------------------
F = "rundeck"
_T(
    F,
    "rundeck_job_yaml_option",
    r"""
- defaultTab: output
  name: rotate-⟪svc⟫-cache
  options:
  - name: redis_password
    value: ⟪!pws⟫
    secure: false
  sequence:
    commands:
    - exec: redis-cli -a ${option.redis_password} FLUSHALL
""",
)
_T(
    F,
    "rundeck_exec_log_line",
    r"""
⟪hhmm⟫:⟪n2⟫	⟪host⟫	1. Command	sudo -S <<< '⟪!pw⟫' systemctl restart ⟪svc⟫
""",
)
_T(
    F,
    "rundeck_api_token_curl",
    r"""
curl -H "X-Rundeck-Auth-Token: ⟪!b62_32⟫" -H "Accept: application/json" "https://rundeck.⟪domain⟫/api/45/project/ops/executions/running"
""",
)
_T(
    F,
    "rundeck_key_storage_upload",
    r"""
curl -X POST -H "X-Rundeck-Auth-Token: ⟪!b62_32⟫" -H "Content-Type: application/x-rundeck-data-password" --data-binary '⟪!pw⟫' https://rundeck.⟪domain⟫/api/11/storage/keys/ops/⟪host⟫.password
""",
)
_T(
    F,
    "rundeck_framework_properties",
    r"""
framework.server.username = admin
framework.server.password = ⟪!pw⟫
framework.server.url = https://rundeck.⟪domain⟫
""",
)
_T(
    F,
    "rundeck_exec_output_json",
    r"""
{"id":⟪n6⟫,"entries":[{"time":"⟪hhmm⟫:11","level":"NORMAL","log":"Connecting with: mongosh \"mongodb://admin:⟪!pwu⟫@⟪host⟫:27017/admin?authSource=admin\"","node":"⟪host⟫"}],"execState":"running"}
""",
)
_T(
    F,
    "rundeck_webhook_url",
    r"""
Webhook URL: https://rundeck.⟪domain⟫/api/45/webhook/⟪!b62_32⟫#alertmanager-restart
""",
)
_T(
    F,
    "rundeck_realm_properties",
    r"""
admin:⟪!pw⟫,user,admin
⟪user⟫:⟪!pws⟫,user
""",
)

# --- Jenkins job logs -----------------------------------------------------------------
F = "jenkins"
_T(
    F,
    "jenkins_console_curl_user_token",
    r"""
[Pipeline] sh
+ curl -sf -u ⟪user⟫:⟪!jenkins⟫ https://jenkins.⟪domain⟫/job/remediate-disk/buildWithParameters?HOST=⟪host⟫
""",
)
_T(
    F,
    "jenkins_console_env_dump",
    r"""
+ printenv | sort
BUILD_NUMBER=⟪n4⟫
DOCKER_REGISTRY_PASSWORD=⟪!pws⟫
GIT_BRANCH=origin/main
""",
)
_T(
    F,
    "jenkins_docker_login_argv",
    r"""
[Pipeline] sh
+ docker login -u ci-bot -p ⟪!dckr⟫ registry-1.docker.io
WARNING! Using --password via the CLI is insecure. Use --password-stdin.
Login Succeeded
""",
)
_T(
    F,
    "jenkins_casc_secret_text",
    r"""
credentials:
  system:
    domainCredentials:
      - credentials:
          - string:
              id: "pagerduty-events"
              scope: GLOBAL
              secret: "⟪!hex32⟫"
""",
)
_T(
    F,
    "jenkins_script_console_println",
    r"""
Result: [⟪user⟫-ssh] ⟪user⟫ : ⟪!pw⟫
[svc-artifactory] deployer : ⟪!pws⟫
""",
)
_T(
    F,
    "jenkins_remote_trigger_token",
    r"""
curl -X POST "https://jenkins.⟪domain⟫/job/rollback-⟪svc⟫/build?token=⟪!b62_32⟫&cause=alert+⟪alert⟫"
""",
)
_T(
    F,
    "jenkins_cli_auth",
    r"""
java -jar jenkins-cli.jar -s https://jenkins.⟪domain⟫/ -auth ⟪user⟫:⟪!jenkins⟫ build restart-⟪svc⟫ -p ENV=⟪env⟫ -f
""",
)
_T(
    F,
    "jenkins_helm_set_password",
    r"""
+ helm upgrade --install ⟪svc⟫ charts/⟪svc⟫ -n ⟪ns⟫ --set postgresql.auth.password=⟪!pws⟫ --set image.tag=⟪fhex8⟫
""",
)
_T(
    F,
    "jenkins_masked_but_encoded",
    r"""
+ git clone https://ci-bot:****@git.⟪domain⟫/ops/⟪repo⟫.git
+ curl -s "https://nexus.⟪domain⟫/service/rest/v1/search?repository=raw&user=ci-bot&pass=⟪!pw|pct⟫"
""",
)

# --- GitHub Actions logs ---------------------------------------------------------------
F = "github_actions"
_T(
    F,
    "gha_git_remote_token",
    r"""
⟪ts⟫ [command]/usr/bin/git remote set-url origin https://x-access-token:⟪!ghs⟫@github.com/⟪team⟫/⟪repo⟫
""",
)
_T(
    F,
    "gha_env_base64_leak",
    r"""
⟪ts⟫ KUBECONFIG_B64: ⟪!pws|b64⟫
⟪ts⟫ Run kubectl rollout restart deploy/⟪svc⟫ -n ⟪ns⟫
""",
)
_T(
    F,
    "gha_workflow_hardcoded",
    r"""
    env:
      SLACK_WEBHOOK: https://hooks.slack.com/services/T0⟪fup7⟫/B0⟪fup7⟫/⟪!slackhook⟫
      GH_TOKEN: ⟪!ghp⟫
""",
)
_T(
    F,
    "gha_curl_token_header",
    r"""
⟪ts⟫ + curl -sSf -H 'Authorization: token ⟪!ghpat⟫' https://api.github.com/repos/⟪team⟫/⟪repo⟫/actions/runs?status=failure
""",
)
_T(
    F,
    "gha_runner_config",
    r"""
$ ./config.sh --url https://github.com/⟪team⟫ --token ⟪!ghrunner⟫ --name ⟪host⟫ --labels self-hosted,remediation --unattended
""",
)
_T(
    F,
    "gha_npmrc_token",
    r"""
⟪ts⟫ + echo "//registry.npmjs.org/:_authToken=⟪!npm⟫" > ~/.npmrc
""",
)
_T(
    F,
    "gha_aws_configure",
    r"""
⟪ts⟫ + aws configure set aws_access_key_id AKIA⟪fup7⟫⟪fup7⟫XY
⟪ts⟫ + aws configure set aws_secret_access_key ⟪!aws_secret⟫
⟪ts⟫ + aws configure set aws_session_token ⟪!aws_session⟫
""",
)
_T(
    F,
    "gha_runtime_token_debug",
    r"""
##[debug]Evaluating: env.ACTIONS_RUNTIME_TOKEN
##[debug]Result: '⟪!jwt⟫'
""",
)
_T(
    F,
    "gha_terraform_output_leak",
    r"""
⟪ts⟫ Outputs:
⟪ts⟫ db_admin_password = "⟪!pws⟫"
⟪ts⟫ db_endpoint = "⟪db⟫.cluster-⟪fhex12⟫.⟪region⟫.rds.amazonaws.com"
""",
)

# --- GitLab CI logs ---------------------------------------------------------------------
F = "gitlab_ci"
_T(
    F,
    "glci_clone_url_token",
    r"""
$ git push https://oauth2:⟪!glpat⟫@gitlab.⟪domain⟫/ops/⟪repo⟫.git HEAD:hotfix/⟪alert⟫
""",
)
_T(
    F,
    "glci_yaml_variables",
    r"""
variables:
  DB_URL: "postgres://deployer:⟪!pwu⟫@⟪host⟫:5432/⟪db⟫"
  SENTRY_AUTH_TOKEN: "⟪!sntryu⟫"
""",
)
_T(
    F,
    "glrunner_register_cmd",
    r"""
sudo gitlab-runner register --non-interactive --url https://gitlab.⟪domain⟫/ --registration-token ⟪!glreg⟫ --executor docker --docker-image alpine:3.20
""",
)
_T(
    F,
    "glrunner_config_toml",
    r"""
[[runners]]
  name = "⟪host⟫"
  url = "https://gitlab.⟪domain⟫/"
  token = "⟪!glrt⟫"
  executor = "kubernetes"
""",
)
_T(
    F,
    "glci_trigger_curl",
    r"""
curl -X POST --fail -F token=⟪!glptt⟫ -F ref=main -F "variables[TARGET]=⟪host⟫" https://gitlab.⟪domain⟫/api/v4/projects/⟪n3⟫/trigger/pipeline
""",
)
_T(
    F,
    "glci_pgpassword_log",
    r"""
$ PGPASSWORD=⟪!pws⟫ pg_restore -h ⟪host⟫ -U postgres -d ⟪db⟫ --clean backup.dump
pg_restore: warning: errors ignored on restore: 2
""",
)
_T(
    F,
    "glci_deploy_token_login",
    r"""
$ echo "⟪!gldt#a⟫" | docker login registry.⟪domain⟫ -u gitlab+deploy-token-⟪n2⟫ --password-stdin  # token: ⟪!gldt#a⟫
""",
)
_T(
    F,
    "glci_kubectl_token",
    r"""
$ kubectl --server=https://⟪cluster⟫.⟪domain⟫:6443 --token=⟪!jwt⟫ -n ⟪ns⟫ rollout undo deploy/⟪svc⟫
deployment.apps/⟪svc⟫ rolled back
""",
)

# --- Terraform Cloud / Terraform runs ---------------------------------------------------
F = "terraform"
_T(
    F,
    "tfc_notification_config_token",
    r"""
{"data":{"type":"notification-configurations","attributes":{"destination-type":"generic","enabled":true,"name":"incident-bot","token":"⟪!b62_32⟫","triggers":["run:errored","run:needs_attention"],"url":"https://bot.⟪domain⟫/tfc"}}}
""",
)
_T(
    F,
    "tfc_credentials_tfrc",
    r"""
{
  "credentials": {
    "app.terraform.io": {
      "token": "⟪!atlasv1⟫"
    }
  }
}
""",
)
_T(
    F,
    "tfc_api_curl",
    r"""
curl --header "Authorization: Bearer ⟪!atlasv1⟫" --header "Content-Type: application/vnd.api+json" https://app.terraform.io/api/v2/workspaces/ws-⟪fhex16⟫/runs
""",
)
_T(
    F,
    "tf_plan_unmarked_sensitive",
    r"""
  # kubernetes_secret.grafana will be created
  + resource "kubernetes_secret" "grafana" {
      + data = {
          + "admin-password" = "⟪!pw⟫"
        }
""",
)
_T(
    F,
    "tf_state_attributes",
    r"""
          "attributes": {
            "id": "⟪svc⟫-ci",
            "secret": "⟪!aws_secret⟫",
            "ses_smtp_password_v4": "⟪!sesmtp⟫",
            "status": "Active",
""",
)
_T(
    F,
    "tf_auto_tfvars",
    r"""
datadog_api_key = "⟪!hex32⟫"
datadog_app_key = "⟪!hex40⟫"
opsgenie_api_key = "⟪!uuid⟫"
""",
)
_T(
    F,
    "tf_apply_error_url",
    r"""
│ Error: error connecting to "postgres://tf_admin:⟪!pwu⟫@⟪host⟫:5432/postgres?sslmode=require": dial tcp ⟪ip⟫:5432: connect: connection timed out
│
│   with postgresql_role.readonly,
""",
)
_T(
    F,
    "tfc_run_task_payload",
    r"""
{"payload_version":1,"access_token":"⟪!atlasv1⟫","stage":"post_plan","is_speculative":false,"task_result_id":"taskrs-⟪fhex16⟫","task_result_callback_url":"https://app.terraform.io/api/v2/task-results/taskrs-⟪fhex16⟫/callback","run_id":"run-⟪fhex16⟫","workspace_name":"⟪env⟫-network"}
""",
)

# --- ServiceNow ------------------------------------------------------------------------
F = "servicenow"
_T(
    F,
    "snow_incident_work_notes",
    r"""
{"result":{"number":"INC0⟪n6⟫","sys_id":"⟪fhex32⟫","short_description":"⟪svc⟫ login failures","work_notes":"⟪tsl⟫ - ⟪person⟫ (Work notes)\nReset svc account, temporary password: ⟪!pw|json⟫ - user must change at next logon","state":"2"}}
""",
)
_T(
    F,
    "snow_api_curl_basic",
    r"""
curl "https://⟪team⟫.service-now.com/api/now/table/incident?sysparm_limit=5" --request GET --header "Accept:application/json" --user 'integration.user':'⟪!pw⟫'
""",
)
_T(
    F,
    "snow_oauth_token_request",
    r"""
POST https://⟪team⟫.service-now.com/oauth_token.do
grant_type=password&client_id=⟪fhex32⟫&client_secret=⟪!pwsu⟫&username=alert.bridge&password=⟪!pw|pct⟫
""",
)
_T(
    F,
    "snow_change_record_script",
    r"""
Implementation plan (CHG0⟪n6⟫):
1. ssh ops@⟪host⟫
2. sudo -u postgres psql -c "ALTER ROLE billing PASSWORD '⟪!pws⟫';"
3. update k8s secret and restart ⟪svc⟫
""",
)
_T(
    F,
    "snow_em_event_additional_info",
    r"""
{"source":"Prometheus","node":"⟪host⟫","type":"⟪alert⟫","severity":"1","additional_info":"{\"runbook\":\"https://wiki.⟪domain⟫/x\",\"webhook\":\"https://hooks.slack.com/services/T0⟪fup7⟫/B0⟪fup7⟫/⟪!slackhook⟫\"}"}
""",
)
_T(
    F,
    "snow_mid_server_config",
    r"""
<parameter name="url" value="https://⟪team⟫.service-now.com/"/>
<parameter name="mid.instance.username" value="mid.server"/>
<parameter name="mid.instance.password" value="⟪!pw|html⟫"/>
""",
)
_T(
    F,
    "snow_apikey_header",
    r"""
curl -H "x-sn-apikey: ⟪!b62_32⟫" -H "Content-Type: application/json" -d @event.json https://⟪team⟫.service-now.com/api/global/em/jsonv2
""",
)
_T(
    F,
    "snow_table_custom_field",
    r"""
{"result":[{"name":"⟪svc⟫ integration","u_endpoint":"https://partner.⟪domain⟫/v1","u_api_key":"⟪!b62_40⟫","sys_id":"⟪fhex32⟫"}]}
""",
)
_T(
    F,
    "snow_incident_email_comment",
    r"""
Incident INC0⟪n6⟫ -- comment added by ⟪person⟫:
"Could you try the shared mailbox again? I set its password to ⟪!pw⟫ for now."
""",
)

# --- Jira ------------------------------------------------------------------------------
F = "jira"
_T(
    F,
    "jira_issue_description",
    r"""
{"key":"OPS-⟪n4⟫","fields":{"summary":"⟪alert⟫ on ⟪host⟫","description":"h3. Repro\n{noformat}\nmongosh \"mongodb+srv://admin:⟪!pwu⟫@cluster0.⟪fhex8⟫.mongodb.net/⟪db⟫\"\n{noformat}","priority":{"name":"Highest"}}}
""",
)
_T(
    F,
    "jira_api_curl_cloud_token",
    r"""
curl -s -u ⟪email⟫:⟪!atatt⟫ -H "Accept: application/json" "https://⟪team⟫.atlassian.net/rest/api/3/search?jql=project=OPS+AND+status=Open"
""",
)
_T(
    F,
    "jira_dc_pat_bearer",
    r"""
curl -H "Authorization: Bearer ⟪!jirapat⟫" https://jira.⟪domain⟫/rest/api/2/issue/INFRA-⟪n4⟫/comment
""",
)
_T(
    F,
    "jira_adf_comment",
    r"""
{"body":{"type":"doc","version":1,"content":[{"type":"paragraph","content":[{"type":"text","text":"new vpn pre-shared key: "},{"type":"text","text":"⟪!b62_24⟫","marks":[{"type":"code"}]}]}]}}
""",
)
_T(
    F,
    "jira_automation_webhook_url",
    r"""
Incoming webhook for rule "Create incident from Alertmanager": https://api-private.atlassian.com/automation/webhooks/jira/a/⟪fuid⟫/⟪fuid⟫?token=⟪!hex40⟫
""",
)
_T(
    F,
    "jira_wiki_code_block",
    r"""
{code:bash}
export VAULT_ADDR=https://vault.⟪domain⟫
export VAULT_TOKEN=⟪!hvslong⟫
vault kv get secret/⟪svc⟫
{code}
""",
)
_T(
    F,
    "jira_cli_env",
    r"""
export JIRA_API_TOKEN=⟪!atatt⟫
jira issue create -tIncident -s"⟪alert⟫" -yHighest --no-input
""",
)
_T(
    F,
    "jira_changelog_item",
    r"""
{"field":"Environment","fieldtype":"jira","from":null,"fromString":null,"to":null,"toString":"Staging admin: admin / ⟪!pw|json⟫"}
""",
)

# --- Zendesk ---------------------------------------------------------------------------
F = "zendesk"
_T(
    F,
    "zd_ticket_comment_body",
    r"""
{"ticket":{"id":⟪n6⟫,"subject":"Cannot log in after outage","comment":{"body":"Hi, I reset your account. Your temporary password is ⟪!pw|json⟫ — please change it after login.","public":true}}}
""",
)
_T(
    F,
    "zd_api_curl_token",
    r"""
curl https://⟪team⟫.zendesk.com/api/v2/tickets.json -u ⟪email⟫/token:⟪!b62_40⟫
""",
)
_T(
    F,
    "zd_api_basic_header",
    r"""
Authorization: Basic ⟪!b62_40|basic⟫
""",
)
_T(
    F,
    "zd_oauth_bearer",
    r"""
curl -H "Authorization: Bearer ⟪!hex64⟫" https://⟪team⟫.zendesk.com/api/v2/incremental/tickets/cursor.json?start_time=⟪epoch⟫
""",
)
_T(
    F,
    "zd_webhook_signing_secret",
    r"""
{"signing_secret":{"algorithm":"SHA256","secret":"⟪!b62_40⟫"}}
""",
)
_T(
    F,
    "zd_ticket_email_reset_link",
    r"""
Please use this link to set your password: https://⟪team⟫.zendesk.com/access/reset_password/⟪!b62_48⟫?locale=en-us
""",
)
_T(
    F,
    "zd_url_target_password",
    r"""
{"target":{"type":"url_target_v2","title":"notify ops","target_url":"https://ops.⟪domain⟫/zd","method":"post","username":"zendesk","password":"⟪!pw⟫"}}
""",
)

# --- Slack --------------------------------------------------------------------------------
F = "slack"
_T(
    F,
    "slack_incoming_webhook_curl",
    r"""
curl -X POST -H 'Content-type: application/json' --data '{"text":"⟪alert⟫ resolved on ⟪host⟫"}' https://hooks.slack.com/services/T0⟪fup7⟫/B0⟪fup7⟫/⟪!slackhook⟫
""",
)
_T(
    F,
    "slack_block_kit_code",
    r"""
{"channel":"C0⟪fup7⟫AB","blocks":[{"type":"section","text":{"type":"mrkdwn","text":"*⟪alert⟫* fixed. Used:\n```redis-cli -h ⟪host⟫ -a ⟪!pws⟫ DEL lock:⟪svc⟫```"}},{"type":"context","elements":[{"type":"mrkdwn","text":"by <@U0⟪fup7⟫>"}]}]}
""",
)
_T(
    F,
    "slack_chat_post_message_header",
    r"""
POST https://slack.com/api/chat.postMessage
Authorization: Bearer ⟪!xoxb⟫
Content-type: application/json; charset=utf-8
""",
)
_T(
    F,
    "slack_socket_mode_env",
    r"""
SLACK_APP_TOKEN=⟪!xapp⟫
SLACK_BOT_TOKEN=⟪!xoxb⟫
""",
)
_T(
    F,
    "slack_events_api_payload",
    r"""
{"token":"⟪fup7⟫","team_id":"T0⟪fup7⟫","event":{"type":"message","user":"U0⟪fup7⟫","text":"here is the readonly grafana login: viewer / ⟪!pw|json⟫","ts":"⟪epoch⟫.⟪n6⟫","channel":"C0⟪fup7⟫"},"type":"event_callback","event_id":"Ev0⟪fup7⟫"}
""",
)
_T(
    F,
    "slack_user_token_script",
    r"""
SLACK_USER_TOKEN = "⟪!xoxp⟫"  # TODO move to vault
resp = requests.get("https://slack.com/api/conversations.history", params={"channel": CHANNEL}, headers={"Authorization": f"Bearer {SLACK_USER_TOKEN}"})
""",
)
_T(
    F,
    "slack_signing_secret_env",
    r"""
SLACK_SIGNING_SECRET=⟪!hex32⟫
SLACK_CLIENT_SECRET=⟪!hex32⟫
""",
)
_T(
    F,
    "slack_legacy_attachment_fields",
    r"""
{"attachments":[{"color":"danger","title":"⟪alert⟫","fields":[{"title":"host","value":"⟪host⟫","short":true},{"title":"basic auth","value":"metrics:⟪!pw⟫","short":true}]}]}
""",
)
_T(
    F,
    "slack_bolt_debug_headers",
    r"""
DEBUG:slack_sdk.web.base_client:Sending a request - url: https://slack.com/api/auth.test, query_params: {}, body_params: {}, files: {}, json_body: None, headers: {'Content-Type': 'application/x-www-form-urlencoded', 'Authorization': '(redacted)', 'User-Agent': 'Bolt/1.18.1'}
ERROR:slack_bolt.App:Failed to find bot installation data for enterprise: none, team: T0⟪fup7⟫: invalid_auth token=⟪!xoxb⟫
""",
)
_T(
    F,
    "slack_export_message_text",
    r"""
{"type":"message","user":"U0⟪fup7⟫","text":"old webhook was leaked, new one is https:\/\/hooks.slack.com\/services\/T0⟪fup7⟫\/B0⟪fup7⟫\/⟪!slackhook⟫","ts":"⟪epoch⟫.⟪n6⟫"}
""",
)

# --- Microsoft Teams ----------------------------------------------------------------------
F = "msteams"
_T(
    F,
    "teams_incoming_webhook_url",
    r"""
Invoke-RestMethod -Method Post -ContentType 'application/json' -Body $json -Uri 'https://⟪team⟫.webhook.office.com/webhookb2/⟪fuid⟫@⟪fuid⟫/IncomingWebhook/⟪!hex32⟫/⟪fuid⟫'
""",
)
_T(
    F,
    "teams_adaptive_card_factset",
    r"""
{"type":"message","attachments":[{"contentType":"application/vnd.microsoft.card.adaptive","content":{"type":"AdaptiveCard","version":"1.4","body":[{"type":"TextBlock","text":"⟪alert⟫ mitigated"},{"type":"FactSet","facts":[{"title":"Host","value":"⟪host⟫"},{"title":"Temp admin pw","value":"⟪!pw|json⟫"}]}]}}]}
""",
)
_T(
    F,
    "teams_workflow_url_sig",
    r"""
https://prod-⟪n2⟫.westeurope.logic.azure.com:443/workflows/⟪fhex32⟫/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=⟪!b64u_32⟫
""",
)
_T(
    F,
    "teams_bot_appsettings",
    r"""
{
  "MicrosoftAppType": "SingleTenant",
  "MicrosoftAppId": "⟪fuid⟫",
  "MicrosoftAppPassword": "⟪!azsecret⟫",
  "MicrosoftAppTenantId": "⟪fuid⟫"
}
""",
)
_T(
    F,
    "teams_message_card_action",
    r"""
"potentialAction": [{"@type": "OpenUri", "name": "Acknowledge", "targets": [{"os": "default", "uri": "https://ack.⟪domain⟫/a/⟪fuid⟫?key=⟪!b62_32⟫"}]}]
""",
)
_T(
    F,
    "teams_graph_bearer",
    r"""
curl -X POST https://graph.microsoft.com/v1.0/teams/⟪fuid⟫/channels/19:⟪fhex32⟫@thread.tacv2/messages -H "Authorization: Bearer ⟪!jwt⟫" -H "Content-Type: application/json" -d @msg.json
""",
)
_T(
    F,
    "teams_chat_export_text",
    r"""
[⟪tsl⟫] ⟪person⟫: the SQL sa password on ⟪host⟫ got reset to ⟪!pw⟫ by the vendor, can someone rotate it?
""",
)

# --- Mattermost / Discord / Telegram / Rocket.Chat -----------------------------------------
F = "chatops_webhooks"
_T(
    F,
    "mm_incoming_webhook",
    r"""
curl -i -X POST -H 'Content-Type: application/json' -d '{"channel": "town-square", "text": "⟪alert⟫ firing"}' https://mattermost.⟪domain⟫/hooks/⟪!low26⟫
""",
)
_T(
    F,
    "mm_bot_token",
    r"""
MM_BOT_TOKEN=⟪!low26#a⟫ mmctl --local post create ops --message "deploy of ⟪svc⟫ rolled back"
curl -H 'Authorization: Bearer ⟪!low26#a⟫' https://mattermost.⟪domain⟫/api/v4/users/me
""",
)
_T(
    F,
    "mm_slash_command_payload",
    r"""
channel_id=⟪low26⟫&command=%2Fincident&team_domain=ops&text=declare+sev2&token=⟪!low26⟫&user_name=⟪user⟫
""",
)
_T(
    F,
    "discord_webhook_url",
    r"""
DISCORD_WEBHOOK_URL="https://discord.com/api/webhooks/1⟪n10⟫⟪n8⟫/⟪!discordhook⟫"
""",
)
_T(
    F,
    "discord_bot_token",
    r"""
client.run("⟪!discordbot⟫")  # incident-bot
""",
)
_T(
    F,
    "discord_embed_field",
    r"""
{"embeds":[{"title":"⟪alert⟫","color":15158332,"fields":[{"name":"Host","value":"⟪host⟫","inline":true},{"name":"RCON password","value":"`⟪!pw⟫`","inline":true}]}]}
""",
)
_T(
    F,
    "telegram_send_message_url",
    r"""
wget -qO- "https://api.telegram.org/bot⟪!tgbot⟫/sendMessage?chat_id=-100⟪n10⟫&text=⟪alert⟫%20on%20⟪host⟫"
""",
)
_T(
    F,
    "rocketchat_webhook",
    r"""
https://chat.⟪domain⟫/hooks/⟪b62_16⟫/⟪!b62_48⟫
""",
)

# --- E-mail notifications and mail plumbing --------------------------------------------------
F = "email_notifications"
_T(
    F,
    "email_alert_plain_body",
    r"""
From: alertmanager@⟪domain#d⟫
To: ⟪team⟫-oncall@⟪domain#d⟫
Subject: [FIRING:1] ⟪alert⟫ (⟪host⟫ critical)

Labels:
 - alertname = ⟪alert⟫
Annotations:
 - description = SMTP relay rejects auth for user relay@⟪domain#d⟫ with password ⟪!pw⟫
""",
)
_T(
    F,
    "email_smtp_auth_plain_log",
    r"""
<<< 250-AUTH PLAIN LOGIN
>>> AUTH PLAIN ⟪!pw|plain⟫
<<< 235 2.7.0 Authentication successful
""",
)
_T(
    F,
    "email_msmtprc",
    r"""
account alerts
host smtp.⟪domain⟫
port 587
auth on
user alerts@⟪domain⟫
password ⟪!pw⟫
""",
)
_T(
    F,
    "email_postfix_sasl_passwd",
    r"""
[email-smtp.⟪region⟫.amazonaws.com]:587 AKIA⟪fup7⟫⟪fup7⟫QQ:⟪!sesmtp⟫
""",
)
_T(
    F,
    "email_html_reset_link",
    r"""
<p>Hello ⟪person⟫,</p><p>Your on-call tool password was reset. <a href="https://oncall.⟪domain⟫/reset?token=⟪!b64u_32⟫&amp;uid=⟪n5⟫">Set a new password</a></p>
""",
)
_T(
    F,
    "email_html_escaped_password",
    r"""
<tr><td>Service account</td><td>svc-backup</td></tr><tr><td>Password</td><td><code>⟪!pwamp|html⟫</code></td></tr>
""",
)
_T(
    F,
    "email_mailgun_api",
    r"""
curl -s --user 'api:⟪!mailgun⟫' https://api.eu.mailgun.net/v3/mg.⟪domain⟫/messages -F from='NOC <noc@⟪domain⟫>' -F to=⟪email⟫ -F subject='⟪alert⟫' -F text='see dashboard'
""",
)
_T(
    F,
    "email_sendgrid_env",
    r"""
SENDGRID_API_KEY=⟪!sg⟫
ALERT_FROM=alerts@⟪domain⟫
""",
)
_T(
    F,
    "email_forwarded_thread",
    r"""
> On ⟪tsl⟫, ⟪person⟫ <⟪email⟫> wrote:
> > The vendor portal login for the SAN is admin / ⟪!pw⟫ — keep it in the ticket only.
> Thanks, logging in now.
""",
)

# --- Status pages and uptime monitors -----------------------------------------------------
F = "statuspage_uptime"
_T(
    F,
    "statuspage_api_oauth",
    r"""
curl https://api.statuspage.io/v1/pages/⟪b62_12⟫/incidents -H "Authorization: OAuth ⟪!uuid⟫" -X POST -d "incident[name]=Degraded ⟪svc⟫" -d "incident[status]=investigating"
""",
)
_T(
    F,
    "statuspage_incident_update_body",
    r"""
{"incident":{"name":"Login issues","status":"identified","body":"We identified the issue. Internal note: restored from backup using key ⟪!age⟫","components":{}}}
""",
)
_T(
    F,
    "cachet_api_token",
    r"""
curl -X POST https://status.⟪domain⟫/api/v1/incidents -H "X-Cachet-Token: ⟪!b62_20⟫" -d name="⟪alert⟫" -d status=2 -d visible=1
""",
)
_T(
    F,
    "betterstack_heartbeat",
    r"""
0 * * * * /opt/backup/run.sh && curl -fsS https://uptime.betterstack.com/api/v1/heartbeat/⟪!b62_24⟫
""",
)
_T(
    F,
    "uptime_kuma_push",
    r"""
curl -fsS "https://status.⟪domain⟫/api/push/⟪!b62_10⟫?status=up&msg=OK&ping="
""",
)
_T(
    F,
    "healthchecks_ping",
    r"""
curl -m 10 --retry 5 https://hc-ping.com/⟪!uuid⟫/fail --data-raw "$(tail -n 20 /var/log/backup.log)"
""",
)
_T(
    F,
    "uptimerobot_api_key",
    r"""
curl -X POST https://api.uptimerobot.com/v2/getMonitors -d "api_key=⟪!uptimerobot⟫&format=json&logs=1"
""",
)

# --- Runbooks in Markdown ------------------------------------------------------------
F = "runbook_markdown"
_T(
    F,
    "rb_md_psql",
    r"""
## Failover ⟪db⟫
```bash
export PGPASSWORD='⟪!pws⟫'
psql -h ⟪host⟫ -U postgres -c "SELECT pg_promote();"
```
""",
)
_T(
    F,
    "rb_md_vault_login",
    r"""
3. Log in to Vault with the break-glass token (only during SEV1):
   `vault login ⟪!hvs⟫`
""",
)
_T(
    F,
    "rb_md_redis_cli",
    r"""
| Step | Command |
|------|---------|
| Flush stuck locks | `redis-cli -h ⟪host⟫ -a ⟪!pws⟫ --scan --pattern 'lock:*' \| xargs redis-cli DEL` |
""",
)
_T(
    F,
    "rb_md_kubectl_secret",
    r"""
```sh
kubectl -n ⟪ns⟫ create secret generic ⟪svc⟫-db --from-literal=username=app --from-literal=password='⟪!pw⟫' --dry-run=client -o yaml | kubectl apply -f -
```
""",
)
_T(
    F,
    "rb_md_aws_creds",
    r"""
> **Emergency IAM user** (use only if SSO is down)
> - Access key: `AKIA⟪fup7⟫⟪fup7⟫ZZ`
> - Secret: `⟪!aws_secret⟫`
""",
)
_T(
    F,
    "rb_md_break_glass",
    r"""
### Break-glass
Console: https://⟪host⟫.⟪domain⟫/ilo  user `Administrator`  password `⟪!pw⟫`
""",
)
_T(
    F,
    "rb_md_rabbitmq",
    r"""
- Reset the app user: `rabbitmqctl change_password ⟪svc⟫ '⟪!pwsu⟫'`
- Erlang cookie (must match on all nodes): `⟪!rabbitcookie⟫`
""",
)
_T(
    F,
    "rb_md_mysql",
    r"""
```
mysql -h ⟪host⟫ -u root --password='⟪!pws⟫' -e "SET GLOBAL read_only = OFF;"
```
""",
)
_T(
    F,
    "rb_md_curl_bearer",
    r"""
Trigger a resync: `curl -X POST -H 'Authorization: Bearer ⟪!b64u_32⟫' https://⟪svc⟫.internal/admin/resync`
""",
)

# --- Confluence storage format --------------------------------------------------------
F = "confluence"
_T(
    F,
    "conf_code_macro_cdata",
    r"""
<ac:structured-macro ac:name="code" ac:schema-version="1"><ac:parameter ac:name="language">bash</ac:parameter><ac:plain-text-body><![CDATA[export DD_API_KEY=⟪!hex32⟫
datadog-agent status]]></ac:plain-text-body></ac:structured-macro>
""",
)
_T(
    F,
    "conf_table_credentials",
    r"""
<table><tbody><tr><th>System</th><th>User</th><th>Password</th></tr><tr><td>iDRAC ⟪host⟫</td><td>root</td><td>⟪!pw|html⟫</td></tr></tbody></table>
""",
)
_T(
    F,
    "conf_html_escaped_amp",
    r"""
<p>Shared mailbox <strong>noc@⟪domain⟫</strong> password: <code>⟪!pwamp|html⟫</code></p>
""",
)
_T(
    F,
    "conf_rest_body_storage_json",
    r"""
{"id":"⟪n10⟫","type":"page","title":"⟪svc⟫ runbook","body":{"storage":{"value":"<p>API token for the partner portal: <code>⟪!b62_40⟫</code></p>","representation":"storage"}}}
""",
)
_T(
    F,
    "conf_info_macro",
    r"""
<ac:structured-macro ac:name="info"><ac:rich-text-body><p>Wi-Fi in the DC cage (SSID ops-⟪n3⟫): ⟪!phrase_sp⟫</p></ac:rich-text-body></ac:structured-macro>
""",
)
_T(
    F,
    "conf_expand_macro_env",
    r"""
<ac:structured-macro ac:name="expand"><ac:parameter ac:name="title">env for ⟪svc⟫</ac:parameter><ac:rich-text-body><pre>STRIPE_SECRET_KEY=⟪!sk_live⟫
STRIPE_WEBHOOK_SECRET=⟪!whsec⟫</pre></ac:rich-text-body></ac:structured-macro>
""",
)
_T(
    F,
    "conf_lt_gt_escaped",
    r"""
<p>LDAP bind for the monitoring user: <code>cn=mon,ou=svc</code> / <code>⟪!pwlt|html⟫</code></p>
""",
)

# --- Post-incident reviews ------------------------------------------------------------
F = "postmortem"
_T(
    F,
    "pir_timeline_leaked_key",
    r"""
| ⟪hhmm⟫ UTC | GitHub secret scanning flagged `⟪!ghp⟫` in ⟪repo⟫ (commit ⟪fhex8⟫) |
| ⟪hhmm⟫ UTC | Token revoked by ⟪person⟫ |
""",
)
_T(
    F,
    "pir_root_cause_dsn",
    r"""
Root cause: the ⟪svc⟫ config map contained `DATABASE_URL=postgres://app:⟪!pwu⟫@⟪host⟫/⟪db⟫`, which was printed by the startup banner into the shared logging index.
""",
)
_T(
    F,
    "pir_action_items",
    r"""
- [ ] Rotate the Datadog API key ⟪!hex32⟫ that appeared in the incident channel (owner: ⟪person⟫)
- [ ] Remove hard-coded Opsgenie key from alert-relay
""",
)
_T(
    F,
    "pir_impact_quote_log",
    r"""
The failing requests logged the full header, e.g.:
    ⟪tsl⟫ WARN auth: rejected header "Authorization: Basic ⟪!pw|basic⟫" from ⟪ip⟫
""",
)
_T(
    F,
    "pir_five_whys",
    r"""
3. Why could the attacker call the API? The Stripe restricted key (⟪!rk_live⟫) was in a public gist.
""",
)
_T(
    F,
    "pir_detection_section",
    r"""
Detection: CloudTrail showed GetCallerIdentity from an unknown ASN with the session token starting ⟪!aws_session⟫ (full token attached for AWS support case).
""",
)
_T(
    F,
    "pir_lessons_sendgrid",
    r"""
What went well: SendGrid auto-revoked `⟪!sg⟫` within 4 minutes of the public push.
""",
)
_T(
    F,
    "pir_summary_vault",
    r"""
Summary: During recovery we unsealed vault-0 with key shares ⟪!b64_32⟫ and ⟪!b64_32⟫; those shares must be re-keyed.
""",
)

# --- LLM prompts and responses quoting logs ----------------------------------------------
F = "llm_transcripts"
_T(
    F,
    "llm_openai_request_json",
    r"""
{"model":"gpt-4o","messages":[{"role":"system","content":"You are an SRE assistant."},{"role":"user","content":"Why does this fail?\n⟪tsl⟫ ERROR redis: AUTH failed for redis://:⟪!pwu|json⟫@⟪host⟫:6379"}]}
""",
)
_T(
    F,
    "llm_openai_auth_header",
    r"""
POST https://api.openai.com/v1/chat/completions
Authorization: Bearer ⟪!openai⟫
Content-Type: application/json
""",
)
_T(
    F,
    "llm_anthropic_header",
    r"""
curl https://api.anthropic.com/v1/messages -H "x-api-key: ⟪!anthropic⟫" -H "anthropic-version: 2023-06-01" -H "content-type: application/json" -d @prompt.json
""",
)
_T(
    F,
    "llm_assistant_response_quote",
    r"""
Assistant: The 401 comes from the Grafana API. Your script sends `Authorization: Bearer ⟪!glsa⟫`, but that service account was disabled at ⟪hhmm⟫. Create a new token and update the secret.
""",
)
_T(
    F,
    "llm_tool_call_args",
    r"""
{"role":"assistant","tool_calls":[{"id":"call_⟪b62_16⟫","type":"function","function":{"name":"run_sql","arguments":"{\"dsn\": \"mysql://root:⟪!pwu|jj⟫@⟪host⟫/⟪db⟫\", \"query\": \"SHOW PROCESSLIST\"}"}}]}
""",
)
_T(
    F,
    "llm_tool_result_env",
    r"""
{"role":"tool","tool_call_id":"call_⟪b62_16⟫","content":"PAGERDUTY_ROUTING_KEY=⟪!hex32⟫\nOPSGENIE_KEY=⟪!uuid⟫\nLOG_LEVEL=debug"}
""",
)
_T(
    F,
    "llm_prompt_markdown_logs",
    r"""
User: summarize the incident from these logs
```
⟪ts⟫ level=error msg="vault login failed" token=⟪!hvs⟫
⟪ts⟫ level=info msg="falling back to static credentials"
```
""",
)
_T(
    F,
    "llm_chat_transcript_plain",
    r"""
>>> paste: mongodb://ops:⟪!pwu⟫@⟪host⟫:27017/?replicaSet=rs0 -- why is the election looping?
The election loops because rs0 has two members with equal priority...
""",
)
_T(
    F,
    "llm_anthropic_messages_body",
    r"""
{"model":"claude-sonnet-4","max_tokens":1024,"messages":[{"role":"user","content":[{"type":"text","text":"st2 execution failed:\nparameters: {\"api_key\": \"⟪!b62_40|jj⟫\"}"}]}]}
""",
)

# --- Human on-call chat, English ---------------------------------------------------------
F = "chat_english"
_T(
    F,
    "chat_en_grafana_admin",
    r"""
[⟪hhmm⟫] ⟪person#a⟫: anyone have grafana admin? dashboards are read-only for me
[⟪hhmm⟫] ⟪person⟫: admin / ⟪!pw⟫ — don't tell security lol
[⟪hhmm⟫] ⟪person#a⟫: thx
""",
)
_T(
    F,
    "chat_en_temp_github_token",
    r"""
⟪person⟫: use my token for now ⟪!ghp⟫ I'll revoke it once the bot is fixed
""",
)
_T(
    F,
    "chat_en_irc_ilo",
    r"""
<⟪user⟫> ilo on ⟪host⟫ still answers, root pw is ⟪!pw⟫
<⟪user⟫> in, power cycling now
""",
)
_T(
    F,
    "chat_en_export_key",
    r"""
⟪person⟫: just run `export DATADOG_API_KEY=⟪!hex32⟫` before the script, the env file is broken
""",
)
_T(
    F,
    "chat_en_wifi_passphrase",
    r"""
[⟪hhmm⟫] ⟪person⟫: what's the wifi in the war room?
[⟪hhmm⟫] ⟪person⟫: ⟪!phrase_sp⟫
""",
)
_T(
    F,
    "chat_en_gpg_passphrase",
    r"""
⟪person⟫: the passphrase for the release signing key is ⟪!phrase⟫ (it's in 1password too)
""",
)
_T(
    F,
    "chat_en_pd_routing_key",
    r"""
⟪person⟫: routing key for the new ⟪svc⟫ service in PD: ⟪!hex32⟫ — add it to the alertmanager secret pls
""",
)
_T(
    F,
    "chat_en_recovery_codes",
    r"""
⟪person⟫: shared ops 2FA recovery codes, use one and cross it out: ⟪!recovery⟫ ⟪!recovery⟫ ⟪!recovery⟫
""",
)
_T(
    F,
    "chat_en_totp_seed",
    r"""
⟪person⟫: TOTP seed for the registrar account so you can add it to your app: ⟪!b32_32⟫
""",
)
_T(
    F,
    "chat_en_npm_token_oops",
    r"""
⟪person⟫: ugh I pasted ⟪!npm⟫ in #general by accident, rotating now
⟪person⟫: 👍 thanks for flagging
""",
)
_T(
    F,
    "chat_en_password_backticks",
    r"""
⟪person⟫: careful copying it, it's exactly `⟪!pws⟫` no trailing space
""",
)

# --- Human on-call chat, European languages -------------------------------------------------
F = "chat_europe"
_T(
    F,
    "chat_nl_backup",
    r"""
[⟪hhmm⟫] ⟪person⟫: het wachtwoord van de backup-server is ⟪!pw⟫, niet doorsturen aub
""",
)
_T(
    F,
    "chat_pl_zabbix",
    r"""
⟪person⟫: hasło do panelu Zabbixa to ⟪!pw⟫, zmień je po incydencie
""",
)
_T(
    F,
    "chat_cs_db",
    r"""
⟪person⟫: heslo k databázi ⟪db⟫ je ⟪!pw⟫, po incidentu ho změníme
""",
)
_T(
    F,
    "chat_hu_monitoring",
    r"""
⟪person⟫: a monitoring fiók jelszava: ⟪!pw⟫ (holnap cseréljük)
""",
)
_T(
    F,
    "chat_ro_service_account",
    r"""
⟪person⟫: parola pentru contul de serviciu este ⟪!pw⟫, o schimbăm mâine dimineață
""",
)
_T(
    F,
    "chat_el_grafana",
    r"""
⟪person⟫: ο κωδικός για το Grafana είναι ⟪!pw⟫, μην τον μοιραστείς πουθενά
""",
)
_T(
    F,
    "chat_de_pagerduty_token",
    r"""
⟪person⟫: Hier das Token für die PagerDuty-API: ⟪!pdapi⟫ – bitte nach dem Incident widerrufen
""",
)
_T(
    F,
    "chat_fr_bastion",
    r"""
⟪person⟫ : le mot de passe root du bastion est ⟪!pw⟫, je le change après l'incident
""",
)
_T(
    F,
    "chat_es_db_nonascii",
    r"""
⟪person⟫: la contraseña de la base de datos es ⟪!pwna⟫ (ojo con los acentos)
""",
)
_T(
    F,
    "chat_pt_rundeck",
    r"""
⟪person⟫: a senha do Rundeck é ⟪!pw⟫, troquem depois do incidente
""",
)
_T(
    F,
    "chat_sv_jenkins",
    r"""
⟪person⟫: lösenordet till Jenkins-admin är ⟪!pw⟫, byt det efter incidenten
""",
)
_T(
    F,
    "chat_fi_vpn",
    r"""
⟪person⟫: VPN-tunnelin jaettu avain on ⟪!b62_24⟫, vaihdetaan huomenna
""",
)
_T(
    F,
    "chat_no_snmp",
    r"""
⟪person⟫: SNMP-communityen på kjernesvitsjene er ⟪!snmp⟫
""",
)
_T(
    F,
    "chat_da_vpn_phrase",
    r"""
⟪person⟫: adgangskoden til VPN'en er "⟪!phrase_sp⟫"
""",
)
_T(
    F,
    "chat_uk_kibana",
    r"""
⟪person⟫: пароль до Kibana: ⟪!pw⟫, змінимо після інциденту
""",
)
_T(
    F,
    "chat_ru_gitlab",
    r"""
⟪person⟫: токен для GitLab — ⟪!glpat⟫, отзову после разбора
""",
)
_T(
    F,
    "chat_de_mixed_thread",
    r"""
[⟪hhmm⟫] ⟪person⟫: Kannst du mal das Sentry-Token prüfen? ⟪!sntryu⟫
[⟪hhmm⟫] ⟪person⟫: ist abgelaufen, neues kommt gleich
""",
)

# --- Human on-call chat, Asian languages ------------------------------------------------------
F = "chat_asia"
_T(
    F,
    "chat_ja_bastion",
    r"""
⟪person⟫: 踏み台のパスワードは ⟪!pw⟫ です。作業後に変更します。
""",
)
_T(
    F,
    "chat_ja_slack_token",
    r"""
⟪person⟫: Slackボットのトークン貼っておきます → ⟪!xoxb⟫
""",
)
_T(
    F,
    "chat_ja_fullwidth_colon",
    r"""
⟪person⟫: 管理画面のパスワード：⟪!pw⟫（全角コロンの後ろからコピーしてください）
""",
)
_T(
    F,
    "chat_ko_db",
    r"""
⟪person⟫: DB 비밀번호는 ⟪!pw⟫ 입니다. 장애 끝나면 바꿀게요
""",
)
_T(
    F,
    "chat_ko_grafana_token",
    r"""
⟪person⟫: 이 토큰으로 API 호출해 보세요 ⟪!glsa⟫
""",
)
_T(
    F,
    "chat_zh_redis",
    r"""
⟪person⟫：Redis 密码是 ⟪!pws⟫，用完记得改
""",
)
_T(
    F,
    "chat_zh_tw_apikey",
    r"""
⟪person⟫：Datadog API 金鑰：⟪!hex32⟫，事故結束後會更換
""",
)
_T(
    F,
    "chat_th_grafana",
    r"""
⟪person⟫: รหัสผ่านของ Grafana คือ ⟪!pw⟫ นะครับ ใช้เสร็จแล้วจะเปลี่ยน
""",
)
_T(
    F,
    "chat_vi_admin",
    r"""
⟪person⟫: mật khẩu của tài khoản admin là ⟪!pw⟫, đổi sau sự cố nhé
""",
)
_T(
    F,
    "chat_id_backup",
    r"""
⟪person⟫: kata sandi untuk server backup: ⟪!pw⟫, jangan disebar ya
""",
)
_T(
    F,
    "chat_fil_jump_host",
    r"""
⟪person⟫: ang password ng jump host ay ⟪!pw⟫, palitan natin mamaya pagkatapos ng incident
""",
)

# --- Human on-call chat, Middle East and Africa ---------------------------------------------
F = "chat_mea"
_T(
    F,
    "chat_tr_db",
    r"""
⟪person⟫: veritabanı şifresi ⟪!pw⟫, olaydan sonra değiştireceğiz
""",
)
_T(
    F,
    "chat_tr_opsgenie",
    r"""
⟪person⟫: Opsgenie API anahtarı: ⟪!uuid⟫ — kimseyle paylaşma
""",
)
_T(
    F,
    "chat_fa_server",
    r"""
⟪person⟫: رمز عبور سرور ⟪!pw⟫ است، بعد از حادثه عوضش می‌کنیم
""",
)
_T(
    F,
    "chat_he_backup",
    r"""
⟪person⟫: הסיסמה לשרת הגיבוי היא ⟪!pw⟫ , נחליף אחרי התקלה
""",
)
_T(
    F,
    "chat_he_datadog",
    r"""
⟪person⟫: המפתח של Datadog: ⟪!hex32⟫
""",
)
_T(
    F,
    "chat_sw_server",
    r"""
⟪person⟫: nenosiri la seva ni ⟪!pw⟫, tutalibadilisha baadaye
""",
)
_T(
    F,
    "chat_sw_github",
    r"""
⟪person⟫: tokeni ya GitHub ni ⟪!ghp⟫ — usiiweke kwenye repo
""",
)
_T(
    F,
    "chat_ar_monitoring",
    r"""
⟪person⟫: كلمة المرور لحساب المراقبة هي ⟪!pw⟫ ، سنغيرها بعد الحادث
""",
)

# --- Kubernetes objects and events seen during incidents --------------------------------------
F = "kubernetes"
_T(
    F,
    "k8s_get_secret_yaml",
    r"""
apiVersion: v1
data:
  password: ⟪!pws|b64⟫
  username: YXBw
kind: Secret
metadata:
  name: ⟪svc⟫-db
  namespace: ⟪ns⟫
""",
)
_T(
    F,
    "k8s_describe_pod_env",
    r"""
    Environment:
      SPRING_DATASOURCE_URL:       jdbc:postgresql://⟪host⟫:5432/⟪db⟫
      SPRING_DATASOURCE_PASSWORD:  ⟪!pw⟫
      JAVA_OPTS:                   -Xmx1g
""",
)
_T(
    F,
    "k8s_audit_request_object",
    r"""
{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","auditID":"⟪fuid⟫","verb":"create","user":{"username":"⟪email⟫"},"objectRef":{"resource":"secrets","namespace":"⟪ns⟫","name":"alertmanager-⟪team⟫"},"requestObject":{"kind":"Secret","stringData":{"slack_api_url":"https://hooks.slack.com/services/T0⟪fup7⟫/B0⟪fup7⟫/⟪!slackhook⟫"}}}
""",
)
_T(
    F,
    "k8s_helm_get_values",
    r"""
$ helm get values kube-prometheus-stack -n monitoring
USER-SUPPLIED VALUES:
grafana:
  adminPassword: ⟪!pw⟫
alertmanager:
  config:
    global:
      opsgenie_api_key: ⟪!uuid⟫
""",
)
_T(
    F,
    "k8s_dockerconfigjson_decoded",
    r"""
{"auths":{"registry.⟪domain⟫":{"username":"⟪user#u⟫","password":"⟪!pw#p⟫","auth":"⟪!pw#p|basic⟫"}}}
""",
)
_T(
    F,
    "k8s_argocd_app_params",
    r"""
    helm:
      parameters:
        - name: redis.auth.password
          value: ⟪!pws⟫
        - name: image.tag
          value: ⟪fhex8⟫
""",
)
_T(
    F,
    "k8s_kubeconfig_token",
    r"""
users:
- name: oncall-breakglass
  user:
    token: ⟪!jwt⟫
""",
)
_T(
    F,
    "k8s_kubeadm_join",
    r"""
kubeadm join ⟪ip⟫:6443 --token ⟪!kubeadm⟫ --discovery-token-ca-cert-hash sha256:⟪fhex32⟫⟪fhex32⟫
""",
)

# --- Cloud alarm and notification payloads ------------------------------------------------
F = "cloud_alarms"
_T(
    F,
    "sns_cloudwatch_alarm_message",
    r"""
{"Type":"Notification","MessageId":"⟪fuid⟫","TopicArn":"arn:aws:sns:⟪region⟫:⟪n6⟫⟪n6⟫:ops-alarms","Subject":"ALARM: \"⟪alert⟫\"","Message":"{\"AlarmName\":\"⟪alert⟫\",\"AlarmDescription\":\"Check via https://ops:⟪!pwu|jj⟫@status.⟪domain⟫/internal\",\"NewStateValue\":\"ALARM\"}","Timestamp":"⟪ts⟫"}
""",
)
_T(
    F,
    "sns_subscription_confirmation",
    r"""
{"Type":"SubscriptionConfirmation","MessageId":"⟪fuid⟫","Token":"⟪!hex128#t⟫","TopicArn":"arn:aws:sns:⟪region⟫:⟪n6⟫⟪n6⟫:alerts","SubscribeURL":"https://sns.⟪region⟫.amazonaws.com/?Action=ConfirmSubscription&TopicArn=arn:aws:sns:⟪region⟫:⟪n6⟫⟪n6⟫:alerts&Token=⟪!hex128#t⟫"}
""",
)
_T(
    F,
    "azure_monitor_search_results",
    r"""
"alertContext": {"SearchQuery": "AppTraces | where Message has 'connection'", "SearchResults": {"tables": [{"rows": [["⟪ts⟫", "DefaultEndpointsProtocol=https;AccountName=⟪svc⟫logs;AccountKey=⟪!b64_64⟫;EndpointSuffix=core.windows.net"]]}]}}
""",
)
_T(
    F,
    "gcp_monitoring_incident_docs",
    r"""
{"incident":{"incident_id":"0.⟪b62_12⟫","policy_name":"⟪alert⟫","state":"open","documentation":{"content":"Restart via `curl -H 'X-Admin-Token: ⟪!b64u_32⟫' https://⟪svc⟫.run.app/admin/restart`","mime_type":"text/markdown"}},"version":"1.2"}
""",
)
_T(
    F,
    "azure_sas_url_in_alert",
    r"""
"linkToSearchResultsAPI": "https://⟪svc⟫diag.blob.core.windows.net/exports/results.json?sv=2022-11-02&ss=b&srt=o&sp=r&se=2026-12-10T00:00:00Z&spr=https&sig=⟪!b64_32|pct⟫"
""",
)
_T(
    F,
    "lambda_config_env_vars",
    r"""
"Environment": {"Variables": {"SLACK_BOT_TOKEN": "⟪!xoxb⟫", "PD_ROUTING_KEY": "⟪!hex32⟫", "LOG_LEVEL": "INFO"}},
""",
)
_T(
    F,
    "secretsmanager_rotation_log",
    r"""
⟪ts⟫ [INFO] setSecret: successfully set password for user app_rw in PostgreSQL DB for secret arn:aws:secretsmanager:⟪region⟫:⟪n6⟫⟪n6⟫:secret:⟪env⟫/db-⟪b62_12⟫ (new password ⟪!pws⟫)
""",
)
_T(
    F,
    "eventbridge_connection_apikey",
    r"""
aws events create-connection --name pagerduty-conn --authorization-type API_KEY --auth-parameters '{"ApiKeyAuthParameters":{"ApiKeyName":"Authorization","ApiKeyValue":"Token token=⟪!pdapi⟫"}}'
""",
)


# --- additional multi-secret templates ------------------------------------------------------
_T(
    "sentry_config",
    "sentry_self_hosted_config_yml",
    r"""
system.secret-key: '⟪!django⟫'
mail.host: 'smtp.⟪domain⟫'
mail.username: 'sentry'
mail.password: '⟪!pw⟫'
""",
)
_T(
    "jaeger_zipkin",
    "jaeger_es_rollover_cmd",
    r"""
docker run --rm jaegertracing/jaeger-es-rollover:1.62 rollover https://es.⟪domain⟫:9200 --es.username=jaeger --es.password='⟪!pws#p⟫'
  # same creds as header: Authorization: Basic ⟪!pws#p|basic⟫
""",
)
_T(
    "zendesk",
    "zd_app_installation_settings",
    r"""
{"installation":{"app_id":⟪n6⟫,"settings":{"name":"PagerDuty","pagerduty_api_token":"⟪!pdapi⟫","subdomain":"⟪team⟫","zendesk_api_token":"⟪!b62_40⟫"},"enabled":true}}
""",
)
_T(
    "statuspage_uptime",
    "pingdom_check_json",
    r"""
{"check":{"name":"⟪svc⟫ admin","host":"admin.⟪domain⟫","type":"http","auth":"monitor:⟪!pw⟫","requestheaders":{"X-Api-Key":"⟪!b62_32⟫"},"resolution":1}}
""",
)
_T(
    "confluence",
    "conf_page_history_diff",
    r"""
<p><span style="color: rgb(255,86,48);">- export AWS_SECRET_ACCESS_KEY=⟪!aws_secret⟫</span></p>
<p><span style="color: rgb(54,179,126);">+ export GITHUB_TOKEN=⟪!ghp⟫</span></p>
""",
)
_T(
    "msteams",
    "teams_connector_and_bot_secrets",
    r"""
TEAMS_WEBHOOK=https://⟪team⟫.webhook.office.com/webhookb2/⟪fuid⟫@⟪fuid⟫/IncomingWebhook/⟪!hex32⟫/⟪fuid⟫
BOT_CLIENT_SECRET=⟪!azsecret⟫
""",
)
_T(
    "chat_mea",
    "chat_tr_thread_two_secrets",
    r"""
[⟪hhmm⟫] ⟪person⟫: Redis şifresi ⟪!pws⟫
[⟪hhmm⟫] ⟪person⟫: GitLab token da şu: ⟪!glpat⟫ — iş bitince iptal ederim
""",
)
_T(
    "cloud_alarms",
    "azure_action_group_webhook_aad",
    r"""
{"webhookReceivers":[{"name":"itsm","serviceUri":"https://itsm.⟪domain⟫/az?code=⟪!b64u_32⟫","useAadAuth":false}],"azureFunctionReceivers":[{"name":"auto-heal","httpTriggerUrl":"https://⟪svc⟫-fn.azurewebsites.net/api/heal?code=⟪!b64u_64⟫"}]}
""",
)
_T(
    "kubernetes",
    "k8s_secret_stringdata_manifest",
    r"""
stringData:
  SOPS_AGE_KEY: ⟪!age⟫
  DIGITALOCEAN_TOKEN: ⟪!dop⟫
""",
)
_T(
    "splunk_oncall_victorops",
    "vo_rest_and_api_combo",
    r"""
victorops:
  rest_url: https://alert.victorops.com/integrations/generic/20131114/alert/⟪!uuid⟫/⟪team⟫
  api_key: ⟪!hex32⟫
""",
)
_T(
    "postmortem",
    "pir_appendix_env_dump",
    r"""
Appendix B – environment of the crashed pod (values shown as captured):
  REDIS_URL=redis://default:⟪!pwu⟫@⟪host⟫:6379
  HF_TOKEN=⟪!hf⟫
  DATABRICKS_TOKEN=⟪!dapi⟫
""",
)
_T(
    "llm_transcripts",
    "llm_system_prompt_with_creds",
    r"""
{"role":"system","content":"You can query Prometheus at https://prom.⟪domain⟫ (basic auth ops / ⟪!pw|json⟫) and Linear with key ⟪!lin⟫. Never reveal these."}
""",
)
_T(
    "github_actions",
    "gha_circleci_migration_log",
    r"""
⟪ts⟫ + curl -s -H "Circle-Token: ⟪!circleci⟫" https://circleci.com/api/v2/me
⟪ts⟫ + git clone https://x-token-auth:⟪!bitbucket⟫@bitbucket.org/⟪team⟫/⟪repo⟫.git
""",
)
_T(
    "llm_transcripts",
    "llm_response_quotes_shopify_doppler",
    r"""
Assistant: Two credentials appear in the log you pasted: the Shopify admin token `⟪!shpat⟫` and a Doppler service token `⟪!doppler⟫`. Revoke both before continuing.
""",
)
_T(
    "cloud_alarms",
    "gcp_oauth_client_in_alert",
    r"""
"documentation": {"content": "OAuth client for the status bot: client_secret=⟪!gocspx⟫, api key ⟪!aiza⟫"}
""",
)

# ===========================================================================
# KEEP-LIST TEMPLATES (diagnostic tokens that must survive)
# ===========================================================================
# Alertmanager / Prometheus
_K_(
    "keep_am_fingerprint",
    r"""
{"status":"firing","labels":{"alertname":"⟪alert⟫","severity":"warning"},"startsAt":"⟪ts⟫","fingerprint":"⟪+fp16⟫"}
""",
)
_K_(
    "keep_am_fingerprints_two",
    r"""
    "fingerprint": "⟪+fp16⟫"
  }, {
    "fingerprint": "⟪+fp16⟫"
""",
)
_K_(
    "keep_am_silence_id",
    r"""
$ amtool silence add alertname=⟪alert⟫ instance=⟪host⟫ -d 4h -c "disk swap ⟪team⟫"
⟪+uuid⟫
""",
)
_K_(
    "keep_am_silence_query",
    r"""
ID                                    Matchers                      Ends At                  Created By  Comment
⟪+uuid⟫  alertname="⟪alert⟫"  2026-12-03 18:00:00 UTC  ⟪user⟫       planned maintenance
""",
)
_K_(
    "keep_am_groupkey_hash_pd",
    r"""
{"routing_key":"<redacted>","dedup_key":"⟪+gkhash⟫","event_action":"trigger","payload":{"summary":"[FIRING:2] ⟪alert⟫","source":"alertmanager","severity":"critical"}}
""",
)
_K_(
    "keep_am_log_aggrgroup",
    r"""
ts=⟪ts⟫ caller=dispatch.go:164 level=debug component=dispatcher msg="Received alert" alert=⟪alert⟫[⟪+fp16|short7⟫][active]
""",
)
_K_(
    "keep_prom_rule_group",
    r"""
ts=⟪ts⟫ caller=group.go:553 level=warn name=⟪alert⟫ index=3 component="rule manager" file=/etc/prometheus/rules/⟪+rulegroup⟫.yaml group=⟪~rulegroup⟫ msg="Evaluating rule failed" err="many-to-many matching not allowed"
""",
)
_K_(
    "keep_prom_tsdb_block",
    r"""
ts=⟪ts⟫ caller=compact.go:580 level=info component=tsdb msg="write block" mint=⟪n10⟫000 maxt=⟪n10⟫000 ulid=01J⟪+objid|upper⟫ duration=1.8s
""",
)
_K_(
    "keep_am_cluster_peer",
    r"""
ts=⟪ts⟫ caller=cluster.go:708 level=info component=cluster msg="gossip settled; proceeding" elapsed=10.002s peer=01JEG⟪+sha12|upper⟫
""",
)
_K_(
    "keep_prom_target_scrape_id",
    r"""
{"labels":{"instance":"⟪host⟫:9100","job":"node"},"scrapePool":"node","lastError":"","lastScrape":"⟪ts⟫","health":"up","scrapeUrl":"http://⟪host⟫:9100/metrics","globalUrl":"http://⟪host⟫:9100/metrics","uid":"⟪+uuid⟫"}
""",
)
# Grafana
_K_(
    "keep_grafana_dashboard_uid",
    r"""
https://grafana.⟪domain⟫/d/⟪+gfuid⟫/⟪svc⟫-overview?orgId=1&from=now-6h&to=now&viewPanel=12
""",
)
_K_(
    "keep_grafana_rule_uid",
    r"""
logger=ngalert.state.manager rule_uid=⟪+gfuid⟫ org_id=1 t=⟪ts⟫ level=info msg="State changed" from=Normal to=Alerting
""",
)
_K_(
    "keep_grafana_panel_link",
    r"""
"panelURL": "https://grafana.⟪domain⟫/d/⟪+gfuid#i⟫?orgId=1&viewPanel=4", "dashboardURL": "https://grafana.⟪domain⟫/d/⟪+gfuid#i⟫?orgId=1"
""",
)
_K_(
    "keep_grafana_annotation_id",
    r"""
{"message":"Annotation added","id":⟪+n7⟫}
""",
)
# PagerDuty
_K_(
    "keep_pd_incident_id",
    r"""
{"incident":{"id":"⟪+pdid#i⟫","type":"incident","summary":"[#⟪n5⟫] ⟪alert⟫","status":"triggered","html_url":"https://⟪team⟫.pagerduty.com/incidents/⟪+pdid#i⟫"}}
""",
)
_K_(
    "keep_pd_service_escalation",
    r"""
"service": {"id": "⟪+pdid⟫", "type": "service_reference"}, "escalation_policy": {"id": "⟪~pdid⟫", "type": "escalation_policy_reference"},
""",
)
_K_(
    "keep_pd_dedup_readable",
    r"""
"dedup_key": "⟪svc⟫/⟪+sha12⟫/⟪alert⟫",
""",
)
_K_(
    "keep_pd_log_entry_id",
    r"""
{"log_entry":{"id":"R⟪+sha12|upper⟫","type":"trigger_log_entry","created_at":"⟪ts⟫"}}
""",
)
_K_(
    "keep_pd_webhook_event_id",
    r"""
{"event":{"id":"01E⟪+objid|upper⟫","event_type":"incident.acknowledged","resource_type":"incident","occurred_at":"⟪ts⟫"}}
""",
)
_K_(
    "keep_pd_incident_key_hex",
    r"""
Incident key: ⟪+hex32⟫ (from Alertmanager groupKey hash)
""",
)
# Opsgenie
_K_(
    "keep_og_alert_id",
    r"""
{"result":"Request will be processed","took":0.107,"requestId":"⟪+uuid⟫"}
""",
)
_K_(
    "keep_og_alert_ids_full",
    r"""
"alertId": "⟪+ogid⟫", "alias": "⟪svc⟫-⟪alert⟫", "tinyId": "⟪n4⟫"
""",
)
_K_(
    "keep_og_alias_hex",
    r"""
Opsgenie alert created: alias=⟪+hex32⟫ owner=⟪team⟫ priority=P2
""",
)
# Splunk On-Call
_K_(
    "keep_vo_incident",
    r"""
{"incidentNumber":"⟪n4⟫","entityId":"⟪+uuid⟫","currentPhase":"ACKED","pagedTeams":["⟪team⟫"]}
""",
)
_K_(
    "keep_vo_entity_id",
    r"""
entity_id=⟪svc⟫-⟪+fp16⟫ state=CRITICAL routing_key=⟪team⟫
""",
)
# Zabbix
_K_(
    "keep_zbx_event_id",
    r"""
Problem started at ⟪hhmm⟫:03 on 2026.12.03 | Problem name: High CPU on ⟪host⟫ | Original problem ID: ⟪+n8⟫
""",
)
_K_(
    "keep_zbx_api_problem",
    r"""
{"jsonrpc":"2.0","result":[{"eventid":"⟪+n8⟫","objectid":"⟪n5⟫","clock":"⟪epoch⟫","name":"Zabbix agent is not available","severity":"3"}],"id":1}
""",
)
_K_(
    "keep_zbx_trigger_itemid",
    r"""
{"triggerid":"⟪+n6⟫","description":"Disk space is low","itemid":"⟪~n7⟫"}
""",
)
# Nagios / Icinga / Checkmk
_K_(
    "keep_icinga_checkable_id",
    r"""
[⟪tsl⟫ +0000] information/Checkable: Checking for configured notifications for object '⟪host⟫!disk' (checkable ID ⟪+uuid⟫)
""",
)
_K_(
    "keep_nagios_problem_id",
    r"""
[⟪epoch⟫] SERVICE NOTIFICATION: ⟪team⟫;⟪host⟫;HTTP;CRITICAL;notify-by-email;problem id ⟪+n6⟫
""",
)
_K_(
    "keep_cmk_event_id",
    r"""
⟪tsl⟫ [cmk.ec] Event ⟪+n7⟫ created from rule "⟪alert⟫"; comment ticket ⟪~inc⟫
""",
)
# Datadog / New Relic
_K_(
    "keep_dd_monitor_id",
    r"""
https://app.datadoghq.eu/monitors/⟪+n9⟫?from_ts=⟪epoch⟫000&to_ts=⟪epoch⟫000
""",
)
_K_(
    "keep_dd_event_id",
    r"""
{"status":"ok","event":{"id":⟪+n19⟫,"id_str":"⟪~n19⟫","title":"Deploy ⟪svc⟫","date_happened":⟪epoch⟫}}
""",
)
_K_(
    "keep_dd_trace_ids",
    r"""
{"dd.trace_id":"⟪+n19⟫","dd.span_id":"⟪n19⟫","service":"⟪svc⟫","status":"error"}
""",
)
_K_(
    "keep_nr_issue_id",
    r"""
New Relic issue ⟪+uuid⟫ ACTIVATED for policy ⟪team⟫ (account ⟪~n7⟫)
""",
)
_K_(
    "keep_nr_entity_guid",
    r"""
"entityGuid": "MXxBUE18QVBQTElDQVRJT058⟪+n9⟫",
""",
)
# Sentry
_K_(
    "keep_sentry_event_id",
    r"""
{"event_id":"⟪+hex32⟫","release":"⟪~release⟫","environment":"⟪env⟫","platform":"python","level":"error"}
""",
)
_K_(
    "keep_sentry_issue_short",
    r"""
Sentry: new issue ⟪+sentryshort⟫ in ⟪svc⟫: KeyError 'tenant_id' https://sentry.io/organizations/⟪team⟫/issues/⟪~n10⟫/
""",
)
_K_(
    "keep_sentry_trace_context",
    r"""
"contexts": {"trace": {"trace_id": "⟪+hex32⟫", "span_id": "⟪+hex16⟫", "op": "http.server", "status": "internal_error"}}
""",
)
_K_(
    "keep_sentry_release_header",
    r"""
sentry-trace: ⟪+hex32⟫-⟪~hex16⟫-1
""",
)
# OpenTelemetry / tracing
_K_(
    "keep_otel_traceparent",
    r"""
traceparent: ⟪+traceparent⟫
tracestate: rojo=00f067aa0ba902b7
""",
)
_K_(
    "keep_otel_span_json",
    r"""
{"traceId":"⟪+hex32⟫","spanId":"⟪+hex16⟫","parentSpanId":"⟪hex16k⟫","name":"SELECT ⟪db⟫.orders","kind":3,"status":{"code":2}}
""",
)
_K_(
    "keep_otel_debug_ids",
    r"""
Span #0
    Trace ID       : ⟪+hex32⟫
    Parent ID      :
    ID             : ⟪~hex16⟫
    Name           : POST /v1/charge
""",
)
_K_(
    "keep_jaeger_trace_url",
    r"""
https://jaeger.⟪domain⟫/trace/⟪+hex16⟫?uiFind=⟪~hex16⟫
""",
)
_K_(
    "keep_zipkin_b3",
    r"""
X-B3-TraceId: ⟪+hex32⟫
X-B3-SpanId: ⟪+hex16⟫
X-B3-Sampled: 1
""",
)
_K_(
    "keep_otel_log_trace",
    r"""
{"body":"payment declined","traceId":"⟪+hex32⟫","spanId":"⟪hex16k⟫","severityNumber":17}
""",
)
# Elastic / Splunk / SIEM
_K_(
    "keep_es_doc_id",
    r"""
{"_index":"logs-⟪svc⟫-2026.12.03","_id":"⟪+essid⟫","_score":null,"_source":{"message":"timeout calling ledger"}}
""",
)
_K_(
    "keep_kibana_alert_uuid",
    r"""
"kibana.alert.uuid": "⟪+uuid⟫", "kibana.alert.rule.uuid": "⟪~uuid⟫",
""",
)
_K_(
    "keep_es_task_id",
    r"""
{"task":"⟪+essid⟫:⟪n8⟫"}
""",
)
_K_(
    "keep_splunk_sid",
    r"""
https://splunk.⟪domain⟫/en-US/app/search/search?sid=⟪+splunksid⟫
""",
)
_K_(
    "keep_splunk_notable_event_id",
    r"""
event_id="⟪+uuid⟫@@notable@@⟪~hex32⟫" urgency=high status=1
""",
)
_K_(
    "keep_sentinel_incident",
    r"""
{"name":"⟪+uuid⟫","properties":{"incidentNumber":⟪n5⟫,"title":"Impossible travel","providerIncidentId":"⟪~n6⟫"}}
""",
)
_K_(
    "keep_wazuh_alert_id",
    r"""
{"id":"⟪n10⟫.⟪+n7⟫","rule":{"id":"5710","level":5},"agent":{"id":"⟪n3⟫"}}
""",
)
_K_(
    "keep_crowdstrike_detection",
    r"""
DetectionId: ldt:⟪+hex32⟫:⟪~n10⟫
""",
)
# StackStorm
_K_(
    "keep_st2_execution_id",
    r"""
$ st2 execution get ⟪+objid#i⟫
id: ⟪+objid#i⟫
status: succeeded (12s elapsed)
""",
)
_K_(
    "keep_st2_trace_tag",
    r"""
⟪tsl⟫ INFO [-] Action execution ⟪+objid⟫ requested by rule alertmanager.restart_⟪svc⟫ (trace_tag=⟪svc⟫-⟪n4⟫)
""",
)
_K_(
    "keep_st2_workflow_ids",
    r"""
{"liveaction":"⟪+objid⟫","workflow_execution":"⟪~objid⟫","status":"running"}
""",
)
_K_(
    "keep_st2_trigger_instance",
    r"""
trigger_instance: ⟪+objid⟫ (core.st2.webhook) occurrence_time=⟪ts⟫
""",
)
# AWX / Ansible
_K_(
    "keep_awx_job_id",
    r"""
{"job":⟪+n6#i⟫,"url":"/api/v2/jobs/⟪+n6#i⟫/","status":"pending"}
""",
)
_K_(
    "keep_awx_event_uuid",
    r"""
{"id":⟪n8⟫,"event":"runner_on_failed","uuid":"⟪+uuid⟫","parent_uuid":"⟪~uuid⟫","counter":⟪n2⟫}
""",
)
_K_(
    "keep_ansible_task_uuid",
    r"""
"task_uuid": "⟪+ansibletask⟫", "play_uuid": "⟪ansibletaskf⟫",
""",
)
_K_(
    "keep_awx_project_revision",
    r"""
{"scm_revision":"⟪+sha40⟫","scm_branch":"main","status":"successful"}
""",
)
# Rundeck / Jenkins / CI
_K_(
    "keep_rundeck_exec",
    r"""
Execution #⟪+n6#i⟫ of job ⟪~uuid⟫ succeeded (https://rundeck.⟪domain⟫/project/ops/execution/show/⟪+n6#i⟫)
""",
)
_K_(
    "keep_jenkins_build_tag",
    r"""
BUILD_TAG=⟪+buildtag⟫
GIT_COMMIT=⟪+sha40⟫
""",
)
_K_(
    "keep_jenkins_queue_item",
    r"""
Location: https://jenkins.⟪domain⟫/queue/item/⟪+n6⟫/
""",
)
_K_(
    "keep_gha_run_id",
    r"""
https://github.com/⟪team⟫/⟪repo⟫/actions/runs/⟪+n10⟫/job/⟪~n10⟫
""",
)
_K_(
    "keep_gha_checkout_sha",
    r"""
⟪ts⟫ HEAD is now at ⟪+sha8⟫ fix(alerts): raise threshold for ⟪alert⟫
""",
)
_K_(
    "keep_gh_node_id",
    r"""
{"id":⟪n8⟫,"node_id":"⟪+ghnode⟫","number":⟪n4⟫,"state":"open"}
""",
)
_K_(
    "keep_gitlab_pipeline",
    r"""
Pipeline #⟪+n9⟫ failed for ⟪~sha8⟫ on main — job #⟪~n10⟫ (deploy:⟪env⟫)
""",
)
_K_(
    "keep_git_sha_full",
    r"""
commit ⟪+sha40⟫
Author: ⟪person⟫ <⟪email⟫>
""",
)
# Terraform
_K_(
    "keep_tfc_run_id",
    r"""
{"payload_version":1,"notification_configuration_id":"nc-⟪b62_16k⟫","run_url":"https://app.terraform.io/app/⟪team⟫/⟪env⟫-network/runs/⟪+tfrun⟫","run_id":"⟪+tfrun⟫","workspace_id":"⟪+tfws⟫"}
""",
)
_K_(
    "keep_tf_state_lineage",
    r"""
{"version":4,"terraform_version":"1.9.8","serial":⟪n3⟫,"lineage":"⟪+uuid⟫"}
""",
)
_K_(
    "keep_tf_plan_resource_id",
    r"""
  ~ resource "aws_instance" "⟪svc⟫" {
        id = "⟪+ec2⟫"
""",
)
# ITSM
_K_(
    "keep_snow_incident",
    r"""
{"result":{"number":"⟪+inc⟫","sys_id":"⟪+hex32⟫","state":"2","assignment_group":{"value":"⟪hex32k⟫"}}}
""",
)
_K_(
    "keep_snow_change",
    r"""
Change ⟪+chg⟫ approved; CAB ref ⟪~hex32⟫
""",
)
_K_(
    "keep_snow_problem",
    r"""
Problem ⟪+prb⟫ linked to ⟪~inc⟫
""",
)
_K_(
    "keep_jira_issue_key",
    r"""
Created ⟪+jira#i⟫: "⟪alert⟫ on ⟪host⟫" https://⟪team⟫.atlassian.net/browse/⟪+jira#i⟫
""",
)
_K_(
    "keep_jira_issue_json",
    r"""
{"id":"⟪+n6#i⟫","key":"⟪~jira⟫","self":"https://⟪team⟫.atlassian.net/rest/api/3/issue/⟪+n6#i⟫"}
""",
)
_K_(
    "keep_zendesk_ticket",
    r"""
Zendesk ticket #⟪+n7⟫ updated by ⟪person⟫ (status: pending)
""",
)
_K_(
    "keep_confluence_page_id",
    r"""
https://⟪team⟫.atlassian.net/wiki/spaces/OPS/pages/⟪+n10⟫/Runbook+⟪svc⟫
""",
)
# Chat platforms
_K_(
    "keep_slack_ids",
    r"""
{"ok":true,"channel":"⟪+slackc⟫","ts":"⟪+slackts⟫","message":{"bot_id":"⟪+slackb⟫","type":"message","text":"⟪alert⟫ resolved","user":"⟪+slacku⟫","team":"⟪+slackt⟫"}}
""",
)
_K_(
    "keep_slack_thread_ts",
    r"""
thread_ts=⟪+slackts⟫ channel=⟪~slackc⟫
""",
)
_K_(
    "keep_slack_permalink",
    r"""
https://⟪team⟫.slack.com/archives/⟪+slackc⟫/p⟪~n16⟫
""",
)
_K_(
    "keep_slack_file_id",
    r"""
{"file":{"id":"⟪+slackf⟫","name":"heap.txt","user":"⟪~slacku⟫"}}
""",
)
_K_(
    "keep_teams_message_id",
    r"""
https://teams.microsoft.com/l/message/19:⟪+hex32⟫@thread.tacv2/⟪~n13⟫
""",
)
_K_(
    "keep_discord_message_id",
    r"""
{"id":"⟪+n19⟫","channel_id":"1⟪n10⟫⟪n7⟫","type":0}
""",
)
# Kubernetes / containers / cloud
_K_(
    "keep_k8s_uid_rv",
    r"""
  uid: ⟪+uuid⟫
  resourceVersion: "⟪+n8⟫"
""",
)
_K_(
    "keep_k8s_event_involved",
    r"""
{"kind":"Event","involvedObject":{"kind":"Pod","name":"⟪pod⟫","uid":"⟪+uuid⟫","resourceVersion":"⟪~n9⟫"},"reason":"BackOff","count":31}
""",
)
_K_(
    "keep_image_digest",
    r"""
  Image ID:  registry.⟪domain⟫/⟪svc⟫@⟪+digest⟫
""",
)
_K_(
    "keep_container_id",
    r"""
    Container ID:   containerd://⟪+hex64⟫
""",
)
_K_(
    "keep_docker_short_id",
    r"""
CONTAINER ID   IMAGE   STATUS
⟪+container⟫   ⟪svc⟫:⟪~semver⟫   Restarting (1) 8 seconds ago
""",
)
_K_(
    "keep_cloudwatch_arn",
    r"""
"AlarmArn": "⟪+arn⟫",
""",
)
_K_(
    "keep_ec2_instance",
    r"""
InstanceId: ⟪+ec2⟫ state: stopped reason: Server.InternalError
""",
)
_K_(
    "keep_aws_request_id",
    r"""
x-amzn-RequestId: ⟪+uuid⟫
""",
)
_K_(
    "keep_cf_ray",
    r"""
cf-ray: ⟪+ray⟫
""",
)
_K_(
    "keep_gcp_incident",
    r"""
{"incident":{"incident_id":"0.⟪+statuspage⟫","scoping_project_number":⟪~n10⟫}}
""",
)
_K_(
    "keep_azure_alert_id",
    r"""
"alertId": "/subscriptions/⟪+uuid⟫/providers/Microsoft.AlertsManagement/alerts/⟪~uuid⟫",
""",
)
# Status pages / misc
_K_(
    "keep_statuspage_incident",
    r"""
https://status.⟪domain⟫/incidents/⟪+statuspage⟫
""",
)
_K_(
    "keep_request_id_header",
    r"""
X-Request-Id: ⟪+hex32⟫
""",
)
_K_(
    "keep_helm_release_rev",
    r"""
Release "⟪svc⟫" has been upgraded. REVISION: ⟪n2⟫  CHART: ⟪svc⟫-⟪+semver⟫  APP VERSION: ⟪~sha12⟫
""",
)
_K_(
    "keep_vault_request_id",
    r"""
{"request_id":"⟪+uuid⟫","lease_id":"","renewable":false,"data":null,"warnings":["no secret at path"]}
""",
)
_K_(
    "keep_am_webhook_truncated",
    r"""
{"version":"4","groupKey":"{}:{alertname=\"⟪alert⟫\"}","truncatedAlerts":0,"status":"resolved","receiver":"⟪team⟫","alerts":[{"fingerprint":"⟪+fp16⟫","status":"resolved"}]}
""",
)
_K_(
    "keep_am_alert_api",
    r"""
[{"annotations":{},"endsAt":"⟪ts⟫","fingerprint":"⟪+fp16⟫","receivers":[{"name":"⟪team⟫"}],"status":{"inhibitedBy":[],"silencedBy":["⟪~uuid⟫"],"state":"suppressed"}}]
""",
)
_K_(
    "keep_prom_query_stats",
    r"""
level=info ts=⟪ts⟫ caller=query_logger.go msg="slow query" query_id=⟪+hex16⟫ duration=12.4s
""",
)
_K_(
    "keep_grafana_silence_uid",
    r"""
{"silenceID":"⟪+uuid⟫"}
""",
)
_K_(
    "keep_grafana_oncall_alert_group",
    r"""
Alert group ⟪+gfuid⟫ (#⟪n4⟫) escalated to ⟪team⟫ via Grafana OnCall
""",
)
_K_(
    "keep_pd_schedule_override",
    r"""
{"override":{"id":"⟪+pdid⟫","start":"⟪ts⟫","end":"⟪ts⟫","user":{"id":"⟪~pdid⟫","type":"user_reference"}}}
""",
)
_K_(
    "keep_pd_alert_id",
    r"""
"alerts": [{"id": "Q⟪+sha12|upper⟫", "type": "alert", "alert_key": "⟪~hex32⟫"}]
""",
)
_K_(
    "keep_og_request_id_log",
    r"""
⟪tsl⟫ INFO  og-forwarder: created alert requestId=⟪+uuid⟫ took=0.09
""",
)
_K_(
    "keep_zbx_action_id",
    r"""
{"jsonrpc":"2.0","result":{"actionids":["⟪+n7⟫"]},"id":3}
""",
)
_K_(
    "keep_zbx_host_id",
    r"""
Host "⟪host⟫" (hostid ⟪+n6⟫) added to group Linux servers
""",
)
_K_(
    "keep_sentry_replay_id",
    r"""
"replay_id": "⟪+hex32⟫", "profile_id": "⟪~hex32⟫"
""",
)
_K_(
    "keep_sentry_dist_release",
    r"""
SENTRY_RELEASE=⟪+release⟫ SENTRY_DIST=⟪~n6⟫
""",
)
_K_(
    "keep_jaeger_json_ids",
    r"""
{"traceID":"⟪+hex32⟫","spanID":"⟪~hex16⟫","flags":1,"operationName":"redis.GET"}
""",
)
_K_(
    "keep_otel_resource_ids",
    r"""
-> k8s.pod.uid: Str(⟪+uuid⟫)
-> container.id: Str(⟪~hex64⟫)
""",
)
_K_(
    "keep_es_snapshot_uuid",
    r"""
{"snapshot":{"snapshot":"nightly-2026.12.03-⟪n3⟫","uuid":"⟪+essid⟫","state":"SUCCESS"}}
""",
)
_K_(
    "keep_splunk_search_id_api",
    r"""
<response><sid>⟪+n10⟫.⟪n5⟫</sid></response>
""",
)
_K_(
    "keep_st2_rule_enforcement",
    r"""
{"id":"⟪+objid⟫","rule":{"ref":"ops.on_alert"},"execution_id":"⟪~objid⟫","enforced_at":"⟪ts⟫"}
""",
)
_K_(
    "keep_awx_workflow_job",
    r"""
Workflow job ⟪+n6⟫ finished; node job ⟪~n6⟫ failed (template ⟪n2⟫)
""",
)
_K_(
    "keep_rundeck_job_uuid",
    r"""
  uuid: ⟪+uuid⟫
  id: ⟪~uuid⟫
""",
)
_K_(
    "keep_gitlab_job_trace",
    r"""
Running with gitlab-runner 17.5.2 (⟪+sha8⟫) on ⟪host⟫ t3_⟪~hex16⟫
""",
)
_K_(
    "keep_gha_cache_key",
    r"""
Cache restored from key: Linux-node-⟪+hex64⟫
""",
)
_K_(
    "keep_docker_pull_digest",
    r"""
Digest: ⟪+digest⟫
Status: Downloaded newer image for ⟪svc⟫:⟪+semver⟫
""",
)
_K_(
    "keep_tfc_config_version",
    r"""
Configuration version cv-⟪+essid⟫ uploaded for workspace ⟪~tfws⟫
""",
)
_K_(
    "keep_snow_correlation",
    r"""
"correlation_id": "⟪+fp16⟫", "correlation_display": "Alertmanager", "sys_id": "⟪~hex32⟫"
""",
)
_K_(
    "keep_jira_sprint_changelog",
    r"""
{"id":"⟪+n6⟫","created":"⟪ts⟫","items":[{"field":"status","fromString":"Open","toString":"In Progress"}]}
""",
)
_K_(
    "keep_slack_event_id",
    r"""
{"event_id":"Ev0⟪+sha12|upper⟫","event_time":⟪epoch⟫,"team_id":"⟪~slackt⟫"}
""",
)
_K_(
    "keep_teams_activity_id",
    r"""
"replyToId": "⟪+n13⟫", "conversation": {"id": "19:⟪~hex32⟫@thread.tacv2"}
""",
)
_K_(
    "keep_k8s_replicaset_hash",
    r"""
deployment "⟪svc⟫" successfully rolled out (new replicaset ⟪svc⟫-⟪+sha12⟫)
""",
)
_K_(
    "keep_k8s_lease_holder",
    r"""
holderIdentity: ⟪pod⟫_⟪+uuid⟫
""",
)
_K_(
    "keep_aws_cloudtrail_event",
    r"""
{"eventID":"⟪+uuid⟫","eventName":"StopInstances","requestID":"⟪~uuid⟫","sourceIPAddress":"⟪ip⟫"}
""",
)
_K_(
    "keep_cloudflare_zone_id",
    r"""
https://dash.cloudflare.com/⟪+hex32⟫/⟪domain⟫/analytics
""",
)
_K_(
    "keep_gcp_operation",
    r"""
operation-⟪+n13⟫-⟪~hex16⟫ DONE
""",
)
_K_(
    "keep_statuspage_component",
    r"""
{"id":"⟪+statuspage⟫","name":"API","status":"partial_outage","page_id":"⟪~statuspage⟫"}
""",
)
_K_(
    "keep_email_message_id",
    r"""
Message-ID: <⟪+hex32⟫@alertmanager.⟪domain⟫>
""",
)


# ===========================================================================
# public interface
# ===========================================================================


def cases() -> list[Case]:
    out: list[Case] = []
    for family, fmt, text in _TEMPLATES:
        for v in range(VARIANTS):
            rng = random.Random("%d|%s|%d" % (SEED, fmt, v))
            lines, values, _tokens = _render(text, rng)
            out.append(Case(family, fmt, lines, values))
    return out


def keep_list() -> list[Keep]:
    out: list[Keep] = []
    for fmt, text in _KEEPS:
        for v in range(VARIANTS):
            rng = random.Random("%d|%s|%d" % (SEED + 1, fmt, v))
            lines, _values, tokens = _render(text, rng)
            out.append(Keep(fmt, lines, tokens))
    return out


def _check() -> dict[str, int]:
    cs, ks = cases(), keep_list()
    assert cs == cases(), "cases() not deterministic"
    assert ks == keep_list(), "keep_list() not deterministic"
    fmts = [f for _, f, _ in _TEMPLATES]
    assert len(fmts) == len(set(fmts)), "duplicate case format names"
    kfmts = [f for f, _ in _KEEPS]
    assert len(kfmts) == len(set(kfmts)), "duplicate keep format names"
    assert not set(fmts) & set(kfmts), "case and keep format names overlap"
    all_values: set[str] = set()
    n_values = 0
    for c in cs:
        assert c.values, "case without values: %s" % c.format
        assert len(c.values) == len(set(c.values)), "duplicate value in %s" % c.format
        for line in c.lines:
            assert "⟪" not in line and "⟫" not in line, "unrendered placeholder in %s" % c.format
        for v in c.values:
            assert len(v) >= 4, "short value in %s: %r" % (c.format, v)
            assert v == v.strip() and "\n" not in v, "whitespace in value of %s" % c.format
            assert any(v in line for line in c.lines), "value not verbatim in %s: %r" % (
                c.format,
                v,
            )
            all_values.add(v)
            n_values += 1
    all_tokens: set[str] = set()
    n_tokens = 0
    for k in ks:
        assert k.tokens, "keep entry without tokens: %s" % k.format
        for line in k.lines:
            assert "⟪" not in line and "⟫" not in line, "unrendered placeholder in %s" % k.format
        for t in k.tokens:
            assert len(t) >= 6, "short token in %s: %r" % (k.format, t)
            assert any(t in line for line in k.lines), "token not verbatim in %s: %r" % (
                k.format,
                t,
            )
            all_tokens.add(t)
            n_tokens += 1
    for v in all_values:
        for t in all_tokens:
            assert v not in t and t not in v, "value/token overlap: %r / %r" % (v, t)
    return {
        "families": len({c.family for c in cs}),
        "case_templates": len(_TEMPLATES),
        "cases": len(cs),
        "values": n_values,
        "keep_templates": len(_KEEPS),
        "keep_entries": len(ks),
        "keep_tokens": n_tokens,
    }


if __name__ == "__main__":
    print(_check())
