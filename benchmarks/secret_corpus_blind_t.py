# ruff: noqa: E501, E731, RUF001
"""Sealed blind corpus T.

Written by helper T on 2026-12-03 without reading the sanitizer, its tests,
other corpora or benchmarks.

Theme: secrets as they really appear in operational logs, config dumps, shell
history, CLI output, tickets and chat for developer platforms and package
registries (npm/yarn/pnpm, PyPI, Maven/Gradle, NuGet, Cargo, Composer,
RubyGems/CocoaPods, Go proxies, Artifactory/Nexus), CI/CD systems beyond
GitHub (Jenkins, GitLab runners, TeamCity, Bamboo, Drone, Buildkite, CircleCI,
Azure DevOps, Bitbucket, Argo CD, Flux, Spinnaker, Tekton), secret stores and
identity (Vault, AWS, Azure Key Vault, GCP Secret Manager, Doppler, 1Password,
Keycloak, Okta, Auth0, LDAP, SCIM, SAML/OIDC), databases and caches in
operations (PostgreSQL, MySQL/MariaDB, MongoDB, Redis, Elasticsearch/OpenSearch,
Cassandra, CockroachDB, InfluxDB, Neo4j, RabbitMQ, NATS, etcd), telecom and ISP
operations (RADIUS, TACACS+, PPP, Cisco/Juniper/MikroTik/Huawei/Arista, BGP,
OSPF, SNMPv3, Wi-Fi PSKs, SIM/eSIM provisioning), games, media and streaming
ops, e-learning/LMS, and human text about all of these in English, German,
French, Spanish, Italian, Portuguese (Brazil), Japanese, Chinese (Traditional),
Korean, Hindi, Urdu, Amharic, Yoruba, Lithuanian, Latvian, Estonian, Slovenian,
Serbian (Cyrillic) and Bulgarian.  The keep-list holds diagnostic tokens from
the same domains (integrity hashes, build/pipeline ids, accessors, lease ids,
request ids, key ids, certificate serials and fingerprints, LSNs, slot names,
ObjectIds, run ids, node ids, ASNs, commit SHAs, image digests, trace/span ids,
versions, checksums) that a good sanitizer must leave alone.

SEED = 20261231, VARIANTS = 2 (every template is rendered twice with fresh
secrets and fresh surrounding names, deterministically).

Counts printed by _check():
{'families': 44, 'case_templates': 429, 'cases': 858, 'values': 1004,
 'keep_templates': 130, 'keep_entries': 260, 'keep_tokens': 280}
"""

from __future__ import annotations

import base64
import json
import random
import re
import string
from typing import NamedTuple

SEED = 20261231
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
# alphabets and word lists
# ---------------------------------------------------------------------------

LOWER = string.ascii_lowercase
UPPER = string.ascii_uppercase
DIG = string.digits
A62 = UPPER + LOWER + DIG
A36L = LOWER + DIG
A36U = UPPER + DIG
HEX = "0123456789abcdef"
HEXU = HEX.upper()
B64U = A62 + "-_"
B64S = A62 + "+/"
B32 = UPPER + "234567"
CRYPT = "./" + DIG + UPPER + LOWER
CROCK = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
K8S = "bcdfghjklmnpqrstvwxz2456789"
ADO = LOWER + "234567"

WORDS = [
    "summer",
    "winter",
    "falcon",
    "harbor",
    "copper",
    "maple",
    "river",
    "tiger",
    "orange",
    "rocket",
    "velvet",
    "marble",
    "pepper",
    "saturn",
    "glacier",
    "cobalt",
    "meadow",
    "lantern",
    "thunder",
    "willow",
    "sparrow",
    "quartz",
    "canyon",
    "ember",
    "nectar",
    "orbit",
    "pixel",
    "raven",
    "sable",
    "timber",
    "violet",
    "walnut",
    "zephyr",
    "bamboo",
    "cactus",
    "dolphin",
    "garnet",
    "horizon",
    "island",
    "jasmine",
    "kettle",
    "lemon",
    "mango",
    "nimbus",
    "olive",
    "panda",
    "quill",
    "rhubarb",
    "sienna",
    "tundra",
    "vortex",
    "wombat",
    "zenith",
    "dragon",
    "monkey",
    "sunshine",
    "football",
    "shadow",
    "kaffee",
    "biscuit",
    "chocolate",
    "tartine",
    "mariposa",
    "girasole",
    "saudade",
    "sakura",
    "hanami",
    "namaste",
    "baobab",
    "kilimanjaro",
    "daugava",
    "vilnius",
    "tallinn",
    "ljubljana",
    "morava",
    "rila",
    "lagos",
    "addis",
    "lahore",
    "jaipur",
    "busan",
    "kyoto",
    "taipei",
    "porto",
    "recife",
]
CITIES = [
    "Berlin",
    "Lyon",
    "Sevilla",
    "Torino",
    "Recife",
    "Osaka",
    "Taichung",
    "Busan",
    "Pune",
    "Karachi",
    "Gondar",
    "Ibadan",
    "Kaunas",
    "Riga",
    "Tartu",
    "Maribor",
    "Novi Sad",
    "Plovdiv",
    "Leeds",
    "Denver",
]
PEOPLE = [
    "Anna",
    "Lukas",
    "Sophie",
    "Mateo",
    "Giulia",
    "João",
    "Yuki",
    "Mei",
    "Ji-woo",
    "Priya",
    "Ahmed",
    "Abebe",
    "Tunde",
    "Rūta",
    "Jānis",
    "Kadri",
    "Maja",
    "Milan",
    "Elena",
    "Omar",
    "Fatima",
    "Chen",
    "Hiroshi",
    "Camille",
    "Diego",
    "Noah",
    "Olivia",
    "Amara",
    "Sanjay",
    "Ingrid",
]
USERS = [
    "jdoe",
    "asmith",
    "mkowalski",
    "svc_deploy",
    "ci-bot",
    "backup",
    "replicator",
    "grafana",
    "app_rw",
    "app_ro",
    "etl_user",
    "deployer",
    "monitor",
    "kfischer",
    "lgarcia",
    "tnguyen",
    "pmuller",
    "mrossi",
    "ksato",
    "jkim",
    "rpatel",
    "cokafor",
    "aadeyemi",
    "bhaile",
    "tjonaitis",
    "aberzins",
    "ktamm",
    "mnovak",
    "dpetrovic",
    "eivanova",
    "svc_ingest",
    "reporting",
    "billing_svc",
    "ops-robot",
    "netops",
]
PROJECTS = [
    "payments",
    "checkout",
    "ledger",
    "atlas",
    "falcon",
    "nebula",
    "orion",
    "phoenix",
    "hermes",
    "aurora",
    "titan",
    "mercury",
    "helix",
    "quasar",
    "vega",
    "lynx",
    "sequoia",
    "kodiak",
    "beacon",
    "cinder",
    "driftwood",
    "ember",
    "fjord",
    "gazelle",
    "halcyon",
]
DOMWORDS = [
    "acme",
    "globex",
    "initech",
    "umbrella",
    "hooli",
    "vandelay",
    "wonka",
    "stark",
    "tyrell",
    "cyberdyne",
    "nordwind",
    "sunfield",
    "bluepeak",
    "riverbend",
    "ironhill",
    "kestrel",
    "lumen",
    "polaris",
    "orchid",
    "baltica",
    "savanna",
    "sakuranet",
    "hanriver",
]
TLDS = [
    "example",
    "example.com",
    "example.net",
    "example.org",
    "test",
    "internal",
    "corp.example",
    "lan.example",
]
HOSTPFX = [
    "fra",
    "ams",
    "iad",
    "sin",
    "nrt",
    "gru",
    "syd",
    "lhr",
    "cdg",
    "waw",
    "hel",
    "mad",
    "mil",
    "bom",
    "icn",
    "tpe",
    "vie",
    "zrh",
    "rix",
    "tll",
    "vno",
    "lju",
    "beg",
    "sof",
    "add",
    "los",
    "khi",
]
ROLES = [
    "db",
    "pg",
    "mysql",
    "redis",
    "mq",
    "es",
    "vault",
    "ci",
    "build",
    "edge",
    "core",
    "gw",
    "lb",
    "app",
    "api",
    "cache",
    "kafka",
    "mongo",
    "nas",
    "bras",
    "runner",
    "agent",
    "kc",
    "ldap",
    "nats",
    "etcd",
]
PKGS = [
    "left-pad",
    "lodash",
    "react-dom",
    "axios",
    "chalk",
    "express",
    "semver",
    "minimist",
    "yargs",
    "debug",
    "uuid",
    "zod",
    "vite",
    "esbuild",
    "rollup",
    "typescript",
    "prettier",
    "eslint",
]
PYPKGS = [
    "requests",
    "urllib3",
    "certifi",
    "idna",
    "attrs",
    "pydantic",
    "fastapi",
    "numpy",
    "pandas",
    "boto3",
    "cryptography",
    "click",
]
CRATES = [
    "serde",
    "tokio",
    "anyhow",
    "thiserror",
    "rand",
    "regex",
    "hyper",
    "reqwest",
    "clap",
    "tracing",
    "bytes",
    "itoa",
]
GOMODS = [
    "github.com/spf13/cobra",
    "golang.org/x/crypto",
    "github.com/google/uuid",
    "go.uber.org/zap",
    "github.com/prometheus/client_golang",
    "google.golang.org/grpc",
    "github.com/stretchr/testify",
]
GEMS = ["rack", "nokogiri", "puma", "sidekiq", "rails", "rake", "json", "faraday"]
PODS = ["Alamofire", "SnapKit", "Kingfisher", "Firebase", "SwiftyJSON", "Realm"]
SSIDSFX = ["Guest", "Office", "Lab", "Staff", "IoT", "5G", "Warehouse", "POS"]
PEERS = [
    "UPSTREAM-A",
    "TRANSIT-1",
    "IX-PEERS",
    "CUSTOMER-BGP",
    "RR-CLIENTS",
    "CORE-IBGP",
    "PEER-DECIX",
    "PEER-AMSIX",
    "CDN-PNI",
    "DOWNSTREAM-3",
]
ISPS = [
    "fibernet.example",
    "ispnet.test",
    "broadband.example",
    "dsl.example.net",
    "metro-ftth.example",
    "wisp.example.org",
]


class _G:
    """Tiny deterministic random helper."""

    def __init__(self, rng: random.Random) -> None:
        self.r = rng

    def ch(self, seq):
        return self.r.choice(seq)

    def s(self, alpha: str, n: int) -> str:
        return "".join(self.r.choice(alpha) for _ in range(n))

    def hx(self, n: int) -> str:
        return self.s(HEX, n)

    def rb(self, n: int) -> bytes:
        return bytes(self.r.getrandbits(8) for _ in range(n))

    def b64(self, n: int) -> str:
        return base64.b64encode(self.rb(n)).decode()

    def b64u(self, n: int) -> str:
        return base64.urlsafe_b64encode(self.rb(n)).decode().rstrip("=")

    def num(self, a: int, b: int) -> int:
        return self.r.randint(a, b)

    def digits(self, n: int) -> str:
        return str(self.num(1, 9)) + self.s(DIG, n - 1)

    def uuid(self) -> str:
        h = self.hx(32)
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{self.ch('89ab')}{h[17:20]}-{h[20:]}"

    def word(self) -> str:
        return self.ch(WORDS)


# ---------------------------------------------------------------------------
# password / secret shapes
# ---------------------------------------------------------------------------

LEET = {"a": "@4", "e": "3", "i": "1!", "o": "0", "s": "$5", "t": "7", "l": "1"}


def _pw_human(g: _G, syms: str = "!?$*%.@") -> str:
    w = g.word().capitalize()
    st = g.num(0, 4)
    if st == 0:
        out = f"{w}{g.num(1970, 2026)}{g.ch(syms)}"
    elif st == 1:
        out = f"{w}{g.ch(syms)}{g.word().capitalize()}{g.num(1, 99)}"
    elif st == 2:
        out = f"{g.word()}{g.num(100, 9999)}{w}"
    elif st == 3:
        out = f"{w}{g.word().capitalize()}{g.num(10, 99)}{g.ch(syms)}"
    else:
        out = f"{w}{g.ch(syms)}{g.ch(CITIES).replace(' ', '')}{g.num(1, 12):02d}"
    return out if len(out) >= 8 else out + str(g.num(1000, 9999))


def _pw_leet(g: _G) -> str:
    base = g.word() + g.word()
    out = []
    for i, c in enumerate(base):
        if c in LEET and g.r.random() < 0.55:
            out.append(g.ch(LEET[c]))
        elif i == 0 or g.r.random() < 0.15:
            out.append(c.upper())
        else:
            out.append(c)
    return "".join(out) + str(g.num(0, 99))


def _pw_phrase(g: _G, seps: str = "-._") -> str:
    n = g.num(3, 4)
    sep = g.ch(seps)
    ws = [g.word() for _ in range(n)]
    if g.r.random() < 0.5:
        k = g.num(0, n - 1)
        ws[k] = ws[k].capitalize()
    return sep.join(ws) + sep + str(g.num(1, 999))


def _pw_rand(g: _G, extra: str = "!@$%^*-_=+.~") -> str:
    n = g.num(14, 26)
    return g.s(A62, 1) + g.s(A62 + extra, n - 2) + g.s(A62, 1)


def pw(g: _G) -> str:
    x = g.r.random()
    if x < 0.3:
        return _pw_human(g)
    if x < 0.5:
        return _pw_leet(g)
    if x < 0.7:
        return _pw_phrase(g)
    return _pw_rand(g)


def pwu(g: _G) -> str:
    x = g.r.random()
    if x < 0.35:
        return _pw_human(g, "-_.~")
    if x < 0.6:
        return _pw_phrase(g, "-._~")
    return _pw_rand(g, "-_.~")


def pwsp(g: _G) -> str:
    ws = [g.word() for _ in range(g.num(3, 5))]
    if g.r.random() < 0.5:
        ws[0] = ws[0].capitalize()
        ws.append(str(g.num(2, 99)))
    return " ".join(ws)


def psk(g: _G) -> str:
    x = g.r.random()
    if x < 0.25:
        return "".join(w.capitalize() for w in (g.word(), g.word(), g.word())) + str(g.num(1, 99))
    if x < 0.45:
        return _pw_phrase(g, "-_.")
    if x < 0.6:
        return g.digits(g.num(10, 13))
    if x < 0.8:
        return g.s(A62, g.num(12, 20))
    return _pw_human(g, "!?*%")


def community(g: _G) -> str:
    x = g.r.random()
    if x < 0.35:
        return f"{g.word()}{g.num(10, 99)}{g.ch(['ro', 'rw', 'RO', 'mon', 'nms'])}"
    if x < 0.7:
        return g.s(A62, g.num(12, 18))
    return f"N0c-{g.word().capitalize()}-{g.num(100, 999)}"


def radsec(g: _G) -> str:
    x = g.r.random()
    if x < 0.5:
        return g.s(A62, g.num(16, 32))
    if x < 0.75:
        return f"{g.word()}-{g.word()}-{g.num(10, 9999)}"
    return _pw_leet(g)


XLAT = "dsfd;kfoA,.iyewrkldJKDHSUBsgvca69834ncxv9873254k;fg87"


def cisco7(g: _G) -> str:
    p = pw(g)[:24]
    seed = g.num(0, 15)
    return f"{seed:02d}" + "".join(
        f"{ord(c) ^ ord(XLAT[(seed + i) % 53]):02X}" for i, c in enumerate(p)
    )


def jwt(g: _G, iss: str = "https://sso.example.com/realms/main") -> str:
    hdr = {"alg": g.ch(["RS256", "ES256", "HS256"]), "typ": "JWT", "kid": g.b64u(24)}
    now = 1764700000 + g.num(0, 2000000)
    pl = {
        "iss": iss,
        "sub": g.uuid(),
        "aud": g.ch(["account", "api", "argocd", "ci"]),
        "iat": now,
        "exp": now + g.ch([300, 3600, 86400]),
        "jti": g.uuid(),
    }
    enc = lambda d: (
        base64.urlsafe_b64encode(json.dumps(d, separators=(",", ":")).encode()).decode().rstrip("=")
    )
    return f"{enc(hdr)}.{enc(pl)}.{g.b64u(g.ch([32, 64, 256]))}"


def _discord(g: _G) -> str:
    uid = str(g.num(10**17, 1_300_000_000_000_000_000))
    return (
        base64.b64encode(uid.encode()).decode().rstrip("=")
        + "."
        + g.s(B64U, 6)
        + "."
        + g.s(B64U, 38)
    )


def _es_enroll(g: _G) -> str:
    d = {
        "ver": g.ch(["8.14.3", "8.15.2", "8.16.1"]),
        "adr": [f"es-{g.ch(HOSTPFX)}-{g.num(1, 9):02d}.{g.ch(DOMWORDS)}.internal:9200"],
        "fgr": g.hx(64),
        "key": f"{g.s(B64U, 20)}:{g.s(B64U, 22)}",
    }
    return base64.b64encode(json.dumps(d, separators=(",", ":")).encode()).decode()


def _reftkn(g: _G) -> str:
    raw = f"reftkn:01:{g.num(1790000000, 1890000000)}:{g.s(A62, 27)}"
    return base64.b64encode(raw.encode()).decode().rstrip("=")


def _sas_sig(g: _G) -> str:
    return g.b64(32).replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")


def _nats_jwt(g: _G) -> str:
    return (
        "eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ."
        + g.b64u(g.num(260, 330))
        + "."
        + g.b64u(64)
    )


def _mysqltmp(g: _G) -> str:
    return g.s(A62, 1) + g.s(A62 + ";:/&!#%<>?_-,", 11)


def _matchid(g: _G) -> str:
    return "-".join(g.s(A36U, 4) for _ in range(g.num(4, 5)))


_SECRET = {
    "pw": pw,
    "pwu": pwu,
    "pwsp": pwsp,
    "psk": psk,
    "community": community,
    "radsec": radsec,
    "cisco7": cisco7,
    "pin4": lambda g: g.s(DIG, 4),
    "pin6": lambda g: g.digits(6),
    "pin8": lambda g: g.digits(8),
    "puk": lambda g: g.digits(8),
    "ospf8": lambda g: g.s(A62, 8),
    "ospf16": lambda g: g.s(A62 + "!*-_", g.num(10, 16)),
    "pass8": lambda g: g.s(A62, 8),
    "hex16": lambda g: g.hx(16),
    "hex24": lambda g: g.hx(24),
    "hex30": lambda g: g.hx(30),
    "hex32": lambda g: g.hx(32),
    "hex40": lambda g: g.hx(40),
    "hex48": lambda g: g.hx(48),
    "hex64": lambda g: g.hx(64),
    "hex80": lambda g: g.hx(80),
    "hex128": lambda g: g.hx(128),
    "HEX16": lambda g: g.s(HEXU, 16),
    "HEX32": lambda g: g.s(HEXU, 32),
    "HEX40": lambda g: g.s(HEXU, 40),
    "alnum8": lambda g: g.s(A62, 8),
    "alnum16": lambda g: g.s(A62, 16),
    "alnum20": lambda g: g.s(A62, 20),
    "alnum24": lambda g: g.s(A62, 24),
    "alnum32": lambda g: g.s(A62, 32),
    "alnum40": lambda g: g.s(A62, 40),
    "alnum43": lambda g: g.s(B64U, 43),
    "alnum52": lambda g: g.s(A36L, 52),
    "alnum64": lambda g: g.s(A62, 64),
    "UPPER20": lambda g: g.s(UPPER, 20),
    "b64_16": lambda g: g.b64(16),
    "b64_24": lambda g: g.b64(24),
    "b64_30": lambda g: g.b64(30),
    "b64_32": lambda g: g.b64(32),
    "b64_33": lambda g: g.b64(33),
    "b64_64": lambda g: g.b64(64),
    "b64u32": lambda g: g.b64u(32),
    "pemline": lambda g: g.s(B64S, 64),
    "uuid": lambda g: g.uuid(),
    "jwt": jwt,
    "npm": lambda g: "npm_" + g.s(A62, 36),
    "pypi": lambda g: "pypi-AgEIcHlwaS5vcmcCJ" + g.s(B64U, g.num(130, 160)),
    "ghp": lambda g: "ghp_" + g.s(A62, 36),
    "ghs": lambda g: "ghs_" + g.s(A62, 36),
    "glpat": lambda g: "glpat-" + g.s(B64U, 20),
    "glrt": lambda g: "glrt-" + g.s(B64U, 20),
    "gr134": lambda g: "GR1348941" + g.s(B64U, 20),
    "glcbt": lambda g: "glcbt-64_" + g.s(B64U, 20),
    "glptt": lambda g: "glptt-" + g.hx(40),
    "gldt": lambda g: "gldt-" + g.s(B64U, 20),
    "ado": lambda g: g.s(ADO, 52),
    "atbb": lambda g: "ATBB" + g.s(A62, 24) + g.s(HEXU, 8),
    "atatt": lambda g: "ATATT3xFfGF0" + g.s(B64U, g.num(170, 190)) + "=" + g.s(HEXU, 8),
    "bbdc": lambda g: "BBDC-" + g.s(A62 + "+", 44),
    "bkua": lambda g: "bkua_" + g.hx(40),
    "bkagent": lambda g: g.s(A36L, 50),
    "ccipat": lambda g: "CCIPAT_" + g.s(A62, 22) + "_" + g.hx(40),
    "tc": lambda g: "eyJ0eXAiOiAiVENWMiJ9." + g.s(B64U, 36) + "." + g.s(B64U, 48),
    "tcsuper": lambda g: g.digits(19),
    "tczxx": lambda g: "zxx" + g.hx(g.ch([40, 48, 64, 72])),
    "jtoken": lambda g: "11" + g.hx(32),
    "jenc": lambda g: "AQAAABAAAAA" + g.ch("Qgw") + g.b64(g.ch([32, 48, 64])),
    "hvsroot": lambda g: "hvs." + g.s(A62, 24),
    "hvs": lambda g: "hvs.CAESI" + g.s(B64U, 86),
    "hvb": lambda g: "hvb.AAAAAQ" + g.s(B64U, 120),
    "unseal": lambda g: g.b64(32),
    "vaultdbpw": lambda g: "A1a-" + g.s(A62, 16),
    "awssecret": lambda g: g.s(B64S, 40),
    "awssession": lambda g: "IQoJb3JpZ2luX2VjE" + g.s(B64S, g.num(250, 320)),
    "azcs": lambda g: g.s(A62, 3) + g.s(DIG, 1) + "Q~" + g.s(A62 + "-_.~", 34),
    "aiza": lambda g: "AIza" + g.s(B64U, 35),
    "gref": lambda g: "1//0" + g.s(A62, 1) + g.s(B64U, 98),
    "dpst": lambda g: "dp.st." + g.ch(["prd", "stg", "dev", "ci"]) + "." + g.s(A62, 40),
    "dppt": lambda g: "dp.pt." + g.s(A62, 43),
    "dpsa": lambda g: "dp.sa." + g.s(A62, 43),
    "ops": lambda g: "ops_eyJzaWduSW5BZGRyZXNzIjoi" + g.s(B64U, g.num(300, 360)),
    "okta": lambda g: "00" + g.s(B64U, 40),
    "auth0": lambda g: g.s(B64U, 64),
    "espw": lambda g: g.s(A62 + "*+=_-", 20),
    "esraw": lambda g: g.s(B64U, 22),
    "esenroll": _es_enroll,
    "influx": lambda g: g.s(B64U, 86) + "==",
    "influx3": lambda g: "apiv3_" + g.s(B64U, 86),
    "natsseed": lambda g: "SU" + g.s(B32, 56),
    "natsaseed": lambda g: "SA" + g.s(B32, 56),
    "natsjwt": _nats_jwt,
    "discord": _discord,
    "discordwh": lambda g: g.s(B64U, 68),
    "twitch30": lambda g: g.s(A36L, 30),
    "canvas": lambda g: f"{g.num(1, 9999)}~" + g.s(A62, 64),
    "plex": lambda g: g.s(B64U, 20),
    "ytkey": lambda g: "-".join(g.s(A36L, 4) for _ in range(5)),
    "fbkey": lambda g: f"FB-{g.digits(15)}-0-" + g.s(B64U, 40),
    "twitchkey": lambda g: f"live_{g.digits(9)}_" + g.s(A62, 30),
    "matchid": _matchid,
    "tspriv": lambda g: g.s(A62, 40),
    "nuget": lambda g: "oy2" + g.s(A36L, 43),
    "nugetenc": lambda g: "AQAAANCMnd8BFdERjHoAwE/Cl+sBAAAA" + g.b64(g.ch([150, 162, 174])),
    "cio": lambda g: "cio" + g.s(A62, 32),
    "rubygems": lambda g: "rubygems_" + g.hx(48),
    "akcp": lambda g: "AKCp" + g.s(DIG, 1) + g.s(A62, 68),
    "reftkn": _reftkn,
    "slackhook": lambda g: g.s(A62, 24),
    "mysqltmp": _mysqltmp,
    "ecrpw": lambda g: "eyJwYXlsb2FkIjoi" + g.s(B64S, g.num(300, 380)) + "==",
    "sklive": lambda g: "sk_live_" + g.s(A62, 24),
    "mvnenc": lambda g: g.b64(32),
    "type9": lambda g: g.s(CRYPT, 14) + "$" + g.s(CRYPT, 43),
    "type8": lambda g: g.s(CRYPT, 14) + "$" + g.s(CRYPT, 43),
    "md5crypt": lambda g: g.s(CRYPT, g.num(4, 8)) + "$" + g.s(CRYPT, 22),
    "sha512crypt": lambda g: g.s(CRYPT, 16) + "$" + g.s(CRYPT, 86),
    "junos9": lambda g: g.s(A62 + "./-", g.num(24, 48)),
    "huawei": lambda g: g.s(A62 + "=*()<>`!,.;:[]{}~+-", g.num(32, 56)),
    "huaweiirr": lambda g: g.s(A62 + "!()*+,-./:;<=>?@[]^_`{|}~", g.num(40, 64)),
    "mysqlhash": lambda g: g.s(HEXU, 40),
    "scram": lambda g: f"{g.b64(16)}${g.b64(32)}:{g.b64(32)}",
    "rabbithash": lambda g: g.b64(36),
    "bcrypt": lambda g: g.s(CRYPT, 53),
    "ssha": lambda g: g.b64(24),
    "sig": _sas_sig,
    "dockerpw": lambda g: "dckr_pat_" + g.s(B64U, 27),
    "hfcs": lambda g: "hf_" + g.s(A62, 34),
    "tfe": lambda g: g.s(A62, 14) + ".atlasv1." + g.s(A62 + "-_", 67),
}


