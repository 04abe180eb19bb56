# ruff: noqa: E501, RUF001, UP031
"""Sealed blind corpus Q for a log/secret sanitizer, written by helper Q on
2026-12-03 without reading the sanitizer, its tests, the other corpora or any
benchmark.

Theme: infrastructure appliances and their management CLIs and consoles
(VMware vCenter/ESXi, esxcli, PowerCLI, Hyper-V, Nutanix, Citrix ADC /
NetScaler / Gateway, F5 BIG-IP tmsh and iControl REST, Check Point clish /
expert / management API, PAN-OS set commands and XML API, NetApp ONTAP, Pure
Storage, Dell iDRAC / OpenManage, HPE iLO / OneView, Lenovo XClarity,
SCCM / Intune / MDT, legacy Windows answer files), radio IoT networks
(LoRaWAN ChirpStack / TTN, Zigbee, Z-Wave, Thread, Matter), media and
broadcast (SRT, NDI, Dante, vMix, OBS websocket, RTMP encoders), automotive
and fleet telematics, smart meters and utilities (DLMS/COSEM, wM-Bus, head-end
systems), and human text about all of these (runbooks, postmortems, chat,
Jira, voicemail transcripts, handover notes) in English and German, French,
Spanish, Norwegian, Icelandic, Greek, Hebrew, Arabic, Hindi, Indonesian,
Japanese and Korean.

SEED = 20261209, VARIANTS = 2 (each template rendered twice with fresh secrets
and fresh surrounding names).

Counts (as printed by _check()): 43 families, 438 case templates, 876 cases,
1040 planted values, 132 keep templates, 264 keep entries, 292 keep tokens.

Pure standard library, deterministic (random.Random(SEED)).
Placeholders inside templates:
  ⟦kind⟧ / ⟦kind#label⟧  planted secret (collected into Case.values)
  ⟦=literal⟧             planted literal secret (e.g. a vendor default)
  ⟨kind⟩ / ⟨kind#label⟩  surrounding non-secret filler (hosts, IPs, users ...)
  ⟪kind⟫ / ⟪=literal⟫     keep token (collected into Keep.tokens)
"""

from __future__ import annotations

import base64
import json
import random
import re
import string
from typing import NamedTuple

SEED = 20261209
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


# --------------------------------------------------------------------------
# generators
# --------------------------------------------------------------------------

_U = string.ascii_uppercase
_L = string.ascii_lowercase
_D = string.digits
_AL = _U + _L + _D
_HEX = "0123456789abcdef"
_B64 = _AL + "+/"
_B64URL = _AL + "-_"
_B32 = _U + "234567"

_WORDS = [
    "harbor",
    "copper",
    "lantern",
    "falcon",
    "meadow",
    "glacier",
    "orbit",
    "velvet",
    "timber",
    "cobalt",
    "saffron",
    "quartz",
    "marble",
    "thunder",
    "willow",
    "ember",
    "canyon",
    "pepper",
    "nectar",
    "harvest",
    "violet",
    "summit",
    "breeze",
    "anchor",
    "compass",
    "granite",
    "juniper",
    "pebble",
    "raven",
    "sierra",
    "tundra",
    "walnut",
    "zephyr",
    "mosaic",
    "puffin",
    "fjord",
    "kestrel",
    "lagoon",
    "maple",
    "nimbus",
    "oyster",
    "prairie",
    "ripple",
    "sparrow",
    "trellis",
    "umber",
    "vortex",
    "wombat",
    "yarrow",
    "basil",
    "cactus",
    "dingo",
    "fennel",
    "gopher",
    "hazel",
    "iguana",
    "jasper",
    "koala",
    "lilac",
    "mango",
    "badger",
    "biscuit",
    "cricket",
    "dolphin",
    "falafel",
    "galaxy",
    "hammock",
    "igloo",
    "jigsaw",
    "kayak",
    "lobster",
    "muffin",
    "noodle",
    "otter",
    "pickle",
    "quokka",
    "rocket",
    "sunset",
    "tiger",
    "walrus",
    "yeti",
    "zucchini",
    "banjo",
    "candle",
    "donut",
    "eclair",
]

_SEASONS = (
    "Spring",
    "Summer",
    "Autumn",
    "Winter",
    "Herbst",
    "Sommer",
    "Vinter",
    "Hiver",
    "Invierno",
    "Vetur",
)


def _rs(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def _alnum(rng: random.Random, n: int, alphabet: str = _AL) -> str:
    while True:
        s = _rs(rng, alphabet, n)
        if any(c.isdigit() for c in s) and any(c.isalpha() for c in s):
            return s


def _leet(rng: random.Random, w: str) -> str:
    table = {"a": "@4", "e": "3", "i": "1!", "o": "0", "s": "$5", "t": "7"}
    out = []
    for c in w:
        if c in table and rng.random() < 0.8:
            out.append(rng.choice(table[c]))
        else:
            out.append(c)
    s = "".join(out)
    return s[0].upper() + s[1:]


def _g_pw(rng: random.Random) -> str:
    w = rng.choice(_WORDS)
    st = rng.randrange(8)
    if st == 0:
        return w.capitalize() + str(rng.randint(1990, 2031)) + rng.choice("!#?*")
    if st == 1:
        return (
            w.capitalize()
            + rng.choice("#@!_-.")
            + str(rng.randint(10, 999))
            + rng.choice(_WORDS).capitalize()
        )
    if st == 2:
        return (
            rng.choice(_WORDS).capitalize()
            + rng.choice(_WORDS).capitalize()
            + str(rng.randint(1, 99))
            + "!"
        )
    if st == 3:
        return _leet(rng, w) + rng.choice("!#%*") + str(rng.randint(10, 99))
    if st == 4:
        return w[:4].capitalize() + rng.choice("!#*-_.+=") + _alnum(rng, 6)
    if st == 5:
        return rng.choice(_SEASONS) + str(rng.randint(2019, 2027)) + rng.choice("!?#")
    if st == 6:
        return _alnum(rng, rng.randint(4, 6)) + rng.choice("!#*@") + _alnum(rng, rng.randint(5, 8))
    return w + rng.choice(_WORDS).capitalize() + "@" + str(rng.randint(1, 9999))


def _g_pwq(rng: random.Random) -> str:  # URL / query safe
    w = rng.choice(_WORDS)
    st = rng.randrange(3)
    if st == 0:
        return (
            w.capitalize()
            + str(rng.randint(10, 9999))
            + rng.choice(["-", "_", "."])
            + rng.choice(_WORDS)
        )
    if st == 1:
        return _alnum(rng, rng.randint(10, 18))
    return _leet(rng, w).replace("$", "5").replace("@", "4").replace("!", "1") + str(
        rng.randint(100, 999)
    )


def _g_leet(rng: random.Random) -> str:
    return (
        _leet(rng, rng.choice(_WORDS) + rng.choice(_WORDS))
        + rng.choice("!#*?")
        + str(rng.randint(1, 99))
    )


def _g_pwl(rng: random.Random) -> str:
    st = rng.randrange(3)
    if st == 0:
        return rng.choice(_WORDS) + str(rng.randint(1, 9)) + rng.choice(_WORDS)
    if st == 1:
        return rng.choice(_WORDS) + rng.choice(_WORDS) + str(rng.randint(1, 99))
    return rng.choice(_WORDS) + str(rng.randint(100, 99999))


def _g_pws(rng: random.Random) -> str:
    n = rng.randint(6, 10)
    while True:
        s = _rs(rng, _AL + "!#*?-_@", n)
        if any(c.isdigit() for c in s) and any(c.isalpha() for c in s):
            return s


def _g_pwup(rng: random.Random) -> str:
    return _alnum(rng, rng.randint(10, 14), _U + _D)


def _g_u8(rng: random.Random) -> str:
    return _alnum(rng, 8, _U + _D)


def _g_phr(rng: random.Random) -> str:
    ws = [rng.choice(_WORDS) for _ in range(rng.randint(3, 4))]
    st = rng.randrange(4)
    if st == 0:
        return "-".join(ws)
    if st == 1:
        return "-".join(w.capitalize() for w in ws) + "-" + str(rng.randint(1, 99))
    if st == 2:
        return ".".join(ws) + str(rng.randint(1, 9))
    return "_".join(ws)


def _g_phrs(rng: random.Random) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(4))


def _g_phrl(rng: random.Random) -> str:
    while True:
        s = rng.choice([" ", "-"]).join(rng.choice(_WORDS) for _ in range(rng.randint(6, 7)))
        if len(s) >= 32:
            return s


def _digits(n: int):
    def g(rng: random.Random) -> str:
        return _rs(rng, _D, n)

    return g


def _g_mpin(rng: random.Random) -> str:
    bad = {
        "00000000",
        "11111111",
        "22222222",
        "33333333",
        "44444444",
        "55555555",
        "66666666",
        "77777777",
        "88888888",
        "99999999",
        "12345678",
        "87654321",
    }
    while True:
        s = "%08d" % rng.randint(1, 99999998)
        if s not in bad:
            return s


def _g_mpcf(rng: random.Random) -> str:
    s = _rs(rng, _D, 11)
    return "%s-%s-%s" % (s[:4], s[4:7], s[7:])


def _g_mtqr(rng: random.Random) -> str:
    return "MT:" + _rs(rng, _D + _U + "-.", 19)


def _an(n: int):
    def g(rng: random.Random) -> str:
        return _alnum(rng, n)

    return g


def _up(n: int):
    def g(rng: random.Random) -> str:
        return _alnum(rng, n, _U + _D)

    return g


def _hx(n: int, upper: bool = False):
    def g(rng: random.Random) -> str:
        s = _rs(rng, _HEX, n)
        return s.upper() if upper else s

    return g


def _g_hsp(rng: random.Random) -> str:
    return " ".join(_rs(rng, _HEX, 2).upper() for _ in range(16))


def _g_hcol(rng: random.Random) -> str:
    return ":".join(_rs(rng, _HEX, 2) for _ in range(16))


def _g_carr(rng: random.Random) -> str:
    return ", ".join("0x" + _rs(rng, _HEX, 2).upper() for _ in range(16))


def _b64(nbytes: int):
    def g(rng: random.Random) -> str:
        return base64.b64encode(bytes(rng.randrange(256) for _ in range(nbytes))).decode()

    return g


def _b64u(rng: random.Random, nbytes: int) -> str:
    return (
        base64.urlsafe_b64encode(bytes(rng.randrange(256) for _ in range(nbytes)))
        .decode()
        .rstrip("=")
    )


def _g_cpsid(rng: random.Random) -> str:
    return _b64u(rng, 32)


def _g_jwt(rng: random.Random) -> str:
    hdr = rng.choice(
        [
            '{"alg":"HS256","typ":"JWT"}',
            '{"alg":"RS256","typ":"JWT","kid":"%s"}' % _rs(rng, _HEX, 8),
        ]
    )
    body = json.dumps(
        {
            "iss": rng.choice(
                [
                    "chirpstack",
                    "https://auth.tesla.com/oauth2/v3",
                    "https://sts.windows.net/",
                    "fleet",
                ]
            ),
            "sub": _rs(rng, _HEX, 12),
            "iat": rng.randint(1790000000, 1799999999),
            "exp": rng.randint(1800000000, 1809999999),
        },
        separators=(",", ":"),
    )

    def enc(s: str) -> str:
        return base64.urlsafe_b64encode(s.encode()).decode().rstrip("=")

    sig = _b64u(rng, 32 if "HS256" in hdr else 64)
    return "%s.%s.%s" % (enc(hdr), enc(body), sig)


def _g_pankey(rng: random.Random) -> str:
    return (
        "LUFRPT"
        + base64.b64encode(bytes(rng.randrange(256) for _ in range(52))).decode().rstrip("=")[:64]
        + "=="
    )


def _g_ttnkey(rng: random.Random) -> str:
    return "NNSXS." + _rs(rng, _B32, 39) + "." + _rs(rng, _B32, 52)


def _g_ttnv2(rng: random.Random) -> str:
    return "ttn-account-v2." + _b64u(rng, 32)


def _g_twitch(rng: random.Random) -> str:
    return "live_%d_%s" % (rng.randint(100000000, 999999999), _alnum(rng, 30))


def _g_yt(rng: random.Random) -> str:
    return "-".join(_alnum(rng, 4, _L + _D) for _ in range(5))


def _g_fb(rng: random.Random) -> str:
    return "FB-%d-0-Ab%s" % (rng.randint(10**14, 10**15 - 1), _alnum(rng, 28, _AL + "-_"))


def _g_samsara(rng: random.Random) -> str:
    return "samsara_api_" + _alnum(rng, 30)


def _g_nsess(rng: random.Random) -> str:
    return "##" + _rs(rng, _HEX, 64).upper()


_CRYPT = _AL + "./"


def _g_crypt6(rng: random.Random) -> str:
    return "$6$%s$%s" % (_rs(rng, _CRYPT, 16), _rs(rng, _CRYPT, 86))


def _g_crypt5(rng: random.Random) -> str:
    return "$5$%s$%s" % (_rs(rng, _CRYPT, 8), _rs(rng, _CRYPT, 43))


def _g_crypt1(rng: random.Random) -> str:
    return "$1$%s$%s" % (_rs(rng, _CRYPT, 8), _rs(rng, _CRYPT, 22))


def _g_f5m(rng: random.Random) -> str:
    return "$M$%s$%s" % (_rs(rng, _AL, 2), _b64(24)(rng))


def _g_uuid(rng: random.Random) -> str:
    h = _rs(rng, _HEX, 32)
    return "%s-%s-%s-%s-%s" % (h[:8], h[8:12], h[12:16], h[16:20], h[20:])


def _g_azsec(rng: random.Random) -> str:
    return _alnum(rng, 3) + rng.choice(_D) + "Q~" + _alnum(rng, 34, _AL + "_.~-")


_LICA = "BCDFGHJKMPQRTVWXY2346789"


def _g_lic(rng: random.Random) -> str:
    return "-".join(_rs(rng, _LICA, 5) for _ in range(5))


def _g_bdrk(rng: random.Random) -> str:
    return "-".join("%06d" % (rng.randint(0, 65535) * 11) for _ in range(8))


def _g_laps(rng: random.Random) -> str:
    return _alnum(rng, rng.randint(14, 20), _AL + "!#%+,-.;=@[]{}")


def _g_basic(rng: random.Random) -> str:
    u = rng.choice(
        ["svc_api", "admin", "hes_api", "monitor", "svc_prism", "f5_mon", "apiuser", "nocbot"]
    )
    return base64.b64encode(("%s:%s" % (u, _g_pwq(rng))).encode()).decode()


def _g_grp(rng: random.Random) -> str:
    return " ".join(_alnum(rng, 4, _U + _D) for _ in range(rng.randint(3, 4)))


def _g_zarr(rng: random.Random) -> str:
    return "[" + ", ".join(str(rng.randrange(256)) for _ in range(16)) + "]"


def _g_zic(rng: random.Random) -> str:
    return _rs(rng, _HEX, 36).upper()


def _g_dsk(rng: random.Random) -> str:
    return "-".join("%05d" % rng.randint(0, 65535) for _ in range(8))


def _g_zwqr(rng: random.Random) -> str:
    return "9001" + _rs(rng, _D, 86)


def _g_tuya(rng: random.Random) -> str:
    return _alnum(rng, 16, _AL + "!#*+=|^~")


_PSKD = "".join(c for c in _U + _D if c not in "IOQZ")


def _g_pskd(rng: random.Random) -> str:
    return _alnum(rng, rng.randint(8, 12), _PSKD)


def _g_tlv(rng: random.Random) -> str:
    def h(n: int) -> str:
        return _rs(rng, _HEX, n)

    return (
        "0e080000000000010000000300000f35060004001fffe0"
        + "0208"
        + h(16)
        + "0708fd"
        + h(14)
        + "0510"
        + h(32)
        + "030f4f70656e5468726561642d"
        + h(4)
        + "0102"
        + h(4)
        + "0410"
        + h(32)
        + "0c0402a0f7f8"
    )


def _g_srtpp(rng: random.Random) -> str:
    st = rng.randrange(3)
    if st == 0:
        return _alnum(rng, rng.randint(16, 32))
    if st == 1:
        return "-".join(rng.choice(_WORDS) for _ in range(rng.randint(3, 5)))
    return (
        rng.choice(_WORDS).capitalize()
        + str(rng.randint(1000, 9999))
        + rng.choice(_WORDS).capitalize()
        + rng.choice(_WORDS)
    )


def _g_teslart(rng: random.Random) -> str:
    return rng.choice(["EU_", "NA_"]) + _rs(rng, _HEX, 64)


def _g_ontpp(rng: random.Random) -> str:
    return _alnum(rng, 24, _B64)


def _g_okm(rng: random.Random) -> str:
    return _alnum(rng, 64, _B64)


def _g_ovsid(rng: random.Random) -> str:
    return "LTE" + _alnum(rng, 29, _D + _U) + _alnum(rng, 32, _AL)


def _g_pair(rng: random.Random) -> str:  # half of a password split over two messages
    return _alnum(rng, rng.randint(5, 7), _AL + "!#*@")


def _g_restream(rng: random.Random) -> str:
    return "re_%d_%s" % (rng.randint(1000000, 9999999), _alnum(rng, 20, _L + _D))


def _g_kick(rng: random.Random) -> str:
    return "sk_us-west-2_" + _alnum(rng, 12)


_SECRET = {
    "pw": _g_pw,
    "pwq": _g_pwq,
    "leet": _g_leet,
    "pwl": _g_pwl,
    "pws": _g_pws,
    "pwup": _g_pwup,
    "u8": _g_u8,
    "phr": _g_phr,
    "phrs": _g_phrs,
    "phrl": _g_phrl,
    "pin4": _digits(4),
    "pin5": _digits(5),
    "pin6": _digits(6),
    "pin8": _digits(8),
    "mpin": _g_mpin,
    "mpc": _digits(11),
    "mpcf": _g_mpcf,
    "mtqr": _g_mtqr,
    "a8": _an(8),
    "a10": _an(10),
    "a12": _an(12),
    "a16": _an(16),
    "a20": _an(20),
    "a22": _an(22),
    "a24": _an(24),
    "a32": _an(32),
    "a40": _an(40),
    "a48": _an(48),
    "ak20": _up(20),
    "au26": _up(26),
    "h8": _hx(8),
    "h16": _hx(16),
    "h32": _hx(32),
    "h40": _hx(40),
    "h64": _hx(64),
    "h72": _hx(72),
    "H10": _hx(10, True),
    "H32": _hx(32, True),
    "H64": _hx(64, True),
    "hsp": _g_hsp,
    "hcol": _g_hcol,
    "carr": _g_carr,
    "b16": _b64(16),
    "b20": _b64(20),
    "b32": _b64(32),
    "b97": _b64(97),
    "cpsid": _g_cpsid,
    "jwt": _g_jwt,
    "pankey": _g_pankey,
    "ttnkey": _g_ttnkey,
    "ttnv2": _g_ttnv2,
    "twitch": _g_twitch,
    "yt": _g_yt,
    "fb": _g_fb,
    "samsara": _g_samsara,
    "nsess": _g_nsess,
    "crypt6": _g_crypt6,
    "crypt5": _g_crypt5,
    "crypt1": _g_crypt1,
    "f5m": _g_f5m,
    "uuid": _g_uuid,
    "azsec": _g_azsec,
    "lic": _g_lic,
    "bdrk": _g_bdrk,
    "laps": _g_laps,
    "basic": _g_basic,
    "grp": _g_grp,
    "zarr": _g_zarr,
    "zic": _g_zic,
    "dsk": _g_dsk,
    "zwqr": _g_zwqr,
    "tuya": _g_tuya,
    "pskd": _g_pskd,
    "tlv": _g_tlv,
    "srtpp": _g_srtpp,
    "teslart": _g_teslart,
    "ontpp": _g_ontpp,
    "okm": _g_okm,
    "ovsid": _g_ovsid,
    "pair": _g_pair,
    "restream": _g_restream,
    "kick": _g_kick,
    "totp": lambda r: _rs(r, _B32, 32),
}

# --------------------------------------------------------------------------
# surrounding fillers (never secrets)
# --------------------------------------------------------------------------

