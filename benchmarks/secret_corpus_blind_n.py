# ruff: noqa: E501, RUF001, RUF002, UP031
"""Sealed blind corpus N for a log/secret sanitizer, written by helper N on 2026-12-03 without reading the sanitizer, its tests, the other corpora or any benchmark results.

Theme: SaaS admin and business systems, and data exchange between companies
(CRM/support SaaS, ERP/BI/ETL, partner file exchange: SFTP/FTPS/AS2/OFTP2/EDI
VAN/Connect:Direct/MFT/PGP, device and endpoint management, printers, door
access, POS/kiosks, facility power, CCTV, communications SaaS, and business
prose in 17 natural languages).

SEED = 20261206, VARIANTS = 2 (each template rendered twice with fresh secrets
and fresh surrounding names).

Counts (as returned by _check()):
    families=36, case templates=400, cases=800, planted values=940,
    keep templates=90, keep entries=180, keep tokens=260

Placeholders inside the templates:  «kind» / «kind:n» = planted secret,
‹kind› / ‹kind:n› = surrounding (non-secret) name, ⟦kind⟧ / ⟦=literal⟧ = keep token.
"""

from __future__ import annotations

import base64
import json
import random
import re
import string
import unicodedata
import urllib.parse
from typing import NamedTuple

SEED = 20261206
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


# ---------------------------------------------------------------- alphabets
_AL = string.ascii_letters + string.digits
_LOWAL = string.ascii_lowercase + string.digits
_UPAL = string.ascii_uppercase + string.digits
_HEX = "0123456789abcdef"
_HEXU = "0123456789ABCDEF"
_B64 = _AL + "+/"
_B64U = _AL + "-_"

_W = [
    "harbor",
    "tulip",
    "granite",
    "lantern",
    "mosaic",
    "falcon",
    "willow",
    "copper",
    "meadow",
    "saffron",
    "orbit",
    "pepper",
    "cobalt",
    "juniper",
    "maple",
    "thunder",
    "velvet",
    "cedar",
    "ember",
    "glacier",
    "marble",
    "nectar",
    "pebble",
    "quartz",
    "raven",
    "sierra",
    "tango",
    "umber",
    "violet",
    "walnut",
    "yonder",
    "zephyr",
    "anchor",
    "birch",
    "canyon",
    "dahlia",
    "fjord",
    "gecko",
    "hazel",
    "iris",
    "jasper",
    "kestrel",
    "lotus",
    "mango",
    "nimbus",
    "oyster",
    "parsley",
    "quill",
    "rustle",
    "sable",
    "tundra",
    "vortex",
    "whisker",
    "xenon",
    "yarrow",
    "zinnia",
    "acorn",
    "bramble",
    "cactus",
    "drift",
    "fable",
    "otter",
    "pilot",
    "comet",
]

_FIRST = [
    "Anna",
    "Bruno",
    "Chiara",
    "Dmitri",
    "Elena",
    "Farid",
    "Greta",
    "Hiroshi",
    "Ingrid",
    "Jonas",
    "Kavya",
    "Lucas",
    "Marta",
    "Nils",
    "Olga",
    "Pedro",
    "Quentin",
    "Rosa",
    "Sanjay",
    "Tomasz",
    "Ursula",
    "Vikram",
    "Wiebke",
    "Xavier",
    "Yuki",
    "Zofia",
    "Ahmed",
    "Beatriz",
    "Chen",
    "Daan",
    "Emeka",
    "Fatima",
    "Gustav",
    "Hana",
    "Ines",
    "Jakob",
    "Leila",
    "Minh",
    "Noor",
    "Oskar",
    "Priya",
    "Rania",
    "Sven",
    "Thuy",
]
_LAST = [
    "Andersen",
    "Bauer",
    "Costa",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Garcia",
    "Haugen",
    "Ivanova",
    "Jansen",
    "Kowalski",
    "Lindqvist",
    "Moreau",
    "Nakamura",
    "Oliveira",
    "Petersen",
    "Quispe",
    "Rossi",
    "Schmidt",
    "Tanaka",
    "Urbanski",
    "Vermeulen",
    "Wagner",
    "Yilmaz",
    "Zimmermann",
    "Nguyen",
    "Sharma",
    "Kim",
    "Haddad",
    "Santoso",
    "Novak",
    "Larsen",
    "Berg",
    "Romano",
    "Silva",
]
_COMPANIES = [
    "Northwind Logistics",
    "Bluefin Textiles",
    "Hartmann Kaeltetechnik",
    "Alpenrose Foods",
    "Kestrel Freight",
    "Meridian Pharma",
    "Osprey Retail",
    "Lindgren Verktyg",
    "Costa Azul Bebidas",
    "Fjordline Seafood",
    "Sakura Components",
    "Nusantara Trading",
    "Mekong Garments",
    "Vistula Steel",
    "Polder Bloemen",
    "Atlas Office Supply",
    "Granite Insurance",
    "Tamarind Hotels",
    "Orchid Medical",
    "Brightwater Utilities",
    "Zenith Printworks",
    "Helios Energy",
    "Cobalt Mobility",
    "Rhine Chemicals",
    "Saffron Spices",
]
_TLDS = [".com", ".de", ".co.uk", ".nl", ".io", ".eu", ".fr", ".es", ".se", ".pl", ".it", ".jp"]
_HOSTP = [
    "sftp",
    "edi-gw",
    "mft",
    "crm-sync",
    "print",
    "nvr",
    "ups",
    "bms",
    "pos",
    "kiosk",
    "relay",
    "etl",
    "bi",
    "jamf",
    "mid",
    "as2",
    "files",
    "app",
    "int",
    "scan",
]
_SIDS = ["EBSPRD", "FINPRD", "ERPP01", "PRODEBS", "HRPRD", "GLPROD", "SCMPRD"]


def _s(r: random.Random, n: int, alpha: str) -> str:
    return "".join(r.choice(alpha) for _ in range(n))


def _uuid(r: random.Random) -> str:
    return "%s-%s-4%s-%s%s-%s" % (
        _s(r, 8, _HEX),
        _s(r, 4, _HEX),
        _s(r, 3, _HEX),
        r.choice("89ab"),
        _s(r, 3, _HEX),
        _s(r, 12, _HEX),
    )


def _ascii(t: str) -> str:
    return unicodedata.normalize("NFKD", t).encode("ascii", "ignore").decode()


def _b64(b: bytes | str) -> str:
    if isinstance(b, str):
        b = b.encode()
    return base64.b64encode(b).decode()


def _rb(r: random.Random, n: int) -> bytes:
    return bytes(r.randrange(256) for _ in range(n))


# ---------------------------------------------------------------- secret generators
def _pw(r: random.Random) -> str:
    w1, w2 = r.choice(_W), r.choice(_W)
    st = r.randrange(6)
    if st == 0:
        return w1.capitalize() + w2.capitalize() + str(r.randint(10, 9999)) + r.choice("!#$%?")
    if st == 1:
        return w1.capitalize() + r.choice("!#$%.-_+=") + "%04d" % r.randint(0, 9999)
    if st == 2:
        return w1 + r.choice(".-_") + w2.capitalize() + "%02d" % r.randint(0, 99)
    if st == 3:
        return (
            _s(r, 2, string.ascii_uppercase)
            + _s(r, r.randint(12, 16), _AL + "!#%-_+=?")
            + _s(r, 2, string.digits)
        )
    if st == 4:
        return (
            r.choice(
                [
                    "Winter",
                    "Spring",
                    "Summer",
                    "Autumn",
                    "Welcome",
                    "Portal",
                    "Sommer",
                    "Verano",
                    "Herbst",
                ]
            )
            + str(r.randint(2019, 2026))
            + r.choice("!#$?")
            + _s(r, 2, string.ascii_lowercase)
        )
    return w1.capitalize() + str(r.randint(1, 9)) + w2 + r.choice("!#$%") + w1[:1].upper()


def _pwu(r: random.Random) -> str:
    return (
        r.choice(_W).capitalize()
        + r.choice(_W)
        + str(r.randint(10, 999))
        + r.choice("-_.~!")
        + _s(r, 2, string.ascii_uppercase)
    )


def _pw_raw_special(r: random.Random, chars: str) -> str:
    return r.choice(_W).capitalize() + r.choice(chars) + r.choice(_W) + str(r.randint(10, 9999))


def _pwurl(r: random.Random) -> str:
    return urllib.parse.quote(_pw_raw_special(r, "@:/#?&% "), safe="")


def _pwjson(r: random.Random) -> str:
    return json.dumps(_pw_raw_special(r, '"\\'))[1:-1]


def _pwxml(r: random.Random) -> str:
    p = _pw_raw_special(r, "&<>\"'")
    return (
        p.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&apos;")
    )


def _pwcsv(r: random.Random) -> str:
    return _pw_raw_special(r, '"').replace('"', '""')


def _phrase(r: random.Random) -> str:
    return "-".join(r.choice(_W) for _ in range(r.randint(3, 4))) + "-" + str(r.randint(10, 99))


def _phrases(r: random.Random) -> str:
    ws = [r.choice(_W) for _ in range(4)]
    ws[0] = ws[0].capitalize()
    return " ".join(ws) + " " + str(r.randint(1, 99))


def _upper(n: int):
    return lambda r: r.choice(string.ascii_uppercase) + _s(r, n - 1, _UPAL)


def _pin(n: int):
    return lambda r: "%0*d" % (n, r.randrange(10**n))


def _jwt(r: random.Random) -> str:
    def enc(d):
        return (
            base64.urlsafe_b64encode(json.dumps(d, separators=(",", ":")).encode())
            .rstrip(b"=")
            .decode()
        )

    now = 1764400000 + r.randrange(2000000)
    h = {"alg": "RS256", "typ": "JWT", "kid": _s(r, 12, _AL)}
    p = {
        "sub": _uuid(r),
        "iss": r.choice(["moveit", "freshchat", "intuit", "partner-gw", "sso"]),
        "iat": now,
        "exp": now + 3600,
        "jti": _s(r, 16, _AL),
        "scope": "api",
    }
    return enc(h) + "." + enc(p) + "." + _s(r, 342, _B64U)


def _sfsess(r):
    return "00D" + _s(r, 12, _AL) + "!AQ" + _s(r, 1, string.digits) + "AQ" + _s(r, 92, _AL + "._")


def _intercom(r):
    return _b64("tok:" + _uuid(r).replace("-", "_") + ":1:0")


def _atl(r):
    return "ATATT3xFfGF0" + _s(r, 160, _B64U) + "=" + _s(r, 8, _HEXU)


def _sapsecret(r):
    return _uuid(r) + "$" + _s(r, 43, _B64U) + "="


def _azsecret(r):
    return _s(r, 3, _AL) + "8Q~" + _s(r, 34, _AL + "_.~-")


def _winscp(r):
    return "A35C" + _s(r, 2 * r.randint(30, 46), _HEXU)


def _b64up(r):
    return _b64(r.choice(_W) + str(r.randint(1, 99)) + ":" + _pw(r))


def _authplain(r):
    return _b64("\0" + r.choice(_W) + "@" + r.choice(_W) + ".example\0" + _pwu(r))


_SEC = {
    "pw": _pw,
    "pwu": _pwu,
    "pwurl": _pwurl,
    "pwjson": _pwjson,
    "pwxml": _pwxml,
    "pwcsv": _pwcsv,
    "pwb64": lambda r: _b64(_pw(r)),
    "b64up": _b64up,
    "authplain": _authplain,
    "phrase": _phrase,
    "phrases": _phrases,
    "upper8": _upper(8),
    "upper10": _upper(10),
    "pin4": _pin(4),
    "pin6": _pin(6),
    "pin8": _pin(8),
    "bcode": lambda r: _s(r, 5, _LOWAL) + "-" + _s(r, 5, _LOWAL),
    "tv": lambda r: _s(r, 8, _LOWAL),
    "genpw": lambda r: _s(r, r.randint(16, 20), _AL + "!#%&()*+,-.:;<=>?@{}[]".replace("*", "")),
    "fvkey": lambda r: "-".join(_s(r, 4, _UPAL) for _ in range(6)),
    "bitlocker": lambda r: "-".join("%06d" % (r.randrange(90909) * 11) for _ in range(8)),
    "hex32": lambda r: _s(r, 32, _HEX),
    "hex40": lambda r: _s(r, 40, _HEX),
    "hex64": lambda r: _s(r, 64, _HEX),
    "HEX12": lambda r: _s(r, 12, _HEXU),
    "HEX32": lambda r: _s(r, 32, _HEXU),
    "HEX64": lambda r: _s(r, 64, _HEXU),
    "al16": lambda r: _s(r, 16, _AL),
    "al24": lambda r: _s(r, 24, _AL),
    "al25": lambda r: _s(r, 25, _AL),
    "al32": lambda r: _s(r, 32, _AL),
    "al36": lambda r: _s(r, 36, _AL),
    "al40": lambda r: _s(r, 40, _AL),
    "al48": lambda r: _s(r, 48, _AL),
    "b64_44": lambda r: _b64(_rb(r, 32)),
    "b64_88": lambda r: _b64(_rb(r, 64)),
    "b64u22": lambda r: _s(r, 22, _B64U),
    "b64u40": lambda r: _s(r, 40, _B64U),
    "b64u43": lambda r: _s(r, 43, _B64U),
    "b64u86": lambda r: _s(r, 86, _B64U),
    "infaenc": lambda r: _b64(_rb(r, r.choice([24, 32, 48]))),
    "talendenc": lambda r: "enc:system.encryption.key.v1:" + _b64(_rb(r, 36)),
    "kettle": lambda r: "2be98afc86aa7" + _s(r, r.randint(14, 24), _HEX),
    "pemline": lambda r: _s(r, 64, _B64),
    "sshline": lambda r: _s(r, 70, _B64),
    "jwt": _jwt,
    "uuidsec": _uuid,
    # vendor formats
    "sftok": lambda r: _s(r, r.choice([24, 25]), _AL),
    "sfsess": _sfsess,
    "sfsecret": lambda r: _s(r, 64, _HEXU),
    "sfrefresh": lambda r: "5Aep861" + _s(r, 80, _AL + "._"),
    "hubspot": lambda r: "pat-" + r.choice(["na1", "eu1", "na2"]) + "-" + _uuid(r),
    "hsrefresh": lambda r: r.choice(["na1", "eu1"]) + "-" + _s(r, 4, _HEX) + "-" + _uuid(r)[9:],
    "zendesk": lambda r: _s(r, 40, _AL),
    "zdbasic": lambda r: _b64(
        r.choice(_W) + "@" + r.choice(_W) + ".example/token:" + _s(r, 40, _AL)
    ),
    "freshdesk": lambda r: _s(r, 20, _AL),
    "fdbasic": lambda r: _b64(_s(r, 20, _AL) + ":X"),
    "intercom": _intercom,
    "atl": _atl,
    "atlb64": lambda r: _b64(
        r.choice(_W) + "." + r.choice(_W) + "@" + r.choice(_W) + ".example:" + _atl(r)
    ),
    "bbapp": lambda r: "ATBB" + _s(r, 28, _AL) + _s(r, 8, _HEXU),
    "qborefresh": lambda r: "AB11" + _s(r, 13, string.digits) + _s(r, 33, _AL),
    "xerosecret": lambda r: _s(r, 48, _B64U),
    "shpat": lambda r: "shpat_" + _s(r, 32, _HEX),
    "shpss": lambda r: "shpss_" + _s(r, 32, _HEX),
    "shpca": lambda r: "shpca_" + _s(r, 32, _HEX),
    "shppa": lambda r: "shppa_" + _s(r, 32, _HEX),
    "sapsecret": _sapsecret,
    "azsecret": _azsecret,
    "tableaupat": lambda r: _b64(_rb(r, 16)) + ":" + _s(r, 32, _AL),
    "winscp": _winscp,
    "jamfsecret": lambda r: _s(r, 64, _B64U),
    "ws1key": lambda r: _b64(_rb(r, 32)),
    "sendgrid": lambda r: "SG." + _s(r, 22, _B64U) + "." + _s(r, 43, _B64U),
    "mailgunkey": lambda r: r.choice(
        ["key-" + _s(r, 32, _HEX), _s(r, 32, _HEX) + "-" + _s(r, 8, _HEX) + "-" + _s(r, 8, _HEX)]
    ),
    "zoompass": lambda r: r.choice([_s(r, r.randint(6, 10), _AL), _pin(8)(r)]),
    "zoompwd": lambda r: _s(r, 32, _AL) + "." + str(r.randint(1, 9)),
    "webexbot": lambda r: _s(r, 64, _AL) + "_PF84_" + _uuid(r),
    "square": lambda r: "EAAA" + _s(r, 60, _B64U),
    "whsec": lambda r: "whsec_" + _s(r, 32, _AL),
}


