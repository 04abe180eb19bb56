# ruff: noqa: E501, RUF001, E101
"""Sealed blind corpus L for a log/secret sanitizer, written by helper L on 2026-12-03 without reading the sanitizer, its tests, the other corpora or any benchmark results.

Theme: Windows (PowerShell transcripts, registry exports, GPP cpassword, unattend.xml,
IIS configs, cmdkey/net use/psexec/sc.exe, DSC/WinRM), macOS and mobile (keychain,
launchd, .mobileconfig, logcat/adb, gradle signing, Xcode/fastlane, Firebase/app env
files), backup and storage tools (restic, borg, rclone, s3cmd, MinIO, Velero, Bacula,
Veeam, NetBackup, SMB/iSCSI mounts), VPN/tunnels/network auth (WireGuard, OpenVPN,
strongSwan/IPsec, Tailscale, ZeroTier, ngrok, cloudflared, RADIUS, TACACS+, SNMPv3,
802.1X, hostapd), identity and SSO (Keycloak, Okta, Auth0, SAML, OIDC, LDIF, Kerberos,
FreeIPA, Samba/AD), message brokers and IoT (RabbitMQ, NATS, Pulsar, MQTT, ActiveMQ,
Artemis, Home Assistant, Zigbee2MQTT, ESPHome), password-manager exports and CLIs,
terminal artefacts (ANSI, typescripts, xtrace, history, sudo, expect, here-docs,
Makefiles), collaboration and incident prose (Slack, Teams, Jira, ServiceNow,
Confluence, PagerDuty, Opsgenie, postmortems, e-mail, MIME, .ics, OCR, voice
transcripts) and casual credential hand-overs in 24 natural languages.

SEED = 20261204, VARIANTS = 2 (every template rendered twice with fresh secrets and
fresh surrounding names). Planted values come from random.Random(SEED); keep tokens
come from a separate generator seeded from SEED.

Counts (as reported by _check()): families=43, case_templates=480, cases=960, planted_values=1098, keep_templates=105, keep_entries=210, keep_tokens=290.
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
from typing import NamedTuple

SEED = 20261204
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
_AN = _LOWER + _UPPER + _DIG
_B64A = _AN + "+/"
_B64U = _AN + "-_"
_B32 = _UPPER + "234567"
_HEXL = "0123456789abcdef"
_HEXU = "0123456789ABCDEF"
_SYM = "!#$%*+-.?@^_~"
_CRYPT = "./" + _AN


def _rs(r: random.Random, n: int, alphabet: str = _AN) -> str:
    return "".join(r.choice(alphabet) for _ in range(n))


def _b64(r: random.Random, nbytes: int) -> str:
    return base64.b64encode(r.randbytes(nbytes)).decode()


def _b64u(r: random.Random, nbytes: int) -> str:
    return base64.urlsafe_b64encode(r.randbytes(nbytes)).decode().rstrip("=")


def _b64u_text(s: str) -> str:
    return base64.urlsafe_b64encode(s.encode()).decode().rstrip("=")


def _uuid(r: random.Random) -> str:
    return str(uuid.UUID(int=r.getrandbits(128), version=4))


_PWW = [
    "amber",
    "anchor",
    "apricot",
    "aurora",
    "basil",
    "beacon",
    "birch",
    "bramble",
    "cactus",
    "canyon",
    "cedar",
    "cobalt",
    "comet",
    "copper",
    "coral",
    "cricket",
    "cypress",
    "dahlia",
    "ember",
    "falcon",
    "fennel",
    "fjord",
    "garnet",
    "glacier",
    "granite",
    "harbor",
    "hazel",
    "heron",
    "indigo",
    "ivory",
    "jasper",
    "juniper",
    "kestrel",
    "lagoon",
    "lantern",
    "lilac",
    "lotus",
    "maple",
    "marble",
    "meadow",
    "mistral",
    "nectar",
    "nimbus",
    "oasis",
    "onyx",
    "orchid",
    "otter",
    "pebble",
    "pepper",
    "pinecone",
    "plume",
    "quartz",
    "quill",
    "raven",
    "saffron",
    "sapphire",
    "sequoia",
    "sierra",
    "sparrow",
    "spruce",
    "sundial",
    "tamarind",
    "thistle",
    "timber",
    "topaz",
    "tundra",
    "velvet",
    "walnut",
    "willow",
    "zephyr",
    "mango",
    "biscuit",
    "tornado",
    "pretzel",
    "rocket",
    "violin",
    "waffle",
    "yonder",
    "gizmo",
]


def _pw(r: random.Random) -> str:
    def w() -> str:
        return r.choice(_PWW)

    p = r.randrange(7)
    if p == 0:
        return w().capitalize() + w().capitalize() + _rs(r, r.randint(2, 4), _DIG) + r.choice(_SYM)
    if p == 1:
        return w().capitalize() + r.choice(_SYM) + _rs(r, 4, _DIG) + r.choice(_SYM)
    if p == 2:
        chars = [r.choice(_UPPER), r.choice(_LOWER), r.choice(_DIG), r.choice(_SYM)]
        chars += [r.choice(_AN + _SYM) for _ in range(r.randint(10, 14))]
        r.shuffle(chars)
        return r.choice(_AN) + "".join(chars)
    if p == 3:
        base = w() + w()
        out = base.translate(str.maketrans({"a": "4", "e": "3", "o": "0", "i": "1", "s": "$"}))
        return out[0].upper() + out[1:] + r.choice(_SYM) + _rs(r, 2, _DIG)
    if p == 4:
        return w() + _rs(r, r.randint(2, 3), _DIG) + r.choice(_SYM) + w().capitalize()
    if p == 5:
        return _rs(r, r.randint(12, 16), _AN)
    return w().capitalize() + "-" + w() + "-" + _rs(r, 2, _DIG) + r.choice("!?#")


def _weak(r: random.Random) -> str:
    base = r.choice(
        [
            "Winter",
            "Spring",
            "Summer",
            "Autumn",
            "Welcome",
            "Changeme",
            "Monday",
            "Sunshine",
            "Football",
            "Letmein",
        ]
    )
    return base + r.choice(["2026", "2025", "26", "123", "1", "01"]) + r.choice("!#$?.@*")


def _phrase(r: random.Random) -> str:
    words = r.sample(_PWW, 4)
    style = r.randrange(3)
    if style == 0:
        return "-".join(words)
    if style == 1:
        return "".join(x.capitalize() for x in words[:3]) + _rs(r, 2, _DIG) + r.choice("!?#")
    return "-".join(words[:3]) + "-" + _rs(r, 3, _DIG)


def _phrasesp(r: random.Random) -> str:
    return " ".join(r.sample(_PWW, 4))


def _pin(n: int):
    def g(r: random.Random) -> str:
        while True:
            s = _rs(r, n, _DIG)
            if len(set(s)) > 2:
                return s

    return g


def _jwt_generic(r: random.Random, alg: str, sig_bytes: int, payload: dict) -> str:
    hdr = _b64u_text(json.dumps({"alg": alg, "typ": "JWT"}, separators=(",", ":")))
    body = _b64u_text(json.dumps(payload, separators=(",", ":")))
    return f"{hdr}.{body}.{_b64u(r, sig_bytes)}"


def _jwt(r: random.Random) -> str:
    iat = 1796169600 + r.randrange(86400)
    payload = {
        "sub": _uuid(r),
        "iss": r.choice(
            [
                "https://sso.internal/realms/corp",
                "https://auth.api.local",
                "homeassistant",
                "pulsar",
            ]
        ),
        "iat": iat,
        "exp": iat + r.choice([300, 3600, 86400, 315360000]),
        "scope": r.choice(["openid profile", "read:orders write:orders", "admin", "api"]),
        "jti": _hex_n(r, 16),
    }
    alg = r.choice(["HS256", "RS256"])
    return _jwt_generic(r, alg, 32 if alg == "HS256" else 256, payload)


def _jwths(r: random.Random) -> str:
    return _jwt_generic(
        r,
        "HS256",
        32,
        {
            "sub": r.choice(["ingest", "broker-admin", "analytics-consumer", "superuser"]),
            "iat": 1796169600 + r.randrange(86400),
        },
    )


def _jwtrs(r: random.Random) -> str:
    return _jwt_generic(
        r,
        "RS256",
        256,
        {"sub": r.choice(["proxy", "pulsar-admin", "billing-producer", "flink-sink"])},
    )


def _hex_n(r: random.Random, n: int) -> str:
    return _rs(r, n, _HEXL)


def _natsjwt(r: random.Random) -> str:
    hdr = _b64u_text(json.dumps({"typ": "JWT", "alg": "ed25519-nkey"}, separators=(",", ":")))
    payload = {
        "jti": _rs(r, 52, _B32),
        "iat": 1796169600 + r.randrange(86400),
        "iss": "A" + _rs(r, 55, _B32),
        "name": r.choice(["ingest", "edge-gw", "telemetry", "ops-cli"]),
        "sub": "U" + _rs(r, 55, _B32),
        "nats": {
            "pub": {},
            "sub": {},
            "subs": -1,
            "data": -1,
            "payload": -1,
            "type": "user",
            "version": 2,
        },
    }
    return f"{hdr}.{_b64u_text(json.dumps(payload, separators=(',', ':')))}.{_b64u(r, 64)}"


def _cftoken(r: random.Random) -> str:
    d = {"a": _hex_n(r, 32), "t": _uuid(r), "s": _b64(r, 32)}
    return base64.b64encode(json.dumps(d, separators=(",", ":")).encode()).decode()


def _samlresp(r: random.Random) -> str:
    x = (
        '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_'
        + _hex_n(r, 40)
        + '" Version="2.0" IssueInstant="2026-12-02T10:14:07Z"><saml:Issuer>https://idp.corp/saml2</saml:Issuer>'
        + '<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>'
        + '<saml:Assertion ID="_'
        + _hex_n(r, 40)
        + '"><ds:Signature><ds:SignatureValue>'
        + _b64(r, 256)
        + "</ds:SignatureValue></ds:Signature><saml:Subject><saml:NameID>"
        + _hex_n(r, 16)
        + "</saml:NameID></saml:Subject></saml:Assertion></samlp:Response>"
    )
    return base64.b64encode(x.encode()).decode()


def _p8b64(r: random.Random) -> str:
    pem = (
        "-----BEGIN PRIVATE KEY-----\nMIGTAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBHkwdwIBAQQg"
        + _rs(r, 16, _B64A)
        + "\n"
        + _rs(r, 64, _B64A)
        + "\n"
        + _rs(r, 56, _B64A)
        + "\n-----END PRIVATE KEY-----"
    )
    return base64.b64encode(pem.encode()).decode()


def _velcred(r: random.Random) -> str:
    return f"[default]\naws_access_key_id=AKIA{_rs(r, 16, _UPPER + _DIG)}\naws_secret_access_key={_rs(r, 40, _AN + '/+')}\n"


def _ovpnblock(r: random.Random) -> str:
    body = "\n".join(_hex_n(r, 32) for _ in range(16))
    return (
        "#\n# 2048 bit OpenVPN static key\n#\n-----BEGIN OpenVPN Static key V1-----\n"
        + body
        + "\n-----END OpenVPN Static key V1-----\n"
    )


def _lapspw(r: random.Random) -> str:
    chars = [r.choice(_UPPER), r.choice(_LOWER), r.choice(_DIG), r.choice("!#%+-.@^_")]
    chars += [r.choice(_AN + "!#%+-.@^_") for _ in range(r.randint(11, 16))]
    r.shuffle(chars)
    return "".join(chars)


def _pemtail(r: random.Random) -> str:
    n = r.randint(10, 56)
    pad = r.choice(["", "=", "=="])
    return _rs(r, n - len(pad), _B64A) + pad


_SECRET = {
    "pw": _pw,
    "weak": _weak,
    "phrase": _phrase,
    "phrasesp": _phrasesp,
    "pin4": _pin(4),
    "pin6": _pin(6),
    "pin8": _pin(8),
    "psbytes": lambda r: ",".join(str(r.randrange(256)) for _ in range(16)),
    "psenc": lambda r: "76492d1116743f0423413b16050a5345MgB8A" + _b64(r, 96).rstrip("="),
    "dpapi": lambda r: (
        "01000000d08c9ddf0115d1118c7a00c04fc297eb01000000" + _hex_n(r, 2 * r.randint(110, 150))
    ),
    "DPAPIU": lambda r: (
        "01000000D08C9DDF0115D1118C7A00C04FC297EB01000000" + _rs(r, 2 * r.randint(110, 150), _HEXU)
    ),
    "azsecret": lambda r: _rs(r, 3) + "8Q~" + _rs(r, 34, _AN + "~._-"),
    "octo": lambda r: "API-" + _rs(r, 27, _UPPER + _DIG),
    "lapspw": _lapspw,
    "jwt": _jwt,
    "jwths": _jwths,
    "jwtrs": _jwtrs,
    "vnchex": lambda r: ",".join(f"{b:02x}" for b in r.randbytes(8)),
    "winscp": lambda r: "A35C" + _rs(r, r.choice([54, 62, 70]), _HEXU),
    "commty": lambda r: (
        r.choice(_PWW) + "-" + r.choice(["ro", "rw", "nms", "mon"]) + "-" + _rs(r, 4, _DIG)
    ),
    "ghp": lambda r: "ghp_" + _rs(r, 36),
    "ghs": lambda r: "ghs_" + _rs(r, 36),
    "adopat": lambda r: _rs(r, 52, _LOWER + "234567"),
    "cpass": lambda r: _b64(r, r.choice([32, 48])).rstrip("="),
    "stripe": lambda r: r.choice(["sk_live_", "rk_live_"]) + _rs(r, r.choice([24, 99])),
    "sendgrid": lambda r: "SG." + _rs(r, 22, _B64U) + "." + _rs(r, 43, _B64U),
    "wgkey": lambda r: _b64(r, 32),
    "npm": lambda r: "npm_" + _rs(r, 36),
    "fvkey": lambda r: "-".join(_rs(r, 4, _UPPER + _DIG) for _ in range(6)),
    "aiza": lambda r: "AIzaSy" + _rs(r, 33, _B64U),
    "ya29": lambda r: "ya29.a0" + _rs(r, r.randint(150, 190), _B64U),
    "goog_rt": lambda r: "1//0" + _rs(r, 2) + _rs(r, r.randint(90, 100), _B64U),
    "sentry": lambda r: "sntryu_" + _hex_n(r, 64),
    "apppw": lambda r: "-".join(_rs(r, 4, _LOWER) for _ in range(4)),
    "pem": lambda r: _rs(r, 64, _B64A),
    "pemtail": _pemtail,
    "p8b64": _p8b64,
    "myacinfo": lambda r: "DAWTKNV323952cf8084a204fb20ab2508441a07d02d3" + _hex_n(r, 120),
    "mapbox": lambda r: (
        "sk.eyJ1IjoiY" + _rs(r, 30) + "IiwiYSI6ImNs" + _rs(r, 22) + "In0." + _rs(r, 22, _B64U)
    ),
    "uuids": _uuid,
    "gocspx": lambda r: "GOCSPX-" + _rs(r, 28, _B64U),
    "awssk": lambda r: _rs(r, 40, _AN + "/+"),
    "awssts": lambda r: "IQoJb3JpZ2luX2VjE" + _rs(r, r.randint(280, 360), _AN + "/+") + "=",
    "rclone": lambda r: _b64u(r, 16 + r.randint(8, 20)),
    "b2key": lambda r: "K00" + _rs(r, 28, _AN + "/+"),
    "velcred": _velcred,
    "nbtoken": lambda r: _rs(r, 16, _UPPER),
    "psk": lambda r: _rs(r, r.randint(24, 40), _AN + "!#%+-.@^_"),
    "ovpn": lambda r: _hex_n(r, 32),
    "ovpnblock": _ovpnblock,
    "rsa1": lambda r: "MIIEpAIBAAKCAQEA" + _rs(r, 48, _B64A),
    "tskey": lambda r: "tskey-auth-k" + _rs(r, 10) + "CNTRL-" + _rs(r, 33),
    "tskeyapi": lambda r: "tskey-api-k" + _rs(r, 10) + "CNTRL-" + _rs(r, 33),
    "ngrok": lambda r: r.choice("12") + _rs(r, 26) + "_" + _rs(r, 21),
    "cftoken": _cftoken,
    "radsecret": lambda r: r.choice([_rs(r, 20), _pw(r), "rad" + _rs(r, 13) + r.choice(_SYM)]),
    "cisco7": lambda r: f"{r.randrange(16):02d}" + _rs(r, 2 * r.randint(8, 13), _HEXU),
    "type9": lambda r: "$9$" + _rs(r, 14, _CRYPT) + "$" + _rs(r, 43, _CRYPT),
    "sha512crypt": lambda r: "$6$" + _rs(r, 16, _CRYPT) + "$" + _rs(r, 86, _CRYPT),
    "kcsecret": lambda r: _rs(r, 32),
    "rsakeyb64": lambda r: "MIIEowIBAAKCAQEA" + _rs(r, 880, _B64A),
    "okta": lambda r: "00" + _rs(r, 40, _B64U),
    "oktacs": lambda r: _rs(r, 40, _B64U),
    "auth0cs": lambda r: _rs(r, 64, _B64U),
    "totp": lambda r: _rs(r, 32, _B32),
    "samlresp": _samlresp,
    "o2pcookie": lambda r: (
        _b64u(r, 150) + "|" + str(1796169600 + r.randrange(86400)) + "|" + _b64u(r, 32)
    ),
    "msrt": lambda r: "0.A" + _rs(r, r.randint(300, 360), _B64U),
    "ssha": lambda r: "{SSHA}" + _b64(r, 24),
    "ipaotp": lambda r: _rs(r, 24, _AN + "=+.-_@"),
    "rmqhash": lambda r: _b64(r, 36),
    "cookie": lambda r: _rs(r, 20, _UPPER),
    "natsjwt": _natsjwt,
    "nkuser": lambda r: "SU" + _rs(r, 56, _B32),
    "nkacct": lambda r: "SA" + _rs(r, 56, _B32),
    "mosqhash": lambda r: "$7$101$" + _b64(r, 12) + "$" + _b64(r, 64),
    "artenc": lambda r: "1024:" + _rs(r, 64, _HEXU) + ":" + _rs(r, 128, _HEXU),
    "z2mkey": lambda r: "[" + ", ".join(str(r.randrange(256)) for _ in range(16)) + "]",
    "tgbot": lambda r: str(r.randint(10**9, 8 * 10**9)) + ":AA" + _rs(r, 33, _B64U),
    "tuya": lambda r: _rs(r, 16, _AN + "!#$%()*+-./:;<>?@[]^_{|}~"),
    "bcrypt": lambda r: "$2b$08$" + _rs(r, 53, _CRYPT),
    "recov": lambda r: _hex_n(r, 5) + "-" + _hex_n(r, 5),
    "bwsess": lambda r: _b64(r, 64),
    "opsess": lambda r: _b64u(r, 32),
    "hvs": lambda r: "hvs." + _rs(r, 24),
    "dckr": lambda r: "dckr_pat_" + _rs(r, 27, _B64U),
    "openai": lambda r: "sk-proj-" + _rs(r, r.randint(100, 130), _B64U),
    "whsec": lambda r: "whsec_" + _rs(r, 32),
    "discordwh": lambda r: _rs(r, 68, _B64U),
    "zoompwd": lambda r: _rs(r, 32) + ".1",
    "zoompc": lambda r: _rs(r, r.randint(6, 10)),
    "teamspc": lambda r: _rs(r, 6),
    "webex": lambda r: _rs(r, 11),
    "ilo": lambda r: _rs(r, 8, _UPPER + _DIG),
    "actcode": lambda r: "-".join(_rs(r, 4, _DIG) for _ in range(3)),
    "awsvpnpsk": lambda r: _rs(r, 32, _AN + "._"),
    "xoxb": lambda r: f"xoxb-{_rs(r, 11, _DIG)}-{_rs(r, 13, _DIG)}-{_rs(r, 24)}",
    "xoxp": lambda r: (
        f"xoxp-{_rs(r, 11, _DIG)}-{_rs(r, 11, _DIG)}-{_rs(r, 13, _DIG)}-{_hex_n(r, 32)}"
    ),
    "sasl": lambda r: _rs(r, 64, _B64A),
    "glpat": lambda r: "glpat-" + _rs(r, 20, _B64U),
    "mailgun": lambda r: "key-" + _hex_n(r, 32),
    "p8l1": lambda r: "MIGTAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBHkwdwIBAQQg" + _rs(r, 16, _B64A),
    "pkcs8l1": lambda r: "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC" + _rs(r, 13, _B64A),
}

# ---------------------------------------------------------------------------
# filler (surrounding names, not planted, not keep tokens)
# ---------------------------------------------------------------------------
_USERS = [
    "jdoe",
    "asmith",
    "mkowalski",
    "tnguyen",
    "rpatel",
    "lgarcia",
    "okarimi",
    "hsato",
    "jkim",
    "mrossi",
    "pvisser",
    "ayilmaz",
    "dnovak",
    "ebalogh",
    "ipopescu",
    "vkorhonen",
    "fsilva",
    "nmwangi",
    "rsharma",
    "achen",
]
_SVCACCT = [
    "svc_backup",
    "svc_sql",
    "svc_deploy",
    "svc_iis",
    "svc_sched",
    "svc_scan",
    "svc_report",
    "svc_sync",
    "svc_ldapbind",
    "svc_jenkins",
]
_PERSONS = [
    "Priya",
    "Tomasz",
    "Aiko",
    "Mehmet",
    "Lucia",
    "Kwame",
    "Sven",
    "Nadia",
    "Diego",
    "Hana",
    "Ravi",
    "Elena",
    "Omar",
    "Chloe",
    "Jonas",
    "Mai",
]
_SVCS = [
    "billing-api",
    "ledger",
    "auth-gateway",
    "checkout",
    "inventory",
    "notifier",
    "reporting",
    "search",
    "payments",
    "media-proxy",
    "scheduler",
    "telemetry",
]
_DBS = ["orders", "ledger", "crm", "billing", "inventory", "payroll", "telemetry", "analytics"]
_ORGS = [
    "contoso",
    "northwind",
    "fabrikam",
    "tailspin",
    "adatum",
    "litware",
    "wingtip",
    "woodgrove",
]
_DOMAINS = [
    "corp.contoso.com",
    "int.northwind.io",
    "lab.fabrikam.net",
    "ad.tailspin.org",
    "prod.wingtip.cloud",
    "ops.adatum.eu",
    "hq.litware.co",
    "net.woodgrove.local",
]
_SSIDS = [
    "HQ-Staff",
    "Warehouse-IoT",
    "Guest-5G",
    "NOC-Secure",
    "Lab-2.4",
    "Office-Corp",
    "Studio-Wifi",
    "Plant3-Sensors",
]
_REGIONS = [
    "eu-central-1",
    "us-east-1",
    "eu-west-1",
    "ap-southeast-2",
    "us-west-2",
    "ap-northeast-1",
]
_APPS = ["fieldnotes", "shopfront", "trackr", "medibook", "parkly", "tandem"]


def _host(r: random.Random) -> str:
    return f"{r.choice(['web', 'app', 'api', 'db', 'cache', 'mq', 'bkp', 'vpn', 'edge', 'batch', 'ci', 'mon', 'nas', 'proxy'])}-{r.choice(['prod', 'stg', 'dev', 'dr', 'int'])}-{r.randrange(1, 40):02d}"


def _winhost(r: random.Random) -> str:
    return f"{r.choice(['SRV', 'WS', 'DC', 'SQL', 'FS', 'RDS', 'EXCH', 'ADFS', 'IIS'])}-{r.choice(['FIN', 'HQ', 'OPS', 'LAB', 'BER', 'NYC', 'SGP'])}{r.randrange(1, 99):02d}"


_FILLER = {
    "host": _host,
    "winhost": _winhost,
    "domain": lambda r: r.choice(_DOMAINS),
    "user": lambda r: r.choice(_USERS),
    "svcacct": lambda r: r.choice(_SVCACCT),
    "person": lambda r: r.choice(_PERSONS),
    "ip": lambda r: f"10.{r.randrange(1, 250)}.{r.randrange(0, 250)}.{r.randrange(2, 250)}",
    "svc": lambda r: r.choice(_SVCS),
    "db": lambda r: r.choice(_DBS),
    "org": lambda r: r.choice(_ORGS),
    "app": lambda r: r.choice(_APPS),
    "ssid": lambda r: r.choice(_SSIDS),
    "region": lambda r: r.choice(_REGIONS),
    "bucket": lambda r: (
        f"{r.choice(_ORGS)}-{r.choice(['backups', 'exports', 'archive', 'logs'])}-{r.choice(['prod', 'dr', 'eu'])}"
    ),
    "date": lambda r: f"2026-11-{r.randrange(10, 30)}",
    "ts": lambda r: (
        f"2026-12-0{r.randrange(1, 3)}T{r.randrange(24):02d}:{r.randrange(60):02d}:{r.randrange(60):02d}Z"
    ),
    "epoch": lambda r: str(1796169600 + r.randrange(86400)),
    "uuidf": _uuid,
    "UUIDU": lambda r: _uuid(r).upper(),
    "mac": lambda r: ":".join(f"{b:02x}" for b in r.randbytes(6)),
    "AKIAf": lambda r: "AKIA" + _rs(r, 16, _UPPER + _DIG),
    "wgpubf": lambda r: _b64(r, 32),
    "nkpubUf": lambda r: "U" + _rs(r, 55, _B32),
    "nkpubAf": lambda r: "A" + _rs(r, 55, _B32),
    "serialf": lambda r: "CZJ" + _rs(r, 7, _UPPER + _DIG),
    "cid": lambda r: "0oa" + _rs(r, 17),
    "n": lambda r: str(r.randint(2, 60)),
    "ver": lambda r: f"{r.randint(1, 9)}.{r.randint(10, 30)}.{r.randint(0, 9)}",
}

# ---------------------------------------------------------------------------
# keep tokens (diagnostic, not secret)
# ---------------------------------------------------------------------------
_KEEP = {
    "ktrace": lambda r: _hex_n(r, 32),
    "kspan": lambda r: _hex_n(r, 16),
    "kuuid": _uuid,
    "kuuidU": lambda r: _uuid(r).upper(),
    "kdigest": lambda r: "sha256:" + _hex_n(r, 64),
    "kts": lambda r: (
        f"2026-12-0{r.randrange(1, 3)}T{r.randrange(24):02d}:{r.randrange(60):02d}:{r.randrange(60):02d}.{r.randrange(1000):03d}Z"
    ),
    "kepoch": lambda r: str(1796169600 + r.randrange(86400)),
    "kepoch13": lambda r: str(1796169600000 + r.randrange(86400000)),
    "karn": lambda r: f"arn:aws:kms:{r.choice(_REGIONS)}:{_rs(r, 12, _DIG)}:key/{_uuid(r)}",
    "karnsm": lambda r: (
        f"arn:aws:secretsmanager:{r.choice(_REGIONS)}:{_rs(r, 12, _DIG)}:secret:prod/{r.choice(_SVCS)}/db-{_rs(r, 6)}"
    ),
    "karnrole": lambda r: (
        f"arn:aws:sts::{_rs(r, 12, _DIG)}:assumed-role/ProdReadOnly/botocore-session-{1796169600 + r.randrange(86400)}"
    ),
    "kfpssh": lambda r: "SHA256:" + _b64(r, 32).rstrip("="),
    "kthumb": lambda r: _rs(r, 40, _HEXU),
    "kcertfp": lambda r: ":".join(f"{b:02X}" for b in r.randbytes(32)),
    "kcertfp1": lambda r: ":".join(f"{b:02X}" for b in r.randbytes(20)),
    "kwgpub": lambda r: _b64(r, 32),
    "knkpubU": lambda r: "U" + _rs(r, 55, _B32),
    "knkpubA": lambda r: "A" + _rs(r, 55, _B32),
    "knkpubO": lambda r: "O" + _rs(r, 55, _B32),
    "ksshpub": lambda r: base64.b64encode(
        b"\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20" + r.randbytes(32)
    ).decode(),
    "ksri": lambda r: "sha384-" + _b64(r, 48),
    "kpd": lambda r: "Q" + _rs(r, 13, _UPPER + _DIG),
    "knodekey": lambda r: "nodekey:" + _hex_n(r, 64),
    "kvelero": lambda r: (
        f"daily-202612{r.randrange(1, 3):02d}{r.randrange(24):02d}{r.randrange(60):02d}{r.randrange(60):02d}"
    ),
    "kgentime": lambda r: (
        f"2026{r.randrange(10, 13)}{r.randrange(10, 29)}{r.randrange(24):02d}{r.randrange(60):02d}{r.randrange(60):02d}Z"
    ),
    "kfiletime": lambda r: str(134090000000000000 + r.randrange(10**13)),
    "kslackts": lambda r: f"{1796169600 + r.randrange(86400)}.{r.randrange(10**6):06d}",
    "kmsgid": lambda r: "CA" + _rs(r, 38, _AN + "+_-") + "=" + _rs(r, 8),
    "kboundary": lambda r: "000000000000" + _hex_n(r, 16),
    "kengine": lambda r: "0x80001f8880" + _hex_n(r, 16),
    "kerlpid": lambda r: f"<0.{r.randint(1000, 99999)}.0>",
    "kkcm": lambda r: f"KCM:1000:{r.randint(10000, 99999)}",
    "kgappid": lambda r: f"1:{_rs(r, 12, _DIG)}:android:{_hex_n(r, 16)}",
    "kpanid": lambda r: f"0x{r.randrange(0x1000, 0xFFFF):04x}",
    "k0x32": lambda r: "0x" + _hex_n(r, 32),
}

_PARAM = re.compile(r"^(k?)(hex|HEX|anl|an|AN|B32|b64_|b64u|d)(\d+)(f?)$")


def _param_gen(base: str, n: int):
    if base == "hex":
        return lambda r: _rs(r, n, _HEXL)
    if base == "HEX":
        return lambda r: _rs(r, n, _HEXU)
    if base == "an":
        return lambda r: _rs(r, n, _AN)
    if base == "anl":
        return lambda r: _rs(r, n, _LOWER + _DIG)
    if base == "AN":
        return lambda r: _rs(r, n, _UPPER + _DIG)
    if base == "B32":
        return lambda r: _rs(r, n, _B32)
    if base == "b64_":
        return lambda r: _b64(r, n)
    if base == "b64u":
        return lambda r: _b64u(r, n)
    if base == "d":
        return lambda r: str(r.randint(1, 9)) + _rs(r, n - 1, _DIG)
    raise KeyError(base)


def _resolve(kind: str):
    m = _PARAM.match(kind)
    if m:
        k, base, n, f = m.groups()
        role = "k" if k else ("f" if (f or base == "d") else "s")
        return _param_gen(base, int(n)), role
    if kind in _SECRET:
        return _SECRET[kind], "s"
    if kind in _FILLER:
        return _FILLER[kind], "f"
    if kind in _KEEP:
        return _KEEP[kind], "k"
    if kind in ("fqdn", "email", "realm", "netbios", "bundle"):
        return None, "f"
    raise KeyError(kind)


_DW = {
    "0": "zero",
    "1": "one",
    "2": "two",
    "3": "three",
    "4": "four",
    "5": "five",
    "6": "six",
    "7": "seven",
    "8": "eight",
    "9": "nine",
}
_SYMW = {
    "!": "exclamation mark",
    "#": "hash",
    "$": "dollar sign",
    "%": "percent",
    "*": "star",
    "+": "plus",
    "-": "dash",
    ".": "dot",
    "?": "question mark",
    "@": "at sign",
    "^": "caret",
    "_": "underscore",
    "~": "tilde",
}


def _spell(v: str) -> str:
    out = []
    for c in v:
        if c.isdigit():
            out.append(_DW[c])
        elif c.isupper():
            out.append("capital " + c)
        elif c.islower():
            out.append(c)
        else:
            out.append(_SYMW.get(c, c))
    return ", ".join(out)


_DERIVED = {
    "url": lambda v: urllib.parse.quote(v, safe=""),
    "basic": lambda u, p: base64.b64encode(f"{u}:{p}".encode()).decode(),
    "plain": lambda u, p: base64.b64encode(f"\0{u}\0{p}".encode()).decode(),
    "json": lambda v: json.dumps(v)[1:-1],
    "b64": lambda v: base64.b64encode(v.encode()).decode(),
    "qp": lambda v: quopri.encodestring(v.encode()).decode(),
    "unattA": lambda v: base64.b64encode(
        (v + "AdministratorPassword").encode("utf-16-le")
    ).decode(),
    "unattP": lambda v: base64.b64encode((v + "Password").encode("utf-16-le")).decode(),
    "spell": _spell,
    "digsp": lambda v: " ".join(v),
    "digw": lambda v: " ".join(_DW[c] for c in v),
    "b64otp": lambda v: base64.b64encode(f"Your one-time password is {v}\r\n".encode()).decode(),
}

_PH = re.compile("\u27e6([^\u27e7]+)\u27e7")
_CTRL = {"ESC": "\x1b", "CR": "\r", "BS": "\b", "TAB": "\t", "BEL": "\x07"}


def _render(r: random.Random, text: str, mode: str):
    env: dict[str, str] = {}
    vals: list[str] = []
    toks: list[str] = []

    def get(name: str) -> str:
        if name in env:
            return env[name]
        kind, _, tag = name.partition(".")
        suffix = "." + tag if tag else ""
        if kind == "fqdn":
            v = get("host" + suffix) + "." + get("domain")
        elif kind == "email":
            v = get("user" + suffix) + "@" + get("domain")
        elif kind == "realm":
            v = get("domain").upper()
        elif kind == "netbios":
            v = get("domain").split(".")[1].upper()
        elif kind == "bundle":
            v = "com." + get("org") + "." + get("app")
        else:
            fn, _role = _resolve(kind)
            v = fn(r)
        env[name] = v
        return v

    def sub(m: re.Match) -> str:
        body = m.group(1)
        if body in _CTRL:
            return _CTRL[body]
        if body.startswith("="):
            toks.append(body[1:])
            return body[1:]
        if ":" in body:
            fn, args = body.split(":", 1)
            out = _DERIVED[fn](*[get(a) for a in args.split(",")])
            vals.append(out)
            return out
        _fn, role = _resolve(body.partition(".")[0])
        v = get(body)
        if role == "s":
            vals.append(v)
        elif role == "k":
            toks.append(v)
        return v

    lines = tuple(_PH.sub(sub, ln) for ln in text.strip("\n").split("\n"))
    vals = list(dict.fromkeys(vals))
    toks = list(dict.fromkeys(toks))
    if mode == "keep":
        assert not vals, ("secret in keep template", text[:80])
    else:
        assert not toks, ("keep token in case template", text[:80])
    return lines, tuple(vals), tuple(toks)


def T(fmt: str, text: str) -> tuple[str, str]:
    return (fmt, text)


_FAMILIES: list[tuple[str, tuple[tuple[str, str], ...]]] = []


def _fam(name: str, *templates: tuple[str, str]) -> None:
    _FAMILIES.append((name, templates))


# ===========================================================================
# Windows
# ===========================================================================
_fam(
    "windows_powershell",
    T(
        "PowerShell transcript",
        r"""
