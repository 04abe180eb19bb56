# ruff: noqa: E501, RUF001
"""Sealed planted-secret corpus B: written blind, for judging the sanitizer untuned (issue 12).

How it was written: by helper B on 2026-12-02 (UTC), on branch ``issue-12-blindB``, without
opening the sanitizer, its recognizers, ``benchmarks/secret_corpus.py``, the generator functions
of ``benchmarks/secret_corpus_heldout.py`` or the other blind corpus. Only the interface of the
held-out corpus (``Case``/``Keep`` and the ``cases()``/``keep_list()`` signatures) and the way
``benchmarks/secret_leaks.py`` consumes a corpus were read. The sanitizer was never run on it.
SEALED: nothing here may be used to tune the recognizers; report recall on it separately.

Lines imitate operational material that reaches incident channels: daemon start-up lines in
syslog/journald, HTTP debug dumps, CI job logs, crash reports, database client errors, cloud SDK
debug output, Kubernetes YAML, ansible -vvv, strace/tcpdump payloads, shell history, crontabs,
audit records, "copy as cURL" commands, config diffs, chat messages and key names in many human
languages. A planted value survives when it occurs verbatim in the output; each value occurs
exactly once in its case (checked on generation). FQDN host names are not in the keep-list: the
sanitizer pseudonymizes them by design.

Values come from a seeded random source: the same corpus on every run, no real credential.

Size (seeds 20261202/20261203): 516 planted values in 486 cases over 31 families (vendor tokens
of 91 services with distinctive prefixes, each in one of ten placements; 31 key names in human
languages; every other template instantiated ``VARIANTS`` times), and a keep-list of 164
diagnostic tokens in 112 snippets (trace/span ids, UUIDs, digests, git SHAs, versions,
timestamps, pod names, checksums, PIDs, inodes, error codes, request ids).

    python3 benchmarks/secret_corpus_blind_b.py     # counts per family, self-check
"""

from __future__ import annotations

import base64
import random
import string
import urllib.parse
import uuid
from collections import Counter
from collections.abc import Callable
from typing import NamedTuple

ALNUM = string.ascii_letters + string.digits
UPPER = string.ascii_uppercase + string.digits
LOWER = string.ascii_lowercase + string.digits
HEX = "0123456789abcdef"
B64URL = ALNUM + "-_"
WORDS = [
    "pelican",
    "basalt",
    "cider",
    "mosaic",
    "tundra",
    "nickel",
    "walnut",
    "orbit",
    "prairie",
    "fjord",
    "anvil",
    "biscuit",
    "lagoon",
    "marble",
    "quill",
    "saddle",
    "tinsel",
    "vortex",
    "willow",
    "zephyr",
    "acorn",
    "bramble",
    "cactus",
    "dingo",
    "ferret",
    "gazebo",
    "hammock",
    "igloo",
    "jigsaw",
    "kettle",
]
USERS = ("svc_backup", "deploy", "app", "reporting", "ci-bot", "admin", "etl", "grafana", "root")
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


class G:
    """Random pieces for one instantiation."""

    def __init__(self, rng: random.Random) -> None:
        self.r = rng

    def s(self, alphabet: str, n: int) -> str:
        return "".join(self.r.choice(alphabet) for _ in range(n))

    def hex(self, n: int) -> str:
        return self.s(HEX, n)

    def b64(self, nbytes: int) -> str:
        return base64.b64encode(self.r.randbytes(nbytes)).decode()

    def b64url(self, n: int) -> str:
        return self.s(B64URL, n)

    def pw(self, symbols: str = "!#%^*-_+=.~") -> str:
        n = self.r.randint(10, 18)
        core = list(self.s(ALNUM, n - 3) + self.s(string.digits, 1) + self.s(symbols, 2))
        self.r.shuffle(core)
        return self.s(string.ascii_letters, 1) + "".join(core)

    def urlpw(self) -> str:
        return self.pw("-_.~")

    def specialpw(self) -> str:
        """A password whose percent-encoding differs from it."""
        return self.s(ALNUM, 5) + self.r.choice("@#") + self.s(ALNUM, 4) + "!" + self.s(ALNUM, 3)

    def phrase(self) -> str:
        words = self.r.sample(WORDS, self.r.randint(3, 5))
        return " ".join(words) + " " + str(self.r.randint(10, 99))

    def pin(self) -> str:
        return str(self.r.randint(3, 9)) + self.s(string.digits, self.r.randint(5, 7))

    def uni(self) -> str:
        stems = ("Пароль", "contraseñaÑ", "密钥", "Grüße", "ключ", "Ünïcødé", "パス", "sécurité")
        return self.r.choice(stems) + self.s(ALNUM, 5) + self.r.choice("!ß€§") + self.s("0123", 2)

    def anypw(self) -> str:
        return self.r.choice((self.pw, self.pw, self.pw, self.phrase, self.uni, self.pin))()

    def user(self) -> str:
        return self.r.choice(USERS)

    def host(self) -> str:
        return self.r.choice(("db01", "pg-main", "mysql-2", "cache", "mq1", "ldap", "vault"))

    def ts(self) -> str:
        return f"2026-11-{self.r.randint(10, 29)}T{self.r.randint(10, 23)}:{self.r.randint(10, 59)}:{self.r.randint(10, 59)}Z"

    def sys(self) -> str:
        return f"Nov {self.r.randint(10, 29)} {self.r.randint(10, 23)}:{self.r.randint(10, 59)}:{self.r.randint(10, 59)}"

    def pid(self) -> int:
        return self.r.randint(300, 65000)


def b64s(s: str) -> str:
    return base64.b64encode(s.encode()).decode()


def pct(s: str) -> str:
    return urllib.parse.quote(s, safe="")


Template = Callable[[G], tuple[str, list[str]]]
TEMPLATES: list[tuple[str, str, Template]] = []


def t(family: str, fmt: str) -> Callable[[Template], Template]:
    def add(fn: Template) -> Template:
        TEMPLATES.append((family, fmt, fn))
        return fn

    return add


# --- command lines: daemons, ps, process accounting -------------------------------------------
@t("cli_flags", "mysql -p glued")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw("!#%^*-_+=")
    return f"+ mysql -h {g.host()} -u{g.user()} -p'{p}' -e 'SHOW SLAVE STATUS\\G'", [p]


@t("cli_flags", "ps auxww daemon argv")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw()
    return (
        f"root      {g.pid()}  2.1  1.4 812344 58212 ?  Ssl  09:12   3:04 /opt/exporter/bin/"
        f"redis_exporter --redis.addr=redis://cache:6379 --redis.password={p} --web.listen-address=:9121",
        [p],
    )


@t("cli_flags", "sshpass -p")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw()
    return f"sshpass -p {p} rsync -az /srv/backup/ {g.user()}@nas:/volume1/backup/", [p]


@t("cli_flags", "redis-cli -a")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw()
    return f"$ redis-cli -h cache -p 6379 -a {p} --no-auth-warning INFO replication", [p]


@t("cli_flags", "openssl -passin pass:")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw()
    return f"openssl pkcs12 -export -in tls.crt -inkey tls.key -out bundle.p12 -passout pass:{p}", [
        p
    ]


@t("cli_flags", "java -D keystore password")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw()
    return (
        f"java -Xmx2g -Djavax.net.ssl.keyStore=/etc/app/ks.jks -Djavax.net.ssl.keyStorePassword={p} "
        "-jar /opt/app/app.jar --server.port=8443",
        [p],
    )


@t("cli_flags", "keytool -storepass")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw()
    return (
        f"keytool -importcert -alias corp-ca -file ca.pem -keystore truststore.jks -storepass {p} -noprompt",
        [p],
    )


@t("cli_flags", "windows net use / cmdkey")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw()
    return (
        f"Process Command Line:\tnet use Z: \\\\fs01\\finance {p} /user:CORP\\{g.user()} /persistent:no",
        [p],
    )


@t("cli_flags", "psexec -p")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw()
    return f"PsExec.exe \\\\WS0142 -u CORP\\Administrator -p {p} -h cmd /c ipconfig /all", [p]


@t("cli_flags", "powershell SecureString")
def _(g: G) -> tuple[str, list[str]]:
    p = g.anypw()
    return f"PS C:\\> $sec = ConvertTo-SecureString '{p}' -AsPlainText -Force", [p]


@t("cli_flags", "ldapsearch -w")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw()
    return (
        f'ldapsearch -x -H ldaps://ldap:636 -D "cn=admin,dc=corp,dc=lan" -w {p} -b "ou=people,dc=corp,dc=lan" uid=jdoe',
        [p],
    )


@t("cli_flags", "htpasswd -b positional")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw()
    return f"htpasswd -bB /etc/nginx/.htpasswd {g.user()} {p}", [p]


@t("cli_flags", "rabbitmqctl add_user positional")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw()
    return (
        f"rabbitmqctl add_user {g.user()} {p} && rabbitmqctl set_user_tags {g.user()} monitoring",
        [p],
    )


@t("cli_flags", "smbclient user%pass")
def _(g: G) -> tuple[str, list[str]]:
    p = g.urlpw()
    return f"smbclient //fs01/scans -U 'CORP\\{g.user()}%{p}' -c 'ls'", [p]


@t("cli_flags", "kubectl create secret --from-literal")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw()
    return (
        f"kubectl -n prod create secret generic db-creds --from-literal=username=app --from-literal=password={p}",
        [p],
    )


@t("cli_flags", "helm --set")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw()
    return (
        f"helm upgrade --install pg bitnami/postgresql --version 15.5.20 --set auth.postgresPassword={p} --set primary.persistence.size=50Gi",
        [p],
    )


@t("cli_flags", "gpg --passphrase phrase")
def _(g: G) -> tuple[str, list[str]]:
    p = g.phrase()
    return f"gpg --batch --pinentry-mode loopback --passphrase '{p}' -d backup.tar.gz.gpg", [p]


