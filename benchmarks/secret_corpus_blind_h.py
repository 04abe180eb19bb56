# ruff: noqa: E501, RUF001, SIM905, B023
"""Sealed blind corpus H for the secret sanitizer.

Written by helper H on 2026-12-02 without reading the sanitizer, its tests, the other
corpora or any benchmark results; nothing here was tuned against the sanitizer.

Contents: 400 templates in 40 families, each rendered twice with fresh random values and
names, giving 800 cases and 848 planted secret values (default seed). Families: process
listings; systemd and journald; containers and images; kubernetes and orchestrators (incl.
Nomad, ECS, OpenShift, Argo CD, Swarm); ci/cd logs (GitHub Actions, GitLab, Jenkins, Buildkite,
Tekton, Argo Workflows, TeamCity, Bamboo, Azure DevOps, Concourse); infrastructure as code and
config management; application config files; source code and framework settings; web servers
and proxies; mail servers and transcripts; databases, caches and brokers configuration;
directory and authentication services; network devices and VPN; BMC, storage and backup tools;
connection strings and DSNs; HTTP traces and access logs; protocol transcripts; SQL and
database shells; stack traces and crash output; cloud CLI output (AWS, Azure, GCP); cloud CLI
output (other providers); secret managers and vaults; team chat (Latin-script languages); team
chat (non-Latin scripts); tickets and e-mail; credential files and password exports; package
manager and registry credentials; encoded secrets (base64, URL, double-URL, form, JSON,
quoted-printable, XML entities, Java and JSON unicode escapes, UTF-16 base64, hex); payment and
commerce API keys; SaaS and AI platform tokens; private keys and keystores; 2FA seeds, recovery
codes and PINs; secrets recognisable only by context; shell history and scripts; Windows and
Active Directory; wireless, IoT and home automation; monitoring and observability; telephony
and VoIP; data and ML platforms; mobile and desktop build signing. Prose covers 25 languages
(English, German, French, Spanish, Portuguese, Italian, Dutch, Polish, Czech, Swedish, Turkish,
Vietnamese, Indonesian, Russian, Ukrainian, Greek, Arabic, Hebrew, Hindi, Japanese, Chinese,
Korean, Thai, Persian, Serbian).

Keep list: 85 templates rendered twice, 170 entries with 302 diagnostic tokens (trace and span
ids, UUIDs, digests, git SHAs, versions, timestamps, error codes, pod and container names, PIDs,
inode numbers, fingerprints, serials, key ids, lease and lock ids, ARNs, resource and file
paths, metrics), each inside lines that also talk about tokens, keys, passwords, secrets, auth,
sessions or credentials.

Each template is plain text with markers: a secret span (recorded as a planted value) and a
filler span (random non-secret names, hosts, times), plus keep markers in the keep list.
Every random value comes from a seeded random.Random; none is a real credential.
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
import json
import quopri
import random
import re
import string
import urllib.parse
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


# --------------------------------------------------------------------------- alphabets

LOW = string.ascii_lowercase
UP = string.ascii_uppercase
DIG = string.digits
ALNUM = LOW + UP + DIG
HEX = "0123456789abcdef"
HEXU = "0123456789ABCDEF"
B64 = ALNUM + "+/"
B64U = ALNUM + "-_"
CRYPT = "./" + ALNUM
B32 = UP + "234567"
BECH = "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L"
K8SSUF = "bcdfghjklmnpqrstvwxz2456789"

FIRST = (
    "alice bob carlos dmitri elena farah giulia hiroshi ingrid jamal kenji lucia mateo nadia "
    "oskar priya quentin rosa sven tariq ursula viktor wei xenia yusuf zofia amara bjorn chen "
    "diego emeka fatima goran hana ivan jonas keiko liam mei noor olga pablo ravi sara tomas "
    "uma vera wren aiko bruno celine dario esra felix greta hugo ilse joao kasia leon marta"
).split()
LAST = (
    "novak lindqvist okafor tanaka moreau schulz rossi kowalski haddad petrov silva nguyen "
    "garcia jensen ivanova dubois kaya mehta sato fischer oliveira horvat andersen berg "
    "castillo dimitrov eriksen ferreira gallo hoffmann ito janssen kovacs laine murphy"
).split()
SERVICES = (
    "billing checkout ledger orders auth search inventory notify reports gateway payments "
    "catalog profile media scheduler ingest export audit shipping pricing invoicing crm "
    "telemetry booking loyalty warehouse"
).split()
DOMAINS = (
    "veltrix.io northhollow.net altamesa.dev brightpeak.co kestrel-labs.com quillon.org "
    "marrowind.io fenwick-retail.com osprey-data.net tidewater.cloud lumenhart.de "
    "corvane.fr saltmarsh.co.uk harbinger-ops.net"
).split()
ROLES = (
    "db pg mysql redis mq api web app worker cache es kafka vault ci git ldap mail nas bkp".split()
)
ENVS = "prod staging stage dev qa uat preprod".split()
REGIONS = (
    "us-east-1 us-east-2 us-west-2 eu-west-1 eu-central-1 eu-north-1 ap-southeast-1 "
    "ap-northeast-1 sa-east-1 ca-central-1"
).split()
PWWORDS = (
    "lantern orchid harbor falcon maple canyon ginger velvet copper willow thunder marble "
    "saffron juniper cobalt meadow pepper quartz river summit tangerine walnut zephyr amber "
    "biscuit cactus dolphin ember fjord glacier hazel iris jasper kettle lemon mango nutmeg "
    "olive pumpkin quill raven sparrow tulip umber violet wombat yonder badger cinder dune "
    "fennel gravel heron indigo kiwi lotus magnet nectar opal pebble rocket sable timber"
).split()
PHRASEWORDS = (
    "acorn bronze candle drift eagle fossil garnet hollow island jungle kayak ladder mosaic "
    "nickel oyster parade quiver ribbon saddle tripod unicorn valley wagon yellow zipper "
    "anchor banjo cellar donkey fabric goblin hammer igloo jigsaw kitten lizard muffin "
    "napkin oxygen pillow rabbit silver tunnel urchin velcro walrus yogurt blossom crater "
    "dragon flute gospel hornet jelly lobster mirror noodle orbit puzzle radar scooter"
).split()
UNIWORDS = (
    "Kürbis Straße Grüße Ørnerede Måneskin Çiçekli Żółwik Příšera Ξενώνας Снегопад Журавль "
    "Фонарик Ліхтарик 月光 東京タワー 사랑해요 ضوءالقمر שלוםעולם Ñandú Crème Höhle Köttbullar "
    "Çamaşır Ünlü Åkerbär Łódka Ežiukas Şelale नमस्ते ดอกไม้ Hòabình"
).split()
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
WDAYS = "Mon Tue Wed Thu Fri Sat Sun".split()


# --------------------------------------------------------------------------- generator


class _Gen:
    """Per-instance generator: secret kinds are s_*, filler kinds f_*, keep kinds k_*."""

    def __init__(self, rng: random.Random, forbid: frozenset[str] = frozenset()) -> None:
        self.r = rng
        self.labels: dict[str, str] = {}
        self.forbid = forbid
        self.sticky: dict[str, str] = {}
        start = _dt.datetime(2026, 1, 5, tzinfo=_dt.UTC)
        self.t = start + _dt.timedelta(seconds=rng.randrange(0, 325 * 86400))

    # ---- primitives
    def pk(self, alphabet: str, n: int) -> str:
        return "".join(self.r.choice(alphabet) for _ in range(n))

    def al(self, n: int) -> str:
        return self.pk(ALNUM, n)

    def hx(self, n: int) -> str:
        return self.pk(HEX, n)

    def b64(self, nbytes: int, pad: bool = True) -> str:
        s = base64.b64encode(self.r.randbytes(nbytes)).decode()
        return s if pad else s.rstrip("=")

    def b64u(self, nbytes: int) -> str:
        return base64.urlsafe_b64encode(self.r.randbytes(nbytes)).decode().rstrip("=")

    def uid(self) -> str:
        h = self.hx(32)
        v = "4" + h[13:16]
        w = self.r.choice("89ab") + h[17:20]
        return f"{h[:8]}-{h[8:12]}-{v}-{w}-{h[20:32]}"

    def one(self, seq):
        return self.r.choice(seq)

    def _mixed(self, n: int, sym: str) -> str:
        while True:
            chars = [self.r.choice(UP), self.r.choice(LOW), self.r.choice(DIG)]
            if sym:
                chars.append(self.r.choice(sym))
            pool = ALNUM * 2 + sym
            chars += [self.r.choice(pool) for _ in range(n - len(chars))]
            self.r.shuffle(chars)
            s = "".join(chars)
            if s[0] in ALNUM:
                return s

    # ---- secret kinds
    def s_pw(self, n: str = "") -> str:
        return self._mixed(int(n) if n else self.r.randint(12, 20), "!*-_.+^~")

    def s_pwa(self, n: str = "") -> str:
        return self._mixed(int(n) if n else self.r.randint(14, 24), "")

    def s_pwl(self) -> str:
        return self._mixed(self.r.randint(28, 40), "")

    def s_pwsh(self) -> str:
        """A password safe inside single quotes and most config syntaxes."""
        return self._mixed(self.r.randint(11, 18), "-_.%+=,")

    def s_pwsym(self) -> str:
        """A password with URL-reserved characters (meant to be URL-encoded)."""
        base = self._mixed(self.r.randint(10, 15), "!*-_.")
        extra = self.r.sample("@:/#?&%+ $", 2)
        i, j = sorted(self.r.sample(range(1, len(base)), 2))
        return base[:i] + extra[0] + base[i:j] + extra[1] + base[j:]

    def s_pwq(self) -> str:
        """A password with a double quote and a backslash (for JSON escaping)."""
        base = self._mixed(self.r.randint(10, 14), "!-_.")
        i, j = sorted(self.r.sample(range(1, len(base)), 2))
        return base[:i] + '"' + base[i:j] + "\\" + base[j:]

    def s_pwxml(self) -> str:
        base = self._mixed(self.r.randint(10, 14), "!-_.")
        extra = self.r.sample("&<>\"'", 2)
        i, j = sorted(self.r.sample(range(1, len(base)), 2))
        return base[:i] + extra[0] + base[i:j] + extra[1] + base[j:]

    def s_uni(self) -> str:
        w = self.one(UNIWORDS)
        return self.one(
            [
                f"{w}{self.pk(DIG, 3)}{self.one('!?-.#')}",
                f"{w}-{self.one(PWWORDS).title()}{self.pk(DIG, 2)}",
                f"{self.pk(DIG, 2)}{w}{self.one('!*_')}{self.pk(ALNUM, 3)}",
            ]
        )

    def s_human(self) -> str:
        a, b = self.r.sample(PWWORDS, 2)
        return self.one(
            [
                f"{a.title()}{self.pk(DIG, self.r.randint(2, 4))}{self.one('!?#.*')}",
                f"{a.title()}{self.one('!-_.@')}{b.title()}{self.pk(DIG, 2)}",
                f"{self.pk(DIG, 2)}{a.title()}{b}{self.one('!$%')}",
            ]
        )

    def s_word(self) -> str:
        a, b = self.r.sample(PWWORDS, 2)
        return self.one(
            [a + b, a.title() + b, a + b.title() + self.pk(DIG, 1), a + self.pk(DIG, 2)]
        )

    def s_phrase(self, sep: str = " ", n: str = "") -> str:
        sep = {"sp": " ", "dash": "-", "dot": ".", "us": "_"}.get(sep, sep)
        k = int(n) if n else self.r.randint(4, 6)
        return sep.join(self.r.sample(PHRASEWORDS, k))

    def s_mnemonic(self, n: str = "12") -> str:
        return " ".join(self.r.sample(PHRASEWORDS, int(n)))

    def s_pin(self, n: str = "") -> str:
        k = int(n) if n else self.r.randint(4, 6)
        while True:
            s = self.one("123456789") + self.pk(DIG, k - 1)
            if len(set(s)) >= 3 and not s.startswith(("19", "20")):
                return s

    def s_digits(self, n: str) -> str:
        return self.one("123456789") + self.pk(DIG, int(n) - 1)

    def s_hex(self, n: str = "32") -> str:
        return self.hx(int(n))

    def s_hexu(self, n: str = "32") -> str:
        return self.pk(HEXU, int(n))

    def s_alnum(self, n: str = "32") -> str:
        return self.al(int(n))

    def s_lower(self, n: str = "16") -> str:
        return self.pk(LOW + DIG, int(n))

    def s_b64(self, nbytes: str = "32") -> str:
        return self.b64(int(nbytes))

    def s_b64u(self, nbytes: str = "32") -> str:
        return self.b64u(int(nbytes))

    def s_b32(self, n: str = "32") -> str:
        return self.pk(B32, int(n))

    def s_uuid(self) -> str:
        return self.uid()

    def s_b64line(self, n: str = "64", prefix: str = "") -> str:
        return prefix + self.pk(B64, int(n) - len(prefix))

    def s_pemesc(self, n: str = "5") -> str:
        k = int(n)
        rows = (
            ["MIIEvQIBADANBgkqhkiG9w0BAQEFAASC" + self.pk(B64, 32)]
            + [self.pk(B64, 64) for _ in range(k - 2)]
            + [self.pk(B64, 40) + "="]
        )
        return "\\n".join(rows)

    def s_jwt(self, alg: str = "HS256") -> str:
        hdr = {"alg": alg, "typ": "JWT"}
        if alg.startswith(("RS", "ES")):
            hdr["kid"] = self.hx(16)
        now = int(self.t.timestamp())
        body = {
            "sub": self.one([self.uid(), f"user:{self.r.randint(1000, 99999)}", self.f_user()]),
            "iat": now,
            "exp": now + self.one([900, 3600, 86400]),
        }
        if self.r.random() < 0.6:
            body["iss"] = f"https://auth.{self.f_domain()}/"
        if self.r.random() < 0.5:
            body["scope"] = self.one(["read write", "admin", "openid profile", "api:full"])

        def enc(o: dict) -> str:
            return (
                base64.urlsafe_b64encode(json.dumps(o, separators=(",", ":")).encode())
                .decode()
                .rstrip("=")
            )

        sig = self.b64u(32 if alg.startswith("HS") else 256 if alg.startswith("RS") else 64)
        return f"{enc(hdr)}.{enc(body)}.{sig}"

    def s_v(self, name: str) -> str:
        return _VENDOR[name](self)

    # ---- hashes (secret material)
    def s_sha512crypt(self) -> str:
        return f"$6${self.pk(CRYPT, 16)}${self.pk(CRYPT, 86)}"

    def s_sha256crypt(self) -> str:
        return f"$5${self.pk(CRYPT, 16)}${self.pk(CRYPT, 43)}"

    def s_md5crypt(self) -> str:
        return f"$1${self.pk(CRYPT, 8)}${self.pk(CRYPT, 22)}"

    def s_apr1(self) -> str:
        return f"$apr1${self.pk(CRYPT, 8)}${self.pk(CRYPT, 22)}"

    def s_bcrypt(self, cost: str = "") -> str:
        c = cost or self.one(["10", "11", "12", "14"])
        return f"${self.one(['2y', '2b', '2a'])}${c}${self.pk(CRYPT, 53)}"

    def s_yescrypt(self) -> str:
        return f"$y$j9T${self.pk(CRYPT, 22)}${self.pk(CRYPT, 43)}"

    def s_ssha(self) -> str:
        return "{SSHA}" + self.b64(24)

    def s_ntlm(self) -> str:
        return self.hx(32)

    def s_mysqlnative(self) -> str:
        return "*" + self.pk(HEXU, 40)

    def s_scram(self) -> str:
        return f"SCRAM-SHA-256$4096:{self.b64(16)}${self.b64(32)}:{self.b64(32)}"

    def s_pgmd5(self) -> str:
        return "md5" + self.hx(32)

    def s_django(self) -> str:
        return f"pbkdf2_sha256$870000${self.al(22)}${self.b64(32)}"

    def s_argon2(self) -> str:
        return f"$argon2id$v=19$m=65536,t=3,p=4${self.b64(16, False)}${self.b64(32, False)}"

    def s_type7(self) -> str:
        return f"{self.r.randint(0, 1)}{self.r.randint(0, 9)}" + self.pk(
            HEXU, 2 * self.r.randint(8, 14)
        )

    def s_cisco9(self) -> str:
        return f"$9${self.pk(CRYPT, 14)}${self.pk(CRYPT, 43)}"

    def s_juniper9(self) -> str:
        return "$9$" + self.pk(ALNUM + "./-", self.r.randint(24, 40))

    def s_mosq(self) -> str:
        return f"$7$101${self.b64(12)}${self.b64(64)}"

    def s_sha256hex(self) -> str:
        return self.hx(64)

    # ---- encodings of earlier labels
    def s_urlenc(self, v: str) -> str:
        return urllib.parse.quote(v, safe="")

    def s_dblurl(self, v: str) -> str:
        return urllib.parse.quote(urllib.parse.quote(v, safe=""), safe="")

    def s_formenc(self, v: str) -> str:
        return urllib.parse.quote_plus(v)

    def s_b64of(self, v: str) -> str:
        return base64.b64encode(v.encode()).decode()

    def s_b64uof(self, v: str) -> str:
        return base64.urlsafe_b64encode(v.encode()).decode().rstrip("=")

    def s_basic(self, u: str, p: str) -> str:
        return base64.b64encode(f"{u}:{p}".encode()).decode()

    def s_plain(self, u: str, p: str) -> str:
        return base64.b64encode(f"\0{u}\0{p}".encode()).decode()

    def s_hexof(self, v: str) -> str:
        return v.encode().hex()

    def s_qp(self, v: str) -> str:
        return quopri.encodestring(v.encode()).decode().strip()

    def s_jsonesc(self, v: str) -> str:
        return json.dumps(v)[1:-1]

    def s_xmlesc(self, v: str) -> str:
        return html.escape(v, quote=True)

    def s_javaesc(self, v: str) -> str:
        return "".join(c if ord(c) < 128 else f"\\u{ord(c):04x}" for c in v)

    def s_b32grp(self) -> str:
        return " ".join(self.pk(LOW + "234567", 4) for _ in range(8))

    def s_rcode(self) -> str:
        return f"{self.hx(5)}-{self.hx(5)}"

    def s_bitlocker(self) -> str:
        return "-".join(f"{self.r.randrange(0, 720896 // 11) * 11:06d}" for _ in range(8))

    def s_applerk(self) -> str:
        return "-".join(self.pk(UP + DIG, 4) for _ in range(7))

    def s_gcode(self) -> str:
        return f"{self.pk(DIG, 4)} {self.pk(DIG, 4)}"

    def s_appspec(self) -> str:
        return "-".join(self.pk(LOW, 4) for _ in range(4))

    def s_fernet(self) -> str:
        return base64.urlsafe_b64encode(self.r.randbytes(32)).decode()

    def s_b64end(self, n: str = "56") -> str:
        return self.pk(B64, int(n) - 2) + "=="

    def s_hexofu(self, v: str) -> str:
        return v.encode().hex().upper()

    def s_djkey(self) -> str:
        return self.pk(LOW + DIG + "!@#%^&*(-_=+)", 50)

    def s_utf16b64(self, v: str, suffix: str = "") -> str:
        return base64.b64encode((v + suffix).encode("utf-16-le")).decode()

    def s_b64json(self, u: str, p: str) -> str:
        return base64.b64encode(json.dumps({"username": u, "password": p}).encode()).decode()

    # ---- fillers
    def f_set(self, label: str, kind: str, *args: str) -> str:
        self.labels[label] = getattr(self, "s_" + kind)(*args)
        return ""

    def f_def(self, label: str, kind: str, *args: str) -> str:
        self.labels[label] = getattr(self, "f_" + kind)(*args)
        return ""

    def f_b64of(self, v: str) -> str:
        return base64.b64encode(v.encode()).decode()

    def f_org(self) -> str:
        return self.f_domain().split(".")[0].split("-")[0]

    def f_wgpub(self) -> str:
        return self.b64(32)

    def f_first(self) -> str:
        return self.one(FIRST)

    def f_First(self) -> str:
        return self.one(FIRST).title()

    def f_last(self) -> str:
        return self.one(LAST).title()

    def f_name(self) -> str:
        return f"{self.f_First()} {self.f_last()}"

    def f_user(self) -> str:
        f, l_ = self.one(FIRST), self.one(LAST)
        return self.one([f, f + l_[0], f[0] + l_, f"{f}.{l_}", f + str(self.r.randint(1, 99))])

    def _st(self, key: str, make) -> str:
        """Names that stay the same within one rendered case (one company, service, env)."""
        if key not in self.sticky:
            self.sticky[key] = make()
        return self.sticky[key]

    def f_svcuser(self) -> str:
        return self._st(
            "svcuser",
            lambda: (
                self.one(["svc_", "svc-", "app_", "sa-", ""])
                + self.f_svc()
                + self.one(["", "_rw", "_ro", "-bot", "_app"])
            ),
        )

    def f_svc(self) -> str:
        return self._st("svc", lambda: self.one(SERVICES))

    def f_domain(self) -> str:
        return self._st("domain", lambda: self.one(DOMAINS))

    def f_host(self) -> str:
        return f"{self.one(ROLES)}-{self.r.randint(1, 24):02d}.{self.f_env()}.{self.f_domain()}"

    def f_short(self) -> str:
        return f"{self.one(ROLES)}{self.r.randint(1, 9):02d}"

    def f_email(self) -> str:
        return f"{self.one(FIRST)}.{self.one(LAST)}@{self.f_domain()}"

    def f_ip(self) -> str:
        return self.one(
            [
                f"10.{self.r.randint(0, 255)}.{self.r.randint(0, 255)}.{self.r.randint(2, 254)}",
                f"172.{self.r.randint(16, 31)}.{self.r.randint(0, 255)}.{self.r.randint(2, 254)}",
                f"192.168.{self.r.randint(0, 255)}.{self.r.randint(2, 254)}",
            ]
        )

    def f_pubip(self) -> str:
        return self.one(["203.0.113.", "198.51.100.", "192.0.2."]) + str(self.r.randint(2, 254))

    def f_int(self, a: str, b: str) -> str:
        return str(self.r.randint(int(a), int(b)))

    def f_pid(self) -> str:
        return str(self.r.randint(300, 65000))

    def f_port(self) -> str:
        return str(self.r.randint(32768, 60999))

    def f_hex(self, n: str = "8") -> str:
        return self.hx(int(n))

    def f_alnum(self, n: str = "8") -> str:
        return self.al(int(n))

    def f_upper(self, n: str = "8") -> str:
        return self.pk(UP + DIG, int(n))

    def f_b64(self, n: str = "32") -> str:
        return self.b64(int(n))

    def f_lc(self, v: str) -> str:
        return v.lower()

    def f_uuidu(self) -> str:
        return self.uid().upper()

    def f_b64url(self, n: str = "32") -> str:
        return self.b64u(int(n))

    def f_bech(self, n: str = "58") -> str:
        return self.pk(BECH.lower(), int(n))

    def f_lower(self, n: str = "8") -> str:
        return self.pk(LOW + DIG, int(n))

    def f_uuid(self) -> str:
        return self.uid()

    def f_env(self) -> str:
        return self._st("env", lambda: self.one(ENVS))

    def f_region(self) -> str:
        return self._st("region", lambda: self.one(REGIONS))

    def _acct(self) -> str:
        return self.one("123456789") + self.pk(DIG, 11)

    def f_acct(self) -> str:
        return self._st("acct", self._acct)

    def f_db(self) -> str:
        return self._st("db", lambda: self.f_svc() + self.one(["", "_db", "_prod", "db", "_main"]))

    def f_word(self) -> str:
        return self.one(PHRASEWORDS)

    def f_pick(self, *opts: str) -> str:
        return self.one(" ".join(opts).split("|"))

    def f_pod(self, svc: str = "") -> str:
        return f"{svc or self.f_svc()}-{self.pk(K8SSUF, 10)}-{self.pk(K8SSUF, 5)}"

    def f_ver(self) -> str:
        return self._st("ver", self._ver)

    def _ver(self) -> str:
        return f"{self.r.randint(1, 9)}.{self.r.randint(0, 30)}.{self.r.randint(0, 20)}"

    def f_ts(self, kind: str = "iso") -> str:
        self.t += _dt.timedelta(
            seconds=self.r.randint(0, 4), microseconds=self.r.randint(0, 999999)
        )
        t = self.t
        ms = f"{t.microsecond // 1000:03d}"
        mon, wd = MONTHS[t.month - 1], WDAYS[t.weekday()]
        return {
            "iso": t.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "isoms": t.strftime("%Y-%m-%dT%H:%M:%S.") + ms + "Z",
            "isous": t.strftime("%Y-%m-%dT%H:%M:%S.%f+00:00"),
            "gh": t.strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z",
            "sys": f"{mon} {t.day:2d} {t:%H:%M:%S}",
            "clf": f"{t.day:02d}/{mon}/{t.year}:{t:%H:%M:%S} +0000",
            "java": t.strftime("%Y-%m-%d %H:%M:%S,") + ms,
            "sp": t.strftime("%Y-%m-%d %H:%M:%S"),
            "spms": t.strftime("%Y-%m-%d %H:%M:%S.") + ms,
            "hms": t.strftime("%H:%M:%S"),
            "date": t.strftime("%Y-%m-%d"),
            "epoch": str(int(t.timestamp())),
            "epochf": f"{t.timestamp():.6f}",
            "jday": f"{wd} {t:%Y-%m-%d %H:%M:%S} UTC",
            "rfc": f"{wd}, {t.day:02d} {mon} {t.year} {t:%H:%M:%S} +0000",
            "http": f"{wd}, {t.day:02d} {mon} {t.year} {t:%H:%M:%S} GMT",
            "pg": t.strftime("%Y-%m-%d %H:%M:%S.") + ms + " UTC",
            "dmy": f"{t.day:02d}-{mon}-{t.year} {t:%H:%M:%S}",
            "us": f"{t.month:02d}/{t.day:02d}/{t.year} {t:%I:%M:%S %p}",
            "eu": f"{t.day:02d}.{t.month:02d}.{t.year} {t:%H:%M}",
            "ctime": f"{wd} {mon} {t.day:2d} {t:%H:%M:%S} {t.year}",
            "hm": t.strftime("%H:%M"),
            "ymd": t.strftime("%Y%m%d"),
            "wa": f"{t.day}/{t.month}/{t.year % 100}, {t:%H:%M:%S}",
            "ampm": f"{(t.hour % 12) or 12}:{t.minute:02d} {'AM' if t.hour < 12 else 'PM'}",
            "kakao": ("오전" if t.hour < 12 else "오후") + f" {(t.hour % 12) or 12}:{t.minute:02d}",
            "audit": f"{int(t.timestamp())}.{ms}",
            "epochus": f"{int(t.timestamp())}{t.microsecond:06d}",
            "win": f"{t.month}/{t.day}/{t.year} {t:%I:%M:%S %p}".lstrip("0"),
            "nginxerr": t.strftime("%Y/%m/%d %H:%M:%S"),
            "apache": f"{wd} {mon} {t.day:02d} {t:%H:%M:%S}.{t.microsecond:06d} {t.year}",
        }[kind]

    # ---- keep kinds (diagnostic tokens)
    def _fresh(self, make) -> str:
        for _ in range(200):
            s = make()
            if not any(s in v for v in self.forbid):
                return s
        raise ValueError("cannot draw a keep token that no planted value contains")

    def k_trace(self) -> str:
        return self._fresh(lambda: self.hx(32))

    def k_span(self) -> str:
        return self._fresh(lambda: self.hx(16))

    def k_uuid(self) -> str:
        return self._fresh(self.uid)

    def k_sha256(self) -> str:
        return self._fresh(lambda: "sha256:" + self.hx(64))

    def k_hex64(self) -> str:
        return self._fresh(lambda: self.hx(64))

    def k_git(self) -> str:
        return self._fresh(lambda: self.hx(40))

    def k_gitshort(self) -> str:
        return self._fresh(lambda: self.hx(self.r.choice([7, 8, 10, 12])))

    def k_cid(self) -> str:
        return self._fresh(lambda: self.hx(12))

    def k_hex(self, n: str = "8") -> str:
        return self._fresh(lambda: self.hx(int(n)))

    def k_ver(self) -> str:
        return self._fresh(
            lambda: f"{self.r.randint(1, 9)}.{self.r.randint(10, 40)}.{self.r.randint(10, 30)}"
        )

    def k_num(self, lo: str = "10000", hi: str = "999999") -> str:
        return self._fresh(lambda: str(self.r.randint(int(lo), int(hi))))

    def k_port(self) -> str:
        return self._fresh(lambda: str(self.r.randint(30000, 32767)))

    def k_ts(self, kind: str = "isoms") -> str:
        return self._fresh(lambda: self.f_ts(kind))

    def k_pod(self, svc: str = "") -> str:
        return self._fresh(
            lambda: f"{svc or self.one(SERVICES)}-{self.pk(K8SSUF, 10)}-{self.pk(K8SSUF, 5)}"
        )

    def k_dur(self) -> str:
        return self._fresh(
            lambda: self.one(
                [
                    f"{self.r.randint(101, 999)}ms",
                    f"{self.r.randint(1, 59)}.{self.r.randint(100, 999)}s",
                    f"{self.r.randint(2, 59)}m{self.r.randint(10, 59)}s",
                ]
            )
        )

    def k_size(self) -> str:
        return self._fresh(
            lambda: self.one(
                [
                    f"{self.r.randint(10, 999)}.{self.r.randint(1, 9)}MiB",
                    f"{self.r.randint(1, 64)}.{self.r.randint(10, 99)}GiB",
                    f"{self.r.randint(1000, 99999)}KB",
                ]
            )
        )

    def k_fp(self) -> str:
        return self._fresh(lambda: ":".join(self.pk(HEXU, 2) for _ in range(32)))

    def k_fp1(self) -> str:
        return self._fresh(lambda: ":".join(self.pk(HEXU, 2) for _ in range(20)))

    def k_sshfp(self) -> str:
        return self._fresh(lambda: "SHA256:" + self.b64(32, False))

    def k_serial(self) -> str:
        return self._fresh(lambda: ":".join(self.pk(HEX, 2) for _ in range(16)))

    def k_gpgid(self) -> str:
        return self._fresh(lambda: self.pk(HEXU, 16))

    def k_acct(self) -> str:
        return self._fresh(self._acct)

    def k_pick(self, *opts: str) -> str:
        return self.f_pick(*opts)

    def k_hexu(self, n: str = "16") -> str:
        return self._fresh(lambda: self.pk(HEXU, int(n)))

    def k_uuidu(self) -> str:
        return self._fresh(lambda: self.uid().upper())

    def k_ulid(self) -> str:
        return self._fresh(lambda: "01J" + self.pk("0123456789ABCDEFGHJKMNPQRSTVWXYZ", 23))

    def k_arn(self, svc: str = "secret") -> str:
        def make() -> str:
            reg, acct = self.one(REGIONS), self._acct()
            if svc == "kms":
                return f"arn:aws:kms:{reg}:{acct}:key/{self.uid()}"
            if svc == "role":
                return f"arn:aws:iam::{acct}:role/{self.one(SERVICES)}-secrets-reader"
            name = f"{self.one(ENVS)}/{self.one(SERVICES)}/{self.one(['db-password', 'api-key', 'oauth-client-secret', 'session-secret'])}"
            return f"arn:aws:secretsmanager:{reg}:{acct}:secret:{name}-{self.al(6)}"

        return self._fresh(make)

    def k_pre(self, prefix: str, n: str, kind: str = "alnum") -> str:
        alphabet = LOW + DIG if kind == "lower" else ALNUM
        return self._fresh(lambda: prefix + self.pk(alphabet, int(n)))

    def k_gkms(self) -> str:
        return self._fresh(
            lambda: (
                f"projects/{self.one(SERVICES)}-{self.one(ENVS)}/locations/global/keyRings/{self.one(SERVICES)}/cryptoKeys/db-password/cryptoKeyVersions/{self.r.randint(2, 40)}"
            )
        )

    def k_srcpath(self) -> str:
        return self._fresh(lambda: f"/srv/{self.one(SERVICES)}/app/crypto.py")

    def k_lit(self, *parts: str) -> str:
        return " ".join(parts)


# --------------------------------------------------------------------------- vendor shapes


def _v(g: _Gen, *parts: object) -> str:
    return "".join(p if isinstance(p, str) else p(g) for p in parts)


_VENDOR = {
    "ghp": lambda g: "ghp_" + g.al(36),
    "gho": lambda g: "gho_" + g.al(36),
    "ghs": lambda g: "ghs_" + g.al(36),
    "ghu": lambda g: "ghu_" + g.al(36),
    "ghpat": lambda g: "github_pat_11" + g.pk(UP + DIG, 20) + "_" + g.al(59),
    "glpat": lambda g: "glpat-" + g.pk(B64U, 20),
    "glrt": lambda g: "glrt-" + g.pk(B64U, 20),
    "gldt": lambda g: "gldt-" + g.pk(B64U, 20),
    "glcbt": lambda g: "glcbt-64_" + g.pk(B64U, 20),
    "glptt": lambda g: "glptt-" + g.hx(40),
    "xoxb": lambda g: f"xoxb-{g.pk(DIG, 12)}-{g.pk(DIG, 13)}-{g.al(24)}",
    "xoxp": lambda g: f"xoxp-{g.pk(DIG, 12)}-{g.pk(DIG, 12)}-{g.pk(DIG, 13)}-{g.hx(32)}",
    "xapp": lambda g: f"xapp-1-A{g.pk(UP + DIG, 10)}-{g.pk(DIG, 13)}-{g.hx(64)}",
    "slackhook": lambda g: g.al(24),
    "akia": lambda g: "AKIA" + g.pk(B32, 16),
    "asia": lambda g: "ASIA" + g.pk(B32, 16),
    "awssec": lambda g: g.pk(ALNUM + "+/", 40),
    "awssess": lambda g: "IQoJb3JpZ2luX2VjE" + g.pk(B64, 280) + "==",
    "aiza": lambda g: "AIza" + g.pk(B64U, 35),
    "ya29": lambda g: "ya29." + g.pk(B64U, 160),
    "gocspx": lambda g: "GOCSPX-" + g.pk(B64U, 28),
    "sklive": lambda g: "sk_live_51" + g.al(97),
    "rktest": lambda g: "rk_test_51" + g.al(97),
    "rklive": lambda g: "rk_live_51" + g.al(97),
    "whsec": lambda g: "whsec_" + g.al(32),
    "sendgrid": lambda g: f"SG.{g.pk(B64U, 22)}.{g.pk(B64U, 43)}",
    "twiliotok": lambda g: g.hx(32),
    "twiliosec": lambda g: g.al(32),
    "mailgun": lambda g: f"{g.hx(32)}-{g.hx(8)}-{g.hx(8)}",
    "mailgunold": lambda g: "key-" + g.hx(32),
    "mailchimp": lambda g: f"{g.hx(32)}-us{g.r.randint(2, 21)}",
    "npm": lambda g: "npm_" + g.al(36),
    "pypi": lambda g: "pypi-AgEIcHlwaS5vcmc" + g.pk(B64U, 160),
    "hf": lambda g: "hf_" + g.pk(UP + LOW, 34),
    "openai": lambda g: "sk-proj-" + g.pk(B64U, 74) + "T3BlbkFJ" + g.pk(B64U, 74),
    "anthropic": lambda g: "sk-ant-api03-" + g.pk(B64U, 93) + "AA",
    "dop": lambda g: "dop_v1_" + g.hx(64),
    "shpat": lambda g: "shpat_" + g.hx(32),
    "shpss": lambda g: "shpss_" + g.hx(32),
    "ddapi": lambda g: g.hx(32),
    "ddapp": lambda g: g.hx(40),
    "nrak": lambda g: "NRAK-" + g.pk(UP + DIG, 27),
    "nrlic": lambda g: g.hx(36) + "NRAL",
    "sntrys": lambda g: "sntrys_eyJpYXQiOjE3" + g.pk(B64U, 120),
    "sntryu": lambda g: "sntryu_" + g.hx(64),
    "hvs": lambda g: "hvs." + g.pk(B64U, 24),
    "hvslong": lambda g: "hvs.CAESI" + g.pk(B64U, 86),
    "hvb": lambda g: "hvb.AAAAAQ" + g.pk(B64U, 130),
    "doppler": lambda g: f"dp.st.{g.one(['prd', 'dev', 'stg'])}.{g.al(40)}",
    "dopplerpt": lambda g: "dp.pt." + g.al(43),
    "infisical": lambda g: f"st.{g.uid()}.{g.hx(32)}.{g.hx(32)}",
    "ops": lambda g: "ops_eyJzaWduSW5BZGRyZXNzIjoi" + g.pk(B64U, 240),
    "atlassian": lambda g: "ATATT3xFfGF0" + g.pk(B64U, 168) + "=" + g.pk(HEXU, 8),
    "linear": lambda g: "lin_api_" + g.al(40),
    "postman": lambda g: f"PMAK-{g.hx(24)}-{g.hx(34)}",
    "okta": lambda g: "00" + g.pk(B64U, 40),
    "pulumi": lambda g: "pul-" + g.hx(40),
    "tfc": lambda g: f"{g.al(14)}.atlasv1.{g.pk(B64U, 67)}",
    "figma": lambda g: f"figd_{g.pk(B64U, 40)}",
    "glsa": lambda g: f"glsa_{g.al(32)}_{g.hx(8)}",
    "glc": lambda g: "glc_eyJvIjoi" + g.pk(B64U, 120) + "fQ==",
    "netlify": lambda g: "nfp_" + g.al(36),
    "vercel": lambda g: g.al(24),
    "cftoken": lambda g: g.pk(B64U, 40),
    "cfglobal": lambda g: g.hx(37),
    "discordbot": lambda g: f"{g.b64(14, False)[:24]}.{g.pk(B64U, 6)}.{g.pk(B64U, 38)}",
    "discordhook": lambda g: g.pk(B64U, 68),
    "telegram": lambda g: "AA" + g.pk(B64U, 33),
    "mapbox": lambda g: "sk.eyJ1Ijoi" + g.pk(B64U, 60) + "." + g.pk(B64U, 22),
    "algolia": lambda g: g.hx(32),
    "airtable": lambda g: f"pat{g.al(14)}.{g.hx(64)}",
    "notion": lambda g: "ntn_" + g.al(46),
    "databricks": lambda g: "dapi" + g.hx(32),
    "dynatrace": lambda g: f"dt0c01.{g.pk(UP + DIG, 24)}.{g.pk(UP + DIG, 64)}",
    "square": lambda g: "EAAA" + g.pk(B64U, 60),
    "sqcsp": lambda g: "sq0csp-" + g.pk(B64U, 43),
    "braintree": lambda g: f"access_token$production${g.pk(LOW + DIG, 16)}${g.hx(32)}",
    "razorpay": lambda g: g.al(24),
    "mollie": lambda g: "live_" + g.al(30),
    "paystack": lambda g: "sk_live_" + g.hx(40),
    "flutterwave": lambda g: f"FLWSECK-{g.hx(32)}-X",
    "sbp": lambda g: "sbp_" + g.hx(40),
    "pscale": lambda g: "pscale_pw_" + g.pk(B64U, 43),
    "fly": lambda g: "FlyV1 fm2_lJPECAAAAAAAA" + g.pk(B64, 180) + "==",
    "render": lambda g: "rnd_" + g.al(32),
    "age": lambda g: "AGE-SECRET-KEY-1" + g.pk(BECH, 58),
    "wg": lambda g: g.b64(32),
    "azkey": lambda g: g.b64(64),
    "azsecret": lambda g: f"{g.al(3)}{g.pk(DIG, 1)}Q~{g.pk(ALNUM + '_.~-', 34)}",
    "heroku": lambda g: "HRKU-AA" + g.pk(B64U, 58),
    "dckr": lambda g: "dckr_pat_" + g.pk(B64U, 27),
    "ltai": lambda g: "LTAI5t" + g.al(18),
    "alisec": lambda g: g.al(30),
    "akid": lambda g: "AKID" + g.al(32),
    "ibm": lambda g: g.pk(B64U, 44),
    "linode": lambda g: g.hx(64),
    "hcloud": lambda g: g.al(64),
    "squ": lambda g: "squ_" + g.hx(40),
    "sqp": lambda g: "sqp_" + g.hx(40),
    "bkua": lambda g: "bkua_" + g.hx(40),
    "ccipat": lambda g: f"CCIPAT_{g.al(22)}_{g.hx(40)}",
    "atbb": lambda g: "ATBB" + g.al(32) + g.pk(HEXU, 8),
    "azdo": lambda g: g.pk(LOW + "234567", 52),
    "jenkins": lambda g: "11" + g.hx(32),
    "artifactory": lambda g: "AKCp8" + g.al(68),
    "cfpat": lambda g: "CFPAT-" + g.pk(B64U, 43),
    "ldsdk": lambda g: "sdk-" + g.uid(),
    "ldapi": lambda g: "api-" + g.uid(),
    "fcm": lambda g: f"AAAA{g.pk(B64U, 7)}:APA91b{g.pk(B64U, 134)}",
    "shippo": lambda g: "shippo_live_" + g.hx(40),
    "easypost": lambda g: "EZAK" + g.al(54),
    "plaid": lambda g: g.hx(30),
    "hubspot": lambda g: "pat-na1-" + g.uid(),
    "trello": lambda g: "ATTA" + g.hx(64) + g.pk(HEXU, 8),
    "dropbox": lambda g: "sl.B" + g.pk(B64U, 135),
    "pdkey": lambda g: "u+" + g.pk(B64U, 18),
    "pdrouting": lambda g: g.hx(32),
    "honeycomb": lambda g: "hcaik_01" + g.pk(LOW + DIG, 56),
    "sparkpost": lambda g: g.hx(40),
    "mandrill": lambda g: "md-" + g.pk(B64U, 22),
    "confluent": lambda g: g.pk(ALNUM + "+/", 64),
    "aiven": lambda g: "AVNS_" + g.pk(B64U, 19),
    "neon": lambda g: "npg_" + g.al(12),
    "dbtc": lambda g: "dbtc_" + g.pk(B64U, 56),
    "prefect": lambda g: "pnu_" + g.al(36),
    "replicate": lambda g: "r8_" + g.al(37),
    "groq": lambda g: "gsk_" + g.al(52),
    "pplx": lambda g: "pplx-" + g.al(48),
    "pinecone": lambda g: f"pcsk_{g.al(5)}_{g.al(60)}",
    "langsmith": lambda g: f"lsv2_pt_{g.hx(32)}_{g.hx(10)}",
    "wandb": lambda g: g.hx(40),
    "ngrok": lambda g: f"2{g.al(26)}_{g.al(21)}",
    "tskey": lambda g: f"tskey-auth-{g.al(11)}CNTRL-{g.al(33)}",
    "tsapi": lambda g: f"tskey-api-{g.al(11)}CNTRL-{g.al(33)}",
    "browserstack": lambda g: g.al(20),
    "b2key": lambda g: "K00" + g.pk(ALNUM + "/+", 28),
    "akamaisec": lambda g: g.b64(32),
    "akab": lambda g: f"akab-{g.pk(LOW + DIG, 16)}-{g.pk(LOW + DIG, 16)}",
    "fastly": lambda g: g.pk(B64U, 32),
    "zendesk": lambda g: g.al(40),
    "intercom": lambda g: "dG9rOj" + g.pk(B64, 54) + "=",
    "expo": lambda g: g.pk(B64U, 40),
    "clerk": lambda g: "sk_live_" + g.al(40),
    "resend": lambda g: f"re_{g.al(8)}_{g.al(24)}",
    "segment": lambda g: g.al(32),
    "twitch": lambda g: g.pk(LOW + DIG, 30),
    "auth0": lambda g: g.pk(B64U, 64),
    "teamshook": lambda g: g.hx(32),
    "mmhook": lambda g: g.pk(LOW + DIG, 26),
    "msteamsig": lambda g: g.pk(B64U, 43),
    "codecov": lambda g: g.uid(),
    "snyk": lambda g: g.uid(),
    "cohere": lambda g: g.al(40),
    "mistral": lambda g: g.al(32),
    "supabasejwt": lambda g: g.s_jwt("HS256"),
    "pagerduty": lambda g: g.hx(32),
    "opsgenie": lambda g: g.uid(),
    "splunkhec": lambda g: g.uid().upper(),
    "postmark": lambda g: g.uid(),
    "rubygems": lambda g: "rubygems_" + g.hx(48),
    "cargo": lambda g: "cio" + g.al(32),
    "nuget": lambda g: "oy2" + g.pk(LOW + DIG, 43),
    "octopus": lambda g: "API-" + g.pk(UP + DIG, 26),
    "circle": lambda g: g.hx(40),
    "travis": lambda g: g.pk(B64U, 22),
    "oci": lambda g: g.pk(ALNUM + "+/", 40),
    "scw": lambda g: g.uid(),
    "minio": lambda g: g.pk(ALNUM + "+/", 40),
    "wasabi": lambda g: g.pk(UP + DIG, 40),
    "kopia": lambda g: g.al(24),
    "tgbot_id": lambda g: str(g.r.randint(5000000000, 7999999999)),
}


# --------------------------------------------------------------------------- templates

_S0, _S1 = "\x01", "\x02"
_TOK = re.compile(r"⟦([^⟦⟧]*)⟧|⟨([^⟨⟩]*)⟩|⟪([^⟪⟫]*)⟫")
_LABEL = re.compile(r"\s=(\w+)$")
_TEMPLATES: list[tuple[str, str, str]] = []
_KEEPS: list[tuple[str, str]] = []
_FAMILY = [""]


def _fam(name: str) -> None:
    _FAMILY[0] = name


def _t(fmt: str, text: str) -> None:
    _TEMPLATES.append((_FAMILY[0], fmt, text))


def _k(fmt: str, text: str) -> None:
    _KEEPS.append((fmt, text))


def _call(g: _Gen, prefix: str, body: str) -> str:
    if body.startswith("="):
        return g.labels[body[1:]]
    label = None
    m = _LABEL.search(body)
    if m:
        label, body = m.group(1), body[: m.start()]
    if body.startswith("pick:"):
        v = g.one(body[5:].split("|"))
    elif body.startswith(":"):
        v = body[1:]
    else:
        parts = body.split()
        args = [g.labels[a[1:]] if a.startswith("@") else a for a in parts[1:]]
        v = getattr(g, prefix + parts[0])(*args)
    if label:
        g.labels[label] = v
    return v


def _render(text: str, g: _Gen) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], str]:
    values: list[str] = []
    keeps: list[str] = []

    def sub(m: re.Match[str]) -> str:
        if m.group(1) is not None:
            v = _call(g, "s_", m.group(1).strip())
            if v not in values:
                values.append(v)
            return _S0 + v + _S1
        if m.group(2) is not None:
            return _call(g, "f_", m.group(2).strip())
        v = _call(g, "k_", m.group(3).strip())
        if v not in keeps:
            keeps.append(v)
        return v

    text = text.lstrip("\n")
    if not text.endswith("\n"):
        text += "\n"
    out = _TOK.sub(sub, text)
    plain = out.replace(_S0, "").replace(_S1, "")
    masked = re.sub(f"{_S0}[^{_S1}]*{_S1}", "\x00", out)
    lines = tuple(line + "\n" for line in plain.split("\n")[:-1])
    return lines, tuple(values), tuple(keeps), masked


# =========================================================================== process listings
_fam("process listings")

_t(
    "ps auxww",
    r"""