**********************
Windows PowerShell transcript start
Start time: 20261202141503
Username: ⟦netbios⟧\⟦user⟧
RunAs User: ⟦netbios⟧\⟦user⟧
Machine: ⟦winhost⟧ (Microsoft Windows NT 10.0.20348.0)
Host Application: C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe
**********************
PS C:\Users\⟦user⟧> $pw = ConvertTo-SecureString '⟦pw⟧' -AsPlainText -Force
PS C:\Users\⟦user⟧> New-LocalUser -Name kiosk -Password $pw -PasswordNeverExpires
""",
    ),
    T(
        "PowerShell -Verbose REST call",
        r"""
PS C:\ops> Invoke-RestMethod -Uri https://⟦fqdn⟧/api/v2/jobs -Headers @{Authorization="Bearer ⟦jwt⟧"} -Verbose
VERBOSE: GET with 0-byte payload
VERBOSE: received 1841-byte response of content type application/json; charset=utf-8
""",
    ),
    T(
        "PowerShell script -Verbose SQL",
        r"""
PS C:\ops> .\Reset-SqlLogin.ps1 -SqlInstance ⟦winhost⟧\PROD -Login app_reader -Verbose
VERBOSE: Connecting to ⟦winhost⟧\PROD as ⟦netbios⟧\⟦user⟧
VERBOSE: ALTER LOGIN [app_reader] WITH PASSWORD = N'⟦pw⟧', CHECK_POLICY = ON
VERBOSE: Login app_reader updated.
""",
    ),
    T(
        "PowerShell DPAPI SecureString",
        r"""
PS C:\Users\⟦user⟧> Read-Host -AsSecureString | ConvertFrom-SecureString | Out-File C:\ops\smtp.txt
PS C:\Users\⟦user⟧> type C:\ops\smtp.txt
⟦dpapi⟧
""",
    ),
    T(
        "PowerShell Write-Verbose connection string",
        r"""
VERBOSE: [Invoke-Deploy] Target slot: staging
VERBOSE: [Invoke-Deploy] Using connection string: Server=tcp:⟦fqdn⟧,1433;Initial Catalog=⟦db⟧;User ID=⟦svcacct⟧;Password=⟦pw⟧;Encrypt=True;
VERBOSE: [Invoke-Deploy] Running 14 migrations
""",
    ),
    T(
        "Get-Credential GetNetworkCredential",
        r"""
PS C:\> $c = Get-Credential ⟦netbios⟧\⟦svcacct⟧
PS C:\> $c.GetNetworkCredential() | Format-List *

UserName       : ⟦svcacct⟧
Password       : ⟦pw⟧
SecurePassword : System.Security.SecureString
Domain         : ⟦netbios⟧
""",
    ),
    T(
        "Set-ADAccountPassword -Verbose",
        r"""
PS C:\> Set-ADAccountPassword -Identity ⟦user⟧ -Reset -NewPassword (ConvertTo-SecureString -AsPlainText "⟦weak⟧" -Force) -Server ⟦fqdn⟧ -Verbose
VERBOSE: Performing the operation "Set-ADAccountPassword" on target "CN=⟦user⟧,OU=Staff,DC=corp,DC=local".
PS C:\> Set-ADUser ⟦user⟧ -ChangePasswordAtLogon $true
""",
    ),
    T(
        "Az PowerShell service principal",
        r"""
PS /home/⟦user⟧> $sp = New-Object PSCredential('⟦uuidf⟧', (ConvertTo-SecureString '⟦azsecret⟧' -AsPlainText -Force))
PS /home/⟦user⟧> Connect-AzAccount -ServicePrincipal -Credential $sp -Tenant ⟦uuidf.2⟧
WARNING: The provided service principal secret will be included in the 'AzureRmContext.json' file found in the user profile ( /home/⟦user⟧/.Azure ).
""",
    ),
    T(
        "PSReadLine ConsoleHost_history.txt",
        r"""
PS C:\> Get-Content (Get-PSReadLineOption).HistorySavePath -Tail 4
Install-Module dbatools -Scope CurrentUser
$env:OCTOPUS_API_KEY = "⟦octo⟧"
octo push --package .\Api.1.4.2.zip --server https://deploy.⟦domain⟧
""",
    ),
    T(
        "Invoke-WebRequest -Verbose form body",
        r"""
VERBOSE: POST https://⟦fqdn⟧/oauth2/token with -1-byte payload
VERBOSE: Body: grant_type=password&username=⟦user⟧&password=⟦url:pw⟧&client_id=ops-cli
VERBOSE: received 412-byte response of content type application/json
""",
    ),
    T(
        "Get-LapsADPassword -AsPlainText",
        r"""
PS C:\> Get-LapsADPassword -Identity ⟦winhost⟧ -AsPlainText

ComputerName        : ⟦winhost⟧
DistinguishedName   : CN=⟦winhost⟧,OU=Servers,DC=corp,DC=local
Account             : Administrator
Password            : ⟦lapspw⟧
PasswordUpdateTime  : 11/28/2026 3:14:07 AM
ExpirationTimestamp : 12/28/2026 3:14:07 AM
Source              : EncryptedPassword
""",
    ),
)

_fam(
    "windows_registry",
    T(
        ".reg export Winlogon autologon",
        r"""
Windows Registry Editor Version 5.00

[HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon]
"AutoAdminLogon"="1"
"DefaultUserName"="⟦user⟧"
"DefaultDomainName"="⟦netbios⟧"
"DefaultPassword"="⟦pw⟧"
""",
    ),
    T(
        "reg query output",
        r"""
C:\> reg query "HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon" /v DefaultPassword

HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon
    DefaultPassword    REG_SZ    ⟦pw⟧
""",
    ),
    T(
        ".reg export TightVNC hex password",
        r"""
[HKEY_LOCAL_MACHINE\SOFTWARE\TightVNC\Server]
"Password"=hex:⟦vnchex⟧
"ControlPassword"=hex:⟦vnchex.2⟧
"UseVncAuthentication"=dword:00000001
""",
    ),
    T(
        ".reg export PuTTY session proxy",
        r"""
[HKEY_CURRENT_USER\Software\SimonTatham\PuTTY\Sessions\⟦host⟧]
"HostName"="⟦fqdn⟧"
"ProxyMethod"=dword:00000003
"ProxyHost"="proxy.⟦domain⟧"
"ProxyUsername"="⟦user⟧"
"ProxyPassword"="⟦pw⟧"
""",
    ),
    T(
        ".reg export WinSCP stored session",
        r"""
[HKEY_CURRENT_USER\Software\Martin Prikryl\WinSCP 2\Sessions\⟦user⟧@⟦host⟧]
"HostName"="⟦fqdn⟧"
"UserName"="⟦user⟧"
"Password"="⟦winscp⟧"
"PortNumber"=dword:00000016
""",
    ),
    T(
        ".reg export SNMP ValidCommunities",
        r"""
[HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\SNMP\Parameters\ValidCommunities]
"⟦commty⟧"=dword:00000004

[HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\SNMP\Parameters\PermittedManagers]
"1"="⟦ip⟧"
""",
    ),
    T(
        "reg query vendor agent key",
        r"""
HKEY_LOCAL_MACHINE\SOFTWARE\WOW6432Node\⟦org⟧\Agent
    ServerUrl    REG_SZ    https://⟦fqdn⟧:8443/
    ApiKey    REG_SZ    ⟦an40⟧
    LogLevel    REG_DWORD    0x2
""",
    ),
    T(
        ".reg export ODBC DSN",
        r"""
[HKEY_LOCAL_MACHINE\SOFTWARE\ODBC\ODBC.INI\⟦db⟧_prod]
"Driver"="C:\\Windows\\system32\\sqlsrv32.dll"
"Server"="⟦winhost⟧\\SQLPROD"
"Database"="⟦db⟧"
"LastUser"="⟦svcacct⟧"
"PWD"="⟦pw⟧"
""",
    ),
    T(
        "reg add command line",
        r"""
C:\> reg add "HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon" /v DefaultPassword /t REG_SZ /d "⟦pw⟧" /f
The operation completed successfully.
""",
    ),
    T(
        ".reg export proxy with credentials",
        r"""
[HKEY_CURRENT_USER\Software\Microsoft\Windows\CurrentVersion\Internet Settings]
"ProxyEnable"=dword:00000001
"ProxyServer"="http://⟦user⟧:⟦url:pw⟧@proxy.⟦domain⟧:3128"
"ProxyOverride"="*.⟦domain⟧;<local>"
""",
    ),
    T(
        ".reg export HKCU Environment",
        r"""
[HKEY_CURRENT_USER\Environment]
"TEMP"=hex(2):25,00,55,00,53,00,45,00,52,00,50,00,52,00,4f,00,46,00,49,00,4c,00,45,00,25,00,00,00
"GITHUB_TOKEN"="⟦ghp⟧"
"AZURE_DEVOPS_EXT_PAT"="⟦adopat⟧"
""",
    ),
)

_fam(
    "windows_gpp_unattend",
    T(
        "GPP Groups.xml cpassword",
        r"""
<?xml version="1.0" encoding="utf-8"?>
<Groups clsid="{3125E937-EB16-4b4c-9934-544FC6D24D26}"><User clsid="{DF5F1855-51E5-4d24-8B1A-D9BDE98BA1D1}" name="LocalAdmin" image="2" changed="2026-10-14 09:12:44" uid="{⟦UUIDU⟧}"><Properties action="U" newName="" fullName="" description="" cpassword="⟦cpass⟧" changeLogon="0" noChange="1" neverExpires="1" acctDisabled="0" userName="LocalAdmin"/></User>
</Groups>
""",
    ),
    T(
        "findstr over SYSVOL",
        r"""
C:\> findstr /S /I cpassword \\⟦domain⟧\sysvol\⟦domain⟧\Policies\*.xml
\\⟦domain⟧\sysvol\⟦domain⟧\Policies\{⟦UUIDU⟧}\Machine\Preferences\Groups\Groups.xml:<Properties action="U" newName="" cpassword="⟦cpass⟧" changeLogon="0" userName="Administrator (built-in)"/>
""",
    ),
    T(
        "GPP ScheduledTasks.xml",
        r"""
<ScheduledTasks clsid="{CC63F200-7309-4ba0-B154-A71CD118DBCC}">
  <Task clsid="{2DEECB1C-261F-4e13-9B21-16FB83BC03BD}" name="NightlyCleanup" image="2" changed="2026-11-02 22:10:03" uid="{⟦UUIDU⟧}">
    <Properties action="U" name="NightlyCleanup" appName="C:\ops\cleanup.cmd" runAs="⟦netbios⟧\⟦svcacct⟧" cpassword="⟦cpass⟧" logonType="Password"/>
  </Task>
</ScheduledTasks>
""",
    ),
    T(
        "GPP Services.xml",
        r"""
<NTServices clsid="{2CFB484A-4E96-4b5d-A0B6-093D2F91E6AE}">
  <NTService clsid="{AB6F0B67-341F-4e51-92F9-005FBFBA1A43}" name="⟦svc⟧" image="4" changed="2026-09-30 11:02:17" uid="{⟦UUIDU⟧}">
    <Properties startupType="AUTOMATIC" serviceName="⟦svc⟧" serviceAction="RESTART" accountName="⟦netbios⟧\⟦svcacct⟧" cpassword="⟦cpass⟧" interact="0"/>
  </NTService>
</NTServices>
""",
    ),
    T(
        "Get-GPPPassword output",
        r"""
Changed   : {2026-09-30 11:02:17}
UserNames : {Administrator (built-in)}
NewName   : [BLANK]
Passwords : {⟦pw⟧}
File      : \\⟦domain⟧\SYSVOL\⟦domain⟧\Policies\{⟦UUIDU⟧}\Machine\Preferences\Groups\Groups.xml
""",
    ),
    T(
        "unattend.xml AdministratorPassword plaintext",
        r"""
<UserAccounts>
  <AdministratorPassword>
    <Value>⟦pw⟧</Value>
    <PlainText>true</PlainText>
  </AdministratorPassword>
</UserAccounts>
""",
    ),
    T(
        "unattend.xml AutoLogon encoded",
        r"""
<AutoLogon>
  <Password>
    <Value>⟦unattP:pw⟧</Value>
    <PlainText>false</PlainText>
  </Password>
  <Enabled>true</Enabled>
  <LogonCount>3</LogonCount>
  <Username>Administrator</Username>
</AutoLogon>
""",
    ),
    T(
        "unattend.xml encoded AdministratorPassword",
        r"""
<AdministratorPassword>
  <Value>⟦unattA:pw⟧</Value>
  <PlainText>false</PlainText>
</AdministratorPassword>
""",
    ),
    T(
        "unattend.xml domain join",
        r"""
<component name="Microsoft-Windows-UnattendedJoin" processorArchitecture="amd64" publicKeyToken="31bf3856ad364e35" language="neutral" versionScope="nonSxS">
  <Identification>
    <Credentials>
      <Domain>⟦domain⟧</Domain>
      <Password>⟦pw⟧</Password>
      <Username>⟦svcacct⟧</Username>
    </Credentials>
    <JoinDomain>⟦domain⟧</JoinDomain>
  </Identification>
""",
    ),
    T(
        "Task Scheduler XML export",
        r"""
<Actions Context="Author">
  <Exec>
    <Command>C:\Program Files\7-Zip\7z.exe</Command>
    <Arguments>a -t7z -mhe=on -p⟦pw⟧ D:\exports\hr_⟦date⟧.7z D:\hr\*</Arguments>
  </Exec>
</Actions>
""",
    ),
    T(
        "schtasks /Create /RP",
        r"""
C:\> schtasks /Create /TN "\Ops\NightlyExport" /TR "C:\ops\export.cmd" /SC DAILY /ST 02:00 /RU ⟦netbios⟧\⟦svcacct⟧ /RP ⟦pw⟧
SUCCESS: The scheduled task "\Ops\NightlyExport" has successfully been created.
""",
    ),
)

_fam(
    "windows_iis_config",
    T(
        "web.config connectionStrings",
        r"""
<connectionStrings>
  <add name="DefaultConnection" connectionString="Data Source=⟦winhost⟧\SQL2019;Initial Catalog=⟦db⟧;User Id=⟦svcacct⟧;Password=⟦pw⟧;MultipleActiveResultSets=True" providerName="System.Data.SqlClient" />
</connectionStrings>
""",
    ),
    T(
        "web.config machineKey",
        r"""
<system.web>
  <machineKey validationKey="⟦HEX128⟧" decryptionKey="⟦HEX48⟧" validation="HMACSHA256" decryption="AES" />
</system.web>
""",
    ),
    T(
        "web.config appSettings",
        r"""
<appSettings>
  <add key="webpages:Version" value="3.0.0.0" />
  <add key="Stripe:SecretKey" value="⟦stripe⟧" />
  <add key="Features:NewCheckout" value="true" />
