# ruff: noqa: E501, RUF001, RUF003, UP031
"""Sealed blind corpus V.

Written by an independent helper session (blind: written without reading the
sanitizer under test or any other sealed corpus), dated 2026-12-03.

Theme: placement and encoding, not vendors.  Secrets are planted the way they
really end up in incident material after passing through other tools' layers:
JSON-in-a-log-line (escaped and doubly escaped), structured loggers, language
object dumps (Python, Ruby, PHP, Go, Rust, JVM, .NET, BEAM, Lisp/Lua/Perl),
URL-encoded forms and query strings, base64 blobs, hex dumps, git and config
diffs, Markdown/HTML/CSV, YAML/TOML/HCL/INI/.properties/XML/SOAP, MIME mail,
ANSI-coloured terminals and tmux captures, 80-column wrapped text, stack
traces, SQL logs, audit logs, shell xtrace and CI logs, core-dump strings,
environment dumps, and human chat/tickets in English and 20+ other languages.
A keep-list holds diagnostic tokens (ids, hashes, digests, addresses, error
codes, ...) from the same kinds of material that must survive sanitizing.

Planted values are the secret part only, in the form in which they appear in
the text (percent-encoded, base64, hex, quoted-printable, escaped, or the
pieces of a secret split by a line break).

SEED = 20270202, VARIANTS = 2 (keep-list uses SEED + 1).

Counts printed by _check():
    {'families': 48, 'case_templates': 434, 'cases': 868, 'values': 1034, 'keep_templates': 131, 'keep_entries': 262, 'keep_tokens': 290}
"""

from __future__ import annotations

import base64
import json
import random
import re
import string
import urllib.parse
from collections.abc import Callable
from typing import NamedTuple

SEED = 20270202
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
# random building blocks
# ---------------------------------------------------------------------------

_ALNUM = string.ascii_letters + string.digits
_UPPER_ALNUM = string.ascii_uppercase + string.digits
_LOWER_ALNUM = string.ascii_lowercase + string.digits
_URLSAFE = _ALNUM + "-_"
_B64CH = _ALNUM + "+/"
_HEX = "0123456789abcdef"
_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_BECH32 = "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L"


def _split(text: str) -> list[str]:
    return text.split()


_WORDS = _split(
    "amber anchor apricot aspen badger banjo basil beacon birch bramble breeze cactus "
    "canyon cedar cobalt comet copper coral cricket dahlia delta ember falcon fennel "
    "fjord glacier granite harbor hazel heron indigo ivory jasper juniper kestrel "
    "lagoon lantern lilac maple marble meadow mosaic nectar nutmeg obsidian orchid "
    "otter pebble pepper quartz quill raven ripple saffron sequoia sierra sparrow "
    "spruce tango thistle timber topaz tundra velvet walnut willow zephyr"
)
_ACCENTED = [
    "Café",
    "Straße",
    "Ñandú",
    "Øresund",
    "Göteborg",
    "Mañana",
    "Crème",
    "Brûlée",
    "Zürich",
    "Señora",
]
_NAMES = _split(
    "alice bob carol dmitri erin farid gita hiro ines jonas kemal lena mateo nadia oskar priya quentin rosa sven tamar ulla viktor wen yusuf zofia"
)
_DOMAINS = _split(
    "acme.io example.com corp.internal contoso.net initech.dev globex.cloud umbrella.local hooli.xyz"
)
_SVCS = _split(
    "billing-api checkout auth-svc ledger notifier ingest-worker search-api media-proxy payments gateway scheduler report-gen"
)
_DBS = _split("orders users ledger analytics inventory sessions audit crm")
_REGIONS = _split("us-east-1 eu-west-1 eu-central-1 ap-southeast-2 us-west-2 ap-northeast-1")
_ENVS = _split("prod staging qa dev preprod sandbox")
_LEET = str.maketrans({"a": "4", "e": "3", "i": "1", "o": "0", "s": "5"})


def _rs(r: random.Random, alphabet: str, n: int) -> str:
    return "".join(r.choice(alphabet) for _ in range(n))


def _hex(r: random.Random, n: int) -> str:
    return _rs(r, _HEX, n)


def _b64s(s: str | bytes) -> str:
    if isinstance(s, str):
        s = s.encode()
    return base64.b64encode(s).decode()


def _uuid(r: random.Random) -> str:
    h = "%032x" % r.getrandbits(128)
    h = h[:12] + "4" + h[13:16] + r.choice("89ab") + h[17:]
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _pw(r: random.Random, syms: str) -> str:
    """A human-style password; never starts with a symbol, never contains quotes, spaces, = , ; : & $ < > | or backslash."""
    w1, w2 = r.sample(_WORDS, 2)
    d = str(r.randrange(10, 9999))
    s = r.choice(syms)
    style = r.randrange(5)
    if style == 0:
        return w1.capitalize() + w2.capitalize() + d + s
    if style == 1:
        return w1.capitalize() + s + w2.translate(_LEET) + d
    if style == 2:
        return w1 + s + w2.upper() + s + d
    if style == 3:
        body = _rs(r, _ALNUM + syms, r.randrange(11, 17))
        return r.choice(string.ascii_uppercase) + body + r.choice(string.digits) + s
    return w1.capitalize() + d + s + w2[:4].upper() + s


def _phrase(r: random.Random, sep: str = " ") -> str:
    return sep.join(r.sample(_WORDS, 4))


def _pctpw(r: random.Random) -> str:
    specials = "@:/#?&=+$ !%"
    w1, w2 = r.sample(_WORDS, 2)
    raw = w1.capitalize() + r.choice(specials) + w2 + str(r.randrange(10, 999)) + r.choice(specials)
    return urllib.parse.quote(raw, safe="")


def _pct2pw(r: random.Random) -> str:
    w1, w2 = r.sample(_WORDS, 2)
    raw = w1.capitalize() + r.choice("@#&") + w2 + str(r.randrange(10, 999)) + "!"
    return urllib.parse.quote(urllib.parse.quote(raw, safe=""), safe="")


def _formphrase(r: random.Random) -> str:
    return urllib.parse.quote_plus(_phrase(r) + r.choice("!?#&") + str(r.randrange(1, 99)))


def _pw_qp(r: random.Random) -> str:
    w1, w2 = r.sample(_WORDS, 2)
    return w1.capitalize() + "=3D" + w2 + str(r.randrange(10, 999)) + r.choice("!#*")


def _pw_uesc(r: random.Random) -> str:
    word = r.choice(_ACCENTED)
    raw = word + r.choice(_WORDS).capitalize() + str(r.randrange(10, 999)) + r.choice("!#*")
    return "".join(c if ord(c) < 128 else "\\u%04x" % ord(c) for c in raw)


def _pw_colon_esc(r: random.Random) -> str:
    w1, w2 = r.sample(_WORDS, 2)
    return w1.capitalize() + "\\:" + w2 + str(r.randrange(10, 999)) + r.choice("!#*")


def _bitlocker(r: random.Random) -> str:
    return "-".join("%06d" % (r.randrange(0, 65536) * 11) for _ in range(8))


def _basic_b64(r: random.Random) -> str:
    return _b64s(f"{_FILL['user'](r)}:{_pw(r, '!#%*-_.@^~+')}")


def _aws_session(r: random.Random) -> str:
    return r.choice(["FwoGZXIvYXdzE", "IQoJb3JpZ2luX2VjE"]) + _rs(r, _B64CH, 150) + "=="


_SECRET: dict[str, Callable[[random.Random], str]] = {
    # human secrets
    "pw": lambda r: _pw(r, "!#%*-_.@^~+"),
    "pwsafe": lambda r: _pw(r, "-_.!"),
    "urlpw": lambda r: _pw(r, "-_.~"),
    "pctpw": _pctpw,
    "pct2pw": _pct2pw,
    "formphrase": _formphrase,
    "pw_qp": _pw_qp,
    "pw_uesc": _pw_uesc,
    "pw_colon_esc": _pw_colon_esc,
    "phrase": _phrase,
    "phrase_dash": lambda r: _phrase(r, "-"),
    "pin": lambda r: "%06d" % r.randrange(10**6),
    "pin8": lambda r: "%08d" % r.randrange(10**8),
    "recovery": lambda r: _rs(r, _LOWER_ALNUM, 5) + "-" + _rs(r, _LOWER_ALNUM, 5),
    "bitlocker": _bitlocker,
    # random material
    "hex32": lambda r: _hex(r, 32),
    "hex40": lambda r: _hex(r, 40),
    "hex64": lambda r: _hex(r, 64),
    "hex128": lambda r: _hex(r, 128),
    "b64": lambda r: base64.b64encode(r.randbytes(32)).decode(),
    "b64url": lambda r: (
        base64.urlsafe_b64encode(r.randbytes(r.choice([32, 48]))).decode().rstrip("=")
    ),
    "b64_secret": lambda r: _b64s(_rs(r, _ALNUM, 24)),
    "pctb64": lambda r: urllib.parse.quote(base64.b64encode(r.randbytes(32)).decode(), safe=""),
    "b32": lambda r: base64.b32encode(r.randbytes(20)).decode(),
    "b58": lambda r: _rs(r, _B58, 44),
    "alnum": lambda r: _rs(r, _ALNUM, 32),
    "uuid_secret": _uuid,
    "basic_b64": _basic_b64,
    "wg": lambda r: base64.b64encode(r.randbytes(32)).decode(),
    "django": lambda r: _rs(r, "abcdefghijklmnopqrstuvwxyz0123456789!@#%^*(-_=+)", 50),
    # vendor formats (public shapes, random bodies)
    "aws_secret": lambda r: _rs(r, _ALNUM + "/+", 40),
    "aws_session": _aws_session,
    "pct_session": lambda r: urllib.parse.quote(_aws_session(r), safe=""),
    "ghp": lambda r: "ghp_" + _rs(r, _ALNUM, 36),
    "gho": lambda r: "gho_" + _rs(r, _ALNUM, 36),
    "ghs": lambda r: "ghs_" + _rs(r, _ALNUM, 36),
    "github_pat": lambda r: "github_pat_11" + _rs(r, _UPPER_ALNUM, 20) + "_" + _rs(r, _ALNUM, 59),
    "glpat": lambda r: "glpat-" + _rs(r, _URLSAFE, 20),
    "xoxb": lambda r: (
        f"xoxb-{r.randrange(10**10, 10**11)}-{r.randrange(10**12, 10**13)}-{_rs(r, _ALNUM, 24)}"
    ),
    "slack_hook": lambda r: _rs(r, _ALNUM, 24),
    "stripe_sk": lambda r: "sk_live_51" + _rs(r, _ALNUM, 50),
    "stripe_rk": lambda r: "rk_live_51" + _rs(r, _ALNUM, 50),
    "whsec": lambda r: "whsec_" + _rs(r, _ALNUM, 32),
    "openai": lambda r: r.choice(
        [
            "sk-proj-" + _rs(r, _URLSAFE, 80),
            "sk-" + _rs(r, _ALNUM, 20) + "T3BlbkFJ" + _rs(r, _ALNUM, 20),
        ]
    ),
    "anthropic": lambda r: "sk-ant-api03-" + _rs(r, _URLSAFE, 93) + "AA",
    "google_api": lambda r: "AIza" + _rs(r, _URLSAFE, 35),
    "gocspx": lambda r: "GOCSPX-" + _rs(r, _URLSAFE, 28),
    "pct_refresh": lambda r: urllib.parse.quote("1//0" + _rs(r, _URLSAFE, 60), safe=""),
    "ya29": lambda r: "ya29.a0" + _rs(r, _URLSAFE, 140),
    "sendgrid": lambda r: "SG." + _rs(r, _URLSAFE, 22) + "." + _rs(r, _URLSAFE, 43),
    "npm": lambda r: "npm_" + _rs(r, _ALNUM, 36),
    "pypi": lambda r: "pypi-AgEIcHlwaS5vcmc" + _rs(r, _URLSAFE, 70),
    "dckr": lambda r: "dckr_pat_" + _rs(r, _URLSAFE, 27),
    "vault": lambda r: "hvs." + _rs(r, _URLSAFE, 24),
    "tfc": lambda r: _rs(r, _ALNUM, 14) + ".atlasv1." + _rs(r, _ALNUM, 67),
    "azure_key": lambda r: base64.b64encode(r.randbytes(64)).decode(),
    "azure_cs": lambda r: _rs(r, _ALNUM, 3) + "8Q~" + _rs(r, _ALNUM + "~._-", 34),
    "dd_api": lambda r: _hex(r, 32),
    "dd_app": lambda r: _hex(r, 40),
    "shpat": lambda r: "shpat_" + _hex(r, 32),
    "mailgun": lambda r: "key-" + _hex(r, 32),
    "do_pat": lambda r: "dop_v1_" + _hex(r, 64),
    "linear": lambda r: "lin_api_" + _rs(r, _ALNUM, 40),
    "pmak": lambda r: "PMAK-" + _hex(r, 24) + "-" + _hex(r, 34),
    "dapi": lambda r: "dapi" + _hex(r, 32),
    "atlassian": lambda r: (
        "ATATT3xFfGF0" + _rs(r, _URLSAFE, 100) + "=" + _rs(r, "0123456789ABCDEF", 8)
    ),
    "glsa": lambda r: "glsa_" + _rs(r, _ALNUM, 32) + "_" + _hex(r, 8),
    "hf": lambda r: "hf_" + _rs(r, string.ascii_letters, 34),
    "telegram": lambda r: f"{r.randrange(10**8, 10**10)}:AA" + _rs(r, _URLSAFE, 33),
    "cf_token": lambda r: _rs(r, _URLSAFE, 40),
    "okta": lambda r: "00" + _rs(r, _URLSAFE, 40),
    "age": lambda r: "AGE-SECRET-KEY-1" + _rs(r, _BECH32, 58),
    "sentry": lambda r: "sntryu_" + _hex(r, 64),
    "cio": lambda r: "cio" + _rs(r, _ALNUM, 32),
    "fb": lambda r: "EAAG" + _rs(r, _ALNUM, 120),
    "ado_pat": lambda r: _rs(r, "abcdefghijklmnopqrstuvwxyz234567", 52),
    "octopus": lambda r: "API-" + _rs(r, _UPPER_ALNUM, 26),
}


def _ts(r: random.Random) -> str:
    return "2026-12-0%dT%02d:%02d:%02d.%03dZ" % (
        r.randrange(1, 4),
        r.randrange(24),
        r.randrange(60),
        r.randrange(60),
        r.randrange(1000),
    )


_FILL: dict[str, Callable[[random.Random], str]] = {
    "user": lambda r: (
        r.choice(_NAMES) + r.choice(["", "", "_svc", ".ops", str(r.randrange(2, 99))])
    ),
    "name": lambda r: r.choice(_NAMES).capitalize(),
    "email": lambda r: f"{r.choice(_NAMES)}@{r.choice(_DOMAINS)}",
    "dom": lambda r: r.choice(_DOMAINS),
    "host": lambda r: (
        f"{r.choice(['db', 'api', 'cache', 'mq', 'web', 'node', 'vault'])}-{r.choice(_ENVS)}-{r.randrange(1, 20):02d}.{r.choice(_DOMAINS)}"
    ),
    "svc": lambda r: r.choice(_SVCS),
    "db": lambda r: r.choice(_DBS),
    "region": lambda r: r.choice(_REGIONS),
    "env": lambda r: r.choice(_ENVS),
    "word": lambda r: r.choice(_WORDS),
    "Word": lambda r: r.choice(_WORDS).capitalize(),
    "WORD": lambda r: r.choice(_WORDS).upper(),
    "org": lambda r: r.choice(_WORDS) + "-" + r.choice(["labs", "corp", "io", "hq"]),
    "repo": lambda r: f"{r.choice(_WORDS)}-{r.choice(['labs', 'corp', 'io'])}/{r.choice(_SVCS)}",
    "branch": lambda r: r.choice(["main", "develop", "release/2026.12", "hotfix/login"]),
    "ts": _ts,
    "tsc": lambda r: (
        "2026-12-03 %02d:%02d:%02d,%03d"
        % (r.randrange(24), r.randrange(60), r.randrange(60), r.randrange(1000))
    ),
    "tsb": lambda r: (
        "03/Dec/2026:%02d:%02d:%02d +0000" % (r.randrange(24), r.randrange(60), r.randrange(60))
    ),
    "tsb2": lambda r: (
        "2026/12/03 %02d:%02d:%02d" % (r.randrange(24), r.randrange(60), r.randrange(60))
    ),
    "time": lambda r: "%02d:%02d:%02d" % (r.randrange(24), r.randrange(60), r.randrange(60)),
    "epoch": lambda r: str(r.randrange(1764720000, 1764806400)),
    "epochms": lambda r: str(r.randrange(1764720000000, 1764806400000)),
    "ip": lambda r: f"10.{r.randrange(256)}.{r.randrange(256)}.{r.randrange(1, 255)}",
    "port": lambda r: str(r.randrange(30000, 61000)),
    "pid": lambda r: str(r.randrange(1000, 65000)),
    "num": lambda r: str(r.randrange(2, 999)),
    "oct": lambda r: str(r.randrange(2, 255)),
    "age_pub": lambda r: "age1" + _rs(r, _BECH32.lower(), 58),
    "num3": lambda r: "%03d" % r.randrange(1000),
    "num6": lambda r: "%06d" % r.randrange(10**6),
    "uuid": _uuid,
    "UUIDU": lambda r: _uuid(r).upper(),
    "hex8": lambda r: _hex(r, 8),
    "hex32f": lambda r: _hex(r, 32),
    "sha7": lambda r: _hex(r, 7),
    "sha40": lambda r: _hex(r, 40),
    "upper8": lambda r: _rs(r, _UPPER_ALNUM, 8),
    "upper16": lambda r: _rs(r, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16),
    "akid": lambda r: "AKIA" + _rs(r, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16),
    "ver": lambda r: f"{r.randrange(1, 5)}.{r.randrange(0, 30)}.{r.randrange(0, 12)}",
    "pwkey": lambda r: r.choice(
        ["password", "passwd", "pass", "pwd", "db_password", "user_password"]
    ),
    "PWKEY": lambda r: r.choice(
        [
            "DB_PASSWORD",
            "PGPASSWORD",
            "MYSQL_ROOT_PASSWORD",
            "REDIS_PASSWORD",
            "ADMIN_PASSWORD",
            "SMTP_PASSWORD",
        ]
    ),
    "TOKKEY": lambda r: r.choice(
        ["API_KEY", "API_TOKEN", "AUTH_TOKEN", "SECRET_KEY", "SERVICE_TOKEN", "ACCESS_TOKEN"]
    ),
    "TAB": lambda r: "\t",
    "ESC": lambda r: "\x1b",
}

# ---------------------------------------------------------------------------
# templating: «kind» = planted secret (or keep token), ‹kind› = filler,
# «kind@t» / ‹kind@t› = reuse the same value for tag t, «=x» / ‹=x› = given
# ---------------------------------------------------------------------------

# fillers that name the same thing everywhere inside one rendered case
_STABLE = frozenset(
    _split(
        "user name email dom host svc db region env word Word WORD org repo branch hex8 akid sha40"
    )
)

_PH = re.compile(r"([«‹])(=?)(\w+)(?:@(\w+))?[»›]")

Rendered = tuple[tuple[str, ...], tuple[str, ...]]


def _render(
    r: random.Random,
    text: str,
    given: dict[str, str] | None = None,
    table: dict[str, Callable[[random.Random], str]] | None = None,
) -> Rendered:
    table = _SECRET if table is None else table
    memo: dict[tuple[str, str, str], str] = {}
    planted: list[str] = []

    def sub(m: re.Match[str]) -> str:
        opener, eq, name, tag = m.groups()
        marked = opener == "«"
        if eq:
            out = (given or {})[name]
        else:
            key = (opener, name, tag or "")
            sticky = bool(tag) or (not marked and name in _STABLE)
            if sticky and key in memo:
                out = memo[key]
            else:
                out = (table if marked else _FILL)[name](r)
                if sticky:
                    memo[key] = out
        if marked and out not in planted:
            planted.append(out)
        return out

    body = _PH.sub(sub, text)
    return tuple(body.strip("\n").split("\n")), tuple(planted)


def _sec(r: random.Random, kind: str) -> str:
    return _SECRET[kind](r)


def _fill(r: random.Random, kind: str) -> str:
    return _FILL[kind](r)