_DOMS = (
    "corp.nordhavn.net",
    "ad.kestrelgrid.local",
    "lab.fjordmedia.io",
    "infra.solvang-energi.no",
    "it.barcaza.es",
    "sys.vektor-auto.de",
    "ops.helixutil.com",
    "int.marlin-tv.fr",
    "dc.orkuveita.is",
    "net.aegean-ports.gr",
    "corp.tamarind.co.id",
    "hq.sakura-denki.jp",
)
_DSHORT = (
    "NORDHAVN",
    "KESTREL",
    "FJORDMEDIA",
    "SOLVANG",
    "BARCAZA",
    "VEKTOR",
    "HELIX",
    "MARLIN",
    "ORKA",
    "AEGEAN",
)
_HOSTP = (
    "esx",
    "vcsa",
    "ns",
    "bigip",
    "fw",
    "cpgw",
    "ontap",
    "pure",
    "idrac",
    "ilo",
    "xcc",
    "sccm",
    "mdt",
    "lns",
    "otbr",
    "enc",
    "hes",
    "nvr",
    "prism",
    "hv",
    "pano",
    "ovw",
    "lxca",
    "obs",
    "vmix",
    "dante",
)
_SITES = (
    "AMS2",
    "FRA1",
    "OSL-DC1",
    "REK-2",
    "MAD-03",
    "TLV-A",
    "BOM1",
    "CGK2",
    "NRT-4",
    "ICN1",
    "ATH-2",
    "DXB1",
    "LYS-1",
    "BER3",
)
_USERS = (
    "svc_backup",
    "jdoe",
    "a.nilsen",
    "mkaur",
    "t.yamada",
    "hkim",
    "ops_auto",
    "svc_mon",
    "r.haddad",
    "e.levi",
    "p.sharma",
    "d.wijaya",
    "k.papadopoulos",
    "s.jonsdottir",
    "l.moreau",
    "j.garcia",
    "svc_veeam",
    "netops",
    "b.schulz",
    "m.olsen",
    "svc_ansible",
    "noc_ro",
)
_NAMES = (
    "Anja",
    "Bjørn",
    "Chloé",
    "Dario",
    "Elif",
    "Farid",
    "Gudrun",
    "Hiroshi",
    "Ines",
    "Jonas",
    "Kavya",
    "Lars",
    "Maya",
    "Noam",
    "Omar",
    "Priya",
    "Rafael",
    "Sigrún",
    "Takumi",
    "Ulla",
    "Valeria",
    "Wulan",
    "Yannis",
    "Zeynep",
    "Ji-woo",
    "Dewi",
    "Aarav",
    "Léa",
    "Katrín",
    "Eleni",
)
_VMS = (
    "app-db-03",
    "web-fe-12",
    "sql-ag-02",
    "citrix-vda-07",
    "k8s-w-04",
    "ad-dc-01",
    "file-srv-02",
    "mon-prom-01",
    "jump-01",
    "erp-app-05",
)
_APPS = (
    "parking-sensors",
    "water-meters",
    "cold-chain",
    "soil-probes",
    "smart-bins",
    "street-lights",
)
_STREAMS = ("main-feed", "cam1", "studio-b", "ob-truck", "pgm-out", "backup-feed", "iso-cam3")
_SSIDS = ("IoT-Lab", "Studio-5G", "Plant-OT", "Fleet-Depot", "Guest-Matter", "HomeLab")
_PORTS = (
    "443",
    "8443",
    "9440",
    "5480",
    "4455",
    "1935",
    "8088",
    "9000",
    "1883",
    "8883",
    "4059",
    "22",
    "830",
)


def _fill(kind: str, rng: random.Random) -> str:
    d = rng.randint(1, 28)
    hh, mm, ss = rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59)
    if kind == "ts":
        return "2026-11-%02dT%02d:%02d:%02d.%03dZ" % (d, hh, mm, ss, rng.randint(0, 999))
    if kind == "tsl":
        return "2026-11-%02d %02d:%02d:%02d" % (d, hh, mm, ss)
    if kind == "sys":
        return "Nov %2d %02d:%02d:%02d" % (d, hh, mm, ss)
    if kind == "time":
        return "%02d:%02d" % (hh, mm)
    if kind == "date":
        return "2026-11-%02d" % d
    if kind == "ddmm":
        return "%02d.11.2026" % d
    if kind == "host":
        return "%s-%s%02d" % (
            rng.choice(_HOSTP),
            rng.choice(["", "r1-", "a-", "b-", "dc2-"]),
            rng.randint(1, 40),
        )
    if kind == "esx":
        return "esx%02d-%s" % (rng.randint(1, 48), rng.choice(_SITES).lower())
    if kind == "fqdn":
        return "%s%02d.%s" % (rng.choice(_HOSTP), rng.randint(1, 40), rng.choice(_DOMS))
    if kind == "dom":
        return rng.choice(_DOMS)
    if kind == "dshort":
        return rng.choice(_DSHORT)
    if kind == "ip":
        st = rng.randrange(3)
        if st == 0:
            return "10.%d.%d.%d" % (rng.randint(0, 254), rng.randint(0, 254), rng.randint(2, 254))
        if st == 1:
            return "172.%d.%d.%d" % (rng.randint(16, 31), rng.randint(0, 254), rng.randint(2, 254))
        return "192.168.%d.%d" % (rng.randint(0, 254), rng.randint(2, 254))
    if kind == "user":
        return rng.choice(_USERS)
    if kind == "name":
        return rng.choice(_NAMES)
    if kind == "port":
        return rng.choice(_PORTS)
    if kind == "n":
        return str(rng.randint(1, 99))
    if kind == "n3":
        return str(rng.randint(100, 999))
    if kind == "n4":
        return str(rng.randint(1000, 9999))
    if kind == "n6":
        return str(rng.randint(100000, 999999))
    if kind == "uuid":
        return _g_uuid(rng)
    if kind == "hex4":
        return _rs(rng, _HEX, 4)
    if kind == "hex8":
        return _rs(rng, _HEX, 8)
    if kind == "site":
        return rng.choice(_SITES)
    if kind == "deveui":
        return "70B3D57ED0" + _rs(rng, _HEX, 6).upper()
    if kind == "joineui":
        return rng.choice(
            ["0000000000000000", "70B3D57ED0000000", "0004A30B00" + _rs(rng, _HEX, 6).upper()]
        )
    if kind == "devaddr":
        return "26" + _rs(rng, _HEX, 6).upper()
    if kind == "app":
        return "%s-%s" % (rng.choice(_APPS), rng.choice(_SITES).lower().replace("-", ""))
    if kind == "vm":
        return rng.choice(_VMS)
    if kind == "cluster":
        return "CL-%s-%s" % (rng.choice(_SITES), rng.choice(["PROD", "MGMT", "VDI", "EDGE"]))
    if kind == "stream":
        return rng.choice(_STREAMS)
    if kind == "ssid":
        return rng.choice(_SSIDS)
    if kind == "disc":
        return str(rng.randint(0, 4095))
    if kind == "sitecode":
        return rng.choice(["P01", "CM1", "NH1", "KG2", "S01"])
    if kind == "meter":
        return rng.choice(["LGZ", "ISK", "KFM", "ITR", "SAG"]) + str(
            rng.randint(10000000, 99999999)
        )
    if kind == "systitle":
        return rng.choice(["4C475A", "49534B", "4B464D", "495452"]) + _rs(rng, _HEX, 10).upper()
    if kind == "wmbusid":
        return str(rng.randint(10000000, 99999999))
    if kind == "pid":
        return str(rng.randint(1000, 65000))
    if kind == "vehid":
        return str(rng.randint(10**15, 10**16 - 1))
    return _ktok(kind, rng)  # diagnostic-looking filler that is not listed as a keep token


# --------------------------------------------------------------------------
# keep tokens
# --------------------------------------------------------------------------

_HRESULTS = (
    "0x80070005",
    "0x80004005",
    "0x8007000D",
    "0x80072EE7",
    "0x800705B4",
    "0x80070002",
    "0x87D00324",
    "0x80091007",
    "0x8007054B",
    "0x80070035",
    "0x87D00213",
    "0x80040154",
)
_ALARMS = (
    "alarm.HostConnectionStateAlarm",
    "alarm.HostCPUUsageAlarm",
    "alarm.DatastoreDiskUsageAlarm",
    "alarm.VsanHealthAlarm",
    "alarm.CertificateStatusAlarm",
    "alarm.HostMemoryUsageAlarm",
)


def _ktok(kind: str, rng: random.Random) -> str:
    if kind == "uuid":
        return _g_uuid(rng)
    if kind == "uuidb":
        return "{" + _g_uuid(rng).upper() + "}"
    if kind == "vm":
        return "vm-%d" % rng.randint(100, 99999)
    if kind == "hostm":
        return "host-%d" % rng.randint(10, 9999)
    if kind == "ds":
        return "datastore-%d" % rng.randint(10, 9999)
    if kind == "domc":
        return "domain-c%d" % rng.randint(7, 999)
    if kind == "task":
        return "task-%d" % rng.randint(1000, 999999)
    if kind == "jid":
        return "JID_%012d" % rng.randint(10**11, 10**12 - 1)
    if kind == "hresult":
        return rng.choice(_HRESULTS)
    if kind == "build":
        return "build-%d" % rng.randint(20000000, 24999999)
    if kind == "alarm":
        return rng.choice(_ALARMS)
    if kind == "sha1fp":
        return ":".join(_rs(rng, _HEX, 2).upper() for _ in range(20))
    if kind == "sha256fp":
        return ":".join(_rs(rng, _HEX, 2).upper() for _ in range(32))
    if kind == "commit":
        return _rs(rng, _HEX, 40)
    if kind == "short":
        return _rs(rng, _HEX, 12)
    if kind == "digest":
        return "sha256:" + _rs(rng, _HEX, 64)
    if kind == "keyid":
        return _rs(rng, _HEX, 64)
    if kind == "pid":
        return str(rng.randint(10000, 99999))
    if kind == "dur":
        st = rng.randrange(3)
        if st == 0:
            return "%dms" % rng.randint(120, 98000)
        if st == 1:
            return "%d.%03ds" % (rng.randint(1, 600), rng.randint(0, 999))
        return "%02d:%02d:%02d" % (rng.randint(0, 5), rng.randint(0, 59), rng.randint(0, 59))
    if kind == "deveui":
        return "70B3D57ED0" + _rs(rng, _HEX, 6).upper()
    if kind == "devlow":
        return "eui-70b3d57ed0" + _rs(rng, _HEX, 6)
    if kind == "gweui":
        return "B827EBFFFE" + _rs(rng, _HEX, 6).upper()
    if kind == "joineui":
        return "0004A30B00" + _rs(rng, _HEX, 6).upper()
    if kind == "devaddr":
        return "260B" + _rs(rng, _HEX, 4).upper()
    if kind == "ulid":
        return "01J" + _rs(rng, "0123456789ABCDEFGHJKMNPQRSTVWXYZ", 23)
    if kind == "svctag":
        return _alnum(rng, 7, _U + _D)
    if kind == "hpeser":
        return "CZ%d%s" % (rng.randint(2, 3), _alnum(rng, 7, _U + _D))
    if kind == "lenser":
        return "J30%s" % _alnum(rng, 5, _U + _D)
    if kind == "panser":
        return "0079%08d" % rng.randint(0, 99999999)
    if kind == "meter":
        return rng.choice(["LGZ", "ISK", "KFM", "ITR"]) + str(rng.randint(10000000, 99999999))
    if kind == "systitle":
        return rng.choice(["4C475A", "49534B"]) + _rs(rng, _HEX, 10).upper()
    if kind == "kb":
        return "KB50%05d" % rng.randint(10000, 49999)
    if kind == "njob":
        return str(rng.randint(10000, 99999))
    if kind == "evno":
        return str(rng.randint(1000000, 9999999))
    if kind == "inc":
        return "INC%07d" % rng.randint(100000, 9999999)
    if kind == "jira":
        return "%s-%d" % (
            rng.choice(["OPS", "NET", "IOT", "BCAST", "FLEET", "AMI", "INFRA"]),
            rng.randint(1000, 9999),
        )
    if kind == "cmpkg":
        return "%s%05X" % (rng.choice(["P01", "CM1", "NH1"]), rng.randint(0x100, 0xFFFFF))
    if kind == "ulong":
        return str(rng.randint(10**9, 4 * 10**9))
    if kind == "nodeid":
        return "0x" + _rs(rng, _HEX, 16).upper()
    if kind == "extpan":
        return "dead" + _rs(rng, _HEX, 12)
    if kind == "panid":
        return "0x" + _rs(rng, _HEX, 4)
    if kind == "obis":
        return rng.choice(
            ["1.0.1.8.0.255", "1.0.2.8.0.255", "0.0.96.1.0.255", "1.0.32.7.0.255", "0.0.1.0.0.255"]
        )
    if kind == "dtc":
        return rng.choice(["P0301", "P0420", "P0171", "U0100", "P0562", "B1342", "C0035"])
    if kind == "threat":
        return str(rng.randint(80000, 99999))
    if kind == "panver":
        return rng.choice(["10.2.9-h1", "10.2.10-h3", "11.1.2-h3", "11.0.4-h1", "10.1.13"])
    if kind == "ontver":
        return rng.choice(["9.14.1P3", "9.13.1P7", "9.15.1", "9.12.1P12"])
    if kind == "idracver":
        return rng.choice(["7.10.30.00", "7.00.00.172", "6.10.80.00", "5.10.50.00"])
    if kind == "alertid":
        return str(rng.randint(10000, 99999))
    if kind == "qkv":
        return str(rng.randint(10000000, 99999999))
    if kind == "fcnt":
        return str(rng.randint(10000, 65535))
    if kind == "partid":
        return str(rng.randint(100000000, 2147483647))
    if kind == "appver":
        return "%d-%d" % (rng.randint(8700, 8999), rng.randint(8000, 9999))
    if kind == "vehid":
        return str(rng.randint(10**15, 10**16 - 1))
    if kind == "ytbid":
        return _alnum(rng, 11, _AL + "-_")
    raise KeyError(kind)


# --------------------------------------------------------------------------
# renderer
# --------------------------------------------------------------------------

_RX = re.compile(r"⟦([^⟧]+)⟧|⟨([^⟩]+)⟩|⟪([^⟫]+)⟫")


def _secret(kind: str, rng: random.Random, ban: frozenset[str]) -> str:
    gen = _SECRET[kind]
    while True:
        v = gen(rng)
        if len(v) >= 4 and not any(t in v for t in ban):
            return v


def _render(text: str, rng: random.Random, ban: frozenset[str] = frozenset()):
    memo: dict = {}
    secrets: list[str] = []
    toks: list[str] = []

    def sub(m: re.Match) -> str:
        s, f, k = m.groups()
        spec = s or f or k
        typ = "S" if s else ("F" if f else "K")
        if spec.startswith("="):
            v = spec[1:]
        else:
            kind, _, label = spec.partition("#")
            key = (typ, kind, label)
            if label and key in memo:
                v = memo[key]
            else:
                if typ == "S":
                    v = _secret(kind, rng, ban)
                elif typ == "F":
                    v = _fill(kind, rng)
                else:
                    v = _ktok(kind, rng)
                if label:
                    memo[key] = v
        if typ == "S" and v not in secrets:
            secrets.append(v)
        if typ == "K" and v not in toks:
            toks.append(v)
        return v

    out = _RX.sub(sub, text.strip("\n"))
    return tuple(out.split("\n")), tuple(secrets), tuple(toks)


_FAMILIES: list[tuple[str, list[tuple[str, str]]]] = []
_KEEPS: list[tuple[str, str]] = []


def _fam(name: str, templates: list[tuple[str, str]]) -> None:
    _FAMILIES.append((name, templates))


def _keep(templates: list[tuple[str, str]]) -> None:
    _KEEPS.extend(templates)


# ==========================================================================
# case templates: virtualisation
# ==========================================================================

_fam(
    "vcenter_esxi",
    [
        (
            "esxcli account add over SSH",
            r"""
[root@⟨esx#h⟩:~] esxcli system account add -i ⟨user#u⟩ -d "backup agent" -p '⟦pw#p⟧' -c '⟦pw#p⟧'
[root@⟨esx#h⟩:~] esxcli system permission set -i ⟨user#u⟩ -r ReadOnly
[root@⟨esx#h⟩:~] esxcli system permission list | grep ⟨user#u⟩
""",
        ),
        (
            "esxcli root password reset",
            r"""
[root@⟨esx#h⟩:~] esxcli system account set -i root -p ⟦pw#p⟧ -c ⟦pw#p⟧
[root@⟨esx#h⟩:~] echo $?
0
""",
        ),
        (
            "vcsa-deploy JSON template",
            r"""
        "os": {
            "password": "⟦pw⟧",
            "ntp_servers": "⟨ip⟩",
            "ssh_enable": true
        },
        "sso": {
            "password": "⟦leet⟧",
            "domain_name": "vsphere.local"
        }
""",
        ),
        (
            "govc environment",
            r"""
export GOVC_URL='https://⟨fqdn⟩/sdk'
export GOVC_USERNAME='administrator@vsphere.local'
export GOVC_PASSWORD='⟦pw⟧'
export GOVC_INSECURE=1
govc about
""",
        ),
        (
            "vpxd log with soap session cookie",
            r"""
⟨ts⟩ info vpxd[⟨n4⟩] [Originator@6876 sub=HttpSvc.HTTPService opID=⟨hex8⟩] Set-Cookie: vmware_soap_session="⟦h40⟧"; Path=/; HttpOnly; Secure;
⟨ts⟩ info vpxd[⟨n4⟩] [Originator@6876 sub=vpxLro opID=⟨hex8⟩] [VpxLRO] -- BEGIN lro-⟨n6⟩ -- SessionManager -- vim.SessionManager.login
""",
        ),
        (
            "vSphere Automation API session via curl",
            r"""
$ curl -sk -X POST -u 'administrator@vsphere.local:⟦pw⟧' https://⟨fqdn#v⟩/api/session
"⟦h32#s⟧"
$ curl -sk -H 'vmware-api-session-id: ⟦h32#s⟧' https://⟨fqdn#v⟩/api/vcenter/vm?names=⟨vm⟩
""",
        ),
        (
            "ESXi scripted install ks.cfg",
            r"""
vmaccepteula
rootpw ⟦pw⟧
install --firstdisk --overwritevmfs
network --bootproto=static --ip=⟨ip⟩ --netmask=255.255.255.0 --gateway=⟨ip⟩ --hostname=⟨esx⟩ --nameserver=⟨ip⟩
reboot
""",
        ),
        (
            "ESXi ks.cfg with crypted root password",
            r"""
# ks.cfg for ⟨cluster⟩
vmaccepteula
rootpw --iscrypted ⟦crypt6⟧
install --firstdisk=local --overwritevmfs
""",
        ),
        (
            "iSCSI CHAP via esxcli",
            r"""
[root@⟨esx⟩:~] esxcli iscsi adapter auth chap set --adapter=vmhba64 --direction=uni --level=required --authname=iqn.1998-01.com.vmware:⟨esx⟩ --secret='⟦a16⟧'
""",
        ),
        (
            "VAMI backup schedule JSON",
            r"""
PUT https://⟨fqdn⟩:5480/rest/appliance/recovery/backup/schedules/daily
{"spec":{"location":"sftp://⟨ip⟩/backups/vcsa","location_user":"⟨user⟩","location_password":"⟦pw⟧",
 "backup_password":"⟦phr⟧","enable":true,"recurrence_info":{"hour":2,"minute":30}}}
""",
        ),
        (
            "dir-cli password reset",
            r"""
root@⟨host⟩ [ ~ ]# /usr/lib/vmware-vmafd/bin/dir-cli password reset --account ⟨user⟩ --new '⟦pws⟧' --login administrator --password '⟦pw⟧'
Password was reset successfully for [⟨user⟩]
""",
        ),
        (
            "vCenter AD join via domainjoin-cli",
            r"""
root@⟨host⟩ [ ~ ]# /opt/likewise/bin/domainjoin-cli join ⟨dom⟩ svc_vcjoin '⟦pw⟧'
Joining to AD Domain:   ⟨dom⟩
With Computer DNS Name: ⟨fqdn⟩
SUCCESS
""",
        ),
    ],
)