@t("cli_flags", "7z -p glued")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw("!#%^-_+=")
    return f"7z a -t7z -mhe=on -p{p} logs-incident.7z /var/log/app/", [p]


# --- environment dumps --------------------------------------------------------------------------
@t("env_dump", "declare -x")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw()
    return f'declare -x SMTP_RELAY_PASS="{p}"', [p]


@t("env_dump", "windows set output")
def _(g: G) -> tuple[str, list[str]]:
    p = g.b64url(32)
    return (
        f"C:\\agent> set\nPROCESSOR_ARCHITECTURE=AMD64\nSONAR_LOGIN={p}\nTEMP=C:\\Windows\\TEMP",
        [p],
    )


@t("env_dump", "powershell $env")
def _(g: G) -> tuple[str, list[str]]:
    p = g.b64url(40)
    return f'$env:ARM_CLIENT_SECRET = "{p}"', [p]


@t("env_dump", "docker inspect Env")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw()
    return (
        f'            "Env": [\n                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin",\n'
        f'                "MARIADB_ROOT_PASSWORD={p}",\n                "GOSU_VERSION=1.17"\n            ],',
        [p],
    )


@t("env_dump", "/proc/environ NUL-separated")
def _(g: G) -> tuple[str, list[str]]:
    p = g.hex(40)
    return f"HOME=/root\\0LANG=C.UTF-8\\0WEBHOOK_SIGNING_SECRET={p}\\0SHLVL=1", [p]


@t("env_dump", "systemctl show Environment")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw()
    return f"Environment=NODE_ENV=production PORT=3000 SESSION_SECRET={p} LOG_LEVEL=info", [p]


@t("env_dump", "github actions env block")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw()
    return (
        f"{g.ts()} ##[group]Run ./deploy.sh\n{g.ts()} env:\n{g.ts()}   REGISTRY_PASSWORD: {p}\n{g.ts()} ##[endgroup]",
        [p],
    )


# --- set -x traces, CI logs, docker build ----------------------------------------------------
@t("ci_trace", "set -x curl header")
def _(g: G) -> tuple[str, list[str]]:
    p = g.b64url(43)
    return f"+ curl -fsSL -H 'X-Vault-Token: {p}' https://vault:8200/v1/secret/data/app", [p]


@t("ci_trace", "set -x docker login -p")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw()
    return f"++ docker login -u ci-pusher -p {p} registry.internal:5000", [p]


@t("ci_trace", "set -x export")
def _(g: G) -> tuple[str, list[str]]:
    p = g.b64(24)
    return f"++ export CONSUL_HTTP_TOKEN={p}", [p]


@t("ci_trace", "jenkins curl -u api token")
def _(g: G) -> tuple[str, list[str]]:
    p = "11" + g.hex(32)
    return (
        f"[Pipeline] sh\n+ curl -X POST -u jenkins-bot:{p} https://ci/job/deploy/buildWithParameters",
        [p],
    )


@t("ci_trace", "gitlab job private-token")
def _(g: G) -> tuple[str, list[str]]:
    p = "glpat-" + g.b64url(20)
    return f'$ curl --header "PRIVATE-TOKEN: {p}" "https://gitlab/api/v4/projects/42/pipelines"', [
        p
    ]


@t("docker_build", "--build-arg")
def _(g: G) -> tuple[str, list[str]]:
    p = g.b64url(36)
    return (
        f"docker build --build-arg ARTIFACTORY_PASS={p} --build-arg VERSION=2.3.1 -t app:2.3.1 .",
        [p],
    )


@t("docker_build", "classic builder ARG step")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw()
    return f"Step 4/13 : ARG DB_SEED_PASSWORD={p}\n ---> Running in 4f2a9c1b7e03", [p]


@t("docker_build", "buildkit RUN npmrc")
def _(g: G) -> tuple[str, list[str]]:
    p = g.b64url(40)
    return f'#9 [deps 3/6] RUN echo "//npm.corp.lan/:_authToken={p}" > ~/.npmrc && npm ci', [p]


@t("docker_build", "docker history ENV")
def _(g: G) -> tuple[str, list[str]]:
    p = g.hex(32)
    return f"<missing>  3 weeks ago  /bin/sh -c #(nop)  ENV LICENSE_KEY={p}   0B", [p]


@t("docker_build", "pip index-url token in RUN")
def _(g: G) -> tuple[str, list[str]]:
    p = g.b64url(30)
    return (
        f"#12 [4/9] RUN pip install --index-url https://__token__:{p}@pypi.corp.lan/simple -r requirements.txt",
        [p],
    )


# --- HTTP debug dumps ---------------------------------------------------------------------------
@t("http_headers", "python http.client send")
def _(g: G) -> tuple[str, list[str]]:
    u, p = g.user(), g.urlpw()
    c = b64s(f"{u}:{p}")
    return (
        f"send: b'POST /oauth/token HTTP/1.1\\r\\nHost: sso\\r\\nAuthorization: Basic {c}\\r\\nContent-Length: 29\\r\\n\\r\\n'",
        [c],
    )


@t("http_headers", "okhttp logging interceptor")
def _(g: G) -> tuple[str, list[str]]:
    p = g.b64url(48)
    return f"--> GET https://api.partner.example/v2/orders\nX-Partner-Key: {p}\n--> END GET", [p]


@t("http_headers", "curl -v proxy-authorization")
def _(g: G) -> tuple[str, list[str]]:
    c = b64s(f"{g.user()}:{g.urlpw()}")
    return (
        f"> CONNECT api.github.com:443 HTTP/1.1\n> Proxy-Authorization: Basic {c}\n> User-Agent: curl/8.5.0",
        [c],
    )


@t("http_headers", "cookie session")
def _(g: G) -> tuple[str, list[str]]:
    p = g.s(LOWER, 32)
    return f"> Cookie: _ga=GA1.2.1188301.1730000000; sessionid={p}; theme=dark", [p]


@t("http_headers", "set-cookie response")
def _(g: G) -> tuple[str, list[str]]:
    p = g.b64url(44)
    return f"< Set-Cookie: __Host-auth={p}; Path=/; Secure; HttpOnly; SameSite=Lax", [p]


@t("http_headers", "nginx debug header")
def _(g: G) -> tuple[str, list[str]]:
    p = g.hex(40)
    return f'2026/11/30 10:12:01 [debug] 1234#1234: *88 http header: "X-Auth-Token: {p}"', [p]


@t("http_headers", "go http2 debug")
def _(g: G) -> tuple[str, list[str]]:
    p = g.b64url(60)
    return f'http2: Transport encoding header "authorization" = "Bearer {p}"', [p]


@t("http_headers", "ruby net/http debug")
def _(g: G) -> tuple[str, list[str]]:
    p = g.hex(32)
    return f'<- "Authorization: Token token=\\"{p}\\"\\r\\n"', [p]


@t("http_headers", "azure SharedKey")
def _(g: G) -> tuple[str, list[str]]:
    p = g.b64(32)
    return (
        f"Request headers: 'x-ms-version': '2023-11-03', 'Authorization': 'SharedKey stacct01:{p}'",
        [p],
    )


@t("http_body", "form-encoded password grant")
def _(g: G) -> tuple[str, list[str]]:
    p = g.urlpw()
    s = g.b64url(32)
    return (
        f"body: grant_type=password&username={g.user()}&password={p}&client_id=cli&client_secret={s}",
        [p, s],
    )


@t("http_body", "json login request")
def _(g: G) -> tuple[str, list[str]]:
    p = g.anypw()
    return (
        f'{g.ts()} DEBUG req POST /api/login body={{"email":"ops","passcode":"{p}","remember":true}}',
        [p],
    )


@t("http_body", "oauth token response")
def _(g: G) -> tuple[str, list[str]]:
    a, r = g.b64url(64), g.b64url(48)
    return (
        f'< {{"access_token":"{a}","token_type":"Bearer","expires_in":3599,"refresh_token":"{r}"}}',
        [a, r],
    )


@t("http_body", "graphql variables")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw()
    return (
        f'{{"operationName":"Login","variables":{{"input":{{"user":"{g.user()}","secret":"{p}"}}}}}}',
        [p],
    )


# --- cURL / HAR copies ----------------------------------------------------------------------------
@t("curl_har", "copy as cURL cookie + data-raw")
def _(g: G) -> tuple[str, list[str]]:
    c, p = g.b64url(40), g.pw("!#-_.")
    return (
        f"curl 'https://admin.corp.lan/api/users' -H 'accept: application/json' -b 'connect.sid=s%3A{c}' "
        f'--data-raw \'{{"username":"ops","newPassword":"{p}"}}\'',
        [c, p],
    )


@t("curl_har", "HAR header object")
def _(g: G) -> tuple[str, list[str]]:
    p = g.b64url(56)
    return (
        f'          {{\n            "name": "authorization",\n            "value": "Bearer {p}"\n          }},',
        [p],
    )


@t("curl_har", "HAR postData text")
def _(g: G) -> tuple[str, list[str]]:
    p = g.urlpw()
    return (
        f'"postData": {{"mimeType": "application/x-www-form-urlencoded", "text": "login=ops&pwd={p}&submit=1"}}',
        [p],
    )


@t("curl_har", "Invoke-WebRequest headers")
def _(g: G) -> tuple[str, list[str]]:
    p = g.b64url(40)
    return (
        f'Invoke-WebRequest -Uri "https://api.corp.lan/v1/jobs" -Headers @{{"X-Api-Key"="{p}"}} -Method POST',
        [p],
    )


@t("curl_har", "fetch() copy")
def _(g: G) -> tuple[str, list[str]]:
    p = g.hex(64)
    return (
        f'fetch("https://shop.corp.lan/cart", {{"headers": {{"x-csrf-token": "x", "x-session-key": "{p}"}}, "method": "GET"}});',
        [p],
    )


