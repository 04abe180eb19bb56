# ruff: noqa: E501, RUF001
"""Sealed blind corpus J: planted secrets and diagnostic keep tokens for a log/secret sanitizer,
written by helper J on 2026-12-02 without reading the sanitizer, its tests, the other corpora
or any benchmark results. Only the ``Case``/``Keep`` shapes and the way a corpus module is
consumed were known when it was written.

Theme: less common but real places where secrets leak into incident material -- network gear
and firmware (Cisco IOS/ASA/NX-OS, Junos, FortiOS, MikroTik, Huawei VRP, U-Boot, OpenWrt),
legacy enterprise software (WebLogic, WebSphere, JBoss, Tomcat, SAP, Oracle, Windows and
Active Directory, mainframe JCL/RACF, IBM MQ, TIBCO), HPC schedulers, telecom and VoIP,
payment and fintech gateways, game servers, IoT and BMCs, crash dumps, core-dump strings,
debug traces, HTTP archives (HAR), encoded material (base64, URL escaping, JSON escaping,
hex, reversible device "encryption"), and prose in more than twenty natural languages.

Counts: 42 families, 461 case templates (10-16 per family), 922 cases, 1078 planted values;
88 keep templates, 176 keep entries, 322 keep tokens. Families:
network_cisco, network_junos_other, network_vendors_misc, firmware_embedded, iot_devices,
bmc_ipmi_oob, java_appserver, sap_systems, oracle_stack, windows_ad, windows_powershell,
mainframe_zos, hpc_scheduler, telecom_voip, payment_gateway, fintech_protocols, game_servers,
crash_dumps, core_dump_strings, debug_traces, har_archives, encoded_base64, encoded_escaped,
prose_europe, prose_world, chat_tickets, shell_history, private_keys, cloud_vendor_tokens,
saas_vendor_tokens, db_connection, messaging_middleware, cicd_logs, containers_k8s,
mail_legacy_protocols, vpn_ipsec, session_cookies, signing_webhooks, mfa_recovery,
storage_backup, web_server_access, legacy_enterprise_misc.

Every template is rendered twice (``VARIANTS``) with fresh values and names, so a miss is a
family that fails rather than one unlucky string. ``keep_list`` yields snippets holding
diagnostic tokens (trace/span ids, request ids, UUIDs, digests, git SHAs, versions, error
codes, pod names, PIDs, public key ids and fingerprints, ARNs, paths, metrics) next to
tempting words such as "token", "key", "secret" or "password"; those tokens must survive.

All values come from a seeded ``random.Random``: the corpus is identical on every run and
holds no real credential. Pure standard library, Python 3.11.
"""

from __future__ import annotations

import base64
import json
import random
import re
import string
import urllib.parse
import uuid
from collections.abc import Callable
from typing import NamedTuple

SEED = 20261202
VARIANTS = 2

ALNUM = string.ascii_letters + string.digits
LOWER = string.ascii_lowercase
UPPER = string.ascii_uppercase
DIGITS = string.digits
HEXL = "0123456789abcdef"
HEXU = "0123456789ABCDEF"
B64 = string.ascii_letters + string.digits + "+/"
B64U = string.ascii_letters + string.digits + "-_"
B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
SAFE_SYM = "!#%*-_+=.~^"


class Case(NamedTuple):
    family: str
    format: str
    lines: tuple[str, ...]
    values: tuple[str, ...]


class Keep(NamedTuple):
    format: str
    lines: tuple[str, ...]
    tokens: tuple[str, ...]


# --------------------------------------------------------------------------------------
# random helpers
# --------------------------------------------------------------------------------------


def _pick(r: random.Random, alphabet: str, n: int) -> str:
    return "".join(r.choice(alphabet) for _ in range(n))


def _mixed(r: random.Random, alphabet: str, n: int) -> str:
    """Random string that contains at least one upper, one lower and one digit."""
    while True:
        s = _pick(r, alphabet, n)
        if (
            any(c.isupper() for c in s)
            and any(c.islower() for c in s)
            and any(c.isdigit() for c in s)
        ):
            return s


_PW_WORDS = [
    "Falcon",
    "Copper",
    "Orchid",
    "Tundra",
    "Velvet",
    "Harbor",
    "Quartz",
    "Ember",
    "Lantern",
    "Cobalt",
    "Meadow",
    "Saffron",
    "Glacier",
    "Thistle",
    "Summit",
    "Juniper",
    "Pelican",
    "Marble",
    "Nimbus",
    "Osprey",
    "Basalt",
    "Cinder",
    "Dynamo",
    "Fjord",
    "Gazebo",
    "Kestrel",
]
_SEASONS = ["Winter", "Spring", "Summer", "Autumn", "Herbst", "Verano", "Invierno", "Sommer"]


def _pw(r: random.Random) -> str:
    style = r.randrange(6)
    if style == 0:
        return r.choice(_PW_WORDS) + r.choice("!#%*+=") + _pick(r, DIGITS, r.randint(3, 5))
    if style == 1:
        while True:
            s = _pick(r, ALNUM + SAFE_SYM, r.randint(12, 18))
            if (
                any(c in SAFE_SYM for c in s)
                and any(c.isdigit() for c in s)
                and any(c.isupper() for c in s)
            ):
                return s
    if style == 2:
        a, b = r.sample(_PW_WORDS, 2)
        return a.lower() + b + _pick(r, DIGITS, 2) + r.choice("!#%*")
    if style == 3:
        return (
            r.choice(_SEASONS) + str(r.randint(2019, 2026)) + r.choice("!#*") + _pick(r, DIGITS, 2)
        )
    if style == 4:
        return _mixed(r, ALNUM, r.randint(10, 16)) + r.choice(SAFE_SYM)
    a, b, c = r.sample(_PW_WORDS, 3)
    return f"{a}-{b.lower()}-{r.randint(10, 99)}-{c}"


def _pwa(r: random.Random, n: str = "") -> str:
    return _mixed(r, ALNUM, int(n) if n else r.randint(10, 16))


def _pwu(r: random.Random) -> str:
    while True:
        s = _pick(r, ALNUM + "-_.~", r.randint(12, 18))
        if (
            any(c.isdigit() for c in s)
            and any(c.isupper() for c in s)
            and any(c in "-_.~" for c in s)
        ):
            return s


def _pws(r: random.Random) -> str:
    """Password with characters that need URL escaping."""
    while True:
        s = _pick(r, ALNUM, r.randint(8, 12))
        pos = sorted(r.sample(range(len(s)), 2))
        specials = r.sample("@:/+&=?#%$!", 2)
        lst = list(s)
        for p, ch in zip(pos, specials, strict=True):
            lst.insert(p + 1, ch)
        out = "".join(lst)
        if any(c.isdigit() for c in out):
            return out


_TYPE7_XLAT = "dsfd;kfoA,.iyewrkldJKDHSUBsgvca69834ncxv9873254k;fg87"


def _type7(r: random.Random) -> str:
    pw = _pwa(r, str(r.randint(8, 12)))
    seed = r.randint(0, 15)
    return f"{seed:02d}" + "".join(
        f"{ord(c) ^ ord(_TYPE7_XLAT[(seed + i) % len(_TYPE7_XLAT)]):02X}" for i, c in enumerate(pw)
    )


_JUNOS9 = "QzF3n6/9CAtpu0OB1IREhcSyrleKvMW8LXx7N-dVbwsY2g4oaJZGUDjiHkq.mPf5T"


def _junos9(r: random.Random) -> str:
    return "$9$" + _pick(r, _JUNOS9, r.randint(18, 34))


def _wasxor(r: random.Random) -> str:
    pw = _pw(r)
    return base64.b64encode(bytes(ord(c) ^ 0x5F for c in pw)).decode()


def _b64of(r: random.Random, inner: str = "pw") -> str:
    return base64.b64encode(_gen_secret(r, inner).encode()).decode()


def _hexof(r: random.Random, inner: str = "pw") -> str:
    return _gen_secret(r, inner).encode().hex()


def _urlenc(r: random.Random, inner: str = "pws") -> str:
    return urllib.parse.quote(_gen_secret(r, inner), safe="")


def _basic(r: random.Random) -> str:
    user = r.choice(_USERS).replace("@", "")
    return base64.b64encode(f"{user}:{_pw(r)}".encode()).decode()


def _plainauth(r: random.Random) -> str:
    user = r.choice(_USERS)
    return base64.b64encode(f"\0{user}\0{_pw(r)}".encode()).decode()


def _b64(r: random.Random, nbytes: str = "32") -> str:
    return base64.b64encode(r.randbytes(int(nbytes))).decode()


def _b64u(r: random.Random, n: str = "43") -> str:
    return _mixed(r, B64U, int(n))


def _jwt(r: random.Random, alg: str = "HS256") -> str:
    head = (
        base64.urlsafe_b64encode(
            json.dumps({"alg": alg, "typ": "JWT"}, separators=(",", ":")).encode()
        )
        .decode()
        .rstrip("=")
    )
    now = 1795000000 + r.randint(0, 9_000_000)
    body = {"sub": str(r.randint(10000, 99999)), "iat": now, "exp": now + 3600}
    if r.random() < 0.5:
        body["scope"] = r.choice(["admin", "read write", "payments:refund", "ops"])
    if r.random() < 0.5:
        body["jti"] = _pick(r, HEXL, 16)
    payload = (
        base64.urlsafe_b64encode(json.dumps(body, separators=(",", ":")).encode())
        .decode()
        .rstrip("=")
    )
    sig = _mixed(r, B64U, 86 if alg.startswith("RS") else 43)
    return f"{head}.{payload}.{sig}"


def _tok(r: random.Random, prefix: str, kind: str, n: str) -> str:
    return prefix + _gen_secret(r, f"{kind}({n})")


def _slackb(r: random.Random) -> str:
    return f"xoxb-{r.randint(10**10, 10**12)}-{r.randint(10**12, 10**13)}-{_mixed(r, ALNUM, 24)}"


def _slackp(r: random.Random) -> str:
    return f"xoxp-{r.randint(10**10, 10**12)}-{r.randint(10**10, 10**12)}-{r.randint(10**12, 10**13)}-{_pick(r, HEXL, 32)}"


def _discord(r: random.Random) -> str:
    uid = base64.b64encode(str(r.randint(10**17, 10**18)).encode()).decode().rstrip("=")
    return f"{uid}.{_mixed(r, B64U, 6)}.{_mixed(r, B64U, 38)}"


def _telegram(r: random.Random) -> str:
    return f"{r.randint(10**9, 10**10)}:AA{_mixed(r, B64U, 33)}"


def _sendgrid(r: random.Random) -> str:
    return f"SG.{_mixed(r, B64U, 22)}.{_mixed(r, B64U, 43)}"


def _tfc(r: random.Random) -> str:
    return f"{_mixed(r, ALNUM, 14)}.atlasv1.{_mixed(r, ALNUM, 67)}"


def _atlassian(r: random.Random) -> str:
    return "ATATT3xFfGF0" + _mixed(r, B64U, 170) + "=" + _pick(r, HEXU, 8)


def _ghpat(r: random.Random) -> str:
    return f"github_pat_11{_pick(r, UPPER + DIGITS, 20)}_{_mixed(r, ALNUM, 59)}"


def _aws_secret(r: random.Random) -> str:
    return _mixed(r, ALNUM + "+/", 40)


def _aws_session(r: random.Random) -> str:
    return "IQoJb3JpZ2luX2VjE" + _mixed(r, B64, 300) + "=="


def _azure_key(r: random.Random) -> str:
    return base64.b64encode(r.randbytes(64)).decode()


def _sas_sig(r: random.Random) -> str:
    return urllib.parse.quote(base64.b64encode(r.randbytes(32)).decode(), safe="")


def _pemline(r: random.Random) -> str:
    return base64.b64encode(r.randbytes(48)).decode()


def _pemrsa1(r: random.Random) -> str:
    return ("MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQ" + _mixed(r, B64, 64))[:64]


def _pemrsa1b(r: random.Random) -> str:
    return ("MIIEowIBAAKCAQEA" + _mixed(r, B64, 64))[:64]


def _pemec1(r: random.Random) -> str:
    return ("MHcCAQEEI" + _mixed(r, B64, 64))[:64]


def _wgkey(r: random.Random) -> str:
    return base64.b64encode(r.randbytes(32)).decode()


def _age(r: random.Random) -> str:
    return "AGE-SECRET-KEY-1" + _pick(r, "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L", 58)


def _nkey(r: random.Random) -> str:
    return "SUA" + _pick(r, B32, 55)


def _bitlocker(r: random.Random) -> str:
    return "-".join(f"{r.randint(0, 65535) * 11:06d}" for _ in range(8))


def _filevault(r: random.Random) -> str:
    return "-".join(_pick(r, UPPER + DIGITS, 4) for _ in range(6))


def _rcode(r: random.Random) -> str:
    return f"{_pick(r, HEXL, 5)}-{_pick(r, HEXL, 5)}"


def _rcode8(r: random.Random) -> str:
    return f"{_pick(r, DIGITS, 4)} {_pick(r, DIGITS, 4)}"


def _pin(r: random.Random, n: str = "6") -> str:
    while True:
        s = _pick(r, DIGITS, int(n))
        if len(set(s)) > 2:
            return s


def _fortienc(r: random.Random) -> str:
    return base64.b64encode(r.randbytes(r.choice([72, 84, 96]))).decode()


def _huawei(r: random.Random) -> str:
    return "%^%#" + _pick(r, ALNUM + "!'()*+,-./:;<=>?[]`{|}", 40) + "%^%#"


def _gpp(r: random.Random) -> str:
    return base64.b64encode(r.randbytes(32)).decode().rstrip("=")


def _sshline(r: random.Random) -> str:
    return base64.b64encode(r.randbytes(52)).decode()[:70]


def _ppkline(r: random.Random) -> str:
    return base64.b64encode(r.randbytes(48)).decode()


def _pgpline(r: random.Random) -> str:
    return base64.b64encode(r.randbytes(48)).decode()


def _lowdig(r: random.Random, n: str = "16") -> str:
    while True:
        s = _pick(r, LOWER + DIGITS, int(n))
        if any(c.isdigit() for c in s) and any(c.isalpha() for c in s):
            return s


def _updig(r: random.Random, n: str = "16") -> str:
    while True:
        s = _pick(r, UPPER + DIGITS, int(n))
        if any(c.isdigit() for c in s) and any(c.isalpha() for c in s):
            return s


def _hexsep(r: random.Random, n: str = "16", sep: str = ":") -> str:
    return sep.join(_pick(r, HEXU, 2) for _ in range(int(n)))


def _passphrase(r: random.Random) -> str:
    a, b, c, d = r.sample(_PW_WORDS, 4)
    return f"{a.lower()} {b.lower()} {c.lower()} {d.lower()} {r.randint(10, 99)}"


def _azpat(r: random.Random) -> str:
    return _pick(r, "abcdefghijklmnopqrstuvwxyz234567", 52)


def _vault(r: random.Random) -> str:
    return "hvs." + _mixed(r, ALNUM + "_-", 24)


def _vault_long(r: random.Random) -> str:
    return "hvs.CAESI" + _mixed(r, ALNUM + "_-", 80)


def _pinblock(r: random.Random) -> str:
    return _pick(r, HEXU, 16)


def _snmpkey(r: random.Random) -> str:
    return "0x" + _pick(r, HEXL, 40)


def _sapsso(r: random.Random) -> str:
    return "AjExMDAgAA" + _mixed(r, ALNUM + "!%", 90) + "%3d"


def _steam(r: random.Random) -> str:
    return _pick(r, HEXU, 32)


def _mailchimp(r: random.Random) -> str:
    return _pick(r, HEXL, 32) + "-us" + str(r.randint(2, 21))


def _firebase(r: random.Random) -> str:
    return "AAAA" + _mixed(r, B64U, 7) + ":APA91b" + _mixed(r, B64U, 134)


def _mapbox(r: random.Random) -> str:
    return "sk.eyJ1Ijoi" + _mixed(r, B64U, 60) + "." + _mixed(r, B64U, 22)


def _openai(r: random.Random) -> str:
    return "sk-proj-" + _mixed(r, B64U, 74) + "T3BlbkFJ" + _mixed(r, B64U, 74)


def _anthropic(r: random.Random) -> str:
    return "sk-ant-api03-" + _mixed(r, B64U, 93) + "AA"


def _akab(r: random.Random) -> str:
    return f"akab-{_pick(r, LOWER + DIGITS, 16)}-{_pick(r, LOWER + DIGITS, 16)}"


def _hubspot(r: random.Random) -> str:
    return f"pat-{r.choice(['na1', 'eu1'])}-{uuid.UUID(int=r.getrandbits(128), version=4)}"


def _uuid4s(r: random.Random) -> str:
    return str(uuid.UUID(int=r.getrandbits(128), version=4))


def _postman(r: random.Random) -> str:
    return f"PMAK-{_pick(r, HEXL, 24)}-{_pick(r, HEXL, 34)}"


def _grafana(r: random.Random) -> str:
    return f"glsa_{_mixed(r, ALNUM, 32)}_{_pick(r, HEXL, 8)}"


def _pypi(r: random.Random) -> str:
    return "pypi-AgEIcHlwaS5vcmc" + _mixed(r, B64U, 120)


def _checkout(r: random.Random) -> str:
    return f"sk_{_uuid4s(r)}"


def _braintree(r: random.Random) -> str:
    return f"access_token$production${_lowdig(r, '16')}${_pick(r, HEXL, 32)}"


def _adyen(r: random.Random) -> str:
    return (
        "AQE"
        + _mixed(r, ALNUM, 40)
        + "+"
        + _mixed(r, ALNUM + "+/", 60)
        + "=-"
        + _mixed(r, ALNUM + "%", 40)
        + "=-"
        + _mixed(r, ALNUM, 16)
    )


def _paypal(r: random.Random) -> str:
    return "E" + _mixed(r, B64U, 79)


def _square(r: random.Random) -> str:
    return "EAAA" + _mixed(r, B64U, 60)


def _shopify(r: random.Random, kind: str = "shpat") -> str:
    return f"{kind}_{_pick(r, HEXL, 32)}"


def _twilio_sk(r: random.Random) -> str:
    return "SK" + _pick(r, HEXL, 32)


def _dop(r: random.Random) -> str:
    return "dop_v1_" + _pick(r, HEXL, 64)


def _ibmkey(r: random.Random) -> str:
    return _mixed(r, B64U, 44)


def _tencent(r: random.Random) -> str:
    return _mixed(r, ALNUM, 32)


def _b2(r: random.Random) -> str:
    return "K00" + str(r.randint(1, 5)) + _mixed(r, ALNUM + "/+", 27)


def _cfkey(r: random.Random) -> str:
    return _pick(r, HEXL, 37)


def _oktassws(r: random.Random) -> str:
    return "00" + _mixed(r, B64U, 40)


def _nrak(r: random.Random) -> str:
    return "NRAK-" + _updig(r, "27")


def _nrlicense(r: random.Random) -> str:
    return _pick(r, HEXL, 36) + "NRAL"


def _doppler(r: random.Random) -> str:
    return "dp.st.prd." + _mixed(r, ALNUM, 40)


def _linear(r: random.Random) -> str:
    return "lin_api_" + _mixed(r, ALNUM, 40)


def _npm(r: random.Random) -> str:
    return "npm_" + _mixed(r, ALNUM, 36)


def _glpat(r: random.Random) -> str:
    return "glpat-" + _mixed(r, ALNUM + "-_", 20)


def _glrt(r: random.Random) -> str:
    return "glrt-" + _mixed(r, ALNUM + "-_", 20)


def _ghp(r: random.Random, kind: str = "ghp") -> str:
    return f"{kind}_" + _mixed(r, ALNUM, 36)


def _bbapp(r: random.Random) -> str:
    return "ATBB" + _mixed(r, ALNUM, 32)


def _fivem(r: random.Random) -> str:
    return "cfxk_" + _mixed(r, ALNUM, 20) + "_" + _mixed(r, ALNUM, 6)


def _factorio(r: random.Random) -> str:
    return _pick(r, HEXL, 30)


def _lorakey(r: random.Random) -> str:
    return _pick(r, HEXU, 32)


def _rcon(r: random.Random) -> str:
    return _mixed(r, ALNUM, r.randint(10, 14))


def _azclient(r: random.Random) -> str:
    return _mixed(r, ALNUM, 3) + "8Q~" + _mixed(r, ALNUM + "_.-~", 34)


def _gcpkey(r: random.Random) -> str:
    return "AIza" + _mixed(r, B64U, 35)


def _duo(r: random.Random) -> str:
    return _mixed(r, ALNUM, 40)


def _splunk(r: random.Random) -> str:
    return _uuid4s(r).upper()


def _mscookie(r: random.Random) -> str:
    return _pick(r, HEXU, 256)