_fam(
    "powercli",
    [
        (
            "Connect-VIServer with inline password",
            r"""
PS C:\scripts> Connect-VIServer -Server ⟨fqdn⟩ -User 'administrator@vsphere.local' -Password '⟦pw⟧'
Name                           Port  User
----                           ----  ----
⟨fqdn⟩  443   VSPHERE.LOCAL\Administrator
""",
        ),
        (
            "credential store item",
            r"""
New-VICredentialStoreItem -Host ⟨fqdn⟩ -User 'svc_veeam@vsphere.local' -Password "⟦pw⟧" -File C:\ProgramData\VMware\cred.xml
""",
        ),
        (
            "Set-VMHostAccount root",
            r"""
$esx = Get-VMHost -Name ⟨esx⟩
Set-VMHostAccount -UserAccount root -Password '⟦pwup⟧' -Server $esx
""",
        ),
        (
            "Add-VMHost",
            r"""
Add-VMHost -Name ⟨esx⟩ -Location (Get-Cluster ⟨cluster⟩) -User root -Password '⟦pw⟧' -Force -Confirm:$false
""",
        ),
        (
            "Invoke-VMScript guest credentials",
            r"""
Invoke-VMScript -VM ⟨vm⟩ -GuestUser Administrator -GuestPassword '⟦pw⟧' -ScriptText "ipconfig /all" -ScriptType Powershell
""",
        ),
        (
            "PSCredential from plain text",
            r"""
$pw   = ConvertTo-SecureString '⟦leet⟧' -AsPlainText -Force
$cred = New-Object System.Management.Automation.PSCredential('⟨dshort⟩\⟨user⟩', $pw)
Connect-VIServer -Server ⟨fqdn⟩ -Credential $cred
""",
        ),
        (
            "OS customization spec",
            r"""
New-OSCustomizationSpec -Name 'Win2022-⟨site⟩' -OSType Windows -FullName 'IT' -OrgName 'IT' -Domain ⟨dom⟩ `
  -DomainUsername svc_join -DomainPassword '⟦pw⟧' -AdminPassword '⟦pw⟧' -ChangeSid
""",
        ),
        (
            "Get-VICredentialStoreItem output",
            r"""
PS C:\> Get-VICredentialStoreItem -Host ⟨fqdn⟩ | Format-List

Host     : ⟨fqdn⟩
User     : svc_backup@vsphere.local
Password : ⟦pw⟧
File     : C:\Users\⟨user⟩\AppData\Roaming\VMware\credstore\vicredentials.xml
""",
        ),
        (
            "Set-VMHostAuthentication join domain",
            r"""
Get-VMHost ⟨esx⟩ | Get-VMHostAuthentication | Set-VMHostAuthentication -JoinDomain -Domain ⟨dom⟩ -Username svc_esxjoin -Password '⟦pw⟧' -Confirm:$false
""",
        ),
        (
            "SNMP community via PowerCLI",
            r"""
$snmp = Get-VMHostSnmp -Server ⟨esx⟩
Set-VMHostSnmp -HostSnmp $snmp -Enabled:$true -ReadOnlyCommunity '⟦pwl⟧'
""",
        ),
    ],
)

_fam(
    "hyperv_powershell",
    [
        (
            "Enter-PSSession inline credential",
            r"""
PS C:\> Enter-PSSession -ComputerName ⟨host⟩ -Credential (New-Object PSCredential('⟨dshort⟩\⟨user⟩',(ConvertTo-SecureString '⟦pw⟧' -AsPlainText -Force)))
[⟨host⟩]: PS C:\Users\⟨user⟩\Documents>
""",
        ),
        (
            "Replica certificate import",
            r"""
Import-PfxCertificate -FilePath C:\certs\hv-replica.pfx -CertStoreLocation Cert:\LocalMachine\My `
  -Password (ConvertTo-SecureString -String '⟦phr⟧' -Force -AsPlainText)
""",
        ),
        (
            "net use to VM share",
            r"""
C:\> net use \\⟨host⟩\VMs /user:⟨dshort⟩\⟨user⟩ ⟦pw⟧
The command completed successfully.
""",
        ),
        (
            "SCVMM Run As account",
            r"""
$c = [pscredential]::new('⟨dshort⟩\svc_vmm', (ConvertTo-SecureString -AsPlainText -Force -String "⟦pwup⟧"))
New-SCRunAsAccount -Name "HostMgmt-⟨site⟩" -Credential $c -Description "Hyper-V host management"
""",
        ),
        (
            "BitLocker protector listing inside shielded VM",
            r"""
PS C:\> manage-bde -protectors -get C:
    Numerical Password:
      ID: {⟨uuid⟩}
      Password:
        ⟦bdrk⟧
""",
        ),
        (
            "cmdkey for Hyper-V Manager",
            r"""
cmdkey /add:⟨host⟩ /user:⟨dshort⟩\⟨user⟩ /pass:⟦pw⟧
CMDKEY: Credential added successfully.
""",
        ),
        (
            "New-LocalUser for hv admin",
            r"""
New-LocalUser -Name hvadmin -Password (ConvertTo-SecureString "⟦pw⟧" -AsPlainText -Force) -PasswordNeverExpires
Add-LocalGroupMember -Group "Hyper-V Administrators" -Member hvadmin
""",
        ),
        (
            "DSC configuration data",
            r"""
@{
    AllNodes = @(
        @{ NodeName = '⟨host⟩'; PSDscAllowPlainTextPassword = $true; DomainName = '⟨dom⟩' }
    )
    HostAdminPassword = '⟦pw⟧'
}
""",
        ),
        (
            "Hyper-V cluster validation with stored cred",
            r"""
$u = '⟨dshort⟩\svc_clu'; $p = '⟦pwq⟧'
$cred = New-Object PSCredential($u, (ConvertTo-SecureString $p -AsPlainText -Force))
Test-Cluster -Node ⟨host⟩,⟨host⟩ -Include "Hyper-V Configuration" -Credential $cred
""",
        ),
    ],
)

_fam(
    "nutanix_prism",
    [
        (
            "ncli user create",
            r"""
nutanix@NTNX-⟨n6⟩-A-CVM:⟨ip⟩:~$ ncli user create user-name=⟨user⟩ user-password=⟦pw⟧ first-name=⟨name⟩ last-name=Ops email-id=noc@⟨dom⟩
""",
        ),
        (
            "ncli reset admin password",
            r"""
nutanix@cvm$ ncli user reset-password user-name=admin password=⟦pw⟧
Password of the user admin is reset successfully
""",
        ),
        (
            "Prism v3 API via curl",
            r"""
curl -k -u admin:'⟦pw⟧' -X POST https://⟨ip⟩:9440/api/nutanix/v3/vms/list -H 'Content-Type: application/json' -d '{"kind":"vm","length":500}'
""",
        ),
        (
            "Prism gateway access log with basic auth",
            r"""
⟨ts⟩ INFO  [http-nio-127.0.0.1-9081-exec-⟨n⟩] PrismGateway: GET /PrismGateway/services/rest/v2.0/clusters Authorization: Basic ⟦basic⟧
""",
        ),
        (
            "ncli add directory",
            r"""
ncli authconfig add-directory directory-type=ACTIVE_DIRECTORY connection-type=LDAP directory-url=ldap://⟨ip⟩:389 domain=⟨dom⟩ name=corp-ad service-account-username=svc_prism@⟨dom⟩ service-account-password=⟦pw⟧
""",
        ),
        (
            "passwd --stdin on CVM",
            r"""
nutanix@cvm$ echo -e '⟦pw#p⟧\n⟦pw#p⟧' | sudo passwd --stdin nutanix
Changing password for user nutanix.
passwd: all authentication tokens updated successfully.
""",
        ),
        (
            "Foundation JSON",
            r"""
{
  "hypervisor_password": "⟦pw⟧",
  "ipmi_user": "ADMIN",
  "ipmi_password": "⟦u8⟧",
  "cvm_gateway": "⟨ip⟩"
}
""",
        ),
        (
            "Terraform nutanix provider",
            r"""
provider "nutanix" {
  username = "admin"
  password = "⟦pw⟧"
  endpoint = "⟨ip⟩"
  port     = 9440
  insecure = true
}
""",
        ),
        (
            "curl -v JSESSIONID",
            r"""
< HTTP/1.1 200 OK
< Set-Cookie: JSESSIONID=⟦H32⟧; Path=/PrismGateway; Secure; HttpOnly
< Content-Type: application/json
""",
        ),
        (
            "AHV cloud-init userdata",
            r"""
#cloud-config
chpasswd:
  list: |
    root:⟦pw⟧
  expire: False
ssh_pwauth: true
""",
        ),
    ],
)

# ==========================================================================
# ADC / firewalls
# ==========================================================================

_fam(
    "citrix_adc_nsconf",
    [
        (
            "ns.conf system user encrypted",
            r"""
add system user ⟨user⟩ ⟦h64⟧ -encrypted -encryptmethod ENCMTHD_3 -hashmethod SHA512 -externalAuth DISABLED -timeout 900
bind system user ⟨user⟩ read-only 100
""",
        ),
        (
            "ns.conf ldapAction",
            r"""
add authentication ldapAction LDAP_CORP -serverIP ⟨ip⟩ -serverPort 636 -ldapBase "dc=corp,dc=local" -ldapBindDn svc_ldap@corp.local -ldapBindDnPassword ⟦h64⟧ -encrypted -encryptmethod ENCMTHD_3 -ldapLoginName sAMAccountName -secType SSL
""",
        ),
        (
            "ns.conf radiusAction",
            r"""
add authentication radiusAction RAD_OTP -serverIP ⟨ip⟩ -serverPort 1812 -radKey ⟦h64⟧ -encrypted -encryptmethod ENCMTHD_3 -radNASip ENABLED
""",
        ),
        (
            "CLI add system user plaintext",
            r"""
 Done
> add system user ⟨user⟩ ⟦pw⟧ -timeout 900
 Done
> save ns config
""",
        ),
        (
            "ssl certKey with passcrypt",
            r"""
add ssl certKey wildcard_⟨site⟩ -cert wildcard.crt -key wildcard.key -passcrypt "⟦b32⟧" -expiryMonitor ENABLED -notificationPeriod 30
""",
        ),
        (
            "rpcNode password",
            r"""
set ns rpcNode ⟨ip⟩ -password ⟦h64⟧ -encrypted -encryptmethod ENCMTHD_3 -srcIP ⟨ip⟩ -secure YES
""",
        ),
        (
            "snmp community",
            r"""
add snmp community ⟦pwl⟧ ALL
add snmp trap generic ⟨ip⟩ -communityName ⟦pwl⟧
""",
        ),
        (
            "sshpass to nsroot",
            r"""
$ sshpass -p '⟦pw⟧' ssh -o StrictHostKeyChecking=no nsroot@⟨ip⟩ 'show ns version'
	NetScaler NS14.1: Build 25.53.nc, Date: Jul  4 2024, 11:41:52   (64-bit)
""",
        ),
        (
            "LDAP monitor with password",
            r"""
add lb monitor mon_ldap LDAP -scriptName nsldap.pl -dispatcherIP 127.0.0.1 -dispatcherPort 3013 -password ⟦h64⟧ -encrypted -encryptmethod ENCMTHD_3 -baseDN "dc=corp,dc=local" -bindDN svc_mon -filter cn=*
""",
        ),
    ],
)

_fam(
    "citrix_nitro_api",
    [
        (
            "NITRO login request and response",
            r"""
$ curl -sk -X POST https://⟨ip⟩/nitro/v1/config/login -H 'Content-Type: application/json' -d '{"login":{"username":"nsroot","password":"⟦pw⟧","timeout":900}}'
{ "errorcode": 0, "message": "Done", "severity": "NONE", "sessionid": "⟦nsess⟧" }
""",
        ),
        (
            "NITRO header auth",
            r"""
curl -sk https://⟨ip⟩/nitro/v1/config/lbvserver -H 'X-NITRO-USER: nsroot' -H 'X-NITRO-PASS: ⟦pw⟧'
""",
        ),
        (
            "NITRO auth cookie",
            r"""
GET /nitro/v1/stat/lbvserver/vs_app_443 HTTP/1.1
Host: ⟨ip⟩
Cookie: NITRO_AUTH_TOKEN=⟦nsess⟧
""",
        ),
        (
            "python nssrc login",
            r"""
client = nitro_service("⟨ip⟩", "https")
client.certvalidation = False
client.login("nsroot", "⟦pw⟧", 3600)
""",
        ),
        (
            "Ansible inventory vars",
            r"""
[adc]
⟨host⟩ nsip=⟨ip⟩
[adc:vars]
nitro_user=nsroot
nitro_pass=⟦pw⟧
""",
        ),
        (
            "Terraform citrixadc provider",
            r"""
provider "citrixadc" {
  endpoint = "https://⟨ip⟩"
  username = "nsroot"
  password = "⟦pw⟧"
  insecure_skip_verify = true
}
""",
        ),
        (
            "ADM agent registration",
            r"""
# /mps/register_agent_cloud.py -serviceurl agent.adm.cloud.com -activationcode ⟦a32⟧
Agent registered successfully with service
""",
        ),
        (
            "PowerShell NITRO session",
            r"""
$body = @{ login = @{ username = 'nsroot'; password = '⟦pw⟧' } } | ConvertTo-Json
Invoke-RestMethod -Uri "https://⟨ip⟩/nitro/v1/config/login" -Method Post -Body $body -ContentType 'application/json' -SessionVariable nsSession
""",
        ),
    ],
)

_fam(
    "citrix_gateway",
    [
        (
            "Gateway AAA cookie in HAR",
            r"""
"name": "Set-Cookie",
"value": "NSC_AAAC=⟦h64⟧;Path=/;Secure;HttpOnly"
""",
        ),
        (
            "Gateway TMAS cookie in access log",
            r"""
⟨ip⟩ - - [03/Nov/2026:⟨time⟩:11 +0000] "GET /vpn/index.html HTTP/1.1" 200 4312 "-" "Mozilla/5.0" "NSC_TMAS=⟦h64⟧"
""",
        ),
        (
            "ICA file with logon ticket",
            r"""
[Desktop]
Address=;40;STA⟨n6⟩;⟦H32#t⟧
InitialProgram=#Desktop
LogonTicket=⟦H32#t⟧
LogonTicketType=CTXS1
SSLProxyHost=⟨fqdn⟩:443
""",
        ),
        (
            "aaa user",
            r"""
add aaa user ⟨user⟩ -password ⟦pw⟧
bind aaa user ⟨user⟩ -intranetIP ⟨ip⟩
""",
        ),
        (
            "OAuth action client secret",
            r"""
add authentication OAuthAction oauth_entra -authorizationEndpoint "https://login.microsoftonline.com/⟨uuid#t⟩/oauth2/v2.0/authorize" -tokenEndpoint "https://login.microsoftonline.com/⟨uuid#t⟩/oauth2/v2.0/token" -clientID ⟨uuid⟩ -clientSecret ⟦h64⟧ -encrypted -encryptmethod ENCMTHD_3
""",
        ),
        (
            "native OTP userParameters",
            r"""
dn: CN=⟨name⟩,OU=Users,DC=corp,DC=local
userParameters: #@iPhone-⟨n⟩=⟦totp⟧&,
""",
        ),
        (
            "runbook note on RADIUS secret",
            r"""
Gateway GW_VS uses RAD_OTP (⟨ip⟩:1812). Shared secret on both ends is ⟦pwup⟧ — keep them in sync.
""",
        ),
        (
            "StoreFront beacon and STA note",
            r"""
StoreFront > Citrix Gateway > ⟨fqdn⟩: logon type Domain, callback URL https://⟨fqdn⟩/CitrixAuthService/AuthService.asmx
Service account for LDAP bind: svc_sf / ⟦pw⟧
""",
        ),
    ],
)

_fam(
    "f5_tmsh",
    [
        (
            "tmsh modify admin password",
            r"""
root@(⟨host⟩)(cfg-sync Standalone)(Active)(/Common)(tmos)# modify auth user admin password ⟦pw⟧
root@(⟨host⟩)(cfg-sync Standalone)(Active)(/Common)(tmos)# save sys config
""",
        ),
        (
            "tmsh create auth user",
            r"""
tmsh create auth user ⟨user⟩ password ⟦pw⟧ partition-access add { all-partitions { role operator } } shell tmsh
""",
        ),
        (
            "bigip.conf http monitor",
            r"""
ltm monitor http /Common/mon_app_auth {
    adaptive disabled
    defaults-from /Common/http
    interval 5
    password ⟦pw⟧
    recv "200 OK"
    send "GET /health HTTP/1.1\r\nHost: ⟨fqdn⟩\r\nConnection: close\r\n\r\n"
    username ⟨user⟩
}
""",
        ),
        (
            "install crypto key with passphrase",
            r"""
tmsh install sys crypto key /Common/wild_⟨site⟩.key from-local-file /var/tmp/wild.key passphrase ⟦phr⟧
""",
        ),
        (
            "radius server secret",
            r"""
tmsh modify auth radius-server system_auth_name1 secret ⟦pwup⟧ server ⟨ip⟩ port 1812
""",
        ),
        (
            "client-ssl profile $M$ passphrase",
            r"""
ltm profile client-ssl /Common/cssl_⟨site⟩ {
    cert-key-chain { wild_0 { cert /Common/wild.crt key /Common/wild.key passphrase ⟦f5m⟧ } }
    defaults-from /Common/clientssl
}
""",
        ),
        (
            "snmp community",
            r"""
tmsh modify sys snmp communities add { comm_ro { community-name ⟦pwl⟧ source ⟨ip⟩/32 } }
""",
        ),
        (
            "ldap system-auth bind",
            r"""
tmsh modify auth ldap system-auth bind-dn "cn=svc_f5,ou=svc,dc=corp,dc=local" bind-pw ⟦pw⟧ servers add { ⟨ip⟩ }
""",
        ),
        (
            "auth user with encrypted password",
            r"""
auth user ⟨user⟩ {
    description ⟨user⟩
    encrypted-password ⟦crypt6⟧
    partition Common
    role admin
}
""",
        ),
        (
            "iRule with hard-coded Basic",
            r"""
when HTTP_REQUEST {
    HTTP::header replace Authorization "Basic ⟦basic⟧"
}
""",
        ),
        (
            "device trust add",
            r"""
tmsh modify cm trust-domain Root ca-devices add { ⟨ip⟩ } name ⟨host⟩ username admin password ⟦pw⟧
""",
        ),
    ],
)

_fam(
    "f5_icontrol_rest",
    [
        (
            "authn login and token",
            r"""
$ curl -sk https://⟨ip⟩/mgmt/shared/authn/login -H 'Content-Type: application/json' -d '{"username":"admin","password":"⟦pw⟧","loginProviderName":"tmos"}'
{"username":"admin","token":{"token":"⟦au26#t⟧","name":"⟦au26#t⟧","timeout":1200,"startTime":"⟨ts⟩"}}
""",
        ),
        (
            "X-F5-Auth-Token usage",
            r"""
curl -sk -H 'X-F5-Auth-Token: ⟦au26⟧' https://⟨ip⟩/mgmt/tm/ltm/pool/~Common~pool_⟨site⟩/members
""",
        ),
        (
            "curl basic to sys version",
            r"""
curl -sku admin:⟦pw⟧ https://⟨ip⟩/mgmt/tm/sys/version | jq .
""",
        ),
        (
            "AS3 passphrase ciphertext",
            r"""
"certificate": { "class": "Certificate", "certificate": {"bigip": "/Common/wild.crt"},
  "privateKey": {"bigip": "/Common/wild.key"},
  "passphrase": { "ciphertext": "⟦b16⟧", "protected": "eyJhbGciOiJkaXIiLCJlbmMiOiJub25lIn0" } }
""",
        ),
        (
            "Ansible f5 provider",
            r"""
provider:
  server: ⟨ip⟩
  user: admin
  password: "⟦pw⟧"
  validate_certs: no
""",
        ),
        (
            "f5-sdk python",
            r"""
from f5.bigip import ManagementRoot
mgmt = ManagementRoot("⟨ip⟩", "admin", "⟦pw⟧")
""",
        ),
        (
            "Declarative Onboarding users",
            r"""
"admin": { "class": "User", "userType": "regular", "password": "⟦pw⟧", "shell": "bash" },
"root":  { "class": "User", "userType": "root", "oldPassword": "⟦pws⟧", "newPassword": "⟦leet⟧" }
""",
        ),
        (
            "restjavad token log",
            r"""
[I][⟨n4⟩][⟨sys⟩ UTC][8100/shared/authz/tokens AuthzTokenWorker] Created token ⟦au26⟧ for user admin (timeout 1200)
""",
        ),
    ],
)

