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

    python3 benchmarks/secret_corpus_blind_b.py     # counts per family, self-check
"""

from __future__ import annotations

import base64
import random
import string
import urllib.parse
from collections import Counter
from collections.abc import Callable
from typing import NamedTuple

ALNUM = string.ascii_letters + string.digits
UPPER = string.ascii_uppercase + string.digits
LOWER = string.ascii_lowercase + string.digits
HEX = "0123456789abcdef"
B64URL = ALNUM + "-_"
WORDS = ["pelican", "basalt", "cider", "mosaic", "tundra", "nickel", "walnut", "orbit", "prairie", "fjord", "anvil", "biscuit", "lagoon", "marble", "quill", "saddle", "tinsel", "vortex", "willow", "zephyr", "acorn", "bramble", "cactus", "dingo", "ferret", "gazebo", "hammock", "igloo", "jigsaw", "kettle"]
USERS = ("svc_backup", "deploy", "app", "reporting", "ci-bot", "admin", "etl", "grafana", "root")
VARIANTS = 4


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
        for k in range(2):
            g = G(rng)
            tok = make(g)
            ctx = VENDOR_CONTEXTS[(i * 2 + k) % len(VENDOR_CONTEXTS)]
            text = ctx.format(tok=tok, env=env, vendor=vendor, ts=g.ts(), pid=g.pid())
            assert text.count(tok) == 1, vendor
            out.append(Case("vendor_token", f"{vendor} ({ctx[:24]}...)", _split(text), (tok,)))
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
        for _ in range(3):
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


if __name__ == "__main__":
    main()