def _akid(g: _G) -> str:
    return g.ch(["AKIA", "ASIA"]) + g.s(A36U, 16)


def _host(g: _G) -> str:
    return f"{g.ch(HOSTPFX)}-{g.ch(ROLES)}-{g.num(1, 24):02d}"


def _domain(g: _G) -> str:
    return f"{g.ch(DOMWORDS)}.{g.ch(TLDS)}"


_NAME = {
    "host": _host,
    "user": lambda g: g.ch(USERS) + (str(g.num(1, 9)) if g.r.random() < 0.3 else ""),
    "org": lambda g: g.ch(DOMWORDS) + g.ch(["", "-eng", "-labs", "-platform", "-ops"]),
    "proj": lambda g: g.ch(PROJECTS) + g.ch(["", "-api", "-web", "-worker", "-svc"]),
    "app": lambda g: g.ch(PROJECTS),
    "domain": _domain,
    "db": lambda g: (
        g.ch(
            [
                "orders",
                "billing",
                "inventory",
                "users",
                "analytics",
                "moodle",
                "crm",
                "telemetry",
                "sessions",
                "catalog",
            ]
        )
        + g.ch(["", "_prod", "_stg", "_v2"])
    ),
    "realm": lambda g: g.ch(["main", "staff", "customers", "partners", "internal", "students"]),
    "client": lambda g: (
        g.ch(PROJECTS) + "-" + g.ch(["backend", "portal", "cli", "gateway", "grafana"])
    ),
    "name": lambda g: g.ch(PROJECTS) + "-" + g.ch(["prod", "stg", "dev", "ci", "dr"]),
    "ssid": lambda g: f"{g.ch(DOMWORDS).capitalize()}-{g.ch(SSIDSFX)}",
    "peer": lambda g: g.ch(PEERS),
    "grp": lambda g: g.ch(["NMS", "MONITORING", "OPS-RO", "NOC", "V3GROUP"]),
    "repo": lambda g: g.ch(
        ["releases", "snapshots", "internal", "thirdparty", "private", "mirror"]
    ),
    "REPO": lambda g: g.ch(["NEXUS", "INTERNAL", "ARTIFACTORY", "PRIVATE", "GEMFURY"]),
    "feed": lambda g: g.ch(PROJECTS) + "-feed",
    "kv": lambda g: "kv-" + g.ch(PROJECTS) + "-" + g.ch(["prod", "stg", "weu", "neu"]),
    "acct": lambda g: "st" + g.ch(PROJECTS).replace("-", "") + g.s(A36L, 4),
    "env": lambda g: g.ch(["prod", "staging", "dev", "qa", "dr", "perf"]),
    "region": lambda g: g.ch(
        ["eu-central-1", "us-east-1", "ap-northeast-1", "sa-east-1", "eu-west-2", "ap-south-1"]
    ),
    "profile": lambda g: g.ch(["default", "prod", "billing-admin", "ci", "sandbox"]),
    "bucket": lambda g: g.ch(PROJECTS) + "_" + g.ch(["metrics", "events", "raw", "1h"]),
    "vhost": lambda g: g.ch(["prod", "orders", "events", "billing"]),
    "person": lambda g: g.ch(PEOPLE),
    "isp": lambda g: g.ch(ISPS),
    "plan": lambda g: g.ch(["home-100M", "biz-1G", "ftth-500", "wisp-50", "default"]),
    "site": lambda g: g.ch(CITIES),
    "city": lambda g: g.ch(CITIES),
    "num": lambda g: str(g.num(2, 899)),
    "email": lambda g: f"{g.ch(USERS).replace('_', '.')}@{_domain(g)}",
    "world": lambda g: g.ch(["Midgard", "Ashlands", "Havenfall", "Nordheim", "Duskmoor"]),
    "player": lambda g: g.ch(
        ["xXSlayerXx", "mossy_bob", "KiraTanaka", "Dr_Pepper99", "notch_fan", "LunaWolf"]
    ),
    "tenant": lambda g: g.ch(DOMWORDS) + g.ch(["", "-prod", "-eu"]),
    "item": lambda g: g.ch(
        ["Prod DB", "Grafana admin", "Router core", "Steam partner", "Moodle admin"]
    ),
    "vaultn": lambda g: g.ch(["Infra", "Shared", "Ops", "DevOps", "NOC"]),
    "inst": lambda g: g.ch(PROJECTS) + "-" + g.ch(["pg15", "mysql8", "primary", "replica"]),
    "cluster": lambda g: g.ch(PROJECTS) + g.num(0, 9).__str__(),
    "credid": lambda g: (
        g.ch(
            ["nexus-deploy", "docker-hub", "prod-db", "gitlab-token", "sonar-token", "artifactory"]
        )
        + "-"
        + g.s(A36L, 4)
    ),
    "pkg": lambda g: g.ch(PKGS),
    "pypkg": lambda g: g.ch(PYPKGS),
    "crate": lambda g: g.ch(CRATES),
    "gomod": lambda g: g.ch(GOMODS),
    "gem": lambda g: g.ch(GEMS),
    "pod": lambda g: g.ch(PODS),
    "ver": lambda g: f"{g.num(0, 17)}.{g.num(0, 30)}.{g.num(0, 40)}",
    "vrf": lambda g: g.ch(["CUST-A", "MGMT", "INTERNET", "VOICE", "IPTV"]),
    "iface": lambda g: g.ch(
        ["GigabitEthernet0/0/1", "TenGigabitEthernet1/1/4", "Ethernet1", "ge-0/0/3", "xe-1/0/0"]
    ),
    "word": lambda g: g.word(),
    "ticket": lambda g: (
        g.ch(["OPS", "INC", "NET", "SEC", "SUP", "CHG"]) + "-" + str(g.num(1000, 99999))
    ),
    "team": lambda g: g.ch(["platform", "sre", "noc", "data", "payments", "infra"]),
    "short": lambda g: g.ch(["bras1", "nas-a", "wlc2", "vpn-gw", "olt3"]),
    "ns": lambda g: g.ch(
        ["argocd", "flux-system", "tekton-pipelines", "ci", "payments", "monitoring"]
    ),
    "pool": lambda g: g.ch(["Default", "linux-x64", "self-hosted", "windows-build"]),
    "school": lambda g: g.ch(
        ["uni-riverbend", "sunfield-college", "ironhill-edu", "polaris-academy"]
    ),
    "bot": lambda g: g.ch(["ModBot", "TicketTron", "GuildKeeper", "StreamPal", "RaidHelper"]),
    "image": lambda g: g.ch(PROJECTS) + "-" + g.ch(["api", "web", "worker"]),
    "index": lambda g: (
        g.ch(["logs-app", "metrics", "audit", "orders", "traces"])
        + "-2026.12."
        + f"{g.num(1, 3):02d}"
    ),
    "akid": _akid,
    "steamid": lambda g: "7656119" + g.s(DIG, 10),
    "snowflake": lambda g: str(g.num(10**17, 1_300_000_000_000_000_000)),
    "esid": lambda g: g.s(B64U, 20),
    "hexn16": lambda g: g.hx(16),
    "hexn32": lambda g: g.hx(32),
    "hexn40": lambda g: g.hx(40),
    "hexn64": lambda g: g.hx(64),
    "num9": lambda g: g.digits(9),
    "num14": lambda g: "1000000000" + g.s(DIG, 4),
    "imsi": lambda g: "00101" + g.s(DIG, 10),
    "iccid": lambda g: "8949" + g.s(DIG, 15),
    "natspub": lambda g: "U" + g.s(B32, 55),
    "clientid": lambda g: g.s(A62, 32),
    "twitchid": lambda g: g.s(A36L, 30),
    "tsid": lambda g: g.s(A62, 16),
    "date": lambda g: f"2026-{g.num(9, 12):02d}-{g.num(1, 28):02d}",
    "time": lambda g: f"{g.num(0, 23):02d}:{g.num(0, 59):02d}:{g.num(0, 59):02d}",
}


# ---------------------------------------------------------------------------
# case templates.  Placeholders:
#   ⟨S:kind#tag⟩  planted secret (same text -> same value within one rendering)
#   ⟨N:kind#tag⟩  neutral surrounding name (fresh per rendering)
#   ⟨X:fn:ref|ref⟩ planted secret derived from other placeholders (encoded)
# ---------------------------------------------------------------------------

_T: list[tuple[str, str, str]] = []


def _t(fam: str, fmt: str, *lines: str) -> None:
    _T.append((fam, fmt, "\n".join(lines)))


# --- npm / yarn / pnpm ------------------------------------------------------
F = "npm_registry"
_t(
    F,
    ".npmrc _authToken for registry.npmjs.org",
    "registry=https://registry.npmjs.org/",
    "//registry.npmjs.org/:_authToken=⟨S:npm⟩",
    "save-exact=true",
)
_t(
    F,
    ".npmrc scoped private registry + shell export",
    "$ cat .npmrc",
    "@⟨N:org⟩:registry=https://npm.⟨N:domain⟩/",
    "//npm.⟨N:domain⟩/:_authToken=${NPM_TOKEN}",
    "$ export NPM_TOKEN=⟨S:npm⟩",
)
_t(
    F,
    ".npmrc legacy _auth base64 user:pass",
    "registry=https://nexus.⟨N:domain⟩/repository/npm-group/",
    "//nexus.⟨N:domain⟩/repository/npm-group/:_auth=⟨X:b64:N:user|S:pw⟩",
    "always-auth=true",
)
_t(
    F,
    ".npmrc username + base64 _password",
    "//npm.pkg.⟨N:domain⟩/:username=⟨N:user⟩",
    "//npm.pkg.⟨N:domain⟩/:_password=⟨X:b64:S:pw⟩",
    "//npm.pkg.⟨N:domain⟩/:email=⟨N:email⟩",
)
_t(
    F,
    ".yarnrc.yml npmScopes npmAuthToken",
    "npmScopes:",
    "  ⟨N:org⟩:",
    '    npmRegistryServer: "https://npm.⟨N:domain⟩"',
    '    npmAuthToken: "⟨S:npm⟩"',
    "    npmAlwaysAuth: true",
)
_t(
    F,
    "pnpm config set GitHub Packages token",
    '$ pnpm config set "//npm.pkg.github.com/:_authToken" "⟨S:ghp⟩"',
    "$ pnpm install --frozen-lockfile",
)
_t(
    F,
    "npm token create table output",
    "┌────────────────┬──────────────────────────────────────────┐",
    "│ token          │ ⟨S:npm⟩ │",
    "│ readonly       │ false                                    │",
    "│ cidr_whitelist │                                          │",
    "│ created        │ ⟨N:date⟩T09:12:44.120Z                 │",
    "└────────────────┴──────────────────────────────────────────┘",
)
_t(
    F,
    "yarn v1 env npm_config__auth",
    "npm_config__auth=⟨X:b64:N:user|S:pwu⟩ yarn install --registry https://artifacts.⟨N:domain⟩/api/npm/npm/",
)

# --- PyPI / twine / poetry --------------------------------------------------
F = "pypi_twine"
_t(
    F,
    ".pypirc with API token",
    "[distutils]",
    "index-servers =",
    "    pypi",
    "    ⟨N:org⟩-internal",
    "",
    "[pypi]",
    "username = __token__",
    "password = ⟨S:pypi⟩",
)
_t(
    F,
    ".pypirc internal repository password",
    "[⟨N:org⟩-internal]",
    "repository = https://pypi.⟨N:domain⟩/simple/",
    "username = ⟨N:user⟩",
    "password = ⟨S:pw⟩",
)
_t(
    F,
    "twine upload with -p flag",
    "$ twine upload -u __token__ -p ⟨S:pypi⟩ dist/*",
    "Uploading distributions to https://upload.pypi.org/legacy/",
)
_t(
    F,
    "pip.conf index-url with credentials",
    "[global]",
    "index-url = https://⟨N:user⟩:⟨S:pwu⟩@pypi.⟨N:domain⟩/simple/",
    "timeout = 60",
)
_t(
    F,
    "PIP_EXTRA_INDEX_URL with GitLab token",
    "PIP_EXTRA_INDEX_URL=https://__token__:⟨S:glpat⟩@gitlab.⟨N:domain⟩/api/v4/projects/⟨N:num⟩/packages/pypi/simple",
)
_t(
    F,
    "poetry config http-basic and pypi-token",
    "$ poetry config pypi-token.pypi ⟨S:pypi⟩",
    "$ poetry config http-basic.⟨N:repo⟩ ⟨N:user⟩ ⟨S:pw⟩",
)
_t(
    F,
    "requirements.txt extra-index-url",
    "--extra-index-url https://⟨N:user⟩:⟨S:pwu⟩@nexus.⟨N:domain⟩/repository/pypi-internal/simple",
    "⟨N:pypkg⟩==⟨N:ver⟩",
)
_t(
    F,
    "POETRY_HTTP_BASIC env",
    "POETRY_HTTP_BASIC_⟨N:REPO⟩_USERNAME=⟨N:user⟩",
    "POETRY_HTTP_BASIC_⟨N:REPO⟩_PASSWORD=⟨S:pw⟩",
)

# --- Maven / Gradle ---------------------------------------------------------
F = "maven_gradle"
_t(
    F,
    "settings.xml server credentials",
    "<servers>",
    "  <server>",
    "    <id>⟨N:repo⟩</id>",
    "    <username>⟨N:user⟩</username>",
    "    <password>⟨S:pw⟩</password>",
    "  </server>",
    "  <server>",
    "    <id>docker-hub</id>",
    "    <username>⟨N:user#2⟩</username>",
    "    <password>⟨S:dockerpw⟩</password>",
    "  </server>",
    "</servers>",
)
_t(
    F,
    "settings.xml encrypted password",
    "<server>",
    "  <id>ossrh</id>",
    "  <username>⟨N:user⟩</username>",
    "  <password>{⟨S:mvnenc⟩}</password>",
    "</server>",
)
_t(
    F,
    "settings-security.xml master password",
    "<settingsSecurity>",
    "  <master>{⟨S:mvnenc⟩}</master>",
    "</settingsSecurity>",
)
_t(
    F,
    "gradle.properties repository credentials",
    "⟨N:repo⟩Username=⟨N:user⟩",
    "⟨N:repo⟩Password=⟨S:pw⟩",
    "org.gradle.jvmargs=-Xmx2g",
)
_t(
    F,
    "~/.gradle/gradle.properties signing + ossrh",
    "signing.keyId=⟨N:hexn16⟩",
    "signing.password=⟨S:pw⟩",
    "signing.secretKeyRingFile=/home/⟨N:user⟩/.gnupg/secring.gpg",
    "ossrhPassword=⟨S:pw#2⟩",
)
_t(
    F,
    "mvn -Dgpg.passphrase quoted",
    '[INFO] Executing: mvn -B -s .ci/settings.xml deploy -Dgpg.passphrase="⟨S:pwsp⟩" -DskipTests',
)
_t(F, "Develocity access key env", "GRADLE_ENTERPRISE_ACCESS_KEY=ge.⟨N:domain⟩=⟨S:alnum52⟩")
_t(
    F,
    "build.gradle.kts credentials block",
    "maven {",
    '    url = uri("https://artifacts.⟨N:domain⟩/repository/maven-releases/")',
    "    credentials {",
    '        username = "⟨N:user⟩"',
    '        password = "⟨S:pw⟩"',
    "    }",
    "}",
)

# --- NuGet ------------------------------------------------------------------
F = "nuget"
_t(
    F,
    "NuGet.Config ClearTextPassword",
    "<packageSourceCredentials>",
    "  <⟨N:feed⟩>",
    '    <add key="Username" value="⟨N:user⟩" />',
    '    <add key="ClearTextPassword" value="⟨S:pw⟩" />',
    "  </⟨N:feed⟩>",
    "</packageSourceCredentials>",
)
_t(
    F,
    "dotnet nuget push --api-key",
    "$ dotnet nuget push bin/Release/⟨N:app⟩.⟨N:ver⟩.nupkg --api-key ⟨S:nuget⟩ --source https://api.nuget.org/v3/index.json",
)
_t(
    F,
    "nuget setapikey",
    "PS> nuget setapikey ⟨S:nuget⟩ -Source https://api.nuget.org/v3/index.json",
    "The API Key '⟨S:nuget⟩' was saved for 'https://api.nuget.org/v3/index.json'.",
)
_t(
    F,
    "dotnet nuget add source with ADO PAT",
    "dotnet nuget add source https://pkgs.dev.azure.com/⟨N:org⟩/_packaging/⟨N:feed⟩/nuget/v3/index.json -n ⟨N:feed⟩ -u ⟨N:user⟩ -p ⟨S:ado⟩ --store-password-in-clear-text",
)
_t(
    F,
    "NuGet.Config DPAPI-encrypted apikey",
    "<apikeys>",
    '  <add key="https://www.nuget.org/api/v2/package" value="⟨S:nugetenc⟩" />',
    "</apikeys>",
)
_t(
    F,
    "VSS_NUGET_EXTERNAL_FEED_ENDPOINTS json env",
    'VSS_NUGET_EXTERNAL_FEED_ENDPOINTS={"endpointCredentials": [{"endpoint":"https://pkgs.dev.azure.com/⟨N:org⟩/_packaging/⟨N:feed⟩/nuget/v3/index.json", "username":"build", "password":"⟨S:ado⟩"}]}',
)
_t(
    F,
    "dotnet nuget push -k in build log",
    '+ dotnet nuget push "artifacts/*.nupkg" -k ⟨S:nuget⟩ -s https://nuget.⟨N:domain⟩/v3/index.json --skip-duplicate',
)
_t(
    F,
    "paket add-credentials",
    "paket config add-credentials https://nuget.⟨N:domain⟩/ --username ⟨N:user⟩ --password ⟨S:pw⟩",
)
_t(
    F,
    "NuGet.Config encrypted Password key",
    "<packageSourceCredentials>",
    "  <Internal>",
    '    <add key="Username" value="⟨N:user⟩" />',
    '    <add key="Password" value="⟨S:nugetenc⟩" />',
    "  </Internal>",
    "</packageSourceCredentials>",
)

# --- Cargo ------------------------------------------------------------------
F = "cargo_crates"
_t(F, "credentials.toml crates.io token", "[registry]", 'token = "⟨S:cio⟩"')
_t(F, "credentials.toml alternate registry token", "[registries.⟨N:org⟩]", 'token = "⟨S:alnum32⟩"')
_t(
    F,
    "cargo login token in shell history",
    "$ cargo login ⟨S:cio⟩",
    "       Login token for `crates-io` saved",
)
_t(
    F,
    "CARGO_REGISTRY_TOKEN env prefix",
    "$ CARGO_REGISTRY_TOKEN=⟨S:cio⟩ cargo publish -p ⟨N:crate⟩-derive",
)
_t(
    F,
    "CARGO_REGISTRIES_<NAME>_TOKEN env",
    "CARGO_REGISTRIES_⟨N:REPO⟩_INDEX=sparse+https://cargo.⟨N:domain⟩/index/",
    "CARGO_REGISTRIES_⟨N:REPO⟩_TOKEN=Bearer ⟨S:jwt⟩",
)
_t(F, "cargo publish --token", "+ cargo publish --token ⟨S:cio⟩ --allow-dirty")
_t(
    F,
    "config.toml git index with credentials",
    "[registries.⟨N:org⟩]",
    'index = "https://⟨N:user⟩:⟨S:pwu⟩@git.⟨N:domain⟩/crates-index.git"',
    "[net]",
    "git-fetch-with-cli = true",
)
_t(
    F,
    "cargo credential-provider debug log",
    "[2026-12-02T10:14:07Z DEBUG cargo::util::auth] found token for sparse+https://cargo.⟨N:domain⟩/index/ in credentials.toml: ⟨S:alnum40⟩",
)