def _phpsess(r: random.Random) -> str:
    return _lowdig(r, "26")


def _laravel(r: random.Random) -> str:
    return "eyJpdiI6I" + _mixed(r, ALNUM, 180) + "%3D%3D"


def _connectsid(r: random.Random) -> str:
    return "s%3A" + _mixed(r, B64U, 32) + "." + _mixed(r, ALNUM, 43) + "%2B"


def _django_sk(r: random.Random) -> str:
    return (
        "django-insecure-" + _pick(r, LOWER + DIGITS + "!@#%^&*(-_=+)", 50)
        if r.random() < 0.3
        else _pick(r, LOWER + DIGITS + "!#%^*-_=+", 50)
    )


def _rails_skb(r: random.Random) -> str:
    return _pick(r, HEXL, 128)


def _laravel_key(r: random.Random) -> str:
    return "base64:" + base64.b64encode(r.randbytes(32)).decode()


def _whsec(r: random.Random) -> str:
    return "whsec_" + _mixed(r, ALNUM, 32)


def _totp(r: random.Random, n: str = "32") -> str:
    return _pick(r, B32, int(n))


def _ms_laps(r: random.Random) -> str:
    return _mixed(r, ALNUM + "!#%+&{}", 20)


def _munge(r: random.Random) -> str:
    return _pick(r, HEXL, 64)


def _jupyter(r: random.Random) -> str:
    return _pick(r, HEXL, 48)


def _globus(r: random.Random) -> str:
    return "Ag" + _mixed(r, ALNUM, 60)


_SECRET_GENS: dict[str, Callable[..., str]] = {
    "pw": _pw,
    "pwa": _pwa,
    "pwu": _pwu,
    "pws": _pws,
    "type7": _type7,
    "junos9": _junos9,
    "wasxor": _wasxor,
    "b64of": _b64of,
    "hexof": _hexof,
    "urlenc": _urlenc,
    "basic": _basic,
    "plainauth": _plainauth,
    "b64": _b64,
    "b64u": _b64u,
    "jwt": _jwt,
    "tok": _tok,
    "slackb": _slackb,
    "slackp": _slackp,
    "discord": _discord,
    "telegram": _telegram,
    "sendgrid": _sendgrid,
    "tfc": _tfc,
    "atlassian": _atlassian,
    "ghpat": _ghpat,
    "aws_secret": _aws_secret,
    "aws_session": _aws_session,
    "azure_key": _azure_key,
    "sas_sig": _sas_sig,
    "pemline": _pemline,
    "pemrsa1": _pemrsa1,
    "pemrsa1b": _pemrsa1b,
    "pemec1": _pemec1,
    "wgkey": _wgkey,
    "age": _age,
    "nkey": _nkey,
    "bitlocker": _bitlocker,
    "filevault": _filevault,
    "rcode": _rcode,
    "rcode8": _rcode8,
    "pin": _pin,
    "fortienc": _fortienc,
    "huawei": _huawei,
    "gpp": _gpp,
    "sshline": _sshline,
    "ppkline": _ppkline,
    "pgpline": _pgpline,
    "lowdig": _lowdig,
    "updig": _updig,
    "hexsep": _hexsep,
    "passphrase": _passphrase,
    "azpat": _azpat,
    "vault": _vault,
    "vault_long": _vault_long,
    "pinblock": _pinblock,
    "snmpkey": _snmpkey,
    "sapsso": _sapsso,
    "steam": _steam,
    "mailchimp": _mailchimp,
    "firebase": _firebase,
    "mapbox": _mapbox,
    "openai": _openai,
    "anthropic": _anthropic,
    "akab": _akab,
    "hubspot": _hubspot,
    "uuid": _uuid4s,
    "postman": _postman,
    "grafana": _grafana,
    "pypi": _pypi,
    "checkout": _checkout,
    "braintree": _braintree,
    "adyen": _adyen,
    "paypal": _paypal,
    "square": _square,
    "shopify": _shopify,
    "twilio_sk": _twilio_sk,
    "dop": _dop,
    "ibmkey": _ibmkey,
    "tencent": _tencent,
    "b2": _b2,
    "cfkey": _cfkey,
    "oktassws": _oktassws,
    "nrak": _nrak,
    "nrlicense": _nrlicense,
    "doppler": _doppler,
    "linear": _linear,
    "npm": _npm,
    "glpat": _glpat,
    "glrt": _glrt,
    "ghp": _ghp,
    "bbapp": _bbapp,
    "fivem": _fivem,
    "factorio": _factorio,
    "lorakey": _lorakey,
    "rcon": _rcon,
    "azclient": _azclient,
    "gcpkey": _gcpkey,
    "duo": _duo,
    "splunk": _splunk,
    "mscookie": _mscookie,
    "phpsess": _phpsess,
    "laravel": _laravel,
    "connectsid": _connectsid,
    "django_sk": _django_sk,
    "rails_skb": _rails_skb,
    "laravel_key": _laravel_key,
    "whsec": _whsec,
    "totp": _totp,
    "ms_laps": _ms_laps,
    "munge": _munge,
    "jupyter": _jupyter,
    "globus": _globus,
    "hex": lambda r, n="32": _pick(r, HEXL, int(n)),
    "HEX": lambda r, n="32": _pick(r, HEXU, int(n)),
    "alnum": lambda r, n="24": _mixed(r, ALNUM, int(n)),
}


def _gen_secret(r: random.Random, spec: str) -> str:
    m = re.fullmatch(r"(\w+)(?:\((.*)\))?", spec)
    if not m:
        raise ValueError(spec)
    name, args = m.group(1), m.group(2)
    fn = _SECRET_GENS[name]
    if args is None or args == "":
        return fn(r)
    return fn(r, *args.split(","))


# --------------------------------------------------------------------------------------
# non-secret filler
# --------------------------------------------------------------------------------------

_USERS = [
    "jdoe",
    "a.kowalski",
    "svc_batch",
    "mmueller",
    "tanaka.k",
    "oncall",
    "deploy",
    "r.silva",
    "lchen",
    "ops-bot",
    "nguyen.van",
    "pperez",
    "svc-report",
    "hdupont",
    "ibekova",
    "admin_ro",
    "j.virtanen",
    "s.yilmaz",
    "m.rossi",
    "kpatel",
    "e.johansson",
    "o.novak",
    "f.haddad",
]
_FIRST = [
    "Anna",
    "Bram",
    "Chen",
    "Dmitri",
    "Elif",
    "Farah",
    "Goran",
    "Hiro",
    "Ines",
    "Jonas",
    "Kavya",
    "Luca",
    "Marta",
    "Nils",
    "Olu",
    "Priya",
    "Quentin",
    "Rosa",
    "Sven",
    "Thu",
]
_DOMAINS = [
    "example.com",
    "corp.example.net",
    "intra.example.org",
    "acme.test",
    "bank.example",
    "plant.example.io",
    "shop.example.co.uk",
]
_HOSTPFX = [
    "app",
    "db",
    "web",
    "edge",
    "batch",
    "erp",
    "mq",
    "pay",
    "auth",
    "core",
    "lb",
    "gw",
    "fs",
    "hpc",
    "voip",
    "iot",
]
_ENVS = ["prd", "prod", "stg", "uat", "dr", "qa", "live"]
_WORDS = [
    "orders",
    "billing",
    "ledger",
    "inventory",
    "payroll",
    "telemetry",
    "crm",
    "fleet",
    "claims",
    "risk",
]


def _ip(r: random.Random) -> str:
    k = r.randrange(3)
    if k == 0:
        return f"10.{r.randint(0, 254)}.{r.randint(0, 254)}.{r.randint(1, 254)}"
    if k == 1:
        return f"192.168.{r.randint(0, 254)}.{r.randint(1, 254)}"
    return f"172.{r.randint(16, 31)}.{r.randint(0, 254)}.{r.randint(1, 254)}"


def _host(r: random.Random) -> str:
    return f"{r.choice(_HOSTPFX)}-{r.choice(_ENVS)}-{r.randint(1, 40):02d}"


def _ts(r: random.Random) -> str:
    return f"2026-{r.randint(9, 11):02d}-{r.randint(1, 28):02d}T{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}.{r.randint(0, 999):03d}Z"


def _tsl(r: random.Random) -> str:
    return f"2026-{r.randint(9, 11):02d}-{r.randint(1, 28):02d} {r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d},{r.randint(0, 999):03d}"


def _sys(r: random.Random) -> str:
    return f"{r.choice(['Sep', 'Oct', 'Nov'])} {r.randint(1, 28):2d} {r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}"


def _clock(r: random.Random) -> str:
    return f"{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}"


def _date(r: random.Random) -> str:
    return f"2026-{r.randint(9, 11):02d}-{r.randint(1, 28):02d}"


def _ver(r: random.Random) -> str:
    return f"{r.randint(1, 14)}.{r.randint(0, 30)}.{r.randint(0, 19)}"


def _pod(r: random.Random) -> str:
    return f"{r.choice(_WORDS)}-{r.choice(['api', 'worker', 'gateway', 'sync'])}-{_pick(r, 'bcdfghjklmnpqrstvwxz2456789', 10)}-{_pick(r, 'bcdfghjklmnpqrstvwxz2456789', 5)}"


def _mac(r: random.Random) -> str:
    return ":".join(_pick(r, HEXL, 2) for _ in range(6))


def _arn(r: random.Random, svc: str = "iam") -> str:
    acct = _pick(r, DIGITS, 12)
    region = r.choice(["us-east-1", "eu-west-1", "eu-central-1", "ap-southeast-2", "sa-east-1"])
    if svc == "kms":
        return f"arn:aws:kms:{region}:{acct}:key/{_uuid4s(r)}"
    if svc == "sm":
        return f"arn:aws:secretsmanager:{region}:{acct}:secret:{r.choice(_WORDS)}/{r.choice(['db', 'api', 'smtp'])}-{_mixed(r, ALNUM, 6)}"
    if svc == "lambda":
        return f"arn:aws:lambda:{region}:{acct}:function:{r.choice(_WORDS)}-rotator"
    return f"arn:aws:iam::{acct}:role/{r.choice(_WORDS)}-{r.choice(['deployer', 'reader', 'rotation'])}"


def _sshfp(r: random.Random) -> str:
    return "SHA256:" + base64.b64encode(r.randbytes(32)).decode().rstrip("=")


def _sha256(r: random.Random) -> str:
    return "sha256:" + _pick(r, HEXL, 64)


_FILL_GENS: dict[str, Callable[..., str]] = {
    "user": lambda r: r.choice(_USERS),
    "first": lambda r: r.choice(_FIRST),
    "host": _host,
    "fqdn": lambda r: f"{_host(r)}.{r.choice(_DOMAINS)}",
    "dom": lambda r: r.choice(_DOMAINS),
    "ip": _ip,
    "ts": _ts,
    "tsl": _tsl,
    "sys": _sys,
    "clock": _clock,
    "date": _date,
    "epoch": lambda r: str(r.randint(1788000000, 1796000000)),
    "pid": lambda r: str(r.randint(1200, 4194000)),
    "num": lambda r, a="1", b="999": str(r.randint(int(a), int(b))),
    "port": lambda r: str(
        r.choice(
            [
                8443,
                9443,
                7001,
                50000,
                5060,
                1883,
                8883,
                1521,
                3306,
                5432,
                27017,
                6379,
                5672,
                1414,
                8080,
            ]
        )
    ),
    "uuid": _uuid4s,
    "UUID": lambda r: _uuid4s(r).upper(),
    "hex": lambda r, n="16": _pick(r, HEXL, int(n)),
    "HEX": lambda r, n="16": _pick(r, HEXU, int(n)),
    "dig": lambda r, n="6": _pick(r, DIGITS, int(n)),
    "word": lambda r: r.choice(_WORDS),
    "pick": lambda r, opts: r.choice(opts.split("|")),
    "ver": _ver,
    "pod": _pod,
    "mac": _mac,
    "region": lambda r: r.choice(["us-east-1", "eu-west-1", "eu-central-1", "ap-southeast-2"]),
    "arn": _arn,
    "sshfp": _sshfp,
    "sha256": _sha256,
    "trace": lambda r: _pick(r, HEXL, 32),
    "span": lambda r: _pick(r, HEXL, 16),
    "gitsha": lambda r: _pick(r, HEXL, 40),
    "short": lambda r: _pick(r, HEXL, 9),
    "podsfx": lambda r: _pick(r, "bcdfghjklmnpqrstvwxz2456789", 5),
    "ms": lambda r: str(r.randint(3, 9000)),
    "serial": lambda r: ":".join(_pick(r, HEXU, 2) for _ in range(16)),
    "thumb": lambda r: _pick(r, HEXU, 40),
    "gpgfp": lambda r: _pick(r, HEXU, 40),
    "lit": lambda r, v: v,
    "jobid": lambda r: f"JOB{r.randint(10000, 99999)}",
    "rid": lambda r: f"req-{_pick(r, HEXL, 8)}-{_pick(r, HEXL, 4)}",
}


def _declist(r: random.Random) -> str:
    return ", ".join(str(r.randint(0, 255)) for _ in range(16))


_SECRET_GENS["declist"] = _declist


def _b64pem(r: random.Random) -> str:
    pem = (
        "-----BEGIN EC PRIVATE KEY-----\n"
        + _pemec1(r)
        + "\n"
        + _pemline(r)[:48]
        + "\n-----END EC PRIVATE KEY-----\n"
    )
    return base64.b64encode(pem.encode()).decode()


def _railscookie(r: random.Random) -> str:
    return _mixed(r, B64U, 120) + "--" + _pick(r, HEXL, 40)


_SECRET_GENS["b64pem"] = _b64pem
_SECRET_GENS["railscookie"] = _railscookie


def _fill_pfx(r: random.Random, prefix: str, gen: str, *args: str) -> str:
    return prefix + _FILL_GENS[gen](r, *args)


_FILL_GENS.update(
    {
        "wgpub": lambda r: base64.b64encode(r.randbytes(32)).decode(),
        "b64": lambda r, n="32": base64.b64encode(r.randbytes(int(n))).decode(),
        "b64u": lambda r, n="43": _pick(r, B64U, int(n)),
        "lowdig": lambda r, n="16": _lowdig(r, n),
        "updig": lambda r, n="16": _updig(r, n),
        "alnum": lambda r, n="24": _pick(r, ALNUM, int(n)),
        "b64user": lambda r: base64.b64encode(r.choice(_USERS).encode()).decode(),
        "fp": lambda r: ":".join(_pick(r, HEXL, 2) for _ in range(16)),
        "pfx": _fill_pfx,
    }
)


# --------------------------------------------------------------------------------------
# template engine
#   ⟦S:gen(args)#k⟧  planted secret (recorded in Case.values)
#   ⟦K:gen(args)#k⟧  diagnostic keep token (recorded in Keep.tokens)
#   ⟦gen(args)#k⟧    ordinary filler
# The same placeholder text inside one template renders to the same string.
# --------------------------------------------------------------------------------------

_PH = re.compile(r"⟦(?:(S|K):)?(\w+)(?:\(([^⟧]*?)\))?(?:#(\w+))?⟧")

_TEMPLATES: list[tuple[str, str, tuple[str, ...]]] = []
_KEEPS: list[tuple[str, tuple[str, ...]]] = []
_family = ""


def _F(name: str) -> None:
    global _family
    _family = name


def _T(fmt: str, *lines: str) -> None:
    _TEMPLATES.append((_family, fmt, lines))


def _K(fmt: str, *lines: str) -> None:
    _KEEPS.append((fmt, lines))


def _render(
    r: random.Random,
    lines: tuple[str, ...],
    avoid: Callable[[str], bool] | None = None,
) -> tuple[tuple[str, ...], list[str], list[str]]:
    cache: dict[str, str] = {}
    secrets: list[str] = []
    keeps: list[str] = []

    def sub(m: re.Match[str]) -> str:
        key = m.group(0)
        if key in cache:
            return cache[key]
        kind, name, args = m.group(1), m.group(2), m.group(3)
        if kind == "S":
            spec = name if args is None else f"{name}({args})"
            val = _gen_secret(r, spec)
            secrets.append(val)
        else:
            fn = _FILL_GENS[name]
            for _ in range(50):
                val = fn(r) if not args else fn(r, *args.split(","))
                if kind != "K" or avoid is None or not avoid(val):
                    break
            if kind == "K":
                keeps.append(val)
        cache[key] = val
        return val

    out = tuple(_PH.sub(sub, ln) for ln in lines)
    return out, secrets, keeps


# ======================================================================================
# CASE TEMPLATES
# ======================================================================================

_F("network_cisco")
_T(
    "ios show run",
    "hostname ⟦host⟧",
    "!",
    "enable secret 0 ⟦S:pw⟧",
    "username ⟦user⟧ privilege 15 password 0 ⟦S:pw#2⟧",
    "!",
)
_T(
    "ios type7",
    "username netops privilege 15 password 7 ⟦S:type7⟧",
    "line vty 0 4",
    " password 7 ⟦S:type7#2⟧",
    " login local",
)
_T(
    "ios snmp",
    "snmp-server community ⟦S:alnum(14)⟧ RW 99",
    "snmp-server location DC2-Row4-Rack17",
    "snmp-server contact noc@⟦dom⟧",
)
_T(
    "ios tacacs",
    "tacacs server ISE-PRIMARY",
    " address ipv4 ⟦ip⟧",
    " key 0 ⟦S:pwa(18)⟧",
    " timeout 5",
)
_T("ios radius", "radius-server host ⟦ip⟧ auth-port 1812 acct-port 1813 key ⟦S:pw⟧")
_T(
    "ios ospf md5",
    "interface GigabitEthernet0/0/1",
    " ip ospf message-digest-key 1 md5 ⟦S:pwa(12)⟧",
    " ip ospf authentication message-digest",
)
_T(
    "ios bgp",
    "router bgp 65010",
    " neighbor ⟦ip⟧ remote-as 64512",
    " neighbor ⟦ip⟧ password ⟦S:pwa(16)⟧",
    " neighbor ⟦ip⟧ update-source Loopback0",
)
_T(
    "asa isakmp",
    "tunnel-group ⟦ip⟧ type ipsec-l2l",
    "tunnel-group ⟦ip⟧ ipsec-attributes",
    " ikev1 pre-shared-key ⟦S:pw⟧",
    " ikev2 remote-authentication pre-shared-key ⟦S:pwa(20)⟧",
)
_T(
    "wlc wpa psk",
    "(Cisco Controller) >show wlan 3",
    "WLAN Identifier.................................. 3",
    "Profile Name..................................... GUEST-⟦word⟧",
    "PSK (ASCII)...................................... ⟦S:pwa(14)⟧",
)
_T(
    "nxos snmpv3",
    "snmp-server user ⟦user⟧ network-admin auth sha ⟦S:pwa(16)⟧ priv aes-128 ⟦S:pwa(16)#2⟧",
)
_T(
    "ios terminal session",
    "⟦host⟧#conf t",
    "Enter configuration commands, one per line.  End with CNTL/Z.",
    "⟦host⟧(config)#crypto isakmp key ⟦S:pw⟧ address ⟦ip⟧",
    "⟦host⟧(config)#end",
    "%SYS-5-CONFIG_I: Configured from console by ⟦user⟧ on vty0 (⟦ip⟧)",
)

_F("network_junos_other")
_T(
    "junos set",
    'set system login user ⟦user⟧ authentication encrypted-password "⟦S:junos9⟧"',
    "set system login user ⟦user⟧ class super-user",
)
_T(
    "junos radius",
    'set system radius-server ⟦ip⟧ secret "⟦S:junos9⟧"',
    "set system radius-server ⟦ip⟧ source-address 10.0.0.1",
)
_T(
    "junos bgp",
    "protocols {",
    "    bgp {",
    "        group EBGP-TRANSIT {",
    '            authentication-key "⟦S:junos9⟧"; ## SECRET-DATA',
    "        }",
    "    }",
    "}",
)
_T(
    "junos snmp plaintext",
    "root@⟦host⟧# set snmp community ⟦S:alnum(16)⟧ authorization read-only",
    "root@⟦host⟧# commit check",
    "configuration check succeeds",
)
_T(
    "fortios local user",
    "config user local",
    '    edit "⟦user⟧"',
    "        set type password",
    "        set passwd ENC ⟦S:fortienc⟧",
    "    next",
    "end",
)
_T(
    "fortios ipsec",
    "config vpn ipsec phase1-interface",
    '    edit "to-⟦word⟧"',
    "        set remote-gw ⟦ip⟧",
    "        set psksecret ⟦S:pw⟧",
    "    next",
)
_T(
    "fortios ldap",
    "config user ldap",
    '    edit "AD-⟦word⟧"',
    '        set server "⟦ip⟧"',
    '        set dn "dc=corp,dc=example,dc=net"',
    '        set username "CN=svc_fgt,OU=Service,DC=corp,DC=example,DC=net"',
    "        set password ⟦S:pwa(15)⟧",
)
_T(
    "paloalto set",
    "set deviceconfig system hostname pa-⟦host⟧",
    "set shared server-profile ldap AD server dc1 address ⟦ip⟧",
    "set shared server-profile ldap AD bind-password ⟦S:pw⟧",
)
_T(
    "arista eos",
    "username ⟦user⟧ privilege 15 role network-admin secret 0 ⟦S:pw⟧",
    "management api http-commands",
    "   no shutdown",
)
_T(
    "huawei vrp",
    "aaa",
    " local-user ⟦user⟧ password cipher ⟦S:huawei⟧",
    " local-user ⟦user⟧ privilege level 15",
    " local-user ⟦user⟧ service-type ssh",
)