# --- credentials in URLs ------------------------------------------------------------------------
@t("url_creds", "amqps userinfo in log")
def _(g: G) -> tuple[str, list[str]]:
    p = g.urlpw()
    return f"{g.ts()} INFO kombu: Connected to amqps://{g.user()}:{p}@mq1:5671/prod", [p]


@t("url_creds", "redis empty user")
def _(g: G) -> tuple[str, list[str]]:
    p = g.urlpw()
    return f"celery worker --broker=redis://:{p}@cache:6379/0 --loglevel=INFO", [p]


@t("url_creds", "mongodb+srv")
def _(g: G) -> tuple[str, list[str]]:
    p = g.urlpw()
    return (
        f'MongoServerSelectionError for "mongodb+srv://{g.user()}:{p}@cluster0.a1b2c.mongodb.net/app?retryWrites=true"',
        [p],
    )


@t("url_creds", "go mysql dsn without scheme")
def _(g: G) -> tuple[str, list[str]]:
    p = g.urlpw()
    return (
        f'{g.sys()} api3 api[{g.pid()}]: starting with config {{"listen":":8080","dsn":"{g.user()}:{p}@tcp(mysql-2:3306)/app?parseTime=true"}}',
        [p],
    )


@t("url_creds", "jdbc query password")
def _(g: G) -> tuple[str, list[str]]:
    p = g.urlpw()
    return (
        f"java.lang.IllegalArgumentException: bad URL jdbc:postgresql://pg-main:5432/app?user=app&password={p}&ssl=true",
        [p],
    )


@t("url_creds", "query access_token")
def _(g: G) -> tuple[str, list[str]]:
    p = g.b64url(40)
    return (
        f'10.0.3.7 - - [30/Nov/2026:10:11:12 +0000] "GET /api/v1/export.csv?access_token={p}&fmt=csv HTTP/1.1" 200 5120',
        [p],
    )


@t("url_creds", "azure SAS sig")
def _(g: G) -> tuple[str, list[str]]:
    p = pct(g.b64(32))
    return (
        f"Uploading to https://stacct01.blob.core.windows.net/backups/db.bak?sv=2022-11-02&ss=b&srt=o&sp=rwc&se=2026-12-31T00:00:00Z&sig={p}",
        [p],
    )


@t("url_creds", "s3 presigned security token")
def _(g: G) -> tuple[str, list[str]]:
    p = pct("IQoJb3JpZ2luX2Vj" + g.b64(120))
    return (
        f"presigned: https://bkt.s3.amazonaws.com/r.pdf?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Security-Token={p}&X-Amz-Expires=900",
        [p],
    )


@t("url_creds", "slack webhook path")
def _(g: G) -> tuple[str, list[str]]:
    p = g.s(ALNUM, 24)
    return (
        f"alertmanager: notify retry url=https://hooks.slack.com/services/T{g.s(UPPER, 8)}/B{g.s(UPPER, 10)}/{p} err=timeout",
        [p],
    )


@t("url_creds", "discord webhook path")
def _(g: G) -> tuple[str, list[str]]:
    p = g.b64url(68)
    return f"POST https://discord.com/api/webhooks/{g.s(string.digits, 19)}/{p} -> 429", [p]


@t("url_creds", "telegram bot path")
def _(g: G) -> tuple[str, list[str]]:
    p = g.s(string.digits, 10) + ":AA" + g.b64url(33)
    return (
        f"requests.exceptions.ConnectionError: HTTPSConnectionPool(host='api.telegram.org', port=443): Max retries exceeded with url: /bot{p}/sendMessage",
        [p],
    )


@t("url_creds", "git clone token userinfo")
def _(g: G) -> tuple[str, list[str]]:
    p = g.s(ALNUM, 40)
    return (
        f"fatal: unable to access 'https://oauth2:{p}@git.corp.lan/infra/ansible.git/': Could not resolve host",
        [p],
    )


@t("percent_encoded", "postgres url with encoded symbols")
def _(g: G) -> tuple[str, list[str]]:
    p = pct(g.specialpw())
    return (
        f"sqlalchemy.exc.OperationalError: (psycopg2.OperationalError) could not connect [SQL: none] url=postgresql://app:{p}@pg-main/app",
        [p],
    )


@t("percent_encoded", "form body encoded")
def _(g: G) -> tuple[str, list[str]]:
    p = pct(g.specialpw())
    return (
        f"T 10.0.0.5:44322 -> 10.0.0.7:80 [AP] POST /login HTTP/1.1..Host: intranet....user=jdoe&pass={p}",
        [p],
    )


@t("percent_encoded", "encoded passphrase in query")
def _(g: G) -> tuple[str, list[str]]:
    p = urllib.parse.quote_plus(g.phrase())
    return f"GET /setup/wifi?ssid=corp-guest&psk={p}&apply=1 HTTP/1.1", [p]


# --- connection strings ---------------------------------------------------------------------------
@t("conn_string", "ado.net")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw("!#%^*-_+.~")
    return (
        f"System.Data.SqlClient.SqlException: Login timeout. ConnectionString='Server=sql01,1433;Database=erp;User Id=sa;Password={p};Encrypt=True'",
        [p],
    )


@t("conn_string", "odbc braced PWD")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw("!#%^*-_+.~;=")
    return (
        f"DRIVER={{ODBC Driver 18 for SQL Server}};SERVER=sql01;UID=report;PWD={{{p}}};TrustServerCertificate=yes",
        [p],
    )


@t("conn_string", "oracle easy connect user/pass@")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw("#_")
    return f"$ sqlplus -s scott/{p}@//ora01:1521/ORCLPDB1 @report.sql", [p]


@t("conn_string", "stackexchange.redis")
def _(g: G) -> tuple[str, list[str]]:
    p = g.b64(32)
    return (
        f"It was not possible to connect to the redis server(s). Configuration: cache.redis.cache.windows.net:6380,password={p},ssl=True,abortConnect=False",
        [p],
    )


@t("conn_string", "service bus SharedAccessKey")
def _(g: G) -> tuple[str, list[str]]:
    p = g.b64(32)
    return (
        f"Endpoint=sb://bus01.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey={p}",
        [p],
    )


@t("conn_string", "libpq keyword dsn")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw()
    return (
        f'psycopg2.OperationalError: invalid dsn: invalid connection option "sslmod" in "host=pg-main port=5432 user=etl password={p} sslmod=require"',
        [p],
    )


@t("conn_string", "kafka jaas config")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw()
    return (
        f'producer props: sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="svc" password="{p}";',
        [p],
    )


# --- database clients and servers -----------------------------------------------------------------
@t("db_client", "redis MONITOR AUTH")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw()
    return f'1764497531.123456 [0 10.1.2.3:51234] "AUTH" "default" "{p}"', [p]


@t("db_client", "redis-cli AUTH then WRONGPASS")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw()
    return (
        f"cache:6379> AUTH {p}\n(error) WRONGPASS invalid username-password pair or user is disabled.",
        [p],
    )


@t("db_client", "mysql general log CREATE USER")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw()
    return (
        f"2026-11-30T10:00:01.123456Z\t   12 Query\tCREATE USER 'report'@'%' IDENTIFIED BY '{p}'",
        [p],
    )


@t("db_client", "postgres log ALTER ROLE")
def _(g: G) -> tuple[str, list[str]]:
    p = g.anypw()
    return (
        f"2026-11-30 10:00:01.123 UTC [4412] postgres@app LOG:  statement: ALTER ROLE app WITH LOGIN PASSWORD '{p}'",
        [p],
    )


@t("db_client", "mssql CREATE LOGIN")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw()
    return (
        f"Msg 15118, Level 16, State 1: CREATE LOGIN [svc_etl] WITH PASSWORD = N'{p}', CHECK_POLICY = ON",
        [p],
    )


@t("db_client", "mongo shell createUser")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw()
    return (
        f'test> db.createUser({{user: "metrics", pwd: "{p}", roles: [{{role: "clusterMonitor", db: "admin"}}]}})',
        [p],
    )


@t("db_client", "psql dsn missing equals")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw("!#%^*-_+.~")
    return f'psql: error: missing "=" after "{p}" in connection info string', [p]


# --- exceptions and crash reports -----------------------------------------------------------------
@t("exception", "axios error config dump")
def _(g: G) -> tuple[str, list[str]]:
    p, b = g.pw(), g.b64url(40)
    return (
        f"AxiosError: Request failed with status code 401\n    at settle (/app/node_modules/axios/lib/core/settle.js:19:12)\n"
        f"  config: {{\n    auth: {{ username: 'svc-report', password: '{p}' }},\n"
        f"    headers: {{ Accept: 'application/json', 'X-Api-Key': '{b}' }},",
        [p, b],
    )


@t("exception", "go %+v struct")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw()
    return (
        f'level=error ts={g.ts()} msg="init failed" cfg="{{Addr:cache:6379 Password:{p} DB:0 PoolSize:10}}"',
        [p],
    )


@t("exception", "rust Debug struct")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw()
    return (
        f'Error: connecting with Config {{ host: "pg-main", port: 5432, user: "app", password: Some("{p}"), dbname: "app" }}',
        [p],
    )


@t("exception", "python repr kwargs in traceback")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw()
    return (
        f"  File \"/srv/app/db.py\", line 41, in connect\n    return pymysql.connect(host='mysql-2', user='app', passwd='{p}', db='app')\npymysql.err.OperationalError: (2003, \"Can't connect\")",
        [p],
    )


@t("exception", "spring binding failure")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw()
    return (
        f"Failed to bind properties under 'spring.datasource.hikari' ... Property: spring.datasource.hikari.data-source-properties.password Value: \"{p}\" Origin: System Environment Property",
        [p],
    )