_TEMPLATES: list[tuple[str, str, str | Callable[[random.Random], Rendered]]] = []


def _t(family: str, fmt: str, body: str | Callable[[random.Random], Rendered]) -> None:
    _TEMPLATES.append((family, fmt, body))


def _join(head: Rendered, extra_lines: list[str], extra_values: list[str]) -> Rendered:
    vals = list(head[1])
    for v in extra_values:
        if v not in vals:
            vals.append(v)
    return head[0] + tuple(extra_lines), tuple(vals)


# ---------------------------------------------------------------------------
# families: JSON and structured loggers
# ---------------------------------------------------------------------------

F = "json_escaped"
_t(
    F,
    "jsonesc_msg_login",
    r"""
‹ts› INFO  [‹svc›] request body: "{\"event\":\"login\",\"user\":\"‹user›\",\"‹pwkey›\":\"«pw»\",\"remember\":true}"
""",
)
_t(
    F,
    "jsonesc_docker_jsonfile",
    r"""
{"log":"{\"level\":\"debug\",\"msg\":\"stripe client init\",\"api_key\":\"«stripe_sk»\"}\n","stream":"stdout","time":"‹ts›"}
""",
)
_t(
    F,
    "jsonesc_double_fluentbit",
    r"""
{"date":‹epoch›.123,"log":"{\"log\":\"{\\\"auth\\\":{\\\"token\\\":\\\"«ghp»\\\"}}\\n\",\"stream\":\"stderr\"}","kubernetes":{"pod_name":"‹svc›-7d9f8","namespace_name":"‹env›"}}
""",
)
_t(
    F,
    "jsonesc_cloudwatch_export",
    r"""
{"timestamp": ‹epochms›, "message": "{\"headers\":{\"x-api-key\":\"«google_api»\",\"accept\":\"*/*\"},\"path\":\"/v2/geocode\"}", "logStream": "‹svc›/‹hex8›"}
""",
)
_t(
    F,
    "jsonesc_unicode_quotes",
    r"""
‹ts› WARN payload="\u0022‹pwkey›\u0022:\u0022«pwsafe»\u0022,\u0022user\u0022:\u0022‹user›\u0022"
""",
)
_t(
    F,
    "jsonesc_env_array",
    r"""
‹ts› task-def registered: "{\"containerDefinitions\":[{\"environment\":[{\"name\":\"‹PWKEY›\",\"value\":\"«pw»\"},{\"name\":\"PORT\",\"value\":\"8080\"}]}]}"
""",
)
_t(
    F,
    "jsonesc_escaped_slashes",
    r"""
{"level":"error","msg":"fetch failed","url":"https:\/\/‹user›:«urlpw»@‹host›\/api\/v1\/export","attempt":3}
""",
)
_t(
    F,
    "jsonesc_pretty_with_newlines",
    r"""
‹ts› DEBUG token response body="{\n  \"access_token\": \"«b64url»\",\n  \"token_type\": \"Bearer\",\n  \"expires_in\": 3600\n}"
""",
)
_t(
    F,
    "jsonesc_graphql_variables",
    r"""
‹ts› gql op=CreateDeployKey vars="{\"input\":{\"repo\":\"‹repo›\",\"token\":\"«github_pat»\"}}" duration_ms=‹num›
""",
)
_t(
    F,
    "jsonesc_python_json_in_repr",
    r"""
INFO:‹svc›:sending '{"client_id": "‹uuid›", "client_secret": "«azure_cs»"}' to https://login.microsoftonline.com
""",
)
_t(
    F,
    "jsonesc_double_in_sql_string",
    r"""
‹ts› LOG:  statement: INSERT INTO outbox(payload) VALUES ('{"headers":"{\\"Authorization\\":\\"Bearer «openai»\\"}"}')
""",
)

F = "logfmt"
_t(
    F,
    "logfmt_dsn",
    r"""
time=‹ts› level=info msg="opening pool" dsn="postgres://‹user›:«urlpw»@‹host›:5432/‹db›?sslmode=require" max_conns=20
""",
)
_t(
    F,
    "logfmt_plain_password",
    r"""
time=‹ts› level=debug component=auth user=‹user› ‹pwkey›=«pwsafe» attempt=2 result=denied
""",
)
_t(
    F,
    "logfmt_heroku_router",
    r"""
at=info method=POST path="/webhooks/inbound?auth_token=«hex40»" host=‹host› request_id=‹uuid› fwd="‹ip›" dyno=web.1 connect=1ms service=34ms status=204 bytes=0
""",
)
_t(
    F,
    "logfmt_go_kit",
    r"""
ts=‹ts› caller=client.go:88 component=dd-forwarder msg="retrying after 403" api_key=«dd_api» app_key=«dd_app»
""",
)
_t(
    F,
    "logfmt_quoted_phrase",
    r"""
level=info ts=‹ts› msg="unlocking keystore" keystore=/var/lib/‹svc›/keys.db passphrase="«phrase»"
""",
)
_t(
    F,
    "logfmt_refresh_token",
    r"""
level=warn ts=‹ts› msg="token refresh failed" client=‹svc› refresh_token=«b64url» err="invalid_grant"
""",
)
_t(
    F,
    "logfmt_escaped_json_value",
    r"""
level=debug ts=‹ts› msg="card op" body="{\"pan_last4\":\"4242\",\"pin\":\"«pin»\"}" span=‹hex8›
""",
)
_t(
    F,
    "logfmt_loki_push",
    r"""
level=error ts=‹ts› caller=push.go:152 msg="push failed" url=https://logs-prod.grafana.net/loki/api/v1/push basic_auth_password=«glsa» status=401
""",
)
_t(
    F,
    "logfmt_vector_sink",
    r"""
‹ts›  WARN sink{component_kind="sink" component_id=splunk_hec}: vector::sinks::util::retries: Retrying after error. token="«uuid_secret»" error=Forbidden
""",
)

F = "json_lines"
_t(
    F,
    "jsonl_bunyan_req_headers",
    r"""
{"name":"‹svc›","hostname":"‹host›","pid":‹pid›,"level":30,"req":{"method":"POST","url":"/v1/chat","headers":{"authorization":"Bearer «openai»","content-type":"application/json"}},"msg":"outbound request","time":"‹ts›","v":0}
""",
)
_t(
    F,
    "jsonl_pino_set_cookie",
    r"""
{"level":30,"time":‹epochms›,"pid":‹pid›,"hostname":"‹host›","reqId":"req-‹num›","res":{"statusCode":200,"headers":{"set-cookie":"sid=«b64url»; Path=/; HttpOnly; Secure"}},"responseTime":12,"msg":"request completed"}
""",
)
_t(
    F,
    "jsonl_gelf_underscore",
    r"""
{"version":"1.1","host":"‹host›","short_message":"smtp relay configured","timestamp":‹epoch›.512,"level":6,"_relay_user":"‹email›","_relay_password":"«pw»","_facility":"‹svc›"}
""",
)
_t(
    F,
    "jsonl_ecs_dotted",
    r"""
{"@timestamp":"‹ts›","log.level":"info","message":"mail sent","service.name":"‹svc›","http.request.headers.authorization":"Bearer «sendgrid»","ecs.version":"8.11.0"}
""",
)
_t(
    F,
    "jsonl_winston_nested",
    r"""
{"level":"debug","message":"transport config","smtp":{"host":"smtp.‹dom›","port":587,"auth":{"user":"‹email›","pass":"«pw»"}},"timestamp":"‹ts›"}
""",
)
_t(
    F,
    "jsonl_fluentd_tagged",
    r"""
‹ts› ‹svc›.access: {"remote":"‹ip›","method":"GET","path":"/maps/api/geocode/json?address=Berlin&key=«google_api»","code":"200"}
""",
)
_t(
    F,
    "jsonl_structlog",
    r"""
{"event": "vault login ok", "token": "«vault»", "policies": ["default", "‹svc›"], "logger": "‹svc›.secrets", "level": "info", "timestamp": "‹ts›"}
""",
)
_t(
    F,
    "jsonl_jq_pretty",
    r"""
$ jq . /var/log/‹svc›/last-request.json
{
  "method": "POST",
  "url": "https://api.‹dom›/oauth/token",
  "form": {
    "client_id": "‹uuid›",
    "client_secret": "«alnum»"
  }
}
""",
)
_t(
    F,
    "jsonl_ndjson_two_records",
    r"""
{"ts":"‹ts›","svc":"‹svc›","msg":"provisioned","db_password":"«pw»"}
{"ts":"‹ts›","svc":"‹svc›","msg":"provisioned","redis_password":"«b64»"}
""",
)
_t(
    F,
    "jsonl_gcp_jsonpayload",
    r"""
{"insertId":"‹hex8›","jsonPayload":{"message":"calling twilio","account":"AC‹hex32f›","auth_token":"«hex32»"},"severity":"DEBUG","logName":"projects/‹svc›/logs/app"}
""",
)

F = "go_loggers"
_t(
    F,
    "zap_console_tabs",
    r"""
‹ts›‹TAB›INFO‹TAB›auth/handler.go:77‹TAB›issued session‹TAB›{"user": "‹user›", "session_token": "«hex64»"}
""",
)
_t(
    F,
    "zap_json",
    r"""
{"level":"debug","ts":‹epoch›.4821,"caller":"storage/s3.go:41","msg":"s3 client","accessKeyID":"‹akid›","secretAccessKey":"«aws_secret»","region":"‹region›"}
""",
)
_t(
    F,
    "slog_text_group",
    r"""
time=‹ts› level=INFO msg="connecting" cfg.host=‹host› cfg.user=‹user› cfg.password=«pw» cfg.tls=true
""",
)
_t(
    F,
    "slog_json_group",
    r"""
{"time":"‹ts›","level":"DEBUG","source":{"function":"main.run","file":"/src/main.go","line":58},"msg":"npm publish","registry":{"url":"https://registry.npmjs.org/","token":"«npm»"}}
""",
)
_t(
    F,
    "logrus_text",
    r"""
time="‹ts›" level=info msg="webhook registered" endpoint="https://‹host›/hooks/stripe" signing_secret=«whsec»
""",
)
_t(
    F,
    "zerolog_json",
    r"""
{"level":"info","service":"‹svc›","gitlab_token":"«glpat»","project":"‹repo›","time":"‹ts›","message":"mirroring"}
""",
)
_t(
    F,
    "klog_bearer",
    r"""
I1203 ‹time›.‹num6›   ‹pid› round_trippers.go:466] curl -v -XGET  -H "Accept: application/json" -H "Authorization: Bearer «b64url»" 'https://‹host›:6443/api/v1/namespaces/‹env›/pods'
""",
)
_t(
    F,
    "hclog_plugin",
    r"""
‹ts› [DEBUG] provider.terraform-provider-tfe: configuring client: hostname=app.terraform.io token=«tfc»
""",
)
_t(
    F,
    "zap_sugared_kv",
    r"""
‹ts›‹TAB›WARN‹TAB›notify/slack.go:23‹TAB›slack post failed‹TAB›{"channel": "#‹word›-alerts", "bot_token": "«xoxb»", "status": 429}
""",
)

F = "jvm_dotnet_loggers"
_t(
    F,
    "log4j2_json_layout",
    r"""
{"instant":{"epochSecond":‹epoch›,"nanoOfSecond":‹num6›000},"thread":"main","level":"INFO","loggerName":"com.‹word›.db.Pool","message":"jdbc url=jdbc:postgresql://‹host›:5432/‹db›?user=‹user›&password=«urlpw»","endOfBatch":false,"loggerFqcn":"org.apache.logging.log4j.spi.AbstractLogger"}
""",
)
_t(
    F,
    "log4j2_pattern_header",
    r"""
‹tsc› DEBUG [http-nio-8080-exec-‹num›] c.‹word›.security.ApiKeyFilter - inbound key check X-Api-Key=«alnum» path=/internal/reindex
""",
)
_t(
    F,
    "serilog_clef",
    r"""
{"@t":"‹ts›","@mt":"Connecting with {ConnectionString}","@l":"Debug","ConnectionString":"Server=‹host›,1433;Database=‹db›;User Id=‹user›;Password=«pw»;Encrypt=True","SourceContext":"‹Word›.Data.Db"}
""",
)
_t(
    F,
    "serilog_text_destructured",
    r"""
[‹time› INF] Token acquired {"AccessToken": "«b64»", "ExpiresIn": 3599, "TokenType": "Bearer"}
""",
)
_t(
    F,
    "logback_mdc_brackets",
    r"""
‹tsc› [scheduler-1] INFO  c.‹word›.jobs.Sync [tenant=‹org›, apiSecret=«hex40», run=‹num›] - sync finished in 812 ms
""",
)
_t(
    F,
    "nlog_pipes",
    r"""
‹tsc›|DEBUG|‹Word›.Smtp.Sender|Sending with credentials ‹user›/«pw» via smtp.‹dom›:587
""",
)
_t(
    F,
    "aspnet_ilogger_two_line",
    r"""
info: ‹Word›.Startup[0]
      Redis configured: ‹host›:6380,password=«b64»,ssl=True,abortConnect=False
""",
)
_t(
    F,
    "jul_two_line",
    r"""
Dec 03, 2026 10:11:12 AM com.‹word›.client.Gateway connect
INFO: using merchant secret «hex32» for terminal ‹num›
""",
)
_t(
    F,
    "spring_boot_startup",
    r"""
‹tsc›  INFO 1 --- [           main] o.s.b.c.c.ConfigDataEnvironment : Resolved spring.mail.password=«pw» from configserver
""",
)

# ---------------------------------------------------------------------------
# families: language object dumps
# ---------------------------------------------------------------------------

F = "python_repr"
_t(
    F,
    "py_logging_dict",
    r"""
INFO:‹svc›.auth:login payload={'username': '‹user›', '‹pwkey›': '«pw»', 'remember_me': True}
""",
)
_t(
    F,
    "py_boto3_kwargs",
    r"""
DEBUG:botocore.client:client('s3', region_name='‹region›', aws_access_key_id='‹akid›', aws_secret_access_key='«aws_secret»')
""",
)
_t(
    F,
    "py_dataclass_repr",
    r"""
‹ts› settings loaded: Settings(db_host='‹host›', db_user='‹user›', db_password='«pw»', debug=False, workers=4)
""",
)
_t(
    F,
    "py_requests_headers",
    r"""
DEBUG:‹svc›.http:headers={'User-Agent': 'python-requests/2.32.3', 'Accept': '*/*', 'Authorization': 'token «ghp»'}
""",
)
_t(
    F,
    "py_ordereddict",
    r"""
WARNING:oauthlib:Token request params OrderedDict([('grant_type', 'client_credentials'), ('client_id', '‹uuid›'), ('client_secret', '«alnum»')])
""",
)
_t(
    F,
    "py_environ_repr",
    r"""
DEBUG:root:environ({'HOME': '/home/‹user›', 'LANG': 'C.UTF-8', 'SLACK_BOT_TOKEN': '«xoxb»', 'PATH': '/usr/local/bin:/usr/bin'})
""",
)
_t(
    F,
    "py_celery_kwargs",
    r"""
[‹tsc›: INFO/MainProcess] Task ‹svc›.tasks.sync_account[‹uuid›] received args=('‹user›',) kwargs={'api_token': '«linear»', 'full': True}
""",
)
_t(
    F,
    "py_bytes_repr",
    r"""
DEBUG:asyncio:recv b'{"status": "ok", "recovery_code": "«recovery»"}\r\n'
""",
)
_t(
    F,
    "py_pprint_multiline",
    r"""
>>> pprint(cfg)
{'database': {'host': '‹host›',
              'password': '«pw»',
              'port': 5432},
 'sentry': {'auth_token': '«sentry»'}}
""",
)
_t(
    F,
    "py_namedtuple_in_exception",
    r"""
ValueError: bad credentials: Creds(user='‹user›', secret='«hex32»', realm='‹dom›')
""",
)

F = "ruby_hash"
_t(
    F,
    "ruby_rocket_symbols",
    r"""
‹ts› DEBUG -- : mailer opts {:address=>"smtp.‹dom›", :user_name=>"‹email›", :password=>"«pw»", :port=>587}
""",
)
_t(
    F,
    "ruby_rails_params",
    r"""
Started POST "/integrations" for ‹ip› at 2026-12-03 10:11:12 +0000
Processing by IntegrationsController#create as JSON
  Parameters: {"integration"=>{"kind"=>"pagerduty", "routing_key"=>"«hex32»"}, "commit"=>"Save"}
""",
)
_t(
    F,
    "ruby_34_inspect",
    r"""
I, [‹ts› #‹pid›]  INFO -- : config={host: "‹host›", user: "‹user›", password: "«pw»", pool: 5}
""",
)
_t(
    F,
    "ruby_struct_inspect",
    r"""
#<struct Credentials user="‹user›", secret="«b58»", scope="read">
""",
)
_t(
    F,
    "ruby_object_ivars",
    r"""
NoMethodError: undefined method `call' for #<Stripe::Client:0x000055d4c8a1b2c0 @api_key="«stripe_sk»", @max_retries=2>
""",
)
_t(
    F,
    "ruby_sidekiq_job",
    r"""
‹ts› pid=‹pid› tid=‹hex8› class=WebhookDeliveryJob jid=‹hex8›‹hex8@2› INFO: start args=["«whsec»", "https://‹host›/hook"]
""",
)
_t(
    F,
    "ruby_env_to_h",
    r"""
irb(main):001:0> ENV.to_h.slice("RAILS_ENV", "SECRET_KEY_BASE")
=> {"RAILS_ENV"=>"production", "SECRET_KEY_BASE"=>"«hex128»"}
""",
)
_t(
    F,
    "ruby_faraday_logger",
    r"""
INFO -- request: POST https://api.‹dom›/v1/charges
DEBUG -- request: Authorization: "Basic «basic_b64»"
""",
)

F = "php_dumps"
_t(
    F,
    "php_var_export",
    r"""
array (
  'driver' => 'mysql',
  'host' => '‹host›',
  'username' => '‹user›',
  'password' => '«pw»',
)
""",
)
_t(
    F,
    "php_print_r",
    r"""
Array
(
    [api_key] => «mailgun»
    [domain] => mg.‹dom›
    [mode] => live
)
""",
)


def _php_var_dump(r: random.Random) -> Rendered:
    user, pw = _fill(r, "user"), _sec(r, "pw")
    return _render(
        r,
        r"""
array(2) {
  ["user"]=>
  string(‹=ul›) "‹=u›"
  ["pass"]=>
  string(‹=pl›) "«=p»"
}
""",
        {"u": user, "ul": str(len(user)), "p": pw, "pl": str(len(pw))},
    )


def _php_serialize(r: random.Random) -> Rendered:
    user = _fill(r, "user")
    return _render(
        r,
        r"""
‹ts› session data: a:3:{s:4:"user";s:‹=ul›:"‹=u›";s:9:"api_token";s:40:"«hex40»";s:4:"lang";s:2:"en";}
""",
        {"u": user, "ul": str(len(user))},
    )


_t(F, "php_var_dump", _php_var_dump)
_t(
    F,
    "php_laravel_dd_env",
    r"""
  "APP_ENV" => "production"
  "STRIPE_SECRET" => "«stripe_sk»"
  "MAIL_MAILER" => "smtp"
""",
)
_t(
    F,
    "php_stdclass",
    r"""
stdClass Object
(
    [access_token] => «shpat»
    [scope] => read_orders,write_products
)
""",
)
_t(F, "php_serialize", _php_serialize)
_t(
    F,
    "php_monolog_context",
    r"""
[‹ts›] app.DEBUG: SFTP connect {"host":"‹host›","username":"‹user›","password":"«pw»"} []
""",
)
_t(
    F,
    "php_fpm_stack_args",
    r"""
PHP Fatal error:  Uncaught PDOException: SQLSTATE[HY000] [1045] Access denied in /var/www/app/db.php:12
Stack trace:
#0 /var/www/app/db.php(12): PDO->__construct('mysql:host=‹host›...', '‹user›', '«pw»')
#1 {main}
""",
)