# ---------------------------------------------------------------- surrounding (non-secret) names
_PERSONA_KINDS = {
    "first",
    "last",
    "user",
    "userU",
    "email",
    "company",
    "slug",
    "slugU",
    "domain",
    "host",
    "host2",
    "ip",
    "sid",
}


def _persona(r: random.Random) -> dict[str, str]:
    first, last, company = r.choice(_FIRST), r.choice(_LAST), r.choice(_COMPANIES)
    slug = re.sub(r"[^a-z0-9]+", "-", _ascii(company).lower()).strip("-")
    slug = slug.split("-")[0] + "-" + slug.split("-")[-1][:4] if r.random() < 0.5 else slug
    domain = slug + r.choice(_TLDS)
    return {
        "first": first,
        "last": last,
        "company": company,
        "slug": slug,
        "slugU": slug.replace("-", "").upper()[:10],
        "user": _ascii(first + "." + last).lower(),
        "userU": _ascii(first[0] + last).upper()[:8],
        "email": _ascii(first + "." + last).lower() + "@" + domain,
        "domain": domain,
        "host": "%s-%02d.%s" % (r.choice(_HOSTP), r.randint(1, 40), domain),
        "host2": "%s-%02d.%s" % (r.choice(_HOSTP), r.randint(41, 80), domain),
        "ip": "10.%d.%d.%d" % (r.randint(0, 255), r.randint(0, 255), r.randint(2, 250)),
        "sid": r.choice(_SIDS),
    }


_PUB = {
    "num": lambda r: str(r.randint(12, 987)),
    "num9": lambda r: str(r.randint(100000000, 999999999)),
    "num11": lambda r: str(r.randint(10000000000, 99999999999)),
    "nsacct": lambda r: "%07d" % r.randint(1000000, 9999999),
    "acsid": lambda r: "AC" + _s(r, 32, _HEX),
    "uuid": _uuid,
    "hex8": lambda r: _s(r, 8, _HEX),
    "hex32": lambda r: _s(r, 32, _HEX),
    "hex64": lambda r: _s(r, 64, _HEX),
    "al20": lambda r: _s(r, 20, _AL),
    "al22": lambda r: _s(r, 22, _AL),
    "al48": lambda r: _s(r, 48, _AL),
    "upper18": lambda r: _s(r, 18, _UPAL),
    "sfkey": lambda r: "3MVG9" + _s(r, 80, _AL + "._"),
    "fp": lambda r: "SHA256:" + _s(r, 43, _B64),
    "date": lambda r: "2026-%02d-%02d" % (r.randint(1, 11), r.randint(1, 28)),
    "odette": lambda r: "O0013" + _s(r, 9, string.digits),
}

# ---------------------------------------------------------------- keep token generators
_KEEPGEN = {
    "uuid": _uuid,
    "trace": lambda r: _s(r, 32, _HEX),
    "hex32": lambda r: _s(r, 32, _HEX),
    "md5": lambda r: _s(r, 32, _HEX),
    "sha40": lambda r: _s(r, 40, _HEX),
    "sha256": lambda r: _s(r, 64, _HEX),
    "sfid": lambda r: (
        r.choice(["001", "003", "005", "006", "500", "0Q0", "a0X"])
        + r.choice(["5g0", "Dn0", "8d0"])
        + "0000"
        + _s(r, 5, _AL)
        + _s(r, 3, string.ascii_uppercase)
    ),
    "sforg": lambda r: "00D" + r.choice(["5g0", "Dn0"]) + "00000" + _s(r, 4, _UPAL),
    "batch": lambda r: "7505g00000" + _s(r, 8, _AL),
    "loginid": lambda r: "0Ya" + r.choice(["5g0", "Dn0"]) + "00" + _s(r, 10, _AL),
    "ver": lambda r: "%d.%d.%d" % (r.randint(2, 24), r.randint(0, 19), r.randint(10, 99)),
    "ts": lambda r: (
        "2026-%02d-%02dT%02d:%02d:%02dZ"
        % (r.randint(1, 11), r.randint(1, 28), r.randint(0, 23), r.randint(0, 59), r.randint(0, 59))
    ),
    "date": lambda r: "2027-%02d-%02d" % (r.randint(1, 12), r.randint(1, 28)),
    "fp": lambda r: "SHA256:" + _s(r, 43, _B64),
    "kid": lambda r: _s(r, 16, _HEX),
    "pgpfp": lambda r: _s(r, 40, _HEXU),
    "thumb": lambda r: _s(r, 40, _HEXU),
    "pgpkeyid": lambda r: _s(r, 16, _HEXU),
    "inc": lambda r: "INC%07d" % r.randint(1000000, 9999999),
    "chg": lambda r: "CHG%07d" % r.randint(1000000, 9999999),
    "jira": lambda r: (
        r.choice(["OPS", "ITSM", "EDI", "CRM", "FIN", "SECOPS"]) + "-" + str(r.randint(1000, 99999))
    ),
    "ticket": lambda r: "CS-%06d" % r.randint(100000, 999999),
    "num6": lambda r: str(r.randint(100000, 999999)),
    "num7": lambda r: str(r.randint(1000000, 9999999)),
    "num8": lambda r: str(r.randint(10000000, 99999999)),
    "num9": lambda r: str(r.randint(100000000, 999999999)),
    "num13": lambda r: str(r.randint(10**12, 10**13 - 1)),
    "portal": lambda r: str(r.randint(20000000, 49999999)),
    "nsacct": lambda r: "%07d_SB%d" % (r.randint(1000000, 9999999), r.randint(1, 3)),
    "acsid": lambda r: "AC" + _s(r, 32, _HEX),
    "smsid": lambda r: "SM" + _s(r, 32, _HEX),
    "mgsid": lambda r: "MG" + _s(r, 32, _HEX),
    "rqsid": lambda r: "RQ" + _s(r, 32, _HEX),
    "isactrl": lambda r: "%09d" % r.randint(1000, 999999),
    "job": lambda r: (
        "JOB-2026%02d%02d-%05d" % (r.randint(1, 11), r.randint(1, 28), r.randint(1, 99999))
    ),
    "serial": lambda r: ":".join(_s(r, 2, _HEXU) for _ in range(16)),
    "mic": lambda r: _b64(_rb(r, 32)),
    "sshpub": lambda r: "AAAAC3NzaC1lZDI1NTE5AAAAI" + _s(r, 43, _B64),
    "odette": lambda r: "O0013" + _s(r, 9, string.digits) + r.choice(["ACME", "PART", "SUPL"]),
    "blid": lambda r: "{" + _uuid(r).upper() + "}",
    "tid": lambda r: "TID%08d" % r.randint(10000000, 99999999),
    "engineid": lambda r: "80001F8880" + _s(r, 22, _HEX),
    "hex8U": lambda r: _s(r, 8, _HEXU),
    "b64n": lambda r: _b64(_rb(r, 18)),
    "zoomid": lambda r: (
        "%03d %04d %04d" % (r.randint(810, 989), r.randint(1000, 9999), r.randint(1000, 9999))
    ),
    "webexid": lambda r: _b64("ciscospark://us/PEOPLE/" + _uuid(r)).rstrip("="),
    "sgkid": lambda r: _s(r, 22, _B64U),
    "qid": lambda r: "4" + _s(r, 11, _AL),
    "vaultid": lambda r: _s(r, 26, string.ascii_lowercase + string.digits),
    "rsapub": lambda r: _b64(b"\x00" + _rb(r, 255)),
    "kb": lambda r: "KB%07d" % r.randint(1000000, 9999999),
    "al22": lambda r: _s(r, 22, _AL),
    "camserial": lambda r: (
        "DS-2CD2143G2-I"
        + "2026%02d%02d" % (r.randint(1, 11), r.randint(1, 28))
        + "AAWR"
        + _s(r, 9, string.digits)
    ),
}

_PAT = re.compile(r"«(\w+)(?::(\w+))?»|‹(\w+)(?::(\w+))?›|⟦(=[^⟧]*|\w+)(?::(\w+))?⟧")