@t("exception", "sentry breadcrumb json")
def _(g: G) -> tuple[str, list[str]]:
    p = g.b64url(32)
    return (
        f'{{"category":"http","data":{{"url":"/hooks","headers":{{"X-Hub-Signature-Secret":"{p}"}}}},"level":"info"}}',
        [p],
    )


# --- cloud SDK debug --------------------------------------------------------------------------------
@t("sdk_debug", "botocore request headers")
def _(g: G) -> tuple[str, list[str]]:
    t_ = "IQoJb3JpZ2luX2Vj" + g.b64(90)
    return (
        f"{g.ts()} botocore.endpoint [DEBUG] Making request for OperationModel(name=GetObject) with params: {{'headers': {{'X-Amz-Security-Token': b'{t_}', 'User-Agent': b'Boto3/1.35.2'}}}}",
        [t_],
    )


@t("sdk_debug", "boto client kwargs")
def _(g: G) -> tuple[str, list[str]]:
    p = g.b64(30)[:40]
    return f"boto3.client('s3', region_name='eu-west-1', aws_secret_access_key='{p}')", [p]


@t("sdk_debug", "kubectl -v=8 round_trippers")
def _(g: G) -> tuple[str, list[str]]:
    p = "eyJhbGciOiJSUzI1NiIsImtpZCI6Ij" + g.b64url(120) + "." + g.b64url(60)
    return f"I1130 10:01:02.123456   41234 round_trippers.go:473]     Authorization: Bearer {p}", [
        p
    ]


@t("sdk_debug", "az --debug token response")
def _(g: G) -> tuple[str, list[str]]:
    p = g.b64url(200)
    return (
        f'cli.azure.cli.core.auth: Response: {{"token_type": "Bearer", "refresh_token": "{p}"}}',
        [p],
    )


@t("sdk_debug", "terraform TF_LOG provider header")
def _(g: G) -> tuple[str, list[str]]:
    p = g.hex(40)
    return (
        f"{g.ts()} [DEBUG] provider.terraform-provider-cloudflare: HTTP Request Sent: X-Auth-Key: {p}",
        [p],
    )


@t("sdk_debug", "gcp service account json private_key")
def _(g: G) -> tuple[str, list[str]]:
    p = g.b64(48)
    return (
        f'  "private_key": "-----BEGIN PRIVATE KEY-----\\nMIIEvAIBADANBgkqhkiG9w0BAQEFAASC\\n{p}\\n-----END PRIVATE KEY-----\\n",',
        [p],
    )


# --- kubernetes --------------------------------------------------------------------------------------
@t("k8s", "secret data base64")
def _(g: G) -> tuple[str, list[str]]:
    p = b64s(g.pw())
    return f"apiVersion: v1\ndata:\n  db-password: {p}\n  db-user: YXBw\nkind: Secret", [p]


@t("k8s", "describe pod Environment")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw()
    return (
        f"    Environment:\n      DB_HOST:      pg-main.prod.svc\n      DB_PASS:      {p}\n    Mounts:",
        [p],
    )


@t("k8s", "env name/value pair")
def _(g: G) -> tuple[str, list[str]]:
    p = g.b64url(32)
    return f'        - name: STRIPE_SIGNING\n          value: "{p}"', [p]


@t("k8s", "dockerconfigjson auth")
def _(g: G) -> tuple[str, list[str]]:
    u, p = g.user(), g.urlpw()
    a = b64s(f"{u}:{p}")
    return (
        f'{{"auths":{{"registry.corp.lan":{{"username":"{u}","password":"{p}","auth":"{a}"}}}}}}',
        [p, a],
    )


@t("k8s", "tls.key base64 PEM")
def _(g: G) -> tuple[str, list[str]]:
    p = "LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCk1JSUV2" + g.b64(90)
    return f"  tls.crt: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t\n  tls.key: {p}", [p]


# --- ansible -vvv ---------------------------------------------------------------------------------
@t("ansible", "module_args login_password")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw()
    return (
        f'changed: [db01] => {{"changed": true, "invocation": {{"module_args": {{"login_host": "localhost", "login_password": "{p}", "login_user": "root", "name": "app"}}}}}}',
        [p],
    )


@t("ansible", "-e extra vars")
def _(g: G) -> tuple[str, list[str]]:
    p, q = g.pw(), g.pw()
    return (
        f"ansible-playbook -i inv/prod site.yml -e 'ansible_become_pass={p} smtp_pass={q}' -vvv",
        [p, q],
    )


@t("ansible", "debug msg prose")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw()
    return f'ok: [web02] => {{\n    "msg": "connecting to replica with pass {p}"\n}}', [p]


# --- syslog/journald start-up lines -----------------------------------------------------------------
@t("syslog_startup", "keepalived config dump")
def _(g: G) -> tuple[str, list[str]]:
    p = g.s(ALNUM, 8)
    return (
        f"{g.sys()} lb1 Keepalived_vrrp[{g.pid()}]:    Authentication type = SIMPLE_PASSWORD\n{g.sys()} lb1 Keepalived_vrrp[{g.pid()}]:    Password = {p}",
        [p],
    )


@t("syslog_startup", "agent argv logged")
def _(g: G) -> tuple[str, list[str]]:
    p = g.b64url(32)
    return (
        f"{g.sys()} bk2 backup-agent[{g.pid()}]: argv: /opt/agent/bin/agent --server https://backup:8443 --enroll-secret {p} --verbose",
        [p],
    )


@t("syslog_startup", "spring property origin")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw()
    return (
        f"2026-11-30 10:00:01.123  INFO 1 --- [main] o.s.b.c.c.ConfigDataEnvironment : Property spring.rabbitmq.password={p} from command line args",
        [p],
    )


@t("syslog_startup", "frps auth.token")
def _(g: G) -> tuple[str, list[str]]:
    p = g.s(ALNUM, 24)
    return (
        f"{g.sys()} edge1 frps[{g.pid()}]: [I] [root.go:204] frps uses config file: /etc/frps.toml, auth.token={p}",
        [p],
    )


@t("syslog_startup", "vault operator init output")
def _(g: G) -> tuple[str, list[str]]:
    u, r = g.b64(33), "hvs." + g.s(ALNUM, 24)
    return f"Unseal Key 1: {u}\n\nInitial Root Token: {r}", [u, r]


@t("syslog_startup", "consul gossip encrypt key")
def _(g: G) -> tuple[str, list[str]]:
    p = g.b64(32)
    return f"{g.sys()} c1 consul[{g.pid()}]: agent: loaded config: encrypt={p} datacenter=dc1", [p]


@t("syslog_startup", "CRON CMD syslog")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw("!#%^-_+.")
    return (
        f"{g.sys()} bk1 CRON[{g.pid()}]: (root) CMD (PGPASSWORD={p} pg_dump -h pg-main -U backup app | gzip > /backup/app.sql.gz)",
        [p],
    )


# --- audit -------------------------------------------------------------------------------------------
@t("audit", "EXECVE argv plain")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw("#%^*-_+=.~")
    return (
        f'type=EXECVE msg=audit(1764497531.123:4567): argc=5 a0="mysqldump" a1="-uroot" a2="--password={p}" a3="--all-databases" a4="-q"',
        [p],
    )


@t("audit", "EXECVE hex-encoded arg with space")
def _(g: G) -> tuple[str, list[str]]:
    p = g.phrase().encode().hex().upper()
    return (
        f'type=EXECVE msg=audit(1764497532.456:4570): argc=4 a0="openssl" a1="enc" a2="-pass" a3={p}',
        [p],
    )


@t("audit", "PROCTITLE hex")
def _(g: G) -> tuple[str, list[str]]:
    pw = g.pw()
    p = f"sshpass\0-p\0{pw}\0ssh\0nas".encode().hex().upper()
    return f"type=PROCTITLE msg=audit(1764497533.789:4571): proctitle={p}", [p]


# --- strace / tcpdump / wire --------------------------------------------------------------------------
@t("wire", "strace RESP AUTH")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw()
    return (
        f'write(3, "*3\\r\\n$4\\r\\nAUTH\\r\\n$7\\r\\ndefault\\r\\n${len(p)}\\r\\n{p}\\r\\n", {30 + len(p)}) = {30 + len(p)}',
        [p],
    )


@t("wire", "strace execve argv")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw()
    return (
        f'execve("/usr/bin/mysql", ["mysql", "-h", "mysql-2", "-uapp", "-p{p}"], 0x7ffd2c1e8a40 /* 23 vars */) = 0',
        [p],
    )


@t("wire", "ftp PASS tcpdump")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw()
    return (
        f"10:00:01.123 IP 10.0.0.5.51514 > 10.0.0.9.21: Flags [P.], seq 1:20, ack 1, win 502, length 19: FTP: PASS {p}",
        [p],
    )


@t("wire", "smtp AUTH PLAIN")
def _(g: G) -> tuple[str, list[str]]:
    p = b64s(f"\0alerts\0{g.pw()}")
    return (
        f"<<< 250-AUTH PLAIN LOGIN\n>>> AUTH PLAIN {p}\n<<< 235 2.7.0 Authentication successful",
        [p],
    )


@t("wire", "smtp AUTH LOGIN answer line")
def _(g: G) -> tuple[str, list[str]]:
    p = b64s(g.pw())
    return (
        f">>> AUTH LOGIN\n<<< 334 VXNlcm5hbWU6\n>>> YWxlcnRz\n<<< 334 UGFzc3dvcmQ6\n>>> {p}\n<<< 235 2.7.0 Accepted",
        [p],
    )


@t("wire", "imap LOGIN quoted")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw("!#%^*-_+=.~ ")
    return f'C: a001 LOGIN helpdesk "{p}"\nS: a001 OK LOGIN completed', [p]


# --- shell history / crontab ----------------------------------------------------------------------
@t("shell_history", "zsh extended history")
def _(g: G) -> tuple[str, list[str]]:
    p = g.b64url(40)
    return f": 1764497531:0;export CF_API_TOKEN={p}", [p]