F = "go_struct_dumps"
_t(
    F,
    "go_plus_v",
    r"""
‹ts› loaded config: {Host:‹host› Port:5432 User:‹user› Password:«pw» SSLMode:require MaxConns:20}
""",
)
_t(
    F,
    "go_hash_v",
    r"""
cfg = &config.SMTP{Host:"smtp.‹dom›", Port:587, Username:"‹email›", Password:"«pw»", StartTLS:true}
""",
)
_t(
    F,
    "go_nested_plus_v",
    r"""
‹ts› aws session: &{Region:‹region› Creds:{AccessKeyID:‹akid› SecretAccessKey:«aws_secret» SessionToken:«aws_session» Source:EnvConfigCredentials}}
""",
)
_t(
    F,
    "go_map_v",
    r"""
panic: unexpected response map[api_key:«pmak» error:unauthorized status:401]
""",
)
_t(
    F,
    "go_http_header_v",
    r"""
‹ts› DEBUG req.Header=map[Accept:[application/json] Authorization:[Bearer «do_pat»] User-Agent:[godo/1.109.0]]
""",
)
_t(
    F,
    "go_spew_dump",
    r"""
(*main.Options)(0xc000124000)({
 Endpoint: (string) (len=32) "https://‹host›",
 Token: (string) (len=40) "«cf_token»",
 Retries: (int) 3
})
""",
)
_t(
    F,
    "go_exec_args_hash_v",
    r"""
‹ts› exec.Cmd args=[]string{"pg_dump", "-h", "‹host›", "--dbname=postgresql://‹user›:«urlpw»@‹host›/‹db›"}
""",
)

F = "rust_debug"
_t(
    F,
    "rust_debug_inline",
    r"""
[‹ts› DEBUG ‹word›_svc::config] loaded Config { database_url: "postgres://‹user›:«urlpw»@‹host›:5432/‹db›", workers: 4, tls: true }
""",
)
_t(
    F,
    "rust_debug_pretty",
    r"""
Settings {
    listen: 0.0.0.0:8080,
    s3: S3Settings {
        bucket: "‹word›-artifacts",
        access_key: "‹akid›",
        secret_key: "«aws_secret»",
    },
}
""",
)
_t(
    F,
    "rust_headermap_debug",
    r"""
‹ts› TRACE hyper::client: headers={"host": "api.‹dom›", "authorization": "Bearer «anthropic»", "content-length": "512"}
""",
)
_t(
    F,
    "rust_tracing_fields",
    r"""
‹ts› DEBUG request{method=POST uri=/v1/upload}: ‹word›::upload: signing with hmac_key="«b64»"
""",
)
_t(
    F,
    "rust_option_some",
    r"""
thread 'main' panicked at src/main.rs:41:10:
called `Result::unwrap()` on an `Err` value: AuthFailed(Credentials { user: "‹user›", password: Some("«pw»") })
""",
)
_t(
    F,
    "rust_enum_tuple",
    r"""
‹ts› WARN ‹word›::auth: rejected Auth::ApiKey("«hf»") for model ‹word›-7b
""",
)
_t(
    F,
    "rust_anyhow_chain",
    r"""
Error: failed to connect to redis

Caused by:
    0: rediss://default:«urlpw»@‹host›:6380/0
    1: Connection refused (os error 111)
""",
)

F = "jvm_tostring"
_t(
    F,
    "java_tostring_braces",
    r"""
‹tsc› INFO  DataSourceFactory - building DataSourceConfig{url='jdbc:mysql://‹host›:3306/‹db›', username='‹user›', password='«pw»', poolSize=10}
""",
)
_t(
    F,
    "lombok_parens",
    r"""
‹tsc› DEBUG MailConfig - SmtpProperties(host=smtp.‹dom›, port=587, username=‹email›, password=«pw», starttls=true)
""",
)
_t(
    F,
    "kotlin_data_class",
    r"""
‹tsc› I/AuthRepo: cached ApiCredentials(clientId=‹uuid›, clientSecret=«alnum», expiresAt=‹epochms›)
""",
)
_t(
    F,
    "scala_case_class",
    r"""
[info] OAuthConfig(‹svc›,«b64url»,https://auth.‹dom›/token,List(read, write))
""",
)
_t(
    F,
    "java_map_tostring",
    r"""
‹tsc› WARN  HttpClient - retrying with headers {Accept=application/json, X-Auth-Token=«hex40», X-Request-Source=‹svc›}
""",
)
_t(
    F,
    "java_properties_tostring",
    r"""
‹tsc› DEBUG Bootstrap - effective props {spring.datasource.password=«pw», server.port=8080, spring.profiles.active=‹env›}
""",
)
_t(
    F,
    "java_record",
    r"""
‹tsc› INFO  TokenClient - got TokenResponse[accessToken=«b64url», tokenType=Bearer, expiresIn=3600]
""",
)
_t(
    F,
    "java_arrays_tostring",
    r"""
‹tsc› DEBUG ProcessRunner - launching [keytool, -importkeystore, -srcstorepass, «pwsafe», -deststorepass, «pwsafe@2», -noprompt]
""",
)

F = "dotnet_powershell"
_t(
    F,
    "csharp_anonymous",
    r"""
‹tsc› [DBG] Posting { UserName = ‹user›, Password = «pw», Domain = ‹WORD› } to /api/session
""",
)
_t(
    F,
    "csharp_record",
    r"""
‹tsc› [INF] Options bound: DbOptions { Host = ‹host›, Database = ‹db›, Password = «pw», Pooling = True }
""",
)
_t(
    F,
    "powershell_format_list",
    r"""
PS C:\> Get-StoredCredential -Target ‹svc› | Format-List

UserName : ‹user›
Password : «pw»
Type     : Generic
""",
)
_t(
    F,
    "powershell_hashtable",
    r"""
Name                           Value
----                           -----
ApiKey                         «azure_key»
Endpoint                       https://‹word›.blob.core.windows.net
""",
)
_t(
    F,
    "powershell_convertto_securestring",
    r"""
PS C:\deploy> $pw = ConvertTo-SecureString '«pw»' -AsPlainText -Force
PS C:\deploy> New-LocalUser -Name ‹user› -Password $pw
""",
)
_t(
    F,
    "dotnet_user_secrets_list",
    r"""
PS> dotnet user-secrets list
Stripe:SecretKey = «stripe_sk»
ConnectionStrings:Default = Server=(localdb)\mssqllocaldb;Database=‹db›
""",
)
_t(
    F,
    "dotnet_exception_data",
    r"""
System.Net.Http.HttpRequestException: Response status code does not indicate success: 401 (Unauthorized).
   Data: [ClientSecret, «azure_cs»] [TenantId, ‹uuid›]
""",
)

F = "beam_terms"
_t(
    F,
    "phoenix_params_map",
    r"""
‹time›.123 [debug] Processing with ‹Word›Web.WebhookController.create/2
  Parameters: %{"api_key" => "«hex32»", "format" => "json"}
""",
)
_t(
    F,
    "elixir_keyword_list",
    r"""
‹time›.412 [info] Repo config: [username: "‹user›", password: "«pw»", hostname: "‹host›", pool_size: 10]
""",
)
_t(
    F,
    "elixir_struct",
    r"""
%‹Word›.Creds{token: "«b58»", user_id: ‹num›, expires_at: ~U[2026-12-04 10:11:12Z]}
""",
)
_t(
    F,
    "erlang_proplist_binaries",
    r"""
=INFO REPORT==== 3-Dec-2026::10:11:12.345 ===
    connecting with [{user,<<"‹user›">>},{password,<<"«pw»">>},{host,"‹host›"}]
""",
)
_t(
    F,
    "erlang_crash_tuple",
    r"""
** exception error: no match of right hand side value {error,{auth_failed,"‹user›","«pw»"}}
""",
)
_t(
    F,
    "elixir_logger_metadata",
    r"""
‹time›.009 request_id=‹hex8› webhook_secret=«whsec» [info] Sent 200 in 4ms
""",
)

F = "lisp_lua_perl"
_t(
    F,
    "clojure_map",
    r"""
‹ts› INFO ‹word›.db - connecting {:dbtype "postgresql", :host "‹host›", :user "‹user›", :password "«pw»"}
""",
)
_t(
    F,
    "clojure_edn_namespaced",
    r"""
{:aws/region "‹region›" :aws/access-key "‹akid›" :aws/secret-key "«aws_secret»"}
""",
)
_t(
    F,
    "lua_table_keys",
    r"""
{ host = "‹host›", port = 6379, password = "«pw»", db = 0 }
""",
)
_t(
    F,
    "lua_bracket_keys",
    r"""
[‹ts›] nginx lua: auth conf = {["api_key"] = "«alnum»", ["upstream"] = "‹host›"}
""",
)
_t(
    F,
    "perl_data_dumper",
    r"""
$VAR1 = {
          'dsn' => 'dbi:Pg:dbname=‹db›;host=‹host›',
          'user' => '‹user›',
          'pass' => '«pw»'
        };
""",
)
_t(
    F,
    "perl_die_hashref",
    r"""
Can't connect: HASH(0x55d0c2a8) {token => "«telegram»", chat => -100‹num›} at bot.pl line 42.
""",
)
_t(
    F,
    "scheme_alist",
    r"""
((user . "‹user›") (password . "«pw»") (host . "‹host›"))
""",
)
_t(
    F,
    "haskell_show_record",
    r"""
Config {cfgHost = "‹host›", cfgUser = "‹user›", cfgPassword = "«pw»", cfgPort = 5432}
""",
)

# ---------------------------------------------------------------------------
# families: URL encodings
# ---------------------------------------------------------------------------

F = "urlencoded_form"
_t(
    F,
    "form_client_credentials",
    r"""
POST /oauth2/token HTTP/1.1
Content-Type: application/x-www-form-urlencoded

grant_type=client_credentials&client_id=‹uuid›&client_secret=«pctb64»&scope=api
""",
)
_t(
    F,
    "form_login_plus_spaces",
    r"""
‹ts› body: username=‹user›&password=«formphrase»&remember=on&csrf=‹hex8›
""",
)
_t(
    F,
    "form_nginx_request_body",
    r"""
‹ip› - - [‹tsb›] "POST /login HTTP/1.1" 302 0 "-" "Mozilla/5.0" "user=‹user›&pass=«pctpw»"
""",
)
_t(
    F,
    "form_curl_data",
    r"""
$ curl -v -d 'user=‹user›&password=«pctpw»' https://‹host›/api/login
> Content-Type: application/x-www-form-urlencoded
""",
)
_t(
    F,
    "form_google_refresh",
    r"""
‹ts› POST https://oauth2.googleapis.com/token body=client_id=‹num›-‹hex8›.apps.googleusercontent.com&client_secret=«gocspx»&refresh_token=«pct_refresh»&grant_type=refresh_token
""",
)
_t(
    F,
    "form_double_encoded",
    r"""
‹ts› redirect target=/sso/callback%3Fnext%3D%252Fhome%26pw%3D«pct2pw»
""",
)
_t(
    F,
    "form_har_postdata",
    r"""
"postData": {
  "mimeType": "application/x-www-form-urlencoded",
  "text": "login=‹user›&passwd=«pctpw»&otp=«pin»"
},
""",
)
_t(
    F,
    "form_php_input_log",
    r"""
[‹ts›] php://input = email=‹user›%40‹dom›&new_password=«pctpw@1»&confirm=«pctpw@1»
""",
)
_t(
    F,
    "form_twilio_basic_and_body",
    r"""
POST /2010-04-01/Accounts/AC‹hex32f›/Messages.json HTTP/1.1
Authorization: Basic «basic_b64»
Content-Type: application/x-www-form-urlencoded

To=%2B4915‹num6›&From=%2B1415‹num6›&Body=Your+code+is+«pin»
""",
)

F = "query_strings"
_t(
    F,
    "qs_access_log",
    r"""
‹ip› - - [‹tsb›] "GET /api/v1/items?api_key=«alnum»&page=2 HTTP/1.1" 200 5123 "-" "curl/8.5.0"
""",
)
_t(
    F,
    "qs_s3_presigned",
    r"""
https://‹word›-exports.s3.‹region›.amazonaws.com/report.csv?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=‹akid›%2F20261203%2F‹region›%2Fs3%2Faws4_request&X-Amz-Date=20261203T101112Z&X-Amz-Expires=3600&X-Amz-Security-Token=«pct_session»&X-Amz-SignedHeaders=host&X-Amz-Signature=«hex64»
""",
)
_t(
    F,
    "qs_azure_sas",
    r"""
‹ts› GET https://‹word›.blob.core.windows.net/backups/db.bak?sv=2022-11-02&ss=b&srt=o&sp=r&se=2026-12-04T10:11:12Z&spr=https&sig=«pctb64» 403
""",
)
_t(
    F,
    "qs_access_token_param",
    r"""
‹ts› WARN proxy: upstream GET /graph/v19.0/me?fields=id,name&access_token=«fb» took 2311ms
""",
)
_t(
    F,
    "qs_slack_webhook_path",
    r"""
‹ts› notifier: POST https://hooks.slack.com/services/T0‹upper8›/B0‹upper8›/«slack_hook» -> 404 no_service
""",
)
_t(
    F,
    "qs_nested_redirect",
    r"""
‹ts› 302 Location: /login?next=%2Fadmin%2Fexport%3Ftoken%3D«alnum»%26fmt%3Dcsv
""",
)
_t(
    F,
    "qs_websocket_token",
    r"""
‹ts› ws upgrade wss://‹host›/socket/websocket?vsn=2.0.0&token=«b64url» from ‹ip›
""",
)
_t(
    F,
    "qs_referer_reset_token",
    r"""
‹ip› - - [‹tsb›] "GET /static/app.js HTTP/2.0" 200 88211 "https://‹host›/account/reset?reset_token=«hex32»&uid=‹num›" "Mozilla/5.0"
""",
)
_t(
    F,
    "qs_maps_key_script",
    r"""
<script src="https://maps.googleapis.com/maps/api/js?key=«google_api»&libraries=places&callback=initMap"></script>
""",
)
_t(
    F,
    "qs_haproxy_captured",
    r"""
‹time› ‹host› haproxy[‹pid›]: ‹ip›:‹port› [03/Dec/2026:10:11:12.345] fe_https be_api/api2 0/0/1/12/13 200 431 - - ---- 5/5/0/0/0 0/0 "GET /v2/stats?apikey=«hex32»&range=24h HTTP/1.1"
""",
)

# ---------------------------------------------------------------------------
# families: base64 blobs (encoded secrets; planted value is the encoded form)
# ---------------------------------------------------------------------------

F = "base64_blobs"
_t(
    F,
    "b64_curl_basic",
    r"""
$ curl -v https://‹host›/api/health
> GET /api/health HTTP/1.1
> Host: ‹host›
> Authorization: Basic «basic_b64»
> User-Agent: curl/8.5.0
""",
)
_t(
    F,
    "b64_proxy_authorization",
    r"""
‹tsb2› [info] squid: CONNECT ‹host›:443 hdr="Proxy-Authorization: Basic «basic_b64»"
""",
)


def _b64_k8s_secret(r: random.Random) -> Rendered:
    return _render(
        r,
        r"""
apiVersion: v1
kind: Secret
metadata:
  name: ‹svc›-db
type: Opaque
data:
  username: ‹=u›
  password: «=p»
  api-key: «=k»
""",
        {"u": _b64s(_fill(r, "user")), "p": _b64s(_sec(r, "pw")), "k": _b64s(_sec(r, "alnum"))},
    )


def _b64_dockerconfigjson(r: random.Random) -> Rendered:
    host, user, tok = f"registry.{_fill(r, 'dom')}", _fill(r, "user"), _sec(r, "dckr")
    cfg = json.dumps(
        {"auths": {host: {"username": user, "password": tok, "auth": _b64s(f"{user}:{tok}")}}},
        separators=(",", ":"),
    )
    return _render(
        r,
        r"""
$ kubectl get secret regcred -n ‹env› -o yaml
apiVersion: v1
data:
  .dockerconfigjson: «=b»
kind: Secret
type: kubernetes.io/dockerconfigjson
""",
        {"b": _b64s(cfg)},
    )


def _b64_docker_config_auth(r: random.Random) -> Rendered:
    user, pw = _fill(r, "user"), _sec(r, "pwsafe")
    return _render(
        r,
        r"""
$ cat ~/.docker/config.json
{
    "auths": {
        "registry.‹dom›": {
            "auth": "«=a»"
        }
    },
    "credsStore": ""
}
""",
        {"a": _b64s(f"{user}:{pw}")},
    )


def _b64_yaml_blob(r: random.Random) -> Rendered:
    y = f"redis:\n  host: {_fill(r, 'host')}\n  password: {_sec(r, 'pw')}\nreplicas: 3\n"
    return _render(
        r,
        r"""
$ kubectl get secret ‹svc›-values -o jsonpath='{.data.values\.yaml}'
«=b»
""",
        {"b": _b64s(y)},
    )


def _b64_json_creds_env(r: random.Random) -> Rendered:
    proj = f"{_fill(r, 'word')}-{r.randrange(100000, 999999)}"
    blob = json.dumps(
        {
            "type": "service_account",
            "project_id": proj,
            "private_key_id": _hex(r, 40),
            "client_email": f"deployer@{proj}.iam.gserviceaccount.com",
        }
    )
    return _render(
        r,
        r"""
‹ts› [ci] GOOGLE_CREDENTIALS_B64=«=b»
""",
        {"b": _b64s(blob)},
    )


def _b64_echo_pipeline(r: random.Random) -> Rendered:
    user, pw = _fill(r, "user"), _sec(r, "pwsafe")
    return _render(
        r,
        r"""
$ echo -n '‹=u›:«=p»' | base64
«=b»
""",
        {"u": user, "p": pw, "b": _b64s(f"{user}:{pw}")},
    )


def _b64_smtp_auth_plain(r: random.Random) -> Rendered:
    user, pw = _fill(r, "email"), _sec(r, "pw")
    return _render(
        r,
        r"""
S: 220 smtp.‹dom› ESMTP Postfix
C: EHLO ‹host›
S: 250-AUTH PLAIN LOGIN
C: AUTH PLAIN «=b»
S: 235 2.7.0 Authentication successful
""",
        {"b": _b64s(f"\0{user}\0{pw}")},
    )


def _b64_smtp_auth_login(r: random.Random) -> Rendered:
    user, pw = _fill(r, "email"), _sec(r, "pw")
    return _render(
        r,
        r"""
‹tsb2› smtp[‹pid›]: >>> AUTH LOGIN
‹tsb2› smtp[‹pid›]: <<< 334 VXNlcm5hbWU6
‹tsb2› smtp[‹pid›]: >>> ‹=u›
‹tsb2› smtp[‹pid›]: <<< 334 UGFzc3dvcmQ6
‹tsb2› smtp[‹pid›]: >>> «=p»
‹tsb2› smtp[‹pid›]: <<< 235 2.7.0 Authentication successful
""",
        {"u": _b64s(user), "p": _b64s(pw)},
    )


def _b64_git_extraheader(r: random.Random) -> Rendered:
    return _render(
        r,
        r"""
[command]/usr/bin/git -c http.https://github.com/.extraheader="AUTHORIZATION: basic «=b»" fetch --depth=1 origin ‹sha40›
""",
        {"b": _b64s("x-access-token:" + _sec(r, "ghs"))},
    )


def _b64_env_file(r: random.Random) -> Rendered:
    env = f"DB_PASSWORD={_sec(r, 'pw')}\nSTRIPE_SECRET_KEY={_sec(r, 'stripe_sk')}\n"
    return _render(
        r,
        r"""
variables:
  ENV_FILE_B64: «=b»
""",
        {"b": _b64s(env)},
    )


def _b64_kubectl_decode(r: random.Random) -> Rendered:
    tok = _sec(r, "glpat")
    return _render(
        r,
        r"""
$ kubectl -n ‹env› get secret ‹svc›-token -o jsonpath='{.data.token}'
«=b»
$ kubectl -n ‹env› get secret ‹svc›-token -o jsonpath='{.data.token}' | base64 -d
«=t»
""",
        {"b": _b64s(tok), "t": tok},
    )


_t(F, "b64_k8s_secret_data", _b64_k8s_secret)
_t(F, "b64_dockerconfigjson_outer", _b64_dockerconfigjson)
_t(F, "b64_docker_config_auth_inner", _b64_docker_config_auth)
_t(F, "b64_yaml_values_blob", _b64_yaml_blob)
_t(F, "b64_json_creds_env", _b64_json_creds_env)
_t(F, "b64_echo_pipeline", _b64_echo_pipeline)
_t(F, "b64_smtp_auth_plain", _b64_smtp_auth_plain)
_t(F, "b64_smtp_auth_login", _b64_smtp_auth_login)
_t(F, "b64_git_extraheader", _b64_git_extraheader)
_t(F, "b64_ci_env_file", _b64_env_file)
_t(F, "b64_kubectl_jsonpath_decode", _b64_kubectl_decode)