_F("network_vendors_misc")
_T(
    "mikrotik export",
    "/user add name=⟦user⟧ group=full password=⟦S:pwa(14)⟧",
    "/ip service set api-ssl certificate=api.crt",
)
_T(
    "mikrotik wifi",
    "/interface wireless security-profiles",
    "add authentication-types=wpa2-psk mode=dynamic-keys name=corp wpa2-pre-shared-key=⟦S:pwa(16)⟧",
)
_T(
    "procurve",
    "HP-2920-48G# show running-config",
    'password manager user-name "⟦user⟧" plaintext "⟦S:pw⟧"',
    'snmp-server community "⟦S:alnum(12)⟧" unrestricted',
)
_T(
    "edgeos",
    "service {",
    "    snmp {",
    "        community ⟦S:alnum(15)⟧ {",
    "            authorization ro",
    "        }",
    "    }",
    "}",
)
_T(
    "pfsense xml",
    "<ipsec>",
    "  <phase1>",
    "    <remote-gateway>⟦ip⟧</remote-gateway>",
    "    <pre-shared-key>⟦S:pwa(24)⟧</pre-shared-key>",
    "  </phase1>",
)
_T(
    "f5 tmsh",
    "[root@bigip:Active:Standalone] config # tmsh modify auth password-policy",
    "[root@bigip:Active:Standalone] config # tmsh create auth user ⟦user⟧ password ⟦S:pw⟧ partition-access add { all-partitions { role admin } }",
)
_T(
    "citrix adc",
    '> add authentication ldapAction LDAP_⟦word⟧ -serverIP ⟦ip⟧ -ldapBase "dc=corp,dc=example" -ldapBindDn svc_adc@corp.example -ldapBindDnPassword ⟦S:pw⟧ -ldapLoginName sAMAccountName',
    " Done",
)
_T(
    "ubiquiti unifi",
    '{"name":"Site ⟦word⟧","x_passphrase":"⟦S:pwa(16)⟧","security":"wpapsk","wpa_mode":"wpa2"}',
)
_T(
    "checkpoint clish",
    "gw-⟦host⟧> set user admin password-hash $6$rounds=5000$⟦hex(8)⟧$",
    "gw-⟦host⟧> set expert-password",
    "Enter new expert password: ⟦S:pw⟧",
    "Enter new expert password (again): ⟦S:pw⟧",
)
_T(
    "dell os10",
    "OS10(config)# radius-server host ⟦ip⟧ key 9 ⟦S:hex(64)⟧",
    "OS10(config)# snmp-server community ⟦S:alnum(12)⟧ ro",
)

_F("firmware_embedded")
_T(
    "uboot printenv",
    "=> printenv",
    "bootargs=console=ttyS0,115200 root=/dev/mmcblk0p2 rootwait",
    "wifi_ssid=OT-⟦word⟧",
    "wifi_psk=⟦S:pwa(16)⟧",
    "ethaddr=⟦mac⟧",
)
_T(
    "openwrt uci",
    "root@OpenWrt:~# uci show wireless",
    "wireless.default_radio0.encryption='psk2'",
    "wireless.default_radio0.key='⟦S:pwa(14)⟧'",
    "wireless.default_radio0.ssid='⟦word⟧-5G'",
)
_T(
    "nvram show",
    "# nvram show | grep -i pass",
    "http_passwd=⟦S:pw⟧",
    "wl0_wpa_psk=⟦S:pwa(18)⟧",
    "size: 34212 bytes (31324 left)",
)
_T(
    "esp-idf log",
    "I (1432) wifi:connecting to ⟦word⟧-IoT",
    "D (1436) app_main: sta config ssid=⟦word⟧-IoT password=⟦S:pwa(13)⟧ bssid_set=0",
    "I (2711) esp_netif_handlers: sta ip: ⟦ip⟧",
)
_T(
    "busybox dmesg",
    "[   12.408113] ppp0: chap-secrets loaded",
    '[   12.408190] pppd[⟦pid⟧]: sent [PAP AuthReq id=0x1 user="⟦user⟧@isp" password="⟦S:pwa(12)⟧"]',
)
_T(
    "fw_env serial console",
    "U-Boot 2021.07 (Jun 03 2026 - 11:02:51 +0000)",
    "Hit any key to stop autoboot:  0",
    "=> setenv factory_token ⟦S:hex(40)⟧",
    "=> saveenv",
    "Saving Environment to SPI Flash... OK",
)
_T(
    "router backup cfg",
    "; Configuration backup of ⟦host⟧ firmware ⟦ver⟧",
    "[pppoe]",
    "username=⟦user⟧",
    "password=⟦S:pw⟧",
    "[tr069]",
    "acs_password=⟦S:pwa(20)⟧",
)
_T(
    "binwalk strings",
    "$ strings -n 8 firmware.bin | grep -iE 'pass|key'",
    "DEFAULT_ADMIN_PASS=⟦S:pwa(12)⟧",
    "ota_signing_hmac=⟦S:hex(64)⟧",
)
_T(
    "uart root shell",
    "BusyBox v1.36.1 built-in shell (ash)",
    "# cat /etc/config/cloud.conf",
    "device_secret ⟦S:alnum(32)⟧",
    "product_key a1⟦lowdig(9)⟧",
)
_T(
    "tr-069 inform",
    '<cwmp:SetParameterValues><ParameterList><ParameterValueStruct><Name>InternetGatewayDevice.ManagementServer.ConnectionRequestPassword</Name><Value xsi:type="xsd:string">⟦S:pwa(16)⟧</Value></ParameterValueStruct></ParameterList></cwmp:SetParameterValues>',
)

_F("iot_devices")
_T(
    "mosquitto passwd cli",
    "$ mosquitto_pub -h mqtt.⟦dom⟧ -p 8883 -u ⟦user⟧ -P '⟦S:pw⟧' -t plant/line3/cmd -m reboot",
)
_T(
    "mqtt connect trace",
    "⟦tsl⟧ DEBUG paho.mqtt: Sending CONNECT (u1, p1, wr0, wq0, wf0, c1, k60) client_id=b'sensor-⟦hex(6)⟧' username=b'⟦user⟧' password=b'⟦S:pwa(20)⟧'",
)
_T(
    "aws iot provisioning",
    '{"certificateOwnershipToken":"⟦S:b64(96)⟧","certificateId":"⟦hex(64)⟧"}',
)
_T(
    "lorawan appkey",
    "2026/11/20 ⟦clock⟧ chirpstack: device activated dev_eui=70b3d5⟦hex(10)⟧ app_key=⟦S:lorakey⟧ join_eui=0000000000000000",
)
_T("zigbee2mqtt config", "advanced:", "  network_key: [⟦S:declist⟧]", "  pan_id: 6754")
_T(
    "homeassistant secrets",
    "# /config/secrets.yaml",
    'mqtt_password: "⟦S:pw⟧"',
    "tesla_token: ⟦S:b64u(120)⟧",
    "latitude_home: 52.37",
)
_T(
    "tasmota console",
    "⟦clock⟧ CMD: Backlog MqttUser ⟦user⟧; MqttPassword ⟦S:pwa(12)⟧; Topic ⟦word⟧",
    '⟦clock⟧ MQT: stat/tasmota/RESULT = {"MqttPassword":"⟦S:pwa(12)⟧"}',
)
_T(
    "azure iot conn",
    "IOTHUB_DEVICE_CONNECTION_STRING=HostName=⟦word⟧-hub.azure-devices.net;DeviceId=gw-⟦num(10,99)⟧;SharedAccessKey=⟦S:b64(32)⟧",
)
_T(
    "modbus gateway web",
    "POST /cgi-bin/login.cgi HTTP/1.1",
    "Host: ⟦ip⟧",
    "Content-Type: application/x-www-form-urlencoded",
    "",
    "user=admin&pwd=⟦S:pwa(10)⟧&lang=en",
)
_T(
    "camera rtsp",
    "ffmpeg -rtsp_transport tcp -i rtsp://admin:⟦S:pwa(12)⟧@⟦ip⟧:554/Streaming/Channels/101 -t 10 /tmp/cam.mp4",
)

_F("bmc_ipmi_oob")
_T(
    "ipmitool",
    "# ipmitool -I lanplus -H ⟦ip⟧ -U ADMIN -P ⟦S:pwa(12)⟧ chassis power cycle",
    "Chassis Power Control: Cycle",
)
_T(
    "racadm",
    "$ racadm -r idrac-⟦host⟧ -u root -p ⟦S:pw⟧ serveraction hardreset",
    "Server power operation successful",
)
_T(
    "racadm set",
    "racadm set iDRAC.Users.3.Password ⟦S:pw⟧",
    "[Key=iDRAC.Embedded.1#Users.3]",
    "Object value modified successfully",
)
_T(
    "ilo xml",
    '<RIBCL VERSION="2.0">',
    ' <LOGIN USER_LOGIN="Administrator" PASSWORD="⟦S:pwa(8)⟧">',
    '  <SERVER_INFO MODE="read"><GET_HOST_POWER_STATUS/></SERVER_INFO>',
    " </LOGIN>",
    "</RIBCL>",
)
_T(
    "redfish curl",
    "curl -sk -u root:⟦S:pw⟧ https://⟦ip⟧/redfish/v1/Systems/System.Embedded.1 | jq .PowerState",
)
_T("apc ups", "apc>user -n apc -pw ⟦S:pwa(10)⟧", "E000: Success")
_T(
    "supermicro ipmicfg",
    "[root@⟦host⟧ ~]# ./IPMICFG-Linux.x86_64 -user setpwd 2 ⟦S:pwa(14)⟧",
    "Done.",
)
_T(
    "ipmi sol log",
    "⟦sys⟧ ⟦host⟧ ipmiseld[⟦pid⟧]: SEL poll via lan user=ADMIN pass=⟦S:pwa(10)⟧ host=⟦ip⟧ failed: Unable to establish IPMI v2 / RMCP+ session",
)
_T("xcc onecli", 'OneCli.exe config set IMM.Password.1 "⟦S:pw⟧" --bmc USERID:⟦S:pw#2⟧@⟦ip⟧')
_T(
    "pdu snmp",
    "snmpset -v3 -l authPriv -u pduadmin -a SHA -A ⟦S:pwa(16)⟧ -x AES -X ⟦S:pwa(16)#2⟧ ⟦ip⟧ PowerNet-MIB::rPDUOutletControlOutletCommand.7 i 3",
)

_F("java_appserver")
_T(
    "weblogic boot.properties",
    "# cat $DOMAIN_HOME/servers/AdminServer/security/boot.properties",
    "username=weblogic",
    "password=⟦S:pw⟧",
)
_T(
    "weblogic wlst",
    "wls:/offline> connect('weblogic','⟦S:pw⟧','t3://⟦host⟧:7001')",
    "Connecting to t3://⟦host⟧:7001 with userid weblogic ...",
    'Successfully connected to Admin Server "AdminServer" that belongs to domain "⟦word⟧_domain".',
)
_T(
    "websphere xor",
    '<authDataEntries xmi:id="JAASAuthData_⟦dig(13)⟧" alias="⟦host⟧/DB2Auth" userId="db2inst1" password="{xor}⟦S:wasxor⟧" description=""/>',
)
_T(
    "jboss standalone",
    '<datasource jndi-name="java:jboss/datasources/⟦word⟧DS" pool-name="⟦word⟧DS">',
    "    <connection-url>jdbc:oracle:thin:@⟦host⟧:1521/ORCLPDB1</connection-url>",
    "    <security>",
    "        <user-name>app_⟦word⟧</user-name>",
    "        <password>⟦S:pw⟧</password>",
    "    </security>",
    "</datasource>",
)
_T(
    "tomcat users",
    "<tomcat-users>",
    '  <role rolename="manager-gui"/>',
    '  <user username="⟦user⟧" password="⟦S:pw⟧" roles="manager-gui,admin-gui"/>',
    "</tomcat-users>",
)
_T(
    "jvm args ps",
    "tomcat   ⟦pid⟧  3.1 12.4 /usr/lib/jvm/java-17/bin/java -Xmx4g -Djavax.net.ssl.keyStore=/opt/app/conf/server.jks -Djavax.net.ssl.keyStorePassword=⟦S:pwa(16)⟧ -Djavax.net.ssl.trustStorePassword=⟦S:pwa(12)#2⟧ org.apache.catalina.startup.Bootstrap start",
)
_T(
    "glassfish asadmin",
    "$ cat /tmp/pwdfile",
    "AS_ADMIN_PASSWORD=⟦S:pw⟧",
    "AS_ADMIN_MASTERPASSWORD=⟦S:pwa(12)⟧",
    "$ asadmin --user admin --passwordfile /tmp/pwdfile start-domain domain1",
)
_T(
    "spring boot actuator env",
    '"spring.datasource.password": {"value": "⟦S:pw⟧", "origin": "System Environment Property \\"SPRING_DATASOURCE_PASSWORD\\""},',
)
_T(
    "catalina.out jndi",
    "⟦date⟧ 04:11:02.117 SEVERE [main] org.apache.catalina.core.NamingContextListener.addResource Failed to create resource jdbc/⟦word⟧ url=jdbc:sqlserver://⟦host⟧:1433;databaseName=⟦word⟧;user=sa;password=⟦S:pw⟧",
)
_T(
    "wildfly cli",
    '[standalone@localhost:9990 /] /subsystem=elytron/credential-store=cs:add-alias(alias=db-pass, secret-value="⟦S:pw⟧")',
    '{"outcome" => "success"}',
)
_T(
    "liberty server.xml",
    '<keyStore id="defaultKeyStore" password="⟦S:pwa(14)⟧" />',
    '<basicRegistry><user name="admin" password="⟦S:pw⟧" /></basicRegistry>',
)

_F("sap_systems")
_T(
    "jco properties",
    "jco.client.ashost=⟦host⟧",
    "jco.client.sysnr=00",
    "jco.client.client=100",
    "jco.client.user=RFC_⟦word⟧",
    "jco.client.passwd=⟦S:pw⟧",
    "jco.client.lang=EN",
)
_T(
    "hdbuserstore",
    "sapadm@⟦host⟧:~> hdbuserstore SET BACKUPKEY ⟦host⟧:30013@SYSTEMDB SYSTEM ⟦S:pw⟧",
    "sapadm@⟦host⟧:~> hdbuserstore LIST BACKUPKEY",
)
_T(
    "hdbsql",
    '⟦host⟧:/usr/sap/HDB/HDB00> hdbsql -i 00 -d SYSTEMDB -u SYSTEM -p "⟦S:pw⟧" "SELECT * FROM M_DATABASES"',
)
_T("saprouttab", "# saprouttab", "P ⟦ip⟧ ⟦ip#2⟧ 3299 ⟦S:pwa(8)⟧", "D * * *")
_T(
    "sapcontrol",
    "sapcontrol -nr 01 -host ⟦host⟧ -user ⟦pick(c11adm|p01adm|e2eadm)⟧ ⟦S:pw⟧ -function GetProcessList",
)
_T(
    "sm59 rfc trace",
    "⟦tsl⟧ RFC trace: RfcOpenConnection(ASHOST=⟦host⟧ SYSNR=02 CLIENT=400 USER=WF-BATCH PASSWD=⟦S:pwa(8)⟧ LANG=DE) rc=RFC_LOGON_FAILURE",
)
_T("mysapsso2 cookie", "Cookie: MYSAPSSO2=⟦S:sapsso⟧; sap-usercontext=sap-client=100")
_T(
    "sapinst params",
    "# inifile.params",
    "NW_GetMasterPassword.masterPwd = ⟦S:pw⟧",
    "hdb.create.dbacockpit.user = true",
    "storageBasedCopy.hdb.systemPassword = ⟦S:pw#2⟧",
)
_T(
    "sap btp destination",
    '{"Name":"S4HANA_⟦word⟧","URL":"https://my⟦dig(6)⟧-api.s4hana.ondemand.com","Authentication":"BasicAuthentication","User":"COMM_USER_⟦word⟧","Password":"⟦S:alnum(40)⟧"}',
)
_T(
    "sap cc stderr",
    'stdout/stderr of SAPCAR: SAPCAR -xvf IMDB_SERVER.SAR -R /hana/shared -password="⟦S:pw⟧"',
)

_F("oracle_stack")
_T(
    "sqlplus",
    "[oracle@⟦host⟧ ~]$ sqlplus system/⟦S:pwa(14)⟧@//⟦host⟧:1521/ORCLPDB1 as sysdba",
    "SQL*Plus: Release 19.0.0.0.0 - Production on Tue Nov 24 02:13:09 2026",
)
_T(
    "expdp",
    'expdp userid="⟦word⟧_owner/⟦S:pwa(12)⟧@PRODDB" schemas=⟦word⟧ directory=DP_DIR dumpfile=⟦word⟧_%U.dmp parallel=4',
)
_T(
    "rman",
    "RMAN> connect target sys/⟦S:pwa(14)⟧@PRODCDB",
    "connected to target database: PRODCDB (DBID=⟦dig(10)⟧)",
)
_T(
    "dbca silent",
    "./dbca -silent -createDatabase -templateName General_Purpose.dbc -gdbname ⟦word⟧ -sysPassword ⟦S:pw⟧ -systemPassword ⟦S:pw#2⟧ -characterSet AL32UTF8",
)
_T(
    "orapki wallet",
    "$ orapki wallet create -wallet /u01/app/oracle/wallet -pwd ⟦S:pw⟧ -auto_login",
    "Oracle PKI Tool Release 19.0.0.0.0 - Production",
    "Operation is successfully completed.",
)
_T(
    "ebs adop",
    "adop phase=prepare apps_password=⟦S:pwa(10)⟧ system_password=⟦S:pwa(10)#2⟧ wlsadmin_password=⟦S:pw⟧",
)
_T(
    "alter user",
    'SQL> ALTER USER app_⟦word⟧ IDENTIFIED BY "⟦S:pw⟧" ACCOUNT UNLOCK;',
    "",
    "User altered.",
)
_T(
    "create db link",
    "CREATE DATABASE LINK ⟦word⟧_lnk CONNECT TO remote_ro IDENTIFIED BY \"⟦S:pwa(14)⟧\" USING '⟦host⟧:1521/REPORTS';",
)
_T(
    "mkstore",
    "$ mkstore -wrl /u01/wallet -createCredential PRODDB app_user ⟦S:pw⟧",
    "Enter wallet password: ",
)
_T(
    "goldengate",
    "GGSCI (⟦host⟧) 3> ALTER CREDENTIALSTORE ADD USER c##ggadmin@PRODCDB PASSWORD ⟦S:pwa(14)⟧ ALIAS ggsrc",
    "Credential store altered.",
)

