# ruff: noqa: E501, RUF001
"""Sealed blind corpus K for a log/secret sanitizer, written by helper K on 2026-12-03 without reading the sanitizer, its tests, the other corpora or any benchmark results.

Theme: data and ML platforms (Airflow, Spark/Databricks, Kafka Connect/Schema
Registry, dbt, Snowflake/BigQuery/Redshift, MLflow/Jupyter/Hugging Face),
infrastructure-as-code output (Terraform, Pulumi/CDK, Ansible, Chef/Puppet/Salt),
package-manager and build credentials, observability agents and log shippers,
security event formats (CEF, LEEF, Windows Event XML, auditd, osquery, RFC 5424,
GELF, journald), structured loggers in many languages, git diffs and code review,
SQL query logs, secret-manager CLI output, e-mail threads, call transcripts,
CSV/spreadsheet exports, crash reports, and prose in many natural languages.

All planted values come from random.Random(SEED) (SEED = 20261203); every
template is rendered VARIANTS = 2 times with fresh secrets and fresh
surrounding names.  No real credentials.

Counts (checked by _check()):
  families:        41
  case templates:  486
  cases:           972
  planted values:  1098
  keep templates:  106
  keep entries:    212
  keep tokens:     312

Run `python3 secret_corpus_blind_k.py` to execute the self-check.
"""

from __future__ import annotations

import base64
import random
import re
import string
import urllib.parse
from typing import NamedTuple

SEED = 20261203
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
# template registry.  Placeholders: <<$kind>> planted secret (fresh each time),
# <<$kind#tag>> planted secret reused by tag, <<!kind>> keep token,
# <<filler>> / <<filler#n>> surrounding names (cached per render),
# <<spell:tag>> phonetic spelling of the secret with that tag.
# ---------------------------------------------------------------------------
_TEMPLATES: list[tuple[str, str, tuple[str, ...]]] = []
_KEEPS: list[tuple[str, tuple[str, ...]]] = []
_FAMILY = ""


def FAM(name: str) -> None:
    global _FAMILY
    _FAMILY = name


def T(fmt: str, *lines: str) -> None:
    _TEMPLATES.append((_FAMILY, fmt, lines))


def K(fmt: str, *lines: str) -> None:
    _KEEPS.append((fmt, lines))


_PH = re.compile(r"<<([^<>\s]+)>>")

LOWER = string.ascii_lowercase
UPPER = string.ascii_uppercase
DIG = string.digits
AN = LOWER + UPPER + DIG
LAN = LOWER + DIG
UAN = UPPER + DIG
HEXC = "0123456789abcdef"
B64C = AN + "+/"

FIRST = [
    "anika",
    "bruno",
    "chen",
    "dmitri",
    "elena",
    "farah",
    "gustavo",
    "hiroshi",
    "ines",
    "jamal",
    "katya",
    "lars",
    "mei",
    "nadia",
    "oscar",
    "priya",
    "quentin",
    "rosa",
    "sanjay",
    "tomasz",
    "ugo",
    "valeria",
    "wei",
    "ximena",
    "yusuf",
    "zofia",
    "amara",
    "bjorn",
    "carmen",
    "deepak",
    "emeka",
    "fatima",
    "goran",
    "hana",
    "ivan",
    "julia",
    "kenji",
    "leila",
    "marco",
    "noor",
    "olga",
    "pablo",
    "rahul",
    "sofia",
    "thabo",
    "aylin",
    "minh",
    "kwame",
    "ingrid",
    "rafael",
]
LAST = [
    "okafor",
    "lindqvist",
    "tanaka",
    "moreau",
    "kowalski",
    "haddad",
    "nguyen",
    "schmidt",
    "silva",
    "rossi",
    "petrov",
    "garcia",
    "kim",
    "patel",
    "yilmaz",
    "mensah",
    "novak",
    "ferreira",
    "dubois",
    "ivanova",
    "nakamura",
    "oconnor",
    "fischer",
    "santos",
    "weber",
    "costa",
    "bianchi",
    "hansen",
    "abebe",
    "cohen",
    "wright",
    "baker",
    "mwangi",
    "sato",
    "larsen",
    "romero",
]
DOMAINS = [
    "northwind-data.io",
    "acme-analytics.com",
    "bluefin.dev",
    "contoso-retail.com",
    "helios-labs.ai",
    "quarkfin.net",
    "orbitpay.co",
    "lumen-health.org",
    "tideline.cloud",
    "granite-ops.com",
    "papaya-ml.io",
    "veridian.systems",
    "kestrel-logistics.com",
    "mosaic-media.tv",
    "fjordbank.no",
    "sakura-soft.jp",
]
SVCS = [
    "billing",
    "checkout",
    "ingest",
    "etl",
    "reporting",
    "feature-store",
    "recsys",
    "ledger",
    "payments",
    "search",
    "notifier",
    "identity",
    "catalog",
    "warehouse-sync",
    "fraud-score",
    "clickstream",
    "inventory",
    "pricing",
    "kyc",
    "exporter",
]
DBS = [
    "analytics",
    "warehouse",
    "orders",
    "dwh_prod",
    "raw_events",
    "finance",
    "crm",
    "marts",
    "staging",
    "telemetry",
    "ml_features",
    "ledger",
]
ENVS = ["prod", "staging", "dev", "qa", "preprod", "sandbox"]
REGIONS = [
    "us-east-1",
    "us-west-2",
    "eu-west-1",
    "eu-central-1",
    "ap-southeast-2",
    "ap-northeast-1",
    "sa-east-1",
    "ca-central-1",
]
GREGIONS = ["us-central1", "europe-west4", "asia-northeast1", "us-east4", "europe-west1"]
TEAMS = [
    "data-platform",
    "ml-infra",
    "sre",
    "analytics-eng",
    "growth",
    "platform",
    "secops",
    "payments-eng",
    "mobile",
]
WORDS = [
    "maple",
    "orbit",
    "canyon",
    "velvet",
    "harbor",
    "lantern",
    "pepper",
    "glacier",
    "falcon",
    "meadow",
    "copper",
    "thunder",
    "saffron",
    "pixel",
    "walrus",
    "quartz",
    "tundra",
    "juniper",
    "marble",
    "cobalt",
    "zephyr",
    "ember",
    "violet",
    "nectar",
    "basalt",
    "otter",
    "cactus",
    "sprocket",
    "trumpet",
    "mango",
    "nebula",
    "paddle",
    "rocket",
    "wombat",
    "biscuit",
    "tangerine",
    "anchor",
    "blossom",
    "crimson",
    "dolphin",
    "eclipse",
    "fossil",
    "gravel",
    "hazel",
    "igloo",
    "jasmine",
    "kettle",
    "lemur",
    "mosaic",
    "noodle",
    "oyster",
    "pickle",
    "quiver",
    "raven",
    "salmon",
    "timber",
    "umbra",
    "vortex",
    "willow",
    "yonder",
]
HUMAN_BASE = [
    "Summer",
    "Winter",
    "Autumn",
    "Spring",
    "Welcome",
    "Password",
    "Monkey",
    "Dragon",
    "Sunshine",
    "Football",
    "Liverpool",
    "Chelsea",
    "Barcelona",
    "Princess",
    "Shadow",
    "Master",
    "Tigers",
    "Bella",
    "Charlie",
    "Snowflake",
    "Airflow",
    "Kafka",
    "Spark",
    "Dataops",
    "Company",
    "Letmein",
    "Michael",
    "Jessica",
    "Phoenix",
    "Falcon",
    "Coffee",
    "Pizza",
    "Hockey",
    "Soccer",
    "Qwerty",
    "Orange",
    "Banana",
    "Rainbow",
    "Starwars",
    "Pokemon",
    "Galaxy",
    "Cricket",
    "Samba",
    "Berlin",
    "Madrid",
    "Tokyo",
    "London",
    "Paris",
    "Mumbai",
    "Lagos",
]
TOPICS = [
    "orders.v1",
    "payments-events",
    "clickstream.raw",
    "cdc.public.users",
    "inventory-updates",
    "fraud.scores",
    "audit-log",
    "ml.features.v2",
]
DAGS = [
    "daily_revenue_rollup",
    "sync_salesforce",
    "load_clickstream",
    "train_churn_model",
    "export_finance_marts",
    "refresh_feature_store",
    "ingest_stripe_events",
    "backfill_orders",
    "snapshot_crm",
    "score_fraud_batch",
]
CLUSTERS = [
    "etl-shared",
    "ml-gpu-a100",
    "adhoc-analytics",
    "streaming-prod",
    "jobs-nightly",
    "bi-serving",
]
COMPANIES = [
    "Northwind",
    "Acme Analytics",
    "Bluefin",
    "Contoso",
    "Helios Labs",
    "Quarkfin",
    "Orbitpay",
    "Tideline",
    "Granite Ops",
    "Papaya ML",
]
CITIES = [
    "Lisbon",
    "Nairobi",
    "Osaka",
    "Krakow",
    "Austin",
    "Bogota",
    "Pune",
    "Tallinn",
    "Accra",
    "Hanoi",
]
NATO = {
    "a": "alfa",
    "b": "bravo",
    "c": "charlie",
    "d": "delta",
    "e": "echo",
    "f": "foxtrot",
    "g": "golf",
    "h": "hotel",
    "i": "india",
    "j": "juliett",
    "k": "kilo",
    "l": "lima",
    "m": "mike",
    "n": "november",
    "o": "oscar",
    "p": "papa",
    "q": "quebec",
    "r": "romeo",
    "s": "sierra",
    "t": "tango",
    "u": "uniform",
    "v": "victor",
    "w": "whiskey",
    "x": "x-ray",
    "y": "yankee",
    "z": "zulu",
}
SYMNAME = {
    "!": "exclamation mark",
    "@": "at sign",
    "#": "hash",
    "$": "dollar sign",
    "%": "percent",
    "&": "ampersand",
    "*": "star",
    "-": "dash",
    "_": "underscore",
    ".": "dot",
    "+": "plus",
    "=": "equals",
    "?": "question mark",
    "^": "caret",
    "~": "tilde",
}
ERRCODES = [
    "ORA-01017",
    "ORA-28001",
    "SQLSTATE-28P01",
    "ERR_INVALID_AUTH",
    "E401-AUTH-EXPIRED",
    "KAFKA-4171",
    "HTTP-403",
    "AADSTS700016",
    "AADSTS50126",
    "InvalidClientTokenId",
    "SignatureDoesNotMatch",
    "ExpiredTokenException",
    "PERMISSION_DENIED",
    "UNAUTHENTICATED",
    "ERR-SESSION-0042",
    "DBT-1013",
    "TF-PROVIDER-401",
    "EACCES-1337",
]
TFTYPES = [
    "aws_db_instance",
    "aws_iam_access_key",
    "random_password",
    "aws_secretsmanager_secret_version",
    "google_sql_user",
    "azurerm_key_vault_secret",
    "kubernetes_secret",
    "snowflake_user",
    "databricks_token",
    "tls_private_key",
    "aws_msk_scram_secret_association",
    "vault_generic_secret",
]