# ---------------------------------------------------------------------------
# families: hex dumps (planted: the pieces of the secret in the ASCII column)
# ---------------------------------------------------------------------------


def _dump(style: str, data: bytes, base: int = 0) -> list[str]:
    out = []
    for off in range(0, len(data), 16):
        chunk = data[off : off + 16]
        asc = "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)
        pairs = " ".join(chunk[i : i + 2].hex() for i in range(0, len(chunk), 2))
        if style == "xxd":
            out.append(f"{base + off:08x}: {pairs:<39}  {asc}")
        elif style == "hexdump":
            a = " ".join(f"{b:02x}" for b in chunk[:8])
            b2 = " ".join(f"{b:02x}" for b in chunk[8:])
            out.append(f"{base + off:08x}  {a:<23}  {b2:<23}  |{asc}|")
        elif style == "od":
            singles = " ".join(f"{b:02x}" for b in chunk)
            out.append(f"{base + off:06x} {singles:<47}  >{asc}<")
        else:  # tcpdump -X
            out.append(f"\t0x{off:04x}:  {pairs:<39}  {asc}")
    if style == "hexdump":
        out.append(f"{base + len(data):08x}")
    if style == "od":
        out.append(f"{base + len(data):06x}")
    return out


def _dump_pieces(data: bytes, secret: str) -> list[str]:
    start = data.find(secret.encode())
    assert start >= 0
    end = start + len(secret)
    pieces = []
    for off in range(0, len(data), 16):
        lo, hi = max(start, off), min(end, off + 16)
        if hi > lo:
            pieces.append(data[lo:hi].decode())
    return pieces


def _hexcase(
    style: str,
    header: str,
    payload: Callable[[random.Random], tuple[bytes, list[str]]],
    base: int = 0,
) -> Callable[[random.Random], Rendered]:
    def make(r: random.Random) -> Rendered:
        head = _render(r, header)
        for _ in range(200):  # re-roll until no line break leaves a stub shorter than 6 chars
            data, secrets = payload(r)
            pieces = [p for s in secrets for p in _dump_pieces(data, s)]
            if all(len(p) >= 6 for p in pieces):
                break
        return _join(head, _dump(style, data, base), [p for p in pieces if len(p) >= 4])

    return make


def _pl_json_body(r: random.Random) -> tuple[bytes, list[str]]:
    pw = _sec(r, "pw")
    return json.dumps({"user": _fill(r, "user"), "password": pw}).encode() + b"\n", [pw]


def _pl_dotenv(r: random.Random) -> tuple[bytes, list[str]]:
    k = _sec(r, "alnum")
    return f"APP_ENV=production\nLOG_LEVEL=info\nAPI_KEY={k}\n".encode(), [k]


def _pl_http_bearer(r: random.Random) -> tuple[bytes, list[str]]:
    t = _sec(r, "ghp")
    return (
        f"GET /user HTTP/1.1\r\nHost: api.github.com\r\nAuthorization: Bearer {t}\r\n\r\n".encode(),
        [t],
    )


def _pl_redis_auth(r: random.Random) -> tuple[bytes, list[str]]:
    pw = _sec(r, "pw")
    return f"*2\r\n$4\r\nAUTH\r\n${len(pw)}\r\n{pw}\r\n*1\r\n$4\r\nPING\r\n".encode(), [pw]


def _pl_pg_password(r: random.Random) -> tuple[bytes, list[str]]:
    pw = _sec(r, "pw")
    params = (
        b"user\0" + _fill(r, "user").encode() + b"\0database\0" + _fill(r, "db").encode() + b"\0\0"
    )
    startup = (len(params) + 8).to_bytes(4, "big") + b"\0\x03\0\0" + params
    body = pw.encode() + b"\0"
    return startup + b"p" + (len(body) + 4).to_bytes(4, "big") + body, [pw]


def _pl_ini(r: random.Random) -> tuple[bytes, list[str]]:
    pw = _sec(r, "pwsafe")
    return f"[database]\nhost = {_fill(r, 'host')}\npassword = {pw}\n".encode(), [pw]


def _pl_tcp_basic(r: random.Random) -> tuple[bytes, list[str]]:
    b = _sec(r, "basic_b64")
    return r.randbytes(40) + f"GET /admin HTTP/1.1\r\nAuthorization: Basic {b}\r\n\r\n".encode(), [
        b
    ]


def _pl_tcp_smtp(r: random.Random) -> tuple[bytes, list[str]]:
    b = _b64s(f"\0{_fill(r, 'email')}\0{_sec(r, 'pw')}")
    return r.randbytes(40) + f"AUTH PLAIN {b}\r\n".encode(), [b]


def _pl_core_env(r: random.Random) -> tuple[bytes, list[str]]:
    pw = _sec(r, "pw")
    return b"\0\0\0\0SHLVL=1\0PGPASSWORD=" + pw.encode() + b"\0HOME=/root\0\0\0", [pw]


def _pl_aws_credentials(r: random.Random) -> tuple[bytes, list[str]]:
    s = _sec(r, "aws_secret")
    return (
        f"[{_fill(r, 'env')}]\naws_access_key_id = {_fill(r, 'akid')}\naws_secret_access_key = {s}\n".encode(),
        [s],
    )


F = "hex_dumps"
_t(F, "xxd_json_body", _hexcase("xxd", "$ xxd /tmp/‹svc›-req-‹num›.json", _pl_json_body))
_t(F, "xxd_dotenv", _hexcase("xxd", "$ xxd .env | head", _pl_dotenv))
_t(
    F,
    "hexdump_c_http_bearer",
    _hexcase("hexdump", "$ hexdump -C captured-request.bin", _pl_http_bearer),
)
_t(
    F,
    "hexdump_c_redis_auth",
    _hexcase("hexdump", "$ hexdump -C /tmp/redis-‹port›.raw", _pl_redis_auth),
)
_t(
    F,
    "od_x1z_pg_password_msg",
    _hexcase("od", "$ od -A x -t x1z pg-startup-‹pid›.bin", _pl_pg_password),
)
_t(F, "od_x1z_ini", _hexcase("od", "$ od -A x -t x1z /etc/‹svc›/db.ini", _pl_ini))
_t(
    F,
    "tcpdump_x_basic",
    _hexcase(
        "tcpdump",
        "‹time›.‹num6› IP ‹ip›.‹port› > ‹ip›.80: Flags [P.], seq 1:120, ack 1, win 502, length 120",
        _pl_tcp_basic,
    ),
)
_t(
    F,
    "tcpdump_x_smtp_plain",
    _hexcase(
        "tcpdump",
        "‹time›.‹num6› IP ‹ip›.‹port› > ‹ip›.587: Flags [P.], seq 88:140, ack 301, win 502, length 52",
        _pl_tcp_smtp,
    ),
)
_t(
    F,
    "xxd_core_memory_env",
    _hexcase(
        "xxd",
        "(gdb) dump memory /tmp/stack.bin 0x7ffde2a1c000 0x7ffde2a1c040\n$ xxd -o 0x7ffde2a1c000 /tmp/stack.bin",
        _pl_core_env,
        base=0x7FFDE2A1C000,
    ),
)
_t(
    F,
    "hexdump_c_aws_credentials",
    _hexcase("hexdump", "$ sudo hexdump -C /root/.aws/credentials", _pl_aws_credentials),
)

# ---------------------------------------------------------------------------
# families: diffs
# ---------------------------------------------------------------------------

F = "git_diffs"
_t(
    F,
    "gitdiff_add_env",
    r"""
diff --git a/.env.production b/.env.production
index ‹sha7›..‹sha7› 100644
--- a/.env.production
+++ b/.env.production
@@ -3,3 +3,4 @@ APP_ENV=production
 LOG_LEVEL=info
 PORT=8080
+‹TOKKEY›=«alnum»
""",
)
_t(
    F,
    "gitdiff_replace_with_ref",
    r"""
@@ -12,7 +12,7 @@ services:
     image: postgres:16
     environment:
       POSTGRES_USER: ‹user›
-      POSTGRES_PASSWORD: «pw»
+      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD}
""",
)
_t(
    F,
    "gitdiff_rotate_two",
    r"""
--- a/config/secrets.toml
+++ b/config/secrets.toml
@@ -1,3 +1,3 @@
 [payments]
-api_key = "«stripe_sk»"
+api_key = "«stripe_sk@2»"
 webhook_timeout = 30
""",
)
_t(
    F,
    "gitlog_p",
    r"""
commit ‹sha40›
Author: ‹name› <‹email›>
Date:   Wed Dec 3 10:11:12 2026 +0000

    temp: hardcode token for local testing

diff --git a/scripts/sync.sh b/scripts/sync.sh
@@ -1,4 +1,5 @@
 #!/usr/bin/env bash
 set -euo pipefail
+export GITHUB_TOKEN=«ghp»
 gh repo sync ‹repo›
""",
)
_t(
    F,
    "gitdiff_format_patch_npmrc",
    r"""
From ‹sha40› Mon Sep 17 00:00:00 2001
From: ‹name› <‹email›>
Subject: [PATCH 2/3] ci: add npm publish step

---
 .npmrc | 1 +
 1 file changed, 1 insertion(+)

diff --git a/.npmrc b/.npmrc
new file mode 100644
--- /dev/null
+++ b/.npmrc
@@ -0,0 +1 @@
+//registry.npmjs.org/:_authToken=«npm»
""",
)
_t(
    F,
    "gitdiff_json_hunk",
    r"""
@@ -8,6 +8,7 @@
   "firebase": {
     "projectId": "‹word›-‹num›",
+    "serviceAccountKeyId": "«hex40»",
     "region": "‹region›"
""",
)
_t(
    F,
    "gitdiff_word_diff",
    r"""
$ git diff --word-diff deploy/values-‹env›.yaml
@@ -21 +21 @@ redis:
  password: [-«pw»-]{+«pw@2»+}
""",
)
_t(
    F,
    "gitdiff_combined_cc",
    r"""
diff --cc settings.py
index ‹sha7›,‹sha7›..‹sha7›
@@@ -40,5 -40,5 +40,9 @@@
  DEBUG = False
++<<<<<<< HEAD
 +SECRET_KEY = "«django»"
++=======
+ SECRET_KEY = "«django@2»"
++>>>>>>> feature/login
""",
)
_t(
    F,
    "gitdiff_stat_and_hunk",
    r"""
 terraform/prod.tfvars | 2 +-
 1 file changed, 1 insertion(+), 1 deletion(-)
@@ -4 +4 @@ region = "‹region›"
-datadog_api_key = "«dd_api»"
+datadog_api_key = "«dd_api@2»"
""",
)
_t(
    F,
    "gitdiff_review_suggestion_quote",
    r"""
> ```diff
> +  SENDGRID_KEY: «sendgrid»
> ```
@‹user› please don't commit this, use the sealed secret instead.
""",
)

F = "config_diffs"
_t(
    F,
    "diffu_conf",
    r"""
--- /etc/‹svc›/app.conf.orig	2026-12-01 09:00:00.000000000 +0000
+++ /etc/‹svc›/app.conf	2026-12-03 10:11:12.000000000 +0000
@@ -14,7 +14,7 @@
 [database]
 host = ‹host›
 user = ‹user›
-password = «pw»
+password = «pw@2»
 pool = 10
""",
)
_t(
    F,
    "kubectl_diff_secret",
    r"""
$ kubectl diff -f secret.yaml
diff -u -N /tmp/LIVE-‹num›/v1.Secret.‹env›.‹svc›-creds /tmp/MERGED-‹num›/v1.Secret.‹env›.‹svc›-creds
@@ -1,6 +1,6 @@
 apiVersion: v1
 data:
-  token: «b64_secret»
+  token: «b64_secret@2»
 kind: Secret
""",
)
_t(
    F,
    "terraform_plan_leak",
    r"""
  # aws_db_instance.main will be updated in-place
  ~ resource "aws_db_instance" "main" {
        id                = "‹word›-db"
      ~ password          = "«pw»" -> "«pw@2»"
        # (41 unchanged attributes hidden)
    }
""",
)
_t(
    F,
    "helm_diff",
    r"""
‹env›, ‹svc›, Secret (v1) has changed:
  # Source: ‹svc›/templates/secret.yaml
  stringData:
-   REDIS_PASSWORD: "«pw»"
+   REDIS_PASSWORD: "«pw@2»"
""",
)
_t(
    F,
    "ansible_diff",
    r"""
TASK [app : render config] ******************************************************
--- before: /opt/‹svc›/config.yml
+++ after: /home/‹user›/.ansible/tmp/ansible-local-‹num›/tmpa1b2c3/config.yml.j2
@@ -2,3 +2,3 @@
 smtp:
-  pass: ""
+  pass: «pw»
changed: [‹host›]
""",
)
_t(
    F,
    "sdiff_side_by_side",
    r"""
$ sdiff -s my.cnf.bak my.cnf
password = «pwsafe»                                            |  password = «pwsafe@2»
""",
)
_t(
    F,
    "diff_normal_format",
    r"""
$ diff wg0.conf.old wg0.conf
3c3
< PrivateKey = «wg»
---
> PrivateKey = «wg@2»
""",
)
_t(
    F,
    "puppet_diff",
    r"""
Notice: /Stage[main]/Profile::Mq/File[/etc/rabbitmq/rabbitmq.conf]/content:
--- /etc/rabbitmq/rabbitmq.conf	2026-11-30 08:00:00
+++ /tmp/puppet-file20261203-‹pid›-1x2y3z	2026-12-03 10:11:12
@@ -1,2 +1,2 @@
-default_pass = guest
+default_pass = «pw»
""",
)

# ---------------------------------------------------------------------------
# families: tables and markup
# ---------------------------------------------------------------------------

F = "markdown_tables"
_t(
    F,
    "md_creds_table",
    r"""
| Service | User | Password |
|---------|------|----------|
| ‹svc› | ‹user› | «pw» |
| grafana | admin | «pw@2» |
""",
)
_t(
    F,
    "md_backtick_keys",
    r"""
| Env | Key | Value |
| --- | --- | --- |
| ‹env› | `OPENAI_API_KEY` | `«openai»` |
""",
)
_t(
    F,
    "md_issue_env_table",
    r"""
### Environment
| var | value |
|:--|:--|
| NODE_ENV | production |
| SENTRY_AUTH_TOKEN | «sentry» |
""",
)
_t(
    F,
    "confluence_wiki_table",
    r"""
|| Host || Login || Secret ||
| ‹host› | ‹user› | «pw» |
""",
)
_t(
    F,
    "md_bold_list",
    r"""
**Staging access** (rotate after the demo!)
- **URL:** https://‹host›
- **Token:** `«glpat»`
""",
)
_t(
    F,
    "md_aligned_wide",
    r"""
| name             | kind     | secret                                   |
|------------------|----------|------------------------------------------|
| ‹svc›-deployer   | api-key  | «hex40» |
""",
)
_t(
    F,
    "md_command_in_table",
    r"""
| step | command |
|------|---------|
| 3 | `docker login -u ‹user› -p «dckr» registry.‹dom›` |
""",
)

F = "html_markup"
_t(
    F,
    "html_input_password_value",
    r"""
<form method="post" action="/login"><input type="text" name="user" value="‹user›"><input type="password" name="password" value="«pw»"></form>
""",
)
_t(
    F,
    "html_hidden_api_key",
    r"""
<input type="hidden" name="api_key" value="«alnum»" />
""",
)
_t(
    F,
    "html_table_td",
    r"""
<table><tr><th>Host</th><th>User</th><th>Password</th></tr>
<tr><td>‹host›</td><td>‹user›</td><td>«pw»</td></tr></table>
""",
)
_t(
    F,
    "html_escaped_json_pre",
    r"""
<pre>{&quot;service&quot;: &quot;‹svc›&quot;, &quot;api_token&quot;: &quot;«hex40»&quot;}</pre>
""",
)
_t(
    F,
    "html_link_userinfo",
    r"""
<a href="https://‹user›:«urlpw»@‹host›/dashboard/">open dashboard</a>
""",
)
_t(
    F,
    "html_inline_script_config",
    r"""
<script>window.__CONFIG__ = {"env":"‹env›","stripeSecret":"«stripe_sk»","sentryDsn":null};</script>
""",
)
_t(
    F,
    "html_email_pin",
    r"""
<p style="font-size:14px">Your one-time PIN is <b>«pin»</b>. It expires in 10 minutes.</p>
""",
)
_t(
    F,
    "html_jenkins_console",
    r"""
<span class="timestamp"><b>‹time›</b> </span>+ vault login -method=token «vault»
""",
)
_t(
    F,
    "html_textarea",
    r"""
<textarea name="notes" rows="4">wifi for guests: ‹word›-guest / «pw»</textarea>
""",
)

F = "csv_tsv"
_t(
    F,
    "csv_header_row",
    r"""
host,port,username,password,db
‹host›,5432,‹user›,«pw»,‹db›
""",
)
_t(
    F,
    "csv_quoted_json_doubled",
    r"""
id,created_at,payload
‹num›,‹ts›,"{""event"":""key.created"",""secret"":""«hex32»""}"
""",
)
_t(
    F,
    "tsv_tabs",
    r"""
name‹TAB›type‹TAB›value
‹svc›‹TAB›token‹TAB›«ghs»
""",
)
_t(
    F,
    "csv_semicolon_excel",
    r"""
Kunde;Benutzer;Passwort;Bemerkung
‹org›;‹user›;«pw»;bitte ändern
""",
)
_t(
    F,
    "csv_aws_console_credentials",
    r"""
User name,Password,Access key ID,Secret access key,Console login link
‹user›,«pw»,‹akid›,«aws_secret»,https://‹num6›‹num6›.signin.aws.amazon.com/console
""",
)
_t(
    F,
    "csv_aws_accesskeys",
    r"""
Access key ID,Secret access key
‹akid›,«aws_secret»
""",
)
_t(
    F,
    "tsv_mysql_batch",
    r"""
$ mysql -B -e 'select user, api_key from integrations limit 2' ‹db›
user‹TAB›api_key
‹user›‹TAB›«hex32»
‹user@2›‹TAB›«hex32@2»
""",
)
_t(
    F,
    "csv_psql_copy_quoted",
    r"""
"‹uuid›","‹email›","«pw»","2026-12-03 10:11:12+00"
""",
)
_t(
    F,
    "csv_password_manager_export",
    r"""
folder,favorite,type,name,notes,fields,reprompt,login_uri,login_username,login_password,login_totp
,,login,‹svc›,,,0,https://‹host›,‹user›,«pw»,«b32»
""",
)

# ---------------------------------------------------------------------------
# families: configuration formats
# ---------------------------------------------------------------------------

F = "yaml_multiline"
_t(
    F,
    "yaml_block_env_file",
    r"""
apiVersion: v1
kind: ConfigMap
metadata:
  name: ‹svc›-env
data:
  app.env: |
    LOG_LEVEL=info
    ‹PWKEY›=«pw»
    FEATURE_X=true
""",
)
_t(
    F,
    "yaml_block_properties",
    r"""
data:
  application.properties: |
    spring.datasource.url=jdbc:postgresql://‹host›:5432/‹db›
    spring.datasource.username=‹user›
    spring.datasource.password=«pw»
""",
)
_t(
    F,
    "yaml_gha_run_block",
    r"""
    - name: Upload
      run: |
        curl -sSf -X POST \
          -H "Authorization: token «ghp»" \
          https://uploads.github.com/repos/‹repo›/releases/1/assets
""",
)
_t(
    F,
    "yaml_folded_note",
    r"""
metadata:
  annotations:
    ops/note: >
      temporary break-glass login for ‹user› is
      «pw»
      until the audit is complete
""",
)
_t(
    F,
    "yaml_compose_env_list",
    r"""
services:
  db:
    image: mysql:8.4
    environment:
      - MYSQL_ROOT_PASSWORD=«pw»
      - MYSQL_DATABASE=‹db›
""",
)
_t(
    F,
    "yaml_ansible_unsafe",
    r"""
vault_api_token: !unsafe '«vault»'
smtp_password: !unsafe "«pw»"
""",
)
_t(
    F,
    "yaml_anchor_alias",
    r"""
x-common-secrets: &secrets
  SENTRY_AUTH_TOKEN: «sentry»
services:
  web:
    environment: *secrets
""",
)
_t(
    F,
    "yaml_stringdata_json_block",
    r"""
stringData:
  config.json: |
    {
      "registry": "‹host›",
      "password": "«pw»"
    }
""",
)
_t(
    F,
    "yaml_literal_strip_pgpass",
    r"""
  pgpass: |-
    ‹host›:5432:*:‹user›:«pwsafe»
""",
)