_fam(
    "checkpoint_clish_expert",
    [
        (
            "Gaia password hash",
            r"""
set user admin password-hash ⟦crypt6⟧
set user admin shell /bin/bash
""",
        ),
        (
            "Gaia newpass",
            r"""
⟨host⟩> add user ⟨user⟩ uid 0 homedir /home/⟨user⟩
⟨host⟩> set user ⟨user⟩ newpass ⟦pw⟧
⟨host⟩> save config
""",
        ),
        (
            "show configuration expert hash",
            r"""
set expert-password-hash ⟦crypt6⟧
set hostname ⟨host⟩
""",
        ),
        (
            "cp_conf sic init",
            r"""
[Expert@⟨host⟩:0]# cp_conf sic init ⟦pwl⟧
Initialized SIC successfully
""",
        ),
        (
            "First Time Wizard config",
            r"""
install_security_gw=true
install_security_managment=false
ftw_sic_key=⟦pw⟧
admin_hash='⟦crypt6⟧'
hostname=⟨host⟩
""",
        ),
        (
            "SNMP community",
            r"""
set snmp community ⟦pwl⟧ read-only
set snmp agent on
""",
        ),
        (
            "RADIUS server with secret",
            r"""
add aaa radius-servers priority 1 host ⟨ip⟩ port 1812 secret ⟦pwup⟧ timeout 3
""",
        ),
        (
            "expert mode mgmt_cli login",
            r"""
[Expert@⟨host⟩:0]# mgmt_cli login user admin password '⟦pw⟧' > /tmp/sid.txt
[Expert@⟨host⟩:0]# mgmt_cli publish -s /tmp/sid.txt
""",
        ),
        (
            "backup over scp",
            r"""
⟨host⟩> add backup scp ip ⟨ip⟩ path /backups/gaia username ⟨user⟩ password ⟦pw⟧
""",
        ),
    ],
)

_fam(
    "checkpoint_mgmt_api",
    [
        (
            "mgmt_cli login JSON output",
            r"""
$ mgmt_cli login user "⟨user⟩" password "⟦pw⟧" --format json
{
  "sid" : "⟦cpsid⟧",
  "url" : "https://⟨ip⟩:443/web_api",
  "session-timeout" : 600
}
""",
        ),
        (
            "web_api login via curl",
            r"""
curl -sk -X POST https://⟨ip⟩/web_api/login -H 'Content-Type: application/json' -d '{"user":"api_user","password":"⟦pw⟧"}'
""",
        ),
        (
            "X-chkp-sid header",
            r"""
curl -sk -X POST https://⟨ip⟩/web_api/add-host -H 'Content-Type: application/json' -H 'X-chkp-sid: ⟦cpsid⟧' -d '{"name":"h_⟨vm⟩","ip-address":"⟨ip⟩"}'
""",
        ),
        (
            "add simple-gateway OTP",
            r"""
mgmt_cli add simple-gateway name "gw-⟨site⟩" ip-address "⟨ip⟩" version "R81.20" one-time-password "⟦pwl⟧" firewall true vpn true -s id.txt
""",
        ),
        (
            "login with api-key",
            r"""
mgmt_cli login api-key "⟦b16⟧" --domain "System Data" --format json
""",
        ),
        (
            "VPN community shared secret",
            r"""
mgmt_cli set vpn-community-star name "Star_⟨site⟩" use-shared-secret true shared-secrets.add.1.external-gateway "ext_gw_⟨site⟩" shared-secrets.add.1.shared-secret "⟦a24⟧" -s id.txt
""",
        ),
        (
            "cpapi python client",
            r"""
with APIClient(APIClientArgs(server="⟨ip⟩")) as client:
    login_res = client.login(username="api_user", password="⟦pw⟧")
""",
        ),
        (
            "Ansible httpapi vars",
            r"""
ansible_network_os: check_point.mgmt.checkpoint
ansible_user: api_user
ansible_httpapi_pass: '⟦pw⟧'
ansible_httpapi_use_ssl: true
""",
        ),
    ],
)

_fam(
    "panos_set_cli",
    [
        (
            "mgt-config phash",
            r"""
set mgt-config users ⟨user⟩ phash ⟦crypt5⟧
set mgt-config users ⟨user⟩ permissions role-based superuser yes
""",
        ),
        (
            "IKE gateway PSK",
            r"""
admin@PA-3440# set network ike gateway gw-⟨site⟩ authentication pre-shared-key key ⟦pw⟧
admin@PA-3440# commit
""",
        ),
        (
            "LDAP server profile bind password",
            r"""
set shared server-profile ldap corp-ldap server dc1 address ⟨ip⟩ port 636
set shared server-profile ldap corp-ldap bind-dn svc_pan@⟨dom⟩ bind-password ⟦pw⟧
""",
        ),
        (
            "SNMP community string",
            r"""
set deviceconfig system snmp-setting access-setting version v2c snmp-community-string ⟦pwl⟧
""",
        ),
        (
            "RADIUS server profile",
            r"""
set shared server-profile radius RAD-⟨site⟩ server rad1 ip-address ⟨ip⟩ port 1812 secret ⟦pwup⟧
""",
        ),
        (
            "device registration auth key",
            r"""
admin@PA-440> request authkey set ⟦a32⟧
Authkey set successfully
""",
        ),
        (
            "GlobalProtect agent override key",
            r"""
set global-protect global-protect-portal gp-portal client-config configs agent-cfg agent-ui agent-user-override-key ⟦a12⟧
set global-protect global-protect-portal gp-portal client-config configs agent-cfg agent-ui passcode ⟦pws⟧
""",
        ),
        (
            "master key rotation",
            r"""
admin@PA-5450> request master-key new-master-key ⟦a16⟧ current-master-key ⟦a16⟧ lifetime 17520 reminder 720
""",
        ),
        (
            "running-config XML user entry",
            r"""
<users>
  <entry name="⟨user⟩">
    <phash>⟦crypt5⟧</phash>
    <permissions><role-based><superreader>yes</superreader></role-based></permissions>
  </entry>
</users>
""",
        ),
    ],
)

_fam(
    "panos_xml_api",
    [
        (
            "keygen request and response",
            r"""
$ curl -sk 'https://⟨ip⟩/api/?type=keygen&user=⟨user⟩&password=⟦pwq⟧'
<response status = 'success'><result><key>⟦pankey⟧</key></result></response>
""",
        ),
        (
            "X-PAN-KEY header",
            r"""
curl -sk -H 'X-PAN-KEY: ⟦pankey⟧' 'https://⟨ip⟩/api/?type=op&cmd=<show><system><info></info></system></show>'
""",
        ),
        (
            "proxy log with key in URL",
            r"""
⟨tsl⟩ ⟨ip⟩ TCP_MISS/200 1832 GET https://⟨ip⟩/api/?type=config&action=get&xpath=/config/devices&key=⟦pankey⟧ - HIER_DIRECT/⟨ip⟩ text/xml
""",
        ),
        (
            ".panrc",
            r"""
hostname%fw⟨n⟩=⟨ip⟩
api_key%fw⟨n⟩=⟦pankey⟧
""",
        ),
        (
            "Terraform panos provider",
            r"""
provider "panos" {
  hostname = "⟨ip⟩"
  api_key  = "⟦pankey⟧"
}
""",
        ),
        (
            "Ansible panos provider",
            r"""
provider:
  ip_address: '⟨ip⟩'
  username: 'admin'
  password: '⟦pw⟧'
""",
        ),
        (
            "Splunk add-on inputs",
            r"""
[panos_firewall://fw_⟨site⟩]
hostname = ⟨ip⟩
api_key = ⟦pankey⟧
interval = 300
""",
        ),
        (
            "pan-python PanXapi",
            r"""
xapi = pan.xapi.PanXapi(hostname='⟨ip⟩', api_username='admin', api_password='⟦pw⟧')
xapi.op(cmd='show system info', cmd_xml=True)
""",
        ),
    ],
)

# ==========================================================================
# storage and server management
# ==========================================================================

_fam(
    "netapp_ontap",
    [
        (
            "ONTAP REST via curl",
            r"""
curl -sku admin:⟦pw⟧ https://⟨ip⟩/api/cluster?fields=version
""",
        ),
        (
            "cluster peer generated passphrase",
            r"""
⟨host⟩::> cluster peer create -peer-addrs ⟨ip⟩,⟨ip⟩ -generate-passphrase -offer-expiration 2days

                     Passphrase: ⟦ontpp⟧
                Expiration Time: 11/5/2026 14:03:22 +00:00
  Initial Allowed Vserver Peers: -
            Intercluster LIF IP: ⟨ip⟩
""",
        ),
        (
            "LDAP client bind password",
            r"""
⟨host⟩::> vserver services name-service ldap client create -vserver svm1 -client-config ldapcfg -ad-domain ⟨dom⟩ -bind-dn svc_ldap -bind-password ⟦pw⟧
""",
        ),
        (
            "OKM passphrase in runbook",
            r"""
Onboard Key Manager passphrase for ⟨host⟩ (needed for node replacement): ⟦phrl⟧
""",
        ),
        (
            "OKM backup block",
            r"""
--------------------------BEGIN BACKUP--------------------------
⟦okm⟧
⟦okm⟧
---------------------------END BACKUP---------------------------
""",
        ),
        (
            "Ansible netapp.ontap",
            r"""
hostname: ⟨ip⟩
username: admin
password: "⟦pw⟧"
https: true
validate_certs: false
""",
        ),
        (
            "Harvest poller config",
            r"""
Pollers:
  ⟨host⟩:
    datacenter: ⟨site⟩
    addr: ⟨ip⟩
    auth_style: basic_auth
    username: harvest
    password: ⟦pw⟧
""",
        ),
        (
            "S3 object-store user",
            r"""
⟨host⟩::> vserver object-store-server user create -vserver svm_s3 -user ⟨user⟩
⟨host⟩::> vserver object-store-server user show -user ⟨user⟩
Vserver     User            ID        Access Key           Secret Key
----------- --------------- --------- -------------------- ----------------------------------------
svm_s3      ⟨user⟩          1         ⟦ak20⟧ ⟦a40⟧
""",
        ),
        (
            "Connect-NcController",
            r"""
Connect-NcController ⟨ip⟩ -Credential (New-Object PSCredential('admin', (ConvertTo-SecureString '⟦pw⟧' -AsPlainText -Force)))
""",
        ),
    ],
)

_fam(
    "pure_storage",
    [
        (
            "pureadmin create API token",
            r"""
pureuser@⟨host⟩> pureadmin create --api-token ⟨user⟩
Name       Type   API Token                             Created                  Expires
⟨user⟩  local  ⟦uuid⟧  ⟨tsl⟩ UTC  -
""",
        ),
        (
            "REST 2.x login header",
            r"""
$ curl -sk -X POST https://⟨ip⟩/api/2.26/login -H "api-token: ⟦uuid⟧" -i | grep -i x-auth-token
x-auth-token: ⟦uuid⟧
""",
        ),
        (
            "REST 1.x session",
            r"""
curl -sk -c /tmp/pure.cookies -X POST https://⟨ip⟩/api/1.19/auth/session -H 'Content-Type: application/json' -d '{"api_token":"⟦uuid⟧"}'
""",
        ),
        (
            "Connect-Pfa2Array",
            r"""
$cred = New-Object PSCredential('pureuser', (ConvertTo-SecureString '⟦pw⟧' -AsPlainText -Force))
$fa = Connect-Pfa2Array -EndPoint ⟨ip⟩ -Credential $cred -IgnoreCertificateError
""",
        ),
        (
            "purestorage python",
            r"""
array = purestorage.FlashArray("⟨ip⟩", api_token="⟦uuid⟧")
print(array.get())
""",
        ),
        (
            "Pure1 app id",
            r"""
# Pure1 API application id (registered by ⟨name⟩)
PURE1_APP_ID=pure1:apikey:⟦a16⟧
""",
        ),
        (
            "Ansible purefa",
            r"""
- name: Create volume
  purestorage.flasharray.purefa_volume:
    name: vol_⟨vm⟩
    size: 2T
    fa_url: ⟨ip⟩
    api_token: ⟦uuid⟧
""",
        ),
        (
            "FlashBlade object access key",
            r"""
pureuser@⟨host⟩> pureobjaccesskey create --user s3acct/⟨user⟩
Name                  Secret Access Key                         Created
⟦ak20⟧  ⟦a40⟧  ⟨tsl⟩
""",
        ),
    ],
)

_fam(
    "dell_idrac_racadm",
    [
        (
            "remote racadm",
            r"""
$ racadm -r ⟨ip⟩ -u root -p ⟦pw⟧ getsysinfo | head -3
""",
        ),
        (
            "set user password",
            r"""
racadm>> set iDRAC.Users.3.Password ⟦pw⟧
[Key=iDRAC.Embedded.1#Users.3]
Object value modified successfully
""",
        ),
        (
            "default then new password",
            r"""
racadm -r ⟨ip⟩ -u root -p ⟦=calvin⟧ set iDRAC.Users.2.Password ⟦pw⟧
""",
        ),
        (
            "Redfish basic auth",
            r"""
curl -sk -u root:⟦pw⟧ https://⟨ip⟩/redfish/v1/Systems/System.Embedded.1 | jq .PowerState
""",
        ),
        (
            "Redfish session token",
            r"""
HTTP/1.1 201 Created
Location: /redfish/v1/SessionService/Sessions/⟨n⟩
X-Auth-Token: ⟦h32⟧
""",
        ),
        (
            "Server Configuration Profile",
            r"""
<Component FQDD="iDRAC.Embedded.1">
  <Attribute Name="Users.3#UserName">⟨user⟩</Attribute>
  <Attribute Name="Users.3#Password">⟦pw⟧</Attribute>
  <Attribute Name="Users.3#Privilege">511</Attribute>
</Component>
""",
        ),
        (
            "OpenManage Enterprise session",
            r"""
POST https://⟨ip⟩/api/SessionService/Sessions
{"UserName":"admin","Password":"⟦pw⟧","SessionType":"API"}
""",
        ),
        (
            "Ansible dellemc.openmanage",
            r"""
idrac_ip: ⟨ip⟩
idrac_user: root
idrac_password: "⟦pw⟧"
validate_certs: false
""",
        ),
        (
            "iDRAC web session cookie",
            r"""
Cookie: -http-session-=⟨n⟩:⟦h32⟧; batteriesIcon=status_ok
""",
        ),
        (
            "LDAP bind and SNMP community",
            r"""
racadm set iDRAC.LDAP.BindPassword ⟦pw⟧
racadm set iDRAC.SNMP.AgentCommunity ⟦pwl⟧
""",
        ),
        (
            "BIOS setup password",
            r"""
racadm set BIOS.SysSecurity.SetupPassword ⟦pws⟧
racadm jobqueue create BIOS.Setup.1-1 -r pwrcycle
""",
        ),
    ],
)

_fam(
    "hpe_ilo_oneview",
    [
        (
            "HPONCFG RIBCL add user",
            r"""
<RIBCL VERSION="2.0">
  <LOGIN USER_LOGIN="Administrator" PASSWORD="⟦pw⟧">
    <USER_INFO MODE="write">
      <ADD_USER USER_NAME="⟨user#u⟩" USER_LOGIN="⟨user#u⟩" PASSWORD="⟦pw⟧">
      </ADD_USER>
    </USER_INFO>
  </LOGIN>
</RIBCL>
""",
        ),
        (
            "ilorest login",
            r"""
$ ilorest login ⟨ip⟩ -u Administrator -p ⟦pw⟧
Discovering data...Done
""",
        ),
        (
            "pull tag default password",
            r"""
iLO pull tag for ⟨host⟩: User Name Administrator, Password ⟦u8⟧, DNS Name ILO⟨n6⟩
""",
        ),
        (
            "OneView login-sessions",
            r"""
$ curl -sk -X POST https://⟨fqdn⟩/rest/login-sessions -H 'X-API-Version: 4200' -H 'Content-Type: application/json' -d '{"userName":"administrator","password":"⟦pw⟧","authLoginDomain":"LOCAL"}'
{"partnerData":{},"sessionID":"⟦ovsid⟧"}
""",
        ),
        (
            "OneView Auth header",
            r"""
GET /rest/server-hardware?count=500 HTTP/1.1
X-API-Version: 4200
Auth: ⟦ovsid⟧
""",
        ),
        (
            "Connect-OVMgmt",
            r"""
Connect-OVMgmt -Hostname ⟨fqdn⟩ -UserName administrator -Password (ConvertTo-SecureString '⟦pw⟧' -AsPlainText -Force)
""",
        ),
        (
            "iLO Redfish token",
            r"""
X-Auth-Token: ⟦h32⟧
Location: https://⟨ip⟩/redfish/v1/SessionService/Sessions/administrator0000000067a1/
""",
        ),
        (
            "python-hpilo",
            r"""
ilo = hpilo.Ilo('⟨ip⟩', 'Administrator', '⟦pw⟧')
print(ilo.get_fw_version())
""",
        ),
        (
            "iLO federation group key",
            r"""
<RIB_INFO MODE="write">
  <ADD_FEDERATION_GROUP GROUP_NAME="DC-⟨site⟩" GROUP_KEY="⟦pw⟧">
""",
        ),
        (
            "iLO SNMPv3 user JSON",
            r"""
{"SecurityName": "snmpv3-⟨site⟩", "AuthProtocol": "SHA256", "AuthPassphrase": "⟦pw⟧", "PrivacyProtocol": "AES", "PrivacyPassphrase": "⟦phr⟧"}
""",
        ),
    ],
)

_fam(
    "lenovo_xclarity",
    [
        (
            "OneCLI set IMM password",
            r"""
OneCli.exe config set IMM.Password.2 "⟦pw⟧" --bmc USERID:⟦pwq⟧@⟨ip⟩
""",
        ),
        (
            "XCC default credentials",
            r"""
OneCli.exe misc ffdc --bmc USERID:⟦=PASSW0RD⟧@⟨ip⟩ --output C:\ffdc
""",
        ),
        (
            "LXCA sessions login",
            r"""
curl -sk -X POST https://⟨ip⟩/sessions -H 'Content-Type: application/json' -d '{"UserId":"admin","password":"⟦pw⟧"}'
""",
        ),
        (
            "Connect-LXCA",
            r"""
$cred = New-Object PSCredential("admin", (ConvertTo-SecureString "⟦pw⟧" -AsPlainText -Force))
Connect-LXCA -Host ⟨ip⟩ -Credential $cred -SkipCertificateCheck
""",
        ),
        (
            "ASU legacy",
            r"""
asu64 set IMM.LoginPassword.2 ⟦pws⟧ --host ⟨ip⟩ --user USERID --password ⟦pw⟧
""",
        ),
        (
            "XCC Redfish",
            r"""
curl -sk -u USERID:⟦pw⟧ https://⟨ip⟩/redfish/v1/Managers/1/EthernetInterfaces
""",
        ),
        (
            "LXCA manage request",
            r"""
{"ipAddresses":["⟨ip⟩"],"username":"USERID","password":"⟦pw⟧","recoveryPassword":"⟦pwup⟧","forceManage":true}
""",
        ),
        (
            "XCC SNMP community",
            r"""
OneCli.exe config set IMM.SNMPv1CommunityName.1 ⟦pwl⟧ --bmc USERID:⟦pw⟧@⟨ip⟩
""",
        ),
    ],
)

# ==========================================================================
# Windows deployment
# ==========================================================================