_F("windows_ad")
_T(
    "net use",
    "C:\\> net use Z: \\\\fs-⟦host⟧\\finance /user:CORP\\⟦user⟧ ⟦S:pw⟧ /persistent:no",
    "The command completed successfully.",
)
_T(
    "cmdkey",
    "C:\\Users\\⟦user⟧> cmdkey /add:TERMSRV/⟦host⟧ /user:CORP\\adm_⟦user⟧ /pass:⟦S:pw⟧",
    "CMDKEY: Credential added successfully.",
)
_T(
    "gpp groups.xml",
    '<User clsid="{DF5F1855-51E5-4d24-8B1A-D9BDE98BA1D1}" name="Administrator (built-in)" image="2" changed="⟦date⟧ 09:14:55" uid="{⟦UUID⟧}">',
    '<Properties action="U" newName="" fullName="" description="" cpassword="⟦S:gpp⟧" changeLogon="0" noChange="0" neverExpires="1" acctDisabled="0" userName="Administrator (built-in)"/></User>',
)
_T(
    "unattend.xml",
    "<AutoLogon>",
    "  <Password>",
    "    <Value>⟦S:b64of(pw)⟧</Value>",
    "    <PlainText>false</PlainText>",
    "  </Password>",
    "  <Username>Administrator</Username>",
    "</AutoLogon>",
)
_T(
    "sc config",
    'C:\\> sc.exe config "⟦word⟧Svc" obj= "CORP\\svc_⟦word⟧" password= "⟦S:pw⟧"',
    "[SC] ChangeServiceConfig SUCCESS",
)
_T(
    "schtasks",
    'schtasks /Create /S ⟦host⟧ /RU CORP\\svc_backup /RP ⟦S:pw⟧ /SC DAILY /TN "Nightly Export" /TR "C:\\jobs\\export.cmd" /ST 02:00',
)
_T(
    "dsadd",
    'dsadd user "CN=⟦first⟧ Test,OU=Staff,DC=corp,DC=example,DC=net" -samid t.⟦user⟧ -pwd ⟦S:pw⟧ -mustchpwd yes',
)
_T(
    "ldp bind",
    "res = ldap_bind_s(ld, 'CN=svc_ldap,OU=Service Accounts,DC=corp,DC=example,DC=net', <unavailable>); // v.3",
    "{NtAuthIdentity: User='svc_ldap'; Pwd='⟦S:pw⟧'; domain = 'CORP'}",
    "Authenticated as: 'CORP\\svc_ldap'.",
)
_T(
    "mimikatz output",
    "Authentication Id : 0 ; ⟦dig(7)⟧ (00000000:000⟦hex(5)⟧)",
    "User Name         : ⟦user⟧",
    "Domain            : CORP",
    "         * Username : ⟦user⟧",
    "         * Domain   : CORP",
    "         * Password : ⟦S:pw⟧",
)
_T(
    "laps attribute",
    "PS C:\\> Get-ADComputer WS-⟦dig(5)⟧ -Properties ms-Mcs-AdmPwd | Select-Object Name, ms-Mcs-AdmPwd",
    "",
    "Name      ms-Mcs-AdmPwd",
    "----      -------------",
    "WS-⟦dig(5)⟧  ⟦S:ms_laps⟧",
)
_T(
    "krb keytab ktpass",
    "ktpass /out http.keytab /princ HTTP/⟦fqdn⟧@CORP.EXAMPLE.NET /mapuser CORP\\svc_http /pass ⟦S:pw⟧ /crypto AES256-SHA1 /ptype KRB5_NT_PRINCIPAL",
)

_F("windows_powershell")
_T(
    "securestring",
    "PS> $pw = ConvertTo-SecureString '⟦S:pw⟧' -AsPlainText -Force",
    "PS> $cred = New-Object System.Management.Automation.PSCredential('CORP\\⟦user⟧', $pw)",
)
_T(
    "psreadline history",
    'Set-ADAccountPassword -Identity ⟦user⟧ -Reset -NewPassword (ConvertTo-SecureString -AsPlainText "⟦S:pw⟧" -Force)',
    "Unlock-ADAccount -Identity ⟦user⟧",
)
_T(
    "invoke-sqlcmd",
    'Invoke-Sqlcmd -ServerInstance "⟦host⟧\\SQL2019" -Database ⟦word⟧ -Username sa -Password \'⟦S:pw⟧\' -Query "EXEC sp_who2"',
)
_T(
    "transcript",
    "**********************",
    "PowerShell transcript start",
    "Start time: 20261121093012",
    "Username: CORP\\⟦user⟧",
    "**********************",
    'PS C:\\> $env:AZURE_CLIENT_SECRET = "⟦S:azclient⟧"',
)
_T(
    "new-localuser",
    'PS C:\\> New-LocalUser -Name "kiosk" -Password (ConvertTo-SecureString "⟦S:pw⟧" -AsPlainText -Force) -PasswordNeverExpires',
)
_T(
    "winrm",
    "PS> winrm set winrm/config/service/auth '@{Basic=\"true\"}'",
    "PS> $s = New-PSSession -ComputerName ⟦host⟧ -Credential (New-Object PSCredential 'Administrator', (ConvertTo-SecureString '⟦S:pw⟧' -AsPlainText -Force))",
)
_T(
    "event 4104 scriptblock",
    "Log Name: Microsoft-Windows-PowerShell/Operational",
    "Event ID: 4104",
    "Creating Scriptblock text (1 of 1):",
    "$wc = New-Object Net.WebClient; $wc.Headers.Add('X-Api-Key','⟦S:alnum(32)⟧'); $wc.DownloadString('https://inv.⟦dom⟧/api/v2/assets')",
)
_T(
    "dsc mof",
    "instance of MSFT_Credential as $MSFT_Credential1ref",
    "{",
    '    Password = "⟦S:pw⟧";',
    '    UserName = "CORP\\\\svc_dsc";',
    "};",
)
_T(
    "iis appcmd",
    'C:\\Windows\\System32\\inetsrv> appcmd set apppool "⟦word⟧Pool" -processModel.userName:CORP\\svc_iis -processModel.password:⟦S:pw⟧ -processModel.identityType:SpecificUser',
)
_T(
    "web.config",
    "<connectionStrings>",
    '  <add name="Main" connectionString="Data Source=⟦host⟧;Initial Catalog=⟦word⟧;User ID=app;Password=⟦S:pw⟧;Encrypt=True" providerName="System.Data.SqlClient" />',
    "</connectionStrings>",
)

_F("mainframe_zos")
_T(
    "jcl job card",
    "//⟦pick(PAYR|BILL|GLED)⟧001 JOB (ACCT),'NIGHTLY',CLASS=A,MSGCLASS=X,",
    "//             USER=BATCH01,PASSWORD=⟦S:updig(8)⟧,NOTIFY=&SYSUID",
    "//STEP1    EXEC PGM=IEFBR14",
)
_T(
    "racf alu",
    "READY",
    "ALTUSER ⟦pick(OPS|TSO|CICS)⟧⟦dig(3)⟧ PASSWORD(⟦S:updig(8)⟧) NOEXPIRED RESUME",
    "READY",
)
_T("racf phrase", "ALU IBMUSER PHRASE('⟦S:passphrase⟧') NOEXPIRED", "ICH21005I PASSWORD PHRASE SET")
_T(
    "ftp jes",
    "ftp> quote site filetype=jes",
    "200 SITE command was accepted",
    "ftp> user ⟦pick(BATCH|PROD|DBA)⟧01 ⟦S:updig(8)⟧",
    '230 ⟦pick(BATCH|PROD|DBA)⟧01 is logged on.  Working directory is "BATCH01.".',
)
_T(
    "jes2 joblog",
    " ⟦clock⟧ ⟦jobid⟧  $HASP373 NIGHTLY  STARTED - INIT 1    - CLASS A        - SYS ZOS1",
    " ⟦clock⟧ ⟦jobid⟧  IEF236I ALLOC. FOR NIGHTLY STEP2",
    " ⟦clock⟧ ⟦jobid⟧  DSNT408I SQLCODE = -30082, CONNECT USER=DB2PROD USING ⟦S:updig(8)⟧ FAILED",
)
_T(
    "db2 connect",
    "db2 => CONNECT TO DSNPROD USER db2adm USING ⟦S:pwa(8)⟧",
    "   Database Connection Information",
    " Database server        = DB2 z/OS 13.1.5",
)
_T(
    "cics signon trace",
    "DFHSN1100 ⟦clock⟧ CICSPRD1 Signon at terminal T⟦dig(3)⟧ by user ⟦pick(CICSOPS|TELLER)⟧1 PASSWORD=⟦S:updig(8)⟧ is complete.",
)
_T(
    "sysin ftp netrc",
    "//SYSIN    DD *",
    "⟦ip⟧",
    "XFERUSR ⟦S:updig(8)⟧",
    "PUT 'PROD.DAILY.EXTRACT' extract.dat",
    "QUIT",
    "/*",
)
_T("ims connect", "HWSP1503I IMS CONNECT READY; userid=IMSCON password=⟦S:updig(8)⟧ datastore=IMSP")
_T(
    "ispf panel dump",
    "Command ===> TSO SUBMIT 'OPS.CNTL(PWRESET)'",
    "000004 //SYSTSIN  DD *",
    "000005   PW USER(⟦pick(TSO|OPS)⟧⟦dig(4)⟧) PASSWORD(⟦S:updig(8)⟧) NOINTERVAL",
)

_F("hpc_scheduler")
_T(
    "slurmdbd.conf",
    "# /etc/slurm/slurmdbd.conf",
    "StorageType=accounting_storage/mysql",
    "StorageHost=⟦host⟧",
    "StorageUser=slurm",
    "StoragePass=⟦S:pw⟧",
)
_T(
    "sbatch script",
    "#!/bin/bash",
    "#SBATCH --job-name=⟦word⟧-train",
    "#SBATCH --partition=gpu",
    "export WANDB_API_KEY=⟦S:hex(40)⟧",
    "srun python train.py --epochs 40",
)
_T(
    "jupyter on node",
    "[I ⟦date⟧ 11:02:13.441 ServerApp] Jupyter Server 2.14.1 is running at:",
    "[I ⟦date⟧ 11:02:13.441 ServerApp] http://gpu-node⟦num(10,99)⟧:8888/lab?token=⟦S:jupyter⟧",
    "[I ⟦date⟧ 11:02:13.441 ServerApp]     http://127.0.0.1:8888/lab?token=⟦S:jupyter⟧",
)
_T("munge key xxd", "$ sudo xxd -p /etc/munge/munge.key | head -2", "⟦S:munge⟧", "⟦S:munge#2⟧")
_T(
    "pbs qsub",
    "qsub -v DB_URL=postgresql://⟦user⟧:⟦S:pwa(14)⟧@⟦host⟧/results,NPROC=64 -l select=4:ncpus=64 run.pbs",
)
_T(
    "lsf bsub env",
    "Job <⟦dig(7)⟧> is submitted to queue <normal>.",
    "LSB_JOB_ENV: HF_TOKEN=hf_⟦S:alnum(34)⟧ OMP_NUM_THREADS=8",
)
_T(
    "scontrol show job",
    "JobId=⟦dig(7)⟧ JobName=ingest",
    "   Command=/home/⟦user⟧/ingest.sh --s3-secret ⟦S:aws_secret⟧",
    "   WorkDir=/scratch/⟦user⟧",
)
_T(
    "globus transfer",
    "$ export GLOBUS_CLI_ACCESS_TOKEN=⟦S:globus⟧",
    "$ globus transfer ⟦uuid⟧:/data ⟦uuid#2⟧:/archive --recursive",
)
_T(
    "grid engine qacct",
    "qname        all.q",
    "owner        ⟦user⟧",
    "jobname      fetch.sh",
    "cmdline      ./fetch.sh --irods-password ⟦S:pw⟧",
)
_T(
    "singularity remote",
    "$ apptainer remote login --username ⟦user⟧ --password ⟦S:pwa(24)⟧ docker://registry.⟦dom⟧",
    "INFO:    Token stored in /home/⟦user⟧/.apptainer/remote.yaml",
)

_F("legacy_enterprise_misc")
_T(
    "informatica pmcmd",
    "pmcmd startworkflow -sv IS_PROD -d Domain_⟦word⟧ -u Administrator -p ⟦S:pw⟧ -f ⟦word⟧ wf_nightly_load",
)
_T(
    "control-m",
    "ctmpsm -ADDUSER ctmagent ⟦S:pwa(10)⟧",
    "ctm_agent: encrypted password stored for ctmagent",
)
_T(
    "peoplesoft psadmin",
    "[Startup]",
    "DBName=HRPRD",
    "UserId=PS",
    "UserPswd=⟦S:pwa(10)⟧",
    "ConnectId=people",
    "ConnectPswd=⟦S:pwa(10)#2⟧",
)
_T("tsm dsmadmc", '$ dsmadmc -id=admin -password=⟦S:pwa(12)⟧ -dataonly=yes "q sess"')
_T(
    "lotus notes.ini",
    "[Notes]",
    "ServerKeyFileName=server.id",
    "ServerKeyFilePassword=⟦S:pw⟧",
    "KitType=2",
)
_T(
    "connect direct",
    "submit maxdelay=unlimited",
    "COPYJOB PROCESS SNODE=CD.BANKNODE SNODEID=(cdxfer,⟦S:pwa(8)⟧)",
    "  STEP1 COPY FROM (DSN=/out/ach.txt PNODE) TO (DSN=ACH.IN SNODE)",
)
_T(
    "siebel srvrmgr",
    "srvrmgr /g ⟦host⟧ /e SBA_ENT /u SADMIN /p ⟦S:pw⟧",
    "Siebel Server Manager, Version 20.11 [23057] LANG_INDEPENDENT",
)
_T(
    "as400 chgusrprf",
    "> CHGUSRPRF USRPRF(QSECOFR) PASSWORD(⟦S:updig(10)⟧) STATUS(*ENABLED)",
    "  User profile QSECOFR changed.",
)
_T(
    "citrix storefront",
    "⟦tsl⟧ [StoreFront] AuthenticationService: ExplicitForms login domain=CORP user=⟦user⟧ password=⟦S:pw⟧ result=Success",
)
_T(
    "tibco bw",
    "tibco.clientVar.JDBC_PASSWORD=#!⟦S:b64(24)⟧",
    "tibco.clientVar.JDBC_URL=jdbc:oracle:thin:@⟦host⟧:1521:BW",
)

_F("telecom_voip")
_T(
    "asterisk sip.conf",
    "[⟦dig(4)⟧]",
    "type=friend",
    "host=dynamic",
    "secret=⟦S:pwa(12)⟧",
    "context=from-internal",
)
_T(
    "pjsip auth",
    "[trunk-⟦word⟧-auth]",
    "type=auth",
    "auth_type=userpass",
    "username=⟦dig(10)⟧",
    "password=⟦S:pw⟧",
)
_T(
    "asterisk cli register",
    "*CLI> pjsip show registrations",
    "⟦host⟧*CLI> sip show peer 2003",
    "  Secret       : ⟦S:pwa(10)⟧",
    "  MD5Secret    : <Not set>",
)
_T(
    "freeswitch directory",
    '<user id="1007">',
    "  <params>",
    '    <param name="password" value="⟦S:pwa(10)⟧"/>',
    '    <param name="vm-password" value="⟦S:pin(6)⟧"/>',
    "  </params>",
    "</user>",
)
_T(
    "kamailio db url",
    '#!define DBURL "mysql://kamailio:⟦S:pwa(14)⟧@⟦host⟧/kamailio"',
    'modparam("auth_db", "calculate_ha1", yes)',
)
_T(
    "smpp bind",
    "⟦tsl⟧ INFO  [SmppClient] bind_transceiver system_id=⟦word⟧SMS password=⟦S:pwa(8)⟧ system_type=VMA interface_version=0x34",
)
_T(
    "freeradius clients",
    "client ⟦host⟧ {",
    "    ipaddr = ⟦ip⟧",
    "    secret = ⟦S:pw⟧",
    "    nas_type = cisco",
    "}",
)
_T(
    "sip trunk provisioning",
    "Provider: ⟦pick(Telnyx|Sipgate|Voxbone)⟧",
    "SIP username: ⟦dig(9)⟧",
    "SIP password: ⟦S:pwa(16)⟧",
    "Registrar: sip.⟦dom⟧:5060",
)
_T(
    "ims hss diameter",
    "⟦tsl⟧ hss: provisioned IMSI 20801⟦dig(10)⟧ Ki=⟦S:HEX(32)⟧ OPc=⟦S:HEX(32)#2⟧ AMF=8000 SQN=000000000021",
)
_T(
    "polycom cfg",
    '<reg reg.1.address="⟦dig(4)⟧" reg.1.auth.userId="⟦dig(4)⟧" reg.1.auth.password="⟦S:pwa(12)⟧" reg.1.server.1.address="pbx.⟦dom⟧"/>',
)
_T(
    "twilio voice",
    'curl -X POST https://api.twilio.com/2010-04-01/Accounts/AC⟦hex(32)⟧/Calls.json -u AC⟦hex(32)⟧:⟦S:hex(32)⟧ --data-urlencode "To=+4930⟦dig(7)⟧"',
)

_F("payment_gateway")
_T(
    "stripe env",
    "STRIPE_SECRET_KEY=sk_live_⟦S:alnum(99)⟧",
    "STRIPE_PUBLISHABLE_KEY=pk_live_⟦alnum(24)⟧",
)
_T(
    "stripe curl",
    "curl https://api.stripe.com/v1/refunds -u rk_live_⟦S:alnum(99)⟧: -d charge=ch_⟦alnum(24)⟧",
)
_T(
    "adyen config",
    "adyen:",
    "  environment: LIVE",
    "  merchantAccount: ⟦word⟧ECOM",
    '  apiKey: "⟦S:adyen⟧"',
    "  hmacKey: ⟦S:HEX(64)⟧",
)
_T(
    "braintree",
    'BraintreeGateway(accessToken="⟦S:braintree⟧")',
    'Braintree::Configuration.private_key = "⟦S:hex(32)⟧"',
)
_T(
    "paypal oauth",
    '$ curl -v https://api-m.paypal.com/v1/oauth2/token -u "A⟦alnum(79)⟧:⟦S:paypal⟧" -d grant_type=client_credentials',
)
_T(
    "square log",
    "⟦ts⟧ ERROR square-sync: 401 UNAUTHORIZED calling /v2/payments with Authorization: Bearer ⟦S:square⟧",
)
_T(
    "authorize.net xml",
    "<merchantAuthentication>",
    "  <name>⟦alnum(9)⟧</name>",
    "  <transactionKey>⟦S:alnum(16)⟧</transactionKey>",
    "</merchantAuthentication>",
)
_T(
    "checkout.com",
    "CKO_SECRET_KEY=⟦S:checkout⟧ CKO_PROCESSING_CHANNEL=pc_⟦lowdig(26)⟧ node worker.js",
)
_T("razorpay", 'razorpay.Client(auth=("rzp_live_⟦alnum(14)⟧", "⟦S:alnum(24)⟧"))')
_T(
    "mollie",
    '[⟦tsl⟧] production.WARNING: Mollie API call failed {"key":"live_⟦S:alnum(30)⟧","status":422}',
)
_T(
    "worldpay xml",
    '<paymentService version="1.4" merchantCode="⟦word⟧GBP">',
    "<!-- basic auth: ⟦word⟧GBP / ⟦S:pw⟧ -->",
)
_T(
    "hsm zmk components",
    "ZMK component 1 (custodian A): ⟦S:HEX(32)⟧  KCV 4F2A1C",
    "ZMK component 2 (custodian B): ⟦S:HEX(32)#2⟧  KCV 9B03EE",
)

_F("fintech_protocols")
_T(
    "fix logon",
    "8=FIX.4.4\x019=112\x0135=A\x0134=1\x0149=⟦word⟧OMS\x0156=EXCH\x0152=20261124-13:01:02.112\x0198=0\x01108=30\x01553=⟦word⟧01\x01554=⟦S:pwa(12)⟧\x0110=201\x01",
)
_T(
    "fix logon pipe",
    "⟦tsl⟧ QuickFIX OUT: 8=FIX.4.2|9=98|35=A|49=BUYSIDE|56=BROKER|34=1|98=0|108=30|554=⟦S:pwa(10)⟧|925=⟦S:pwa(10)#2⟧|10=077|",
)
_T(
    "iso8583 dump",
    "ISO8583 MTI=0200",
    "  DE002 PAN     : 4⟦dig(5)⟧******⟦dig(4)⟧",
    "  DE004 AMOUNT  : 000000012500",
    "  DE052 PINBLOCK: ⟦S:pinblock⟧",
    "  DE041 TID     : T⟦dig(7)⟧",
)
_T("plaid env", "PLAID_CLIENT_ID=⟦hex(24)⟧", "PLAID_SECRET=⟦S:hex(30)⟧", "PLAID_ENV=production")
_T(
    "open banking",
    "⟦ts⟧ obie-client: token exchange client_id=⟦uuid⟧ client_secret=⟦S:alnum(36)⟧ scope=accounts payments",
)
_T(
    "ebics",
    "EBICS INI letter host=⟦word⟧BANK partner=P⟦dig(6)⟧ user=U⟦dig(6)⟧",
    "keystore password: ⟦S:pw⟧",
)
_T(
    "swift alliance",
    "⟦tsl⟧ SAA: LAU key for BIC ⟦pick(DEUTDEFF|BNPAFRPP|COBADEFF)⟧ rotated, left half=⟦S:HEX(16)⟧ right half=⟦S:HEX(16)#2⟧",
)
_T(
    "card tokenizer",
    '{"merchant_id":"m_⟦dig(8)⟧","api_user":"svc-vault","api_password":"⟦S:pw⟧","endpoint":"https://vault.⟦dom⟧/tokenize"}',
)
_T(
    "atm emv config",
    "[KEYS]",
    "TMK=⟦S:HEX(32)⟧",
    "TPK_UNDER_TMK=⟦S:HEX(32)#2⟧",
    "TERMINAL_ID=⟦dig(8)⟧",
)
_T("marqeta", "curl https://⟦word⟧-api.marqeta.com/v3/cards -u ⟦hex(32)⟧:⟦S:hex(32)⟧")
_T("crypto exchange", "BINANCE_API_KEY=⟦alnum(64)⟧", "BINANCE_API_SECRET=⟦S:alnum(64)⟧")

