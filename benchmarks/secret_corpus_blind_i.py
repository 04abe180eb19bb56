# ruff: noqa: E501, RUF001
"""Sealed blind corpus i: planted secrets and diagnostic keep-tokens in production incident material.

Written by helper i on 2026-12-02 without reading the sanitizer, its tests, the other corpora or
any benchmark results (only the Case/Keep shapes and the consuming loop were seen).

Each Case is a short snippet (1-8 lines) of the kind an on-call engineer pastes or an incident
tool gathers -- command output, config dumps, shell history, logs, traces, crash dumps, chat,
tickets and e-mail in many natural languages -- with ``values`` naming every planted secret that
appears verbatim in it. Each Keep is a snippet full of tempting words (token, key, secret, auth,
session, credential, password) whose ``tokens`` are diagnostic values that must survive.

Families (42): k8s_secrets, kubeconfig_sa, aws, gcp, azure, database_cli, connection_strings,
caches_brokers, ci_cd, vcs_tokens, package_registries, container_registries, http_auth_headers,
web_server_proxy, session_cookies, identity_sso, jwt_oauth_tokens, observability_agents,
backup_tools, private_keys, remote_access_oob, payment_saas, chat_webhooks, dev_platform_tokens,
vault_secret_managers, app_framework_config, env_dumps, shell_history, stack_traces,
structured_logs, encoded_wrapped, otp_recovery_pins, network_devices, infra_as_code, email_smtp,
protocol_transcripts, chat_i18n, tickets_email_i18n, windows_ad, api_gateway_flags,
crypto_keys_app, monitoring_checks. About ten templates per family (about 430 in all), each
rendered RENDERS=2 times with fresh random values and names; about 88 keep templates, rendered
twice. Run this module to print the exact counts. All values come from a seeded random source;
none is a real credential.
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
from typing import NamedTuple

SEED = 73120261
RENDERS = 2


class Case(NamedTuple):
    family: str
    format: str
    lines: tuple[str, ...]
    values: tuple[str, ...]


class Keep(NamedTuple):
    format: str
    lines: tuple[str, ...]
    tokens: tuple[str, ...]


# --------------------------------------------------------------------------- alphabets and pools
AL = string.ascii_letters + string.digits
LETTERS = string.ascii_letters
LO = string.ascii_lowercase
UP = string.ascii_uppercase
DG = string.digits
HX = "0123456789abcdef"
HXU = "0123456789ABCDEF"
B64A = AL + "+/"
B64U = AL + "-_"
B32A = UP + "234567"
LAN = LO + DG
BECH = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
PW_SYM = "!#%*-_+=.~^"
K8S_SUFFIX = "bcdfghjklmnpqrstvwxz2456789"

WORDS = [
    "maple",
    "river",
    "falcon",
    "copper",
    "orchid",
    "tundra",
    "velvet",
    "harbor",
    "quartz",
    "ember",
    "lantern",
    "cobalt",
    "meadow",
    "saffron",
    "glacier",
    "thistle",
    "summit",
    "juniper",
    "walrus",
    "pepper",
    "violet",
    "canyon",
    "marble",
    "sparrow",
    "nickel",
    "willow",
    "basalt",
    "cactus",
    "dolphin",
    "fjord",
    "granite",
    "hazel",
    "indigo",
    "jasper",
    "kettle",
    "lagoon",
]
SYL = [
    "ka",
    "ro",
    "mi",
    "zu",
    "te",
    "la",
    "vo",
    "ne",
    "shi",
    "tor",
    "bel",
    "dax",
    "qui",
    "frim",
    "gol",
    "wen",
    "pax",
    "lun",
    "sor",
    "yel",
    "brak",
    "ost",
    "vik",
    "zan",
]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
UML_WORDS = [
    "Grüße",
    "Straße",
    "Schlüssel",
    "Müsli",
    "Bär",
    "Fußball",
    "Tür",
    "Äpfel",
    "Größe",
    "Señal",
    "Mañana",
    "Café",
    "Niño",
    "Pójdź",
    "Łódź",
    "Ærø",
    "Smørbrød",
    "Öl",
]
USERS = [
    "jdoe",
    "asmith",
    "m.kowalski",
    "svc_backup",
    "deploy",
    "ci-bot",
    "app_rw",
    "etl_loader",
    "replicator",
    "report_ro",
    "k.tanaka",
    "l.moreau",
    "o.petrenko",
    "s.yilmaz",
    "admin",
    "svc-grafana",
    "batch",
    "appuser",
    "migrator",
    "orders_svc",
    "b.nguyen",
    "r.silva",
    "d.rossi",
    "j.devries",
    "a.novak",
    "svc_jenkins",
    "monitor",
    "keycloak",
    "gitlab",
]
NAMES = [
    "Anna",
    "Jonas",
    "Chloé",
    "Mateo",
    "Giulia",
    "Bram",
    "Kasia",
    "Dmitri",
    "Olena",
    "Emre",
    "Yuki",
    "Wei",
    "Minjun",
    "Layla",
    "Priya",
    "Linh",
    "Putri",
    "Erik",
    "Tomáš",
    "Eleni",
    "Noa",
    "Rafael",
    "Aino",
    "Sipho",
    "Lucía",
    "Henrik",
    "Mei",
    "Omar",
]
APPS = [
    "checkout",
    "billing-api",
    "orders",
    "auth-gateway",
    "ledger",
    "notifier",
    "search-indexer",
    "payments",
    "inventory",
    "reporting",
    "webhooks",
    "user-svc",
    "catalog",
    "shipping",
    "pricing",
    "fraud-scorer",
    "media-proxy",
    "loyalty",
]
NAMESPACES = [
    "payments",
    "checkout",
    "auth",
    "platform",
    "data",
    "ingest",
    "monitoring",
    "prod",
    "search",
    "billing",
    "core",
    "edge",
]
DOMAINS = [
    "acme-corp.com",
    "shopfront.io",
    "globex.de",
    "initech.fr",
    "umbrella.co.jp",
    "contoso.com",
    "fabrikam.nl",
    "tyrell.io",
    "hooli.xyz",
    "vandelay.pl",
    "stark-ind.it",
    "cyberdyne.es",
    "soylent.com.br",
    "wonka.co.uk",
    "oscorp.se",
    "dunder.cz",
]
ORGS = [
    "acme",
    "shopfront",
    "globex",
    "initech",
    "umbrella",
    "contoso",
    "fabrikam",
    "tyrell",
    "hooli",
    "vandelay",
    "stark",
    "cyberdyne",
    "soylent",
    "wonka",
]
REPOS = [
    "platform-infra",
    "orders-service",
    "helm-charts",
    "terraform-live",
    "billing",
    "mobile-app",
    "data-pipelines",
    "auth-service",
    "ops-runbooks",
    "web-frontend",
]
REGIONS = [
    "us-east-1",
    "eu-west-1",
    "eu-central-1",
    "ap-northeast-1",
    "us-west-2",
    "ap-southeast-2",
    "sa-east-1",
    "eu-north-1",
]
DBS = [
    "orders",
    "billing",
    "app_prod",
    "analytics",
    "keycloak",
    "gitlab_production",
    "wordpress",
    "inventory",
    "ledger",
    "crm",
    "metrics",
]
HOSTPFX = [
    "db",
    "pg",
    "mysql",
    "redis",
    "kafka",
    "api",
    "web",
    "app",
    "etl",
    "bastion",
    "jump",
    "ci",
    "vault",
    "mq",
    "es",
    "mongo",
    "ldap",
    "ftp",
    "backup",
    "proxy",
    "nfs",
]
HOSTSFX = ["prod", "prd", "stg", "eu1", "use1", "dc2", "int", "fra", "ams"]
AD_DOMAINS = ["CORP", "ACME", "GLOBEX", "CONTOSO", "INITECH", "EMEA"]
DCS = ["acme", "corp", "globex", "contoso", "initech", "example"]
REALMS = ["master", "internal", "customers", "staff", "partners"]


def _s(r: random.Random, alphabet: str, n: int) -> str:
    return "".join(r.choice(alphabet) for _ in range(n))


def _bytes(r: random.Random, n: int) -> bytes:
    return bytes(r.getrandbits(8) for _ in range(n))


def _b64n(r: random.Random, n: int) -> str:
    return base64.b64encode(_bytes(r, n)).decode()


def _b64un(r: random.Random, n: int) -> str:
    return base64.urlsafe_b64encode(_bytes(r, n)).decode().rstrip("=")


def _nz(r: random.Random, n: int) -> str:
    return str(r.randint(1, 9)) + _s(r, DG, n - 1)


def _uuid(r: random.Random) -> str:
    return str(uuid.UUID(int=r.getrandbits(128), version=4))


def _b64json(obj: object) -> str:
    return (
        base64.urlsafe_b64encode(json.dumps(obj, separators=(",", ":")).encode())
        .decode()
        .rstrip("=")
    )


# --------------------------------------------------------------------------- passwords
def _pw(r: random.Random) -> str:
    k = r.randrange(8)
    if k == 0:
        s = r.choice(AL) + _s(r, AL + PW_SYM, r.randint(13, 21))
    elif k == 1:
        s = (
            "".join(r.choice(SYL) for _ in range(r.randint(2, 3))).capitalize()
            + r.choice(PW_SYM)
            + _s(r, DG, r.randint(3, 5))
        )
    elif k == 2:
        ws = r.sample(WORDS, 3)
        s = r.choice("-._").join([ws[0], ws[1].capitalize(), ws[2]]) + _s(r, DG, 2)
    elif k == 3:
        s = _s(r, AL, r.randint(20, 32))
    elif k == 4:
        base = "".join(r.choice(SYL) for _ in range(3))
        s = (
            base.replace("a", "4").replace("o", "0").replace("e", "3").capitalize()
            + r.choice("!#*")
            + _s(r, AL, 4)
        )
    elif k == 5:
        s = r.choice(MONTHS) + str(r.randint(2024, 2027)) + r.choice("!#*") + _s(r, AL, 3)
    elif k == 6:
        s = "-".join(_s(r, AL, 4) for _ in range(4))
    else:
        s = _s(r, UP, 2) + _s(r, DG, 2) + r.choice(PW_SYM) + _s(r, LAN, 8) + r.choice("!#%*")
    if not any(c.isdigit() for c in s):
        s += str(r.randint(0, 9))
    return s


def _pw_sym(r: random.Random) -> str:
    s = _pw(r)
    i = r.randrange(1, len(s))
    return s[:i] + r.choice("!#%&+=/?:@$") + s[i:] + r.choice("&+/=")


def _pw_amp(r: random.Random) -> str:
    return (
        r.choice(AL)
        + _s(r, AL, r.randint(5, 8))
        + r.choice(["&", "<", "&&", "<>"])
        + _s(r, AL + "#!", r.randint(5, 9))
        + str(r.randint(0, 9))
    )


def _pw_uml(r: random.Random) -> str:
    return (
        r.choice(UML_WORDS) + r.choice("-_#!") + _s(r, DG, 3) + r.choice("äöüßéñł") + _s(r, AL, 3)
    )


def _urlpw(r: random.Random) -> str:
    return r.choice(AL) + _s(r, AL + "-_.", r.randint(15, 27)) + str(r.randint(0, 9))


def _passphrase(r: random.Random) -> str:
    sep = r.choice(["-", "-", " ", ".", "_"])
    ws = r.sample(WORDS, r.randint(4, 5))
    ws.insert(r.randrange(len(ws)), str(r.randint(2, 99)))
    return sep.join(ws)


def _wifi(r: random.Random) -> str:
    if r.random() < 0.5:
        return (
            r.choice(WORDS).capitalize()
            + r.choice(["-", "!", "#"])
            + _s(r, DG, 4)
            + r.choice(WORDS)
            + _s(r, AL, 2)
        )
    return _s(r, AL + "!#-", 18) + str(r.randint(0, 9))


# --------------------------------------------------------------------------- tokens with shapes
def _jwt_rs(r: random.Random) -> str:
    h = {"alg": "RS256", "typ": "JWT", "kid": _s(r, B64U, 43)}
    iat = 1796000000 + r.randint(0, 9000000)
    p = {
        "exp": iat + 300,
        "iat": iat,
        "jti": _uuid(r),
        "iss": f"https://sso.{r.choice(DOMAINS)}/realms/{r.choice(REALMS)}",
        "aud": "account",
        "sub": _uuid(r),
        "typ": "Bearer",
        "azp": r.choice(APPS),
        "scope": "openid profile email",
    }
    return f"{_b64json(h)}.{_b64json(p)}.{_s(r, B64U, 342)}"


def _jwt_hs(r: random.Random) -> str:
    iat = 1796000000 + r.randint(0, 9000000)
    p = {
        "sub": str(r.randint(1000, 99999)),
        "role": r.choice(["service_role", "admin", "worker", "ingest"]),
        "iat": iat,
        "exp": iat + 86400 * r.randint(1, 3650),
    }
    return f"{_b64json({'alg': 'HS256', 'typ': 'JWT'})}.{_b64json(p)}.{_s(r, B64U, 43)}"


def _sa_jwt(r: random.Random) -> str:
    ns, app = r.choice(NAMESPACES), r.choice(APPS)
    iat = 1796000000 + r.randint(0, 9000000)
    p = {
        "aud": ["https://kubernetes.default.svc.cluster.local"],
        "exp": iat + 3600,
        "iat": iat,
        "iss": "https://kubernetes.default.svc.cluster.local",
        "kubernetes.io": {"namespace": ns, "serviceaccount": {"name": app, "uid": _uuid(r)}},
        "nbf": iat,
        "sub": f"system:serviceaccount:{ns}:{app}",
    }
    return f"{_b64json({'alg': 'RS256', 'kid': _s(r, B64U, 43)})}.{_b64json(p)}.{_s(r, B64U, 342)}"


def _ts(r: random.Random) -> str:
    return f"2026-{r.randint(10, 12):02d}-{r.randint(1, 28):02d}T{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}.{r.randint(0, 999):03d}Z"


def _host(r: random.Random) -> str:
    h = f"{r.choice(HOSTPFX)}-{r.choice(HOSTSFX)}-{r.randint(1, 24):02d}"
    return h + r.choice(["", "", ".internal", ".corp.local", f".{r.choice(DOMAINS)}"])


def _pod(r: random.Random) -> str:
    return f"{r.choice(APPS)}-{_s(r, K8S_SUFFIX, r.choice([9, 10]))}-{_s(r, K8S_SUFFIX, 5)}"


def _ver(r: random.Random) -> str:
    return f"{r.randint(1, 24)}.{r.randint(0, 40)}.{r.randint(0, 19)}"


KINDS: dict[str, Callable[[random.Random], str]] = {
    # ---- fillers
    "name": lambda r: r.choice(NAMES),
    "user": lambda r: r.choice(USERS),
    "host": _host,
    "HOST": lambda r: (
        f"{r.choice(['SRV', 'WIN', 'SQL', 'DC', 'FS', 'APP'])}-{r.choice(['PRD', 'FRA', 'AMS', 'NYC'])}{r.randint(1, 40):02d}"
    ),
    "DOMAIN": lambda r: r.choice(AD_DOMAINS),
    "dc": lambda r: r.choice(DCS),
    "domain": lambda r: r.choice(DOMAINS),
    "ip": lambda r: r.choice(
        [
            f"10.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(2, 254)}",
            f"172.{r.randint(16, 31)}.{r.randint(0, 255)}.{r.randint(2, 254)}",
            f"192.168.{r.randint(0, 255)}.{r.randint(2, 254)}",
        ]
    ),
    "ipdash": lambda r: (
        f"{r.randint(3, 54)}-{r.randint(0, 255)}-{r.randint(0, 255)}-{r.randint(1, 254)}"
    ),
    "ns": lambda r: r.choice(NAMESPACES),
    "app": lambda r: r.choice(APPS),
    "app_us": lambda r: r.choice(APPS).replace("-", "_"),
    "AppMod": lambda r: "".join(p.capitalize() for p in r.choice(APPS).split("-")),
    "pod": _pod,
    "node": lambda r: (
        f"ip-10-{r.randint(0, 255)}-{r.randint(0, 255)}-{r.randint(1, 254)}.{r.choice(REGIONS)}.compute.internal"
    ),
    "cluster": lambda r: (
        f"{r.choice(['prod', 'prd', 'live', 'stg'])}-{r.choice(['eu', 'us', 'ap'])}-{r.randint(1, 4)}"
    ),
    "region": lambda r: r.choice(REGIONS),
    "gproj": lambda r: f"{r.choice(APPS)}-prod-{_nz(r, 6)}",
    "acct": lambda r: _nz(r, 12),
    "profile": lambda r: r.choice(
        ["default", "prod", "prod-admin", "staging", "billing", "breakglass"]
    ),
    "bucket": lambda r: (
        f"{r.choice(ORGS)}-{r.choice(APPS)}-{r.choice(['backups', 'exports', 'artifacts', 'wal-archive'])}"
    ),
    "registry": lambda r: r.choice(
        [
            "registry.gitlab.com",
            "ghcr.io",
            f"harbor.{r.choice(DOMAINS)}",
            f"{_nz(r, 12)}.dkr.ecr.{r.choice(REGIONS)}.amazonaws.com",
            "docker.io",
            "quay.io",
            f"registry.{r.choice(DOMAINS)}:5000",
        ]
    ),
    "db": lambda r: r.choice(DBS),
    "vhost": lambda r: r.choice(["prod", "orders", "events", "celery"]),
    "org": lambda r: r.choice(ORGS),
    "repo": lambda r: r.choice(REPOS),
    "email": lambda r: f"{r.choice(USERS).replace('_', '.')}@{r.choice(DOMAINS)}",
    "realm": lambda r: r.choice(REALMS),
    "stacct": lambda r: (
        f"{r.choice(ORGS)}{r.choice(['prod', 'backup', 'logs', 'data'])}{_s(r, LAN, 4)}"
    ),
    "container": lambda r: r.choice(["backups", "exports", "tfstate", "logs", "uploads"]),
    "remote": lambda r: r.choice(["offsite", "b2-archive", "nas", "s3-cold", "gdrive-ops"]),
    "ts": _ts,
    "ts_pg": lambda r: _ts(r).replace("T", " ").rstrip("Z"),
    "syslog_ts": lambda r: (
        f"{r.choice(['Nov', 'Dec'])} {r.randint(1, 28):2d} {r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}"
    ),
    "clf_ts": lambda r: (
        f"{r.randint(1, 28):02d}/{r.choice(['Nov', 'Dec'])}/2026:{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d} +0000"
    ),
    "date": lambda r: f"2026-{r.randint(10, 12):02d}-{r.randint(1, 28):02d}",
    "time": lambda r: f"{r.randint(0, 23):02d}:{r.randint(0, 59):02d}",
    "epoch": lambda r: str(1796000000 + r.randint(0, 9000000)),
    "pid": lambda r: str(r.randint(10000, 3999999)),
    "port": lambda r: str(r.choice([r.randint(32768, 60999), r.randint(10000, 29999)])),
    "uuid": _uuid,
    "UUID": lambda r: _uuid(r).upper(),
    "trace": lambda r: _s(r, HX, 32),
    "span": lambda r: _s(r, HX, 16),
    "sha": lambda r: _s(r, HX, 40),
    "short": lambda r: _s(r, HX, 7),
    "digest": lambda r: "sha256:" + _s(r, HX, 64),
    "ver": _ver,
    "vver": lambda r: "v" + _ver(r),
    "cid64": lambda r: _s(r, HX, 64),
    "cid12": lambda r: _s(r, HX, 12),
    "ms": lambda r: str(r.randint(3, 9000)),
    "float": lambda r: f"{r.uniform(0.001, 99):.3f}",
    "sshfp": lambda r: "SHA256:" + _b64n(r, 32).rstrip("="),
    "gpgfpr": lambda r: _s(r, HXU, 40),
    "gpgid": lambda r: _s(r, HXU, 16),
    "serial": lambda r: ":".join(_s(r, HX, 2) for _ in range(16)),
    "colonfp": lambda r: ":".join(_s(r, HXU, 2) for _ in range(32)),
    "kid": lambda r: r.choice(
        [_s(r, HX, 8) + "-" + _s(r, HX, 4), "rsa-" + _s(r, HX, 10), _date_kid(r)]
    ),
    "arn_sm": lambda r: (
        f"arn:aws:secretsmanager:{r.choice(REGIONS)}:{_nz(r, 12)}:secret:prod/{r.choice(APPS)}/db-{_s(r, AL, 6)}"
    ),
    "arn_kms": lambda r: f"arn:aws:kms:{r.choice(REGIONS)}:{_nz(r, 12)}:key/{_uuid(r)}",
    "arn_role": lambda r: f"arn:aws:iam::{_nz(r, 12)}:role/{r.choice(APPS)}-irsa",
    "instance": lambda r: "i-0" + _s(r, HX, 16),
    "ami": lambda r: "ami-0" + _s(r, HX, 16),
    "reqid": lambda r: "req_" + _s(r, AL, 14),
    "evt": lambda r: "evt_" + _s(r, AL, 24),
    "b3": lambda r: _s(r, HX, 16),
    "twilio_sid": lambda r: "AC" + _s(r, HX, 32),
    "akia": lambda r: "AKIA" + _s(r, B32A, 16),
    "asia": lambda r: "ASIA" + _s(r, B32A, 16),
    "slack_T": lambda r: "T0" + _s(r, UP + DG, 8),
    "slack_B": lambda r: "B0" + _s(r, UP + DG, 9),
    "discord_id": lambda r: _nz(r, 19),
    "minio_id": lambda r: _s(r, UP + DG, 20),
    "b2_id": lambda r: "005" + _s(r, HX, 22),
    "cc_key": lambda r: _s(r, UP + DG, 16),
    "age_pub": lambda r: "age1" + _s(r, BECH, 58),
    "wg_pub": lambda r: _b64n(r, 32),
    "ticket": lambda r: (
        r.choice(["OPS", "INC", "SRE", "PLAT", "SEC"]) + "-" + str(r.randint(100, 9999))
    ),
    # ---- secrets
    "pw": _pw,
    "pw_sym": _pw_sym,
    "pw_amp": _pw_amp,
    "pw_uml": _pw_uml,
    "urlpw": _urlpw,
    "passphrase": _passphrase,
    "wifi_psk": _wifi,
    "jwt_rs": _jwt_rs,
    "jwt_hs": _jwt_hs,
    "sa_jwt": _sa_jwt,
    "ghp": lambda r: "ghp_" + _s(r, AL, 36),
    "gho": lambda r: "gho_" + _s(r, AL, 36),
    "ghs": lambda r: "ghs_" + _s(r, AL, 36),
    "github_pat": lambda r: "github_pat_11" + _s(r, UP + DG, 20) + "_" + _s(r, AL, 59),
    "glpat": lambda r: "glpat-" + _s(r, AL + "-_", 20),
    "glrt": lambda r: "glrt-" + _s(r, AL + "-_", 20),
    "gldt": lambda r: "gldt-" + _s(r, AL + "-_", 20),
    "bb_app": lambda r: "ATBB" + _s(r, AL, 32),
    "slack_bot": lambda r: f"xoxb-{_nz(r, 12)}-{_nz(r, 13)}-{_s(r, AL, 24)}",
    "slack_user": lambda r: f"xoxp-{_nz(r, 12)}-{_nz(r, 12)}-{_nz(r, 13)}-{_s(r, HX, 32)}",
    "slack_app": lambda r: f"xapp-1-A{_s(r, UP + DG, 10)}-{_nz(r, 13)}-{_s(r, HX, 64)}",
    "aws_secret": lambda r: _s(r, AL + "+/", 40),
    "aws_session": lambda r: "IQoJb3JpZ2luX2VjE" + _s(r, B64A, r.randint(300, 420)),
    "gcp_apikey": lambda r: "AIza" + _s(r, AL + "-_", 35),
    "ya29": lambda r: "ya29.a0" + _s(r, AL + "-_", r.randint(150, 220)),
    "g_refresh": lambda r: "1//0" + _s(r, AL + "-_", 99),
    "gocspx": lambda r: "GOCSPX-" + _s(r, AL + "-_", 28),
    "az_key88": lambda r: _b64n(r, 64),
    "az_sig": lambda r: urllib.parse.quote(_b64n(r, 32), safe=""),
    "az_client_secret": lambda r: (
        _s(r, AL, 3) + str(r.randint(0, 9)) + "Q~" + _s(r, AL + "_.~-", 34)
    ),
    "az_func_code": lambda r: _s(r, AL + "-_", 54) + "==",
    "ado_pat": lambda r: _s(r, LO + "234567", 52),
    "stripe_sk": lambda r: "sk_live_" + r.choice(["51" + _s(r, AL, 97), _s(r, AL, 24)]),
    "rk_live": lambda r: "rk_live_51" + _s(r, AL, 97),
    "whsec": lambda r: "whsec_" + _s(r, AL, 32),
    "sendgrid": lambda r: "SG." + _s(r, AL + "-_", 22) + "." + _s(r, AL + "-_", 43),
    "mailgun": lambda r: r.choice(
        ["key-" + _s(r, HX, 32), _s(r, HX, 32) + "-" + _s(r, HX, 8) + "-" + _s(r, HX, 8)]
    ),
    "shpat": lambda r: "shpat_" + _s(r, HX, 32),
    "square": lambda r: "EAAA" + _s(r, AL + "-_", 60),
    "braintree": lambda r: f"access_token$production${_s(r, LAN, 16)}${_s(r, HX, 32)}",
    "adyen": lambda r: "AQE" + _s(r, AL, 57) + "=-" + _s(r, AL + "+/", 40),
    "paypal_secret": lambda r: "E" + _s(r, AL + "-_", 79),
    "mapbox_sk": lambda r: "sk.eyJ1Ijoi" + _s(r, AL, 30) + "." + _s(r, AL + "-_", 22),
    "npm_tok": lambda r: "npm_" + _s(r, AL, 36),
    "pypi_tok": lambda r: "pypi-AgEIcHlwaS5vcmc" + _s(r, AL + "-_", 150),
    "dckr_pat": lambda r: "dckr_pat_" + _s(r, AL + "-_", 27),
    "hvs": lambda r: "hvs.CAESI" + _s(r, AL + "-_", 82),
    "hvs_short": lambda r: "hvs." + _s(r, AL, 24),
    "tfc": lambda r: _s(r, AL, 14) + ".atlasv1." + _s(r, AL, 67),
    "pulumi": lambda r: "pul-" + _s(r, HX, 40),
    "doppler": lambda r: "dp.st.prd." + _s(r, AL, 43),
    "postman": lambda r: "PMAK-" + _s(r, HX, 24) + "-" + _s(r, HX, 34),
    "linear": lambda r: "lin_api_" + _s(r, AL, 40),
    "atlassian": lambda r: "ATATT3xFfGF0" + _s(r, AL + "-_", 170) + "=" + _s(r, HXU, 8),
    "okta": lambda r: "00" + _s(r, AL + "-_", 40),
    "auth0_secret": lambda r: _s(r, AL + "-_", 64),
    "kc_secret": lambda r: _s(r, AL, 32),
    "openai": lambda r: "sk-proj-" + _s(r, AL + "-_", 74) + "T3BlbkFJ" + _s(r, AL + "-_", 74),
    "anthropic": lambda r: "sk-ant-api03-" + _s(r, AL + "-_", 93) + "AA",
    "hf_tok": lambda r: "hf_" + _s(r, LETTERS, 34),
    "cf_token": lambda r: _s(r, AL + "-_", 40),
    "do_tok": lambda r: "dop_v1_" + _s(r, HX, 64),
    "netlify": lambda r: "nfp_" + _s(r, AL, 36),
    "databricks": lambda r: "dapi" + _s(r, HX, 32),
    "sonar": lambda r: "squ_" + _s(r, HX, 40),
    "circle_pat": lambda r: "CCIPAT_" + _s(r, AL, 22) + "_" + _s(r, HX, 40),
    "jenkins_enc": lambda r: "AQAAABAAAAAQ" + _s(r, B64A, 44) + "=",
    "argo_pw": lambda r: _s(r, AL + "-", 15) + str(r.randint(0, 9)),
    "quay_tok": lambda r: _s(r, UP + DG, 64),
    "ecr_pw": lambda r: "eyJwYXlsb2FkIjoi" + _s(r, B64A, 400) + "==",
    "jfrog_key": lambda r: "AKCp8" + _s(r, AL, 68),
    "nuget_key": lambda r: "oy2" + _s(r, LAN, 43),
    "dd_api": lambda r: _s(r, HX, 32),
    "dd_app": lambda r: _s(r, HX, 40),
    "nr_license": lambda r: _s(r, HX, 36) + "NRAL",
    "nr_ingest": lambda r: "NRII-" + _s(r, AL + "-_", 32),
    "glc": lambda r: "glc_eyJvIjoi" + _s(r, AL, 100) + "fQ==",
    "glsa": lambda r: "glsa_" + _s(r, AL, 32) + "_" + _s(r, HX, 8),
    "hc_key": lambda r: _s(r, AL, 22),
    "pd_api": lambda r: "u+" + _s(r, AL + "_-", 18),
    "tg_bot": lambda r: f"{_nz(r, 10)}:AA{_s(r, AL + '-_', 33)}",
    "discord_tok": lambda r: _s(r, AL + "-_", 68),
    "ts_key": lambda r: "tskey-auth-k" + _s(r, AL, 10) + "CNTRL-" + _s(r, AL, 33),
    "ngrok": lambda r: "2" + _s(r, AL, 26) + "_" + _s(r, AL, 21),
    "minio_secret": lambda r: _s(r, AL, 40),
    "b2_key": lambda r: "K005" + _s(r, AL, 27),
    "rclone_obs": lambda r: _s(r, AL + "-_", 42),
    "cc_secret": lambda r: _s(r, AL + "+/", 64),
    "nkey_seed": lambda r: "SUA" + _s(r, B32A, 55),
    "erl_cookie": lambda r: _s(r, UP, 20),
    "influx_tok": lambda r: _s(r, AL + "-_", 86) + "==",
    "bootstrap": lambda r: _s(r, LO[:6] + DG, 6) + "." + _s(r, LAN, 16),
    "eks_token": lambda r: "k8s-aws-v1.aHR0cHM6Ly9zdHMu" + _s(r, B64U, 380),
    "ocp_token": lambda r: "sha256~" + _s(r, AL + "-_", 43),
    "clientkey_b64": lambda r: (
        "LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQpNSUlF" + _s(r, B64A, 300) + "="
    ),
    "tlskey_b64": lambda r: "LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCk1JSUV2" + _s(r, B64A, 300),
    "rsa_first": lambda r: "MIIEow" + r.choice("IJ") + "BAAKCAQEA" + _s(r, B64A, 48),
    "pem64": lambda r: _s(r, B64A, 64),
    "pem70": lambda r: _s(r, B64A, 70),
    "pem_tail": lambda r: _s(r, B64A, r.randint(20, 60)) + r.choice(["", "=", "=="]),
    "pk8_first": lambda r: "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQ" + _s(r, B64A, 14),
    "pk8_oneline": lambda r: (
        "MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQ" + _s(r, B64A, 320)
    ),
    "ec_first": lambda r: "MHcCAQEEI" + _s(r, B64A, 55),
    "ec_tail": lambda r: _s(r, B64A, 22) + "==",
    "pgp_first": lambda r: "lQdGBG" + _s(r, B64A, 58),
    "age_key": lambda r: "AGE-SECRET-KEY-1" + _s(r, BECH.upper(), 58),
    "wg_key": lambda r: _b64n(r, 32),
    "totp": lambda r: _s(r, B32A, r.choice([16, 32])),
    "cisco9": lambda r: "$9$" + _s(r, AL + "./", 14) + "$" + _s(r, AL + "./", 43),
    "cisco7": lambda r: _s(r, "01", 1) + _s(r, DG, 1) + _s(r, HXU, 2 * r.randint(6, 11)),
    "junos9": lambda r: "$9$" + _s(r, AL + "./-", r.randint(22, 40)),
    "sha512crypt": lambda r: "$6$" + _s(r, AL + "./", 16) + "$" + _s(r, AL + "./", 86),
    "apr1": lambda r: "$apr1$" + _s(r, AL + "./", 8) + "$" + _s(r, AL + "./", 22),
    "bcrypt": lambda r: "$2a$14$" + _s(r, AL + "./", 53),
    "cpassword": lambda r: _s(r, B64A, 43),
    "snmp_comm": lambda r: _s(r, AL, 4) + r.choice("-_") + _s(r, AL, 8) + str(r.randint(0, 9)),
    "psk": lambda r: _s(r, AL + "+/", 32),
    "forti_enc": lambda r: _s(r, B64A, 112) + "=",
    "pan_key": lambda r: "LUFRPT1" + _s(r, B64A, 80) + "==",
    "laps_pw": lambda r: _s(r, AL + "!#%+&", 19) + str(r.randint(0, 9)),
    "bitlocker": lambda r: "-".join(_s(r, DG, 6) for _ in range(8)),
    "gapp": lambda r: " ".join(_s(r, LO, 4) for _ in range(4)),
    "ses_smtp": lambda r: "B" + _s(r, AL + "+/", 43),
    "django_key": lambda r: r.choice(["", "django-insecure-"]) + _s(r, LAN + "!@#$%^&*(-_=+)", 50),
    "wp_salt": lambda r: _s(r, AL + "!@#$%^&*()-_[]{}<>~+=,.;:/?|", 64),
    "fernet": lambda r: base64.urlsafe_b64encode(_bytes(r, 32)).decode(),
    "cookie_secret": lambda r: _b64un(r, 32),
    "jsessionid": lambda r: _s(r, HXU, 32) + r.choice(["", ".node1", ".worker2"]),
    "phpsessid": lambda r: _s(r, LAN, 26),
    "connect_sid": lambda r: (
        "s%3A" + _s(r, AL + "-_", 32) + "." + urllib.parse.quote(_b64n(r, 32).rstrip("="), safe="")
    ),
    "rails_cookie": lambda r: _s(r, AL, 160) + "%3D%3D--" + _s(r, HX, 40),
    "aspnet_cookie": lambda r: "CfDJ8" + _s(r, AL + "-_", 300),
    "laravel_cookie": lambda r: "eyJpdiI6I" + _s(r, AL, 200) + "%3D",
    "flask_cookie": lambda r: (
        "eyJ" + _s(r, AL + "-_", 40) + "." + _s(r, AL + "-_", 6) + "." + _s(r, AL + "-_", 27)
    ),
    "aspnet_sid": lambda r: _s(r, LO + "012345", 24),
    "ms_refresh": lambda r: "0.A" + _s(r, AL + "-_", 300),
    "op_sa": lambda r: "ops_eyJzaWduSW5BZGRyZXNzIjoi" + _s(r, AL, 200),
    "bw_session": lambda r: _b64n(r, 64),
    "vault_dbpw": lambda r: "A1a-" + _s(r, AL, 16),
    "suuid": _uuid,
    "SUUID": lambda r: _uuid(r).upper(),
    "unleash": lambda r: "*:production." + _s(r, HX, 56),
    "flagsmith": lambda r: "ser." + _s(r, AL, 22),
    "statsig": lambda r: "secret-" + _s(r, AL, 43),
    "posthog": lambda r: "phx_" + _s(r, AL, 43),
    "ld_sdk": lambda r: "sdk-" + _uuid(r),
    "sntryu": lambda r: "sntryu_" + _s(r, HX, 64),
    "fcm_key": lambda r: "AAAA" + _s(r, AL + "-_", 7) + ":APA91b" + _s(r, AL + "-_", 134),
    "planetscale": lambda r: "pscale_pw_" + _s(r, AL + "-_", 43),
    "octopus": lambda r: "API-" + _s(r, UP + DG, 26),
    "recov_gh": lambda r: _s(r, HX, 5) + "-" + _s(r, HX, 5),
    "recov_gl": lambda r: _s(r, HX, 16),
    "scratch": lambda r: _nz(r, 8),
    "gchat_tok": lambda r: _s(r, AL + "-_", 43) + "%3D",
    "glcbt": lambda r: "glcbt-" + _s(r, AL + "-_", 20),
    "gcs_hmac": lambda r: _s(r, B64A, 40),
    "totp32": lambda r: _s(r, B32A, 32),
    "ga_secret": lambda r: _s(r, B32A, 26),
    "HEX2": lambda r: _s(r, HXU, 2),
    "num1": lambda r: str(r.randint(1, 9)),
}


def _date_kid(r: random.Random) -> str:
    return f"{r.randint(2024, 2026)}-{r.randint(1, 12):02d}-signing"


_SIMPLE_RE = re.compile(r"(hex|HEX|al|lo|up|ua|dg|b64u|b64|b32|lan|num)(\d+)")
_BYTES_RE = re.compile(r"(b64k|b64uk|b64uknp)(\d+)")
_SIMPLE_ALPHA = {
    "hex": HX,
    "HEX": HXU,
    "al": AL,
    "lo": LO,
    "up": UP,
    "ua": UP + DG,
    "dg": DG,
    "b64u": B64U,
    "b64": B64A,
    "b32": B32A,
    "lan": LAN,
}


def _gen(kind: str, r: random.Random) -> str:
    fn = KINDS.get(kind)
    if fn is not None:
        return fn(r)
    m = _SIMPLE_RE.fullmatch(kind)
    if m:
        n = int(m.group(2))
        if m.group(1) == "num":
            return _nz(r, n)
        return _s(r, _SIMPLE_ALPHA[m.group(1)], n)
    m = _BYTES_RE.fullmatch(kind)
    if m:
        n = int(m.group(2))
        if m.group(1) == "b64k":
            return _b64n(r, n)
        if m.group(1) == "b64uk":
            return base64.urlsafe_b64encode(_bytes(r, n)).decode()
        return _b64un(r, n)
    raise KeyError(f"unknown kind {kind!r}")


# --------------------------------------------------------------------------- encodings usable in templates
def _b64(s: str) -> str:
    return base64.b64encode(s.encode()).decode()


def _b64u(s: str) -> str:
    return base64.urlsafe_b64encode(s.encode()).decode().rstrip("=")


HELPERS: dict[str, object] = {
    "b64": _b64,
    "b64u": _b64u,
    "url": lambda s: urllib.parse.quote(s, safe=""),
    "hexenc": lambda s: s.encode().hex().upper(),
    "plain": lambda u, p: _b64("\0" + u + "\0" + p),
    "qp": lambda s: quopri.encodestring(s.encode()).decode().replace("=\n", ""),
    "uesc": lambda s: s.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e"),
    "xmlesc": lambda s: s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"),
    "shesc": lambda s: re.sub(r"([^A-Za-z0-9_.,/:=@+-])", r"\\\1", s),
    "javaesc": lambda s: "".join(c if ord(c) < 128 else f"\\u{ord(c):04x}" for c in s),
    "utf16b64": lambda s: base64.b64encode(s.encode("utf-16-le")).decode(),
    "jesc": lambda s: json.dumps(s)[1:-1],
    "len": len,
    "str": str,
}
_EVAL_GLOBALS = {"__builtins__": {}, **HELPERS}
_PH = re.compile(r"⟦([!+]?)(.+?)⟧")
_TAG = re.compile(r"(.+?)_(\d+)")


class _Slots(dict):
    def __init__(self, r: random.Random) -> None:
        super().__init__()
        self.r = r

    def __missing__(self, key: str) -> str:
        if key in HELPERS:
            raise KeyError(key)
        kind = key
        m = _TAG.fullmatch(key)
        if key not in KINDS and m:
            kind = m.group(1)
        value = _gen(kind, self.r)
        self[key] = value
        return value


def _render(
    lines: tuple[str, ...], r: random.Random
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    slots = _Slots(r)
    marked: dict[str, list[str]] = {"!": [], "+": []}
    out = []
    for line in lines:

        def sub(m: re.Match[str]) -> str:
            v = str(eval(m.group(2), _EVAL_GLOBALS, slots))
            if m.group(1) and v not in marked[m.group(1)]:
                marked[m.group(1)].append(v)
            return v

        out.append(_PH.sub(sub, line))
    return tuple(out), tuple(marked["!"]), tuple(marked["+"])


_TEMPLATES: list[tuple[str, str, tuple[str, ...]]] = []
_KEEPS: list[tuple[str, tuple[str, ...]]] = []


def T(family: str, fmt: str, *lines: str) -> None:
    _TEMPLATES.append((family, fmt, lines))


def K(fmt: str, *lines: str) -> None:
    _KEEPS.append((fmt, lines))


# =========================================================================== CASE TEMPLATES
# ---- k8s_secrets
F = "k8s_secrets"
T(
    F,
    "kubectl-get-secret-yaml",
    "$ kubectl -n ⟦ns⟧ get secret ⟦app⟧-db -o yaml",
    "apiVersion: v1",
    "data:",
    "  DB_PASSWORD: ⟦!b64(pw)⟧",
    "  DB_USER: ⟦b64(user)⟧",
    "kind: Secret",
    "type: Opaque",
)
T(
    F,
    "kubectl-create-secret-cmd",
    "kubectl create secret generic ⟦app⟧-api -n ⟦ns⟧ --from-literal=STRIPE_API_KEY=⟦!stripe_sk⟧ --from-literal=WEBHOOK_SECRET=⟦!whsec⟧ --dry-run=client -o yaml | kubectl apply -f -",
)
T(
    F,
    "git-diff-stringdata",
    "diff --git a/deploy/⟦app⟧/secret.yaml b/deploy/⟦app⟧/secret.yaml",
    "@@ -6,3 +6,3 @@ stringData:",
    '-  REDIS_PASSWORD: "changeme"',
    '+  REDIS_PASSWORD: "⟦!pw⟧"',
    "   REDIS_HOST: ⟦host⟧",
)
T(
    F,
    "kubectl-describe-pod-env",
    "    Environment:",
    "      SPRING_PROFILES_ACTIVE:      prod",
    "      SPRING_DATASOURCE_USERNAME:  ⟦user⟧",
    "      SPRING_DATASOURCE_PASSWORD:  ⟦!pw⟧",
    "      JAVA_OPTS:                   -Xmx1g -XX:+UseG1GC",
)
T(
    F,
    "helm-get-values",
    "$ helm get values ⟦app⟧-pg -n ⟦ns⟧",
    "USER-SUPPLIED VALUES:",
    "auth:",
    "  postgresPassword: ⟦!pw_1⟧",
    "  replicationPassword: ⟦!pw_2⟧",
    "image:",
    "  tag: ⟦ver⟧",
)
T(
    F,
    "dockerconfigjson-decoded",
    r"$ kubectl get secret regcred -n ⟦ns⟧ -o jsonpath='{.data.\.dockerconfigjson}' | base64 -d",
    '{"auths":{"⟦registry⟧":{"username":"⟦user⟧","password":"⟦!pw⟧","auth":"⟦!b64(user+\':\'+pw)⟧"}}}',
)
T(
    F,
    "kubectl-get-secret-json-tls",
    '    "apiVersion": "v1",',
    '    "data": {',
    '        "tls.crt": "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUZhekNDQkZPZ0F3SUJBZ0lTQk...",',
    '        "tls.key": "⟦!tlskey_b64⟧"',
    "    },",
    '    "kind": "Secret",',
)
T(
    F,
    "go-template-decode",
    """$ kubectl get secret ⟦app⟧-env -o go-template='{{range $k,$v := .data}}{{$k}}={{$v|base64decode}}{{"\\n"}}{{end}}'""",
    "AMQP_URL=amqp://⟦user⟧:⟦!urlpw⟧@rabbitmq.⟦ns⟧.svc:5672/⟦vhost⟧",
    "JWT_SIGNING_KEY=⟦!hex64⟧",
    "LOG_LEVEL=info",
)
T(
    F,
    "kubectl-exec-env-grep",
    "$ kubectl exec -n ⟦ns⟧ ⟦pod⟧ -- env | grep -i -e pass -e key",
    "MYSQL_ROOT_PASSWORD=⟦!pw_1⟧",
    "MYSQL_PASSWORD=⟦!pw_2⟧",
    "MINIO_SECRET_KEY=⟦!minio_secret⟧",
)
T(
    F,
    "encryption-configuration",
    "kind: EncryptionConfiguration",
    "resources:",
    "  - resources: [secrets]",
    "    providers:",
    "      - aescbc:",
    "          keys:",
    "            - name: key-⟦date⟧",
    "              secret: ⟦!b64k32⟧",
)

# ---- kubeconfig_sa
F = "kubeconfig_sa"
T(
    F,
    "kubeconfig-user-token",
    "users:",
    "- name: ⟦cluster⟧-admin",
    "  user:",
    "    token: ⟦!sa_jwt⟧",
)
T(
    F,
    "kubeconfig-client-key-data",
    "- name: kubernetes-admin",
    "  user:",
    "    client-certificate-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSURJVENDQWdtZ0F3SUJBZ0lJ...",
    "    client-key-data: ⟦!clientkey_b64⟧",
)
T(
    F,
    "kubeadm-join-control-plane",
    "  kubeadm join ⟦ip⟧:6443 --token ⟦!bootstrap⟧ \\",
    "        --discovery-token-ca-cert-hash sha256:⟦hex64⟧ \\",
    "        --control-plane --certificate-key ⟦!hex64_2⟧",
)
T(
    F,
    "kubectl-create-token",
    "$ kubectl -n ⟦ns⟧ create token ⟦app⟧-deployer --duration=24h",
    "⟦!sa_jwt⟧",
)
T(
    F,
    "pod-sa-token-echo",
    "root@⟦pod⟧:/# TOKEN=$(cat /var/run/secrets/kubernetes.io/serviceaccount/token)",
    "root@⟦pod⟧:/# echo $TOKEN",
    "⟦!sa_jwt⟧",
)
T(
    F,
    "bootstrap-kubeconfig",
    "apiVersion: v1",
    "kind: Config",
    "users:",
    "- name: tls-bootstrap-token-user",
    "  user:",
    "    token: ⟦!bootstrap⟧",
)
T(
    F,
    "kubectl-describe-sa-token-secret",
    "Name:         ⟦app⟧-token-⟦lan5⟧",
    "Namespace:    ⟦ns⟧",
    "Type:  kubernetes.io/service-account-token",
    "Data",
    "====",
    "ca.crt:     1099 bytes",
    "namespace:  ⟦len(ns)⟧ bytes",
    "token:      ⟦!sa_jwt⟧",
)
T(
    F,
    "aws-eks-get-token",
    '{"kind": "ExecCredential", "apiVersion": "client.authentication.k8s.io/v1beta1", "spec": {}, "status": {"expirationTimestamp": "⟦ts⟧", "token": "⟦!eks_token⟧"}}',
)
T(
    F,
    "oc-login-token",
    "$ oc login --token=⟦!ocp_token⟧ --server=https://api.⟦cluster⟧.⟦domain⟧:6443",
    'Logged into "https://api.⟦cluster⟧.⟦domain⟧:6443" as "⟦user⟧" using the token provided.',
)
T(
    F,
    "argocd-cluster-secret-config",
    "  name: ⟦cluster⟧",
    "  server: https://⟦ip⟧:6443",
    """  config: '{"bearerToken":"⟦!sa_jwt⟧","tlsClientConfig":{"insecure":false,"caData":"LS0tLS1CRUdJTi..."}}'""",
)

# ---- aws
F = "aws"
T(
    F,
    "aws-credentials-file",
    "[⟦profile⟧]",
    "aws_access_key_id = ⟦akia⟧",
    "aws_secret_access_key = ⟦!aws_secret⟧",
    "region = ⟦region⟧",
)
T(
    F,
    "sts-assume-role-json",
    "{",
    '    "Credentials": {',
    '        "AccessKeyId": "⟦asia⟧",',
    '        "SecretAccessKey": "⟦!aws_secret⟧",',
    '        "SessionToken": "⟦!aws_session⟧",',
    '        "Expiration": "⟦ts⟧"',
    "    },",
)
T(
    F,
    "aws-env-export",
    "export AWS_ACCESS_KEY_ID=⟦akia⟧ AWS_SECRET_ACCESS_KEY=⟦!aws_secret⟧ AWS_DEFAULT_REGION=⟦region⟧",
)
T(
    F,
    "secretsmanager-get-secret-value",
    "$ aws secretsmanager get-secret-value --secret-id prod/⟦app⟧/db --query SecretString --output text",
    '{"username":"⟦user⟧","password":"⟦!pw⟧","engine":"postgres","host":"⟦host⟧","port":5432,"dbname":"⟦db⟧"}',
)
T(
    F,
    "ssm-get-parameter",
    "$ aws ssm get-parameter --name /⟦app⟧/prod/stripe_secret_key --with-decryption",
    "{",
    '    "Parameter": {',
    '        "Name": "/⟦app⟧/prod/stripe_secret_key",',
    '        "Type": "SecureString",',
    '        "Value": "⟦!stripe_sk⟧",',
    '        "Version": 7,',
)
T(
    F,
    "ecs-task-definition-env",
    '            "environment": [',
    '                {"name": "AWS_SECRET_ACCESS_KEY", "value": "⟦!aws_secret⟧"},',
    '                {"name": "DATADOG_API_KEY", "value": "⟦!dd_api⟧"},',
    '                {"name": "LOG_LEVEL", "value": "info"}',
)
T(
    F,
    "s3-presigned-url-access-log",
    '⟦ip⟧ - - [⟦clf_ts⟧] "GET /⟦bucket⟧/exports/report.csv?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=⟦asia⟧%2F20261202%2F⟦region⟧%2Fs3%2Faws4_request&X-Amz-Date=20261202T200911Z&X-Amz-Expires=3600&X-Amz-Security-Token=⟦!url(aws_session)⟧&X-Amz-SignedHeaders=host&X-Amz-Signature=⟦!hex64⟧ HTTP/1.1" 200 48213',
)
T(
    F,
    "imds-security-credentials",
    "$ curl -s http://169.254.169.254/latest/meta-data/iam/security-credentials/⟦app⟧-role",
    "{",
    '  "Code" : "Success",',
    '  "Type" : "AWS-HMAC",',
    '  "AccessKeyId" : "⟦asia⟧",',
    '  "SecretAccessKey" : "⟦!aws_secret⟧",',
    '  "Token" : "⟦!aws_session⟧",',
)
T(
    F,
    "cfn-describe-stacks-params",
    '            "Parameters": [',
    '                {"ParameterKey": "DBMasterUsername", "ParameterValue": "⟦user⟧"},',
    '                {"ParameterKey": "DBMasterPassword", "ParameterValue": "⟦!pw⟧"}',
)
T(
    F,
    "lambda-get-function-configuration",
    '    "Environment": {',
    '        "Variables": {"SLACK_BOT_TOKEN": "⟦!slack_bot⟧", "STAGE": "prod", "TABLE": "⟦app⟧-events"}',
    "    },",
)

# ---- gcp
F = "gcp"
T(
    F,
    "service-account-key-json",
    "{",
    '  "type": "service_account",',
    '  "project_id": "⟦gproj⟧",',
    '  "private_key_id": "⟦hex40⟧",',
    r'  "private_key": "-----BEGIN PRIVATE KEY-----\n⟦!pk8_first⟧\n⟦!pem64⟧\n⟦!pem64_2⟧\n-----END PRIVATE KEY-----\n",',
    '  "client_email": "⟦app⟧@⟦gproj⟧.iam.gserviceaccount.com",',
)
T(
    F,
    "gcloud-print-access-token",
    "$ gcloud auth print-access-token --impersonate-service-account=⟦app⟧@⟦gproj⟧.iam.gserviceaccount.com",
    "WARNING: This command is using service account impersonation.",
    "⟦!ya29⟧",
)
T(
    F,
    "maps-api-key-in-url-log",
    "⟦ts⟧ INFO geocoder GET https://maps.googleapis.com/maps/api/geocode/json?address=Hauptstr.+5%2C+Berlin&key=⟦!gcp_apikey⟧ -> 200 (⟦ms⟧ms)",
)
T(
    F,
    "gcloud-hmac-create",
    "$ gcloud storage hmac create ⟦app⟧@⟦gproj⟧.iam.gserviceaccount.com",
    "metadata:",
    "  accessId: GOOG1E⟦up55⟧",
    "  state: ACTIVE",
    "secret: ⟦!gcs_hmac⟧",
)
T(
    F,
    "oauth-client-secret-json",
    '{"web":{"client_id":"⟦num12⟧-⟦lan32⟧.apps.googleusercontent.com","project_id":"⟦gproj⟧","auth_uri":"https://accounts.google.com/o/oauth2/auth","client_secret":"⟦!gocspx⟧","redirect_uris":["https://⟦app⟧.⟦domain⟧/oauth2/callback"]}}',
)
T(
    F,
    "gcloud-sql-set-password",
    "gcloud sql users set-password postgres --instance=⟦app⟧-pg --project=⟦gproj⟧ --password='⟦!pw⟧'",
)
T(
    F,
    "cloud-run-describe-env",
    "      containers:",
    "      - env:",
    "        - name: SENDGRID_API_KEY",
    "          value: ⟦!sendgrid⟧",
    "        - name: GOOGLE_CLOUD_PROJECT",
    "          value: ⟦gproj⟧",
)
T(
    F,
    "fcm-legacy-curl",
    'curl -X POST -H "Authorization: key=⟦!fcm_key⟧" -H "Content-Type: application/json" https://fcm.googleapis.com/fcm/send -d @payload.json',
)
T(
    F,
    "gcloud-secrets-access",
    "$ gcloud secrets versions access latest --secret=⟦app⟧-jwt-signing-key --project=⟦gproj⟧",
    "⟦!hex64⟧",
)
T(
    F,
    "application-default-credentials",
    "$ cat ~/.config/gcloud/application_default_credentials.json",
    "{",
    '  "client_id": "⟦num12⟧-⟦lan32⟧.apps.googleusercontent.com",',
    '  "client_secret": "⟦!gocspx⟧",',
    '  "refresh_token": "⟦!g_refresh⟧",',
    '  "type": "authorized_user"',
    "}",
)

# ---- azure
F = "azure"
T(
    F,
    "storage-connection-string",
    "AZURE_STORAGE_CONNECTION_STRING=DefaultEndpointsProtocol=https;AccountName=⟦stacct⟧;AccountKey=⟦!az_key88⟧;EndpointSuffix=core.windows.net",
)
T(
    F,
    "sas-url-in-log",
    "⟦ts⟧ ERROR upload failed: 403 AuthorizationPermissionMismatch url=https://⟦stacct⟧.blob.core.windows.net/⟦container⟧/db-⟦date⟧.bak?sv=2022-11-02&ss=b&srt=co&sp=rwdlacx&se=2026-12-31T00:00:00Z&st=2026-12-01T00:00:00Z&spr=https&sig=⟦!az_sig⟧",
)
T(
    F,
    "az-ad-sp-create-for-rbac",
    "$ az ad sp create-for-rbac --name ⟦app⟧-deployer --role Contributor --scopes /subscriptions/⟦uuid⟧",
    "{",
    '  "appId": "⟦uuid_2⟧",',
    '  "displayName": "⟦app⟧-deployer",',
    '  "password": "⟦!az_client_secret⟧",',
    '  "tenant": "⟦uuid_3⟧"',
    "}",
)
T(
    F,
    "servicebus-connection-string",
    '"ServiceBus": "Endpoint=sb://⟦app⟧-bus.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=⟦!b64k32⟧"',
)
T(
    F,
    "az-storage-account-keys-list-table",
    "$ az storage account keys list -g rg-⟦app⟧-prod -n ⟦stacct⟧ -o table",
    "KeyName    Permissions    Value",
    "---------  -------------  ----------------------------------------------------------------------------------------",
    "key1       FULL           ⟦!az_key88_1⟧",
    "key2       FULL           ⟦!az_key88_2⟧",
)
T(
    F,
    "webapp-appsettings-list",
    '  {"name": "ConnectionStrings__Sql", "slotSetting": false, "value": "Server=tcp:⟦app⟧-sql.database.windows.net,1433;Initial Catalog=⟦db⟧;User ID=⟦user⟧;Password=⟦!pw⟧;Encrypt=True;"},',
)
T(
    F,
    "ado-pat-git-remote",
    "origin  https://⟦user⟧:⟦!ado_pat⟧@dev.azure.com/⟦org⟧/⟦repo⟧/_git/⟦repo⟧ (fetch)",
    "origin  https://⟦user⟧:⟦!ado_pat⟧@dev.azure.com/⟦org⟧/⟦repo⟧/_git/⟦repo⟧ (push)",
)
T(
    F,
    "eventhubs-kafka-jaas",
    'sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="$ConnectionString" password="Endpoint=sb://⟦app⟧-eh.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=⟦!b64k32⟧";',
)
T(
    F,
    "keyvault-secret-show",
    "$ az keyvault secret show --vault-name kv-⟦app⟧-prod --name redis-primary-key --query value -o tsv",
    "⟦!b64k32⟧",
)
T(
    F,
    "function-key-url",
    "⟦ts⟧ POST https://⟦app⟧-func.azurewebsites.net/api/ingest?code=⟦!az_func_code⟧ -> 500 Internal Server Error",
)

# ---- database_cli
F = "database_cli"
T(
    F,
    "mysql-p-flag",
    '$ mysql -h ⟦host⟧ -u ⟦user⟧ -p⟦!pw⟧ ⟦db⟧ -e "SHOW FULL PROCESSLIST"',
    "mysql: [Warning] Using a password on the command line interface can be insecure.",
)
T(
    F,
    "pgpassword-psql",
    "PGPASSWORD='⟦!pw⟧' psql -h ⟦host⟧ -U ⟦user⟧ -d ⟦db⟧ -c 'select pid, state, query from pg_stat_activity'",
)
T(
    F,
    "mongosh-srv-uri",
    'mongosh "mongodb+srv://⟦user⟧:⟦!urlpw⟧@⟦app⟧.⟦lan5⟧.mongodb.net/⟦db⟧?retryWrites=true&w=majority"',
)
T(
    F,
    "redis-cli-a",
    "$ redis-cli -h ⟦host⟧ -p 6379 -a '⟦!pw⟧' --no-auth-warning INFO replication",
    "# Replication",
    "role:master",
    "connected_slaves:2",
)
T(F, "sqlcmd-P", 'sqlcmd -S ⟦host⟧,1433 -U sa -P "⟦!pw⟧" -Q "SELECT @@VERSION"')
T(
    F,
    "sqlplus-connect",
    "$ sqlplus ⟦user⟧/⟦!urlpw⟧@//⟦host⟧:1521/ORCLPDB1",
    "SQL*Plus: Release 19.0.0.0.0 - Production on Tue Dec 2 20:09:11 2026",
)
T(F, "cqlsh-u-p", "cqlsh ⟦host⟧ 9042 -u cassandra -p ⟦!pw⟧ --ssl -e 'DESCRIBE KEYSPACES'")
T(
    F,
    "clickhouse-client",
    'clickhouse-client --host ⟦host⟧ --secure --user ⟦user⟧ --password ⟦!pw⟧ --query "SYSTEM FLUSH LOGS"',
)
T(
    F,
    "ps-mysqldump",
    "$ ps -eo user,pid,args | grep [m]ysqldump",
    "backup   ⟦pid⟧ /usr/bin/mysqldump --user=⟦user⟧ --password=⟦!pw⟧ --single-transaction --routines ⟦db⟧",
)
T(
    F,
    "influx-config-create",
    "influx config create --config-name prod --host-url https://⟦host⟧:8086 --org ⟦org⟧ --token ⟦!influx_tok⟧ --active",
)

# ---- connection_strings
F = "connection_strings"
T(
    F,
    "jdbc-url-app-log",
    "⟦ts⟧ WARN  [main] c.z.h.HikariConfig : jdbcUrl=jdbc:postgresql://⟦host⟧:5432/⟦db⟧?user=⟦user⟧&password=⟦!urlpw⟧&sslmode=require",
)
T(
    F,
    "adonet-connection-string",
    '"DefaultConnection": "Server=⟦host⟧;Database=⟦db⟧;User Id=⟦user⟧;Password=⟦!pw⟧;TrustServerCertificate=True;MultipleActiveResultSets=true"',
)
T(
    F,
    "sqlalchemy-uri-config",
    'SQLALCHEMY_DATABASE_URI = "postgresql+psycopg2://⟦user⟧:⟦!urlpw⟧@⟦host⟧:5432/⟦db⟧"',
    "SQLALCHEMY_POOL_SIZE = 20",
)
T(
    F,
    "django-databases-dict",
    "DATABASES = {",
    '    "default": {',
    '        "ENGINE": "django.db.backends.postgresql",',
    '        "NAME": "⟦db⟧",',
    '        "USER": "⟦user⟧",',
    '        "PASSWORD": "⟦!pw⟧",',
    '        "HOST": "⟦host⟧",',
)
T(F, "pgpass-file", "$ cat ~/.pgpass", "⟦host⟧:5432:*:⟦user⟧:⟦!pw_1⟧", "*:*:*:replicator:⟦!pw_2⟧")
T(
    F,
    "my-cnf-client",
    "[client]",
    "user=⟦user⟧",
    'password="⟦!pw⟧"',
    "host=⟦host⟧",
    "default-character-set=utf8mb4",
)
T(
    F,
    "go-mysql-dsn",
    '	dsn := "⟦user⟧:⟦!urlpw⟧@tcp(⟦host⟧:3306)/⟦db⟧?parseTime=true&tls=preferred"',
)
T(
    F,
    "sidekiq-redis-url",
    '⟦ts⟧ pid=⟦pid⟧ tid=⟦lan4⟧ INFO: Booting Sidekiq 6.5.12 with Sidekiq::RedisConnection::RedisAdapter options {:url=>"redis://:⟦!urlpw⟧@⟦host⟧:6379/0"}',
)
T(
    F,
    "odbc-ini",
    "[prod_mssql]",
    "Driver = ODBC Driver 18 for SQL Server",
    "Server = ⟦host⟧,1433",
    "UID = ⟦user⟧",
    "PWD = ⟦!pw⟧",
    "Encrypt = yes",
)
T(
    F,
    "ecto-config-exs",
    "config :⟦app_us⟧, ⟦AppMod⟧.Repo,",
    '  username: "⟦user⟧",',
    '  password: "⟦!pw⟧",',
    '  hostname: "⟦host⟧",',
    "  pool_size: 10",
)

# ---- caches_brokers
F = "caches_brokers"
T(
    F,
    "redis-conf",
    "bind 0.0.0.0",
    "protected-mode yes",
    "requirepass ⟦!pw_1⟧",
    "masterauth ⟦!pw_2⟧",
    "maxmemory 4gb",
)
T(
    F,
    "rabbitmqctl-add-user",
    "$ rabbitmqctl add_user ⟦user⟧ '⟦!pw⟧'",
    'Adding user "⟦user⟧" ...',
    "Done. Don't forget to grant the user permissions to some virtual hosts! See 'rabbitmqctl help set_permissions' to learn more.",
)
T(F, "erlang-cookie-cat", "$ sudo cat /var/lib/rabbitmq/.erlang.cookie", "⟦!erl_cookie⟧")
T(
    F,
    "kafka-scram-jaas",
    "security.protocol=SASL_SSL",
    "sasl.mechanism=SCRAM-SHA-512",
    'sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="⟦user⟧" password="⟦!pw⟧";',
)
T(
    F,
    "confluent-cloud-client-properties",
    "bootstrap.servers=pkc-⟦lan5⟧.⟦region⟧.aws.confluent.cloud:9092",
    "security.protocol=SASL_SSL",
    "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username='⟦cc_key⟧' password='⟦!cc_secret⟧';",
)
T(
    F,
    "nats-creds-file",
    "-----BEGIN NATS USER JWT-----",
    "eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.eyJqdGkiOi...",
    "------END NATS USER JWT------",
    "-----BEGIN USER NKEY SEED-----",
    "⟦!nkey_seed⟧",
    "------END USER NKEY SEED------",
)
T(
    F,
    "celeryconfig-py",
    'broker_url = "amqp://⟦user⟧:⟦!urlpw_1⟧@⟦host⟧:5672/⟦vhost⟧"',
    'result_backend = "redis://:⟦!urlpw_2⟧@⟦host_2⟧:6379/1"',
)
T(
    F,
    "activemq-simple-auth-xml",
    "<simpleAuthenticationPlugin>",
    "  <users>",
    '    <authenticationUser username="⟦user⟧" password="⟦!pw⟧" groups="admins,publishers,consumers"/>',
    "  </users>",
    "</simpleAuthenticationPlugin>",
)
T(
    F,
    "redis-monitor-auth",
    "$ redis-cli -h ⟦host⟧ MONITOR | head -3",
    '⟦epoch⟧.204117 [0 ⟦ip⟧:51234] "AUTH" "⟦user⟧" "⟦!pw⟧"',
    '⟦epoch⟧.204311 [0 ⟦ip⟧:51234] "SELECT" "2"',
)
T(
    F,
    "pulsar-client-conf",
    "webServiceUrl=https://pulsar.⟦domain⟧:8443/",
    "authPlugin=org.apache.pulsar.client.impl.auth.AuthenticationToken",
    "authParams=token:⟦!jwt_hs⟧",
)

# ---- ci_cd
F = "ci_cd"
T(
    F,
    "gha-set-x-curl",
    "2026-12-02T20:09:11.1234567Z + curl -sf -H 'Authorization: token ⟦!ghp⟧' https://api.github.com/repos/⟦org⟧/⟦repo⟧/releases/latest",
    "2026-12-02T20:09:11.9934567Z curl: (22) The requested URL returned error: 404",
)
T(
    F,
    "gitlab-job-helm-set",
    "$ helm upgrade --install ⟦app⟧ ./chart --namespace ⟦ns⟧ --set db.password=⟦!pw⟧ --set image.tag=⟦short⟧ --wait",
    'Release "⟦app⟧" has been upgraded. Happy Helming!',
)
T(
    F,
    "jenkins-console-docker-login",
    "[Pipeline] sh",
    "+ docker login -u ⟦user⟧ -p ⟦!dckr_pat⟧ docker.io",
    "WARNING! Using --password via the CLI is insecure. Use --password-stdin.",
    "Login Succeeded",
)
T(
    F,
    "circleci-api-trigger",
    'curl -X POST https://circleci.com/api/v2/project/gh/⟦org⟧/⟦repo⟧/pipeline -H "Circle-Token: ⟦!circle_pat⟧" -H \'Content-Type: application/json\' -d \'{"branch":"main"}\'',
)
T(
    F,
    "gha-workflow-hardcoded-env",
    "    runs-on: ubuntu-22.04",
    "    env:",
    "      NPM_TOKEN: ⟦!npm_tok⟧",
    "      SONAR_TOKEN: ⟦!sonar⟧",
    "    steps:",
)
T(
    F,
    "jenkins-credentials-xml",
    "<com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl>",
    "  <scope>GLOBAL</scope>",
    "  <id>⟦app⟧-deploy</id>",
    "  <username>⟦user⟧</username>",
    "  <password>{⟦!jenkins_enc⟧}</password>",
    "</com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl>",
)
T(
    F,
    "argocd-initial-password",
    "$ argocd admin initial-password -n argocd",
    "⟦!argo_pw⟧",
    "",
    " This password must be only used for first time login. We strongly recommend you update the password using `argocd account update-password`.",
)
T(
    F,
    "gitlab-runner-register",
    "sudo gitlab-runner register --non-interactive --url https://gitlab.⟦domain⟧/ --token ⟦!glrt⟧ --executor docker --docker-image alpine:3.19",
)
T(
    F,
    "buildkite-agent-cfg",
    'token="⟦!hex50⟧"',
    'name="%hostname-%spawn"',
    'tags="queue=deploy,os=linux"',
)
T(
    F,
    "flux-create-secret-git",
    "flux create secret git ⟦app⟧-auth --url=https://github.com/⟦org⟧/⟦repo⟧ --username=git --password=⟦!ghp⟧ --namespace=flux-system",
)

# ---- vcs_tokens
F = "vcs_tokens"
T(
    F,
    "git-remote-v-token",
    "$ git remote -v",
    "origin\thttps://⟦user⟧:⟦!ghp⟧@github.com/⟦org⟧/⟦repo⟧.git (fetch)",
    "origin\thttps://⟦user⟧:⟦!ghp⟧@github.com/⟦org⟧/⟦repo⟧.git (push)",
)
T(
    F,
    "git-credentials-store",
    "$ cat ~/.git-credentials",
    "https://⟦user⟧:⟦!github_pat⟧@github.com",
    "https://oauth2:⟦!glpat⟧@gitlab.⟦domain⟧",
)
T(
    F,
    "git-auth-failed-url",
    "remote: Invalid credentials",
    "fatal: Authentication failed for 'https://⟦user⟧:⟦!bb_app⟧@bitbucket.org/⟦org⟧/⟦repo⟧.git/'",
)
T(
    F,
    "gh-auth-status-show-token",
    "$ gh auth status --show-token",
    "github.com",
    "  ✓ Logged in to github.com account ⟦user⟧ (keyring)",
    "  - Active account: true",
    "  - Git operations protocol: https",
    "  - Token: ⟦!gho⟧",
    "  - Token scopes: 'gist', 'read:org', 'repo', 'workflow'",
)
T(F, "goreleaser-env-token", "GITHUB_TOKEN=⟦!ghs⟧ goreleaser release --clean --timeout 60m")
T(F, "netrc-github", "machine github.com", "  login ⟦user⟧", "  password ⟦!ghp⟧")
T(
    F,
    "gitlab-deploy-token-clone",
    "git clone https://gitlab+deploy-token-⟦num4⟧:⟦!gldt⟧@gitlab.⟦domain⟧/⟦org⟧/⟦repo⟧.git /srv/⟦repo⟧",
)
T(
    F,
    "gitea-admin-token-create",
    "$ gitea admin user generate-access-token --username ⟦user⟧ --scopes write:repository",
    "Access token was successfully created: ⟦!hex40⟧",
)
T(
    F,
    "git-config-extraheader",
    "$ git config --list --show-origin | grep extraheader",
    "file:.git/config\thttp.https://github.com/.extraheader=AUTHORIZATION: basic ⟦!b64('x-access-token:'+ghs)⟧",
)
T(
    F,
    "github-app-private-key-head",
    "$ head -3 ⟦app⟧-bot.⟦date⟧.private-key.pem",
    "-----BEGIN RSA PRIVATE KEY-----",
    "⟦!rsa_first⟧",
    "⟦!pem64⟧",
)

# ---- package_registries
F = "package_registries"
T(
    F,
    "npmrc",
    "$ cat ~/.npmrc",
    "//registry.npmjs.org/:_authToken=⟦!npm_tok⟧",
    "@⟦org⟧:registry=https://npm.pkg.github.com",
    "//npm.pkg.github.com/:_authToken=⟦!ghp⟧",
)
T(
    F,
    "pypirc",
    "[distutils]",
    "index-servers = pypi",
    "[pypi]",
    "username = __token__",
    "password = ⟦!pypi_tok⟧",
)
T(
    F,
    "pip-conf-index-url",
    "[global]",
    "index-url = https://⟦user⟧:⟦!urlpw⟧@nexus.⟦domain⟧/repository/pypi-group/simple",
    "timeout = 60",
)
T(
    F,
    "maven-settings-xml",
    "    <server>",
    "      <id>⟦app⟧-releases</id>",
    "      <username>⟦user⟧</username>",
    "      <password>⟦!pw⟧</password>",
    "    </server>",
)
T(
    F,
    "gradle-properties",
    "org.gradle.jvmargs=-Xmx2g",
    "artifactoryUser=⟦user⟧",
    "artifactoryApiKey=⟦!jfrog_key⟧",
)
T(
    F,
    "dotnet-nuget-push",
    "dotnet nuget push bin/Release/*.nupkg --api-key ⟦!nuget_key⟧ --source https://api.nuget.org/v3/index.json",
)
T(F, "gem-credentials", "$ cat ~/.gem/credentials", "---", ":rubygems_api_key: rubygems_⟦!hex48⟧")
T(F, "cargo-credentials-toml", "[registry]", "token = \"⟦!'cio'+al32⟧\"")
T(
    F,
    "composer-auth-json",
    '{"http-basic": {"repo.packagist.com": {"username": "token", "password": "⟦!hex40⟧"}}, "github-oauth": {"github.com": "⟦!gho⟧"}}',
)
T(F, "poetry-config-http-basic", "poetry config http-basic.⟦app⟧ ⟦user⟧ '⟦!pw⟧'")

# ---- container_registries
F = "container_registries"
T(
    F,
    "docker-login-p",
    "$ docker login -u ⟦user⟧ -p '⟦!pw⟧' ⟦registry⟧",
    "WARNING! Using --password via the CLI is insecure. Use --password-stdin.",
    "Login Succeeded",
)
T(
    F,
    "docker-config-json",
    "$ cat ~/.docker/config.json",
    "{",
    '	"auths": {',
    '		"⟦registry⟧": {',
    '			"auth": "⟦!b64(user+\':\'+pw)⟧"',
    "		}",
)
T(F, "ecr-get-login-password", "$ aws ecr get-login-password --region ⟦region⟧", "⟦!ecr_pw⟧")
T(F, "podman-auth-json", '{"auths": {"quay.io": {"auth": "⟦!b64(org+\'+deployer:\'+quay_tok)⟧"}}}')
T(
    F,
    "harbor-robot-create",
    '{"id": ⟦num2⟧, "name": "robot$⟦app⟧+ci", "secret": "⟦!al32⟧", "creation_time": "⟦ts⟧", "expires_at": -1}',
)
T(
    F,
    "skopeo-copy-creds",
    "skopeo copy --src-creds ⟦user⟧:⟦!pw⟧ docker://⟦registry⟧/⟦app⟧:⟦ver⟧ docker://⟦registry_2⟧/⟦app⟧:⟦ver⟧",
)
T(
    F,
    "containerd-config-toml",
    '[plugins."io.containerd.grpc.v1.cri".registry.configs."⟦registry⟧".auth]',
    '  username = "⟦user⟧"',
    '  password = "⟦!pw⟧"',
)
T(
    F,
    "k3s-registries-yaml",
    "configs:",
    '  "⟦registry⟧":',
    "    auth:",
    "      username: ⟦user⟧",
    "      password: ⟦!pw⟧",
)
T(F, "ghcr-echo-login", "  418  echo ⟦!ghp⟧ | docker login ghcr.io -u ⟦user⟧ --password-stdin")
T(F, "quay-robot-login", 'docker login -u="⟦org⟧+deployer" -p="⟦!quay_tok⟧" quay.io')

# ---- http_auth_headers
F = "http_auth_headers"
T(
    F,
    "curl-v-bearer",
    "> GET /api/v1/orders?limit=50 HTTP/2",
    "> Host: api.⟦domain⟧",
    "> user-agent: curl/8.4.0",
    "> authorization: Bearer ⟦!jwt_rs⟧",
    "> accept: */*",
    "< HTTP/2 502",
)
T(
    F,
    "curl-v-basic",
    "> POST /v1/sync HTTP/1.1",
    "> Host: ⟦host⟧:8443",
    "> Authorization: Basic ⟦!b64(user+':'+pw)⟧",
    "> Content-Length: 512",
    "< HTTP/1.1 401 Unauthorized",
)
T(
    F,
    "httpie-x-api-key",
    "GET /v2/metrics?from=⟦epoch⟧ HTTP/1.1",
    "Accept: application/json",
    "Host: ingest.⟦domain⟧",
    "User-Agent: HTTPie/3.2.2",
    "X-Api-Key: ⟦!hex32⟧",
)
T(
    F,
    "python-http-client-send-debug",
    "send: b'POST /oauth/token HTTP/1.1\\r\\nHost: auth.⟦domain⟧\\r\\nAuthorization: Basic ⟦!b64(uuid+':'+al40)⟧\\r\\nContent-Type: application/x-www-form-urlencoded\\r\\n\\r\\n'",
    "reply: 'HTTP/1.1 400 Bad Request\\r\\n'",
)
T(
    F,
    "curl-u-history",
    " 1207  curl -u ⟦user⟧:⟦!pw⟧ -X POST https://jenkins.⟦domain⟧/job/⟦app⟧/buildWithParameters?ENV=prod",
)
T(
    F,
    "go-httputil-dumprequest",
    "POST /v1/charges HTTP/1.1",
    "Host: api.stripe.com",
    "Authorization: Bearer ⟦!stripe_sk⟧",
    "Idempotency-Key: ⟦uuid⟧",
    "Content-Type: application/x-www-form-urlencoded",
)
T(
    F,
    "https-proxy-env",
    "export https_proxy=http://⟦user⟧:⟦!urlpw⟧@proxy.⟦domain⟧:3128",
    "export no_proxy=localhost,127.0.0.1,.svc,.cluster.local",
)
T(
    F,
    "axios-error-headers",
    "AxiosError: Request failed with status code 403",
    "  config: {",
    "    url: 'https://api.⟦domain⟧/v3/shipments',",
    "    headers: { Accept: 'application/json', 'X-Auth-Token': '⟦!hex40⟧', 'User-Agent': 'axios/1.6.2' },",
)
T(
    F,
    "grpcurl-bearer",
    "grpcurl -H 'authorization: Bearer ⟦!jwt_rs⟧' -d '{\"order_id\": \"⟦uuid⟧\"}' ⟦host⟧:443 orders.v1.OrderService/GetOrder",
)
T(
    F,
    "access-log-query-token",
    '⟦ip⟧ - - [⟦clf_ts⟧] "GET /api/export?format=csv&access_token=⟦!al40⟧ HTTP/1.1" 200 48213 "-" "python-requests/2.31.0"',
)

# ---- web_server_proxy
F = "web_server_proxy"
T(
    F,
    "nginx-proxy-set-header-basic",
    "    location /internal/ {",
    "        proxy_pass http://⟦app⟧-upstream;",
    "        proxy_set_header Authorization \"Basic ⟦!b64(user+':'+pw)⟧\";",
    "    }",
)
T(F, "htpasswd-file", "$ cat /etc/nginx/.htpasswd", "⟦user⟧:⟦!apr1⟧", "⟦user_2⟧:⟦!apr1_2⟧")
T(
    F,
    "haproxy-stats-auth",
    "listen stats",
    "    bind *:8404",
    "    stats enable",
    "    stats uri /stats",
    "    stats auth ⟦user⟧:⟦!pw⟧",
)
T(
    F,
    "traefik-basicauth-label-compose",
    "    labels:",
    '      - "traefik.http.routers.⟦app⟧.rule=Host(`⟦app⟧.⟦domain⟧`)"',
    "      - \"traefik.http.middlewares.⟦app⟧-auth.basicauth.users=⟦user⟧:⟦!apr1.replace('$', '$$')⟧\"",
)
T(
    F,
    "envoy-request-headers-to-add",
    "        request_headers_to_add:",
    '        - header: {key: "x-internal-token", value: "⟦!hex40⟧"}',
    "          append_action: OVERWRITE_IF_EXISTS_OR_ADD",
)
T(F, "caddy-basicauth", "basicauth /admin/* {", "    ⟦user⟧ ⟦!bcrypt⟧", "}")
T(
    F,
    "apache-authldap-bind",
    '    AuthLDAPURL "ldaps://⟦host⟧/ou=people,dc=⟦dc⟧,dc=com?uid"',
    '    AuthLDAPBindDN "cn=⟦user⟧,ou=svc,dc=⟦dc⟧,dc=com"',
    '    AuthLDAPBindPassword "⟦!pw⟧"',
    "    Require ldap-group cn=ops,ou=groups,dc=⟦dc⟧,dc=com",
)
T(
    F,
    "kong-declarative-keyauth",
    "consumers:",
    "- username: ⟦app⟧",
    "  keyauth_credentials:",
    "  - key: ⟦!al32⟧",
)
T(
    F,
    "varnish-secret-file",
    "$ sudo cat /etc/varnish/secret",
    "⟦!suuid⟧",
    "$ varnishadm -T localhost:6082 -S /etc/varnish/secret ban req.url '~' /",
)
T(
    F,
    "nginx-ssl-password-file",
    'nginx: [emerg] cannot load certificate key "/etc/nginx/ssl/⟦app⟧.key": PEM_read_bio_PrivateKey() failed (SSL: error:1C800064:Provider routines::bad decrypt)',
    "$ cat /etc/nginx/ssl/passphrase.txt",
    "⟦!pw⟧",
)

# ---- session_cookies
F = "session_cookies"
T(
    F,
    "set-cookie-jsessionid",
    "< HTTP/1.1 302 Found",
    "< Set-Cookie: JSESSIONID=⟦!jsessionid⟧; Path=/; Secure; HttpOnly",
    "< Location: https://⟦app⟧.⟦domain⟧/dashboard",
)
T(F, "cookie-phpsessid", "Cookie: PHPSESSID=⟦!phpsessid⟧; _ga=GA1.2.⟦num9⟧.⟦epoch⟧; lang=de")
T(
    F,
    "connect-sid-debug-log",
    "⟦ts⟧ express-session saving ⟦al32⟧ cookie=connect.sid=⟦!connect_sid⟧; Path=/; HttpOnly",
)
T(
    F,
    "rails-session-cookie",
    'Started GET "/admin/accounts" for ⟦ip⟧ at 2026-12-02 20:09:11 +0000',
    "  HTTP_COOKIE: _⟦app_us⟧_session=⟦!rails_cookie⟧",
)
T(
    F,
    "aspnetcore-cookie",
    "set-cookie: .AspNetCore.Cookies=⟦!aspnet_cookie⟧; expires=Tue, 09 Dec 2026 20:09:11 GMT; path=/; secure; samesite=lax; httponly",
)
T(F, "laravel-session", "Cookie: XSRF-TOKEN=eyJpdiI6Ik1...%3D; laravel_session=⟦!laravel_cookie⟧")
T(
    F,
    "gitlab-session-cookie",
    "curl 'https://gitlab.⟦domain⟧/api/v4/projects?membership=true' -H 'Cookie: _gitlab_session=⟦!hex32⟧; preferred_language=en'",
)
T(
    F,
    "flask-session-cookie",
    '⟦ip⟧ - - [⟦clf_ts⟧] "GET /admin HTTP/1.1" 200 - cookie="session=⟦!flask_cookie⟧"',
)
T(
    F,
    "devtools-copy-as-curl",
    "curl 'https://⟦app⟧.⟦domain⟧/admin/users?page=2' \\",
    "  -H 'accept: application/json' \\",
    "  -H 'cookie: ⟦app_us⟧_sid=⟦!al48⟧; theme=dark' \\",
    "  -H 'x-requested-with: XMLHttpRequest'",
)
T(
    F,
    "keycloak-identity-cookie",
    "Cookie: KEYCLOAK_IDENTITY=⟦!jwt_hs⟧; KEYCLOAK_SESSION=⟦realm⟧/⟦uuid⟧/⟦uuid_2⟧; AUTH_SESSION_ID=⟦!uuid_3+'.'+lan8⟧",
)

# ---- identity_sso
F = "identity_sso"
T(
    F,
    "keycloak-realm-export-client",
    '    "clientId": "⟦app⟧",',
    '    "enabled": true,',
    '    "clientAuthenticatorType": "client-secret",',
    '    "secret": "⟦!kc_secret⟧",',
    '    "redirectUris": ["https://⟦app⟧.⟦domain⟧/*"],',
)
T(
    F,
    "okta-ssws-header",
    "curl -s -H 'Accept: application/json' -H 'Authorization: SSWS ⟦!okta⟧' 'https://⟦org⟧.okta.com/api/v1/users?limit=25'",
)
T(
    F,
    "auth0-deploy-cli-config",
    '{"AUTH0_DOMAIN": "⟦org⟧.eu.auth0.com", "AUTH0_CLIENT_ID": "⟦al32⟧", "AUTH0_CLIENT_SECRET": "⟦!auth0_secret⟧", "AUTH0_ALLOW_DELETE": false}',
)
T(
    F,
    "sssd-conf-ldap-bind",
    "[domain/⟦dc⟧.com]",
    "id_provider = ldap",
    "ldap_default_bind_dn = cn=⟦user⟧,ou=services,dc=⟦dc⟧,dc=com",
    "ldap_default_authtok_type = password",
    "ldap_default_authtok = ⟦!pw⟧",
)
T(
    F,
    "oauth2-proxy-args",
    "        - --provider=google",
    "        - --client-id=⟦num12⟧-⟦lan32⟧.apps.googleusercontent.com",
    "        - --client-secret=⟦!gocspx⟧",
    "        - --cookie-secret=⟦!cookie_secret⟧",
)
T(
    F,
    "saml-sp-private-key-json",
    '  "sp": {',
    '    "entityId": "https://⟦app⟧.⟦domain⟧/saml/metadata",',
    '    "privateKey": "⟦!pk8_oneline⟧",',
    '    "x509cert": "MIIDdzCCAl+gAwIBAgIE..."',
)
T(
    F,
    "oidc-token-endpoint-response",
    '{"access_token":"⟦!jwt_rs⟧","expires_in":300,"refresh_expires_in":1800,"refresh_token":"⟦!jwt_hs⟧","token_type":"Bearer","not-before-policy":0,"session_state":"⟦uuid⟧","scope":"openid profile email"}',
)
T(
    F,
    "azuread-client-secret-env",
    "AzureAd__Instance=https://login.microsoftonline.com/",
    "AzureAd__TenantId=⟦uuid⟧",
    "AzureAd__ClientId=⟦uuid_2⟧",
    "AzureAd__ClientSecret=⟦!az_client_secret⟧",
)
T(
    F,
    "ldapsearch-w",
    'ldapsearch -x -H ldaps://⟦host⟧ -D "uid=⟦user⟧,cn=users,cn=accounts,dc=⟦dc⟧,dc=com" -w \'⟦!pw⟧\' -b "cn=groups,cn=accounts,dc=⟦dc⟧,dc=com" "(member=*)"',
)
T(
    F,
    "authelia-configuration",
    "identity_validation:",
    "  reset_password:",
    "    jwt_secret: ⟦!al64_1⟧",
    "session:",
    "  secret: ⟦!al64_2⟧",
    "storage:",
    "  encryption_key: ⟦!al64_3⟧",
)

# ---- jwt_oauth_tokens
F = "jwt_oauth_tokens"
T(
    F,
    "app-debug-validated-token",
    "⟦ts_pg⟧ DEBUG [auth.middleware] validated bearer token=⟦!jwt_rs⟧ sub=⟦uuid⟧ scopes=orders:read",
)
T(
    F,
    "refresh-grant-body-debug",
    "⟦ts⟧ DEBUG oauth2 POST https://sso.⟦domain⟧/oauth2/token body=grant_type=refresh_token&refresh_token=⟦!al64⟧&client_id=⟦app⟧",
)
T(
    F,
    "google-auth-token-response",
    "DEBUG:google.auth.transport.requests:Making request: POST https://oauth2.googleapis.com/token",
    'DEBUG:urllib3.connectionpool:https://oauth2.googleapis.com:443 "POST /token HTTP/1.1" 200 None',
    '{"access_token": "⟦!ya29⟧", "expires_in": 3599, "scope": "https://www.googleapis.com/auth/cloud-platform", "token_type": "Bearer"}',
)
T(
    F,
    "terminal-wrapped-jwt",
    "$ echo $ACCESS_TOKEN",
    "⟦!jwt_rs_1[:120]⟧",
    "⟦!jwt_rs_1[120:240]⟧",
    "⟦!jwt_rs_1[240:]⟧",
)
T(
    F,
    "okta-token-storage-localstorage",
    '> localStorage.getItem("okta-token-storage")',
    '\'{"accessToken":{"accessToken":"⟦!jwt_rs⟧","expiresAt":⟦epoch⟧,"tokenType":"Bearer","scopes":["openid","email"]}}\'',
)
T(
    F,
    "msal-token-cache",
    '    "RefreshToken": {',
    '        "⟦uuid⟧.⟦uuid_2⟧-login.windows.net-refreshtoken-⟦uuid_3⟧--": {',
    '            "credential_type": "RefreshToken",',
    '            "secret": "⟦!ms_refresh⟧",',
)
T(
    F,
    "implicit-callback-fragment",
    "⟦ts⟧ nginx access: GET /callback#access_token=⟦!jwt_rs⟧&token_type=Bearer&expires_in=3600&state=⟦al16⟧",
)
T(
    F,
    "python-print-token-dict",
    ">>> client.fetch_token(token_url, client_secret=CLIENT_SECRET)",
    "{'token_type': 'Bearer', 'access_token': '⟦!al40_1⟧', 'refresh_token': '⟦!al40_2⟧', 'expires_in': 3600, 'expires_at': ⟦epoch⟧.5}",
)
T(
    F,
    "kube-oidc-login-cache",
    "$ cat ~/.kube/cache/oidc-login/⟦hex64⟧",
    '{"id_token":"⟦!jwt_rs⟧","refresh_token":"⟦!al43⟧"}',
)
T(
    F,
    "id-token-query-log",
    '⟦ip⟧ - - [⟦clf_ts⟧] "GET /sso/finish?id_token=⟦!jwt_rs⟧ HTTP/2.0" 302 0',
)

# ---- observability_agents
F = "observability_agents"
T(
    F,
    "datadog-yaml",
    "api_key: ⟦!dd_api⟧",
    "site: datadoghq.eu",
    "hostname: ⟦host⟧",
    "logs_enabled: true",
)
T(
    F,
    "newrelic-yml",
    "common: &default_settings",
    "  license_key: ⟦!nr_license⟧",
    "  app_name: ⟦app⟧ (prod)",
    "  log_level: info",
)
T(
    F,
    "prometheus-remote-write-basic-auth",
    "remote_write:",
    "  - url: https://prometheus-prod-⟦num2⟧-prod-eu-west-0.grafana.net/api/prom/push",
    "    basic_auth:",
    "      username: ⟦num7⟧",
    "      password: ⟦!glc⟧",
)
T(
    F,
    "otel-collector-exporter-headers",
    "  otlp/honeycomb:",
    "    endpoint: api.honeycomb.io:443",
    "    headers:",
    '      x-honeycomb-team: "⟦!hc_key⟧"',
    "  otlphttp/newrelic:",
    "    headers:",
    "      api-key: ⟦!nr_ingest⟧",
)
T(
    F,
    "sentry-dsn-legacy-secret",
    "SENTRY_DSN=https://⟦hex32⟧:⟦!hex32_2⟧@sentry.⟦domain⟧/⟦num2⟧",
    "SENTRY_ENVIRONMENT=production",
)
T(
    F,
    "elastic-apm-env",
    "ELASTIC_APM_SERVICE_NAME=⟦app⟧",
    "ELASTIC_APM_SERVER_URL=https://apm.⟦domain⟧:8200",
    "ELASTIC_APM_SECRET_TOKEN=⟦!al24⟧",
)
T(
    F,
    "splunk-hec-curl",
    'curl -k https://splunk.⟦domain⟧:8088/services/collector/event -H "Authorization: Splunk ⟦!SUUID⟧" -d \'{"event": "deploy finished", "sourcetype": "ci"}\'',
)
T(
    F,
    "fluent-bit-es-output",
    "[OUTPUT]",
    "    Name        es",
    "    Host        ⟦host⟧",
    "    HTTP_User   ⟦user⟧",
    "    HTTP_Passwd ⟦!pw⟧",
    "    tls         On",
)
T(
    F,
    "grafana-datasource-provisioning",
    "  - name: ⟦db⟧-pg",
    "    type: postgres",
    "    user: ⟦user⟧",
    "    secureJsonData:",
    "      password: ⟦!pw_1⟧",
    "      basicAuthPassword: ⟦!pw_2⟧",
)
T(
    F,
    "alertmanager-pagerduty-slack",
    "receivers:",
    "- name: oncall",
    "  pagerduty_configs:",
    "  - routing_key: ⟦!hex32⟧",
    "  slack_configs:",
    "  - api_url: https://hooks.slack.com/services/⟦slack_T⟧/⟦slack_B⟧/⟦!al24⟧",
)

# ---- backup_tools
F = "backup_tools"
T(
    F,
    "restic-env",
    "export RESTIC_REPOSITORY=s3:s3.amazonaws.com/⟦bucket⟧",
    "export RESTIC_PASSWORD='⟦!pw⟧'",
    "restic backup /etc /var/lib/postgresql --tag nightly",
)
T(
    F,
    "borg-passphrase-inline",
    "BORG_PASSPHRASE='⟦!passphrase⟧' borg create --stats --compression zstd ssh://borg@⟦host⟧/./repo::'{hostname}-{now}' /etc /srv",
)
T(
    F,
    "velero-credentials-file",
    "$ cat credentials-velero",
    "[default]",
    "aws_access_key_id=⟦minio_id⟧",
    "aws_secret_access_key=⟦!minio_secret⟧",
)
T(
    F,
    "duplicity-b2-cron",
    '15 3 * * * PASSPHRASE="⟦!passphrase⟧" duplicity --encrypt-key ⟦gpgid⟧ /srv b2://⟦b2_id⟧:⟦!b2_key⟧@⟦bucket⟧/srv >> /var/log/duplicity.log 2>&1',
)
T(
    F,
    "rclone-conf",
    "[⟦remote⟧]",
    "type = sftp",
    "host = ⟦host⟧",
    "user = ⟦user⟧",
    "pass = ⟦!rclone_obs⟧",
    "shell_type = unix",
)
T(
    F,
    "pgbackrest-conf",
    "[global]",
    "repo1-type=s3",
    "repo1-s3-bucket=⟦bucket⟧",
    "repo1-s3-key=⟦akia⟧",
    "repo1-s3-key-secret=⟦!aws_secret⟧",
    "repo1-cipher-type=aes-256-cbc",
    "repo1-cipher-pass=⟦!b64k48⟧",
)
T(
    F,
    "walg-env",
    "WALG_S3_PREFIX=s3://⟦bucket⟧/wal",
    "AWS_ACCESS_KEY_ID=⟦akia⟧",
    "AWS_SECRET_ACCESS_KEY=⟦!aws_secret⟧",
    "WALG_LIBSODIUM_KEY=⟦!hex64⟧",
    "WALG_LIBSODIUM_KEY_TRANSFORM=hex",
)
T(
    F,
    "kopia-connect-s3",
    "kopia repository connect s3 --bucket=⟦bucket⟧ --access-key=⟦akia⟧ --secret-access-key=⟦!aws_secret⟧ --password='⟦!pw⟧'",
)
T(
    F,
    "crontab-mysqldump",
    "0 2 * * * /usr/bin/mysqldump -u backup -p'⟦!pw⟧' --all-databases | gzip > /backup/db-$(date +\\%F).sql.gz",
)
T(
    F,
    "etcdctl-snapshot-user",
    "ETCDCTL_API=3 etcdctl --user root:⟦!pw⟧ --endpoints https://⟦ip⟧:2379 snapshot save /backup/etcd-⟦date⟧.db",
)

# ---- private_keys
F = "private_keys"
T(
    F,
    "rsa-pem-block",
    "-----BEGIN RSA PRIVATE KEY-----",
    "⟦!rsa_first⟧",
    "⟦!pem64_1⟧",
    "⟦!pem64_2⟧",
    "⟦!pem_tail⟧",
    "-----END RSA PRIVATE KEY-----",
)
T(
    F,
    "openssh-private-key",
    "$ cat ~/.ssh/id_ed25519",
    "-----BEGIN OPENSSH PRIVATE KEY-----",
    "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW",
    "⟦!pem70_1⟧",
    "⟦!pem70_2⟧",
    "⟦!pem_tail⟧",
    "-----END OPENSSH PRIVATE KEY-----",
)
T(
    F,
    "ec-private-key",
    "-----BEGIN EC PRIVATE KEY-----",
    "⟦!ec_first⟧",
    "⟦!pem64⟧",
    "⟦!ec_tail⟧",
    "-----END EC PRIVATE KEY-----",
)
T(
    F,
    "pgp-private-key-block",
    "-----BEGIN PGP PRIVATE KEY BLOCK-----",
    "",
    "⟦!pgp_first⟧",
    "⟦!pem64⟧",
    "=⟦b64u4⟧",
    "-----END PGP PRIVATE KEY BLOCK-----",
)
T(F, "age-key-file", "# created: ⟦ts⟧", "# public key: ⟦age_pub⟧", "⟦!age_key⟧")
T(
    F,
    "wireguard-conf",
    "[Interface]",
    "PrivateKey = ⟦!wg_key⟧",
    "Address = 10.8.0.1/24",
    "[Peer]",
    "PublicKey = ⟦wg_pub⟧",
    "PresharedKey = ⟦!wg_key_2⟧",
)
T(
    F,
    "tfstate-private-key-pem",
    r'            "private_key_pem": "-----BEGIN RSA PRIVATE KEY-----\n⟦!rsa_first⟧\n⟦!pem64⟧\n⟦!pem64_2⟧\n-----END RSA PRIVATE KEY-----\n",',
)
T(
    F,
    "openssl-pkcs12-passout",
    "openssl pkcs12 -export -in ⟦app⟧.crt -inkey ⟦app⟧.key -out ⟦app⟧.p12 -name ⟦app⟧ -passout pass:⟦!pw⟧",
)
T(
    F,
    "keytool-storepass",
    "keytool -importkeystore -srckeystore ⟦app⟧.p12 -srcstoretype PKCS12 -srcstorepass '⟦!pw_1⟧' -destkeystore ⟦app⟧.jks -deststorepass '⟦!pw_2⟧'",
)
T(
    F,
    "expect-ssh-passphrase",
    "spawn ssh-add /home/⟦user⟧/.ssh/id_ed25519",
    'expect "Enter passphrase for /home/⟦user⟧/.ssh/id_ed25519:"',
    'send "⟦!passphrase⟧\\r"',
)

# ---- remote_access_oob
F = "remote_access_oob"
T(
    F,
    "sshpass",
    "sshpass -p '⟦!pw⟧' ssh -o StrictHostKeyChecking=no ⟦user⟧@⟦host⟧ 'sudo systemctl restart ⟦app⟧'",
)
T(
    F,
    "ipmitool-lanplus",
    "$ ipmitool -I lanplus -H ⟦ip⟧ -U ADMIN -P ⟦!pw⟧ chassis power cycle",
    "Chassis Power Control: Cycle",
)
T(F, "racadm-remote", "racadm -r ⟦ip⟧ -u root -p '⟦!pw⟧' serveraction hardreset")
T(
    F,
    "ansible-inventory-ssh-pass",
    "[db]",
    "⟦host⟧ ansible_user=⟦user⟧ ansible_ssh_pass=⟦!pw_1⟧ ansible_become_pass=⟦!pw_2⟧",
)
T(
    F,
    "xfreerdp",
    "xfreerdp /v:⟦ip⟧ /u:⟦DOMAIN⟧\\\\⟦user⟧ /p:'⟦!pw⟧' /cert:ignore /dynamic-resolution",
)
T(
    F,
    "teleport-node-join",
    "teleport start --roles=node --token=⟦!hex32⟧ --ca-pin=sha256:⟦hex64⟧ --auth-server=⟦host⟧:3025",
)
T(
    F,
    "tailscale-up-authkey",
    "sudo tailscale up --authkey=⟦!ts_key⟧ --advertise-routes=10.0.0.0/16 --hostname=⟦host⟧",
)
T(
    F,
    "ngrok-add-authtoken",
    "$ ngrok config add-authtoken ⟦!ngrok⟧",
    "Authtoken saved to configuration file: /home/⟦user⟧/.config/ngrok/ngrok.yml",
)
T(
    F,
    "paramiko-connect",
    '    client.connect("⟦host⟧", username="⟦user⟧", password="⟦!pw⟧", timeout=10, allow_agent=False)',
)
T(F, "openvpn-auth-user-pass", "$ cat /etc/openvpn/client/creds.txt", "⟦user⟧", "⟦!pw⟧")

# ---- payment_saas
F = "payment_saas"
T(
    F,
    "stripe-listen-output",
    "$ stripe listen --forward-to localhost:8080/webhooks/stripe",
    "> Ready! You are using Stripe API Version [2023-10-16]. Your webhook signing secret is ⟦!whsec⟧ (^C to quit)",
)
T(
    F,
    "twilio-curl",
    "curl -X POST https://api.twilio.com/2010-04-01/Accounts/⟦twilio_sid⟧/Messages.json --data-urlencode 'Body=DB failover done' -u ⟦twilio_sid⟧:⟦!hex32⟧",
)
T(F, "sendgrid-env", "SENDGRID_API_KEY=⟦!sendgrid⟧", "SENDGRID_FROM=noreply@⟦domain⟧")
T(
    F,
    "mailgun-curl",
    "curl -s --user 'api:⟦!mailgun⟧' https://api.eu.mailgun.net/v3/mg.⟦domain⟧/messages -F from='ops <ops@⟦domain⟧>' -F to=⟦email⟧ -F subject='test'",
)
T(
    F,
    "shopify-header",
    "X-Shopify-Access-Token: ⟦!shpat⟧",
    "X-Shopify-Shop-Domain: ⟦org⟧.myshopify.com",
)
T(
    F,
    "square-bearer",
    "Square-Version: 2023-10-18",
    "Authorization: Bearer ⟦!square⟧",
    "Content-Type: application/json",
)
T(
    F,
    "adyen-x-api-key",
    '⟦ts⟧ DEBUG adyen.client POST https://checkout-live.adyenpayments.com/checkout/v71/payments headers={"X-API-Key": "⟦!adyen⟧", "Idempotency-Key": "⟦uuid⟧"}',
)
T(
    F,
    "paypal-client-secret",
    "PAYPAL_CLIENT_ID=A⟦al79⟧",
    "PAYPAL_CLIENT_SECRET=⟦!paypal_secret⟧",
    "PAYPAL_MODE=live",
)
T(
    F,
    "stripe-webhook-verify-log",
    "⟦ts⟧ ERROR webhooks: signature verification failed endpoint_secret=⟦!whsec⟧ header=t=⟦epoch⟧,v1=⟦hex64⟧",
)
T(F, "mapbox-downloads-token", "MAPBOX_DOWNLOADS_TOKEN=⟦!mapbox_sk⟧")

# ---- chat_webhooks
F = "chat_webhooks"
T(
    F,
    "slack-webhook-curl",
    "curl -X POST -H 'Content-type: application/json' --data '{\"text\":\"deploy ⟦short⟧ done\"}' https://hooks.slack.com/services/⟦slack_T⟧/⟦slack_B⟧/⟦!al24⟧",
)
T(
    F,
    "discord-webhook-url",
    "DISCORD_WEBHOOK_URL=https://discord.com/api/webhooks/⟦discord_id⟧/⟦!discord_tok⟧",
)
T(
    F,
    "telegram-bot-error",
    "requests.exceptions.HTTPError: 409 Client Error: Conflict for url: https://api.telegram.org/bot⟦!tg_bot⟧/getUpdates?offset=⟦num9⟧&timeout=30",
)
T(
    F,
    "slack-bolt-env",
    "SLACK_BOT_TOKEN=⟦!slack_bot⟧",
    "SLACK_SIGNING_SECRET=⟦!hex32⟧",
    "SLACK_APP_TOKEN=⟦!slack_app⟧",
)
T(
    F,
    "slack-sdk-user-token",
    "from slack_sdk import WebClient",
    'client = WebClient(token="⟦!slack_user⟧")',
    'client.chat_postMessage(channel="#incidents", text="failover complete")',
)
T(
    F,
    "pagerduty-api-curl",
    "curl -s -H 'Accept: application/vnd.pagerduty+json;version=2' -H 'Authorization: Token token=⟦!pd_api⟧' 'https://api.pagerduty.com/incidents?statuses[]=triggered'",
)
T(
    F,
    "mattermost-incoming-hook",
    "⟦ts⟧ notifier POST https://chat.⟦domain⟧/hooks/⟦!lan26⟧ status=200",
)
T(
    F,
    "google-chat-webhook",
    "https://chat.googleapis.com/v1/spaces/AAAA⟦al7⟧/messages?key=⟦!gcp_apikey⟧&token=⟦!gchat_tok⟧",
)
T(
    F,
    "teams-workflow-sig",
    "TEAMS_WEBHOOK=https://prod-⟦num2⟧.westeurope.logic.azure.com:443/workflows/⟦hex32⟧/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=⟦!b64u43⟧",
)
T(F, "github-webhook-secret-config", "webhook:", "  path: /hooks/github", "  secret: ⟦!hex40⟧")

# ---- dev_platform_tokens
F = "dev_platform_tokens"
T(F, "openai-export", 'export OPENAI_API_KEY="⟦!openai⟧"')
T(
    F,
    "anthropic-inline-env",
    "$ ANTHROPIC_API_KEY=⟦!anthropic⟧ python eval_summaries.py --model claude --limit 50",
)
T(
    F,
    "huggingface-cli-login",
    "$ huggingface-cli login --token ⟦!hf_tok⟧ --add-to-git-credential",
    "Token is valid (permission: write).",
    "Your token has been saved to /home/⟦user⟧/.cache/huggingface/token",
)
T(F, "terraform-credentials-tfrc", '{"credentials": {"app.terraform.io": {"token": "⟦!tfc⟧"}}}')
T(
    F,
    "pulumi-access-token",
    "PULUMI_ACCESS_TOKEN=⟦!pulumi⟧ pulumi up --stack ⟦org⟧/⟦app⟧/prod --yes",
)
T(F, "doppler-configure-token", "doppler configure set token ⟦!doppler⟧ --scope /srv/⟦app⟧")
T(
    F,
    "cloudflare-verify-token",
    'curl -s "https://api.cloudflare.com/client/v4/user/tokens/verify" -H "Authorization: Bearer ⟦!cf_token⟧"',
    '{"result":{"id":"⟦hex32⟧","status":"active"},"success":true,"errors":[],"messages":[{"code":10000,"message":"This API Token is valid and active","type":null}]}',
)
T(
    F,
    "atlassian-curl-u",
    "curl -s -u ⟦email⟧:⟦!atlassian⟧ -H 'Accept: application/json' https://⟦org⟧.atlassian.net/rest/api/3/myself",
)
T(
    F,
    "sonar-scanner-token",
    "sonar-scanner -Dsonar.projectKey=⟦app⟧ -Dsonar.host.url=https://sonar.⟦domain⟧ -Dsonar.token=⟦!sonar⟧",
)
T(
    F,
    "supabase-service-role",
    "NEXT_PUBLIC_SUPABASE_URL=https://⟦lan20⟧.supabase.co",
    "SUPABASE_SERVICE_ROLE_KEY=⟦!jwt_hs⟧",
)

# ---- vault_secret_managers
F = "vault_secret_managers"
T(
    F,
    "vault-operator-init",
    "Unseal Key 1: ⟦!b64k33_1⟧",
    "Unseal Key 2: ⟦!b64k33_2⟧",
    "Unseal Key 3: ⟦!b64k33_3⟧",
    "",
    "Initial Root Token: ⟦!hvs_short⟧",
    "",
    "Vault initialized with 5 key shares and a key threshold of 3.",
)
T(
    F,
    "vault-login-table",
    "Key                  Value",
    "---                  -----",
    "token                ⟦!hvs⟧",
    "token_accessor       ⟦al24⟧",
    "token_duration       768h",
    "token_renewable      true",
)
T(
    F,
    "vault-kv-get",
    "$ vault kv get secret/⟦app⟧/prod/db",
    "====== Data ======",
    "Key         Value",
    "---         -----",
    "password    ⟦!pw⟧",
    "username    ⟦user⟧",
)
T(
    F,
    "vault-token-env-kv-put",
    "VAULT_ADDR=https://vault.⟦domain⟧:8200 VAULT_TOKEN=⟦!hvs⟧ vault kv put secret/⟦app⟧ api_key=⟦!hex32⟧",
)
T(
    F,
    "consul-acl-bootstrap",
    "$ consul acl bootstrap",
    "AccessorID:       ⟦uuid⟧",
    "SecretID:         ⟦!suuid⟧",
    "Description:      Bootstrap Token (Global Management)",
    "Local:            false",
)
T(
    F,
    "consul-hcl-gossip",
    'datacenter = "⟦cluster⟧"',
    'encrypt = "⟦!b64k32⟧"',
    "verify_incoming = true",
)
T(
    F,
    "op-read-service-account",
    '$ OP_SERVICE_ACCOUNT_TOKEN=⟦!op_sa⟧ op read "op://Prod/⟦app⟧ DB/password"',
    "⟦!pw⟧",
)
T(
    F,
    "bw-unlock-session",
    "$ bw unlock",
    "Your vault is now unlocked!",
    "To unlock your vault, set your session key to the `BW_SESSION` environment variable. ex:",
    '$ export BW_SESSION="⟦!bw_session⟧"',
)
T(
    F,
    "sops-decrypt",
    "$ sops -d secrets/prod.enc.yaml",
    "db:",
    "    password: ⟦!pw⟧",
    "stripe:",
    "    key: ⟦!stripe_sk⟧",
)
T(
    F,
    "vault-read-database-creds",
    "$ vault read database/creds/readonly",
    "Key                Value",
    "lease_duration     1h",
    "password           ⟦!vault_dbpw⟧",
    "username           v-token-readonly-⟦al20⟧-⟦epoch⟧",
)

# ---- app_framework_config
F = "app_framework_config"
T(
    F,
    "django-secret-key",
    "DEBUG = False",
    'SECRET_KEY = "⟦!django_key⟧"',
    'ALLOWED_HOSTS = ["⟦app⟧.⟦domain⟧"]',
)
T(
    F,
    "rails-master-key-and-credentials",
    "$ cat config/master.key",
    "⟦!hex32⟧",
    "$ EDITOR=cat bin/rails credentials:show",
    "secret_key_base: ⟦!hex128⟧",
)
T(
    F,
    "laravel-env",
    "APP_ENV=production",
    "APP_KEY=base64:⟦!b64k32⟧",
    "DB_PASSWORD=⟦!pw_1⟧",
    "MAIL_PASSWORD=⟦!pw_2⟧",
)
T(
    F,
    "spring-yml-default-fallback",
    "spring:",
    "  datasource:",
    "    password: ${DB_PASSWORD:⟦!pw_1⟧}",
    "  mail:",
    "    password: ⟦!pw_2⟧",
)
T(
    F,
    "aspnet-appsettings-jwt",
    '  "Jwt": { "Key": "⟦!al48⟧", "Issuer": "https://⟦app⟧.⟦domain⟧", "Audience": "⟦app⟧-api" },',
)
T(
    F,
    "express-session-secret",
    "app.use(session({ secret: '⟦!al32⟧', resave: false, saveUninitialized: false, cookie: { secure: true } }))",
)
T(
    F,
    "nextauth-env",
    "NEXTAUTH_URL=https://⟦app⟧.⟦domain⟧",
    "NEXTAUTH_SECRET=⟦!b64k32⟧",
    "GITHUB_ID=Iv1.⟦hex16⟧",
    "GITHUB_SECRET=⟦!hex40⟧",
)
T(F, "flask-secret-key", "app = Flask(__name__)", 'app.secret_key = "⟦!hex48⟧"')
T(
    F,
    "phoenix-runtime-exs",
    "config :⟦app_us⟧, ⟦AppMod⟧Web.Endpoint,",
    '  url: [host: "⟦app⟧.⟦domain⟧", port: 443],',
    '  secret_key_base: "⟦!b64u64⟧"',
)
T(
    F,
    "wp-config-php",
    "define( 'DB_USER', '⟦user⟧' );",
    "define( 'DB_PASSWORD', '⟦!pw⟧' );",
    "define( 'AUTH_KEY',         '⟦!wp_salt⟧' );",
    "define( 'SECURE_AUTH_KEY',  '⟦!wp_salt_2⟧' );",
)

# ---- env_dumps
F = "env_dumps"
T(
    F,
    "printenv-sorted",
    "$ printenv | sort",
    "DATABASE_URL=postgres://⟦user⟧:⟦!urlpw⟧@⟦host⟧:5432/⟦db⟧",
    "HOME=/home/app",
    "HOSTNAME=⟦pod⟧",
    "REDIS_PASSWORD=⟦!pw⟧",
)
T(
    F,
    "docker-inspect-env",
    '            "Env": [',
    '                "POSTGRES_PASSWORD=⟦!pw⟧",',
    '                "POSTGRES_USER=⟦user⟧",',
    '                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",',
    '                "PG_MAJOR=16"',
)
T(
    F,
    "proc-environ-cat-v",
    "# cat -v /proc/⟦pid⟧/environ",
    "HOSTNAME=⟦pod⟧^@DB_PASS=⟦!pw⟧^@HOME=/root^@SENTRY_DSN=https://⟦hex32⟧@o⟦num6⟧.ingest.sentry.io/⟦num7⟧^@",
)
T(
    F,
    "systemd-unit-environment",
    "[Service]",
    'Environment="API_TOKEN=⟦!hex40⟧"',
    "Environment=GOMAXPROCS=4",
    "ExecStart=/usr/local/bin/⟦app⟧ --config /etc/⟦app⟧/config.yaml",
)
T(
    F,
    "systemctl-show-environment",
    "$ systemctl show ⟦app⟧.service -p Environment",
    "Environment=LANG=C.UTF-8 REDIS_URL=redis://default:⟦!urlpw⟧@⟦host⟧:6379 GOMAXPROCS=4",
)
T(
    F,
    "docker-compose-config",
    "  minio:",
    "    environment:",
    "      MINIO_ROOT_USER: ⟦user⟧",
    "      MINIO_ROOT_PASSWORD: ⟦!pw⟧",
    "    image: minio/minio:RELEASE.2024-01-16T16-07-38Z",
)
T(
    F,
    "ps-auxe",
    "$ ps auxe | grep [n]ode",
    "app  ⟦pid⟧  2.1  3.4 1123456 278112 ?  Ssl  20:01  0:14 node server.js NODE_ENV=production SESSION_SECRET=⟦!al32⟧ PORT=3000",
)
T(
    F,
    "heroku-config",
    "=== ⟦app⟧ Config Vars",
    "DATABASE_URL:           postgres://⟦lo14⟧:⟦!hex64⟧@ec2-⟦ipdash⟧.compute-1.amazonaws.com:5432/⟦lo14_2⟧",
    "PAPERTRAIL_API_TOKEN:   ⟦!al20⟧",
)
T(
    F,
    "windows-set-output",
    "C:\\Users\\⟦user⟧> set",
    "COMPUTERNAME=⟦HOST⟧",
    "SQL_SA_PASSWORD=⟦!pw⟧",
    "USERDOMAIN=⟦DOMAIN⟧",
)
T(
    F,
    "kubectl-set-env-list",
    "$ kubectl set env deployment/⟦app⟧ -n ⟦ns⟧ --list",
    "# Deployment ⟦app⟧, container ⟦app⟧",
    "STRIPE_KEY=⟦!stripe_sk⟧",
    "LOG_FORMAT=json",
)

# ---- shell_history
F = "shell_history"
T(
    F,
    "bash-history-mixed",
    "$ tail -4 ~/.bash_history",
    "cd /opt/⟦app⟧",
    "export DB_PASSWORD='⟦!pw⟧'",
    "./migrate.sh up",
    "history -c",
)
T(
    F,
    "zsh-extended-history",
    ": ⟦epoch⟧:0;export GITHUB_TOKEN=⟦!ghp⟧",
    ": ⟦epoch_2⟧:12;gh release list -R ⟦org⟧/⟦repo⟧",
)
T(F, "fish-history", "- cmd: set -x OPENAI_API_KEY ⟦!openai⟧", "  when: ⟦epoch⟧")
T(
    F,
    "powershell-securestring",
    "PS C:\\> $secpw = ConvertTo-SecureString '⟦!pw⟧' -AsPlainText -Force",
    "PS C:\\> $cred = New-Object PSCredential('⟦DOMAIN⟧\\⟦user⟧', $secpw)",
)
T(
    F,
    "history-numbered-mysql",
    " 1042  mysql -uroot -p⟦!pw⟧ -e 'show slave status\\G'",
    " 1043  history | tail",
)
T(F, "chpasswd-echo", "echo '⟦user⟧:⟦!pw⟧' | sudo chpasswd")
T(
    F,
    "psql-history",
    "$ cat ~/.psql_history",
    "\\du",
    "ALTER USER ⟦user⟧ WITH PASSWORD '⟦!pw⟧';",
    "\\q",
)
T(
    F,
    "mysql-history-escaped",
    "$ tail -2 ~/.mysql_history",
    "CREATE\\040USER\\040'⟦user⟧'@'%'\\040IDENTIFIED\\040BY\\040'⟦!pw⟧';",
    "GRANT\\040SELECT\\040ON\\040⟦db⟧.*\\040TO\\040'⟦user⟧'@'%';",
)
T(
    F,
    "rediscli-history",
    "$ cat ~/.rediscli_history",
    "CONFIG SET requirepass ⟦!pw⟧",
    "CONFIG REWRITE",
)
T(
    F,
    "cmd-doskey-net-use",
    "C:\\> doskey /history",
    "net use Z: \\\\⟦HOST⟧\\share /user:⟦DOMAIN⟧\\⟦user⟧ ⟦!pw⟧ /persistent:no",
)

# ---- stack_traces
F = "stack_traces"
T(
    F,
    "python-traceback-locals",
    '  File "/app/⟦app_us⟧/db.py", line 42, in connect',
    "    conn = psycopg2.connect(host=host, user=user, password=password, dbname=dbname)",
    "    host = '⟦host⟧'",
    "    password = '⟦!pw⟧'",
    'psycopg2.OperationalError: FATAL:  password authentication failed for user "⟦user⟧"',
)
T(
    F,
    "spring-datasource-properties",
    "Caused by: java.sql.SQLException: Access denied for user '⟦user⟧'@'⟦ip⟧' (using password: YES)",
    "	at com.mysql.cj.jdbc.exceptions.SQLError.createSQLException(SQLError.java:130)",
    "DEBUG o.s.b.a.j.DataSourceProperties - DataSourceProperties{url='jdbc:mysql://⟦host⟧:3306/⟦db⟧', username='⟦user⟧', password='⟦!pw⟧'}",
)
T(
    F,
    "go-panic-struct",
    "panic: dial tcp ⟦ip⟧:5432: connect: connection refused",
    "",
    "goroutine 1 [running]:",
    'main.mustConnect({Host:"⟦host⟧" Port:5432 User:"⟦user⟧" Password:"⟦!pw⟧" SSLMode:"require"})',
    "	/src/cmd/⟦app⟧/main.go:57 +0x1f4",
)
T(
    F,
    "node-error-options",
    "Error: connect ECONNREFUSED ⟦ip⟧:6379",
    "    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1555:16) {",
    "  errno: -111,",
    "  options: { host: '⟦host⟧', port: 6379, password: '⟦!pw⟧', db: 0 }",
)
T(
    F,
    "ruby-faraday-error",
    "Faraday::UnauthorizedError: the server responded with status 401",
    'request: {:method=>:post, :url=>"https://api.⟦domain⟧/v1/sync", :headers=>{"Authorization"=>"Bearer ⟦!al40⟧", "User-Agent"=>"Faraday v2.7.10"}}',
)
T(
    F,
    "dotnet-sqlexception",
    "System.Data.SqlClient.SqlException (0x80131904): Login failed for user '⟦user⟧'.",
    "   at System.Data.SqlClient.SqlInternalConnectionTds..ctor(DbConnectionPoolIdentity identity, SqlConnectionString connectionOptions)",
    "ConnectionString: Data Source=⟦host⟧;Initial Catalog=⟦db⟧;User ID=⟦user⟧;Password=⟦!pw⟧",
)
T(
    F,
    "core-dump-strings",
    "$ strings core.⟦pid⟧ | grep -i -A1 -E 'secret|vault'",
    "client_secret=⟦!al40⟧",
    "--",
    "X-Vault-Token: ⟦!hvs⟧",
)
T(
    F,
    "php-pdo-stack-trace",
    "PHP Fatal error:  Uncaught PDOException: SQLSTATE[HY000] [1045] Access denied for user '⟦user⟧'@'⟦ip⟧' in /var/www/html/inc/db.php:12",
    "Stack trace:",
    "#0 /var/www/html/inc/db.php(12): PDO->__construct('mysql:host=⟦host⟧...', '⟦user⟧', '⟦!pw⟧')",
    "#1 {main}",
)
T(
    F,
    "requests-connectionerror-url",
    "requests.exceptions.ConnectionError: HTTPSConnectionPool(host='⟦host⟧', port=443): Max retries exceeded with url: /v1/upload?api_key=⟦!hex32⟧ (Caused by NewConnectionError('<urllib3.connection.HTTPSConnection object at 0x7f3a2c1b9d50>: Failed to establish a new connection: [Errno 111] Connection refused'))",
)
T(
    F,
    "airflow-connection-repr",
    "airflow.exceptions.AirflowException: Connection failed: conn_id=⟦app_us⟧_pg, conn_type=postgres, host=⟦host⟧, login=⟦user⟧, password=⟦!pw⟧, port=5432",
)

# ---- structured_logs
F = "structured_logs"
T(
    F,
    "json-login-attempt",
    '{"level":"info","ts":"⟦ts⟧","logger":"auth","msg":"login attempt","user":"⟦user⟧","password":"⟦!pw⟧","ip":"⟦ip⟧"}',
)
T(
    F,
    "logfmt-client-secret",
    'time=⟦ts⟧ level=debug msg="outbound request" method=POST url=https://sso.⟦domain⟧/token client_id=⟦app⟧ client_secret=⟦!al40⟧ status=200',
)
T(
    F,
    "docker-json-file-escaped",
    '{"log":"{\\"event\\":\\"config_loaded\\",\\"smtp_user\\":\\"⟦user⟧\\",\\"smtp_password\\":\\"⟦!pw⟧\\"}\\n","stream":"stdout","time":"⟦ts⟧"}',
)
T(
    F,
    "syslog-bind-password",
    "⟦syslog_ts⟧ ⟦host⟧ ⟦app⟧[⟦pid⟧]: ldap: binding as cn=⟦user⟧ with password '⟦!pw⟧' to ldaps://⟦host_2⟧",
)
T(
    F,
    "gelf-api-key",
    '{"version":"1.1","host":"⟦host⟧","short_message":"payment provider call","_api_key":"⟦!stripe_sk⟧","_latency_ms":⟦ms⟧,"level":7}',
)
T(
    F,
    "envoy-json-access-log-header",
    '{"start_time":"⟦ts⟧","method":"POST","path":"/v1/events","response_code":401,"x_api_key":"⟦!al32⟧","upstream_host":"⟦ip⟧:8080"}',
)
T(
    F,
    "spring-security-debug-credentials",
    "⟦ts_pg⟧ DEBUG 1 --- [nio-8080-exec-4] c.a.⟦app_us⟧.AuthFilter : auth=UsernamePasswordAuthenticationToken [Principal=⟦user⟧, Credentials=[⟦!pw⟧], Authenticated=false]",
)
T(
    F,
    "postgres-log-statement-alter-role",
    "⟦ts_pg⟧ UTC [⟦pid⟧] ⟦user⟧@⟦db⟧ LOG:  statement: ALTER ROLE ⟦user_2⟧ WITH LOGIN PASSWORD '⟦!pw⟧';",
)
T(
    F,
    "mysql-general-log-set-password",
    "⟦ts⟧\t   ⟦num2⟧ Query\tSET PASSWORD FOR '⟦user⟧'@'%' = '⟦!pw⟧'",
)
T(
    F,
    "auditd-execve-hex",
    'type=EXECVE msg=audit(⟦epoch⟧.123:⟦num5⟧): argc=4 a0="curl" a1="-H" a2=⟦!hexenc(\'X-Auth-Token: \'+hex40)⟧ a3="https://api.⟦domain⟧/v1/purge"',
)

# ---- encoded_wrapped
F = "encoded_wrapped"
T(
    F,
    "form-urlencoded-body",
    "⟦ts⟧ DEBUG request body: username=⟦url(email)⟧&password=⟦!url(pw_sym)⟧&remember_me=1",
)
T(
    F,
    "quoted-printable-email",
    "Content-Transfer-Encoding: quoted-printable",
    "",
    "Ihr neues VPN-Passwort lautet: ⟦!qp(pw_uml)⟧",
    "Bitte =C3=A4ndern Sie es nach der ersten Anmeldung.",
)
T(
    F,
    "tcpdump-A-basic",
    "$ sudo tcpdump -A -s0 -i eth0 'tcp port 80'",
    "E..<..@.@.........",
    "GET /metrics HTTP/1.1",
    "Host: ⟦host⟧",
    "Authorization: Basic ⟦!b64(user+':'+pw)⟧",
)
T(F, "go-json-html-escaped", '{"service":"⟦app⟧","ldap_password":"⟦!uesc(pw_amp)⟧","retries":3}')
T(
    F,
    "dockerconfigjson-double-encoded",
    "data:",
    "  .dockerconfigjson: ⟦!b64('{\"auths\":{\"'+registry+'\":{\"auth\":\"'+b64(user+':'+pw)+'\"}}}')⟧",
    "type: kubernetes.io/dockerconfigjson",
)
T(
    F,
    "jdbc-percent-encoded-password",
    "spring.datasource.url=jdbc:postgresql://⟦host⟧:5432/⟦db⟧?user=⟦user⟧&password=⟦!url(pw_sym)⟧&ssl=true",
)
T(
    F,
    "java-properties-unicode-escape",
    "# native2ascii output",
    "ldap.bind.password=⟦!javaesc(pw_uml)⟧",
)
T(F, "shell-backslash-escaped", "export DB_PASS=⟦!shesc(pw_sym)⟧", "./bin/⟦app⟧ migrate")
T(
    F,
    "yaml-literal-ec-key",
    "  signing_key: |",
    "    -----BEGIN EC PRIVATE KEY-----",
    "    ⟦!ec_first⟧",
    "    ⟦!pem64⟧",
    "    ⟦!ec_tail⟧",
    "    -----END EC PRIVATE KEY-----",
)
T(F, "xml-escaped-app-setting", '    <add key="SmtpPassword" value="⟦!xmlesc(pw_amp)⟧" />')

# ---- otp_recovery_pins
F = "otp_recovery_pins"
T(
    F,
    "otpauth-uri",
    "otpauth://totp/⟦org⟧:⟦email⟧?secret=⟦!totp⟧&issuer=⟦org⟧&algorithm=SHA1&digits=6&period=30",
)
T(
    F,
    "github-recovery-codes-file",
    "$ cat github-recovery-codes.txt",
    "⟦!recov_gh_1⟧",
    "⟦!recov_gh_2⟧",
    "⟦!recov_gh_3⟧",
    "⟦!recov_gh_4⟧",
    "⟦!recov_gh_5⟧",
)
T(
    F,
    "google-backup-codes",
    "BACKUP VERIFICATION CODES",
    "⟦email⟧",
    "1. ⟦!dg4_1+' '+dg4_2⟧    2. ⟦!dg4_3+' '+dg4_4⟧",
    "3. ⟦!dg4_5+' '+dg4_6⟧    4. ⟦!dg4_7+' '+dg4_8⟧",
)
T(
    F,
    "de-sim-pin-puk-ticket",
    "Rufbereitschaftshandy (⟦ticket⟧): SIM-PIN ⟦!dg4⟧, PUK ⟦!dg8⟧ – bitte nicht weitergeben.",
)
T(
    F,
    "breakglass-root-mfa-seed",
    "Break-glass AWS root account (acct ⟦acct⟧)",
    "  virtual MFA seed: ⟦!totp32⟧",
    "  stored in safe ⟦num2⟧, envelope 3",
)
T(
    F,
    "gitlab-2fa-recovery-ssh",
    "$ ssh git@gitlab.⟦domain⟧ 2fa_recovery_codes",
    "Your two-factor authentication recovery codes are:",
    "",
    "⟦!recov_gl_1⟧",
    "⟦!recov_gl_2⟧",
    "⟦!recov_gl_3⟧",
)
T(
    F,
    "google-authenticator-file",
    "$ cat ~/.google_authenticator",
    "⟦!ga_secret⟧",
    '" RATE_LIMIT 3 30',
    '" TOTP_AUTH',
    "⟦!scratch_1⟧",
    "⟦!scratch_2⟧",
)
T(
    F,
    "es-cage-padlock-chat",
    "⟦name⟧: el PIN del candado de la jaula ⟦num2⟧ en el DC de Madrid es ⟦!dg6⟧, acordaos de cerrarlo al salir",
)
T(
    F,
    "manage-bde-recovery",
    "C:\\> manage-bde -protectors -get C:",
    "    Numerical Password:",
    "      ID: {⟦UUID⟧}",
    "      Password:",
    "        ⟦!bitlocker⟧",
)
T(
    F,
    "hsm-pin-ticket",
    "HSM partition ⟦num2⟧ (Luna): crypto officer PIN ⟦!dg4_1+'-'+dg4_2+'-'+dg4_3+'-'+dg4_4⟧ – rotate after today's key ceremony",
)

# ---- network_devices
F = "network_devices"
T(
    F,
    "cisco-ios-secret-9",
    "hostname ⟦HOST⟧",
    "enable secret 9 ⟦!cisco9⟧",
    "username ⟦user⟧ privilege 15 secret 9 ⟦!cisco9_2⟧",
)
T(
    F,
    "cisco-type7-password",
    "username ⟦user⟧ privilege 15 password 7 ⟦!cisco7⟧",
    "line vty 0 4",
    " password 7 ⟦!cisco7_2⟧",
)
T(
    F,
    "snmp-community",
    "snmp-server community ⟦!snmp_comm⟧ RO 10",
    "snmp-server host ⟦ip⟧ version 2c ⟦!snmp_comm⟧",
)
T(
    F,
    "tacacs-radius-keys",
    "tacacs server ISE1",
    " address ipv4 ⟦ip⟧",
    " key 0 ⟦!pw_1⟧",
    "radius-server host ⟦ip_2⟧ auth-port 1812 acct-port 1813 key ⟦!pw_2⟧",
)
T(
    F,
    "junos-set-commands",
    'set system login user ⟦user⟧ authentication encrypted-password "⟦!sha512crypt⟧"',
    'set protocols bgp group TRANSIT neighbor ⟦ip⟧ authentication-key "⟦!junos9⟧"',
)
T(F, "hostapd-conf", "interface=wlan0", "ssid=⟦org⟧-Corp", "wpa=2", "wpa_passphrase=⟦!wifi_psk⟧")
T(F, "strongswan-ipsec-secrets", "$ sudo cat /etc/ipsec.secrets", '⟦ip⟧ ⟦ip_2⟧ : PSK "⟦!psk⟧"')
T(
    F,
    "openvpn-static-key",
    "-----BEGIN OpenVPN Static key V1-----",
    "⟦!hex32_1⟧",
    "⟦!hex32_2⟧",
    "⟦!hex32_3⟧",
    "-----END OpenVPN Static key V1-----",
)
T(
    F,
    "fortigate-enc",
    "config system admin",
    '    edit "⟦user⟧"',
    "        set password ENC ⟦!forti_enc⟧",
    "    next",
)
T(
    F,
    "panos-keygen",
    'curl -k "https://⟦ip⟧/api/?type=keygen&user=admin&password=⟦!url(pw_sym)⟧"',
    "<response status = 'success'><result><key>⟦!pan_key⟧</key></result></response>",
)

# ---- infra_as_code
F = "infra_as_code"
T(
    F,
    "terraform-tfvars",
    'environment             = "prod"',
    'db_master_password      = "⟦!pw⟧"',
    'cloudflare_api_token    = "⟦!cf_token⟧"',
)
T(
    F,
    "tfstate-attributes",
    '          "attributes": {',
    '            "endpoint": "⟦host⟧:5432",',
    '            "password": "⟦!pw⟧",',
    '            "username": "⟦user⟧",',
)
T(
    F,
    "ansible-group-vars",
    'mysql_root_password: "⟦!pw⟧"',
    'vault_api_token: "⟦!hvs⟧"',
    "ntp_servers: [0.pool.ntp.org]",
)
T(
    F,
    "ansible-vault-pass-file",
    "$ cat ~/.ansible/vault_pass.txt",
    "⟦!passphrase⟧",
    "$ ansible-playbook site.yml -i inventories/prod --vault-password-file ~/.ansible/vault_pass.txt",
)
T(
    F,
    "pulumi-config-show-secrets",
    "$ pulumi config --show-secrets",
    "KEY                 VALUE",
    "aws:region          ⟦region⟧",
    "dbPassword          ⟦!pw⟧",
    "slackWebhook        https://hooks.slack.com/services/⟦slack_T⟧/⟦slack_B⟧/⟦!al24⟧",
)
T(
    F,
    "cfn-template-default",
    "  DBPassword:",
    "    Type: String",
    "    NoEcho: true",
    "    Default: ⟦!pw⟧",
)
T(
    F,
    "chef-data-bag",
    '{"id": "⟦app⟧", "smtp_password": "⟦!pw⟧", "aws_secret_access_key": "⟦!aws_secret⟧"}',
)
T(
    F,
    "packer-hcl-variable",
    'variable "winrm_password" {',
    "  type      = string",
    '  default   = "⟦!pw⟧"',
    "  sensitive = true",
    "}",
)
T(
    F,
    "cloud-init-chpasswd",
    "#cloud-config",
    "chpasswd:",
    "  list: |",
    "    ⟦user⟧:⟦!pw⟧",
    "  expire: False",
)
T(
    F,
    "terraform-github-provider",
    'provider "github" {',
    '  token = "⟦!ghp⟧"',
    '  owner = "⟦org⟧"',
    "}",
)

# ---- email_smtp
F = "email_smtp"
T(
    F,
    "smtp-auth-plain-transcript",
    "S: 250-AUTH PLAIN LOGIN",
    "C: AUTH PLAIN ⟦!plain(email, pw)⟧",
    "S: 235 2.7.0 Authentication successful",
)
T(
    F,
    "smtp-auth-login-transcript",
    "AUTH LOGIN",
    "334 VXNlcm5hbWU6",
    "⟦b64(email)⟧",
    "334 UGFzc3dvcmQ6",
    "⟦!b64(pw)⟧",
    "235 2.7.0 Authentication successful",
)
T(
    F,
    "postfix-sasl-passwd",
    "$ sudo cat /etc/postfix/sasl_passwd",
    "[smtp.sendgrid.net]:587 apikey:⟦!sendgrid⟧",
)
T(
    F,
    "msmtprc",
    "account default",
    "host smtp.⟦domain⟧",
    "port 587",
    "user ⟦email⟧",
    "password ⟦!pw⟧",
)
T(
    F,
    "muttrc",
    'set imap_user = "⟦email⟧"',
    'set imap_pass = "⟦!pw⟧"',
    'set smtp_url = "smtps://⟦user⟧:⟦!urlpw⟧@smtp.⟦domain⟧:465/"',
)
T(
    F,
    "imap-login-transcript",
    "* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ AUTH=PLAIN] Dovecot ready.",
    'a001 LOGIN ⟦user⟧ "⟦!pw⟧"',
    "a001 OK [CAPABILITY IMAP4rev1] Logged in",
)
T(
    F,
    "swaks-auth",
    "swaks --to ⟦email⟧ --server smtp.⟦domain⟧:587 --auth LOGIN --auth-user ⟦email_2⟧ --auth-password '⟦!pw⟧' --tls",
)
T(
    F,
    "ses-smtp-credentials",
    "SMTP endpoint: email-smtp.⟦region⟧.amazonaws.com",
    "SMTP Username: ⟦akia⟧",
    "SMTP Password: ⟦!ses_smtp⟧",
)
T(F, "dovecot-passwd-file", "⟦user⟧:{SHA512-CRYPT}⟦!sha512crypt⟧:5000:5000::/var/mail/⟦user⟧")
T(
    F,
    "gmail-app-password-note",
    "alerts mailbox ⟦email⟧ – Gmail app password: ⟦!gapp⟧ (created for grafana, ⟦date⟧)",
)

# ---- protocol_transcripts
F = "protocol_transcripts"
T(
    F,
    "ftp-session",
    "220 (vsFTPd 3.0.5)",
    "USER ⟦user⟧",
    "331 Please specify the password.",
    "PASS ⟦!pw⟧",
    "230 Login successful.",
)
T(
    F,
    "lftp-u",
    "lftp -u ⟦user⟧,'⟦!pw⟧' -e 'mirror --reverse /srv/exports /incoming; quit' sftp://⟦host⟧",
)
T(
    F,
    "pgbouncer-userlist",
    "$ cat /etc/pgbouncer/userlist.txt",
    '"⟦user⟧" "⟦!pw⟧"',
    '"⟦user_2⟧" "md5⟦!hex32⟧"',
)
T(
    F,
    "irc-nickserv",
    "[20:09] -> NickServ IDENTIFY ⟦user⟧ ⟦!pw⟧",
    "[20:09] -NickServ- You are now identified for ⟦user⟧.",
)
T(
    F,
    "stomp-connect-frame",
    "CONNECT",
    "accept-version:1.2",
    "host:/",
    "login:⟦user⟧",
    "passcode:⟦!pw⟧",
)
T(F, "smbclient-U", "smbclient //⟦HOST⟧/backup -U '⟦DOMAIN⟧\\⟦user⟧%⟦!pw⟧' -c 'ls'")
T(
    F,
    "snmpwalk-v3",
    "snmpwalk -v3 -l authPriv -u ⟦user⟧ -a SHA -A '⟦!pw_1⟧' -x AES -X '⟦!pw_2⟧' ⟦ip⟧ 1.3.6.1.2.1.1",
)
T(
    F,
    "rsyncd-secrets",
    "$ cat /etc/rsyncd.secrets",
    "⟦user⟧:⟦!pw⟧",
    "$ RSYNC_PASSWORD='⟦!pw⟧' rsync -av /srv/ rsync://⟦user⟧@⟦host⟧/backup/",
)
T(
    F,
    "websocket-token-query",
    "GET /ws?token=⟦!jwt_hs⟧ HTTP/1.1",
    "Host: ⟦app⟧.⟦domain⟧",
    "Upgrade: websocket",
    "Connection: Upgrade",
    "Sec-WebSocket-Key: ⟦b64k16⟧",
)
T(
    F,
    "xmpp-sasl-plain",
    "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>⟦!plain(user, pw)⟧</auth>",
    "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>",
)

# ---- chat_i18n
F = "chat_i18n"
T(
    F,
    "en-slack-thread",
    "⟦name⟧  ⟦time⟧",
    "ok prod db creds for the migration: ⟦user⟧ / ⟦!pw⟧ — I'll rotate after the incident",
    "⟦name_2⟧  ⟦time_2⟧",
    "thx, in",
)
T(
    F,
    "de-teams-message",
    "[⟦time⟧] ⟦name⟧: Das neue Passwort für den Jenkins-Admin ist ⟦!pw⟧ – bitte nach dem Deploy gleich wieder ändern.",
)
T(
    F,
    "fr-slack-message",
    "⟦name⟧ [⟦time⟧] : le token API Datadog c'est ⟦!dd_api⟧, je le révoque demain matin",
)
T(
    F,
    "es-chat",
    "⟦name⟧: te paso la contraseña del usuario ⟦user⟧ de RabbitMQ: ⟦!pw⟧",
    "⟦name_2⟧: gracias, ya entré",
)
T(
    F,
    "pt-br-chat",
    "[⟦time⟧] ⟦name⟧: a senha do root do MySQL em produção é ⟦!pw⟧ (não compartilhem fora do canal, por favor)",
)
T(
    F,
    "ru-chat",
    "⟦name⟧ [⟦time⟧]: пароль от редиса: ⟦!pw⟧",
    "⟦name⟧ [⟦time⟧]: и токен бота для алертов: ⟦!tg_bot⟧",
)
T(
    F,
    "uk-chat",
    "⟦name⟧: ось ключі доступу AWS для бекапу: ⟦akia⟧ / ⟦!aws_secret⟧ — після інциденту видалю",
)
T(
    F,
    "tr-chat",
    "⟦name⟧: Vault root token: ⟦!hvs_short⟧ — kimseyle paylaşmayın, olay bitince iptal edeceğim",
)
T(F, "ja-chat", "⟦name⟧ ⟦time⟧", "本番DBのパスワードは「⟦!pw⟧」です。作業後に変更します。")
T(F, "zh-chat", "⟦name⟧：生产环境 Redis 密码是 ⟦!pw⟧，用完请及时修改。")
T(F, "ko-chat", "⟦name⟧: 슬랙 봇 토큰 ⟦!slack_bot⟧ 입니다. 장애 끝나면 재발급할게요.")
T(F, "ar-chat", "⟦name⟧: كلمة مرور حساب الخدمة ⟦user⟧ هي ⟦!pw⟧ — سأغيرها بعد انتهاء الحادثة")
T(F, "hi-chat", "⟦name⟧: प्रोड Postgres का पासवर्ड ⟦!pw⟧ है, इसे चैनल के बाहर साझा न करें")
T(F, "vi-chat", "⟦name⟧: mật khẩu SSH của máy ⟦host⟧ là ⟦!pw⟧, dùng xong nhớ báo mình đổi")
T(F, "he-chat", "⟦name⟧: הסיסמה של המשתמש ⟦user⟧ ב-LDAP היא ⟦!pw⟧")
T(
    F,
    "en-irc-log",
    "[⟦time⟧] <⟦name⟧> can someone paste the sentry auth token?",
    "[⟦time_2⟧] <⟦name_2⟧> ⟦!sntryu⟧",
    "[⟦time_2⟧] <⟦name_2⟧> don't put it in the runbook pls",
)
T(
    F,
    "slack-export-json",
    '{"type": "message", "user": "U0⟦up8⟧", "text": "here is the new webhook secret for billing: ⟦!whsec⟧", "ts": "⟦epoch⟧.⟦dg6⟧"}',
)

# ---- tickets_email_i18n
F = "tickets_email_i18n"
T(
    F,
    "en-jira-ticket",
    "⟦ticket⟧: Rotate leaked Stripe key",
    "Description: during the incident the key ⟦!stripe_sk⟧ was pasted into #general. Please roll it and update the vault path secret/payments/stripe.",
    "Priority: Highest   Assignee: ⟦user⟧",
)
T(
    F,
    "de-servicenow-worknote",
    "INC⟦num7⟧ | Kurzbeschreibung: Zugang Monitoring für Dienstleister",
    "Arbeitsnotiz (⟦date⟧): Benutzer ⟦user⟧ angelegt, Initialpasswort ⟦!pw⟧, Änderung bei erster Anmeldung erzwungen.",
)
T(
    F,
    "fr-zendesk-email",
    "Bonjour,",
    "Voici vos identifiants temporaires pour le portail d'administration : ⟦email⟧ / ⟦!pw⟧",
    "Merci de changer ce mot de passe dès votre première connexion.",
    "Cordialement, l'équipe support",
)
T(
    F,
    "es-email-vpn",
    "Asunto: Acceso VPN para la guardia",
    "Usuario: ⟦user⟧",
    "Contraseña: ⟦!pw⟧",
    "Clave precompartida (IPsec): ⟦!psk⟧",
)
T(
    F,
    "ja-email",
    "件名: 【至急】本番環境アクセス情報",
    "⟦name⟧ さん",
    "ユーザー名: ⟦user⟧",
    "パスワード: ⟦!pw⟧",
    "作業完了後、必ずパスワードを変更してください。",
)
T(
    F,
    "pt-email-webhook",
    "Assunto: Webhook do Slack para alertas",
    "Olá ⟦name⟧, segue a URL do webhook: https://hooks.slack.com/services/⟦slack_T⟧/⟦slack_B⟧/⟦!al24⟧",
    "Não publique no repositório, obrigado!",
)
T(
    F,
    "it-email-ftp",
    "Oggetto: credenziali FTP fornitore",
    "Host: ftp.⟦domain⟧  Utente: ⟦user⟧  Password: ⟦!pw⟧",
    "Saluti",
)
T(
    F,
    "nl-ticket",
    "⟦ticket⟧ – Wachtwoord van ⟦user⟧ tijdelijk gereset naar ⟦!pw⟧, gebruiker moet het zelf wijzigen.",
)
T(
    F,
    "pl-ticket-github",
    "Zgłoszenie ⟦ticket⟧: token GitHub ⟦!ghp⟧ wyciekł w logach CI, proszę o unieważnienie.",
)
T(
    F,
    "ru-email-kibana",
    "Тема: Доступ к Kibana",
    "Логин: ⟦user⟧",
    "Пароль: ⟦!pw⟧",
    "Смените пароль после первого входа.",
)
T(
    F,
    "en-github-issue-config-paste",
    "### Steps to reproduce",
    "my config.yaml:",
    "```",
    "smtp_user: ⟦email⟧",
    "smtp_password: ⟦!pw⟧",
    "```",
)
T(
    F,
    "en-pagerduty-note",
    "PagerDuty note on incident #⟦num5⟧ (⟦name⟧): failed over to replica, used break-glass admin ⟦user⟧ / ⟦!pw⟧, rotate before closing.",
)
T(F, "da-email", "Emne: Adgang til backup-serveren", "Adgangskode til ⟦user⟧@⟦host⟧: ⟦!pw⟧")
T(
    F,
    "ro-ticket",
    "Tichet ⟦ticket⟧: parola pentru contul de serviciu ⟦user⟧ este ⟦!pw⟧, vă rog s-o schimbați după intervenție.",
)

# ---- windows_ad
F = "windows_ad"
T(
    F,
    "net-use",
    "C:\\> net use \\\\⟦HOST⟧\\C$ /user:⟦DOMAIN⟧\\⟦user⟧ ⟦!pw⟧",
    "The command completed successfully.",
)
T(
    F,
    "unattend-xml-admin-password",
    "<AdministratorPassword>",
    "    <Value>⟦!utf16b64(pw+'AdministratorPassword')⟧</Value>",
    "    <PlainText>false</PlainText>",
    "</AdministratorPassword>",
)
T(
    F,
    "gpp-groups-xml-cpassword",
    '<User clsid="{DF5F1855-51E5-4d24-8B1A-D9BDE98BA1D1}" name="⟦user⟧" image="2" changed="2026-11-20 09:12:44" uid="{⟦UUID⟧}"><Properties action="U" newName="" fullName="" description="" cpassword="⟦!cpassword⟧" changeLogon="0" noChange="1" neverExpires="1" acctDisabled="0" userName="⟦user⟧"/></User>',
)
T(
    F,
    "pscredential-inline",
    '$cred = New-Object System.Management.Automation.PSCredential ("⟦DOMAIN⟧\\⟦user⟧", (ConvertTo-SecureString "⟦!pw⟧" -AsPlainText -Force))',
)
T(
    F,
    "sc-config-password",
    'sc.exe config ⟦AppMod⟧Svc obj= "⟦DOMAIN⟧\\svc_⟦app_us⟧" password= "⟦!pw⟧"',
)
T(
    F,
    "schtasks-rp",
    'schtasks /create /tn "Nightly ETL" /tr C:\\etl\\run.cmd /sc daily /st 02:00 /ru ⟦DOMAIN⟧\\⟦user⟧ /rp ⟦!pw⟧',
)
T(
    F,
    "set-adaccountpassword",
    'Set-ADAccountPassword -Identity ⟦user⟧ -Reset -NewPassword (ConvertTo-SecureString -AsPlainText "⟦!pw⟧" -Force)',
)
T(
    F,
    "web-config-connectionstrings",
    "  <connectionStrings>",
    '    <add name="Default" connectionString="Data Source=⟦HOST⟧;Initial Catalog=⟦db⟧;User ID=⟦user⟧;Password=⟦!pw⟧" providerName="System.Data.SqlClient" />',
    "  </connectionStrings>",
)
T(
    F,
    "get-lapsadpassword",
    "PS> Get-LapsADPassword -Identity ⟦HOST⟧ -AsPlainText",
    "ComputerName        : ⟦HOST⟧",
    "DistinguishedName   : CN=⟦HOST⟧,OU=Servers,DC=⟦dc⟧,DC=local",
    "Account             : Administrator",
    "Password            : ⟦!laps_pw⟧",
    "PasswordUpdateTime  : 12/2/2026 8:09:11 PM",
)
T(
    F,
    "secretsdump-ntlm",
    "[*] Dumping Domain Credentials (domain\\uid:rid:lmhash:nthash)",
    "⟦DOMAIN⟧\\⟦user⟧:1105:aad3b435b51404eeaad3b435b51404ee:⟦!hex32⟧:::",
    "⟦DOMAIN⟧\\krbtgt:502:aad3b435b51404eeaad3b435b51404ee:⟦!hex32_2⟧:::",
)

# ---- api_gateway_flags
F = "api_gateway_flags"
T(F, "launchdarkly-sdk-key", "LD_SDK_KEY=⟦!ld_sdk⟧", "LD_OFFLINE=false")
T(
    F,
    "kong-admin-key-auth",
    "curl -s -X POST http://kong-admin.⟦ns⟧.svc:8001/consumers/⟦app⟧/key-auth -d key=⟦!al32⟧",
)
T(
    F,
    "tyk-authorization-header",
    "curl -H 'x-tyk-authorization: ⟦!hex32⟧' https://gateway.⟦domain⟧/tyk/apis/",
)
T(F, "unleash-token", "UNLEASH_URL=https://unleash.⟦domain⟧/api", "UNLEASH_API_TOKEN=⟦!unleash⟧")
T(
    F,
    "mixpanel-service-account",
    "curl -s -u ⟦app⟧.⟦lan6⟧.mp-service-account:⟦!al32⟧ 'https://mixpanel.com/api/app/me'",
)
T(
    F,
    "apigw-x-api-key",
    "curl -H 'x-api-key: ⟦!al40⟧' https://⟦lan10⟧.execute-api.⟦region⟧.amazonaws.com/prod/orders",
)
T(F, "flagsmith-server-key", "FLAGSMITH_ENVIRONMENT_KEY=⟦!flagsmith⟧")
T(
    F,
    "posthog-personal-key",
    "curl -H 'Authorization: Bearer ⟦!posthog⟧' https://eu.posthog.com/api/projects/⟦num5⟧/feature_flags/",
)
T(F, "rapidapi-key", "X-RapidAPI-Key: ⟦!hex50⟧", "X-RapidAPI-Host: ⟦app⟧.p.rapidapi.com")
T(F, "statsig-server-secret", "STATSIG_SERVER_SECRET=⟦!statsig⟧", "STATSIG_ENVIRONMENT=production")

# ---- crypto_keys_app
F = "crypto_keys_app"
T(
    F,
    "airflow-fernet-keys",
    "AIRFLOW__CORE__FERNET_KEY=⟦!fernet_1⟧,⟦!fernet_2⟧",
    "AIRFLOW__WEBSERVER__SECRET_KEY=⟦!hex32⟧",
)
T(
    F,
    "kms-decrypt-plaintext",
    "$ aws kms decrypt --ciphertext-blob fileb://datakey.enc --query Plaintext --output text",
    "⟦!b64k32⟧",
)
T(
    F,
    "openssl-enc-keys",
    "openssl enc -aes-256-cbc -pbkdf2 -in dump.sql -out dump.sql.enc -k '⟦!pw⟧'",
    "openssl enc -d -aes-256-cbc -K ⟦!hex64⟧ -iv ⟦hex32⟧ -in blob.bin",
)
T(
    F,
    "vault-transit-export",
    "$ vault read -format=json transit/export/encryption-key/⟦app⟧ | jq .data.keys",
    "{",
    '  "1": "⟦!b64k32⟧"',
    "}",
)
T(
    F,
    "jwks-private-ec",
    '{"kty":"EC","crv":"P-256","kid":"⟦al10⟧","use":"sig","x":"⟦b64u43⟧","y":"⟦b64u43_2⟧","d":"⟦!b64u43_3⟧"}',
)
T(
    F,
    "keycloak-realm-key-export",
    '      "config": {',
    '        "privateKey": ["⟦!pk8_oneline⟧"],',
    '        "priority": ["100"]',
)
T(
    F,
    "kafka-ssl-properties",
    "ssl.keystore.location=/etc/kafka/secrets/kafka.keystore.jks",
    "ssl.keystore.password=⟦!pw_1⟧",
    "ssl.key.password=⟦!pw_2⟧",
    "ssl.truststore.password=changeit",
)
T(
    F,
    "nextcloud-config-php",
    "  'passwordsalt' => '⟦!al30⟧',",
    "  'secret' => '⟦!b64k36⟧',",
    "  'dbuser' => '⟦user⟧',",
    "  'dbpassword' => '⟦!pw⟧',",
)
T(
    F,
    "gitea-app-ini",
    "[security]",
    "SECRET_KEY = ⟦!al64⟧",
    "INTERNAL_TOKEN = ⟦!jwt_hs⟧",
    "[oauth2]",
    "JWT_SECRET = ⟦!b64u43⟧",
)
T(F, "mongodb-keyfile", "$ sudo cat /etc/mongod/keyfile", "⟦!b64k96⟧")

# ---- monitoring_checks
F = "monitoring_checks"
T(
    F,
    "nagios-command-check-mysql",
    "define command {",
    "    command_name  check_mysql_prod",
    "    command_line  $USER1$/check_mysql -H $HOSTADDRESS$ -u ⟦user⟧ -p ⟦!pw⟧ -d ⟦db⟧",
    "}",
)
T(
    F,
    "icinga-http-auth-pair",
    'object Service "⟦app⟧-health" {',
    '  check_command = "http"',
    '  vars.http_auth_pair = "⟦user⟧:⟦!pw⟧"',
    "}",
)
T(
    F,
    "zabbix-macro-export",
    "      macros:",
    "        - macro: '{$MYSQL.PASSWORD}'",
    "          value: ⟦!pw⟧",
    "        - macro: '{$MYSQL.USER}'",
    "          value: ⟦user⟧",
)
T(
    F,
    "blackbox-probe-alert",
    "[FIRING:1] ProbeFailed (https://⟦user⟧:⟦!urlpw⟧@status.⟦domain⟧/health blackbox ⟦cluster⟧)",
)
T(
    F,
    "uptime-monitor-basic-auth",
    'Monitor "⟦app⟧ admin" – HTTP(s) – https://⟦app⟧.⟦domain⟧/admin – Basic auth: ⟦user⟧ / ⟦!pw⟧',
)
T(
    F,
    "prometheus-scrape-config",
    "  - job_name: ⟦app⟧",
    "    basic_auth:",
    "      username: ⟦user⟧",
    "      password: ⟦!pw⟧",
    "    authorization:",
    "      credentials: ⟦!jwt_rs⟧",
)
T(
    F,
    "telegraf-mysql-input",
    "[[inputs.mysql]]",
    '  servers = ["⟦user⟧:⟦!urlpw⟧@tcp(⟦host⟧:3306)/?tls=false"]',
)
T(
    F,
    "postgres-exporter-dsn",
    'DATA_SOURCE_NAME="postgresql://⟦user⟧:⟦!urlpw⟧@⟦host⟧:5432/postgres?sslmode=disable"',
)
T(F, "checkmk-snmp-rule", "snmp_communities = [( '⟦!snmp_comm⟧', [], ['⟦host⟧'] )]")
T(
    F,
    "grafana-webhook-contact-point",
    '      "httpHeaderName1": "Authorization",',
    '      "httpHeaderValue1": "Bearer ⟦!glsa⟧",',
    '      "url": "https://hooks.⟦domain⟧/grafana"',
)

# =========================================================================== KEEP TEMPLATES
K(
    "kubectl-get-secret-metadata",
    "$ kubectl get secret ⟦app⟧-tls -n ⟦ns⟧ -o yaml | yq .metadata",
    'creationTimestamp: "⟦+ts⟧"',
    "name: ⟦app⟧-tls",
    'resourceVersion: "⟦+num8⟧"',
    "uid: ⟦+uuid⟧",
)
K(
    "auth-failed-request-ids",
    "⟦ts⟧ WARN auth: token rejected request_id=⟦+uuid⟧ trace_id=⟦+trace⟧ span_id=⟦+span⟧ error=invalid_token",
)
K(
    "otel-debug-span",
    "Span #0",
    "    Trace ID       : ⟦+trace⟧",
    "    Parent ID      : ⟦+span⟧",
    "    ID             : ⟦+span_2⟧",
    "    Name           : POST /oauth/token",
    "    Attributes: http.status_code=401 auth.method=client_secret_basic",
)
K(
    "image-digest-session-store",
    "    image: ghcr.io/⟦org⟧/session-store@⟦+digest⟧",
    '    env: [{name: SESSION_TTL, value: "3600"}]',
)
K(
    "git-log-rotate-secret",
    "commit ⟦+sha⟧",
    "Author: ⟦name⟧ <⟦email⟧>",
    "Date:   Tue Dec 2 20:09:11 2026 +0000",
    "",
    "    Rotate webhook secret via Vault; no secret material in repo",
)
K(
    "keycloak-version-token-endpoint",
    "⟦ts⟧ INFO  [org.keycloak.services] (main) KC-SERVICES0050: Initializing master realm; Keycloak ⟦+ver⟧ token endpoint ready on port ⟦+port⟧",
)
K(
    "ora-invalid-password",
    "ORA-01017: invalid username/password; logon denied",
    "Session ID ⟦+num5⟧, serial ⟦+num5_2⟧ terminated; credential check failed for service ORCLPDB1",
)
K(
    "pod-secret-mount-failed",
    'Warning  FailedMount  ⟦num2⟧s  kubelet  MountVolume.SetUp failed for volume "db-credentials" : secret "db-credentials" not found',
    "pod/⟦+pod⟧ on node ⟦+node⟧",
)
K(
    "sshd-failed-password",
    "⟦syslog_ts⟧ ⟦host⟧ sshd[⟦+pid⟧]: Failed password for invalid user ⟦user⟧ from ⟦ip⟧ port ⟦+port⟧ ssh2",
)
K(
    "sshd-accepted-publickey",
    "⟦syslog_ts⟧ ⟦host⟧ sshd[⟦+pid⟧]: Accepted publickey for ⟦user⟧ from ⟦ip⟧ port ⟦+port⟧ ssh2: ED25519 ⟦+sshfp⟧",
)
K(
    "gpg-verify-signing-key",
    "gpg: Signature made Tue 02 Dec 2026 08:09:11 PM UTC",
    "gpg:                using RSA key ⟦+gpgfpr⟧",
    'gpg: Good signature from "Release Signing Key" [ultimate]',
)
K(
    "secretsmanager-arn",
    "⟦ts⟧ INFO fetched secret version AWSCURRENT from ⟦+arn_sm⟧ (VersionId ⟦+uuid⟧)",
)
K(
    "kms-key-arn",
    "Encrypting data key with KMS key ⟦+arn_kms⟧ (key state: Enabled, KeyUsage: ENCRYPT_DECRYPT)",
)
K(
    "sa-token-path",
    "⟦ts⟧ INFO reading service account token from ⟦+'/var/run/secrets/kubernetes.io/serviceaccount/token'⟧ (projected, expires in 3607s)",
)
K(
    "metric-auth-token-validation",
    "# HELP auth_token_validation_seconds Time spent validating bearer tokens",
    'auth_token_validation_seconds_bucket{le="0.25"} ⟦+num6⟧',
    "auth_token_validation_seconds_count ⟦+num6_2⟧",
)
K(
    "sha256sum-vault-zip",
    "# verify the secrets-store release against the signed SHA256SUMS (signing key 72D7468F)",
    "$ sha256sum vault_⟦ver⟧_linux_amd64.zip",
    "⟦+hex64⟧  vault_⟦ver⟧_linux_amd64.zip",
)
K(
    "openssl-x509-serial",
    "$ openssl x509 -in client-auth.crt -noout -serial -fingerprint -sha256",
    "serial=⟦+HEX32⟧",
    "sha256 Fingerprint=⟦+colonfp⟧",
)
K(
    "jwks-public-kid",
    '{"keys":[{"kty":"RSA","use":"sig","alg":"RS256","kid":"⟦+kid⟧","e":"AQAB","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"}]}',
)
K(
    "vault-audit-hmac",
    '{"time":"⟦ts⟧","type":"response","auth":{"client_token":"⟦+\'hmac-sha256:\'+hex64⟧","accessor":"⟦+\'hmac-sha256:\'+hex64_2⟧","policies":["default","⟦app⟧-read"]},"request":{"id":"⟦+uuid⟧","path":"secret/data/⟦app⟧/db"}}',
)
K(
    "containerd-id-token-refresher",
    "    Container ID:   containerd://⟦+cid64⟧",
    "    Image:          ⟦registry⟧/token-refresher:⟦+vver⟧",
    "    State:          Running",
)
K(
    "session-expiry-timestamp",
    "⟦ts⟧ INFO session for user ⟦user⟧ refreshed; access token expires at ⟦+ts_2⟧ (session_id hashed, see audit)",
)
K(
    "access-log-401-latency",
    '⟦ip⟧ "POST /api/v1/sessions HTTP/1.1" 401 latency=⟦+float⟧s x-request-id=⟦+uuid⟧ auth=bearer reason=expired',
)
K(
    "tf-apply-secret-version",
    "aws_secretsmanager_secret_version.db: Modifications complete after 1s [id=⟦+arn_sm⟧|⟦+uuid⟧]",
)
K(
    "helm-release-secret-name",
    "$ kubectl get secret -n ⟦ns⟧ -l owner=helm",
    "NAME                                 TYPE                 DATA   AGE",
    "⟦+'sh.helm.release.v1.'+app+'.v'+num2⟧   helm.sh/release.v1   1      ⟦num2_2⟧d",
)
K(
    "cert-fingerprint-auth",
    "client certificate auth: subject=CN=⟦app⟧.⟦ns⟧.svc SHA256 Fingerprint=⟦+colonfp⟧ notAfter=⟦+'Dec 31 23:59:59 2026 GMT'⟧",
)
K(
    "sentry-event-auth-error",
    "⟦ts⟧ ERROR captured AuthenticationError in session middleware; Sentry event_id=⟦+hex32⟧ release=⟦+short⟧",
)
K(
    "gha-run-url-secret-scan",
    "Secret scanning workflow finished: https://github.com/⟦org⟧/⟦repo⟧/actions/runs/⟦+num10⟧ (attempt 1, job ⟦+num11⟧)",
)
K(
    "imds-token-instance",
    "⟦ts⟧ WARN IMDSv2 session token request from ⟦+instance⟧ (⟦+ami⟧) timed out after 1s; falling back to credential chain",
)
K(
    "pg-auth-failed-hba",
    '⟦ts_pg⟧ UTC [⟦+pid⟧] FATAL:  password authentication failed for user "⟦user⟧"',
    '⟦ts_pg⟧ UTC [⟦+pid⟧] DETAIL:  Connection matched pg_hba.conf line ⟦num3⟧: "host all all 10.0.0.0/8 scram-sha-256"',
    "SQLSTATE ⟦+'28P01'⟧",
)
K(
    "mysql-access-denied",
    "ERROR 1045 (28000): Access denied for user '⟦user⟧'@'⟦ip⟧' (using password: YES)",
    "mysqld ⟦+ver⟧ connection id ⟦+num6⟧",
)
K(
    "java-stack-token-service",
    "io.jsonwebtoken.ExpiredJwtException: JWT expired at ⟦+ts⟧. Current time: ⟦+ts_2⟧",
    "	at com.⟦org⟧.auth.TokenService.validate(⟦+'TokenService.java:'+num3⟧)",
)
K(
    "redis-noauth-version",
    "(error) NOAUTH Authentication required.",
    "# Server",
    "redis_version:⟦+ver⟧",
    "run_id:⟦+hex40⟧",
)
K(
    "istio-headers-redacted-auth",
    "x-request-id: ⟦+uuid⟧",
    "x-b3-traceid: ⟦+trace⟧",
    "x-b3-spanid: ⟦+span⟧",
    "authorization: [REDACTED]",
)
K(
    "nginx-auth-request-error",
    '2026/12/02 20:09:11 [error] ⟦+pid⟧#⟦num2⟧: *⟦+num7⟧ auth request unexpected status: 500 while sending to client, upstream: "http://⟦ip⟧:4180/oauth2/auth"',
)
K(
    "kube-audit-secret-get",
    '{"kind":"Event","level":"Metadata","auditID":"⟦+uuid⟧","stage":"ResponseComplete","verb":"get","requestURI":"⟦+\'/api/v1/namespaces/\'+ns+\'/secrets/\'+app+\'-creds\'⟧","user":{"username":"system:serviceaccount:⟦ns⟧:⟦app⟧"},"responseStatus":{"code":200}}',
)
K(
    "docker-build-secret-mount",
    "#8 [build 3/6] RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci",
    "#8 DONE ⟦+float⟧s",
    "#9 writing image ⟦+digest⟧ done",
)
K(
    "npm-e401-log-path",
    "npm ERR! code E401",
    "npm ERR! Unable to authenticate, your authentication token seems to be invalid.",
    "npm ERR! A complete log of this run can be found in: ⟦+'/root/.npm/_logs/'+date+'T20_09_11_'+num3+'Z-debug-0.log'⟧",
)
K("pip-hash-keyring", "keyring==⟦+ver⟧ \\", "    --hash=sha256:⟦+hex64⟧")
K(
    "certbot-key-paths",
    "Successfully received certificate.",
    "Certificate is saved at: ⟦+'/etc/letsencrypt/live/'+domain+'/fullchain.pem'⟧",
    "Key is saved at:         ⟦+'/etc/letsencrypt/live/'+domain+'/privkey.pem'⟧",
)
K(
    "systemd-vault-agent",
    "Started vault-agent.service - Vault secret agent (PID ⟦+pid⟧).",
    "vault-agent.service: Main process exited, code=exited, status=⟦+'2/INVALIDARGUMENT'⟧",
)
K(
    "cloudtrail-getsecretvalue",
    '{"eventName": "GetSecretValue", "eventSource": "secretsmanager.amazonaws.com", "requestID": "⟦+uuid⟧", "eventID": "⟦+uuid_2⟧", "eventTime": "⟦+ts⟧"}',
)
K(
    "gcp-secret-resource-name",
    '"protoPayload": {"methodName": "google.cloud.secretmanager.v1.SecretManagerService.AccessSecretVersion", "resourceName": "⟦+\'projects/\'+num12+\'/secrets/\'+app+\'-api-key/versions/\'+num1⟧"}',
)
K(
    "azure-keyvault-correlation",
    "Key Vault secret get failed: (Forbidden) The user, group or application does not have secrets get permission. Code: ⟦+'ForbiddenByPolicy'⟧ x-ms-request-id: ⟦+uuid⟧ correlationId: ⟦+uuid_2⟧",
)
K(
    "terraform-lock-hashes-vault",
    "# vault provider (secrets engines, token auth) pinned after upgrade",
    'provider "registry.terraform.io/hashicorp/vault" {',
    '  version     = "⟦+ver⟧"',
    "  hashes = [",
    "    \"⟦+'zh:'+hex64⟧\",",
)
K(
    "deploy-log-short-sha",
    "Deploying auth-token-service ⟦+short⟧ (⟦+vver⟧) to ⟦cluster⟧ … rollout complete, 3/3 pods ready",
)
K(
    "jaeger-trace-link",
    "Trace for the failed credential refresh: https://jaeger.⟦domain⟧/trace/⟦+trace⟧",
)
K(
    "traceparent-header",
    "traceparent: ⟦+'00-'+trace+'-'+span+'-01'⟧",
    "authorization: Bearer <redacted>",
)
K(
    "stripe-request-id",
    "Stripe API error (api key ok): Request ⟦+reqid⟧: No such customer: 'cus_⟦al14⟧'",
    "event ⟦+evt⟧ delivered to webhook endpoint",
)
K(
    "aws-request-id-sts",
    "An error occurred (ExpiredToken) when calling the GetCallerIdentity operation: The security token included in the request is expired",
    "x-amzn-RequestId: ⟦+uuid⟧",
    "\"Arn\": \"⟦+'arn:aws:sts::'+acct+':assumed-role/'+app+'-role/botocore-session-'+epoch⟧\"",
)
K(
    "kubectl-get-pods-auth",
    "$ kubectl get pods -n auth",
    "NAME                              READY   STATUS             RESTARTS   AGE",
    "⟦+pod⟧   0/1     CrashLoopBackOff   ⟦num2⟧         ⟦num2_2⟧m",
    "⟦+pod_2⟧   1/1     Running            0          3d",
)
K(
    "openssl-verify-client-key",
    "client key loaded from /etc/⟦app⟧/tls/client.key; verify error:num=⟦+'20'+':unable to get local issuer certificate'⟧",
    "depth=1 CN=⟦org⟧ Internal CA ⟦+'G2'+'-'+num4⟧",
)
K(
    "vault-status",
    "Key                Value",
    "Seal Type          shamir",
    "Sealed             false",
    "Total Shares       5",
    "Version            ⟦+ver⟧",
    "Cluster ID         ⟦+uuid⟧",
    "HA Mode            active",
)
K(
    "ssh-keygen-fingerprint",
    "$ ssh-keygen -lf ~/.ssh/id_ed25519.pub",
    "256 ⟦+sshfp⟧ ⟦user⟧ deploy key (ED25519)",
)
K(
    "x509-subject-key-identifier",
    "            X509v3 Subject Key Identifier:",
    "                ⟦+':'.join([HEX2_1,HEX2_2,HEX2_3,HEX2_4,HEX2_5,HEX2_6,HEX2_7,HEX2_8,HEX2_9,HEX2_10,HEX2_11,HEX2_12,HEX2_13,HEX2_14,HEX2_15,HEX2_16,HEX2_17,HEX2_18,HEX2_19,HEX2_20])⟧",
    "            X509v3 Extended Key Usage: TLS Web Client Authentication",
)
K(
    "jwt-header-payload-decoded",
    'header:  {"alg":"RS256","kid":"⟦+kid⟧","typ":"JWT"}',
    'payload: {"iss":"https://sso.⟦domain⟧","jti":"⟦+uuid⟧","exp":⟦+epoch⟧,"scope":"openid"}',
    "(signature omitted; token taken from the Authorization header)",
)
K(
    "www-authenticate-expired",
    "HTTP/1.1 401 Unauthorized",
    'WWW-Authenticate: Bearer realm="⟦app⟧", error="invalid_token", error_description="The access token expired"',
    "X-Request-Id: ⟦+uuid⟧",
)
K(
    "celery-refresh-tokens-task",
    "[⟦ts_pg⟧: INFO/ForkPoolWorker-2] Task auth.refresh_tokens[⟦+uuid⟧] succeeded in ⟦+float⟧s: None",
)
K(
    "sidekiq-session-cleanup",
    "⟦ts⟧ pid=⟦+pid⟧ tid=⟦lan4⟧ class=SessionCleanupJob jid=⟦+hex24⟧ elapsed=⟦+float⟧ INFO: done",
)
K(
    "node-stack-session-store",
    "TypeError: Cannot read properties of undefined (reading 'cookie')",
    "    at RedisStore.get (⟦+'/app/node_modules/connect-redis/dist/cjs/index.js:'+num2+':'+num2_2⟧)",
    "    at session (/app/node_modules/express-session/index.js:485:11)",
)
K(
    "python-jwt-expired-trace",
    "Traceback (most recent call last) while validating session token:",
    "  File \"⟦+'/usr/local/lib/python3.11/site-packages/jwt/api_jwt.py'⟧\", line ⟦num3⟧, in _validate_exp",
    "jwt.exceptions.ExpiredSignatureError: Signature has expired",
)
K(
    "go-goroutine-token-verifier",
    "goroutine ⟦+num5⟧ [running]:",
    "github.com/⟦org⟧/authz/token.(*Verifier).Verify(⟦+'0xc000'+hex6⟧, {⟦+'0xc0004'+hex5⟧, 0x3c8})",
    "	/src/authz/token/verify.go:⟦num2⟧ +0x⟦hex3⟧",
)
K(
    "windows-4625-failed-logon",
    "An account failed to log on.  Event ID: 4625",
    "Failure Reason: Unknown user name or bad password.",
    "Status: ⟦+'0xC000006D'⟧  Sub Status: ⟦+'0xC000006A'⟧  Logon Process: NtLmSsp  Authentication Package: NTLM",
)
K(
    "windows-4624-logon-guid",
    "An account was successfully logged on. Logon Type: 3  Authentication Package: Kerberos",
    "Logon ID: ⟦+'0x'+HEX7⟧  Logon GUID: ⟦+'{'+uuid+'}'⟧",
)
K(
    "kerberos-4769-ticket",
    "A Kerberos authentication ticket (TGT) was requested. Service Name: krbtgt  Ticket Encryption Type: 0x12  Failure Code: 0x0  Client Port: ⟦+port⟧  Ticket Options: ⟦+'0x'+hex8⟧",
)
K(
    "gitlab-job-digest",
    "Running with gitlab-runner ⟦+ver⟧ (⟦+short⟧) on runner-⟦lan8⟧ — runner token configured",
    "Using docker image sha256:⟦+hex64⟧ for registry.gitlab.com/⟦org⟧/ci-images/deploy:latest with digest ⟦+digest⟧",
)
K(
    "maven-upload-sha1",
    "Uploaded to releases (authenticated as deploy credential): https://repo.⟦domain⟧/releases/com/⟦org⟧/auth-client/⟦ver⟧/auth-client-⟦ver⟧.jar (⟦num3⟧ kB)",
    "sha1: ⟦+hex40⟧",
)
K(
    "ceph-keyring-path",
    "[global]",
    "fsid = ⟦+uuid⟧",
    "auth_cluster_required = cephx",
    "[client.admin]",
    "keyring = ⟦+'/etc/ceph/ceph.client.admin.keyring'⟧",
)
K(
    "etcd-member-healthy-cert-auth",
    "member ⟦+hex16⟧ is healthy: got healthy result from https://⟦ip⟧:2379 (client-cert-auth=true, version ⟦+ver⟧)",
)
K(
    "ldap-invalid-credentials",
    "ldap_bind: Invalid credentials (49)",
    "	additional info: ⟦+'80090308'⟧: LdapErr: ⟦+'DSID-0C09044E'⟧, comment: AcceptSecurityContext error, data 52e, v4563",
)
K(
    "oauth-invalid-client",
    'error=invalid_client error_description="Client authentication failed" client_id=⟦+uuid⟧ correlation=⟦+uuid_2⟧',
)
K(
    "google-oauth-client-id",
    "\"client_id\": \"⟦+num12+'-'+lan32+'.apps.googleusercontent.com'⟧\",",
    '"client_secret": "<stored in Secret Manager>",',
)
K(
    "aadsts-invalid-secret",
    "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.",
    "Trace ID: ⟦+uuid⟧ Correlation ID: ⟦+uuid_2⟧ Timestamp: ⟦+ts_pg⟧Z",
)
K(
    "prometheus-alert-vault-token",
    "[FIRING:1] VaultTokenExpiring instance=⟦host⟧:8200 job=vault severity=warning value=⟦+float⟧ runbook=⟦+'https://runbooks.'+domain+'/vault/token-expiry'⟧",
)
K(
    "restic-snapshots",
    "repository ⟦+hex8⟧ opened (version 2, compression level auto)",
    "password is correct (key from RESTIC_PASSWORD_FILE)",
    "ID        Time                 Host        Tags",
    "⟦+hex8_2⟧  ⟦date⟧ 02:00:13  ⟦host⟧  nightly",
)
K(
    "velero-backup-describe",
    "Name:         nightly-⟦+num14⟧",
    "Namespace:    velero",
    "Phase:        Completed",
    "Backup credentials secret: cloud-credentials (key: cloud), UID: ⟦+uuid⟧",
)
K(
    "argo-rollout-revision",
    "Rollout auth-session-api revision ⟦num2⟧ healthy; image digest ⟦+digest⟧; secret checksum annotation ⟦+'checksum/secret: '+hex64⟧",
)
K(
    "kubelet-token-projection",
    "⟦syslog_ts⟧ ⟦host⟧ kubelet[⟦+pid⟧]: I1202 20:09:11.⟦num6⟧ projected token for pod ⟦+pod⟧ refreshed, expirationSeconds=3607 audience=vault",
)
K(
    "github-deploy-key-id",
    "Deploy key ⟦+num8⟧ (read-only) added to ⟦org⟧/⟦repo⟧; fingerprint ⟦+sshfp⟧",
)
K(
    "gpg-key-listing",
    "sec   ed25519/⟦+gpgid⟧ 2025-03-01 [SC] [expires: 2027-03-01]",
    "      Key fingerprint = ⟦+gpgfpr⟧",
    "uid                 [ultimate] Ops Secret Signing",
)
K(
    "aws-iam-role-arn",
    "assuming role ⟦+arn_role⟧ via web identity token file ⟦+'/var/run/secrets/eks.amazonaws.com/serviceaccount/token'⟧",
)
K(
    "consul-accessor-policy",
    "Token policy updated: policy ID ⟦+uuid⟧ (name: ⟦app⟧-secrets-read), datacenter ⟦cluster⟧, modify index ⟦+num7⟧",
)
K(
    "mongo-auth-failed-log",
    '{"t":{"$date":"⟦+ts⟧"},"s":"I","c":"ACCESS","id":⟦+num5⟧,"ctx":"conn⟦num5_2⟧","msg":"Authentication failed","attr":{"mechanism":"SCRAM-SHA-256","user":"⟦user⟧","db":"admin","error":"AuthenticationFailed: SCRAM authentication failed, storedKey mismatch"}}',
)
K(
    "rabbitmq-auth-refused-conn",
    "⟦ts_pg⟧ [error] <0.⟦num4⟧.0> PLAIN login refused: user '⟦user⟧' - invalid credentials, connection ⟦+'<0.'+num4_2+'.0>'⟧ (⟦ip⟧:⟦port⟧ -> ⟦ip_2⟧:5672)",
)
K(
    "ecr-image-scan",
    "Image ⟦+acct+'.dkr.ecr.'+region+'.amazonaws.com/'+app+':'+ver⟧ pushed with registry auth token (12h); digest ⟦+digest⟧",
)
K(
    "pagerduty-incident-ids",
    "Incident ⟦+'Q'+ua13⟧ #⟦+num5⟧ triggered: \"API key auth failures > 5%\" dedup_key=⟦+uuid⟧",
)
K(
    "mtls-spiffe-id",
    "peer authenticated: spiffe://⟦domain⟧/ns/⟦ns⟧/sa/⟦app⟧ x509 SVID serial ⟦+serial⟧ expires ⟦+ts⟧",
)
K(
    "k8s-event-token-request",
    "⟦num2⟧m  Normal  TokenRequest  serviceaccount/⟦app⟧  created token for pod ⟦+pod⟧ (uid ⟦+uuid⟧), audience https://kubernetes.default.svc",
)
K(
    "sql-server-login-error",
    "Login failed for user '⟦user⟧'. Reason: Password did not match that for the login provided. [CLIENT: ⟦ip⟧] Error: 18456, Severity: 14, State: 8. (connection id ⟦+uuid⟧)",
)


# =========================================================================== rendering and checks
COMMON_WORDS = {
    "password",
    "secret",
    "token",
    "admin",
    "changeme",
    "default",
    "letmein",
    "welcome",
    "qwerty",
    "prod",
    "production",
    "staging",
    "master",
    "root",
    "guest",
    "test",
    "example",
    "private",
    "public",
    "summer",
    "winter",
    "dragon",
    "monkey",
    "sunshine",
    "football",
    "baseball",
}


def cases(seed: int = SEED) -> list[Case]:
    """Every case template rendered RENDERS times with fresh values; deterministic for a seed."""
    r = random.Random(seed)
    out: list[Case] = []
    for family, fmt, lines in _TEMPLATES:
        for _ in range(RENDERS):
            text, values, _tokens = _render(lines, r)
            out.append(Case(family, fmt, text, values))
    return out


def keep_list(seed: int = SEED) -> list[Keep]:
    """Every keep template rendered RENDERS times; a rendering whose token would sit inside a
    planted secret of the same seed is drawn again (deterministically)."""
    secrets = [v for c in cases(seed) for v in c.values]
    r = random.Random(seed + 7919)
    out: list[Keep] = []
    for fmt, lines in _KEEPS:
        for _ in range(RENDERS):
            for _attempt in range(100):
                text, _values, tokens = _render(lines, r)
                if not any(t in s for t in tokens for s in secrets):
                    break
            out.append(Keep(fmt, text, tokens))
    return out


_IPV4 = re.compile(r"\d{1,3}(\.\d{1,3}){3}")
_TEMPT = re.compile(r"token|key|password|passwd|secret|auth|session|credential", re.I)


def _check() -> None:
    cs = cases()
    ks = keep_list()
    assert cs == cases() and ks == keep_list(), "not deterministic"
    fams: dict[str, int] = {}
    fmts: set[tuple[str, str]] = set()
    for family, fmt, _lines in _TEMPLATES:
        fams[family] = fams.get(family, 0) + 1
        assert (family, fmt) not in fmts, f"duplicate template {family}/{fmt}"
        fmts.add((family, fmt))
    all_values: list[str] = []
    for c in cs:
        assert 1 <= len(c.lines) <= 8, (c.family, c.format, len(c.lines))
        assert c.values, (c.family, c.format)
        for v in c.values:
            assert len(v) >= 4, (c.family, c.format, len(v))
            assert any(v in line for line in c.lines), (c.family, c.format)
            assert not (v.isalpha() and v.islower() and len(v) < 8), (c.family, c.format)
            assert v.lower() not in COMMON_WORDS, (c.family, c.format)
            assert "\n" not in v and "⟦" not in v, (c.family, c.format)
        for line in c.lines:
            assert "⟦" not in line and "⟧" not in line, (c.family, c.format)
        all_values.extend(c.values)
    n_tokens = 0
    for fmt, lines in _KEEPS:
        assert "⟦!" not in "".join(lines), f"keep template {fmt} plants a secret"
    for k in ks:
        text = "\n".join(k.lines)
        assert 1 <= len(k.lines) <= 8, k.format
        assert all(len(t) >= 5 for t in k.tokens), k.format
        assert k.tokens, k.format
        assert _TEMPT.search(text), k.format
        for t in k.tokens:
            assert t in text, (k.format, t)
            assert "@" not in t, (k.format, t)
            assert not _IPV4.fullmatch(t), (k.format, t)
            assert not any(t in v for v in all_values), (k.format, "token inside a secret")
        n_tokens += len(k.tokens)
    print(f"families       {len(fams)}")
    print(f"templates      {len(_TEMPLATES)}")
    print(f"cases          {len(cs)}")
    print(f"values         {len(all_values)}")
    print(f"keep templates {len(_KEEPS)}")
    print(f"keep entries   {len(ks)}")
    print(f"keep tokens    {n_tokens}")
    for fam, n in fams.items():
        print(f"  {fam:24s} {n}")


if __name__ == "__main__":
    _check()