_fam(
    "sccm_intune",
    [
        (
            "Network Access Account",
            r"""
$pw = ConvertTo-SecureString -String "⟦pw⟧" -AsPlainText -Force
New-CMAccount -Name "⟨dshort⟩\svc_cm_naa" -Password $pw -SiteCode ⟨sitecode⟩
""",
        ),
        (
            "smsts.log join variables",
            r"""
<![LOG[Set a global environment variable OSDJoinAccount=⟨dshort⟩\svc_join]LOG]!><time="⟨time⟩:41.123+000" date="11-03-2026" component="TSManager" context="" type="1" thread="2212" file="executionenv.cpp:668">
<![LOG[Set a global environment variable OSDJoinPassword=⟦pw⟧]LOG]!><time="⟨time⟩:41.124+000" date="11-03-2026" component="TSManager" context="" type="1" thread="2212" file="executionenv.cpp:668">
""",
        ),
        (
            "bootable media password",
            r"""
New-CMBootableMedia -MediaMode Dynamic -MediaType CdDvd -Path \\⟨host⟩\media$\boot.iso -ManagementPoint $mp -DistributionPoint $dp -MediaPassword (ConvertTo-SecureString -String '⟦pws⟧' -AsPlainText -Force)
""",
        ),
        (
            "Graph app secret",
            r"""
$tenantId = '⟨uuid⟩'
$appId    = '⟨uuid⟩'
$secret   = '⟦azsec⟧'
$cred = New-Object PSCredential($appId, (ConvertTo-SecureString $secret -AsPlainText -Force))
Connect-MgGraph -TenantId $tenantId -ClientSecretCredential $cred
""",
        ),
        (
            "token endpoint curl",
            r"""
curl -s -X POST https://login.microsoftonline.com/⟨uuid⟩/oauth2/v2.0/token -d 'client_id=⟨uuid⟩&client_secret=⟦azsec⟧&scope=https://graph.microsoft.com/.default&grant_type=client_credentials'
{"token_type":"Bearer","expires_in":3599,"ext_expires_in":3599,"access_token":"⟦jwt⟧"}
""",
        ),
        (
            "Win32 app install command",
            r"""
Install command: setup.exe /s /v"/qn LICENSEKEY=⟦lic⟧ ADMINPASS=⟦pws⟧ /l*v C:\Windows\Temp\agent.log"
""",
        ),
        (
            "Windows LAPS readout",
            r"""
PS C:\> Get-LapsAADPassword -DeviceIds ⟨host⟩ -IncludePasswords -AsPlainText

DeviceName             : ⟨host⟩
Account                : lapsadmin
Password               : ⟦laps⟧
PasswordExpirationTime : 12/03/2026 07:12:44
""",
        ),
        (
            "ccmsetup with CMG bulk token",
            r"""
ccmsetup.exe /mp:https://⟨fqdn⟩/CCM_Proxy_MutualAuth/72057594037927941 CCMHOSTNAME=⟨fqdn⟩ SMSSITECODE=⟨sitecode⟩ /regtoken:⟦jwt⟧
""",
        ),
        (
            "BitLocker key from Intune blade",
            r"""
Recovery key ID: ⟨uuid⟩
Recovery key: ⟦bdrk⟧
""",
        ),
        (
            "collection variables CSV",
            r"""
Name,Value,IsMasked
OSDLocalAdminPassword,⟦pw⟧,True
OSDComputerName,⟨host⟩,False
""",
        ),
    ],
)

_fam(
    "mdt_task_sequence",
    [
        (
            "CustomSettings.ini",
            r"""
[Default]
OSInstall=Y
JoinDomain=⟨dom⟩
DomainAdmin=svc_mdtjoin
DomainAdminDomain=⟨dshort⟩
DomainAdminPassword=⟦pw⟧
AdminPassword=⟦pws⟧
SkipAdminPassword=YES
""",
        ),
        (
            "Bootstrap.ini",
            r"""
[Settings]
Priority=Default
[Default]
DeployRoot=\\⟨host⟩\DeploymentShare$
UserID=svc_mdt
UserDomain=⟨dshort⟩
UserPassword=⟦pw⟧
SkipBDDWelcome=YES
""",
        ),
        (
            "BDD.log property dump",
            r"""
<![LOG[Property DomainAdminPassword is now = ⟦pw⟧]LOG]!><time="⟨time⟩:17.000+000" date="11-04-2026" component="ZTIGather" context="" type="1" thread="" file="ZTIGather">
""",
        ),
        (
            "task sequence XML set variable",
            r"""
<step type="SMS_TaskSequence_SetVariableAction" name="Set OSDJoinPassword" description="" disable="false" continueOnError="false" successCodeList="0 3010">
  <defaultVarList><variable name="VariableName" property="VariableName">OSDJoinPassword</variable><variable name="VariableValue" property="VariableValue">⟦pw⟧</variable></defaultVarList>
</step>
""",
        ),
        (
            "Run Command Line step",
            r"""
Command line: cmd.exe /c net user Administrator ⟦pw⟧ && net user Administrator /active:yes
""",
        ),
        (
            "MDT database settings insert",
            r"""
INSERT INTO Settings (Type, ID, OSInstall, AdminPassword, DomainAdminPassword) VALUES ('C', ⟨n3⟩, 'YES', '⟦pws⟧', '⟦pw⟧');
""",
        ),
        (
            "PXE password on DP",
            r"""
Set-CMDistributionPoint -SiteSystemServerName ⟨fqdn⟩ -EnablePxe $true -PxePassword (ConvertTo-SecureString '⟦pws⟧' -AsPlainText -Force) -RespondToAllNetwork $true
""",
        ),
        (
            "ZTIDomainJoin command",
            r"""
cscript.exe "%SCRIPTROOT%\ZTIDomainJoin.wsf" /JoinDomain:⟨dom⟩ /DomainAdmin:svc_mdtjoin /DomainAdminPassword:⟦pw⟧ /debug:true
""",
        ),
    ],
)

_fam(
    "windows_legacy_answer_files",
    [
        (
            "sysprep.inf",
            r"""
[GuiUnattended]
    AdminPassword="⟦pw⟧"
    EncryptedAdminPassword=No
    OEMSkipRegional=1
    TimeZone=110
[Identification]
    JoinDomain=⟨dshort⟩
    DomainAdmin=⟨user⟩
    DomainAdminPassword=⟦pw⟧
""",
        ),
        (
            "winnt.sif",
            r"""
[Data]
    AutoPartition=1
    MsDosInitiated="0"
    UnattendedInstall="Yes"
[UserData]
    ProductKey=⟦lic⟧
    FullName="IT Department"
[GuiUnattended]
    AdminPassword=⟦pws⟧
""",
        ),
        (
            "unattend.txt NT-style",
            r"""
[Unattended]
    OemPreinstall=Yes
    TargetPath=\WINDOWS
[GuiUnattended]
    AdminPassword=⟦pw⟧
    AutoLogon=Yes
    AutoLogonCount=1
""",
        ),
        (
            "autologon .reg",
            r"""
[HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon]
"AutoAdminLogon"="1"
"DefaultUserName"="kioskadmin"
"DefaultPassword"="⟦pw⟧"
""",
        ),
        (
            "SetupComplete.cmd netdom",
            r"""
@echo off
netdom join %COMPUTERNAME% /domain:⟨dom⟩ /userd:⟨dshort⟩\⟨user⟩ /passwordd:⟦pw⟧ /reboot:5
""",
        ),
        (
            "SetupComplete.cmd local user",
            r"""
net user localadmin ⟦pw⟧ /add
net localgroup Administrators localadmin /add
""",
        ),
        (
            "cmdlines.txt",
            r"""
[Commands]
"net user deploy ⟦pws⟧ /add"
"net localgroup administrators deploy /add"
""",
        ),
        (
            "RIS ristndrd.sif",
            r"""
[RemoteInstall]
    Repartition = Yes
[GuiUnattended]
    AdminPassword = "⟦pw⟧"
    OemSkipWelcome = 1
""",
        ),
        (
            "WinPE startnet.cmd",
            r"""
wpeinit
net use Z: \\⟨host⟩\images ⟦pw⟧ /user:⟨dshort⟩\svc_wds
Z:\deploy\apply.cmd
""",
        ),
        (
            "sysprep.inf encrypted admin password",
            r"""
[GuiUnattended]
    AdminPassword=⟦h64⟧
    EncryptedAdminPassword=Yes
""",
        ),
    ],
)

# ==========================================================================
# radio IoT
# ==========================================================================

_fam(
    "lorawan_chirpstack",
    [
        (
            "chirpstack.toml api secret",
            r"""
[api]
  bind="0.0.0.0:8080"
  secret="⟦b32⟧"
""",
        ),
        (
            "chirpstack.toml postgres dsn",
            r"""
[postgresql]
  dsn="postgres://chirpstack:⟦pwq⟧@localhost/chirpstack?sslmode=disable"
  max_open_connections=10
""",
        ),
        (
            "device keys via REST gateway",
            r"""
curl -s -X POST http://⟨ip⟩:8090/api/devices/⟨deveui⟩/keys -H "Grpc-Metadata-Authorization: Bearer ⟦jwt⟧" \
  -d '{"deviceKeys":{"nwkKey":"⟦H32⟧","appKey":"⟦H32⟧"}}'
""",
        ),
        (
            "ABP activation JSON",
            r"""
{
  "deviceActivation": {
    "devAddr": "⟨devaddr⟩",
    "appSKey": "⟦H32⟧",
    "nwkSEncKey": "⟦H32⟧",
    "sNwkSIntKey": "⟦H32⟧",
    "fNwkSIntKey": "⟦H32⟧",
    "fCntUp": 0
  }
}
""",
        ),
        (
            "device import CSV",
            r"""
dev_eui,join_eui,name,nwk_key
⟨deveui⟩,⟨joineui⟩,sensor-⟨n⟩,⟦H32⟧
⟨deveui⟩,⟨joineui⟩,sensor-⟨n⟩,⟦H32⟧
""",
        ),
        (
            "python grpc client",
            r"""
auth_token = "⟦jwt⟧"
auth_md = [("authorization", "Bearer %s" % auth_token)]
resp = client.Get(api.GetDeviceRequest(dev_eui="⟨deveui⟩"), metadata=auth_md)
""",
        ),
        (
            "MQTT integration config",
            r"""
[integration.mqtt]
  server="tcp://⟨ip⟩:1883/"
  username="chirpstack"
  password="⟦pw⟧"
  json=true
""",
        ),
        (
            "v3 jwt_secret",
            r"""
[application_server.external_api]
bind="0.0.0.0:8080"
jwt_secret="⟦b32⟧"
""",
        ),
        (
            "LMIC Arduino sketch keys",
            r"""
static const u1_t PROGMEM APPEUI[8] = { 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 };
static const u1_t PROGMEM APPKEY[16] = { ⟦carr⟧ };
""",
        ),
        (
            "ChirpStack UI copy",
            r"""
Application key (MSB): ⟦H32⟧    Gen. application key: ⟦H32⟧
""",
        ),
    ],
)

_fam(
    "lorawan_ttn",
    [
        (
            "ttn-lw-cli OTAA create",
            r"""
$ ttn-lw-cli end-devices create ⟨app⟩ eui-⟨n6⟩ --dev-eui ⟨deveui⟩ --join-eui ⟨joineui⟩ --frequency-plan-id EU_863_870_TTN --root-keys.app-key.key ⟦H32⟧ --lorawan-version 1.0.3 --lorawan-phy-version 1.0.3-a
""",
        ),
        (
            "ttn-lw-cli ABP session keys",
            r"""
ttn-lw-cli end-devices create ⟨app⟩ abp-⟨n⟩ --abp --session.dev-addr ⟨devaddr⟩ --session.keys.app-s-key.key ⟦H32⟧ --session.keys.f-nwk-s-int-key.key ⟦H32⟧ --frequency-plan-id EU_863_870
""",
        ),
        (
            "API key create output",
            r"""
$ ttn-lw-cli applications api-keys create --application-id ⟨app⟩ --name mqtt-bridge --right-application-traffic-read
INFO    API key ID: ⟨hex8⟩
INFO    API key value: ⟦ttnkey⟧
""",
        ),
        (
            "mosquitto_sub to TTS",
            r"""
mosquitto_sub -h eu1.cloud.thethings.network -p 8883 -u '⟨app⟩@ttn' -P '⟦ttnkey⟧' -t 'v3/+/devices/+/up' --capath /etc/ssl/certs
""",
        ),
        (
            "downlink push via webhook API",
            r"""
curl -s https://eu1.cloud.thethings.network/api/v3/as/applications/⟨app⟩/webhooks/wh1/devices/eui-⟨n6⟩/down/push -H "Authorization: Bearer ⟦ttnkey⟧" -H 'Content-Type: application/json' -d '{"downlinks":[{"frm_payload":"AQ==","f_port":15}]}'
""",
        ),
        (
            "Basic Station tc.key",
            r"""
pi@gw-⟨site⟩:~ $ sudo cat /etc/station/tc.key
Authorization: Bearer ⟦ttnkey⟧
""",
        ),
        (
            "Node-RED settings yaml",
            r"""
ttn:
  app_id: ⟨app⟩
  access_key: ⟦ttnkey⟧
""",
        ),
        (
            "TTN v2 legacy access key",
            r"""
# legacy v2 handler (decommissioned)
TTN_APP_ACCESS_KEY=⟦ttnv2⟧
""",
        ),
        (
            "tts.yml cookie keys",
            r"""
http:
  cookie:
    hash-key: ⟦h64⟧
    block-key: ⟦h64⟧
""",
        ),
        (
            "webhook custom header",
            r"""
"headers": { "X-Downlink-Apikey": "⟦ttnkey⟧", "Content-Type": "application/json" }
""",
        ),
    ],
)

_fam(
    "zigbee",
    [
        (
            "zigbee2mqtt advanced network_key",
            r"""
advanced:
  pan_id: 0x⟨hex4⟩
  channel: 15
  network_key: ⟦zarr⟧
  log_level: info
""",
        ),
        (
            "zigbee2mqtt MQTT credentials",
            r"""
mqtt:
  base_topic: zigbee2mqtt
  server: mqtt://⟨ip⟩:1883
  user: z2m
  password: '⟦pw⟧'
""",
        ),
        (
            "ZHA install code service call",
            r"""
service: zha.permit
data:
  src_ieee: "00:0d:6f:00:0a:90:69:e7"
  install_code: "⟦zic⟧"
""",
        ),
        (
            "Wireshark NWK key note",
            r"""
Wireshark > Preferences > Protocols > ZigBee > Pre-configured Keys: ⟦H32⟧ (Normal byte order), label "plant-floor"
""",
        ),
        (
            "deCONZ REST key",
            r"""
curl -s http://⟨ip⟩:80/api/⟦H10⟧/sensors | jq 'keys | length'
""",
        ),
        (
            "Hue bridge username",
            r"""
GET https://⟨ip⟩/api/⟦a40⟧/lights
""",
        ),
        (
            "Z-Stack NV dump",
            r"""
ZNP NV item 0x0062 ZCD_NV_PRECFGKEY = ⟦H32⟧
ZNP NV item 0x0063 ZCD_NV_PRECFGKEYS_ENABLE = 0x01
""",
        ),
        (
            "zigpy backup JSON",
            r"""
"network_key": { "key": "⟦hcol⟧", "seq": 0, "frame_counter": ⟨n6⟩ },
""",
        ),
        (
            "tuya local key",
            r"""
{"id": "bf3a⟨hex8⟩", "name": "Gateway ⟨site⟩", "key": "⟦tuya⟧", "mac": "", "category": "wg2"}
""",
        ),
    ],
)

_fam(
    "zwave",
    [
        (
            "zwave-js-ui settings.json",
            r"""
"zwave": {
  "port": "/dev/serial/by-id/usb-0658_0200-if00",
  "securityKeys": {
    "S2_Unauthenticated": "⟦H32⟧",
    "S2_Authenticated": "⟦H32⟧",
    "S2_AccessControl": "⟦H32⟧",
    "S0_Legacy": "⟦H32⟧"
  },
""",
        ),
        (
            "long range keys",
            r"""
"securityKeysLongRange": { "S2_Authenticated": "⟦H32⟧", "S2_AccessControl": "⟦H32⟧" }
""",
        ),
        (
            "HA add-on options",
            r"""
device: /dev/ttyUSB0
s0_legacy_key: ⟦H32⟧
s2_access_control_key: ⟦H32⟧
s2_authenticated_key: ⟦H32⟧
""",
        ),
        (
            "S2 inclusion DSK PIN",
            r"""
⟨tsl⟩ CNTRLR   [Node 0⟨n⟩] Security S2 bootstrapping: user validated DSK, PIN entered: ⟦pin5⟧
""",
        ),
        (
            "SmartStart QR string",
            r"""
SmartStart provisioning entry added from QR: ⟦zwqr⟧
""",
        ),
        (
            "OpenZWave options.xml",
            r"""
<Option name="NetworkKey" value="⟦carr⟧" />
""",
        ),
        (
            "docker env keys",
            r"""
KEY_S0_Legacy=⟦H32⟧
KEY_S2_Unauthenticated=⟦H32⟧
""",
        ),
        (
            "lock user code service",
            r"""
service: zwave_js.set_lock_usercode
target:
  entity_id: lock.front_door
data:
  code_slot: 3
  usercode: "⟦pin6⟧"
""",
        ),
        (
            "full DSK in label scan",
            r"""
Label DSK: ⟦dsk⟧  (first block is the PIN, do not post)
""",
        ),
    ],
)

_fam(
    "thread_otbr",
    [
        (
            "ot-ctl networkkey",
            r"""
$ sudo ot-ctl networkkey
⟦h32⟧
Done
""",
        ),
        (
            "ot-ctl set dataset",
            r"""
> dataset networkkey ⟦h32⟧
Done
> dataset pskc ⟦h32⟧
Done
> dataset commit active
""",
        ),
        (
            "dataset active output",
            r"""
> dataset active
Active Timestamp: 1
Channel: 15
Ext PAN ID: dead⟨hex8⟩⟨hex4⟩
Network Key: ⟦h32⟧
Network Name: OpenThread-⟨hex4⟩
PSKc: ⟦h32⟧
Security Policy: 672 onrc 0
""",
        ),
        (
            "dataset active -x",
            r"""
> dataset active -x
⟦tlv⟧
Done
""",
        ),
        (
            "commissioner joiner add",
            r"""
> commissioner start
Commissioner: active
> commissioner joiner add * ⟦pskd⟧
Done
""",
        ),
        (
            "joiner start",
            r"""
> joiner start ⟦pskd⟧
Done
> Join success
""",
        ),
        (
            "OTBR REST dataset PUT",
            r"""
curl -s -X PUT http://⟨ip⟩:8081/node/dataset/active -H 'Content-Type: text/plain' --data '⟦tlv⟧'
""",
        ),
        (
            "wpanctl legacy",
            r"""
sudo wpanctl setprop Network:Key --data ⟦h32⟧
""",
        ),
    ],
)

_fam(
    "matter_commissioning",
    [
        (
            "chip-tool pairing code",
            r"""
$ ./chip-tool pairing code 1 ⟦mpc⟧
""",
        ),
        (
            "chip-tool onnetwork",
            r"""
./chip-tool pairing onnetwork 2 ⟦mpin⟧
""",
        ),
        (
            "chip-tool ble-wifi",
            r"""
./chip-tool pairing ble-wifi 3 ⟨ssid⟩ ⟦pw⟧ ⟦mpin⟧ ⟨disc⟩
""",
        ),
        (
            "device boot log setup codes",
            r"""
[1730⟨n6⟩.123][⟨n4⟩:⟨n4⟩] CHIP:SVR: SetupQRCode: [⟦mtqr⟧]
[1730⟨n6⟩.124][⟨n4⟩:⟨n4⟩] CHIP:SVR: Manual pairing code: [⟦mpc⟧]
""",
        ),
        (
            "label note",
            r"""
Device label photo: Matter setup code ⟦mpcf⟧ (sticker on the back, do not share)
""",
        ),
        (
            "factory data CSV",
            r"""
serial_num,passcode,discriminator,qr_payload
SN-⟨n6⟩,⟦mpin⟧,⟨disc⟩,⟦mtqr⟧
""",
        ),
        (
            "esp-matter-mfg-tool",
            r"""
esp-matter-mfg-tool -v 0xFFF2 -p 0x8001 --passcode ⟦mpin⟧ --discriminator ⟨disc⟩ --dac-key dac_key.pem --spake2p-verifier ⟦b97⟧
""",
        ),
        (
            "open commissioning window",
            r"""
./chip-tool pairing open-commissioning-window 1 1 300 1000 ⟨disc⟩
[CHIP:CTL] Manual pairing code: [⟦mpc⟧]
[CHIP:CTL] SetupQRCode: [⟦mtqr⟧]
""",
        ),
        (
            "matter server thread dataset",
            r"""
{"message_id": "⟨n⟩", "command": "set_thread_dataset", "args": {"dataset": "⟦tlv⟧"}}
""",
        ),
    ],
)

# ==========================================================================
# media and broadcast
# ==========================================================================