F = "toml_inline"
_t(
    F,
    "toml_inline_table",
    r"""
[database]
primary = { host = "‹host›", user = "‹user›", password = "«pw»", port = 5432 }
""",
)
_t(
    F,
    "toml_cargo_credentials",
    r"""
# ~/.cargo/credentials.toml
[registry]
token = "«cio»"
""",
)
_t(
    F,
    "toml_poetry_http_basic",
    r"""
[http-basic.‹word›]
username = "‹user›"
password = "«pw»"
""",
)
_t(
    F,
    "toml_array_of_tables",
    r"""
[[upstreams]]
name = "‹svc›"
auth = { type = "bearer", token = "«b64url»" }
""",
)
_t(
    F,
    "toml_multiline_basic",
    r'''
[smtp]
signature = """
Thanks,
‹name›"""
password = '«pw»'
''',
)
_t(
    F,
    "toml_fly_env",
    r"""
[env]
  PRIMARY_REGION = "fra"
  SECRET_KEY_BASE = "«hex128»"
""",
)
_t(
    F,
    "toml_publish_token",
    r"""
[tool.‹word›.publish]
repository = "https://upload.pypi.org/legacy/"
token = "«pypi»"
""",
)

F = "hcl"
_t(
    F,
    "hcl_heredoc_json",
    r"""
resource "aws_secretsmanager_secret_version" "db" {
  secret_id     = aws_secretsmanager_secret.db.id
  secret_string = <<EOT
{"username":"‹user›","password":"«pw»"}
EOT
}
""",
)
_t(
    F,
    "hcl_indented_heredoc",
    r"""
  user_data = <<-EOF
    #!/bin/bash
    echo "‹TOKKEY›=«alnum»" >> /etc/environment
  EOF
""",
)
_t(
    F,
    "hcl_provider_token",
    r"""
provider "github" {
  owner = "‹org›"
  token = "«ghp»"
}
""",
)
_t(
    F,
    "hcl_tfvars",
    r"""
# ‹env›.auto.tfvars
db_password      = "«pw»"
cloudflare_token = "«cf_token»"
""",
)
_t(
    F,
    "hcl_nomad_template",
    r"""
      template {
        data        = <<EOH
REDIS_URL=redis://:«urlpw»@‹host›:6379/0
EOH
        destination = "secrets/app.env"
        env         = true
      }
""",
)
_t(
    F,
    "hcl_packer_vars",
    r"""
variable "winrm_password" {
  type    = string
  default = "«pw»"
}
""",
)
_t(
    F,
    "tfstate_json",
    r"""
        {
          "schema_version": 1,
          "attributes": {
            "id": "‹word›-db",
            "password": "«pw»",
            "username": "‹user›"
          },
          "sensitive_attributes": []
        }
""",
)

F = "ini_properties"
_t(
    F,
    "ini_continuation_indented",
    r"""
[credentials]
tokens =
    ‹svc@1›=«hex32»
    ‹word›-sync=«hex32@2»
""",
)
_t(
    F,
    "properties_backslash_continuation",
    r"""
spring.datasource.url=jdbc:mysql://‹host›:3306/‹db›?useSSL=true\
    &user=‹user›\
    &password=«urlpw»
""",
)
_t(
    F,
    "properties_escaped_colons",
    r"""
db.url=jdbc\:postgresql\://‹host›\:5432/‹db›
db.password=«pw»
""",
)
_t(
    F,
    "properties_unicode_escape",
    r"""
# generated by native2ascii
mail.smtp.password=«pw_uesc»
""",
)
_t(
    F,
    "properties_escaped_colon_in_secret",
    r"""
ldap.bind.dn=cn\=‹user›,ou\=svc,dc\=‹word›
ldap.bind.credential=«pw_colon_esc»
""",
)
_t(
    F,
    "mycnf_client",
    r"""
[client]
user=‹user›
password="«pw»"
host=‹host›
""",
)
_t(
    F,
    "pgpass_lines",
    r"""
$ cat ~/.pgpass
‹host›:5432:‹db›:‹user›:«pwsafe»
*:*:*:replicator:«pw_colon_esc»
""",
)
_t(
    F,
    "netrc",
    r"""
machine ‹host›
  login ‹user›
  password «pwsafe»
""",
)
_t(
    F,
    "gitconfig_extraheader",
    r"""
[http "https://‹host›/"]
‹TAB›extraheader = AUTHORIZATION: basic «basic_b64»
""",
)
_t(
    F,
    "systemd_environment",
    r"""
[Service]
Environment="‹TOKKEY›=«alnum»" "LOG_LEVEL=info"
EnvironmentFile=-/etc/default/‹svc›
""",
)
_t(
    F,
    "windows_reg_export",
    r"""
[HKEY_LOCAL_MACHINE\SOFTWARE\‹Word›\Agent]
"ServerUrl"="https://‹host›"
"ApiKey"="«hex32»"
""",
)

F = "xml_cdata"
_t(
    F,
    "xml_cdata_password",
    r"""
<datasource><user>‹user›</user><password><![CDATA[«pw»]]></password></datasource>
""",
)
_t(
    F,
    "maven_settings",
    r"""
<server>
  <id>‹word›-releases</id>
  <username>‹user›</username>
  <password>«pw»</password>
</server>
""",
)
_t(
    F,
    "nuget_config",
    r"""
<packageSourceCredentials>
  <‹word›>
    <add key="Username" value="‹user›" />
    <add key="ClearTextPassword" value="«ghp»" />
  </‹word›>
</packageSourceCredentials>
""",
)
_t(
    F,
    "tomcat_context_resource",
    r"""
<Resource name="jdbc/‹db›" auth="Container" type="javax.sql.DataSource" username="‹user›" password="«pw»" url="jdbc:oracle:thin:@‹host›:1521/ORCL"/>
""",
)
_t(
    F,
    "xml_cdata_json",
    r"""
<event><![CDATA[{"type":"rotate","new_key":"«b64»"}]]></event>
""",
)
_t(
    F,
    "webconfig_connectionstrings",
    r"""
<add name="Default" connectionString="Data Source=‹host›;Initial Catalog=‹db›;User ID=‹user›;Password=«pw»;" providerName="System.Data.SqlClient" />
""",
)
_t(
    F,
    "android_strings",
    r"""
<string name="maps_api_key">«google_api»</string>
<string name="app_name">‹Word›</string>
""",
)
_t(
    F,
    "spring_xml_bean",
    r"""
<bean id="mailSender" class="org.springframework.mail.javamail.JavaMailSenderImpl">
    <property name="password" value="«pw»"/>
</bean>
""",
)

F = "soap_wssecurity"
_t(
    F,
    "soap_usernametoken_text",
    r"""
<soapenv:Header>
  <wsse:Security xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd">
    <wsse:UsernameToken wsu:Id="UsernameToken-‹num›">
      <wsse:Username>‹user›</wsse:Username>
      <wsse:Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText">«pw»</wsse:Password>
    </wsse:UsernameToken>
  </wsse:Security>
</soapenv:Header>
""",
)
_t(
    F,
    "soap_one_line_cxf_log",
    r"""
‹tsc› DEBUG org.apache.cxf.services.‹Word›Service.REQ_OUT - Payload: <soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Header><wsse:Security><wsse:UsernameToken><wsse:Username>‹user›</wsse:Username><wsse:Password>«pw»</wsse:Password></wsse:UsernameToken></wsse:Security></soap:Header><soap:Body/></soap:Envelope>
""",
)
_t(
    F,
    "soap_body_apikey",
    r"""
<soap:Body>
  <GetRates xmlns="http://‹dom›/rates">
    <ApiKey>«hex32»</ApiKey>
    <Currency>EUR</Currency>
  </GetRates>
</soap:Body>
""",
)
_t(
    F,
    "soap_authheader",
    r"""
<soap:Header><AuthHeader xmlns="http://tempuri.org/"><UserName>‹user›</UserName><Password>«pw»</Password></AuthHeader></soap:Header>
""",
)
_t(
    F,
    "soap_fault_echo",
    r"""
<faultstring>Authentication failed for user ‹user› with password '«pw»'</faultstring>
""",
)
_t(
    F,
    "soap_escaped_in_json_log",
    r"""
{"level":"warn","msg":"upstream fault","request":"<wsse:Password Type=\"...#PasswordText\">«pw»</wsse:Password>","ts":"‹ts›"}
""",
)

# ---------------------------------------------------------------------------
# families: mail
# ---------------------------------------------------------------------------

F = "email_mime"
_t(
    F,
    "mime_qp_equals",
    r"""
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: quoted-printable

Hallo ‹name›,
dein neues Passwort lautet: «pw_qp»
""",
)
_t(
    F,
    "mime_qp_utf8_umlaut",
    r"""
Content-Transfer-Encoding: quoted-printable

Ihr Kennwort f=C3=BCr das Portal ‹host› lautet ab sofort =E2=80=9E«pw_qp»=E2=80=9C.
""",
)


def _mime_qp_soft_break(r: random.Random) -> Rendered:
    tok = _sec(r, "github_pat")
    text = f"Hi {_fill(r, 'name')}, here is the deploy token for the mirror job: {tok}"
    cut = 75
    at = text.index(tok)
    head = _render(
        r,
        r"""
From: ‹email›
To: ‹email›
Subject: mirror job
Content-Type: text/plain; charset=us-ascii
Content-Transfer-Encoding: quoted-printable
""",
    )
    return _join(head, ["", text[:cut] + "=", text[cut:]], [tok[: cut - at], tok[cut - at :]])


def _mime_b64_text(r: random.Random) -> Rendered:
    body = _b64s(f"Temp password: {_sec(r, 'pw')}\r\n")
    return _render(
        r,
        r"""
--‹hex8›‹hex8›
Content-Type: text/plain; charset="UTF-8"
Content-Transfer-Encoding: base64

«=b»
--‹hex8›‹hex8›--
""",
        {"b": body},
    )


def _mime_b64_attachment(r: random.Random) -> Rendered:
    env = f"DB_PASSWORD={_sec(r, 'pw')}\nSTRIPE_SECRET_KEY={_sec(r, 'stripe_sk')}\n"
    enc = _b64s(env)
    chunks = [enc[i : i + 76] for i in range(0, len(enc), 76)]
    head = _render(
        r,
        r"""
Content-Type: application/octet-stream; name=".env.‹env›"
Content-Disposition: attachment; filename=".env.‹env›"
Content-Transfer-Encoding: base64
""",
    )
    return _join(head, ["", *chunks], [c for c in chunks if len(c) >= 4])


def _mime_encoded_word_b(r: random.Random) -> Rendered:
    subj = _b64s(f"Ihr Bestätigungscode: {_sec(r, 'pin')}")
    return _render(
        r,
        r"""
From: "‹Word› Security" <no-reply@‹dom›>
Subject: =?UTF-8?B?«=b»?=
Date: Wed, 03 Dec 2026 10:11:12 +0000
""",
        {"b": subj},
    )


_t(F, "mime_qp_soft_break_token", _mime_qp_soft_break)
_t(F, "mime_base64_text_part", _mime_b64_text)
_t(F, "mime_base64_attachment_env", _mime_b64_attachment)
_t(F, "mime_encoded_word_b", _mime_encoded_word_b)
_t(
    F,
    "mime_encoded_word_q",
    r"""
Subject: =?UTF-8?Q?Votre_code_de_v=C3=A9rification_:_«pin»?=
""",
)
_t(
    F,
    "mime_forwarded_plain",
    r"""
---------- Forwarded message ---------
From: ‹name› <‹email›>
Date: Wed, 3 Dec 2026 at 10:11
Subject: vpn access

user: ‹user›
pass: «pw»
""",
)
_t(
    F,
    "mime_html_qp",
    r"""
--‹hex8›
Content-Type: text/html; charset="UTF-8"
Content-Transfer-Encoding: quoted-printable

<p style=3D"margin:0">API key: <code>«hex40»</code></p>
--‹hex8›--
""",
)

# ---------------------------------------------------------------------------
# families: terminals
# ---------------------------------------------------------------------------

F = "ansi_terminal"
_t(
    F,
    "ansi_colored_export",
    r"""
‹ESC›[1;32m✔‹ESC›[0m exported ‹ESC›[1m‹TOKKEY›‹ESC›[0m=‹ESC›[33m«alnum»‹ESC›[0m
""",
)
_t(
    F,
    "ansi_jq_color",
    r"""
‹ESC›[1;39m{
  ‹ESC›[0m‹ESC›[34;1m"client_secret"‹ESC›[0m‹ESC›[1;39m:‹ESC›[0;32m"«azure_cs»"‹ESC›[0m‹ESC›[1;39m
‹ESC›[1;39m}‹ESC›[0m
""",
)
_t(
    F,
    "ansi_grep_color",
    r"""
config/‹env›.env:7:‹ESC›[01;31m‹ESC›[K‹PWKEY›‹ESC›[m‹ESC›[K=«pw»
""",
)
_t(
    F,
    "ansi_helm_values",
    r"""
‹ESC›[36mredis‹ESC›[0m:
  ‹ESC›[36mauth‹ESC›[0m:
    ‹ESC›[36mpassword‹ESC›[0m: ‹ESC›[32m«pw»‹ESC›[0m
""",
)
_t(
    F,
    "ansi_docker_login_warning",
    r"""
$ docker login -u ‹user› -p «dckr» ‹host›
‹ESC›[33mWARNING!‹ESC›[0m Using --password via the CLI is insecure. Use --password-stdin.
""",
)
_t(
    F,
    "ansi_bold_inline_secret",
    r"""
‹ESC›[1mInitial Root Token:‹ESC›[22m «vault»
""",
)
_t(
    F,
    "ansi_256_color_log",
    r"""
‹ESC›[38;5;244m‹ts›‹ESC›[0m ‹ESC›[38;5;214mWARN‹ESC›[0m using fallback key ‹ESC›[38;5;45m«hex64»‹ESC›[0m
""",
)
_t(
    F,
    "ansi_bracketed_paste_prompt",
    r"""
‹ESC›[?2004h‹user›@‹host›:~$ export ‹PWKEY›='«pw»'‹ESC›[?2004l
""",
)

F = "tmux_screen"
_t(
    F,
    "tmux_capture_prompt",
    r"""
$ tmux capture-pane -p -t ‹svc›:0.1 | tail -3
‹user›@‹host›:~$ mysql -h ‹host› -u root -p«pwsafe» ‹db›
mysql: [Warning] Using a password on the command line interface can be insecure.
""",
)
_t(
    F,
    "screen_log_caret",
    r"""
^[[01;32m‹user›@‹host›^[[00m:^[[01;34m~^[[00m$ export PGPASSWORD=«pw»^M
^[[01;32m‹user›@‹host›^[[00m:^[[01;34m~^[[00m$ psql -h ‹host› ‹db›^M
""",
)
_t(
    F,
    "script_typescript",
    r"""
Script started on 2026-12-03 10:11:12+00:00 [TERM="xterm-256color" TTY="/dev/pts/2" COLUMNS="120" LINES="40"]
# redis-cli -h ‹host› -a «pw» --no-auth-warning ping
PONG
""",
)
_t(
    F,
    "asciinema_cast",
    r"""
[12.402, "o", "$ export ‹TOKKEY›=«alnum»\r\n"]
[13.118, "o", "$ ./deploy.sh ‹env›\r\n"]
""",
)
_t(
    F,
    "tmux_split_panes",
    r"""
‹user›@‹host›:~$ vault kv get -field=token secret/‹svc›      │ top - 10:11:12 up 3 days
«vault»                                                        │ Tasks: 212 total
""",
)
_t(
    F,
    "screen_hardcopy_psql",
    r"""
‹db›=# ALTER ROLE ‹user› WITH PASSWORD '«pw»';
ALTER ROLE
""",
)
_t(
    F,
    "tmux_capture_pasted_passphrase",
    r"""
‹user›@‹host›:~$ «phrase»
-bash: ‹word›: command not found
‹user›@‹host›:~$ # oops, that was the keystore passphrase
""",
)

# ---------------------------------------------------------------------------
# family: text wrapped at a fixed width (secret or its name split by a newline)
# ---------------------------------------------------------------------------


def _wrapped(
    prefix: str, kind: str, mode: str = "secret", width: int = 80, cont: str = "", suffix: str = ""
) -> Callable[[random.Random], Rendered]:
    def make(r: random.Random) -> Rendered:
        pre = _render(r, prefix)[0][0]
        suf = _render(r, suffix)[0][0] if suffix else ""
        sec = _sec(r, kind)
        if mode == "secret":
            k = max(6, min(width - len(pre), len(sec) - 6))
            return (pre + sec[:k], cont + sec[k:] + suf), (sec[:k], sec[k:])
        cut = len(pre) - r.randrange(3, 6)
        return (pre[:cut], cont + pre[cut:] + sec + suf), (sec,)

    return make


F = "wrapped_text"
_t(F, "wrap_terminal_export", _wrapped("‹user›@‹host›:~/deploy$ export GH_TOKEN=", "github_pat"))
_t(
    F,
    "wrap_email_quote",
    _wrapped(
        "> > On the staging box the ingest key is ",
        "sendgrid",
        cont="> > ",
        suffix=" so please rotate it",
    ),
)
_t(
    F,
    "wrap_ticket_text",
    _wrapped(
        "Customer says webhooks stopped after we rotated the signing key to ", "whsec", suffix="."
    ),
)
_t(
    F,
    "wrap_jenkins_console",
    _wrapped(
        "[‹time›] + curl -fsS -H 'x-api-key: ",
        "anthropic",
        suffix="' https://api.anthropic.com/v1/models",
    ),
)
_t(
    F,
    "wrap_name_split_env",
    _wrapped(
        "‹ts› env: HOME=/root LANG=C.UTF-8 LOG_LEVEL=debug DATABASE_PASSWORD=",
        "pw",
        mode="name",
        suffix=" TZ=UTC",
    ),
)
_t(
    F,
    "wrap_name_split_describe",
    _wrapped(
        "    Environment:  AWS_REGION=‹region›  AWS_SECRET_ACCESS_KEY=", "aws_secret", mode="name"
    ),
)
_t(
    F,
    "wrap_pdf_copy",
    _wrapped("Appendix B - service credentials (do not distribute): Jira API token ", "atlassian"),
)
_t(
    F,
    "wrap_slack_paste",
    _wrapped("‹name›  10:11 AM  here is the temp key, expires friday: ", "openai"),
)
_t(F, "wrap_fold_76_session", _wrapped("aws_session_token = ", "aws_session", width=76))
_t(
    F,
    "wrap_name_split_json",
    _wrapped(
        '{"level":"info","msg":"config","service":"‹svc›","stripe_secret_key":"',
        "stripe_sk",
        mode="name",
        suffix='"}',
    ),
)
_t(
    F,
    "wrap_ps_auxww",
    _wrapped(
        "root ‹pid› 0.3 2.1 /usr/bin/java -Xmx512m -Dspring.datasource.password=",
        "pw",
        width=80,
        suffix=" -jar app.jar",
    ),
)

# ---------------------------------------------------------------------------
# families: traces and logs of running systems
# ---------------------------------------------------------------------------

