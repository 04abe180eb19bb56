# ruff: noqa: E501, RUF001
"""Sealed blind corpus F: planted secrets as they reach an on-call engineer, plus a keep-list.

Written by helper F on 2026-12-02 without reading the sanitizer, the other corpora or any
results; untuned (nothing here was adjusted to how any sanitizer behaves).

What it holds: planted fake credentials in 33 families (process listings, /proc environ
dumps, container and orchestration output, audit logs and shell history, interactive shell
transcripts, web/proxy/database/directory/VPN/mail daemon configs, CI/CD logs, IaC and
configuration management, application framework configs, connection strings, cloud CLI and
SDK output, HTTP traces, protocol transcripts, database clients and SQL, stack traces and
crash dumps, chat and ticket/e-mail prose in many languages, credential stores and tables,
encoded values, vendor tokens in documented shapes, private keys and keystores, 2FA and
recovery codes, PINs and door codes, word passphrases, non-ASCII passwords, short/long/hex/
UUID-shaped secrets shown as secrets only by context, session cookies and bearer tokens).
Every template (386 of them) is instantiated twice with fresh values and names: 798
planted values in 772 cases. The keep-list holds diagnostic tokens (trace/span/request ids, UUIDs, digests, SHAs, versions, build numbers,
timestamps, error codes, pod names, PIDs, ports, inodes, checksums, fingerprints, serials,
key ids, lease/lock ids, metrics, sizes, durations, ARNs, resource paths; 286 tokens in 168
entries) inside lines that also mention token, key, password, secret, auth, session or
credential.

Every value comes from a seeded random.Random; none is a real credential.
"""

from __future__ import annotations

import base64
import json
import quopri
import random
import re
import string
import urllib.parse
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

DEFAULT_SEED = 20261202


class Case(NamedTuple):
    family: str
    format: str
    lines: tuple[str, ...]
    values: tuple[str, ...]


class Keep(NamedTuple):
    format: str
    lines: tuple[str, ...]
    tokens: tuple[str, ...]


UPPER = string.ascii_uppercase
LOWER = string.ascii_lowercase
DIGITS = string.digits
ALNUM = UPPER + LOWER + DIGITS
LALNUM = LOWER + DIGITS
UALNUM = UPPER + DIGITS
HEXL = "0123456789abcdef"
HEXU = "0123456789ABCDEF"
B64C = ALNUM + "+/"
B64U = ALNUM + "-_"
B32 = UPPER + "234567"
BECH = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
CRYPT = "./" + DIGITS + UPPER + LOWER

FIRST = [
    "Anna", "Bartosz", "Chiara", "Dmitri", "Elif", "Farid", "Greta", "Hiroshi", "Ines", "Jonas",
    "Kwame", "Lena", "Mateo", "Nadia", "Oskar", "Priya", "Quentin", "Rosa", "Sven", "Tamar",
    "Umar", "Vera", "Wen", "Ximena", "Yusuf", "Zofia", "Aleksander", "Beatriz", "Cedric",
    "Daria", "Emeka", "Fatima", "Gustavo", "Hana", "Ivan", "Julia", "Kenji", "Leila", "Marek",
    "Nora", "Pavel", "Sofia", "Tomasz", "Yara", "Lukas", "Mei", "Arjun", "Olga", "Rafael",
]  # fmt: skip
LAST = [
    "Kowalski", "Schneider", "Rossi", "Ivanova", "Yilmaz", "Haddad", "Lindqvist", "Tanaka",
    "Ferreira", "Weber", "Mensah", "Novak", "Garcia", "Petrova", "Berg", "Sharma", "Moreau",
    "Santos", "Nilsson", "Cohen", "Khan", "Horvat", "Zhang", "Lopez", "Demir", "Nowak",
    "Dubois", "Costa", "Fischer", "Okafor", "Silva", "Jensen", "Park", "Kim", "Nguyen",
    "Hoffmann", "Bianchi", "Meyer", "Kaya", "Mori", "Varga", "Popescu", "Andersen", "Reyes",
]  # fmt: skip
WORDS = [
    "anchor", "apple", "arrow", "autumn", "badger", "bamboo", "banjo", "basket", "beacon",
    "belt", "bishop", "blanket", "blossom", "bottle", "breeze", "bridge", "bucket", "cabin",
    "cactus", "camera", "candle", "canyon", "carpet", "castle", "cedar", "chalk", "cherry",
    "cinema", "circus", "cliff", "clover", "cobalt", "comet", "copper", "coral", "cotton",
    "crane", "crystal", "dagger", "daisy", "delta", "desert", "diesel", "dolphin", "dragon",
    "drum", "eagle", "ember", "engine", "falcon", "feather", "fiddle", "forest", "fossil",
    "fountain", "galaxy", "garden", "garlic", "geyser", "ginger", "glacier", "goblet", "granite",
    "gravel", "harbor", "hazel", "helmet", "hermit", "honey", "horizon", "hornet", "iceberg",
    "igloo", "island", "ivory", "jacket", "jaguar", "jasmine", "jungle", "kettle", "kiwi",
    "ladder", "lagoon", "lantern", "lemon", "lizard", "lobster", "magnet", "mango", "maple",
    "marble", "meadow", "meteor", "mirror", "monsoon", "mosaic", "muffin", "nectar", "nickel",
    "nutmeg", "oasis", "octopus", "olive", "orbit", "orchid", "otter", "oyster", "paddle",
    "panther", "parrot", "pebble", "pepper", "pickle", "pilot", "pine", "planet", "pocket",
    "poppy", "prairie", "puzzle", "quartz", "quill", "rabbit", "radish", "raven", "reef",
    "ribbon", "river", "rocket", "saddle", "saffron", "salmon", "sandal", "sapphire", "scarlet",
    "shadow", "shovel", "silver", "sketch", "sparrow", "spider", "spruce", "squirrel", "stable",
    "staple", "summit", "sunset", "tangerine", "teapot", "thimble", "thunder", "tiger", "timber",
    "toast", "topaz", "tornado", "trumpet", "tulip", "tundra", "turtle", "umbrella", "valley",
    "velvet", "violin", "volcano", "walnut", "walrus", "wander", "whistle", "willow", "window",
    "winter", "wizard", "yogurt", "zebra", "zephyr", "battery", "horse", "correct", "oxygen",
]  # fmt: skip
WORDS_DE = [
    "kaffee",
    "tasse",
    "berg",
    "fenster",
    "wolke",
    "fahrrad",
    "apfel",
    "schrank",
    "vogel",
    "brücke",
    "garten",
    "löffel",
    "eichhörnchen",
    "zug",
    "meer",
    "stern",
]
WORDS_ES = [
    "cielo",
    "perro",
    "manzana",
    "ventana",
    "río",
    "montaña",
    "guitarra",
    "luna",
    "camión",
    "piedra",
    "árbol",
    "canción",
]
WORDS_FR = [
    "soleil",
    "fromage",
    "fenêtre",
    "château",
    "voiture",
    "pomme",
    "oiseau",
    "forêt",
    "étoile",
    "bateau",
    "jardin",
    "cerise",
]
CAPWORDS = [
    "Sonnenblume",
    "Kirschblüte",
    "Leuchtturm",
    "Papillon",
    "Mariposa",
    "Girasole",
    "Tulpe",
    "Regenbogen",
    "Schmetterling",
    "Marmelade",
    "Lavande",
    "Amapola",
    "Wolkenkratzer",
    "Pfannkuchen",
    "Nordlicht",
    "Zitrone",
]
DOMAINS = [
    "example.com",
    "example.net",
    "example.org",
    "acme-corp.example",
    "northwind.example",
    "contoso-labs.example",
    "globex.example",
    "initech.example",
    "umbrella-ops.example",
    "fabrikam.example",
    "tailspin.example",
    "wingtip.example",
]
APPS = [
    "billing",
    "ledger",
    "checkout",
    "payments",
    "inventory",
    "search",
    "notifier",
    "gateway",
    "reports",
    "catalog",
    "orders",
    "shipping",
    "metrics",
    "webhooks",
    "scheduler",
    "profile",
    "media",
    "invoicing",
    "crm",
    "loyalty",
    "pricing",
    "tickets",
]
DBS = [
    "orders_prod",
    "billing",
    "analytics",
    "app_production",
    "crm",
    "ledger",
    "inventory",
    "warehouse",
    "reporting",
    "customers",
    "events",
    "tenants",
    "payroll",
]
NSS = [
    "payments",
    "platform",
    "prod",
    "checkout",
    "data",
    "ops",
    "identity",
    "monitoring",
    "ingest",
    "backoffice",
]
REGIONS = [
    "us-east-1",
    "eu-west-1",
    "eu-central-1",
    "ap-southeast-2",
    "us-west-2",
    "ca-central-1",
    "ap-northeast-1",
    "sa-east-1",
    "eu-north-1",
]
HOSTWORDS = [
    "db",
    "pg",
    "mysql",
    "redis",
    "kafka",
    "app",
    "web",
    "api",
    "cache",
    "mq",
    "ldap",
    "vpn",
    "mail",
    "ci",
    "bastion",
    "nas",
    "backup",
    "es",
    "mongo",
    "etl",
    "jump",
    "proxy",
]
ENVS = ["prod", "prd", "stg", "staging", "live", "dr", "int", "uat"]
PORTS = [
    5432,
    3306,
    6379,
    8080,
    8443,
    9092,
    27017,
    5672,
    443,
    9200,
    1521,
    1433,
    2379,
    8200,
    6443,
    9000,
    8086,
    5000,
]
ERRCODES = [
    "ORA-01017",
    "ORA-28000",
    "AADSTS50126",
    "AADSTS700016",
    "AADSTS7000215",
    "0x80090308",
    "0xC000006D",
    "0xC0000234",
    "ERR_SSL_PROTOCOL_ERROR",
    "E_ACCESSDENIED",
    "KDC_ERR_PREAUTH_FAILED",
    "DSID-0C090439",
    "SQLSTATE[28000]",
    "ECONNRESET",
    "ETIMEDOUT",
    "EACCES",
    "ER_ACCESS_DENIED_ERROR",
    "NOAUTH",
    "WRONGPASS",
    "InvalidClientTokenId",
    "SignatureDoesNotMatch",
    "ExpiredTokenException",
    "PERMISSION_DENIED",
    "UNAUTHENTICATED",
    "invalid_grant",
    "x509: certificate has expired or is not yet valid",
]

SCRIPTS = {
    "cyr": "абвгдежзиклмнопрстуфхцчшщыэюяБВГДЖЗИКЛМНПРСТФХЦЧШЭЮЯ",
    "gr": "αβγδεζηθικλμνξπρστυφχψωΔΘΛΞΠΣΦΨΩ",
    "lat": "äöüßÄÖÜéèêàçñøåæœłśźżąęńóíúÉÑ",
    "ja": "あいうえおかきくけこさしすせそたちつてとなにぬねのアイウエオカキクケコサシスセソ東京大阪桜山川海空月火水木",
    "zh": "密码安全服务器数据库春夏秋冬龙虎凤凰山水天地人",
    "ko": "가나다라마바사아자차카타파하비밀번호서버하늘바다",
    "ar": "ابتثجحخدذرزسشصضطظعغفقكلمنهوي",
    "he": "אבגדהוזחטיכלמנסעפצקרשת",
    "hi": "अआइईउएओकखगघचछजझटठडढणतथदधनपफबभमयरलवशसह",
    "th": "กขคงจฉชซญดตถทธนบปผพฟภมยรลวศษสหอฮ",
    "tr": "çğıöşüÇĞİÖŞÜ",
}
EMOJI = ["🔥", "🐉", "🌵", "🚀", "🍀", "⚡", "🦊", "🌊"]

BASE_TIME = datetime(2026, 12, 1, 18, 0, 0, tzinfo=UTC)
MARKED = re.compile("\x01[^\x02]*\x02")
HOLE = re.compile(r"⟦(@?)([A-Za-z][A-Za-z0-9_]*)(?:\.(\d+))?⟧")


class Retry(Exception):
    """A generated value collided with another one; draw again."""


def b64(data: bytes | str) -> str:
    return base64.b64encode(data.encode() if isinstance(data, str) else data).decode()


def b64u(data: bytes | str) -> str:
    raw = data.encode() if isinstance(data, str) else data
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


class Gen:
    """Random values for one corpus; tracks the planted values and keep tokens of one case."""

    def __init__(self, rng: random.Random) -> None:
        self.r = rng
        self.used: set[str] = set()
        self.kused: set[str] = set()
        self.values: list[str] = []
        self.keeps: list[str] = []
        self.cache: dict[tuple[str, str, str | None], str] = {}

    def reset(self) -> None:
        self.values, self.keeps, self.cache = [], [], {}

    # ---- primitives -------------------------------------------------------------------
    def s(self, chars: str, n: int) -> str:
        return "".join(self.r.choice(chars) for _ in range(n))

    def hexs(self, n: int) -> str:
        return self.s(HEXL, n)

    def alnum(self, n: int) -> str:
        return self.s(ALNUM, n)

    def digits(self, n: int) -> str:
        return self.r.choice("123456789") + self.s(DIGITS, n - 1)

    def bytes_(self, n: int) -> bytes:
        return self.r.randbytes(n)

    def b64(self, n: int) -> str:
        return b64(self.bytes_(n))

    def b64u(self, n: int) -> str:
        return b64u(self.bytes_(n))

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.r.getrandbits(128), version=4))

    def pick(self, seq):  # type: ignore[no-untyped-def]
        return self.r.choice(seq)

    def when(self, spread_s: int = 86400) -> datetime:
        return BASE_TIME + timedelta(
            seconds=self.r.randint(0, spread_s), microseconds=self.r.randint(0, 999999)
        )

    # ---- marking ----------------------------------------------------------------------
    def mark(self, v: str) -> str:
        if not v or v in self.used or any(c in v for c in "\x00\x01\x02\n"):
            raise Retry
        if v not in self.values:
            self.values.append(v)
        return "\x01" + v + "\x02"

    def keep(self, v: str) -> str:
        if not v or v in self.kused:
            raise Retry
        if v not in self.keeps:
            self.keeps.append(v)
        return v

    def sec(self, kind: str, idx: str | None = None) -> str:
        """A planted secret of a kind (cached per case by kind and index), marked."""
        key = ("S", kind, idx)
        if key not in self.cache:
            self.cache[key] = SECRET[kind](self)
        return self.mark(self.cache[key])

    def raw(self, kind: str, idx: str | None = None) -> str:
        """The unmarked value of a secret kind, for derived encodings (not planted itself)."""
        key = ("S", kind, idx)
        if key not in self.cache:
            self.cache[key] = SECRET[kind](self)
        return self.cache[key]

    def f(self, kind: str, idx: str | None = None) -> str:
        key = ("F", kind, idx)
        if key not in self.cache:
            self.cache[key] = FILL[kind](self)
        return self.cache[key]

    def expand(self, text: str) -> str:
        def sub(m: re.Match[str]) -> str:
            at, kind, idx = m.groups()
            if kind in SECRET:
                return self.sec(kind, idx)
            v = self.f(kind, idx)
            return self.keep(v) if at else v

        return HOLE.sub(sub, text)

    # ---- passwords ----------------------------------------------------------------------
    def strong(self, lo: int = 12, hi: int = 22, sym: str = "!*+-._~") -> str:
        while True:
            n = self.r.randint(lo, hi)
            pw = self.s(ALNUM, 1) + self.s(ALNUM + DIGITS + sym, n - 1)
            if (
                any(c.isupper() for c in pw)
                and any(c.islower() for c in pw)
                and any(c.isdigit() for c in pw)
            ):
                return pw

    def human(self) -> str:
        w = self.pick(WORDS)
        w2 = self.pick(WORDS)
        sym = self.pick("!?*.#@")
        leet = w.replace("a", "4").replace("e", "3").replace("o", "0").replace("i", "1")
        return self.pick(
            [
                f"{w.capitalize()}{self.r.randint(10, 9999)}{sym}",
                f"{w}{sym}{w2.capitalize()}{self.r.randint(1, 99)}",
                f"{self.pick(['Winter', 'Summer', 'Herbst', 'Fruehling', 'Otono', 'Spring'])}{self.r.randint(2019, 2027)}{sym}",
                f"{leet.capitalize()}{w2.capitalize()}{sym}{self.r.randint(1, 9)}",
                f"{w.capitalize()}{sym}{w2}{sym}{self.r.randint(100, 999)}",
            ]
        )

    def short(self, lo: int = 6, hi: int = 10) -> str:
        while True:
            n = self.r.randint(lo, hi)
            pw = self.s(ALNUM, 1) + self.s(ALNUM + "!*._-", n - 1)
            if any(c.isdigit() for c in pw) and any(c.isalpha() for c in pw):
                return pw

    def longpw(self) -> str:
        return self.s(ALNUM, 1) + self.s(ALNUM + "-_", self.r.randint(40, 72))

    def symbolic(self) -> str:
        sym = "!#$%&()*+,-./:;<=>?@[]^_|~"
        while True:
            pw = self.s(ALNUM, 1) + self.s(ALNUM + sym + sym, self.r.randint(14, 24))
            if sum(c in sym for c in pw) >= 3 and any(c.isdigit() for c in pw):
                return pw

    def pct(self) -> str:
        sp = "@:/#?!&%+= "
        while True:
            raw = self.s(ALNUM, 2) + self.s(ALNUM + sp, self.r.randint(10, 18)) + self.s(ALNUM, 1)
            if sum(c in sp for c in raw) >= 2:
                return urllib.parse.quote(raw, safe="")

    def phrase(
        self, style: str | None = None, n: int | None = None, words: list[str] | None = None
    ) -> str:
        ws = [self.pick(words or WORDS) for _ in range(n or self.r.randint(3, 5))]
        style = style or self.pick(
            ["space", "dash", "Dash", "dot", "under", "concat", "Camel", "Camel2", "dashnum"]
        )
        if style == "space":
            return " ".join(ws)
        if style == "dash":
            return "-".join(ws)
        if style == "Dash":
            return "-".join(w.capitalize() for w in ws)
        if style == "dot":
            return ".".join(ws)
        if style == "under":
            return "_".join(ws)
        if style == "concat":
            return "".join(ws)
        if style == "Camel":
            return "".join(w.capitalize() for w in ws)
        if style == "Camel2":
            return "".join(w.capitalize() for w in ws) + str(self.r.randint(10, 99))
        return "-".join(w.capitalize() for w in ws) + "-" + str(self.r.randint(1, 99))

    def nonascii(self, script: str | None = None) -> str:
        script = script or self.pick(list(SCRIPTS))
        letters = SCRIPTS[script]
        core = self.s(letters, self.r.randint(4, 8))
        if script == "lat":
            core = self.pick(CAPWORDS) + self.s(letters, 2)
        if script == "tr":
            core = self.pick(["Güneş", "Çiçek", "Kış", "Şehir", "Ağaç", "Işık"]) + self.s(
                letters, 2
            )
        tail = str(self.r.randint(10, 9999))
        return self.pick(
            [
                core + tail,
                core + self.pick("!#.-_*") + tail,
                tail + core,
                self.s(ALNUM, 3) + core + tail,
            ]
        )

    def jwt(self, alg: str = "HS256") -> str:
        hdr = {"alg": alg, "typ": "JWT"}
        if alg != "HS256":
            hdr["kid"] = self.b64u(20)
        now = int(self.when().timestamp())
        payload = {
            "iss": f"https://{self.f('fqdn')}",
            "sub": self.pick([self.uuid(), self.f("user"), self.digits(9)]),
            "aud": self.pick(["api", "account", self.f("app")]),
            "iat": now,
            "exp": now + self.pick([300, 900, 3600, 86400]),
            "jti": self.uuid(),
        }
        sig = self.b64u(32 if alg == "HS256" else 256)
        return f"{b64u(json.dumps(hdr, separators=(',', ':')))}.{b64u(json.dumps(payload, separators=(',', ':')))}.{sig}"

    def pem_lines(self, nbytes: int, prefix: str = "") -> list[str]:
        body = prefix + b64(self.bytes_(nbytes))
        return [body[i : i + 64] for i in range(0, len(body), 64)]


def _azure_secret(g: Gen) -> str:
    return g.s(ALNUM, 3) + g.s(DIGITS, 1) + "Q~" + g.s(ALNUM + "~_.-", 34)


def _adyen(g: Gen) -> str:
    return "AQE" + g.s(ALNUM, 4) + g.b64(78) + "-" + g.b64(32) + "-" + g.s(ALNUM + "!;%{}=<>", 16)