@t("shell_history", "bash history echo | sudo -S")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw("!#%^*-_+=.~")
    return f"#1764497531\necho '{p}' | sudo -S systemctl restart nginx", [p]


@t("shell_history", "fish history")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw()
    return (
        f"- cmd: az login --service-principal -u 1f0c-app -p {p} --tenant corp\n  when: 1764497531",
        [p],
    )


@t("shell_history", "vault login positional")
def _(g: G) -> tuple[str, list[str]]:
    p = "hvs." + g.s(ALNUM, 24)
    return f"  512  vault login {p}", [p]


@t("crontab", "curl -u in crontab")
def _(g: G) -> tuple[str, list[str]]:
    p = g.urlpw()
    return (
        f"*/10 * * * * /usr/bin/curl -fsS -u monitor:{p} http://localhost:15672/api/healthchecks/node >/dev/null",
        [p],
    )


@t("crontab", "mysqldump -p in crontab")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw("#%^-_+=.")
    return f"30 1 * * * mysqldump -uroot -p{p} --all-databases | gzip > /backup/all.sql.gz", [p]


@t("crontab", "env assignment line in crontab")
def _(g: G) -> tuple[str, list[str]]:
    p = g.b64(30)
    return f'MAILTO=""\nRESTIC_PASSWORD={p}\n0 3 * * * restic backup /srv', [p]


# --- config diffs --------------------------------------------------------------------------------------
@t("config_diff", "git diff .env")
def _(g: G) -> tuple[str, list[str]]:
    a, b = g.pw(), g.pw()
    return (
        f"--- a/.env.production\n+++ b/.env.production\n@@ -3,3 +3,3 @@\n DB_HOST=pg-main\n-DB_PASSWORD={a}\n+DB_PASSWORD={b}",
        [a, b],
    )


@t("config_diff", "terraform plan ->")
def _(g: G) -> tuple[str, list[str]]:
    a, b = g.b64url(32), g.b64url(32)
    return f'      ~ api_key = "{a}" -> "{b}"', [a, b]


@t("config_diff", "ansible --diff yaml")
def _(g: G) -> tuple[str, list[str]]:
    a, b = g.pw(), g.pw()
    return f"@@ -12,2 +12,2 @@\n-redis_password: {a}\n+redis_password: {b}", [a, b]


@t("config_diff", "compose env list")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw()
    return f"       environment:\n+        - POSTGRES_PASSWORD={p}\n         - POSTGRES_DB=app", [p]


# --- config syntaxes --------------------------------------------------------------------------------
@t("config_syntax", "redis.conf requirepass")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw()
    return f"# Generated by ansible\nbind 0.0.0.0\nrequirepass {p}\nmaxmemory 2gb", [p]


@t("config_syntax", "haproxy insecure-password")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw()
    return f"userlist stats_users\n    user admin insecure-password {p}", [p]


@t("config_syntax", "cisco ios secrets")
def _(g: G) -> tuple[str, list[str]]:
    c, k = g.s(ALNUM, 12), g.pw("!#%^*-_+=.")
    return f"snmp-server community {c} RO 10\ntacacs-server key 0 {k}", [c, k]


@t("config_syntax", "bgp neighbor password")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw("!#%^*-_+=.")
    return f" neighbor 10.255.0.2 remote-as 65001\n neighbor 10.255.0.2 password {p}", [p]


@t("config_syntax", "wireguard keys")
def _(g: G) -> tuple[str, list[str]]:
    a, b = g.b64(32), g.b64(32)
    return f"[Interface]\nAddress = 10.8.0.1/24\nPrivateKey = {a}\n[Peer]\nPresharedKey = {b}", [
        a,
        b,
    ]


@t("config_syntax", "makefile := and ?=")
def _(g: G) -> tuple[str, list[str]]:
    a, b = g.pw(), g.b64url(30)
    return f"DB_PASS := {a}\nexport SIGNING_SECRET ?= {b}", [a, b]


@t("config_syntax", "pgbouncer userlist plaintext")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw()
    return f'"app" "{p}"\n"stats" "md5{g.hex(32)}"', [p]


@t("config_syntax", "nginx proxy_set_header Basic")
def _(g: G) -> tuple[str, list[str]]:
    c = b64s(f"{g.user()}:{g.urlpw()}")
    return f'    proxy_set_header Authorization "Basic {c}";', [c]


@t("config_syntax", "bitcoin rpcpassword")
def _(g: G) -> tuple[str, list[str]]:
    p = g.s(ALNUM, 32)
    return f"server=1\nrpcuser=node\nrpcpassword={p}", [p]


@t("config_syntax", "rclone obscured pass")
def _(g: G) -> tuple[str, list[str]]:
    p = g.b64url(44)
    return f"[b2]\ntype = b2\naccount = 0012ab\nkey = {p}", [p]


@t("markup", "maven settings.xml")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw()
    return (
        f"  <server>\n    <id>corp-releases</id>\n    <username>deployer</username>\n    <password>{p}</password>\n  </server>",
        [p],
    )


@t("markup", "appSettings key/value attributes")
def _(g: G) -> tuple[str, list[str]]:
    p = g.b64url(40)
    return f'    <add key="PaymentGatewayApiKey" value="{p}" />', [p]


@t("markup", "tomcat-users attribute")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw()
    return f'  <user username="manager" password="{p}" roles="manager-gui,admin-gui"/>', [p]


@t("markup", "nuget ClearTextPassword")
def _(g: G) -> tuple[str, list[str]]:
    p = g.b64url(52)
    return f'      <add key="ClearTextPassword" value="{p}" />', [p]


@t("markup", "soap wsse password element")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw()
    return (
        f'<wsse:UsernameToken><wsse:Username>erp</wsse:Username><wsse:Password Type="#PasswordText">{p}</wsse:Password></wsse:UsernameToken>',
        [p],
    )


# --- language literals --------------------------------------------------------------------------------
@t("code_literal", "wordpress define")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw("!#%^*-_+=.~")
    return f"define( 'DB_PASSWORD', '{p}' );", [p]


@t("code_literal", "jdbc positional getConnection")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw()
    return f'Connection c = DriverManager.getConnection(url, "sa", "{p}");', [p]


@t("code_literal", "c# NetworkCredential")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw()
    return f'client.Credentials = new NetworkCredential("svc_mail", "{p}");', [p]


@t("code_literal", "go smtp.PlainAuth")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw()
    return f'auth := smtp.PlainAuth("", "alerts", "{p}", "smtp.corp.lan")', [p]


@t("code_literal", "perl my $pass")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw("!#%^*-_+=.~")
    return f"my $dbpass = '{p}';", [p]


@t("code_literal", "elixir keyword")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw()
    return (
        f'config :app, App.Repo,\n  username: "app",\n  password: "{p}",\n  hostname: "pg-main"',
        [p],
    )


@t("code_literal", "kotlin const val")
def _(g: G) -> tuple[str, list[str]]:
    p = g.b64url(32)
    return f'private const val HMAC_SECRET = "{p}"', [p]


# --- encodings ------------------------------------------------------------------------------------------
@t("encoded", "json string inside json")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw("!#%^*-_+=.~")
    return (
        f'{{"level":"debug","msg":"upstream body","body":"{{\\"username\\":\\"svc\\",\\"password\\":\\"{p}\\"}}"}}',
        [p],
    )


@t("encoded", "double-escaped json")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw("!#%^*-_+=.~")
    return f'"detail": "{{\\\\\\"apiSecret\\\\\\":\\\\\\"{p}\\\\\\"}}"', [p]


@t("encoded", "\\u0022 escaped quotes")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw("!#%^*-_+=.~")
    return f"payload=\\u007B\\u0022password\\u0022:\\u0022{p}\\u0022\\u007D", [p]


@t("encoded", "npmrc _auth base64 user:pass")
def _(g: G) -> tuple[str, list[str]]:
    c = b64s(f"{g.user()}:{g.pw()}")
    return f"registry=https://npm.corp.lan/\n_auth={c}\nalways-auth=true", [c]


@t("encoded", "base64 under secret key in yaml")
def _(g: G) -> tuple[str, list[str]]:
    p = b64s(g.phrase())
    return f"  encryptionPassphraseB64: {p}", [p]


@t("encoded", "java properties escaped")
def _(g: G) -> tuple[str, list[str]]:
    p = g.s(ALNUM, 6) + "\\:" + g.s(ALNUM, 4) + "\\=" + g.s(ALNUM, 4)
    return f"ldap.bind.credentials={p}", [p]


# --- private keys --------------------------------------------------------------------------------
@t("private_key", "openssh key body")
def _(g: G) -> tuple[str, list[str]]:
    a, b = g.b64(51), g.b64(51)
    return (
        f"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n{a}\n{b}\n-----END OPENSSH PRIVATE KEY-----",
        [a, b],
    )


@t("private_key", "putty ppk")
def _(g: G) -> tuple[str, list[str]]:
    a = g.b64(48)
    return (
        f"PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nPrivate-Lines: 1\n{a}\nPrivate-MAC: {g.hex(64)}",
        [a],
    )


@t("private_key", "pgp armored")
def _(g: G) -> tuple[str, list[str]]:
    a = g.b64(48)
    return (
        f"-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQVYBGV{g.b64(40)}\n{a}\n=Ab3x\n-----END PGP PRIVATE KEY BLOCK-----",
        [a],
    )


# --- JWT / OAuth ---------------------------------------------------------------------------------
@t("jwt_oauth", "implicit flow fragment")
def _(g: G) -> tuple[str, list[str]]:
    p = "eyJhbGciOiJSUzI1NiJ9." + g.b64url(80) + "." + g.b64url(86)
    return f"redirect: https://app.corp.lan/cb#id_token={p}&state=af0ifjsldkj", [p]