F = "stack_traces"
_t(
    F,
    "py_traceback_locals",
    r"""
Traceback (most recent call last):
  File "/app/‹word›/db.py", line 42, in connect
    conn = psycopg.connect(host=host, user=user, password=password)
    host = '‹host›'
    user = '‹user›'
    password = '«pw»'
psycopg.OperationalError: connection failed: FATAL:  password authentication failed for user "‹user›"
""",
)
_t(
    F,
    "pytest_showlocals",
    r"""
‹word›_client = <‹Word›Client object at 0x7f3a2c1d9e50>
api_key    = '«openai»'
    def test_chat(‹word›_client, api_key):
>       resp = ‹word›_client.chat("ping")
E       AssertionError: 401 != 200
""",
)
_t(
    F,
    "java_exception_url",
    r"""
org.postgresql.util.PSQLException: FATAL: password authentication failed for user "‹user›"
‹TAB›at org.postgresql.core.v3.ConnectionFactoryImpl.doAuthentication(ConnectionFactoryImpl.java:693)
Caused by: java.lang.IllegalStateException: cannot open jdbc:postgresql://‹host›:5432/‹db›?user=‹user›&password=«urlpw»
""",
)
_t(
    F,
    "node_error_redis",
    r"""
Error: connect ECONNREFUSED ‹ip›:6379
    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1606:16) {
  errno: -111,
  code: 'ECONNREFUSED',
  options: { url: 'redis://default:«urlpw»@‹host›:6379' }
}
""",
)
_t(
    F,
    "go_panic_struct",
    r"""
panic: dial amqp: &{Addr:‹host›:5672 User:‹user› Pass:«pw» VHost:/}

goroutine 1 [running]:
main.main()
‹TAB›/src/main.go:12 +0x65
""",
)
_t(
    F,
    "sentry_frame_vars",
    r"""
  File "app/integrations/slack.py", line 88, in post
    vars: {'self': '<SlackClient>', 'channel': "'#‹word›'", 'token': "'«xoxb»'"}
""",
)
_t(
    F,
    "dotnet_exception_connstr",
    r"""
Unhandled exception. System.ArgumentException: Format of the initialization string does not conform to specification starting at index 87.
   at System.Data.Common.DbConnectionOptions.GetKeyValuePair(String connectionString, Int32 currentPosition)
   ConnectionString: "Server=tcp:‹host›,1433;Initial Catalog=‹db›;User ID=‹user›;Password=«pw»;;Encrypt=True"
""",
)
_t(
    F,
    "rust_panic_debug",
    r"""
thread 'tokio-runtime-worker' panicked at src/sink.rs:77:14:
kafka sink init: KafkaConfig { brokers: "‹host›:9093", sasl_username: "‹user›", sasl_password: "«pw»" }
note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace
""",
)
_t(
    F,
    "php_stack_args",
    r"""
#2 /var/www/vendor/guzzle/src/Client.php(187): GuzzleHttp\Client->request('POST', 'https://api.‹dom›/v1', Array)
#1 /var/www/app/Billing.php(54): Billing->charge('«stripe_sk»', 1999, 'eur')
""",
)
_t(
    F,
    "pdb_session",
    r"""
(Pdb) p settings.DATABRICKS_TOKEN
'«dapi»'
(Pdb) p settings.DATABRICKS_HOST
'https://‹word›.cloud.databricks.com'
""",
)

F = "sql_logs"
_t(
    F,
    "pg_alter_user",
    r"""
‹ts› UTC [‹pid›] ‹user›@‹db› LOG:  statement: ALTER USER ‹user› WITH PASSWORD '«pw»';
""",
)
_t(
    F,
    "mysql_general_log",
    r"""
‹ts›‹TAB›   ‹num› Query‹TAB›CREATE USER '‹user›'@'%' IDENTIFIED BY '«pw»'
""",
)
_t(
    F,
    "hibernate_binding",
    r"""
‹tsc› TRACE o.h.type.descriptor.sql.BasicBinder - binding parameter [1] as [VARCHAR] - [‹email›]
‹tsc› TRACE o.h.type.descriptor.sql.BasicBinder - binding parameter [2] as [VARCHAR] - [«pw»]
""",
)
_t(
    F,
    "activerecord_binds",
    r"""
  ApiKey Create (0.6ms)  INSERT INTO "api_keys" ("owner_id", "token", "created_at") VALUES ($1, $2, $3) RETURNING "id"  [["owner_id", ‹num›], ["token", "«hex40»"], ["created_at", "2026-12-03 10:11:12"]]
""",
)
_t(
    F,
    "django_debug_sql",
    r"""
(0.002) UPDATE "integrations_webhook" SET "secret" = '«whsec@1»' WHERE "id" = ‹num›; args=('«whsec@1»', ‹num›); alias=default
""",
)
_t(
    F,
    "pg_detail_parameters",
    r"""
‹ts› UTC [‹pid›] ERROR:  duplicate key value violates unique constraint "users_email_key"
‹ts› UTC [‹pid›] DETAIL:  parameters: $1 = '‹email›', $2 = '«pw»', $3 = 't'
""",
)
_t(
    F,
    "oracle_db_link",
    r"""
SQL> CREATE DATABASE LINK ‹word›_link CONNECT TO ‹user› IDENTIFIED BY "«pwsafe»" USING '‹host›:1521/ORCL';
Database link created.
""",
)
_t(
    F,
    "mssql_create_login",
    r"""
‹tsc› spid57      CREATE LOGIN [‹user›] WITH PASSWORD = N'«pw»', CHECK_POLICY = OFF
""",
)
_t(
    F,
    "gorm_log",
    r"""
‹ts› /src/store/tokens.go:41 [2.318ms] [rows:1] INSERT INTO "refresh_tokens" ("user_id","value","expires_at") VALUES (‹num›,'«b64url»','2026-12-31 00:00:00')
""",
)
_t(
    F,
    "mongo_profiler",
    r"""
{"op":"update","ns":"‹db›.users","command":{"q":{"_id":"‹hex8›"},"u":{"$set":{"apiKey":"«alnum»"}}},"millis":3}
""",
)

F = "audit_logs"


def _audit_execve(r: random.Random) -> Rendered:
    phrase = _sec(r, "phrase")
    return _render(
        r,
        r"""
type=SYSCALL msg=audit(‹epoch›.‹num3›:‹num›): arch=c000003e syscall=59 success=yes exit=0 comm="sshpass" exe="/usr/bin/sshpass" key="exec"
type=EXECVE msg=audit(‹epoch›.‹num3›:‹num›): argc=5 a0="sshpass" a1="-p" a2=«=h» a3="ssh" a4="‹user›@‹host›"
""",
        {"h": phrase.encode().hex().upper()},
    )


def _audit_proctitle(r: random.Random) -> Rendered:
    pw = _sec(r, "pw")
    argv = ["mysql", "-h", _fill(r, "host"), "-uroot", f"-p{pw}"]
    return _render(
        r,
        r"""
type=PROCTITLE msg=audit(‹epoch›.‹num3›:‹num›): proctitle=‹=t›
""",
        {"t": "\0".join(argv).encode().hex().upper()},
    )[0], (pw.encode().hex().upper(),)


def _audit_tty(r: random.Random) -> Rendered:
    pw = _sec(r, "pwsafe")
    keys = f"psql -h {_fill(r, 'host')} -U postgres\r{pw}\r"
    return _render(
        r,
        r"""
type=TTY msg=audit(‹epoch›.‹num3›:‹num›): tty pid=‹pid› uid=0 auid=1000 ses=3 major=136 minor=0 comm="bash" data=‹=d›
""",
        {"d": keys.encode().hex().upper()},
    )[0], (pw.encode().hex().upper(),)


_t(F, "auditd_execve_hex_arg", _audit_execve)
_t(F, "auditd_proctitle_hex", _audit_proctitle)
_t(F, "auditd_tty_hex", _audit_tty)
_t(
    F,
    "aureport_tty_decoded",
    r"""
1. 12/03/2026 10:11:12 ‹num› 1000 pts0 3 bash "redis-cli -a «pw» FLUSHALL",<ret>
""",
)
_t(
    F,
    "win_4688_command_line",
    r"""
A new process has been created.
Process Information:
‹TAB›New Process Name:‹TAB›C:\Windows\System32\net.exe
‹TAB›Process Command Line:‹TAB›net user ‹user› «pw» /add /domain
""",
)
_t(
    F,
    "sysmon_event1_xml",
    r"""
<Data Name="Image">C:\Program Files\Microsoft SQL Server\Client SDK\ODBC\170\Tools\Binn\SQLCMD.EXE</Data>
<Data Name="CommandLine">sqlcmd -S ‹host› -U sa -P «pw» -Q "select 1"</Data>
""",
)
_t(
    F,
    "sudo_syslog",
    r"""
Dec  3 10:11:12 ‹host› sudo:   ‹user› : TTY=pts/0 ; PWD=/home/‹user› ; USER=root ; COMMAND=/usr/bin/mysql -uroot -p«pwsafe»
""",
)
_t(
    F,
    "ps_4104_scriptblock",
    r"""
Creating Scriptblock text (1 of 1):
$cred = New-Object PSCredential('‹user›', (ConvertTo-SecureString '«pw»' -AsPlainText -Force))
ScriptBlock ID: ‹uuid›
""",
)
_t(
    F,
    "cloudtrail_request_parameters",
    r"""
"eventName": "PutSecretValue", "requestParameters": {"secretId": "‹svc›/db", "secretString": "{\"password\":\"«pw»\"}"},
""",
)

F = "shell_xtrace"
_t(
    F,
    "xtrace_curl_bearer",
    r"""
+ curl -sS -H 'Authorization: Bearer «openai»' -H 'Content-Type: application/json' https://api.openai.com/v1/models
""",
)
_t(
    F,
    "xtrace_aws_configure",
    r"""
++ aws configure set aws_access_key_id ‹akid›
++ aws configure set aws_secret_access_key «aws_secret»
""",
)
_t(
    F,
    "xtrace_export_pgpassword",
    r"""
+ export PGPASSWORD=«pw»
+ pg_dump -h ‹host› -U ‹user› ‹db›
""",
)
_t(
    F,
    "xtrace_docker_login",
    r"""
+ docker login -u ‹user› -p «dckr» ‹host›
WARNING! Using --password via the CLI is insecure. Use --password-stdin.
""",
)
_t(
    F,
    "xtrace_mysql_quoted_p",
    r"""
+ mysql -h ‹host› -u root '-p«pw»' -e 'SHOW DATABASES'
""",
)
_t(
    F,
    "xtrace_git_clone_token",
    r"""
+ git clone https://x-access-token:«ghs»@github.com/‹repo›.git /workspace/src
""",
)
_t(
    F,
    "xtrace_sshpass",
    r"""
+ sshpass -p '«pw»' ssh -o StrictHostKeyChecking=no ‹user›@‹host› uptime
""",
)
_t(
    F,
    "xtrace_ps4_lineno",
    r"""
+ deploy.sh:42: main(): helm upgrade --install ‹svc› ./chart --set db.password=«pw» --set image.tag=‹ver›
""",
)
_t(
    F,
    "xtrace_zsh",
    r"""
+deploy.zsh:12> curl -u ‹user›:«pwsafe» https://‹host›/artifactory/api/storage/libs
""",
)
_t(
    F,
    "xtrace_nested_subshell",
    r"""
+++ vault kv get -field=api_key secret/‹svc›
++ API_KEY=«hex32@1»
+ ./run --api-key «hex32@1»
""",
)

F = "ci_logs"
_t(
    F,
    "gha_run_env",
    r"""
##[group]Run ./scripts/deploy.sh
./scripts/deploy.sh
shell: /usr/bin/bash -e {0}
env:
  DEPLOY_TOKEN: «ghp»
##[endgroup]
""",
)
_t(
    F,
    "gitlab_ci_echo",
    r"""
$ echo "registry auth: $CI_REGISTRY_USER / $DEPLOY_PASSWORD"
registry auth: gitlab-ci-token / «glpat»
""",
)
_t(
    F,
    "make_recipe_echo",
    r"""
make[1]: Entering directory '/build/‹svc›'
curl -fsS -u admin:«pwsafe» -T dist/‹svc›-‹ver›.tgz https://‹host›/repository/releases/
make[1]: Leaving directory '/build/‹svc›'
""",
)
_t(
    F,
    "jenkins_partial_mask",
    r"""
[Pipeline] sh
+ echo ****
+ ./gradlew publish -PsonatypePassword=«pw»
""",
)
_t(
    F,
    "circleci_env_step",
    r"""
#!/bin/bash -eo pipefail
echo "export NPM_TOKEN=«npm»" >> $BASH_ENV
""",
)
_t(
    F,
    "travis_env",
    r"""
Setting environment variables from .travis.yml
$ export HEROKU_API_KEY=«uuid_secret»
$ export NODE_ENV=test
""",
)
_t(
    F,
    "azure_pipelines_setvariable",
    r"""
##[debug]Processed: ##vso[task.setvariable variable=storageKey]«azure_key»
""",
)
_t(
    F,
    "docker_build_step",
    r"""
#7 [build 3/9] RUN echo "//registry.npmjs.org/:_authToken=«npm»" > .npmrc && npm ci
""",
)
_t(
    F,
    "bitbucket_pipe_vars",
    r"""
+ pipe: atlassian/ssh-run:0.8.1
  variables:
    SSH_USER: '‹user›'
    PASSWORD: '«pw»'
""",
)
_t(
    F,
    "buildkite_env_hook",
    r"""
~~~ Running global environment hook
$ /etc/buildkite-agent/hooks/environment
# BUILDKITE_AGENT_TOKEN changed
BUILDKITE_AGENT_TOKEN=«hex64»
""",
)
_t(
    F,
    "make_variable_override",
    r"""
$ make deploy ENV=‹env› SLACK_WEBHOOK_TOKEN=«slack_hook» DD_API_KEY=«dd_api»
""",
)

F = "core_strings"
_t(
    F,
    "strings_core_grep",
    r"""
$ strings -n 8 core.‹pid› | grep -iE 'pass|secret' | head
spring.datasource.password=«pw»
PasswordAuthentication no
""",
)
_t(
    F,
    "strings_binary_embedded",
    r"""
$ strings ./‹svc›-agent | grep -A1 AKIA
‹akid›
«aws_secret»
""",
)
_t(
    F,
    "gdb_x_s",
    r"""
(gdb) x/s 0x7ffe‹hex8›
0x7ffe‹hex8›:‹TAB›"«pw»"
""",
)
_t(
    F,
    "gdb_print_struct",
    r"""
(gdb) p *cfg
$1 = {host = 0x55d4c8a1b2c0 "‹host›", port = 5432, password = 0x55d4c8a1b300 "«pw»"}
""",
)
_t(
    F,
    "strings_heap_dump",
    r"""
$ strings heap-‹pid›.hprof | grep -m2 Bearer
Authorization: Bearer «b64url»
""",
)
_t(
    F,
    "strings_proc_environ",
    r"""
$ sudo strings /proc/‹pid›/environ
SHLVL=1
‹TOKKEY›=«alnum»
PWD=/srv/‹svc›
""",
)
_t(
    F,
    "strings_utf16_minidump",
    r"""
$ strings -el crash.dmp | grep -i token
refresh_token=«b64url»
""",
)

F = "env_dumps"
_t(
    F,
    "env_plain",
    r"""
$ env | sort
HOME=/root
HOSTNAME=‹svc›-‹hex8›
‹PWKEY›=«pw»
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin
""",
)
_t(
    F,
    "printenv_single",
    r"""
$ printenv STRIPE_API_KEY
«stripe_sk»
""",
)
_t(
    F,
    "declare_x",
    r"""
declare -x LANG="C.UTF-8"
declare -x ‹TOKKEY›="«alnum»"
declare -x OLDPWD
""",
)
_t(
    F,
    "export_p_dash",
    r"""
export HOME='/home/‹user›'
export SENDGRID_API_KEY='«sendgrid»'
""",
)
_t(
    F,
    "docker_inspect_env",
    r"""
            "Env": [
                "PATH=/usr/local/bin:/usr/bin:/bin",
                "DATABASE_URL=postgres://‹user›:«urlpw»@‹host›:5432/‹db›",
                "NODE_VERSION=20.11.1"
            ],
""",
)
_t(
    F,
    "proc_environ_caret_nul",
    r"""
$ cat -v /proc/‹pid›/environ
PATH=/usr/bin^@HOSTNAME=‹host›^@REDIS_PASSWORD=«pw»^@HOME=/root^@
""",
)
_t(
    F,
    "kubectl_exec_env",
    r"""
$ kubectl exec -n ‹env› deploy/‹svc› -- env | grep -i key
ANTHROPIC_API_KEY=«anthropic»
KUBERNETES_SERVICE_HOST=10.96.0.1
""",
)
_t(
    F,
    "powershell_env_drive",
    r"""
PS> Get-ChildItem Env: | Where-Object Name -like '*PAT*'

Name                           Value
----                           -----
AZURE_DEVOPS_EXT_PAT           «ado_pat»
""",
)
_t(
    F,
    "windows_set_cmd",
    r"""
C:\> set
COMPUTERNAME=‹WORD›-BUILD01
OCTOPUS_API_KEY=«octopus»
""",
)
_t(
    F,
    "heroku_config",
    r"""
$ heroku config -a ‹svc›
=== ‹svc› Config Vars
DATABASE_URL:         postgres://‹user›:«urlpw»@‹host›:5432/‹db›
PAPERTRAIL_API_TOKEN: «alnum»
""",
)
_t(
    F,
    "systemctl_show_environment",
    r"""
$ systemctl show ‹svc› -p Environment
Environment=LOG_LEVEL=info SMTP_PASSWORD=«pw» TZ=UTC
""",
)

# ---------------------------------------------------------------------------
# families: human text
# ---------------------------------------------------------------------------

F = "chat_tickets_en"
_t(
    F,
    "slack_paste",
    r"""
‹name›  10:42 AM
hey, prod ingest is failing again. can you try with this key? `«dd_api»` — it's the one from the shared vault
""",
)
_t(
    F,
    "jira_comment_code",
    r"""
‹name› added a comment - 03/Dec/26 10:11 AM
Repro steps:
{code}
curl -H "PRIVATE-TOKEN: «glpat»" https://‹host›/api/v4/projects
{code}
""",
)
_t(
    F,
    "github_issue_repro",
    r"""
**Steps to reproduce**
1. set `export HF_TOKEN=«hf»`
2. run `python train.py --model ‹word›-7b`
3. see 403 in the logs
""",
)
_t(
    F,
    "email_reply_quoted",
    r"""
Thanks, that worked!

> On Wed, Dec 3, 2026 at 10:11 AM ‹name› <‹email›> wrote:
> The temporary admin password is «pw» — please change it on first login.
""",
)
_t(
    F,
    "pagerduty_note",
    r"""
[‹time›] ‹name› added a note: rolled back. FYI the old Twilio auth token «hex32» was in the error payload, rotate pls
""",
)
_t(
    F,
    "teams_chat",
    r"""
[10:11] ‹name›
    login for the kiosk is ‹user› / «pw»
[10:12] ‹name@2›
    👍 thanks
""",
)
_t(
    F,
    "zendesk_ticket",
    r"""
Ticket #‹num6› – Customer cannot sync
Customer wrote: "I regenerated my API key (it's «alnum») and it still says unauthorized. My PIN for phone support is «pin»."
""",
)
_t(
    F,
    "irc_log",
    r"""
[‹time›] <‹user›> oops, wrong window: /msg NickServ IDENTIFY «pwsafe»
""",
)
_t(
    F,
    "ticket_quoting_logfmt",
    r"""
Attaching the relevant log line from ‹svc›:
    level=error msg="auth failed" api_key=«shpat» shop=‹word›.myshopify.com
Can someone on the platform team take a look?
""",
)

F = "prose_european"
_t(
    F,
    "prose_es",
    r"""
Hola ‹name›, te paso la contraseña del servidor de staging: «pw» (usuario ‹user›). Bórrala cuando termines, por favor.
""",
)
_t(
    F,
    "prose_fr",
    r"""
Bonjour, voici la clé API pour l'environnement de recette : «alnum». Merci de ne pas la partager.
""",
)
_t(
    F,
    "prose_de",
    r"""
Hallo ‹name›, das neue Passwort für den VPN-Zugang lautet «pw». Bitte nach dem ersten Login ändern.
""",
)
_t(
    F,
    "prose_pt",
    r"""
Oi ‹name›, o token do GitHub que usei no deploy foi «ghp» – pode revogar depois?
""",
)
_t(
    F,
    "prose_it",
    r"""
Ciao, la password del database di produzione è «pw», l'utente è ‹user›.
""",
)
_t(
    F,
    "prose_nl",
    r"""
Hoi ‹name›, de wachtwoordzin voor de sleutelkluis is "«phrase»". Niet in de chat zetten volgende keer 🙈
""",
)
_t(
    F,
    "prose_pl",
    r"""
Cześć, hasło do panelu administracyjnego to «pw» – zmień je po zalogowaniu.
""",
)
_t(
    F,
    "prose_sv",
    r"""
Hej! Lösenordet till wifi:t på kontoret är «pwsafe» och PIN-koden till larmet är «pin».
""",
)
_t(
    F,
    "prose_cs",
    r"""
Ahoj, přístupový token k registru je «dckr», platí do pátku.
""",
)
_t(
    F,
    "prose_tr",
    r"""
Merhaba ‹name›, sunucu şifresi «pw». Lütfen kimseyle paylaşma.
""",
)
_t(
    F,
    "prose_ru",
    r"""
Привет! Пароль от базы на стейджинге: «pw», логин ‹user›. После теста смени, пожалуйста.
""",
)
_t(
    F,
    "prose_uk",
    r"""
Вітаю, ось ключ API для тестового середовища: «hex40». Не публікуйте його в загальному каналі.
""",
)
_t(
    F,
    "prose_el",
    r"""
Γεια σου ‹name›, ο κωδικός πρόσβασης για τον διακομιστή είναι «pw».
""",
)