SECRET: dict[str, Callable[[Gen], str]] = {
    # generic passwords
    "PW": lambda g: g.strong(),
    "PWH": lambda g: g.human(),
    "PWS": lambda g: g.short(),
    "PWS6": lambda g: g.short(6, 7),
    "PWS8": lambda g: g.short(8, 8),
    "PWL": lambda g: g.longpw(),
    "PWX": lambda g: g.pick([g.hexs, lambda n: g.s(HEXU, n)])(g.pick([16, 20, 24, 32, 40])),
    "PWU": lambda g: g.alnum(g.r.randint(14, 28)),
    "PWY": lambda g: g.symbolic(),
    "PWE": lambda g: g.pct(),
    "PWW": lambda g: g.phrase(),
    "PWWS": lambda g: g.phrase("space", g.r.randint(4, 6)),
    "PWWN": lambda g: g.phrase(
        g.pick(["dash", "Dash", "dot", "under", "concat", "Camel", "Camel2", "dashnum"])
    ),
    "PWWDE": lambda g: g.phrase(g.pick(["space", "dash", "Camel"]), 4, WORDS_DE),
    "PWWES": lambda g: g.phrase(g.pick(["space", "dot", "Dash"]), 4, WORDS_ES),
    "PWWFR": lambda g: g.phrase(g.pick(["space", "under", "Camel2"]), 4, WORDS_FR),
    "PWCW": lambda g: g.pick(CAPWORDS) + str(g.r.randint(10, 999)) + g.pick(["", "!", "#", "*"]),
    "PWLOW": lambda g: g.s(LOWER, 8),
    "PWN": lambda g: g.nonascii(),
    "PWNCYR": lambda g: g.nonascii("cyr"),
    "PWNJA": lambda g: g.nonascii("ja"),
    "PWNZH": lambda g: g.nonascii("zh"),
    "PWNLAT": lambda g: g.nonascii("lat"),
    "PWNGR": lambda g: g.nonascii("gr"),
    "PWNKO": lambda g: g.nonascii("ko"),
    "PWNAR": lambda g: g.nonascii("ar"),
    "PWNHE": lambda g: g.nonascii("he"),
    "PWNHI": lambda g: g.nonascii("hi"),
    "PWNTH": lambda g: g.nonascii("th"),
    "PWNTR": lambda g: g.nonascii("tr"),
    "PWNEMO": lambda g: g.pick(EMOJI) + g.pick(CAPWORDS) + g.pick(EMOJI) + str(g.r.randint(10, 99)),
    "PWFW": lambda g: "".join(chr(ord(c) + 0xFEE0) for c in g.s(ALNUM, 4)) + g.s(SCRIPTS["ja"], 3),
    "PIN4": lambda g: g.s(DIGITS, 4),
    "PIN5": lambda g: g.s(DIGITS, 5),
    "PIN6": lambda g: g.s(DIGITS, 6),
    "PIN8": lambda g: g.s(DIGITS, 8),
    "PUK8": lambda g: g.s(DIGITS, 8),
    "COMBO": lambda g: (
        f"{g.r.randint(1, 59):02d}-{g.r.randint(1, 59):02d}-{g.r.randint(1, 59):02d}"
    ),
    "UUIDS": lambda g: g.uuid(),
    "UUIDSU": lambda g: g.uuid().upper(),
    "HEX20": lambda g: g.hexs(20),
    "HEX32": lambda g: g.hexs(32),
    "HEX40": lambda g: g.hexs(40),
    "HEX64": lambda g: g.hexs(64),
    "HEX128": lambda g: g.hexs(128),
    "ALNUM16": lambda g: g.alnum(16),
    "ALNUM24": lambda g: g.alnum(24),
    "ALNUM32": lambda g: g.alnum(32),
    "ALNUM40": lambda g: g.alnum(40),
    "ALNUM64": lambda g: g.alnum(64),
    "B64_32": lambda g: g.b64(32),
    "B64_33": lambda g: g.b64(33),
    "B64_48": lambda g: g.b64(48),
    "B64_64": lambda g: g.b64(64),
    "B64_KEY": lambda g: g.b64(252),
    "B64U43": lambda g: g.b64u(32),
    "JWT": lambda g: g.jwt(),
    "JWTRS": lambda g: g.jwt("RS256"),
    "ERLCOOKIE": lambda g: g.s(UPPER, 20),
    "ES20": lambda g: g.s(ALNUM + "*_=+-", 20),
    "ARGOPW": lambda g: g.s(ALNUM + "-", 16),
    "WPSALT": lambda g: g.s(ALNUM + "!#$%&()*+,-./:;<=>?@[]^_{|}~ ", 64).strip() + "x",
    "DJANGO": lambda g: g.s(LALNUM + "!@#$%^&*(-_=+)", 50),
    "WGKEY": lambda g: g.b64(32),
    # hashes and verifiers
    "APR1": lambda g: "$apr1$" + g.s(CRYPT, 8) + "$" + g.s(CRYPT, 22),
    "BCRYPT": lambda g: "$2y$10$" + g.s(CRYPT, 53),
    "BCRYPTA": lambda g: "$2a$12$" + g.s(CRYPT, 53),
    "SHA512CRYPT": lambda g: "$6$" + g.s(CRYPT, 16) + "$" + g.s(CRYPT, 86),
    "YESCRYPT": lambda g: "$y$j9T$" + g.s(CRYPT, 22) + "$" + g.s(CRYPT, 43),
    "SSHA": lambda g: "{SSHA}" + g.b64(24),
    "SHAHT": lambda g: "{SHA}" + g.b64(20),
    "MD5PG": lambda g: "md5" + g.hexs(32),
    "SCRAM": lambda g: f"SCRAM-SHA-256$4096:{g.b64(16)}${g.b64(32)}:{g.b64(32)}",
    "MYSQLNATIVE": lambda g: "*" + g.s(HEXU, 40),
    "CISCO7": lambda g: "0" + g.s("0123456789", 1) + g.s(HEXU, 2 * g.r.randint(6, 12)),
    "CISCO9": lambda g: "$9$" + g.s(CRYPT, 14) + "$" + g.s(CRYPT, 43),
    "JUNIPER9": lambda g: "$9$" + g.s(ALNUM + "./-", g.r.randint(22, 40)),
    "JENKINSENC": lambda g: "{AQAAABAAAAAQ" + g.b64(60) + "}",
    "FORTIENC": lambda g: g.b64(96),
    "RABBITHASH": lambda g: g.b64(36),
    # cloud
    "AWSSK": lambda g: g.s(ALNUM + "+/", 40),
    "AWSST": lambda g: "IQoJb3JpZ2luX2Vj" + g.s(ALNUM + "+/", 380) + "==",
    "AZSTORAGE": lambda g: g.b64(64),
    "AZADSECRET": _azure_secret,
    "AZSIG": lambda g: g.b64(32).replace("+", "%2B").replace("/", "%2F").replace("=", "%3D"),
    "GOCSPX": lambda g: "GOCSPX-" + g.s(B64U, 28),
    "GREFRESH": lambda g: "1//0" + g.s(B64U, 99),
    "YA29": lambda g: "ya29.a0A" + g.s(B64U, 170),
    "GOOGLEAPI": lambda g: "AIza" + g.s(B64U, 35),
    "ALIYUN": lambda g: g.alnum(30),
    "DO": lambda g: "dop_v1_" + g.hexs(64),
    "HETZNER": lambda g: g.alnum(64),
    "VULTR": lambda g: g.s(UALNUM, 36),
    "CLOUDFLARE": lambda g: g.s(B64U, 40),
    "CFGLOBAL": lambda g: g.hexs(37),
    "BACKBLAZE": lambda g: "K005" + g.s(ALNUM + "/+", 27),
    "DATABRICKS": lambda g: "dapi" + g.hexs(32),
    "SUPABASE": lambda g: "sbp_" + g.hexs(40),
    "PSCALEPW": lambda g: "pscale_pw_" + g.s(B64U, 43),
    "NEON": lambda g: "napi_" + g.s(LALNUM, 64),
    "HEROKU": lambda g: "HRKU-AA" + g.s(B64U, 58),
    "NETLIFY": lambda g: "nfp_" + g.alnum(36),
    "FLY": lambda g: "FlyV1 fm2_" + g.s(B64C, 220),
    "TSKEY": lambda g: "tskey-auth-k" + g.alnum(10) + "CNTRL-" + g.alnum(33),
    "MINIO": lambda g: g.s(ALNUM + "+/", 40),
    "IBMCLOUD": lambda g: g.s(B64U, 44),
    # dev tools
    "GHP": lambda g: "ghp_" + g.alnum(36),
    "GHO": lambda g: "gho_" + g.alnum(36),
    "GHS": lambda g: "ghs_" + g.alnum(36),
    "GHPAT": lambda g: "github_pat_11" + g.s(UALNUM, 20) + "_" + g.alnum(59),
    "GLPAT": lambda g: "glpat-" + g.s(B64U, 20),
    "GLRT": lambda g: "glrt-t1_" + g.s(B64U, 20),
    "GLDT": lambda g: "gldt-" + g.s(B64U, 20),
    "GLTRIG": lambda g: "glptt-" + g.hexs(40),
    "NPM": lambda g: "npm_" + g.alnum(36),
    "PYPI": lambda g: "pypi-AgEIcHlwaS5vcmc" + g.s(B64U, 160),
    "DOCKER": lambda g: "dckr_pat_" + g.s(B64U, 27),
    "BBAPP": lambda g: "ATBB" + g.alnum(28) + g.s(HEXU, 8),
    "ADO": lambda g: g.s("abcdefghijklmnopqrstuvwxyz234567", 52),
    "JFROG": lambda g: "cmVmdGtuOjAxOj" + g.alnum(50),
    "SONAR": lambda g: "squ_" + g.hexs(40),
    "BKUA": lambda g: "bkua_" + g.hexs(40),
    "BKAGENT": lambda g: g.s(LALNUM, 50),
    "CCIPAT": lambda g: "CCIPAT_" + g.alnum(22) + "_" + g.hexs(40),
    "RUBYGEMS": lambda g: "rubygems_" + g.hexs(48),
    "NUGET": lambda g: "oy2" + g.s(LALNUM, 43),
    "CARGO": lambda g: "cio" + g.alnum(32),
    "ATLASSIAN": lambda g: "ATATT3xFfGF0" + g.s(B64U, 170) + "=" + g.s(HEXU, 8),
    "LINEAR": lambda g: "lin_api_" + g.alnum(40),
    "POSTMAN": lambda g: "PMAK-" + g.hexs(24) + "-" + g.hexs(34),
    "TFC": lambda g: g.alnum(14) + ".atlasv1." + g.alnum(67),
    "PULUMI": lambda g: "pul-" + g.hexs(40),
    "DOPPLER": lambda g: "dp.st.prd." + g.alnum(43),
    "VAULT": lambda g: "hvs.CAESI" + g.s(B64U, 86),
    "VAULTS": lambda g: "hvs." + g.alnum(24),
    "INFISICAL": lambda g: f"st.{g.uuid()}.{g.hexs(32)}.{g.hexs(32)}",
    "SENTRYU": lambda g: "sntryu_" + g.hexs(64),
    # SaaS
    "SLACKB": lambda g: f"xoxb-{g.digits(12)}-{g.digits(13)}-{g.alnum(24)}",
    "SLACKP": lambda g: f"xoxp-{g.digits(12)}-{g.digits(12)}-{g.digits(13)}-{g.hexs(32)}",
    "SLACKAPP": lambda g: f"xapp-1-A{g.s(UALNUM, 10)}-{g.digits(13)}-{g.hexs(64)}",
    "SLACKHOOK": lambda g: g.alnum(24),
    "STRIPESK": lambda g: "sk_live_" + g.alnum(g.pick([24, 99])),
    "STRIPERK": lambda g: "rk_live_" + g.alnum(g.pick([24, 99])),
    "WHSEC": lambda g: "whsec_" + g.alnum(32),
    "SENDGRID": lambda g: "SG." + g.s(B64U, 22) + "." + g.s(B64U, 43),
    "MAILGUN": lambda g: "key-" + g.hexs(32),
    "MAILCHIMP": lambda g: g.hexs(32) + "-us" + str(g.r.randint(1, 21)),
    "SHOPIFY": lambda g: "shpat_" + g.hexs(32),
    "SHPSS": lambda g: "shpss_" + g.hexs(32),
    "NRAK": lambda g: "NRAK-" + g.s(UALNUM, 27),
    "NRLICENSE": lambda g: g.hexs(36) + "NRAL",
    "GRAFANASA": lambda g: "glsa_" + g.alnum(32) + "_" + g.hexs(8),
    "PD": lambda g: g.s(ALNUM + "_-+", 20),
    "OPENAI": lambda g: "sk-proj-" + g.s(B64U, 74) + "T3BlbkFJ" + g.s(B64U, 74),
    "ANTHROPIC": lambda g: "sk-ant-api03-" + g.s(B64U, 93) + "AA",
    "HF": lambda g: "hf_" + g.alnum(34),
    "REPLICATE": lambda g: "r8_" + g.alnum(37),
    "GROQ": lambda g: "gsk_" + g.alnum(52),
    "TELEGRAM": lambda g: g.digits(10) + ":AA" + g.s(B64U, 33),
    "DISCORD": lambda g: b64u(g.digits(18)) + "." + g.s(B64U, 6) + "." + g.s(B64U, 38),
    "DISCORDHOOK": lambda g: g.s(B64U, 68),
    "SQUARE": lambda g: "EAAA" + g.s(B64U, 60),
    "BRAINTREE": lambda g: f"access_token$production${g.s(LALNUM, 16)}${g.hexs(32)}",
    "PAYPALSECRET": lambda g: "E" + g.s(B64U, 79),
    "MOLLIE": lambda g: "live_" + g.alnum(30),
    "PAYSTACK": lambda g: "sk_live_" + g.hexs(40),
    "FLUTTERWAVE": lambda g: "FLWSECK-" + g.hexs(32) + "-X",
    "ADYEN": _adyen,
    "MAPBOX": lambda g: "sk.eyJ1Ijoi" + g.s(B64U, 60) + "." + g.s(B64U, 22),
    "AIRTABLE": lambda g: "pat" + g.alnum(14) + "." + g.hexs(64),
    "NOTION": lambda g: "ntn_" + g.digits(11) + g.alnum(35),
    "FIGMA": lambda g: "figd_" + g.s(B64U, 40),
    "OKTA": lambda g: "00" + g.s(B64U, 40),
    "HUBSPOT": lambda g: "pat-" + g.pick(["na1", "eu1"]) + "-" + g.uuid(),
    "AGE": lambda g: "AGE-SECRET-KEY-1" + g.s(BECH.upper(), 58),
    "FCM": lambda g: "AAAA" + g.s(B64U, 7) + ":APA91b" + g.s(B64U, 134),
    "DROPBOX": lambda g: "sl." + g.s(B64U, 135),
    "SHIPPO": lambda g: "shippo_live_" + g.hexs(40),
    "EASYPOST": lambda g: "EZAK" + g.hexs(54),
    "TOTP": lambda g: g.s(B32, g.pick([16, 26, 32])),
    "TOTP32": lambda g: g.s(B32, 32),
    "GHRECOV": lambda g: g.hexs(5) + "-" + g.hexs(5),
    "GBACKUP": lambda g: g.s(DIGITS, 4) + " " + g.s(DIGITS, 4),
    "SCRATCH": lambda g: g.digits(8),
    "BITLOCKER": lambda g: "-".join(g.s(DIGITS, 6) for _ in range(8)),
    "FILEVAULT": lambda g: "-".join(g.s("ABCDEFGHJKLMNPQRSTUVWXYZ23456789", 4) for _ in range(6)),
    "APPLEASP": lambda g: "-".join(g.s(LOWER, 4) for _ in range(4)),
    "OPSECRETKEY": lambda g: (
        "A3-"
        + g.s(UALNUM, 6)
        + "-"
        + g.s(UALNUM, 6)
        + "-"
        + "-".join(g.s(UALNUM, 5) for _ in range(4))
    ),
    "TAP": lambda g: g.s(ALNUM + "!#%&*@", 10),
    "BYPASS9": lambda g: g.digits(9),
    "OTP6": lambda g: g.s(DIGITS, 6),
    "BIP39": lambda g: " ".join(g.pick(WORDS) for _ in range(12)),
    "SPLUNKHEC": lambda g: g.uuid().upper(),
    "ELASTICAPI": lambda g: b64(g.s(B64U, 20) + ":" + g.s(B64U, 22)),
    "INFLUX": lambda g: g.s(B64U, 86) + "==",
    "SQRECAPTCHA": lambda g: "6L" + g.s(B64U, 38),
    "RAILSCOOKIE": lambda g: g.b64(120).replace("=", "%3D") + "--" + g.hexs(40),
    "PHPSESS": lambda g: g.s(LALNUM, 26),
    "JSESS": lambda g: g.s(HEXU, 32),
    "CONNECTSID": lambda g: (
        "s%3A" + g.s(B64U, 32) + "." + g.b64(32).rstrip("=").replace("+", "%2B").replace("/", "%2F")
    ),
    "DJSESSION": lambda g: g.s(LALNUM, 32),
    "ASPNETCOOKIE": lambda g: "CfDJ8" + g.s(B64U, 300),
    "LARAVELSESS": lambda g: b64(
        '{"iv":"' + g.b64(16) + '","value":"' + g.b64(96) + '","mac":"' + g.hexs(64) + '","tag":""}'
    ).replace("=", "%3D"),
    "NEXTAUTH": lambda g: (
        "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0.."
        + g.s(B64U, 22)
        + "."
        + g.s(B64U, 380)
        + "."
        + g.s(B64U, 22)
    ),
}


def _user(g: Gen) -> str:
    fi, la = g.pick(FIRST), g.pick(LAST)
    return g.pick(
        [
            f"{fi[0]}{la}".lower(),
            f"{fi}.{la}".lower(),
            f"{fi.lower()}{g.r.randint(1, 99)}",
            f"{fi.lower()}_{la[0].lower()}",
            f"{la.lower()}{fi[0].lower()}",
        ]
    )


def _svc(g: Gen) -> str:
    a = g.pick(APPS)
    return g.pick(
        [
            f"svc_{a}",
            f"{a}_rw",
            f"{a}_app",
            f"svc-{a}",
            f"{a}-deploy",
            f"repl_{a}",
            f"backup_{a}",
            f"{a}user",
            f"{a}_ro",
        ]
    )


def _host(g: Gen) -> str:
    return g.pick(
        [
            f"{g.pick(HOSTWORDS)}-{g.pick(ENVS)}-{g.r.randint(1, 30):02d}",
            f"{g.pick(APPS)}-{g.pick(HOSTWORDS)}{g.r.randint(1, 9)}",
            f"{g.pick(HOSTWORDS)}{g.r.randint(1, 40):02d}",
        ]
    )


def _ip(g: Gen) -> str:
    return g.pick(
        [
            f"10.{g.r.randint(0, 255)}.{g.r.randint(0, 255)}.{g.r.randint(2, 254)}",
            f"172.{g.r.randint(16, 31)}.{g.r.randint(0, 255)}.{g.r.randint(2, 254)}",
            f"192.168.{g.r.randint(0, 255)}.{g.r.randint(2, 254)}",
        ]
    )


def _pod(g: Gen) -> str:
    return f"{g.f('app')}-{g.s(LALNUM, g.pick([9, 10]))}-{g.s('bcdfghjklmnpqrstvwxz2456789', 5)}"


def _iso(g: Gen) -> str:
    return g.when().strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _certfp(g: Gen) -> str:
    return ":".join(g.s(HEXU, 2) for _ in range(32))


def _serial(g: Gen) -> str:
    return g.pick([":".join(g.s(HEXL, 2) for _ in range(16)), g.s(HEXU, 32), g.s(HEXU, 40)])


def _ver(g: Gen) -> str:
    v = f"{g.r.randint(0, 4)}.{g.r.randint(0, 40)}.{g.r.randint(0, 30)}"
    return g.pick(
        [v, v, f"v{v}", f"{v}-rc.{g.r.randint(1, 5)}", f"{v}+build.{g.r.randint(100, 9999)}"]
    )


def _arn(g: Gen) -> str:
    region, acct, app = g.f("region"), g.f("acct"), g.f("app")
    return g.pick(
        [
            f"arn:aws:secretsmanager:{region}:{acct}:secret:prod/{app}/db-credentials-{g.alnum(6)}",
            f"arn:aws:iam::{acct}:role/{app}-token-rotator",
            f"arn:aws:kms:{region}:{acct}:key/{g.uuid()}",
            f"arn:aws:lambda:{region}:{acct}:function:{app}-session-cleanup:{g.r.randint(3, 90)}",
            f"arn:aws:ssm:{region}:{acct}:parameter/{app}/prod/api-key-version",
            f"arn:aws:ecs:{region}:{acct}:task/{app}-cluster/{g.hexs(32)}",
        ]
    )


FILL: dict[str, Callable[[Gen], str]] = {
    "user": _user,
    "svc": _svc,
    "svcu": lambda g: g.f("svc").upper().replace("-", "_"),
    "first": lambda g: g.pick(FIRST),
    "last": lambda g: g.pick(LAST),
    "name": lambda g: f"{g.pick(FIRST)} {g.pick(LAST)}",
    "host": _host,
    "hostu": lambda g: g.f("host").upper(),
    "domain": lambda g: g.pick(DOMAINS),
    "fqdn": lambda g: (
        f"{g.f('host')}.{g.pick(['int', 'corp', 'prod', 'svc', 'dc1'])}.{g.f('domain')}"
    ),
    "email": lambda g: f"{g.f('first')}.{g.f('last')}@{g.f('domain')}".lower(),
    "realm": lambda g: g.f("domain").upper(),
    "ntdom": lambda g: g.f("domain").split(".")[0].split("-")[0].upper(),
    "dc": lambda g: ",".join(f"dc={p}" for p in g.f("domain").split(".")),
    "ip": _ip,
    "pubip": lambda g: g.pick(["203.0.113", "198.51.100", "192.0.2"]) + f".{g.r.randint(2, 254)}",
    "port": lambda g: str(g.pick(PORTS)),
    "eport": lambda g: str(g.r.randint(32768, 60999)),
    "pid": lambda g: str(g.r.randint(1200, 98000)),
    "uid": lambda g: str(g.r.randint(1000, 65000)),
    "app": lambda g: g.pick(APPS),
    "capp": lambda g: g.f("app").capitalize(),
    "db": lambda g: g.pick(DBS),
    "ns": lambda g: g.pick(NSS),
    "region": lambda g: g.pick(REGIONS),
    "acct": lambda g: g.digits(12),
    "env": lambda g: g.pick(ENVS),
    "word": lambda g: g.pick(WORDS),
    "cword": lambda g: g.pick(WORDS).capitalize(),
    "pod": _pod,
    "akid": lambda g: "AKIA" + g.s(UALNUM, 16),
    "asia": lambda g: "ASIA" + g.s(UALNUM, 16),
    "wgpub": lambda g: g.b64(32),
    "agepub": lambda g: "age1" + g.s(BECH, 58),
    "uuid": lambda g: g.uuid(),
    "uuidu": lambda g: g.uuid().upper(),
    "n1": lambda g: g.digits(1),
    "n2": lambda g: g.digits(2),
    "n3": lambda g: g.digits(3),
    "n4": lambda g: g.digits(4),
    "n5": lambda g: g.digits(5),
    "n6": lambda g: g.digits(6),
    "n7": lambda g: g.digits(7),
    "n8": lambda g: g.digits(8),
    "n9": lambda g: g.digits(9),
    "n10": lambda g: g.digits(10),
    "n11": lambda g: g.digits(11),
    "n12": lambda g: g.digits(12),
    "n19": lambda g: g.digits(19),
    "hex4": lambda g: g.hexs(4),
    "hex7": lambda g: g.hexs(7),
    "hex8": lambda g: g.hexs(8),
    "hex12": lambda g: g.hexs(12),
    "hex16": lambda g: g.hexs(16),
    "hex24": lambda g: g.hexs(24),
    "hex32": lambda g: g.hexs(32),
    "hex40": lambda g: g.hexs(40),
    "hex64": lambda g: g.hexs(64),
    "uhex8": lambda g: g.s(HEXU, 8),
    "uhex16": lambda g: g.s(HEXU, 16),
    "uhex32": lambda g: g.s(HEXU, 32),
    "alnum5": lambda g: g.s(LALNUM, 5),
    "alnum6": lambda g: g.alnum(6),
    "alnum8": lambda g: g.s(LALNUM, 8),
    "alnum10": lambda g: g.s(UALNUM, 10),
    "alnum14": lambda g: g.alnum(14),
    "alnum22": lambda g: g.alnum(22),
    "alnum24": lambda g: g.alnum(24),
    "cid": lambda g: g.hexs(64),
    "cid12": lambda g: g.hexs(12),
    "tty": lambda g: f"pts/{g.r.randint(0, 9)}",
    # time
    "iso": _iso,
    "isooff": lambda g: (
        g.when().astimezone().strftime("%Y-%m-%dT%H:%M:%S")
        + g.pick(["+00:00", "+01:00", "-05:00", "+09:00", "+05:30"])
    ),
    "iso7": lambda g: g.when().strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z",
    "isosec": lambda g: g.when().strftime("%Y-%m-%dT%H:%M:%SZ"),
    "tsz": lambda g: g.when().strftime("%Y-%m-%d %H:%M:%S"),
    "tsms": lambda g: g.when().strftime("%Y-%m-%d %H:%M:%S.%f")[:-3],
    "javats": lambda g: g.when().strftime("%Y-%m-%d %H:%M:%S,%f")[:-3],
    "gots": lambda g: g.when().strftime("%Y/%m/%d %H:%M:%S"),
    "sysl": lambda g: g.when().strftime("%b %e %H:%M:%S"),
    "rfc1123": lambda g: g.when().strftime("%a, %d %b %Y %H:%M:%S GMT"),
    "rfc2822": lambda g: (
        g.when().strftime("%a, %d %b %Y %H:%M:%S ") + g.pick(["+0000", "+0100", "-0500", "+0900"])
    ),
    "apachets": lambda g: (
        g.when().strftime("%d/%b/%Y:%H:%M:%S ") + g.pick(["+0000", "+0100", "-0500"])
    ),
    "usts": lambda g: g.when().strftime("%m/%d/%Y %I:%M:%S %p"),
    "date": lambda g: g.when().strftime("%Y-%m-%d"),
    "hhmm": lambda g: g.when().strftime("%H:%M"),
    "hms": lambda g: g.when().strftime("%H:%M:%S"),
    "epoch": lambda g: str(int(g.when().timestamp())),
    "epochms": lambda g: str(int(g.when().timestamp() * 1000)),
    "epochus": lambda g: str(int(g.when().timestamp() * 1_000_000)),
    "epochf": lambda g: f"{g.when().timestamp():.3f}",
    "compact": lambda g: g.when().strftime("%Y%m%dT%H%M%SZ"),
    "certdate": lambda g: (g.when() + timedelta(days=g.r.randint(30, 700))).strftime(
        "%b %e %H:%M:%S %Y GMT"
    ),
    # diagnostics (keep-list material)
    "trace": lambda g: g.hexs(32),
    "span": lambda g: g.hexs(16),
    "digest": lambda g: "sha256:" + g.hexs(64),
    "gitsha": lambda g: g.hexs(40),
    "sha7": lambda g: g.hexs(g.pick([7, 8, 9, 10, 12])),
    "sha256": lambda g: g.hexs(64),
    "md5": lambda g: g.hexs(32),
    "crc32": lambda g: g.hexs(8),
    "ver": _ver,
    "buildnum": lambda g: str(g.r.randint(1000, 99999)),
    "errcode": lambda g: g.pick(ERRCODES),
    "inode": lambda g: str(g.r.randint(100000, 99999999)),
    "certfp": _certfp,
    "serial": _serial,
    "sshfp": lambda g: "SHA256:" + g.b64(32).rstrip("="),
    "gpgfpr": lambda g: g.s(HEXU, 40),
    "gpgid": lambda g: g.s(HEXU, 16),
    "lease": lambda g: g.hexs(16),
    "vaultlease": lambda g: (
        f"database/creds/{g.pick(['readonly', 'app-rw', 'reporting'])}/{g.alnum(24)}"
    ),
    "metric": lambda g: g.pick(
        [str(g.r.randint(100, 999999)), f"{g.r.random():.4f}", f"{g.r.uniform(0, 5000):.2f}"]
    ),
    "ratio": lambda g: f"{g.r.uniform(0.5, 0.9999):.4f}",
    "size": lambda g: g.pick(
        [
            f"{g.r.uniform(1, 999):.1f}{g.pick(['K', 'M', 'G'])}",
            f"{g.r.randint(1000, 99999999)} bytes",
            f"{g.r.uniform(1, 99):.2f} MiB",
        ]
    ),
    "dur": lambda g: g.pick(
        [
            f"{g.r.randint(1, 999)}ms",
            f"{g.r.uniform(0.1, 120):.3f}s",
            f"{g.r.randint(1, 59)}m{g.r.randint(0, 59)}s",
            f"{g.r.uniform(0.1, 99):.2f}µs",
        ]
    ),
    "arn": _arn,
    "rv": lambda g: str(g.r.randint(1000000, 999999999)),
    "offset": lambda g: str(g.r.randint(100000, 9999999999)),
    "lsn": lambda g: f"{g.r.randint(0, 9):X}/{g.s(HEXU, g.pick([7, 8]))}",
    "walfile": lambda g: "00000001" + g.s(HEXU, 8) + "000000" + g.s(HEXU, 2),
    "gtid": lambda g: f"{g.uuid()}:1-{g.r.randint(1000, 9999999)}",
    "cfray": lambda g: (
        g.hexs(16) + "-" + g.pick(["FRA", "AMS", "IAD", "SJC", "NRT", "LHR", "CDG", "GRU"])
    ),
    "amzreq": lambda g: g.s(HEXU, 16),
    "amzid2": lambda g: g.b64(57),
    "xray": lambda g: f"Root=1-{g.hexs(8)}-{g.hexs(24)}",
    "ddtrace": lambda g: g.digits(19),
    "stripereq": lambda g: "req_" + g.alnum(14),
    "ghreqid": lambda g: ":".join(
        [g.s(HEXU, 4), g.s(HEXU, 5), g.s(HEXU, 7), g.s(HEXU, 7), g.s(HEXU, 8)]
    ),
    "cve": lambda g: f"CVE-{g.pick(['2025', '2026'])}-{g.r.randint(10000, 59999)}",
    "kid": lambda g: g.pick([g.s(B64U, 27), g.uuid(), g.hexs(40)]),
    "sri": lambda g: "sha512-" + g.b64(64),
    "jobid": lambda g: g.digits(g.pick([9, 10, 11])),
    "azpath": lambda g: (
        f"/subscriptions/{g.uuid()}/resourceGroups/rg-{g.f('app')}-prod/providers/Microsoft.KeyVault/vaults/kv-{g.f('app')}-prod"
    ),
    "kvsecretid": lambda g: (
        f"https://kv-{g.f('app')}-prod.vault.azure.net/secrets/db-password/{g.hexs(32)}"
    ),
    "gcptrace": lambda g: f"projects/{g.f('app')}-prod-{g.digits(6)}/traces/{g.hexs(32)}",
    "evtid": lambda g: "evt_" + g.alnum(24),
    "twiliosm": lambda g: "SM" + g.hexs(32),
    "slackts": lambda g: f"{int(g.when().timestamp())}.{g.s(DIGITS, 6)}",
    "ghclientid": lambda g: "Iv1." + g.hexs(16),
    "vaulthmac": lambda g: "hmac-sha256:" + g.hexs(64),
    "buildid": lambda g: g.hexs(40),
    "accessor": lambda g: g.uuid(),
    "gcpop": lambda g: (
        f"operation-{int(g.when().timestamp() * 1000)}-{g.hexs(13)}-{g.hexs(8)}-{g.hexs(8)}"
    ),
    "tfver": lambda g: f"1.{g.r.randint(5, 10)}.{g.r.randint(0, 9)}",
    "k8secret": lambda g: f"{g.f('app')}-token-{g.s('bcdfghjklmnpqrstvwxz2456789', 5)}",
    "jvmtid": lambda g: "0x00007f" + g.hexs(10),
    "goroutine": lambda g: str(g.r.randint(1, 99999)),
    "walsize": lambda g: f"{g.r.randint(1, 900)} MB",
    "ja3": lambda g: g.hexs(32),
    "b64crc": lambda g: g.b64(4),
    "b64md5": lambda g: g.b64(16),
    "incident": lambda g: g.uuid().upper(),
    "okta_evt": lambda g: g.uuid(),
    "oprev": lambda g: str(g.r.randint(100, 999)),
    "dsid": lambda g: f"DSID-0C09{g.s(HEXU, 4)}",
    "ntstatus": lambda g: g.pick(
        ["0xC000006D", "0xC000006A", "0xC0000064", "0xC0000234", "0xC0000072", "0xC000015B"]
    ),
    "hresult": lambda g: g.pick(
        ["0x80090308", "0x8009030C", "0x80070005", "0x80004005", "0x8007052E"]
    ),
    "sqlstate": lambda g: g.pick(["28P01", "28000", "42501", "08006", "57P03", "3D000"]),
}