_F("game_servers")
_T(
    "srcds server.cfg",
    'hostname "⟦word⟧ community #1"',
    'rcon_password "⟦S:rcon⟧"',
    'sv_password "⟦S:pwa(8)⟧"',
    "sv_lan 0",
)
_T(
    "minecraft properties",
    "#Minecraft server properties",
    "enable-rcon=true",
    "rcon.port=25575",
    "rcon.password=⟦S:rcon⟧",
    "motd=A Minecraft Server",
)
_T("mcrcon", '$ mcrcon -H ⟦ip⟧ -P 25575 -p ⟦S:rcon⟧ "whitelist add ⟦first⟧"')
_T(
    "ark cmdline",
    "ShooterGameServer TheIsland?listen?SessionName=⟦word⟧?ServerPassword=⟦S:pwa(10)⟧?ServerAdminPassword=⟦S:pwa(14)⟧ -server -log",
)
_T(
    "valheim",
    './valheim_server.x86_64 -name "⟦word⟧" -port 2456 -world "Dedicated" -password "⟦S:pwa(9)⟧" -public 1',
)
_T(
    "factorio settings",
    "{",
    '  "name": "⟦word⟧ factory",',
    '  "username": "⟦user⟧",',
    '  "token": "⟦S:factorio⟧",',
    '  "game_password": "⟦S:pwa(10)⟧"',
    "}",
)
_T(
    "fivem server.cfg",
    'sv_hostname "⟦word⟧ RP"',
    'sv_licenseKey "⟦S:fivem⟧"',
    'set steam_webApiKey "⟦S:steam⟧"',
)
_T(
    "teamspeak first start",
    "------------------------------------------------------------------",
    "                      I M P O R T A N T",
    "------------------------------------------------------------------",
    "               Server Query Admin Account created",
    '         loginname= "serveradmin", password= "⟦S:alnum(8)⟧"',
    '         apikey= "⟦S:b64u(40)⟧"',
)
_T(
    "discord bot",
    "⟦tsl⟧ [bot] Logging in with token ⟦S:discord⟧",
    "⟦tsl⟧ [bot] Connected to gateway v10",
)
_T("steamcmd", "steamcmd +login ⟦user⟧ ⟦S:pw⟧ +app_update 896660 validate +quit")
_T(
    "unreal ini",
    "[/Script/Engine.GameSession]",
    "MaxPlayers=64",
    "[ServerSettings]",
    "AdminPassword=⟦S:pwa(12)⟧",
    "EOSClientSecret=⟦S:b64u(43)⟧",
)

_F("crash_dumps")
_T(
    "hs_err jvm args",
    "#  SIGSEGV (0xb) at pc=0x00007f⟦hex(10)⟧, pid=⟦pid⟧, tid=⟦pid#2⟧",
    "#",
    "---------------  S Y S T E M  ---------------",
    "jvm_args: -Xms2g -Xmx8g -Ddb.password=⟦S:pw⟧ -Dkafka.sasl.password=⟦S:pwa(20)⟧ -XX:+HeapDumpOnOutOfMemoryError",
)
_T(
    "python traceback locals",
    "Traceback (most recent call last):",
    '  File "/srv/app/sync.py", line 88, in push',
    "    resp = session.post(url, auth=(user, password), timeout=10)",
    "    local vars: user = 'svc_sync', password = '⟦S:pw⟧', url = 'https://erp.⟦dom⟧/api/push'",
    "requests.exceptions.ReadTimeout: HTTPSConnectionPool(host='erp.⟦dom⟧', port=443): Read timed out. (read timeout=10)",
)
_T(
    "go panic struct",
    "panic: runtime error: invalid memory address or nil pointer dereference",
    "[signal SIGSEGV: segmentation violation code=0x1 addr=0x30 pc=0x⟦hex(7)⟧]",
    "goroutine 41 [running]:",
    'main.(*Client).Do(0xc000⟦hex(6)⟧, {Endpoint:"https://api.⟦dom⟧" Token:"⟦S:alnum(40)⟧" Retries:3})',
)
_T(
    ".net exception",
    "System.Data.SqlClient.SqlException (0x80131904): Login failed for user 'app'.",
    "   at System.Data.SqlClient.SqlInternalConnectionTds..ctor(DbConnectionPoolIdentity identity, SqlConnectionString connectionOptions)",
    "ConnectionString: Server=tcp:⟦host⟧,1433;Database=⟦word⟧;User Id=app;Password=⟦S:pw⟧;",
)
_T(
    "node crash env",
    "node:internal/process/promises:288",
    "            triggerUncaughtException(err, true /* fromPromise */);",
    "[UnhandledPromiseRejection] env dump: { NODE_ENV: 'production', PORT: '3000', SESSION_SECRET: '⟦S:alnum(48)⟧', REDIS_URL: 'redis://:⟦S:pwa(24)⟧@⟦host⟧:6379/0' }",
)
_T(
    "rust panic debug",
    "thread 'tokio-runtime-worker' panicked at src/upstream.rs:214:17:",
    'called `Result::unwrap()` on an `Err` value: Config { endpoint: "https://ingest.⟦dom⟧", api_key: "⟦S:hex(48)⟧", timeout_ms: 5000 }',
    "note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace",
)
_T(
    "php fatal",
    "PHP Fatal error:  Uncaught PDOException: SQLSTATE[HY000] [1045] Access denied in /var/www/html/db.php:12",
    "Stack trace:",
    "#0 /var/www/html/db.php(12): PDO->__construct('mysql:host=⟦host⟧...', 'shop', '⟦S:pw⟧')",
    "#1 {main}",
)
_T(
    "ruby crash",
    "/app/lib/sftp_push.rb:33:in `connect': Net::SSH::AuthenticationFailed",
    '  from /app/lib/sftp_push.rb:33:in `block in push\' {:host=>"sftp.⟦dom⟧", :user=>"edi", :password=>"⟦S:pw⟧"}',
)
_T(
    "windows wer",
    "Version=1",
    "EventType=APPCRASH",
    "AppPath=C:\\Program Files\\⟦word⟧\\agent.exe",
    "Sig[0].Name=Application Name",
    "UI[3]=agent.exe --server https://mgmt.⟦dom⟧ --enroll-secret ⟦S:alnum(32)⟧",
)
_T(
    "erlang crash dump",
    "=erl_crash_dump:0.5",
    "Slogan: init terminating in do_boot",
    "=proc:<0.412.0>",
    'Dictionary: [{rabbit_auth,{<<"⟦user⟧">>,<<"⟦S:pwa(16)⟧">>}}]',
)
_T(
    "java exception message",
    'Caused by: org.postgresql.util.PSQLException: FATAL: password authentication failed for user "report"',
    "\tat com.acme.cfg.Boot.init(Boot.java:51) [jdbcUrl=jdbc:postgresql://⟦host⟧:5432/⟦word⟧?user=report&password=⟦S:pwa(16)⟧]",
)

_F("core_dump_strings")
_T(
    "strings core",
    "$ strings -n 12 core.⟦pid⟧ | grep -i -m3 -E 'auth|pass'",
    "Authorization: Bearer ⟦S:jwt⟧",
    "PGPASSWORD=⟦S:pw⟧",
)
_T(
    "gdb print struct",
    "(gdb) p *conn",
    '$1 = {fd = 7, host = 0x55⟦hex(10)⟧ "⟦host⟧", port = 5432, user = 0x55⟦hex(10)#2⟧ "etl", passwd = 0x55⟦hex(10)#3⟧ "⟦S:pw⟧", sslmode = 2}',
)
_T("gdb x/s", "(gdb) x/s 0x7ffd⟦hex(8)⟧", '0x7ffd⟦hex(8)⟧:\t"api_key=⟦S:alnum(32)⟧&format=json"')
_T(
    "lldb frame variable",
    "(lldb) frame variable creds",
    "(Credentials) creds = {",
    '  username = "deploy"',
    '  secret = "⟦S:b64(30)⟧"',
    "}",
)
_T(
    "windbg du",
    "0:007> du 000001d4`⟦hex(8)⟧",
    '000001d4`⟦hex(8)⟧  "Password=⟦S:pw⟧;Persist Security Info=False"',
)
_T(
    "hexdump ascii",
    "$ grep -a -o 'X-Auth-Token: [A-Za-z0-9._-]*' /var/crash/⟦word⟧d.core | head -1",
    "X-Auth-Token: ⟦S:alnum(48)⟧",
)
_T(
    "python bytes repr",
    ">>> mem[0x1a40:0x1a80]",
    "b'\\x00\\x00secret=⟦S:alnum(24)⟧\\x00\\x01\\x00\\x00'",
)
_T(
    "minidump string",
    "dumpchk: Module[12] ldapsvc.dll",
    '  heap string @ 0x⟦hex(12)⟧: "bindpw: ⟦S:pw⟧"',
)
_T("gcore env", "(gdb) p environ[14]", '$3 = 0x7ffe⟦hex(8)⟧ "AWS_SECRET_ACCESS_KEY=⟦S:aws_secret⟧"')
_T(
    "heap dump oql",
    'oql> select s.toString() from java.lang.String s where s.toString().startsWith("jdbc:")',
    "jdbc:mysql://⟦host⟧:3306/⟦word⟧?user=root&password=⟦S:pwa(14)⟧&useSSL=false",
)

_F("debug_traces")
_T(
    "curl -v",
    "> GET /api/v2/export HTTP/2",
    "> Host: ⟦fqdn⟧",
    "> user-agent: curl/8.5.0",
    "> authorization: Bearer ⟦S:jwt⟧",
    "> accept: */*",
)
_T(
    "curl basic -v",
    "* Server auth using Basic with user 'svc_export'",
    "> POST /ws/ExportService HTTP/1.1",
    "> Host: ⟦fqdn⟧",
    "> Authorization: Basic ⟦S:basic⟧",
)
_T(
    "urllib3 debug",
    'DEBUG:urllib3.connectionpool:https://⟦fqdn⟧:443 "GET /v1/assets?api_key=⟦S:alnum(32)⟧&page=2 HTTP/1.1" 200 18231',
)
_T(
    "okhttp interceptor",
    "D/OkHttp: --> POST https://api.⟦dom⟧/v3/session",
    "D/OkHttp: X-Client-Secret: ⟦S:hex(40)⟧",
    "D/OkHttp: Content-Type: application/json; charset=utf-8",
    "D/OkHttp: --> END POST (112-byte body)",
)
_T(
    "go httputil dump",
    "POST /oauth/token HTTP/1.1",
    "Host: id.⟦dom⟧",
    "Content-Type: application/x-www-form-urlencoded",
    "",
    "grant_type=client_credentials&client_id=billing-svc&client_secret=⟦S:urlenc(pws)⟧",
)
_T(
    "strace write",
    '⟦pid⟧  write(3, "AUTH ⟦S:pwa(24)⟧\\r\\n", 31) = 31',
    '⟦pid⟧  read(3, "+OK\\r\\n", 16384) = 5',
)
_T(
    "strace connect psql",
    'execve("/usr/bin/psql", ["psql", "postgresql://etl:⟦S:pwa(16)⟧@⟦host⟧/dw"], 0x7ffc⟦hex(8)⟧ /* 31 vars */) = 0',
)
_T(
    "tcpdump -A",
    "⟦clock⟧.⟦dig(6)⟧ IP ⟦ip⟧.⟦num(30000,60000)⟧ > ⟦ip#2⟧.http: Flags [P.], seq 1:212, ack 1, win 502, length 211",
    "E.....@.@.....GET /admin HTTP/1.1..Host: ⟦host⟧..Authorization: Basic ⟦S:basic⟧....",
)
_T(
    "openssl s_client smtp",
    "$ openssl s_client -starttls smtp -connect smtp.⟦dom⟧:587 -quiet",
    "250 SMTPUTF8",
    "AUTH PLAIN ⟦S:plainauth⟧",
    "235 2.7.0 Authentication successful",
)
_T(
    "wireshark follow",
    "Follow: tcp,ascii",
    "Filter: tcp.stream eq 4",
    "USER ⟦user⟧",
    "331 Password required",
    "PASS ⟦S:pw⟧",
    "230 Login successful.",
)
_T(
    "grpc debug metadata",
    "⟦ts⟧ DEBUG grpc._channel: metadata=(('authorization', 'Bearer ⟦S:alnum(64)⟧'), ('x-request-id', '⟦uuid⟧'))",
)
_T(
    "aws cli debug",
    "2026-11-24 10:22:13,140 - MainThread - botocore.endpoint - DEBUG - Making request for OperationModel(name=GetObject) with params: {'headers': {'X-Amz-Security-Token': '⟦S:aws_session⟧'}}",
)

_F("har_archives")
_T(
    "har request headers",
    '"headers": [',
    '  {"name": "Authorization", "value": "Bearer ⟦S:jwt⟧"},',
    '  {"name": "Accept", "value": "application/json"}',
    "],",
)
_T(
    "har cookies",
    '"cookies": [',
    '  {"name": "JSESSIONID", "value": "⟦S:HEX(32)⟧", "path": "/", "httpOnly": true, "secure": true}',
    "],",
)
_T(
    "har postdata form",
    '"postData": {',
    '  "mimeType": "application/x-www-form-urlencoded",',
    '  "text": "username=⟦user⟧&password=⟦S:urlenc(pws)⟧&remember=1"',
    "},",
)
_T(
    "har postdata json",
    '"postData": {"mimeType": "application/json", "text": "{\\"login\\":\\"⟦user⟧\\",\\"password\\":\\"⟦S:pw⟧\\",\\"otp\\":null}"},',
)
_T(
    "har querystring",
    '"queryString": [',
    '  {"name": "access_token", "value": "⟦S:alnum(40)⟧"},',
    '  {"name": "fields", "value": "id,name"}',
    "],",
)
_T(
    "har response set-cookie",
    '"response": {"status": 302, "headers": [{"name": "Set-Cookie", "value": "sid=⟦S:b64u(43)⟧; Path=/; Secure; HttpOnly; SameSite=Lax"}, {"name": "Location", "value": "/home"}]}',
)
_T(
    "har url token",
    '"request": {"method": "GET", "url": "https://files.⟦dom⟧/download/report.pdf?sig=⟦S:sas_sig⟧&se=2026-12-09T00%3A00%3A00Z&sp=r", "httpVersion": "h2"}',
)
_T(
    "har response body token",
    '"content": {"size": 412, "mimeType": "application/json", "text": "{\\"access_token\\":\\"⟦S:alnum(64)⟧\\",\\"refresh_token\\":\\"⟦S:alnum(64)#2⟧\\",\\"expires_in\\":3600}"}',
)
_T(
    "har base64 body",
    '"content": {"mimeType": "application/json", "encoding": "base64", "text": "⟦S:b64of(jwt)⟧"}',
)
_T(
    "har x-api-key",
    '{"name": "x-api-key", "value": "⟦S:alnum(40)⟧"}, {"name": "x-amzn-trace-id", "value": "Root=1-⟦hex(8)⟧-⟦hex(24)⟧"}',
)

_F("encoded_base64")
_T(
    "k8s secret yaml",
    "apiVersion: v1",
    "kind: Secret",
    "metadata:",
    "  name: ⟦word⟧-db",
    "type: Opaque",
    "data:",
    "  username: YXBw",
    "  password: ⟦S:b64of(pw)⟧",
)
_T("dockerconfigjson", '{"auths":{"registry.⟦dom⟧":{"auth":"⟦S:basic⟧"}}}')
_T(
    "basic header log",
    '⟦ip⟧ - - [24/Nov/2026:10:01:22 +0000] "GET /nexus/service/rest/v1/status HTTP/1.1" 401 0 "-" "Maven/3.9" auth="Basic ⟦S:basic⟧"',
)
_T(
    "helm values b64",
    "secrets:",
    "  SMTP_PASSWORD_B64: ⟦S:b64of(pw)⟧",
    "  SIGNING_KEY: ⟦S:b64(64)⟧",
)
_T(
    "ansible vault-ish env",
    "export VAULT_PASSWORD_B64=⟦S:b64of(pwa)⟧",
    'echo "$VAULT_PASSWORD_B64" | base64 -d > ~/.vault_pass',
)
_T(
    "git credential store b64",
    "remote: Invalid username or password.",
    "fatal: Authentication failed for 'https://git.⟦dom⟧/⟦word⟧.git/'",
    "trace: http.extraheader=AUTHORIZATION: basic ⟦S:basic⟧",
)
_T(
    "kubeconfig data",
    "users:",
    "- name: admin@⟦word⟧",
    "  user:",
    "    client-key-data: ⟦S:b64pem⟧",
    "    token: ⟦S:b64of(hex)⟧",
)
_T("sealed config b64 json", 'CONFIG_JSON_B64=⟦S:b64of(pw)⟧ # {"password":...}')
_T(
    "proxy-authorization",
    "⟦tsl⟧ squid[⟦pid⟧]: 407 CONNECT ⟦fqdn⟧:443 headers: Proxy-Authorization: Basic ⟦S:basic⟧",
)
_T(
    "ldif b64 attr",
    "dn: uid=⟦user⟧,ou=people,dc=example,dc=com",
    "changetype: modify",
    "replace: userPassword",
    "userPassword:: ⟦S:b64of(pw)⟧",
)

_F("encoded_escaped")
_T(
    "url-encoded conn",
    "⟦tsl⟧ WARN  pool: retrying amqp://ingest:⟦S:urlenc(pws)⟧@⟦host⟧:5672/%2Fprod",
)
_T(
    "double json escape",
    '{"level":"error","msg":"upstream body","body":"{\\"user\\":\\"⟦user⟧\\",\\"apiSecret\\":\\"⟦S:alnum(32)⟧\\"}"}',
)
_T(
    "gcp sa json pem",
    '{"type": "service_account", "project_id": "⟦word⟧-prod", "private_key_id": "⟦hex(40)⟧", "private_key": "-----BEGIN PRIVATE KEY-----\\n⟦S:pemrsa1⟧\\n⟦S:pemline⟧\\n...\\n-----END PRIVATE KEY-----\\n", "client_email": "etl@⟦word⟧-prod.iam.gserviceaccount.com"}',
)
_T("hex password", "[ldap]", "bind_dn = cn=reader,dc=corp", "bind_pw_hex = ⟦S:hexof(pw)⟧")
_T("unicode escaped", '{"cfg":"token\\u003d⟦S:alnum(40)⟧\\u0026region\\u003deu"}')
_T("percent in log", "GET /callback?code=ok&state=xyz&client_secret=⟦S:urlenc(pws)⟧ HTTP/1.1")
_T(
    "cisco hex key",
    "crypto ca certificate chain TP-self",
    "crypto key pubkey-chain rsa",
    "key config-key password-encrypt ⟦S:pw⟧",
)
_T("xml entity escaped", '<property name="password" value="⟦S:pwa(10)⟧&amp;⟦S:pwa(6)⟧"/>')
_T(
    "python repr escaped",
    "DEBUG settings loaded: {'DATABASES': {'default': {'ENGINE': 'django.db.backends.postgresql', 'PASSWORD': '⟦S:pw⟧', 'HOST': '⟦host⟧'}}}",
)
_T("yaml folded", "smtp:", "  password: >-", "    ⟦S:pwa(22)⟧", "  user: mailer")
_T("shell escaped quotes", 'sh -c "mysql -uroot -p\\"⟦S:pw⟧\\" -e \'SHOW PROCESSLIST\'"')
_T("hex ascii bytes", "payload (hex): 70617373776f72643d⟦S:hexof(pwa)⟧")

