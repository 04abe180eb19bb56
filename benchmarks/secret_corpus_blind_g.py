# ruff: noqa: E501, RUF001, SIM905, B023
"""Sealed blind corpus G.

Written by helper G on 2026-12-02 without reading the sanitizer, the other
secret corpora, or any benchmark results; untuned (no template was changed
in response to how any sanitizer handles it).

What it holds: 394 templates in 37 families, each instantiated twice with
fresh random names and values from a seeded ``random.Random`` -> 788 cases
with 858 planted secret values (none of them real credentials).  Families:
process listings; systemd and journal; containers and docker; kubernetes helm
nomad; ci cd logs; iac and config management; application configs; language
config files; source code literals; web servers and proxies; mail servers and
clients; database and broker configs; directory and auth services; voip iot
home automation; vpn tunnels wireless; network device configs; bmc hardware
storage; connection strings; http traces; access logs and urls; protocol
transcripts; database clients and sql; stack traces and crash dumps; cloud cli
and sdk; hosting provider tools; secrets managers; chat and ticket prose (20+
languages); email messages; credential stores and dotfiles; encoded secrets;
vendor tokens; private keys and keystores; 2fa codes pins and phrases;
non-ascii and context-only secrets; monitoring configs; shell history and
scripts; mobile desktop windows.

A planted value is the secret itself (password, token, key, hash, encoded
form, recovery code, ...) and appears verbatim in the lines; it must not
survive sanitization.  Each text plants one or two values; the renderer
rejects draws where a value also occurs in the non-secret parts of its text.

Keep-list: 85 templates x 2 = 170 entries with 276 diagnostic tokens (trace,
span and request ids, UUIDs, digests, git SHAs, versions, build numbers,
timestamps, error codes, pod names, PIDs, ports, inodes, checksums,
certificate fingerprints and serials, public key ids, lease/lock ids,
metrics, sizes, durations, ARNs, resource paths).  Every keep line also
mentions a word such as token, key, password, secret, auth, session or
credential.  No keep token is an address, e-mail address or host name.
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
import json
import quopri
import random
import re
import string
import textwrap
import urllib.parse
from typing import NamedTuple

DEFAULT_SEED = 20261202


class Case(NamedTuple):
    family: str  # family name, e.g. "process listings"
    format: str  # short name of the concrete format/template
    lines: tuple[str, ...]  # the text lines as the sanitizer will receive them, each ending in "\n"
    values: tuple[str, ...]  # every planted secret value that appears in lines and must NOT survive


class Keep(NamedTuple):
    format: str
    lines: tuple[str, ...]
    tokens: tuple[str, ...]  # diagnostic tokens in lines that MUST survive sanitization


# ---------------------------------------------------------------------------
# Template machinery.
#
# A template is plain text.  ⟨a|b|c⟩ picks one alternative per instantiation.
# ⟦spec⟧ is a placeholder; spec = [flag]expr[>var] where flag is
#   !  planted secret (recorded as a value),  ~  silent (bound, not rendered),
#   +  keep token (keep-list only),  none  ordinary filler.
# expr is gen or gen(arg,arg,...) or <var; an arg <var is the bound value of var.
# ---------------------------------------------------------------------------

_TEMPLATES: list[tuple[str, str, str]] = []
_KEEPS: list[tuple[str, str]] = []


def T(family: str, fmt: str, text: str) -> None:
    _TEMPLATES.append((family, fmt, textwrap.dedent(text).strip("\n")))


def K(fmt: str, text: str) -> None:
    _KEEPS.append((fmt, textwrap.dedent(text).strip("\n")))


_LOW = string.ascii_lowercase
_UP = string.ascii_uppercase
_DIG = string.digits
_AN = _LOW + _UP + _DIG
_ALPHA = {
    "a": _AN,
    "h": "0123456789abcdef",
    "H": "0123456789ABCDEF",
    "l": _LOW + _DIG,
    "u": _UP + _DIG,
    "b": _AN + "+/",
    "B": _AN + "-_",
    "d": _DIG,
    "z": _UP + "234567",
    "w": _LOW,
    "W": _UP,
    "L": _LOW + _UP,
    "c": "./" + _AN,
    "x": "023456789acdefghjklmnpqrstuvwxyz",
    "X": "023456789ACDEFGHJKLMNPQRSTUVWXYZ",
}


def _r(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


class _Ctx:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.vars: dict[str, str] = {}
        self.secret_vars: set[str] = set()
        self.secrets: list[str] = []
        self.keeps: list[str] = []
        self.clock: _dt.datetime | None = None

    def secret(self, value: str) -> str:
        if value not in self.secrets:
            self.secrets.append(value)
        return f"\x00{self.secrets.index(value)}\x00"


def _pat(rng: random.Random, pat: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(pat):
        ch = pat[i]
        if ch == "%":
            code = pat[i + 1]
            if code == "%":
                out.append("%")
                i += 2
                continue
            j = i + 2
            while j < len(pat) and pat[j].isdigit():
                j += 1
            out.append(_r(rng, _ALPHA[code], int(pat[i + 2 : j])))
            i = j
        else:
            out.append(ch)
            i += 1
    return "".join(out)


# -- word pools --------------------------------------------------------------

_WORDS = """abandon absorb acoustic admiral almond amber anchor antler apricot arctic atlas autumn badger bamboo banjo barley basil beacon birch biscuit bison blossom bramble bronze buffalo cactus canyon caramel cargo cedar chalk cherry chimney cinnamon citrus clover cobalt comet copper coral cricket crystal cypress dahlia delta desert dolphin dragon drift eagle ember emerald falcon fennel fern fiddle flint forest fossil galaxy garnet geyser ginger glacier granite gravel harbor hazel heron hickory horizon iceberg indigo iris island ivory jasmine juniper kestrel kettle kiwi lagoon lantern lavender lemon lilac linen lotus magnet mango maple marble meadow mercury meteor mint monsoon mosaic nectar nickel nutmeg oasis obsidian ocean olive onyx orchid otter oyster paddle panther papaya pebble pepper pilgrim pine planet plaza poppy prairie quartz quill quiver raven reef ribbon river rocket saffron salmon sapphire scarlet sequoia shadow sierra silver sparrow spruce summit sunset tamarind tango thistle thunder timber topaz tulip tundra turtle umber valley velvet violet voyage walnut willow winter yarrow zephyr zinc""".split()

_USERS = "jsmith mkowalski aiko.tanaka lmartin dmitri.ivanov fatima.zahra pdubois jmueller anna.k rgarcia chen.wei kim.minjun olga.p tbakker sofia.rossi emre.yilmaz priya.s ahmed.h lucas.silva ines.ferreira nils.berg marta.nowak ivan.petrenko yuki.sato omar.k hannah.weber jose.lopez noa.cohen eleni.p mikko.virtanen".split()
_SVC = "svc_backup app_rw etl_loader grafana_ro jenkins deploy replicator reporting airflow keycloak metabase sonar nexus svc-monitor ci-runner billing_api app_user orders_svc analytics_ro webapp mailer ldap-bind kafka-client harbor_robot".split()
_FNAMES = "Anna Ben Chloe David Elif Farid Greta Hiro Isabel Jonas Kenji Lena Mateo Nadia Oskar Paula Quentin Rania Sven Tomasz Ulla Vera Wojtek Xiao Yusuf Zofia Aylin Bruno Camille Diego Emma Felix Hana Igor Julia Karim Lucia Marek Nora Pavel Rosa Sami Tanja".split()
_LNAMES = "Schneider Kowalczyk Tanaka Moreau Garcia Rossi Yilmaz Novak Petrov Jansen Silva Lindqvist Nakamura Haddad Fischer Dubois Kim Zhang Oliveira Horvath".split()
_DOMAINS = "acme-corp.internal northwind.lan globex.io initech.net contoso.local example-logistics.com fabrikam.cloud umbrella-health.org tyrell.systems wayne-ent.net hooli.dev vandelay.co".split()
_HOSTP = "db pg mysql redis kafka web api app ldap mail smtp vpn bastion ci build mon es mq nas fs git vault proxy lb".split()
_ENVS = "prod stg dev int dc1 eu1 us2 ops".split()
_DBS = "orders billing inventory crm analytics app_production users payments warehouse reporting catalog ledger tickets".split()
_APPS = "checkout billing-api inventory gateway auth-service notifier search-indexer ledger reporting frontend worker scheduler".split()
_NSS = "prod payments platform data-eng monitoring default staging ingress backend".split()
_REGIONS = "us-east-1 us-west-2 eu-west-1 eu-central-1 ap-southeast-2 ap-northeast-1 sa-east-1 ca-central-1".split()
_AZREG = "westeurope northeurope eastus2 uksouth germanywestcentral japaneast".split()
_ORGS = "acme northwind globex initech contoso fabrikam umbrella tyrell hooli vandelay".split()
_PATHS = "/srv/app /opt/service /var/lib/app /home/deploy/releases/current /usr/local/app /data/jobs".split()
_NONASCII = "Grüße Straße Frühling Äpfelbaum Überflug сокол пароль Москва зима ключ Ελλάδα θάλασσα さくら 東京 密码 春天 사랑 하늘 ağaçlık şeker çiçek jalapeño mañana café crème żółw źdźbło Kööpenhamina Ωmega Løvstad".split()


def _pick(c: _Ctx, pool: list[str]) -> str:
    return c.rng.choice(pool)


_BASE = _dt.datetime(2026, 11, 3, 0, 0, 0)


def _when(c: _Ctx) -> _dt.datetime:
    # timestamps within one rendered text move forward a little each time
    if c.clock is None:
        c.clock = _BASE + _dt.timedelta(seconds=c.rng.randint(0, 28 * 86400))
    else:
        c.clock += _dt.timedelta(
            seconds=c.rng.choice([0, 0, 1, 1, 2, 3, 5, 8, 13, 40]),
            milliseconds=c.rng.randint(0, 999),
        )
    return c.clock


# -- generators --------------------------------------------------------------


def _pw(c: _Ctx, symbols: str = "!#%*-_+=.^~?") -> str:
    rng = c.rng
    while True:
        s = _r(rng, _AN + symbols * 2, rng.randint(12, 20))
        if (
            any(ch in _LOW for ch in s)
            and any(ch in _UP for ch in s)
            and any(ch in _DIG for ch in s)
        ):
            return s


def _pww(c: _Ctx) -> str:
    rng = c.rng
    words = [rng.choice(_WORDS).capitalize() for _ in range(rng.randint(2, 3))]
    sep = rng.choice(["-", "_", ".", "!", "", "#"])
    return sep.join(words) + rng.choice(["", sep]) + str(rng.randint(10, 9999))


def _pwd(c: _Ctx) -> str:
    rng = c.rng
    w = rng.choice(_WORDS)
    style = rng.randint(0, 3)
    if style == 0:
        return w + rng.choice(_WORDS)
    if style == 1:
        return w + str(rng.randint(1, 2026))
    if style == 2:
        return w.capitalize() + str(rng.randint(10, 99)) + rng.choice("!?#.")
    return w + rng.choice(_WORDS).capitalize() + str(rng.randint(1, 9))


def _pwu(c: _Ctx) -> str:
    rng = c.rng
    parts = [rng.choice(_NONASCII) for _ in range(rng.randint(1, 2))]
    return (
        rng.choice(["", "!", "-", "#"]).join(parts)
        + str(rng.randint(10, 9999))
        + rng.choice(["", "!", "?", "$", "%"])
    )


def _b64b(c: _Ctx, n: int) -> str:
    return base64.b64encode(bytes(c.rng.getrandbits(8) for _ in range(n))).decode()


def _b64ub(c: _Ctx, n: int) -> str:
    return (
        base64.urlsafe_b64encode(bytes(c.rng.getrandbits(8) for _ in range(n))).decode().rstrip("=")
    )


def _jwt(c: _Ctx, alg: str = "HS256") -> str:
    rng = c.rng
    hdr = {"alg": alg, "typ": "JWT"}
    if alg.startswith("RS") or alg.startswith("ES"):
        hdr["kid"] = _r(rng, _ALPHA["B"], 20)
    iat = int(_when(c).timestamp())
    body = {
        "sub": rng.choice(
            [
                _r(rng, _DIG, 6),
                rng.choice(_USERS),
                "system:serviceaccount:" + rng.choice(_NSS) + ":" + rng.choice(_APPS),
            ]
        ),
        "iat": iat,
        "exp": iat + rng.choice([900, 3600, 86400, 2592000]),
        "iss": rng.choice(
            [
                "https://auth." + rng.choice(_DOMAINS),
                "kubernetes/serviceaccount",
                "supabase",
                "gitea",
            ]
        ),
    }
    if rng.random() < 0.5:
        body["scope"] = rng.choice(["read write", "admin", "service_role", "openid profile email"])

    def enc(o: dict[str, object]) -> str:
        return (
            base64.urlsafe_b64encode(json.dumps(o, separators=(",", ":")).encode())
            .decode()
            .rstrip("=")
        )

    sig_len = 43 if alg.startswith("HS") else (86 if alg.startswith("ES") else 342)
    return enc(hdr) + "." + enc(body) + "." + _r(rng, _ALPHA["B"], sig_len)


def _crypt(c: _Ctx, kind: str) -> str:
    rng = c.rng
    cr = _ALPHA["c"]
    kind = str(kind)
    if kind == "6":
        return "$6$" + _r(rng, cr, 16) + "$" + _r(rng, cr, 86)
    if kind == "5":
        return "$5$" + _r(rng, cr, 16) + "$" + _r(rng, cr, 43)
    if kind == "1":
        return "$1$" + _r(rng, cr, 8) + "$" + _r(rng, cr, 22)
    if kind == "apr1":
        return "$apr1$" + _r(rng, cr, 8) + "$" + _r(rng, cr, 22)
    if kind == "y":
        return "$y$j9T$" + _r(rng, cr, 22) + "$" + _r(rng, cr, 43)
    if kind == "2":
        return (
            "$2" + rng.choice("aby") + "$" + rng.choice(["10", "12", "14"]) + "$" + _r(rng, cr, 53)
        )
    if kind == "argon2":
        return (
            "$argon2id$v=19$m=65536,t=3,p=4$"
            + _b64b(c, 16).rstrip("=")
            + "$"
            + _b64b(c, 32).rstrip("=")
        )
    if kind == "mysql":
        return "*" + _r(rng, _ALPHA["H"], 40)
    if kind == "pgmd5":
        return "md5" + _r(rng, _ALPHA["h"], 32)
    if kind == "scram":
        return "SCRAM-SHA-256$4096:" + _b64b(c, 16) + "$" + _b64b(c, 32) + ":" + _b64b(c, 32)
    if kind == "django":
        return (
            "pbkdf2_sha256$"
            + rng.choice(["600000", "720000", "870000"])
            + "$"
            + _r(rng, _AN, 22)
            + "$"
            + _b64b(c, 32)
        )
    if kind == "ssha":
        return "{SSHA}" + _b64b(c, 24)
    if kind == "cisco7":
        return f"{rng.randint(0, 15):02d}" + _r(rng, _ALPHA["H"], 2 * rng.randint(5, 9))
    if kind == "cisco9":
        return "$9$" + _r(rng, cr, 14) + "$" + _r(rng, cr, 43)
    if kind == "cisco8":
        return "$8$" + _r(rng, cr, 14) + "$" + _r(rng, cr, 43)
    if kind == "junos":
        return "$9$" + _r(rng, _AN + "./-", rng.randint(18, 40))
    if kind == "mosq":
        return "$7$101$" + _b64b(c, 12) + "$" + _b64b(c, 64)
    if kind == "ntlm":
        return _r(rng, _ALPHA["h"], 32)
    raise KeyError(kind)


def _pem(c: _Ctx, kind: str, n: int, json_escaped: str = "") -> str:
    """PEM block; the second body line (fully random) is the planted value."""
    rng = c.rng
    n = int(n)
    lines = []
    for i in range(n):
        width = 64 if i < n - 1 else rng.randint(12, 60)
        body = _r(rng, _ALPHA["b"], width)
        if i == 0:
            body = rng.choice(["MIIEv", "MIIEp", "MIIJQ", "MHcCA", "MC4CA", "b3Blb"]) + body[5:]
        lines.append(c.secret(body) if i == 1 else body)
    sep = "\\n" if json_escaped else "\n"
    return sep.join([f"-----BEGIN {kind}-----", *lines, f"-----END {kind}-----"]) + (
        sep if json_escaped else ""
    )


def _mnem(c: _Ctx, n: int) -> str:
    return " ".join(c.rng.choice(_WORDS) for _ in range(int(n)))


def _host(c: _Ctx, prefix: str = "") -> str:
    rng = c.rng
    p = prefix or rng.choice(_HOSTP)
    return f"{p}{rng.choice(['', '-', ''])}{rng.randint(1, 24):02d}.{rng.choice(_ENVS)}.{rng.choice(_DOMAINS)}"


def _ip(c: _Ctx) -> str:
    rng = c.rng
    k = rng.randint(0, 4)
    if k == 0:
        return f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(2, 254)}"
    if k == 1:
        return f"172.{rng.randint(16, 31)}.{rng.randint(0, 255)}.{rng.randint(2, 254)}"
    if k == 2:
        return f"192.168.{rng.randint(0, 255)}.{rng.randint(2, 254)}"
    if k == 3:
        return f"203.0.113.{rng.randint(2, 254)}"
    return f"198.51.100.{rng.randint(2, 254)}"


def _pod(c: _Ctx, app: str = "") -> str:
    rng = c.rng
    return f"{app or rng.choice(_APPS)}-{_r(rng, 'bcdfghjklmnpqrstvwxz2456789', 10)}-{_r(rng, 'bcdfghjklmnpqrstvwxz2456789', 5)}"


def _uuid(c: _Ctx) -> str:
    h = _r(c.rng, _ALPHA["h"], 32)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{c.rng.choice('89ab')}{h[17:20]}-{h[20:]}"


def _enc_join(args: tuple[object, ...]) -> str:
    return "".join(str(a) for a in args)


def _qp(s: str) -> str:
    return quopri.encodestring(s.encode()).decode().replace("=\n", "")


_GENS: dict = {
    # secrets
    "pw": lambda c: _pw(c),
    "pws": lambda c: _pw(c, "-_."),
    "pwa": lambda c: _pw(c, ""),
    "pwx": lambda c: _pw(c, "!#%*-_+=.^~?@&$/:;"),
    "pww": _pww,
    "pwd": _pwd,
    "pwu": _pwu,
    "p": lambda c, pat: _pat(c.rng, pat),
    "pin": lambda c, n: _r(c.rng, _DIG, int(n)),
    "jwt": _jwt,
    "crypt": _crypt,
    "pem": _pem,
    "mnem": _mnem,
    "b64b": _b64b,
    "b64ub": _b64ub,
    "wgkey": lambda c: _b64b(c, 32),
    "awssk": lambda c: _r(c.rng, _ALPHA["b"], 40),
    "awsst": lambda c: "IQoJb3JpZ2luX2Vj" + _r(c.rng, _ALPHA["b"], c.rng.randint(280, 360)),
    # encoders over bound values / literals
    "cat": lambda c, *a: _enc_join(a),
    "b64e": lambda c, *a: base64.b64encode(_enc_join(a).encode()).decode(),
    "b64u16": lambda c, *a: base64.b64encode(_enc_join(a).encode("utf-16-le")).decode(),
    "urle": lambda c, *a: urllib.parse.quote(_enc_join(a), safe=""),
    "urle2": lambda c, *a: urllib.parse.quote(urllib.parse.quote(_enc_join(a), safe=""), safe=""),
    "hexe": lambda c, *a: _enc_join(a).encode().hex(),
    "HEXE": lambda c, *a: _enc_join(a).encode().hex().upper(),
    "qpe": lambda c, *a: _qp(_enc_join(a)),
    "jsonu": lambda c, *a: "".join(f"\\u{ord(ch):04x}" for ch in _enc_join(a)),
    "jesc": lambda c, *a: json.dumps(_enc_join(a))[1:-1],
    "jescu": lambda c, *a: json.dumps(_enc_join(a), ensure_ascii=True)[1:-1],
    "xmle": lambda c, *a: html.escape(_enc_join(a), quote=True),
    "saslplain": lambda c, u, p: base64.b64encode(f"\0{u}\0{p}".encode()).decode(),
    "upper": lambda c, *a: _enc_join(a).upper(),
    "fw": lambda c, *a: "".join(
        chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in _enc_join(a)
    ),
    # filler
    "user": lambda c: _pick(c, _USERS),
    "svc": lambda c: _pick(c, _SVC),
    "fname": lambda c: _pick(c, _FNAMES),
    "full": lambda c: _pick(c, _FNAMES) + " " + _pick(c, _LNAMES),
    "lname": lambda c: _pick(c, _LNAMES),
    "h": _host,
    "host": _host,
    "sh": lambda c: _pick(c, _HOSTP) + f"{c.rng.randint(1, 40):02d}",
    "dom": lambda c: _pick(c, _DOMAINS),
    "email": lambda c: _pick(c, _USERS) + "@" + _pick(c, _DOMAINS),
    "ip": _ip,
    "port": lambda c: str(c.rng.randint(1025, 65000)),
    "pid": lambda c: str(c.rng.randint(300, 99999)),
    "int": lambda c, a, b: str(c.rng.randint(int(a), int(b))),
    "one": lambda c, *a: str(c.rng.choice(a)),
    "db": lambda c: _pick(c, _DBS),
    "app": lambda c: _pick(c, _APPS),
    "ns": lambda c: _pick(c, _NSS),
    "pod": _pod,
    "org": lambda c: _pick(c, _ORGS),
    "region": lambda c: _pick(c, _REGIONS),
    "azregion": lambda c: _pick(c, _AZREG),
    "path": lambda c: _pick(c, _PATHS),
    "word": lambda c: _pick(c, _WORDS),
    "uuid": _uuid,
    "UUID": lambda c: _uuid(c).upper(),
    "ver": lambda c: f"{c.rng.randint(0, 9)}.{c.rng.randint(0, 30)}.{c.rng.randint(0, 20)}",
    "ts": lambda c: _when(c).strftime("%Y-%m-%dT%H:%M:%SZ"),
    "tsm": lambda c: _when(c).strftime("%Y-%m-%dT%H:%M:%S.") + f"{c.rng.randint(0, 999):03d}Z",
    "tsn": lambda c: _when(c).strftime("%Y-%m-%dT%H:%M:%S.") + _r(c.rng, _DIG, 7) + "Z",
    "tss": lambda c: _when(c).strftime("%Y-%m-%d %H:%M:%S"),
    "tsj": lambda c: _when(c).strftime("%Y-%m-%d %H:%M:%S,") + f"{c.rng.randint(0, 999):03d}",
    "tsl": lambda c: (lambda d: f"{d:%b} {d.day:2d} {d:%H:%M:%S}")(_when(c)),
    "tsa": lambda c: _when(c).strftime("%d/%b/%Y:%H:%M:%S +0000"),
    "tsc": lambda c: _when(c).strftime("%a %b %d %H:%M:%S %Y"),
    "tsw": lambda c: _when(c).strftime("%m/%d/%Y %I:%M:%S %p"),
    "epoch": lambda c: str(int(_when(c).timestamp())),
    "date": lambda c: _when(c).strftime("%Y-%m-%d"),
    "ymd": lambda c: _when(c).strftime("%Y%m%d"),
    "amzdate": lambda c: _when(c).strftime("%Y%m%dT%H%M%SZ"),
    "tst": lambda c: _when(c).strftime("%Y-%m-%dT%H:%M:%S"),
    "tsz": lambda c: _when(c).strftime("%Y-%m-%d %H:%M:%SZ"),
    "krbts": lambda c: _when(c).strftime("%m/%d/%Y %H:%M:%S"),
    "tfts": lambda c: _when(c).strftime("%Y-%m-%d %H:%M:%S.") + _r(c.rng, _DIG, 6) + " +0000 UTC",
    "hm": lambda c: f"{c.rng.randint(0, 23):02d}:{c.rng.randint(0, 59):02d}",
    "hms": lambda c: (
        f"{c.rng.randint(0, 23):02d}:{c.rng.randint(0, 59):02d}:{c.rng.randint(0, 59):02d}"
    ),
}

# names repeated verbatim inside one template refer to the same thing
_STICKY = {
    "user",
    "svc",
    "fname",
    "full",
    "lname",
    "h",
    "host",
    "sh",
    "dom",
    "email",
    "ip",
    "db",
    "app",
    "ns",
    "pod",
    "org",
    "region",
    "azregion",
    "path",
    "ver",
}

_SPEC = re.compile(r"^([!~+]?)(?:<(\w+)|(\w+)(?:\((.*)\))?)(?:>(\w+))?$", re.S)
_ALT = re.compile(r"⟨([^⟨⟩]*)⟩")
_PH = re.compile(r"⟦([^⟦⟧]*)⟧")
_MARK = re.compile(r"\x00(\d+)\x00")


def _render_once(rng: random.Random, text: str) -> tuple[str, _Ctx]:
    c = _Ctx(rng)
    chosen: dict[str, str] = {}
    sticky: dict[str, str] = {}

    index: dict[str, int] = {}

    def alt(m: re.Match[str]) -> str:
        # ⟨#k:a|b⟩ groups sharing key k pick the same position;
        # identical groups in one template make the same choice
        body = m.group(1)
        keyed = re.match(r"#(\w+):", body)
        if keyed:
            opts = body[keyed.end() :].split("|")
            k = keyed.group(1)
            if k not in index:
                index[k] = rng.randrange(len(opts))
            return opts[index[k] % len(opts)]
        if body not in chosen:
            chosen[body] = rng.choice(body.split("|"))
        return chosen[body]

    text = _ALT.sub(alt, text)

    def sub(m: re.Match[str]) -> str:
        spec = _SPEC.match(m.group(1))
        if spec is None:
            raise ValueError(f"bad placeholder {m.group(0)!r}")
        flag, ref, gen, args, var = spec.groups()
        if ref is not None:
            value = c.vars[ref]
            is_secret = flag == "!" or ref in c.secret_vars
        else:
            parsed: list[object] = []
            if args:
                for a in args.split(","):
                    if a.startswith("<"):
                        parsed.append(c.vars[a[1:]])
                    elif a.isdigit() and gen not in {"cat", "b64e", "urle", "one"}:
                        parsed.append(int(a))
                    else:
                        parsed.append(a)
            key = m.group(1).lstrip("+")
            if flag in "+" and gen in _STICKY and key in sticky:
                value = sticky[key]
            else:
                value = _GENS[gen](c, *parsed)
                if flag in "+" and gen in _STICKY:
                    sticky[key] = value
            is_secret = flag == "!"
        if var:
            c.vars[var] = value
            if is_secret:
                c.secret_vars.add(var)
        if flag == "~":
            return ""
        if flag == "+":
            c.keeps.append(value)
            return value
        return c.secret(value) if is_secret else value

    return _PH.sub(sub, text), c


def _instantiate(
    rng: random.Random, text: str
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    for _ in range(200):
        marked, c = _render_once(rng, text)
        masked = _MARK.sub("\x01", marked)
        if any(len(v) < 4 or "\n" in v or v in masked for v in c.secrets):
            continue
        if any(a != b and a in b for a in c.secrets for b in c.secrets) and len(c.secrets) > 1:
            continue
        real = _MARK.sub(lambda m: c.secrets[int(m.group(1))], marked)
        lines = tuple(line + "\n" for line in real.split("\n"))
        return lines, tuple(c.secrets), tuple(dict.fromkeys(c.keeps))
    raise RuntimeError(f"cannot instantiate template: {text[:80]!r}")


# ===========================================================================
# process listings
# ===========================================================================
F = "process listings"
T(
    F,
    "ps auxww mysql client",
    r"""
USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND
root         ⟦pid⟧  0.0  0.0  ⟦int(5000,9000)⟧  ⟦int(900,4000)⟧ ?        Ss   ⟦hm⟧   0:00 sshd: ⟦user⟧ [priv]
⟦user⟧   ⟦pid⟧  0.3  0.1  ⟦int(18000,26000)⟧ ⟦int(8000,12000)⟧ pts/⟦int(0,6)⟧    S+   ⟦hm⟧   0:00 mysql -h ⟦h(mysql)⟧ -u ⟦svc⟧ ⟨-p⟦!pw⟧|--password=⟦!pw⟧|-p'⟦!pwx⟧'⟩ ⟦db⟧
⟦user⟧   ⟦pid⟧  0.0  0.0   ⟦int(6000,9000)⟧  ⟦int(600,900)⟧ pts/1    R+   ⟦hm⟧   0:00 ps auxww
""",
)
T(
    F,
    "ps -ef java system properties",
    r"""
UID          PID    PPID  C STIME TTY          TIME CMD
⟦one(tomcat,kafka,app,jboss)⟧   ⟦pid⟧       1 ⟦int(1,40)⟧ ⟦hm⟧ ?        ⟦int(0,5)⟧:⟦int(10,59)⟧:⟦int(10,59)⟧ /usr/lib/jvm/java-17-openjdk/bin/java -Xms512m -Xmx2g -Dspring.profiles.active=prod -Dspring.datasource.url=jdbc:postgresql://⟦h(pg)⟧:5432/⟦db⟧ -Dspring.datasource.username=⟦svc⟧ -Dspring.datasource.password=⟦!pw⟧ -jar /opt/⟦app⟧/⟦app⟧.jar
""",
)
T(
    F,
    "/proc cmdline tr",
    r"""
$ cat /proc/⟦pid⟧/cmdline | tr '\0' ' '; echo
/usr/bin/redis-server *:⟨6379|6380|7000⟩ --⟨requirepass|masterauth⟩ ⟦!pwa⟧ --maxmemory 2gb --appendonly yes
""",
)
T(
    F,
    "/proc cmdline cat -v",
    r"""
root@⟦sh⟧:~# cat -v /proc/⟦pid⟧/cmdline
/usr/bin/python3^@/opt/⟦app⟧/manage.py^@runworker^@--db-password^@⟦!pws⟧^@--broker^@amqp://⟦svc⟧@⟦h(mq)⟧:5672//^@root@⟦sh⟧:~#
""",
)
T(
    F,
    "/proc environ",
    r"""
# strings /proc/⟦pid⟧/environ
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin
HOSTNAME=⟦pod⟧
⟨PGPASSWORD|DB_PASSWORD|POSTGRES_PASSWORD⟩=⟦!pw⟧
AWS_ACCESS_KEY_ID=AKIA⟦p(%u16)⟧
AWS_SECRET_ACCESS_KEY=⟦!awssk⟧
LANG=C.UTF-8
HOME=/root
""",
)
T(
    F,
    "pgrep -af sshpass",
    r"""
$ pgrep -af ⟨sshpass|rsync⟩
⟦pid⟧ sshpass -p ⟨'⟦!pw⟧'|⟦!pwa⟧⟩ rsync -az --delete /backup/ ⟦user⟧@⟦h(nas)⟧:/volume1/backup/
⟦pid⟧ rsync -az --delete /backup/ ⟦user⟧@⟦h(nas)⟧:/volume1/backup/
""",
)
T(
    F,
    "systemctl status cgroup",
    r"""
● ⟦app⟧.service - ⟦app⟧ worker
     Loaded: loaded (/etc/systemd/system/⟦app⟧.service; enabled; preset: enabled)
     Active: active (running) since ⟦tsc⟧; 2h 14min ago
   Main PID: ⟦pid>m⟧ (node)
      Tasks: 11 (limit: 4573)
     CGroup: /system.slice/⟦app⟧.service
             └─⟦<m⟧ /usr/bin/node /srv/⟦app⟧/server.js --port 8080 ⟨--api-key=⟦!p(%h32)⟧|--api-key ⟦!p(%a40)⟧⟩
""",
)
T(
    F,
    "Get-CimInstance Win32_Process",
    r"""
PS C:\> Get-CimInstance Win32_Process -Filter "Name='net.exe'" | Select-Object ProcessId, CommandLine | Format-List

ProcessId   : ⟦pid⟧
CommandLine : net  use Z: \\⟦sh⟧\⟨finance|scans|deploy⟩$ ⟦!pw⟧ /user:⟨CORP|ACME|NW⟩\⟦svc⟧ /persistent:no
""",
)
T(
    F,
    "auditd EXECVE hex arg",
    r"""
type=SYSCALL msg=audit(⟦epoch⟧.⟦int(100,999)⟧:⟦int(1000,99999)⟧): arch=c000003e syscall=59 success=yes exit=0 ppid=⟦pid⟧ pid=⟦pid⟧ auid=1001 uid=0 gid=0 tty=pts0 comm="mysqladmin" exe="/usr/bin/mysqladmin" key="exec"
type=EXECVE msg=audit(⟦epoch⟧.⟦int(100,999)⟧:⟦int(1000,99999)⟧): argc=5 a0="mysqladmin" a1="-u" a2="root" a3="--password" a4=⟦~p(%a6 %a5)>raw⟧⟦!HEXE(<raw)⟧
""",
)
T(
    F,
    "ps eww environment",
    r"""
$ ps eww -p ⟦pid>m⟧
    PID TTY      STAT   TIME COMMAND
 ⟦<m⟧ ?        Ssl   12:07 /usr/share/grafana/bin/grafana server --config=/etc/grafana/grafana.ini LANG=en_US.UTF-8 PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin GF_SECURITY_ADMIN_PASSWORD=⟦!pw⟧ HOME=/usr/share/grafana
""",
)
T(
    F,
    "strace write PASS",
    r"""
$ strace -f -e trace=write,sendto -s 128 -p ⟦pid⟧
strace: Process ⟦pid⟧ attached
sendto(5, "USER ⟦user⟧\r\n", ⟦int(10,30)⟧, MSG_NOSIGNAL, NULL, 0) = ⟦int(10,30)⟧
sendto(5, "PASS ⟦!pws⟧\r\n", ⟦int(14,30)⟧, MSG_NOSIGNAL, NULL, 0) = ⟦int(14,30)⟧
write(1, "230 Login successful.\n", 22) = 22
""",
)

# ===========================================================================
# systemd units and journal
# ===========================================================================
F = "systemd and journal"
T(
    F,
    "unit Environment=",
    r"""
[Unit]
Description=⟦app⟧ API
After=network-online.target

[Service]
User=⟦one(app,www-data,svc)⟧
WorkingDirectory=/srv/⟦app⟧
Environment="DATABASE_URL=postgres://⟦svc⟧:⟦!pws⟧@⟦h(pg)⟧:5432/⟦db⟧"
ExecStart=/srv/⟦app⟧/venv/bin/gunicorn -w 4 -b 127.0.0.1:8000 app:wsgi
Restart=on-failure
""",
)
T(
    F,
    "systemctl cat ExecStart token",
    r"""
$ systemctl cat ⟨node_exporter|vector|promtail⟩.service
# /etc/systemd/system/⟨node_exporter|vector|promtail⟩.service
[Service]
Type=simple
ExecStart=/usr/local/bin/agent --config /etc/agent/config.yml \
    --remote-write.url=https://prometheus-prod-⟦int(10,40)⟧-prod-eu-west-2.grafana.net/api/prom/push \
    --remote-write.username=⟦int(100000,999999)⟧ \
    --remote-write.password=⟦!p(glc_%b120)⟧
Restart=always
""",
)
T(
    F,
    "EnvironmentFile /etc/default",
    r"""
# /etc/default/restic-backup -- sourced by restic-backup.service
export RESTIC_REPOSITORY="s3:https://s3.⟦region⟧.amazonaws.com/⟦org⟧-backups/⟦sh⟧"
export RESTIC_PASSWORD='⟦!pww⟧'
export AWS_ACCESS_KEY_ID="AKIA⟦p(%u16)⟧"
export AWS_SECRET_ACCESS_KEY="⟦!awssk⟧"
""",
)
T(
    F,
    "journalctl -u dsn",
    r"""
-- Boot ⟦p(%h32)⟧ --
⟦tsl⟧ ⟦sh⟧ ⟦app⟧[⟦pid⟧]: INFO starting ⟦app⟧ v⟦ver⟧
⟦tsl⟧ ⟦sh⟧ ⟦app⟧[⟦pid⟧]: INFO connecting to database dsn=⟨postgres|postgresql⟩://⟦svc⟧:⟦!pws⟧@⟦h(pg)⟧:5432/⟦db⟧?sslmode=require
⟦tsl⟧ ⟦sh⟧ ⟦app⟧[⟦pid⟧]: INFO migrations up to date
""",
)
T(
    F,
    "journalctl -o json",
    r"""
{"__CURSOR":"s=⟦p(%h32)⟧;i=⟦p(%h5)⟧;b=⟦p(%h32)⟧;m=⟦p(%h9)⟧;t=⟦p(%h13)⟧;x=⟦p(%h16)⟧","PRIORITY":"6","_SYSTEMD_UNIT":"⟦app⟧.service","_PID":"⟦pid⟧","SYSLOG_IDENTIFIER":"⟦app⟧","MESSAGE":"loaded settings: smtp_host=⟦h(smtp)⟧ smtp_user=⟦email⟧ smtp_password=⟦!pw⟧ tls=true","_HOSTNAME":"⟦sh⟧"}
""",
)
T(
    F,
    "auth.log sudo htpasswd",
    r"""
⟦tsl⟧ ⟦sh⟧ sudo:   ⟦user⟧ : TTY=pts/⟦int(0,4)⟧ ; PWD=/home/⟦user⟧ ; USER=root ; COMMAND=/usr/bin/htpasswd -b⟨B|⟩ /etc/nginx/.htpasswd ⟦user⟧ ⟦!pw⟧
⟦tsl⟧ ⟦sh⟧ sudo: pam_unix(sudo:session): session opened for user root(uid=0) by ⟦user⟧(uid=1001)
""",
)
T(
    F,
    "cron syslog CMD",
    r"""
⟦tsl⟧ ⟦sh⟧ CRON[⟦pid⟧]: (root) CMD (/usr/local/bin/s3-sync.sh --access-key AKIA⟦p(%u16)⟧ --secret-key ⟦!awssk⟧ >> /var/log/s3-sync.log 2>&1)
⟦tsl⟧ ⟦sh⟧ CRON[⟦pid⟧]: (⟦user⟧) CMD (cd /srv/⟦app⟧ && ./bin/rotate-logs)
""",
)
T(
    F,
    "mount unit cifs",
    r"""
# /etc/systemd/system/mnt-⟨scans|share|archive⟩.mount
[Mount]
What=//⟦sh⟧/⟨scans|share|archive⟩
Where=/mnt/⟨scans|share|archive⟩
Type=cifs
Options=username=⟦svc⟧,password=⟦!pws⟧,domain=⟨CORP|ACME⟩,vers=3.0,uid=1000,gid=1000
""",
)
T(
    F,
    "systemd-creds plaintext",
    r"""
$ echo -n '⟦!pw⟧' | systemd-creds encrypt --name=db-password - /etc/credstore.encrypted/db-password
Credential secret file '/var/lib/systemd/credential.secret' is not located on encrypted media, using anyway.
""",
)

# ===========================================================================
# containers
# ===========================================================================
F = "containers and docker"
T(
    F,
    "docker inspect Env",
    r"""
$ docker inspect --format '{{json .Config.Env}}' ⟦app⟧ | jq .
[
  "POSTGRES_USER=⟦svc⟧",
  "POSTGRES_PASSWORD=⟦!pw⟧",
  "PGDATA=/var/lib/postgresql/data/pgdata",
  "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
  "GOSU_VERSION=1.17",
  "PG_MAJOR=16"
]
""",
)
T(
    F,
    "docker run -e",
    r"""
$ docker run -d --name ⟦app⟧ --restart unless-stopped \
  -e ⟨MINIO_ROOT_USER|MINIO_ACCESS_KEY⟩=⟦svc⟧ \
  -e ⟨MINIO_ROOT_PASSWORD|MINIO_SECRET_KEY⟩=⟦!pwa⟧ \
  -p 9000:9000 -p 9001:9001 quay.io/minio/minio server /data --console-address ":9001"
⟦p(%h64)⟧
""",
)
T(
    F,
    "compose environment map",
    r"""
services:
  ⟦app⟧:
    image: ghcr.io/⟦org⟧/⟦app⟧:⟦ver⟧
    environment:
      DB_HOST: ⟦h(db)⟧
      DB_USER: ⟦svc⟧
      DB_PASSWORD: "⟦!pw⟧"
    ports:
      - "8080:8080"
""",
)
T(
    F,
    "docker history no-trunc",
    r"""
$ docker history --no-trunc registry.⟦dom⟧/⟦app⟧:⟦ver⟧ --format '{{.CreatedBy}}' | head -4
/bin/sh -c #(nop)  CMD ["node" "dist/main.js"]
/bin/sh -c npm ci --omit=dev && rm -f .npmrc
/bin/sh -c echo "//registry.npmjs.org/:_authToken=⟦!p(npm_%a36)⟧" > .npmrc
/bin/sh -c #(nop) WORKDIR /app
""",
)
T(
    F,
    "docker login -p warning",
    r"""
$ docker login -u ⟦svc⟧ -p ⟦!pw⟧ ⟨registry.⟦dom⟧|harbor.⟦dom⟧⟩
WARNING! Using --password via the CLI is insecure. Use --password-stdin.
WARNING! Your password will be stored unencrypted in /home/⟦user⟧/.docker/config.json.
Login Succeeded
""",
)
T(
    F,
    "docker config.json auths",
    r"""
{
	"auths": {
		"⟨registry.⟦dom⟧|harbor.⟦dom⟧:8443⟩": {
			"auth": "⟦~svc>u⟧⟦~pws>p⟧⟦!b64e(<u,:,<p)⟧"
		},
		"https://index.docker.io/v1/": {
			"auth": "⟦~user>u2⟧⟦~p(dckr_pat_%B27)>p2⟧⟦!b64e(<u2,:,<p2)⟧"
		}
	},
	"credsStore": ""
}
""",
)
T(
    F,
    "buildkit build-arg log",
    r"""
#8 [builder 3/7] RUN --mount=type=cache,target=/root/.cache git clone https://x-access-token:⟦!p(ghs_%a36)⟧@github.com/⟦org⟧/⟦app⟧-private.git /src/vendor
#8 0.412 Cloning into '/src/vendor'...
#8 DONE 2.1s
""",
)
T(
    F,
    "mysql entrypoint generated root password",
    r"""
⟦ts⟧ 0 [Note] [Entrypoint]: Initializing database files
⟦ts⟧ 0 [Note] [Entrypoint]: Database files initialized
⟦ts⟧ 0 [Note] [Entrypoint]: GENERATED ROOT PASSWORD: ⟦!p(%a32)⟧
⟦ts⟧ 0 [Note] [Entrypoint]: Stopping temporary server
""",
)
T(
    F,
    "jenkins initial admin password",
    r"""
*************************************************************
*************************************************************
*************************************************************

Jenkins initial setup is required. An admin user has been created and a password generated.
Please use the following password to proceed to installation:

⟦!p(%h32)⟧

This may also be found at: /var/jenkins_home/secrets/initialAdminPassword

*************************************************************
""",
)
T(
    F,
    "elasticsearch 8 first boot",
    r"""
✅ Elasticsearch security features have been automatically configured!
✅ Authentication is enabled and cluster connections are encrypted.

ℹ️  Password for the elastic user (reset with `bin/elasticsearch-reset-password -u elastic`):
  ⟦!p(%a8_%B11)⟧

ℹ️  Configure Kibana to use this cluster:
• Run Kibana and click the configuration link in the terminal when Kibana starts.
• Copy the following enrollment token and paste it into Kibana in your browser (valid for the next 30 minutes):
  ⟦!esenroll⟧
""",
)
# ===========================================================================
# kubernetes, helm, nomad
# ===========================================================================
F = "kubernetes helm nomad"
T(
    F,
    "Secret manifest data",
    r"""
apiVersion: v1
kind: Secret
metadata:
  name: ⟦app⟧-db
  namespace: ⟦ns⟧
type: Opaque
data:
  username: ⟦~svc>u⟧⟦b64e(<u)⟧
  password: ⟦~pw>p⟧⟦!b64e(<p)⟧
""",
)
T(
    F,
    "kubectl get secret -o yaml last-applied",
    r"""
$ kubectl -n ⟦ns⟧ get secret ⟦app⟧-redis -o yaml
apiVersion: v1
data:
  redis-password: ⟦~pwa>p⟧⟦!b64e(<p)⟧
kind: Secret
metadata:
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: |
      {"apiVersion":"v1","data":{"redis-password":"⟦!b64e(<p)⟧"},"kind":"Secret","metadata":{"annotations":{},"name":"⟦app⟧-redis","namespace":"⟦ns⟧"},"type":"Opaque"}
  creationTimestamp: "⟦ts⟧"
  name: ⟦app⟧-redis
  namespace: ⟦ns⟧
  resourceVersion: "⟦int(100000,9999999)⟧"
  uid: ⟦uuid⟧
type: Opaque
""",
)
T(
    F,
    "kubectl describe pod env",
    r"""
$ kubectl describe pod ⟦pod⟧ -n ⟦ns⟧
Containers:
  app:
    Image:          ⟦org⟧/⟦app⟧:⟦ver⟧
    Port:           8080/TCP
    Environment:
      SPRING_PROFILES_ACTIVE:       prod
      SPRING_DATASOURCE_PASSWORD:   ⟦!pw⟧
      JAVA_OPTS:                    -Xmx1g
    Mounts:
      /var/run/secrets/kubernetes.io/serviceaccount from kube-api-access-⟦p(%l5)⟧ (ro)
""",
)
T(
    F,
    "kubeconfig token and key data",
    r"""
apiVersion: v1
kind: Config
clusters:
- cluster:
    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t⟦p(%b40)⟧
    server: https://⟦ip⟧:6443
  name: ⟦org⟧-⟨prod|stage⟩
users:
- name: ⟨ci-deployer|admin⟩
  user:
    token: ⟦!jwt(RS256)⟧
- name: kubernetes-admin
  user:
    client-certificate-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t⟦p(%b60)⟧
    client-key-data: ⟦!p(LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQpNSUlF%b160)⟧
""",
)
T(
    F,
    "kubectl create secret from-literal",
    r"""
$ kubectl create secret generic ⟦app⟧-env -n ⟦ns⟧ \
    --from-literal=DB_PASSWORD='⟦!pw⟧' \
    --from-literal=⟨OPENAI_API_KEY|LLM_API_KEY⟩=⟦!p(sk-proj-%B48T3BlbkFJ%B48)⟧
secret/⟦app⟧-env created
""",
)
T(
    F,
    "helm upgrade --set",
    r"""
$ helm upgrade --install ⟦app⟧-pg bitnami/postgresql -n ⟦ns⟧ \
  --set auth.postgresPassword=⟦!pws⟧ \
  --set primary.persistence.size=50Gi
Release "⟦app⟧-pg" has been upgraded. Happy Helming!
NAME: ⟦app⟧-pg
LAST DEPLOYED: ⟦tsc⟧
STATUS: deployed
REVISION: ⟦int(2,40)⟧
""",
)
T(
    F,
    "helm get values",
    r"""
$ helm get values ⟨grafana|kube-prometheus-stack⟩ -n monitoring
USER-SUPPLIED VALUES:
adminPassword: ⟦!pww⟧
grafana.ini:
  smtp:
    enabled: true
    host: ⟦h(smtp)⟧:587
    user: ⟦email⟧
""",
)
T(
    F,
    "nomad job hcl env template",
    r"""
job "⟦app⟧" {
  datacenters = ["dc1"]
  group "api" {
    task "server" {
      driver = "docker"
      env {
        DATABASE_URL = "postgres://⟦svc⟧:⟦!pws⟧@⟦h(pg)⟧:5432/⟦db⟧"
      }
      template {
        data        = "{{ with secret \"kv/data/⟦app⟧\" }}MAILGUN_API_KEY={{ .Data.data.mailgun }}{{ end }}"
        destination = "secrets/file.env"
        env         = true
      }
    }
  }
}
""",
)
T(
    F,
    "kubectl create token",
    r"""
