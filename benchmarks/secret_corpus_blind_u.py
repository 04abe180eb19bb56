# ruff: noqa: E501, RUF001, UP031
"""Sealed blind corpus U.

Written by: an independent corpus-writing helper session (blind: the sanitizer
under test was never read), date 2026-12-03.

Theme: secrets as they really appear in the material an automated incident
response tool gathers on Linux servers and clusters during an on-call incident:
Ansible/AWX output, systemd journal and unit files, ps / /proc cmdline and
environ, docker/podman/compose, kubectl/helm, cloud-init, Terraform, cron,
auth logs, strace, tcpdump wire text of many protocols, proxy/web logs and
configs, mail/DNS/HA/HashiCorp/monitoring stacks, alert webhooks, application
configs, keystores, TLS/SSH material, git remotes, CI runners, brokers, and
human on-call chat, tickets and post-mortems in many natural languages.

SEED = 20270101, VARIANTS = 2 (every template rendered twice with fresh
secrets and fresh surrounding names).  keep_list() uses SEED + 1.

Counts printed by _check():
    {'families': 48, 'case_templates': 451, 'cases': 902, 'values': 1304, 'keep_templates': 130, 'keep_entries': 260, 'keep_tokens': 302}
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import random
import re
import string
import textwrap
import urllib.parse
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

SEED = 20270101
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
_LOWER = string.ascii_lowercase
_UPPER = string.ascii_uppercase
_DIG = string.digits
_ALNUM = string.ascii_letters + string.digits
_LALNUM = _LOWER + _DIG
_UALNUM = _UPPER + _DIG
_HEX = "0123456789abcdef"
_UHEX = "0123456789ABCDEF"
_B64 = _ALNUM + "+/"
_B64U = _ALNUM + "-_"
_B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_CRYPT = "./" + _ALNUM
_K8S_HASH = "bcdfghjklmnpqrstvwxz2456789"


def _r(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _rbytes(rng: random.Random, n: int) -> bytes:
    return bytes(rng.randrange(256) for _ in range(n))


def _ruuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


# ---------------------------------------------------------------------------
# secret generators: kind -> fn(rng) -> str
# ---------------------------------------------------------------------------
_SECRETS: dict[str, Callable[[random.Random], str]] = {}


def _secret(
    *names: str,
) -> Callable[[Callable[[random.Random], str]], Callable[[random.Random], str]]:
    def deco(fn: Callable[[random.Random], str]) -> Callable[[random.Random], str]:
        for n in names:
            _SECRETS[n] = fn
        return fn

    return deco


_WORDS = [
    "summer",
    "winter",
    "dragon",
    "monkey",
    "sunshine",
    "falcon",
    "kafka",
    "tango",
    "orange",
    "coffee",
    "rocket",
    "harbor",
    "maple",
    "tiger",
    "ocean",
    "pepper",
    "silver",
    "zebra",
    "lemon",
    "thunder",
    "galaxy",
    "penguin",
    "mustang",
    "phoenix",
    "shadow",
    "cobalt",
    "walrus",
    "banana",
    "cactus",
    "nebula",
    "istanbul",
    "helsinki",
    "bangkok",
    "krakow",
    "nairobi",
    "jakarta",
    "reykjavik",
    "tbilisi",
    "yerevan",
    "almaty",
    "granite",
    "willow",
    "viking",
    "saffron",
    "mango",
    "lantern",
    "compass",
    "glacier",
    "otter",
    "badger",
    "jupiter",
    "pluto",
    "kestrel",
    "marlin",
    "juniper",
    "tundra",
    "baklava",
    "sakura",
    "fjord",
    "sahara",
    "pixel",
    "quartz",
    "raven",
    "copper",
]
_SYMS = "!@$%^&*-_+=.?"
_LEET = {"a": "@", "o": "0", "e": "3", "i": "1", "s": "$", "t": "7"}


def _leet(w: str, rng: random.Random) -> str:
    return "".join(_LEET[c] if c in _LEET and rng.random() < 0.6 else c for c in w)


@_secret("pw")
def _g_pw(rng: random.Random) -> str:
    w1, w2 = rng.sample(_WORDS, 2)
    pat = rng.randrange(10)
    if pat == 0:
        s = w1.capitalize() + str(rng.randint(1970, 2026)) + rng.choice(_SYMS)
    elif pat == 1:
        s = (
            _leet(w1.capitalize(), rng)
            + rng.choice("-_.")
            + w2.capitalize()
            + str(rng.randint(10, 99))
        )
    elif pat == 2:
        s = w1 + w2.capitalize() + rng.choice(_SYMS) + str(rng.randint(100, 9999))
    elif pat == 3:
        s = ".".join([w1, w2, str(rng.randint(10, 999))])
    elif pat == 4:
        s = (
            rng.choice("!*@")
            + _leet(w1, rng).upper()
            + str(rng.randint(1000, 99999))
            + _leet(w2, rng)
        )
    elif pat == 5:
        s = w1.capitalize() + rng.choice(_SYMS) + rng.choice(_SYMS) + w2 + str(rng.randint(1, 9))
    elif pat == 6:
        s = (
            _r(rng, _ALNUM, rng.randint(10, 16))
            + rng.choice(_SYMS)
            + _r(rng, _ALNUM, rng.randint(2, 6))
        )
    elif pat == 7:
        s = _leet(w1 + w2, rng) + str(rng.randint(1, 99)) + rng.choice(_SYMS)
    elif pat == 8:
        s = (
            w1.upper()[:4]
            + rng.choice(_SYMS)
            + w2.capitalize()
            + rng.choice(_SYMS)
            + str(rng.randint(2000, 2026))
        )
    else:
        s = _r(rng, _ALNUM + "!@$%^&*-_=+", rng.randint(14, 24))
    while len(s) < 9:
        s += str(rng.randint(0, 9))
    return s


@_secret("pwq")
def _g_pwq(rng: random.Random) -> str:
    # a password carrying a quote or backslash (so escaped forms differ)
    w = rng.choice(_WORDS).capitalize()
    return (
        w + rng.choice(['"', "\\", '\\"']) + _r(rng, _ALNUM, rng.randint(6, 10)) + rng.choice("!$%")
    )


@_secret("pw8")
def _g_pw8(rng: random.Random) -> str:
    return _r(rng, _ALNUM + "!@#%", 8)


@_secret("pp")
def _g_pp(rng: random.Random) -> str:
    words = rng.sample(_WORDS, 4)
    sep = rng.choice([" ", "-", " ", "_"])
    if rng.random() < 0.4:
        words[rng.randrange(4)] = str(rng.randint(7, 99))
    return sep.join(words)


def _rand_len(alphabet: str, lo: int, hi: int) -> Callable[[random.Random], str]:
    def gen(rng: random.Random) -> str:
        return _r(rng, alphabet, rng.randint(lo, hi))

    return gen


_SECRETS["r12"] = _rand_len(_ALNUM, 12, 14)
_SECRETS["r16"] = _rand_len(_ALNUM, 16, 18)
_SECRETS["r20"] = _rand_len(_ALNUM, 20, 22)
_SECRETS["r24"] = _rand_len(_ALNUM, 24, 26)
_SECRETS["r32"] = _rand_len(_ALNUM, 32, 32)
_SECRETS["r40"] = _rand_len(_ALNUM, 40, 44)
_SECRETS["r64"] = _rand_len(_ALNUM, 64, 64)
_SECRETS["rl"] = _rand_len(_LALNUM, 16, 28)
_SECRETS["rs"] = _rand_len(_ALNUM + "!@$%^&*()-_=+[]{}<>?~", 16, 28)
_SECRETS["hex16"] = _rand_len(_HEX, 16, 16)
_SECRETS["hex32"] = _rand_len(_HEX, 32, 32)
_SECRETS["hex40"] = _rand_len(_HEX, 40, 40)
_SECRETS["hex64"] = _rand_len(_HEX, 64, 64)
_SECRETS["rkb"] = _rand_len(_HEX, 128, 128)
_SECRETS["b32"] = _rand_len(_B32, 32, 32)
_SECRETS["mm"] = _rand_len(_LALNUM, 26, 26)
_SECRETS["slk"] = _rand_len(_ALNUM, 24, 24)
_SECRETS["disc"] = _rand_len(_B64U, 68, 68)
_SECRETS["cfk"] = _rand_len(_B64U, 40, 40)
_SECRETS["azdo"] = _rand_len("abcdefghijklmnopqrstuvwxyz234567", 52, 52)
_SECRETS["ecookie"] = _rand_len(_UPPER, 20, 20)
_SECRETS["kv"] = _rand_len(_UHEX, 32, 32)


@_secret("nkey")
def _g_nkey(rng: random.Random) -> str:
    return "SUA" + _r(rng, _B32, 55)


@_secret("b64_16")
def _g_b64_16(rng: random.Random) -> str:
    return _b64(_rbytes(rng, 16))


@_secret("b64_32", "wgk", "tsig")
def _g_b64_32(rng: random.Random) -> str:
    return _b64(_rbytes(rng, 32))


@_secret("b64_48")
def _g_b64_48(rng: random.Random) -> str:
    return _b64(_rbytes(rng, 48))


@_secret("b64_64", "azkey")
def _g_b64_64(rng: random.Random) -> str:
    return _b64(_rbytes(rng, 64))


@_secret("b64u32")
def _g_b64u32(rng: random.Random) -> str:
    return _b64u(_rbytes(rng, 32))


@_secret("usec")
def _g_usec(rng: random.Random) -> str:
    return _ruuid(rng)


@_secret("akid")
def _g_akid(rng: random.Random) -> str:
    return "AKIA" + _r(rng, _B32, 16)


@_secret("asia")
def _g_asia(rng: random.Random) -> str:
    return "ASIA" + _r(rng, _B32, 16)


@_secret("awssk")
def _g_awssk(rng: random.Random) -> str:
    return _r(rng, _B64, 40)


@_secret("awsst")
def _g_awsst(rng: random.Random) -> str:
    return "IQoJb3JpZ2luX2VjE" + _r(rng, _B64, rng.randint(200, 260)) + "="


@_secret("ghp")
def _g_ghp(rng: random.Random) -> str:
    return "ghp_" + _r(rng, _ALNUM, 36)


@_secret("gho")
def _g_gho(rng: random.Random) -> str:
    return "gho_" + _r(rng, _ALNUM, 36)


@_secret("ghs")
def _g_ghs(rng: random.Random) -> str:
    return "ghs_" + _r(rng, _ALNUM, 36)


@_secret("ghpat")
def _g_ghpat(rng: random.Random) -> str:
    return "github_pat_11" + _r(rng, _UALNUM, 20) + "_" + _r(rng, _ALNUM, 59)


@_secret("glpat")
def _g_glpat(rng: random.Random) -> str:
    return "glpat-" + _r(rng, _ALNUM + "-_", 20)


@_secret("glrt")
def _g_glrt(rng: random.Random) -> str:
    return "glrt-" + _r(rng, _ALNUM + "-_", 20)


@_secret("glptt")
def _g_glptt(rng: random.Random) -> str:
    return "glptt-" + _r(rng, _HEX, 40)


@_secret("xoxb")
def _g_xoxb(rng: random.Random) -> str:
    return "xoxb-%s-%s-%s" % (_r(rng, _DIG, 11), _r(rng, _DIG, 13), _r(rng, _ALNUM, 24))


@_secret("xoxp")
def _g_xoxp(rng: random.Random) -> str:
    return "xoxp-%s-%s-%s-%s" % (
        _r(rng, _DIG, 11),
        _r(rng, _DIG, 11),
        _r(rng, _DIG, 13),
        _r(rng, _HEX, 32),
    )


@_secret("tg")
def _g_tg(rng: random.Random) -> str:
    return "%d:AA%s" % (rng.randint(10**9, 7 * 10**9), _r(rng, _B64U, 33))


@_secret("sklive")
def _g_sklive(rng: random.Random) -> str:
    return "sk_live_" + rng.choice(["51", "4e"]) + _r(rng, _ALNUM, rng.choice([24, 97]))


@_secret("rklive")
def _g_rklive(rng: random.Random) -> str:
    return "rk_live_" + _r(rng, _ALNUM, 24)


@_secret("whsec")
def _g_whsec(rng: random.Random) -> str:
    return "whsec_" + _r(rng, _ALNUM, 32)


@_secret("sg")
def _g_sg(rng: random.Random) -> str:
    return "SG." + _r(rng, _B64U, 22) + "." + _r(rng, _B64U, 43)


@_secret("mg")
def _g_mg(rng: random.Random) -> str:
    return "key-" + _r(rng, _HEX, 32)


@_secret("twsk")
def _g_twsk(rng: random.Random) -> str:
    return "SK" + _r(rng, _HEX, 32)


@_secret("aiza")
def _g_aiza(rng: random.Random) -> str:
    return "AIza" + _r(rng, _B64U, 35)


@_secret("gocspx")
def _g_gocspx(rng: random.Random) -> str:
    return "GOCSPX-" + _r(rng, _B64U, 28)


@_secret("ya29")
def _g_ya29(rng: random.Random) -> str:
    return "ya29.a0" + _r(rng, _B64U, rng.randint(140, 180))


@_secret("azcs")
def _g_azcs(rng: random.Random) -> str:
    return _r(rng, _ALNUM, 3) + str(rng.randint(0, 9)) + "Q~" + _r(rng, _ALNUM + "_-.~", 34)


@_secret("npm")
def _g_npm(rng: random.Random) -> str:
    return "npm_" + _r(rng, _ALNUM, 36)


@_secret("pypi")
def _g_pypi(rng: random.Random) -> str:
    return "pypi-AgEIcHlwaS5vcmc" + _r(rng, _B64U, rng.randint(140, 170))


def _jwt(rng: random.Random, alg: str, payload: dict[str, object]) -> str:
    hdr: dict[str, object] = {"alg": alg, "typ": "JWT"}
    if alg == "RS256":
        hdr = {"alg": alg, "kid": _r(rng, _B64U, 43)}
    sig_len = 342 if alg == "RS256" else 43
    return "%s.%s.%s" % (
        _b64u(json.dumps(hdr, separators=(",", ":")).encode()),
        _b64u(json.dumps(payload, separators=(",", ":")).encode()),
        _r(rng, _B64U, sig_len),
    )


@_secret("jwt")
def _g_jwt(rng: random.Random) -> str:
    iat = 1795800000 + rng.randrange(400000)
    payload = {
        "sub": str(rng.randint(1000, 99999)),
        "name": rng.choice(["svc-billing", "ops-bot", "grafana", "deploy"]),
        "scope": rng.choice(["read write", "admin", "metrics:read"]),
        "iat": iat,
        "exp": iat + rng.choice([900, 3600, 86400]),
        "jti": _r(rng, _HEX, 16),
    }
    return _jwt(rng, rng.choice(["HS256", "RS256"]), payload)


@_secret("kjwt")
def _g_kjwt(rng: random.Random) -> str:
    iat = 1795800000 + rng.randrange(400000)
    ns = rng.choice(["payments", "monitoring", "kube-system", "ci"])
    sa = rng.choice(["default", "deployer", "prometheus", "argocd-server"])
    payload = {
        "aud": ["https://kubernetes.default.svc.cluster.local"],
        "exp": iat + 31536000,
        "iat": iat,
        "iss": "https://kubernetes.default.svc.cluster.local",
        "kubernetes.io": {"namespace": ns, "serviceaccount": {"name": sa, "uid": _ruuid(rng)}},
        "sub": "system:serviceaccount:%s:%s" % (ns, sa),
    }
    return _jwt(rng, "RS256", payload)


@_secret("hvs")
def _g_hvs(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return "hvs." + _r(rng, _ALNUM, 24)
    return "hvs.CAESI" + _r(rng, _B64U, 86)


@_secret("vs")
def _g_vs(rng: random.Random) -> str:
    return "s." + _r(rng, _ALNUM, 24)


@_secret("dckr")
def _g_dckr(rng: random.Random) -> str:
    return "dckr_pat_" + _r(rng, _B64U, 27)


@_secret("kboot")
def _g_kboot(rng: random.Random) -> str:
    return _r(rng, _LALNUM, 6) + "." + _r(rng, _LALNUM, 16)


@_secret("tfc")
def _g_tfc(rng: random.Random) -> str:
    return _r(rng, _ALNUM, 14) + ".atlasv1." + _r(rng, _ALNUM, 67)


@_secret("oai")
def _g_oai(rng: random.Random) -> str:
    return "sk-proj-" + _r(rng, _B64U, 74) + "T3BlbkFJ" + _r(rng, _B64U, 74)


@_secret("ant")
def _g_ant(rng: random.Random) -> str:
    return "sk-ant-api03-" + _r(rng, _B64U, 93) + "AA"


@_secret("shpat")
def _g_shpat(rng: random.Random) -> str:
    return "shpat_" + _r(rng, _HEX, 32)


@_secret("dop")
def _g_dop(rng: random.Random) -> str:
    return "dop_v1_" + _r(rng, _HEX, 64)


@_secret("nrak")
def _g_nrak(rng: random.Random) -> str:
    return "NRAK-" + _r(rng, _UALNUM, 27)


@_secret("nrlic")
def _g_nrlic(rng: random.Random) -> str:
    return _r(rng, _HEX, 36) + "NRAL"


@_secret("glsa")
def _g_glsa(rng: random.Random) -> str:
    return "glsa_" + _r(rng, _ALNUM, 32) + "_" + _r(rng, _HEX, 8)


@_secret("glc")
def _g_glc(rng: random.Random) -> str:
    body = json.dumps(
        {
            "o": str(rng.randint(100000, 999999)),
            "n": "stack-%d-hm-write" % rng.randint(100000, 999999),
            "k": _r(rng, _ALNUM, 24),
            "m": {"r": "prod-eu-west-2"},
        },
        separators=(",", ":"),
    )
    return "glc_" + _b64(body.encode())


@_secret("age")
def _g_age(rng: random.Random) -> str:
    return "AGE-SECRET-KEY-1" + _r(rng, "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L", 58)


@_secret("djk")
def _g_djk(rng: random.Random) -> str:
    body = _r(rng, "abcdefghijklmnopqrstuvwxyz0123456789!@$^&*(-_=+)", 50)
    return ("django-insecure-" + body) if rng.random() < 0.3 else body


@_secret("mysqlh")
def _g_mysqlh(rng: random.Random) -> str:
    return "*" + _r(rng, _UHEX, 40)


@_secret("sha512c")
def _g_sha512c(rng: random.Random) -> str:
    return "$6$" + _r(rng, _CRYPT, 16) + "$" + _r(rng, _CRYPT, 86)


@_secret("yescrypt")
def _g_yescrypt(rng: random.Random) -> str:
    return "$y$j9T$" + _r(rng, _CRYPT, 22) + "$" + _r(rng, _CRYPT, 43)


@_secret("apr1")
def _g_apr1(rng: random.Random) -> str:
    return "$apr1$" + _r(rng, _CRYPT, 8) + "$" + _r(rng, _CRYPT, 22)


@_secret("bcrypt")
def _g_bcrypt(rng: random.Random) -> str:
    return rng.choice(["$2y$10$", "$2b$12$", "$2a$11$"]) + _r(rng, _CRYPT, 53)


@_secret("atl")
def _g_atl(rng: random.Random) -> str:
    return "ATATT3xFfGF0" + _r(rng, _B64U, 170) + "=" + _r(rng, _UHEX, 8)


@_secret("hf")
def _g_hf(rng: random.Random) -> str:
    return "hf_" + _r(rng, string.ascii_letters, 34)


@_secret("sntryu")
def _g_sntryu(rng: random.Random) -> str:
    return "sntryu_" + _r(rng, _HEX, 64)


@_secret("linear")
def _g_linear(rng: random.Random) -> str:
    return "lin_api_" + _r(rng, _ALNUM, 40)


@_secret("pdtok")
def _g_pdtok(rng: random.Random) -> str:
    return "u+" + _r(rng, _ALNUM + "_-", 18)


@_secret("pmak")
def _g_pmak(rng: random.Random) -> str:
    return "PMAK-" + _r(rng, _HEX, 24) + "-" + _r(rng, _HEX, 34)


@_secret("squ")
def _g_squ(rng: random.Random) -> str:
    return "squ_" + _r(rng, _HEX, 40)


@_secret("okta")
def _g_okta(rng: random.Random) -> str:
    return "00" + _r(rng, _B64U, 40)


@_secret("snmp")
def _g_snmp(rng: random.Random) -> str:
    return rng.choice(_WORDS) + rng.choice(["RO", "_ro", "-mon", "Net"]) + str(rng.randint(10, 999))


def _pem(rng: random.Random, label: str, prefix: str, total: int, width: int = 64) -> str:
    body = prefix + _r(rng, _B64, total - len(prefix) - 1) + "="
    lines = [body[i : i + width] for i in range(0, len(body), width)]
    return "-----BEGIN %s-----\n%s\n-----END %s-----" % (label, "\n".join(lines), label)


@_secret("pem_ec")
def _g_pem_ec(rng: random.Random) -> str:
    return _pem(rng, "EC PRIVATE KEY", "MHcCAQEEI" + rng.choice("ABCDEFGH"), 164)


@_secret("pem_p8")
def _g_pem_p8(rng: random.Random) -> str:
    return _pem(rng, "PRIVATE KEY", "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg", 184)


@_secret("pem_rsa")
def _g_pem_rsa(rng: random.Random) -> str:
    return _pem(rng, "RSA PRIVATE KEY", "MIICXQIBAAKBgQ" + rng.choice("CDEF"), 816)


@_secret("pem_p8rsa")
def _g_pem_p8rsa(rng: random.Random) -> str:
    return _pem(rng, "PRIVATE KEY", "MIICdwIBADANBgkqhkiG9w0BAQEFAASCAmEwggJdAgEAAoGB", 848)


@_secret("pem_enc")
def _g_pem_enc(rng: random.Random) -> str:
    return _pem(rng, "ENCRYPTED PRIVATE KEY", "MIHsMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAc", 320)


@_secret("pem_ossh")
def _g_pem_ossh(rng: random.Random) -> str:
    head = "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW"
    rest = "QyNTUxOQAAACD" + _r(rng, _B64, 387) + "="
    lines = [head] + [rest[i : i + 70] for i in range(0, len(rest), 70)]
    return "-----BEGIN OPENSSH PRIVATE KEY-----\n%s\n-----END OPENSSH PRIVATE KEY-----" % "\n".join(
        lines
    )


_OSSH_HEAD = "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW"


def _pem_values(pem: str) -> list[str]:
    return [
        ln.strip()
        for ln in pem.split("\n")
        if ln.strip() and not ln.startswith("-----") and ln.strip() != _OSSH_HEAD
    ]


# ---------------------------------------------------------------------------
# noise generators: kind -> fn(rng, ctx) -> str  (also used for keep tokens)
# ---------------------------------------------------------------------------
class _Ctx:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.clock = datetime(2026, 11, 28, tzinfo=UTC) + timedelta(
            seconds=rng.randrange(5 * 86400)
        )

    def tick(self) -> datetime:
        self.clock += timedelta(
            seconds=self.rng.randint(0, 75), milliseconds=self.rng.randint(0, 999)
        )
        return self.clock


_NOISE: dict[str, Callable[[random.Random, _Ctx], str]] = {}


def _noise(
    *names: str,
) -> Callable[[Callable[[random.Random, _Ctx], str]], Callable[[random.Random, _Ctx], str]]:
    def deco(fn: Callable[[random.Random, _Ctx], str]) -> Callable[[random.Random, _Ctx], str]:
        for n in names:
            _NOISE[n] = fn
        return fn

    return deco


def _choice_noise(name: str, options: list[str]) -> None:
    def gen(rng: random.Random, ctx: _Ctx) -> str:
        return rng.choice(options)

    _NOISE[name] = gen


def _hex_noise(name: str, n: int, alphabet: str = _HEX) -> None:
    def gen(rng: random.Random, ctx: _Ctx) -> str:
        return _r(rng, alphabet, n)

    _NOISE[name] = gen


_ROLES = [
    "db",
    "web",
    "api",
    "cache",
    "mq",
    "lb",
    "node",
    "etl",
    "mail",
    "ns",
    "vault",
    "runner",
    "mon",
    "log",
    "kafka",
    "redis",
    "pg",
    "es",
    "app",
    "edge",
    "bastion",
    "nfs",
]
_ENVS = ["prod", "stg", "eu1", "us2", "int", "ops", "fra", "ams", "sin", "dc2"]


@_noise("host")
def _n_host(rng: random.Random, ctx: _Ctx) -> str:
    return "%s-%s-%02d" % (rng.choice(_ROLES), rng.choice(_ENVS), rng.randint(1, 40))


_choice_noise(
    "dom",
    [
        "example.net",
        "corp.example.com",
        "internal.acme.io",
        "prod.lan",
        "ops.example.org",
        "infra.example.co",
        "dc1.globex.local",
        "hq.initech.net",
    ],
)
_choice_noise(
    "user",
    [
        "deploy",
        "ansible",
        "svc_backup",
        "jenkins",
        "app",
        "postgres",
        "www-data",
        "ubuntu",
        "ec2-user",
        "ops",
        "mkowalski",
        "ayilmaz",
        "nguyen.van",
        "sofia",
        "ahmed",
        "jdevries",
        "kari",
        "oncall",
        "root",
        "gitlab-runner",
        "tkaya",
        "pnowak",
        "lhansen",
        "rpetrova",
    ],
)
_choice_noise(
    "dbuser",
    [
        "billing",
        "app_rw",
        "orders_svc",
        "replicator",
        "grafana",
        "keycloak",
        "wp_user",
        "etl_loader",
        "reporting_ro",
        "odoo",
        "zabbix",
        "gitea",
        "nextcloud",
    ],
)
_choice_noise(
    "db",
    [
        "billing",
        "orders",
        "inventory",
        "ledger",
        "keycloak",
        "zabbix",
        "wordpress",
        "analytics",
        "payments",
        "crm",
        "gitea",
    ],
)
_choice_noise(
    "app",
    [
        "billing",
        "checkout",
        "payments-api",
        "orders",
        "auth",
        "search",
        "notifier",
        "ledger",
        "inventory",
        "gateway",
        "reports",
        "catalog",
        "webhooks",
        "scheduler",
    ],
)
_choice_noise(
    "ns",
    [
        "payments",
        "prod",
        "monitoring",
        "platform",
        "ingress-nginx",
        "data",
        "team-orders",
        "default",
        "ci",
        "observability",
    ],
)
_choice_noise(
    "region",
    ["eu-central-1", "eu-west-1", "us-east-1", "us-west-2", "ap-southeast-1", "eu-north-1"],
)
_choice_noise(
    "nick",
    [
        "mkowalski",
        "ayse.k",
        "nguyen",
        "sofia_r",
        "ahmed.h",
        "jan.devries",
        "kari.n",
        "tomas",
        "priya",
        "yusuf",
        "eleni",
        "oren",
        "farid",
        "somchai",
        "wanjiru",
        "bogdan",
        "lena",
        "mikko",
        "astrid",
        "ioana",
        "pedro",
        "chen",
        "dara",
        "giorgi",
    ],
)
_choice_noise(
    "ua",
    [
        "curl/8.5.0",
        "Go-http-client/1.1",
        "python-requests/2.32.3",
        "Prometheus/2.53.1",
        "kube-probe/1.30",
        "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0",
        "Grafana/11.3.0",
        "okhttp/4.12.0",
        "Wget/1.21.4",
        "axios/1.7.7",
    ],
)
_choice_noise(
    "ver", ["1.4.2", "2.14.3", "0.9.17", "3.2.0", "5.1.1", "1.27.3", "2.0.0-rc.2", "4.8.11"]
)


@_noise("ip")
def _n_ip(rng: random.Random, ctx: _Ctx) -> str:
    k = rng.randrange(3)
    if k == 0:
        return "10.%d.%d.%d" % (rng.randint(0, 255), rng.randint(0, 255), rng.randint(2, 254))
    if k == 1:
        return "172.%d.%d.%d" % (rng.randint(16, 31), rng.randint(0, 255), rng.randint(2, 254))
    return "192.168.%d.%d" % (rng.randint(0, 255), rng.randint(2, 254))


@_noise("pubip")
def _n_pubip(rng: random.Random, ctx: _Ctx) -> str:
    return "%s.%d" % (rng.choice(["203.0.113", "198.51.100", "192.0.2"]), rng.randint(2, 254))


@_noise("port")
def _n_port(rng: random.Random, ctx: _Ctx) -> str:
    return str(rng.randint(1025, 65000))


@_noise("pid")
def _n_pid(rng: random.Random, ctx: _Ctx) -> str:
    return str(rng.randint(300, 4194303))


@_noise("num")
def _n_num(rng: random.Random, ctx: _Ctx) -> str:
    return str(rng.randint(1, 999))


@_noise("ms")
def _n_ms(rng: random.Random, ctx: _Ctx) -> str:
    return str(rng.randint(1, 4999))


@_noise("size")
def _n_size(rng: random.Random, ctx: _Ctx) -> str:
    return str(rng.randint(120, 98000))


@_noise("ts")
def _n_ts(rng: random.Random, ctx: _Ctx) -> str:
    t = ctx.tick()
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (t.microsecond // 1000)


@_noise("tsl")
def _n_tsl(rng: random.Random, ctx: _Ctx) -> str:
    t = ctx.tick()
    return t.strftime("%Y-%m-%d %H:%M:%S,") + "%03d" % (t.microsecond // 1000)


@_noise("tss")
def _n_tss(rng: random.Random, ctx: _Ctx) -> str:
    return ctx.tick().strftime("%Y-%m-%d %H:%M:%S")


@_noise("sys")
def _n_sys(rng: random.Random, ctx: _Ctx) -> str:
    t = ctx.tick()
    return t.strftime("%b ") + "%2d" % t.day + t.strftime(" %H:%M:%S")


@_noise("clf")
def _n_clf(rng: random.Random, ctx: _Ctx) -> str:
    return ctx.tick().strftime("%d/%b/%Y:%H:%M:%S +0000")


@_noise("epoch")
def _n_epoch(rng: random.Random, ctx: _Ctx) -> str:
    return str(int(ctx.tick().timestamp()))


@_noise("epochf")
def _n_epochf(rng: random.Random, ctx: _Ctx) -> str:
    t = ctx.tick()
    return "%d.%06d" % (int(t.timestamp()), t.microsecond)


@_noise("hm")
def _n_hm(rng: random.Random, ctx: _Ctx) -> str:
    return ctx.tick().strftime("%H:%M")


@_noise("tsa")
def _n_tsa(rng: random.Random, ctx: _Ctx) -> str:
    t = ctx.tick()
    return t.strftime("%A %d %B %Y  %H:%M:%S +0000") + " (0:00:%02d.%03d)" % (
        rng.randint(0, 59),
        rng.randint(0, 999),
    )


@_noise("date")
def _n_date(rng: random.Random, ctx: _Ctx) -> str:
    return ctx.clock.strftime("%Y-%m-%d")


@_noise("uuid", "k8suid", "reqid", "lineage", "cephfsid", "fsuuid")
def _n_uuid(rng: random.Random, ctx: _Ctx) -> str:
    return _ruuid(rng)


_hex_noise("cid64", 64)
_hex_noise("hex25", 25)
_hex_noise("nhex16", 16)
_hex_noise("nhex32", 32)
_hex_noise("cid12", 12)
_hex_noise("sha40", 40)
_hex_noise("sha7", 7)
_hex_noise("invid", 32)
_hex_noise("bootid", 32)
_hex_noise("mid", 32)
_hex_noise("traceid", 32)
_hex_noise("spanid", 16)
_hex_noise("md5", 32)
_hex_noise("sha1", 40)
_hex_noise("sha256", 64)
_hex_noise("sentryev", 32)
_hex_noise("alertfp", 16)
_hex_noise("gpgid", 16, _UHEX)
_hex_noise("xamz", 16, _UALNUM)


@_noise("digest")
def _n_digest(rng: random.Random, ctx: _Ctx) -> str:
    return "sha256:" + _r(rng, _HEX, 64)


@_noise("pod")
def _n_pod(rng: random.Random, ctx: _Ctx) -> str:
    return "%s-%s-%s" % (
        rng.choice(
            [
                "billing",
                "checkout",
                "payments-api",
                "orders",
                "auth",
                "search",
                "notifier",
                "gateway",
                "catalog",
            ]
        ),
        _r(rng, _K8S_HASH, rng.choice([9, 10])),
        _r(rng, _K8S_HASH, 5),
    )


@_noise("rv")
def _n_rv(rng: random.Random, ctx: _Ctx) -> str:
    return str(rng.randint(1000000, 999999999))


@_noise("inode", "kpid")
def _n_inode(rng: random.Random, ctx: _Ctx) -> str:
    return str(rng.randint(100000, 9999999))


@_noise("awxjob", "jobid")
def _n_awxjob(rng: random.Random, ctx: _Ctx) -> str:
    return str(rng.randint(100000, 999999))


@_noise("unit")
def _n_unit(rng: random.Random, ctx: _Ctx) -> str:
    return rng.choice(
        [
            "nginx.service",
            "postgresql@16-main.service",
            "docker.service",
            "kubelet.service",
            "haproxy.service",
            "billing-worker@%d.service" % rng.randint(1, 9),
            "certbot-renew.timer",
            "node_exporter.service",
            "consul.service",
            "logrotate.service",
            "containerd.service",
            "keepalived.service",
        ]
    )


@_noise("cursor")
def _n_cursor(rng: random.Random, ctx: _Ctx) -> str:
    return "s=%s;i=%x;b=%s;m=%x;t=%x;x=%s" % (
        _r(rng, _HEX, 32),
        rng.randint(10**5, 10**7),
        _r(rng, _HEX, 32),
        rng.randint(10**8, 10**11),
        rng.randint(10**15, 2 * 10**15),
        _r(rng, _HEX, 16),
    )


@_noise("traceparent")
def _n_traceparent(rng: random.Random, ctx: _Ctx) -> str:
    return "00-%s-%s-01" % (_r(rng, _HEX, 32), _r(rng, _HEX, 16))


@_noise("anstask")
def _n_anstask(rng: random.Random, ctx: _Ctx) -> str:
    return "%s-%s-%s-%s-%012x" % (
        _r(rng, _HEX, 8),
        _r(rng, _HEX, 4),
        _r(rng, _HEX, 4),
        _r(rng, _HEX, 4),
        rng.randint(16, 900),
    )


@_noise("tfaddr")
def _n_tfaddr(rng: random.Random, ctx: _Ctx) -> str:
    return rng.choice(
        [
            "module.vpc.aws_subnet.private[%d]" % rng.randint(0, 3),
            "aws_db_instance.billing",
            'module.eks.aws_eks_node_group.this["general"]',
            "google_sql_database_instance.main",
            "azurerm_key_vault.ops",
            "aws_iam_role.ci_deployer",
            "module.dns.aws_route53_record.api",
        ]
    )


@_noise("etag")
def _n_etag(rng: random.Random, ctx: _Ctx) -> str:
    return _r(rng, _HEX, 32) + rng.choice(["", "-%d" % rng.randint(2, 40)])


@_noise("certserial")
def _n_certserial(rng: random.Random, ctx: _Ctx) -> str:
    return ":".join(_r(rng, _UHEX, 2) for _ in range(rng.choice([16, 18])))


@_noise("certfp")
def _n_certfp(rng: random.Random, ctx: _Ctx) -> str:
    return ":".join(_r(rng, _UHEX, 2) for _ in range(32))


@_noise("sshfp")
def _n_sshfp(rng: random.Random, ctx: _Ctx) -> str:
    return "SHA256:" + _b64(_rbytes(rng, 32)).rstrip("=")


@_noise("pkgver")
def _n_pkgver(rng: random.Random, ctx: _Ctx) -> str:
    return rng.choice(
        [
            "1.24.0-2ubuntu7.3",
            "3.0.13-0ubuntu3.4",
            "2.4.62-1~deb12u2",
            "16.6-1.pgdg120+1",
            "1:9.6p1-3ubuntu13.5",
            "27.3.1-1~ubuntu.24.04~noble",
            "1.7.22-1",
            "openssl-3.0.7-27.el9",
            "nginx-1.26.2-1.el9.ngx",
        ]
    )


@_noise("kver")
def _n_kver(rng: random.Random, ctx: _Ctx) -> str:
    return rng.choice(
        [
            "6.8.0-49-generic",
            "5.15.0-126-generic",
            "6.1.0-27-amd64",
            "5.14.0-427.42.1.el9_4.x86_64",
            "6.6.58-flatcar",
            "6.1.115-126.197.amzn2023.x86_64",
        ]
    )


@_noise("leorder")
def _n_leorder(rng: random.Random, ctx: _Ctx) -> str:
    return str(rng.randint(10**9, 4 * 10**11))


@_noise("dkimsel")
def _n_dkimsel(rng: random.Random, ctx: _Ctx) -> str:
    return rng.choice(
        [
            "s%s" % ctx.clock.strftime("%Y%m"),
            "mail%d" % rng.randint(2024, 2026),
            "selector%d" % rng.randint(1, 3),
            "k%s" % ctx.clock.strftime("%Y%m%d"),
        ]
    )


@_noise("dnsserial")
def _n_dnsserial(rng: random.Random, ctx: _Ctx) -> str:
    return ctx.clock.strftime("%Y%m%d") + "%02d" % rng.randint(1, 12)


@_noise("qid")
def _n_qid(rng: random.Random, ctx: _Ctx) -> str:
    return _r(rng, _UHEX, rng.choice([10, 11]))


@_noise("msgid")
def _n_msgid(rng: random.Random, ctx: _Ctx) -> str:
    return "%s.%s@%s" % (
        ctx.clock.strftime("%Y%m%d%H%M%S"),
        _r(rng, _UHEX, 10),
        rng.choice(["mx1.example.net", "mail.corp.example.com", "smtp.acme.io"]),
    )


@_noise("gfuid")
def _n_gfuid(rng: random.Random, ctx: _Ctx) -> str:
    return _r(rng, _ALNUM, rng.choice([9, 14]))


@_noise("iid")
def _n_iid(rng: random.Random, ctx: _Ctx) -> str:
    return "i-0" + _r(rng, _HEX, 16)


@_noise("ami")
def _n_ami(rng: random.Random, ctx: _Ctx) -> str:
    return "ami-0" + _r(rng, _HEX, 16)


@_noise("vpc")
def _n_vpc(rng: random.Random, ctx: _Ctx) -> str:
    return rng.choice(["vpc-0", "subnet-0", "sg-0"]) + _r(rng, _HEX, 16)


@_noise("acct")
def _n_acct(rng: random.Random, ctx: _Ctx) -> str:
    return _r(rng, _DIG, 12)


@_noise("lvmuuid")
def _n_lvmuuid(rng: random.Random, ctx: _Ctx) -> str:
    return "-".join(_r(rng, _ALNUM, n) for n in (6, 4, 4, 4, 4, 4, 6))


@_noise("mac")
def _n_mac(rng: random.Random, ctx: _Ctx) -> str:
    return ":".join(_r(rng, _HEX, 2) for _ in range(6))


@_noise("img")
def _n_img(rng: random.Random, ctx: _Ctx) -> str:
    return (
        rng.choice(
            [
                "ghcr.io/acme/billing-api",
                "registry.example.net/platform/gateway",
                "docker.io/library/postgres",
                "quay.io/prometheus/node-exporter",
                "registry.gitlab.com/globex/orders",
            ]
        )
        + ":"
        + rng.choice(["v2.14.3", "16.6-bookworm", "1.8.2", "2026.11.28-3", "v1.27.3"])
    )


@_noise("runid")
def _n_runid(rng: random.Random, ctx: _Ctx) -> str:
    return str(rng.randint(10**10, 2 * 10**10))


@_noise("b3")
def _n_b3(rng: random.Random, ctx: _Ctx) -> str:
    return "%s-%s-1" % (_r(rng, _HEX, 32), _r(rng, _HEX, 16))


@_noise("cfid")
def _n_cfid(rng: random.Random, ctx: _Ctx) -> str:
    return _r(rng, _B64U, 54) + "=="


@_noise("wwn")
def _n_wwn(rng: random.Random, ctx: _Ctx) -> str:
    return "0x5000c500" + _r(rng, _HEX, 8)


@_noise("slkteam")
def _n_slkteam(rng: random.Random, ctx: _Ctx) -> str:
    return "T0" + _r(rng, _UALNUM, 9)


@_noise("slkbot")
def _n_slkbot(rng: random.Random, ctx: _Ctx) -> str:
    return "B0" + _r(rng, _UALNUM, 9)


@_noise("chartver")
def _n_chartver(rng: random.Random, ctx: _Ctx) -> str:
    return "%s-%d.%d.%d" % (
        rng.choice(["billing", "gateway", "orders", "kube-prometheus-stack", "redis"]),
        rng.randint(0, 60),
        rng.randint(0, 20),
        rng.randint(0, 9),
    )


@_noise("nonce")
def _n_nonce(rng: random.Random, ctx: _Ctx) -> str:
    return _r(rng, _LOWER, 32)


@_noise("acc24")
def _n_acc24(rng: random.Random, ctx: _Ctx) -> str:
    return _r(rng, _ALNUM, 24)


@_noise("salt16")
def _n_salt16(rng: random.Random, ctx: _Ctx) -> str:
    return _b64(_rbytes(rng, 16))


@_noise("sri512")
def _n_sri512(rng: random.Random, ctx: _Ctx) -> str:
    return _b64(_rbytes(rng, 64))


@_noise("pubjwt")
def _n_pubjwt(rng: random.Random, ctx: _Ctx) -> str:
    return _g_jwt(rng)


@_noise("tab")
def _n_tab(rng: random.Random, ctx: _Ctx) -> str:
    return "\t"


@_noise("chash")
def _n_chash(rng: random.Random, ctx: _Ctx) -> str:
    return _r(rng, _K8S_HASH, 10)


# ---------------------------------------------------------------------------
# transforms:  <<fn:arg,arg>>
# ---------------------------------------------------------------------------
def _t_indent(n: int) -> Callable[[str], str]:
    def fn(x: str) -> str:
        return x.replace("\n", "\n" + " " * n)

    return fn


_FUNCS: dict[str, Callable[..., str]] = {
    "b64": lambda x: _b64(x.encode()),
    "b64n": lambda x: _b64((x + "\n").encode()),
    "basic": lambda u, p: _b64(("%s:%s" % (u, p)).encode()),
    "url": lambda x: urllib.parse.quote(x, safe=""),
    "qp": lambda x: urllib.parse.quote_plus(x),
    "hexenc": lambda x: x.encode().hex(),
    "hexu": lambda x: x.encode().hex().upper(),
    "json": lambda x: json.dumps(x)[1:-1],
    "xml": lambda x: html.escape(x, quote=True),
    "pgmd5": lambda p, u: "md5" + hashlib.md5((p + u).encode()).hexdigest(),
    "upper": lambda x: x.upper(),
    "dollar": lambda x: x.replace("$", "$$"),
    "dcj": lambda u, p: _b64(
        json.dumps(
            {
                "auths": {
                    "ghcr.io": {
                        "username": u,
                        "password": p,
                        "auth": _b64(("%s:%s" % (u, p)).encode()),
                    }
                }
            },
            separators=(",", ":"),
        ).encode()
    ),
    "plain": lambda u, p: _b64(("\0%s\0%s" % (u, p)).encode()),
    "xoauth2": lambda u, t: _b64(("user=%s\x01auth=Bearer %s\x01\x01" % (u, t)).encode()),
    "pemjson": lambda x: x.replace("\n", "\\n") + "\\n",
    "pemsp": lambda x: x.replace("\n", " "),
    "ind2": _t_indent(2),
    "ind4": _t_indent(4),
    "ind6": _t_indent(6),
    "ind8": _t_indent(8),
    "ind10": _t_indent(10),
    "ind12": _t_indent(12),
}
_PEM_FUNCS = {"pemjson", "pemsp", "ind2", "ind4", "ind6", "ind8", "ind10", "ind12"}

# ---------------------------------------------------------------------------
# rendering
# ---------------------------------------------------------------------------
_PH = re.compile(r"<<(\*?)([A-Za-z0-9_#:,]+)>>")


class _Tpl(NamedTuple):
    family: str
    format: str
    text: str


_TEMPLATES: list[_Tpl] = []
_KEEPS: list[_Tpl] = []


def add(family: str, fmt: str, text: str) -> None:
    _TEMPLATES.append(_Tpl(family, fmt, textwrap.dedent(text).strip("\n")))


def add_keep(fmt: str, text: str) -> None:
    _KEEPS.append(_Tpl("keep", fmt, textwrap.dedent(text).strip("\n")))


def _render(
    text: str, rng: random.Random
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    ctx = _Ctx(rng)
    cache: dict[str, tuple[str, list[str], bool]] = {}
    seen_secrets: set[str] = set()
    values: list[str] = []
    tokens: list[str] = []

    def resolve(name: str) -> tuple[str, list[str], bool]:
        if name in cache:
            return cache[name]
        kind = name.split("#")[0]
        if kind in _SECRETS:
            s = _SECRETS[kind](rng)
            while s in seen_secrets:
                s = _SECRETS[kind](rng)
            seen_secrets.add(s)
            res = (s, _pem_values(s) if "\n" in s else [s], True)
        elif kind in _NOISE:
            res = (_NOISE[kind](rng, ctx), [], False)
        else:
            raise KeyError("unknown placeholder %r" % name)
        cache[name] = res
        return res

    def sub(m: re.Match[str]) -> str:
        star, expr = m.group(1), m.group(2)
        if ":" in expr:
            fn, args = expr.split(":", 1)
            parts = [resolve(a) for a in args.split(",")]
            out = _FUNCS[fn](*[p[0] for p in parts])
            if any(p[2] for p in parts):
                if fn in _PEM_FUNCS and len(parts) == 1 and "\n" in parts[0][0]:
                    values.extend(parts[0][1])
                else:
                    values.append(out)
        else:
            out, vals, _is_secret = resolve(expr)
            values.extend(vals)
        if star:
            tokens.append(out)
        return out

    rendered = _PH.sub(sub, text)
    lines = tuple(rendered.split("\n"))
    uniq_v = tuple(dict.fromkeys(values))
    uniq_t = tuple(dict.fromkeys(tokens))
    return lines, uniq_v, uniq_t


# ===========================================================================
# TEMPLATES
# ===========================================================================

# --- Ansible task output ----------------------------------------------------
F = "ansible_task_output"
add(
    F,
    "ans_vvv_pg_user_changed",
    r"""
    TASK [postgresql : Create application role] ************************************
    <<tsa>>
    task path: /home/<<user>>/infra/roles/postgresql/tasks/users.yml:14
    changed: [<<host>>] => {
        "changed": true,
        "invocation": {
            "module_args": {
                "login_host": "localhost",
                "login_user": "postgres",
                "name": "<<dbuser>>",
                "password": "<<pw>>",
                "role_attr_flags": "LOGIN",
                "state": "present"
            }
        },
        "queries": [
            "CREATE USER \"<<dbuser>>\" WITH ENCRYPTED PASSWORD %(password)s LOGIN"
        ],
        "user": "<<dbuser>>"
    }