_F("prose_europe")
_T(
    "de chat",
    "Hallo zusammen, das neue Passwort für den Service-Account ⟦user⟧ auf ⟦host⟧ ist ⟦S:pw⟧ – bitte nach dem Login sofort ändern.",
)
_T(
    "fr ticket",
    "Bonjour, suite à l'incident d'hier, voici le mot de passe temporaire du compte admin de la base : ⟦S:pw⟧ (valable 24 h).",
)
_T(
    "es chat",
    "Oye, la contraseña del router de la oficina de Valencia es ⟦S:pwa(12)⟧, no la pongas en el ticket por favor.",
)
_T(
    "pt email",
    "Prezados, a chave de API de produção do gateway é ⟦S:alnum(32)⟧. Favor não compartilhar fora da equipe.",
)
_T(
    "it chat",
    "Ciao, ho resettato la password di ⟦user⟧: adesso è ⟦S:pw⟧. Fammi sapere se il login funziona.",
)
_T(
    "nl chat",
    "Het wachtwoord voor de VPN-gebruiker ⟦user⟧ is gewijzigd naar ⟦S:pw⟧, graag even testen.",
)
_T(
    "pl chat",
    "Hasło do konsoli iDRAC na ⟦host⟧ to ⟦S:pwa(12)⟧ — po naprawie zmienię je z powrotem.",
)
_T("sv chat", "Lösenordet till databasen är ⟦S:pw⟧ tills vidare, vi roterar det på måndag.")
_T("cs chat", "Ahoj, heslo k účtu svc_backup je ⟦S:pw⟧, použij ho jen pro obnovu zálohy.")
_T("fi chat", "Moi! Palvelimen ⟦host⟧ root-salasana on nyt ⟦S:pw⟧, vaihdetaan se huomenna.")
_T(
    "el chat",
    "Ο κωδικός πρόσβασης για τον λογαριασμό ⟦user⟧ είναι ⟦S:pw⟧, άλλαξέ τον μετά τη σύνδεση.",
)
_T(
    "ro chat",
    "Parola pentru contul de serviciu de pe ⟦host⟧ este ⟦S:pwa(14)⟧, te rog să nu o trimiți pe e-mail.",
)
_T("hu chat", "A jelszó a ⟦host⟧ admin fiókjához: ⟦S:pw⟧ – holnap reggel lecseréljük.")
_T("uk chat", "Привіт! Пароль до адмінки на ⟦host⟧: ⟦S:pw⟧. Після перевірки змінимо.")

_F("prose_world")
_T("ru chat", "Коллеги, токен для деплоя в прод: ⟦S:glpat⟧ — не коммитьте его, пожалуйста.")
_T("ja chat", "本番DBのパスワードは ⟦S:pw⟧ です。作業後に変更してください。")
_T("zh chat", "生产环境的 API 密钥是 ⟦S:alnum(32)⟧，用完请在工单里标记已轮换。")
_T("zh-tw chat", "VPN 共用金鑰：⟦S:pwa(20)⟧，請勿轉寄。")
_T("ko chat", "운영 서버 ⟦host⟧ 관리자 비밀번호는 ⟦S:pw⟧ 입니다. 점검 끝나면 바꿀게요.")
_T("tr chat", "Merhaba, ⟦host⟧ sunucusunun root şifresi ⟦S:pw⟧, işin bitince haber ver.")
_T("ar chat", "كلمة المرور الجديدة لحساب الخدمة هي ⟦S:pw⟧ يرجى تغييرها بعد تسجيل الدخول.")
_T("he chat", "הסיסמה לשרת ⟦host⟧ היא ⟦S:pw⟧, תחליף אותה אחרי התיקון.")
_T("hi chat", "सर्वर ⟦host⟧ का पासवर्ड ⟦S:pw⟧ है, कृपया काम के बाद बदल दें।")
_T("vi chat", "Mật khẩu của tài khoản admin trên ⟦host⟧ là ⟦S:pw⟧, nhớ đổi sau khi xong nhé.")
_T("id chat", "Kata sandi akun layanan di ⟦host⟧ adalah ⟦S:pw⟧, tolong jangan dibagikan.")
_T("th chat", "รหัสผ่านของเซิร์ฟเวอร์ ⟦host⟧ คือ ⟦S:pw⟧ กรุณาเปลี่ยนหลังใช้งาน")
_T("fa chat", "رمز عبور حساب پایگاه داده ⟦S:pw⟧ است، لطفاً بعد از بازیابی عوضش کن.")
_T("sw chat", "Nenosiri la seva ⟦host⟧ ni ⟦S:pw⟧, tafadhali libadilishe baada ya kazi.")

_F("chat_tickets")
_T(
    "slack paste",
    "[⟦clock⟧] ⟦first⟧: can someone check the payments box? I'm using the break-glass account",
    "[⟦clock#2⟧] ⟦first#2⟧: pw is ⟦S:pw⟧ but rotate after pls",
)
_T(
    "jira comment",
    "*Comment by ⟦first⟧:* Reproduced with the staging key {{⟦S:hex(40)⟧}} — works against /v2, fails against /v3 with 403.",
)
_T(
    "servicenow worknote",
    "Work notes (⟦date⟧ 14:22:10) — ⟦first⟧ ⟦first#2⟧",
    "Vendor support asked for our portal login. Shared: user ops@⟦dom⟧ / ⟦S:pw⟧ via phone.",
)
_T(
    "zendesk macro",
    'Ticket #⟦dig(6)⟧ — Customer wrote: "I can\'t log in, my password is ⟦S:pw⟧ and it keeps saying invalid"',
)
_T(
    "teams message",
    "⟦first⟧ ⟦clock⟧",
    "here's the temp token for the vendor portal, expires friday: ⟦S:alnum(28)⟧",
)
_T(
    "irc log",
    "[⟦clock⟧] <⟦user⟧> !deploy prod --token=⟦S:hex(32)⟧",
    "[⟦clock#2⟧] <deploybot> deploy queued (#⟦dig(4)⟧)",
)
_T(
    "github issue",
    "### Steps to reproduce",
    "1. `export API_TOKEN=⟦S:ghp⟧`",
    "2. run `./cli sync --org ⟦word⟧`",
    "3. see 502 on /graphql",
)
_T(
    "pagerduty note",
    'Incident #⟦dig(5)⟧ note by ⟦first⟧: "Root DB creds used for failover: postgres / ⟦S:pw⟧ — rotate in morning"',
)
_T(
    "email signature leak",
    "From: ⟦first⟧ <⟦user⟧@⟦dom⟧>",
    "Subject: RE: SFTP access",
    "Username: ext_⟦word⟧",
    "Password: ⟦S:pw⟧",
    "Host: sftp.⟦dom⟧ port 22",
)
_T(
    "runbook wiki",
    "h3. Break-glass",
    "|| System || Account || Secret ||",
    "| HSM partition | crypto_officer | ⟦S:pw⟧ |",
)

_F("shell_history")
_T(
    "bash_history mysql",
    "cd /opt/app",
    "mysql -h ⟦host⟧ -u root -p⟦S:pw⟧ ⟦word⟧ < fix.sql",
    "history | tail",
)
_T("zsh extended history", ": ⟦epoch⟧:0;export GITHUB_TOKEN=⟦S:ghp⟧", ": ⟦epoch#2⟧:0;gh pr list")
_T(
    "htpasswd -b",
    "sudo htpasswd -b /etc/nginx/.htpasswd ⟦user⟧ ⟦S:pw⟧",
    "sudo systemctl reload nginx",
)
_T("sshpass", "sshpass -p '⟦S:pw⟧' ssh -o StrictHostKeyChecking=no root@⟦ip⟧ 'uptime'")
_T("echo chpasswd", "echo '⟦user⟧:⟦S:pw⟧' | sudo chpasswd")
_T(
    "openssl pkcs12",
    "openssl pkcs12 -export -in cert.pem -inkey key.pem -out ⟦host⟧.p12 -passout pass:⟦S:pw⟧",
)
_T(
    "keytool",
    "keytool -importkeystore -srckeystore old.jks -srcstorepass ⟦S:pwa(12)⟧ -destkeystore new.p12 -deststoretype pkcs12 -deststorepass ⟦S:pwa(12)#2⟧",
)
_T("smbclient", "smbclient //⟦host⟧/share -U 'CORP\\⟦user⟧%⟦S:pw⟧' -c 'ls'")
_T("redis-cli", "redis-cli -h ⟦host⟧ -a '⟦S:pwa(24)⟧' --no-auth-warning INFO replication")
_T(
    "history numbered",
    "  ⟦num(100,999)⟧  vault login ⟦S:vault⟧",
    "  ⟦num(1000,1999)⟧  vault kv get secret/⟦word⟧",
)
_T("fish history", "- cmd: set -x OPENAI_API_KEY ⟦S:openai⟧", "  when: ⟦epoch⟧")
_T(
    "wget password",
    "wget --user=⟦user⟧ --password='⟦S:pw⟧' https://repo.⟦dom⟧/private/release.tar.gz",
)

_F("private_keys")
_T(
    "pem rsa",
    "-----BEGIN RSA PRIVATE KEY-----",
    "⟦S:pemrsa1b⟧",
    "⟦S:pemline⟧",
    "⟦S:pemline#2⟧",
    "-----END RSA PRIVATE KEY-----",
)
_T(
    "pem pkcs8 in log",
    "⟦tsl⟧ DEBUG tls: loaded key material:",
    "-----BEGIN PRIVATE KEY-----",
    "⟦S:pemrsa1⟧",
    "⟦S:pemline⟧",
    "-----END PRIVATE KEY-----",
)
_T(
    "ec key",
    "-----BEGIN EC PRIVATE KEY-----",
    "⟦S:pemec1⟧",
    "⟦S:pemline⟧",
    "-----END EC PRIVATE KEY-----",
)
_T(
    "openssh key",
    "$ cat ~/.ssh/id_ed25519",
    "-----BEGIN OPENSSH PRIVATE KEY-----",
    "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW",
    "⟦S:sshline⟧",
    "⟦S:sshline#2⟧",
    "-----END OPENSSH PRIVATE KEY-----",
)
_T(
    "putty ppk",
    "PuTTY-User-Key-File-3: ssh-rsa",
    "Encryption: none",
    "Comment: rsa-key-2026⟦dig(4)⟧",
    "Private-Lines: 14",
    "⟦S:ppkline⟧",
    "⟦S:ppkline#2⟧",
)
_T(
    "pgp private",
    "-----BEGIN PGP PRIVATE KEY BLOCK-----",
    "",
    "lQVYBG⟦S:pgpline⟧",
    "⟦S:pgpline#2⟧",
    "-----END PGP PRIVATE KEY BLOCK-----",
)
_T(
    "wireguard conf",
    "[Interface]",
    "Address = 10.66.0.⟦num(2,250)⟧/24",
    "PrivateKey = ⟦S:wgkey⟧",
    "[Peer]",
    "PublicKey = ⟦wgpub⟧",
    "PresharedKey = ⟦S:wgkey#2⟧",
)
_T("age key", "# created: ⟦date⟧T10:11:12Z", "# public key: age1⟦lowdig(58)⟧", "⟦S:age⟧")
_T(
    "jwk private",
    '{"kty":"EC","crv":"P-256","kid":"⟦hex(16)⟧","x":"⟦b64u(43)⟧","y":"⟦b64u(43)#2⟧","d":"⟦S:b64u(43)⟧"}',
)
_T("tor hs key", "== ed25519v1-secret: type0 ==", "⟦S:b64(64)⟧")
_T(
    "encrypted pem passphrase",
    "ssl_certificate_key /etc/nginx/ssl/⟦host⟧.key;",
    "ssl_password_file /etc/nginx/ssl/pass.txt;  # contains: ⟦S:pw⟧",
)

_F("cloud_vendor_tokens")
_T(
    "aws credentials file",
    "[prod-admin]",
    "aws_access_key_id = AKIA⟦updig(16)⟧",
    "aws_secret_access_key = ⟦S:aws_secret⟧",
    "region = ⟦region⟧",
)
_T(
    "sts output",
    "{",
    '    "Credentials": {',
    '        "AccessKeyId": "ASIA⟦updig(16)⟧",',
    '        "SecretAccessKey": "⟦S:aws_secret⟧",',
    '        "SessionToken": "⟦S:aws_session⟧",',
    '        "Expiration": "⟦ts⟧"',
    "    }",
    "}",
)
_T(
    "alibaba aliyun cli",
    "aliyun configure set --profile prod --mode AK --region cn-hangzhou --access-key-id LTAI⟦alnum(20)⟧ --access-key-secret ⟦S:alnum(30)⟧",
)
_T("tencent cloud", "TENCENTCLOUD_SECRET_ID=AKID⟦alnum(32)⟧", "TENCENTCLOUD_SECRET_KEY=⟦S:tencent⟧")
_T("ibm cloud", "$ ibmcloud login --apikey ⟦S:ibmkey⟧ -r eu-de", "Authenticating...", "OK")
_T("digitalocean doctl", "doctl auth init --access-token ⟦S:dop⟧ --context ⟦word⟧")
_T(
    "azure storage",
    "DefaultEndpointsProtocol=https;AccountName=⟦word⟧logs;AccountKey=⟦S:azure_key⟧;EndpointSuffix=core.windows.net",
)
_T("azure sp login", "az login --service-principal -u ⟦uuid⟧ -p '⟦S:azclient⟧' --tenant ⟦uuid#2⟧")
_T("backblaze b2", "b2 authorize-account 00⟦hex(23)⟧ ⟦S:b2⟧")
_T("cloudflare", "export CLOUDFLARE_API_TOKEN=⟦S:b64u(40)⟧", "export CF_API_KEY=⟦S:cfkey⟧")
_T(
    "akamai edgerc",
    "[default]",
    "client_secret = ⟦S:b64(32)⟧",
    "host = akab-⟦lowdig(16)⟧-⟦lowdig(16)#2⟧.luna.akamaiapis.net",
    "access_token = ⟦S:akab⟧",
    "client_token = ⟦S:akab#2⟧",
)
_T(
    "gcp api key url",
    "https://maps.googleapis.com/maps/api/geocode/json?address=Berlin&key=⟦S:gcpkey⟧",
)
_T(
    "oci config",
    "[DEFAULT]",
    "user=ocid1.user.oc1..aaaa⟦lowdig(56)⟧",
    "fingerprint=⟦fp⟧",
    "key_file=~/.oci/oci_api_key.pem",
    "pass_phrase=⟦S:pw⟧",
)

_F("saas_vendor_tokens")
_T("slack bot", "SLACK_BOT_TOKEN=⟦S:slackb⟧", "SLACK_SIGNING_SECRET=⟦S:hex(32)⟧")
_T(
    "slack webhook",
    "curl -X POST -H 'Content-type: application/json' --data '{\"text\":\"deploy done\"}' https://hooks.slack.com/services/T⟦updig(10)⟧/B⟦updig(10)#2⟧/⟦S:alnum(24)⟧",
)
_T("sendgrid", "⟦tsl⟧ mailer ERROR SendGrid 403 Forbidden with key ⟦S:sendgrid⟧")
_T("atlassian", "curl -u ⟦user⟧@⟦dom⟧:⟦S:atlassian⟧ https://⟦word⟧.atlassian.net/rest/api/3/myself")
_T("datadog", "DD_API_KEY=⟦S:hex(32)⟧ DD_APP_KEY=⟦S:hex(40)⟧ datadog-agent status")
_T("newrelic", "newrelic.yml:", "  license_key: '⟦S:nrlicense⟧'", "NEW_RELIC_USER_KEY=⟦S:nrak⟧")
_T("okta", "Authorization: SSWS ⟦S:oktassws⟧")
_T("shopify", "SHOPIFY_ACCESS_TOKEN=⟦S:shopify⟧", "SHOPIFY_API_SECRET=⟦S:shopify(shpss)⟧")
_T(
    "pagerduty",
    'curl -H "Authorization: Token token=u+⟦S:b64u(18)⟧" https://api.pagerduty.com/incidents',
)
_T(
    "telegram bot",
    "⟦tsl⟧ alert-bot: POST https://api.telegram.org/bot⟦S:telegram⟧/sendMessage chat_id=-100⟦dig(10)⟧",
)
_T(
    "twilio sendgrid mailchimp",
    "MAILCHIMP_API_KEY=⟦S:mailchimp⟧",
    "TWILIO_API_SECRET=⟦S:alnum(32)⟧ TWILIO_API_KEY=⟦S:twilio_sk⟧",
)
_T(
    "hubspot notion linear",
    "HUBSPOT_TOKEN=⟦S:hubspot⟧",
    "NOTION_TOKEN=secret_⟦S:alnum(43)⟧",
    "LINEAR_API_KEY=⟦S:linear⟧",
)
_T("postman grafana", '{"postman_api_key": "⟦S:postman⟧", "grafana_sa_token": "⟦S:grafana⟧"}')
_T("firebase mapbox", "FCM_SERVER_KEY=⟦S:firebase⟧", "MAPBOX_SECRET_TOKEN=⟦S:mapbox⟧")
_T("anthropic", "⟦ts⟧ llm-gateway: upstream=anthropic key=⟦S:anthropic⟧ status=529 overloaded")
_T(
    "duo ini",
    "[duo]",
    "ikey = DI⟦updig(18)⟧",
    "skey = ⟦S:duo⟧",
    "host = api-⟦hex(8)⟧.duosecurity.com",
)

_F("db_connection")
_T(
    "jdbc url",
    "spring.datasource.url=jdbc:mysql://⟦host⟧:3306/⟦word⟧?user=app&password=⟦S:pwa(16)⟧&serverTimezone=UTC",
)
_T(
    "mongodb uri",
    "MONGO_URL=mongodb+srv://⟦user⟧:⟦S:pwu⟧@cluster0.⟦lowdig(5)⟧.mongodb.net/⟦word⟧?retryWrites=true&w=majority",
)
_T(
    "odbc.ini",
    "[⟦word⟧DSN]",
    "Driver=/opt/microsoft/msodbcsql18/lib64/libmsodbcsql-18.so",
    "Server=⟦host⟧",
    "UID=report",
    "PWD=⟦S:pw⟧",
)
_T("sqlcmd", 'sqlcmd -S ⟦host⟧,1433 -U sa -P ⟦S:pw⟧ -Q "SELECT @@VERSION"')
_T("sybase isql", "isql -U sa -P ⟦S:pwa(12)⟧ -S SYB_⟦word⟧ -w 999")
_T("teradata bteq", ".LOGON tdprod/dbc,⟦S:pwa(12)⟧;", "*** Logon successfully completed.")
_T("cqlsh", "cqlsh ⟦host⟧ 9042 -u cassandra -p ⟦S:pw⟧ --ssl")
_T(
    "informix",
    "DATABASE=⟦word⟧;HOSTNAME=⟦host⟧;PORT=9088;PROTOCOL=onsoctcp;UID=informix;PWD=⟦S:pwa(10)⟧;",
)
_T("pgpass", "$ cat ~/.pgpass", "⟦host⟧:5432:*:replicator:⟦S:pw⟧")
_T("redis conf", "requirepass ⟦S:alnum(32)⟧", "masterauth ⟦S:alnum(32)⟧", "maxmemory 4gb")
_T(
    "db2 catalog",
    "db2 connect to SAMPLE user db2inst1 using ⟦S:pwa(10)⟧",
    'SQL30082N  Security processing failed with reason "24" ("USERNAME AND/OR PASSWORD INVALID").  SQLSTATE=08001',
)
_T("neo4j", "NEO4J_AUTH=neo4j/⟦S:pwa(14)⟧ docker run -p7474:7474 neo4j:5")

_F("messaging_middleware")
_T(
    "ibm mq mqsc",
    "DEFINE AUTHINFO(LDAP.AUTH) AUTHTYPE(IDPWLDAP) CONNAME('⟦host⟧(389)') LDAPUSER('cn=mqbind,dc=corp') LDAPPWD('⟦S:pw⟧')",
)
_T("mq client ini", "MQSAMP_USER_ID=app", "export MQ_PASSWORD=⟦S:pw⟧", "amqsputc ORDERS.IN QM1")
_T(
    "tibco ems",
    "tibemsadmin -server tcp://⟦host⟧:7222 -user admin -password ⟦S:pwa(12)⟧",
    "TIBCO Enterprise Message Service Administration Tool.",
)
_T(
    "kafka jaas",
    'sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="⟦word⟧-producer" password="⟦S:pwa(24)⟧";',
)
_T(
    "rabbitmqctl",
    "rabbitmqctl add_user ⟦word⟧_consumer '⟦S:pw⟧'",
    'Adding user "⟦word⟧_consumer" ...',
)
_T(
    "activemq",
    "<simpleAuthenticationPlugin>",
    "  <users>",
    '    <authenticationUser username="system" password="⟦S:pwa(14)⟧" groups="users,admins"/>',
    "  </users>",
    "</simpleAuthenticationPlugin>",
)
_T("nats creds", "-----BEGIN USER NKEY SEED-----", "⟦S:nkey⟧", "------END USER NKEY SEED------")
_T(
    "solace",
    "solace> enable",
    "solace# configure",
    "solace(configure)# create client-username ⟦word⟧ message-vpn default",
    "solace(configure/client-username)# password ⟦S:pw⟧",
)
_T(
    "azure service bus",
    "Endpoint=sb://⟦word⟧-bus.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=⟦S:b64(32)⟧",
)
_T(
    "kafka connect log",
    "⟦tsl⟧ INFO Creating connector jdbc-sink of type io.confluent.connect.jdbc.JdbcSinkConnector (org.apache.kafka.connect.runtime.Worker:284)",
    "\tconnection.password = ⟦S:pw⟧",
    "\tconnection.url = jdbc:postgresql://⟦host⟧:5432/dw",
)