@t("jwt_oauth", "google auth code in access log")
def _(g: G) -> tuple[str, list[str]]:
    p = "4/0A" + g.b64url(70)
    return f'"GET /oauth2/callback?state=x1&code={p}&scope=email HTTP/2.0" 302', [p]


@t("jwt_oauth", "bare jwt in log message")
def _(g: G) -> tuple[str, list[str]]:
    p = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9." + g.b64url(90) + "." + g.b64url(43)
    return f"{g.ts()} WARN  ws: handshake rejected, expired credential {p}", [p]


@t("jwt_oauth", "oauth1 header")
def _(g: G) -> tuple[str, list[str]]:
    a, b = g.b64url(40), pct(g.b64(20))
    return (
        f'Authorization: OAuth oauth_consumer_key="ck1", oauth_token="{a}", oauth_signature="{b}"',
        [a],
    )


# --- chat and prose --------------------------------------------------------------------------------
@t("chat_prose", "pw for X:")
def _(g: G) -> tuple[str, list[str]]:
    p = g.anypw()
    return f"[10:42] <dana> pw for staging db: {p}", [p]


@t("chat_prose", "new root pass is")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw()
    return f"@oncall the new root pass is {p} - please rotate after the incident", [p]


@t("chat_prose", "creds are user / pass")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw()
    return f"<mike> creds for the grafana admin are admin / {p}", [p]


@t("chat_prose", "psk changed to")
def _(g: G) -> tuple[str, list[str]]:
    p = g.phrase()
    return f"fyi the vpn PSK changed to “{p}” this morning", [p]


@t("chat_prose", "HSM pin")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pin()
    return f"Q: what's the PIN for the HSM partition?\nA: it's {p}, don't paste it anywhere", [p]


@t("chat_prose", "answer on next line")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw()
    return f"<bob> what's the password for jenkins admin?\n<carol> {p}", [p]


@t("chat_prose", "email Username/Password block")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw()
    return (
        f"Hi team, account created:\nUsername: svc_sftp\nPassword: {p}\nPlease change on first login.",
        [p],
    )


@t("chat_prose", "use X as passphrase")
def _(g: G) -> tuple[str, list[str]]:
    p = g.phrase()
    return f"use {p} as the passphrase for the restore key", [p]


@t("chat_prose", "unicode password stated")
def _(g: G) -> tuple[str, list[str]]:
    p = g.uni()
    return f"kiosk login works again, password set to {p}", [p]


@t("chat_prose", "german prose")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw()
    return f"Das Passwort für den Testserver lautet {p} (bitte nicht weitergeben)", [p]


@t("chat_prose", "french prose")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw()
    return f"le mot de passe du compte de service est {p}", [p]


@t("chat_prose", "spanish prose")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw()
    return f"la contraseña nueva del router es {p}", [p]


# --- short PINs and passphrases in structured places ------------------------------------------------
@t("pin_passphrase", "json pinCode")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pin()
    return (
        f'{g.ts()} DEBUG provisioning payload {{"deviceId":"kiosk-12","pinCode":"{p}","locale":"de-AT"}}',
        [p],
    )


@t("pin_passphrase", "yaml quoted passphrase with spaces")
def _(g: G) -> tuple[str, list[str]]:
    p = g.phrase()
    return f'ssl:\n  key_passphrase: "{p}"\n  key_file: /etc/ssl/private/api.key', [p]


@t("pin_passphrase", "smartcard PIN and PUK in ticket")
def _(g: G) -> tuple[str, list[str]]:
    a, b = g.pin(), g.pin() + g.s(string.digits, 2)
    return f"Ticket #4471: yubikey reset done. PIN={a} PUK={b} (user to change on pickup)", [a, b]


@t("pin_passphrase", "unicode passphrase in ini")
def _(g: G) -> tuple[str, list[str]]:
    p = g.uni()
    return f"[archive]\npassphrase = {p}\ncompression = zstd", [p]


@t("url_creds", "git-credentials store line")
def _(g: G) -> tuple[str, list[str]]:
    p = "ghp_" + g.s(ALNUM, 36)
    return f"$ cat ~/.git-credentials\nhttps://ci-bot:{p}@github.com", [p]


@t("url_creds", "ldap bind url in sssd debug")
def _(g: G) -> tuple[str, list[str]]:
    p = g.pw()
    return (
        f"(2026-11-30 10:00:01): [be[corp.lan]] [sdap_cli_connect_recv] (0x0040): ldap_default_authtok = {p}",
        [p],
    )


I18N_KEYS = (
    "Passwort = {v}",
    "mot_de_passe: {v}",
    "contraseña={v}",
    'senha: "{v}"',
    "пароль: {v}",
    "密码：{v}",
    "パスワード={v}",
    "비밀번호: {v}",
    "wachtwoord={v}",
    "lösenord: {v}",
    "hasło={v}",
    "salasana: {v}",
    "şifre={v}",
    "parola: {v}",
    "Kennwort: {v}",
    "jelszó={v}",
    "heslo: {v}",
    "κωδικός: {v}",
    "סיסמה: {v}",
    "كلمة_المرور={v}",
    "पासवर्ड: {v}",
    "mật_khẩu={v}",
    "kata_sandi: {v}",
    "токен_доступа={v}",
    "clé_api: {v}",
    "chiave_api={v}",
    "API-Schlüssel: {v}",
    "令牌={v}",
    "トークン: {v}",
    "adgangskode={v}",
    "geheimnis: {v}",
)


def _i18n_cases(rng: random.Random) -> list[Case]:
    out = []
    for key in I18N_KEYS:
        for _ in range(1):
            g = G(rng)
            v = g.anypw() if "api" not in key.lower() and "ток" not in key else g.b64url(32)
            if " " in v:
                v = g.pw()
            out.append(
                Case(
                    "i18n_keys", key.split("{")[0].strip(' =:："'), (key.format(v=v) + "\n",), (v,)
                )
            )
    return out