class _Gen:
    def __init__(self, rng: random.Random) -> None:
        self.r = rng
        self.used: set[str] = set()

    # -- primitives --------------------------------------------------------
    def s(self, alphabet: str, n: int) -> str:
        return "".join(self.r.choice(alphabet) for _ in range(n))

    def b64(self, nbytes: int) -> str:
        return base64.b64encode(self.r.randbytes(nbytes)).decode()

    def b64u(self, nbytes: int) -> str:
        return base64.urlsafe_b64encode(self.r.randbytes(nbytes)).decode().rstrip("=")

    def human(self) -> str:
        r = self.r
        w = r.choice(HUMAN_BASE)
        style = r.randrange(7)
        sym = r.choice("!#$%&*?@.")
        yr = str(r.randint(1975, 2026))
        if style == 0:
            return f"{w}{yr}{sym}"
        if style == 1:
            leet = (
                w.replace("a", "@")
                .replace("o", "0")
                .replace("e", "3")
                .replace("s", "$")
                .replace("i", "1")
            )
            return f"{leet}{r.randint(1, 999)}"
        if style == 2:
            return f"{w}{sym}{r.randint(10, 99)}{r.choice(WORDS).capitalize()}"
        if style == 3:
            return f"{r.choice(WORDS)}{w}{r.randint(100, 9999)}{sym}"
        if style == 4:
            return f"{w.lower()}_{r.choice(WORDS)}{yr[-2:]}{sym}"
        if style == 5:
            return f"{sym}{w}{r.choice(ENVS).capitalize()}{r.randint(1, 99)}"
        return f"{w}{r.choice(WORDS).capitalize()}{r.randint(2, 9)}{r.randint(2, 9)}{sym}{sym}"

    def strong(self, n: int, extra: str = "!%^*-_=+.~") -> str:
        while True:
            v = self.s(AN + extra, n)
            if (
                any(c in DIG for c in v)
                and any(c in UPPER for c in v)
                and any(c in LOWER for c in v)
            ):
                return v

    def passphrase(self) -> str:
        r = self.r
        k = r.randint(3, 5)
        ws = r.sample(WORDS, k)
        sep = r.choice("-- .")
        if sep == ".":
            sep = "-"
        p = sep.join(ws)
        if r.random() < 0.4:
            p += sep + str(r.randint(2, 99))
        if r.random() < 0.3:
            p = p.title()
        return p

    def digits(self, n: int) -> str:
        while True:
            v = self.s(DIG, n)
            if v[0] != "0" and not re.fullmatch(r"(19|20)\d\d", v) and len(set(v)) > 2:
                return v

    def jwt(self) -> str:
        import json

        hdr = (
            base64.urlsafe_b64encode(
                json.dumps(
                    {"alg": self.r.choice(["HS256", "RS256", "ES256"]), "typ": "JWT"},
                    separators=(",", ":"),
                ).encode()
            )
            .decode()
            .rstrip("=")
        )
        body = {
            "sub": self.s(LAN, 10),
            "iat": self.r.randint(1764000000, 1765000000),
            "scope": self.r.choice(["read write", "etl", "admin", "api"]),
            "jti": self.s(AN, 16),
        }
        pl = (
            base64.urlsafe_b64encode(json.dumps(body, separators=(",", ":")).encode())
            .decode()
            .rstrip("=")
        )
        return f"{hdr}.{pl}.{self.b64u(32)}"

    # -- secret kinds ------------------------------------------------------
    def secret(self, kind: str) -> str:
        for _ in range(200):
            v = self._secret(kind)
            if v not in self.used and len(v) >= 4:
                self.used.add(v)
                return v
        raise RuntimeError(kind)

    def _secret(self, kind: str) -> str:
        r = self.r
        m = re.fullmatch(r"([a-z]+?)(\d+)", kind)
        if m and m.group(1) in ("hex", "an", "lan", "uan", "bs", "bu", "dig", "pw", "pwa", "bt"):
            k, n = m.group(1), int(m.group(2))
            return {
                "hex": lambda: self.s(HEXC, n),
                "an": lambda: self.s(AN, n),
                "lan": lambda: self.s(LAN, n),
                "uan": lambda: self.s(UAN, n),
                "bs": lambda: self.b64(n),
                "bu": lambda: self.b64u(n),
                "dig": lambda: self.digits(n),
                "pw": lambda: self.strong(n),
                "pwa": lambda: self.strong(n, "-_."),
                "bt": lambda: self.s("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", n),
            }[k]()
        f = {
            "human": self.human,
            "phrase": self.passphrase,
            "pin": lambda: self.digits(r.choice([4, 5, 6, 6, 8])),
            "pin4": lambda: self.digits(4),
            "otp": lambda: self.digits(6),
            "pwurl": self._pwurl,
            "ghp": lambda: "ghp_" + self.s(AN, 36),
            "gho": lambda: "gho_" + self.s(AN, 36),
            "ghs": lambda: "ghs_" + self.s(AN, 36),
            "ghpat": lambda: "github_pat_11" + self.s(UAN, 20) + "_" + self.s(AN, 59),
            "glpat": lambda: "glpat-" + self.s(AN + "-_", 20),
            "npm": lambda: "npm_" + self.s(AN, 36),
            "pypi": lambda: "pypi-AgEIcHlwaS5vcmc" + self.b64u(r.choice([60, 96, 120])),
            "hf": lambda: "hf_" + self.s(LOWER + UPPER, 34),
            "dapi": lambda: "dapi" + self.s(HEXC, 32) + r.choice(["", "-2", "-3"]),
            "awssk": lambda: self.s(AN + "+/", 40),
            "awssess": lambda: "IQoJb3JpZ2luX2VjE" + self.s(AN + "+/", 180),
            "xoxb": lambda: f"xoxb-{self.digits(12)}-{self.digits(13)}-{self.s(AN, 24)}",
            "xoxp": lambda: (
                f"xoxp-{self.digits(12)}-{self.digits(12)}-{self.digits(13)}-{self.s(HEXC, 32)}"
            ),
            "sg": lambda: f"SG.{self.s(AN + '-_', 22)}.{self.s(AN + '-_', 43)}",
            "sklive": lambda: "sk_live_" + self.s(AN, r.choice([24, 99])),
            "rklive": lambda: "rk_live_" + self.s(AN, 24),
            "whsec": lambda: "whsec_" + self.s(AN, 32),
            "ddapi": lambda: self.s(HEXC, 32),
            "ddapp": lambda: self.s(HEXC, 40),
            "nrlic": lambda: self.s(HEXC, 36) + "NRAL",
            "nrak": lambda: "NRAK-" + self.s(UAN, 27),
            "nrii": lambda: "NRII-" + self.s(AN + "-_", 32),
            "glc": lambda: "glc_" + self.b64(r.choice([72, 90])).rstrip("="),
            "glsa": lambda: "glsa_" + self.s(AN, 32) + "_" + self.s(HEXC, 8),
            "jwt": self.jwt,
            "hvs": lambda: "hvs." + self.s(AN, 24),
            "hvslong": lambda: "hvs.CAESI" + self.s(AN + "-_", 86),
            "dpst": lambda: "dp.st." + r.choice(ENVS) + "." + self.s(AN, 43),
            "dpsa": lambda: "dp.sa." + self.s(AN, 43),
            "ops": lambda: "ops_eyJ" + self.b64u(180),
            "bws": lambda: f"0.{self._uuid()}.{self.s(AN, 30)}:{self.b64(16)}",
            "age": lambda: (
                "AGE-SECRET-KEY-1" + self.s("QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L".upper(), 58)
            ),
            "azkey": lambda: self.b64(64),
            "sig": lambda: urllib.parse.quote(self.b64(32), safe=""),
            "nuget": lambda: "oy2" + self.s(LAN, 43),
            "gems": lambda: "rubygems_" + self.s(HEXC, 48),
            "cargo": lambda: "cio" + self.s(AN, 32),
            "confl": lambda: self.s(AN + "+/", 64),
            "twilio": lambda: self.s(HEXC, 32),
            "tfc": lambda: self.s(AN, 14) + ".atlasv1." + self.s(AN, 67),
            "pulumi": lambda: "pul-" + self.s(HEXC, 40),
            "uuid": self._uuid,
            "sntrys": lambda: "sntrys_eyJ" + self.b64u(96),
            "openai": lambda: "sk-proj-" + self.s(AN + "-_", 120),
            "anthropic": lambda: "sk-ant-api03-" + self.s(AN + "-_", 93) + "AA",
            "wandb": lambda: self.s(HEXC, 40),
            "jupyter": lambda: self.s(HEXC, 48),
            "dose": lambda: "dose" + self.s(HEXC, 32),
            "recov": lambda: self.s(HEXC, 5) + "-" + self.s(HEXC, 5),
            "cookie": lambda: self.b64u(r.choice([32, 48, 64])),
            "connect_sid": lambda: (
                "s%3A"
                + self.s(AN + "-_", 32)
                + "."
                + urllib.parse.quote(self.b64(32).rstrip("="), safe="")
            ),
            "flask": lambda: (
                "eyJ"
                + self.b64u(r.randint(30, 60))
                + "."
                + self.s(AN + "-_", 6)
                + "."
                + self.s(AN + "-_", 27)
            ),
            "railssess": lambda: (
                self.b64(r.choice([96, 144])).rstrip("=") + "--" + self.s(HEXC, 40)
            ),
            "djsess": lambda: self.s(LAN, 32),
            "phpsess": lambda: self.s(LAN, 26),
            "djkey": lambda: (
                "django-insecure-" + self.s(LAN + "!@#%^&*(-_=+)", 50)
                if r.random() < 0.3
                else self.s(LAN + "!@#%^&*(-_=+)", 50)
            ),
            "fernet": lambda: base64.urlsafe_b64encode(r.randbytes(32)).decode(),
            "pemline": lambda: "MII" + self.s(AN + "+/", 61),
            "pembody": lambda: (
                self.s(AN + "+/", 64)
                + "\\n"
                + self.s(AN + "+/", 64)
                + "\\n"
                + self.s(AN + "+/", 40)
            ),
            "sfpw": lambda: self.human() if r.random() < 0.5 else self.strong(18, "!#$%"),
            "splunk": lambda: self._uuid().upper() if r.random() < 0.5 else self._uuid(),
            "artifactory": lambda: "AKCp8" + self.s(AN, 68),
            "kaggle": lambda: self.s(HEXC, 32),
            "slackhook": lambda: self.s(AN, 24),
            "adotoken": lambda: self.s(LAN, 52),
            "heroku": lambda: "HRKU-" + self._uuid(),
            "mailgun": lambda: "key-" + self.s(HEXC, 32),
            "shpat": lambda: "shpat_" + self.s(HEXC, 32),
            "linear": lambda: "lin_api_" + self.s(AN, 40),
            "docker_pat": lambda: "dckr_pat_" + self.s(AN + "-_", 27),
            "pscale": lambda: "pscale_pw_" + self.s(AN + "-_", 43),
            "doctl": lambda: "dop_v1_" + self.s(HEXC, 64),
            "fly": lambda: "FlyV1 fm2_" + self.b64u(120),
            "mongopw": lambda: self.strong(16, "-_"),
            "basic": lambda: base64.b64encode(
                f"{r.choice(FIRST)}{r.choice(['', '.' + r.choice(LAST), '_svc'])}:{self.human() if r.random() < 0.5 else self.strong(16)}".encode()
            ).decode(),
            "b64pw": lambda: base64.b64encode(
                (self.human() if r.random() < 0.5 else self.strong(18)).encode()
            ).decode(),
            "dbtc": lambda: "dbtc_" + self.s(AN + "-_", 48),
            "neptune": lambda: (
                "eyJhcGlfYWRkcmVzcyI6Imh0dHBzOi8vYXBwLm5lcHR1bmUuYWkiLCJhcGlfdXJsIjoiaHR0cHM6Ly9hcHAubmVwdHVuZS5haSIsImFwaV9rZXkiOiI"
                + self.b64u(48)
            ),
            "r8": lambda: "r8_" + self.s(AN, 37),
        }[kind]
        return f()

    def _uuid(self) -> str:
        h = self.s(HEXC, 32)
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{self.r.choice('89ab')}{h[17:20]}-{h[20:]}"

    def _pwurl(self) -> str:
        while True:
            raw = self.strong(self.r.randint(12, 18), "@:/#%?&=+!")
            enc = urllib.parse.quote(raw, safe="")
            if "%" in enc:
                return enc

    # -- keep tokens -------------------------------------------------------
    def keep(self, kind: str) -> str:
        r = self.r
        f = {
            "trace": lambda: self.s(HEXC, 32),
            "span": lambda: self.s(HEXC, 16),
            "uuid": self._uuid,
            "sha40": lambda: self.s(HEXC, 40),
            "sha7": lambda: self.s(HEXC, 7),
            "sha10": lambda: self.s(HEXC, r.randint(8, 12)),
            "digest": lambda: "sha256:" + self.s(HEXC, 64),
            "hex64": lambda: self.s(HEXC, 64),
            "md5": lambda: self.s(HEXC, 32),
            "ver": lambda: f"{r.randint(1, 9)}.{r.randint(0, 30)}.{r.randint(0, 20)}",
            "vver": lambda: f"v{r.randint(1, 4)}.{r.randint(0, 60)}.{r.randint(0, 12)}",
            "err": lambda: r.choice(ERRCODES),
            "pod": lambda: f"{r.choice(SVCS)}-{self.s(LAN, r.choice([9, 10]))}-{self.s(LAN, 5)}",
            "pid": lambda: str(r.randint(10000, 99999)),
            "offset": lambda: str(r.randint(1000000, 987654321)),
            "part": lambda: f"{r.choice(TOPICS)}-{r.randint(0, 23)}",
            "tfaddr": lambda: (
                f"{r.choice(TFTYPES)}.{r.choice(['main', 'primary', 'etl', 'replica', 'this', 'default'])}_{self.s(LAN, 4)}"
            ),
            "runid": lambda: (
                f"{r.choice(['scheduled', 'manual'])}__2026-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}T{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:00+00:00"
            ),
            "arn": lambda: (
                f"arn:aws:{r.choice(['secretsmanager', 'kms', 'iam', 'ssm'])}:{r.choice(REGIONS)}:{self.digits(12)}:{r.choice(['secret:', 'key/', 'role/', 'parameter/'])}{r.choice(SVCS)}-{self.s(AN, 6)}"
            ),
            "fp": lambda: "SHA256:" + self.b64(32).rstrip("="),
            "keyid": lambda: self.s("0123456789ABCDEF", 16),
            "path": lambda: (
                f"/{r.choice(['var/lib', 'opt', 'srv', 'home/runner/work'])}/{r.choice(SVCS)}/{self.s(LAN, 6)}/{r.choice(['credentials.json', 'token.cache', 'session.db', 'secrets.enc', 'auth.log', 'keyring.gpg'])}"
            ),
            "metric": lambda: f"{r.randint(1, 999)}.{r.randint(100, 999)}",
            "integ": lambda: "sha512-" + self.b64(64),
            "sri384": lambda: "sha384-" + self.b64(48),
            "idem": lambda: "idem_" + self.s(LAN, 20),
            "reqid": lambda: "req_" + self.s(AN, 14),
            "appid": lambda: (
                f"application_{r.randint(1764000000000, 1765000000000)}_{r.randint(1, 9999):04d}"
            ),
            "ami": lambda: "ami-0" + self.s(HEXC, 16),
            "cve": lambda: f"CVE-{r.randint(2019, 2026)}-{r.randint(10000, 59999)}",
            "build": lambda: f"build-{r.randint(10000, 99999)}",
            "jobid": lambda: f"job-{r.randint(100000, 999999)}-run-{r.randint(1000, 9999)}",
            "gpgfp": lambda: self.s("0123456789ABCDEF", 40),
            "kid": lambda: (
                f"{r.choice(['rsa', 'ec', 'sig'])}-2026-{r.randint(1, 12):02d}-{self.s(LAN, 6)}"
            ),
            "kmskey": lambda: self._uuid(),
            "crc": lambda: "crc32c:" + self.b64(4),
            "colonfp": lambda: ":".join(self.s("0123456789ABCDEF", 2) for _ in range(32)),
            "scanid": lambda: self.s(LAN, 13),
            "gosum": lambda: "h1:" + self.b64(32),
            "ddtrace": lambda: str(r.randint(10**18, 9 * 10**18)),
            "sfqid": lambda: (
                f"01b{self.s(HEXC, 5)}-0{self.s(HEXC, 3)}-{self.s(HEXC, 4)}-0000-{self.s(HEXC, 12)}"
            ),
            "bqjob": lambda: f"bquxjob_{self.s(HEXC, 8)}_{self.s(HEXC, 11)}",
            "vhmac": lambda: "hmac-sha256:" + self.s(HEXC, 64),
            "agepub": lambda: "age1" + self.s("qpzry9x8gf2tvdw0s3jn54khce6mua7l", 58),
            "sshpub": lambda: "AAAAC3NzaC1lZDI1NTE5AAAAI" + self.b64(32).rstrip("="),
            "opitem": lambda: self.s(LAN, 26),
            "saltjid": lambda: (
                f"2026{r.randint(1, 12):02d}{r.randint(1, 28):02d}{r.randint(0, 23):02d}{r.randint(0, 59):02d}{r.randint(0, 59):02d}{r.randint(100000, 999999)}"
            ),
            "logon": lambda: "0x" + self.s(HEXC, 8),
            "zh": lambda: "zh:" + self.s(HEXC, 64),
            "rekor": lambda: self.s(HEXC, 80),
            "serial": lambda: ":".join(self.s(HEXC, 2) for _ in range(16)),
            "uuidu": lambda: self._uuid().upper(),
            "mlrun": lambda: self.s(HEXC, 32),
            "nrguid": lambda: (
                base64.b64encode(
                    f"{r.randint(1000000, 9999999)}|APM|APPLICATION|{r.randint(100000000, 999999999)}".encode()
                )
                .decode()
                .rstrip("=")
            ),
            "epoch": lambda: str(r.randint(1764000000, 1766000000)),
            "etag": lambda: '"' + self.s(HEXC, 32) + '"',
        }[kind]
        return f()

    # -- fillers -----------------------------------------------------------
    def filler(self, name: str) -> str:
        r = self.r
        mm = re.fullmatch(r"(an|lan|uan|hex|bs)(\d+)", name)
        if mm:
            if mm.group(1) == "bs":
                return self.b64(int(mm.group(2)))
            return self.s(
                {"an": AN, "lan": LAN, "uan": UAN, "hex": HEXC}[mm.group(1)], int(mm.group(2))
            )
        y, mo, d = 2026, r.randint(1, 12), r.randint(1, 28)
        hh, mi, ss, ms = r.randint(0, 23), r.randint(0, 59), r.randint(0, 59), r.randint(0, 999)
        f = {
            "user": lambda: r.choice(
                [
                    r.choice(FIRST),
                    r.choice(FIRST)[0] + r.choice(LAST),
                    r.choice(FIRST) + "." + r.choice(LAST),
                    "svc_" + r.choice(SVCS).replace("-", "_"),
                ]
            ),
            "first": lambda: r.choice(FIRST).capitalize(),
            "last": lambda: r.choice(LAST).capitalize(),
            "full": lambda: f"{r.choice(FIRST).capitalize()} {r.choice(LAST).capitalize()}",
            "email": lambda: f"{r.choice(FIRST)}.{r.choice(LAST)}@{r.choice(DOMAINS)}",
            "domain": lambda: r.choice(DOMAINS),
            "host": lambda: r.choice(
                [
                    f"{r.choice(SVCS)}-{r.randint(1, 40):02d}",
                    f"ip-10-{r.randint(0, 255)}-{r.randint(0, 255)}-{r.randint(1, 254)}",
                    f"{r.choice(['etl', 'worker', 'db', 'kafka', 'spark', 'runner'])}-{r.choice(ENVS)}-{r.randint(1, 9)}",
                ]
            ),
            "fqdn": lambda: f"{r.choice(SVCS)}.{r.choice(ENVS)}.{r.choice(DOMAINS)}",
            "dbhost": lambda: (
                f"{r.choice(DBS).replace('_', '-')}-{r.choice(ENVS)}.{self.s(LAN, 12)}.{r.choice(REGIONS)}.rds.amazonaws.com"
            ),
            "svc": lambda: r.choice(SVCS),
            "db": lambda: r.choice(DBS),
            "ip": lambda: f"10.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}",
            "port": lambda: str(
                r.choice([5432, 3306, 1433, 6379, 27017, 9092, 8443, 5439, 443, 8080])
            ),
            "ts": lambda: f"{y}-{mo:02d}-{d:02d}T{hh:02d}:{mi:02d}:{ss:02d}.{ms:03d}Z",
            "tsl": lambda: f"{y}-{mo:02d}-{d:02d} {hh:02d}:{mi:02d}:{ss:02d},{ms:03d}",
            "tsp": lambda: f"{y}-{mo:02d}-{d:02d} {hh:02d}:{mi:02d}:{ss:02d}",
            "tss": lambda: (
                f"{['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][mo - 1]} {d:2d} {hh:02d}:{mi:02d}:{ss:02d}"
            ),
            "date": lambda: f"{y}-{mo:02d}-{d:02d}",
            "epoch": lambda: str(r.randint(1764000000, 1766000000)),
            "epochms": lambda: str(r.randint(1764000000000, 1766000000000)),
            "region": lambda: r.choice(REGIONS),
            "gregion": lambda: r.choice(GREGIONS),
            "acct": lambda: self.digits(12),
            "proj": lambda: f"{r.choice(SVCS)}-{r.choice(ENVS)}-{r.randint(100000, 999999)}",
            "bucket": lambda: (
                f"{r.choice(DOMAINS).split('.')[0]}-{r.choice(DBS).replace('_', '-')}-{r.choice(ENVS)}"
            ),
            "org": lambda: r.choice(DOMAINS).split(".")[0],
            "repo": lambda: (
                r.choice(SVCS) + r.choice(["", "-api", "-service", "-pipelines", "-infra"])
            ),
            "team": lambda: r.choice(TEAMS),
            "env": lambda: r.choice(ENVS),
            "dag": lambda: r.choice(DAGS),
            "task": lambda: (
                r.choice(
                    [
                        "extract",
                        "load_to_s3",
                        "transform",
                        "dbt_run",
                        "publish",
                        "validate",
                        "train",
                        "score",
                        "copy_into",
                    ]
                )
                + "_"
                + r.choice(DBS)
            ),
            "topic": lambda: r.choice(TOPICS),
            "cluster": lambda: r.choice(CLUSTERS),
            "n": lambda: str(r.randint(2, 64)),
            "nn": lambda: str(r.randint(100, 9999)),
            "pidf": lambda: str(r.randint(1000, 65000)),
            "uuidf": self._uuid,
            "hex8": lambda: self.s(HEXC, 8),
            "hex12": lambda: self.s(HEXC, 12),
            "sha": lambda: self.s(HEXC, 40),
            "short": lambda: self.s(HEXC, 7),
            "company": lambda: r.choice(COMPANIES),
            "city": lambda: r.choice(CITIES),
            "word": lambda: r.choice(WORDS),
            "ver": lambda: f"{r.randint(1, 5)}.{r.randint(0, 20)}.{r.randint(0, 9)}",
            "branch": lambda: (
                r.choice(["feature/", "fix/", "chore/"]) + r.choice(WORDS) + "-" + r.choice(SVCS)
            ),
            "wsid": lambda: str(r.randint(1000000000000000, 9999999999999999)),
            "sfacct": lambda: (
                f"{self.s(UPPER, 2)}{r.randint(10000, 99999)}.{r.choice(['us-east-1', 'eu-west-1', 'east-us-2.azure', 'us-central1.gcp'])}"
            ),
            "dbxhost": lambda: f"dbc-{self.s(HEXC, 8)}-{self.s(HEXC, 4)}.cloud.databricks.com",
            "tenant": self._uuid,
            "kv": lambda: f"kv-{r.choice(SVCS)}-{r.choice(ENVS)}"[:24],
            "phone": lambda: (
                f"+{r.randint(1, 99)} {r.randint(100, 999)} {r.randint(100, 999)} {r.randint(1000, 9999)}"
            ),
            "ticket": lambda: (
                f"{r.choice(['OPS', 'DATA', 'SEC', 'INC', 'HELP'])}-{r.randint(100, 9999)}"
            ),
            "hh": lambda: f"{hh:02d}:{mi:02d}",
            "ms": lambda: str(r.randint(3, 4000)),
            "ckey": lambda: self.s(UAN, 16),
            "lineno": lambda: str(r.randint(3, 220)),
        }[name]
        return f()

    def spell(self, raw: str) -> str:
        out = []
        for c in raw:
            if c.isdigit():
                out.append(c)
            elif c.isalpha():
                w = NATO.get(c.lower(), c)
                out.append(("capital " + w) if c.isupper() else w)
            else:
                out.append(SYMNAME.get(c, repr(c)))
        return ", ".join(out)


def _render(
    g: _Gen, lines: tuple[str, ...], mode: str
) -> tuple[tuple[str, ...], list[str], list[str]]:
    cache: dict[str, str] = {}
    tags: dict[str, str] = {}
    secrets: list[str] = []
    keeps: list[str] = []

    def sub(m: re.Match[str]) -> str:
        inner = m.group(1)
        if inner.startswith("$"):
            kind, _, tag = inner[1:].partition("#")
            if tag and tag in tags:
                return tags[tag]
            v = g.secret(kind)
            secrets.append(v)
            if tag:
                tags[tag] = v
            return v
        if inner in cache:
            return cache[inner]
        if inner.startswith("!"):
            v = g.keep(inner[1:].partition("#")[0])
            keeps.append(v)
        elif inner.startswith("spell:"):
            v = g.spell(tags[inner[6:]])
        else:
            v = g.filler(inner.partition("#")[0])
        cache[inner] = v
        return v

    def sub_secret(m: re.Match[str]) -> str:
        return sub(m) if m.group(1).startswith("$") else m.group(0)

    first = tuple(_PH.sub(sub_secret, ln) for ln in lines)
    out = tuple(_PH.sub(sub, ln) for ln in first)
    return out, secrets, keeps


_CACHE: dict[str, list] = {}


def _build() -> None:
    if _CACHE:
        return
    rng = random.Random(SEED)
    g = _Gen(rng)
    cs: list[Case] = []
    for fam, fmt, lines in _TEMPLATES:
        for _ in range(VARIANTS):
            out, sec, _k = _render(g, lines, "case")
            cs.append(Case(fam, fmt, out, tuple(sec)))
    allvals = [v for c in cs for v in c.values]
    ks: list[Keep] = []
    for fmt, lines in _KEEPS:
        for _ in range(VARIANTS):
            for _attempt in range(100):
                out, _s, kt = _render(g, lines, "keep")
                text = "\n".join(out)
                if any(v in text for v in allvals):
                    continue
                if any(t in v for t in kt for v in allvals):
                    continue
                break
            ks.append(Keep(fmt, out, tuple(dict.fromkeys(kt))))
    _CACHE["cases"] = cs
    _CACHE["keeps"] = ks


def cases() -> list[Case]:
    _build()
    return list(_CACHE["cases"])


def keep_list() -> list[Keep]:
    _build()
    return list(_CACHE["keeps"])


# ===========================================================================
# CASE TEMPLATES
# ===========================================================================
FAM("airflow_connections")
T(
    "airflow task log printing a connection URI",
    "[<<tsl>>] {taskinstance.py:1157} INFO - Dependencies all met for dep_context=non-requeueable deps ti=<TaskInstance: <<dag>>.<<task>> manual__<<date>>T06:00:00+00:00 [queued]>",
    "[<<tsl#2>>] {base.py:84} INFO - Retrieving connection '<<db>>_rw'",
    "[<<tsl#3>>] {logging_mixin.py:188} INFO - using uri postgresql://<<user>>:<<$pwa24>>@<<dbhost>>:5432/<<db>>",
)
T(
    "AIRFLOW_CONN env var with snowflake URI and url-encoded password",
    "export AIRFLOW_CONN_SNOWFLAKE_DEFAULT='snowflake://<<user>>:<<$pwurl>>@/<<db>>?account=<<sfacct>>&warehouse=ETL_WH&role=TRANSFORMER'",
)
T(
    "airflow connections get table output",
    "$ airflow connections get <<db>>_mysql -o plain",
    "id | conn_id | conn_type | description | host | schema | login | password | port | is_encrypted | is_extra_encrypted | extra_dejson | get_uri",
    "<<n>> | <<db>>_mysql | mysql | None | <<dbhost>> | <<db>> | <<user>> | <<$human#p>> | 3306 | True | False | {} | mysql://<<user>>:<<$human#p>>@<<dbhost>>:3306/<<db>>",
)
T(
    "airflow connections export JSON",
    "{",
    '  "<<svc>>_api": {',
    '    "conn_type": "http",',
    '    "host": "https://api.<<domain>>",',
    '    "login": "<<user>>",',
    '    "password": "<<$pw22>>",',
    '    "extra": "{\\"timeout\\": 30}"',
    "  }",
)
T(
    "airflow.cfg fernet key",
    "[core]",
    "dags_folder = /opt/airflow/dags",
    "executor = CeleryExecutor",
    "fernet_key = <<$fernet>>",
    "load_examples = False",
)
T(
    "airflow.cfg webserver secret_key",
    "[webserver]",
    "base_url = https://airflow.<<domain>>",
    "web_server_port = 8080",
    "secret_key = <<$bu24>>",
)
T(
    "airflow sql_alchemy_conn in helm values",
    "data:",
    "  metadataConnection:",
    "    user: airflow",
    "    pass: <<$pwa20>>",
    "    host: <<dbhost>>",
    "    db: airflow",
    "  resultBackendConnection: null",
)
T(
    "airflow connection extra JSON holding databricks token",
    'airflow connections add \'<<cluster>>_dbx\' --conn-type databricks --conn-host https://<<dbxhost>> --conn-extra \'{"token": "<<$dapi>>", "http_path": "/sql/1.0/warehouses/<<hex12>>"}\'',
)
T("airflow variables get output", "$ airflow variables get stripe_restricted_key", "<<$rklive>>")
T(
    "airflow BashOperator log with bearer header",
    "[<<tsl>>] {subprocess.py:75} INFO - Running command: ['/usr/bin/bash', '-c', 'curl -sf -X POST https://hooks.<<domain>>/refresh']",
    "[<<tsl#2>>] {subprocess.py:93} INFO - + curl -sf -H 'Authorization: Bearer <<$jwt>>' https://hooks.<<domain>>/refresh",
    "[<<tsl#3>>] {subprocess.py:97} INFO - Command exited with return code 0",
)
T(
    "airflow celery broker URL in docker-compose",
    "  environment:",
    "    &airflow-common-env",
    "    AIRFLOW__CORE__EXECUTOR: CeleryExecutor",
    "    AIRFLOW__CELERY__BROKER_URL: redis://:<<$pwa20>>@redis:6379/0",
)
T(
    "airflow HttpHook log with api_key query parameter",
    "[<<tsl>>] {http.py:175} INFO - Sending 'GET' to url: https://api.<<domain>>/v2/exports?since=<<date>>&api_key=<<$an32>>",
)