</appSettings>
""",
    ),
    T(
        "applicationHost.config app pool identity",
        r"""
<add name="⟦svc⟧Pool" managedRuntimeVersion="v4.0">
    <processModel identityType="SpecificUser" userName="⟦netbios⟧\⟦svcacct⟧" password="⟦pw⟧" />
</add>
""",
    ),
    T(
        "applicationHost.config UNC virtualDirectory",
        r"""
<application path="/" applicationPool="⟦svc⟧Pool">
    <virtualDirectory path="/" physicalPath="C:\inetpub\⟦svc⟧" />
    <virtualDirectory path="/uploads" physicalPath="\\⟦winhost⟧\share$\uploads" userName="⟦netbios⟧\⟦svcacct⟧" password="⟦pw⟧" />
</application>
""",
    ),
    T(
        "appcmd list apppool",
        r"""
C:\Windows\System32\inetsrv> appcmd list apppool "⟦svc⟧Pool" /text:processModel.password
⟦pw⟧
""",
    ),
    T(
        "appcmd set config",
        r"""
C:\Windows\System32\inetsrv> appcmd set config /section:applicationPools /[name='⟦svc⟧Pool'].processModel.identityType:SpecificUser /[name='⟦svc⟧Pool'].processModel.userName:⟦netbios⟧\⟦svcacct⟧ /[name='⟦svc⟧Pool'].processModel.password:⟦pw⟧
Applied configuration changes to section "system.applicationHost/applicationPools" for "MACHINE/WEBROOT/APPHOST" at configuration commit path "MACHINE/WEBROOT/APPHOST"
""",
    ),
    T(
        "web.config smtp mailSettings",
        r"""
<system.net>
  <mailSettings>
    <smtp from="noreply@⟦domain⟧" deliveryMethod="Network">
      <network host="smtp.sendgrid.net" port="587" userName="apikey" password="⟦sendgrid⟧" enableSsl="true" />
    </smtp>
  </mailSettings>
</system.net>
""",
    ),
    T(
        "ASP.NET yellow screen of death",
        r"""