Tpl = str | Callable[[Gen], str]
FAMILIES: dict[str, list[tuple[str, Tpl]]] = {}
KEEPS: list[tuple[str, Tpl]] = []

# ---------------------------------------------------------------------------------------------
# 1. process listings
# ---------------------------------------------------------------------------------------------


def _t_proc_cmdline(g: Gen) -> str:
    args = [
        "/usr/bin/python3",
        f"/opt/{g.f('app')}/run.py",
        "--db-user",
        g.f("svc"),
        "--db-pass",
        g.sec("PW"),
        "--batch",
        "500",
    ]
    return f"$ cat /proc/⟦pid⟧/cmdline | cat -v\n{'^@'.join(args)}^@\n"


FAMILIES["process_listing"] = [
    (
        "ps auxww mysqldump -p",
        """$ ps auxww | grep -i dump
⟦svc⟧    ⟦pid⟧  2.1  0.3 112340  9812 ?        S    03:02   0:14 mysqldump --single-transaction -u⟦svc⟧ -p⟦PW⟧ -h ⟦fqdn⟧ ⟦db⟧
⟦user⟧   ⟦pid.2⟧  0.0  0.0   6432   724 pts/0    S+   03:15   0:00 grep --color=auto -i dump
""",
    ),
    (
        "ps -ef java -D datasource password",
        """UID          PID    PPID  C STIME TTY          TIME CMD
⟦svc⟧     ⟦pid⟧       1 12 Dec01 ?        01:22:41 /usr/lib/jvm/java-17-openjdk-amd64/bin/java -Xmx2g -Dspring.profiles.active=prod -Dspring.datasource.username=⟦svc⟧ -Dspring.datasource.password=⟦PW⟧ -jar /opt/⟦app⟧/⟦app⟧.jar
root      ⟦pid.2⟧       1  0 Nov28 ?        00:00:03 /usr/sbin/cron -f
""",
    ),
    (
        "top -c redis-cli -a",
        """top - 03:14:07 up 41 days,  2:11,  2 users,  load average: 3.12, 2.87, 2.55
Tasks: 312 total,   2 running, 310 sleeping,   0 stopped,   0 zombie
%Cpu(s): 22.4 us,  4.1 sy,  0.0 ni, 72.9 id,  0.3 wa,  0.0 hi,  0.3 si,  0.0 st
    PID USER      PR  NI    VIRT    RES    SHR S  %CPU  %MEM     TIME+ COMMAND
  ⟦pid⟧ ⟦svc⟧     20   0   45120   8812   3904 R  38.2   0.1   4:12.09 redis-cli -h ⟦ip⟧ -p 6379 -a ⟦PWU⟧ --no-auth-warning --scan --pattern session:*
  ⟦pid.2⟧ redis     20   0 3881220   2.1g   4012 S  21.0  13.4 812:44.51 redis-server *:6379
""",
    ),
    (
        "htop tree sh -c PGPASSWORD",
        """  PID USER      PRI  NI  VIRT   RES   SHR S CPU% MEM%   TIME+  Command
 ⟦pid⟧ root       20   0  2.4M   980   880 S  0.0  0.0  0:00.00 ├─ /bin/sh -c PGPASSWORD='⟦PW⟧' pg_dump -h ⟦fqdn⟧ -U ⟦svc⟧ -Fc ⟦db⟧ > /backup/⟦db⟧.dump
 ⟦pid.2⟧ root       20   0 88.1M 12.4M  9.1M S  4.7  0.2  0:31.77 │  └─ pg_dump -h ⟦fqdn⟧ -U ⟦svc⟧ -Fc ⟦db⟧
""",
    ),
    (
        "pgrep -af sshpass",
        """$ pgrep -af sshpass
⟦pid⟧ sshpass -p ⟦PWH⟧ ssh -o StrictHostKeyChecking=no ⟦user⟧@⟦ip⟧ /usr/local/bin/rotate-logs.sh
""",
    ),
    (
        "wmic process sqlcmd -P",
        r"""C:\> wmic process where "name='sqlcmd.exe'" get ProcessId,CommandLine
CommandLine                                                                              ProcessId
sqlcmd -S ⟦hostu⟧\SQLEXPRESS -U sa -P ⟦PW⟧ -i C:\jobs\nightly_cleanup.sql              ⟦pid⟧
""",
    ),
    (
        "Get-CimInstance jenkins agent -secret",
        r"""PS C:\Users\⟦user⟧> Get-CimInstance Win32_Process -Filter "Name='java.exe'" | Select-Object ProcessId,CommandLine | Format-List

ProcessId   : ⟦pid⟧
CommandLine : "C:\Program Files\Eclipse Adoptium\jdk-17.0.13.11-hotspot\bin\java.exe" -jar agent.jar -url https://⟦fqdn⟧/ -name win-build-07 -secret ⟦HEX64⟧ -workDir C:\jenkins
""",
    ),
    ("/proc/pid/cmdline cat -v", _t_proc_cmdline),
    (
        "ps openssl enc -pass pass:",
        """root     ⟦pid⟧ 97.0  0.1  17212  5640 ?        R    03:10   2:41 openssl enc -aes-256-cbc -pbkdf2 -salt -in /var/backups/⟦db⟧.sql -out /var/backups/⟦db⟧.sql.enc -pass pass:⟦PWWN⟧
""",
    ),
    (
        "systemd-cgls buildkite --token",
        """$ systemd-cgls -u buildkite-agent.service
Unit buildkite-agent.service (/system.slice/buildkite-agent.service):
├─⟦pid⟧ /usr/bin/buildkite-agent start --token ⟦BKAGENT⟧ --tags queue=⟦env⟧,os=linux
└─⟦pid.2⟧ /bin/bash -e -c ./scripts/ci.sh
""",
    ),
    (
        "ps vault operator unseal",
        """$ ps -o pid,user,args -p ⟦pid⟧
    PID USER     COMMAND
  ⟦pid⟧ ⟦user⟧ vault operator unseal ⟦B64_33⟧
""",
    ),
]

# ---------------------------------------------------------------------------------------------
# 2. environment dumps
# ---------------------------------------------------------------------------------------------

FAMILIES["proc_environ"] = [
    (
        "tr \\0 \\n /proc/pid/environ",
        r"""# tr '\0' '\n' < /proc/⟦pid⟧/environ
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
HOSTNAME=⟦pod⟧
DB_HOST=⟦fqdn⟧
DB_PASSWORD=⟦PW⟧
REDIS_URL=redis://⟦host⟧:6379/0
LANG=C.UTF-8
""",
    ),
    (
        "cat -v environ ^@",
        """# cat -v /proc/⟦pid⟧/environ
HOME=/home/⟦svc⟧^@SHELL=/bin/bash^@STRIPE_SECRET_KEY=⟦STRIPESK⟧^@NODE_ENV=production^@PORT=⟦port⟧^@
""",
    ),
    (
        "python bytes environ \\x00",
        r""">>> open('/proc/⟦pid⟧/environ', 'rb').read()
b'LANG=en_US.UTF-8\x00GITHUB_TOKEN=⟦GHP⟧\x00CI=true\x00RUNNER_TEMP=/home/runner/work/_temp\x00'
""",
    ),
    (
        "env | sort aws",
        """$ env | sort | head -n 40
AWS_ACCESS_KEY_ID=⟦akid⟧
AWS_DEFAULT_REGION=⟦region⟧
AWS_SECRET_ACCESS_KEY=⟦AWSSK⟧
COLORTERM=truecolor
HOME=/home/⟦user⟧
""",
    ),
    (
        "declare -x PGPASSWORD",
        """$ export -p | grep -i pg
declare -x OLDPWD="/srv/⟦app⟧"
declare -x PGPASSWORD="⟦PWH⟧"
declare -x PGUSER="⟦svc⟧"
""",
    ),
    (
        "printenv grep key|token",
        """$ printenv | grep -i -E 'key|token'
SENDGRID_API_KEY=⟦SENDGRID⟧
SSH_AUTH_SOCK=/tmp/ssh-⟦alnum10⟧/agent.⟦pid⟧
""",
    ),
    (
        "powershell Get-ChildItem Env:",
        r"""PS C:\> Get-ChildItem Env: | Where-Object Name -like 'AZURE*' | Format-Table -AutoSize

Name                Value
----                -----
AZURE_CLIENT_ID     ⟦uuid⟧
AZURE_CLIENT_SECRET ⟦AZADSECRET⟧
AZURE_TENANT_ID     ⟦uuid.2⟧
""",
    ),
    (
        "tr \\0 space rabbitmq",
        r"""$ sudo tr '\0' ' ' < /proc/⟦pid⟧/environ; echo
LANG=C.UTF-8 PATH=/usr/bin:/bin RABBITMQ_DEFAULT_USER=⟦svc⟧ RABBITMQ_DEFAULT_PASS=⟦PWS⟧ RABBITMQ_ERLANG_COOKIE=⟦ERLCOOKIE⟧ HOME=/var/lib/rabbitmq
""",
    ),
    (
        "ps eww",
        """$ ps eww -p ⟦pid⟧
    PID TTY      STAT   TIME COMMAND
  ⟦pid⟧ ?        Ssl   12:07 /usr/bin/node /srv/⟦app⟧/server.js NODE_ENV=production SESSION_SECRET=⟦PWL⟧ PORT=⟦port⟧ USER=⟦svc⟧
""",
    ),
    (
        "environ sed \\0",
        r"""$ sudo sed 's/\x0/\\0/g' /proc/1/environ
KUBERNETES_SERVICE_HOST=10.96.0.1\0VAULT_TOKEN=⟦VAULT⟧\0VAULT_ADDR=https://⟦fqdn⟧:8200\0HOME=/root\0
""",
    ),
]


# ---------------------------------------------------------------------------------------------
# 3. containers and orchestration
# ---------------------------------------------------------------------------------------------


def _t_k8s_secret_yaml(g: Gen) -> str:
    pw = g.raw("PW")
    return f"""$ kubectl -n ⟦ns⟧ get secret ⟦app⟧-db -o yaml
apiVersion: v1
data:
  password: {g.mark(b64(pw))}
  username: {b64(g.f("svc"))}
kind: Secret
metadata:
  creationTimestamp: "⟦isosec⟧"
  name: ⟦app⟧-db
  namespace: ⟦ns⟧
  resourceVersion: "⟦n8⟧"
  uid: ⟦uuid⟧
type: Opaque
"""


FAMILIES["container_orchestration"] = [
    (
        "docker inspect Config.Env",
        """$ docker inspect ⟦cid12⟧ --format '{{json .Config.Env}}' | jq .
[
  "POSTGRES_USER=⟦svc⟧",
  "POSTGRES_PASSWORD=⟦PW⟧",
  "PGDATA=/var/lib/postgresql/data/pgdata",
  "GOSU_VERSION=1.17"
]
""",
    ),
    (
        "docker run -e minio",
        """$ docker run -d --name minio -e MINIO_ROOT_USER=⟦svc⟧ -e MINIO_ROOT_PASSWORD=⟦MINIO⟧ -p 9000:9000 -p 9001:9001 quay.io/minio/minio server /data --console-address :9001
⟦cid⟧
""",
    ),
    (
        "docker compose config env",
        """$ docker compose config | sed -n '/grafana:/,/image:/p'
  grafana:
    environment:
      GF_SECURITY_ADMIN_USER: admin
      GF_SECURITY_ADMIN_PASSWORD: ⟦PWH⟧
    image: grafana/grafana:11.3.1
""",
    ),
    (
        "kubectl describe pod env",
        """Containers:
  ⟦app⟧:
    Container ID:   containerd://⟦cid⟧
    Image:          registry.⟦domain⟧/⟦app⟧:⟦n4⟧
    Environment:
      SPRING_PROFILES_ACTIVE:  prod
      JWT_SIGNING_KEY:         ⟦B64_32⟧
      POD_NAME:                ⟦pod⟧ (v1:metadata.name)
""",
    ),
    ("kubectl get secret -o yaml base64", _t_k8s_secret_yaml),
    (
        "kubectl jsonpath token base64 -d",
        """$ kubectl -n ⟦ns⟧ get secret ⟦app⟧-sa-token -o jsonpath='{.data.token}' | base64 -d
⟦JWTRS⟧
""",
    ),
    (
        "helm get values",
        """$ helm get values ⟦app⟧-mongodb -n ⟦ns⟧
USER-SUPPLIED VALUES:
architecture: replicaset
auth:
  rootPassword: ⟦PWU⟧
""",
    ),
    (
        "systemctl show Environment",
        """$ systemctl show ⟦app⟧.service -p Environment
Environment=NODE_ENV=production LOG_LEVEL=info MAILGUN_API_KEY=⟦MAILGUN⟧ PORT=⟦port⟧
""",
    ),
    (
        "journalctl -o json MESSAGE",
        """$ journalctl -u ⟦app⟧ -o json -n 1
{"__REALTIME_TIMESTAMP":"⟦epochus⟧","_SYSTEMD_UNIT":"⟦app⟧.service","_PID":"⟦pid⟧","_COMM":"node","PRIORITY":"6","MESSAGE":"[config] loaded TWILIO_AUTH_TOKEN=⟦HEX32⟧ from /etc/default/⟦app⟧","_HOSTNAME":"⟦host⟧"}
""",
    ),
    (
        "kubectl describe configmap properties",
        """Name:         ⟦app⟧-config
Namespace:    ⟦ns⟧
Data
====
application.properties:
----
spring.datasource.url=jdbc:postgresql://⟦fqdn⟧:5432/⟦db⟧
spring.datasource.password=⟦PW⟧
""",
    ),
    (
        "kubectl create secret --from-literal",
        """$ kubectl -n ⟦ns⟧ create secret generic ⟦app⟧-smtp --from-literal=username=⟦svc⟧ --from-literal=password='⟦PWH⟧'
secret/⟦app⟧-smtp created
""",
    ),
]

# ---------------------------------------------------------------------------------------------
# 4. audit logs and shell history
# ---------------------------------------------------------------------------------------------


def _t_audit_execve_hex(g: Gen) -> str:
    arg = "-p" + g.raw("PWWS")
    return (
        f'type=SYSCALL msg=audit(⟦epoch⟧.⟦n3⟧:⟦n5⟧): arch=c000003e syscall=59 success=yes exit=0 a0=55d1c3e0 a1=55d1c420 a2=55d1c4f0 a3=8 items=2 ppid=⟦pid⟧ pid=⟦pid.2⟧ auid=⟦uid⟧ uid=⟦uid⟧ gid=⟦uid⟧ tty=pts1 ses=⟦n2⟧ comm="mysql" exe="/usr/bin/mysql" key="exec_log"\n'
        f'type=EXECVE msg=audit(⟦epoch⟧.⟦n3⟧:⟦n5⟧): argc=5 a0="mysql" a1="-u" a2="⟦svc⟧" a3={g.mark(arg.encode().hex().upper())} a4="⟦db⟧"\n'
    )


def _t_audit_execve_header(g: Gen) -> str:
    hdr = "Authorization: Bearer " + g.raw("JWT")
    return (
        f'type=EXECVE msg=audit(⟦epoch⟧.⟦n3⟧:⟦n5⟧): argc=4 a0="curl" a1="-sH" a2={g.mark(hdr.encode().hex().upper())} a3="https://⟦fqdn⟧/api/v1/jobs"\n'
        'type=CWD msg=audit(⟦epoch⟧.⟦n3⟧:⟦n5⟧): cwd="/home/⟦user⟧"\n'
    )


def _t_audit_proctitle(g: Gen) -> str:
    title = f"psql\x00postgresql://{g.f('svc')}:{g.raw('PWU')}@{g.f('fqdn')}/{g.f('db')}"
    return f"type=PROCTITLE msg=audit(⟦epoch⟧.⟦n3⟧:⟦n5⟧): proctitle={g.mark(title.encode().hex().upper())}\n"


def _t_audit_user_cmd(g: Gen) -> str:
    cmd = f"bash -c echo '{g.f('svc')}:{g.raw('PW')}' | chpasswd"
    return f'type=USER_CMD msg=audit(⟦epoch⟧.⟦n3⟧:⟦n5⟧): pid=⟦pid⟧ uid=⟦uid⟧ auid=⟦uid⟧ ses=⟦n2⟧ subj=unconfined msg=\'cwd="/root" cmd={g.mark(cmd.encode().hex().upper())} exe="/usr/bin/sudo" terminal=pts/0 res=success\'\n'


def _t_mysql_history(g: Gen) -> str:
    stmt = f"SET PASSWORD FOR '{g.f('svc')}'@'%' = '{g.sec('PWU')}';"
    return (
        "$ cat ~/.mysql_history\n_HiStOrY_V2_\nSHOW\\040DATABASES;\n"
        + stmt.replace(" ", "\\040")
        + "\n"
    )