""",
)
add(
    F,
    "ans_v_mysql_user_oneline",
    r"""
    TASK [mariadb : ensure db user] *************************************************
    ok: [<<host>>] => {"changed": false, "invocation": {"module_args": {"check_implicit_admin": false, "login_password": "<<pw>>", "login_user": "root", "name": "<<dbuser>>", "password": "<<pw#2>>", "priv": "<<db>>.*:ALL", "host": "%", "state": "present"}}, "msg": "User unchanged", "user": "<<dbuser>>"}
""",
)
add(
    F,
    "ans_failed_uri_bearer",
    r"""
    TASK [deploy : notify release API] *********************************************
    fatal: [<<host>>]: FAILED! => {"access_control_allow_origin": "*", "changed": false, "connection": "close", "content_length": "57", "elapsed": 0, "invocation": {"module_args": {"body": {"version": "<<ver>>"}, "body_format": "json", "headers": {"Authorization": "Bearer <<ghp>>"}, "method": "POST", "status_code": ["200"], "url": "https://api.github.com/repos/acme/<<app>>/dispatches", "validate_certs": true}}, "json": {"message": "Bad credentials"}, "msg": "Status code was 401 and not [200]: HTTP Error 401: Unauthorized", "redirected": false, "status": 401, "url": "https://api.github.com/repos/acme/<<app>>/dispatches"}
    ...ignoring
""",
)
add(
    F,
    "ans_vvv_shell_cmd",
    r"""
    TASK [backup : push dump to object store] **************************************
    fatal: [<<host>>]: FAILED! => {
        "changed": true,
        "cmd": "AWS_ACCESS_KEY_ID=<<akid>> AWS_SECRET_ACCESS_KEY=<<awssk>> aws s3 cp /var/backups/<<db>>.sql.gz s3://acme-backups-<<region>>/<<host>>/ --sse aws:kms",
        "delta": "0:00:02.114092",
        "end": "<<tss>>.551120",
        "msg": "non-zero return code",
        "rc": 1,
        "start": "<<tss>>.437028",
        "stderr": "upload failed: ../../var/backups/<<db>>.sql.gz to s3://acme-backups-<<region>>/<<host>>/<<db>>.sql.gz An error occurred (AccessDenied) when calling the PutObject operation: Access Denied",
        "stderr_lines": ["upload failed: ... Access Denied"],
        "stdout": "",
        "stdout_lines": []
    }
""",
)
add(
    F,
    "ans_no_log_leak_debug",
    r"""
    TASK [keycloak : debug realm vars] *********************************************
    ok: [<<host>>] => {
        "keycloak_admin_password": "<<pw>>",
        "keycloak_realm_clients[0].secret": "<<r32>>"
    }
""",
)
add(
    F,
    "ans_vvv_ssh_exec_become",
    r"""
    <<<host>>> ESTABLISH SSH CONNECTION FOR USER: <<user>>
    <<<host>>> SSH: EXEC sshpass -d12 ssh -C -o ControlMaster=auto -o ControlPersist=60s -o 'User="<<user>>"' -o ConnectTimeout=10 <<host>> '/bin/sh -c '"'"'sudo -H -S  -p "[sudo via ansible, key=<<nonce>>] password:" -u root /bin/sh -c '"'"'"'"'"'"'"'"'echo BECOME-SUCCESS-<<nonce#2>> ; /usr/bin/python3'"'"'"'"'"'"'"'"' && sleep 0'"'"''
    [WARNING]: sshpass: using password from file descriptor; ansible_password=<<pw>> set in inventory for <<host>>
""",
)
add(
    F,
    "ans_uri_basic_auth",
    r"""
    TASK [jenkins : trigger seed job] **********************************************
    changed: [<<host>>] => {"changed": true, "invocation": {"module_args": {"force_basic_auth": true, "url": "https://ci.<<dom>>/job/seed/build?token=<<r20>>", "url_username": "<<user>>", "url_password": "<<r32>>", "method": "POST", "status_code": [201]}}, "location": "https://ci.<<dom>>/queue/item/<<num>>/", "status": 201}
""",
)
add(
    F,
    "ans_docker_login",
    r"""
    TASK [registry : docker login] *************************************************
    changed: [<<host>>] => (item=registry.gitlab.com) => {"ansible_loop_var": "item", "changed": true, "invocation": {"module_args": {"email": null, "password": "<<glpat>>", "reauthorize": false, "registry_url": "registry.gitlab.com", "username": "ci-deploy"}}, "item": "registry.gitlab.com", "login_result": {"IdentityToken": "", "Status": "Login Succeeded"}}
""",
)
add(
    F,
    "ans_lineinfile_diff",
    r"""
    TASK [redis : set requirepass] *************************************************
    --- before: /etc/redis/redis.conf (content)
    +++ after: /etc/redis/redis.conf (content)
    @@ -507,7 +507,7 @@
     # requirepass foobared
    -requirepass <<r24>>
    +requirepass <<r24#2>>
     # rename-command CONFIG ""
    changed: [<<host>>]
""",
)
add(
    F,
    "ans_template_diff_env",
    r"""
    TASK [app : render .env] *******************************************************
    --- before: /srv/<<app>>/.env
    +++ after: /home/<<user>>/.ansible/tmp/ansible-local-<<pid>>/tmp8k2h1x/env.j2
    @@ -3,4 +3,4 @@
     APP_ENV=production
    -STRIPE_SECRET_KEY=<<sklive>>
    +STRIPE_SECRET_KEY=<<sklive#2>>
     LOG_LEVEL=info
""",
)
add(
    F,
    "ans_user_module_hash",
    r"""
    TASK [common : create break-glass user] ****************************************
    changed: [<<host>>] => {"append": false, "changed": true, "comment": "break glass", "group": 1001, "home": "/home/breakglass", "invocation": {"module_args": {"name": "breakglass", "password": "<<sha512c>>", "update_password": "always", "shell": "/bin/bash"}}, "name": "breakglass", "password": "NOT_LOGGING_PASSWORD", "shell": "/bin/bash", "state": "present", "system": false, "uid": 1001}
""",
)
add(
    F,
    "ans_k8s_module_token",
    r"""
    TASK [k8s : apply namespace quota] *********************************************
    fatal: [localhost]: FAILED! => {"changed": false, "error": 401, "msg": "Failed to get client due to 401\nReason: Unauthorized", "invocation": {"module_args": {"api_key": "<<kjwt>>", "host": "https://<<ip>>:6443", "validate_certs": false, "kind": "ResourceQuota", "namespace": "<<ns>>"}}}
""",
)
add(
    F,
    "ans_callback_yaml",
    r"""
    TASK [rabbitmq : add vhost user] ***********************************************
    changed: [<<host>>] => changed=true
      cmd:
      - rabbitmqctl
      - add_user
      - <<dbuser>>
      - <<pw>>
      delta: '0:00:01.209311'
      rc: 0
      stdout: Adding user "<<dbuser>>" ...
""",
)
add(
    F,
    "ans_win_rm_failed",
    r"""
    fatal: [<<host>>]: UNREACHABLE! => {"changed": false, "msg": "ssl: the specified credentials were rejected by the server (user=ACME\\svc_ansible password=<<pw>>)", "unreachable": true}