# --- Composer ---------------------------------------------------------------
F = "composer_packagist"
_t(
    F,
    "auth.json http-basic",
    "{",
    '    "http-basic": {',
    '        "repo.⟨N:domain⟩": {',
    '            "username": "⟨N:user⟩",',
    '            "password": "⟨S:pw⟩"',
    "        }",
    "    }",
    "}",
)
_t(F, "auth.json github-oauth", '{"github-oauth": {"github.com": "⟨S:ghp⟩"}}')
_t(
    F,
    "auth.json gitlab-token",
    '    "gitlab-token": {',
    '        "gitlab.⟨N:domain⟩": "⟨S:glpat⟩"',
    "    },",
)
_t(
    F,
    "composer config http-basic for Private Packagist",
    "$ composer config --global --auth http-basic.repo.packagist.com token ⟨S:hex40⟩",
)
_t(F, "COMPOSER_AUTH bearer env", 'COMPOSER_AUTH=\'{"bearer":{"repo.⟨N:domain⟩":"⟨S:alnum40⟩"}}\'')
_t(F, "composer config github-oauth cli", "composer config -g github-oauth.github.com ⟨S:ghp⟩")
_t(
    F,
    "auth.json bitbucket-oauth consumer secret",
    '"bitbucket-oauth": {',
    '    "bitbucket.org": {',
    '        "consumer-key": "⟨N:tsid⟩",',
    '        "consumer-secret": "⟨S:alnum32⟩"',
    "    }",
    "}",
)
_t(
    F,
    "composer verbose output with URL credentials",
    "Downloading https://⟨N:user⟩:⟨S:pwu⟩@satis.⟨N:domain⟩/packages.json",
    "[200] https://satis.⟨N:domain⟩/packages.json",
)

# --- RubyGems / Bundler / CocoaPods -----------------------------------------
F = "rubygems_cocoapods"
_t(F, "~/.gem/credentials", "---", ":rubygems_api_key: ⟨S:rubygems⟩")
_t(F, "GEM_HOST_API_KEY env", "$ GEM_HOST_API_KEY=⟨S:rubygems⟩ gem push ⟨N:gem⟩-ext-⟨N:ver⟩.gem")
_t(
    F,
    "bundle config set mirror credentials",
    "$ bundle config set --global gems.⟨N:domain⟩ ⟨N:user⟩:⟨S:pwu⟩",
)
_t(F, "BUNDLE_ host env credentials", "BUNDLE_GEMS__CONTRIBSYS__COM=⟨N:hexn16⟩:⟨S:hex16⟩")
_t(
    F,
    "Gemfile source with credentials",
    'source "https://⟨N:user⟩:⟨S:pwu⟩@gems.⟨N:domain⟩/" do',
    '  gem "⟨N:gem⟩-pro"',
    "end",
)
_t(
    F,
    "~/.netrc CocoaPods trunk",
    "machine trunk.cocoapods.org",
    "  login ⟨N:email⟩",
    "  password ⟨S:hex32⟩",
)
_t(
    F,
    "COCOAPODS_TRUNK_TOKEN env",
    "COCOAPODS_TRUNK_TOKEN=⟨S:hex32⟩ pod trunk push ⟨N:pod⟩Kit.podspec --allow-warnings",
)
_t(
    F,
    ".bundle/config GitHub Packages",
    "---",
    'BUNDLE_RUBYGEMS__PKG__GITHUB__COM: "⟨N:user⟩:⟨S:ghp⟩"',
)
_t(
    F,
    "gem sources add with credentials",
    "$ gem sources --add https://⟨N:user⟩:⟨S:pwu⟩@rubygems.⟨N:domain⟩/",
    "https://⟨N:user⟩:⟨S:pwu⟩@rubygems.⟨N:domain⟩/ added to sources",
)

# --- Go private modules -----------------------------------------------------
F = "go_modules"
_t(F, ".netrc single line", "machine git.⟨N:domain⟩ login ⟨N:user⟩ password ⟨S:glpat⟩")
_t(F, ".netrc multi line", "machine github.com", "    login x-access-token", "    password ⟨S:ghs⟩")
_t(
    F,
    "GOPROXY with credentials plus GOPRIVATE",
    "GOPROXY=https://⟨N:user⟩:⟨S:pwu⟩@athens.⟨N:domain⟩,https://proxy.golang.org,direct",
    "GONOSUMDB=git.⟨N:domain⟩/*",
    "GOPRIVATE=git.⟨N:domain⟩/*",
)
_t(
    F,
    "git insteadOf with oauth2 GitLab token",
    '$ git config --global url."https://oauth2:⟨S:glpat⟩@gitlab.⟨N:domain⟩/".insteadOf "https://gitlab.⟨N:domain⟩/"',
)
_t(
    F,
    "git insteadOf with GitHub PAT",
    'git config --global url."https://⟨N:user⟩:⟨S:ghp⟩@github.com/⟨N:org⟩/".insteadOf "https://github.com/⟨N:org⟩/"',
)
_t(
    F,
    "go get error leaking proxy URL",
    "go: ⟨N:gomod⟩@v⟨N:ver⟩: reading https://⟨N:user⟩:⟨S:pwu⟩@goproxy.⟨N:domain⟩/⟨N:gomod⟩/@v/v⟨N:ver⟩.info: 410 Gone",
)
_t(
    F,
    ".gitconfig url section with installation token",
    '[url "https://x-access-token:⟨S:ghs⟩@github.com/"]',
    "\tinsteadOf = https://github.com/",
)
_t(
    F,
    "Artifactory Go remote GOPROXY",
    'export GOPROXY="https://⟨N:user⟩:⟨S:akcp⟩@⟨N:org⟩.jfrog.io/artifactory/api/go/go-virtual"',
)

# --- Artifactory / Nexus ----------------------------------------------------
F = "artifactory_nexus"
_t(
    F,
    "curl X-JFrog-Art-Api header",
    'curl -H "X-JFrog-Art-Api: ⟨S:akcp⟩" https://⟨N:org⟩.jfrog.io/artifactory/api/repositories',
)
_t(
    F,
    "jf config add access token",
    "$ jf config add ⟨N:name⟩ --url=https://⟨N:org⟩.jfrog.io --user=⟨N:user⟩ --access-token=⟨S:jwt⟩ --interactive=false",
)
_t(
    F,
    "curl -u with API key upload",
    'curl -u ⟨N:user⟩:⟨S:akcp⟩ -T build/⟨N:app⟩.tar.gz "https://artifactory.⟨N:domain⟩/artifactory/generic-local/⟨N:app⟩/"',
)
_t(
    F,
    "ARTIFACTORY reference token env",
    "ARTIFACTORY_URL=https://artifactory.⟨N:domain⟩",
    "ARTIFACTORY_ACCESS_TOKEN=⟨S:reftkn⟩",
)
_t(
    F,
    "Nexus initial admin.password",
    "$ docker exec nexus cat /nexus-data/admin.password",
    "⟨S:uuid⟩",
)
_t(
    F,
    "curl -v Authorization Basic header",
    "> GET /service/rest/v1/repositories HTTP/1.1",
    "> Host: nexus.⟨N:domain⟩",
    "> Authorization: Basic ⟨X:b64:N:user|S:pw⟩",
    "> User-Agent: curl/8.5.0",
)
_t(
    F,
    "docker login -p to JFrog",
    "$ docker login ⟨N:org⟩.jfrog.io -u ⟨N:user⟩ -p ⟨S:akcp⟩",
    "WARNING! Using --password via the CLI is insecure. Use --password-stdin.",
    "Login Succeeded",
)
_t(
    F,
    "jfrog-cli.conf.v6 json tokens",
    '"servers": [',
    "  {",
    '    "url": "https://⟨N:org⟩.jfrog.io/",',
    '    "user": "⟨N:user⟩",',
    '    "accessToken": "⟨S:jwt⟩",',
    '    "refreshToken": "⟨S:uuid⟩",',
    '    "serverId": "⟨N:name⟩"',
    "  }",
)
_t(
    F,
    "Nexus change-password API",
    "curl -u admin:⟨S:pw⟩ -X PUT -H 'Content-Type: text/plain' https://nexus.⟨N:domain⟩/service/rest/v1/security/users/admin/change-password -d '⟨S:pw#2⟩'",
)

# --- Jenkins ----------------------------------------------------------------
F = "jenkins"
_t(
    F,
    "credentials.xml username/password",
    "<com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl>",
    "  <scope>GLOBAL</scope>",
    "  <id>⟨N:credid⟩</id>",
    "  <description>deploy user</description>",
    "  <username>⟨N:user⟩</username>",
    "  <password>{⟨S:jenc⟩}</password>",
    "</com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl>",
)
_t(
    F,
    "credentials.xml secret text",
    "<org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl>",
    "  <scope>GLOBAL</scope>",
    "  <id>⟨N:credid⟩</id>",
    "  <secret>{⟨S:jenc⟩}</secret>",
    "</org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl>",
)
_t(
    F,
    "script console decrypt output",
    'println(hudson.util.Secret.decrypt("{⟨S:jenc⟩}"))',
    "⟨S:pw⟩",
)
_t(
    F,
    "remote build trigger with api token and job token",
    'curl -X POST -u ⟨N:user⟩:⟨S:jtoken⟩ "https://jenkins.⟨N:domain⟩/job/⟨N:proj⟩/build?token=⟨S:alnum24⟩"',
)
_t(
    F,
    "withCredentials leak under sh -x",
    "[Pipeline] withCredentials",
    "Masking supported pattern matches of $DEPLOY_TOKEN",
    "[Pipeline] {",
    "[Pipeline] sh",
    "+ curl -sf -H 'PRIVATE-TOKEN: ⟨S:glpat⟩' https://gitlab.⟨N:domain⟩/api/v4/projects/⟨N:num⟩/trigger/pipeline",
)
_t(
    F,
    "jenkins-cli -auth user:token",
    "java -jar jenkins-cli.jar -s https://jenkins.⟨N:domain⟩/ -auth ⟨N:user⟩:⟨S:jtoken⟩ build ⟨N:proj⟩ -s -v",
)
_t(
    F,
    "initial admin password banner",
    "*************************************************************",
    "Jenkins initial setup is required. An admin user has been created and a password generated.",
    "Please use the following password to proceed to installation:",
    "",
    "⟨S:hex32⟩",
    "",
    "This may also be found at: /var/jenkins_home/secrets/initialAdminPassword",
)
_t(
    F,
    "JCasC string credential",
    "credentials:",
    "  system:",
    "    domainCredentials:",
    "      - credentials:",
    "          - string:",
    "              scope: GLOBAL",
    '              id: "⟨N:credid⟩"',
    '              secret: "⟨S:alnum40⟩"',
    "          - usernamePassword:",
    "              scope: GLOBAL",
    '              id: "⟨N:credid#2⟩"',
    '              username: "⟨N:user⟩"',
    '              password: "⟨S:pw⟩"',
)
_t(
    F,
    "Groovy interpolation warning then leak",
    'Warning: A secret was passed to "sh" using Groovy String interpolation, which is insecure.',
    "\t\t Affected argument(s) used the following variable(s): [NEXUS_PASS]",
    "+ mvn deploy -Dnexus.password=⟨S:pw⟩",
)

# --- GitLab runners / tokens ------------------------------------------------
F = "gitlab_runner"
_t(
    F,
    "gitlab-runner register with registration token",
    "$ sudo gitlab-runner register --non-interactive --url https://gitlab.⟨N:domain⟩/ --registration-token ⟨S:gr134⟩ --executor docker --docker-image alpine:3.20",
)
_t(
    F,
    "config.toml runner token",
    "[[runners]]",
    '  name = "⟨N:host⟩"',
    '  url = "https://gitlab.⟨N:domain⟩/"',
    "  id = ⟨N:num⟩",
    '  token = "⟨S:glrt⟩"',
    "  token_obtained_at = ⟨N:date⟩T08:14:51Z",
    '  executor = "docker"',
)
_t(
    F,
    "helm values runnerToken",
    "gitlabUrl: https://gitlab.⟨N:domain⟩/",
    'runnerToken: "⟨S:glrt⟩"',
    "rbac:",
    "  create: true",
)
_t(
    F,
    "config.toml S3 cache secret key",
    "  [runners.cache.s3]",
    '    ServerAddress = "s3.amazonaws.com"',
    '    AccessKey = "⟨N:akid⟩"',
    '    SecretKey = "⟨S:awssecret⟩"',
    '    BucketName = "⟨N:app⟩-runner-cache"',
)
_t(
    F,
    "git clone with CI job token",
    "$ git clone https://gitlab-ci-token:⟨S:glcbt⟩@gitlab.⟨N:domain⟩/⟨N:org⟩/⟨N:proj⟩.git",
)
_t(
    F,
    "pipeline trigger token curl",
    "curl -X POST --fail -F token=⟨S:glptt⟩ -F ref=main https://gitlab.⟨N:domain⟩/api/v4/projects/⟨N:num⟩/trigger/pipeline",
)
_t(
    F,
    "deploy token docker login",
    "$ docker login registry.gitlab.⟨N:domain⟩ -u gitlab+deploy-token-⟨N:num⟩ -p ⟨S:gldt⟩",
)
_t(
    F,
    "PRIVATE-TOKEN header in API script",
    'curl --header "PRIVATE-TOKEN: ⟨S:glpat⟩" "https://gitlab.⟨N:domain⟩/api/v4/runners/all?scope=offline"',
)

# --- TeamCity / Bamboo ------------------------------------------------------
F = "teamcity_bamboo"
_t(
    F,
    "TeamCity super user token in teamcity-server.log",
    "[2026-12-02 07:44:10,118]   INFO -   jetbrains.buildServer.SERVER - Super user authentication token: ⟨S:tcsuper⟩ (use empty username with the token as the password to access the server)",
)
_t(
    F,
    "TeamCity access token bearer",
    'curl --header "Authorization: Bearer ⟨S:tc⟩" https://teamcity.⟨N:domain⟩/app/rest/builds?locator=running:true',
)
_t(
    F,
    "buildAgent.properties authorizationToken",
    "serverUrl=https://teamcity.⟨N:domain⟩",
    "name=⟨N:host⟩",
    "authorizationToken=⟨S:hex32⟩",
)
_t(
    F,
    "TeamCity Kotlin DSL scrambled password param",
    "params {",
    '    password("env.DB_PASSWORD", "⟨S:tczxx⟩", display = ParameterDisplay.HIDDEN)',
    "}",
)
_t(
    F,
    "Bamboo agent securityToken",
    "<buildAgentConfiguration>",
    "  <securityToken>⟨S:hex40⟩</securityToken>",
    "</buildAgentConfiguration>",
)
_t(
    F,
    "Bamboo PAT bearer",
    'curl -H "Authorization: Bearer ⟨S:b64_33⟩" https://bamboo.⟨N:domain⟩/rest/api/latest/plan.json',
)
_t(
    F,
    "Bamboo variable substitution leaks non-password var",
    "simple\t02-Dec-2026 10:21:03\tSubstituting variable: ${bamboo.npm_token} with ⟨S:npm⟩",
)
_t(
    F,
    "TeamCity setParameter service message",
    "##teamcity[setParameter name='env.SIGNING_KEY_PASS' value='⟨S:pw⟩']",
)
_t(
    F,
    "TeamCity agent docker env",
    "docker run -d -e SERVER_URL=https://teamcity.⟨N:domain⟩ -e AGENT_NAME=⟨N:host⟩ -e DOCKER_PASSWORD=⟨S:dockerpw⟩ jetbrains/teamcity-agent",
)

# --- Drone / Woodpecker / Buildkite -----------------------------------------
F = "drone_buildkite"
_t(
    F,
    "Drone server RPC secret",
    "DRONE_SERVER_HOST=drone.⟨N:domain⟩",
    "DRONE_RPC_SECRET=⟨S:hex32⟩",
    "DRONE_GITHUB_CLIENT_ID=⟨N:tsid⟩",
    "DRONE_GITHUB_CLIENT_SECRET=⟨S:hex40⟩",
)
_t(
    F,
    "Drone Gitea client secret",
    "DRONE_GITEA_SERVER=https://git.⟨N:domain⟩",
    "DRONE_GITEA_CLIENT_ID=⟨N:uuid⟩",
    "DRONE_GITEA_CLIENT_SECRET=⟨S:alnum43⟩",
)
_t(
    F,
    "drone secret add --data",
    "$ drone secret add --repository ⟨N:org⟩/⟨N:proj⟩ --name docker_password --data ⟨S:pw⟩",
)
_t(
    F,
    "buildkite-agent.cfg token",
    'token="⟨S:bkagent⟩"',
    'name="%hostname-%spawn"',
    'tags="queue=⟨N:env⟩"',
)
_t(
    F,
    "buildkite-agent start --token",
    '$ buildkite-agent start --token ⟨S:bkagent⟩ --tags "queue=deploy"',
)
_t(
    F,
    "Buildkite REST API bearer",
    'curl -H "Authorization: Bearer ⟨S:bkua⟩" "https://api.buildkite.com/v2/organizations/⟨N:org⟩/pipelines"',
)
_t(
    F,
    "Buildkite environment hook exporting secret",
    "~~~ Running agent environment hook",
    "export BUILDKITE_S3_SECRET_ACCESS_KEY=⟨S:awssecret⟩",
)
_t(
    F,
    "Woodpecker agent secret",
    "WOODPECKER_SERVER=woodpecker.⟨N:domain⟩:9000",
    "WOODPECKER_AGENT_SECRET=⟨S:hex64⟩",
)

# --- CircleCI ---------------------------------------------------------------
F = "circleci"
_t(F, "Circle-Token header", 'curl -s -H "Circle-Token: ⟨S:ccipat⟩" https://circleci.com/api/v2/me')
_t(
    F,
    "circleci setup --token",
    "$ circleci setup --no-prompt --host https://circleci.com --token ⟨S:ccipat⟩",
)
_t(
    F,
    "~/.circleci/cli.yml",
    "host: https://circleci.com",
    "endpoint: graphql-unstable",
    "token: ⟨S:hex40⟩",
)
_t(
    F,
    "context env var set via API",
    'curl -X PUT --header "Circle-Token: $CIRCLE_TOKEN" --header "Content-Type: application/json" -d \'{"value":"⟨S:pw⟩"}\' https://circleci.com/api/v2/context/⟨N:uuid⟩/environment-variable/DB_PASSWORD',
)
_t(
    F,
    "status badge URL with project token",
    "[![CircleCI](https://circleci.com/gh/⟨N:org⟩/⟨N:proj⟩.svg?style=svg&circle-token=⟨S:hex40⟩)](https://circleci.com/gh/⟨N:org⟩/⟨N:proj⟩)",
)
_t(
    F,
    "job step exporting secret",
    "#!/bin/bash -eo pipefail",
    'export AWS_SECRET_ACCESS_KEY="⟨S:awssecret⟩"',
    "aws s3 sync ./dist s3://⟨N:app⟩-assets",
)
_t(
    F,
    "runner launch-agent-config auth_token",
    "api:",
    "  auth_token: ⟨S:hex80⟩",
    "runner:",
    "  name: ⟨N:host⟩",
)
_t(
    F,
    "CIRCLECI_CLI_TOKEN env",
    "CIRCLECI_CLI_HOST=https://circleci.com",
    "CIRCLECI_CLI_TOKEN=⟨S:ccipat⟩",
)

# --- Azure DevOps -----------------------------------------------------------
F = "azure_devops"
_t(
    F,
    "AZURE_DEVOPS_EXT_PAT env prefix",
    "$ AZURE_DEVOPS_EXT_PAT=⟨S:ado⟩ az devops project list --organization https://dev.azure.com/⟨N:org⟩",
)
_t(
    F,
    "git clone with PAT in URL",
    "git clone https://⟨N:user⟩:⟨S:ado⟩@dev.azure.com/⟨N:org⟩/⟨N:proj⟩/_git/⟨N:app⟩",
)
_t(
    F,
    "agent config.sh --token",
    "./config.sh --unattended --url https://dev.azure.com/⟨N:org⟩ --auth pat --token ⟨S:ado⟩ --pool ⟨N:pool⟩ --agent ⟨N:host⟩ --acceptTeeEula",
)
_t(
    F,
    "curl -u :PAT",
    'curl -s -u :⟨S:ado⟩ "https://dev.azure.com/⟨N:org⟩/_apis/projects?api-version=7.1"',
)
_t(F, "Authorization Basic base64(:PAT)", "Authorization: Basic ⟨X:b64c:S:ado⟩")
_t(
    F,
    "task.setvariable issecret=false",
    "##[debug]Processed: ##vso[task.setvariable variable=sqlAdminPassword;issecret=false]⟨S:pw⟩",
)
_t(
    F,
    "service connection JSON servicePrincipalKey",
    '"authorization": {',
    '  "parameters": {',
    '    "serviceprincipalid": "⟨N:uuid⟩",',
    '    "serviceprincipalkey": "⟨S:azcs⟩",',
    '    "tenantid": "⟨N:uuid#2⟩"',
    "  },",
    '  "scheme": "ServicePrincipal"',
    "}",
)
_t(
    F,
    "az pipelines variable create --value",
    "az pipelines variable create --pipeline-name ⟨N:proj⟩-ci --name ACR_PASSWORD --value ⟨S:pw⟩ --secret true",
)
_t(
    F,
    ".npmrc for ADO feed with base64 PAT",
    "//pkgs.dev.azure.com/⟨N:org⟩/_packaging/⟨N:feed⟩/npm/registry/:username=⟨N:org⟩",
    "//pkgs.dev.azure.com/⟨N:org⟩/_packaging/⟨N:feed⟩/npm/registry/:_password=⟨X:b64:S:ado⟩",
)

