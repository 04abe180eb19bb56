# ruff: noqa: E501
"""Blind planted-secret corpus C: sealed, untuned, for issue 12.

How it was written: blind, on 2026-12-02, by helper C, without opening the sanitizer, its
recognizers, the tuned corpus, the other blind corpora, the leak results or the README's
Sanitization section. Only the ``Case``/``Keep`` shapes of benchmarks/secret_corpus_heldout.py and
the loader in benchmarks/secret_leaks.py were read. The corpus is SEALED: it is the untuned corpus
the sanitizer is judged on, so nobody may tune recognizers against it; a miss found here is
reported, not fixed by adding this corpus's shapes.

What it holds: secrets the way they reach an incident: start-up and error logs of applications and
daemons, HTTP debug dumps, database driver errors and connection strings (JDBC, ODBC, ADO.NET,
libpq keywords, Go/Rust/Node/Python/Ruby/PHP/Java/.NET client configs), message brokers, LDAP,
Kerberos, RADIUS and SNMP, network device configs, CI/CD logs, IaC plans and diffs, Kubernetes and
cloud CLI output, shell traces and history, crash dumps, strace/tcpdump-like ASCII, chat and
tickets in several human languages, and vendor tokens with distinctive prefixes. Placement,
quoting, escaping (JSON, HTML entities, percent, unicode escapes, doubled SQL quotes), encodings
(base64 of user:pass, SASL PLAIN, hex), alphabets (word passphrases, PINs, symbols, unicode) and
line structure (continuation lines, table columns) vary. Each template is instantiated
``VARIANTS`` times with fresh values from a seeded source: deterministic, no real credential.

The keep-list holds diagnostic tokens (trace/span ids, UUIDs, digests, git SHAs, versions,
timestamps, error codes, pod names, checksums, PIDs, ports, inodes, request ids, metric values) in
lines that often also say token, key, auth, secret or password; they must survive.

Template syntax: ``{NAME}`` slots. Upper-case names are planted secrets (trailing digits allow two
distinct secrets of one kind in a template); lower-case names are context fillers. In the keep-list
every slot whose name is in ``KEEP_SLOTS`` is a token that must survive.
"""

from __future__ import annotations

import base64
import functools
import random
import re
import string
import uuid
from collections.abc import Callable
from typing import NamedTuple

ALNUM = string.ascii_letters + string.digits
LOWER = string.ascii_lowercase
UPPER = string.ascii_uppercase
DIGITS = string.digits
HEX = "0123456789abcdef"
B64 = ALNUM + "+/"
URLSAFE = ALNUM + "-_"
SYM = "!#%^*-_+=.~@$&"
WORDS = [
    "anchor", "basalt", "cinder", "dahlia", "eskimo", "fjord", "granite", "hollow", "indigo",
    "jasper", "kestrel", "lichen", "marlin", "nectar", "obsidian", "pepper", "quiver", "rosin",
    "sorrel", "tamarind", "umber", "vortex", "walnut", "yarrow", "zephyr", "bramble", "coyote",
]  # fmt: skip
UNI = "äöüßéèçñøåæłśžčřğışщжфяλμπΩ"
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