$ ps auxww | grep -i [m]ysql
⟨pick:root|deploy|ubuntu⟩      ⟨pid⟩  0.0  0.1  ⟨int 20000 40000⟩  ⟨int 8000 12000⟩ pts/⟨int 0 5⟩    S+   ⟨ts hm⟩   0:00 mysql -u ⟨svcuser⟩ -p⟦pw⟧ -h ⟨host⟩ ⟨db⟩
mysql       ⟨pid⟩  1.7 12.4 2893124 1012836 ?     Ssl  Nov12 612:03 /usr/sbin/mysqld
""",
)

_t(
    "/proc/PID/cmdline",
    r"""
# tr '\0' ' ' < /proc/⟨pid⟩/cmdline; echo
/usr/lib/jvm/java-17-openjdk-amd64/bin/java -Xms512m -Xmx2g -Dspring.profiles.active=⟨env⟩ -Djavax.net.ssl.keyStore=/etc/⟨svc =s⟩/keystore.p12 -Djavax.net.ssl.keyStorePassword=⟦pwsh⟧ -Djavax.net.ssl.keyStoreType=PKCS12 -jar /opt/⟨=s⟩/⟨=s⟩-⟨ver⟩.jar
""",
)

_t(
    "/proc/PID/environ",
    r"""
root@⟨short⟩:~# cat /proc/⟨pid⟩/environ | tr '\0' '\n'
LANG=C.UTF-8
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
INVOCATION_ID=⟨hex 32⟩
JOURNAL_STREAM=8:⟨int 20000 99999⟩
HOME=/var/lib/⟨svc =s⟩
⟨pick:DATABASE_PASSWORD|DB_PASS|PGPASSWORD|POSTGRES_PASSWORD⟩=⟦pw⟧
LOG_LEVEL=⟨pick:info|debug|warn⟩
SERVICE_NAME=⟨=s⟩
""",
)

_t(
    "top -c",
    r"""
top - ⟨ts hms⟩ up ⟨int 2 90⟩ days,  3:12,  2 users,  load average: 0.41, 0.38, 0.35
Tasks: 212 total,   1 running, 211 sleeping,   0 stopped,   0 zombie
%Cpu(s):  3.1 us,  1.0 sy,  0.0 ni, 95.7 id,  0.1 wa,  0.0 hi,  0.1 si,  0.0 st
MiB Mem :  15987.4 total,   2211.8 free,   6012.3 used,   7763.3 buff/cache

    PID USER      PR  NI    VIRT    RES    SHR S  %CPU  %MEM     TIME+ COMMAND
  ⟨pid⟩ redis     20   0  143256  12872   4096 S   2.3   0.1 212:41.07 /usr/bin/redis-server 0.0.0.0:6379 --requirepass ⟦pwa⟧ --maxmemory 2gb
  ⟨pid⟩ root      20   0       0      0      0 I   0.3   0.0   0:12.88 [kworker/2:1-events]
""",
)

_t(
    "pstree -ap",
    r"""
$ pstree -ap ⟨pid =p⟩
supervisord,⟨=p⟩ /usr/bin/supervisord -n -c /etc/supervisor/supervisord.conf
  ├─python3,⟨pid⟩ /srv/⟨svc =s⟩/worker.py --queue high --sendgrid-api-key ⟦v sendgrid⟧
  │   └─{python3},⟨pid⟩
  └─python3,⟨pid⟩ /srv/⟨=s⟩/beat.py --schedule /var/lib/⟨=s⟩/celerybeat-schedule
""",
)

_t(
    "Get-CimInstance Win32_Process",
    r"""
PS C:\> Get-CimInstance Win32_Process -Filter "name='PsExec.exe'" | Select-Object ProcessId, CommandLine | Format-List

ProcessId   : ⟨pid⟩
CommandLine : "C:\Tools\PsExec.exe" \\⟨short⟩ -u ⟨pick:CORP|OPS|AD⟩\⟨svcuser⟩ -p ⟦pw⟧ -accepteula cmd /c "C:\Deploy\install.bat"
""",
)

_t(
    "ps -eo etime,args pg_dump",
    r"""
$ ps -eo pid,etime,args | grep [p]g_dump
  ⟨pid⟩    01:12:44 pg_dump --format=custom --file=/backup/⟨db =d⟩-⟨ts date⟩.dump postgresql://⟨svcuser⟩:⟦pwa⟧@⟨host⟩:5432/⟨=d⟩
""",
)

_t(
    "auditd EXECVE hex arg",
    r"""
⟨set p pwsym⟩type=SYSCALL msg=audit(⟨ts audit =a⟩:⟨int 1000 99999 =n⟩): arch=c000003e syscall=59 success=yes exit=0 a0=55d1c2a3e8a0 a1=55d1c2a3f2c0 a2=55d1c2a3b010 a3=8 items=2 ppid=⟨pid⟩ pid=⟨pid⟩ auid=1001 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts1 ses=⟨int 1 900⟩ comm="mysqladmin" exe="/usr/bin/mysqladmin" subj=unconfined key="exec_log"
type=EXECVE msg=audit(⟨=a⟩:⟨=n⟩): argc=4 a0="mysqladmin" a1="-uroot" a2=2D70⟦hexofu @p⟧ a3="status"
""",
)

_t(
    "docker top",
    r"""
$ docker top ⟨svc =s⟩-api
UID                 PID                 PPID                C                   STIME               TTY                 TIME                CMD
node                ⟨pid⟩               ⟨pid⟩               0                   ⟨ts hm⟩               ?                   00:00:41            node /app/dist/server.js --session-secret=⟦alnum 48⟧ --port 3000
""",
)

_t(
    "systemctl status CGroup",
    r"""
● x11vnc.service - VNC server for display :0
     Loaded: loaded (/etc/systemd/system/x11vnc.service; enabled; vendor preset: enabled)
     Active: active (running) since ⟨ts jday⟩; 3 days ago
   Main PID: ⟨pid =m⟩ (x11vnc)
      Tasks: 1 (limit: 18945)
     Memory: 23.4M
        CPU: 1h 12min 3.402s
     CGroup: /system.slice/x11vnc.service
             └─⟨=m⟩ /usr/bin/x11vnc -display :0 -auth guess -forever -loop -noxdamage -repeat -passwd ⟦pwa 8⟧ -rfbport 5900 -shared
""",
)

_t(
    "ps -ef xfreerdp",
    r"""
$ ps -ef | grep [f]reerdp
⟨user⟩    ⟨pid⟩  ⟨pid⟩  2 ⟨ts hm⟩ pts/1    00:03:11 xfreerdp /v:⟨ip⟩ /u:⟨pick:CORP|FIN|HQ⟩\⟨user⟩ /p:⟦pw⟧ /cert:ignore /dynamic-resolution +clipboard
""",
)

# =========================================================================== systemd and journald
_fam("systemd and journald")

_t(
    "unit file Environment=",
    r"""
# /etc/systemd/system/⟨svc =s⟩-worker.service
[Unit]
Description=⟨=s⟩ background worker
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
User=⟨=s⟩
WorkingDirectory=/opt/⟨=s⟩
Environment="RAILS_ENV=production"
Environment="REDIS_URL=redis://:⟦pwa⟧@⟨host⟩:6379/2"
ExecStart=/opt/⟨=s⟩/bin/bundle exec sidekiq -C config/sidekiq.yml
Restart=on-failure

[Install]
WantedBy=multi-user.target
""",
)

_t(
    "journalctl app debug",
    r"""
$ journalctl -u ⟨svc =s⟩ --since "1 hour ago" --no-pager | tail -3
⟨ts sys⟩ ⟨short =h⟩ ⟨=s⟩[⟨pid =p⟩]: INFO  loading configuration from /etc/⟨=s⟩/config.yaml
⟨ts sys⟩ ⟨=h⟩ ⟨=s⟩[⟨=p⟩]: DEBUG smtp: dialing smtp.⟨domain⟩:587 as ⟨svcuser⟩ with password "⟦pw⟧"
⟨ts sys⟩ ⟨=h⟩ ⟨=s⟩[⟨=p⟩]: ERROR smtp: 535 5.7.8 Authentication credentials invalid
""",
)

_t(
    "journalctl -o json",
    r"""
{"__REALTIME_TIMESTAMP":"⟨ts epochus⟩","_HOSTNAME":"⟨short⟩","SYSLOG_IDENTIFIER":"⟨svc =s⟩","_PID":"⟨pid⟩","PRIORITY":"3","_SYSTEMD_UNIT":"⟨=s⟩.service","MESSAGE":"upstream call failed: 401 Unauthorized; request headers: {\"Authorization\": \"Bearer ⟦jwt⟧\", \"Accept\": \"application/json\"}"}
""",
)

_t(
    "systemctl cat drop-in",
    r"""
$ sudo systemctl cat vault-agent.service
# /lib/systemd/system/vault-agent.service
[Unit]
Description=Vault Agent
Requires=network-online.target
After=network-online.target

[Service]
ExecStart=/usr/bin/vault agent -config=/etc/vault.d/agent.hcl
Restart=on-failure

# /etc/systemd/system/vault-agent.service.d/override.conf
[Service]
Environment=VAULT_ADDR=https://vault.⟨domain⟩:8200
Environment=VAULT_TOKEN=⟦v hvs⟧
""",
)

_t(
    "sudo journal COMMAND=",
    r"""