# --- Bitbucket / Atlassian --------------------------------------------------
F = "bitbucket"
_t(
    F,
    "git clone with app password",
    "$ git clone https://⟨N:user⟩:⟨S:atbb⟩@bitbucket.org/⟨N:org⟩/⟨N:app⟩.git",
)
_t(
    F,
    "curl -u app password REST",
    "curl -u ⟨N:user⟩:⟨S:atbb⟩ https://api.bitbucket.org/2.0/repositories/⟨N:org⟩?pagelen=100",
)
_t(
    F,
    "pipelines variable API body unsecured",
    "POST /2.0/repositories/⟨N:org⟩/⟨N:app⟩/pipelines_config/variables/",
    '{"key":"DEPLOY_PASS","value":"⟨S:pw⟩","secured":false}',
)
_t(
    F,
    "Bitbucket DC HTTP access token bearer",
    'curl -H "Authorization: Bearer ⟨S:bbdc⟩" https://bitbucket.⟨N:domain⟩/rest/api/latest/projects',
)
_t(
    F,
    "BITBUCKET_APP_PASSWORD env",
    "BITBUCKET_USERNAME=⟨N:user⟩",
    "BITBUCKET_APP_PASSWORD=⟨S:atbb⟩",
)
_t(
    F,
    "Atlassian API token curl to Jira",
    'curl -u ⟨N:email⟩:⟨S:atatt⟩ -H "Accept: application/json" https://⟨N:org⟩.atlassian.net/rest/api/3/myself',
)
_t(
    F,
    "repository access token x-token-auth",
    "git remote set-url origin https://x-token-auth:⟨S:atatt⟩@bitbucket.org/⟨N:org⟩/⟨N:app⟩.git",
)
_t(
    F,
    "OAuth consumer secret in Jenkins Bitbucket plugin log",
    "INFO: Bitbucket OAuth consumer configured key=⟨N:tsid⟩ secret=⟨S:alnum32⟩",
)

# --- Argo CD / Flux ---------------------------------------------------------
F = "gitops_cd"
_t(
    F,
    "argocd admin initial-password output",
    "$ argocd admin initial-password -n argocd",
    "⟨S:alnum16⟩",
    "",
    " This password must be only used for first time login. We strongly recommend you update the password using `argocd account update-password`.",
)
_t(
    F,
    "initial admin secret yaml base64",
    "apiVersion: v1",
    "data:",
    "  password: ⟨X:b64:S:alnum16⟩",
    "kind: Secret",
    "metadata:",
    "  name: argocd-initial-admin-secret",
    "  namespace: argocd",
)
_t(
    F,
    "argocd login --password",
    "argocd login argocd.⟨N:domain⟩ --username admin --password ⟨S:pw⟩ --grpc-web",
)
_t(
    F,
    "argocd account generate-token output",
    "$ argocd account generate-token --account ci-bot",
    "⟨S:jwt⟩",
)
_t(
    F,
    "~/.config/argocd/config with auth/refresh tokens",
    "users:",
    "- auth-token: ⟨S:jwt⟩",
    "  name: argocd.⟨N:domain⟩",
    "  refresh-token: ⟨S:jwt#2⟩",
)
_t(
    F,
    "flux bootstrap with GITHUB_TOKEN",
    "$ export GITHUB_TOKEN=⟨S:ghp⟩",
    "$ flux bootstrap github --owner=⟨N:org⟩ --repository=fleet-infra --branch=main --path=clusters/⟨N:env⟩",
)
_t(
    F,
    "Flux secret stringData",
    "apiVersion: v1",
    "kind: Secret",
    "metadata:",
    "  name: ⟨N:name⟩-helm-repo",
    "  namespace: flux-system",
    "stringData:",
    "  username: ⟨N:user⟩",
    "  password: ⟨S:pw⟩",
)
_t(
    F,
    "flux alert-provider Slack webhook URL",
    "flux create alert-provider slack --type slack --channel ops --address=https://hooks.slack.com/services/T0⟨N:num⟩AB/B0⟨N:num#2⟩CD/⟨S:slackhook⟩",
)

# --- Spinnaker / Tekton -----------------------------------------------------
F = "gitops_cd"
_t(
    F,
    "halyard config docker-registry password",
    "      dockerRegistry:",
    "        accounts:",
    "        - name: ⟨N:name⟩",
    "          address: https://index.docker.io",
    "          username: ⟨N:user⟩",
    "          password: ⟨S:dockerpw⟩",
)
_t(
    F,
    "clouddriver-local.yml github token",
    "github:",
    "  accounts:",
    "  - name: ⟨N:org⟩",
    "    token: ⟨S:ghp⟩",
)
_t(
    F,
    "Tekton basic-auth Secret",
    "apiVersion: v1",
    "kind: Secret",
    "metadata:",
    "  name: ⟨N:name⟩-basic-auth",
    "  annotations:",
    "    tekton.dev/git-0: https://github.com",
    "type: kubernetes.io/basic-auth",
    "stringData:",
    "  username: ⟨N:user⟩",
    "  password: ⟨S:ghp⟩",
)
_t(
    F,
    "Tekton dockerconfigjson Secret",
    "type: kubernetes.io/dockerconfigjson",
    "data:",
    "  .dockerconfigjson: ⟨X:dockercfg:N:domain|N:user|S:pw⟩",
)
_t(
    F,
    "Tekton Triggers GitHub interceptor secretToken",
    "kind: Secret",
    "metadata:",
    "  name: github-interceptor-secret",
    "stringData:",
    '  secretToken: "⟨S:hex40⟩"',
)
_t(
    F,
    "Spinnaker webhook stage custom header",
    '"type": "webhook",',
    '"url": "https://deploy-hooks.⟨N:domain⟩/notify",',
    '"customHeaders": {"Authorization": "Bearer ⟨S:alnum40⟩"}',
)

# --- HashiCorp Vault --------------------------------------------------------
F = "vault"
_t(
    F,
    "vault operator init output (3 of 5 + root)",
    "Unseal Key 1: ⟨S:unseal#1⟩",
    "Unseal Key 2: ⟨S:unseal#2⟩",
    "Unseal Key 3: ⟨S:unseal#3⟩",
    "",
    "Initial Root Token: ⟨S:hvsroot⟩",
    "",
    "Vault initialized with 5 key shares and a key threshold of 3.",
)
_t(
    F,
    "vault operator init recovery keys",
    "Recovery Key 1: ⟨S:unseal#1⟩",
    "Recovery Key 2: ⟨S:unseal#2⟩",
    "Initial Root Token: ⟨S:hvsroot⟩",
    "Success! Vault is initialized",
)
_t(
    F,
    "VAULT_TOKEN env prefix",
    "$ VAULT_ADDR=https://vault.⟨N:domain⟩:8200 VAULT_TOKEN=⟨S:hvs⟩ vault kv get secret/⟨N:app⟩/config",
)
_t(
    F,
    "AppRole secret-id output",
    "Key                   Value",
    "---                   -----",
    "secret_id             ⟨S:uuid⟩",
    "secret_id_accessor    ⟨N:uuid⟩",
    "secret_id_num_uses    0",
    "secret_id_ttl         0s",
)
_t(
    F,
    "AppRole login with secret_id and resulting token",
    "$ vault write auth/approle/login role_id=⟨N:uuid⟩ secret_id=⟨S:uuid⟩",
    "Key                     Value",
    "---                     -----",
    "token                   ⟨S:hvs⟩",
    "token_duration          1h",
)
_t(
    F,
    "response wrapping token",
    "Key                              Value",
    "---                              -----",
    "wrapping_token:                  ⟨S:hvs⟩",
    "wrapping_accessor:               ⟨N:tsid⟩",
    "wrapping_token_ttl:              2m",
)
_t(
    F,
    "vault kv get data table",
    "====== Data ======",
    "Key         Value",
    "---         -----",
    "password    ⟨S:pw⟩",
    "username    ⟨N:user⟩",
)
_t(
    F,
    "curl X-Vault-Token header",
    'curl -s -H "X-Vault-Token: ⟨S:hvs⟩" https://vault.⟨N:domain⟩:8200/v1/secret/data/⟨N:app⟩',
)
_t(
    F,
    "database/creds json output",
    "{",
    '  "lease_duration": 3600,',
    '  "data": {',
    '    "password": "⟨S:vaultdbpw⟩",',
    '    "username": "v-approle-readonly-⟨N:tsid⟩"',
    "  }",
    "}",
)
_t(
    F,
    "batch token in agent sink file log",
    "[INFO]  sink.file: token written: path=/vault/secrets/.token token=⟨S:hvb⟩",
)

# --- AWS Secrets Manager / SSM / credentials --------------------------------
F = "aws_secrets"
_t(
    F,
    "get-secret-value JSON SecretString",
    "{",
    '    "ARN": "arn:aws:secretsmanager:⟨N:region⟩:⟨N:num9⟩:secret:prod/⟨N:app⟩/db",',
    '    "Name": "prod/⟨N:app⟩/db",',
    '    "SecretString": "{\\"username\\":\\"⟨N:user⟩\\",\\"password\\":\\"⟨S:pw⟩\\"}"',
    "}",
)
_t(
    F,
    "ssm get-parameter with-decryption",
    "{",
    '    "Parameter": {',
    '        "Name": "/⟨N:app⟩/prod/api_key",',
    '        "Type": "SecureString",',
    '        "Value": "⟨S:alnum40⟩",',
    '        "Version": 4',
    "    }",
    "}",
)
_t(
    F,
    "~/.aws/credentials profile",
    "[⟨N:profile⟩]",
    "aws_access_key_id = ⟨N:akid⟩",
    "aws_secret_access_key = ⟨S:awssecret⟩",
    "",
    "[⟨N:profile#2⟩]",
    "aws_access_key_id = ⟨N:akid#2⟩",
    "aws_secret_access_key = ⟨S:awssecret#2⟩",
    "region = ⟨N:region⟩",
)
_t(
    F,
    "env export with session token",
    "export AWS_ACCESS_KEY_ID=⟨N:akid⟩",
    "export AWS_SECRET_ACCESS_KEY=⟨S:awssecret⟩",
    "export AWS_SESSION_TOKEN=⟨S:awssession⟩",
)
_t(
    F,
    "sts assume-role output",
    '"Credentials": {',
    '    "AccessKeyId": "⟨N:akid⟩",',
    '    "SecretAccessKey": "⟨S:awssecret⟩",',
    '    "SessionToken": "⟨S:awssession⟩",',
    '    "Expiration": "⟨N:date⟩T11:02:19+00:00"',
    "}",
)
_t(
    F,
    "ssm get-parameters-by-path table",
    "|                 GetParametersByPath                  |",
    "+------------------------+---------------+-------------+",
    "|  /⟨N:app⟩/prod/DB_PASSWORD  |  SecureString  |  ⟨S:pw⟩  |",
)
_t(
    F,
    "ECS task definition environment",
    '"environment": [',
    '  {"name": "DB_HOST", "value": "⟨N:host⟩.⟨N:domain⟩"},',
    '  {"name": "DB_PASSWORD", "value": "⟨S:pw⟩"}',
    "]",
)
_t(
    F,
    "put-secret-value in history",
    "aws secretsmanager put-secret-value --secret-id prod/⟨N:app⟩/stripe --secret-string '⟨S:sklive⟩'",
)
_t(
    F,
    "docker login with ECR password",
    "+ docker login --username AWS --password ⟨S:ecrpw⟩ ⟨N:num9⟩.dkr.ecr.⟨N:region⟩.amazonaws.com",
)

# --- Azure Key Vault & friends ----------------------------------------------
F = "azure_keyvault"
_t(
    F,
    "az keyvault secret show JSON",
    "{",
    '  "attributes": {"enabled": true},',
    '  "id": "https://⟨N:kv⟩.vault.azure.net/secrets/db-password/⟨N:hexn32⟩",',
    '  "name": "db-password",',
    '  "value": "⟨S:pw⟩"',
    "}",
)
_t(
    F,
    "az keyvault secret set --value",
    'az keyvault secret set --vault-name ⟨N:kv⟩ --name ⟨N:app⟩-api-key --value "⟨S:alnum32⟩"',
)
_t(
    F,
    "az login --service-principal -p",
    "az login --service-principal -u ⟨N:uuid⟩ -p ⟨S:azcs⟩ --tenant ⟨N:uuid#2⟩",
)
_t(
    F,
    "AZURE_CLIENT_SECRET env",
    "AZURE_TENANT_ID=⟨N:uuid⟩",
    "AZURE_CLIENT_ID=⟨N:uuid#2⟩",
    "AZURE_CLIENT_SECRET=⟨S:azcs⟩",
)
_t(
    F,
    "storage account connection string",
    "DefaultEndpointsProtocol=https;AccountName=⟨N:acct⟩;AccountKey=⟨S:b64_64⟩;EndpointSuffix=core.windows.net",
)
_t(
    F,
    "blob SAS URL sig",
    "https://⟨N:acct⟩.blob.core.windows.net/backups/⟨N:db⟩.bak?sv=2022-11-02&ss=b&srt=sco&sp=rl&se=2026-12-31T00:00:00Z&spr=https&sig=⟨S:sig⟩",
)
_t(
    F,
    "az ad sp create-for-rbac output",
    "{",
    '  "appId": "⟨N:uuid⟩",',
    '  "displayName": "⟨N:proj⟩-deployer",',
    '  "password": "⟨S:azcs⟩",',
    '  "tenant": "⟨N:uuid#2⟩"',
    "}",
)
_t(
    F,
    "Service Bus connection string",
    "Endpoint=sb://⟨N:app⟩-bus.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=⟨S:b64_32⟩",
)
_t(
    F,
    "az cosmosdb keys list",
    "{",
    '  "primaryMasterKey": "⟨S:b64_64⟩",',
    '  "primaryReadonlyMasterKey": "⟨S:b64_64#2⟩"',
    "}",
)

# --- GCP Secret Manager & friends -------------------------------------------
F = "gcp_secret_manager"
_t(
    F,
    "gcloud secrets versions access output",
    "$ gcloud secrets versions access latest --secret=⟨N:app⟩-db-password --project=⟨N:proj⟩-prod",
    "⟨S:pw⟩",
)
_t(
    F,
    "gcloud secrets create from echo",
    'echo -n "⟨S:pw⟩" | gcloud secrets create ⟨N:app⟩-smtp --replication-policy=automatic --data-file=-',
)
_t(
    F,
    "service account key JSON private_key",
    '  "private_key_id": "⟨N:hexn40⟩",',
    '  "private_key": "-----BEGIN PRIVATE KEY-----\\n⟨S:pemline⟩\\n⟨S:pemline#2⟩\\n-----END PRIVATE KEY-----\\n",',
    '  "client_email": "⟨N:app⟩-sa@⟨N:proj⟩.iam.gserviceaccount.com",',
)
_t(
    F,
    "versions access payload.data base64",
    "$ gcloud secrets versions access 3 --secret=⟨N:app⟩-token --format='get(payload.data)'",
    "⟨X:b64:S:alnum40⟩",
)
_t(
    F,
    "Maps API key in URL",
    "GET https://maps.googleapis.com/maps/api/geocode/json?address=⟨N:city⟩&key=⟨S:aiza⟩",
)
_t(
    F,
    "gcloud sql users set-password",
    "gcloud sql users set-password ⟨N:user⟩ --instance=⟨N:inst⟩ --password=⟨S:pw⟩",
)
_t(
    F,
    "REST accessSecretVersion payload",
    "{",
    '  "name": "projects/⟨N:num9⟩/secrets/⟨N:app⟩-api/versions/7",',
    '  "payload": {',
    '    "data": "⟨X:b64:S:pw⟩",',
    '    "dataCrc32c": "⟨N:num9⟩"',
    "  }",
    "}",
)
_t(
    F,
    "Firebase CI refresh token",
    "FIREBASE_TOKEN=⟨S:gref⟩ firebase deploy --only hosting --project ⟨N:proj⟩",
)
_t(F, "gsutil hmac create output", "Access ID:   GOOG1E⟨N:HEX40⟩", "Secret:      ⟨S:b64_30⟩")

# --- Doppler / 1Password ----------------------------------------------------
F = "doppler_1password"
_t(F, "DOPPLER_TOKEN env prefix", "$ DOPPLER_TOKEN=⟨S:dpst⟩ doppler run -- ./bin/server")
_t(
    F,
    "doppler configs tokens create --plain",
    "$ doppler configs tokens create ci-deploy --project ⟨N:proj⟩ --config prd --plain",
    "⟨S:dpst⟩",
)
_t(
    F,
    "doppler secrets table",
    "┌──────────────────┬──────────────────────────────────┐",
    "│ NAME             │ VALUE                            │",
    "├──────────────────┼──────────────────────────────────┤",
    "│ STRIPE_KEY       │ ⟨S:sklive⟩ │",
    "│ DATABASE_URL     │ postgres://⟨N:user⟩:⟨S:pwu⟩@⟨N:host⟩:5432/⟨N:db⟩ │",
    "└──────────────────┴──────────────────────────────────┘",
)
_t(F, "OP_SERVICE_ACCOUNT_TOKEN export", "export OP_SERVICE_ACCOUNT_TOKEN=⟨S:ops⟩")
_t(F, "op read output", '$ op read "op://⟨N:vaultn⟩/⟨N:item⟩/password"', "⟨S:pw⟩")
_t(
    F,
    "op item get json fields",
    '"fields": [',
    '  {"id": "username", "type": "STRING", "label": "username", "value": "⟨N:user⟩"},',
    '  {"id": "password", "type": "CONCEALED", "purpose": "PASSWORD", "label": "password", "value": "⟨S:pw⟩"}',
    "]",
)
_t(
    F,
    "op item create with password assignment",
    'op item create --category login --title "⟨N:item⟩" --vault ⟨N:vaultn⟩ username=⟨N:user⟩ password=⟨S:pw⟩',
)
_t(
    F,
    "Doppler personal token in CLI config yaml",
    "scoped:",
    "    /home/⟨N:user⟩/src/⟨N:proj⟩:",
    "        token: ⟨S:dppt⟩",
    "        api-host: https://api.doppler.com",
)

# --- Keycloak / OIDC --------------------------------------------------------
F = "keycloak_oidc"
_t(
    F,
    "kcadm config credentials --password",
    "$ kcadm.sh config credentials --server https://sso.⟨N:domain⟩ --realm master --user admin --password ⟨S:pw⟩",
)
_t(
    F,
    "Keycloak bootstrap admin env",
    "KC_BOOTSTRAP_ADMIN_USERNAME=admin",
    "KC_BOOTSTRAP_ADMIN_PASSWORD=⟨S:pw⟩",
    "KC_DB_USERNAME=keycloak",
    "KC_DB_PASSWORD=⟨S:pw#2⟩",
)
_t(
    F,
    "kcadm get client-secret output",
    "$ kcadm.sh get clients/⟨N:uuid⟩/client-secret -r ⟨N:realm⟩",
    "{",
    '  "type" : "secret",',
    '  "value" : "⟨S:alnum32⟩"',
    "}",
)
_t(
    F,
    "keycloak.json adapter credentials",
    "{",
    '  "realm": "⟨N:realm⟩",',
    '  "auth-server-url": "https://sso.⟨N:domain⟩/",',
    '  "resource": "⟨N:client⟩",',
    '  "credentials": {"secret": "⟨S:alnum32⟩"}',
    "}",
)
_t(
    F,
    "KC_DB_PASSWORD env",
    "KC_DB=postgres",
    "KC_DB_URL=jdbc:postgresql://⟨N:host⟩:5432/keycloak",
    "KC_DB_PASSWORD=⟨S:pw⟩",
)
_t(
    F,
    "client_credentials token request",
    'curl -s -d "grant_type=client_credentials&client_id=⟨N:client⟩&client_secret=⟨S:alnum32⟩" https://sso.⟨N:domain⟩/realms/⟨N:realm⟩/protocol/openid-connect/token',
)
_t(
    F,
    "token endpoint response",
    '{"access_token":"⟨S:jwt⟩","expires_in":300,"refresh_expires_in":1800,"refresh_token":"⟨S:jwt#2⟩","token_type":"Bearer","scope":"profile email"}',
)
_t(
    F,
    "realm export client secret and SMTP password",
    '"clients": [{"clientId": "⟨N:client⟩", "secret": "⟨S:alnum32⟩", "publicClient": false}],',
    '"smtpServer": {"host": "smtp.⟨N:domain⟩", "port": "587", "user": "⟨N:email⟩", "password": "⟨S:pw⟩", "starttls": "true"}',
)
_t(
    F,
    "oauth2-proxy cfg",
    'provider = "keycloak-oidc"',
    'client_id = "⟨N:client⟩"',
    'client_secret = "⟨S:alnum32⟩"',
    'cookie_secret = "⟨S:b64u32⟩"',
)

# --- Okta / Auth0 -----------------------------------------------------------
F = "okta_auth0"
_t(
    F,
    "Okta SSWS header",
    'curl -s -H "Authorization: SSWS ⟨S:okta⟩" "https://⟨N:org⟩.okta.com/api/v1/users?limit=25"',
)
_t(
    F,
    "OKTA_CLIENT_TOKEN env",
    "OKTA_CLIENT_ORGURL=https://⟨N:org⟩.okta.com",
    "OKTA_CLIENT_TOKEN=⟨S:okta⟩",
    "OKTA_OAUTH2_CLIENT_SECRET=⟨S:alnum40⟩",
)
_t(
    F,
    "terraform okta provider HCL",
    'provider "okta" {',
    '  org_name  = "⟨N:org⟩"',
    '  base_url  = "okta.com"',
    '  api_token = "⟨S:okta⟩"',
    "}",
)
_t(
    F,
    "okta.yaml token",
    "okta:",
    "  client:",
    '    orgUrl: "https://⟨N:org⟩.okta.com"',
    '    token: "⟨S:okta⟩"',
)
_t(
    F,
    "AUTH0_CLIENT_SECRET env",
    "AUTH0_DOMAIN=⟨N:tenant⟩.eu.auth0.com",
    "AUTH0_CLIENT_ID=⟨N:clientid⟩",
    "AUTH0_CLIENT_SECRET=⟨S:auth0⟩",
    "AUTH0_SECRET=⟨S:hex64⟩",
)
_t(
    F,
    "auth0 apps show --reveal-secrets",
    "  NAME           ⟨N:proj⟩ backend",
    "  CLIENT ID      ⟨N:clientid⟩",
    "  CLIENT SECRET  ⟨S:auth0⟩",
)
_t(
    F,
    "Auth0 management token request body",
    'curl --request POST --url https://⟨N:tenant⟩.eu.auth0.com/oauth/token --header \'content-type: application/json\' --data \'{"client_id":"⟨N:clientid⟩","client_secret":"⟨S:auth0⟩","audience":"https://⟨N:tenant⟩.eu.auth0.com/api/v2/","grant_type":"client_credentials"}\'',
)
_t(
    F,
    "nextjs-auth0 AUTH0_SECRET",
    "AUTH0_SECRET='⟨S:hex64⟩'",
    "AUTH0_BASE_URL='https://app.⟨N:domain⟩'",
)
_t(
    F,
    "Okta SCIM provisioning token in admin export",
    '"provisioning": {"scimBaseUrl": "https://scim.⟨N:domain⟩/v2", "authMode": "HEADER", "authorizationHeader": "Bearer ⟨S:alnum40⟩"}',
)

