# ruff: noqa: E501, RUF001
"""Sealed blind corpus E: planted secrets, and a keep-list of diagnostic tokens.

Written by helper E on 2026-12-02 without reading the sanitizer, the other corpora or any
results. Untuned: nothing in it was adjusted against any sanitizer's output, and it was not
run through one before being handed over.

What it holds: about 780 planted secrets in 32 families, each family made of many templates
(formats and placements), each template instantiated twice with fresh values and names drawn
from a seeded ``random.Random``: command lines and process listings, environment dumps, shell
traces and histories, HTTP authentication headers, cookies and sessions, mail-protocol and
wire-protocol authentication exchanges, network devices and remote access, configuration in
XML, key-value, YAML/TOML/HCL and daemon syntaxes, Linux and Windows system configuration, SQL,
connection strings, code literals, URLs, encoded values, vendor tokens in their documented
shapes (developer tools, cloud and infrastructure, SaaS and payments), private-key material,
CI/CD logs, application logs of compiled and dynamic languages, credential files, tabular
output, prose in English and in many other languages, unusual character sets, and cloud CLI
output. ``keep_list()`` holds diagnostic tokens (trace and span ids, request ids, UUIDs,
digests, SHAs, versions, timestamps, error codes, pod names, PIDs, ports, inodes, checksums,
fingerprints, public key ids, metrics, sizes, durations) placed in lines that also mention
token, key, password, secret, auth or session.

No value is a real credential: every one is random. ``Case.values`` are the exact substrings
that must not survive; ``Keep.tokens`` must survive verbatim.
"""

from __future__ import annotations

import base64
import json
import quopri
import random
import string
import urllib.parse
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

DEFAULT_SEED = 20261202_05


class Case(NamedTuple):
    family: str
    format: str
    lines: tuple[str, ...]
    values: tuple[str, ...]


class Keep(NamedTuple):
    format: str
    lines: tuple[str, ...]
    tokens: tuple[str, ...]


# ---------------------------------------------------------------------------------------------
# alphabets and word lists

LOWER = string.ascii_lowercase
UPPER = string.ascii_uppercase
DIG = string.digits
ALNUM = LOWER + UPPER + DIG
HEXL = "0123456789abcdef"
HEXU = "0123456789ABCDEF"
B64 = ALNUM + "+/"
B64U = ALNUM + "-_"
B32 = "abcdefghijklmnopqrstuvwxyz234567"
POD = "bcdfghjklmnpqrstvwxz2456789"

SYM = "!@#%^*-_+=.~"  # no quotes, backslash, space, $, &, ;, <, >, |, backtick
SYM_URL = "-._~!*"  # safe in URL userinfo and query strings
SYM_WIN = "@#-_+.~"  # safe in cmd.exe
SYM_NOPCT = "!@#^*-_+=.~"  # systemd specifiers, crontab, supervisor
SYM_NOHASH = "!@%^*-_+=.~"  # haproxy, some INI parsers
SAFE_SH = ALNUM + "-_./=:,@%+~#"

WORDS = (
    "anchor",
    "amber",
    "apple",
    "arrow",
    "aspen",
    "autumn",
    "badger",
    "bamboo",
    "banjo",
    "basil",
    "beacon",
    "birch",
    "bishop",
    "blanket",
    "blossom",
    "border",
    "bramble",
    "breeze",
    "brick",
    "bridge",
    "bronze",
    "bucket",
    "butter",
    "cabin",
    "cactus",
    "camel",
    "candle",
    "canyon",
    "carbon",
    "carpet",
    "castle",
    "cedar",
    "cello",
    "cherry",
    "chimney",
    "cinder",
    "circus",
    "citrus",
    "clover",
    "cobalt",
    "comet",
    "copper",
    "coral",
    "cotton",
    "cougar",
    "crane",
    "cricket",
    "crystal",
    "dagger",
    "daisy",
    "delta",
    "desert",
    "dolphin",
    "dragon",
    "drum",
    "eagle",
    "ember",
    "engine",
    "falcon",
    "feather",
    "fennel",
    "fiddle",
    "figure",
    "flannel",
    "forest",
    "fossil",
    "fountain",
    "garlic",
    "garnet",
    "geyser",
    "ginger",
    "glacier",
    "goblin",
    "granite",
    "gravel",
    "harbor",
    "hazel",
    "helmet",
    "heron",
    "hickory",
    "honey",
    "hornet",
    "iceberg",
    "indigo",
    "island",
    "ivory",
    "jacket",
    "jasmine",
    "jigsaw",
    "juniper",
    "kettle",
    "kiwi",
    "ladder",
    "lagoon",
    "lantern",
    "lemon",
    "lilac",
    "linen",
    "lizard",
    "lobster",
    "magnet",
    "mango",
    "maple",
    "marble",
    "meadow",
    "meteor",
    "mirror",
    "mitten",
    "monsoon",
    "mosaic",
    "muffin",
    "napkin",
    "nectar",
    "needle",
    "nickel",
    "nutmeg",
    "oasis",
    "olive",
    "onion",
    "orbit",
    "orchid",
    "otter",
    "oyster",
    "paddle",
    "panther",
    "papaya",
    "parrot",
    "pebble",
    "pepper",
    "pickle",
    "pigeon",
    "pillow",
    "pistol",
    "planet",
    "plaster",
    "pocket",
    "pollen",
    "poppy",
    "prairie",
    "pretzel",
    "pumpkin",
    "puzzle",
    "quartz",
    "quiver",
    "rabbit",
    "radish",
    "raven",
    "ribbon",
    "river",
    "rocket",
    "saddle",
    "saffron",
    "salmon",
    "sandal",
    "sapphire",
    "scarlet",
    "shadow",
    "sierra",
    "silver",
    "sketch",
    "sparrow",
    "spider",
    "spruce",
    "squash",
    "stable",
    "starling",
    "stream",
    "summit",
    "sunset",
    "tangerine",
    "teapot",
    "thistle",
    "thunder",
    "timber",
    "tomato",
    "topaz",
    "tractor",
    "trumpet",
    "tulip",
    "tundra",
    "turnip",
    "velvet",
    "violet",
    "walnut",
    "walrus",
    "wander",
    "whisker",
    "willow",
    "window",
    "winter",
    "wizard",
    "yellow",
    "zephyr",
    "zipper",
)
UWORDS = (
    "grüße",
    "straße",
    "mañana",
    "niño",
    "façade",
    "smørrebrød",
    "łódka",
    "żółw",
    "čokoláda",
    "fjäril",
    "överlägsen",
    "crème",
    "kødboller",
    "şeker",
    "árvíztűrő",
    "tükörfúró",
    "señal",
    "bärenhöhle",
    "élève",
    "ñandú",
    "piñata",
    "jalapeño",
    "zażółć",
    "ørnerede",
    "ångström",
)
CYR = (
    "медведь",
    "солнышко",
    "ромашка",
    "берёза",
    "снегирь",
    "калина",
    "журавль",
    "пирожок",
    "вишня",
    "сокол",
)
GRK = ("θάλασσα", "ήλιος", "φεγγάρι", "αστέρι", "λεμόνι", "κύμα", "βουνό", "σύννεφο")
KANA = ("さくら", "ひまわり", "もみじ", "つばめ", "ほたる", "みかん")
USERS = (
    "deploy",
    "svc-backup",
    "jenkins",
    "gitlab-runner",
    "app_rw",
    "reporting",
    "etl_loader",
    "svc_billing",
    "ops",
    "m.okafor",
    "a.lindqvist",
    "k.tanaka",
    "j.moreau",
    "r.patel",
    "s.nguyen",
    "l.rossi",
    "t.kowalski",
    "d.fischer",
    "h.kim",
    "svc-grafana",
    "replicator",
    "monitor",
    "backup_agent",
    "ci-bot",
    "release-bot",
    "svc_ldap_bind",
    "mailer",
    "scanner",
    "orders_app",
    "ledger_ro",
    "analytics",
    "svc-sync",
    "webhook",
    "nagios",
    "zabbix",
)
FIRST = (
    "marta",
    "jonas",
    "aiko",
    "ravi",
    "sofia",
    "li",
    "omar",
    "elena",
    "pieter",
    "kasia",
    "diego",
    "noor",
    "tomas",
    "yuki",
    "fatima",
    "lukas",
    "chloe",
    "arjun",
    "ines",
    "mateo",
)
ROLES = (
    "db",
    "pg",
    "mysql",
    "api",
    "web",
    "worker",
    "cache",
    "redis",
    "mq",
    "kafka",
    "ldap",
    "mail",
    "smtp",
    "bastion",
    "build",
    "ci",
    "es",
    "mongo",
    "vault",
    "auth",
    "billing",
    "edge",
    "ingest",
    "etl",
    "sftp",
    "proxy",
    "files",
    "sql",
)
ENVS = ("prod", "stg", "dev", "eu1", "us2", "ams3", "fra1", "qa", "dr")
DOMAINS = (
    "example.com",
    "example.net",
    "example.org",
    "corp.example",
    "internal.example.io",
    "acme.test",
)
APPS = (
    "billing",
    "orders",
    "ledger",
    "auth-proxy",
    "checkout",
    "notifier",
    "inventory",
    "search",
    "reporting",
    "payouts",
    "identity",
    "gateway",
    "scheduler",
    "media",
    "analytics",
    "crm-sync",
    "exporter",
    "webhooks",
)
DBS = (
    "orders",
    "billing",
    "ledger",
    "crm",
    "analytics",
    "inventory",
    "accounts",
    "payments",
    "warehouse",
    "events",
)
NSS = ("prod", "payments", "platform", "data", "core", "edge", "batch")
REGIONS = ("eu-west-1", "eu-central-1", "us-east-1", "us-west-2", "ap-southeast-2", "eu-north-1")


def iso(d: datetime) -> str:
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + f"{d.microsecond // 1000:03d}Z"


def iso7(d: datetime) -> str:
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + f"{d.microsecond:06d}0Z"


def sp(d: datetime) -> str:
    return d.strftime("%Y-%m-%d %H:%M:%S,") + f"{d.microsecond // 1000:03d}"


def spdot(d: datetime) -> str:
    return d.strftime("%Y-%m-%d %H:%M:%S.") + f"{d.microsecond // 1000:03d}"


def syslog(d: datetime) -> str:
    return f"{d:%b} {d.day:2d} {d:%H:%M:%S}"


def clf(d: datetime) -> str:
    return d.strftime("%d/%b/%Y:%H:%M:%S +0000")


def hms(d: datetime) -> str:
    return d.strftime("%H:%M:%S")


def httpdate(d: datetime) -> str:
    return d.strftime("%a, %d %b %Y %H:%M:%S GMT")


def shq(word: str) -> str:
    """Quote a word the way bash's xtrace prints it."""
    if word and all(c in SAFE_SH for c in word):
        return word
    return "'" + word.replace("'", "'\\''") + "'"


def b64s(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def fill(tpl: str, **kw: object) -> str:
    """Fill ⟦name⟧ placeholders (for templates full of braces)."""
    for k, v in kw.items():
        tpl = tpl.replace("⟦" + k + "⟧", str(v))
    assert "⟦" not in tpl, tpl[tpl.index("⟦") : tpl.index("⟦") + 30]
    return tpl


class Gen:
    """Seeded source of every random value and name in the corpus."""

    def __init__(self, rng: random.Random) -> None:
        self.r = rng
        self.base = datetime(2026, 11, 27, tzinfo=UTC)

    # primitives
    def pick(self, seq):  # type: ignore[no-untyped-def]
        return self.r.choice(seq)

    def n(self, a: int, b: int) -> int:
        return self.r.randint(a, b)

    def s(self, alphabet: str, k: int) -> str:
        return "".join(self.r.choice(alphabet) for _ in range(k))

    def hex(self, k: int) -> str:
        return self.s(HEXL, k)

    def HEX(self, k: int) -> str:
        return self.s(HEXU, k)

    def alnum(self, k: int) -> str:
        return self.s(LETTERS_FIRST, 1) + self.s(ALNUM, k - 1)

    def lower(self, k: int) -> str:
        return self.s(LOWER, 1) + self.s(LOWER + DIG, k - 1)

    def upper(self, k: int) -> str:
        return self.s(UPPER + DIG, k)

    def digits(self, k: int) -> str:
        return self.s("123456789", 1) + self.s(DIG, k - 1)

    def raw(self, k: int) -> bytes:
        return bytes(self.r.getrandbits(8) for _ in range(k))

    def b64(self, k: int) -> str:
        return base64.b64encode(self.raw(k)).decode()

    def b64url(self, k: int) -> str:
        while True:
            v = base64.urlsafe_b64encode(self.raw(k)).decode().rstrip("=")
            if v[0] not in "-_" and v[-1] not in "-_":
                return v

    def bodyb64(self, k: int) -> str:
        """k characters of the standard base64 alphabet (no padding)."""
        return self.s(B64, k)

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.r.getrandbits(128), version=4))

    def word(self) -> str:
        return self.r.choice(WORDS)

    # secret shapes
    def mixed(self, k: int | None = None, sym: str = SYM) -> str:
        k = k or self.n(12, 24)
        while True:
            chars = [self.r.choice(LOWER), self.r.choice(UPPER), self.r.choice(DIG)]
            if sym:
                chars.append(self.r.choice(sym))
            chars += [self.r.choice(ALNUM + sym) for _ in range(k - len(chars))]
            self.r.shuffle(chars)
            v = "".join(chars)
            if v[0] in ALNUM and v[-1] not in "\\":
                return v

    def human(self, sym: str = SYM) -> str:
        common = [c for c in "!@#%*.?$&+" if c in sym] or list(sym) or ["."]
        while True:
            w, w2, s = self.word().capitalize(), self.word(), self.r.choice(common)
            y = str(self.n(1971, 2027))
            form = self.n(0, 5)
            if form == 0:
                v = f"{w}{y}{s}"
            elif form == 1:
                v = f"{w}{s}{y}"
            elif form == 2:
                v = f"{w2}{self.word().capitalize()}{self.n(10, 99)}"
            elif form == 3:
                v = f"{w}{w2}{s}{self.n(1, 999)}"
            elif form == 4:
                leet = str.maketrans({"a": "4", "e": "3", "o": "0", "i": "1", "s": "5"})
                v = (w + w2).translate(leet) + str(self.n(10, 99))
            else:
                month = self.r.choice(
                    (
                        "Winter",
                        "Summer",
                        "Spring",
                        "Autumn",
                        "January",
                        "October",
                        "March",
                        "Welcome",
                        "Changeme",
                    )
                )
                v = f"{month}{y}{s}"
            if len(v) >= 8:
                return v

    def phrase(self, k: int | None = None, sep: str | None = None) -> str:
        k = k or self.n(3, 5)
        sep = self.r.choice(["-", ".", "_", ""]) if sep is None else sep
        ws = [self.word() for _ in range(k)]
        if sep == "":
            ws = [w.capitalize() for w in ws]
        v = sep.join(ws)
        if self.r.random() < 0.5:
            v += (sep if sep != " " else " ") + str(self.n(2, 99))
        return v

    def unicode_pw(self, sym: str = SYM) -> str:
        w = self.r.choice(UWORDS)
        w = w[0].upper() + w[1:]
        tail = self.r.choice([c for c in "!#?.-_" if c in sym] or ["."])
        return f"{w}{self.r.choice(['', '-', '.', '_'])}{self.n(10, 9999)}{tail}"

    def pw(self, sym: str = SYM, uni: bool = True, spaces: bool = False) -> str:
        k = self.r.random()
        if k < 0.34:
            return self.mixed(None, sym)
        if k < 0.52:
            return self.human(sym)
        if k < 0.64:
            return self.phrase(None, " " if spaces and self.r.random() < 0.5 else None)
        if k < 0.78:
            return self.mixed(self.n(8, 10), sym)
        if k < 0.86:
            return self.b64url(self.r.choice([15, 18, 24, 30]))
        if k < 0.91:
            return self.hex(self.r.choice([24, 32, 40]))
        if k < 0.96 and uni:
            return self.unicode_pw(sym)
        return self.alnum(self.n(28, 48))

    def pin(self, k: int | None = None) -> str:
        k = k or self.r.choice([4, 5, 6, 6, 8])
        while True:
            v = self.s(DIG, k)
            if not v.startswith(("19", "20")) and len(set(v)) > 2:
                return v

    def jwt(self, claims: dict | None = None, alg: str = "RS256", sig_bytes: int = 256) -> str:
        now = self.epoch()
        head = (
            {"alg": alg, "typ": "JWT", "kid": self.b64url(24)}
            if alg != "HS256"
            else {"alg": alg, "typ": "JWT"}
        )
        body = claims or {
            "iss": f"https://{self.pick(('auth', 'login', 'sso', 'id'))}.{self.pick(DOMAINS)}/",
            "sub": self.uuid(),
            "aud": self.pick(("api", "account", "web", "orders-api")),
            "iat": now,
            "exp": now + 3600,
            "scope": self.pick(
                ("openid profile email", "read:orders write:orders", "admin", "offline_access")
            ),
        }

        def enc(o: object) -> str:
            return (
                base64.urlsafe_b64encode(json.dumps(o, separators=(",", ":")).encode())
                .decode()
                .rstrip("=")
            )

        return f"{enc(head)}.{enc(body)}.{self.b64url(sig_bytes)}"

    # surroundings
    def dt(self) -> datetime:
        return self.base + timedelta(seconds=self.n(0, 5 * 86400), microseconds=self.n(0, 999_999))

    def epoch(self) -> int:
        return int(self.dt().timestamp())

    def user(self) -> str:
        return self.r.choice(USERS)

    def first(self) -> str:
        return self.r.choice(FIRST)

    def host(self) -> str:
        return f"{self.r.choice(ROLES)}-{self.r.choice(ENVS)}-{self.n(1, 24):02d}"

    def domain(self) -> str:
        return self.r.choice(DOMAINS)

    def fqdn(self) -> str:
        return f"{self.host()}.{self.domain()}"

    def ip(self) -> str:
        k = self.n(0, 2)
        if k == 0:
            return f"10.{self.n(0, 254)}.{self.n(0, 254)}.{self.n(2, 254)}"
        if k == 1:
            return f"172.{self.n(16, 31)}.{self.n(0, 254)}.{self.n(2, 254)}"
        return f"192.168.{self.n(0, 254)}.{self.n(2, 254)}"

    def pid(self) -> int:
        return self.n(1200, 4_194_000)

    def port(self) -> int:
        return self.n(32768, 60999)

    def app(self) -> str:
        return self.r.choice(APPS)

    def db(self) -> str:
        return self.r.choice(DBS)

    def ns(self) -> str:
        return self.r.choice(NSS)

    def region(self) -> str:
        return self.r.choice(REGIONS)

    def pod(self, app: str | None = None) -> str:
        return f"{app or self.app()}-{self.s(POD, self.r.choice([9, 10]))}-{self.s(POD, 5)}"

    def email(self) -> str:
        return f"{self.first()}.{self.word()}@{self.domain()}"

    def version(self) -> str:
        return f"{self.n(0, 9)}.{self.n(0, 40)}.{self.n(0, 30)}"


LETTERS_FIRST = LOWER + UPPER

_TEMPLATES: dict[str, list[tuple[str, Callable[[Gen], tuple[str, list[str]]]]]] = {}
_KEEPS: list[tuple[str, Callable[[Gen], tuple[str, list[str]]]]] = []


def T(family: str, fmt: str) -> Callable:  # type: ignore[type-arg]
    def deco(fn: Callable[[Gen], tuple[str, list[str]]]) -> Callable[[Gen], tuple[str, list[str]]]:
        _TEMPLATES.setdefault(family, []).append((fmt, fn))
        return fn

    return deco


def K(fmt: str) -> Callable:  # type: ignore[type-arg]
    def deco(fn: Callable[[Gen], tuple[str, list[str]]]) -> Callable[[Gen], tuple[str, list[str]]]:
        _KEEPS.append((fmt, fn))
        return fn

    return deco


# vendor-shaped values used in several families
def aws_secret(g: Gen) -> str:
    return g.s(ALNUM, 1) + g.s(B64, 39)


def azure_secret(g: Gen) -> str:
    return g.alnum(3) + g.s(DIG, 1) + "Q~" + g.s(ALNUM + "_.~-", 33) + g.s(ALNUM, 1)


def ghp(g: Gen, prefix: str = "ghp_") -> str:
    return prefix + g.s(ALNUM, 36)


def glpat(g: Gen) -> str:
    return "glpat-" + g.s(ALNUM + "-_", 19) + g.s(ALNUM, 1)


def sts_token(g: Gen) -> str:
    return "IQoJb3JpZ2luX2VjE" + g.s(ALNUM, 3) + g.bodyb64(g.n(360, 520)) + g.pick(("", "=", "=="))


def ya29(g: Gen) -> str:
    return "ya29.a0" + g.s(B64U, g.n(150, 210))


def hvs(g: Gen) -> str:
    return g.pick(
        ("hvs." + g.s(ALNUM, 24), "hvs.CAESI" + g.s(B64U, 82) + "Gh4KHGh2cy4" + g.s(ALNUM, 22))
    )


def openai_key(g: Gen) -> str:
    return "sk-proj-" + g.s(B64U, 74) + "T3BlbkFJ" + g.s(B64U, 74)


def fernet(g: Gen) -> str:
    return "gAAAAAB" + g.s(B64U, g.n(170, 230))


def sendgrid(g: Gen) -> str:
    return "SG." + g.s(B64U, 22) + "." + g.s(B64U, 43)


def slack_bot(g: Gen) -> str:
    return f"xoxb-{g.digits(12)}-{g.digits(13)}-{g.s(ALNUM, 24)}"


def django_key(g: Gen) -> str:
    return g.s(LOWER + DIG, 1) + g.s(LOWER + DIG + "!@#%^&*(-_=+)", 49)


def pem_lines(g: Gen, prefix: str, total: int, width: int = 64) -> list[str]:
    total -= total % 4
    body = prefix + g.bodyb64(total - len(prefix))
    if g.r.random() < 0.5:
        body = body[:-1] + "="
    return [body[i : i + width] for i in range(0, len(body), width)]


# =============================================================================================
# 1. process command lines and listings

F = "process_cmdline"