⟨ts sys⟩ ⟨short =h⟩ sudo[⟨pid =p⟩]:   ⟨user =u⟩ : TTY=pts/⟨int 0 4⟩ ; PWD=/home/⟨=u⟩ ; USER=root ; COMMAND=/usr/bin/mysql -u root -p⟦pw⟧ -e SHOW PROCESSLIST
⟨ts sys⟩ ⟨=h⟩ sudo[⟨=p⟩]: pam_unix(sudo:session): session opened for user root(uid=0) by ⟨=u⟩(uid=1000)
""",
)

_t(
    "CRON journal CMD",
    r"""
⟨ts sys⟩ ⟨short =h⟩ CRON[⟨pid⟩]: (postgres) CMD (PGPASSWORD=⟦pwa⟧ /usr/bin/pg_dump -h ⟨host⟩ -U ⟨svcuser⟩ -Fc ⟨db⟩ > /var/backups/pg/$(date +\%F).dump)
⟨ts sys⟩ ⟨=h⟩ CRON[⟨pid⟩]: pam_unix(cron:session): session closed for user postgres
""",
)

_t(
    "SetCredential drop-in",
    r"""
# /etc/systemd/system/⟨svc =s⟩.service.d/10-credentials.conf
[Service]
SetCredential=datadog-api-key:⟦v ddapi⟧
LoadCredential=tls.key:/etc/⟨=s⟩/tls/server.key
ExecStart=
ExecStart=/usr/local/bin/⟨=s⟩ --api-key-file=${CREDENTIALS_DIRECTORY}/datadog-api-key
""",
)

_t(
    "/etc/default EnvironmentFile",
    r"""
$ sudo cat /etc/default/grafana-server
GRAFANA_USER=grafana
GRAFANA_GROUP=grafana
GRAFANA_HOME=/usr/share/grafana
LOG_DIR=/var/log/grafana
DATA_DIR=/var/lib/grafana
CONF_DIR=/etc/grafana
CONF_FILE=/etc/grafana/grafana.ini
RESTART_ON_UPGRADE=true
GF_SECURITY_ADMIN_PASSWORD=⟦human⟧
""",
)

_t(
    "systemd-run transient unit",
    r"""
⟨ts sys⟩ ⟨short⟩ systemd[1]: Started run-r⟨hex 32⟩.service - /usr/bin/env AWS_SECRET_ACCESS_KEY=⟦v awssec⟧ /usr/local/bin/s3-sync.sh --bucket ⟨svc⟩-archive.
""",
)

_t(
    "k3s agent env file",
    r"""
$ sudo cat /etc/systemd/system/k3s-agent.service.env
K3S_URL='https://⟨ip⟩:6443'
K3S_TOKEN='K10⟨hex 64⟩::server:⟦hex 32⟧'
""",
)


# =========================================================================== containers
_fam("containers and images")

_t(
    "docker inspect Config.Env",
    r"""
$ docker inspect --format '{{json .Config.Env}}' ⟨svc⟩-db | jq .
[
  "POSTGRES_USER=⟨svcuser⟩",
  "POSTGRES_PASSWORD=⟦pw⟧",
  "POSTGRES_DB=⟨db⟩",
  "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/usr/lib/postgresql/16/bin",
  "GOSU_VERSION=1.17",
  "LANG=en_US.utf8",
  "PG_MAJOR=16",
  "PGDATA=/var/lib/postgresql/data"
]
""",
)

_t(
    "docker-compose.yml",
    r"""
services:
  app:
    image: ghcr.io/⟨org⟩/⟨svc =s⟩:⟨ver⟩
    environment:
      - DATABASE_URL=postgres://⟨=s⟩:⟦pwa =p⟧@db:5432/⟨=s⟩
      - RAILS_LOG_TO_STDOUT=1
    depends_on: [db]
  db:
    image: postgres:16
    environment:
      POSTGRES_USER: ⟨=s⟩
      POSTGRES_PASSWORD: ⟦=p⟧
    volumes:
      - pgdata:/var/lib/postgresql/data
volumes:
  pgdata: {}
""",
)

_t(
    "Dockerfile ARG default",
    r"""
FROM node:20-alpine AS build
WORKDIR /app
COPY package*.json ./
ARG NPM_TOKEN=⟦v npm⟧
RUN echo "//registry.npmjs.org/:_authToken=${NPM_TOKEN}" > .npmrc && npm ci && rm -f .npmrc
COPY . .
RUN npm run build
""",
)

_t(
    "docker history --no-trunc",
    r"""
$ docker history --no-trunc --format '{{.CreatedBy}}' registry.⟨domain⟩/⟨svc⟩:⟨ver⟩ | head -4
CMD ["gunicorn" "app:create_app()" "-b" "0.0.0.0:8000"]
COPY . /srv/app # buildkit
RUN /bin/sh -c pip install --no-cache-dir --extra-index-url https://⟨svcuser⟩:⟦pwa⟧@pypi.⟨domain⟩/simple -r requirements.txt # buildkit
WORKDIR /srv/app
""",
)

_t(
    "docker login -p warning",
    r"""
$ docker login -u ⟨user =u⟩ -p ⟦v dckr⟧
WARNING! Using --password via the CLI is insecure. Use --password-stdin.
WARNING! Your password will be stored unencrypted in /home/⟨=u⟩/.docker/config.json.
Configure a credential helper to remove this warning. See
https://docs.docker.com/engine/reference/commandline/login/#credentials-store

Login Succeeded
""",
)

_t(
    "~/.docker/config.json",
    r"""
⟨def u svcuser⟩⟨set p pwa⟩$ cat ~/.docker/config.json
{
	"auths": {
		"registry.⟨domain⟩": {
			"auth": "⟦basic @u @p⟧"
		},
		"https://index.docker.io/v1/": {}
	},
	"credsStore": "desktop"
}
""",
)

_t(
    "docker service create --env",
    r"""
$ docker service create --name ⟨svc =s⟩ --replicas 3 --env JWT_SIGNING_SECRET=⟦alnum 64⟧ --network backend registry.⟨domain⟩/⟨=s⟩:⟨ver⟩
⟨lower 25⟩
overall progress: 3 out of 3 tasks
1/3: running   [==================================================>]
2/3: running   [==================================================>]
3/3: running   [==================================================>]
verify: Service converged
""",
)

_t(
    "mysql entrypoint generated root password",
    r"""
$ docker logs ⟨svc⟩-mysql 2>&1 | head -5
⟨ts sp⟩+00:00 [Note] [Entrypoint]: Entrypoint script for MySQL Server 8.4.3-1.el9 started.
⟨ts sp⟩+00:00 [Note] [Entrypoint]: Switching to dedicated user 'mysql'
⟨ts sp⟩+00:00 [Note] [Entrypoint]: Entrypoint script for MySQL Server 8.4.3-1.el9 started.
⟨ts sp⟩+00:00 [Note] [Entrypoint]: Initializing database files
⟨ts sp⟩+00:00 [Note] [Entrypoint]: GENERATED ROOT PASSWORD: ⟦alnum 32⟧
""",
)

_t(
    "elasticsearch first start banner",
    r"""
━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━
✅ Elasticsearch security features have been automatically configured!
✅ Authentication is enabled and cluster connections are encrypted.

ℹ️  Password for the elastic user (reset with `bin/elasticsearch-reset-password -u elastic`):
  ⟦pw 20⟧

ℹ️  HTTP CA certificate SHA-256 fingerprint:
  ⟨hex 64⟩

ℹ️  Configure Kibana to use this cluster:
• Run Kibana and click the configuration link in the terminal when Kibana starts.
""",
)

_t(
    "jenkins initial admin password",
    r"""
jenkins-1  | *************************************************************
jenkins-1  | *************************************************************
jenkins-1  |
jenkins-1  | Jenkins initial setup is required. An admin user has been created and a password generated.
jenkins-1  | Please use the following password to proceed to installation:
jenkins-1  |
jenkins-1  | ⟦hex 32⟧
jenkins-1  |
jenkins-1  | This may also be found at: /var/jenkins_home/secrets/initialAdminPassword
""",
)

# =========================================================================== kubernetes and orchestrators
_fam("kubernetes and orchestrators")

_t(
    "Secret manifest data base64",
    r"""
⟨def u svcuser⟩⟨set p pw⟩apiVersion: v1
kind: Secret
metadata:
  name: ⟨svc =s⟩-db-credentials
  namespace: ⟨=s⟩
  labels:
    app.kubernetes.io/name: ⟨=s⟩
type: Opaque
data:
  username: ⟨b64of @u⟩
  password: ⟦b64of @p⟧
""",
)

_t(
    "kubectl describe pod env",
    r"""
$ kubectl -n ⟨svc =s⟩ describe pod ⟨pod⟩ | sed -n '/Environment:/,/Mounts:/p'
    Environment:
      JAVA_OPTS:               -Xmx1g -XX:+UseG1GC
      SPRING_PROFILES_ACTIVE:  ⟨env⟩
      DB_USER:                 <set to the key 'username' in secret '⟨=s⟩-db'>  Optional: false
      DB_PASSWORD:             <set to the key 'password' in secret '⟨=s⟩-db'>  Optional: false
      KEYCLOAK_CLIENT_SECRET:  ⟦alnum 32⟧
    Mounts:
""",
)

_t(
    "kubeconfig user token",
    r"""
apiVersion: v1
kind: Config
clusters:
- cluster:
    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUMvakNDQWVhZ0F3SUJBZ0lCQURBTkJna3Foa2lHOXcwQkFRc0ZBREFWTVJNd0VRWURWUVFERXdwcmRXSmwK
    server: https://⟨ip⟩:6443
  name: ⟨env =e⟩
contexts:
- context:
    cluster: ⟨=e⟩
    namespace: ⟨svc =s⟩
    user: ⟨=s⟩-deployer
  name: ⟨=s⟩@⟨=e⟩
current-context: ⟨=s⟩@⟨=e⟩
users:
- name: ⟨=s⟩-deployer
  user:
    token: ⟦jwt RS256⟧
""",
)

_t(
    "kubectl get secret | base64 -d",
    r"""
$ kubectl -n ⟨svc =s⟩ get secret ⟨=s⟩-redis -o jsonpath='{.data.redis-password}' | base64 -d; echo
⟦pwa⟧
$ kubectl -n ⟨=s⟩ rollout restart deploy/⟨=s⟩-api
deployment.apps/⟨=s⟩-api restarted
""",
)

_t(
    "helm values file",
    r"""
# values-⟨env⟩.yaml
postgresql:
  enabled: true
  auth:
    username: ⟨svcuser⟩
    password: "⟦pw⟧"
    database: ⟨db⟩
  primary:
    persistence:
      size: 50Gi
    resources:
      requests:
        cpu: 500m
        memory: 1Gi