# --- LDAP / SCIM / SAML -----------------------------------------------------
F = "ldap_scim_saml"
_t(
    F,
    "ldapsearch -w bind password",
    'ldapsearch -x -H ldaps://ldap.⟨N:domain⟩ -D "cn=admin,dc=⟨N:org⟩,dc=example" -w ⟨S:pw⟩ -b "ou=people,dc=⟨N:org⟩,dc=example" "(uid=⟨N:user⟩)"',
)
_t(
    F,
    "sssd.conf default_authtok",
    "[domain/⟨N:org⟩]",
    "ldap_default_bind_dn = cn=sssd,ou=services,dc=⟨N:org⟩,dc=example",
    "ldap_default_authtok_type = password",
    "ldap_default_authtok = ⟨S:pw⟩",
)
_t(
    F,
    "slapd.conf rootpw SSHA",
    'rootdn   "cn=Manager,dc=⟨N:org⟩,dc=example"',
    "rootpw   {SSHA}⟨S:ssha⟩",
)
_t(
    F,
    "gitlab.rb LDAP bind password",
    "gitlab_rails['ldap_servers'] = {",
    "  'main' => {",
    "    'bind_dn' => 'CN=svc-gitlab,OU=Service,DC=⟨N:org⟩,DC=example',",
    "    'password' => '⟨S:pw⟩',",
    "  }",
    "}",
)
_t(
    F,
    "SCIM bearer token request",
    'curl -H "Authorization: Bearer ⟨S:alnum64⟩" -H "Content-Type: application/scim+json" https://⟨N:app⟩.⟨N:domain⟩/scim/v2/Users?filter=userName%20eq%20%22⟨N:user⟩%22',
)
_t(
    F,
    "Shibboleth idp.properties sealer passwords",
    "idp.sealer.storePassword = ⟨S:pw⟩",
    "idp.sealer.keyPassword = ⟨S:pw#2⟩",
)
_t(
    F,
    "SAML SP keystore password properties",
    "saml.sp.entityId=https://⟨N:app⟩.⟨N:domain⟩/saml/metadata",
    "saml.sp.keystore.path=/etc/⟨N:app⟩/saml.jks",
    "saml.sp.keystore.password=⟨S:pw⟩",
)
_t(
    F,
    "net ads join with password",
    '# net ads join -U Administrator%⟨S:pw⟩ createcomputer="Servers/Linux"',
)

# --- PostgreSQL -------------------------------------------------------------
F = "postgres"
_t(F, ".pgpass line", "⟨N:host⟩.⟨N:domain⟩:5432:⟨N:db⟩:⟨N:user⟩:⟨S:pw⟩")
_t(
    F,
    "ALTER ROLE in psql session",
    "⟨N:db⟩=# ALTER ROLE ⟨N:user⟩ WITH LOGIN PASSWORD '⟨S:pw⟩' VALID UNTIL '2027-03-31';",
    "ALTER ROLE",
)
_t(
    F,
    "pg_dump with URI",
    'pg_dump "postgresql://⟨N:user⟩:⟨S:pwu⟩@⟨N:host⟩:5432/⟨N:db⟩?sslmode=require" -Fc -f /backup/⟨N:db⟩.dump',
)
_t(
    F,
    "PGPASSWORD env prefix",
    "$ PGPASSWORD=⟨S:pw⟩ psql -h ⟨N:host⟩ -U ⟨N:user⟩ -d ⟨N:db⟩ -c 'select 1'",
)
_t(
    F,
    "server log statement with CREATE USER",
    "2026-12-02 10:14:07.331 UTC [28114] LOG:  statement: CREATE USER ⟨N:user⟩ PASSWORD '⟨S:pw⟩';",
)
_t(
    F,
    "pg_authid SCRAM verifier",
    " rolname  |                                   rolpassword",
    "----------+----------------------------------------------------------------------------",
    " ⟨N:user⟩ | SCRAM-SHA-256$4096:⟨S:scram⟩",
)
_t(F, "pgbouncer userlist.txt", '"⟨N:user⟩" "⟨S:pw⟩"', '"⟨N:user#2⟩" "md5⟨S:hex32⟩"')
_t(
    F,
    "primary_conninfo in postgresql.auto.conf",
    "primary_conninfo = 'host=⟨N:host⟩ port=5432 user=replicator password=⟨S:pw⟩ application_name=⟨N:host#2⟩'",
)
_t(
    F,
    "Patroni YAML superuser/replication",
    "  authentication:",
    "    superuser:",
    "      username: postgres",
    "      password: ⟨S:pw⟩",
    "    replication:",
    "      username: replicator",
    "      password: ⟨S:pw#2⟩",
    "restapi:",
    "  authentication:",
    "    username: patroni",
    "    password: ⟨S:pw#3⟩",
)

# --- MySQL / MariaDB --------------------------------------------------------
F = "mysql"
_t(
    F,
    "my.cnf client section",
    "[client]",
    "user=⟨N:user⟩",
    "password=⟨S:pw⟩",
    "host=⟨N:host⟩",
    "",
    "[mysqldump]",
    "user=backup",
    "password=⟨S:pw#2⟩",
)
_t(
    F,
    "mysql -p inline with warning",
    "$ mysql -u⟨N:user⟩ -p⟨S:pw⟩ -h ⟨N:host⟩ ⟨N:db⟩",
    "mysql: [Warning] Using a password on the command line interface can be insecure.",
)
_t(
    F,
    "GRANT IDENTIFIED BY",
    "GRANT ALL PRIVILEGES ON ⟨N:db⟩.* TO '⟨N:user⟩'@'%' IDENTIFIED BY '⟨S:pw⟩';",
)
_t(
    F,
    "CREATE USER caching_sha2_password",
    "CREATE USER '⟨N:user⟩'@'%' IDENTIFIED WITH caching_sha2_password BY '⟨S:pw⟩';",
)
_t(
    F,
    "error log temporary root password",
    "2026-11-28T07:41:02.118243Z 6 [Note] [MY-010454] [Server] A temporary password is generated for root@localhost: ⟨S:mysqltmp⟩",
)
_t(
    F,
    "mysql.user authentication_string table",
    "+-----------+------------------------------------------+",
    "| user      | authentication_string                    |",
    "+-----------+------------------------------------------+",
    "| ⟨N:user⟩ | *⟨S:mysqlhash⟩ |",
)
_t(
    F,
    "CHANGE REPLICATION SOURCE",
    "CHANGE REPLICATION SOURCE TO SOURCE_HOST='⟨N:host⟩', SOURCE_USER='repl', SOURCE_PASSWORD='⟨S:pw⟩', SOURCE_AUTO_POSITION=1;",
)
_t(
    F,
    "MariaDB docker env",
    "MARIADB_ROOT_PASSWORD=⟨S:pw⟩",
    "MARIADB_DATABASE=⟨N:db⟩",
    "MARIADB_PASSWORD=⟨S:pw#2⟩",
)
_t(
    F,
    "debian.cnf maintenance password",
    "[client]",
    "host     = localhost",
    "user     = debian-sys-maint",
    "password = ⟨S:alnum16⟩",
    "socket   = /var/run/mysqld/mysqld.sock",
)

# --- MongoDB ----------------------------------------------------------------
F = "mongodb"
_t(
    F,
    "mongodb+srv connection string",
    "MONGODB_URI=mongodb+srv://⟨N:user⟩:⟨S:pwu⟩@⟨N:cluster⟩.a1b2c.mongodb.net/⟨N:db⟩?retryWrites=true&w=majority",
)
_t(
    F,
    "mongosh replica set URI",
    'mongosh "mongodb://⟨N:user⟩:⟨S:pwu⟩@⟨N:host⟩:27017,⟨N:host#2⟩:27017/?replicaSet=rs0&authSource=admin"',
)
_t(
    F,
    "db.createUser pwd",
    'db.createUser({ user: "⟨N:user⟩", pwd: "⟨S:pw⟩", roles: [ { role: "readWrite", db: "⟨N:db⟩" } ] })',
)
_t(
    F,
    "db.changeUserPassword",
    'rs0 [primary] admin> db.changeUserPassword("⟨N:user⟩", "⟨S:pw⟩")',
    "{ ok: 1 }",
)
_t(F, "cat keyfile", "$ sudo cat /etc/mongod/keyfile", "⟨S:pemline⟩", "⟨S:pemline#2⟩")
_t(
    F,
    "mongodump --password",
    "mongodump --host ⟨N:host⟩ --port 27017 --username ⟨N:user⟩ --password ⟨S:pw⟩ --authenticationDatabase admin --out /backup",
)
_t(
    F,
    "MONGO_INITDB_ROOT_PASSWORD env",
    "MONGO_INITDB_ROOT_USERNAME=root",
    "MONGO_INITDB_ROOT_PASSWORD=⟨S:pw⟩",
)
_t(
    F,
    "Atlas CLI config private_api_key",
    "[default]",
    "  org_id = '⟨N:hexn16⟩⟨N:hexn16#2⟩'",
    "  private_api_key = '⟨S:uuid⟩'",
    "  public_api_key = '⟨N:tsid⟩'",
)
_t(
    F,
    "mongo Kubernetes operator secret stringData",
    "stringData:",
    '  password: "⟨S:pw⟩"',
    '  username: "⟨N:user⟩"',
)

# --- Redis ------------------------------------------------------------------
F = "redis"
_t(
    F,
    "ACL SETUSER with >password",
    "⟨N:host⟩:6379> ACL SETUSER ⟨N:user⟩ on >⟨S:pw⟩ ~cache:* +@read +@write",
    "OK",
)
_t(
    F,
    "redis.conf requirepass/masterauth",
    "requirepass ⟨S:pw⟩",
    "masterauth ⟨S:pw#2⟩",
    "maxmemory 4gb",
)
_t(
    F,
    "redis-cli -a",
    "$ redis-cli -h ⟨N:host⟩ -p 6379 -a ⟨S:pw⟩ --no-auth-warning INFO replication",
)
_t(F, "AUTH command in session", "⟨N:host⟩:6379> AUTH default ⟨S:pw⟩", "OK")
_t(
    F,
    "users.acl hashed password",
    "user ⟨N:user⟩ on #⟨S:hex64⟩ ~* &* +@all",
    "user default off nopass ~* &* +@all",
)
_t(F, "rediss URL", "REDIS_URL=rediss://default:⟨S:pwu⟩@⟨N:host⟩.⟨N:domain⟩:6380/0")
_t(
    F,
    "sentinel auth-pass",
    "sentinel monitor mymaster ⟨N:host⟩ 6379 2",
    "sentinel auth-pass mymaster ⟨S:pw⟩",
    'requirepass "⟨S:pw#2⟩"',
)
_t(F, "ACL LIST output", '1) "user default on sanitize-payload #⟨S:hex64⟩ ~* &* +@all"')

# --- Elasticsearch / OpenSearch --------------------------------------------
F = "elasticsearch"
_t(
    F,
    "elasticsearch-reset-password output",
    "$ bin/elasticsearch-reset-password -u elastic -b",
    "Password for the [elastic] user successfully reset.",
    "New value: ⟨S:espw⟩",
)
_t(
    F,
    "first start security banner",
    "✅ Elasticsearch security features have been automatically configured!",
    "ℹ️  Password for the elastic user (reset with `bin/elasticsearch-reset-password -u elastic`):",
    "  ⟨S:espw⟩",
    "ℹ️  Configure Kibana to use this cluster:",
    "• Copy the following enrollment token and paste it into Kibana in your browser (valid for the next 30 minutes):",
    "  ⟨S:esenroll⟩",
)
_t(
    F,
    "create API key response",
    "{",
    '  "id" : "⟨N:esid⟩",',
    '  "name" : "⟨N:app⟩-ingest",',
    '  "api_key" : "⟨S:esraw⟩",',
    '  "encoded" : "⟨X:b64:N:esid|S:esraw⟩"',
    "}",
)
_t(
    F,
    "ApiKey authorization header",
    'curl -s -H "Authorization: ApiKey ⟨X:b64:N:esid|S:esraw⟩" https://es.⟨N:domain⟩:9200/_cluster/health',
)
_t(
    F,
    "kibana.yml password",
    'elasticsearch.hosts: ["https://es.⟨N:domain⟩:9200"]',
    'elasticsearch.username: "kibana_system"',
    'elasticsearch.password: "⟨S:pw⟩"',
    'xpack.encryptedSavedObjects.encryptionKey: "⟨S:hex32⟩"',
)
_t(
    F,
    "filebeat api_key id:key",
    "output.elasticsearch:",
    '  hosts: ["https://es.⟨N:domain⟩:9200"]',
    '  api_key: "⟨N:esid⟩:⟨S:esraw⟩"',
)
_t(F, "OpenSearch initial admin password env", "OPENSEARCH_INITIAL_ADMIN_PASSWORD=⟨S:pw⟩")
_t(
    F,
    "OpenSearch internal_users.yml bcrypt hash",
    "admin:",
    '  hash: "$2y$12$⟨S:bcrypt⟩"',
    "  reserved: true",
    "  backend_roles:",
    '  - "admin"',
)
_t(
    F,
    "elasticsearch-keystore add via stdin",
    'echo "⟨S:alnum32⟩" | bin/elasticsearch-keystore add --stdin xpack.security.authc.realms.oidc.oidc1.rp.client_secret',
)

# --- Cassandra / CockroachDB ------------------------------------------------
F = "cassandra_cockroach"
_t(F, "cqlshrc authentication", "[authentication]", "username = ⟨N:user⟩", "password = ⟨S:pw⟩")
_t(F, "cqlsh -p", "$ cqlsh -u cassandra -p ⟨S:pw⟩ ⟨N:host⟩ 9042 --ssl")
_t(
    F,
    "CREATE ROLE WITH PASSWORD",
    "cassandra@cqlsh> CREATE ROLE ⟨N:user⟩ WITH PASSWORD = '⟨S:pw⟩' AND LOGIN = true;",
)
_t(F, "ALTER ROLE cassandra", "ALTER ROLE cassandra WITH PASSWORD = '⟨S:pw⟩';")
_t(
    F,
    "cassandra.yaml keystore passwords",
    "server_encryption_options:",
    "  internode_encryption: all",
    "  keystore: /etc/cassandra/conf/.keystore",
    "  keystore_password: ⟨S:pw⟩",
    "  truststore: /etc/cassandra/conf/.truststore",
    "  truststore_password: ⟨S:pw#2⟩",
)
_t(
    F,
    "CockroachDB CREATE USER",
    "root@⟨N:host⟩:26257/defaultdb> CREATE USER ⟨N:user⟩ WITH PASSWORD '⟨S:pw⟩';",
    "CREATE ROLE",
)
_t(
    F,
    "cockroach sql --url",
    'cockroach sql --url "postgresql://⟨N:user⟩:⟨S:pwu⟩@⟨N:host⟩:26257/⟨N:db⟩?sslmode=verify-full&sslrootcert=certs/ca.crt"',
)
_t(F, "CockroachDB Cloud API key env", "COCKROACH_API_KEY=CCDB1_⟨S:alnum24⟩_⟨S:alnum40⟩")
_t(
    F,
    "Reaper env",
    "REAPER_CASS_AUTH_ENABLED=true",
    "REAPER_CASS_AUTH_USERNAME=reaper",
    "REAPER_CASS_AUTH_PASSWORD=⟨S:pw⟩",
)

# --- InfluxDB / Neo4j -------------------------------------------------------
F = "influx_neo4j"
_t(
    F,
    "influx setup flags",
    "influx setup --username admin --password ⟨S:pw⟩ --org ⟨N:org⟩ --bucket ⟨N:bucket⟩ --token ⟨S:influx⟩ --force",
)
_t(
    F,
    "influx auth create table",
    "ID\t\t\tDescription\tToken\t\t\t\t\t\t\t\t\t\t\t\tUser Name\tUser ID\t\t\tPermissions",
    "⟨N:hexn16⟩\ttelegraf\t⟨S:influx⟩\tadmin\t\t⟨N:hexn16#2⟩\t[write:orgs/⟨N:hexn16#3⟩/buckets]",
)
_t(
    F,
    "Authorization Token header write",
    'curl -XPOST "https://influx.⟨N:domain⟩:8086/api/v2/write?org=⟨N:org⟩&bucket=⟨N:bucket⟩&precision=s" --header "Authorization: Token ⟨S:influx⟩" --data-binary @metrics.lp',
)
_t(
    F,
    "telegraf.conf influxdb_v2 token",
    "[[outputs.influxdb_v2]]",
    '  urls = ["https://influx.⟨N:domain⟩:8086"]',
    '  token = "⟨S:influx⟩"',
    '  organization = "⟨N:org⟩"',
    '  bucket = "⟨N:bucket⟩"',
)
_t(
    F,
    "InfluxDB 1.x query URL u/p",
    "curl -G 'https://influx.⟨N:domain⟩:8086/query?u=⟨N:user⟩&p=⟨S:pwu⟩' --data-urlencode \"q=SHOW DATABASES\"",
)
_t(F, "NEO4J_AUTH env", "NEO4J_AUTH=neo4j/⟨S:pw⟩", 'NEO4J_PLUGINS=["apoc"]')
_t(
    F,
    "Aura credentials file",
    "# Wait 60 seconds before connecting using these details, or login to https://console.neo4j.io to validate the Aura Instance is available",
    "NEO4J_URI=neo4j+s://⟨N:hexn16⟩.databases.neo4j.io",
    "NEO4J_USERNAME=neo4j",
    "NEO4J_PASSWORD=⟨S:alnum43⟩",
)
_t(F, "InfluxDB 3 token env", "INFLUXDB3_AUTH_TOKEN=⟨S:influx3⟩")

# --- RabbitMQ ---------------------------------------------------------------
F = "rabbitmq_nats_etcd"
_t(
    F,
    "rabbitmqctl add_user",
    "$ rabbitmqctl add_user ⟨N:user⟩ '⟨S:pw⟩'",
    'Adding user "⟨N:user⟩" ...',
    "Done. Don't forget to grant the user permissions to some virtual hosts! See 'rabbitmqctl help set_permissions' to learn more.",
)
_t(F, "rabbitmqctl change_password", "rabbitmqctl change_password ⟨N:user⟩ ⟨S:pw⟩")
_t(
    F,
    "definitions.json password_hash",
    '"users": [',
    '  {"name": "⟨N:user⟩", "password_hash": "⟨S:rabbithash⟩", "hashing_algorithm": "rabbit_password_hashing_sha256", "tags": ["administrator"], "limits": {}}',
    "],",
)
_t(F, "amqps URL", "CELERY_BROKER_URL=amqps://⟨N:user⟩:⟨S:pwu⟩@⟨N:host⟩.⟨N:domain⟩:5671/⟨N:vhost⟩")
_t(
    F,
    "rabbitmq.conf default_pass",
    "default_user = ⟨N:user⟩",
    "default_pass = ⟨S:pw⟩",
    "loopback_users.guest = true",
)
_t(F, "cat .erlang.cookie", "$ sudo cat /var/lib/rabbitmq/.erlang.cookie", "⟨S:UPPER20⟩")
_t(F, "RABBITMQ_ERLANG_COOKIE env", "RABBITMQ_ERLANG_COOKIE=⟨S:UPPER20⟩")
_t(F, "management API curl -u", "curl -s -u ⟨N:user⟩:⟨S:pw⟩ https://⟨N:host⟩:15672/api/overview")
_t(
    F,
    "shovel src-uri in definitions",
    '"value": {"src-uri": "amqp://⟨N:user⟩:⟨S:pwu⟩@⟨N:host⟩/%2f", "src-queue": "orders", "dest-uri": "amqp://", "dest-queue": "orders-dr"}',
)

# --- NATS / etcd ------------------------------------------------------------
F = "rabbitmq_nats_etcd"
_t(
    F,
    "NATS .creds file",
    "-----BEGIN NATS USER JWT-----",
    "⟨S:natsjwt⟩",
    "------END NATS USER JWT------",
    "",
    "************************* IMPORTANT *************************",
    "NKEY Seed printed below can be used to sign and prove identity.",
    "NKEYs are sensitive and should be treated as secrets.",
    "",
    "-----BEGIN USER NKEY SEED-----",
    "⟨S:natsseed⟩",
    "------END USER NKEY SEED------",
)
_t(F, "nk -gen account output", "$ nk -gen account -pubout", "⟨S:natsaseed⟩", "⟨N:natsapub⟩")
_t(
    F,
    "nats-server.conf user/password",
    "authorization {",
    "  users = [",
    '    { user: ⟨N:user⟩, password: "⟨S:pw⟩" }',
    '    { user: ⟨N:user#2⟩, password: "⟨S:pw#2⟩" }',
    "  ]",
    "}",
)
_t(F, "nats CLI URL credentials", "nats -s nats://⟨N:user⟩:⟨S:pwu⟩@⟨N:host⟩:4222 sub 'orders.>'")
_t(F, "nats token auth", "authorization {", '  token: "⟨S:alnum32⟩"', "}")
_t(
    F,
    "etcdctl --user root:pw",
    "ETCDCTL_API=3 etcdctl --user root:⟨S:pw⟩ --endpoints=https://⟨N:host⟩:2379 get /registry --prefix --keys-only",
)
_t(
    F,
    "etcdctl user add --new-user-password",
    'etcdctl user add ⟨N:user⟩ --new-user-password="⟨S:pw⟩"',
)
_t(F, "ETCDCTL_USER env", "ETCDCTL_ENDPOINTS=https://⟨N:host⟩:2379", "ETCDCTL_USER=root:⟨S:pw⟩")
_t(
    F,
    "k8s EncryptionConfiguration aescbc secret",
    "resources:",
    '  - resources: ["secrets"]',
    "    providers:",
    "      - aescbc:",
    "          keys:",
    "            - name: key1",
    "              secret: ⟨S:b64_32⟩",
    "      - identity: {}",
)

# --- RADIUS / TACACS+ / PPP -------------------------------------------------
F = "radius_tacacs_ppp"
_t(
    F,
    "FreeRADIUS clients.conf",
    "client ⟨N:short⟩ {",
    "    ipaddr    = ⟨N:host⟩.⟨N:domain⟩",
    "    secret    = ⟨S:radsec⟩",
    "    shortname = ⟨N:short⟩",
    "    nas_type  = cisco",
    "}",
    "client ⟨N:short#2⟩-backup {",
    "    ipaddr    = ⟨N:host#2⟩.⟨N:domain⟩",
    "    secret    = ⟨S:radsec#2⟩",
    "}",
)
_t(
    F,
    "radtest with user password and shared secret",
    "$ radtest ⟨N:user⟩ ⟨S:pw⟩ localhost 0 ⟨S:radsec⟩",
    "Sent Access-Request Id 142 to localhost:1812 length 77",
)
_t(
    F,
    "tac_plus.conf key and cleartext login",
    'key = "⟨S:radsec⟩"',
    "user = ⟨N:user⟩ {",
    '    login = cleartext "⟨S:pw⟩"',
    "    member = netadmins",
    "}",
)
_t(
    F,
    "Cisco tacacs server key 7",
    "tacacs server TAC-⟨N:num⟩",
    " address ipv4 tac⟨N:num⟩.⟨N:domain⟩",
    " key 7 ⟨S:cisco7⟩",
)
_t(
    F,
    "chap-secrets",
    "# Secrets for authentication using CHAP",
    "# client\tserver\tsecret\t\t\tIP addresses",
    '"⟨N:user⟩@⟨N:isp⟩"\t*\t"⟨S:pw⟩"\t*',
)
_t(F, "pap-secrets unquoted", "⟨N:user⟩@⟨N:isp⟩ * ⟨S:pw⟩")
_t(
    F,
    "Cisco dialer ppp chap password",
    "interface Dialer1",
    " encapsulation ppp",
    " ppp chap hostname ⟨N:user⟩@⟨N:isp⟩",
    " ppp chap password 0 ⟨S:pw⟩",
)
_t(
    F,
    "FreeRADIUS users file Cleartext-Password",
    '⟨N:user⟩  Cleartext-Password := "⟨S:pw⟩"',
    "        Framed-Protocol = PPP,",
    '        Reply-Message := "Hello, %{User-Name}"',
)
_t(
    F,
    "radiusd -X debug User-Password",
    "(0) Received Access-Request Id 57 from ⟨N:short⟩:41522 to ⟨N:host⟩:1812 length 73",
    '(0)   User-Name = "⟨N:user⟩@⟨N:isp⟩"',
    '(0)   User-Password = "⟨S:pw⟩"',
    "(0)   NAS-Port = 0",
)