_F("cicd_logs")
_T(
    "jenkins console",
    "[Pipeline] sh",
    "+ curl -s -H 'PRIVATE-TOKEN: ⟦S:glpat⟧' https://gitlab.⟦dom⟧/api/v4/projects/42/trigger/pipeline",
)
_T(
    "gitlab runner register",
    "sudo gitlab-runner register --non-interactive --url https://gitlab.⟦dom⟧ --token ⟦S:glrt⟧ --executor docker",
)
_T(
    "github actions",
    "Run docker login ghcr.io -u ⟦user⟧ -p ⟦S:ghp⟧",
    "WARNING! Using --password via the CLI is insecure. Use --password-stdin.",
)
_T("azure devops pat", "git clone https://pat:⟦S:azpat⟧@dev.azure.com/⟦word⟧/Platform/_git/infra")
_T(
    "teamcity build log",
    "[⟦clock⟧]i: Step 2/4: Publish (Command Line)",
    "[⟦clock⟧]W:	 npm config set //registry.npmjs.org/:_authToken ⟦S:npm⟧",
)
_T(
    "bitbucket pipelines",
    "+ git push https://x-token-auth:⟦S:bbapp⟧@bitbucket.org/⟦word⟧/app.git HEAD:release",
)
_T("twine upload", "$ TWINE_USERNAME=__token__ TWINE_PASSWORD=⟦S:pypi⟧ twine upload dist/*")
_T("terraform cloud", 'credentials "app.terraform.io" {', '  token = "⟦S:tfc⟧"', "}")
_T("drone secrets", "drone secret add --repository ⟦word⟧/api --name docker_password --data ⟦S:pw⟧")
_T("circleci env", "Exporting environment variables: HEROKU_API_KEY=⟦S:uuid⟧ CIRCLE_BRANCH=main")
_T(
    "github pat fine",
    "remote: Permission to ⟦word⟧/infra.git denied.",
    "fatal: unable to access 'https://⟦S:ghpat⟧@github.com/⟦word⟧/infra.git/': The requested URL returned error: 403",
)

_F("containers_k8s")
_T(
    "docker inspect env",
    '"Env": [',
    '    "PATH=/usr/local/sbin:/usr/local/bin",',
    '    "POSTGRES_PASSWORD=⟦S:pw⟧",',
    '    "PGDATA=/var/lib/postgresql/data"',
    "],",
)
_T(
    "kubectl describe pod env",
    "    Environment:",
    "      DB_HOST:      ⟦host⟧",
    "      DB_PASSWORD:  ⟦S:pw⟧",
    "      LOG_LEVEL:    info",
)
_T("kubeconfig token", "users:", "- name: ci-deployer", "  user:", "    token: ⟦S:jwt(RS256)⟧")
_T(
    "docker run -e",
    "docker run -d --name ⟦word⟧ -e MYSQL_ROOT_PASSWORD=⟦S:pw⟧ -p 3306:3306 mysql:8.4",
)
_T(
    "docker login",
    "$ echo ⟦S:pwa(20)⟧ | docker login registry.⟦dom⟧ -u robot$ci --password-stdin",
    "Login Succeeded",
)
_T(
    "helm set",
    "helm upgrade --install ⟦word⟧ bitnami/redis --set auth.password=⟦S:pwa(20)⟧ -n ⟦word⟧",
)
_T(
    "etcdctl",
    "ETCDCTL_API=3 etcdctl --user root:⟦S:pw⟧ --endpoints https://⟦ip⟧:2379 get /registry/secrets --prefix --keys-only",
)
_T(
    "compose file",
    "services:",
    "  grafana:",
    "    environment:",
    "      - GF_SECURITY_ADMIN_PASSWORD=⟦S:pw⟧",
    "      - GF_SECURITY_SECRET_KEY=⟦S:alnum(32)⟧",
)
_T(
    "vault agent log",
    "⟦ts⟧ [INFO]  agent.auth.handler: authentication successful, sending token to sinks",
    "⟦ts⟧ [DEBUG] agent.sink.file: token written: ⟦S:vault_long⟧",
)
_T("argo cd", "argocd login argocd.⟦dom⟧ --username admin --password ⟦S:alnum(16)⟧ --grpc-web")

_F("mail_legacy_protocols")
_T(
    "smtp auth login",
    "S: 334 VXNlcm5hbWU6",
    "C: ⟦b64user⟧",
    "S: 334 UGFzc3dvcmQ6",
    "C: ⟦S:b64of(pw)⟧",
    "S: 235 2.7.0 Authentication successful",
)
_T(
    "imap login",
    "a001 CAPABILITY",
    "* CAPABILITY IMAP4rev1 AUTH=PLAIN",
    'a002 LOGIN ⟦user⟧ "⟦S:pw⟧"',
    "a002 OK LOGIN completed",
)
_T("pop3", "+OK Dovecot ready.", "USER ⟦user⟧", "+OK", "PASS ⟦S:pw⟧", "+OK Logged in.")
_T(
    "ftp transcript",
    "Connected to ftp.⟦dom⟧.",
    "220 (vsFTPd 3.0.5)",
    "Name (ftp.⟦dom⟧:⟦user⟧): edi_upload",
    "331 Please specify the password.",
    "Password: ⟦S:pw⟧",
    "230 Login successful.",
)
_T("telnet", "⟦host⟧ login: admin", "Password: ⟦S:pwa(10)⟧", "Last login: ⟦sys⟧ from ⟦ip⟧")
_T(
    "ldapsearch -w",
    "ldapsearch -x -H ldaps://⟦host⟧ -D 'cn=admin,dc=example,dc=com' -w '⟦S:pw⟧' -b 'ou=people,dc=example,dc=com' '(uid=⟦user⟧)'",
)
_T(
    "snmpwalk v3",
    "snmpwalk -v3 -l authPriv -u monitor -a SHA -A '⟦S:pw⟧' -x AES -X '⟦S:pw#2⟧' ⟦ip⟧ sysDescr",
)
_T("snmp v2 community", "snmpget -v2c -c ⟦S:alnum(12)⟧ ⟦ip⟧ 1.3.6.1.2.1.1.5.0")
_T("postfix sasl_passwd", "# /etc/postfix/sasl_passwd", "[smtp.⟦dom⟧]:587 relay@⟦dom⟧:⟦S:pw⟧")
_T(
    "fetchmailrc",
    "poll imap.⟦dom⟧ protocol IMAP",
    '  user "⟦user⟧" there with password "⟦S:pw⟧" is "⟦user⟧" here',
)
_T("rsyncd secrets", "# /etc/rsyncd.secrets", "backup:⟦S:pwa(16)⟧")
_T("netrc", "machine ⟦fqdn⟧", "  login deploy", "  password ⟦S:pw⟧")

_F("vpn_ipsec")
_T("ipsec.secrets", "# /etc/ipsec.secrets", '⟦ip⟧ ⟦ip#2⟧ : PSK "⟦S:pw⟧"')
_T(
    "strongswan swanctl",
    "secrets {",
    "    ike-branch {",
    "        id = branch-⟦num(1,40)⟧.⟦dom⟧",
    "        secret = 0s⟦S:b64(24)⟧",
    "    }",
    "}",
)
_T("openvpn auth-user-pass", "$ cat /etc/openvpn/client/auth.txt", "vpn_⟦user⟧", "⟦S:pw⟧")
_T(
    "openvpn tls-auth",
    "<tls-auth>",
    "-----BEGIN OpenVPN Static key V1-----",
    "⟦S:hex(32)⟧",
    "⟦S:hex(32)#2⟧",
    "-----END OpenVPN Static key V1-----",
    "</tls-auth>",
)
_T(
    "wireguard wg show",
    "$ sudo wg showconf wg0",
    "[Interface]",
    "ListenPort = 51820",
    "PrivateKey = ⟦S:wgkey⟧",
)
_T(
    "l2tp chap-secrets",
    "# client\tserver\tsecret\t\t\tIP addresses",
    '"⟦user⟧"\tl2tpd\t"⟦S:pw⟧"\t*',
)
_T(
    "anyconnect",
    "$ echo '⟦S:pw⟧' | openconnect --user=⟦user⟧ --passwd-on-stdin --authgroup=Employees vpn.⟦dom⟧",
)
_T("meraki", 'Site-to-site VPN peer "⟦word⟧-DC" public IP ⟦ip⟧ shared secret: ⟦S:pwa(24)⟧')
_T(
    "vyos",
    "set vpn ipsec authentication psk ⟦word⟧ secret '⟦S:pw⟧'",
    "set vpn ipsec authentication psk ⟦word⟧ id '⟦ip⟧'",
)
_T(
    "tailscale authkey",
    "tailscale up --authkey=tskey-auth-⟦S:alnum(12)⟧-⟦S:alnum(33)#2⟧ --advertise-routes=10.0.0.0/16",
)

_F("session_cookies")
_T(
    "set-cookie jsessionid",
    "HTTP/1.1 200 OK",
    "Set-Cookie: JSESSIONID=⟦S:HEX(32)⟧; Path=/portal; Secure; HttpOnly",
)
_T(
    "phpsessid",
    '⟦ip⟧ - - [⟦num(10,28)⟧/Oct/2026:⟦clock⟧ +0000] "GET /admin/ HTTP/1.1" 200 4211 "-" "Mozilla/5.0" "PHPSESSID=⟦S:phpsess⟧"',
)
_T("aspxauth", "Cookie: ASP.NET_SessionId=⟦S:lowdig(24)⟧; .ASPXAUTH=⟦S:mscookie⟧")
_T("laravel session", "Cookie: XSRF-TOKEN=eyJpdiI6⟦alnum(40)⟧; laravel_session=⟦S:laravel⟧")
_T("connect.sid", "curl 'https://app.⟦dom⟧/api/me' -H 'cookie: connect.sid=⟦S:connectsid⟧'")
_T("django sessionid", "Cookie: csrftoken=⟦alnum(32)⟧; sessionid=⟦S:lowdig(32)⟧")
_T("rails session", "Cookie: _⟦word⟧_session=⟦S:railscookie⟧")
_T("oracle ebs cookie", "Cookie: ⟦pick(PROD|EBSP|FINP)⟧=⟦S:alnum(52)⟧; oracle.uix=0^^GMT+1:00^p")
_T(
    "weblogic cookie log",
    "⟦tsl⟧ DEBUG HttpSessionManager: session cookie _WL_AUTHCOOKIE_JSESSIONID=⟦S:alnum(20)⟧ bound to user ⟦user⟧",
)
_T(
    "grafana session",
    '⟦ts⟧ lvl=info msg="Request Completed" method=GET path=/api/dashboards status=200 cookie="grafana_session=⟦S:hex(32)⟧"',
)
_T("keycloak cookie", "Cookie: KEYCLOAK_IDENTITY=⟦S:jwt⟧; KEYCLOAK_SESSION=⟦word⟧/⟦uuid⟧/⟦uuid#2⟧")

_F("signing_webhooks")
_T("stripe whsec", "STRIPE_WEBHOOK_SECRET=⟦S:whsec⟧")
_T(
    "github webhook",
    "⟦tsl⟧ webhook-relay: configured repo hook id=⟦dig(9)⟧ content_type=json secret=⟦S:hex(40)⟧ insecure_ssl=0",
)
_T("django settings", "SECRET_KEY = '⟦S:django_sk⟧'", "DEBUG = False")
_T("rails credentials", "secret_key_base: ⟦S:rails_skb⟧")
_T("laravel env", "APP_NAME=⟦word⟧", "APP_KEY=⟦S:laravel_key⟧", "APP_DEBUG=false")
_T("flask config", "app.config['SECRET_KEY'] = '⟦S:hex(48)⟧'")
_T(
    "jwt hs256 secret",
    "⟦tsl⟧ WARN auth: JWT_SECRET is too short? jwt.secret=⟦S:b64(48)⟧ algo=HS256",
)
_T("svix", "SVIX_WEBHOOK_SECRET=⟦S:whsec⟧", "# consumer: billing-events")
_T("shopify hmac", "SHOPIFY_WEBHOOK_SECRET=⟦S:hex(64)⟧")
_T("nextauth", "NEXTAUTH_URL=https://app.⟦dom⟧", "NEXTAUTH_SECRET=⟦S:b64(32)⟧")
_T(
    "saml signing",
    '<md:KeyDescriptor use="signing">',
    "<!-- private key for ADFS token signing (exported for debugging!) -->",
    "<ds:X509Data><PrivateKey>⟦S:pemline⟧</PrivateKey></ds:X509Data>",
)

_F("mfa_recovery")
_T(
    "otpauth uri",
    "otpauth://totp/⟦word⟧:⟦user⟧?secret=⟦S:totp(32)⟧&issuer=⟦word⟧&algorithm=SHA1&digits=6&period=30",
)
_T("recovery codes list", "Your GitHub recovery codes:", "⟦S:rcode⟧", "⟦S:rcode#2⟧", "⟦S:rcode#3⟧")
_T("google backup codes", "BACKUP VERIFICATION CODES (⟦user⟧)", "1. ⟦S:rcode8⟧    2. ⟦S:rcode8#2⟧")
_T(
    "bitlocker",
    "BitLocker recovery key for WS-⟦dig(5)⟧:",
    "Identifier: ⟦UUID⟧",
    "Recovery Key: ⟦S:bitlocker⟧",
)
_T(
    "filevault",
    "$ sudo fdesetup changerecovery -personal",
    "New personal recovery key = '⟦S:filevault⟧'",
)
_T("sim pin puk", "SIM ICCID 8949⟦dig(15)⟧ PIN1: ⟦S:pin(4)⟧ PUK1: ⟦S:pin(8)⟧")
_T(
    "yubikey piv",
    "$ ykman piv access change-management-key -m ⟦S:HEX(48)⟧ -n ⟦S:HEX(48)#2⟧",
    "$ ykman piv access change-pin -P 123456 -n ⟦S:pin(8)⟧",
)
_T(
    "totp secret ticket",
    "MFA seed for the shared NOC account (scan or enter manually): ⟦S:totp(16)⟧",
)
_T(
    "door alarm pin",
    "Facilities: DC3 cage alarm disarm code is ⟦S:pin(6)⟧, badge reader override ⟦S:pin(8)⟧.",
)
_T(
    "veracrypt",
    "veracrypt --text --mount /dev/sdb1 /mnt/vault --password='⟦S:pw⟧' --pim=0 --keyfiles='' --protect-hidden=no",
)
_T("authy ironkey", "IronKey admin password: ⟦S:pw⟧ | device serial ⟦dig(10)⟧")

_F("storage_backup")
_T(
    "restic",
    "export RESTIC_REPOSITORY=s3:s3.⟦dom⟧/backups",
    "export RESTIC_PASSWORD='⟦S:pw⟧'",
    "restic snapshots",
)
_T("borg", "BORG_PASSPHRASE='⟦S:passphrase⟧' borg create ::'{hostname}-{now}' /etc /srv")
_T(
    "rclone config",
    "[offsite]",
    "type = sftp",
    "host = ⟦fqdn⟧",
    "user = backup",
    "pass = ⟦S:b64u(46)⟧",
)
_T(
    "netapp ontap",
    "cluster1::> security login password -username ⟦user⟧",
    "Enter your current password: ",
    "cluster1::> vserver cifs create -vserver svm1 -cifs-server SVM1 -domain CORP.EXAMPLE -admin-username svc_join -admin-password ⟦S:pw⟧",
)
_T("veeam", 'Add-VBRCredentials -User "CORP\\svc_veeam" -Password "⟦S:pw⟧" -Description "Proxy"')
_T(
    "synology",
    "⟦date⟧ ⟦clock⟧ hyperbackup: target login user=hb_⟦word⟧ password=⟦S:pwa(14)⟧ failed: 401",
)
_T(
    "s3cmd cfg",
    "[default]",
    "access_key = ⟦updig(20)⟧",
    "secret_key = ⟦S:aws_secret⟧",
    "host_base = s3.⟦dom⟧",
)
_T("duplicity", "PASSPHRASE=⟦S:pw⟧ duplicity /home sftp://backup@⟦host⟧//backups/home")
_T("minio mc", "mc alias set prod https://minio.⟦dom⟧ ⟦updig(20)⟧ ⟦S:alnum(40)⟧")
_T("commvault", "qlogin -cs ⟦host⟧ -u admin -clp ⟦S:pw⟧", "User logged in successfully.")

_F("web_server_access")
_T(
    "nginx access token",
    '⟦ip⟧ - - [24/Nov/2026:03:12:55 +0000] "GET /api/v1/export?format=csv&token=⟦S:alnum(40)⟧ HTTP/1.1" 200 88213 "-" "python-requests/2.32.3"',
)
_T(
    "apache api_key",
    '⟦ip⟧ - - [⟦num(10,28)⟧/Nov/2026:⟦clock⟧ +0000] "POST /hooks/inbound?api_key=⟦S:hex(32)⟧ HTTP/1.1" 202 - "-" "Go-http-client/2.0"',
)
_T(
    "iis log",
    "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip sc-status",
    "⟦date⟧ ⟦clock⟧ ⟦ip⟧ GET /ReportServer/Pages/ReportViewer.aspx rs:Command=Render&password=⟦S:pwa(12)⟧ 443 - ⟦ip#2⟧ 200",
)
_T(
    "haproxy stats",
    "listen stats",
    "    bind *:8404",
    "    stats enable",
    "    stats auth admin:⟦S:pw⟧",
)
_T(
    "azure sas in log",
    "⟦ts⟧ GET https://⟦word⟧store.blob.core.windows.net/exports/data.csv?sv=2022-11-02&ss=b&srt=o&sp=r&se=2026-12-01T00:00:00Z&sig=⟦S:sas_sig⟧ 200",
)
_T(
    "url credentials",
    "⟦tsl⟧ INFO  Fetching https://deploy:⟦S:pwa(16)⟧@artifacts.⟦dom⟧/repo/app-⟦ver⟧.jar",
)
_T(
    "envoy access log",
    '[⟦ts⟧] "GET /v2/orders HTTP/1.1" 200 - 0 4122 31 30 "⟦ip⟧" "okhttp/4.12" "⟦uuid⟧" "orders.⟦dom⟧" "x-api-key=⟦S:alnum(32)⟧"',
)
_T("squid cachemgr", "cachemgr_passwd ⟦S:pwa(12)⟧ all")
_T("varnish secret", "$ cat /etc/varnish/secret", "⟦S:uuid⟧")
_T(
    "cloudfront log",
    "⟦date⟧\t⟦clock⟧\tFRA56-P3\t1204\t⟦ip⟧\tGET\td111.cloudfront.net\t/private/report.pdf\t200\t-\tMozilla/5.0\tPolicy=⟦b64u(60)⟧&Signature=⟦S:b64u(172)⟧&Key-Pair-Id=K⟦updig(13)⟧",
)


# ======================================================================================
# KEEP TEMPLATES (diagnostic tokens next to tempting words; no secrets)
# ======================================================================================