""",
)

_t(
    "apiserver audit RequestResponse",
    r"""
{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","auditID":"⟨uuid⟩","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/⟨svc =s⟩/configmaps","verb":"create","user":{"username":"system:serviceaccount:argocd:argocd-application-controller","groups":["system:serviceaccounts","system:authenticated"]},"objectRef":{"resource":"configmaps","namespace":"⟨=s⟩","name":"⟨=s⟩-config","apiVersion":"v1"},"responseStatus":{"metadata":{},"code":201},"requestObject":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"⟨=s⟩-config","namespace":"⟨=s⟩"},"data":{"LOG_LEVEL":"info","S3_BUCKET":"⟨=s⟩-exports","S3_SECRET_KEY":"⟦v awssec⟧"}},"requestReceivedTimestamp":"⟨ts isous⟩","stageTimestamp":"⟨ts isous⟩"}
""",
)

_t(
    "nomad job auth block",
    r"""
job "⟨svc =s⟩" {
  datacenters = ["dc1"]
  type        = "service"

  group "api" {
    count = 2
    task "server" {
      driver = "docker"
      config {
        image = "registry.⟨domain⟩/⟨=s⟩:⟨ver⟩"
        auth {
          username = "⟨user⟩"
          password = "⟦pwa⟧"
        }
        ports = ["http"]
      }
    }
  }
}
""",
)

_t(
    "ECS task definition",
    r"""
{
  "family": "⟨svc =s⟩-web",
  "networkMode": "awsvpc",
  "containerDefinitions": [
    {
      "name": "⟨=s⟩",
      "image": "⟨acct⟩.dkr.ecr.⟨region⟩.amazonaws.com/⟨=s⟩:⟨ver⟩",
      "portMappings": [{"containerPort": 8000, "protocol": "tcp"}],
      "environment": [
        {"name": "DJANGO_SETTINGS_MODULE", "value": "config.settings.production"},
        {"name": "DJANGO_SECRET_KEY", "value": "⟦djkey⟧"},
        {"name": "DJANGO_ALLOWED_HOSTS", "value": ".⟨domain⟩"}
      ],
      "essential": true
    }
  ]
}
""",
)

_t(
    "oc login --token",
    r"""
$ oc login --token=sha256~⟦b64u 32⟧ --server=https://api.⟨env⟩.⟨domain⟩:6443
Logged into "https://api.⟨env⟩.⟨domain⟩:6443" as "⟨user⟩" using the token provided.

You have access to 64 projects, the list has been suppressed. You can list all projects with 'oc projects'

Using project "⟨svc⟩".
""",
)

_t(
    "argocd initial-password",
    r"""
$ argocd admin initial-password -n argocd
⟦pwa 16⟧

 This password must be only used for first time login. We strongly recommend you update the password using `argocd account update-password`.
""",
)

_t(
    "docker swarm join-token",
    r"""
$ docker swarm join-token worker
To add a worker to this swarm, run the following command:

    docker swarm join --token SWMTKN-1-⟨lower 50⟩-⟦lower 25⟧ ⟨ip⟩:2377

""",
)


# =========================================================================== ci/cd logs
_fam("ci/cd logs")

_t(
    "GitHub Actions checkout with literal token",
    r"""
⟨ts gh⟩ ##[group]Run actions/checkout@v4
⟨ts gh⟩ with:
⟨ts gh⟩   repository: ⟨org⟩/⟨svc⟩-infra
⟨ts gh⟩   token: ⟦v ghpat⟧
⟨ts gh⟩   ssh-strict: true
⟨ts gh⟩   persist-credentials: true
⟨ts gh⟩   clean: true
⟨ts gh⟩ ##[endgroup]
⟨ts gh⟩ Syncing repository: ⟨org⟩/⟨svc⟩-infra
""",
)

_t(
    "GitLab CI job log remote URL",
    r"""
Running with gitlab-runner 17.5.2 (c6eae8d7)
  on ⟨svc =s⟩-runner-⟨int 1 9⟩ ⟨alnum 8⟩, system ID: s_⟨hex 12⟩
Preparing the "docker" executor
Using Docker executor with image alpine/git:2.45.2 ...
Executing "step_script" stage of the job script
$ git remote set-url origin "https://oauth2:⟦v glpat⟧@gitlab.⟨domain⟩/platform/⟨=s⟩.git"
$ git push origin HEAD:refs/tags/v⟨ver⟩
remote:
To https://gitlab.⟨domain⟩/platform/⟨=s⟩.git
 * [new tag]         HEAD -> v⟨ver⟩
Job succeeded
""",
)

_t(
    "Jenkins console sh step",
    r"""
[Pipeline] stage
[Pipeline] { (Trigger downstream)
[Pipeline] sh
+ curl -fsS -u ⟨user⟩:⟦v jenkins⟧ -X POST 'https://jenkins.⟨domain⟩/job/⟨svc⟩/job/main/build?delay=0sec'
[Pipeline] }
[Pipeline] // stage
""",
)

_t(
    "Buildkite job log",
    r"""
~~~ Preparing working directory
$ cd /var/lib/buildkite-agent/builds/⟨short⟩-1/⟨org⟩/⟨svc =s⟩
~~~ Running commands
$ export NPM_TOKEN=⟦v npm⟧ && npm publish --access restricted
npm notice
npm notice 📦  @⟨org⟩/⟨=s⟩@⟨ver⟩
npm notice Tarball Contents
""",
)

_t(
    "tkn taskrun logs",
    r"""
$ tkn taskrun logs ⟨svc =s⟩-build-run-⟨lower 5⟩ -f
[git-clone : clone] + git config --global credential.helper store
[git-clone : clone] + echo https://x-access-token:⟦v ghs⟧@github.com
[git-clone : clone] + git clone https://github.com/⟨org⟩/⟨=s⟩.git /workspace/source
[build : build-and-push] INFO[0003] Retrieving image manifest golang:1.23
""",
)

_t(
    "argo logs",
    r"""
$ argo logs ⟨svc =s⟩-etl-⟨lower 5 =w⟩ -n argo
⟨=s⟩-etl-⟨=w⟩-extract-⟨int 100000000 999999999 =n⟩: time="⟨ts iso⟩" level=info msg="starting extract" source=snowflake
⟨=s⟩-etl-⟨=w⟩-extract-⟨=n⟩: time="⟨ts iso⟩" level=debug msg="connect" account=⟨org⟩-⟨lower 7⟩ user=ETL_SVC password=⟦pw⟧ warehouse=ETL_WH
""",
)

_t(
    "TeamCity service message",
    r"""
[⟨ts hms⟩] :	 [Step 2/4] Generating deployment parameters
[⟨ts hms⟩] :	 [Step 2/4] ##teamcity[setParameter name='env.DEPLOY_TOKEN' value='⟦v octopus⟧']
[⟨ts hms⟩]i:	 [Step 2/4] Process exited with code 0
""",
)

_t(
    "Bamboo build log",
    r"""
simple	⟨ts dmy⟩	Starting task 'Deploy to Nexus' of type 'com.atlassian.bamboo.plugins.maven:task.builder.mvn3'
command	⟨ts dmy⟩	Beginning to execute external process for build '⟨svc⟩ - main - Default Job #⟨int 100 999⟩'
command	⟨ts dmy⟩	... running command line: /opt/maven/bin/mvn --batch-mode -Djava.io.tmpdir=/tmp deploy -DaltDeploymentRepository=nexus::https://nexus.⟨domain⟩/repository/releases -Dnexus.password=⟦pw⟧
build	⟨ts dmy⟩	[INFO] Scanning for projects...
""",
)

_t(
    "Azure DevOps az login",
    r"""
⟨ts gh⟩ ##[section]Starting: Azure login
⟨ts gh⟩ ==============================================================================
⟨ts gh⟩ Task         : Command line
⟨ts gh⟩ Version      : 2.246.1
⟨ts gh⟩ ==============================================================================
⟨ts gh⟩ Generating script.
⟨ts gh⟩ ##[command]az login --service-principal -u ⟨uuid⟩ -p ⟦v azsecret⟧ --tenant ⟨uuid⟩
""",
)

_t(
    "workflow YAML hardcoded env",
    r"""
name: release
on:
  push:
    tags: ["v*"]
jobs:
  notify:
    runs-on: ubuntu-latest
    env:
      SLACK_BOT_TOKEN: ⟦v xoxb⟧
      SLACK_CHANNEL: "#releases"
    steps:
      - uses: slackapi/slack-github-action@v1.27.0
""",
)

_t(
    "Concourse fly set-pipeline",
    r"""
$ fly -t ci set-pipeline -p ⟨svc =s⟩ -c ci/pipeline.yml -v registry_username=⟨user⟩ -v registry_password=⟦pwa⟧ -v git_branch=main
jobs:
  job build has been added:
+ name: build
apply configuration? [yN]: y
pipeline created!
""",
)


# =========================================================================== infrastructure as code
_fam("infrastructure as code and config management")

_t(
    "terraform plan helm_release set",
    r"""
Terraform will perform the following actions:

  # helm_release.⟨svc =s⟩ will be created
  + resource "helm_release" "⟨=s⟩" {
      + atomic                     = false
      + chart                      = "redis"
      + name                       = "⟨=s⟩-cache"
      + namespace                  = "⟨=s⟩"
      + repository                 = "oci://registry-1.docker.io/bitnamicharts"
      + version                    = "20.3.0"
      + id                         = (known after apply)

      + set {
          + name  = "auth.password"
          + value = "⟦pwa⟧"
            # (1 unchanged attribute hidden)
        }
    }

Plan: 1 to add, 0 to change, 0 to destroy.
""",
)

_t(
    "terraform.tfstate random_password",
    r"""
{
  "version": 4,
  "terraform_version": "1.9.8",
  "serial": ⟨int 10 400⟩,
  "lineage": "⟨uuid⟩",
  "outputs": {},
  "resources": [
    {
      "mode": "managed",
      "type": "random_password",
      "name": "db_master",
      "provider": "provider[\"registry.terraform.io/hashicorp/random\"]",
      "instances": [
        {
          "schema_version": 3,
          "attributes": {
            "bcrypt_hash": "⟦bcrypt 10⟧",
            "id": "none",
            "length": 24,
            "result": "⟦pw⟧",
            "special": true
          },
          "sensitive_attributes": []
        }
      ]
    }
  ]
}
""",
)

_t(
    "pulumi stack output --show-secrets",
    r"""
$ pulumi stack output --show-secrets
Current stack outputs (3):
    OUTPUT            VALUE
    bucketName        ⟨svc =s⟩-assets-⟨hex 7⟩
    dbEndpoint        ⟨=s⟩-⟨env⟩.cluster-⟨lower 12⟩.⟨region⟩.rds.amazonaws.com
    dbPassword        ⟦pw⟧
""",
)

_t(
    "ansible INI inventory",
    r"""
[db]
⟨host⟩ ansible_user=⟨user⟩ ansible_become_pass=⟦pw⟧
⟨host⟩ ansible_user=⟨user⟩

[db:vars]
ansible_python_interpreter=/usr/bin/python3
""",
)

_t(
    "ansible -v module_args",
    r"""
TASK [redis : set requirepass] *************************************************
changed: [⟨host⟩] => {"backup": "", "changed": true, "invocation": {"module_args": {"backrefs": false, "create": false, "line": "requirepass ⟦pwa⟧", "path": "/etc/redis/redis.conf", "regexp": "^#?\\s*requirepass", "state": "present"}}, "msg": "line replaced"}
""",
)

_t(
    "salt pillar sls",
    r"""
# /srv/pillar/⟨svc =s⟩/init.sls
⟨=s⟩:
  db:
    host: ⟨host⟩
    port: 5432
    user: ⟨svcuser⟩
    password: '⟦pw⟧'
  workers: 4
""",
)

_t(
    "knife data bag show",
    r"""
$ knife data bag show credentials ⟨svc =s⟩ -F json
WARNING: Unencrypted data bag detected, ignoring any provided secret options.
{
  "id": "⟨=s⟩",
  "pagerduty_api_token": "⟦v pdkey⟧",
  "user": "⟨svcuser⟩"
}
""",
)

_t(
    "CloudFormation parameter default",
    r"""
AWSTemplateFormatVersion: "2010-09-09"
Description: ⟨svc⟩ Aurora cluster
Parameters:
  DBMasterUsername:
    Type: String
    Default: ⟨svcuser⟩
  DBMasterPassword:
    Type: String
    NoEcho: true
    Default: "⟦pw⟧"
""",
)

_t(
    ".bicepparam",
    r"""
using './main.bicep'

param location = 'westeurope'
param sqlAdministratorLogin = '⟨svcuser⟩'
param sqlAdministratorLoginPassword = '⟦pw⟧'
""",
)

_t(
    "cloud-init user-data",
    r"""
#cloud-config
ssh_pwauth: true
chpasswd:
  expire: false
  users:
    - name: root
      password: ⟦pw⟧
      type: text
""",
)

_t(
    "terraform proxmox provider",
    r"""
provider "proxmox" {
  pm_api_url          = "https://⟨ip⟩:8006/api2/json"
  pm_api_token_id     = "terraform@pve!provider"
  pm_api_token_secret = "⟦uuid⟧"
  pm_tls_insecure     = true
}
""",
)


# =========================================================================== application config files
_fam("application config files")

_t(
    "odoo.conf INI",
    r"""
[options]
addons_path = /opt/odoo/addons,/opt/odoo/custom-addons
admin_passwd = ⟦pw⟧
db_host = ⟨host⟩
db_port = 5432
db_user = odoo
logfile = /var/log/odoo/odoo.log
""",
)

_t(
    "gitlab-runner config.toml",
    r"""
concurrent = 4
check_interval = 0

[[runners]]
  name = "⟨short⟩"
  url = "https://gitlab.⟨domain⟩/"
  id = ⟨int 100 9999⟩
  token = "⟦v glrt⟧"
  token_obtained_at = ⟨ts iso⟩
  token_expires_at = 0001-01-01T00:00:00Z
  executor = "docker"
  [runners.docker]
    image = "alpine:3.20"
    privileged = false
""",
)

_t(
    "Spring application.yml",
    r"""
spring:
  datasource:
    url: jdbc:postgresql://⟨host⟩:5432/⟨db⟩
    username: ⟨svcuser⟩
    password: ⟦pw⟧
    hikari:
      maximum-pool-size: 20
  jpa:
    open-in-view: false
""",
)

_t(
    ".NET appsettings.json",
    r"""
{
  "Logging": { "LogLevel": { "Default": "Information" } },
  "ConnectionStrings": {
    "Default": "Server=⟨host⟩;Database=⟨db⟩;User Id=⟨svcuser⟩;Password=⟦pwsh⟧;TrustServerCertificate=True"
  },
  "AllowedHosts": "*"
}
""",
)

_t(
    "Laravel .env",
    r"""
APP_NAME=⟨svc⟩
APP_ENV=production
APP_KEY=base64:⟦b64 32⟧
APP_DEBUG=false
DB_CONNECTION=mysql
DB_HOST=⟨host⟩
DB_DATABASE=⟨db⟩
DB_USERNAME=⟨svcuser⟩
""",
)

_t(
    "HOCON application.conf",
    r"""
play.http.secret.key = "⟦alnum 64⟧"
play.filters.hosts.allowed = [".⟨domain⟩"]
db.default.driver = org.postgresql.Driver
db.default.url = "jdbc:postgresql://⟨host⟩/⟨db⟩"
""",
)

_t(
    "Rocket.toml",
    r"""
[default]
address = "0.0.0.0"
port = 8000

[release]
secret_key = "⟦b64 32⟧"
log_level = "critical"
""",
)

_t(
    "NixOS configuration.nix",
    r"""
  services.nextcloud = {
    enable = true;
    hostName = "cloud.⟨domain⟩";
    config.adminuser = "admin";
    config.adminpassFile = "${pkgs.writeText "adminpass" "⟦pw⟧"}";
    database.createLocally = true;
  };
""",
)

_t(
    "tomcat-users.xml",
    r"""
<?xml version="1.0" encoding="UTF-8"?>
<tomcat-users xmlns="http://tomcat.apache.org/xml" version="1.0">
  <role rolename="manager-gui"/>
  <role rolename="manager-script"/>
  <user username="⟨user⟩" password="⟦pw⟧" roles="manager-gui,manager-script"/>
</tomcat-users>
""",
)

_t(
    "Tomcat context.xml Resource",
    r"""
<Context>
  <Resource name="jdbc/⟨svc⟩" auth="Container" type="javax.sql.DataSource"
            maxTotal="50" maxIdle="10" maxWaitMillis="10000"
            username="⟨svcuser⟩" password="⟦pw⟧"
            driverClassName="oracle.jdbc.OracleDriver"
            url="jdbc:oracle:thin:@//⟨host⟩:1521/ORCLPDB1"/>
</Context>
""",
)

_t(
    "Gitea app.ini",
    r"""
[database]
DB_TYPE  = postgres
HOST     = ⟨host⟩:5432
NAME     = gitea
USER     = gitea
PASSWD   = `⟦pw⟧`
SSL_MODE = require
""",
)

# =========================================================================== source code
_fam("source code and framework settings")

_t(
    "wp-config.php",
    r"""
/** The name of the database for WordPress */
define( 'DB_NAME', '⟨db⟩' );

/** Database username */
define( 'DB_USER', '⟨svcuser⟩' );

/** Database password */
define( 'DB_PASSWORD', '⟦pw⟧' );

/** Database hostname */
define( 'DB_HOST', '⟨host⟩' );
""",
)

_t(
    "Rails initializer",
    r"""
# config/initializers/stripe.rb
Rails.configuration.stripe = {
  publishable_key: ENV["STRIPE_PUBLISHABLE_KEY"],
  secret_key: ENV.fetch("STRIPE_SECRET_KEY", "⟦v sklive⟧")
}
Stripe.api_key = Rails.configuration.stripe[:secret_key]
""",
)

_t(
    "OpenResty Lua",
    r"""
local redis = require "resty.redis"
local red = redis:new()
red:set_timeouts(1000, 1000, 1000)
local ok, err = red:connect("⟨ip⟩", 6379)
if not ok then ngx.log(ngx.ERR, "redis connect: ", err) return end
local res, err = red:auth("⟦pwa⟧")
""",
)

_t(
    "Perl DBI connect",
    r"""
use DBI;
my $dsn = "DBI:mysql:database=⟨db⟩;host=⟨host⟩;port=3306";
my $dbh = DBI->connect($dsn, "⟨svcuser⟩", "⟦pwa⟧", { RaiseError => 1, AutoCommit => 0 })
    or die "cannot connect: $DBI::errstr";
""",
)

_t(
    "Jenkins init.groovy",
    r"""
import jenkins.model.*
import hudson.security.*

def instance = Jenkins.getInstance()
def hudsonRealm = new HudsonPrivateSecurityRealm(false)
hudsonRealm.createAccount("⟨user⟩", "⟦pw⟧")
instance.setSecurityRealm(hudsonRealm)
instance.save()
""",
)

_t(
    "Django settings.py",
    r"""
SECRET_KEY = '⟦djkey⟧'
DEBUG = False
ALLOWED_HOSTS = ['.⟨domain⟩']
DATABASES = {
    'default': {
        'ENGINE': 'django.db.backends.postgresql',
        'NAME': '⟨db⟩',
        'USER': '⟨svcuser⟩',
        'PASSWORD': os.environ['DB_PASSWORD'],
        'HOST': '⟨host⟩',
    }
}
""",
)

_t(
    "Go const",
    r"""
package notify

const (
	twilioAccountSID = "AC⟨hex 32⟩"
	twilioAuthToken  = "⟦v twiliotok⟧"
	fromNumber       = "+1555⟨int 1000000 9999999⟩"
)
""",
)

_t(
    "Java DriverManager",
    r"""
    private static Connection open() throws SQLException {
        String url = "jdbc:sqlserver://⟨host⟩:1433;databaseName=⟨db⟩;encrypt=true";
        return DriverManager.getConnection(url, "⟨svcuser⟩", "⟦pw⟧");
    }
""",
)

_t(
    "Kotlin OkHttp interceptor",
    r"""
private val client = OkHttpClient.Builder()
    .addInterceptor { chain ->
        chain.proceed(chain.request().newBuilder()
            .addHeader("X-Api-Key", "⟦v algolia⟧")
            .addHeader("X-Algolia-Application-Id", "⟨upper 10⟩")
            .build())
    }
    .build()
""",
)

_t(
    "Swift constants",
    r"""
enum Secrets {
    static let mapboxSecretToken = "⟦v mapbox⟧"
}
""",
)

_t(
    "R script Sys.setenv",
    r"""
library(aws.s3)
Sys.setenv("AWS_ACCESS_KEY_ID" = "⟦v akia⟧",
           "AWS_SECRET_ACCESS_KEY" = "⟦v awssec⟧",
           "AWS_DEFAULT_REGION" = "⟨region⟩")
df <- s3read_using(read.csv, object = "s3://⟨svc⟩-exports/daily.csv")
""",
)

# =========================================================================== web servers and proxies
_fam("web servers and proxies")

_t(
    "nginx proxy_set_header Authorization",
    r"""
⟨def u svcuser⟩⟨set p pwa⟩    location /internal/ {
        proxy_pass http://⟨ip⟩:8080/;
        proxy_set_header Host $host;
        proxy_set_header Authorization "Basic ⟦basic @u @p⟧";
        proxy_read_timeout 60s;
    }
""",
)

_t(
    "Apache RequestHeader",
    r"""
<VirtualHost *:443>
    ServerName api.⟨domain⟩
    ProxyPreserveHost On
    RequestHeader set X-Api-Key "⟦hex 40⟧"
    ProxyPass        / http://127.0.0.1:9000/
    ProxyPassReverse / http://127.0.0.1:9000/
</VirtualHost>
""",
)

_t(
    "Apache AuthLDAPBindPassword",
    r"""
<Location "/svn">
    AuthType Basic
    AuthName "Subversion"
    AuthBasicProvider ldap
    AuthLDAPURL "ldaps://ldap.⟨domain⟩/ou=people,dc=⟨org⟩,dc=com?uid"
    AuthLDAPBindDN "cn=apache,ou=services,dc=⟨org⟩,dc=com"
    AuthLDAPBindPassword "⟦pw⟧"
    Require ldap-group cn=svn,ou=groups,dc=⟨org⟩,dc=com
</Location>
""",
)

_t(
    "HAProxy userlist and stats auth",
    r"""
listen stats
    bind :8404
    stats enable
    stats uri /stats
    stats auth admin:⟦pw⟧
""",
)

_t(
    "Envoy inline_string header",
    r"""
        - name: envoy.filters.http.header_mutation
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.filters.http.header_mutation.v3.HeaderMutation
            mutations:
              request_mutations:
              - append:
                  header:
                    key: x-upstream-token
                    value: "⟦v ldapi⟧"
""",
)

_t(
    "Caddyfile basic_auth",
    r"""
metrics.⟨domain⟩ {
	basic_auth /* {
		⟨user⟩ ⟦bcrypt 14⟧
	}
	reverse_proxy localhost:9090
}
""",
)

_t(
    "Traefik dynamic basicAuth",
    r"""
http:
  middlewares:
    dashboard-auth:
      basicAuth:
        users:
          - "⟨user⟩:⟦apr1⟧"
""",
)

_t(
    "Squid cache_peer login",
    r"""
cache_peer proxy.⟨domain⟩ parent 3128 0 no-query default login=⟨svcuser⟩:⟦pwa⟧
never_direct allow all
""",
)

_t(
    "Tomcat server.xml Connector",
    r"""
    <Connector port="8443" protocol="org.apache.coyote.http11.Http11NioProtocol"
               maxThreads="150" SSLEnabled="true">
        <SSLHostConfig>
            <Certificate certificateKeystoreFile="conf/⟨svc⟩.jks"
                         certificateKeystorePassword="⟦pwsh⟧"
                         type="RSA" />
        </SSLHostConfig>
    </Connector>
""",
)

_t(
    "IIS appcmd list apppool",
    r"""
C:\Windows\System32\inetsrv>appcmd list apppool "⟨svc⟩Pool" /text:processModel.*
[processModel]
  identityType:"SpecificUser"
  userName:"⟨pick:CORP|PROD|WEB⟩\svc_⟨svc⟩"
  password:"⟦pw⟧"
  loadUserProfile:"true"
  idleTimeout:"00:20:00"
""",
)

_t(
    "Kong declarative consumer",
    r"""
_format_version: "3.0"
consumers:
  - username: ⟨svc⟩-mobile
    keyauth_credentials:
      - key: ⟦alnum 32⟧
""",
)

# =========================================================================== mail
_fam("mail servers and transcripts")

_t(
    "postfix sasl_passwd",
    r"""
# /etc/postfix/sasl_passwd
[smtp.sendgrid.net]:587    apikey:⟦v sendgrid⟧
""",
)

_t(
    "dovecot passwd-file",
    r"""
# /etc/dovecot/users
⟨user =u⟩@⟨domain⟩:{SHA512-CRYPT}⟦sha512crypt⟧:5000:5000::/var/mail/vhosts/⟨domain⟩/⟨=u⟩::
""",
)

_t(
    "Exim authenticators",
    r"""
begin authenticators

smarthost_login:
  driver = plaintext
  public_name = LOGIN
  client_send = : ⟨svcuser⟩ : ⟦pwa⟧
""",
)

_t(
    "swaks AUTH PLAIN",
    r"""
⟨def u user⟩⟨set p pwa⟩=== Trying smtp.⟨domain⟩:587...
=== Connected to smtp.⟨domain⟩.
<-  220 smtp.⟨domain⟩ ESMTP Postfix
 -> EHLO ⟨short⟩
<-  250-AUTH PLAIN LOGIN
<-  250 CHUNKING
 -> AUTH PLAIN ⟦plain @u @p⟧
<-  235 2.7.0 Authentication successful
""",
)

_t(
    "SMTP AUTH LOGIN transcript",
    r"""
⟨def u email⟩⟨set p pw⟩S: 220 mx.⟨domain⟩ ESMTP ready
C: EHLO ⟨short⟩
S: 250-AUTH LOGIN PLAIN
S: 250 8BITMIME
C: AUTH LOGIN
S: 334 VXNlcm5hbWU6
C: ⟨b64of @u⟩
S: 334 UGFzc3dvcmQ6
C: ⟦b64of @p⟧
S: 535 5.7.8 Error: authentication failed: UGFzc3dvcmQ6
""",
)

_t(
    "IMAP LOGIN transcript",
    r"""
* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS AUTH=PLAIN] Dovecot ready.
a001 LOGIN ⟨user⟩ "⟦pw⟧"
a001 OK [CAPABILITY IMAP4rev1 SORT THREAD=REFERENCES MULTIAPPEND UNSELECT] Logged in
a002 SELECT INBOX
""",
)

_t(
    "POP3 session",
    r"""
+OK POP3 server ready <⟨int 1000 9999⟩.⟨int 100000 999999⟩@mail.⟨domain⟩>
USER ⟨user⟩
+OK
PASS ⟦pwa⟧
+OK Logged in.
STAT
+OK 3 18432
""",
)

_t(
    "fetchmailrc",
    r"""
poll imap.⟨domain⟩ proto IMAP
    user '⟨email⟩' there with password '⟦pw⟧' is '⟨user⟩' here
    ssl
    keep
""",
)

_t(
    "muttrc",
    r"""
set imap_user = "⟨email⟩"
set imap_pass = "⟦pw⟧"
set folder = "imaps://imap.⟨domain⟩:993"
set spoolfile = "+INBOX"
""",
)

_t(
    "PHPMailer SMTPDebug",
    r"""
⟨def u email⟩⟨set p pw⟩⟨ts sp⟩	SERVER -> CLIENT: 250-smtp.⟨domain⟩ Hello
⟨ts sp⟩	CLIENT -> SERVER: AUTH LOGIN
⟨ts sp⟩	SERVER -> CLIENT: 334 VXNlcm5hbWU6
⟨ts sp⟩	CLIENT -> SERVER: ⟨b64of @u⟩
⟨ts sp⟩	SERVER -> CLIENT: 334 UGFzc3dvcmQ6
⟨ts sp⟩	CLIENT -> SERVER: ⟦b64of @p⟧
⟨ts sp⟩	SERVER -> CLIENT: 235 2.7.0 Authentication successful
""",
)

_t(
    "Postfix smtp debug SASL",
    r"""
⟨ts sys⟩ ⟨short =h⟩ postfix/smtp[⟨pid =p⟩]: smtp_sasl_authenticate: smtp.⟨domain⟩[⟨pubip⟩]:587: SASL mechanisms PLAIN LOGIN
⟨ts sys⟩ ⟨=h⟩ postfix/smtp[⟨=p⟩]: maps_find: smtp_sasl_password_maps: hash:/etc/postfix/sasl_passwd(0,lock|fold_fix|utf8_request): [smtp.⟨domain⟩]:587 = ⟨svcuser⟩:⟦pw⟧
""",
)


# =========================================================================== data stores
_fam("databases, caches and brokers configuration")

_t(
    "pgbouncer userlist.txt",
    r"""
"⟨svcuser⟩" "⟦scram⟧"
"pgbouncer_stats" ""
""",
)

_t(
    "redis.conf",
    r"""
bind 0.0.0.0
protected-mode yes
port 6379
requirepass ⟦pwl =r⟧
masterauth ⟦=r⟧
maxmemory-policy allkeys-lru
""",
)

_t(
    "rabbitmq.conf",
    r"""
listeners.tcp.default = 5672
management.tcp.port = 15672
default_user = ⟨svcuser⟩
default_pass = ⟦pw⟧
default_vhost = /⟨svc⟩
""",
)

_t(
    "Kafka client JAAS properties",
    r"""
bootstrap.servers=⟨host⟩:9093
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="⟨svcuser⟩" password="⟦pw⟧";
ssl.truststore.location=/etc/kafka/secrets/truststore.jks
""",
)

_t(
    "ZooKeeper JAAS",
    r"""
Server {
    org.apache.zookeeper.server.auth.DigestLoginModule required
    user_super="⟦pwa⟧";
};
""",
)

_t(
    "elasticsearch-reset-password",
    r"""
$ sudo /usr/share/elasticsearch/bin/elasticsearch-reset-password -u elastic -b
Password for the [elastic] user successfully reset.
New value: ⟦pw 20⟧
""",
)

_t(
    "ClickHouse users.xml",
    r"""
<clickhouse>
    <users>
        <⟨svc⟩_reader>
            <password_sha256_hex>⟦sha256hex⟧</password_sha256_hex>
            <networks><ip>::/0</ip></networks>
            <profile>readonly</profile>
        </⟨svc⟩_reader>
    </users>
</clickhouse>
""",
)

_t(
    "influx auth create",
    r"""
$ influx auth create --org ⟨org⟩ --all-access --description "grafana ⟨env⟩"
ID			Description		Token												User Name	User ID			Permissions
⟨hex 16⟩	grafana ⟨env⟩		⟦b64 64⟧	admin		⟨hex 16⟩	[read:orgs/⟨hex 16⟩/authorizations write:orgs/⟨hex 16⟩/authorizations]
""",
)

_t(
    "mkstore createCredential",
    r"""
$ mkstore -wrl /u01/app/oracle/wallet -createCredential ⟨svc⟩_db ⟨svcuser⟩ ⟦pw⟧
Oracle Secret Store Tool Release 19.0.0.0.0 - Production
Version 19.4.0.0.0
Copyright (c) 2004, 2023, Oracle and/or its affiliates. All rights reserved.

Enter wallet password:
""",
)

_t(
    "CouchDB local.ini admins",
    r"""
[admins]
admin = ⟦pw⟧

[couchdb]
single_node = true
uuid = ⟨hex 32⟩
""",
)

_t(
    "hdbuserstore SET",
    r"""
⟨pick:hdb|prd|qas =sid⟩adm> hdbuserstore SET BACKUPKEY ⟨host =h⟩:30015 BACKUP_OPERATOR ⟦pw⟧
⟨=sid⟩adm> hdbuserstore LIST BACKUPKEY
DATA FILE       : /usr/sap/⟨pick:HDB|PRD|QAS =S⟩/home/.hdb/⟨short =m⟩/SSFS_HDB.DAT
KEY FILE        : /usr/sap/⟨=S⟩/home/.hdb/⟨=m⟩/SSFS_HDB.KEY

KEY BACKUPKEY
  ENV : ⟨=h⟩:30015
  USER: BACKUP_OPERATOR
""",
)


# =========================================================================== directory and authentication services
_fam("directory and authentication services")

_t(
    "sssd.conf",
    r"""
[domain/⟨domain⟩]
id_provider = ldap
auth_provider = ldap
ldap_uri = ldaps://ldap.⟨domain⟩
ldap_search_base = dc=⟨org⟩,dc=net
ldap_default_bind_dn = cn=sssd,ou=services,dc=⟨org⟩,dc=net
ldap_default_authtok_type = password
ldap_default_authtok = ⟦pw⟧
cache_credentials = true
""",
)

_t(
    "ldapsearch -w",
    r"""
$ ldapsearch -x -H ldaps://ldap.⟨domain⟩ -D "cn=admin,dc=⟨org⟩,dc=net" -w '⟦pw⟧' -b "ou=people,dc=⟨org⟩,dc=net" "(uid=⟨user =u⟩)" mail
# extended LDIF
#
# LDAPv3
# base <ou=people,dc=⟨org⟩,dc=net> with scope subtree
# filter: (uid=⟨=u⟩)
# requesting: mail
""",
)

_t(
    "slapd rootpw",
    r"""
database        mdb
maxsize         1073741824
suffix          "dc=⟨org⟩,dc=net"
rootdn          "cn=Manager,dc=⟨org⟩,dc=net"
rootpw          ⟦ssha⟧
directory       /var/lib/openldap/openldap-data
""",
)

_t(
    "LDIF userPassword::",
    r"""
⟨set p pw⟩dn: uid=⟨user =u⟩,ou=people,dc=⟨org⟩,dc=net
objectClass: inetOrgPerson
objectClass: posixAccount
uid: ⟨=u⟩
cn: ⟨name⟩
uidNumber: ⟨int 10000 20000⟩
gidNumber: 10000
homeDirectory: /home/⟨=u⟩
userPassword:: ⟦b64of @p⟧
""",
)

_t(
    "smbclient -U user%pass",
    r"""
$ smbclient //⟨short⟩/finance -U '⟨pick:CORP|FIN|HQ⟩\⟨user⟩%⟦pw⟧' -c 'ls'
  .                                   D        0  ⟨ts ctime⟩
  ..                                  D        0  ⟨ts ctime⟩
  Q3-close.xlsx                       A   482113  ⟨ts ctime⟩

		⟨int 100000000 999999999⟩ blocks of size 4096. 12309901 blocks available
""",
)

_t(
    "net ads join",
    r"""
$ sudo net ads join -U Administrator%⟦pw⟧ createcomputer="Servers/Linux"
Using short domain name -- ⟨pick:CORP|HQ|AD⟩
Joined '⟨short⟩' to dns domain '⟨domain⟩'
""",
)

_t(
    "FreeRADIUS clients.conf",
    r"""
client ⟨short =h⟩ {
	ipaddr = ⟨ip⟩
	secret = ⟦pwa⟧
	shortname = ⟨=h⟩
	nas_type = cisco
}
""",
)

_t(
    "radtest",
    r"""
$ radtest ⟨user =u⟩ '⟦pw =pw⟧' ⟨ip =i⟩ 0 ⟦alnum 16⟧
Sent Access-Request Id 172 from 0.0.0.0:⟨port⟩ to ⟨=i⟩:1812 length 77
	User-Name = "⟨=u⟩"
	User-Password = "⟦=pw⟧"
	NAS-IP-Address = 127.0.1.1
	NAS-Port = 0
Received Access-Accept Id 172 from ⟨=i⟩:1812 to 0.0.0.0:0 length 20
""",
)

_t(
    "kinit from pipe",
    r"""
$ echo '⟦pw⟧' | kinit ⟨svcuser⟩@⟨pick:CORP|AD|HQ =r⟩.LOCAL
Password for ⟨svcuser⟩@⟨=r⟩.LOCAL:
$ klist
Ticket cache: FILE:/tmp/krb5cc_1000
Default principal: ⟨svcuser⟩@⟨=r⟩.LOCAL
""",
)

_t(
    "Keycloak client export",
    r"""
  "clients": [
    {
      "clientId": "⟨svc⟩-backend",
      "enabled": true,
      "clientAuthenticatorType": "client-secret",
      "secret": "⟦alnum 32⟧",
      "redirectUris": ["https://⟨svc⟩.⟨domain⟩/*"],
      "publicClient": false
    }
  ]
""",
)

_t(
    "ldap3 debug log",
    r"""
DEBUG:ldap3:BASIC:instantiated Server: <Server(host='ldap.⟨domain⟩', port=636, use_ssl=True, allowed_referral_hosts=[('*', True)], get_info='SCHEMA', mode='IP_V6_PREFERRED')>
DEBUG:ldap3:BASIC:instantiated Connection: <Connection(server=Server(host='ldap.⟨domain⟩', port=636, use_ssl=True), user='CN=svc_⟨svc⟩,OU=Service Accounts,DC=⟨org⟩,DC=local', password='⟦pw⟧', auto_bind='NONE', version=3, authentication='SIMPLE', client_strategy='SYNC')>
""",
)


# =========================================================================== network devices and vpn
_fam("network devices and VPN")

_t(
    "Cisco IOS running-config",
    r"""
hostname ⟨short⟩-core
!
enable secret 9 ⟦cisco9⟧
!
username netops privilege 15 password 7 ⟦type7⟧
!
aaa new-model
""",
)

_t(
    "Cisco snmp-server community",
    r"""
snmp-server community ⟦alnum 14⟧ RO 10
snmp-server location ⟨pick:DC1 Row 4|Frankfurt FR2|Ashburn A3⟩
snmp-server contact noc@⟨domain⟩
snmp-server enable traps
""",
)

_t(
    "Juniper set commands",
    r"""
set system host-name ⟨short⟩-edge
set system root-authentication encrypted-password "⟦sha512crypt⟧"
set system login user netops class super-user authentication ssh-ed25519 "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI⟨alnum 43⟩ netops"
set system services ssh root-login deny
""",
)

_t(
    "Juniper $9$ secret",
    r"""
protocols {
    bgp {
        group transit {
            type external;
            authentication-key "⟦juniper9⟧"; ## SECRET-DATA
            neighbor ⟨pubip⟩;
        }
    }
}
""",
)

_t(
    "MikroTik export",
    r"""
# ⟨ts date⟩ by RouterOS 7.16.1
/interface wifi security
add authentication-types=wpa2-psk,wpa3-psk name=office passphrase="⟦pw⟧"
/ip service
set telnet disabled=yes
""",
)

_t(
    "FortiGate VPN phase1",
    r"""
config vpn ipsec phase1-interface
    edit "to-⟨short⟩"
        set interface "wan1"
        set peertype any
        set proposal aes256-sha256
        set remote-gw ⟨pubip⟩
        set psksecret "⟦pw⟧"
    next
end
""",
)

_t(
    "pfSense config.xml ipsec",
    r"""
	<ipsec>
		<phase1>
			<ikeid>⟨int 1 9⟩</ikeid>
			<iketype>ikev2</iketype>
			<remote-gateway>⟨pubip⟩</remote-gateway>
			<authentication_method>pre_shared_key</authentication_method>
			<pre-shared-key>⟦alnum 40⟧</pre-shared-key>
		</phase1>
	</ipsec>
""",
)

_t(
    "PAN-OS XML API keygen",
    r"""
$ curl -sk "https://⟨ip⟩/api/?type=keygen&user=api-admin&password=⟦pwa⟧"
<response status = 'success'><result><key>⟦b64line 100 LUFRPT⟧</key></result></response>
""",
)

_t(
    "OpenVPN auth-user-pass file",
    r"""
$ cat /etc/openvpn/client/⟨short =h⟩.auth
⟨user⟩
⟦pw⟧
$ grep auth-user-pass /etc/openvpn/client/⟨=h⟩.conf
auth-user-pass /etc/openvpn/client/⟨=h⟩.auth
""",
)

_t(
    "WireGuard wg0.conf",
    r"""
[Interface]
Address = 10.⟨int 0 250⟩.0.1/24
ListenPort = 51820
PrivateKey = ⟦v wg⟧

[Peer]
PublicKey = ⟨b64of @x⟩
AllowedIPs = 10.⟨int 0 250⟩.0.2/32
""".replace("⟨b64of @x⟩", "⟨pick:aGVsbG8=⟩").replace("⟨pick:aGVsbG8=⟩", "⟨wgpub⟩"),
)

_t(
    "strongSwan ipsec.secrets",
    r"""
# /etc/ipsec.secrets
: RSA ⟨short⟩.key
⟨pubip⟩ ⟨pubip⟩ : PSK "⟦pwl⟧"
""",
)

_t(
    "snmpwalk v3",
    r"""
$ snmpwalk -v3 -l authPriv -u monitor -a SHA -A '⟦pw =a⟧' -x AES -X '⟦=a⟧' ⟨ip⟩ sysUpTime
DISMAN-EVENT-MIB::sysUpTimeInstance = Timeticks: (⟨int 100000000 999999999⟩) 42 days, 3:11:24.17
""",
)

# =========================================================================== bmc, storage and backup
_fam("BMC, storage and backup tools")

_t(
    "ipmitool lanplus",
    r"""
$ ipmitool -I lanplus -H ⟨ip =i⟩ -U ADMIN -P '⟦pw⟧' chassis power status
Chassis Power is on
$ ipmitool -I lanplus -H ⟨=i⟩ -U ADMIN -P '⟦=...⟧' sel list | tail -2
""".replace("⟦pw⟧", "⟦pw =p⟧").replace("⟦=...⟧", "⟦=p⟧"),
)

_t(
    "racadm remote",
    r"""
$ racadm -r ⟨ip⟩ -u root -p ⟦pw⟧ getsysinfo
Security Alert: Certificate is invalid - Certificate is not signed by Trusted Third Party
Continuing execution. Use -S option for racadm to stop execution on certificate-related errors.
RAC Information:
RAC Date/Time           = ⟨ts ctime⟩
Firmware Version        = 7.00.60.00
""",
)

_t(
    "HPE iLO RIBCL XML",
    r"""
<RIBCL VERSION="2.0">
  <LOGIN USER_LOGIN="Administrator" PASSWORD="⟦pwa 8⟧">
    <SERVER_INFO MODE="read">
      <GET_HOST_POWER_STATUS/>
    </SERVER_INFO>
  </LOGIN>
</RIBCL>
""",
)

_t(
    "Redfish curl -u",
    r"""
$ curl -sk -u root:⟦pw⟧ https://⟨ip⟩/redfish/v1/Systems/System.Embedded.1 | jq '.PowerState, .Model'
"On"
"PowerEdge R750"
""",
)

_t(
    "restic env",
    r"""
$ cat /etc/restic/env
export RESTIC_REPOSITORY="s3:https://s3.⟨region⟩.amazonaws.com/⟨svc⟩-backups/restic"
export RESTIC_PASSWORD="⟦phrase sp 5⟧"
export AWS_PROFILE="backup"
""",
)

_t(
    "borg create with passphrase",
    r"""
+ BORG_PASSPHRASE='⟦pw⟧' borg create --stats --compression zstd ssh://borg@⟨host =h⟩:22/./⟨short =m⟩::⟨ts date⟩ /etc /srv
------------------------------------------------------------------------------
Repository: ssh://borg@⟨=h⟩:22/./⟨=m⟩
Archive name: ⟨ts date⟩
Time (start): ⟨ts ctime⟩
Duration: 4 minutes 12.31 seconds
""",
)

_t(
    "rclone.conf",
    r"""
[⟨svc⟩-b2]
type = b2
account = ⟨hex 25⟩
key = ⟦v b2key⟧
hard_delete = false
""",
)

_t(
    "bacula-dir.conf",
    r"""
Client {
  Name = ⟨short⟩-fd
  Address = ⟨host⟩
  FDPort = 9102
  Catalog = MyCatalog
  Password = "⟦b64 33⟧"
  File Retention = 60 days
}
""",
)

_t(
    "Veeam PowerShell",
    r"""
PS C:\> Add-VBRCredentials -User "⟨pick:CORP|HQ =d⟩\svc_veeam" -Password "⟦pw⟧" -Description "Linux repo ⟨short =m⟩"

Id                   : ⟨uuid⟩
Name                 : ⟨=d⟩\svc_veeam
UserName             : ⟨=d⟩\svc_veeam
Description          : Linux repo ⟨=m⟩
""",
)

_t(
    "mysqldump cron script",
    r"""
#!/bin/bash
set -euo pipefail
STAMP=$(date +%F)
mysqldump --single-transaction --routines -h ⟨host⟩ -u backup --password='⟦pw⟧' --all-databases | gzip > /backup/mysql-$STAMP.sql.gz
find /backup -name 'mysql-*.sql.gz' -mtime +14 -delete
""",
)

# =========================================================================== connection strings
_fam("connection strings and DSNs")

_t(
    "postgres URL",
    r"""
⟨set p pwsym⟩DATABASE_URL=postgresql://⟨svcuser⟩:⟦urlenc @p⟧@⟨host⟩:5432/⟨db⟩?sslmode=require
""",
)

_t(
    "ADO.NET SQL Server",
    r"""
Server=tcp:⟨svc⟩-sql.database.windows.net,1433;Initial Catalog=⟨db⟩;Persist Security Info=False;User ID=⟨svcuser⟩;Password=⟦pwsh⟧;MultipleActiveResultSets=False;Encrypt=True;Connection Timeout=30;
""",
)

_t(
    "Oracle EZConnect",
    r"""
$ sqlplus -L ⟨svcuser⟩/⟦pwa⟧@//⟨host⟩:1521/ORCLPDB1

SQL*Plus: Release 19.0.0.0.0 - Production on ⟨ts ctime⟩
Version 19.21.0.0.0
""",
)

_t(
    "MongoDB SRV",
    r"""
⟨set p pwsym⟩MONGO_URL="mongodb+srv://⟨svcuser⟩:⟦urlenc @p⟧@cluster0.⟨lower 5⟩.mongodb.net/⟨db⟩?retryWrites=true&w=majority&appName=⟨svc⟩"
""",
)

_t(
    "rediss URL",
    r"""
CACHE_URL=rediss://default:⟦alnum 32⟧@⟨svc⟩-cache.⟨lower 6⟩.ng.0001.⟨region⟩.cache.amazonaws.com:6379/0
""",
)

_t(
    "Azure Storage connection string",
    r"""
AzureWebJobsStorage=DefaultEndpointsProtocol=https;AccountName=⟨svc⟩⟨lower 6⟩;AccountKey=⟦v azkey⟧;EndpointSuffix=core.windows.net
""",
)

_t(
    "Azure Service Bus",
    r"""
"ServiceBusConnection": "Endpoint=sb://⟨svc⟩-⟨env⟩.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=⟦b64 32⟧"
""",
)

_t(
    "ODBC DSN-less braces",
    r"""
conn = pyodbc.connect("Driver={ODBC Driver 18 for SQL Server};Server=⟨host⟩;Database=⟨db⟩;UID=⟨svcuser⟩;PWD={⟦pwsh⟧};Encrypt=yes")
""",
)

_t(
    "Snowflake SQLAlchemy URL",
    r"""
⟨set p pwsym⟩snowflake://ETL_SVC:⟦urlenc @p⟧@⟨org⟩-⟨lower 7⟩/ANALYTICS/PUBLIC?warehouse=ETL_WH&role=TRANSFORMER
""",
)

_t(
    "go-sql-driver DSN",
    r"""
dsn := "⟨svcuser⟩:⟦pwa⟧@tcp(⟨host⟩:3306)/⟨db⟩?parseTime=true&tls=preferred"
""",
)

_t(
    "ftp URL with encoded password",
    r"""
⟨set p pwsym⟩lftp -e 'mirror --reverse /srv/export /inbound; quit' ftp://⟨user⟩:⟦urlenc @p⟧@ftp.⟨domain⟩
""",
)

# =========================================================================== http traces
_fam("HTTP traces and access logs")

_t(
    "curl -v Bearer",
    r"""
*   Trying ⟨pubip =i⟩:443...
* Connected to api.⟨domain⟩ (⟨=i⟩) port 443
* SSL connection using TLSv1.3 / TLS_AES_256_GCM_SHA384
> GET /v1/accounts/me HTTP/2
> Host: api.⟨domain⟩
> User-Agent: curl/8.5.0
> Accept: */*
> Authorization: Bearer ⟦jwt⟧
>
< HTTP/2 200
< content-type: application/json
""",
)

_t(
    "curl -v -u basic",
    r"""
⟨def u svcuser⟩⟨set p pwa⟩* Server auth using Basic with user '⟨=u⟩'
> POST /api/v4/jobs/request HTTP/1.1
> Host: nexus.⟨domain⟩
> Authorization: Basic ⟦basic @u @p⟧
> User-Agent: curl/7.81.0
> Content-Length: 0
>
< HTTP/1.1 401 Unauthorized
""",
)

_t(
    "HAR entry headers",
    r"""
        "request": {
          "method": "GET",
          "url": "https://app.⟨domain⟩/api/session/refresh",
          "httpVersion": "h2",
          "headers": [
            { "name": "accept", "value": "application/json" },
            { "name": "cookie", "value": "theme=dark; _⟨svc⟩_session=⟦alnum 64⟧; locale=en" },
            { "name": "user-agent", "value": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36" }
          ],
""",
)

_t(
    "mitmdump flow",
    r"""
⟨ip⟩:⟨port⟩: POST https://oauth2.googleapis.com/token
    Content-Type: application/x-www-form-urlencoded
    client_id=⟨int 100000000000 999999999999⟩-⟨lower 32⟩.apps.googleusercontent.com&client_secret=⟦v gocspx⟧&grant_type=refresh_token&refresh_token=1//0⟦b64u 64⟧
 << 200 OK 1.2k
""",
)

_t(
    "nginx access log token in query",
    r"""
⟨ip⟩ - - [⟨ts clf⟩] "GET /api/v1/export.csv?access_token=⟦hex 40⟧&from=⟨ts date⟩ HTTP/1.1" 200 48213 "-" "python-requests/2.32.3"
""",
)

_t(
    "Apache log token in path",
    r"""
⟨pubip⟩ - - [⟨ts clf⟩] "POST /hooks/⟦alnum 32⟧/deploy HTTP/1.1" 202 17 "-" "GitHub-Hookshot/⟨hex 7⟩"
""",
)

_t(
    "Slack incoming webhook",
    r"""
alertmanager:
  receivers:
  - name: slack-oncall
    slack_configs:
    - api_url: https://hooks.slack.com/services/T0⟨upper 8⟩/B0⟨upper 9⟩/⟦v slackhook⟧
      channel: '#oncall-⟨svc⟩'
""",
)

_t(
    "Set-Cookie response",
    r"""
< HTTP/1.1 302 Found
< Date: ⟨ts http⟩
< Location: /dashboard
< Set-Cookie: SESSIONID=⟦hexu 32⟧; Path=/; Secure; HttpOnly; SameSite=Lax
< Set-Cookie: lang=en-US; Path=/
< Content-Length: 0
""",
)

_t(
    "Copy as cURL",
    r"""
curl 'https://⟨svc⟩.⟨domain⟩/graphql' \
  -H 'accept: */*' \
  -H 'content-type: application/json' \
  -H 'cookie: ajs_anonymous_id=⟨uuid⟩; sessionid=⟦lower 32⟧; django_language=de' \
  --data-raw '{"operationName":"Viewer","variables":{},"query":"query Viewer { viewer { id } }"}'
""".replace("⟨b64u⟩", "⟦alnum 43⟧"),
)

_t(
    "http.client debuglevel",
    r"""
send: b'POST /oauth/token HTTP/1.1\r\nHost: login.⟨domain⟩\r\nUser-Agent: python-requests/2.31.0\r\nAccept-Encoding: gzip, deflate\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 112\r\n\r\n'
send: b'grant_type=client_credentials&client_id=⟨svc⟩-sync&client_secret=⟦v auth0⟧'
reply: 'HTTP/1.1 200 OK\r\n'
""",
)

_t(
    "Azure SAS URL",
    r"""
$ azcopy copy ./dump.bak "https://⟨svc⟩⟨lower 5⟩.blob.core.windows.net/backups/dump.bak?sv=2022-11-02&ss=b&srt=co&sp=rwdlac&se=⟨ts date⟩T23:59:59Z&st=⟨ts date⟩T08:00:00Z&spr=https&sig=⟦urlenc @g⟧"
""".replace("$ azcopy", "⟨set g b64 32⟩$ azcopy", 1),
)

_t(
    "Envoy access log JSON",
    r"""
{"start_time":"⟨ts isoms⟩","method":"GET","path":"/v1/metrics","protocol":"HTTP/1.1","response_code":"401","authorization":"Basic ⟦basic @u @p⟧","upstream_host":"⟨ip⟩:8080","duration":"3"}
""".replace('{"start_time"', '⟨def u svcuser⟩⟨set p pw⟩{"start_time"', 1),
)


# =========================================================================== protocol transcripts
_fam("protocol transcripts")

_t(
    "ngrep FTP",
    r"""
T ⟨ip =c⟩:⟨port =p⟩ -> ⟨ip =s⟩:21 [AP] #⟨int 4 40⟩
  USER ⟨user⟩..
#
T ⟨=s⟩:21 -> ⟨=c⟩:⟨=p⟩ [AP] #⟨int 41 80⟩
  331 Please specify the password...
#
T ⟨=c⟩:⟨=p⟩ -> ⟨=s⟩:21 [AP] #⟨int 81 99⟩
  PASS ⟦pwa⟧..
""",
)

_t(
    "redis-cli CONFIG SET",
    r"""
⟨ip =i⟩:6379> CONFIG SET requirepass "⟦pwl⟧"
OK
⟨=i⟩:6379> CONFIG REWRITE
OK
""",
)

_t(
    "PostgreSQL log_statement",
    r"""
⟨ts pg⟩ [⟨pid =p⟩] postgres@⟨db⟩ LOG:  statement: ALTER ROLE ⟨svcuser⟩ WITH LOGIN PASSWORD '⟦pw⟧' VALID UNTIL '2027-12-31';
⟨ts pg⟩ [⟨=p⟩] postgres@⟨db⟩ LOG:  duration: 2.113 ms
""",
)

_t(
    "expect script",
    r"""
#!/usr/bin/expect -f
set timeout 20
spawn ssh admin@⟨ip⟩
expect "password:"
send "⟦pw⟧\r"
expect "#"
send "show running-config\r"
""",
)

_t(
    "mosquitto_sub",
    r"""
$ mosquitto_sub -h ⟨host⟩ -p 8883 --cafile /etc/ssl/certs/ca.pem -u ⟨svcuser⟩ -P '⟦pw⟧' -t 'plant/+/telemetry' -v
plant/line3/telemetry {"temp":71.2,"rpm":1450}
""",
)

_t(
    "WeeChat NickServ identify",
    r"""
⟨ts sp⟩	-->	⟨user =u⟩ (~⟨=u⟩@⟨pubip⟩) has joined #⟨svc⟩-ops
⟨ts sp⟩	 *	/msg NickServ IDENTIFY ⟦pw⟧
⟨ts sp⟩	--	NickServ: You are now identified for ⟨=u⟩.
""",
)

_t(
    "XMPP SASL PLAIN",
    r"""
⟨def u user⟩⟨set p pw⟩SEND: <auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>⟦plain @u @p⟧</auth>
RECV: <success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>
""",
)

_t(
    "freeradius -X",
    r"""
(0) Received Access-Request Id 91 from ⟨ip⟩:⟨port⟩ to ⟨ip⟩:1812 length 86
(0)   User-Name = "⟨user⟩"
(0)   User-Password = "⟦pw⟧"
(0)   NAS-IP-Address = ⟨ip⟩
(0)   NAS-Port = 0
(0) # Executing section authorize from file /etc/freeradius/3.0/sites-enabled/default
""",
)

_t(
    "rsync daemon secrets",
    r"""
$ cat /etc/rsyncd.secrets
⟨svcuser⟩:⟦pwa =r⟧
$ RSYNC_PASSWORD='⟦=r⟧' rsync -av /srv/www/ rsync://⟨svcuser⟩@⟨host⟩/www/
""".replace("⟨svcuser⟩:", "⟨svcuser =u⟩:").replace("rsync://⟨svcuser⟩@", "rsync://⟨=u⟩@"),
)

_t(
    "GIT_TRACE_CURL",
    r"""
⟨ts hms⟩.⟨int 100000 999999⟩ http.c:845              => Send header, 0000000254 bytes (0xfe)
⟨ts hms⟩.⟨int 100000 999999⟩ http.c:857              => Send header: GET /⟨org⟩/⟨svc⟩.git/info/refs?service=git-upload-pack HTTP/2
⟨ts hms⟩.⟨int 100000 999999⟩ http.c:857              => Send header: Host: git.⟨domain⟩
⟨ts hms⟩.⟨int 100000 999999⟩ http.c:857              => Send header: Authorization: Basic ⟦basic @u @p⟧
⟨ts hms⟩.⟨int 100000 999999⟩ http.c:857              => Send header: User-Agent: git/2.43.0
""".replace(
        "⟨ts hms⟩.⟨int 100000 999999⟩ http.c:845",
        "⟨def u user⟩⟨set p v glpat⟩⟨ts hms⟩.⟨int 100000 999999⟩ http.c:845",
        1,
    ),
)

_t(
    "telnet router login capture",
    r"""
$ script -q -c 'telnet ⟨ip =i⟩' /tmp/session.log; cat /tmp/session.log
Trying ⟨=i⟩...
Connected to ⟨=i⟩.

User Access Verification

Username: admin
Password: ⟦pw⟧
% Password echo is enabled on this line (service password-echo)
⟨short⟩>
""",
)

# =========================================================================== sql and database shells
_fam("SQL and database shells")

_t(
    "MySQL CREATE USER",
    r"""
mysql> CREATE USER '⟨svcuser⟩'@'10.%' IDENTIFIED BY '⟦pw⟧';
Query OK, 0 rows affected (0.02 sec)

mysql> GRANT SELECT, INSERT, UPDATE ON ⟨db⟩.* TO '⟨svcuser⟩'@'10.%';
""".replace("'⟨svcuser⟩'@'10.%' IDENTIFIED", "'⟨svcuser =u⟩'@'10.%' IDENTIFIED").replace(
        "TO '⟨svcuser⟩'", "TO '⟨=u⟩'"
    ),
)

_t(
    "sqlplus CREATE USER",
    r"""
SQL> CREATE USER ⟨svcuser⟩ IDENTIFIED BY "⟦pw⟧" DEFAULT TABLESPACE users QUOTA 500M ON users;

User created.

SQL> GRANT CREATE SESSION TO ⟨svcuser⟩;
""",
)

_t(
    "T-SQL CREATE LOGIN",
    r"""
1> CREATE LOGIN [svc_⟨svc⟩] WITH PASSWORD = N'⟦pw⟧', CHECK_POLICY = OFF, DEFAULT_DATABASE = [⟨db⟩];
2> GO
""",
)

_t(
    "mongosh createUser",
    r"""
⟨db⟩> db.createUser({ user: "⟨svcuser⟩", pwd: "⟦pw⟧", roles: [ { role: "readWrite", db: "⟨db⟩" } ] })
{ ok: 1 }
""",
)

_t(
    "pg_shadow SCRAM",
    r"""
postgres=# SELECT usename, passwd FROM pg_shadow WHERE usename LIKE 'app%';
   usename    |                                                                passwd
--------------+---------------------------------------------------------------------------------------------------------------------------------------
 ⟨svcuser⟩ | ⟦scram⟧
(1 row)
""",
)

_t(
    "mysql.user authentication_string",
    r"""
mysql> SELECT user, host, plugin, authentication_string FROM mysql.user WHERE user LIKE 'rep%';
+----------+------+-----------------------+-------------------------------------------+
| user     | host | plugin                | authentication_string                     |
+----------+------+-----------------------+-------------------------------------------+
| repl     | %    | mysql_native_password | ⟦mysqlnative⟧ |
+----------+------+-----------------------+-------------------------------------------+
""",
)

_t(
    "MySQL slow query log",
    r"""
# Time: ⟨ts isous⟩
# User@Host: ⟨svcuser⟩[⟨svcuser⟩] @  [⟨ip⟩]  Id: ⟨int 1000 99999⟩
# Query_time: 3.218833  Lock_time: 0.000012 Rows_sent: 1  Rows_examined: 2410339
SET timestamp=⟨ts epoch⟩;
SELECT id, tenant_id FROM api_clients WHERE client_secret = '⟦hex 48⟧' LIMIT 1;
""",
)

_t(
    "pgaudit",
    r"""
⟨ts pg⟩ [⟨pid⟩] LOG:  AUDIT: SESSION,1,1,ROLE,CREATE ROLE,,,"CREATE ROLE reporting LOGIN PASSWORD '⟦pw⟧'",<not logged>
""",
)

_t(
    "seed INSERT",
    r"""
INSERT INTO integrations (id, provider, api_key, created_at) VALUES
  (1, 'stripe', '⟦v rklive⟧', '⟨ts sp⟩'),
  (2, 'slack', NULL, '⟨ts sp⟩');
""",
)

_t(
    "sqlite dump oauth tokens",
    r"""
sqlite> .dump oauth_tokens
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE oauth_tokens (id INTEGER PRIMARY KEY, provider TEXT, access_token TEXT, expires_at INTEGER);
INSERT INTO oauth_tokens VALUES(1,'google','⟦v ya29⟧',⟨ts epoch⟩);
COMMIT;
""",
)

_t(
    ".mysql_history escaped",
    r"""
_HiStOrY_V2_
show\040databases;
use\040⟨db⟩;
CREATE\040USER\040'report'@'%'\040IDENTIFIED\040BY\040'⟦pwa⟧';
""",
)


# =========================================================================== stack traces and crash output
_fam("stack traces and crash output")

_t(
    "Python traceback source line",
    r"""
Traceback (most recent call last):
  File "/srv/⟨svc =s⟩/sync.py", line 88, in <module>
    main()
  File "/srv/⟨=s⟩/sync.py", line 41, in main
    conn = psycopg2.connect(host="⟨host =h⟩", dbname="⟨db⟩", user="⟨svcuser =u⟩", password="⟦pw⟧")
  File "/usr/lib/python3/dist-packages/psycopg2/__init__.py", line 122, in connect
    conn = _connect(dsn, connection_factory=connection_factory, **kwasync)
psycopg2.OperationalError: connection to server at "⟨=h⟩" (⟨ip⟩), port 5432 failed: FATAL:  password authentication failed for user "⟨=u⟩"
""",
)

_t(
    "HikariConfig debug dump",
    r"""
⟨ts java⟩ DEBUG [main] com.zaxxer.hikari.HikariConfig - HikariPool-1 - configuration:
⟨ts java⟩ DEBUG [main] com.zaxxer.hikari.HikariConfig - jdbcUrl.........................jdbc:mysql://⟨host⟩:3306/⟨db⟩?user=⟨svcuser⟩&password=⟦pwa⟧&useSSL=true
⟨ts java⟩ DEBUG [main] com.zaxxer.hikari.HikariConfig - maximumPoolSize.................20
⟨ts java⟩ DEBUG [main] com.zaxxer.hikari.HikariConfig - password........................<masked>
⟨ts java⟩ ERROR [main] com.zaxxer.hikari.pool.HikariPool - HikariPool-1 - Exception during pool initialization.
java.sql.SQLNonTransientConnectionException: Could not create connection to database server. Attempted reconnect 3 times. Giving up.
""",
)

_t(
    "Go panic with %+v options",
    r"""
panic: redis ping failed: NOAUTH Authentication required. opts=&{Network:tcp Addr:⟨host⟩:6379 Username: Password:⟦pwa⟧ DB:3 MaxRetries:3 PoolSize:20}

goroutine 1 [running]:
main.mustRedis(...)
	/src/cmd/⟨svc =s⟩/main.go:71 +0x2c5
main.main()
	/src/cmd/⟨=s⟩/main.go:39 +0x118
exit status 2
""",
)

_t(
    "Node AxiosError config",
    r"""
AxiosError: Request failed with status code 403
    at settle (/app/node_modules/axios/dist/node/axios.cjs:2019:12)
    at IncomingMessage.handleStreamEnd (/app/node_modules/axios/dist/node/axios.cjs:3135:11) {
  code: 'ERR_BAD_REQUEST',
  config: {
    method: 'post',
    url: 'https://api.hubapi.com/crm/v3/objects/contacts',
    headers: Object [AxiosHeaders] {
      Accept: 'application/json, text/plain, */*',
      'Content-Type': 'application/json',
      Authorization: 'Bearer ⟦v hubspot⟧',
      'User-Agent': 'axios/1.7.7'
    },
""",
)

_t(
    "Sidekiq job failure args",
    r"""
⟨ts isoms⟩ pid=⟨pid =p⟩ tid=⟨lower 4 =t⟩ class=ShopifySyncJob jid=⟨hex 24 =j⟩ elapsed=0.412 INFO: fail
⟨ts isoms⟩ pid=⟨=p⟩ tid=⟨=t⟩ WARN: {"context":"Job raised exception","job":{"retry":true,"queue":"default","class":"ShopifySyncJob","args":[⟨int 1000 99999⟩,"⟨svc⟩.myshopify.com","⟦v shpat⟧"],"jid":"⟨=j⟩","created_at":⟨ts epochf⟩}}
⟨ts isoms⟩ pid=⟨=p⟩ tid=⟨=t⟩ WARN: ShopifyAPI::Errors::HttpResponseError: [401] Invalid API key or access token
""",
)

_t(
    "Serilog destructured object",
    r"""
[⟨ts hms⟩ ERR] Upload of "⟨svc⟩-⟨ts date⟩.csv" failed using SftpOptions {Host="sftp.⟨domain⟩", Port=22, Username="⟨svcuser⟩", Password="⟦pw⟧", RemoteDir="/inbound"}
Renci.SshNet.Common.SshAuthenticationException: Permission denied (password).
   at Renci.SshNet.ClientAuthentication.Authenticate(IConnectionInfoInternal connectionInfo, ISession session)
""",
)

_t(
    "Rust unwrap Debug",
    r"""
thread 'main' panicked at src/main.rs:42:10:
called `Result::unwrap()` on an `Err` value: Connect { url: "postgres://⟨svcuser⟩:⟦pwa⟧@⟨host⟩:5432/⟨db⟩", source: Io(Os { code: 111, kind: ConnectionRefused, message: "Connection refused" }) }
note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace
""",
)

_t(
    "PHP PDO stack trace",
    r"""
PHP Fatal error:  Uncaught PDOException: SQLSTATE[HY000] [1045] Access denied for user 'web'@'⟨ip⟩' (using password: YES) in /var/www/⟨svc =s⟩/src/Db.php:23
Stack trace:
#0 /var/www/⟨=s⟩/src/Db.php(23): PDO->__construct('mysql:host=db;d...', 'web', '⟦pwa 12⟧')
#1 /var/www/⟨=s⟩/public/index.php(11): App\Db::connect()
#2 {main}
  thrown in /var/www/⟨=s⟩/src/Db.php on line 23
""",
)

_t(
    "Elixir GenServer terminating",
    r"""
⟨ts hms⟩.⟨int 100 999⟩ [error] GenServer Billing.StripeClient terminating
** (MatchError) no match of right hand side value: {:error, %Mint.TransportError{reason: :timeout}}
    (billing 0.4.2) lib/billing/stripe_client.ex:57: Billing.StripeClient.handle_info/2
    (stdlib 5.2) gen_server.erl:1095: :gen_server.try_handle_info/3
Last message: :refresh
State: %{api_key: "⟦v sklive⟧", base_url: "https://api.stripe.com", retries: 3}
""",
)

_t(
    "gdb backtrace",
    r"""
(gdb) bt
#0  0x00007f3a1c2d47e0 in __GI___poll (fds=0x7ffd3c1a2e10, nfds=1, timeout=5000) at ../sysdeps/unix/sysv/linux/poll.c:29
#1  0x000055c1a3e0b2d4 in db_connect (host=0x55c1a4012340 "⟨host⟩", user=0x55c1a4012380 "⟨svcuser⟩", pass=0x55c1a40123c0 "⟦pw⟧", port=5432) at src/db.c:88
#2  0x000055c1a3e0a1f0 in main (argc=3, argv=0x7ffd3c1a3018) at src/main.c:41
""",
)

_t(
    "Sentry frame vars",
    r"""
        {
          "filename": "app/clients/zendesk.py",
          "function": "create_ticket",
          "lineno": 44,
          "vars": {
            "self": "<ZendeskClient object at 0x7f⟨hex 10⟩>",
            "headers": "{'Authorization': 'Bearer ⟦v zendesk⟧', 'Accept': 'application/json'}",
            "subject": "'Refund request #⟨int 10000 99999⟩'"
          }
        }
""",
)

_t(
    "Android logcat FATAL",
    r"""
⟨ts spms⟩ ⟨pid =p⟩ ⟨pid =t⟩ E AndroidRuntime: FATAL EXCEPTION: OkHttp Dispatcher
⟨ts spms⟩ ⟨=p⟩ ⟨=t⟩ E AndroidRuntime: Process: com.⟨org⟩.⟨svc⟩, PID: ⟨=p⟩
⟨ts spms⟩ ⟨=p⟩ ⟨=t⟩ E AndroidRuntime: java.lang.IllegalStateException: HTTP 403 for https://maps.googleapis.com/maps/api/geocode/json?latlng=52.52,13.40&key=⟦v aiza⟧
⟨ts spms⟩ ⟨=p⟩ ⟨=t⟩ E AndroidRuntime: 	at com.⟨org⟩.geo.GeoRepository.reverse(GeoRepository.kt:61)
""",
)

# =========================================================================== cloud cli (aws, azure, gcp)
_fam("cloud CLI output (AWS, Azure, GCP)")

_t(
    "~/.aws/credentials",
    r"""
$ cat ~/.aws/credentials
[default]
aws_access_key_id = ⟦v akia⟧
aws_secret_access_key = ⟦v awssec⟧

[⟨svc⟩-⟨env⟩]
role_arn = arn:aws:iam::⟨acct⟩:role/⟨svc⟩-deployer
source_profile = default
""",
)

_t(
    "aws sts assume-role",
    r"""
$ aws sts assume-role --role-arn arn:aws:iam::⟨acct =a⟩:role/OrganizationAccountAccessRole --role-session-name ⟨user =u⟩
{
    "Credentials": {
        "AccessKeyId": "⟦v asia⟧",
        "SecretAccessKey": "⟦v awssec⟧",
        "SessionToken": "⟦v awssess⟧",
        "Expiration": "⟨ts iso⟩"
    },
    "AssumedRoleUser": {
        "AssumedRoleId": "AROA⟨upper 17⟩:⟨=u⟩",
        "Arn": "arn:aws:sts::⟨=a⟩:assumed-role/OrganizationAccountAccessRole/⟨=u⟩"
    }
}
""",
)

_t(
    "aws iam create-access-key",
    r"""
$ aws iam create-access-key --user-name ⟨svc =s⟩-ci
{
    "AccessKey": {
        "UserName": "⟨=s⟩-ci",
        "AccessKeyId": "⟦v akia⟧",
        "Status": "Active",
        "SecretAccessKey": "⟦v awssec⟧",
        "CreateDate": "⟨ts iso⟩"
    }
}
""",
)

_t(
    "gcloud print-access-token",
    r"""
$ gcloud auth print-access-token --impersonate-service-account=⟨svc⟩-deployer@⟨svc⟩-⟨env⟩.iam.gserviceaccount.com
WARNING: This command is using service account impersonation. All API calls will be executed as [⟨svc⟩-deployer@⟨svc⟩-⟨env⟩.iam.gserviceaccount.com].
⟦v ya29⟧
""",
)

_t(
    "GCP service account key JSON",
    r"""
{
  "type": "service_account",
  "project_id": "⟨svc =s⟩-⟨env =e⟩",
  "private_key": "-----BEGIN PRIVATE KEY-----\n⟦pemesc 5⟧\n-----END PRIVATE KEY-----\n",
  "client_email": "⟨=s⟩-sync@⟨=s⟩-⟨=e⟩.iam.gserviceaccount.com",
  "client_id": "⟨int 100000000000000000000 999999999999999999999⟩",
  "auth_uri": "https://accounts.google.com/o/oauth2/auth",
  "token_uri": "https://oauth2.googleapis.com/token"
}
""",
)

_t(
    "az ad sp create-for-rbac",
    r"""
$ az ad sp create-for-rbac --name ⟨svc⟩-github --role contributor --scopes /subscriptions/⟨uuid⟩/resourceGroups/rg-⟨svc⟩
Creating 'contributor' role assignment under scope '/subscriptions/...'
The output includes credentials that you must protect. Be sure that you do not include these credentials in your code or check the credentials into your source control. For more information, see https://aka.ms/azadsp-cli
{
  "appId": "⟨uuid⟩",
  "displayName": "⟨svc⟩-github",
  "password": "⟦v azsecret⟧",
  "tenant": "⟨uuid⟩"
}
""",
)

_t(
    "az storage account keys list",
    r"""
$ az storage account keys list -g rg-⟨svc⟩ -n ⟨svc⟩⟨lower 6⟩ --query "[?keyName=='key1'].value" -o tsv
⟦v azkey⟧
""",
)

_t(
    "gcloud sql users set-password",
    r"""
$ gcloud sql users set-password root --host=% --instance=⟨svc⟩-pg-⟨env⟩ --password='⟦pw⟧'
Updating Cloud SQL user...done.
""",
)

_t(
    "aws ssm get-parameter --with-decryption",
    r"""
$ aws ssm get-parameter --name /⟨svc⟩/⟨env⟩/db_password --with-decryption
{
    "Parameter": {
        "Name": "/⟨svc⟩/⟨env⟩/db_password",
        "Type": "SecureString",
        "Value": "⟦pw⟧",
        "Version": ⟨int 1 9⟩,
        "LastModifiedDate": "⟨ts isoms⟩",
        "DataType": "text"
    }
}
""",
)

_t(
    "aws lambda get-function-configuration",
    r"""
$ aws lambda get-function-configuration --function-name ⟨svc⟩-webhook --query Environment
{
    "Variables": {
        "LOG_LEVEL": "INFO",
        "GITHUB_WEBHOOK_SECRET": "⟦hex 40⟧",
        "TABLE_NAME": "⟨svc⟩-events"
    }
}
""",
)

# =========================================================================== cloud cli (other providers)
_fam("cloud CLI output (other providers)")

_t(
    "doctl config.yaml",
    r"""
$ cat ~/.config/doctl/config.yaml
access-token: ⟦v dop⟧
context: default
output: text
""",
)

_t(
    "OCI config",
    r"""
[DEFAULT]
user=ocid1.user.oc1..aaaaaaaa⟨lower 52⟩
fingerprint=⟨pick:4c|9a|e1⟩:⟨hex 2⟩:⟨hex 2⟩:⟨hex 2⟩:⟨hex 2⟩:⟨hex 2⟩:⟨hex 2⟩:⟨hex 2⟩:⟨hex 2⟩:⟨hex 2⟩:⟨hex 2⟩:⟨hex 2⟩:⟨hex 2⟩:⟨hex 2⟩:⟨hex 2⟩:⟨hex 2⟩
tenancy=ocid1.tenancy.oc1..aaaaaaaa⟨lower 52⟩
region=eu-frankfurt-1
key_file=~/.oci/oci_api_key.pem
pass_phrase=⟦pw⟧
""",
)

_t(
    "aliyun config.json",
    r"""
{
	"current": "default",
	"profiles": [
		{
			"name": "default",
			"mode": "AK",
			"access_key_id": "⟦v ltai⟧",
			"access_key_secret": "⟦v alisec⟧",
			"region_id": "cn-hangzhou",
			"output_format": "json",
			"language": "zh"
		}
	]
}
""",
)

_t(
    "ibmcloud iam api-key-create",
    r"""
$ ibmcloud iam api-key-create ⟨svc⟩-ci -d "CI deploy key"
Creating API key ⟨svc⟩-ci under ⟨hex 32⟩ as ⟨email⟩...
OK
API key ⟨svc⟩-ci was created

Please preserve the API key! It cannot be retrieved after it's created.

ID            ApiKey-⟨uuid⟩
Name          ⟨svc⟩-ci
Description   CI deploy key
Created At    ⟨ts isoms⟩
API Key       ⟦v ibm⟧
Locked        false
""",
)

_t(
    "linode-cli config",
    r"""
[DEFAULT]
default-user = ⟨user =u⟩

[⟨=u⟩]
token = ⟦v linode⟧
region = eu-central
type = g6-standard-2
image = linode/ubuntu24.04
""",
)

_t(
    "hcloud cli.toml",
    r"""
active_context = "⟨svc⟩"

[[contexts]]
  name = "⟨svc⟩"
  token = "⟦v hcloud⟧"
""",
)

_t(
    "OpenStack openrc",
    r"""
export OS_AUTH_URL=https://keystone.⟨domain⟩:5000/v3
export OS_PROJECT_NAME="⟨svc⟩-⟨env⟩"
export OS_USER_DOMAIN_NAME="Default"
export OS_USERNAME="⟨user⟩"
export OS_PASSWORD="⟦pw⟧"
export OS_REGION_NAME="RegionOne"
export OS_IDENTITY_API_VERSION=3
""",
)

_t(
    "cloudflared tunnel run --token",
    r"""
$ sudo cloudflared service install ⟦b64line 180 eyJhIjoi⟧
⟨ts iso⟩ INF Using Systemd
⟨ts iso⟩ INF Linux service for cloudflared installed successfully
""",
)

_t(
    "credentials.tfrc.json",
    r"""
{
  "credentials": {
    "app.terraform.io": {
      "token": "⟦v tfc⟧"
    }
  }
}
""",
)

_t(
    "Backblaze b2 authorize-account",
    r"""
$ b2 account authorize ⟨hex 25⟩ ⟦v b2key⟧
Using https://api.backblazeb2.com
""",
)


# =========================================================================== secret managers
_fam("secret managers and vaults")

_t(
    "vault kv get",
    r"""
$ vault kv get -mount=secret ⟨svc =s⟩/⟨env⟩/db
====== Secret Path ======
secret/data/⟨=s⟩/⟨env⟩/db

======= Metadata =======
Key                Value
---                -----
created_time       ⟨ts isous⟩
custom_metadata    <nil>
deletion_time      n/a
destroyed          false
version            ⟨int 2 30⟩

====== Data ======
Key         Value
---         -----
password    ⟦pw⟧
username    ⟨svcuser⟩
""",
)

_t(
    "vault login output",
    r"""
$ vault login -method=oidc role=⟨svc⟩-ops
Complete the login via your OIDC provider. Launching browser to:

    https://sso.⟨domain⟩/oauth2/v1/authorize?client_id=0oa⟨alnum 17⟩&redirect_uri=http%3A%2F%2Flocalhost%3A8250%2Foidc%2Fcallback&response_type=code&scope=openid

Success! You are now authenticated. The token information displayed below
is already stored in the token helper. You do NOT need to run "vault login"
again. Future Vault requests will automatically use this token.

Key                  Value
---                  -----
token                ⟦v hvslong⟧
token_duration       768h
token_renewable      true
token_policies       ["default" "⟨svc⟩-ops"]
""",
)

_t(
    "vault read database creds",
    r"""
$ vault read database/creds/⟨svc =s⟩-readonly
Key                Value
---                -----
lease_id           database/creds/⟨=s⟩-readonly/⟨alnum 24⟩
lease_duration     1h
lease_renewable    true
password           ⟦alnum 20⟧
username           v-token-⟨=s⟩-re-⟨alnum 20⟩-⟨ts epoch⟩
""",
)

_t(
    "consul acl token create",
    r"""
$ consul acl token create -description "⟨svc⟩ agent token" -policy-name ⟨svc⟩-agent
AccessorID:       ⟨uuid⟩
SecretID:         ⟦uuid⟧
Description:      ⟨svc⟩ agent token
Local:            false
Create Time:      ⟨ts sp⟩.⟨int 100000000 999999999⟩ +0000 UTC
Policies:
   ⟨uuid⟩ - ⟨svc⟩-agent
""",
)

_t(
    "op item get json",
    r"""
$ op item get "⟨svc⟩ prod db" --vault Infrastructure --format json | jq '.fields[] | {label, value}'
{
  "label": "username",
  "value": "⟨svcuser⟩"
}
{
  "label": "password",
  "value": "⟦pw⟧"
}
{
  "label": "notesPlain",
  "value": "rotated after incident INC-⟨int 1000 9999⟩"
}
""",
)

_t(
    "doppler secrets table",
    r"""
$ doppler secrets --project ⟨svc⟩ --config prd
┌────────────────────────┬──────────────────────────────────────────────────────────────┐
│ NAME                   │ VALUE                                                        │
├────────────────────────┼──────────────────────────────────────────────────────────────┤
│ DOPPLER_CONFIG         │ prd                                                          │
│ DOPPLER_ENVIRONMENT    │ prd                                                          │
│ DOPPLER_PROJECT        │ ⟨svc⟩                                                      │
│ SENDGRID_API_KEY       │ ⟦v sendgrid⟧ │
└────────────────────────┴──────────────────────────────────────────────────────────────┘
""",
)

_t(
    "secretsmanager get-secret-value",
    r"""
$ aws secretsmanager get-secret-value --secret-id ⟨env⟩/⟨svc⟩/rds
{
    "ARN": "arn:aws:secretsmanager:⟨region⟩:⟨acct⟩:secret:⟨env⟩/⟨svc⟩/rds-⟨alnum 6⟩",
    "Name": "⟨env⟩/⟨svc⟩/rds",
    "VersionId": "⟨uuid⟩",
    "SecretString": "{\"username\":\"⟨svcuser⟩\",\"password\":\"⟦pw⟧\",\"engine\":\"postgres\",\"port\":5432}",
    "VersionStages": [
        "AWSCURRENT"
    ],
    "CreatedDate": "⟨ts isoms⟩"
}
""",
)

_t(
    "az keyvault secret show",
    r"""
$ az keyvault secret show --vault-name kv-⟨svc⟩-⟨env⟩ --name SqlAdminPassword --query "{name:name, value:value, updated:attributes.updated}"
{
  "name": "SqlAdminPassword",
  "updated": "⟨ts isous⟩",
  "value": "⟦pw⟧"
}
""",
)

_t(
    "sops -d",
    r"""
$ sops -d secrets/⟨env⟩.enc.yaml
smtp:
    host: smtp.⟨domain⟩
    username: ⟨svcuser⟩
    password: ⟦pw⟧
""",
)

_t(
    "keepassxc-cli show -s",
    r"""
$ keepassxc-cli show -s ~/vaults/ops.kdbx "Network/⟨short =h⟩ console"
Enter password to unlock /home/⟨user⟩/vaults/ops.kdbx:
Title: ⟨=h⟩ console
UserName: admin
Password: ⟦pw⟧
URL: https://⟨ip⟩
Notes: serial console via ts-⟨int 1 9⟩ port 12
""",
)

_t(
    "pass show",
    r"""
$ pass show infra/⟨svc⟩/root
⟦pw⟧
login: root
url: ssh://⟨host⟩
""",
)

# =========================================================================== chat (latin script)
_fam("team chat (Latin-script languages)")

_t(
    "Slack copy-paste, English, split",
    r"""
⟨name =a⟩  ⟨ts ampm⟩
anyone have the creds for the staging rabbit? need to purge the dead-letter queue
⟨name =b⟩  ⟨ts ampm⟩
user is `⟨svcuser⟩`
and the pass is `⟦pw⟧` — please don't paste it anywhere else lol
⟨=a⟩  ⟨ts ampm⟩
thx, I'm in
""",
)

_t(
    "Teams, German",
    r"""
[⟨ts hm⟩] ⟨last =l⟩, ⟨First =f⟩
Kannst du mir kurz das Passwort vom Jenkins-Admin schicken? Ich komme sonst nicht an die Build-Konfiguration.
[⟨ts hm⟩] ⟨last⟩, ⟨First⟩
Klar: ⟦pw⟧
Bitte nach dem Release ändern, das ist noch das alte von der Migration.
""",
)

_t(
    "Mattermost, French",
    r"""
@⟨user =a⟩ ⟨ts hm⟩ : Salut, le mot de passe du compte de service ⟨svcuser⟩ sur le LDAP a expiré ce matin
@⟨user⟩ ⟨ts hm⟩ : Je l'ai réinitialisé, le nouveau mot de passe est ⟦pw⟧ — tu peux mettre à jour le secret dans Vault ?
@⟨=a⟩ ⟨ts hm⟩ : C'est fait, merci !
""",
)

_t(
    "WhatsApp, Spanish",
    r"""
[⟨ts wa⟩] ⟨First =a⟩ ⟨last =al⟩: Oye, ¿cuál es la contraseña del wifi de invitados de la oficina?
[⟨ts wa⟩] ⟨First⟩ ⟨last⟩: La red es ⟨org⟩-Invitados y la contraseña es ⟦human⟧
[⟨ts wa⟩] ⟨=a⟩ ⟨=al⟩: ¡Gracias!
""",
)

_t(
    "Telegram, Portuguese",
    r"""
⟨First⟩ ⟨last⟩, [⟨ts eu⟩]
Pessoal, troquei a senha do usuário root do MySQL de homologação.
Nova senha: ⟦pw⟧
⟨First⟩ ⟨last⟩, [⟨ts eu⟩]
valeu! já atualizei no Ansible
""",
)

_t(
    "Slack export JSON, Italian",
    r"""
[
    {
        "client_msg_id": "⟨uuid⟩",
        "type": "message",
        "text": "ciao <@U0⟨upper 9⟩>, la password di root del NAS è ⟦pw⟧ (l'ho cambiata ieri sera dopo l'aggiornamento)",
        "user": "U0⟨upper 9⟩",
        "ts": "⟨ts epochf⟩",
        "team": "T0⟨upper 9⟩"
    }
]
""",
)

_t(
    "Discord, Dutch, answer in next message",
    r"""
⟨First =a⟩ — Vandaag om ⟨ts hm⟩
wachtwoord van de Synology is veranderd na de update
⟨First =b⟩ — Vandaag om ⟨ts hm⟩
wat is het nieuwe wachtwoord?
⟨=a⟩ — Vandaag om ⟨ts hm⟩
⟦human⟧
⟨=b⟩ — Vandaag om ⟨ts hm⟩
top, dank je
""",
)

_t(
    "Teams, Polish",
    r"""
⟨First⟩ ⟨last⟩ ⟨ts hm⟩
Hasło do VPN dla nowego kontraktora: ⟦uni⟧
login to ⟨user⟩, konto wygasa z końcem miesiąca
""",
)

_t(
    "Google Chat, Czech",
    r"""
⟨First⟩ ⟨last⟩, ⟨ts hm⟩
ahoj, heslo k serveru ⟨short⟩ je ⟦pw⟧ , root přístup máš jen přes sudo
""",
)

_t(
    "Slack, Swedish",
    r"""
⟨First⟩ ⟨last⟩  ⟨ts hm⟩
lösenordet till routern i serverrummet är ⟦pw⟧ om någon behöver logga in ikväll
""",
)

_t(
    "WhatsApp, Turkish",
    r"""
[⟨ts wa⟩] ⟨First =a⟩: Muhasebe sunucusunun yönetici şifresi değişti
[⟨ts wa⟩] ⟨=a⟩: yeni şifre: ⟦pw⟧
[⟨ts wa⟩] ⟨First⟩: tamam, teşekkürler
""",
)

_t(
    "Zalo, Vietnamese",
    r"""
⟨First⟩ (⟨ts hm⟩): Anh ơi, mật khẩu tài khoản admin trên Grafana là ⟦pw⟧ nhé, em vừa đổi xong.
⟨First⟩ (⟨ts hm⟩): Ok em, cảm ơn.
""",
)

_t(
    "Chat, Indonesian",
    r"""
⟨First =a⟩: bro, kata sandi database staging udah aku ganti jadi ⟦pw⟧
⟨First⟩: oke makasih, nanti aku update di .env
""",
)

# =========================================================================== chat (non-latin scripts)
_fam("team chat (non-Latin scripts)")

_t(
    "Telegram, Russian",
    r"""
⟨First⟩ ⟨last⟩, [⟨ts eu⟩]:
Коллеги, пароль от админки Jira поменял. Новый: ⟦uni⟧
⟨First⟩ ⟨last⟩, [⟨ts eu⟩]:
Спасибо, записал в KeePass
""",
)

_t(
    "Viber, Ukrainian",
    r"""
[⟨ts eu⟩] ⟨First⟩: Пароль до бази на стейджингу: ⟦pw⟧, логін той самий
[⟨ts eu⟩] ⟨First⟩: Дякую!
""",
)

_t(
    "Chat, Greek",
    r"""
⟨First⟩ ⟨ts hm⟩
Ο κωδικός για τον λογαριασμό του FTP είναι ⟦uni⟧ — άλλαξέ τον μετά την πρώτη σύνδεση.
""",
)

_t(
    "WhatsApp, Arabic",
    r"""
[⟨ts wa⟩] ⟨First⟩: كلمة المرور الجديدة لحساب المدير على الخادم هي ⟦pw⟧
[⟨ts wa⟩] ⟨First⟩: شكراً، تم الدخول بنجاح
""",
)

_t(
    "Slack, Hebrew",
    r"""
⟨First⟩  ⟨ts hm⟩
הסיסמה לשרת הבדיקות היא ⟦pw⟧ , אל תשמרו אותה בדפדפן
""",
)

_t(
    "Chat, Hindi",
    r"""
⟨First⟩: सर्वर का नया पासवर्ड ⟦pw⟧ है, कृपया इसे किसी के साथ साझा न करें।
⟨First⟩: ठीक है, धन्यवाद।
""",
)

_t(
    "Slack, Japanese",
    r"""
⟨First⟩  ⟨ts hm⟩
検証環境のDBパスワードは「⟦pw⟧」です。本番とは別なので注意してください。
""",
)

_t(
    "DingTalk, Chinese simplified",
    r"""
⟨First⟩ ⟨ts sp⟩
测试环境数据库账号：⟨svcuser⟩，密码：⟦pw⟧，用完记得改掉。
""",
)

_t(
    "LINE export, Chinese traditional",
    r"""
⟨ts hm⟩	⟨First⟩	NAS 的管理員密碼改成 ⟦pw⟧ 了，請大家更新一下備份腳本。
⟨ts hm⟩	⟨First⟩	收到，謝謝！
""",
)

_t(
    "KakaoTalk, Korean",
    r"""
[⟨First⟩] [⟨ts kakao⟩] 운영 서버 관리자 비밀번호는 ⟦pw⟧ 입니다. 외부에 공유하지 마세요.
[⟨First⟩] [⟨ts kakao⟩] 네 확인했습니다
""",
)

_t(
    "LINE export, Thai",
    r"""
⟨ts hm⟩	⟨First⟩	รหัสผ่าน wifi ห้องประชุมชั้น 3 คือ ⟦human⟧ นะครับ
⟨ts hm⟩	⟨First⟩	ขอบคุณค่ะ
""",
)

_t(
    "Chat, Persian",
    r"""
⟨First⟩: رمز عبور جدید پنل مدیریت ⟦pw⟧ است، لطفاً بعد از ورود عوضش کنید.
""",
)

_t(
    "Viber, Serbian Cyrillic",
    r"""
[⟨ts eu⟩] ⟨First⟩: Лозинка за рутер у канцеларији је ⟦human⟧
""",
)

# =========================================================================== tickets and e-mail
_fam("tickets and e-mail")

_t(
    "ServiceNow work notes",
    r"""
⟨ts sp⟩ - ⟨name⟩ (Work notes)
Reset AD password for user ⟨user⟩ per caller verification (employee ID + manager callback).
Temporary password set to ⟦human⟧ ; "User must change password at next logon" is ticked.
""",
)

_t(
    "E-mail, German",
    r"""
From: ⟨First =f1⟩ ⟨last =l1⟩ <⟨lc @f1⟩.⟨lc @l1⟩@⟨domain⟩>
To: ⟨First =f2⟩ ⟨last =l2⟩ <⟨lc @f2⟩.⟨lc @l2⟩@⟨domain⟩>
Subject: Zugangsdaten SFTP
Date: ⟨ts rfc⟩

Hallo ⟨=f2⟩,

anbei die Zugangsdaten für den SFTP-Server:

Host: sftp.⟨domain⟩
Benutzer: ⟨svcuser⟩
Passwort: ⟦pw⟧

Viele Grüße
⟨=f1⟩
""",
)

_t(
    "Zendesk ticket, Spanish",
    r"""
#⟨int 100000 999999⟩ No puedo iniciar sesión
⟨name⟩ · ⟨ts sp⟩
Hola, no puedo entrar a mi cuenta desde ayer. Mi usuario es ⟨email⟩ y la contraseña que uso es ⟦human⟧ , ¿pueden revisar si la cuenta está bloqueada?
Gracias
""",
)

_t(
    "E-mail reply quoted, French",
    r"""
Bonjour,

C'est bon, j'ai pu me connecter, merci.

Le ⟨ts eu⟩, ⟨name⟩ <⟨email⟩> a écrit :
> Voici les identifiants pour l'interface d'administration :
> identifiant : admin
> mot de passe : ⟦pw⟧
> Merci de le changer dès la première connexion.
""",
)

_t(
    "Jira comment wiki markup",
    r"""
*⟨name⟩* added a comment - ⟨ts sp⟩
Staging creds for the load test:
||System||User||Password||
|RabbitMQ mgmt|⟨svcuser⟩|{{⟦pw⟧}}|
Please use these only from the bastion.
""",
)

_t(
    "Confluence runbook table",
    r"""
h2. Break-glass access
| Environment | URL | Account | Password |
| Production | https://admin.⟨domain⟩ | breakglass | ⟦pwl⟧ |
Rotate after every use and record the incident number in the audit sheet.
""",
)

_t(
    "GitHub issue, Portuguese",
    r"""
**Descrição do bug**
O deploy falha com `401 Unauthorized` ao publicar a imagem.

**Configuração**
```yaml
registry:
  url: ghcr.io
  username: ⟨user⟩
  token: ⟦v ghp⟧
```
Alguém sabe o que pode ser?
""",
)

_t(
    "E-mail, Japanese",
    r"""
件名: アカウント発行のお知らせ
⟨First⟩ 様

管理画面のアカウントを発行しました。
ログインID：⟨svcuser⟩
初期パスワード：⟦pw⟧
初回ログイン時にパスワードを変更してください。
""",
)

_t(
    "PagerDuty incident note",
    r"""
Note added by ⟨name⟩ at ⟨ts ampm⟩
Rolled the Datadog API key. Old key was committed in the terraform repo; new key for the agents is ⟦v ddapi⟧ — pushing it to the fleet now via Ansible.
""",
)

_t(
    "Redmine issue, Russian",
    r"""
Задача #⟨int 1000 9999⟩: Доступ к тестовому стенду
Добавил(а) ⟨name⟩ ⟨ts eu⟩
Логин: ⟨svcuser⟩
Пароль: ⟦pw⟧
Стенд доступен только из VPN.
""",
)

# =========================================================================== credential files
_fam("credential files and password exports")

_t(
    ".netrc",
    r"""
machine api.heroku.com
  login ⟨email =e⟩
  password ⟦v heroku⟧
machine git.heroku.com
  login ⟨=e⟩
  password ⟦v heroku⟧
""".replace("⟦v heroku⟧", "⟦v heroku =h⟧", 1).replace("password ⟦v heroku⟧", "password ⟦=h⟧"),
)

_t(
    ".pgpass",
    r"""
$ cat ~/.pgpass
⟨host⟩:5432:⟨db⟩:⟨svcuser⟩:⟦pw⟧
""",
)

_t(
    ".my.cnf",
    r"""
[client]
user=root
password="⟦pw⟧"
host=127.0.0.1

[mysqldump]
single-transaction
""",
)

_t(
    ".git-credentials",
    r"""
$ cat ~/.git-credentials
https://⟨user⟩:⟦v ghp⟧@github.com
""",
)

_t(
    "htpasswd file",
    r"""
$ cat /etc/nginx/.htpasswd
⟨user⟩:⟦apr1⟧
""",
)

_t(
    "/etc/shadow excerpt",
    r"""
root:⟦yescrypt⟧:19820:0:99999:7:::
daemon:*:19700:0:99999:7:::
bin:*:19700:0:99999:7:::
sshd:!:19700::::::
""",
)

_t(
    "Bitwarden JSON export",
    r"""
    {
      "id": "⟨uuid⟩",
      "organizationId": null,
      "folderId": "⟨uuid⟩",
      "type": 1,
      "name": "⟨short⟩ iDRAC",
      "login": {
        "uris": [ { "match": null, "uri": "https://⟨ip⟩" } ],
        "username": "root",
        "password": "⟦pw⟧",
        "totp": null
      }
    }
""",
)

_t(
    "Chrome passwords CSV",
    r"""
name,url,username,password,note
grafana.⟨domain⟩,https://grafana.⟨domain⟩/login,admin,⟦pw⟧,
portal.azure.com,https://login.microsoftonline.com/,⟨email⟩,⟦human⟧,
""",
)

_t(
    "FileZilla sitemanager.xml",
    r"""
<?xml version="1.0" encoding="UTF-8"?>
<FileZilla3 version="3.67.1" platform="windows">
  <Servers>
    <Server>
      <Host>ftp.⟨domain⟩</Host>
      <Port>21</Port>
      <Protocol>0</Protocol>
      <Type>0</Type>
      <User>⟨svcuser⟩</User>
      <Pass encoding="base64">⟦b64of @p⟧</Pass>
      <Logontype>1</Logontype>
      <Name>⟨svc⟩ export</Name>
    </Server>
  </Servers>
</FileZilla3>
""".replace("<Pass encoding", "⟨set p pw⟩<Pass encoding"),
)

_t(
    "gh hosts.yml",
    r"""
github.com:
    users:
        ⟨user =u⟩:
            oauth_token: ⟦v gho⟧
    git_protocol: https
    user: ⟨=u⟩
""",
)

# =========================================================================== package managers
_fam("package manager and registry credentials")

_t(
    ".npmrc",
    r"""
registry=https://registry.npmjs.org/
//registry.npmjs.org/:_authToken=⟦v npm⟧
""",
)

_t(
    ".yarnrc.yml",
    r"""
nodeLinker: node-modules
npmScopes:
  ⟨org⟩:
    npmRegistryServer: "https://⟨org⟩.jfrog.io/artifactory/api/npm/npm-local/"
    npmAlwaysAuth: true
    npmAuthToken: "⟦v artifactory⟧"
""",
)

_t(
    "pip.conf",
    r"""
[global]
index-url = https://⟨svcuser⟩:⟦pwa⟧@nexus.⟨domain⟩/repository/pypi-group/simple
timeout = 60
""",
)

_t(
    ".pypirc",
    r"""
[distutils]
index-servers =
    pypi

[pypi]
username = __token__
password = ⟦v pypi⟧
""",
)

_t(
    "Maven settings.xml",
    r"""
<settings>
  <servers>
    <server>
      <id>nexus-releases</id>
      <username>⟨svcuser⟩</username>
      <password>⟦pw⟧</password>
    </server>
  </servers>
</settings>
""",
)

_t(
    "gradle.properties",
    r"""
org.gradle.jvmargs=-Xmx4g
signing.keyId=⟨upper 8⟩
signing.secretKeyRingFile=/home/ci/.gnupg/secring.gpg
ossrhUsername=⟨user⟩
ossrhPassword=⟦pwa⟧
""",
)

_t(
    "NuGet.Config",
    r"""
<configuration>
  <packageSources>
    <add key="⟨org⟩" value="https://pkgs.dev.azure.com/⟨org⟩/_packaging/⟨svc⟩/nuget/v3/index.json" />
  </packageSources>
  <packageSourceCredentials>
    <⟨org =o⟩>
      <add key="Username" value="az" />
      <add key="ClearTextPassword" value="⟦v azdo⟧" />
    </⟨=o⟩>
  </packageSourceCredentials>
</configuration>
""".replace(
        '<add key="⟨org⟩" value="https://pkgs.dev.azure.com/⟨org⟩',
        '<add key="⟨org =o⟩" value="https://pkgs.dev.azure.com/⟨=o⟩',
    ).replace("    <⟨org =o⟩>", "    <⟨=o⟩>"),
)

_t(
    "composer auth.json",
    r"""
{
    "http-basic": {
        "repo.packagist.com": {
            "username": "token",
            "password": "⟦hex 40⟧"
        }
    }
}
""",
)

_t(
    "cargo credentials.toml",
    r"""
$ cat ~/.cargo/credentials.toml
[registry]
token = "⟦v cargo⟧"
""",
)

_t(
    "gem credentials",
    r"""
---
:rubygems_api_key: ⟦v rubygems⟧
""",
)

# =========================================================================== encoded
_fam("encoded secrets")

_t(
    "form POST body in debug log",
    r"""
⟨set p pwsym⟩⟨ts java⟩ DEBUG [http-nio-8080-exec-7] o.a.c.c.C.[.[.[/].[dispatcherServlet] - POST /login body: username=⟨user⟩&password=⟦formenc @p⟧&remember-me=on
""",
)

_t(
    "JSON-escaped password (nested JSON)",
    r"""
⟨set p pwq⟩⟨set e jsonesc @p⟩{"ts":"⟨ts isoms⟩","level":"debug","msg":"provisioning user","payload":"{\"user\":\"⟨svcuser⟩\",\"password\":\"⟦jsonesc @e⟧\"}"}
""",
)

_t(
    "quoted-printable e-mail body",
    r"""
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: quoted-printable

Hallo,

das neue Passwort f=C3=BCr das Kundenportal lautet: ⟦qp @p⟧

Gr=C3=BC=C3=9Fe
""".replace("Content-Type:", "⟨set p uni⟩Content-Type:", 1),
)

_t(
    "double URL-encoded redirect",
    r"""
⟨set p pwsym⟩⟨ip⟩ - - [⟨ts clf⟩] "GET /sso/continue?next=https%3A%2F%2Fapp.⟨domain⟩%2Fbind%3Fuser%3D⟨user⟩%26password%3D⟦dblurl @p⟧ HTTP/1.1" 302 0 "-" "Mozilla/5.0"
""",
)

_t(
    "base64 JSON auth header",
    r"""
⟨def u svcuser⟩⟨set p pw⟩> POST /v1/import HTTP/1.1
> Host: legacy.⟨domain⟩
> X-Auth: ⟦b64json @u @p⟧
> Content-Type: text/csv
""",
)

_t(
    "Java properties unicode escapes",
    r"""
# generated by config-export ⟨ts date⟩
ldap.bind.dn=cn=⟨svc⟩,ou=apps,dc=⟨org⟩,dc=de
ldap.bind.password=⟦javaesc @p⟧
""".replace("# generated", "⟨set p uni⟩# generated", 1),
)

_t(
    "XML entity-escaped",
    r"""
⟨set p pwxml⟩<datasource jndi-name="java:/jdbc/⟨svc⟩" pool-name="⟨svc⟩">
    <connection-url>jdbc:postgresql://⟨host⟩:5432/⟨db⟩</connection-url>
    <security>
        <user-name>⟨svcuser⟩</user-name>
        <password>⟦xmlesc @p⟧</password>
    </security>
</datasource>
""",
)

_t(
    "echo | base64 in shell",
    r"""
$ echo -n '⟦pw =p⟧' | base64
⟦b64of @p⟧
""",
)

_t(
    "Proxy-Authorization Basic",
    r"""
⟨def u user⟩⟨set p pw⟩* Proxy auth using Basic with user '⟨=u⟩'
> CONNECT api.⟨domain⟩:443 HTTP/1.1
> Host: api.⟨domain⟩:443
> Proxy-Authorization: Basic ⟦basic @u @p⟧
> User-Agent: curl/8.5.0
> Proxy-Connection: Keep-Alive
""",
)

_t(
    "JSON ensure_ascii escapes",
    r"""
⟨set p uni⟩{"event": "user.created", "data": {"login": "⟨user⟩", "initial_password": "⟦jsonesc @p⟧"}}
""",
)

# =========================================================================== payments
_fam("payment and commerce API keys")

_t(
    "Stripe CLI config.toml",
    r"""
$ cat ~/.config/stripe/config.toml
[default]
  device_name = "⟨short⟩"
  display_name = "⟨org⟩"
  live_mode_api_key = "⟦v rklive⟧"
  live_mode_key_expires_at = "⟨ts date⟩"
""",
)

_t(
    "Square access token curl",
    r"""
$ curl https://connect.squareup.com/v2/locations \
    -H 'Square-Version: 2024-11-20' \
    -H 'Authorization: Bearer ⟦v square⟧' \
    -H 'Content-Type: application/json'
""",
)

_t(
    "Braintree gateway init",
    r"""
gateway = braintree.BraintreeGateway(
    access_token="⟦v braintree⟧"
)
""",
)

_t(
    "Razorpay .env",
    r"""
RAZORPAY_KEY_SECRET=⟦v razorpay⟧
""",
)

_t(
    "Mollie PHP client",
    r"""
$mollie = new \Mollie\Api\MollieApiClient();
$mollie->setApiKey("⟦v mollie⟧");
$payment = $mollie->payments->get($paymentId);
""",
)

_t(
    "Paystack verify curl",
    r"""
curl https://api.paystack.co/transaction/verify/⟨lower 10⟩ -H "Authorization: Bearer ⟦v paystack⟧" -X GET
""",
)

_t(
    "Shopify app .env",
    r"""
SHOPIFY_ADMIN_ACCESS_TOKEN=⟦v shpat⟧
SCOPES=read_orders,write_products
""",
)

_t(
    "Adyen API key header",
    r"""
$ curl https://checkout-live.adyenpayments.com/checkout/v71/paymentMethods \
  -H "x-API-key: ⟦b64line 120 AQE⟧" \
  -H "content-type: application/json" \
  -d '{"merchantAccount": "⟨org⟩ECOM"}'
""",
)


# =========================================================================== saas and ai platforms
_fam("SaaS and AI platform tokens")

_t(
    "python-telegram-bot httpx log",
    r"""
⟨ts java⟩ - httpx - INFO - HTTP Request: POST https://api.telegram.org/bot⟨v tgbot_id⟩:⟦v telegram⟧/getUpdates "HTTP/1.1 200 OK"
""".replace("⟨v tgbot_id⟩", "⟨int 5000000000 7999999999⟩"),
)

_t(
    "Discord bot config.json",
    r"""
{
  "prefix": "!",
  "token": "⟦v discordbot⟧",
  "guildId": "⟨int 100000000000000000 999999999999999999⟩"
}
""",
)

_t(
    "Anthropic key in shell rc",
    r"""
# ~/.zshrc
export PATH="$HOME/.local/bin:$PATH"
export ANTHROPIC_API_KEY="⟦v anthropic⟧"
alias k=kubectl
""",
)

_t(
    "huggingface token file",
    r"""
$ huggingface-cli whoami
⟨user⟩
$ cat ~/.cache/huggingface/token
⟦v hf⟧
""",
)

_t(
    "Okta SSWS header",
    r"""
$ curl -s -H "Accept: application/json" -H "Authorization: SSWS ⟦v okta⟧" "https://⟨org⟩.okta.com/api/v1/users?limit=2"
""",
)

_t(
    "Atlassian API token curl -u",
    r"""
$ curl -s -u ⟨email⟩:⟦v atlassian⟧ -H "Accept: application/json" "https://⟨org⟩.atlassian.net/rest/api/3/search?jql=project=OPS"
""",
)

_t(
    "tailscale up --authkey",
    r"""
$ sudo tailscale up --authkey=⟦v tskey⟧ --advertise-tags=tag:server --ssh
$ tailscale status | head -2
100.⟨int 64 127⟩.⟨int 0 255⟩.⟨int 1 254⟩  ⟨short⟩   tagged-devices linux   -
""",
)

_t(
    "ngrok add-authtoken",
    r"""
$ ngrok config add-authtoken ⟦v ngrok⟧
Authtoken saved to configuration file: /home/⟨user⟩/.config/ngrok/ngrok.yml
""",
)

_t(
    "PlanetScale password create",
    r"""
$ pscale password create ⟨svc⟩ main app-⟨env⟩
Password app-⟨env⟩ was successfully created in main.
Please save the values below as they will not be shown again

  NAME        USERNAME       ACCESS HOST URL                     ROLE          ROLE DESCRIPTION     PASSWORD
 ----------- -------------- ----------------------------------- ------------- -------------------- ----------------------------------------------
  app-⟨env⟩   ⟨lower 12⟩   aws.connect.psdb.cloud              readwriter    Can Read & Write     ⟦v pscale⟧
""",
)

_t(
    "Opsgenie GenieKey",
    r"""
curl -X POST https://api.opsgenie.com/v2/alerts \
    -H "Content-Type: application/json" \
    -H "Authorization: GenieKey ⟦v opsgenie⟧" \
    -d '{"message": "disk full on ⟨short⟩", "priority": "P2"}'
""",
)

# =========================================================================== keys and certificates
_fam("private keys and keystores")

_t(
    "EC PRIVATE KEY PEM",
    r"""
$ cat /etc/⟨svc⟩/tls/server.key
-----BEGIN EC PRIVATE KEY-----
⟦b64line 64 MHcCAQEEI⟧
⟦b64line 64⟧
⟦b64end 56⟧
-----END EC PRIVATE KEY-----
""",
)

_t(
    "OpenSSH ed25519 private key",
    r"""
-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW
⟦b64line 70 QyNTUxOQAAACA⟧
⟦b64line 70⟧
⟦b64line 70⟧
AAAAECAwQF
-----END OPENSSH PRIVATE KEY-----
""",
)

_t(
    "PGP private key block",
    r"""
-----BEGIN PGP PRIVATE KEY BLOCK-----

⟦b64line 64 lFgEZ⟧
⟦b64line 52⟧
=⟨alnum 4⟩
-----END PGP PRIVATE KEY BLOCK-----
""",
)

_t(
    "openssl pkcs12 -passout",
    r"""
$ openssl pkcs12 -export -in ⟨svc⟩.crt -inkey ⟨svc⟩.key -certfile chain.pem -name ⟨svc⟩ -out ⟨svc⟩.p12 -passout pass:⟦pwsh⟧
""",
)

_t(
    "JWK with private d",
    r"""
{
  "kty": "EC",
  "crv": "P-256",
  "kid": "⟨hex 16⟩",
  "use": "sig",
  "x": "⟨b64u⟩",
  "y": "⟨b64u⟩",
  "d": "⟦b64u 32⟧"
}
""".replace("⟨b64u⟩", "⟨b64url 32⟩"),
)

_t(
    "age key file",
    r"""
$ cat ~/.config/sops/age/keys.txt
# created: ⟨ts isoms⟩
# public key: age1⟨bech 58⟩
⟦v age⟧
""",
)

_t(
    "PuTTY ppk",
    r"""
PuTTY-User-Key-File-3: ssh-ed25519
Encryption: none
Comment: eddsa-key-⟨ts ymd⟩
Public-Lines: 2
AAAAC3NzaC1lZDI1NTE5AAAAI⟨b64 30⟩
⟨alnum 15⟩=
Private-Lines: 1
⟦b64line 44 AAAAI⟧
Private-MAC: ⟨hex 64⟩
""",
)


# =========================================================================== 2fa, recovery, pins
_fam("2FA seeds, recovery codes and PINs")

_t(
    "otpauth URI",
    r"""
otpauth://totp/⟨org⟩:⟨email⟩?secret=⟦b32 32⟧&issuer=⟨org⟩&algorithm=SHA1&digits=6&period=30
""",
)

_t(
    "authenticator setup key in chat",
    r"""
⟨name⟩  ⟨ts ampm⟩
QR code won't scan on my phone — the "can't scan it?" link shows this setup key:
⟦b32grp⟧
⟨name⟩  ⟨ts ampm⟩
type it in manually in the app, time-based
""",
)

_t(
    "wallet recovery phrase in ticket",
    r"""
SEC-⟨int 1000 9999⟩ Treasury hardware wallet re-provisioning (⟨name⟩)
Recovery phrase (BIP39, 12 words) read back from the sealed envelope for verification:
⟦mnemonic 12⟧
Envelope re-sealed, serial ⟨int 100000 999999⟩.
""",
)

_t(
    "manage-bde recovery password",
    r"""
PS C:\> manage-bde -protectors -get C:
BitLocker Drive Encryption: Configuration Tool version 10.0.22621
Volume C: [OS]
All Key Protectors

    Numerical Password:
      ID: {⟨uuidu⟩}
      Password:
        ⟦bitlocker⟧

    TPM:
      ID: {⟨uuidu⟩}
""",
)

_t(
    "door code in handover note",
    r"""
Handover – Frankfurt DC visit
- Badge for cage 4 is at reception, ask for ⟨First⟩
- Door code for the loading dock: ⟦pin 6⟧#
- Alarm disarm code (panel left of the door): ⟦pin 4⟧
""",
)

_t(
    "SIM PIN and PUK in ticket",
    r"""
Asset handover for ⟨name⟩ – company phone
SIM PIN: ⟦pin 4⟧
PUK: ⟦pin 8⟧
""",
)

_t(
    "Apple recovery key, German",
    r"""
Wiederherstellungsschlüssel für die Apple-ID des Testgeräts (bitte im Tresor ablegen):
⟦applerk⟧
""",
)

_t(
    "backup codes, Japanese",
    r"""
Google アカウントのバックアップ コード（一度だけ使用可能）
1. ⟦pin 4⟧ ⟦pin 4⟧
""".replace("⟦pin 4⟧ ⟦pin 4⟧", "⟦gcode⟧"),
)


# =========================================================================== context-only secrets
_fam("secrets recognisable only by context")

_t(
    "dictionary-word password in chat",
    r"""
⟨name⟩  ⟨ts ampm⟩
what's the login for the old wiki box again?
⟨name⟩  ⟨ts ampm⟩
admin / ⟦word⟧ — yes really, it's from 2016, we're decommissioning it next sprint
""",
)

_t(
    "UUID-shaped Heroku token",
    r"""
$ heroku auth:token
 ›   Warning: token will expire ⟨ts date⟩
 ›   Use heroku authorizations:create to generate a long-term token
⟦uuid⟧
""",
)

_t(
    "all-digit password in runbook",
    r"""
## Serial console (Opengear ⟨short⟩)
Login as `root`; the password is the numeric one from the label on the back: ⟦digits 10⟧
""",
)

_t(
    "short password in config comment",
    r"""
# printer web UI: user admin, password ⟦pwa 5⟧ (factory default was changed)
PRINTER_HOST=⟨ip⟩
""",
)

_t(
    "hex-shaped secret named in prose",
    r"""
For the partner webhook you need to sign the body with HMAC-SHA256; the shared signing secret they gave us is ⟦hex 32⟧ — keep it out of the repo.
""",
)

_t(
    "answer to question across messages",
    r"""
[⟨ts hm⟩] ⟨First =a⟩: which root password did you set on ⟨short⟩ after the reinstall?
[⟨ts hm⟩] ⟨First⟩: ⟦human⟧
[⟨ts hm⟩] ⟨=a⟩: got it, thanks
""",
)

_t(
    "inventory spreadsheet CSV",
    r"""
hostname,ip,os,login,pass,notes
⟨short⟩,⟨ip⟩,ESXi 8.0U3,root,⟦pw⟧,rack B12
""",
)

_t(
    "German device label Kennwort",
    r"""
FRITZ!Box 7590 AX — Aufkleber Rückseite
WLAN-Netzwerkschlüssel: ⟦pin 20⟧
FRITZ!Box-Kennwort: ⟦word⟧
""",
)


# =========================================================================== shell history and scripts
_fam("shell history and scripts")

_t(
    ".bash_history",
    r"""
cd /opt/⟨svc⟩
vim .env
export GITHUB_TOKEN=⟦v ghp⟧
gh release create v⟨ver⟩ --generate-notes
""",
)

_t(
    ".zsh_history extended",
    r"""
: ⟨ts epoch⟩:0;kubectl -n ⟨svc⟩ get pods
: ⟨ts epoch⟩:0;curl -sH "PRIVATE-TOKEN: ⟦v glpat⟧" "https://gitlab.⟨domain⟩/api/v4/projects?search=⟨svc⟩"
: ⟨ts epoch⟩:0;git pull --rebase
""",
)

_t(
    "fish_history",
    r"""
- cmd: psql "postgresql://⟨svcuser⟩:⟦pwa⟧@⟨host⟩:5432/⟨db⟩"
  when: ⟨ts epoch⟩
- cmd: exit
  when: ⟨ts epoch⟩
""",
)

_t(
    "PowerShell ConsoleHost_history",
    r"""
Import-Module ActiveDirectory
$pw = ConvertTo-SecureString '⟦pw⟧' -AsPlainText -Force
$cred = New-Object System.Management.Automation.PSCredential('⟨pick:CORP|HQ⟩\svc_deploy', $pw)
Invoke-Command -ComputerName ⟨short⟩ -Credential $cred -ScriptBlock { Restart-Service W3SVC }
""",
)

_t(
    "crontab -l",
    r"""
$ crontab -l
# m h  dom mon dow   command
*/5 * * * * /usr/local/bin/healthcheck.sh >/dev/null 2>&1
30 2 * * * MYSQL_PWD='⟦pw⟧' /usr/bin/mysqldump -u backup --all-databases | gzip > /backup/all-$(date +\%u).sql.gz
""",
)

_t(
    "Makefile deploy target",
    r"""
REGISTRY ?= registry.⟨domain⟩
DEPLOY_HOOK_TOKEN := ⟦alnum 40⟧

deploy:
	curl -fsS -X POST -H "X-Deploy-Token: $(DEPLOY_HOOK_TOKEN)" https://deploy.⟨domain⟩/hooks/⟨svc⟩
""",
)

_t(
    "bash -x trace",
    r"""
+ source /etc/⟨svc⟩/backup.env
++ S3_BUCKET=⟨svc⟩-backups
++ ENCRYPTION_PASSPHRASE='⟦phrase dash 5⟧'
+ tar -czf - /srv/data
+ openssl enc -aes-256-cbc -pbkdf2 -pass env:ENCRYPTION_PASSPHRASE
""",
)

_t(
    "htpasswd -b in history",
    r"""
  ⟨int 100 999⟩  sudo htpasswd -b /etc/nginx/.htpasswd ⟨user⟩ '⟦pw⟧'
  ⟨int 100 999⟩  sudo nginx -t && sudo systemctl reload nginx
""",
)


# =========================================================================== windows and active directory
_fam("Windows and Active Directory")

_t(
    "net user /add",
    r"""
C:\Windows\system32>net user svc_⟨svc⟩ ⟦pw⟧ /add /expires:never /comment:"⟨svc⟩ service account"
The command completed successfully.
""",
)

_t(
    "cmdkey /add",
    r"""
C:\> cmdkey /add:⟨short⟩.⟨domain⟩ /user:⟨pick:CORP|HQ⟩\⟨user⟩ /pass:⟦pw⟧

CMDKEY: Credential added successfully.
""",
)

_t(
    "schtasks /create /rp",
    r"""
C:\> schtasks /create /tn "⟨svc⟩ nightly export" /tr "C:\Jobs\export.cmd" /sc daily /st 02:00 /ru CORP\svc_batch /rp ⟦pw⟧
SUCCESS: The scheduled task "⟨svc⟩ nightly export" has successfully been created.
""",
)

_t(
    "sc.exe config password=",
    r"""
C:\> sc.exe config ⟨svc⟩Agent obj= "CORP\svc_⟨svc⟩" password= "⟦pw⟧"
[SC] ChangeServiceConfig SUCCESS
""",
)

_t(
    "Unattend.xml AdministratorPassword",
    r"""
            <UserAccounts>
                <AdministratorPassword>
                    <Value>⟦utf16b64 @p AdministratorPassword⟧</Value>
                    <PlainText>false</PlainText>
                </AdministratorPassword>
            </UserAccounts>
""".replace("            <UserAccounts>", "⟨set p pw⟩            <UserAccounts>", 1),
)

_t(
    "GPP Groups.xml cpassword",
    r"""
<?xml version="1.0" encoding="utf-8"?>
<Groups clsid="{3125E937-EB16-4b4c-9934-544FC6D24D26}"><User clsid="{DF5F1855-51E5-4d24-8B1A-D9BDE98BA1D1}" name="LocalAdmin" image="2" changed="⟨ts sp⟩" uid="{⟨uuidu⟩}"><Properties action="U" newName="" fullName="" description="" cpassword="⟦b64line 44⟧" changeLogon="0" noChange="1" neverExpires="1" acctDisabled="0" userName="LocalAdmin"/></User>
</Groups>
""",
)

_t(
    "reg query Winlogon DefaultPassword",
    r"""
C:\> reg query "HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon" /v DefaultPassword

HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon
    DefaultPassword    REG_SZ    ⟦pw⟧
""",
)

_t(
    "secretsdump line in IR ticket",
    r"""
IR-⟨int 1000 9999⟩ finding: local admin hash reused across kiosks (from SAM dump of ⟨short⟩):
Administrator:500:aad3b435b51404eeaad3b435b51404ee:⟦ntlm⟧:::
""",
)

_t(
    "Get-LapsADPassword",
    r"""
PS C:\> Get-LapsADPassword -Identity ⟨short =h⟩ -AsPlainText

ComputerName        : ⟨=h⟩
DistinguishedName   : CN=⟨=h⟩,OU=Servers,DC=corp,DC=local
Account             : Administrator
Password            : ⟦pw⟧
PasswordUpdateTime  : ⟨ts win⟩
ExpirationTimestamp : ⟨ts win⟩
Source              : EncryptedPassword
""",
)


# =========================================================================== wireless and iot
_fam("wireless, IoT and home automation")

_t(
    "wpa_supplicant.conf",
    r"""
ctrl_interface=DIR=/var/run/wpa_supplicant GROUP=netdev
country=DE

network={
    ssid="⟨org⟩-IoT"
    psk="⟦human⟧"
    key_mgmt=WPA-PSK
}
""",
)

_t(
    "hostapd.conf",
    r"""
interface=wlan0
ssid=⟨org⟩-Lab
hw_mode=g
channel=6
wpa=2
wpa_passphrase=⟦pw⟧
wpa_key_mgmt=WPA-PSK
""",
)

_t(
    "netsh wlan show profile key=clear",
    r"""
C:\> netsh wlan show profile name="⟨org⟩-Staff" key=clear
...
Security settings
-----------------
    Authentication         : WPA2-Personal
    Cipher                 : CCMP
    Security key           : Present
    Key Content            : ⟦human⟧
""",
)

_t(
    "nmcli connect",
    r"""
$ nmcli dev wifi connect "⟨org⟩-Warehouse" password "⟦pw⟧" ifname wlan0
Device 'wlan0' successfully activated with '⟨uuid⟩'.
""",
)

_t(
    "Home Assistant secrets.yaml",
    r"""
# secrets.yaml
latitude: 52.52
longitude: 13.40
mqtt_password: ⟦pw⟧
""",
)

_t(
    "ESPHome node yaml",
    r"""
api:
  encryption:
    key: "⟦b64 32⟧"

ota:
  - platform: esphome
    password: "⟦hex 32⟧"
""",
)

_t(
    "mosquitto passwd",
    r"""
$ cat /etc/mosquitto/passwd
⟨svcuser⟩:⟦mosq⟧
""",
)

_t(
    "Frigate camera RTSP",
    r"""
cameras:
  driveway:
    ffmpeg:
      inputs:
        - path: rtsp://admin:⟦pwa⟧@⟨ip⟩:554/cam/realmonitor?channel=1&subtype=0
          roles: [detect, record]
""",
)

# =========================================================================== monitoring
_fam("monitoring and observability")

_t(
    "prometheus.yml basic_auth",
    r"""
scrape_configs:
  - job_name: '⟨svc⟩-federate'
    scheme: https
    metrics_path: /federate
    basic_auth:
      username: prometheus
      password: ⟦pw⟧
    static_configs:
      - targets: ['prom.⟨env⟩.⟨domain⟩:443']
""",
)

_t(
    "alertmanager pagerduty routing_key",
    r"""
receivers:
  - name: pagerduty-critical
    pagerduty_configs:
      - routing_key: ⟦v pdrouting⟧
        severity: critical
""",
)

_t(
    "grafana.ini security",
    r"""
[security]
admin_user = admin
admin_password = ⟦pw⟧
disable_gravatar = true
cookie_secure = true
""",
)

_t(
    "datadog.yaml",
    r"""
## @param api_key - string - required
api_key: ⟦v ddapi⟧
site: datadoghq.eu
hostname: ⟨short⟩
tags:
  - env:⟨env⟩
""",
)

_t(
    "zabbix_server.conf",
    r"""
LogFile=/var/log/zabbix/zabbix_server.log
DBHost=⟨host⟩
DBName=zabbix
DBUser=zabbix
DBPassword=⟦pw⟧
""",
)

_t(
    "Nagios resource.cfg",
    r"""
# Sets $USER1$ to be the path to the plugins
$USER1$=/usr/lib/nagios/plugins
# MySQL monitoring password
$USER3$=⟦pw⟧
""",
)

_t(
    "OTel collector exporter headers",
    r"""
exporters:
  otlphttp/honeycomb:
    endpoint: https://api.honeycomb.io
    headers:
      x-honeycomb-team: ⟦v honeycomb⟧
""",
)

_t(
    "Splunk HEC curl",
    r"""
$ curl -k https://⟨host⟩:8088/services/collector/event -H "Authorization: Splunk ⟦v splunkhec⟧" -d '{"event": "deploy finished", "sourcetype": "_json"}'
{"text":"Success","code":0}
""",
)

_t(
    "Graylog server.conf",
    r"""
is_leader = true
password_secret = ⟦alnum 96⟧
root_username = admin
root_password_sha2 = ⟦sha256hex⟧
""",
)

# =========================================================================== telephony
_fam("telephony and VoIP")

_t(
    "Asterisk pjsip.conf auth",
    r"""
[⟨int 1000 1999 =x⟩-auth]
type=auth
auth_type=userpass
username=⟨=x⟩
password=⟦pwa⟧
""",
)

_t(
    "Asterisk voicemail.conf",
    r"""
[default]
⟨int 100 299⟩ => ⟦pin 4⟧,⟨name⟩,⟨email⟩,,attach=yes|delete=no
""",
)

_t(
    "FreeSWITCH directory user",
    r"""
<include>
  <user id="⟨int 1000 1999⟩">
    <params>
      <param name="password" value="⟦pwa⟧"/>
      <param name="vm-password" value="⟦pin 4⟧"/>
    </params>
  </user>
</include>
""",
)

_t(
    "Asterisk manager.conf",
    r"""
[general]
enabled = yes
port = 5038

[⟨svc⟩-ami]
secret = ⟦pwa⟧
deny = 0.0.0.0/0.0.0.0
permit = ⟨ip⟩/255.255.255.255
""",
)

_t(
    "Yealink provisioning cfg",
    r"""
#!version:1.0.0.1
account.1.enable = 1
account.1.label = ⟨First⟩
account.1.auth_name = ⟨int 1000 1999⟩
account.1.password = ⟦pwa⟧
account.1.sip_server.1.address = pbx.⟨domain⟩
""",
)

_t(
    "Grandstream P-values",
    r"""
<?xml version="1.0" encoding="UTF-8" ?>
<gs_provision version="1">
  <config version="1">
    <P47>pbx.⟨domain⟩</P47>
    <P35>⟨int 1000 1999⟩</P35>
    <P34>⟦pwa⟧</P34>
  </config>
</gs_provision>
""",
)


# =========================================================================== data platforms
_fam("data and ML platforms")

_t(
    "Jupyter server startup",
    r"""
[I ⟨ts spms⟩ ServerApp] Jupyter Server 2.14.2 is running at:
[I ⟨ts spms⟩ ServerApp] http://⟨short⟩:8888/lab?token=⟦hex 48 =t⟧
[I ⟨ts spms⟩ ServerApp]     http://127.0.0.1:8888/lab?token=⟦=t⟧
[I ⟨ts spms⟩ ServerApp] Use Control-C to stop this server and shut down all kernels (twice to skip confirmation).
""",
)

_t(
    "airflow connections add",
    r"""
$ airflow connections add 'warehouse_pg' --conn-uri 'postgresql://etl:⟦pwa⟧@⟨host =h⟩:5432/dwh?sslmode=require'
Successfully added `conn_id`=warehouse_pg : postgresql://etl:******@⟨=h⟩:5432/dwh?sslmode=require
""",
)

_t(
    "airflow fernet key env",
    r"""
AIRFLOW__CORE__EXECUTOR=CeleryExecutor
AIRFLOW__CORE__FERNET_KEY=⟦fernet⟧
AIRFLOW__WEBSERVER__EXPOSE_CONFIG=False
""",
)

_t(
    "dbt profiles.yml",
    r"""
⟨svc⟩:
  target: prod
  outputs:
    prod:
      type: postgres
      host: ⟨host⟩
      user: dbt_runner
      password: "⟦pw⟧"
      port: 5432
      dbname: analytics
      schema: marts
      threads: 8
""",
)

_t(
    "~/.databrickscfg",
    r"""
[DEFAULT]
host  = https://adb-⟨int 1000000000000000 9999999999999999⟩.⟨int 1 19⟩.azuredatabricks.net
token = ⟦v databricks⟧
""",
)

_t(
    "Snowflake connections.toml",
    r"""
[default]
account = "⟨org⟩-⟨lower 7⟩"
user = "ANALYST_⟨upper 4⟩"
password = "⟦pw⟧"
warehouse = "REPORTING_WH"
role = "ANALYST"
""",
)

_t(
    "Hadoop core-site.xml azure key",
    r"""
<property>
  <name>fs.azure.account.key.⟨svc⟩lake.dfs.core.windows.net</name>
  <value>⟦v azkey⟧</value>
</property>
""",
)

_t(
    "Kafka Connect connector JSON",
    r"""
{
  "name": "⟨svc⟩-pg-source",
  "config": {
    "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
    "database.hostname": "⟨host⟩",
    "database.user": "debezium",
    "database.password": "⟦pw⟧",
    "database.dbname": "⟨db⟩",
    "topic.prefix": "⟨svc⟩"
  }
}
""",
)


# =========================================================================== mobile build signing
_fam("mobile and desktop build signing")

_t(
    "Android signingConfigs",
    r"""
    signingConfigs {
        release {
            storeFile file("../keystore/release.jks")
            storePassword "⟦pwsh =k⟧"
            keyAlias "upload"
            keyPassword "⟦=k⟧"
        }
    }
""",
)

_t(
    "Flutter key.properties",
    r"""
storePassword=⟦pwa⟧
keyPassword=⟦=k⟧
keyAlias=upload
storeFile=/home/⟨user⟩/keys/upload-keystore.jks
""".replace("storePassword=⟦pwa⟧", "storePassword=⟦pwa =k⟧"),
)

_t(
    "fastlane match env",
    r"""
MATCH_GIT_URL=git@github.com:⟨org⟩/certificates.git
MATCH_PASSWORD=⟦phrase dash 4⟧
FASTLANE_USER=⟨email⟩
""",
)

_t(
    "electron-builder notarize env",
    r"""
APPLE_ID=⟨email⟩
APPLE_APP_SPECIFIC_PASSWORD=⟦appspec⟧
APPLE_TEAM_ID=⟨upper 10⟩
""",
)

_t(
    "signtool /p",
    r"""
> signtool sign /f C:\certs\⟨org⟩-codesign.pfx /p ⟦pw⟧ /fd SHA256 /tr http://timestamp.digicert.com /td SHA256 dist\⟨svc⟩-setup.exe
Done Adding Additional Store
Successfully signed: dist\⟨svc⟩-setup.exe
""",
)


# =========================================================================== keep list
# Diagnostic values that must survive, inside lines that talk about tokens, keys, passwords,
# secrets, auth, sessions or credentials. None of the marked tokens is a secret.

_k(
    "logfmt token refresh",
    r"""
level=warn ts=⟪ts isoms⟫ caller=oauth/refresher.go:⟨int 40 400⟩ msg="token refresh failed, will retry" trace_id=⟪trace⟫ span_id=⟪span⟫ attempt=3
""",
)

_k(
    "sshd publickey accepted",
    r"""
⟨ts sys⟩ ⟨short⟩ sshd[⟪num 10000 99999⟫]: Accepted publickey for deploy from ⟨ip⟩ port ⟨port⟩ ssh2: ED25519 ⟪sshfp⟫
""",
)

_k(
    "vault audit request id",
    r"""
{"time":"⟪ts isous⟫","type":"request","auth":{"display_name":"approle","policies":["default","⟨svc⟩-read"],"token_type":"service"},"request":{"id":"⟪uuid⟫","operation":"read","path":"secret/data/⟨svc⟩/⟨env⟩/db"}}
""",
)

_k(
    "kubelet FailedMount secret",
    r"""
  Warning  FailedMount  ⟨int 2 59⟩s (x⟨int 2 9⟩ over ⟨int 2 9⟩m)  kubelet  MountVolume.SetUp failed for volume "db-credentials" : secret "⟨svc⟩-db-credentials" not found (pod ⟪pod⟫)
""",
)

_k(
    "docker pull auth image digest",
    r"""
⟪ver =v⟫: Pulling from ⟨org⟩/⟨svc⟩-auth
Digest: ⟪sha256⟫
Status: Downloaded newer image for registry.⟨domain⟩/⟨org⟩/⟨svc⟩-auth:⟨=v⟩
""",
)

_k(
    "git log secret rotation commit",
    r"""
commit ⟪git⟫
Author: ⟨name⟩ <⟨email⟩>
Date:   ⟨ts ctime⟩ +0000

    Rotate session secret via Vault; remove hard-coded API key from config (refs OPS-⟨int 1000 9999⟩)
""",
)

_k(
    "openssl x509 serial fingerprint",
    r"""
$ openssl x509 -in /etc/ssl/certs/⟨svc⟩.crt -noout -serial -fingerprint -sha256   # private key stays in /etc/ssl/private
serial=⟪hexu 32⟫
sha256 Fingerprint=⟪fp⟫
""",
)

_k(
    "CloudTrail GetSecretValue",
    r"""
{"eventTime":"⟪ts iso⟫","eventSource":"secretsmanager.amazonaws.com","eventName":"GetSecretValue","requestParameters":{"secretId":"⟪arn⟫"},"requestID":"⟪uuid⟫","eventID":"⟪uuid⟫","readOnly":true}
""",
)

_k(
    "KMS AccessDenied",
    r"""
An error occurred (AccessDeniedException) when calling the Decrypt operation: User: ⟪arn role⟫ is not authorized to perform: kms:Decrypt on resource: ⟪arn kms⟫ because no identity-based policy allows the kms:Decrypt action (key policy)
""",
)

_k(
    "gpg good signature",
    r"""
gpg: Signature made ⟨ts ctime⟩ UTC
gpg:                using RSA key ⟪hexu 40⟫
gpg: Good signature from "⟨org⟩ Release Signing Key" [ultimate]
""",
)

_k(
    "nginx auth_request 401",
    r"""
⟨ts nginxerr⟩ [error] ⟪num 10000 99999⟫#⟪num 10000 99999⟫: *⟪num 100000 9999999⟫ auth request unexpected status: 401 while sending to client, client: ⟨ip⟩, server: api, request: "GET /v1/orders HTTP/2.0"
""",
)

_k(
    "postgres password auth failed",
    r"""
⟪ts pg⟫ [⟪num 10000 99999 =p⟫] FATAL:  password authentication failed for user "⟨svcuser⟩"
⟨ts pg⟩ [⟨=p⟩] DETAIL:  Connection matched file "/etc/postgresql/16/main/pg_hba.conf" line ⟨int 90 130⟩: "host all all 10.0.0.0/8 scram-sha-256"
""",
)

_k(
    "Windows 4625 failed logon",
    r"""
An account failed to log on.
Failure Information:
	Failure Reason:		Unknown user name or bad password.
	Status:			⟪:0xC000006D⟫
	Sub Status:		⟪:0xC000006A⟫
Process Information:
	Caller Process ID:	0x⟪hex 4⟫
""",
)

_k(
    "AADSTS invalid client secret",
    r"""
AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '⟪uuid⟫'.
Trace ID: ⟪uuid⟫
Correlation ID: ⟪uuid⟫
Timestamp: ⟪ts sp⟫Z
""",
)

_k(
    "aws InvalidClientTokenId",
    r"""
An error occurred (InvalidClientTokenId) when calling the GetCallerIdentity operation: The security token included in the request is invalid.
RequestId: ⟪uuid⟫
""",
)

_k(
    "GitHub Actions auth failure",
    r"""
⟨ts gh⟩ remote: Invalid username or token. Password authentication is not supported for Git operations.
⟨ts gh⟩ fatal: Authentication failed for 'https://github.com/⟨org⟩/⟨svc⟩.git/'
⟨ts gh⟩ ##[error]Process completed with exit code 128. (run ⟪num 1000000000 9999999999⟫, job ⟪num 10000000000 99999999999⟫)
""",
)

_k(
    "certbot key saved",
    r"""
Successfully received certificate.
Key is saved at:         /etc/letsencrypt/live/⟨svc⟩/privkey.pem
This certificate expires on ⟪ts date⟫.
""",
)

_k(
    "kubectl get secret metadata",
    r"""
$ kubectl -n ⟨svc⟩ get secret ⟨svc⟩-tls -o jsonpath='{.metadata.uid} {.metadata.resourceVersion}{"\n"}'
⟪uuid⟫ ⟪num 1000000 99999999⟫
""",
)

_k(
    "etcd lease for lock",
    r"""
$ etcdctl lease grant 60
lease ⟪hex 16⟫ granted with TTL(60s)
$ etcdctl put --lease=⟨=x⟩ /locks/secret-rotation ⟨short⟩
""".replace("⟪hex 16⟫", "⟪hex 16 =x⟫"),
)

_k(
    "consul token accessor",
    r"""
⟨ts isoms⟩ [WARN]  agent: Coordinate update blocked by ACLs: accessorID=⟪uuid⟫ (token lacks node:write)
""",
)

_k(
    "stripe webhook signature failure",
    r"""
⟨ts isoms⟩ ERROR webhook: signature verification failed for event ⟪pre evt_1Q 22⟫ (request ⟪pre req_ 14⟫): No signatures found matching the expected signature for payload. Are you passing the raw request body and the endpoint signing secret?
""",
)

_k(
    "jwt expired kid jti",
    r"""
⟨ts isoms⟩ WARN  auth: token rejected: token is expired by 3h12m5s (kid=⟪hex 16⟫, jti=⟪uuid⟫, iss=https://sso.⟨domain⟩/)
""",
)

_k(
    "oauth invalid_grant",
    r"""
{"level":"error","ts":"⟪ts isoms⟫","msg":"oauth token exchange failed","error":"invalid_grant","error_description":"refresh token revoked","client_id":"⟨svc⟩-web","request_id":"⟪uuid⟫"}
""",
)

_k(
    "terraform secret created",
    r"""
aws_secretsmanager_secret.⟨svc⟩_db: Creation complete after 1s [id=⟪arn⟫]
aws_secretsmanager_secret_version.⟨svc⟩_db: Creation complete after 0s [id=⟪arn⟫|terraform-⟪num 10000000000000 99999999999999⟫]
""",
)

_k(
    "helm status secrets chart",
    r"""
NAME: ⟨svc⟩-external-secrets
LAST DEPLOYED: ⟪ts ctime⟫
NAMESPACE: external-secrets
STATUS: deployed
REVISION: ⟨int 10 999⟩
CHART VERSION: ⟪ver⟫
""",
)

_k(
    "buildkit auth token line",
    r"""
 => [auth] library/node:pull token for registry-1.docker.io                                 0.0s
 => => writing image ⟪sha256⟫                                                              0.0s
 => => naming to registry.⟨domain⟩/⟨svc⟩:⟪ver⟫                                              0.0s
""",
)

_k(
    "git push with credential manager",
    r"""
trace: run_command: 'git credential-manager get'
To https://git.⟨domain⟩/⟨org⟩/⟨svc⟩.git
   ⟪gitshort⟫..⟪gitshort⟫  main -> main
""",
)

_k(
    "ssh-keygen fingerprint",
    r"""
Your identification has been saved in /home/⟨user =u⟩/.ssh/id_ed25519
Your public key has been saved in /home/⟨=u⟩/.ssh/id_ed25519.pub
The key fingerprint is:
⟪sshfp⟫ ⟨=u⟩@⟨short⟩
""",
)

_k(
    "prometheus auth metrics",
    r"""
http_requests_total{code="401",handler="/auth/login",method="POST"} ⟪num 10000 999999⟫
vault_token_creation{auth_method="approle",mount_point="auth/approle/"} ⟪num 10000 999999⟫
""",
)

_k(
    "kafka SASL authenticated offset",
    r"""
[⟨ts java⟩] INFO [Consumer clientId=consumer-⟨svc⟩-1, groupId=⟨svc⟩] Successfully authenticated with SASL/SCRAM; committed offset ⟪num 1000000 99999999⟫ for partition ⟨svc⟩-events-⟨int 0 11⟩
""",
)

_k(
    "pam_unix authentication failure",
    r"""
⟨ts sys⟩ ⟨short⟩ sshd[⟪num 10000 99999⟫]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=⟨ip⟩  user=⟨user⟩
""",
)

_k(
    "keycloak LOGIN_ERROR",
    r"""
⟨ts java⟩ WARN  [org.keycloak.events] (executor-thread-⟨int 1 40⟩) type="LOGIN_ERROR", realmId="⟪uuid⟫", clientId="⟨svc⟩", userId="null", error="invalid_user_credentials", auth_method="openid-connect"
""",
)

_k(
    "1Password CLI item id",
    r"""
[ERROR] ⟨ts sp⟩ (403) Forbidden: service account token is not authorized to read item ⟪pre q 25 lower⟫ in vault Infrastructure
""",
)

_k(
    "sentry event dropped",
    r"""
⟨ts isoms⟩ [sentry] DEBUG: Discarded event ⟪hex 32⟫: auth header missing sentry_key (project ⟪num 1000000 9999999⟫)
""",
)

_k(
    "restic snapshots",
    r"""
enter password for repository:
repository ⟪hex 8⟫ opened (version 2, compression level auto)
ID        Time                 Host        Tags        Paths
⟪hex 8⟫  ⟨ts sp⟩  ⟨short⟩      secrets     /etc/vault.d
""",
)

_k(
    "borg archive fingerprint",
    r"""
Enter passphrase for key /srv/borg/⟨short =h⟩:
Archive name: ⟨=h⟩-⟨ts date⟩
Archive fingerprint: ⟪hex64⟫
Time (start): ⟨ts ctime⟩
""",
)

_k(
    "cryptsetup luksDump",
    r"""
LUKS header information
Version:       	2
UUID:          	⟪uuid⟫
Keyslots:
  0: luks2
	Key:        512 bits
""",
)

_k(
    "BitLocker protector ID",
    r"""
    Numerical Password:
      ID: {⟪uuidu⟫}
      (recovery password escrowed to Entra ID; key protector ID only shown here)
""",
)

_k(
    "keytool -list",
    r"""
Keystore type: PKCS12
Your keystore contains 1 entry

⟨svc⟩, ⟨ts date⟩, PrivateKeyEntry,
Certificate fingerprint (SHA-256): ⟪fp⟫
""",
)

_k(
    "certutil -store",
    r"""
Serial Number: ⟪hex 32⟫
Cert Hash(sha1): ⟪hex 40⟫
  Provider = Microsoft Software Key Storage Provider
Private key is NOT exportable
""",
)

_k(
    "aws kms describe-key",
    r"""
{
    "KeyMetadata": {
        "KeyId": "⟪uuid⟫",
        "CreationDate": "⟪ts isous⟫",
        "KeyUsage": "ENCRYPT_DECRYPT",
        "KeyState": "Enabled"
    }
}
""",
)

_k(
    "GCP KMS key version path",
    r"""
Decrypt failed for secret payload: key version ⟪gkms⟫ is DESTROYED (operation ⟪num 1000000000000000 9999999999999999⟫)
""",
)

_k(
    "Key Vault secret version id",
    r"""
Resolved Key Vault reference for SqlAdminPassword to version ⟪hex 32⟫ (vault kv-⟨svc⟩-⟨env⟩, updated ⟪ts isous⟫)
""",
)

_k(
    "serviceaccount token path",
    r"""
⟨ts isoms⟩ INFO  loaded projected service account token from ⟪:/var/run/secrets/kubernetes.io/serviceaccount/token⟫ (expires in ⟪dur⟫)
""",
)

_k(
    "openssl error codes private key",
    r"""
Could not read private key from /etc/⟨svc⟩/tls.key
⟪hexu 16⟫:error:⟪:1E08010C⟫:DECODER routines::unsupported:crypto/encode_decode/decoder_lib.c:102:No supported data to decode.
""",
)

_k(
    "fernet InvalidToken traceback",
    r"""
  File "⟪srcpath⟫", line ⟨int 100 999⟩, in decrypt_secret
    return self._fernet.decrypt(token)
cryptography.fernet.InvalidToken
""",
)

_k(
    "LDAP invalid credentials",
    r"""
ldap_bind: Invalid credentials (49)
	additional info: ⟪:80090308⟫: LdapErr: ⟪:DSID-0C090439⟫, comment: AcceptSecurityContext error, data 52e, v4563
""",
)

_k(
    "Exchange Online SMTP auth disabled",
    r"""
535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information. [⟪hexu 16⟫]
""",
)

_k(
    "redis NOAUTH run_id",
    r"""
(error) NOAUTH Authentication required.
redis_version:⟪ver⟫
run_id:⟪hex 40⟫
""",
)

_k(
    "mongodb auth failed json",
    r"""
{"t":{"$date":"⟪ts isoms⟫"},"s":"I","c":"ACCESS","id":⟪:20249⟫,"ctx":"conn⟪num 10000 999999⟫","msg":"Authentication failed","attr":{"mechanism":"SCRAM-SHA-256","principalName":"⟨svcuser⟩","authenticationDatabase":"admin","error":"AuthenticationFailed: SCRAM authentication failed, storedKey mismatch"}}
""",
)

_k(
    "elasticsearch realm auth failed",
    r"""
[⟪ts isoms⟫][WARN ][o.e.x.s.a.RealmsAuthenticator] [⟨short⟩] Authentication to realm file1 failed - Password authentication failed for ⟨svcuser⟩
""",
)

_k(
    "haproxy auth backend log",
    r"""
⟨ts sys⟩ ⟨short⟩ haproxy[⟪num 10000 99999⟫]: ⟨ip⟩:⟨port⟩ [⟨ts clf⟩] fe_https~ be_auth/auth01 0/0/1/⟨int 100 999⟩/⟨int 100 999⟩ 401 212 - - ---- 12/12/0/0/0 0/0 "POST /session HTTP/1.1"
""",
)

_k(
    "nginx request_id 401",
    r"""
request_id=⟪hex 32⟫ upstream=auth-svc status=401 rt=0.0⟨int 10 99⟩ path=/api/v2/session
""",
)

_k(
    "envoy jwt_authn",
    r"""
[⟪ts spms⟫][⟨int 10 99⟩][debug][jwt] [source/extensions/filters/http/jwt_authn/authenticator.cc:⟨int 100 400⟩] ⟨svc⟩-jwt: Jwks doesn't have key to match kid or alg from Jwt (x-request-id: ⟪uuid⟫)
""",
)

_k(
    "cloudflare ray id",
    r"""
Error 1020 Access denied — API token lacks Zone.WAF permission. Cloudflare Ray ID: ⟪hex 16⟫ • Performance & security by Cloudflare
""",
)

_k(
    "gitlab correlation id",
    r"""
remote: HTTP Basic: Access denied. If a password was provided for Git authentication, the password was incorrect or you're required to use a token instead of a password.
remote: Correlation ID: ⟪ulid⟫
""",
)

_k(
    "jenkins credentials masked",
    r"""
[Pipeline] withCredentials
Masking supported pattern matches of $REGISTRY_PASSWORD
[Pipeline] echo
Build #⟨int 1000 9999⟩ (⟪ver⟫+build.⟨int 1000 9999⟩) finished in ⟪dur⟫
""",
)

_k(
    "terraform state lock",
    r"""
Error: Error acquiring the state lock
Lock Info:
  ID:        ⟪uuid⟫
  Path:      ⟨svc⟩-tfstate/secrets/terraform.tfstate
  Version:   ⟪ver⟫
  Created:   ⟨ts sp⟩.⟨int 100000 999999⟩ +0000 UTC
""",
)

_k(
    "npm audit advisory",
    r"""
jsonwebtoken  <=8.5.1
Severity: high
jsonwebtoken unrestricted key type could lead to legacy keys usage - https://github.com/advisories/⟪:GHSA-8cf7-32gw-wr33⟫
""",
)

_k(
    "openssh CVE auth",
    r"""
openssh-server ⟪:1:9.6p1-3ubuntu13.5⟫ fixes ⟪:CVE-2024-6387⟫ (race in sshd signal handler during authentication timeout)
""",
)

_k(
    "systemd-logind session",
    r"""
⟨ts sys⟩ ⟨short⟩ systemd-logind[⟨int 300 9999⟩]: New session ⟪num 10000 99999⟫ of user ⟨user⟩.
""",
)

_k(
    "auditd USER_AUTH",
    r"""
type=USER_AUTH msg=audit(⟪ts audit⟫:⟪num 100000 999999⟫): pid=⟨pid⟩ uid=0 auid=4294967295 ses=4294967295 msg='op=PAM:authentication grantors=pam_unix acct="⟨user⟩" exe="/usr/sbin/sshd" hostname=? addr=⟨ip⟩ terminal=ssh res=success'
""",
)

_k(
    "stat private key inode",
    r"""
$ stat /etc/ssl/private/⟨svc⟩.key
  Size: 1704      	Blocks: 8          IO Block: 4096   regular file
Device: 259,2	Inode: ⟪num 1000000 9999999⟫     Links: 1
Access: (0640/-rw-r-----)  Uid: (    0/    root)   Gid: (  111/ssl-cert)
Modify: ⟪ts spms⟫000000 +0000
""",
)

_k(
    "ls -li aws credentials",
    r"""
$ ls -li ~/.aws/credentials
⟪num 1000000 9999999⟫ -rw------- 1 ⟨user =u⟩ ⟨=u⟩ 116 ⟨pick:Oct|Nov|Dec⟩ ⟨int 10 28⟩ 09:14 /home/⟨=u⟩/.aws/credentials
""",
)

_k(
    "sops pgp metadata",
    r"""
    pgp:
        - created_at: "⟪ts iso⟫"
          fp: ⟪hexu 40⟫
    lastmodified: "⟪ts iso⟫"
    version: ⟪ver⟫
    # data key encrypted for the key above; no plaintext secrets in this file
""",
)

_k(
    "vault operator key-status",
    r"""
$ vault operator key-status
Key Term            ⟨int 10 99⟩
Install Time        ⟪ts ctime⟫
Encryption Count    ⟪num 1000000 99999999⟫
""",
)

_k(
    "cosign verify",
    r"""
Verification for registry.⟨domain⟩/⟨svc⟩@⟪sha256⟫ --
The following checks were performed on each of these signatures:
  - The cosign claims were validated
  - The signatures were verified against the specified public key
""",
)

_k(
    "rekor tlog index",
    r"""
tlog entry created with index: ⟪num 100000000 999999999⟫ (signed with key from KMS, keyless mode off)
""",
)

_k(
    "JWKS kid",
    r"""
{"keys":[{"kty":"EC","kid":"⟪hex 40⟫","use":"sig","alg":"ES256","crv":"P-256"}]}
""",
)

_k(
    "docker ps vault container",
    r"""
CONTAINER ID   IMAGE                       COMMAND                  STATUS          PORTS      NAMES
⟪cid⟫   hashicorp/vault:⟪ver⟫   "docker-entrypoint.s…"   Up 2 hours      8200/tcp   vault-secrets
""",
)

_k(
    "kubectl get pods auth",
    r"""
$ kubectl -n identity get pods -l app=auth-server
NAME                           READY   STATUS    RESTARTS   AGE
⟪pod auth-server⟫   1/1     Running   0          ⟨int 2 59⟩m
⟪pod auth-server⟫   1/1     Running   1          ⟨int 2 59⟩m
""",
)

_k(
    "apparmor keytab denied",
    r"""
⟨ts sys⟩ ⟨short⟩ kernel: audit: type=1400 audit(⟪ts audit⟫:⟨int 100 999⟩): apparmor="DENIED" operation="open" profile="/usr/sbin/sssd" name="/etc/krb5.keytab" pid=⟪num 10000 99999⟫ comm="sssd_be" requested_mask="r" denied_mask="r"
""",
)

_k(
    "sha256sums signature",
    r"""
⟪hex64⟫  vault_⟪ver⟫_linux_amd64.zip
gpg: Good signature from "HashiCorp Security" using key ⟪hexu 16⟫
""",
)

_k(
    "redlock lock id",
    r"""
⟨ts isoms⟩ DEBUG redlock: acquired lock "lock:api-key-rotation" id=⟪uuid⟫ ttl=30000ms
""",
)

_k(
    "celery rotate keys task",
    r"""
[⟨ts java⟩: INFO/ForkPoolWorker-2] Task auth.tasks.rotate_api_keys[⟪uuid⟫] succeeded in ⟪dur⟫: {'rotated': ⟨int 2 40⟩}
""",
)

_k(
    "Windows 4724 password reset",
    r"""
An attempt was made to reset an account's password.
Subject:
	Logon ID:		0x⟪hexu 7⟫
Target Account:
	Security ID:		S-1-5-21-⟪num 1000000000 4000000000⟫-⟪num 1000000000 4000000000⟫-⟪num 1000000000 4000000000⟫-⟨int 1000 9999⟩
""",
)

_k(
    "SAML AuthnRequest id",
    r"""
⟨ts java⟩ ERROR SAML response rejected: InResponseTo _⟪hex 40⟫ does not match any pending AuthnRequest (session expired?)
""",
)

_k(
    "istio mTLS cert rotation",
    r"""
⟨ts isous⟩	info	cache	generated new workload certificate	resourceName=default latency=⟪dur⟫ ttl=23h59m59.⟪num 100000000 999999999⟫s (private key rotated)
""",
)

_k(
    "GitHub secret scanning alert",
    r"""
Secret scanning alert #⟨int 10 999⟩ resolved as revoked; commit ⟪git⟫ in ⟨org⟩/⟨svc⟩, path config/settings.py line ⟨int 100 999⟩
""",
)

_k(
    "k8s secret resourceVersion conflict",
    r"""
Error from server (Conflict): Operation cannot be fulfilled on secrets "⟨svc⟩-api-key": the object has been modified; please apply your changes to the latest version (resourceVersion ⟪num 1000000 99999999⟫)
""",
)

_k(
    "ACME account key thumbprint",
    r"""
Account registered: https://acme-v02.api.letsencrypt.org/acme/acct/⟪num 1000000000 9999999999⟫ (account key saved under /etc/letsencrypt/accounts)
""",
)

_k(
    "pgbouncer auth_query",
    r"""
⟪ts pg⟫ [⟪num 10000 99999⟫] LOG C-0x⟪hex 12⟫: ⟨db⟩/⟨svcuser⟩@⟨ip⟩:⟨port⟩ login attempt: db=⟨db⟩ user=⟨svcuser⟩ tls=TLSv1.3/TLS_AES_256_GCM_SHA384 (auth_query)
""",
)

_k(
    "vault lease renewal metrics",
    r"""
⟨ts isoms⟩ [INFO]  expiration: revoked lease: lease_count=⟪num 10000 99999⟫ duration=⟪dur⟫ (credential leases for database/creds/⟨svc⟩-ro)
""",
)

_k(
    "nomad alloc template secret",
    r"""
⟨ts isoms⟩ Template  Template re-rendered; secrets refreshed for alloc ⟪uuid⟫ (task server, job ⟨svc⟩, index ⟪num 100000 9999999⟫)
""",
)

_k(
    "CI cache key checksum",
    r"""
Restoring cache with key: deps-v3-{{ checksum "package-lock.json" }} -> deps-v3-⟪hex64⟫ (⟪size⟫)
""",
)


# =========================================================================== public interface


def _build(seed: int) -> list[tuple[Case, str]]:
    rng = random.Random(seed)
    out: list[tuple[Case, str]] = []
    for family, fmt, text in _TEMPLATES:
        for _ in range(2):
            lines, values, _keeps, masked = _render(text, _Gen(rng))
            out.append((Case(family, fmt, lines, values), masked))
    return out


def cases(seed: int = DEFAULT_SEED) -> list[Case]:
    return [case for case, _ in _build(seed)]


def keep_list(seed: int = DEFAULT_SEED) -> list[Keep]:
    rng = random.Random(seed + 1)
    forbid = frozenset(v for case in cases() for v in case.values)
    out: list[Keep] = []
    for fmt, text in _KEEPS:
        for _ in range(2):
            lines, _values, tokens, _masked = _render(text, _Gen(rng, forbid))
            out.append(Keep(fmt, lines, tokens))
    return out


_KEYWORDS = re.compile(r"token|key|passw|secret|auth|session|credential", re.IGNORECASE)
_MARKERS = re.compile("[\x01\x02⟦⟧⟨⟩⟪⟫]")
_IPV4 = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")
_COMMON = frozenset(
    "password secret token admin root true false null none test changeme default".split()
)


def _check() -> None:
    built = _build(DEFAULT_SEED)
    keeps = keep_list()
    all_values: set[str] = set()
    for case, masked in built:
        text = "".join(case.lines)
        assert case.values, case.format
        assert not _MARKERS.search(text), case.format
        assert all(line.endswith("\n") and "\n" not in line[:-1] for line in case.lines), (
            case.format
        )

        stray = [v for v in case.values if v in masked]
        assert not stray, (
            "value also appears outside its planted span",
            case.format,
            stray,
        )
        # A sanitizer that replaced exactly the planted values would leave none of them behind.
        longest_first = sorted(case.values, key=len, reverse=True)
        pattern = re.compile("|".join(re.escape(v) for v in longest_first))
        scrubbed = pattern.sub(lambda m: f"<{case.family}>", text)
        assert not any(v in scrubbed for v in case.values), case.format
        for v in case.values:
            assert len(v) >= 4, (case.format, v)
            assert v in text, (case.format, v)
            assert v.lower() not in _COMMON, (case.format, v)
            assert not (v.isalpha() and v.islower() and len(v) < 8), (case.format, v)
            all_values.add(v)
    tokens: list[str] = []
    for keep in keeps:
        text = "".join(keep.lines)
        assert keep.tokens, keep.format
        assert not _MARKERS.search(text), keep.format
        assert _KEYWORDS.search(text), keep.format
        missing = [t for t in keep.tokens if t not in text]
        assert not missing, (keep.format, missing)
        for t in keep.tokens:
            assert not _IPV4.match(t) and "@" not in t, (keep.format, t)
            tokens.append(t)
    for v in all_values:
        for t in tokens:
            assert t != v and t not in v, ("value contains keep token", v, t)
    families = sorted({case.family for case, _ in built})
    n_values = sum(len(case.values) for case, _ in built)
    print(f"families: {len(families)}")
    print(f"templates: {len(_TEMPLATES)}")
    print(f"cases: {len(built)}")
    print(f"values: {n_values} ({len(all_values)} distinct)")
    print(f"keep entries: {len(keeps)} (from {len(_KEEPS)} templates)")
    print(f"keep tokens: {len(tokens)}")
    for f in families:
        print(f"  {f}: {sum(1 for t in _TEMPLATES if t[0] == f)} templates")


if __name__ == "__main__":
    _check()