FAM("spark_databricks")
T(
    "spark-defaults.conf with s3a secret key",
    "spark.master                      yarn",
    "spark.hadoop.fs.s3a.access.key   AKIA<<ckey>>",
    "spark.hadoop.fs.s3a.secret.key   <<$awssk>>",
    "spark.eventLog.enabled           true",
)
T(
    "spark-submit with azure account key conf",
    "spark-submit --deploy-mode cluster \\",
    "  --conf spark.hadoop.fs.azure.account.key.<<org>>lake.dfs.core.windows.net=<<$azkey>> \\",
    "  jobs/<<task>>.py --date <<date>>",
)
T(
    ".databrickscfg profile",
    "[DEFAULT]",
    "host  = https://<<dbxhost>>",
    "token = <<$dapi>>",
    "",
    "[<<env>>]",
    "host  = https://<<dbxhost#2>>",
    "token = <<$dapi>>",
)
T(
    "spark driver log JDBC url with password",
    '<<date>> <<hh>>:05 INFO JDBCRelation: Number of partitions: <<n>>, WHERE clauses of these partitions: "id" < 1000',
    "<<date>> <<hh>>:05 INFO JdbcUtils: connecting to jdbc:postgresql://<<dbhost>>:5432/<<db>>?user=<<user>>&password=<<$pwa18>>&sslmode=require",
)
T(
    "databricks tokens create CLI JSON",
    '$ databricks tokens create --comment "<<dag>> ci" --lifetime-seconds 7776000',
    "{",
    '  "token_info": {"comment": "<<dag>> ci", "creation_time": <<epochms>>, "token_id": "<<hex12>><<hex8>>"},',
    '  "token_value": "<<$dapi>>"',
    "}",
)
T(
    "notebook export setting ADLS oauth client secret",
    "# COMMAND ----------",
    'spark.conf.set("fs.azure.account.auth.type.<<org>>lake.dfs.core.windows.net", "OAuth")',
    'spark.conf.set("fs.azure.account.oauth2.client.secret.<<org>>lake.dfs.core.windows.net", "<<$an40>>")',
)
T(
    "hadoop core-site.xml s3a secret",
    "<property>",
    "  <name>fs.s3a.secret.key</name>",
    "  <value><<$awssk>></value>",
    "</property>",
)
T(
    "databricks job JSON spark_env_vars",
    '"new_cluster": {',
    '  "spark_version": "15.4.x-scala2.12",',
    '  "spark_env_vars": {',
    '    "SNOWFLAKE_USER": "<<user>>",',
    '    "SNOWFLAKE_PASSWORD": "<<$sfpw>>"',
    "  }",
)
T(
    "spark environment tab dump with elasticsearch auth pass",
    "spark.app.name -> <<dag>>",
    "spark.es.nodes -> es.<<domain>>",
    "spark.es.net.http.auth.user -> <<user>>",
    "spark.es.net.http.auth.pass -> <<$human>>",
)
T(
    "databricks service principal oauth secret in CI env",
    "Run databricks bundle deploy -t <<env>>",
    "  env:",
    "    DATABRICKS_HOST: https://<<dbxhost>>",
    "    DATABRICKS_CLIENT_ID: <<uuidf>>",
    "    DATABRICKS_CLIENT_SECRET: <<$dose>>",
)
T(
    "delta sharing profile file",
    '{"shareCredentialsVersion": 1, "endpoint": "https://sharing.<<domain>>/delta-sharing/", "bearerToken": "<<$an32>>", "expirationTime": "<<date>>T00:00:00.0Z"}',
)
T(
    "hive-site.xml metastore password",
    "  <property>",
    "    <name>javax.jdo.option.ConnectionPassword</name>",
    "    <value><<$human>></value>",
    "  </property>",
)

FAM("kafka_connect_schema_registry")
T(
    "connector config JSON connection.password",
    "curl -s -X PUT -H 'Content-Type: application/json' http://<<host>>:8083/connectors/<<db>>-sink/config -d '{",
    '  "connector.class": "io.confluent.connect.jdbc.JdbcSinkConnector",',
    '  "connection.user": "<<user>>",',
    '  "connection.password": "<<$human>>",',
    '  "topics": "<<topic>>"',
    "}'",
)
T(
    "JdbcSourceTaskConfig values with password in connection.url",
    "[<<tsl>>] INFO JdbcSourceTaskConfig values:",
    "\tbatch.max.rows = 100",
    "\tconnection.attempts = 3",
    "\tconnection.password = [hidden]",
    "\tconnection.url = jdbc:postgresql://<<dbhost>>:5432/<<db>>?user=<<user>>&password=<<$pwa24>>&currentSchema=public",
)
T(
    "sasl.jaas.config plain login with confluent api secret",
    "bootstrap.servers=pkc-<<hex8>>.<<region>>.aws.confluent.cloud:9092",
    "security.protocol=SASL_SSL",
    "sasl.mechanism=PLAIN",
    'sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="<<ckey>>" password="<<$confl>>";',
)
T(
    "schema registry basic auth user info",
    "schema.registry.url=https://psrc-<<hex8>>.<<region>>.aws.confluent.cloud",
    "basic.auth.credentials.source=USER_INFO",
    "basic.auth.user.info=<<ckey>>:<<$confl>>",
)
T(
    "worker ssl keystore passwords",
    "ssl.keystore.location=/etc/kafka/secrets/<<host>>.keystore.jks",
    "ssl.keystore.password=<<$pw16>>",
    "ssl.key.password=<<$pw16>>",
    "ssl.truststore.password=<<$pwa12>>",
)
T(
    "kafka-configs SCRAM user creation",
    "$ kafka-configs --bootstrap-server <<host>>:9093 --alter --add-config 'SCRAM-SHA-512=[iterations=8192,password=<<$human>>]' --entity-type users --entity-name <<user>>",
    "Completed updating config for user <<user>>.",
)
T(
    "unknown config warning leaking truststore password",
    "[<<tsl>>] WARN The configuration consumer.ssl.truststore.password = <<$pwa14>> was supplied but isn't a known config. (org.apache.kafka.clients.consumer.ConsumerConfig:384)",
)
T(
    "curl to schema registry with api key and secret",
    "$ curl -s -u <<ckey>>:<<$confl>> https://psrc-<<hex8>>.<<region>>.aws.confluent.cloud/subjects/<<topic>>-value/versions/latest | jq .id",
)
T(
    "debezium connector config database.password",
    '{"name": "<<db>>-cdc", "config": {"connector.class": "io.debezium.connector.mysql.MySqlConnector", "database.hostname": "<<dbhost>>", "database.user": "debezium", "database.password": "<<$pwa20>>", "topic.prefix": "cdc"}}',
)
T(
    "docker-compose connect worker JAAS env",
    "      CONNECT_SASL_MECHANISM: SCRAM-SHA-256",
    '      CONNECT_SASL_JAAS_CONFIG: org.apache.kafka.common.security.scram.ScramLoginModule required username="connect" password="<<$pw20>>";',
)
T(
    "MirrorMaker2 properties source cluster password",
    "clusters = src, dst",
    "src.bootstrap.servers = <<host>>:9096",
    'src.sasl.jaas.config = org.apache.kafka.common.security.scram.ScramLoginModule required username="mm2-<<env>>" password="<<$human>>";',
)
T(
    "ksqlDB CLI invocation with password flag",
    "$ ksql -u <<ckey>> -p '<<$confl>>' https://pksqlc-<<hex8>>.<<region>>.aws.confluent.cloud:443",
)

FAM("dbt_profiles")
T(
    "profiles.yml snowflake target",
    "<<org>>:",
    "  target: <<env>>",
    "  outputs:",
    "    <<env>>:",
    "      type: snowflake",
    "      account: <<sfacct>>",
    "      user: <<user>>",
    "      password: <<$sfpw>>",
)
T(
    "profiles.yml postgres quoted pass",
    "    dev:",
    "      type: postgres",
    "      host: <<dbhost>>",
    "      user: <<user>>",
    '      pass: "<<$human>>"',
    "      dbname: <<db>>",
    "      schema: dbt_<<user>>",
)
T(
    "profiles.yml bigquery keyfile_json private key",
    "      method: service-account-json",
    "      keyfile_json:",
    "        type: service_account",
    "        project_id: <<proj>>",
    '        private_key: "-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\\n<<$pembody>>\\n-----END PRIVATE KEY-----\\n"',
)
T(
    "profiles.yml databricks token",
    "      type: databricks",
    "      catalog: main",
    "      schema: <<db>>",
    "      host: <<dbxhost>>",
    "      http_path: /sql/1.0/warehouses/<<hex12>>",
    "      token: <<$dapi>>",
)
T(
    "profiles.yml redshift single-quoted password",
    "      type: redshift",
    "      host: <<cluster>>.<<hex8>>.<<region>>.redshift.amazonaws.com",
    "      user: <<user>>",
    "      password: '<<$pwa18>>'",
    "      port: 5439",
)
T(
    "dbt.log invocation with vars containing api key",
    "============================== <<hh>>:05.123 | <<uuidf>> ==============================",
    "<<hh>>:05.124 [info ] [MainThread]: Running with dbt=1.8.7",
    "<<hh>>:05.125 [debug] [MainThread]: running dbt with arguments {'printer_width': '80', 'vars': '{\"segment_write_key\": \"<<$an32>>\"}', 'target': '<<env>>'}",
)
T(
    "CI log exporting DBT_ENV_SECRET variable",
    "+ export DBT_ENV_SECRET_SNOWFLAKE_PASSWORD=<<$human>>",
    "+ dbt build --target <<env>> --select state:modified+",
)
T(
    "profiles.yml private key passphrase",
    "      authenticator: snowflake_jwt",
    "      private_key_path: /home/<<user>>/.ssh/snowflake_rsa_key.p8",
    "      private_key_passphrase: <<$phrase>>",
)
T(
    "dbt cloud API token in shell",
    "$ export DBT_CLOUD_API_TOKEN=<<$dbtc>>",
    "$ dbt-cloud job run --job-id <<nn>> --account-id <<nn#2>>",
)
T(
    "profiles.yml trino ldap",
    "      type: trino",
    "      method: ldap",
    "      user: <<user>>",
    "      password: <<$pw20>>",
    "      host: trino.<<domain>>",
    "      port: 443",
)
T(
    "packages.yml private git package with token",
    "packages:",
    "  - package: dbt-labs/dbt_utils",
    "    version: 1.3.0",
    '  - git: "https://<<user>>:<<$ghp>>@github.com/<<org>>/dbt-internal-macros.git"',
    "    revision: v<<ver>>",
)
T(
    "profiles.yml clickhouse password",
    "      type: clickhouse",
    "      driver: native",
    "      host: ch.<<domain>>",
    "      user: dbt",
    '      password: "<<$pwa16>>"',
    "      secure: true",
)

FAM("warehouse_connection_strings")
T(
    "snowflake SQLAlchemy URL url-encoded",
    'engine = create_engine("snowflake://<<user>>:<<$pwurl>>@<<sfacct>>/<<db>>/PUBLIC?warehouse=BI_WH&role=ANALYST")',
)
T(
    "snowsql config file",
    "[connections.<<env>>]",
    "accountname = <<sfacct>>",
    "username = <<user>>",
    "password = <<$sfpw>>",
    "warehousename = LOAD_WH",
)
T(
    "snowflake JDBC URL with password parameter",
    "jdbc:snowflake://<<sfacct>>.snowflakecomputing.com/?user=<<user>>&password=<<$pwa20>>&db=<<db>>&warehouse=ETL_WH",
)
T(
    "bigquery service account key JSON",
    "{",
    '  "type": "service_account",',
    '  "project_id": "<<proj>>",',
    '  "private_key": "-----BEGIN PRIVATE KEY-----\\n<<$pembody>>\\n-----END PRIVATE KEY-----\\n",',
    '  "client_email": "<<svc>>@<<proj>>.iam.gserviceaccount.com"',
    "}",
)
T(
    "redshift JDBC URL in tool log",
    "<<tsp>> INFO  [ConnectionPool] opening jdbc:redshift://<<cluster>>.<<hex8>>.<<region>>.redshift.amazonaws.com:5439/dev?user=<<user>>&password=<<$pwa16>>&ssl=true",
)
T(
    "libpq keyword connection string",
    'psql "host=<<dbhost>> port=5432 dbname=<<db>> user=<<user>> password=<<$human>> sslmode=require"',
)
T(
    "redshift SQLAlchemy URL in python",
    'REDSHIFT_URL = "redshift+psycopg2://<<user>>:<<$pwa22>>@<<cluster>>.<<hex8>>.<<region>>.redshift.amazonaws.com:5439/<<db>>"',
)
T(
    "ODBC connection string SQL Server",
    "Driver={ODBC Driver 18 for SQL Server};Server=tcp:<<org>>-sql.database.windows.net,1433;Database=<<db>>;Uid=<<user>>;Pwd=<<$pw20>>;Encrypt=yes;",
)
T(
    "ADO.NET Synapse connection string",
    "Server=tcp:<<org>>-syn.sql.azuresynapse.net,1433;Initial Catalog=<<db>>;User ID=sqladmin;Password=<<$human>>;Encrypt=True;Connection Timeout=30;",
)
T(
    "clickhouse-client with password flag",
    "$ clickhouse-client --host ch-<<env>>.<<domain>> --secure --user <<user>> --password '<<$pwa20>>' --query 'SELECT count() FROM <<db>>.events'",
)
T(
    "mongodb+srv URI",
    "MONGO_URI=mongodb+srv://<<user>>:<<$mongopw>>@cluster0.<<hex8>>.mongodb.net/<<db>>?retryWrites=true&w=majority",
)
T(
    "odbc.ini DSN with PWD",
    "[<<db>>_dsn]",
    "Driver = /opt/simba/spark/lib/64/libsparkodbc_sb64.so",
    "Host = <<dbxhost>>",
    "UID = token",
    "PWD = <<$dapi>>",
)

FAM("ml_platform_tokens")
T(
    "MLflow tracking basic auth env",
    "export MLFLOW_TRACKING_URI=https://mlflow.<<domain>>",
    "export MLFLOW_TRACKING_USERNAME=<<user>>",
    "export MLFLOW_TRACKING_PASSWORD=<<$human>>",
)
T(
    "jupyter server startup URL with token",
    "[I <<tsp>>.123 ServerApp] Jupyter Server 2.14.2 is running at:",
    "[I <<tsp>>.124 ServerApp] http://<<host>>:8888/lab?token=<<$jupyter#t>>",
    "[I <<tsp>>.124 ServerApp]     http://127.0.0.1:8888/lab?token=<<$jupyter#t>>",
)
T(
    "git clone from hugging face with token in URL",
    "$ git clone https://<<user>>:<<$hf>>@huggingface.co/<<org>>/<<svc>>-classifier",
    "Cloning into '<<svc>>-classifier'...",
)
T("cat huggingface token file", "root@<<host>>:~# cat ~/.cache/huggingface/token", "<<$hf>>")
T(
    "netrc entry written by wandb login",
    "wandb: Appending key for api.wandb.ai to your netrc file: /root/.netrc",
    "machine api.wandb.ai",
    "  login user",
    "  password <<$wandb>>",
)
T("kaggle.json", '{"username":"<<user>>","key":"<<$kaggle>>"}')
T(
    "notebook cell setting OpenAI key",
    "In [3]: import os",
    '   ...: os.environ["OPENAI_API_KEY"] = "<<$openai>>"',
)
T(
    "dotenv with anthropic key",
    "# model gateway",
    "ANTHROPIC_API_KEY=<<$anthropic>>",
    "MODEL=claude-sonnet",
)
T(
    "mlflow server backend store URI",
    "mlflow server --backend-store-uri postgresql://mlflow:<<$pwa18>>@<<dbhost>>:5432/mlflow --default-artifact-root s3://<<bucket>>/mlruns --host 0.0.0.0",
)
T(
    "jupyter_server_config token",
    "c = get_config()  # noqa",
    "c.ServerApp.ip = '0.0.0.0'",
    "c.IdentityProvider.token = '<<$jupyter>>'",
)
T(
    "neptune and comet keys in training script",
    'run = neptune.init_run(project="<<org>>/<<svc>>", api_token="<<$neptune>>")',
    'experiment = Experiment(api_key="<<$an25>>", project_name="<<svc>>")',
)
T(
    "replicate token in shell history",
    "  512  export REPLICATE_API_TOKEN=<<$r8>>",
    "  513  python predict.py --model <<org>>/<<svc>>",
)

FAM("terraform_output")
T(
    "terraform plan showing non-sensitive password attribute",
    "  # aws_redshift_cluster.<<db>> will be created",
    '  + resource "aws_redshift_cluster" "<<db>>" {',
    '      + cluster_identifier   = "<<cluster>>"',
    '      + master_password      = "<<$pw20>>"',
    '      + master_username      = "admin"',
)
T(
    "tfstate random_password result",
    "        {",
    '          "schema_version": 3,',
    '          "attributes": {',
    '            "id": "none",',
    '            "length": 24,',
    '            "result": "<<$pw24>>",',
    '            "special": true',
)
T(
    "tfstate aws_iam_access_key secret",
    '          "attributes": {',
    '            "id": "AKIA<<ckey>>",',
    '            "secret": "<<$awssk>>",',
    '            "ses_smtp_password_v4": "<<$bs33>>",',
    '            "user": "<<svc>>-ci"',
)
T("terraform output raw", "$ terraform output -raw <<db>>_admin_password", "<<$human>>")
T(
    "terraform output json sensitive",
    "$ terraform output -json",
    '{"grafana_api_token":{"sensitive":true,"type":"string","value":"<<$glsa>>"},"vpc_id":{"sensitive":false,"type":"string","value":"vpc-<<hex8>>"}}',
)
T(
    "TF_LOG debug with security token header",
    "<<ts>> [DEBUG] provider.terraform-provider-aws_v5.80.0_x5: HTTP Request Sent: tf_aws.sdk=aws-sdk-go-v2 http.method=POST",
    "<<ts>> [DEBUG] provider.terraform-provider-aws_v5.80.0_x5: X-Amz-Security-Token: <<$awssess>>",
)
T(
    "credentials.tfrc.json",
    "{",
    '  "credentials": {',
    '    "app.terraform.io": {',
    '      "token": "<<$tfc>>"',
    "    }",
    "  }",
    "}",
)
T(
    "terraform.tfvars",
    'region        = "<<region>>"',
    'db_username   = "<<user>>"',
    'db_password   = "<<$human>>"',
    'datadog_api_key = "<<$ddapi>>"',
)
T(
    "CI log with TF_VAR environment",
    "##[group]Run terraform apply -auto-approve",
    "env:",
    "  TF_VAR_pagerduty_token: <<$an20>>",
    "  TF_VAR_github_token: <<$ghpat>>",
)
T(
    "terraform plan update in-place password change",
    '  ~ resource "kubernetes_secret" "<<svc>>" {',
    "      ~ data = {",
    '          ~ "DB_PASS" = "<<$pwa16>>" -> "<<$pwa16>>"',
    "        }",
)
T(
    "tfstate tls_private_key pem",
    '            "algorithm": "RSA",',
    '            "private_key_pem": "-----BEGIN RSA PRIVATE KEY-----\\n<<$pembody>>\\n-----END RSA PRIVATE KEY-----\\n",',
    '            "rsa_bits": 4096',
)
T(
    "terraform console nonsensitive",
    "$ terraform console",
    "> nonsensitive(random_password.<<db>>.result)",
    '"<<$pw20>>"',
)

FAM("pulumi_and_cdk")
T(
    "pulumi config show-secrets",
    "$ pulumi config --show-secrets",
    "KEY                 VALUE",
    "aws:region          <<region>>",
    "<<svc>>:dbPassword  <<$human>>",
    "<<svc>>:apiToken    <<$an40>>",
)
T(
    "pulumi stack output show-secrets",
    "$ pulumi stack output --show-secrets",
    "Current stack outputs (3):",
    "    OUTPUT            VALUE",
    "    adminPassword     <<$pw20>>",
    "    bucketName        <<bucket>>",
)
T(
    "PULUMI_ACCESS_TOKEN in CI",
    "Run pulumi/actions@v6",
    "  env:",
    "    PULUMI_ACCESS_TOKEN: <<$pulumi>>",
)
T(
    "pulumi config set plaintext in shell history",
    "$ pulumi config set --plaintext <<svc>>:stripeKey <<$sklive>>",
)
T(
    "Pulumi stack yaml with plaintext cloud secret",
    "config:",
    "  aws:region: <<region>>",
    "  aws:secretKey: <<$awssk>>",
    '  <<svc>>:replicas: "3"',
)
T(
    "pulumi stack export show-secrets plaintext",
    '                    "password": {',
    '                        "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",',
    '                        "plaintext": "\\"<<$pwa20>>\\""',
    "                    },",
)
T(
    "pulumi ESC env open output",
    "$ esc env open <<org>>/<<env>>",
    "{",
    '  "database": {',
    '    "password": "<<$human>>",',
    '    "host": "<<dbhost>>"',
    "  }",
    "}",
)
T(
    "PULUMI_CONFIG_PASSPHRASE export",
    "export PULUMI_CONFIG_PASSPHRASE='<<$phrase>>'",
    "pulumi login file://~/.pulumi-state",
)
T(
    "cdk deploy outputs",
    " ✅  <<svc>>-<<env>>-stack",
    "Outputs:",
    "<<svc>>-<<env>>-stack.DbEndpoint = <<dbhost>>",
    "<<svc>>-<<env>>-stack.AdminPasswordOut = <<$human>>",
)
T(
    "cloudformation deploy parameter overrides",
    "$ aws cloudformation deploy --stack-name <<svc>>-<<env>> --template-file rds.yml --parameter-overrides DBUser=admin DBPassword=<<$pw18>>",
)
T(
    "pulumi preview diff showing secret unwrapped",
    "    ~ kubernetes:core/v1:Secret: (update)",
    "        [urn=urn:pulumi:<<env>>::<<svc>>::kubernetes:core/v1:Secret::app-secrets]",
    "      ~ stringData: {",
    '          ~ REDIS_PASSWORD: "<<$pwa20>>" => "<<$pwa20>>"',
    "        }",
)

