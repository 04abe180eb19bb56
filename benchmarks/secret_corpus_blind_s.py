# ruff: noqa: E501, RUF001, UP031
"""Sealed blind corpus S.

Written by helper S on 2026-12-03 without reading the sanitizer, its tests,
other corpora or benchmarks.

Theme: secrets as they really appear in logs, config dumps, shell history,
CLI output, tickets and chat for security tooling and agents (EDR/XDR, SIEM
forwarders, osquery, Velociraptor, scanners, honeypots), backup and disaster
recovery (Veeam, Commvault, Bacula/Bareos, restic/borg/kopia, Duplicati,
rclone, tape/KMS, Zerto), VPN and remote access (WireGuard, OpenVPN, IPsec,
Cisco, Fortinet, TeamViewer/AnyDesk/RustDesk, Guacamole, Tailscale/Headscale,
ZeroTier), MLOps and notebooks, ad-tech and marketing automation, CRM/ERP,
aviation/maritime/rail operations, building and agriculture automation, and
human text about all of these in English, Hungarian, Romanian, Greek, Hebrew,
Persian, Bengali, Tagalog, Malay, Danish, Swedish, Slovak, Croatian and
Catalan.  The keep-list holds diagnostic identifiers from the same domains
(agent/sensor ids, detection ids, job/session/snapshot ids, public keys,
run ids, flight/tail/MMSI/IMO numbers, BACnet objects, digests, trace ids...)
that a good sanitizer must leave alone.

SEED = 20261223 and VARIANTS = 2: every case template is rendered twice with
fresh secrets and fresh surrounding names (random.Random(SEED)); keep
templates are rendered once (random.Random(SEED + 1)).

Counts printed by _check():
{'families': 42, 'case_templates': 429, 'cases': 858, 'values': 1014, 'keep_templates': 134, 'keep_entries': 134, 'keep_tokens': 283}
"""

from __future__ import annotations

import base64
import random
import re
import string
import urllib.parse
from typing import NamedTuple

SEED = 20261223
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
# random material
# ---------------------------------------------------------------------------

_LOW = string.ascii_lowercase
_UP = string.ascii_uppercase
_DIG = string.digits
_AN = _LOW + _UP + _DIG
_LAN = _LOW + _DIG
_UAN = _UP + _DIG
_HEX = "0123456789abcdef"
_UHEX = "0123456789ABCDEF"
_CROCK = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_AISCH = "0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVW`abcdefghijklmnopqrstuvw"
_PWSYM = "!@%^*-_+=.?~"

_WORDS = (
    "summer",
    "winter",
    "autumn",
    "falcon",
    "harbor",
    "tractor",
    "monkey",
    "dragon",
    "sunshine",
    "rainbow",
    "pelican",
    "anchor",
    "compass",
    "cactus",
    "tulip",
    "ferrari",
    "liverpool",
    "barcelona",
    "budapest",
    "brasov",
    "athena",
    "galaxy",
    "pioneer",
    "voyager",
    "orchard",
    "lantern",
    "meadow",
    "thunder",
    "horizon",
    "glacier",
    "copper",
    "saffron",
    "mango",
    "durian",
    "kastrup",
    "malmo",
    "zagreb",
    "tatry",
    "montjuic",
    "tabriz",
    "dhaka",
    "cebu",
    "penang",
    "haifa",
    "piraeus",
    "danube",
    "carpathia",
    "gondola",
    "tundra",
    "pumpkin",
    "biscuit",
    "walrus",
    "cobalt",
    "juniper",
    "marigold",
    "kestrel",
    "osprey",
    "lighthouse",
    "cinnamon",
    "paprika",
    "fjord",
    "viking",
    "jasmine",
)


def _s(r: random.Random, alphabet: str, n: int) -> str:
    return "".join(r.choice(alphabet) for _ in range(n))


def _bytes(r: random.Random, n: int) -> bytes:
    return bytes(r.getrandbits(8) for _ in range(n))


def _b64(r: random.Random, n: int) -> str:
    return base64.b64encode(_bytes(r, n)).decode()


def _b64u(r: random.Random, n: int) -> str:
    return base64.urlsafe_b64encode(_bytes(r, n)).decode().rstrip("=")