FAMILIES["audit_history"] = [
    ("auditd EXECVE hex arg", _t_audit_execve_hex),
    ("auditd EXECVE hex header", _t_audit_execve_header),
    ("auditd PROCTITLE hex", _t_audit_proctitle),
    ("auditd USER_CMD hex", _t_audit_user_cmd),
    (
        "auth.log sudo COMMAND docker login",
        """⟦sysl⟧ ⟦host⟧ sudo:   ⟦user⟧ : TTY=pts/1 ; PWD=/home/⟦user⟧ ; USER=root ; COMMAND=/usr/bin/docker login -u ⟦svc⟧ -p ⟦DOCKER⟧ registry.⟦domain⟧
⟦sysl⟧ ⟦host⟧ sudo: pam_unix(sudo:session): session opened for user root(uid=0) by ⟦user⟧(uid=⟦uid⟧)
""",
    ),
    (
        "bash_history export and mysql -p",
        """$ tail -n 5 ~/.bash_history
cd /srv/⟦app⟧
python3 scripts/backfill.py --since 2026-11-01
mysql -h ⟦fqdn⟧ -u root -p'⟦PWH⟧' -e 'SHOW PROCESSLIST'
""",
    ),
    (
        "zsh extended history",
        """: ⟦epoch⟧:0;cd ~/src
: ⟦epoch.2⟧:0;git clone https://⟦user⟧:⟦GLPAT⟧@gitlab.⟦domain⟧/platform/⟦app⟧.git
""",
    ),
    (
        "PSReadLine history PSCredential",
        r"""PS> Get-Content (Get-PSReadLineOption).HistorySavePath -Tail 3
$cred = New-Object System.Management.Automation.PSCredential('⟦ntdom⟧\⟦user⟧', (ConvertTo-SecureString '⟦PWH⟧' -AsPlainText -Force))
Enter-PSSession -ComputerName ⟦hostu⟧ -Credential $cred
""",
    ),
    (
        "Windows 4688 command line",
        """Log Name:      Security
Event ID:      4688
A new process has been created.
Process Information:
	New Process Name:	C:\\Windows\\System32\\net.exe
	Process Command Line:	net user ⟦svc⟧ ⟦PW⟧ /add /domain
""",
    ),
    ("mysql_history \\040", _t_mysql_history),
    (
        "history vault login userpass",
        """$ history | tail -3
  512  vault login -method=userpass username=⟦user⟧ password=⟦PW⟧
  513  vault kv get -mount=secret ⟦app⟧/prod
  514  history | tail -3
""",
    ),
]

# ---------------------------------------------------------------------------------------------
# 5. interactive shell transcripts
# ---------------------------------------------------------------------------------------------

FAMILIES["shell_transcripts"] = [
    (
        "script typescript password typed at shell",
        """Script started on 2026-12-02 03:02:11+00:00 [TERM="xterm-256color" TTY="/dev/pts/2" COLUMNS="180" LINES="48"]
⟦user⟧@⟦host⟧:~$ ssh ⟦svc⟧@⟦ip⟧
⟦svc⟧@⟦ip⟧'s password:
Connection closed by ⟦ip⟧ port 22
⟦user⟧@⟦host⟧:~$ ⟦PWH⟧
⟦PWH⟧: command not found
""",
    ),
    (
        "read -p echoed passphrase",
        """root@⟦host⟧:~# read -p "LUKS passphrase: " LUKSPW
LUKS passphrase: ⟦PWW⟧
root@⟦host⟧:~# echo -n "$LUKSPW" | cryptsetup open /dev/nvme1n1p2 data -
""",
    ),
    (
        "expect -d send",
        """spawn ssh -o PubkeyAuthentication=no admin@⟦ip⟧
parent: waiting for sync byte
expect: does "admin@⟦ip⟧'s password: " (spawn_id exp4) match glob pattern "*assword:"? yes
expect: set expect_out(0,string) "admin@⟦ip⟧'s password:"
send: sending "⟦PW⟧\\r" to { exp4 }
""",
    ),
    (
        "netmiko debug write_channel",
        """DEBUG:netmiko:write_channel: b'enable\\n'
DEBUG:netmiko:read_channel: Password:
DEBUG:netmiko:write_channel: b'⟦PWS⟧\\n'
DEBUG:netmiko:read_channel: ⟦hostu⟧#
""",
    ),
    (
        "here-doc kubectl stringData",
        """$ kubectl apply -f - <<'YAML'
apiVersion: v1
kind: Secret
metadata:
  name: ⟦app⟧-smtp
stringData:
  SMTP_PASSWORD: "⟦PWH⟧"
YAML
secret/⟦app⟧-smtp configured
""",
    ),
    (
        "here-string sudo -S",
        """$ sudo -S -k systemctl restart ⟦app⟧ <<< '⟦PWH⟧'
[sudo] password for ⟦user⟧:
""",
    ),
    (
        "net use with password",
        r"""C:\Users\⟦user⟧>net use Z: \\⟦hostu⟧\finance ⟦PW⟧ /user:⟦ntdom⟧\⟦user⟧ /persistent:no
The command completed successfully.
""",
    ),
    (
        "PowerShell transcript env secret",
        r"""**********************
Windows PowerShell transcript start
Start time: 20261202031407
Username: ⟦ntdom⟧\⟦user⟧
**********************
PS C:\infra> $env:ARM_CLIENT_SECRET = "⟦AZADSECRET⟧"
PS C:\infra> terraform plan -out tfplan
""",
    ),
    (
        "mysql -p retry on command line",
        """$ mysql -u ⟦svc⟧ -p -h ⟦fqdn⟧
Enter password:
ERROR 1045 (28000): Access denied for user '⟦svc⟧'@'⟦ip⟧' (using password: YES)
$ mysql -u ⟦svc⟧ -p⟦PWS⟧ -h ⟦fqdn⟧
mysql: [Warning] Using a password on the command line interface can be insecure.
""",
    ),
    (
        "asciinema cast stdin",
        """{"version": 2, "width": 160, "height": 42, "timestamp": ⟦epoch⟧, "env": {"SHELL": "/bin/zsh", "TERM": "xterm-256color"}}
[12.104, "o", "Vault password: "]
[15.877, "i", "⟦PWW⟧\\r"]
[16.020, "o", "\\r\\nDecryption successful\\r\\n"]
""",
    ),
    (
        "telnet local echo login",
        """$ telnet ⟦ip⟧ 23
Trying ⟦ip⟧...
Connected to ⟦ip⟧.
Escape character is '^]'.

User Access Verification

Username: admin
Password: ⟦PWS⟧
% Authentication failed
""",
    ),
]


# ---------------------------------------------------------------------------------------------
# 6. web servers and proxies
# ---------------------------------------------------------------------------------------------


def _t_nginx_basic_header(g: Gen) -> str:
    blob = b64(f"{g.f('svc')}:{g.raw('PW')}")
    return f"""location /upstream-api/ {{
    proxy_pass https://⟦fqdn⟧:8443/;
    proxy_set_header Authorization "Basic {g.mark(blob)}";
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
}}
"""


def _t_traefik_labels(g: Gen) -> str:
    h = g.raw("BCRYPT").replace("$", "$$")
    return f"""    labels:
      - "traefik.enable=true"
      - "traefik.http.routers.dashboard.rule=Host(`traefik.⟦domain⟧`)"
      - "traefik.http.middlewares.dash-auth.basicauth.users=⟦user⟧:{g.mark(h)}"
"""


FAMILIES["web_proxy_configs"] = [
    ("nginx proxy_set_header Basic", _t_nginx_basic_header),
    (
        "nginx htpasswd apr1",
        """$ sudo cat /etc/nginx/.htpasswd
⟦user⟧:⟦APR1⟧
""",
    ),
    (
        "apache AuthLDAPBindPassword",
        """<Location /jira>
    AuthType Basic
    AuthName "Corporate login"
    AuthBasicProvider ldap
    AuthLDAPURL "ldaps://⟦fqdn⟧:636/ou=people,⟦dc⟧?uid"
    AuthLDAPBindDN "cn=⟦svc⟧,ou=services,⟦dc⟧"
    AuthLDAPBindPassword "⟦PW⟧"
    Require valid-user
</Location>
""",
    ),
    (
        "haproxy userlist and stats auth",
        """userlist ops_users
    user admin insecure-password ⟦PWS⟧

listen stats
    bind :8404
    stats enable
    stats uri /stats
    stats admin if TRUE
""",
    ),
    (
        "envoy generic_secret inline_string",
        """static_resources:
  secrets:
  - name: upstream_api_key
    generic_secret:
      secret:
        inline_string: "⟦HEX40⟧"
""",
    ),
    ("traefik basicauth label $$", _t_traefik_labels),
    (
        "squid cache_peer login=",
        """cache_peer ⟦fqdn⟧ parent 3128 0 no-query default login=⟦svc⟧:⟦PWU⟧
never_direct allow all
""",
    ),
    (
        "caddy basicauth bcrypt",
        """admin.⟦domain⟧ {
	basicauth /* {
		⟦user⟧ ⟦BCRYPTA⟧
	}
	reverse_proxy localhost:⟦port⟧
}
""",
    ),
    (
        "nginx ssl_password_file contents",
        """$ grep ssl_password_file /etc/nginx/sites-enabled/⟦app⟧
    ssl_password_file /etc/nginx/keys/⟦app⟧.pass;
$ sudo cat /etc/nginx/keys/⟦app⟧.pass
⟦PWW⟧
""",
    ),
    (
        "haproxy set-header token",
        """backend be_payments
    http-request set-header X-Internal-Token ⟦ALNUM40⟧
    server pay1 ⟦ip⟧:8443 ssl verify required ca-file /etc/ssl/certs/internal-ca.pem
""",
    ),
    (
        ".htaccess SetEnv",
        """SetEnv RECAPTCHA_SECRET "⟦SQRECAPTCHA⟧"
""",
    ),
    (
        "kong keyauth_credentials",
        """consumers:
- username: ⟦app⟧-mobile
  keyauth_credentials:
  - key: ⟦ALNUM32⟧
""",
    ),
]

# ---------------------------------------------------------------------------------------------
# 7. database and broker configuration
# ---------------------------------------------------------------------------------------------

FAMILIES["database_configs"] = [
    (
        "postgresql.auto.conf primary_conninfo",
        """$ cat $PGDATA/postgresql.auto.conf
# Do not edit this file manually!
primary_conninfo = 'user=replicator password=⟦PWU⟧ host=⟦ip⟧ port=5432 sslmode=require application_name=⟦host⟧'
""",
    ),
    (
        "pgbouncer userlist.txt",
        """$ sudo cat /etc/pgbouncer/userlist.txt
"⟦svc⟧" "⟦SCRAM⟧"
"pgbouncer" "⟦MD5PG⟧"
""",
    ),
    (
        "my.cnf [client]",
        """$ cat ~/.my.cnf
[client]
user=⟦svc⟧
password="⟦PWH⟧"
host=⟦fqdn⟧
""",
    ),
    (
        "redis.conf requirepass masterauth ACL",
        """requirepass ⟦PWL⟧
masterauth ⟦PWL⟧
user ⟦app⟧ on >⟦PWU⟧ ~cache:* +@read +@write
""",
    ),
    (
        "mongod keyFile contents",
        """$ grep -A2 security /etc/mongod.conf
security:
  authorization: enabled
  keyFile: /etc/mongo/keyfile
$ sudo cat /etc/mongo/keyfile
⟦B64_KEY⟧
""",
    ),
    (
        "elasticsearch-reset-password",
        """$ bin/elasticsearch-reset-password -u elastic -b
Password for the [elastic] user successfully reset.
New value: ⟦ES20⟧
""",
    ),
    (
        "rabbitmq.conf",
        """default_user = ⟦svc⟧
default_pass = ⟦PW⟧
""",
    ),
    (
        "kafka server.properties",
        """ssl.keystore.location=/etc/kafka/secrets/broker.keystore.jks
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="⟦svc⟧" password="⟦PWU⟧";
""",
    ),
    (
        "zookeeper JAAS DigestLoginModule",
        """Server {
    org.apache.zookeeper.server.auth.DigestLoginModule required
    user_kafka="⟦PWU⟧";
};
""",
    ),
    (
        "clickhouse users.xml",
        """<clickhouse>
  <users>
    <⟦svc⟧>
      <password>⟦PW⟧</password>
      <networks><ip>::/0</ip></networks>
    </⟦svc⟧>
  </users>
</clickhouse>
""",
    ),
    (
        "influx CLI configs token",
        """[default]
  url = "https://⟦fqdn⟧:8086"
  token = "⟦INFLUX⟧"
  org = "⟦word⟧"
  active = true
""",
    ),
]

# ---------------------------------------------------------------------------------------------
# 8. directory services and authentication
# ---------------------------------------------------------------------------------------------


def _t_ldif_b64(g: Gen) -> str:
    return f"""dn: uid=⟦user⟧,ou=people,⟦dc⟧
objectClass: inetOrgPerson
uid: ⟦user⟧
cn: ⟦name⟧
userPassword:: {g.mark(b64(g.raw("PWH")))}
"""


FAMILIES["directory_auth"] = [
    (
        "ldapsearch -w",
        """$ ldapsearch -x -H ldaps://⟦fqdn⟧ -D "cn=admin,⟦dc⟧" -w ⟦PW⟧ -b "ou=people,⟦dc⟧" "(uid=⟦user⟧)" mail
""",
    ),
    (
        "slapd.conf rootpw SSHA",
        """database        mdb
suffix          "⟦dc⟧"
rootdn          "cn=Manager,⟦dc⟧"
rootpw          ⟦SSHA⟧
""",
    ),
    ("ldif userPassword:: base64", _t_ldif_b64),
    (
        "sssd.conf ldap_default_authtok",
        """[domain/⟦domain⟧]
id_provider = ldap
ldap_uri = ldaps://⟦fqdn⟧
ldap_default_bind_dn = cn=⟦svc⟧,ou=services,⟦dc⟧
ldap_default_authtok_type = password
ldap_default_authtok = ⟦PWH⟧
""",
    ),
    (
        "kadmin -w",
        """$ kadmin -p admin/admin@⟦realm⟧ -w ⟦PW⟧ -q "addprinc -randkey HTTP/⟦fqdn⟧@⟦realm⟧"
Authenticating as principal admin/admin@⟦realm⟧ with password.
""",
    ),
    (
        "ktpass /pass",
        r"""C:\> ktpass /princ HTTP/⟦fqdn⟧@⟦realm⟧ /mapuser ⟦ntdom⟧\⟦svc⟧ /pass ⟦PW⟧ /out C:\temp\http.keytab /crypto AES256-SHA1 /ptype KRB5_NT_PRINCIPAL
Targeting domain controller: ⟦hostu⟧.⟦domain⟧
""",
    ),
    (
        "net ads join -U user%pass",
        """# net ads join -U Administrator%⟦PWH⟧ createcomputer=Servers/Linux
Using short domain name -- ⟦ntdom⟧
Joined '⟦hostu⟧' to dns domain '⟦domain⟧'
""",
    ),
    (
        "smbclient -U domain\\user%pass",
        r"""$ smbclient //⟦host⟧/finance -U '⟦ntdom⟧\⟦user⟧%⟦PW⟧' -c 'ls'
  .                                   D        0  Tue Dec  1 18:02:11 2026
""",
    ),
    (
        "cifs credentials file",
        """$ sudo cat /etc/samba/creds/finance
username=⟦user⟧
password=⟦PWN⟧
domain=⟦ntdom⟧
""",
    ),
    (
        "ipa-server-install -p -a",
        """# ipa-server-install -U -r ⟦realm⟧ -n ⟦domain⟧ -p ⟦PW⟧ -a ⟦PW⟧ --setup-dns --no-forwarders
""",
    ),
    (
        "keycloak realm export bindCredential",
        """      "config": {
        "vendor": ["ad"],
        "connectionUrl": ["ldaps://⟦fqdn⟧:636"],
        "bindDn": ["cn=⟦svc⟧,ou=services,⟦dc⟧"],
        "bindCredential": ["⟦PW⟧"],
        "usersDn": ["ou=people,⟦dc⟧"]
      }
""",
    ),
]

# ---------------------------------------------------------------------------------------------
# 9. VPN and network devices
# ---------------------------------------------------------------------------------------------


def _t_openvpn_static(g: Gen) -> str:
    lines = [g.hexs(32) for _ in range(16)]
    lines[2] = g.mark(lines[2])
    body = "\n".join(lines)
    return f"""<tls-crypt>
#
# 2048 bit OpenVPN static key
#
-----BEGIN OpenVPN Static key V1-----
{body}
-----END OpenVPN Static key V1-----
</tls-crypt>
"""


FAMILIES["vpn_network_devices"] = [
    (
        "openvpn auth-user-pass file",
        """$ sudo cat /etc/openvpn/client/auth.txt
⟦user⟧
⟦PW⟧
""",
    ),
    ("openvpn tls-crypt static key", _t_openvpn_static),
    (
        "wireguard wg0.conf",
        """[Interface]
PrivateKey = ⟦WGKEY⟧
Address = 10.8.0.⟦n2⟧/24
ListenPort = 51820

[Peer]
PublicKey = ⟦wgpub⟧
AllowedIPs = 10.8.0.0/24
""",
    ),
    (
        "ipsec.secrets PSK EAP",
        """# /etc/ipsec.secrets
⟦pubip⟧ ⟦pubip.2⟧ : PSK "⟦PWL⟧"
""",
    ),
    (
        "bind TSIG key",
        """key "⟦host⟧-xfer" {
    algorithm hmac-sha256;
    secret "⟦B64_32⟧";
};
""",
    ),
    (
        "cisco enable secret and type 7",
        """⟦hostu⟧#show running-config | include secret|password
enable secret 9 ⟦CISCO9⟧
username netadmin privilege 15 password 7 ⟦CISCO7⟧
""",
    ),
    (
        "junos set commands",
        """set system root-authentication encrypted-password "⟦SHA512CRYPT⟧"
set protocols bgp group TRANSIT neighbor ⟦pubip⟧ authentication-key "⟦JUNIPER9⟧"
""",
    ),
    (
        "freeradius clients.conf",
        """client ⟦host⟧ {
    ipaddr = ⟦ip⟧
    secret = ⟦PW⟧
    shortname = ⟦host⟧
}
""",
    ),
    (
        "fortigate psksecret ENC",
        """config vpn ipsec phase1-interface
    edit "to-⟦word⟧"
        set interface "wan1"
        set psksecret ENC ⟦FORTIENC⟧
    next
end
""",
    ),
    (
        "net-snmp createUser",
        """createUser ⟦svc⟧ SHA "⟦PW⟧" AES
rouser ⟦svc⟧ priv
""",
    ),
    (
        "hostapd wpa_passphrase",
        """interface=wlan0
ssid=⟦cword⟧-Guest
wpa=2
wpa_key_mgmt=WPA-PSK
wpa_passphrase=⟦PWWN⟧
""",
    ),
]

# ---------------------------------------------------------------------------------------------
# 10. mail servers and clients
# ---------------------------------------------------------------------------------------------

FAMILIES["mail_servers"] = [
    (
        "postfix sasl_passwd",
        """$ sudo cat /etc/postfix/sasl_passwd
[smtp.⟦domain⟧]:587    ⟦email⟧:⟦PW⟧
""",
    ),
    (
        "dovecot passwd-file",
        """⟦user⟧:{SHA512-CRYPT}⟦SHA512CRYPT⟧:⟦uid⟧:⟦uid⟧::/var/vmail/⟦user⟧::
""",
    ),
    (
        "exim client_send",
        """smarthost_login:
  driver = plaintext
  public_name = LOGIN
  client_send = : ⟦svc⟧ : ⟦PW⟧
""",
    ),
    (
        "fetchmailrc",
        """poll imap.⟦domain⟧ protocol IMAP user "⟦email⟧" there with password "⟦PWH⟧" is ⟦user⟧ here ssl
""",
    ),
    (
        "msmtprc",
        """account default
host smtp.⟦domain⟧
port 587
auth on
tls on
user ⟦email⟧
password ⟦PW⟧
""",
    ),
    (
        "muttrc imap_pass smtp_url",
        """set imap_user = "⟦email⟧"
set smtp_url = "smtps://⟦user⟧:⟦PWU⟧@smtp.⟦domain⟧:465/"
""",
    ),
    (
        "postfix mysql lookup",
        """# /etc/postfix/mysql-virtual-mailbox-maps.cf
user = mailuser
password = ⟦PW⟧
hosts = 127.0.0.1
dbname = mailserver
query = SELECT 1 FROM virtual_users WHERE email='%s'
""",
    ),
    (
        "dovecot-sql connect",
        """connect = host=⟦host⟧ dbname=mail user=dovecot password=⟦PWU⟧
default_pass_scheme = SHA512-CRYPT
""",
    ),
    (
        "roundcube config.inc.php",
        """$config['db_dsnw'] = 'mysql://roundcube:⟦PWU⟧@localhost/roundcube';
""",
    ),
    (
        "s-nail mta url",
        """set mta=smtp://⟦user⟧:⟦PWU⟧@smtp.⟦domain⟧:587 smtp-use-starttls smtp-auth=login
""",
    ),
    (
        "offlineimaprc remotepass",
        """[Repository remote]
type = IMAP
remotehost = imap.⟦domain⟧
remoteuser = ⟦email⟧
remotepass = ⟦PWN⟧
""",
    ),
]


# ---------------------------------------------------------------------------------------------
# 11. CI/CD
# ---------------------------------------------------------------------------------------------

FAMILIES["ci_cd"] = [
    (
        "jenkins credentials.xml encrypted",
        """<com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl>
  <scope>GLOBAL</scope>
  <id>⟦word⟧-deploy</id>
  <username>⟦svc⟧</username>
  <password>⟦JENKINSENC⟧</password>
</com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl>
""",
    ),
    (
        "jenkins console sh curl PRIVATE-TOKEN",
        """[Pipeline] sh
+ curl -sf -H 'PRIVATE-TOKEN: ⟦GLPAT⟧' https://gitlab.⟦domain⟧/api/v4/projects/⟦n4⟧/pipelines?ref=main
[Pipeline] }
""",
    ),
    (
        "gitlab job log set -x export",
        """Running with gitlab-runner 17.5.2 (⟦hex8⟧)
  on docker-autoscaler ⟦alnum8⟧, system ID: s_⟦hex12⟧
$ set -x; export TF_VAR_db_password=⟦PW⟧
+ export TF_VAR_db_password=⟦PW⟧
""",
    ),
    (
        "github actions npm debug",
        """⟦iso7⟧ ##[group]Run npm publish --access public
⟦iso7⟧ npm notice Publishing to https://registry.npmjs.org/ with tag latest and public access
⟦iso7⟧ npm http fetch PUT 403 https://registry.npmjs.org/@⟦word⟧%2f⟦app⟧ 612ms (authorization: Bearer ⟦NPM⟧)
""",
    ),
    (
        ".gitlab-ci.yml variables",
        """variables:
  SONAR_HOST_URL: "https://sonar.⟦domain⟧"
  SONAR_TOKEN: "⟦SONAR⟧"
  GIT_DEPTH: "0"
""",
    ),
    (
        "argocd repository secret",
        """apiVersion: v1
kind: Secret
metadata:
  name: repo-⟦app⟧-deploy
  labels:
    argocd.argoproj.io/secret-type: repository
stringData:
  url: https://github.com/⟦word⟧/⟦app⟧-deploy
  username: ⟦user⟧
  password: ⟦GHPAT⟧
""",
    ),
    (
        "flux bootstrap set -x",
        """+ GITHUB_TOKEN=⟦GHP⟧ flux bootstrap github --owner=⟦word⟧ --repository=fleet --path=clusters/⟦env⟧ --token-auth
► connecting to github.com
""",
    ),
    (
        "teamcity build log -D password",
        """[03:14:07] :	 [Step 2/4] Starting: /opt/buildagent/temp/agentTmp/custom_script⟦n5⟧
[03:14:07] :	 [Step 2/4] + mvn -B deploy -Dnexus.username=deployment -Dnexus.password=⟦PW⟧
""",
    ),
    (
        "github workflow env hardcoded",
        """    env:
      SLACK_WEBHOOK: https://hooks.slack.com/services/T⟦alnum10⟧/B⟦alnum10⟧/⟦SLACKHOOK⟧
""",
    ),
    (
        "gitlab-runner register --token",
        """$ sudo gitlab-runner register --non-interactive --url https://gitlab.⟦domain⟧/ --token ⟦GLRT⟧ --executor docker --docker-image alpine:3.20
Runtime platform                                    arch=amd64 os=linux pid=⟦pid⟧ revision=⟦hex8⟧ version=17.5.2
""",
    ),
    (
        "argocd initial admin secret",
        """$ kubectl -n argocd get secret argocd-initial-admin-secret -o jsonpath="{.data.password}" | base64 -d; echo
⟦ARGOPW⟧
""",
    ),
]

# ---------------------------------------------------------------------------------------------
# 12. infrastructure as code and configuration management
# ---------------------------------------------------------------------------------------------