_fam(
    "srt_streaming",
    [
        (
            "ffmpeg SRT caller",
            r"""
ffmpeg -re -i pgm.mp4 -c copy -f mpegts 'srt://⟨ip⟩:9000?mode=caller&passphrase=⟦srtpp⟧&pbkeylen=32&latency=200000'
""",
        ),
        (
            "srt-live-transmit listener",
            r"""
srt-live-transmit 'udp://:5000' 'srt://:9000?mode=listener&passphrase=⟦srtpp⟧&pbkeylen=16' -v
""",
        ),
        (
            "streamid with credentials",
            r"""
srt://⟨fqdn⟩:8890?streamid=publish:live/⟨stream⟩:⟨user⟩:⟦pwq⟧&pkt_size=1316
""",
        ),
        (
            "mediamtx.yml",
            r"""
paths:
  ⟨stream⟩:
    srtPublishPassphrase: ⟦srtpp⟧
    srtReadPassphrase: ⟦srtpp⟧
""",
        ),
        (
            "OBS custom server JSON",
            r"""
{"settings": {"server": "srt://⟨fqdn⟩:9998?passphrase=⟦srtpp⟧&latency=2000000", "use_auth": false}, "type": "rtmp_custom"}
""",
        ),
        (
            "gstreamer srtsink",
            r"""
gst-launch-1.0 videotestsrc ! x264enc ! mpegtsmux ! srtsink uri="srt://:8888?mode=listener" passphrase="⟦srtpp⟧" pbkeylen=16
""",
        ),
        (
            "OB truck chat",
            r"""
SRT link to the OB truck: ⟨ip⟩ port 9011, passphrase ⟦srtpp⟧ — latency 800ms, AES-256
""",
        ),
        (
            "encoder preset XML",
            r"""
<Output Type="SRT" Host="⟨ip⟩" Port="9000" Mode="Caller">
  <SRTPassphrase>⟦srtpp⟧</SRTPassphrase>
  <KeyLength>32</KeyLength>
</Output>
""",
        ),
    ],
)

_fam(
    "ndi_dante",
    [
        (
            "NDI Bridge host config",
            r"""
{ "mode": "host", "port": 5990, "encryption_key": "⟦a24⟧", "name": "Bridge-⟨site⟩" }
""",
        ),
        (
            "DDM API header",
            r"""
curl -s https://⟨fqdn⟩:8443/graphql -H 'Authorization: ⟦b32⟧' -d '{"query":"{ domains { name } }"}'
""",
        ),
        (
            "Dante device lock PIN",
            r"""
Dante Controller > Device Lock on stage-box-⟨n⟩: PIN ⟦pin4⟧ applied ⟨time⟩
""",
        ),
        (
            "DDM LDAP bind",
            r"""
ldap:
  server: ldaps://⟨fqdn⟩:636
  bind_dn: CN=svc_ddm,OU=Service,DC=corp,DC=local
  bind_password: ⟦pw⟧
""",
        ),
        (
            "Dante Virtual Soundcard license",
            r"""
DVS license for ⟨host⟩: ⟦lic⟧
""",
        ),
        (
            "Dante Managed API env",
            r"""
DANTE_API_URL=https://⟨fqdn⟩/api
DANTE_API_KEY=⟦a32⟧
""",
        ),
        (
            "DDM backup passphrase",
            r"""
DDM backup ⟨date⟩ exported; restore passphrase: ⟦phr⟧
""",
        ),
        (
            "PTZ camera CGI",
            r"""
curl -s -u admin:⟦pw⟧ 'http://⟨ip⟩/cgi-bin/ptzctrl.cgi?ptzcmd&poscall&1'
""",
        ),
    ],
)

_fam(
    "vmix_obs",
    [
        (
            "obs-websocket config.json",
            r"""
{
  "alerts_enabled": false,
  "auth_required": true,
  "first_load": false,
  "server_enabled": true,
  "server_password": "⟦a16⟧",
  "server_port": 4455
}
""",
        ),
        (
            "obs-cli",
            r"""
obs-cli --host ⟨ip⟩ --port 4455 --password '⟦pw⟧' scene switch Live
""",
        ),
        (
            "obsws connect URL",
            r"""
obsws://⟨ip⟩:4455/⟦a16⟧
""",
        ),
        (
            "obs-websocket-js",
            r"""
const obs = new OBSWebSocket();
await obs.connect('ws://⟨ip⟩:4455', '⟦pw⟧');
""",
        ),
        (
            "simpleobsws python",
            r"""
ws = simpleobsws.WebSocketClient(url='ws://⟨ip⟩:4455', password='⟦pw⟧')
""",
        ),
        (
            "vMix web controller URL",
            r"""
http://vmix:⟦pwq⟧@⟨ip⟩:8088/api/?Function=Cut
""",
        ),
        (
            "vMix Call guest invite",
            r"""
vMix Call — guest link https://⟨fqdn⟩/call, Call password: ⟦pws⟧
""",
        ),
        (
            "vMix streaming preset",
            r"""
<Stream1 URL="rtmp://a.rtmp.youtube.com/live2" Key="⟦yt⟧" Quality="1080p 6000k"/>
""",
        ),
        (
            "OBS service.json",
            r"""
{"settings": {"bwtest": false, "key": "⟦twitch⟧", "server": "auto", "service": "Twitch"}, "type": "rtmp_common"}
""",
        ),
        (
            "Companion OBS connection",
            r"""
"config": { "host": "⟨ip⟩", "port": 4455, "pass": "⟦pw⟧" }
""",
        ),
    ],
)

_fam(
    "stream_encoders_rtmp",
    [
        (
            "ffmpeg to Twitch",
            r"""
ffmpeg -i pgm.ts -c:v libx264 -b:v 6000k -f flv rtmp://live.twitch.tv/app/⟦twitch⟧
""",
        ),
        (
            "YouTube ingest",
            r"""
Primary server URL: rtmp://a.rtmp.youtube.com/live2/⟦yt⟧
""",
        ),
        (
            "Facebook RTMPS",
            r"""
rtmps://live-api-s.facebook.com:443/rtmp/⟦fb⟧
""",
        ),
        (
            "Wowza publish with query auth",
            r"""
rtmp://⟨fqdn⟩:1935/live/⟨stream⟩?username=⟨user⟩&password=⟦pwq⟧
""",
        ),
        (
            "nginx-rtmp publish log",
            r"""
⟨sys⟩ ⟨host⟩ nginx: [info] 1123#0: *⟨n4⟩ publish: name='⟦a20⟧' args='' type=live silent=0, client: ⟨ip⟩, server: 0.0.0.0:1935
""",
        ),
        (
            "Blackmagic Web Presenter streaming XML",
            r"""
<service><name>Custom</name><servers><server><name>Primary</name><url>rtmp://⟨fqdn⟩/live</url></server></servers></service>
<key>⟦a24⟧</key>
""",
        ),
        (
            "Elemental Live auth headers",
            r"""
X-Auth-User: ⟨user⟩
X-Auth-Expires: 1799⟨n6⟩
X-Auth-Key: ⟦h32⟧
""",
        ),
        (
            "Restream key",
            r"""
rtmp://live.restream.io/live/⟦restream⟧
""",
        ),
        (
            "Kick stream key",
            r"""
Stream URL: rtmps://fa723fc1b171.global-contribute.live-video.net  Stream key: ⟦kick⟧
""",
        ),
        (
            "Vimeo RTMPS key",
            r"""
rtmps://rtmp-global.cloud.vimeo.com:443/live  key=⟦uuid⟧
""",
        ),
        (
            "encoder syslog",
            r"""
⟨sys⟩ ⟨host⟩ enc[⟨pid⟩]: RTMP connect to rtmp://a.rtmp.youtube.com/live2/⟦yt⟧ OK (bitrate 6000 kbps)
""",
        ),
    ],
)

# ==========================================================================
# automotive and fleet
# ==========================================================================

_fam(
    "vehicle_api",
    [
        (
            "Tesla fleet API call",
            r"""
curl -s -H "Authorization: Bearer ⟦jwt⟧" https://fleet-api.prd.eu.vn.cloud.tesla.com/api/1/vehicles
""",
        ),
        (
            "Tesla token refresh",
            r"""
curl -s -X POST https://auth.tesla.com/oauth2/v3/token -d 'grant_type=refresh_token&client_id=⟨uuid⟩&refresh_token=⟦teslart⟧'
""",
        ),
        (
            "Smartcar env",
            r"""
SMARTCAR_CLIENT_ID=⟨uuid⟩
SMARTCAR_CLIENT_SECRET=⟦uuid⟧
SMARTCAR_REDIRECT_URI=https://⟨fqdn⟩/callback
""",
        ),
        (
            "BMW CarData client secret",
            r"""
cardata:
  client_id: ⟨uuid⟩
  client_secret: ⟦a40⟧
""",
        ),
        (
            "Mercedes API key header",
            r"""
GET /vehicledata/v2/vehicles/⟨hex8⟩/containers/fuelstatus
X-Api-Key: ⟦uuid⟧
""",
        ),
        (
            "Ford refresh token JSON",
            r"""
{"access_token": "⟦jwt⟧", "token_type": "Bearer", "expires_in": 1800, "refresh_token": "⟦a40⟧"}
""",
        ),
        (
            "teslamate compose",
            r"""
    environment:
      - ENCRYPTION_KEY=⟦a32⟧
      - DATABASE_USER=teslamate
      - DATABASE_PASS=⟦pw⟧
      - DATABASE_HOST=database
""",
        ),
        (
            "Home Assistant secrets.yaml",
            r"""
tesla_password: "⟦pw⟧"
volvo_on_call_password: ⟦pws⟧
""",
        ),
        (
            "Enode client credentials",
            r"""
ENODE_CLIENT_ID=⟨uuid⟩
ENODE_CLIENT_SECRET=⟦a40⟧
""",
        ),
    ],
)

_fam(
    "obd_dongles_telematics",
    [
        (
            "Teltonika SMS setparam",
            r"""
SMS to +⟨n6⟩⟨n4⟩: ⟨user⟩ ⟦pws⟧ setparam 2001:internet.m2m;2002:⟨user⟩;2003:⟦pwl⟧
""",
        ),
        (
            "ELM327 WiFi dongle",
            r"""
OBD dongle in van ⟨n3⟩: SSID OBDII-⟨hex4⟩, WPA2 password ⟦pwl⟧
""",
        ),
        (
            "Freematics config.h",
            r"""
#define WIFI_SSID "⟨ssid⟩"
#define WIFI_PASSWORD "⟦pw⟧"
#define SERVER_KEY "⟦a12⟧"
""",
        ),
        (
            "Queclink AT command",
            r"""
AT+GTSRI=⟦pws⟧,3,,1,⟨ip⟩,5001,,0,,0,0,,,FFFF$
""",
        ),
        (
            "Concox APN SMS",
            r"""
APN,iot.m2m,⟨user⟩,⟦pw⟧#
""",
        ),
        (
            "dongle logger config",
            r"""
[mqtt]
host = ⟨ip⟩
port = 8883
username = obd-⟨n3⟩
mqtt_password = ⟦pw⟧
""",
        ),
        (
            "Bluetooth OBD pairing",
            r"""
Pairing OBD-BT-⟨hex4⟩ ... enter PIN: ⟦pin6⟧
""",
        ),
        (
            "Teltonika configurator keyword",
            r"""
Configurator keyword for FMC⟨n3⟩ fleet: ⟦pwl⟧ (needed to open config over USB)
""",
        ),
    ],
)

_fam(
    "fleet_portals",
    [
        (
            "Samsara REST",
            r"""
curl -s -H "Authorization: Bearer ⟦samsara⟧" https://api.samsara.com/fleet/vehicles?limit=512
""",
        ),
        (
            "Geotab python",
            r"""
api = mygeotab.API(username='⟨user⟩@⟨dom⟩', password='⟦pw⟧', database='fleet_⟨site⟩')
api.authenticate()
""",
        ),
        (
            "Geotab credentials response",
            r"""
{"result": {"credentials": {"database": "fleet_⟨site⟩", "sessionId": "⟦a22⟧", "userName": "⟨user⟩@⟨dom⟩"}, "path": "my.geotab.com"}}
""",
        ),
        (
            "Webfleet.connect URL",
            r"""
https://csv.webfleet.com/extern?account=⟨dshort⟩&username=⟨user⟩&password=⟦pwq⟧&apikey=⟦uuid⟧&lang=en&action=showObjectReportExtern
""",
        ),
        (
            "Traccar default.xml",
            r"""
<entry key='database.user'>traccar</entry>
<entry key='database.password'>⟦pw⟧</entry>
""",
        ),
        (
            "Verizon Connect token",
            r"""
curl -s -u ⟨user⟩:⟦pwq⟧ https://fim.api.us.fleetmatics.com/token
Authorization: Atmosphere atmosphere_app_id=⟦a32⟧, Bearer ⟦jwt⟧
""",
        ),
        (
            "Motive API key",
            r"""
curl -s https://api.gomotive.com/v1/vehicles -H 'X-Api-Key: ⟦uuid⟧'
""",
        ),
        (
            "Fleetio headers",
            r"""
Authorization: Token ⟦h40⟧
Account-Token: ⟦a10⟧
""",
        ),
        (
            "Wialon token login",
            r"""
https://hst-api.wialon.com/wialon/ajax.html?svc=token/login&params={"token":"⟦h72⟧"}
""",
        ),
        (
            "Samsara webhook secret env",
            r"""
SAMSARA_WEBHOOK_SECRET=⟦b32⟧
""",
        ),
    ],
)

# ==========================================================================
# smart meters and utilities
# ==========================================================================

_fam(
    "dlms_cosem",
    [
        (
            "Gurux client LLS password",
            r"""
java -jar gurux.dlms.client.example.java.jar -h ⟨ip⟩ -p 4059 -c 16 -s 1 -a Low -P ⟦pws⟧ -g "0.0.1.0.0.255:2"
""",
        ),
        (
            "Gurux client HLS GMAC keys",
            r"""
java -jar gurux.dlms.client.example.java.jar -h ⟨ip⟩ -p 4059 -a HighGMAC -C AuthenticationEncryption -T ⟨systitle⟩ -A ⟦H32⟧ -B ⟦H32⟧
""",
        ),
        (
            "head-end key JSON",
            r"""
{"serial":"⟨meter⟩","systemTitle":"⟨systitle⟩","guek":"⟦H32⟧","gak":"⟦H32⟧"}
""",
        ),
        (
            "AARQ log with LLS",
            r"""
⟨ts⟩ DLMS AARQ -> ⟨meter⟩ mechanism=LOW_SECURITY calling-authentication-value="⟦pws⟧"
""",
        ),
        (
            "gurux python settings",
            r"""
settings.client.password = bytes("⟦pws⟧", "ascii")
settings.client.ciphering.blockCipherKey = GXByteBuffer.hexToBytes("⟦hsp⟧")
""",
        ),
        (
            "ESPHome dsmr decryption key",
            r"""
dsmr:
  decryption_key: "⟦H32⟧"
  max_telegram_length: 1700
""",
        ),
        (
            "HLS secret config",
            r"""
[meter.⟨meter⟩]
mechanism = HIGH_SECURITY
hls_secret = "⟦a16⟧"
""",
        ),
        (
            "Gurux director XML",
            r"""
<Password>⟦pws⟧</Password>
<AuthenticationKey>⟦H32⟧</AuthenticationKey>
<BlockCipherKey>⟦H32⟧</BlockCipherKey>
""",
        ),
        (
            "key import CSV",
            r"""
MeterID;SystemTitle;GUEK;GAK
⟨meter⟩;⟨systitle⟩;⟦H32⟧;⟦H32⟧
""",
        ),
    ],
)

_fam(
    "smart_meter_headend",
    [
        (
            "HES REST",
            r"""
curl -s -u hes_api:⟦pwq⟧ "https://⟨fqdn⟩/hes/api/v2/meters/⟨meter⟩/reads?from=2026-11-01"
""",
        ),
        (
            "wmbusmeters meter file",
            r"""
name=heat_⟨n3⟩
driver=multical21
id=⟨wmbusid⟩
key=⟦H32⟧
""",
        ),
        (
            "wmbusmeters CLI",
            r"""
wmbusmeters --format=json auto:t1 HeatMeter_⟨n⟩ multical21 ⟨wmbusid⟩ ⟦H32⟧
""",
        ),
        (
            "OMS key list CSV",
            r"""
Serial,Manufacturer,Version,Medium,AES-Key
⟨wmbusid⟩,KAM,0x1B,Water,⟦H32⟧
""",
        ),
        (
            "SOAP WS-Security",
            r"""
<wsse:UsernameToken><wsse:Username>mdm_int</wsse:Username>
<wsse:Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText">⟦pw⟧</wsse:Password></wsse:UsernameToken>
""",
        ),
        (
            "IEC 62056-21 programming log",
            r"""
⟨tsl⟩ TX <SOH>P1<STX>(⟦h8⟧)<ETX>
⟨tsl⟩ RX <ACK>
""",
        ),
        (
            "HSM KEK env",
            r"""
HES_KEK=⟦h64⟧
HES_KEK_ID=kek-2026-11
""",
        ),
        (
            "mosquitto_pub meter command",
            r"""
mosquitto_pub -h ⟨ip⟩ -u meteragg -P '⟦pw⟧' -t meters/⟨meter⟩/cmd -m '{"op":"disconnect","reason":"nonpayment"}'
""",
        ),
        (
            "Command Center API key",
            r"""
CC_API_KEY=⟦a32⟧
""",
        ),
        (
            "SFTP drop note",
            r"""
MDM drop: sftp -oPort=2222 mdmdrop@⟨fqdn⟩ (password ⟦pw⟧, rotate quarterly)
""",
        ),
    ],
)

# ==========================================================================
# human text
# ==========================================================================

_fam(
    "runbook_postmortem",
    [
        (
            "runbook break-glass section",
            r"""
## Break-glass access to ⟨host⟩
1. SSH to ⟨ip⟩ as `root`
2. The vault copy is authoritative, but if the vault is down use `⟦pw⟧` and rotate afterwards.
""",
        ),
        (
            "postmortem timeline",
            r"""
| ⟨time⟩ | ⟨name⟩ pasted the vCenter SSO admin password (⟦pw⟧) into #incident-⟨n3⟩ |
| ⟨time⟩ | Password rotated, channel history purged |
""",
        ),
        (
            "credentials table in wiki",
            r"""
| System | Account | Password |
|---|---|---|
| iDRAC ⟨host⟩ | root | ⟦pw⟧ |
| iLO ⟨host⟩ | Administrator | ⟦u8⟧ |
""",
        ),
        (
            "postmortem root cause",
            r"""
Root cause: the F5 health monitor user `⟨user⟩` had its password (`⟦pw⟧`) hard-coded in bigip.conf and it expired on ⟨date⟩.
""",
        ),
        (
            "action items",
            r"""
- [ ] Rotate the LoRaWAN AppKey ⟦H32⟧ on all 40 devices in ⟨app⟩
- [ ] Move the ChirpStack API token out of the Grafana datasource
""",
        ),
        (
            "runbook OBS",
            r"""
If the OBS box reboots, Companion needs the websocket password again: ⟦a16⟧
""",
        ),
        (
            "show-day notes",
            r"""
Temporary Dante device lock PIN for the show on ⟨date⟩: ⟦pin4⟧ — remove after load-out.
""",
        ),
        (
            "postmortem SRT leak",
            r"""
Impact: the SRT passphrase `⟦srtpp⟧` was printed in the rundown PDF sent to 60 external recipients.
""",
        ),
        (
            "lab creds list",
            r"""
Known creds (lab only, not prod!):
- XCC: USERID / ⟦pw⟧
- LXCA: admin / ⟦pw⟧
""",
        ),
        (
            "runbook meter keys",
            r"""
Step 4: load the GUEK ⟦H32⟧ and GAK ⟦H32⟧ into the HES for ⟨meter⟩, then trigger an on-demand read.
""",
        ),
        (
            "runbook Check Point",
            r"""
Expert mode password on ⟨host⟩ is currently "⟦pw⟧" (ticket to move to TACACS pending).
""",
        ),
    ],
)