""",
)
add(
    F,
    "ans_get_url_headers",
    r"""
    TASK [artifacts : fetch release tarball] ***************************************
    ok: [<<host>>] => {"changed": false, "dest": "/opt/<<app>>/release.tgz", "invocation": {"module_args": {"url": "https://artifactory.<<dom>>/artifactory/releases/<<app>>-<<ver>>.tgz", "headers": {"X-JFrog-Art-Api": "AKCp8<<r40>>"}, "checksum": "sha256:<<sha256>>", "mode": "0644"}}, "msg": "file already exists", "url": "https://artifactory.<<dom>>/artifactory/releases/<<app>>-<<ver>>.tgz"}
""",
)

# --- Ansible inventory / vars ---------------------------------------------------
F = "ansible_inventory_vars"
add(
    F,
    "inv_list_json",
    r"""
    $ ansible-inventory -i inventories/prod --list
    {
        "_meta": {
            "hostvars": {
                "<<host>>": {
                    "ansible_host": "<<ip>>",
                    "ansible_user": "<<user>>",
                    "ansible_become_pass": "<<pw>>",
                    "postgres_replication_password": "<<r24>>"
                },
                "<<host#2>>": {
                    "ansible_host": "<<ip#2>>",
                    "ansible_port": 2222
                }
            }
        },
        "all": {"children": ["ungrouped", "dbservers"]}
    }
""",
)
add(
    F,
    "inv_ini_hosts",
    r"""
    $ cat inventories/stage/hosts
    [web]
    <<host>> ansible_host=<<ip>> ansible_user=<<user>> ansible_ssh_pass=<<pw>>
    <<host#2>> ansible_host=<<ip#2>>

    [web:vars]
    ansible_become_password='<<pw#2>>'
""",
)
add(
    F,
    "inv_host_vars_yaml",
    r"""
    ==> host_vars/<<host>>/main.yml <==
    ---
    mysql_root_password: "<<pw>>"
    mysql_replication_user: repl
    mysql_replication_password: <<r20>>
    node_exporter_web_listen_address: "<<ip>>:9100"
""",
)
add(
    F,
    "inv_group_vars_all",
    r"""
    ==> group_vars/all/vars.yml <==
    smtp_relay_host: smtp.<<dom>>
    smtp_relay_user: alerts@<<dom>>
    smtp_relay_password: "<<pw>>"
    datadog_api_key: <<hex32>>
    datadog_site: datadoghq.eu
""",
)
add(
    F,
    "inv_host_yaml_graph",
    r"""
    $ ansible-inventory -i prod.yml --host <<host>>
    {
        "ansible_connection": "ssh",
        "ansible_host": "<<ip>>",
        "vault_unseal_keys": [
            "<<b64_32>>",
            "<<b64_32#2>>"
        ],
        "vault_root_token": "<<hvs>>"
    }
""",
)
add(
    F,
    "inv_aws_ec2_plugin",
    r"""
    $ cat inventory/aws_ec2.yml
    plugin: amazon.aws.aws_ec2
    regions:
      - <<region>>
    aws_access_key: <<akid>>
    aws_secret_key: <<awssk>>
    keyed_groups:
      - key: tags.Role
        prefix: role
""",
)
add(
    F,
    "inv_vmware_plugin",
    r"""
    plugin: community.vmware.vmware_vm_inventory
    strict: false
    hostname: vcenter.<<dom>>
    username: administrator@vsphere.local
    password: '<<pw>>'
    validate_certs: false
""",
)
add(
    F,
    "inv_ansible_cfg_vault_pw",
    r"""
    $ cat ~/.vault_pass.txt ansible.cfg
    <<pp>>
    [defaults]
    inventory = ./inventories/prod
    vault_password_file = ~/.vault_pass.txt
    remote_user = <<user>>
""",
)

# --- Ansible vault / debug --------------------------------------------------------
F = "ansible_vault_debug"
add(
    F,
    "vault_view_plain",
    r"""
    $ ansible-vault view group_vars/prod/vault.yml --vault-id prod@prompt
    Vault password (prod):
    vault_pg_superuser_password: "<<pw>>"
    vault_grafana_admin_password: "<<pw#2>>"
    vault_slack_bot_token: <<xoxb>>
""",
)
add(
    F,
    "vault_debug_var",
    r"""
    TASK [debug] *******************************************************************
    ok: [<<host>>] => {
        "vault_cloudflare_api_token": "<<cfk>>"
    }
""",
)
add(
    F,
    "vault_debug_msg",
    r"""
    TASK [debug: show generated creds] *********************************************
    ok: [localhost] => {
        "msg": "Created service account <<dbuser>> with password <<pw>> (expires in 90 days)"
    }
""",
)
add(
    F,
    "vault_decrypt_stdout",
    r"""
    $ ansible-vault decrypt --output - roles/ssl/files/wildcard.key.vault
    Decryption successful
    <<pem_ec>>
""",
)
add(
    F,
    "vault_encrypt_string_echo",
    r"""
    $ ansible-vault encrypt_string '<<r32>>' --name 'vault_sentry_auth_token'
    vault_sentry_auth_token: !vault |
              $ANSIBLE_VAULT;1.1;AES256
              35313862653533306236353961663830326231333065373363393532386239643138623034353865
              6261356163383862383732356136326330316337636265300a343830393733653861393331373831
    Encryption successful
""",
)
add(
    F,
    "vault_debug_dict",
    r"""
    ok: [<<host>>] => {
        "ldap_bind": {
            "dn": "cn=svc-ansible,ou=svc,dc=acme,dc=io",
            "password": "<<pw>>",
            "uri": "ldaps://ldap.<<dom>>:636"
        }
    }
""",
)
add(
    F,
    "vault_set_fact_vvv",
    r"""
    TASK [set_fact] ****************************************************************
    ok: [<<host>>] => {"ansible_facts": {"consul_acl_master_token": "<<usec>>", "consul_gossip_key": "<<b64_32>>"}, "changed": false}
""",
)
add(
    F,
    "vault_password_in_env",
    r"""
    $ env | grep -i ANSIBLE
    ANSIBLE_CONFIG=/srv/infra/ansible.cfg
    ANSIBLE_VAULT_PASSWORD=<<pp>>
    ANSIBLE_FORCE_COLOR=1
""",
)

# --- AWX / Tower ---------------------------------------------------------------
F = "awx_job"
add(
    F,
    "awx_job_stdout_extra_vars",
    r"""
    Identity added: /runner/artifacts/<<jobid>>/ssh_key_data (/runner/artifacts/<<jobid>>/ssh_key_data)
    PLAY [Rotate app credentials] **************************************************
    TASK [Gathering Facts] *********************************************************
    ok: [<<host>>]
    TASK [debug extra_vars] ********************************************************
    ok: [<<host>>] => {"msg": {"new_api_key": "<<r40>>", "target": "<<app>>"}}
""",
)
add(
    F,
    "awx_api_job_json",
    r"""
    $ curl -s -H "Authorization: Bearer <<r32>>" https://awx.<<dom>>/api/v2/jobs/<<jobid>>/ | jq '{id,status,extra_vars}'
    {
      "id": <<jobid>>,
      "status": "failed",
      "extra_vars": "{\"db_password\": \"<<json:pwq>>\", \"release\": \"<<ver>>\"}"
    }
""",
)
add(
    F,
    "awx_credential_input",
    r"""
    $ awx credentials get <<num>> -f yaml
    credential_type: 1
    inputs:
      become_method: sudo
      become_password: $encrypted$
      password: <<pw>>
      username: <<user>>
    name: prod-ssh
""",
)
add(
    F,
    "awx_cli_login_env",
    r"""
    $ export TOWER_HOST=https://awx.<<dom>> TOWER_USERNAME=admin TOWER_PASSWORD='<<pw>>'
    $ awx login
    {
         "token": "<<r32>>"
    }
""",
)
add(
    F,
    "awx_webhook_key",
    r"""
    $ awx job_templates get "Deploy <<app>>" -f json | jq '.related.webhook_key'
    "/api/v2/job_templates/<<num>>/webhook_key/"
    $ curl -s -u admin:<<pw>> https://awx.<<dom>>/api/v2/job_templates/<<num>>/webhook_key/
    {"webhook_key":"<<r40>>"}
""",
)
add(
    F,
    "awx_survey_answers",
    r"""
    Extra Variables
    ---
    target_env: production
    oracle_sys_password: <<pw>>
    change_ticket: CHG00<<num>>
""",
)
add(
    F,
    "awx_ee_env_dump",
    r"""
    $ podman exec -it awx_task env
    HOSTNAME=awx-task-<<chash>>
    AWX_ADMIN_PASSWORD=<<pw>>
    SECRET_KEY=<<r40>>
    DATABASE_PASSWORD=<<r24>>
""",
)

# --- systemd journal ---------------------------------------------------------
F = "systemd_journal"
add(
    F,
    "journal_app_start_dsn",
    r"""
    <<sys>> <<host>> <<app>>[<<pid>>]: level=info msg="connecting to database" dsn="postgres://<<dbuser>>:<<url:pw>>@<<host#2>>.<<dom>>:5432/<<db>>?sslmode=require"
    <<sys>> <<host>> <<app>>[<<pid>>]: level=error msg="ping failed" err="pq: password authentication failed for user \"<<dbuser>>\""
""",
)
add(
    F,
    "journal_docker_run_env",
    r"""
    <<sys>> <<host>> dockerd[<<pid>>]: time="<<ts>>" level=info msg="starting container" cmd="docker run -d --name <<app>> -e REDIS_PASSWORD=<<r24>> -e LOG_LEVEL=debug <<img>>"
""",
)
add(
    F,
    "journal_sudo_cmdline",
    r"""
    <<sys>> <<host>> sudo[<<pid>>]:   <<user>> : TTY=pts/1 ; PWD=/home/<<user>> ; USER=root ; COMMAND=/usr/bin/mysql -uroot -p<<pw>> -e SHOW SLAVE STATUS\G
""",
)
add(
    F,
    "journal_json_output",
    r"""
    $ journalctl -u <<app>>.service -o json --since "10 min ago" | head -1
    {"__CURSOR":"<<cursor>>","_SYSTEMD_UNIT":"<<app>>.service","PRIORITY":"3","_PID":"<<pid>>","MESSAGE":"auth: upstream rejected token Bearer <<jwt>>","_HOSTNAME":"<<host>>","_BOOT_ID":"<<bootid>>"}