# --- vendor tokens with distinctive prefixes -----------------------------------------------------
VENDORS: list[tuple[str, str, Callable[[G], str]]] = [
    ("github classic PAT", "GH_TOKEN", lambda g: "ghp_" + g.s(ALNUM, 36)),
    ("github oauth", "GITHUB_OAUTH", lambda g: "gho_" + g.s(ALNUM, 36)),
    ("github app installation", "GH_APP_TOKEN", lambda g: "ghs_" + g.s(ALNUM, 36)),
    (
        "github fine-grained",
        "GITHUB_PAT",
        lambda g: "github_pat_11" + g.s(UPPER, 20) + "_" + g.s(ALNUM, 59),
    ),
    ("gitlab runner", "RUNNER_TOKEN", lambda g: "glrt-" + g.b64url(20)),
    ("gitlab deploy", "DEPLOY_TOKEN", lambda g: "gldt-" + g.b64url(20)),
    (
        "slack bot",
        "SLACK_BOT_TOKEN",
        lambda g: f"xoxb-{g.s(string.digits, 12)}-{g.s(string.digits, 13)}-{g.s(ALNUM, 24)}",
    ),
    (
        "slack user",
        "SLACK_TOKEN",
        lambda g: (
            f"xoxp-{g.s(string.digits, 11)}-{g.s(string.digits, 12)}-{g.s(string.digits, 13)}-{g.hex(32)}"
        ),
    ),
    (
        "slack app-level",
        "SLACK_APP_TOKEN",
        lambda g: f"xapp-1-A0{g.s(UPPER, 9)}-{g.s(string.digits, 13)}-{g.hex(64)}",
    ),
    ("stripe secret", "STRIPE_KEY", lambda g: "sk_live_51" + g.s(ALNUM, 96)),
    ("stripe restricted", "STRIPE_RK", lambda g: "rk_live_51" + g.s(ALNUM, 96)),
    ("stripe webhook", "STRIPE_WEBHOOK", lambda g: "whsec_" + g.s(ALNUM, 32)),
    (
        "aws access key id",
        "AWS_ACCESS_KEY_ID",
        lambda g: "AKIA" + g.s(string.ascii_uppercase + "234567", 16),
    ),
    (
        "aws temp key id",
        "AWS_ACCESS_KEY_ID",
        lambda g: "ASIA" + g.s(string.ascii_uppercase + "234567", 16),
    ),
    ("google api key", "MAPS_KEY", lambda g: "AIza" + g.b64url(35)),
    ("google oauth client secret", "OAUTH_CLIENT_SECRET", lambda g: "GOCSPX-" + g.b64url(28)),
    ("google access token", "GCP_TOKEN", lambda g: "ya29.a0" + g.b64url(120)),
    ("sendgrid", "SENDGRID", lambda g: "SG." + g.b64url(22) + "." + g.b64url(43)),
    ("mailgun", "MAILGUN", lambda g: "key-" + g.hex(32)),
    ("mailchimp", "MC_API", lambda g: g.hex(32) + "-us" + str(g.r.randint(10, 21))),
    ("twilio api key", "TWILIO_SECRET", lambda g: "SK" + g.hex(32)),
    ("npm", "NPM_TOKEN", lambda g: "npm_" + g.s(ALNUM, 36)),
    ("pypi", "TWINE_PASSWORD", lambda g: "pypi-AgEIcHlwaS5vcmc" + g.b64url(120)),
    ("docker hub", "DOCKERHUB_TOKEN", lambda g: "dckr_pat_" + g.b64url(27)),
    ("hugging face", "HF_TOKEN", lambda g: "hf_" + g.s(string.ascii_letters, 34)),
    (
        "openai project",
        "OPENAI_API_KEY",
        lambda g: "sk-proj-" + g.b64url(74) + "T3BlbkFJ" + g.b64url(74),
    ),
    ("anthropic", "ANTHROPIC_API_KEY", lambda g: "sk-ant-api03-" + g.b64url(93) + "AA"),
    ("shopify admin", "SHOPIFY_TOKEN", lambda g: "shpat_" + g.hex(32)),
    ("digitalocean", "DIGITALOCEAN_TOKEN", lambda g: "dop_v1_" + g.hex(64)),
    ("vault service token", "VAULT_TOKEN", lambda g: "hvs.CAESI" + g.b64url(90)),
    ("terraform cloud", "TFE_TOKEN", lambda g: g.s(ALNUM, 14) + ".atlasv1." + g.s(ALNUM, 67)),
    ("pulumi", "PULUMI_ACCESS_TOKEN", lambda g: "pul-" + g.hex(40)),
    ("doppler", "DOPPLER_TOKEN", lambda g: "dp.st.prd." + g.s(ALNUM, 40)),
    ("linear", "LINEAR_KEY", lambda g: "lin_api_" + g.s(ALNUM, 40)),
    ("notion", "NOTION_TOKEN", lambda g: "ntn_" + g.s(string.digits, 11) + g.s(ALNUM, 35)),
    (
        "atlassian",
        "JIRA_API_TOKEN",
        lambda g: "ATATT3xFfGF0" + g.b64url(170) + "=" + g.hex(8).upper(),
    ),
    ("postman", "POSTMAN_KEY", lambda g: f"PMAK-{g.hex(24)}-{g.hex(34)}"),
    ("new relic user", "NEW_RELIC_API_KEY", lambda g: "NRAK-" + g.s(UPPER, 27)),
    (
        "grafana service account",
        "GRAFANA_TOKEN",
        lambda g: "glsa_" + g.s(ALNUM, 32) + "_" + g.hex(8),
    ),
    ("grafana cloud", "GRAFANA_CLOUD", lambda g: "glc_eyJvIjoi" + g.b64url(100)),
    ("sentry user", "SENTRY_AUTH_TOKEN", lambda g: "sntryu_" + g.hex(64)),
    ("databricks", "DATABRICKS_TOKEN", lambda g: "dapi" + g.hex(32)),
    ("azure storage key", "AZURE_STORAGE_KEY", lambda g: g.b64(64)),
    (
        "azure ad client secret",
        "AZURE_CLIENT_SECRET",
        lambda g: g.s(ALNUM, 3) + "8Q~" + g.b64url(34).replace("-", "~"),
    ),
    ("square", "SQUARE_TOKEN", lambda g: "EAAA" + g.b64url(60)),
    ("telegram bot", "TG_BOT", lambda g: g.s(string.digits, 10) + ":AA" + g.b64url(33)),
    (
        "discord bot",
        "DISCORD_TOKEN",
        lambda g: "MT" + g.b64url(24) + "." + g.b64url(6) + "." + g.b64url(38),
    ),
    ("planetscale", "PSCALE_PASSWORD", lambda g: "pscale_pw_" + g.b64url(43)),
    ("supabase", "SUPABASE_ACCESS_TOKEN", lambda g: "sbp_" + g.hex(40)),
    (
        "age identity",
        "SOPS_AGE_KEY",
        lambda g: "AGE-SECRET-KEY-1" + g.s("QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L", 58),
    ),
    (
        "tailscale auth key",
        "TS_AUTHKEY",
        lambda g: "tskey-auth-k" + g.s(ALNUM, 10) + "CNTRL-" + g.s(ALNUM, 33),
    ),
    ("buildkite", "BUILDKITE_TOKEN", lambda g: "bkua_" + g.hex(40)),
    ("figma", "FIGMA_TOKEN", lambda g: "figd_" + g.b64url(40)),
    ("airtable", "AIRTABLE_PAT", lambda g: "pat" + g.s(ALNUM, 14) + "." + g.hex(64)),
    ("contentful", "CONTENTFUL_TOKEN", lambda g: "CFPAT-" + g.b64url(43)),
    ("dynatrace", "DT_API_TOKEN", lambda g: f"dt0c01.{g.s(UPPER, 24)}.{g.s(UPPER, 64)}"),
    ("mapbox secret", "MAPBOX_TOKEN", lambda g: "sk.eyJ1Ijoi" + g.b64url(50) + "." + g.b64url(22)),
    ("netlify", "NETLIFY_AUTH_TOKEN", lambda g: "nfp_" + g.s(ALNUM, 36)),
    ("replicate", "REPLICATE_API_TOKEN", lambda g: "r8_" + g.s(ALNUM, 37)),
    ("groq", "GROQ_API_KEY", lambda g: "gsk_" + g.s(ALNUM, 52)),
    ("alibaba", "ALIYUN_AK", lambda g: "LTAI" + g.s(ALNUM, 20)),
    ("tencent", "TENCENT_SECRET_ID", lambda g: "AKID" + g.s(ALNUM, 32)),
    ("yandex oauth", "YC_TOKEN", lambda g: "y0_AgAAAA" + g.b64url(50)),
    ("rubygems", "GEM_HOST_API_KEY", lambda g: "rubygems_" + g.hex(48)),
    ("nuget", "NUGET_KEY", lambda g: "oy2" + g.s(LOWER, 43)),
    ("pinecone", "PINECONE_API_KEY", lambda g: "pcsk_" + g.s(ALNUM, 6) + "_" + g.s(ALNUM, 63)),
    ("langsmith", "LANGSMITH_API_KEY", lambda g: "lsv2_pt_" + g.hex(32) + "_" + g.hex(10)),
    ("artifactory", "ARTIFACTORY_API_KEY", lambda g: "AKCp" + g.s(ALNUM, 69)),
    ("sourcegraph", "SRC_ACCESS_TOKEN", lambda g: "sgp_" + g.hex(16) + "_" + g.hex(40)),
    (
        "1password service account",
        "OP_SERVICE_ACCOUNT_TOKEN",
        lambda g: "ops_eyJzaWduSW5BZGRyZXNzIjoi" + g.b64url(200),
    ),
    ("shippo", "SHIPPO_TOKEN", lambda g: "shippo_live_" + g.hex(40)),
    ("flutterwave", "FLW_SECRET_KEY", lambda g: "FLWSECK-" + g.hex(32) + "-X"),
    ("easypost", "EASYPOST_API_KEY", lambda g: "EZAK" + g.hex(54)),
    ("adafruit io", "AIO_KEY", lambda g: "aio_" + g.s(ALNUM, 28)),
    ("prefect", "PREFECT_API_KEY", lambda g: "pnu_" + g.s(ALNUM, 36)),
    ("infracost", "INFRACOST_API_KEY", lambda g: "ico-" + g.s(ALNUM, 32)),
    ("defined networking", "DN_API_KEY", lambda g: f"dnkey-{g.s(UPPER, 26)}-{g.s(UPPER, 52)}"),
    ("clojars", "CLOJARS_TOKEN", lambda g: "CLOJARS_" + g.hex(60)),
    (
        "firebase cloud messaging",
        "FCM_SERVER_KEY",
        lambda g: "AAAA" + g.b64url(7) + ":APA91b" + g.b64url(134),
    ),
    ("openstack fernet", "OS_TOKEN", lambda g: "gAAAAAB" + g.b64url(176)),
    ("circleci", "CIRCLE_TOKEN", lambda g: "CCIPAT_" + g.s(ALNUM, 22) + "_" + g.hex(40)),
    ("fly.io", "FLY_API_TOKEN", lambda g: "fm2_lJPECAAAAAAA" + g.b64url(120)),
    ("vault batch token", "VAULT_BATCH", lambda g: "hvb.AAAAAQ" + g.b64url(110)),
    ("render", "RENDER_API_KEY", lambda g: "rnd_" + g.s(ALNUM, 32)),
    ("perplexity", "PPLX_API_KEY", lambda g: "pplx-" + g.hex(48)),
    ("xai", "XAI_API_KEY", lambda g: "xai-" + g.s(ALNUM, 80)),
    ("cloudflare origin ca", "CF_ORIGIN_CA_KEY", lambda g: "v1.0-" + g.hex(24) + "-" + g.hex(146)),
    (
        "asana",
        "ASANA_PAT",
        lambda g: f"2/{g.s(string.digits, 16)}/{g.s(string.digits, 16)}:{g.hex(32)}",
    ),
    ("bitbucket app password", "BITBUCKET_APP_PASSWORD", lambda g: "ATBB" + g.s(ALNUM, 32)),
    ("lob", "LOB_API_KEY", lambda g: "live_" + g.hex(35)),
    ("facebook", "FB_ACCESS_TOKEN", lambda g: "EAAG" + g.s(ALNUM, 180)),
]

VENDOR_CONTEXTS = (
    "{env}={tok}",
    '  {env}: "{tok}"',
    "{ts} DEBUG http: > Authorization: Bearer {tok}",
    "{ts} INFO  loader - resolved value {tok} from vault path kv/data/ci",
    "<oncall> here's the {vendor} one, rotate it after the demo: {tok}",
    '{{"level":"debug","ts":"{ts}","msg":"client init","cfg":{{"endpoint":"https://api","credential":"{tok}"}}}}',
    "  File \"/app/sync.py\", line 88, in run\nValueError: unexpected response for key '{tok}'",
    "Nov 30 10:14:02 runner-7 agent[{pid}]: flags: --upstream=https://api --api-token {tok} --retries=3",
    "-    token: old\n+    token: {tok}",
    "export {env}='{tok}'",
)


# --- assembly -------------------------------------------------------------------------------------
def _split(text: str) -> tuple[str, ...]:
    return tuple(line + "\n" for line in text.split("\n"))