# --- Router / switch configs ------------------------------------------------
F = "router_configs"
_t(
    F,
    "Cisco enable secret 9",
    "hostname ⟨N:host⟩",
    "enable secret 9 $9$⟨S:type9⟩",
    "username admin privilege 15 secret 9 $9$⟨S:type9#2⟩",
)
_t(F, "Cisco username secret 0 plaintext", "username ⟨N:user⟩ privilege 15 secret 0 ⟨S:pw⟩")
_t(F, "Cisco username password 7", "username ⟨N:user⟩ password 7 ⟨S:cisco7⟩")
_t(
    F,
    "Cisco snmp community",
    "snmp-server community ⟨S:community⟩ RO SNMP-ACL",
    "snmp-server community ⟨S:community#2⟩ RW SNMP-ACL",
    "snmp-server location ⟨N:city⟩ POP",
)
_t(
    F,
    "Arista username sha512",
    "username admin privilege 15 role network-admin secret sha512 $6$⟨S:sha512crypt⟩",
)
_t(
    F,
    "Cisco IKEv2 keyring PSKs",
    "crypto ikev2 keyring KR-⟨N:site⟩",
    " peer ⟨N:site⟩",
    "  pre-shared-key local ⟨S:pw⟩",
    "  pre-shared-key remote ⟨S:pw#2⟩",
)
_t(F, "Cisco username secret 5", "username ⟨N:user⟩ secret 5 $1$⟨S:md5crypt⟩")
_t(
    F,
    "Juniper root encrypted-password",
    'set system root-authentication encrypted-password "$6$⟨S:sha512crypt⟩"',
)
_t(
    F,
    "Juniper IKE pre-shared-key $9$",
    'set security ike policy IKE-⟨N:site⟩ pre-shared-key ascii-text "$9$⟨S:junos9⟩"',
)
_t(
    F,
    "Huawei local-user irreversible-cipher",
    "aaa",
    " local-user ⟨N:user⟩ password irreversible-cipher $1c$⟨S:huaweiirr⟩$",
    " local-user ⟨N:user⟩ privilege level 15",
)
_t(F, "Huawei snmp community cipher", "snmp-agent community read cipher %^%#⟨S:huawei⟩%^%#")
_t(F, "MikroTik /user add", "/user add name=⟨N:user⟩ group=full password=⟨S:pw⟩")
_t(
    F,
    "MikroTik ipsec identity secret",
    '/ip ipsec identity add peer=⟨N:site⟩ auth-method=pre-shared-key secret="⟨S:pw⟩"',
)

# --- routing / management protocol keys ------------------------------------
F = "routing_protocol_keys"
_t(
    F,
    "Cisco BGP peer-group password 0",
    "router bgp 64512",
    " neighbor ⟨N:peer⟩ peer-group",
    " neighbor ⟨N:peer⟩ remote-as 65010",
    " neighbor ⟨N:peer⟩ password 0 ⟨S:pw⟩",
)
_t(
    F,
    "Juniper BGP group authentication-key",
    'set protocols bgp group ⟨N:peer⟩ authentication-key "$9$⟨S:junos9⟩"',
)
_t(
    F,
    "BIRD bgp password",
    "protocol bgp ⟨N:word⟩_v4 {",
    "  local as 64512;",
    '  password "⟨S:pw⟩";',
    "  ipv4 { import all; export none; };",
    "}",
)
_t(
    F,
    "Cisco OSPF message-digest-key",
    "interface ⟨N:iface⟩",
    " ip ospf authentication message-digest",
    " ip ospf message-digest-key 1 md5 ⟨S:ospf16⟩",
)
_t(F, "Cisco OSPF authentication-key", " ip ospf authentication-key ⟨S:ospf8⟩")
_t(
    F,
    "Juniper OSPF md5 key",
    'set protocols ospf area 0 interface ⟨N:iface⟩.0 authentication md5 1 key "$9$⟨S:junos9⟩"',
)
_t(
    F,
    "Cisco SNMPv3 user auth/priv",
    "snmp-server user ⟨N:user⟩ ⟨N:grp⟩ v3 auth sha ⟨S:pw⟩ priv aes 128 ⟨S:pw#2⟩",
)
_t(
    F,
    "net-snmp createUser",
    'createUser ⟨N:user⟩ SHA "⟨S:pw⟩" AES "⟨S:pw#2⟩"',
    "rouser ⟨N:user⟩ priv",
)
_t(
    F,
    "snmpwalk -A -X",
    "snmpwalk -v3 -l authPriv -u ⟨N:user⟩ -a SHA -A '⟨S:pw⟩' -x AES -X '⟨S:pw#2⟩' ⟨N:host⟩ sysDescr",
)
_t(
    F,
    "keepalived auth_pass",
    "vrrp_instance VI_1 {",
    "    authentication {",
    "        auth_type PASS",
    "        auth_pass ⟨S:pass8⟩",
    "    }",
    "}",
)

# --- Wi-Fi ------------------------------------------------------------------
F = "wifi_psk"
_t(
    F,
    "wpa_supplicant psk quoted",
    "network={",
    '\tssid="⟨N:ssid⟩"',
    '\tpsk="⟨S:psk⟩"',
    "\tkey_mgmt=WPA-PSK",
    "}",
)
_t(
    F,
    "wpa_passphrase output with hashed psk",
    "network={",
    '\tssid="⟨N:ssid⟩"',
    '\t#psk="⟨S:psk⟩"',
    "\tpsk=⟨S:hex64⟩",
    "}",
)
_t(
    F,
    "hostapd wpa_passphrase",
    "ssid=⟨N:ssid⟩",
    "wpa=2",
    "wpa_key_mgmt=WPA-PSK",
    "wpa_passphrase=⟨S:psk⟩",
)
_t(F, "nmcli connect with password", '$ nmcli dev wifi connect "⟨N:ssid⟩" password "⟨S:pwsp⟩"')
_t(
    F,
    "Cisco WLC set-key ascii",
    "(Cisco Controller) >config wlan security wpa akm psk set-key ascii ⟨S:psk⟩ ⟨N:num⟩",
)
_t(
    F,
    "UniFi wlanconf x_passphrase",
    '{"name": "⟨N:ssid⟩", "security": "wpapsk", "wpa_mode": "wpa2", "x_passphrase": "⟨S:psk⟩", "enabled": true}',
)
_t(F, "Wi-Fi QR payload", "WIFI:T:WPA;S:⟨N:ssid⟩;P:⟨S:psk⟩;;")
_t(
    F,
    "netsh wlan show profile key=clear",
    "Security settings",
    "-----------------",
    "    Authentication         : WPA2-Personal",
    "    Key Content            : ⟨S:psk⟩",
)
_t(
    F,
    "MikroTik wireless security-profile",
    "/interface wireless security-profiles add name=⟨N:word⟩ mode=dynamic-keys authentication-types=wpa2-psk wpa2-pre-shared-key=⟨S:psk⟩",
)
_t(
    F,
    "wpa_supplicant EAP identity/password",
    "network={",
    '\tssid="⟨N:ssid⟩"',
    "\tkey_mgmt=WPA-EAP",
    "\teap=PEAP",
    '\tidentity="⟨N:user⟩"',
    '\tpassword="⟨S:pw⟩"',
    "}",
)

# --- SIM / eSIM -------------------------------------------------------------
F = "sim_esim"
_t(
    F,
    "pySim-prog generated parameters",
    "Generated card parameters :",
    " > Name     : ⟨N:org⟩",
    " > ICCID    : ⟨N:iccid⟩",
    " > MCC/MNC  : 001/01",
    " > IMSI     : ⟨N:imsi⟩",
    " > Ki       : ⟨S:HEX32⟩",
    " > OPC      : ⟨S:HEX32#2⟩",
    " > ACC      : 0008",
    " > ADM1(hex): ⟨S:HEX16⟩",
)
_t(F, "pySim-shell verify_adm", "pySIM-shell (MF)> verify_adm ⟨S:pin8⟩")
_t(F, "open5gs-dbctl add subscriber", "$ ./open5gs-dbctl add ⟨N:imsi⟩ ⟨S:HEX32⟩ ⟨S:HEX32#2⟩")
_t(
    F,
    "OsmoHLR aud3g milenage",
    "OsmoHLR# subscriber imsi ⟨N:imsi⟩ update aud3g milenage k ⟨S:hex32⟩ opc ⟨S:hex32#2⟩",
)
_t(
    F,
    "SIM batch CSV row",
    "ICCID,IMSI,PIN1,PUK1,KI,OPC",
    "⟨N:iccid⟩,⟨N:imsi⟩,⟨S:pin4⟩,⟨S:puk⟩,⟨S:HEX32⟩,⟨S:HEX32#2⟩",
)
_t(F, "eSIM LPA activation code", "Activation code: LPA:1$smdp.⟨N:domain⟩$⟨S:matchid⟩")
_t(
    F,
    "eSIM confirmation code",
    "Scan the QR code, then enter confirmation code ⟨S:pin8⟩ when prompted.",
)
_t(F, "OTA keys KIc/KID", "KIC1=⟨S:HEX32⟩", "KID1=⟨S:HEX32#2⟩", "TAR=B00010")
_t(
    F,
    "ES2+ downloadOrder basic auth",
    'curl -u ⟨N:user⟩:⟨S:pw⟩ -X POST https://es2plus.⟨N:domain⟩/gsma/rsp2/es2plus/downloadOrder -d \'{"iccid":"⟨N:iccid⟩"}\'',
)

# --- games / community bots -------------------------------------------------
F = "game_servers"
_t(
    F,
    "Steam Web API key in URL",
    "GET https://api.steampowered.com/ISteamUser/GetPlayerSummaries/v2/?key=⟨S:HEX32⟩&steamids=⟨N:steamid⟩",
)
_t(F, "Discord bot token env", "DISCORD_TOKEN=⟨S:discord⟩", "DISCORD_GUILD_ID=⟨N:snowflake⟩")
_t(
    F,
    "Discord Authorization Bot header in debug log",
    "DEBUG:discord.http:GET https://discord.com/api/v10/users/@me with {'headers': {'Authorization': 'Bot ⟨S:discord⟩'}}",
)
_t(
    F,
    "Discord webhook URL",
    "WEBHOOK_URL=https://discord.com/api/webhooks/⟨N:snowflake⟩/⟨S:discordwh⟩",
)
_t(
    F,
    "Twitch IRC PASS oauth",
    "< PASS oauth:⟨S:twitch30⟩",
    "< NICK ⟨N:player⟩",
    "> :tmi.twitch.tv 001 ⟨N:player⟩ :Welcome, GLHF!",
)
_t(
    F,
    "Twitch client credentials request",
    "curl -X POST 'https://id.twitch.tv/oauth2/token' -d 'client_id=⟨N:twitchid⟩&client_secret=⟨S:twitch30⟩&grant_type=client_credentials'",
)
_t(
    F,
    "Minecraft server.properties rcon",
    "enable-rcon=true",
    "rcon.port=25575",
    "rcon.password=⟨S:pw⟩",
    "white-list=true",
)
_t(
    F,
    "Source server.cfg rcon and sv_password",
    'hostname "⟨N:org⟩ | 24/7 Dust2"',
    'rcon_password "⟨S:pw⟩"',
    'sv_password "⟨S:pw#2⟩"',
)
_t(
    F,
    "ARK GameUserSettings.ini",
    "[ServerSettings]",
    "ServerPassword=⟨S:pw⟩",
    "ServerAdminPassword=⟨S:pw#2⟩",
    "RCONEnabled=True",
)
_t(
    F,
    "Factorio server-settings.json",
    '  "username": "⟨N:player⟩",',
    '  "token": "⟨S:hex30⟩",',
    '  "game_password": "⟨S:pw⟩",',
)
_t(
    F,
    "TeamSpeak first start banner",
    "------------------------------------------------------------------",
    "                      I M P O R T A N T",
    "------------------------------------------------------------------",
    "               Server Query Admin Account created",
    '         loginname= "serveradmin", password= "⟨S:alnum8⟩"',
    "------------------------------------------------------------------",
    "      ServerAdmin privilege key created, please use it to gain",
    "      serveradmin rights for your virtualserver. please",
    "      also check the doc/privilegekey_guide.txt for details.",
    "       token=⟨S:tspriv⟩",
)

# --- streaming / media ------------------------------------------------------
F = "streaming_media"
_t(
    F,
    "OBS service.json stream key",
    '{"settings": {"bwtest": false, "key": "⟨S:twitchkey⟩", "server": "auto", "service": "Twitch"}, "type": "rtmp_common"}',
)
_t(F, "YouTube RTMP URL with key", "rtmp://a.rtmp.youtube.com/live2/⟨S:ytkey⟩")
_t(
    F,
    "ffmpeg push to Facebook RTMPS",
    'ffmpeg -re -i input.mp4 -c:v libx264 -b:v 4500k -c:a aac -f flv "rtmps://live-api-s.facebook.com:443/rtmp/⟨S:fbkey⟩"',
)
_t(
    F,
    "Plex token query param",
    "GET https://⟨N:host⟩.⟨N:domain⟩:32400/library/sections?X-Plex-Token=⟨S:plex⟩",
)
_t(
    F,
    "Plex Preferences.xml online token",
    '<Preferences MachineIdentifier="⟨N:hexn40⟩" PlexOnlineUsername="⟨N:user⟩" PlexOnlineToken="⟨S:plex⟩" AcceptedEULA="1"/>',
)
_t(
    F,
    "Sonarr config.xml ApiKey",
    "<Config>",
    "  <Port>8989</Port>",
    "  <ApiKey>⟨S:hex32⟩</ApiKey>",
    "  <AuthenticationMethod>Forms</AuthenticationMethod>",
    "</Config>",
)
_t(
    F,
    "icecast.xml passwords",
    "<authentication>",
    "    <source-password>⟨S:pw⟩</source-password>",
    "    <admin-user>admin</admin-user>",
    "    <admin-password>⟨S:pw#2⟩</admin-password>",
    "    <relay-password>⟨S:pw#3⟩</relay-password>",
    "</authentication>",
)
_t(
    F,
    "SRT URL passphrase",
    "srt://⟨N:host⟩.⟨N:domain⟩:9000?streamid=publish:⟨N:app⟩&passphrase=⟨S:pwu⟩&pbkeylen=16",
)
_t(
    F,
    "Jellyfin X-Emby-Token header",
    'curl -H "X-Emby-Token: ⟨S:hex32⟩" https://media.⟨N:domain⟩/Items?Recursive=true',
)

# --- e-learning / LMS -------------------------------------------------------
F = "lms_elearning"
_t(
    F,
    "Moodle config.php dbpass",
    "$CFG->dbtype    = 'pgsql';",
    "$CFG->dbhost    = '⟨N:host⟩';",
    "$CFG->dbuser    = 'moodle';",
    "$CFG->dbpass    = '⟨S:pw⟩';",
)
_t(
    F,
    "Moodle web service wstoken URL",
    'curl "https://moodle.⟨N:domain⟩/webservice/rest/server.php?wstoken=⟨S:hex32⟩&wsfunction=core_user_get_users&moodlewsrestformat=json"',
)
_t(
    F,
    "Moodle CLI install passwords",
    "sudo -u www-data php admin/cli/install.php --non-interactive --agree-license --adminuser=admin --adminpass=⟨S:pw⟩ --dbpass=⟨S:pw#2⟩ --wwwroot=https://moodle.⟨N:domain⟩",
)
_t(
    F,
    "Moodle reset_password CLI",
    "php admin/cli/reset_password.php --username=⟨N:user⟩ --password=⟨S:pw⟩ --ignore-password-policy",
)
_t(
    F,
    "Canvas LTI 1.1 tool shared secret",
    '"consumer_key": "⟨N:app⟩-lti",',
    '"shared_secret": "⟨S:hex32⟩",',
    '"privacy_level": "public"',
)
_t(
    F,
    "Canvas API bearer token",
    'curl -H "Authorization: Bearer ⟨S:canvas⟩" "https://⟨N:school⟩.instructure.com/api/v1/courses?per_page=100"',
)
_t(
    F,
    "Canvas developer key api_key",
    '{"id": ⟨N:num14⟩, "name": "⟨N:app⟩ LTI 1.3", "api_key": "⟨S:alnum64⟩", "redirect_uris": "https://lti.⟨N:domain⟩/launch"}',
)
_t(F, "Canvas security.yml encryption_key", "production:", "  encryption_key: ⟨S:hex64⟩")
_t(F, "Moodle passwordsaltmain", "$CFG->passwordsaltmain = '⟨S:alnum40⟩';")

# --- human text: English ----------------------------------------------------
F = "prose_en"
_t(
    F,
    "Slack message suggesting a password",
    "[10:42] ⟨N:person⟩: @⟨N:user⟩ can you try ⟨S:pw⟩ for the ⟨N:db⟩ replica? that's what the old runbook says",
)
_t(
    F,
    "runbook markdown step with inline credentials",
    "3. Log in to the Keycloak admin console as `admin` / `⟨S:pw⟩` and rotate the `⟨N:client⟩` client secret.",
    "4. Update the secret in Vault at `secret/⟨N:app⟩/oidc`.",
)
_t(
    F,
    "postmortem timeline with leaked root token",
    "14:02 UTC — an engineer pasted the Vault root token (⟨S:hvsroot⟩) into #ops while debugging the seal issue.",
    "14:09 UTC — token revoked; audit log exported.",
)
_t(
    F,
    "ticket comment with temp password",
    "Reset done. New temporary password for ⟨N:user⟩ is: ⟨S:pw⟩ — user must change it at first login. Closing ⟨N:ticket⟩.",
)
_t(
    F,
    "e-mail with two IPsec PSKs",
    "Subject: Re: site-to-site VPN to ⟨N:city⟩",
    "",
    "Hi ⟨N:person⟩,",
    "",
    "The pre-shared key for tunnel 1 is ⟨S:pw⟩ and for the backup tunnel it's ⟨S:pw#2⟩.",
    "",
    "Thanks,",
    "⟨N:person#2⟩",
)
_t(
    F,
    "handover note bullet",
    "- RabbitMQ admin creds on ⟨N:host⟩: ⟨N:user⟩ / ⟨S:pw⟩ (also in 1Password, pasting here for tonight only)",
    "- Grafana on ⟨N:host#2⟩: admin / ⟨S:pw#2⟩",
)
_t(
    F,
    "voice call transcript with RCON password",
    "[00:03:17] Speaker 2: okay so the RCON password for the EU Minecraft box is ⟨S:pw⟩, did you get that?",
    "[00:03:21] Speaker 1: yep, got it.",
)
_t(
    F,
    "PagerDuty note with old secret",
    "Acknowledged by ⟨N:person⟩. Rotated Twitch client secret; the old one was ⟨S:twitch30⟩ in case we need to correlate logs.",
)
_t(
    F,
    "issue comment with token in env",
    "I'm getting a 401 from the registry with `NPM_TOKEN=⟨S:npm⟩` exported, any idea what scope is missing?",
)
_t(
    F,
    "voice transcript eSIM activation and confirmation code",
    "Agent: ...so your activation code is LPA:1$rsp.⟨N:domain⟩$⟨S:matchid⟩ and the confirmation code is ⟨S:pin6⟩.",
    "Customer: Sorry, can you repeat the confirmation code?",
)
_t(
    F,
    "commit message mentioning removed token",
    "commit message: Remove hardcoded Moodle token ⟨S:hex32⟩ from cron/sync_grades.sh (see ⟨N:ticket⟩)",
)
_t(
    F,
    "runbook BGP MD5 check",
    'If the BGP session to ⟨N:peer⟩ flaps after maintenance, verify the MD5 password is "⟨S:pw⟩" on both ends before escalating to the carrier.',
)