Server Error in '/' Application.
Login failed for user '⟦svcacct⟧'.
Exception Details: System.Data.SqlClient.SqlException: Login failed for user '⟦svcacct⟧'.
Source Error:
Line 26:     {
Line 27:         var cs = "Server=⟦winhost⟧;Database=⟦db⟧;User Id=⟦svcacct⟧;Password=⟦pw⟧;";
Line 28:         using var conn = new SqlConnection(cs);
""",
    ),
    T(
        "URL Rewrite serverVariables basic auth",
        r"""
<rule name="proxy-legacy" stopProcessing="true">
  <match url="^legacy/(.*)" />
  <serverVariables>
    <set name="HTTP_AUTHORIZATION" value="Basic ⟦basic:svcacct,pw⟧" />
  </serverVariables>
  <action type="Rewrite" url="http://⟦host⟧:8080/{R:1}" />
</rule>
""",
    ),
    T(
        "web.config forms credentials",
        r"""
<authentication mode="Forms">
  <forms loginUrl="~/login" timeout="30">
    <credentials passwordFormat="Clear">
      <user name="admin" password="⟦pw⟧" />
    </credentials>
  </forms>
</authentication>
""",
    ),
)

_fam(
    "windows_cmdline",
    T(
        "cmdkey /add",
        r"""
C:\> cmdkey /add:⟦winhost⟧ /user:⟦netbios⟧\⟦svcacct⟧ /pass:⟦pw⟧

CMDKEY: Credential added successfully.
""",
    ),
    T(
        "net use with password",
        r"""
C:\> net use Z: \\⟦winhost⟧\finance$ /user:⟦netbios⟧\⟦user⟧ ⟦pw⟧ /persistent:yes
The command completed successfully.
""",
    ),
    T(
        "PsExec -p",
        r"""
C:\Tools> PsExec64.exe \\⟦winhost⟧ -u ⟦netbios⟧\⟦svcacct⟧ -p ⟦pw⟧ -h cmd /c "ipconfig /flushdns"

PsExec v2.43 - Execute processes remotely
Copyright (C) 2001-2023 Mark Russinovich
cmd exited on ⟦winhost⟧ with error code 0.
""",
    ),
    T(
        "sc.exe config password=",
        r"""
C:\> sc.exe \\⟦winhost⟧ config "⟦svc⟧" obj= "⟦netbios⟧\⟦svcacct⟧" password= "⟦pw⟧"
[SC] ChangeServiceConfig SUCCESS
""",
    ),
    T(
        "Security event 4688 command line",
        r"""
A new process has been created.
New Process Name:	C:\Windows\System32\net.exe
Token Elevation Type:	%%1937
Process Command Line:	net user backupadmin ⟦pw⟧ /add /y
""",
    ),
    T(
        "winrs -p:",
        r"""
C:\> winrs -r:https://⟦fqdn⟧:5986 -u:⟦netbios⟧\⟦user⟧ -p:⟦pw⟧ "hostname && whoami"
⟦winhost⟧
⟦netbios⟧\⟦user⟧
""",
    ),
    T(
        "msdeploy publish",
        r"""
msdeploy.exe -verb:sync -source:package=.\site.zip -dest:auto,computerName="https://⟦fqdn⟧:8172/msdeploy.axd?site=⟦svc⟧",userName="$⟦svc⟧",password="⟦an60⟧",authtype="Basic" -allowUntrusted
Info: Updating file (⟦svc⟧\bin\App.dll).
""",
    ),
    T(
        "dotnet publish /p:Password",
        r"""
> dotnet publish -c Release /p:PublishProfile=Prod /p:UserName=⟦svcacct⟧ /p:Password=⟦pw⟧ /p:AllowUntrustedCertificate=true
  Restored C:\src\⟦svc⟧\⟦svc⟧.csproj (in 412 ms).
""",
    ),
    T(
        "sqlcmd -P",
        r"""
C:\> sqlcmd -S ⟦winhost⟧,1433 -U sa -P ⟦pw⟧ -Q "SELECT @@VERSION"
Microsoft SQL Server 2022 (RTM-CU15) (KB5041321) - 16.0.4145.4 (X64)
""",
    ),
    T(
        ".rdp file with encrypted password",
        r"""
full address:s:⟦fqdn⟧
username:s:⟦netbios⟧\⟦user⟧
password 51:b:⟦DPAPIU⟧
prompt for credentials:i:0
""",
    ),
    T(
        "netsh wlan show profile key=clear",
        r"""
Security settings
-----------------
    Authentication         : WPA2-Personal
    Cipher                 : CCMP
    Security key           : Present
    Key Content            : ⟦phrase⟧
""",
    ),
)

_fam(
    "windows_dsc_winrm",
    T(
        "DSC MOF plaintext credential",
        r"""
instance of MSFT_Credential as $MSFT_Credential1ref
{
Password = "⟦pw⟧";
 UserName = "⟦netbios⟧\\⟦svcacct⟧";

};
""",
    ),
    T(
        "DSC configuration with PsDscAllowPlainTextPassword",
        r"""
$ConfigData = @{ AllNodes = @(@{ NodeName = '⟦winhost⟧'; PsDscAllowPlainTextPassword = $true }) }
$SqlSa = New-Object PSCredential('sa', (ConvertTo-SecureString '⟦pw⟧' -AsPlainText -Force))
SqlSetup Install { InstanceName = 'MSSQLSERVER'; SAPwd = $SqlSa; SecurityMode = 'SQL' }
""",
    ),
    T(
        "Start-DscConfiguration -Verbose -Debug",
        r"""
VERBOSE: [⟦winhost⟧]: LCM:  [ Start  Resource ]  [[User]LocalBackupUser]
VERBOSE: [⟦winhost⟧]:                            [[User]LocalBackupUser] Configuration of user LocalBackupUser started.
DEBUG: ConfigurationData.NonNodeData.BackupPassword = ⟦pw⟧
""",
    ),
    T(
        "curl against WinRM",
        r"""
$ curl -s -u '⟦user⟧:⟦pw⟧' --ntlm -H 'Content-Type: application/soap+xml;charset=UTF-8' https://⟦fqdn⟧:5986/wsman -d @identify.xml
<s:Envelope xml:lang="en-US" ...><s:Body><wsmid:IdentifyResponse>
""",
    ),
    T(
        "pywinrm traceback",
        r"""
Traceback (most recent call last):
  File "/opt/ops/patch.py", line 14, in <module>
    s = winrm.Session('https://⟦fqdn⟧:5986/wsman', auth=('⟦netbios⟧\\⟦user⟧', '⟦pw⟧'), transport='ntlm')
winrm.exceptions.InvalidCredentialsError: the specified credentials were rejected by the server
""",
    ),
    T(
        "Ansible inventory WinRM vars",
        r"""
[windows:vars]
ansible_user=⟦svcacct⟧@⟦realm⟧
ansible_password=⟦pw⟧
ansible_connection=winrm
ansible_winrm_transport=kerberos
""",
    ),
    T(
        "Enter-PSSession transcript",
        r"""
PS C:\> $pass = "⟦pw⟧" | ConvertTo-SecureString -AsPlainText -Force
PS C:\> Enter-PSSession -ComputerName ⟦winhost⟧ -Credential (New-Object PSCredential "⟦netbios⟧\⟦user⟧",$pass) -UseSSL
[⟦winhost⟧]: PS C:\Users\⟦user⟧\Documents>
""",
    ),
    T(
        "WinRM HTTP request capture",
        r"""
POST /wsman HTTP/1.1
Host: ⟦fqdn⟧:5985
Authorization: Basic ⟦basic:user,pw⟧
Content-Type: application/soap+xml;charset=UTF-8
User-Agent: Python WinRM client
""",
    ),
    T(
        "Terraform winrm connection",
        r"""
connection {
  type     = "winrm"
  user     = "Administrator"
  password = "⟦pw⟧"
  host     = self.public_ip
  https    = true
}
""",
    ),
    T(
        "Packer winrm settings",
        r"""
  "communicator": "winrm",
  "winrm_username": "packer",
  "winrm_password": "⟦pw⟧",
  "winrm_timeout": "30m",
""",
    ),
    T(
        "Get-History with Invoke-Command",
        r"""
  Id CommandLine
  -- -----------
  41 Invoke-Command -ComputerName ⟦winhost⟧ -ScriptBlock { param($k) setx AGENT_API_KEY $k /M } -ArgumentList '⟦an32⟧'
  42 Get-History
""",
    ),
)

# ===========================================================================
# macOS and mobile
# ===========================================================================
_fam(
    "macos_keychain_launchd",
    T(
        "security find-generic-password -w",
        r"""
$ security find-generic-password -a ⟦user⟧ -s "⟦svc⟧-deploy" -w
⟦pw⟧
""",
    ),
    T(
        "security find-generic-password -g",
        r"""
$ security find-generic-password -s "AirPort" -l "⟦ssid⟧" -g
keychain: "/Library/Keychains/System.keychain"
version: 512
class: "genp"
attributes:
    0x00000007 <blob>="⟦ssid⟧"
    "acct"<blob>="⟦ssid⟧"
    "svce"<blob>="AirPort"
password: "⟦phrase⟧"
""",
    ),
    T(
        "zsh history add-generic-password",
        r"""
 8812  security add-generic-password -U -a "$USER" -s npm_token -w "⟦npm⟧"
 8813  security find-generic-password -s npm_token -w | npm config set //registry.npmjs.org/:_authToken -
""",
    ),
    T(
        "security find-internet-password -g",
        r"""
$ security find-internet-password -s git.⟦domain⟧ -g
keychain: "/Users/⟦user⟧/Library/Keychains/login.keychain-db"
class: "inet"
attributes:
    "acct"<blob>="⟦user⟧"
    "ptcl"<uint32>="htps"
    "srvr"<blob>="git.⟦domain⟧"
password: "⟦glpat⟧"
""",
    ),
    T(
        "launchd plist EnvironmentVariables",
        r"""
<key>Label</key>
<string>com.⟦org⟧.metrics-agent</string>
<key>EnvironmentVariables</key>
<dict>
    <key>DD_API_KEY</key>
    <string>⟦hex32⟧</string>
    <key>DD_SITE</key>
    <string>datadoghq.eu</string>
</dict>
""",
    ),
    T(
        "launchd plist ProgramArguments",
        r"""
<key>ProgramArguments</key>
<array>
    <string>/opt/homebrew/bin/mysqldump</string>
    <string>--user=backup</string>
    <string>--password=⟦pw⟧</string>
    <string>--all-databases</string>
</array>
""",
    ),
    T(
        "launchctl print environment",
        r"""
$ sudo launchctl print system/com.⟦org⟧.agent | sed -n '/environment/,/}/p'
	environment = {
		AGENT_TOKEN => ⟦an40⟧
		PATH => /usr/bin:/bin:/usr/sbin:/sbin
	}
""",
    ),
    T(
        "defaults read app preferences",
        r"""
$ defaults read com.⟦org⟧.syncclient
{
    AccountEmail = "⟦email⟧";
    LastSync = "2026-12-02 09:14:07 +0000";
    RefreshToken = "⟦goog_rt⟧";
}
""",
    ),
    T(
        "security dump-keychain -d",
        r"""
keychain: "/Users/⟦user⟧/Library/Keychains/login.keychain-db"
class: "genp"
attributes:
    "svce"<blob>="⟦svc⟧ vpn"
    "acct"<blob>="⟦user⟧"
data:
"⟦pw⟧"
""",
    ),
    T(
        "fdesetup recovery key",
        r"""
$ sudo fdesetup enable -user ⟦user⟧
Enter the password for user '⟦user⟧':
Recovery key = '⟦fvkey⟧'
""",
    ),
    T(
        "Jamf policy script log",
        r"""
Executing Policy Enable ARD
Running script enable_ard.sh...
Script exit code: 0
Script result: /Library/Application Support/JAMF/tmp/enable_ard.sh / ⟦host⟧ ⟦user⟧ ardadmin ⟦pw⟧
""",
    ),
)

_fam(
    "apple_mobileconfig",
    T(
        ".mobileconfig Wi-Fi payload",
        r"""
<key>PayloadType</key>
<string>com.apple.wifi.managed</string>
<key>SSID_STR</key>
<string>⟦ssid⟧</string>
<key>EncryptionType</key>
<string>WPA2</string>
<key>Password</key>
<string>⟦phrase⟧</string>
""",
    ),
    T(
        ".mobileconfig EAP payload",
        r"""
<key>EAPClientConfiguration</key>
<dict>
    <key>AcceptEAPTypes</key>
    <array><integer>25</integer></array>
    <key>UserName</key>
    <string>⟦user⟧</string>
    <key>UserPassword</key>
    <string>⟦pw⟧</string>
</dict>
""",
    ),
    T(
        ".mobileconfig IPSec SharedSecret data",
        r"""
<key>IPSec</key>
<dict>
    <key>AuthenticationMethod</key>
    <string>SharedSecret</string>
    <key>LocalIdentifierType</key>
    <string>KeyID</string>
    <key>SharedSecret</key>
    <data>⟦b64:psk⟧</data>
</dict>
""",
    ),
    T(
        ".mobileconfig PKCS12 payload",
        r"""
<key>PayloadType</key>
<string>com.apple.security.pkcs12</string>
<key>Password</key>
<string>⟦pw⟧</string>
<key>PayloadContent</key>
<data>
MIIKcQIBAzCCCjcGCSqGSIb3DQEHAaCCCigEggokMIIKIDCCBNcGCSqGSIb3DQEH
</data>
""",
    ),
    T(
        ".mobileconfig Exchange ActiveSync",
        r"""
<key>PayloadType</key>
<string>com.apple.eas.account</string>
<key>Host</key>
<string>mail.⟦domain⟧</string>
<key>UserName</key>
<string>⟦email⟧</string>
<key>Password</key>
<string>⟦pw⟧</string>
""",
    ),
    T(
        ".mobileconfig VPN PPP AuthPassword",
        r"""
<key>PPP</key>
<dict>
    <key>AuthName</key>
    <string>⟦user⟧</string>
    <key>AuthPassword</key>
    <string>⟦pw⟧</string>
    <key>CommRemoteAddress</key>
    <string>vpn.⟦domain⟧</string>
</dict>
""",
    ),
    T(
        ".mobileconfig SCEP challenge",
        r"""
<key>PayloadType</key>
<string>com.apple.security.scep</string>
<key>Challenge</key>
<string>⟦HEX16⟧</string>
<key>URL</key>
<string>https://ndes.⟦domain⟧/certsrv/mscep/mscep.dll</string>
""",
    ),
    T(
        "dsconfigad bind",
        r"""
$ sudo dsconfigad -add ⟦domain⟧ -computer ⟦host⟧ -username ⟦svcacct⟧ -password '⟦pw⟧' -ou "OU=Macs,DC=corp,DC=local" -force
Settings changed successfully
""",
    ),
    T(
        "plutil -p mobileconfig",
        r"""
$ plutil -p ProdWiFi.mobileconfig | grep -B1 -A1 '"Password"'
      "EncryptionType" => "WPA2"
      "Password" => "⟦phrase⟧"
      "PayloadDisplayName" => "Wi-Fi (⟦ssid⟧)"
""",
    ),
    T(
        ".mobileconfig Directory Service bind",
        r"""
<key>PayloadType</key>
<string>com.apple.DirectoryService.managed</string>
<key>HostName</key>
<string>⟦domain⟧</string>
<key>UserName</key>
<string>⟦svcacct⟧</string>
<key>Password</key>
<string>⟦pw⟧</string>
""",
    ),
    T(
        ".mobileconfig e-mail payload",
        r"""
<key>IncomingMailServerUsername</key>
<string>⟦email⟧</string>
<key>IncomingPassword</key>
<string>⟦pw⟧</string>
<key>OutgoingPasswordSameAsIncomingPassword</key>
<true/>
""",
    ),
)

_fam(
    "android_logcat_adb",
    T(
        "logcat OkHttp headers",
        r"""
12-02 14:03:11.482  4821  4907 D OkHttp  : --> POST https://api.⟦domain⟧/v1/session
12-02 14:03:11.482  4821  4907 D OkHttp  : Authorization: Bearer ⟦jwt⟧
12-02 14:03:11.483  4821  4907 D OkHttp  : Content-Type: application/json
""",
    ),
    T(
        "logcat OkHttp login body",
        r"""
12-02 09:41:07.115  7310  7362 D OkHttp  : --> POST https://api.⟦domain⟧/v2/login
12-02 09:41:07.115  7310  7362 D OkHttp  : {"username":"⟦user⟧","password":"⟦json:pw⟧","device_id":"⟦hex16f⟧"}
12-02 09:41:07.116  7310  7362 D OkHttp  : --> END POST (92-byte body)
""",
    ),
    T(
        "adb run-as shared_prefs",
        r"""
$ adb shell run-as ⟦bundle⟧ cat shared_prefs/auth.xml
<?xml version='1.0' encoding='utf-8' standalone='yes' ?>
<map>
    <string name="refresh_token">⟦b64u48⟧</string>
    <long name="expires_at" value="1796212931000" />
</map>
""",
    ),
    T(
        "logcat API key warning",
        r"""
12-02 10:22:41.007  5120  5120 W ApiClient: Using API key ⟦aiza⟧ for maps tiles (restrict this key!)
""",
    ),
    T(
        "adb am start with extras",
        r"""
$ adb shell am start -n ⟦bundle⟧/.debug.DebugLoginActivity --es user "⟦user⟧" --es password "⟦pw⟧"
Starting: Intent { cmp=⟦bundle⟧/.debug.DebugLoginActivity (has extras) }
""",
    ),
    T(
        "adb sqlite kv dump",
        r"""
$ adb shell "run-as ⟦bundle⟧ sqlite3 databases/app.db 'select key,value from kv'"
onboarding_done|1
api_secret|⟦hex40⟧
last_sync|1796212931
""",
    ),
    T(
        "adb cmd wifi connect-network",
        r"""
$ adb shell cmd wifi connect-network "⟦ssid⟧" wpa2 "⟦phrase⟧"
Connection initiated
""",
    ),
    T(
        "logcat chromium console cookie",
        r"""
12-02 11:20:44.901 12044 12044 I chromium: [INFO:CONSOLE(212)] "set cookie session=⟦an40⟧; path=/; secure", source: https://m.⟦domain⟧/static/app.js (212)
""",
    ),
    T(
        "logcat FATAL EXCEPTION jdbc url",
        r"""
12-02 08:55:13.007  3104  3140 E AndroidRuntime: FATAL EXCEPTION: DefaultDispatcher-worker-2
12-02 08:55:13.007  3104  3140 E AndroidRuntime: Process: ⟦bundle⟧, PID: 3104
12-02 08:55:13.007  3104  3140 E AndroidRuntime: java.sql.SQLException: Access denied; url=jdbc:mysql://⟦host⟧:3306/⟦db⟧?user=mobile_sync&password=⟦url:pw⟧
""",
    ),
    T(
        "adb unlock device PIN",
        r"""
$ adb -s ⟦AN12f⟧ shell input keyevent 26 && adb -s ⟦AN12f⟧ shell input text ⟦pin6⟧ && adb -s ⟦AN12f⟧ shell input keyevent 66
$ adb -s ⟦AN12f⟧ shell locksettings clear --old ⟦pin6⟧
Lock credential cleared
""",
    ),
    T(
        "logcat ReactNativeJS config dump",
        r"""
12-02 15:44:02.918  9011  9090 I ReactNativeJS: 'config', { API_URL: 'https://api.⟦domain⟧', SENTRY_AUTH_TOKEN: '⟦sentry⟧', ENV: 'staging' }
""",
    ),
)

_fam(
    "android_gradle_signing",
    T(
        "gradle.properties release signing",
        r"""
RELEASE_STORE_FILE=../keystores/release.jks
RELEASE_STORE_PASSWORD=⟦pw⟧
RELEASE_KEY_ALIAS=⟦app⟧-release
RELEASE_KEY_PASSWORD=⟦pw.2⟧
""",
    ),
    T(
        "build.gradle signingConfigs",
        r"""
signingConfigs {
    release {
        storeFile file("upload-keystore.jks")
        storePassword "⟦pw⟧"
        keyAlias "upload"
        keyPassword "⟦pw⟧"
    }
}
""",
    ),
    T(
        "keytool -genkeypair",
        r"""
$ keytool -genkeypair -v -keystore release.jks -alias ⟦app⟧ -keyalg RSA -keysize 2048 -validity 10000 -storepass ⟦pw⟧ -keypass ⟦pw⟧ -dname "CN=⟦org⟧, OU=Mobile, O=⟦org⟧, C=DE"
Generating 2,048 bit RSA key pair and self-signed certificate (SHA256withRSA) with a validity of 10,000 days
⟦TAB⟧for: CN=⟦org⟧, OU=Mobile, O=⟦org⟧, C=DE
[Storing release.jks]
""",
    ),
    T(
        "keytool -list with storepass",
        r"""
$ keytool -list -v -keystore app/upload.jks -storepass ⟦pw⟧ -alias upload
Alias name: upload
Creation date: Nov 3, 2026
Entry type: PrivateKeyEntry
Certificate chain length: 1
""",
    ),
    T(
        "apksigner pass:",
        r"""
$ apksigner sign --ks release.jks --ks-key-alias upload --ks-pass pass:⟦pw⟧ --key-pass pass:⟦pw.2⟧ --out app-release-signed.apk app-release-unsigned.apk
""",
    ),
    T(
        "jarsigner -storepass",
        r"""
$ jarsigner -verbose -sigalg SHA256withRSA -digestalg SHA-256 -keystore my-release-key.jks -storepass ⟦pw⟧ app-release-unaligned.apk alias_name
   adding: META-INF/MANIFEST.MF
   signing: classes.dex
""",
    ),
    T(
        "Gradle --info injected signing",
        r"""
> Task :app:packageRelease
Starting process 'Gradle build daemon'. Command: /usr/lib/jvm/java-17/bin/java -Pandroid.injected.signing.store.file=/tmp/ks.jks -Pandroid.injected.signing.store.password=⟦pw⟧ -Pandroid.injected.signing.key.alias=upload -Pandroid.injected.signing.key.password=⟦pw⟧
""",
    ),
    T(
        "~/.gradle/gradle.properties maven signing",
        r"""
signing.keyId=⟦HEX8f⟧
signing.password=⟦phrase⟧
signing.secretKeyRingFile=/home/⟦user⟧/.gnupg/secring.gpg
ossrhUsername=⟦user⟧
ossrhPassword=⟦pw⟧
""",
    ),
    T(
        "local.properties with Maps key",
        r"""
## This file must *NOT* be checked into Version Control Systems,
sdk.dir=/Users/⟦user⟧/Library/Android/sdk
MAPS_API_KEY=⟦aiza⟧
""",
    ),
    T(
        "GitHub Actions key.properties step",
        r"""
Run echo "$KEYSTORE_BASE64" | base64 -d > app/release.jks
  echo "storePassword=⟦pw⟧" >> android/key.properties
  echo "keyPassword=⟦pw⟧" >> android/key.properties
  echo "keyAlias=upload" >> android/key.properties
""",
    ),
    T(
        "Flutter key.properties",
        r"""
storePassword=⟦pw⟧
keyPassword=⟦pw.2⟧
keyAlias=upload
storeFile=/Users/⟦user⟧/upload-keystore.jks
""",
    ),
)

_fam(
    "ios_xcode_fastlane",
    T(
        "fastlane .env",
        r"""
MATCH_PASSWORD="⟦phrase⟧"
FASTLANE_USER="⟦email⟧"
FASTLANE_APPLE_APPLICATION_SPECIFIC_PASSWORD="⟦apppw⟧"
""",
    ),
    T(
        "cat AuthKey .p8",
        r"""
$ cat ~/private_keys/AuthKey_⟦AN10f⟧.p8
-----BEGIN PRIVATE KEY-----
⟦p8l1⟧
⟦pem⟧
⟦pemtail⟧
-----END PRIVATE KEY-----
""",
    ),
    T(
        "xcodebuild exported environment",
        r"""
    export CODE_SIGN_IDENTITY=Apple\ Distribution
    export CONFIGURATION=Release
    export SENTRY_AUTH_TOKEN=⟦sentry⟧
    export SRCROOT=/Users/⟦user⟧/build/ios
""",
    ),
    T(
        "xcrun altool upload",
        r"""
$ xcrun altool --upload-app -f build/⟦app⟧.ipa -t ios -u ⟦email⟧ -p ⟦apppw⟧
2026-12-01 10:44:12.019 *** Error: Unable to upload archive. Failed to get authorization for username '⟦email⟧' and password.
""",
    ),
    T(
        "notarytool store-credentials",
        r"""
$ xcrun notarytool store-credentials "AC_NOTARY" --apple-id ⟦email⟧ --team-id ⟦AN10f⟧ --password ⟦apppw⟧
This process stores your credentials securely in the Keychain.
Credentials saved to Keychain.
""",
    ),
    T(
        "CI keychain import",
        r"""
$ security create-keychain -p ⟦pw⟧ build.keychain
$ security import dist.p12 -k build.keychain -P ⟦pw.2⟧ -T /usr/bin/codesign
1 identity imported.
$ security unlock-keychain -p ⟦pw⟧ build.keychain
""",
    ),
    T(
        "Fastfile api key inline",
        r"""
lane :beta do
  app_store_connect_api_key(key_id: "⟦AN10f⟧", issuer_id: "⟦uuidf⟧", key_content: "⟦p8b64⟧", is_key_content_base64: true)
  upload_to_testflight(skip_waiting_for_build_processing: true)
end
""",
    ),
    T(
        "CocoaPods spec repo clone",
        r"""
Cloning spec repo `⟦org⟧-specs` from `https://oauth2:⟦glpat⟧@gitlab.⟦domain⟧/ios/specs.git`
[!] Unable to add a source with url `https://oauth2:⟦glpat⟧@gitlab.⟦domain⟧/ios/specs.git` named `⟦org⟧-specs`.
""",
    ),
    T(
        "FASTLANE_SESSION export",
        r"""
export FASTLANE_SESSION='---\n- !ruby/object:HTTP::Cookie\n  name: myacinfo\n  value: ⟦myacinfo⟧\n  domain: apple.com\n  for_domain: true\n  path: "/"\n'
""",
    ),
    T(
        "fastlane match git clone",
        r"""
[10:12:05]: Cloning remote git repo...
[10:12:05]: $ git clone https://x-access-token:⟦ghs⟧@github.com/⟦org⟧/ios-certificates.git /var/folders/7k/T/d20261202-48211-1x9q2z
[10:12:07]: 🔓  Successfully decrypted certificates repo
""",
    ),
    T(
        "firebase appdistribution --token",
        r"""
$ firebase appdistribution:distribute build/⟦app⟧.ipa --app 1:⟦d12⟧:ios:⟦hex16f⟧ --token "⟦goog_rt⟧" --groups qa
i  uploading binary...
""",
    ),
)

_fam(
    "mobile_app_config",
    T(
        "google-services.json api_key",
        r"""
      "api_key": [
        {
          "current_key": "⟦aiza⟧"
        }
      ],
""",
    ),
    T(
        "GoogleService-Info.plist",
        r"""
<key>API_KEY</key>
<string>⟦aiza⟧</string>
<key>GCM_SENDER_ID</key>
<string>⟦d12⟧</string>
<key>BUNDLE_ID</key>
<string>⟦bundle⟧</string>
""",
    ),
    T(
        "Firebase service account JSON",
        r"""
{
  "type": "service_account",
  "project_id": "⟦app⟧-prod",
  "private_key_id": "⟦hex40f⟧",
  "private_key": "-----BEGIN PRIVATE KEY-----\n⟦pkcs8l1⟧\n⟦pem⟧\n-----END PRIVATE KEY-----\n",
  "client_email": "firebase-adminsdk-x1y2z@⟦app⟧-prod.iam.gserviceaccount.com",
""",
    ),
    T(
        "React Native .env",
        r"""
API_URL=https://api.⟦domain⟧
SENTRY_DSN=https://⟦hex32f⟧@o⟦d6⟧.ingest.sentry.io/⟦d7⟧
STRIPE_PUBLISHABLE_KEY=pk_live_⟦an24f⟧
STRIPE_SECRET_KEY=⟦stripe⟧
""",
    ),
    T(
        "flutter build --dart-define",
        r"""
$ flutter build apk --release --dart-define=API_KEY=⟦an32⟧ --dart-define=MAPBOX_TOKEN=⟦mapbox⟧
Running Gradle task 'assembleRelease'...
""",
    ),
    T(
        "Expo app.json extra",
        r"""
"extra": {
  "eas": { "projectId": "⟦uuidf⟧" },
  "algoliaAppId": "⟦AN10f⟧",
  "algoliaAdminKey": "⟦hex32⟧"
}
""",
    ),
    T(
        "Flutter .env Supabase service role",
        r"""
SUPABASE_URL=https://⟦anl20f⟧.supabase.co
SUPABASE_SERVICE_ROLE_KEY=⟦jwt⟧
""",
    ),
    T(
        "Info.plist AppCenter secret",
        r"""
<key>AppCenterSecret</key>
<string>⟦uuids⟧</string>
<key>CFBundleShortVersionString</key>
<string>⟦ver⟧</string>
""",
    ),
    T(
        "OAuth client_secret.json",
        r"""
{"installed":{"client_id":"⟦d12⟧-⟦anl32f⟧.apps.googleusercontent.com","project_id":"⟦app⟧","auth_uri":"https://accounts.google.com/o/oauth2/auth","client_secret":"⟦gocspx⟧","redirect_uris":["http://localhost"]}}
""",
    ),
    T(
        "react-native-config GeneratedDotEnv.m",
        r"""
#define DOT_ENV @{ @"API_URL":@"https://api.⟦domain⟧" ,@"ONESIGNAL_REST_KEY":@"⟦b64_36⟧" ,@"ENV":@"production"  };
""",
    ),
    T(
        "firebase functions:config:get",
        r"""
$ firebase functions:config:get
{
  "mailgun": {
    "key": "⟦mailgun⟧",
    "domain": "mg.⟦domain⟧"
  },
  "twilio": { "sid": "AC⟦hex32f⟧", "token": "⟦hex32.2⟧" }
}
""",
    ),
)

# ===========================================================================
# Backup and storage
# ===========================================================================
_fam(
    "backup_restic_borg",
    T(
        "restic environment exports",
        r"""
export RESTIC_REPOSITORY=s3:s3.⟦region⟧.amazonaws.com/⟦bucket⟧/restic
export RESTIC_PASSWORD='⟦phrase⟧'
export AWS_ACCESS_KEY_ID=⟦AKIAf⟧
export AWS_SECRET_ACCESS_KEY=⟦awssk⟧
""",
    ),
    T(
        "restic init --password-command",
        r"""
$ restic -r sftp:⟦user⟧@⟦host⟧:/srv/restic init --password-command "echo ⟦pw⟧"
created restic repository ⟦hex10f⟧ at sftp:⟦user⟧@⟦host⟧:/srv/restic

Please note that knowledge of your password is required to access
the repository. Losing your password means that your data is
irrecoverably lost.
""",
    ),
    T(
        "restic key add from file",
        r"""
$ printf '%s\n' '⟦pw⟧' > /root/.restic-pass && chmod 600 /root/.restic-pass
$ restic -r /mnt/backup key add --new-password-file /root/.restic-pass
repository ⟦hex8f⟧ opened (version 2, compression level auto)
saved new key with ID ⟦hex64f⟧
""",
    ),
    T(
        "borg create under set -x",
        r"""
+ export BORG_PASSPHRASE=⟦phrase⟧
+ BORG_PASSPHRASE=⟦phrase⟧
+ borg create --stats --compression zstd,6 ssh://borg@⟦host⟧:22/./repo::'{hostname}-{now}' /etc /srv
""",
    ),
    T(
        "borg key export",
        r"""
$ borg key export --paper ssh://borg@⟦host⟧/./repo -
BORG_KEY ⟦hex64f⟧
⟦b64_57⟧
⟦b64_57.2⟧
""",
    ),
    T(
        "borgmatic config",
        r"""
location:
    repositories:
        - ssh://⟦user⟧@⟦host⟧/./backups
storage:
    encryption_passphrase: "⟦phrase⟧"
    ssh_command: ssh -i /root/.ssh/borg_ed25519
""",
    ),
    T(
        "duplicity sign passphrase cron",
        r"""
15 2 * * * root SIGN_PASSPHRASE='⟦phrase⟧' PASSPHRASE='⟦phrase⟧' duplicity --sign-key ⟦HEX8f⟧ /srv s3://s3.⟦region⟧.amazonaws.com/⟦bucket⟧ >> /var/log/dup.log 2>&1
""",
    ),
    T(
        "Duplicati CommandLine",
        r"""
C:\Program Files\Duplicati 2> Duplicati.CommandLine.exe backup "s3://⟦bucket⟧/duplicati?auth-username=⟦AKIAf⟧&auth-password=⟦url:awssk⟧" "D:\Data" --passphrase="⟦phrase⟧" --dblock-size=50mb
""",
    ),
    T(
        "Duplicati exported job JSON",
        r"""
  "TargetURL": "b2://⟦bucket⟧/duplicati?auth-username=⟦hex25f⟧&auth-password=⟦url:b2key⟧",
  "Settings": [
    { "Filter": "", "Name": "encryption-module", "Value": "aes" },
    { "Filter": "", "Name": "passphrase", "Value": "⟦pw⟧" }
  ],
""",
    ),
    T(
        "restic rest-server URL",
        r"""
$ restic -r rest:https://⟦user⟧:⟦url:pw⟧@⟦fqdn⟧:8000/⟦host⟧/ snapshots
Fatal: unable to open config file: unexpected HTTP response (401): 401 Unauthorized
Is there a repository at the following location?
rest:https://⟦user⟧:***@⟦fqdn⟧:8000/⟦host⟧/
""",
    ),
    T(
        "borg systemd unit",
        r"""
[Service]
Type=oneshot
Environment=BORG_REPO=ssh://⟦user⟧@⟦host⟧:2222/~/repo
Environment="BORG_PASSPHRASE=⟦phrase⟧"
ExecStart=/usr/local/bin/borg-backup.sh
""",
    ),
)

_fam(
    "backup_rclone_s3",
    T(
        "rclone.conf s3 remote",
        r"""
[⟦org⟧-s3]
type = s3
provider = AWS
access_key_id = ⟦AKIAf⟧
secret_access_key = ⟦awssk⟧
region = ⟦region⟧
""",
    ),
    T(
        "rclone.conf sftp obscured pass",
        r"""
[nas]
type = sftp
host = ⟦host⟧
user = ⟦user⟧
pass = ⟦rclone⟧
shell_type = unix
""",
    ),
    T(
        "rclone.conf crypt remote",
        r"""
[secret]
type = crypt
remote = nas:/backups/crypt
filename_encryption = standard
password = ⟦rclone⟧
password2 = ⟦rclone.2⟧
""",
    ),
    T(
        "rclone obscure",
        r"""
$ rclone obscure '⟦pw⟧'
⟦rclone⟧
""",
    ),
    T(
        ".s3cfg",
        r"""
[default]
access_key = ⟦AKIAf⟧
secret_key = ⟦awssk⟧
gpg_passphrase = ⟦phrase⟧
host_base = s3.⟦region⟧.amazonaws.com
""",
    ),
    T(
        "mc alias set",
        r"""
$ mc alias set ⟦host⟧ https://minio.⟦domain⟧:9000 ⟦AN20f⟧ ⟦an40⟧
Added `⟦host⟧` successfully.
""",
    ),
    T(
        "~/.mc/config.json",
        r"""
    "⟦host⟧": {
      "url": "https://minio.⟦domain⟧:9000",
      "accessKey": "⟦AN20f⟧",
      "secretKey": "⟦an40⟧",
      "api": "s3v4",
      "path": "auto"
    },
""",
    ),
    T(
        "MinIO server env",
        r"""
MINIO_ROOT_USER=admin
MINIO_ROOT_PASSWORD=⟦pw⟧
MINIO_VOLUMES="/mnt/data{1...4}"
""",
    ),
    T(
        "rclone -vv parameters",
        r"""
2026/12/02 03:00:01 DEBUG : rclone: Version "v1.68.2" starting with parameters ["rclone" "copy" "/srv/exports" "s3:⟦bucket⟧" "--s3-access-key-id" "⟦AKIAf⟧" "--s3-secret-access-key" "⟦awssk⟧" "-vv"]
""",
    ),
    T(
        "rclone connection string",
        r"""
$ rclone lsd ":ftp,host=⟦fqdn⟧,user=⟦user⟧,pass='⟦rclone⟧':/pub"
          -1 2026-11-30 02:00:01        -1 exports
""",
    ),
    T(
        "aws credentials profile with session token",
        r"""
[backup]
aws_access_key_id = ASIA⟦AN16f⟧
aws_secret_access_key = ⟦awssk⟧
aws_session_token = ⟦awssts⟧
""",
    ),
)

_fam(
    "backup_enterprise",
    T(
        "Velero credentials file",
        r"""
$ cat credentials-velero
[default]
aws_access_key_id=⟦AKIAf⟧
aws_secret_access_key=⟦awssk⟧
""",
    ),
    T(
        "Velero cloud-credentials secret",
        r"""
$ kubectl -n velero get secret cloud-credentials -o yaml
apiVersion: v1
data:
  cloud: ⟦b64:velcred⟧
kind: Secret
""",
    ),
    T(
        "Bacula bacula-dir.conf Director",
        r"""
Director {
  Name = ⟦host⟧-dir
  DIRport = 9101
  QueryFile = "/etc/bacula/scripts/query.sql"
  Password = "⟦an44⟧"
}
""",
    ),
    T(
        "Bacula bacula-fd.conf",
        r"""
Director {
  Name = ⟦host⟧-dir
  Password = "⟦an44⟧"
}
FileDaemon {
  Name = ⟦host.2⟧-fd
""",
    ),
    T(
        "Bacula bconsole.conf",
        r"""
Director {
  Name = ⟦host⟧-dir
  DIRport = 9101
  address = ⟦fqdn⟧
  Password = "⟦an44⟧"
}
""",
    ),
    T(
        "Veeam Add-VBRCredentials",
        r"""
PS C:\> Add-VBRCredentials -User "⟦netbios⟧\⟦svcacct⟧" -Password "⟦pw⟧" -Description "Hyper-V hosts"

Name          : ⟦netbios⟧\⟦svcacct⟧
Description   : Hyper-V hosts
""",
    ),
    T(
        "Veeam Add-VBREncryptionKey",
        r"""
PS C:\> $key = Add-VBREncryptionKey -Password (ConvertTo-SecureString -String "⟦phrase⟧" -AsPlainText -Force) -Description "offsite"
PS C:\> Set-VBRJobAdvancedStorageOptions -Job "Offsite copy" -EnableEncryption $true -EncryptionKey $key
""",
    ),
    T(
        "NetBackup nbcertcmd -token",
        r"""
# /usr/openv/netbackup/bin/nbcertcmd -getCertificate -token ⟦nbtoken⟧ -server ⟦fqdn⟧
Host certificate received successfully from server ⟦fqdn⟧.
""",
    ),
    T(
        "NetBackup tpconfig -password",
        r"""
# /usr/openv/volmgr/bin/tpconfig -add -storage_server ⟦fqdn⟧ -stype PureDisk -sts_user_id ⟦svcacct⟧ -password ⟦pw⟧
Storage server credentials added successfully.
""",
    ),
    T(
        "veeamconfig repository smb",
        r"""
$ sudo veeamconfig repository create --name nas --location //⟦host⟧/backups --type smb --username ⟦svcacct⟧ --password '⟦pw⟧' --domain ⟦netbios⟧
Repository has been created successfully.
""",
    ),
    T(
        "pgBackRest config",
        r"""
[global]
repo1-type=s3
repo1-s3-bucket=⟦bucket⟧
repo1-s3-key=⟦AKIAf⟧
repo1-s3-key-secret=⟦awssk⟧
repo1-cipher-type=aes-256-cbc
repo1-cipher-pass=⟦b64_48⟧
""",
    ),
)

_fam(
    "storage_mounts",
    T(
        "fstab cifs + credentials file",
        r"""
//⟦host⟧/share  /mnt/share  cifs  credentials=/root/.smbcred,uid=1000,vers=3.0  0  0
$ sudo cat /root/.smbcred
username=⟦user⟧
password=⟦pw⟧
domain=⟦netbios⟧
""",
    ),
    T(
        "mount -t cifs -o password=",
        r"""
$ sudo mount -t cifs //⟦winhost⟧/finance /mnt/finance -o username=⟦user⟧,password=⟦pw⟧,domain=⟦netbios⟧,vers=3.1.1
mount error(13): Permission denied
Refer to the mount.cifs(8) manual page (e.g. man mount.cifs) and kernel log messages (dmesg)
""",
    ),
    T(
        "smbclient -U user%pass",
        r"""
$ smbclient //⟦winhost⟧/C$ -U '⟦netbios⟧/⟦user⟧%⟦pw⟧' -c 'ls'
  .                                  DHS        0  Tue Dec  2 10:14:07 2026
""",
    ),
    T(
        "fstab inline password",
        r"""
# /etc/fstab
//⟦fqdn⟧/archive /srv/archive cifs username=⟦svcacct⟧,password=⟦pw⟧,iocharset=utf8,_netdev 0 0
""",
    ),
    T(
        "iscsiadm update CHAP password",
        r"""
# iscsiadm -m node -T iqn.2026-01.com.⟦org⟧:storage.lun1 -p ⟦ip⟧ --op=update -n node.session.auth.password -v ⟦an16⟧
""",
    ),
    T(
        "davfs2 secrets",
        r"""
# /etc/davfs2/secrets
https://dav.⟦domain⟧/remote.php/dav/files/⟦user⟧/ ⟦user⟧ "⟦pw⟧"
""",
    ),
    T(
        "systemd mount unit",
        r"""
[Mount]
What=//⟦host⟧/media
Where=/mnt/media
Type=cifs
Options=_netdev,username=⟦user⟧,password=⟦pw⟧,uid=media
""",
    ),
    T(
        "autofs map",
        r"""
# /etc/auto.cifs
backup  -fstype=cifs,rw,username=⟦svcacct⟧,password=⟦pw⟧  ://⟦winhost⟧/backup$
""",
    ),
    T(
        "sshfs password_stdin",
        r"""
$ echo '⟦pw⟧' | sshfs ⟦user⟧@⟦host⟧:/data /mnt/data -o password_stdin,allow_other
""",
    ),
    T(
        "Synology API login",
        r"""
$ curl -s "https://⟦fqdn⟧:5001/webapi/auth.cgi?api=SYNO.API.Auth&version=3&method=login&account=admin&passwd=⟦url:pw⟧&session=FileStation&format=sid"
{"data":{"sid":"⟦b64u32⟧"},"success":true}
""",
    ),
    T(
        "kubectl create secret smbcreds",
        r"""
$ kubectl create secret generic smbcreds --from-literal username=⟦user⟧ --from-literal password="⟦pw⟧"
secret/smbcreds created
""",
    ),
)

# ===========================================================================
# VPN, tunnels and network auth
# ===========================================================================
_fam(
    "vpn_wireguard",
    T(
        "wg0.conf server interface",
        r"""
[Interface]
Address = 10.8.0.1/24
ListenPort = 51820
PrivateKey = ⟦wgkey⟧
PostUp = iptables -A FORWARD -i %i -j ACCEPT
""",
    ),
    T(
        "WireGuard client config",
        r"""
[Interface]
PrivateKey = ⟦wgkey⟧
Address = 10.8.0.⟦n⟧/32
DNS = 10.8.0.1

[Peer]
PublicKey = ⟦wgpubf⟧
PresharedKey = ⟦wgkey.2⟧
Endpoint = vpn.⟦domain⟧:51820
AllowedIPs = 0.0.0.0/0
""",
    ),
    T(
        "wg showconf",
        r"""
# wg showconf wg0
[Interface]
ListenPort = 51820
FwMark = 0xca6c
PrivateKey = ⟦wgkey⟧

[Peer]
PublicKey = ⟦wgpubf⟧
AllowedIPs = 10.8.0.7/32
""",
    ),
    T(
        "wg genkey tee",
        r"""
$ wg genkey | tee privatekey | wg pubkey > publickey
$ cat privatekey publickey
⟦wgkey⟧
⟦wgpubf⟧
""",
    ),
    T(
        "wg set with process substitution",
        r"""
# wg set wg0 private-key <(echo ⟦wgkey⟧) peer ⟦wgpubf⟧ preshared-key <(echo ⟦wgkey.2⟧) endpoint ⟦ip⟧:51820 allowed-ips 10.9.0.0/24
""",
    ),
    T(
        "NetworkManager wireguard keyfile",
        r"""
[wireguard]
private-key=⟦wgkey⟧
listen-port=51820

[wireguard-peer.⟦wgpubf⟧]
endpoint=vpn.⟦domain⟧:51820
allowed-ips=10.20.0.0/16;
""",
    ),
    T(
        "nmcli --show-secrets wireguard",
        r"""
$ nmcli --show-secrets connection show wg-office | grep -i key
wireguard.private-key:                  ⟦wgkey⟧
wireguard.private-key-flags:            0 (none)
""",
    ),
    T(
        "wg-easy compose env",
        r"""
    environment:
      - WG_HOST=vpn.⟦domain⟧
      - PASSWORD=⟦pw⟧
      - WG_DEFAULT_DNS=10.8.0.1
""",
    ),
    T(
        "RouterOS wireguard export",
        r"""
/interface wireguard
add listen-port=13231 mtu=1420 name=wg-hq private-key="⟦wgkey⟧"
/interface wireguard peers
add allowed-address=10.20.0.2/32 interface=wg-hq preshared-key="⟦wgkey.2⟧" public-key="⟦wgpubf⟧"
""",
    ),
    T(
        "Kubernetes secret with wg key",
        r"""
apiVersion: v1
kind: Secret
metadata:
  name: wg-gateway
data:
  privatekey: ⟦b64:wgkey⟧
""",
    ),
    T(
        "OPNsense config.xml wireguard",
        r"""
<server uuid="⟦uuidf⟧">
  <enabled>1</enabled>
  <name>wg-site</name>
  <pubkey>⟦wgpubf⟧</pubkey>
  <privkey>⟦wgkey⟧</privkey>
  <port>51820</port>
</server>
""",
    ),
)

_fam(
    "vpn_openvpn",
    T(
        "auth-user-pass file",
        r"""
$ sudo cat /etc/openvpn/client/auth.txt
⟦user⟧
⟦pw⟧
""",
    ),
    T(
        "inline tls-auth static key",
        r"""
key-direction 1
<tls-auth>
#
# 2048 bit OpenVPN static key
#
-----BEGIN OpenVPN Static key V1-----
⟦ovpn⟧
⟦ovpn.2⟧
⟦ovpn.3⟧
""",
    ),
    T(
        "inline client private key",
        r"""
</cert>
<key>
-----BEGIN PRIVATE KEY-----
⟦pkcs8l1⟧
⟦pem⟧
""",
    ),
    T(
        "management interface password file",
        r"""
management 127.0.0.1 7505 /etc/openvpn/mgmt.pw
$ sudo cat /etc/openvpn/mgmt.pw
⟦pw⟧
""",
    ),
    T(
        "checkpsw.sh log",
        r"""
2026-12-02 10:14:07: Incorrect password: username="⟦user⟧", password="⟦pw⟧".
2026-12-02 10:14:19: Successful authentication: username="⟦user⟧".
""",
    ),
    T(
        "psw-file",
        r"""
# /etc/openvpn/psw-file
⟦user⟧ ⟦pw⟧
""",
    ),
    T(
        "OpenVPN AS sacli SetLocalPassword",
        r"""
# /usr/local/openvpn_as/scripts/sacli --user ⟦user⟧ --new_pass '⟦pw⟧' SetLocalPassword
""",
    ),
    T(
        "nmcli vpn.secrets",
        r"""
$ nmcli --show-secrets con show office-vpn | grep vpn.secrets
vpn.secrets:                            password = ⟦pw⟧, cert-pass = ⟦pw.2⟧
""",
    ),
    T(
        "askpass file",
        r"""
askpass /etc/openvpn/client/key.pass
$ cat /etc/openvpn/client/key.pass
⟦phrase⟧
""",
    ),
    T(
        "pfSense config.xml shared_key",
        r"""
<openvpn-server>
  <vpnid>1</vpnid>
  <mode>p2p_shared_key</mode>
  <shared_key>⟦b64:ovpnblock⟧</shared_key>
</openvpn-server>
""",
    ),
    T(
        "bash history openvpn process substitution",
        r"""
  502  sudo openvpn --config ~/vpn/⟦host⟧.ovpn --auth-user-pass <(printf '%s\n%s\n' ⟦user⟧ '⟦pw⟧')
""",
    ),
)

_fam(
    "vpn_ipsec",
    T(
        "ipsec.secrets PSK",
        r"""
# /etc/ipsec.secrets
⟦ip⟧ ⟦ip.2⟧ : PSK "⟦psk⟧"
""",
    ),
    T(
        "ipsec.secrets EAP/XAUTH",
        r"""
: RSA /etc/ipsec.d/private/vpn-key.pem
⟦user⟧ : EAP "⟦pw⟧"
""",
    ),
    T(
        "swanctl.conf base64 secret",
        r"""
secrets {
    ike-site-b {
        id-1 = ⟦fqdn⟧
        secret = 0s⟦b64_32⟧
    }
}
""",
    ),
    T(
        "swanctl.conf eap secret",
        r"""
secrets {
    eap-⟦user⟧ {
        id = ⟦user⟧
        secret = "⟦pw⟧"
    }
}
""",
    ),
    T(
        "Cisco IOS isakmp key",
        r"""
crypto isakmp policy 10
 encr aes 256
 authentication pre-share
 group 14
crypto isakmp key ⟦psk⟧ address ⟦ip⟧
""",
    ),
    T(
        "libreswan secrets",
        r"""
$ sudo cat /etc/ipsec.d/site-b.secrets
%any ⟦ip⟧: PSK "⟦psk⟧"
""",
    ),
    T(
        "L2TP chap-secrets",
        r"""
# Secrets for authentication using CHAP
# client	server	secret			IP addresses
"⟦user⟧"	l2tpd	"⟦pw⟧"	*
""",
    ),
    T(
        "FortiGate phase1",
        r"""
config vpn ipsec phase1-interface
    edit "to-⟦host⟧"
        set interface "wan1"
        set remote-gw ⟦ip⟧
        set psksecret ⟦psk⟧
    next
end
""",
    ),
    T(
        "PAN-OS set command",
        r"""
set network ike gateway gw-⟦host⟧ authentication pre-shared-key key ⟦psk⟧
set network ike gateway gw-⟦host⟧ peer-address ip ⟦ip⟧
""",
    ),
    T(
        "AWS Site-to-Site VPN config",
        r"""
- IKE version              : IKEv2
- Authentication Method    : Pre-Shared Key
- Pre-Shared Key           : ⟦awsvpnpsk⟧
- Authentication Algorithm : sha2-256
""",
    ),
    T(
        "VyOS site-to-site",
        r"""
set vpn ipsec site-to-site peer ⟦ip⟧ authentication mode 'pre-shared-secret'
set vpn ipsec site-to-site peer ⟦ip⟧ authentication pre-shared-secret '⟦psk⟧'
""",
    ),
)

_fam(
    "tunnels_mesh",
    T(
        "tailscale up --authkey",
        r"""
$ sudo tailscale up --authkey=⟦tskey⟧ --advertise-routes=10.40.0.0/16 --hostname=⟦host⟧
""",
    ),
    T(
        "Tailscale API curl",
        r"""
$ curl -s -u "⟦tskeyapi⟧:" https://api.tailscale.com/api/v2/tailnet/-/devices | jq '.devices | length'
42
""",
    ),
    T(
        "compose TS_AUTHKEY",
        r"""
  tailscale:
    image: tailscale/tailscale:latest
    environment:
      - TS_AUTHKEY=⟦tskey⟧
      - TS_STATE_DIR=/var/lib/tailscale
""",
    ),
    T(
        "headscale preauthkeys create",
        r"""
$ headscale preauthkeys create --user ⟦user⟧ --reusable --expiration 24h
⟦hex48⟧
""",
    ),
    T(
        "ZeroTier central API curl",
        r"""
$ curl -s -H "Authorization: token ⟦an32⟧" https://api.zerotier.com/api/v1/network/⟦hex16f⟧/member | jq length
""",
    ),
    T(
        "zerotier identity.secret",
        r"""
$ sudo cat /var/lib/zerotier-one/identity.secret
⟦hex10f⟧:0:⟦hex128f⟧:⟦hex128⟧
""",
    ),
    T(
        "ngrok.yml",
        r"""
version: "2"
authtoken: ⟦ngrok⟧
tunnels:
  web:
    proto: http
    addr: 8080
""",
    ),
    T(
        "ngrok add-authtoken",
        r"""
$ ngrok config add-authtoken ⟦ngrok⟧
Authtoken saved to configuration file: /home/⟦user⟧/.config/ngrok/ngrok.yml
""",
    ),
    T(
        "cloudflared credentials JSON",
        r"""
$ cat ~/.cloudflared/⟦uuidf⟧.json
{"AccountTag":"⟦hex32f⟧","TunnelSecret":"⟦b64_32⟧","TunnelID":"⟦uuidf⟧"}
""",
    ),
    T(
        "cloudflared run --token",
        r"""
$ cloudflared tunnel --no-autoupdate run --token ⟦cftoken⟧
2026-12-02T10:04:11Z INF Starting tunnel tunnelID=⟦uuidf⟧
""",
    ),
    T(
        "sshpass tunnel",
        r"""
$ sshpass -p '⟦pw⟧' ssh -f -N -L 5432:⟦host⟧:5432 ⟦user⟧@bastion.⟦domain⟧
""",
    ),
)

_fam(
    "network_aaa",
    T(
        "FreeRADIUS clients.conf",
        r"""
client ⟦host⟧ {
    ipaddr = ⟦ip⟧
    secret = ⟦radsecret⟧
    shortname = ⟦host⟧
    nas_type = cisco
}
""",
    ),
    T(
        "Cisco IOS radius server",
        r"""
radius server ISE-01
 address ipv4 ⟦ip⟧ auth-port 1812 acct-port 1813
 key ⟦radsecret⟧
""",
    ),
    T(
        "tac_plus.conf",
        r"""
key = "⟦pw⟧"
user = ⟦user⟧ {
    login = cleartext "⟦pw.2⟧"
    member = netadmins
}
""",
    ),
    T(
        "Cisco tacacs key 7",
        r"""
tacacs server TAC-PRIMARY
 address ipv4 ⟦ip⟧
 key 7 ⟦cisco7⟧
""",
    ),
    T(
        "Cisco enable secret and type 7 user",
        r"""
enable secret 9 ⟦type9⟧
username ⟦user⟧ privilege 15 password 7 ⟦cisco7⟧
""",
    ),
    T(
        "snmpd.conf createUser",
        r"""
createUser ⟦user⟧ SHA-256 "⟦pw⟧" AES "⟦pw.2⟧"
rouser ⟦user⟧ priv
""",
    ),
    T(
        "snmpwalk -v3 authPriv",
        r"""
$ snmpwalk -v3 -l authPriv -u ⟦user⟧ -a SHA -A '⟦pw⟧' -x AES -X '⟦pw.2⟧' ⟦ip⟧ 1.3.6.1.2.1.1
SNMPv2-MIB::sysDescr.0 = STRING: Cisco IOS Software, C9300 Software
""",
    ),
    T(
        "SNMPv2 community",
        r"""
snmp-server community ⟦commty⟧ RO 10
snmp-server location DC2-Row4
""",
    ),
    T(
        "Junos radius + encrypted-password",
        r"""
set system radius-server ⟦ip⟧ secret "⟦radsecret⟧"
set system login user ⟦user⟧ authentication encrypted-password "⟦sha512crypt⟧"
""",
    ),
    T(
        "radtest",
        r"""
$ radtest ⟦user⟧ '⟦pw⟧' ⟦ip⟧ 0 ⟦radsecret⟧
Sent Access-Request Id 117 from 0.0.0.0:52311 to ⟦ip⟧:1812 length 77
⟦TAB⟧User-Name = "⟦user⟧"
⟦TAB⟧User-Password = "⟦pw⟧"
Received Access-Accept Id 117 from ⟦ip⟧:1812 to 0.0.0.0:52311 length 20
""",
    ),
    T(
        "FreeRADIUS users file",
        r"""
⟦user⟧  Cleartext-Password := "⟦pw⟧"
        Reply-Message := "Hello, %{User-Name}"
""",
    ),
)

_fam(
    "wifi_8021x",
    T(
        "wpa_supplicant.conf psk",
        r"""
network={
    ssid="⟦ssid⟧"
    psk="⟦phrase⟧"
    key_mgmt=WPA-PSK
}
""",
    ),
    T(
        "wpa_passphrase output",
        r"""
$ wpa_passphrase "⟦ssid⟧" '⟦phrase⟧'
network={
⟦TAB⟧ssid="⟦ssid⟧"
⟦TAB⟧#psk="⟦phrase⟧"
⟦TAB⟧psk=⟦hex64⟧
}
""",
    ),
    T(
        "wpa_supplicant PEAP",
        r"""
network={
    ssid="⟦ssid⟧"
    key_mgmt=WPA-EAP
    eap=PEAP
    identity="⟦user⟧@⟦domain⟧"
    password="⟦pw⟧"
    phase2="auth=MSCHAPV2"
}
""",
    ),
    T(
        "wpa_supplicant NT hash password",
        r"""
    identity="⟦user⟧"
    password=hash:⟦hex32⟧
    phase2="auth=MSCHAPV2"
""",
    ),
    T(
        "wpa_supplicant EAP-TLS key passwd",
        r"""
    eap=TLS
    client_cert="/etc/certs/⟦host⟧.crt"
    private_key="/etc/certs/⟦host⟧.key"
    private_key_passwd="⟦pw⟧"
""",
    ),
    T(
        "hostapd.conf",
        r"""
interface=wlan0
ssid=⟦ssid⟧
wpa=2
wpa_passphrase=⟦phrase⟧
wpa_key_mgmt=WPA-PSK SAE
""",
    ),
    T(
        "hostapd RADIUS",
        r"""
ieee8021x=1
auth_server_addr=⟦ip⟧
auth_server_port=1812
auth_server_shared_secret=⟦radsecret⟧
""",
    ),
    T(
        "nmcli dev wifi connect",
        r"""
$ nmcli dev wifi connect "⟦ssid⟧" password "⟦phrase⟧" ifname wlp2s0
Device 'wlp2s0' successfully activated with '⟦uuidf⟧'.
""",
    ),
    T(
        "NetworkManager wifi keyfile",
        r"""
[wifi]
mode=infrastructure
ssid=⟦ssid⟧

[wifi-security]
key-mgmt=wpa-psk
psk=⟦phrase⟧
""",
    ),
    T(
        "UniFi wlanconf JSON",
        r"""
{"_id":"⟦hex24f⟧","name":"⟦ssid⟧","security":"wpapsk","wpa_mode":"wpa2","x_passphrase":"⟦phrase⟧","enabled":true}
""",
    ),
    T(
        "hostapd_cli wps_pin",
        r"""
$ sudo hostapd_cli -i wlan0 wps_pin any ⟦pin8⟧
⟦pin8⟧
""",
    ),
)

# ===========================================================================
# Identity and SSO
# ===========================================================================
_fam(
    "idp_keycloak",
    T(
        "kcadm config credentials",
        r"""
$ kcadm.sh config credentials --server https://sso.⟦domain⟧ --realm master --user admin --password '⟦pw⟧'
Logging into https://sso.⟦domain⟧ as user admin of realm master
""",
    ),
    T(
        "kcadm get client-secret",
        r"""
$ kcadm.sh get clients/⟦uuidf⟧/client-secret -r ⟦svc⟧
{
  "type" : "secret",
  "value" : "⟦kcsecret⟧"
}
""",
    ),
    T(
        "realm export client",
        r"""
    "clientId" : "⟦svc⟧",
    "enabled" : true,
    "clientAuthenticatorType" : "client-secret",
    "secret" : "⟦kcsecret⟧",
    "redirectUris" : [ "https://⟦svc⟧.⟦domain⟧/*" ],
""",
    ),
    T(
        "realm export smtpServer",
        r"""
  "smtpServer" : {
    "password" : "⟦pw⟧",
    "starttls" : "true",
    "auth" : "true",
    "port" : "587",
    "host" : "smtp.⟦domain⟧",
    "user" : "⟦email⟧"
  },
""",
    ),
    T(
        "realm export identity provider",
        r"""
  "identityProviders" : [ {
    "alias" : "azuread",
    "providerId" : "oidc",
    "config" : {
      "clientId" : "⟦uuidf⟧",
      "clientSecret" : "⟦azsecret⟧",
""",
    ),
    T(
        "realm export LDAP federation",
        r"""
    "config" : {
      "bindDn" : [ "CN=svc-keycloak,OU=Service,DC=corp,DC=local" ],
      "bindCredential" : [ "⟦pw⟧" ],
      "connectionUrl" : [ "ldaps://⟦fqdn⟧:636" ],
""",
    ),
    T(
        "ps output kc.sh start",
        r"""
$ ps -ef | grep [Q]uarkusEntryPoint
keycloak  1822     1  4 09:12 ?        00:02:31 java -Xms64m -Xmx512m io.quarkus.bootstrap.runner.QuarkusEntryPoint start --db=postgres --db-url=jdbc:postgresql://⟦host⟧/keycloak --db-username=keycloak --db-password=⟦pw⟧ --hostname=sso.⟦domain⟧
""",
    ),
    T(
        "realm export rsa-generated component",
        r"""
      "providerId" : "rsa-generated",
      "config" : {
        "privateKey" : [ "⟦rsakeyb64⟧" ],
        "priority" : [ "100" ]
""",
    ),
    T(
        "realm export hmac-generated component",
        r"""
      "providerId" : "hmac-generated",
      "config" : {
        "kid" : [ "⟦uuidf⟧" ],
        "secret" : [ "⟦b64u64⟧" ],
        "algorithm" : [ "HS512" ]
""",
    ),
    T(
        "client_credentials curl",
        r"""
$ curl -s -X POST https://sso.⟦domain⟧/realms/⟦org⟧/protocol/openid-connect/token -d grant_type=client_credentials -d client_id=⟦svc⟧-backend -d client_secret=⟦kcsecret⟧
{"access_token":"⟦jwt⟧","expires_in":300,"refresh_expires_in":0,"token_type":"Bearer","not-before-policy":0,"scope":"profile email"}
""",
    ),
    T(
        "realm export user credentials",
        r"""
    "credentials" : [ {
      "type" : "password",
      "secretData" : "{\"value\":\"⟦b64_64⟧\",\"salt\":\"⟦b64_16f⟧\",\"additionalParameters\":{}}",
      "credentialData" : "{\"hashIterations\":27500,\"algorithm\":\"pbkdf2-sha256\",\"additionalParameters\":{}}"
    } ],
""",
    ),
)

_fam(
    "idp_okta_auth0",
    T(
        "Okta API SSWS curl",
        r"""
$ curl -s -H "Accept: application/json" -H "Authorization: SSWS ⟦okta⟧" "https://⟦org⟧.okta.com/api/v1/users?limit=1"
""",
    ),
    T(
        "okta.yaml",
        r"""
okta:
  client:
    orgUrl: "https://⟦org⟧.okta.com"
    token: "⟦okta⟧"
""",
    ),
    T(
        "Okta OIDC app env",
        r"""
OKTA_CLIENT_ID=⟦cid⟧
OKTA_CLIENT_SECRET=⟦oktacs⟧
OKTA_ISSUER=https://⟦org⟧.okta.com/oauth2/default
""",
    ),
    T(
        "auth0 apps show --reveal-secrets",
        r"""
$ auth0 apps show ⟦an32f⟧ --reveal-secrets
  NAME             ⟦svc⟧ backend
  CLIENT ID        ⟦an32f⟧
  CLIENT SECRET    ⟦auth0cs⟧
  TYPE             Machine to Machine
""",
    ),
    T(
        "Auth0 deploy CLI config.json",
        r"""
{
  "AUTH0_DOMAIN": "⟦org⟧.eu.auth0.com",
  "AUTH0_CLIENT_ID": "⟦an32f⟧",
  "AUTH0_CLIENT_SECRET": "⟦auth0cs⟧",
  "AUTH0_ALLOW_DELETE": false
}
""",
    ),
    T(
        "Auth0 management token request",
        r"""
$ curl --request POST --url https://⟦org⟧.eu.auth0.com/oauth/token --header 'content-type: application/json' --data '{"client_id":"⟦an32f⟧","client_secret":"⟦auth0cs⟧","audience":"https://⟦org⟧.eu.auth0.com/api/v2/","grant_type":"client_credentials"}'
""",
    ),
    T(
        "nextjs-auth0 .env.local",
        r"""
AUTH0_SECRET='⟦hex64⟧'
AUTH0_BASE_URL='http://localhost:3000'
AUTH0_ISSUER_BASE_URL='https://⟦org⟧.eu.auth0.com'
AUTH0_CLIENT_ID='⟦an32f⟧'
""",
    ),
    T(
        "Auth0 MFA enrollment response",
        r"""
{"authenticator_type":"otp","secret":"⟦totp⟧","barcode_uri":"otpauth://totp/⟦org⟧:⟦email⟧?secret=⟦totp⟧&issuer=⟦org⟧","recovery_codes":["⟦AN24⟧"]}
""",
    ),
    T(
        "Okta SCIM provisioning settings",
        r"""
SCIM connector base URL: https://scim.⟦domain⟧/scim/v2
Unique identifier field for users: userName
Authentication Mode: HTTP Header
Authorization: Bearer ⟦an48⟧
""",
    ),
    T(
        "saml2aws login",
        r"""
$ saml2aws login --idp-account=prod --username=⟦email⟧ --password='⟦pw⟧' --mfa=PUSH --skip-prompt
Using IdP Account prod to access Okta https://⟦org⟧.okta.com/home/amazon_aws/⟦cid⟧/272
""",
    ),
    T(
        "private_key_jwt JWK",
        r"""
{"kty":"RSA","kid":"⟦b64u32f⟧","alg":"RS256","e":"AQAB","n":"⟦b64u256f⟧","d":"⟦b64u256⟧"}
""",
    ),
)

_fam(
    "sso_saml_oidc",
    T(
        "OIDC token response",
        r"""
HTTP/1.1 200 OK
Content-Type: application/json
Cache-Control: no-store

{"access_token":"⟦jwt⟧","token_type":"Bearer","expires_in":3600,"refresh_token":"⟦b64u48⟧"}
""",
    ),
    T(
        "client_secret_basic token request",
        r"""
POST /oauth2/v1/token HTTP/1.1
Host: login.⟦domain⟧
Authorization: Basic ⟦basic:cid,oktacs⟧
Content-Type: application/x-www-form-urlencoded

grant_type=authorization_code&code=⟦b64u32⟧&redirect_uri=https%3A%2F%2F⟦svc⟧.⟦domain⟧%2Fcallback
""",
    ),
    T(
        "SAMLResponse POST capture",
        r"""
POST https://⟦svc⟧.⟦domain⟧/saml/acs HTTP/1.1
Content-Type: application/x-www-form-urlencoded

SAMLResponse=⟦url:samlresp⟧&RelayState=%2Fdashboard
""",
    ),
    T(
        "SAML SP private key PEM",
        r"""
$ head -3 /etc/simplesamlphp/cert/saml.pem
-----BEGIN RSA PRIVATE KEY-----
⟦rsa1⟧
⟦pem⟧
""",
    ),
    T(
        "oauth2-proxy.cfg",
        r"""
provider = "keycloak-oidc"
client_id = "⟦svc⟧"
client_secret = "⟦kcsecret⟧"
cookie_secret = "⟦b64u32⟧"
""",
    ),
    T(
        "Copy as cURL with oauth2-proxy cookie",
        r"""
curl 'https://⟦svc⟧.⟦domain⟧/api/me' -H 'accept: application/json' -H 'cookie: _oauth2_proxy=⟦o2pcookie⟧; _ga=GA1.2.⟦d9⟧.⟦epoch⟧'
""",
    ),
    T(
        "refresh_token grant curl",
        r"""
$ curl -s https://login.microsoftonline.com/⟦uuidf⟧/oauth2/v2.0/token -d client_id=⟦uuidf.2⟧ -d grant_type=refresh_token -d refresh_token=⟦msrt⟧ -d scope=offline_access
""",
    ),
    T(
        "OIDC middleware debug log",
        r"""
2026-12-02T10:14:07.112Z DEBUG oidc: exchanged code for tokens: access_token=⟦ya29⟧ expires_in=3599 scope="openid email" token_type=Bearer
""",
    ),
    T(
        "mod_auth_openidc config",
        r"""
OIDCProviderMetadataURL https://sso.⟦domain⟧/realms/corp/.well-known/openid-configuration
OIDCClientID ⟦svc⟧
OIDCClientSecret ⟦kcsecret⟧
OIDCCryptoPassphrase ⟦phrase⟧
""",
    ),
    T(
        "Dex staticClients",
        r"""
staticClients:
- id: grafana
  redirectURIs: ['https://grafana.⟦domain⟧/login/generic_oauth']
  name: 'Grafana'
  secret: ⟦an32⟧
""",
    ),
    T(
        "JWT debugging notes",
        r"""
Encoded: ⟦jwths⟧
Decoded header: {"alg":"HS256","typ":"JWT"}
Verified with HMAC secret: ⟦hex32⟧
""",
    ),
)

_fam(
    "ldap_kerberos",
    T(
        "LDIF plain userPassword",
        r"""
dn: uid=⟦user⟧,ou=people,dc=corp,dc=local
objectClass: inetOrgPerson
uid: ⟦user⟧
userPassword: ⟦pw⟧
""",
    ),
    T(
        "LDIF base64 SSHA userPassword",
        r"""
dn: cn=⟦user⟧,ou=users,dc=corp,dc=local
changetype: modify
replace: userPassword
userPassword:: ⟦b64:ssha⟧
""",
    ),
    T(
        "ldapsearch -w",
        r"""
$ ldapsearch -x -H ldaps://⟦fqdn⟧ -D "cn=admin,dc=corp,dc=local" -w '⟦pw⟧' -b "ou=people,dc=corp,dc=local" "(uid=⟦user⟧)"
# extended LDIF
""",
    ),
    T(
        "cn=config olcRootPW",
        r"""
dn: olcDatabase={1}mdb,cn=config
olcRootDN: cn=admin,dc=corp,dc=local
olcRootPW: ⟦ssha⟧
""",
    ),
    T(
        "ldappasswd",
        r"""
$ ldappasswd -H ldap://⟦fqdn⟧ -x -D "cn=admin,dc=corp,dc=local" -w ⟦pw⟧ -s ⟦pw.2⟧ "uid=⟦user⟧,ou=people,dc=corp,dc=local"
""",
    ),
    T(
        "kinit from echo",
        r"""
$ echo '⟦pw⟧' | kinit ⟦user⟧@⟦realm⟧
Password for ⟦user⟧@⟦realm⟧:
$ klist | head -2
Ticket cache: FILE:/tmp/krb5cc_1000
""",
    ),
    T(
        "ktutil session (expect log)",
        r"""
ktutil:  addent -password -p ⟦svcacct⟧@⟦realm⟧ -k 3 -e aes256-cts-hmac-sha1-96
Password for ⟦svcacct⟧@⟦realm⟧: ⟦pw⟧
ktutil:  wkt /etc/⟦svc⟧.keytab
""",
    ),
    T(
        "kadmin addprinc -pw",
        r"""
kadmin.local:  addprinc -pw ⟦pw⟧ ⟦user⟧@⟦realm⟧
Principal "⟦user⟧@⟦realm⟧" created.
""",
    ),
    T(
        "klist -kteK",
        r"""
$ klist -kteK /etc/krb5.keytab
Keytab name: FILE:/etc/krb5.keytab
KVNO Timestamp           Principal
---- ------------------- ------------------------------------------------------
   2 11/30/2026 09:14:02 host/⟦fqdn⟧@⟦realm⟧ (aes256-cts-hmac-sha1-96)  (0x⟦hex64⟧)
""",
    ),
    T(
        "sssd.conf authtok",
        r"""
[domain/⟦domain⟧]
ldap_default_bind_dn = cn=svc-sssd,ou=service,dc=corp,dc=local
ldap_default_authtok_type = password
ldap_default_authtok = ⟦pw⟧
""",
    ),
    T(
        "ldap3 traceback",
        r"""
  File "sync.py", line 22, in <module>
    conn = Connection(server, 'cn=sync,ou=svc,dc=corp,dc=local', '⟦pw⟧', auto_bind=True)
ldap3.core.exceptions.LDAPBindError: automatic bind not successful - invalidCredentials
""",
    ),
)

_fam(
    "freeipa_samba_ad",
    T(
        "ipa-server-install",
        r"""
# ipa-server-install --realm ⟦realm⟧ --domain ⟦domain⟧ -a '⟦pw⟧' -p '⟦pw.2⟧' --setup-dns --no-forwarders -U
""",
    ),
    T(
        "ipa-client-install --password",
        r"""
# ipa-client-install --domain=⟦domain⟧ --server=⟦fqdn⟧ --principal=admin --password='⟦pw⟧' --mkhomedir -U
Client hostname: ⟦fqdn.2⟧
""",
    ),
    T(
        "ipa host-add --random",
        r"""
$ ipa host-add ⟦fqdn⟧ --random
--------------------------------------
Added host "⟦fqdn⟧"
--------------------------------------
  Host name: ⟦fqdn⟧
  Random password: ⟦ipaotp⟧
  Password: True
  Keytab: False
""",
    ),
    T(
        "realm join --one-time-password",
        r"""
# realm join --one-time-password='⟦ipaotp⟧' ⟦domain⟧
""",
    ),
    T(
        "net ads join",
        r"""
# net ads join -U 'Administrator%⟦pw⟧' -S ⟦fqdn⟧
Using short domain name -- ⟦netbios⟧
Joined '⟦winhost⟧' to dns domain '⟦domain⟧'
""",
    ),
    T(
        "samba-tool user create",
        r"""
# samba-tool user create ⟦user⟧ '⟦pw⟧' --given-name=⟦person⟧ --mail-address=⟦email⟧
User '⟦user⟧' added successfully
""",
    ),
    T(
        "samba-tool domain provision",
        r"""
# samba-tool domain provision --use-rfc2307 --realm=⟦realm⟧ --domain=⟦netbios⟧ --server-role=dc --dns-backend=SAMBA_INTERNAL --adminpass='⟦pw⟧'
""",
    ),
    T(
        "adcli join --stdin-password",
        r"""
$ echo -n '⟦pw⟧' | sudo adcli join --domain=⟦domain⟧ --login-user=⟦svcacct⟧ --stdin-password -v
 * Using domain name: ⟦domain⟧
 * Calculated computer account name from fqdn: ⟦winhost⟧
""",
    ),
    T(
        "ipa user-add --password",
        r"""
$ echo '⟦pw⟧' | ipa user-add ⟦user⟧ --first=⟦person⟧ --last=Ops --password
----------------------
Added user "⟦user⟧"
""",
    ),
    T(
        "smbpasswd -s -a",
        r"""
$ (echo '⟦pw⟧'; echo '⟦pw⟧') | sudo smbpasswd -s -a ⟦user⟧
Added user ⟦user⟧.
""",
    ),
    T(
        "wbinfo --set-auth-user",
        r"""
# wbinfo --set-auth-user='⟦svcacct⟧%⟦pw⟧'
# wbinfo -t
checking the trust secret for domain ⟦netbios⟧ via RPC calls succeeded
""",
    ),
)

# ===========================================================================
# Message brokers and IoT
# ===========================================================================
_fam(
    "rabbitmq",
    T(
        "rabbitmqctl add_user",
        r"""
$ sudo rabbitmqctl add_user ⟦svc⟧ '⟦pw⟧'
Adding user "⟦svc⟧" ...
Done. Don't forget to grant the user permissions to some virtual hosts! See 'rabbitmqctl help set_permissions' to learn more.
""",
    ),
    T(
        "rabbitmqctl change_password",
        r"""
$ rabbitmqctl change_password admin ⟦pw⟧
Changing password for user "admin" ...
""",
    ),
    T(
        "definitions.json users",
        r"""
  "users": [
    {
      "name": "⟦svc⟧",
      "password_hash": "⟦rmqhash⟧",
      "hashing_algorithm": "rabbit_password_hashing_sha256",
      "tags": ["management"]
    }
  ],
""",
    ),
    T(
        "rabbitmq.conf default_pass",
        r"""
default_user = admin
default_pass = ⟦pw⟧
loopback_users.guest = false
""",
    ),
    T(
        "Erlang cookie",
        r"""
$ sudo cat /var/lib/rabbitmq/.erlang.cookie
⟦cookie⟧
""",
    ),
    T(
        "pika connection failure log",
        r"""
2026-12-02 10:14:07,112 ERROR [pika.adapters.utils.connection_workflow] AMQPConnector - reporting failure: AMQPConnectionError: (ConnectionRefusedError(111, 'Connection refused'),) url=amqps://⟦svc⟧:⟦url:pw⟧@⟦fqdn⟧:5671/%2Fprod
""",
    ),
    T(
        "management API curl",
        r"""
$ curl -s -u admin:⟦pw⟧ http://⟦host⟧:15672/api/overview | jq .rabbitmq_version
"3.13.7"
""",
    ),
    T(
        "shovel set_parameter",
        r"""
$ rabbitmqctl set_parameter shovel orders-dr '{"src-uri": "amqp://shovel:⟦url:pw⟧@localhost", "src-queue": "orders", "dest-uri": "amqps://shovel:⟦url:pw.2⟧@⟦fqdn⟧", "dest-queue": "orders"}'
""",
    ),
    T(
        "rabbitmqadmin declare user",
        r"""
$ rabbitmqadmin -u admin -p ⟦pw⟧ declare user name=⟦svc⟧ password_hash="" tags=monitoring
user declared
""",
    ),
    T(
        "Celery broker URL",
        r"""
[2026-12-02 10:14:07,112: ERROR/MainProcess] consumer: Cannot connect to amqp://celery:**@⟦host⟧:5672//: [Errno 111] Connection refused.
$ env | grep BROKER
CELERY_BROKER_URL=amqp://celery:⟦url:pw⟧@⟦host⟧:5672//
""",
    ),
    T(
        "Spring application.yml rabbitmq",
        r"""
spring:
  rabbitmq:
    host: ⟦fqdn⟧
    username: ⟦svc⟧
    password: ⟦pw⟧
""",
    ),
)

_fam(
    "nats_pulsar",
    T(
        "NATS .creds file",
        r"""
-----BEGIN NATS USER JWT-----
⟦natsjwt⟧
------END NATS USER JWT------
************************* IMPORTANT *************************
NKEY Seed printed below can be used to sign and prove identity.
NKEYs are sensitive and should be treated as secrets.
-----BEGIN USER NKEY SEED-----
⟦nkuser⟧
------END USER NKEY SEED------
""",
    ),
    T(
        "nk -gen user -pubout",
        r"""
$ nk -gen user -pubout
⟦nkuser⟧
⟦nkpubUf⟧
""",
    ),
    T(
        "nats-server.conf users",
        r"""
authorization {
  users = [
    {user: ⟦svc⟧, password: "⟦pw⟧"}
    {nkey: ⟦nkpubUf⟧}
  ]
}
""",
    ),
    T(
        "nats client error with URL",
        r"""
nats: error: nats: Authorization Violation (nats://⟦svc⟧:⟦url:pw⟧@⟦fqdn⟧:4222)
""",
    ),
    T(
        "nsc account seed file",
        r"""
$ cat ~/.local/share/nats/nsc/keys/keys/A/⟦AN2f⟧/⟦nkpubAf⟧.nk
⟦nkacct⟧
""",
    ),
    T(
        "nats-server token auth",
        r"""
authorization {
    token: "⟦an40⟧"
    timeout: 2
}
""",
    ),
    T(
        "Pulsar client.conf",
        r"""
webServiceUrl=https://⟦fqdn⟧:8443/
brokerServiceUrl=pulsar+ssl://⟦fqdn⟧:6651/
authPlugin=org.apache.pulsar.client.impl.auth.AuthenticationToken
authParams=token:⟦jwtrs⟧
""",
    ),
    T(
        "pulsar-admin --auth-params",
        r"""
$ bin/pulsar-admin --admin-url https://⟦fqdn⟧:8443 --auth-plugin org.apache.pulsar.client.impl.auth.AuthenticationToken --auth-params token:⟦jwtrs⟧ tenants list
"public"
""",
    ),
    T(
        "pulsar tokens create",
        r"""
$ bin/pulsar tokens create --secret-key file:///pulsar/secret.key --subject ⟦svc⟧
⟦jwths⟧
$ base64 -w0 /pulsar/secret.key
⟦b64_32⟧
""",
    ),
    T(
        "Pulsar broker.conf client auth",
        r"""
brokerClientAuthenticationPlugin=org.apache.pulsar.client.impl.auth.AuthenticationToken
brokerClientAuthenticationParameters={"token":"⟦jwtrs⟧"}
""",
    ),
    T(
        "NATS leafnode remote",
        r"""
leafnodes {
  remotes = [
    { url: "tls://⟦svc⟧:⟦url:pw⟧@⟦fqdn⟧:7422", account: "⟦nkpubAf⟧" }
  ]
}
""",
    ),
)

_fam(
    "mqtt_brokers",
    T(
        "mosquitto_pub -P",
        r"""
$ mosquitto_pub -h ⟦fqdn⟧ -p 8883 --cafile ca.crt -u ⟦user⟧ -P '⟦pw⟧' -t 'plant/line3/cmd' -m '{"cmd":"reset"}'
""",
    ),
    T(
        "mosquitto_sub -L URL",
        r"""
$ mosquitto_sub -L mqtts://⟦user⟧:⟦url:pw⟧@⟦fqdn⟧:8883/sensors/# -v
sensors/boiler/temp 71.5
""",
    ),
    T(
        "mosquitto passwd file",
        r"""
$ sudo cat /etc/mosquitto/passwd
⟦user⟧:⟦mosqhash⟧
""",
    ),
    T(
        "mosquitto_passwd -b",
        r"""
$ sudo mosquitto_passwd -b /etc/mosquitto/passwd ⟦user⟧ ⟦pw⟧
$ sudo systemctl reload mosquitto
""",
    ),
    T(
        "mosquitto bridge config",
        r"""
connection cloud-bridge
address ⟦fqdn⟧:8883
remote_username ⟦host⟧
remote_password ⟦pw⟧
topic telemetry/# out 1
""",
    ),
    T(
        "ActiveMQ credentials.properties",
        r"""
activemq.username=system
activemq.password=⟦pw⟧
guest.password=⟦pw.2⟧
""",
    ),
    T(
        "Artemis broker.xml cluster-password",
        r"""
<cluster-user>cluster-admin</cluster-user>
<cluster-password>⟦pw⟧</cluster-password>
<cluster-connections>
""",
    ),
    T(
        "artemis create",
        r"""
$ ./bin/artemis create /var/lib/broker1 --user admin --password '⟦pw⟧' --require-login
Creating ActiveMQ Artemis instance at: /var/lib/broker1
""",
    ),
    T(
        "artemis-users.properties ENC",
        r"""
# artemis-users.properties
admin = ENC(⟦artenc⟧)
""",
    ),
    T(
        "paho-mqtt snippet in traceback",
        r"""
  File "/opt/gw/bridge.py", line 31, in connect
    client.username_pw_set("⟦user⟧", "⟦pw⟧")
""",
    ),
    T(
        "Wireshark MQTT CONNECT",
        r"""
MQ Telemetry Transport Protocol, Connect Command
    Header Flags: 0x10, Message Type: Connect Command
    Protocol Name: MQTT
    Client ID: ⟦host⟧-⟦hex6f⟧
    User Name: ⟦user⟧
    Password: ⟦pw⟧
""",
    ),
)

_fam(
    "home_iot",
    T(
        "Home Assistant secrets.yaml",
        r"""
# secrets.yaml
wifi_password: "⟦phrase⟧"
latitude_home: 52.3731
""",
    ),
    T(
        "Home Assistant REST API curl",
        r"""
$ curl -s -H "Authorization: Bearer ⟦jwt⟧" -H "Content-Type: application/json" http://⟦host⟧:8123/api/states/sensor.boiler_temp
""",
    ),
    T(
        "Zigbee2MQTT network_key",
        r"""
advanced:
  pan_id: 6754
  ext_pan_id: [221, 221, 221, 221, 221, 221, 221, 221]
  network_key: ⟦z2mkey⟧
""",
    ),
    T(
        "Zigbee2MQTT mqtt section",
        r"""
mqtt:
  base_topic: zigbee2mqtt
  server: mqtt://⟦host⟧:1883
  user: z2m
  password: ⟦pw⟧
""",
    ),
    T(
        "ESPHome api/ota",
        r"""
api:
  encryption:
    key: "⟦b64_32⟧"
ota:
  - platform: esphome
    password: "⟦hex32⟧"
""",
    ),
    T(
        "ESPHome wifi",
        r"""
wifi:
  ssid: "⟦ssid⟧"
  password: "⟦phrase⟧"
  ap:
    ssid: "Livingroom Fallback Hotspot"
""",
    ),
    T(
        "Tasmota Backlog command",
        r"""
Backlog SSID1 ⟦ssid⟧; Password1 ⟦phrase⟧; MqttHost ⟦host⟧; MqttUser tasmota; MqttPassword ⟦pw⟧
""",
    ),
    T(
        "Node-RED settings.js",
        r"""
    credentialSecret: "⟦hex32⟧",
    adminAuth: {
        type: "credentials",
        users: [{ username: "admin", password: "⟦bcrypt⟧", permissions: "*" }]
    },
""",
    ),
    T(
        "Home Assistant telegram_bot",
        r"""
telegram_bot:
  - platform: polling
    api_key: ⟦tgbot⟧
    allowed_chat_ids:
      - ⟦d9⟧
""",
    ),
    T(
        "Home Assistant REST sensor headers",
        r"""
sensor:
  - platform: rest
    resource: https://api.⟦domain⟧/v1/meter
    headers:
      X-Api-Key: ⟦an32⟧
""",
    ),
    T(
        "tinytuya devices.json",
        r"""
    {
        "name": "Hallway plug",
        "id": "bf⟦hex20f⟧",
        "key": "⟦tuya⟧",
        "mac": "⟦mac⟧"
    },
""",
    ),
)

# ===========================================================================
# Password managers and secret exports
# ===========================================================================
_fam(
    "pwmgr_exports",
    T(
        "KeePass XML entry",
        r"""
<Entry>
    <UUID>⟦b64_16f⟧</UUID>
    <String><Key>Title</Key><Value>⟦svc⟧ prod db</Value></String>
    <String><Key>UserName</Key><Value>⟦svcacct⟧</Value></String>
    <String><Key>Password</Key><Value ProtectInMemory="True">⟦pw⟧</Value></String>
    <String><Key>URL</Key><Value>https://⟦fqdn⟧</Value></String>
</Entry>
""",
    ),
    T(
        "KeePass XML notes with recovery codes",
        r"""
<String><Key>Title</Key><Value>GitHub org owner (break glass)</Value></String>
<String><Key>Notes</Key><Value>recovery codes: ⟦recov⟧ ⟦recov.2⟧</Value></String>
""",
    ),
    T(
        "Bitwarden CSV export",
        r"""
folder,favorite,type,name,notes,fields,reprompt,login_uri,login_username,login_password,login_totp
Infra,1,login,⟦svc⟧ admin,,,0,https://⟦fqdn⟧/admin,⟦user⟧,⟦pw⟧,⟦totp⟧
""",
    ),
    T(
        "Bitwarden JSON export",
        r"""
    {
      "type": 1,
      "name": "⟦svc⟧ root",
      "login": {
        "uris": [{ "match": null, "uri": "https://⟦fqdn⟧" }],
        "username": "root",
        "password": "⟦pw⟧",
        "totp": null
      },
""",
    ),
    T(
        "LastPass CSV export",
        r"""
url,username,password,totp,extra,name,grouping,fav
https://⟦fqdn⟧/login,⟦user⟧,⟦pw⟧,,,⟦svc⟧ console,Shared-Infra,0
""",
    ),
    T(
        "LastPass secure note CSV",
        r"""
url,username,password,totp,extra,name,grouping,fav
http://sn,,,,"NoteType:Server
Hostname:⟦host⟧
Username:root
Password:⟦pw⟧",⟦host⟧ root,Shared-Infra,0
""",
    ),
    T(
        "Chrome passwords CSV",
        r"""
name,url,username,password,note
⟦fqdn⟧,https://⟦fqdn⟧/,⟦user⟧,⟦pw⟧,
""",
    ),
    T(
        "Firefox logins CSV",
        r"""
"url","username","password","httpRealm","formActionOrigin","guid","timeCreated","timeLastUsed","timePasswordChanged"
"https://⟦fqdn⟧","⟦user⟧","⟦pw⟧",,"https://⟦fqdn⟧","{⟦uuidf⟧}","1795000000000","1796000000000","1795000000000"
""",
    ),
    T(
        "KeePassXC CSV",
        r"""
"Group","Title","Username","Password","URL","Notes","TOTP","Icon","Last Modified","Created"
"Root/Network","⟦host⟧ switch","admin","⟦pw⟧","ssh://⟦ip⟧","enable secret: ⟦pw.2⟧","","0","2026-11-04T10:11:12Z","2025-02-01T08:00:00Z"
""",
    ),
    T(
        "Bitwarden secure note SSH key",
        r"""
      "name": "deploy key ⟦host⟧",
      "notes": "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n⟦pem⟧\n⟦pemtail⟧\n-----END OPENSSH PRIVATE KEY-----\n",
""",
    ),
    T(
        "1Password 1pux export.data",
        r"""
{"fields":[{"value":"⟦user⟧","id":"","type":"T","name":"username","designation":"username"},{"value":"⟦pw⟧","id":"","type":"P","name":"password","designation":"password"}]}
""",
    ),
)

_fam(
    "pwmgr_cli",
    T(
        "op item get --reveal",
        r"""
$ op item get "⟦svc⟧ prod db" --vault Infra --fields label=password --reveal
⟦pw⟧
""",
    ),
    T(
        "op item get full output",
        r"""
ID:          ⟦anl26f⟧
Title:       ⟦svc⟧ API
Vault:       Infra (⟦anl26f.2⟧)
Fields:
  username:    ⟦svcacct⟧
  credential:  ⟦an40⟧
""",
    ),
    T(
        "op signin session env",
        r"""
$ eval $(op signin --account ⟦org⟧)
$ env | grep OP_SESSION
OP_SESSION_⟦org⟧=⟦opsess⟧
""",
    ),
    T(
        "pass show",
        r"""
$ pass show infra/⟦host⟧/root
⟦pw⟧
url: ssh://⟦host⟧
""",
    ),
    T(
        "gopass show -o",
        r"""
$ gopass show -o ops/⟦svc⟧/api-key
⟦an32⟧
""",
    ),
    T(
        "bw unlock",
        r"""
$ bw unlock
? Master password: [hidden]
Your vault is now unlocked!

To unlock your vault, set your session key to the `BW_SESSION` environment variable. ex:
$ export BW_SESSION="⟦bwsess⟧"
> $env:BW_SESSION="⟦bwsess⟧"
""",
    ),
    T(
        "bw get password",
        r"""
$ bw get password ⟦svc⟧-admin
⟦pw⟧
""",
    ),
    T(
        "vault kv get -field",
        r"""
$ vault kv get -field=password secret/⟦svc⟧/db
⟦pw⟧
""",
    ),
    T(
        "keepassxc-cli show",
        r"""
$ keepassxc-cli show -s -a Password ~/ops.kdbx "Network/⟦host⟧"
Enter password to unlock /home/⟦user⟧/ops.kdbx:
⟦pw⟧
""",
    ),
    T(
        "op inject output",
        r"""
$ op inject -i config.tpl.yml
database:
  host: ⟦fqdn⟧
  user: ⟦svcacct⟧
  password: ⟦pw⟧
""",
    ),
    T(
        "pass insert heredoc",
        r"""
$ pass insert -m infra/⟦svc⟧/smtp <<EOF
⟦pw⟧
user: ⟦email⟧
EOF
""",
    ),
)

# ===========================================================================
# Terminal artefacts
# ===========================================================================
_fam(
    "terminal_ansi_typescript",
    T(
        "coloured dotenv loader",
        r"""
⟦ESC⟧[1;32m✔⟦ESC⟧[0m Loaded .env.production
⟦ESC⟧[36mDATABASE_URL⟦ESC⟧[0m=postgres://app:⟦url:pw⟧@⟦host⟧:5432/⟦db⟧
⟦ESC⟧[36mLOG_LEVEL⟦ESC⟧[0m=info
""",
    ),
    T(
        "script typescript mysql",
        r"""
Script started on 2026-12-02 09:41:07+00:00 [TERM="xterm-256color" TTY="/dev/pts/3" COLUMNS="200" LINES="50"]
⟦ESC⟧]0;⟦user⟧@⟦host⟧: ~⟦BEL⟧⟦ESC⟧[01;32m⟦user⟧@⟦host⟧⟦ESC⟧[00m:⟦ESC⟧[01;34m~⟦ESC⟧[00m$ mysql -uroot -p'⟦pw⟧' -e 'show processlist'⟦CR⟧
""",
    ),
    T(
        "typescript with backspace edit",
        r"""
⟦ESC⟧[01;32m⟦user⟧@⟦host⟧⟦ESC⟧[00m:~$ export PGPASSWORD=⟦pw⟧x⟦BS⟧ ⟦BS⟧⟦CR⟧
⟦ESC⟧[01;32m⟦user⟧@⟦host⟧⟦ESC⟧[00m:~$ psql -h ⟦host.2⟧ -U app ⟦db⟧⟦CR⟧
""",
    ),
    T(
        "zsh kubectl secret decode",
        r"""
➜  ~ kubectl get secret ⟦svc⟧-db -o jsonpath='{.data.password}' | base64 -d
⟦pw⟧⟦ESC⟧[7m%⟦ESC⟧[27m
""",
    ),
    T(
        "coloured container log",
        r"""
⟦ESC⟧[2m2026-12-02T10:14:07.112Z⟦ESC⟧[0m ⟦ESC⟧[32minfo⟦ESC⟧[39m: bootstrap admin created user=admin password=⟦ESC⟧[1m⟦pw⟧⟦ESC⟧[22m
""",
    ),
    T(
        "Jenkins console with ANSI",
        r"""
[Pipeline] sh
⟦ESC⟧[1m+ curl -fsS -H 'PRIVATE-TOKEN: ⟦glpat⟧' https://gitlab.⟦domain⟧/api/v4/projects/412/jobs/artifacts/main/download?job=build⟦ESC⟧[0m
""",
    ),
    T(
        "git clone with progress carriage returns",
        r"""
$ git clone https://⟦user⟧:⟦ghp⟧@github.com/⟦org⟧/infra.git
Cloning into 'infra'...
remote: Enumerating objects: 12%⟦CR⟧remote: Enumerating objects: 100% (412/412), done.
""",
    ),
    T(
        "tmux capture-pane 256 colours",
        r"""
⟦ESC⟧[38;5;244m# rotate later⟦ESC⟧[0m
⟦ESC⟧[38;5;81mexport⟦ESC⟧[0m ⟦ESC⟧[38;5;149mVAULT_TOKEN⟦ESC⟧[0m=⟦ESC⟧[38;5;186m⟦hvs⟧⟦ESC⟧[0m
""",
    ),
    T(
        "redis-cli coloured prompt",
        r"""
⟦ESC⟧[0;33m127.0.0.1:6379>⟦ESC⟧[0m AUTH default ⟦pw⟧
OK
⟦ESC⟧[0;33m127.0.0.1:6379>⟦ESC⟧[0m CONFIG GET requirepass
1) "requirepass"
2) "⟦pw⟧"
""",
    ),
    T(
        "sudo -S typescript",
        r"""
$ echo '⟦pw⟧' | sudo -S systemctl restart ⟦svc⟧⟦CR⟧
[sudo] password for ⟦user⟧: ⟦CR⟧
""",
    ),
    T(
        "Ansible coloured loop output",
        r"""
TASK [postgres : create roles] *************************************************
⟦ESC⟧[0;33mchanged: [⟦host⟧] => (item={'name': 'replicator', 'password': '⟦pw⟧'})⟦ESC⟧[0m
""",
    ),
    T(
        "pgcli bold command echo",
        r"""
⟦ESC⟧[1m$ pgcli postgresql://⟦svcacct⟧:⟦url:pw⟧@⟦host⟧:5432/⟦db⟧⟦ESC⟧[0m
Server: PostgreSQL 16.4
""",
    ),
)

_fam(
    "shell_traces_history",
    T(
        "set -x trace pg_dump",
        r"""
+ DB_PASS=⟦pw⟧
+ export PGPASSWORD=⟦pw⟧
+ pg_dump -h ⟦host⟧ -U backup -Fc ⟦db⟧ -f /backups/⟦db⟧.dump
""",
    ),
    T(
        "bash -x vault approle",
        r"""
++ vault write -field=token auth/approle/login role_id=⟦uuidf⟧ secret_id=⟦uuids⟧
+ VAULT_TOKEN=⟦hvs⟧
""",
    ),
    T(
        "HISTTIMEFORMAT history",
        r"""
  998  2026-12-01 16:02:11 export AWS_SECRET_ACCESS_KEY=⟦awssk⟧
  999  2026-12-01 16:02:19 aws s3 ls s3://⟦bucket⟧
""",
    ),
    T(
        "zsh extended history",
        r"""
: 1796212931:0;docker login -u ⟦user⟧ -p ⟦dckr⟧ registry.⟦domain⟧
: 1796212940:0;docker push registry.⟦domain⟧/⟦svc⟧:1.4.2
""",
    ),
    T(
        "fish history",
        r"""
- cmd: set -gx OPENAI_API_KEY ⟦openai⟧
  when: 1796212931
- cmd: python summarize_incident.py
  when: 1796212990
""",
    ),
    T(
        "PS4 timestamped xtrace",
        r"""
+ 10:14:07.112 main.sh:42: mysql --host=⟦host⟧ --user=etl --password=⟦pw⟧ -e 'CALL refresh_mv()'
""",
    ),
    T(
        "set -x slack webhook",
        r"""
+ curl -sS -X POST https://hooks.slack.com/services/T⟦AN8f⟧/B⟦AN10f⟧/⟦an24⟧ -d '{"text":"deploy done"}'
ok
""",
    ),
    T(
        "bash -x sourcing .env",
        r"""
+ source .env
++ STRIPE_SECRET_KEY=⟦stripe⟧
++ APP_ENV=production
""",
    ),
    T(
        "history | grep pass",
        r"""
$ history | grep -i pass
  411  mysql -h ⟦host⟧ -u admin -p⟦pw⟧
  417  history | grep -i pass
""",
    ),
    T(
        ".git-credentials",
        r"""
$ cat ~/.git-credentials
https://⟦user⟧:⟦ghp⟧@github.com
""",
    ),
    T(
        "xtrace ansible-vault",
        r"""
+ ansible-vault view --vault-password-file=/dev/fd/63 group_vars/prod/vault.yml
++ echo '⟦phrase⟧'
""",
    ),
)

_fam(
    "sudo_su_expect",
    T(
        "auth.log sudo COMMAND",
        r"""
Dec  2 10:14:07 ⟦host⟧ sudo:   ⟦user⟧ : TTY=pts/1 ; PWD=/home/⟦user⟧ ; USER=root ; COMMAND=/usr/bin/mysql -u root -p⟦pw⟧
""",
    ),
    T(
        "auth.log sudo chpasswd",
        r"""
Dec  2 10:15:33 ⟦host⟧ sudo:   ⟦user⟧ : TTY=pts/0 ; PWD=/root ; USER=root ; COMMAND=/bin/sh -c echo '⟦user.2⟧:⟦pw⟧' | chpasswd
""",
    ),
    T(
        "cron log sudo -S",
        r"""
Dec  2 03:00:01 ⟦host⟧ CRON[22014]: (⟦user⟧) CMD (echo ⟦pw⟧ | sudo -S /usr/local/bin/rotate-logs.sh)
""",
    ),
    T(
        "expect script ssh + sudo",
        r"""
#!/usr/bin/expect -f
set timeout 20
spawn ssh ⟦user⟧@⟦host⟧
expect "password:"
send "⟦pw⟧\r"
expect "$ "
send "sudo systemctl restart ⟦svc⟧\r"
expect "password for ⟦user⟧:"
send "⟦pw⟧\r"
""",
    ),
    T(
        "expect scp with variable",
        r"""
set pass "⟦pw⟧"
spawn scp /tmp/report.csv ⟦user⟧@⟦host⟧:/srv/drop/
expect "*assword:*" { send "$pass\r" }
expect eof
""",
    ),
    T(
        "ftp here-doc",
        r"""
ftp -n ⟦host⟧ <<END_SCRIPT
quote USER ⟦user⟧
quote PASS ⟦pw⟧
binary
put export_⟦date⟧.csv
quit
END_SCRIPT
""",
    ),
    T(
        "mysql here-doc",
        r"""
mysql -u root <<'SQL'
CREATE USER 'grafana'@'%' IDENTIFIED BY '⟦pw⟧';
GRANT SELECT ON metrics.* TO 'grafana'@'%';
SQL
""",
    ),
    T(
        "Makefile with bearer token",
        r"""
deploy:
⟦TAB⟧@echo "Deploying ⟦svc⟧"
⟦TAB⟧curl -X POST -H "Authorization: Bearer ⟦an40⟧" https://deploy.⟦domain⟧/hooks/⟦svc⟧
""",
    ),
    T(
        "make output docker login",
        r"""
$ make release
docker login -u ci -p ⟦dckr⟧ registry.⟦domain⟧
WARNING! Using --password via the CLI is insecure. Use --password-stdin.
Login Succeeded
""",
    ),
    T(
        "expect log_file su",
        r"""
spawn su - oracle
Password: ⟦pw⟧
[oracle@⟦host⟧ ~]$ sqlplus / as sysdba
""",
    ),
    T(
        "crontab sshpass rsync",
        r"""
*/15 * * * * sshpass -p '⟦pw⟧' rsync -az /var/log/app/ ⟦user⟧@⟦host⟧:/logs/$(hostname)/
""",
    ),
)

# ===========================================================================
# Collaboration and incident prose
# ===========================================================================
_fam(
    "chat_exports",
    T(
        "Slack export message",
        r"""
    {
        "type": "message",
        "user": "U⟦AN10f⟧",
        "text": "here's the staging db pass: ⟦pw⟧ (rotate after the demo pls)",
        "ts": "1796212931.004519",
""",
    ),
    T(
        "Slack export code block",
        r"""
        "text": "```export GITHUB_TOKEN=⟦ghp⟧```\nthis one has repo scope, expires friday",
""",
    ),
    T(
        "Slack rich_text elements",
        r"""
"elements": [{"type": "rich_text_section", "elements": [{"type": "text", "text": "vpn psk is "}, {"type": "text", "text": "⟦psk⟧", "style": {"code": true}}]}]
""",
    ),
    T(
        "Teams message HTML body",
        r"""
"body": {"contentType": "html", "content": "<div><p>Hi team, the shared mailbox password is <b>⟦pw⟧</b> \u2014 please don't forward</p></div>"},
""",
    ),
    T(
        "Teams copied conversation",
        r"""
[10:14] ⟦person⟧
the admin PIN for the conference room panel is ⟦pin6⟧
[10:15] ⟦person.2⟧
👍
""",
    ),
    T(
        "Slack thread copy",
        r"""
⟦person⟧  10:02 AM
can someone DM me the grafana admin creds?
⟦person.2⟧  10:03 AM
admin / ⟦pw⟧ — it's in 1Password too, Infra vault
""",
    ),
    T(
        "Slack bot token in message",
        r"""
        "text": "new bot token for #alerts-prod is `⟦xoxb⟧` — added to the helm values",
""",
    ),
    T(
        "Discord export",
        r"""
[02-Dec-26 09:14 AM] ⟦person⟧
ok use this for the alerts webhook: https://discord.com/api/webhooks/⟦d18⟧/⟦discordwh⟧
""",
    ),
    T(
        "Teams JSON escaped unicode",
        r"""
"content": "Passwort f\u00fcr den Build-Agent: ⟦json:pw⟧ (bitte nicht weiterleiten)",
""",
    ),
    T(
        "Slack export edited message",
        r"""
        "text": "ignore the previous one, new one is ⟦pw⟧",
        "edited": {"user": "U⟦AN10f⟧", "ts": "1796213000.000000"},
""",
    ),
    T(
        "Google Chat export",
        r"""
{"creator":{"name":"⟦person⟧","email":"⟦email⟧"},"created_date":"Tuesday, 2 December 2026 at 10:14:07 UTC","text":"sftp for the vendor drop: ⟦user⟧ / ⟦pw⟧ port 2222"}
""",
    ),
    T(
        "Slack bullet list",
        r"""
        "text": "onsite info:\n• guest wifi: ⟦phrase⟧\n• door code: ⟦pin4⟧#",
""",
    ),
)

_fam(
    "ticketing_wiki",
    T(
        "Jira wiki markup steps",
        r"""
h3. Steps to reproduce
# Log in as {{⟦svcacct⟧}} with password {{⟦pw⟧}}
# Open /admin/reports
{code:bash}
curl -u ⟦svcacct⟧:⟦pw⟧ https://⟦fqdn⟧/api/reports
{code}
""",
    ),
    T(
        "Jira noformat stack trace",
        r"""
{noformat}
Caused by: org.postgresql.util.PSQLException: FATAL: password authentication failed for user "app"
jdbc.url=jdbc:postgresql://⟦host⟧:5432/⟦db⟧?user=app&password=⟦url:pw⟧
{noformat}
""",
    ),
    T(
        "ServiceNow additional comments",
        r"""
2026-12-02 10:14:07 - ⟦person⟧ (Additional comments)
Reset done. Temporary password: ⟦weak⟧ - user must change at next logon.
""",
    ),
    T(
        "ServiceNow work notes code tag",
        r"""
2026-12-02 10:20:44 - ⟦person⟧ (Work notes)
[code]<p>Service account key rotated. New key: <strong>⟦an40⟧</strong></p>[/code]
""",
    ),
    T(
        "Confluence storage code macro",
        r"""
<ac:structured-macro ac:name="code"><ac:parameter ac:name="language">yaml</ac:parameter><ac:plain-text-body><![CDATA[smtp:
  host: smtp.⟦domain⟧
  password: ⟦pw⟧]]></ac:plain-text-body></ac:structured-macro>
""",
    ),
    T(
        "Confluence storage table",
        r"""
<table><tbody><tr><th>System</th><th>User</th><th>Password</th></tr><tr><td>iLO ⟦host⟧</td><td>Administrator</td><td>⟦ilo⟧</td></tr></tbody></table>
""",
    ),
    T(
        "Jira table markup",
        r"""
||Env||Key||Value||
|prod|SENTRY_AUTH_TOKEN|⟦sentry⟧|
|stage|SENTRY_DSN|https://⟦hex32f⟧@o⟦d6⟧.ingest.sentry.io/⟦d7⟧|
""",
    ),
    T(
        "Jira quote reply",
        r"""
{quote}
Can you try with the new client secret?
{quote}
Tried with {{⟦oktacs⟧}}, still 401 from /oauth2/v1/token.
""",
    ),
    T(
        "Jira ADF comment JSON",
        r"""
{"body":{"type":"doc","version":1,"content":[{"type":"paragraph","content":[{"type":"text","text":"API key for vendor portal: "},{"type":"text","text":"⟦an32⟧","marks":[{"type":"code"}]}]}]}}
""",
    ),
    T(
        "Confluence recovery code list",
        r"""
<p>Break-glass recovery codes for the root account:</p><ul><li>⟦recov⟧</li><li>⟦recov.2⟧</li></ul>
""",
    ),
    T(
        "Jira panel",
        r"""
{panel:title=Credentials (temporary)|borderStyle=dashed}
VPN: ⟦user⟧ / ⟦pw⟧
{panel}
""",
    ),
    T(
        "ServiceNow CSV export",
        r"""
number,short_description,comments
INC⟦d7⟧,"SFTP login failing","User tried password ⟦pw⟧ three times, account now locked"
""",
    ),
)

_fam(
    "incident_notes",
    T(
        "PagerDuty note",
        r"""
Note added by ⟦person⟧ at 2026-12-02 10:14 UTC:
Failover done. Replica promoted; new repl password is ⟦pw⟧ (update vault after).
""",
    ),
    T(
        "Opsgenie note JSON",
        r"""
{"note":"Added temporary API key ⟦an32⟧ to bypass rate limit, revert after","user":"⟦email⟧","source":"web"}
""",
    ),
    T(
        "postmortem timeline table",
        r"""
| Time (UTC) | Event |
|---|---|
| 10:02 | Pager fired: 5xx on checkout |
| 10:09 | ⟦person⟧ rotated Stripe key to `⟦stripe⟧` |
| 10:15 | Error rate back to baseline |
""",
    ),
    T(
        "postmortem what went wrong",
        r"""
## What went wrong
- The `.env` baked into the image had `REDIS_PASSWORD=⟦pw⟧` in clear text.
- Alerting on auth failures was muted since the last migration.
""",
    ),
    T(
        "incident timeline quoted shell",
        r"""
10:31 ⟦person⟧: ran `psql "postgresql://admin:⟦url:pw⟧@⟦host⟧/⟦db⟧" -c 'select 1'` — connects fine from bastion
""",
    ),
    T(
        "PagerDuty webhook custom_details",
        r"""
      "custom_details": {"error": "auth failed", "dsn": "mysql://svc:⟦url:pw⟧@⟦host⟧:3306/⟦db⟧"}
""",
    ),
    T(
        "incident bridge details",
        r"""
Bridge: https://meet.⟦domain⟧/j/⟦d10⟧  dial-in +1 555 0100, participant PIN ⟦pin6⟧#
""",
    ),
    T(
        "Opsgenie alert description",
        r"""
Description:
Disk full on ⟦host⟧. To access iDRAC use root / ⟦pw⟧.
""",
    ),
    T(
        "postmortem action items",
        r"""
| # | Action | Owner | Notes |
|---|--------|-------|-------|
| 1 | Rotate leaked webhook secret | ⟦person⟧ | old: `⟦whsec⟧` |
""",
    ),
    T(
        "postmortem fenced curl",
        r"""
```bash
curl -H "DD-API-KEY: ⟦hex32⟧" -H "DD-APPLICATION-KEY: ⟦hex40⟧" https://api.datadoghq.eu/api/v1/validate
```
""",
    ),
    T(
        "incident doc emoji paste",
        r"""
:rotating_light: SEV2 — payments
:key: temporary break-glass password for `⟦svcacct⟧`: ⟦pw⟧
""",
    ),
    T(
        "incident resolution note",
        r"""
Resolution: reissued Statuspage API key (new: ⟦uuids⟧), old key revoked 10:42 UTC.
""",
    ),
)

_fam(
    "email_calendar",
    T(
        "HTML e-mail body",
        r"""
<p>Hello ⟦person⟧,</p>
<p>Your temporary password for the vendor portal is: <span style="font-family:monospace">⟦weak⟧</span></p>
<p>It expires in 24 hours.</p>
""",
    ),
    T(
        "quoted reply",
        r"""
> On Tue, 2 Dec 2026 at 10:14, ⟦person⟧ <⟦email⟧> wrote:
> > can you send me the SFTP password again?
> Sure: ⟦pw⟧
>
Thanks, that worked.
""",
    ),
    T(
        "MIME quoted-printable part",
        r"""
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: quoted-printable

Hi team,

The API key for staging is ⟦qp:b64_32⟧ and it will be rot=
ated on Friday. Thanks =E2=80=93 Ops
""",
    ),
    T(
        ".ics Zoom invite",
        r"""
BEGIN:VEVENT
SUMMARY:SEV1 bridge – checkout latency
DTSTART:20261202T101500Z
LOCATION:https://zoom.us/j/⟦d11⟧?pwd=⟦zoompwd⟧
DESCRIPTION:Meeting ID: ⟦d11⟧\nPasscode: ⟦zoompc⟧\n
END:VEVENT
""",
    ),
    T(
        ".ics Teams invite",
        r"""
DESCRIPTION:Microsoft Teams Need help?\nJoin the meeting now\nMeeting ID: 412 887 331 009\nPasscode: ⟦teamspc⟧\n________________________________\nDial in by phone\n+1 323-555-0166\,\,⟦d9⟧# United States
""",
    ),
    T(
        "plain e-mail with credentials",
        r"""
From: ⟦person⟧ <⟦email⟧>
Subject: RE: access to the reporting DB
Date: Tue, 2 Dec 2026 10:14:07 +0000

Host: ⟦fqdn⟧
User: reporting_ro
Pass: ⟦pw⟧
""",
    ),
    T(
        "MIME base64 body part",
        r"""
Content-Type: text/plain; charset="UTF-8"
Content-Transfer-Encoding: base64

⟦b64otp:pw⟧
""",
    ),
    T(
        "Outlook safe link with reset token",
        r"""
https://eur02.safelinks.protection.outlook.com/?url=https%3A%2F%2Fportal.⟦domain⟧%2Freset%3Ftoken%3D⟦an48⟧&data=05%7C02%7C%7C⟦hex32f⟧%7C0&reserved=0
""",
    ),
    T(
        "SMTP session transcript",
        r"""
S: 250-AUTH PLAIN LOGIN
C: AUTH PLAIN ⟦plain:email,pw⟧
S: 235 2.7.0 Authentication successful
""",
    ),
    T(
        ".ics onsite door code",
        r"""
BEGIN:VEVENT
SUMMARY:DR rehearsal (onsite + remote)
LOCATION:Building B\, room 2.14
DESCRIPTION:Onsite: door keypad code ⟦pin6⟧\nRemote: see Teams link
END:VEVENT
""",
    ),
    T(
        "HTML e-mail credential table",
        r"""
<table><tr><td>Username</td><td>⟦user⟧</td></tr><tr><td>Password</td><td>⟦pw⟧</td></tr><tr><td>Voicemail PIN</td><td>⟦pin4⟧</td></tr></table>
""",
    ),
)

_fam(
    "ocr_voice",
    T(
        "OCR of Wi-Fi card",
        r"""
[OCR of screenshot_2026-12-02_10-14.png]
Wi-Fi Netvvork: ⟦ssid⟧
Pas5word: ⟦phrase⟧
Securlty: WPA2-Persona1
""",
    ),
    T(
        "OCR of sticky note",
        r"""
[image text] adm1n pvv for ⟦host⟧ -> ⟦pw⟧ (changed 02.12)
""",
    ),
    T(
        "OCR of terminal screenshot",
        r"""
[OCR] $ cat ~/.pgpass
⟦host⟧:5432:*:postgres:⟦pw⟧
$ psql -h ⟦host⟧ -U postgres -c '\l'
""",
    ),
    T(
        "OCR of router admin page",
        r"""
Wireless Security
WPA Pre-Shared Key    ⟦phrase⟧
WPS PlN               ⟦pin8⟧
""",
    ),
    T(
        "voice transcript spelled password",
        r"""
[00:03:12] ⟦person⟧: okay so the password is ⟦spell:weak⟧, all one word
[00:03:20] ⟦person.2⟧: got it, logging in now
""",
    ),
    T(
        "voice transcript PIN",
        r"""
[00:07:44] ⟦person⟧: the pin for the key safe is ⟦digsp:pin6⟧, so ⟦digw:pin6⟧
""",
    ),
    T(
        "voice transcript passphrase",
        r"""
[00:12:03] ⟦person⟧: passphrase is ⟦phrasesp⟧ with spaces, all lower case
""",
    ),
    T(
        "OCR of scanned token letter",
        r"""
[scan p.1, OCR confidence 0.81]
Dear customer, your hardvvare token activation code is ⟦actcode⟧
Keep this letter in a safe p1ace.
""",
    ),
    T(
        "OCR of error dialog",
        r"""
Connection failed: Login failed for user 'sa'. Connectlon string: Server=⟦winhost⟧;Uid=sa;Pwd=⟦pw⟧;
""",
    ),
    T(
        "voice transcript recovery code",
        r"""
[00:21:55] ⟦person⟧: read me the recovery code... ⟦recov⟧, yes that's it
""",
    ),
    T(
        "Zoom VTT transcript",
        r"""
WEBVTT

00:14:07.120 --> 00:14:11.480
⟦person⟧: Just type it in, it's ⟦phrasesp⟧.
""",
    ),
    T(
        "OCR of server pull-tab",
        r"""
iLO Default Network Settings
DNS Name: ILO⟦serialf⟧
User Name: Administrator
Password: ⟦ilo⟧
""",
    ),
)

# ===========================================================================
# Prose in many natural languages
# ===========================================================================
_fam(
    "prose_asia_africa",
    T(
        "Hindi WhatsApp export",
        r"""
[02/12/26, 10:14:07] ⟦person⟧: भाई, staging DB का पासवर्ड ⟦pw⟧ है, डेमो के बाद बदल देना।
[02/12/26, 10:15:22] ⟦person.2⟧: ठीक है, मिल गया 👍
""",
    ),
    T(
        "Bengali chat",
        r"""
⟦person⟧: VPN-এর পাসওয়ার্ড হলো ⟦pw⟧ — কাউকে ফরোয়ার্ড কোরো না।
⟦person.2⟧: ধন্যবাদ, কাজ করছে।
""",
    ),
    T(
        "Tamil chat",
        r"""
⟦person⟧: சர்வர் அறை கதவின் PIN ⟦pin6⟧ , உள்ளே போனதும் மாற்றிவிடுங்கள்.
""",
    ),
    T(
        "Japanese e-mail",
        r"""
お疲れ様です。⟦person⟧です。
検証環境のAPIキーは ⟦an32⟧ です。
共有後はこのメールを削除してください。
""",
    ),
    T(
        "Korean KakaoTalk",
        r"""
[오전 10:14] ⟦person⟧ : 관리자 계정 비밀번호는 ⟦pw⟧ 입니다.
[오전 10:14] ⟦person⟧ : 확인하시면 메시지 삭제 부탁드려요.
""",
    ),
    T(
        "Traditional Chinese chat",
        r"""
⟦person⟧：測試機的資料庫密碼是「⟦pw⟧」，用完記得改掉。
⟦person.2⟧：收到，謝謝！
""",
    ),
    T(
        "Thai chat",
        r"""
⟦person⟧: รหัสผ่าน Wi-Fi ห้องประชุมชั้น 5 คือ ⟦phrase⟧ นะครับ
""",
    ),
    T(
        "Vietnamese chat",
        r"""
⟦person⟧: Mật khẩu tài khoản admin là ⟦pw⟧, nhớ đổi sau khi đăng nhập nhé.
""",
    ),
    T(
        "Indonesian chat",
        r"""
⟦person⟧: Bro, token GitLab-nya ⟦glpat⟧, jangan di-commit ya.
⟦person.2⟧: siap, udah aku simpan di vault
""",
    ),
    T(
        "Swahili chat",
        r"""
⟦person⟧: Nenosiri la seva ya ⟦host⟧ ni ⟦pw⟧ — tafadhali libadilishe baada ya kuingia.
""",
    ),
    T(
        "Persian chat",
        r"""
⟦person⟧: کلید API سرویس پرداخت ⟦an40⟧ است، لطفاً بعد از تست باطلش کن.
""",
    ),
    T(
        "Arabic chat",
        r"""
⟦person⟧: كلمة المرور لحساب الخدمة ⟦svcacct⟧ هي ⟦pw⟧ ، يرجى تغييرها بعد الاختبار.
""",
    ),
)

_fam(
    "prose_europe_mideast",
    T(
        "Hebrew chat",
        r"""
⟦person⟧: הסיסמה לשרת הגיבוי היא ⟦pw⟧ , תחליף אותה אחרי ההתקנה.
""",
    ),
    T(
        "Greek chat",
        r"""
⟦person⟧: Ο κωδικός για το VPN είναι ⟦pw⟧ — μην τον προωθήσεις σε κανέναν.
""",
    ),
    T(
        "Ukrainian chat",
        r"""
⟦person⟧: Пароль до адмінки Grafana: ⟦pw⟧. Після інциденту змінимо.
""",
    ),
    T(
        "Turkish chat",
        r"""
⟦person⟧: Veritabanı şifresi ⟦pw⟧, deploy sonrası değiştirelim.
""",
    ),
    T(
        "Polish e-mail",
        r"""
Cześć,
hasło do konta serwisowego ⟦svcacct⟧ to ⟦pw⟧ — zmień je proszę po wdrożeniu.
Pozdrawiam, ⟦person⟧
""",
    ),
    T(
        "Czech chat",
        r"""
⟦person⟧: Heslo k routeru je ⟦pw⟧, PIN k SIM kartě v LTE modemu je ⟦pin4⟧.
""",
    ),
    T(
        "Hungarian chat",
        r"""
⟦person⟧: A teszt szerver root jelszava: ⟦pw⟧ – holnap lecseréljük.
""",
    ),
    T(
        "Romanian chat",
        r"""
⟦person⟧: Parola pentru contul de backup este ⟦pw⟧, te rog s-o schimbi după ce termini.
""",
    ),
    T(
        "Finnish chat",
        r"""
⟦person⟧: Tuotantokannan salasana on ⟦pw⟧, vaihdetaan se huomenna.
""",
    ),
    T(
        "Portuguese chat",
        r"""
⟦person⟧: A senha do Wi-Fi do escritório é ⟦phrase⟧ e o PIN da impressora é ⟦pin4⟧.
""",
    ),
    T(
        "Dutch chat",
        r"""
⟦person⟧: Het API-token voor de monitoring is ⟦an40⟧, graag na gebruik intrekken.
""",
    ),
    T(
        "Italian chat",
        r"""
⟦person⟧: La password dell'utente admin è ⟦pw⟧, cambiala dopo il primo accesso.
""",
    ),
)

# ===========================================================================
# Keep templates: diagnostic values that must survive sanitising
# ===========================================================================
_KEEPS: list[tuple[str, str]] = [
    # --- Windows
    T(
        "PowerShell SecretManagement verbose",
        r"""
VERBOSE: Get-Secret -Name ⟦=sql-sa-password⟧ -Vault OpsVault resolved secret_id=⟦kuuid⟧ (value not displayed)
""",
    ),
    T(
        "Get-ADUser password metadata",
        r"""
PS C:\> Get-ADUser ⟦user⟧ -Properties PasswordLastSet,msDS-UserPasswordExpiryTimeComputed | Format-List PasswordLastSet,msDS-*
PasswordLastSet                     : 11/28/2026 3:14:07 AM
msDS-UserPasswordExpiryTimeComputed : ⟦kfiletime⟧
""",
    ),
    T(
        "Security event 4625",
        r"""
An account failed to log on.
Failure Reason:		Unknown user name or bad password.
Status:			⟦=0xC000006D⟧
Sub Status:		⟦=0xC000006A⟧
""",
    ),
    T(
        "certutil store listing",
        r"""
Serial Number: ⟦khex32⟧
Cert Hash(sha1): ⟦kthumb⟧
  Key Container = te-WebServer-⟦kuuid⟧
  Private key is NOT exportable
""",
    ),
    T(
        "web.config with deploy-time variable",
        r"""
<add name="Default" connectionString="Server=⟦winhost⟧;Database=⟦db⟧;User Id=app;Password=⟦=#{Database.Password}⟧;" providerName="System.Data.SqlClient" />
""",
    ),
    T(
        "machineKey AutoGenerate",
        r"""
<machineKey validationKey="⟦=AutoGenerate,IsolateApps⟧" decryptionKey="AutoGenerate,IsolateApps" validation="HMACSHA256" decryption="AES" />
""",
    ),
    T(
        "cmdkey logon session error",
        r"""
C:\> cmdkey /add:⟦winhost⟧ /user:⟦netbios⟧\⟦user⟧ /pass
CMDKEY: Credentials cannot be saved from this logon session. (⟦=ERROR_NO_SUCH_LOGON_SESSION⟧)
""",
    ),
    T(
        "WinRM Kerberos failure",
        r"""
Enter-PSSession : Connecting to remote server ⟦winhost⟧ failed with the following error message : WinRM cannot process the request. The following error with errorcode ⟦=0x80090311⟧ occurred while using Kerberos authentication: We can't sign you in with this credential because your domain isn't available.
""",
    ),
    T(
        "Get-LapsADPassword without plaintext",
        r"""
Account             : Administrator
Password            : ⟦=System.Security.SecureString⟧
PasswordUpdateTime  : 11/28/2026 3:14:07 AM
""",
    ),
    T(
        "schtasks last result",
        r"""
TaskName:                             \Ops\NightlyExport
Last Result:                          ⟦=0x8007052E⟧
Run As User:                          ⟦netbios⟧\⟦svcacct⟧
""",
    ),
    T(
        "DPAPI masterkey GUID",
        r"""
MasterKey GUID : {⟦kuuid⟧}  (credential blob protected, password not stored)
""",
    ),
    # --- macOS / mobile
    T(
        "security item not found",
        r"""
$ security find-generic-password -s ⟦svc⟧-deploy -a ⟦user⟧ -w
security: ⟦=SecKeychainSearchCopyNext⟧: The specified item could not be found in the keychain.
""",
    ),
    T(
        "codesign display",
        r"""
Authority=Apple Distribution: ⟦org⟧ (⟦kAN10⟧)
TeamIdentifier=⟦kAN10⟧
CDHash=⟦khex40⟧
""",
    ),
    T(
        "fastlane match keychain note",
        r"""
[10:12:08]: Installing certificate... cert_id=⟦kAN10⟧ (keychain password from ENV ⟦=MATCH_KEYCHAIN_PASSWORD⟧)
""",
    ),
    T(
        "Xcode signing summary",
        r"""
Signing Identity:     "Apple Distribution: ⟦org⟧"
Provisioning Profile: "match AppStore ⟦bundle⟧"
                      (⟦kuuid⟧)
""",
    ),
    T(
        "logcat auth session",
        r"""
12-02 10:14:07.112  4821  4907 I AuthSession: session_id=⟦kuuid⟧ token_expires_at=⟦kepoch13⟧ refresh_scheduled=true
""",
    ),
    T(
        "keytool certificate fingerprints",
        r"""
Certificate fingerprints:
	 SHA1: ⟦kcertfp1⟧
	 SHA256: ⟦kcertfp⟧
Signature algorithm name: SHA256withRSA
""",
    ),
    T(
        "gradle signing from env",
        r"""
signingConfigs.release: storeFile=release.jks keyAlias=upload storePassword=⟦=System.getenv("KEYSTORE_PASS")⟧
""",
    ),
    T(
        "FirebaseInitProvider app id",
        r"""
I/FirebaseInitProvider: FirebaseApp initialization successful, google_app_id=⟦kgappid⟧ (api key restricted to package)
""",
    ),
    T(
        "App Store Connect key reference",
        r"""
Using App Store Connect API key key_id=⟦kAN10⟧ issuer_id=⟦kuuid⟧ from ⟦=~/.appstoreconnect/private_keys/⟧
""",
    ),
    # --- backup
    T(
        "restic backup summary",
        r"""
using parent snapshot ⟦khex8⟧
snapshot ⟦khex8.2⟧ saved
""",
    ),
    T(
        "restic key list",
        r"""
repository ⟦khex8⟧ opened (version 2, compression level auto)
 ID        User  Host        Created
*⟦khex8.2⟧  root  ⟦host⟧  2026-11-30 02:00:01
""",
    ),
    T(
        "borg archive fingerprint",
        r"""
Archive name: ⟦host⟧-2026-12-02T03:00:01
Archive fingerprint: ⟦khex64⟧
Key file: ⟦=/root/.config/borg/keys/srv_backup_repo⟧
""",
    ),
    T(
        "rclone check md5",
        r"""
2026/12/02 03:14:07 INFO  : exports/⟦db⟧.dump.gz: md5 = ⟦khex32⟧ OK
""",
    ),
    T(
        "s3api head-object SSE-KMS",
        r"""
    "ETag": "\"⟦khex32⟧\"",
    "ServerSideEncryption": "aws:kms",
    "SSEKMSKeyId": "⟦karn⟧",
""",
    ),
    T(
        "velero backup submitted",
        r"""
Backup request "⟦kvelero⟧" submitted successfully.
Using credentials secret ⟦=cloud-credentials⟧ (key: cloud)
""",
    ),
    T(
        "MinIO access key error",
        r"""
mc: <ERROR> Unable to list folder. The Access Key Id you provided does not exist in our records. (⟦=InvalidAccessKeyId⟧)
""",
    ),
    T(
        "cifs mount failure dmesg",
        r"""
[ 4821.114230] CIFS: VFS: cifs_mount failed w/return code = -13
mount options: credentials=⟦=/root/.smbcred⟧,vers=3.0 (⟦=STATUS_LOGON_FAILURE⟧)
""",
    ),
    # --- VPN and network
    T(
        "wg show peer",
        r"""
peer: ⟦kwgpub⟧
  preshared key: ⟦=(hidden)⟧
  latest handshake: 1 minute, 12 seconds ago
""",
    ),
    T(
        "wg show interface",
        r"""
interface: wg0
  public key: ⟦kwgpub⟧
  private key: (hidden)
  listening port: 51820
""",
    ),
    T(
        "OpenVPN TLS session ids",
        r"""
TLS: Initial packet from [AF_INET]⟦ip⟧:1194, sid=⟦khex8⟧ ⟦khex8.2⟧
""",
    ),
    T(
        "OpenVPN auth failed",
        r"""
auth-user-pass ⟦=/etc/openvpn/client/auth.txt⟧
AUTH: Received control message: ⟦=AUTH_FAILED⟧
""",
    ),
    T(
        "charon IKE SA established",
        r"""
authentication of '⟦fqdn⟧' (myself) with pre-shared key successful
IKE_SA site-b[12] established between ⟦ip⟧[⟦fqdn⟧]...⟦ip.2⟧, SPIs ⟦khex16⟧_i ⟦khex16.2⟧_r
""",
    ),
    T(
        "swanctl --list-sas",
        r"""
  site-b-net: #41, reqid 1, INSTALLED, TUNNEL, ESP:AES_GCM_16-256
    in  ⟦khex8⟧,  48213 bytes,   412 packets
""",
    ),
    T(
        "tailscale status json",
        r"""
  "Self": {
    "PublicKey": "⟦knodekey⟧",
""",
    ),
    T(
        "cloudflared registered connection",
        r"""
2026-12-02T10:04:12Z INF Registered tunnel connection connIndex=0 connection=⟦kuuid⟧ event=0 location=fra08 protocol=quic
""",
    ),
    T(
        "ngrok authtoken error",
        r"""
ERROR:  authentication failed: The authtoken you specified does not look like a proper ngrok tunnel authtoken.
ERROR:  ⟦=ERR_NGROK_105⟧
""",
    ),
    T(
        "zerotier join",
        r"""
$ sudo zerotier-cli join ⟦khex16⟧
200 join OK
""",
    ),
    T(
        "FreeRADIUS debug Message-Authenticator",
        r"""
(7) Received Access-Request Id 117 from ⟦ip⟧:52311 to ⟦ip.2⟧:1812 length 191
(7)   Message-Authenticator = ⟦k0x32⟧
""",
    ),
    T(
        "snmpd usm user",
        r"""
usmUserEngineID ⟦kengine⟧
usmUserAuthProtocol ⟦=usmHMAC192SHA256AuthProtocol⟧
""",
    ),
    T(
        "wpa_supplicant connected",
        r"""
wlan0: WPA: Key negotiation completed with ⟦mac⟧ [PTK=CCMP GTK=CCMP]
wlan0: ⟦=CTRL-EVENT-CONNECTED⟧ - Connection to ⟦mac⟧ completed [id=0 id_str=]
""",
    ),
    T(
        "hostapd station connected",
        r"""
wlan0: ⟦=AP-STA-CONNECTED⟧ ⟦mac⟧ auth_alg=sae
wlan0: STA ⟦mac⟧ WPA: pairwise key handshake completed (RSN)
""",
    ),
    # --- identity
    T(
        "Keycloak LOGIN_ERROR event",
        r"""
type=LOGIN_ERROR, realmId=⟦kuuid⟧, clientId=⟦svc⟧, userId=null, error=⟦=invalid_user_credentials⟧, auth_method=openid-connect
""",
    ),
    T(
        "Keycloak export masked secret",
        r"""
    "clientAuthenticatorType" : "client-secret",
    "secret" : "⟦=**********⟧",
    "id" : "⟦kuuid⟧",
""",
    ),
    T(
        "OIDC discovery auth methods",
        r"""
"token_endpoint_auth_methods_supported":["⟦=client_secret_basic⟧","client_secret_post","⟦=private_key_jwt⟧"],
""",
    ),
    T(
        "JWKS public key",
        r"""
{"keys":[{"kid":"⟦kb64u32⟧","kty":"RSA","alg":"RS256","use":"sig","e":"AQAB"}]}
""",
    ),
    T(
        "SAML assertion digest",
        r"""
<saml:Assertion ID="_⟦khex40⟧" IssueInstant="2026-12-02T10:14:07Z" Version="2.0">
<ds:DigestValue>⟦kb64_32⟧</ds:DigestValue>
""",
    ),
    T(
        "Okta system log",
        r"""
eventType=user.session.start outcome.result=FAILURE outcome.reason=⟦=INVALID_CREDENTIALS⟧ transaction.id=⟦kan27⟧
""",
    ),
    T(
        "Auth0 failed login log",
        r"""
{"log_id":"⟦kd56⟧","type":"fp","description":"Wrong email or password."}
""",
    ),
    T(
        "AD LDAP bind error",
        r"""
ldap_bind: Invalid credentials (49)
	additional info: ⟦=80090308⟧: LdapErr: ⟦=DSID-0C090447⟧, comment: AcceptSecurityContext error, data 52e, v4563
""",
    ),
    T(
        "krb5kdc preauth failure",
        r"""
krb5kdc[1822](info): AS_REQ (4 etypes {aes256-cts-hmac-sha1-96(18)}) ⟦ip⟧: ⟦=PREAUTH_FAILED⟧: ⟦user⟧@⟦realm⟧ for krbtgt/⟦realm⟧@⟦realm⟧, Preauthentication failed
""",
    ),
    T(
        "klist credentials cache",
        r"""
Ticket cache: ⟦kkcm⟧
Default principal: ⟦user⟧@⟦realm⟧
""",
    ),
    T(
        "FreeIPA user-show password fields",
        r"""
  Password: True
  krbLastPwdChange: ⟦kgentime⟧
  ipaUniqueID: ⟦kuuid⟧
""",
    ),
    T(
        "smbclient logon failure",
        r"""
session setup failed: ⟦=NT_STATUS_LOGON_FAILURE⟧
""",
    ),
    T(
        "ppolicy operational attributes",
        r"""
pwdChangedTime: ⟦kgentime⟧
pwdFailureTime: ⟦kgentime.2⟧
""",
    ),
    # --- messaging / IoT
    T(
        "RabbitMQ auth failure",
        r"""
2026-12-02 10:14:07.112412+00:00 [warning] ⟦kerlpid⟧ HTTP access denied: user '⟦user⟧' - invalid credentials
""",
    ),
    T(
        "RabbitMQ definitions header",
        r"""
  "rabbit_version": "3.13.7",
  "hashing_algorithm": "⟦=rabbit_password_hashing_sha256⟧",
""",
    ),
    T(
        "nats-server authentication error",
        r"""
[4821] 2026/12/02 10:14:07.112412 [ERR] ⟦ip⟧:51234 - cid:⟦d4⟧ - "v1.37.0:go" - authentication error - User "⟦knkpubU⟧"
""",
    ),
    T(
        "nsc describe account",
        r"""
│ Account ID                │ ⟦knkpubA⟧ │
│ Issuer ID                 │ ⟦knkpubO⟧ │
""",
    ),
    T(
        "Pulsar token expired",
        r"""
Failed to authenticate HTTP request: Failed to authentication token: JWT expired at ⟦kts⟧. Current time: ⟦kts.2⟧
""",
    ),
    T(
        "mosquitto connect log",
        r"""
⟦kepoch⟧: New client connected from ⟦ip⟧:51234 as ⟦host⟧-ab12 (p2, c1, k60, u'sensor01').
""",
    ),
    T(
        "Artemis login failure",
        r"""
⟦=AMQ229031⟧: Unable to validate user from /⟦ip⟧:51234. Username: ⟦user⟧; SSL certificate subject DN: unavailable
""",
    ),
    T(
        "Home Assistant secret reference",
        r"""
mqtt:
  password: ⟦=!secret mqtt_password⟧
""",
    ),
    T(
        "Home Assistant ban log",
        r"""
WARNING (MainThread) [⟦=homeassistant.components.http.ban⟧] Login attempt or request with invalid authentication from ⟦ip⟧. Requested URL: '/auth/token'.
""",
    ),
    T(
        "Zigbee2MQTT network settings",
        r"""
advanced:
  pan_id: ⟦kpanid⟧
  network_key: GENERATE
""",
    ),
    T(
        "ESPHome boot log",
        r"""
[I][app:100]: ESPHome version ⟦=2024.11.3⟧ compiled on Dec  2 2026, 10:14:07
[C][api:142]:   Using noise encryption: YES
""",
    ),
    # --- password managers
    T(
        "1Password secret references",
        r"""
DB_PASSWORD=⟦=op://Infra/postgres-admin/password⟧
""",
    ),
    T(
        "Bitwarden item ids",
        r"""
$ bw list items --search ⟦svc⟧ | jq -r '.[] | .id + " " + .revisionDate'
⟦kuuid⟧ ⟦kts⟧
""",
    ),
    T(
        "KeePass protected empty value",
        r"""
<UUID>⟦kb64_16⟧</UUID>
<String><Key>Password</Key><Value ProtectInMemory="True" /></String>
""",
    ),
    T(
        "pass git log",
        r"""
⟦khex7⟧ Rotate password for infra/⟦host⟧/root using pwgen.
""",
    ),
    T(
        "gopass recipients",
        r"""
gopass recipients
└── ops (0x⟦kHEX16⟧ - Ops Team)
""",
    ),
    T(
        "Bitwarden CSV masked",
        r"""
Infra,1,login,⟦svc⟧ admin,,,0,https://⟦fqdn⟧/admin,⟦user⟧,⟦=******⟧,
""",
    ),
    # --- terminal
    T(
        "ANSI password policy warning",
        r"""
⟦ESC⟧[33mWARN⟦ESC⟧[0m password_last_set=⟦kts⟧ policy=max_age_90d
""",
    ),
    T(
        "set -x secret file path",
        r"""
+ DB_PASSWORD_FILE=⟦=/run/secrets/db_password⟧
+ '[' -r /run/secrets/db_password ']'
""",
    ),
    T(
        "aws sts get-caller-identity",
        r"""
    "Account": "⟦d12⟧",
    "Arn": "⟦karnrole⟧"
""",
    ),
    T(
        "sudo incorrect password attempts",
        r"""
sudo:   ⟦user⟧ : ⟦=3 incorrect password attempts⟧ ; TTY=pts/1 ; PWD=/home/⟦user⟧ ; USER=root ; COMMAND=/usr/bin/systemctl restart ⟦svc⟧
""",
    ),
    T(
        "Makefile token file variable",
        r"""
deploy:
⟦TAB⟧./deploy.sh --token-file ⟦=$(DEPLOY_TOKEN_FILE)⟧
""",
    ),
    T(
        "vault token lookup",
        r"""
Key                 Value
accessor            ⟦kan24⟧
policies            [default ops-read]
""",
    ),
    # --- collaboration
    T(
        "Slack export message ids",
        r"""
        "client_msg_id": "⟦kuuid⟧",
        "text": "rotated the token, new one is only in vault",
        "ts": "⟦kslackts⟧",
""",
    ),
    T(
        "Teams message ids",
        r"""
"id": "⟦kepoch13⟧",
"body": {"contentType": "text", "content": "password reset done via SSPR, no creds shared here"}
""",
    ),
    T(
        "Jira comment commit",
        r"""
[~⟦user⟧] the leaked secret was removed in commit ⟦khex40⟧, build #⟦kd7⟧ is green.
""",
    ),
    T(
        "ServiceNow record",
        r"""
INC⟦d7⟧ | Password reset request | sys_id ⟦khex32⟧ | credential_type: AD
""",
    ),
    T(
        "Confluence secret reference",
        r"""
<ac:parameter ac:name="secret-ref">⟦=vault:secret/data/payments#stripe_key⟧</ac:parameter>
""",
    ),
    T(
        "PagerDuty incident",
        r"""
Incident ⟦kpd⟧ (#⟦d5⟧) acknowledged by ⟦person⟧
""",
    ),
    T(
        "Opsgenie alert details",
        r"""
alias: ⟦khex64⟧
details.api_key: ⟦=<redacted>⟧
""",
    ),
    T(
        "postmortem key id row",
        r"""
| 10:09 | Rotated signing key (fingerprint `⟦kfpssh⟧`) | ⟦person⟧ |
""",
    ),
    T(
        "e-mail DKIM header",
        r"""
DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=⟦domain⟧; s=selector1; bh=⟦kb64_32⟧;
""",
    ),
    T(
        ".ics UID",
        r"""
BEGIN:VEVENT
UID:⟦kuuidU⟧
SUMMARY:Password rotation window – ⟦svc⟧
""",
    ),
    T(
        "MIME boundary",
        r"""
Content-Type: multipart/alternative; boundary="⟦kboundary⟧"
""",
    ),
    T(
        "OCR error dialog",
        r"""
[OCR] Your password must be at least 14 characters. Error code: ⟦=0x800708C5⟧
""",
    ),
    T(
        "voice transcript trace id",
        r"""
[00:04:31] ⟦person⟧: the trace id for the failed token refresh is ⟦ktrace⟧, pasting it in the channel now
""",
    ),
    # --- general diagnostics
    T(
        "HTTP 401 headers",
        r"""
HTTP/1.1 401 Unauthorized
WWW-Authenticate: Bearer realm="api", error="invalid_token"
x-request-id: ⟦kuuid⟧
traceparent: 00-⟦ktrace⟧-⟦kspan⟧-01
""",
    ),
    T(
        "image digest",
        r"""
Status: Downloaded newer image for registry.⟦domain⟧/⟦svc⟧@⟦kdigest⟧
""",
    ),
    T(
        "SRI script tag",
        r"""
<script src="/static/js/session-refresh.js" integrity="⟦ksri⟧" crossorigin="anonymous"></script>
""",
    ),
    T(
        "sshd accepted publickey",
        r"""
Accepted publickey for deploy from ⟦ip⟧ port 51234 ssh2: ED25519 ⟦kfpssh⟧
""",
    ),
    T(
        "authorized_keys entry",
        r"""
ssh-ed25519 ⟦ksshpub⟧ deploy-key-ci
""",
    ),
    T(
        "KMS access denied",
        r"""
An error occurred (AccessDeniedException) when calling the GetSecretValue operation: User is not authorized to perform kms:Decrypt on resource ⟦karn⟧ for secret ⟦karnsm⟧
""",
    ),
    T(
        "TLS certificate details",
        r"""
serial=⟦kHEX32⟧
sha256 Fingerprint=⟦kcertfp⟧
""",
    ),
    T(
        "kubectl secret configured",
        r"""
secret/⟦svc⟧-db-credentials configured (uid ⟦kuuid⟧)
""",
    ),
    T(
        "GitLab CI masked variable",
        r"""
Job ⟦kd10⟧: variable CI_REGISTRY_PASSWORD is ⟦=[MASKED]⟧
""",
    ),
    T(
        "GitHub Actions secret expression",
        r"""
env:
  NPM_TOKEN: ⟦=${{ secrets.NPM_TOKEN }}⟧
""",
    ),
    T(
        "psycopg2 password failure",
        r"""
psycopg2.OperationalError: connection to server at "⟦host⟧" (⟦ip⟧), port 5432 failed: FATAL:  password authentication failed for user "⟦user⟧"
SQLSTATE ⟦=28P01⟧
""",
    ),
    T(
        "Oracle login errors",
        r"""
⟦=ORA-01017⟧: invalid username/password; logon denied
""",
    ),
    T(
        "Java keystore system properties",
        r"""
-Djavax.net.ssl.keyStore=/etc/pki/app.p12 -Djavax.net.ssl.keyStorePassword=⟦=${KEYSTORE_PASSWORD}⟧ -Djavax.net.ssl.keyStoreType=PKCS12
""",
    ),
    T(
        "Helm template password",
        r"""
  password: ⟦={{ .Values.db.password | quote }}⟧
""",
    ),
]


# ===========================================================================
# public interface
# ===========================================================================
def cases() -> list[Case]:
    r = random.Random(SEED)
    out: list[Case] = []
    for fam, templates in _FAMILIES:
        for fmt, text in templates:
            for _ in range(VARIANTS):
                lines, vals, _t = _render(r, text, "case")
                out.append(Case(fam, fmt, lines, vals))
    return out


def keep_list() -> list[Keep]:
    r = random.Random(f"{SEED}-keep")
    out: list[Keep] = []
    for fmt, text in _KEEPS:
        for _ in range(VARIANTS):
            lines, _v, toks = _render(r, text, "keep")
            out.append(Keep(fmt, lines, toks))
    return out


def _check() -> dict[str, int]:
    cs = cases()
    ks = keep_list()
    assert cs == cases(), "cases() not deterministic"
    assert ks == keep_list(), "keep_list() not deterministic"
    all_values: set[str] = set()
    nvalues = 0
    for c in cs:
        assert 1 <= len(c.lines) <= 10, (c.family, c.format, len(c.lines))
        assert c.values, (c.family, c.format)
        text = "\n".join(c.lines)
        for v in c.values:
            assert v and len(v) >= 4, (c.family, c.format, v)
            assert v in text, (c.family, c.format, v)
        nvalues += len(c.values)
        all_values.update(c.values)
    ntokens = 0
    for k in ks:
        assert 1 <= len(k.lines) <= 10, (k.format, len(k.lines))
        assert k.tokens, k.format
        text = "\n".join(k.lines)
        for t in k.tokens:
            assert t and t in text, (k.format, t)
            for v in all_values:
                assert t != v and t not in v, (k.format, t, v)
        ntokens += len(k.tokens)
    return {
        "families": len(_FAMILIES),
        "case_templates": sum(len(t) for _f, t in _FAMILIES),
        "cases": len(cs),
        "planted_values": nvalues,
        "keep_templates": len(_KEEPS),
        "keep_entries": len(ks),
        "keep_tokens": ntokens,
    }


if __name__ == "__main__":
    print(_check())