""",
)
add(
    F,
    "journal_cron_session",
    r"""
    <<sys>> <<host>> CRON[<<pid>>]: (<<user>>) CMD (PGPASSWORD=<<pw>> pg_dump -h <<host#2>> -U <<dbuser>> <<db>> | gzip > /backup/<<db>>-$(date +\%F).sql.gz)
""",
)
add(
    F,
    "journal_kernel_audit_execve",
    r"""
    <<sys>> <<host>> kernel: audit: type=1309 audit(<<epochf>>:<<num>>): argc=4 a0="curl" a1="-u" a2="admin:<<pw>>" a3="http://localhost:15672/api/overview"
""",
)
add(
    F,
    "journal_audit_execve_hex",
    r"""
    type=EXECVE msg=audit(<<epochf>>:<<num>>): argc=3 a0="redis-cli" a1="-a" a2=<<hexu:r20>>
""",
)
add(
    F,
    "journal_gitlab_runner",
    r"""
    <<sys>> <<host>> gitlab-runner[<<pid>>]: Registering runner... succeeded                     runner=<<chash>> token=<<glrt>>
""",
)
add(
    F,
    "journal_vault_agent",
    r"""
    <<sys>> <<host>> vault[<<pid>>]: <<ts>> [INFO]  agent.auth.handler: authentication successful, sending token to sinks
    <<sys>> <<host>> vault[<<pid>>]: <<ts>> [DEBUG] agent.sink.file: token written: path=/run/vault/token value=<<hvs>>
""",
)
add(
    F,
    "journal_app_panic_env",
    r"""
    <<sys>> <<host>> <<app>>[<<pid>>]: panic: runtime error: invalid memory address or nil pointer dereference
    <<sys>> <<host>> <<app>>[<<pid>>]: config: {ListenAddr::8080 DBURL:mysql://<<dbuser>>:<<pw>>@tcp(<<ip>>:3306)/<<db>> JWTSecret:<<rs>> Debug:false}
""",
)
add(
    F,
    "journal_systemd_run_cmd",
    r"""
    <<sys>> <<host>> systemd[1]: Started run-u<<num>>.service - /usr/local/bin/restic backup /srv --password-command "echo <<pp>>".
""",
)

# --- systemd units ---------------------------------------------------------------
F = "systemd_unit"
add(
    F,
    "systemctl_show_env",
    r"""
    $ systemctl show <<app>>.service -p Environment -p EnvironmentFiles -p MainPID
    MainPID=<<pid>>
    Environment=NODE_ENV=production PORT=8080 SESSION_SECRET=<<rs>> SENTRY_DSN=https://<<hex32>>@o<<num>>.ingest.sentry.io/<<pid>>
    EnvironmentFiles=/etc/default/<<app>> (ignore_errors=no)
""",
)
add(
    F,
    "systemctl_cat_unit",
    r"""
    $ systemctl cat <<app>>-worker.service
    # /etc/systemd/system/<<app>>-worker.service
    [Unit]
    Description=<<app>> queue worker
    After=network-online.target

    [Service]
    User=<<user>>
    Environment="AMQP_URL=amqps://<<dbuser>>:<<url:pw>>@mq.<<dom>>:5671/%2F"
    Environment=AWS_DEFAULT_REGION=<<region>>
    ExecStart=/opt/<<app>>/bin/worker --concurrency 8
    Restart=on-failure
""",
)
add(
    F,
    "systemctl_cat_dropin",
    r"""
    # /etc/systemd/system/grafana-server.service.d/override.conf
    [Service]
    Environment=GF_SECURITY_ADMIN_PASSWORD=<<pw>>
    Environment=GF_DATABASE_PASSWORD=<<r20>>
""",
)
add(
    F,
    "envfile_default",
    r"""
    $ sudo cat /etc/default/<<app>>
    # managed by ansible
    DB_HOST=<<host>>.<<dom>>
    DB_PASS="<<pw>>"
    MAILGUN_API_KEY=<<mg>>
""",
)
add(
    F,
    "systemctl_status_cmdline",
    r"""
    ● <<app>>.service - <<app>> API
         Loaded: loaded (/etc/systemd/system/<<app>>.service; enabled; preset: enabled)
         Active: active (running) since <<tss>> UTC; 3h 12min ago
       Main PID: <<pid>> (java)
          Tasks: 48 (limit: 18945)
         Memory: 1.2G
         CGroup: /system.slice/<<app>>.service
                 └─<<pid>> /usr/bin/java -Xmx1g -Dspring.datasource.password=<<pw>> -Djavax.net.ssl.keyStorePassword=<<r16>> -jar /opt/<<app>>/app.jar
""",
)
add(
    F,
    "systemd_creds_plain",
    r"""
    $ systemd-creds cat --system db-password
    <<pw>>
    $ systemd-creds list
    NAME        SECURE  SIZE PATH
    db-password secure   21B /run/credentials/<<app>>.service/db-password
""",
)
add(
    F,
    "systemd_mount_unit_cifs",
    r"""
    # /etc/systemd/system/mnt-share.mount
    [Mount]
    What=//fs01.<<dom>>/finance
    Where=/mnt/share
    Type=cifs
    Options=username=svc_scan,password=<<pw>>,vers=3.0,uid=<<user>>
""",
)
add(
    F,
    "systemctl_show_execstart",
    r"""
    ExecStart={ path=/usr/local/bin/node_exporter ; argv[]=/usr/local/bin/node_exporter --web.config.file=/etc/ne/web.yml --collector.textfile ; ignore_errors=no ; start_time=[n/a] ; stop_time=[n/a] ; pid=0 ; code=(null) ; status=0/0 }
    ExecStartPre={ path=/usr/bin/curl ; argv[]=/usr/bin/curl -fsS -H X-Vault-Token:<<hvs>> https://vault.<<dom>>:8200/v1/secret/data/ne ; ignore_errors=no ; start_time=[<<tss>>] ; stop_time=[<<tss>>] ; pid=<<pid>> ; code=exited ; status=0 }
""",
)
add(
    F,
    "systemd_timer_service_pair",
    r"""
    # /etc/systemd/system/db-backup.service
    [Service]
    Type=oneshot
    Environment=BORG_PASSPHRASE='<<pp>>'
    Environment=BORG_REPO=ssh://borg@backup.<<dom>>/./<<host>>
    ExecStart=/usr/bin/borg create --stats ::{hostname}-{now} /var/lib/postgresql
""",
)

# --- ps / cmdline ---------------------------------------------------------------
F = "ps_cmdline"
add(
    F,
    "ps_auxww_mysqldump",
    r"""
    $ ps auxww | grep -v grep | grep dump
    root     <<pid>>  2.1  0.3  51236 24880 ?        S    <<hm>>   0:04 mysqldump -h <<host>> -u backup --password=<<pw>> --single-transaction --all-databases
""",
)
add(
    F,
    "ps_auxww_redis_cli",
    r"""
    <<user>>   <<pid>>  0.0  0.0  12844  3420 pts/2    S+   <<hm>>   0:00 redis-cli -h <<ip>> -p 6379 -a <<r32>> --no-auth-warning MONITOR
""",
)
add(
    F,
    "ps_ef_java_props",
    r"""
    UID          PID    PPID  C STIME TTY          TIME CMD
    kafka      <<pid>>       1 12 <<hm>> ?        05:41:02 /usr/lib/jvm/java-17/bin/java -Xms4g -Dcom.sun.management.jmxremote.password.file=/etc/kafka/jmx.pw -Djavax.net.ssl.trustStorePassword=<<pw>> -Dssl.key.password=<<r16>> kafka.Kafka /etc/kafka/server.properties
""",
)
add(
    F,
    "proc_cmdline_nul_caret",
    r"""
    $ cat -v /proc/<<pid>>/cmdline
    /usr/bin/psql^@-h^@<<host>>^@-U^@<<dbuser>>^@postgresql://<<dbuser>>:<<url:pw>>@<<host>>:5432/<<db>>^@-c^@select 1^@
""",
)
add(
    F,
    "proc_cmdline_tr_spaces",
    r"""
    $ tr '\0' ' ' < /proc/<<pid>>/cmdline; echo
    /opt/minio/bin/mc alias set prod https://s3.<<dom>> minioadmin <<r40>> --api S3v4
""",
)
add(
    F,
    "ps_sshpass",
    r"""
    <<user>>    <<pid>> <<pid#2>>  0 <<hm>> pts/0    00:00:00 sshpass -p <<pw>> ssh -o StrictHostKeyChecking=no admin@<<ip>> show running-config
""",
)
add(
    F,
    "ps_curl_header",
    r"""
    nobody   <<pid>>  0.0  0.0  23456  9012 ?        S    <<hm>>   0:00 curl -sS -X POST -H Content-Type:application/json -H "DD-API-KEY: <<hex32>>" https://api.datadoghq.eu/api/v1/series -d @/tmp/metrics.json
""",
)
add(
    F,
    "ps_pgrep_la",
    r"""
    $ pgrep -la openvpn
    <<pid>> openvpn --config /etc/openvpn/client.ovpn --auth-user-pass /etc/openvpn/creds --askpass /dev/fd/3 --setenv VPN_PSK <<r24>>
""",
)
add(
    F,
    "ps_htop_truncated",
    r"""
    $ ps -o pid,etime,args -p <<pid>>
        PID     ELAPSED COMMAND
    <<pid>>    02:13:55 /usr/bin/python3 /opt/etl/run.py --source s3://raw --aws-secret-access-key <<awssk>> --aws-access-key-id <<akid>>
""",
)
add(
    F,
    "ps_mongosh",
    r"""
    mongodb  <<pid>>  0.3  0.5 1034688 87012 pts/3   Sl+  <<hm>>   0:02 mongosh mongodb://admin:<<url:pw>>@<<host>>:27017/admin?replicaSet=rs0&authSource=admin
""",
)
add(
    F,
    "ps_rclone",
    r"""
    root     <<pid>> 15.2  0.8 748212 131004 ?       Sl   <<hm>>  12:44 rclone sync /srv/backups b2:acme-offsite --b2-account <<alertfp>>0000000003 --b2-key K003<<r24>> --transfers 16
""",
)
add(
    F,
    "ps_docker_login_stdin_missing",
    r"""
    <<user>>  <<pid>>  0.0  0.1  1244928 30312 pts/1  Sl+  <<hm>>   0:00 docker login -u ci-bot -p <<dckr>> docker.io
""",
)
add(
    F,
    "ps_openssl_pass",
    r"""
    root     <<pid>>  0.0  0.0   9484  5568 pts/0    S+   <<hm>>   0:00 openssl pkcs12 -export -in /etc/ssl/<<host>>.crt -inkey /etc/ssl/private/<<host>>.key -out /tmp/<<host>>.p12 -passout pass:<<pw>>
""",
)
add(
    F,
    "ps_k8s_kubelet_token",
    r"""
    root     <<pid>>  3.9  1.2 2100432 201448 ?      Ssl  Nov27 412:07 /usr/bin/kubeadm join <<ip>>:6443 --token <<kboot>> --discovery-token-ca-cert-hash sha256:<<sha256>>
""",
)

# --- /proc/<pid>/environ ---------------------------------------------------------
F = "proc_environ"
add(
    F,
    "environ_tr_newline",
    r"""
    $ sudo tr '\0' '\n' < /proc/<<pid>>/environ
    LANG=C.UTF-8
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin
    INVOCATION_ID=<<invid>>
    JOURNAL_STREAM=8:<<inode>>
    DATABASE_URL=postgres://<<dbuser>>:<<url:pw>>@<<host>>:5432/<<db>>
    SECRET_KEY_BASE=<<rkb>>
""",
)
add(
    F,
    "environ_cat_v",
    r"""
    $ cat -v /proc/<<pid>>/environ
    HOME=/var/lib/<<app>>^@USER=<<user>>^@GITHUB_TOKEN=<<ghp>>^@NODE_OPTIONS=--max-old-space-size=2048^@
""",
)
add(
    F,
    "environ_xargs_0",
    r"""
    $ xargs -0 -n1 < /proc/<<pid>>/environ | grep -iE 'key|token|pass'
    OPENAI_API_KEY=<<oai>>
    SLACK_SIGNING_SECRET=<<hex32>>
""",
)
add(
    F,
    "environ_strings",
    r"""
    $ strings /proc/<<pid>>/environ
    HOSTNAME=<<pod>>
    KUBERNETES_SERVICE_HOST=10.96.0.1
    AZURE_CLIENT_SECRET=<<azcs>>
    AZURE_TENANT_ID=<<uuid>>
""",
)
add(
    F,
    "environ_docker_exec_env",
    r"""
    $ docker exec <<cid12>> env
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
    HOSTNAME=<<cid12>>
    POSTGRES_PASSWORD=<<pw>>
    PGDATA=/var/lib/postgresql/data
""",
)
add(
    F,
    "environ_ps_e",
    r"""
    $ ps eww -p <<pid>> -o args
    COMMAND
    /usr/bin/node dist/server.js NODE_ENV=production STRIPE_WEBHOOK_SECRET=<<whsec>> SENDGRID_API_KEY=<<sg>> PWD=/srv/<<app>>
""",
)
add(
    F,
    "environ_kubectl_exec_printenv",
    r"""
    $ kubectl -n <<ns>> exec <<pod>> -- printenv | sort
    ANTHROPIC_API_KEY=<<ant>>
    HOSTNAME=<<pod>>
    LOG_FORMAT=json
""",
)
add(
    F,
    "environ_gdb_core_note",
    r"""
    (gdb) x/6s *(char**)environ
    0x7ffd3c1e2f10: "SHLVL=1"
    0x7ffd3c1e2f18: "TWILIO_AUTH_TOKEN=<<hex32>>"
    0x7ffd3c1e2f3c: "TWILIO_API_KEY=<<twsk>>"
""",
)

# --- docker inspect ---------------------------------------------------------------
F = "docker_inspect"
add(
    F,
    "docker_inspect_config_env",
    r"""
    $ docker inspect <<cid12>> --format '{{json .Config.Env}}' | jq .
    [
      "MYSQL_ROOT_PASSWORD=<<pw>>",
      "MYSQL_DATABASE=<<db>>",
      "MYSQL_USER=<<dbuser>>",
      "MYSQL_PASSWORD=<<pw#2>>",
      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    ]
""",
)
add(
    F,
    "docker_inspect_full_snippet",
    r"""
    [
        {
            "Id": "<<cid64>>",
            "Created": "<<ts>>",
            "Path": "/docker-entrypoint.sh",
            "Args": [
                "--requirepass",
                "<<r32>>"
            ],
            "Image": "<<digest>>",
            "Name": "/redis-<<app>>",
""",
)
add(
    F,
    "docker_inspect_labels_traefik",
    r"""
            "Labels": {
                "com.docker.compose.project": "<<app>>",
                "traefik.http.middlewares.auth.basicauth.users": "admin:<<apr1>>",
                "traefik.http.routers.<<app>>.rule": "Host(`<<app>>.<<dom>>`)"
            },
""",
)
add(
    F,
    "docker_inspect_format_cmd",
    r"""
    $ docker inspect -f '{{.Name}} {{.Config.Cmd}}' $(docker ps -q)
    /<<app>>-api [gunicorn app:app --bind 0.0.0.0:8000]
    /<<app>>-db-backup [sh -c PGPASSWORD=<<pw>> pg_dumpall -h db -U postgres > /dump/all.sql]
""",
)
add(
    F,
    "docker_config_json",
    r"""
    $ cat ~/.docker/config.json
    {
    <<tab>>"auths": {
    <<tab>><<tab>>"https://index.docker.io/v1/": {
    <<tab>><<tab>><<tab>>"auth": "<<basic:user,pw>>"
    <<tab>><<tab>>},
    <<tab>><<tab>>"ghcr.io": {
    <<tab>><<tab>><<tab>>"auth": "<<basic:user,ghp>>"
    <<tab>><<tab>>}
    <<tab>>}
    }
""",
)
add(
    F,
    "docker_history_build_arg",
    r"""
    $ docker history --no-trunc <<img>> | head -4
    IMAGE          CREATED        CREATED BY                                                                 SIZE
    <<digest>>   2 days ago     RUN |2 NPM_TOKEN=<<npm>> BUILD_ENV=prod /bin/sh -c npm ci --omit=dev       214MB
""",
)
add(
    F,
    "docker_logs_entrypoint",
    r"""
    $ docker logs --tail 5 <<cid12>>
    + echo 'Configuring admin user...'
    + curl -s -u elastic:<<pw>> -X POST http://localhost:9200/_security/user/kibana_system/_password -d '{"password":"<<pw#2>>"}'
    {}
""",
)
add(
    F,
    "docker_swarm_secret_ls_cat",
    r"""
    $ docker exec <<cid12>> cat /run/secrets/db_root_password
    <<pw>>
""",
)
add(
    F,
    "docker_service_inspect_pretty",
    r"""
    $ docker service inspect --pretty <<app>>_api
    ID:             <<chash>><<chash#2>>
    Name:           <<app>>_api
    ContainerSpec:
     Image:         <<img>>@<<digest>>
     Env:           JWT_SIGNING_KEY=<<b64_48>> ENV=prod
""",
)
add(
    F,
    "docker_events_json",
    r"""
    {"status":"create","id":"<<cid64>>","from":"<<img>>","Type":"container","Action":"create","Actor":{"ID":"<<cid64>>","Attributes":{"image":"<<img>>","name":"migrate-<<num>>","env.FLYWAY_PASSWORD":"<<pw>>"}},"scope":"local","time":<<epoch>>}
""",
)

# --- docker compose ----------------------------------------------------------------
F = "compose_config"
add(
    F,
    "compose_config_env",
    r"""
    $ docker compose config
    name: <<app>>
    services:
      db:
        environment:
          POSTGRES_DB: <<db>>
          POSTGRES_PASSWORD: <<dollar:pw>>
          POSTGRES_USER: <<dbuser>>
        image: postgres:16
""",
)
add(
    F,
    "compose_config_minio",
    r"""
      minio:
        command:
          - server
          - /data
          - --console-address
          - :9001
        environment:
          MINIO_ROOT_PASSWORD: <<r40>>
          MINIO_ROOT_USER: minio-admin
""",
)
add(
    F,
    "compose_dotenv",
    r"""
    $ cat .env
    COMPOSE_PROJECT_NAME=<<app>>
    TRAEFIK_ACME_EMAIL=ops@<<dom>>
    CF_DNS_API_TOKEN=<<cfk>>
    KEYCLOAK_ADMIN_PASSWORD=<<pw>>
""",
)
add(
    F,
    "compose_yaml_inline_list",
    r"""
      grafana:
        image: grafana/grafana:11.3.0
        environment:
          - GF_SECURITY_ADMIN_USER=admin
          - "GF_SECURITY_ADMIN_PASSWORD=<<pw>>"
          - GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET=<<r40>>
""",
)
add(
    F,
    "compose_healthcheck_cmd",
    r"""
        healthcheck:
          test: ["CMD", "mysqladmin", "ping", "-h", "localhost", "-uroot", "-p<<pw>>"]
          interval: 10s
""",
)
add(
    F,
    "compose_up_error",
    r"""
    $ docker compose up -d
    [+] Running 2/3
     ✘ Container <<app>>-mailer-1  Error   0.4s
    Error response from daemon: failed to create task for container: ... smtp://<<user>>:<<url:pw>>@smtp.<<dom>>:587 unreachable
""",
)
add(
    F,
    "compose_build_args",
    r"""
      api:
        build:
          context: .
          args:
            PIP_EXTRA_INDEX_URL: https://__token__:<<pypi>>@pypi.<<dom>>/simple/
""",
)

# --- podman ------------------------------------------------------------------------
F = "podman"
add(
    F,
    "podman_inspect_env",
    r"""
    $ podman inspect <<app>> --format '{{range .Config.Env}}{{println .}}{{end}}'
    container=podman
    RABBITMQ_DEFAULT_USER=<<dbuser>>
    RABBITMQ_DEFAULT_PASS=<<pw>>
    HOME=/var/lib/rabbitmq
""",
)
add(
    F,
    "podman_auth_json",
    r"""
    $ cat ${XDG_RUNTIME_DIR}/containers/auth.json
    {
    <<tab>>"auths": {
    <<tab>><<tab>>"quay.io": {
    <<tab>><<tab>><<tab>>"auth": "<<basic:user,r32>>"
    <<tab>><<tab>>}
    <<tab>>}
    }
""",
)
add(
    F,
    "podman_secret_inspect_showsecret",
    r"""
    $ podman secret inspect --showsecret pg_pass
    [
        {
            "ID": "<<hex25>>",
            "Spec": {"Name": "pg_pass", "Driver": {"Name": "file"}},
            "SecretData": "<<pw>>"
        }
    ]
""",
)
add(
    F,
    "podman_quadlet_container",
    r"""
    # /etc/containers/systemd/<<app>>.container
    [Container]
    Image=<<img>>
    Environment=ELASTIC_PASSWORD=<<pw>>
    PublishPort=9200:9200
""",
)
add(
    F,
    "podman_kube_play_yaml",
    r"""
    $ podman kube generate <<app>>-pod
        env:
        - name: LDAP_ADMIN_PASSWORD
          value: <<pw>>
        - name: LDAP_ORGANISATION
          value: Acme
""",
)

# --- Kubernetes secrets ------------------------------------------------------------
F = "k8s_secret"
add(
    F,
    "kubectl_get_secret_yaml",
    r"""
    $ kubectl -n <<ns>> get secret <<app>>-db -o yaml
    apiVersion: v1
    data:
      password: <<b64:pw>>
      username: <<b64:dbuser>>
    kind: Secret
    metadata:
      creationTimestamp: "<<ts>>"
      name: <<app>>-db
      namespace: <<ns>>
      resourceVersion: "<<rv>>"
      uid: <<k8suid>>
    type: Opaque
""",
)
add(
    F,
    "kubectl_get_secret_json_jq",
    r"""
    $ kubectl get secret -n <<ns>> <<app>>-api -o json | jq .data
    {
      "STRIPE_API_KEY": "<<b64:sklive>>",
      "JWT_SECRET": "<<b64:rs>>"
    }
""",
)
add(
    F,
    "kubectl_secret_decoded",
    r"""
    $ kubectl get secret <<app>>-redis -o jsonpath='{.data.redis-password}' | base64 -d
    <<r24>>
""",
)
add(
    F,
    "kubectl_dockerconfigjson",
    r"""
    $ kubectl get secret regcred -o yaml
    apiVersion: v1
    data:
      .dockerconfigjson: <<dcj:user,ghp>>
    kind: Secret
    type: kubernetes.io/dockerconfigjson
""",
)
add(
    F,
    "kubectl_tls_secret",
    r"""
    apiVersion: v1
    data:
      tls.crt: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUZhekNDQkZPZ0F3SUJBZ0lTQTJ4
      tls.key: <<b64:pem_ec>>
    kind: Secret
    metadata:
      name: wildcard-<<app>>-tls
      namespace: <<ns>>
    type: kubernetes.io/tls
""",
)
add(
    F,
    "kubectl_create_secret_cmd",
    r"""
    $ kubectl create secret generic <<app>>-smtp --from-literal=SMTP_USER=apikey --from-literal=SMTP_PASS=<<sg>> -n <<ns>> --dry-run=client -o yaml
""",
)
add(
    F,
    "kubectl_stringdata_applied",
    r"""
    $ kubectl get secret argocd-repo-<<num>> -n argocd -o yaml | yq '.metadata.annotations."kubectl.kubernetes.io/last-applied-configuration"'
    {"apiVersion":"v1","kind":"Secret","metadata":{"labels":{"argocd.argoproj.io/secret-type":"repository"},"name":"argocd-repo-<<num>>","namespace":"argocd"},"stringData":{"password":"<<glpat>>","type":"git","url":"https://gitlab.<<dom>>/platform/deploy.git","username":"argocd"}}
""",
)
add(
    F,
    "kubectl_sa_token_secret",
    r"""
    $ kubectl -n <<ns>> describe secret deployer-token-<<chash>>
    Name:         deployer-token-<<chash>>
    Namespace:    <<ns>>
    Type:  kubernetes.io/service-account-token

    Data
    ====
    ca.crt:     1107 bytes
    namespace:  8 bytes
    token:      <<kjwt>>
""",
)
add(
    F,
    "kubeconfig_view_raw",
    r"""
    $ kubectl config view --raw
    users:
    - name: admin@<<host>>
      user:
        client-certificate-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSURJVENDQWdtZ0F3SUJBZ0lJ
        client-key-data: <<b64:pem_rsa>>
    - name: ci
      user:
        token: <<kjwt>>
""",
)
add(
    F,
    "sealed_secret_plain_source",
    r"""
    $ cat secret-plain.yaml | kubeseal --format yaml > sealed.yaml
    # secret-plain.yaml (DO NOT COMMIT)
    stringData:
      AWS_ACCESS_KEY_ID: <<akid>>
      AWS_SECRET_ACCESS_KEY: <<awssk>>
""",
)

# --- Kubernetes workloads ------------------------------------------------------------
F = "k8s_workload"
add(
    F,
    "kubectl_describe_pod_env",
    r"""
    $ kubectl -n <<ns>> describe pod <<pod>>
    Name:             <<pod>>
    Namespace:        <<ns>>
    Node:             <<host>>/<<ip>>
    Containers:
      app:
        Container ID:   containerd://<<cid64>>
        Image:          <<img>>
        Environment:
          LOG_LEVEL:            info
          DB_PASSWORD:          <<pw>>
          REDIS_PASSWORD:       <set to the key 'redis-password' in secret '<<app>>-redis'>  Optional: false
""",
)
add(
    F,
    "kubectl_get_deploy_yaml_args",
    r"""
    spec:
      containers:
      - args:
        - --db-dsn=mysql://<<dbuser>>:<<pw>>@tcp(mysql.<<ns>>.svc:3306)/<<db>>
        - --listen=:8080
        image: <<img>>
        name: <<app>>
""",
)
add(
    F,
    "kubectl_configmap_leak",
    r"""
    $ kubectl -n <<ns>> get cm <<app>>-config -o yaml
    apiVersion: v1
    data:
      application.yaml: |
        spring:
          datasource:
            url: jdbc:postgresql://pg.<<ns>>.svc:5432/<<db>>
            username: <<dbuser>>
            password: <<pw>>
    kind: ConfigMap
""",
)
add(
    F,
    "kubectl_get_events_failed",
    r"""
    $ kubectl get events -n <<ns>> --sort-by=.lastTimestamp | tail -2
    3m12s  Warning  Failed   pod/<<pod>>  Error: failed to pull image "registry.<<dom>>/<<app>>:<<ver>>": authorization failed: user ci-bot with token <<glpat>> denied
    3m12s  Warning  BackOff  pod/<<pod>>  Back-off pulling image
""",
)
add(
    F,
    "kubectl_cronjob_command",
    r"""
          containers:
          - command:
            - /bin/sh
            - -c
            - mysqldump -h mysql-primary -uroot -p'<<pw>>' --all-databases | gzip | aws s3 cp - s3://db-dumps/$(date +%F).gz
""",
)
add(
    F,
    "kubectl_ingress_annotation_auth",
    r"""
      annotations:
        nginx.ingress.kubernetes.io/auth-url: "https://oauth2.<<dom>>/oauth2/auth"
        nginx.ingress.kubernetes.io/configuration-snippet: |
          proxy_set_header X-Api-Key "<<r32>>";
""",
)
add(
    F,
    "kubectl_describe_node_annot",
    r"""
    Annotations:        csi.volume.kubernetes.io/nodeid: {"csi.vsphere.vmware.com":"<<uuid>>"}
                        node.alpha.kubernetes.io/ttl: 0
                        cluster.x-k8s.io/bootstrap-token: <<kboot>>
""",
)
add(
    F,
    "kubectl_get_pod_json_env",
    r"""
    $ kubectl get pod <<pod>> -o jsonpath='{.spec.containers[0].env}'
    [{"name":"NEW_RELIC_LICENSE_KEY","value":"<<nrlic>>"},{"name":"NEW_RELIC_APP_NAME","value":"<<app>>"}]
""",
)
add(
    F,
    "argocd_app_manifest_diff",
    r"""
    $ argocd app diff <<app>>
    ===== apps/Deployment <<ns>>/<<app>> ======
    154c154
    <           value: <<r24>>
    ---
    >           value: <<r24#2>>
""",
)
add(
    F,
    "kubectl_initcontainer_wget",
    r"""
      initContainers:
      - command: ["sh", "-c", "wget -q --header 'PRIVATE-TOKEN: <<glpat>>' -O /shared/cfg.tgz https://gitlab.<<dom>>/api/v4/projects/<<num>>/packages/generic/cfg/1.0/cfg.tgz"]
        image: busybox:1.36
        name: fetch-config
""",
)
add(
    F,
    "kustomize_build_secret_gen",
    r"""
    $ kustomize build overlays/prod | grep -A4 'kind: Secret'
    kind: Secret
    data:
      client-secret: <<b64:gocspx>>
      cookie-secret: <<b64:b64u32>>
""",
)

# --- Kubernetes / container logs -------------------------------------------------------
F = "k8s_logs"
add(
    F,
    "kubectl_logs_json_app",
    r"""
    $ kubectl logs -n <<ns>> <<pod>> --since=15m | grep -i error | head -2
    {"level":"error","ts":"<<ts>>","caller":"client/http.go:88","msg":"request failed","url":"https://api.<<dom>>/v2/orders?api_key=<<r32>>","status":403,"trace_id":"<<traceid>>"}
""",
)
add(
    F,
    "kubectl_logs_prev_crash",
    r"""
    $ kubectl logs <<pod>> -p
    Traceback (most recent call last):
      File "/app/main.py", line 41, in <module>
        conn = psycopg2.connect("host=pg-<<ns>> dbname=<<db>> user=<<dbuser>> password=<<pw>>")
    psycopg2.OperationalError: FATAL:  password authentication failed for user "<<dbuser>>"
""",
)
add(
    F,
    "kubectl_logs_ingress_nginx",
    r"""
    <<ip>> - - [<<clf>>] "GET /admin/export?token=<<r40>> HTTP/2.0" 200 48213 "-" "<<ua>>" 412 0.233 [<<ns>>-<<app>>-8080] [] <<ip#2>>:8080 48213 0.232 200 <<reqid>>
""",
)
add(
    F,
    "kubectl_logs_argocd_repo",
    r"""
    time="<<ts>>" level=error msg="repository https://<<user>>:<<ghp>>@github.com/acme/infra.git not accessible: authentication required" grpc.method=GenerateManifest
""",
)
add(
    F,
    "stern_multi_pod",
    r"""
    <<pod>> worker 2026/12/01 04:12:33 celery broker: redis://:<<r32>>@redis-master.<<ns>>.svc:6379/0
    <<pod#2>> worker 2026/12/01 04:12:34 [ready] concurrency=4
""",
)

# --- Helm ------------------------------------------------------------------------------
F = "helm_values"
add(
    F,
    "helm_get_values",
    r"""
    $ helm get values <<app>> -n <<ns>>
    USER-SUPPLIED VALUES:
    auth:
      existingSecret: ""
      password: <<pw>>
      postgresPassword: <<pw#2>>
    primary:
      persistence:
        size: 50Gi
""",
)
add(
    F,
    "helm_get_values_all_json",
    r"""
    $ helm get values prometheus -n monitoring -o json | jq .alertmanager.config.receivers
    [{"name":"oncall","pagerduty_configs":[{"routing_key":"<<hex32>>"}]},{"name":"slack","slack_configs":[{"api_url":"https://hooks.slack.com/services/<<slkteam>>/<<slkbot>>/<<slk>>"}]}]
""",
)
add(
    F,
    "helm_install_set",
    r"""
    $ helm upgrade --install redis bitnami/redis -n <<ns>> --set auth.password=<<r24>> --set architecture=standalone
    Release "redis" has been upgraded. Happy Helming!
    NAME: redis
    REVISION: <<num>>
""",
)
add(
    F,
    "helm_values_file_gitlab",
    r"""
    # values-prod.yaml
    gitlab-runner:
      runnerToken: "<<glrt>>"
      rbac:
        create: true
      runners:
        config: |
          [[runners]]
            [runners.cache.s3]
              AccessKey = "<<akid>>"
              SecretKey = "<<awssk>>"
""",
)
add(
    F,
    "helm_template_debug",
    r"""
    $ helm template <<app>> ./chart --debug 2>&1 | sed -n '1,12p'
    ---
    # Source: <<app>>/templates/secret.yaml
    apiVersion: v1
    kind: Secret
    stringData:
      SENTRY_DSN: "https://<<hex32>>@sentry.<<dom>>/<<num>>"
      ENCRYPTION_KEY: "<<b64_32>>"
""",
)
add(
    F,
    "helm_manifest_grafana",
    r"""
    $ helm get manifest kube-prometheus-stack -n monitoring | grep -B2 -A3 admin-password
    data:
      admin-user: "YWRtaW4="
      admin-password: "<<b64:pw>>"
      ldap-toml: ""
""",
)
add(
    F,
    "helm_upgrade_error_render",
    r"""
    Error: UPGRADE FAILED: template: <<app>>/templates/deployment.yaml:61:28: executing "<<app>>/templates/deployment.yaml" at <.Values.oauth.clientSecret>: wrong type for value; expected string; got map[string]interface {} (value: map[secret:<<r40>>])
""",
)

# --- cloud-init -----------------------------------------------------------------------
F = "cloud_init"
add(
    F,
    "cloudinit_userdata_chpasswd",
    r"""
    $ sudo cat /var/lib/cloud/instance/user-data.txt
    #cloud-config
    chpasswd:
      expire: false
      users:
        - name: <<user>>
          password: <<pw>>
          type: text
    ssh_pwauth: true
""",
)
add(
    F,
    "cloudinit_write_files",
    r"""
    write_files:
      - path: /etc/<<app>>/secrets.env
        permissions: '0600'
        content: |
          CONSUL_HTTP_TOKEN=<<usec>>
          NOMAD_TOKEN=<<usec#2>>
""",
)
add(
    F,
    "cloudinit_runcmd_log",
    r"""
    <<tsl>> - util.py[DEBUG]: Running command ['sh', '-c', 'curl -sfL https://get.k3s.io | K3S_TOKEN=K10<<hex64>>::server:<<hex32>> sh -s - agent --server https://<<ip>>:6443'] with allowed return codes [0] (shell=False, capture=False)
""",
)
add(
    F,
    "cloudinit_users_hashed",
    r"""
    users:
      - name: ops
        groups: [sudo]
        lock_passwd: false
        passwd: <<sha512c>>
        ssh_authorized_keys:
          - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI<<cid12>> ops@laptop
""",
)
add(
    F,
    "ec2_metadata_creds",
    r"""
    $ curl -s http://169.254.169.254/latest/meta-data/iam/security-credentials/<<app>>-node
    {
      "Code" : "Success",
      "LastUpdated" : "<<ts>>",
      "Type" : "AWS-HMAC",
      "AccessKeyId" : "<<asia>>",
      "SecretAccessKey" : "<<awssk>>",
      "Token" : "<<awsst>>",
      "Expiration" : "<<ts>>"
    }
""",
)
add(
    F,
    "gce_metadata_token",
    r"""
    $ curl -s -H 'Metadata-Flavor: Google' http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token
    {"access_token":"<<ya29>>","expires_in":3599,"token_type":"Bearer"}
""",
)
add(
    F,
    "cloudinit_output_log_join",
    r"""
    $ tail -3 /var/log/cloud-init-output.log
    [preflight] Running pre-flight checks
    + kubeadm join <<ip>>:6443 --token <<kboot>> --discovery-token-unsafe-skip-ca-verification
    This node has joined the cluster
""",
)
add(
    F,
    "azure_imds_customdata",
    r"""
    $ base64 -d /var/lib/waagent/CustomData | head -5
    #!/bin/bash
    export ARM_CLIENT_SECRET='<<azcs>>'
    export ARM_CLIENT_ID=<<uuid>>
    az login --service-principal -u $ARM_CLIENT_ID -p $ARM_CLIENT_SECRET --tenant <<uuid#2>>
""",
)

# --- Terraform ----------------------------------------------------------------------
F = "terraform"
add(
    F,
    "tf_plan_sensitive_leak",
    r"""
      # aws_db_instance.billing will be updated in-place
      ~ resource "aws_db_instance" "billing" {
            id                       = "<<db>>-prod"
          ~ password                 = "<<pw>>" -> "<<pw#2>>"
            # (47 unchanged attributes hidden)
        }
""",
)
add(
    F,
    "tf_state_show",
    r"""
    $ terraform state show random_password.grafana_admin
    # random_password.grafana_admin:
    resource "random_password" "grafana_admin" {
        bcrypt_hash = "<<bcrypt>>"
        id          = "none"
        length      = 24
        result      = "<<rs>>"
        special     = true
    }
""",
)
add(
    F,
    "tf_state_json_pull",
    r"""
    $ terraform state pull | jq '.resources[] | select(.type=="aws_iam_access_key") | .instances[0].attributes'
    {
      "create_date": "<<ts>>",
      "id": "<<akid>>",
      "secret": "<<awssk>>",
      "ses_smtp_password_v4": "<<b64_32>>",
      "status": "Active",
      "user": "ci-deployer"
    }
""",
)
add(
    F,
    "tf_tfvars",
    r"""
    $ cat terraform.tfvars
    region            = "<<region>>"
    cloudflare_token  = "<<cfk>>"
    do_token          = "<<dop>>"
    db_admin_password = "<<pw>>"
""",
)
add(
    F,
    "tf_debug_log_http",
    r"""
    <<ts>> [DEBUG] provider.terraform-provider-github_v6.3.1: ---[ REQUEST ]---------------------------------------
    <<ts>> [DEBUG] provider.terraform-provider-github_v6.3.1: GET /user HTTP/1.1
    <<ts>> [DEBUG] provider.terraform-provider-github_v6.3.1: Authorization: Bearer <<ghs>>
    <<ts>> [DEBUG] provider.terraform-provider-github_v6.3.1: User-Agent: go-github/v65.0.0
""",
)
add(
    F,
    "tf_credentials_tfrc",
    r"""
    $ cat ~/.terraform.d/credentials.tfrc.json
    {
      "credentials": {
        "app.terraform.io": {
          "token": "<<tfc>>"
        }
      }
    }
""",
)
add(
    F,
    "tf_output_json",
    r"""
    $ terraform output -json
    {"kubeconfig_token":{"sensitive":true,"type":"string","value":"<<kboot>>"},"redis_auth":{"sensitive":true,"type":"string","value":"<<r32>>"},"vpc_id":{"sensitive":false,"type":"string","value":"<<vpc>>"}}
""",
)
add(
    F,
    "tf_backend_config",
    r"""
    terraform {
      backend "pg" {
        conn_str = "postgres://tfstate:<<url:pw>>@<<host>>.<<dom>>/terraform_backend?sslmode=require"
      }
    }
""",
)
add(
    F,
    "tf_provider_block",
    r"""
    provider "azurerm" {
      features {}
      subscription_id = "<<uuid>>"
      client_id       = "<<uuid#2>>"
      client_secret   = "<<azcs>>"
      tenant_id       = "<<uuid#3>>"
    }
""",
)
add(
    F,
    "tf_apply_error_vault",
    r"""
    │ Error: error writing to Vault: Error making API request.
    │
    │ URL: PUT https://vault.<<dom>>:8200/v1/secret/data/<<app>>
    │ Code: 403. Errors:
    │
    │   with vault_generic_secret.app,
    │   on main.tf line 12, in resource "vault_generic_secret" "app":
    │   12:   data_json = jsonencode({ api_key = "<<r40>>" })
""",
)

# --- cron ---------------------------------------------------------------------------
F = "cron"
add(
    F,
    "crontab_l_user",
    r"""
    $ crontab -l -u <<user>>
    # m h  dom mon dow   command
    */5 * * * * /usr/bin/curl -fsS -m 10 --retry 5 -o /dev/null https://hc-ping.com/<<usec>>
    15 2 * * * PGPASSWORD='<<pw>>' /usr/bin/pg_dump -Fc -h <<host>> <<db>> > /backup/<<db>>.dump
""",
)
add(
    F,
    "cron_d_file",
    r"""
    $ cat /etc/cron.d/mysql-backup
    SHELL=/bin/bash
    MAILTO=ops@<<dom>>
    30 3 * * * root /usr/bin/mysqldump -uroot -p<<pw>> --all-databases | gzip > /var/backups/mysql-$(date +\%u).sql.gz
""",
)
add(
    F,
    "cron_syslog_cmd",
    r"""
    <<sys>> <<host>> CRON[<<pid>>]: (root) CMD (/usr/local/bin/s3sync.sh --key <<akid>> --secret <<awssk>> >> /var/log/s3sync.log 2>&1)
""",
)
add(
    F,
    "cron_mail_output",
    r"""
    From: Cron Daemon <root@<<host>>.<<dom>>>
    Subject: Cron <<<user>>@<<host>>> /opt/scripts/sync_ldap.sh
    Date: <<tss>>

    ldapsearch -x -H ldaps://dc01.<<dom>> -D "CN=svc_sync,OU=Service,DC=corp,DC=example,DC=com" -w '<<pw>>' -b "OU=Users,DC=corp,DC=example,DC=com"
    ldap_bind: Invalid credentials (49)
""",
)
add(
    F,
    "cron_systemd_timer_list_env",
    r"""
    $ cat /var/spool/cron/crontabs/root
    DO_NOT_EDIT_THIS_FILE=1
    B2_APPLICATION_KEY=K005<<r24>>
    0 */6 * * * /usr/local/bin/restic -r b2:acme-bk:/srv backup /srv
""",
)
add(
    F,
    "cron_anacron_wget",
    r"""
    @daily wget -q -O - "https://dyn.<<dom>>/nic/update?hostname=<<host>>&myip=<<pubip>>&password=<<r20>>" >/dev/null
""",
)
add(
    F,
    "cron_logwatch_report",
    r"""
     --------------------- Cron Begin ------------------------
     Commands Run:
        User <<user>>:
           /usr/bin/lftp -u backup,<<pw>> -e "mirror -R /srv/www /www; quit" ftp.<<dom>>: 24 Time(s)
     ---------------------- Cron End -------------------------
""",
)

# --- auth / sudo logs -----------------------------------------------------------------
F = "auth_sudo_log"
add(
    F,
    "auth_sudo_echo_pipe",
    r"""
    <<sys>> <<host>> sudo:     <<user>> : TTY=pts/3 ; PWD=/root ; USER=root ; COMMAND=/usr/bin/bash -c echo '<<pw>>' | passwd --stdin svc_monitor
""",
)
add(
    F,
    "auth_sshd_invalid_user_pw",
    r"""
    <<sys>> <<host>> sshd[<<pid>>]: Invalid user <<pw>> from <<pubip>> port <<port>>
    <<sys>> <<host>> sshd[<<pid>>]: Failed password for invalid user <<pw>> from <<pubip>> port <<port>> ssh2
""",
)
add(
    F,
    "auth_su_bash_history",
    r"""
    $ sudo cat /root/.bash_history | tail -4
    systemctl restart <<app>>
    mysql -u root -p'<<pw>>' -e "FLUSH PRIVILEGES"
    vault login -method=userpass username=ops password=<<pw#2>>
    exit
""",
)
add(
    F,
    "auth_pam_exec_debug",
    r"""
    <<sys>> <<host>> pam_exec[<<pid>>]: /usr/local/bin/pam_notify.sh: PAM_USER=<<user>> PAM_AUTHTOK=<<pw>> PAM_RHOST=<<pubip>>
""",
)
add(
    F,
    "auth_zsh_history",
    r"""
    : <<epoch>>:0;export VAULT_TOKEN=<<hvs>>
    : <<epoch>>:0;vault kv get secret/<<app>>/prod
""",
)
add(
    F,
    "auth_sssd_debug",
    r"""
    (<<tss>>): [be[<<dom>>]] [sdap_auth_send] (0x0100): Executing simple bind as: uid=<<user>>,ou=people,dc=acme,dc=io pw=<<pw>>
""",
)

# --- strace / ltrace ---------------------------------------------------------------------
F = "strace"
add(
    F,
    "strace_write_http_auth",
    r"""
    <<pid>> write(5, "POST /api/v1/push HTTP/1.1\r\nHost: loki.<<dom>>\r\nAuthorization: Basic <<basic:user,pw>>\r\nContent-Type: application/x-protobuf\r\n"..., 156) = 156
""",
)
add(
    F,
    "strace_sendto_redis_auth",
    r"""
    <<pid>> sendto(7, "*2\r\n$4\r\nAUTH\r\n$32\r\n<<r32>>\r\n", 51, MSG_NOSIGNAL, NULL, 0) = 51
    <<pid>> recvfrom(7, "+OK\r\n", 16384, 0, NULL, NULL) = 5
""",
)
add(
    F,
    "strace_read_env_file",
    r"""
    openat(AT_FDCWD, "/etc/<<app>>/app.env", O_RDONLY|O_CLOEXEC) = 3
    read(3, "APP_ENV=prod\nPAYPAL_CLIENT_SECRET=<<r40>>\nLOG_LEVEL=info\n", 4096) = 73
""",
)
add(
    F,
    "strace_execve_args",
    r"""
    execve("/usr/bin/mysql", ["mysql", "-h", "<<ip>>", "-u", "<<dbuser>>", "-p<<pw>>", "<<db>>"], 0x7ffc2b1d8a50 /* 24 vars */) = 0
""",
)
add(
    F,
    "strace_execve_env_v",
    r"""
    execve("/usr/local/bin/app", ["app"], ["PATH=/usr/bin", "HOME=/srv", "SMTP_PASSWORD=<<pw>>", "TZ=UTC"]) = 0
""",
)
add(
    F,
    "ltrace_strcmp",
    r"""
    <<pid>> strcmp("<<pw>>", "<<pw#2>>")                    = -17
    <<pid>> puts("Access denied")                               = 14
""",
)
add(
    F,
    "strace_write_pg_startup",
    r"""
    <<pid>> sendto(3, "p\0\0\0(md5<<hex32>>\0", 41, MSG_NOSIGNAL, NULL, 0) = 41
""",
)
add(
    F,
    "strace_writev_grpc_meta",
    r"""
    <<pid>> writev(9, [{iov_base="\0\0\235\1\4\0\0\0\1\203\206D\22/api.v1.Jobs/Submit", iov_len=48}, {iov_base="authorization\0Bearer <<jwt>>", iov_len=412}], 2) = 460
""",
)

# --- tcpdump / HTTP wire ----------------------------------------------------------------
F = "tcpdump_http"
add(
    F,
    "tcpdump_A_basic",
    r"""
    <<sys>>.482913 IP <<ip>>.<<port>> > <<ip#2>>.80: Flags [P.], seq 1:221, ack 1, win 502, length 220: HTTP: GET /nexus/service/rest/v1/status HTTP/1.1
    E..../@.@.....
    GET /nexus/service/rest/v1/status HTTP/1.1
    Host: nexus.<<dom>>
    Authorization: Basic <<basic:user,pw>>
    User-Agent: <<ua>>
""",
)
add(
    F,
    "tcpdump_A_cookie",
    r"""
    GET /dashboard HTTP/1.1
    Host: <<app>>.<<dom>>
    Cookie: _ga=GA1.2.<<num>>.<<epoch>>; sessionid=<<r32>>; csrftoken=<<r32#2>>
    X-Request-ID: <<reqid>>
""",
)
add(
    F,
    "tcpdump_A_post_form",
    r"""
    POST /login HTTP/1.1
    Host: wiki.<<dom>>
    Content-Type: application/x-www-form-urlencoded
    Content-Length: 58

    os_username=<<user>>&os_password=<<qp:pw>>&login=Log+in
""",
)
add(
    F,
    "tcpdump_A_api_key_header",
    r"""
    POST /v1/messages HTTP/1.1
    host: api.anthropic.com
    x-api-key: <<ant>>
    anthropic-version: 2023-06-01
    content-type: application/json
""",
)
add(
    F,
    "tcpdump_A_proxy_auth",
    r"""
    CONNECT api.stripe.com:443 HTTP/1.1
    Host: api.stripe.com:443
    Proxy-Authorization: Basic <<basic:user,pw>>
""",
)
add(
    F,
    "tcpdump_A_response_set_cookie",
    r"""
    HTTP/1.1 302 Found
    Location: /home
    Set-Cookie: laravel_session=<<b64_48>>; expires=<<tss>>; Max-Age=7200; path=/; httponly; samesite=lax
    Set-Cookie: remember_web=<<r40>>; path=/; httponly
""",
)
add(
    F,
    "tcpdump_A_oauth_token_resp",
    r"""
    HTTP/1.1 200 OK
    Content-Type: application/json;charset=UTF-8

    {"access_token":"<<jwt>>","expires_in":300,"refresh_token":"<<r40>>","token_type":"Bearer","scope":"openid profile"}
""",
)
add(
    F,
    "tcpdump_A_client_credentials",
    r"""
    POST /realms/<<app>>/protocol/openid-connect/token HTTP/1.1
    Host: sso.<<dom>>
    Content-Type: application/x-www-form-urlencoded

    grant_type=client_credentials&client_id=<<app>>-backend&client_secret=<<r32>>
""",
)
add(
    F,
    "tshark_http_fields",
    r"""
    $ tshark -r /tmp/cap.pcap -Y http.request -T fields -e ip.src -e http.request.uri -e http.authorization
    <<ip>><<tab>>/metrics<<tab>>Bearer <<glsa>>
    <<ip#2>><<tab>>/healthz
""",
)
add(
    F,
    "tcpdump_XX_hex_ascii",
    r"""
    <<tab>>0x0030:  0050 8c4e 4745 5420 2f61 7069 2f76 3220  .P.NGET./api/v2.
    <<tab>>0x0040:  4854 5450 2f31 2e31 0d0a 582d 4175 7468  HTTP/1.1..X-Auth
    <<tab>>X-Auth-Token: <<hex40>>
""",
)

# --- mail protocols on the wire -----------------------------------------------------------
F = "mail_wire"
add(
    F,
    "smtp_auth_plain",
    r"""
    <<tsl>> smtp-debug: send: 'ehlo [<<ip>>]\r\n'
    <<tsl>> smtp-debug: reply: b'250-AUTH PLAIN LOGIN\r\n'
    <<tsl>> smtp-debug: send: 'AUTH PLAIN <<plain:user,pw>>\r\n'
    <<tsl>> smtp-debug: reply: b'235 2.7.0 Authentication successful\r\n'
""",
)
add(
    F,
    "smtp_auth_login_swaks",
    r"""
    === Trying smtp.<<dom>>:587...
     -> AUTH LOGIN
    <-  334 VXNlcm5hbWU6
     -> <<b64:user>>
    <-  334 UGFzc3dvcmQ6
     -> <<b64:pw>>
    <-  235 2.7.0 Authentication successful
""",
)
add(
    F,
    "imap_login_wire",
    r"""
    C: a001 LOGIN <<user>>@<<dom>> "<<pw>>"
    S: a001 OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE] Logged in
""",
)
add(
    F,
    "pop3_user_pass",
    r"""
    +OK Dovecot ready.
    USER alerts
    +OK
    PASS <<pw>>
    +OK Logged in.
""",
)
add(
    F,
    "imap_authenticate_xoauth2",
    r"""
    C: A1 AUTHENTICATE XOAUTH2 <<xoauth2:user,ya29>>
    S: A1 OK Thats all she wrote!
""",
)
add(
    F,
    "smtp_curl_verbose",
    r"""
    * Connected to smtp.<<dom>> (<<ip>>) port 465
    > EHLO <<host>>
    < 250-AUTH LOGIN PLAIN
    > AUTH PLAIN <<plain:user,pw>>
    < 235 2.7.0 Accepted
    > MAIL FROM:<alerts@<<dom>>>
""",
)
add(
    F,
    "smtp_python_smtplib_trace",
    r"""
    Traceback (most recent call last):
      File "/opt/notify/send.py", line 22, in <module>
        server.login("alerts@<<dom>>", "<<pw>>")
    smtplib.SMTPAuthenticationError: (535, b'5.7.8 Username and Password not accepted.')
""",
)
add(
    F,
    "sieve_managesieve",
    r"""
    C: AUTHENTICATE "PLAIN" "<<plain:user,r16>>"
    S: OK "Logged in."
""",
)

# --- FTP / LDAP / misc wire ---------------------------------------------------------------
F = "ftp_ldap_wire"
add(
    F,
    "ftp_session_wire",
    r"""
    220 (vsFTPd 3.0.5)
    USER edi_partner
    331 Please specify the password.
    PASS <<pw>>
    230 Login successful.
""",
)
add(
    F,
    "curl_v_ftp_url",
    r"""
    $ curl -v ftp://edi:<<url:pw>>@ftp.<<dom>>/outbound/ --list-only
    *   Trying <<ip>>:21...
    < 230 Login successful.
""",
)
add(
    F,
    "ldapsearch_cmd",
    r"""
    $ ldapsearch -LLL -H ldap://<<ip>> -D "cn=admin,dc=acme,dc=io" -w <<pw>> -b "ou=people,dc=acme,dc=io" "(uid=<<user>>)" mail
    dn: uid=<<user>>,ou=people,dc=acme,dc=io
    mail: <<user>>@<<dom>>
""",
)
add(
    F,
    "ldif_userpassword",
    r"""
    dn: uid=svc_jira,ou=services,dc=acme,dc=io
    objectClass: inetOrgPerson
    uid: svc_jira
    userPassword:: <<b64:pw>>
""",
)
add(
    F,
    "ldif_ssha_hash",
    r"""
    dn: cn=admin,dc=acme,dc=io
    userPassword: {SSHA}<<b64_32>>
""",
)
add(
    F,
    "sssd_conf_bind_pw",
    r"""
    [domain/<<dom>>]
    id_provider = ldap
    ldap_uri = ldaps://ldap.<<dom>>
    ldap_default_bind_dn = cn=sssd,ou=svc,dc=acme,dc=io
    ldap_default_authtok_type = password
    ldap_default_authtok = <<pw>>
""",
)
add(
    F,
    "snmp_walk_community",
    r"""
    $ snmpwalk -v2c -c <<snmp>> <<ip>> 1.3.6.1.2.1.1
    SNMPv2-MIB::sysDescr.0 = STRING: Linux <<host>> 6.8.0-49-generic #49-Ubuntu SMP x86_64
    $ snmpget -v3 -l authPriv -u monitor -a SHA -A '<<pw>>' -x AES -X '<<pw#2>>' <<ip>> sysUpTime.0
""",
)

# --- Redis / Memcached wire ----------------------------------------------------------------
F = "kv_cache_wire"
add(
    F,
    "redis_monitor_auth",
    r"""
    $ redis-cli -h <<ip>> MONITOR
    OK
    <<epochf>> [0 <<ip#2>>:<<port>>] "AUTH" "<<r32>>"
    <<epochf>> [0 <<ip#2>>:<<port>>] "GET" "session:<<uuid>>"
""",
)
add(
    F,
    "redis_config_get",
    r"""
    <<ip>>:6379> CONFIG GET *pass*
    1) "masterauth"
    2) "<<r24>>"
    3) "requirepass"
    4) "<<r24#2>>"
""",
)
add(
    F,
    "redis_acl_list",
    r"""
    <<ip>>:6379> ACL LIST
    1) "user default off nopass sanitize-payload ~* &* +@all"
    2) "user app on #<<hex64>> ~app:* resetchannels -@all +@read +@write"
    3) "user ops on ><<pw>> ~* &* +@all"