def _render(
    r: random.Random, text: str
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    cache: dict[tuple[str, str, str], str] = {}
    personas: dict[str, dict[str, str]] = {}
    secrets: list[str] = []
    keeps: list[str] = []

    def sub(m: re.Match[str]) -> str:
        if m.group(1):
            key = ("s", m.group(1), m.group(2) or "1")
            if key not in cache:
                cache[key] = _SEC[m.group(1)](r)
            v = cache[key]
            if v not in secrets:
                secrets.append(v)
            return v
        if m.group(3):
            kind, idx = m.group(3), m.group(4) or "1"
            if kind in _PERSONA_KINDS:
                if idx not in personas:
                    personas[idx] = _persona(r)
                return personas[idx][kind]
            key = ("n", kind, idx)
            if key not in cache:
                cache[key] = (_PUB.get(kind) or _KEEPGEN[kind])(r)
            return cache[key]
        tok, idx = m.group(5), m.group(6) or "1"
        if tok.startswith("="):
            v = tok[1:]
        else:
            key = ("k", tok, idx)
            if key not in cache:
                cache[key] = _KEEPGEN[tok](r)
            v = cache[key]
        if v not in keeps:
            keeps.append(v)
        return v

    out = _PAT.sub(sub, text.strip("\n"))
    return tuple(out.split("\n")), tuple(secrets), tuple(keeps)


# ================================================================ case templates
_FAMILIES: list[tuple[str, list[tuple[str, str]]]] = [
    (
        "salesforce",
        [
            (
                "sf org display --verbose",
                r"""
$ sf org display --target-org ‹slug›-prod --verbose
Access Token     «sfsess»
Api Version      62.0
Instance Url     https://‹slug›.my.salesforce.com
Username         ‹email›
""",
            ),
            (
                "sfdx auth url file",
                r"""
$ cat ./auth/‹slug›-prod.sfdxurl
force://PlatformCLI::«sfrefresh»@‹slug›.my.salesforce.com
""",
            ),
            (
                "Data Loader config.properties (encrypted password)",
                r"""
sfdc.endpoint=https://login.salesforce.com
sfdc.username=‹email›
sfdc.password=«hex64»
process.encryptionKeyFile=/opt/dataloader/conf/dataloader.key
""",
            ),
            (
                "support e-mail with password and security token",
                r"""
Hi ‹first›, the integration user for the ERP sync is ‹email›.
Password: «pw» and the security token is «sftok» (reset this morning, it was mailed to the shared inbox).
""",
            ),
            (
                "connected app JSON",
                r"""
{"consumerKey": "‹sfkey›",
 "consumerSecret": "«sfsecret»",
 "callbackUrl": "https://‹host›/oauth/callback"}
""",
            ),
            (
                "JWT bearer flow key file",
                r"""
$ sf org login jwt --client-id ‹sfkey› --jwt-key-file server.key --username ‹email›
$ cat server.key
-----BEGIN RSA PRIVATE KEY-----
«pemline:1»
«pemline:2»
""",
            ),
            (
                "curl OAuth username-password flow",
                r"""
curl https://login.salesforce.com/services/oauth2/token -d grant_type=password -d client_id=‹sfkey› -d client_secret=«sfsecret» -d username=‹email› -d password=«pwu»«sftok»
""",
            ),
            (
                "OAuth token response",
                r"""
{"access_token":"«sfsess»","refresh_token":"«sfrefresh»","instance_url":"https://‹slug›.my.salesforce.com","token_type":"Bearer","issued_at":"1764412345123"}
""",
            ),
            (
                "Apex debug log header dump",
                r"""
09:41:12.204 (204773112)|USER_DEBUG|[58]|DEBUG|req headers={Authorization=Bearer «sfsess», Content-Type=application/json}
""",
            ),
            (
                "Named credential metadata XML",
                r"""
<NamedCredential xmlns="http://soap.sforce.com/2006/04/metadata">
    <endpoint>https://‹host›/api</endpoint>
    <password>«pwxml»</password>
    <principalType>NamedUser</principalType>
    <username>‹user›</username>
</NamedCredential>
""",
            ),
            (
                "SOAP login envelope",
                r"""
<urn:login>
  <urn:username>‹email›</urn:username>
  <urn:password>«pw»«sftok»</urn:password>
</urn:login>
""",
            ),
            (
                "MuleSoft connector YAML",
                r"""
salesforce:
  username: "‹email›"
  password: "«pw»"
  securityToken: "«sftok»"
  url: "https://login.salesforce.com/services/Soap/u/62.0"
""",
            ),
        ],
    ),
    (
        "hubspot",
        [
            (
                "curl with private app token",
                r"""
curl -s -H "Authorization: Bearer «hubspot»" "https://api.hubapi.com/crm/v3/objects/contacts?limit=10"
""",
            ),
            (
                ".env file",
                r"""
HUBSPOT_PORTAL_ID=‹nsacct›
HUBSPOT_ACCESS_TOKEN=«hubspot»
""",
            ),
            (
                "node client init",
                r"""
const hubspotClient = new hubspot.Client({ accessToken: "«hubspot»" });
""",
            ),
            (
                "legacy hapikey URL",
                r"""
GET https://api.hubapi.com/contacts/v1/lists/all/contacts/all?hapikey=«uuidsec»&count=100 -> 401 (API keys sunset)
""",
            ),
            (
                "OAuth refresh POST body",
                r"""
POST /oauth/v1/token
grant_type=refresh_token&client_id=‹uuid›&client_secret=«uuidsec»&refresh_token=«hsrefresh»
""",
            ),
            (
                "app settings note",
                r"""
HubSpot public app "‹company› Sync" - Client ID ‹uuid› / Client secret «uuidsec» (used for X-HubSpot-Signature-v3)
""",
            ),
            (
                "Make/Zapier connection export YAML",
                r"""
connections:
  - app: hubspot
    auth_type: private_app
    token: «hubspot»
""",
            ),
            (
                "sync service log",
                r"""
2026-11-29T08:14:02Z ERROR hubspot-sync: 401 from /crm/v3/objects/deals token=«hubspot» portal=‹nsacct›
""",
            ),
            (
                "python client",
                r"""
api_client = HubSpot(access_token='«hubspot»')
""",
            ),
            (
                "terraform tfvars",
                r"""
hubspot_private_app_token = "«hubspot»"
""",
            ),
            (
                "support prose",
                r"""
Hi ‹first›, I created the private app 'Ops Sync' in portal ‹nsacct›; the token is «hubspot» - please put it in the vault and delete this mail.
""",
            ),
        ],
    ),
    (
        "zendesk",
        [
            (
                "curl with email/token",
                r"""
curl https://‹slug›.zendesk.com/api/v2/tickets.json -u ‹email›/token:«zendesk»
""",
            ),
            (
                "HTTP Basic header",
                r"""
GET /api/v2/users/me.json HTTP/1.1
Host: ‹slug›.zendesk.com
Authorization: Basic «zdbasic»
""",
            ),
            (
                "app settings JSON",
                r"""
{"subdomain": "‹slug›", "email": "‹email›", "api_token": "«zendesk»"}
""",
            ),
            (
                "OAuth bearer in log",
                r"""
[zd-export] using OAuth token Bearer «hex64» for ‹slug›.zendesk.com
""",
            ),
            (
                "Sunshine Conversations keys",
                r"""
SUNCO_KEY_ID=app_‹hex32›
SUNCO_SECRET=«b64u86»
""",
            ),
            (
                "SSO shared secret",
                r"""
ZENDESK_JWT_SHARED_SECRET=«al48»
""",
            ),
            (
                "zenpy creds dict",
                r"""
creds = {'email': '‹email›', 'token': '«zendesk»', 'subdomain': '‹slug›'}
""",
            ),
            (
                "exporter log",
                r"""
zendesk-exporter[2211]: GET /api/v2/incremental/tickets/cursor.json failed 401 (api_token=«zendesk», user=‹email›)
""",
            ),
            (
                "internal note prose",
                r"""
Internal note by ‹first›: until SSO is fixed use the Zendesk admin login ‹email› with password «pw»
""",
            ),
            (
                "integration CSV",
                r"""
name,subdomain,email,api_token
Zendesk Prod,‹slug›,‹email›,«zendesk»
""",
            ),
            (
                "webhook basic-auth JSON",
                r"""
{"webhook":{"name":"ERP bridge","endpoint":"https://‹host›/zd","authentication":{"type":"basic_auth","data":{"username":"‹user›","password":"«pwjson»"}}}}
""",
            ),
        ],
    ),
    (
        "freshdesk_intercom",
        [
            (
                "freshdesk curl",
                r"""
curl -u «freshdesk»:X -H "Content-Type: application/json" https://‹slug›.freshdesk.com/api/v2/tickets
""",
            ),
            (
                "freshdesk Basic header",
                r"""
Authorization: Basic «fdbasic»
""",
            ),
            (
                "freshservice env",
                r"""
FRESHSERVICE_DOMAIN=‹slug›.freshservice.com
FRESHSERVICE_API_KEY=«freshdesk»
""",
            ),
            (
                "intercom curl",
                r"""
curl https://api.intercom.io/contacts -H 'Authorization: Bearer «intercom»' -H 'Intercom-Version: 2.11'
""",
            ),
            (
                "intercom node client",
                r"""
const client = new Client({ tokenAuth: { token: '«intercom»' } });
""",
            ),
            (
                "identity verification secret",
                r"""
INTERCOM_IDENTITY_VERIFICATION_SECRET=«al40»
""",
            ),
            (
                "automation webhook log",
                r"""
[freshdesk-automation] rule 'Escalate P1' -> POST https://‹host›/hooks/fd?api_key=«al32» returned 502
""",
            ),
            (
                "freshdesk YAML",
                r"""
freshdesk:
  domain: ‹slug›.freshdesk.com
  api_key: «freshdesk»
""",
            ),
            (
                "intercom OAuth app",
                r"""
intercom_client_id: ‹uuid›
intercom_client_secret: «uuidsec»
""",
            ),
            (
                "admin login prose",
                r"""
Freshdesk admin login for the ‹company› helpdesk: ‹email› / «pw»
""",
            ),
            (
                "freshchat token env",
                r"""
FRESHCHAT_API_TOKEN=«jwt»
""",
            ),
        ],
    ),
    (
        "servicenow",
        [
            (
                "MID server config.xml (clear)",
                r"""
<parameter name="url" value="https://‹slug›.service-now.com/"/>
<parameter name="mid.instance.username" value="svc_mid"/>
<parameter name="mid.instance.password" value="«pwxml»"/>
""",
            ),
            (
                "MID server config.xml (encrypted)",
                r"""
<parameter name="mid.instance.password" secure="true" value="encrypted:«b64_44»"/>
""",
            ),
            (
                "REST table API curl",
                r"""
curl "https://‹slug›.service-now.com/api/now/table/incident?sysparm_limit=1" --user '‹user›':'«pw»' -H "Accept: application/json"
""",
            ),
            (
                "OAuth password grant",
                r"""
grant_type=password&client_id=‹hex32›&client_secret=«al32»&username=‹user›&password=«pwurl»
""",
            ),
            (
                "OAuth token response",
                r"""
{"access_token":"«b64u86»","refresh_token":"«b64u86:2»","scope":"useraccount","token_type":"Bearer","expires_in":1799}
""",
            ),
            (
                "credential record prose",
                r"""
Credential record 'SAP-RFC-Prod' (basic auth): user ‹user›, password «pw» - updated by ‹first› after the outage.
""",
            ),
            (
                "pysnow client",
                r"""
c = pysnow.Client(instance='‹slug›', user='‹user›', password='«pw»')
""",
            ),
            (
                "ansible vars",
                r"""
servicenow_instance: ‹slug›
servicenow_username: ‹user›
servicenow_password: "«pw»"
""",
            ),
            (
                "ECC queue probe XML",
                r"""
<parameters><parameter name="host" value="‹ip›"/><parameter name="user" value="‹user›"/><parameter name="password" value="«pwxml»"/></parameters>
""",
            ),
            (
                "discovery credentials CSV",
                r"""
name,type,user_name,password,order
Windows-Svc,windows,‹user›,«pw»,100
""",
            ),
            (
                "email account prose",
                r"""
System Mailboxes > Email Accounts > SMTP ‹host›: user ‹email›, password «pw» (do not change without CAB)
""",
            ),
        ],
    ),
    (
        "atlassian_cloud",
        [
            (
                "curl with API token",
                r"""
curl -u ‹email›:«atl» -H "Accept: application/json" https://‹slug›.atlassian.net/rest/api/3/myself
""",
            ),
            (
                "Basic header",
                r"""
Authorization: Basic «atlb64»
""",
            ),
            (
                ".netrc",
                r"""
machine ‹slug›.atlassian.net login ‹email› password «atl»
""",
            ),
            (
                "jira-cli env",
                r"""
export JIRA_API_TOKEN=«atl»
""",
            ),
            (
                "confluence python",
                r"""
confluence = Confluence(url='https://‹slug›.atlassian.net/wiki', username='‹email›', password='«atl»', cloud=True)
""",
            ),
            (
                "bitbucket app password clone",
                r"""
git clone https://‹user›:«bbapp»@bitbucket.org/‹slug›/edi-mappings.git
""",
            ),
            (
                "opsgenie header",
                r"""
curl -X POST https://api.opsgenie.com/v2/alerts -H "Authorization: GenieKey «uuidsec»" -d @alert.json
""",
            ),
            (
                "connect app installed payload",
                r"""
{"key":"com.‹slug›.jira-sync","clientKey":"‹uuid›","sharedSecret":"«b64u43»","baseUrl":"https://‹slug›.atlassian.net"}
""",
            ),
            (
                "automation webhook header",
                r"""
X-Automation-Webhook-Token: «hex40»
""",
            ),
            (
                "statuspage curl",
                r"""
curl -H "Authorization: OAuth «uuidsec»" https://api.statuspage.io/v1/pages/‹hex8›/incidents
""",
            ),
            (
                "admin prose",
                r"""
Jira Cloud admin: the service account token for the Zendesk connector (created by ‹first›) is «atl» - expires 2027-01-31.
""",
            ),
        ],
    ),
    (
        "workday",
        [
            (
                "Studio properties",
                r"""
wd.tenant=‹slug›_prod
wd.isu.username=ISU_Payroll_Out@‹slug›
wd.isu.password=«pw»
""",
            ),
            (
                "WS-Security header",
                r"""
<wsse:UsernameToken>
  <wsse:Username>ISU_Benefits@‹slug›</wsse:Username>
  <wsse:Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText">«pwxml»</wsse:Password>
</wsse:UsernameToken>
""",
            ),
            (
                "REST OAuth refresh",
                r"""
curl -X POST https://wd2-impl-services1.workday.com/ccx/oauth2/‹slug›/token -u ‹al48›:«b64_44» -d "grant_type=refresh_token&refresh_token=«b64u86»"
""",
            ),
            (
                "ISU prose",
                r"""
ISU for the benefits feed: ISU_Benefits_Out / «pw» - password never expires per security exception.
""",
            ),
            (
                "Boomi process property",
                r"""
<ProcessProperty name="WorkdayPassword" value="«pwxml»"/>
""",
            ),
            (
                "python session auth",
                r"""
session.auth = ('ISU_Okta@‹slug›', '«pw»')
""",
            ),
            (
                "Prism YAML",
                r"""
prism:
  tenant: ‹slug›
  client_id: ‹al48›
  client_secret: «b64_44»
  refresh_token: «b64u86»
""",
            ),
            (
                "EIB SFTP delivery",
                r"""
EIB delivery endpoint: sftp://‹user›@‹host›:22/inbound  password: «pw»
""",
            ),
            (
                "ISU spreadsheet CSV",
                r"""
ISU_Name,Tenant,Password,Owner
ISU_ADP_Out,‹slug›_prod,«pw»,‹first› ‹last›
""",
            ),
            (
                "connector log",
                r"""
2026-12-01 07:02:11 WARN  wd-connector  Authentication failed for ISU_Okta@‹slug› (password=«pw»)
""",
            ),
            (
                "escaped PEM env",
                r"""
WORKDAY_X509_PRIVATE_KEY="-----BEGIN PRIVATE KEY-----\n«pemline»\n«pemline:2»\n-----END PRIVATE KEY-----"
""",
            ),
        ],
    ),
    (
        "netsuite",
        [
            (
                "TBA env",
                r"""
NS_ACCOUNT=‹nsacct›
NS_CONSUMER_KEY=‹hex64›
NS_CONSUMER_SECRET=«hex64»
NS_TOKEN_ID=‹hex64:2›
NS_TOKEN_SECRET=«hex64:2»
""",
            ),
            (
                "suitecloud savetoken",
                r"""
suitecloud account:savetoken --account ‹nsacct› --authid prod --tokenid ‹hex64› --tokensecret «hex64»
""",
            ),
            (
                "requests_oauthlib",
                r"""
auth = OAuth1(client_key='‹hex64›', client_secret='«hex64»', resource_owner_key='‹hex64:2›', resource_owner_secret='«hex64:2»', realm='‹nsacct›', signature_method='HMAC-SHA256')
""",
            ),
            (
                "iPaaS connection JSON",
                r"""
{"type":"netsuite","tokenBased":{"account":"‹nsacct›","consumerSecret":"«hex64»","tokenSecret":"«hex64:2»"}}
""",
            ),
            (
                "admin prose with backup code",
                r"""
NetSuite admin ‹email› password «pw», 2FA backup code «bcode» (one left)
""",
            ),
            (
                "SuiteAnalytics ODBC",
                r"""
DSN=NetSuite;Host=‹nsacct›.connect.api.netsuite.com;Port=1708;ServerDataSource=NetSuite2.com;UID=‹email›;PWD=«pw»;CustomProperties=AccountID=‹nsacct›;RoleID=3
""",
            ),
            (
                "sync log",
                r"""
[ns-sync] 2026-11-30 INVALID_LOGIN_ATTEMPT account=‹nsacct› token_secret=«hex64»
""",
            ),
            (
                "Postman environment export",
                r"""
{"key":"TOKEN_SECRET","value":"«hex64»","type":"secret","enabled":true},
""",
            ),
            (
                "SuiteScript source",
                r"""
var CLIENT_SECRET = '«hex64»'; // TODO move to API secret
""",
            ),
            (
                "M2M private key",
                r"""
-----BEGIN EC PRIVATE KEY-----
«pemline:1»
«pemline:2»
-----END EC PRIVATE KEY-----
""",
            ),
            (
                "handover note",
                r"""
NetSuite TBA for the Shopify connector: consumer secret «hex64», token secret «hex64:2» (role: Integration Admin)
""",
            ),
        ],
    ),
    (
        "quickbooks_xero",
        [
            (
                "QBO token JSON",
                r"""
{"token_type":"bearer","access_token":"«jwt»","refresh_token":"«qborefresh»","x_refresh_token_expires_in":8726400,"expires_in":3600}
""",
            ),
            (
                "intuit .env",
                r"""
INTUIT_CLIENT_ID=AB‹al48›
INTUIT_CLIENT_SECRET=«al40»
""",
            ),
            (
                "intuitlib client",
                r"""
auth_client = AuthClient(client_id='AB‹al48›', client_secret='«al40»', environment='production', redirect_uri='https://‹host›/callback')
""",
            ),
            (
                "QBWC authenticate SOAP",
                r"""
<authenticate xmlns="http://developer.intuit.com/"><strUserName>qbwc_‹slug›</strUserName><strPassword>«pwxml»</strPassword></authenticate>
""",
            ),
            (
                "xero env",
                r"""
XERO_CLIENT_ID=‹hex32›
XERO_CLIENT_SECRET=«xerosecret»
""",
            ),
            (
                "xero token refresh curl",
                r"""
curl -X POST https://identity.xero.com/connect/token -H "authorization: Basic «b64up»" -d grant_type=refresh_token -d refresh_token=«hex64»
""",
            ),
            (
                "xero custom connection python",
                r"""
xero_client_secret = "«xerosecret»"
""",
            ),
            (
                "xero sync log",
                r"""
xero-sync ERROR invalid_grant refresh_token=«hex64» tenant=‹uuid›
""",
            ),
            (
                "accountant e-mail",
                r"""
QuickBooks Online login for ‹company›: ‹email› / «pw» - the one-time code goes to my phone, call me.
""",
            ),
            (
                "xero webhook key",
                r"""
xero_webhook_key: «b64_88»
""",
            ),
            (
                "QBO YAML",
                r"""
quickbooks:
  realm_id: ‹num9›
  refresh_token: «qborefresh»
""",
            ),
        ],
    ),
    (
        "shopify",
        [
            (
                "admin API curl",
                r"""
curl -H "X-Shopify-Access-Token: «shpat»" "https://‹slug›.myshopify.com/admin/api/2025-10/orders.json?status=any"
""",
            ),
            (
                "app .env",
                r"""
SHOPIFY_API_KEY=‹hex32›
SHOPIFY_API_SECRET=«shpss»
""",
            ),
            (
                "legacy private app URL",
                r"""
https://‹hex32›:«shppa»@‹slug›.myshopify.com/admin/api/2025-10/shop.json
""",
            ),
            (
                "python session setup",
                r"""
shopify.Session.setup(api_key='‹hex32›', secret='«shpss»')
""",
            ),
            (
                "webhook secret constant",
                r"""
SHOPIFY_WEBHOOK_SECRET = "«hex64»"
""",
            ),
            (
                "custom app prose",
                r"""
Admin API access token for the ‹company› custom app: «shpca» (shown once, copy it now)
""",
            ),
            (
                "Flow HTTP action header",
                r"""
Shopify Flow > Send HTTP request > Headers: Authorization: Bearer «shpat»
""",
            ),
            (
                "importer log",
                r"""
[shopify-importer] 401 Unauthorized token=«shpat» shop=‹slug›.myshopify.com
""",
            ),
            (
                "staff and POS PIN prose",
                r"""
Staff login for the ‹company› store: ‹email› / «pw»; POS PIN for ‹first› is «pin4»
""",
            ),
            (
                "connector YAML",
                r"""
shopify:
  shop: ‹slug›
  access_token: «shpat»
  api_version: "2025-10"
""",
            ),
            (
                "storefront password",
                r"""
Online Store > Preferences > Password protection: storefront password (pre-launch) is «pwu»
""",
            ),
        ],
    ),
    (
        "sap_btp",
        [
            (
                "XSUAA service key JSON",
                r"""
"clientid": "sb-‹slug›-app!t12345",
"clientsecret": "«sapsecret»",
"url": "https://‹slug›.authentication.eu10.hana.ondemand.com",
""",
            ),
            (
                "cf env VCAP_SERVICES",
                r"""
VCAP_SERVICES: {"xsuaa":[{"credentials":{"clientid":"sb-‹slug›!t7731","clientsecret":"«sapsecret»","xsappname":"‹slug›!t7731"}}]}
""",
            ),
            (
                "Cloud Connector prose",
                r"""
SCC on ‹host›: Administrator / «pw» (changed from default right after install)
""",
            ),
            (
                "destination JSON",
                r"""
{"Name":"S4H_ODATA","Type":"HTTP","URL":"http://s4h-virtual:44300","Authentication":"BasicAuthentication","ProxyType":"OnPremise","User":"‹userU›","Password":"«pwjson»"}
""",
            ),
            (
                "JCo properties",
                r"""
jco.client.ashost=‹host›
jco.client.user=RFC_‹slugU›
jco.client.passwd=«pw»
jco.client.client=100
""",
            ),
            (
                "hdbuserstore",
                r"""
hdbuserstore SET ‹slugU›KEY ‹host›:30015 SYSTEM «pw»
""",
            ),
            (
                "sapcontrol",
                r"""
sapcontrol -nr 00 -host ‹host› -user ‹sid›adm «pw» -function GetProcessList
""",
            ),
            (
                "btp CLI",
                r"""
btp login --url https://cli.btp.cloud.sap --subdomain ‹slug› --user ‹email› --password '«pw»'
""",
            ),
            (
                "HANA Cloud JDBC URL",
                r"""
jdbc:sap://‹uuid›.hana.prod-eu10.hanacloud.ondemand.com:443/?encrypt=true&user=DBADMIN&password=«pwurl»
""",
            ),
            (
                "SM59 prose",
                r"""
RFC destination Z_WMS logon data: user ‹userU›, password «pw», client 200 (from ‹first›)
""",
            ),
            (
                "Integration Suite security material",
                r"""
Security Material 'SFTP_PARTNER' (User Credentials): User=‹user› Password=«pw»
Security Material 'S4_OAUTH' (OAuth2 Client Credentials): Client Secret=«sapsecret»
""",
            ),
        ],
    ),
    (
        "oracle_ebs",
        [
            (
                "FNDCPASS",
                r"""
FNDCPASS apps/«upper8» 0 Y system/«upper8:2» SYSTEM APPLSYS «upper8:3»
""",
            ),
            (
                "AFPASSWD prompt notes",
                r"""
$ AFPASSWD -c APPS@‹sid› -s APPLSYS
Enter the ORACLE password of Application Object Library 'APPSUSER': «upper8»
""",
            ),
            (
                "adautocfg",
                r"""
$ADMIN_SCRIPTS_HOME/adautocfg.sh appspass=«upper8»
""",
            ),
            (
                "boot.properties",
                r"""
username=weblogic
password=«pw»
""",
            ),
            (
                "sqlplus",
                r"""
sqlplus apps/«upper8»@‹sid›
""",
            ),
            (
                "dbc file",
                r"""
APPS_JDBC_URL=jdbc\:oracle\:thin\:@(DESCRIPTION=(ADDRESS=(PROTOCOL=tcp)(HOST=‹host›)(PORT=1521))(CONNECT_DATA=(SERVICE_NAME=‹sid›)))
GUEST_USER_PWD=GUEST/«upper8»
""",
            ),
            (
                "mkstore / orapki",
                r"""
mkstore -wrl /u01/app/wallet -createCredential ‹sid› apps «upper8»
orapki wallet create -wallet /u01/app/wallet -pwd «pw» -auto_login
""",
            ),
            (
                "concurrent request log",
                r"""
Arguments
------------
P_FTP_HOST='‹host›' P_FTP_USER='‹user›' P_FTP_PASSWORD='«pw»'
""",
            ),
            (
                "OIC adapter properties",
                r"""
ebs.connection.username=‹user›
ebs.connection.password=«pw»
""",
            ),
            (
                "ansible YAML",
                r"""
ebs_isg_cred:
  apps_password: «upper8»
  weblogic_password: "«pw»"
""",
            ),
            (
                "clone prose",
                r"""
During the clone of ‹sid› we reset SYSADMIN to «pw» - please change it after UAT.
""",
            ),
        ],
    ),
    (
        "bi_datasource",
        [
            (
                "tabcmd PAT login",
                r"""
tabcmd login -s https://‹host› --token-name ci-refresh --token-value «tableaupat»
""",
            ),
            (
                "TSC python",
                r"""
auth = TSC.PersonalAccessTokenAuth('ops-bot', '«tableaupat»', site_id='‹slug›')
""",
            ),
            (
                "Tableau .tds connection",
                r"""
<connection class='postgres' dbname='analytics' password='«pwxml»' port='5432' server='‹host›' username='tableau_ro' />
""",
            ),
            (
                "Power BI PowerShell SP login",
                r"""
Connect-PowerBIServiceAccount -ServicePrincipal -Credential (New-Object PSCredential('‹uuid›', (ConvertTo-SecureString '«azsecret»' -AsPlainText -Force))) -Tenant ‹uuid:2›
""",
            ),
            (
                "Power BI gateway credentials",
                r"""
"credentialDetails":{"credentialType":"Basic","credentials":"{\"credentialData\":[{\"name\":\"username\",\"value\":\"svc_pbi\"},{\"name\":\"password\",\"value\":\"«pw»\"}]}","encryptedConnection":"Encrypted"}
""",
            ),
            (
                "looker.ini",
                r"""
[Looker]
base_url=https://‹host›:19999
client_id=‹al20›
client_secret=«al24»
verify_ssl=True
""",
            ),
            (
                "Looker connection JSON",
                r"""
{"name":"snowflake_prod","host":"‹slug›.snowflakecomputing.com","username":"LOOKER","password":"«pw»","database":"ANALYTICS"}
""",
            ),
            (
                "Metabase env",
                r"""
MB_DB_TYPE=postgres
MB_DB_PASS=«pw»
MB_ENCRYPTION_SECRET_KEY=«b64_44»
""",
            ),
            (
                "Metabase embedding",
                r"""
METABASE_SECRET_KEY = "«hex64»"
""",
            ),
            (
                "tsm login",
                r"""
tsm login -u ‹user› -p '«pw»' && tsm status -v
""",
            ),
            (
                "Looker SDK env",
                r"""
LOOKERSDK_BASE_URL=https://‹host›
LOOKERSDK_CLIENT_SECRET=«al24»
""",
            ),
        ],
    ),
    (
        "etl_packages",
        [
            (
                "SSIS dtsConfig",
                r"""
<Configuration ConfiguredType="Property" Path="\Package.Connections[ERP].Properties[ConnectionString]" ValueType="String">
<ConfiguredValue>Data Source=‹host›;User ID=etl_load;Password=«pw»;Initial Catalog=ERP;Provider=SQLNCLI11.1;</ConfiguredValue>
</Configuration>
""",
            ),
            (
                "dtexec command",
                r"""
dtexec /F "D:\SSIS\LoadOrders.dtsx" /De «pw» /SET "\Package.Variables[User::SftpPassword].Properties[Value]";«pwu»
""",
            ),
            (
                "Talend encrypted context",
                r"""
ftp_host=‹host›
ftp_password=«talendenc»
""",
            ),
            (
                "Talend prod.properties",
                r"""
db_user=etl_talend
db_password=«pw»
""",
            ),
            (
                "pmpasswd output",
                r"""
$ pmpasswd «pw»
Encrypted string -->«infaenc»<--
""",
            ),
            (
                "infacmd",
                r"""
infacmd.sh isp ListServices -dn Domain_‹slugU› -un Administrator -pd '«pw»'
""",
            ),
            (
                "pmcmd",
                r"""
pmcmd startworkflow -sv IS_PROD -d Domain_‹slugU› -u ‹user› -p «pw» -f FIN wf_load_gl
""",
            ),
            (
                "Informatica parameter file",
                r"""
[Global]
$$SFTP_USER=‹user›
$$SFTP_PWD=«pw»
""",
            ),
            (
                "SSIS catalog T-SQL",
                r"""
EXEC catalog.create_environment_variable @folder_name=N'FIN', @environment_name=N'Prod', @variable_name=N'ApiKey', @data_type=N'String', @sensitive=1, @value=N'«al32»';
""",
            ),
            (
                "tRESTClient log",
                r"""
[INFO ] 06:00:04 tRESTClient_1 - Header Authorization: Basic «b64up»
""",
            ),
            (
                "kettle.properties",
                r"""
PDI_DB_PASSWORD=Encrypted «kettle»
""",
            ),
        ],
    ),
    (
        "sftp_partner",
        [
            (
                "sshpass",
                r"""
sshpass -p '«pw»' sftp -oBatchMode=no -P 2222 ‹user›@‹host›
""",
            ),
            (
                "partner YAML",
                r"""
partners:
  - name: ‹company›
    host: ‹host›
    protocol: sftp
    username: ‹user›
    password: «pw»
""",
            ),
            (
                "OpenSSH private key",
                r"""
-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW
«sshline:1»
«sshline:2»
""",
            ),
            (
                "ssh-keygen passphrase change",
                r"""
ssh-keygen -p -f /etc/partners/‹slug›/id_ed25519 -P '«phrase»' -N '«phrase:2»'
""",
            ),
            (
                "curl ftps upload",
                r"""
curl --ssl-reqd --user ‹user›:«pwu» ftp://‹host›:21/outbound/ -T invoices_20261201.zip
""",
            ),
            (
                "paramiko",
                r"""
transport.connect(username='‹user›', password='«pw»')
""",
            ),
            (
                "Java properties",
                r"""
partner.sftp.password=«pw»
partner.sftp.privateKeyPassphrase=«phrase»
""",
            ),
            (
                "onboarding form table",
                r"""
| Protocol | SFTP |
| Host     | ‹host› |
| User     | ‹user› |
| Password | «pw» |
""",
            ),
            (
                "custom logger",
                r"""
DEBUG partner_push: connecting ‹host›:22 user=‹user› pw=«pw»
""",
            ),
            (
                "expect script",
                r"""
expect "password:"
send "«pw»\r"
""",
            ),
            (
                "psftp batch",
                r"""
psftp -pw «pw» -b cmds.txt ‹user›@‹host›
""",
            ),
        ],
    ),
    (
        "filezilla_winscp",
        [
            (
                "FileZilla sitemanager.xml",
                r"""
<Server>
  <Host>‹host›</Host>
  <Port>21</Port>
  <Protocol>4</Protocol>
  <User>‹user›</User>
  <Pass encoding="base64">«pwb64»</Pass>
""",
            ),
            (
                "FileZilla recentservers.xml",
                r"""
<RecentServers><Server><Host>‹host›</Host><Port>22</Port><Protocol>1</Protocol><User>‹user›</User><Pass encoding="base64">«pwb64»</Pass></Server></RecentServers>
""",
            ),
            (
                "FileZilla master-password protected",
                r"""
<Pass encoding="crypt" pubkey="‹hex64›">«b64_88»</Pass>
""",
            ),
            (
                "WinSCP.ini session",
                r"""
[Sessions\‹user›@‹host›]
HostName=‹host›
UserName=‹user›
Password=«winscp»
""",
            ),
            (
                "winscp.com command",
                r'''
winscp.com /command "open sftp://‹user›:«pwurl»@‹host›/ -hostkey=""ssh-ed25519 255 ‹fp›""" "put *.csv /in/" "exit"
''',
            ),
            (
                "WinSCP .NET",
                r"""
var opts = new SessionOptions { Protocol = Protocol.Sftp, HostName = "‹host›", UserName = "‹user›", Password = "«pw»" };
""",
            ),
            (
                "WinSCP proxy password",
                r"""
ProxyMethod=3
ProxyHost=‹host2›
ProxyUsername=‹user›
ProxyPassword=«winscp»
""",
            ),
            (
                "WinSCP key passphrase",
                r"""
winscp.com /command "open sftp://‹user›@‹host›/ /privatekey=C:\keys\partner.ppk /passphrase=«phrase»" "exit"
""",
            ),
            (
                "PuTTY ppk",
                r"""
PuTTY-User-Key-File-3: ssh-rsa
Encryption: none
Private-Lines: 14
«pemline:1»
«pemline:2»
""",
            ),
            (
                "FileZilla URL",
                r"""
filezilla sftp://‹user›:«pwu»@‹host›:22
""",
            ),
            (
                "Total Commander wcx_ftp.ini",
                r"""
[‹company›]
host=‹host›
username=‹user›
password=«HEX32»
""",
            ),
        ],
    ),
    (
        "lftp_rsync",
        [
            (
                "lftp bookmarks",
                r"""
‹slug›-out sftp://‹user›:«pwurl»@‹host›/outbound
""",
            ),
            (
                "lftp -u",
                r"""
lftp -u ‹user›,«pw» -e "mirror -R /data/out /in; quit" ftps://‹host›
""",
            ),
            (
                "lftp script",
                r"""
set ftp:ssl-force true
open -u ‹user›,«pw» ‹host›
""",
            ),
            (
                "rsyncd.secrets",
                r"""
‹user›:«pw»
backup:«pw:2»
""",
            ),
            (
                "RSYNC_PASSWORD env",
                r"""
RSYNC_PASSWORD='«pw»' rsync -av /srv/export/ rsync://‹user›@‹host›/partner-in/
""",
            ),
            (
                "password file cat",
                r"""
$ cat /etc/rsync.pass
«pw»
""",
            ),
            (
                "ncftpput",
                r"""
ncftpput -u ‹user› -p '«pw»' ‹host› /in ORDERS_20261201.edi
""",
            ),
            (
                ".netrc",
                r"""
machine ‹host› login ‹user› password «pw»
""",
            ),
            (
                "wget ftp",
                r"""
wget --ftp-user=‹user› --ftp-password=«pw» "ftp://‹host›/out/*.xml"
""",
            ),
            (
                "curl -v FTP dialogue",
                r"""
> USER ‹user›
< 331 Please specify the password.
> PASS «pw»
< 230 Login successful.
""",
            ),
            (
                "rclone.conf",
                r"""
[partner]
type = sftp
host = ‹host›
user = ‹user›
pass = «b64u40»
""",
            ),
        ],
    ),
    (
        "as2_oftp2",
        [
            (
                "OFTP2 partner profile",
                r"""
SSID=‹odette›
SSIDPassword=«upper8»
SFIDPassword=«upper8:2»
""",
            ),
            (
                "mendelson partner XML",
                r"""
<partner><as2ident>‹slugU›AS2</as2ident><url>https://‹host›:4080/as2/HttpReceiver</url><httpauthuser>‹user›</httpauthuser><httpauthpass>«pwxml»</httpauthpass></partner>
""",
            ),
            (
                "keystore properties",
                r"""
as2.keystore.path=/opt/as2/certs/keystore.p12
as2.keystore.password=«pw»
""",
            ),
            (
                "OpenAS2 config.xml",
                r"""
<certificates classname="org.openas2.cert.PKCS12CertificateFactory" filename="%home%/as2_certs.p12" password="«pwxml»" interval="300"/>
""",
            ),
            (
                "AS2 HTTP request dump",
                r"""
POST /as2/HttpReceiver HTTP/1.1
AS2-From: ‹slugU›AS2
AS2-To: ‹slugU:2›AS2
Authorization: Basic «b64up»
""",
            ),
            (
                "OFTP2 session trace",
                r"""
>> SSID ‹odette› SSIDPSWD=«upper8» SSIDSDEB=99999 SSIDSR=B
""",
            ),
            (
                "partner onboarding e-mail",
                r"""
Our Odette code is ‹odette›; OFTP password «upper8»; SFID password «upper8:2». Certificates follow via ENGDAT.
""",
            ),
            (
                "AS2 private key",
                r"""
-----BEGIN PRIVATE KEY-----
«pemline:1»
«pemline:2»
""",
            ),
            (
                "trading partner CSV",
                r"""
partner,as2_id,url,http_user,http_password
‹company›,‹slugU›AS2,https://‹host›:4080/as2,‹user›,«pw»
""",
            ),
            (
                "openssl pkcs12 export",
                r"""
openssl pkcs12 -export -in as2.crt -inkey as2.key -out as2.p12 -passout pass:«pw»
""",
            ),
            (
                "keytool import",
                r"""
keytool -importkeystore -srckeystore as2.p12 -srcstoretype PKCS12 -srcstorepass «pw» -destkeystore as2.jks -deststorepass «pw:2»
""",
            ),
        ],
    ),
    (
        "edi_van",
        [
            (
                "VAN mailbox sheet",
                r"""
Mailbox ID: ‹slugU›01
Password: «upper8»
""",
            ),
            (
                "ftp script",
                r"""
open ‹host›
user ‹slugU› «upper8»
binary
""",
            ),
            (
                "X.400 properties",
                r"""
x400.p1.orname=C=DE;A=VIAT;P=‹slugU›
x400.p1.password=«upper8»
""",
            ),
            (
                "AS1 mailbox SMTP",
                r"""
smtp.user=‹email›
smtp.password=«pw»
""",
            ),
            (
                "ISA segment security info",
                r"""
ISA*00*          *01*«upper10»*ZZ*‹slugU›*ZZ*PARTNER01*261201*0930*U*00401*000004217*0*P*>~
""",
            ),
            (
                "UNB password",
                r"""
UNA:+.? 'UNB+UNOC:3+‹slugU›:ZZ+PARTNER:ZZ+261201:0930+00000042+«upper8»:AA'
""",
            ),
            (
                "ECGrid API key",
                r"""
curl -H "X-API-Key: «al40»" https://rest.ecgrid.io/v2/mailboxes
""",
            ),
            (
                "VAN accounts CSV",
                r"""
mailbox,password,contact
‹slugU›TEST,«upper8»,‹email›
""",
            ),
            (
                "admin CLI",
                r"""
mftadmin van-connect --van inovis --mailbox ‹slugU› --password «upper8»
""",
            ),
            (
                "prose",
                r"""
Our Sterling B2B mailbox password was reset to «pw»; please update the ‹company› VAN profile before the 18:00 pickup.
""",
            ),
            (
                "VAN portal reset e-mail",
                r"""
Your EDI mailbox ‹slugU›01 password has been reset. New password: «upper8» (valid 72h)
""",
            ),
        ],
    ),
    (
        "connect_direct",
        [
            (
                "userfile.cfg proxy",
                r"""
‹user›@‹slugU›NODE:\
  :local.id=cdadmin:\
  :pswd=«upper8»:
""",
            ),
            (
                "process SNODEID",
                r"""
SENDFILE PROCESS SNODE=‹slugU›NODE SNODEID=(‹userU›,«upper8»)
""",
            ),
            (
                "process PNODEID",
                r"""
  PNODEID=(cdadmin,«upper8»)
""",
            ),
            (
                "direct CLI submit",
                r"""
Direct> submit file=send.cdp &PASSWD=«upper8»;
""",
            ),
            (
                "Secure+ keystore",
                r"""
SPCLI> update keystore file=/cdunix/ndm/secure+/certificates/cdkeystore.p12 passphrase=«phrase»;
""",
            ),
            (
                "Windows CLI",
                r"""
direct.exe /node:‹slugU›NODE /user:‹user› /password:«pw»
""",
            ),
            (
                "z/OS JCL",
                r"""
//SYSIN    DD *
 SIGNON USERID=(‹userU›,«upper8») NODE=CD.‹slugU›
""",
            ),
            (
                "handover table",
                r"""
| C:D node | admin user | password |
| CD.‹slugU› | cdadmin | «pw» |
""",
            ),
            (
                "web services properties",
                r"""
cdws.admin.user=cdwsadmin
cdws.admin.password=«pw»
""",
            ),
            (
                "Java API attach",
                r"""
Node node = factory.attach("‹host›", 1363, "‹user›", "«pw»".toCharArray(), "TCPIP");
""",
            ),
            (
                "File Gateway partner prose",
                r"""
SFG partner ‹company›: mailbox /‹slug›/inbox, login ‹user›, password «pw»
""",
            ),
        ],
    ),
    (
        "mft_jobs",
        [
            (
                "MOVEit token request",
                r"""
curl -X POST https://‹host›/api/v1/token -d "grant_type=password&username=‹user›&password=«pwurl»"
""",
            ),
            (
                "MOVEit token response",
                r"""
{"access_token":"«jwt»","token_type":"bearer","expires_in":1200,"refresh_token":"«b64u43»"}
""",
            ),
            (
                "MOVEit Automation task log",
                r"""
2026-12-01 06:00:02 Task 'Daily ACH to ‹company›': FTP host ‹host› user ‹user› password «pw»
""",
            ),
            (
                "GoAnywhere resource XML",
                r"""
<sftpResource name="‹slug›-sftp" host="‹host›" port="22" user="‹user›" password="«pwxml»"/>
""",
            ),
            (
                "GoAnywhere job log",
                r"""
12/01/2026 06:00:02 AM INFO  Connecting to ‹host›:22 as ‹user› with password «pw»
""",
            ),
            (
                "GoAnywhere REST",
                r"""
curl -u root:«pw» https://‹host›:8001/goanywhere/rest/gacmd/v1/jobs
""",
            ),
            (
                "MOVEit REST header",
                r"""
GET /api/v1/folders HTTP/1.1
Authorization: Bearer «jwt»
""",
            ),
            (
                "EFT properties",
                r"""
eft.admin.user=eftadmin
eft.admin.password=«pw»
""",
            ),
            (
                "Cleo Harmony prose",
                r"""
Cleo Harmony host 'PartnerX' mailbox ‹user› password «pw»
""",
            ),
            (
                "SecureTransport REST",
                r"""
curl -k -u admin:«pw» https://‹host›:444/api/v2.0/accounts
""",
            ),
            (
                "job variables CSV",
                r"""
job_name,variable,value
ACH_OUT,pgp_passphrase,«phrase»
""",
            ),
        ],
    ),
    (
        "pgp_file_encryption",
        [
            (
                "gpg loopback decrypt",
                r"""
gpg --batch --yes --pinentry-mode loopback --passphrase '«phrase»' --decrypt -o out.csv in.csv.pgp
""",
            ),
            (
                "passphrase file",
                r"""
$ cat /etc/mft/keys/pgp.pass
«phrases»
""",
            ),
            (
                "armored private key",
                r"""
-----BEGIN PGP PRIVATE KEY BLOCK-----

«pemline:1»
«pemline:2»
""",
            ),
            (
                "python-gnupg",
                r"""
result = gpg.decrypt_file(f, passphrase="«phrase»", output=out_path)
""",
            ),
            (
                "passphrase-fd",
                r"""
echo «phrase» | gpg --batch --passphrase-fd 0 -d ‹slug›_remit.pgp
""",
            ),
            (
                "job YAML",
                r"""
pgp:
  private_key_passphrase: "«phrases»"
  recipient: ‹company› Finance
""",
            ),
            (
                "symmetric encryption",
                r"""
gpg --symmetric --cipher-algo AES256 --batch --passphrase «pw» payroll_2026-11.csv
""",
            ),
            (
                "BouncyCastle properties",
                r"""
pgp.secret.key.path=/opt/mft/keys/secring.gpg
pgp.secret.key.password=«pw»
""",
            ),
            (
                "prose",
                r"""
The PGP passphrase for the ‹company› key is «phrases» - I'll also send it by SMS.
""",
            ),
            (
                "7z archive password",
                r"""
7z a -p«pw» -mhe=on export_‹slug›.7z *.csv
""",
            ),
            (
                "openssl enc",
                r"""
openssl enc -aes-256-cbc -pbkdf2 -in ledger.csv -out ledger.enc -pass pass:«pw»
""",
            ),
        ],
    ),
    (
        "mdm",
        [
            (
                "Jamf API client credentials",
                r"""
curl -X POST https://‹slug›.jamfcloud.com/api/oauth/token -d "client_id=‹uuid›&grant_type=client_credentials&client_secret=«jamfsecret»"
""",
            ),
            (
                "Jamf classic basic auth",
                r"""
curl -su ‹user›:«pw» https://‹slug›.jamfcloud.com/JSSResource/computers
""",
            ),
            (
                "Jamf policy script parameters",
                r"""
/Library/Application Support/JAMF/tmp/create_admin.sh "/" "‹host›" "root" "localadmin" "«pw»"
""",
            ),
            (
                "az app credential reset",
                r"""
{"appId": "‹uuid›", "password": "«azsecret»", "tenant": "‹uuid:2›"}
""",
            ),
            (
                "Intune Wi-Fi profile XML",
                r"""
<sharedKey><keyType>passPhrase</keyType><protected>false</protected><keyMaterial>«pw»</keyMaterial></sharedKey>
""",
            ),
            (
                "Workspace ONE API",
                r"""
curl -H "aw-tenant-code: «ws1key»" -H "Authorization: Basic «b64up»" https://‹host›/API/mdm/devices/search
""",
            ),
            (
                "Kandji env",
                r"""
KANDJI_SUBDOMAIN=‹slug›
KANDJI_API_TOKEN=«uuidsec»
""",
            ),
            (
                "LAPS output",
                r"""
DeviceName : ‹slugU›-LT-0412
Password   : «genpw»
""",
            ),
            (
                "FileVault recovery key",
                r"""
sudo fdesetup changerecovery -personal
New personal recovery key = '«fvkey»'
""",
            ),
            (
                "BitLocker recovery key",
                r"""
Numerical Password:
  Password: «bitlocker»
""",
            ),
            (
                "Win32 app install command",
                r"""
msiexec /i agent.msi /qn SITEKEY=«al32» ADMINPASSWORD="«pw»"
""",
            ),
        ],
    ),
    (
        "printer_scanner",
        [
            (
                "scan-to-email SMTP export",
                r"""
SMTP Server: smtp.office365.com
Port: 587
SMTP Auth User: ‹email›
SMTP Auth Password: «pw»
""",
            ),
            (
                "LDAP address book",
                r"""
LDAP Bind DN: CN=svc-scan,OU=Service,DC=‹slug›,DC=local
LDAP Bind Password: «pw»
""",
            ),
            (
                "EWS config backup XML",
                r"""
<dd:SMTPServerAddress>‹host›</dd:SMTPServerAddress><dd:SMTPPassword>«pwxml»</dd:SMTPPassword>
""",
            ),
            (
                "SNMP community",
                r"""
SNMPv1/v2 Get Community Name: «pwu»
""",
            ),
            (
                "scan to SMB",
                r"""
Destination: \\‹host›\scans$  User: ‹slug›\svc-scan  Password: «pw»
""",
            ),
            (
                "MFP admin prose",
                r"""
Default admin on the ‹company› MFPs changed to «pw» - Web Image Monitor login "admin".
""",
            ),
            (
                "BRAdmin CSV",
                r"""
Node Name,IP Address,Password
BRN‹hex8›,‹ip›,«pwu»
""",
            ),
            (
                "department ID PIN",
                r"""
Department ID: 7654321  PIN: «pin8»
""",
            ),
            (
                "secure print PIN",
                r"""
Secure print PIN for job 'payroll_nov.pdf' on FIN-MFP-02 is «pin6»
""",
            ),
            (
                "CentreWare curl",
                r"""
curl -u admin:«pw» http://‹ip›/properties/configuration.php
""",
            ),
            (
                "scan-to-FTP URL",
                r"""
ftp://svc_scan:«pwurl»@‹host›/scans
""",
            ),
        ],
    ),
    (
        "cups_print",
        [
            (
                "printers.conf DeviceURI",
                r"""
<Printer FIN-MFP-03>
DeviceURI smb://‹slug›%5Csvc-print:«pwurl»@‹host›/FIN-MFP-03
""",
            ),
            (
                "lpadmin",
                r"""
lpadmin -p HR-Laser -E -v ipps://‹user›:«pwurl»@‹host›/ipp/print -m everywhere
""",
            ),
            (
                "lpstat -v",
                r"""
device for FIN-MFP: smb://svc_print:«pwurl»@‹host›/FIN-MFP
""",
            ),
            (
                "PaperCut server.properties",
                r"""
database.type=PostgreSQL
database.password=«pw»
""",
            ),
            (
                "PaperCut web services token",
                r"""
auth.webservices.auth-token=«al32»
""",
            ),
            (
                "net use",
                r"""
net use \\‹host›\IPC$ /user:‹slug›\svc_print «pw»
""",
            ),
            (
                "smbclient",
                r"""
smbclient -L ‹host› -U 'svc_print%«pwu»'
""",
            ),
            (
                "CUPS error_log",
                r"""
E [01/Dec/2026:09:14:22 +0100] [Job 4411] Unable to connect: smb://svc_print:«pwurl»@‹host›/HR
""",
            ),
            (
                "print-management config JSON",
                r"""
{"server":"‹host›","api_key":"«al40»","site":"‹slug›"}
""",
            ),
            (
                "user box password",
                r"""
User Box 0007 'Legal' password: «pin8»
""",
            ),
            (
                "ZPL printer password",
                r"""
^XA^KP«pin4»^JUS^XZ
""",
            ),
        ],
    ),
    (
        "door_access",
        [
            (
                "controller INI",
                r"""
[controller]
admin_user=admin
admin_password=«pw»
""",
            ),
            (
                "OSDP secure channel key",
                r"""
osdp.reader.3.scbk=«HEX32»
""",
            ),
            (
                "Mifare sector keys",
                r"""
sector 1 keyA=«HEX12» keyB=«HEX12:2» access=7F0788
""",
            ),
            (
                "SQL connection string",
                r"""
Server=‹host›\SQLEXPRESS;Database=Directory;User Id=sa;Password=«pw»;
""",
            ),
            (
                "OnGuard prose",
                r"""
OnGuard system account SA password is «pw» (do not rotate before the badge migration)
""",
            ),
            (
                "alarm codes prose",
                r"""
Intrusion panel master code «pin6», duress code «pin6:2» - panel at ‹company› loading dock.
""",
            ),
            (
                "visitor management env",
                r"""
VISITOR_API_KEY=«al40»
""",
            ),
            (
                "access API curl",
                r"""
curl -H "x-api-key: «al40»" https://api.verkada.com/access/v1/doors
""",
            ),
            (
                "Brivo properties",
                r"""
brivo.client_id=‹uuid›
brivo.client_secret=«al32»
""",
            ),
            (
                "door PIN list CSV",
                r"""
door,pin,valid_until
Server Room B2,«pin6»,2027-01-31
""",
            ),
            (
                "Net2 prose",
                r"""
Paxton Net2 server ‹host›: SQL sa password «pw», Net2 operator 'System engineer' password «pwu»
""",
            ),
        ],
    ),
    (
        "pos_kiosk",
        [
            (
                "terminal config",
                r"""
terminal.id=TID‹num9›
terminal.manager.pin=«pin6»
""",
            ),
            (
                "kiosk browser JSON",
                r"""
{"kioskMode":true,"exitPassword":"«pwu»","startUrl":"https://‹host›/checkin"}
""",
            ),
            (
                "autologon reg add",
                r"""
reg add "HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon" /v DefaultPassword /t REG_SZ /d "«pw»" /f
""",
            ),
            (
                "merchant API key env",
                r"""
POS_MERCHANT_API_KEY=«al32»
""",
            ),
            (
                "supervisor override prose",
                r"""
Store ‹num› supervisor override code is «pin4» - manager ‹first› changed it yesterday.
""",
            ),
            (
                "Square token header",
                r"""
Authorization: Bearer «square»
""",
            ),
            (
                "POS cloud YAML",
                r"""
pos_cloud:
  client_id: ‹al20›
  client_secret: «al48»
""",
            ),
            (
                "terminal system mode",
                r"""
SYSTEM MODE password for lane 3 terminal: «pin6»
""",
            ),
            (
                "adb unlock",
                r"""
adb -s ‹hex8› shell am start -n com.kiosk/.Admin --es unlock_pin «pin6»
""",
            ),
            (
                "POS JDBC URL",
                r"""
jdbc:sqlserver://‹host›:1433;databaseName=POS;user=posapp;password=«pw»
""",
            ),
            (
                "fuel controller prose",
                r"""
Fuel controller web admin at ‹ip›: admin / «pw»
""",
            ),
        ],
    ),
    (
        "facility_power",
        [
            (
                "APC config.ini",
                r"""
[SystemUserManager]
AdminUserName=apc
AdminPassword=«pw»
""",
            ),
            (
                "snmpwalk v3",
                r"""
snmpwalk -v3 -l authPriv -u ups-mon -a SHA -A '«pw»' -x AES -X '«pw:2»' ‹ip› 1.3.6.1.2.1.33
""",
            ),
            (
                "PDU CLI",
                r"""
apc> user -n device -pw «pw»
""",
            ),
            (
                "BACnet properties",
                r"""
bacnet.device.password=«pw»
""",
            ),
            (
                "Niagara prose",
                r"""
Niagara station ‹host›: admin account ‹user› / «pw»
""",
            ),
            (
                "NUT upsd.users",
                r"""
[upsmon]
    password = «pw»
    upsmon primary
""",
            ),
            (
                "NUT upsmon.conf",
                r"""
MONITOR ups@‹host› 1 upsmon «pw» primary
""",
            ),
            (
                "Liebert curl",
                r"""
curl -k -u admin:«pw» https://‹ip›/api/v1/system
""",
            ),
            (
                "Modbus gateway URL",
                r"""
http://admin:«pwu»@‹ip›/cgi-bin/status
""",
            ),
            (
                "generator SNMP YAML",
                r"""
community_ro: public
community_rw: «pwu»
""",
            ),
            (
                "CRAC prose",
                r"""
The new password for the CRAC units web UI is «pw» (all six units, data hall 2)
""",
            ),
        ],
    ),
    (
        "cctv_nvr",
        [
            (
                "RTSP URL",
                r"""
rtsp://admin:«pwu»@‹ip›:554/Streaming/Channels/101
""",
            ),
            (
                "ffmpeg capture",
                r"""
ffmpeg -rtsp_transport tcp -i "rtsp://viewer:«pwurl»@‹ip›:554/cam/realmonitor?channel=1&subtype=0" -t 10 clip.mp4
""",
            ),
            (
                "ONVIF python",
                r"""
cam = ONVIFCamera('‹ip›', 80, 'onvif', '«pw»')
""",
            ),
            (
                "Frigate YAML",
                r"""
cameras:
  dock_door:
    ffmpeg:
      inputs:
        - path: rtsp://frigate:«pwu»@‹ip›:554/stream1
""",
            ),
            (
                "NVR export CSV",
                r"""
Channel,IP,User,Password
D1,‹ip›,admin,«pwu»
""",
            ),
            (
                "Milestone hardware XML",
                r"""
<Hardware Name="Gate 2"><Address>http://‹ip›/</Address><UserName>root</UserName><Password>«pwxml»</Password></Hardware>
""",
            ),
            (
                "go2rtc YAML",
                r"""
streams:
  lobby: rtsp://user:«pwu»@‹ip›/h264
""",
            ),
            (
                "XSPF playlist",
                r"""
<location>rtsp://svc:«pwurl»@‹ip›/live</location>
""",
            ),
            (
                "VAPIX digest curl",
                r"""
curl --digest -u root:«pw» "http://‹ip›/axis-cgi/param.cgi?action=list"
""",
            ),
            (
                "NVR prose",
                r"""
NVR at the ‹company› warehouse: admin / «pw»; local monitor unlock PIN «pin6»
""",
            ),
            (
                "stream error log",
                r"""
[ERROR] stream 'gate-2' failed: rtsp://admin:«pwu»@‹ip›:554/ch01/0: 401 Unauthorized
""",
            ),
        ],
    ),
    (
        "sms_voice",
        [
            (
                "Twilio curl",
                r"""
curl -X POST https://api.twilio.com/2010-04-01/Accounts/‹acsid›/Messages.json -u ‹acsid›:«hex32» --data-urlencode "Body=test"
""",
            ),
            (
                "Twilio env",
                r"""
TWILIO_ACCOUNT_SID=‹acsid›
TWILIO_AUTH_TOKEN=«hex32»
""",
            ),
            (
                "Twilio API key",
                r"""
TWILIO_API_KEY=SK‹hex32›
TWILIO_API_SECRET=«al32»
""",
            ),
            (
                "Vonage CLI",
                r"""
vonage config:set --apiKey=‹hex8› --apiSecret=«al16»
""",
            ),
            (
                "Vonage application key",
                r"""
-----BEGIN PRIVATE KEY-----
«pemline:1»
«pemline:2»
""",
            ),
            (
                "Plivo client",
                r"""
client = plivo.RestClient(auth_id='MA‹upper18›', auth_token='«al40»')
""",
            ),
            (
                "MessageBird header",
                r"""
Authorization: AccessKey «al25»
""",
            ),
            (
                "webhook basic auth URL",
                r"""
https://twilio:«pwu»@‹host›/sms/inbound
""",
            ),
            (
                "SIP credential prose",
                r"""
Twilio SIP credential list 'pbx-trunk': username ‹user› password «pw»
""",
            ),
            (
                "pjsip.conf",
                r"""
[twilio-auth]
type=auth
auth_type=userpass
username=‹user›
password=«pw»
""",
            ),
            (
                "voicemail PIN",
                r"""
Your new voicemail PIN is «pin6». Dial *86 to check messages.
""",
            ),
        ],
    ),
    (
        "email_relay",
        [
            (
                "postfix sasl_passwd",
                r"""
[smtp.sendgrid.net]:587 apikey:«sendgrid»
""",
            ),
            (
                "SendGrid env",
                r"""
SENDGRID_API_KEY=«sendgrid»
""",
            ),
            (
                "Mailgun curl",
                r"""
curl -s --user 'api:«mailgunkey»' https://api.mailgun.net/v3/‹domain›/messages -F from='noreply@‹domain›' -F to=‹email›
""",
            ),
            (
                "Mailgun SMTP TOML",
                r"""
smtp_user = "postmaster@mg.‹domain›"
smtp_password = "«pw»"
""",
            ),
            (
                "Postmark curl",
                r"""
curl "https://api.postmarkapp.com/email" -H "X-Postmark-Server-Token: «uuidsec»" -d @mail.json
""",
            ),
            (
                "Spring mail properties",
                r"""
spring.mail.host=smtp.postmarkapp.com
spring.mail.username=«uuidsec»
spring.mail.password=«uuidsec»
""",
            ),
            (
                "msmtprc",
                r"""
account relay
host smtp.mailgun.org
user postmaster@‹domain›
password «pw»
""",
            ),
            (
                "swaks",
                r"""
swaks --to ‹email› --server smtp.postmarkapp.com:587 -tls --auth-user «uuidsec» --auth-password «uuidsec»
""",
            ),
            (
                "SMTP AUTH PLAIN transcript",
                r"""
C: EHLO ‹host›
C: AUTH PLAIN «authplain»
S: 235 2.7.0 Authentication successful
""",
            ),
            (
                "Mailgun webhook signing key",
                r"""
MAILGUN_WEBHOOK_SIGNING_KEY=«hex32»
""",
            ),
            (
                "Django settings",
                r"""
EMAIL_HOST = 'smtp.sendgrid.net'
EMAIL_HOST_USER = 'apikey'
EMAIL_HOST_PASSWORD = '«sendgrid»'
""",
            ),
        ],
    ),
    (
        "meetings",
        [
            (
                "Zoom S2S OAuth env",
                r"""
ZOOM_ACCOUNT_ID=‹al22›
ZOOM_CLIENT_ID=‹al22:2›
ZOOM_CLIENT_SECRET=«al32»
""",
            ),
            (
                "Zoom invitation",
                r"""
Join Zoom Meeting
https://‹slug›.zoom.us/j/‹num11›?pwd=«zoompwd»
Passcode: «zoompass»
""",
            ),
            (
                "Zoom webhook secret token",
                r"""
ZOOM_WEBHOOK_SECRET_TOKEN=«b64u22»
""",
            ),
            (
                "Webex bot token",
                r"""
WEBEX_BOT_TOKEN=«webexbot»
""",
            ),
            (
                "Webex meeting invite",
                r"""
Meeting number: 2634 918 4471
Meeting password: «zoompass»
""",
            ),
            (
                "Teams bot appsettings",
                r"""
"MicrosoftAppId": "‹uuid›",
"MicrosoftAppPassword": "«azsecret»",
""",
            ),
            (
                "Teams incoming webhook URL",
                r"""
https://‹slug›.webhook.office.com/webhookb2/‹uuid›@‹uuid:2›/IncomingWebhook/«hex32»/‹uuid:3›
""",
            ),
            (
                "Zoom Rooms settings passcode",
                r"""
Zoom Rooms settings passcode for the ‹company› boardroom controller: «pin6»
""",
            ),
            (
                "RoomOS xCommand",
                r"""
xCommand UserManagement User Passphrase Set Username: admin NewPassphrase: «pw»
""",
            ),
            (
                "Zoom SDK config",
                r"""
sdkKey: ‹al22›
sdkSecret: «al36»
""",
            ),
            (
                "host key",
                r"""
Your Zoom host key is «pin6» (use it to claim host in meetings you scheduled)
""",
            ),
        ],
    ),
    (
        "support_tickets",
        [
            (
                "customer reply",
                r"""
Customer replied: "I reset it again, the new password is «pw», can you check the sync now?"
""",
            ),
            (
                "chat transcript",
                r"""
[10:42] ‹first›: try logging in with «pw»
[10:43] Agent ‹first:2›: works now, thanks
""",
            ),
            (
                "password reset notification",
                r"""
Hello ‹first›, your password for the ‹company› partner portal has been reset.
Your temporary password is: «pw»
It expires in 24 hours.
""",
            ),
            (
                "voicemail-to-text",
                r"""
Voicemail from +44 20 7946 0123 (transcribed): hi this is ‹first› from ‹company›, the vendor portal password is «phrases» call me back
""",
            ),
            (
                "root cause note",
                r"""
Root cause: the API key «al32» was hard-coded in the nightly export script on ‹host›.
""",
            ),
            (
                "escalation workaround",
                r"""
Workaround until IdP is back: use break-glass account bg-admin with passphrase «phrase»
""",
            ),
            (
                "recovery codes",
                r"""
Customer pasted their recovery codes into the ticket: «bcode» «bcode:2» - asked them to regenerate.
""",
            ),
            (
                "jira comment",
                r"""
@‹first› I've put the staging DB password («pw») here temporarily, will rotate after the demo.
""",
            ),
            (
                "customer e-mail with security answer",
                r"""
Login: ‹email›
Password: «pw»
Security answer: «pwu»
""",
            ),
            (
                "phone verification note",
                r"""
Caller verified with account PIN «pin6»; name and postcode matched.
""",
            ),
            (
                "remote support",
                r"""
TeamViewer ID ‹num9› password «tv» - please connect at 14:00.
""",
            ),
        ],
    ),
    (
        "onboarding_handover",
        [
            (
                "vendor onboarding e-mail",
                r"""
Welcome aboard, ‹company›! Your supplier portal credentials:
Username: ‹user›
Temporary password: «pw»
""",
            ),
            (
                "procurement handover",
                r"""
- Coupa integration user: ‹user› / «pw»
- Ariba shared secret: «al32»
""",
            ),
            (
                "shared accounts spreadsheet CSV",
                r"""
System,URL,Login,Password,Owner
Carrier portal,https://‹host›/login,‹user›,«pw»,‹first›
Customs portal,https://‹host2›/,‹user:2›,«pw:2»,‹first:2›
""",
            ),
            (
                "shared accounts markdown table",
                r"""
| System | Login | Password |
|---|---|---|
| Bank portal | ‹user› | «pw» |
""",
            ),
            (
                "audit evidence export JSON",
                r"""
{"control":"AC-2","evidence":"service account sample","sample":{"account":"‹user›","password_last_set":"2026-06-01","password":"«pwjson»"}}
""",
            ),
            (
                "partner onboarding form",
                r"""
Partner API key: «al40»
Webhook signing secret: «whsec»
""",
            ),
            (
                "offboarding checklist",
                r"""
[ ] Rotate shared mailbox ‹email› (current password «pw»)
""",
            ),
            (
                "branch IT handover",
                r"""
Wi-Fi SSID ‹slugU›-Corp PSK «phrase»; guest PSK «pwu»
""",
            ),
            (
                "separate-mail password",
                r"""
As announced, the SFTP password follows in this separate e-mail.
Password: «pw»
""",
            ),
            (
                "KeePass CSV export",
                r"""
"Group","Title","Username","Password","URL","Notes"
"Finance","Bank portal","‹user›","«pwcsv»","https://‹host›/",""
""",
            ),
            (
                "meeting notes",
                r"""
Action: ‹first› to share the Salesforce sandbox password (currently «pw») via 1Password instead of chat.
""",
            ),
        ],
    ),
    (
        "prose_europe",
        [
            (
                "Spanish e-mail",
                r"""
Hola ‹first›, te paso el acceso al portal de proveedores de ‹company›: usuario ‹user›, contraseña «pw». Cámbiala cuando entres por primera vez.
""",
            ),
            (
                "French reset notice",
                r"""
Bonjour ‹first›, suite à la réinitialisation, votre nouveau mot de passe provisoire est : «pw» (valable 48 h).
""",
            ),
            (
                "German SFTP handover",
                r"""
Hallo ‹first›, das Kennwort für den SFTP-Zugang von ‹company› lautet «pw».
Die Passphrase für den PGP-Schlüssel schicke ich per SMS: «phrases»
""",
            ),
            (
                "Italian note",
                r"""
Ciao ‹first›, la password dell'utente di integrazione SAP è «pw», il PIN della stampante al secondo piano è «pin4».
""",
            ),
            (
                "Portuguese note",
                r"""
Olá ‹first›, segue a senha do NVR da filial: «pwu». O token da API do Zendesk é «zendesk».
""",
            ),
            (
                "Dutch note",
                r"""
Hoi ‹first›, het wachtwoord van de gedeelde mailbox ‹email› is «pw». Graag na gebruik wijzigen.
""",
            ),
            (
                "Polish note",
                r"""
Cześć ‹first›, hasło do konta serwisowego w ServiceNow to «pw», a kod PIN do drzwi serwerowni: «pin6».
""",
            ),
            (
                "Swedish note",
                r"""
Hej ‹first›! Lösenordet till leverantörsportalen är «pw» och autentiseringstoken för Twilio är «hex32».
""",
            ),
            (
                "Norwegian note",
                r"""
Hei ‹first›, passordet til skanneren (skann til e-post) er «pw». Ikke del det videre.
""",
            ),
            (
                "Danish note",
                r"""
Hej ‹first›, adgangskoden til Workday-integrationsbrugeren er «pw». Sikkerhedskoden til alarmen er «pin6».
""",
            ),
            (
                "Spanish ticket",
                r"""
Incidencia ‹num›: el cliente envió por correo su contraseña de QuickBooks («pw») y el token de seguridad de Salesforce «sftok».
""",
            ),
            (
                "German handover protocol",
                r"""
Übergabe Lieferantenportal: Benutzer ‹user›, Passwort «pw», Wiederherstellungscodes: «bcode» «bcode:2»
""",
            ),
            (
                "French meeting",
                r"""
Code secret de la réunion : «zoompass» ; clé d'hôte : «pin6».
""",
            ),
        ],
    ),
    (
        "prose_asia_mena",
        [
            (
                "Japanese portal",
                r"""
‹first›さん、取引先ポータルの仮パスワードは「«pw»」です。初回ログイン後に変更してください。
""",
            ),
            (
                "Japanese MFP",
                r"""
お疲れ様です。複合機のスキャン送信用SMTPパスワードを «pw» に変更しました。
""",
            ),
            (
                "Korean SFTP",
                r"""
‹first›님, 파트너 SFTP 계정 비밀번호는 «pw» 입니다. PGP 암호 문구는 «phrases» 입니다.
""",
            ),
            (
                "Korean meeting",
                r"""
회의 링크는 캘린더를 확인하세요. 회의 암호: «zoompass»
""",
            ),
            (
                "Chinese portal",
                r"""
‹first›，您好：供应商门户的初始密码为 «pw»，请首次登录后立即修改。
""",
            ),
            (
                "Chinese handover",
                r"""
交接说明：NetSuite 令牌密钥 «hex64»，门禁管理员密码 «pw»。
""",
            ),
            (
                "Arabic portal",
                r"""
مرحبا ‹first›، كلمة المرور المؤقتة لبوابة الموردين هي «pw» يرجى تغييرها بعد أول تسجيل دخول.
""",
            ),
            (
                "Arabic POS",
                r"""
رمز PIN لجهاز نقاط البيع في الفرع ‹num› هو «pin6»
""",
            ),
            (
                "Hindi ServiceNow",
                r"""
नमस्ते ‹first›, सर्विसनाउ इंटीग्रेशन यूज़र का पासवर्ड «pw» है। कृपया इसे किसी के साथ साझा न करें।
""",
            ),
            (
                "Hindi voicemail",
                r"""
वॉइसमेल पिन «pin6» है और HubSpot टोकन «hubspot» है।
""",
            ),
            (
                "Indonesian Jamf",
                r"""
Halo ‹first›, kata sandi akun admin Jamf adalah «pw». Tolong ganti setelah serah terima.
""",
            ),
            (
                "Vietnamese SFTP",
                r"""
Chào ‹first›, mật khẩu tài khoản SFTP của đối tác ‹company› là «pw», mã PIN máy in là «pin4».
""",
            ),
        ],
    ),
]

# ================================================================ keep templates
_KEEPS: list[tuple[str, str]] = [
    (
        "salesforce sync log",
        r"""
2026-12-01T09:14:22Z WARN sf-sync ⟦=INVALID_SESSION_ID⟧: session token expired, re-auth via JWT bearer; request_id=⟦uuid⟧ record=⟦sfid⟧
""",
    ),
    (
        "salesforce placeholders",
        r"""
sfdc.password=⟦=${SFDC_PASSWORD}⟧ sfdc.securityToken=⟦=${SFDC_SECURITY_TOKEN}⟧  # secrets injected at deploy time
""",
    ),
    (
        "bulk API failure",
        r"""
Bulk API job ⟦batch⟧ for org ⟦sforg⟧ failed: INVALID_AUTH_HEADER (session id missing), retry with new access token
""",
    ),
    (
        "JWT bearer cert",
        r"""
sf org login jwt: JWT signature verified with certificate thumbprint ⟦thumb⟧, no password required
""",
    ),
    (
        "Data Loader",
        r"""
Data Loader ‹ver›: encryption key file ⟦=/opt/dataloader/conf/dataloader.key⟧ loaded, password decrypted OK
""",
    ),
    (
        "HubSpot token check",
        r"""
HubSpot private app token validated for portal ⟦portal⟧, scopes ok, X-HubSpot-Request-Id: ⟦uuid⟧
""",
    ),
    (
        "HubSpot signature",
        r"""
X-HubSpot-Signature-v3 mismatch; client secret = ⟦=<redacted>⟧; event id ‹num9›
""",
    ),
    (
        "Zendesk 401",
        r"""
Zendesk API token auth: 401 Couldn't authenticate you; ticket #⟦num7⟧; X-Request-Id: ‹trace›
""",
    ),
    (
        "Zendesk masked",
        r"""
zendesk.api_token = ⟦=********⟧ (masked by zcli); subdomain key ⟦=ZENDESK_SUBDOMAIN⟧
""",
    ),
    (
        "Freshdesk rotation",
        r"""
Freshdesk API key rotated per ⟦jira⟧; old key revoked at ‹ts›; secret ref ⟦=vault:secret/data/support/freshdesk#api_key⟧
""",
    ),
    (
        "MID server masked",
        r"""
ServiceNow MID: mid.instance.password = ⟦=******⟧ (encrypted), keystore thumbprint ⟦thumb⟧
""",
    ),
    (
        "ServiceNow incident",
        r"""
Incident ⟦inc⟧: password reset for integration user done; change ‹chg› approved, secret rotated
""",
    ),
    (
        "ServiceNow sys_id",
        r"""
sys_id=⟦hex32⟧ table=discovery_credentials type=ssh_private_key credential value masked
""",
    ),
    (
        "Atlassian token audit",
        r"""
Atlassian API token created, token id ⟦uuid⟧, expires ‹date› (secret shown once)
""",
    ),
    (
        "Jira automation",
        r"""
Jira automation rule ‹num6›: webhook token header omitted, audit log ⟦uuid⟧
""",
    ),
    (
        "Workday event",
        r"""
Workday integration event ⟦trace⟧ failed: Invalid username or password for ISU (password not logged)
""",
    ),
    (
        "Workday refresh token",
        r"""
Workday OAuth refresh token expired; API client ⟦uuid⟧; config key ⟦=WD_REFRESH_TOKEN⟧
""",
    ),
    (
        "NetSuite TBA",
        r"""
NetSuite TBA ⟦=INVALID_LOGIN_ATTEMPT⟧, signature method HMAC-SHA256, account ⟦nsacct⟧, login audit id ‹num9›
""",
    ),
    (
        "NetSuite placeholders",
        r"""
NS_TOKEN_SECRET=⟦={{ secrets.NS_TOKEN_SECRET }}⟧ NS_CONSUMER_SECRET=⟦={{ secrets.NS_CONSUMER_SECRET }}⟧
""",
    ),
    (
        "QuickBooks rotation",
        r"""
QuickBooks refresh_token rotated; realmId ‹num9› intuit_tid ⟦uuid⟧ (token values not logged)
""",
    ),
    (
        "Shopify HMAC",
        r"""
Shopify webhook HMAC verification failed (X-Shopify-Hmac-Sha256 mismatch), webhook id ‹num13›, X-Request-Id ⟦uuid⟧
""",
    ),
    (
        "Shopify token scopes",
        r"""
shopify access token scope check ok (read_orders,write_products), api_version ⟦=2025-10⟧, order ‹num13›
""",
    ),
    (
        "SAP XSUAA",
        r"""
SAP BTP: XSUAA clientsecret rotated, service binding ⟦uuid⟧, credential-type ⟦=binding-secret⟧
""",
    ),
    (
        "SAP RFC logon",
        r"""
⟦=RFC_ERROR_LOGON_FAILURE⟧: Name or password is incorrect (repeat logon); trace ‹trace›
""",
    ),
    (
        "JCo placeholder",
        r"""
jco.client.passwd=⟦=${JCO_PASSWD}⟧ jco.client.client=100 jco.client.sysnr=00
""",
    ),
    (
        "ORA-01017",
        r"""
⟦=ORA-01017⟧: invalid username/password; logon denied - FNDCPASS request ‹num7›
""",
    ),
    (
        "Oracle wallet",
        r"""
Oracle wallet credential alias ⟦=EBS_APPS_ALIAS⟧ (auto-login), wallet sha256 ⟦sha256⟧
""",
    ),
    (
        "Tableau PAT",
        r"""
Tableau PAT "ci-refresh" last used ‹ts›, token secret not shown, site LUID ⟦uuid⟧
""",
    ),
    (
        "Power BI gateway key",
        r"""
Power BI gateway credential encryption public key modulus ⟦rsapub⟧ exponent AQAB
""",
    ),
    (
        "Looker credentials",
        r"""
Looker API3 credentials id ‹num6›, client_secret ⟦=<redacted>⟧, session token ttl 3600
""",
    ),
    (
        "Metabase",
        r"""
Metabase ⟦=v0.51.4⟧: MB_ENCRYPTION_SECRET_KEY set (length ok), database id ‹num6›
""",
    ),
    (
        "SSIS",
        r"""
SSIS: protection level EncryptSensitiveWithPassword, password param ⟦=$(PackagePassword)⟧, execution ‹num7›
""",
    ),
    (
        "Informatica",
        r"""
Informatica session ⟦=s_m_load_gl⟧ password (CRYPT_DATA) decrypted, run id ‹num7›
""",
    ),
    (
        "Talend",
        r"""
Talend context variable ⟦=context.sftp_password⟧ type Password, value shown as ⟦=******⟧
""",
    ),
    (
        "SFTP host key",
        r"""
SFTP host key fingerprint ⟦fp⟧ (ED25519) accepted; auth methods publickey,password
""",
    ),
    (
        "authorized_keys",
        r"""
authorized_keys entry: ssh-ed25519 ⟦sshpub⟧ partner-upload-key (public key, password auth disabled)
""",
    ),
    (
        "sftp denied",
        r"""
sftp: Permission denied (publickey,password). session ⟦trace⟧ key id ‹kid›
""",
    ),
    (
        "FileZilla",
        r"""
FileZilla ⟦=3.68.1⟧: password kept in master-password protected store, sitemanager entry ⟦uuid⟧
""",
    ),
    (
        "WinSCP",
        r"""
WinSCP: host key ssh-ed25519 255 ⟦fp⟧ cached; password not saved
""",
    ),
    (
        "lftp manifest",
        r"""
lftp mirror finished, auth ok, secret-free manifest sha256 ⟦sha256⟧
""",
    ),
    (
        "rsync auth failed",
        r"""
rsync: @ERROR: auth failed on module partner-in (secrets file ⟦=/etc/rsyncd.secrets⟧), transfer ⟦uuid⟧
""",
    ),
    (
        "AS2 MDN",
        r"""
AS2 MDN processed, signed receipt ok, Received-Content-MIC ⟦mic⟧, sha-256
""",
    ),
    (
        "AS2 cert",
        r"""
AS2 signature verified with partner certificate serial ⟦serial⟧; encryption cert thumbprint ⟦thumb⟧
""",
    ),
    (
        "OFTP2 SSID",
        r"""
OFTP2 SSID ⟦odette⟧ accepted, session key negotiated, secure authentication OK (password not used)
""",
    ),
    (
        "ISA control number",
        r"""
ISA13 ⟦isactrl⟧ ISA03 security info qualifier 00 (no password); GS06 ‹num6›; 997 accepted
""",
    ),
    (
        "VAN mailbox",
        r"""
VAN mailbox auth failed (password expired), mailbox ref ⟦=MBX-US-EAST-07⟧, interchange ‹isactrl›
""",
    ),
    (
        "Connect:Direct submit",
        r"""
SCPA000I process ‹num6› submitted, SNODEID password ⟦=********⟧ masked, Secure+ ⟦=TLS_AES_256_GCM_SHA384⟧
""",
    ),
    (
        "Connect:Direct signon",
        r"""
⟦=XSMG405I⟧ PNODE signon failed (password invalid) process number ‹num6›
""",
    ),
    (
        "GoAnywhere job",
        r"""
GoAnywhere job ‹num13› completed; resource password from vault key ⟦=sftp.partner.password⟧
""",
    ),
    (
        "MOVEit file",
        r"""
MOVEit token refreshed (session not logged), file id ‹num9› sha1 ⟦sha40⟧
""",
    ),
    (
        "gpg key id",
        r"""
gpg: encrypted with rsa4096 key, ID ⟦pgpkeyid⟧; passphrase read from ⟦=/etc/mft/keys/pgp.pass⟧
""",
    ),
    (
        "gpg fingerprint",
        r"""
gpg: Good signature; primary key fingerprint: ⟦pgpfp⟧ (passphrase cached)
""",
    ),
    (
        "7z env password",
        r"""
7z archive password supplied via ⟦=%ARCHIVE_PASSWORD%⟧; CRC ⟦hex8U⟧ ok
""",
    ),
    (
        "Jamf client",
        r"""
Jamf Pro API client ⟦uuid⟧: client secret regenerated, access token expires_in 300, Jamf ⟦=11.11.2⟧
""",
    ),
    (
        "Intune cert credential",
        r"""
Intune app registration ⟦uuid⟧ secret expires ‹date›; certificate credential thumbprint ⟦thumb⟧
""",
    ),
    (
        "Workspace ONE",
        r"""
Workspace ONE: aw-tenant-code header present (masked), device id ‹num6›, request ⟦uuid⟧
""",
    ),
    (
        "BitLocker key id",
        r"""
BitLocker recovery key ID ⟦blid⟧ escrowed to Entra ID (recovery password not shown)
""",
    ),
    (
        "FileVault escrow",
        r"""
FileVault personal recovery key escrowed, escrow record ⟦uuid⟧, key not displayed
""",
    ),
    (
        "MFP backup masked",
        r"""
MFP config backup: SMTP Auth Password = ******, LDAP bind password = ******; firmware ⟦ver⟧
""",
    ),
    (
        "SMTP auth disabled",
        r"""
scan-to-email: 535 ⟦=5.7.139⟧ Authentication unsuccessful, basic authentication is disabled [⟦uuid⟧]
""",
    ),
    (
        "CUPS job",
        r"""
CUPS job ‹num6› completed; ⟦=auth-info-required⟧ negotiate, password not cached
""",
    ),
    (
        "PaperCut",
        r"""
PaperCut auth.webservices.auth-token=⟦=[REDACTED]⟧; application server build ⟦=23.0.9.68302⟧
""",
    ),
    (
        "OSDP",
        r"""
OSDP secure channel established (install mode off), reader serial ⟦hex8U⟧, key version ‹ver›
""",
    ),
    (
        "POS PIN failed",
        r"""
POS terminal ⟦tid⟧: supervisor PIN verification failed (PIN not logged), transaction ⟦uuid⟧
""",
    ),
    (
        "kiosk config hash",
        r"""
Kiosk exit password policy enforced; config sha256 ⟦sha256⟧
""",
    ),
    (
        "UPS SNMPv3",
        r"""
UPS NMC SNMPv3 user ups-mon auth SHA priv AES, engine id ⟦engineid⟧ (passphrases set)
""",
    ),
    (
        "BACnet",
        r"""
BACnet device instance ⟦num6⟧ is password protected; session token timeout 900s
""",
    ),
    (
        "NVR stream",
        r"""
NVR RTSP digest auth ok, stream ⟦=/Streaming/Channels/101⟧, camera serial ⟦camserial⟧
""",
    ),
    (
        "ONVIF digest",
        r"""
ONVIF WS-UsernameToken PasswordDigest used, Nonce ⟦b64n⟧ Created ‹ts›
""",
    ),
    (
        "Twilio auth error",
        r"""
Twilio ⟦=20003⟧ Authentication Error - invalid auth token; AccountSid ⟦acsid⟧, request ⟦rqsid⟧
""",
    ),
    (
        "Twilio delivered",
        r"""
Twilio message ⟦smsid⟧ delivered; MessagingServiceSid ⟦mgsid⟧; X-Twilio-Signature valid
""",
    ),
    (
        "Vonage 401",
        r"""
Vonage: 401 Invalid credentials (api_secret) for message-id ⟦uuid⟧
""",
    ),
    (
        "SendGrid key revoked",
        r"""
SendGrid API key id ⟦sgkid⟧ revoked (key secret not retrievable), job ‹job›
""",
    ),
    (
        "Postmark error",
        r"""
Postmark ErrorCode 10: Bad or missing Server API token (X-Postmark-Server-Token), MessageID ⟦uuid⟧
""",
    ),
    (
        "SMTP AUTH redacted",
        r"""
SMTP AUTH PLAIN ⟦=<redacted>⟧ -> 235 2.7.0 Authentication successful, queue id ⟦qid⟧
""",
    ),
    (
        "Zoom S2S",
        r"""
Zoom Server-to-Server OAuth token issued for account ⟦al22⟧, meeting ⟦zoomid⟧ passcode required
""",
    ),
    (
        "Zoom webhook validation",
        r"""
Zoom endpoint.url_validation: plainToken hashed with secret token, event_ts ⟦num13⟧
""",
    ),
    (
        "Webex bot",
        r"""
Webex bot token valid, personId ⟦webexid⟧
""",
    ),
    (
        "Teams placeholders",
        r"""
MicrosoftAppPassword=⟦=${MICROSOFT_APP_PASSWORD}⟧ MicrosoftAppTenantId=⟦uuid⟧
""",
    ),
    (
        "support ticket",
        r"""
Ticket ⟦ticket⟧: password reset link sent, reset token TTL 30 min, case linked to ⟦jira⟧
""",
    ),
    (
        "audit export",
        r"""
Audit evidence export ‹job›: service accounts with password_last_set only, no secrets; sha256 ⟦sha256⟧
""",
    ),
    (
        "vendor onboarding",
        r"""
Vendor onboarding ⟦jira⟧: credentials delivered via 1Password share (expired), vault id ⟦vaultid⟧
""",
    ),
    (
        "git commit",
        r"""
commit ⟦sha40⟧ "remove hard-coded api key from export job" (secret rotated under ‹chg›)
""",
    ),
    (
        "rotation report",
        r"""
Secret rotation report run ⟦uuid⟧ at ‹ts›: 12 passwords rotated, policy ⟦=pwd-rotation-90d⟧
""",
    ),
    (
        "webhook digest",
        r"""
webhook payload digest sha256 ⟦sha256⟧; signature verification passed, secret from ⟦=WEBHOOK_SECRET⟧
""",
    ),
    (
        "KeePass audit",
        r"""
KeePass export audit: Password column replaced with ⟦=[REDACTED]⟧, file md5 ⟦md5⟧
""",
    ),
    (
        "EBS request",
        r"""
EBS APPS password change completed, concurrent request id ‹num8›, see ⟦kb⟧
""",
    ),
    (
        "Salesforce login history",
        r"""
Salesforce login history: status "Invalid Password", login id ⟦loginid⟧, api version ⟦=v62.0⟧
""",
    ),
    (
        "secret manager key names",
        r"""
secret keys present: ⟦=SENDGRID_API_KEY⟧, ⟦=TWILIO_AUTH_TOKEN⟧ (values in vault, session ⟦uuid⟧)
""",
    ),
    (
        "MFT placeholder",
        r"""
sftp_password: ⟦={{ vault.sftp_password }}⟧  # rendered at runtime, trace ‹trace›
""",
    ),
]


# ================================================================ public API
def cases() -> list[Case]:
    r = random.Random(SEED)
    out: list[Case] = []
    for fam, templates in _FAMILIES:
        for fmt, text in templates:
            for _ in range(VARIANTS):
                lines, values, _k = _render(r, text)
                out.append(Case(fam, fmt, lines, values))
    return out


def keep_list() -> list[Keep]:
    r = random.Random(SEED + 1)
    out: list[Keep] = []
    for fmt, text in _KEEPS:
        for _ in range(VARIANTS):
            lines, _v, toks = _render(r, text)
            out.append(Keep(fmt, lines, toks))
    return out


def _check() -> dict[str, int]:
    cs = cases()
    assert cs == cases(), "cases() not deterministic"
    ks = keep_list()
    assert ks == keep_list(), "keep_list() not deterministic"
    allvals: set[str] = set()
    for c in cs:
        assert 1 <= len(c.lines) <= 10, c
        assert c.values, c
        text = "\n".join(c.lines)
        for v in c.values:
            assert v and len(v) >= 4, (c.family, c.format, v)
            assert v in text, (c.family, c.format, v)
            allvals.add(v)
    ntok = 0
    for k in ks:
        text = "\n".join(k.lines)
        assert k.tokens, k
        for t in k.tokens:
            assert t in text, (k.format, t)
            for v in allvals:
                assert t != v and t not in v, (k.format, t, v)
            ntok += 1
    return {
        "families": len(_FAMILIES),
        "case templates": sum(len(t) for _f, t in _FAMILIES),
        "cases": len(cs),
        "planted values": sum(len(c.values) for c in cs),
        "keep templates": len(_KEEPS),
        "keep entries": len(ks),
        "keep tokens": ntok,
    }


if __name__ == "__main__":
    print(_check())