FAM("ansible_output")
T(
    "ansible -vvv module invocation with password arg",
    "changed: [<<host>>] => {",
    '    "changed": true,',
    '    "invocation": {',
    '        "module_args": {',
    '            "name": "<<user>>",',
    '            "password": "<<$human>>",',
    '            "state": "present"',
)
T(
    "ansible debug task printing var",
    "TASK [debug db creds] ***********************************************************",
    "ok: [<<host>>] => {",
    '    "db_password": "<<$pw20>>"',
    "}",
)
T(
    "ansible-vault view group vars",
    "$ ansible-vault view group_vars/<<env>>/vault.yml",
    "Vault password: ",
    "vault_db_password: <<$human>>",
    "vault_smtp_password: <<$pwa16>>",
)
T(
    "ansible-vault view api token",
    "$ ansible-vault view --vault-id <<env>>@prompt host_vars/<<host>>.yml",
    "---",
    'vault_github_token: "<<$ghp>>"',
)
T(
    "inventory ini with ansible_password",
    "[db]",
    "<<host>> ansible_host=<<ip>> ansible_user=deploy ansible_password=<<$human>> ansible_become_pass=<<$human>>",
)
T(
    "vault password file creation",
    "$ echo '<<$phrase>>' > ~/.vault_pass.txt && chmod 600 ~/.vault_pass.txt",
)
T(
    "ansible-playbook extra vars",
    '$ ansible-playbook -i inventories/<<env>> site.yml -e "mysql_root_password=<<$pw18>> app_env=<<env>>"',
)
T(
    "ansible failed loop item with password",
    "failed: [<<host>>] (item={'name': '<<user>>', 'password': '<<$pwa16>>', 'groups': 'wheel'}) => {\"ansible_loop_var\": \"item\", \"changed\": false, \"msg\": \"useradd: group 'wheel' does not exist\"}",
)
T(
    "AWX job env dump",
    '  "AWS_ACCESS_KEY_ID": "AKIA<<ckey>>",',
    '  "AWS_SECRET_ACCESS_KEY": "<<$awssk>>",',
    '  "ANSIBLE_FORCE_COLOR": "True",',
)
T(
    "host_vars winrm password",
    "ansible_connection: winrm",
    "ansible_winrm_transport: ntlm",
    "ansible_user: <<user>>",
    "ansible_winrm_password: <<$human>>",
)
T(
    "postgresql_user module invocation",
    '            "login_host": "<<dbhost>>",',
    '            "login_password": "<<$pwa20>>",',
    '            "login_user": "postgres",',
    '            "name": "<<user>>",',
)

FAM("chef_puppet_salt")
T(
    "knife data bag show decrypted",
    "$ knife data bag show credentials <<db>> --secret-file ~/.chef/encrypted_data_bag_secret",
    "Encrypted data bag detected, decrypting with provided secret.",
    "id:       <<db>>",
    "password: <<$human>>",
    "username: <<user>>",
)
T(
    "encrypted_data_bag_secret file content",
    "$ cat /etc/chef/encrypted_data_bag_secret",
    "<<$bs96>>",
)
T(
    "chef-client template diff",
    "  * template[/etc/<<svc>>/database.yml] action create",
    "    - update content in file /etc/<<svc>>/database.yml from 3f2a1b to 9c4e7d",
    "    --- /etc/<<svc>>/database.yml",
    "    +++ /etc/<<svc>>/.chef-database20261203.yml",
    "    -  password: <<$pwa16>>",
    "    +  password: <<$pwa16>>",
)
T(
    "puppet agent file content diff",
    "Notice: /Stage[main]/Profile::<<svc>>/File[/etc/<<svc>>/app.env]/content:",
    "--- /etc/<<svc>>/app.env\t<<tsp>>",
    "+++ /tmp/puppet-file20261203-<<pidf>>",
    "@@ -1,3 +1,3 @@",
    "-API_TOKEN=<<$an32>>",
    "+API_TOKEN=<<$an32>>",
)
T(
    "eyaml decrypt output",
    "$ eyaml decrypt -f data/<<env>>.eyaml | grep password",
    "profile::db::password: <<$human>>",
)
T(
    "salt pillar.items output",
    "<<host>>:",
    "    ----------",
    "    mysql:",
    "        ----------",
    "        root_password:",
    "            <<$pw20>>",
)
T(
    "salt-call debug rendered sls",
    "[DEBUG   ] Rendered data from file: /var/cache/salt/minion/files/base/<<svc>>/init.sls:",
    "<<svc>>-env:",
    "  file.managed:",
    "    - contents: REDIS_PASSWORD=<<$pwa18>>",
)
T(
    "puppet notify leaking vault token",
    "Notice: vault token for <<svc>> is <<$hvs#v>>",
    "Notice: /Stage[main]/Main/Node[<<host>>]/Notify[debug]/message: defined 'message' as 'vault token for <<svc>> is <<$hvs#v>>'",
)
T(
    "knife vault show",
    "$ knife vault show passwords root -F json",
    "{",
    '  "id": "root",',
    '  "password": "<<$human>>"',
    "}",
)
T(
    "salt master gitfs credentials",
    "gitfs_remotes:",
    "  - https://gitlab.<<domain>>/infra/salt-states.git:",
    "    - user: salt-bot",
    "    - password: <<$glpat>>",
)
T(
    "knife.rb with aws secret",
    "knife[:aws_access_key_id]     = 'AKIA<<ckey>>'",
    "knife[:aws_secret_access_key] = '<<$awssk>>'",
    "knife[:region] = '<<region>>'",
)

FAM("npm_python_package_auth")
T(
    ".npmrc scoped registry authToken",
    "@<<org>>:registry=https://npm.pkg.github.com",
    "//npm.pkg.github.com/:_authToken=<<$ghp>>",
    "always-auth=true",
)
T(".npmrc npmjs automation token", "//registry.npmjs.org/:_authToken=<<$npm>>")
T(
    ".npmrc legacy _auth base64",
    "registry=https://<<org>>.jfrog.io/artifactory/api/npm/npm-virtual/",
    "_auth=<<$basic>>",
    "email=<<email>>",
)
T(
    ".npmrc _password base64 for nexus",
    "//nexus.<<domain>>/repository/npm-group/:username=<<user>>",
    "//nexus.<<domain>>/repository/npm-group/:_password=<<$b64pw>>",
)
T(
    ".yarnrc.yml npmAuthToken",
    "npmScopes:",
    "  <<org>>:",
    "    npmAlwaysAuth: true",
    '    npmAuthToken: "<<$npm>>"',
    "    npmRegistryServer: https://registry.npmjs.org",
)
T(
    "pip.conf extra-index-url with credentials",
    "[global]",
    "index-url = https://pypi.org/simple",
    "extra-index-url = https://<<user>>:<<$pwa20>>@pypi.<<domain>>/simple/",
)
T(
    ".pypirc with pypi API token",
    "[distutils]",
    "index-servers =",
    "    pypi",
    "",
    "[pypi]",
    "username = __token__",
    "password = <<$pypi>>",
)
T(
    ".pypirc private repository password",
    "[internal]",
    "repository = https://nexus.<<domain>>/repository/pypi-internal/",
    "username = <<user>>",
    "password = <<$human>>",
)
T(
    "poetry config http-basic",
    "$ poetry config http-basic.<<org>> <<user>> '<<$pw20>>'",
    "$ poetry install --no-root",
)
T(
    "uv index credentials env vars",
    "UV_INDEX_<<org>>_USERNAME=<<user>>",
    "UV_INDEX_<<org>>_PASSWORD=<<$an32>>",
    "uv sync --frozen",
)
T(
    "pip install log with token in index URL",
    "Looking in indexes: https://pypi.org/simple, https://oauth2accesstoken:<<$glpat>>@gitlab.<<domain>>/api/v4/projects/<<nn>>/packages/pypi/simple",
    "Collecting <<svc>>-client==<<ver>>",
)
T(
    ".condarc channel with token",
    "channels:",
    "  - https://conda.anaconda.org/t/<<$an36>>/<<org>>",
    "  - conda-forge",
)

FAM("jvm_build_credentials")
T(
    "maven settings.xml server password",
    "  <servers>",
    "    <server>",
    "      <id><<org>>-releases</id>",
    "      <username><<user>></username>",
    "      <password><<$human>></password>",
    "    </server>",
)
T(
    "maven settings.xml github packages token",
    "    <server>",
    "      <id>github</id>",
    "      <username><<user>></username>",
    "      <password><<$ghp>></password>",
    "    </server>",
)
T(
    "maven settings-security master password",
    "<settingsSecurity>",
    "  <master><<$pw24>></master>",
    "</settingsSecurity>",
)
T(
    "gradle.properties repository credentials",
    "org.gradle.jvmargs=-Xmx4g",
    "artifactoryUser=<<user>>",
    "artifactoryPassword=<<$artifactory>>",
    "signing.keyId=<<hex8>>",
    "signing.password=<<$phrase>>",
)
T("gradle.properties ossrh and signing", "ossrhUsername=<<user>>", "ossrhPassword=<<$pw18>>")
T(
    "sbt credentials file",
    "realm=Sonatype Nexus Repository Manager",
    "host=nexus.<<domain>>",
    "user=<<user>>",
    "password=<<$pwa20>>",
)
T(
    "maven CLI with password property",
    "[INFO] Scanning for projects...",
    "$ mvn -B deploy -Drepo.username=<<user>> -Drepo.password=<<$human>> -DskipTests",
)
T(
    "gradle init script credentials block",
    "        credentials {",
    '            username = "<<user>>"',
    '            password = "<<$an40>>"',
    "        }",
)
T(
    "ivysettings credentials",
    '<credentials host="repo.<<domain>>" realm="Artifactory Realm" username="<<user>>" passwd="<<$pw16>>"/>',
)
T(
    "GRADLE env vars in CI",
    "ORG_GRADLE_PROJECT_mavenCentralUsername=<<user>>",
    "ORG_GRADLE_PROJECT_mavenCentralPassword=<<$an20>>",
    "ORG_GRADLE_PROJECT_signingInMemoryKeyPassword=<<$human>>",
)
T(
    "jfrog cli config show",
    "$ jf config show",
    "Server ID:\t\t\t<<org>>",
    "JFrog Platform URL:\t\thttps://<<org>>.jfrog.io/",
    "User:\t\t\t\t<<user>>",
    "Access token:\t\t\t<<$jwt>>",
)

FAM("other_package_managers")
T(
    "cargo credentials.toml",
    "[registry]",
    'token = "<<$cargo>>"',
    "",
    "[registries.<<org>>]",
    'token = "Bearer <<$an32>>"',
)
T(
    "NuGet.config cleartext password",
    "  <packageSourceCredentials>",
    "    <<<org>>>",
    '      <add key="Username" value="<<user>>" />',
    '      <add key="ClearTextPassword" value="<<$adotoken>>" />',
    "    </<<org>>>",
)
T(
    "nuget push api key",
    "$ dotnet nuget push bin/Release/<<svc>>.<<ver>>.nupkg --api-key <<$nuget>> --source https://api.nuget.org/v3/index.json",
)
T(
    "composer auth.json",
    "{",
    '    "http-basic": {',
    '        "repo.packagist.com": {',
    '            "username": "token",',
    '            "password": "<<$an40>>"',
    "        }",
    "    },",
)
T(
    "composer auth.json github oauth",
    '    "github-oauth": {',
    '        "github.com": "<<$gho>>"',
    "    }",
)
T(".gem credentials", "---", ":rubygems_api_key: <<$gems>>", ":github: Bearer <<$ghp>>")
T(
    "docker config.json auths base64",
    "{",
    '  "auths": {',
    '    "<<org>>.azurecr.io": {',
    '      "auth": "<<$basic>>"',
    "    },",
)
T(
    "docker login with password on command line",
    "$ docker login -u <<user>> -p <<$docker_pat>> docker.io",
    "WARNING! Using --password via the CLI is insecure. Use --password-stdin.",
    "Login Succeeded",
)
T(
    "helm repo add with password",
    "$ helm repo add <<org>> https://charts.<<domain>> --username <<user>> --password <<$pwa20>>",
    '"<<org>>" has been added to your repositories',
)
T(
    "bundler config private gem source",
    "---",
    'BUNDLE_GEMS__CONTRIBSYS__COM: "<<hex8>>:<<$hex8>>"',
    'BUNDLE_RUBYGEMS__PKG__GITHUB__COM: "<<user>>:<<$ghp>>"',
)
T(
    "netrc for go private modules",
    "machine github.com login <<user>> password <<$ghpat>>",
    "machine gitlab.<<domain>> login oauth2 password <<$glpat>>",
)
T("pnpm config set auth token", "$ pnpm config set //npm.<<domain>>/:_authToken <<$uuid>>")

FAM("observability_agents")
T(
    "datadog.yaml api key",
    "## @param api_key - string - required",
    "api_key: <<$ddapi>>",
    "site: datadoghq.eu",
    "hostname: <<host>>",
)
T(
    "datadog agent docker run env",
    "docker run -d --name dd-agent -e DD_API_KEY=<<$ddapi>> -e DD_SITE=datadoghq.com -v /var/run/docker.sock:/var/run/docker.sock:ro gcr.io/datadoghq/agent:7",
)
T(
    "datadog app key in terraform provider env",
    "export DD_API_KEY=<<$ddapi>>",
    "export DD_APP_KEY=<<$ddapp>>",
)
T(
    "newrelic.yml license key",
    "common: &default_settings",
    "  license_key: '<<$nrlic>>'",
    "  app_name: <<svc>> (<<env>>)",
)
T(
    "new relic user api key in curl",
    "curl https://api.newrelic.com/graphql -H 'Content-Type: application/json' -H 'API-Key: <<$nrak>>' --data-binary '{\"query\":\"{ actor { user { name } } }\"}'",
)
T(
    "grafana alloy config basic_auth password",
    'prometheus.remote_write "grafana_cloud" {',
    "  endpoint {",
    '    url = "https://prometheus-prod-13-prod-us-east-0.grafana.net/api/prom/push"',
    "    basic_auth {",
    '      username = "<<nn>><<nn#2>>"',
    '      password = "<<$glc>>"',
    "    }",
)
T(
    "grafana agent static config",
    "metrics:",
    "  configs:",
    "    - name: integrations",
    "      remote_write:",
    "        - basic_auth:",
    "            password: <<$glc>>",
    "            username: <<nn>>",
)
T(
    "prometheus remote_write bearer token",
    "remote_write:",
    "  - url: https://mimir.<<domain>>/api/v1/push",
    "    authorization:",
    "      credentials: <<$an40>>",
)
T(
    "honeycomb key in otel env",
    "OTEL_EXPORTER_OTLP_ENDPOINT=https://api.honeycomb.io",
    "OTEL_EXPORTER_OTLP_HEADERS=x-honeycomb-team=<<$an22>>",
)
T(
    "splunk HEC token in curl",
    'curl -k https://splunk.<<domain>>:8088/services/collector/event -H "Authorization: Splunk <<$splunk>>" -d \'{"event": "deploy <<svc>> <<ver>>"}\'',
)
T(
    "datadog agent startup log printing key",
    "<<tsp>> UTC | CORE | INFO | (pkg/config/setup/config.go:1810 in LoadProxyFromEnv) | Loading proxy settings",
    "<<tsp>> UTC | CORE | DEBUG | (comp/forwarder/defaultforwarder/forwarder_health.go:129) | validating api key <<$ddapi>> for endpoint https://api.datadoghq.com",
)
T(
    "new relic infrastructure agent yml",
    "license_key: <<$nrlic>>",
    "display_name: <<host>>",
    "log:",
    "  level: info",
)

FAM("log_shipper_configs")
T(
    "fluent bit http output passwd",
    "[OUTPUT]",
    "    Name        http",
    "    Match       kube.*",
    "    Host        logs.<<domain>>",
    "    HTTP_User   <<user>>",
    "    HTTP_Passwd <<$pw20>>",
)
T(
    "fluent bit es output cloud_auth",
    "[OUTPUT]",
    "    Name       es",
    "    Cloud_ID   <<org>>:ZXUtd2VzdC0xLmF3cy5mb3VuZC5pbw==",
    "    Cloud_Auth elastic:<<$an24>>",
)
T(
    "vector sink toml auth",
    "[sinks.loki]",
    'type = "loki"',
    'endpoint = "https://logs-prod-eu-west-0.grafana.net"',
    'auth.strategy = "basic"',
    'auth.user = "<<nn>>"',
    'auth.password = "<<$glc>>"',
)
T(
    "vector datadog logs sink",
    "sinks:",
    "  dd:",
    "    type: datadog_logs",
    "    inputs: [app]",
    "    default_api_key: <<$ddapi>>",
)
T(
    "otel collector exporter headers",
    "exporters:",
    "  otlphttp/<<org>>:",
    "    endpoint: https://otlp.<<domain>>",
    "    headers:",
    '      Authorization: "Bearer <<$an40>>"',
)
T(
    "otel collector debug startup log with config dump",
    "<<ts>>\tinfo\tservice@v0.114.0/service.go:166\tSetting up own telemetry...",
    '<<ts>>\tdebug\texporterhelper/common.go:307\tExporter config\t{"kind": "exporter", "name": "otlp/upstream", "headers": {"api-key": "<<$nrlic>>"}}',
)
T(
    "logstash output elasticsearch password",
    "output {",
    "  elasticsearch {",
    '    hosts => ["https://es01.<<domain>>:9200"]',
    '    user => "logstash_writer"',
    '    password => "<<$human>>"',
    "  }",
    "}",
)
T(
    "filebeat cloud auth",
    'cloud.id: "<<org>>-<<env>>:ZXVyb3BlLXdlc3QxLmdjcC5jbG91ZC5lcy5pbw=="',
    'cloud.auth: "elastic:<<$pwa20>>"',
)
T(
    "promtail client basic auth",
    "clients:",
    "  - url: https://<<nn>>:<<$glc>>@logs-prod-us-central1.grafana.net/loki/api/v1/push",
)
T(
    "fluentd forward shared_key",
    "<match **>",
    "  @type forward",
    "  <security>",
    "    self_hostname <<host>>",
    "    shared_key <<$phrase>>",
    "  </security>",
)
T(
    "rsyslog omhttp password",
    'action(type="omhttp" server="logs.<<domain>>" serverport="443" usehttps="on" uid="<<user>>" pwd="<<$pw18>>" template="json")',
)
T(
    "fluent bit startup log dumping env",
    "[<<tsp>>] [ info] [fluent bit] version=3.2.2, commit=<<short>>, pid=<<pidf>>",
    "[<<tsp>>] [debug] [env] LOKI_PASSWORD=<<$glc>>",
)

FAM("cef_leef_events")
T(
    "CEF event with password in cs field",
    "CEF:0|<<company>>|IdentityGuard|4.2|100|User password reset|5|rt=<<epochms>> suser=<<user>> duser=<<user#2>> cs1Label=newPassword cs1=<<$human>> dvchost=<<host>>",
)
T(
    "CEF event with token in request URL",
    "CEF:0|F5|ASM|16.1.0|200021|Illegal parameter value|7|src=<<ip>> request=https://api.<<domain>>/oauth/callback?code=<<$bu24>>&state=<<hex8>> requestMethod=GET",
)
T(
    "CEF syslog header with API key in msg",
    "<<tss>> <<host>> CEF:0|<<company>>|DataGateway|2.0|auth_fail|API key rejected|6|msg=key <<$an32>> is revoked suser=<<svc>>",
)
T(
    "LEEF 2.0 with password attribute",
    "LEEF:2.0|<<company>>|VPN|9.1|LOGIN|^|devTime=<<tss>>^src=<<ip>>^usrName=<<user>>^password=<<$human>>^result=failure",
)
T(
    "LEEF 1.0 tab delimited with token",
    "LEEF:1.0|Microsoft|MSExchange|2016|15345|\tsrc=<<ip>>\tusrName=<<user>>\tauthToken=<<$jwt>>",
)
T(
    "CEF with escaped equals in secret",
    "CEF:0|<<company>>|PAM|3.1|CHECKOUT|Credential checked out|3|suser=<<user>> cs2Label=account cs2=root cs3Label=secret cs3=<<$pw20>>",
)
T(
    "CEF proxy log with basic auth header",
    "CEF:0|Zscaler|NSSWeblog|5.7|Allowed|Allowed|3|act=Allowed requestClientApplication=curl/8.5 cs4Label=authHeader cs4=Basic <<$basic>> dhost=<<fqdn>>",
)
T(
    "ArcSight CEF with SSH password in command",
    "CEF:0|Unix|auditd|1.0|EXECVE|Command executed|4|suser=<<user>> cmd=sshpass -p <<$pwa14>> ssh deploy@<<host>> dvc=<<ip>>",
)
T(
    "QRadar LEEF with session cookie",
    "LEEF:2.0|<<company>>|WAF|1.4|XSS|x09|src=<<ip>>\tdst=<<ip#2>>\tcookie=JSESSIONID=<<$uan32>>\tsev=8",
)
T(
    "CEF DLP event with PIN in matched content",
    "CEF:0|<<company>>|DLP|8.0|PII-07|Sensitive content detected|8|fname=onboarding.txt cs5Label=matchedText cs5=PIN <<$pin>> for card ending <<nn>>",
)
T(
    "CEF MFA event with OTP seed",
    "CEF:0|<<company>>|MFA|2.3|ENROLL|TOTP seed provisioned|4|suser=<<user>> cs6Label=seed cs6=<<$bt32>>",
)