""",
)
add(
    F,
    "redis_sentinel_conf",
    r"""
    sentinel monitor mymaster <<ip>> 6379 2
    sentinel auth-pass mymaster <<r32>>
    sentinel down-after-milliseconds mymaster 5000
""",
)
add(
    F,
    "memcached_sasl_tcpdump",
    r"""
    <<sys>>.118201 IP <<ip>>.<<port>> > <<ip#2>>.11211: Flags [P.], length 44
    .!.....PLAIN.....memcache\0app\0<<pw>>
""",
)
add(
    F,
    "redis_slowlog_get",
    r"""
    1) 1) (integer) <<num>>
       2) (integer) <<epoch>>
       3) (integer) 15204
       4) 1) "SET"
          2) "cfg:stripe:secret"
          3) "<<sklive>>"
""",
)

# --- SQL clients / wire --------------------------------------------------------------------
F = "sql_clients"
add(
    F,
    "pg_log_create_role",
    r"""
    <<tsl>> UTC [<<pid>>] postgres@<<db>> LOG:  statement: CREATE ROLE <<dbuser>> LOGIN PASSWORD '<<pw>>';
""",
)
add(
    F,
    "pg_log_alter_user",
    r"""
    <<tsl>> UTC [<<pid>>] LOG:  duration: 2.113 ms  statement: ALTER USER <<dbuser>> WITH PASSWORD '<<pw>>' VALID UNTIL '2027-03-01'
""",
)
add(
    F,
    "mysql_general_log",
    r"""
    <<ts>><<tab>>   <<num>> Query<<tab>>CREATE USER '<<dbuser>>'@'10.%' IDENTIFIED BY '<<pw>>'
    <<ts>><<tab>>   <<num>> Query<<tab>>GRANT SELECT ON <<db>>.* TO '<<dbuser>>'@'10.%'
""",
)
add(
    F,
    "mysql_user_table",
    r"""
    mysql> SELECT user, host, authentication_string FROM mysql.user WHERE user='<<dbuser>>';
    +------------+------+-------------------------------------------+
    | user       | host | authentication_string                     |
    +------------+------+-------------------------------------------+
    | <<dbuser>> | %    | <<mysqlh>> |
    +------------+------+-------------------------------------------+
""",
)
add(
    F,
    "pgpass_file",
    r"""
    $ cat ~/.pgpass
    <<host>>.<<dom>>:5432:<<db>>:<<dbuser>>:<<pw>>
    *:5432:*:replicator:<<r24>>
""",
)
add(
    F,
    "my_cnf_client",
    r"""
    $ cat /root/.my.cnf
    [client]
    user=root
    password="<<pw>>"
    socket=/run/mysqld/mysqld.sock
""",
)
add(
    F,
    "pg_shadow_select",
    r"""
    <<db>>=# SELECT usename, passwd FROM pg_shadow WHERE usename = '<<dbuser>>';
      usename   |                                                                passwd
    ------------+---------------------------------------------------------------------------------------------------------------------------------------
     <<dbuser>> | SCRAM-SHA-256$4096:<<salt16>>$<<b64_32>>:<<b64_32#2>>
""",
)
add(
    F,
    "pgbouncer_userlist",
    r"""
    $ cat /etc/pgbouncer/userlist.txt
    "<<dbuser>>" "<<pgmd5:pw,dbuser>>"
    "pgbouncer_admin" "<<pw#2>>"
""",
)
add(
    F,
    "mongo_log_connstr",
    r"""
    {"t":{"$date":"<<ts>>"},"s":"I","c":"NETWORK","id":22943,"ctx":"listener","msg":"Connection accepted","attr":{"remote":"<<ip>>:<<port>>","connectionCount":42}}
    {"t":{"$date":"<<ts>>"},"s":"W","c":"ACCESS","id":20436,"ctx":"conn42","msg":"Authentication failed","attr":{"mechanism":"SCRAM-SHA-256","user":"<<dbuser>>","db":"admin","uri":"mongodb+srv://<<dbuser>>:<<url:pw>>@cluster0.<<dom>>/?retryWrites=true"}}
""",
)
add(
    F,
    "mssql_sqlcmd",
    r"""
    $ /opt/mssql-tools18/bin/sqlcmd -S <<ip>>,1433 -U sa -P '<<pw>>' -C -Q "SELECT @@VERSION"
    Sqlcmd: Error: Microsoft ODBC Driver 18 for SQL Server : Login failed for user 'sa'..
""",
)

# --- web access / error logs ----------------------------------------------------------------
F = "web_access_logs"
add(
    F,
    "nginx_access_query_token",
    r"""
    <<ip>> - - [<<clf>>] "GET /api/export.csv?access_token=<<r40>>&from=2026-11-01 HTTP/1.1" 200 <<size>> "-" "<<ua>>"
""",
)
add(
    F,
    "nginx_access_basic_user_url",
    r"""
    <<ip>> - admin [<<clf>>] "GET https://admin:<<url:pw>>@<<app>>.<<dom>>/status HTTP/1.1" 400 157 "-" "<<ua>>"
""",
)
add(
    F,
    "nginx_error_upstream",
    r"""
    <<tss>> [error] <<pid>>#<<pid>>: *<<num>> upstream timed out (110: Connection timed out) while reading response header from upstream, client: <<ip>>, server: <<app>>.<<dom>>, request: "POST /hooks/stripe?secret=<<whsec>> HTTP/1.1", upstream: "http://127.0.0.1:8080/hooks/stripe?secret=<<whsec>>", host: "<<app>>.<<dom>>"
""",
)
add(
    F,
    "haproxy_httplog",
    r"""
    <<sys>> <<host>> haproxy[<<pid>>]: <<ip>>:<<port>> [<<clf>>] fe_https~ be_api/api-03 0/0/1/48/49 200 1422 - - ---- 312/310/12/4/0 0/0 {<<app>>.<<dom>>|Bearer <<jwt>>} "GET /v1/me HTTP/1.1"
""",
)
add(
    F,
    "envoy_access_json",
    r"""
    {"start_time":"<<ts>>","method":"POST","path":"/oauth/token?client_secret=<<r32>>&grant_type=client_credentials","protocol":"HTTP/2","response_code":200,"duration":<<ms>>,"upstream_host":"<<ip>>:8443","x_request_id":"<<reqid>>"}
""",
)
add(
    F,
    "traefik_access_json",
    r"""
    {"ClientAddr":"<<ip>>:<<port>>","ClientUsername":"-","DownstreamStatus":401,"RequestMethod":"GET","RequestPath":"/metrics","RequestProtocol":"HTTP/1.1","request_Authorization":"Basic <<basic:user,pw>>","RouterName":"prom@docker","time":"<<ts>>"}
""",
)
add(
    F,
    "caddy_access_json",
    r"""
    {"level":"info","ts":<<epochf>>,"logger":"http.log.access.log0","msg":"handled request","request":{"remote_ip":"<<ip>>","proto":"HTTP/2.0","method":"GET","host":"files.<<dom>>","uri":"/share/<<r24>>?dl=1","headers":{"Cookie":["filebrowser_auth=<<jwt>>"]}},"status":200}
""",
)
add(
    F,
    "apache_access_combined",
    r"""
    <<ip>> - - [<<clf>>] "GET /wp-login.php?action=rp&key=<<r20>>&login=<<user>> HTTP/1.1" 200 4213 "-" "<<ua>>"
""",
)
add(
    F,
    "nginx_error_auth_header_debug",
    r"""
    <<tss>> [debug] <<pid>>#0: *<<num>> http header: "Authorization: token <<gho>>"
    <<tss>> [debug] <<pid>>#0: *<<num>> http header: "Host: git.<<dom>>"
""",
)
add(
    F,
    "alb_access_log",
    r"""
    https <<ts>> app/<<app>>-alb/<<alertfp>> <<pubip>>:<<port>> <<ip>>:8080 0.001 0.032 0.000 200 200 512 1204 "GET https://<<app>>.<<dom>>:443/reset?token=<<b64u32>> HTTP/1.1" "<<ua>>" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2
""",
)
add(
    F,
    "nginx_access_x_api_key_logged",
    r"""
    log_format with_key '$remote_addr [$time_local] "$request" $status key=$http_x_api_key';
    <<ip>> [<<clf>>] "POST /v2/ingest HTTP/1.1" 202 key=<<hex40>>