F = "prose_asian_other"
_t(
    F,
    "prose_ja",
    r"""
お疲れ様です。本番DBのパスワードは「«pw»」です。作業が終わったら変更してください。
""",
)
_t(
    F,
    "prose_zh",
    r"""
你好，测试环境的 API 密钥是 «alnum» ，用完请及时删除。
""",
)
_t(
    F,
    "prose_zh_tw",
    r"""
請注意：VPN 密碼已更新為 «pw»，帳號仍是 ‹user›。
""",
)
_t(
    F,
    "prose_ko",
    r"""
안녕하세요, 스테이징 서버 비밀번호는 «pw» 입니다. 사용 후 변경 부탁드립니다.
""",
)
_t(
    F,
    "prose_vi",
    r"""
Chào ‹name›, mật khẩu của tài khoản quản trị là «pw», nhớ đổi sau khi đăng nhập nhé.
""",
)
_t(
    F,
    "prose_hi",
    r"""
नमस्ते ‹name›, सर्वर का पासवर्ड «pw» है, कृपया इसे किसी के साथ साझा न करें।
""",
)
_t(
    F,
    "prose_ar",
    r"""
مرحبا ‹name›، كلمة المرور الجديدة لحساب الخادم هي «pw» يرجى تغييرها بعد تسجيل الدخول.
""",
)
_t(
    F,
    "prose_id",
    r"""
Halo ‹name›, kata sandi untuk dashboard adalah «pw» dan kode OTP-nya «pin».
""",
)
_t(
    F,
    "prose_th",
    r"""
สวัสดีครับ รหัสผ่านเซิร์ฟเวอร์ทดสอบคือ «pw» ครับ
""",
)
_t(
    F,
    "prose_he",
    r"""
היי ‹name›, הסיסמה לשרת היא «pw» תחליף אותה אחרי הכניסה.
""",
)
_t(
    F,
    "prose_ja_mixed_log",
    r"""
ログを貼ります: ‹ts› ERROR 認証失敗 token=«glpat» （トークンは後で無効化します）
""",
)

# ---------------------------------------------------------------------------
# family: private key blocks (planted: every body line / body chunk)
# ---------------------------------------------------------------------------


def _pem_body(r: random.Random, prefix: str, full: int, tail: int) -> list[str]:
    lines = [prefix + _rs(r, _B64CH, 64 - len(prefix))]
    lines += [_rs(r, _B64CH, 64) for _ in range(full - 1)]
    lines.append(_rs(r, _B64CH, tail) + "==")
    return lines


def _pk_block(
    header: str, prefix: str, indent: str = "", intro: str = "", outro: str = ""
) -> Callable[[random.Random], Rendered]:
    def make(r: random.Random) -> Rendered:
        body = _pem_body(r, prefix, 3, r.randrange(10, 40))
        head = _render(r, intro) if intro else ((), ())
        lines = [
            f"{indent}-----BEGIN {header}-----",
            *[indent + b for b in body],
            f"{indent}-----END {header}-----",
        ]
        if outro:
            lines += list(_render(r, outro)[0])
        return _join(head, lines, body)

    return make


def _pk_json_escaped(r: random.Random) -> Rendered:
    body = _pem_body(r, "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC", 3, r.randrange(10, 40))
    kid = _hex(r, 40)
    esc = "\\n".join(["-----BEGIN PRIVATE KEY-----", *body, "-----END PRIVATE KEY-----", ""])
    return _render(
        r,
        r"""
{
  "type": "service_account",
  "project_id": "‹word›-‹num›",
  "private_key_id": "«=k»",
  "private_key": "‹=p›",
  "client_email": "deployer@‹word›.iam.gserviceaccount.com"
}
""",
        {"k": kid, "p": esc},
    )[0], (kid, *body)


def _pk_env_oneline(r: random.Random) -> Rendered:
    body = _pem_body(
        r,
        "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW",
        2,
        r.randrange(10, 30),
    )
    esc = "\\n".join(
        ["-----BEGIN OPENSSH PRIVATE KEY-----", *body, "-----END OPENSSH PRIVATE KEY-----"]
    )
    return _render(
        r,
        r"""
$ env | grep -A0 SSH_
SSH_AUTH_SOCK=/tmp/ssh-‹hex8›/agent.‹pid›
DEPLOY_SSH_KEY=‹=k›
""",
        {"k": esc},
    )[0], tuple(body)


F = "private_keys"
_t(
    F,
    "pem_rsa_in_ticket",
    _pk_block(
        "RSA PRIVATE KEY",
        "MIIEpAIBAAKCAQEA",
        intro="‹name›: here's the key from ‹host›, the old one was revoked:",
    ),
)
_t(
    F,
    "pem_ec_in_yaml_block",
    _pk_block(
        "EC PRIVATE KEY",
        "MHcCAQEEI",
        indent="    ",
        intro="tls:\n  cert: /etc/tls/‹svc›.crt\n  key: |",
    ),
)
_t(
    F,
    "openssh_key_quoted_email",
    _pk_block(
        "OPENSSH PRIVATE KEY",
        "b3BlbnNzaC1rZXktdjEAAAAA",
        indent="> ",
        intro="> On Wed, Dec 3, 2026, ‹name› wrote:",
    ),
)
_t(
    F,
    "pgp_private_block",
    _pk_block(
        "PGP PRIVATE KEY BLOCK",
        "lQdGBF",
        intro="$ gpg --export-secret-keys --armor ‹email›",
        outro="$ history -d $((HISTCMD-1))",
    ),
)
_t(F, "pem_gcp_json_escaped", _pk_json_escaped)
_t(F, "pem_env_literal_newlines", _pk_env_oneline)
_t(
    F,
    "age_identity_file",
    r"""
# created: 2026-12-03T10:11:12Z
# public key: ‹age_pub›
«age»
""",
)
_t(
    F,
    "wireguard_conf",
    r"""
[Interface]
PrivateKey = «wg»
Address = 10.8.0.‹oct›/32
DNS = 1.1.1.1
""",
)
_t(
    F,
    "putty_ppk_private_lines",
    r"""
PuTTY-User-Key-File-3: ssh-ed25519
Encryption: none
Comment: ‹user›@‹host›
Private-Lines: 1
«b64»
Private-MAC: ‹hex32f›‹hex32f›
""",
)

F = "connection_strings"
_t(
    F,
    "cs_postgres_uri",
    r"""
‹ts› connecting to postgresql://‹user›:«urlpw»@‹host›:5432/‹db›?sslmode=verify-full
""",
)
_t(
    F,
    "cs_mongodb_srv_pct",
    r"""
MONGO_URI=mongodb+srv://‹user›:«pctpw»@‹word›.a1b2c.mongodb.net/‹db›?retryWrites=true&w=majority
""",
)
_t(
    F,
    "cs_rediss_default",
    r"""
‹ts› ioredis: connecting rediss://default:«urlpw»@‹host›:6380
""",
)
_t(
    F,
    "cs_amqps",
    r"""
‹ts› [celery] Connected to amqps://‹user›:«urlpw»@‹host›:5671/‹word›
""",
)
_t(
    F,
    "cs_adonet_sqlserver",
    r"""
"ConnectionStrings": { "Default": "Server=‹host›;Database=‹db›;User Id=‹user›;Password=«pw»;TrustServerCertificate=True" }
""",
)
_t(
    F,
    "cs_jdbc_params",
    r"""
jdbc:sqlserver://‹host›:1433;databaseName=‹db›;user=‹user›;password=«pwsafe»;encrypt=true
""",
)
_t(
    F,
    "cs_azure_storage",
    r"""
AZURE_STORAGE_CONNECTION_STRING=DefaultEndpointsProtocol=https;AccountName=‹word›store;AccountKey=«azure_key»;EndpointSuffix=core.windows.net
""",
)
_t(
    F,
    "cs_servicebus_sas",
    r"""
Endpoint=sb://‹word›-bus.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=«b64»
""",
)
_t(
    F,
    "cs_odbc_braces",
    r"""
DRIVER={ODBC Driver 18 for SQL Server};SERVER=‹host›;DATABASE=‹db›;UID=‹user›;PWD={«pw»}
""",
)
_t(
    F,
    "cs_kafka_jaas",
    r"""
sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="‹user›" password="«pw»";
""",
)
_t(
    F,
    "cs_sqlalchemy_mssql_pct",
    r"""
SQLALCHEMY_DATABASE_URI = "mssql+pyodbc://‹user›:«pctpw»@‹host›/‹db›?driver=ODBC+Driver+18+for+SQL+Server"
""",
)
_t(
    F,
    "cs_mysql_dsn_go",
    r"""
‹ts› dsn="‹user›:«urlpw»@tcp(‹host›:3306)/‹db›?parseTime=true"
""",
)

F = "codes_pins"
_t(
    F,
    "sms_gateway_log",
    r"""
‹ts› sms-gw INFO to=+49151‹num6› body="Your ‹Word› verification code is «pin». Do not share it."
""",
)
_t(
    F,
    "otpauth_uri",
    r"""
otpauth://totp/‹Word›:‹email›?secret=«b32»&issuer=‹Word›&algorithm=SHA1&digits=6&period=30
""",
)
_t(
    F,
    "recovery_codes_list",
    r"""
Your backup codes (each can be used once):
  «recovery»    «recovery@2»
  «recovery@3»    «recovery@4»
""",
)
_t(
    F,
    "bitlocker_recovery",
    r"""
BitLocker Drive Encryption recovery key
Identifier: ‹UUIDU›
Recovery Key: «bitlocker»
""",
)
_t(
    F,
    "wifi_psk_nmcli",
    r"""
$ nmcli -s -g 802-11-wireless-security.psk connection show ‹Word›-Office
«pwsafe»
""",
)
_t(
    F,
    "voicemail_pin_ticket",
    r"""
Ticket note: caller verified with account PIN «pin8», requested voicemail PIN reset to «pin».
""",
)
_t(
    F,
    "totp_seed_json",
    r"""
{"user":"‹user›","mfa":{"type":"totp","seed":"«b32»","confirmed":true}}
""",
)
_t(
    F,
    "door_code_prose",
    r"""
Facilities: the server room door code changed to «pin8» effective today.
""",
)

F = "http_wire"
_t(
    F,
    "curl_v_headers",
    r"""
> POST /v1/messages HTTP/2
> Host: api.anthropic.com
> x-api-key: «anthropic»
> anthropic-version: 2023-06-01
< HTTP/2 200
""",
)
_t(
    F,
    "har_headers",
    r"""
{ "name": "Authorization", "value": "Bearer «b64url»" },
{ "name": "Cookie", "value": "_ga=GA1.2.‹num›.‹epoch›; session=«hex64»" },
""",
)
_t(
    F,
    "mitmproxy_dump",
    r"""
‹ip›:‹port›: GET https://‹word›.myshopify.com/admin/api/2024-10/orders.json
    X-Shopify-Access-Token: «shpat»
 << 200 OK 4.1k
""",
)
_t(
    F,
    "http2_frame_debug",
    r"""
[HTTP/2] [1] [:authority: api.github.com]
[HTTP/2] [1] [authorization: token «github_pat»]
""",
)
_t(
    F,
    "grpc_metadata",
    r"""
‹ts› grpc: outgoing metadata: map[authorization:[Bearer «ya29»] x-goog-user-project:[‹word›-‹num›]]
""",
)
_t(
    F,
    "nginx_debug_headers",
    r"""
‹tsb2› [debug] ‹pid›#0: *‹num› http header: "X-Vault-Token: «vault»"
""",
)
_t(
    F,
    "wireshark_follow_stream",
    r"""
POST /api/login HTTP/1.1
Host: ‹host›
Content-Type: application/json

{"email":"‹email›","password":"«pw»"}
""",
)
_t(
    F,
    "httpie_verbose",
    r"""
GET /api/v1/query HTTP/1.1
Authorization: Token «hex40»
Host: ‹host›
User-Agent: HTTPie/3.2.2
""",
)
_t(
    F,
    "set_cookie_response",
    r"""
< HTTP/1.1 302 Found
< Set-Cookie: remember_token=«hex64»; Expires=Thu, 03 Dec 2027 10:11:12 GMT; Path=/; Secure; HttpOnly
< Location: /dashboard
""",
)
_t(
    F,
    "okta_ssws_header",
    r"""
‹ts› okta-sdk DEBUG Authorization: SSWS «okta»
""",
)

F = "cloud_cli_output"
_t(
    F,
    "aws_sts_assume_role",
    r"""
{
    "Credentials": {
        "AccessKeyId": "ASIA‹upper16›",
        "SecretAccessKey": "«aws_secret»",
        "SessionToken": "«aws_session»",
        "Expiration": "2026-12-03T11:11:12+00:00"
    },
""",
)
_t(
    F,
    "gcloud_print_access_token",
    r"""
$ gcloud auth print-access-token
«ya29»
""",
)
_t(
    F,
    "vault_kv_get_table",
    r"""
====== Data ======
Key         Value
---         -----
password    «pw»
username    ‹user›
""",
)
_t(
    F,
    "kubectl_get_secret_yaml",
    r"""
apiVersion: v1
data:
  api-key: «b64_secret»
kind: Secret
metadata:
  name: ‹svc›-api
""",
)
_t(
    F,
    "gh_auth_status_token",
    r"""
$ gh auth status -t
  ✓ Logged in to github.com account ‹user› (keyring)
  - Token: «gho»
""",
)
_t(
    F,
    "op_read",
    r"""
$ op read "op://‹Word›/‹svc›/credential"
«stripe_rk»
""",
)
_t(
    F,
    "az_storage_keys_table",
    r"""
$ az storage account keys list -n ‹word›store -o table
KeyName    Permissions    Value
---------  -------------  ------------------------------------------------------------------------------------------
key1       FULL           «azure_key»
""",
)
_t(
    F,
    "doctl_config",
    r"""
$ cat ~/.config/doctl/config.yaml
access-token: «do_pat»
context: default
""",
)
_t(
    F,
    "terraform_output_raw",
    r"""
$ terraform output -raw admin_password
«pw»
""",
)

# ---------------------------------------------------------------------------
# keep-list: diagnostic tokens that must survive (rendered from SEED + 1)
# ---------------------------------------------------------------------------


def _b64json(r: random.Random) -> str:
    doc = r.choice(
        [
            {"page": r.randrange(2, 90), "sort": "created_at", "dir": "desc"},
            {"offset": r.randrange(100, 9000), "limit": 50},
            {"v": 1, "shard": r.randrange(0, 16), "after": r.randrange(10**6, 10**7)},
            {"region": r.choice(_REGIONS), "view": "compact"},
        ]
    )
    return _b64s(json.dumps(doc, separators=(",", ":")))


def _ulid(r: random.Random) -> str:
    return "01J" + _rs(r, _CROCKFORD, 23)


_KEEP: dict[str, Callable[[random.Random], str]] = {
    "reqid": lambda r: _hex(r, 32),
    "traceid": lambda r: _hex(r, 32),
    "span": lambda r: _hex(r, 16),
    "uuid": _uuid,
    "UUID": lambda r: _uuid(r).upper(),
    "traceparent": lambda r: f"00-{_hex(r, 32)}-{_hex(r, 16)}-01",
    "sha40": lambda r: _hex(r, 40),
    "sha7": lambda r: _hex(r, 7),
    "sha8": lambda r: _hex(r, 8),
    "sha12": lambda r: _hex(r, 12),
    "sha256": lambda r: _hex(r, 64),
    "SHA256": lambda r: _hex(r, 64).upper(),
    "md5": lambda r: _hex(r, 32),
    "MD5": lambda r: _hex(r, 32).upper(),
    "digest": lambda r: "sha256:" + _hex(r, 64),
    "integrity": lambda r: "sha512-" + base64.b64encode(r.randbytes(64)).decode(),
    "gosum": lambda r: "h1:" + base64.b64encode(r.randbytes(32)).decode(),
    "dkim_bh": lambda r: base64.b64encode(r.randbytes(32)).decode(),
    "sshfp": lambda r: "SHA256:" + base64.b64encode(r.randbytes(32)).decode().rstrip("="),
    "etag": lambda r: "%x-%x" % (r.randrange(0x60000000, 0x6FFFFFFF), r.randrange(0x1000, 0xFFFFF)),
    "buildid": lambda r: _hex(r, 40),
    "addr": lambda r: "0x7ffd" + _hex(r, 8),
    "offset": lambda r: "0x" + _hex(r, 6),
    "jtid": lambda r: "0x00007f" + _hex(r, 10),
    "inode": lambda r: str(r.randrange(10**6, 10**8)),
    "ora": lambda r: (
        "ORA-" + r.choice(["12541", "01017", "00942", "12154", "28000", "04031", "01555", "00060"])
    ),
    "hresult": lambda r: (
        "0x8007" + r.choice(["0005", "0002", "0057", "04C7", "2746", "000E", "06BA"])
    ),
    "errno": lambda r: r.choice(
        [
            "ECONNREFUSED",
            "ETIMEDOUT",
            "ECONNRESET",
            "EADDRINUSE",
            "EHOSTUNREACH",
            "ENETUNREACH",
            "ENOTCONN",
        ]
    ),
    "corr": lambda r: "corr-" + _hex(r, 12),
    "jobid": lambda r: str(r.randrange(10**7, 10**9)),
    "ulid": _ulid,
    "snowflake": lambda r: str(r.randrange(10**18, 2 * 10**18)),
    "objectid": lambda r: "67" + _hex(r, 22),
    "b64json": _b64json,
    "ver": lambda r: f"{r.randrange(1, 5)}.{r.randrange(10, 40)}.{r.randrange(0, 12)}",
    "epochms": lambda r: str(r.randrange(1764720000000, 1764806400000)),
    "xray": lambda r: f"1-{_hex(r, 8)}-{_hex(r, 24)}",
    "cfray": lambda r: _hex(r, 16) + "-" + r.choice(["FRA", "AMS", "IAD", "SJC", "NRT", "LHR"]),
    "container": lambda r: _hex(r, 64),
    "container12": lambda r: _hex(r, 12),
    "lsn": lambda r: "%X/%08X" % (r.randrange(1, 16), r.randrange(16**7, 16**8)),
    "walseg": lambda r: "00000001" + "%016X" % r.randrange(16**10, 16**11),
    "cve": lambda r: f"CVE-202{r.randrange(3, 7)}-{r.randrange(1000, 49999)}",
    "pgpfp": lambda r: _hex(r, 40).upper(),
    "instance": lambda r: "i-0" + _hex(r, 16),
    "ami": lambda r: "ami-0" + _hex(r, 16),
    "rv": lambda r: str(r.randrange(10**7, 10**9)),
    "kafka_off": lambda r: str(r.randrange(10**8, 10**10)),
    "amzreqid": lambda r: _rs(r, "0123456789ABCDEF", 16),
    "amzid2": lambda r: base64.b64encode(r.randbytes(57)).decode(),
    "podhash": lambda r: (
        _rs(r, "bcdfghjklmnpqrstvwxz2456789", 10) + "-" + _rs(r, "bcdfghjklmnpqrstvwxz2456789", 5)
    ),
    "buildtag": lambda r: f"2026120{r.randrange(1, 4)}.{r.randrange(1, 40)}-{_hex(r, 7)}",
    "aspnet_reqid": lambda r: _rs(r, _UPPER_ALNUM, 13) + ":" + "%08X" % r.randrange(1, 4096),
    "boundary": lambda r: "0000000000000" + _hex(r, 15),
    "msgid": lambda r: "CA" + _rs(r, _ALNUM + "+_-", 40),
    "smtp_qid": lambda r: "4" + _rs(r, "BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz0123456789", 11),
    "serial": lambda r: ":".join("%02x" % b for b in r.randbytes(16)),
    "maprange": lambda r: (
        "%012x-%012x" % ((s := r.randrange(0x55D000000000, 0x55DFFFFFF000) & ~0xFFF), s + 0x21000)
    ),
    "proctitle_hex": lambda r: (
        "\0".join(
            r.choice(
                [
                    ["ls", "-la", "/var/log"],
                    ["systemctl", "restart", "nginx"],
                    ["journalctl", "-u", "sshd", "-n", "50"],
                    ["tail", "-f", "/var/log/syslog"],
                ]
            )
        )
        .encode()
        .hex()
        .upper()
    ),
    "gcp_op": lambda r: (
        f"operation-{r.randrange(1764720000000, 1764806400000)}-{_hex(r, 13)}-{_hex(r, 8)}-{_hex(r, 8)}"
    ),
    "pcaddr": lambda r: "0x" + _hex(r, 7),
    "nid": lambda r: "0x" + _hex(r, 4),
    "s3ver": lambda r: _rs(r, _ALNUM + "._", 32),
    "sidekiq_jid": lambda r: _hex(r, 24),
    "phx_reqid": lambda r: "F" + _rs(r, _URLSAFE, 19),
    "hexoff": lambda r: "000" + _hex(r, 4) + "0",
}