FAM("windows_event_logs")
T(
    "4688 process creation with net user password",
    "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'>",
    "  <System><EventID>4688</EventID><Computer><<host>>.corp.<<domain>></Computer></System>",
    "  <EventData>",
    "    <Data Name='NewProcessName'>C:\\Windows\\System32\\net.exe</Data>",
    "    <Data Name='CommandLine'>net user <<user>> <<$human>> /add /domain</Data>",
    "  </EventData>",
)
T(
    "4104 powershell script block with ConvertTo-SecureString",
    "<Data Name='ScriptBlockText'>$pw = ConvertTo-SecureString '<<$pw16>>' -AsPlainText -Force; New-LocalUser -Name '<<user>>' -Password $pw</Data>",
)
T(
    "sysmon event 1 with sqlcmd password",
    "    <Data Name='Image'>C:\\Program Files\\Microsoft SQL Server\\Client SDK\\ODBC\\170\\Tools\\Binn\\SQLCMD.EXE</Data>",
    "    <Data Name='CommandLine'>sqlcmd -S <<host>> -U sa -P <<$human>> -Q \"BACKUP DATABASE <<db>>\"</Data>",
)
T(
    "scheduled task registration with password",
    "<Data Name='CommandLine'>schtasks /create /tn \"<<svc>> sync\" /tr C:\\jobs\\sync.cmd /sc daily /ru CORP\\<<user>> /rp <<$pwa18>></Data>",
)
T(
    "powershell transcript with credential",
    "**********************",
    "Windows PowerShell transcript start",
    "PS C:\\Users\\<<user>>> $cred = New-Object PSCredential('CORP\\<<user>>', (ConvertTo-SecureString '<<$human>>' -AsPlainText -Force))",
)
T(
    "wevtutil text output runas savecred",
    "Event[0]:",
    "  Log Name: Microsoft-Windows-Sysmon/Operational",
    "  Event ID: 1",
    "  Description:",
    '  CommandLine: cmd /c "echo <<$pwa12>>| runas /user:CORP\\<<user>> mmc.exe"',
)
T(
    "event 4104 with Azure connection string",
    "<Data Name='ScriptBlockText'>$ctx = New-AzStorageContext -ConnectionString 'DefaultEndpointsProtocol=https;AccountName=<<org>>logs;AccountKey=<<$azkey>>;EndpointSuffix=core.windows.net'</Data>",
)
T(
    "windows event xml with psexec password",
    "<EventData><Data Name='CommandLine'>PsExec64.exe \\\\<<host>> -u CORP\\<<user>> -p <<$human>> -accepteula cmd</Data><Data Name='ParentImage'>C:\\Windows\\explorer.exe</Data></EventData>",
)
T(
    "get-winevent formatted list with bearer token",
    "TimeCreated  : <<date>> <<hh>>:12",
    "Id           : 4104",
    "Message      : Creating Scriptblock text (1 of 1):",
    '               Invoke-RestMethod -Uri https://graph.microsoft.com/v1.0/users -Headers @{Authorization = "Bearer <<$jwt>>"}',
)
T(
    "event xml cmdkey add",
    "<Data Name='CommandLine'>cmdkey /add:<<host>>.corp.<<domain>> /user:CORP\\<<user>> /pass:<<$pw14>></Data>",
)
T(
    "windows application event with connection string",
    "<Event><System><Provider Name='<<svc>>Service'/><EventID>1000</EventID></System><EventData><Data>Startup failed: Data Source=<<host>>;Initial Catalog=<<db>>;User Id=app;Password=<<$pwa16>>;</Data></EventData></Event>",
)

FAM("auditd_and_osquery")
T(
    "auditd EXECVE with mysql password argument",
    'type=SYSCALL msg=audit(<<epoch>>.512:<<nn>>): arch=c000003e syscall=59 success=yes exit=0 ppid=<<pidf>> pid=<<pidf#2>> auid=1001 uid=1001 comm="mysql" exe="/usr/bin/mysql"',
    'type=EXECVE msg=audit(<<epoch>>.512:<<nn>>): argc=4 a0="mysql" a1="-u" a2="root" a3="-p<<$pwa16>>"',
)
T(
    "auditd EXECVE curl with token header",
    'type=EXECVE msg=audit(<<epoch>>.201:<<nn>>): argc=4 a0="curl" a1="-H" a2="X-Api-Key:<<$an32>>" a3="https://api.<<domain>>/v1/jobs"',
)
T(
    "ausearch interpreted output with PGPASSWORD",
    "----",
    "type=PROCTITLE msg=audit(<<tsp>>:<<nn>>) : proctitle=env PGPASSWORD=<<$human>> psql -h <<dbhost>> -U <<user>>",
)
T(
    "osquery processes query result cmdline",
    '{"name":"pack_incident_processes","hostIdentifier":"<<host>>","calendarTime":"<<tss>> 2026 UTC","columns":{"cmdline":"redis-cli -h <<host#2>> -a <<$pwa20>> INFO","pid":"<<pidf>>","uid":"1000"},"action":"added"}',
)
T(
    "osquery shell table output with docker env",
    "osquery> SELECT name, value FROM docker_container_envs WHERE name LIKE '%TOKEN%';",
    "+-------------------+------------------------------------------+",
    "| name              | value                                    |",
    "| GITLAB_TOKEN      | <<$glpat>>                     |",
)
T(
    "osquery process_events with aws secret",
    '{"name":"process_events","columns":{"cmdline":"aws configure set aws_secret_access_key <<$awssk>>","path":"/usr/local/bin/aws","auid":"1002"},"action":"added","epoch":0}',
)
T(
    "auditd USER_CMD with sudo echo of password",
    'type=USER_CMD msg=audit(<<epoch>>.044:<<nn>>): pid=<<pidf>> uid=1001 auid=1001 ses=3 msg=\'cwd="/home/<<user>>" cmd="chpasswd" terminal=pts/0 res=success\'',
    'type=EXECVE msg=audit(<<epoch>>.044:<<nn>>): argc=3 a0="sh" a1="-c" a2="echo <<user>>:<<$human>> | chpasswd"',
)
T(
    "osquery shell_history result",
    '{"name":"pack_shell_history","columns":{"command":"export VAULT_TOKEN=<<$hvs>>","uid":"1000","username":"<<user>>"},"action":"added"}',
)
T(
    "falco alert output with password in command",
    "<<ts>>: Notice Unexpected connection to K8s API Server from container (user=<<user>> command=kubectl --token=<<$jwt>> get secrets -A container_id=<<hex12>>)",
)
T(
    "osquery curl_certificate style result with basic auth url",
    "| <<nn>> | wget --user=<<user>> --password=<<$pw16>> https://artifacts.<<domain>>/<<svc>>.tar.gz |",
)
T(
    "tetragon process exec json",
    '{"process_exec":{"process":{"binary":"/usr/bin/psql","arguments":"postgresql://<<user>>:<<$pwa22>>@<<dbhost>>/<<db>>","pod":{"namespace":"<<env>>"}}},"node_name":"<<host>>","time":"<<ts>>"}',
)

FAM("syslog_gelf_journald")
T(
    "RFC 5424 with structured data password param",
    '<165>1 <<ts>> <<host>> <<svc>> <<pidf>> ID47 [auth@32473 user="<<user>>" password="<<$human>>"] login attempt',
)
T(
    "RFC 5424 with token in SD and message",
    '<134>1 <<ts>> <<host>> api-gw - REQ [req@41058 path="/v1/export" apiKey="<<$an32>>"] 200 OK',
)
T(
    "RFC 3164 syslog with password in message",
    "<<tss>> <<host>> <<svc>>[<<pidf>>]: connecting to amqp://<<user>>:<<$pwa18>>@rabbitmq.<<env>>.svc:5672/",
)
T(
    "GELF JSON with _password field",
    '{"version":"1.1","host":"<<host>>","short_message":"user created","timestamp":<<epoch>>.207,"level":6,"_user":"<<user>>","_password":"<<$human>>"}',
)
T(
    "GELF full_message with bearer",
    '{"version":"1.1","host":"<<host>>","short_message":"upstream 401","full_message":"GET /internal/sync\\nAuthorization: Bearer <<$jwt>>\\nX-Request-Id: <<uuidf>>","level":4}',
)
T(
    "journalctl json export MESSAGE with secret",
    '{"__REALTIME_TIMESTAMP":"<<epochms>>123","_HOSTNAME":"<<host>>","SYSLOG_IDENTIFIER":"<<svc>>","_PID":"<<pidf>>","MESSAGE":"loaded config: smtp_password=<<$pw16>>"}',
)
T(
    "journalctl export format",
    "__CURSOR=s=<<hex12>>;i=<<nn>>",
    "_SYSTEMD_UNIT=<<svc>>.service",
    "PRIORITY=6",
    "MESSAGE=Starting with STRIPE_SECRET=<<$sklive>>",
)
T(
    "journalctl short output systemd env leak",
    "<<tss>> <<host>> systemd[1]: <<svc>>.service: Executing: /usr/bin/env DB_PASSWORD=<<$human>> /opt/<<svc>>/bin/server",
)
T(
    "rsyslog json template with token",
    '{"@timestamp":"<<ts>>","host":"<<host>>","programname":"sshd","msg":"Accepted publickey for <<user>>; debug token=<<$hex40>>"}',
)
T(
    "syslog-ng log with cookie",
    '<<tss>> <<host>> nginx: <<ip>> - - "GET /account HTTP/1.1" 200 512 "-" "Mozilla/5.0" cookie="sessionid=<<$djsess>>"',
)
T(
    "RFC 5424 BOM message with otp",
    "<38>1 <<ts>> <<host>> sms-gateway <<pidf>> OTP - \ufeffsent code <<$otp>> to <<phone>>",
)

FAM("go_structured_loggers")
T(
    "logfmt line with password key",
    'time=<<ts>> level=debug msg="dialing database" host=<<dbhost>> user=<<user>> password=<<$pwa20>> sslmode=require',
)
T(
    "logfmt quoted secret",
    'ts=<<ts>> caller=client.go:<<lineno>> level=info component=uploader msg="configured" s3_secret="<<$awssk>>" bucket=<<bucket>>',
)
T(
    "zap JSON with token field",
    '{"level":"info","ts":<<epoch>>.4412,"caller":"auth/oidc.go:<<lineno>>","msg":"refreshed token","client_id":"<<svc>>","access_token":"<<$jwt>>"}',
)
T(
    "zap development console line",
    '<<ts>>\tDEBUG\tstorage/redis.go:<<lineno>>\tredis options\t{"addr": "redis-<<env>>:6379", "password": "<<$pw18>>", "db": 0}',
)
T(
    "logrus text formatter",
    'time="<<ts>>" level=warning msg="retrying webhook" attempt=3 secret=<<$whsec>> url="https://hooks.<<domain>>/in"',
)
T(
    "logrus JSON formatter",
    '{"api_key":"<<$sg>>","level":"error","msg":"sendgrid rejected request","status":401,"time":"<<ts>>"}',
)
T(
    "slog text handler",
    "time=<<ts>> level=INFO source=/app/cmd/worker/main.go:<<lineno>> msg=startup config.nats_url=nats://<<user>>:<<$pwa16>>@nats.<<env>>:4222",
)
T(
    "slog JSON handler nested group",
    '{"time":"<<ts>>","level":"DEBUG","msg":"smtp","smtp":{"host":"smtp.<<domain>>","user":"<<user>>","pass":"<<$human>>"}}',
)
T(
    "zerolog JSON with authorization header",
    '{"level":"debug","method":"POST","url":"/v1/ingest","headers":{"Authorization":["Bearer <<$an40>>"]},"time":"<<ts>>","message":"incoming request"}',
)
T(
    "glog line with token",
    "I<<hh>>:05.123456 <<pidf>> controller.go:<<lineno>>] using service account token <<$jwt>>",
)
T("logfmt vault token", 'level=debug ts=<<ts>> msg="vault login ok" token=<<$hvslong>> ttl=768h')
T(
    "go panic dump with DSN",
    "panic: dial tcp: lookup <<dbhost>>: no such host",
    "",
    "goroutine 1 [running]:",
    "main.mustOpen({0xc000124000, 0x6e})",
    "\t/src/cmd/api/main.go:<<lineno>> +0x1a5",
    'dsn="<<user>>:<<$pwa18>>@tcp(<<dbhost>>:3306)/<<db>>?parseTime=true"',
)

FAM("polyglot_structured_loggers")
T(
    "pino JSON log with req headers",
    '{"level":30,"time":<<epochms>>,"pid":<<pidf>>,"hostname":"<<host>>","req":{"method":"GET","url":"/api/me","headers":{"authorization":"Bearer <<$jwt>>"}},"msg":"request completed"}',
)
T(
    "bunyan JSON with password in body",
    '{"name":"<<svc>>","hostname":"<<host>>","pid":<<pidf>>,"level":20,"body":{"email":"<<email>>","password":"<<$human>>"},"msg":"POST /signup","time":"<<ts>>","v":0}',
)
T(
    "Serilog compact JSON",
    '{"@t":"<<ts>>","@mt":"Connecting to {ConnectionString}","ConnectionString":"Host=<<dbhost>>;Username=<<user>>;Password=<<$pwa20>>;Database=<<db>>","SourceContext":"<<svc>>.Data"}',
)
T(
    "Serilog console template output",
    '[<<hh>>:05 INF] Token issued for {"ClientId": "<<svc>>", "ClientSecret": "<<$an32>>"} in <<ms>> ms',
)
T(
    "structlog key-value console",
    "<<tsp>> [info     ] s3_upload_started              bucket=<<bucket>> aws_secret_access_key=<<$awssk>> key=exports/<<date>>.parquet",
)
T(
    "structlog JSON renderer",
    '{"event": "oauth_exchange", "code": "<<$bu32>>", "redirect_uri": "https://app.<<domain>>/cb", "level": "debug", "timestamp": "<<ts>>"}',
)
T(
    "log4j2 JSONLayout",
    '{"instant":{"epochSecond":<<epoch>>,"nanoOfSecond":120000000},"thread":"main","level":"DEBUG","loggerName":"com.<<org>>.ldap.Bind","message":"bind dn=cn=<<user>>,ou=svc credentials=<<$human>>","endOfBatch":false}',
)
T(
    "logback pattern line with jdbc password",
    "<<tsl>> DEBUG [main] c.z.h.HikariConfig - dataSourceProperties............{password=<<$pw20>>, user=<<user>>}",
)
T(
    "python logging default format with dict repr",
    'DEBUG:urllib3.connectionpool:https://api.<<domain>>:443 "POST /oauth/token HTTP/1.1" 200 None',
    "DEBUG:<<svc>>.client:token response {'access_token': '<<$bu40>>', 'token_type': 'Bearer', 'expires_in': 3600}",
)
T(
    "winston JSON with apiKey",
    '{"level":"warn","message":"Mailgun send failed","apiKey":"<<$mailgun>>","domain":"mg.<<domain>>","timestamp":"<<ts>>"}',
)
T(
    "monolog line format with context",
    '[<<tsp>>] production.ERROR: Stripe webhook signature mismatch {"secret":"<<$whsec>>","event":"evt_<<hex12>>"} []',
)
T(
    "rails lograge with filtered params leak",
    'method=POST path=/users/sign_in format=html controller=Devise::SessionsController action=create status=302 duration=<<ms>>.21 params={"user"=>{"email"=>"<<email>>", "password"=>"<<$human>>"}}',
)
T(
    "elixir logger metadata",
    '<<hh>>:05.441 request_id=F<<hex12>> [debug] Repo config: [hostname: "<<dbhost>>", username: "<<user>>", password: "<<$pwa16>>"]',
)

FAM("git_diffs_and_patches")
T(
    "unified diff adding .env secret",
    "diff --git a/.env.<<env>> b/.env.<<env>>",
    "index <<short>>..<<short#2>> 100644",
    "--- a/.env.<<env>>",
    "+++ b/.env.<<env>>",
    "@@ -3,3 +3,4 @@ DB_HOST=<<dbhost>>",
    " DB_USER=<<user>>",
    "+DB_PASSWORD=<<$human>>",
    " REDIS_URL=redis://redis:6379",
)
T(
    "diff removing hardcoded token",
    "@@ -12,7 +12,7 @@ const client = new Octokit({",
    "-  auth: '<<$ghp>>',",
    "+  auth: process.env.GITHUB_TOKEN,",
    " });",
)
T(
    "diff rotating a key in yaml",
    "--- a/deploy/<<env>>/values.yaml",
    "+++ b/deploy/<<env>>/values.yaml",
    "@@ -40,6 +40,6 @@ secrets:",
    "-  slackBotToken: <<$xoxb>>",
    "+  slackBotToken: <<$xoxb>>",
)
T(
    "git log -p commit with aws key",
    "commit <<sha>>",
    "Author: <<full>> <<<email>>>",
    "Date:   Thu Dec 3 09:41:07 2026 +0100",
    "",
    "    temp: hardcode creds for local test",
    "",
    "+aws_secret_access_key = <<$awssk>>",
)
T(
    "format-patch email header and diff",
    "From <<sha>> Mon Sep 17 00:00:00 2001",
    "From: <<full>> <<<email>>>",
    "Subject: [PATCH 2/3] config: add sendgrid key",
    "---",
    "+SENDGRID_API_KEY=<<$sg>>",
)
T(
    "git show of a python settings file",
    "$ git show <<short>>:<<svc>>/settings/production.py | grep -n SECRET",
    "23:SECRET_KEY = '<<$djkey>>'",
)
T(
    "diff in docker-compose with postgres password",
    "   db:",
    "     image: postgres:16",
    "     environment:",
    "-      POSTGRES_PASSWORD: example",
    "+      POSTGRES_PASSWORD: <<$pwa20>>",
)
T(
    "git stash show -p with kube token",
    "$ git stash show -p stash@{0}",
    "+    token: <<$jwt>>",
    "     server: https://<<fqdn>>:6443",
)
T(
    "diff of terraform tfvars",
    "diff --git a/envs/<<env>>.tfvars b/envs/<<env>>.tfvars",
    '-db_password = "<<$human>>"',
    '+db_password = "<<$human>>"',
)
T(
    "blame output showing line with secret",
    "<<short>> (<<full>> <<date>> 14:02:11 +0000 <<lineno>>)     'stripe_key' => '<<$sklive>>',",
)
T(
    "git grep result",
    "$ git grep -n 'hf_' -- '*.ipynb'",
    'notebooks/finetune.ipynb:<<lineno>>:    "HF_TOKEN = \\"<<$hf>>\\"\\n",',
)
T(
    "secret in commit message",
    "commit <<sha>>",
    "    fix(ci): use new deploy token <<$glpat>> until vault integration lands",
)

FAM("code_review_comments")
T(
    "github PR review comment quoting line",
    "**<<user>>** commented on `config/<<env>>.yml` line <<lineno>>:",
    "> api_secret: <<$an40>>",
    "This looks like a real secret. Please move it to the secret store and rotate it.",
)
T(
    "gitlab MR discussion with suggestion",
    "<<full>> started a thread on the diff",
    "```suggestion",
    "password: ${DB_PASSWORD}",
    "```",
    "The current value `<<$human>>` is the prod one, isn't it?",
)
T(
    "gerrit inline comment",
    "Patch Set 3:",
    "(1 comment)",
    "File src/main/resources/application.properties:",
    "Line <<lineno>>: spring.datasource.password=<<$pwa16>> -> please don't commit this, use the vault property source",
)
T(
    "review comment mentioning rotated token",
    '> I already revoked `<<$ghp>>`, the new one is in 1Password under "<<svc>> CI bot".',
)
T(
    "bitbucket comment with slack webhook",
    "@<<user>> the webhook https://hooks.slack.com/services/T0<<uan8>>/B0<<uan8#2>>/<<$slackhook>> is now public in the repo history, can you regenerate it?",
)
T(
    "PR description listing test creds",
    "## Testing",
    "- log in to staging as `<<user>>` / `<<$human>>`",
    "- run `make e2e`",
)
T(
    "review reply with copy of connection string",
    "Replying to <<full>>: the failing one was `Server=<<host>>;Database=<<db>>;User Id=sa;Password=<<$pw18>>;` so it is a firewall issue, not creds.",
)
T(
    "code review bot finding",
    "🔒 secret-scanner found a potential credential in `scripts/deploy.sh:<<lineno>>`:",
    "    export NPM_TOKEN=<<$npm>>",
    "Severity: high. Rule: npm-access-token",
)
T(
    "phabricator inline",
    "<<user>> added an inline comment.",
    "INLINE COMMENTS",
    "> tools/backfill.py:<<lineno>>",
    "> REDSHIFT_PASSWORD = '<<$pwa20>>'",
    "nit: read this from env",
)
T(
    "merge request note about passphrase",
    "heads up: the signing key passphrase `<<$phrase>>` was pasted in the job log of pipeline #<<nn>><<nn#2>>, please rotate",
)
T(
    "review thread about hardcoded hmac",
    '+HMAC_SECRET = "<<$hex64>>"',
    "",
    "**<<user>>**: why is this hardcoded?",
    "**<<user#2>>**: temporary, will move to SSM before merge",
)

FAM("sql_query_logs")
T(
    "mysql general log CREATE USER",
    "<<ts>>\t   <<nn>> Query\tCREATE USER '<<user>>'@'%' IDENTIFIED BY '<<$human>>'",
)
T(
    "mysql general log ALTER USER",
    "<<ts>>\t   <<nn>> Query\tALTER USER 'repl'@'10.%' IDENTIFIED WITH caching_sha2_password BY '<<$pw20>>'",
)
T(
    "postgres log statement ALTER ROLE",
    "<<tsp>>.123 UTC [<<pidf>>] postgres@<<db>> LOG:  statement: ALTER ROLE <<user>> WITH LOGIN PASSWORD '<<$pwa18>>';",
)
T(
    "postgres error log with CREATE ROLE",
    '<<tsp>>.456 UTC [<<pidf>>] ERROR:  role "<<user>>" already exists',
    "<<tsp>>.456 UTC [<<pidf>>] STATEMENT:  CREATE ROLE <<user>> LOGIN PASSWORD '<<$human>>' VALID UNTIL '2027-01-01';",
)
T(
    "mysql slow query log with token lookup",
    "# Time: <<ts>>",
    "# User@Host: app[app] @  [<<ip>>]  Id: <<nn>>",
    "# Query_time: 3.214  Lock_time: 0.000 Rows_sent: 1  Rows_examined: 921344",
    "SET timestamp=<<epoch>>;",
    "SELECT * FROM api_tokens WHERE token = '<<$an40>>';",
)
T(
    "pgaudit log",
    "<<tsp>> UTC [<<pidf>>]: [3-1] user=admin,db=<<db>> LOG:  AUDIT: SESSION,1,1,ROLE,ALTER ROLE,,,\"ALTER USER etl PASSWORD '<<$pw16>>'\",<not logged>",
)
T(
    "SQL Server profiler text",
    "exec sp_addlogin @loginame = N'<<user>>', @passwd = N'<<$human>>', @defdb = N'<<db>>'",
)
T(
    "Oracle audit trail SQL_TEXT",
    'SQL_TEXT: ALTER USER <<user>> IDENTIFIED BY "<<$pwa14>>" ACCOUNT UNLOCK',
)
T(
    "snowflake query history row",
    "<<uuidf>>\tALTER USER <<user>> SET PASSWORD = '<<$sfpw>>' MUST_CHANGE_PASSWORD = FALSE\tSUCCESS\t<<ms>>",
)
T(
    "redshift STL_QUERYTEXT with COPY credentials",
    "copy <<db>>.events from 's3://<<bucket>>/events/' credentials 'aws_access_key_id=AKIA<<ckey>>;aws_secret_access_key=<<$awssk>>' format as json 'auto';",
)
T(
    "bigquery job log with federated password",
    "jobs.query: CREATE CONNECTION `<<proj>>.us.pg` OPTIONS(type='CLOUD_SQL', username='<<user>>', password='<<$pw20>>')",
)
T(
    "mysql binlog row with hashed and plain",
    "### UPDATE `<<db>>`.`integrations`",
    "### SET",
    "###   @3='webhook'",
    "###   @4='<<$whsec>>'",
)