""",
)

# --- proxy / web server configs ---------------------------------------------------------
F = "proxy_configs"
add(
    F,
    "nginx_conf_proxy_header",
    r"""
    $ nginx -T 2>/dev/null | grep -n -A3 'location /upstream-api'
    212:    location /upstream-api/ {
    213:        proxy_set_header Authorization "Bearer <<r40>>";
    214:        proxy_pass https://partner.<<dom>>/;
""",
)
add(
    F,
    "nginx_htpasswd",
    r"""
    $ cat /etc/nginx/.htpasswd
    admin:<<apr1>>
    prometheus:<<bcrypt>>
""",
)
add(
    F,
    "haproxy_cfg_userlist",
    r"""
    userlist stats_users
        user admin insecure-password <<pw>>
        user ops password <<sha512c>>

    listen stats
        bind :8404
        stats auth monitor:<<pw#2>>
""",
)
add(
    F,
    "traefik_toml_dns",
    r"""
    [certificatesResolvers.le.acme.dnsChallenge]
      provider = "route53"
    # env in unit: AWS_ACCESS_KEY_ID=<<akid>> AWS_SECRET_ACCESS_KEY=<<awssk>>
""",
)
add(
    F,
    "caddyfile_basicauth",
    r"""
    grafana.<<dom>> {
        basicauth /* {
            ops <<bcrypt>>
        }
        reverse_proxy 127.0.0.1:3000
    }
""",
)
add(
    F,
    "envoy_yaml_header_add",
    r"""
            request_headers_to_add:
            - header:
                key: x-partner-key
                value: "<<r32>>"
              append_action: OVERWRITE_IF_EXISTS_OR_ADD
""",
)
add(
    F,
    "nginx_ssl_password_file",
    r"""
    $ cat /etc/nginx/ssl/passphrases.txt
    <<pp>>
    $ grep ssl_password_file /etc/nginx/conf.d/<<app>>.conf
        ssl_password_file /etc/nginx/ssl/passphrases.txt;
""",
)
add(
    F,
    "squid_cache_peer_login",
    r"""
    cache_peer upstream.<<dom>> parent 3128 0 no-query default login=<<user>>:<<pw>>
    never_direct allow all
""",
)
add(
    F,
    "traefik_dynamic_yaml_users",
    r"""
    http:
      middlewares:
        dash-auth:
          basicAuth:
            users:
              - "admin:<<apr1>>"
""",
)
add(
    F,
    "haproxy_runtime_show_servers_check",
    r"""
    backend be_elastic
        http-check send meth GET uri /_cluster/health hdr Authorization "Basic <<basic:user,pw>>"
        server es1 <<ip>>:9200 check
""",
)

# --- MTA configs ----------------------------------------------------------------------------
F = "mta_config"
add(
    F,
    "postfix_sasl_passwd",
    r"""
    $ cat /etc/postfix/sasl_passwd
    [smtp.sendgrid.net]:587 apikey:<<sg>>
    [email-smtp.<<region>>.amazonaws.com]:587 <<akid>>:<<b64_32>>
""",
)
add(
    F,
    "postfix_log_sasl_fail",
    r"""
    <<sys>> <<host>> postfix/smtp[<<pid>>]: <<qid>>: to=<ops@<<dom>>>, relay=smtp.office365.com[52.97.1.2]:587, delay=1.4, dsn=4.7.0, status=deferred (SASL authentication failed; server said: 535 5.7.3 Authentication unsuccessful for login <<user>> / <<pw>>)
""",
)
add(
    F,
    "dovecot_passwd_file",
    r"""
    $ cat /etc/dovecot/users
    alerts@<<dom>>:{SHA512-CRYPT}<<sha512c>>:5000:5000::/var/mail/alerts
    noc@<<dom>>:{PLAIN}<<pw>>:5000:5000::/var/mail/noc
""",
)
add(
    F,
    "dovecot_auth_debug",
    r"""
    <<sys>> <<host>> dovecot: auth: Debug: client in: AUTH<<tab>>1<<tab>>PLAIN<<tab>>service=imap<<tab>>secured<<tab>>session=<<chash>><<tab>>lip=<<ip>><<tab>>rip=<<ip#2>><<tab>>resp=<<plain:user,pw>>
""",
)
add(
    F,
    "exim_conf_authenticator",
    r"""
    begin authenticators
    smarthost_login:
      driver = plaintext
      public_name = LOGIN
      client_send = : relay@<<dom>> : <<pw>>
""",
)
add(
    F,
    "opendkim_private_key",
    r"""
    $ sudo cat /etc/opendkim/keys/<<dom>>/mail.private
    <<pem_p8rsa>>
""",
)
add(
    F,
    "postfix_ldap_cf",
    r"""
    # /etc/postfix/ldap-aliases.cf
    server_host = ldaps://ldap.<<dom>>
    bind = yes
    bind_dn = cn=postfix,ou=svc,dc=acme,dc=io
    bind_pw = <<pw>>
    query_filter = (mail=%s)
""",
)
add(
    F,
    "postfix_mysql_cf",
    r"""
    hosts = 127.0.0.1
    user = postfix
    password = <<pw>>
    dbname = mailserver
    query = SELECT 1 FROM virtual_domains WHERE name='%s'
""",
)

# --- DNS ------------------------------------------------------------------------------------
F = "dns_keys"
add(
    F,
    "bind_tsig_key",
    r"""
    key "xfer-<<host>>" {
        algorithm hmac-sha256;
        secret "<<tsig>>";
    };
""",
)
add(
    F,
    "bind_rndc_conf",
    r"""
    $ cat /etc/bind/rndc.key
    key "rndc-key" {
    <<tab>>algorithm hmac-sha256;
    <<tab>>secret "<<tsig>>";
    };
""",
)
add(
    F,
    "nsupdate_y_cmd",
    r"""
    $ nsupdate -y hmac-sha256:acme-ddns:<<tsig>> <<EOF
    server ns1.<<dom>>
    update add _acme-challenge.<<app>>.<<dom>> 60 TXT "<<cid12>>"
""",
)
add(
    F,
    "pdns_conf_api_key",
    r"""
    $ grep -E '^(api|webserver|gmysql)' /etc/powerdns/pdns.conf
    api=yes
    api-key=<<r24>>
    webserver-password=<<pw>>
    gmysql-password=<<pw#2>>
""",
)
add(
    F,
    "knot_conf_key",
    r"""
    key:
      - id: transfer.<<dom>>
        algorithm: hmac-sha512
        secret: <<b64_64>>
""",
)
add(
    F,
    "certbot_rfc2136_ini",
    r"""
    $ cat /etc/letsencrypt/rfc2136.ini
    dns_rfc2136_server = <<ip>>
    dns_rfc2136_name = certbot.
    dns_rfc2136_secret = <<tsig>>
    dns_rfc2136_algorithm = HMAC-SHA512
""",
)
add(
    F,
    "certbot_cloudflare_ini",
    r"""
    # /root/.secrets/cloudflare.ini
    dns_cloudflare_api_token = <<cfk>>
""",
)

# --- HA clustering ----------------------------------------------------------------------------
F = "ha_cluster"
add(
    F,
    "keepalived_conf",
    r"""
    vrrp_instance VI_<<num>> {
        state BACKUP
        interface ens192
        virtual_router_id 51
        priority 90
        authentication {
            auth_type PASS
            auth_pass <<pw8>>
        }
        virtual_ipaddress {
            <<ip>>/24
        }
    }
""",
)
add(
    F,
    "keepalived_tcpdump_vrrp",
    r"""
    <<sys>>.771203 IP <<ip>> > 224.0.0.18: VRRPv2, Advertisement, vrid 51, prio 100, authtype simple, intvl 1s, length 20, addrs: <<ip#2>> auth "<<pw8>>"
""",
)
add(
    F,
    "corosync_authkey_b64",
    r"""
    $ base64 -w0 /etc/corosync/authkey; echo
    <<b64_64>>
""",
)
add(
    F,
    "pcs_cluster_auth",
    r"""
    $ pcs host auth node1 node2 -u hacluster -p '<<pw>>'
    node1: Authorized
    node2: Authorized
""",
)
add(
    F,
    "pcs_stonith_ipmi",
    r"""
    $ pcs stonith config fence_node1
     Resource: fence_node1 (class=stonith type=fence_ipmilan)
      Attributes: fence_node1-instance_attributes
        ip=<<ip>>
        password=<<pw>>
        username=ADMIN
        lanplus=1
""",
)
add(
    F,
    "crm_configure_show",
    r"""
    primitive st-vcenter stonith:fence_vmware_rest \
        params ip=vcenter.<<dom>> username="fence@vsphere.local" password="<<pw>>" ssl_insecure=1 \
        op monitor interval=60s
""",
)
add(
    F,
    "patroni_yml",
    r"""
    postgresql:
      authentication:
        replication:
          username: replicator
          password: <<r24>>
        superuser:
          username: postgres
          password: '<<pw>>'
      parameters:
        max_connections: 500
""",
)
add(
    F,
    "galera_wsrep_sst_auth",
    r"""
    [galera]
    wsrep_on=ON
    wsrep_cluster_address="gcomm://<<ip>>,<<ip#2>>"
    wsrep_sst_auth=sstuser:<<pw>>
""",
)

# --- HashiCorp ------------------------------------------------------------------------------
F = "hashicorp_stack"
add(
    F,
    "vault_operator_init",
    r"""
    $ vault operator init -key-shares=3 -key-threshold=2
    Unseal Key 1: <<b64_32>>
    Unseal Key 2: <<b64_32#2>>
    Unseal Key 3: <<b64_32#3>>

    Initial Root Token: <<hvs>>
""",
)
add(
    F,
    "vault_token_lookup",
    r"""
    $ vault token create -policy=ci -ttl=24h
    Key                  Value
    ---                  -----
    token                <<hvs>>
    token_accessor       <<acc24>>
    token_duration       24h
    token_policies       ["ci" "default"]
""",
)
add(
    F,
    "vault_audit_log_raw",
    r"""
    {"time":"<<ts>>","type":"response","auth":{"client_token":"hmac-sha256:<<sha256>>","accessor":"hmac-sha256:<<sha256#2>>"},"request":{"path":"database/creds/readonly"},"response":{"data":{"password":"<<r20>>","username":"v-token-readonly-<<chash>>-<<epoch>>"}}}
""",
)
add(
    F,
    "vault_kv_get",
    r"""
    $ vault kv get -format=json secret/<<app>>/prod | jq .data.data
    {
      "STRIPE_KEY": "<<rklive>>",
      "HMAC_SECRET": "<<hex64>>"
    }
""",
)
add(
    F,
    "consul_acl_bootstrap",
    r"""
    $ consul acl bootstrap
    AccessorID:       <<uuid>>
    SecretID:         <<usec>>
    Description:      Bootstrap Token (Global Management)
    Local:            false
    Create Time:      <<tss>>
""",
)
add(
    F,
    "consul_hcl_encrypt",
    r"""
    $ cat /etc/consul.d/consul.hcl
    datacenter = "dc1"
    data_dir   = "/opt/consul"
    encrypt    = "<<b64_32>>"
    acl {
      enabled = true
      tokens {
        agent = "<<usec>>"
      }
    }
""",
)
add(
    F,
    "nomad_job_template_env",
    r"""
    $ nomad job inspect <<app>> | jq '.Job.TaskGroups[0].Tasks[0].Env'
    {
      "DATABASE_PASSWORD": "<<pw>>",
      "LOG_LEVEL": "warn"
    }
""",
)
add(
    F,
    "nomad_agent_log_token",
    r"""
    <<ts>> [ERROR] nomad.client: failed to register node: error="rpc error: Permission denied" token=<<usec>>
""",
)
add(
    F,
    "consul_kv_export",
    r"""
    $ consul kv export config/<<app>>/
    [
    <<tab>>{
    <<tab>><<tab>>"key": "config/<<app>>/db_password",
    <<tab>><<tab>>"flags": 0,
    <<tab>><<tab>>"value": "<<b64:pw>>"
    <<tab>>}
    ]
""",
)
add(
    F,
    "vault_agent_approle_files",
    r"""
    $ sudo cat /etc/vault-agent/role_id /etc/vault-agent/secret_id
    <<uuid>>
    <<usec>>
""",
)

# --- Prometheus / Alertmanager -----------------------------------------------------------------
F = "prometheus_alertmanager"
add(
    F,
    "am_config_pagerduty",
    r"""
    $ amtool config show --alertmanager.url=http://localhost:9093 | sed -n '/receivers/,$p'
    receivers:
    - name: pagerduty-critical
      pagerduty_configs:
      - routing_key: <<hex32>>
        send_resolved: true
""",
)
add(
    F,
    "am_config_slack",
    r"""
    - name: team-<<app>>
      slack_configs:
      - api_url: https://hooks.slack.com/services/<<slkteam>>/<<slkbot>>/<<slk>>
        channel: '#alerts-<<app>>'
        send_resolved: true
""",
)
add(
    F,
    "am_config_opsgenie",
    r"""
    global:
      opsgenie_api_key: <<usec>>
      opsgenie_api_url: https://api.eu.opsgenie.com/
      smtp_auth_password: '<<pw>>'
""",
)
add(
    F,
    "prom_scrape_basic_auth",
    r"""
    scrape_configs:
      - job_name: federate-<<host>>
        scheme: https
        basic_auth:
          username: prometheus
          password: <<pw>>
        static_configs:
          - targets: ['<<host>>.<<dom>>:9090']
""",
)
add(
    F,
    "prom_scrape_bearer",
    r"""
      - job_name: 'gitlab'
        metrics_path: /-/metrics
        bearer_token: '<<glpat>>'
        static_configs:
          - targets: ['gitlab.<<dom>>']
""",
)
add(
    F,
    "prom_remote_write",
    r"""
    remote_write:
      - url: https://prometheus-prod-24-prod-eu-west-2.grafana.net/api/prom/push
        basic_auth:
          username: "<<rv>>"
          password: "<<glc>>"
""",
)
add(
    F,
    "am_webhook_url_token",
    r"""
    - name: msteams
      webhook_configs:
      - url: 'http://prometheus-msteams:2000/alertmanager?token=<<r32>>'
        max_alerts: 10
""",
)
add(
    F,
    "prom_web_config",
    r"""
    $ cat /etc/prometheus/web.yml
    basic_auth_users:
      admin: <<bcrypt>>
""",
)
add(
    F,
    "am_log_notify_error",
    r"""
    ts=<<ts>> caller=dispatch.go:353 level=error component=dispatcher msg="Notify for alerts failed" num_alerts=3 err="team-<<app>>/webhook[0]: notify retry canceled after 16 attempts: Post \"https://<<user>>:<<url:pw>>@events.<<dom>>/alertmanager\": dial tcp <<ip>>:443: i/o timeout"
""",
)
add(
    F,
    "blackbox_module_headers",
    r"""
    modules:
      http_api_auth:
        prober: http
        http:
          headers:
            X-Api-Key: <<r32>>
          bearer_token: <<jwt>>
""",
)

# --- Grafana / Loki / Promtail ------------------------------------------------------------------
F = "grafana_loki"
add(
    F,
    "grafana_ini",
    r"""
    [security]
    admin_user = admin
    admin_password = <<pw>>
    secret_key = <<r16>>

    [database]
    type = postgres
    password = """
    + '"""'
    + r"""<<pw#2>>"""
    + '"""'
    + r"""
""",
)
add(
    F,
    "grafana_datasource_provisioning",
    r"""
    apiVersion: 1
    datasources:
      - name: Loki
        type: loki
        url: https://logs-prod-eu-west-0.grafana.net
        basicAuth: true
        basicAuthUser: <<rv>>
        secureJsonData:
          basicAuthPassword: <<glc>>
""",
)
add(
    F,
    "grafana_api_curl",
    r"""
    $ curl -s -H "Authorization: Bearer <<glsa>>" https://grafana.<<dom>>/api/dashboards/uid/<<gfuid>> | jq .meta.version
    17
""",
)
add(
    F,
    "promtail_config_client",
    r"""
    clients:
      - url: https://<<rv>>:<<glc>>@logs-prod-012.grafana.net/loki/api/v1/push
    positions:
      filename: /tmp/positions.yaml
""",
)
add(
    F,
    "loki_config_s3",
    r"""
    storage_config:
      aws:
        s3: s3://<<akid>>:<<url:awssk>>@<<region>>/loki-chunks-<<app>>
        s3forcepathstyle: true
""",
)
add(
    F,
    "grafana_log_login_fail",
    r"""
    logger=context userId=0 orgId=0 uname= t=<<ts>> level=info msg="Request Completed" method=GET path=/api/live/ws status=401 remote_addr=<<ip>> time_ms=1 duration=1.2ms size=40 referer= handler=/api/live/ws status_source=server api_key=<<glsa>>
""",
)
add(
    F,
    "grafana_contact_point_export",
    r"""
    $ curl -s -u admin:<<pw>> https://grafana.<<dom>>/api/v1/provisioning/contact-points/export?decrypt=true
    {"apiVersion":1,"contactPoints":[{"orgId":1,"name":"discord","receivers":[{"uid":"<<gfuid>>","type":"discord","settings":{"url":"https://discord.com/api/webhooks/<<runid>>12345678/<<disc>>"}}]}]}
""",
)
add(
    F,
    "grafana_agent_river",
    r"""
    prometheus.remote_write "default" {
      endpoint {
        url = "https://mimir.<<dom>>/api/v1/push"
        basic_auth {
          username = "tenant-<<app>>"
          password = "<<r32>>"
        }
      }
    }
""",
)

# --- Sentry -----------------------------------------------------------------------------------
F = "sentry_dsn"
add(
    F,
    "sentry_dsn_env",
    r"""
    SENTRY_DSN=https://<<hex32>>@o<<rv>>.ingest.us.sentry.io/<<rv#2>>
    SENTRY_ENVIRONMENT=production
""",
)
add(
    F,
    "sentry_dsn_legacy_secret",
    r"""
    RAVEN_CONFIG = {'dsn': 'https://<<hex32>>:<<hex32#2>>@sentry.<<dom>>/<<num>>'}
""",
)
add(
    F,
    "sentry_cli_rc",
    r"""
    $ cat ~/.sentryclirc
    [auth]
    token=<<sntryu>>

    [defaults]
    org=acme
""",
)
add(
    F,
    "sentry_sdk_debug_log",
    r"""
    [sentry] DEBUG: Setting up integrations (with default = True)
    [sentry] DEBUG: Sending envelope [envelope with 1 items (error)] project:<<num>> host:o<<rv>>.ingest.sentry.io
    [sentry] DEBUG: X-Sentry-Auth: Sentry sentry_key=<<hex32>>, sentry_version=7, sentry_client=sentry.python/2.18.0
""",
)
add(
    F,
    "sentry_js_bundle_grep",
    r"""
    $ grep -o 'dsn:"[^"]*"' /srv/<<app>>/static/js/main.*.js
    /srv/<<app>>/static/js/main.<<cid12>>.js:dsn:"https://<<hex32>>@o<<rv>>.ingest.sentry.io/<<rv#2>>"
""",
)
add(
    F,
    "sentry_self_hosted_config",
    r"""
    # sentry/config.yml
    system.secret-key: '<<djk>>'
    mail.password: '<<pw>>'
    github-app.private-key: ''
""",
)

# --- alerting / chatops webhooks ------------------------------------------------------------
F = "alert_webhooks"
add(
    F,
    "slack_webhook_curl",
    r"""
    $ curl -X POST -H 'Content-type: application/json' --data '{"text":"deploy <<ver>> done"}' https://hooks.slack.com/services/<<slkteam>>/<<slkbot>>/<<slk>>
    ok
""",
)
add(
    F,
    "slack_bot_token_log",
    r"""
    <<tsl>> ERROR slack_sdk.web.base_client: Received the following response: {"ok": false, "error": "invalid_auth"} (token=<<xoxb>>, api=chat.postMessage)
""",
)
add(
    F,
    "teams_webhook_url",
    r"""
    TEAMS_WEBHOOK=https://acme.webhook.office.com/webhookb2/<<uuid>>@<<uuid#2>>/IncomingWebhook/<<hex32>>/<<uuid#3>>/V2<<r40>>
""",
)
add(
    F,
    "discord_webhook_env",
    r"""
    DISCORD_WEBHOOK_URL="https://discord.com/api/webhooks/<<runid>>44556677/<<disc>>"
""",
)
add(
    F,
    "mattermost_webhook",
    r"""
    $ curl -i -X POST -d 'payload={"text": "backup failed on <<host>>"}' https://chat.<<dom>>/hooks/<<mm>>
    HTTP/1.1 200 OK
""",
)
add(
    F,
    "pagerduty_events_v2",
    r"""
    $ curl -s https://events.pagerduty.com/v2/enqueue -H 'Content-Type: application/json' -d '{"routing_key":"<<hex32>>","event_action":"trigger","payload":{"summary":"disk full on <<host>>","source":"<<host>>","severity":"critical"}}'
    {"status":"success","message":"Event processed","dedup_key":"<<sentryev>>"}
""",
)
add(
    F,
    "pagerduty_rest_token",
    r"""
    $ curl -s -H "Authorization: Token token=<<pdtok>>" -H "Accept: application/vnd.pagerduty+json;version=2" "https://api.pagerduty.com/incidents?statuses[]=triggered"
""",
)
add(
    F,
    "opsgenie_curl",
    r"""
    $ curl -X POST https://api.opsgenie.com/v2/alerts -H "Content-Type: application/json" -H "Authorization: GenieKey <<usec>>" -d '{"message":"<<app>> 5xx > 5%","priority":"P1"}'
""",
)
add(
    F,
    "telegram_bot_notify",
    r"""
    $ curl -s "https://api.telegram.org/bot<<tg>>/sendMessage?chat_id=-100<<rv>>&text=ALERT%20<<host>>%20down"
    {"ok":true,"result":{"message_id":<<num>>}}
""",
)
add(
    F,
    "zabbix_media_script",
    r"""
    $ cat /usr/lib/zabbix/alertscripts/slack.sh | head -4
    #!/bin/bash
    SLACK_TOKEN="<<xoxp>>"
    CHANNEL="#noc"
    curl -s -d "token=$SLACK_TOKEN&channel=$CHANNEL&text=$3" https://slack.com/api/chat.postMessage
""",
)

# --- SMTP relay credentials -------------------------------------------------------------------
F = "smtp_relay"
add(
    F,
    "msmtprc",
    r"""
    $ cat /etc/msmtprc
    account default
    host smtp.<<dom>>
    port 587
    auth on
    user alerts@<<dom>>
    password <<pw>>
    tls on
""",
)
add(
    F,
    "ssmtp_conf",
    r"""
    root=postmaster
    mailhub=smtp.gmail.com:587
    AuthUser=noc.acme@gmail.com
    AuthPass=<<r16>>
    UseSTARTTLS=YES
""",
)
add(
    F,
    "ses_smtp_env",
    r"""
    SMTP_HOST=email-smtp.<<region>>.amazonaws.com
    SMTP_USERNAME=<<akid>>
    SMTP_PASSWORD=<<b64_32>>
""",
)
add(
    F,
    "mailgun_api_curl",
    r"""
    $ curl -s --user 'api:<<mg>>' https://api.eu.mailgun.net/v3/mg.<<dom>>/messages -F from='noc@<<dom>>' -F to=ops@<<dom>> -F subject='test'
""",
)
add(
    F,
    "nullmailer_remotes",
    r"""
    $ cat /etc/nullmailer/remotes
    smtp.<<dom>> smtp --port=465 --ssl --user=relay@<<dom>> --pass=<<pw>>
""",
)
add(
    F,
    "smtp_url_app_config",
    r"""
    EMAIL_URL=smtp+tls://noreply%40<<dom>>:<<url:pw>>@smtp.<<dom>>:587
""",
)

# --- Python / Ruby / PHP app configs -----------------------------------------------------------
F = "python_ruby_php_apps"
add(
    F,
    "django_settings_py",
    r"""
    # /srv/<<app>>/<<app>>/settings/production.py
    SECRET_KEY = '<<djk>>'
    DATABASES = {
        'default': {
            'ENGINE': 'django.db.backends.postgresql',
            'NAME': '<<db>>',
            'USER': '<<dbuser>>',
            'PASSWORD': '<<pw>>',
            'HOST': '<<host>>.<<dom>>',
        }
    }
""",
)
add(
    F,
    "django_debug_page",
    r"""
    Settings
    Using settings module <<app>>.settings
    EMAIL_HOST_PASSWORD<<tab>>'<<pw>>'
    AWS_SECRET_ACCESS_KEY<<tab>>'<<awssk>>'
    SECRET_KEY<<tab>>'********************'
""",
)
add(
    F,
    "rails_secrets_yml",
    r"""
    production:
      secret_key_base: <<rkb>>
      stripe_secret: <<sklive>>
""",
)
add(
    F,
    "rails_database_yml",
    r"""
    production:
      adapter: postgresql
      database: <<db>>_production
      username: <<dbuser>>
      password: <%= ENV.fetch("DB_PASSWORD") { "<<pw>>" } %>
""",
)
add(
    F,
    "rails_log_filtered_miss",
    r"""
    I, [<<ts>> #<<pid>>]  INFO -- : [<<reqid>>] Started POST "/api/v1/integrations" for <<ip>>
    I, [<<ts>> #<<pid>>]  INFO -- : [<<reqid>>]   Parameters: {"integration"=>{"kind"=>"shopify", "access_token"=>"<<shpat>>", "shop"=>"acme-store"}}
""",
)
add(
    F,
    "laravel_env",
    r"""
    APP_NAME=<<app>>
    APP_ENV=production
    APP_KEY=base64:<<b64_32>>
    DB_PASSWORD=<<pw>>
    PUSHER_APP_SECRET=<<hex32>>
""",
)
add(
    F,
    "laravel_log_exception",
    r"""
    [<<tss>>] production.ERROR: SQLSTATE[HY000] [1045] Access denied for user '<<dbuser>>'@'<<ip>>' (using password: YES) (Connection: mysql, SQL: select * from `sessions`) {"exception":"[object] (Illuminate\\Database\\QueryException(code: 1045): ... PDO->__construct('mysql:host=<<ip>>;port=3306;dbname=<<db>>', '<<dbuser>>', Object(SensitiveParameterValue)... DB_PASSWORD=<<pw>>"}
""",
)
add(
    F,
    "flask_config_py",
    r"""
    class ProductionConfig(Config):
        SECRET_KEY = "<<hex32>>"
        SQLALCHEMY_DATABASE_URI = "mysql+pymysql://<<dbuser>>:<<url:pw>>@<<host>>/<<db>>"
        CELERY_BROKER_URL = "amqp://celery:<<r16>>@mq:5672//"
""",
)
add(
    F,
    "wp_config_php",
    r"""
    define( 'DB_NAME', 'wordpress' );
    define( 'DB_USER', 'wp_user' );
    define( 'DB_PASSWORD', '<<pw>>' );
    define( 'AUTH_KEY',         '<<rs>>' );
    define( 'SECURE_AUTH_KEY',  '<<rs#2>>' );
""",
)
add(
    F,
    "python_traceback_locals",
    r"""
    File "/usr/lib/python3/dist-packages/boto3/session.py", line 299, in client
        return self._session.create_client(
    Local variables:
        aws_access_key_id = '<<akid>>'
        aws_secret_access_key = '<<awssk>>'
        region_name = '<<region>>'
""",
)

# --- JVM / .NET app configs ----------------------------------------------------------------------
F = "jvm_dotnet_apps"
add(
    F,
    "spring_application_properties",
    r"""
    spring.datasource.url=jdbc:mysql://<<host>>:3306/<<db>>?useSSL=true
    spring.datasource.username=<<dbuser>>
    spring.datasource.password=<<pw>>
    spring.mail.password=<<pw#2>>
""",
)
add(
    F,
    "spring_application_yml",
    r"""
    spring:
      security:
        oauth2:
          client:
            registration:
              azure:
                client-id: <<uuid>>
                client-secret: <<azcs>>
""",
)
add(
    F,
    "spring_actuator_env",
    r"""
    $ curl -s http://<<ip>>:8081/actuator/env | jq '.propertySources[1].properties'
    {
      "spring.rabbitmq.password": {"value": "<<pw>>", "origin": "System Environment Property \"SPRING_RABBITMQ_PASSWORD\""},
      "management.endpoints.web.exposure.include": {"value": "*"}
    }
""",
)
add(
    F,
    "spring_boot_startup_log",
    r"""
    <<tsl>>  INFO 1 --- [           main] c.z.h.HikariDataSource                   : HikariPool-1 - Starting...
    <<tsl>> ERROR 1 --- [           main] o.s.b.SpringApplication                  : Application run failed: Could not connect to jdbc:sqlserver://<<host>>:1433;databaseName=<<db>>;user=sa;password=<<pw>>;encrypt=true
""",
)
add(
    F,
    "appsettings_json",
    r"""
    {
      "ConnectionStrings": {
        "Default": "Server=<<host>>;Database=<<db>>;User Id=<<dbuser>>;Password=<<pw>>;TrustServerCertificate=True"
      },
      "Jwt": { "Key": "<<b64_48>>", "Issuer": "https://<<app>>.<<dom>>" }
    }
""",
)
add(
    F,
    "dotnet_user_secrets_list",
    r"""
    $ dotnet user-secrets list
    Stripe:SecretKey = <<sklive>>
    AzureStorage:ConnectionString = DefaultEndpointsProtocol=https;AccountName=acme<<app>>;AccountKey=<<azkey>>;EndpointSuffix=core.windows.net
""",
)
add(
    F,
    "tomcat_users_xml",
    r"""
    <tomcat-users>
      <role rolename="manager-gui"/>
      <user username="deployer" password="<<xml:pw>>" roles="manager-script,manager-gui"/>
    </tomcat-users>
""",
)
add(
    F,
    "jboss_standalone_xml_ds",
    r"""
    <datasource jndi-name="java:/jdbc/<<db>>" pool-name="<<db>>DS">
        <connection-url>jdbc:oracle:thin:@<<host>>:1521/ORCLPDB1</connection-url>
        <security>
            <user-name><<dbuser>></user-name>
            <password><<xml:pw>></password>
        </security>
    </datasource>
""",
)
add(
    F,
    "maven_settings_xml",
    r"""
    <servers>
      <server>
        <id>nexus-releases</id>
        <username>deployment</username>
        <password><<xml:pw>></password>
      </server>
    </servers>
""",
)
add(
    F,
    "gradle_properties",
    r"""
    $ cat ~/.gradle/gradle.properties
    org.gradle.jvmargs=-Xmx4g
    artifactoryUser=ci
    artifactoryPassword=<<r40>>
    signing.password=<<pw>>
""",
)

# --- Node / Go / generic env files ----------------------------------------------------------------
F = "node_go_env"
add(
    F,
    "dotenv_node",
    r"""
    $ cat /srv/<<app>>/.env.production
    NODE_ENV=production
    MONGO_URI=mongodb://<<dbuser>>:<<url:pw>>@<<host>>:27017/<<db>>?authSource=admin
    JWT_SECRET=<<rs>>
    GOOGLE_MAPS_KEY=<<aiza>>
""",
)
add(
    F,
    "npmrc_auth",
    r"""
    $ cat ~/.npmrc
    //registry.npmjs.org/:_authToken=<<npm>>
    @acme:registry=https://npm.pkg.github.com
    //npm.pkg.github.com/:_authToken=<<ghp>>
""",
)
add(
    F,
    "express_debug_log",
    r"""
    express-session:debug saving <<r32>> +3ms
    app:config loaded { port: 3000, redisUrl: 'redis://default:<<r24>>@cache:6379', cookieSecret: '<<rs>>' } +0ms
""",
)
add(
    F,
    "go_config_toml",
    r"""
    [server]
    addr = ":8080"

    [database]
    dsn = "<<dbuser>>:<<pw>>@tcp(<<host>>:3306)/<<db>>?parseTime=true"

    [oauth]
    github_client_secret = "<<hex40>>"
""",
)
add(
    F,
    "go_zap_log_struct",
    r"""
    {"level":"debug","ts":<<epochf>>,"caller":"config/load.go:57","msg":"effective config","cfg":{"Kafka":{"Brokers":["<<host>>:9093"],"SASLUser":"<<dbuser>>","SASLPassword":"<<pw>>"},"HTTP":{"Addr":":8080"}}}
""",
)
add(
    F,
    "pm2_env_dump",
    r"""
    $ pm2 env 0 | grep -iE 'secret|key|token'
    PAYPAL_SECRET: <<r40>>
    OPENAI_API_KEY: <<oai>>
""",
)
add(
    F,
    "yarnrc_yml",
    r"""
    npmScopes:
      acme:
        npmRegistryServer: "https://acme.jfrog.io/artifactory/api/npm/npm/"
        npmAuthToken: "<<r40>>"
""",
)
add(
    F,
    "next_build_env_leak",
    r"""
    info  - Loaded env from /srv/<<app>>/.env.local
    warn  - NEXT_PUBLIC_ prefix exposes value to browser: NEXT_PUBLIC_SUPABASE_SERVICE_ROLE=<<jwt>>
""",
)
add(
    F,
    "pip_conf_index",
    r"""
    $ cat /etc/pip.conf
    [global]
    index-url = https://ci:<<url:pw>>@nexus.<<dom>>/repository/pypi-group/simple
""",
)
add(
    F,
    "gomodule_netrc",
    r"""
    $ cat ~/.netrc
    machine github.com login x-access-token password <<ghs>>
    machine gitlab.<<dom>> login oauth2 password <<glpat>>
""",
)

# --- Java keystores -------------------------------------------------------------------------------
F = "java_keystores"
add(
    F,
    "keytool_list_cmd",
    r"""
    $ keytool -list -v -keystore /etc/kafka/ssl/kafka.server.keystore.jks -storepass <<pw>> | head -5
    Keystore type: PKCS12
    Keystore provider: SUN
    Your keystore contains 1 entry
""",
)
add(
    F,
    "kafka_server_properties_ssl",
    r"""
    ssl.keystore.location=/etc/kafka/ssl/kafka.server.keystore.jks
    ssl.keystore.password=<<pw>>
    ssl.key.password=<<pw#2>>
    ssl.truststore.password=<<pw#3>>
""",
)
add(
    F,
    "elasticsearch_keystore_show",
    r"""
    $ /usr/share/elasticsearch/bin/elasticsearch-keystore show xpack.security.http.ssl.keystore.secure_password
    <<r24>>
""",
)
add(
    F,
    "tomcat_server_xml_connector",
    r"""
    <Connector port="8443" protocol="org.apache.coyote.http11.Http11NioProtocol" SSLEnabled="true">
        <SSLHostConfig>
            <Certificate certificateKeystoreFile="conf/<<host>>.p12" certificateKeystorePassword="<<xml:pw>>" type="RSA"/>
        </SSLHostConfig>
    </Connector>
""",
)
add(
    F,
    "java_opts_truststore",
    r"""
    JAVA_TOOL_OPTIONS=-Djavax.net.ssl.trustStore=/opt/certs/truststore.jks -Djavax.net.ssl.trustStorePassword=<<pw>> -Djavax.net.ssl.keyStorePassword=<<pw#2>>
""",
)
add(
    F,
    "nifi_properties",
    r"""
    nifi.security.keystorePasswd=<<r32>>
    nifi.security.keyPasswd=<<r32#2>>
    nifi.sensitive.props.key=<<r16>>
""",
)

# --- TLS keys ---------------------------------------------------------------------------------------
F = "tls_keys"
add(
    F,
    "cat_privkey_pem",
    r"""
    $ sudo cat /etc/letsencrypt/live/<<app>>.<<dom>>/privkey.pem
    <<pem_p8>>
""",
)
add(
    F,
    "openssl_pkcs12_passin",
    r"""
    $ openssl pkcs12 -in /tmp/<<host>>.pfx -nodes -passin pass:<<pw>> | openssl x509 -noout -enddate
    notAfter=Mar  1 12:00:00 2027 GMT
""",
)
add(
    F,
    "haproxy_pem_bundle_key",
    r"""
    $ sudo head -7 /etc/haproxy/certs/<<app>>.pem
    <<pem_ec>>
    -----BEGIN CERTIFICATE-----
""",
)
add(
    F,
    "gcp_sa_json",
    r"""
    $ cat /etc/gcp/sa-<<app>>.json
    {
      "type": "service_account",
      "project_id": "acme-<<app>>-prod",
      "private_key_id": "<<sha1>>",
      "private_key": "<<pemjson:pem_p8rsa>>",
      "client_email": "<<app>>@acme-<<app>>-prod.iam.gserviceaccount.com",
      "client_id": "<<rv>><<rv#2>>"
    }
""",
)
add(
    F,
    "ssl_key_password_conf",
    r"""
    # /etc/apache2/ssl-pass.sh
    #!/bin/sh
    echo "<<pp>>"
""",
)
add(
    F,
    "encrypted_key_with_pass",
    r"""
    $ cat /etc/ssl/private/legacy.key /root/legacy.pass
    <<pem_enc>>
    <<pw>>
""",
)
add(
    F,
    "cert_manager_secret_jsonpath",
    r"""
    $ kubectl get secret -n <<ns>> <<app>>-tls -o jsonpath='{.data.tls\.key}'
    <<b64:pem_p8>>
""",
)
add(
    F,
    "yaml_tls_key_block",
    r"""
    ingress:
      tls:
        key: |
          <<ind6:pem_ec>>
        crt: /etc/ssl/certs/<<app>>.crt
""",
)

# --- SSH material ------------------------------------------------------------------------------------
F = "ssh_material"
add(
    F,
    "cat_id_ed25519",
    r"""
    $ cat ~/.ssh/id_ed25519
    <<pem_ossh>>
""",
)
add(
    F,
    "cat_id_rsa_legacy",
    r"""
    $ sudo cat /home/deploy/.ssh/id_rsa
    <<pem_rsa>>
""",
)
add(
    F,
    "sshpass_script",
    r"""
    #!/bin/bash
    # push configs to switches
    export SSHPASS='<<pw>>'
    for sw in sw-core-01 sw-core-02; do sshpass -e scp running.cfg admin@$sw:/flash/; done
""",
)
add(
    F,
    "expect_script",
    r"""
    #!/usr/bin/expect -f
    spawn ssh admin@<<ip>>
    expect "password:"
    send "<<pw>>\r"
    expect "#"
    send "show version\r"
""",
)
add(
    F,
    "ssh_keygen_passphrase_cmd",
    r"""
    $ history | grep ssh-keygen
      512  ssh-keygen -t ed25519 -N '<<pp>>' -f ~/.ssh/deploy_<<app>> -C deploy@<<app>>
""",
)
add(
    F,
    "ssh_add_askpass",
    r"""
    $ cat ~/bin/askpass.sh
    #!/bin/sh
    echo '<<pw>>'
    $ SSH_ASKPASS=~/bin/askpass.sh SSH_ASKPASS_REQUIRE=force ssh-add ~/.ssh/id_ecdsa
    Identity added: /home/<<user>>/.ssh/id_ecdsa (<<user>>@<<host>>)
""",
)
add(
    F,
    "putty_plink",
    r"""
    C:\> plink.exe -ssh -batch -pw <<pw>> root@<<ip>> "systemctl status <<app>>"
""",
)
add(
    F,
    "ssh_config_proxy_password",
    r"""
    Host bastion-<<dom>>
        HostName <<pubip>>
        User jump
        ProxyCommand sshpass -p <<pw>> ssh -W %h:%p jump@<<pubip>>
""",
)
add(
    F,
    "ssh_private_key_env_oneline",
    r"""
    SSH_PRIVATE_KEY=<<pemsp:pem_ec>>
""",
)

# --- git remotes -------------------------------------------------------------------------------------
F = "git_remotes"
add(
    F,
    "git_remote_v",
    r"""
    $ git -C /srv/<<app>> remote -v
    origin<<tab>>https://<<user>>:<<ghp>>@github.com/acme/<<app>>.git (fetch)
    origin<<tab>>https://<<user>>:<<ghp>>@github.com/acme/<<app>>.git (push)
""",
)
add(
    F,
    "git_config_list",
    r"""
    $ git config --list --show-origin | grep -i url
    file:.git/config<<tab>>remote.origin.url=https://oauth2:<<glpat>>@gitlab.<<dom>>/platform/<<app>>.git
""",
)
add(
    F,
    "git_credentials_store",
    r"""
    $ cat ~/.git-credentials
    https://<<user>>:<<ghpat>>@github.com
    https://x-token-auth:<<r32>>@bitbucket.org
""",
)
add(
    F,
    "git_clone_error",
    r"""
    Cloning into '<<app>>'...
    remote: HTTP Basic: Access denied. The provided password or token is incorrect or your account has 2FA enabled.
    fatal: Authentication failed for 'https://ci:<<glpat>>@gitlab.<<dom>>/group/<<app>>.git/'
""",
)
add(
    F,
    "git_trace_curl",
    r"""
    $ GIT_TRACE_CURL=1 git ls-remote origin 2>&1 | grep -i authorization
    <<tss>>.118213 http.c:848              => Send header: Authorization: Basic <<basic:user,gho>>
""",
)
add(
    F,
    "azure_devops_remote",
    r"""
    origin<<tab>>https://acme:<<azdo>>@dev.azure.com/acme/<<app>>/_git/<<app>> (fetch)
""",
)
add(
    F,
    "git_config_extraheader",
    r"""
    [http "https://github.com/"]
    <<tab>>extraheader = AUTHORIZATION: basic <<basic:user,ghs>>
""",
)
add(
    F,
    "gitea_app_ini",
    r"""
    [security]
    INSTALL_LOCK   = true
    SECRET_KEY     = <<r40>>
    INTERNAL_TOKEN = <<jwt>>
    [oauth2]
    JWT_SECRET = <<b64u32>>
""",
)

# --- cloud CLIs ---------------------------------------------------------------------------------------
F = "cloud_cli"
add(
    F,
    "aws_credentials_file",
    r"""
    $ cat ~/.aws/credentials
    [default]
    aws_access_key_id = <<akid>>
    aws_secret_access_key = <<awssk>>

    [prod-admin]
    aws_access_key_id = <<akid#2>>
    aws_secret_access_key = <<awssk#2>>
""",
)
add(
    F,
    "aws_sts_assume_role",
    r"""
    $ aws sts assume-role --role-arn arn:aws:iam::<<acct>>:role/BreakGlass --role-session-name <<user>>
    {
        "Credentials": {
            "AccessKeyId": "<<asia>>",
            "SecretAccessKey": "<<awssk>>",
            "SessionToken": "<<awsst>>",
            "Expiration": "<<ts>>"
        }
    }
""",
)
add(
    F,
    "aws_debug_signing",
    r"""
    <<tsl>> - MainThread - botocore.auth - DEBUG - StringToSign:
    AWS4-HMAC-SHA256
    <<tsl>> - MainThread - botocore.endpoint - DEBUG - Sending http request: <AWSPreparedRequest stream_output=False, method=GET, url=https://s3.<<region>>.amazonaws.com/, headers={'X-Amz-Security-Token': b'<<awsst>>', 'Authorization': b'AWS4-HMAC-SHA256 Credential=<<asia>>/20261201/<<region>>/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=<<hex64>>'}>
""",
)
add(
    F,
    "s3_presigned_url",
    r"""
    https://acme-exports.s3.<<region>>.amazonaws.com/reports/q4.csv?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=<<akid>>%2F20261201%2F<<region>>%2Fs3%2Faws4_request&X-Amz-Date=20261201T041233Z&X-Amz-Expires=604800&X-Amz-SignedHeaders=host&X-Amz-Signature=<<hex64>>
""",
)
add(
    F,
    "azure_storage_conn",
    r"""
    $ az storage account show-connection-string -n acme<<app>>prod -g rg-<<app>>
    {
      "connectionString": "DefaultEndpointsProtocol=https;EndpointSuffix=core.windows.net;AccountName=acme<<app>>prod;AccountKey=<<azkey>>"
    }
""",
)
add(
    F,
    "azure_sas_url",
    r"""
    https://acmebackups.blob.core.windows.net/pgdump/<<db>>.tar?sv=2022-11-02&ss=b&srt=co&sp=rl&se=2026-12-31T00:00:00Z&st=2026-12-01T00:00:00Z&spr=https&sig=<<url:b64_32>>
""",
)
add(
    F,
    "gcloud_print_access_token",
    r"""
    $ gcloud auth print-access-token
    <<ya29>>
""",
)
add(
    F,
    "doctl_config",
    r"""
    $ cat ~/.config/doctl/config.yaml
    access-token: <<dop>>
    context: default
""",
)
add(
    F,
    "oci_config_passphrase",
    r"""
    [DEFAULT]
    user=ocid1.user.oc1..aaaaaaaa<<sha40>>
    fingerprint=<<certfp>>
    key_file=~/.oci/oci_api_key.pem
    pass_phrase=<<pw>>
""",
)

# --- message brokers -----------------------------------------------------------------------------------
F = "mq_brokers"
add(
    F,
    "rabbitmq_erlang_cookie",
    r"""
    $ sudo cat /var/lib/rabbitmq/.erlang.cookie; echo
    <<ecookie>>
""",
)
add(
    F,
    "rabbitmq_definitions_json",
    r"""
    "users": [
      {"name": "<<dbuser>>", "password_hash": "<<b64_32>>", "hashing_algorithm": "rabbit_password_hashing_sha256", "tags": ["management"]}
    ],
""",
)
add(
    F,
    "kafka_jaas_conf",
    r"""
    KafkaClient {
      org.apache.kafka.common.security.scram.ScramLoginModule required
      username="<<dbuser>>"
      password="<<pw>>";
    };
""",
)
add(
    F,
    "kafka_client_properties_sasl",
    r"""
    security.protocol=SASL_SSL
    sasl.mechanism=PLAIN
    sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="<<xamz>>" password="<<r64>>";
""",
)
add(
    F,
    "nats_creds_file",
    r"""
    $ cat /etc/nats/<<app>>.creds
    -----BEGIN NATS USER JWT-----
    <<pubjwt>>
    ------END NATS USER JWT------

    -----BEGIN USER NKEY SEED-----
    <<nkey>>
    ------END USER NKEY SEED------
""",
)
add(
    F,
    "activemq_credentials_props",
    r"""
    activemq.username=system
    activemq.password=<<pw>>
    guest.password=<<pw#2>>
""",
)
add(
    F,
    "celery_broker_log",
    r"""
    [<<tsl>>: ERROR/MainProcess] consumer: Cannot connect to amqp://<<dbuser>>:<<pw>>@<<ip>>:5672//: [Errno 111] Connection refused.
    Trying again in 4.00 seconds... (2/100)
""",
)

# --- CI runners ---------------------------------------------------------------------------------------
F = "ci_runners"
add(
    F,
    "gitlab_runner_config_toml",
    r"""
    $ sudo cat /etc/gitlab-runner/config.toml
    concurrent = 4
    [[runners]]
      name = "<<host>>"
      url = "https://gitlab.<<dom>>"
      token = "<<glrt>>"
      executor = "docker"
""",
)
add(
    F,
    "jenkins_console_masked_miss",
    r"""
    [Pipeline] withCredentials
    Masking supported pattern matches of $NEXUS_PASSWORD
    [Pipeline] sh
    + curl -u deployer:<<pw>> --upload-file build/<<app>>.war https://nexus.<<dom>>/repository/releases/
""",
)
add(
    F,
    "github_actions_log",
    r"""
    <<ts>> ##[group]Run docker login ghcr.io -u acme-bot -p <<ghp>>
    <<ts>> docker login ghcr.io -u acme-bot -p <<ghp>>
    <<ts>> WARNING! Using --password via the CLI is insecure. Use --password-stdin.
""",
)
add(
    F,
    "jenkins_credentials_xml",
    r"""
    <com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl>
      <scope>GLOBAL</scope>
      <id>nexus-deployer</id>
      <username>deployer</username>
      <password>{<<b64_48>>}</password>
    </com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl>
""",
)
add(
    F,
    "gitlab_ci_variables_api",
    r"""
    $ curl -s --header "PRIVATE-TOKEN: <<glpat>>" "https://gitlab.<<dom>>/api/v4/projects/<<num>>/variables" | jq -c '.[]'
    {"variable_type":"env_var","key":"SONAR_TOKEN","value":"<<squ>>","protected":true,"masked":false}
""",
)
add(
    F,
    "drone_runner_env",
    r"""
    DRONE_RPC_SECRET=<<hex32>>
    DRONE_RPC_HOST=drone.<<dom>>
    DRONE_RUNNER_CAPACITY=4
""",
)
add(
    F,
    "gitlab_trigger_curl",
    r"""
    $ curl -X POST --fail -F token=<<glptt>> -F ref=main https://gitlab.<<dom>>/api/v4/projects/<<num>>/trigger/pipeline
""",
)

# --- on-call chat (many languages) ------------------------------------------------------------
F = "oncall_chat"
add(
    F,
    "chat_en_slack_export",
    r"""
    [<<hm>>] <<nick>>: prod pg primary is refusing connections, who has the superuser pw?
    [<<hm>>] <<nick#2>>: it's <<pw>> — rotate it after we're stable pls
    [<<hm>>] <<nick>>: 👍 in
""",
)
add(
    F,
    "chat_en_pasted_curl",
    r"""
    <<nick>> <<hm>>: can someone try this, I get 403 from the partner API
    <<nick>> <<hm>>: ```curl -H "Authorization: Bearer <<jwt>>" https://partner.<<dom>>/v1/orders/<<num>>```
    <<nick#2>> <<hm>>: works for me, your token expired probably
""",
)
add(
    F,
    "chat_en_thread_token",
    r"""
    <<nick>>: temporary break-glass token for the k8s prod cluster (valid 2h): <<kjwt>>
    <<nick#2>>: thanks, using it now. will revoke after
""",
)
add(
    F,
    "chat_tr",
    r"""
    [<<hm>>] <<nick>>: <<host>> üzerindeki postgres şifresini değiştirdim, yenisi: <<pw>> — vault'a henüz koymadım
    [<<hm>>] <<nick#2>>: tamam, bağlanıyorum
""",
)
add(
    F,
    "chat_el",
    r"""
    <<nick>> (<<hm>>): Ο κωδικός του root στον <<host>> είναι <<pw>> , άλλαξέ τον μετά το incident.
""",
)
add(
    F,
    "chat_he",
    r"""
    <<nick>> <<hm>>: הסיסמה החדשה ל-Grafana היא <<pw>> , אל תשתפו מחוץ לערוץ
""",
)
add(
    F,
    "chat_ar",
    r"""
    <<nick>> [<<hm>>]: كلمة المرور الجديدة لقاعدة البيانات <<db>> هي <<pw>> ، سأغيرها بعد انتهاء الحادث
""",
)
add(
    F,
    "chat_fa",
    r"""
    <<nick>>: رمز عبور ادمین Jenkins اینه: <<pw>> لطفاً بعد از حل مشکل عوضش کنید
""",
)
add(
    F,
    "chat_th",
    r"""
    [<<hm>>] <<nick>>: รหัสผ่าน root ของ <<host>> คือ <<pw>> ใช้ชั่วคราวนะครับ
""",
)
add(
    F,
    "chat_vi",
    r"""
    <<nick>> lúc <<hm>>: Mật khẩu Redis trên <<host>> là <<r24>>, nhớ đổi sau sự cố nhé
""",
)
add(
    F,
    "chat_id",
    r"""
    <<nick>> <<hm>>: Token GitLab sementara: <<glpat>> — tolong hapus setelah deploy selesai
""",
)
add(
    F,
    "chat_ms",
    r"""
    [<<hm>>] <<nick>>: Kata laluan VPN untuk on-call malam ini ialah <<pw>> , jangan kongsi di luar saluran ini
""",
)
add(
    F,
    "chat_sw",
    r"""
    <<nick>>: Nenosiri la seva ya barua (<<host>>) ni <<pw>> , tafadhali usilishiriki nje ya timu
""",
)
add(
    F,
    "chat_pl",
    r"""
    [<<hm>>] <<nick>>: Hasło do panelu statystyk HAProxy: <<pw>> (zmienię je jutro rano)
    [<<hm>>] <<nick#2>>: dzięki, wchodzę
""",
)
add(
    F,
    "chat_cs",
    r"""
    <<nick>> <<hm>>: Heslo k databázi <<db>> je <<pw>> , po incidentu ho prosím změňte
""",
)
add(
    F,
    "chat_sk",
    r"""
    <<nick>>: Nové heslo pre používateľa <<dbuser>> je „<<pw>>“ – platí do zajtra
""",
)
add(
    F,
    "chat_ro",
    r"""
    [<<hm>>] <<nick>>: Parola de root pe <<host>> este <<pw>> , o schimb după postmortem
""",
)
add(
    F,
    "chat_hu",
    r"""
    <<nick>> <<hm>>: Az új Datadog API kulcs: <<hex32>> – kérlek ne commitold be
""",
)
add(
    F,
    "chat_fi",
    r"""
    <<nick>>: Tietokannan salasana on <<pw>> , vaihdetaan kun häiriö on ohi
""",
)
add(
    F,
    "chat_sv",
    r"""
    [<<hm>>] <<nick>>: Lösenordet till Grafana-admin är <<pw>> , byt efter incidenten
""",
)
add(
    F,
    "chat_no",
    r"""
    <<nick>> <<hm>>: Passordet til backup-brukeren er <<pw>> , ikke del det videre
""",
)
add(
    F,
    "chat_da",
    r"""
    <<nick>>: Adgangskoden til Jenkins er <<pw>> indtil videre, jeg roterer den i morgen
""",
)
add(
    F,
    "chat_nl",
    r"""
    [<<hm>>] <<nick>>: Het wachtwoord van de replicatie-user is <<r24>> , ik roteer het morgen
""",
)
add(
    F,
    "chat_uk",
    r"""
    <<nick>> <<hm>>: Пароль від бази <<db>>: <<pw>> — змінимо після інциденту
""",
)
add(
    F,
    "chat_ru",
    r"""
    <<nick>>: Токен для Vault: <<hvs>> , живёт 24 часа, потом отзову
""",
)
add(
    F,
    "chat_ta",
    r"""
    <<nick>> <<hm>>: <<host>> சர்வரின் root கடவுச்சொல் <<pw>> , சம்பவம் முடிந்ததும் மாற்றவும்
""",
)
add(
    F,
    "chat_bn",
    r"""
    <<nick>>: ডাটাবেসের পাসওয়ার্ড হলো <<pw>> , ঘটনার পরে বদলে দেবো
""",
)
add(
    F,
    "chat_tl",
    r"""
    [<<hm>>] <<nick>>: Ang password ng admin sa Grafana ay <<pw>> , palitan natin pagkatapos ng incident
""",
)
add(
    F,
    "chat_ca",
    r"""
    <<nick>> <<hm>>: La contrasenya de l'usuari de rèplica és <<pw>> , la canviaré demà
""",
)
add(
    F,
    "chat_hr",
    r"""
    <<nick>>: Lozinka za root na <<host>> je <<pw>> , promijenit ću je nakon incidenta
""",
)
add(
    F,
    "chat_is",
    r"""
    <<nick>> <<hm>>: Lykilorðið fyrir gagnagrunninn er <<pw>> , breytum því eftir atvikið
""",
)
add(
    F,
    "chat_ka",
    r"""
    <<nick>>: ბაზის პაროლია <<pw>> , ინციდენტის შემდეგ შევცვლი
""",
)
add(
    F,
    "chat_hy",
    r"""
    <<nick>> <<hm>>: Տվյալների բազայի գաղտնաբառն է <<pw>> , միջադեպից հետո կփոխեմ
""",
)
add(
    F,
    "chat_kk",
    r"""
    <<nick>>: Дерекқордың құпия сөзі: <<pw>> , инциденттен кейін ауыстырамын
""",
)
add(
    F,
    "chat_zu",
    r"""
    <<nick>> <<hm>>: Iphasiwedi entsha ye-server <<host>> ithi <<pw>> , sicela ungayabelani nabanye
""",
)
add(
    F,
    "chat_pl_webhook",
    r"""
    <<nick>> <<hm>>: nowy webhook do kanału #alerty: https://hooks.slack.com/services/<<slkteam>>/<<slkbot>>/<<slk>>
""",
)
add(
    F,
    "chat_tr_ssh_key_paste",
    r"""
    <<nick>>: acil erişim için geçici anahtar, kullandıktan sonra silin:
    <<pem_ec>>
""",
)

# --- tickets / post-mortems (many languages) -------------------------------------------------------
F = "tickets_postmortems"
add(
    F,
    "pm_en_timeline",
    r"""
    ## Timeline (UTC)
    - <<hm>> PagerDuty alert `<<app>> 5xx rate > 10%` fired
    - <<hm>> on-call found the DB password had been rotated; old value `<<pw>>` still in the ConfigMap
    - <<hm>> new password `<<pw#2>>` applied via kubectl edit, pods restarted
""",
)
add(
    F,
    "pm_en_root_cause",
    r"""
    ### Root cause
    The CI variable `STRIPE_SECRET_KEY` (value <<sklive>>) was printed by `set -x` in deploy.sh and ended up in the public job log.
""",
)
add(
    F,
    "jira_en_ticket",
    r"""
    OPS-<<num>> | Priority: Highest | Reporter: <<nick>>
    Summary: Grafana admin login broken after upgrade
    Description: Tried admin / <<pw>> from the vault entry, login fails with "invalid username or password".
""",
)
add(
    F,
    "pm_tr",
    r"""
    ### Kök neden
    Yedekleme betiği MySQL root şifresini (<<pw>>) komut satırında geçirdiği için `ps` çıktısında görünüyordu.
""",
)
add(
    F,
    "pm_pl",
    r"""
    ## Przyczyna źródłowa
    Token do rejestru (<<dckr>>) był zapisany w pliku .env w repozytorium i wyciekł do logów CI.
""",
)
add(
    F,
    "ticket_cs",
    r"""
    Požadavek #<<num>>: Prosím o reset hesla pro účet svc_backup. Dočasné heslo jsem nastavil na <<pw>> .
""",
)
add(
    F,
    "pm_nl",
    r"""
    ## Oorzaak
    De Redis-instantie draaide zonder TLS en het wachtwoord <<r24>> stond in platte tekst in de Helm values.
""",
)
add(
    F,
    "pm_sv",
    r"""
    ### Åtgärder
    1. Rotera API-nyckeln <<hex40>> (läckt i Slack-kanalen #drift)
    2. Lägg till secret scanning i CI
""",
)
add(
    F,
    "ticket_fi",
    r"""
    Tiketti INC-<<num>>: VPN-tunnelin jaettu avain (<<r32>>) on vaihdettava, koska se näkyi lokissa.
""",
)
add(
    F,
    "pm_id",
    r"""
    ## Akar masalah
    Kunci akses AWS <<akid>> beserta secret-nya <<awssk>> ter-commit ke repositori publik pada <<date>>.
""",
)
add(
    F,
    "ticket_vi",
    r"""
    Yêu cầu #<<num>>: Đặt lại mật khẩu cho tài khoản <<dbuser>>. Mật khẩu tạm thời: <<pw>>
""",
)
add(
    F,
    "pm_ar",
    r"""
    ### السبب الجذري
    تم تسريب رمز الوصول <<glpat>> في سجل خط النشر بسبب تفعيل وضع التصحيح.
""",
)
add(
    F,
    "ticket_he",
    r"""
    קריאה #<<num>>: נא להחליף את מפתח ה-API של PagerDuty ( <<hex32>> ) — הוא הופיע בלוגים של Alertmanager.
""",
)
add(
    F,
    "pm_el",
    r"""
    ## Βασική αιτία
    Το κλειδί του Sentry (<<sntryu>>) καταγράφηκε στο log του build.
""",
)
add(
    F,
    "ticket_ro",
    r"""
    Tichet #<<num>>: Vă rog resetați parola contului de serviciu; cea veche (<<pw>>) a fost trimisă pe email necriptat.
""",
)
add(
    F,
    "pm_hu",
    r"""
    ## Kiváltó ok
    A Keycloak kliens titok (<<r32>>) a ConfigMap-ben szerepelt Secret helyett.
""",
)
add(
    F,
    "ticket_sw",
    r"""
    Tiketi #<<num>>: Tafadhali badilisha nenosiri la SMTP (<<pw>>) kwa sababu lilionekana kwenye kumbukumbu za seva.
""",
)
add(
    F,
    "pm_uk",
    r"""
    ## Першопричина
    Ключ шифрування бекапів (<<pp>>) був переданий як аргумент командного рядка і потрапив у журнал аудиту.
""",
)
add(
    F,
    "email_en_handover",
    r"""
    Subject: Re: [INC-<<num>>] handover to EU on-call
    Hi team, handing over. Break-glass creds for the bastion: user ops, password <<pw>> (rotate at end of shift).
    The TOTP seed for the shared account is <<b32>> - please move it to the password manager.
""",
)
add(
    F,
    "ticket_th",
    r"""
    ตั๋ว #<<num>>: กรุณาเปลี่ยนรหัสผ่านของผู้ใช้ <<dbuser>> เพราะรหัส <<pw>> ถูกเปิดเผยในแชท
""",
)
add(
    F,
    "pm_fa",
    r"""
    ## علت اصلی
    کلید API سرویس OpenAI (<<oai>>) در متغیرهای محیطی کانتینر قابل مشاهده بود.
""",
)

# ===========================================================================
# KEEP LIST: diagnostic tokens that must survive
# ===========================================================================
add_keep(
    "keep_docker_ps",
    r"""
    CONTAINER ID   IMAGE                      COMMAND                  CREATED       STATUS                     PORTS      NAMES
    <<*cid12>>   <<img>>   "/docker-entrypoint.…"   3 hours ago   Up 3 hours (unhealthy)     8080/tcp   <<app>>-api-1
""",
)
add_keep(
    "keep_docker_inspect_id",
    r"""
    "Id": "<<*cid64>>",
    "Image": "<<*digest>>",
""",
)
add_keep(
    "keep_crictl_ps",
    r"""
    CONTAINER           IMAGE               CREATED             STATE               NAME                ATTEMPT             POD ID
    <<*cid12>>       <<cid12#2>>       2 minutes ago       Exited              app                 14                  <<*cid12#3>>
""",
)
add_keep(
    "keep_pod_status_containerid",
    r"""
        containerID: containerd://<<*cid64>>
        imageID: <<img>>@<<*digest>>
""",
)
add_keep(
    "keep_kubectl_get_pods",
    r"""
    NAME                              READY   STATUS             RESTARTS         AGE
    <<*pod>>         0/1     CrashLoopBackOff   14 (2m11s ago)   51m
    <<pod#2>>         1/1     Running            0                51m
""",
)
add_keep(
    "keep_k8s_metadata",
    r"""
    metadata:
      name: <<app>>
      resourceVersion: "<<*rv>>"
      uid: <<*k8suid>>
""",
)
add_keep(
    "keep_k8s_event_uid",
    r"""
    involvedObject: {kind: Pod, name: <<pod>>, namespace: <<ns>>, uid: <<*k8suid>>}
    firstTimestamp: "<<ts>>"
""",
)
add_keep(
    "keep_k8s_owner_ref",
    r"""
      ownerReferences:
      - apiVersion: apps/v1
        kind: ReplicaSet
        name: <<app>>-<<*chash>>
        uid: <<*k8suid>>
""",
)
add_keep(
    "keep_pod_template_hash",
    r"""
        pod-template-hash: <<*chash>>
""",
)
add_keep(
    "keep_systemctl_status_unit",
    r"""
    × <<*unit>> - service
         Active: failed (Result: exit-code) since <<tss>> UTC; 2min ago
       Main PID: <<*kpid>> (code=exited, status=1/FAILURE)
""",
)
add_keep(
    "keep_systemctl_invocation",
    r"""
    InvocationID=<<*invid>>
    ExecMainPID=<<kpid>>
""",
)
add_keep(
    "keep_journal_boot",
    r"""
    $ journalctl --list-boots | tail -2
     -1 <<*bootid>> <<tss>> UTC—<<tss>> UTC
      0 <<*bootid#2>> <<tss>> UTC—<<tss>> UTC
""",
)
add_keep(
    "keep_machine_id",
    r"""
    $ cat /etc/machine-id
    <<*mid>>
""",
)
add_keep(
    "keep_journal_cursor",
    r"""
    -- cursor: <<*cursor>>
""",
)
add_keep(
    "keep_journal_json_ids",
    r"""
    {"_BOOT_ID":"<<*bootid>>","_MACHINE_ID":"<<*mid>>","_PID":"<<kpid>>","MESSAGE":"Started <<unit>>"}
""",
)
add_keep(
    "keep_ls_inode",
    r"""
    $ ls -li /var/lib/<<app>>/
    <<*inode>> -rw-r----- 1 <<user>> <<user>> 41934 Dec  1 03:11 state.db
    <<*inode#2>> -rw-r----- 1 <<user>> <<user>>  3771 Dec  1 03:11 state.db-wal
""",
)
add_keep(
    "keep_lsof_deleted",
    r"""
    java    <<*kpid>> kafka  212w   REG  259,1 88172000   <<*inode>> /var/log/kafka/server.log.1 (deleted)
""",
)
add_keep(
    "keep_oom_kill",
    r"""
    <<sys>> <<host>> kernel: Out of memory: Killed process <<*kpid>> (java) total-vm:8123412kB, anon-rss:6012332kB, file-rss:0kB, shmem-rss:0kB, UID:1001 pgtables:13212kB oom_score_adj:0
""",
)
add_keep(
    "keep_git_log",
    r"""
    commit <<*sha40>>
    Author: <<nick>> <<<nick>>@<<dom>>>
    Date:   <<tss>> +0000

        fix: retry on 503 from upstream
""",
)
add_keep(
    "keep_git_short_sha",
    r"""
    $ git log --oneline -3
    <<*sha7>> (HEAD -> main) bump chart to <<ver>>
    <<sha7#2>> revert "enable http2 upstream"
""",
)
add_keep(
    "keep_argocd_revision",
    r"""
    Sync Revision:      <<*sha40>>
    Sync Status:        OutOfSync from main (<<sha7>>)
""",
)
add_keep(
    "keep_traceparent_header",
    r"""
    traceparent: <<*traceparent>>
    tracestate: rojo=00f067aa0ba902b7
""",
)
add_keep(
    "keep_b3_headers",
    r"""
    X-B3-TraceId: <<*traceid>>
    X-B3-SpanId: <<*spanid>>
    X-B3-Sampled: 1
""",
)
add_keep(
    "keep_b3_single",
    r"""
    b3: <<*b3>>
""",
)
add_keep(
    "keep_otel_log",
    r"""
    {"level":"error","msg":"upstream 503","trace_id":"<<*traceid>>","span_id":"<<*spanid>>","service.name":"<<app>>"}
""",
)
add_keep(
    "keep_request_id_nginx",
    r"""
    <<ip>> - - [<<clf>>] "GET /v1/health HTTP/1.1" 503 197 "-" "<<ua>>" rid=<<*reqid>>
""",
)
add_keep(
    "keep_x_request_id_resp",
    r"""
    < HTTP/2 502
    < x-request-id: <<*reqid>>
    < x-amz-cf-id: <<*cfid>>
""",
)
add_keep(
    "keep_ansible_task_uuid",
    r"""
    <<tsl>> p=<<kpid>> u=<<user>> n=ansible | TASK [nginx : reload] task_uuid=<<*anstask>>
""",
)
add_keep(
    "keep_ansible_json_callback",
    r"""
    {"task": {"duration": {"start": "<<ts>>"}, "id": "<<*anstask>>", "name": "restart app"}, "hosts": {"<<host>>": {"changed": true}}}
""",
)
add_keep(
    "keep_awx_job_id",
    r"""
    Job <<*awxjob>> (Deploy <<app>>) finished with status failed, elapsed 412.3s
""",
)
add_keep(
    "keep_awx_url",
    r"""
    https://awx.<<dom>>/#/jobs/playbook/<<*awxjob>>/output
""",
)
add_keep(
    "keep_tf_plan_address",
    r"""
      # <<*tfaddr>> will be replaced
    -/+ resource "aws_instance" "this" {
""",
)
add_keep(
    "keep_tf_state_lineage",
    r"""
    {"version": 4, "terraform_version": "1.9.8", "serial": 1412, "lineage": "<<*lineage>>"}
""",
)
add_keep(
    "keep_tf_lock_id",
    r"""
    Lock Info:
      ID:        <<*uuid>>
      Path:      acme-tfstate/prod/terraform.tfstate
      Operation: OperationTypeApply
      Who:       <<user>>@<<host>>
""",
)
add_keep(
    "keep_s3_etag",
    r"""
    {"ETag": "\"<<*etag>>\"", "VersionId": "null"}
""",
)
add_keep(
    "keep_http_etag",
    r"""
    < etag: W/"<<*nhex16>>"
""",
)
add_keep(
    "keep_sha256sum",
    r"""
    $ sha256sum /opt/<<app>>/release.tgz
    <<*sha256>>  /opt/<<app>>/release.tgz
""",
)
add_keep(
    "keep_md5sum",
    r"""
    $ md5sum /etc/nginx/nginx.conf
    <<*md5>>  /etc/nginx/nginx.conf
""",
)
add_keep(
    "keep_sha1sum",
    r"""
    <<*sha1>>  /usr/local/bin/node_exporter
""",
)
add_keep(
    "keep_rpm_verify",
    r"""
    S.5....T.  c /etc/sysconfig/<<app>>  (digest <<*sha256>>)
""",
)
add_keep(
    "keep_cert_serial",
    r"""
            Serial Number:
                <<*certserial>>
            Signature Algorithm: sha256WithRSAEncryption
""",
)
add_keep(
    "keep_cert_fp",
    r"""
    sha256 Fingerprint=<<*certfp>>
""",
)
add_keep(
    "keep_ssh_host_fp",
    r"""
    ED25519 key fingerprint is <<*sshfp>>.
    This key is not known by any other names.
""",
)
add_keep(
    "keep_ssh_keygen_lf",
    r"""
    256 <<*sshfp>> root@<<host>> (ED25519)
""",
)
add_keep(
    "keep_sshd_accepted_key",
    r"""
    <<sys>> <<host>> sshd[<<kpid>>]: Accepted publickey for <<user>> from <<ip>> port <<port>> ssh2: ED25519 <<*sshfp>>
""",
)
add_keep(
    "keep_gpg_key_id",
    r"""
    gpg: Signature made <<tss>> UTC
    gpg:                using RSA key <<*gpgid>>
""",
)
add_keep(
    "keep_apt_pubkey",
    r"""
    W: GPG error: https://apt.releases.hashicorp.com noble InRelease: The following signatures couldn't be verified because the public key is not available: NO_PUBKEY <<*gpgid>>
""",
)
add_keep(
    "keep_pkg_version",
    r"""
    ii  openssl   <<*pkgver>>   amd64   Secure Sockets Layer toolkit
""",
)
add_keep(
    "keep_kernel_version",
    r"""
    Linux <<host>> <<*kver>> #1 SMP PREEMPT_DYNAMIC x86_64 GNU/Linux
""",
)
add_keep(
    "keep_le_order",
    r"""
    <<tsl>>:DEBUG:acme.client:Storing nonce: ...
    <<tsl>>:DEBUG:acme.client:Received response: HTTP 201 Location: https://acme-v02.api.letsencrypt.org/acme/order/<<*leorder>>/<<leorder#2>>
""",
)
add_keep(
    "keep_dkim_selector",
    r"""
    <<sys>> <<host>> opendkim[<<kpid>>]: <<qid>>: DKIM-Signature field added (s=<<*dkimsel>>, d=<<dom>>)
""",
)
add_keep(
    "keep_dns_soa_serial",
    r"""
    <<dom>>.<<tab>>3600<<tab>>IN<<tab>>SOA<<tab>>ns1.<<dom>>. hostmaster.<<dom>>. <<*dnsserial>> 7200 900 1209600 300
""",
)
add_keep(
    "keep_postfix_qid",
    r"""
    <<sys>> <<host>> postfix/qmgr[<<kpid>>]: <<*qid>>: from=<noreply@<<dom>>>, size=4123, nrcpt=1 (queue active)
""",
)
add_keep(
    "keep_message_id",
    r"""
    <<sys>> <<host>> postfix/cleanup[<<kpid>>]: <<qid>>: message-id=<<<*msgid>>>
""",
)
add_keep(
    "keep_sentry_event",
    r"""
    Sentry event <<*sentryev>> captured for <<app>>@<<ver>>
""",
)
add_keep(
    "keep_grafana_dash_uid",
    r"""
    https://grafana.<<dom>>/d/<<*gfuid>>/<<app>>-overview?orgId=1&from=now-6h&to=now
""",
)
add_keep(
    "keep_alert_fingerprint",
    r"""
    {"status":"firing","labels":{"alertname":"KubePodCrashLooping","namespace":"<<ns>>"},"fingerprint":"<<*alertfp>>"}
""",
)
add_keep(
    "keep_ec2_instance",
    r"""
    $ aws ec2 describe-instances --instance-ids <<*iid>> --query 'Reservations[].Instances[].State.Name'
""",
)
add_keep(
    "keep_ami",
    r"""
    ImageId: <<*ami>>
""",
)
add_keep(
    "keep_vpc_ids",
    r"""
    SecurityGroups: [<<*vpc>>]
""",
)
add_keep(
    "keep_aws_account",
    r"""
    arn:aws:iam::<<*acct>>:role/<<app>>-node
""",
)
add_keep(
    "keep_lvm_uuid",
    r"""
      PV UUID               <<*lvmuuid>>
""",
)
add_keep(
    "keep_blkid_uuid",
    r"""
    /dev/nvme0n1p2: UUID="<<*fsuuid>>" BLOCK_SIZE="4096" TYPE="ext4"
""",
)
add_keep(
    "keep_mac_addr",
    r"""
        link/ether <<*mac>> brd ff:ff:ff:ff:ff:ff
""",
)
add_keep(
    "keep_disk_wwn",
    r"""
    LU WWN Device Id: <<*wwn>>
""",
)
add_keep(
    "keep_ceph_fsid",
    r"""
      cluster:
        id:     <<*cephfsid>>
        health: HEALTH_WARN
""",
)
add_keep(
    "keep_gh_run_id",
    r"""
    https://github.com/acme/<<app>>/actions/runs/<<*runid>>
""",
)
add_keep(
    "keep_amz_request_id",
    r"""
    An error occurred (SlowDown) when calling the PutObject operation (reached max retries: 4): Please reduce your request rate. RequestId: <<*xamz>>
""",
)
add_keep(
    "keep_image_ref_digest",
    r"""
    Image:          <<img>>
    Image ID:       <<img>>@<<*digest>>
""",
)
add_keep(
    "keep_pid_ps",
    r"""
    postgres <<*kpid>>  98.2  4.1 ... postgres: autovacuum worker <<db>>
""",
)
add_keep(
    "keep_cgroup_path",
    r"""
    0::/system.slice/docker-<<*cid64>>.scope
""",
)
add_keep(
    "keep_containerd_log",
    r"""
    time="<<ts>>" level=info msg="shim disconnected" id=<<*cid64>> namespace=k8s.io
""",
)
add_keep(
    "keep_helm_history",
    r"""
    REVISION  UPDATED                   STATUS      CHART              APP VERSION  DESCRIPTION
    <<num>>        <<tss>>  failed      <<*chartver>>      <<ver#2>>        Upgrade "<<app>>" failed
""",
)
add_keep(
    "keep_etcd_member",
    r"""
    <<*nhex16>>, started, <<host>>, https://<<ip>>:2380, https://<<ip>>:2379, false
""",
)
add_keep(
    "keep_kafka_cluster_id",
    r"""
    [<<tsl>>] INFO Cluster ID = <<*gfuid>> (kafka.server.KafkaServer)
""",
)
add_keep(
    "keep_nginx_pid_conn",
    r"""
    <<tss>> [warn] <<*kpid>>#<<kpid#2>>: *<<num>> an upstream response is buffered to a temporary file
""",
)
add_keep(
    "keep_prom_series_hash",
    r"""
    level=warn component=tsdb msg="duplicate sample for timestamp" series_hash=<<*alertfp>>
""",
)
add_keep(
    "keep_am_group_key",
    r"""
    group_key='{}/{severity="critical"}:{alertname="HostDown"}' receiver=pagerduty notification_id=<<*uuid>>
""",
)
add_keep(
    "keep_vault_request_id",
    r"""
    {"request_id":"<<*uuid>>","lease_id":"","renewable":false,"lease_duration":0,"data":null,"warnings":["no entry"]}
""",
)
add_keep(
    "keep_consul_node_id",
    r"""
    <<ts>> [INFO]  agent: Node info in sync: node-id=<<*uuid>>
""",
)
add_keep(
    "keep_nomad_alloc",
    r"""
    Allocation "<<*uuid>>" status "failed" (0/1 nodes filtered)
""",
)
add_keep(
    "keep_pacemaker_dc_uuid",
    r"""
    <<sys>> <<host>> pacemaker-controld[<<kpid>>]:  notice: State transition S_IDLE -> S_POLICY_ENGINE (transition <<num>>, dc-uuid=<<*rv>>)
""",
)
add_keep(
    "keep_systemd_unit_scope",
    r"""
    <<sys>> <<host>> systemd[1]: session-<<*rv>>.scope: Deactivated successfully.
""",
)
add_keep(
    "keep_coredump",
    r"""
    <<sys>> <<host>> systemd-coredump[<<kpid>>]: Process <<*kpid#2>> (<<app>>) of user 1001 dumped core.
                    Module libssl.so.3 from deb openssl-<<pkgver>>
""",
)
add_keep(
    "keep_apt_policy",
    r"""
    $ apt-cache policy openssl | grep Installed
      Installed: <<*pkgver>>
""",
)
add_keep(
    "keep_npm_integrity",
    r"""
    "integrity": "sha512-<<*sri512>>"
""",
)
add_keep(
    "keep_docker_pull_digest",
    r"""
    Digest: <<*digest>>
    Status: Downloaded newer image for <<img>>
""",
)
add_keep(
    "keep_skopeo_layers",
    r"""
        "Layers": [
            "<<*digest>>",
            "<<*digest#2>>"
        ]
""",
)
add_keep(
    "keep_k8s_node_bootid",
    r"""
      nodeInfo:
        bootID: <<*uuid>>
        kernelVersion: <<*kver>>
        machineID: <<mid>>
""",
)
add_keep(
    "keep_dmesg_line",
    r"""
    [<<num>>.482193] EXT4-fs error (device nvme0n1p2): ext4_lookup:1855: inode #<<*inode>>: comm <<app>>: deleted inode referenced: <<inode#2>>
""",
)
add_keep(
    "keep_haproxy_unique_id",
    r"""
    <<sys>> <<host>> haproxy[<<kpid>>]: <<ip>>:<<port>> [<<clf>>] fe be/s1 0/0/0/12/12 200 214 - - ---- 1/1/0/0/0 0/0 {<<*reqid>>} "GET / HTTP/1.1"
""",
)
add_keep(
    "keep_envoy_upstream",
    r"""
    [<<ts>>][<<kpid>>][debug][router] [source/common/router/router.cc:732] [Tags: "ConnectionId":"<<num>>","StreamId":"<<*rv>>"] cluster 'outbound|8080||<<app>>.<<ns>>.svc.cluster.local' match for URL '/v1/items'
""",
)
add_keep(
    "keep_traefik_router",
    r"""
    time="<<ts>>" level=error msg="service \"<<app>>@kubernetescrd\" error" routerName=<<app>>-<<*chash>>@kubernetescrd
""",
)
add_keep(
    "keep_snapshot_id",
    r"""
    snapshot <<*sha7>>1 saved
    restic: repository <<*cid12>> opened (version 2, compression level auto)
""",
)
add_keep(
    "keep_borg_archive",
    r"""
    Archive fingerprint: <<*sha256>>
""",
)
add_keep(
    "keep_pg_lsn_sysid",
    r"""
    Database system identifier:           <<*rv>><<rv#2>>
""",
)
add_keep(
    "keep_mysql_gtid",
    r"""
    Executed_Gtid_Set: <<*uuid>>:1-<<rv>>
""",
)
add_keep(
    "keep_redis_run_id",
    r"""
    run_id:<<*sha40>>
""",
)
add_keep(
    "keep_es_node_id",
    r"""
    [<<tsl>>][WARN ][o.e.c.r.a.DiskThresholdMonitor] [<<host>>] high disk watermark exceeded on [<<*gfuid>>][<<host>>][/var/lib/elasticsearch] free: 4.1gb[4.9%]
""",
)
add_keep(
    "keep_sysctl_random_boot",
    r"""
    $ cat /proc/sys/kernel/random/boot_id
    <<*uuid>>
""",
)
add_keep(
    "keep_dhcp_lease",
    r"""
    <<sys>> <<host>> dhclient[<<kpid>>]: DHCPACK of <<ip>> from <<ip#2>> (xid=0x<<*alertfp>>)
""",
)
add_keep(
    "keep_loki_stream_hash",
    r"""
    level=warn caller=manager.go:192 msg="stream limit reached" stream_hash=<<*alertfp>>
""",
)
add_keep(
    "keep_pagerduty_incident",
    r"""
    Incident #<<num>> ([<<*gfuid>>]) triggered: <<app>> 5xx > 5% on <<host>>
""",
)
add_keep(
    "keep_opsgenie_alias",
    r"""
    Opsgenie alert created: id <<*uuid>> tinyId <<num>>
""",
)
add_keep(
    "keep_cert_manager_order",
    r"""
    Order <<ns>>/<<app>>-tls-1-<<*rv>> is in "valid" state
""",
)
add_keep(
    "keep_acme_account_uri",
    r"""
    Account URL: https://acme-v02.api.letsencrypt.org/acme/acct/<<*leorder>>
""",
)
add_keep(
    "keep_x509_ski",
    r"""
                X509v3 Subject Key Identifier:
                    <<*certserial>>
""",
)
add_keep(
    "keep_tls_session_cipher",
    r"""
    SSL-Session:
        Protocol  : TLSv1.3
        Cipher    : TLS_AES_256_GCM_SHA384
        Session-ID: <<*sha256>>
""",
)
add_keep(
    "keep_cloudfront_id",
    r"""
    X-Amz-Cf-Id: <<*cfid>>
""",
)
add_keep(
    "keep_azure_correlation",
    r"""
    x-ms-correlation-request-id: <<*uuid>>
""",
)
add_keep(
    "keep_nginx_conn_serial",
    r"""
    <<tss>> [error] <<kpid>>#<<kpid#2>>: *<<*inode>> connect() failed (111: Connection refused) while connecting to upstream
""",
)
add_keep(
    "keep_pod_ip_uid_annot",
    r"""
    cni.projectcalico.org/containerID: <<*cid64>>
""",
)
add_keep(
    "keep_ingress_nginx_upstream_hash",
    r"""
    [<<ns>>-<<app>>-8080] [] <<ip>>:8080 512 0.004 200 <<*sha256>>
""",
)
add_keep(
    "keep_jenkins_build",
    r"""
    Finished: FAILURE  (build #<<*rv>>, commit <<*sha40>>)
""",
)
add_keep(
    "keep_gitlab_pipeline",
    r"""
    Pipeline #<<*awxjob>> failed for <<sha7>> on main
""",
)
add_keep(
    "keep_k8s_lease_holder",
    r"""
      holderIdentity: <<host>>_<<*uuid>>
""",
)
add_keep(
    "keep_containerd_snapshot",
    r"""
    failed to prepare extraction snapshot "extract-<<rv>>-<<chash>> <<*digest>>"
""",
)
add_keep(
    "keep_dpkg_md5sums",
    r"""
    <<*md5>>  usr/sbin/nginx
""",
)
add_keep(
    "keep_rsyslog_msgid",
    r"""
    <<ts>> <<host>> <<app>>[<<kpid>>]: msgid=<<*uuid>> event=order.failed
""",
)
add_keep(
    "keep_otel_resource",
    r"""
    service.instance.id=<<*uuid>> host.id=<<*mid>>
""",
)
add_keep(
    "keep_grafana_panel_link",
    r"""
    https://grafana.<<dom>>/d/<<*gfuid>>/<<app>>?viewPanel=<<num>>&var-instance=<<host>>
""",
)
add_keep(
    "keep_alertmanager_silence",
    r"""
    Silence ID: <<*uuid>>
""",
)
add_keep(
    "keep_sentry_issue_url",
    r"""
    https://acme.sentry.io/issues/<<*rv>>/events/<<*sentryev>>/
""",
)
add_keep(
    "keep_tf_resource_id",
    r"""
    <<*tfaddr>>: Refreshing state... [id=<<*iid>>]
""",
)
add_keep(
    "keep_syslog_pid_unit",
    r"""
    <<sys>> <<host>> systemd[1]: <<*unit>>: Main process exited, code=killed, status=9/KILL
""",
)
add_keep(
    "keep_bpftrace_pid",
    r"""
    Attaching 1 probe...
    <<*kpid>> <<app>> openat /etc/<<app>>/config.yaml
""",
)
add_keep(
    "keep_proc_status",
    r"""
    Name:<<tab>><<app>>
    Tgid:<<tab>><<*kpid>>
    NSpid:<<tab>><<*kpid#2>><<tab>>1
""",
)
add_keep(
    "keep_rpm_gpg_fp",
    r"""
          Key fingerprint = <<*certfp>>
""",
)
add_keep(
    "keep_ocsp_serial",
    r"""
    Response verify OK
    <<*certserial>>: good
""",
)
add_keep(
    "keep_letsencrypt_cert_id",
    r"""
    Certificate Name: <<app>>.<<dom>>
        Serial Number: <<*nhex32>>
""",
)


# ===========================================================================
# public interface
# ===========================================================================
def cases() -> list[Case]:
    rng = random.Random(SEED)
    out: list[Case] = []
    for tpl in _TEMPLATES:
        for _ in range(VARIANTS):
            lines, values, _tokens = _render(tpl.text, rng)
            out.append(Case(tpl.family, tpl.format, lines, values))
    return out


def keep_list() -> list[Keep]:
    rng = random.Random(SEED + 1)
    out: list[Keep] = []
    for tpl in _KEEPS:
        for _ in range(VARIANTS):
            lines, values, tokens = _render(tpl.text, rng)
            if values:
                raise AssertionError("keep template %s contains a secret placeholder" % tpl.format)
            out.append(Keep(tpl.format, lines, tokens))
    return out


def _check() -> dict[str, int]:
    c1, c2 = cases(), cases()
    assert c1 == c2, "cases() not deterministic"
    k1, k2 = keep_list(), keep_list()
    assert k1 == k2, "keep_list() not deterministic"

    fmts = [t.format for t in _TEMPLATES]
    assert len(fmts) == len(set(fmts)), "duplicate case format names"
    kfmts = [t.format for t in _KEEPS]
    assert len(kfmts) == len(set(kfmts)), "duplicate keep format names"

    all_values: set[str] = set()
    for c in c1:
        assert c.values, "case %s has no values" % c.format
        assert len(c.values) == len(set(c.values)), "duplicate values in %s" % c.format
        for line in c.lines:
            assert not _PH.search(line), "unrendered placeholder in %s" % c.format
        for v in c.values:
            assert len(v) >= 4, (c.format, v)
            assert v == v.strip() and "\n" not in v, (c.format, v)
            assert any(v in line for line in c.lines), "value not verbatim in %s: %r" % (
                c.format,
                v,
            )
        all_values.update(c.values)

    all_tokens: set[str] = set()
    for k in k1:
        assert k.tokens, "keep %s has no tokens" % k.format
        for line in k.lines:
            assert not _PH.search(line), "unrendered placeholder in %s" % k.format
        for t in k.tokens:
            assert len(t) >= 6, (k.format, t)
            assert any(t in line for line in k.lines), "token not verbatim in %s: %r" % (
                k.format,
                t,
            )
        all_tokens.update(k.tokens)

    for v in all_values:
        for t in all_tokens:
            assert v not in t and t not in v, "value/token overlap: %r vs %r" % (v, t)

    return {
        "families": len({t.family for t in _TEMPLATES}),
        "case_templates": len(_TEMPLATES),
        "cases": len(c1),
        "values": sum(len(c.values) for c in c1),
        "keep_templates": len(_KEEPS),
        "keep_entries": len(k1),
        "keep_tokens": sum(len(k.tokens) for k in k1),
    }


if __name__ == "__main__":
    print(_check())