# --- human text: European languages ----------------------------------------
F = "prose_europe"
_t(
    F,
    "German chat: new DB password",
    "Hi ⟨N:person⟩, das neue Passwort für den Datenbank-Benutzer ⟨N:user⟩ auf ⟨N:host⟩ lautet ⟨S:pw⟩ – bitte nach dem ersten Login sofort ändern.",
)
_t(
    F,
    "German postmortem: npm token in build log",
    "Ursache: Das npm-Token ⟨S:npm⟩ wurde versehentlich im Build-Log von ⟨N:proj⟩ ausgegeben und war etwa 40 Minuten öffentlich sichtbar.",
)
_t(
    F,
    "French e-mail: temporary password",
    "Bonjour ⟨N:person⟩, voici le mot de passe temporaire du compte ⟨N:user⟩ : ⟨S:pw⟩ (à changer à la première connexion).",
)
_t(
    F,
    "French ticket: RADIUS shared secret",
    "Le secret RADIUS partagé avec ⟨N:short⟩ est « ⟨S:radsec⟩ », merci de ne pas le recopier dans le ticket.",
)
_t(
    F,
    "Spanish chat: Steam API key",
    "Hola equipo, la clave de la API de Steam para el servidor de ⟨N:proj⟩ es ⟨S:HEX32⟩, no la compartan fuera del canal.",
)
_t(
    F,
    "Spanish postmortem: Discord bot token",
    "Causa raíz: el token del bot de Discord (⟨S:discord⟩) quedó en un commit público del repositorio ⟨N:app⟩.",
)
_t(
    F,
    "Italian chat: Keycloak admin password",
    "Ciao ⟨N:person⟩, la password dell'utente admin di Keycloak è ⟨S:pw⟩, cambiala appena puoi.",
)
_t(
    F,
    "Italian handover: SNMP community",
    "Nota di consegna: la community SNMP dei router di ⟨N:city⟩ è ⟨S:community⟩ (sola lettura).",
)
_t(
    F,
    "Portuguese (BR) chat: guest Wi-Fi",
    "Oi ⟨N:person⟩, a senha do Wi-Fi dos visitantes é ⟨S:psk⟩ — vale até sexta.",
)
_t(
    F,
    "Portuguese (BR) postmortem: AWS secret in Jenkins log",
    "Post-mortem: a chave secreta da AWS (⟨S:awssecret⟩) foi exposta no log do Jenkins do projeto ⟨N:proj⟩.",
)
_t(
    F,
    "Lithuanian chat: DB password",
    "Labas, ⟨N:person⟩, naujas duomenų bazės slaptažodis yra ⟨S:pw⟩ – pakeisk jį po prisijungimo.",
)
_t(
    F,
    "Lithuanian incident: Vault root token",
    "Incidento ataskaita: Vault šakninis prieigos raktas ⟨S:hvsroot⟩ buvo paskelbtas bendrame pokalbyje.",
)
_t(
    F,
    "Latvian chat: DB password",
    "Sveiki, ⟨N:person⟩! Jaunā datubāzes parole ir ⟨S:pw⟩, lūdzu, nomaini to pēc pieslēgšanās.",
)
_t(
    F,
    "Latvian note: RADIUS secret",
    "RADIUS koplietotais noslēpums maršrutētājam ⟨N:short⟩ ir ⟨S:radsec⟩.",
)
_t(
    F,
    "Estonian chat: DB password",
    "Tere, ⟨N:person⟩! Andmebaasi uus parool on ⟨S:pw⟩, palun muuda see pärast sisselogimist.",
)
_t(
    F,
    "Estonian incident: Jenkins API token",
    "Intsidendi aruanne: Jenkinsi API-tõend ⟨S:jtoken⟩ lekkis ehituslogisse.",
)
_t(
    F,
    "Slovenian chat: DB password",
    "Živjo ⟨N:person⟩, novo geslo za bazo je ⟨S:pw⟩, prosim, zamenjaj ga po prijavi.",
)
_t(F, "Slovenian note: Wi-Fi password", "Geslo za brezžično omrežje ⟨N:ssid⟩ je ⟨S:psk⟩.")
_t(
    F,
    "Serbian (Cyrillic) chat: DB password",
    "Здраво ⟨N:person⟩, нова лозинка за базу података је ⟨S:pw⟩, молим те промени је после пријаве.",
)
_t(
    F,
    "Serbian (Cyrillic) incident: GitLab token",
    "Извештај о инциденту: GitLab токен ⟨S:glpat⟩ је процурео у логу пројекта ⟨N:proj⟩.",
)
_t(
    F,
    "Bulgarian chat: DB password",
    "Здравей, ⟨N:person⟩, новата парола за базата данни е ⟨S:pw⟩ – моля, смени я след влизане.",
)
_t(
    F,
    "Bulgarian incident: Discord token",
    "Доклад за инцидент: токенът на Discord бота ⟨S:discord⟩ беше публикуван в общия чат.",
)

# --- human text: Asian and African languages -------------------------------
F = "prose_asia_africa"
_t(
    F,
    "Japanese chat: staging DB password",
    "⟨N:person⟩さん、ステージングDBの新しいパスワードは ⟨S:pw⟩ です。ログイン後すぐに変更してください。",
)
_t(
    F,
    "Japanese incident report: Buildkite agent token",
    "【障害報告】原因：Buildkite のエージェントトークン ⟨S:bkagent⟩ がビルドログに出力されていました。",
)
_t(
    F,
    "Japanese call transcript: SIM PUK",
    "通話記録 [09:14] お客様「えーと、SIMのPUKコードは ⟨S:puk⟩ で合ってますか？」",
)
_t(
    F,
    "Chinese (Traditional) chat: Redis password",
    "⟨N:person⟩，正式環境 Redis 的密碼是 ⟨S:pw⟩，請勿轉貼。",
)
_t(
    F,
    "Chinese (Traditional) incident: GitLab PAT",
    "事故檢討：GitLab 個人存取權杖 ⟨S:glpat⟩ 被誤提交到公開儲存庫。",
)
_t(
    F,
    "Chinese (Traditional) handover: Okta token",
    "交接事項：請用這組 Okta API 權杖測試同步作業：⟨S:okta⟩",
)
_t(
    F,
    "Korean chat: prod DB password",
    "⟨N:person⟩님, 운영 DB 비밀번호는 ⟨S:pw⟩ 입니다. 확인 후 메시지 삭제 부탁드려요.",
)
_t(
    F,
    "Korean incident: Discord bot token",
    "장애 보고서: Discord 봇 토큰(⟨S:discord⟩)이 공개 저장소에 커밋되었습니다.",
)
_t(
    F,
    "Korean handover: Vault root token",
    "인수인계: Vault 루트 토큰은 ⟨S:hvsroot⟩ 이고 금고에 보관 중입니다.",
)
_t(
    F,
    "Hindi chat: staging password",
    "⟨N:person⟩ जी, स्टेजिंग सर्वर का नया पासवर्ड ⟨S:pw⟩ है, कृपया लॉगिन के बाद बदल दें।",
)
_t(F, "Hindi incident: npm token", "घटना रिपोर्ट: npm टोकन ⟨S:npm⟩ गलती से बिल्ड लॉग में छप गया था।")
_t(
    F,
    "Urdu chat: DB password",
    "⟨N:person⟩ صاحب، ڈیٹا بیس کا نیا پاس ورڈ ⟨S:pw⟩ ہے، براہ کرم لاگ ان کے بعد تبدیل کر دیں۔",
)
_t(
    F,
    "Urdu incident: Jenkins API token",
    "واقعے کی رپورٹ: Jenkins کا API ٹوکن ⟨S:jtoken⟩ بلڈ لاگ میں ظاہر ہو گیا تھا۔",
)
_t(
    F,
    "Amharic chat: server password",
    "⟨N:person⟩፣ የአዲሱ አገልጋይ የይለፍ ቃል ⟨S:pw⟩ ነው። እባክዎ ከገቡ በኋላ ይቀይሩት።",
)
_t(F, "Amharic note: Wi-Fi password", "የቢሮው Wi-Fi የይለፍ ቃል፦ ⟨S:psk⟩")
_t(
    F,
    "Yoruba chat: DB password",
    "⟨N:person⟩, ọ̀rọ̀ aṣínà tuntun fún database ni ⟨S:pw⟩. Jọ̀wọ́ yí i padà lẹ́yìn tí o bá wọlé.",
)
_t(
    F,
    "Yoruba incident: Discord token",
    "Ìròyìn ìṣẹ̀lẹ̀: token Discord ⟨S:discord⟩ farahàn nínú log ti ⟨N:proj⟩.",
)


# ---------------------------------------------------------------------------
# keep tokens (diagnostic identifiers that must survive sanitizing)
# ---------------------------------------------------------------------------


def _semver(g: _G) -> str:
    base = f"{g.num(1, 18)}.{g.num(0, 40)}.{g.num(0, 60)}"
    return base + g.ch(
        ["", "", f"-rc.{g.num(1, 5)}", f"+build.{g.num(100, 9999)}", f"-eks-{g.hx(7)}", "+k3s1"]
    )


def _ulid(g: _G) -> str:
    return "01J" + g.s(CROCK, 23)


def _objid(g: _G) -> str:
    return f"{g.num(0x67000000, 0x6A000000):08x}" + g.hx(16)


def _lsn(g: _G) -> str:
    return f"{g.num(0, 0x3F):X}/{g.num(0x100000, 0xFFFFFFFF):X}"


_KEEP = {
    "sri512": lambda g: "sha512-" + g.b64(64),
    "sri1": lambda g: "sha1-" + g.b64(20),
    "sha256": lambda g: g.hx(64),
    "sha1": lambda g: g.hx(40),
    "md5": lambda g: g.hx(32),
    "short7": lambda g: g.hx(7),
    "short8": lambda g: g.hx(8),
    "uuid": lambda g: g.uuid(),
    "UUID": lambda g: g.uuid().upper(),
    "digest": lambda g: "sha256:" + g.hx(64),
    "trace": lambda g: g.hx(32),
    "span": lambda g: g.hx(16),
    "pipe": lambda g: g.digits(g.num(9, 10)),
    "job": lambda g: g.digits(g.num(7, 8)),
    "ulid": _ulid,
    "objid": _objid,
    "lsn": _lsn,
    "wal": lambda g: f"{g.num(1, 9):08X}{g.num(0, 0x3F):08X}{g.num(0, 0xFF):08X}",
    "relpath": lambda g: f"base/{g.num(16384, 99999)}/{g.num(16384, 2999999)}",
    "slot": lambda g: f"pg_{g.num(16384, 99999)}_sync_{g.num(16384, 99999)}_{g.digits(19)}",
    "pgsysid": lambda g: "7" + g.s(DIG, 18),
    "esnode": lambda g: g.s(B64U, 22),
    "esid20": lambda g: g.s(B64U, 20),
    "redisid": lambda g: g.hx(40),
    "vacc": lambda g: g.s(A62, 24),
    "vlease": lambda g: (
        f"database/creds/{g.ch(['readonly', 'app-rw', 'reporting'])}/{g.s(A62, 24)}"
    ),
    "kid": lambda g: g.b64u(32),
    "kidhex": lambda g: g.hx(40),
    "certser": lambda g: ":".join(g.s(HEX, 2) for _ in range(16)),
    "certserhex": lambda g: g.s(HEXU, 32),
    "fpr": lambda g: ":".join(g.s(HEXU, 2) for _ in range(32)),
    "sshfp": lambda g: "SHA256:" + g.b64(32).rstrip("="),
    "h1": lambda g: "h1:" + g.b64(32),
    "semver": _semver,
    "asn": lambda g: "AS" + str(g.num(4200000000, 4294967294)),
    "asn10": lambda g: str(g.num(4200000000, 4294967294)),
    "hex16": lambda g: g.hx(16),
    "hex32": lambda g: g.hx(32),
    "HEX40": lambda g: g.s(HEXU, 40),
    "HEX64": lambda g: g.s(HEXU, 64),
    "natsN": lambda g: "N" + g.s(B32, 55),
    "natsA": lambda g: "A" + g.s(B32, 55),
    "natsO": lambda g: "O" + g.s(B32, 55),
    "natsU": lambda g: "U" + g.s(B32, 55),
    "snowflake": lambda g: str(g.num(10**17, 1_300_000_000_000_000_000)),
    "steamid": lambda g: "7656119" + g.s(DIG, 10),
    "oktauid": lambda g: "00u" + g.s(A62, 17),
    "oktaapp": lambda g: "0oa" + g.s(A62, 17),
    "oktareq": lambda g: g.s(B64U, 23) + "AAAB",
    "auth0uid": lambda g: "auth0|" + g.hx(24),
    "gtid": lambda g: g.uuid().upper() + f":1-{g.num(1000, 99999999)}",
    "job18": lambda g: "9" + g.s(DIG, 17),
    "dec19": lambda g: str(g.num(10**18, 18_000_000_000_000_000_000)),
    "pod": lambda g: f"{g.ch(PROJECTS)}-{g.hx(g.num(9, 10))}-{g.s(K8S, 5)}",
    "amzreq": lambda g: g.s(A36U, 16),
    "gcpop": lambda g: f"operation-{g.digits(13)}-{g.hx(13)}-{g.hx(8)}-{g.hx(8)}",
    "csn": lambda g: (
        f"2026{g.num(10, 12):02d}{g.num(10, 28):02d}{g.num(100000, 235959)}.{g.s(DIG, 6)}Z#000000#000#000000"
    ),
    "samlid": lambda g: "_" + g.hx(40),
    "op26": lambda g: g.s(A36L, 26),
    "hwserial": lambda g: g.ch(["FOC", "FDO", "JAE", "JPE", "SSI"]) + g.s(DIG, 4) + g.s(A36U, 4),
    "nexusid": lambda g: (
        base64.b64encode(f"maven-releases:{g.hx(32)}".encode()).decode().rstrip("=")
    ),
    "sha512b64": lambda g: g.b64(64),
    "engineid": lambda g: "800000090300" + g.s(HEXU, 12),
    "ltidep": lambda g: f"{g.num(1, 99)}:{g.hx(40)}",
    "canvasclient": lambda g: "1000000000" + g.s(DIG, 4),
    "buildtag": lambda g: f"jenkins-{g.ch(PROJECTS)}-deploy-{g.num(100, 9999)}",
    "tekrun": lambda g: f"{g.ch(PROJECTS)}-ci-run-{g.s(K8S, 5)}",
    "sysid": lambda g: "s_" + g.hx(12),
    "num8": lambda g: g.digits(8),
    "auth0log": lambda g: "900" + g.s(DIG, 53),
    "etag16": lambda g: g.hx(14),
    "x5t": lambda g: g.b64u(20),
    "imgid": lambda g: g.hx(12),
    "amzid2": lambda g: g.b64(48),
}
_NAME["natsapub"] = lambda g: "A" + g.s(B32, 55)

_K: list[tuple[str, str]] = []


def _k(fmt: str, *lines: str) -> None:
    _K.append((fmt, "\n".join(lines)))


# --- package ecosystems -----------------------------------------------------
_k(
    "package-lock.json entry integrity",
    '    "node_modules/⟨N:pkg⟩": {',
    '      "version": "⟨N:ver⟩",',
    '      "resolved": "https://registry.npmjs.org/⟨N:pkg⟩/-/⟨N:pkg⟩-⟨N:ver⟩.tgz",',
    '      "integrity": "⟨K:sri512⟩"',
    "    },",
)
_k(
    "yarn.lock entry with sha1 fragment",
    '"⟨N:pkg⟩@^⟨N:ver⟩":',
    '  version "⟨N:ver⟩"',
    '  resolved "https://registry.yarnpkg.com/⟨N:pkg⟩/-/⟨N:pkg⟩-⟨N:ver⟩.tgz#⟨N:sha1⟩"',
    "  integrity ⟨K:sri512⟩",
)
_k(
    "pnpm-lock resolution integrity",
    "  /⟨N:pkg⟩@⟨N:ver⟩:",
    "    resolution: {integrity: ⟨K:sri512⟩}",
    "    engines: {node: '>=18'}",
)
_k(
    "npm EINTEGRITY error",
    "npm ERR! code EINTEGRITY",
    "npm ERR! sha512-... integrity checksum failed when using sha512: wanted ⟨K:sri512⟩ but got ⟨K:sri512#2⟩. (48213 bytes)",
)
_k(
    "npm tarball corrupted warning with sha1 integrity",
    "npm WARN tarball tarball data for ⟨N:pkg⟩@⟨N:ver⟩ (⟨K:sri1⟩) seems to be corrupted. Trying again.",
)
_k("pip requirements hash", "⟨N:pypkg⟩==⟨N:ver⟩ \\", "    --hash=sha256:⟨K:sha256⟩")
_k(
    "pip hash mismatch",
    "ERROR: THESE PACKAGES DO NOT MATCH THE HASHES FROM THE REQUIREMENTS FILE.",
    "    ⟨N:pypkg⟩==⟨N:ver⟩ from https://files.pythonhosted.org/packages/⟨N:pypkg⟩-⟨N:ver⟩-py3-none-any.whl:",
    "        Expected sha256 ⟨K:sha256⟩",
    "             Got        ⟨N:hexn64⟩",
)
_k(
    "Cargo.lock checksum",
    "[[package]]",
    'name = "⟨N:crate⟩"',
    'version = "⟨N:ver⟩"',
    'source = "registry+https://github.com/rust-lang/crates.io-index"',
    'checksum = "⟨K:sha256⟩"',
)
_k("go.sum lines", "⟨N:gomod⟩ v⟨N:ver⟩ ⟨K:h1⟩", "⟨N:gomod⟩ v⟨N:ver⟩/go.mod ⟨N:h1#2⟩")
_k(
    "go checksum mismatch",
    "verifying ⟨N:gomod⟩@v⟨N:ver⟩: checksum mismatch",
    "\tdownloaded: ⟨K:h1⟩",
    "\tgo.sum:     ⟨N:h1#2⟩",
    "",
    "SECURITY ERROR",
)
_k(
    "composer.lock source reference",
    '"source": {',
    '    "type": "git",',
    '    "url": "https://github.com/⟨N:org⟩/⟨N:pkg⟩.git",',
    '    "reference": "⟨K:sha1⟩"',
    "},",
)
_k("Gemfile.lock CHECKSUMS", "CHECKSUMS", "  ⟨N:gem⟩ (⟨N:ver⟩) sha256=⟨K:sha256⟩")
_k(
    "Podfile.lock SPEC CHECKSUMS",
    "SPEC CHECKSUMS:",
    "  ⟨N:pod⟩: ⟨K:sha1⟩",
    "",
    "PODFILE CHECKSUM: ⟨N:sha1#2⟩",
)
_k(
    "Maven checksum validation warning",
    "[WARNING] Checksum validation failed, expected ⟨K:sha1⟩ (REMOTE_EXTERNAL) but is actually ⟨N:hexn40⟩ from central for https://repo.maven.apache.org/maven2/org/⟨N:org⟩/core/⟨N:ver⟩/core-⟨N:ver⟩.jar",
)
_k(
    "NuGet packages.lock.json contentHash",
    '"⟨N:app⟩.Client": {',
    '  "type": "Direct",',
    '  "requested": "[⟨N:ver⟩, )",',
    '  "resolved": "⟨N:ver⟩",',
    '  "contentHash": "⟨K:sha512b64⟩"',
    "},",
)
_k(
    "Artifactory checksum headers next to api key header name",
    "< X-Checksum-Sha256: ⟨K:sha256⟩",
    "< X-Artifactory-Node-Id: ⟨N:host⟩",
    "< X-JFrog-Version: Artifactory/7.98.9 79809900",
)
_k(
    "Nexus asset search JSON id",
    '{"items": [{"id": "⟨K:nexusid⟩", "repository": "maven-releases", "format": "maven2", "path": "org/⟨N:org⟩/core/⟨N:ver⟩/core-⟨N:ver⟩.pom"}]}',
)
_k(
    "Gradle verification-metadata sha256",
    '<component group="org.⟨N:org⟩" name="core" version="⟨N:ver⟩">',
    '   <artifact name="core-⟨N:ver⟩.jar">',
    '      <sha256 value="⟨K:sha256⟩" origin="Generated by Gradle"/>',
    "   </artifact>",
    "</component>",
)
_k(
    "npm publish notice shasum",
    "npm notice package: ⟨N:pkg⟩@⟨N:ver⟩",
    "npm notice shasum: ⟨K:sha1⟩",
    "npm notice total files: 14",
)
_k(
    "twine verbose sha256_digest",
    "INFO     ⟨N:pypkg⟩-⟨N:ver⟩-py3-none-any.whl (41.2 KB)",
    "INFO     sha256_digest: ⟨K:sha256⟩",
    "INFO     password set by command options",
)
_k(
    "cargo publish version string",
    "   Uploading ⟨N:crate⟩ v⟨K:semver⟩ (/home/ci/src/⟨N:crate⟩)",
    "    Uploaded ⟨N:crate⟩ v⟨K:semver⟩ to registry `crates-io`",
)

# --- CI/CD ------------------------------------------------------------------
_k(
    "GitLab runner job header",
    "Running with gitlab-runner ⟨N:ver⟩ (⟨N:short8⟩)",
    "  on ⟨N:host⟩ ⟨N:alnum8⟩, system ID: ⟨K:sysid⟩",
)
_k(
    "GitLab CI variables with masked token",
    "CI_PIPELINE_ID=⟨K:pipe⟩",
    "CI_JOB_TOKEN=[MASKED]",
    "CI_COMMIT_SHA=⟨N:sha1⟩",
)
_k(
    "Jenkins checkout revision",
    "Started by user ⟨N:person⟩",
    "Checking out Revision ⟨K:sha1⟩ (refs/remotes/origin/main)",
    " > git config core.sparsecheckout # timeout=10",
)
_k(
    "Jenkins BUILD_TAG next to credential masking",
    "BUILD_TAG=⟨K:buildtag⟩",
    "[Pipeline] withCredentials",
    "Masking supported pattern matches of $NEXUS_PASSWORD",
)
_k(
    "TeamCity build id",
    "[10:21:03] : Build started, buildId=⟨K:job⟩, buildTypeId=⟨N:proj⟩_Build (password parameters are hidden)",
)
_k(
    "Buildkite env ids with redacted token",
    "BUILDKITE_BUILD_ID=⟨K:uuid⟩",
    "BUILDKITE_AGENT_ACCESS_TOKEN=[REDACTED]",
    "BUILDKITE_JOB_ID=⟨N:uuid⟩",
)
_k(
    "CircleCI workflow id",
    "CIRCLE_WORKFLOW_ID=⟨K:uuid⟩",
    "CIRCLE_BUILD_NUM=⟨N:num⟩",
    "CIRCLE_TOKEN=<redacted>",
)
_k(
    "Azure DevOps build id with System.AccessToken masked",
    "##[section]Starting: Build",
    "Build.BuildId: ⟨K:job⟩",
    "System.AccessToken: ***",
)
_k("Drone commit sha", "DRONE_BUILD_NUMBER=⟨N:num⟩", "DRONE_COMMIT_SHA=⟨K:sha1⟩")
_k(
    "argocd app get sync revision",
    "Sync Status:        Synced to main (⟨N:short7⟩)",
    "Health Status:      Healthy",
    "Sync Revision:      ⟨K:sha1⟩",
)
_k(
    "Flux kustomization applied revision",
    "► annotating GitRepository flux-system in flux-system namespace",
    "✔ Kustomization reconciliation completed",
    "► applied revision main@sha1:⟨K:sha1⟩",
)
_k("Flux OCI artifact digest", "✔ fetched revision ⟨N:ver⟩@⟨K:digest⟩")
_k(
    "Tekton PipelineRun name",
    "PipelineRun started: ⟨K:tekrun⟩",
    "In order to track the PipelineRun progress run:",
    "tkn pipelinerun logs ⟨K:tekrun⟩ -f -n ⟨N:ns⟩",
)
_k(
    "Spinnaker execution id",
    'Execution ⟨K:ulid⟩ of pipeline "deploy-prod" in application ⟨N:app⟩ SUCCEEDED',
)
_k("docker push digest", "⟨N:ver⟩: digest: ⟨K:digest⟩ size: 2841")
_k(
    "buildkit writing image",
    " => => writing image ⟨K:digest⟩",
    " => => naming to registry.⟨N:domain⟩/⟨N:image⟩:⟨N:ver⟩",
)
_k(
    "kubectl describe image id and container id",
    "    Image ID:       registry.⟨N:domain⟩/⟨N:image⟩@⟨K:digest⟩",
    "    Container ID:   containerd://⟨N:hexn64⟩",
)
_k(
    "git log with secret-sounding message",
    "commit ⟨K:sha1⟩",
    "Author: ⟨N:person⟩ <⟨N:email⟩>",
    "",
    "    Rotate API key for ⟨N:app⟩ (secret moved to Vault)",
)
_k("git merge parents", "Merge: ⟨K:short7⟩ ⟨K:short7#2⟩")
_k(
    "Helm release revision digest",
    "NAME: ⟨N:app⟩",
    "REVISION: ⟨N:num⟩",
    "Pulled: registry.⟨N:domain⟩/charts/⟨N:app⟩:⟨N:ver⟩",
    "Digest: ⟨K:digest⟩",
)
_k(
    "k8s pod name in events",
    'Normal  Pulled     12s   kubelet  Successfully pulled image "registry.⟨N:domain⟩/⟨N:image⟩:⟨N:ver⟩"',
    "Normal  Started    11s   kubelet  Started container app in pod ⟨K:pod⟩",
)
_k(
    "GitLab PAT metadata id",
    '{"id":⟨K:job⟩,"name":"ci-release","revoked":false,"scopes":["api"],"active":true,"expires_at":"2027-01-01"}',
)