FAM("vault_cli_output")
T(
    "vault kv get table",
    "$ vault kv get secret/<<svc>>/<<env>>",
    "====== Data ======",
    "Key         Value",
    "---         -----",
    "api_key     <<$an32>>",
    "password    <<$human>>",
)
T(
    "vault read database creds",
    "$ vault read database/creds/<<db>>-readonly",
    "Key                Value",
    "lease_id           database/creds/<<db>>-readonly/<<an24>>",
    "lease_duration     1h",
    "password           <<$pwa20>>",
    "username           v-token-<<db>>-<<hex8>>",
)
T(
    "vault token create output",
    "$ vault token create -policy=<<svc>> -ttl=24h",
    "Key                  Value",
    "token                <<$hvs>>",
    "token_accessor       <<an24>>",
    "token_duration       24h",
)
T(
    "vault login output",
    "Success! You are now authenticated. The token information displayed below",
    "is already stored in the token helper.",
    "Key                  Value",
    "token                <<$hvslong>>",
)
T(
    "vault kv get json",
    "{",
    '  "data": {',
    '    "data": {',
    '      "client_secret": "<<$an40>>"',
    "    },",
    '    "metadata": {"version": <<n>>}',
)
T(
    "vault write with password in shell history",
    "$ vault write auth/userpass/users/<<user>> password='<<$human>>' policies=<<team>>",
)
T(
    "vault operator init unseal keys",
    "Unseal Key 1: <<$bs33>>",
    "Unseal Key 2: <<$bs33>>",
    "Initial Root Token: <<$hvs>>",
)
T(
    "VAULT_TOKEN export in CI log",
    "+ export VAULT_ADDR=https://vault.<<domain>>:8200",
    "+ export VAULT_TOKEN=<<$hvs>>",
)
T(
    "vault read aws creds",
    "access_key         AKIA<<ckey>>",
    "secret_key         <<$awssk>>",
    "security_token     <nil>",
)
T("vault kv get field output", "$ vault kv get -field=passphrase secret/gpg/release", "<<$phrase>>")
T("consul kv get", "$ consul kv get config/<<svc>>/<<env>>/redis_password", "<<$pwa18>>")
T("vault transit key export", '"keys": {', '  "1": "<<$bs32>>"', "},")

FAM("cloud_secret_managers")
T(
    "aws secretsmanager get-secret-value JSON",
    "{",
    '    "ARN": "arn:aws:secretsmanager:<<region>>:<<acct>>:secret:<<svc>>/<<env>>-<<an6>>",',
    '    "Name": "<<svc>>/<<env>>",',
    '    "SecretString": "{\\"username\\":\\"<<user>>\\",\\"password\\":\\"<<$pwa20>>\\"}",',
    '    "VersionStages": ["AWSCURRENT"]',
    "}",
)
T(
    "aws secretsmanager text output",
    "$ aws secretsmanager get-secret-value --secret-id <<svc>>/stripe --query SecretString --output text",
    "<<$sklive>>",
)
T(
    "aws ssm get-parameter with decryption",
    '    "Parameter": {',
    '        "Name": "/<<env>>/<<svc>>/DB_PASSWORD",',
    '        "Type": "SecureString",',
    '        "Value": "<<$human>>",',
    '        "Version": <<n>>,',
)
T(
    "gcloud secrets versions access",
    "$ gcloud secrets versions access latest --secret=<<svc>>-api-key --project=<<proj>>",
    "<<$an39>>",
)
T(
    "gcloud secret access json payload",
    "name: projects/<<nn>>/secrets/<<svc>>-db/versions/<<n>>",
    "payload:",
    "  data: <<$bs24>>",
    "  dataCrc32c: '<<nn>><<nn#2>>'",
)
T(
    "az keyvault secret show",
    "{",
    '  "attributes": {"enabled": true},',
    '  "id": "https://<<kv>>.vault.azure.net/secrets/<<svc>>-conn/<<hex12>><<hex8>>",',
    '  "name": "<<svc>>-conn",',
    '  "value": "<<$pw24>>"',
    "}",
)
T(
    "az keyvault tsv output",
    "$ az keyvault secret show --vault-name <<kv>> -n sp-secret --query value -o tsv",
    "<<$an40>>",
)
T(
    "aws ssm parameter text with api token",
    "$ aws ssm get-parameter --name /<<env>>/datadog/api_key --with-decryption --query Parameter.Value --output text",
    "<<$ddapi>>",
)
T(
    "kubernetes external secret status describe",
    "Events:",
    '  Warning  UpdateFailed  2m  external-secrets  could not update secret: value "<<$human>>" for key db-password is too long',
)
T(
    "aws secretsmanager put-secret-value command",
    "$ aws secretsmanager put-secret-value --secret-id <<svc>>/<<env>>/redis --secret-string '<<$pwa22>>'",
)
T(
    "gcloud secrets create from literal",
    "$ printf '<<$an32>>' | gcloud secrets create <<svc>>-webhook --data-file=- --replication-policy=automatic",
)

FAM("dev_secret_tools")
T(
    "doppler secrets table",
    "$ doppler secrets --project <<svc>> --config <<env>>",
    "┌────────────────────┬──────────────────────────┐",
    "│ NAME               │ VALUE                    │",
    "│ DB_PASSWORD        │ <<$human>>               │",
    "│ DOPPLER_PROJECT    │ <<svc>>                  │",
)
T("doppler service token in env", "DOPPLER_TOKEN=<<$dpst>> doppler run -- npm start")
T("1password op read", '$ op read "op://<<team>>/<<svc>> db/password"', "<<$pw20>>")
T(
    "1password item get fields",
    '$ op item get "<<svc>> admin" --fields username,password',
    "<<user>>,<<$human>>",
)
T("1password service account token", "export OP_SERVICE_ACCOUNT_TOKEN=<<$ops>>")
T(
    "bitwarden bw get item JSON",
    '{"object":"item","id":"<<uuidf>>","name":"<<svc>> prod","login":{"username":"<<email>>","password":"<<$human>>","totp":"<<$bt32>>"}}',
)
T(
    "bitwarden secrets manager access token",
    "$ export BWS_ACCESS_TOKEN=<<$bws>>",
    "$ bws secret list",
)
T(
    "sops decrypted yaml",
    "$ sops -d secrets/<<env>>.enc.yaml",
    "db:",
    "    user: <<user>>",
    "    password: <<$pwa20>>",
    "stripe:",
    "    secret_key: <<$sklive>>",
)
T(
    "sops decrypted dotenv",
    "$ sops -d --input-type dotenv --output-type dotenv .env.<<env>>.enc",
    "REDIS_PASSWORD=<<$pw16>>",
    "JWT_SIGNING_KEY=<<$bs48>>",
)
T("age secret key file", "# created: <<ts>>", "# public key: age1<<lan8>><<lan8#2>>", "<<$age>>")
T(
    "infisical export",
    "$ infisical export --env=<<env>> --format=dotenv",
    "POSTGRES_PASSWORD='<<$human>>'",
    "OPENAI_API_KEY='<<$openai>>'",
)
T(
    "chamber exec listing",
    "$ chamber list -e <<svc>>",
    "Key           Version  LastModified    User             Value",
    "db_password   <<n>>        <<date>>      <<user>>    <<$pwa18>>",
)

FAM("email_threads")
T(
    "helpdesk email with temporary password",
    "From: IT Service Desk <servicedesk@<<domain>>>",
    "To: <<email>>",
    "Subject: Your new account",
    "",
    "Hi <<first>>,",
    "your temporary password is <<$human>> - you will be asked to change it at first login.",
)
T(
    "forwarded credentials in email",
    "---------- Forwarded message ---------",
    "From: <<full>> <<<email>>>",
    "Date: Thu, 3 Dec 2026 at 10:14",
    "Subject: Fwd: snowflake access",
    "",
    "user: <<user>>",
    "pass: <<$sfpw>>",
)
T(
    "vendor onboarding email with API key",
    "Welcome to <<company>> Data Cloud!",
    "Your API credentials:",
    "  Client ID:     <<uuidf>>",
    "  Client secret: <<$an40>>",
    "Keep these safe; we cannot show the secret again.",
)
T(
    "reply quoting earlier password",
    "> On Wed, Dec 2, 2026 at 5:03 PM <<full>> wrote:",
    "> > The wifi password for the <<city>> office is <<$human>>",
    "> thanks!",
    "Thanks, connected.",
)
T(
    "email with one-time code",
    "Subject: <<company>> sign-in code",
    "",
    "Use the code <<$otp>> to finish signing in. It expires in 10 minutes.",
)
T(
    "email with recovery codes",
    "Here are the backup codes you asked for, keep them offline:",
    "<<$recov>>   <<$recov>>",
    "<<$recov>>   <<$recov>>",
)
T(
    "email handing over SFTP creds",
    "Hello <<first>>,",
    "SFTP host: sftp.<<domain>> (port 22)",
    "Login: <<user>>",
    "Password: <<$pwa14>>",
    "Best regards, <<full>>",
)
T(
    "email with zip password in separate message",
    "Subject: RE: payroll export",
    "The password for payroll_<<date>>.zip is <<$phrase>> (sent separately as agreed).",
)
T(
    "mailing list post leaking token",
    'I tried `curl -H "PRIVATE-TOKEN: <<$glpat>>" https://gitlab.<<domain>>/api/v4/projects` and get a 401, any idea?',
)
T(
    "email signature with voicemail pin",
    "-- ",
    "<<full>> | <<company>>",
    "Voicemail PIN (for my backup <<first#2>>): <<$pin>>",
)
T(
    "html email body with reset token link",
    '<p>Click <a href="https://account.<<domain>>/reset?token=<<$bu32>>&amp;uid=<<nn>>">here</a> to reset your password.</p>',
)
T(
    "email with wifi guest passphrase",
    'Guest Wi-Fi this week: SSID "<<company>>-Guest", passphrase: <<$phrase>>',
)

FAM("call_transcripts")
T(
    "support call transcript spelling a password",
    "[00:03:12] Agent: Can you read me the password you set?",
    "[00:03:15] Caller: Sure, it's <<spell:a>>.",
    "[00:03:31] Agent: So that's <<$human#a>>, got it.",
)
T(
    "bridge call transcript with PIN",
    "[<<hh>>] <<first>>: the dial-in PIN is <<$pin#p>>, that's <<spell:p>>",
    "[<<hh#2>>] <<first#2>>: thanks, joining now",
)
T(
    "zoom auto transcript OTP read aloud",
    "<<first>> <<last>>  00:14:02",
    "Okay the code on my phone says <<$otp>>.",
    "<<first#2>> <<last#2>>  00:14:09",
    "Great, I'm in.",
)
T(
    "voice ticket note with spelled token",
    "Call notes <<ticket>>: customer read API key over the phone: <<spell:k>>",
    "Typed key: <<$an12#k>>",
)
T(
    "teams meeting transcript with wifi key",
    "<<first>> <<last>> 2:14",
    "Wi-Fi key for the lab is <<$human>>, all one word.",
)
T(
    "call center transcript card PIN",
    "AGENT: For verification, what is your telephone banking PIN?",
    "CUSTOMER: <<$pin>>.",
    "AGENT: Thank you.",
)
T(
    "incident bridge transcript with root password",
    "[<<hh>>:40] <<first>> (SRE): I'm going to paste the root pw in chat, it's <<$pwa12>>",
    "[<<hh>>:41] <<first#2>> (DBA): got it, logging in",
)
T(
    "voicemail transcription",
    "Voicemail from <<phone>> (0:42): Hi it's <<first>> from IT, your reset password is <<$human#v>>, I repeat, <<spell:v>>. Call me back if it doesn't work.",
)
T(
    "interpreter transcript with door code",
    "SPEAKER 2: The door code for the server room is <<$pin>>, then press hash.",
)
T(
    "podcast style transcript accidentally reading token",
    "00:41:07 --> 00:41:15",
    "so I just paste the token, which is <<$npm>>, oops, don't use that one",
)
T(
    "call recording summary with passphrase",
    'Summary: caller verified identity with passphrase "<<$phrase>>" and requested an MFA reset for <<email>>.',
)

FAM("csv_account_exports")
T(
    "bitwarden CSV export",
    "folder,favorite,type,name,notes,fields,reprompt,login_uri,login_username,login_password,login_totp",
    "<<team>>,,login,<<svc>> admin,,,0,https://<<fqdn>>,<<user>>,<<$human>>,",
)
T(
    "chrome passwords CSV",
    "name,url,username,password,note",
    "<<fqdn>>,https://<<fqdn>>/login,<<email>>,<<$pw16>>,",
)
T(
    "lastpass CSV export",
    "url,username,password,totp,extra,name,grouping,fav",
    "https://console.<<domain>>,<<user>>,<<$human>>,<<$bt16>>,,<<svc>> console,Shared-<<team>>,0",
)
T(
    "onboarding spreadsheet tsv",
    "Name\tEmail\tTemp password\tLaptop",
    "<<full>>\t<<email>>\t<<$human>>\tMBP-<<nn>>",
    "<<full#2>>\t<<email#2>>\t<<$human>>\tMBP-<<nn#2>>",
)
T(
    "service accounts inventory CSV",
    "service,account,secret,rotated_at,owner",
    "<<svc>>,svc_<<db>>,<<$pwa20>>,<<date>>,<<team>>",
)
T(
    "keepass XML export entry",
    "<Entry>",
    "  <String><Key>Title</Key><Value><<svc>> DB</Value></String>",
    "  <String><Key>UserName</Key><Value><<user>></Value></String>",
    '  <String><Key>Password</Key><Value ProtectAlnMemory="True"><<$pw20>></Value></String>',
    "</Entry>",
)
T(
    "API keys CSV from vendor portal",
    "key_name,key_id,secret,created",
    "<<svc>>-<<env>>,<<ckey>>,<<$confl>>,<<date>>",
)
T(
    "semicolon CSV from excel with PINs",
    "Mitarbeiter;Ausweis;PIN",
    "<<full>>;<<nn>><<nn#2>>;<<$pin>>",
    "<<full#2>>;<<nn#3>><<nn#4>>;<<$pin>>",
)
T(
    "firefox logins CSV",
    '"url","username","password","httpRealm","formActionOrigin","guid","timeCreated"',
    '"https://<<fqdn>>","<<user>>","<<$human>>",,"https://<<fqdn>>","{<<uuidf>>}","<<epochms>>"',
)
T(
    "google sheet export of wifi and alarm codes",
    "Location,Wi-Fi SSID,Wi-Fi key,Alarm code",
    "<<city>>,<<company>>-Staff,<<$phrase>>,<<$pin>>",
)
T(
    "1password CSV export",
    "Title,Website,Username,Password,OTPAuth,Favorite,Archived,Tags,Notes",
    "<<svc>> SSO,https://<<fqdn>>,<<email>>,<<$pw24>>,otpauth://totp/<<svc>>?secret=<<$bt32>>&issuer=<<svc>>,false,false,work,",
)
T(
    "AWS IAM credentials CSV download",
    "User name,Password,Access key ID,Secret access key,Console login link",
    "<<user>>,<<$human>>,AKIA<<ckey>>,<<$awssk>>,https://<<acct>>.signin.aws.amazon.com/console",
)

FAM("crash_reports")
T(
    "sentry event JSON breadcrumb with token URL",
    '{"event_id":"<<hex12>><<hex12#2>><<hex8>>","platform":"javascript","breadcrumbs":{"values":[{"category":"fetch","data":{"method":"GET","url":"https://api.<<domain>>/v1/me?access_token=<<$bu32>>","status_code":401},"level":"error"}]}}',
)
T(
    "sentry request data with cookie header",
    '  "request": {',
    '    "url": "https://app.<<domain>>/checkout",',
    '    "headers": {"Cookie": "session=<<$cookie>>; theme=dark"},',
    '    "method": "POST"',
    "  },",
)
T(
    "sentry extra context with db password",
    '"extra": {"settings": {"DATABASE_URL": "postgres://<<user>>:<<$pwa20>>@<<dbhost>>:5432/<<db>>", "DEBUG": false}}',
)
T(
    "firebase crashlytics log lines",
    "<<tsp>>.221 I/FirebaseCrashlytics: Crashlytics log: AuthRepo refresh ok token=<<$jwt>>",
    "<<tsp>>.250 E/AndroidRuntime: FATAL EXCEPTION: main",
)
T(
    "android logcat OkHttp interceptor",
    "<<tsp>>.812 <<pidf>> <<pidf#2>> I okhttp.OkHttpClient: --> POST https://api.<<domain>>/v2/login",
    "<<tsp>>.812 <<pidf>> <<pidf#2>> I okhttp.OkHttpClient: Authorization: Bearer <<$bu40>>",
)
T(
    "iOS crash report with URL in last exception",
    "Last Exception Backtrace:",
    "0   CoreFoundation  0x1a2b3c4d5 __exceptionPreprocess + 164",
    "Application Specific Information:",
    "*** Terminating app: NSURLErrorDomain -1012 https://api.<<domain>>/graphql?api_key=<<$an32>>",
)
T(
    "bugsnag metadata with stripe key",
    '"metaData": {"app": {"config": {"stripePublishable": "pk_live_<<an24>>", "stripeSecret": "<<$sklive>>"}}}',
)
T(
    "react native redbox with firebase config",
    "ERROR  [Error: Request failed with status code 403]",
    '    config: {"headers": {"x-api-key": "<<$an40>>"}, "url": "https://<<svc>>.<<domain>>/v1/sync"}',
)
T(
    "sentry breadcrumb navigation with magic link token",
    '{"type":"navigation","category":"navigation","data":{"from":"/login","to":"/auth/magic?token=<<$bu24>>&email=<<user>>%40<<domain>>"},"timestamp":<<epoch>>.52}',
)
T(
    "minidump annotations with password",
    "Crash annotations:",
    "  prod: <<svc>>-desktop",
    "  ver: <<ver>>",
    "  last_cmdline: <<svc>>.exe --sync-user=<<user>> --sync-password=<<$human>>",
)
T(
    "electron crash log with refresh token",
    "[<<pidf>>:1203/101512.391:ERROR:main.js(<<lineno>>)] refresh failed for refresh_token=<<$bu48>>",
)
T(
    "flutter error dump with headers",
    "══╡ EXCEPTION CAUGHT BY HTTP CLIENT ╞══",
    "DioException [bad response]: status 401",
    "requestOptions.headers: {X-Auth-Token: <<$hex40>>, Accept: application/json}",
)

FAM("multilingual_chat_messages")
T(
    "French chat password",
    "<<first>>: Le mot de passe du compte <<svc>> est « <<$human>> », ne le partage pas stp",
)
T(
    "German chat password",
    "<<first>>: Das Passwort für den Staging-Server lautet <<$pwa14>> – bitte nach dem Login ändern.",
)
T(
    "Spanish chat PIN",
    "<<first>>: El PIN de la tarjeta corporativa es <<$pin>>, no se lo des a nadie.",
)
T(
    "Portuguese chat wifi password",
    "<<first>>: A senha do Wi-Fi do escritório de <<city>> é <<$human>>",
)
T(
    "Japanese chat password",
    "<<first>>さん、<<svc>>の管理画面のパスワードは「<<$pw16>>」です。ログイン後に変更してください。",
)
T(
    "Chinese chat verification code",
    "<<first>>：你的验证码是 <<$otp>>，五分钟内有效，请勿告诉他人。",
)
T(
    "Korean chat password",
    "<<first>>님, 데이터베이스 비밀번호는 <<$human>> 입니다. 사용 후 꼭 변경해 주세요.",
)
T(
    "Russian chat password",
    "<<first>>: Пароль от админки <<svc>>: <<$pwa16>> — не пересылай никому.",
)
T(
    "Arabic chat password",
    "<<first>>: كلمة المرور الجديدة لحساب الخادم هي <<$human>> يرجى تغييرها فورًا",
)
T("Hindi chat OTP", "<<first>>: आपका ओटीपी <<$otp>> है, इसे किसी के साथ साझा न करें।")
T("Turkish chat password", "<<first>>: Sunucu şifresi <<$pw14>>, lütfen kimseyle paylaşma.")
T(
    "Vietnamese chat password",
    "<<first>>: Mật khẩu VPN của anh là <<$human>> nhé, đăng nhập xong đổi luôn.",
)
T("Polish chat PIN", "<<first>>: Kod PIN do drukarki w biurze to <<$pin>>.")
T("Indonesian chat token", "<<first>>: Token API buat staging: <<$an32>> jangan di-commit ya")