def cases(seed: int = 20261202) -> list[Case]:
    rng = random.Random(seed)
    out: list[Case] = []
    for family, fmt, fn in TEMPLATES:
        for _ in range(VARIANTS):
            for _attempt in range(50):
                text, values = fn(G(rng))
                if all(len(v) >= 6 and text.count(v) == 1 for v in values):
                    break
            else:
                raise AssertionError(f"{fmt}: no clean instance")
            out.append(Case(family, fmt, _split(text), tuple(values)))
    for i, (vendor, env, make) in enumerate(VENDORS):
        for n in range(1):
            g = G(rng)
            tok = make(g)
            ctx = VENDOR_CONTEXTS[(i + n) % len(VENDOR_CONTEXTS)]
            text = ctx.format(tok=tok, env=env, vendor=vendor, ts=g.ts(), pid=g.pid())
            assert text.count(tok) == 1, vendor
            out.append(Case("vendor_token", f"{vendor} ({ctx[:24]}...)", _split(text), (tok,)))
    out += _i18n_cases(rng)
    return out


KeepTemplate = Callable[[G], tuple[str, list[str]]]
KEEPS: list[tuple[str, KeepTemplate]] = []


def k(fmt: str) -> Callable[[KeepTemplate], KeepTemplate]:
    def add(fn: KeepTemplate) -> KeepTemplate:
        KEEPS.append((fmt, fn))
        return fn

    return add


def keep_list(seed: int = 20261203) -> list[Keep]:
    rng = random.Random(seed)
    out: list[Keep] = []
    for fmt, fn in KEEPS:
        for _ in range(4):
            text, tokens = fn(G(rng))
            assert all(tok in text for tok in tokens), fmt
            out.append(Keep(fmt, _split(text), tuple(tokens)))
    return out


def main() -> None:
    all_cases = cases()
    per: Counter[str] = Counter()
    for case in all_cases:
        joined = "".join(case.lines)
        for value in case.values:
            assert value in joined, (case.format, value)
        per[case.family] += len(case.values)
    for family, n in sorted(per.items()):
        print(f"{family:22} {n:4}")
    print(
        f"{'TOTAL':22} {sum(per.values()):4} planted values, {len(per)} families, {len(all_cases)} cases"
    )
    keeps = keep_list()
    for keep in keeps:
        joined = "".join(keep.lines)
        for tok in keep.tokens:
            assert tok in joined, (keep.format, tok)
    print(
        f"keep-list: {sum(len(x.tokens) for x in keeps)} tokens in {len(keeps)} snippets, {len(KEEPS)} formats"
    )


@k("w3c traceparent next to auth")
def _(g: G) -> tuple[str, list[str]]:
    tr, sp = g.hex(32), g.hex(16)
    return f"{g.ts()} WARN auth middleware rejected token traceparent=00-{tr}-{sp}-01", [tr, sp]


@k("datadog decimal trace id near token refresh")
def _(g: G) -> tuple[str, list[str]]:
    a, b = (
        g.s("123456789", 1) + g.s(string.digits, 18),
        g.s("123456789", 1) + g.s(string.digits, 17),
    )
    return f"{g.ts()} INFO token refresh ok dd.trace_id={a} dd.span_id={b}", [a, b]


@k("request uuid after auth failure")
def _(g: G) -> tuple[str, list[str]]:
    u = str(uuid.UUID(bytes=g.r.randbytes(16), version=4))
    return f"{g.ts()} ERROR auth: invalid credentials for client request_id={u}", [u]


@k("Idempotency-Key header uuid")
def _(g: G) -> tuple[str, list[str]]:
    u = str(uuid.UUID(bytes=g.r.randbytes(16), version=4))
    return f"> Idempotency-Key: {u}", [u]


@k("image digest in kubectl describe")
def _(g: G) -> tuple[str, list[str]]:
    d = "sha256:" + g.hex(64)
    return f"    Image ID:       registry.corp.lan/api@{d}", [d]


@k("containerd container id")
def _(g: G) -> tuple[str, list[str]]:
    c = g.hex(64)
    return f"    Container ID:   containerd://{c}", [c]


@k("git commit sha in CI")
def _(g: G) -> tuple[str, list[str]]:
    c, s = g.hex(40), g.hex(7)
    return (
        f"{g.ts()} HEAD is now at {s} fix(auth): rotate signing key loader\nChecking out {c} (refs/pull/812/merge)",
        [c, s],
    )


@k("pod names with hashes")
def _(g: G) -> tuple[str, list[str]]:
    p = f"api-{g.s('bcdfghjklmnpqrstvwxz2456789', 10)}-{g.s('bcdfghjklmnpqrstvwxz2456789', 5)}"
    return (
        f"Warning  BackOff  kubelet  Back-off restarting failed container auth in pod {p}_prod",
        [p],
    )


@k("versions and kernel release")
def _(g: G) -> tuple[str, list[str]]:
    v = f"v{g.r.randint(1, 3)}.{g.r.randint(0, 40)}.{g.r.randint(0, 20)}-rc.{g.r.randint(1, 5)}"
    kr = f"6.{g.r.randint(1, 12)}.0-{g.r.randint(10, 99)}-generic"
    return f"token-service {v} starting on kernel {kr}", [v, kr]


@k("go.sum h1 hash")
def _(g: G) -> tuple[str, list[str]]:
    h = "h1:" + g.b64(32)
    return (
        f"verifying golang.org/x/oauth2@v0.{g.r.randint(10, 30)}.0: checksum mismatch\n\tdownloaded: {h}",
        [h],
    )


@k("npm integrity sha512")
def _(g: G) -> tuple[str, list[str]]:
    h = "sha512-" + g.b64(64)
    return f'      "integrity": "{h}",', [h]


@k("sha256sum output")
def _(g: G) -> tuple[str, list[str]]:
    h = g.hex(64)
    return f"{h}  vault_1.18.2_linux_amd64.zip", [h]


@k("md5 checksum and etag")
def _(g: G) -> tuple[str, list[str]]:
    a, b = g.hex(32), g.hex(32)
    return f'< ETag: "{a}"\nContent-MD5 mismatch: expected {b}', [a, b]


@k("pid port inode in lsof")
def _(g: G) -> tuple[str, list[str]]:
    pid, ino = str(g.r.randint(1000, 99999)), str(g.r.randint(1000000, 99999999))
    return f"nginx   {pid} www-data   12u  IPv4 {ino}      0t0  TCP *:8443 (LISTEN)", [pid, ino]


@k("error codes")
def _(g: G) -> tuple[str, list[str]]:
    c = g.r.choice(
        ("ORA-12541", "SQLSTATE[08006]", "0x80070005", "ECONNRESET", "ERR_TLS_CERT_ALTNAME_INVALID")
    )
    return f"{g.ts()} ERROR token store unreachable: {c} (attempt {g.r.randint(2, 9)})", [c]


@k("x-amz-request-id and cf-ray")
def _(g: G) -> tuple[str, list[str]]:
    a, b = g.s(UPPER, 16), g.hex(16) + "-FRA"
    return f"< x-amz-request-id: {a}\n< cf-ray: {b}", [a, b]


@k("sentry event id")
def _(g: G) -> tuple[str, list[str]]:
    e = g.hex(32)
    return f"Sentry event {e} captured: KeyError 'api_key'", [e]


@k("ULID job id")
def _(g: G) -> tuple[str, list[str]]:
    u = "01J" + g.s("0123456789ABCDEFGHJKMNPQRSTVWXYZ", 23)
    return f"job {u} finished: credentials rotated for 3 services", [u]


@k("epoch and iso timestamps")
def _(g: G) -> tuple[str, list[str]]:
    e = str(g.r.randint(1700000000, 1790000000)) + "." + g.s(string.digits, 6)
    iso = g.ts()
    return f"session expired_at={e} checked_at={iso}", [e, iso]


@k("k8s uid and resourceVersion")
def _(g: G) -> tuple[str, list[str]]:
    u = str(uuid.UUID(bytes=g.r.randbytes(16), version=4))
    rv = str(g.r.randint(10000000, 99999999))
    return f'  resourceVersion: "{rv}"\n  uid: {u}', [rv, u]


@k("span id in otel json")
def _(g: G) -> tuple[str, list[str]]:
    tr, sp = g.hex(32), g.hex(16)
    return (
        f'{{"traceId":"{tr}","spanId":"{sp}","name":"POST /auth/token","status":{{"code":2}}}}',
        [tr, sp],
    )


@k("ssh host key fingerprint")
def _(g: G) -> tuple[str, list[str]]:
    f = "SHA256:" + g.b64(32).rstrip("=")
    return f"ED25519 key fingerprint is {f}.", [f]


@k("GitHub Actions run and job ids")
def _(g: G) -> tuple[str, list[str]]:
    r, j = str(g.r.randint(10**10, 10**11)), str(g.r.randint(10**10, 10**11))
    return f"https://github.com/corp/api/actions/runs/{r}/job/{j} failed at step 'Authenticate'", [
        r,
        j,
    ]


@k("docker layer digests in pull")
def _(g: G) -> tuple[str, list[str]]:
    a, d = g.hex(12), "sha256:" + g.hex(64)
    return f"{a}: Pull complete\nDigest: {d}", [a, d]


@k("x-request-id hex near api key header")
def _(g: G) -> tuple[str, list[str]]:
    r = g.hex(32)
    return f"< x-request-id: {r}\n< x-api-key-status: expired", [r]


@k("systemd invocation id")
def _(g: G) -> tuple[str, list[str]]:
    i = g.hex(32)
    return f"_SYSTEMD_INVOCATION_ID={i}", [i]


@k("celery task id")
def _(g: G) -> tuple[str, list[str]]:
    u = str(uuid.UUID(bytes=g.r.randbytes(16), version=4))
    return f"Task tasks.rotate_secrets[{u}] succeeded in 0.41s: None", [u]


@k("java thread dump nid")
def _(g: G) -> tuple[str, list[str]]:
    n = "0x" + g.hex(4)
    tid = "0x00007f" + g.hex(10)
    return f'"auth-pool-3" #41 daemon prio=5 os_prio=0 tid={tid} nid={n} waiting on condition', [
        tid,
        n,
    ]


if __name__ == "__main__":
    main()