def _enc(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _encu(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _uuid(r: random.Random) -> str:
    h = _s(r, _HEX, 32)
    h = h[:12] + "4" + h[13:16] + r.choice("89ab") + h[17:]
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _pw_human(r: random.Random) -> str:
    w = r.choice(_WORDS)
    w2 = r.choice(_WORDS)
    p = r.randrange(6)
    if p == 0:
        return w.capitalize() + str(r.randint(1979, 2026)) + r.choice("!*?.")
    if p == 1:
        return w.capitalize() + r.choice("@_-.!") + str(r.randint(1, 999))
    if p == 2:
        return w + w2.capitalize() + str(r.randint(10, 99))
    if p == 3:
        return w.capitalize() + "_" + w2.capitalize() + str(r.randint(1, 9)) + r.choice("!?")
    if p == 4:
        return w.capitalize() + str(r.randint(100, 9999))
    return w2.capitalize() + w + r.choice("!*") + str(r.randint(1, 99))


_LEET = {"a": "@4", "e": "3", "i": "1!", "o": "0", "s": "$5", "t": "7"}


def _pw_leet(r: random.Random) -> str:
    base = r.choice(_WORDS) + (r.choice(_WORDS) if r.random() < 0.4 else "")
    out = []
    for ch in base:
        if ch in _LEET and r.random() < 0.7:
            out.append(r.choice(_LEET[ch]))
        else:
            out.append(ch)
    s = "".join(out)
    s = s[0].upper() + s[1:]
    return s + r.choice(
        ["", "!", "?", "#1", str(r.randint(1, 99)), "*" + str(r.randint(1, 9))]
    ).replace("#", "")


def _pw_pass(r: random.Random) -> str:
    words = [r.choice(_WORDS) for _ in range(r.randint(3, 4))]
    p = r.randrange(4)
    if p == 0:
        return "-".join(words)
    if p == 1:
        return ".".join(words) + str(r.randint(1, 99))
    if p == 2:
        return "".join(w.capitalize() for w in words)
    return "_".join(words) + r.choice("!?")


def _pw_rand(r: random.Random, n: int = 0) -> str:
    n = n or r.randint(14, 22)
    s = _s(r, _AN + _PWSYM, n)
    return s[:-2] + r.choice(_PWSYM) + r.choice(_DIG)


def _pw_url(r: random.Random) -> str:
    p = r.randrange(3)
    if p == 0:
        return r.choice(_WORDS).capitalize() + r.choice("-_.~") + str(r.randint(10, 9999))
    if p == 1:
        return _s(r, _AN + "-_.", r.randint(14, 24))
    return "-".join(r.choice(_WORDS) for _ in range(3)) + str(r.randint(1, 99))


def _pw(r: random.Random) -> str:
    return r.choice([_pw_human, _pw_human, _pw_leet, _pw_pass, _pw_rand])(r)


def _jwt(r: random.Random, fill) -> str:
    t = r.randint(1796000000, 1796500000)
    hdr = _encu('{"alg":"%s","typ":"JWT"}' % r.choice(["HS256", "RS256"]))
    body = _encu(
        '{"sub":"%s","iat":%d,"exp":%d,"jti":"%s"}' % (fill("user"), t, t + 3600, _s(r, _HEX, 16))
    )
    return f"{hdr}.{body}.{_b64u(r, 32)}"


def _sa_json_b64(r: random.Random, fill) -> str:
    doc = (
        '{"type": "service_account", "project_id": "%s", "private_key_id": "%s", "private_key": "-----BEGIN PRIVATE KEY-----\\n%s\\n-----END PRIVATE KEY-----\\n", "client_email": "ci@%s.iam.gserviceaccount.com"}'
        % (fill("project"), _s(r, _HEX, 40), _b64(r, 120), fill("project"))
    )
    return _enc(doc)


def _pct_pw(r: random.Random) -> str:
    pw = _s(r, _AN, r.randint(8, 12)) + r.choice("!@%+=?") + _s(r, _AN, 3) + r.choice("!@%+=?&/")
    return urllib.parse.quote(pw, safe="")


_TAILS = (
    "D-A",
    "HA-L",
    "YR-B",
    "SX-D",
    "OY-K",
    "SE-R",
    "OM-",
    "9A-C",
    "EC-M",
    "4X-E",
    "EP-",
    "S2-A",
    "9M-M",
    "G-E",
)


def _tail(r: random.Random) -> str:
    p = r.choice((*_TAILS, "N", "RP-C"))
    if p == "N":
        return "N" + str(r.randint(100, 999)) + _s(r, _UP, 2)
    if p == "RP-C":
        return "RP-C" + str(r.randint(1000, 9999))
    return p + _s(r, _UP, 3 if len(p) == 3 else 2)


_AIRLINES = (
    "LH",
    "W6",
    "RO",
    "A3",
    "SK",
    "DY",
    "OS",
    "OU",
    "VY",
    "LY",
    "IR",
    "BG",
    "PR",
    "MH",
    "BA",
    "FR",
)


def _flight(r: random.Random) -> str:
    return r.choice(_AIRLINES) + str(r.randint(100, 9999))


_MIDS = (
    "244",
    "219",
    "265",
    "237",
    "238",
    "248",
    "538",
    "533",
    "548",
    "636",
    "229",
    "224",
    "422",
    "405",
    "428",
)


_G = {
    # generic
    "hex": lambda r, n, f: _s(r, _HEX, n),
    "uhex": lambda r, n, f: _s(r, _UHEX, n),
    "an": lambda r, n, f: _s(r, _AN, n),
    "lan": lambda r, n, f: _s(r, _LAN, n),
    "uan": lambda r, n, f: _s(r, _UAN, n),
    "dig": lambda r, n, f: _s(r, _DIG, n),
    "ndig": lambda r, n, f: r.choice("123456789") + _s(r, _DIG, n - 1),
    "bs": lambda r, n, f: _b64(r, n),
    "bu": lambda r, n, f: _b64u(r, n),
    "bsn": lambda r, n, f: _b64(r, n).rstrip("="),
    "uuid": lambda r, n, f: _uuid(r),
    "uuidu": lambda r, n, f: _uuid(r).upper(),
    # passwords
    "pw": lambda r, n, f: _pw(r),
    "pwh": lambda r, n, f: _pw_human(r),
    "pwl": lambda r, n, f: _pw_leet(r),
    "pwp": lambda r, n, f: _pw_pass(r),
    "pwr": lambda r, n, f: _pw_rand(r, n),
    "pwu": lambda r, n, f: _pw_url(r),
    "phrase": lambda r, n, f: " ".join(r.choice(_WORDS) for _ in range(4)),
    "pin": lambda r, n, f: _s(r, _DIG, n or 6),
    # vendor shapes
    "cscid": lambda r, n, f: _s(r, _UHEX, 32) + "-" + _s(r, _UHEX, 2),
    "stok": lambda r, n, f: _enc(
        '{"url": "https://usea1-%s.sentinelone.net", "site_key": "%s"}'
        % (f("corp"), _s(r, _HEX, 16))
    ),
    "elenroll": lambda r, n, f: _enc(_s(r, _AN + "-_", 20) + ":" + _s(r, _AN + "-_", 22)),
    "esenroll": lambda r, n, f: _enc(
        '{"ver":"8.14.3","adr":["%s:9200"],"fgr":"%s","key":"%s:%s"}'
        % (f("ip"), _s(r, _HEX, 64), _s(r, _AN + "-_", 20), _s(r, _AN + "-_", 22))
    ),
    "esst": lambda r, n, f: (
        base64.urlsafe_b64encode(
            b"\x00\x01\x00\x01elastic/fleet-server/token-%d:%s"
            % (r.randint(1796000000000, 1796500000000), _s(r, _AN + "-_", 22).encode())
        )
        .decode()
        .rstrip("=")
    ),
    "wgkey": lambda r, n, f: _b64(r, 32),
    "tskey": lambda r, n, f: (
        "tskey-auth-k" + _s(r, _AN, r.randint(7, 11)) + "CNTRL-" + _s(r, _AN, 33)
    ),
    "tsclient": lambda r, n, f: (
        "tskey-client-k" + _s(r, _AN, r.randint(7, 11)) + "CNTRL-" + _s(r, _AN, 33)
    ),
    "tsapi": lambda r, n, f: (
        "tskey-api-k" + _s(r, _AN, r.randint(7, 11)) + "CNTRL-" + _s(r, _AN, 33)
    ),
    "hf": lambda r, n, f: "hf_" + _s(r, _LOW + _UP, 34),
    "hspat": lambda r, n, f: "pat-" + r.choice(["na1", "eu1"]) + "-" + _uuid(r),
    "mc": lambda r, n, f: _s(r, _HEX, 32) + "-us" + str(r.randint(1, 21)),
    "mandrill": lambda r, n, f: "md-" + _s(r, _AN + "-_", 22),
    "sg": lambda r, n, f: "SG." + _s(r, _AN + "-_", 22) + "." + _s(r, _AN + "-_", 43),
    "klaviyo": lambda r, n, f: "pk_" + _s(r, _HEX, 34),
    "sfck": lambda r, n, f: "3MVG9" + _s(r, _AN + "._", 80),
    "sfcs": lambda r, n, f: _s(r, _UHEX, 64),
    "sftok": lambda r, n, f: _s(r, _AN, 24),
    "sfpwtok": lambda r, n, f: _pw(r) + _s(r, _AN, 25),
    "sfpwtoku": lambda r, n, f: _pw_url(r) + _s(r, _AN, 25),
    "sfsid": lambda r, n, f: (
        "00D" + _s(r, _AN, 12) + "!AQ" + _s(r, _AN, 2) + "AQ" + _s(r, _AN + "._", 90)
    ),
    "sfdx": lambda r, n, f: "5Aep861" + _s(r, _AN + "._", 80),
    "azsec": lambda r, n, f: _s(r, _AN, 3) + "8Q~" + _s(r, _AN + "~_.-", 31),
    "awsak": lambda r, n, f: "AKIA" + _s(r, _UP + "234567", 16),
    "asiak": lambda r, n, f: "ASIA" + _s(r, _UP + "234567", 16),
    "awssk": lambda r, n, f: _s(r, _AN + "/+", 40),
    "awssku": lambda r, n, f: _s(r, _AN, 40),
    "awsst": lambda r, n, f: "IQoJb3JpZ2luX2Vj" + _s(r, _AN + "/+", 240),
    "zoho": lambda r, n, f: "1000." + _s(r, _HEX, 32) + "." + _s(r, _HEX, 32),
    "jwt": lambda r, n, f: _jwt(r, f),
    "ttn": lambda r, n, f: "NNSXS." + _s(r, _UAN, 39) + "." + _s(r, _UAN, 64),
    "pemline": lambda r, n, f: _b64(r, 48),
    "gcpkey": lambda r, n, f: "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC" + _s(r, _AN + "+/", 32),
    "dapi": lambda r, n, f: "dapi" + _s(r, _HEX, 32),
    "fbtok": lambda r, n, f: r.choice(["EAAB", "EAAG", "EAAJ"]) + _s(r, _AN, 150),
    "obsc": lambda r, n, f: _b64u(r, r.randint(20, 40)),
    "tvtok": lambda r, n, f: str(r.randint(1000000, 29999999)) + "-" + _s(r, _AN, 20),
    "tvassign": lambda r, n, f: "0001Co" + _s(r, _AN + "-_", 66),
    "bacula": lambda r, n, f: _s(r, _AN + "+/", 44),
    "borghead": lambda r, n, f: "hqlhbGdvcml0aG2mc2hhMjU2pGRhdGHaAZ" + _s(r, _AN + "+/", 42),
    "borgline": lambda r, n, f: _s(r, _AN + "+/", 76),
    "hexpsk": lambda r, n, f: "0x" + _s(r, _HEX, 64),
    "awspsk": lambda r, n, f: _s(r, _AN + "._", 32),
    "junos": lambda r, n, f: "$9$" + _s(r, _AN + "./-", r.randint(24, 40)),
    "ciscot": lambda r, n, f: "%02d" % r.randint(0, 15) + _s(r, _UHEX, 2 * r.randint(8, 11)),
    "nesscode": lambda r, n, f: "-".join(_s(r, _UAN, 4) for _ in range(5)),
    "lickey": lambda r, n, f: "-".join(_s(r, _UAN, 5) for _ in range(4)),
    "bbkey": lambda r, n, f: "K00" + str(r.randint(1, 5)) + _s(r, _AN, 27),
    "gauth": lambda r, n, f: "4/0A" + _s(r, _AN + "-_", 70),
    "ya": lambda r, n, f: "ya29.a0" + _s(r, _AN + "-_", 140),
    "gapikey": lambda r, n, f: "AIza" + _s(r, _AN + "-_", 35),
    "oaikey": lambda r, n, f: "sk-proj-" + _s(r, _AN + "-_", 64),
    "glpat": lambda r, n, f: "glpat-" + _s(r, _AN + "-_", 20),
    "branchsec": lambda r, n, f: "secret_live_" + _s(r, _AN, 32),
    "ccbasic": lambda r, n, f: _enc(_s(r, _AN, 24) + ":" + _s(r, _AN, 32)),
    "basic": lambda r, n, f: _enc(f("user") + ":" + _pw(r)),
    "encpw": lambda r, n, f: _enc(_pw(r)),
    "hexpw": lambda r, n, f: _pw(r).encode().hex(),
    "pctpw": lambda r, n, f: _pct_pw(r),
    "encwandb": lambda r, n, f: _enc(_s(r, _HEX, 40)),
    "encosq": lambda r, n, f: _enc(_s(r, _AN, 32)),
    "jenkins": lambda r, n, f: "AQAAABAAAA" + _s(r, _AN + "+/", 54) + "=",
    "pbkdf": lambda r, n, f: (
        "$pbkdf2-sha512$600000$" + _s(r, _AN + "./", 22) + "$" + _s(r, _AN + "./", 86)
    ),
    "knxfdsk": lambda r, n, f: "-".join(
        _s(r, "ABCDEFGHJKLMNPQRSTUVWXYZ23456789", 6) for _ in range(6)
    ),
    "aishub": lambda r, n, f: "AH_" + _s(r, _DIG, 4) + "_" + _s(r, _UHEX, 8),
    "hydra": lambda r, n, f: "-".join(_s(r, _UHEX, 4) for _ in range(4)),
    "wandblocal": lambda r, n, f: "local-" + _s(r, _HEX, 40),
    "anyscale": lambda r, n, f: "aph0_" + _s(r, _AN + "-_", 60),
    "sasjson": lambda r, n, f: _sa_json_b64(r, f),
    "hvs": lambda r, n, f: "hvs.CAESI" + _s(r, _AN + "-_", 86),
    "fortenc": lambda r, n, f: _b64(r, 72),
    "crdpin": lambda r, n, f: _s(r, _DIG, 6),
    # keep-list shapes (diagnostic identifiers)
    "csldt": lambda r, n, f: (
        "ldt:" + _s(r, _HEX, 32) + ":" + r.choice("123456789") + _s(r, _DIG, 10)
    ),
    "veloc": lambda r, n, f: "C." + _s(r, _HEX, 16),
    "velof": lambda r, n, f: "F." + _s(r, _UAN, 13),
    "veloh": lambda r, n, f: "H." + _s(r, _UAN, 13),
    "ulid": lambda r, n, f: "01J" + _s(r, _CROCK, 23),
    "splsid": lambda r, n, f: "%d.%d" % (r.randint(1796000000, 1796500000), r.randint(1000, 99999)),
    "bkt": lambda r, n, f: "main~%d~%s" % (r.randint(100, 999), _uuid(r).upper()),
    "canaryinc": lambda r, n, f: "incident:portscan:" + _s(r, _HEX, 24),
    "veeamfile": lambda r, n, f: (
        "%sD2026-12-%02dT%02d%02d%02d_%s.vib"
        % (
            f("host"),
            r.randint(1, 3),
            r.randint(0, 23),
            r.randint(0, 59),
            r.randint(0, 59),
            _s(r, _UHEX, 4),
        )
    ),
    "baculajob": lambda r, n, f: (
        "%s-fd.2026-12-%02d_%02d.%02d.%02d_%02d"
        % (
            f("host"),
            r.randint(1, 3),
            r.randint(0, 23),
            r.randint(0, 59),
            r.randint(0, 59),
            r.randint(3, 99),
        )
    ),
    "volser": lambda r, n, f: r.choice(_UP) + _s(r, _DIG, 5) + r.choice(["L7", "L8", "L9", "M8"]),
    "kopiaroot": lambda r, n, f: "k" + _s(r, _HEX, 32),
    "tsnode": lambda r, n, f: "n" + _s(r, _AN, 10) + "CNTRL",
    "nodekey": lambda r, n, f: "nodekey:" + _s(r, _HEX, 64),
    "mlm": lambda r, n, f: "m-" + _s(r, _HEX, 32),
    "smjob": lambda r, n, f: (
        "pytorch-training-2026-12-%02d-%02d-%02d-%02d-%03d"
        % (r.randint(1, 3), r.randint(0, 23), r.randint(0, 59), r.randint(0, 59), r.randint(0, 999))
    ),
    "gadscust": lambda r, n, f: (
        "%03d-%03d-%04d" % (r.randint(100, 999), r.randint(100, 999), r.randint(1000, 9999))
    ),
    "gclid": lambda r, n, f: "Cj0KCQiA" + _s(r, _AN + "-_", 70) + "_BwE",
    "fbclid": lambda r, n, f: "IwAR" + _s(r, _AN + "-_", 56),
    "afid": lambda r, n, f: (
        "%d-%07d" % (r.randint(1796000000000, 1796500000000), r.randint(0, 9999999))
    ),
    "munchkin": lambda r, n, f: (
        "%03d-%s-%03d" % (r.randint(100, 999), _s(r, _UP, 3), r.randint(100, 999))
    ),
    "segmsg": lambda r, n, f: "ajs-next-" + _s(r, _HEX, 32),
    "impactaction": lambda r, n, f: (
        "%d.%d.%d" % (r.randint(1000, 99999), r.randint(1000, 9999), r.randint(100000, 999999))
    ),
    "sfid": lambda r, n, f: (
        r.choice(["001", "003", "006", "500", "00Q", "0Af", "005"])
        + "5"
        + r.choice("gJ")
        + "00000"
        + _s(r, _AN, 5)
        + (_s(r, _UP + "012345", 3) if n == 18 else "")
    ),
    "odooso": lambda r, n, f: "S" + _s(r, _DIG, 5),
    "flight": lambda r, n, f: _flight(r),
    "tail": lambda r, n, f: _tail(r),
    "wgpub": lambda r, n, f: _b64(r, 32),
    "gadev": lambda r, n, f: _s(r, _AN + "-_", 22),
    "mchtok": lambda r, n, f: (
        "_mch-%s-%d-%05d"
        % (f("dom"), r.randint(1796000000000, 1796500000000), r.randint(10000, 99999))
    ),
    "icaoaddr": lambda r, n, f: _s(r, _HEX, 6),
    "notamid": lambda r, n, f: "%s%04d/26" % (r.choice("ABC"), r.randint(1, 9999)),
    "aispayload": lambda r, n, f: r.choice("13") + _s(r, _AISCH, 27),
    "mmsi": lambda r, n, f: r.choice(_MIDS) + _s(r, _DIG, 6),
    "imo": lambda r, n, f: "IMO" + r.choice("9") + _s(r, _DIG, 6),
    "callsign": lambda r, n, f: (
        r.choice(["9HA", "OZ", "SB", "9A", "V7", "5B", "4X", "PB"]) + _s(r, _UAN, 4)
    ),
    "ucrn": lambda r, n, f: (
        r.choice(["NLRTM", "DKAAR", "SEGOT", "HRRJK", "ESBCN", "ROCND", "GRPIR", "MYPKG"])
        + "26"
        + _s(r, _DIG, 6)
    ),
    "container": lambda r, n, f: (
        r.choice(["MSC", "MAE", "CMA", "HLX", "TGH", "OOL"]) + "U" + _s(r, _DIG, 7)
    ),
    "bol": lambda r, n, f: r.choice(["MEDU", "MAEU", "HLCU", "CMDU"]) + _s(r, _UAN, 8),
    "train": lambda r, n, f: (
        r.choice(["ICE", "IC", "EC", "RJX", "EN", "IR", "RE"]) + " " + str(r.randint(100, 2999))
    ),
    "uic": lambda r, n, f: (
        "94 80 %04d %03d-%d" % (r.randint(0, 9999), r.randint(0, 999), r.randint(0, 9))
    ),
    "bacdev": lambda r, n, f: "device,%d" % r.randint(1000, 4194302),
    "bacobj": lambda r, n, f: (
        "%s,%d"
        % (
            r.choice(
                ["analog-input", "analog-value", "binary-output", "multi-state-value", "schedule"]
            ),
            r.randint(1, 9999),
        )
    ),
    "knxserial": lambda r, n, f: "00FA:" + _s(r, _UHEX, 8),
    "knxia": lambda r, n, f: "%d.%d.%d" % (r.randint(1, 15), r.randint(1, 15), r.randint(10, 255)),
    "knxga": lambda r, n, f: "%d/%d/%d" % (r.randint(1, 31), r.randint(0, 7), r.randint(10, 255)),
    "niagarahost": lambda r, n, f: (
        r.choice(["Win", "Qnx-TITAN", "Qnx-JACE8000"])
        + "-"
        + "-".join(_s(r, _UHEX, 4) for _ in range(4))
    ),
    "digest": lambda r, n, f: "sha256:" + _s(r, _HEX, 64),
    "buildnum": lambda r, n, f: (
        "2026%02d%02d.%d" % (r.randint(10, 12), r.randint(1, 28), r.randint(1, 9))
    ),
    "fpcolon": lambda r, n, f: ":".join(_s(r, _UHEX, 2) for _ in range(32)),
    "sshfp": lambda r, n, f: "SHA256:" + _b64(r, 32).rstrip("="),
    "fgserial": lambda r, n, f: (
        "FG" + r.choice(["100F", "60F", "200F", "40F"]) + "TK" + _s(r, _DIG, 8)
    ),
    "tvcode": lambda r, n, f: (
        "s%02d-%03d-%03d" % (r.randint(10, 99), r.randint(0, 999), r.randint(0, 999))
    ),
    "ver": lambda r, n, f: "%d.%d.%d" % (r.randint(1, 9), r.randint(0, 20), r.randint(0, 15)),
    "inc": lambda r, n, f: r.choice(["INC", "CHG", "RITM", "PRB"]) + _s(r, _DIG, 7),
}


def _gen(r: random.Random, kind: str, fill) -> str:
    m = re.fullmatch(r"([a-z_]*[a-z])(\d*)", kind)
    if not m or m.group(1) not in _G:
        raise KeyError("unknown generator %r" % kind)
    return _G[m.group(1)](r, int(m.group(2) or 0), fill)


# ---------------------------------------------------------------------------
# surrounding (non-secret) names
# ---------------------------------------------------------------------------

_HOSTPRE = (
    "bkp",
    "siem",
    "edr",
    "vpn",
    "fw",
    "ml",
    "gpu",
    "crm",
    "erp",
    "ops",
    "ais",
    "acars",
    "bms",
    "jace",
    "irr",
    "gh",
    "rail",
    "pis",
    "vbr",
    "dc",
    "app",
    "db",
    "lab",
    "nb",
    "kms",
)
_HOSTMID = ("prd", "stg", "dr", "dev", "qa", "edge", "core", "site2", "hq")
_SVC = (
    "siem",
    "fleet",
    "hec",
    "vpn",
    "backup",
    "vbr",
    "mlflow",
    "wandb",
    "labelstudio",
    "odoo",
    "crm",
    "kms",
    "zvm",
    "guac",
    "headscale",
    "opc",
    "bms",
    "ais-gw",
    "acars-gw",
    "crewportal",
    "fuel",
    "pcs",
    "roster",
    "scanner",
    "canary",
    "velo",
    "graylog",
    "kibana",
    "nessus",
    "rest",
)
_DOMS = (
    "corp.example.com",
    "example.net",
    "ops.example.org",
    "internal.example.io",
    "northwind.lan",
    "fabrikam.internal",
    "int.example.eu",
    "dc1.example.hu",
    "example.ro",
    "example.gr",
    "example.dk",
    "example.se",
    "example.sk",
    "example.hr",
    "example.cat",
    "example.co.il",
    "example.ir",
    "example.com.bd",
    "example.ph",
    "example.my",
)
_CORPS = (
    "northwind",
    "fabrikam",
    "kestrelair",
    "balticline",
    "agrovita",
    "dunarea",
    "helios",
    "skagen",
    "vastra",
    "tatrarail",
    "jadran",
    "montseny",
    "perseus",
    "kinabalu",
    "padma",
    "bayanihan",
    "carmelbms",
    "zagros",
    "pannonia",
    "oresund",
)
_USERS = (
    "jnagy",
    "mpopescu",
    "akovacs",
    "gpapadopoulos",
    "lhansen",
    "elindqvist",
    "mhorvath",
    "ivukovic",
    "jpuig",
    "dcohen",
    "rahmadi",
    "srahman",
    "jdelacruz",
    "nazlan",
    "kbalogh",
    "ionescu.a",
    "svc_backup",
    "svc_siem",
    "svc_veeam",
    "ml-runner",
    "ci-bot",
    "opsadmin",
    "bmsadmin",
    "crewsync",
    "ais-feeder",
    "tkovac",
    "mgarcia",
    "pnovak",
    "ostoica",
    "hjensen",
)
_PEOPLE = (
    "Péter",
    "Ioana",
    "Andreea",
    "Giorgos",
    "Eleni",
    "Lars",
    "Freja",
    "Erik",
    "Astrid",
    "Marek",
    "Zuzana",
    "Ivana",
    "Tomislav",
    "Jordi",
    "Núria",
    "Dana",
    "Yossi",
    "Reza",
    "Shirin",
    "Rahim",
    "Nusrat",
    "Joy",
    "Paolo",
    "Aisyah",
    "Hafiz",
    "Priya",
    "Sam",
    "Alex",
    "Maria",
    "Chen",
)
_PROJECTS = (
    "churn-model",
    "fraud-detect",
    "demand-forecast",
    "ais-anomaly",
    "yield-predict",
    "crew-roster-opt",
    "ocr-invoices",
    "delay-predictor",
    "greenhouse-climate",
    "lead-scoring",
)
_MODELS = (
    "llama3-8b-ops-ft",
    "bert-base-ner-ro",
    "whisper-small-hu",
    "clip-vit-b32-agri",
    "t5-ops-summarizer",
    "distilbert-tickets",
    "xgb-delay-v3",
    "yolov8-weeds",
)
_REGIONS = (
    "eu-central-1",
    "us-east-1",
    "eu-west-1",
    "ap-southeast-1",
    "eu-north-1",
    "me-central-1",
)
_GREGIONS = ("europe-west4", "us-central1", "asia-southeast1", "europe-north1")
_ICAO = (
    "LHBP",
    "LROP",
    "LGAV",
    "EKCH",
    "ESSA",
    "LZIB",
    "LDZA",
    "LEBL",
    "LLBG",
    "OIII",
    "VGHS",
    "RPLL",
    "WMKK",
    "EGLL",
    "EDDF",
)
_VESSELS = (
    "MV Nordic Tern",
    "MV Jadran Star",
    "MT Aegean Spirit",
    "MV Baltic Osprey",
    "MV Padma Trader",
    "MV Kinabalu Bay",
    "MT Danube Pearl",
    "MV Skagen Light",
)
_LOCODES = (
    "NLRTM",
    "DKAAR",
    "SEGOT",
    "HRRJK",
    "ESBCN",
    "ROCND",
    "GRPIR",
    "MYPKG",
    "PHMNL",
    "BDCGP",
    "ILHFA",
)
_STATIONS = (
    "Budapest-Keleti",
    "Bucuresti Nord",
    "Kobenhavn H",
    "Stockholm C",
    "Bratislava hl.st.",
    "Zagreb Glavni kol.",
    "Barcelona Sants",
    "Athina",
)
_BLDGS = (
    "B12",
    "HQ-North",
    "Lab-3",
    "Warehouse-7",
    "Tower-A",
    "Plant-2",
    "Greenhouse-4",
    "Depot-East",
)
_SITES = (
    "Debrecen",
    "Cluj",
    "Thessaloniki",
    "Aarhus",
    "Malmo",
    "Kosice",
    "Split",
    "Girona",
    "Haifa",
    "Tabriz",
    "Chattogram",
    "Cebu",
    "Penang",
)

_F = {
    "host": lambda r, n, f: (
        "%s-%s-%02d" % (r.choice(_HOSTPRE), r.choice(_HOSTMID), r.randint(1, 40))
    ),
    "fqdn": lambda r, n, f: "%s.%s" % (r.choice(_SVC), r.choice(_DOMS)),
    "dom": lambda r, n, f: r.choice(_DOMS),
    "ip": lambda r, n, f: r.choice(
        [
            "10.%d.%d.%d" % (r.randint(0, 255), r.randint(0, 255), r.randint(2, 254)),
            "172.%d.%d.%d" % (r.randint(16, 31), r.randint(0, 255), r.randint(2, 254)),
            "192.168.%d.%d" % (r.randint(0, 255), r.randint(2, 254)),
        ]
    ),
    "pubip": lambda r, n, f: (
        "%s.%d" % (r.choice(["203.0.113", "198.51.100", "192.0.2"]), r.randint(2, 254))
    ),
    "user": lambda r, n, f: r.choice(_USERS),
    "person": lambda r, n, f: r.choice(_PEOPLE),
    "corp": lambda r, n, f: r.choice(_CORPS),
    "email": lambda r, n, f: "%s@%s" % (r.choice(_USERS).replace("svc_", "ops."), r.choice(_DOMS)),
    "env": lambda r, n, f: r.choice(["prod", "staging", "dr", "dev", "qa"]),
    "region": lambda r, n, f: r.choice(_REGIONS),
    "gregion": lambda r, n, f: r.choice(_GREGIONS),
    "port": lambda r, n, f: str(r.choice([443, 8443, 8080, 9443, 10443, 4443])),
    "date": lambda r, n, f: "2026-%02d-%02d" % (r.randint(9, 12), r.randint(1, 28)),
    "ts": lambda r, n, f: (
        "2026-%02d-%02dT%02d:%02d:%02d.%03dZ"
        % (
            r.randint(9, 12),
            r.randint(1, 28),
            r.randint(0, 23),
            r.randint(0, 59),
            r.randint(0, 59),
            r.randint(0, 999),
        )
    ),
    "time": lambda r, n, f: (
        "%02d:%02d:%02d" % (r.randint(0, 23), r.randint(0, 59), r.randint(0, 59))
    ),
    "hm": lambda r, n, f: "%02d:%02d" % (r.randint(0, 23), r.randint(0, 59)),
    "clf": lambda r, n, f: (
        "%02d/%s/2026:%02d:%02d:%02d +0000"
        % (
            r.randint(1, 28),
            r.choice(["Sep", "Oct", "Nov", "Dec"]),
            r.randint(0, 23),
            r.randint(0, 59),
            r.randint(0, 59),
        )
    ),
    "epoch": lambda r, n, f: str(r.randint(1796000000, 1796500000)),
    "n": lambda r, n, f: (
        str(r.randint(2, 99)) if not n else r.choice("123456789") + _s(r, _DIG, n - 1)
    ),
    "pid": lambda r, n, f: str(r.randint(1000, 65000)),
    "site": lambda r, n, f: r.choice(_SITES),
    "ticket": lambda r, n, f: (
        r.choice(["OPS-", "SEC-", "NOC-", "SR-", "INFRA-"]) + str(r.randint(100, 9999))
    ),
    "ver": lambda r, n, f: "%d.%d.%d" % (r.randint(1, 9), r.randint(0, 20), r.randint(0, 15)),
    "bucket": lambda r, n, f: (
        "%s-%s-%s"
        % (
            r.choice(_CORPS),
            r.choice(["backup", "ml-artifacts", "restic", "dr", "archive"]),
            r.choice(["prod", "eu", "dr"]),
        )
    ),
    "project": lambda r, n, f: r.choice(_PROJECTS),
    "model": lambda r, n, f: r.choice(_MODELS),
    "app": lambda r, n, f: (
        "%s-%s" % (r.choice(_CORPS), r.choice(["soil", "irrig", "climate", "silo"]))
    ),
    "dev": lambda r, n, f: (
        "%s-%03d" % (r.choice(["probe", "valve", "moist", "th"]), r.randint(1, 300))
    ),
    "flight": lambda r, n, f: _flight(r),
    "tail": lambda r, n, f: _tail(r),
    "icao": lambda r, n, f: r.choice(_ICAO),
    "mmsi": lambda r, n, f: r.choice(_MIDS) + _s(r, _DIG, 6),
    "vessel": lambda r, n, f: r.choice(_VESSELS),
    "locode": lambda r, n, f: r.choice(_LOCODES),
    "station": lambda r, n, f: r.choice(_STATIONS),
    "bldg": lambda r, n, f: r.choice(_BLDGS),
    "crs": lambda r, n, f: r.choice(["KGX", "PAD", "EUS", "MAN", "EDB", "BHM", "LDS"]),
    "fhex": lambda r, n, f: _s(r, _HEX, n),
    "fuhex": lambda r, n, f: _s(r, _UHEX, n),
    "fan": lambda r, n, f: _s(r, _AN, n),
    "flan": lambda r, n, f: _s(r, _LAN, n),
    "fuan": lambda r, n, f: _s(r, _UAN, n),
    "fdig": lambda r, n, f: r.choice("123456789") + _s(r, _DIG, n - 1),
    "fbs": lambda r, n, f: _b64(r, n),
    "fuuid": lambda r, n, f: _uuid(r),
    "fwgkey": lambda r, n, f: _b64(r, 32),
    "fsig": lambda r, n, f: _b64(r, 32).replace("+", "%2B").replace("/", "%2F").replace("=", "%3D"),
    "fencuser": lambda r, n, f: _enc(f("user")),
    "fsfid": lambda r, n, f: _G["sfid"](r, 18, f),
}


def _fill(r: random.Random, kind: str, fill) -> str:
    m = re.fullmatch(r"([a-z_]*[a-z])(\d*)", kind)
    if not m or m.group(1) not in _F:
        raise KeyError("unknown filler %r" % kind)
    return _F[m.group(1)](r, int(m.group(2) or 0), fill)


_TOK = re.compile(r"«([^»]+)»|‹([^›]+)›")


def _render(
    text: str, r: random.Random, avoid: tuple[str, ...]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Render one template; returns (lines, planted values / keep tokens)."""
    fvals: dict[tuple[str, str], str] = {}
    svals: dict[tuple[str, str], str] = {}
    found: list[str] = []

    def fill(kind: str, tag: str = "") -> str:
        key = (kind, tag)
        if key not in fvals:
            fvals[key] = _fill(r, kind, fill)
        return fvals[key]

    def rep(m: re.Match) -> str:
        if m.group(2) is not None:
            kind, _, tag = m.group(2).partition("@")
            return fill(kind, tag)
        spec = m.group(1)
        if spec.startswith("="):
            v = spec[1:]
            if v not in found:
                found.append(v)
            return v
        kind, _, tag = spec.partition("@")
        if tag and (kind, tag) in svals:
            return svals[(kind, tag)]
        for _ in range(500):
            v = _gen(r, kind, fill)
            if len(v) >= 4 and v not in found and not any(v in a or a in v for a in avoid):
                break
        else:
            raise RuntimeError("could not draw %s" % kind)
        found.append(v)
        if tag:
            svals[(kind, tag)] = v
        return v

    out = _TOK.sub(rep, text)
    return tuple(out.split("\n")), tuple(found)


# ---------------------------------------------------------------------------
# case templates: guillemet-quoted generator names are planted secrets (same
# @tag => same value); single-angle-quoted names are surrounding fillers (fresh
# per rendering, stable inside one case)
# ---------------------------------------------------------------------------

_CASES: list[tuple[str, list[tuple[str, str]]]] = [
    (
        "edr_agent_install",
        [
            (
                "falcon windows installer CID= flag",
                'PS C:\\Temp> .\\WindowsSensor_7.16.exe /install /quiet /norestart CID=«cscid» GROUPING_TAGS="‹corp›,Servers,‹env›"',
            ),
            (
                "falconctl cid and provisioning token",
                '[root@‹host› ~]# /opt/CrowdStrike/falconctl -s --cid=«cscid» --provisioning-token=«uhex8» --tags="‹env›"\n[root@‹host› ~]# systemctl start falcon-sensor',
            ),
            (
                "sentinelone msi SITE_TOKEN",
                "C:\\> msiexec /i SentinelInstaller_windows_64bit_v23_4_2_216.msi SITE_TOKEN=«stok» /QUIET /NORESTART /L*v C:\\Windows\\Temp\\s1.log",
            ),
            (
                "sentinelctl management token set",
                "$ sudo /opt/sentinelone/bin/sentinelctl management token set «stok»\n$ sudo /opt/sentinelone/bin/sentinelctl control start",
            ),
            (
                "sentinelone API ApiToken header",
                'curl -s -H "Authorization: ApiToken «an80»" "https://usea1-‹corp›.sentinelone.net/web/api/v2.1/agents?limit=50&computerName__contains=‹host›"',
            ),
            (
                "carbon black linux install company code",
                "[‹user›@‹host› cb-psc-install]$ sudo ./install.sh «uan20»\nInstalling Carbon Black Cloud sensor ‹ver› ...",
            ),
            (
                "trend micro dsa_control activation token",
                '/opt/ds_agent/dsa_control -a dsm://agents.deepsecurity.trendmicro.com:443/ "tenantID:‹fuuid›" "token:«uuid»" "policyid:‹n›"',
            ),
            (
                "falcon API client secret env",
                "FALCON_CLIENT_ID=‹fhex32›\nFALCON_CLIENT_SECRET=«an40»\nFALCON_CLOUD=eu-1",
            ),
            (
                "cortex xdr API key header",
                'curl -X POST https://api-‹corp›.xdr.eu.paloaltonetworks.com/public_api/v1/endpoints/get_endpoint/ -H "x-xdr-auth-id: ‹n›" -H "Authorization: «an128»" -H "Content-Type: application/json" -d \'{"request_data":{}}\'',
            ),
            (
                "huntress installer ACCT_KEY",
                'C:\\> HuntressInstaller.exe /ACCT_KEY=«hex32» /ORG_KEY="‹corp›-‹site›" /S',
            ),
        ],
    ),
    (
        "splunk_hec",
        [
            (
                "HEC curl Authorization: Splunk",
                'curl -k https://‹fqdn›:8088/services/collector/event -H "Authorization: Splunk «uuid»" -d \'{"event": "hello from ‹host›", "sourcetype": "manual"}\'',
            ),
            (
                "inputs.conf http stanza token",
                "[http://‹corp›_k8s]\ndisabled = 0\ntoken = «uuid»\nindex = k8s_‹env›\nindexes = k8s_‹env›,main",
            ),
            (
                "server.conf pass4SymmKey",
                "[general]\nserverName = ‹host›\npass4SymmKey = «pw»\n\n[clustering]\nmode = peer\nmanager_uri = https://‹fqdn›:8089",
            ),
            (
                "fluent-bit splunk output",
                "[OUTPUT]\n    Name         splunk\n    Match        kube.*\n    Host         ‹fqdn›\n    Port         8088\n    Splunk_Token «uuid»\n    TLS          On",
            ),
            (
                "universal forwarder -auth",
                "$ /opt/splunkforwarder/bin/splunk add forward-server ‹fqdn›:9997 -auth admin:«pw»\nAdded forwarding to: ‹fqdn›:9997.",
            ),
            ("user-seed.conf", "[user_info]\nUSERNAME = admin\nPASSWORD = «pw»"),
            (
                "docker run splunk env",
                "docker run -d -p 8000:8000 -p 8088:8088 -e SPLUNK_START_ARGS=--accept-license -e SPLUNK_PASSWORD='«pw»' -e SPLUNK_HEC_TOKEN=«uuid» --name so1 splunk/splunk:9.2",
            ),
            (
                "REST bearer JWT",
                'curl -s -H "Authorization: Bearer «jwt»" https://‹fqdn›:8089/services/search/jobs -d search="search index=_internal | head 5"',
            ),
            (
                "otel collector splunk_hec exporter yaml",
                'exporters:\n  splunk_hec:\n    token: "«uuid»"\n    endpoint: "https://‹fqdn›:8088/services/collector"\n    source: "otel"\n    index: "‹env›_metrics"',
            ),
            (
                "client log echoing Authorization header",
                "‹ts› WARN splunk-logging: POST https://‹fqdn›:8088/services/collector/event/1.0 -> 403 Forbidden; headers={'Authorization': 'Splunk «uuid»', 'Content-Type': 'application/json'}",
            ),
        ],
    ),
    (
        "elastic_agent_enroll",
        [
            (
                "elastic-agent install --enrollment-token",
                "sudo ./elastic-agent install --url=https://‹fqdn›:8220 --enrollment-token=«elenroll» --non-interactive",
            ),
            (
                "docker env FLEET_ENROLLMENT_TOKEN",
                "FLEET_ENROLL=1\nFLEET_URL=https://‹fqdn›:8220\nFLEET_ENROLLMENT_TOKEN=«elenroll»\nFLEET_INSECURE=false",
            ),
            (
                "kibana API basic auth -u",
                "curl -u elastic:«pwu» -X GET \"https://‹fqdn›:5601/api/fleet/enrollment_api_keys\" -H 'kbn-xsrf: true'",
            ),
            (
                "filebeat.yml api_key id:key",
                'output.elasticsearch:\n  hosts: ["https://‹fqdn›:9200"]\n  api_key: "‹fan20›:«an22»"\n  ssl.verification_mode: full',
            ),
            (
                "Authorization: ApiKey header",
                'curl -H "Authorization: ApiKey «elenroll»" "https://‹fqdn›:9200/_cat/indices?v"',
            ),
            (
                "elasticsearch-reset-password output",
                "$ bin/elasticsearch-reset-password -u elastic\nThis tool will reset the password of the [elastic] user to an autogenerated value.\nThe password will be printed in the console.\nPlease confirm that you would like to continue [y/N]y\n\n\nPassword for the [elastic] user successfully reset.\nNew value: «pwr20»",
            ),
            (
                "first start security autoconfig banner",
                "✅ Elasticsearch security features have been automatically configured!\nℹ️  Password for the elastic user (reset with `bin/elasticsearch-reset-password -u elastic`):\n  «pwr20»\n\nℹ️  Configure Kibana to use this cluster:\n• Copy the following enrollment token and paste it into Kibana in your browser (valid for the next 30 minutes):\n  «esenroll»",
            ),
            (
                "logstash pipeline elasticsearch output",
                'output {\n  elasticsearch {\n    hosts => ["https://‹fqdn›:9200"]\n    user => "logstash_internal"\n    password => "«pw»"\n  }\n}',
            ),
            (
                "keystore add via stdin",
                "$ echo '«pw»' | sudo /usr/share/elasticsearch/bin/elasticsearch-keystore add -x bootstrap.password",
            ),
            (
                "fleet server service token",
                "sudo ./elastic-agent install --fleet-server-es=https://‹fqdn›:9200 --fleet-server-service-token=«esst» --fleet-server-policy=fleet-server-policy --fleet-server-port=8220",
            ),
        ],
    ),
    (
        "wazuh_graylog",
        [
            (
                "wazuh agent deb with env",
                "curl -so wazuh-agent.deb https://packages.wazuh.com/4.x/apt/pool/main/w/wazuh-agent/wazuh-agent_4.7.4-1_amd64.deb && sudo WAZUH_MANAGER='‹fqdn›' WAZUH_REGISTRATION_PASSWORD='«pw»' WAZUH_AGENT_GROUP='‹env›' dpkg -i ./wazuh-agent.deb",
            ),
            (
                "authd.pass via echo",
                '[root@‹host› ~]# echo "«pw»" > /var/ossec/etc/authd.pass\n[root@‹host› ~]# chmod 640 /var/ossec/etc/authd.pass && chown root:wazuh /var/ossec/etc/authd.pass',
            ),
            ("agent-auth -P", "/var/ossec/bin/agent-auth -m ‹ip› -P '«pw»' -A ‹host› -G ‹env›"),
            (
                "windows msi WAZUH_REGISTRATION_PASSWORD",
                'wazuh-agent-4.7.4-1.msi /q WAZUH_MANAGER="‹ip›" WAZUH_REGISTRATION_PASSWORD="«pw»" WAZUH_AGENT_NAME="‹host›"',
            ),
            (
                "wazuh API authenticate -u",
                'TOKEN=$(curl -u wazuh-wui:«pw» -k -X POST "https://‹fqdn›:55000/security/user/authenticate?raw=true")',
            ),
            (
                "wazuh-passwords-tool output",
                "‹date› ‹time› INFO: The password for user admin is «pwr24»\n‹date› ‹time› INFO: The password for user kibanaserver is «pwr24»",
            ),
            (
                "graylog server.conf secrets",
                "is_leader = true\nnode_id_file = /etc/graylog/server/node-id\npassword_secret = «an96»\nroot_password_sha2 = «hex64»\nhttp_bind_address = 0.0.0.0:9000",
            ),
            (
                "graylog API token as basic user",
                "curl -u «lan52»:token -H 'X-Requested-By: cli' -H 'Accept: application/json' https://‹fqdn›:9000/api/system/inputs",
            ),
            (
                "graylog sidecar.yml",
                'server_url: "https://‹fqdn›:9000/api/"\nserver_api_token: "«lan52»"\nnode_id: "file:/etc/graylog/sidecar/node-id"\nupdate_interval: 10',
            ),
        ],
    ),
    (
        "osquery_velociraptor",
        [
            (
                "osquery enroll_secret file",
                "$ cat /etc/osquery/osquery.flags\n--enroll_secret_path=/etc/osquery/enroll_secret\n--tls_hostname=‹fqdn›:8080\n$ sudo cat /etc/osquery/enroll_secret\n«an32»",
            ),
            (
                "osquery enroll secret env",
                "export ENROLL_SECRET=«an32»\nosqueryd --enroll_secret_env=ENROLL_SECRET --tls_hostname=‹fqdn› --host_identifier=uuid",
            ),
            (
                "fleetctl get enroll_secret yaml",
                '$ fleetctl get enroll_secret\n---\napiVersion: v1\nkind: enroll_secret\nspec:\n  secrets:\n  - created_at: "‹ts›"\n    secret: «an32»',
            ),
            (
                "fleetctl package --enroll-secret",
                "fleetctl package --type=deb --fleet-url=https://‹fqdn› --enroll-secret=«an32» --fleet-certificate=fleet.pem --enable-scripts",
            ),
            ("fleetctl login --password", "fleetctl login --email ‹email› --password '«pw»'"),
            (
                "fleet REST bearer token",
                'curl -s -H "Authorization: Bearer «bs48»" "https://‹fqdn›/api/v1/fleet/hosts?query=‹host›"',
            ),
            (
                "velociraptor client nonce",
                "Client:\n  server_urls:\n  - https://‹fqdn›:8000/\n  nonce: «bs8»\n  writeback_linux: /etc/velociraptor.writeback.yaml\n  max_poll: 60",
            ),
            (
                "velociraptor writeback private key",
                "client_id: C.‹fhex16›\nprivate_key: |\n  -----BEGIN RSA PRIVATE KEY-----\n  «pemline»\n  «pemline»\n  -----END RSA PRIVATE KEY-----",
            ),
            (
                "velociraptor api client config",
                "api_connection_string: ‹fqdn›:8001\nname: ‹user›\nclient_private_key: |\n  -----BEGIN RSA PRIVATE KEY-----\n  «pemline»",
            ),
            (
                "velociraptor user add positional password",
                "$ velociraptor --config server.config.yaml user add ‹user› «pw» --role administrator",
            ),
        ],
    ),
    (
        "vuln_scanner_keys",
        [
            (
                "tenable X-ApiKeys header",
                'curl -s -H "X-ApiKeys: accessKey=«hex64»; secretKey=«hex64»" https://cloud.tenable.com/scans',
            ),
            ("pytenable env", "TIO_ACCESS_KEY=«hex64»\nTIO_SECRET_KEY=«hex64»"),
            (
                "nessuscli activation code",
                "# /opt/nessus/sbin/nessuscli fetch --register «nesscode»\nYour Activation Code has been registered properly - thank you.",
            ),
            (
                "nessus agent link --key",
                '/opt/nessus_agent/sbin/nessuscli agent link --key=«hex64» --host=‹fqdn› --port=8834 --groups="‹env›"',
            ),
            (
                "qualys API basic auth",
                'curl -u "‹user›:«pw»" -H "X-Requested-With: curl" "https://qualysapi.qualys.eu/api/2.0/fo/scan/?action=list"',
            ),
            (
                "qualys cloud agent ActivationId",
                "sudo /usr/local/qualys/cloud-agent/bin/qualys-cloud-agent.sh ActivationId=«uuid» CustomerId=‹fuuid› ServerUri=https://qagpublic.qg2.apps.qualys.eu/CloudAgent/",
            ),
            (
                "rapid7 X-Api-Key",
                'curl -H "X-Api-Key: «uuid»" https://eu.api.insight.rapid7.com/validate',
            ),
            (
                "rapid7 agent installer token",
                'sudo ./agent_installer-x86_64.sh install_start --token eu:«uuid» --attributes "‹env›,‹site›"',
            ),
            (
                "gvm-cli password",
                "gvm-cli --gmp-username admin --gmp-password '«pw»' socket --xml \"<get_tasks/>\"",
            ),
            (
                "snyk token",
                "$ snyk auth «uuid@a»\nYour account has been authenticated.\n$ SNYK_TOKEN=«uuid@a» snyk test --all-projects",
            ),
        ],
    ),
    (
        "honeypot_deception",
        [
            (
                "canary console auth_token query",
                "curl https://‹corp›.canary.tools/api/v1/devices/all -d auth_token=«hex32» -G",
            ),
            (
                "canarytoken URL in alert",
                "Canarytoken triggered\nToken reminder: ‹ticket› finance share\nURL: http://canarytokens.com/tags/traffic/«lan25»/contact.php\nSource IP: ‹pubip›",
            ),
            (
                "T-Pot tpot.conf",
                "myCONF_TPOT_FLAVOR='STANDARD'\nmyCONF_WEB_USER='‹user›'\nmyCONF_WEB_PW='«pw»'",
            ),
            (
                "cowrie output_splunk",
                "[output_splunk]\nenabled = true\nurl = https://‹fqdn›:8088/services/collector/event\ntoken = «uuid»\nindex = cowrie\nsourcetype = cowrie",
            ),
            (
                "cowrie output_virustotal",
                "[output_virustotal]\nenabled = true\napi_key = «hex64»\nupload = True\ndebug = False",
            ),
            (
                "opencanary smtp handler credentials",
                '"logger": {"class": "PyLogger", "kwargs": {"handlers": {"SMTP": {"class": "logging.handlers.SMTPHandler", "mailhost": ["‹fqdn›", 587], "fromaddr": "canary@‹dom›", "toaddrs": ["soc@‹dom›"], "credentials": ["canary@‹dom›", "«pw»"], "secure": []}}}}',
            ),
            ("canary env", "CANARY_API_KEY=«hex32»\nCANARY_DOMAIN=‹corp›.canary.tools"),
            (
                "hpfeeds ident/secret",
                "[hpfeeds]\nserver = ‹fqdn›\nport = 10000\nident = ‹user›-‹host›\nsecret = «an32»\nchannels = dionaea.capture",
            ),
            (
                "decoy aws credentials file",
                "[default]\naws_access_key_id = «awsak»\naws_secret_access_key = «awssk»\nregion = ‹region›\n# canarytoken - deployed ‹date› on ‹host›",
            ),
        ],
    ),
]

_CASES += [
    (
        "veeam_commvault",
        [
            (
                "Connect-VBRServer -Password",
                'PS C:\\> Connect-VBRServer -Server ‹host› -User "‹corp›\\svc_veeam" -Password "«pw»"',
            ),
            (
                "Add-VBREncryptionKey ConvertTo-SecureString",
                'PS C:\\> Add-VBREncryptionKey -Password (ConvertTo-SecureString "«pw»" -AsPlainText -Force) -Description "‹corp› offsite copy"',
            ),
            (
                "veeam REST oauth2 password grant",
                'curl -k -X POST https://‹host›:9419/api/oauth2/token -H "x-api-version: 1.1-rev1" -d "grant_type=password&username=‹user›&password=«pwu»"',
            ),
            (
                "Add-VBRCredentials",
                'PS C:\\> Add-VBRCredentials -User "‹corp›\\backupsvc" -Password "«pw»" -Description "Guest processing ‹site›"',
            ),
            (
                "veeam REST token response json",
                '{"access_token":"«jwt»","token_type":"bearer","refresh_token":"«an64»","expires_in":900,".issued":"‹ts›"}',
            ),
            (
                "commvault qlogin -clp",
                "$ qlogin -cs ‹fqdn› -u admin -clp '«pw»'\nUser logged in successfully.",
            ),
            (
                "commvault REST login base64 password",
                'curl -X POST https://‹fqdn›/webconsole/api/Login -H "Content-Type: application/json" -H "Accept: application/json" -d \'{"username":"admin","password":"«encpw»"}\'',
            ),
            (
                "commvault QSDK authtoken header",
                "GET /webconsole/api/Client HTTP/1.1\nHost: ‹fqdn›\nAuthtoken: QSDK «hex180»\nAccept: application/json",
            ),
            (
                "commvault silent install xml authcode",
                '<CommServeInfo>\n  <CommserveHostInfo clientName="‹host›" hostName="‹fqdn›"/>\n</CommServeInfo>\n<installFlags authCode="«uan9»" decoupledInstall="0"/>',
            ),
        ],
    ),
    (
        "bacula_bareos",
        [
            (
                "bacula-dir.conf Director Password",
                'Director {\n  Name = ‹host›-dir\n  DIRport = 9101\n  QueryFile = "/etc/bacula/scripts/query.sql"\n  WorkingDirectory = "/var/lib/bacula"\n  Password = "«bacula»"\n  Messages = Daemon\n}',
            ),
            (
                "bconsole.conf",
                'Director {\n  Name = ‹host›-dir\n  DIRport = 9101\n  address = ‹fqdn›\n  Password = "«bacula»"\n}',
            ),
            (
                "Client resource Password",
                'Client {\n  Name = ‹host›-fd\n  Address = ‹fqdn›\n  FDPort = 9102\n  Catalog = MyCatalog\n  Password = "«bacula»"\n  File Retention = 60 days\n}',
            ),
            (
                "Catalog dbpassword",
                'Catalog {\n  Name = MyCatalog\n  dbname = "bacula"; dbuser = "bacula"; dbpassword = "«pw»"\n}',
            ),
            (
                "bareos console md5 password",
                'Console {\n  Name = ‹user›\n  Password = "[md5]«hex32»"\n  Profile = "webui-admin"\n}',
            ),
            (
                "bareos storage resource",
                'Storage {\n  Name = File\n  Address = ‹fqdn›\n  Password = "«bacula»"\n  Device = FileStorage\n  Media Type = File\n}',
            ),
            (
                "bconsole configure add console",
                '*configure add console name=‹user› password=«pwu» profile=webui-admin tlsenable=false\nCreated resource config file "/etc/bareos/bareos-dir.d/console/‹user›.conf"',
            ),
            (
                "bareos-fd director resource",
                'Director {\n  Name = bareos-dir\n  Password = "«bacula»"\n  Description = "Allow the configured Director to access this file daemon."\n}',
            ),
            (
                "mysql -p catalog query in history",
                "mysql -u bacula -p'«pw»' bacula -e \"select JobId,Name,JobStatus from Job order by JobId desc limit 5\"",
            ),
        ],
    ),
    (
        "restic_borg_kopia",
        [
            (
                "restic env file with S3 keys",
                'export RESTIC_REPOSITORY=s3:s3.amazonaws.com/‹bucket›\nexport RESTIC_PASSWORD="«pw»"\nexport AWS_ACCESS_KEY_ID=«awsak»\nexport AWS_SECRET_ACCESS_KEY=«awssk»',
            ),
            (
                "restic B2 env",
                "B2_ACCOUNT_ID=‹fhex12›\nB2_ACCOUNT_KEY=«bbkey»\nRESTIC_PASSWORD_FILE=/etc/restic/pass\nRESTIC_REPOSITORY=b2:‹bucket›:‹host›",
            ),
            (
                "restic rest-server URL credentials",
                "restic -r rest:https://‹user›:«pwu»@‹fqdn›:8000/‹host›/ snapshots --compact",
            ),
            (
                "borg env passphrase",
                "export BORG_REPO='ssh://borg@‹fqdn›:22/./‹host›'\nexport BORG_PASSPHRASE='«pwp»'\nborg create --stats ::'{hostname}-{now}' /etc /srv",
            ),
            (
                "borg key export",
                "$ borg key export ssh://borg@‹fqdn›/./‹host› -\nBORG_KEY ‹fhex64›\n«borghead»\n«borgline»",
            ),
            (
                "borgmatic config encryption_passphrase",
                'location:\n    source_directories:\n        - /etc\n        - /srv\n    repositories:\n        - ssh://‹user›@‹fqdn›/./‹host›.borg\nstorage:\n    encryption_passphrase: "«pwp»"',
            ),
            (
                "kopia repository connect s3 flags",
                "kopia repository connect s3 --bucket=‹bucket› --access-key=«awsak» --secret-access-key=«awssk» --password='«pw»'",
            ),
            (
                "kopia server start --server-password",
                "kopia server start --address=0.0.0.0:51515 --server-username=‹user› --server-password='«pw»' --tls-generate-cert",
            ),
            (
                "restic systemd unit Environment",
                "[Service]\nType=oneshot\nEnvironment=RESTIC_REPOSITORY=sftp:backup@‹fqdn›:/srv/restic/‹host›\nEnvironment=RESTIC_PASSWORD=«pwr»\nExecStart=/usr/bin/restic backup /home --exclude-caches",
            ),
            (
                "restic azure account key",
                "AZURE_ACCOUNT_NAME=‹corp›backup\nAZURE_ACCOUNT_KEY=«bs64»\nRESTIC_REPOSITORY=azure:restic:/‹host›",
            ),
        ],
    ),
    (
        "duplicati_rclone",
        [
            (
                "duplicati CLI s3 url auth-password + passphrase",
                'Duplicati.CommandLine.exe backup "s3://‹bucket›/‹host›?auth-username=«awsak»&auth-password=«awssku»" "C:\\Users" --passphrase="«pw»"',
            ),
            (
                "duplicati-server webservice password",
                "duplicati-server --webservice-password=«pw» --webservice-interface=any --webservice-port=8200",
            ),
            (
                "duplicati exported job json",
                '{"Backup":{"Name":"‹host› nightly","TargetURL":"webdavs://‹fqdn›/remote.php/dav/files/‹user›/backup?auth-username=‹user›&auth-password=«pwu»"},"Settings":[{"Name":"passphrase","Value":"«pw»"}]}',
            ),
            (
                "rclone.conf s3 remote",
                "[‹corp›-s3]\ntype = s3\nprovider = AWS\naccess_key_id = «awsak»\nsecret_access_key = «awssk»\nregion = ‹region›",
            ),
            (
                "rclone crypt remote obscured passwords",
                "[secret]\ntype = crypt\nremote = ‹corp›-s3:‹bucket›/enc\npassword = «obsc»\npassword2 = «obsc»",
            ),
            (
                "RCLONE_CONFIG_PASS env",
                "export RCLONE_CONFIG_PASS='«pw»'\nrclone sync /srv/data ‹corp›-crypt: --progress",
            ),
            ("rclone obscure output", "$ rclone obscure '«pw»'\n«obsc»"),
            (
                "rclone sftp pass",
                "[nas]\ntype = sftp\nhost = ‹ip›\nuser = ‹user›\npass = «obsc»\nshell_type = unix",
            ),
            (
                "rclone b2 key",
                "[b2]\ntype = b2\naccount = ‹fhex12›\nkey = «bbkey»\nhard_delete = false",
            ),
            (
                "rclone rcd --rc-pass",
                "rclone rcd --rc-user=‹user› --rc-pass=«pw» --rc-addr=:5572 --rc-web-gui",
            ),
        ],
    ),
    (
        "tape_kms_zerto",
        [
            (
                "stenc LTO key file",
                "# stenc -f /dev/nst0 -e on -k /root/lto.key -a 1 --ckod\n# cat /root/lto.key\n«hex64»",
            ),
            (
                "pykmip client conf password",
                "[client]\nhost=‹fqdn›\nport=5696\nkeyfile=/etc/pykmip/client.key\ncertfile=/etc/pykmip/client.crt\nusername=‹user›\npassword=«pw»",
            ),
            (
                "vault token env for kms path",
                "$ VAULT_TOKEN=«hvs» vault kv get -field=kek secret/backup/kms/‹corp›",
            ),
            (
                "ciphertrust ksctl login",
                "ksctl login --url https://‹fqdn› --user admin --password '«pw»' --nosslverify",
            ),
            (
                "tape library web UI handover",
                "Scalar i6 web UI https://‹ip›/ login admin / «pw» (changed after firmware update)",
            ),
            (
                "zerto PSCredential",
                '$cred = New-Object PSCredential("‹corp›\\zerto_svc", (ConvertTo-SecureString "«pw»" -AsPlainText -Force))\nConnect-ZertoServer -zertoServer ‹host› -zertoPort 9669 -credential $cred',
            ),
            (
                "zerto session add + x-zerto-session",
                'curl -k -X POST https://‹host›:9669/v1/session/add -u "‹user›:«pwu»" -i\nx-zerto-session: «uuid»',
            ),
            (
                "zerto VRA install json",
                '{"HostIdentifier":"‹fuuid›","HostRootPassword":"«pw»","PopulatePostInstallation":true,"Network":"VM Network"}',
            ),
            (
                "aws kms generate-data-key debug output",
                '{"KeyId": "arn:aws:kms:‹region›:‹fdig12›:key/‹fuuid›", "Plaintext": "«bs32»", "CiphertextBlob": "‹fbs184›"}',
            ),
        ],
    ),
    (
        "wireguard_keys",
        [
            (
                "wg0.conf Interface PrivateKey",
                "[Interface]\nPrivateKey = «wgkey»\nAddress = 10.‹n›.0.1/24\nListenPort = 51820\n\n[Peer]\nPublicKey = ‹fwgkey›\nAllowedIPs = 10.‹n›.0.2/32",
            ),
            (
                "peer PresharedKey",
                "[Peer]\nPublicKey = ‹fwgkey›\nPresharedKey = «wgkey»\nEndpoint = ‹pubip›:51820\nAllowedIPs = 0.0.0.0/0\nPersistentKeepalive = 25",
            ),
            (
                "wg genkey shell",
                "$ wg genkey | tee privatekey | wg pubkey > publickey\n$ cat privatekey publickey\n«wgkey»\n‹fwgkey›",
            ),
            (
                "wg set private-key process substitution",
                "sudo wg set wg0 private-key <(echo «wgkey») peer ‹fwgkey› allowed-ips 10.‹n›.0.0/24",
            ),
            (
                "wg showconf",
                "$ sudo wg showconf wg0\n[Interface]\nListenPort = 51820\nFwMark = 0xca6c\nPrivateKey = «wgkey»",
            ),
            (
                "NetworkManager keyfile wireguard",
                "[wireguard]\nprivate-key=«wgkey»\nlisten-port=51820\n\n[wireguard-peer.‹fwgkey›]\nendpoint=‹pubip›:51820\npreshared-key=«wgkey@b»\npreshared-key-flags=0\nallowed-ips=0.0.0.0/0;",
            ),
            (
                "wg-easy docker PASSWORD",
                "docker run -d --name=wg-easy -e WG_HOST=‹pubip› -e PASSWORD='«pw»' -v ~/.wg-easy:/etc/wireguard -p 51820:51820/udp -p 51821:51821/tcp ghcr.io/wg-easy/wg-easy:13",
            ),
            (
                "mikrotik wireguard add",
                '/interface wireguard add listen-port=13231 mtu=1420 name=wg-‹site› private-key="«wgkey»"',
            ),
            (
                "opnsense xml privkey",
                '<server uuid="‹fuuid›">\n  <enabled>1</enabled>\n  <name>‹corp›</name>\n  <pubkey>‹fwgkey›</pubkey>\n  <privkey>«wgkey»</privkey>\n  <port>51820</port>\n</server>',
            ),
            (
                "wireguard-go UAPI hex private key",
                "$ printf 'get=1\\n\\n' | sudo socat - UNIX-CONNECT:/var/run/wireguard/wg0.sock\nprivate_key=«hex64»\nlisten_port=51820\npublic_key=‹fhex64›\nendpoint=‹pubip›:51820",
            ),
        ],
    ),
]

_CASES += [
    (
        "openvpn_auth",
        [
            ("auth-user-pass file", "$ sudo cat /etc/openvpn/client/auth.txt\n‹user›\n«pw»"),
            (
                "inline tls-auth static key",
                "<tls-auth>\n#\n# 2048 bit OpenVPN static key\n#\n-----BEGIN OpenVPN Static key V1-----\n«hex32»\n«hex32»\n«hex32»\n-----END OpenVPN Static key V1-----\n</tls-auth>\nkey-direction 1",
            ),
            (
                "management interface password file",
                "management 127.0.0.1 7505 /etc/openvpn/mgmt.pw\n$ cat /etc/openvpn/mgmt.pw\n«pw»",
            ),
            (
                "access server sacli SetLocalPassword",
                "sudo /usr/local/openvpn_as/scripts/sacli --user ‹user› --new_pass '«pw»' SetLocalPassword",
            ),
            (
                "access server install log auto-generated pass",
                '‹ts› Access Server Web UIs are available here:\nAdmin  UI: https://‹pubip›:943/admin\nClient UI: https://‹pubip›:943/\nTo login please use the "openvpn" account with "«an12»" password.',
            ),
            (
                "NetworkManager vpn-secrets",
                "[vpn]\nconnection-type=password-tls\nusername=‹user›\nremote=‹fqdn›:1194\n\n[vpn-secrets]\npassword=«pw»\ncert-pass=«pw@c»",
            ),
            (
                "pfsense config tls base64",
                "<openvpn-server>\n  <vpnid>‹n›</vpnid>\n  <mode>server_tls_user</mode>\n  <tls>«bs96»</tls>\n  <tls_type>auth</tls_type>\n</openvpn-server>",
            ),
            (
                "tls-crypt-v2 client key",
                "<tls-crypt-v2>\n-----BEGIN OpenVPN tls-crypt-v2 client key-----\n«bs48»\n«bs48»\n-----END OpenVPN tls-crypt-v2 client key-----\n</tls-crypt-v2>",
            ),
            (
                "easyrsa EASYRSA_PASSOUT",
                'EASYRSA_PASSOUT="pass:«pw»" ./easyrsa --batch build-client-full ‹user›',
            ),
        ],
    ),
    (
        "ipsec_psk",
        [
            ("ipsec.secrets PSK", '# /etc/ipsec.secrets\n‹pubip› ‹pubip@b› : PSK "«pw»"'),
            (
                "swanctl.conf secrets ike",
                'secrets {\n    ike-‹corp› {\n        id-1 = ‹fqdn›\n        secret = "«pwr»"\n    }\n}',
            ),
            (
                "swanctl hex psk",
                "secrets {\n    ike-hq {\n        id = ‹pubip›\n        secret = «hexpsk»\n    }\n}",
            ),
            ("ipsec.secrets EAP and XAUTH users", '‹user› : EAP "«pw»"\n‹user@b› : XAUTH "«pw»"'),
            (
                "libreswan secrets file",
                '$ sudo cat /etc/ipsec.d/‹corp›.secrets\n%any ‹pubip›: PSK "«pw»"',
            ),
            (
                "vyos set psk secret",
                "set vpn ipsec authentication psk ‹corp› id '‹pubip›'\nset vpn ipsec authentication psk ‹corp› secret '«pw»'",
            ),
            (
                "mikrotik ipsec identity secret",
                "/ip ipsec identity add peer=‹corp›-peer secret=«pw» generate-policy=no",
            ),
            (
                "aws vpn generic config PSK",
                "IPSec Tunnel #1\n! Pre-Shared Key           : «awspsk»\ncrypto isakmp key «awspsk@a» address ‹pubip›",
            ),
            (
                "az network vpn-connection --shared-key",
                "az network vpn-connection create --name ‹corp›-s2s --resource-group rg-‹env›-net --vnet-gateway1 vgw-‹env› --local-gateway2 lgw-‹site› --shared-key «an32»",
            ),
            (
                "junos pre-shared-key $9$",
                'set security ike policy ike-pol-‹site› pre-shared-key ascii-text "«junos»"',
            ),
        ],
    ),
    (
        "cisco_asa_anyconnect",
        [
            (
                "asa tunnel-group ikev1 psk",
                "tunnel-group ‹pubip› type ipsec-l2l\ntunnel-group ‹pubip› ipsec-attributes\n ikev1 pre-shared-key «pw»",
            ),
            (
                "asa ikev2 remote/local psk",
                "tunnel-group ‹pubip› ipsec-attributes\n ikev2 remote-authentication pre-shared-key «pw»\n ikev2 local-authentication pre-shared-key «pw@b»",
            ),
            (
                "enable and username password",
                "‹host›(config)# enable password «pw»\n‹host›(config)# username admin password «pw@b» privilege 15",
            ),
            (
                "aaa-server radius key",
                "aaa-server ISE protocol radius\naaa-server ISE (inside) host ‹ip›\n key «pw»\n authentication-port 1812",
            ),
            (
                "snmp-server community",
                "snmp-server host inside ‹ip› community «an16» version 2c\nsnmp-server enable traps ipsec start stop",
            ),
            (
                "openconnect passwd-on-stdin",
                "$ echo '«pw»' | sudo openconnect --protocol=anyconnect --user=‹user› --passwd-on-stdin ‹fqdn›",
            ),
            (
                "anyconnect vpn -s script",
                "$ cat anyconnect.txt\nconnect ‹fqdn›\n‹n›\n‹user›\n«pw»\ny\n$ /opt/cisco/anyconnect/bin/vpn -s < anyconnect.txt",
            ),
            (
                "ios crypto isakmp key",
                "crypto isakmp key «pw» address ‹pubip›\ncrypto ipsec transform-set TS esp-aes 256 esp-sha-hmac",
            ),
            (
                "ios type 7 password",
                "username ‹user› privilege 15 password 7 «ciscot»\nline vty 0 4\n login local",
            ),
            (
                "asa ldap-login-password",
                "aaa-server LDAP protocol ldap\naaa-server LDAP (inside) host ‹ip›\n ldap-base-dn dc=‹corp›,dc=local\n ldap-login-password «pw»\n ldap-login-dn cn=svc_asa,ou=svc,dc=‹corp›,dc=local",
            ),
        ],
    ),
    (
        "fortinet_vpn",
        [
            (
                "fortigate phase1 psksecret",
                'config vpn ipsec phase1-interface\n    edit "‹corp›-hq"\n        set interface "wan1"\n        set peertype any\n        set remote-gw ‹pubip›\n        set psksecret «pw»\n    next\nend',
            ),
            (
                "psksecret ENC blob",
                'config vpn ipsec phase1-interface\n    edit "to-‹site›"\n        set psksecret ENC «fortenc»\n    next\nend',
            ),
            (
                "system admin set password",
                'config system admin\n    edit "admin"\n        set accprofile "super_admin"\n        set password «pw»\n    next\nend',
            ),
            (
                "openfortivpn config file",
                "host = ‹fqdn›\nport = 443\nusername = ‹user›\npassword = «pw»\ntrusted-cert = ‹fhex64›",
            ),
            (
                "openfortivpn -p flag",
                "sudo openfortivpn ‹fqdn›:10443 -u ‹user› -p '«pw»' --trusted-cert ‹fhex64›",
            ),
            (
                "fortigate REST bearer and access_token",
                'curl -k -H "Authorization: Bearer «an30»" "https://‹ip›/api/v2/cmdb/firewall/address?vdom=root"\ncurl -k "https://‹ip›/api/v2/monitor/system/status?access_token=«an30»"',
            ),
            (
                "forticlient xml backup Enc password",
                "<connection>\n    <name>‹corp›</name>\n    <server>‹fqdn›:443</server>\n    <username>‹user›</username>\n    <password>Enc «hex96»</password>\n</connection>",
            ),
            (
                "fortigate user ldap password",
                'config user ldap\n    edit "‹corp›-AD"\n        set server "‹ip›"\n        set dn "dc=‹corp›,dc=local"\n        set type regular\n        set username "CN=svc_fgt,OU=Service,DC=‹corp›,DC=local"\n        set password «pw»\n    next\nend',
            ),
            (
                "execute backup config ftp password",
                "‹host› # execute backup config ftp /backup/‹host›.conf ‹ip› ‹user› «pw»",
            ),
        ],
    ),
    (
        "remote_access_tools",
        [
            ("teamviewer passwd", "$ sudo teamviewer passwd «pw»\nok"),
            (
                "teamviewer msi APITOKEN and assignment",
                'msiexec.exe /i "TeamViewer_Host.msi" /qn CUSTOMCONFIGID=‹flan7› APITOKEN=«tvtok» ASSIGNMENTOPTIONS="--grant-easy-access"\n$ sudo teamviewer assignment --id «tvassign»',
            ),
            (
                "teamviewer web API bearer",
                'curl -H "Authorization: Bearer «tvtok»" https://webapi.teamviewer.com/api/v1/devices',
            ),
            (
                "anydesk --set-password",
                'echo «pw» | "C:\\Program Files (x86)\\AnyDesk\\AnyDesk.exe" --set-password _full_access',
            ),
            (
                "rustdesk --password",
                "$ sudo rustdesk --option custom-rendezvous-server ‹fqdn›\n$ sudo rustdesk --password «pw»\nDone!",
            ),
            (
                "guacamole user-mapping.xml",
                '<user-mapping>\n    <authorize username="‹user›" password="«pw»">\n        <connection name="‹host›">\n            <protocol>rdp</protocol>\n            <param name="hostname">‹ip›</param>\n            <param name="username">administrator</param>\n            <param name="password">«pw@b»</param>\n        </connection>\n    </authorize>\n</user-mapping>',
            ),
            (
                "guacamole.properties",
                "mysql-hostname: ‹host›\nmysql-database: guacamole_db\nmysql-username: guacamole_user\nmysql-password: «pw»\njson-secret-key: «hex32»",
            ),
            (
                "guacamole docker env",
                "docker run --name guacamole --link guac-pg:postgres -e POSTGRESQL_DATABASE=guacamole_db -e POSTGRESQL_USER=guacamole_user -e POSTGRESQL_PASSWORD='«pw»' -d -p 8080:8080 guacamole/guacamole",
            ),
            (
                "chrome remote desktop headless code and pin",
                'DISPLAY= /opt/google/chrome-remote-desktop/start-host --code="«gauth»" --redirect-url="https://remotedesktop.google.com/_/oauthredirect" --name=$(hostname) --pin=«crdpin»',
            ),
            (
                "x11vnc storepasswd",
                "$ x11vnc -storepasswd «pw» ~/.vnc/passwd\nstored passwd in file: /home/‹user›/.vnc/passwd",
            ),
        ],
    ),
    (
        "mesh_vpn_keys",
        [
            (
                "tailscale up --authkey",
                "sudo tailscale up --authkey=«tskey» --advertise-routes=10.‹n›.0.0/16 --hostname=‹host›",
            ),
            (
                "tailscale docker compose TS_AUTHKEY",
                "  tailscale:\n    image: tailscale/tailscale:latest\n    environment:\n      - TS_AUTHKEY=«tskey»\n      - TS_STATE_DIR=/var/lib/tailscale\n      - TS_HOSTNAME=‹host›",
            ),
            (
                "tailscale operator helm oauth secret",
                "helm upgrade --install tailscale-operator tailscale/tailscale-operator --namespace=tailscale --create-namespace --set-string oauth.clientId=‹flan16› --set-string oauth.clientSecret=«tsclient» --wait",
            ),
            (
                "headscale preauthkeys create output",
                "$ headscale preauthkeys create --user ‹user› --reusable --expiration 24h\n«hex48»",
            ),
            (
                "tailscale up with headscale login server",
                "tailscale up --login-server https://‹fqdn› --authkey «hex48» --accept-routes",
            ),
            (
                "tailscale API key as basic user",
                'curl -s -u "«tsapi»:" https://api.tailscale.com/api/v2/tailnet/-/devices',
            ),
            (
                "zerotier central token header",
                'curl -s -H "Authorization: token «an32»" https://api.zerotier.com/api/v1/network/‹fhex16›/member',
            ),
            (
                "zerotier local authtoken.secret",
                "$ sudo cat /var/lib/zerotier-one/authtoken.secret\n«lan24»",
            ),
            (
                "zerotier identity.secret",
                "$ sudo cat /var/lib/zerotier-one/identity.secret\n‹fhex10›:0:‹fhex128›:«hex128»",
            ),
            (
                "netbird setup key",
                "netbird up --setup-key «uuidu» --management-url https://‹fqdn›:33073",
            ),
        ],
    ),
]

_CASES += [
    (
        "mlflow_tracking",
        [
            (
                "MLFLOW_TRACKING_PASSWORD env",
                "export MLFLOW_TRACKING_URI=https://‹fqdn›\nexport MLFLOW_TRACKING_USERNAME=‹user›\nexport MLFLOW_TRACKING_PASSWORD='«pw»'",
            ),
            (
                "mlflow server backend-store-uri",
                "mlflow server --backend-store-uri postgresql://mlflow:«pwu»@‹host›:5432/mlflow --default-artifact-root s3://‹bucket›/mlflow --host 0.0.0.0",
            ),
            (
                "databricks tracking token env",
                "export MLFLOW_TRACKING_URI=databricks\nexport DATABRICKS_HOST=https://adb-‹n16›.‹n›.azuredatabricks.net\nexport DATABRICKS_TOKEN=«dapi»",
            ),
            (
                "basic_auth.ini admin_password",
                "[mlflow]\ndefault_permission = READ\ndatabase_uri = sqlite:///basic_auth.db\nadmin_username = admin\nadmin_password = «pw»",
            ),
            (
                "tracking URI with userinfo in env dump",
                "MLFLOW_EXPERIMENT_NAME=‹project›\nMLFLOW_TRACKING_URI=https://‹user›:«pwu»@‹fqdn›",
            ),
            (
                "compose minio secret for artifacts",
                "      - MLFLOW_S3_ENDPOINT_URL=http://minio:9000\n      - AWS_ACCESS_KEY_ID=mlflow\n      - AWS_SECRET_ACCESS_KEY=«an40»",
            ),
            (
                "users/create with both passwords",
                'curl -u admin:«pwu» -X POST https://‹fqdn›/api/2.0/mlflow/users/create -H "Content-Type: application/json" -d \'{"username": "‹user›", "password": "«pw»"}\'',
            ),
            (
                "gateway config openai key",
                "endpoints:\n  - name: chat\n    endpoint_type: llm/v1/chat\n    model:\n      provider: openai\n      name: gpt-4o-mini\n      config:\n        openai_api_key: «oaikey»",
            ),
            (
                ".databrickscfg token",
                "[DEFAULT]\nhost = https://‹corp›.cloud.databricks.com\ntoken = «dapi»",
            ),
        ],
    ),
    (
        "wandb_keys",
        [
            (
                "wandb login output",
                "$ wandb login «hex40»\nwandb: Appending key for api.wandb.ai to your netrc file: /home/‹user›/.netrc",
            ),
            (
                ".netrc machine api.wandb.ai",
                "machine api.wandb.ai\n  login user\n  password «hex40»",
            ),
            (
                "WANDB_API_KEY env",
                "WANDB_API_KEY=«hex40»\nWANDB_PROJECT=‹project›\nWANDB_ENTITY=‹corp›",
            ),
            (
                "wandb.login(key=)",
                'wandb.login(key="«hex40»", relogin=True)\nrun = wandb.init(project="‹project›")',
            ),
            (
                "docker -e WANDB_API_KEY",
                "docker run --gpus all -e WANDB_API_KEY=«hex40» -e WANDB_MODE=online ‹corp›/trainer:‹ver› python train.py",
            ),
            (
                "wandb/local LICENSE env",
                "docker run --rm -d -v wandb:/vol -p 8080:8080 -e LICENSE=«jwt» --name wandb-local wandb/local",
            ),
            (
                "k8s env value",
                '        env:\n        - name: WANDB_API_KEY\n          value: "«hex40»"\n        - name: WANDB_BASE_URL\n          value: https://‹fqdn›',
            ),
            ("wandb login local host key", "wandb login --host https://‹fqdn› «wandblocal»"),
            (
                "slurm batch script",
                "#!/bin/bash\n#SBATCH --job-name=‹project›\n#SBATCH --gres=gpu:4\nexport WANDB_API_KEY=«hex40»\nsrun python train.py --config configs/‹model›.yaml",
            ),
        ],
    ),
    (
        "huggingface_tokens",
        [
            (
                "huggingface-cli login --token",
                "$ huggingface-cli login --token «hf» --add-to-git-credential\nToken is valid (permission: write).\nYour token has been saved to /home/‹user›/.cache/huggingface/token",
            ),
            ("HF_TOKEN env", "HF_TOKEN=«hf»\nHF_HOME=/mnt/cache/hf\nTRANSFORMERS_OFFLINE=0"),
            ("git clone with token", "git clone https://‹user›:«hf»@huggingface.co/‹corp›/‹model›"),
            (
                "from_pretrained token=",
                'tok = AutoTokenizer.from_pretrained("‹corp›/‹model›", token="«hf»")',
            ),
            (
                "TGI docker token env",
                "docker run --gpus all --shm-size 1g -p 8080:80 -e HUGGING_FACE_HUB_TOKEN=«hf» ghcr.io/huggingface/text-generation-inference:2.0 --model-id ‹corp›/‹model›",
            ),
            (
                "inference endpoint bearer",
                'curl https://‹flan16›.us-east-1.aws.endpoints.huggingface.cloud -H "Authorization: Bearer «hf»" -H "Content-Type: application/json" -d \'{"inputs": "Hello"}\'',
            ),
            ("cached token file", "$ cat ~/.cache/huggingface/token\n«hf»"),
            (
                "github actions env HF_TOKEN",
                "- name: Download model\n  env:\n    HF_TOKEN: «hf»\n  run: huggingface-cli download ‹corp›/‹model› --local-dir models/",
            ),
            ("vllm .env", "VLLM_API_KEY=«an32»\nHUGGING_FACE_HUB_TOKEN=«hf»"),
            (
                "notebook login()",
                '>>> from huggingface_hub import login\n>>> login("«hf»")\nToken has not been saved to git credential helper.',
            ),
        ],
    ),
    (
        "kaggle_creds",
        [
            ("kaggle.json", '{"username":"‹user›","key":"«hex32»"}'),
            (
                "cat kaggle.json",
                '$ cat ~/.kaggle/kaggle.json\n{"username":"‹user›","key":"«hex32»"}\n$ chmod 600 ~/.kaggle/kaggle.json',
            ),
            ("KAGGLE_KEY env", "export KAGGLE_USERNAME=‹user›\nexport KAGGLE_KEY=«hex32»"),
            (
                "colab cell writing kaggle.json",
                '!mkdir -p ~/.kaggle\n!echo \'{"username":"‹user›","key":"«hex32»"}\' > ~/.kaggle/kaggle.json\n!kaggle competitions download -c ‹project›',
            ),
            (
                "os.environ KAGGLE_KEY",
                'os.environ["KAGGLE_USERNAME"] = "‹user›"\nos.environ["KAGGLE_KEY"] = "«hex32»"',
            ),
            (
                "docker -e KAGGLE_KEY",
                "docker run --rm -e KAGGLE_USERNAME=‹user› -e KAGGLE_KEY=«hex32» gcr.io/kaggle-images/python kaggle datasets list -s ‹project›",
            ),
            (
                "kaggle API basic auth",
                "curl -u ‹user›:«hex32» https://www.kaggle.com/api/v1/competitions/list",
            ),
        ],
    ),
    (
        "label_studio_ray",
        [
            (
                "label studio Token header",
                'curl -X GET https://‹fqdn›/api/projects/ -H "Authorization: Token «hex40»"',
            ),
            (
                "label studio env creds",
                "LABEL_STUDIO_USERNAME=‹email›\nLABEL_STUDIO_PASSWORD=«pw»\nLABEL_STUDIO_USER_TOKEN=«hex40»",
            ),
            (
                "label-studio start flags",
                "label-studio start ‹project› --username ‹email› --password '«pw»' --user-token «hex40»",
            ),
            (
                "label studio postgres env",
                "DJANGO_DB=default\nPOSTGRE_NAME=labelstudio\nPOSTGRE_USER=ls\nPOSTGRE_PASSWORD=«pw»\nPOSTGRE_HOST=‹host›",
            ),
            (
                "ml backend env",
                "LABEL_STUDIO_URL=http://‹host›:8080\nLABEL_STUDIO_API_KEY=«hex40»\nMODEL_DIR=/data/models",
            ),
            (
                "ray start --redis-password",
                "ray start --head --port=6379 --redis-password='«pw»' --dashboard-host=0.0.0.0",
            ),
            ("ray.init _redis_password", 'ray.init(address="‹ip›:6379", _redis_password="«pw»")'),
            (
                "ray job submit --headers",
                'ray job submit --address https://‹fqdn› --headers \'{"Authorization": "Bearer «jwt»"}\' --working-dir . -- python train.py',
            ),
            (
                "kuberay rayStartParams redis-password",
                '    headGroupSpec:\n      rayStartParams:\n        dashboard-host: "0.0.0.0"\n        redis-password: "«pw»"',
            ),
            (
                "anyscale cli token",
                "export ANYSCALE_HOST=https://console.anyscale.com\nexport ANYSCALE_CLI_TOKEN=«anyscale»",
            ),
        ],
    ),
    (
        "cloud_ml_endpoints",
        [
            (
                "sagemaker invoke with inline AWS keys",
                "$ AWS_ACCESS_KEY_ID=«awsak» AWS_SECRET_ACCESS_KEY=«awssk» aws sagemaker-runtime invoke-endpoint --endpoint-name ‹project›-prod --body fileb://payload.json out.json",
            ),
            (
                "temporary credentials profile",
                "[sagemaker-role]\naws_access_key_id = «asiak»\naws_secret_access_key = «awssk»\naws_session_token = «awsst»",
            ),
            (
                "describe-training-job Environment",
                '"Environment": {"HF_TOKEN": "«hf»", "WANDB_API_KEY": "«hex40»", "SM_LOG_LEVEL": "20"}',
            ),
            (
                "vertex service account json",
                '{\n  "type": "service_account",\n  "project_id": "‹project›",\n  "private_key_id": "«hex40»",\n  "private_key": "-----BEGIN PRIVATE KEY-----\\n«gcpkey»\\n...\\n-----END PRIVATE KEY-----\\n",\n  "client_email": "vertex-sa@‹project›.iam.gserviceaccount.com"\n}',
            ),
            (
                "gcloud access token then predict",
                '$ gcloud auth print-access-token\n«ya@t»\n$ curl -X POST -H "Authorization: Bearer «ya@t»" https://‹gregion›-aiplatform.googleapis.com/v1/projects/‹project›/locations/‹gregion›/endpoints/‹fdig19›:predict -d @request.json',
            ),
            (
                "azure ml online endpoint key",
                'curl -X POST https://‹project›.‹gregion›.inference.ml.azure.com/score -H "Authorization: Bearer «an32»" -H "Content-Type: application/json" -d @sample.json',
            ),
            (
                "azure sp env",
                "AZURE_CLIENT_ID=‹fuuid›\nAZURE_TENANT_ID=‹fuuid@t›\nAZURE_CLIENT_SECRET=«azsec»",
            ),
            ("base64 service account in CI var", "GCP_SA_KEY_B64=«sasjson»"),
            (
                "gemini api key query param",
                'curl "https://generativelanguage.googleapis.com/v1beta/models/gemini-1.5-pro:generateContent?key=«gapikey»" -H "Content-Type: application/json" -d @prompt.json',
            ),
        ],
    ),
    (
        "notebook_output",
        [
            (
                "jupyter startup log token URL",
                "[I ‹time› ServerApp] Jupyter Server 2.14.0 is running at:\n[I ‹time› ServerApp] http://‹host›:8888/lab?token=«hex48@t»\n[I ‹time› ServerApp]     http://127.0.0.1:8888/lab?token=«hex48@t»",
            ),
            (
                "jupyter server list",
                "$ jupyter server list\nCurrently running servers:\nhttp://localhost:8888/?token=«hex48» :: /home/‹user›/notebooks",
            ),
            (
                "os.environ dump in Out[]",
                "Out[‹n›]: environ({'HOME': '/home/jovyan', 'HOSTNAME': '‹host›', 'OPENAI_API_KEY': '«oaikey»', 'PATH': '/opt/conda/bin:/usr/bin'})",
            ),
            (
                "%env magic",
                "In [‹n›]: %env AWS_SECRET_ACCESS_KEY=«awssk@a»\nenv: AWS_SECRET_ACCESS_KEY=«awssk@a»",
            ),
            (
                "pip extra-index-url with token",
                "In [3]: !pip install --extra-index-url https://__token__:«glpat»@gitlab.‹dom›/api/v4/projects/‹n3›/packages/pypi/simple ‹project›-utils",
            ),
            (
                "traceback showing connection string",
                '----> 3 engine = create_engine("postgresql+psycopg2://‹user›:«pwu»@‹host›:5432/features")\n      4 df = pd.read_sql("select * from events limit 10", engine)',
            ),
            (
                "hardcoded password cell",
                'In [5]: password = "«pw»"  # TODO use getpass\nIn [6]: conn = snowflake.connector.connect(user="‹user›", password=password, account="‹corp›-‹flan7›")',
            ),
            (
                "ipynb json source array",
                '   "source": [\n    "openai.api_key = \\"«oaikey»\\"\\n",\n    "client = OpenAI()"\n   ]',
            ),
            (
                "jupyterhub_config secrets",
                "c.JupyterHub.cookie_secret = bytes.fromhex('«hex64»')\nc.ConfigurableHTTPProxy.auth_token = '«hex64»'",
            ),
        ],
    ),
]

_CASES += [
    (
        "adtech_postback_pixels",
        [
            (
                "affiliate postback URL secret param",
                "https://‹fqdn›/postback?clickid={clickid}&payout={payout}&status=approved&secret=«an24»",
            ),
            (
                "meta conversions API access_token",
                "POST https://graph.facebook.com/v19.0/‹fdig15›/events?access_token=«fbtok»",
            ),
            (
                "google ads developer-token + bearer",
                "POST https://googleads.googleapis.com/v16/customers/‹fdig10›:uploadClickConversions\ndeveloper-token: «gadev»\nAuthorization: Bearer «ya»\nlogin-customer-id: ‹fdig10›",
            ),
            (
                "tiktok events API Access-Token",
                'curl -X POST https://business-api.tiktok.com/open_api/v1.3/event/track/ -H "Access-Token: «hex40»" -H "Content-Type: application/json" -d @events.json',
            ),
            (
                "keitaro postback key path",
                "https://‹fqdn›/«lan8»/postback?subid={subid}&status=sale&payout=12.50&currency=EUR",
            ),
            (
                "tracking pixel img tok",
                '<img src="https://‹fqdn›/pixel.gif?pid=‹n4›&tok=«hex32»&ev=purchase" width="1" height="1" alt="" />',
            ),
            (
                "appsflyer s2s authentication dev key",
                'curl -X POST "https://api2.appsflyer.com/inappevent/com.‹corp›.app" -H "authentication: «an22»" -H "Content-Type: application/json" -d @event.json',
            ),
            (
                "adjust s2s bearer",
                'curl -X POST "https://s2s.adjust.com/event?s2s=1&app_token=‹flan12›&event_token=‹flan6›&adid=‹fhex32›" -H "Authorization: Bearer «hex32»"',
            ),
            (
                "branch key and secret json",
                '{"branch_key": "key_live_‹fan32›", "branch_secret": "«branchsec»", "app_id": "‹fdig18›"}',
            ),
            (
                "access log with postback key",
                '‹ip› - - [‹clf›] "GET /cb?tid=‹fhex16›&amount=4.99&key=«hex32» HTTP/1.1" 200 2 "-" "Go-http-client/1.1"',
            ),
        ],
    ),
    (
        "marketing_automation_keys",
        [
            (
                "hubspot private app bearer",
                'curl "https://api.hubapi.com/crm/v3/objects/contacts?limit=10" -H "Authorization: Bearer «hspat»"',
            ),
            (
                "hubspot legacy hapikey",
                "GET https://api.hubapi.com/contacts/v1/lists/all/contacts/all?hapikey=«uuid»&count=100",
            ),
            (
                "marketo identity client_secret",
                "GET https://‹n3›-‹fuan3›-‹n3@b›.mktorest.com/identity/oauth/token?grant_type=client_credentials&client_id=‹fuuid›&client_secret=«an32»",
            ),
            (
                "mailchimp basic anystring",
                'curl -X GET "https://us‹n›.api.mailchimp.com/3.0/lists" --user "anystring:«mc»"',
            ),
            (
                "mandrill key in json body",
                '{"key": "«mandrill»", "message": {"subject": "Order ‹n6›", "to": [{"email": "‹email›"}]}}',
            ),
            (
                "braze REST bearer",
                'curl -X POST https://rest.fra-01.braze.eu/users/track -H "Authorization: Bearer «uuid»" -H "Content-Type: application/json" -d @attrs.json',
            ),
            (
                "segment write key",
                "analytics = Analytics(write_key='«an32»', host='https://events.eu1.segmentapis.com')\n$ curl https://api.segment.io/v1/track -u «an32@w»: -H 'Content-Type: application/json' -d @track.json",
            ),
            (
                "iterable Api-Key header",
                'curl -H "Api-Key: «hex32»" https://api.iterable.com/api/lists',
            ),
            (
                "klaviyo API key header",
                'curl -H "Authorization: Klaviyo-API-Key «klaviyo»" -H "revision: 2024-02-15" https://a.klaviyo.com/api/profiles/',
            ),
            ("sendgrid env", "SENDGRID_API_KEY=«sg»\nMAIL_FROM=no-reply@‹dom›"),
        ],
    ),
    (
        "affiliate_networks",
        [
            (
                "impact account sid:auth token",
                'curl -u "IR‹fan30›:«an32»" "https://api.impact.com/Advertisers/IR‹fan30›/Actions?ActionDateStart=‹date›T00:00:00Z"',
            ),
            (
                "CJ bearer personal access token",
                'curl -H "Authorization: Bearer «an26»" "https://commissions.api.cj.com/query" -d @query.graphql',
            ),
            (
                "awin accessToken query param",
                "GET https://api.awin.com/publishers/‹n6›/transactions/?startDate=‹date›T00%3A00%3A00&endDate=‹date›T23%3A59%3A59&timezone=UTC&accessToken=«uuid»",
            ),
            (
                "shareasale token/secret in code",
                'API_TOKEN = "«an16»"\nAPI_SECRET = "«an32»"\nAFFILIATE_ID = "‹n7›"',
            ),
            (
                "rakuten basic-encoded token request",
                "curl -X POST https://api.linksynergy.com/token -H \"Authorization: Bearer «ccbasic»\" -d 'scope=‹n7›'",
            ),
            (
                "partnerize basic auth",
                "curl -u ‹flan20›:«lan20» https://api.partnerize.com/user/publisher",
            ),
            (
                "admitad token endpoint basic",
                "POST https://api.admitad.com/token/\nAuthorization: Basic «ccbasic»\nContent-Type: application/x-www-form-urlencoded\n\ngrant_type=client_credentials&client_id=‹flan30›&scope=statistics",
            ),
            (
                "everflow api key header",
                'curl -H "X-Eflow-API-Key: «an22»" https://api.eflow.team/v1/networks/reporting/entity -d @report.json',
            ),
            (
                "tradedoubler token query",
                "GET https://connect.tradedoubler.com/publisher/report/transactions?fromDate=‹date›&token=«uhex32»",
            ),
        ],
    ),
    (
        "salesforce_creds",
        [
            (
                "data loader process-conf encrypted password",
                '<entry key="sfdc.username" value="‹email›"/>\n<entry key="sfdc.password" value="«hex64»"/>\n<entry key="process.encryptionKeyFile" value="C:\\dataloader\\key.txt"/>',
            ),
            (
                "simple-salesforce security_token",
                'sf = Salesforce(username="‹email›", password="«pw»", security_token="«sftok»", domain="login")',
            ),
            (
                "SOAP login password+token",
                '<n1:login xmlns:n1="urn:partner.soap.sforce.com"><n1:username>‹email›</n1:username><n1:password>«sfpwtok»</n1:password></n1:login>',
            ),
            (
                "sf org display sfdx auth url",
                "$ sf org display --target-org ‹corp›-prod --verbose\nKEY              VALUE\nSfdx Auth Url    force://PlatformCLI::«sfdx»@‹corp›.my.salesforce.com",
            ),
            (
                "connected app consumer key/secret env",
                "SF_CONSUMER_KEY=«sfck»\nSF_CONSUMER_SECRET=«sfcs»",
            ),
            (
                "oauth password flow curl",
                "curl https://login.salesforce.com/services/oauth2/token -d grant_type=password -d client_id=«sfck» -d client_secret=«sfcs» -d username=‹email› -d password=«sfpwtoku»",
            ),
            (
                "REST bearer session id",
                "GET /services/data/v59.0/sobjects/Account/‹fsfid› HTTP/1.1\nHost: ‹corp›.my.salesforce.com\nAuthorization: Bearer «sfsid»",
            ),
            (
                "sfdx auth json",
                '{"accessToken":"«sfsid»","instanceUrl":"https://‹corp›.my.salesforce.com","refreshToken":"«sfdx»","username":"‹email›"}',
            ),
            (
                "sf org login jwt client-id",
                "sf org login jwt --client-id «sfck» --jwt-key-file server.key --username ‹email› --instance-url https://login.salesforce.com --alias ‹corp›-prod",
            ),
        ],
    ),
    (
        "dynamics_odoo",
        [
            (
                "dataverse ClientSecret connection string",
                "AuthType=ClientSecret;Url=https://‹corp›.crm4.dynamics.com;ClientId=‹fuuid›;ClientSecret=«azsec»",
            ),
            (
                "dataverse OAuth password connection string",
                "AuthType=OAuth;Username=‹email›;Password=«pw»;Url=https://‹corp›.crm.dynamics.com;AppId=51f81489-12ee-4a9e-aaae-a2591f45987d;RedirectUri=app://58145B91-0C36-4500-8554-080854F2AC97;LoginPrompt=Auto",
            ),
            (
                "business central web service access key",
                'curl -u "‹user›:«bs32»" "https://api.businesscentral.dynamics.com/v2.0/‹fuuid›/Production/ODataV4/Company(\'‹corp›\')/Customers"',
            ),
            (
                "entra token request client_secret",
                'curl -X POST https://login.microsoftonline.com/‹fuuid›/oauth2/v2.0/token -d "client_id=‹fuuid@c›&client_secret=«azsec»&scope=https://‹corp›.crm.dynamics.com/.default&grant_type=client_credentials"',
            ),
            (
                "odoo.conf admin_passwd and db_password",
                "[options]\nadmin_passwd = «pw»\ndb_host = ‹host›\ndb_port = 5432\ndb_user = odoo\ndb_password = «pw@b»\naddons_path = /opt/odoo/addons",
            ),
            (
                "odoo xmlrpc api key",
                'uid = common.authenticate("‹corp›-prod", "‹email›", "«hex40»", {})',
            ),
            ("odoo hashed master password", "[options]\nadmin_passwd = «pbkdf»\nlist_db = False"),
            (
                "Connect-CrmOnline -ClientSecret",
                'Connect-CrmOnline -ServerUrl https://‹corp›.crm4.dynamics.com -ClientSecret "«azsec»" -OAuthClientId ‹fuuid›',
            ),
            (
                "odoo json-rpc login debug log",
                '‹ts› DEBUG rpc.request: /web/session/authenticate {"jsonrpc":"2.0","params":{"db":"‹corp›","login":"‹email›","password":"«pw»"}}',
            ),
        ],
    ),
    (
        "netsuite_tba",
        [
            (
                "OAuth 1.0 TBA header",
                'Authorization: OAuth realm="‹n7›", oauth_consumer_key="«hex64»", oauth_token="«hex64»", oauth_signature_method="HMAC-SHA256", oauth_timestamp="‹epoch›", oauth_nonce="‹fan11›", oauth_version="1.0", oauth_signature="‹fsig›"',
            ),
            (
                "TBA env four values",
                "NS_ACCOUNT_ID=‹n7›_SB1\nNS_CONSUMER_KEY=«hex64»\nNS_CONSUMER_SECRET=«hex64»\nNS_TOKEN_ID=«hex64»\nNS_TOKEN_SECRET=«hex64»",
            ),
            (
                "suitecloud account:savetoken",
                "suitecloud account:savetoken --account ‹n7› --authid ‹corp›-prod --tokenid «hex64» --tokensecret «hex64»",
            ),
            (
                "integration connection json",
                '{"netsuite": {"account": "‹n7›", "tokenSecret": "«hex64»", "consumerSecret": "«hex64»"}}',
            ),
            (
                "requests_oauthlib OAuth1",
                'auth = OAuth1(client_key="«hex64»", client_secret="«hex64»", resource_owner_key="«hex64»", resource_owner_secret="«hex64»", realm="‹n7›", signature_method="HMAC-SHA256")',
            ),
            (
                "SuiteTalk passport",
                "<platformMsgs:passport><platformCore:email>‹email›</platformCore:email><platformCore:password>«pw»</platformCore:password><platformCore:account>‹n7›</platformCore:account></platformMsgs:passport>",
            ),
        ],
    ),
    (
        "zoho_suitecrm",
        [
            (
                "zoho refresh grant",
                'curl -X POST "https://accounts.zoho.eu/oauth/v2/token?refresh_token=«zoho»&client_id=1000.‹fuan30›&client_secret=«hex42»&grant_type=refresh_token"',
            ),
            (
                "Zoho-oauthtoken header",
                'curl "https://www.zohoapis.eu/crm/v6/Leads?fields=Last_Name,Email" -H "Authorization: Zoho-oauthtoken «zoho»"',
            ),
            (
                "zoho token response",
                '{"access_token":"«zoho»","scope":"ZohoCRM.modules.ALL","api_domain":"https://www.zohoapis.eu","token_type":"Bearer","expires_in":3600}',
            ),
            (
                "suitecrm config.php",
                "  'dbconfig' =>\n  array (\n    'db_host_name' => 'localhost',\n    'db_user_name' => 'suitecrm',\n    'db_password' => '«pw»',\n    'db_name' => 'suitecrm',\n  ),\n  'unique_key' => '«hex32»',",
            ),
            (
                "suitecrm 8 client credentials",
                'curl -X POST https://‹fqdn›/legacy/Api/access_token -d "grant_type=client_credentials&client_id=‹fuuid›&client_secret=«pwu»"',
            ),
            (
                "suitecrm .env.local DATABASE_URL",
                'DATABASE_URL="mysql://suitecrm:«pwu»@127.0.0.1:3306/suitecrm"',
            ),
            (
                "zoho self-client env",
                "ZOHO_CLIENT_ID=1000.‹fuan30›\nZOHO_CLIENT_SECRET=«hex42»\nZOHO_REFRESH_TOKEN=«zoho»",
            ),
            (
                "zoho legacy authtoken url",
                "https://crm.zoho.com/crm/private/json/Leads/getRecords?authtoken=«hex32»&scope=crmapi",
            ),
            (
                "suitecrm v4_1 login md5 password",
                'method=login&input_type=JSON&response_type=JSON&rest_data={"user_auth":{"user_name":"admin","password":"«hex32»"},"application_name":"sync"}',
            ),
        ],
    ),
]

_CASES += [
    (
        "aviation_ops",
        [
            (
                "acars gateway ini",
                "[acars-gateway]\nprovider = ARINC GLOBALINK\nuplink_host = ‹fqdn›\nuplink_port = 5001\nlogin = ‹fuan7›\npassword = «pw»",
            ),
            (
                "flightaware aeroapi x-apikey",
                'curl -H "x-apikey: «an32»" "https://aeroapi.flightaware.com/aeroapi/flights/‹flight›"',
            ),
            (
                "crew portal log leaking password",
                "‹ts› INFO crewportal.auth: POST /api/login user=‹fdig6› password=«pw» from ‹ip›",
            ),
            (
                "into-plane fuel API env",
                "FUEL_API_BASE=https://‹fqdn›/api/v2\nFUEL_API_KEY=«uuid»\nFUEL_SUPPLIER_ID=‹n4›\nFUEL_STATION=‹icao›",
            ),
            (
                "efb sync client secret flag",
                "efb-sync --tenant ‹corp› --device ‹tail› --client-secret «an40» --endpoint https://‹fqdn›/sync",
            ),
            (
                "opensky basic auth",
                'curl -u "‹user›:«pw»" "https://opensky-network.org/api/states/own"',
            ),
            (
                "faa swim scds jms properties",
                "solace.jms.url=tcps://ems2.swim.faa.gov:55443\nsolace.jms.vpn=‹flan8›\nsolace.jms.username=‹email›\nsolace.jms.password=«pwr»\nsolace.jms.queue=‹email›.FDPS.‹fuuid›.OUT",
            ),
            (
                "faa notam api client_secret header",
                'curl "https://external-api.faa.gov/notamapi/v1/notams?icaoLocation=‹icao›" -H "client_id: ‹fhex32›" -H "client_secret: «hex32»"',
            ),
            (
                "MRO oracle thin url with password",
                "jdbc.url=jdbc:oracle:thin:amos_ro/«pw»@//‹host›:1521/AMOSPRD",
            ),
            (
                "fr24feed.ini sharing key",
                'receiver="dvbt"\nfr24key="«hex16»"\npath="/usr/bin/dump1090-mutability"\nbs="no"\nraw="yes"',
            ),
        ],
    ),
    (
        "maritime_ops",
        [
            (
                "aishub username as key",
                "http://data.aishub.net/ws.php?username=«aishub»&format=1&output=json&compress=0&latmin=54&latmax=58",
            ),
            (
                "marinetraffic key in path",
                "https://services.marinetraffic.com/api/exportvessel/v:5/«hex40»/timespan:20/protocol:jsono/mmsi:‹mmsi›",
            ),
            (
                "vsat terminal handover block",
                "SAILOR 600 VSAT Ka on ‹vessel›\n  web admin user: admin\n  web admin pass: «pw»\n  mgmt ip: ‹ip›",
            ),
            (
                "port community system X-API-Key",
                'curl -H "X-API-Key: «an40»" "https://api.‹dom›/pcs/v2/portcalls?locode=‹locode›&mmsi=‹mmsi›"',
            ),
            (
                "mosquitto_pub AIS gateway",
                "mosquitto_pub -h ‹fqdn› -p 8883 --cafile ca.crt -u ais-gw -P '«pw»' -t ais/‹mmsi›/pos -m '{\"sog\":12.1,\"cog\":221}'",
            ),
            (
                "bunker portal env",
                "BUNKER_PORTAL_URL=https://‹fqdn›\nBUNKER_PORTAL_USER=‹user›\nBUNKER_PORTAL_PASS=«pw»",
            ),
            (
                "ENC chart service licence key",
                "Chart permit service for ‹vessel›\nUser: ‹user›\nLicence key: «lickey»",
            ),
            ("crew wifi note", "Crew Wi-Fi on ‹vessel›: SSID CREW-‹fdig4›, WPA2 key: «pwh»"),
            (
                "satellite mail pop3 config",
                "[mailbox]\nserver = ‹fqdn›\nprotocol = pop3s\nuser = ‹mmsi›\npass = «pw»",
            ),
            (
                "vts API client credentials json",
                '{"client_id": "‹fuuid›", "client_secret": "«an48»", "audience": "https://api.‹dom›/vts", "grant_type": "client_credentials"}',
            ),
        ],
    ),
    (
        "rail_ops",
        [
            ("etcs kmac entry", "[KMAC]\netcs_id=‹n7›\nkey_version=‹n›\nkmac=«uhex48»"),
            (
                "passenger info APIM subscription key",
                'curl -H "Ocp-Apim-Subscription-Key: «hex32»" "https://api.‹dom›/pis/v1/departures?station=‹n7›"',
            ),
            (
                "DB API marketplace headers",
                'curl -H "DB-Client-Id: ‹fhex32›" -H "DB-Api-Key: «hex32»" "https://apis.deutschebahn.com/db-api-marketplace/apis/timetables/v1/plan/8011160/261203/14"',
            ),
            (
                "network rail stomp creds",
                "stomp.host=publicdatafeeds.networkrail.co.uk\nstomp.port=61618\nstomp.username=‹email›\nstomp.password=«pw»",
            ),
            (
                "scada login log with PIN",
                "‹ts› scada-hmi[‹pid›]: operator ‹user› authenticated on substation ‹site› with PIN «pin6»",
            ),
            (
                "tvm xml merchant password",
                '<TVM id="‹n4›"><Payment terminal="‹fdig8›" merchantPassword="«pw»" acquirer="‹corp›"/></TVM>',
            ),
            ("roster db url env", "ROSTER_DB_URL=postgresql://roster:«pwu»@‹host›:5432/roster"),
            (
                "realtime trains API basic",
                "curl -u rttapi_‹user›:«hex40» https://api.rtt.io/api/v1/json/search/‹crs›",
            ),
            (
                "freeradius clients.conf onboard wifi",
                "client ‹ip› {\n    secret = «pw»\n    shortname = train-‹n4›\n    nas_type = other\n}",
            ),
        ],
    ),
    (
        "building_automation",
        [
            (
                "bacnet DeviceCommunicationControl password",
                "$ ./bin/bacdcc ‹n6› 1 30 «an12»\nDeviceCommunicationControl Acknowledged!",
            ),
            (
                "bacnet ReinitializeDevice password",
                "$ ./bin/bacrd ‹n6› 0 «pwh»\nReinitializeDevice Acknowledged!",
            ),
            (
                "knx keyring xml",
                '<Keyring Project="‹corp›-‹bldg›" CreatedBy="ETS 6.1.0" Created="‹ts›" Signature="‹fbs16›" xmlns="http://knx.org/xml/keyring/1">\n  <Backbone MulticastAddress="224.0.23.12" Latency="1000" Key="«bs16»" />\n  <Interface Type="Tunneling" Host="1.1.‹n›" UserID="2" Password="«bs32»" Authentication="«bs32»" />',
            ),
            ("knx FDSK label transcription", "KNX Secure device ‹fuhex12› FDSK: «knxfdsk»"),
            (
                "xknx secure config",
                'ConnectionConfig(connection_type=ConnectionType.TUNNELING_TCP_SECURE, gateway_ip="‹ip›", secure_config=SecureConfig(user_id=4, user_password="«pw»", device_authentication_password="«pw@b»"))',
            ),
            (
                "modbus gateway config export",
                "[System]\nModel=MGate MB3170\nIP=‹ip›\nAccountName=admin\nPassword=«pw»",
            ),
            (
                "niagara station commissioning note",
                "Niagara 4.13 station ‹bldg›_JACE\n  platform user: tridium  pass: «pw»\n  system passphrase: «pwp»",
            ),
            (
                "niagara obix basic curl",
                'curl -k -u "obix:«pwu»" https://‹ip›/obix/config/Drivers/BacnetNetwork/',
            ),
            (
                "bms mqtt bridge yaml",
                'mqtt:\n  host: ‹fqdn›\n  port: 8883\n  username: bms-bridge\n  password: "«pw»"\n  topic_prefix: bacnet/‹bldg›',
            ),
            (
                "node-red settings credentialSecret",
                'module.exports = {\n    uiPort: process.env.PORT || 1880,\n    credentialSecret: "«an24»",\n    flowFile: "flows_‹host›.json",',
            ),
        ],
    ),
    (
        "agri_automation",
        [
            (
                "opensprinkler md5 pw in URL",
                "GET http://‹ip›/cv?pw=«hex32»&rsn=1\nGET http://‹ip›/jc?pw=«hex32@a»",
            ),
            (
                "hydrawise api_key",
                "https://api.hydrawise.com/api/v1/statusschedule.php?api_key=«hydra»",
            ),
            (
                "rainbird controller password",
                'controller = AsyncRainbirdController(AsyncRainbirdClient(session, "‹ip›", "«pw»"))',
            ),
            (
                "ttn-lw-cli create with app-key",
                "ttn-lw-cli end-devices create ‹app› ‹dev› --dev-eui ‹fuhex16› --join-eui ‹fuhex16@j› --frequency-plan-id EU_863_870_TTN --lorawan-version 1.0.3 --lorawan-phy-version 1.0.3-a --root-keys.app-key.key «uhex32»",
            ),
            (
                "TTN API key bearer",
                'curl -H "Authorization: Bearer «ttn»" https://eu1.cloud.thethings.network/api/v3/applications/‹app›/devices',
            ),
            (
                "chirpstack ABP session keys",
                "dev_addr: ‹fuhex8›\nnwk_s_key: «uhex32»\napp_s_key: «uhex32»\nf_cnt_up: ‹n3›",
            ),
            (
                "greenhouse opc-ua client yaml",
                "opcua:\n  endpoint: opc.tcp://‹ip›:4840\n  security_policy: Basic256Sha256\n  username: ‹user›\n  password: «pw»",
            ),
            (
                "john deere ops center env",
                "JD_CLIENT_ID=‹flan24›\nJD_CLIENT_SECRET=«an64»\nJD_ORG_ID=‹n6›",
            ),
            (
                "esphome irrigation node secrets",
                'api:\n  encryption:\n    key: "«bs32»"\nota:\n  password: "«hex32»"\nwifi:\n  ssid: "‹corp›-greenhouse"\n  password: "«pwh»"',
            ),
            (
                "tasmota backlog",
                "Backlog SSID1 ‹corp›-irrig; Password1 «pwh»; MqttHost ‹ip›; MqttUser irrig; MqttPassword «pw»",
            ),
        ],
    ),
]

_CASES += [
    (
        "human_text_en",
        [
            (
                "runbook step with password in parentheses",
                "Step 4: log in to the Veeam console as ‹corp›\\svc_veeam (password is «pw», rotate after the DR test).",
            ),
            (
                "postmortem root cause with HEC token",
                "Root cause: the Splunk HEC token «uuid» was committed to the ‹project› repo on ‹date› and was used by an external scanner to flood index main.",
            ),
            (
                "chat re-enroll elastic token",
                "[‹hm›] ‹person›: can someone re-enroll ‹host›? token is «elenroll»\n[‹hm›] ‹person@b›: on it",
            ),
            (
                "ticket comment wazuh password quoted",
                "‹person› commented on ‹ticket›: Wazuh agent still not registering. I set the enrollment password to '«pw»' on the manager, please retry.",
            ),
            (
                "email new VPN PSK",
                "Subject: New VPN PSK for ‹corp› site ‹site›\n\nHi ‹person›,\nthe new pre-shared key for tunnel ‹pubip› is «pwr». Please update your side before Friday.\n\nThanks,\n‹person@b›",
            ),
            (
                "handover note tailscale key",
                "HANDOVER ‹date› night shift\n- Tailscale auth key for the new edge boxes: «tskey» (reusable, expires in 90d)\n- Still open: ‹ticket›",
            ),
            (
                "call transcript spelled password",
                "‹person›: ok so the password is, uh, «pwh@a», capital first letter.\n‹person@b›: «pwh@a», got it, logging in now.",
            ),
            (
                "slack message personal HF token",
                "‹person›: use my token for now «hf» until the org token is approved",
            ),
            (
                "postmortem timeline table row",
                "| ‹hm› UTC | Attacker used the leaked W&B key «hex40» to pull model artifacts |",
            ),
            (
                "runbook fenced restore commands",
                "```\nexport RESTIC_PASSWORD='«pw»'\nrestic -r s3:s3.amazonaws.com/‹bucket› restore latest --target /srv\n```",
            ),
            (
                "salesforce security token email",
                "Subject: Your new Salesforce security token\n\nUsername: ‹email›\nSecurity token (case-sensitive): «sftok»",
            ),
            (
                "helpdesk note teamviewer session",
                "Customer gave TeamViewer ID ‹fdig10› and password «lan6», session started ‹hm›.",
            ),
            (
                "chat crowdstrike CID",
                "‹person›: CID for the new tenant is «cscid», installer is in the usual share",
            ),
            (
                "email to vessel master",
                "Master,\nplease note the new VSAT portal password for ‹vessel›: «pw» (valid from ‹date›).\nBest regards, Fleet IT",
            ),
            (
                "bms handover two credentials",
                "JACE at ‹bldg›: platform creds tridium/«pw», station admin/«pw@b»",
            ),
            (
                "quoted passphrase in prose",
                'He said "the borg passphrase is «pwp»" and then hung up.',
            ),
            (
                "hubspot token warning",
                "FYI the private app token for the ‹corp› portal is «hspat» - please don't paste it into Zapier.",
            ),
            (
                "spaced passphrase quoted in chat",
                '‹person›: the kopia repo password is "«phrase»" (all lowercase, with spaces)',
            ),
        ],
    ),
    (
        "human_text_eu_langs",
        [
            (
                "hu chat veeam password",
                "Szia ‹person›! A Veeam szerver (‹host›) admin jelszava: «pw». Kérlek, változtasd meg a DR teszt után.",
            ),
            (
                "hu wireguard private key",
                "Az új WireGuard privát kulcs: «wgkey» – a publikusat már feltöltöttem.",
            ),
            (
                "hu incident report HEC token",
                "Incidensjelentés: a Splunk HEC token («uuid») kikerült egy nyilvános repóba, ezért visszavontuk.",
            ),
            (
                "ro wazuh password",
                "Salut ‹person›, parola pentru contul de serviciu Wazuh este «pw». Te rog s-o schimbi după instalare.",
            ),
            (
                "ro ipsec psk",
                "Cheia PSK pentru tunelul IPsec cu ‹corp› este «pwr» (valabilă de la ‹date›).",
            ),
            (
                "ro handover hf token",
                "Notă de predare: tokenul Hugging Face al echipei este «hf», nu-l puneți în notebook-uri.",
            ),
            (
                "el odoo admin password",
                "Γεια σου ‹person›, ο κωδικός για το Odoo admin είναι «pw». Άλλαξέ τον μετά τη μετάπτωση.",
            ),
            (
                "el marinetraffic key",
                "Το κλειδί API του MarineTraffic είναι «hex40» – μην το βάλεις στο git.",
            ),
            (
                "el incident tailscale key",
                "Αναφορά συμβάντος: το κλειδί «tskey» του Tailscale διέρρευσε σε δημόσιο κανάλι.",
            ),
            (
                "da teamviewer password",
                "Hej ‹person›, adgangskoden til TeamViewer på ‹host› er «pw». Husk at skifte den bagefter.",
            ),
            (
                "da irrigation controller",
                "Vandingscontrolleren i drivhus ‹n› har fået ny adgangskode: «pwh»",
            ),
            (
                "da restic passphrase",
                "Restic-adgangskoden til backup af ‹host› er «pwp» – den ligger også i Vault.",
            ),
            (
                "sv niagara password",
                "Hej ‹person›! Lösenordet till Niagara-stationen är «pw». Byt det efter driftsättningen.",
            ),
            (
                "sv elastic enrollment token",
                "Ny enrollment-token för Elastic Agent på ‹host›: «elenroll»",
            ),
            (
                "sv handover fortigate",
                "Överlämning ‹date›: FortiGate admin-lösenordet ändrat till «pw» efter incidenten.",
            ),
            (
                "sk bacula console password",
                "Ahoj ‹person›, heslo k Bacula konzole je «pw». Prosím, zmeň ho po obnove.",
            ),
            ("sk tenable keys", "Nové API kľúče pre Tenable: accessKey=«hex64»; secretKey=«hex64»"),
            (
                "sk incident wandb key",
                "Záznam z incidentu: kľúč «hex40» pre W&B bol zverejnený v tikete ‹ticket›.",
            ),
            (
                "hr kopia password",
                "Bok ‹person›, lozinka za Kopia repozitorij je «pw». Molim te promijeni je nakon testa.",
            ),
            (
                "hr anydesk unattended",
                "Nova lozinka za AnyDesk nenadzirani pristup na ‹host›: «pwh»",
            ),
            (
                "hr salesforce token",
                "Primopredaja: Salesforce sigurnosni token za ‹email› je «sftok».",
            ),
            (
                "ca guacamole password",
                "Hola ‹person›, la contrasenya del Guacamole és «pw». Canvia-la després de la migració.",
            ),
            (
                "ca kaggle key",
                "La clau API de Kaggle de l'equip és «hex32», no la publiquis al repositori.",
            ),
            (
                "ca handover psk",
                "Nota de traspàs: la clau precompartida (PSK) del túnel amb ‹corp› és «pwr».",
            ),
        ],
    ),
    (
        "human_text_me_asia_langs",
        [
            (
                "he backup server password",
                "היי ‹person›, הסיסמה לשרת הגיבוי ‹host› היא «pw». תחליף אותה אחרי הבדיקה.",
            ),
            ("he hf token", "הטוקן של Hugging Face הוא «hf» – אל תשים אותו בקוד."),
            (
                "he incident tenable key",
                "דו״ח אירוע: מפתח ה-API של Tenable ‏«hex64» דלף לערוץ ציבורי.",
            ),
            ("he vpn password", "סיסמת ה-VPN החדשה של ‹user›: «pw»"),
            (
                "fa wazuh password",
                "سلام ‹person›، رمز عبور سرور Wazuh برابر «pw» است. لطفاً بعد از نصب عوضش کن.",
            ),
            ("fa marinetraffic key", "کلید API مربوط به MarineTraffic: «hex40»"),
            (
                "fa incident hec token",
                "گزارش رخداد: توکن Splunk HEC یعنی «uuid» در مخزن عمومی منتشر شد.",
            ),
            ("fa irrigation controller", "رمز عبور مدیریت کنترلر آبیاری گلخانه ‹n›: «pwh»"),
            (
                "bn veeam password",
                "হ্যালো ‹person›, Veeam সার্ভারের পাসওয়ার্ড হলো «pw»। টেস্টের পর এটা বদলে দিন।",
            ),
            ("bn kaggle key", "আমাদের Kaggle API কী: «hex32»"),
            (
                "bn incident tailscale key",
                "ঘটনার রিপোর্ট: Tailscale auth key «tskey» একটি পাবলিক চ্যানেলে ফাঁস হয়েছে।",
            ),
            ("bn vpn psk", "ভিপিএন PSK নতুন করে সেট করা হয়েছে: «pwr»"),
            (
                "tl odoo admin password",
                "Hi ‹person›, ang password ng Odoo admin ay «pw». Pakipalitan pagkatapos ng migration.",
            ),
            (
                "tl hubspot token",
                "Ito ang bagong HubSpot token natin: «hspat» — huwag i-share sa labas.",
            ),
            (
                "tl handover fortigate",
                "Handover: pinalitan ko na ang password ng FortiGate, ang bago ay «pw».",
            ),
            ("tl anydesk password", "Ang AnyDesk password sa ‹host› ay «pwh»"),
            (
                "ms bacula password",
                "Hai ‹person›, kata laluan untuk pelayan Bacula ialah «pw». Sila tukar selepas ujian.",
            ),
            ("ms wandb token", "Kunci W&B pasukan kita: «hex40», jangan letak dalam notebook."),
            (
                "ms incident psk",
                "Laporan insiden: kunci PSK IPsec «pwr» telah terdedah dalam tiket ‹ticket›.",
            ),
            ("ms crew portal password", "Kata laluan portal kru untuk ‹user›: «pw»"),
        ],
    ),
    (
        "encoded_secret_fields",
        [
            (
                "k8s Secret data base64 password",
                "apiVersion: v1\nkind: Secret\nmetadata:\n  name: ‹project›-db\ntype: Opaque\ndata:\n  username: ‹fencuser›\n  password: «encpw»",
            ),
            ("docker config.json auth", '{"auths": {"‹fqdn›": {"auth": "«basic»"}}}'),
            (
                "curl -v Authorization: Basic",
                "> GET /api/v1/agents HTTP/1.1\n> Host: ‹fqdn›\n> Authorization: Basic «basic»\n> User-Agent: curl/8.5.0\n> Accept: */*",
            ),
            (
                "hex-encoded psk json",
                '{"tunnel": "‹corp›-hq", "peer": "‹pubip›", "psk_hex": "«hexpw»"}',
            ),
            (
                "k8s secret base64 wandb key",
                "apiVersion: v1\nkind: Secret\nmetadata:\n  name: wandb\ndata:\n  WANDB_API_KEY: «encwandb»",
            ),
            (
                "legacy .dockercfg",
                '{"https://index.docker.io/v1/": {"auth": "«basic»", "email": "‹email›"}}',
            ),
            (
                "curl -v Proxy-Authorization",
                "> CONNECT ‹fqdn›:443 HTTP/1.1\n> Host: ‹fqdn›:443\n> Proxy-Authorization: Basic «basic»\n> Proxy-Connection: Keep-Alive",
            ),
            (
                "osquery secret base64 in json",
                '{"kind": "enrollment", "team": "‹env›", "secret_b64": "«encosq»"}',
            ),
            (
                "percent-encoded password query",
                "GET /api/login?user=‹user›&password=«pctpw»&remember=1 HTTP/1.1",
            ),
            (
                "jenkins credentials.xml encrypted",
                "<com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl>\n  <id>veeam-svc</id>\n  <username>‹user›</username>\n  <password>{«jenkins»}</password>\n</com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl>",
            ),
        ],
    ),
]


# ---------------------------------------------------------------------------
# keep templates: guillemet-quoted generator names (or =literal) are diagnostic
# tokens that must survive sanitizing
# ---------------------------------------------------------------------------

_KEEPS: list[tuple[str, str]] = [
    # security tooling
    (
        "falcon detection id and aid",
        "‹ts› Detection «csldt» on host ‹host› (aid «hex32»), severity High, tactic Execution",
    ),
    (
        "falconctl -g --aid output",
        '$ sudo /opt/CrowdStrike/falconctl -g --aid --version\naid="«hex32»", version = «=7.16.18605.0»',
    ),
    (
        "sentinelctl management status",
        "$ sudo sentinelctl management status\nAgent UUID: «uuid»\nAgent Version: «=23.4.2.14»\nConnectivity to management: On",
    ),
    (
        "elastic agent enrolled ids",
        "‹ts› INFO Successfully enrolled the Elastic Agent. Agent ID: «uuid», policy id: «uuid»",
    ),
    (
        "ecs event json ids",
        '{"@timestamp":"‹ts›","agent.id":"«uuid»","_id":"«bu15»","event.dataset":"system.auth","host.name":"‹host›"}',
    ),
    (
        "elastic api key id only",
        '{"id":"«an20»","name":"fleet-enroll-‹host›","expiration":1796500000000,"api_key":"[REDACTED]","metadata":{"policy_id":"«uuid»"}}',
    ),
    (
        "splunk search sid and bucket id",
        "‹ts› INFO SearchOperator - sid=«splsid» dispatched, bucket=«bkt», ‹n› events",
    ),
    (
        "splunk HEC channel header",
        '> POST /services/collector/event HTTP/1.1\n> Authorization: Splunk ********\n> X-Splunk-Request-Channel: «uuid»\n< HTTP/1.1 200 OK\n{"text":"Success","code":0,"ackId":‹n›}',
    ),
    (
        "wazuh alert ids",
        "‹ts› wazuh-analysisd: Alert «=1733227812.4718213»: Rule «dig6» (level 10) fired for agent ‹host›; sca.scan_id=«ndig9»",
    ),
    (
        "graylog ulid message id",
        '{"gl2_message_id":"«ulid»","gl2_source_node":"«uuid»","source":"‹host›","level":4}',
    ),
    (
        "osquery result host identifier",
        '{"hostIdentifier":"«uuidu»","calendarTime":"‹ts›","unixTime":‹epoch›,"name":"pack_incident_listening_ports","decorations":{"hardware_serial":"«uan12»"}}',
    ),
    (
        "fleet host serial and uuid",
        "host_id=‹n4› uuid=«uuidu» hardware_serial=«uan12» os=Ubuntu 22.04",
    ),
    (
        "velociraptor client and flow",
        "‹ts› Client «veloc» collected Windows.KapeFiles.Targets, flow «velof», 412 MB uploaded",
    ),
    (
        "velociraptor hunt id",
        "Hunt «veloh» started by ‹user›, first flow «velof», clients scheduled: ‹n3›",
    ),
    (
        "tenable scan and schedule ids",
        "Scan «uuid» (schedule_uuid template-«uuid») completed; 14 critical findings",
    ),
    (
        "cve and plugin id",
        "«=CVE-2024-3094» detected on ‹host› by plugin «ndig6», first seen ‹date›",
    ),
    ("qualys qid and asset id", "QID «ndig6» Severity 4 on asset «ndig9» (‹ip›)"),
    ("canary incident key", "Canary ‹host› (node_id «hex16») raised incident key=«canaryinc»"),
    (
        "nessus scan uuid next to key word",
        "Scan key not required for agent scans; scan_uuid=«uuid» history_id=«ndig7»",
    ),
    # backup / DR
    (
        "veeam session and restore point",
        "‹ts› Job '‹host› daily' session «uuid» finished with Success. Restore point id: «uuid»",
    ),
    (
        "veeam backup file name",
        "Creating backup file «veeamfile» on repository ‹corp›-repo01 (job «uuid»)",
    ),
    ("commvault job id", "Job ID «ndig7» for client ‹host› completed. CommCell ID «uhex5»"),
    (
        "bacula job line",
        "‹date› ‹time› ‹host›-dir JobId «ndig5@j»: Start Backup JobId «ndig5@j», Job=«baculajob»",
    ),
    (
        "bareos labeled volume",
        'Labeled new Volume "«volser»" on Tape device "LTO8-1" (/dev/nst0). MediaId=«ndig5»',
    ),
    (
        "restic snapshots table",
        "$ restic snapshots\nID        Time                 Host        Tags\n«hex8»  ‹date› 01:00:03  ‹host›\n«hex8»  ‹date› 13:00:04  ‹host›",
    ),
    (
        "restic repository opened and parent",
        "repository «hex8» opened (version 2, compression level auto)\nusing parent snapshot «hex8»",
    ),
    (
        "borg archive fingerprint and repo id",
        "Repository ID: «hex64»\nArchive name: ‹host›-‹date›\nArchive fingerprint: «hex64»\nTime (start): ‹date› 02:00:01",
    ),
    ("kopia snapshot root and id", "Created snapshot with root «kopiaroot» and ID «hex32» in 12s"),
    ("rclone md5sum output", "«hex32»  ‹host›/etc/fstab\n«hex32»  ‹host›/etc/hosts"),
    (
        "zerto vpg and task identifiers",
        '{"VpgIdentifier":"«uuid»","TaskIdentifier":"«uuid»","ActualRPO":8}',
    ),
    ("tape loaded in drive", "Tape «volser» loaded in drive 2 (LTO-8, drive serial «uan10»)"),
    (
        "kms key id next to key word",
        "Using KMS key «uuid» (alias/‹corp›-backup) for data key generation, request id «uuid»",
    ),
    (
        "kmip located key uid",
        "Located key UniqueIdentifier=«uuid» state=Active cryptographic_length=256 LinkedObjectIdentifier=«uuid»",
    ),
    # VPN / remote access
    (
        "wg show public keys",
        "interface: wg0\n  public key: «wgpub»\n  private key: (hidden)\n  listening port: 51820\n\npeer: «wgpub»\n  endpoint: ‹pubip›:51820\n  latest handshake: 1 minute, 3 seconds ago",
    ),
    (
        "wg peer public keys in config",
        "[Peer]\n# ‹person› laptop\nPublicKey = «wgpub»\nAllowedIPs = 10.8.0.‹n›/32\n\n[Peer]\n# ‹person@b› phone\nPublicKey = «wgpub»\nAllowedIPs = 10.8.0.‹n@b›/32",
    ),
    (
        "openvpn verify serial and sid",
        "‹ts› VERIFY OK: depth=0, CN=‹user›, serial=«uhex32»\n‹ts› TLS: Initial packet from [AF_INET]‹pubip›:1194, sid=«hex8» «hex8»",
    ),
    (
        "openvpn peer-id and fingerprint",
        "‹ts› ‹user›/‹pubip›:‹n4› peer-id=«ndig5» peer-fingerprint «fpcolon»",
    ),
    (
        "strongswan child sa spis",
        "CHILD_SA ‹corp›-net{‹n›} established with SPIs «hex8»_i «hex8»_o and TS 10.0.0.0/16 === 10.‹n›.0.0/16",
    ),
    (
        "swanctl list-sas ike spis",
        "‹corp›: #‹n›, ESTABLISHED, IKEv2, «hex16»_i* «hex16»_r\n  local  '‹pubip›' @ ‹pubip›[4500]",
    ),
    (
        "asa vpn-sessiondb index and audit id",
        "Username     : ‹user›                 Index        : «ndig5»\nProtocol     : AnyConnect-Parent SSL-Tunnel DTLS-Tunnel\nAudt Sess ID : «uhex24»",
    ),
    (
        "fortigate event log ids",
        'date=‹date› time=‹time› devname="‹host›" devid="«fgserial»" logid="«=0101037138»" type="event" subtype="vpn" tunnelid=«ndig9» action="tunnel-up"',
    ),
    (
        "teamviewer incoming session",
        "Incoming session from TeamViewer ID «ndig10» (‹person›), session code «tvcode»",
    ),
    (
        "anydesk id in trace",
        "info ‹date› ‹time› back_main - Incoming session request: ‹user› (ID «ndig9»), session «ndig10»",
    ),
    (
        "guacd connection and user ids",
        'guacd[‹pid›]: INFO: Connection ID is "$«uuid@c»"\nguacd[‹pid›]: INFO: User "@«uuid»" joined connection "$«uuid@c»" (1 users now present)',
    ),
    (
        "tailscale status json ids",
        '"ID": "«tsnode»",\n"PublicKey": "«nodekey»",\n"HostName": "‹host›"',
    ),
    (
        "zerotier info and networks",
        "$ sudo zerotier-cli info\n200 info «hex10» 1.12.2 ONLINE\n$ sudo zerotier-cli listnetworks\n200 listnetworks «hex16» ‹corp›-net OK PRIVATE",
    ),
    (
        "ssh host key fingerprints",
        "Host key fingerprints for ‹host›:\n  ED25519 key fingerprint is «sshfp».\n  ECDSA key fingerprint is «sshfp».",
    ),
    # MLOps
    (
        "mlflow run and experiment",
        "‹ts› INFO mlflow.tracking: run_id=«hex32» experiment_id=«ndig15» status=FINISHED",
    ),
    (
        "mlflow logged model id",
        "Registered model '‹model›' version ‹n›: source=runs:/«hex32»/model, model_id=«mlm»",
    ),
    (
        "wandb run and sweep ids",
        "wandb: Creating sweep with ID: «lan8»\nwandb: 🚀 View run ‹project›-‹n› at: https://wandb.ai/‹corp›/‹project›/runs/«lan8@r»\nwandb: Run data is saved locally in /home/‹user›/wandb/run-20261203_101422-«lan8@r»",
    ),
    (
        "wandb artifact digest",
        "wandb: Downloading artifact ‹model›:v‹n› (digest «hex32», id «bu24»)",
    ),
    (
        "hf snapshot revision and blob",
        "/home/‹user›/.cache/huggingface/hub/models--‹corp›--‹model›/snapshots/«hex40»/config.json -> ../../blobs/«hex64»",
    ),
    (
        "hf safetensors sha256",
        "model-00001-of-00004.safetensors: sha256 «hex64» (revision «hex40»)",
    ),
    (
        "label studio task ids",
        "Task «ndig7» annotated by ‹email› (annotation id «ndig8», project ‹n3›)",
    ),
    (
        "ray node and submission ids",
        "Node ID: «hex56»\nJob 'raysubmit_«an16»' submitted successfully",
    ),
    (
        "sagemaker training job name",
        "TrainingJobName: «smjob»\nTrainingJobStatus: Completed\nTrainingImage: 763104351884.dkr.ecr.‹region›.amazonaws.com/pytorch-training@«digest»",
    ),
    ("vertex endpoint resource name", "projects/«ndig12»/locations/‹gregion›/endpoints/«ndig19»"),
    (
        "jupyter kernel and session",
        "[I ‹time› ServerApp] Kernel started: «uuid@k»\n[I ‹time› ServerApp] Starting buffering for «uuid@k»:«uuid»",
    ),
    (
        "nbformat cell id",
        '   "id": "«hex8»",\n   "execution_count": ‹n›,\n   "cell_type": "code",\n   "metadata": {"papermill": {"run_id": "«uuid»"}}',
    ),
    ("checkpoint sha256 and step", "Loaded checkpoint sha256=«hex64» (epoch ‹n›, step «ndig6»)"),
    # ad-tech / marketing
    (
        "meta campaign and adset ids",
        "campaign_id=«ndig18»&adset_id=«ndig18»&ad_id=«ndig18»&placement=feed",
    ),
    ("google ads customer and gclid", "customer «gadscust» conversion uploaded for gclid=«gclid»"),
    (
        "fbclid in landing url",
        "GET /landing?utm_source=facebook&utm_id=«ndig18»&fbclid=«fbclid» HTTP/1.1",
    ),
    (
        "postback click and transaction ids",
        "clickid=«hex24»&payout=‹n›.00&status=approved&txid=«ndig10»",
    ),
    ("appsflyer id", '"appsflyer_id":"«afid»","event_name":"af_purchase","event_id":"«uuid»"'),
    ("adjust adid and tracker token", "adid=«hex32» tracker_token=«lan6» event_token=«lan6»"),
    (
        "hubspot webhook ids",
        '{"portalId":«ndig8»,"objectId":«ndig11»,"subscriptionType":"contact.creation"}',
    ),
    (
        "marketo munchkin id and tracking cookie",
        "Munchkin.init('«munchkin@m»');\nCookie: _mkto_trk=id:«munchkin@m»&token:«mchtok»",
    ),
    ("mailchimp list and campaign ids", "list_id=«hex10» campaign_id=«hex10» web_id=«ndig7»"),
    ("segment message id", '{"messageId":"«segmsg»","anonymousId":"«uuid»","type":"track"}'),
    ("braze ids", '{"external_id":"«uuid»","braze_id":"«hex24»"}'),
    (
        "iterable ids with redacted key",
        'Api-Key: [REDACTED]\n{"campaignId":«ndig7»,"templateId":«ndig7»,"messageId":"«hex32»"}',
    ),
    ("impact action id", "Action ID «impactaction» tracked, OID=«uan12»"),
    ("awin transaction", "transactionId «ndig10» advertiserId «ndig5» clickRef «lan12»"),
    ("cj commission", "commissionId «ndig10» orderId «uan12» actionStatus=new"),
    # CRM / ERP
    ("salesforce account and owner ids", "Account «sfid18» updated by ‹email› (OwnerId «sfid18»)"),
    ("salesforce case number and id", "Case «ndig8» (Id «sfid15») escalated to Tier 2"),
    (
        "apex debug log user info",
        "‹time›.‹n3› (‹n›)|USER_INFO|[EXTERNAL]|«sfid15»|‹email›|(GMT+01:00) Central European Standard Time|GMT+01:00\n‹time›.‹n3› (‹n›)|CODE_UNIT_STARTED|[EXTERNAL]|«sfid15»|AccountTrigger on Account trigger event AfterUpdate",
    ),
    (
        "sf deploy id",
        "Deploy ID: «sfid18»\nStatus: Succeeded | Components: 42/42 | Test run «sfid18»",
    ),
    (
        "dynamics correlation ids",
        "Record «uuid» (account) modified, correlation id «uuid», x-ms-service-request-id «uuid»",
    ),
    (
        "odoo order confirmation",
        "‹ts› ‹pid› INFO ‹corp›-prod odoo.addons.sale.models.sale_order: Confirmed order «odooso» (id=«ndig5»)",
    ),
    ("odoo invoice number", "Invoice «=INV/2026/00412» (move id «ndig5») posted for partner ‹n4›"),
    (
        "netsuite internal id and tranid",
        "internalid «ndig7» tranid SO«ndig6» status pendingFulfillment",
    ),
    (
        "netsuite oauth nonce and timestamp only",
        'oauth_nonce="«an11»", oauth_timestamp="‹epoch›", oauth_signature_method="HMAC-SHA256", oauth_version="1.0" (request id «uuid»)',
    ),
    ("zoho record ids", "Lead «ndig19» converted, Deal «ndig19»"),
    ("suitecrm case uuid", "Case «uuid» assigned to ‹user› (case_number «ndig5»)"),
    # aviation
    (
        "movement message flight and tail",
        "‹date› «flight» «tail» ‹icao›-‹icao@b› OUT ‹hm› OFF ‹hm@b›",
    ),
    ("adsb hex and flight", "hex=«icaoaddr» flight=«flight» alt=36000 gs=451"),
    ("fuel ticket", "Fuel ticket «ndig9» uplift ‹n4› kg for «flight» (‹tail›)"),
    ("notam replacement ids", "NOTAM «notamid» NOTAMR «notamid» ‹icao› RWY 13L/31R CLSD"),
    ("mro work order", "Work order WO-«ndig8» for «tail» closed, task card «=05-51-01-210-801»"),
    ("acars mode-s address", "ACARS ‹hm› .«tail» «flight» label H1 Mode-S «icaoaddr»"),
    # maritime
    (
        "ais nmea sentences",
        "!AIVDM,1,1,,A,«aispayload»,0*‹fuhex2›\n!AIVDM,1,1,,B,«aispayload»,0*‹fuhex2@b›",
    ),
    ("vessel identifiers", "MMSI «mmsi» «imo» call sign «callsign»"),
    ("port call ucrn", "Port call «ucrn» at ‹locode› confirmed, vessel «imo»"),
    ("container discharge", "Container «container» discharged, seal «ndig7», B/L «bol»"),
    ("vsat modem session", "Modem serial «uan10» beam ‹n› session «hex16» up"),
    # rail
    ("train and vehicle number", "Train «train» (vehicle «uic») departed ‹station› +‹n› min"),
    ("etcs session", "ETCS-ID «ndig7» connected to RBC «ndig5», session «hex8»"),
    (
        "rail ticket validation",
        "Ticket «ndig12» validated at gate ‹n› ‹station›, validator «uan10»",
    ),
    # building / agri
    ("bacnet readproperty", "ReadProperty «bacdev» «bacobj»:present-value = 21.5"),
    ("bacnet i-am", "I-Am «bacdev» vendor ‹n3› maxAPDU 1476 from ‹ip›:47808 net «ndig5»"),
    ("knx addresses", "KNX serial «knxserial» individual address «knxia» group «knxga»"),
    (
        "niagara host id license",
        "License file for Host ID «niagarahost» installed next to brand key tridium, cert fingerprint «fpcolon»",
    ),
    ("modbus transaction", "conn_id=«hex8» tx_id=«ndig5» unit=1 fc=3 addr=40001 count=10"),
    (
        "lorawan device identifiers",
        "uplink f_cnt=‹n› DevEUI «uhex16» JoinEUI «uhex16» DevAddr «uhex8» (AppKey not shown)",
    ),
    (
        "irrigation controller serial firmware",
        "Controller serial «uan12» firmware «=2.3.3 (build 178)»",
    ),
    # general engineering
    ("git commit header", "commit «hex40»\nAuthor: ‹person› <‹email›>\nDate:   ‹ts›"),
    ("image digest and id", "‹corp›/edr-agent@«digest»\nImage ID: «digest»"),
    ("traceparent and request id", "traceparent: 00-«hex32»-«hex16»-01\nx-request-id: «uuid»"),
    ("build number and version", "Build «buildnum» (‹ver›, commit «hex7») passed"),
    (
        "sha256sum of agent tarball",
        "«hex64»  elastic-agent-8.15.0-linux-x86_64.tar.gz\n«hex64»  elastic-agent-8.15.0-windows-x86_64.zip",
    ),
    (
        "k8s pod uid near token setting",
        'serviceAccountName: default\nautomountServiceAccountToken: false\nuid: «uuid»\nresourceVersion: "«ndig8»"',
    ),
    ("aws request ids", "RequestId: «uuid»\nx-amz-id-2: «bs48»"),
    (
        "AADSTS invalid secret trace ids",
        "AADSTS7000215: Invalid client secret provided. Trace ID: «uuid» Correlation ID: «uuid» Timestamp: ‹date› ‹time›Z",
    ),
    ("jwt header kid", 'JWT header: {"alg":"RS256","kid":"«bu32»","x5t":"«bu20»","typ":"JWT"}'),
    ("tls cert serial and fingerprint", "serial=«uhex32» sha256 fingerprint=«fpcolon»"),
    (
        "gpg key id import",
        'gpg: key «uhex16»: public key "‹corp› Release Signing" imported\n      «uhex40»',
    ),
    (
        "vault token accessor",
        'Key                  Value\n---                  -----\ntoken_accessor       «an24»\ntoken_duration       768h\ntoken_policies       ["backup" "default"]\nentity_id            «uuid»',
    ),
    ("servicenow incident sys_id", "Incident «inc» (sys_id «hex32») opened for ‹host›"),
    (
        "secret name not value",
        'secretRef: backup-credentials  # resourceVersion: "«ndig8»", uid «uuid»',
    ),
    (
        "session id near session word",
        "VPN session «hex16» for ‹user› closed after 3h12m, tunnel id «ndig7»",
    ),
    # multilingual keep
    ("hu backup job id", "A mentési feladat azonosítója: «uuid», visszaállítási pont: «uuid»"),
    ("ro commit in ticket", "Remedierea este în commit-ul «hex40», pipeline «ndig7»"),
    ("el flight number", "Αριθμός πτήσης «flight», νηολόγιο «tail»"),
    ("da snapshot id", "Snapshot-ID: «hex8» i repository «hex8», kørt ‹date›"),
    ("sv incident number", "Ärende «inc» stängt, trace-id «hex32»"),
    ("sk agent id", "ID agenta: «uuid» – agent je online, verzia «ver»"),
    ("hr vessel imo", "Brod «imo», MMSI «mmsi»"),
    ("ca request id", "Identificador de la sol·licitud: «uuid», traça «hex32»"),
    ("he agent id", "מזהה סוכן: «uuid», גרסה «ver»"),
    ("fa run id", "شناسه اجرا: «hex32»، شناسه آزمایش: «ndig15»"),
    ("bn build number", "বিল্ড নম্বর «buildnum», কমিট «hex40»"),
    ("ms tunnel id", "ID terowong: «ndig9», ID sesi: «hex16»"),
]


# ---------------------------------------------------------------------------
# public API
# ---------------------------------------------------------------------------


def keep_list() -> list[Keep]:
    r = random.Random(SEED + 1)
    out = []
    for fmt, text in _KEEPS:
        lines, tokens = _render(text, r, ())
        out.append(Keep(fmt, lines, tokens))
    return out


def cases() -> list[Case]:
    avoid = tuple(sorted({t for k in keep_list() for t in k.tokens}))
    r = random.Random(SEED)
    out = []
    for family, templates in _CASES:
        for fmt, text in templates:
            for _ in range(VARIANTS):
                lines, values = _render(text, r, avoid)
                out.append(Case(family, fmt, lines, values))
    return out


def _check() -> dict[str, int]:
    cs = cases()
    ks = keep_list()
    assert cs == cases() and ks == keep_list(), "not deterministic"
    tokens = [t for k in ks for t in k.tokens]
    values = [v for c in cs for v in c.values]
    for c in cs:
        blob = "\n".join(c.lines)
        assert re.fullmatch(r"[a-z][a-z0-9_]*", c.family), c.family
        assert c.values, (c.family, c.format)
        assert len(set(c.values)) == len(c.values), (c.family, c.format)
        assert "«" not in blob and "‹" not in blob, (c.family, c.format)
        for v in c.values:
            assert len(v) >= 4, (c.family, c.format, v)
            assert v in blob, (c.family, c.format, v)
    for k in ks:
        blob = "\n".join(k.lines)
        assert k.tokens, k.format
        assert len(set(k.tokens)) == len(k.tokens), k.format
        assert "«" not in blob and "‹" not in blob, k.format
        for t in k.tokens:
            assert len(t) >= 5, (k.format, t)
            assert t in blob, (k.format, t)
    tokset = set(tokens)
    for v in set(values):
        for t in tokset:
            assert v not in t and t not in v, (v, t)
    families = {c.family for c in cs}
    return {
        "families": len(families),
        "case_templates": sum(len(t) for _, t in _CASES),
        "cases": len(cs),
        "values": len(values),
        "keep_templates": len(_KEEPS),
        "keep_entries": len(ks),
        "keep_tokens": len(tokens),
    }


if __name__ == "__main__":
    print(_check())