FAM("multilingual_tickets_docs")
T(
    "Italian ticket with password",
    "Ticket <<ticket>>: Buongiorno, la password temporanea per l'utente <<user>> è <<$human>>. Cordiali saluti.",
)
T(
    "Dutch wiki page with credentials",
    "Inloggegevens testomgeving: gebruiker <<user>>, wachtwoord <<$pwa12>> (niet voor productie gebruiken).",
)
T("Swedish onboarding doc", "Lösenordet till gäst-wifi är <<$phrase>> och byts varje månad.")
T(
    "Hebrew support reply",
    "שלום <<first>>, הסיסמה הזמנית שלך היא <<$human>> יש להחליף אותה בכניסה הראשונה.",
)
T("Thai IT notice", "รหัสผ่านชั่วคราวของคุณคือ <<$pw12>> กรุณาเปลี่ยนรหัสผ่านหลังเข้าสู่ระบบ")
T("Greek helpdesk answer", "Ο κωδικός πρόσβασης για τον λογαριασμό <<user>> είναι <<$human>>.")
T(
    "Ukrainian ticket comment",
    "Новий PIN-код для картки доступу: <<$pin>>. Не повідомляйте його іншим.",
)
T("Swahili SMS notification", "Nambari yako ya siri ya muda ni <<$otp>>. Usimpe mtu yeyote.")
T(
    "Japanese runbook with API key",
    "本番環境のAPIキー：<<$an40>>（漏洩した場合は直ちに再発行すること）",
)
T(
    "Chinese wiki with database password",
    "数据库连接信息：主机 <<dbhost>>，用户名 <<user>>，密码 <<$pwa16>>",
)
T(
    "Korean incident report with token",
    "장애 보고서: 배포 로그에 토큰 <<$ghp>> 이(가) 노출되어 즉시 폐기함.",
)
T("Persian message with wifi password", "رمز وای‌فای دفتر <<$human>> است.")
T("Bengali notice with PIN", "আপনার নতুন পিন হল <<$pin>>, দয়া করে কাউকে জানাবেন না।")
T(
    "Czech email with password",
    "Dobrý den, heslo k serveru je <<$pwa14>>, prosím po přihlášení změňte.",
)

FAM("mfa_and_recovery_codes")
T(
    "github recovery codes file",
    "github-recovery-codes.txt",
    "<<$recov>>",
    "<<$recov>>",
    "<<$recov>>",
    "<<$recov>>",
)
T(
    "otpauth URI in QR debug",
    "otpauth://totp/<<company>>:<<email>>?secret=<<$bt32>>&issuer=<<company>>&algorithm=SHA1&digits=6&period=30",
)
T(
    "google authenticator setup key text",
    "Can't scan the QR code? Enter this setup key instead: <<$bt16>>",
)
T(
    "aws virtual mfa seed base32 in script",
    "aws iam create-virtual-mfa-device --virtual-mfa-device-name <<user>> --outfile /tmp/qr.png --bootstrap-method Base32StringSeed",
    "Base32StringSeed: <<$bt64>>",
)
T(
    "sms otp log line",
    '<<ts>> INFO sms.sender: delivered to=<<phone>> template=login_code body="Your <<company>> code is <<$otp>>"',
)
T(
    "okta recovery question answer in admin log",
    '<<ts>> user.account.update_recovery_question actor=<<user>> recovery_answer="<<$human>>"',
)
T(
    "google backup codes printout",
    "BACKUP VERIFICATION CODES",
    "1. <<$dig8>>   2. <<$dig8>>",
    "3. <<$dig8>>   4. <<$dig8>>",
)
T("microsoft recovery key", "Your Microsoft account recovery code: <<$uan25>>")
T(
    "bitlocker recovery key",
    "BitLocker Drive Encryption recovery key",
    "Recovery Key: <<$dig6>>-<<$dig6>>-<<$dig6>>-<<$dig6>>-<<$dig6>>-<<$dig6>>-<<$dig6>>-<<$dig6>>",
)
T("authy backup password note", "Authy backups password: <<$phrase>>")
T(
    "yubikey PIN and PUK change log",
    "$ ykman piv access change-pin --pin 123456 --new-pin <<$dig8>>",
    "New PIN set.",
    "$ ykman piv access change-puk --puk 12345678 --new-puk <<$dig8>>",
)
T("duo bypass code in ticket", "Duo bypass code for <<user>> (valid 1 use): <<$dig9>>")

FAM("webhook_and_signing_secrets")
T(
    "stripe CLI listen output",
    "$ stripe listen --forward-to localhost:3000/webhooks",
    "> Ready! You are using Stripe API Version [2025-10-29]. Your webhook signing secret is <<$whsec>> (^C to quit)",
)
T("slack app credentials", "SLACK_SIGNING_SECRET=<<$hex32>>", "SLACK_BOT_TOKEN=<<$xoxb>>")
T(
    "github webhook secret in app config",
    "webhook:",
    "  url: https://ci.<<domain>>/github/events",
    "  secret: <<$hex40>>",
    "  content_type: json",
)
T("twilio auth token env", "TWILIO_ACCOUNT_SID=AC<<hex32>>", "TWILIO_AUTH_TOKEN=<<$twilio>>")
T(
    "shopify app secret and access token",
    "SHOPIFY_API_SECRET=<<$hex32>>",
    "SHOPIFY_ACCESS_TOKEN=<<$shpat>>",
)
T("svix webhook secret", 'const wh = new Webhook("<<$whsec>>");')
T(
    "JWT signing secret in config",
    "jwt:",
    "  issuer: https://auth.<<domain>>",
    '  hs256_secret: "<<$bs48>>"',
)
T("rails master key", "$ cat config/master.key", "<<$hex32>>")
T("django SECRET_KEY in env", "DJANGO_SECRET_KEY='<<$djkey>>'")
T(
    "linear and slack user tokens in script",
    "LINEAR_API_KEY=<<$linear>>",
    "SLACK_USER_TOKEN=<<$xoxp>>",
)
T(
    "sendgrid inbound parse and mailgun key",
    "MAILGUN_API_KEY=<<$mailgun>>",
    "SENDGRID_API_KEY=<<$sg>>",
)
T(
    "hmac signing key hex in k8s configmap",
    '  HMAC_KEY: "<<$hex64>>"',
    "  SIGNATURE_HEADER: X-Signature-256",
)

FAM("http_traces")
T(
    "curl -v with basic auth header",
    "> GET /api/v1/status HTTP/2",
    "> Host: <<fqdn>>",
    "> authorization: Basic <<$basic>>",
    "> user-agent: curl/8.9.1",
)
T(
    "curl -v with bearer",
    "> POST /oauth2/v1/introspect HTTP/1.1",
    "> Authorization: Bearer <<$jwt>>",
    "< HTTP/1.1 200 OK",
)
T(
    "http response Set-Cookie",
    "< HTTP/1.1 302 Found",
    "< Location: /dashboard",
    "< Set-Cookie: _session_id=<<$railssess>>; path=/; secure; HttpOnly; SameSite=Lax",
)
T(
    "request Cookie header multiple cookies",
    "Cookie: _ga=GA1.2.<<nn>>.<<epoch>>; connect.sid=<<$connect_sid>>; locale=en",
)
T(
    "flask session cookie in proxy log",
    '<<ip>> - - [03/Dec/2026:<<hh>>:51 +0000] "GET /admin HTTP/1.1" 200 3312 "-" "python-requests/2.32" "session=<<$flask>>"',
)
T(
    "nginx access log token in query string",
    '<<ip>> - - [03/Dec/2026:<<hh>>:12 +0000] "GET /export.csv?key=<<$an32>>&fmt=csv HTTP/1.1" 200 88123 "-" "Wget/1.21"',
)
T(
    "HAR entry header",
    "            {",
    '              "name": "X-API-Key",',
    '              "value": "<<$an40>>"',
    "            },",
)
T(
    "HAR postData with password",
    '          "postData": {',
    '            "mimeType": "application/x-www-form-urlencoded",',
    '            "text": "username=<<user>>&password=<<$pwurl>>&remember=1"',
    "          },",
)
T(
    "httpie verbose output",
    "POST /api/token HTTP/1.1",
    "Content-Type: application/json",
    "",
    "{",
    '    "client_id": "<<svc>>",',
    '    "client_secret": "<<$an48>>"',
    "}",
)
T(
    "mitmproxy dump PHPSESSID",
    "<<ip>>:51234: GET https://<<fqdn>>/index.php",
    "    Cookie: PHPSESSID=<<$phpsess>>",
)
T(
    "envoy access log with x-api-key",
    '[<<ts>>] "GET /v1/items HTTP/1.1" 200 - 0 1534 <<ms>> - "<<ip>>" "curl/8.5.0" "<<uuidf>>" "items.<<env>>" x-api-key="<<$an36>>"',
)
T(
    "wget debug with proxy auth",
    "---request begin---",
    "GET /releases/<<svc>>.tgz HTTP/1.1",
    "Proxy-Authorization: Basic <<$basic>>",
    "---request end---",
)

FAM("ci_pipeline_logs")
T(
    "github actions set -x leaking secret",
    "<<ts>> + curl -fsSL -H 'Authorization: token <<$ghs>>' https://api.github.com/repos/<<org>>/<<repo>>/releases",
)
T("gitlab CI variable echo", '$ echo "deploying with $DEPLOY_TOKEN"', "deploying with <<$glpat>>")
T(
    "jenkins console withCredentials leak via env",
    "[Pipeline] sh",
    "+ env",
    "NEXUS_PASSWORD=<<$human>>",
    "BUILD_NUMBER=<<nn>>",
)
T(
    "circleci step output",
    "#!/bin/bash -eo pipefail",
    "docker login -u $DOCKER_USER -p <<$docker_pat>>",
    "Login Succeeded",
)
T(
    "azure devops pipeline log",
    "<<ts>> ##[debug]Evaluating: variables['sqlPassword']",
    "<<ts>> ##[debug]Result: '<<$pw18>>'",
)
T(
    "buildkite env dump",
    "~~~ Preparing working directory",
    "BUILDKITE_AGENT_ACCESS_TOKEN=<<$an48>>",
    "BUILDKITE_BRANCH=<<branch>>",
)
T(
    "github actions debug log with env",
    "##[debug]Evaluating condition for step: 'Publish'",
    "##[debug]  NODE_AUTH_TOKEN: <<$npm>>",
)
T(
    "drone ci yaml secret inline",
    "steps:",
    "  - name: publish",
    "    image: plugins/docker",
    "    settings:",
    "      username: <<user>>",
    "      password: <<$pwa20>>",
)
T("teamcity build log parameter", "[<<hh>>:05]i: Setting parameter env.SONAR_TOKEN=<<$sntrys>>")
T(
    "argo workflows log with aws env",
    '<<svc>>-<<hex8>>: time="<<ts>>" level=info msg="env" AWS_SECRET_ACCESS_KEY=<<$awssk>>',
)
T(
    "tekton taskrun log with heroku key",
    "[deploy : push] remote: https://heroku:<<$heroku>>@git.heroku.com/<<svc>>.git",
)
T(
    "bitbucket pipelines log with digitalocean token",
    "+ doctl auth init --access-token <<$doctl>>",
    "Validating token... OK",
)

FAM("kubernetes_container_secrets")
T(
    "kubectl get secret yaml base64 data",
    "apiVersion: v1",
    "data:",
    "  password: <<$b64pw>>",
    "  username: <<bs9>>",
    "kind: Secret",
    "metadata:",
    "  name: <<svc>>-db",
    "type: Opaque",
)
T(
    "kubectl get secret jsonpath decoded",
    "$ kubectl get secret <<svc>>-creds -o jsonpath='{.data.token}' | base64 -d",
    "<<$an40>>",
)
T(
    "kubectl describe pod env plain",
    "    Environment:",
    "      SPRING_PROFILES_ACTIVE:  <<env>>",
    "      DB_PASSWORD:             <<$human>>",
    "      JAVA_OPTS:               -Xmx2g",
)
T(
    "docker inspect Env array",
    '            "Env": [',
    '                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin",',
    '                "POSTGRES_PASSWORD=<<$pwa20>>",',
    '                "PGDATA=/var/lib/postgresql/data"',
    "            ],",
)
T(
    "helm values with stringData",
    "auth:",
    "  rootPassword: <<$pw18>>",
    "  replicationPassword: <<$pw18>>",
)
T(
    "docker-compose environment",
    "  redis:",
    "    image: redis:7",
    "    command: redis-server --requirepass <<$pwa22>>",
)
T("kubeconfig with token user", "users:", "- name: ci-deployer", "  user:", "    token: <<$jwt>>")
T(
    "kubeconfig client key data",
    "    client-certificate-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t",
    "    client-key-data: <<$bs96>>",
)
T(
    "kubectl create secret command",
    "$ kubectl create secret generic <<svc>>-api --from-literal=API_KEY=<<$an32>> -n <<env>>",
)
T(
    "argo cd repo secret",
    "stringData:",
    "  type: git",
    "  url: https://github.com/<<org>>/<<repo>>",
    "  password: <<$ghpat>>",
    "  username: not-used",
)
T(
    "docker build arg in history",
    "$ docker history --no-trunc <<org>>/<<svc>>:<<ver>> | grep ARG",
    "<missing>   3 days ago   ARG NPM_TOKEN=<<$npm>>   0B",
)
T(
    "kubernetes event with secret in args",
    "  Warning  BackOff  12s (x4 over 1m)  kubelet  Back-off restarting failed container: args [--db-pass=<<$human>> --migrate]",
)

FAM("app_config_files")
T(
    ".env file",
    "APP_ENV=<<env>>",
    "APP_KEY=base64:<<$bs32>>",
    "DB_PASSWORD=<<$human>>",
    "MAIL_PASSWORD=<<$pwa16>>",
)
T(
    "spring application.properties",
    "spring.datasource.url=jdbc:mysql://<<dbhost>>:3306/<<db>>",
    "spring.datasource.username=<<user>>",
    "spring.datasource.password=<<$pwa20>>",
)
T(
    "appsettings.json connection string",
    "{",
    '  "ConnectionStrings": {',
    '    "Default": "Server=<<host>>;Database=<<db>>;User Id=<<user>>;Password=<<$human>>;TrustServerCertificate=True"',
    "  },",
)
T(
    "django settings.py",
    "SECRET_KEY = '<<$djkey>>'",
    "DEBUG = False",
    "ALLOWED_HOSTS = ['<<fqdn>>']",
)
T(
    "wp-config.php",
    "define( 'DB_NAME', '<<db>>' );",
    "define( 'DB_USER', '<<user>>' );",
    "define( 'DB_PASSWORD', '<<$human>>' );",
    "define( 'AUTH_KEY',         '<<$pw48>>' );",
)
T(
    "config.yaml with nested secrets",
    "smtp:",
    "  host: smtp.<<domain>>",
    "  username: <<user>>",
    '  password: "<<$pw16>>"',
    "oauth:",
    "  client_secret: <<$bu32>>",
)
T(
    "rails database.yml",
    "production:",
    "  adapter: postgresql",
    "  username: <<user>>",
    "  password: <%= ENV.fetch('DB_PASSWORD', '<<$pwa18>>') %>",
)
T(
    "application.conf HOCON",
    "akka.persistence.jdbc {",
    '  db.user = "<<user>>"',
    '  db.password = "<<$human>>"',
    "}",
)
T("php-fpm pool env", "env[REDIS_PASSWORD] = <<$pw20>>", "env[APP_DEBUG] = false")
T(
    "ini file with api secret",
    "[api]",
    "endpoint = https://api.<<domain>>",
    "key = <<ckey>>",
    "secret = <<$an48>>",
)
T(
    "toml config with planetscale password",
    "[database]",
    'host = "aws.connect.psdb.cloud"',
    'username = "<<lan12>>"',
    'password = "<<$pscale>>"',
)
T(
    "xml config with LDAP bind password",
    '<ldap url="ldaps://ldap.<<domain>>:636" bindDn="cn=<<user>>,ou=svc,dc=corp" bindPassword="<<$human>>"/>',
)

FAM("database_client_cli")
T(
    "mysql password on command line",
    "$ mysql -h <<dbhost>> -u <<user>> -p<<$pwa16>> <<db>> -e 'SHOW TABLES'",
    "mysql: [Warning] Using a password on the command line interface can be insecure.",
)
T(
    "PGPASSWORD env prefix",
    "$ PGPASSWORD='<<$human>>' pg_dump -h <<dbhost>> -U <<user>> -Fc <<db>> > <<db>>.dump",
)
T("redis-cli -a", "$ redis-cli -h redis-<<env>> -a '<<$pw20>>' --no-auth-warning INFO keyspace")
T(
    "mongosh URI with password",
    '$ mongosh "mongodb://<<user>>:<<$mongopw>>@mongo-0.<<env>>:27017/<<db>>?authSource=admin"',
)
T(".pgpass line", "<<dbhost>>:5432:<<db>>:<<user>>:<<$pwa20>>")
T("my.cnf client section", "[client]", "user=<<user>>", 'password="<<$human>>"', "host=<<dbhost>>")
T("sqlcmd -P", 'C:\\> sqlcmd -S <<host>>,1433 -U sa -P <<$pw18>> -d <<db>> -Q "SELECT @@VERSION"')
T("netrc for ftp", "machine ftp.<<domain>>", "login <<user>>", "password <<$human>>")
T("cqlsh with password", "$ cqlsh <<host>> 9042 -u <<user>> -p '<<$pwa14>>' --ssl")
T(
    "psql connection URI with url-encoded password",
    "$ psql 'postgresql://<<user>>:<<$pwurl>>@<<dbhost>>:5432/<<db>>?sslmode=verify-full'",
)
T(
    "influx CLI token",
    "$ influx query --host https://us-east-1-1.aws.cloud2.influxdata.com --org <<org>> --token <<$bu64>> 'from(bucket:\"<<bucket>>\") |> range(start:-1h)'",
)
T(
    "mysqldump in cron with password",
    "0 2 * * * mysqldump --user=backup --password=<<$pw20>> --all-databases | gzip > /backup/all-$(date +\\%F).sql.gz",
)

FAM("encoded_credential_placements")
T(
    "basic auth header base64 in proxy log",
    "<<tsp>> squid[<<pidf>>]: header Authorization: Basic <<$basic>>",
)
T("data URI base64 credential json", "config=data:application/json;base64,<<$bs45>>")
T(
    "url-encoded password in form log",
    "POST /login body: csrf=<<hex12>>&user=<<user>>&pass=<<$pwurl>>",
)
T(
    "url-encoded JSON in query param",
    "GET /track?payload=%7B%22apiKey%22%3A%22<<$an32>>%22%2C%22evt%22%3A%22open%22%7D HTTP/1.1",
)
T(
    "double-encoded token in redirect",
    "Location: https://sso.<<domain>>/login?next=%2Fcallback%3Ftoken%3D<<$an28>>%26user%3D<<user>>",
)
T(
    "base64 docker auth in CI variable",
    'DOCKER_AUTH_CONFIG={"auths":{"registry.<<domain>>":{"auth":"<<$basic>>"}}}',
)
T(
    "JSON string escaped inside JSON",
    '{"message":"{\\"db\\":{\\"user\\":\\"<<user>>\\",\\"password\\":\\"<<$human>>\\"}}","level":"info"}',
)
T(
    "multiline PEM in yaml block",
    "tls:",
    "  key: |",
    "    -----BEGIN EC PRIVATE KEY-----",
    "    <<$pemline>>",
    "    <<$bs24>>",
    "    -----END EC PRIVATE KEY-----",
)
T(
    "env var value in single quotes with spaces passphrase",
    "GPG_PASSPHRASE='<<$phrase>>' gpg --batch --pinentry-mode loopback --passphrase-fd 0 --sign release.tar.gz",
)
T(
    "SAS token query string",
    "https://<<org>>store.blob.core.windows.net/exports/<<date>>.csv?sv=2022-11-02&ss=b&srt=o&sp=r&se=2026-12-31T00:00:00Z&sig=<<$sig>>",
)
T(
    "jdbc URL with url-encoded password",
    "jdbc:postgresql://<<dbhost>>:5432/<<db>>?user=<<user>>&password=<<$pwurl>>",
)
T(
    "secret inside XML attribute entity escaped",
    '<add name="Main" connectionString="Data Source=<<host>>;User ID=app;Password=<<$pw16>>;" providerName="System.Data.SqlClient" />',
)