# --- secret stores / identity ----------------------------------------------
_k(
    "vault token lookup accessor",
    "Key                 Value",
    "---                 -----",
    "accessor            ⟨K:vacc⟩",
    "display_name        approle",
    "entity_id           ⟨N:uuid⟩",
    "policies            [default ⟨N:app⟩-read]",
)
_k(
    "vault secret_id_accessor lookup",
    "$ vault write auth/approle/role/⟨N:app⟩/secret-id-accessor/lookup secret_id_accessor=⟨K:uuid⟩",
    "secret_id_accessor    ⟨K:uuid⟩",
    "secret_id_num_uses    0",
)
_k(
    "vault lease renew",
    "$ vault lease renew ⟨K:vlease⟩",
    "Key                Value",
    "lease_id           ⟨K:vlease⟩",
    "lease_duration     768h",
)
_k(
    "vault audit log hmac and request id",
    '{"type":"response","auth":{"client_token":"hmac-sha256:⟨K:sha256⟩","accessor":"hmac-sha256:⟨N:hexn64⟩"},"request":{"id":"⟨K:uuid⟩","operation":"read","path":"secret/data/⟨N:app⟩"}}',
)
_k(
    "vault status cluster id",
    "Seal Type       shamir",
    "Version         ⟨N:ver⟩",
    "Cluster Name    vault-cluster-⟨N:hexn16⟩",
    "Cluster ID      ⟨K:uuid⟩",
    "HA Enabled      true",
)
_k("vault PKI issue serial", "private_key_type    rsa", "serial_number       ⟨K:certser⟩")
_k(
    "Secrets Manager rotate output",
    "{",
    '    "Name": "prod/⟨N:app⟩/db",',
    '    "VersionId": "⟨K:uuid⟩"',
    "}",
)
_k("S3 request ids", "x-amz-request-id: ⟨K:amzreq⟩", "x-amz-id-2: ⟨N:amzid2⟩")
_k(
    "KMS key id in error",
    "An error occurred (AccessDeniedException) when calling the Decrypt operation: The ciphertext refers to a customer master key that does not exist: arn:aws:kms:⟨N:region⟩:⟨N:num9⟩:key/⟨K:uuid⟩",
)
_k(
    "CloudTrail GetSecretValue event ids",
    '"eventName": "GetSecretValue",',
    '"requestID": "⟨K:uuid⟩",',
    '"eventID": "⟨N:uuid⟩",',
)
_k(
    "Key Vault secret version id",
    '  "id": "https://⟨N:kv⟩.vault.azure.net/secrets/db-password/⟨K:hex32⟩",',
    '  "attributes": {"enabled": true, "recoveryLevel": "Recoverable+Purgeable"},',
)
_k(
    "Key Vault key kid",
    '"key": {"kid": "https://⟨N:kv⟩.vault.azure.net/keys/signing/⟨K:hex32⟩", "kty": "RSA-HSM", "key_ops": ["sign", "verify"]}',
)
_k(
    "Azure request id header",
    "x-ms-request-id: ⟨K:uuid⟩",
    "x-ms-keyvault-service-version: 1.9.1889.1",
)
_k("GCP operation name", 'Operation "operations/⟨K:gcpop⟩" finished successfully.')
_k(
    "GCP secret etag",
    "createTime: '2026-11-30T10:11:12.331246Z'",
    "etag: '\"⟨K:etag16⟩\"'",
    "name: projects/⟨N:num9⟩/secrets/⟨N:app⟩-db-password",
)
_k(
    "1Password item ids",
    '{"id": "⟨K:op26⟩", "title": "⟨N:item⟩", "vault": {"id": "⟨N:op26⟩", "name": "⟨N:vaultn⟩"}, "category": "PASSWORD"}',
)
_k(
    "Keycloak JWKS kid and x5t",
    '{"keys":[{"kid":"⟨K:kid⟩","kty":"RSA","alg":"RS256","use":"sig","x5t":"⟨K:x5t⟩","e":"AQAB"}]}',
)
_k(
    "Keycloak event realmId",
    'WARN  [org.keycloak.events] (executor-thread-12) type="LOGIN_ERROR", realmId="⟨K:uuid⟩", clientId="⟨N:client⟩", userId="null", error="invalid_user_credentials"',
)
_k(
    "Okta system log ids",
    '"actor": {"id": "⟨K:oktauid⟩", "type": "User", "alternateId": "⟨N:email⟩"},',
    '"eventType": "system.api_token.create",',
)
_k(
    "Okta request id and app id",
    "X-Okta-Request-Id: ⟨N:oktareq⟩",
    "GET /api/v1/apps/⟨K:oktaapp⟩/credentials/keys 200",
)
_k(
    "Auth0 log user_id and log_id",
    '{"type": "fp", "description": "Wrong email or password.", "user_id": "⟨K:auth0uid⟩", "log_id": "⟨K:auth0log⟩"}',
)
_k(
    "LDAP entry UUID and CSN",
    "dn: uid=⟨N:user⟩,ou=people,dc=⟨N:org⟩,dc=example",
    "entryUUID: ⟨N:uuid⟩",
    "entryCSN: ⟨K:csn⟩",
    "pwdChangedTime: 20261130101112Z",
)
_k(
    "SAML response ids",
    '<samlp:Response ID="⟨K:samlid⟩" InResponseTo="⟨N:hexn40⟩" Version="2.0" IssueInstant="2026-12-02T10:11:12Z">',
)
_k("IdP signing cert fingerprint", "IdP signing certificate SHA-256 fingerprint: ⟨K:fpr⟩")
_k("SCIM resource id", 'PATCH /scim/v2/Users/⟨K:uuid⟩ HTTP/1.1" 200 (bearer token ok)')
_k(
    "JWT header decode kid",
    'token validation failed: no key for kid; header={"alg":"RS256","typ":"JWT","kid":"⟨K:kid⟩"}',
)
_k(
    "signing key rotation log",
    "INFO rotating signing key: new key_id=⟨K:kidhex⟩ (previous key retained for 24h)",
)
_k(
    "GPG signature key id",
    "gpg: Signature made Tue 02 Dec 2026 10:11:12 AM UTC",
    "gpg:                using RSA key ⟨K:HEX40⟩",
    'gpg: Good signature from "Release Signing Key <release@⟨N:domain⟩>" [ultimate]',
)
_k("ssh-keygen fingerprint", "256 ⟨K:sshfp⟩ ⟨N:user⟩@⟨N:host⟩ (ED25519)")
_k("openssl x509 serial and fingerprint", "serial=⟨K:certserhex⟩", "sha256 Fingerprint=⟨N:hexn64⟩")
_k(
    "cert-manager serial with secretName",
    'Certificate "⟨N:app⟩-tls" issued; secretName: ⟨N:app⟩-tls; serial number ⟨K:certser⟩',
)
_k(
    "Terraform secret version id",
    "aws_secretsmanager_secret_version.db: Creation complete after 1s [id=arn:aws:secretsmanager:⟨N:region⟩:⟨N:num9⟩:secret:⟨N:app⟩-db|⟨K:uuid⟩]",
)
_k(
    "Azure DevOps service connection id",
    '{"id": "⟨K:uuid⟩", "name": "⟨N:proj⟩-arm", "type": "azurerm", "authorization": {"scheme": "ServicePrincipal"}, "isShared": false}',
)
_k(
    "k8s Secret metadata uid",
    "kind: Secret",
    "metadata:",
    "  name: ⟨N:app⟩-db-password",
    '  resourceVersion: "⟨N:num9⟩"',
    "  uid: ⟨K:uuid⟩",
    "type: Opaque",
)

# --- databases --------------------------------------------------------------
_k(
    "Postgres checkpoint lsn",
    "LOG:  checkpoint complete: wrote 1834 buffers (11.2%); lsn=⟨K:lsn⟩, redo lsn=⟨N:lsn#2⟩",
)
_k(
    "pg_stat_replication lsns",
    "application_name | ⟨N:host⟩",
    "state            | streaming",
    "sent_lsn         | ⟨K:lsn⟩",
    "replay_lsn       | ⟨N:lsn#2⟩",
)
_k(
    "logical replication slot creation",
    "LOG:  logical decoding found consistent point at ⟨K:lsn⟩",
    "STATEMENT:  CREATE_REPLICATION_SLOT \"⟨K:slot⟩\" LOGICAL pgoutput (SNAPSHOT 'use')",
)
_k("WAL restored from archive", 'LOG:  restored log file "⟨K:wal⟩" from archive')
_k(
    "relation file path in error",
    'ERROR:  could not read block 12 in file "⟨K:relpath⟩": read only 0 of 8192 bytes',
)
_k(
    "pg_controldata system identifier",
    "Database system identifier:           ⟨K:pgsysid⟩",
    "Latest checkpoint location:           ⟨N:lsn⟩",
)
_k(
    "MySQL executed GTID set",
    "  Executed_Gtid_Set: ⟨K:gtid⟩",
    "      Auto_Position: 1",
    "  Source_SSL_Allowed: Yes",
)
_k("MySQL server_uuid", "| server_uuid   | ⟨K:uuid⟩ |")
_k(
    "MongoDB document ObjectId with password field name",
    '{ _id: ObjectId("⟨K:objid⟩"), user: "⟨N:user⟩", passwordChangedAt: ISODate("2026-11-30T10:11:12Z") }',
)
_k(
    "MongoDB log lsid",
    '{"t":{"$date":"2026-12-02T10:11:12.345+00:00"},"s":"I","c":"COMMAND","msg":"Slow query","attr":{"lsid":{"id":{"$uuid":"⟨K:uuid⟩"}},"durationMillis":1532}}',
)
_k(
    "MongoDB electionId",
    '"electionId": ObjectId("7fffffff00000000000000⟨N:num⟩"),',
    '"operationTime": Timestamp({ t: 1764760000, i: 1 }),',
    '"_id": ObjectId("⟨K:objid⟩")',
)
_k(
    "Redis INFO run_id",
    "# Server",
    "redis_version:7.4.1",
    "run_id:⟨K:redisid⟩",
    "master_replid:⟨N:hexn40⟩",
)
_k("Redis CLUSTER NODES", "⟨K:redisid⟩ ⟨N:host⟩:6379@16379 myself,master - 0 0 1 connected 0-5460")
_k("Elasticsearch cat nodes full id", "id                     name", "⟨K:esnode⟩ es-data-⟨N:num⟩")
_k(
    "Elasticsearch root info",
    '"cluster_name" : "⟨N:app⟩-logs",',
    '"cluster_uuid" : "⟨K:esnode⟩",',
    '"version" : { "number" : "8.15.2", "build_hash" : "⟨N:hexn40⟩" }',
)
_k(
    "Elasticsearch shard allocation id",
    "[2026-12-02T10:11:12,345][INFO ][o.e.c.r.a.AllocationService] [es-master-0] shard [⟨N:index⟩][3] started, allocation id [⟨K:esnode⟩]",
)
_k(
    "Elasticsearch invalidated API key ids",
    '{"invalidated_api_keys":["⟨K:esid20⟩"],"previously_invalidated_api_keys":[],"error_count":0}',
)
_k("Cassandra nodetool host id", "UN  ⟨N:host⟩  1.21 TiB  16  ?  ⟨K:uuid⟩  rack1")
_k("Cassandra schema version", "Schema versions:", "\t⟨K:uuid⟩: [⟨N:host⟩, ⟨N:host#2⟩]")
_k(
    "CockroachDB cluster id and job id",
    "ClusterID: ⟨K:uuid⟩",
    "        job_id       | job_type | status",
    "  ⟨N:job18⟩ | BACKUP   | succeeded",
)
_k(
    "InfluxDB bucket list ids",
    "ID\t\t\tName\t\tRetention\tOrganization ID",
    "⟨K:hex16⟩\t⟨N:bucket⟩\t720h0m0s\t⟨N:hexn16⟩",
)
_k(
    "Neo4j db.info id",
    "│ id                                                                 │ name    │",
    '│ "⟨K:HEX64⟩" │ "neo4j" │',
)
_k(
    "RabbitMQ message ids",
    '"properties": {"message_id": "⟨K:uuid⟩", "correlation_id": "⟨N:uuid⟩", "delivery_mode": 2}',
)
_k(
    "NATS server id",
    "[1] 2026/12/02 10:11:12.123456 [INF] Starting nats-server",
    "[1] 2026/12/02 10:11:12.123501 [INF]   Version:  2.10.22",
    "[1] 2026/12/02 10:11:12.123520 [INF]   Server ID: ⟨K:natsN⟩",
)
_k(
    "nsc describe account",
    "│ Account ID                │ ⟨K:natsA⟩ │",
    "│ Issuer ID                 │ ⟨K:natsO⟩ │",
    "│ Signing Keys              │ None                                                     │",
)
_k(
    "nsc list keys user public key",
    "│ Entity  │ Key                                                      │ Signing Key │ Stored │",
    "│ ⟨N:user⟩ │ ⟨K:natsU⟩ │             │ *      │",
)
_k(
    "etcd member list",
    "| ⟨K:hex16⟩ | started | ⟨N:host⟩ | https://⟨N:host⟩:2380 | https://⟨N:host⟩:2379 |      false |",
)
_k(
    "etcd response header ids",
    '{"header":{"cluster_id":⟨K:dec19⟩,"member_id":⟨N:snowflake⟩,"revision":⟨N:num9⟩,"raft_term":⟨N:num⟩}}',
)

# --- telecom ----------------------------------------------------------------
_k(
    "BIRD protocol ASNs",
    "⟨N:word⟩_v4  BGP  ---  up  10:11:12.345  Established",
    "  Neighbor AS:      ⟨K:asn10⟩",
    "  Local AS:         ⟨N:num⟩",
)
_k(
    "BGP config remote-as next to removed password",
    " neighbor ⟨N:peer⟩ remote-as ⟨K:asn10⟩",
    " neighbor ⟨N:peer⟩ password 7 <removed>",
)
_k(
    "BGP large community",
    "route-map SET-COMM permit 10",
    " set large-community ⟨K:asn10⟩:100:⟨N:num⟩",
)
_k(
    "Cisco show version board id",
    "Processor board ID ⟨K:hwserial⟩",
    'System image file is "flash:cat9k_iosxe.17.09.04a.SPA.bin"',
    "Configuration register is 0x2102",
)
_k("verify /md5 output", "verify /md5 (flash:cat9k_iosxe.17.09.04a.SPA.bin) = ⟨K:md5⟩")
_k(
    "router PKI certificate serial",
    "Certificate",
    "  Status: Available",
    "  Certificate Serial Number (hex): ⟨K:certserhex⟩",
    "  Key usage: General Purpose",
)
_k("Juniper chassis serial", "Chassis                                ⟨K:hwserial⟩      MX204")
_k(
    "RADIUS accounting session ids near shared secret wording",
    "(5) # shared secret matched for client ⟨N:short⟩",
    '(5)   Acct-Session-Id = "⟨N:HEX16⟩"',
    '(5)   Acct-Unique-Session-Id = "⟨K:hex32⟩"',
)
_k(
    "SNMP engineID next to auth/priv",
    "snmp-server engineID local ⟨K:engineid⟩",
    "snmp-server group ⟨N:grp⟩ v3 priv",
)
_k(
    "AS path in looking glass",
    "looking-glass> show route ⟨N:word⟩-customer-prefix: best path via ⟨N:peer⟩, AS path ⟨K:asn⟩ 64500 i",
)

# --- games / media / LMS ----------------------------------------------------
_k(
    "Steam appmanifest buildid",
    '"AppState"',
    "{",
    '\t"appid"\t\t"896660"',
    '\t"buildid"\t\t"⟨K:num8⟩"',
    "}",
)
_k(
    "game server player steamid",
    'Client "⟨N:player⟩" connected (steamid ⟨K:steamid⟩), authenticated with ticket',
)
_k(
    "discord.py gateway session id",
    "INFO     discord.client logging in using static token",
    "INFO     discord.gateway Shard ID None has connected to Gateway (Session ID: ⟨K:hex32⟩).",
)
_k("Discord bot logged in id", "Logged in as ⟨N:bot⟩#4821 (ID: ⟨K:snowflake⟩)")
_k(
    "Twitch EventSub subscription id",
    '{"subscription": {"id": "⟨K:uuid⟩", "type": "stream.online", "condition": {"broadcaster_user_id": "⟨N:num9⟩"}}}',
)
_k(
    "Minecraft UUID of player",
    "[10:11:12] [User Authenticator #3/INFO]: UUID of player ⟨N:player⟩ is ⟨K:uuid⟩",
)
_k(
    "Canvas LTI deployment and client id",
    "LTI 1.3 launch: client_id=⟨K:canvasclient⟩ deployment_id=⟨K:ltidep⟩",
)
_k(
    "Canvas request context id",
    "X-Request-Context-Id: ⟨K:uuid⟩",
    "X-Canvas-Meta: q=1234;a=1;g=⟨N:alnum24⟩;",
)

# --- generic observability --------------------------------------------------
_k("traceparent header", "traceparent: 00-⟨K:trace⟩-⟨K:span⟩-01")
_k(
    "JSON log trace/span/request ids",
    '{"level":"error","msg":"token refresh failed","trace_id":"⟨N:trace⟩","span_id":"⟨N:hexn16⟩","request_id":"⟨K:uuid⟩"}',
)
_k(
    "nginx access log request id",
    '"POST /api/v2/keys/rotate HTTP/2.0" 200 512 "-" "curl/8.5.0" rid=⟨K:hex32⟩',
)
_k("sha256sum output", "⟨K:sha256⟩  ⟨N:app⟩-⟨N:ver⟩-linux-amd64.tar.gz")
_k(
    "Sentry event id",
    "Sentry: Event ID: ⟨K:hex32⟩ (InvalidPasswordError: password does not match policy)",
)
_k("release version and build", "Deployed ⟨N:app⟩ version ⟨K:semver⟩ (build ⟨K:pipe⟩) to ⟨N:env⟩")
_k(
    "docker image id short",
    "REPOSITORY            TAG       IMAGE ID       CREATED       SIZE",
    "⟨N:image⟩   ⟨N:ver⟩   ⟨K:imgid⟩   2 hours ago   184MB",
)


# ---------------------------------------------------------------------------
# rendering
# ---------------------------------------------------------------------------


def _b64(vals: list[str]) -> str:
    return base64.b64encode(":".join(vals).encode()).decode()


def _dockercfg(vals: list[str]) -> str:
    host, user, pwd = vals
    auth = base64.b64encode(f"{user}:{pwd}".encode()).decode()
    cfg = {"auths": {f"registry.{host}": {"username": user, "password": pwd, "auth": auth}}}
    return base64.b64encode(json.dumps(cfg, separators=(",", ":")).encode()).decode()


_XF = {
    "b64": _b64,
    "b64c": lambda vals: base64.b64encode((":" + vals[0]).encode()).decode(),
    "dockercfg": _dockercfg,
}

_PH = re.compile(r"⟨([SNK]):([A-Za-z0-9_]+)(?:#(\w+))?⟩")
_PX = re.compile(r"⟨X:(\w+):([^⟩]+)⟩")


def _render(text: str, g: _G) -> tuple[tuple[str, ...], tuple[str, ...]]:
    cache: dict[str, str] = {}
    reg: list[str] = []

    def get(key: str) -> str:
        if key not in cache:
            kind_t, rest = key.split(":", 1)
            kind = rest.split("#", 1)[0]
            if kind_t == "S":
                fn = _SECRET[kind]
            elif kind_t == "K":
                fn = _KEEP[kind]
            else:
                fn = _NAME.get(kind) or _SECRET.get(kind) or _KEEP[kind]
            cache[key] = fn(g)
        return cache[key]

    def sub1(m: re.Match) -> str:
        key = f"{m.group(1)}:{m.group(2)}#{m.group(3) or ''}"
        v = get(key)
        if m.group(1) in "SK" and v not in reg:
            reg.append(v)
        return v

    def sub2(m: re.Match) -> str:
        refs = [r if "#" in r else r + "#" for r in m.group(2).split("|")]
        v = _XF[m.group(1)]([get(r) for r in refs])
        if v not in reg:
            reg.append(v)
        return v

    out = _PX.sub(sub2, _PH.sub(sub1, text))
    return tuple(out.split("\n")), tuple(reg)


def cases() -> list[Case]:
    g = _G(random.Random(SEED))
    out: list[Case] = []
    for fam, fmt, text in _T:
        assert "⟨K:" not in text, fmt
        for _ in range(VARIANTS):
            lines, values = _render(text, g)
            out.append(Case(fam, fmt, lines, values))
    return out


def keep_list() -> list[Keep]:
    g = _G(random.Random(SEED + 1))
    out: list[Keep] = []
    for fmt, text in _K:
        assert "⟨S:" not in text and "⟨X:" not in text, fmt
        for _ in range(VARIANTS):
            lines, tokens = _render(text, g)
            out.append(Keep(fmt, lines, tokens))
    return out


def _check() -> dict[str, int]:
    cs = cases()
    ks = keep_list()
    assert cs == cases() and ks == keep_list(), "not deterministic"
    all_values: set[str] = set()
    for c in cs:
        assert c.values, c.format
        assert len(set(c.values)) == len(c.values), c.format
        text = "\n".join(c.lines)
        assert "⟨" not in text and "⟩" not in text, c.format
        for v in c.values:
            assert len(v) >= 4, (c.format, v)
            assert v.strip() == v and "\n" not in v, (c.format, v)
            assert v in text, (c.format, v)
        all_values.update(c.values)
    all_tokens: set[str] = set()
    for k in ks:
        assert k.tokens, k.format
        assert len(set(k.tokens)) == len(k.tokens), k.format
        text = "\n".join(k.lines)
        assert "⟨" not in text and "⟩" not in text, k.format
        for t in k.tokens:
            assert len(t) >= 6, (k.format, t)
            assert t in text, (k.format, t)
        all_tokens.update(k.tokens)
    for v in all_values:
        for t in all_tokens:
            assert v != t and v not in t and t not in v, (v, t)
    return {
        "families": len({c.family for c in cs}),
        "case_templates": len(_T),
        "cases": len(cs),
        "values": sum(len(c.values) for c in cs),
        "keep_templates": len(_K),
        "keep_entries": len(ks),
        "keep_tokens": sum(len(k.tokens) for k in ks),
    }


if __name__ == "__main__":
    print(_check())