@T(F, "ps auxww: mysqldump -p'..'")
def cmd_ps_mysqldump(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    d = g.dt()
    return (
        "USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND\n"
        f"mysql    {g.pid():>7}  0.4  0.2 {g.n(20000, 90000)} {g.n(5000, 30000)} ?        S    {d:%H:%M}   0:0{g.n(0, 9)} /usr/bin/mysqldump -h {g.fqdn()} -u {g.user()} -p'{pw}' --single-transaction --routines {g.db()}",
        [pw],
    )


@T(F, "/proc/<pid>/cmdline: java -Djavax.net.ssl.keyStorePassword=")
def cmd_proc_java(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw(uni=False)
    app, pid = g.app(), g.pid()
    return (
        f"[root@{g.host()} ~]# tr '\\0' ' ' < /proc/{pid}/cmdline; echo\n"
        f"/usr/lib/jvm/java-17-openjdk/bin/java -Xms512m -Xmx2g -Djavax.net.ssl.keyStore=/etc/{app}/tls/keystore.p12 -Djavax.net.ssl.keyStorePassword={pw} -Dspring.profiles.active=prod -jar /opt/{app}/{app}.jar",
        [pw],
    )


@T(F, "pgrep -af: sshpass -p positional")
def cmd_pgrep_sshpass(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw(sym=SYM_NOHASH, uni=False)
    return (
        f"[{g.user()}@{g.host()} ~]$ pgrep -af sshpass\n"
        f"{g.pid()} sshpass -p {pw} ssh -o StrictHostKeyChecking=no -p 2222 {g.user()}@{g.ip()} /opt/scripts/rotate-logs.sh",
        [pw],
    )


@T(F, "systemctl status CGroup: cloud-sql-proxy --token")
def cmd_systemctl_cgroup(g: Gen) -> tuple[str, list[str]]:
    tok = ya29(g)
    pid, d = g.pid(), g.dt()
    proj = f"{g.word()}-{g.word()}-{g.n(100, 999)}"
    return (
        "● cloud-sql-proxy.service - Cloud SQL Auth Proxy\n"
        "     Loaded: loaded (/etc/systemd/system/cloud-sql-proxy.service; enabled; preset: enabled)\n"
        f"     Active: active (running) since {d:%a %Y-%m-%d %H:%M:%S} UTC; {g.n(2, 9)}h ago\n"
        f"   Main PID: {pid} (cloud-sql-prox)\n"
        f"      Tasks: {g.n(8, 19)} (limit: 38043)\n"
        f"     Memory: {g.n(20, 90)}.{g.n(1, 9)}M\n"
        "     CGroup: /system.slice/cloud-sql-proxy.service\n"
        f"             └─{pid} /usr/local/bin/cloud-sql-proxy --port 5432 --token {tok} {proj}:{g.pick(('europe-west1', 'us-central1'))}:{g.db()}-pg",
        [tok],
    )


@T(F, "auditd EXECVE: openssl -passout pass:")
def cmd_auditd(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw(uni=False)
    ep, ms, serial, pid, h = g.epoch(), g.n(100, 999), g.n(1000, 99999), g.pid(), g.host()
    return (
        f'type=SYSCALL msg=audit({ep}.{ms}:{serial}): arch=c000003e syscall=59 success=yes exit=0 a0=55d1c3e0a2f0 a1=55d1c3e0b1a0 a2=55d1c3e09c10 a3=8 items=2 ppid={g.pid()} pid={pid} auid=1001 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts1 ses=14 comm="openssl" exe="/usr/bin/openssl" subj=unconfined key="exec_watch"\n'
        f'type=EXECVE msg=audit({ep}.{ms}:{serial}): argc=11 a0="openssl" a1="pkcs12" a2="-export" a3="-in" a4="/etc/pki/tls/certs/{h}.crt" a5="-inkey" a6="/etc/pki/tls/private/{h}.key" a7="-passout" a8="pass:{pw}" a9="-out" a10="/tmp/{h}.p12"\n'
        f'type=CWD msg=audit({ep}.{ms}:{serial}): cwd="/root"',
        [pw],
    )


@T(F, "wmic process get CommandLine: sqlcmd -P")
def cmd_wmic(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw(sym=SYM_WIN, uni=False)
    return (
        f"C:\\Users\\{g.user()}>wmic process where \"name='sqlcmd.exe'\" get ProcessId,CommandLine\n"
        "CommandLine                                                                                                   ProcessId\n"
        rf'"C:\Program Files\Microsoft SQL Server\Client SDK\ODBC\170\Tools\Binn\SQLCMD.EXE" -S tcp:{g.host()},1433 -U sa -P {pw} -d {g.db()} -i D:\jobs\nightly_reindex.sql  {g.pid()}',
        [pw],
    )


@T(F, "Sysmon EventID 1: net use positional password")
def cmd_sysmon(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw(sym=SYM_WIN, uni=False)
    u, d = g.user(), g.dt()
    return (
        "Process Create:\n"
        "RuleName: technique_id=T1021.002,technique_name=SMB/Windows Admin Shares\n"
        f"UtcTime: {spdot(d)}\n"
        f"ProcessGuid: {{{g.uuid().upper()}}}\n"
        f"ProcessId: {g.n(1000, 20000)}\n"
        r"Image: C:\Windows\System32\net.exe"
        "\n"
        rf"CommandLine: net  use Z: \\{g.host()}\finance$ {pw} /user:CORP\{u} /persistent:no"
        "\n"
        r"CurrentDirectory: C:\Windows\system32"
        "\\\n"
        rf"User: CORP\{u}"
        "\n"
        "IntegrityLevel: High",
        [pw],
    )


@T(F, "ps: smbclient -U DOMAIN\\user%pass")
def cmd_smbclient(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw(sym=SYM_NOPCT, uni=False)
    f = f"{g.db()}-{g.dt():%Y%m%d}.tar.zst"
    return (
        f'root     {g.pid():>7}  0.0  0.0  48212  9120 ?        S    02:1{g.n(0, 9)}   0:00 /usr/bin/smbclient //{g.host()}/backups -U CORP\\{g.user()}%{pw} -c "put /var/backups/{f} {f}"',
        [pw],
    )


@T(F, "/bin/sh -c ldapsearch -w")
def cmd_ldapsearch(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw(uni=False)
    return (
        f"  PID TTY      STAT   TIME COMMAND\n"
        f'{g.pid():>5} ?        S      0:00 /bin/sh -c /usr/bin/ldapsearch -x -LLL -H ldaps://{g.fqdn()}:636 -D "cn={g.user()},ou=service,dc=corp,dc=example" -w {pw} -b "ou=people,dc=corp,dc=example" "(memberOf=cn=oncall,ou=groups,dc=corp,dc=example)" mail',
        [pw],
    )


@T(F, "sudo log COMMAND: htpasswd -b positional")
def cmd_sudo_htpasswd(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw(uni=False)
    u = g.user()
    return (
        f"{syslog(g.dt())} {g.host()} sudo[{g.pid()}]:     {u} : TTY=pts/{g.n(0, 6)} ; PWD=/home/{u} ; USER=root ; COMMAND=/usr/bin/htpasswd -b /etc/nginx/.htpasswd {g.first()} {pw}",
        [pw],
    )


@T(F, "ps -axo (macOS): security add-generic-password -w")
def cmd_macos_security(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw(uni=False)
    u = g.first()
    return (
        "$ ps -axo pid,ppid,command | grep [s]ecurity\n"
        f"{g.n(300, 99999):>5} {g.n(300, 99999):>5} /usr/bin/security add-generic-password -U -a {g.user()} -s {g.app()}-ci -w {pw} /Users/{u}/Library/Keychains/ci.keychain-db",
        [pw],
    )


# =============================================================================================
# 2. environment dumps

F = "env_dump"


@T(F, "env | sort (two secrets)")
def env_sort(g: Gen) -> tuple[str, list[str]]:
    pw, tw = g.pw(sym=SYM_NOHASH), g.hex(32)
    return (
        "$ env | sort\n"
        "APP_ENV=production\n"
        f"AWS_REGION={g.region()}\n"
        f"DATABASE_HOST={g.fqdn()}\n"
        f"DATABASE_PASSWORD={pw}\n"
        f"DATABASE_USER={g.user()}\n"
        "HOME=/home/app\n"
        f"HOSTNAME={g.pod()}\n"
        "LANG=C.UTF-8\n"
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n"
        f"TWILIO_ACCOUNT_SID=AC{g.hex(32)}\n"
        f"TWILIO_AUTH_TOKEN={tw}",
        [pw, tw],
    )


@T(F, "docker inspect .Config.Env | jq")
def env_docker_inspect(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    return (
        "$ docker inspect --format '{{json .Config.Env}}' rabbitmq-1 | jq .\n"
        "[\n"
        f'  "RABBITMQ_DEFAULT_USER={g.user()}",\n'
        f'  "RABBITMQ_DEFAULT_PASS={pw}",\n'
        '  "PATH=/opt/rabbitmq/sbin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",\n'
        f'  "RABBITMQ_VERSION=3.13.{g.n(1, 7)}",\n'
        '  "RABBITMQ_HOME=/opt/rabbitmq",\n'
        '  "HOME=/var/lib/rabbitmq"\n'
        "]",
        [pw],
    )


@T(F, "kubectl describe pod: Environment literal")
def env_kubectl_describe(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    app = g.app()
    return (
        f"  {app}:\n"
        f"    Container ID:   containerd://{g.hex(64)}\n"
        f"    Image:          registry.{g.domain()}/{app}:{g.version()}\n"
        "    Environment:\n"
        "      SPRING_PROFILES_ACTIVE:  prod\n"
        f"      SPRING_MAIL_USERNAME:    {g.user()}\n"
        f"      SPRING_MAIL_PASSWORD:    {pw}\n"
        f"      DB_PASSWORD:             <set to the key 'password' in secret '{app}-db'>  Optional: false\n"
        "      JAVA_TOOL_OPTIONS:       -XX:MaxRAMPercentage=75\n"
        "    Mounts:\n"
        f"      /var/run/secrets/kubernetes.io/serviceaccount from kube-api-access-{g.s(POD, 5)} (ro)",
        [pw],
    )


@T(F, "/proc/1/environ")
def env_proc_environ(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    return (
        "# cat /proc/1/environ | tr '\\0' '\\n' | grep -v ^PATH\n"
        f"HOSTNAME={g.hex(12)}\n"
        f"MINIO_ROOT_USER={g.user()}\n"
        f"MINIO_ROOT_PASSWORD={pw}\n"
        "MINIO_VOLUMES=/data\n"
        "MINIO_CONFIG_ENV_FILE=config.env\n"
        "HOME=/root",
        [pw],
    )


@T(F, "PowerShell Get-ChildItem Env: table")
def env_ps_table(g: Gen) -> tuple[str, list[str]]:
    sec = azure_secret(g)
    return (
        "PS C:\\> Get-ChildItem Env: | Where-Object Name -like 'AZURE*'\n"
        "\n"
        "Name                           Value\n"
        "----                           -----\n"
        f"AZURE_CLIENT_ID                {g.uuid()}\n"
        f"AZURE_CLIENT_SECRET            {sec}\n"
        f"AZURE_TENANT_ID                {g.uuid()}",
        [sec],
    )


@T(F, "systemctl show -p Environment")
def env_systemctl_show(g: Gen) -> tuple[str, list[str]]:
    key = g.hex(64)
    return (
        f"$ systemctl show {g.app()}-worker.service -p Environment\n"
        f"Environment=NODE_ENV=production PORT={g.n(3000, 9000)} WEBHOOK_SIGNING_SECRET={key} LOG_LEVEL=info",
        [key],
    )


@T(F, "ps eww: environment appended to argv")
def env_ps_eww(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw(sym=SYM_NOHASH, uni=False)
    p = g.pid()
    return (
        f"$ ps eww -p {p}\n"
        "    PID TTY      STAT   TIME COMMAND\n"
        f"{p:>7} ?        Ssl   {g.n(1, 59)}:{g.n(10, 59)} node /srv/app/server.js NODE_ENV=production PORT=3000 SESSION_SECRET={pw} HOME=/home/node PWD=/srv/app",
        [pw],
    )


@T(F, "Python os.environ repr")
def env_python_repr(g: Gen) -> tuple[str, list[str]]:
    key = django_key(g)
    return (
        ">>> import os; os.environ\n"
        f"environ({{'PATH': '/usr/local/bin:/usr/bin:/bin', 'HOSTNAME': '{g.pod()}', 'DJANGO_SETTINGS_MODULE': 'core.settings.prod', 'DJANGO_SECRET_KEY': '{key}', 'LANG': 'C.UTF-8', 'HOME': '/root'}})",
        [key],
    )


@T(F, "docker compose config: environment map")
def env_compose_config(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    return (
        "$ docker compose config keycloak\n"
        "services:\n"
        "  keycloak:\n"
        "    command:\n"
        "      - start\n"
        "      - --optimized\n"
        "    environment:\n"
        f"      KC_DB_URL: jdbc:postgresql://{g.host()}:5432/keycloak\n"
        "      KC_DB_USERNAME: keycloak\n"
        "      KEYCLOAK_ADMIN: admin\n"
        f"      KEYCLOAK_ADMIN_PASSWORD: {pw}\n"
        f"    image: quay.io/keycloak/keycloak:26.0.{g.n(1, 7)}",
        [pw],
    )


@T(F, "Node util.inspect of env subset")
def env_node_inspect(g: Gen) -> tuple[str, list[str]]:
    key = sendgrid(g)
    return (
        f"[{iso(g.dt())}] DEBUG config: loaded env {{\n"
        "  NODE_ENV: 'production',\n"
        f"  SENDGRID_API_KEY: '{key}',\n"
        f"  SENDGRID_FROM: 'noreply@{g.domain()}',\n"
        "  PORT: '8080'\n"
        "}",
        [key],
    )


# =============================================================================================
# 3. shell traces and histories

F = "shell_trace_history"


@T(F, "bash -x: export PGPASSWORD")
def sh_pgpassword(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    h, u, db = g.fqdn(), g.user(), g.db()
    return (
        "+ set -euo pipefail\n"
        f"+ export {shq('PGPASSWORD=' + pw)}\n"
        f"+ pg_dump -h {h} -U {u} -Fc -f /backups/{db}-{g.dt():%Y%m%d}.dump {db}\n"
        f'pg_dump: error: connection to server at "{h}" ({g.ip()}), port 5432 failed: FATAL:  password authentication failed for user "{u}"',
        [pw],
    )


@T(F, "bash -x: command substitution result")
def sh_vault_subst(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    app = g.app()
    return (
        f"++ vault kv get -field=password secret/{app}/db\n"
        f"+ DB_PASS={shq(pw)}\n"
        f"+ systemctl restart {app}.service",
        [pw],
    )


@T(F, "bash -x: curl -H 'Authorization: Bearer'")
def sh_curl_bearer(g: Gen) -> tuple[str, list[str]]:
    tok = g.b64url(g.pick((24, 32, 40)))
    return (
        f"+ curl -fsS -X POST -H 'Authorization: Bearer {tok}' -H 'Content-Type: application/json' -d '{{\"ref\":\"main\"}}' https://deploy.{g.domain()}/v2/deploys\n"
        "curl: (22) The requested URL returned error: 409",
        [tok],
    )


@T(F, "zsh xtrace: docker login --password")
def sh_zsh_docker(g: Gen) -> tuple[str, list[str]]:
    pw = g.s(ALNUM, 32)
    return (
        f"+/usr/local/bin/release.sh:{g.n(20, 140)}> docker login --username 'robot$ci-push' --password {pw} harbor.{g.domain()}\n"
        "WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n"
        "Login Succeeded",
        [pw],
    )


@T(F, "~/.bash_history: mysql -pPASS")
def sh_bash_history(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw(sym="-_.@%+^~", uni=False)
    return (
        "$ tail -n 5 ~/.bash_history\n"
        "cd /var/lib/mysql\n"
        "ls -la\n"
        f"mysql -uroot -p{pw} -e 'SHOW REPLICA STATUS\\G'\n"
        "systemctl restart mysqld\n"
        "exit",
        [pw],
    )


@T(F, "PowerShell transcript: net user /add")
def sh_ps_transcript(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw(sym=SYM_WIN, uni=False)
    u, d = g.user(), g.dt()
    return (
        "**********************\n"
        "Windows PowerShell transcript start\n"
        f"Start time: {d:%Y%m%d%H%M%S}\n"
        f"Username: CORP\\{u}\n"
        f"RunAs User: CORP\\{u}\n"
        f"Machine: {g.host().upper()} (Microsoft Windows NT 10.0.20348.0)\n"
        "Host Application: C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe\n"
        f"Process ID: {g.n(1000, 30000)}\n"
        "**********************\n"
        f"PS C:\\Users\\{u}> net user svc_backup {pw} /add /y\n"
        "The command completed successfully.",
        [pw],
    )


@T(F, "fish_history: set -gx OPENAI_API_KEY")
def sh_fish(g: Gen) -> tuple[str, list[str]]:
    key = openai_key(g)
    e = g.epoch()
    return (
        f"- cmd: set -gx OPENAI_API_KEY {key}\n"
        f"  when: {e}\n"
        "- cmd: python scripts/eval.py --model gpt-4o-mini --limit 200\n"
        f"  when: {e + g.n(5, 90)}",
        [key],
    )


@T(F, "BuildKit RUN set -x: .npmrc authToken")
def sh_buildkit(g: Gen) -> tuple[str, list[str]]:
    tok = ghp(g)
    n = g.n(5, 19)
    return (
        f'#{n} [stage-1 5/9] RUN set -x; echo "//npm.pkg.github.com/:_authToken=${{NPM_TOKEN}}" > .npmrc && npm ci --omit=dev\n'
        f"#{n} 0.{g.n(100, 400)} + echo //npm.pkg.github.com/:_authToken={tok}\n"
        f"#{n} 0.{g.n(401, 900)} + npm ci --omit=dev",
        [tok],
    )


@T(F, "cmd.exe echo: git remote set-url with oauth2 token")
def sh_cmd_git(g: Gen) -> tuple[str, list[str]]:
    tok = glpat(g)
    w = g.n(1, 9)
    return (
        f"C:\\agent\\_work\\{w}\\s>git remote set-url origin https://oauth2:{tok}@gitlab.{g.domain()}/platform/infra.git\n"
        "\n"
        f"C:\\agent\\_work\\{w}\\s>git fetch --prune origin",
        [tok],
    )


@T(F, "bash -x: read -s then export VAULT_TOKEN")
def sh_read_vault(g: Gen) -> tuple[str, list[str]]:
    tok = hvs(g)
    return (
        "+ read -rsp 'Vault token: ' VAULT_TOKEN\n"
        f"+ export VAULT_TOKEN={tok}\n"
        "+ vault token lookup -format=json",
        [tok],
    )


@T(F, "cloud-init journal: echo user:pass | chpasswd")
def sh_cloudinit(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw(uni=False)
    h, d, p = g.host(), g.dt(), g.pid()
    return (
        f"{syslog(d)} {h} cloud-init[{p}]: + echo {shq('ubuntu:' + pw)}\n"
        f"{syslog(d)} {h} cloud-init[{p}]: + chpasswd\n"
        f"{syslog(d)} {h} cloud-init[{p}]: + systemctl restart ssh",
        [pw],
    )


# =============================================================================================
# 4. HTTP authentication headers

F = "http_auth_headers"


@T(F, "curl -v: > Authorization: Basic")
def http_curl_basic(g: Gen) -> tuple[str, list[str]]:
    u, pw = g.user(), g.pw()
    b = b64s(f"{u}:{pw}")
    h, ip = g.fqdn(), g.ip()
    return (
        f"*   Trying {ip}:443...\n"
        f"* Connected to {h} ({ip}) port 443\n"
        f"* Server auth using Basic with user '{u}'\n"
        "> GET /api/v1/query?query=up HTTP/2\n"
        f"> Host: {h}\n"
        f"> Authorization: Basic {b}\n"
        "> User-Agent: curl/8.5.0\n"
        "> Accept: */*\n"
        ">\n"
        "< HTTP/2 401",
        [b],
    )


@T(F, "mitmproxy flow: PRIVATE-TOKEN")
def http_mitm_gitlab(g: Gen) -> tuple[str, list[str]]:
    tok = glpat(g)
    return (
        f"GET https://gitlab.{g.domain()}/api/v4/projects/{g.n(10, 9999)}/pipelines?ref=main\n"
        f"    PRIVATE-TOKEN: {tok}\n"
        "    User-Agent: python-gitlab/4.13.0\n"
        "    Accept: */*\n"
        " << 401 Unauthorized 34b",
        [tok],
    )


@T(F, "http.client debuglevel: X-Shopify-Access-Token")
def http_httpclient_shopify(g: Gen) -> tuple[str, list[str]]:
    tok = "shpat_" + g.hex(32)
    shop = f"{g.word()}-{g.word()}"
    return (
        rf"send: b'GET /admin/api/2024-10/orders.json?status=any&limit=250 HTTP/1.1\r\nHost: {shop}.myshopify.com\r\nUser-Agent: python-requests/2.32.3\r\nAccept-Encoding: gzip, deflate\r\nAccept: */*\r\nConnection: keep-alive\r\nX-Shopify-Access-Token: {tok}\r\n\r\n'"
        "\n"
        r"reply: 'HTTP/1.1 429 Too Many Requests\r\n'"
        "\n"
        "header: Retry-After: 2.0",
        [tok],
    )


@T(F, "HAR headers: DD-API-KEY and DD-APPLICATION-KEY")
def http_har_datadog(g: Gen) -> tuple[str, list[str]]:
    a, b = g.hex(32), g.hex(40)
    return (
        '        "headers": [\n'
        '          {"name": "Content-Type", "value": "application/json"},\n'
        f'          {{"name": "DD-API-KEY", "value": "{a}"}},\n'
        f'          {{"name": "DD-APPLICATION-KEY", "value": "{b}"}}\n'
        "        ],",
        [a, b],
    )


@T(F, "OkHttp logging interceptor: Authorization: SSWS")
def http_okhttp_okta(g: Gen) -> tuple[str, list[str]]:
    tok = "00" + g.s(ALNUM + "-_", 39) + g.s(ALNUM, 1)
    d = g.dt()
    org = f"{g.word()}{g.n(1, 99)}"
    return (
        f"{spdot(d)} INFO  o.h.l.HttpLoggingInterceptor - --> GET https://{org}.okta.com/api/v1/users?limit=200\n"
        f"{spdot(d)} INFO  o.h.l.HttpLoggingInterceptor - Authorization: SSWS {tok}\n"
        f"{spdot(d)} INFO  o.h.l.HttpLoggingInterceptor - Accept: application/json\n"
        f"{spdot(d)} INFO  o.h.l.HttpLoggingInterceptor - --> END GET",
        [tok],
    )


@T(F, "botocore debug: X-Amz-Security-Token in headers dict")
def http_botocore_sts(g: Gen) -> tuple[str, list[str]]:
    tok = sts_token(g)
    d = g.dt()
    reg = g.region()
    return (
        f"{sp(d)} botocore.endpoint [DEBUG] Sending http request: <AWSPreparedRequest stream_output=False, method=GET, url=https://s3.{reg}.amazonaws.com/{g.app()}-exports?list-type=2, headers={{'User-Agent': b'Boto3/1.35.54 md/Botocore#1.35.54 ua/2.0 os/linux#6.8.0 md/arch#x86_64 lang/python#3.12.7', 'X-Amz-Date': b'{d:%Y%m%dT%H%M%SZ}', 'X-Amz-Security-Token': b'{tok}', 'X-Amz-Content-SHA256': b'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'Authorization': b'AWS4-HMAC-SHA256 Credential=ASIA{g.upper(16)}/{d:%Y%m%d}/{reg}/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token, Signature={g.hex(64)}'}}>",
        [tok],
    )


@T(F, "grpc-go metadata map: x-goog-api-key")
def http_grpc_metadata(g: Gen) -> tuple[str, list[str]]:
    key = "AIza" + g.s(B64U, 35)
    return (
        f"{iso(g.dt())} DEBUG grpc: outgoing metadata: map[:authority:[generativelanguage.googleapis.com] user-agent:[grpc-go/1.67.1] x-goog-api-client:[gl-go/1.23.2 gapic/0.8.0 gax/2.13.0 grpc/1.67.1] x-goog-api-key:[{key}]]",
        [key],
    )


@T(F, "Go httputil.DumpRequestOut: Authorization: token")
def http_go_dump(g: Gen) -> tuple[str, list[str]]:
    tok = ghp(g, "gho_")
    return (
        rf'time={iso(g.dt())} level=debug msg="outgoing request" dump="GET /repos/{g.word()}/{g.app()}/actions/runs?per_page=50 HTTP/1.1\r\nHost: api.github.com\r\nUser-Agent: go-github/v66.0.0\r\nAccept: application/vnd.github+json\r\nAuthorization: token {tok}\r\nX-Github-Api-Version: 2022-11-28\r\nAccept-Encoding: gzip\r\n\r\n"',
        [tok],
    )


@T(F, "openstack --debug REQ: curl -H X-Auth-Token")
def http_openstack(g: Gen) -> tuple[str, list[str]]:
    tok = fernet(g)
    return (
        f'REQ: curl -g -i -X GET https://{g.fqdn()}:8774/v2.1/servers/detail?all_tenants=True -H "Accept: application/json" -H "User-Agent: python-novaclient" -H "X-Auth-Token: {tok}" -H "X-OpenStack-Nova-API-Version: 2.1"\n'
        f"RESP: [401] Connection: keep-alive Content-Length: 114 Content-Type: application/json Date: {httpdate(g.dt())}",
        [tok],
    )


@T(F, "wget --debug request block: Api-Key")
def http_wget_newrelic(g: Gen) -> tuple[str, list[str]]:
    key = "NRAK-" + g.s(UPPER + DIG, 27)
    return (
        "---request begin---\n"
        "POST /graphql HTTP/1.1\n"
        "User-Agent: Wget/1.21.4\n"
        "Accept: */*\n"
        "Accept-Encoding: identity\n"
        "Host: api.eu.newrelic.com\n"
        "Connection: Keep-Alive\n"
        "Content-Type: application/json\n"
        f"Api-Key: {key}\n"
        f"Content-Length: {g.n(120, 600)}\n"
        "\n"
        "---request end---",
        [key],
    )


@T(F, "Ruby Net::HTTP set_debug_output: X-Postmark-Server-Token (UUID-shaped)")
def http_ruby_postmark(g: Gen) -> tuple[str, list[str]]:
    tok = g.uuid()
    return (
        "opening connection to api.postmarkapp.com:443...\n"
        "opened\n"
        "starting SSL for api.postmarkapp.com:443...\n"
        "SSL established, protocol: TLSv1.3, cipher: TLS_AES_128_GCM_SHA256\n"
        rf'<- "POST /email HTTP/1.1\r\nAccept: application/json\r\nContent-Type: application/json\r\nX-Postmark-Server-Token: {tok}\r\nUser-Agent: Postmark Ruby Gem v1.25.1\r\nHost: api.postmarkapp.com\r\nContent-Length: {g.n(300, 900)}\r\n\r\n"'
        "\n"
        r'-> "HTTP/1.1 200 OK\r\n"',
        [tok],
    )


# =============================================================================================
# 5. cookies and sessions

F = "http_cookies_sessions"


@T(F, "curl -i: Set-Cookie sessionid (Django)")
def ck_django(g: Gen) -> tuple[str, list[str]]:
    sid = g.s(LOWER + DIG, 32)
    d = g.dt()
    return (
        "HTTP/1.1 302 Found\n"
        "Server: nginx/1.26.2\n"
        f"Date: {httpdate(d)}\n"
        "Location: /admin/\n"
        "Vary: Cookie\n"
        f"Set-Cookie: csrftoken={g.s(ALNUM, 32)}; expires={httpdate(d + timedelta(days=364))}; Max-Age=31449600; Path=/; SameSite=Lax\n"
        f"Set-Cookie: sessionid={sid}; expires={httpdate(d + timedelta(days=14))}; HttpOnly; Max-Age=1209600; Path=/; SameSite=Lax",
        [sid],
    )


@T(F, "Apache log with %{Cookie}i: PHPSESSID")
def ck_apache_php(g: Gen) -> tuple[str, list[str]]:
    sid = g.s(LOWER + DIG, 26)
    h = g.fqdn()
    return (
        f'{g.ip()} - - [{clf(g.dt())}] "GET /wp-admin/admin-ajax.php?action=heartbeat HTTP/1.1" 200 512 "https://{h}/wp-admin/" "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0" "PHPSESSID={sid}; wp-settings-time-1={g.epoch()}"',
        [sid],
    )


@T(F, "Express: Set-Cookie connect.sid signed")
def ck_express(g: Gen) -> tuple[str, list[str]]:
    val = "s%3A" + g.s(B64U, 32) + "." + urllib.parse.quote(g.b64(32).rstrip("="), safe="")
    d = g.dt()
    return (
        "< HTTP/1.1 200 OK\n"
        "< X-Powered-By: Express\n"
        "< Content-Type: application/json; charset=utf-8\n"
        f"< Set-Cookie: connect.sid={val}; Path=/; Expires={httpdate(d + timedelta(days=1))}; HttpOnly; SameSite=Strict\n"
        f"< Date: {httpdate(d)}",
        [val],
    )


@T(F, "ASP.NET Core HttpLogging: Cookie .AspNetCore.Cookies")
def ck_aspnet(g: Gen) -> tuple[str, list[str]]:
    val = "CfDJ8" + g.s(B64U, g.n(280, 420))
    return (
        "info: Microsoft.AspNetCore.HttpLogging.HttpLoggingMiddleware[1]\n"
        "      Request:\n"
        "      Protocol: HTTP/1.1\n"
        "      Method: GET\n"
        "      Scheme: https\n"
        "      PathBase: \n"
        "      Path: /account/manage\n"
        "      Accept: text/html\n"
        f"      Host: portal.{g.domain()}\n"
        f"      Cookie: .AspNetCore.Cookies={val}",
        [val],
    )


@T(F, "Laravel log context: laravel_session cookie")
def ck_laravel(g: Gen) -> tuple[str, list[str]]:
    def cookie() -> str:
        payload = {"iv": g.b64(16), "value": g.b64(g.n(60, 120)), "mac": g.hex(64), "tag": ""}
        return urllib.parse.quote(b64s(json.dumps(payload, separators=(",", ":"))), safe="")

    xs, ls = cookie(), cookie()
    return (
        f'[{g.dt():%Y-%m-%d %H:%M:%S}] production.DEBUG: incoming request {{"method":"POST","uri":"/livewire/update","headers":{{"cookie":["XSRF-TOKEN={xs}; laravel_session={ls}"]}}}}',
        [ls],
    )


@T(F, "Firefox network tab paste: Rails encrypted cookie")
def ck_rails(g: Gen) -> tuple[str, list[str]]:
    val = urllib.parse.quote(f"{g.b64(g.n(90, 200))}--{g.b64(12)}--{g.b64(16)}", safe="")
    d = g.domain()
    return (
        "Request Headers (copied from Firefox):\n"
        "  Accept: text/html,application/xhtml+xml\n"
        f"  Cookie: _shop_session={val}; cookie_consent=1\n"
        f"  Referer: https://shop.{d}/admin\n"
        "  User-Agent: Mozilla/5.0 (Macintosh; Intel Mac OS X 14.6; rv:133.0) Gecko/20100101 Firefox/133.0",
        [val],
    )


@T(F, "Netscape cookies.txt: session_token")
def ck_netscape(g: Gen) -> tuple[str, list[str]]:
    val = g.b64url(32)
    d, e = g.domain(), g.epoch() + 86400 * 30
    return (
        "# Netscape HTTP Cookie File\n"
        "# https://curl.se/docs/http-cookies.html\n"
        "# This file was generated by libcurl! Edit at your own risk.\n"
        "\n"
        f"#HttpOnly_.{d}\tTRUE\t/\tTRUE\t{e}\tsession_token\t{val}\n"
        f".{d}\tTRUE\t/\tFALSE\t{e}\t_ga\tGA1.1.{g.digits(9)}.{g.epoch()}",
        [val],
    )


@T(F, "Copy as cURL: __Secure-next-auth.session-token (JWE)")
def ck_nextauth(g: Gen) -> tuple[str, list[str]]:
    jwe = (
        "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0.."
        + g.b64url(12)
        + "."
        + g.b64url(g.n(150, 300))
        + "."
        + g.b64url(16)
    )
    d = g.domain()
    return (
        f"curl 'https://app.{d}/api/auth/session' \\\n"
        "  -H 'accept: */*' \\\n"
        f"  -H 'cookie: __Host-next-auth.csrf-token={g.hex(64)}%7C{g.hex(64)}; __Secure-next-auth.callback-url=https%3A%2F%2Fapp.{d}; __Secure-next-auth.session-token={jwe}' \\\n"
        "  -H 'user-agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'",
        [jwe],
    )


@T(F, "Flask debug print of request.cookies")
def ck_flask(g: Gen) -> tuple[str, list[str]]:
    body = (
        base64.urlsafe_b64encode(
            json.dumps({"_user_id": str(g.n(1, 9999)), "_fresh": True}).encode()
        )
        .decode()
        .rstrip("=")
    )
    val = f"{body}.{g.s(B64U, 6)}.{g.b64url(20)}"
    return (
        f'{g.ip()} - - [{g.dt():%d/%b/%Y %H:%M:%S}] "GET /dashboard HTTP/1.1" 200 -\n'
        f"[{sp(g.dt())}] DEBUG in views: request.cookies=ImmutableMultiDict([('session', '{val}')])",
        [val],
    )


@T(F, "Playwright storageState.json cookie")
def ck_playwright(g: Gen) -> tuple[str, list[str]]:
    val = g.b64url(g.pick((24, 32)))
    return (
        "{\n"
        '  "cookies": [\n'
        "    {\n"
        '      "name": "sid",\n'
        f'      "value": "{val}",\n'
        f'      "domain": ".{g.domain()}",\n'
        '      "path": "/",\n'
        f'      "expires": {g.epoch() + 604800}.{g.n(100000, 999999)},\n'
        '      "httpOnly": true,\n'
        '      "secure": true,\n'
        '      "sameSite": "Lax"\n'
        "    }\n"
        "  ],\n"
        '  "origins": []\n'
        "}",
        [val],
    )


@T(F, "Set-Cookie: KEYCLOAK_IDENTITY (JWT)")
def ck_keycloak(g: Gen) -> tuple[str, list[str]]:
    tok = g.jwt(alg="HS256", sig_bytes=32)
    realm = g.pick(("corp", "customers", "internal", "partners"))
    return (
        "HTTP/1.1 302 Found\n"
        f"Location: https://app.{g.domain()}/callback?state={g.uuid()}&session_state={g.uuid()}&code={g.uuid()}.{g.uuid()}.{g.uuid()}\n"
        f"Set-Cookie: KEYCLOAK_IDENTITY={tok}; Version=1; Expires={httpdate(g.dt())}; Max-Age=36000; Path=/realms/{realm}/; Secure; HttpOnly",
        [tok],
    )


# =============================================================================================
# 6. mail-protocol authentication

F = "mail_protocol_auth"


def sasl_plain(user: str, pw: str, authz: str = "") -> str:
    return b64s(f"{authz}\0{user}\0{pw}")


@T(F, "swaks transcript: AUTH PLAIN after STARTTLS")
def mail_swaks(g: Gen) -> tuple[str, list[str]]:
    u, pw = g.email(), g.pw()
    b = sasl_plain(u, pw)
    h, me = f"smtp.{g.domain()}", g.host()
    return (
        f"=== Trying {h}:587...\n"
        f"=== Connected to {h}.\n"
        f"<-  220 {h} ESMTP Postfix (Debian/GNU)\n"
        f" -> EHLO {me}\n"
        f"<-  250-{h}\n"
        "<-  250-STARTTLS\n"
        "<-  250 AUTH PLAIN LOGIN\n"
        " -> STARTTLS\n"
        "<-  220 2.0.0 Ready to start TLS\n"
        "=== TLS started with cipher TLSv1.3:TLS_AES_256_GCM_SHA384:256\n"
        f" ~> EHLO {me}\n"
        "<~  250 AUTH PLAIN LOGIN\n"
        f" ~> AUTH PLAIN {b}\n"
        "<~* 535 5.7.8 Error: authentication failed: authentication failure",
        [b],
    )


@T(F, "openssl s_client -starttls smtp: AUTH LOGIN")
def mail_auth_login(g: Gen) -> tuple[str, list[str]]:
    u, pw = g.email(), g.pw()
    bp = b64s(pw)
    return (
        f"$ openssl s_client -quiet -starttls smtp -connect smtp.{g.domain()}:587\n"
        "250 CHUNKING\n"
        "AUTH LOGIN\n"
        "334 VXNlcm5hbWU6\n"
        f"{b64s(u)}\n"
        "334 UGFzc3dvcmQ6\n"
        f"{bp}\n"
        "235 2.7.0 Authentication successful",
        [bp],
    )


@T(F, "dovecot rawlog .in: IMAP LOGIN quoted")
def mail_rawlog(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    u = g.user()
    return (
        f"$ cat /home/{u}/dovecot.rawlog/{g.dt():%Y%m%d-%H%M%S}-{g.pid()}.in\n"
        '1 ID ("name" "Thunderbird" "version" "128.5.0")\n'
        f'2 LOGIN "{g.email()}" "{pw}"\n'
        "3 CAPABILITY\n"
        '4 SELECT "INBOX"',
        [pw],
    )


@T(F, "imaplib debug: AUTHENTICATE PLAIN continuation")
def mail_imaplib(g: Gen) -> tuple[str, list[str]]:
    b = sasl_plain(g.email(), g.pw())
    d = g.dt()
    t = f"{d:%M:%S}.{g.n(10, 99)}"
    return (
        f"  {t} > b'KHPE1 AUTHENTICATE PLAIN'\n"
        f"  {t} < b'+ '\n"
        f"  {t} write literal size {len(b)}\n"
        f"  {t} > b'{b}'\n"
        f"  {t} < b'KHPE1 OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT] Logged in'",
        [b],
    )


@T(F, "openssl s_client pop3s: USER/PASS")
def mail_pop3(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    return (
        f"$ openssl s_client -quiet -connect pop.{g.domain()}:995\n"
        "depth=2 C = US, O = Internet Security Research Group, CN = ISRG Root X1\n"
        "verify return:1\n"
        "+OK Dovecot ready.\n"
        f"USER {g.user()}\n"
        "+OK\n"
        f"PASS {pw}\n"
        "-ERR [AUTH] Authentication failed.",
        [pw],
    )


@T(F, "smtplib set_debuglevel: send AUTH PLAIN")
def mail_smtplib(g: Gen) -> tuple[str, list[str]]:
    b = sasl_plain(g.email(), g.pw())
    h = f"smtp.{g.domain()}"
    return (
        r"send: 'ehlo [127.0.1.1]\r\n'"
        "\n"
        rf"reply: b'250-{h} at your service\r\n'"
        "\n"
        r"reply: b'250-AUTH LOGIN PLAIN XOAUTH2\r\n'"
        "\n"
        r"reply: b'250 SMTPUTF8\r\n'"
        "\n"
        rf"send: 'AUTH PLAIN {b}\r\n'"
        "\n"
        r"reply: b'535 5.7.8 Username and Password not accepted.\r\n'",
        [b],
    )


@T(F, 'sieve-connect --debug: AUTHENTICATE "PLAIN"')
def mail_sieve(g: Gen) -> tuple[str, list[str]]:
    b = sasl_plain(g.user(), g.pw())
    return (
        f"connection: remote host address is {g.ip()}\n"
        '<<< "IMPLEMENTATION" "Dovecot Pigeonhole"\n'
        '<<< "SASL" "PLAIN"\n'
        '<<< OK "Dovecot ready."\n'
        f'>>> AUTHENTICATE "PLAIN" "{b}"\n'
        '<<< OK "Logged in."',
        [b],
    )


@T(F, "NNTP: AUTHINFO USER/PASS")
def mail_nntp(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    return (
        f"200 news.{g.domain()} InterNetNews NNRP server INN 2.7.2 ready (posting ok)\n"
        f"AUTHINFO USER {g.user()}\n"
        "381 Enter password\n"
        f"AUTHINFO PASS {pw}\n"
        "281 Authentication succeeded",
        [pw],
    )


@T(F, "ejabberd debug: XMPP SASL <auth mechanism='PLAIN'>")
def mail_xmpp(g: Gen) -> tuple[str, list[str]]:
    u = g.user()
    b = sasl_plain(u, g.pw(), authz="")
    return (
        f"{g.dt():%Y-%m-%d %H:%M:%S.%f} [debug] <0.{g.n(1000, 9999)}.0>@ejabberd_receiver:process_data/2:276 (tls|<0.{g.n(1000, 9999)}.0>) Received XML on stream = <<\"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>{b}</auth>\">>",
        [b],
    )


@T(F, "msmtp --debug: AUTH XOAUTH2")
def mail_xoauth2(g: Gen) -> tuple[str, list[str]]:
    u = g.email()
    b = b64s(f"user={u}\x01auth=Bearer {ya29(g)}\x01\x01")
    return (
        f"<-- 220 smtp.{g.domain()} ESMTP ready\n"
        f"--> EHLO {g.host()}\n"
        "<-- 250-AUTH LOGIN PLAIN XOAUTH2 PLAIN-CLIENTTOKEN OAUTHBEARER XOAUTH\n"
        "<-- 250 SMTPUTF8\n"
        f"--> AUTH XOAUTH2 {b}\n"
        "<-- 235 2.7.0 Accepted",
        [b],
    )


@T(F, "JavaMail mail.debug.auth: A1 LOGIN")
def mail_javamail(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    u, h = g.user(), f"imap.{g.domain()}"
    return (
        f"DEBUG IMAPS: protocolConnect login, host={h}, user={u}, password=<non-null>\n"
        "DEBUG IMAPS: LOGIN command trace suppressed\n"
        "DEBUG IMAPS: LOGIN command result: A1 NO [AUTHENTICATIONFAILED] Authentication failed.\n"
        f'A1 LOGIN {u} "{pw}"\n'
        "A1 NO [AUTHENTICATIONFAILED] Authentication failed.",
        [pw],
    )


# =============================================================================================
# 7. wire-protocol authentication

F = "wire_protocol_auth"


@T(F, "curl -v ftp: > PASS")
def wire_ftp(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    return (
        f"* Connected to ftp.{g.domain()} ({g.ip()}) port 21\n"
        "< 220 (vsFTPd 3.0.5)\n"
        f"> USER {g.user()}\n"
        "< 331 Please specify the password.\n"
        f"> PASS {pw}\n"
        "< 530 Login incorrect.\n"
        "* Access denied: 530",
        [pw],
    )


@T(F, 'redis MONITOR: "AUTH" user pass')
def wire_redis_monitor(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    e, ip = g.epoch(), g.ip()
    return (
        "127.0.0.1:6379> MONITOR\n"
        "OK\n"
        f'{e}.{g.n(100000, 999999)} [0 {ip}:{g.port()}] "AUTH" "{g.user()}" "{pw}"\n'
        f'{e}.{g.n(100000, 999999)} [0 {ip}:{g.port()}] "CLIENT" "SETNAME" "sidekiq-{g.pid()}"',
        [pw],
    )


@T(F, "ngrep: RESP AUTH frame")
def wire_ngrep_resp(g: Gen) -> tuple[str, list[str]]:
    pw = g.mixed(None, "!@#%^*-_+=~")
    return (
        f"T {g.ip()}:{g.port()} -> {g.ip()}:6379 [AP] #{g.n(1, 90)}\n"
        f"  *2..$4..AUTH..${len(pw)}..{pw}..",
        [pw],
    )


@T(F, "tshark -V: memcached SASL PLAIN value")
def wire_memcached(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw(uni=False)
    u = g.user()
    return (
        "Memcache Protocol\n"
        "    Magic: Request (128)\n"
        "    Opcode: SASL Authentication (33)\n"
        "    Key Length: 5\n"
        "    Extras length: 0\n"
        "    Data type: Raw bytes (0)\n"
        f"    Total body length: {5 + 2 + len(u) + len(pw)}\n"
        f"    Opaque: {g.n(1, 99999)}\n"
        "    Key: PLAIN\n"
        f"    Value: \\000{u}\\000{pw}",
        [pw],
    )


@T(F, "tshark -V: MQTT CONNECT password")
def wire_mqtt(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    u = g.user()
    cid = f"sensor-gw-{g.n(1, 99):02d}"
    return (
        "MQ Telemetry Transport Protocol, Connect Command\n"
        "    Header Flags: 0x10, Message Type: Connect Command\n"
        f"    Msg Len: {20 + len(cid) + len(u) + len(pw.encode())}\n"
        "    Protocol Name Length: 4\n"
        "    Protocol Name: MQTT\n"
        "    Version: MQTT v3.1.1 (4)\n"
        "    Connect Flags: 0xc2, User Name Flag, Password Flag, QoS Level: At most once delivery (Fire and Forget), Clean Session Flag\n"
        "    Keep Alive: 60\n"
        f"    Client ID Length: {len(cid)}\n"
        f"    Client ID: {cid}\n"
        f"    User Name Length: {len(u)}\n"
        f"    User Name: {u}\n"
        f"    Password Length: {len(pw.encode())}\n"
        f"    Password: {pw}",
        [pw],
    )


@T(F, "tshark -V: AMQP Start-Ok response as hex bytes")
def wire_amqp(g: Gen) -> tuple[str, list[str]]:
    u, pw = g.user(), g.pw(uni=False)
    hx = ("\0" + u + "\0" + pw).encode().hex()
    return (
        "Advanced Message Queueing Protocol\n"
        "    Type: Method (1)\n"
        "    Channel: 0\n"
        f"    Length: {g.n(250, 400)}\n"
        "    Class: Connection (10)\n"
        "    Method: Start-Ok (11)\n"
        "    Arguments\n"
        "        Client-Properties\n"
        "            product: pika\n"
        "            version: 1.3.2\n"
        "        Mechanism: PLAIN\n"
        f"        Response: {hx}\n"
        "        Locale: en_US",
        [hx],
    )


@T(F, "tshark -V: LDAP bindRequest simple")
def wire_ldap(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    dn = f"cn={g.user()},ou=svc,dc=corp,dc=example"
    return (
        "Lightweight Directory Access Protocol\n"
        f'    LDAPMessage bindRequest(1) "{dn}" simple\n'
        "        messageID: 1\n"
        "        protocolOp: bindRequest (0)\n"
        "            bindRequest\n"
        "                version: 3\n"
        f"                name: {dn}\n"
        "                authentication: simple (0)\n"
        f"                    simple: {pw}",
        [pw],
    )


@T(F, "nats-server -DV trace: CONNECT json")
def wire_nats(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    d = g.dt()
    return (
        f'[{g.n(1, 99)}] {d:%Y/%m/%d %H:%M:%S}.{d.microsecond:06d} [TRC] {g.ip()}:{g.port()} - cid:{g.n(2, 999)} - <<- [CONNECT {{"verbose":false,"pedantic":false,"user":"{g.user()}","pass":"{pw}","tls_required":false,"name":"orders-consumer","lang":"go","version":"1.37.0","protocol":1,"echo":true,"headers":true,"no_responders":true}}]',
        [pw],
    )


@T(F, "ActiveMQ debug: STOMP CONNECT frame passcode")
def wire_stomp(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    return (
        f"{sp(g.dt())} | DEBUG | Received: CONNECT\n"
        "accept-version:1.2\n"
        "host:/\n"
        f"login:{g.user()}\n"
        f"passcode:{pw}\n"
        "heart-beat:10000,10000\n"
        f" | org.apache.activemq.transport.stomp.StompWireFormat | ActiveMQ Transport: tcp:///{g.ip()}:{g.port()}@61613",
        [pw],
    )


@T(F, "ZNC raw log: PASS and NickServ IDENTIFY")
def wire_irc(g: Gen) -> tuple[str, list[str]]:
    p1, p2 = g.pw(), g.pw()
    nick, d = g.first(), g.dt()
    return (
        f"[{hms(d)}] -> PASS {g.user()}/libera:{p1}\n"
        f"[{hms(d)}] -> NICK {nick}\n"
        f"[{hms(d)}] <- :NickServ!NickServ@services.libera.chat NOTICE {nick} :This nickname is registered. Please choose a different nickname, or identify via /msg NickServ IDENTIFY {nick} <password>\n"
        f"[{hms(d)}] -> PRIVMSG NickServ :IDENTIFY {p2}",
        [p1, p2],
    )


# =============================================================================================
# 8. network devices, voice and remote access

F = "network_device_remote"


@T(F, "Asterisk CLI: pjsip show auth")
def net_pjsip(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    ext = g.n(1000, 1999)
    return (
        f"*CLI> pjsip show auth {ext}-auth\n"
        "\n"
        "      Auth:  <AuthId/UserName.............................................................>\n"
        "==========================================================================================\n"
        f"      Auth:  {ext}-auth/{ext}\n"
        "\n"
        " ParameterName      : ParameterValue\n"
        " ======================================================\n"
        " auth_type          : userpass\n"
        " nonce_lifetime     : 32\n"
        f" password           : {pw}\n"
        " realm              : asterisk\n"
        f" username           : {ext}",
        [pw],
    )


@T(F, "reg query: TightVNC Password REG_BINARY")
def net_tightvnc(g: Gen) -> tuple[str, list[str]]:
    hx = g.HEX(16)
    return (
        "C:\\>reg query HKLM\\SOFTWARE\\TightVNC\\Server /v Password\n"
        "\n"
        "HKEY_LOCAL_MACHINE\\SOFTWARE\\TightVNC\\Server\n"
        f"    Password    REG_BINARY    {hx}",
        [hx],
    )


@T(F, "expect -d: telnet login send")
def net_expect(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw(uni=False)
    ip, u, sid = g.ip(), g.user(), f"exp{g.n(4, 9)}"
    return (
        f"spawn telnet {ip}\n"
        "parent: waiting for sync byte\n"
        "parent: telling child to go ahead\n"
        "parent: now unsynchronized from child\n"
        rf'expect: does "Trying {ip}...\r\nConnected to {ip}.\r\nEscape character is '
        "'^]'"
        r'.\r\n\r\nUser Access Verification\r\n\r\nUsername: " (spawn_id '
        f'{sid}) match glob pattern "Username:"? yes'
        "\n"
        f'send: sending "{u}\\r" to {{ {sid} }}'
        "\n"
        rf'expect: does " {u}\r\nPassword: " (spawn_id {sid}) match glob pattern "Password:"? yes'
        "\n"
        f'send: sending "{pw}\\r" to {{ {sid} }}',
        [pw],
    )


@T(F, "snmpwalk -v2c -c community")
def net_snmpwalk(g: Gen) -> tuple[str, list[str]]:
    comm = g.pick(
        (g.mixed(g.n(10, 16), "-_."), f"{g.word()}-{g.word()}-{g.n(10, 99)}", g.alnum(14))
    )
    return (
        f"$ snmpwalk -v2c -c {comm} {g.ip()} 1.3.6.1.2.1.1\n"
        "SNMPv2-MIB::sysDescr.0 = STRING: Cisco IOS Software, C2960X Software (C2960X-UNIVERSALK9-M), Version 15.2(7)E9, RELEASE SOFTWARE (fc3)\n"
        "SNMPv2-MIB::sysObjectID.0 = OID: SNMPv2-SMI::enterprises.9.1.1208\n"
        f"DISMAN-EVENT-MIB::sysUpTimeInstance = Timeticks: ({g.n(10**7, 10**9)}) 41 days, 2:11:09.14",
        [comm],
    )


@T(F, "icinga2 debug: check_snmp v3 -A/-X argv")
def net_snmpv3(g: Gen) -> tuple[str, list[str]]:
    a, x = g.pw(uni=False), g.pw(uni=False)
    return (
        f"[{g.dt():%Y-%m-%d %H:%M:%S} +0000] notice/Process: Running command '/usr/lib/nagios/plugins/check_snmp' '-H' '{g.ip()}' '-P' '3' '-L' 'authPriv' '-U' '{g.user()}' '-a' 'SHA' '-A' '{a}' '-x' 'AES' '-X' '{x}' '-o' '1.3.6.1.2.1.1.3.0': PID {g.pid()}",
        [a, x],
    )


@T(F, "freeradius -X: User-Password attribute")
def net_radius(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    ip = g.ip()
    return (
        f"(0) Received Access-Request Id {g.n(1, 255)} from {ip}:{g.port()} to {g.ip()}:1812 length {g.n(60, 140)}\n"
        f'(0)   User-Name = "{g.user()}"\n'
        f'(0)   User-Password = "{pw}"\n'
        f"(0)   NAS-IP-Address = {ip}\n"
        "(0)   NAS-Port = 0\n"
        f"(0)   Message-Authenticator = 0x{g.hex(32)}\n"
        "(0) # Executing section authorize from file /etc/freeradius/3.0/sites-enabled/default",
        [pw],
    )


@T(F, "IOS running-config: type 7 password and community")
def net_ios(g: Gen) -> tuple[str, list[str]]:
    t7 = f"{g.n(0, 15):02d}" + g.HEX(2 * g.n(8, 14))
    comm = g.alnum(g.n(10, 16))
    return (
        "!\n"
        f"hostname {g.host().upper()}\n"
        "!\n"
        f"enable secret 9 $9${g.s(B64U, 14)}${g.s(B64U, 43)}\n"
        f"username netops privilege 15 password 7 {t7}\n"
        "!\n"
        f"snmp-server community {comm} RO 10\n"
        "snmp-server location DC2 row 4 rack 12\n"
        "!",
        [t7, comm],
    )


@T(F, "RouterOS /export show-sensitive: ppp secret and wpa2 key")
def net_routeros(g: Gen) -> tuple[str, list[str]]:
    pw, psk = g.pw(sym="-_.@+", uni=False), g.pw(sym="-_.@+", uni=False)
    d = g.dt()
    return (
        f"# {d:%b}".lower() + f"/{d:%d}/{d:%Y} {hms(d)} by RouterOS 7.16.1\n"
        f"# software id = {g.upper(4)}-{g.upper(4)}\n"
        "/interface wireless security-profiles\n"
        f"add authentication-types=wpa2-psk mode=dynamic-keys name=corp supplicant-identity=MikroTik wpa2-pre-shared-key={psk}\n"
        "/ppp secret\n"
        f"add name={g.user()} password={pw} profile=vpn-users service=l2tp",
        [psk, pw],
    )


@T(F, ".rdp file: password 51:b: DPAPI hex")
def net_rdp(g: Gen) -> tuple[str, list[str]]:
    blob = "01000000D08C9DDF0115D1118C7A00C04FC297EB01000000" + g.HEX(g.n(280, 420))
    return (
        "screen mode id:i:2\n"
        "use multimon:i:0\n"
        f"full address:s:{g.fqdn()}\n"
        f"username:s:CORP\\{g.user()}\n"
        f"password 51:b:{blob}\n"
        "authentication level:i:2\n"
        "prompt for credentials:i:0",
        [blob],
    )


@T(F, "EdgeOS config tree: pre-shared-secret")
def net_edgeos(g: Gen) -> tuple[str, list[str]]:
    psk = g.pick((g.b64url(24), g.mixed(g.n(20, 32), "-_.+="), g.phrase(5, "-")))
    return (
        " vpn {\n"
        "     ipsec {\n"
        "         site-to-site {\n"
        f"             peer {g.ip()} {{\n"
        "                 authentication {\n"
        "                     mode pre-shared-secret\n"
        f"                     pre-shared-secret {psk}\n"
        "                 }\n"
        "                 connection-type initiate\n"
        "                 ike-group FOO0",
        [psk],
    )


# =============================================================================================
# 9. XML configuration

F = "config_xml"


@T(F, "tomcat-users.xml: user password attribute")
def xml_tomcat_users(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<tomcat-users xmlns="http://tomcat.apache.org/xml" version="1.0">\n'
        '  <role rolename="manager-gui"/>\n'
        '  <role rolename="manager-script"/>\n'
        f'  <user username="{g.user()}" password="{pw}" roles="manager-gui,manager-script"/>\n'
        "</tomcat-users>",
        [pw],
    )


@T(F, "Maven settings.xml: <server><password>")
def xml_maven(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    return (
        "  <servers>\n"
        "    <server>\n"
        "      <id>nexus-releases</id>\n"
        f"      <username>{g.user()}</username>\n"
        f"      <password>{pw}</password>\n"
        "    </server>\n"
        "  </servers>",
        [pw],
    )


@T(F, "NuGet.config: ClearTextPassword (Azure DevOps PAT)")
def xml_nuget(g: Gen) -> tuple[str, list[str]]:
    pat = g.s(B32, 52)
    return (
        "  <packageSourceCredentials>\n"
        "    <AzureArtifacts>\n"
        f'      <add key="Username" value="{g.user()}" />\n'
        f'      <add key="ClearTextPassword" value="{pat}" />\n'
        "    </AzureArtifacts>\n"
        "  </packageSourceCredentials>",
        [pat],
    )


@T(F, "web.config appSettings: ApiSecret")
def xml_appsettings(g: Gen) -> tuple[str, list[str]]:
    sec = g.pick((g.b64(32), g.hex(40), g.mixed(32, "-_.")))
    return (
        "  <appSettings>\n"
        f'    <add key="PaymentGateway:BaseUrl" value="https://pay.{g.domain()}/v2/" />\n'
        f'    <add key="PaymentGateway:MerchantId" value="M-{g.digits(8)}" />\n'
        f'    <add key="PaymentGateway:ApiSecret" value="{sec}" />\n'
        '    <add key="webpages:Version" value="3.0.0.0" />\n'
        "  </appSettings>",
        [sec],
    )


@T(F, "WildFly standalone.xml datasource security")
def xml_wildfly(g: Gen) -> tuple[str, list[str]]:
    pw, u = g.pw(), g.user()
    if g.r.random() < 0.5:
        sec = f"                    <security>\n                        <user-name>{u}</user-name>\n                        <password>{pw}</password>\n                    </security>"
    else:
        sec = f'                    <security user-name="{u}" password="{pw}"/>'
    return (
        '                <datasource jndi-name="java:jboss/datasources/OrdersDS" pool-name="OrdersDS">\n'
        f"                    <connection-url>jdbc:postgresql://{g.host()}:5432/{g.db()}</connection-url>\n"
        "                    <driver>postgresql</driver>\n"
        f"{sec}\n"
        "                </datasource>",
        [pw],
    )


@T(F, 'FileZilla sitemanager.xml: <Pass encoding="base64">')
def xml_filezilla(g: Gen) -> tuple[str, list[str]]:
    b = b64s(g.pw())
    return (
        "        <Server>\n"
        f"            <Host>{g.fqdn()}</Host>\n"
        "            <Port>22</Port>\n"
        "            <Protocol>1</Protocol>\n"
        "            <Type>0</Type>\n"
        f"            <User>{g.user()}</User>\n"
        f'            <Pass encoding="base64">{b}</Pass>\n'
        "            <Logontype>1</Logontype>\n"
        "        </Server>",
        [b],
    )


@T(F, "unattend.xml: AdministratorPassword PlainText")
def xml_unattend(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    return (
        "            <UserAccounts>\n"
        "                <AdministratorPassword>\n"
        f"                    <Value>{pw}</Value>\n"
        "                    <PlainText>true</PlainText>\n"
        "                </AdministratorPassword>\n"
        "            </UserAccounts>",
        [pw],
    )


@T(F, "Spring beans XML: HikariDataSource password property")
def xml_spring_beans(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    return (
        '<bean id="dataSource" class="com.zaxxer.hikari.HikariDataSource" destroy-method="close">\n'
        f'    <property name="jdbcUrl" value="jdbc:mysql://{g.host()}:3306/{g.db()}"/>\n'
        f'    <property name="username" value="{g.user()}"/>\n'
        f'    <property name="password" value="{pw}"/>\n'
        "</bean>",
        [pw],
    )


@T(F, "SOAP WS-Security UsernameToken PasswordText")
def xml_wsse(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    return (
        "<soapenv:Header>\n"
        '  <wsse:Security soapenv:mustUnderstand="1" xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd" xmlns:wsu="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd">\n'
        f'    <wsse:UsernameToken wsu:Id="UsernameToken-{g.n(1, 99999)}">\n'
        f"      <wsse:Username>{g.user()}</wsse:Username>\n"
        f'      <wsse:Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText">{pw}</wsse:Password>\n'
        f'      <wsse:Nonce EncodingType="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary">{g.b64(16)}</wsse:Nonce>\n'
        f"      <wsu:Created>{iso(g.dt())}</wsu:Created>\n"
        "    </wsse:UsernameToken>\n"
        "  </wsse:Security>\n"
        "</soapenv:Header>",
        [pw],
    )


@T(F, ".mobileconfig plist: Wi-Fi payload Password")
def xml_plist(g: Gen) -> tuple[str, list[str]]:
    pw = g.pick((g.phrase(4, "-"), g.mixed(g.n(12, 20)), g.human()))
    return (
        "        <dict>\n"
        "            <key>AutoJoin</key>\n"
        "            <true/>\n"
        "            <key>EncryptionType</key>\n"
        "            <string>WPA2</string>\n"
        "            <key>Password</key>\n"
        f"            <string>{pw}</string>\n"
        "            <key>SSID_STR</key>\n"
        f"            <string>{g.word().capitalize()}-Office</string>\n"
        "        </dict>",
        [pw],
    )


# =============================================================================================
# 10. key-value configuration (properties, INI, dotenv)

F = "config_keyvalue"


@T(F, "application.properties: spring.datasource.password")
def kv_spring(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    return (
        f"spring.datasource.url=jdbc:postgresql://{g.host()}:5432/{g.db()}\n"
        f"spring.datasource.username={g.user()}\n"
        f"spring.datasource.password={pw}\n"
        "spring.jpa.open-in-view=false",
        [pw],
    )


@T(F, "gradle.properties: artifactory identity token")
def kv_gradle(g: Gen) -> tuple[str, list[str]]:
    tok = b64s(f"reftkn:01:{g.epoch() + 86400 * 365}:{g.s(ALNUM, 27)}")
    return (
        "org.gradle.jvmargs=-Xmx4g -XX:+UseParallelGC\n"
        "org.gradle.caching=true\n"
        f"artifactoryUser={g.user()}\n"
        f"artifactoryPassword={tok}",
        [tok],
    )


@T(F, "my.cnf [client]: quoted password")
def kv_mycnf(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    return (
        "[client]\n"
        f"user = {g.user()}\n"
        f'password = "{pw}"\n'
        f"host = {g.host()}\n"
        "\n"
        "[mysqldump]\n"
        "quick\n"
        "max_allowed_packet = 64M",
        [pw],
    )


@T(F, "odbc.ini: PWD")
def kv_odbcini(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    return (
        "[ReportingDW]\n"
        "Driver      = /opt/microsoft/msodbcsql18/lib64/libmsodbcsql-18.4.so.1.1\n"
        f"Server      = tcp:{g.host()},1433\n"
        "Database    = dw\n"
        f"UID         = {g.user()}\n"
        f"PWD         = {pw}\n"
        "Encrypt     = yes",
        [pw],
    )


@T(F, ".env: Adyen API key in double quotes")
def kv_dotenv_adyen(g: Gen) -> tuple[str, list[str]]:
    key = "AQE" + g.bodyb64(g.n(60, 80)) + "==-" + g.bodyb64(43) + "=-" + g.s(ALNUM + ";:>[<(?", 16)
    return (
        "# --- payments ---\n"
        f'ADYEN_API_KEY="{key}"\n'
        f"ADYEN_MERCHANT_ACCOUNT={g.word().capitalize()}ECOM\n"
        "ADYEN_ENVIRONMENT=live",
        [key],
    )


@T(F, "grafana.ini: admin_password and secret_key")
def kv_grafana(g: Gen) -> tuple[str, list[str]]:
    pw, sk = g.pw(sym=SYM_NOHASH), g.alnum(16)
    return (
        "[security]\n"
        "admin_user = admin\n"
        f"admin_password = {pw}\n"
        f"secret_key = {sk}\n"
        "disable_gravatar = true\n"
        "\n"
        "[smtp]\n"
        "enabled = true",
        [pw, sk],
    )


@T(F, "supervisord.conf: environment= with quoted value")
def kv_supervisor(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw(sym=SYM_NOPCT)
    return (
        "[program:celery]\n"
        "command=/srv/venv/bin/celery -A core worker -l info --concurrency=4\n"
        "directory=/srv/app\n"
        f'environment=DJANGO_SETTINGS_MODULE="core.settings.prod",BROKER_PASSWORD="{pw}"\n'
        "autorestart=true",
        [pw],
    )


@T(F, "pip.conf: index-url with userinfo")
def kv_pipconf(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw(sym=SYM_URL, uni=False)
    d = g.domain()
    return (
        "[global]\n"
        f"index-url = https://{g.user()}:{pw}@nexus.{d}/repository/pypi-all/simple\n"
        f"trusted-host = nexus.{d}\n"
        "timeout = 60",
        [pw],
    )


@T(F, "liquibase.properties: colon separator")
def kv_liquibase(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    return (
        "changeLogFile: db/changelog/db.changelog-master.yaml\n"
        f"url: jdbc:sqlserver://{g.host()}:1433;databaseName={g.db()};encrypt=true\n"
        f"username: {g.user()}\n"
        f"password: {pw}\n"
        "liquibase.hub.mode: off",
        [pw],
    )


@T(F, ".git/config: http extraheader basic")
def kv_gitconfig(g: Gen) -> tuple[str, list[str]]:
    b = b64s(":" + g.s(B32, 52))
    org = g.word()
    return (
        '[http "https://dev.azure.com/"]\n'
        f"\textraheader = AUTHORIZATION: basic {b}\n"
        '[remote "origin"]\n'
        f"\turl = https://dev.azure.com/{org}/{g.app()}/_git/{g.app()}\n"
        "\tfetch = +refs/heads/*:refs/remotes/origin/*",
        [b],
    )


# =============================================================================================
# 11. YAML, TOML and HCL configuration

F = "config_yaml_toml_hcl"


@T(F, "Kubernetes Secret stringData")
def y_k8s_stringdata(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    return (
        "apiVersion: v1\n"
        "kind: Secret\n"
        "metadata:\n"
        f"  name: {g.app()}-smtp\n"
        f"  namespace: {g.ns()}\n"
        "type: Opaque\n"
        "stringData:\n"
        f"  SMTP_USER: {g.user()}\n"
        f"  SMTP_PASS: '{pw}'",
        [pw],
    )


@T(F, "Helm values.yaml: postgresql.auth.password")
def y_helm(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    return (
        "postgresql:\n"
        "  enabled: true\n"
        "  auth:\n"
        f"    username: {g.user()}\n"
        f'    password: "{pw}"\n'
        f"    database: {g.db()}\n"
        "  primary:\n"
        "    persistence:\n"
        "      size: 50Gi",
        [pw],
    )


@T(F, "Ansible group_vars: root and user passwords")
def y_ansible(g: Gen) -> tuple[str, list[str]]:
    p1, p2 = g.pw(), g.pw()
    return (
        "---\n"
        f'mysql_root_password: "{p1}"\n'
        "mysql_users:\n"
        f"  - name: {g.user()}\n"
        '    host: "%"\n'
        f'    password: "{p2}"\n'
        f'    priv: "{g.db()}.*:ALL"',
        [p1, p2],
    )


@T(F, "Rails database.yml: ERB ENV.fetch fallback")
def y_rails(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    return (
        "production:\n"
        "  <<: *default\n"
        f"  database: {g.db()}_production\n"
        f"  username: {g.user()}\n"
        f'  password: <%= ENV.fetch("DB_PASSWORD") {{ "{pw}" }} %>',
        [pw],
    )


@T(F, 'HCL provider "grafana" auth')
def y_hcl_grafana(g: Gen) -> tuple[str, list[str]]:
    tok = "glsa_" + g.s(ALNUM, 32) + "_" + g.hex(8)
    return (
        f'provider "grafana" {{\n  url  = "https://grafana.{g.domain()}/"\n  auth = "{tok}"\n}}',
        [tok],
    )


@T(F, "Consul HCL acl.tokens (UUID-shaped)")
def y_consul(g: Gen) -> tuple[str, list[str]]:
    a, b = g.uuid(), g.uuid()
    return (
        "acl {\n"
        "  enabled                  = true\n"
        '  default_policy           = "deny"\n'
        "  enable_token_persistence = true\n"
        "  tokens {\n"
        f'    initial_management = "{a}"\n'
        f'    agent              = "{b}"\n'
        "  }\n"
        "}",
        [a, b],
    )


@T(F, "gitlab-runner config.toml: runner token")
def y_runner(g: Gen) -> tuple[str, list[str]]:
    tok = "glrt-" + g.pick(("t1_", "")) + g.s(ALNUM + "-_", 19) + g.s(ALNUM, 1)
    return (
        "concurrent = 4\n"
        "check_interval = 0\n"
        "\n"
        "[[runners]]\n"
        f'  name = "{g.host()}"\n'
        f'  url = "https://gitlab.{g.domain()}/"\n'
        f"  id = {g.n(10, 9999)}\n"
        f'  token = "{tok}"\n'
        f"  token_obtained_at = {g.dt():%Y-%m-%dT%H:%M:%SZ}\n"
        '  executor = "docker"',
        [tok],
    )


@T(F, "telegraf.conf TOML: influxdb_v2 token")
def y_telegraf(g: Gen) -> tuple[str, list[str]]:
    tok = g.b64(64)
    return (
        "[[outputs.influxdb_v2]]\n"
        f'  urls = ["https://influx.{g.domain()}:8086"]\n'
        f'  token = "{tok}"\n'
        '  organization = "ops"\n'
        '  bucket = "telegraf"',
        [tok],
    )


@T(F, "netplan: wifi access-point password")
def y_netplan(g: Gen) -> tuple[str, list[str]]:
    psk = g.pick((g.phrase(4, " "), g.mixed(g.n(12, 20)), g.human()))
    return (
        "network:\n"
        "  version: 2\n"
        "  wifis:\n"
        "    wlp2s0:\n"
        "      dhcp4: true\n"
        "      access-points:\n"
        f'        "{g.word().capitalize()}-5G":\n'
        f'          password: "{psk}"',
        [psk],
    )


@T(F, "GitHub workflow env: hard-coded Linear API key")
def y_workflow(g: Gen) -> tuple[str, list[str]]:
    key = "lin_api_" + g.s(ALNUM, 40)
    return (
        "jobs:\n"
        "  notify:\n"
        "    runs-on: ubuntu-24.04\n"
        "    env:\n"
        f"      LINEAR_API_KEY: {key}\n"
        "    steps:\n"
        "      - uses: actions/checkout@v4",
        [key],
    )


@T(F, "Pulumi.prod.yaml: plain config value beside secure one")
def y_pulumi(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw(sym=SYM_NOHASH)
    app = g.app().replace("-", "")
    return (
        "config:\n"
        f"  aws:region: {g.region()}\n"
        f"  {app}:dbPassword: {pw}\n"
        f"  {app}:stripeKey:\n"
        f"    secure: v1:{g.b64(12)}:{g.b64(48)}",
        [pw],
    )


# =============================================================================================
# 12. daemon configuration

F = "config_daemons"


@T(F, "nginx: proxy_set_header Authorization Basic")
def dm_nginx(g: Gen) -> tuple[str, list[str]]:
    b = b64s(f"{g.user()}:{g.pw()}")
    return (
        "location /grafana/ {\n"
        "    proxy_pass http://127.0.0.1:3000/;\n"
        "    proxy_set_header Host $host;\n"
        f'    proxy_set_header Authorization "Basic {b}";\n'
        "}",
        [b],
    )


@T(F, "apache: AuthLDAPBindPassword")
def dm_apache(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    return (
        "<Location /svn>\n"
        "    AuthType Basic\n"
        '    AuthName "Subversion"\n'
        "    AuthBasicProvider ldap\n"
        f'    AuthLDAPURL "ldaps://{g.fqdn()}/ou=people,dc=corp,dc=example?uid"\n'
        f'    AuthLDAPBindDN "cn={g.user()},ou=svc,dc=corp,dc=example"\n'
        f'    AuthLDAPBindPassword "{pw}"\n'
        "    Require ldap-group cn=svn,ou=groups,dc=corp,dc=example\n"
        "</Location>",
        [pw],
    )


@T(F, "haproxy: userlist insecure-password and stats auth")
def dm_haproxy(g: Gen) -> tuple[str, list[str]]:
    p1, p2 = g.pw(sym=SYM_NOHASH), g.pw(sym=SYM_NOHASH)
    return (
        "userlist ops_users\n"
        f"    user {g.user()} insecure-password {p1}\n"
        "\n"
        "listen stats\n"
        "    bind :8404\n"
        "    stats enable\n"
        "    stats uri /\n"
        f"    stats auth admin:{p2}",
        [p1, p2],
    )


@T(F, "postfix sasl_passwd: SES SMTP password")
def dm_postfix(g: Gen) -> tuple[str, list[str]]:
    pw = "B" + g.bodyb64(43)
    return (
        "# /etc/postfix/sasl_passwd\n"
        f"[email-smtp.{g.region()}.amazonaws.com]:587 AKIA{g.upper(16)}:{pw}",
        [pw],
    )


@T(F, "dovecot-sql.conf.ext: connect string")
def dm_dovecot(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw(uni=False)
    return (
        "driver = pgsql\n"
        f"connect = host={g.host()} dbname=mail user={g.user()} password={pw}\n"
        "default_pass_scheme = SHA512-CRYPT\n"
        "password_query = SELECT username AS user, password FROM mailbox WHERE username = '%u' AND active = true",
        [pw],
    )


@T(F, "sssd.conf: ldap_default_authtok")
def dm_sssd(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    return (
        "[domain/corp.example]\n"
        "id_provider = ldap\n"
        f"ldap_uri = ldaps://{g.fqdn()}\n"
        f"ldap_default_bind_dn = cn={g.user()},ou=svc,dc=corp,dc=example\n"
        "ldap_default_authtok_type = password\n"
        f"ldap_default_authtok = {pw}",
        [pw],
    )


@T(F, "keepalived.conf: auth_pass (8 chars)")
def dm_keepalived(g: Gen) -> tuple[str, list[str]]:
    pw = g.pick((g.mixed(8, "-_."), g.alnum(8), g.digits(8)))
    return (
        "vrrp_instance VI_1 {\n"
        "    state MASTER\n"
        "    interface eth0\n"
        f"    virtual_router_id {g.n(10, 250)}\n"
        "    priority 150\n"
        "    authentication {\n"
        "        auth_type PASS\n"
        f"        auth_pass {pw}\n"
        "    }\n"
        "}",
        [pw],
    )


@T(F, "ipsec.secrets: PSK")
def dm_ipsec(g: Gen) -> tuple[str, list[str]]:
    psk = g.pick((g.b64(24), g.phrase(5, "-"), g.mixed(g.n(20, 32))))
    return (
        f'# /etc/ipsec.secrets - strongSwan IPsec secrets file\n{g.ip()} {g.ip()} : PSK "{psk}"',
        [psk],
    )


@T(F, "named.conf: TSIG key secret")
def dm_tsig(g: Gen) -> tuple[str, list[str]]:
    sec = g.b64(32)
    return (
        f'key "ddns-update" {{\n    algorithm hmac-sha256;\n    secret "{sec}";\n}};',
        [sec],
    )


@T(F, "pgbouncer userlist.txt: plain and md5")
def dm_pgbouncer(g: Gen) -> tuple[str, list[str]]:
    pw, md5 = g.pw(), "md5" + g.hex(32)
    return (
        f'$ cat /etc/pgbouncer/userlist.txt\n"{g.user()}" "{pw}"\n"pgbouncer_stats" "{md5}"',
        [pw, md5],
    )


@T(F, "wpa_supplicant.conf: PEAP identity/password")
def dm_wpa(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    return (
        "network={\n"
        f'    ssid="{g.word().capitalize()}-Corp"\n'
        "    key_mgmt=WPA-EAP\n"
        "    eap=PEAP\n"
        f'    identity="{g.user()}"\n'
        f'    password="{pw}"\n'
        '    phase2="auth=MSCHAPV2"\n'
        "}",
        [pw],
    )


# =============================================================================================
# 13. Linux system configuration

F = "os_config_linux"


@T(F, "systemd unit: Environment= quoted pairs")
def lx_systemd(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw(sym=SYM_NOPCT)
    return (
        "# /etc/systemd/system/metrics-push.service\n"
        "[Unit]\n"
        "Description=Push metrics to remote write\n"
        "After=network-online.target\n"
        "\n"
        "[Service]\n"
        "User=metrics\n"
        f'Environment="REMOTE_WRITE_USER={g.user()}" "REMOTE_WRITE_PASSWORD={pw}"\n'
        "ExecStart=/usr/local/bin/push-agent --config /etc/push-agent.yml",
        [pw],
    )


@T(F, "systemctl cat: drop-in override Environment=")
def lx_systemd_dropin(g: Gen) -> tuple[str, list[str]]:
    tok = "glc_eyJvIjoi" + g.s(B64U, g.n(100, 140)) + "In19"
    return (
        "$ systemctl cat alloy\n"
        "# /lib/systemd/system/alloy.service\n"
        "[Unit]\n"
        "Description=Vendor-agnostic OpenTelemetry Collector distribution\n"
        "\n"
        "# /etc/systemd/system/alloy.service.d/override.conf\n"
        "[Service]\n"
        f"Environment=GCLOUD_RW_API_KEY={tok}",
        [tok],
    )


@T(F, "crontab -l: flag and env prefix")
def lx_crontab(g: Gen) -> tuple[str, list[str]]:
    key, pw = aws_secret(g), g.pw(sym=SYM_NOPCT)
    return (
        "# m h  dom mon dow   command\n"
        f"*/15 * * * * /usr/local/bin/backup.sh --s3-secret {key} >> /var/log/backup.log 2>&1\n"
        f"30 2 * * * PGPASSWORD='{pw}' /usr/bin/pg_dumpall -h {g.host()} -U postgres | gzip > /backups/all.sql.gz",
        [key, pw],
    )


@T(F, "/etc/fstab: cifs options password=")
def lx_fstab(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw(sym="!@#%^*-_+.~", uni=False)
    return (
        "# <file system>  <mount point>  <type>  <options>  <dump>  <pass>\n"
        "UUID=5b1e9c52-0c3f-4f0e-9c5e-2f0d7d0b6a11 /               ext4    errors=remount-ro 0       1\n"
        f"//{g.host()}/scans  /mnt/scans  cifs  username={g.user()},password={pw},domain=CORP,vers=3.0,uid=1001,gid=1001,iocharset=utf8  0  0",
        [pw],
    )


@T(F, "SUDO_ASKPASS helper script echoing password")
def lx_askpass(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    return (
        "$ cat /usr/local/bin/askpass.sh\n"
        "#!/bin/sh\n"
        f'echo "{pw}"\n'
        "$ SUDO_ASKPASS=/usr/local/bin/askpass.sh sudo -A apt-get -y upgrade",
        [pw],
    )


@T(F, "NetworkManager keyfile: wifi-security psk")
def lx_nm(g: Gen) -> tuple[str, list[str]]:
    psk = g.pick((g.phrase(4, " "), g.mixed(g.n(12, 20)), g.human()))
    ssid = f"{g.word().capitalize()}-Guest"
    return (
        f"# /etc/NetworkManager/system-connections/{ssid}.nmconnection\n"
        "[connection]\n"
        f"id={ssid}\n"
        f"uuid={g.uuid()}\n"
        "type=wifi\n"
        "\n"
        "[wifi-security]\n"
        "key-mgmt=wpa-psk\n"
        f"psk={psk}",
        [psk],
    )


@T(F, "/etc/ppp/chap-secrets")
def lx_chap(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    return (
        "# Secrets for authentication using CHAP\n"
        "# client        server  secret                  IP addresses\n"
        f'"{g.user()}"    *       "{pw}"       *',
        [pw],
    )


@T(F, "hostapd.conf: wpa_passphrase")
def lx_hostapd(g: Gen) -> tuple[str, list[str]]:
    psk = g.pick((g.phrase(5, " "), g.phrase(4, "-"), g.mixed(g.n(14, 24))))
    return (
        "interface=wlan0\n"
        "driver=nl80211\n"
        f"ssid={g.word().capitalize()}Lab\n"
        "wpa=2\n"
        "wpa_key_mgmt=WPA-PSK\n"
        f"wpa_passphrase={psk}\n"
        "rsn_pairwise=CCMP",
        [psk],
    )


@T(F, "cloud-init user-data: chpasswd users list")
def lx_cloudinit(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    return (
        "#cloud-config\n"
        "chpasswd:\n"
        "  expire: false\n"
        "  users:\n"
        "    - name: ubuntu\n"
        f"      password: {pw}\n"
        "      type: text\n"
        "ssh_pwauth: true",
        [pw],
    )


@T(F, "zabbix agent PSK file contents")
def lx_zabbix_psk(g: Gen) -> tuple[str, list[str]]:
    psk = g.hex(64)
    return (
        "$ sudo cat /etc/zabbix/zabbix_agent2.psk\n"
        f"{psk}\n"
        "$ grep ^TLS /etc/zabbix/zabbix_agent2.conf\n"
        "TLSConnect=psk\n"
        "TLSAccept=psk\n"
        f"TLSPSKIdentity=PSK-{g.host()}\n"
        "TLSPSKFile=/etc/zabbix/zabbix_agent2.psk",
        [psk],
    )


# =============================================================================================
# 14. Windows system configuration

F = "os_config_windows"


@T(F, ".reg export: Winlogon DefaultPassword")
def win_winlogon(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    return (
        "Windows Registry Editor Version 5.00\n"
        "\n"
        "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon]\n"
        '"AutoAdminLogon"="1"\n'
        '"DefaultDomainName"="CORP"\n'
        f'"DefaultUserName"="{g.user()}"\n'
        f'"DefaultPassword"="{pw}"',
        [pw],
    )


@T(F, "PowerShell: ConvertTo-SecureString -AsPlainText")
def win_securestring(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    return (
        f"$secpasswd = ConvertTo-SecureString '{pw}' -AsPlainText -Force\n"
        f"$cred = New-Object System.Management.Automation.PSCredential ('CORP\\{g.user()}', $secpasswd)\n"
        f"Invoke-Command -ComputerName {g.host().upper()} -Credential $cred -ScriptBlock {{ Restart-Service W3SVC }}",
        [pw],
    )


@T(F, "cmdkey /add /pass:")
def win_cmdkey(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw(sym=SYM_WIN, uni=False)
    return (
        f"C:\\> cmdkey /generic:TERMSRV/{g.host()} /user:CORP\\{g.user()} /pass:{pw}\n"
        "\n"
        "CMDKEY: Credential added successfully.",
        [pw],
    )


@T(F, "schtasks /Create /RP")
def win_schtasks(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw(sym=SYM_WIN, uni=False)
    return (
        f'C:\\> schtasks /Create /TN "Nightly ETL" /TR "C:\\etl\\run.cmd" /SC DAILY /ST 02:00 /RU CORP\\{g.user()} /RP {pw} /RL HIGHEST /F\n'
        'SUCCESS: The scheduled task "Nightly ETL" has successfully been created.',
        [pw],
    )


@T(F, "netsh wlan show profile key=clear: Key Content")
def win_netsh(g: Gen) -> tuple[str, list[str]]:
    psk = g.pick((g.phrase(4, " "), g.mixed(g.n(12, 20), SYM_WIN), g.human(SYM_WIN)))
    return (
        "Security settings\n"
        "-----------------\n"
        "    Authentication         : WPA2-Personal\n"
        "    Cipher                 : CCMP\n"
        "    Authentication         : WPA2-Personal\n"
        "    Cipher                 : GCMP\n"
        "    Security key           : Present\n"
        f"    Key Content            : {psk}",
        [psk],
    )


@T(F, "GPP Groups.xml: cpassword")
def win_gpp(g: Gen) -> tuple[str, list[str]]:
    cp = g.b64(32).rstrip("=")
    d = g.dt()
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<Groups clsid="{3125E937-EB16-4b4c-9934-544FC6D24D26}"><User clsid="{DF5F1855-51E5-4d24-8B1A-D9BDE98BA1D1}" name="LocalAdmin" image="2" '
        f'changed="{d:%Y-%m-%d %H:%M:%S}" uid="{{{g.uuid().upper()}}}"><Properties action="U" newName="" fullName="" description="" cpassword="{cp}" changeLogon="0" noChange="1" neverExpires="1" acctDisabled="0" userName="LocalAdmin"/></User></Groups>',
        [cp],
    )


@T(F, "sc.exe config obj= password=")
def win_sc(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw(sym=SYM_WIN)
    return (
        f'C:\\>sc.exe config "BackupAgent" obj= "CORP\\{g.user()}" password= "{pw}"\n'
        "[SC] ChangeServiceConfig SUCCESS",
        [pw],
    )


@T(F, "psexec -u -p")
def win_psexec(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw(sym=SYM_WIN, uni=False)
    return (
        f'C:\\Tools>psexec.exe \\\\{g.host().upper()} -u CORP\\{g.user()} -p {pw} -h cmd /c "ipconfig /flushdns"\n'
        "\n"
        "PsExec v2.43 - Execute processes remotely\n"
        "Copyright (C) 2001-2023 Mark Russinovich\n"
        "Sysinternals - www.sysinternals.com",
        [pw],
    )


@T(F, "Set-ADAccountPassword -NewPassword (ConvertTo-SecureString)")
def win_setad(g: Gen) -> tuple[str, list[str]]:
    pw, u = g.pw(), g.user()
    return (
        f'PS C:\\> Set-ADAccountPassword -Identity {u} -Reset -NewPassword (ConvertTo-SecureString -AsPlainText "{pw}" -Force)\n'
        f"PS C:\\> Unlock-ADAccount -Identity {u}",
        [pw],
    )


@T(F, "web.config machineKey")
def win_machinekey(g: Gen) -> tuple[str, list[str]]:
    vk, dk = g.HEX(128), g.HEX(64)
    return (
        "  <system.web>\n"
        f'    <machineKey validationKey="{vk}" decryptionKey="{dk}" validation="HMACSHA256" decryption="AES" />\n'
        "  </system.web>",
        [vk, dk],
    )


# =============================================================================================
# 15. SQL statements

F = "sql_statements"


@T(F, "mysql> CREATE USER IDENTIFIED BY")
def sql_mysql_create(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    return (
        f"mysql> CREATE USER '{g.user()}'@'10.%' IDENTIFIED BY '{pw}';\n"
        f"Query OK, 0 rows affected (0.0{g.n(1, 9)} sec)",
        [pw],
    )


@T(F, "postgres log: statement ALTER ROLE PASSWORD")
def sql_pg_log(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    d = g.dt()
    return (
        f"{d:%Y-%m-%d %H:%M:%S}.{d.microsecond // 1000:03d} UTC [{g.pid()}] postgres@{g.db()} LOG:  statement: ALTER ROLE {g.user().replace('-', '_').replace('.', '_')} WITH LOGIN PASSWORD '{pw}' VALID UNTIL '2027-03-01';",
        [pw],
    )


@T(F, "sqlcmd: CREATE LOGIN WITH PASSWORD = N''")
def sql_mssql_login(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    return (
        f"1> CREATE LOGIN [{g.user()}] WITH PASSWORD = N'{pw}', CHECK_POLICY = OFF;\n2> GO",
        [pw],
    )


@T(F, 'SQL*Plus: CREATE DATABASE LINK IDENTIFIED BY ".."')
def sql_oracle_dblink(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    return (
        f"SQL> CREATE DATABASE LINK finance_link CONNECT TO {g.user().replace('-', '_').replace('.', '_')} IDENTIFIED BY \"{pw}\" USING '{g.host()}:1521/FINPDB';\n"
        "\n"
        "Database link created.",
        [pw],
    )


@T(F, "CHANGE REPLICATION SOURCE TO SOURCE_PASSWORD")
def sql_replication(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    return (
        f"mysql> CHANGE REPLICATION SOURCE TO SOURCE_HOST='{g.host()}', SOURCE_USER='repl', SOURCE_PASSWORD='{pw}', SOURCE_AUTO_POSITION=1, SOURCE_SSL=1;\n"
        "Query OK, 0 rows affected, 2 warnings (0.04 sec)",
        [pw],
    )


@T(F, "Redshift COPY CREDENTIALS aws_secret_access_key")
def sql_redshift(g: Gen) -> tuple[str, list[str]]:
    key = aws_secret(g)
    d = g.dt()
    return (
        f"COPY events FROM 's3://{g.app()}-raw/{d:%Y/%m/%d}/' CREDENTIALS 'aws_access_key_id=AKIA{g.upper(16)};aws_secret_access_key={key}' FORMAT AS JSON 'auto' GZIP;",
        [key],
    )


@T(F, "Snowflake CREATE STAGE AZURE_SAS_TOKEN sig")
def sql_snowflake(g: Gen) -> tuple[str, list[str]]:
    sig = urllib.parse.quote(g.b64(32), safe="")
    return (
        f"CREATE OR REPLACE STAGE raw_stage URL='azure://{g.word()}{g.n(10, 99)}.blob.core.windows.net/raw' CREDENTIALS=(AZURE_SAS_TOKEN='?sv=2022-11-02&ss=b&srt=co&sp=rl&se=2027-01-01T00:00:00Z&st=2026-11-01T00:00:00Z&spr=https&sig={sig}') FILE_FORMAT=(TYPE=PARQUET);",
        [sig],
    )


@T(F, "clickhouse-client: IDENTIFIED WITH plaintext_password BY")
def sql_clickhouse(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    return (
        f"{g.host()} :) CREATE USER {g.user().replace('-', '_').replace('.', '_')} IDENTIFIED WITH plaintext_password BY '{pw}' HOST IP '10.0.0.0/8' SETTINGS PROFILE 'readonly';\n"
        "\n"
        f"Ok.\n\n0 rows in set. Elapsed: 0.0{g.n(1, 9)}{g.n(0, 9)} sec.",
        [pw],
    )


@T(F, "INSERT ... VALUES with api_key column")
def sql_insert(g: Gen) -> tuple[str, list[str]]:
    key = g.hex(32) + f"-us{g.n(1, 21)}"
    return (
        f"INSERT INTO integrations (id, tenant_id, provider, api_key, created_at) VALUES (DEFAULT, {g.n(1, 9999)}, 'mailchimp', '{key}', now());",
        [key],
    )


@T(F, "MySQL slow log: UPDATE password_reset_token")
def sql_slowlog(g: Gen) -> tuple[str, list[str]]:
    tok = g.b64url(32)
    d = g.dt()
    return (
        f"# Time: {d:%Y-%m-%dT%H:%M:%S}.{d.microsecond:06d}Z\n"
        f"# User@Host: app[app] @  [{g.ip()}]  Id: {g.n(1000, 999999)}\n"
        f"# Query_time: {g.n(2, 9)}.{g.n(100000, 999999)}  Lock_time: 0.000{g.n(100, 999)} Rows_sent: 0  Rows_examined: 1\n"
        f"SET timestamp={int(d.timestamp())};\n"
        f"UPDATE users SET password_reset_token = '{tok}', reset_sent_at = NOW() WHERE id = {g.n(1, 999999)};",
        [tok],
    )


@T(F, "mongosh: db.createUser({pwd: ...})")
def sql_mongo(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    db = g.db()
    return (
        f"rs0 [direct: primary] admin> db.getSiblingDB('{db}').createUser({{ user: '{g.user()}', pwd: '{pw}', roles: [ {{ role: 'readWrite', db: '{db}' }} ] }})\n"
        "{ ok: 1 }",
        [pw],
    )


# =============================================================================================
# 16. connection strings

F = "connection_strings"


@T(F, "JDBC oracle thin user/pass@")
def cs_jdbc_oracle(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw(sym="-_.~!*#", uni=False)
    return (
        f"[{sp(g.dt())}] [main] INFO  c.a.etl.Source - Connecting to jdbc:oracle:thin:{g.user().replace('-', '_').replace('.', '_')}/{pw}@//{g.host()}:1521/ORCLPDB1",
        [pw],
    )


@T(F, "JDBC mysql ?password= query parameter")
def cs_jdbc_mysql(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw(sym=SYM_URL, uni=False)
    return (
        f'<Resource name="jdbc/{g.db()}" auth="Container" type="javax.sql.DataSource" driverClassName="com.mysql.cj.jdbc.Driver" url="jdbc:mysql://{g.host()}:3306/{g.db()}?user={g.user()}&amp;password={pw}&amp;useSSL=true&amp;serverTimezone=UTC" maxTotal="20"/>',
        [pw],
    )


@T(F, "pyodbc DSN-less: PWD={braced}")
def cs_odbc_braced(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw(sym="!#%^*-_+.~@;=")
    return (
        f'conn = pyodbc.connect("DRIVER={{ODBC Driver 18 for SQL Server}};SERVER=tcp:{g.host()},1433;DATABASE={g.db()};UID={g.user()};PWD={{{pw}}};Encrypt=yes;TrustServerCertificate=no")',
        [pw],
    )


@T(F, "mongodb+srv URI")
def cs_mongo_srv(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw(sym=SYM_URL, uni=False)
    return (
        f"MONGO_URI=mongodb+srv://{g.user()}:{pw}@cluster0.{g.s(LOWER + DIG, 5)}.mongodb.net/{g.db()}?retryWrites=true&w=majority&appName={g.app()}",
        [pw],
    )


@T(F, "psql libpq keyword/value password='..'")
def cs_libpq(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    h = g.fqdn()
    return (
        f"$ psql \"host={h} port=5432 dbname={g.db()} user={g.user()} password='{pw}' sslmode=verify-full\"\n"
        f'psql: error: connection to server at "{h}" ({g.ip()}), port 5432 failed: server certificate for "{h}" does not match host name',
        [pw],
    )


@T(F, "Azure Storage connection string AccountKey")
def cs_azure_storage(g: Gen) -> tuple[str, list[str]]:
    key = g.b64(64)
    return (
        f"AzureWebJobsStorage=DefaultEndpointsProtocol=https;AccountName={g.word()}{g.n(100, 999)}st;AccountKey={key};EndpointSuffix=core.windows.net",
        [key],
    )


@T(F, "Azure Service Bus SharedAccessKey")
def cs_servicebus(g: Gen) -> tuple[str, list[str]]:
    key = g.b64(32)
    return (
        f'  "ServiceBus": "Endpoint=sb://{g.word()}-{g.ns()}.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey={key}",',
        [key],
    )


@T(F, "Kafka sasl.jaas.config PlainLoginModule")
def cs_jaas(g: Gen) -> tuple[str, list[str]]:
    sec = g.s(ALNUM + "+/", 64)
    return (
        f"bootstrap.servers=pkc-{g.s(LOWER + DIG, 5)}.{g.region()}.aws.confluent.cloud:9092\n"
        "security.protocol=SASL_SSL\n"
        "sasl.mechanism=PLAIN\n"
        f'sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="{g.upper(16)}" password="{sec}";',
        [sec],
    )


@T(F, "Go MySQL DSN user:pass@tcp(...)")
def cs_go_dsn(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw(sym="-_.~!*#%^+=")
    h = g.host()
    return (
        f'time={iso(g.dt())} level=ERROR msg="db open failed" dsn="{g.user()}:{pw}@tcp({h}:3306)/{g.db()}?parseTime=true&tls=custom" err="dial tcp: lookup {h}: no such host"',
        [pw],
    )


@T(F, "Sidekiq boot: rediss URL with empty user")
def cs_sidekiq(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw(sym=SYM_URL, uni=False)
    return (
        f'{iso(g.dt())} pid={g.n(5, 999)} tid={g.s(LOWER + DIG, 4)} INFO: Booting Sidekiq 7.3.5 with Sidekiq::RedisConnection::RedisClientAdapter options {{:url=>"rediss://:{pw}@{g.host()}:6380/0", :size=>10, :pool_name=>"internal"}}',
        [pw],
    )


@T(F, "SQLAlchemy snowflake URL")
def cs_snowflake(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw(sym=SYM_URL, uni=False)
    return (
        f"engine = create_engine('snowflake://{g.user()}:{pw}@{g.s(LOWER, 2)}{g.n(10000, 99999)}.{g.region()}/{g.db().upper()}/PUBLIC?warehouse=ETL_WH&role=LOADER')",
        [pw],
    )


@T(F, ".udl file: OLE DB initstring")
def cs_udl(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw(sym="!#%^*-_+.~@")
    return (
        "[oledb]\n"
        "; Everything after this line is an OLE DB initstring\n"
        f"Provider=SQLOLEDB.1;Password={pw};Persist Security Info=True;User ID={g.user()};Initial Catalog={g.db()};Data Source={g.host().upper()}",
        [pw],
    )


# =============================================================================================
# 17. literals and builder calls in code

F = "code_literals"


@T(F, "Java: DriverManager.getConnection(url, user, pass)")
def code_java(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    return (
        f'        Connection conn = DriverManager.getConnection("jdbc:postgresql://{g.host()}:5432/{g.db()}", "{g.user()}", "{pw}");',
        [pw],
    )


@T(F, "Python: requests auth tuple")
def code_py_requests(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    return (
        f'    resp = requests.get(BASE_URL + "/api/v2/export", auth=("{g.user()}", "{pw}"), timeout=30)\n'
        "    resp.raise_for_status()",
        [pw],
    )


@T(F, "Go: redis.Options{Password: ...}")
def code_go_redis(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    return (
        "\trdb := redis.NewClient(&redis.Options{\n"
        f'\t\tAddr:     "{g.host()}:6379",\n'
        f'\t\tPassword: "{pw}",\n'
        "\t\tDB:       0,\n"
        "\t})",
        [pw],
    )


@T(F, "C#: new NetworkCredential(user, pass)")
def code_csharp(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    return (
        f'var client = new SmtpClient("smtp.{g.domain()}", 587) {{ EnableSsl = true, Credentials = new NetworkCredential("{g.user()}", "{pw}") }};',
        [pw],
    )


@T(F, "Ruby: Net::SMTP.start positional password")
def code_ruby_smtp(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    return (
        f"Net::SMTP.start('smtp.{g.domain()}', 587, 'localhost', '{g.user()}', '{pw}', :login) do |smtp|\n"
        "  smtp.send_message(msg, from, to)\n"
        "end",
        [pw],
    )


@T(F, "PHP: new PDO(dsn, user, pass)")
def code_php_pdo(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    return (
        f"$pdo = new PDO('mysql:host={g.host()};dbname={g.db()};charset=utf8mb4', '{g.user()}', '{pw}', [PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION]);",
        [pw],
    )


@T(F, "wp-config.php: DB_PASSWORD and AUTH_KEY salt")
def code_wpconfig(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    salt = g.s(ALNUM, 1) + g.s(ALNUM + "!@#$%^&*()-_ []{}<>~`+=,.;:/?|", 63)
    return (
        f"define( 'DB_USER', '{g.user()}' );\n"
        f"define( 'DB_PASSWORD', '{pw}' );\n"
        f"define( 'DB_HOST', '{g.host()}' );\n"
        f"define( 'AUTH_KEY',         '{salt}' );",
        [pw, salt],
    )


@T(F, "Node: new Client({ password })")
def code_node_pg(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    return (
        "const client = new Client({\n"
        f"  host: '{g.host()}',\n"
        f"  user: '{g.user()}',\n"
        f"  password: '{pw}',\n"
        f"  database: '{g.db()}',\n"
        "  ssl: { rejectUnauthorized: false },\n"
        "});",
        [pw],
    )


@T(F, "Rust: PgConnectOptions builder .password()")
def code_rust(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    return (
        "    let opts = PgConnectOptions::new()\n"
        f'        .host("{g.host()}")\n'
        f'        .username("{g.user()}")\n'
        f'        .password("{pw}")\n'
        f'        .database("{g.db()}");\n'
        "    let pool = PgPoolOptions::new().max_connections(20).connect_with(opts).await?;",
        [pw],
    )


@T(F, "Elixir config: Repo password keyword")
def code_elixir(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    return (
        "config :billing, Billing.Repo,\n"
        f'  username: "{g.user()}",\n'
        f'  password: "{pw}",\n'
        f'  hostname: "{g.host()}",\n'
        "  pool_size: 10",
        [pw],
    )


@T(F, "Perl: DBI->connect positional password")
def code_perl(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    return (
        f'my $dbh = DBI->connect("dbi:Pg:dbname={g.db()};host={g.host()}", "{g.user()}", \'{pw}\', {{ RaiseError => 1, AutoCommit => 0 }});',
        [pw],
    )


# =============================================================================================
# 18. URLs

F = "urls"


@T(F, "git fatal: userinfo in https remote")
def url_git(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw(sym=SYM_URL, uni=False)
    return (
        "Cloning into 'infra'...\n"
        f"remote: HTTP Basic: Access denied.\n"
        f"fatal: Authentication failed for 'https://{g.user()}:{pw}@git.{g.domain()}/ops/infra.git/'",
        [pw],
    )


@T(F, "cron mail: lftp sftp:// userinfo")
def url_lftp(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw(sym=SYM_URL, uni=False)
    return (
        f"Subject: Cron <root@{g.host()}> lftp -e 'mirror -R /data/out /in; bye' sftp://{g.user()}:{pw}@{g.fqdn()}\n"
        "\n"
        "mirror: Access failed: /in: No such file or directory",
        [pw],
    )


@T(F, "browser console: #access_token= fragment")
def url_fragment(g: Gen) -> tuple[str, list[str]]:
    tok = g.b64url(g.pick((32, 48)))
    return (
        f"Navigated to https://app.{g.domain()}/oauth/callback#access_token={tok}&token_type=Bearer&expires_in=3600&state={g.hex(16)}\n"
        "main.4f2a91.js:2 [auth] callback handled, redirecting to /",
        [tok],
    )


@T(F, "Slack incoming webhook URL")
def url_slack(g: Gen) -> tuple[str, list[str]]:
    sec = g.s(ALNUM, 24)
    return (
        f"ALERT_WEBHOOK=https://hooks.slack.com/services/T{g.upper(g.n(8, 10))}/B{g.upper(g.n(8, 10))}/{sec}",
        [sec],
    )


@T(F, "Discord webhook URL in error")
def url_discord(g: Gen) -> tuple[str, list[str]]:
    tok = g.s(B64U, 68)
    return (
        f"requests.exceptions.HTTPError: 429 Client Error: Too Many Requests for url: https://discord.com/api/webhooks/{g.digits(19)}/{tok}?wait=true",
        [tok],
    )


@T(F, "Telegram bot token in path")
def url_telegram(g: Gen) -> tuple[str, list[str]]:
    tok = f"{g.digits(10)}:AA{g.s(B64U, 33)}"
    return (
        f"{iso(g.dt())} WARN notifier: POST https://api.telegram.org/bot{tok}/sendMessage?chat_id=-100{g.digits(10)}&parse_mode=HTML failed: 400 Bad Request: chat not found",
        [tok],
    )


@T(F, "Logic Apps / Teams workflow URL sig=")
def url_logicapps(g: Gen) -> tuple[str, list[str]]:
    sig = g.s(B64U, 43)
    return (
        f"TEAMS_WEBHOOK_URL=https://prod-{g.n(10, 99)}.westeurope.logic.azure.com:443/workflows/{g.hex(32)}/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig={sig}",
        [sig],
    )


@T(F, "S3 presigned URL: security token and signature")
def url_s3_presigned(g: Gen) -> tuple[str, list[str]]:
    tok = urllib.parse.quote(sts_token(g), safe="")
    sig = g.hex(64)
    d, reg = g.dt(), g.region()
    return (
        f"https://{g.app()}-exports.s3.{reg}.amazonaws.com/exports/{g.uuid()}.csv.gz?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIA{g.upper(16)}%2F{d:%Y%m%d}%2F{reg}%2Fs3%2Faws4_request&X-Amz-Date={d:%Y%m%dT%H%M%SZ}&X-Amz-Expires=3600&X-Amz-Security-Token={tok}&X-Amz-SignedHeaders=host&X-Amz-Signature={sig}",
        [tok, sig],
    )


@T(F, "GCS V4 signed URL: X-Goog-Signature")
def url_gcs(g: Gen) -> tuple[str, list[str]]:
    sig = g.hex(512)
    d = g.dt()
    return (
        f"Download link (expires in 15 min): https://storage.googleapis.com/{g.app()}-reports/{d:%Y-%m}/report.pdf?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Credential=signer%40{g.word()}-{g.n(100, 999)}.iam.gserviceaccount.com%2F{d:%Y%m%d}%2Fauto%2Fstorage%2Fgoog4_request&X-Goog-Date={d:%Y%m%dT%H%M%SZ}&X-Goog-Expires=900&X-Goog-SignedHeaders=host&X-Goog-Signature={sig}",
        [sig],
    )


@T(F, "Azure blob SAS URL sig=")
def url_azure_sas(g: Gen) -> tuple[str, list[str]]:
    sig = urllib.parse.quote(g.b64(32), safe="")
    d = g.dt()
    return (
        f"azcopy copy 'https://{g.word()}{g.n(100, 999)}.blob.core.windows.net/backups/{g.db()}.bak?sp=r&st={d:%Y-%m-%dT%H:%M:%SZ}&se={(d + timedelta(hours=8)):%Y-%m-%dT%H:%M:%SZ}&spr=https&sv=2022-11-02&sr=b&sig={sig}' /restore/",
        [sig],
    )


@T(F, "ffmpeg: rtsp:// userinfo in error")
def url_rtsp(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw(sym=SYM_URL, uni=False)
    url = f"rtsp://{g.pick(('admin', 'viewer', 'nvr'))}:{pw}@{g.ip()}:554/Streaming/Channels/101"
    return (
        f"[rtsp @ 0x{g.hex(12)}] method DESCRIBE failed: 401 Unauthorized\n"
        f"{url}: Server returned 401 Unauthorized (authorization failed)",
        [pw],
    )


# =============================================================================================
# 19. encoded values

F = "encoded_values"


@T(F, "k8s Secret data: base64 of password")
def enc_k8s_data(g: Gen) -> tuple[str, list[str]]:
    b = b64s(g.pw())
    return (
        "apiVersion: v1\n"
        "data:\n"
        f"  password: {b}\n"
        f"  username: {b64s(g.user())}\n"
        "kind: Secret\n"
        "metadata:\n"
        f"  name: {g.app()}-db\n"
        "type: Opaque",
        [b],
    )


@T(F, "docker config.json auths auth")
def enc_docker_config(g: Gen) -> tuple[str, list[str]]:
    b = b64s(f"{g.user()}:{g.pw()}")
    return (
        "{\n"
        '\t"auths": {\n'
        f'\t\t"registry.{g.domain()}": {{\n'
        f'\t\t\t"auth": "{b}"\n'
        "\t\t}\n"
        "\t}\n"
        "}",
        [b],
    )


@T(F, "xxd -p of a secret file (hex)")
def enc_xxd(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw(uni=False)[:28]
    hx = (pw + "\n").encode().hex()
    return (
        f"$ xxd -p /run/secrets/db_password\n{hx}",
        [hx],
    )


@T(F, "form body: percent-encoded password")
def enc_form(g: Gen) -> tuple[str, list[str]]:
    while True:
        pw = g.mixed(g.n(12, 20), "@#%^+=!&/")
        enc = urllib.parse.quote(pw, safe="")
        if enc != pw:
            break
    return (
        f"{iso(g.dt())} DEBUG oauth: request body: grant_type=password&username={g.user()}&password={enc}&client_id=mobile-app&scope=openid%20offline_access",
        [enc],
    )


@T(F, "Go json.Marshal: \\u0026 and \\u003c escapes in password")
def enc_go_json(g: Gen) -> tuple[str, list[str]]:
    base = g.mixed(g.n(10, 16), "-_.")
    i = g.n(1, len(base) - 1)
    raw = base[:i] + g.pick(("&", "<", ">")) + base[i:]
    esc = raw.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
    return (
        f'{{"level":"debug","ts":"{iso(g.dt())}","msg":"upstream login payload","body":{{"username":"{g.user()}","password":"{esc}"}}}}',
        [esc],
    )


@T(F, "HTML error page: entity-escaped hidden input")
def enc_html(g: Gen) -> tuple[str, list[str]]:
    base = g.mixed(g.n(10, 16), "-_.")
    i = g.n(1, len(base) - 1)
    raw = base[:i] + g.pick(("&", "<", '"')) + base[i:]
    esc = raw.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")
    return (
        "<h1>HTTP Status 500 – Internal Server Error</h1>\n"
        '<form method="post" action="/sso/relay">\n'
        f'  <input type="hidden" name="apiSecret" value="{esc}">\n'
        "</form>",
        [esc],
    )


@T(F, "quoted-printable mail body: temporary password")
def enc_qp(g: Gen) -> tuple[str, list[str]]:
    while True:
        raw = g.pick((g.unicode_pw(), g.mixed(g.n(10, 14), "=-_.!") + "=", g.human("=")))
        qp = quopri.encodestring(raw.encode()).decode()
        if qp != raw and "\n" not in qp.strip():
            break
    qp = qp.strip()
    return (
        'Content-Type: text/plain; charset="utf-8"\n'
        "Content-Transfer-Encoding: quoted-printable\n"
        "\n"
        f"Hi {g.first().capitalize()},\n"
        "\n"
        f"your temporary password is: {qp}\n"
        "Please change it after the first login.",
        [qp],
    )


@T(F, ".dockerconfigjson: base64 of JSON with auth")
def enc_dockerconfigjson(g: Gen) -> tuple[str, list[str]]:
    inner = json.dumps(
        {
            "auths": {
                "ghcr.io": {"username": g.user(), "password": ghp(g), "auth": b64s(g.user() + ":x")}
            }
        }
    )
    b = b64s(inner)
    return (
        "apiVersion: v1\n"
        "kind: Secret\n"
        "type: kubernetes.io/dockerconfigjson\n"
        "data:\n"
        f"  .dockerconfigjson: {b}",
        [b],
    )


@T(F, "Python bytes repr: SASL PLAIN \\x00 separators")
def enc_py_bytes(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw(uni=False)
    return (
        f"{sp(g.dt())} DEBUG kafka.conn: <BrokerConnection node_id=bootstrap-0 host={g.host()}:9093 <authenticating> [IPv4 ('{g.ip()}', 9093)]>: Sending SASL PLAIN payload b'\\x00{g.user()}\\x00{pw}'",
        [pw],
    )


@T(F, "CI: base64 of a whole .env file")
def enc_env_b64(g: Gen) -> tuple[str, list[str]]:
    env = f"DB_PASSWORD={g.pw()}\nAPI_KEY={g.hex(32)}\nSENTRY_DSN=https://{g.hex(32)}@o{g.digits(6)}.ingest.sentry.io/{g.digits(7)}\n"
    b = b64s(env)
    return (
        f'$ echo "$ENV_FILE_B64"\n{b}',
        [b],
    )


@T(F, "JSON string holding escaped JSON: client_secret")
def enc_json_in_json(g: Gen) -> tuple[str, list[str]]:
    sec = g.b64url(30)
    return (
        f'{{"ts":"{iso(g.dt())}","event":"http.request","method":"POST","url":"https://login.{g.domain()}/oauth2/token","body":"{{\\"client_id\\":\\"{g.uuid()}\\",\\"client_secret\\":\\"{sec}\\",\\"grant_type\\":\\"client_credentials\\"}}"}}',
        [sec],
    )


@T(F, "otpauth URI: base32 TOTP secret")
def enc_otpauth(g: Gen) -> tuple[str, list[str]]:
    sec = g.s("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 32)
    return (
        f"otpauth://totp/ACME:{g.first()}?secret={sec}&issuer=ACME&algorithm=SHA1&digits=6&period=30",
        [sec],
    )


# =============================================================================================
# 20. vendor tokens: developer tools

F = "vendor_devtools"


@T(F, "git config --list: insteadOf with github_pat_")
def vd_github_pat(g: Gen) -> tuple[str, list[str]]:
    tok = (
        "github_pat_"
        + g.s("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 1)
        + g.s(ALNUM, 21)
        + "_"
        + g.s(ALNUM, 59)
    )
    return (
        "$ git config --list --show-origin | grep -i url\n"
        f"file:/home/runner/.gitconfig\turl.https://x-access-token:{tok}@github.com/.insteadof=https://github.com/",
        [tok],
    )


@T(F, "GitLab API response: new personal access token")
def vd_gitlab_api(g: Gen) -> tuple[str, list[str]]:
    tok = glpat(g)
    d = g.dt()
    return (
        f'{{"id":{g.n(100, 99999)},"name":"ci-readonly","revoked":false,"created_at":"{iso(d)}","description":"","scopes":["read_api","read_repository"],"user_id":{g.n(2, 9999)},"last_used_at":null,"active":true,"expires_at":"{(d + timedelta(days=90)):%Y-%m-%d}","token":"{tok}"}}',
        [tok],
    )


@T(F, "Atlassian API token in jira-cli env")
def vd_atlassian(g: Gen) -> tuple[str, list[str]]:
    tok = "ATATT3xFfGF0" + g.s(B64U, 170) + "=" + g.HEX(8)
    return (
        f"export JIRA_API_TOKEN={tok}\n"
        f"jira issue list -q 'project = OPS AND status = \"In Progress\"' --server https://{g.word()}.atlassian.net",
        [tok],
    )


@T(F, "newman --env-var postman API key")
def vd_postman(g: Gen) -> tuple[str, list[str]]:
    key = f"PMAK-{g.hex(24)}-{g.hex(34)}"
    return (
        f'$ newman run collections/{g.app()}.postman_collection.json -e env/prod.json --env-var "postmanApiKey={key}" --reporters cli,junit',
        [key],
    )


@T(F, "Python: notion_client Client(auth=)")
def vd_notion(g: Gen) -> tuple[str, list[str]]:
    tok = g.pick(("secret_" + g.s(ALNUM, 43), "ntn_" + g.digits(11) + g.s(ALNUM, 35)))
    return (
        "from notion_client import Client\n"
        "\n"
        f'notion = Client(auth="{tok}")\n'
        f'db = notion.databases.query(database_id="{g.hex(32)}")',
        [tok],
    )


@T(F, "k8s container args: doppler run --token dp.st.")
def vd_doppler(g: Gen) -> tuple[str, list[str]]:
    tok = f"dp.st.{g.pick(('prd', 'prod', 'stg'))}." + g.s(ALNUM, 43)
    return (
        "      containers:\n"
        f"        - name: {g.app()}\n"
        f"          image: ghcr.io/{g.word()}/{g.app()}:{g.version()}\n"
        '          command: ["doppler", "run", "--token", "' + tok + '", "--", "./start.sh"]',
        [tok],
    )


@T(F, "Actions log env block: PULUMI_ACCESS_TOKEN")
def vd_pulumi(g: Gen) -> tuple[str, list[str]]:
    tok = "pul-" + g.hex(40)
    d = g.dt()
    return (
        f"{iso7(d)} ##[group]Run pulumi up --yes --stack prod\n"
        f"{iso7(d)} pulumi up --yes --stack prod\n"
        f"{iso7(d)} shell: /usr/bin/bash -e {{0}}\n"
        f"{iso7(d)} env:\n"
        f"{iso7(d)}   PULUMI_ACCESS_TOKEN: {tok}\n"
        f"{iso7(d)} ##[endgroup]",
        [tok],
    )


@T(F, ".terraformrc: credentials block atlasv1")
def vd_terraformrc(g: Gen) -> tuple[str, list[str]]:
    tok = g.s(ALNUM, 14) + ".atlasv1." + g.s(ALNUM, 67)
    return (
        f'credentials "app.terraform.io" {{\n  token = "{tok}"\n}}',
        [tok],
    )


@T(F, "docker build log: .npmrc line with npm_ token")
def vd_npm(g: Gen) -> tuple[str, list[str]]:
    tok = "npm_" + g.s(ALNUM, 36)
    n = g.n(4, 14)
    return (
        f"#{n} [deps 3/5] RUN printf '//registry.npmjs.org/:_authToken={tok}\\n' > /root/.npmrc\n"
        f"#{n} DONE 0.{g.n(1, 9)}s",
        [tok],
    )


@T(F, "twine upload -p pypi- token")
def vd_pypi(g: Gen) -> tuple[str, list[str]]:
    tok = "pypi-AgEIcHlwaS5vcmc" + g.s(B64U, g.n(140, 170))
    return (
        f"$ twine upload --repository pypi -u __token__ -p {tok} dist/*\n"
        "Uploading distributions to https://upload.pypi.org/legacy/\n"
        f"ERROR    HTTPError: 403 Forbidden from https://upload.pypi.org/legacy/",
        [tok],
    )


@T(F, "Sentry.init dsn public key")
def vd_sentry_dsn(g: Gen) -> tuple[str, list[str]]:
    k = g.hex(32)
    return (
        "Sentry.init({\n"
        f'  dsn: "https://{k}@o{g.digits(6)}.ingest.us.sentry.io/{g.digits(7)}",\n'
        "  tracesSampleRate: 0.1,\n"
        "});",
        [k],
    )


@T(F, "CI: echo dckr_pat_ | docker login --password-stdin")
def vd_dockerhub(g: Gen) -> tuple[str, list[str]]:
    tok = "dckr_pat_" + g.s(B64U, 26) + g.s(ALNUM, 1)
    return (
        f"$ echo {tok} | docker login -u {g.word()}ci --password-stdin\nLogin Succeeded",
        [tok],
    )


# =============================================================================================
# 21. vendor tokens: cloud and infrastructure

F = "vendor_cloud_infra"


@T(F, "doctl auth init -t dop_v1_")
def vc_do(g: Gen) -> tuple[str, list[str]]:
    tok = "dop_v1_" + g.hex(64)
    return (
        f"$ doctl auth init --context {g.word()} -t {tok}\nValidating token... ✔",
        [tok],
    )


@T(F, "Cloudflare token verify curl")
def vc_cf_token(g: Gen) -> tuple[str, list[str]]:
    tok = g.s(ALNUM + "-_", 39) + g.s(ALNUM, 1)
    return (
        f'$ curl -s "https://api.cloudflare.com/client/v4/user/tokens/verify" -H "Authorization: Bearer {tok}"\n'
        f'{{"result":{{"id":"{g.hex(32)}","status":"active"}},"success":true,"errors":[],"messages":[{{"code":10000,"message":"This API Token is valid and active","type":null}}]}}',
        [tok],
    )


@T(F, "fastly CLI --debug-mode: Fastly-Key")
def vc_fastly(g: Gen) -> tuple[str, list[str]]:
    key = g.s(ALNUM + "-_", 31) + g.s(ALNUM, 1)
    return (
        f"Fastly API request: POST https://api.fastly.com/service/{g.s(ALNUM, 22)}/purge_all\n"
        f"  Fastly-Key: {key}\n"
        "  User-Agent: FastlyCLI/v10.17.0, Fastly-GoFastly/v9.12.0",
        [key],
    )


@T(F, "netlify deploy --auth nfp_")
def vc_netlify(g: Gen) -> tuple[str, list[str]]:
    tok = "nfp_" + g.s(ALNUM, 36)
    return (
        f"$ npx netlify deploy --dir=dist --prod --site {g.uuid()} --auth {tok}\n"
        "Deploy path:        /builds/web/dist\n"
        "Deploying to main site URL...",
        [tok],
    )


@T(F, "Actions log: vercel deploy --token")
def vc_vercel(g: Gen) -> tuple[str, list[str]]:
    tok = g.s(ALNUM, 24)
    d = g.dt()
    return (
        f"{iso7(d)} ##[group]Run vercel deploy --prebuilt --prod --token={tok}\n"
        f"{iso7(d)} Vercel CLI 39.1.1\n"
        f"{iso7(d)} Error: The specified token is not valid. Use `vercel login` to generate a new token.",
        [tok],
    )


@T(F, ".env.local: Supabase service_role JWT")
def vc_supabase(g: Gen) -> tuple[str, list[str]]:
    ref = g.s(LOWER, 20)
    e = g.epoch()
    tok = g.jwt(
        {
            "iss": "supabase",
            "ref": ref,
            "role": "service_role",
            "iat": e,
            "exp": e + 10 * 365 * 86400,
        },
        alg="HS256",
        sig_bytes=32,
    )
    return (
        f"NEXT_PUBLIC_SUPABASE_URL=https://{ref}.supabase.co\nSUPABASE_SERVICE_ROLE_KEY={tok}",
        [tok],
    )


@T(F, "PlanetScale DATABASE_URL with pscale_pw_")
def vc_planetscale(g: Gen) -> tuple[str, list[str]]:
    pw = "pscale_pw_" + g.s(B64U, 43)
    return (
        f"DATABASE_URL='mysql://{g.s(LOWER + DIG, 12)}:{pw}@aws.connect.psdb.cloud/{g.db()}?sslaccept=strict'",
        [pw],
    )


@T(F, "Databricks SDK: WorkspaceClient(token=dapi..)")
def vc_databricks(g: Gen) -> tuple[str, list[str]]:
    tok = "dapi" + g.hex(32) + g.pick(("", "-2", "-3"))
    return (
        f'w = WorkspaceClient(host="https://adb-{g.digits(16)}.{g.n(1, 19)}.azuredatabricks.net", token="{tok}")\n'
        "for j in w.jobs.list(): print(j.job_id, j.settings.name)",
        [tok],
    )


@T(F, "aliyun configure set --access-key-secret")
def vc_alibaba(g: Gen) -> tuple[str, list[str]]:
    sec = g.s(ALNUM, 30)
    return (
        f"$ aliyun configure set --profile prod --mode AK --region cn-hangzhou --access-key-id LTAI5t{g.s(ALNUM, 18)} --access-key-secret {sec}\n"
        "Configure Done!!!",
        [sec],
    )


@T(F, "tccli configure set secretKey")
def vc_tencent(g: Gen) -> tuple[str, list[str]]:
    sec = g.s(ALNUM, 32)
    return (
        f"$ tccli configure set secretId AKID{g.s(ALNUM, 32)} secretKey {sec} region ap-guangzhou output json",
        [sec],
    )


@T(F, "Yandex Cloud: yc OAuth token or Api-Key header")
def vc_yandex(g: Gen) -> tuple[str, list[str]]:
    if g.r.random() < 0.5:
        tok = "y0_AgAAAA" + g.s(B64U, 50)
        return (f"$ yc config set token {tok}\n$ yc resource-manager cloud list", [tok])
    tok = "AQVN" + g.s(B64U, 36)
    return (
        f'curl -s -H "Authorization: Api-Key {tok}" https://llm.api.cloud.yandex.net/foundationModels/v1/completion -d @req.json',
        [tok],
    )


@T(F, "tailscale up --authkey=tskey-auth-")
def vc_tailscale(g: Gen) -> tuple[str, list[str]]:
    tok = "tskey-auth-k" + g.s(ALNUM, 10) + "CNTRL-" + g.s(ALNUM, 33)
    return (
        f"{syslog(g.dt())} {g.host()} cloud-init[{g.pid()}]: + tailscale up --authkey={tok} --advertise-tags=tag:server --ssh",
        [tok],
    )


@T(F, "HEROKU_API_KEY=HRKU- inline env")
def vc_heroku(g: Gen) -> tuple[str, list[str]]:
    tok = "HRKU-AA" + g.s(B64U, 57) + g.s(ALNUM, 1)
    app = g.app()
    return (
        f"$ HEROKU_API_KEY={tok} heroku releases -a {app}-prod -n 3\n"
        f"=== {app}-prod Releases - Current: v{g.n(100, 900)}",
        [tok],
    )


# =============================================================================================
# 22. vendor tokens: SaaS, payments, messaging

F = "vendor_saas_payments"


@T(F, "stripe CLI --api-key rk_live_")
def vs_stripe_rk(g: Gen) -> tuple[str, list[str]]:
    key = "rk_live_51" + g.s(ALNUM, 97)
    return (
        f"$ stripe charges list --limit 3 --api-key {key}",
        [key],
    )


@T(F, "stripe listen output: webhook signing secret")
def vs_stripe_whsec(g: Gen) -> tuple[str, list[str]]:
    sec = "whsec_" + g.s(ALNUM, 32)
    return (
        f"$ stripe listen --forward-to localhost:{g.n(3000, 9000)}/webhooks/stripe\n"
        f"> Ready! You are using Stripe API Version [2024-11-20.acacia]. Your webhook signing secret is {sec} (^C to quit)",
        [sec],
    )


@T(F, "shopify app env show: SHOPIFY_API_SECRET shpss_")
def vs_shopify_secret(g: Gen) -> tuple[str, list[str]]:
    sec = "shpss_" + g.hex(32)
    return (
        "$ shopify app env show\n"
        "\n"
        f"    SHOPIFY_API_KEY={g.hex(32)}\n"
        f"    SHOPIFY_API_SECRET={sec}\n"
        "    SCOPES=write_products,read_orders",
        [sec],
    )


@T(F, "curl Square: Authorization: Bearer EAAA")
def vs_square_token(g: Gen) -> tuple[str, list[str]]:
    tok = "EAAA" + g.s(B64U, 60)
    return (
        "curl https://connect.squareup.com/v2/locations \\\n"
        "  -H 'Square-Version: 2024-11-20' \\\n"
        f"  -H 'Authorization: Bearer {tok}' \\\n"
        "  -H 'Content-Type: application/json'",
        [tok],
    )


@T(F, "Adyen Java SDK debug: X-API-Key header")
def vs_adyen(g: Gen) -> tuple[str, list[str]]:
    key = "AQE" + g.bodyb64(g.n(60, 80)) + "==-" + g.bodyb64(43) + "=-" + g.s(ALNUM + ";:>[<(?", 16)
    return (
        f"{spdot(g.dt())} DEBUG [pool-2-thread-1] com.adyen.httpclient.AdyenHttpClient - Request headers: {{Content-Type=application/json, X-API-Key={key}, User-Agent=adyen-java-api-library/26.0.0}}",
        [key],
    )


@T(F, "express-openid-connect config: Auth0 clientSecret")
def vs_auth0(g: Gen) -> tuple[str, list[str]]:
    sec = g.s(B64U, 63) + g.s(ALNUM, 1)
    return (
        "app.use(auth({\n"
        "  authRequired: false,\n"
        f"  issuerBaseURL: 'https://{g.word()}.eu.auth0.com',\n"
        f"  baseURL: 'https://app.{g.domain()}',\n"
        f"  clientID: '{g.s(ALNUM, 32)}',\n"
        f"  clientSecret: '{sec}',\n"
        f"  secret: process.env.SESSION_SECRET,\n"
        "}));",
        [sec],
    )


@T(F, "curl -u AC..:authtoken (Twilio)")
def vs_twilio(g: Gen) -> tuple[str, list[str]]:
    tok = g.hex(32)
    sid = "AC" + g.hex(32)
    return (
        f"curl -X POST https://api.twilio.com/2010-04-01/Accounts/{sid}/Messages.json --data-urlencode 'To=+4915112345678' --data-urlencode 'Body=DB failover started' -u {sid}:{tok}",
        [tok],
    )


@T(F, "slack_sdk debug: Authorization Bearer xoxb-")
def vs_slack(g: Gen) -> tuple[str, list[str]]:
    tok = slack_bot(g)
    return (
        f"DEBUG:slack_sdk.web.base_client:Sending a request - url: https://slack.com/api/chat.postMessage, query_params: {{}}, json_body: {{'channel': 'C0{g.upper(9)}', 'text': 'pager: disk 91%'}}, files: {{}}, data: {{}}, headers: {{'Content-Type': 'application/json;charset=utf-8', 'Authorization': 'Bearer {tok}', 'User-Agent': 'Python/3.12.7 slackclient/3.33.4 Linux/6.8.0'}}",
        [tok],
    )


@T(F, "Twitch IRC bot .env: oauth: chat token")
def vs_twitch(g: Gen) -> tuple[str, list[str]]:
    tok = g.s(LOWER + DIG, 30)
    return (
        f"TWITCH_BOT_USERNAME={g.word()}bot\n"
        f"TWITCH_OAUTH_TOKEN=oauth:{tok}\n"
        f"TWITCH_CHANNEL=#{g.word()}",
        [tok],
    )


@T(F, 'Python: dropbox.Dropbox("sl.")')
def vs_dropbox(g: Gen) -> tuple[str, list[str]]:
    tok = "sl.B" + g.s(B64U, g.n(130, 150))
    return (
        f'dbx = dropbox.Dropbox("{tok}")\n'
        f'dbx.files_upload(data, "/backups/{g.db()}.sql.gz", mode=WriteMode.overwrite)',
        [tok],
    )


@T(F, "~/.netrc for api.mapbox.com: sk. token")
def vs_mapbox(g: Gen) -> tuple[str, list[str]]:
    user = g.word() + str(g.n(1, 99))
    tok = (
        "sk.eyJ1Ijoi"
        + b64s(user + '","a":"' + g.s(LOWER + DIG, 25) + '"}').rstrip("=")
        + "."
        + g.s(B64U, 22)
    )
    return (
        f"machine api.mapbox.com\n  login mapbox\n  password {tok}",
        [tok],
    )


@T(F, "alertmanager.yml: pagerduty routing_key")
def vs_pagerduty(g: Gen) -> tuple[str, list[str]]:
    key = g.hex(32)
    return (
        "receivers:\n"
        "  - name: pagerduty-critical\n"
        "    pagerduty_configs:\n"
        f"      - routing_key: {key}\n"
        "        severity: critical\n"
        "        send_resolved: true",
        [key],
    )


# =============================================================================================
# 23. private-key and key material

F = "private_key_material"


def _pem(g: Gen, kind: str, prefix: str, total: int, picks: int = 2) -> tuple[list[str], list[str]]:
    body = pem_lines(g, prefix, total)
    idx = sorted(g.r.sample(range(1, len(body) - 1), picks))
    return [f"-----BEGIN {kind}-----", *body, f"-----END {kind}-----"], [body[i] for i in idx]


@T(F, "kubectl exec cat: RSA PRIVATE KEY")
def pk_rsa(g: Gen) -> tuple[str, list[str]]:
    lines, vals = _pem(
        g, "RSA PRIVATE KEY", "MIIEow" + g.pick(("IBAAKCAQEA", "IBAAKCAQEAx", "IBAAKCAQEAv")), 1588
    )
    return (
        f"$ kubectl exec -n {g.ns()} deploy/{g.app()} -- cat /etc/ssl/private/tls.key\n"
        + "\n".join(lines),
        vals,
    )


@T(F, "cat ~/.ssh/id_ed25519: OPENSSH PRIVATE KEY")
def pk_openssh(g: Gen) -> tuple[str, list[str]]:
    body = pem_lines(
        g, "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW", 400, 70
    )
    vals = [body[2], body[4]]
    return (
        "$ cat ~/.ssh/id_ed25519\n-----BEGIN OPENSSH PRIVATE KEY-----\n"
        + "\n".join(body)
        + "\n-----END OPENSSH PRIVATE KEY-----",
        vals,
    )


@T(F, "PGP PRIVATE KEY BLOCK")
def pk_pgp(g: Gen) -> tuple[str, list[str]]:
    body = pem_lines(g, "lQdGBG" + g.s(ALNUM, 4), 1200)
    return (
        "-----BEGIN PGP PRIVATE KEY BLOCK-----\n"
        "\n" + "\n".join(body) + f"\n={g.bodyb64(4)}\n-----END PGP PRIVATE KEY BLOCK-----",
        [body[3], body[9]],
    )


@T(F, "PuTTY .ppk v3: Private-Lines")
def pk_ppk(g: Gen) -> tuple[str, list[str]]:
    priv = "AAAAI" + g.bodyb64(43)
    return (
        "PuTTY-User-Key-File-3: ssh-ed25519\n"
        "Encryption: none\n"
        f"Comment: {g.user()}@{g.host()}\n"
        "Public-Lines: 2\n"
        "AAAAC3NzaC1lZDI1NTE5AAAAI" + g.bodyb64(43) + "\n" + g.bodyb64(8) + "\n"
        "Private-Lines: 1\n"
        f"{priv}\n"
        f"Private-MAC: {g.hex(64)}",
        [priv],
    )


@T(F, "JWK with private member d")
def pk_jwk(g: Gen) -> tuple[str, list[str]]:
    d = g.b64url(32)
    return (
        f'{{"kty":"EC","crv":"P-256","kid":"{g.hex(16)}","use":"sig","alg":"ES256","x":"{g.b64url(32)}","y":"{g.b64url(32)}","d":"{d}"}}',
        [d],
    )


@T(F, "WireGuard wg0.conf: PrivateKey and PresharedKey")
def pk_wireguard(g: Gen) -> tuple[str, list[str]]:
    pk, psk = g.b64(32), g.b64(32)
    return (
        "[Interface]\n"
        f"PrivateKey = {pk}\n"
        f"Address = 10.8.0.{g.n(2, 250)}/32\n"
        "DNS = 10.8.0.1\n"
        "\n"
        "[Peer]\n"
        f"PublicKey = {g.b64(32)}\n"
        f"PresharedKey = {psk}\n"
        f"Endpoint = {g.ip()}:51820\n"
        "AllowedIPs = 0.0.0.0/0",
        [pk, psk],
    )


@T(F, "GCP service account JSON: private_key with \\n escapes")
def pk_gcp_sa(g: Gen) -> tuple[str, list[str]]:
    body = pem_lines(g, "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQ", 1624)
    proj = f"{g.word()}-{g.word()}-{g.n(100, 999)}"
    pem = "\\n".join(["-----BEGIN PRIVATE KEY-----", *body, "-----END PRIVATE KEY-----", ""])
    return (
        "{\n"
        '  "type": "service_account",\n'
        f'  "project_id": "{proj}",\n'
        f'  "private_key_id": "{g.hex(40)}",\n'
        f'  "private_key": "{pem}",\n'
        f'  "client_email": "{g.app()}@{proj}.iam.gserviceaccount.com",\n'
        f'  "client_id": "{g.digits(21)}",\n'
        '  "auth_uri": "https://accounts.google.com/o/oauth2/auth"\n'
        "}",
        [body[5], body[17]],
    )


@T(F, "kubeconfig: client-key-data")
def pk_kubeconfig(g: Gen) -> tuple[str, list[str]]:
    kd = "LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQpNSUlF" + g.bodyb64(g.n(2200, 2300)) + "="
    cluster = f"{g.word()}-{g.pick(ENVS)}"
    return (
        "users:\n"
        f"- name: {cluster}-admin\n"
        "  user:\n"
        f"    client-certificate-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSURJVENDQWdtZ0F3SUJBZ0lJ{g.bodyb64(120)}\n"
        f"    client-key-data: {kd}",
        [kd],
    )


@T(F, "SSLKEYLOGFILE: TLS 1.3 traffic secrets")
def pk_keylog(g: Gen) -> tuple[str, list[str]]:
    cr = g.hex(64)
    c, s = g.hex(64), g.hex(64)
    return (
        "# SSL/TLS secrets log file, generated by NSS\n"
        f"CLIENT_HANDSHAKE_TRAFFIC_SECRET {cr} {g.hex(64)}\n"
        f"SERVER_HANDSHAKE_TRAFFIC_SECRET {cr} {g.hex(64)}\n"
        f"CLIENT_TRAFFIC_SECRET_0 {cr} {c}\n"
        f"SERVER_TRAFFIC_SECRET_0 {cr} {s}",
        [c, s],
    )


@T(F, "age identity file: AGE-SECRET-KEY-1")
def pk_age(g: Gen) -> tuple[str, list[str]]:
    key = "AGE-SECRET-KEY-1" + g.s("QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L", 58)
    return (
        f"# created: {g.dt():%Y-%m-%dT%H:%M:%S}Z\n"
        f"# public key: age1{g.s('qpzry9x8gf2tvdw0s3jn54khce6mua7l', 58)}\n"
        f"{key}",
        [key],
    )


# =============================================================================================
# 24. CI/CD logs

F = "ci_cd_logs"


@T(F, "GitHub Actions: env from vars (unmasked) in step header")
def ci_gha_env(g: Gen) -> tuple[str, list[str]]:
    tok = g.s(ALNUM + "-_", 39) + g.s(ALNUM, 1)
    d = g.dt()
    return (
        f"{iso7(d)} ##[group]Run ./scripts/purge-cache.sh\n"
        f"{iso7(d)} ./scripts/purge-cache.sh\n"
        f"{iso7(d)} shell: /usr/bin/bash -e {{0}}\n"
        f"{iso7(d)} env:\n"
        f"{iso7(d)}   DEPLOY_KEY: ***\n"
        f"{iso7(d)}   CF_API_TOKEN: {tok}\n"
        f"{iso7(d)}   CF_ZONE_ID: {g.hex(32)}\n"
        f"{iso7(d)} ##[endgroup]",
        [tok],
    )


@T(F, "GitLab CI job: export TF_VAR_ in script")
def ci_gitlab(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    return (
        f"Running with gitlab-runner 17.6.0 (374d34fd)\n"
        f"  on {g.host()} {g.s(ALNUM, 8)}, system ID: s_{g.hex(12)}\n"
        "$ cd terraform/envs/prod\n"
        f"$ export TF_VAR_db_password={shq(pw)}\n"
        "$ terraform init -input=false",
        [pw],
    )


@T(F, "Jenkins console: docker login -p from parameter")
def ci_jenkins(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    return (
        "[Pipeline] sh\n"
        f"+ docker login -u deploy -p {shq(pw)} nexus.{g.domain()}:8443\n"
        "WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n"
        "Login Succeeded\n"
        "[Pipeline] }",
        [pw],
    )


@T(F, "Azure Pipelines ##[debug] variable evaluation")
def ci_azure(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    d = g.dt()
    return (
        f"{iso7(d)} ##[debug]Evaluating condition for step: 'Run migrations'\n"
        f"{iso7(d)} ##[debug]Evaluating: variables['sqlAdminPassword']\n"
        f"{iso7(d)} ##[debug]Result: '{pw}'\n"
        f"{iso7(d)} ##[debug]Evaluating: succeeded()",
        [pw],
    )


@T(F, "CircleCI step: Circle-Token header")
def ci_circle(g: Gen) -> tuple[str, list[str]]:
    tok = "CCIPAT_" + g.s(ALNUM, 22) + "_" + g.hex(40)
    return (
        "#!/bin/bash -eo pipefail\n"
        f'curl -s -X POST https://circleci.com/api/v2/project/gh/{g.word()}/{g.app()}/pipeline -H "Circle-Token: {tok}" -H "Content-Type: application/json" -d \'{{"branch":"main"}}\'\n'
        '{"message":"Project not found"}',
        [tok],
    )


@T(F, "terraform plan: non-sensitive map value")
def ci_tfplan(g: Gen) -> tuple[str, list[str]]:
    tok = g.b64url(32)
    app = g.app()
    return (
        f"  # kubernetes_secret.{app.replace('-', '_')}_api will be created\n"
        f'  + resource "kubernetes_secret" "{app.replace("-", "_")}_api" {{\n'
        "      + data                           = {\n"
        f'          + "api_key" = "{tok}"\n'
        "        }\n"
        "      + id                             = (known after apply)\n"
        '      + type                           = "Opaque"',
        [tok],
    )


@T(F, "helm upgrade --set secrets in CI log")
def ci_helm_set(g: Gen) -> tuple[str, list[str]]:
    sec, app = g.b64(32), g.app()
    return (
        f"$ helm upgrade --install {app} ./chart -n {g.ns()} --set image.tag={g.hex(7)} --set secrets.jwtSecret={sec} --wait --timeout 10m\n"
        f'Release "{app}" has been upgraded. Happy Helming!',
        [sec],
    )


@T(F, "ansible debug var: dict with password")
def ci_ansible(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    h = g.host()
    return (
        "TASK [db : show connection settings] *******************************************\n"
        f"ok: [{h}] => {{\n"
        '    "db_settings": {\n'
        f'        "host": "{g.host()}",\n'
        f'        "password": "{pw}",\n'
        '        "port": 5432,\n'
        f'        "user": "{g.user()}"\n'
        "    }\n"
        "}",
        [pw],
    )


@T(F, "docker history --no-trunc: build args")
def ci_docker_history(g: Gen) -> tuple[str, list[str]]:
    t1, t2 = glpat(g), "npm_" + g.s(ALNUM, 36)
    return (
        f"$ docker history --no-trunc registry.{g.domain()}/{g.app()}:{g.version()} | grep -m1 ARG\n"
        f"sha256:{g.hex(64)}   {g.n(2, 9)} days ago   |2 GIT_TOKEN={t1} NPM_TOKEN={t2} /bin/sh -c npm ci --omit=dev   {g.n(100, 400)}MB",
        [t1, t2],
    )


@T(F, "kaniko Args: --build-arg with sntrys_ token")
def ci_kaniko(g: Gen) -> tuple[str, list[str]]:
    tok = "sntrys_eyJpYXQiOj" + g.s(B64U, 120) + "_" + g.s(B64U, 43)
    return (
        f"INFO[0003] Args: [--dockerfile=Dockerfile --context=dir:///workspace/source --destination=registry.{g.domain()}/{g.app()}:{g.hex(8)} --build-arg=SENTRY_AUTH_TOKEN={tok} --cache=true]",
        [tok],
    )


@T(F, "argocd app diff: ConfigMap old and new value")
def ci_argocd(g: Gen) -> tuple[str, list[str]]:
    old, new = g.pw(), g.pw()
    ns, app = g.ns(), g.app()
    return (
        f"===== /ConfigMap {ns}/{app}-config ======\n"
        "12c12\n"
        f"<   SMTP_PASSWORD: {old}\n"
        "---\n"
        f">   SMTP_PASSWORD: {new}",
        [old, new],
    )


# =============================================================================================
# 25. application logs: JVM, .NET, Go

F = "app_logs_compiled"


@T(F, "Spring Boot: Lombok toString of properties")
def al_lombok(g: Gen) -> tuple[str, list[str]]:
    sec = g.pick((g.b64(32), g.mixed(24), g.hex(40)))
    return (
        f"{spdot(g.dt())}  INFO 1 --- [           main] c.a.billing.config.GatewayConfig         : Gateway client configured: GatewayProperties(baseUrl=https://api.{g.domain()}, merchantId=M-{g.digits(7)}, apiSecret={sec}, timeout=PT30S)",
        [sec],
    )


@T(F, "Java stack trace: ResourceAccessException URL with userinfo")
def al_java_trace(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw(sym=SYM_URL, uni=False)
    return (
        f"{spdot(g.dt())} ERROR 1 --- [nio-8080-exec-{g.n(1, 9)}] o.a.c.c.C.[.[.[/].[dispatcherServlet]    : Servlet.service() for servlet [dispatcherServlet] threw exception\n"
        f'org.springframework.web.client.ResourceAccessException: I/O error on GET request for "https://{g.user()}:{pw}@reports.{g.domain()}/api/export": Connection refused\n'
        "\tat org.springframework.web.client.RestTemplate.createResourceAccessException(RestTemplate.java:915)\n"
        "\tat org.springframework.web.client.RestTemplate.doExecute(RestTemplate.java:895)\n"
        "Caused by: java.net.ConnectException: Connection refused",
        [pw],
    )


@T(F, "logstash JSON: custom field x-api-key")
def al_logstash(g: Gen) -> tuple[str, list[str]]:
    key = g.b64url(g.pick((24, 32)))
    return (
        f'{{"@timestamp":"{iso(g.dt())}","@version":"1","message":"calling partner API","logger_name":"c.a.i.PartnerClient","thread_name":"partner-sync-1","level":"DEBUG","x-api-key":"{key}","partner":"{g.word()}"}}',
        [key],
    )


@T(F, ".NET ILogger: anonymous object with ClientSecret")
def al_dotnet_ilogger(g: Gen) -> tuple[str, list[str]]:
    sec = azure_secret(g)
    return (
        f"info: {g.app().capitalize()}.Api.Startup[0]\n"
        f"      Using identity settings {{ Authority = https://login.microsoftonline.com/{g.uuid()}/v2.0, ClientId = {g.uuid()}, ClientSecret = {sec} }}",
        [sec],
    )


@T(F, "EF Core: connection string with typo'd key")
def al_efcore(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw(sym="!#%^*-_+.~@")
    h, db = g.host(), g.db()
    return (
        "fail: Microsoft.EntityFrameworkCore.Database.Connection[20004]\n"
        f"      An error occurred using the connection to database '{db}' on server 'tcp:{h},1433'.\n"
        "System.ArgumentException: Keyword not supported: 'pasword'.\n"
        "   at Microsoft.Data.Common.DbConnectionOptions.ParseInternal(Dictionary`2 parsetable, String connectionString, Boolean buildChain, Dictionary`2 synonyms, Boolean firstKey)\n"
        f"   ConnectionString: Server=tcp:{h},1433;Database={db};User Id={g.user()};pasword={pw};",
        [pw],
    )


@T(F, "Go %+v struct dump: SecretAccessKey field")
def al_go_struct(g: Gen) -> tuple[str, list[str]]:
    key = aws_secret(g)
    return (
        f"{g.dt():%Y/%m/%d %H:%M:%S} ERROR failed to init storage cfg={{Endpoint:minio.{g.domain()}:9000 AccessKeyID:{g.upper(20)} SecretAccessKey:{key} Bucket:backups UseSSL:true}}",
        [key],
    )


@T(F, "Go panic message with token argument")
def al_go_panic(g: Gen) -> tuple[str, list[str]]:
    tok = g.b64url(30)
    return (
        f'panic: auth: upstream rejected credentials for "svc-sync" (token "{tok}")\n'
        "\n"
        "goroutine 1 [running]:\n"
        f"main.mustLogin({{0xc000012345, 0x8}}, {{0xc00001a0c0, 0x{len(tok):x}}})\n"
        f"\t/src/cmd/sync/main.go:{g.n(40, 200)} +0x1d4\n"
        "main.main()\n"
        f"\t/src/cmd/sync/main.go:{g.n(10, 39)} +0x65\n"
        "exit status 2",
        [tok],
    )


@T(F, "zap JSON: password field")
def al_zap(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    return (
        f'{{"level":"debug","ts":{g.epoch()}.{g.n(1000, 9999)},"caller":"db/pool.go:{g.n(20, 300)}","msg":"dialing","addr":"{g.host()}:5432","user":"{g.user()}","password":"{pw}"}}',
        [pw],
    )


@T(F, "Tomcat VersionLoggerListener: -D argument")
def al_tomcat_args(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    d = g.dt()
    return (
        f"{d:%d-%b-%Y %H:%M:%S}.{d.microsecond // 1000:03d} INFO [main] org.apache.catalina.startup.VersionLoggerListener.log Command line argument: -Djava.io.tmpdir=/usr/local/tomcat/temp\n"
        f"{d:%d-%b-%Y %H:%M:%S}.{d.microsecond // 1000:03d} INFO [main] org.apache.catalina.startup.VersionLoggerListener.log Command line argument: -Dmail.smtp.password={pw}",
        [pw],
    )


@T(F, ".NET HttpRequestException: Request ToString headers")
def al_dotnet_request(g: Gen) -> tuple[str, list[str]]:
    tok = g.b64url(40)
    return (
        "System.Net.Http.HttpRequestException: Response status code does not indicate success: 401 (Unauthorized).\n"
        f"Request: Method: POST, RequestUri: 'https://api.{g.domain()}/v1/sync', Version: 1.1, Content: System.Net.Http.StringContent, Headers:\n"
        "{\n"
        f"  Authorization: Bearer {tok}\n"
        f"  traceparent: 00-{g.hex(32)}-{g.hex(16)}-01\n"
        "  Content-Type: application/json; charset=utf-8\n"
        "}",
        [tok],
    )


@T(F, "Serilog CLEF: destructured request object")
def al_serilog(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    return (
        f'{{"@t":"{iso7(g.dt())}","@mt":"Login attempt {{@Request}}","@l":"Warning","Request":{{"UserName":"{g.user()}","Password":"{pw}","RememberMe":false,"$type":"LoginRequest"}},"SourceContext":"Portal.Controllers.AccountController"}}',
        [pw],
    )


# =============================================================================================
# 26. application logs: Python, Node, Ruby, PHP, Elixir, Erlang

F = "app_logs_dynamic"


@T(F, "Python logging: task kwargs dict")
def ad_py_dict(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    return (
        f"{sp(g.dt())} DEBUG [celery.app.trace] task notify.send_digest[{g.uuid()}] kwargs: {{'smtp_host': 'smtp.{g.domain()}', 'smtp_user': '{g.user()}', 'smtp_password': '{pw}', 'batch': {g.n(10, 500)}}}",
        [pw],
    )


@T(F, "Python traceback with locals")
def ad_py_locals(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    return (
        "Traceback (most recent call last):\n"
        f'  File "/srv/app/sync_mail.py", line {g.n(40, 200)}, in <module>\n'
        "    client.login(username, password)\n"
        '  File "/usr/lib/python3.12/imaplib.py", line 612, in login\n'
        "    raise self.error(dat[-1])\n"
        "imaplib.IMAP4.error: b'[AUTHENTICATIONFAILED] Authentication failed.'\n"
        "\n"
        "Locals (innermost last):\n"
        f"  username = '{g.email()}'\n"
        f"  password = '{pw}'",
        [pw],
    )


@T(F, "requests HTTPError: access_token in URL")
def ad_py_httperror(g: Gen) -> tuple[str, list[str]]:
    tok = g.b64url(g.pick((24, 32, 45)))
    return (
        f"requests.exceptions.HTTPError: 403 Client Error: Forbidden for url: https://graph.{g.domain()}/v19.0/me/accounts?fields=id,name&access_token={tok}",
        [tok],
    )


@T(F, "AxiosError: config.headers Authorization")
def ad_axios(g: Gen) -> tuple[str, list[str]]:
    tok = g.b64url(32)
    return (
        "AxiosError: Request failed with status code 401\n"
        "    at settle (/app/node_modules/axios/dist/node/axios.cjs:2019:12)\n"
        "  code: 'ERR_BAD_REQUEST',\n"
        "  config: {\n"
        f"    url: 'https://api.{g.domain()}/v1/charges',\n"
        "    method: 'post',\n"
        "    headers: Object [AxiosHeaders] {\n"
        "      Accept: 'application/json, text/plain, */*',\n"
        "      'Content-Type': 'application/json',\n"
        f"      Authorization: 'Bearer {tok}',\n"
        "      'User-Agent': 'axios/1.7.7'\n"
        "    },",
        [tok],
    )


@T(F, "Rails log: Parameters hash (filter missing)")
def ad_rails_params(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    d = g.dt()
    return (
        f'Started POST "/users/sign_in" for {g.ip()} at {d:%Y-%m-%d %H:%M:%S} +0000\n'
        "Processing by Devise::SessionsController#create as HTML\n"
        f'  Parameters: {{"authenticity_token"=>"[FILTERED]", "user"=>{{"email"=>"{g.email()}", "passwd"=>"{pw}", "remember_me"=>"0"}}, "commit"=>"Log in"}}',
        [pw],
    )


@T(F, "Faraday logger: Authorization header")
def ad_faraday(g: Gen) -> tuple[str, list[str]]:
    tok = g.hex(40)
    d = g.dt()
    p = g.n(100, 9999)
    return (
        f"I, [{d:%Y-%m-%dT%H:%M:%S}.{d.microsecond:06d} #{p}]  INFO -- request: GET https://api.{g.domain()}/v2/accounts\n"
        f'I, [{d:%Y-%m-%dT%H:%M:%S}.{d.microsecond:06d} #{p}]  INFO -- request: User-Agent: "Faraday v2.12.0"\n'
        f'I, [{d:%Y-%m-%dT%H:%M:%S}.{d.microsecond:06d} #{p}]  INFO -- request: Authorization: "Token token={tok}"',
        [tok],
    )


@T(F, "PHP var_dump: string(N) password")
def ad_php_vardump(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    h, u = g.fqdn(), g.user()
    return (
        "array(4) {\n"
        '  ["host"]=>\n'
        f'  string({len(h)}) "{h}"\n'
        '  ["username"]=>\n'
        f'  string({len(u)}) "{u}"\n'
        '  ["password"]=>\n'
        f'  string({len(pw.encode())}) "{pw}"\n'
        '  ["port"]=>\n'
        "  int(3306)\n"
        "}",
        [pw],
    )


@T(F, "PHP uncaught PDOException: truncated argument in trace")
def ad_php_trace(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw(uni=False)
    shown = pw if len(pw) <= 15 else pw[:15] + "..."
    val = pw if len(pw) <= 15 else pw[:15]
    u = g.user()
    return (
        f"PHP Fatal error:  Uncaught PDOException: SQLSTATE[HY000] [1045] Access denied for user '{u}'@'{g.ip()}' (using password: YES) in /var/www/html/lib/Db.php:22\n"
        "Stack trace:\n"
        f"#0 /var/www/html/lib/Db.php(22): PDO->__construct('mysql:host=db-p...', '{u}', '{shown}', Array)\n"
        "#1 /var/www/html/index.php(9): Db::connect()\n"
        "#2 {main}\n"
        "  thrown in /var/www/html/lib/Db.php on line 22",
        [val],
    )


@T(F, "Elixir Logger: inspected map with password")
def ad_elixir(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    return (
        f'{g.dt():%H:%M:%S}.{g.n(100, 999)} [debug] loaded mailer config: %{{adapter: Swoosh.Adapters.SMTP, relay: "smtp.{g.domain()}", username: "{g.user()}", password: "{pw}", port: 587, tls: :always}}',
        [pw],
    )


@T(F, "manage.py diffsettings: two secrets")
def ad_diffsettings(g: Gen) -> tuple[str, list[str]]:
    pw, key = g.pw(), django_key(g)
    return (
        "$ python manage.py diffsettings --output unified | grep -E '^\\+ (EMAIL|SECRET)'\n"
        f"+ EMAIL_HOST_PASSWORD = '{pw}'\n"
        f"+ SECRET_KEY = '{key}'",
        [pw, key],
    )


@T(F, "pydantic settings repr: PostgresDsn with password")
def ad_pydantic(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw(sym=SYM_URL, uni=False)
    return (
        f"INFO:     settings=Settings(database_url=MultiHostUrl('postgresql+asyncpg://{g.user()}:{pw}@{g.host()}:5432/{g.db()}'), redis_url=RedisDsn('redis://{g.host()}:6379/0'), jwt_secret=SecretStr('**********'), debug=False)",
        [pw],
    )


@T(F, 'Erlang crash report: binary <<"..">> password')
def ad_erlang(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    return (
        "=CRASH REPORT==== " + f"{g.dt():%d-%b-%Y::%H:%M:%S}" + " ===\n"
        "  crasher:\n"
        f"    initial call: amqp_gen_connection:init/1\n"
        f"    pid: <0.{g.n(100, 9999)}.0>\n"
        f'    exception exit: {{{{badarg,[{{amqp_network_connection,connect,[{{amqp_params_network,<<"{g.user()}">>,<<"{pw}">>,<<"/">>,"{g.host()}",5672,2047,0,10,60000,none,[]}}]}}]}}}}',
        [pw],
    )


# =============================================================================================
# 27. credential files

F = "credential_files"


@T(F, "~/.netrc multi-line")
def cf_netrc(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    return (
        f"machine {g.fqdn()}\n  login {g.user()}\n  password {pw}",
        [pw],
    )


@T(F, "~/.pgpass")
def cf_pgpass(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    return (
        f"$ cat ~/.pgpass\n{g.host()}:5432:*:{g.user()}:{pw}\nlocalhost:5432:postgres:postgres:*",
        [pw],
    )


@T(F, "~/.aws/credentials named profile")
def cf_aws(g: Gen) -> tuple[str, list[str]]:
    key = aws_secret(g)
    return (
        "[prod-admin]\n"
        f"aws_access_key_id = AKIA{g.upper(16)}\n"
        f"aws_secret_access_key = {key}\n"
        f"region = {g.region()}",
        [key],
    )


@T(F, "~/.git-credentials: Bitbucket app password")
def cf_gitcreds(g: Gen) -> tuple[str, list[str]]:
    pw = "ATBB" + g.s(ALNUM, 32) + g.HEX(8)
    return (
        f"https://{g.word()}{g.n(1, 99)}:{pw}@bitbucket.org",
        [pw],
    )


@T(F, "~/.pypirc")
def cf_pypirc(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    return (
        "[distutils]\n"
        "index-servers = internal\n"
        "\n"
        "[internal]\n"
        f"repository = https://pypi.{g.domain()}/\n"
        f"username = {g.user()}\n"
        f"password = {pw}",
        [pw],
    )


@T(F, "~/.config/gh/hosts.yml oauth_token")
def cf_gh_hosts(g: Gen) -> tuple[str, list[str]]:
    tok = ghp(g, "gho_")
    return (
        "github.com:\n"
        f"    user: {g.word()}{g.n(1, 99)}\n"
        f"    oauth_token: {tok}\n"
        "    git_protocol: ssh",
        [tok],
    )


@T(F, "~/.kube/config user token (SA JWT)")
def cf_kube_token(g: Gen) -> tuple[str, list[str]]:
    e = g.epoch()
    ns = g.ns()
    tok = g.jwt(
        {
            "iss": "kubernetes/serviceaccount",
            "kubernetes.io/serviceaccount/namespace": ns,
            "kubernetes.io/serviceaccount/secret.name": f"ci-deployer-token-{g.s(POD, 5)}",
            "kubernetes.io/serviceaccount/service-account.uid": g.uuid(),
            "sub": f"system:serviceaccount:{ns}:ci-deployer",
            "iat": e,
        }
    )
    return (
        f"users:\n- name: ci-deployer\n  user:\n    token: {tok}",
        [tok],
    )


@T(F, "rclone.conf: B2 application key")
def cf_rclone(g: Gen) -> tuple[str, list[str]]:
    key = "K00" + g.s(ALNUM + "/+", 28)
    return (
        f"[b2-backups]\ntype = b2\naccount = {g.hex(25)}\nkey = {key}\nhard_delete = false",
        [key],
    )


@T(F, "~/.terraform.d/credentials.tfrc.json")
def cf_tfrc(g: Gen) -> tuple[str, list[str]]:
    tok = g.s(ALNUM, 14) + ".atlasv1." + g.s(ALNUM, 67)
    return (
        "{\n"
        '  "credentials": {\n'
        '    "app.terraform.io": {\n'
        f'      "token": "{tok}"\n'
        "    }\n"
        "  }\n"
        "}",
        [tok],
    )


@T(F, "composer auth.json: http-basic and github-oauth")
def cf_composer(g: Gen) -> tuple[str, list[str]]:
    pw, tok = g.pw(), ghp(g)
    return (
        "{\n"
        '    "http-basic": {\n'
        f'        "repo.{g.domain()}": {{\n'
        f'            "username": "{g.user()}",\n'
        f'            "password": "{pw}"\n'
        "        }\n"
        "    },\n"
        '    "github-oauth": {\n'
        f'        "github.com": "{tok}"\n'
        "    }\n"
        "}",
        [pw, tok],
    )


@T(F, "cat ~/.vault-token (bare)")
def cf_vault_token(g: Gen) -> tuple[str, list[str]]:
    tok = hvs(g)
    return (
        f"[{g.user()}@{g.host()} ~]$ cat ~/.vault-token; echo\n{tok}",
        [tok],
    )


# =============================================================================================
# 28. tabular output

F = "tabular_output"


def _table(headers: list[str], rows: list[list[str]]) -> list[str]:
    w = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    out = [
        " " + " | ".join(h.center(w[i]) for i, h in enumerate(headers)),
        "-" + "-+-".join("-" * x for x in w) + "-",
    ]
    out += [" " + " | ".join(c.ljust(w[i]) for i, c in enumerate(r)) for r in rows]
    return out


@T(F, "psql: two api_key rows")
def tb_psql(g: Gen) -> tuple[str, list[str]]:
    k1, k2 = g.s(LOWER + DIG, 32) + "-na1", g.hex(32) + f"-us{g.n(1, 21)}"
    rows = [
        [str(g.n(100, 999)), "hubspot", k1, f"{g.dt():%Y-%m-%d %H:%M:%S}.{g.n(10, 999)}+00"],
        [str(g.n(100, 999)), "mailchimp", k2, f"{g.dt():%Y-%m-%d %H:%M:%S}.{g.n(10, 999)}+00"],
    ]
    t = _table(["id", "name", "api_key", "created_at"], rows)
    return (
        f"{g.db()}=# SELECT id, name, api_key, created_at FROM integrations WHERE tenant_id = {g.n(1, 500)};\n"
        + "\n".join(t)
        + "\n(2 rows)",
        [k1, k2],
    )


@T(F, "mysql: settings table key/value")
def tb_mysql(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    rows = [
        ["smtp_host", f"smtp.{g.domain()}"],
        ["smtp_password", pw],
        ["smtp_port", "587"],
        ["smtp_user", g.user()],
    ]
    w0, w1 = max(len(r[0]) for r in rows) + 0, max(len(r[1]) for r in rows)
    sep = f"+{'-' * (w0 + 2)}+{'-' * (w1 + 2)}+"
    body = [f"| {r[0].ljust(w0)} | {r[1].ljust(w1)} |" for r in rows]
    return (
        "mysql> SELECT name, value FROM settings WHERE name LIKE 'smtp%';\n"
        + "\n".join([sep, f"| {'name'.ljust(w0)} | {'value'.ljust(w1)} |", sep, *body, sep])
        + "\n4 rows in set (0.00 sec)",
        [pw],
    )


@T(F, "markdown table in ticket")
def tb_markdown(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    d = g.domain()
    return (
        "| Environment | URL | Admin user | Admin password |\n"
        "|---|---|---|---|\n"
        f"| staging | https://stg.{d} | admin | {pw} |\n"
        f"| prod | https://{d} | admin | (in vault) |",
        [pw],
    )


@T(F, "kubectl get secret -o custom-columns")
def tb_kubectl(g: Gen) -> tuple[str, list[str]]:
    tok = b64s(g.jwt())
    return (
        f"$ kubectl get secret -n {g.ns()} -o custom-columns='NAME:.metadata.name,TOKEN:.data.token' | head -3\n"
        "NAME                        TOKEN\n"
        f"ci-deployer-token-{g.s(POD, 5)}     {tok}",
        [tok],
    )


@T(F, "vault kv get: Data table")
def tb_vault_kv(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    app = g.app()
    return (
        f"$ vault kv get secret/{app}/prod\n"
        "====== Secret Path ======\n"
        f"secret/data/{app}/prod\n"
        "\n"
        "======= Metadata =======\n"
        "Key                Value\n"
        "---                -----\n"
        f"created_time       {g.dt():%Y-%m-%dT%H:%M:%S}.{g.n(100000000, 999999999)}Z\n"
        "custom_metadata    <nil>\n"
        "deletion_time      n/a\n"
        "destroyed          false\n"
        f"version            {g.n(2, 40)}\n"
        "\n"
        "====== Data ======\n"
        "Key            Value\n"
        "---            -----\n"
        f"db_password    {pw}\n"
        f"db_user        {g.user()}",
        [pw],
    )


@T(F, "aws ssm get-parameters --with-decryption --output table")
def tb_ssm(g: Gen) -> tuple[str, list[str]]:
    val = g.pick((g.b64url(32), g.pw(), g.hex(40)))
    app = g.app()
    arn = f"arn:aws:ssm:{g.region()}:{g.digits(12)}:parameter/{app}/prod/api_key"
    w = max(len(arn), len(val), 40) + 2
    row = lambda k, v: f"||  {k.ljust(17)}|  {v.ljust(w)}||"  # noqa: E731
    return (
        "----" + "-" * (w + 22) + "\n"
        f"|{'GetParameters'.center(w + 24)}|\n"
        + "\n".join(
            [
                row("ARN", arn),
                row("DataType", "text"),
                row("LastModifiedDate", f"{g.dt():%Y-%m-%dT%H:%M:%S}.{g.n(100, 999)}000+00:00"),
                row("Name", f"/{app}/prod/api_key"),
                row("Type", "SecureString"),
                row("Value", val),
                row("Version", str(g.n(1, 30))),
            ]
        ),
        [val],
    )


@T(F, "heroku config: URL and token columns")
def tb_heroku(g: Gen) -> tuple[str, list[str]]:
    pw, tok = g.s(LOWER + DIG, 64), g.s(ALNUM, 20)
    app = g.app()
    return (
        f"=== {app}-prod Config Vars\n"
        f"DATABASE_URL:         postgres://{g.s(LOWER, 14)}:{pw}@ec2-{g.n(3, 54)}-{g.n(1, 254)}-{g.n(1, 254)}-{g.n(1, 254)}.compute-1.amazonaws.com:5432/{g.s(LOWER + DIG, 14)}\n"
        f"PAPERTRAIL_API_TOKEN: {tok}\n"
        "RAILS_ENV:            production",
        [pw, tok],
    )


@T(F, "doppler secrets: box-drawing table")
def tb_doppler(g: Gen) -> tuple[str, list[str]]:
    key = g.b64(32)
    app = g.app()
    w = max(len(key), len(app)) + 2
    line = lambda a, b, c: f"{a}{'─' * 22}{b}{'─' * w}{c}"  # noqa: E731
    row = lambda k, v: f"│ {k.ljust(20)} │ {v.ljust(w - 2)} │"  # noqa: E731
    return (
        "\n".join(
            [
                line("┌", "┬", "┐"),
                row("NAME", "VALUE"),
                line("├", "┼", "┤"),
                row("DOPPLER_CONFIG", "prd"),
                row("DOPPLER_ENVIRONMENT", "prd"),
                row("DOPPLER_PROJECT", app),
                row("JWT_SIGNING_KEY", key),
                line("└", "┴", "┘"),
            ]
        ),
        [key],
    )


@T(F, "redis-cli HGETALL numbered reply")
def tb_hgetall(g: Gen) -> tuple[str, list[str]]:
    key = sendgrid(g)
    return (
        f"127.0.0.1:6379> HGETALL integration:{g.n(100, 99999)}\n"
        '1) "provider"\n'
        '2) "sendgrid"\n'
        '3) "api_key"\n'
        f'4) "{key}"\n'
        '5) "created_at"\n'
        f'6) "{g.epoch()}"',
        [key],
    )


@T(F, "consul kv get -recurse")
def tb_consul_kv(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    app = g.app()
    return (
        f"$ consul kv get -recurse config/{app}/prod/db\n"
        f"config/{app}/prod/db/host:{g.host()}\n"
        f"config/{app}/prod/db/password:{pw}\n"
        f"config/{app}/prod/db/user:{g.user()}",
        [pw],
    )


@T(F, "op item get: Fields block")
def tb_op(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    app = g.app()
    return (
        f"ID:          {g.s(LOWER + DIG, 26)}\n"
        f"Title:       {app} prod DB\n"
        f"Vault:       Infra ({g.s(LOWER + DIG, 26)})\n"
        "Created:     3 months ago\n"
        f"Updated:     2 days ago by {g.first().capitalize()}\n"
        "Favorite:    false\n"
        f"Version:     {g.n(2, 20)}\n"
        "Category:    DATABASE\n"
        "Fields:\n"
        "  type:        postgresql\n"
        f"  server:      {g.host()}\n"
        "  port:        5432\n"
        f"  database:    {g.db()}\n"
        f"  username:    {g.user()}\n"
        f"  password:    {pw}",
        [pw],
    )


# =============================================================================================
# 29. prose in English

F = "prose_english"


@T(F, "Slack message: db pw btw")
def pe_slack(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    return (
        f"[{g.dt():%H:%M}] {g.first()}: db pw for staging is {pw} btw, rotate after the incident pls",
        [pw],
    )


@T(F, "Jira comment: temporary password for admin console")
def pe_jira(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    return (
        f"{g.first().capitalize()} added a comment - {g.dt():%d/%b/%y %I:%M %p}\n"
        f'Workaround until the fix ships: log into the admin console as "admin" with the temporary password {pw} — it expires Friday.',
        [pw],
    )


@T(F, "email: new VPN pre-shared key")
def pe_email(g: Gen) -> tuple[str, list[str]]:
    psk = g.pick((g.phrase(4, "-"), g.mixed(24), g.b64url(18)))
    n = g.first().capitalize()
    return (
        f"From: {n} <{n.lower()}.{g.word()}@{g.domain()}>\n"
        "Subject: VPN change tonight\n"
        "\n"
        "Hi team,\n"
        "\n"
        f"The new VPN pre-shared key is {psk}. Please update your clients before Monday.\n"
        "\n"
        f"Thanks,\n{n}",
        [psk],
    )


@T(F, "chat: card PIN")
def pe_pin(g: Gen) -> tuple[str, list[str]]:
    pin = g.pin(4)
    return (
        f"{g.first()}: card for the shared expense account ends in {g.n(1000, 9999)}, PIN {pin}. don't write it anywhere else please",
        [pin],
    )


@T(F, "ticket: GPG passphrase with spaces")
def pe_passphrase(g: Gen) -> tuple[str, list[str]]:
    ph = g.phrase(g.n(4, 6), " ")
    return (
        f'The passphrase for the release signing key is "{ph}" (all lowercase, single spaces). Please move it into the vault after the release.',
        [ph],
    )


@T(F, "Teams message: break-glass bearer token")
def pe_bearer(g: Gen) -> tuple[str, list[str]]:
    tok = g.b64url(g.pick((24, 32)))
    return (
        f"[{g.dt():%H:%M}] {g.first().capitalize()} {g.first().capitalize()}: use {tok} as the bearer token when calling the internal API from Postman, it's the break-glass one",
        [tok],
    )


@T(F, "handover doc: door code")
def pe_doorcode(g: Gen) -> tuple[str, list[str]]:
    pin = g.pin(6)
    return (
        "## Handover – DC2\n"
        f"- Cage {g.n(1, 40)}, row {g.upper(1)}\n"
        f"- Door code for the cage: {pin}#\n"
        "- Badge pickup at reception (ask for the visitor list)",
        [pin],
    )


@T(F, "incident timeline: root password shared by mistake")
def pe_timeline(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    return (
        f"{g.dt():%H:%M} UTC — {g.first().capitalize()} shared the root password ({pw}) in #inc-{g.n(1000, 9999)} by mistake; rotated 12 minutes later.",
        [pw],
    )


@T(F, "Q/A in chat: wifi key")
def pe_qa(g: Gen) -> tuple[str, list[str]]:
    psk = g.pick((g.phrase(3, "-"), g.human(), g.mixed(14)))
    return (
        f"{g.first()}: guest wifi at the Berlin office?\n"
        f'{g.first()}: SSID "{g.word().capitalize()}Guest", key {psk}',
        [psk],
    )


@T(F, "call transcript: security word and PIN")
def pe_call(g: Gen) -> tuple[str, list[str]]:
    w, pin = g.word(), g.pin(g.pick((5, 6)))
    return (
        f'[{g.dt():%H:%M:%S}] Agent: Caller verified with security word "{w}" and PIN {pin}. Proceeding with the reset.',
        [w, pin],
    )


@T(F, "Jira: 2FA recovery codes")
def pe_recovery(g: Gen) -> tuple[str, list[str]]:
    c1, c2 = (
        f"{g.s(LOWER + DIG, 5)}-{g.s(LOWER + DIG, 5)}",
        f"{g.s(LOWER + DIG, 5)}-{g.s(LOWER + DIG, 5)}",
    )
    return (
        f"Recovery codes for the shared ops 2FA account (two left): {c1} {c2}",
        [c1, c2],
    )


# =============================================================================================
# 30. prose in other languages

F = "prose_multilingual"


@T(F, "German chat: Passwort lautet")
def pm_de(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    return (
        f"[{g.dt():%H:%M}] {g.first()}: Hallo zusammen, das neue Passwort für den Staging-Server lautet {pw} – bitte nach dem Deployment ändern.",
        [pw],
    )


@T(F, "French ticket: mot de passe temporaire « »")
def pm_fr(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    return (
        f"Bonjour, le mot de passe temporaire du compte admin est « {pw} », il expire vendredi. Merci de le changer à la première connexion.",
        [pw],
    )


@T(F, "Spanish chat: contraseña del FTP")
def pm_es(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    return (
        f"{g.first()}: te paso la contraseña del FTP: {pw} (usuario {g.user()}). Cámbiala cuando puedas.",
        [pw],
    )


@T(F, "Italian: PIN della carta")
def pm_it(g: Gen) -> tuple[str, list[str]]:
    pin = g.pin(5)
    return (
        f"Il PIN della carta aziendale è {pin}, me l'ha confermato l'amministrazione stamattina.",
        [pin],
    )


@T(F, "Polish: hasło and token API")
def pm_pl(g: Gen) -> tuple[str, list[str]]:
    pw, tok = g.pw(), g.b64url(24)
    return (
        f"Hasło do konta serwisowego to {pw}, a token API: {tok} — proszę nie wklejać tego do Jiry.",
        [pw, tok],
    )


@T(F, "Russian: пароль от базы")
def pm_ru(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    return (f"{g.first()}: Пароль от базы: {pw}. Логин тот же, что и раньше.", [pw])


@T(F, "Ukrainian: ключ API")
def pm_uk(g: Gen) -> tuple[str, list[str]]:
    tok = g.pick((g.b64url(30), g.hex(40), "key-" + g.hex(32)))
    return (f"Ключ API для сервісу сповіщень — {tok}, термін дії до кінця місяця.", [tok])


@T(F, "Japanese: パスワード「」")
def pm_ja(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw(uni=False)
    return (f"本番DBのパスワードは「{pw}」です。作業後に変更してください。", [pw])


@T(F, "Chinese: 管理员密码是")
def pm_zh(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw(uni=False)
    return (f"测试环境的管理员密码是{pw}，用完请及时修改。", [pw])


@T(F, "Korean: VPN 비밀번호")
def pm_ko(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw(uni=False)
    return (f"VPN 접속 비밀번호는 {pw} 입니다. 외부에 공유하지 마세요.", [pw])


@T(F, "Arabic: كلمة المرور")
def pm_ar(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw(uni=False)
    return (f"كلمة المرور الجديدة لحساب الخادم هي {pw} يرجى تغييرها بعد تسجيل الدخول.", [pw])


@T(F, "Hebrew: הסיסמה")
def pm_he(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw(uni=False)
    return (f"הסיסמה לשרת הגיבוי היא {pw}, נא לא לשתף.", [pw])


@T(F, "Greek: κωδικός πρόσβασης")
def pm_el(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    return (f"Ο κωδικός πρόσβασης για το VPN είναι {pw}.", [pw])


@T(F, "Hindi: पासवर्ड")
def pm_hi(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw(uni=False)
    return (f"सर्वर का पासवर्ड {pw} है, कृपया इसे किसी के साथ साझा न करें।", [pw])


@T(F, "Vietnamese: mã PIN")
def pm_vi(g: Gen) -> tuple[str, list[str]]:
    pin = g.pin(6)
    return (f"Mã PIN mở tủ rack là {pin} nhé, đừng gửi vào nhóm chung.", [pin])


# =============================================================================================
# 31. unusual character sets and lengths

F = "unusual_charsets"


@T(F, "YAML: passphrase of words with spaces")
def uc_spaces(g: Gen) -> tuple[str, list[str]]:
    ph = g.phrase(g.n(4, 6), " ")
    return (f'signing:\n  key_file: /etc/release/signing.asc\n  passphrase: "{ph}"', [ph])


@T(F, "INI: Cyrillic password")
def uc_cyrillic(g: Gen) -> tuple[str, list[str]]:
    w = g.pick(CYR)
    pw = f"{w[0].upper()}{w[1:]}-{g.n(10, 9999)}{g.pick(('!', '#', '', '?'))}"
    return (f"[smtp]\nuser = {g.user()}\npassword = {pw}\nhost = smtp.{g.domain()}", [pw])


@T(F, "JSON: Greek-letter password")
def uc_greek(g: Gen) -> tuple[str, list[str]]:
    w = g.pick(GRK)
    pw = f"{w.capitalize()}#{g.n(10, 999)}"
    return (f'{{"username": "{g.user()}", "password": "{pw}", "realm": "ops"}}', [pw])


@T(F, "Asterisk voicemail.conf: numeric PIN")
def uc_voicemail(g: Gen) -> tuple[str, list[str]]:
    pin = g.pin(g.pick((4, 6)))
    return (
        f"[default]\n{g.n(1000, 1999)} => {pin},{g.first().capitalize()} {g.word().capitalize()},{g.email()}",
        [pin],
    )


@T(F, "YAML: all-digit BMC password (quoted)")
def uc_digits(g: Gen) -> tuple[str, list[str]]:
    pw = g.digits(g.n(9, 12))
    return (f'bmc:\n  address: {g.ip()}\n  username: ADMIN\n  password: "{pw}"', [pw])


@T(F, "JSON event: attempted_password (8 chars)")
def uc_short(g: Gen) -> tuple[str, list[str]]:
    pw = g.mixed(8)
    return (
        f'{{"ts":"{iso(g.dt())}","event":"login_failed","user":"{g.user()}","attempted_password":"{pw}","ip":"{g.ip()}"}}',
        [pw],
    )


@T(F, "ConfigMap: 128-char random JWT secret")
def uc_long(g: Gen) -> tuple[str, list[str]]:
    sec = g.s(ALNUM, 128)
    return (
        f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {g.app()}-env\ndata:\n  JWT_SECRET: {sec}",
        [sec],
    )


@T(F, "SQL: password phrase with commas and spaces")
def uc_sql_phrase(g: Gen) -> tuple[str, list[str]]:
    ws = [g.word() for _ in range(4)]
    pw = f"{ws[0].capitalize()} {ws[1]}, {ws[2]} {ws[3]}{g.pick(('!', '.', '?'))}"
    return (
        f"ALTER USER {g.user().replace('-', '_').replace('.', '_')} WITH PASSWORD '{pw}';",
        [pw],
    )


@T(F, "JSON: password with escaped quote and backslash")
def uc_json_escape(g: Gen) -> tuple[str, list[str]]:
    a, b, c = g.mixed(5, ""), g.mixed(5, ""), g.mixed(4, "")
    esc = f'{a}\\"{b}\\\\{c}'
    return (f'{{"datasource":"{g.db()}","user":"{g.user()}","password":"{esc}"}}', [esc])


@T(F, "shell: single-quoted password with $ signs")
def uc_dollars(g: Gen) -> tuple[str, list[str]]:
    pw = f"{g.word().capitalize()}$${g.n(10, 99)}${g.s(ALNUM, 4)}"
    return (
        f"export SMB_PASS='{pw}'\nsmbclient //{g.host()}/share -U {g.user()} --password=\"$SMB_PASS\"",
        [pw],
    )


@T(F, "config: kana password")
def uc_kana(g: Gen) -> tuple[str, list[str]]:
    pw = f"{g.pick(KANA)}{g.pick(KANA)}{g.n(10, 9999)}"
    return (f"[auth]\nuser={g.user()}\npassword={pw}", [pw])


@T(F, "YAML: 0x-prefixed 64-hex encryption key")
def uc_hex0x(g: Gen) -> tuple[str, list[str]]:
    key = g.hex(64)
    return (f"storage:\n  encryption:\n    algorithm: aes-256-gcm\n    key: 0x{key}", [key])


@T(F, "chat: CamelCase passphrase without separators")
def uc_camel(g: Gen) -> tuple[str, list[str]]:
    ph = "".join(g.word().capitalize() for _ in range(g.n(3, 4))) + str(g.n(1, 9))
    return (f"{g.first()}: wifi pw is {ph} (case-sensitive)", [ph])


# =============================================================================================
# 32. cloud CLI output

F = "cloud_cli_output"


@T(F, "aws sts assume-role JSON")
def cc_sts(g: Gen) -> tuple[str, list[str]]:
    key, tok = aws_secret(g), sts_token(g)
    d = g.dt()
    sess = f"{g.first()}-incident"
    acct = g.digits(12)
    return (
        "{\n"
        '    "Credentials": {\n'
        f'        "AccessKeyId": "ASIA{g.upper(16)}",\n'
        f'        "SecretAccessKey": "{key}",\n'
        f'        "SessionToken": "{tok}",\n'
        f'        "Expiration": "{(d + timedelta(hours=1)):%Y-%m-%dT%H:%M:%S}+00:00"\n'
        "    },\n"
        '    "AssumedRoleUser": {\n'
        f'        "AssumedRoleId": "AROA{g.upper(17)}:{sess}",\n'
        f'        "Arn": "arn:aws:sts::{acct}:assumed-role/BreakGlass/{sess}"\n'
        "    }\n"
        "}",
        [key, tok],
    )


@T(F, "gcloud auth print-access-token")
def cc_gcloud(g: Gen) -> tuple[str, list[str]]:
    tok = ya29(g)
    return (
        f"$ gcloud auth print-access-token --impersonate-service-account={g.app()}@{g.word()}-prod.iam.gserviceaccount.com\nWARNING: This command is using service account impersonation.\n{tok}",
        [tok],
    )


@T(F, "az account get-access-token JSON")
def cc_az_token(g: Gen) -> tuple[str, list[str]]:
    tok = g.jwt()
    d = g.dt()
    return (
        "{\n"
        f'  "accessToken": "{tok}",\n'
        f'  "expiresOn": "{d:%Y-%m-%d %H:%M:%S}.000000",\n'
        f'  "expires_on": {int(d.timestamp())},\n'
        f'  "subscription": "{g.uuid()}",\n'
        f'  "tenant": "{g.uuid()}",\n'
        '  "tokenType": "Bearer"\n'
        "}",
        [tok],
    )


@T(F, "vault token create: table")
def cc_vault_create(g: Gen) -> tuple[str, list[str]]:
    tok = hvs(g)
    return (
        "$ vault token create -policy=deploy -ttl=768h\n"
        "Key                  Value\n"
        "---                  -----\n"
        f"token                {tok}\n"
        f"token_accessor       {g.s(ALNUM, 24)}\n"
        "token_duration       768h\n"
        "token_renewable      true\n"
        'token_policies       ["default" "deploy"]\n'
        "identity_policies    []\n"
        'policies             ["default" "deploy"]',
        [tok],
    )


@T(F, "kubectl create token: bare JWT")
def cc_kubectl_token(g: Gen) -> tuple[str, list[str]]:
    tok = g.jwt()
    return (f"$ kubectl -n {g.ns()} create token ci-deployer --duration=24h\n{tok}", [tok])


@T(F, "az ad sp create-for-rbac JSON password")
def cc_az_sp(g: Gen) -> tuple[str, list[str]]:
    sec = azure_secret(g)
    return (
        "{\n"
        f'  "appId": "{g.uuid()}",\n'
        '  "displayName": "gh-actions-deploy",\n'
        f'  "password": "{sec}",\n'
        f'  "tenant": "{g.uuid()}"\n'
        "}",
        [sec],
    )


@T(F, "terraform output -json: sensitive value shown")
def cc_tf_output(g: Gen) -> tuple[str, list[str]]:
    pw = g.pw()
    return (
        "{\n"
        '  "db_admin_password": {\n'
        '    "sensitive": true,\n'
        '    "type": "string",\n'
        f'    "value": "{pw}"\n'
        "  },\n"
        '  "lb_dns_name": {\n'
        '    "sensitive": false,\n'
        '    "type": "string",\n'
        f'    "value": "{g.app()}-{g.hex(8)}.elb.{g.region()}.amazonaws.com"\n'
        "  }\n"
        "}",
        [pw],
    )


@T(F, "openstack token issue: table")
def cc_os_token(g: Gen) -> tuple[str, list[str]]:
    tok = fernet(g)
    w = len(tok) + 2
    row = lambda k, v: f"| {k.ljust(10)} | {v.ljust(w - 2)} |"  # noqa: E731
    sep = f"+{'-' * 12}+{'-' * w}+"
    return (
        "\n".join(
            [
                sep,
                row("Field", "Value"),
                sep,
                row("expires", f"{g.dt():%Y-%m-%dT%H:%M:%S}+0000"),
                row("id", tok),
                row("project_id", g.hex(32)),
                row("user_id", g.hex(32)),
                sep,
            ]
        ),
        [tok],
    )


@T(F, "yc iam create-token: bare t1. token")
def cc_yc(g: Gen) -> tuple[str, list[str]]:
    tok = "t1.9euelZq" + g.s(B64U, 140) + "." + g.s(B64U, 86)
    return (f"$ yc iam create-token\n{tok}", [tok])


@T(F, "az storage account keys list -o table")
def cc_az_keys(g: Gen) -> tuple[str, list[str]]:
    k1, k2 = g.b64(64), g.b64(64)
    return (
        f"$ az storage account keys list -g rg-{g.app()}-prod -n {g.word()}{g.n(100, 999)}st -o table\n"
        "CreationTime                      KeyName    Permissions    Value\n"
        "--------------------------------  ---------  -------------  " + "-" * 88 + "\n"
        f"{g.dt():%Y-%m-%dT%H:%M:%S}.{g.n(100000, 999999)}+00:00  key1       FULL           {k1}\n"
        f"{g.dt():%Y-%m-%dT%H:%M:%S}.{g.n(100000, 999999)}+00:00  key2       FULL           {k2}",
        [k1, k2],
    )


@T(F, "aliyun sts AssumeRole JSON: secret and security token")
def cc_aliyun_sts(g: Gen) -> tuple[str, list[str]]:
    sec, tok = g.s(ALNUM, 44), "CAIS" + g.bodyb64(g.n(300, 400)) + "="
    return (
        "{\n"
        '\t"AssumedRoleUser": {\n'
        f'\t\t"Arn": "acs:ram::{g.digits(16)}:role/ops-readonly/incident",\n'
        f'\t\t"AssumedRoleId": "{g.digits(17)}:incident"\n'
        "\t},\n"
        '\t"Credentials": {\n'
        f'\t\t"AccessKeyId": "STS.NZ{g.s(ALNUM, 22)}",\n'
        f'\t\t"AccessKeySecret": "{sec}",\n'
        f'\t\t"Expiration": "{g.dt():%Y-%m-%dT%H:%M:%S}Z",\n'
        f'\t\t"SecurityToken": "{tok}"\n'
        "\t},\n"
        f'\t"RequestId": "{g.uuid().upper()}"\n'
        "}",
        [sec, tok],
    )


@T(F, "tccli sts AssumeRole: TmpSecretKey")
def cc_tencent_sts(g: Gen) -> tuple[str, list[str]]:
    sec, tok = g.s(ALNUM + "/+", 44), g.s(B64U, 200)
    return (
        "{\n"
        '    "Credentials": {\n'
        f'        "Token": "{tok}",\n'
        f'        "TmpSecretId": "AKID{g.s(ALNUM, 60)}",\n'
        f'        "TmpSecretKey": "{sec}"\n'
        "    },\n"
        f'    "ExpiredTime": {g.epoch()},\n'
        f'    "RequestId": "{g.uuid()}"\n'
        "}",
        [sec, tok],
    )


# =============================================================================================
# keep-list: diagnostic tokens near secret-ish words


def colon_hex(g: Gen, nbytes: int) -> str:
    return ":".join(g.HEX(2) for _ in range(nbytes))


def sha256_b64(g: Gen) -> str:
    return "SHA256:" + g.s(ALNUM + "+/", 43)


@K("OTel log: trace_id and span_id after token refresh failure")
def kp_otel(g: Gen) -> tuple[str, list[str]]:
    t, s = g.hex(32), g.hex(16)
    return (
        f"{iso(g.dt())} WARN  [auth-service] token refresh failed trace_id={t} span_id={s} status=401 duration_ms={g.n(5, 900)}",
        [t, s],
    )


@K("traceparent on an OAuth token request")
def kp_traceparent(g: Gen) -> tuple[str, list[str]]:
    tp = f"00-{g.hex(32)}-{g.hex(16)}-01"
    return (
        f"{iso(g.dt())} DEBUG http: outgoing POST /oauth/token auth=client_secret_basic traceparent={tp}",
        [tp],
    )


@K("password reset request_id UUID")
def kp_reset_uuid(g: Gen) -> tuple[str, list[str]]:
    u = g.uuid()
    return (
        f"{sp(g.dt())} INFO  password-reset: reset email queued request_id={u} user_id={g.n(1000, 999999)}",
        [u],
    )


@K("docker pull: secrets-store driver digest and tag")
def kp_docker_pull(g: Gen) -> tuple[str, list[str]]:
    v, dg = f"v1.{g.n(3, 5)}.{g.n(0, 12)}", "sha256:" + g.hex(64)
    return (
        f"$ docker pull registry.k8s.io/csi-secrets-store/driver:{v}\n"
        f"{v}: Pulling from csi-secrets-store/driver\n"
        f"Digest: {dg}\n"
        f"Status: Downloaded newer image for registry.k8s.io/csi-secrets-store/driver:{v}",
        [dg, v],
    )


@K("git log: commit SHA of an auth fix")
def kp_git_commit(g: Gen) -> tuple[str, list[str]]:
    sha = g.hex(40)
    return (
        f"commit {sha}\n"
        f"Author: {g.first().capitalize()} {g.word().capitalize()} <{g.email()}>\n"
        f"Date:   {g.dt():%a %b %d %H:%M:%S %Y} +0000\n"
        "\n"
        "    fix(auth): stop logging the session cookie on 401 responses",
        [sha],
    )


@K("deploy message: version, short SHA, duration")
def kp_deploy(g: Gen) -> tuple[str, list[str]]:
    v, sha, dur = g.version(), g.hex(g.n(7, 12)), f"{g.n(1, 14)}m{g.n(10, 59)}s"
    return (
        f"Deployed token-service {v} ({sha}) to prod in {dur} — secret rotation hook ran OK",
        [v, sha, dur],
    )


@K("kubectl get events: pod name with missing secret")
def kp_events(g: Gen) -> tuple[str, list[str]]:
    p = g.pod()
    return (
        f'{g.n(2, 59)}s         Warning   FailedMount   pod/{p}   MountVolume.SetUp failed for volume "api-keys" : secret "api-keys" not found',
        [p],
    )


@K("docker ps: vault container id and name")
def kp_docker_ps(g: Gen) -> tuple[str, list[str]]:
    cid, name = g.hex(12), f"{g.app()}-vault-{g.n(1, 9)}"
    return (
        "CONTAINER ID   IMAGE                     COMMAND                  CREATED       STATUS       PORTS                    NAMES\n"
        f'{cid}   hashicorp/vault:1.18.{g.n(0, 4)}    "docker-entrypoint.s…"   3 hours ago   Up 3 hours   0.0.0.0:8200->8200/tcp   {name}\n'
        "# secrets engine container above, token auth enabled",
        [cid, name],
    )


@K("sshd: publickey auth pid, port, fingerprint")
def kp_sshd(g: Gen) -> tuple[str, list[str]]:
    pid, port, fp = str(g.pid()), str(g.port()), sha256_b64(g)
    return (
        f"{syslog(g.dt())} {g.host()} sshd[{pid}]: Accepted publickey for deploy from {g.ip()} port {port} ssh2: ED25519 {fp}",
        [pid, port, fp],
    )


@K("Oracle error code on password logon")
def kp_ora(g: Gen) -> tuple[str, list[str]]:
    code, msg = g.pick(
        (
            ("ORA-01017", "invalid username/password; logon denied"),
            ("ORA-28000", "The account is locked."),
            ("ORA-28001", "the password has expired"),
            ("ORA-28040", "No matching authentication protocol"),
            ("ORA-12638", "Credential retrieval failed"),
            ("ORA-01005", "null password given; logon denied"),
        )
    )
    return (
        f"java.sql.SQLException: {code}: {msg}\n\tat oracle.jdbc.driver.T4CTTIoer11.processError(T4CTTIoer11.java:{g.n(400, 800)})",
        [code],
    )


@K("PostgreSQL auth failure: pid and pg_hba line")
def kp_pg_auth(g: Gen) -> tuple[str, list[str]]:
    pid, line = str(g.pid()), f"line {g.n(80, 140)}"
    t = f"{g.dt():%Y-%m-%d %H:%M:%S}.{g.n(100, 999)} UTC"
    return (
        f'{t} [{pid}] FATAL:  password authentication failed for user "{g.user()}"\n'
        f'{t} [{pid}] DETAIL:  Connection matched file "/etc/postgresql/16/main/pg_hba.conf" {line}: "hostssl all all 0.0.0.0/0 scram-sha-256"',
        [pid, line],
    )


@K("AADSTS error: trace and correlation ids")
def kp_aadsts(g: Gen) -> tuple[str, list[str]]:
    code, msg = g.pick(
        (
            (
                "AADSTS7000215",
                f"Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{g.uuid()}'.",
            ),
            ("AADSTS7000222", f"The provided client secret keys for app '{g.uuid()}' are expired."),
            ("AADSTS50126", "Error validating credentials due to invalid username or password."),
            ("AADSTS700027", "Client assertion failed signature validation."),
            (
                "AADSTS50173",
                "The provided grant has expired due to it being revoked, a fresh auth token is needed.",
            ),
            ("AADSTS700024", "Client assertion is not within its valid time range."),
        )
    )
    t, c = g.uuid(), g.uuid()
    return (
        f"{code}: {msg} Trace ID: {t} Correlation ID: {c} Timestamp: {g.dt():%Y-%m-%d %H:%M:%S}Z",
        [code, t, c],
    )


@K("SSPI HRESULT on logon")
def kp_hresult(g: Gen) -> tuple[str, list[str]]:
    code, name = g.pick(
        (
            ("0x8009030C", "SEC_E_LOGON_DENIED"),
            ("0x80090308", "SEC_E_INVALID_TOKEN"),
            ("0x8009030E", "SEC_E_NO_CREDENTIALS"),
            ("0x80090311", "SEC_E_NO_AUTHENTICATING_AUTHORITY"),
            ("0x80090322", "SEC_E_WRONG_PRINCIPAL"),
        )
    )
    return (
        f"{sp(g.dt())} ERROR Kerberos auth for secret-backed credential failed: AcquireCredentialsHandle returned {code} ({name})",
        [code],
    )


@K("smbclient NT_STATUS after password")
def kp_ntstatus(g: Gen) -> tuple[str, list[str]]:
    st = g.pick(
        (
            "NT_STATUS_LOGON_FAILURE",
            "NT_STATUS_ACCOUNT_LOCKED_OUT",
            "NT_STATUS_PASSWORD_EXPIRED",
            "NT_STATUS_PASSWORD_MUST_CHANGE",
            "NT_STATUS_ACCOUNT_DISABLED",
            "NT_STATUS_WRONG_PASSWORD",
        )
    )
    return (f"Password for [CORP\\{g.user()}]:\nsession setup failed: {st}", [st])


@K("openssl x509 -fingerprint of client auth cert")
def kp_fingerprint(g: Gen) -> tuple[str, list[str]]:
    fp = colon_hex(g, 32)
    return (
        f"$ openssl x509 -noout -fingerprint -sha256 -in /etc/pki/client-auth/session-broker.pem\nsha256 Fingerprint={fp}",
        [fp],
    )


@K("KMS key id in secret decrypt log")
def kp_kms(g: Gen) -> tuple[str, list[str]]:
    k = g.uuid()
    return (
        f'{iso(g.dt())} INFO kms: decrypted data key for secret "{g.app()}/db" using key arn:aws:kms:{g.region()}:{g.digits(12)}:key/{k}',
        [k],
    )


@K("gpg verify: signing key fingerprint")
def kp_gpg(g: Gen) -> tuple[str, list[str]]:
    fp = g.HEX(40)
    return (
        f"gpg: Signature made {g.dt():%a %d %b %Y %H:%M:%S} UTC\n"
        f"gpg:                using RSA key {fp}\n"
        'gpg: Good signature from "Release Signing Key (secrets-operator)" [ultimate]',
        [fp],
    )


@K("JWKS refresh: kid list")
def kp_kids(g: Gen) -> tuple[str, list[str]]:
    a, b = g.pick((g.b64url(32), g.hex(16), g.hex(40))), g.pick((g.b64url(32), g.hex(16)))
    return (
        f"{iso(g.dt())} INFO jwks: refreshed signing keys from /.well-known/jwks.json kids=[{a} {b}] auth cache warm",
        [a, b],
    )


@K("token cache: expires_at epoch and remaining seconds")
def kp_expires(g: Gen) -> tuple[str, list[str]]:
    e, rem = str(g.epoch()), f"{g.n(60, 3599)}s"
    return (
        f"{iso(g.dt())} DEBUG token cache: access token for client {g.app()} expires_at={e} (in {rem})",
        [e, rem],
    )


@K("Prometheus metrics: secret rotation and auth failures")
def kp_metrics(g: Gen) -> tuple[str, list[str]]:
    f, n = f"{g.n(1, 80)}.{g.n(100, 999)}", str(g.n(1000, 99999))
    return (
        "# TYPE secret_rotation_duration_seconds gauge\n"
        f'secret_rotation_duration_seconds{{job="rotator",secret="db"}} {f}\n'
        f'auth_failures_total{{reason="bad_password"}} {n}',
        [f, n],
    )


@K("ls -li: inode and size of session key file")
def kp_ls(g: Gen) -> tuple[str, list[str]]:
    ino, size = str(g.n(100000, 99999999)), str(g.n(1000, 9999))
    return (
        f"$ ls -li /etc/app/secrets/\n{ino} -rw------- 1 app app {size} {g.dt():%b %d %H:%M} session.key",
        [ino, size],
    )


@K("sha256sum of a secrets tool release")
def kp_sha256sum(g: Gen) -> tuple[str, list[str]]:
    h, v = g.hex(64), f"1.{g.n(14, 19)}.{g.n(0, 9)}"
    return (
        f"# verifying checksum for the secrets backend release\n{h}  vault_{v}_linux_amd64.zip",
        [h],
    )


@K("BSD md5 of keystore file")
def kp_md5(g: Gen) -> tuple[str, list[str]]:
    h = g.hex(32)
    return (
        f"$ md5 keystore.jks\nMD5 (keystore.jks) = {h}\n# keystore password unchanged, file differs from backup",
        [h],
    )


@K("Jenkins build number for secrets-sync")
def kp_jenkins(g: Gen) -> tuple[str, list[str]]:
    b = f"#{g.n(100, 9999)}"
    return (
        f"Build {b} of secrets-sync finished: SUCCESS (took {g.n(1, 9)} min {g.n(1, 59)} sec, token scope: read)",
        [b],
    )


@K("request log: /oauth/token latency and request id")
def kp_reqlog(g: Gen) -> tuple[str, list[str]]:
    ms, rid = f"{g.n(2, 400)}.{g.n(1, 9)}ms", "req_" + g.s(ALNUM, 14)
    return (
        f"{iso(g.dt())} POST /oauth/token 401 {ms} request_id={rid} reason=invalid_client_secret",
        [ms, rid],
    )


@K("Stripe AuthenticationError request id")
def kp_stripe(g: Gen) -> tuple[str, list[str]]:
    rid = "req_" + g.s(ALNUM, 14)
    return (
        f"Stripe::AuthenticationError: Invalid API Key provided: sk_live_************************{g.s(ALNUM, 4)} (Request {rid})",
        [rid],
    )


@K("SecretsManager AccessDenied request id")
def kp_aws_reqid(g: Gen) -> tuple[str, list[str]]:
    u = g.uuid()
    return (
        f"An error occurred (AccessDeniedException) when calling the GetSecretValue operation: User is not authorized to perform secretsmanager:GetSecretValue (Service: SecretsManager, Status Code: 400, Request ID: {u})",
        [u],
    )


@K("krb5kdc PREAUTH_FAILED: pid and authtime")
def kp_kdc(g: Gen) -> tuple[str, list[str]]:
    pid, e = str(g.pid()), str(g.epoch())
    return (
        f"{syslog(g.dt())} kdc01 krb5kdc[{pid}](info): AS_REQ (2 etypes {{18 17}}) {g.ip()}: PREAUTH_FAILED: svc_web@CORP.EXAMPLE for krbtgt/CORP.EXAMPLE@CORP.EXAMPLE, Preauthentication failed (password mismatch), authtime {e}",
        [pid, e],
    )


@K("AD LDAP bind error: DSID and version")
def kp_dsid(g: Gen) -> tuple[str, list[str]]:
    dsid, v = f"DSID-0C09{g.HEX(4)}", f"v{g.n(2000, 4800)}"
    return (
        "ldap_bind: Invalid credentials (49)\n"
        f"\tadditional info: 80090308: LdapErr: {dsid}, comment: AcceptSecurityContext error, data {g.pick(('52e', '532', '533', '701', '773', '775'))}, {v}",
        [dsid, v],
    )


@K("vault lease revoke: lease id")
def kp_lease(g: Gen) -> tuple[str, list[str]]:
    lid = f"database/creds/readonly/{g.s(ALNUM, 24)}"
    return (
        f"$ vault lease revoke {lid}\nAll revocation operations queued successfully!\n# secret lease revoked during incident, token kept",
        [lid],
    )


@K("Okta System Log: transaction id")
def kp_okta_tx(g: Gen) -> tuple[str, list[str]]:
    tx = g.s(ALNUM, 23) + "AAA" + g.s(ALNUM, 1)
    return (
        f"eventType=user.session.start outcome.result=FAILURE outcome.reason=INVALID_CREDENTIALS transaction.id={tx} authenticationContext.authenticationStep=0",
        [tx],
    )


@K("client auth cert serial")
def kp_serial(g: Gen) -> tuple[str, list[str]]:
    s = colon_hex(g, 16).lower()
    return (
        f"session-broker: client auth certificate accepted, serial={s}, subject CN=session-broker",
        [s],
    )


@K("kubelet: pulled auth-proxy image digest and size")
def kp_pulled(g: Gen) -> tuple[str, list[str]]:
    dg, size = "sha256:" + g.hex(64), str(g.n(10_000_000, 400_000_000))
    secs = f"{g.n(1, 30)}.{g.n(100, 999)}s"
    return (
        f'  Normal  Pulled  {g.n(2, 50)}s  kubelet  Successfully pulled image "ghcr.io/acme/auth-proxy:{g.version()}@{dg}" in {secs} ({secs} including waiting). Image size: {size} bytes.',
        [dg, size],
    )


@K("session store eviction: timestamp and counts")
def kp_sessions(g: Gen) -> tuple[str, list[str]]:
    d = g.dt()
    ts = f"{d:%Y-%m-%dT%H:%M:%S}.{g.n(100000000, 999999999)}Z"
    n = str(g.n(1000, 99999))
    return (
        f"{ts} INFO session-store: evicted {n} expired sessions, {g.n(10000, 999999)} keys remaining",
        [ts, n],
    )


@K("logical replication slot restart_lsn")
def kp_lsn(g: Gen) -> tuple[str, list[str]]:
    lsn = f"{g.n(1, 0xFF):X}/{g.n(0x10000000, 0xFFFFFFFF):X}"
    return (
        f'LOG:  starting logical decoding for slot "auth_sessions"\nDETAIL:  Streaming transactions committing after {lsn}, reading WAL from {g.n(1, 0xFF):X}/{g.n(0x10000000, 0xFFFFFFFF):X}.',
        [lsn],
    )


@K("Kafka consumer: offset for token-revocations partition")
def kp_kafka(g: Gen) -> tuple[str, list[str]]:
    off = str(g.n(100000, 99999999))
    return (
        f"[Consumer clientId=token-revocations-1, groupId=token-revocations] Seeking to offset {off} for partition token-revocations-{g.n(0, 11)}",
        [off],
    )


@K("Java stack frame: TokenValidator line")
def kp_frame(g: Gen) -> tuple[str, list[str]]:
    fr = f"TokenValidator.java:{g.n(40, 400)}"
    return (
        f"io.jsonwebtoken.ExpiredJwtException: JWT expired at {iso(g.dt())}\n\tat com.acme.auth.TokenValidator.validate({fr})",
        [fr],
    )


@K("secretsync version banner")
def kp_banner(g: Gen) -> tuple[str, list[str]]:
    v, sha, gov = f"v0.{g.n(10, 40)}.{g.n(0, 9)}", g.hex(12), f"go1.{g.n(21, 23)}.{g.n(0, 9)}"
    return (
        f"secretsync version {v} (commit {sha}, built with {gov}) — auth: kubernetes",
        [v, sha, gov],
    )


@K("nginx: $request_id on token endpoint")
def kp_nginx_reqid(g: Gen) -> tuple[str, list[str]]:
    r = g.hex(32)
    return (
        f'{g.ip()} - - [{clf(g.dt())}] "POST /auth/token HTTP/2.0" 401 61 "-" "okhttp/4.12.0" rt={g.n(0, 2)}.{g.n(100, 999)} req_id={r}',
        [r],
    )


@K("OOM kill of secrets agent pid")
def kp_oom(g: Gen) -> tuple[str, list[str]]:
    pid, h, d = str(g.pid()), g.host(), g.dt()
    return (
        f"{syslog(d)} {h} vault[{pid}]: [INFO]  secrets.database: rotating root credential\n"
        f"{syslog(d + timedelta(seconds=g.n(1, 90)))} {h} kernel: Memory cgroup out of memory: Killed process {pid} (vault) total-vm:{g.n(1000000, 9000000)}kB, anon-rss:{g.n(100000, 900000)}kB, file-rss:0kB, shmem-rss:0kB, UID:100 pgtables:{g.n(1000, 9000)}kB oom_score_adj:0",
        [pid],
    )


@K("EXT4 error: inodes referenced by secrets-sync")
def kp_ext4(g: Gen) -> tuple[str, list[str]]:
    a, b = str(g.n(100000, 99999999)), str(g.n(100000, 99999999))
    return (
        f"EXT4-fs error (device nvme0n1p2): ext4_lookup:1855: inode #{a}: comm secrets-sync: deleted inode referenced: {b}",
        [a, b],
    )


@K("SELinux AVC on secrets.ldb: audit id and inode")
def kp_avc(g: Gen) -> tuple[str, list[str]]:
    aid, ino = f"{g.epoch()}.{g.n(100, 999)}:{g.n(1000, 99999)}", str(g.n(100000, 9999999))
    return (
        f'type=AVC msg=audit({aid}): avc:  denied  {{ read }} for  pid={g.pid()} comm="sssd" name="secrets.ldb" dev="dm-0" ino={ino} scontext=system_u:system_r:sssd_t:s0 tcontext=system_u:object_r:var_lib_t:s0 tclass=file permissive=0',
        [aid, ino],
    )


@K("OpenSSL error code on auth upstream")
def kp_sslerr(g: Gen) -> tuple[str, list[str]]:
    code, msg = g.pick(
        (
            ("error:0A000086", "certificate verify failed"),
            ("error:0A000412", "sslv3 alert bad certificate"),
            ("error:0A00010B", "wrong version number"),
            ("error:0A000126", "unexpected eof while reading"),
            ("error:0A000418", "tlsv1 alert unknown ca"),
        )
    )
    return (
        f"{iso(g.dt())} ERROR auth-upstream: SSL_connect: {code}:SSL routines::{msg} (session key exchange aborted)",
        [code],
    )


@K("ssh first connect: host key fingerprint")
def kp_hostkey(g: Gen) -> tuple[str, list[str]]:
    fp = sha256_b64(g)
    return (
        f"The authenticity of host '{g.host()} ({g.ip()})' can't be established.\nED25519 key fingerprint is {fp}.\nThis key is not known by any other names.",
        [fp],
    )


@K("X509 Subject/Authority Key Identifier")
def kp_ski(g: Gen) -> tuple[str, list[str]]:
    a, b = colon_hex(g, 20), colon_hex(g, 20)
    return (
        f"            X509v3 Subject Key Identifier: \n                {a}\n            X509v3 Authority Key Identifier: \n                {b}",
        [a, b],
    )


@K("gpg --list-secret-keys: long key ids")
def kp_gpg_ids(g: Gen) -> tuple[str, list[str]]:
    a, b = g.HEX(16), g.HEX(16)
    return (
        "$ gpg --list-secret-keys --keyid-format long\n"
        f"sec   rsa4096/{a} 2024-02-01 [SC] [expires: 2027-02-01]\n"
        "uid                 [ultimate] Release Signing Key\n"
        f"ssb   rsa4096/{b} 2024-02-01 [E] [expires: 2027-02-01]",
        [a, b],
    )


@K("package-lock: jsonwebtoken integrity")
def kp_sri(g: Gen) -> tuple[str, list[str]]:
    v, sri = f"9.0.{g.n(0, 9)}", "sha512-" + g.b64(64)
    return (
        '    "node_modules/jsonwebtoken": {\n'
        f'      "version": "{v}",\n'
        f'      "resolved": "https://registry.npmjs.org/jsonwebtoken/-/jsonwebtoken-{v}.tgz",\n'
        f'      "integrity": "{sri}",',
        [sri],
    )


@K("docker images: vault image id")
def kp_images(g: Gen) -> tuple[str, list[str]]:
    iid = g.hex(12)
    return (
        f"REPOSITORY        TAG       IMAGE ID       CREATED       SIZE\nhashicorp/vault   1.18.{g.n(0, 5)}    {iid}   3 weeks ago   {g.n(400, 520)}MB\n# image used by the secrets sidecar",
        [iid],
    )


@K("GitHub API 401: X-GitHub-Request-Id")
def kp_gh_reqid(g: Gen) -> tuple[str, list[str]]:
    rid = f"{g.HEX(4)}:{g.HEX(5)}:{g.HEX(7)}:{g.HEX(7)}:{g.HEX(8)}"
    return (
        f'HTTP/2 401\nx-github-request-id: {rid}\n\n{{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest","status":"401"}}  # token rejected',
        [rid],
    )


@K("Cloudflare ray id on auth error")
def kp_cfray(g: Gen) -> tuple[str, list[str]]:
    ray = f"{g.hex(16)}-{g.pick(('FRA', 'AMS', 'LHR', 'CDG', 'IAD', 'SJC'))}"
    return (
        f"< HTTP/2 403\n< cf-ray: {ray}\n< content-type: text/html\nerror: API token auth failed (see ray id)",
        [ray],
    )


@K("Key Vault 403: x-ms request ids")
def kp_azure_ids(g: Gen) -> tuple[str, list[str]]:
    a, b = g.uuid(), g.uuid()
    return (
        f"Key Vault GET secret 'sql-admin' → 403 Forbidden\nx-ms-request-id: {a}\nx-ms-correlation-request-id: {b}",
        [a, b],
    )


@K("Secret Manager access: X-Cloud-Trace-Context")
def kp_gcp_trace(g: Gen) -> tuple[str, list[str]]:
    t = f"{g.hex(32)}/{g.digits(19)}"
    return (
        f"{iso(g.dt())} secretmanager.versions.access denied for secret projects/-/secrets/api-key; X-Cloud-Trace-Context: {t};o=1",
        [t],
    )


@K("Sentry event id for TokenExpiredError")
def kp_sentry_event(g: Gen) -> tuple[str, list[str]]:
    e = g.hex(32)
    return (f"Sentry event {e} captured: TokenExpiredError: jwt expired (session refresh)", [e])


@K("uber-trace-id after redacted Authorization")
def kp_jaeger(g: Gen) -> tuple[str, list[str]]:
    t = f"{g.hex(16)}:{g.hex(16)}:0:1"
    return (f"Authorization: [REDACTED]\nuber-trace-id: {t}", [t])


@K("rate limit reset epoch for a token")
def kp_ratelimit(g: Gen) -> tuple[str, list[str]]:
    e = str(g.epoch())
    return (
        f"# GitHub token rate limit\nx-ratelimit-limit: 5000\nx-ratelimit-remaining: {g.n(0, 50)}\nx-ratelimit-reset: {e}",
        [e],
    )


@K("ETag of jwks.json (signing keys)")
def kp_etag(g: Gen) -> tuple[str, list[str]]:
    e = g.hex(32)
    return (f'GET /.well-known/jwks.json (signing keys) -> 304 Not Modified, ETag: W/"{e}"', [e])


@K("govulncheck: CVE in x/crypto auth path")
def kp_cve(g: Gen) -> tuple[str, list[str]]:
    cve, v = (
        g.pick(
            (
                "CVE-2024-45337",
                "CVE-2023-48795",
                "CVE-2025-22869",
                "CVE-2024-45338",
                "CVE-2022-27191",
            )
        ),
        f"v0.{g.n(17, 33)}.0",
    )
    return (
        f"Vulnerability #1: {cve}\n    ssh: misuse of ServerConfig.PublicKeyCallback may cause authorization bypass\n  Found in: golang.org/x/crypto@{v}",
        [cve, v],
    )


@K("terraform state lineage")
def kp_lineage(g: Gen) -> tuple[str, list[str]]:
    lin = g.uuid()
    return (
        f'$ terraform state pull | jq "{{lineage, serial}}"   # state contains sensitive values (passwords)\n{{\n  "lineage": "{lin}",\n  "serial": {g.n(10, 900)}\n}}',
        [lin],
    )


@K("helm status external-secrets chart version")
def kp_helm(g: Gen) -> tuple[str, list[str]]:
    ch = f"external-secrets-0.{g.n(8, 12)}.{g.n(0, 9)}"
    return (
        f"NAME: external-secrets\nNAMESPACE: {g.ns()}\nSTATUS: deployed\nREVISION: {g.n(2, 90)}\nCHART: {ch}\n# syncs secret values from the vault",
        [ch],
    )


@K("kubectl get secret metadata: uid and resourceVersion")
def kp_k8s_meta(g: Gen) -> tuple[str, list[str]]:
    uid, rv, app = g.uuid(), str(g.n(10_000_000, 99_999_999)), g.app()
    return (
        f'$ kubectl get secret {app}-db -o jsonpath=\'{{.metadata}}\'\n{{"creationTimestamp":"{g.dt():%Y-%m-%dT%H:%M:%SZ}","name":"{app}-db","resourceVersion":"{rv}","uid":"{uid}"}}',
        [uid, rv],
    )


@K("Windows 4625: sub status and logon id")
def kp_4625(g: Gen) -> tuple[str, list[str]]:
    sub = g.pick(
        (
            "0xC000006A",
            "0xC0000064",
            "0xC0000234",
            "0xC0000072",
            "0xC000006F",
            "0xC0000071",
            "0xC0000193",
        )
    )
    lid = f"0x{g.HEX(g.n(5, 8))}"
    return (
        "An account failed to log on.\n"
        f"\tLogon ID:\t\t{lid}\n"
        "Failure Information:\n"
        "\tFailure Reason:\t\tUnknown user name or bad password.\n"
        "\tStatus:\t\t\t0xC000006D\n"
        f"\tSub Status:\t\t{sub}",
        [lid, sub],
    )


@K("GitHub Actions run id with secrets: inherit")
def kp_run_id(g: Gen) -> tuple[str, list[str]]:
    rid = str(g.n(10_000_000_000, 13_000_000_000))
    return (
        f"Reusable workflow deploy.yml called with secrets: inherit — run {rid}, attempt {g.n(1, 3)}",
        [rid],
    )


@K("release tag of token-broker")
def kp_tag(g: Gen) -> tuple[str, list[str]]:
    t = f"v{g.n(1, 5)}.{g.n(0, 30)}.{g.n(0, 9)}-rc.{g.n(1, 9)}"
    return (f"Tagging token-broker {t} (auth session changes)", [t])


@K("named: zone serial and DNSSEC key tag")
def kp_dns(g: Gen) -> tuple[str, list[str]]:
    serial, tag = f"{g.dt():%Y%m%d}{g.n(0, 99):02d}", str(g.n(10000, 65535))
    return (
        f"zone internal.example/IN (signed): loaded serial {serial}\nzone internal.example/IN (signed): key {tag} (ZSK) published, auth ok",
        [serial, tag],
    )


@K("cert notAfter for session broker")
def kp_notafter(g: Gen) -> tuple[str, list[str]]:
    d = g.dt() + timedelta(days=g.n(30, 700))
    na = f"{d:%b} {d.day:2d} {d:%H:%M:%S %Y} GMT"
    return (f"$ openssl x509 -noout -enddate -in session-broker.crt\nnotAfter={na}", [na])


@K("vault listener ports")
def kp_ports(g: Gen) -> tuple[str, list[str]]:
    p = g.n(8200, 8299)
    return (
        f'==> Vault server started! Log data will stream in below:\n    Listener 1: tcp (addr: "0.0.0.0:{p}", cluster address: "0.0.0.0:{p + 1}", tls: "enabled")  auth methods: token, approle',
        [str(p), str(p + 1)],
    )


@K("CloudTrail GetSecretValue: eventID and requestID")
def kp_cloudtrail(g: Gen) -> tuple[str, list[str]]:
    a, b = g.uuid(), g.uuid()
    return (
        f'{{"eventSource":"secretsmanager.amazonaws.com","eventName":"GetSecretValue","eventID":"{a}","requestID":"{b}","readOnly":true}}',
        [a, b],
    )


@K("auth latency percentiles and active sessions")
def kp_latency(g: Gen) -> tuple[str, list[str]]:
    p99, act = f"{g.n(50, 900)}.{g.n(1, 9)}ms", str(g.n(1000, 99999))
    return (
        f"auth p99={p99} p50={g.n(2, 40)}.{g.n(1, 9)}ms sessions_active={act} password_checks/s={g.n(10, 900)}",
        [p99, act],
    )


@K("encrypted secrets backup size")
def kp_backup_size(g: Gen) -> tuple[str, list[str]]:
    size = str(g.n(1_000_000, 900_000_000))
    return (
        f"-rw-r----- 1 backup backup {size} {g.dt():%b %d %H:%M} secrets-backup-{g.dt():%Y%m%d}.tar.gz.gpg",
        [size],
    )


@K("Redis INFO keyspace of session cache")
def kp_keyspace(g: Gen) -> tuple[str, list[str]]:
    ks = f"db{g.n(0, 3)}:keys={g.n(1000, 999999)},expires={g.n(100, 99999)},avg_ttl={g.n(10000, 9999999)}"
    return (f"# Keyspace (session cache)\n{ks}", [ks])


@K("Kestrel connection id on authentication failure")
def kp_kestrel(g: Gen) -> tuple[str, list[str]]:
    cid = f"0HN{g.s('0123456789ABCDEFGHIJKLMNOPQRSTUV', 10)}:{g.n(1, 99):08X}"
    return (
        f"info: Microsoft.AspNetCore.Authentication.JwtBearer.JwtBearerHandler[1]\n      Failed to validate the token. TraceIdentifier: {cid}",
        [cid],
    )


@K("assembly version of AuthService")
def kp_assembly(g: Gen) -> tuple[str, list[str]]:
    v = f"4.{g.n(0, 9)}.{g.n(100, 9999)}.0"
    return (
        f"System.IO.FileLoadException: Could not load file or assembly 'AuthService.Secrets, Version={v}, Culture=neutral, PublicKeyToken=null'",
        [v],
    )


@K("registry token exchange: Docker-Content-Digest")
def kp_dcd(g: Gen) -> tuple[str, list[str]]:
    dg = "sha256:" + g.hex(64)
    return (
        f"GET /token?scope=repository:acme/auth-proxy:pull → 200 (token issued)\nHEAD /v2/acme/auth-proxy/manifests/latest → 200\nDocker-Content-Digest: {dg}",
        [dg],
    )


@K("Vault audit log: HMAC'd client_token")
def kp_vault_hmac(g: Gen) -> tuple[str, list[str]]:
    h = "hmac-sha256:" + g.hex(64)
    return (
        f'{{"time":"{iso(g.dt())}","type":"request","auth":{{"client_token":"{h}","accessor":"hmac-sha256:{g.hex(64)}","display_name":"approle"}},"request":{{"operation":"read","path":"secret/data/{g.app()}"}}}}',
        [h],
    )


@K("SSH certificate login: serial and key id")
def kp_sshcert(g: Gen) -> tuple[str, list[str]]:
    serial, kid = str(g.n(1000, 9_999_999)), f"ci-runner-{g.n(1, 999)}"
    return (
        f"sshd[{g.pid()}]: Accepted publickey for deploy from {g.ip()} port {g.port()} ssh2: ED25519-CERT SHA256:{g.s(ALNUM + '+/', 43)} ID {kid} (serial {serial}) CA ED25519 SHA256:{g.s(ALNUM + '+/', 43)}",
        [serial, kid],
    )


@K("token TTL remaining")
def kp_ttl(g: Gen) -> tuple[str, list[str]]:
    ttl = f"{g.n(1, 767)}h{g.n(0, 59)}m{g.n(0, 59)}s"
    return (f"token_ttl={ttl} (policy max_ttl 768h) renewable=true", [ttl])


@K("token revocation: jti claim")
def kp_jti(g: Gen) -> tuple[str, list[str]]:
    j = g.uuid()
    return (f"{iso(g.dt())} INFO auth: refresh token revoked jti={j} reason=password_changed", [j])


@K("Envoy ext_authz denial: x-request-id and upstream time")
def kp_envoy(g: Gen) -> tuple[str, list[str]]:
    rid, ms = g.uuid(), str(g.n(100, 9999))
    return (
        f'[{iso(g.dt())}] "GET /api/v1/session HTTP/2" 403 UAEX 0 0 {ms} - "-" "Mozilla/5.0" "{rid}" "api.internal" "-" ext_authz: token invalid',
        [rid, ms],
    )


@K("kubelet: podUID on secret mount failure")
def kp_poduid(g: Gen) -> tuple[str, list[str]]:
    p, uid = g.pod(), g.uuid()
    return (
        f'E{g.dt():%m%d %H:%M:%S}.{g.n(100000, 999999)}    {g.n(1000, 9999)} pod_workers.go:1301] "Error syncing pod, skipping" err="unmounted volumes=[db-secret]" pod="{g.ns()}/{p}" podUID="{uid}"',
        [p, uid],
    )


@K("systemd: INVOCATION_ID of failed vault-agent")
def kp_invocation(g: Gen) -> tuple[str, list[str]]:
    inv = g.hex(32)
    return (
        f"{syslog(g.dt())} {g.host()} systemd[1]: vault-agent.service: Main process exited, code=exited, status=2/INVALIDARGUMENT (auto-auth token sink)\n_SYSTEMD_INVOCATION_ID={inv}",
        [inv],
    )


@K("Windows event 4771: EventRecordID and client port")
def kp_4771(g: Gen) -> tuple[str, list[str]]:
    rec, port = str(g.n(1_000_000, 99_999_999)), str(g.port())
    return (
        f"EventID 4771 EventRecordID {rec}: Kerberos pre-authentication failed (bad password). Account Name: {g.user()} Failure Code: 0x18 Client Port: {port}",
        [rec, port],
    )


@K("GitLab: job and pipeline ids from secret detection")
def kp_gitlab_ids(g: Gen) -> tuple[str, list[str]]:
    j, p = f"#{g.n(1_000_000, 9_999_999)}", f"#{g.n(100_000, 999_999)}"
    return (
        f"Job {j} (pipeline {p}) failed: secret_detection found 2 potential leaks (password, api key)",
        [j, p],
    )


@K("gitleaks finding fingerprint")
def kp_gitleaks(g: Gen) -> tuple[str, list[str]]:
    sha = g.hex(40)
    line = g.n(5, 400)
    fp = f"{sha}:config/settings.py:generic-api-key:{line}"
    return (
        f"Finding:     API_KEY = REDACTED\nSecret:      REDACTED\nRuleID:      generic-api-key\nEntropy:     {g.n(3, 5)}.{g.n(100000, 999999)}\nFile:        config/settings.py\nLine:        {line}\nCommit:      {sha}\nFingerprint: {fp}",
        [fp],
    )


@K("npm audit: GHSA advisory for jsonwebtoken")
def kp_ghsa(g: Gen) -> tuple[str, list[str]]:
    a = "GHSA-" + "-".join(g.s("23456789cfghjmpqrvwx", 4) for _ in range(3))
    return (
        f"jsonwebtoken  <=8.5.1\nSeverity: moderate\njsonwebtoken unrestricted key type could lead to legacy keys usage - https://github.com/advisories/{a}",
        [a],
    )


@K("Vault API response request_id")
def kp_vault_reqid(g: Gen) -> tuple[str, list[str]]:
    r = g.uuid()
    return (
        f'{{"request_id":"{r}","lease_id":"","renewable":false,"lease_duration":0,"data":null,"wrap_info":null,"warnings":["secret not found at path"],"auth":null}}',
        [r],
    )


@K("JWT header x5t#S256 thumbprint and kid")
def kp_x5t(g: Gen) -> tuple[str, list[str]]:
    t, kid = g.b64url(32), g.hex(16)
    return (
        f'{iso(g.dt())} DEBUG jwt: token header {{"alg":"RS256","kid":"{kid}","x5t#S256":"{t}","typ":"JWT"}} — signature key not in cache',
        [t, kid],
    )


@K("ssh-keygen -lf: public key fingerprint")
def kp_keygen(g: Gen) -> tuple[str, list[str]]:
    fp = sha256_b64(g)
    return (f"$ ssh-keygen -lf ~/.ssh/deploy_key.pub\n256 {fp} deploy@ci (ED25519)", [fp])


@K("git describe of auth service build")
def kp_describe(g: Gen) -> tuple[str, list[str]]:
    d = f"v{g.n(1, 4)}.{g.n(0, 20)}.{g.n(0, 9)}-{g.n(1, 80)}-g{g.hex(9)}"
    return (f"auth-service build {d} (session store: redis, password hashing: argon2id)", [d])


@K("requirements.txt: pinned cryptography hash")
def kp_piphash(g: Gen) -> tuple[str, list[str]]:
    h, v = g.hex(64), f"43.0.{g.n(0, 3)}"
    return (
        f"cryptography=={v} \\\n    --hash=sha256:{h}\n    # via paramiko, used for key loading and password-protected PEMs",
        [h],
    )


@K("Elasticsearch audit: api_key.id (public identifier)")
def kp_es_keyid(g: Gen) -> tuple[str, list[str]]:
    kid = g.s(ALNUM + "-_", 20)
    return (
        f'{{"type":"audit","timestamp":"{iso(g.dt())}","event.action":"authentication_failed","authentication.type":"API_KEY","api_key.id":"{kid}","api_key.name":"beats-writer"}}',
        [kid],
    )


@K("gcloud iam service-accounts keys list: KEY_ID")
def kp_gcp_keyid(g: Gen) -> tuple[str, list[str]]:
    k = g.hex(40)
    d = g.dt()
    return (
        f"$ gcloud iam service-accounts keys list --iam-account=deployer@proj.iam.gserviceaccount.com\nKEY_ID                                    CREATED_AT            EXPIRES_AT            DISABLED\n{k}  {d:%Y-%m-%dT%H:%M:%SZ}  9999-12-31T23:59:59Z",
        [k],
    )


@K("Key Vault key version id")
def kp_kv_version(g: Gen) -> tuple[str, list[str]]:
    ver = g.hex(32)
    return (
        f"{iso(g.dt())} INFO signer: using key https://kv-signing.vault.azure.net/keys/token-signing/{ver} (RS256)",
        [ver],
    )


@K("Stripe webhook: event id on signature failure")
def kp_stripe_evt(g: Gen) -> tuple[str, list[str]]:
    evt = "evt_" + g.s(ALNUM, 24)
    return (
        f"{iso(g.dt())} WARN webhooks: Stripe signature verification failed for {evt} (secret rotated?)",
        [evt],
    )


@K("Twilio message SID near auth error")
def kp_twilio_sid(g: Gen) -> tuple[str, list[str]]:
    sid = "SM" + g.hex(32)
    return (
        f"{iso(g.dt())} ERROR sms: status callback for {sid} rejected: X-Twilio-Signature mismatch (auth token changed?)",
        [sid],
    )


@K("kubectl get pods: CrashLoopBackOff auth pod")
def kp_crashloop(g: Gen) -> tuple[str, list[str]]:
    p = g.pod("auth-" + g.word())
    return (
        f"NAME                                 READY   STATUS             RESTARTS        AGE\n{p}   0/1     CrashLoopBackOff   {g.n(5, 90)} ({g.n(1, 59)}s ago)   {g.n(1, 9)}h\n# fails reading secret SESSION_KEY",
        [p],
    )


@K("du: size of secrets snapshot directory")
def kp_du(g: Gen) -> tuple[str, list[str]]:
    size = f"{g.n(1, 999)}.{g.n(1, 9)}M"
    return (
        f"$ du -sh /var/lib/vault/raft/snapshots/\n{size}\t/var/lib/vault/raft/snapshots/   # secret storage snapshot before restore",
        [size],
    )


@K("RFC3339 cert expiry and remaining days for token signer")
def kp_signer_expiry(g: Gen) -> tuple[str, list[str]]:
    d = g.dt() + timedelta(days=g.n(3, 60))
    ts, rn = f"{d:%Y-%m-%dT%H:%M:%SZ}", f"{g.n(3, 60)}d{g.n(1, 23)}h{g.n(1, 59)}m"
    return (
        f"cert-manager: certificate token-signer-tls expires {ts} (renewal in {rn}), secret token-signer-tls updated",
        [ts, rn],
    )


# =============================================================================================
# assembly and self-check


def _ok(text: str, values: list[str], seen: set[str], short_once: bool = True) -> bool:
    """Every value present and new; a short planted value occurs exactly once in its text."""
    if not values or len(set(values)) != len(values):
        return False
    for v in values:
        if not v or v not in text or v in seen or "\n" in v:
            return False
        if short_once and len(v) < 10 and text.count(v) != 1:
            return False
    return True


def _lines(text: str) -> tuple[str, ...]:
    return tuple(x + "\n" for x in text.rstrip("\n").split("\n"))


def cases(seed: int = DEFAULT_SEED) -> list[Case]:
    g = Gen(random.Random(seed))
    out: list[Case] = []
    seen: set[str] = set()
    for family, templates in _TEMPLATES.items():
        for fmt, fn in templates:
            for _ in range(2):
                for _attempt in range(200):
                    text, values = fn(g)
                    if _ok(text, values, seen):
                        break
                else:
                    raise RuntimeError(f"could not instantiate {family}/{fmt}")
                seen.update(values)
                out.append(Case(family, fmt, _lines(text), tuple(values)))
    return out


def keep_list(seed: int = DEFAULT_SEED) -> list[Keep]:
    g = Gen(random.Random(seed + 1))
    out: list[Keep] = []
    seen: set[str] = set()
    for fmt, fn in _KEEPS:
        for _ in range(2):
            for _attempt in range(200):
                text, tokens = fn(g)
                if _ok(text, tokens, seen, short_once=False):
                    break
            else:
                raise RuntimeError(f"could not instantiate keep {fmt}")
            seen.update(tokens)
            out.append(Keep(fmt, _lines(text), tuple(tokens)))
    return out


def _check() -> None:
    cs = cases()
    ks = keep_list()
    values: list[str] = []
    for c in cs:
        text = "".join(c.lines)
        assert all(line.endswith("\n") and "\n" not in line[:-1] for line in c.lines), c.format
        for v in c.values:
            assert v in text, (c.family, c.format)
            assert "\n" not in v, (c.family, c.format)
        values.extend(c.values)
    assert len(values) == len(set(values)), "planted values are not unique"
    tokens: list[str] = []
    for k in ks:
        text = "".join(k.lines)
        for t in k.tokens:
            assert t in text, k.format
        tokens.extend(k.tokens)
    assert len(tokens) == len(set(tokens)), "keep tokens are not unique"

    assert cases() == cs and keep_list() == ks, "not deterministic"
    per_family = Counter()
    per_family_cases = Counter()
    for c in cs:
        per_family[c.family] += len(c.values)
        per_family_cases[c.family] += 1
    for fam in per_family:
        print(f"{fam:24} cases={per_family_cases[fam]:3} values={per_family[fam]:3}")
    print(
        f"families={len(per_family)} templates={sum(len(t) for t in _TEMPLATES.values())} cases={len(cs)} values={len(values)}"
    )
    print(f"keep entries={len(ks)} keep tokens={len(tokens)}")


if __name__ == "__main__":
    _check()