_fam(
    "chat_slack_teams",
    [
        (
            "answer on the line after the question",
            r"""
[⟨time⟩] ⟨name⟩: what's the nsroot pw on ⟨host⟩?
[⟨time⟩] ⟨name⟩: ⟦pw⟧
[⟨time⟩] ⟨name⟩: ty
""",
        ),
        (
            "password split over two messages",
            r"""
[⟨time⟩] ⟨name#a⟩: pw is ⟦pair⟧
[⟨time⟩] ⟨name#a⟩: ...and then ⟦pair⟧ (no space, sorry hit enter)
""",
        ),
        (
            "password in brackets",
            r"""
⟨name⟩: creds for the panorama box are admin [⟦pw⟧], please don't forward
""",
        ),
        (
            "password after a dash",
            r"""
⟨name⟩: esxi root on ⟨esx⟩ - ⟦pw⟧
""",
        ),
        (
            "quoted PSK",
            r"""
⟨name⟩: she said the PSK for the new tunnel is "⟦pw⟧", both sides already set
""",
        ),
        (
            "spelled in groups",
            r"""
⟨name⟩: reading it out from the iLO tag: ⟦grp⟧
""",
        ),
        (
            "Teams message with Thread key",
            r"""
⟨name⟩ (Teams, ⟨time⟩): OTBR network key is ⟦h32⟧ — please don't paste it into Jira
""",
        ),
        (
            "code block with mgmt_cli",
            r"""
⟨name⟩: run this on the SMS
```
mgmt_cli login user admin password '⟦pw⟧'
```
""",
        ),
        (
            "two attempts",
            r"""
[⟨time⟩] ⟨name⟩: ok try `⟦pws⟧`
[⟨time⟩] ⟨name⟩: nope
[⟨time⟩] ⟨name⟩: then `⟦pws⟧`
""",
        ),
        (
            "leaked stream key",
            r"""
⟨name⟩: heads up, the twitch key leaked in the overlay: ⟦twitch⟧ — resetting now
""",
        ),
        (
            "curl paste in thread",
            r"""
⟨name⟩: works for me: curl -sk -H 'X-PAN-KEY: ⟦pankey⟧' https://⟨ip⟩/api/?type=op&cmd=<show><clock></clock></show>
""",
        ),
        (
            "emoji-laden reply",
            r"""
⟨name⟩: 🔑 idrac root → ⟦pw⟧ 🙏 rotate after the upgrade pls
""",
        ),
    ],
)

_fam(
    "jira_comments",
    [
        (
            "code macro racadm",
            r"""
{code}racadm -r ⟨ip⟩ -u root -p ⟦pw⟧ serveraction powercycle{code}
""",
        ),
        (
            "workaround with monospace",
            r"""
*Workaround:* set {{network_key}} back to ⟦zarr⟧ and restart zigbee2mqtt.
""",
        ),
        (
            "noformat API key",
            r"""
[~⟨user⟩] the fleet portal key is {noformat}⟦samsara⟧{noformat}
""",
        ),
        (
            "Jira table meter keys",
            r"""
||Meter||System title||GUEK||
|⟨meter⟩|⟨systitle⟩|⟦H32⟧|
""",
        ),
        (
            "repro steps",
            r"""
*Repro:* log in with admin / ⟦pw⟧ on https://⟨ip⟩/ui -> HTTP 500 after the upgrade.
""",
        ),
        (
            "log excerpt in comment",
            r"""
Note the HLS key appears in plain text in the attached log: {{-A ⟦H32⟧}}
""",
        ),
        (
            "new iLO creds",
            r"""
Customer sent new iLO creds: user {{⟨user⟩}}, password {{⟦pw⟧}}
""",
        ),
        (
            "Matter pairing code",
            r"""
Updated: Matter pairing code for the demo unit is ⟦mpcf⟧ (QR on the box is damaged).
""",
        ),
        (
            "revoked PAN-OS key",
            r"""
PAN-OS API key rotated; the old one was ⟦pankey⟧ (revoked ⟨date⟩).
""",
        ),
        (
            "German Jira comment",
            r"""
Kunde hat das neue Passwort für den Pure-Array-Benutzer geschickt: ⟦pw⟧ — bitte im Tresor ablegen.
""",
        ),
    ],
)

_fam(
    "voicemail_call_transcripts",
    [
        (
            "voicemail repeated password",
            r"""
Voicemail from ⟨name#c⟩ (⟨time⟩): Hi, it's ⟨name#c⟩ from the NOC, the iDRAC password for the new host is ⟦pw#p⟧, I'll repeat, ⟦pw#p⟧. Call me back.
""",
        ),
        (
            "speaker-labelled PIN",
            r"""
Speaker 1: what's the PIN on the front door lock?
Speaker 2: it's ⟦pin6#p⟧
Speaker 1: ⟦pin6#p⟧, got it
""",
        ),
        (
            "spelled code",
            r"""
Caller: okay the code is ⟦grp⟧, did you get that?
""",
        ),
        (
            "passphrase with spaces",
            r"""
⟨name⟩: yeah the SRT passphrase is, um, ⟦phrs⟧, all lowercase, with spaces.
""",
        ),
        (
            "AI call summary",
            r"""
Action items: ⟨name⟩ to send the vMix password (⟦pws⟧) by SMS before doors open.
""",
        ),
        (
            "utility call centre",
            r"""
Agent note: caller confirmed the meter LLS password ⟦pws⟧ and requested a remote reconnect for ⟨meter⟩.
""",
        ),
        (
            "Teams transcript",
            r"""
00:03:12 ⟨name⟩: The setup code is ⟦mpc⟧.
00:03:15 ⟨name⟩: Thanks, commissioning now.
""",
        ),
        (
            "Thread transcript",
            r"""
Speaker 2: the passphrase for Thread is ⟦h32⟧?
Speaker 1: no wait, that's the PSKc, the network key is different.
""",
        ),
        (
            "dongle voicemail",
            r"""
Hey it's me, I changed the wifi on the OBD dongle, new password ⟦pwl⟧, bye.
""",
        ),
    ],
)

_fam(
    "handover_notes_multilang",
    [
        (
            "German handover",
            r"""
Übergabe Nachtschicht ⟨ddmm⟩
- vCenter ⟨host⟩: Wartungsmodus aktiv
- Neues root-Passwort ESXi: ⟦pw⟧ (bitte morgen rotieren)
""",
        ),
        (
            "French handover",
            r"""
Passation : le mot de passe du compte nsroot a été changé en « ⟦pw⟧ ».
""",
        ),
        (
            "Spanish handover",
            r"""
Relevo de turno: la clave del iLO de ⟨host⟩ es ⟦pw⟧ — pendiente de cambiar.
""",
        ),
        (
            "Norwegian handover",
            r"""
Vaktoverlevering: passordet til Dante Domain Manager er ⟦pw⟧.
""",
        ),
        (
            "Japanese handover",
            r"""
引き継ぎ：NetAppのadminパスワードは「⟦pw⟧」です。
""",
        ),
        (
            "Korean handover",
            r"""
인수인계: OBS 웹소켓 비밀번호는 ⟦a16⟧ 입니다.
""",
        ),
        (
            "Hebrew handover",
            r"""
העברת משמרת: הסיסמה ל-iDRAC היא ⟦pw⟧
""",
        ),
        (
            "Arabic handover",
            r"""
تسليم المناوبة: كلمة المرور لجهاز F5 هي ⟦pw⟧
""",
        ),
        (
            "Hindi handover",
            r"""
हैंडओवर नोट: Check Point expert पासवर्ड ⟦pw⟧ है।
""",
        ),
        (
            "Indonesian handover",
            r"""
Serah terima: kata sandi admin PAN-OS adalah ⟦pw⟧, tolong diganti besok.
""",
        ),
        (
            "Greek handover",
            r"""
Παράδοση βάρδιας: ο κωδικός του Pure array είναι ⟦pw⟧.
""",
        ),
        (
            "Icelandic handover",
            r"""
Vaktaskipti: lykilorðið á XClarity er ⟦pw⟧.
""",
        ),
    ],
)

_fam(
    "chat_european",
    [
        (
            "German question then answer",
            r"""
[⟨time⟩] ⟨name⟩: Wie lautet das Passwort für den Gurux-Client?
[⟨time⟩] ⟨name⟩: ⟦pws⟧
""",
        ),
        (
            "German AppKey in brackets",
            r"""
Der AppKey (⟦H32⟧) steht jetzt im ChirpStack, Gerät ⟨deveui⟩.
""",
        ),
        (
            "French quoted PSK",
            r"""
Salut, le PSK du tunnel IPsec vers ⟨site⟩ : « ⟦pw⟧ »
""",
        ),
        (
            "French split password",
            r"""
⟨name#a⟩: le mot de passe c'est ⟦pair⟧
⟨name#a⟩: et la suite ⟦pair⟧ (collés)
""",
        ),
        (
            "Spanish question then answer",
            r"""
⟨name⟩: Oye, ¿me pasas la clave de SRT?
⟨name⟩: Claro — ⟦srtpp⟧
""",
        ),
        (
            "Spanish brackets",
            r"""
Contraseña del vMix (entre corchetes): [⟦pws⟧]
""",
        ),
        (
            "Norwegian Zigbee key",
            r"""
Hei! Nettverksnøkkelen til Zigbee er ⟦H32⟧, ikke del den videre.
""",
        ),
        (
            "Norwegian PIN after dash",
            r"""
PIN-koden til låsen – ⟦pin6⟧
""",
        ),
        (
            "Icelandic quoted",
            r"""
Hæ, lykilorðið fyrir OBS er "⟦pw⟧"
""",
        ),
        (
            "Icelandic grouped",
            r"""
Aðgangsorð fyrir iLO: ⟦grp⟧ (lesið í hópum)
""",
        ),
        (
            "Greek vCenter",
            r"""
Γεια, ο κωδικός για το vCenter είναι ⟦pw⟧ — άλλαξέ τον μετά.
""",
        ),
        (
            "Greek API key",
            r"""
Το κλειδί API του Samsara: ⟦samsara⟧
""",
        ),
        (
            "German utility letter",
            r"""
Ihr Schlüssel für die Kundenschnittstelle (Zähler ⟨meter⟩) lautet: ⟦H32⟧
""",
        ),
        (
            "French Matter code",
            r"""
Code d'appairage Matter : ⟦mpcf⟧ (ne pas publier)
""",
        ),
    ],
)

_fam(
    "chat_mideast_asia",
    [
        (
            "Hebrew question then answer",
            r"""
⟨name⟩: מה הסיסמה של nsroot?
⟨name⟩: ⟦pw⟧
""",
        ),
        (
            "Hebrew Thread key",
            r"""
מפתח הרשת של Thread: ⟦h32⟧
""",
        ),
        (
            "Arabic quoted Wi-Fi",
            r"""
كلمة مرور Wi-Fi للجهاز: "⟦pwl⟧"
""",
        ),
        (
            "Arabic Matter code",
            r"""
رمز الإقران (Matter): ⟦mpc⟧ — لا تشاركه
""",
        ),
        (
            "Hindi question then dash",
            r"""
⟨name⟩: भाई, vCenter का पासवर्ड बताओ?
⟨name⟩: हाँ – ⟦pw⟧
""",
        ),
        (
            "Hindi stream key in brackets",
            r"""
stream key (⟦yt⟧) गलती से ट्वीट हो गया
""",
        ),
        (
            "Indonesian question then answer",
            r"""
⟨name⟩: Mas, password iDRAC-nya apa ya?
⟨name⟩: ⟦pw⟧ mas, huruf besar di awal
""",
        ),
        (
            "Indonesian Geotab session",
            r"""
Session Geotab: ⟦a22⟧ (jangan disebar)
""",
        ),
        (
            "Japanese full-width note",
            r"""
パスワード：⟦pw⟧（全角ではなく半角で入力）
""",
        ),
        (
            "Japanese split",
            r"""
前半 ⟦pair⟧
後半 ⟦pair⟧
""",
        ),
        (
            "Korean quoted SRT",
            r"""
SRT 패스프레이즈는 "⟦srtpp⟧" 입니다.
""",
        ),
        (
            "Korean dash",
            r"""
XCC 비밀번호 - ⟦pws⟧
""",
        ),
        (
            "Japanese AppKey",
            r"""
LoRaWANのAppKeyは ⟦H32⟧ です（DevEUI ⟨deveui⟩）
""",
        ),
        (
            "Arabic GUEK",
            r"""
مفتاح التشفير للعداد (GUEK): ⟦H32⟧
""",
        ),
    ],
)

# ==========================================================================
# additional templates for smaller families
# ==========================================================================


def _more(name: str, templates: list[tuple[str, str]]) -> None:
    for fam, tl in _FAMILIES:
        if fam == name:
            tl.extend(templates)
            return
    raise KeyError(name)


_more(
    "ndi_dante",
    [
        (
            "TriCaster LivePanel password",
            r"""
TriCaster ⟨host⟩: LivePanel admin password set to ⟦pws⟧ (web UI, port 80)
""",
        ),
        (
            "NDI Bridge join side",
            r"""
NDI Bridge (join) -> host ⟨ip⟩:5990  encryption key: ⟦a24⟧  status: connected
""",
        ),
    ],
)

_more(
    "f5_icontrol_rest",
    [
        (
            "BIG-IQ token refresh",
            r"""
curl -sk https://⟨ip⟩/mgmt/shared/authn/exchange -d '{"refreshToken":{"token":"⟦jwt⟧"}}'
""",
        ),
        (
            "python requests session",
            r"""
s = requests.Session(); s.verify = False
s.auth = ("admin", "⟦pw⟧")
r = s.get("https://⟨ip⟩/mgmt/tm/ltm/virtual")
""",
        ),
    ],
)

_more(
    "citrix_gateway",
    [
        (
            "Gateway EPA registry check note",
            r"""
Gateway vserver GW_⟨site⟩: LDAP fallback account svc_gwldap, password ⟦pwup⟧ (expires ⟨date⟩)
""",
        ),
        (
            "Secure Access client debug log",
            r"""
⟨tsl⟩ [AGEE] Cookie: NSC_AAAC=⟦h64⟧; NSC_FSRD=⟨n⟩
""",
        ),
    ],
)

_more(
    "checkpoint_mgmt_api",
    [
        (
            "Smart-1 Cloud API key login",
            r"""
mgmt_cli login api-key "⟦b16⟧" context "⟨uuid⟩/web_api" --format json
""",
        ),
        (
            "PowerShell web_api",
            r"""
$body = @{ user = 'api_user'; password = '⟦pw⟧' } | ConvertTo-Json
$sid = (Invoke-RestMethod -Uri https://⟨ip⟩/web_api/login -Method Post -Body $body -ContentType 'application/json' -SkipCertificateCheck).sid
""",
        ),
    ],
)

_more(
    "panos_xml_api",
    [
        (
            "keygen POST form",
            r"""
curl -sk -X POST 'https://⟨ip⟩/api/?type=keygen' --data-urlencode 'user=svc_automation' --data-urlencode 'password=⟦pw⟧'
""",
        ),
        (
            "pan-os-python",
            r"""
fw = Firewall("⟨ip⟩", api_key="⟦pankey⟧")
fw.refresh_system_info()
""",
        ),
    ],
)

_more(
    "pure_storage",
    [
        (
            "pureds bind password",
            r"""
pureuser@⟨host⟩> pureds setattr management --uri ldaps://⟨fqdn⟩ --base-dn DC=corp,DC=local --bind-user svc_pure --bind-password ⟦pw⟧
""",
        ),
        (
            "Pure1 REST token exchange",
            r"""
curl -s -X POST https://api.pure1.purestorage.com/oauth2/1.0/token -d 'grant_type=urn:ietf:params:oauth:grant-type:token-exchange&subject_token=⟦jwt⟧&subject_token_type=urn:ietf:params:oauth:token-type:jwt'
""",
        ),
    ],
)

_more(
    "lenovo_xclarity",
    [
        (
            "LXCA Ansible vars",
            r"""
lxca_url: https://⟨ip⟩
lxca_user: admin
lxca_password: "⟦pw⟧"
""",
        ),
        (
            "XCC IPMI",
            r"""
ipmitool -I lanplus -H ⟨ip⟩ -U USERID -P ⟦pw⟧ chassis power status
""",
        ),
    ],
)

_more(
    "mdt_task_sequence",
    [
        (
            "Bootstrap.ini German comment",
            r"""
; Dienstkonto für die Deployment-Freigabe
UserID=svc_mdt
UserPassword=⟦pwq⟧
""",
        ),
        (
            "MDT monitoring event log",
            r"""
Property UserPassword is now = ⟦pw⟧ (LiteTouch.wsf, ⟨tsl⟩)
""",
        ),
    ],
)

_more(
    "thread_otbr",
    [
        (
            "HA Thread credential export",
            r"""
{"thread_network": {"network_name": "ha-thread-⟨hex4⟩", "dataset": "⟦tlv⟧", "preferred": true}}
""",
        ),
        (
            "ot-ctl pskc compute",
            r"""
> pskc -p ⟦pskd⟧
⟦h32⟧
Done
""",
        ),
    ],
)

_more(
    "srt_streaming",
    [
        (
            "Haivision Makito CLI",
            r"""
haiencoder stream create addr=⟨ip⟩ port=9000 mode=caller encapsulation=srt passphrase="⟦srtpp⟧" aesType=aes256
""",
        ),
        (
            "Larix Broadcaster profile",
            r"""
{"name": "SRT ⟨site⟩", "url": "srt://⟨ip⟩:9000", "srtPassphrase": "⟦srtpp⟧", "srtLatency": 2000}
""",
        ),
    ],
)

_more(
    "obd_dongles_telematics",
    [
        (
            "Teltonika getparam reply",
            r"""
Reply from ⟨n6⟩⟨n4⟩: Param ID:2003 Value:⟦pwl⟧
""",
        ),
        (
            "OBD cloud pairing code",
            r"""
Device activation code for dongle SN ⟨n6⟩: ⟦a10⟧
""",
        ),
    ],
)

_more(
    "citrix_nitro_api",
    [
        (
            "NITRO batch login via python requests",
            r"""
r = requests.post("https://⟨ip⟩/nitro/v1/config/login", json={"login": {"username": "svc_nitro", "password": "⟦pw⟧"}}, verify=False)
""",
        ),
        (
            "NITRO Set-Cookie",
            r"""
Set-Cookie: NITRO_AUTH_TOKEN=⟦nsess⟧; path=/nitro/v1; Secure; HttpOnly
""",
        ),
    ],
)

_more(
    "hyperv_powershell",
    [
        (
            "PSDrive to VM library share",
            r"""
New-PSDrive -Name V -PSProvider FileSystem -Root \\⟨host⟩\VMLibrary -Credential (New-Object PSCredential('⟨dshort⟩\svc_hvlib', (ConvertTo-SecureString '⟦pw⟧' -AsPlainText -Force)))
""",
        ),
    ],
)

# ==========================================================================
# keep templates (diagnostic tokens that must survive)
# ==========================================================================