_KEEPS: list[tuple[str, str]] = []


def _k(fmt: str, body: str) -> None:
    _KEEPS.append((fmt, body))


# structured logs
_k(
    "k_jsonesc_request_id",
    r"""‹ts› INFO  [‹svc›] body="{\"request_id\":\"«reqid»\",\"status\":200}" """,
)
_k(
    "k_docker_jsonfile_trace",
    r"""{"log":"{\"trace_id\":\"«traceid»\",\"msg\":\"ok\"}\n","stream":"stdout","time":"‹ts›"}""",
)
_k("k_double_escaped_span", r"""{"log":"{\"msg\":\"{\\\"span_id\\\":\\\"«span»\\\"}\"}"}""")
_k(
    "k_logfmt_traceparent",
    r"""level=info msg="inbound request" traceparent=«traceparent» status=200 dur=14ms""",
)
_k(
    "k_bunyan_req_id",
    r"""{"name":"‹svc›","req_id":"«uuid»","level":30,"msg":"request finished","statusCode":204,"v":0}""",
)
_k(
    "k_ecs_trace_transaction",
    r"""{"@timestamp":"‹ts›","trace.id":"«traceid»","transaction.id":"«span»","event.duration":12000000}""",
)
_k(
    "k_gelf_container",
    r"""{"version":"1.1","host":"‹host›","_container_id":"«container»","short_message":"started","level":6}""",
)
_k(
    "k_zap_commit_version",
    r"""‹ts›‹TAB›INFO‹TAB›startup‹TAB›{"commit": "«sha40»", "version": "«ver»"}""",
)
_k("k_slog_build_id", r"""time=‹ts› level=INFO msg=startup build_id=«buildid» go=go1.23.4""")
_k(
    "k_klog_pod_uid",
    r"""I1203 ‹time›.‹num6›   ‹pid› controller.go:312] "Syncing" pod="‹env›/‹svc›-0" podUID="«uuid»" """,
)
_k(
    "k_log4j2_correlation",
    r"""{"level":"WARN","loggerName":"c.a.Retry","message":"retry 2/5","contextMap":{"correlationId":"«corr»"}}""",
)
_k(
    "k_serilog_request_id",
    r"""{"@t":"‹ts›","@mt":"HTTP {RequestMethod} {RequestPath} responded {StatusCode}","RequestId":"«aspnet_reqid»","StatusCode":500}""",
)
_k(
    "k_pino_epochms",
    r"""{"level":30,"time":«epochms»,"pid":‹pid›,"hostname":"‹host›","msg":"listening"}""",
)
_k(
    "k_gcp_trace_field",
    r"""{"severity":"ERROR","logging.googleapis.com/trace":"projects/‹word›/traces/«traceid»","message":"upstream 502"}""",
)

# object dumps
_k(
    "k_py_repr_etag_reqid",
    r"""DEBUG:botocore.parsers:Response headers: {'ETag': '"«md5»"', 'x-amz-request-id': '«amzreqid»'}""",
)
_k("k_py_object_at", r"""<‹Word›Client object at «addr»>""")
_k(
    "k_ruby_sidekiq_jid",
    r"""{"class"=>"ExportJob", "jid"=>"«sidekiq_jid»", "enqueued_at"=>‹epoch›.5}""",
)
_k("k_php_print_r_order", r"""    [order_id] => «snowflake»""")
_k("k_go_plusv_digest", r"""&{Image:registry.‹dom›/‹svc› Digest:«digest» Pulled:true}""")
_k("k_rust_debug_objectid", r"""Document { id: ObjectId("«objectid»"), status: "done" }""")
_k("k_java_tostring_ulid", r"""Order{id=«ulid», total=19.99, currency=EUR}""")
_k("k_csharp_anon_activity", r"""{ ActivityId = «traceparent», Status = Ok }""")
_k("k_elixir_request_id", r"""%{request_id: "«phx_reqid»", status: 200, path: "/api/health"}""")
_k("k_clojure_uuid", r"""{:job/id #uuid "«uuid»", :job/status :done}""")
_k("k_perl_dumper_md5", r"""          'checksum' => '«md5»',""")
_k(
    "k_dotnet_hresult",
    r"""System.Runtime.InteropServices.COMException («hresult»): Access is denied.""",
)
_k(
    "k_powershell_hresult",
    r"""FullyQualifiedErrorId : System.UnauthorizedAccessException,«hresult»""",
)

# URLs and forms
_k(
    "k_qs_cursor_b64json",
    r"""‹ip› - - [‹tsb›] "GET /api/v1/events?cursor=«b64json»&limit=50 HTTP/1.1" 200 8812""",
)
_k(
    "k_asset_content_hash",
    r"""‹ip› - - [‹tsb›] "GET /static/js/main.«sha8».chunk.js HTTP/2.0" 200 182331""",
)
_k("k_form_order_ulid", r"""amount=1999&currency=eur&metadata%5Border%5D=«ulid»""")
_k(
    "k_access_log_req_id",
    r"""‹ip› - - [‹tsb›] "GET /healthz HTTP/1.1" 200 2 rt=0.001 req_id=«reqid»""",
)
_k(
    "k_s3_version_id",
    r"""GET https://‹word›-exports.s3.amazonaws.com/report.csv?versionId=«s3ver» 200""",
)
_k("k_b64json_page_token", r"""‹ts› list nodes next_page_token=«b64json»""")
_k(
    "k_b64json_configmap",
    r"""binaryData:
  view.json: «b64json»""",
)

# binaries and dumps
_k("k_readelf_build_id", r"""    Build ID: «buildid»""")
_k(
    "k_file_build_id",
    r"""/usr/bin/‹svc›: ELF 64-bit LSB pie executable, x86-64, version 1 (SYSV), dynamically linked, BuildID[sha1]=«buildid», stripped""",
)
_k("k_xxd_offset", r"""«hexoff»: 7f45 4c46 0201 0100 0000 0000 0000 0000  .ELF............""")
_k(
    "k_hexdump_offset",
    r"""«hexoff»  50 4b 03 04 14 00 00 00  08 00 00 00 21 00 00 00  |PK..........!...|""",
)
_k("k_gdb_x_addr", r"""(gdb) x/4gx «addr»""")
_k(
    "k_proc_maps",
    r"""«maprange» r-xp 00000000 fd:01 «inode»   /usr/lib/x86_64-linux-gnu/libssl.so.3""",
)
_k(
    "k_core_build_id",
    r"""Core was generated by `/usr/bin/‹svc› --config /etc/‹svc›.yml'. build-id «buildid»""",
)

# git and diffs
_k("k_git_index_range", r"""index «sha7»..«sha7» 100644""")
_k("k_git_commit_header", r"""commit «sha40» (HEAD -> ‹branch›, origin/‹branch›)""")
_k("k_git_log_oneline", r"""«sha12» fix: retry on ECONNRESET (#‹num›)""")
_k("k_git_blame", r"""«sha8» (‹name› 2026-12-01 14:02:11 +0000 42)     timeout = 30""")
_k("k_git_rebase_todo", r"""pick «sha7» chore: bump dependencies""")
_k("k_diff_lockfile_integrity", r"""-      "integrity": "«integrity»",""")
_k("k_diff_go_sum", r"""+github.com/‹word›/‹word›go v1.4.2 «gosum»""")
_k("k_diff_image_digest", r"""-    image: registry.‹dom›/‹svc›@«digest»""")
_k("k_diff_chart_version", r"""+version: «ver»""")
_k("k_gitlab_pipeline", r"""Pipeline #«jobid» passed for «sha8» on ‹branch›""")
_k("k_tf_refresh_instance", r"""aws_instance.web: Refreshing state... [id=«instance»]""")
_k("k_kubectl_diff_rv", r"""-  resourceVersion: "«rv»" """)
_k(
    "k_ansible_checksum",
    r"""changed: [‹host›] => {"checksum": "«sha40»", "dest": "/etc/‹svc›.conf", "mode": "0644"}""",
)

# tables and markup
_k("k_md_deploy_table", r"""| ‹svc› | «sha12» | deployed | ‹env› |""")
_k("k_md_incident_table", r"""| Request ID | «uuid» |""")
_k("k_html_data_trace", r"""<tr data-trace="«traceid»"><td>‹svc›</td><td>500</td></tr>""")
_k("k_html_meta_build", r"""<meta name="build-commit" content="«sha40»">""")
_k("k_html_hidden_cursor", r"""<input type="hidden" name="cursor" value="«b64json»">""")
_k("k_csv_orders", r"""«ulid»,‹ts›,paid,19.99,EUR""")
_k("k_tsv_objectid", r"""«objectid»‹TAB›‹user›‹TAB›active""")

# config formats
_k("k_yaml_k8s_uid", r"""  uid: «uuid»""")
_k("k_yaml_image_digest", r"""    image: registry.‹dom›/‹svc›@«digest»""")
_k("k_yaml_resource_version", r"""  resourceVersion: "«rv»" """)
_k("k_toml_cargo_lock_checksum", r"""checksum = "«sha256»" """)
_k("k_hcl_ami", r"""  ami           = "«ami»" """)
_k("k_tfstate_lineage", r"""  "lineage": "«uuid»",""")
_k(
    "k_ini_build_commit",
    r"""[build]
commit = «sha40»""",
)
_k("k_properties_git_abbrev", r"""git.commit.id.abbrev=«sha7»""")
_k("k_xml_pom_version", r"""    <version>«ver»</version>""")
_k("k_soap_message_id", r"""<wsa:MessageID>urn:uuid:«uuid»</wsa:MessageID>""")
_k("k_xml_cdata_trace", r"""<trace><![CDATA[«traceid»]]></trace>""")

# mail
_k("k_mime_message_id", r"""Message-ID: <«msgid»@mail.gmail.com>""")
_k("k_mime_boundary", r"""Content-Type: multipart/alternative; boundary="«boundary»" """)
_k(
    "k_dkim_body_hash",
    r"""DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=‹dom›; s=s1; bh=«dkim_bh»;""",
)
_k(
    "k_received_queue_id",
    r"""Received: from ‹host› (‹host› [‹ip›]) by mx.‹dom› (Postfix) with ESMTPS id «smtp_qid»""",
)

# terminals and traces
_k("k_ansi_commit", r"""‹ESC›[33mcommit «sha40»‹ESC›[m""")
_k("k_ansi_container_started", r"""‹ESC›[32m✔‹ESC›[0m Container «container12» Started""")
_k(
    "k_tmux_segfault_addr",
    r"""‹user›@‹host›:~$ ./‹svc›
Segmentation fault at «addr»""",
)
_k("k_go_panic_pc", r"""[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=«pcaddr»]""")
_k("k_goroutine_offset", r"""‹TAB›/src/server.go:88 +«offset»""")
_k(
    "k_java_thread_tid",
    r""""main" #1 prio=5 os_prio=0 cpu=812.41ms elapsed=93.02s tid=«jtid» nid=«nid» runnable""",
)
_k("k_node_errno", r"""Error: connect «errno» ‹ip›:5432""")
_k("k_oracle_error", r"""java.sql.SQLException: «ora»: TNS:no listener""")
_k("k_sentry_event_id", r"""Sentry event «reqid» sent (level=error)""")
_k(
    "k_windows_update_hresult",
    r"""Installation Failure: Windows failed to install the following update with error «hresult»""",
)

# SQL
_k("k_pg_redo_lsn", r"""‹ts› UTC [‹pid›] LOG:  redo starts at «lsn»""")
_k("k_pg_wal_segment", r"""‹ts› UTC [‹pid›] LOG:  restored log file "«walseg»" from archive""")
_k("k_mysql_gtid", r"""SET @@SESSION.GTID_NEXT= '«uuid»:‹num›'""")
_k(
    "k_hibernate_bound_id",
    r"""‹tsc› TRACE o.h.type.descriptor.sql.BasicBinder - binding parameter [1] as [VARCHAR] - [«uuid»]""",
)
_k(
    "k_activerecord_public_id",
    r"""  Order Load (0.4ms)  SELECT "orders".* FROM "orders" WHERE "orders"."public_id" = $1  [["public_id", "«ulid»"]]""",
)
_k(
    "k_mongo_oid",
    r"""{"op":"query","ns":"‹db›.events","command":{"filter":{"_id":{"$oid":"«objectid»"}}},"millis":1}""",
)

# audit
_k(
    "k_auditd_proctitle_benign",
    r"""type=PROCTITLE msg=audit(‹epoch›.‹num3›:‹num›): proctitle=«proctitle_hex»""",
)
_k(
    "k_auditd_path_inode",
    r"""type=PATH msg=audit(‹epoch›.‹num3›:‹num›): item=0 name="/etc/hosts" inode=«inode» dev=fd:00 mode=0100644""",
)
_k("k_sysmon_guid", r"""<Data Name="ProcessGuid">{«uuid»}</Data>""")
_k("k_sysmon_hashes", r"""<Data Name="Hashes">SHA256=«SHA256»,IMPHASH=«MD5»</Data>""")

# shell and CI
_k("k_xtrace_git_checkout", r"""+ git checkout -q «sha40»""")
_k("k_xtrace_docker_pull", r"""+ docker pull registry.‹dom›/‹svc›@«digest»""")
_k("k_docker_build_writing", r"""#12 writing image «digest» done""")
_k("k_docker_push_digest", r"""latest: digest: «digest» size: 2417""")
_k("k_npm_notice_shasum", r"""npm notice shasum:        «sha40»""")
_k("k_npm_notice_integrity", r"""npm notice integrity:     «integrity»""")
_k("k_pip_hash", r"""‹word›==‹ver› --hash=sha256:«sha256»""")
_k("k_make_build_tag", r"""cc -DBUILD_TAG=\"«buildtag»\" -O2 -o ‹svc› main.c""")
_k("k_ci_cache_key", r"""Cache restored from key: node-modules-Linux-«sha256»""")

# env dumps and strings
_k("k_env_git_commit", r"""GIT_COMMIT=«sha40»""")
_k("k_env_hostname_pod", r"""HOSTNAME=‹svc›-«podhash»""")
_k("k_declare_image_digest", r"""declare -x IMAGE_DIGEST="«digest»" """)
_k("k_strings_version_commit", r"""‹svc› version «ver» (commit «sha12», built ‹ts›)""")

# human text
_k("k_slack_ids", r"""‹name›: request id is «uuid», trace «traceid» — can someone check?""")
_k("k_prose_de_reqid", r"""Die Anfrage mit der ID «reqid» schlug mit Fehler «ora» fehl.""")
_k("k_prose_ja_commit", r"""デプロイしたコミットは «sha12» です。""")
_k("k_prose_fr_digest", r"""L'image déployée est ‹svc›@«digest».""")
_k("k_prose_zh_epochms", r"""时间戳 «epochms» 之后开始报错。""")
_k("k_prose_ru_snowflake", r"""Сообщение «snowflake» не доставлено.""")

# cloud and network
_k(
    "k_lambda_request_id",
    r"""REPORT RequestId: «uuid» Duration: 12.34 ms Billed Duration: 13 ms Memory Size: 512 MB""",
)
_k(
    "k_s3_response_ids",
    r"""x-amz-request-id: «amzreqid»
x-amz-id-2: «amzid2»""",
)
_k("k_xray_header", r"""X-Amzn-Trace-Id: Root=«xray»;Sampled=1""")
_k("k_cf_ray", r"""cf-ray: «cfray»""")
_k("k_gcp_operation", r"""Operation "operations/«gcp_op»" finished successfully.""")
_k("k_azure_correlation", r"""x-ms-correlation-request-id: «uuid»""")
_k("k_ssh_fingerprint", r"""ED25519 key fingerprint is «sshfp».""")
_k("k_gpg_fingerprint", r"""gpg: using RSA key «pgpfp»""")
_k("k_cert_serial", r"""        Serial Number: «serial»""")
_k("k_kafka_offset", r"""Committed offset «kafka_off» for partition ‹svc›-3""")
_k("k_cve_scan", r"""‹svc›: vulnerable to «cve» (openssl «ver»)""")
_k("k_sha256sum_line", r"""«sha256»  ‹svc›-‹ver›-linux-amd64.tar.gz""")
_k("k_md5sum_line", r"""«md5»  backup-2026-12-03.sql.gz""")
_k("k_etag_nginx", r"""< ETag: "«etag»" """)
_k(
    "k_k8s_event_uid",
    r"""  Normal  Scheduled  pod/‹svc›-«podhash»  Successfully assigned; involvedObject.uid=«uuid»""",
)
_k("k_ms_activity_uppercase", r"""ActivityId: {«UUID»}""")


# ---------------------------------------------------------------------------
# public interface
# ---------------------------------------------------------------------------


def cases() -> list[Case]:
    r = random.Random(SEED)
    out: list[Case] = []
    for family, fmt, body in _TEMPLATES:
        for _ in range(VARIANTS):
            lines, values = body(r) if callable(body) else _render(r, body)
            out.append(Case(family, fmt, tuple(lines), tuple(values)))
    return out


def keep_list() -> list[Keep]:
    r = random.Random(SEED + 1)
    out: list[Keep] = []
    for fmt, body in _KEEPS:
        for _ in range(VARIANTS):
            lines, tokens = _render(r, body, table=_KEEP)
            out.append(Keep(fmt, tuple(line.rstrip() for line in lines), tokens))
    return out


def _check() -> dict[str, int]:
    cs, ks = cases(), keep_list()
    assert cs == cases(), "cases() not deterministic"
    assert ks == keep_list(), "keep_list() not deterministic"
    fmts = [fmt for _, fmt, _ in _TEMPLATES]
    assert len(fmts) == len(set(fmts)), "duplicate case format names"
    kfmts = [fmt for fmt, _ in _KEEPS]
    assert len(kfmts) == len(set(kfmts)), "duplicate keep format names"
    assert not set(fmts) & set(kfmts)
    all_values: set[str] = set()
    for c in cs:
        assert c.values, (c.format, "no values")
        assert len(c.values) == len(set(c.values)), (c.format, "duplicate values")
        for line in c.lines:
            assert not any(ch in line for ch in "«»‹›"), (c.format, line)
        for v in c.values:
            assert len(v) >= 4, (c.format, v)
            assert v == v.strip() and "\n" not in v, (c.format, v)
            assert any(v in line for line in c.lines), (c.format, v)
            all_values.add(v)
    all_tokens: set[str] = set()
    for k in ks:
        assert k.tokens, (k.format, "no tokens")
        for line in k.lines:
            assert not any(ch in line for ch in "«»‹›"), (k.format, line)
        for t in k.tokens:
            assert len(t) >= 6, (k.format, t)
            assert any(t in line for line in k.lines), (k.format, t)
            all_tokens.add(t)
    for v in all_values:
        for t in all_tokens:
            assert v != t and v not in t and t not in v, (v, t)
    return {
        "families": len({c.family for c in cs}),
        "case_templates": len(_TEMPLATES),
        "cases": len(cs),
        "values": sum(len(c.values) for c in cs),
        "keep_templates": len(_KEEPS),
        "keep_entries": len(ks),
        "keep_tokens": sum(len(k.tokens) for k in ks),
    }


if __name__ == "__main__":
    print(_check())