$ kubectl -n ⟦ns⟧ create token ⟦app⟧-deployer --duration=8760h
⟦!jwt(RS256)⟧
""",
)
T(
    F,
    "apiserver audit secret create",
    r"""
{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","auditID":"⟦uuid⟧","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/⟦ns⟧/secrets","verb":"create","user":{"username":"system:serviceaccount:argocd:argocd-application-controller"},"objectRef":{"resource":"secrets","namespace":"⟦ns⟧","name":"⟦app⟧-creds","apiVersion":"v1"},"requestObject":{"kind":"Secret","apiVersion":"v1","metadata":{"name":"⟦app⟧-creds"},"data":{"token":"⟦~p(%a40)>t⟧⟦!b64e(<t)⟧"},"type":"Opaque"},"responseStatus":{"metadata":{},"code":201}}
""",
)
T(
    F,
    "dockerconfigjson pull secret",
    r"""
apiVersion: v1
kind: Secret
metadata:
  name: regcred
  namespace: ⟦ns⟧
type: kubernetes.io/dockerconfigjson
data:
  .dockerconfigjson: ⟦~svc>u⟧⟦~pws>p⟧⟦!dockercfg(<u,<p)⟧
""",
)
T(
    F,
    "oc login token",
    r"""
$ oc login --token=⟦!p(sha256~%B43)⟧ --server=https://api.⟨#oc:ocp4|cluster-⟦int(1,9)>cn⟧⟩.⟦dom⟧:6443
Logged into "https://api.⟨#oc:ocp4|cluster-⟦<cn⟧⟩.⟦dom⟧:6443" as "⟦user⟧" using the token provided.
You have access to ⟦int(10,90)⟧ projects, the list has been suppressed. You can list all projects with 'oc projects'
""",
)

# ===========================================================================
# CI/CD logs and pipeline definitions
# ===========================================================================
F = "ci cd logs"
T(
    F,
    "github actions run step",
    r"""
⟦tsn⟧ ##[group]Run ./scripts/deploy.sh --env production --token ⟦!p(ghp_%a36)>rp⟧
⟦tsn⟧ ./scripts/deploy.sh --env production --token ⟦<rp⟧
⟦tsn⟧ shell: /usr/bin/bash -e {0}
⟦tsn⟧ ##[endgroup]
⟦tsn⟧ deploying ⟦app⟧@⟦p(%h7)⟧ to production
""",
)
T(
    F,
    "actions checkout extraheader",
    r"""
⟦tsn⟧ [command]/usr/bin/git config --local http.https://github.com/.extraheader AUTHORIZATION: basic ⟦~p(ghs_%a36)>t⟧⟦!b64e(x-access-token:,<t)⟧
⟦tsn⟧ ##[endgroup]
⟦tsn⟧ ##[group]Fetching the repository
""",
)
T(
    F,
    "gitlab job log private-token",
    r"""
Running with gitlab-runner ⟦ver⟧ (⟦p(%h8)⟧)
  on ⟦sh⟧-docker ⟦p(%a8)⟧, system ID: r_⟦p(%a12)⟧
$ curl --fail --header "PRIVATE-TOKEN: ⟦!p(glpat-%B20)⟧" "https://gitlab.⟦dom⟧/api/v4/projects/⟦int(10,900)⟧/releases" -d tag_name=v⟦ver⟧
{"name":"v⟦ver⟧","tag_name":"v⟦ver⟧"}
Job succeeded
""",
)
T(
    F,
    ".gitlab-ci.yml variables",
    r"""
variables:
  DOCKER_DRIVER: overlay2
  SONAR_HOST_URL: https://sonar.⟦dom⟧
  SONAR_TOKEN: "⟦!p(sqa_%h40)⟧"

deploy:
  stage: deploy
  script:
    - sshpass -p "$DEPLOY_SSH_PASSWORD" ssh deploy@⟦h(app)⟧ ./release.sh
""",
)
T(
    F,
    "jenkins console sh curl apitoken",
    r"""
[Pipeline] { (Trigger downstream)
[Pipeline] sh
+ curl -sS -X POST -u ⟦user⟧:⟦!p(11%h32)⟧ https://jenkins.⟦dom⟧/job/⟦app⟧-release/buildWithParameters?VERSION=⟦ver⟧
[Pipeline] }
""",
)
T(
    F,
    "jenkins credentials.xml",
    r"""
<com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl>
  <scope>GLOBAL</scope>
  <id>⟦app⟧-deploy</id>
  <description>deploy user for ⟦h(app)⟧</description>
  <username>⟦svc⟧</username>
  <password>{⟦!p(AQAAABAAAAAQ%b60=)⟧}</password>
  <usernameSecret>false</usernameSecret>
</com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl>
""",
)
T(
    F,
    "buildkite agent start",
    r"""
~~~ Preparing working directory
$ buildkite-agent start --token ⟦!p(%h50)⟧ --tags "queue=deploy,os=linux" --name "⟦sh⟧-%spawn"
⟦tss⟧ INFO   Registering agent with Buildkite...
""",
)
T(
    F,
    "circleci aws configure step",
    r"""
#!/bin/bash -eo pipefail
aws configure set aws_access_key_id AKIA⟦p(%u16)⟧
aws configure set aws_secret_access_key ⟦!awssk⟧
aws configure set region ⟦region⟧
CircleCI received exit code 0
""",
)
T(
    F,
    "drone yml plain settings",
    r"""
kind: pipeline
type: docker
name: default
steps:
- name: publish
  image: plugins/docker
  settings:
    repo: registry.⟦dom⟧/⟦app⟧
    username: ⟦svc⟧
    password: ⟦!pw⟧
""",
)
T(
    F,
    "tekton pipelinerun params",
    r"""
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata:
  generateName: ⟦app⟧-build-
spec:
  pipelineRef:
    name: build-and-push
  params:
    - name: registry-user
      value: ⟦svc⟧
    - name: registry-password
      value: "⟦!pw⟧"
""",
)
T(
    F,
    "argo get parameters",
    r"""
$ argo get ⟦app⟧-migrate-⟦p(%l5)>wf⟧ -n argo
Name:                ⟦app⟧-migrate-⟦<wf⟧
Namespace:           argo
Status:              Failed
Message:             child '⟦app⟧-migrate-⟦<wf⟧-⟦int(1000000,9999999)⟧' failed
Parameters:
  db-host:           ⟦h(pg)⟧
  db-password:       ⟦!pws⟧
  dry-run:           false
""",
)
T(
    F,
    "azure pipelines debug",
    r"""
##[section]Starting: Run migrations
==============================================================================
Task         : Command line
Version      : 2.⟦int(100,250)⟧.0
==============================================================================
Generating script.
========================== Starting Command Output ===========================
/usr/bin/bash --noprofile --norc /home/vsts/work/_temp/⟦uuid⟧.sh
sqlcmd -S tcp:⟦org⟧-sql.database.windows.net,1433 -d ⟦db⟧ -U ⟦svc⟧ -P '⟦!pw⟧' -i migrate.sql
""",
)
T(
    F,
    "teamcity setParameter",
    r"""
[⟦hms⟧]i: [Step 2/4] ##teamcity[setParameter name='env.ARTIFACTORY_TOKEN' value='⟦!p(cmVmdGtuOjAxOjE3%a50)⟧']
[⟦hms⟧]i: [Step 2/4] ##teamcity[buildStatisticValue key='prepareTime' value='⟦int(100,9000)⟧']
""",
)

# ===========================================================================
# infrastructure as code and configuration management
# ===========================================================================
F = "iac and config management"
T(
    F,
    "terraform plan attribute",
    r"""
  # aws_db_instance.⟦db⟧ will be created
  + resource "aws_db_instance" "⟦db⟧" {
      + allocated_storage     = 100
      + engine                = "postgres"
      + engine_version        = "16.3"
      + identifier            = "⟦db⟧-prod"
      + instance_class        = "db.r6g.large"
      + password              = "⟦!pw⟧"
      + username              = "⟦svc⟧"
    }

Plan: 1 to add, 0 to change, 0 to destroy.
""",
)
T(
    F,
    "terraform.tfstate attributes",
    r"""
    {
      "mode": "managed",
      "type": "random_password",
      "name": "⟦app⟧_admin",
      "provider": "provider[\"registry.terraform.io/hashicorp/random\"]",
      "instances": [
        {
          "schema_version": 3,
          "attributes": {
            "bcrypt_hash": "⟦!crypt(2)⟧",
            "id": "none",
            "length": 24,
            "result": "⟦!pw⟧",
            "special": true
          },
          "sensitive_attributes": []
        }
      ]
    },
""",
)
T(
    F,
    "terraform output -json",
    r"""
$ terraform output -json
{
  "admin_password": {
    "sensitive": false,
    "type": "string",
    "value": "⟦!pw⟧"
  },
  "endpoint": {
    "sensitive": false,
    "type": "string",
    "value": "⟦h(db)⟧:5432"
  }
}
""",
)
T(
    F,
    "pulumi stack output show-secrets",
    r"""
$ pulumi stack output --show-secrets
Current stack outputs (3):
    OUTPUT            VALUE
    bucketName        ⟦org⟧-assets-⟦p(%l7)⟧
    dbConnection      postgresql://⟦svc⟧:⟦!pws⟧@⟦h(pg)⟧:5432/⟦db⟧
""",
)
T(
    F,
    "ansible inventory ini",
    r"""
[windows]
⟦h(app)⟧ ansible_host=⟦ip⟧

[windows:vars]
ansible_user=Administrator
ansible_password=⟦!pw⟧
ansible_connection=winrm
ansible_winrm_server_cert_validation=ignore

[db]
⟦h(db)⟧ ansible_port=2222
""",
)
T(
    F,
    "ansible loop item output",
    r"""
TASK [users : create application accounts] *************************************
changed: [⟦h(app)⟧] => (item={'name': '⟦svc⟧', 'password': '⟦!pw⟧', 'groups': ['app']})
ok: [⟦h(app)⟧] => (item={'name': 'root', 'password': None})
""",
)
T(
    F,
    "ansible -vvv module args",
    r"""
<⟦h(db)⟧> EXEC /bin/sh -c '/usr/bin/python3 /root/.ansible/tmp/ansible-tmp-⟦epoch⟧.⟦int(10,99)⟧-⟦int(1000,9999)⟧/AnsiballZ_mysql_user.py && sleep 0'
changed: [⟦h(db)⟧] => {
    "changed": true,
    "invocation": {
        "module_args": {
            "host": "%",
            "login_password": "⟦!pw⟧",
            "login_user": "root",
            "name": "⟦svc⟧",
            "priv": "⟦db⟧.*:ALL"
        }
    },
    "user": "⟦svc⟧"
}
""",
)
T(
    F,
    "salt pillar items",
    r"""
$ sudo salt '⟦sh⟧*' pillar.items
⟦sh⟧.⟦dom⟧:
    ----------
    mysql:
        ----------
        root_password:
            ⟦!pw⟧
        server_id:
            ⟦int(1,40)⟧
""",
)
T(
    F,
    "chef data bag show",
    r"""
$ knife data bag show credentials ⟦app⟧ --secret-file ~/.chef/encrypted_data_bag_secret
Encrypted data bag detected, decrypting with provided secret.
api_key:     ⟦!p(%h40)⟧
id:          ⟦app⟧
""",
)
T(
    F,
    "puppet agent debug exec",
    r"""
Debug: Exec[set-rabbit-password](provider=posix): Executing '/usr/sbin/rabbitmqctl change_password ⟦svc⟧ ⟦!pw>rp⟧'
Debug: Executing: '/usr/sbin/rabbitmqctl change_password ⟦svc⟧ ⟦<rp⟧'
Notice: /Stage[main]/Profile::Rabbitmq/Exec[set-rabbit-password]/returns: executed successfully
""",
)
T(
    F,
    "cloudformation describe-stacks",
    r"""
$ aws cloudformation describe-stacks --stack-name ⟦app⟧-db --query 'Stacks[0].Parameters'
[
    {
        "ParameterKey": "MasterUsername",
        "ParameterValue": "⟦svc⟧"
    },
    {
        "ParameterKey": "MasterUserPassword",
        "ParameterValue": "⟦!pw⟧"
    }
]
""",
)
T(
    F,
    "cloud-init user-data chpasswd",
    r"""
#cloud-config
chpasswd:
  expire: false
  users:
    - name: ⟦user⟧
      password: ⟦!pww⟧
      type: text
ssh_pwauth: true
runcmd:
  - [ sh, -c, "echo 'VAULT_TOKEN=⟦!p(hvs.%B24)⟧' >> /etc/environment" ]
""",
)
T(
    F,
    "kickstart rootpw",
    r"""
lang en_US.UTF-8
keyboard us
timezone Europe/Berlin --utc
rootpw --plaintext ⟦!pw⟧
""",
)
T(
    F,
    "unattend.xml encoded admin password",
    r"""
<UserAccounts>
    <AdministratorPassword>
        <Value>⟦~pwa>p⟧⟦!b64u16(<p,AdministratorPassword)⟧</Value>
        <PlainText>false</PlainText>
    </AdministratorPassword>
    <LocalAccounts>
        <LocalAccount wcm:action="add">
            <Password>
                <Value>⟦!pw⟧</Value>
                <PlainText>true</PlainText>
            </Password>
            <Name>⟦user⟧</Name>
        </LocalAccount>
    </LocalAccounts>
</UserAccounts>
""",
)
# ===========================================================================
# application configs in many syntaxes
# ===========================================================================
F = "application configs"
T(
    F,
    "ini database section",
    r"""
; /etc/⟦app⟧/⟦app⟧.ini
[server]
listen = 0.0.0.0:8443
workers = 8

[database]
host = ⟦h(db)⟧
port = 5432
user = ⟦svc⟧
⟨password|passwd|pass⟩ = ⟦!pw⟧
""",
)
T(
    F,
    "toml secrets",
    r"""
[http]
addr = ":8080"

[db]
url = "postgres://⟦svc⟧@⟦h(pg)⟧:5432/⟦db⟧"
password = "⟦!pw⟧"

[providers.github]
client_id = "Iv1.⟦p(%h16)⟧"
""",
)
T(
    F,
    "spring application.yml",
    r"""
spring:
  datasource:
    url: jdbc:postgresql://⟦h(pg)⟧:5432/⟦db⟧
    username: ⟦svc⟧
    password: ⟦!pw⟧
  mail:
    host: smtp.office365.com
    username: ⟦email⟧
""",
)
T(
    F,
    "appsettings.json",
    r"""
{
  "Logging": { "LogLevel": { "Default": "Information" } },
  "ConnectionStrings": {
    "Default": "Server=⟦h(db)⟧;Database=⟦db⟧;User Id=⟦svc⟧;Password=⟦!pw⟧;TrustServerCertificate=True"
  },
  "AzureAd": {
    "TenantId": "⟦uuid⟧",
    "ClientId": "⟦uuid⟧",
    "ClientSecret": "⟦!p(%a3%d1Q~%B31)⟧"
  }
}
""",
)
T(
    F,
    "java .properties",
    r"""
# mail settings
mail.smtp.host=⟦h(smtp)⟧
mail.smtp.port=587
mail.smtp.auth=true
mail.smtp.user=⟦email⟧
mail.smtp.password=⟦!pw⟧
jdbc.url=jdbc:mysql://⟦h(mysql)⟧:3306/⟦db⟧?useSSL=true
""",
)
T(
    F,
    "dotenv mixed quoting",
    r"""
# .env.production -- do not commit
APP_ENV=production
APP_DEBUG=false
DB_CONNECTION=mysql
DB_PASSWORD="⟦!pw⟧"
TWILIO_ACCOUNT_SID=AC⟦p(%h32)⟧
TWILIO_AUTH_TOKEN=⟦!p(%h32)⟧
""",
)
T(
    F,
    "tomcat context.xml resource",
    r"""
<Context>
    <Resource name="jdbc/⟦db⟧" auth="Container" type="javax.sql.DataSource"
              maxTotal="50" maxIdle="10" maxWaitMillis="10000"
              username="⟦svc⟧" password="⟦!pw⟧"
              driverClassName="oracle.jdbc.OracleDriver"
              url="jdbc:oracle:thin:@//⟦h(db)⟧:1521/ORCLPDB1"/>
</Context>
""",
)
T(
    F,
    "rails credentials:show",
    r"""
$ EDITOR=cat bin/rails credentials:show -e production
secret_key_base: ⟦!p(%h128)⟧
aws:
  access_key_id: AKIA⟦p(%u16)⟧
  secret_access_key: ⟦!awssk⟧
""",
)
T(
    F,
    "django settings",
    r"""
SECRET_KEY = "django-insecure-⟦!p(%l50)⟧"
DEBUG = False
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "⟦db⟧",
        "USER": "⟦svc⟧",
        "HOST": "⟦h(pg)⟧",
    }
}
""",
)
T(
    F,
    "wp-config.php",
    r"""
define( 'DB_NAME', '⟦db⟧' );
define( 'DB_USER', '⟦svc⟧' );
define( 'DB_PASSWORD', '⟦!pw⟧' );
define( 'DB_HOST', '⟦h(mysql)⟧' );
""",
)
T(
    F,
    "web.config appSettings",
    r"""
<configuration>
  <connectionStrings>
    <add name="⟦db⟧" connectionString="Data Source=⟦h(db)⟧;Initial Catalog=⟦db⟧;User ID=⟦svc⟧;Password=⟦!pw⟧" providerName="System.Data.SqlClient" />
  </connectionStrings>
  <appSettings>
    <add key="EnableCache" value="true" />
  </appSettings>
</configuration>
""",
)
T(
    F,
    "gitea app.ini",
    r"""
[security]
INSTALL_LOCK   = true
INTERNAL_TOKEN = ⟦!jwt⟧

[mailer]
ENABLED = true
SMTP_ADDR = ⟦h(smtp)⟧
USER    = ⟦email⟧
""",
)

# ===========================================================================
# language-specific config files
# ===========================================================================
F = "language config files"
T(
    F,
    "php return array",
    r"""
<?php

return [
    'default' => 'mysql',
    'connections' => [
        'mysql' => [
            'host'     => '⟦h(mysql)⟧',
            'database' => '⟦db⟧',
            'username' => '⟦svc⟧',
            'password' => '⟦!pw⟧',
        ],
    ],
];
""",
)
T(
    F,
    "ruby sidekiq initializer",
    r"""
Sidekiq.configure_server do |config|
  config.redis = { url: "redis://:⟦!pwa⟧@⟦h(redis)⟧:6379/2", network_timeout: 5 }
end

""",
)
T(
    F,
    "openresty lua",
    r"""
local redis = require "resty.redis"
local red = redis:new()
red:set_timeouts(1000, 1000, 1000)
local ok, err = red:connect("⟦ip⟧", 6379)
local res, err = red:auth("⟦!pwa⟧")
""",
)
T(
    F,
    "perl dbi connect",
    r"""
my $dbh = DBI->connect(
    "dbi:Pg:dbname=⟦db⟧;host=⟦h(pg)⟧;port=5432",
    "⟦svc⟧", "⟦!pw⟧",
    { RaiseError => 1, AutoCommit => 0 }
) or die $DBI::errstr;
""",
)
T(
    F,
    "elixir runtime.exs",
    r"""
config :⟨#m:shop|ledger|portal⟩, ⟨#m:Shop|Ledger|Portal⟩.Repo,
  username: "⟦svc⟧",
  password: "⟦!pw⟧",
  hostname: "⟦h(pg)⟧",
  pool_size: 10
""",
)
T(
    F,
    "erlang sys.config",
    r"""
[
 {rabbit, [
    {default_user, <<"⟦svc⟧">>},
    {default_pass, <<"⟦!pwa⟧">>},
    {loopback_users, []}
 ]},
 {rabbitmq_management, [{listener, [{port, 15672}]}]}
].
""",
)
T(
    F,
    "clojure edn",
    r"""
{:http {:port 3000}
 :db {:dbtype "postgresql"
      :host "⟦h(pg)⟧"
      :dbname "⟦db⟧"
      :user "⟦svc⟧"
      :password "⟦!pw⟧"}}
""",
)
T(
    F,
    "nixos configuration",
    r"""
  users.users.⟦user⟧ = {
    isNormalUser = true;
    extraGroups = [ "wheel" "docker" ];
    initialPassword = "⟦!pwd⟧";
  };
  users.users.root.hashedPassword = "⟦!crypt(y)⟧";
""",
)
T(
    F,
    "lua neovim plugin config",
    r"""
require("codecompanion").setup({
  adapters = {
    anthropic = function()
      return require("codecompanion.adapters").extend("anthropic", {
        env = { api_key = "⟦!p(sk-ant-api03-%B93AA)⟧" },
      })
    end,
  },
})
""",
)

# ===========================================================================
# source code literals
# ===========================================================================
F = "source code literals"
T(
    F,
    "go const",
    r"""
package notify

const (
	slackWebhook = "https://hooks.slack.com/services/T⟦p(%u8)⟧/B⟦p(%u10)⟧/⟦!p(%a24)⟧"
	timeout      = 10 * time.Second
)
""",
)
T(
    F,
    "java hardcoded",
    r"""
public class LegacyClient {
    private static final String USERNAME = "⟦svc⟧";
    private static final String PASSWORD = "⟦!pw⟧";
    private static final String ENDPOINT = "https://⟦h(api)⟧/soap/v1";

    public LegacyClient() {
        this.auth = new BasicAuth(USERNAME, PASSWORD);
    }
}
""",
)
T(
    F,
    "csharp NetworkCredential",
    r"""
var client = new SmtpClient("⟦h(smtp)⟧", 587)
{
    EnableSsl = true,
    Credentials = new NetworkCredential("⟦email⟧", "⟦!pw⟧")
};
""",
)
T(
    F,
    "rust let token",
    r"""
fn main() -> anyhow::Result<()> {
    // TODO: move to env before merging
    let token = "⟦!p(xoxb-%d11-%d13-%a24)⟧";
    let client = slack::Client::new(token);
    client.post("#⟦word⟧-alerts", "deploy finished")?;
    Ok(())
}
""",
)
T(
    F,
    "typescript firebase admin",
    r"""
const serviceAccount = {
  type: "service_account",
  project_id: "⟦org⟧-prod",
  private_key_id: "⟦p(%h40)⟧",
  client_email: "firebase-adminsdk-⟦p(%l5)⟧@⟦org⟧-prod.iam.gserviceaccount.com",
  private_key: "⟦pem(PRIVATE KEY,6,j)⟧",
};
""",
)
T(
    F,
    "python requests literal",
    r"""
import requests

API_KEY = '⟦!p(%a32)⟧'
resp = requests.get(
    "https://api.⟦dom⟧/v3/orders",
    headers={"X-API-Key": API_KEY},
    timeout=30,
)
""",
)
T(
    F,
    "javascript env fallback",
    r"""
module.exports = {
  port: process.env.PORT || 3000,
  mongoUri: process.env.MONGO_URI || 'mongodb://⟦svc⟧:⟦!pws⟧@⟦h(db)⟧:27017/⟦db⟧?authSource=admin',
};
""",
)
# ===========================================================================
# web servers, proxies and gateways
# ===========================================================================
F = "web servers and proxies"
T(
    F,
    "nginx proxy_set_header basic",
    r"""
location /legacy/ {
    proxy_pass https://⟦h(app)⟧:8443/;
    proxy_set_header Host $host;
    proxy_set_header Authorization "Basic ⟦~svc>u⟧⟦~pws>p⟧⟦!b64e(<u,:,<p)⟧";
    proxy_ssl_verify off;
}
""",
)
T(
    F,
    "nginx set api key",
    r"""
server {
    listen 443 ssl;
    server_name ⟦h(api)⟧;
    set $upstream_key "⟦!p(%a40)⟧";
    location / {
        proxy_set_header X-Api-Key $upstream_key;
        proxy_pass http://backend;
    }
}
""",
)
T(
    F,
    "apache ldap bind",
    r"""
<Location "/⟨svn|repos|wiki⟩">
    AuthType Basic
    AuthName "⟦org⟧ login"
    AuthBasicProvider ldap
    AuthLDAPURL "ldaps://⟦h(ldap)⟧:636/ou=people,dc=⟦org⟧,dc=com?uid"
    AuthLDAPBindDN "cn=⟦svc⟧,ou=services,dc=⟦org⟧,dc=com"
    AuthLDAPBindPassword "⟦!pw⟧"
    Require valid-user
</Location>
""",
)
T(
    F,
    "haproxy userlist and stats",
    r"""
userlist ops_users
    user admin insecure-password ⟦!pwa⟧

listen stats
    bind *:8404
    stats enable
    stats uri /stats
""",
)
T(
    F,
    "envoy inline header",
    r"""
          - name: envoy.filters.http.header_mutation
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.header_mutation.v3.HeaderMutation
              mutations:
                request_mutations:
                - append:
                    header:
                      key: authorization
                      value: "Bearer ⟦!p(%B64)⟧"
""",
)
T(
    F,
    "caddyfile basicauth and header",
    r"""