FAMILIES["iac_config_mgmt"] = [
    (
        "terraform.tfvars",
        """db_username          = "⟦svc⟧"
cloudflare_api_token = "⟦CLOUDFLARE⟧"
""",
    ),
    (
        "terraform.tfstate attributes",
        """        {
          "schema_version": 2,
          "attributes": {
            "identifier": "⟦app⟧-prod",
            "master_password": "⟦PW⟧",
            "master_username": "⟦svc⟧",
""",
    ),
    (
        "terraform plan ssm value",
        """  # aws_ssm_parameter.partner_api_key will be created
  + resource "aws_ssm_parameter" "partner_api_key" {
      + name  = "/⟦app⟧/prod/partner-api-key"
      + type  = "String"
      + value = "⟦ALNUM40⟧"
    }
""",
    ),
    (
        "terraform output -json",
        """$ terraform output -json
{
  "admin_password": {"sensitive": true, "type": "string", "value": "⟦PWY⟧"}
}
""",
    ),
    (
        "ansible inventory ssh_pass",
        """[db]
⟦host⟧ ansible_host=⟦ip⟧ ansible_user=⟦svc⟧ ansible_ssh_pass=⟦PW⟧
""",
    ),
    (
        "ansible-playbook -e",
        """$ ansible-playbook site.yml -i inventories/prod -e "mysql_root_password=⟦PW⟧" --limit ⟦host⟧
""",
    ),
    (
        "ansible changed item loop",
        """changed: [⟦host⟧] => (item={'name': '⟦svc⟧', 'password': '⟦PW⟧', 'priv': '*.*:ALL'})
""",
    ),
    (
        "ansible vault password file",
        """$ cat ~/.vault_pass.txt
⟦PWW⟧
$ ansible-vault view group_vars/prod/vault.yml --vault-password-file ~/.vault_pass.txt
""",
    ),
    (
        "hiera plaintext",
        """profile::monitoring::datadog_api_key: '⟦HEX32⟧'
profile::db::password: ENC[PKCS7,MIIBiQYJKoZIhvcNAQcDoIIBejCCAXYCAQAxggEhMIIBHQIBADAFMAACAQEw]
""",
    ),
    (
        "knife data bag show",
        """$ knife data bag show credentials ⟦app⟧ --secret-file ~/.chef/encrypted_data_bag_secret -F json
{
  "id": "⟦app⟧",
  "smtp_password": "⟦PWS⟧"
}
""",
    ),
    (
        "salt pillar",
        """mysql:
  server:
    root_password: '⟦PWH⟧'
""",
    ),
    (
        "cloud-init chpasswd",
        """#cloud-config
chpasswd:
  expire: false
  users:
    - {name: ⟦user⟧, password: ⟦PWS⟧, type: text}
""",
    ),
]

# ---------------------------------------------------------------------------------------------
# 13. application framework configuration
# ---------------------------------------------------------------------------------------------


def _t_npmrc(g: Gen) -> str:
    auth = b64(f"{g.f('user')}:{g.raw('PWU')}")
    return f"""$ cat ~/.npmrc
@⟦word⟧:registry=https://⟦word⟧.jfrog.io/artifactory/api/npm/npm/
//⟦word⟧.jfrog.io/artifactory/api/npm/npm/:_auth={g.mark(auth)}
always-auth=true
"""


FAMILIES["app_framework_configs"] = [
    (
        "spring application.properties",
        """spring.datasource.url=jdbc:mysql://⟦fqdn⟧:3306/⟦db⟧?useSSL=true
spring.datasource.username=⟦svc⟧
spring.datasource.password=⟦PW⟧
""",
    ),
    (
        "spring application.yml client-secret",
        """spring:
  security:
    oauth2:
      client:
        registration:
          keycloak:
            client-id: ⟦app⟧
            client-secret: ⟦ALNUM32⟧
""",
    ),
    (
        "appsettings.json",
        """{
  "ConnectionStrings": {
    "Default": "Server=⟦host⟧;Database=⟦db⟧;User Id=⟦svc⟧;Password=⟦PW⟧;TrustServerCertificate=True"
  },
  "Jwt": { "Issuer": "https://⟦fqdn⟧" }
}
""",
    ),
    (
        "django settings SECRET_KEY",
        """SECRET_KEY = "⟦DJANGO⟧"
DEBUG = False
ALLOWED_HOSTS = ["⟦fqdn⟧"]
""",
    ),
    (
        "rails credentials:show",
        """$ bin/rails credentials:show
secret_key_base: ⟦HEX128⟧
""",
    ),
    (
        "laravel .env",
        """APP_NAME=⟦capp⟧
APP_KEY=base64:⟦B64_32⟧
DB_PASSWORD=⟦PW⟧
""",
    ),
    (".npmrc _auth base64", _t_npmrc),
    (
        ".pypirc",
        """[distutils]
index-servers = pypi

[pypi]
username = __token__
password = ⟦PYPI⟧
""",
    ),
    (
        "maven settings.xml server",
        """<servers>
  <server>
    <id>nexus-releases</id>
    <username>deployment</username>
    <password>⟦PW⟧</password>
  </server>
</servers>
""",
    ),
    (
        "NuGet.Config ClearTextPassword",
        """<packageSourceCredentials>
  <internal>
    <add key="Username" value="⟦user⟧" />
    <add key="ClearTextPassword" value="⟦ADO⟧" />
  </internal>
</packageSourceCredentials>
""",
    ),
    (
        "wp-config.php",
        """define( 'DB_USER', '⟦svc⟧' );
define( 'AUTH_KEY',         '⟦WPSALT⟧' );
""",
    ),
    (
        "elixir runtime.exs secret_key_base",
        """config :⟦app⟧, ⟦capp⟧Web.Endpoint,
  url: [host: "⟦fqdn⟧", port: 443],
  secret_key_base: "⟦B64_48⟧"
""",
    ),
]

# ---------------------------------------------------------------------------------------------
# 14. connection strings
# ---------------------------------------------------------------------------------------------

FAMILIES["connection_strings"] = [
    (
        "postgres URL env",
        """DATABASE_URL=postgres://⟦svc⟧:⟦PWU⟧@⟦fqdn⟧:5432/⟦db⟧?sslmode=require
""",
    ),
    (
        "jdbc postgresql password param in log",
        """⟦javats⟧ INFO  [main] c.z.h.HikariDataSource - HikariPool-1 - Starting with jdbcUrl=jdbc:postgresql://⟦fqdn⟧:5432/⟦db⟧?user=⟦svc⟧&password=⟦PWU⟧&ssl=true
""",
    ),
    (
        "jdbc sqlserver semicolon",
        """jdbc:sqlserver://⟦host⟧:1433;databaseName=⟦db⟧;user=⟦svc⟧;password=⟦PW⟧;encrypt=true;trustServerCertificate=false
""",
    ),
    (
        "odbc Pwd braces",
        """Driver={ODBC Driver 18 for SQL Server};Server=tcp:⟦host⟧,1433;Database=⟦db⟧;Uid=⟦svc⟧;Pwd={⟦PWY⟧};Encrypt=yes;
""",
    ),
    (
        "oracle sqlplus ezconnect",
        """$ sqlplus ⟦svc⟧/⟦PWU⟧@//⟦fqdn⟧:1521/ORCLPDB1
SQL*Plus: Release 19.0.0.0.0 - Production on Wed Dec 2 03:14:07 2026
""",
    ),
    (
        "mongodb+srv percent-encoded",
        """MONGO_URI=mongodb+srv://⟦svc⟧:⟦PWE⟧@cluster0.⟦alnum5⟧.mongodb.net/⟦db⟧?retryWrites=true&w=majority
""",
    ),
    (
        "azure service bus",
        """Endpoint=sb://⟦word⟧-bus.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=⟦B64_32⟧
""",
    ),
    (
        "azure storage connection string",
        """DefaultEndpointsProtocol=https;AccountName=⟦word⟧store;AccountKey=⟦AZSTORAGE⟧;EndpointSuffix=core.windows.net
""",
    ),
    (
        "azure redis stackexchange",
        """"Redis": "⟦word⟧-cache.redis.cache.windows.net:6380,password=⟦B64_32⟧,ssl=True,abortConnect=False"
""",
    ),
    (
        "git remote -v oauth2 token",
        """$ git remote -v
origin	https://oauth2:⟦GLPAT⟧@gitlab.⟦domain⟧/⟦word⟧/⟦app⟧.git (fetch)
origin	https://oauth2:⟦GLPAT⟧@gitlab.⟦domain⟧/⟦word⟧/⟦app⟧.git (push)
""",
    ),
    (
        "libpq keyword dsn in go log",
        """⟦gots⟧ db: connecting dsn="host=⟦host⟧ port=5432 user=⟦svc⟧ password=⟦PW⟧ dbname=⟦db⟧ sslmode=verify-full"
""",
    ),
    (
        "lftp sftp url",
        """$ lftp -e 'mirror -R /var/www /htdocs; quit' sftp://⟦user⟧:⟦PWU⟧@⟦fqdn⟧
""",
    ),
]

# ---------------------------------------------------------------------------------------------
# 15. cloud CLIs and SDKs
# ---------------------------------------------------------------------------------------------


def _t_gcp_sa_json(g: Gen) -> str:
    lines = g.pem_lines(1190, "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQ")
    lines[3] = g.mark(lines[3])
    key = "\\n".join(["-----BEGIN PRIVATE KEY-----", *lines, "-----END PRIVATE KEY-----", ""])
    return f"""{{
  "type": "service_account",
  "project_id": "⟦word⟧-prod-⟦n6⟧",
  "private_key_id": "⟦hex40⟧",
  "private_key": "{key}",
  "client_email": "⟦app⟧-sync@⟦word⟧-prod-⟦n6⟧.iam.gserviceaccount.com",
  "client_id": "⟦n19⟧"
}}
"""


FAMILIES["cloud_cli_sdk"] = [
    (
        "~/.aws/credentials",
        """[default]
aws_access_key_id = ⟦akid⟧
aws_secret_access_key = ⟦AWSSK⟧
""",
    ),
    (
        "aws sts assume-role output",
        """{
    "Credentials": {
        "AccessKeyId": "⟦asia⟧",
        "SecretAccessKey": "⟦AWSSK⟧",
        "Expiration": "⟦isooff⟧"
    }
}
""",
    ),
    (
        "botocore debug security token",
        """⟦javats⟧ botocore.endpoint [DEBUG] Sending http request: <AWSPreparedRequest stream_output=False, method=POST, url=https://sts.⟦region⟧.amazonaws.com/, headers={'Content-Type': b'application/x-www-form-urlencoded; charset=utf-8', 'X-Amz-Date': b'⟦compact⟧', 'X-Amz-Security-Token': b'⟦AWSST⟧', 'Authorization': b'AWS4-HMAC-SHA256 Credential=⟦asia⟧/20261202/⟦region⟧/sts/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, Signature=⟦hex64⟧'}>
""",
    ),
    ("gcp service account key json", _t_gcp_sa_json),
    (
        "gcloud auth print-access-token",
        """$ gcloud auth print-access-token
⟦YA29⟧
""",
    ),
    (
        "application_default_credentials.json",
        """{
  "client_id": "⟦n12⟧-⟦alnum24⟧.apps.googleusercontent.com",
  "refresh_token": "⟦GREFRESH⟧",
  "type": "authorized_user"
}
""",
    ),
    (
        "az ad sp create-for-rbac",
        """{
  "appId": "⟦uuid⟧",
  "displayName": "⟦app⟧-deployer",
  "password": "⟦AZADSECRET⟧",
  "tenant": "⟦uuid.2⟧"
}
""",
    ),
    (
        "az storage account keys list table",
        """KeyName    Permissions    Value
---------  -------------  ----------------------------------------------------------------------------------------
key1       FULL           ⟦AZSTORAGE⟧
""",
    ),
    (
        "oci config pass_phrase",
        """[DEFAULT]
user=ocid1.user.oc1..aaaaaaaa⟦alnum24⟧
key_file=~/.oci/oci_api_key.pem
pass_phrase=⟦PWW⟧
region=eu-frankfurt-1
""",
    ),
    (
        "aliyun config.json",
        """      "access_key_id": "LTAI⟦alnum22⟧",
      "access_key_secret": "⟦ALIYUN⟧",
      "region_id": "cn-hangzhou",
""",
    ),
    (
        "openstack openrc",
        """export OS_AUTH_URL=https://⟦fqdn⟧:5000/v3
export OS_USERNAME=⟦user⟧
export OS_PASSWORD=⟦PW⟧
export OS_PROJECT_NAME=⟦word⟧
""",
    ),
    (
        "scaleway config secret_key uuid",
        """access_key: SCW⟦alnum10⟧XYZ⟦n4⟧
secret_key: ⟦UUIDS⟧
default_organization_id: ⟦uuid⟧
""",
    ),
]

# ---------------------------------------------------------------------------------------------
# 16. HTTP traces
# ---------------------------------------------------------------------------------------------


def _t_curl_basic(g: Gen) -> str:
    user = g.f("svc")
    pw = g.raw("PW")
    return f"""$ curl -v -u {user}:{g.mark(pw)} https://⟦fqdn⟧:9200/_cluster/health
*   Trying ⟦ip⟧:9200...
* Connected to ⟦fqdn⟧ (⟦ip⟧) port 9200
* Server auth using Basic with user '{user}'
> GET /_cluster/health HTTP/1.1
> Host: ⟦fqdn⟧:9200
> Authorization: Basic {g.mark(b64(f"{user}:{pw}"))}
> User-Agent: curl/8.5.0
>
< HTTP/1.1 200 OK
"""


def _t_tcpdump_basic(g: Gen) -> str:
    blob = b64(f"{g.f('user')}:{g.raw('PWS')}")
    return f"""03:14:07.221043 IP ⟦ip⟧.⟦eport⟧ > ⟦ip.2⟧.9100: Flags [P.], seq 1:212, ack 1, win 502, length 211
E.....@.@...
GET /metrics HTTP/1.1
Host: ⟦ip.2⟧:9100
Authorization: Basic {g.mark(blob)}
User-Agent: Prometheus/2.55.1
"""


FAMILIES["http_traces"] = [
    (
        "curl -v bearer",
        """$ curl -v https://api.⟦domain⟧/v1/accounts/me -H "Authorization: Bearer ⟦JWT⟧"
* Connected to api.⟦domain⟧ (⟦pubip⟧) port 443
> GET /v1/accounts/me HTTP/2
> Host: api.⟦domain⟧
> authorization: Bearer ⟦JWT⟧
>
< HTTP/2 401
""",
    ),
    ("curl -v -u basic", _t_curl_basic),
    (
        "httpie login",
        """$ http -v POST https://⟦fqdn⟧/api/login username=⟦user⟧ password=⟦PWH⟧
POST /api/login HTTP/1.1
Content-Type: application/json

{
    "password": "⟦PWH⟧",
    "username": "⟦user⟧"
}
""",
    ),
    (
        "HAR postData client_secret",
        """          "postData": {
            "mimeType": "application/x-www-form-urlencoded",
            "text": "grant_type=client_credentials&client_id=⟦app⟧-web&client_secret=⟦ALNUM32⟧"
          },
""",
    ),
    (
        "nginx access log api_key query",
        """⟦pubip⟧ - - [⟦apachets⟧] "GET /api/export?format=csv&api_key=⟦HEX32⟧ HTTP/1.1" 200 48213 "-" "python-requests/2.32.3"
""",
    ),
    (
        "squid access log pass query",
        """⟦epochf⟧    412 ⟦ip⟧ TCP_MISS/200 1832 GET http://⟦fqdn⟧/cgi-bin/status.cgi?user=admin&pass=⟦PWS⟧ - HIER_DIRECT/⟦ip.2⟧ text/html
""",
    ),
    (
        "mitmproxy dump header",
        """>> POST https://⟦word⟧.myshopify.com/admin/api/2024-10/graphql.json
   x-shopify-access-token: ⟦SHOPIFY⟧
   content-type: application/json
""",
    ),
    (
        "raw form post pwd urlencoded",
        """POST /wp-login.php HTTP/1.1
Host: ⟦fqdn⟧
Content-Type: application/x-www-form-urlencoded

log=⟦user⟧&pwd=⟦PWE⟧&wp-submit=Log+In&redirect_to=%2Fwp-admin%2F&testcookie=1
""",
    ),
    ("tcpdump -A basic", _t_tcpdump_basic),
    (
        "python http.client debug",
        r"""send: b'POST /v1/messages HTTP/1.1\r\nHost: api.anthropic.com\r\nx-api-key: ⟦ANTHROPIC⟧\r\ncontent-type: application/json\r\n\r\n'
reply: 'HTTP/1.1 200 OK\r\n'
""",
    ),
    (
        "browser console websocket token",
        """WebSocket connection to 'wss://⟦fqdn⟧/socket/websocket?access_token=⟦JWT⟧&vsn=2.0.0' failed: Error during WebSocket handshake: Unexpected response code: 403
""",
    ),
]


# ---------------------------------------------------------------------------------------------
# 17. protocol transcripts
# ---------------------------------------------------------------------------------------------


def _t_smtp_auth_login(g: Gen) -> str:
    return f"""$ openssl s_client -starttls smtp -connect smtp.⟦domain⟧:587 -crlf -quiet
250 SMTPUTF8
EHLO ⟦host⟧
250-smtp.⟦domain⟧ Hello ⟦host⟧
AUTH LOGIN
334 VXNlcm5hbWU6
{b64(g.f("email"))}
334 UGFzc3dvcmQ6
{g.mark(b64(g.raw("PW")))}
235 2.7.0 Authentication successful
"""


def _t_smtp_auth_plain(g: Gen) -> str:
    blob = b64(f"\x00{g.f('email')}\x00{g.raw('PWH')}")
    return f"""<- 250-AUTH PLAIN LOGIN
-> AUTH PLAIN {g.mark(blob)}
<- 235 2.7.0 Accepted
"""


def _t_resp_ngrep(g: Gen) -> str:
    pw = g.raw("PWL")
    return f"""T ⟦ip⟧:⟦eport⟧ -> ⟦ip.2⟧:6379 [AP] #4
  *2..$4..AUTH..${len(pw)}..{g.mark(pw)}..
"""


def _t_proxy_auth(g: Gen) -> str:
    blob = b64(f"{g.f('user')}:{g.raw('PW')}")
    return f"""CONNECT api.⟦domain⟧:443 HTTP/1.1
Host: api.⟦domain⟧:443
Proxy-Authorization: Basic {g.mark(blob)}
User-Agent: curl/8.5.0
"""


FAMILIES["protocol_transcripts"] = [
    ("SMTP AUTH LOGIN", _t_smtp_auth_login),
    ("SMTP AUTH PLAIN", _t_smtp_auth_plain),
    (
        "IMAP LOGIN",
        """* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS AUTH=PLAIN] Dovecot ready.
a1 LOGIN "⟦email⟧" "⟦PW⟧"
a1 OK [CAPABILITY IMAP4rev1] Logged in
""",
    ),
    (
        "POP3 USER PASS",
        """+OK Dovecot ready.
USER ⟦user⟧
+OK
PASS ⟦PWS⟧
+OK Logged in.
""",
    ),
    (
        "FTP USER PASS",
        """220 ProFTPD Server (⟦capp⟧ FTP) [⟦ip⟧]
USER ⟦svc⟧
331 Password required for ⟦svc⟧
PASS ⟦PW⟧
230 User ⟦svc⟧ logged in
""",
    ),
    (
        "redis MONITOR AUTH",
        """⟦epochf⟧034 [0 ⟦ip⟧:⟦eport⟧] "AUTH" "⟦svc⟧" "⟦PWU⟧"
⟦epochf.2⟧310 [0 ⟦ip⟧:⟦eport⟧] "SELECT" "2"
""",
    ),
    ("ngrep RESP AUTH", _t_resp_ngrep),
    (
        "mysql general log CREATE USER",
        """⟦iso⟧	   ⟦n3⟧ Connect	⟦svc⟧@⟦ip⟧ on ⟦db⟧ using SSL/TLS
⟦iso.2⟧	   ⟦n3⟧ Query	CREATE USER 'reporting'@'%' IDENTIFIED BY '⟦PW⟧'
""",
    ),
    (
        "postgres log statement ALTER ROLE",
        """⟦tsms⟧ UTC [⟦pid⟧] ⟦svc⟧@⟦db⟧ LOG:  statement: ALTER ROLE app_ro WITH LOGIN PASSWORD '⟦PW⟧' VALID UNTIL '2027-03-01';
""",
    ),
    (
        "IRC PASS and NickServ",
        """NICK ⟦user⟧
:NickServ!NickServ@services. NOTICE ⟦user⟧ :This nickname is registered.
PRIVMSG NickServ :IDENTIFY ⟦PWS⟧
""",
    ),
    (
        "tshark LDAP simple bind",
        """Lightweight Directory Access Protocol
    LDAPMessage bindRequest(1) "cn=⟦svc⟧,ou=services,⟦dc⟧" simple
        messageID: 1
        protocolOp: bindRequest (0)
            bindRequest
                version: 3
                name: cn=⟦svc⟧,ou=services,⟦dc⟧
                authentication: simple (0)
                    simple: ⟦PW⟧
""",
    ),
    ("HTTP CONNECT Proxy-Authorization", _t_proxy_auth),
]

# ---------------------------------------------------------------------------------------------
# 18. database clients and SQL
# ---------------------------------------------------------------------------------------------

FAMILIES["db_client_sql"] = [
    (
        "psql CREATE USER PASSWORD",
        """⟦db⟧=# CREATE USER ⟦svc⟧ WITH ENCRYPTED PASSWORD '⟦PW⟧';
CREATE ROLE
""",
    ),
    (
        "mysql ALTER USER IDENTIFIED BY",
        """mysql> ALTER USER 'root'@'localhost' IDENTIFIED WITH caching_sha2_password BY '⟦PWH⟧';
Query OK, 0 rows affected (0.02 sec)
""",
    ),
    (
        "mongosh createUser",
        """admin> db.createUser({user: "⟦svc⟧", pwd: "⟦PWU⟧", roles: [{role: "readWrite", db: "⟦db⟧"}]})
{ ok: 1 }
""",
    ),
    (
        "redis-cli AUTH CONFIG SET",
        """127.0.0.1:6379> AUTH ⟦PWL⟧
OK
""",
    ),
    (
        "sqlcmd CREATE LOGIN N''",
        """1> CREATE LOGIN [⟦svc⟧] WITH PASSWORD = N'⟦PWN⟧', CHECK_POLICY = OFF;
2> GO
""",
    ),
    (
        "sqlplus ALTER USER IDENTIFIED BY",
        """SQL> ALTER USER ⟦svcu⟧ IDENTIFIED BY "⟦PW⟧" ACCOUNT UNLOCK;

User altered.
""",
    ),
    (
        "psql table api keys column",
        """ id  |     name      |                 key                  |     created_at
-----+---------------+--------------------------------------+---------------------
 ⟦n3⟧ | ⟦word⟧-sync   | ⟦STRIPESK⟧ | ⟦tsz⟧
 ⟦n3.2⟧ | ⟦word.2⟧-legacy | (revoked)                            | ⟦tsz.2⟧
(2 rows)
""",
    ),
    (
        "mysql \\G vertical",
        """*************************** 1. row ***************************
           id: ⟦n4⟧
     username: ⟦user⟧
    api_token: ⟦HEX40⟧
last_login_at: ⟦tsz⟧
""",
    ),
    (
        "sqlite3 settings rows",
        """sqlite> select name, value from settings where name like 'smtp%';
smtp_host|smtp.⟦domain⟧
smtp_user|⟦email⟧
smtp_pass|⟦PW⟧
""",
    ),
    (
        "mysqldump INSERT oauth_clients",
        """INSERT INTO `oauth_clients` (`id`, `name`, `secret`, `redirect`, `revoked`) VALUES (3,'⟦capp⟧ Password Grant Client','⟦ALNUM40⟧','http://localhost',0);
""",
    ),
    (
        "pg_dumpall role SCRAM",
        """CREATE ROLE ⟦svc⟧;
ALTER ROLE ⟦svc⟧ WITH NOSUPERUSER INHERIT NOCREATEROLE NOCREATEDB LOGIN NOREPLICATION NOBYPASSRLS PASSWORD '⟦SCRAM⟧';
""",
    ),
    (
        "mysql.user authentication_string",
        """+------------------+-----------+-------------------------------------------+
| user             | host      | authentication_string                     |
+------------------+-----------+-------------------------------------------+
| ⟦svc⟧      | %         | ⟦MYSQLNATIVE⟧ |
+------------------+-----------+-------------------------------------------+
""",
    ),
]