_K(
    "otel token refresh",
    "⟦ts⟧ WARN token refresh failed trace_id=⟦K:trace⟧ span_id=⟦K:span⟧ status=UNAUTHENTICATED",
)
_K(
    "request id auth",
    "⟦tsl⟧ ERROR [auth-filter] credential check rejected request_id=⟦K:uuid⟧ reason=expired",
)
_K(
    "image digest secret mount",
    'Normal  Pulled  kubelet  Successfully pulled image "registry.⟦dom⟧/secrets-sync:⟦K:ver⟧" digest ⟦K:sha256⟧ (secret volume mounted)',
)
_K("git sha rotate", "Rotated signing key config in commit ⟦K:gitsha⟧ (password policy unchanged)")
_K("kms key arn", "Encrypting secret with key ⟦K:arn(kms)⟧")
_K(
    "secretsmanager arn",
    "⟦ts⟧ rotation lambda: finished secret ⟦K:arn(sm)⟧ version stage AWSCURRENT",
)
_K(
    "ssh fingerprint",
    "⟦sys⟧ ⟦host⟧ sshd[⟦K:pid⟧]: Accepted publickey for deploy from ⟦ip⟧ port 52144 ssh2: ED25519 key ⟦K:sshfp⟧",
)
_K(
    "gpg key id",
    "gpg: Signature made ⟦sys⟧ UTC using RSA key ⟦K:gpgfp⟧",
    'gpg: Good signature from "Release Signing Key"',
)
_K(
    "cert thumbprint",
    "Schannel: the TLS server credential's certificate thumbprint ⟦K:thumb⟧ has expired; auth will fail",
)
_K(
    "cert serial",
    "Certificate serial ⟦K:serial⟧ revoked; key usage: digitalSignature, keyEncipherment",
)
_K(
    "ora error",
    "ORA-01017: invalid username/password; logon denied (⟦K:lit(ORA-01017)⟧) audit id ⟦K:num(1000000,9999999)⟧",
)
_K(
    "kerberos error",
    "⟦sys⟧ ⟦host⟧ krb5kdc[⟦K:pid⟧]: AS_REQ (4 etypes) ⟦ip⟧: ⟦K:lit(KDC_ERR_PREAUTH_FAILED)⟧: svc_http for krbtgt/CORP.EXAMPLE.NET, password/key mismatch",
)
_K(
    "windows event 4625",
    "An account failed to log on. Status: ⟦K:lit(0xC000006D)⟧ Sub Status: ⟦K:lit(0xC000006A)⟧ (bad password) Logon Process: NtLmSsp Caller Process ID: ⟦K:pfx(0x,hex,4)⟧",
)
_K(
    "aadsts",
    "AADSTS50126: Error validating credentials due to invalid username or password. Trace ID: ⟦K:uuid⟧ Correlation ID: ⟦K:uuid#2⟧ Timestamp: ⟦K:ts⟧",
)
_K("pod name", 'secret "db-credentials" not found for pod ⟦K:pod⟧ in namespace payments')
_K(
    "container id",
    "containerd: task ⟦K:hex(64)⟧ exited; token volume /var/run/secrets/kubernetes.io/serviceaccount unmounted",
)
_K(
    "vault lease meta",
    "⟦ts⟧ [INFO] expiration: lease revoked, request_id=⟦K:uuid⟧ (auth method approle, mount accessor ⟦K:pfx(auth_approle_,hex,8)⟧)",
)
_K(
    "jwt kid",
    "JWKS refresh: key id kid=⟦K:hex(20)⟧ alg=RS256 use=sig added to token verifier cache",
)
_K(
    "oauth client id",
    "OAuth client_id=⟦K:uuid⟧ token endpoint returned invalid_grant after ⟦K:ms⟧ ms",
)
_K(
    "http 401 metrics",
    'auth_failures_total{method="password",realm="corp"} ⟦K:num(10000,99999)⟧ p99_latency_ms=⟦K:lit(412.7)⟧',
)
_K(
    "version banner",
    "OpenSSH_9.6p1, OpenSSL 3.0.13 30 Jan 2024 -- key exchange curve25519-sha256, host key ⟦K:sshfp⟧ (ssh transport)",
)
_K(
    "file path key",
    'nginx: [emerg] cannot load certificate key "⟦K:lit(/etc/pki/tls/private/edge-proxy.key)⟧": PEM_read_bio_PrivateKey() failed',
)
_K(
    "java keystore path",
    "⟦tsl⟧ ERROR keystore password check failed for ⟦K:lit(/opt/weblogic/config/identity.jks)⟧ (alias ⟦K:lit(wls-identity-2026)⟧)",
)
_K(
    "sap error",
    "⟦tsl⟧ RFC_LOGON_FAILURE: Password logon no longer possible - too many failed attempts (⟦K:lit(RFC_ERROR_LOGON_FAILURE)⟧) client 400 trace ⟦K:UUID⟧",
)
_K(
    "racf message",
    "ICH408I USER(⟦K:lit(BATCH01)⟧) GROUP(⟦K:lit(PRODGRP)⟧) NAME(NIGHTLY) LOGON/JOB INITIATION - INVALID PASSWORD",
)
_K("jes job", "⟦clock⟧ ⟦K:jobid⟧ $HASP395 PWRESET ENDED - RC=0000 (credential refresh step)")
_K(
    "slurm job",
    "slurmstepd: error: *** JOB ⟦K:num(1000000,9999999)⟧ ON gpu-node⟦num(10,99)⟧ CANCELLED AT ⟦K:ts⟧ *** (munge credential expired)",
)
_K(
    "sip call id",
    "⟦tsl⟧ NOTICE[⟦K:pid⟧] chan_sip.c: Registration from '\"2003\"' failed for '⟦ip⟧' - Wrong password Call-ID ⟦K:hex(32)⟧",
)
_K(
    "stripe request id",
    "Stripe API error: No such token (request id: ⟦K:pfx(req_,alnum,14)⟧, idempotency key ⟦K:uuid⟧)",
)
_K(
    "payment trace",
    "Gateway auth declined: response code 05 reason DO_NOT_HONOR, psp_reference ⟦K:dig(16)⟧, session key rotation id ⟦K:uuid⟧",
)
_K(
    "fix session",
    "⟦tsl⟧ FIX session FIX.4.4:BUYSIDE->BROKER logon rejected (Text=invalid password) MsgSeqNum=⟦K:num(100000,999999)⟧ SessionID ⟦K:uuid⟧",
)
_K(
    "game build",
    "Server build ⟦K:num(10000000,19999999)⟧ branch public; steam auth session ticket validated for appid ⟦K:lit(896660)⟧",
)
_K(
    "mqtt client id",
    "⟦tsl⟧ mosquitto[⟦K:pid⟧]: Client ⟦K:pfx(sensor-line3-,hex,6)⟧ disconnected, not authorised (bad username or password)",
)
_K(
    "firmware version",
    "ota: firmware ⟦K:ver⟧ sha256 ⟦K:hex(64)⟧ signed with key id ⟦K:hex(16)⟧ verified",
)
_K(
    "bmc sel",
    "SEL Record ID ⟦K:hex(4)⟧: Session Audit, Invalid password for user ADMIN, BMC firmware ⟦K:lit(3.88.0)⟧",
)
_K(
    "cisco log",
    "%SEC_LOGIN-4-LOGIN_FAILED: Login failed [user: netops] [Source: ⟦ip⟧] [localport: 22] [Reason: Login Authentication Failed] at ⟦K:clock⟧ UTC Tue Nov 24 2026",
)
_K(
    "junos commit",
    "⟦sys⟧ ⟦host⟧ mgd[⟦K:pid⟧]: UI_COMMIT_COMPLETED: commit complete, authentication-key hidden, commit id ⟦K:num(100000,999999)⟧",
)
_K(
    "fortios log",
    'date=⟦date⟧ logid="⟦K:dig(10)⟧" type="event" subtype="system" action="login" status="failed" reason="passwd_invalid" msg="Administrator admin login failed" srcport=⟦K:num(30000,60000)⟧ devid="⟦K:pfx(FGT60F,dig,10)⟧"',
)
_K(
    "crash hs_err",
    "# Problematic frame: C  [⟦K:lit(libcrypto.so.3+0x1a2b3c)⟧] EVP_DecryptUpdate+0x4c (while unwrapping key) pid=⟦K:pid⟧",
)
_K(
    "python traceback",
    '  File "⟦K:lit(/srv/app/auth/token_store.py)⟧", line ⟦num(100,999)⟧, in load_secret',
    "KeyError: 'password'",
)
_K(
    "go panic",
    "goroutine ⟦K:num(1000,9999)⟧ [running]: github.com/acme/authsvc/session.(*Store).Get(0x⟦K:hex(12)⟧) session/store.go:88",
)
_K(
    "core file",
    "systemd-coredump[⟦K:pid⟧]: Process ⟦K:pid#2⟧ (secretd) of user 998 dumped core. Module ⟦K:lit(libsecret-1.so.0)⟧ build-id ⟦K:hex(40)⟧",
)
_K(
    "har timings",
    '"startedDateTime": "⟦K:ts⟧", "time": ⟦K:lit(231.44)⟧, "request": {"url": "https://id.⟦dom⟧/oauth2/token", "headersSize": ⟦num(400,900)⟧}',
)
_K(
    "har entry id",
    '"_requestId": "⟦K:num(10000,99999)⟧.⟦num(100,999)⟧", "_initiator": {"type": "script"}, "url": "https://app.⟦dom⟧/session/keepalive"',
)
_K(
    "k8s secret meta",
    "kind: Secret",
    "metadata:",
    "  name: tls-⟦word⟧",
    '  resourceVersion: "⟦K:num(1000000,9999999)⟧"',
    "  uid: ⟦K:uuid⟧",
)
_K(
    "helm release",
    'Release "auth-proxy" has been upgraded. REVISION: ⟦num(10,99)⟧ CHART: auth-proxy-⟦K:ver⟧ (token secret unchanged)',
)
_K(
    "docker digest",
    "Digest: ⟦K:sha256⟧ Status: Downloaded newer image for vault:⟦K:ver⟧ (unseal key shares: 5, threshold: 3)",
)
_K(
    "ci run",
    "Run #⟦K:num(10000,99999)⟧ on commit ⟦K:gitsha⟧: masked 3 secrets in log output; job token expired",
)
_K("npm integrity", "npm notice integrity: ⟦K:pfx(sha512-,b64,64)⟧ (auth token from .npmrc)")
_K(
    "aws request id",
    "An error occurred (InvalidClientTokenId) when calling the GetCallerIdentity operation: The security token included in the request is invalid. RequestId: ⟦K:uuid⟧",
)
_K(
    "iam role arn",
    "AssumeRole for ⟦K:arn⟧ failed: session duration exceeds credential max, request ⟦K:uuid⟧",
)
_K(
    "azure tenant",
    "Tenant ⟦K:uuid⟧ app id ⟦K:uuid#2⟧: client secret expires ⟦K:date⟧ (key id ⟦K:uuid#3⟧)",
)
_K(
    "gcp sa key id",
    "Service account key ⟦K:hex(40)⟧ disabled for etl@⟦word⟧-prod.iam.gserviceaccount.com",
)
_K(
    "db error code",
    'psql: error: FATAL: password authentication failed for user "report" (SQLSTATE ⟦K:lit(28P01)⟧) backend pid ⟦K:pid⟧',
)
_K(
    "sqlserver error",
    "Login failed for user 'app'. Reason: Password did not match. [CLIENT: <local>] Error: ⟦K:lit(18456)⟧, Severity: 14, State: 8.",
)
_K(
    "mq reason",
    "AMQ5534E: User ID 'app' authentication failed; MQRC 2035 ⟦K:lit(MQRC_NOT_AUTHORIZED)⟧ conn ⟦K:pfx(414D5143514D312020202020202020,HEX,16)⟧",
)
_K(
    "kafka error",
    "[⟦tsl⟧] ERROR [Consumer clientId=⟦K:lit(billing-consumer-7)⟧] SASL authentication failed (credential mismatch) offset ⟦K:num(1000000,99999999)⟧",
)
_K(
    "vpn log",
    "⟦sys⟧ ⟦host⟧ charon: 09[IKE] IKE_SA branch[⟦num(100,999)⟧] established, SPI ⟦K:hex(16)⟧_i ⟦K:hex(16)#2⟧_r (pre-shared key auth)",
)
_K(
    "wg public key",
    "peer: ⟦K:wgpub⟧",
    "  endpoint: ⟦ip⟧:51820",
    "  latest handshake: 1 minute, 2 seconds ago (private key not shown)",
)
_K(
    "session metrics",
    'active_sessions{node="⟦K:pod⟧"} 412  session_store_hit_ratio ⟦K:lit(0.9731)⟧',
)
_K(
    "webhook delivery",
    "Webhook delivery ⟦K:uuid⟧ to https://hooks.⟦dom⟧/in failed 3x; signing secret OK, HTTP 502 after ⟦K:ms⟧ms",
)
_K(
    "mfa event",
    "MFA challenge ⟦K:uuid⟧ for user id ⟦K:num(100000,999999)⟧ passed (authenticator: TOTP), session age ⟦K:lit(3600s)⟧",
)
_K(
    "bitlocker id",
    "BitLocker protector added: Numerical Password, ID {⟦K:UUID⟧} (recovery key escrowed to AD)",
)
_K(
    "backup snapshot",
    "restic: snapshot ⟦K:hex(8)⟧ saved (repository ⟦K:hex(10)⟧, password from RESTIC_PASSWORD_FILE)",
)
_K(
    "nginx access keep",
    '⟦ip⟧ - - [24/Nov/2026:03:12:55 +0000] "POST /v1/auth/token HTTP/1.1" 401 62 "-" "curl/8.5.0" rt=⟦K:lit(0.012)⟧ req_id=⟦K:hex(32)⟧',
)
_K(
    "checksum artifact",
    "Verifying credential-helper-⟦K:ver⟧-linux-amd64.tar.gz: SHA256 ⟦K:hex(64)⟧ OK",
)
_K(
    "license key id",
    "License key id ⟦K:pfx(LIC-,dig,8)⟧ (public), seats ⟦num(100,999)⟧, secret storage backend: ⟦K:lit(hashicorp-vault)⟧",
)
_K("port and pid", "secretd listening on ⟦K:lit(0.0.0.0:8200)⟧ pid ⟦K:pid⟧ (token auth enabled)")
_K(
    "ldap result",
    "ldap_bind: Invalid credentials (49) data 52e, v4563 (⟦K:lit(80090308)⟧: LdapErr: ⟦K:lit(DSID-0C09044E)⟧) -- dn uid=⟦user⟧,ou=people request ⟦K:num(1000,9999)⟧",
)
_K(
    "saml assertion id",
    "SAML assertion ID ⟦K:pfx(_,hex,40)⟧ InResponseTo _⟦hex(40)⟧ rejected: signing key certificate not trusted",
)
_K(
    "trace waterfall",
    "span auth.verify_password ⟦K:span⟧ parent ⟦K:span#2⟧ duration=⟦K:lit(183.2ms)⟧ trace ⟦K:trace⟧",
)
_K(
    "ticket number",
    "Incident ⟦K:pfx(INC,dig,7)⟧: credential rotation for service account svc_report completed, change ⟦K:pfx(CHG,dig,7)⟧",
)
_K(
    "pagerduty dedup",
    'dedup_key=⟦K:hex(32)⟧ summary="Secret expiry in 7 days for ⟦word⟧-api" severity=warning',
)
_K(
    "hpc job keep",
    "JobId=⟦K:num(1000000,9999999)⟧ JobName=token-refresh UserId=⟦user⟧(⟦K:num(10000,60000)⟧) ExitCode=0:0 NodeList=⟦K:lit(gpu-node[07-12])⟧",
)
_K(
    "sap sm21",
    "⟦tsl⟧ SM21 BU1: Password check failed for user WF-BATCH in client 400, terminal ⟦K:lit(W-42317)⟧, work process ⟦num(10,60)⟧",
)
_K(
    "oracle listener",
    "TNS-12535: TNS:operation timed out; ns secondary err code: 12560 (auth session) client address=(PORT=⟦K:num(30000,65000)⟧) ⟦K:lit(TNS-12535)⟧",
)
_K(
    "windows event keep",
    "EventID 4648 A logon was attempted using explicit credentials. Logon GUID: {⟦K:UUID⟧} Process ID: ⟦K:pfx(0x,hex,4)⟧",
)
_K(
    "java stack keep",
    "\tat com.acme.security.PasswordEncoder.matches(PasswordEncoder.java:⟦num(50,400)⟧) ~[security-core-⟦K:ver⟧.jar:?]",
)
_K(
    "mainframe abend",
    "IEA995I SYMPTOM DUMP OUTPUT  SYSTEM COMPLETION CODE=0C4 REASON CODE=⟦K:lit(00000011)⟧ (RACF password verify module ICHRIX02)",
)
_K(
    "telecom imsi",
    "Auth vector request for IMSI ⟦K:pfx(20801,dig,10)⟧ via Diameter Session-Id ⟦K:pfx(hss.example;,dig,10)⟧ result ⟦K:lit(DIAMETER_SUCCESS)⟧",
)
_K(
    "iot thing",
    "AWS IoT thing ⟦K:pfx(plant-line3-gw-,hex,8)⟧ certificate id ⟦K:hex(64)⟧ attached to policy (credential provider role alias)",
)
_K(
    "core gdb bt",
    "#3  0x⟦K:hex(12)⟧ in auth_check_password (ctx=0x⟦hex(12)⟧) at auth.c:⟦num(100,900)⟧",
)
_K(
    "config version",
    'config reload ok: secrets.yaml revision ⟦num(100,999)⟧ etag "⟦K:hex(32)⟧" (values redacted)',
)
_K(
    "key rotation schedule",
    "next key rotation at ⟦K:ts⟧ for key alias ⟦K:lit(alias/payments-data-key)⟧ (password-less)",
)
_K(
    "encoded keep",
    "X-Request-ID: ⟦K:uuid⟧ X-B3-TraceId: ⟦K:trace⟧ X-B3-SpanId: ⟦K:span⟧ Authorization: [REDACTED]",
)
_K(
    "multilingual keep",
    "Passwort-Reset fehlgeschlagen, Vorgangs-ID ⟦K:uuid⟧, Fehlercode ⟦K:lit(E-4011)⟧",
)
_K(
    "multilingual keep ja",
    "認証トークンの更新に失敗しました (トレースID: ⟦K:trace⟧, エラーコード ⟦K:lit(AUTH-1402)⟧)",
)
_K(
    "multilingual keep fr",
    "Échec de l'authentification : identifiant de corrélation ⟦K:pfx(corr-,hex,12)⟧ (clé publique ⟦K:sshfp⟧)",
)


# ======================================================================================
# public API
# ======================================================================================


def _dedup(seq: list[str]) -> tuple[str, ...]:
    out: list[str] = []
    for s in seq:
        if s not in out:
            out.append(s)
    return tuple(out)


def cases(seed: int = SEED) -> list[Case]:
    out: list[Case] = []
    for idx, (family, fmt, lines) in enumerate(_TEMPLATES):
        for v in range(VARIANTS):
            r = random.Random(f"J|{seed}|case|{idx}|{v}")
            rendered, secrets, _ = _render(r, lines)
            out.append(Case(family, fmt, rendered, _dedup(secrets)))
    return out


def keep_list(seed: int = SEED) -> list[Keep]:
    values = {v for c in cases(seed) for v in c.values}
    joined = "\x00".join(sorted(values))

    def clashes(tok: str) -> bool:
        return tok in joined

    out: list[Keep] = []
    for idx, (fmt, lines) in enumerate(_KEEPS):
        for v in range(VARIANTS):
            r = random.Random(f"J|{seed}|keep|{idx}|{v}")
            rendered, _, toks = _render(r, lines, avoid=clashes)
            out.append(Keep(fmt, rendered, _dedup(toks)))
    return out


# ======================================================================================
# self check (prints counts only)
# ======================================================================================

_IPV4 = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")
_TEMPT = re.compile(
    r"token|key|passw|secret|auth|session|credential|認証|トークン|clé|schlüssel", re.IGNORECASE
)
_COMMON_WORDS = {
    "password",
    "secret",
    "admin",
    "changeme",
    "default",
    "letmein",
    "welcome",
    "qwerty",
    "monkey",
    "dragon",
    "master",
    "shadow",
    "root",
    "test",
    "guest",
    "none",
    "null",
    "true",
    "false",
}


def _check() -> None:
    cs = cases()
    ks = keep_list()
    assert len(cs) == len(_TEMPLATES) * VARIANTS
    # determinism
    assert cs == cases() and ks == keep_list()
    all_values: list[str] = []
    fam_templates: dict[str, int] = {}
    for fam, _fmt, _lines in _TEMPLATES:
        fam_templates[fam] = fam_templates.get(fam, 0) + 1
    for c in cs:
        assert isinstance(c.family, str) and c.family and isinstance(c.format, str) and c.format
        assert 1 <= len(c.lines) <= 8, (c.family, c.format)
        assert c.values, (c.family, c.format)
        assert not any("⟦" in ln or "⟧" in ln for ln in c.lines), c.format
        for v in c.values:
            assert len(v) >= 4, c.format
            assert any(v in ln for ln in c.lines), c.format
            assert not (v.isalpha() and v.islower() and len(v) < 8), c.format
            assert v.lower() not in _COMMON_WORDS, c.format
            all_values.append(v)
    assert len(all_values) == len(set(all_values)), "duplicate planted value"
    value_blob = "\x00".join(all_values)
    n_tok = 0
    for k in ks:
        assert 1 <= len(k.lines) <= 8 and k.tokens, k.format
        text = "\n".join(k.lines)
        assert not any("⟦" in ln or "⟧" in ln for ln in k.lines), k.format
        assert _TEMPT.search(text), k.format
        for t in k.tokens:
            n_tok += 1
            assert len(t) >= 4, k.format
            assert any(t in ln for ln in k.lines), k.format
            assert not _IPV4.match(t), k.format
            assert "@" not in t, k.format
            assert t not in value_blob, k.format
        for v in all_values:
            assert v not in text, k.format
    fams = sorted(fam_templates)
    print(f"families: {len(fams)}")
    print(f"case templates: {len(_TEMPLATES)}")
    print(f"cases: {len(cs)}")
    print(f"values: {len(all_values)}")
    print(f"keep templates: {len(_KEEPS)}")
    print(f"keep entries: {len(ks)}")
    print(f"keep tokens: {n_tok}")
    for f in fams:
        print(f"  {f}: {fam_templates[f]}")


if __name__ == "__main__":
    _check()