def _p(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def _mixed(rng: random.Random, n: int, alphabet: str = ALNUM) -> str:
    """A value with at least one upper, lower and digit, so it never looks like a word."""
    body = list(
        _p(rng, alphabet, n - 3) + rng.choice(UPPER) + rng.choice(LOWER) + rng.choice(DIGITS)
    )
    rng.shuffle(body)
    return "".join(body)


# --- context fillers (not secrets) -------------------------------------------------------------


def _host(rng: random.Random) -> str:
    return (
        rng.choice(["db", "pg", "mq", "cache", "auth", "api", "ldap", "core"])
        + f"{rng.randint(1, 40):02d}.{rng.choice(['prod', 'stg', 'eu1', 'dc2'])}.{rng.choice(['corp.example', 'int.example.net', 'svc.example.org'])}"
    )


def _user(rng: random.Random) -> str:
    return rng.choice(["svc_", "app_", "", "ops-", "ro_"]) + rng.choice(
        ["billing", "orders", "ingest", "report", "admin", "backup", "grafana", "etl", "sync"]
    )


FILL: dict[str, Callable[[random.Random], str]] = {
    "host": _host,
    "user": _user,
    "db": lambda r: r.choice(["orders", "billing", "inventory", "auth", "metrics", "crm"]),
    "port": lambda r: str(
        r.choice([5432, 3306, 1433, 1521, 6379, 5672, 9092, 389, 636, 27017, 8443])
    ),
    "ts": lambda r: (
        f"2026-11-{r.randint(1, 30):02d}T{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}.{r.randint(0, 999):03d}Z"
    ),
    "pid": lambda r: str(r.randint(300, 65000)),
    "ip": lambda r: f"10.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}",
    "n": lambda r: str(r.randint(2, 99)),
    "b64user": lambda r: base64.b64encode(_user(r).encode()).decode(),
}

# --- planted secret generators -----------------------------------------------------------------


def _pw(r: random.Random) -> str:
    return _mixed(r, r.randint(10, 18), ALNUM + "!#%^*-_+=.~")


def _pw_plain(r: random.Random) -> str:
    return _mixed(r, r.randint(10, 16))


def _phrase(r: random.Random) -> str:
    return r.choice(["-", " ", ".", "_"]).join(r.sample(WORDS, 4)) + str(r.randint(1, 99))


def _pin(r: random.Random) -> str:
    return str(r.randint(100000, 99999999))


def _uni(r: random.Random) -> str:
    return _p(r, UNI, 3) + _mixed(r, 6) + _p(r, UNI, 3)


def _b64pw(u: str, r: random.Random) -> str:
    return base64.b64encode(f"{u}:{_pw(r)}".encode()).decode()


GEN: dict[str, Callable[[random.Random], str]] = {
    "PW": _pw,
    "PWA": _pw_plain,
    "PHRASE": _phrase,
    "PIN": _pin,
    "PWU": _uni,
    "PWS": lambda r: (
        _mixed(r, 8, ALNUM) + r.choice("$&@!%") + _mixed(r, 5, ALNUM) + r.choice("#^*")
    ),
    # escaped forms: the value recorded is the text as it appears in the line
    "PWJ": lambda r: _mixed(r, 6) + '\\"' + _mixed(r, 6),
    "PWH": lambda r: _mixed(r, 6) + "&amp;" + _mixed(r, 5) + "&lt;" + _p(r, DIGITS, 2),
    "PWUE": lambda r: _mixed(r, 6) + "\\u0040" + _mixed(r, 6),
    "PWPCT": lambda r: _mixed(r, 5) + "%40" + _mixed(r, 4) + "%2F" + _mixed(r, 4),
    "PWSQL": lambda r: _mixed(r, 6) + "''" + _mixed(r, 6),
    "PWBS": lambda r: _mixed(r, 6) + "\\$" + _mixed(r, 6),
    "HEX32": lambda r: _p(r, HEX, 32),
    "HEX40": lambda r: _p(r, HEX, 40),
    "HEX64": lambda r: _p(r, HEX, 64),
    "B64": lambda r: _mixed(r, 40, B64) + "=",
    "B64L": lambda r: _mixed(r, 86, B64) + "==",
    "TOK": lambda r: _mixed(r, r.randint(24, 40), URLSAFE),
    "SHORT": lambda r: _mixed(r, 8),
    "JWT": lambda r: (
        "eyJ"
        + _mixed(r, 30, URLSAFE)
        + ".eyJ"
        + _mixed(r, 60, URLSAFE)
        + "."
        + _mixed(r, 43, URLSAFE)
    ),
    "CISCO7": lambda r: "0" + str(r.randint(0, 9)) + _p(r, "0123456789ABCDEF", 20),
    "MD5CRYPT": lambda r: "$1$" + _mixed(r, 4) + "$" + _mixed(r, 22, ALNUM + "./"),
    "JUNOS9": lambda r: "$9$" + _mixed(r, 24, ALNUM + "./-"),
    "SSHA": lambda r: "{SSHA}" + _mixed(r, 32, B64),
    "PEMLINE": lambda r: _mixed(r, 64, B64),
    "WGKEY": lambda r: _mixed(r, 43, B64) + "=",
    # vendor tokens with distinctive prefixes
    "GHP": lambda r: "ghp_" + _mixed(r, 36),
    "GHO": lambda r: "gho_" + _mixed(r, 36),
    "GHS": lambda r: "ghs_" + _mixed(r, 36),
    "GHPAT": lambda r: "github_pat_" + _mixed(r, 22) + "_" + _mixed(r, 59),
    "GLPAT": lambda r: "glpat-" + _mixed(r, 20, URLSAFE),
    "GLRT": lambda r: "glrt-" + _mixed(r, 20, URLSAFE),
    "NPM": lambda r: "npm_" + _mixed(r, 36),
    "PYPI": lambda r: "pypi-AgEIcHlwaS5vcmc" + _mixed(r, 60, URLSAFE),
    "DCKR": lambda r: "dckr_pat_" + _mixed(r, 27, URLSAFE),
    "RUBYGEMS": lambda r: "rubygems_" + _p(r, HEX, 48),
    "HF": lambda r: "hf_" + _mixed(r, 34),
    "PMAK": lambda r: "PMAK-" + _p(r, HEX, 24) + "-" + _p(r, HEX, 34),
    "ATATT": lambda r: (
        "ATATT3xFfGF0" + _mixed(r, 180, URLSAFE) + "=" + _p(r, "0123456789ABCDEF", 8)
    ),
    "SNTRYS": lambda r: "sntrys_eyJpYXQiOj" + _mixed(r, 60, ALNUM),
    "XOXB": lambda r: (
        f"xoxb-{r.randint(10**10, 10**11)}-{r.randint(10**12, 10**13)}-{_mixed(r, 24)}"
    ),
    "XOXP": lambda r: (
        f"xoxp-{r.randint(10**10, 10**11)}-{r.randint(10**10, 10**11)}-{r.randint(10**12, 10**13)}-{_p(r, HEX, 32)}"
    ),
    "XAPP": lambda r: (
        f"xapp-1-A{_p(r, UPPER + DIGITS, 10)}-{r.randint(10**12, 10**13)}-{_p(r, HEX, 64)}"
    ),
    "SKLIVE": lambda r: "sk_live_" + _mixed(r, 34),
    "RKLIVE": lambda r: "rk_live_" + _mixed(r, 34),
    "WHSEC": lambda r: "whsec_" + _mixed(r, 32),
    "SQ0": lambda r: "sq0csp-" + _mixed(r, 43, URLSAFE),
    "SQATP": lambda r: "EAAA" + _mixed(r, 60, URLSAFE),
    "TWSK": lambda r: "SK" + _p(r, HEX, 32),
    "SG": lambda r: "SG." + _mixed(r, 22, URLSAFE) + "." + _mixed(r, 43, URLSAFE),
    "MAILGUN": lambda r: "key-" + _p(r, HEX, 32),
    "TELEGRAM": lambda r: f"{r.randint(10**8, 10**10)}:AA{_mixed(r, 33, URLSAFE)}",
    "DISCORD": lambda r: (
        "M" + _mixed(r, 23, URLSAFE) + "." + _mixed(r, 6, URLSAFE) + "." + _mixed(r, 38, URLSAFE)
    ),
    "SHPAT": lambda r: "shpat_" + _p(r, HEX, 32),
    "SHPSS": lambda r: "shpss_" + _p(r, HEX, 32),
    "FLW": lambda r: "FLWSECK-" + _p(r, HEX, 32) + "-X",
    "AKIA": lambda r: "AKIA" + _p(r, UPPER + "234567", 16),
    "ASIA": lambda r: "ASIA" + _p(r, UPPER + "234567", 16),
    "AWSSECRET": lambda r: _mixed(r, 40, B64),
    "AWSSESSION": lambda r: "IQoJb3JpZ2luX2VjE" + _mixed(r, 200, B64),
    "AIZA": lambda r: "AIza" + _mixed(r, 35, URLSAFE),
    "YA29": lambda r: "ya29.a0" + _mixed(r, 120, URLSAFE),
    "AZSTOR": lambda r: _mixed(r, 86, B64) + "==",
    "DOP": lambda r: "dop_v1_" + _p(r, HEX, 64),
    "LTAI": lambda r: "LTAI" + _mixed(r, 20),
    "AKID": lambda r: "AKID" + _mixed(r, 32),
    "SKPROJ": lambda r: "sk-proj-" + _mixed(r, 100, URLSAFE),
    "SKANT": lambda r: "sk-ant-api03-" + _mixed(r, 93, URLSAFE) + "AA",
    "GSK": lambda r: "gsk_" + _mixed(r, 52),
    "R8": lambda r: "r8_" + _mixed(r, 37),
    "DAPI": lambda r: "dapi" + _p(r, HEX, 32),
    "HVS": lambda r: "hvs." + _mixed(r, 24),
    "HVSLONG": lambda r: "hvs.CAESI" + _mixed(r, 80, URLSAFE),
    "DOPPLER": lambda r: "dp.st.prd." + _mixed(r, 43),
    "TSKEY": lambda r: "tskey-auth-k" + _mixed(r, 10) + "CNTRL-" + _mixed(r, 33),
    "PULUMI": lambda r: "pul-" + _p(r, HEX, 40),
    "GLSA": lambda r: "glsa_" + _mixed(r, 32) + "_" + _p(r, HEX, 8),
    "GLC": lambda r: "glc_eyJvIjoi" + _mixed(r, 80, ALNUM) + "=",
    "NRAK": lambda r: "NRAK-" + _p(r, UPPER + DIGITS, 27),
    "LINEAR": lambda r: "lin_api_" + _mixed(r, 40),
    "NOTION": lambda r: "ntn_" + _p(r, DIGITS, 11) + _mixed(r, 35),
    "FIGMA": lambda r: "figd_" + _mixed(r, 40, URLSAFE),
    "MAPBOX": lambda r: "sk.eyJ1Ijoi" + _mixed(r, 60, URLSAFE) + "." + _mixed(r, 22, URLSAFE),
    "OKTA": lambda r: "00" + _mixed(r, 40, URLSAFE),
    "DDAPI": lambda r: _p(r, HEX, 32),
    "CFTOKEN": lambda r: _mixed(r, 40, URLSAFE),
    "AGE": lambda r: "AGE-SECRET-KEY-1" + _p(r, "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L", 58),
    "OPS": lambda r: "ops_eyJzaWduSW5BZGRyZXNzIjoi" + _mixed(r, 70, URLSAFE),
    "GR": lambda r: "GR1348941" + _mixed(r, 20, URLSAFE),
    "NRII": lambda r: "NRII-" + _mixed(r, 32, URLSAFE),
    "SLACKHOOK": lambda r: (
        f"T{_p(r, UPPER + DIGITS, 10)}/B{_p(r, UPPER + DIGITS, 10)}/{_mixed(r, 24)}"
    ),
    "DISCHOOK": lambda r: f"{r.randint(10**17, 10**18)}/{_mixed(r, 68, URLSAFE)}",
    "TEAMSHOOK": lambda r: (
        f"IncomingWebhook/{_p(r, HEX, 32)}/{uuid.UUID(int=r.getrandbits(128))}/V2{_mixed(r, 40, URLSAFE)}"
    ),
    "SENTRYKEY": lambda r: _p(r, HEX, 32),
    "SAS": lambda r: _mixed(r, 43, ALNUM) + "%3D",
}


DERIVED = frozenset({"BASIC", "SASL", "HEXPW", "B64PW", "DOCKERAUTH"})


def _derived(name: str, r: random.Random, ctx: dict[str, str]) -> str:
    user = ctx.setdefault("user", _user(r))
    if name == "BASIC":
        return _b64pw(user, r)
    if name == "SASL":
        return base64.b64encode(f"\0{user}\0{_pw(r)}".encode()).decode()
    if name == "HEXPW":
        return _pw(r).encode().hex()
    if name == "B64PW":
        return base64.b64encode(_pw(r).encode()).decode()
    if name == "DOCKERAUTH":
        return _b64pw(user, r)
    return GEN[name](r)


SLOT = re.compile(r"\{\{|\}\}|\{([A-Za-z][A-Za-z0-9_]*)\}")


def _slots(text: str) -> list[str]:
    return [name for name in SLOT.findall(text) if name]


def _kind(name: str) -> str:
    return name if name in GEN or name in DERIVED else name.rstrip("0123456789")


class _Filler:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.seen: set[str] = set()

    def secret(self, kind: str, ctx: dict[str, str]) -> str:
        for _ in range(100):
            value = _derived(kind, self.rng, ctx)
            if value not in self.seen and not any(
                value in s or s in value for s in self.seen if len(s) < 12
            ):
                self.seen.add(value)
                return value
        raise RuntimeError(f"no fresh value for {kind}")

    def fill(self, text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        ctx: dict[str, str] = {}
        secrets: dict[str, str] = {}
        # fillers first, so derived secrets (base64 of user:pass) use the line's user
        for name in _slots(text):
            if name[0].islower() and name not in ctx:
                gen = FILL.get(name) or KEEPGEN[name]
                ctx[name] = gen(self.rng)

        def sub(m: re.Match[str]) -> str:
            name = m.group(1)
            if not name:
                return m.group(0)[0]
            if name[0].islower():
                return ctx[name]
            if name not in secrets:
                secrets[name] = self.secret(_kind(name), ctx)
            return secrets[name]

        out = SLOT.sub(sub, text)
        lines = tuple(line + "\n" for line in out.split("\n"))
        return lines, tuple(secrets.values())


# --- the families --------------------------------------------------------------------------------
# Each entry: family -> list of (format name, template). Newlines in a template separate lines.

FAMILIES: dict[str, list[tuple[str, str]]] = {
    "startup_log": [
        (
            "spring_props_dump",
            "{ts}  INFO {pid} --- [main] o.s.b.c.c.ConfigDataEnvironment : spring.datasource.url=jdbc:postgresql://{host}:5432/{db}, spring.datasource.username={user}, spring.datasource.password={PW}",
        ),
        (
            "daemon_config_echo",
            "{ts} [notice] worker[{pid}] effective config: listen=0.0.0.0:{port} upstream_user={user} upstream_pass={PWA} tls=on",
        ),
        (
            "django_settings_debug",
            "DEBUG {ts} settings loaded: DATABASES={{'default': {{'ENGINE': 'django.db.backends.mysql', 'USER': '{user}', 'PASSWORD': '{PW}', 'HOST': '{host}'}}}}",
        ),
        (
            "node_env_banner",
            "[{ts}] info: starting api v3 with env {{ NODE_ENV: 'production', REDIS_URL: 'redis://:{PWA}@{host}:6379/0', PORT: '8080' }}",
        ),
        (
            "java_sysprops",
            "{ts} INFO  Main - JVM args: -Xmx2g -Djavax.net.ssl.keyStorePassword={PW} -Djavax.net.ssl.trustStorePassword={PW2} -Dserver.port=8443",
        ),
        (
            "dotnet_config_dump",
            "info: Startup[0]\n      Configuration: ConnectionStrings:Main = Server={host};Database={db};User Id={user};Password={PW};TrustServerCertificate=True",
        ),
        (
            "go_flag_dump",
            '{ts} INFO main.go:88 flags parsed {{"listen": ":{port}", "db-dsn": "{user}:{PWA}@tcp({host}:3306)/{db}", "log-level": "info"}}',
        ),
        (
            "elixir_runtime",
            '{ts} [info] Running with config: [repo: [username: "{user}", password: "{PW}", hostname: "{host}", pool_size: 10]]',
        ),
    ],
    "error_log": [
        (
            "redis_auth_err",
            "{ts} ERROR ReplyError: WRONGPASS invalid username-password pair or user is disabled. command: AUTH {user} {PWA}",
        ),
        (
            "python_locals_traceback",
            'Traceback (most recent call last):\n  File "/srv/app/db.py", line 41, in connect\n    conn = psycopg2.connect(dsn)\n    dsn = \'host={host} dbname={db} user={user} password={PW} sslmode=require\'\npsycopg2.OperationalError: FATAL:  password authentication failed for user "{user}"',
        ),
        (
            "mongo_uri_err",
            "{ts} E NETWORK [conn{n}] MongoServerSelectionError: failed to connect to mongodb+srv://{user}:{PWA}@{host}/{db}?retryWrites=true",
        ),
        (
            "ruby_exception",
            'E, [{ts} #{pid}] ERROR -- : Mysql2::Error: Access denied for user \'{user}\'@\'{ip}\' (using password: YES) -- config: {{:adapter=>"mysql2", :password=>"{PW}", :host=>"{host}"}}',
        ),
        (
            "php_fatal",
            "PHP Fatal error:  Uncaught PDOException: SQLSTATE[HY000] [1045] Access denied in /var/www/app/db.php:12\nStack trace:\n#0 /var/www/app/db.php(12): PDO->__construct('mysql:host={host};dbname={db}', '{user}', '{PW}')",
        ),
        (
            "java_exception_msg",
            "Caused by: org.apache.kafka.common.errors.SaslAuthenticationException: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512 (user={user}, secret={PWA})",
        ),
        (
            "nginx_upstream_err",
            '{ts} [error] {pid}#0: *{n} upstream prematurely closed connection while reading response header, client: {ip}, request: "GET /internal/sync?api_key={TOK} HTTP/1.1", upstream: "http://{ip}:8080"',
        ),
        (
            "unicode_pw_err",
            '{ts} WARN ldap bind failed for cn={user},ou=svc: invalid credentials (supplied password "{PWU}")',
        ),
    ],
    "http_debug": [
        (
            "curl_verbose_bearer",
            "* Connected to {host} ({ip}) port 443\n> POST /v2/deploy HTTP/2\n> Host: {host}\n> authorization: Bearer {JWT}\n> content-type: application/json",
        ),
        (
            "requests_send_basic",
            "send: b'GET /api/health HTTP/1.1\\r\\nHost: {host}\\r\\nAuthorization: Basic {BASIC}\\r\\nAccept: */*\\r\\n\\r\\n'",
        ),
        (
            "go_dumprequest_apikey",
            "POST /v1/events HTTP/1.1\r\nHost: {host}\r\nX-Api-Key: {TOK}\r\nContent-Length: 212",
        ),
        (
            "okhttp_log",
            "{ts} I/okhttp.OkHttpClient: --> GET https://{host}/me\n{ts} I/okhttp.OkHttpClient: X-Auth-Token: {HEX40}",
        ),
        (
            "form_body_secret",
            "> POST /oauth/token HTTP/1.1\n> Content-Type: application/x-www-form-urlencoded\n>\ngrant_type=client_credentials&client_id={user}&client_secret={TOK}&scope=read",
        ),
        (
            "cookie_dump",
            "< HTTP/1.1 302 Found\n< Set-Cookie: session_id={TOK}; Path=/; HttpOnly; Secure\n< Location: /dashboard",
        ),
        ("har_json_header", '          {{ "name": "Authorization", "value": "Token {HEX40}" }},'),
        ("proxy_auth", "CONNECT {host}:443 HTTP/1.1\nProxy-Authorization: Basic {BASIC}"),
        (
            "aws_sigv4_query",
            "DEBUG botocore.endpoint: Making request: GET https://{host}/bucket/object?X-Amz-Credential={AKIA}%2F20261201%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature={HEX64}",
        ),
    ],
    "jdbc_url": [
        (
            "jdbc_mysql_query",
            "{ts} ERROR HikariPool-1 - Exception during pool initialization. url=jdbc:mysql://{host}:3306/{db}?user={user}&password={PW}&useSSL=true",
        ),
        (
            "jdbc_pg_props",
            "jdbc:postgresql://{host}:5432/{db}?ssl=true&user={user}&password={PWA}&ApplicationName=etl",
        ),
        (
            "jdbc_sqlserver",
            "com.microsoft.sqlserver.jdbc.SQLServerException: Login failed. Connection: jdbc:sqlserver://{host}:1433;databaseName={db};user={user};password={PW};encrypt=true",
        ),
        (
            "jdbc_oracle_thin",
            "ORA-01017: invalid username/password; logon denied [url=jdbc:oracle:thin:{user}/{PWA}@//{host}:1521/ORCLPDB1]",
        ),
        (
            "jdbc_db2_props",
            "jdbc:db2://{host}:50000/{db}:user={user};password={PWA};sslConnection=true;",
        ),
        (
            "jdbc_clickhouse",
            "jdbc:clickhouse://{host}:8443/{db}?ssl=true&user={user}&password={PHRASE}",
        ),
    ],
    "odbc_adonet": [
        (
            "odbc_driver_string",
            "[unixODBC][Driver Manager]Data source name not found: Driver={{ODBC Driver 18 for SQL Server}};Server=tcp:{host},1433;Uid={user};Pwd={PW};Encrypt=yes;",
        ),
        (
            "odbc_braced_pwd",
            "DRIVER={{PostgreSQL Unicode}};SERVER={host};DATABASE={db};UID={user};PWD={{{PWS}}};",
        ),
        (
            "adonet_userid",
            'System.Data.SqlClient.SqlException: Cannot open database "{db}" requested by the login. ConnStr: Data Source={host};Initial Catalog={db};User ID={user};Password={PW};',
        ),
        (
            "adonet_appsettings",
            '  "ConnectionStrings": {{\n    "Default": "Server={host};Database={db};User Id={user};Password={PWA};MultipleActiveResultSets=true"\n  }},',
        ),
        (
            "odbc_ini_block",
            "[{db}]\nDriver = MySQL\nServer = {host}\nUser = {user}\nPassword = {PW}\nDatabase = {db}",
        ),
        (
            "oledb_string",
            "Provider=MSOLEDBSQL;Data Source={host};User ID={user};Password={PHRASE};Initial Catalog={db}",
        ),
    ],
    "libpq_keyword": [
        (
            "libpq_conninfo",
            "psql: error: connection to server failed; conninfo: host={host} port=5432 dbname={db} user={user} password={PW} sslmode=verify-full",
        ),
        (
            "libpq_quoted_space",
            "pgbouncer: dsn \"host={host} dbname={db} user={user} password='{PHRASE}'\"",
        ),
        ("pgpassword_env", "+ PGPASSWORD={PWA} psql -h {host} -U {user} -d {db} -c 'select 1'"),
        ("pgpass_line", "{host}:5432:{db}:{user}:{PW}"),
        (
            "pg_dump_uri",
            "pg_dump: error: connection to database failed: postgresql://{user}:{PWPCT}@{host}:5432/{db}",
        ),
    ],
    "client_config": [
        (
            "go_mysql_dsn",
            'db, err := sql.Open("mysql", "{user}:{PW}@tcp({host}:3306)/{db}?parseTime=true")',
        ),
        (
            "rust_builder",
            'let cfg = tokio_postgres::Config::new().host("{host}").user("{user}").password("{PWA}").dbname("{db}");',
        ),
        (
            "node_pool",
            "const pool = new Pool({{ host: '{host}', user: '{user}', password: '{PW}', database: '{db}' }});",
        ),
        (
            "python_kwargs",
            'client = redis.Redis(host="{host}", port=6379, password="{PWA}", ssl=True)',
        ),
        (
            "ruby_hash",
            "Sequel.connect(adapter: 'postgres', host: '{host}', user: '{user}', password: '{PW}', database: '{db}')",
        ),
        ("php_array", "    'password' => '{PW}',"),
        ("java_setter", '        dataSource.setPassword("{PWA}");'),
        (
            "dotnet_builder",
            'var builder = new NpgsqlConnectionStringBuilder {{ Host = "{host}", Username = "{user}", Password = "{PW}" }};',
        ),
        (
            "perl_dbi",
            'my $dbh = DBI->connect("dbi:Pg:dbname={db};host={host}", "{user}", "{PWA}", {{ RaiseError => 1 }});',
        ),
        (
            "kotlin_named",
            'val ds = HikariDataSource().apply {{ jdbcUrl = url; username = "{user}"; password = "{PW}" }}',
        ),
        ("toml_client", '[database]\nhost = "{host}"\nuser = "{user}"\npass = "{PWA}"'),
        ("yaml_client", 'redis:\n  host: {host}\n  auth_pass: "{PW}"'),
    ],
    "message_broker": [
        (
            "amqp_url",
            "{ts} [error] <0.{pid}.0> amqp_client: connection to amqp://{user}:{PWA}@{host}:5672/%2Fprod refused",
        ),
        (
            "rabbitmqctl_add_user",
            "$ rabbitmqctl add_user {user} '{PW}'\nAdding user \"{user}\" ...",
        ),
        (
            "kafka_jaas",
            'sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="{user}" password="{PW}";',
        ),
        ("kafka_cli_props", "ssl.keystore.password={PWA}\nssl.key.password={PWA2}"),
        (
            "nats_token_url",
            "[{pid}] {ts} [ERR] Error trying to connect to route nats://{TOK}@{host}:6222: authorization violation",
        ),
        ("mosquitto_pub", "mosquitto_pub -h {host} -u {user} -P '{PW}' -t alerts/test -m hello"),
        ("pulsar_token", "brokerClientAuthenticationParameters=token:{JWT}"),
        ("sqs_celery_broker", "[config]\n.> broker:      sqs://{AKIA}:{AWSSECRET}@//"),
        ("activemq_credentials", "activemq.password={PHRASE}"),
    ],
    "directory_auth": [
        (
            "ldapsearch_w",
            "$ ldapsearch -x -H ldaps://{host} -D 'cn={user},ou=svc,dc=example,dc=com' -w '{PW}' '(uid=jdoe)'",
        ),
        ("sssd_bind", "ldap_default_authtok_type = password\nldap_default_authtok = {PWA}"),
        ("slapd_rootpw", "olcRootPW: {SSHA}"),
        ("kadmin_w", "+ kadmin -p admin/admin -w {PW} -q 'addprinc -randkey host/{host}'"),
        (
            "kerberos_prose",
            "kinit {user}@EXAMPLE.COM   # keytab lost, used the password {PWA} for now",
        ),
        ("radius_clients_conf", "client {host} {{\n    ipaddr = {ip}\n    secret = {PW}\n}}"),
        ("radtest", "$ radtest {user} '{PWA}' {host} 0 {PW}"),
        ("snmp_community_ios", "snmp-server community {PWA} RO 10"),
        ("snmpwalk_c", "snmpwalk -v2c -c {PWA} {ip} 1.3.6.1.2.1.1"),
        (
            "snmpv3_authpriv",
            "snmpget -v3 -l authPriv -u {user} -a SHA -A {PW} -x AES -X {PW2} {ip} sysUpTime.0",
        ),
        ("ldap_ini_bind", "[ldap]\nbind_dn = cn={user},dc=corp\nbind_password = {PHRASE}"),
    ],
    "network_device": [
        ("ios_enable_secret", "enable secret 5 {MD5CRYPT}"),
        ("ios_user_type7", "username admin privilege 15 password 7 {CISCO7}"),
        (
            "junos_encrypted",
            'set system login user ops authentication encrypted-password "{JUNOS9}"',
        ),
        ("tacacs_key", "tacacs-server host {ip} key {PWA}"),
        ("ipsec_psk", "crypto isakmp key {PW} address {ip}"),
        ("bgp_neighbor_pw", " neighbor {ip} password {PWA}"),
        ("ospf_md5", " ip ospf message-digest-key 1 md5 {SHORT}"),
        ("wpa_supplicant", 'network={{\n    ssid="corp-iot"\n    psk="{PHRASE}"\n}}'),
        ("mikrotik_user", "/user add name={user} group=full password={PW}"),
        ("fortigate_psk", "    set psksecret {PWA}"),
        ("vyos_psk", "set vpn ipsec authentication psk peer1 secret '{PW}'"),
        ("hostapd", "wpa_passphrase={PHRASE}"),
    ],
    "ci_cd_log": [
        (
            "gha_run_step",
            "2026-12-01T10:12:03.4411Z ##[group]Run docker login ghcr.io -u {user} -p {GHP}",
        ),
        ("gitlab_export", "$ export DEPLOY_TOKEN={GLPAT}\n$ ./deploy.sh --env prod"),
        (
            "jenkins_console",
            "[Pipeline] sh\n+ curl -sf -u {user}:{PW} https://{host}/artifactory/api/npm/auth",
        ),
        ("npmrc_set", "+ npm config set //registry.npmjs.org/:_authToken={NPM}"),
        ("twine_upload", "+ twine upload -u __token__ -p {PYPI} dist/*"),
        (
            "helm_repo_add",
            "+ helm repo add internal https://{host}/charts --username {user} --password {PWA}",
        ),
        (
            "gitlab_runner_register",
            "+ gitlab-runner register --non-interactive --url https://gitlab.example.com --token {GLRT}",
        ),
        ("docker_build_arg", "Step 7/14 : ARG NPM_TOKEN={NPM}"),
        ("circleci_env", 'export HEROKU_API_KEY="{HEX40}"'),
        (
            "buildkite_log",
            '~~~ Running plugin docker-login\n$ echo "{DCKR}" | docker login --username {user} --password-stdin',
        ),
    ],
    "iac_plan": [
        ("tf_plan_add", '      + master_password                       = "{PW}"'),
        ("tf_plan_change", '      ~ password = "{PWA}" -> "{PWA2}"'),
        ("tfvars", 'db_admin_password = "{PHRASE}"'),
        (
            "hcl_provider",
            'provider "vault" {{\n  address = "https://{host}:8200"\n  token   = "{HVS}"\n}}',
        ),
        (
            "cfn_params",
            "aws cloudformation deploy --stack-name app --parameter-overrides DBPassword={PW} Env=prod",
        ),
        (
            "diff_env",
            "--- a/.env\n+++ b/.env\n@@ -3,2 +3,2 @@\n-SMTP_PASS={PWA}\n+SMTP_PASS={PWA2}",
        ),
        (
            "pulumi_config",
            "$ pulumi config set --secret dbPassword {PW}\n$ pulumi config set --plaintext apiKey {HEX32}",
        ),
        ("ansible_vars_plain", '  vars:\n    mysql_root_password: "{PW}"'),
        (
            "tf_state_json",
            '            "attributes": {{ "login": "{user}", "password": "{PWA}" }},',
        ),
        ("bicep_param", "param adminPassword string = '{PW}'"),
    ],
    "kubernetes": [
        (
            "secret_yaml_data",
            "apiVersion: v1\nkind: Secret\ndata:\n  password: {B64PW}\n  username: {b64user}",
        ),
        (
            "create_from_literal",
            "$ kubectl create secret generic db-creds --from-literal=username={user} --from-literal=password='{PW}'",
        ),
        (
            "helm_set",
            "helm upgrade --install pg bitnami/postgresql --set auth.postgresPassword={PWA} --set auth.database={db}",
        ),
        (
            "describe_pod_env",
            "    Environment:\n      DATABASE_URL:       postgres://{user}:{PW}@{host}:5432/{db}\n      LOG_LEVEL:          info",
        ),
        (
            "dockerconfigjson",
            '{{"auths":{{"registry.example.com":{{"username":"{user}","auth":"{DOCKERAUTH}"}}}}}}',
        ),
        ("kubeconfig_token", "users:\n- name: ci\n  user:\n    token: {JWT}"),
        ("stringdata", 'stringData:\n  REDIS_PASSWORD: "{PWA}"'),
        (
            "sealed_plain_event",
            "Warning  Failed  pod/api-7f9  Error: failed to pull image: unauthorized: {user}:{PWA}",
        ),
    ],
    "cloud_cli": [
        (
            "aws_credentials_file",
            "[prod]\naws_access_key_id = {AKIA}\naws_secret_access_key = {AWSSECRET}",
        ),
        (
            "sts_json",
            '{{\n    "Credentials": {{\n        "AccessKeyId": "{ASIA}",\n        "SecretAccessKey": "{AWSSECRET}",\n        "SessionToken": "{AWSSESSION}",',
        ),
        (
            "az_keys_list",
            '[\n  {{\n    "keyName": "key1",\n    "permissions": "FULL",\n    "value": "{AZSTOR}"\n  }}',
        ),
        (
            "az_conn_string",
            "DefaultEndpointsProtocol=https;AccountName=stprod{n};AccountKey={AZSTOR};EndpointSuffix=core.windows.net",
        ),
        (
            "az_sp_create",
            '{{\n  "appId": "3f1e2d4c-1b2a-4c3d-9e8f-7a6b5c4d3e2f",\n  "password": "{TOK}",\n  "tenant": "contoso"\n}}',
        ),
        (
            "gcloud_sa_key",
            '  "private_key": "-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC{PEMLINE}\\n{PEMLINE2}\\n-----END PRIVATE KEY-----\\n",',
        ),
        (
            "gcp_api_key",
            "$ gcloud services api-keys get-key-string projects/p/locations/global/keys/k1\nkeyString: {AIZA}",
        ),
        ("gcloud_access_token", "$ gcloud auth print-access-token\n{YA29}"),
        ("doctl_auth", "$ doctl auth init -t {DOP}"),
        ("aliyun_cli", "aliyun configure set --access-key-id {LTAI} --access-key-secret {TOK}"),
        ("tencent_cli", "tccli configure set secretId {AKID} secretKey {TOK}"),
        (
            "azure_sas_url",
            "azcopy copy 'https://stprod.blob.core.windows.net/backups?sv=2022-11-02&ss=b&srt=co&sp=rl&se=2026-12-31&sig={SAS}' .",
        ),
    ],
    "shell_trace": [
        ("bash_x_export", "+ export DB_PASSWORD={PW}\n+ ./migrate up"),
        (
            "bash_x_curl_header",
            "++ curl -s -H 'X-Vault-Token: {HVS}' https://{host}:8200/v1/secret/data/app",
        ),
        ("history_mysql", "  512  mysql -h {host} -u root -p'{PW}' -e 'show processlist'"),
        ("sshpass", "  {n}  sshpass -p '{PWA}' ssh {user}@{host}"),
        ("sudo_stdin", "echo '{PW}' | sudo -S systemctl restart api"),
        ("htpasswd_b", "# htpasswd -b /etc/nginx/.htpasswd {user} {PWA}"),
        (
            "openssl_passin",
            "+ openssl pkcs12 -export -in cert.pem -inkey key.pem -out bundle.p12 -passout pass:{PW}",
        ),
        ("zip_P", "$ zip -P {PWA} logs.zip /var/log/app/*.log"),
        ("escaped_dollar", '+ mysqladmin -u root --password="{PWBS}" status'),
        (
            "powershell_securestring",
            "PS C:\\> $pw = ConvertTo-SecureString '{PW}' -AsPlainText -Force",
        ),
        ("windows_net_use", "C:\\> net use \\\\{host}\\share /user:CORP\\{user} {PWA}"),
        ("fish_set", "> set -gx OPENAI_API_KEY {SKPROJ}"),
    ],
    "crash_dump": [
        ("core_environ", '(gdb) x/s *((char **)environ+{n})\n0x7ffd3a2c1f4e:\t"API_SECRET={TOK}"'),
        (
            "gdb_print_struct",
            '(gdb) p *cfg\n$1 = {{host = 0x55d1c2 "{host}", port = 6379, auth = 0x55d1e0 "{PWA}"}}',
        ),
        (
            "go_panic_struct",
            "panic: dial failed: &{{Addr:{host}:5432 User:{user} Password:{PW} Database:{db}}}",
        ),
        (
            "rust_debug",
            'thread \'main\' panicked at src/main.rs:44:10:\nConfig {{ url: "{host}", password: "{PW}", retries: 3 }}',
        ),
        ("java_heap_strings", '  0x00000007c1a2b3c8  java.lang.String  "secretKey={HEX64}"'),
        (
            "python_faulthandler_locals",
            "  locals: {{'self': <Client>, 'token': '{TOK}', 'retries': 3}}",
        ),
        ("node_heap_snapshot_str", '  [string] "Bearer {JWT}" @{pid}'),
        (
            "minidump_cmdline",
            "Command line: /opt/agent/bin/agent --api-key={DDAPI} --site=datadoghq.eu",
        ),
    ],
    "wire_trace": [
        ("strace_write_auth", '{pid}  write(7, "AUTH {PWA}\\r\\n", {n}) = {n}'),
        (
            "strace_sendto_pass",
            '{pid}  sendto(5, "PASS {PW}\\r\\n", 20, MSG_NOSIGNAL, NULL, 0) = 20',
        ),
        (
            "tcpdump_A",
            "E..<..@.@.....GET /metrics HTTP/1.1..Host: {host}..Authorization: Basic {BASIC}...",
        ),
        ("ngrep", "T {ip}:51234 -> {ip}:6379 [AP] #{n}\n  *2..$4..AUTH..${n}..{PWA}.."),
        ("wireshark_follow", "USER {user}\r\n331 Password required\r\nPASS {PW}\r\n230 Logged in"),
        (
            "smtp_auth_login",
            "C: AUTH LOGIN\nS: 334 VXNlcm5hbWU6\nC: {b64user}\nS: 334 UGFzc3dvcmQ6\nC: {B64PW}",
        ),
        ("sasl_plain", "a1 AUTHENTICATE PLAIN {SASL}"),
        ("imap_login", 'A001 LOGIN {user} "{PW}"'),
        ("xxd_ascii", "00000040: 7061 7373 776f 7264 3d.. ....  password={SHORT}"),
        ("memcached_sasl", "{ts} <{n} SASL auth mech=PLAIN data={SASL}"),
    ],
    "chat_ticket": [
        (
            "slack_msg",
            "[10:42] alice: ok the new admin password is {PW} — rotate it after the incident pls",
        ),
        (
            "ticket_prose",
            "Steps taken: logged in to the console as root (pw {PWA}) and restarted the ingest service.",
        ),
        ("pin_prose", "bob: the door/alarm PIN for the DC cage is {PIN}, badge reader is down"),
        ("creds_slash", "creds for the staging box are {user} / {PW}"),
        (
            "passphrase_prose",
            'The recovery passphrase is "{PHRASE}" (stored in the safe, do not paste elsewhere)',
        ),
        (
            "email_quote",
            "> On Mon, Nov 30, Carol wrote:\n> > temp password: {PWA}\n> thanks, that worked",
        ),
        ("jira_code_block", "{{code}}\nexport STRIPE_KEY={SKLIVE}\n{{code}}"),
        (
            "set_to_prose",
            "I set the MySQL root password to {PW} for now and will change it tomorrow.",
        ),
        ("token_is_prose", "fyi the deploy token is {GLPAT} until Friday"),
        ("pin_voice", "Confirmed with the vendor over the phone; their support PIN: {PIN}."),
        ("unicode_prose", "New Wi-Fi key for the lab: {PWU}"),
    ],
    "multilingual": [
        (
            "de",
            "Hallo Team, das neue Passwort für den DB-Admin lautet {PW} \u2013 bitte nach dem Incident ändern.",
        ),
        ("fr", "Le mot de passe du compte de service est {PWA}, je l'ai changé hier soir."),
        ("es", "La contraseña del usuario {user} es {PW} (temporal)."),
        ("pt", "A senha do banco de produção é {PWA}, não compartilhe."),
        ("it", "La password dell'utente root è {PHRASE}"),
        ("nl", "Het wachtwoord voor de VPN is {PW}"),
        ("pl", "Hasło do panelu: {PWA}"),
        ("ru", "Пароль от сервера: {PW}"),
        ("ja", "管理者のパスワードは {PWA} です。"),
        ("zh", "数据库密码是 {PW}\uff0c请勿外传。"),
        ("tr", "Sunucu şifresi: {PWU}"),
        ("ko", "비밀번호는 {PIN} 입니다"),
        ("sv", "Lösenordet till admin är {PWA}"),
    ],
    "vendor_devtools": [
        (
            "github_pat_classic",
            "remote: Invalid username or token. url=https://{user}:{GHP}@github.com/org/repo.git",
        ),
        ("github_oauth", "GITHUB_OAUTH={GHO}"),
        ("github_app_install", "installation token: {GHS} (expires in 1h)"),
        ("github_fine_grained", "token: {GHPAT}"),
        ("rubygems_credentials", "---\n:rubygems_api_key: {RUBYGEMS}"),
        ("hf_login", "huggingface-cli login --token {HF}"),
        ("postman_key", "postman-api-key {PMAK}"),
        ("atlassian_token", "jira.token={ATATT}"),
        ("sentry_auth", "SENTRY_AUTH_TOKEN={SNTRYS}"),
        ("docker_hub_pat", "docker login -u {user} --password {DCKR}"),
        ("gitlab_cicd_var", "CI_REGISTRY_PASSWORD: {GLPAT}"),
        ("figma_header", "X-Figma-Token: {FIGMA}"),
        ("linear_key", "Authorization: {LINEAR}"),
        ("notion_header", 'notion = Client(auth="{NOTION}")'),
        ("gitlab_runner_legacy", '  token = "{GR}"'),
    ],
    "vendor_comms_payments": [
        ("slack_bot", "SLACK_BOT_TOKEN={XOXB}"),
        ("slack_user", "slack_token: {XOXP}"),
        ("slack_app", "  socket mode app token {XAPP}"),
        ("stripe_live", "Stripe::InvalidRequestError: No such customer (api_key={SKLIVE})"),
        ("stripe_restricted", 'stripe.api_key = "{RKLIVE}"'),
        ("stripe_webhook", "STRIPE_WEBHOOK_SECRET={WHSEC}"),
        ("square_secret", "square.application_secret={SQ0}"),
        ("square_access", "Authorization: Bearer {SQATP}"),
        ("twilio_key", "TwilioRestException: HTTP 401 for key {TWSK}:{HEX32}"),
        ("twilio_client", 'client = Client("AC{n}f3a9", "{HEX32}")'),
        ("sendgrid", "sg = SendGridAPIClient('{SG}')"),
        (
            "mailgun",
            "curl -s --user 'api:{MAILGUN}' https://api.mailgun.net/v3/mg.example.com/messages",
        ),
        (
            "telegram_bot_url",
            "{ts} ERROR telegram: POST https://api.telegram.org/bot{TELEGRAM}/sendMessage -> 409 Conflict",
        ),
        ("discord_bot", "client.run('{DISCORD}')"),
        ("shopify_admin", "X-Shopify-Access-Token: {SHPAT}"),
        ("shopify_secret", "SHOPIFY_SHARED_SECRET={SHPSS}"),
        ("flutterwave", "FLW_SECRET_KEY={FLW}"),
    ],
    "vendor_cloud_ai": [
        ("openai", "openai.AuthenticationError: Incorrect API key provided: {SKPROJ}"),
        ("anthropic", "ANTHROPIC_API_KEY={SKANT}"),
        ("groq", "export GROQ_API_KEY={GSK}"),
        ("replicate", "REPLICATE_API_TOKEN={R8}"),
        ("databricks", "databricks configure --token\nToken: {DAPI}"),
        ("vault_batch", "VAULT_TOKEN={HVSLONG}"),
        ("doppler", 'DOPPLER_TOKEN="{DOPPLER}"'),
        ("tailscale", "tailscale up --authkey={TSKEY} --hostname={host}"),
        ("pulumi_token", "PULUMI_ACCESS_TOKEN={PULUMI}"),
        ("grafana_sa", 'grafana_auth = "{GLSA}"'),
        ("grafana_cloud", "GRAFANA_CLOUD_TOKEN: {GLC}"),
        ("newrelic_user", "NEW_RELIC_API_KEY={NRAK}"),
        ("newrelic_insights", "insights insert key {NRII}"),
        ("mapbox_secret", "MAPBOX_SECRET_TOKEN={MAPBOX}"),
        ("okta_ssws", "Authorization: SSWS {OKTA}"),
        ("datadog_header", "DD-API-KEY: {DDAPI}"),
        ("cloudflare_token", "CLOUDFLARE_API_TOKEN={CFTOKEN}"),
        ("age_identity", "# created: 2026-11-30\n{AGE}"),
        ("onepassword_sa", "OP_SERVICE_ACCOUNT_TOKEN={OPS}"),
    ],
    "webhook_url": [
        ("slack_webhook", "ALERT_WEBHOOK=https://hooks.slack.com/services/{SLACKHOOK}"),
        ("discord_webhook", "POST https://discord.com/api/webhooks/{DISCHOOK} 204"),
        ("teams_webhook", "teams_url: https://contoso.webhook.office.com/webhookb2/{TEAMSHOOK}"),
        ("sentry_dsn", "SENTRY_DSN=https://{SENTRYKEY}@o{pid}.ingest.sentry.io/{n}"),
        (
            "gchat_webhook",
            "https://chat.googleapis.com/v1/spaces/AAAA/messages?key={AIZA}&token={TOK}",
        ),
        ("generic_query_key", "{ts} GET /export.csv?apikey={HEX32}&format=csv 200"),
    ],
    "url_credentials": [
        ("userinfo_pct", "fetch failed: https://{user}:{PWPCT}@{host}/repo/archive.tgz"),
        ("ftp_userinfo", "lftp -e 'mirror' ftp://{user}:{PWA}@{host}/outgoing"),
        ("redis_url_nouser", "REDIS_URL=rediss://default:{PW}@{host}:6380"),
        ("query_password", "GET /cgi-bin/login.cgi?username={user}&password={PWA}"),
        (
            "query_access_token",
            '{ip} - - [01/Dec/2026:10:00:01 +0000] "GET /api/v1/me?access_token={TOK} HTTP/1.1" 200 512',
        ),
        ("git_credentials", "https://oauth2:{GLPAT}@gitlab.example.com"),
        ("smb_url", "smb://CORP;{user}:{PW}@{host}/finance"),
        ("pip_index", "pip install --index-url https://{user}:{PWA}@{host}/simple/ internal-lib"),
    ],
    "encoded_credentials": [
        ("basic_header", "Authorization: Basic {BASIC}"),
        ("hex_under_key", "secret_hex: {HEXPW}"),
        ("b64_under_key", "db_password_b64 = {B64PW}"),
        ("netrc_like_b64", "_auth = {BASIC}"),
        ("mysql_native_hash", "| {user} | %    | mysql_native_password | *{HEX40} |"),
        ("sasl_sentence", "AUTH PLAIN {SASL}"),
        ("jwt_cookie", "Cookie: jwt={JWT}; theme=dark"),
        ("b64_random_secret", "HMAC_SIGNING_KEY={B64}"),
    ],
    "escaped_quoted": [
        ("json_escaped_quote", '{{"level":"error","msg":"login failed","password":"{PWJ}"}}'),
        ("html_entity_input", '<input type="password" name="pwd" value="{PWH}"/>'),
        ("unicode_escape", '{{"smtp_password": "{PWUE}"}}'),
        ("sql_doubled_quote", "INSERT INTO settings(k, v) VALUES ('smtp.password', '{PWSQL}');"),
        ("backslash_dollar", 'DB_PASS="{PWBS}"'),
        ("single_quoted_yaml", "password: '{PWS}'"),
        ("xml_attr", '<add key="ApiSecret" value="{TOK}" />'),
        ("xml_element", "<password>{PW}</password>"),
        ("double_json", '"body": "{{\\"api_key\\": \\"{HEX32}\\"}}"'),
    ],
    "sql_statement": [
        ("mysql_create_user", "CREATE USER '{user}'@'%' IDENTIFIED BY '{PW}';"),
        (
            "pg_alter_role",
            "{ts} UTC [{pid}] LOG:  statement: ALTER ROLE {user} WITH LOGIN PASSWORD '{PWA}'",
        ),
        ("mysql_set_password", "SET PASSWORD FOR '{user}'@'localhost' = '{PW}';"),
        (
            "mssql_create_login",
            "CREATE LOGIN [{user}] WITH PASSWORD = N'{PW}', CHECK_POLICY = OFF;",
        ),
        ("oracle_identified", 'ALTER USER {user} IDENTIFIED BY "{PWA}" ACCOUNT UNLOCK;'),
        (
            "pg_user_mapping",
            "CREATE USER MAPPING FOR {user} SERVER remote OPTIONS (user '{user}', password '{PW}');",
        ),
        (
            "mysql_change_master",
            "CHANGE MASTER TO MASTER_HOST='{host}', MASTER_USER='repl', MASTER_PASSWORD='{PWA}';",
        ),
        ("snowflake_alter", "alter user {user} set password = '{PHRASE}';"),
    ],
    "table_columns": [
        (
            "markdown_table",
            "| key | value |\n|-----|-------|\n| DB_HOST | {host} |\n| DB_PASSWORD | {PW} |",
        ),
        (
            "vault_kv_get",
            "======= Data =======\nKey         Value\n---         -----\npassword    {PWA}\nusername    {user}",
        ),
        ("psql_expanded", "-[ RECORD 1 ]-----------\nusename  | {user}\npasswd   | {PW}"),
        (
            "ascii_box",
            "+-----------+------------------------+\n| api_token | {TOK} |\n+-----------+------------------------+",
        ),
        ("csv_header_next_line", "name,type,secret\nbilling-sync,api,{HEX32}"),
        ("describe_columns", "Name:         {user}\nPassword:     {PWA}\nCreated:      {ts}"),
        ("tsv_env", "PAYMENT_API_KEY\t{TOK}\tprod"),
    ],
    "continuation_line": [
        ("yaml_block", "smtp:\n  password: >-\n    {PW}"),
        ("shell_backslash", "$ deploy --user {user} \\\n    --password \\\n    '{PWA}'"),
        (
            "pem_rsa",
            "-----BEGIN RSA PRIVATE KEY-----\n{PEMLINE}\n{PEMLINE2}\n-----END RSA PRIVATE KEY-----",
        ),
        (
            "openssh_key",
            "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjE{PEMLINE}\n-----END OPENSSH PRIVATE KEY-----",
        ),
        ("wireguard", "[Interface]\nAddress = 10.8.0.2/24\nPrivateKey = {WGKEY}"),
        ("prompt_answer", "Enter password for {user}@{host}:\n{PW}"),
        ("ini_continuation", "[auth]\nclient_secret =\n  {TOK}"),
        ("dockerfile_env", "ENV APP_ENV=prod \\\n    API_SECRET={HEX40} \\\n    LOG_LEVEL=info"),
    ],
    "app_config_misc": [
        ("haproxy_stats", "    stats auth admin:{PWA}"),
        ("haproxy_userlist", "    user ops insecure-password {PW}"),
        ("pgbouncer_userlist", '"{user}" "{PW}"'),
        ("grafana_ini", "[security]\nadmin_password = {PWA}"),
        ("tomcat_users", '<user username="{user}" password="{PW}" roles="manager-gui"/>'),
        (
            "maven_settings",
            "<server>\n  <id>internal</id>\n  <username>{user}</username>\n  <password>{PWA}</password>\n</server>",
        ),
        ("nuget_config", '<add key="ClearTextPassword" value="{PW}" />'),
        ("gradle_properties", "artifactoryPassword={PWA}"),
        (
            "composer_auth",
            '{{"http-basic": {{"repo.example.com": {{"username": "{user}", "password": "{PW}"}}}}}}',
        ),
        ("postfix_sasl_passwd", "[smtp.example.com]:587 {user}:{PW}"),
        ("msmtprc", "account default\nhost smtp.example.com\nuser {user}\npassword {PHRASE}"),
        (
            "fetchmailrc",
            "poll imap.example.com user '{user}' there with password '{PWA}' is ops here",
        ),
        (
            "rclone_conf",
            "[s3prod]\ntype = s3\naccess_key_id = {AKIA}\nsecret_access_key = {AWSSECRET}",
        ),
        (
            "keepalived_auth",
            "    authentication {{\n        auth_type PASS\n        auth_pass {SHORT}\n    }}",
        ),
        ("proftpd_sql", "SQLConnectInfo {db}@{host} {user} {PW}"),
    ],
}


def cases(seed: int = 20261203) -> list[Case]:
    filler = _Filler(seed)
    out: list[Case] = []
    for family, templates in FAMILIES.items():
        for fmt, template in templates:
            for _ in range(VARIANTS):
                lines, values = filler.fill(template)
                out.append(Case(family, fmt, lines, values))
    return out


# --- keep-list -----------------------------------------------------------------------------------


def _uuid(r: random.Random) -> str:
    return str(uuid.UUID(int=r.getrandbits(128), version=4))


KEEPGEN: dict[str, Callable[[random.Random], str]] = {
    "trace": lambda r: _p(r, HEX, 32),
    "span": lambda r: _p(r, HEX, 16),
    "uuid": _uuid,
    "uuid2": _uuid,
    "digest": lambda r: "sha256:" + _p(r, HEX, 64),
    "sha": lambda r: _p(r, HEX, 40),
    "shortsha": lambda r: _p(r, HEX, 7) + r.choice("abcdef"),
    "ver": lambda r: f"{r.randint(0, 9)}.{r.randint(0, 30)}.{r.randint(0, 40)}",
    "semver": lambda r: (
        f"v{r.randint(1, 4)}.{r.randint(0, 30)}.{r.randint(0, 9)}-rc.{r.randint(1, 9)}"
    ),
    "kts": lambda r: (
        f"2026-12-01T{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}.{r.randint(0, 999999):06d}Z"
    ),
    "epoch": lambda r: str(r.randint(1764000000, 1765000000)),
    "errcode": lambda r: (
        r.choice(["ORA-", "SQLSTATE ", "E", "ERR_", "HTTP "]) + str(r.randint(1000, 99999))
    ),
    "pod": lambda r: (
        f"{r.choice(['api', 'worker', 'auth-proxy', 'token-service'])}-{_p(r, '0123456789bcdfghjklmnpqrstvwxz', 10)}-{_p(r, 'bcdfghjklmnpqrstvwxz2456789', 5)}"
    ),
    "crc": lambda r: _p(r, "0123456789ABCDEF", 8),
    "md5": lambda r: _p(r, HEX, 32),
    "kpid": lambda r: str(r.randint(1000, 4194304)),
    "kport": lambda r: str(r.randint(1024, 65535)),
    "inode": lambda r: str(r.randint(10**6, 10**9)),
    "reqid": lambda r: "req_" + _p(r, "0123456789ABCDEFGHJKMNPQRSTVWXYZ", 26),
    "amzreq": lambda r: _p(r, "0123456789ABCDEF", 16),
    "metric": lambda r: f"{r.randint(0, 9999)}.{r.randint(0, 999):03d}",
    "ms": lambda r: str(r.randint(100, 99999)),
    "kid": lambda r: _p(r, HEX, 16),
    "ulid": lambda r: "01J" + _p(r, "0123456789ABCDEFGHJKMNPQRSTVWXYZ", 23),
    "cid": lambda r: _p(r, HEX, 64),
    "b3": lambda r: _p(r, HEX, 16),
    "etag": lambda r: _p(r, HEX, 32),
    "txid": lambda r: str(r.randint(10**6, 10**10)),
    "lsn": lambda r: f"{r.randint(0, 0xFF):X}/{r.randint(0, 0xFFFFFFFF):08X}",
    "jobid": lambda r: str(r.randint(10**9, 10**10)),
}
KEEP_SLOTS = frozenset(KEEPGEN)

KEEPS: list[tuple[str, str]] = [
    (
        "otel_trace_token_line",
        "{kts} INFO token refreshed for client billing trace_id={trace} span_id={span}",
    ),
    ("traceparent_auth", "traceparent: 00-{trace}-{span}-01 (auth middleware ok)"),
    (
        "jaeger_secret_rotation",
        "{kts} secret rotation job finished uber-trace-id={trace}:{span}:0:1 in {ms} ms",
    ),
    ("b3_header", "X-B3-TraceId: {trace} X-B3-SpanId: {b3} X-Auth-Result: allowed"),
    ("request_uuid_password_reset", "{kts} password reset requested request_id={uuid} status=202"),
    (
        "image_digest_pull",
        'Successfully pulled image "registry.example.com/auth-service@{digest}" in {ms}ms',
    ),
    ("git_sha_deploy", "Deploying commit {sha} (token-service {semver}) to prod"),
    ("short_sha_build", "Build #{jobid} of secrets-operator at {shortsha} succeeded"),
    ("version_keyring", "python-keyring {ver} loaded; backend=SecretService version {ver}"),
    ("pod_auth_crashloop", "pod/{pod} in namespace auth is in CrashLoopBackOff (restarts: 7)"),
    ("errcode_auth_failed", "{kts} authentication failed: code={errcode} correlation={uuid}"),
    (
        "pid_port_keyserver",
        "keyserver[{kpid}]: listening on 0.0.0.0:{kport}, secret store unlocked",
    ),
    ("inode_secret_file", "inotify: /run/secrets/db-password changed (inode {inode}, pid {kpid})"),
    ("crc_token_frame", "frame ok: len=512 crc32={crc} token_bucket=refilled"),
    ("md5_checksum_keyfile", "checksum of keyfile.pub: md5={md5} (public key, fine to share)"),
    (
        "stripe_request_id",
        "stripe: POST /v1/charges 402 card_declined request-id={reqid} api_key_mode=live",
    ),
    (
        "aws_request_id",
        "An error occurred (AccessDenied) when calling the GetSecretValue operation: RequestId: {uuid}, x-amz-id-2: {amzreq}",
    ),
    ("metric_token_latency", 'auth_token_validation_seconds{{quantile="0.99"}} {metric}'),
    ("ulid_session", "session created id={ulid} user=jdoe mfa=passed key_type=ed25519"),
    ("container_id_secret_mount", "container {cid} mounted secret volume db-creds"),
    ("etag_apikey_object", 'GET s3://bucket/api-keys.csv ETag="{etag}" 200 (object metadata only)'),
    (
        "jwks_kid",
        "JWT verification ok kid={kid} alg=RS256 iss=https://auth.example.com/ ts={epoch}",
    ),
    (
        "pg_txid_password_column",
        "{kts} LOG: duration: {ms} ms txid={txid} lsn={lsn} UPDATE users SET password_hash = $1",
    ),
    ("k8s_uid_secret", "secret/db-creds uid={uuid} resourceVersion={txid} created {kts}"),
    ("helm_revision_digest", 'Release "vault" upgraded. chart vault-{ver} image digest {digest}'),
    ("git_log_token_msg", "commit {sha}\n    fix: do not log the auth token (refs {shortsha})"),
    ("gha_run_id", "Run {jobid} attempt 2: secrets masked, sha={sha}"),
    (
        "systemd_credential",
        "systemd[1]: Loaded credential 'tls-key' for api.service (PID {kpid}); unit invocation {etag}",
    ),
    (
        "kafka_offset_auth",
        "consumer group auth-events partition 3 offset {txid} lag {ms} (SASL auth OK) trace={trace}",
    ),
    ("uuid_pair_apikey_id", "api key id {uuid} created for project {uuid2} (secret shown once)"),
    ("semver_password_policy", "password-policy module {semver} enforced min_length=14 at {kts}"),
    ("digest_secret_scanner", "secret scan of layer {digest}: 0 findings"),
    ("pod_token_projected", "Mounting projected token volume for {pod} (expirationSeconds=3607)"),
    (
        "oci_manifest",
        '"config": {{"mediaType": "application/vnd.oci.image.config.v1+json", "digest": "{digest}"}}',
    ),
    (
        "nginx_reqid_auth",
        "{kts} auth_request /validate status=401 request_id={md5} upstream_time={metric}",
    ),
    ("cloudtrail_event", "eventID: {uuid} eventName: CreateAccessKey requestID: {uuid2}"),
    ("vault_accessor", "vault audit: token accessor lookup ok, request id {uuid}, duration {ms}µs"),
    ("strace_pid_keyring", "{kpid} keyctl(KEYCTL_READ, {inode}, NULL, 0) = 32"),
    (
        "port_ldap_bind",
        'slapd[{kpid}]: conn={txid} fd=12 ACCEPT from IP=10.0.0.5:{kport} (BIND dn="cn=reader" method=128)',
    ),
    (
        "redis_info_keyspace",
        "# Keyspace\ndb0:keys={txid},expires={ms},avg_ttl={epoch} (requirepass set)",
    ),
]


def _keep_sub(ctx: dict[str, str], m: re.Match[str]) -> str:
    return ctx[m.group(1)] if m.group(1) else m.group(0)[0]


def keep_list(seed: int = 20261204) -> list[Keep]:
    rng = random.Random(seed)
    out: list[Keep] = []
    for fmt, template in KEEPS:
        for _ in range(4):
            ctx: dict[str, str] = {}
            for name in _slots(template):
                if name not in ctx:
                    ctx[name] = KEEPGEN[name](rng)
            text = SLOT.sub(functools.partial(_keep_sub, ctx), template)
            lines = tuple(line + "\n" for line in text.split("\n"))
            tokens = tuple(dict.fromkeys(ctx[name] for name in _slots(template)))
            out.append(Keep(fmt, lines, tokens))
    return out


def _check() -> None:
    from collections import Counter

    all_cases = cases()
    families = Counter(c.family for c in all_cases)
    values = Counter(v for c in all_cases for v in c.values)
    per_family: Counter[str] = Counter()
    for case in all_cases:
        assert case.values, case.format
        assert all(line.endswith("\n") and line.count("\n") == 1 for line in case.lines), (
            case.format
        )
        text = "".join(case.lines)
        for value in case.values:
            assert len(value) >= 6, (case.format, value)
            assert value in text, (case.format, value)
            per_family[case.family] += 1
    duplicates = [v for v, n in values.items() if n > 1]
    assert not duplicates, duplicates[:5]
    keeps = keep_list()
    for keep in keeps:
        text = "".join(keep.lines)
        assert all(line.endswith("\n") and line.count("\n") == 1 for line in keep.lines), (
            keep.format
        )
        for token in keep.tokens:
            assert token in text, (keep.format, token)
    assert cases() == all_cases and keep_list() == keeps, "not deterministic"
    for family in families:
        fmts = len({c.format for c in all_cases if c.family == family})
        print(
            f"{family:24} formats={fmts:3} cases={families[family]:3} values={per_family[family]:3}"
        )
    print(
        f"families={len(families)} formats={len({(c.family, c.format) for c in all_cases})} cases={len(all_cases)} values={sum(per_family.values())}"
    )
    print(
        f"keep: {len(keeps)} lines in {len(KEEPS)} formats, {sum(len(k.tokens) for k in keeps)} tokens"
    )


if __name__ == "__main__":
    _check()