# ---------------------------------------------------------------------------------------------
# 19. stack traces and crash dumps
# ---------------------------------------------------------------------------------------------

FAMILIES["stack_traces"] = [
    (
        "python traceback with locals",
        """Traceback (most recent call last):
  File "/srv/⟦app⟧/sync.py", line 88, in <module>
    client.connect(host, username=user, password=password)
  File "/srv/⟦app⟧/venv/lib/python3.11/site-packages/paramiko/client.py", line 485, in connect
    self._auth(username, password, pkey, key_filenames, allow_agent,
paramiko.ssh_exception.AuthenticationException: Authentication failed.
╭───────────── locals ─────────────╮
│     host = '⟦ip⟧'                │
│     user = '⟦svc⟧'               │
│ password = '⟦PW⟧'                │
╰──────────────────────────────────╯
""",
    ),
    (
        "java IllegalStateException jdbc url",
        """org.postgresql.util.PSQLException: FATAL: password authentication failed for user "⟦svc⟧"
	at org.postgresql.core.v3.ConnectionFactoryImpl.doAuthentication(ConnectionFactoryImpl.java:693)
	at org.postgresql.core.v3.ConnectionFactoryImpl.tryConnect(ConnectionFactoryImpl.java:203)
Wrapped by: java.lang.IllegalStateException: Unable to connect using url=jdbc:postgresql://⟦fqdn⟧:5432/⟦db⟧?user=⟦svc⟧&password=⟦PWU⟧
""",
    ),
    (
        "go panic struct %+v",
        """panic: failed to init storage: dial tcp ⟦ip⟧:9000: connect: connection refused

goroutine 1 [running]:
main.mustInit({Endpoint:⟦fqdn⟧:9000 AccessKey:⟦word⟧-minio SecretKey:⟦MINIO⟧ UseSSL:true})
	/src/cmd/⟦app⟧/main.go:57 +0x2f4
""",
    ),
    (
        "rust panic Debug",
        """thread 'main' panicked at src/config.rs:41:10:
called `Result::unwrap()` on an `Err` value: Auth { config: Config { endpoint: "https://⟦fqdn⟧", api_key: "⟦OPENAI⟧", timeout: 30s } }
note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace
""",
    ),
    (
        "node error config dump",
        """Error: getaddrinfo ENOTFOUND ⟦fqdn⟧
    at GetAddrInfoReqWrap.onlookup [as oncomplete] (node:dns:107:26) {
  errno: -3008,
  code: 'ENOTFOUND',
  config: {
    auth: { username: '⟦svc⟧', password: '⟦PW⟧' },
    headers: { 'X-Goog-Api-Key': '⟦GOOGLEAPI⟧' }
  }
}
""",
    ),
    (
        "rails log Parameters unfiltered",
        """Started POST "/users/sign_in" for ⟦pubip⟧ at ⟦tsz⟧ +0000
Processing by Devise::SessionsController#create as HTML
  Parameters: {"authenticity_token"=>"[FILTERED]", "user"=>{"email"=>"⟦email⟧", "passwd"=>"⟦PWH⟧"}, "commit"=>"Log in"}
""",
    ),
    (
        "php fatal PDO args",
        """PHP Fatal error:  Uncaught PDOException: SQLSTATE[HY000] [1045] Access denied for user '⟦svc⟧'@'⟦ip⟧' (using password: YES) in /var/www/html/lib/db.php:14
Stack trace:
#0 /var/www/html/lib/db.php(14): PDO->__construct('mysql:host=⟦host⟧;dbname=⟦db⟧', '⟦svc⟧', '⟦PW⟧')
#1 /var/www/html/index.php(7): Db::connect()
""",
    ),
    (
        ".NET exception connection string",
        """Unhandled exception. System.ArgumentException: Keyword not supported: 'pooling '.
   at Microsoft.Data.Common.DbConnectionOptions.ParseInternal(Dictionary`2 parsetable, String connectionString)
   ConnectionString: Server=tcp:⟦host⟧.database.windows.net,1433;Initial Catalog=⟦db⟧;User ID=⟦svc⟧;Password=⟦PW⟧;Pooling =true
""",
    ),
    (
        "elixir crash map password",
        """** (DBConnection.ConnectionError) connection not available and request was dropped from queue after 2000ms
    (ecto_sql 3.12.1) lib/ecto/adapters/sql.ex:1096: Ecto.Adapters.SQL.raise_sql_call_error/1
Last message: {:connect, %{hostname: "⟦host⟧", username: "⟦svc⟧", password: "⟦PW⟧", database: "⟦db⟧", port: 5432}}
""",
    ),
    (
        "strings core dump",
        """$ strings -n 8 core.⟦app⟧.⟦pid⟧ | grep -i -E 'bearer|vault'
Authorization: Bearer ⟦JWT⟧
""",
    ),
    (
        "jcmd VM.system_properties",
        """$ jcmd ⟦pid⟧ VM.system_properties | grep -i password
javax.net.ssl.keyStorePassword=⟦PW⟧
javax.net.ssl.trustStorePassword=changeit
""",
    ),
    (
        "erlang amqp_params_network",
        """** Reason for termination ==
** {auth_failure,"Refused"}
** Last message in was {connect,{amqp_params_network,<<"⟦svc⟧">>,<<"⟦PW⟧">>,<<"/">>,"⟦fqdn⟧",5672,2047,0,10,60000,none}}
""",
    ),
]

# ---------------------------------------------------------------------------------------------
# 20. chat in many languages
# ---------------------------------------------------------------------------------------------

FAMILIES["chat_multilingual"] = [
    (
        "de Passwort lautet",
        """⟦first⟧ (⟦hhmm⟧): Kannst du dich einloggen? Das Passwort für den Jenkins-Admin lautet ⟦PWH⟧ – bitte nach dem Incident ändern.
""",
    ),
    (
        "fr mot de passe root",
        """⟦first⟧ — ⟦hhmm⟧ : Le mot de passe root du serveur ⟦host⟧ est ⟦PW⟧, je le change demain matin.
""",
    ),
    (
        "es contraseña del VPN",
        """[⟦hhmm⟧] ⟦first⟧: Te paso la contraseña del VPN: ⟦PWS⟧ (usuario ⟦user⟧).
""",
    ),
    (
        "ru пароль от админки",
        """⟦first⟧ [⟦hhmm⟧]: Пароль от админки: ⟦PW⟧ — поменяй после инцидента.
""",
    ),
    (
        "el κωδικός Grafana",
        """⟦first⟧: Ο κωδικός για το Grafana είναι ⟦PWNGR⟧.
""",
    ),
    (
        "ja 本番DBのパスワード",
        """⟦first⟧ ⟦hhmm⟧ 本番DBのパスワードは ⟦PW⟧ です。障害対応後に変更してください。
""",
    ),
    (
        "zh 跳板机密码 adjacent",
        """⟦first⟧：跳板机密码是⟦PWU⟧，用完请告诉我重置。
""",
    ),
    (
        "ko 관리자 비밀번호",
        """⟦first⟧: 관리자 비밀번호는 ⟦PWH⟧ 입니다. 공유 금지!
""",
    ),
    (
        "ar كلمة المرور",
        """⟦first⟧: كلمة المرور لحساب الخدمة هي ⟦PW⟧ يرجى تغييرها بعد الحادث.
""",
    ),
    (
        "he הסיסמה",
        """⟦first⟧: הסיסמה לשרת הגיבוי היא ⟦PW⟧ תחליף אותה מחר.
""",
    ),
    (
        "tr sunucu şifresi",
        """⟦first⟧: Sunucu şifresi ⟦PWNTR⟧, kullanıcı adı ⟦user⟧.
""",
    ),
    (
        "de capitalized word at sentence start",
        """⟦first⟧: ⟦PWCW⟧ ist das neue Kennwort für den Tresor. Bitte nicht weitergeben.
""",
    ),
    (
        "en capitalized word answer",
        """⟦first⟧: what's the wifi password in the DC cage?
⟦first.2⟧: ⟦PWCW⟧ — capital first letter, no spaces.
""",
    ),
]

# ---------------------------------------------------------------------------------------------
# 21. e-mail and tickets
# ---------------------------------------------------------------------------------------------


def _t_qp_email(g: Gen) -> str:
    pw = g.raw("PWNLAT") + "=" + g.s(DIGITS, 2)
    qp = quopri.encodestring(pw.encode()).decode()
    return f"""From: ⟦name⟧ <⟦email⟧>
Subject: =?utf-8?q?Acc=C3=A8s_temporaire?=
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: quoted-printable

Bonjour,

Le mot de passe temporaire est : {g.mark(qp)}
Merci de le changer =C3=A0 la premi=C3=A8re connexion.
"""


FAMILIES["email_tickets"] = [
    (
        "de e-mail Zugangsdaten",
        """From: ⟦name⟧ <⟦email⟧>
To: ops-oncall@⟦domain⟧
Subject: Zugangsdaten Staging-Umgebung
Date: ⟦rfc2822⟧

Hallo Team,

hier die Zugangsdaten für die Staging-Datenbank:
Benutzer: ⟦svc⟧
Kennwort: ⟦PW⟧

Viele Grüße
⟦first⟧
""",
    ),
    ("fr quoted-printable e-mail", _t_qp_email),
    (
        "jira ticket customer key",
        """OPS-⟦n4⟧ | Priority: P1 | Reporter: ⟦name⟧
Description:
Customer's integration is failing with 401. They sent us their API key so we can reproduce: ⟦SENDGRID⟧
""",
    ),
    (
        "zendesk es comentario",
        """#⟦n6⟧ Comentario público de ⟦name⟧ (hace 5 minutos):
Hola, para reproducir el error pueden entrar con el usuario ⟦email⟧ y la contraseña ⟦PWH⟧. Gracias.
""",
    ),
    (
        "servicenow work notes",
        """INC00⟦n5⟧ Work notes (⟦name⟧, ⟦tsz⟧):
Reset the svc account as requested. Temporary credential: ⟦PWS⟧ - user must change at next logon.
""",
    ),
    (
        "ja e-mail APIキー",
        """件名: 【至急】本番環境の認証情報について
⟦last⟧様
お疲れ様です。APIキーは以下の通りです。
APIキー: ⟦ALNUM32⟧
""",
    ),
    (
        "zh ticket 测试账号",
        """工单 #⟦n5⟧ 状态：处理中
客户提供的测试账号：⟦user⟧ 密码：⟦PW⟧
""",
    ),
    (
        "ru e-mail доступ",
        """Тема: Доступ к серверу мониторинга
Коллеги, логин ⟦user⟧, пароль ⟦PWNCYR⟧. Просьба не пересылать.
""",
    ),
    (
        "ko ticket 토큰",
        """[티켓 #⟦n5⟧] 결제 연동 오류
고객이 보낸 시크릿 키: ⟦STRIPESK⟧ 로 재현 부탁드립니다.
""",
    ),
    (
        "html e-mail body",
        """<p>Hi ⟦first⟧,</p>
<p>Your new VPN password is <b>⟦PW⟧</b>. It expires in 90 days.</p>
""",
    ),
    (
        "quoted reply chain",
        """> On Tue, Dec 1, 2026 at 11:02 PM ⟦name⟧ <⟦email⟧> wrote:
> > The token for the partner sandbox is ⟦LINEAR⟧ - expires in 30 days.
> Thanks, works now.
""",
    ),
    (
        "github issue pasted .env",
        """**Steps to reproduce**

```env
TWILIO_ACCOUNT_SID=AC⟦hex32⟧
TWILIO_AUTH_TOKEN=⟦HEX32⟧
```
""",
    ),
]

# ---------------------------------------------------------------------------------------------
# 22. credential stores and tables
# ---------------------------------------------------------------------------------------------

FAMILIES["credential_stores_tabular"] = [
    (
        "/etc/shadow",
        """$ sudo grep -E '^(⟦user⟧|⟦svc⟧):' /etc/shadow
⟦user⟧:⟦YESCRYPT⟧:20059:0:99999:7:::
""",
    ),
    (
        ".netrc",
        """machine api.heroku.com
  login ⟦email⟧
  password ⟦HEROKU⟧
""",
    ),
    (
        ".pgpass wildcard lines",
        """$ cat ~/.pgpass
⟦fqdn⟧:5432:⟦db⟧:⟦svc⟧:⟦PW⟧
""",
    ),
    (
        "keepass csv export",
        """"Group","Title","Username","Password","URL","Notes"
"Root/Infra","⟦host⟧ iDRAC","root","⟦PW⟧","https://⟦ip⟧","rack B4"
""",
    ),
    (
        "bitwarden csv with totp",
        """folder,favorite,type,name,notes,fields,reprompt,login_uri,login_username,login_password,login_totp
Ops,,login,PagerDuty,,,0,https://⟦word⟧.pagerduty.com,⟦email⟧,⟦PWH⟧,⟦TOTP⟧
""",
    ),
    (
        "vault kv get table",
        """$ vault kv get -mount=secret ⟦app⟧/db
====== Data ======
Key         Value
---         -----
password    ⟦PW⟧
username    ⟦svc⟧
""",
    ),
    (
        "secretsmanager SecretString escaped",
        r"""{
    "ARN": "arn:aws:secretsmanager:⟦region⟧:⟦acct⟧:secret:prod/⟦app⟧/db-⟦alnum6⟧",
    "Name": "prod/⟦app⟧/db",
    "SecretString": "{\"username\":\"⟦svc⟧\",\"password\":\"⟦PW⟧\",\"engine\":\"postgres\",\"port\":5432}",
    "VersionStages": ["AWSCURRENT"]
}
""",
    ),
    (
        "pass show first line",
        """$ pass show infra/⟦host⟧/ipmi
⟦PWL⟧
login: ADMIN
url: https://⟦ip⟧
""",
    ),
    (
        "op item get csv fields",
        """$ op item get "⟦cword⟧ SFTP" --reveal --fields label=username,label=password
⟦svc⟧,⟦PW⟧
""",
    ),
    (
        "sops -d",
        """$ sops -d secrets/prod.enc.yaml
stripe:
    secret_key: ⟦STRIPESK⟧
""",
    ),
    (
        "column -t spreadsheet",
        """$ column -t -s, accounts.csv
system         user       password          owner
⟦word⟧-erp     ⟦svc⟧      ⟦PW⟧      ⟦first⟧
""",
    ),
]

# ---------------------------------------------------------------------------------------------
# 23. encoded values
# ---------------------------------------------------------------------------------------------


def _t_docker_config(g: Gen) -> str:
    auth = b64(f"{g.f('user')}:{g.raw('PWU')}")
    return f"""$ cat ~/.docker/config.json
{{
  "auths": {{
    "registry.⟦domain⟧": {{
      "auth": "{g.mark(auth)}"
    }}
  }}
}}
"""


def _t_dockerconfigjson(g: Gen) -> str:
    inner = json.dumps(
        {
            "auths": {
                f"registry.{g.f('domain')}": {
                    "username": g.f("svc"),
                    "password": g.raw("PW"),
                    "auth": b64(f"{g.f('svc')}:{g.raw('PW')}"),
                }
            }
        }
    )
    return f"""apiVersion: v1
kind: Secret
type: kubernetes.io/dockerconfigjson
metadata:
  name: regcred
data:
  .dockerconfigjson: {g.mark(b64(inner))}
"""


def _t_kubeconfig_key(g: Gen) -> str:
    pem = (
        "-----BEGIN EC PRIVATE KEY-----\n"
        + "\n".join(g.pem_lines(121, "MHcCAQEEI"))
        + "\n-----END EC PRIVATE KEY-----\n"
    )
    return f"""users:
- name: ⟦user⟧@⟦word⟧-prod
  user:
    client-certificate-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUM4akNDQWRxZ0F3SUJBZ0lJ
    client-key-data: {g.mark(b64(pem))}
"""


def _t_hex_secret(g: Gen) -> str:
    return f"""[upstream]
endpoint = https://⟦fqdn⟧/ingest
secret_hex = {g.mark(g.raw("PW").encode().hex())}
"""


def _t_json_u_escape(g: Gen) -> str:
    body = json.dumps({"login": g.f("user"), "password": g.raw("PWNCYR")})
    inner = body.split('"password": "')[1].rstrip('"}')
    return f"""⟦iso⟧ DEBUG request body={body.replace(inner, g.mark(inner))}
"""


def _t_php_json_slash(g: Gen) -> str:
    pw = g.s(ALNUM, 5) + "/" + g.s(ALNUM, 6) + "/" + g.s(DIGITS, 3)
    esc = pw.replace("/", "\\/")
    return f"""[⟦tsz⟧] production.DEBUG: outgoing {{"api_user":"⟦svc⟧","api_pass":"{g.mark(esc)}","endpoint":"https:\\/\\/⟦fqdn⟧\\/v2"}}
"""


def _t_mime_word(g: Gen) -> str:
    text = f"Ваш новый пароль: {g.raw('PW')}"
    return f"""Subject: =?UTF-8?B?{g.mark(b64(text))}?=
From: noreply@⟦domain⟧
"""


def _t_properties_unicode(g: Gen) -> str:
    pw = g.raw("PWNLAT")
    esc = "".join(c if ord(c) < 128 else f"\\u{ord(c):04x}" for c in pw)
    return f"""# generated by native2ascii
db.user=⟦svc⟧
db.password={g.mark(esc)}
"""


def _t_cloudinit_b64(g: Gen) -> str:
    content = f"DB_PASSWORD={g.raw('PW')}\nAPI_KEY={g.raw('HEX32')}\n"
    return f"""write_files:
  - path: /etc/⟦app⟧/env
    permissions: '0600'
    encoding: b64
    content: {g.mark(b64(content))}
"""


def _t_strace_write(g: Gen) -> str:
    return f"""write(3, "POST /login HTTP/1.1\\r\\nHost: ⟦fqdn⟧\\r\\nContent-Type: application/json\\r\\n\\r\\n{{\\"user\\":\\"⟦user⟧\\",\\"password\\":\\"{g.sec("PW")}\\"}}", 128) = 128
"""


FAMILIES["encoded_values"] = [
    ("docker config.json auth", _t_docker_config),
    (".dockerconfigjson base64", _t_dockerconfigjson),
    ("kubeconfig client-key-data", _t_kubeconfig_key),
    ("hex-encoded secret", _t_hex_secret),
    (
        "url-encoded client_secret",
        """⟦iso⟧ proxy: POST https://login.⟦domain⟧/oauth2/token body=grant_type=client_credentials&client_id=⟦app⟧&client_secret=⟦PWE⟧
""",
    ),
    ("json \\u escapes", _t_json_u_escape),
    ("php json escaped slashes", _t_php_json_slash),
    ("MIME encoded-word subject", _t_mime_word),
    ("java properties \\u escapes", _t_properties_unicode),
    ("cloud-init write_files b64", _t_cloudinit_b64),
    (
        "azure SAS sig",
        """https://⟦word⟧store.blob.core.windows.net/backups/⟦db⟧.bak?sv=2022-11-02&ss=b&srt=co&sp=rwdlac&se=2026-12-09T03:14:07Z&spr=https&sig=⟦AZSIG⟧
""",
    ),
    ("strace write C escapes", _t_strace_write),
]


# ---------------------------------------------------------------------------------------------
# 24. vendor tokens: developer tooling
# ---------------------------------------------------------------------------------------------

FAMILIES["vendor_devtools"] = [
    (
        "gh auth status -t",
        """$ gh auth status -t
github.com
  ✓ Logged in to github.com account ⟦user⟧ (keyring)
  - Active account: true
  - Git operations protocol: https
  - Token: ⟦GHPAT⟧
  - Token scopes: 'gist', 'read:org', 'repo', 'workflow'
""",
    ),
    (
        "github app installation token log",
        """⟦iso⟧ level=info msg="minted installation token" installation_id=⟦n8⟧ token=⟦GHS⟧ expires_at=⟦isosec⟧
""",
    ),
    (
        "gitconfig insteadOf deploy token",
        """[url "https://gitlab+deploy-token-⟦n4⟧:⟦GLDT⟧@gitlab.⟦domain⟧/"]
	insteadOf = https://gitlab.⟦domain⟧/
""",
    ),
    (
        "twine upload -p",
        """$ twine upload -u __token__ -p ⟦PYPI⟧ dist/*
Uploading distributions to https://upload.pypi.org/legacy/
""",
    ),
    (
        "bitbucket app password clone",
        """$ git clone https://⟦user⟧:⟦BBAPP⟧@bitbucket.org/⟦word⟧/⟦app⟧.git
Cloning into '⟦app⟧'...
""",
    ),
    (
        "azure devops curl -u :PAT",
        """$ curl -s -u :⟦ADO⟧ "https://dev.azure.com/⟦word⟧/_apis/projects?api-version=7.1" | jq '.count'
""",
    ),
    (
        "sonar scanner -Dsonar.token",
        """$ mvn -B sonar:sonar -Dsonar.host.url=https://sonar.⟦domain⟧ -Dsonar.token=⟦SONAR⟧
""",
    ),
    (
        "gem credentials",
        """$ cat ~/.gem/credentials
---
:rubygems_api_key: ⟦RUBYGEMS⟧
""",
    ),
    (
        "dotnet nuget push --api-key",
        """$ dotnet nuget push bin/Release/*.nupkg --api-key ⟦NUGET⟧ --source https://api.nuget.org/v3/index.json
""",
    ),
    (
        "atlassian curl -u email:token",
        """$ curl -s -u ⟦email⟧:⟦ATLASSIAN⟧ https://⟦word⟧.atlassian.net/rest/api/3/myself
""",
    ),
    (
        "terraform credentials.tfrc.json",
        """{
  "credentials": {
    "app.terraform.io": {
      "token": "⟦TFC⟧"
    }
  }
}
""",
    ),
    (
        "vault login table",
        """Success! You are now authenticated. The token information displayed below
is already stored in the token helper.

Key                  Value
---                  -----
token                ⟦VAULTS⟧
token_duration       768h
token_policies       ["default" "ops"]
""",
    ),
]

# ---------------------------------------------------------------------------------------------
# 25. vendor tokens: SaaS, observability, messaging, AI
# ---------------------------------------------------------------------------------------------