⟦h(mon)⟧ {
	basic_auth /admin/* {
		⟦user⟧ ⟦!crypt(2)⟧
	}
	reverse_proxy localhost:3000 {
		header_up X-Forwarded-Proto https
	}
}
""",
)
T(
    F,
    "traefik dynamic basicauth",
    r"""
http:
  middlewares:
    dashboard-auth:
      basicAuth:
        users:
          - "admin:⟦!crypt(apr1)⟧"
""",
)
T(
    F,
    "squid cache_peer login",
    r"""
cache_peer ⟦h(proxy)⟧ parent 3128 0 no-query default login=⟦svc⟧:⟦!pws⟧
never_direct allow all
acl localnet src 10.0.0.0/8
""",
)
T(
    F,
    "cntlm.conf",
    r"""
Username	⟦user⟧
Domain		⟨CORP|ACME|HQ⟩
Password	⟦!pw⟧
Proxy		⟦h(proxy)⟧:8080
Listen		3128
""",
)

# ===========================================================================
# mail servers and clients
# ===========================================================================
F = "mail servers and clients"
T(
    F,
    "postfix sasl_passwd",
    r"""
# /etc/postfix/sasl_passwd
[⟨smtp.sendgrid.net|smtp.mailgun.org|email-smtp.⟦region⟧.amazonaws.com⟩]:587 ⟨apikey:⟦!p(SG.%B22.%B43)⟧|postmaster@mg.⟦dom⟧:⟦!pws⟧|AKIA⟦p(%u16)⟧:⟦!p(BA%b42)⟧⟩
""",
)
T(
    F,
    "dovecot passwd-file",
    r"""
⟦user⟧@⟦dom⟧:{SHA512-CRYPT}⟦!crypt(6)⟧:5000:5000::/var/vmail/⟦dom⟧/⟦user⟧::
""",
)
T(
    F,
    "dovecot-sql.conf.ext",
    r"""
driver = mysql
connect = host=⟦h(mysql)⟧ dbname=mailserver user=mailuser password=⟦!pwa⟧
default_pass_scheme = SHA512-CRYPT
password_query = SELECT email as user, password FROM virtual_users WHERE email='%u';
""",
)
T(
    F,
    "exim authenticators",
    r"""
begin authenticators

smarthost_login:
  driver = plaintext
  public_name = LOGIN
  client_send = : ⟦email⟧ : ⟦!pw⟧
""",
)
T(
    F,
    "msmtprc",
    r"""
account        ⟦org⟧
host           ⟦h(smtp)⟧
port           587
tls            on
from           ⟦email⟧
user           ⟦email⟧
password       ⟦!pw⟧
account default : ⟦org⟧
""",
)
T(
    F,
    "muttrc",
    r"""
set imap_user = "⟦email⟧"
set imap_pass = "⟦!pw>rp⟧"
set smtp_url = "smtps://⟦email⟧@⟦h(smtp)⟧:465/"
set smtp_pass = "⟦<rp⟧"
set folder = "imaps://⟦h(mail)⟧:993"
""",
)
T(
    F,
    "roundcube config",
    r"""
$config['db_dsnw'] = 'mysql://roundcube:⟦!pws⟧@localhost/roundcubemail';
$config['imap_host'] = 'ssl://⟦h(mail)⟧:993';
$config['smtp_user'] = '%u';
""",
)
T(
    F,
    "rspamd controller",
    r"""
# local.d/worker-controller.inc
password = "⟦!crypt(2)⟧";
""",
)

# ===========================================================================
# databases, caches and message brokers (server-side config)
# ===========================================================================
F = "database and broker configs"
T(
    F,
    "pgbouncer userlist",
    r"""
"⟦svc⟧" "⟦!crypt(scram)⟧"
""",
)
T(
    F,
    "redis.conf and acl",
    r"""
bind 0.0.0.0
protected-mode yes
requirepass ⟦!pwa>rp⟧
masterauth ⟦<rp⟧
""",
)
T(
    F,
    "sentinel.conf",
    r"""
sentinel monitor mymaster ⟦ip⟧ 6379 2
sentinel auth-pass mymaster ⟦!pwa⟧
sentinel down-after-milliseconds mymaster 5000
""",
)
T(
    F,
    "rabbitmq.conf and definitions",
    r"""
# rabbitmq.conf
default_user = ⟦svc⟧
default_pass = ⟦!pw⟧
loopback_users.guest = false
""",
)
T(
    F,
    "kafka client.properties jaas",
    r"""
bootstrap.servers=⟦h(kafka)⟧:9093
security.protocol=SASL_SSL
sasl.mechanism=⟨PLAIN|SCRAM-SHA-512⟩
sasl.jaas.config=org.apache.kafka.common.security.⟨plain.PlainLoginModule|scram.ScramLoginModule⟩ required username="⟦svc⟧" password="⟦!pw⟧";
ssl.truststore.location=/etc/kafka/secrets/truststore.jks
""",
)
T(
    F,
    "kafka server jaas file",
    r"""
KafkaServer {
    org.apache.kafka.common.security.plain.PlainLoginModule required
    username="admin"
    password="⟦!pw>rp⟧"
    user_admin="⟦<rp⟧";
};
""",
)
T(
    F,
    "zookeeper jaas and digest",
    r"""
Server {
    org.apache.zookeeper.server.auth.DigestLoginModule required
    user_super="⟦!pwa⟧";
};
""",
)
T(
    F,
    "cassandra cqlshrc and yaml",
    r"""
; ~/.cassandra/cqlshrc
[authentication]
username = ⟦svc⟧
password = ⟦!pw⟧

# cassandra.yaml
client_encryption_options:
  enabled: true
  keystore: /etc/cassandra/conf/.keystore
""",
)
T(
    F,
    "mongodb keyfile and conf",
    r"""
$ cat /etc/mongod.conf | grep -A3 security
security:
  authorization: enabled
  keyFile: /etc/mongodb/keyfile
$ sudo head -c 120 /etc/mongodb/keyfile; echo
⟦!p(%b120)⟧
""",
)
T(
    F,
    "kibana.yml",
    r"""
server.host: "0.0.0.0"
elasticsearch.hosts: ["https://⟦h(es)⟧:9200"]
elasticsearch.username: "kibana_system"
elasticsearch.password: "⟦!p(%a20)⟧"
""",
)
T(
    F,
    "clickhouse users.xml",
    r"""
<clickhouse>
    <users>
        <⟦svc⟧>
            <password_sha256_hex>⟦!p(%h64)⟧</password_sha256_hex>
            <networks><ip>::/0</ip></networks>
        </⟦svc⟧>
        <default>
            <profile>readonly</profile>
        </default>
    </users>
</clickhouse>
""",
)
T(
    F,
    "graylog server.conf",
    r"""
is_leader = true
password_secret = ⟦!p(%a96)⟧
root_username = admin
""",
)

# ===========================================================================
# directory services and authentication servers
# ===========================================================================
F = "directory and auth services"
T(
    F,
    "sssd.conf",
    r"""
[domain/⟦dom⟧]
id_provider = ldap
auth_provider = ldap
ldap_uri = ldaps://⟦h(ldap)⟧
ldap_search_base = dc=⟦org⟧,dc=com
ldap_default_bind_dn = cn=⟦svc⟧,ou=services,dc=⟦org⟧,dc=com
ldap_default_authtok_type = password
ldap_default_authtok = ⟦!pw⟧
""",
)
T(
    F,
    "nslcd.conf",
    r"""
uri ldap://⟦h(ldap)⟧/
base dc=⟦org⟧,dc=net
binddn cn=proxyagent,ou=profile,dc=⟦org⟧,dc=net
bindpw ⟦!pw⟧
ssl start_tls
""",
)
T(
    F,
    "ldapsearch -w",
    r"""
$ ldapsearch -x -H ldaps://⟦h(ldap)⟧ -D "cn=admin,dc=⟦org⟧,dc=com" -w '⟦!pw⟧' -b "ou=people,dc=⟦org⟧,dc=com" "(uid=⟦user⟧)" mail
# extended LDIF
#
dn: uid=⟦user⟧,ou=people,dc=⟦org⟧,dc=com
mail: ⟦email⟧
""",
)
T(
    F,
    "ldif userPassword double colon",
    r"""
dn: uid=⟦user⟧,ou=people,dc=⟦org⟧,dc=com
objectClass: inetOrgPerson
uid: ⟦user⟧
cn: ⟦full⟧
userPassword:: ⟦~crypt(ssha)>h⟧⟦!b64e(<h)⟧
""",
)
T(
    F,
    "samba net ads join",
    r"""
$ sudo net ads join -U Administrator%⟦!pw⟧ createcomputer="Servers/Linux"
Using short domain name -- ⟨CORP|ACME|NW⟩
Joined '⟦sh⟧' to dns domain '⟦dom⟧'
""",
)
T(
    F,
    "freeradius clients and users",
    r"""
client ⟨wlc|vpn-gw|switches⟩ {
    ipaddr = ⟦ip⟧/24
    secret = ⟦!pwa⟧
    nas_type = other
}
client localhost {
    ipaddr = 127.0.0.1
    secret = testing123
}
""",
)
T(
    F,
    "kadmin -w",
    r"""
$ kadmin -p admin/admin@⟨CORP|ACME⟩.⟨LOCAL|LAN⟩ -w ⟦!pw⟧ -q "addprinc -randkey ⟦user⟧"
Authenticating as principal admin/admin@⟨CORP|ACME⟩.⟨LOCAL|LAN⟩ with password.
Principal "⟦user⟧@⟨CORP|ACME⟩.⟨LOCAL|LAN⟩" created.
""",
)
T(
    F,
    "keycloak realm export",
    r"""
  "clients": [
    {
      "clientId": "⟦app⟧",
      "enabled": true,
      "clientAuthenticatorType": "client-secret",
      "secret": "⟦!p(%a32)⟧",
      "redirectUris": ["https://⟦h(app)⟧/*"]
    }
  ],
  "users": [
  ]
""",
)
T(
    F,
    "authelia configuration",
    r"""
identity_validation:
  reset_password:
    jwt_secret: ⟦!p(%a64)⟧
session:
  name: authelia_session
storage:
  local:
    path: /config/db.sqlite3
# users_database.yml
users:
  ⟦user⟧:
    displayname: "⟦full⟧"
    password: "⟦!crypt(argon2)⟧"
""",
)
# ===========================================================================
# telephony, IoT and home automation
# ===========================================================================
F = "voip iot home automation"
T(
    F,
    "asterisk sip.conf",
    r"""
[⟦int(6000,6999)⟧]
type=friend
context=from-internal
host=dynamic
secret=⟦!pwa⟧
callerid="⟦full⟧" <⟦int(6000,6999)⟧>
disallow=all
allow=ulaw,alaw
""",
)
T(
    F,
    "asterisk pjsip and manager",
    r"""
[trunk-⟨sipgate|twilio|voipms⟩-auth]
type=auth
auth_type=userpass
username=⟦int(1000000,9999999)⟧
password=⟦!pws⟧

; manager.conf
[admin]
permit = 127.0.0.1/255.255.255.0
read = all
""",
)
T(
    F,
    "freeswitch directory user",
    r"""
<include>
  <user id="⟦int(1000,1999)⟧">
    <params>
      <param name="password" value="⟦!pwa⟧"/>
    </params>
  </user>
</include>
""",
)
T(
    F,
    "home assistant secrets.yaml",
    r"""
# secrets.yaml
wifi_ssid: "⟦word⟧-net"
wifi_password: "⟦!pww⟧"
latitude: 52.5⟦int(1000,9999)⟧
""",
)
T(
    F,
    "mosquitto passwd and pub",
    r"""
$ sudo cat /etc/mosquitto/passwd
⟦svc⟧:⟦!crypt(mosq)⟧
""",
)
T(
    F,
    "esphome yaml",
    r"""
esphome:
  name: ⟨garage-door|boiler-room|greenhouse⟩
wifi:
  ssid: "⟦word⟧-iot"
  password: "⟦!pwd⟧"
api:
  reboot_timeout: 15min
ota:
  - platform: esphome
""",
)
T(
    F,
    "yealink provisioning cfg",
    r"""
#!version:1.0.0.1
account.1.enable = 1
account.1.label = ⟦int(200,299)⟧
account.1.auth_name = ⟦int(200,299)⟧
account.1.password = ⟦!pwa⟧
account.1.sip_server.1.address = ⟦h(voip)⟧
""",
)
T(
    F,
    "frigate rtsp cameras",
    r"""
cameras:
  ⟨driveway|backyard|front_door⟩:
    ffmpeg:
      inputs:
        - path: rtsp://admin:⟦!pws⟧@⟦ip⟧:554/cam/realmonitor?channel=1&subtype=0
          roles: [detect, record]
""",
)

# ===========================================================================
# VPN, tunnels and wireless
# ===========================================================================
F = "vpn tunnels wireless"
T(
    F,
    "openvpn auth-user-pass file",
    r"""
$ grep auth-user-pass /etc/openvpn/client/⟦org⟧.conf
auth-user-pass /etc/openvpn/client/auth.txt
$ sudo cat /etc/openvpn/client/auth.txt
⟦user⟧
⟦!pw⟧
""",
)
T(
    F,
    "openvpn tls-auth static key",
    r"""
<tls-auth>
#
# 2048 bit OpenVPN static key
#
-----BEGIN OpenVPN Static key V1-----
⟦!p(%h32)⟧
⟦p(%h32)⟧
⟦p(%h32)⟧
-----END OpenVPN Static key V1-----
</tls-auth>
key-direction 1
""",
)
T(
    F,
    "wireguard wg0.conf",
    r"""
[Interface]
Address = 10.⟦int(0,200)⟧.0.1/24
ListenPort = 51820
PrivateKey = ⟦!wgkey⟧

[Peer]
# ⟦user⟧ laptop
PublicKey = ⟦wgkey⟧
AllowedIPs = 10.⟦int(0,200)⟧.0.⟦int(2,250)⟧/32
""",
)
T(
    F,
    "strongswan ipsec.secrets",
    r"""
# /etc/ipsec.secrets
⟦ip⟧ ⟦ip()⟧ : PSK "⟦!pw⟧"
: RSA vpn-server.key
""",
)
T(
    F,
    "ppp chap-secrets",
    r"""
# Secrets for authentication using CHAP
# client        server  secret                  IP addresses
"⟦user⟧"        l2tpd   "⟦!pws⟧"                *
""",
)
T(
    F,
    "tailscale up authkey",
    r"""
$ sudo tailscale up --authkey=⟦!p(tskey-auth-k%a10CNTRL-%a33)⟧ --advertise-tags=tag:server --ssh
Some peers are advertising routes but --accept-routes is false
""",
)
T(
    F,
    "cloudflared tunnel token",
    r"""
$ sudo cloudflared service install ⟦!p(eyJhIjoi%h32IiwidCI6I%a40IiwicyI6I%a44)⟧
⟦ts⟧ INF Using Systemd
⟦ts⟧ INF Linux service for cloudflared installed successfully
""",
)
T(
    F,
    "wpa_supplicant",
    r"""
network={
    ssid="⟦org⟧-Corp"
    key_mgmt=WPA-EAP
    eap=PEAP
    identity="⟦user⟧"
    password="⟦!pw⟧"
    phase2="auth=MSCHAPV2"
}
network={
    ssid="⟦org⟧-IoT"
    key_mgmt=NONE
}
""",
)
T(
    F,
    "openconnect and openfortivpn",
    r"""
$ echo '⟦!pw⟧' | sudo openconnect --protocol=⟨anyconnect|gp⟩ --user=⟦user⟧ --passwd-on-stdin vpn.⟦dom⟧
""",
)
T(
    F,
    "ngrok config add-authtoken",
    r"""
$ ngrok config add-authtoken ⟦!p(2%a26_%a21)⟧
Authtoken saved to configuration file: /home/⟦user⟧/.config/ngrok/ngrok.yml
""",
)

# ===========================================================================
# network device configs
# ===========================================================================
F = "network device configs"
T(
    F,
    "cisco ios running-config",
    r"""
hostname ⟦sh⟧
!
enable secret 9 ⟦!crypt(cisco9)⟧
!
username ⟦user⟧ privilege 15 password 7 ⟦!crypt(cisco7)⟧
!
""",
)
T(
    F,
    "cisco snmp tacacs radius",
    r"""
snmp-server community ⟦!pwa⟧ RO 10
tacacs server ISE-1
 address ipv4 ⟦ip⟧
radius server NPS
""",
)
T(
    F,
    "cisco asa tunnel-group",
    r"""
tunnel-group ⟦ip⟧ type ipsec-l2l
tunnel-group ⟦ip⟧ ipsec-attributes
 ikev1 pre-shared-key ⟦!pwa⟧
""",
)
T(
    F,
    "junos set commands",
    r"""
set system root-authentication encrypted-password "⟦!crypt(6)⟧"
set protocols bgp group TRANSIT neighbor ⟦ip⟧ authentication-key "⟦!crypt(junos)⟧"
""",
)
T(
    F,
    "arista eos",
    r"""
username admin privilege 15 role network-admin secret sha512 ⟦!crypt(6)⟧
username ⟦svc⟧ privilege 1 nopassword
management api http-commands
   no shutdown
""",
)
T(
    F,
    "mikrotik export",
    r"""
# ⟦tsc⟧ by RouterOS 7.⟦int(10,16)⟧
/interface wifi security
add authentication-types=wpa2-psk,wpa3-psk name=sec-⟦word⟧ passphrase=⟦!pww⟧
""",
)
T(
    F,
    "fortigate config",
    r"""
config system admin
    edit "admin"
        set accprofile "super_admin"
        set password ENC ⟦!p(SH2%b60=)⟧
    next
end
config vpn ipsec phase1-interface
    edit "to-⟨aws|branch|dc2⟩"
        set interface "wan1"
        set remote-gw ⟦ip⟧
    next
end
""",
)
T(
    F,
    "palo alto xml phash",
    r"""
<users>
  <entry name="admin">
    <phash>⟦!crypt(1)⟧</phash>
    <permissions><role-based><superuser>yes</superuser></role-based></permissions>
  </entry>
</users>
""",
)
T(
    F,
    "aruba cx and procurve",
    r"""
user admin group administrators password ciphertext ⟦!p(AQBapV%b120=)⟧
""",
)
T(
    F,
    "snmpd.conf v3",
    r"""
rocommunity ⟦!pwa⟧ 10.0.0.0/8
rouser ⟦svc⟧ priv
""",
)
T(
    F,
    "huawei vrp local-user",
    r"""
aaa
 local-user admin password irreversible-cipher ⟦!p($1c$%b50$)⟧
 local-user admin privilege level 15
 local-user admin service-type ssh terminal
""",
)

# ===========================================================================
# BMC, IPMI, hardware and storage
# ===========================================================================
F = "bmc hardware storage"
T(
    F,
    "ipmitool lanplus",
    r"""
$ ipmitool -I lanplus -H ⟦ip⟧ -U ⟨ADMIN|root|admin⟩ -P ⟦!pwa>rp⟧ chassis power status
Chassis Power is on
""",
)
T(
    F,
    "racadm remote",
    r"""
$ racadm -r ⟦ip⟧ -u root -p ⟦!pw⟧ getsysinfo
Security Alert: Certificate is invalid - self signed certificate
Continuing execution. Use -S option for racadm to stop execution on certificate-related errors.
RAC Information:
RAC Date/Time           = ⟦tsc⟧
Firmware Version        = ⟦ver⟧
""",
)
T(
    F,
    "hponcfg xml",
    r"""
<RIBCL VERSION="2.0">
  <LOGIN USER_LOGIN="Administrator" PASSWORD="⟦!pwa⟧">
    <USER_INFO MODE="write">
      <ADD_USER USER_NAME="⟦user⟧" USER_LOGIN="⟦user⟧" PASSWORD="⟦!pw⟧">
        <ADMIN_PRIV value="Y"/>
      </ADD_USER>
    </USER_INFO>
  </LOGIN>
</RIBCL>
""",
)
T(
    F,
    "nut upsd.users and upsmon",
    r"""
[upsmon]
    password = ⟦!pwa>rp⟧
    upsmon primary
# upsmon.conf
MONITOR ⟨apc|eaton⟩@localhost 1 upsmon ⟦<rp⟧ primary
""",
)
T(
    F,
    "iscsiadm chap",
    r"""
# iscsiadm -m node -T iqn.2005-10.org.freenas.ctl:⟦sh⟧ -p ⟦ip⟧ --op=update -n node.session.auth.authmethod -v CHAP
# iscsiadm -m node -T iqn.2005-10.org.freenas.ctl:⟦sh⟧ -p ⟦ip⟧ --op=update -n node.session.auth.username -v ⟦svc⟧
# iscsiadm -m node -T iqn.2005-10.org.freenas.ctl:⟦sh⟧ -p ⟦ip⟧ --op=update -n node.session.auth.password -v ⟦!p(%a14)⟧
""",
)
T(
    F,
    "powercli connect-viserver",
    r"""
PS C:\> Connect-VIServer -Server vcsa.⟦dom⟧ -User administrator@vsphere.local -Password '⟦!pw⟧'

Name                           Port  User
----                           ----  ----
vcsa.⟦dom⟧                 443   VSPHERE.LOCAL\Administrator
""",
)
T(
    F,
    "proxmox api token",
    r"""
$ curl -s -H 'Authorization: PVEAPIToken=root@pam!⟨ci|terraform|backup⟩=⟦!uuid⟧' https://⟦ip⟧:8006/api2/json/nodes | jq -r '.data[].node'
⟦sh⟧
""",
)
# ===========================================================================
# connection strings and DSNs
# ===========================================================================
F = "connection strings"
T(
    F,
    "jdbc postgres params",
    r"""
⟦tsj⟧ INFO  [main] c.z.h.HikariDataSource - HikariPool-1 - Starting... url=jdbc:postgresql://⟦h(pg)⟧:5432/⟦db⟧?user=⟦svc⟧&password=⟦!pws⟧&ssl=true&sslmode=verify-full
""",
)
T(
    F,
    "jdbc oracle thin userinfo",
    r"""
ORACLE_URL=jdbc:oracle:thin:⟦svc⟧/⟦!pws⟧@//⟦h(db)⟧:1521/⟨ORCLPDB1|FINPROD|XEPDB1⟩
""",
)
T(
    F,
    "odbc connection string braces",
    r"""
conn_str = "Driver={ODBC Driver 18 for SQL Server};Server=tcp:⟦org⟧-sql.database.windows.net,1433;Database=⟦db⟧;Uid=⟦svc⟧;Pwd={⟦!pwx⟧};Encrypt=yes;TrustServerCertificate=no;Connection Timeout=30;"
""",
)
T(
    F,
    "ado.net and npgsql",
    r"""
"Reporting": "Host=⟦h(pg)⟧;Port=5432;Database=⟦db⟧;Username=⟦svc⟧;Password=⟦!pw⟧;SSL Mode=Require;Trust Server Certificate=true",
""",
)
T(
    F,
    "sqlalchemy urls",
    r"""
>>> engine = create_engine("⟨postgresql+psycopg2|mysql+pymysql|mssql+pyodbc⟩://⟦svc⟧:⟦!pws>rp⟧@⟦h(db)⟧/⟦db⟧", echo=True)
>>> engine.url.render_as_string(hide_password=False)
'⟨postgresql+psycopg2|mysql+pymysql|mssql+pyodbc⟩://⟦svc⟧:⟦<rp⟧@⟦h(db)⟧/⟦db⟧'
""",
)
T(
    F,
    "mongodb srv uri",
    r"""
MONGODB_URI="mongodb+srv://⟦svc⟧:⟦!pws⟧@⟨cluster0|prod-shard|analytics⟩.⟦p(%l5)⟧.mongodb.net/⟦db⟧?retryWrites=true&w=majority&appName=⟦app⟧"
""",
)
T(
    F,
    "amqp url",
    r"""
⟦tss⟧ [celery] broker_url=amqps://⟦svc⟧:⟦!pws⟧@⟦h(mq)⟧:5671/⟨prod|%2F|orders⟩ result_backend=rpc://
""",
)
T(
    F,
    "redis urls with and without user",
    r"""
CACHE_URL=redis://:⟦!pwa⟧@⟦h(redis)⟧:6379/0
""",
)
T(
    F,
    "cifs fstab and credentials file",
    r"""
# /etc/fstab
//⟦sh⟧/⟨public|groups|scans⟩  /mnt/⟨public|groups|scans⟩  cifs  username=⟦svc⟧,password=⟦!pws⟧,domain=⟨CORP|ACME⟩,iocharset=utf8,_netdev  0  0
//⟦sh()⟧/backup  /mnt/backup  cifs  credentials=/root/.smbcred,vers=3.1.1  0  0
""",
)
T(
    F,
    "azure storage connection string",
    r"""
AZURE_STORAGE_CONNECTION_STRING="DefaultEndpointsProtocol=https;AccountName=⟦org⟧⟦p(%l6)⟧;AccountKey=⟦!b64b(64)⟧;EndpointSuffix=core.windows.net"
""",
)
T(
    F,
    "azure service bus connection string",
    r"""
"ServiceBus": "Endpoint=sb://⟦org⟧-⟨prod|events⟩.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=⟦!b64b(32)⟧"
""",
)
T(
    F,
    "ftp sftp webdav urls",
    r"""
lftp -e 'mirror -R ./dist /htdocs; quit' ftp://⟦user⟧:⟦!pws⟧@⟦h(web)⟧
""",
)
T(
    F,
    "url-encoded password in dsn",
    r"""
DATABASE_URL=postgresql://⟦svc⟧:⟦~pwx>p⟧⟦!urle(<p)⟧@⟦h(pg)⟧:5432/⟦db⟧?sslmode=require
""",
)
T(
    F,
    "sqlplus ezconnect",
    r"""
$ sqlplus ⟦svc⟧/"⟦!pw⟧"@⟦h(db)⟧:1521/⟨ORCL|FINPRD|HRPDB⟩

SQL*Plus: Release 19.0.0.0.0 - Production on ⟦tsc⟧
Version 19.22.0.0.0
Connected to:
Oracle Database 19c Enterprise Edition Release 19.0.0.0.0 - Production
""",
)
T(
    F,
    "rtsp camera urls",
    r"""
# go2rtc.yaml
streams:
  ⟨entrance|parking|lobby⟩: rtsp://admin:⟦!pws⟧@⟦ip⟧:554/Streaming/Channels/101
""",
)
T(
    F,
    "git remote with token",
    r"""
$ git remote -v
origin	https://⟦user⟧:⟦!p(ghp_%a36)>rp⟧@github.com/⟦org⟧/⟦app⟧.git (fetch)
origin	https://⟦user⟧:⟦<rp⟧@github.com/⟦org⟧/⟦app⟧.git (push)
""",
)

# ===========================================================================
# HTTP traces and debugging proxies
# ===========================================================================
F = "http traces"
T(
    F,
    "curl -v basic and set-cookie",
    r"""
*   Trying ⟦ip⟧:443...
* Connected to ⟦h(api)⟧ (⟦ip⟧) port 443
* SSL connection using TLSv1.3 / TLS_AES_256_GCM_SHA384
> GET /api/v1/status HTTP/2
> Host: ⟦h(api)⟧
> Authorization: Basic ⟦~svc>u⟧⟦~pws>p⟧⟦!b64e(<u,:,<p)⟧
> User-Agent: curl/8.5.0
>
< HTTP/2 200
< content-type: application/json
""",
)
T(
    F,
    "curl -v bearer and api key",
    r"""
> POST /v2/messages HTTP/1.1
> Host: ⟦h(api)⟧
> User-Agent: curl/7.81.0
> Accept: */*
> Authorization: Bearer ⟦!jwt⟧
> Content-Type: application/json
> Content-Length: ⟦int(40,400)⟧
>
< HTTP/1.1 401 Unauthorized
""",
)
T(
    F,
    "wget debug request",
    r"""
---request begin---
GET /nexus/repository/raw-internal/tools/⟦app⟧-⟦ver⟧.tar.gz HTTP/1.1
Host: ⟦h(build)⟧
User-Agent: Wget/1.21.2
Accept: */*
Authorization: Basic ⟦~svc>u⟧⟦~pw>p⟧⟦!b64e(<u,:,<p)⟧
Connection: Keep-Alive

---request end---
HTTP request sent, awaiting response...
""",
)
T(
    F,
    "httpie verbose json body",
    r"""
$ http -v POST https://⟦h(api)⟧/auth/login username=⟦user⟧ password='⟦!pw>rp⟧'
POST /auth/login HTTP/1.1
Accept: application/json, */*;q=0.5
Content-Type: application/json
Host: ⟦h(api)⟧
User-Agent: HTTPie/3.2.2

{
    "password": "⟦<rp⟧",
    "username": "⟦user⟧"
}
""",
)
T(
    F,
    "har entry",
    r"""
        "request": {
          "method": "POST",
          "url": "https://login.⟦dom⟧/oauth/token",
          "headers": [
            { "name": "content-type", "value": "application/x-www-form-urlencoded" },
            { "name": "authorization", "value": "Basic ⟦~p(%a20)>ci⟧⟦~p(%a40)>cs⟧⟦!b64e(<ci,:,<cs)⟧" }
          ],
          "postData": {
            "mimeType": "application/x-www-form-urlencoded",
            "text": "grant_type=password&username=⟦user⟧&password=⟦!pws⟧&scope=openid"
          }
        },
""",
)
T(
    F,
    "mitmdump flow",
    r"""
⟦ip⟧:⟦port⟧: POST https://api.⟦dom⟧/oauth2/token
    Content-Type: application/x-www-form-urlencoded
    client_id=⟦p(%a24)⟧&client_secret=⟦!p(%a40)⟧&grant_type=client_credentials
 << 200 OK 1.2k
""",
)
T(
    F,
    "burp raw request cookies",
    r"""
GET /account/settings HTTP/2
Host: ⟦h(app)⟧
Cookie: _ga=GA1.2.⟦int(100000000,999999999)⟧.⟦epoch⟧; JSESSIONID=⟦!p(%H32)⟧; theme=light
Sec-Fetch-Site: same-origin
""",
)
T(
    F,
    "python http.client debuglevel",
    r"""
send: b'GET /repos/⟦org⟧/⟦app⟧/actions/runs?per_page=5 HTTP/1.1\r\nHost: api.github.com\r\nUser-Agent: python-requests/2.32.3\r\nAccept-Encoding: gzip, deflate\r\nAccept: application/vnd.github+json\r\nConnection: keep-alive\r\nAuthorization: token ⟦!p(ghp_%a36)⟧\r\n\r\n'
reply: 'HTTP/1.1 200 OK\r\n'
header: Date: ⟦tsc⟧
""",
)
T(
    F,
    "urllib3 debug query key",
    r"""
⟦tsj⟧ DEBUG urllib3.connectionpool: Starting new HTTPS connection (1): maps.googleapis.com:443
⟦tsj⟧ DEBUG urllib3.connectionpool: https://maps.googleapis.com:443 "GET /maps/api/geocode/json?address=⟦word⟧&key=⟦!p(AIza%B35)⟧ HTTP/1.1" 200 None
""",
)
T(
    F,
    "okhttp logging interceptor",
    r"""
D/OkHttp: --> POST https://api.⟦dom⟧/v1/session
D/OkHttp: Content-Type: application/json; charset=utf-8
D/OkHttp: Content-Length: ⟦int(50,90)⟧
D/OkHttp: {"email":"⟦email⟧","password":"⟦!pw⟧","device":"android"}
D/OkHttp: --> END POST (⟦int(50,90)⟧-byte body)
D/OkHttp: <-- 200 https://api.⟦dom⟧/v1/session (⟦int(80,900)⟧ms)
D/OkHttp: {"mfa_required":true,"methods":["totp","sms"]}
""",
)
T(
    F,
    "node axios error dump",
    r"""
AxiosError: Request failed with status code 403
    at settle (/app/node_modules/axios/dist/node/axios.cjs:1983:12)
  config: {
    url: 'https://api.⟦dom⟧/v2/invoices',
    method: 'get',
    headers: Object [AxiosHeaders] {
      Accept: 'application/json, text/plain, */*',
      Authorization: 'Bearer ⟦!p(%a48)⟧',
      'User-Agent': 'axios/1.7.2'
    },
  },
""",
)
T(
    F,
    "chrome copy as curl",
    r"""
curl 'https://⟦h(app)⟧/api/graphql' \
  -H 'accept: */*' \
  -H 'content-type: application/json' \
  -b 'sid=⟦!p(s%%3A%B32.%B43)⟧; theme=dark' \
  -H 'x-csrf-token: ⟦p(%a24)⟧' \
  --data-raw '{"operationName":"Me","variables":{},"query":"query Me { me { id } }"}'
""",
)

# ===========================================================================
# access logs, webhook URLs and links
# ===========================================================================
F = "access logs and urls"
T(
    F,
    "nginx combined query token",
    r"""
⟦ip⟧ - - [⟦tsa⟧] "GET /api/v2/export?access_token=⟦!p(%a40)⟧&format=csv HTTP/1.1" 200 ⟦int(1000,900000)⟧ "-" "python-requests/2.31.0"
⟦ip()⟧ - - [⟦tsa⟧] "GET /healthz HTTP/1.1" 200 2 "-" "kube-probe/1.29"
""",
)
T(
    F,
    "apache reset password link",
    r"""
⟦ip⟧ - - [⟦tsa⟧] "GET /account/reset-password?token=⟦!p(%h64)⟧&email=⟦~email>e⟧⟦urle(<e)⟧ HTTP/1.1" 200 5120 "https://mail.google.com/" "Mozilla/5.0 (Windows NT 10.0; Win64; x64)"
""",
)
T(
    F,
    "slack webhook url",
    r"""
⟦tss⟧ ERROR alert-forwarder: POST https://hooks.slack.com/services/T⟦p(%u10)⟧/B⟦p(%u10)⟧/⟦!p(%a24)⟧ failed: 404 no_service
""",
)
T(
    F,
    "discord webhook url",
    r"""
DISCORD_WEBHOOK=https://discord.com/api/webhooks/⟦p(%d19)⟧/⟦!p(%B68)⟧
""",
)
T(
    F,
    "teams incoming webhook",
    r"""
teams_url: "https://⟦org⟧.webhook.office.com/webhookb2/⟦uuid⟧@⟦uuid⟧/IncomingWebhook/⟦!p(%h32)⟧/⟦uuid⟧/V2⟦!p(%B43)⟧"
""",
)
T(
    F,
    "s3 presigned url",
    r"""
download: https://⟦org⟧-exports.s3.⟦region⟧.amazonaws.com/reports/⟦date⟧.csv?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA⟦p(%u16)⟧%2F⟦ymd⟧%2F⟦region⟧%2Fs3%2Faws4_request&X-Amz-Date=⟦amzdate⟧&X-Amz-Expires=3600&X-Amz-Signature=⟦!p(%h64)⟧&X-Amz-SignedHeaders=host
""",
)
T(
    F,
    "azure sas url",
    r"""
⟦ts⟧ INFO uploading backup to https://⟦org⟧backup.blob.core.windows.net/sql/⟦db⟧.bak?sv=2022-11-02&ss=b&srt=sco&sp=rwdlac&se=⟦date⟧T23:59:59Z&st=⟦date⟧T00:00:00Z&spr=https&sig=⟦~b64b(32)>s⟧⟦!urle(<s)⟧
""",
)
T(
    F,
    "magic link email log",
    r"""
⟦tss⟧ INFO mailer: sent magic link to ⟦email⟧: https://app.⟦dom⟧/auth/magic?token=⟦!p(%B48)⟧&redirect=%2Fdashboard
""",
)
T(
    F,
    "haproxy captured authorization",
    r"""
⟦tsl⟧ ⟦sh⟧ haproxy[⟦pid⟧]: ⟦ip⟧:⟦port⟧ [⟦tsa⟧] fe_https~ be_api/api⟦int(1,4)⟧ 0/0/1/12/13 200 512 - - ---- 10/10/2/1/0 0/0 {⟦h(api)⟧|Basic ⟦~svc>u⟧⟦~pws>p⟧⟦!b64e(<u,:,<p)⟧} "GET /v1/ping HTTP/1.1"
""",
)
T(
    F,
    "traefik json oauth code",
    r"""
{"ClientHost":"⟦ip⟧","DownstreamStatus":302,"Duration":⟦int(1000000,90000000)⟧,"RequestMethod":"GET","RequestPath":"/oauth2/callback?code=⟦!p(4/0A%B60)⟧&state=⟦p(%h32)⟧","RouterName":"oauth2-proxy@docker","level":"info","time":"⟦ts⟧"}
""",
)
T(
    F,
    "telegram bot api url",
    r"""
⟦tss⟧ WARNING telegram: HTTPSConnectionPool(host='api.telegram.org', port=443): Read timed out. (url: https://api.telegram.org/bot⟦!p(%d10:AA%B33)⟧/sendMessage?chat_id=-100⟦p(%d10)⟧)
""",
)
T(
    F,
    "jupyter server startup url",
    r"""
[I ⟦tss⟧.⟦int(100,999)⟧ ServerApp] Jupyter Server 2.⟦int(10,14)⟧.0 is running at:
[I ⟦tss⟧.⟦int(100,999)⟧ ServerApp] http://⟦sh⟧:8888/lab?token=⟦!p(%h48)>rp⟧
[I ⟦tss⟧.⟦int(100,999)⟧ ServerApp]     http://127.0.0.1:8888/lab?token=⟦<rp⟧
""",
)

# ===========================================================================
# protocol transcripts
# ===========================================================================
F = "protocol transcripts"
T(
    F,
    "smtp auth login",
    r"""
S: 220 ⟦h(smtp)⟧ ESMTP Postfix
C: EHLO ⟦sh⟧
S: 250-⟦h(smtp)⟧
S: 250 AUTH PLAIN LOGIN
C: AUTH LOGIN
S: 334 VXNlcm5hbWU6
C: ⟦~email>u⟧⟦b64e(<u)⟧
S: 334 UGFzc3dvcmQ6
C: ⟦~pw>p⟧⟦!b64e(<p)⟧
S: 235 2.7.0 Authentication successful
""",
)
T(
    F,
    "swaks auth plain",
    r"""
=== Trying ⟦h(smtp)⟧:587...
=== Connected to ⟦h(smtp)⟧.
<-  220 ⟦h(smtp)⟧ ESMTP
 -> EHLO ⟦sh⟧
<-  250-AUTH PLAIN LOGIN
 -> STARTTLS
=== TLS started with cipher TLSv1.3:TLS_AES_256_GCM_SHA384:256
 ~> AUTH PLAIN ⟦~email>u⟧⟦~pws>p⟧⟦!saslplain(<u,<p)⟧
<~  235 2.7.0 Authentication successful
""",
)
T(
    F,
    "openssl s_client imap login",
    r"""
$ openssl s_client -connect ⟦h(mail)⟧:993 -crlf -quiet
depth=2 C = US, O = Internet Security Research Group, CN = ISRG Root X1
* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE AUTH=PLAIN] Dovecot ready.
a1 LOGIN ⟦email⟧ ⟨"⟦!pw⟧"|⟦!pwa⟧⟩
a1 OK [CAPABILITY IMAP4rev1] Logged in
a2 LIST "" "*"
""",
)
T(
    F,
    "pop3 telnet",
    r"""
+OK Dovecot ready.
USER ⟦user⟧
+OK
PASS ⟦!pw⟧
+OK Logged in.
STAT
+OK ⟦int(1,90)⟧ ⟦int(10000,999999)⟧
""",
)
T(
    F,
    "curl -v ftp",
    r"""
* Connected to ⟦h(fs)⟧ (⟦ip⟧) port 21
< 220 (vsFTPd 3.0.5)
> USER ⟦svc⟧
< 331 Please specify the password.
> PASS ⟦!pws⟧
< 230 Login successful.
> PWD
< 257 "/home/⟦svc⟧" is the current directory
""",
)
T(
    F,
    "redis-cli auth",
    r"""
$ redis-cli -h ⟦h(redis)⟧ -a '⟦!pw⟧' ping
Warning: Using a password with '-a' or '-u' option on the command line interface may not be safe.
PONG
""",
)
T(
    F,
    "mysql cli warning",
    r"""
$ mysql -h ⟦h(mysql)⟧ -u root -p⟦!pw⟧ -e 'SHOW REPLICA STATUS\G' | grep Running
mysql: [Warning] Using a password on the command line interface can be insecure.
           Replica_IO_Running: Yes
          Replica_SQL_Running: Yes
""",
)
T(
    F,
    "radtest",
    r"""
$ radtest ⟦user⟧ ⟦!pw>rp⟧ ⟦ip⟧ 0 ⟦!pwa⟧
Sent Access-Request Id ⟦int(1,255)⟧ from 0.0.0.0:⟦port⟧ to ⟦ip⟧:1812 length ⟦int(60,90)⟧
	User-Name = "⟦user⟧"
	User-Password = "⟦<rp⟧"
	NAS-IP-Address = ⟦ip()⟧
Received Access-Accept Id ⟦int(1,255)⟧ from ⟦ip⟧:1812 to 0.0.0.0:0 length 20
""",
)
T(
    F,
    "radiusd -X debug",
    r"""
(⟦int(0,40)>rq⟧) Received Access-Request Id ⟦int(1,255)⟧ from ⟦ip⟧:⟦port⟧ to ⟦ip()⟧:1812 length ⟦int(80,200)⟧
(⟦<rq⟧)   User-Name = "⟦user⟧"
(⟦<rq⟧)   User-Password = "⟦!pw>rp⟧"
(⟦<rq⟧)   NAS-Port-Type = Wireless-802.11
(⟦<rq⟧) pap: Login attempt with password "⟦<rp⟧"
""",
)
T(
    F,
    "snmpget v3 authpriv",
    r"""
$ snmpget -v3 -l authPriv -u ⟦svc⟧ -a SHA -A '⟦!pw⟧' -x AES -X '⟦!pwa⟧' ⟦ip⟧ SNMPv2-MIB::sysName.0
SNMPv2-MIB::sysName.0 = STRING: ⟦sh⟧
""",
)
T(
    F,
    "kinit and krb5 trace",
    r"""
$ echo '⟦!pw⟧' | KRB5_TRACE=/dev/stdout kinit ⟦user⟧@⟨CORP|ACME⟩.⟨LOCAL|LAN⟩
[⟦pid⟧] ⟦epoch⟧.⟦int(100000,999999)⟧: Getting initial credentials for ⟦user⟧@⟨CORP|ACME⟩.⟨LOCAL|LAN⟩
[⟦pid⟧] ⟦epoch⟧.⟦int(100000,999999)⟧: Sending request (⟦int(150,250)⟧ bytes) to ⟨CORP|ACME⟩.⟨LOCAL|LAN⟩
Password for ⟦user⟧@⟨CORP|ACME⟩.⟨LOCAL|LAN⟩:
""",
)
T(
    F,
    "tshark credentials tap",
    r"""
$ tshark -r capture.pcapng -q -z credentials
===================================================================
Packet     Protocol         Username         Info
------     --------         --------         --------
⟦int(10,9999)⟧       FTP              ⟦svc⟧             Password: ⟦!pws⟧
===================================================================
""",
)
# ===========================================================================
# database clients and SQL
# ===========================================================================
F = "database clients and sql"
T(
    F,
    "mysql create user",
    r"""
mysql> CREATE USER '⟦svc⟧'@'%' IDENTIFIED BY '⟦!pw⟧';
Query OK, 0 rows affected (0.02 sec)

mysql> GRANT SELECT, INSERT, UPDATE ON ⟦db⟧.* TO '⟦svc⟧'@'%';
Query OK, 0 rows affected (0.01 sec)
""",
)
T(
    F,
    "postgres create role psql",
    r"""
⟦db⟧=# CREATE ROLE ⟦svc⟧ WITH LOGIN PASSWORD '⟦!pw⟧' VALID UNTIL '2027-06-30';
CREATE ROLE
""",
)
T(
    F,
    "postgres server log statement",
    r"""
⟦tss⟧.⟦int(100,999)⟧ UTC [⟦pid⟧] ⟦svc⟧@⟦db⟧ LOG:  statement: ALTER USER ⟦svc⟧ WITH ENCRYPTED PASSWORD '⟦!pw⟧';
⟦tss⟧.⟦int(100,999)⟧ UTC [⟦pid⟧] ⟦svc⟧@⟦db⟧ LOG:  duration: 3.118 ms
""",
)
T(
    F,
    "mssql create login",
    r"""
1> CREATE LOGIN [⟦svc⟧] WITH PASSWORD = N'⟦!pw⟧', CHECK_POLICY = OFF, DEFAULT_DATABASE = [⟦db⟧];
2> GO
""",
)
T(
    F,
    "oracle sqlplus alter user",
    r"""
SQL> ALTER USER ⟦svc⟧ IDENTIFIED BY "⟦!pw⟧" ACCOUNT UNLOCK;

User altered.

""",
)
T(
    F,
    "mongosh createUser",
    r"""
admin> db.createUser({ user: "⟦svc⟧", pwd: "⟦!pw⟧", roles: [ { role: "readWrite", db: "⟦db⟧" } ] })
{ ok: 1 }
""",
)
T(
    F,
    "mysql slow query log",
    r"""
# Time: ⟦tsn⟧
# User@Host: ⟦svc⟧[⟦svc⟧] @ ⟦h(app)⟧ [⟦ip⟧]  Id: ⟦int(1000,99999)⟧
# Query_time: ⟦int(2,30)⟧.⟦int(100000,999999)⟧  Lock_time: 0.000041 Rows_sent: 0  Rows_examined: ⟦int(10000,9000000)⟧
SET timestamp=⟦epoch⟧;
UPDATE users SET api_token='⟦!p(%h40)⟧', updated_at=NOW() WHERE email='⟦email⟧';
""",
)
T(
    F,
    "sql dump insert",
    r"""
INSERT INTO `oauth_clients` (`id`, `name`, `secret`, `redirect`, `revoked`) VALUES
(1,'⟦app⟧ Personal Access Client','⟦!p(%a40)⟧','http://localhost',0);
""",
)
T(
    F,
    "snowflake stage credentials",
    r"""
CREATE OR REPLACE STAGE raw_events
  URL = 's3://⟦org⟧-events/raw/'
  CREDENTIALS = (AWS_KEY_ID = 'AKIA⟦p(%u16)⟧' AWS_SECRET_KEY = '⟦!awssk⟧')
  FILE_FORMAT = (TYPE = JSON);
""",
)
T(
    F,
    "pg_authid hashes",
    r"""
postgres=# SELECT rolname, rolpassword FROM pg_authid WHERE rolcanlogin;
   rolname   |                                                              rolpassword
-------------+---------------------------------------------------------------------------------------------------------------------------------------
 postgres    | ⟦!crypt(scram)⟧
(1 row)
""",
)
T(
    F,
    "oracle create user error",
    r"""
SQL> CREATE USER app_ro IDENTIFIED BY ⟦!pwd>rp⟧ DEFAULT TABLESPACE users;
CREATE USER app_ro IDENTIFIED BY ⟦<rp⟧ DEFAULT TABLESPACE users
                                 *
ERROR at line 1:
ORA-28003: password verification for the specified password failed
ORA-20000: password must contain at least 1 special character
""",
)

# ===========================================================================
# stack traces and crash dumps
# ===========================================================================
F = "stack traces and crash dumps"
T(
    F,
    "python traceback requests url",
    r"""
Traceback (most recent call last):
  File "/srv/⟦app⟧/sync.py", line ⟦int(20,400)⟧, in fetch_orders
    resp = session.get(url, timeout=10)
  File "/usr/lib/python3/dist-packages/requests/adapters.py", line 519, in send
    raise ConnectionError(e, request=request)
requests.exceptions.ConnectionError: HTTPSConnectionPool(host='api.⟦dom⟧', port=443): Max retries exceeded with url: /v1/orders?since=⟦date⟧&api_key=⟦!p(%h32)⟧ (Caused by NewConnectionError('<urllib3.connection.HTTPSConnection object at 0x7f⟦p(%h10)⟧>: Failed to establish a new connection: [Errno 111] Connection refused'))
""",
)
T(
    F,
    "django debug local vars",
    r"""
Traceback (most recent call last):
  File "/app/accounts/views.py", line ⟦int(40,300)⟧, in login_view
    user = backend.authenticate(request, username=username, password=password)
Local vars:
  request      <WSGIRequest: POST '/accounts/login/'>
  username     '⟦user⟧'
  password     '⟦!pw⟧'
  backend      <accounts.backends.LdapBackend object at 0x7f⟦p(%h10)⟧>
""",
)
T(
    F,
    "spring bind failure value",
    r"""
***************************
APPLICATION FAILED TO START
***************************

Description:

Failed to bind properties under 'spring.datasource.password' to java.lang.String:

    Property: spring.datasource.password
    Value: "⟦!pw⟧"
    Origin: System Environment Property "SPRING_DATASOURCE_PASSWORD"
    Reason: org.springframework.core.convert.ConverterNotFoundException
""",
)
T(
    F,
    "go panic struct print",
    r"""
⟦ts⟧ FATAL config loaded: &{Listen::8080 DB:{Host:⟦h(pg)⟧ Port:5432 User:⟦svc⟧ Password:⟦!pw⟧ Name:⟦db⟧} Redis:{Addr:⟦h(redis)⟧:6379 Password:}}
panic: dial tcp ⟦ip⟧:5432: connect: connection refused

goroutine 1 [running]:
main.mustConnect(...)
	/src/cmd/server/main.go:⟦int(30,300)⟧
main.main()
	/src/cmd/server/main.go:⟦int(30,300)⟧ +0x⟦p(%h3)⟧
exit status 2
""",
)
T(
    F,
    "node unhandled rejection mongo",
    r"""
node:internal/process/promises:289
            triggerUncaughtException(err, true /* fromPromise */);
            ^

MongoServerError: bad auth : authentication failed
    at Connection.onMessage (/app/node_modules/mongodb/lib/cmap/connection.js:207:30) {
  ok: 0,
  code: 8000,
  codeName: 'AtlasError',
  connectionGeneration: 0,
  [Symbol(errorLabels)]: Set(2) { 'HandshakeError', 'ResetPool' }
}
Node.js v20.⟦int(5,18)⟧.0
[nodemon] app crashed - MONGO_URL was mongodb+srv://⟦svc⟧:⟦!pws⟧@cluster0.⟦p(%l5)⟧.mongodb.net/⟦db⟧
""",
)
T(
    F,
    "dotnet exception with connection string",
    r"""
fail: Microsoft.EntityFrameworkCore.Database.Connection[20004]
      An error occurred using the connection to database '⟦db⟧' on server '⟦h(db)⟧'.
      ConnectionString: Server=⟦h(db)⟧;Database=⟦db⟧;User Id=⟦svc⟧;Password=⟦!pw⟧;
Microsoft.Data.SqlClient.SqlException (0x80131904): Login failed for user '⟦svc⟧'.
   at Microsoft.Data.SqlClient.SqlInternalConnection.OnError(SqlException exception, Boolean breakConnection, Action`1 wrapCloseInAction)
""",
)
T(
    F,
    "rust debug output unwrap",
    r"""
thread 'main' panicked at src/main.rs:⟦int(10,200)⟧:⟦int(5,60)⟧:
called `Result::unwrap()` on an `Err` value: Settings { database_url: "postgres://⟦svc⟧:⟦!pws⟧@⟦h(pg)⟧/⟦db⟧", api_token: Secret([REDACTED alloc::string::String]), listen: ⟦ip⟧:8080, .. }
note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace
""",
)
T(
    F,
    "php pdo stack trace args",
    r"""
PHP Fatal error:  Uncaught PDOException: SQLSTATE[HY000] [1045] Access denied for user '⟦svc⟧'@'⟦ip⟧' (using password: YES) in /var/www/html/lib/Db.php:⟦int(10,90)⟧
Stack trace:
#0 /var/www/html/lib/Db.php(⟦int(10,90)⟧): PDO->__construct('mysql:host=⟦h(mysql)⟧;dbname=⟦db⟧', '⟦svc⟧', '⟦!pw⟧')
#1 /var/www/html/index.php(7): Db::connect()
#2 {main}
  thrown in /var/www/html/lib/Db.php on line ⟦int(10,90)⟧
""",
)
T(
    F,
    "strings core dump",
    r"""
$ strings -n 8 core.⟦app⟧.⟦pid⟧ | grep -iE 'pass|secret|token' | head
PGPASSWORD=⟦!pw⟧
password_hash
""",
)
T(
    F,
    "gdb backtrace args",
    r"""
(gdb) bt
#0  0x00007f⟦p(%h10)⟧ in __pthread_kill_implementation () from /lib64/libc.so.6
#1  0x00007f⟦p(%h10)⟧ in raise () from /lib64/libc.so.6
#2  0x000055⟦p(%h10)⟧ in db_login (conn=0x55⟦p(%h10)⟧, user=0x55⟦p(%h10)⟧ "⟦svc⟧", password=0x55⟦p(%h10)⟧ "⟦!pw⟧") at src/db.c:⟦int(50,400)⟧
#3  0x000055⟦p(%h10)⟧ in main (argc=3, argv=0x7ffd⟦p(%h8)⟧) at src/main.c:⟦int(10,90)⟧
""",
)
T(
    F,
    "android logcat fatal",
    r"""
⟦date⟧ ⟦hms⟧.⟦int(100,999)⟧ ⟦pid⟧ ⟦pid⟧ E AndroidRuntime: FATAL EXCEPTION: OkHttp Dispatcher
⟦date⟧ ⟦hms⟧.⟦int(100,999)⟧ ⟦pid⟧ ⟦pid⟧ E AndroidRuntime: retrofit2.HttpException: HTTP 401 for https://api.⟦dom⟧/v1/feed?client_secret=⟦!p(%a32)⟧
⟦date⟧ ⟦hms⟧.⟦int(100,999)⟧ ⟦pid⟧ ⟦pid⟧ E AndroidRuntime: 	at com.⟦org⟧.app.data.FeedRepository.load(FeedRepository.kt:⟦int(20,90)⟧)
""",
)
T(
    F,
    "perl confess args",
    r"""
login failed at /opt/⟦app⟧/lib/Auth.pm line ⟦int(20,200)⟧.
	Auth::login(Auth=HASH(0x55⟦p(%h8)⟧), "⟦svc⟧", "⟦!pw⟧") called at /opt/⟦app⟧/bin/sync.pl line ⟦int(10,90)⟧
	main::run() called at /opt/⟦app⟧/bin/sync.pl line 12
""",
)
T(
    F,
    "pydantic validation error",
    r"""
pydantic_core._pydantic_core.ValidationError: 1 validation error for Settings
database_url
  Input should be a valid URL, invalid port number [type=url_parsing, input_value='postgresql://⟦svc⟧:⟦!pws⟧@⟦h(pg)⟧:54a2/⟦db⟧', input_type=str]
    For further information visit https://errors.pydantic.dev/2.9/v/url_parsing
""",
)
T(
    F,
    "sentry-style local variables",
    r"""
  File "/srv/⟦app⟧/billing/charge.py", line ⟦int(30,300)⟧, in charge
    stripe.Charge.create(amount=amount, currency="eur", customer=customer_id, api_key=key)
    amount = ⟦int(100,99999)⟧
    customer_id = 'cus_⟦p(%a14)⟧'
    key = '⟦!p(sk_live_%a24)⟧'
stripe.error.CardError: Your card was declined.
""",
)

# ===========================================================================
# cloud CLIs and SDK output
# ===========================================================================
F = "cloud cli and sdk"
T(
    F,
    "aws sts assume-role",
    r"""
$ aws sts assume-role --role-arn arn:aws:iam::⟦p(%d12)⟧:role/⟦app⟧-deploy --role-session-name ci
{
    "Credentials": {
        "AccessKeyId": "ASIA⟦p(%u16)⟧",
        "SecretAccessKey": "⟦!awssk⟧",
        "SessionToken": "⟦!awsst⟧",
        "Expiration": "⟦ts⟧"
    },
    "AssumedRoleUser": {
        "AssumedRoleId": "AROA⟦p(%u17)⟧:ci",
        "Arn": "arn:aws:sts::⟦p(%d12)⟧:assumed-role/⟦app⟧-deploy/ci"
    }
}
""",
)
T(
    F,
    "aws iam create-access-key",
    r"""
$ aws iam create-access-key --user-name ⟦svc⟧
{
    "AccessKey": {
        "UserName": "⟦svc⟧",
        "AccessKeyId": "AKIA⟦p(%u16)⟧",
        "Status": "Active",
        "SecretAccessKey": "⟦!awssk⟧",
        "CreateDate": "⟦ts⟧"
    }
}
""",
)
T(
    F,
    "aws ssm get-parameter",
    r"""
$ aws ssm get-parameter --name /⟦app⟧/prod/db_password --with-decryption --query Parameter
{
    "Name": "/⟦app⟧/prod/db_password",
    "Type": "SecureString",
    "Value": "⟦!pw⟧",
    "Version": ⟦int(1,30)⟧,
    "LastModifiedDate": "⟦ts⟧"
}
""",
)
T(
    F,
    "gcloud print-access-token",
    r"""
$ gcloud auth print-access-token --impersonate-service-account=⟦app⟧@⟦org⟧-prod.iam.gserviceaccount.com
WARNING: This command is using service account impersonation. All API calls will be executed as [⟦app⟧@⟦org⟧-prod.iam.gserviceaccount.com].
⟦!p(ya29.c.c0AY_VpZ%B180)⟧
""",
)
T(
    F,
    "gcloud adc json",
    r"""
$ cat ~/.config/gcloud/application_default_credentials.json
{
  "account": "",
  "client_id": "⟦p(%d12)⟧-⟦p(%l32)⟧.apps.googleusercontent.com",
  "client_secret": "⟦!p(GOCSPX-%B28)⟧",
  "quota_project_id": "⟦org⟧-dev",
  "refresh_token": "⟦!p(1//0%B100)⟧",
  "type": "authorized_user"
}
""",
)
T(
    F,
    "gcp service account key json",
    r"""
{
  "type": "service_account",
  "project_id": "⟦org⟧-⟨prod|data|ml⟩",
  "private_key_id": "⟦p(%h40)⟧",
  "private_key": "⟦pem(PRIVATE KEY,8,j)⟧",
  "client_email": "⟦app⟧@⟦org⟧-prod.iam.gserviceaccount.com",
  "client_id": "⟦p(%d21)⟧",
  "token_uri": "https://oauth2.googleapis.com/token"
}
""",
)
T(
    F,
    "az ad sp create-for-rbac",
    r"""
$ az ad sp create-for-rbac --name ⟦app⟧-github --role contributor --scopes /subscriptions/⟦uuid>sub⟧/resourceGroups/⟦app⟧-rg
Creating 'contributor' role assignment under scope '/subscriptions/⟦<sub⟧/resourceGroups/⟦app⟧-rg'
The output includes credentials that you must protect. Be sure that you do not include these credentials in your code or check the credentials into your source control.
{
  "appId": "⟦uuid⟧",
  "displayName": "⟦app⟧-github",
  "password": "⟦!p(%a3%d1Q~%B31)⟧",
  "tenant": "⟦uuid⟧"
}
""",
)
T(
    F,
    "az storage account keys list",
    r"""
$ az storage account keys list -g ⟦app⟧-rg -n ⟦org⟧⟦p(%l6)⟧ -o table
KeyName    Permissions    Value
---------  -------------  ----------------------------------------------------------------------------------------
key1       FULL           ⟦!b64b(64)⟧
""",
)
T(
    F,
    "aws eks get-token",
    r"""
$ aws eks get-token --cluster-name ⟦org⟧-prod
{"kind": "ExecCredential", "apiVersion": "client.authentication.k8s.io/v1beta1", "spec": {}, "status": {"expirationTimestamp": "⟦ts⟧", "token": "⟦!p(k8s-aws-v1.aHR0cHM6Ly9zdHMu%B400)⟧"}}
""",
)
T(
    F,
    "aws secretsmanager get-secret-value",
    r"""
$ aws secretsmanager get-secret-value --secret-id prod/⟦app⟧/db
{
    "ARN": "arn:aws:secretsmanager:⟦region⟧:⟦p(%d12)⟧:secret:prod/⟦app⟧/db-⟦p(%a6)⟧",
    "Name": "prod/⟦app⟧/db",
    "VersionId": "⟦uuid⟧",
    "SecretString": "{\"username\":\"⟦svc⟧\",\"password\":\"⟦!pws⟧\",\"engine\":\"postgres\",\"host\":\"⟦h(pg)⟧\",\"port\":5432}",
    "VersionStages": ["AWSCURRENT"]
}
""",
)

# ===========================================================================
# other cloud and hosting providers
# ===========================================================================
F = "hosting provider tools"
T(
    F,
    "doctl config",
    r"""
$ cat ~/.config/doctl/config.yaml
access-token: ⟦!p(dop_v1_%h64)⟧
context: default
output: text
""",
)
T(
    F,
    "hcloud cli.toml",
    r"""
active_context = "⟦org⟧"

[[contexts]]
  name = "⟦org⟧"
  token = "⟦!p(%a64)⟧"
""",
)
T(
    F,
    "openstack clouds.yaml and openrc",
    r"""
clouds:
  ⟦org⟧:
    auth:
      auth_url: https://keystone.⟦dom⟧:5000/v3
      username: "⟦user⟧"
      password: "⟦!pw>rp⟧"
      project_name: "⟦org⟧-prod"
      user_domain_name: "Default"
# openrc.sh
export OS_PASSWORD=⟦<rp⟧
""",
)
T(
    F,
    "openstack token issue",
    r"""
$ openstack token issue
+------------+------------------------------------------------------------------------------------------------+
| Field      | Value                                                                                          |
+------------+------------------------------------------------------------------------------------------------+
| expires    | ⟦ts⟧                                                                           |
| id         | ⟦!p(gAAAAAB%B176)⟧ |
| project_id | ⟦p(%h32)⟧                                                               |
+------------+------------------------------------------------------------------------------------------------+
""",
)
T(
    F,
    "wrangler and flarectl",
    r"""
$ cat ~/.config/.wrangler/config/default.toml
oauth_token = "⟦!p(%B43)⟧"
expiration_time = "⟦ts⟧"
""",
)
T(
    F,
    "aliyun and tencent configs",
    r"""
{
	"current": "default",
	"profiles": [
		{
			"name": "default",
			"mode": "AK",
			"access_key_id": "LTAI⟦p(%a20)⟧",
			"access_key_secret": "⟦!p(%a30)⟧",
			"region_id": "cn-hangzhou"
		}
	]
}
""",
)
T(
    F,
    "oci config",
    r"""
[DEFAULT]
user=ocid1.user.oc1..aaaa⟦p(%l56)⟧
fingerprint=⟦p(%h2)⟧:⟦p(%h2)⟧:⟦p(%h2)⟧:⟦p(%h2)⟧:⟦p(%h2)⟧:⟦p(%h2)⟧:⟦p(%h2)⟧:⟦p(%h2)⟧:⟦p(%h2)⟧:⟦p(%h2)⟧:⟦p(%h2)⟧:⟦p(%h2)⟧:⟦p(%h2)⟧:⟦p(%h2)⟧:⟦p(%h2)⟧:⟦p(%h2)⟧
key_file=~/.oci/oci_api_key.pem
pass_phrase=⟦!pw⟧
tenancy=ocid1.tenancy.oc1..aaaa⟦p(%l56)⟧
region=eu-frankfurt-1
""",
)
T(
    F,
    "vercel netlify cli",
    r"""
$ cat ~/.local/share/com.vercel.cli/auth.json
{
  "// Note": "This is your Vercel credentials file. DO NOT SHARE!",
  "token": "⟦!p(%a24)⟧"
}
""",
)
# ===========================================================================
# secrets managers and hashicorp tooling
# ===========================================================================
F = "secrets managers"
T(
    F,
    "vault login output",
    r"""
$ vault login -method=userpass username=⟦user⟧
Password (will be hidden):
Success! You are now authenticated. The token information displayed below
is already stored in the token helper. You do NOT need to run "vault login"
again. Future Vault requests will automatically use this token.

Key                    Value
---                    -----
token                  ⟦!p(hvs.CAESI%B86)⟧
token_accessor         ⟦p(%a24)⟧
token_duration         768h
token_renewable        true
token_policies         ["default" "⟦app⟧-read"]
""",
)
T(
    F,
    "vault kv get",
    r"""
$ vault kv get secret/⟦app⟧/prod
====== Secret Path ======
secret/data/⟦app⟧/prod

======= Metadata =======
Key                Value
---                -----
created_time       ⟦tsn⟧
version            ⟦int(1,40)⟧

====== Data ======
Key            Value
---            -----
db_password    ⟦!pw⟧
""",
)
T(
    F,
    "vault read database creds",
    r"""
$ vault read database/creds/readonly
Key                Value
---                -----
lease_id           database/creds/readonly/⟦p(%a24)⟧
lease_duration     1h
lease_renewable    true
password           ⟦!p(A1a-%a16)⟧
username           v-token-readonly-⟦p(%a20)⟧-⟦epoch⟧
""",
)
T(
    F,
    "vault operator init",
    r"""
Unseal Key 1: ⟦!b64b(33)⟧

Initial Root Token: ⟦!p(hvs.%B24)⟧

Vault initialized with 5 key shares and a key threshold of 3. Please securely
distribute the key shares printed above.
""",
)
T(
    F,
    "consul acl bootstrap",
    r"""
$ consul acl bootstrap
AccessorID:       ⟦uuid⟧
SecretID:         ⟦!uuid⟧
Description:      Bootstrap Token (Global Management)
Local:            false
Create Time:      ⟦tss⟧.⟦int(100000,999999)⟧ +0000 UTC
Policies:
   00000000-0000-0000-0000-000000000001 - global-management
""",
)
T(
    F,
    "sops decrypt",
    r"""
$ sops -d secrets/prod.enc.yaml
postgres:
    password: ⟦!pw⟧
""",
)
T(
    F,
    "op item get reveal",
    r"""
$ op item get "⟦app⟧ prod admin" --vault Infra --reveal
ID:          ⟦p(%l26)⟧
Title:       ⟦app⟧ prod admin
Vault:       Infra (⟦p(%l26)⟧)
Created:     ⟦int(2,11)⟧ months ago
Fields:
  username:    admin
  password:    ⟦!pw⟧
  one-time password: ⟦pin(6)⟧
""",
)
T(
    F,
    "doppler secrets table",
    r"""
$ doppler secrets --only-names=false
┌─────────────────────┬──────────────────────────────────────────┐
│ NAME                │ VALUE                                    │
├─────────────────────┼──────────────────────────────────────────┤
│ DATABASE_PASSWORD   │ ⟦!pws⟧                  │
│ DOPPLER_CONFIG      │ prd                                      │
└─────────────────────┴──────────────────────────────────────────┘
""",
)
T(
    F,
    "vault audit log raw",
    r"""
{"time":"⟦tsn⟧","type":"response","auth":{"client_token":"hmac-sha256:⟦p(%h64)⟧","accessor":"hmac-sha256:⟦p(%h64)⟧","display_name":"approle"},"request":{"id":"⟦uuid⟧","operation":"read","path":"kv/data/⟦app⟧"},"response":{"data":{"data":{"api_key":"⟦!p(%a40)⟧","rotation":"⟦date⟧"}}}}
""",
)

# ===========================================================================
# chat and ticket prose, many languages
# ===========================================================================
F = "chat and ticket prose"
T(
    F,
    "slack export english",
    r"""
[⟦hm⟧] ⟦fname⟧: staging db creds changed after the incident btw
[⟦hm⟧] ⟦fname⟧: user is ⟦svc⟧, new pass is ⟦!pw⟧ -- please don't paste it in #general
[⟦hm⟧] ⟦fname()⟧: 👍 updated the runbook
""",
)
T(
    F,
    "jira comment english",
    r"""
⟦full⟧ added a comment - ⟦date⟧ ⟦hm⟧
Vendor finally sent the SFTP details:
host: ⟦h(fs)⟧
login: ⟦svc⟧
password: ⟦!pwx⟧
Can someone add this to the vault and close the ticket?
""",
)
T(
    F,
    "german chat",
    r"""
[⟦hm⟧] ⟦fname⟧: Das neue Passwort für den Admin-Zugang lautet ⟦!pw⟧
[⟦hm⟧] ⟦fname()⟧: danke, habs in KeePass übernommen
[⟦hm⟧] ⟦fname⟧: Kennwort für die Fritzbox ist übrigens ⟦!p(%w6%d4)⟧
""",
)
T(
    F,
    "french chat",
    r"""
[⟦hm⟧] ⟦fname⟧ : le mot de passe du compte de service ⟦svc⟧ c'est ⟦!pw⟧, je l'ai changé ce matin
[⟦hm⟧] ⟦fname()⟧ : ok merci, et la clé API du prestataire ?
[⟦hm⟧] ⟦fname⟧ : clé API : ⟦!p(%a32)⟧
""",
)
T(
    F,
    "spanish chat",
    r"""
[⟦hm⟧] ⟦fname⟧: oye, ¿me pasas la contraseña del router de la oficina?
[⟦hm⟧] ⟦fname()⟧: claro, usuario admin y contraseña ⟦!pw⟧
""",
)
T(
    F,
    "portuguese br whatsapp",
    r"""
⟦int(1,28)⟧/11/2026 ⟦hm⟧ - ⟦fname⟧: a senha do wi-fi da loja mudou
⟦int(1,28)⟧/11/2026 ⟦hm⟧ - ⟦fname⟧: agora é ⟦!pww⟧
""",
)
T(
    F,
    "italian chat",
    r"""
[⟦hm⟧] ⟦fname⟧: ti giro la password del gestionale: ⟦!pw⟧
[⟦hm⟧] ⟦fname()⟧: grazie, funziona 👍
""",
)
T(
    F,
    "russian chat",
    r"""
[⟦hm⟧] ⟦fname⟧: пароль от базы на проде: ⟦!pw⟧
[⟦hm⟧] ⟦fname()⟧: спасибо, а токен для деплоя?
[⟦hm⟧] ⟦fname⟧: токен: ⟦!p(glpat-%B20)⟧ , действует до конца месяца
""",
)
T(
    F,
    "ukrainian ticket",
    r"""
Доброго дня!
Облікові дані для тестового середовища:
логін: ⟦user⟧
пароль: ⟦!pwa⟧
Прохання змінити пароль після першого входу.
""",
)
T(
    F,
    "turkish chat",
    r"""
[⟦hm⟧] ⟦fname⟧: sunucunun root şifresi ⟦!pw⟧ olarak güncellendi
[⟦hm⟧] ⟦fname()⟧: tamam, teşekkürler
""",
)
T(
    F,
    "japanese chat",
    r"""
[⟦hm⟧] ⟦fname⟧: 検証環境のDBパスワードは「⟦!pw⟧」です
[⟦hm⟧] ⟦fname()⟧: ありがとうございます。APIキーも教えてもらえますか？
[⟦hm⟧] ⟦fname⟧: APIキー：⟦!p(%a32)⟧
""",
)
T(
    F,
    "chinese chat",
    r"""
[⟦hm⟧] ⟦fname⟧: 生产环境数据库密码改成 ⟦!pw⟧ 了
[⟦hm⟧] ⟦fname()⟧: 收到，那个对象存储的密钥呢？
[⟦hm⟧] ⟦fname⟧: AccessKey Secret：⟦!p(%a30)⟧
""",
)
T(
    F,
    "korean chat",
    r"""
[⟦hm⟧] ⟦fname⟧: 관리자 계정 비밀번호는 ⟦!pw⟧ 입니다
[⟦hm⟧] ⟦fname()⟧: 감사합니다. 확인했습니다
""",
)
T(
    F,
    "arabic chat",
    r"""
[⟦hm⟧] ⟦fname⟧: كلمة المرور الجديدة لحساب البريد هي ⟦!pw⟧
[⟦hm⟧] ⟦fname()⟧: شكراً، وما هو رمز الدخول لغرفة الخوادم؟
[⟦hm⟧] ⟦fname⟧: الرمز ⟦!pin(6)⟧
""",
)
T(
    F,
    "hindi chat",
    r"""
[⟦hm⟧] ⟦fname⟧: सर्वर का पासवर्ड ⟦!pw⟧ है, किसी के साथ शेयर मत करना
[⟦hm⟧] ⟦fname()⟧: ठीक है, धन्यवाद
""",
)
T(
    F,
    "swedish chat",
    r"""
[⟦hm⟧] ⟦fname⟧: lösenordet till backup-kontot är ⟦!pw⟧
[⟦hm⟧] ⟦fname()⟧: tack, funkar nu
""",
)
T(
    F,
    "czech ticket",
    r"""
Dobrý den,
přístupové údaje k testovacímu serveru:
uživatel: ⟦svc⟧
heslo: ⟦!pw⟧
S pozdravem, IT podpora
""",
)
T(
    F,
    "vietnamese chat",
    r"""
[⟦hm⟧] ⟦fname⟧: mật khẩu tài khoản quản trị là ⟦!pw⟧
[⟦hm⟧] ⟦fname()⟧: ok, cảm ơn nhé
""",
)
T(
    F,
    "indonesian chat",
    r"""
[⟦hm⟧] ⟦fname⟧: kata sandi email kantor sudah diganti jadi ⟦!pw⟧
[⟦hm⟧] ⟦fname()⟧: siap, makasih
""",
)
T(
    F,
    "hebrew chat",
    r"""
[⟦hm⟧] ⟦fname⟧: הסיסמה החדשה לשרת היא ⟦!pw⟧
[⟦hm⟧] ⟦fname()⟧: תודה, עובד
""",
)
T(
    F,
    "thai and norwegian chat",
    r"""
[⟦hm⟧] ⟦fname⟧: รหัสผ่านเข้าระบบหลังบ้านคือ ⟦!pw⟧
""",
)
T(
    F,
    "zendesk ticket internal note",
    r"""
Ticket #⟦int(100000,999999)⟧ — Internal note by ⟦full⟧
Customer confirmed identity via callback. Their portal login is ⟦email⟧ and the temp password I set is ⟦!pwd⟧ — they must change it on first login.
""",
)

# ===========================================================================
# e-mail messages and notifications
# ===========================================================================
F = "email messages"
T(
    F,
    "welcome email headers",
    r"""
From: "⟦org⟧ IT" <noreply@⟦dom⟧>
To: ⟦email⟧
Subject: Your new account
Date: ⟦tsc⟧
Content-Type: text/plain; charset=UTF-8

Hi ⟦fname⟧,

your account has been created.
Username: ⟦user⟧
Temporary password: ⟦!pwa⟧

You will be asked to change it when you first sign in.
""",
)
T(
    F,
    "quoted-printable body",
    r"""
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: quoted-printable

Hallo ⟦fname⟧,

Ihr Einmalpasswort f=C3=BCr das Kundenportal lautet: ⟦~p(%a5=%a6)>p⟧⟦!qpe(<p)⟧

Viele Gr=C3=BC=C3=9Fe
""",
)
T(
    F,
    "html email otp",
    r"""
<table role="presentation"><tr><td style="font-family:Arial">
<p>Votre code de vérification est&nbsp;:</p>
<p style="font-size:28px;letter-spacing:6px"><b>⟦!pin(6)⟧</b></p>
<p>Ce code expire dans 10 minutes.</p>
</td></tr></table>
""",
)
T(
    F,
    "router sticker style mail",
    r"""
Sehr geehrte Kundin, sehr geehrter Kunde,
Ihre FRITZ!Box ist eingerichtet.
WLAN-Netzwerkschlüssel: ⟦!p(%d4 %d4 %d4 %d4 %d4)⟧
""",
)
T(
    F,
    "forwarded outlook mail",
    r"""
________________________________
From: ⟦full⟧ <⟦email⟧>
Sent: ⟦tsc⟧
To: ⟦full()⟧
Subject: RE: access to vendor portal

Here you go:
https://portal.⟦dom⟧/login
user: ⟦user⟧
pw: ⟦!pw⟧
Regards
""",
)
T(
    F,
    "japanese provisioning mail",
    r"""
件名：【重要】VPNアカウント発行のお知らせ
VPN接続先：vpn.⟦dom⟧
ユーザー名：⟦user⟧
パスワード：⟦!pw⟧
""",
)
T(
    F,
    "mbox with password reset link",
    r"""
From noreply@⟦dom⟧  ⟦tsc⟧
Subject: Reset your password
To: ⟦email⟧

Click the link below to reset your password:
https://id.⟦dom⟧/reset/⟦p(%d6)⟧/⟦!p(%l6-%h32)⟧/
This link will expire in 24 hours.
""",
)
# ===========================================================================
# password manager exports and credential files
# ===========================================================================
F = "credential stores and dotfiles"
T(
    F,
    "chrome passwords csv",
    r"""
name,url,username,password,note
⟦h(app)⟧,https://⟦h(app)⟧/login,⟦email⟧,⟦!pw⟧,
""",
)
T(
    F,
    "bitwarden json export",
    r"""
    {
      "id": "⟦uuid⟧",
      "organizationId": null,
      "folderId": "⟦uuid⟧",
      "type": 1,
      "name": "⟦org⟧ AWS root",
      "notes": "MFA device is the yubikey in the safe",
      "login": {
        "uris": [{ "match": null, "uri": "https://signin.aws.amazon.com" }],
        "username": "⟦email⟧",
        "password": "⟦!pw⟧",
        "totp": "⟦!p(%z32)⟧"
      }
    },
""",
)
T(
    F,
    "keepass xml",
    r"""
<Entry>
	<UUID>⟦b64b(16)⟧</UUID>
	<String><Key>Title</Key><Value>⟦sh⟧ iDRAC</Value></String>
	<String><Key>UserName</Key><Value>root</Value></String>
	<String><Key>Password</Key><Value ProtectInMemory="True">⟦!pw⟧</Value></String>
	<String><Key>URL</Key><Value>https://⟦ip⟧</Value></String>
</Entry>
""",
)
T(
    F,
    "pass show",
    r"""
$ pass show infra/⟦sh⟧/root
⟦!pw⟧
login: root
url: ssh://⟦h(db)⟧
notes: rotated ⟦date⟧
""",
)
T(
    F,
    "netrc",
    r"""
machine ⟦h(git)⟧ login ⟦user⟧ password ⟦!p(glpat-%B20)⟧
machine api.heroku.com
  login ⟦email⟧
""",
)
T(
    F,
    "pgpass",
    r"""
# hostname:port:database:username:password
⟦h(pg)⟧:5432:⟦db⟧:⟦svc⟧:⟦!pw⟧
""",
)
T(
    F,
    "my.cnf client",
    r"""
[client]
user=root
password="⟦!pw⟧"
host=⟦h(mysql)⟧

[mysqldump]
user=backup
""",
)
T(
    F,
    "git-credentials",
    r"""
$ cat ~/.git-credentials
https://⟦user⟧:⟦!p(ghp_%a36)⟧@github.com
""",
)
T(
    F,
    "htpasswd",
    r"""
⟦user⟧:⟦!crypt(apr1)⟧
""",
)
T(
    F,
    "shadow lines",
    r"""
root:⟦!crypt(y)⟧:⟦int(19000,20400)⟧:0:99999:7:::
daemon:*:19000:0:99999:7:::
""",
)
T(
    F,
    "npmrc",
    r"""
registry=https://registry.npmjs.org/
@⟦org⟧:registry=https://npm.pkg.github.com/
//nexus.⟦dom⟧/repository/npm/:_auth=⟦~svc>u⟧⟦~pws>p⟧⟦!b64e(<u,:,<p)⟧
""",
)
T(
    F,
    "pypirc",
    r"""
[distutils]
index-servers = pypi private

[pypi]
username = __token__
password = ⟦!p(pypi-AgEIcHlwaS5vcmc%B150)⟧

[private]
repository = https://pypi.⟦dom⟧/simple
username = ⟦svc⟧
""",
)
T(
    F,
    "maven settings.xml",
    r"""
<servers>
  <server>
    <id>⟦org⟧-releases</id>
    <username>⟦svc⟧</username>
    <password>⟦!pw⟧</password>
  </server>
  <server>
    <id>ossrh</id>
    <username>⟦user⟧</username>
  </server>
</servers>
""",
)
T(
    F,
    "composer auth.json",
    r"""
{
    "http-basic": {
        "repo.magento.com": {
            "username": "⟦p(%h32)⟧",
            "password": "⟦!p(%h32)⟧"
        }
    },
    "github-oauth": {
    }
}
""",
)
T(
    F,
    "aws credentials file",
    r"""
[default]
aws_access_key_id = AKIA⟦p(%u16)⟧
aws_secret_access_key = ⟦!awssk⟧

[⟦org⟧-prod]
role_arn = arn:aws:iam::⟦p(%d12)⟧:role/OrganizationAccountAccessRole
source_profile = default
region=⟦region⟧
""",
)
T(
    F,
    "filezilla sitemanager",
    r"""
<Server>
    <Host>⟦h(fs)⟧</Host>
    <Port>22</Port>
    <Protocol>1</Protocol>
    <Type>0</Type>
    <User>⟦svc⟧</User>
    <Pass encoding="base64">⟦~pw>p⟧⟦!b64e(<p)⟧</Pass>
    <Name>⟦org⟧ sftp</Name>
</Server>
""",
)

# ===========================================================================
# encoded secrets
# ===========================================================================
F = "encoded secrets"
T(
    F,
    "echo base64 shell",
    r"""
$ echo -n '⟦!pw>p⟧' | base64
⟦!b64e(<p)⟧
""",
)
T(
    F,
    "url-encoded form body",
    r"""
⟦tsj⟧ DEBUG o.a.h.wire - http-outgoing-⟦int(0,40)⟧ >> "username=⟦user⟧&password=⟦~pwx>p⟧⟦!urle(<p)⟧&grant_type=password[\r][\n]"
""",
)
T(
    F,
    "double url-encoded redirect",
    r"""
⟦ip⟧ - - [⟦tsa⟧] "GET /sso/redirect?next=%2Flogin%3Fuser%3D⟦user⟧%26pass%3D⟦~pwx>p⟧⟦!urle2(<p)⟧ HTTP/1.1" 302 0 "-" "Mozilla/5.0"
""",
)
T(
    F,
    "json unicode escaped password",
    r"""
{"event":"user.created","data":{"login":"⟦user⟧","initial_password":"⟦~pw>p⟧⟦!jsonu(<p)⟧"}}
""",
)
T(
    F,
    "json-in-json escaped",
    r"""
{"level":"info","msg":"outgoing request","body":"{\"client_id\":\"⟦p(%a20)⟧\",\"client_secret\":\"⟦!p(%a40)⟧\",\"audience\":\"https://api.⟦dom⟧\"}"}
""",
)
T(
    F,
    "base64 json header",
    r"""
X-Auth-Context: ⟦~svc>u⟧⟦~p(%h32)>k⟧⟦!b64json(user,<u,key,<k,scope,ingest)⟧
""",
)
T(
    F,
    "powershell encodedcommand",
    r"""
⟦tsw⟧ Process Create: powershell.exe -NoProfile -EncodedCommand ⟦~svc>u⟧⟦~pw>p⟧⟦!b64u16(net user ,<u, ,<p, /add)⟧
""",
)
T(
    F,
    "java properties unicode escapes",
    r"""
# native2ascii output
db.user=⟦svc⟧
db.password=⟦~pwu>p⟧⟦!jsonu(<p)⟧
""",
)
T(
    F,
    "xml entity encoded password",
    r"""
<datasource jndi-name="java:jboss/datasources/⟦db⟧DS">
  <connection-url>jdbc:postgresql://⟦h(pg)⟧:5432/⟦db⟧</connection-url>
  <security user-name="⟦svc⟧" password="⟦~p(%a6<%a4&%a5)>p⟧⟦!xmle(<p)⟧"/>
</datasource>
""",
)
T(
    F,
    "kubernetes secret base64 decode",
    r"""
$ kubectl get secret ⟦app⟧-admin -o jsonpath='{.data.password}'; echo
⟦~pww>p⟧⟦!b64e(<p)⟧
$ kubectl get secret ⟦app⟧-admin -o jsonpath='{.data.password}' | base64 -d; echo
⟦!<p⟧
""",
)
T(
    F,
    "basic auth in proxy log",
    r"""
⟦tss⟧ squid[⟦pid⟧]: ⟦ip⟧ TCP_DENIED/407 3960 CONNECT api.⟦dom⟧:443 - HIER_NONE/- text/html Proxy-Authorization="Basic ⟦~user>u⟧⟦~pwa>p⟧⟦!b64e(<u,:,<p)⟧"
""",
)
# ===========================================================================
# vendor tokens in their documented shapes
# ===========================================================================
F = "vendor tokens"
T(
    F,
    "payments env",
    r"""
STRIPE_SECRET_KEY=⟦!p(sk_live_51%a96)⟧
STRIPE_PUBLISHABLE_KEY=pk_live_51⟦p(%a96)⟧
""",
)
T(
    F,
    "braintree square adyen",
    r"""
BRAINTREE_ACCESS_TOKEN=⟦!p(access_token$production$%l16$%h32)⟧
""",
)
T(
    F,
    "twilio vonage messagebird",
    r"""
twilio:
  account_sid: AC⟦p(%h32)⟧
  auth_token: ⟦!p(%h32)⟧
vonage:
  api_key: ⟦p(%h8)⟧
""",
)
T(
    F,
    "sendgrid mailgun mailchimp",
    r"""
MAILGUN_API_KEY=⟦!p(%h32-%h8-%h8)⟧
""",
)
T(
    F,
    "datadog newrelic honeycomb",
    r"""
DD_API_KEY=⟦!p(%h32)⟧
""",
)
T(
    F,
    "pagerduty opsgenie dynatrace",
    r"""
pagerduty_routing_key: ⟦!p(%h32)⟧
""",
)
T(
    F,
    "gitlab runner registration",
    r"""
$ gitlab-runner register --non-interactive --url https://gitlab.⟦dom⟧ --token ⟦!p(glrt-t%d1_%B20)⟧ --executor docker --docker-image alpine:3.20
Runtime platform                                    arch=amd64 os=linux pid=⟦pid⟧ revision=⟦p(%h8)⟧ version=17.⟦int(0,6)⟧.0
Verifying runner... is valid                        runner=⟦p(%a8)⟧
""",
)
T(
    F,
    "slack app tokens",
    r"""
SLACK_BOT_TOKEN=⟦!p(xoxb-%d12-%d13-%a24)⟧
""",
)
T(
    F,
    "ai api keys",
    r"""
OPENAI_API_KEY=⟦!p(sk-proj-%B48T3BlbkFJ%B48)⟧
""",
)
T(
    F,
    "package registry tokens",
    r"""
⟦tss⟧ publish: NUGET_API_KEY=⟦!p(oy2%l43)⟧
""",
)
T(
    F,
    "source hosting and atlassian",
    r"""
JIRA_API_TOKEN=⟦!p(ATATT3xFfGF0%B180=%H8)⟧
""",
)
T(
    F,
    "supabase planetscale databricks",
    r"""
SUPABASE_SERVICE_ROLE_KEY=⟦!jwt⟧
""",
)
T(
    F,
    "telegram discord bots",
    r"""
TELEGRAM_BOT_TOKEN=⟦!p(%d10:AA%B33)⟧
""",
)
T(
    F,
    "grafana and sentry",
    r"""
GRAFANA_SA_TOKEN=⟦!p(glsa_%a32_%h8)⟧
""",
)
T(
    F,
    "ci vendor tokens",
    r"""
CIRCLE_TOKEN=⟦!p(CCIPAT_%a22_%h40)⟧
""",
)
T(
    F,
    "splunk hec and elastic cloud",
    r"""
[http://⟦app⟧]
token = ⟦!UUID⟧
index = ⟦app⟧
""",
)

# ===========================================================================
# private keys, keystores and certificates
# ===========================================================================
F = "private keys and keystores"
T(
    F,
    "rsa private key pem",
    r"""
$ cat /etc/ssl/private/⟦h(web)⟧.key
⟦pem(RSA PRIVATE KEY,25)⟧
""",
)
T(
    F,
    "openssh private key",
    r"""
$ cat ~/.ssh/id_ed25519
⟦pem(OPENSSH PRIVATE KEY,7)⟧
""",
)
T(
    F,
    "encrypted key with passin",
    r"""
$ openssl rsa -in server.key.enc -passin pass:⟦!pw⟧ -out server.key
writing RSA key
""",
)
T(
    F,
    "putty ppk v3",
    r"""
PuTTY-User-Key-File-3: ssh-ed25519
Encryption: none
Comment: ⟦user⟧@⟦sh⟧
Public-Lines: 2
AAAAC3NzaC1lZDI1NTE5AAAAI⟦p(%b20)⟧
⟦p(%b24)⟧
Private-Lines: 1
⟦!p(AAAAI%b39)⟧
Private-MAC: ⟦p(%h64)⟧
""",
)
T(
    F,
    "jwk private",
    r"""
{"keys":[{"kty":"EC","crv":"P-256","kid":"⟦p(%B22)⟧","use":"sig","x":"⟦b64ub(32)⟧","y":"⟦b64ub(32)⟧","d":"⟦!b64ub(32)⟧"}]}
""",
)
T(
    F,
    "age and minisign secret keys",
    r"""
# created: ⟦ts⟧
# public key: age1⟦p(%x58)⟧
⟦!p(AGE-SECRET-KEY-1%X58)⟧
""",
)
T(
    F,
    "pgp private key block",
    r"""
-----BEGIN PGP PRIVATE KEY BLOCK-----

⟦!p(lQVYBG%b58)⟧
⟦p(%b64)⟧
⟦p(%b40)⟧
=⟦p(%b4)⟧
-----END PGP PRIVATE KEY BLOCK-----
""",
)

# ===========================================================================
# 2FA seeds, recovery codes, PINs, physical codes, mnemonics
# ===========================================================================
F = "2fa codes pins and phrases"
T(
    F,
    "otpauth uri",
    r"""
otpauth://totp/⟦org⟧:⟦email⟧?secret=⟦!p(%z32)⟧&issuer=⟦org⟧&algorithm=SHA1&digits=6&period=30
""",
)
T(
    F,
    "totp setup key grouped",
    r"""
Can't scan the QR code? Enter this setup key in your authenticator app:
⟦!p(%w4 %w4 %w4 %w4 %w4 %w4 %w4 %w4)⟧
Time based: yes
""",
)
T(
    F,
    "github recovery codes",
    r"""
$ cat ⟦user⟧-github-recovery-codes.txt
⟦!p(%h5-%h5)⟧
⟦!p(%h5-%h5)⟧
""",
)
T(
    F,
    "wallet mnemonic note",
    r"""
## cold wallet (⟦org⟧ treasury) — seed phrase, 12 words, written ⟦date⟧
⟦!mnem(12)⟧
""",
)
T(
    F,
    "24 word recovery phrase",
    r"""
Secret Recovery Phrase for the validator key:
⟦!mnem(24)⟧
""",
)
T(
    F,
    "door and alarm codes",
    r"""
Facilities handover (⟦date⟧):
- Alarm code DC cage ⟦int(1,40)⟧: ⟦!pin(6)⟧#
""",
)
T(
    F,
    "bitlocker recovery key",
    r"""
PS C:\> manage-bde -protectors -get C:
    Numerical Password:
      ID: {⟦UUID⟧}
      Password:
        ⟦!p(%d6-%d6-%d6-%d6-%d6-%d6-%d6-%d6)⟧
""",
)
T(
    F,
    "filevault and apple app password",
    r"""
FileVault recovery key for ⟦sh⟧-mbp: ⟦!p(%W4-%W4-%W4-%W4-%W4-%W4)⟧
""",
)
T(
    F,
    "diceware passphrase",
    r"""
The passphrase for the offsite backup repo is: ⟦!mnem(5)⟧
""",
)
T(
    F,
    "steam guard mafile",
    r"""
{"shared_secret":"⟦!b64b(20)⟧","serial_number":"⟦p(%d19)⟧","revocation_code":"R⟦!p(%d5)⟧","account_name":"⟦user⟧","device_id":"android:⟦uuid⟧"}
""",
)

# ===========================================================================
# non-ASCII and context-only secrets
# ===========================================================================
F = "non-ascii and context-only secrets"
T(
    F,
    "non-ascii password config",
    r"""
[smb]
user = ⟦user⟧
password = ⟦!pwu⟧
""",
)
T(
    F,
    "fullwidth password in mail",
    r"""
件名：社内ポータルのアカウント発行
⟦lname⟧様
ログインID：⟦user⟧
パスワード：⟦~pwd>p⟧⟦!fw(<p)⟧
（全角で入力されていますが半角で入力してください）
""",
)
T(
    F,
    "uuid api key header",
    r"""
⟦tss⟧ DEBUG sending request to https://⟦h(api)⟧/v1/export with headers {"Accept": "application/json", "X-Octopus-ApiKey": "⟦!uuid⟧"}
""",
)
T(
    F,
    "all digit vault pin",
    r"""
⟦fname⟧: the PIN for the shared vault is ⟦!pin(6)⟧, changed it after ⟦fname()⟧ left
""",
)
T(
    F,
    "hex session secret",
    r"""
SESSION_SECRET=⟦!p(%h32)⟧
COOKIE_NAME=sid
""",
)
T(
    F,
    "dictionary word ftp password",
    r"""
ftp ⟦h(fs)⟧ — user ⟦svc⟧, pass ⟦!pwd⟧ (legacy box, don't expose)
""",
)
T(
    F,
    "password with spaces",
    r"""
wifi_password: "⟦!mnem(4)⟧"
""",
)
T(
    F,
    "column output credentials table",
    r"""
$ column -t -s, creds.csv
host         user    password
⟦sh⟧       root    ⟦!pw⟧
""",
)

# ===========================================================================
# monitoring and observability configs
# ===========================================================================
F = "monitoring configs"
T(
    F,
    "prometheus scrape basic_auth",
    r"""
scrape_configs:
  - job_name: ⟨rabbitmq|blackbox|federate⟩
    scheme: https
    basic_auth:
      username: prometheus
      password: ⟦!pw⟧
    static_configs:
      - targets: ['⟦h(mq)⟧:15692']
""",
)
T(
    F,
    "grafana.ini triple quotes",
    r'''
[security]
admin_user = admin
admin_password = """#⟦!pwa⟧"""
''',
)
T(
    F,
    "alertmanager receivers",
    r"""
global:
  smtp_auth_password: '⟦!pw⟧'
""",
)
T(
    F,
    "zabbix psk",
    r"""
TLSConnect=psk
TLSPSKIdentity=PSK ⟦sh⟧
TLSPSKFile=/etc/zabbix/zabbix_agentd.psk
$ cat /etc/zabbix/zabbix_agentd.psk
⟦!p(%h64)⟧
""",
)
T(
    F,
    "nagios resource.cfg",
    r"""
$USER1$=/usr/lib/nagios/plugins
$USER3$=⟦svc⟧
$USER4$=⟦!pw⟧
""",
)
T(
    F,
    "fluent-bit es output",
    r"""
[OUTPUT]
    Name        es
    Match       kube.*
    Host        ⟦h(es)⟧
    HTTP_User   fluentbit
    HTTP_Passwd ⟦!pw⟧
""",
)
T(
    F,
    "netdata stream api key",
    r"""
[stream]
    enabled = yes
    destination = ⟦h(mon)⟧:19999
    api key = ⟦!uuid⟧
""",
)

# ===========================================================================
# shell history and scripts
# ===========================================================================
F = "shell history and scripts"
T(
    F,
    "bash_history",
    r"""
cd /srv/⟦app⟧
export DB_PASS='⟦!pw⟧'
./manage.py migrate
history -c
""",
)
T(
    F,
    "zsh extended history",
    r"""
: ⟦epoch⟧:0;docker login -u ⟦svc⟧ -p ⟦!pw⟧ registry.⟦dom⟧
: ⟦epoch⟧:0;git push origin main
""",
)
T(
    F,
    "powershell psreadline history",
    r"""
$cred = New-Object System.Management.Automation.PSCredential('⟨CORP|ACME⟩\⟦svc⟧', (ConvertTo-SecureString '⟦!pw⟧' -AsPlainText -Force))
Enter-PSSession -ComputerName ⟦sh⟧ -Credential $cred
""",
)
T(
    F,
    "crontab pgpassword",
    r"""
30 2 * * * PGPASSWORD='⟦!pw⟧' pg_dump -h ⟦h(pg)⟧ -U ⟦svc⟧ ⟦db⟧ | gzip > /backup/⟦db⟧-$(date +\%F).sql.gz
""",
)
T(
    F,
    "set -x trace",
    r"""
+ TOKEN=⟦!p(%B40)>rp⟧
+ curl -s -H 'Authorization: token ⟦<rp⟧' https://⟦h(git)⟧/api/v1/repos/⟦org⟧/⟦app⟧
""",
)
T(
    F,
    "mysql_history octal escapes",
    r"""
SET\040PASSWORD\040FOR\040'⟦svc⟧'@'%'\040=\040'⟦!pwa⟧';
""",
)
T(
    F,
    "rediscli and python history",
    r"""
$ tail -2 ~/.rediscli_history
AUTH ⟦!pwa⟧
KEYS session:*
""",
)
T(
    F,
    "expect script",
    r"""
spawn ssh ⟦user⟧@⟦h(app)⟧
expect "password:"
send "⟦!pw⟧\r"
interact
""",
)

# ===========================================================================
# mobile, desktop and Windows artifacts
# ===========================================================================
F = "mobile desktop windows"
T(
    F,
    "android signingConfigs",
    r"""
signingConfigs {
    release {
        storeFile file("release.keystore")
        storePassword "⟦!pw⟧"
        keyAlias "⟦app⟧"
    }
}
""",
)
T(
    F,
    "fastlane env",
    r"""
MATCH_PASSWORD=⟦!pww⟧
""",
)
T(
    F,
    "winlogon autologon reg",
    r"""
[HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon]
"AutoAdminLogon"="1"
"DefaultUserName"="⟦svc⟧"
"DefaultPassword"="⟦!pw⟧"
""",
)
T(
    F,
    "gpp groups.xml cpassword",
    r"""
<User clsid="{DF5F1855-51E5-4d24-8B1A-D9BDE98BA1D1}" name="Administrator (built-in)" image="2" changed="⟦tss⟧" uid="{⟦UUID⟧}"><Properties action="U" newName="" fullName="" description="" cpassword="⟦!p(%b43)⟧" changeLogon="0" noChange="1" neverExpires="1" acctDisabled="0" userName="Administrator (built-in)"/></User>
""",
)
T(
    F,
    "sysmon commandline event",
    r"""
<Data Name="CommandLine">schtasks /create /tn "⟦app⟧ sync" /tr C:\⟦app⟧\sync.exe /sc hourly /ru ⟨CORP|ACME⟩\⟦svc⟧ /rp ⟦!pw⟧</Data>
""",
)
T(
    F,
    "netsh wlan key clear",
    r"""
Security settings
-----------------
    Authentication         : WPA2-Personal
    Cipher                 : CCMP
    Security key           : Present
    Key Content            : ⟦!pww⟧
""",
)
T(
    F,
    "macos security find password",
    r"""
$ security find-generic-password -s "⟦app⟧-deploy" -w
⟦!pw⟧
""",
)

# ===========================================================================
# keep-list: diagnostic identifiers next to secret-ish words that must survive
# ===========================================================================
K(
    "logfmt token refresh trace",
    r"""
⟦tsm⟧ level=warn msg="token refresh failed" component=auth attempt=⟦int(2,5)⟧ elapsed=⟦dur⟧ trace_id=⟦+p(%h32)⟧ span_id=⟦+p(%h16)⟧
""",
)
K(
    "json log session expired",
    r"""
{"ts":"⟦tsm⟧","level":"info","logger":"session","msg":"session expired, forcing re-auth","session_ttl_s":3600,"request_id":"⟦+uuid⟧","user_id":⟦int(1000,99999)⟧,"build":"⟦+p(2026.11.%d1-b%d4)⟧"}
""",
)
K(
    "w3c traceparent on auth call",
    r"""
⟦tss⟧ DEBUG outgoing POST /oauth/token (client_credentials) traceparent=⟦+p(00-%h32-%h16-01)⟧ status=401 took=⟦dur⟧
""",
)
K(
    "container image digest pull",
    r"""
⟦tsm⟧ kubelet: Pulling image "registry.⟦dom⟧/⟦app⟧@⟦+p(sha256:%h64)⟧" (secret imagePullSecrets=regcred)
⟦tsm⟧ kubelet: Successfully pulled image in ⟦dur⟧ (⟦+p(%d3.%d1MB)⟧ bytes)
""",
)
K(
    "kubectl get secret listing",
    r"""
$ kubectl get secret -n ⟦ns⟧ -o custom-columns=NAME:.metadata.name,UID:.metadata.uid,RV:.metadata.resourceVersion
NAME                      UID                                    RV
⟦app⟧-db-credentials      ⟦+uuid⟧   ⟦+int(1000000,99999999)⟧
⟦app⟧-tls                 ⟦uuid⟧   ⟦int(1000000,99999999)⟧
""",
)
K(
    "secret metadata uid resourceVersion",
    r"""
  name: ⟦app⟧-api-key
  namespace: ⟦ns⟧
  resourceVersion: "⟦+int(1000000,99999999)⟧"
  uid: ⟦+uuid⟧
type: Opaque
""",
)
K(
    "pod events auth failure",
    r"""
  Warning  Failed     ⟦int(2,59)⟧s   kubelet  Failed to pull image: rpc error: code = Unknown desc = failed to authorize: failed to fetch oauth token: unexpected status: 401 Unauthorized
  Normal   Scheduled  ⟦int(2,59)⟧m   default-scheduler  Successfully assigned ⟦ns⟧/⟦+pod⟧ to node-⟦int(1,20)⟧
""",
)
K(
    "vault lease renew",
    r"""
⟦tss⟧ [INFO]  agent: renewed lease: lease_id=⟦+lease⟧ ttl=⟦+p(%d2m%d2s)⟧ secret=database/creds/readonly
""",
)
K(
    "vault audit hmac hashes",
    r"""
{"time":"⟦tsn⟧","type":"request","auth":{"client_token":"⟦+p(hmac-sha256:%h64)⟧","accessor":"⟦p(hmac-sha256:%h64)⟧","policies":["default"]},"request":{"id":"⟦+uuid⟧","operation":"read","path":"secret/data/⟦app⟧/prod"}}
""",
)
K(
    "consul token accessor",
    r"""
⟦tss⟧ [WARN]  agent: Coordinate update blocked by ACLs: accessorID=⟦+uuid⟧ (token lacks node:write)
""",
)
K(
    "terraform state lock",
    r"""
Error: Error acquiring the state lock
Lock Info:
  ID:        ⟦+uuid⟧
  Path:      ⟦org⟧-tfstate/env/prod/secrets.tfstate
  Operation: OperationTypeApply
  Who:       ⟦user⟧@⟦sh⟧
  Version:   ⟦+ver⟧
  Created:   ⟦tfts⟧
""",
)
K(
    "aws kms decrypt access denied",
    r"""
An error occurred (AccessDeniedException) when calling the Decrypt operation: The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access. Key: ⟦+arn_kms⟧ RequestId: ⟦+uuid⟧
""",
)
K(
    "aws sts caller identity",
    r"""
$ aws sts get-caller-identity   # check which credentials are active
{
    "Account": "⟦+p(%d12)⟧",
    "Arn": "⟦+arn_role⟧"
}
""",
)
K(
    "cloudtrail event secret rotation",
    r"""
{"eventVersion":"1.09","eventTime":"⟦ts⟧","eventSource":"secretsmanager.amazonaws.com","eventName":"RotateSecret","requestID":"⟦uuid⟧","eventID":"⟦+uuid⟧","requestParameters":{"secretId":"⟦+arn_secret⟧"}}
""",
)
K(
    "gcp secret manager version",
    r"""
$ gcloud secrets versions list ⟦app⟧-api-key --limit=2
NAME  STATE    CREATED              DESTROYED
⟦+int(10,40)⟧    enabled  ⟦ts⟧  -
Resource: ⟦+gcp_secret⟧
""",
)
K(
    "azure key vault secret id",
    r"""
⟦tsm⟧ INFO KeyVault: fetched secret version, id=https://⟦org⟧-kv.vault.azure.net/secrets/sql-password/⟦+p(%h32)⟧ correlation-id=⟦+uuid⟧
""",
)
K(
    "ssh-keygen fingerprint",
    r"""
$ ssh-keygen -lf ~/.ssh/deploy_key.pub   # public half of the deploy key
256 ⟦+sshfp⟧ deploy@⟦sh⟧ (ED25519)
""",
)
K(
    "gpg list secret keys",
    r"""
$ gpg --list-secret-keys --keyid-format=long
sec   ed25519/⟦+p(%H16)⟧ ⟦date⟧ [SC] [expires: 2028-11-01]
      ⟦+p(%H40)⟧
uid                 [ultimate] Release Signing <release@⟦dom⟧>
""",
)
K(
    "openssl x509 serial fingerprint",
    r"""
$ openssl x509 -in tls.crt -noout -serial -fingerprint -sha256   # key pair for ⟦app⟧ ingress
serial=⟦+p(%H32)⟧
sha256 Fingerprint=⟦+fp⟧
""",
)
K(
    "cert-manager certificate ready",
    r"""
⟦tsm⟧ cert-manager: Certificate ⟦ns⟧/⟦app⟧-tls issued, secret "⟦app⟧-tls" updated, serial ⟦+serial⟧ notAfter=⟦ts⟧
""",
)
K(
    "jwks kid rotation",
    r"""
⟦tsm⟧ INFO jwks: signing key rotated, new kid=⟦+p(%B43)⟧ previous kid=⟦+p(%B43)⟧ alg=RS256
""",
)
K(
    "jwt validation failure kid",
    r"""
⟦tss⟧ WARN  auth: JWT rejected: no key found for kid "⟦+uuid⟧" (issuer=https://login.⟦dom⟧/realms/⟦org⟧) x-request-id=⟦+p(%h16)⟧
""",
)
K(
    "github actions run metadata",
    r"""
⟦tsn⟧ ##[debug]Evaluating: secrets.DEPLOY_TOKEN
⟦tsn⟧ ##[debug]Result: '***'
⟦tsn⟧ run_id=⟦+p(%d11)⟧ sha=⟦+p(%h40)⟧ ref=refs/heads/main
""",
)
K(
    "git log key rotation commits",
    r"""
$ git log --oneline -3
⟦+p(%h9)⟧ rotate Stripe API key after leak (INC-⟦int(1000,9999)⟧)
⟦+p(%h9)⟧ remove hard-coded password from settings.py
⟦p(%h9)⟧ bump version
""",
)
K(
    "gitlab pipeline job ids",
    r"""
Job #⟦int(1000000,9999999)⟧ failed for ⟦+p(%h8)⟧: ERROR: Job failed: secret "CI_REGISTRY_PASSWORD" not available in protected branch (pipeline #⟦+int(100000,999999)⟧)
""",
)
K(
    "npm lock integrity",
    r"""
    "node_modules/jsonwebtoken": {
      "version": "⟦ver⟧",
      "resolved": "https://registry.npmjs.org/jsonwebtoken/-/jsonwebtoken-9.0.2.tgz",
      "integrity": "⟦+p(sha512-%b86==)⟧",
""",
)
K(
    "go.sum hash",
    r"""
golang.org/x/oauth2 v0.⟦int(10,30)⟧.0 ⟦+p(h1:%b43=)⟧
golang.org/x/oauth2 v0.⟦int(10,30)⟧.0/go.mod ⟦p(h1:%b43=)⟧
""",
)
K(
    "pip hash requirement",
    r"""
cryptography==⟦ver⟧ \
    --hash=⟦+p(sha256:%h64)⟧
keyring==25.⟦int(0,6)⟧.0 --hash=⟦p(sha256:%h64)⟧
""",
)
K(
    "sha256sum of credentials file",
    r"""
$ sha256sum credentials.json service-account.json
⟦+p(%h64)⟧  credentials.json
⟦+p(%h64)⟧  service-account.json
""",
)
K(
    "stat keyfile inode",
    r"""
$ stat /etc/ssl/private/server.key
  File: /etc/ssl/private/server.key
  Size: ⟦int(1600,3300)⟧      	Blocks: 8          IO Block: 4096   regular file
Device: 259,2	Inode: ⟦+int(100000,9999999)⟧     Links: 1
Access: (0600/-rw-------)  Uid: (    0/    root)   Gid: (    0/    root)
""",
)
K(
    "ls -li secrets dir",
    r"""
$ ls -li /run/secrets/
⟦+int(100000,999999)⟧ -r--r----- 1 root app ⟦int(20,90)⟧ ⟨Nov|Oct⟩ ⟦int(1,28)⟧ 09:12 db_password
⟦int(100000,999999)⟧ -r--r----- 1 root app ⟦int(20,90)⟧ ⟨Nov|Oct⟩ ⟦int(1,28)⟧ 09:12 api_token
""",
)
K(
    "crc checksum keystore",
    r"""
⟦tsj⟧ INFO  KeystoreLoader - loaded keystore /etc/⟦app⟧/keystore.p12 (⟦int(2000,9000)⟧ bytes, crc32=⟦+p(0x%h8)⟧), password from env KEYSTORE_PASSWORD
""",
)
K(
    "systemd credential load",
    r"""
⟦tsl⟧ ⟦sh⟧ systemd[1]: ⟦app⟧.service: Loaded credential 'db-password' (⟦int(16,64)⟧ bytes), invocation ⟦+p(%h32)⟧
""",
)
K(
    "journal pid session opened",
    r"""
⟦tsl⟧ ⟦sh⟧ sshd[⟦+pid⟧]: Accepted publickey for deploy from ⟦ip⟧ port ⟦port⟧ ssh2: ED25519 ⟦+sshfp⟧
⟦tsl⟧ ⟦sh⟧ systemd-logind[⟦pid⟧]: New session ⟦int(100,9999)⟧ of user deploy.
""",
)
K(
    "pam auth failure counts",
    r"""
⟦tsl⟧ ⟦sh⟧ sshd[⟦+pid⟧]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=⟦ip⟧
⟦tsl⟧ ⟦sh⟧ sshd[⟦pid⟧]: PAM ⟦int(2,6)⟧ more authentication failures
""",
)
K(
    "kerberos klist",
    r"""
$ klist   # credentials cache after kinit with the service password
Ticket cache: KCM:⟦int(1000,60000)⟧:⟦int(10000,99999)⟧
Default principal: ⟦user⟧@CORP.LOCAL

Valid starting       Expires              Service principal
⟦+krbts⟧  ⟦krbts⟧  krbtgt/CORP.LOCAL@CORP.LOCAL
""",
)
K(
    "keytab kvno listing",
    r"""
$ klist -kte /etc/krb5.keytab   # keys for host principal
Keytab name: FILE:/etc/krb5.keytab
KVNO Timestamp           Principal
---- ------------------- ------------------------------------------------------
  ⟦+int(2,40)⟧ ⟦tss⟧ host/⟦sh⟧@CORP.LOCAL (aes256-cts-hmac-sha1-96)
""",
)
K(
    "oracle auth error code",
    r"""
⟦tsj⟧ ERROR HikariPool-1 - Exception during pool initialization: ⟦+one(ORA-01017,ORA-28000,ORA-28001)⟧: invalid username/password; logon denied (connection id ⟦+p(%h8)⟧)
""",
)
K(
    "postgres sqlstate password auth",
    r"""
⟦tss⟧.⟦int(100,999)⟧ UTC [⟦+pid⟧] FATAL:  password authentication failed for user "⟦svc⟧"
⟦tss⟧.⟦int(100,999)⟧ UTC [⟦pid⟧] DETAIL:  Connection matched file "/etc/postgresql/16/main/pg_hba.conf" line ⟦+int(80,130)⟧: "host all all 10.0.0.0/8 scram-sha-256"
""",
)
K(
    "mysql access denied error number",
    r"""
ERROR ⟦+one(1045,1698,2059)⟧ (28000): Access denied for user '⟦svc⟧'@'⟦ip⟧' (using password: YES) -- thread_id=⟦+int(10000,999999)⟧
""",
)
K(
    "windows logon failure event",
    r"""
An account failed to log on. Failure Reason: Unknown user name or bad password. Status: ⟦+one(0xC000006D,0xC0000064,0xC000006A)⟧ Sub Status: ⟦one(0xC000006A,0xC0000072)⟧ Logon ID: ⟦+p(0x%H6)⟧ Event ID 4625 Record ⟦int(1000000,9999999)⟧
""",
)
K(
    "schannel error code",
    r"""
⟦tsw⟧ Schannel: A fatal error occurred while creating a TLS client credential. The internal error state is ⟦+int(10000,10020)⟧. (HRESULT ⟦+one(0x80090308,0x80090326,0x8009030E)⟧)
""",
)
K(
    "tls handshake error node",
    r"""
Error: unable to verify the first certificate (code: ⟦+one(UNABLE_TO_VERIFY_LEAF_SIGNATURE,ERR_TLS_CERT_ALTNAME_INVALID,CERT_HAS_EXPIRED)⟧) while fetching credentials from metadata service, pid=⟦+pid⟧
""",
)
K(
    "http 429 rate limit on token endpoint",
    r"""
⟦tsm⟧ WARN  POST /v1/auth/token -> 429 Too Many Requests, Retry-After=⟦int(5,120)⟧, x-ratelimit-remaining=0, x-ratelimit-reset=⟦+epoch⟧, x-request-id=⟦+p(req_%a14)⟧
""",
)
K(
    "stripe request id",
    r"""
⟦tss⟧ ERROR stripe: Invalid API Key provided (request ⟦+p(req_%a14)⟧, idempotency key ⟦+uuid⟧, api version ⟨2024-06-20|2023-10-16|2025-03-31.basil⟩)
""",
)
K(
    "sentry event id",
    r"""
⟦tss⟧ INFO sentry: captured AuthenticationError, event_id=⟦+p(%h32)⟧ release=⟦app⟧@⟦+ver⟧
""",
)
K(
    "pagerduty incident",
    r"""
Incident #⟦int(10000,99999)⟧ (⟦+p(Q%u13)⟧) triggered: "credential rotation job failed on ⟦app⟧" — dedup_key=⟦+p(%h32)⟧
""",
)
K(
    "docker container id secret mount",
    r"""
$ docker inspect -f '{{.Id}} {{.Mounts}}' ⟦app⟧   # check the secret mount
⟦+p(%h64)⟧ [{bind  /run/secrets/db_password /run/secrets/db_password  ro false rprivate}]
""",
)
K(
    "helm release with secret values",
    r"""
$ helm history ⟦app⟧ -n ⟦ns⟧ --max 2   # values include existingSecret
REVISION	UPDATED                 	STATUS    	CHART          	APP VERSION	DESCRIPTION
⟦+int(10,60)⟧      	⟦tsc⟧	superseded	⟦app⟧-⟦+ver⟧	⟦ver()⟧     	Upgrade complete
""",
)
K(
    "argocd sync revision",
    r"""
⟦tsm⟧ argocd: app ⟦app⟧ sync started, revision ⟦+p(%h40)⟧, sealed-secret ⟦app⟧-credentials unchanged, operation id ⟦+int(1000,99999)⟧
""",
)
K(
    "oci manifest digest",
    r"""
$ crane digest ghcr.io/⟦org⟧/secrets-operator:⟦ver⟧
⟦+p(sha256:%h64)⟧
""",
)
K(
    "s3 object etag for key backup",
    r"""
$ aws s3api head-object --bucket ⟦org⟧-key-backups --key vault/unseal-keys.enc --query '{ETag:ETag,VersionId:VersionId,Size:ContentLength}'
{
    "ETag": "\"⟦+p(%h32)⟧\"",
    "VersionId": "⟦+p(%B32)⟧",
    "Size": ⟦int(1000,9000)⟧
}
""",
)
K(
    "ldap bind result code",
    r"""
⟦tss⟧ conn=⟦+int(1000,99999)⟧ op=⟦int(0,9)⟧ RESULT tag=97 err=49 text=invalid credentials, etime=⟦+p(0.000%d3)⟧
""",
)
K(
    "radius reject id",
    r"""
(⟦int(0,40)⟧) Sent Access-Reject Id ⟦+int(1,255)⟧ from ⟦ip⟧:1812 to ⟦ip()⟧:⟦port⟧ length 20 -- password check failed, session-timeout ⟦int(60,3600)⟧
""",
)
K(
    "openvpn tls auth peer id",
    r"""
⟦tsc⟧ ⟦ip⟧:⟦+port⟧ TLS: Username/Password authentication succeeded for username '⟦user⟧' [peer-id ⟦int(0,200)⟧, cipher ⟦one(AES-256-GCM,CHACHA20-POLY1305)⟧]
""",
)
K(
    "wireguard handshake public key",
    r"""
$ wg show wg0 | head -6   # private key not shown
interface: wg0
  public key: ⟦+wgkey⟧
  listening port: ⟦+port⟧
""",
)
K(
    "metrics auth failures",
    r"""
auth_token_validation_failures_total{reason="expired",service="⟦app⟧"} ⟦+int(100,99999)⟧
auth_session_duration_seconds_bucket{le="0.5"} ⟦+int(1000,999999)⟧
""",
)
K(
    "nginx upstream timing session",
    r"""
⟦ip⟧ - - [⟦tsa⟧] "POST /api/session HTTP/2.0" 401 ⟦int(40,90)⟧ "-" "okhttp/4.12.0" rt=⟦p(0.%d3)⟧ uct=0.001 req_id=⟦+p(%h32)⟧
""",
)
K(
    "envoy access log response flags",
    r"""
[⟦tsm⟧] "GET /v1/secrets/ HTTP/1.1" 403 UAEX 0 ⟦int(10,99)⟧ ⟦int(1,500)⟧ - "-" "grpc-go/1.6⟦int(0,9)⟧.0" "⟦+uuid⟧" "ext-authz"
""",
)
K(
    "kafka sasl auth failure",
    r"""
[⟦tsj⟧] INFO [SocketServer listenerType=ZK_BROKER, nodeId=⟦+int(1,9)⟧] Failed authentication with /⟦ip⟧ (channelId=⟦ip()⟧:9093-⟦ip⟧:⟦port⟧-⟦int(1,999)⟧) (Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512)
""",
)
K(
    "rabbitmq auth refused",
    r"""
⟦tsm⟧ [error] <0.⟦+int(1000,99999)⟧.0> PLAIN login refused: user '⟦svc⟧' - invalid credentials, connection <<"⟦ip⟧:⟦+port⟧ -> ⟦ip()⟧:5672">>
""",
)
K(
    "mongodb auth log id",
    r"""
{"t":{"$date":"⟦tsm⟧"},"s":"I","c":"ACCESS","id":⟦+int(20000,29999)⟧,"ctx":"conn⟦+int(1000,99999)⟧","msg":"Authentication failed","attr":{"mechanism":"SCRAM-SHA-256","speculative":true,"principalName":"⟦svc⟧","authenticationDatabase":"admin","error":"AuthenticationFailed: SCRAM authentication failed, storedKey mismatch"}}
""",
)
K(
    "elasticsearch api key id",
    r"""
[⟦tsm⟧][WARN ][o.e.x.s.a.ApiKeyService] [es-⟦int(1,9)⟧] api key [id=⟦+p(%B20)⟧] has expired (expiration ⟦ts⟧)
""",
)
K(
    "postgres pid lock wait",
    r"""
⟦tss⟧ UTC [⟦+pid⟧] LOG:  process ⟦pid⟧ still waiting for ShareLock on transaction ⟦+int(1000000,99999999)⟧ after 1000.⟦int(100,999)⟧ ms (query: UPDATE api_tokens SET last_used_at = now() WHERE id = $1)
""",
)
K(
    "java thread dump session",
    r"""
"http-nio-8443-exec-⟦int(1,40)⟧" #⟦+int(40,400)⟧ daemon prio=5 os_prio=0 cpu=⟦p(%d3.%d2ms)⟧ tid=⟦+p(0x00007f%h10)⟧ nid=⟦int(1000,99999)⟧ waiting on condition
   at com.⟦org⟧.auth.SessionStore.refresh(SessionStore.java:⟦int(30,300)⟧)
""",
)
K(
    "go panic goroutine auth",
    r"""
goroutine ⟦+int(10,9999)⟧ [select, ⟦int(1,90)⟧ minutes]:
github.com/⟦org⟧/⟦app⟧/internal/auth.(*TokenCache).refreshLoop(0xc000⟦p(%h6)⟧)
	/src/internal/auth/cache.go:⟦+int(40,400)⟧ +0x⟦p(%h3)⟧
""",
)
K(
    "python traceback line numbers",
    r"""
  File "/srv/⟦app⟧/auth/password_reset.py", line ⟦int(20,400)⟧, in send_reset_email
    token = signer.sign(user.pk)
itsdangerous.exc.BadSignature: Signature does not match (request ⟦+uuid⟧)
""",
)
K(
    "dotnet correlation id",
    r"""
⟦tsm⟧ [ERR] Authentication scheme "Bearer" failed: IDX10503: Signature validation failed. Token does not have a kid. TraceId: ⟦+p(%h32)⟧ CorrelationId: ⟦+uuid⟧
""",
)
K(
    "azure ad error codes",
    r"""
AADSTS⟦+one(7000215,700016,50126,50076)⟧: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID. Trace ID: ⟦+uuid⟧ Correlation ID: ⟦uuid⟧ Timestamp: ⟦tsz⟧
""",
)
K(
    "okta system log ids",
    r"""
{"eventType":"user.authentication.auth_via_mfa","outcome":{"result":"FAILURE","reason":"INVALID_CREDENTIALS"},"uuid":"⟦+uuid⟧","transaction":{"id":"⟦+p(Y%a26)⟧"},"authenticationContext":{"externalSessionId":"⟦p(102%a22)⟧"}}
""",
)
K(
    "keycloak event ids",
    r"""
⟦tsj⟧ WARN  [org.keycloak.events] (executor-thread-⟦int(1,40)⟧) type="LOGIN_ERROR", realmId="⟦+uuid⟧", clientId="⟦app⟧", userId="null", ipAddress="⟦ip⟧", error="invalid_user_credentials", auth_method="openid-connect", code_id="⟦+uuid⟧"
""",
)
K(
    "ssh certificate serial",
    r"""
$ ssh-keygen -Lf ~/.ssh/id_ed25519-cert.pub   # cert for the private key
        Type: ssh-ed25519-cert-v01@openssh.com user certificate
        Public key: ED25519-CERT ⟦+sshfp⟧
        Serial: ⟦+int(100000000,9999999999)⟧
        Valid: from ⟦tst⟧ to ⟦tst()⟧
""",
)
K(
    "tpm / luks key slot",
    r"""
$ sudo cryptsetup luksDump /dev/nvme0n1p3 | grep -A3 'Keyslots' # passphrase slots
Keyslots:
  ⟦int(0,7)⟧: luks2
	Key:        512 bits
UUID:       	⟦+uuid⟧
""",
)
K(
    "bitlocker protector id",
    r"""
    Numerical Password:
      ID: {⟦+UUID⟧}
      (recovery password stored in AD, backup at ⟦tst⟧)
""",
)
K(
    "yubikey serial and slot",
    r"""
$ ykman piv info   # PIN retries left, management key protected
PIV version:              ⟦ver⟧
PIN tries remaining:      ⟦int(1,3)⟧/3
Serial number:            ⟦+int(10000000,29999999)⟧
""",
)
K(
    "totp drift window",
    r"""
⟦tss⟧ WARN  mfa: TOTP code rejected during second-factor auth for user_id=⟦int(1000,999999)⟧, clock skew ⟦p(%d2s)⟧ outside window, factor id ⟦+p(mfa_%a20)⟧
""",
)
K(
    "api key prefix id only",
    r"""
⟦tss⟧ INFO  apikeys: key ⟦+p(key_%a16)⟧ (prefix only) last used ⟦ts⟧ from service ⟦app⟧, scopes=read:orders
""",
)
K(
    "ssm parameter version",
    r"""
⟦tsm⟧ INFO  loaded parameter /⟦app⟧/prod/db_password version ⟦int(1,90)⟧ (SecureString, kms key ⟦+arn_kms⟧)
""",
)
K(
    "lambda rotation function",
    r"""
START RequestId: ⟦+uuid⟧ Version: $LATEST
[INFO]	⟦ts⟧	⟦uuid⟧	setSecret: successfully set password for ⟦+arn_secret⟧ version ⟦uuid⟧
END RequestId: ⟦uuid⟧
REPORT Duration: ⟦int(10,999)⟧.⟦int(10,99)⟧ ms	Billed Duration: ⟦int(100,999)⟧ ms	Memory Size: 128 MB	Max Memory Used: ⟦p(%d2 MB)⟧
""",
)
K(
    "k8s serviceaccount token projected",
    r"""
⟦tsm⟧ kube-apiserver: issued bound serviceaccount token for ⟦ns⟧/⟦app⟧ (pod uid ⟦+uuid⟧, expirationSeconds=⟦+one(3607,3600,86400)⟧)
""",
)
K(
    "etcd revision compaction secret",
    r"""
⟦tsm⟧ etcd: finished scheduled compaction at revision ⟦+int(1000000,99999999)⟧ (took ⟦+dur⟧), keys under /registry/secrets/⟦ns⟧: ⟦int(10,999)⟧
""",
)
K(
    "pod name crashloop password",
    r"""
⟦ns⟧   ⟦+pod⟧   0/1   CrashLoopBackOff   ⟦int(5,80)⟧ (⟦int(1,5)⟧m ago)   ⟦int(1,9)⟧h   # invalid DB password in secret
""",
)
K(
    "build number credentials plugin",
    r"""
Started by timer
[Pipeline] withCredentials
Masking supported pattern matches of $NEXUS_PASSWORD
[Pipeline] // withCredentials
Finished: FAILURE (build #⟦+int(100,9999)⟧, duration ⟦p(%d1 min %d2 sec)⟧, commit ⟦+p(%h7)⟧)
""",
)
K(
    "sonar quality gate key",
    r"""
⟦tss⟧ INFO: Analysis report uploaded in ⟦dur⟧; ANALYSIS ID ⟦+p(A%B19)⟧; hotspot "Hard-coded password" rule ⟦one(java:S2068,python:S2068,secrets:S6290)⟧
""",
)
K(
    "gitleaks finding fingerprint",
    r"""
Finding:     password = "REDACTED"
Secret:      REDACTED
RuleID:      generic-api-key
Entropy:     ⟦p(4.%d6)⟧
File:        config/settings.py
Line:        ⟦int(10,300)⟧
Commit:      ⟦+p(%h40)⟧
Fingerprint: ⟦+p(%h40)⟧:config/settings.py:generic-api-key:⟦int(10,300)⟧
""",
)


# ---------------------------------------------------------------------------
# generators that need the helpers above
# ---------------------------------------------------------------------------


def _esenroll(c: _Ctx) -> str:
    rng = c.rng
    d = {
        "ver": "8.15.0",
        "adr": [f"172.18.0.{rng.randint(2, 30)}:9200"],
        "fgr": _r(rng, _ALPHA["h"], 64),
        "key": _r(rng, _ALPHA["B"], 20) + ":" + _r(rng, _ALPHA["B"], 22),
    }
    return base64.b64encode(json.dumps(d, separators=(",", ":")).encode()).decode()


def _dockercfg(c: _Ctx, user: str, pw: str) -> str:
    auth = base64.b64encode(f"{user}:{pw}".encode()).decode()
    d = {
        "auths": {
            "registry." + c.rng.choice(_DOMAINS): {
                "username": user,
                "password": pw,
                "auth": auth,
            }
        }
    }
    return base64.b64encode(json.dumps(d, separators=(",", ":")).encode()).decode()


def _b64json(c: _Ctx, *a: str) -> str:
    return base64.b64encode(
        json.dumps(dict(zip(a[::2], a[1::2], strict=False)), separators=(",", ":")).encode()
    ).decode()


def _arn(c: _Ctx, kind: str) -> str:
    rng = c.rng
    acct = _r(rng, _DIG, 12)
    if kind == "kms":
        return f"arn:aws:kms:{rng.choice(_REGIONS)}:{acct}:key/{_uuid(c)}"
    if kind == "role":
        return f"arn:aws:iam::{acct}:role/{rng.choice(_APPS)}-{rng.choice(['deploy', 'ci', 'rotation', 'readonly'])}"
    return f"arn:aws:secretsmanager:{rng.choice(_REGIONS)}:{acct}:secret:prod/{rng.choice(_APPS)}/db-{_r(rng, _AN, 6)}"


def _dur(c: _Ctx) -> str:
    rng = c.rng
    k = rng.randint(0, 2)
    if k == 0:
        return f"{rng.randint(12, 990)}ms"
    if k == 1:
        return f"{rng.randint(1, 59)}.{rng.randint(0, 999):03d}s"
    return f"{rng.randint(1, 9)}m{rng.randint(1, 59)}s"


_GENS.update(
    {
        "esenroll": _esenroll,
        "dockercfg": _dockercfg,
        "b64json": _b64json,
        "arn_kms": lambda c: _arn(c, "kms"),
        "arn_role": lambda c: _arn(c, "role"),
        "arn_secret": lambda c: _arn(c, "secret"),
        "gcp_secret": lambda c: (
            f"projects/{c.rng.choice(_ORGS)}-prod/secrets/{c.rng.choice(_APPS)}-api-key/versions/{c.rng.randint(2, 40)}"
        ),
        "dur": _dur,
        "lease": lambda c: f"database/creds/readonly/{_r(c.rng, _AN, 24)}",
        "sshfp": lambda c: "SHA256:" + _b64b(c, 32).rstrip("="),
        "fp": lambda c: ":".join(_r(c.rng, _ALPHA["H"], 2) for _ in range(32)),
        "serial": lambda c: ":".join(_r(c.rng, _ALPHA["h"], 2) for _ in range(16)),
    }
)


# ---------------------------------------------------------------------------
# public interface
# ---------------------------------------------------------------------------


def cases(seed: int = DEFAULT_SEED) -> list[Case]:
    """Every template twice, each time with fresh random names and values."""
    rng = random.Random(seed)
    out: list[Case] = []
    for family, fmt, text in _TEMPLATES:
        for _ in range(2):
            lines, values, _keeps = _instantiate(rng, text)
            out.append(Case(family, fmt, lines, values))
    return out


def keep_list(seed: int = DEFAULT_SEED) -> list[Keep]:
    """Lines that mention secret-ish words but carry only diagnostic identifiers."""
    rng = random.Random(seed * 7 + 1)
    out: list[Keep] = []
    for fmt, text in _KEEPS:
        for _ in range(2):
            lines, values, tokens = _instantiate(rng, text)
            assert not values, fmt
            out.append(Keep(fmt, lines, tokens))
    return out


def _check() -> None:
    cs = cases()
    ks = keep_list()
    families: dict[str, int] = {}
    all_values: set[str] = set()
    for case in cs:
        assert case.values, case.format
        assert all(line.endswith("\n") for line in case.lines), case.format
        text = "".join(case.lines)
        for value in case.values:
            assert len(value) >= 4, (case.format, value)
            assert value in text, (case.format, value)
            all_values.add(value)
        families[case.family] = families.get(case.family, 0) + 1
    all_tokens: set[str] = set()
    for keep in ks:
        assert keep.tokens, keep.format
        text = "".join(keep.lines)
        assert re.search(r"(?i)token|key|passw|secret|auth|session|credential", text), keep.format
        for token in keep.tokens:
            assert token in text, (keep.format, token)
            all_tokens.add(token)
    # no addresses, e-mail addresses or host names among keep tokens
    assert not any(
        re.search(r"\d+\.\d+\.\d+\.\d+|@|" + "|".join(map(re.escape, _DOMAINS)), t)
        for t in all_tokens
    )
    assert not all_values & all_tokens
    assert all(
        v not in t and t not in v
        for v in all_values
        for t in all_tokens
        if len(t) >= 8 and len(v) >= 8
    )
    print(f"families: {len(families)}")
    print(f"templates: {len(_TEMPLATES)}")
    print(f"cases: {len(cs)}")
    print(f"values: {sum(len(c.values) for c in cs)}")
    print(f"keep templates: {len(_KEEPS)}")
    print(f"keep entries: {len(ks)}")
    print(f"keep tokens: {sum(len(k.tokens) for k in ks)}")
    for family, n in sorted(families.items()):
        print(f"  {n:4d}  {family}")


if __name__ == "__main__":
    _check()