_keep(
    [
        # vSphere
        (
            "vpxd LRO finish",
            r"""⟨ts⟩ info vpxd[⟨n4⟩] [Originator@6876 sub=vpxLro opID=⟨hex8⟩] [VpxLRO] -- FINISH ⟪task⟫ -- ⟪vm⟫ -- vim.VirtualMachine.powerOn""",
        ),
        (
            "vpxd session token expired",
            r"""⟨ts⟩ error vpxd[⟨n4⟩] [Originator@6876 sub=Authorize] session token expired, fault ⟪=vim.fault.NotAuthenticated⟫""",
        ),
        (
            "ESXi build with password policy",
            r"""⟨esx⟩: VMware ESXi 8.0.2 ⟪build⟫; password policy: min length 12 enforced via Security.PasswordQualityControl""",
        ),
        ("vCenter alarm", r"""Alarm '⟪alarm⟫' on ⟨hostm⟩ changed from Gray to Red"""),
        (
            "thumbprint mismatch",
            r"""Host ⟨esx⟩ SSL thumbprint ⟪sha1fp⟫ does not match; key mismatch after certificate renewal, re-add host""",
        ),
        (
            "PowerCLI by MoRef",
            r"""PS C:\> Get-VM -Id VirtualMachine-⟪vm⟫ | Select-Object Name,PowerState""",
        ),
        ("vSAN metric", r"""vSAN health: ⟪=vsan.disk.latency.write⟫ p99 = 14.2 ms on ⟨ds⟩"""),
        (
            "reconfigure task failure",
            r"""Task ⟪task⟫ (Reconfigure virtual machine) failed after ⟨dur⟩: A specified parameter was not correct: spec.deviceChange""",
        ),
        (
            "cluster moref",
            r"""DRS recommendation applied on ⟪domc⟫, auth token refreshed, ⟨vm⟩ migrated""",
        ),
        (
            "CVE remediation",
            r"""⟪=CVE-2024-37085⟫ remediated: Config.HostAgent.plugins.hostsvc.esxAdminsGroup cleared on ⟨n⟩ hosts""",
        ),
        (
            "VAMI service pid",
            r"""service-control --status vmware-vpxd: RUNNING (pid ⟪pid⟫), VAMI on port 5480""",
        ),
        (
            "snapshot consolidation",
            r"""⟪vm⟫ needs consolidation; task ⟨task⟩ queued (hash of delta chain verified)""",
        ),
        # Hyper-V / Nutanix
        (
            "Hyper-V VMMS event",
            r"""Hyper-V-VMMS Event ID ⟪=18590⟫: '⟨vm⟩' could not initialize (Virtual machine ID ⟨uuidb⟩)""",
        ),
        (
            "replica hresult",
            r"""Replication for '⟨vm⟩' failed with error ⟪hresult⟫ (certificate hash mismatch)""",
        ),
        (
            "AOS version",
            r"""Cluster ⟨cluster⟩ running AOS ⟪=6.8.1⟫, AHV el8.nutanix.20230302.101026""",
        ),
        (
            "Nutanix alert",
            r"""ncli alert ls: ID ⟪uuid⟫ Alert A1046 Severity kWarning — password for admin expires in 7 days""",
        ),
        ("Prism task", r"""Prism task ⟪uuid⟫ kSucceeded in ⟨dur⟩ (operation kVmCreate)"""),
        ("acli vm.get", r"""acli vm.get ⟨vm⟩ -> uuid: "⟪uuid⟫" num_vcpus: 4 memory_mb: 16384"""),
        (
            "Hyper-V KB pending",
            r"""Hyper-V host ⟨host⟩: ⟪kb⟫ installed, key RebootRequired present""",
        ),
        (
            "cluster validation",
            r"""Cluster validation report ⟪uuid⟫: Hyper-V secure boot template consistent, salt length 32""",
        ),
        # Citrix
        (
            "ns.log AAA",
            r"""⟨sys⟩ ⟨ip⟩ ⟨host⟩ 0-PPE-0 : default AAA LOGIN_FAILED ⟪evno⟫ 0 : User ⟨user⟩ - Client_ip ⟨ip⟩ - Failure_reason "Invalid credentials" """,
        ),
        ("NetScaler build", r"""show ns version: NetScaler NS14.1: Build ⟪=14.1-25.53⟫.nc"""),
        (
            "Citrix Bleed",
            r"""⟪=CVE-2023-4966⟫: after patching run kill aaa session -all and kill icaconnection -all""",
        ),
        (
            "certKey fingerprint",
            r"""ssl certKey wildcard: fingerprint ⟪sha1fp⟫, days to expiration 12""",
        ),
        (
            "gateway counter",
            r"""stat vpn vserver GW_VS: ⟪=ns_aaa_cur_sessions⟫ = 412, token expiry 900s""",
        ),
        (
            "NITRO trace id",
            r"""NITRO request ⟪uuid⟫ returned errorcode 444 (session expired) after ⟨dur⟩""",
        ),
        # F5
        (
            "mcpd error code",
            r"""⟨sys⟩ ⟨host⟩ err mcpd[⟪pid⟫]: ⟪=01070734⟫:3: Configuration error: invalid password for monitor /Common/mon_http""",
        ),
        (
            "ssl handshake code",
            r"""⟨sys⟩ ⟨host⟩ warning tmm1[⟨n4⟩]: ⟪=01260009⟫:4: Connection error: ssl_hs_rxhello:... unsupported version (40)""",
        ),
        (
            "restjavad 401",
            r"""restjavad: X-F5-Auth-Token expired (lifetime 1200s), request ⟪uuid⟫ returned 401""",
        ),
        ("AS3 hash", r"""AS3 declaration ⟪uuid⟫ applied in ⟪dur⟫, declaration hash ⟨commit⟩"""),
        ("F5 CVE", r"""⟪=CVE-2023-46747⟫ mitigation script applied on ⟨host⟩"""),
        ("qkview", r"""iHealth: QKView ⟪qkv⟫ uploaded, diagnostics H⟨n6⟩ flagged"""),
        ("BIG-IP version", r"""BIG-IP ⟪=17.1.1.3⟫ Build 0.0.5 Point Release 3"""),
        # Check Point
        (
            "fw ver",
            r"""[Expert@⟨host⟩:0]# fw ver -> This is Check Point's software version ⟪=R81.20⟫ - Build 631""",
        ),
        (
            "mgmt task",
            r"""mgmt_cli show task task-id ⟪uuid⟫ -> status succeeded, session token reused""",
        ),
        (
            "IKE notify",
            r"""VPN: IKE failure, peer ⟨ip⟩, reason ⟪=NO_PROPOSAL_CHOSEN⟫ (key exchange)""",
        ),
        ("API error code", r"""API error code ⟪=generic_err_object_not_found⟫ for uid ⟨uuid⟩"""),
        ("fwk pid", r"""cpwd_admin list: FWK pid ⟪pid⟫ running for ⟨dur⟩"""),
        ("drop log rule uid", r"""Drop ⟨ip⟩ -> ⟨ip⟩ dport ⟪=3389⟫, rule UID ⟨uuidb⟩"""),
        # PAN-OS
        ("PAN-OS version serial", r"""show system info: sw-version ⟪panver⟫, serial ⟪panser⟫"""),
        (
            "GP CVE",
            r"""⟪=CVE-2024-3400⟫ GlobalProtect: upgraded to ⟨panver⟩, threat ID ⟨threat⟩ enabled""",
        ),
        ("commit job", r"""Commit job ⟪njob⟫ finished: OK (duration ⟨dur⟩)"""),
        ("app version", r"""app-version: ⟪appver⟫, threat-version: ⟨appver⟩"""),
        (
            "Panorama config hash",
            r"""Panorama: device ⟪panser⟫ config hash mismatch, last push job ⟨njob⟩""",
        ),
        (
            "api key lifetime",
            r"""API key lifetime set to 60 min; key name rotation job ⟪uuid⟫ done""",
        ),
        # NetApp
        ("ONTAP version", r"""cluster image show: ⟪ontver⟫"""),
        (
            "EMS event",
            r"""EMS ⟪=sshd.auth.loginDenied⟫: Login attempt for user ⟨user⟩ denied (password expired)""",
        ),
        (
            "job show",
            r"""job show -id ⟪njob⟫: State Success, Description "Vol Create", duration ⟨dur⟩""",
        ),
        ("snapmirror", r"""snapmirror show: Lag Time ⟪dur⟫, Relationship ID ⟨uuid⟩"""),
        ("OKM key id", r"""security key-manager key query: Key ID ⟪keyid⟫ (Restored: true)"""),
        (
            "ONTAP REST error",
            r"""ONTAP REST error ⟪=262179⟫: password does not meet policy: min length 8""",
        ),
        # Pure
        ("Purity version", r"""Purity//FA ⟪=6.5.4⟫ array id ⟨uuid⟩"""),
        ("Pure alert", r"""Alert ⟪alertid⟫: controller CT1 failover completed in ⟨dur⟩"""),
        ("Pure token expired", r"""API token expired for pureuser; request-id ⟪uuid⟫"""),
        # Dell / HPE / Lenovo
        (
            "iDRAC job",
            r"""racadm jobqueue view: [Job ID=⟪jid⟫] Status=Completed Message=[⟪=PR19⟫: Job completed successfully.]""",
        ),
        (
            "iDRAC lifecycle log",
            r"""Lifecycle log: ⟪=USR0030⟫ Successfully logged in using root, from ⟨ip⟩ and REDFISH""",
        ),
        ("iDRAC firmware", r"""iDRAC firmware ⟪idracver⟫ installed on service tag ⟨svctag⟩"""),
        (
            "iLO serial",
            r"""iLO 6 firmware 1.59, server serial ⟪hpeser⟫, password complexity enabled""",
        ),
        ("OneView task", r"""OneView task ⟪uuid⟫: Update firmware baseline SPP 2024.04.00.00"""),
        ("XCC event", r"""XCC event ⟪=FQXSPSE4001I⟫: Remote Login Successful. Login ID: USERID"""),
        ("Lenovo serial", r"""Lenovo ThinkSystem serial ⟪lenser⟫, machine type 7Z73"""),
        (
            "Redfish error",
            r"""Redfish error ⟪=Base.1.12.InsufficientPrivilege⟫ on /redfish/v1/AccountService, trace ⟨uuid⟩""",
        ),
        # SCCM / Intune / MDT
        (
            "smsts failure",
            r"""smsts.log: Failed to run the action: Apply Operating System. Error ⟪hresult⟫""",
        ),
        (
            "package hash mismatch",
            r"""Package ⟪cmpkg⟫ content hash mismatch on DP ⟨host⟩ (hash verification failed)""",
        ),
        (
            "Intune compliance",
            r"""Intune device ⟪uuid⟫ compliance: password policy: min length 12 -> noncompliant""",
        ),
        ("Graph throttling", r"""Graph 429: request-id ⟪uuid⟫ client-request-id ⟨uuid⟩"""),
        ("ZTIDomainJoin", r"""ZTIDomainJoin exit code ⟪hresult⟫, retry in ⟨dur⟩"""),
        ("Win32 app detection", r"""Win32 app ⟪uuid⟫ detection failed: 0x87D1041C"""),
        ("ccmsetup", r"""ccmsetup exit code ⟪=0x80070643⟫ after ⟨kb⟩ install"""),
        ("TS step duration", r"""Task sequence ⟪cmpkg⟫ step 'Apply Windows Settings' took ⟨dur⟩"""),
        # LoRaWAN
        (
            "join request",
            r"""⟨ts⟩ INFO chirpstack::uplink::join: Join-request received dev_eui=⟪deveui⟫ join_eui=⟪joineui⟫""",
        ),
        (
            "MIC mismatch",
            r"""MIC mismatch for DevEUI ⟪deveui⟫ — check AppKey provisioning (key not logged)""",
        ),
        ("gateway last seen", r"""gateway ⟪gweui⟫ last seen ⟨dur⟩ ago, packet forwarder v4.0.1"""),
        ("ttn-lw-cli get", r"""ttn-lw-cli end-devices get ⟨app⟩ ⟪devlow⟫ --session"""),
        ("TTS correlation id", r"""event ⟪=as.up.data.forward⟫ correlation_ids ["as:up:⟪ulid⟫"]"""),
        (
            "FCnt reset",
            r"""FCnt up ⟪fcnt⟫ rejected: frame counter reset, key name f_nwk_s_int_key unchanged""",
        ),
        ("Basic Station", r"""Station ⟪=2.0.6⟫(rpi/std) router ⟨gweui⟩ connected to LNS"""),
        ("ChirpStack build", r"""ChirpStack v⟪=4.9.0⟫ (commit ⟨commit⟩) migrations applied"""),
        ("DevAddr assignment", r"""DevAddr ⟪devaddr⟫ assigned to ⟨deveui⟩ after OTAA join"""),
        ("uplink metric", r"""metric ⟪=lorawan_uplink_rssi_dbm⟫ p50 -97 for ⟨deveui⟩"""),
        # Zigbee / Z-Wave / Thread / Matter
        (
            "z2m coordinator fw",
            r"""Zigbee2MQTT:info Coordinator firmware version: '{"meta":{"revision":⟪=20230507⟫},"type":"zStack3x0"}'""",
        ),
        (
            "z2m PAN ID",
            r"""Zigbee network PAN ID ⟪panid⟫ channel 15, network_key unchanged since backup""",
        ),
        ("zwave-js version", r"""zwave-js driver ⟪=v12.5.6⟫, controller SDK 7.21.3"""),
        (
            "S2 failure",
            r"""Security S2 bootstrapping failed: ⟪=S2WrongSecurityLevel⟫ (DSK not logged)""",
        ),
        (
            "OTBR partition",
            r"""otbr-agent: role leader, partition id ⟪partid⟫, Ext PAN ID ⟪extpan⟫""",
        ),
        ("Matter node id", r"""Matter node ⟪nodeid⟫ commissioned, fabric index 1"""),
        ("CHIP error", r"""Commissioning failed: CHIP Error ⟪=0x00000032⟫: Timeout"""),
        ("Matter VID/PID", r"""Matter vendor id ⟪=0xFFF1⟫ product id 0x8000"""),
        ("DAC fingerprint", r"""DAC certificate fingerprint ⟪sha256fp⟫"""),
        ("coordinator model", r"""Coordinator ⟪=CC2652P⟫ on /dev/ttyUSB0, PAN ID ⟨panid⟩"""),
        # media
        (
            "SRT reject",
            r"""srt-live-transmit: SRT handshake rejected: ⟪=SRT_REJ_BADSECRET⟫ (wrong passphrase)""",
        ),
        ("SRT stats", r"""SRT stats: ⟪=pktRcvLoss⟫ 124, ⟪=msRTT⟫ 38.2"""),
        (
            "obs-websocket auth fail",
            r"""obs-websocket ⟪=5.4.2⟫: auth failed, salt/challenge regenerated for session ⟨uuid⟩""",
        ),
        ("Dante firmware", r"""Dante firmware ⟪=4.2.5.3⟫ on Brooklyn 3, clock leader"""),
        ("NDI runtime", r"""NDI runtime ⟪=6.0.1⟫: source dropped ⟨n⟩ frames in ⟨dur⟩"""),
        (
            "RTMP status",
            r"""RTMP publish rejected: ⟪=NetStream.Publish.BadName⟫ (stream key invalid)""",
        ),
        ("encoder restart", r"""encoder pid ⟪pid⟫ restarted after ⟨dur⟩"""),
        (
            "YouTube broadcast",
            r"""YouTube broadcast ⟪ytbid⟫ streamStatus active, healthStatus noData""",
        ),
        (
            "SRT listener port",
            r"""SRT listener on port ⟪=9011⟫, latency 800ms, key length 32 bytes""",
        ),
        # vehicles / fleet
        ("fleet 429", r"""Fleet API 429 for vehicle id ⟪vehid⟫, request ⟨uuid⟩"""),
        ("OBD DTC", r"""OBD DTC ⟪dtc⟫ reported by unit ⟨n3⟩"""),
        ("Teltonika firmware", r"""FMC130 firmware ⟪=03.28.07.Rev.01⟫, codec Codec8E"""),
        (
            "Geotab exception",
            r"""Geotab: ⟪=InvalidUserException⟫ — session token expired, re-authenticating""",
        ),
        ("Samsara webhook", r"""Samsara webhook ⟪uuid⟫ delivery failed after ⟨dur⟩"""),
        ("Traccar decode", r"""Traccar: position decoded by teltonika protocol on port ⟪=5027⟫"""),
        # meters
        (
            "AARE rejected",
            r"""DLMS AARE: result rejected-permanent, diagnostic ⟪=authentication-failure⟫""",
        ),
        (
            "meter system title",
            r"""Meter ⟪meter⟫ system title ⟪systitle⟫ (identifier, not a key)""",
        ),
        ("OBIS reading", r"""OBIS ⟪obis⟫ = 48213.7 kWh for ⟨meter⟩"""),
        ("HES job", r"""HES job ⟪uuid⟫ read 18342 meters in ⟨dur⟩"""),
        (
            "wM-Bus decrypt fail",
            r"""wmbusmeters: telegram failed decryption (key mismatch) job ⟪uuid⟫""",
        ),
        (
            "Gurux exception",
            r"""⟪=GXDLMSException⟫: Access Error : Device reports Read-Write denied.""",
        ),
        # generic / human
        (
            "Jira root cause",
            r"""⟪jira⟫: root cause was token expiry (lifetime 3600s), fixed in ⟪commit⟫""",
        ),
        ("postmortem id", r"""Postmortem ⟪inc⟫: password rotation job ⟪uuid⟫ took ⟨dur⟩"""),
        ("image digest", r"""Deployed head-end image ⟪digest⟫, hash verified"""),
        ("grafana metric", r"""Alert firing: ⟪=node_filesystem_avail_bytes⟫ < 5% on ⟨host⟩"""),
        ("German handover trace", r"""Übergabe: Ticket ⟪inc⟫ weiterhin offen, Trace-ID ⟪uuid⟫"""),
        ("Japanese ticket", r"""障害チケット ⟪jira⟫：トークン期限切れ、trace ⟨uuid⟩"""),
        ("Korean task error", r"""작업 ID ⟪task⟫ 실패, 오류 코드 ⟨hresult⟩"""),
        ("French config key", r"""La clé ⟪=ssl.key.file⟫ manque dans la config, commit ⟨short⟩"""),
        ("Spanish domain join", r"""Error ⟪hresult⟫ al unir al dominio; id de solicitud ⟨uuid⟩"""),
        ("Norwegian build", r"""Oppgradert til ⟪build⟫, sertifikat-fingeravtrykk ⟨sha1fp⟩"""),
        ("Hebrew job", r"""משימה ⟪task⟫ נכשלה, קוד שגיאה ⟨hresult⟩"""),
        ("Arabic request id", r"""فشل الطلب ⟪uuid⟫ بعد ⟨dur⟩"""),
        ("Hindi alarm", r"""अलार्म ⟪alarm⟫ ट्रिगर हुआ"""),
        ("Indonesian digest", r"""Image ⟪digest⟫ sudah di-deploy, hash cocok"""),
        ("Greek version", r"""Αναβάθμιση σε ⟪ontver⟫, job ⟨njob⟩"""),
        ("Icelandic incident", r"""Atvik ⟪inc⟫: auðkenni beiðni ⟨uuid⟩"""),
        (
            "auth salt config key",
            r"""config key ⟪=auth.salt.rotation_days⟫ = 90 (salt itself not shown)""",
        ),
        (
            "secret name in k8s",
            r"""kubectl get secret ⟪=hes-db-credentials⟫ -o name (value redacted by policy)""",
        ),
        (
            "password policy line",
            r"""password policy: min length 12, history 24, lockout after 5 (policy id ⟪uuid⟫)""",
        ),
        ("hash mismatch commit", r"""hash mismatch between build ⟪short⟫ and artifact ⟪digest⟫"""),
        (
            "token id audit",
            r"""audit: token id ⟪uuid⟫ revoked by automation (value never logged)""",
        ),
    ]
)


# ==========================================================================
# public API
# ==========================================================================


def keep_list() -> list[Keep]:
    rng = random.Random(SEED + 1)
    out: list[Keep] = []
    for _v in range(VARIANTS):
        for fmt, text in _KEEPS:
            lines, secrets, toks = _render(text, rng)
            assert not secrets
            out.append(Keep(fmt, lines, toks))
    return out


def _keep_tokens() -> frozenset[str]:
    return frozenset(t for k in keep_list() for t in k.tokens)


def cases() -> list[Case]:
    ban = _keep_tokens()
    rng = random.Random(SEED)
    out: list[Case] = []
    for _v in range(VARIANTS):
        for fam, templates in _FAMILIES:
            for fmt, text in templates:
                lines, secrets, toks = _render(text, rng, ban)
                assert not toks
                out.append(Case(fam, fmt, lines, secrets))
    return out


def _check() -> dict[str, int]:
    cs = cases()
    assert cs == cases(), "cases() not deterministic"
    ks = keep_list()
    assert ks == keep_list(), "keep_list() not deterministic"
    all_values: set[str] = set()
    for c in cs:
        assert 1 <= len(c.lines) <= 10, (c.family, c.format, len(c.lines))
        assert c.values, (c.family, c.format)
        joined = "\n".join(c.lines)
        for v in c.values:
            assert v and len(v) >= 4, (c.family, c.format, v)
            assert v in joined, (c.family, c.format, v)
            all_values.add(v)
        assert "⟦" not in joined and "⟨" not in joined and "⟪" not in joined
    n_tokens = 0
    for k in ks:
        assert 1 <= len(k.lines) <= 10
        assert k.tokens, k.format
        joined = "\n".join(k.lines)
        for t in k.tokens:
            assert len(t) >= 4, (k.format, t)
            assert t in joined, (k.format, t)
            for v in all_values:
                assert t != v and t not in v, (k.format, t, v)
            n_tokens += 1
    fams = {c.family for c in cs}
    return {
        "families": len(fams),
        "case templates": sum(len(t) for _, t in _FAMILIES),
        "cases": len(cs),
        "planted values": sum(len(c.values) for c in cs),
        "keep templates": len(_KEEPS),
        "keep entries": len(ks),
        "keep tokens": n_tokens,
    }


if __name__ == "__main__":
    print(_check())