FAMILIES["vendor_saas"] = [
    (
        "slack WebClient token",
        """client = WebClient(token="⟦SLACKB⟧")
""",
    ),
    (
        "slack curl user token",
        """$ curl -s -H 'Authorization: Bearer ⟦SLACKP⟧' "https://slack.com/api/conversations.history?channel=C⟦alnum10⟧&limit=5"
""",
    ),
    (
        "twilio curl -u SID:token",
        """$ curl -X POST https://api.twilio.com/2010-04-01/Accounts/AC⟦hex32⟧/Messages.json -u AC⟦hex32⟧:⟦HEX32⟧ --data-urlencode "Body=disk full on ⟦host⟧"
""",
    ),
    (
        "mailgun curl --user api:",
        """$ curl -s --user 'api:⟦MAILGUN⟧' https://api.eu.mailgun.net/v3/⟦domain⟧/messages -F from=alerts@⟦domain⟧
""",
    ),
    (
        "datadog.yaml api_key",
        """api_key: ⟦HEX32⟧
site: datadoghq.eu
""",
    ),
    (
        "newrelic.yml license_key",
        """common: &default_settings
  license_key: '⟦NRLICENSE⟧'
  app_name: ⟦app⟧
""",
    ),
    (
        "pagerduty alertmanager routing_key",
        """receivers:
- name: pagerduty-critical
  pagerduty_configs:
  - routing_key: ⟦HEX32⟧
""",
    ),
    (
        "openai key in python",
        """openai.api_key = "⟦OPENAI⟧"
""",
    ),
    (
        "huggingface-cli login --token",
        """$ huggingface-cli login --token ⟦HF⟧ --add-to-git-credential
""",
    ),
    (
        "replicate and groq env",
        """export REPLICATE_API_TOKEN=⟦REPLICATE⟧
""",
    ),
    (
        "telegram bot url in cron log",
        """⟦sysl⟧ ⟦host⟧ CRON[⟦pid⟧]: (root) CMD (curl -s "https://api.telegram.org/bot⟦TELEGRAM⟧/sendMessage?chat_id=-100⟦n10⟧&text=backup+failed")
""",
    ),
    (
        "algolia admin key in js",
        """const client = algoliasearch('⟦alnum10⟧', '⟦HEX32⟧'); // admin key, TODO move to env
""",
    ),
    (
        "okta SSWS",
        """$ curl -s -H "Authorization: SSWS ⟦OKTA⟧" https://⟦word⟧.okta.com/api/v1/users?limit=1
""",
    ),
]

# ---------------------------------------------------------------------------------------------
# 26. vendor tokens: cloud platforms and payments
# ---------------------------------------------------------------------------------------------

FAMILIES["vendor_cloud_payments"] = [
    (
        "stripe node init",
        """const stripe = require('stripe')('⟦STRIPESK⟧');
""",
    ),
    (
        "stripe restricted key and webhook secret",
        """STRIPE_WEBHOOK_SECRET=⟦WHSEC⟧
""",
    ),
    (
        "braintree access token",
        """braintree:
  access_token: "⟦BRAINTREE⟧"
""",
    ),
    (
        "paypal oauth curl",
        """$ curl -s -u "A⟦alnum22⟧⟦alnum22.2⟧:⟦PAYPALSECRET⟧" https://api-m.paypal.com/v1/oauth2/token -d "grant_type=client_credentials"
""",
    ),
    (
        "razorpay key secret",
        """RAZORPAY_KEY_ID=rzp_live_⟦alnum14⟧
RAZORPAY_KEY_SECRET=⟦ALNUM24⟧
""",
    ),
    (
        "paystack and flutterwave",
        """FLW_SECRET_KEY=⟦FLUTTERWAVE⟧
""",
    ),
    (
        "adyen X-API-Key",
        """X-API-Key: ⟦ADYEN⟧
""",
    ),
    (
        "cloudflare wrangler token",
        """$ CLOUDFLARE_API_TOKEN=⟦CLOUDFLARE⟧ npx wrangler deploy
""",
    ),
    (
        ".databrickscfg",
        """[DEFAULT]
host  = https://dbc-⟦hex8⟧-⟦hex4⟧.cloud.databricks.com
token = ⟦DATABRICKS⟧
""",
    ),
    (
        "planetscale connection string",
        """DATABASE_URL=mysql://⟦alnum8⟧:⟦PSCALEPW⟧@aws.connect.psdb.cloud/⟦db⟧?sslaccept=strict
""",
    ),
    (
        "heroku auth:token",
        """$ heroku auth:token
 ›   Warning: token will expire 12/31/2027
⟦HEROKU⟧
""",
    ),
    (
        "tailscale up --authkey",
        """$ sudo tailscale up --authkey=⟦TSKEY⟧ --advertise-tags=tag:server
""",
    ),
    (
        "shippo and easypost",
        """EASYPOST_API_KEY=⟦EASYPOST⟧
""",
    ),
]

# ---------------------------------------------------------------------------------------------
# 27. private keys and keystores
# ---------------------------------------------------------------------------------------------


def _pem_block(g: Gen, label: str, nbytes: int, prefix: str, marks: tuple[int, ...]) -> str:
    lines = g.pem_lines(nbytes, prefix)
    for i in marks:
        lines[i] = g.mark(lines[i])
    return f"-----BEGIN {label}-----\n" + "\n".join(lines) + f"\n-----END {label}-----\n"


def _t_rsa_pem(g: Gen) -> str:
    return "$ cat ~/.ssh/id_rsa\n" + _pem_block(
        g, "RSA PRIVATE KEY", 1190, "MIIEowIBAAKCAQEA", (9,)
    )


def _t_openssh(g: Gen) -> str:
    lines = [g.s(B64C, 70) for _ in range(6)] + [g.s(B64C, 32) + "=="]
    lines[2] = g.mark(lines[2])
    body = "\n".join(
        ["b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW", *lines]
    )
    return f"""$ kubectl -n ⟦ns⟧ logs job/⟦app⟧-bootstrap | head
writing deploy key:
-----BEGIN OPENSSH PRIVATE KEY-----
{body}
-----END OPENSSH PRIVATE KEY-----
"""


def _t_ec_pem(g: Gen) -> str:
    return "# /etc/ssl/private/⟦host⟧.key\n" + _pem_block(
        g, "EC PRIVATE KEY", 118, "MHcCAQEEI", (1,)
    )


def _t_pkcs8_enc(g: Gen) -> str:
    return f"""$ openssl pkcs8 -topk8 -in server.key -out server.p8 -passout pass:{g.sec("PW")}
$ cat server.p8
""" + _pem_block(
        g, "ENCRYPTED PRIVATE KEY", 600, "MIIFHDBOBgkqhkiG9w0BBQ0wQTApBgkqhkiG9w0BBQwwHAQI", ()
    )


def _t_ppk(g: Gen) -> str:
    pub = g.pem_lines(200)
    priv = g.pem_lines(150)
    priv[0] = g.mark(priv[0])
    return (
        f"""PuTTY-User-Key-File-3: ssh-rsa
Encryption: none
Comment: ⟦user⟧@⟦host⟧
Public-Lines: {len(pub)}
"""
        + "\n".join(pub)
        + f"\nPrivate-Lines: {len(priv)}\n"
        + "\n".join(priv)
        + "\nPrivate-MAC: ⟦hex64⟧\n"
    )


def _t_pgp_private(g: Gen) -> str:
    lines = g.pem_lines(500, "lQdGBG")
    lines[2] = g.mark(lines[2])
    return (
        "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n"
        + "\n".join(lines)
        + "\n="
        + g.s(B64C, 4)
        + "\n-----END PGP PRIVATE KEY BLOCK-----\n"
    )


FAMILIES["private_keys_keystores"] = [
    ("RSA PEM id_rsa", _t_rsa_pem),
    ("OPENSSH key in job log", _t_openssh),
    ("EC PEM server key", _t_ec_pem),
    ("pkcs8 -passout and encrypted key", _t_pkcs8_enc),
    ("PuTTY ppk Private-Lines", _t_ppk),
    ("PGP private key block", _t_pgp_private),
    (
        "keytool -storepass",
        """$ keytool -importkeystore -srckeystore ⟦app⟧.p12 -srcstoretype PKCS12 -srcstorepass ⟦PW⟧ -destkeystore ⟦app⟧.jks -deststorepass ⟦PWU⟧
Importing keystore ⟦app⟧.p12 to ⟦app⟧.jks...
""",
    ),
    (
        "ssh-keygen -N",
        """$ ssh-keygen -t ed25519 -f ~/.ssh/deploy_⟦app⟧ -N '⟦PWW⟧' -C "deploy@⟦app⟧"
Generating public/private ed25519 key pair.
""",
    ),
    (
        "JWK private d",
        """{"kty":"EC","crv":"P-256","kid":"⟦alnum8⟧","use":"sig","x":"⟦alnum22⟧⟦alnum22.2⟧","y":"⟦alnum24⟧⟦alnum14⟧","d":"⟦B64U43⟧"}
""",
    ),
    (
        "age keys.txt",
        """# created: ⟦isosec⟧
# public key: ⟦agepub⟧
⟦AGE⟧
""",
    ),
    (
        "gpg --passphrase batch",
        """$ gpg --batch --pinentry-mode loopback --passphrase '⟦PWW⟧' --decrypt /backup/⟦db⟧.tar.gpg > /tmp/⟦db⟧.tar
""",
    ),
]

# ---------------------------------------------------------------------------------------------
# 28. 2FA seeds and recovery codes
# ---------------------------------------------------------------------------------------------

FAMILIES["mfa_recovery"] = [
    (
        "otpauth uri",
        """otpauth://totp/⟦cword⟧:⟦email⟧?secret=⟦TOTP⟧&issuer=⟦cword⟧&algorithm=SHA1&digits=6&period=30
""",
    ),
    (
        "github recovery codes file",
        """$ cat ~/Downloads/github-recovery-codes.txt
⟦GHRECOV⟧
⟦GHRECOV.2⟧
""",
    ),
    (
        "google backup codes",
        """BACKUP VERIFICATION CODES
⟦email⟧
1. ⟦GBACKUP⟧
""",
    ),
    (
        "aws virtual mfa seed",
        """$ aws iam create-virtual-mfa-device --virtual-mfa-device-name ⟦user⟧ --outfile /dev/stdout --bootstrap-method Base32StringSeed
⟦TOTP32⟧
""",
    ),
    (
        "manage-bde recovery password",
        """PS C:\\> manage-bde -protectors -get C:
    Numerical Password:
      ID: {⟦uuidu⟧}
      Password:
        ⟦BITLOCKER⟧
""",
    ),
    (
        "fdesetup recovery key",
        """$ sudo fdesetup changerecovery -personal
Enter the user name:⟦user⟧
New personal recovery key = '⟦FILEVAULT⟧'
""",
    ),
    (
        "google_authenticator file",
        """$ sudo cat /home/⟦user⟧/.google_authenticator
⟦TOTP⟧
" RATE_LIMIT 3 30
" WINDOW_SIZE 17
" TOTP_AUTH
⟦SCRATCH⟧
""",
    ),
    (
        "entra temporary access pass",
        """Temporary Access Pass for ⟦email⟧: ⟦TAP⟧ (valid for 8 hours, one-time use)
""",
    ),
    (
        "sms otp in chat",
        """⟦first⟧: the code they just texted me is ⟦OTP6⟧, can you type it in quick?
""",
    ),
    (
        "1password secret key emergency kit",
        """Sign-in address: https://⟦word⟧.1password.com
Email: ⟦email⟧
Secret Key: ⟦OPSECRETKEY⟧
""",
    ),
]

# ---------------------------------------------------------------------------------------------
# 29. PINs and door codes
# ---------------------------------------------------------------------------------------------

FAMILIES["pins_codes"] = [
    (
        "en door code",
        """⟦first⟧: door code for the ⟦cword⟧ server room is ⟦PIN4⟧# (press # after)
""",
    ),
    (
        "de Türcode",
        """⟦first⟧: Der Code für die Tür zum Rechenzentrum lautet ⟦PIN6⟧.
""",
    ),
    (
        "fr code alarme",
        """⟦first⟧ : Code de l'alarme : ⟦PIN4⟧, à désactiver en entrant.
""",
    ),
    (
        "es PIN de la SIM",
        """⟦first⟧: El PIN de la SIM del módem 4G es ⟦PIN4⟧.
""",
    ),
    (
        "ja 金庫の暗証番号",
        """⟦first⟧：金庫の暗証番号は⟦PIN6⟧です。
""",
    ),
    (
        "ru ПИН-код токена",
        """⟦first⟧: ПИН-код от токена: ⟦PIN6⟧
""",
    ),
    (
        "safe combination",
        """Safe combo (cage 12, bottom shelf): ⟦COMBO⟧
""",
    ),
    (
        "ykman piv change-pin",
        """$ ykman piv access change-pin --pin 123456 --new-pin ⟦PIN8⟧
""",
    ),
    (
        "pkcs11-tool --pin",
        """$ pkcs11-tool --module /usr/lib/softhsm/libsofthsm2.so --login --pin ⟦PIN6⟧ --list-objects
""",
    ),
    (
        "markdown table door codes",
        """| Location        | Code   |
|-----------------|--------|
| Server room B   | ⟦PIN6⟧ |
""",
    ),
    (
        "zh 门禁密码",
        """⟦first⟧：机房门禁密码：⟦PIN6⟧，不要外传。
""",
    ),
    (
        "on-call phone unlock PIN",
        """Handover: on-call phone unlock PIN is ⟦PIN6⟧, charger is in the drawer.
""",
    ),
]

# ---------------------------------------------------------------------------------------------
# 30. word passphrases
# ---------------------------------------------------------------------------------------------

FAMILIES["passphrases"] = [
    (
        "spaces lowercase in config",
        """ssh_key_passphrase = "⟦PWWS⟧"
""",
    ),
    (
        "env passphrase without spaces",
        """BACKUP_PASSPHRASE=⟦PWWN⟧
""",
    ),
    (
        "restic env",
        """export RESTIC_REPOSITORY=s3:s3.⟦region⟧.amazonaws.com/⟦word⟧-backups
export RESTIC_PASSWORD=⟦PWWN⟧
""",
    ),
    (
        "borg single quotes",
        """export BORG_PASSPHRASE='⟦PWW⟧'
borg create ::⟦host⟧-{now} /etc /srv
""",
    ),
    (
        "wifi in chat",
        """⟦first⟧: guest wifi is ⟦cword⟧-Guest, passphrase ⟦PWW⟧
""",
    ),
    (
        "de Passphrase Wörter",
        """⟦first⟧: Die Passphrase für das Backup-Archiv ist „⟦PWWDE⟧“.
""",
    ),
    (
        "es frase de contraseña",
        """⟦first⟧: La frase de contraseña del cifrado es: ⟦PWWES⟧
""",
    ),
    (
        "fr phrase secrète",
        """⟦first⟧ : La phrase secrète du coffre est « ⟦PWWFR⟧ ».
""",
    ),
    (
        "signing key passphrase prose",
        """The release signing key passphrase is: ⟦PWWS⟧ (all lowercase, spaces between words)
""",
    ),
    (
        "wallet recovery phrase",
        """recovery phrase for the treasury hot wallet (write down, then delete this message):
⟦BIP39⟧
""",
    ),
    (
        "duplicity PASSPHRASE",
        """0 3 * * * root PASSPHRASE="⟦PWW⟧" duplicity /srv/data sftp://backup@⟦fqdn⟧//backups/⟦host⟧
""",
    ),
    (
        "cryptsetup echo -n",
        """$ echo -n '⟦PWW⟧' | sudo cryptsetup luksOpen /dev/sdb1 vault -d -
""",
    ),
]

# ---------------------------------------------------------------------------------------------
# 31. non-ASCII passwords
# ---------------------------------------------------------------------------------------------

FAMILIES["nonascii_passwords"] = [
    (
        ".env cyrillic",
        """ADMIN_PASSWORD=⟦PWNCYR⟧
""",
    ),
    (
        "yaml greek quoted",
        """admin:
  password: "⟦PWNGR⟧"
""",
    ),
    (
        "de chat umlauts",
        """⟦first⟧: Das neue Passwort ist ⟦PWNLAT⟧ – mit Umlauten, also aufpassen beim Tippen.
""",
    ),
    (
        "json login body japanese",
        """⟦iso⟧ DEBUG POST /api/login body={"username":"⟦user⟧","password":"⟦PWNJA⟧"}
""",
    ),
    (
        "sql identified by korean",
        """mysql> CREATE USER '⟦svc⟧'@'%' IDENTIFIED BY '⟦PWNKO⟧';
""",
    ),
    (
        "ps --password chinese",
        """⟦svc⟧  ⟦pid⟧  0.3  0.1 ⟦app⟧-sync --user ⟦svc⟧ --password=⟦PWNZH⟧ --target https://⟦fqdn⟧
""",
    ),
    (
        "net user arabic",
        """C:\\> net user ⟦user⟧ ⟦PWNAR⟧ /add
""",
    ),
    (
        "ja full-width password ticket",
        """件名: アカウント発行
ユーザー名：⟦user⟧　パスワード：⟦PWFW⟧
""",
    ),
    (
        "emoji password",
        """⟦first⟧: yes the kiosk password really is ⟦PWNEMO⟧, emoji included
""",
    ),
    (
        "curl -u hebrew",
        """$ curl -u ⟦user⟧:⟦PWNHE⟧ https://⟦fqdn⟧/api/health
""",
    ),
    (
        "ini hindi",
        """[service]
user = ⟦svc⟧
passwd = ⟦PWNHI⟧
""",
    ),
    (
        "thai chat",
        """⟦first⟧: รหัสผ่านของเซิร์ฟเวอร์คือ ⟦PWNTH⟧ ครับ
""",
    ),
]

# ---------------------------------------------------------------------------------------------
# 32. short, long, hex and UUID-shaped secrets (context only)
# ---------------------------------------------------------------------------------------------

FAMILIES["context_shaped_secrets"] = [
    (
        "short pw in prose",
        """⟦first⟧: bmc login is root / ⟦PWS6⟧
""",
    ),
    (
        "short pass= in config",
        """[ups]
driver = usbhid-ups
pass=⟦PWS⟧
""",
    ),
    (
        "lowercase letters temp password",
        """⟦first⟧: temp password for ⟦user⟧ is ⟦PWLOW⟧, they'll be forced to change it
""",
    ),
    (
        "long random JWT_SECRET",
        """JWT_SECRET=⟦PWL⟧
""",
    ),
    (
        "long symbolic quoted yaml",
        """encryption:
  master_key: '⟦PWY⟧'
""",
    ),
    (
        "hex admin_password",
        """admin_password: ⟦PWX⟧
""",
    ),
    (
        "hex in prose",
        """⟦first⟧: the IPMI password on ⟦host⟧ is ⟦PWX⟧ (yes, all hex)
""",
    ),
    (
        "uuid X-Auth-Token header",
        """> GET /v2.1/servers/detail HTTP/1.1
> X-Auth-Token: ⟦UUIDS⟧
""",
    ),
    (
        "consul acl bootstrap",
        """$ consul acl bootstrap
AccessorID:       ⟦uuid⟧
SecretID:         ⟦UUIDS⟧
Description:      Bootstrap Token (Global Management)
Local:            false
""",
    ),
    (
        "nomad acl bootstrap",
        """Accessor ID  = ⟦uuid⟧
Secret ID    = ⟦UUIDS⟧
Name         = Bootstrap Token
Type         = management
""",
    ),
    (
        "uuid api key in prose",
        """⟦first⟧: use this API key for the partner sandbox: ⟦UUIDS⟧
""",
    ),
    (
        "splunk HEC",
        """$ curl -k https://⟦fqdn⟧:8088/services/collector/event -H "Authorization: Splunk ⟦SPLUNKHEC⟧" -d '{"event": "test"}'
""",
    ),
]

# ---------------------------------------------------------------------------------------------
# 33. session cookies and bearer tokens
# ---------------------------------------------------------------------------------------------


def _t_cookies_txt(g: Gen) -> str:
    exp = g.f("epoch")
    return f"""# Netscape HTTP Cookie File
# This file was generated by libcurl! Edit at your own risk.

.⟦domain⟧\tTRUE\t/\tTRUE\t{exp}\t__Secure-next-auth.session-token\t{g.sec("NEXTAUTH")}
.⟦domain⟧\tTRUE\t/\tFALSE\t{exp}\t_ga\tGA1.1.⟦n10⟧.⟦n10.2⟧
"""


def _t_wp_cookie(g: Gen) -> str:
    user = g.f("user")
    val = f"{user}%7C{g.f('epoch')}%7C{g.alnum(43)}%7C{g.hexs(64)}"
    return f"""Cookie: wordpress_logged_in_{g.f("hex32")}={g.mark(val)}; wp-settings-time-1=⟦epoch.2⟧
"""


FAMILIES["session_cookies_tokens"] = [
    (
        "Set-Cookie PHPSESSID",
        """< HTTP/1.1 302 Found
< Set-Cookie: PHPSESSID=⟦PHPSESS⟧; path=/; HttpOnly; SameSite=Lax
< Location: /dashboard
""",
    ),
    (
        "access log JSESSIONID cookie",
        """⟦pubip⟧ - - [⟦apachets⟧] "GET /portal/home HTTP/1.1" 200 5123 "-" "Mozilla/5.0" "JSESSIONID=⟦JSESS⟧"
""",
    ),
    (
        "connect.sid cookie",
        """Cookie: connect.sid=⟦CONNECTSID⟧
""",
    ),
    (
        "django sessionid cookie header",
        """> Cookie: csrftoken=⟦alnum24⟧; sessionid=⟦DJSESSION⟧
""",
    ),
    (
        "aspnet core cookie",
        """Cookie: .AspNetCore.Cookies=⟦ASPNETCOOKIE⟧
""",
    ),
    (
        "laravel_session cookie",
        """Set-Cookie: laravel_session=⟦LARAVELSESS⟧; expires=⟦rfc1123⟧; Max-Age=7200; path=/; httponly; samesite=lax
""",
    ),
    ("netscape cookies.txt", _t_cookies_txt),
    (
        "oauth refresh token response",
        """{"access_token":"⟦JWT⟧","token_type":"Bearer","expires_in":3600,"refresh_token":"⟦ALNUM64⟧"}
""",
    ),
    (
        "kubectl --token",
        """$ kubectl --server https://⟦fqdn⟧:6443 --token=⟦JWTRS⟧ get pods -A
""",
    ),
    (
        "copy as curl rails session",
        """curl 'https://⟦fqdn⟧/api/v2/tickets?page=2' \\
  -H 'accept: application/json' \\
  -H 'cookie: _ga=GA1.1.⟦n10⟧.⟦n10.2⟧; _⟦app⟧_session=⟦RAILSCOOKIE⟧' \\
  --compressed
""",
    ),
    ("wordpress logged_in cookie", _t_wp_cookie),
    (
        "jsessionid url rewriting",
        """⟦javats⟧ WARN  [http-nio-8080-exec-7] o.a.c.c.C.[.[localhost] - redirect to /app/login;jsessionid=⟦JSESS⟧?next=%2Freports
""",
    ),
]


# ---------------------------------------------------------------------------------------------
# vendor breadth: one less common vendor per instance
# ---------------------------------------------------------------------------------------------

_DEV_POOL = [
    ("DOPPLER_TOKEN", "DOPPLER"),
    ("POSTMAN_API_KEY", "POSTMAN"),
    ("CARGO_REGISTRY_TOKEN", "CARGO"),
    ("BUILDKITE_API_TOKEN", "BKUA"),
    ("INFISICAL_TOKEN", "INFISICAL"),
    ("CIRCLECI_TOKEN", "CCIPAT"),
    ("GITLAB_TRIGGER_TOKEN", "GLTRIG"),
    ("SENTRY_AUTH_TOKEN", "SENTRYU"),
]
_SAAS_POOL = [
    ("SLACK_APP_TOKEN", "SLACKAPP"),
    ("NEW_RELIC_API_KEY", "NRAK"),
    ("GRAFANA_SA_TOKEN", "GRAFANASA"),
    ("NOTION_TOKEN", "NOTION"),
    ("FIGMA_TOKEN", "FIGMA"),
    ("AIRTABLE_API_KEY", "AIRTABLE"),
    ("HUBSPOT_ACCESS_TOKEN", "HUBSPOT"),
    ("GROQ_API_KEY", "GROQ"),
    ("MAILCHIMP_API_KEY", "MAILCHIMP"),
    ("DISCORD_BOT_TOKEN", "DISCORD"),
]
_PAY_POOL = [
    ("SQUARE_ACCESS_TOKEN", "SQUARE"),
    ("MOLLIE_API_KEY", "MOLLIE"),
    ("PAYSTACK_SECRET_KEY", "PAYSTACK"),
    ("SHIPPO_API_KEY", "SHIPPO"),
    ("SUPABASE_ACCESS_TOKEN", "SUPABASE"),
    ("NEON_API_KEY", "NEON"),
    ("NETLIFY_AUTH_TOKEN", "NETLIFY"),
    ("MAPBOX_DOWNLOADS_TOKEN", "MAPBOX"),
    ("FCM_SERVER_KEY", "FCM"),
    ("VULTR_API_KEY", "VULTR"),
    ("DROPBOX_ACCESS_TOKEN", "DROPBOX"),
    ("B2_APPLICATION_KEY", "BACKBLAZE"),
]