# ===========================================================================
# KEEP TEMPLATES (diagnostic tokens next to tempting words)
# ===========================================================================
K(
    "otel log line with trace and span ids near token refresh",
    "<<ts>> INFO [<<svc>>] token refresh succeeded trace_id=<<!trace>> span_id=<<!span>>",
)
K(
    "w3c traceparent beside redacted authorization",
    "traceparent: 00-<<!trace>>-<<!span>>-01",
    "authorization: [REDACTED]",
)
K(
    "secret scanning passed for full commit sha",
    "secret-scanning: no new secrets detected in commit <<!sha40>> (<<n>> files scanned)",
)
K(
    "short sha in token rotation note",
    "Rotated the deploy token; config change landed in <<!sha7>> and was reverted by <<!sha10>>.",
)
K(
    "image digest with imagePullSecrets",
    "    imagePullSecrets: [regcred]",
    "    image: ghcr.io/<<org>>/<<svc>>@<<!digest>>",
)
K(
    "terraform resource address with sensitive value",
    "<<!tfaddr>>: Modifying... [id=<<!sha10>>]",
    "      ~ password = (sensitive value)",
)
K(
    "airflow run id with masked password",
    "[<<tsl>>] {taskinstance.py:1206} INFO - Marking task as SUCCESS. dag_id=<<dag>>, task_id=<<task>>, run_id=<<!runid>>",
    "connection password masked by secrets_masker",
)
K(
    "aws secret ARN in describe-secret",
    '    "ARN": "<<!arn>>",',
    '    "Name": "<<svc>>/<<env>>/db-password",',
)
K(
    "ssh host key fingerprint",
    "debug1: Server host key: ssh-ed25519 <<!fp>>",
    "debug1: Authentications that can continue: publickey,password",
)
K(
    "gpg key id in signature verification",
    "gpg: Signature made Thu 03 Dec 2026 09:12:44 UTC",
    "gpg:                using RSA key <<!gpgfp>>",
    'gpg: Good signature from "release signing key"',
)
K(
    "npm lockfile integrity for jsonwebtoken",
    '    "node_modules/jsonwebtoken": {',
    '      "version": "<<!ver>>",',
    '      "integrity": "<<!integ>>",',
)
K(
    "yarn lock cookie package checksum",
    "cookie-signature@^1.2.1:",
    '  version "<<!ver>>"',
    "  integrity <<!integ>>",
)
K(
    "pip requirements hash for secretstorage",
    "secretstorage==3.3.3 \\",
    "    --hash=sha256:<<!hex64>>",
)
K(
    "kafka consumer offsets for auth topic",
    "[<<tsl>>] INFO [Consumer clientId=session-audit-1, groupId=auth-events] Setting offset for partition <<!part>> to the committed offset FetchPosition{offset=<<!offset>>}",
)
K(
    "sshd pid with accepted publickey",
    "<<tss>> <<host>> sshd[<<!pid>>]: Accepted publickey for deploy from <<ip>> port 52514 ssh2: ED25519 <<!fp>>",
)
K(
    "pod name mounting secret volume",
    '  Normal  Pulled   12s  kubelet  Successfully pulled image; mounted secret volume "db-credentials" into pod <<!pod>>',
)
K(
    "spark application id with credentials provider",
    "<<date>> 10:22:01 INFO Client: Submitted application <<!appid>> using credentials provider DefaultAWSCredentialsProviderChain",
)
K(
    "azure AD error code on token request",
    "token request failed: <<!err>>: The client secret supplied is expired. Trace ID: <<!uuid>> Correlation ID: <<!uuid#2>>",
)
K("request id next to cookie header name", "x-request-id: <<!uuid>>", "set-cookie: (omitted)")
K(
    "idempotency key documented as non-secret",
    "Idempotency-Key: <<!uuid>>",
    "Stripe-Version: 2025-10-29 (secret key redacted)",
)
K(
    "stripe request id in no-such-token error",
    "Request <<!reqid>>: No such token: 'tok_...redacted'",
)
K(
    "JWKS key id",
    '{"keys":[{"kty":"RSA","use":"sig","kid":"<<!kid>>","alg":"RS256"}]}  # public signing key set',
)
K(
    "KMS key id encrypting secret",
    "SecretString encrypted with KMS key <<!kmskey>> (alias/<<svc>>-secrets)",
)
K(
    "CVE in auth library",
    "jsonwebtoken <<!ver>> is affected by <<!cve>> (token signature bypass); upgrade required",
)
K(
    "service version and build number",
    "auth-gateway <<!vver>> (<<!build>>) starting; session store: redis",
)
K(
    "token cache hit ratio metric",
    "token_cache_hit_ratio=<<!metric>> credential_refresh_ms=<<!metric#2>> service=<<svc>>",
)
K("credential file path", "reading credentials from <<!path>> (mode 0600)")
K("md5 checksum of encrypted secrets archive", "<<!md5>>  secrets-<<date>>.tar.gz.gpg")
K(
    "s3 etag of secrets object",
    "upload: ./secrets.enc to s3://<<bucket>>/secrets.enc",
    "ETag: <<!etag>>",
)
K(
    "subresource integrity on auth script",
    '<script src="https://cdn.<<domain>>/auth/session.js" integrity="<<!sri384>>" crossorigin="anonymous"></script>',
)
K(
    "packer ami with session manager",
    "==> amazon-ebs: AMI: <<!ami>> (session manager plugin installed, no ssh key baked)",
)
K("vault agent renewal job id", "vault-agent <<!jobid>>: token renewed, lease_duration=768h")
K(
    "dbt invocation id with env secret prefix",
    "<<hh>>:05  Running with dbt=1.8.7 invocation_id=<<!uuid>> (DBT_ENV_SECRET_ values hidden)",
)
K("sentry event id in session error", "Sentry captured session_expired error; event_id=<<!md5>>")
K(
    "windows logon event ids",
    "An account was successfully logged on.",
    "  Logon ID:        <<!logon>>",
    "  Logon GUID:      {<<!uuid>>}",
    "  Authentication Package: Kerberos  Key Length: 0",
)
K(
    "auditd serial in session event",
    'type=USER_START msg=audit(<<epoch>>.100:<<!offset>>): pid=<<!pid>> uid=0 auid=1000 ses=<<n>> msg=\'op=PAM:session_open acct="deploy" exe="/usr/sbin/sshd" res=success\'',
)
K(
    "osquery host identifier with credential query pack",
    '{"name":"pack_credential_files","hostIdentifier":"<<!uuid>>","counter":<<n>>,"columns":{"path":"<<!path>>"}}',
)
K(
    "TLS certificate fingerprint",
    "SHA256 Fingerprint=<<!colonfp>>",
    "Subject: CN=auth.<<domain>> (private key stored in HSM)",
)
K(
    "buildkit secret mount with layer digests",
    "#7 [build 3/6] RUN --mount=type=secret,id=npm_token npm ci",
    "#7 DONE 21.4s",
    "#9 exporting layers",
    "#9 writing image <<!digest>> done",
)
K(
    "gradle build scan with credentials plugin",
    "Publishing build scan...",
    "https://gradle.com/s/<<!scanid>>",
    "(credentials plugin: gradle-credentials-plugin <<!ver>>)",
)
K(
    "maven artifact sha1 for vault driver",
    "Downloaded from central: https://repo.maven.apache.org/maven2/com/bettercloud/vault-java-driver/5.1.0/vault-java-driver-5.1.0.jar.sha1",
    "<<!sha40>>  (server credentials for central not required)",
)
K(
    "Cargo.lock checksum for secrecy crate",
    "[[package]]",
    'name = "secrecy"  # secret wrapper types',
    'version = "<<!ver>>"',
    'checksum = "<<!hex64>>"',
)
K("go.sum line for oauth2", "golang.org/x/oauth2 v0.24.0 <<!gosum>>", "# token source package")
K(
    "datadog trace id decimal with auth span",
    "dd.trace_id=<<!ddtrace>> dd.span_id=<<!ddtrace#2>> resource=POST /oauth/token status=200",
)
K(
    "salt jid for pillar refresh",
    "<<host>>: jid <<!saltjid>> saltutil.refresh_pillar (pillar secrets rendered on master only)",
)
K(
    "ansible ssh public host key fact",
    '"ansible_ssh_host_key_ed25519_public": "<<!sshpub>>",',
    '"ansible_ssh_host_key_ed25519_public_keytype": "ssh-ed25519",',
)
K(
    "pulumi update id with secrets provider",
    "Update <<!uuid>> succeeded; secrets provider: awskms://alias/<<svc>>",
)
K(
    "kubernetes secret metadata uid",
    "kind: Secret",
    "metadata:",
    "  name: <<svc>>-tls",
    "  uid: <<!uuid>>",
    '  resourceVersion: "<<!offset>>"',
)
K(
    "git lfs pointer for credentials fixture",
    "version https://git-lfs.github.com/spec/v1",
    "oid sha256:<<!hex64>>",
    "size <<nn>>",
    "# tests/fixtures/fake_credentials.parquet",
)
K("jupyter kernel id", "[I <<tsp>>.101 ServerApp] Kernel started: <<!uuid>> (token auth enabled)")
K("mlflow run id", "MLflow run <<!mlrun>> finished; tracking token read from env, not logged")
K(
    "hugging face model revision sha",
    "Loading model <<org>>/<<svc>>-base revision=<<!sha40>> (use_auth_token=True)",
)
K(
    "snowflake query id with password policy",
    "Query ID: <<!sfqid>> -- ALTER PASSWORD POLICY <<db>>.policies.strict SET PASSWORD_MIN_LENGTH = 14",
)
K(
    "bigquery job id with credential error",
    "google.api_core.exceptions.Forbidden: 403 Access Denied: credentials lack bigquery.jobs.create; job <<!bqjob>>",
)
K(
    "postgres sqlstate for password auth failure",
    '<<tsp>>.551 UTC [<<!pid>>] FATAL:  password authentication failed for user "etl"',
    '<<tsp>>.551 UTC [<<!pid>>] DETAIL:  Connection matched pg_hba.conf line <<n>>: "host all all 0.0.0.0/0 scram-sha-256" SQLSTATE 28P01',
)
K(
    "aws request id for invalid token",
    "An error occurred (InvalidClientTokenId) when calling the GetCallerIdentity operation: The security token included in the request is invalid. RequestId: <<!uuid>>",
)
K(
    "vault audit log hmac values",
    '{"type":"request","auth":{"client_token":"<<!vhmac>>","accessor":"<<!vhmac#2>>"},"request":{"path":"secret/data/<<svc>>"}}',
)
K(
    "1password item id",
    "op item get <<!opitem>> --fields label=password --reveal  # (output not shown)",
)
K(
    "sops metadata recipients",
    "sops:",
    "    age:",
    "        - recipient: <<!agepub>>",
    "    pgp:",
    "        - fp: <<!gpgfp>>",
    '    lastmodified: "<<ts>>"  # secret values encrypted',
)
K("bitwarden item id", "bw get password <<!uuid>> (vault locked, session key required)")
K(
    "sentry-trace header with cookie consent",
    "sentry-trace: <<!trace>>-<<!span>>-1",
    "cookie: [Filtered]",
)
K(
    "crash report binary image uuid",
    "Binary Images: 0x100a4c000 - 0x100f1ffff AuthKit arm64 <<<!uuidu>>> /private/var/containers/Bundle/Application/AuthKit.framework/AuthKit",
)
K("journald boot id with session unit", "_BOOT_ID=<<!md5>>", "_SYSTEMD_UNIT=session-<<n>>.scope")
K(
    "gelf request id",
    '{"version":"1.1","short_message":"password reset email queued","_request_id":"<<!uuid>>","_duration_ms":<<!metric>>}',
)
K(
    "zap caller path in token module",
    '{"level":"warn","caller":"auth/token.go:<<lineno>>","msg":"token expired","trace_id":"<<!trace>>"}',
)
K(
    "log4j context trace id in credential loader",
    '{"level":"INFO","loggerName":"com.<<org>>.secrets.CredentialLoader","contextMap":{"traceId":"<<!trace>>","spanId":"<<!span>>"}}',
)
K(
    "git diff index line on example env",
    "diff --git a/.env.example b/.env.example",
    "index <<!sha7>>..<<!sha7#2>> 100644",
    " DB_PASSWORD=changeme-in-vault",
)
K(
    "code review resolved in commit",
    "Resolved: moved the token lookup to SSM in <<!sha10>>, thanks!",
)
K(
    "mysql slow log stats on password reset table",
    "# Query_time: <<!metric>>  Lock_time: 0.000 Rows_sent: 1  Rows_examined: <<!offset>>",
    "SELECT id FROM password_reset_tokens WHERE user_id = 42;",
)
K(
    "terraform lock file provider hashes",
    'provider "registry.terraform.io/hashicorp/random" {',
    '  version = "<<!ver>>"',
    "  hashes = [",
    '    "<<!gosum>>",',
    '    "<<!zh>>",',
    "  ]",
    "}  # used by random_password",
)
K(
    "cosign verification with rekor entry",
    "Verification for ghcr.io/<<org>>/<<svc>> --",
    "The following checks were performed: the signature was verified against the specified public key",
    "tlog entry <<!rekor>> index <<!offset>>",
)
K(
    "certificate serial with key usage",
    "Serial Number: <<!serial>>",
    "X509v3 Key Usage: critical Digital Signature, Key Encipherment",
)
K(
    "azure correlation id on key vault denial",
    "Operation returned an invalid status code 'Forbidden' (Key Vault secret get). x-ms-request-id: <<!uuid>>",
)
K(
    "gcp operation id for secret version",
    "Created version [<<n>>] of the secret [<<svc>>-token]. operation: operations/<<!uuid>>",
)
K(
    "doppler config audit with ids",
    "doppler activity: secret DB_PASSWORD updated in config <<env>> (activity id <<!uuid>>)",
)
K(
    "helm release revision with secret storage driver",
    "HELM_DRIVER=secret helm history <<svc>>: REVISION <<n>> chart <<svc>>-<<!ver>> app version <<!vver>>",
)
K(
    "nuget package hash",
    '"Microsoft.Identity.Client/<<!ver>>": {"sha512": "<<!integ>>"}  # MSAL token acquisition',
)
K(
    "composer lock shasum",
    '"name": "lcobucci/jwt", "version": "<<!ver>>", "dist": {"shasum": "<<!sha40>>"}  # token library',
)
K(
    "docker content digest with credential helper",
    "Using credential helper ecr-login",
    "latest: digest: <<!digest>> size: 2417",
)
K(
    "new relic entity guid with license key masked",
    "newrelic: license_key=****, entity.guid=<<!nrguid>>, trace.id=<<!trace>>",
)
K(
    "grafana alloy component id with basic auth",
    "prometheus.remote_write.default: sent batch; basic_auth password from file, series=<<!offset>>, duration=<<!metric>>s",
)
K(
    "fluent bit chunk id with http auth",
    "[<<tsp>>] [debug] [output:http:http.0] HTTP_Passwd set (hidden), chunk <<!pid>>-<<!epoch>>.<<!sha10>>.flb",
)
K(
    "CEF event id with password policy",
    "CEF:0|<<company>>|IAM|5.0|PWD-POLICY|Password policy updated|3|externalId=<<!uuid>> cs1Label=policy cs1=min14",
)
K(
    "rfc5424 message id with auth sd element",
    '<86>1 <<ts>> <<host>> sshd <<!pid>> AUTH [meta sequenceId="<<!offset>>"] session opened for user deploy',
)
K(
    "CSV export of key ids without secrets",
    "key_id,created,status  # API key secrets are never exported",
    "<<!uuid>>,<<date>>,active",
)
K(
    "email with docusign envelope id and access code hint",
    "DocuSign envelope ID: <<!uuidu>>. The access code (password) was sent to you separately by phone.",
)
K(
    "transcript with ticket and case id",
    "Agent: I have reset your password; your case number is <<!jobid>> for reference.",
)
K(
    "build output content hash near secret manifest",
    "dist/assets/session-<<!sha10>>.js  48.21 kB │ gzip: 15.90 kB",
    "dist/secrets-manifest.json (no values)",
)
K(
    "chef run id with encrypted data bag",
    "[<<ts>>] INFO: Chef Run complete in 41.2 seconds (run_id <<!uuid>>); encrypted data bag secret loaded from /etc/chef",
)
K(
    "puppet transaction uuid with sensitive params",
    "Info: Applying configuration version '<<!sha40>>'; 2 Sensitive parameters (db password, api key) redacted; transaction_uuid=<<!uuid>>",
)
K(
    "ansible task uuid with no_log",
    "TASK [set db password] ********** task uuid <<!uuid>>",
    'ok: [<<host>>] => {"censored": "the output has been hidden due to the fact that \'no_log: true\' was specified for this result"}',
)
K(
    "kafka connect task with hidden password and offsets",
    "\tconnection.password = [hidden]",
    "[<<tsl>>] INFO WorkerSourceTask{id=<<db>>-cdc-0} Committing offsets for <<!offset>> acknowledged messages (partition <<!part>>)",
)
K(
    "spark event log path with token provider",
    "Logging events to <<!path>>; delegation token provider 'hadoopfs' obtained tokens",
)
K(
    "openssh key comment and public key id",
    "ssh-keygen -lf ~/.ssh/id_ed25519.pub",
    "256 <<!fp>> deploy key (ED25519)",
)
K(
    "http 401 with www-authenticate and request id",
    "< HTTP/2 401",
    '< www-authenticate: Bearer error="invalid_token"',
    "< x-request-id: <<!uuid>>",
)
K(
    "ci job id and runner with masked variable",
    "Running on runner-<<!sha10>> via <<host>>... job <<!jobid>>; variable $DEPLOY_TOKEN is masked",
)
K(
    "argo cd sync revision with repo credentials template",
    "Sync operation to <<!sha40>> succeeded; repository credentials template matched (creds id <<!uuid>>)",
)
K(
    "projected service account token volume for pod",
    "Mounting projected serviceaccount token volume for pod <<!pod>> (pod uid <<!uuid>>)",
)
K(
    "databricks job run ids with secret scope",
    "Run <<!offset>> of job <<!pid>> finished; secret scope 'etl' ACL unchanged",
)
K(
    "mlflow model version with signature and source digest",
    "Registered model '<<svc>>-clf' version <<n>>; signature inferred; run_id=<<!mlrun>>; source digest <<!hex64>>",
)
K(
    "cyclonedx sbom hash for crypto library",
    '{"name":"spring-security-crypto","version":"<<!ver>>","hashes":[{"alg":"SHA-256","content":"<<!hex64>>"}]}  # password encoder',
)
K(
    "windows kerberos ticket event record",
    "EventRecordID <<!offset>>: A Kerberos authentication ticket (TGT) was requested. Ticket Encryption Type: 0x12. Logon GUID: {<<!uuid>>}",
)
K(
    "otel resource attributes near auth header config",
    "resource: service.instance.id=<<!uuid>> telemetry.sdk.version=<<!ver>> (exporter auth headers: <redacted>)",
)
K(
    "rpm signature key id and digest",
    "<<svc>>-<<!ver>>-1.x86_64.rpm:",
    "    Header V4 RSA/SHA256 Signature, key ID <<!sha10>>: OK",
    "    Payload SHA256 digest: <<!hex64>>",
)
K(
    "apt NO_PUBKEY with signed-by key",
    "W: GPG error: https://apt.<<domain>> stable InRelease: The following signatures couldn't be verified because the public key is not available: NO_PUBKEY <<!keyid>>",
)
K(
    "buildx provenance attestation digest with signature",
    "exporting attestation manifest <<!digest>> done (signature pushed via cosign, keyless)",
)


# ===========================================================================
# self-check
# ===========================================================================
COMMON_WORDS = {
    "password",
    "passwd",
    "secret",
    "token",
    "admin",
    "changeme",
    "letmein",
    "welcome",
    "default",
    "example",
    "test",
    "guest",
    "root",
    "user",
    "login",
    "master",
    "qwerty",
    "dragon",
    "monkey",
    "sunshine",
    "football",
    "baseball",
    "princess",
    "shadow",
    "summer",
    "winter",
    "hidden",
    "redacted",
    "session",
    "cookie",
}
TEMPTING = (
    "token",
    "key",
    "secret",
    "password",
    "passwd",
    "auth",
    "credential",
    "session",
    "signature",
    "cookie",
)
_IPV4 = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")


def _check() -> dict[str, int]:
    cs = cases()
    ks = keep_list()
    fams: dict[str, int] = {}
    fmts: set[tuple[str, str]] = set()
    allvals: list[str] = []
    for c in cs:
        assert c.family and re.fullmatch(r"[a-z][a-z0-9_]*", c.family), c.family
        assert 1 <= len(c.lines) <= 8, (c.format, len(c.lines))
        assert c.values, c.format
        text = "\n".join(c.lines)
        assert "\u27e6" not in text and "\u27e7" not in text
        assert not _PH.search(text), (c.format, text)
        for ln in c.lines:
            assert "\n" not in ln, c.format
        for v in c.values:
            assert len(v) >= 4, (c.format, v)
            assert v in text, (c.format, v)
            assert "\u27e6" not in v and "\u27e7" not in v
            assert not (v.isalpha() and v.islower() and len(v) < 8), (c.format, v)
            assert v.lower() not in COMMON_WORDS, (c.format, v)
            allvals.append(v)
        if (c.family, c.format) not in fmts:
            fmts.add((c.family, c.format))
            fams[c.family] = fams.get(c.family, 0) + 1
    assert len(allvals) == len(set(allvals)), [v for v in allvals if allvals.count(v) > 1][:5]
    assert len({f for _, f in fmts}) == len(fmts), "format descriptions must be unique"
    assert len(cs) == len(fmts) * VARIANTS
    kfmts = set()
    ntok = 0
    for k in ks:
        assert 1 <= len(k.lines) <= 8, k.format
        assert k.tokens, k.format
        text = "\n".join(k.lines)
        assert "\u27e6" not in text and "\u27e7" not in text
        assert not _PH.search(text), (k.format, text)
        assert any(w in text.lower() for w in TEMPTING), k.format
        for t in k.tokens:
            assert len(t) >= 4, (k.format, t)
            assert "@" not in t, (k.format, t)
            assert not _IPV4.match(t), (k.format, t)
            assert t in text, (k.format, t)
            for v in allvals:
                assert t not in v, (k.format, t, v)
            ntok += 1
        for v in allvals:
            assert v not in text, (k.format, v)
        kfmts.add(k.format)
    assert len(kfmts) * VARIANTS == len(ks)
    counts = {
        "families": len(fams),
        "case_templates": len(fmts),
        "cases": len(cs),
        "values": len(allvals),
        "keep_templates": len(kfmts),
        "keep_entries": len(ks),
        "keep_tokens": ntok,
    }
    for k2, v2 in counts.items():
        print(f"{k2}: {v2}")
    print("templates per family:")
    for f, n in fams.items():
        print(f"  {f}: {n}")
    return counts


if __name__ == "__main__":
    _check()