def _picker(pool: list[tuple[str, str]], shape: str) -> Callable[[Gen], str]:
    def tpl(g: Gen) -> str:
        name, kind = g.pick(pool)
        value = g.sec(kind)
        if shape == "compose":
            return f"""$ docker compose config | grep -A4 environment
    environment:
      LOG_LEVEL: info
      {name}: {value}
      TZ: UTC
"""
        if shape == "k8s":
            return f"""        env:
        - name: {name}
          value: "{value}"
        - name: POD_IP
          valueFrom: {{fieldRef: {{fieldPath: status.podIP}}}}
"""
        return f"""⟦tsz⟧ [startup] effective configuration: {{"log_level": "info", "{name.lower()}": "{value}", "region": "⟦region⟧"}}
"""

    return tpl


FAMILIES["vendor_devtools"].append(
    ("compose env less common dev vendor", _picker(_DEV_POOL, "compose"))
)
FAMILIES["vendor_saas"].append(("k8s env less common SaaS vendor", _picker(_SAAS_POOL, "k8s")))
FAMILIES["vendor_cloud_payments"].append(
    ("startup config dump less common vendor", _picker(_PAY_POOL, "json"))
)

# =============================================================================================
# Keep-list: diagnostic tokens near secret-ish words
# =============================================================================================


def _k_claims(g: Gen) -> str:
    iat = int(g.when().timestamp())
    exp = iat + g.pick([900, 3600, 28800])
    return f"""token claims (decoded, signature not shown): {{"iss":"https://login.⟦domain⟧/","aud":"⟦app⟧","exp":{g.keep(str(exp))},"iat":{g.keep(str(iat))},"jti":"⟦@uuid⟧","kid":"⟦@kid⟧"}}
"""


KEEPS.extend(
    [
        (
            "otel log auth refresh",
            """⟦iso⟧ WARN auth-proxy: token refresh failed for client ⟦app⟧ trace_id=⟦@trace⟧ span_id=⟦@span⟧ status=401 retry_in=⟦@dur⟧
""",
        ),
        (
            "traceparent and request id on token endpoint",
            """POST /api/v1/auth/token HTTP/1.1
traceparent: 00-⟦@trace⟧-⟦@span⟧-01
x-request-id: ⟦@uuid⟧
content-type: application/x-www-form-urlencoded
""",
        ),
        (
            "AADSTS invalid credentials",
            """AADSTS50126: Error validating credentials due to invalid username or password.
Trace ID: ⟦@uuid⟧
Correlation ID: ⟦@uuid.2⟧
Timestamp: ⟦@tsz⟧Z
""",
        ),
        (
            "aws GetSecretValue AccessDenied",
            """An error occurred (AccessDeniedException) when calling the GetSecretValue operation: User: arn:aws:sts::⟦acct⟧:assumed-role/⟦app⟧-task/⟦hex32⟧ is not authorized to perform: secretsmanager:GetSecretValue on resource: ⟦@arn⟧
RequestId: ⟦@uuid⟧
""",
        ),
        (
            "s3 SignatureDoesNotMatch",
            """<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided. Check your key and signing method.</Message><RequestId>⟦@amzreq⟧</RequestId><HostId>⟦@amzid2⟧</HostId></Error>
""",
        ),
        (
            "kubectl events secret not found",
            """Name:         ⟦@pod⟧
Events:
  Warning  FailedMount  2m (x12 over 24m)  kubelet  MountVolume.SetUp failed for volume "db-credentials" : secret "⟦app⟧-db" not found
  Normal   Pulled       40s                kubelet  Successfully pulled image "registry.⟦domain⟧/⟦app⟧@⟦@digest⟧" in ⟦@dur⟧
""",
        ),
        (
            "deploy log git sha",
            """deploy ⟦app⟧ ⟦@gitsha⟧ (rotate session signing keys) finished in ⟦@dur⟧ by ⟦user⟧
""",
        ),
        (
            "jenkins build masked secrets",
            """Finished: FAILURE (build #⟦@buildnum⟧ of ⟦app⟧-release, commit ⟦@sha7⟧); credentials binding masked 3 secrets
""",
        ),
        (
            "401 Date header and request id",
            """< HTTP/1.1 401 Unauthorized
< Date: ⟦@rfc1123⟧
< WWW-Authenticate: Bearer error="invalid_token", error_description="The access token expired"
< X-Request-Id: ⟦@uuid⟧
""",
        ),
        ("decoded token claims", _k_claims),
        (
            "postgres password auth failed sqlstate",
            """⟦tsms⟧ UTC [⟦@pid⟧] FATAL:  password authentication failed for user "⟦svc⟧" (SQLSTATE ⟦@sqlstate⟧)
⟦tsms.2⟧ UTC [⟦pid⟧] DETAIL:  Connection matched pg_hba.conf line 98: "hostssl all all 0.0.0.0/0 scram-sha-256"
""",
        ),
        (
            "windows 4625 status",
            """An account failed to log on.
Failure Information:
	Failure Reason:		Unknown user name or bad password.
	Status:			⟦@ntstatus⟧
	Sub Status:		⟦@ntstatus.2⟧
Detailed Authentication Information:
	Logon Process:		NtLmSsp
	Key Length:		0
""",
        ),
        (
            "sshd failed password",
            """⟦sysl⟧ ⟦host⟧ sshd[⟦@pid⟧]: Failed password for invalid user admin from ⟦ip⟧ port ⟦@eport⟧ ssh2
""",
        ),
        (
            "sshd accepted publickey fingerprint",
            """⟦sysl⟧ ⟦host⟧ sshd[⟦pid⟧]: Accepted publickey for deploy from ⟦ip⟧ port ⟦@eport⟧ ssh2: ED25519 ⟦@sshfp⟧
""",
        ),
        (
            "containerd secret volume",
            """⟦iso⟧ level=error msg="failed to mount secret volume for container ⟦@cid⟧" error="context deadline exceeded"
""",
        ),
        (
            "auditd PATH inode of secret key",
            """type=PATH msg=audit(⟦epoch⟧.⟦n3⟧:⟦n5⟧): item=0 name="/etc/⟦app⟧/secret.key" inode=⟦@inode⟧ dev=fd:01 mode=0100600 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL
""",
        ),
        (
            "sha256sum credentials file",
            """$ sha256sum credentials.json.gpg
⟦@sha256⟧  credentials.json.gpg
""",
        ),
        (
            "s3 put secrets backup etag",
            """upload: ./secrets-⟦n4⟧.tar.gpg to s3://⟦word⟧-backups/secrets/ ETag "⟦@md5⟧" size ⟦@size⟧
""",
        ),
        (
            "openssl x509 fingerprint serial",
            """$ openssl x509 -in client-auth.pem -noout -fingerprint -sha256 -serial -enddate
sha256 Fingerprint=⟦@certfp⟧
serial=⟦@serial⟧
notAfter=⟦@certdate⟧
""",
        ),
        (
            "gpg signature key",
            """gpg: Signature made Wed 02 Dec 2026 03:14:07 AM UTC
gpg:                using RSA key ⟦@gpgfpr⟧
gpg: Good signature from "⟦capp⟧ Release Signing Key" [ultimate]
""",
        ),
        (
            "vault lease revoke",
            """$ vault lease revoke ⟦@vaultlease⟧
All revocation operations queued successfully! (dynamic credential for ⟦app⟧)
""",
        ),
        (
            "etcd lease and lock",
            """lease ⟦@lease⟧ granted with TTL(60s); acquired lock /locks/rotate-api-keys/⟦@lease.2⟧
""",
        ),
        (
            "prometheus auth metrics",
            """auth_failures_total{method="password",realm="⟦word⟧"} ⟦@metric⟧
session_cache_hit_ratio ⟦@ratio⟧
""",
        ),
        (
            "keytab rotation duration",
            """keytab rotation for HTTP/⟦fqdn⟧ completed in ⟦@dur⟧ (kvno ⟦n3⟧, 2 keys)
""",
        ),
        (
            "azure key vault forbidden path",
            """Forbidden: caller has no secrets get permission on ⟦@azpath⟧ (x-ms-request-id ⟦@uuid⟧)
""",
        ),
        (
            "k8s tls secret uid rv",
            """secret/⟦app⟧-tls uid=⟦@uuid⟧ resourceVersion=⟦@rv⟧ type=kubernetes.io/tls (key and cert present)
""",
        ),
        (
            "kafka auth events offset",
            """[Consumer clientId=auth-events-consumer, groupId=session-audit] Committed offset ⟦@offset⟧ for partition auth-events-⟦n1⟧
""",
        ),
        (
            "postgres wal after password_encryption",
            """LOG:  parameter "password_encryption" changed to "scram-sha-256"
LOG:  restored log file "⟦@walfile⟧" from archive
LOG:  redo starts at ⟦@lsn⟧
""",
        ),
        (
            "mysql replica gtid access denied",
            """        Last_IO_Error: error connecting to source 'repl@⟦host⟧:3306' - retry-time: 60 retries: 3 message: Access denied for user 'repl' (using password: YES)
    Executed_Gtid_Set: ⟦@gtid⟧
""",
        ),
        (
            "sentry event authentication error",
            """Sentry event ⟦@hex32⟧ captured: AuthenticationError: session expired (release ⟦app⟧@⟦@ver⟧)
""",
        ),
        (
            "cloudflare ray auth error",
            """{"success":false,"errors":[{"code":10000,"message":"Authentication error: invalid API token"}]}
cf-ray: ⟦@cfray⟧
""",
        ),
        (
            "alb xray session expired",
            """⟦isosec⟧ ALB 401 /api/session X-Amzn-Trace-Id: ⟦@xray⟧ reason=session token expired
""",
        ),
        (
            "datadog trace ids api key validation",
            """dd.trace_id=⟦@ddtrace⟧ dd.span_id=⟦@ddtrace.2⟧ msg="api key validation failed" status=403
""",
        ),
        (
            "gcp trace secret manager",
            """{"severity":"ERROR","logging.googleapis.com/trace":"⟦@gcptrace⟧","message":"Secret Manager access denied for secret db-password version ⟦n2⟧"}
""",
        ),
        (
            "stripe request id invalid key",
            """Stripe error: Request ⟦@stripereq⟧: Invalid API Key provided (key redacted by client)
""",
        ),
        (
            "github request id bad credentials",
            """HTTP 401: Bad credentials (https://api.github.com/user)
X-GitHub-Request-Id: ⟦@ghreqid⟧
""",
        ),
        (
            "cve in session handler",
            """⟦@cve⟧: session fixation in ⟦app⟧ login handler; password reset tokens unaffected; fixed in ⟦@ver⟧
""",
        ),
        (
            "hresult invalid token",
            """Error ⟦@hresult⟧: The token supplied to the function is invalid (SEC_E_INVALID_TOKEN) after ⟦@dur⟧
""",
        ),
        (
            "jwks kid mismatch",
            """no matching key in JWKS for kid=⟦@kid⟧ (issuer https://login.⟦domain⟧/, public keys cached ⟦@dur⟧ ago)
""",
        ),
        (
            "kms key arn decrypt denied",
            """kms:Decrypt denied for secret envelope key ⟦@arn⟧ (grant token absent)
""",
        ),
        (
            "image tag and digest token service",
            """pulled ⟦word⟧/token-service:⟦@ver⟧@⟦@digest⟧
""",
        ),
        (
            "auth service version commit",
            """⟦app⟧-auth ⟦@ver⟧ (commit ⟦@sha7⟧) starting; session store: redis, password hasher: argon2id
""",
        ),
        (
            "sssd password expired syslog ts",
            """⟦@sysl⟧ ⟦host⟧ sssd[⟦@pid⟧]: Password has expired for user ⟦user⟧, change required
""",
        ),
        (
            "apache log session new 401",
            """⟦ip⟧ - - [⟦@apachets⟧] "POST /session/new HTTP/1.1" 401 212 "-" "Mozilla/5.0" auth=failed
""",
        ),
        (
            "spring dao auth failed",
            """⟦@javats⟧ WARN  [http-nio-8080-exec-4] o.s.s.a.d.DaoAuthenticationProvider : Failed to authenticate since password does not match stored value
""",
        ),
        (
            "windows login password must change",
            """⟦@usts⟧ Login failed: The user's password must be changed before logging on the first time.
""",
        ),
        (
            "kerberos preauth event time",
            """<TimeCreated SystemTime="⟦@iso7⟧" /> EventID 4771 Kerberos pre-authentication failed; Ticket Options: 0x40810010; Failure Code: 0x18
""",
        ),
        (
            "api key rotated epoch ms",
            """{"ts":⟦@epochms⟧,"level":"warn","msg":"api key rotated","key_id":"⟦@uuid⟧","secret_version":⟦n2⟧}
""",
        ),
        (
            "password expiry mail headers",
            """Date: ⟦@rfc2822⟧
Subject: Your password will expire in 7 days
Message-ID: <⟦@hex24⟧.⟦n5⟧@⟦domain⟧>
""",
        ),
        (
            "ls -li private key inode size",
            """$ ls -li /etc/ssl/private/
⟦@inode⟧ -rw------- 1 root ssl-cert ⟦n4⟧ Dec  2 03:14 server.key
""",
        ),
        (
            "docker ps session store",
            """CONTAINER ID   IMAGE                          STATUS        PORTS                     NAMES
⟦@cid12⟧   ⟦word⟧/session-store:⟦ver⟧   Up 2 hours    0.0.0.0:⟦@eport⟧->6379/tcp   session-store
""",
        ),
        (
            "systemctl status vault agent",
            """● vault-agent.service - Vault Agent (auto-auth + secret templating)
     Active: active (running) since ⟦tsz⟧ UTC; 2h 4min ago
   Main PID: ⟦@pid⟧ (vault)
     Memory: ⟦@size⟧
""",
        ),
        (
            "kubectl get secrets listing",
            """NAME                          TYPE                                  DATA   AGE
⟦@k8secret⟧           kubernetes.io/service-account-token   3      41d
""",
        ),
        (
            "vault audit hmac",
            """{"time":"⟦@iso⟧","type":"request","auth":{"client_token":"⟦@vaulthmac⟧","accessor":"⟦@vaulthmac.2⟧","policies":["default"]},"request":{"id":"⟦@uuid⟧","path":"secret/data/⟦app⟧"}}
""",
        ),
        (
            "wireguard peer public key",
            """peer: ⟦@wgpub⟧
  latest handshake: 41 seconds ago
  preshared key: (hidden)
""",
        ),
        (
            "sops age recipient",
            """sops: encrypting with age recipient ⟦@agepub⟧ (secret key file not present on this host)
""",
        ),
        (
            "consul accessor id",
            """token AccessorID ⟦@accessor⟧ (SecretID not shown) has policy session-writer
""",
        ),
        (
            "github actions run id token input",
            """Error: Input required and not supplied: token
https://github.com/⟦word⟧/⟦app⟧/actions/runs/⟦@jobid⟧/job/⟦@jobid.2⟧
""",
        ),
        (
            "keycloak login error event",
            """type=LOGIN_ERROR, realmId=⟦@uuid⟧, clientId=⟦app⟧, userId=⟦@uuid.2⟧, error=invalid_user_credentials, auth_method=openid-connect
""",
        ),
        (
            "okta session start failure",
            """{"eventType": "user.session.start", "outcome": {"result": "FAILURE", "reason": "INVALID_CREDENTIALS"}, "uuid": "⟦@okta_evt⟧"}
""",
        ),
        (
            "package-lock integrity jsonwebtoken",
            """    "node_modules/jsonwebtoken": {
      "version": "⟦@ver⟧",
      "integrity": "⟦@sri⟧"
    },
""",
        ),
        (
            "pip hash keyring",
            """keyring==25.5.0 --hash=sha256:⟦@sha256⟧
""",
        ),
        (
            "twilio message sid",
            """Message ⟦@twiliosm⟧ queued; auth token rotation scheduled for ⟦@isosec⟧
""",
        ),
        (
            "slack ts bot token scope",
            """chat.postMessage ok ts=⟦@slackts⟧ (bot token scope chat:write)
""",
        ),
        (
            "github oauth client id public",
            """OAuth app client_id=⟦@ghclientid⟧ (client secret stored in vault at secret/⟦app⟧/github)
""",
        ),
        (
            "core dump build id",
            """Core was generated by `/usr/bin/⟦app⟧-session-daemon'.
Program terminated with signal SIGSEGV, Segmentation fault.
Build ID: ⟦@buildid⟧
""",
        ),
        (
            "selinux avc token file",
            """avc:  denied  { read } for  pid=⟦@pid⟧ comm="⟦app⟧" name="token" dev="tmpfs" ino=⟦@inode⟧ scontext=system_u:system_r:httpd_t:s0
""",
        ),
        (
            "jvm thread dump session reaper",
            """"session-reaper-1" #42 daemon prio=5 os_prio=0 tid=⟦@jvmtid⟧ nid=0x⟦hex4⟧ waiting on condition
""",
        ),
        (
            "goroutine session store",
            """goroutine ⟦@goroutine⟧ [select, 14 minutes]:
github.com/⟦word⟧/auth/session.(*Store).reap(...)
""",
        ),
        (
            "gcp operation sa key rotation",
            """Operation "⟦@gcpop⟧" finished: rotate service account key for ⟦app⟧-sync
""",
        ),
        (
            "terraform state lock",
            """Error: Error acquiring the state lock
Lock Info:
  ID:        ⟦@uuid⟧
  Path:      ⟦word⟧-tfstate/secrets-manager/terraform.tfstate
  Operation: OperationTypeApply
  Version:   ⟦@tfver⟧
""",
        ),
        (
            "helm revision sealed secrets",
            """Release "⟦app⟧-secrets" has been upgraded. REVISION: ⟦@oprev⟧ (chart sealed-secrets-⟦@ver⟧)
""",
        ),
        (
            "ldap invalid credentials dsid",
            """ldap_bind: Invalid credentials (49)
	additional info: 80090308: LdapErr: ⟦@dsid⟧, comment: AcceptSecurityContext error, data 52e, v4563
""",
        ),
        (
            "nginx auth_request error connection id",
            """⟦gots⟧ [error] ⟦@pid⟧#0: *⟦@n7⟧ auth request unexpected status: 500 while sending to client, request: "GET /session HTTP/1.1"
""",
        ),
        (
            "tls ja3 auth gateway",
            """tls: client hello ja3=⟦@ja3⟧ rejected by auth gateway policy
""",
        ),
        (
            "gcs hashes secrets object",
            """x-goog-hash: crc32c=⟦@b64crc⟧
x-goog-hash: md5=⟦@b64md5⟧
(object secrets/credentials-backup.enc)
""",
        ),
        (
            "krb5kdc preauth failed",
            """krb5kdc[⟦@pid⟧](info): AS_REQ (4 etypes {18 17 20 19}) ⟦ip⟧: PREAUTH_FAILED: ⟦user⟧@⟦realm⟧ for krbtgt/⟦realm⟧@⟦realm⟧, Preauthentication failed
""",
        ),
        (
            "redis client list auth",
            """id=⟦@n6⟧ addr=⟦ip⟧:⟦@eport⟧ fd=12 name=session-writer age=⟦n4⟧ idle=0 flags=N db=0 user=default cmd=auth
""",
        ),
        (
            "api key id not secret",
            """Key ID ⟦@uuid⟧ (name: ⟦app⟧-ci) last used ⟦@isosec⟧; the key itself is not shown
""",
        ),
        (
            "secrets backup upload size crc",
            """secrets.tar.gz.gpg  ⟦@size⟧  uploaded in ⟦@dur⟧ (crc32 ⟦@crc32⟧)
""",
        ),
        (
            "lambda report rotate credentials",
            """[ERROR] SecretsManager throttled during rotate-credentials
REPORT RequestId: ⟦@uuid⟧ Duration: ⟦@metric⟧ ms Billed Duration: ⟦n3⟧ ms Memory Size: 512 MB
""",
        ),
        (
            "revoked client auth cert serial",
            """certificate serial ⟦@serial⟧ revoked (reason: keyCompromise) at ⟦@isosec⟧; reissue client auth cert
""",
        ),
        (
            "release artifact checksum",
            """credentials-helper_⟦@ver⟧_linux_amd64.tar.gz: SHA256 ⟦@sha256⟧
""",
        ),
        (
            "upstream error code while validating session",
            """⟦iso⟧ ERROR auth: upstream returned ⟦@errcode⟧ while validating session for ⟦app⟧
""",
        ),
    ]
)


# =============================================================================================
# Rendering and the interface of the module
# =============================================================================================

INSTANCES = 2


def _lines(text: str) -> tuple[str, ...]:
    return tuple(line + "\n" for line in text[:-1].split("\n"))


def _render(g: Gen, tpl: Tpl, keep: bool = False) -> tuple[str, list[str]]:
    for _ in range(400):
        g.reset()
        try:
            raw = g.expand(tpl(g) if callable(tpl) else tpl)
        except Retry:
            continue
        if not raw.endswith("\n"):
            raw += "\n"
        text = raw.replace("\x01", "").replace("\x02", "")
        if keep:
            if g.values:
                raise AssertionError("a keep template plants a secret")
            if not g.keeps or any(t not in text for t in g.keeps):
                continue
            g.kused.update(g.keeps)
            return text, list(g.keeps)
        masked = MARKED.sub("\x00", raw)
        if not g.values or any(v in masked for v in g.values):
            continue
        g.used.update(g.values)
        return text, list(g.values)
    raise RuntimeError(f"could not render {tpl!r:.80}")


def cases(seed: int = DEFAULT_SEED) -> list[Case]:
    """Every template of every family, instantiated INSTANCES times with fresh values."""
    g = Gen(random.Random(seed))
    out: list[Case] = []
    for family, templates in FAMILIES.items():
        for label, tpl in templates:
            for _ in range(INSTANCES):
                text, values = _render(g, tpl)
                out.append(Case(family, label, _lines(text), tuple(values)))
    return out


def keep_list(seed: int = DEFAULT_SEED) -> list[Keep]:
    """Diagnostic tokens that must survive, in lines that mention secret-ish words."""
    g = Gen(random.Random(seed + 1))
    out: list[Keep] = []
    for label, tpl in KEEPS:
        for _ in range(INSTANCES):
            text, tokens = _render(g, tpl, keep=True)
            out.append(Keep(label, _lines(text), tuple(tokens)))
    return out


def _check() -> None:
    from collections import Counter

    got = cases()
    assert got == cases(), "not deterministic"
    seen: set[str] = set()
    per_family: Counter[str] = Counter()
    for case in got:
        assert case.values and all(line.endswith("\n") for line in case.lines)
        text = "".join(case.lines)
        for value in case.values:
            assert value in text, (case.family, case.format)
            assert value not in seen, (case.family, case.format)
            seen.add(value)
        per_family[case.family] += len(case.values)
    keeps = keep_list()
    assert keeps == keep_list(), "keep-list not deterministic"
    kseen: set[str] = set()
    for entry in keeps:
        assert entry.tokens and all(line.endswith("\n") for line in entry.lines)
        text = "".join(entry.lines)
        for token in entry.tokens:
            assert token in text, entry.format
            assert token not in kseen, entry.format
            kseen.add(token)
        assert not any(value in text for value in seen if len(value) >= 8), entry.format
    for family, n in per_family.items():
        print(f"{family}: {n}")
    print(
        f"cases: {len(got)}; values: {len(seen)}; families: {len(per_family)}; keep entries: {len(keeps)}; keep tokens: {len(kseen)}"
    )


if __name__ == "__main__":
    _check()
