# ruff: noqa: E501, RUF001
"""A SEALED, blind planted-secret corpus (helper D, 2026-12-02).

How it was written: blind, by helper D, on 2026-12-02, in one sitting. Read: only the ``Case``/``Keep``
NamedTuple definitions at the top of benchmarks/secret_corpus_heldout.py and the harness
benchmarks/secret_leaks.py (how ``cases()`` and ``keep_list()`` are consumed), plus public vendor
documentation and the writer's knowledge of real tools' output shapes. NOT read: anything under
pack/ (the sanitizer), the other secret_corpus*.py files, benchmarks/results/, the README's
sanitization section, the sanitizer's tests. The sanitizer was never run on this corpus. It is
untuned: nothing here was adjusted after seeing a measurement, and it should be measured once
before anyone who develops the sanitizer reads it.

What it holds: secrets as they reach an incident responder -- command-line flags, process
listings, environment dumps, shell traces and history, HTTP headers and cookies, protocol
authentication exchanges (SMTP, IMAP, FTP, POP3, Redis, LDAP, XMPP, IRC), configuration dumps in
many syntaxes (XML, properties, YAML, TOML, INI, HCL, server configs, systemd units, .env),
SQL statements, connection strings of many drivers, language literals, URLs (userinfo, query
strings, webhook and bot paths, presigned URLs), encoded values (base64, hex, percent-encoding,
JSON and HTML escapes), tokens of many vendors in their documented shapes, private-key material,
CI logs, application logs and debug output, credential files, and prose in several languages.
Every template is instantiated ``VARIANTS`` times (keep templates ``KEEP_VARIANTS`` times) with fresh values and names. A keep-list of
diagnostic tokens (trace/span ids, UUIDs, digests, SHAs, versions, timestamps, error codes, pod
and container names, PIDs, ports, fingerprints, request ids, paths) in lines that often mention
tokens, keys or passwords checks that the sanitizer does not over-redact.

All values come from a seeded ``random.Random``; none is a real credential.
"""

from __future__ import annotations

import base64
import random
import string
import urllib.parse
from collections.abc import Callable
from typing import NamedTuple

VARIANTS = 2
KEEP_VARIANTS = 5
DEFAULT_SEED = 20261202

UP = string.ascii_uppercase
LO = string.ascii_lowercase
DIG = string.digits
ALNUM = UP + LO + DIG
LOALNUM = LO + DIG
UPALNUM = UP + DIG
HEX = "0123456789abcdef"
B64 = ALNUM + "+/"
B64URL = ALNUM + "-_"
SYM = "!#%^*-_+=.~@?"
URLSAFE_SYM = "-_.~!*"
WORDS = [
    "anchor",
    "badger",
    "candle",
    "dahlia",
    "ember",
    "falcon",
    "garnet",
    "hollow",
    "indigo",
    "jasper",
    "kettle",
    "lagoon",
    "marble",
    "nectar",
    "oyster",
    "pepper",
    "quiver",
    "raven",
    "saddle",
    "timber",
    "umber",
    "violet",
    "walnut",
    "yonder",
    "zephyr",
    "copper",
    "meadow",
    "tundra",
    "orchid",
    "willow",
    "cinder",
    "bramble",
]
UNI_WORDS = ("Grüße", "Straße", "Café", "Señor", "Łódź", "Ærø", "Höhle", "Mañana", "Çay", "Œuvre")
FIRST = [
    "alice",
    "bob",
    "carol",
    "dmitri",
    "eun",
    "farah",
    "goran",
    "hana",
    "ivan",
    "jules",
    "kiran",
    "lena",
    "mateo",
    "nora",
    "oskar",
    "priya",
]
SVC = [
    "billing",
    "orders",
    "ledger",
    "search",
    "auth",
    "inventory",
    "gateway",
    "reports",
    "payments",
    "notify",
    "catalog",
]
DOMAINS = ("example.com", "example.org", "corp.example.net", "internal.example", "acme.test")


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
    """Value source: every secret it hands out is unique within one corpus."""

    def __init__(self, rng: random.Random) -> None:
        self.r = rng
        self.used: set[str] = set()

    def _u(self, make: Callable[[], str]) -> str:
        while True:
            v = make()
            if len(v) >= 6 and v not in self.used and not any(v in u or u in v for u in self.used):
                self.used.add(v)
                return v

    def pick(self, alphabet: str, n: int) -> str:
        return "".join(self.r.choice(alphabet) for _ in range(n))

    def s(self, alphabet: str, n: int, prefix: str = "", suffix: str = "") -> str:
        return self._u(lambda: prefix + self.pick(alphabet, n) + suffix)

    def raw(self, make: Callable[[], str]) -> str:
        return self._u(make)

    def pw(self, safe: bool = False) -> str:
        """A password: random, word-based, unicode, digits-heavy or hex, without quotes/spaces."""
        return self._u(lambda: self.pw_raw(safe))

    def pw_raw(self, safe: bool = False) -> str:
        """A password that is not registered: for values planted only in encoded form."""
        sym = URLSAFE_SYM if safe else SYM

        def make() -> str:
            style = self.r.randrange(6)
            if style == 0:
                return self.pick(ALNUM + sym, self.r.randint(12, 22))
            if style == 1:
                w = self.r.sample(WORDS, 3)
                sep = self.r.choice("-_.")
                return sep.join(x.capitalize() for x in w) + sep + self.pick(DIG, 2)
            if style == 2 and not safe:
                return self.r.choice(UNI_WORDS) + self.r.choice("#!-") + self.pick(ALNUM, 6)
            if style == 3:
                return (
                    self.pick(LO, 4).capitalize()
                    + self.pick(DIG, 4)
                    + self.r.choice(sym)
                    + self.pick(ALNUM, 5)
                )
            if style == 4:
                return self.pick(HEX, 32)
            return self.pick(ALNUM, 16)

        return make()

    def phrase(self) -> str:
        """A passphrase with spaces, for quoted contexts and prose."""
        return self._u(lambda: " ".join(self.r.sample(WORDS, 4)) + " " + self.pick(DIG, 2))

    def pin(self) -> str:
        return self.s(DIG, self.r.randint(8, 10))

    # non-secret names
    def user(self) -> str:
        return self.r.choice(FIRST) + self.r.choice(["", ".ops", "_svc", "-admin", "2"])

    def svc(self) -> str:
        return self.r.choice(SVC)

    def dom(self) -> str:
        return self.r.choice(DOMAINS)

    def host(self) -> str:
        return f"{self.r.choice(SVC)}-{self.r.choice(['db', 'api', 'cache', 'mq', 'web'])}{self.r.randint(1, 9)}.{self.dom()}"

    def ip(self) -> str:
        return f"10.{self.r.randint(0, 255)}.{self.r.randint(0, 255)}.{self.r.randint(2, 254)}"

    def n(self, a: int, b: int) -> int:
        return self.r.randint(a, b)

    def ts(self) -> str:
        return f"2026-11-{self.n(10, 30):02d}T{self.n(0, 23):02d}:{self.n(0, 59):02d}:{self.n(0, 59):02d}.{self.n(0, 999):03d}Z"

    def b64(self, s: str) -> str:
        return base64.b64encode(s.encode()).decode()


Tpl = Callable[[G], tuple[str, str, list[str]]]
TEMPLATES: dict[str, list[Tpl]] = {}


def t(family: str) -> Callable[[Tpl], Tpl]:
    def deco(fn: Tpl) -> Tpl:
        TEMPLATES.setdefault(family, []).append(fn)
        return fn

    return deco


# --------------------------------------------------------------------------- command-line flags


@t("cli_flags")
def _mysql_cli(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return (
        "mysql -p",
        f"$ mysql -h {g.host()} -u {g.user()} -p'{p}' -e 'SHOW PROCESSLIST'\nmysql: [Warning] Using a password on the command line interface can be insecure.",
        [p],
    )


@t("cli_flags")
def _curl_u(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return (
        "curl -u",
        f'root@bastion:~# curl -sS -u {g.user()}:{p} https://{g.host()}/api/health\n{{"status":"degraded","checks":{{"db":"timeout"}}}}',
        [p],
    )


@t("cli_flags")
def _sshpass(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return (
        "sshpass -p",
        f"sshpass -p \"{p}\" ssh -o StrictHostKeyChecking=no deploy@{g.ip()} 'sudo systemctl restart {g.svc()}'",
        [p],
    )


@t("cli_flags")
def _redis_cli(g: G) -> tuple[str, str, list[str]]:
    p = g.pw(safe=True)
    return (
        "redis-cli -a",
        f"$ redis-cli -h {g.host()} -p 6379 -a {p} --no-auth-warning INFO memory\n# Memory\nused_memory:1073741824",
        [p],
    )


@t("cli_flags")
def _docker_login(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return (
        "docker login -p",
        f"+ docker login registry.{g.dom()} --username ci-bot --password '{p}'\nWARNING! Using --password via the CLI is insecure. Use --password-stdin.\nLogin Succeeded",
        [p],
    )


@t("cli_flags")
def _openssl_pass(g: G) -> tuple[str, str, list[str]]:
    p, q = g.pw(), g.pw()
    return (
        "openssl -passin/-passout",
        f"openssl pkcs12 -export -in tls.crt -inkey tls.key -out bundle.p12 -passin pass:{p} -passout pass:{q}",
        [p, q],
    )


@t("cli_flags")
def _htpasswd(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return (
        "htpasswd -b",
        f"# htpasswd -bB /etc/nginx/.htpasswd {g.user()} {p}\nAdding password for user {g.user()}",
        [p],
    )


@t("cli_flags")
def _ldapsearch(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return (
        "ldapsearch -w",
        f'ldapsearch -x -H ldaps://ldap.{g.dom()} -D "cn=admin,dc=example,dc=com" -w \'{p}\' -b "ou=people,dc=example,dc=com" "(uid={g.user()})"',
        [p],
    )


@t("cli_flags")
def _vault_login(g: G) -> tuple[str, str, list[str]]:
    tok = g.s(B64URL[:-2], 24, prefix="hvs.")
    return (
        "vault login token",
        f"$ vault login -method=token token={tok}\nSuccess! You are now authenticated.",
        [tok],
    )


@t("cli_flags")
def _kubeadm_join(g: G) -> tuple[str, str, list[str]]:
    tok = g.raw(lambda: g.pick(LOALNUM, 6) + "." + g.pick(LOALNUM, 16))
    h = g.pick(HEX, 64)
    return (
        "kubeadm join --token",
        f"kubeadm join {g.ip()}:6443 --token {tok} \\\n    --discovery-token-ca-cert-hash sha256:{h}",
        [tok],
    )


@t("cli_flags")
def _az_login(g: G) -> tuple[str, str, list[str]]:
    sec = g.raw(lambda: g.pick(ALNUM, 3) + "8Q~" + g.pick(ALNUM + "_~.-", 34))
    return (
        "az login --password",
        f"az login --service-principal -u 3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b --password {sec} --tenant example.onmicrosoft.com",
        [sec],
    )


@t("cli_flags")
def _helm_repo(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return (
        "helm repo add --password",
        f"helm repo add internal https://charts.{g.dom()} --username {g.user()} --password={p} --pass-credentials",
        [p],
    )


@t("cli_flags")
def _mongosh(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return (
        "mongosh --password",
        f'mongosh "mongodb://{g.host()}:27017/admin" --username admin --password "{p}" --eval \'db.serverStatus().connections\'',
        [p],
    )


@t("cli_flags")
def _rabbitmqctl(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return (
        "rabbitmqctl add_user",
        f'# rabbitmqctl add_user {g.svc()}_consumer {p}\nAdding user "{g.svc()}_consumer" ...\nDone. Don\'t forget to grant the user permissions to some virtual hosts!',
        [p],
    )


@t("cli_flags")
def _chpasswd(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return "echo | chpasswd", f"+ echo '{g.user()}:{p}' | chpasswd", [p]


# --------------------------------------------------------------------------- process listings


@t("process_listing")
def _ps_aux(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return (
        "ps auxww",
        (
            "USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND\n"
            f"app       {g.n(1000, 99999):6d}  2.1  4.3 3459812 712344 ?     Ssl  Nov28  41:12 java -Xmx2g -Dspring.datasource.password={p} -jar /opt/{g.svc()}/app.jar\n"
            f"root      {g.n(1000, 99999):6d}  0.0  0.0   6432   720 pts/0    S+   09:14   0:00 grep --color=auto java"
        ),
        [p],
    )


@t("process_listing")
def _proc_cmdline(g: G) -> tuple[str, str, list[str]]:
    p = g.pw(safe=True)
    tok = g.s(ALNUM, 40)
    return (
        "/proc/PID/cmdline",
        f"# tr '\\0' ' ' < /proc/{g.n(300, 65000)}/cmdline\n/usr/bin/pgbouncer-exporter --pgBouncer.connectionString=postgres://stats:{p}@localhost:6432/pgbouncer?sslmode=disable --web.auth-token {tok}",
        [p, tok],
    )


@t("process_listing")
def _systemctl_show(g: G) -> tuple[str, str, list[str]]:
    p = g.pw(safe=True)
    k = g.s(HEX, 32)
    return (
        "systemctl show -p Environment",
        f"$ systemctl show {g.svc()}.service -p Environment\nEnvironment=LANG=C.UTF-8 DB_HOST={g.host()} DB_PASSWORD={p} SENTRY_DSN=https://{k}@o4504.ingest.sentry.io/4505123",
        [p, k],
    )


@t("process_listing")
def _pgrep(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return (
        "pgrep -a",
        f"$ pgrep -af rsync\n{g.n(1000, 60000)} rsync -az --password-file=/dev/fd/3 backup@{g.host()}::nightly /srv/backup\n{g.n(1000, 60000)} sh -c RSYNC_PASSWORD='{p}' rsync -az /var/lib/{g.svc()} backup@{g.host()}::nightly",
        [p],
    )


@t("process_listing")
def _top(g: G) -> tuple[str, str, list[str]]:
    p = g.pw(safe=True)
    return (
        "htop/top command column",
        f"  PID USER      PR  NI    VIRT    RES    SHR S  %CPU  %MEM     TIME+ COMMAND\n {g.n(1000, 60000)} postgres  20   0  215488  11264   8960 R  98.7   0.1  12:04.11 pg_dump --dbname=postgresql://backup:{p}@{g.host()}/{g.svc()} -Fc",
        [p],
    )


# --------------------------------------------------------------------------- environment


@t("env_settings")
def _export(g: G) -> tuple[str, str, list[str]]:
    a = g.s(B64[:-2] + "+/", 40)
    return (
        "export in shell",
        f"export AWS_ACCESS_KEY_ID=AKIA{g.pick(UPALNUM, 16)}\nexport AWS_SECRET_ACCESS_KEY={a}\nexport AWS_DEFAULT_REGION=eu-central-1",
        [a],
    )


@t("env_settings")
def _env_dump(g: G) -> tuple[str, str, list[str]]:
    p, q = g.pw(), g.s(ALNUM, 32)
    return (
        "env | sort",
        f"$ env | sort\nHOME=/home/app\nHOSTNAME={g.svc()}-7d9c5b6f4-{g.pick(LOALNUM, 5)}\nMYSQL_ROOT_PASSWORD={p}\nPATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin\nSESSION_SECRET={q}\nTZ=UTC",
        [p, q],
    )


@t("env_settings")
def _docker_run_e(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return (
        "docker run -e",
        f"docker run -d --name pg -e POSTGRES_USER={g.svc()} -e POSTGRES_PASSWORD='{p}' -p 5432:5432 postgres:16.4",
        [p],
    )


@t("env_settings")
def _docker_inspect(g: G) -> tuple[str, str, list[str]]:
    p = g.pw(safe=True)
    k = g.s(ALNUM, 48)
    return (
        "docker inspect Env",
        f'        "Env": [\n            "RAILS_ENV=production",\n            "DATABASE_PASSWORD={p}",\n            "SECRET_KEY_BASE={k}",\n            "PATH=/usr/local/bundle/bin:/usr/local/sbin:/usr/local/bin"\n        ],',
        [p, k],
    )


@t("env_settings")
def _k8s_env(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return (
        "kubectl get pod -o yaml env",
        f'    env:\n    - name: REDIS_HOST\n      value: redis-master.{g.svc()}.svc\n    - name: REDIS_PASSWORD\n      value: "{p}"\n    - name: LOG_LEVEL\n      value: debug',
        [p],
    )


@t("env_settings")
def _kubectl_describe(g: G) -> tuple[str, str, list[str]]:
    p = g.pw(safe=True)
    return (
        "kubectl describe pod Environment",
        f"    Environment:\n      SPRING_PROFILES_ACTIVE:  prod\n      SMTP_PASSWORD:           {p}\n      JAVA_OPTS:               -Xms512m -Xmx512m\n    Mounts:\n      /var/run/secrets/kubernetes.io/serviceaccount from kube-api-access-{g.pick(LOALNUM, 5)} (ro)",
        [p],
    )


@t("env_settings")
def _dotenv(g: G) -> tuple[str, str, list[str]]:
    p, s, k = g.pw(), g.s(ALNUM, 64), g.s(HEX, 40)
    return (
        ".env file",
        f'APP_ENV=production\nDB_CONNECTION=pgsql\nDB_PASSWORD="{p}"\nAPP_KEY=base64:{s}\nPUSHER_APP_SECRET={k}\n# MAIL_PASSWORD=null',
        [p, s, k],
    )


@t("env_settings")
def _systemd_unit_env(g: G) -> tuple[str, str, list[str]]:
    p = g.pw(safe=True)
    return (
        "systemd unit Environment=",
        f'[Service]\nUser={g.svc()}\nEnvironment="NODE_ENV=production" "PGPASSWORD={p}"\nExecStart=/usr/bin/node /srv/{g.svc()}/server.js',
        [p],
    )


@t("env_settings")
def _gha_env(g: G) -> tuple[str, str, list[str]]:
    p = g.s(ALNUM, 36, prefix="npm_")
    return "GitHub Actions env block", f"env:\n  NODE_AUTH_TOKEN: {p}\n  CI: true", [p]


@t("env_settings")
def _set_windows(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return (
        "Windows set / PowerShell $env:",
        f'C:\\deploy> set SQLCMDPASSWORD={p}\nPS C:\\deploy> $env:ARM_CLIENT_SECRET = "{(q := g.s(ALNUM + "~_.-", 40))}"',
        [p, q],
    )


# --------------------------------------------------------------------------- shell traces / history


@t("shell_trace")
def _set_x(g: G) -> tuple[str, str, list[str]]:
    tok = g.s(ALNUM, 40)
    return (
        "set -x trace",
        f"+ TOKEN={tok}\n+ curl -fsS -H 'Authorization: Bearer {tok}' https://{g.host()}/v1/deploy\ncurl: (22) The requested URL returned error: 503",
        [tok],
    )


@t("shell_trace")
def _bash_history(g: G) -> tuple[str, str, list[str]]:
    p, q = g.pw(), g.pw()
    return (
        "bash history",
        f"  501  cd /etc/{g.svc()}\n  502  psql -h {g.host()} -U postgres\n  503  PGPASSWORD={p} pg_dumpall > /tmp/all.sql\n  504  mysqladmin -u root password '{q}'\n  505  history | tail",
        [p, q],
    )


@t("shell_trace")
def _zsh_history(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return (
        "zsh extended history",
        f": 1732701{g.n(100, 999)}:0;git clone https://{g.user()}:{(tok := g.s(ALNUM, 36, prefix='ghp_'))}@github.com/acme/{g.svc()}.git\n: 1732701{g.n(100, 999)}:0;smbclient //fs01/share -U {g.user()}%{p}",
        [tok, p],
    )


@t("shell_trace")
def _sudo_log(g: G) -> tuple[str, str, list[str]]:
    p = g.pw(safe=True)
    return (
        "auth.log sudo COMMAND",
        f"Nov 27 03:12:44 {g.svc()}-web1 sudo:   deploy : TTY=pts/1 ; PWD=/home/deploy ; USER=root ; COMMAND=/usr/bin/mysql -uroot -p{p} -e FLUSH PRIVILEGES",
        [p],
    )


@t("shell_trace")
def _make_echo(g: G) -> tuple[str, str, list[str]]:
    k = g.s(HEX, 32)
    return (
        "make/echo",
        f"make[1]: Entering directory '/builds/{g.svc()}'\n./scripts/push.sh --datadog-api-key={k} --env prod\nmake[1]: *** [Makefile:42: release] Error 1",
        [k],
    )


# --------------------------------------------------------------------------- HTTP headers


@t("http_headers")
def _basic(g: G) -> tuple[str, str, list[str]]:
    u, p = g.user(), g.pw()
    enc = g.raw(lambda: g.b64(f"{u}:{p}"))
    return (
        "Authorization: Basic",
        f"GET /admin/metrics HTTP/1.1\nHost: {g.host()}\nAuthorization: Basic {enc}\nAccept: */*",
        [enc],
    )


@t("http_headers")
def _bearer_curl_v(g: G) -> tuple[str, str, list[str]]:
    tok = g.s(ALNUM + "-_.", 48)
    return (
        "curl -v request headers",
        f"> POST /api/v2/incidents HTTP/2\n> Host: {g.host()}\n> user-agent: curl/8.5.0\n> authorization: Bearer {tok}\n> content-type: application/json\n>\n< HTTP/2 401",
        [tok],
    )


@t("http_headers")
def _token_scheme(g: G) -> tuple[str, str, list[str]]:
    tok = g.s(HEX, 40)
    return (
        "Authorization: Token",
        f'[{g.ts()}] DEBUG urllib3.connectionpool: headers={{"Authorization": "Token {tok}", "Accept": "application/json"}}',
        [tok],
    )


@t("http_headers")
def _api_key_headers(g: G) -> tuple[str, str, list[str]]:
    a, b, c = g.s(ALNUM, 32), g.s(HEX, 32), g.s(ALNUM + "-_", 20, prefix="glpat-")
    return (
        "vendor API-key headers",
        f"X-API-Key: {a}\nDD-API-KEY: {b}\nPRIVATE-TOKEN: {c}",
        [a, b, c],
    )


@t("http_headers")
def _vault_token_hdr(g: G) -> tuple[str, str, list[str]]:
    tok = g.s(ALNUM, 24, prefix="hvs.")
    return (
        "X-Vault-Token",
        f"2026-11-27T10:02:11.301Z [DEBUG] http: request: method=GET path=/v1/secret/data/{g.svc()} headers=map[X-Vault-Token:[{tok}] User-Agent:[Go-http-client/1.1]]",
        [tok],
    )


@t("http_headers")
def _proxy_auth(g: G) -> tuple[str, str, list[str]]:
    u, p = g.user(), g.pw()
    enc = g.raw(lambda: g.b64(f"{u}:{p}"))
    return (
        "Proxy-Authorization",
        f"CONNECT api.{g.dom()}:443 HTTP/1.1\nHost: api.{g.dom()}:443\nProxy-Authorization: Basic {enc}\nProxy-Connection: Keep-Alive",
        [enc],
    )


@t("http_headers")
def _x_auth_token(g: G) -> tuple[str, str, list[str]]:
    tok = g.s(LOALNUM, 32, prefix="gAAAAA")
    return (
        "X-Auth-Token (OpenStack)",
        f'REQ: curl -g -i -X GET https://identity.{g.dom()}:5000/v3/auth/projects -H "Accept: application/json" -H "X-Auth-Token: {tok}"',
        [tok],
    )


@t("http_headers")
def _har_header(g: G) -> tuple[str, str, list[str]]:
    tok = g.s(ALNUM, 40)
    return (
        "HAR JSON header",
        f'          {{\n            "name": "x-shopify-access-token",\n            "value": "shpat_{tok}"\n          }},',
        [tok],
    )


@t("http_headers")
def _h2_lowercase(g: G) -> tuple[str, str, list[str]]:
    tok = g.s(ALNUM, 30, prefix="sk_live_")
    return (
        "nghttp / h2 frames",
        f"[  0.012] send HEADERS frame <length=91, flags=0x25, stream_id=13>\n          :method: POST\n          :path: /v1/refunds\n          authorization: Bearer {tok}",
        [tok],
    )


@t("http_headers")
def _api_key_scheme(g: G) -> tuple[str, str, list[str]]:
    id_, k = g.pick(ALNUM, 20), g.pick(B64URL, 22)
    enc = g.raw(lambda: g.b64(f"{id_}:{k}"))
    return (
        "Authorization: ApiKey (Elastic)",
        f'curl -H "Authorization: ApiKey {enc}" https://es.{g.dom()}:9200/_cluster/health',
        [enc],
    )


# --------------------------------------------------------------------------- cookies


@t("cookies")
def _set_cookie(g: G) -> tuple[str, str, list[str]]:
    s = g.s(B64URL, 43)
    return (
        "Set-Cookie",
        f"< HTTP/1.1 302 Found\n< Location: /dashboard\n< Set-Cookie: sessionid={s}; expires=Thu, 03 Dec 2026 10:00:00 GMT; HttpOnly; Max-Age=1209600; Path=/; SameSite=Lax; Secure",
        [s],
    )


@t("cookies")
def _cookie_req(g: G) -> tuple[str, str, list[str]]:
    a, b = g.s(HEX, 32), g.s(UPALNUM, 32)
    return (
        "Cookie request header",
        f"Cookie: _ga=GA1.2.{g.n(100000000, 999999999)}.{g.n(1600000000, 1700000000)}; laravel_session={a}; JSESSIONID={b}",
        [a, b],
    )


@t("cookies")
def _curl_cookiejar(g: G) -> tuple[str, str, list[str]]:
    s = g.s(ALNUM + "%", 56)
    return (
        "Netscape cookie jar",
        f"# Netscape HTTP Cookie File\n# https://curl.se/docs/http-cookies.html\n#HttpOnly_.{g.dom()}\tTRUE\t/\tTRUE\t1767225600\t__Secure-next-auth.session-token\t{s}",
        [s],
    )


@t("cookies")
def _rails_cookie(g: G) -> tuple[str, str, list[str]]:
    s = g.s(B64, 60, suffix="--" + g.pick(HEX, 40))
    return (
        "Rails session cookie in log",
        f'Started GET "/admin" for {g.ip()} at 2026-11-27 10:01:22 +0000\n  Cookie: _{g.svc()}_session={s}',
        [s],
    )


# --------------------------------------------------------------------------- protocol exchanges


@t("protocol_auth")
def _smtp_plain(g: G) -> tuple[str, str, list[str]]:
    u, p = f"{g.user()}@{g.dom()}", g.pw()
    enc = g.raw(lambda: g.b64(f"\0{u}\0{p}"))
    return (
        "SMTP AUTH PLAIN",
        f"<- 250-AUTH PLAIN LOGIN\n<- 250 SIZE 35882577\n-> AUTH PLAIN {enc}\n<- 535 5.7.8 Username and Password not accepted",
        [enc],
    )


@t("protocol_auth")
def _smtp_login(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    enc = g.raw(lambda: g.b64(p))
    return (
        "SMTP AUTH LOGIN",
        f"send: 'AUTH LOGIN {g.b64(g.user() + '@' + g.dom())}\\r\\n'\nreply: b'334 UGFzc3dvcmQ6'\nsend: '{enc}\\r\\n'\nreply: b'235 2.7.0 Authentication successful'",
        [enc],
    )


@t("protocol_auth")
def _imap_login(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return (
        "IMAP LOGIN",
        f'C: a001 CAPABILITY\nS: * CAPABILITY IMAP4rev1 AUTH=PLAIN\nC: a002 LOGIN {g.user()}@{g.dom()} "{p}"\nS: a002 NO [AUTHENTICATIONFAILED] Authentication failed.',
        [p],
    )


@t("protocol_auth")
def _ftp(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return (
        "FTP USER/PASS",
        f"---> USER {g.user()}\n331 Please specify the password.\n---> PASS {p}\n230 Login successful.",
        [p],
    )


@t("protocol_auth")
def _pop3(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return (
        "POP3 PASS",
        f"+OK Dovecot ready.\nUSER {g.user()}\n+OK\nPASS {p}\n-ERR [AUTH] Authentication failed.",
        [p],
    )


@t("protocol_auth")
def _redis_auth(g: G) -> tuple[str, str, list[str]]:
    p = g.pw(safe=True)
    return (
        "Redis MONITOR AUTH",
        f'1732701234.123456 [0 {g.ip()}:51234] "AUTH" "default" "{p}"\n1732701234.124001 [0 {g.ip()}:51234] "GET" "session:42"',
        [p],
    )


@t("protocol_auth")
def _xmpp(g: G) -> tuple[str, str, list[str]]:
    u, p = g.user(), g.pw()
    enc = g.raw(lambda: g.b64(f"\0{u}\0{p}"))
    return (
        "XMPP SASL PLAIN",
        f"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>{enc}</auth>",
        [enc],
    )


@t("protocol_auth")
def _irc(g: G) -> tuple[str, str, list[str]]:
    p, q = g.pw(), g.pw()
    return (
        "IRC PASS / NickServ",
        f">> PASS {p}\n>> NICK opsbot\n>> PRIVMSG NickServ :IDENTIFY opsbot {q}",
        [p, q],
    )


@t("protocol_auth")
def _ldap_bind_log(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return (
        "slapd debug bind",
        f'conn=1042 op=0 BIND dn="uid={g.user()},ou=people,dc=example,dc=com" method=128\nber_get_stringa: string "{p}"\nconn=1042 op=0 RESULT tag=97 err=49 text=',
        [p],
    )


@t("protocol_auth")
def _pg_startup(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return (
        "pgbouncer/pg wire debug",
        f'DEBUG C-0x55d1: {g.svc()}/app@{g.ip()}:40122 PasswordMessage password="{p}"',
        [p],
    )


@t("protocol_auth")
def _snmp(g: G) -> tuple[str, str, list[str]]:
    c = g.s(ALNUM, 14)
    p = g.pw()
    return (
        "snmpwalk community / v3",
        f"snmpwalk -v2c -c {c} {g.ip()} 1.3.6.1.2.1.1\nsnmpget -v3 -l authPriv -u monitor -a SHA -A '{p}' -x AES -X '{p}' {g.ip()} sysUpTime.0",
        [c, p],
    )


# --------------------------------------------------------------------------- XML configs


@t("xml_config")
def _tomcat_users(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return (
        "tomcat-users.xml",
        f'<tomcat-users xmlns="http://tomcat.apache.org/xml" version="1.0">\n  <role rolename="manager-gui"/>\n  <user username="{g.user()}" password="{p}" roles="manager-gui,admin-gui"/>\n</tomcat-users>',
        [p],
    )


@t("xml_config")
def _maven_settings(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return (
        "maven settings.xml",
        f"<servers>\n  <server>\n    <id>nexus-releases</id>\n    <username>deployment</username>\n    <password>{p}</password>\n  </server>\n</servers>",
        [p],
    )


@t("xml_config")
def _web_config(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return (
        "web.config connectionStrings",
        f'<connectionStrings>\n  <add name="Default" connectionString="Server=tcp:{g.host()},1433;Initial Catalog={g.svc()};User ID=app;Password={p};Encrypt=True;" providerName="System.Data.SqlClient" />\n</connectionStrings>',
        [p],
    )


@t("xml_config")
def _spring_bean(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return (
        "Spring beans XML property",
        f'<bean id="dataSource" class="com.zaxxer.hikari.HikariDataSource">\n    <property name="jdbcUrl" value="jdbc:postgresql://{g.host()}/{g.svc()}"/>\n    <property name="username" value="app"/>\n    <property name="password" value="{p}"/>\n</bean>',
        [p],
    )


@t("xml_config")
def _nuget(g: G) -> tuple[str, str, list[str]]:
    p = g.s(LOALNUM, 52)
    return (
        "NuGet.config",
        f'<packageSourceCredentials>\n  <internal>\n    <add key="Username" value="build" />\n    <add key="ClearTextPassword" value="{p}" />\n  </internal>\n</packageSourceCredentials>',
        [p],
    )


@t("xml_config")
def _hadoop_site(g: G) -> tuple[str, str, list[str]]:
    s = g.s(B64[:-2] + "/+", 40)
    return (
        "hadoop core-site.xml",
        f"<property>\n  <name>fs.s3a.secret.key</name>\n  <value>{s}</value>\n</property>",
        [s],
    )


@t("xml_config")
def _jboss_ds(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return (
        "JBoss/WildFly datasource",
        f"<security>\n    <user-name>{g.svc()}</user-name>\n    <password>{p}</password>\n</security>",
        [p],
    )


@t("xml_config")
def _soap(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return (
        "SOAP WS-Security UsernameToken",
        f'<wsse:UsernameToken>\n  <wsse:Username>{g.user()}</wsse:Username>\n  <wsse:Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText">{p}</wsse:Password>\n</wsse:UsernameToken>',
        [p],
    )


@t("xml_config")
def _plist(g: G) -> tuple[str, str, list[str]]:
    k = g.s(ALNUM, 32)
    return (
        "plist dict",
        f"<dict>\n\t<key>APIKey</key>\n\t<string>{k}</string>\n\t<key>Environment</key>\n\t<string>production</string>\n</dict>",
        [k],
    )


# --------------------------------------------------------------------------- properties / ini / toml / hcl


@t("properties_ini_toml")
def _java_props(g: G) -> tuple[str, str, list[str]]:
    p, q = g.pw(), g.pw()
    return (
        "application.properties",
        f"spring.datasource.url=jdbc:mysql://{g.host()}:3306/{g.svc()}\nspring.datasource.username = app\nspring.datasource.password = {p}\nspring.mail.password: {q}",
        [p, q],
    )


@t("properties_ini_toml")
def _props_continuation(g: G) -> tuple[str, str, list[str]]:
    k = g.s(ALNUM, 30)
    return (
        "properties with continuation",
        f'kafka.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required \\\n    username="{g.svc()}" \\\n    password="{k}";',
        [k],
    )


@t("properties_ini_toml")
def _my_cnf(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return (
        "my.cnf [client]",
        f'[client]\nuser=backup\npassword="{p}"\nhost={g.host()}\n\n[mysqldump]\nquick',
        [p],
    )


@t("properties_ini_toml")
def _aws_credentials(g: G) -> tuple[str, str, list[str]]:
    s = g.s(B64[:-2] + "/+", 40)
    st = g.s(B64, 120, prefix="IQoJb3JpZ2luX2VjE")
    return (
        "~/.aws/credentials",
        f"[prod-admin]\naws_access_key_id = ASIA{g.pick(UPALNUM, 16)}\naws_secret_access_key = {s}\naws_session_token = {st}",
        [s, st],
    )


@t("properties_ini_toml")
def _cargo_toml(g: G) -> tuple[str, str, list[str]]:
    tok = g.s(ALNUM, 32, prefix="cio")
    return (
        "cargo credentials.toml",
        f'[registry]\ntoken = "{tok}"\n\n[registries.internal]\ntoken = "Bearer {(t2 := g.s(ALNUM, 40))}"',
        [tok, t2],
    )


@t("properties_ini_toml")
def _pypirc(g: G) -> tuple[str, str, list[str]]:
    tok = g.s(B64URL, 90, prefix="pypi-AgEIcHlwaS5vcmc")
    return (
        ".pypirc",
        f"[distutils]\nindex-servers = pypi\n\n[pypi]\nusername = __token__\npassword = {tok}",
        [tok],
    )


@t("properties_ini_toml")
def _hcl(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    tok = g.s(ALNUM, 14, suffix=".atlasv1." + g.pick(ALNUM, 67))
    return (
        "Terraform HCL",
        f'provider "postgresql" {{\n  host     = "{g.host()}"\n  username = "tf_admin"\n  password = "{p}"\n}}\n\ncredentials "app.terraform.io" {{\n  token = "{tok}"\n}}',
        [p, tok],
    )


@t("properties_ini_toml")
def _rclone(g: G) -> tuple[str, str, list[str]]:
    a, b = g.s(ALNUM, 32), g.s(B64URL, 44)
    return (
        "rclone.conf",
        f"[b2-backup]\ntype = b2\naccount = {g.pick(HEX, 12)}\nkey = {a}\n\n[sftp-nas]\ntype = sftp\nhost = {g.ip()}\npass = {b}",
        [a, b],
    )


@t("properties_ini_toml")
def _odbc(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return (
        "odbc.ini",
        f"[{g.svc()}_dsn]\nDriver      = ODBC Driver 18 for SQL Server\nServer      = {g.host()}\nUID         = report_ro\nPWD         = {p}",
        [p],
    )


@t("properties_ini_toml")
def _php_ini_yaml_style(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return "php-fpm pool env", f"[www]\nenv[DB_PASS] = {p}\nenv[APP_DEBUG] = false", [p]


@t("properties_ini_toml")
def _vault_hcl(g: G) -> tuple[str, str, list[str]]:
    tok = g.raw(
        lambda: (
            g.pick(HEX, 8)
            + "-"
            + g.pick(HEX, 4)
            + "-"
            + g.pick(HEX, 4)
            + "-"
            + g.pick(HEX, 4)
            + "-"
            + g.pick(HEX, 12)
        )
    )
    return (
        "consul/nomad HCL acl token",
        f'acl {{\n  enabled = true\n  tokens {{\n    agent = "{tok}"\n  }}\n}}',
        [tok],
    )


# --------------------------------------------------------------------------- YAML / JSON configs


@t("yaml_json_config")
def _compose(g: G) -> tuple[str, str, list[str]]:
    p, q = g.pw(safe=True), g.pw(safe=True)
    return (
        "docker-compose environment list",
        f"services:\n  db:\n    image: mariadb:11.4\n    environment:\n      - MARIADB_ROOT_PASSWORD={p}\n      - MARIADB_PASSWORD={q}",
        [p, q],
    )


@t("yaml_json_config")
def _helm_values(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return (
        "helm get values",
        f"USER-SUPPLIED VALUES:\nauth:\n  enablePostgresUser: true\n  postgresPassword: '{p}'\nprimary:\n  persistence:\n    size: 50Gi",
        [p],
    )


@t("yaml_json_config")
def _ansible_vars(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return (
        "ansible -vvv result",
        f'ok: [{g.host()}] => {{\n    "ansible_facts": {{\n        "ansible_become_password": "{p}",\n        "ansible_user": "deploy"\n    }},',
        [p],
    )


@t("yaml_json_config")
def _yaml_block(g: G) -> tuple[str, str, list[str]]:
    p = g.phrase()
    return (
        "YAML folded/quoted passphrase",
        f'smtp:\n  host: smtp.{g.dom()}\n  port: 587\n  passphrase: "{p}"',
        [p],
    )


@t("yaml_json_config")
def _json_cfg(g: G) -> tuple[str, str, list[str]]:
    p, k = g.pw(), g.s(ALNUM, 40)
    return (
        "JSON config",
        f'{{\n  "database": {{ "host": "{g.host()}", "user": "app", "pass": "{p}" }},\n  "stripe": {{ "secretKey": "sk_live_{k}" }}\n}}',
        [p, k],
    )


@t("yaml_json_config")
def _gitlab_ci(g: G) -> tuple[str, str, list[str]]:
    p = g.pw(safe=True)
    return (
        ".gitlab-ci.yml variables",
        f'variables:\n  DOCKER_DRIVER: overlay2\n  SONAR_TOKEN: "squ_{(s := g.s(HEX, 40))}"\n  DEPLOY_PASS: {p}',
        [s, p],
    )


@t("yaml_json_config")
def _spring_yaml(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return (
        "application.yml",
        f"spring:\n  rabbitmq:\n    host: {g.host()}\n    username: {g.svc()}\n    password: {p}\n    virtual-host: /",
        [p],
    )


@t("yaml_json_config")
def _jsonl_log(g: G) -> tuple[str, str, list[str]]:
    s = g.s(ALNUM, 40)
    return (
        "JSON log with nested credentials",
        f'{{"level":"error","ts":"{g.ts()}","msg":"upstream auth failed","config":{{"endpoint":"https://{g.host()}","credentials":{{"clientId":"{g.svc()}-worker","clientSecret":"{s}"}}}}}}',
        [s],
    )


# --------------------------------------------------------------------------- server / daemon configs


@t("server_config")
def _nginx(g: G) -> tuple[str, str, list[str]]:
    u, p = g.user(), g.pw()
    enc = g.raw(lambda: g.b64(f"{u}:{p}"))
    return (
        "nginx proxy_set_header",
        f'location /upstream/ {{\n    proxy_pass https://{g.host()};\n    proxy_set_header Authorization "Basic {enc}";\n}}',
        [enc],
    )


@t("server_config")
def _haproxy(g: G) -> tuple[str, str, list[str]]:
    p, q = g.pw(), g.pw()
    return (
        "haproxy stats/userlist",
        f"listen stats\n    bind :8404\n    stats enable\n    stats auth admin:{p}\nuserlist ops\n    user {g.user()} insecure-password {q}",
        [p, q],
    )


@t("server_config")
def _postfix_sasl(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return (
        "postfix sasl_passwd",
        f"# /etc/postfix/sasl_passwd\n[smtp.{g.dom()}]:587    relay@{g.dom()}:{p}",
        [p],
    )


@t("server_config")
def _wpa(g: G) -> tuple[str, str, list[str]]:
    p, q = g.phrase(), g.pw()
    return (
        "wpa_supplicant / hostapd",
        f'network={{\n\tssid="{g.svc()}-corp"\n\tpsk="{p}"\n}}\n# hostapd.conf\nwpa_passphrase={q}',
        [p, q],
    )


@t("server_config")
def _ipsec(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return "ipsec.secrets PSK", f'# /etc/ipsec.secrets\n{g.ip()} {g.ip()} : PSK "{p}"', [p]


@t("server_config")
def _keepalived(g: G) -> tuple[str, str, list[str]]:
    p = g.s(ALNUM, 8)
    return (
        "keepalived auth_pass",
        f"    authentication {{\n        auth_type PASS\n        auth_pass {p}\n    }}",
        [p],
    )


@t("server_config")
def _bind_tsig(g: G) -> tuple[str, str, list[str]]:
    s = g.raw(lambda: g.b64(g.pick(ALNUM, 32)))
    return (
        "BIND TSIG key",
        f'key "xfer-key" {{\n\talgorithm hmac-sha256;\n\tsecret "{s}";\n}};',
        [s],
    )


@t("server_config")
def _radius(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return (
        "freeradius clients.conf",
        f"client vpn-gw {{\n\tipaddr = {g.ip()}\n\tsecret = {p}\n}}",
        [p],
    )


@t("server_config")
def _wireguard(g: G) -> tuple[str, str, list[str]]:
    k = g.raw(lambda: base64.b64encode(bytes(g.r.getrandbits(8) for _ in range(32))).decode())
    pub = base64.b64encode(bytes(g.r.getrandbits(8) for _ in range(32))).decode()
    return (
        "wg0.conf PrivateKey",
        f"[Interface]\nAddress = 10.8.0.1/24\nListenPort = 51820\nPrivateKey = {k}\n\n[Peer]\nPublicKey = {pub}\nAllowedIPs = 10.8.0.2/32",
        [k],
    )


@t("server_config")
def _pgbouncer_userlist(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return "pgbouncer userlist.txt", f'"{g.svc()}" "{p}"\n"stats" "md5{g.pick(HEX, 32)}"', [p]


@t("server_config")
def _openvpn_auth(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return (
        "openvpn auth-user-pass file",
        f"$ cat /etc/openvpn/client/creds.txt\n{g.user()}\n{p}",
        [p],
    )


# --------------------------------------------------------------------------- SQL


@t("sql")
def _create_user(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return (
        "CREATE USER IDENTIFIED BY",
        f"mysql> CREATE USER '{g.svc()}'@'%' IDENTIFIED BY '{p}';\nQuery OK, 0 rows affected (0.01 sec)",
        [p],
    )


@t("sql")
def _alter_role(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return (
        "ALTER ROLE PASSWORD",
        f"2026-11-27 10:03:11.222 UTC [{g.n(1000, 99999)}] postgres@postgres LOG:  statement: ALTER ROLE {g.svc()}_rw WITH LOGIN PASSWORD '{p}' VALID UNTIL 'infinity';",
        [p],
    )


@t("sql")
def _set_password(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return "SET PASSWORD FOR", f"SET PASSWORD FOR 'repl'@'10.%' = PASSWORD('{p}');", [p]


@t("sql")
def _mssql_login(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return (
        "CREATE LOGIN WITH PASSWORD",
        f"1> CREATE LOGIN [{g.svc()}_app] WITH PASSWORD = N'{p}', CHECK_POLICY = OFF;\n2> GO",
        [p],
    )


@t("sql")
def _oracle(g: G) -> tuple[str, str, list[str]]:
    p, q = g.pw(safe=True), g.pw(safe=True)
    return (
        "Oracle ALTER USER / DB LINK",
        f'SQL> ALTER USER {g.svc().upper()} IDENTIFIED BY "{p}" ACCOUNT UNLOCK;\nSQL> CREATE DATABASE LINK remote_dw CONNECT TO etl IDENTIFIED BY "{q}" USING \'DWPROD\';',
        [p, q],
    )


@t("sql")
def _user_mapping(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return (
        "CREATE USER MAPPING OPTIONS",
        f"CREATE USER MAPPING FOR app SERVER legacy_srv OPTIONS (user 'legacy', password '{p}');",
        [p],
    )


@t("sql")
def _insert(g: G) -> tuple[str, str, list[str]]:
    k = g.s(HEX, 48)
    return (
        "INSERT with api_key",
        f"INSERT INTO integrations (id, name, api_key, created_at) VALUES (17, 'pagerduty', '{k}', now());",
        [k],
    )


@t("sql")
def _psql_table(g: G) -> tuple[str, str, list[str]]:
    h = g.raw(
        lambda: f"SCRAM-SHA-256$4096:{g.pick(B64, 22)}==${g.pick(B64, 43)}=:{g.pick(B64, 43)}="
    )
    return (
        "psql table rolpassword",
        f" rolname  |                   rolpassword\n----------+------------------------------------------------\n {g.svc()} | {h}\n(1 row)",
        [h],
    )


@t("sql")
def _mysql_general_log(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return (
        "MySQL general log GRANT",
        f"2026-11-27T10:05:01.123456Z\t   42 Query\tGRANT ALL ON {g.svc()}.* TO 'etl'@'%' IDENTIFIED BY '{p}'",
        [p],
    )


@t("sql")
def _snowflake_sql(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return (
        "Snowflake CREATE USER",
        f"CREATE USER looker PASSWORD = '{p}' DEFAULT_ROLE = reporting MUST_CHANGE_PASSWORD = FALSE;",
        [p],
    )


# --------------------------------------------------------------------------- connection strings


@t("connection_strings")
def _jdbc(g: G) -> tuple[str, str, list[str]]:
    p = g.pw(safe=True)
    return (
        "JDBC SQL Server",
        f"Caused by: com.microsoft.sqlserver.jdbc.SQLServerException: Login failed for user 'app'. ClientConnectionId:{g.pick(HEX, 8)}-0d3a-4c7e-9b2f-{g.pick(HEX, 12)}\n  url=jdbc:sqlserver://{g.host()}:1433;databaseName={g.svc()};user=app;password={p};encrypt=true",
        [p],
    )


@t("connection_strings")
def _libpq_kv(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return (
        "libpq key=value DSN",
        f'psycopg2.OperationalError: connection to server failed; dsn was "host={g.host()} port=5432 dbname={g.svc()} user=app password={p} sslmode=require"',
        [p],
    )


@t("connection_strings")
def _mongo_srv(g: G) -> tuple[str, str, list[str]]:
    p = g.pw(safe=True)
    return (
        "mongodb+srv URI",
        f"MONGO_URL=mongodb+srv://{g.svc()}:{p}@cluster0.{g.pick(LOALNUM, 5)}.mongodb.net/{g.svc()}?retryWrites=true&w=majority",
        [p],
    )


@t("connection_strings")
def _redis_url(g: G) -> tuple[str, str, list[str]]:
    p = g.pw(safe=True)
    return (
        "redis URL empty user",
        f"Error 111 connecting to rediss://:{p}@{g.host()}:6380/0. Connection refused.",
        [p],
    )


@t("connection_strings")
def _amqp(g: G) -> tuple[str, str, list[str]]:
    p = g.pw(safe=True)
    return "amqp URL", f"[celery] broker_url = 'amqp://{g.svc()}:{p}@{g.host()}:5672//'", [p]


@t("connection_strings")
def _go_dsn(g: G) -> tuple[str, str, list[str]]:
    p = g.pw(safe=True)
    return (
        "Go MySQL DSN",
        f"[mysql] 2026/11/27 10:07:33 connector.go:95: could not use requested auth plugin 'mysql_native_password': dsn={g.svc()}:{p}@tcp({g.host()}:3306)/{g.svc()}?parseTime=true",
        [p],
    )


@t("connection_strings")
def _adonet(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return (
        "ADO.NET / Npgsql",
        f"Npgsql.PostgresException: 28P01: password authentication failed for user \"app\"\n   ConnectionString: Host={g.host()};Database={g.svc()};Username=app;Password='{p}';Pooling=true",
        [p],
    )


@t("connection_strings")
def _oracle_ez(g: G) -> tuple[str, str, list[str]]:
    p = g.pw(safe=True)
    return (
        "Oracle user/pass@tns",
        f"$ sqlplus -s {g.svc()}/{p}@//{g.host()}:1521/ORCLPDB1 @healthcheck.sql",
        [p],
    )


@t("connection_strings")
def _sqlalchemy(g: G) -> tuple[str, str, list[str]]:
    v = g.raw(lambda: urllib.parse.quote(g.pw_raw() + "@/", safe=""))
    return (
        "SQLAlchemy URL",
        f"sqlalchemy.exc.OperationalError: (psycopg.OperationalError) ... (Background on this error at: https://sqlalche.me/e/20/e3q8)\n  engine url: postgresql+psycopg://app:{v}@{g.host()}:5432/{g.svc()}",
        [v],
    )


@t("connection_strings")
def _azure_storage(g: G) -> tuple[str, str, list[str]]:
    k = g.s(B64, 86, suffix="==")
    return (
        "Azure storage connection string",
        f"AZURE_STORAGE_CONNECTION_STRING=DefaultEndpointsProtocol=https;AccountName={g.svc()}store;AccountKey={k};EndpointSuffix=core.windows.net",
        [k],
    )


@t("connection_strings")
def _servicebus(g: G) -> tuple[str, str, list[str]]:
    k = g.s(B64, 43, suffix="=")
    return (
        "Azure Service Bus SAS",
        f"Endpoint=sb://{g.svc()}-bus.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey={k}",
        [k],
    )


@t("connection_strings")
def _clickhouse(g: G) -> tuple[str, str, list[str]]:
    p = g.pw(safe=True)
    return (
        "clickhouse-client --password / tcp URL",
        f"clickhouse://default:{p}@{g.host()}:9440/default?secure=true",
        [p],
    )


# --------------------------------------------------------------------------- language literals


@t("language_literals")
def _python_kwargs(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return (
        "Python kwargs",
        f'conn = psycopg2.connect(host="{g.host()}", user="app", password="{p}", dbname="{g.svc()}")',
        [p],
    )


@t("language_literals")
def _php_array(g: G) -> tuple[str, str, list[str]]:
    p, q = g.pw(), g.s(ALNUM + "!@#%^&*()-_=+", 64)
    return (
        "PHP array / define",
        f"$db = [\n    'host' => '{g.host()}',\n    'password' => '{p}',\n];\ndefine( 'AUTH_SALT', '{q}' );",
        [p, q],
    )


@t("language_literals")
def _go_struct(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return (
        "Go struct literal / %+v",
        f'cfg := Config{{Addr: "{g.host()}:6379", Password: "{p}", DB: 0}}\nlevel=debug msg="loaded" cfg="{{Addr:{g.host()}:6379 Password:{p} DB:0}}"',
        [p],
    )


@t("language_literals")
def _csharp(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return (
        "C# NetworkCredential",
        f'var client = new SmtpClient("smtp.{g.dom()}", 587) {{ Credentials = new NetworkCredential("{g.user()}", "{p}"), EnableSsl = true }};',
        [p],
    )


@t("language_literals")
def _java(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return (
        "Java getConnection",
        f'Connection c = DriverManager.getConnection("jdbc:postgresql://{g.host()}/{g.svc()}", "app", "{p}");',
        [p],
    )


@t("language_literals")
def _ruby(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return (
        "Ruby hash",
        f'Redis.new(host: "{g.host()}", password: \'{p}\', ssl: true)\n{{:user=>"{g.user()}", :secret=>"{(s := g.s(HEX, 40))}"}}',
        [p, s],
    )


@t("language_literals")
def _js(g: G) -> tuple[str, str, list[str]]:
    p, k = g.pw(), g.s(ALNUM, 32)
    return (
        "JS object / console.log",
        f"const pool = new Pool({{ user: 'app', password: '{p}', host: '{g.host()}' }});\n{{ apiKey: '{k}', region: 'us-east-1' }}",
        [p, k],
    )


@t("language_literals")
def _rust(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return (
        "Rust builder",
        f'let opts = PgConnectOptions::new().host("{g.host()}").username("app").password("{p}");',
        [p],
    )


@t("language_literals")
def _kotlin_props(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return (
        "Gradle Kotlin DSL credentials",
        f'credentials {{\n    username = "ci"\n    password = "{p}"\n}}',
        [p],
    )


@t("language_literals")
def _python_repr(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return (
        "Python dict repr in traceback",
        f"  File \"/srv/{g.svc()}/db.py\", line 88, in connect\n    return connect(**params)\nparams = {{'host': '{g.host()}', 'port': 5432, 'user': 'app', 'passwd': '{p}'}}",
        [p],
    )


@t("language_literals")
def _perl(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return (
        "Perl DBI connect",
        f'my $dbh = DBI->connect("DBI:mysql:database={g.svc()};host={g.host()}", "app", "{p}", {{ RaiseError => 1 }});',
        [p],
    )


# --------------------------------------------------------------------------- URL userinfo


@t("url_userinfo")
def _git_remote(g: G) -> tuple[str, str, list[str]]:
    tok = g.s(ALNUM, 36, prefix="ghp_")
    return (
        "git remote -v",
        f"$ git remote -v\norigin\thttps://x-access-token:{tok}@github.com/acme/{g.svc()}.git (fetch)\norigin\thttps://x-access-token:{tok}@github.com/acme/{g.svc()}.git (push)",
        [tok],
    )


@t("url_userinfo")
def _pip_index(g: G) -> tuple[str, str, list[str]]:
    p = g.pw(safe=True)
    return (
        "pip index-url",
        f"Looking in indexes: https://pypi.org/simple, https://build:{p}@nexus.{g.dom()}/repository/pypi/simple",
        [p],
    )


@t("url_userinfo")
def _proxy_env(g: G) -> tuple[str, str, list[str]]:
    p = g.pw(safe=True)
    return "http_proxy userinfo", f"https_proxy=http://{g.user()}:{p}@proxy.{g.dom()}:3128", [p]


@t("url_userinfo")
def _ftp_url(g: G) -> tuple[str, str, list[str]]:
    p = g.pw(safe=True)
    return (
        "wget ftp URL",
        f"--2026-11-27 10:11:12--  ftp://mirror:{p}@files.{g.dom()}/pub/dump.tar.gz\n           => 'dump.tar.gz'",
        [p],
    )


@t("url_userinfo")
def _git_credentials(g: G) -> tuple[str, str, list[str]]:
    tok = g.s(ALNUM + "-_", 20, prefix="glpat-")
    return ".git-credentials", f"https://oauth2:{tok}@gitlab.{g.dom()}", [tok]


@t("url_userinfo")
def _jdbc_userinfo(g: G) -> tuple[str, str, list[str]]:
    p = g.pw(safe=True)
    return (
        "nexus/elastic URL in error",
        f"ConnectionError: HTTPSConnectionPool(host='es.{g.dom()}', port=9200): Max retries exceeded with url: https://elastic:{p}@es.{g.dom()}:9200/_bulk",
        [p],
    )


# --------------------------------------------------------------------------- URL query strings


@t("url_query")
def _access_log(g: G) -> tuple[str, str, list[str]]:
    tok = g.s(ALNUM, 40)
    return (
        "nginx access log ?access_token",
        f'{g.ip()} - - [27/Nov/2026:10:12:13 +0000] "GET /api/v1/export?format=csv&access_token={tok} HTTP/1.1" 200 51234 "-" "python-requests/2.32.3"',
        [tok],
    )


@t("url_query")
def _api_key_q(g: G) -> tuple[str, str, list[str]]:
    k = g.s(B64URL, 35, prefix="AIza")
    return (
        "?key= Google API",
        f"requests.exceptions.HTTPError: 403 Client Error: Forbidden for url: https://maps.googleapis.com/maps/api/geocode/json?address=Berlin&key={k}",
        [k],
    )


@t("url_query")
def _presigned_s3(g: G) -> tuple[str, str, list[str]]:
    st = g.s(B64URL.replace("-", "%2B").replace("_", "%2F")[:-6], 140, prefix="IQoJb3JpZ2luX2VjE")
    sig = g.s(HEX, 64)
    return (
        "S3 presigned URL",
        f"https://{g.svc()}-exports.s3.eu-west-1.amazonaws.com/report.csv?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIA{g.pick(UPALNUM, 16)}%2F20261127%2Feu-west-1%2Fs3%2Faws4_request&X-Amz-Date=20261127T101314Z&X-Amz-Expires=3600&X-Amz-Security-Token={st}&X-Amz-Signature={sig}&X-Amz-SignedHeaders=host",
        [st, sig],
    )


@t("url_query")
def _azure_sas(g: G) -> tuple[str, str, list[str]]:
    sig = g.s(ALNUM, 43, suffix="%3D")
    return (
        "Azure SAS sig=",
        f"azcopy copy 'https://{g.svc()}store.blob.core.windows.net/backups/db.bak?sv=2022-11-02&ss=b&srt=o&sp=r&se=2026-12-01T00:00:00Z&st=2026-11-27T00:00:00Z&spr=https&sig={sig}' /tmp/db.bak",
        [sig],
    )


@t("url_query")
def _oauth_form(g: G) -> tuple[str, str, list[str]]:
    s, p = g.s(B64URL, 32), g.pw(safe=True)
    return (
        "OAuth form body",
        f"POST /oauth/token HTTP/1.1\nContent-Type: application/x-www-form-urlencoded\n\ngrant_type=password&client_id={g.svc()}-cli&client_secret={s}&username={g.user()}&password={p}",
        [s, p],
    )


@t("url_query")
def _callback_code(g: G) -> tuple[str, str, list[str]]:
    tok = g.s(B64URL, 43)
    return (
        "redirect with token in fragment/query",
        f"< Location: https://app.{g.dom()}/callback#access_token={tok}&token_type=Bearer&expires_in=3600",
        [tok],
    )


@t("url_query")
def _gcs_signed(g: G) -> tuple[str, str, list[str]]:
    sig = g.s(HEX, 256)
    return (
        "GCS signed URL",
        f"https://storage.googleapis.com/{g.svc()}-artifacts/build.zip?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Credential=signer%40proj.iam.gserviceaccount.com%2F20261127%2Fauto%2Fstorage%2Fgoog4_request&X-Goog-Date=20261127T101500Z&X-Goog-Expires=900&X-Goog-SignedHeaders=host&X-Goog-Signature={sig}",
        [sig],
    )


@t("url_query")
def _password_get(g: G) -> tuple[str, str, list[str]]:
    p = g.pw(safe=True)
    return (
        "apache log login GET",
        f'{g.ip()} - - [27/Nov/2026:10:16:01 +0000] "GET /cgi-bin/login.cgi?user={g.user()}&pass={p}&lang=en HTTP/1.0" 302 -',
        [p],
    )


# --------------------------------------------------------------------------- URL paths (webhooks, bots)


@t("url_paths")
def _slack_webhook(g: G) -> tuple[str, str, list[str]]:
    s = g.s(ALNUM, 24)
    return (
        "Slack webhook",
        f"ALERT_WEBHOOK=https://hooks.slack.com/services/T{g.pick(UPALNUM, 8)}/B{g.pick(UPALNUM, 10)}/{s}",
        [s],
    )


@t("url_paths")
def _discord_webhook(g: G) -> tuple[str, str, list[str]]:
    s = g.s(B64URL, 68)
    return (
        "Discord webhook",
        f"POST https://discord.com/api/webhooks/{g.pick(DIG, 19)}/{s} -> 429 Too Many Requests",
        [s],
    )


@t("url_paths")
def _telegram(g: G) -> tuple[str, str, list[str]]:
    tok = g.raw(lambda: g.pick(DIG, 10) + ":AA" + g.pick(B64URL, 33))
    return (
        "Telegram bot path",
        f"telegram.error.NetworkError: urllib3 HTTPError ... url=https://api.telegram.org/bot{tok}/sendMessage",
        [tok],
    )


@t("url_paths")
def _teams(g: G) -> tuple[str, str, list[str]]:
    s = g.s(HEX, 32)
    return (
        "Teams incoming webhook",
        f"https://acme.webhook.office.com/webhookb2/{g.pick(HEX, 8)}-1111-4222-8333-{g.pick(HEX, 12)}@{g.pick(HEX, 8)}-aaaa-4bbb-8ccc-{g.pick(HEX, 12)}/IncomingWebhook/{s}/{g.pick(HEX, 8)}-dddd-4eee-9fff-{g.pick(HEX, 12)}",
        [s],
    )


@t("url_paths")
def _reset_link(g: G) -> tuple[str, str, list[str]]:
    s = g.s(B64URL, 40)
    return (
        "password reset link in mail log",
        f"Nov 27 10:17:02 mail postfix/smtp[2211]: queued body contains: https://app.{g.dom()}/account/reset-password/{s}",
        [s],
    )


@t("url_paths")
def _mattermost(g: G) -> tuple[str, str, list[str]]:
    s = g.s(LOALNUM, 26)
    return (
        "Mattermost hook",
        f'curl -i -X POST -d \'payload={{"text": "deploy done"}}\' https://chat.{g.dom()}/hooks/{s}',
        [s],
    )


@t("url_paths")
def _zapier(g: G) -> tuple[str, str, list[str]]:
    s = g.s(LOALNUM, 7)
    return (
        "Zapier/IFTTT hook",
        f"webhook_url: https://hooks.zapier.com/hooks/catch/{g.pick(DIG, 7)}/{s}/\nifttt: https://maker.ifttt.com/trigger/deploy/with/key/{(k := g.s(B64URL, 22))}",
        [s, k],
    )


# --------------------------------------------------------------------------- encoded values


@t("encoded_values")
def _k8s_secret(g: G) -> tuple[str, str, list[str]]:
    a = g.raw(lambda: g.b64(g.pw_raw()))
    b = g.raw(lambda: g.b64(g.s(ALNUM, 32)))
    return (
        "kubectl get secret -o yaml",
        f"apiVersion: v1\ndata:\n  password: {a}\n  api-token: {b}\n  username: {g.b64('app')}\nkind: Secret\nmetadata:\n  name: {g.svc()}-creds",
        [a, b],
    )


@t("encoded_values")
def _docker_config(g: G) -> tuple[str, str, list[str]]:
    a = g.raw(lambda: g.b64(f"{g.user()}:{g.pw_raw()}"))
    return (
        "docker config.json auth",
        f'{{\n\t"auths": {{\n\t\t"registry.{g.dom()}": {{\n\t\t\t"auth": "{a}"\n\t\t}}\n\t}}\n}}',
        [a],
    )


@t("encoded_values")
def _hex_encoded(g: G) -> tuple[str, str, list[str]]:
    h = g.raw(lambda: g.pw_raw().encode().hex())
    return "hex under secret key", f"config.db_password_hex = {h}", [h]


@t("encoded_values")
def _percent(g: G) -> tuple[str, str, list[str]]:
    v = g.raw(
        lambda: urllib.parse.quote(
            g.pick(ALNUM, 6)
            + "@"
            + g.pick(ALNUM, 4)
            + "/"
            + g.pick(ALNUM, 3)
            + "#"
            + g.pick(DIG, 3),
            safe="",
        )
    )
    return (
        "percent-encoded password",
        f"DATABASE_URL=postgres://app:{v}@{g.host()}:5432/{g.svc()}",
        [v],
    )


@t("encoded_values")
def _json_escape(g: G) -> tuple[str, str, list[str]]:
    core = g.pick(ALNUM, 8)
    v = g.raw(lambda: core + "\\u0026" + g.pick(ALNUM, 6) + '\\"' + g.pick(DIG, 3))
    return (
        "JSON-escaped password",
        f'{{"event":"config_reload","payload":"{{\\"db_password\\":\\"{v}\\"}}"}}',
        [v],
    )


@t("encoded_values")
def _html_entity(g: G) -> tuple[str, str, list[str]]:
    v = g.raw(lambda: g.pick(ALNUM, 7) + "&amp;" + g.pick(ALNUM, 5) + "&lt;" + g.pick(DIG, 2))
    return (
        "HTML entities in form dump",
        f'<input type="hidden" name="smtp_password" value="{v}">',
        [v],
    )


@t("encoded_values")
def _b64_json_blob(g: G) -> tuple[str, str, list[str]]:
    inner = f'{{"username":"{g.user()}","password":"{g.pw_raw()}"}}'
    v = g.raw(lambda: g.b64(inner))
    return "base64 JSON credentials blob", f"REGISTRY_CREDENTIALS_B64={v}", [v]


@t("encoded_values")
def _jwt(g: G) -> tuple[str, str, list[str]]:
    hdr = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').decode().rstrip("=")
    body = (
        base64.urlsafe_b64encode(
            f'{{"sub":"{g.user()}","role":"admin","exp":{g.n(1764000000, 1799999999)}}}'.encode()
        )
        .decode()
        .rstrip("=")
    )
    v = g.raw(lambda: f"{hdr}.{body}.{g.pick(B64URL, 43)}")
    return "JWT in log", f"WARN  [auth] token rejected: signature mismatch jwt={v}", [v]


@t("encoded_values")
def _secret_encoded_xml(g: G) -> tuple[str, str, list[str]]:
    v = g.raw(lambda: g.b64(g.pw_raw() + "\n"))
    return (
        "base64 in XML under password",
        f'<credentials encoding="base64"><password>{v}</password></credentials>',
        [v],
    )


# --------------------------------------------------------------------------- vendor tokens


def _vendor(family: str, fmt: str, make: Callable[[G], str], line: str) -> None:
    def tpl(g: G) -> tuple[str, str, list[str]]:
        v = g.raw(lambda: make(g))
        return fmt, line.format(v=v, host=g.host(), svc=g.svc(), ts=g.ts()), [v]

    TEMPLATES.setdefault(family, []).append(tpl)


V_DEV = "vendor_tokens_dev_ci"
_vendor(
    V_DEV,
    "GitHub fine-grained PAT",
    lambda g: "github_pat_" + g.pick(ALNUM, 22) + "_" + g.pick(ALNUM, 59),
    "GH_TOKEN={v}",
)
_vendor(
    V_DEV,
    "GitHub app installation token",
    lambda g: "ghs_" + g.pick(ALNUM, 36),
    "remote: Invalid username or token. token={v}",
)
_vendor(
    V_DEV,
    "GitHub OAuth token",
    lambda g: "gho_" + g.pick(ALNUM, 36),
    '{{"token":"{v}","scopes":["repo","workflow"]}}',
)
_vendor(V_DEV, "GitLab runner token", lambda g: "glrt-" + g.pick(B64URL, 20), '  token = "{v}"')
_vendor(
    V_DEV,
    "npm automation token",
    lambda g: "npm_" + g.pick(ALNUM, 36),
    "//registry.npmjs.org/:_authToken={v}",
)
_vendor(
    V_DEV,
    "Docker Hub PAT",
    lambda g: "dckr_pat_" + g.pick(B64URL, 27),
    "echo {v} | docker login -u acmebot --password-stdin",
)
_vendor(
    V_DEV,
    "CircleCI PAT",
    lambda g: "CCIPAT_" + g.pick(ALNUM, 22) + "_" + g.pick(HEX, 40),
    "Circle-Token: {v}",
)
_vendor(
    V_DEV,
    "Buildkite agent/API token",
    lambda g: "bkua_" + g.pick(HEX, 40),
    "BUILDKITE_API_TOKEN={v}",
)
_vendor(
    V_DEV,
    "RubyGems API key",
    lambda g: "rubygems_" + g.pick(HEX, 48),
    "---\n:rubygems_api_key: {v}",
)
_vendor(
    V_DEV,
    "NuGet API key",
    lambda g: "oy2" + g.pick(LOALNUM, 43),
    "dotnet nuget push bin/Release/*.nupkg --api-key {v} --source https://api.nuget.org/v3/index.json",
)
_vendor(V_DEV, "JFrog API key", lambda g: "AKCp8" + g.pick(ALNUM, 68), "artifactory_api_key: {v}")
_vendor(
    V_DEV,
    "Pulumi access token",
    lambda g: "pul-" + g.pick(HEX, 40),
    "PULUMI_ACCESS_TOKEN={v} pulumi up --yes",
)
_vendor(
    V_DEV,
    "Bitbucket app password",
    lambda g: "ATBB" + g.pick(ALNUM, 32),
    "bitbucket: user=ci-runner app_password={v}",
)
_vendor(
    V_DEV,
    "Snyk token (uuid form)",
    lambda g: (
        f"{g.pick(HEX, 8)}-{g.pick(HEX, 4)}-4{g.pick(HEX, 3)}-a{g.pick(HEX, 3)}-{g.pick(HEX, 12)}"
    ),
    "snyk auth {v}",
)
_vendor(
    V_DEV,
    "Doppler service token",
    lambda g: "dp.st.prd." + g.pick(ALNUM, 43),
    'DOPPLER_TOKEN="{v}"',
)
_vendor(
    V_DEV,
    "Postman API key",
    lambda g: "PMAK-" + g.pick(HEX, 24) + "-" + g.pick(HEX, 34),
    "x-api-key: {v}",
)

V_CLOUD = "vendor_tokens_cloud"
_vendor(
    V_CLOUD,
    "DigitalOcean PAT",
    lambda g: "dop_v1_" + g.pick(HEX, 64),
    "doctl auth init --access-token {v}",
)
_vendor(
    V_CLOUD,
    "GCP OAuth client secret",
    lambda g: "GOCSPX-" + g.pick(B64URL, 28),
    '"client_secret": "{v}",',
)
_vendor(
    V_CLOUD,
    "Alibaba AccessKey secret",
    lambda g: g.pick(ALNUM, 30),
    "aliyun configure set --access-key-id LTAI{svc}5tQx --access-key-secret {v}",
)
_vendor(V_CLOUD, "Linode PAT", lambda g: g.pick(HEX, 64), "LINODE_TOKEN={v}")
_vendor(
    V_CLOUD,
    "Hetzner Cloud token",
    lambda g: g.pick(ALNUM, 64),
    "hcloud context create prod  # token: {v}",
)
_vendor(V_CLOUD, "Cloudflare API token", lambda g: g.pick(B64URL, 40), "CLOUDFLARE_API_TOKEN={v}")
_vendor(V_CLOUD, "Cloudflare global key", lambda g: g.pick(HEX, 37), "X-Auth-Key: {v}")
_vendor(
    V_CLOUD, "Netlify PAT", lambda g: "nfp_" + g.pick(ALNUM, 36), "netlify deploy --prod --auth {v}"
)
_vendor(V_CLOUD, "Fly.io token", lambda g: "FlyV1 fm2_" + g.pick(B64, 120), 'FLY_API_TOKEN="{v}"')
_vendor(
    V_CLOUD,
    "Heroku API key",
    lambda g: "HRKU-AA" + g.pick(B64URL, 58),
    "heroku: HEROKU_API_KEY={v}",
)
_vendor(V_CLOUD, "Vercel token", lambda g: g.pick(ALNUM, 24), "vercel --token {v} --prod")
_vendor(
    V_CLOUD,
    "Scaleway secret key",
    lambda g: (
        f"{g.pick(HEX, 8)}-{g.pick(HEX, 4)}-4{g.pick(HEX, 3)}-8{g.pick(HEX, 3)}-{g.pick(HEX, 12)}"
    ),
    "SCW_SECRET_KEY={v}",
)
_vendor(V_CLOUD, "Supabase PAT", lambda g: "sbp_" + g.pick(HEX, 40), "supabase login --token {v}")
_vendor(
    V_CLOUD, "PlanetScale password", lambda g: "pscale_pw_" + g.pick(B64URL, 43), "password: {v}"
)
_vendor(
    V_CLOUD,
    "Tailscale auth key",
    lambda g: "tskey-auth-" + g.pick(ALNUM, 17) + "-" + g.pick(ALNUM, 33),
    "tailscale up --authkey={v} --advertise-tags=tag:ci",
)
_vendor(
    V_CLOUD,
    "ngrok authtoken",
    lambda g: "2" + g.pick(ALNUM, 26) + "_" + g.pick(ALNUM, 21),
    "authtoken: {v}",
)
_vendor(
    V_CLOUD,
    "Confluent API secret",
    lambda g: g.pick(B64[:-2] + "+/", 64),
    "confluent api-key store {svc}KEY7 {v}",
)

V_SAAS = "vendor_tokens_saas_payment"
_vendor(
    V_SAAS,
    "Slack bot token",
    lambda g: f"xoxb-{g.pick(DIG, 12)}-{g.pick(DIG, 13)}-{g.pick(ALNUM, 24)}",
    "slack_sdk.errors.SlackApiError: invalid_auth (token={v})",
)
_vendor(
    V_SAAS,
    "Slack user token",
    lambda g: f"xoxp-{g.pick(DIG, 12)}-{g.pick(DIG, 12)}-{g.pick(DIG, 13)}-{g.pick(HEX, 32)}",
    "SLACK_USER_TOKEN: {v}",
)
_vendor(
    V_SAAS,
    "Slack app-level token",
    lambda g: f"xapp-1-A{g.pick(UPALNUM, 10)}-{g.pick(DIG, 13)}-{g.pick(HEX, 64)}",
    "socket_mode: app_token={v}",
)
_vendor(
    V_SAAS,
    "Stripe restricted key",
    lambda g: "rk_live_" + g.pick(ALNUM, 99),
    "Stripe::AuthenticationError: Invalid API Key provided: {v}",
)
_vendor(
    V_SAAS,
    "Stripe webhook secret",
    lambda g: "whsec_" + g.pick(ALNUM, 32),
    "STRIPE_WEBHOOK_SECRET={v}",
)
_vendor(
    V_SAAS,
    "Twilio auth token",
    lambda g: g.pick(HEX, 32),
    "TWILIO_ACCOUNT_SID=AC{svc}0f1e2d3c4b5a69788796a5b4c3d2e1f0\nTWILIO_AUTH_TOKEN={v}",
)
_vendor(
    V_SAAS,
    "SendGrid API key",
    lambda g: "SG." + g.pick(B64URL, 22) + "." + g.pick(B64URL, 43),
    "sendgrid.api_key = '{v}'",
)
_vendor(
    V_SAAS,
    "Mailgun key",
    lambda g: "key-" + g.pick(HEX, 32),
    "curl -s --user 'api:{v}' https://api.mailgun.net/v3/mg.example.com/messages",
)
_vendor(
    V_SAAS,
    "Mailchimp API key",
    lambda g: g.pick(HEX, 32) + "-us" + str(g.n(1, 21)),
    "MAILCHIMP_KEY={v}",
)
_vendor(
    V_SAAS,
    "Shopify admin token",
    lambda g: "shpat_" + g.pick(HEX, 32),
    'ShopifyAPI::Context.setup(api_secret_key: ..., access_token: "{v}")',
)
_vendor(
    V_SAAS, "Shopify shared secret", lambda g: "shpss_" + g.pick(HEX, 32), "SHOPIFY_API_SECRET={v}"
)
_vendor(
    V_SAAS,
    "Square access token",
    lambda g: "EAAA" + g.pick(B64URL, 60),
    "Square-Version: 2026-10-16\nAuthorization: Bearer {v}",
)
_vendor(
    V_SAAS,
    "Braintree/PayPal access token",
    lambda g: f"access_token$production${g.pick(LOALNUM, 16)}${g.pick(HEX, 32)}",
    "BRAINTREE_ACCESS_TOKEN={v}",
)
_vendor(
    V_SAAS,
    "Paystack secret",
    lambda g: "sk_live_" + g.pick(HEX, 40),
    "paystack: Authorization: Bearer {v}",
)
_vendor(
    V_SAAS,
    "Flutterwave secret",
    lambda g: "FLWSECK-" + g.pick(HEX, 32) + "-X",
    "FLW_SECRET_KEY={v}",
)
_vendor(
    V_SAAS,
    "Razorpay key secret",
    lambda g: g.pick(ALNUM, 24),
    'razorpay.Client(auth=("rzp_live_{svc}Ab12", "{v}"))',
)
_vendor(V_SAAS, "Mollie live key", lambda g: "live_" + g.pick(ALNUM, 30), "MOLLIE_API_KEY={v}")
_vendor(
    V_SAAS,
    "Shippo live token",
    lambda g: "shippo_live_" + g.pick(HEX, 40),
    "Authorization: ShippoToken {v}",
)
_vendor(
    V_SAAS,
    "Plaid secret",
    lambda g: g.pick(HEX, 30),
    '{{"client_id":"{svc}5f1b2c","secret":"{v}"}}',
)
_vendor(
    V_SAAS,
    "Discord bot token",
    lambda g: (
        g.b64(g.pick(DIG, 18)).rstrip("=") + "." + g.pick(B64URL, 6) + "." + g.pick(B64URL, 38)
    ),
    "Authorization: Bot {v}",
)
_vendor(
    V_SAAS,
    "Atlassian API token",
    lambda g: "ATATT3xFfGF0" + g.pick(B64URL, 170) + "=" + g.pick(UPALNUM, 8),
    "JIRA_API_TOKEN={v}",
)
_vendor(
    V_SAAS,
    "Notion integration secret",
    lambda g: "ntn_" + g.pick(ALNUM, 46),
    "Authorization: Bearer {v}\nNotion-Version: 2022-06-28",
)
_vendor(V_SAAS, "Linear API key", lambda g: "lin_api_" + g.pick(ALNUM, 40), "LINEAR_API_KEY={v}")
_vendor(V_SAAS, "Figma PAT", lambda g: "figd_" + g.pick(B64URL, 40), "X-Figma-Token: {v}")
_vendor(
    V_SAAS,
    "Airtable PAT",
    lambda g: "pat" + g.pick(ALNUM, 14) + "." + g.pick(HEX, 64),
    "AIRTABLE_TOKEN={v}",
)
_vendor(
    V_SAAS,
    "Asana PAT",
    lambda g: f"2/{g.pick(DIG, 16)}/{g.pick(DIG, 16)}:{g.pick(HEX, 32)}",
    "asana.Client.access_token('{v}')",
)
_vendor(
    V_SAAS,
    "Dropbox short-lived token",
    lambda g: "sl.B" + g.pick(B64URL, 130),
    "dropbox.exceptions.AuthError: expired_access_token for {v}",
)
_vendor(V_SAAS, "Okta API token", lambda g: "00" + g.pick(B64URL, 40), "Authorization: SSWS {v}")
_vendor(
    V_SAAS,
    "Mapbox secret token",
    lambda g: "sk.eyJ1IjoiYWNtZS1vcHMiLCJhIjoi" + g.pick(B64URL, 20) + "In0." + g.pick(B64URL, 22),
    "MAPBOX_DOWNLOADS_TOKEN={v}",
)
_vendor(
    V_SAAS,
    "Algolia admin key",
    lambda g: g.pick(HEX, 32),
    "X-Algolia-Application-Id: {svc}HQ2\nX-Algolia-API-Key: {v}",
)
_vendor(
    V_SAAS,
    "Contentful management token",
    lambda g: "CFPAT-" + g.pick(B64URL, 43),
    "contentful space list --management-token {v}",
)
_vendor(
    V_SAAS,
    "Zendesk API token",
    lambda g: g.pick(ALNUM, 40),
    "curl https://acme.zendesk.com/api/v2/tickets.json -u ops@example.com/token:{v}",
)
_vendor(
    V_SAAS,
    "LaunchDarkly SDK key",
    lambda g: (
        f"sdk-{g.pick(HEX, 8)}-{g.pick(HEX, 4)}-4{g.pick(HEX, 3)}-9{g.pick(HEX, 3)}-{g.pick(HEX, 12)}"
    ),
    "LD_SDK_KEY={v}",
)
_vendor(V_SAAS, "Segment write key", lambda g: g.pick(ALNUM, 32), "analytics.write_key = '{v}'")

V_OBS = "vendor_tokens_observability_ai"
_vendor(V_OBS, "Datadog app key", lambda g: g.pick(HEX, 40), "DD-APPLICATION-KEY: {v}")
_vendor(
    V_OBS, "New Relic user key", lambda g: "NRAK-" + g.pick(UPALNUM, 27), "NEW_RELIC_API_KEY={v}"
)
_vendor(V_OBS, "New Relic license key", lambda g: g.pick(HEX, 36) + "NRAL", "license_key: {v}")
_vendor(
    V_OBS,
    "Sentry auth token",
    lambda g: "sntrys_" + g.pick(B64, 100),
    "SENTRY_AUTH_TOKEN={v} sentry-cli releases new $VERSION",
)
_vendor(
    V_OBS,
    "Sentry DSN key",
    lambda g: g.pick(HEX, 32),
    "Sentry.init({{ dsn: 'https://{v}@o450123.ingest.sentry.io/5501234' }})",
)
_vendor(
    V_OBS,
    "Grafana service account token",
    lambda g: "glsa_" + g.pick(ALNUM, 32) + "_" + g.pick(HEX, 8),
    "GF_TOKEN={v}",
)
_vendor(V_OBS, "Grafana Cloud token", lambda g: "glc_" + g.pick(B64, 120), "password: {v}")
_vendor(
    V_OBS,
    "PagerDuty routing key",
    lambda g: g.pick(HEX, 32),
    '{{"routing_key":"{v}","event_action":"trigger"}}',
)
_vendor(
    V_OBS,
    "PagerDuty REST token",
    lambda g: "u+" + g.pick(B64URL, 18),
    "Authorization: Token token={v}",
)
_vendor(
    V_OBS,
    "Opsgenie key",
    lambda g: (
        f"{g.pick(HEX, 8)}-{g.pick(HEX, 4)}-4{g.pick(HEX, 3)}-b{g.pick(HEX, 3)}-{g.pick(HEX, 12)}"
    ),
    "Authorization: GenieKey {v}",
)
_vendor(
    V_OBS,
    "Honeycomb ingest key",
    lambda g: "hcaik_01" + g.pick(LOALNUM, 56),
    "x-honeycomb-team: {v}",
)
_vendor(V_OBS, "Rollbar token", lambda g: g.pick(HEX, 32), "ROLLBAR_ACCESS_TOKEN={v}")
_vendor(V_OBS, "Bugsnag API key", lambda g: g.pick(HEX, 32), "Bugsnag-Api-Key: {v}")
_vendor(
    V_OBS,
    "Splunk HEC token",
    lambda g: (
        f"{g.pick(UPALNUM, 8)}-{g.pick(UPALNUM, 4)}-{g.pick(UPALNUM, 4)}-{g.pick(UPALNUM, 4)}-{g.pick(UPALNUM, 12)}"
    ),
    "Authorization: Splunk {v}",
)
_vendor(
    V_OBS,
    "OpenAI project key",
    lambda g: "sk-proj-" + g.pick(B64URL, 120),
    "openai.AuthenticationError: Error code: 401 - Incorrect API key provided: {v}",
)
_vendor(
    V_OBS,
    "Anthropic key",
    lambda g: "sk-ant-api03-" + g.pick(B64URL, 93) + "AA",
    "ANTHROPIC_API_KEY={v}",
)
_vendor(
    V_OBS,
    "Hugging Face token",
    lambda g: "hf_" + g.pick(ALNUM, 34),
    "huggingface-cli login --token {v}",
)
_vendor(V_OBS, "Replicate token", lambda g: "r8_" + g.pick(ALNUM, 37), "REPLICATE_API_TOKEN={v}")
_vendor(V_OBS, "Groq key", lambda g: "gsk_" + g.pick(ALNUM, 52), "GROQ_API_KEY={v}")
_vendor(
    V_OBS,
    "1Password service account",
    lambda g: "ops_eyJ" + g.pick(B64URL, 150),
    "OP_SERVICE_ACCOUNT_TOKEN={v}",
)
_vendor(
    V_OBS,
    "age secret key",
    lambda g: "AGE-SECRET-KEY-1" + g.pick("QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L", 58),
    "# created: 2026-11-27T10:20:00Z\n# public key: age1{svc}q9\n{v}",
)


# --------------------------------------------------------------------------- private keys


def _pem_body(g: G, lines: int) -> list[str]:
    return [g.raw(lambda: g.pick(B64, 64)) for _ in range(lines)]


@t("private_keys")
def _rsa_pem(g: G) -> tuple[str, str, list[str]]:
    body = _pem_body(g, 3)
    last = g.raw(lambda: g.pick(B64, 40) + "==")
    return (
        "RSA PEM",
        "-----BEGIN RSA PRIVATE KEY-----\n"
        + "\n".join(body)
        + f"\n{last}\n-----END RSA PRIVATE KEY-----",
        [*body, last],
    )


@t("private_keys")
def _openssh_key(g: G) -> tuple[str, str, list[str]]:
    body = [g.raw(lambda: g.pick(B64, 70)) for _ in range(3)]
    return (
        "OpenSSH private key (cat id_ed25519)",
        "$ cat ~/.ssh/id_ed25519\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n"
        + "\n".join(body)
        + "\n-----END OPENSSH PRIVATE KEY-----",
        body,
    )


@t("private_keys")
def _pem_in_json(g: G) -> tuple[str, str, list[str]]:
    a, b = g.raw(lambda: g.pick(B64, 64)), g.raw(lambda: g.pick(B64, 64))
    return (
        "GCP service-account JSON private_key",
        f'{{\n  "type": "service_account",\n  "project_id": "{g.svc()}-prod",\n  "private_key_id": "{g.pick(HEX, 40)}",\n  "private_key": "-----BEGIN PRIVATE KEY-----\\n{a}\\n{b}\\n-----END PRIVATE KEY-----\\n",\n  "client_email": "deployer@{g.svc()}-prod.iam.gserviceaccount.com"\n}}',
        [a, b],
    )


@t("private_keys")
def _jwk(g: G) -> tuple[str, str, list[str]]:
    d = g.s(B64URL, 43)
    return (
        "JWK with d",
        f'{{"kty":"EC","crv":"P-256","x":"{g.pick(B64URL, 43)}","y":"{g.pick(B64URL, 43)}","d":"{d}","kid":"signing-2026"}}',
        [d],
    )


@t("private_keys")
def _kubeconfig(g: G) -> tuple[str, str, list[str]]:
    k = g.s(B64, 120, prefix="LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQo")
    tok = g.s(B64URL, 90, prefix="eyJhbGciOiJSUzI1NiIsImtpZCI6")
    return (
        "kubeconfig client-key-data / token",
        f"users:\n- name: admin@prod\n  user:\n    client-key-data: {k}\n- name: ci\n  user:\n    token: {tok}",
        [k, tok],
    )


@t("private_keys")
def _pgp(g: G) -> tuple[str, str, list[str]]:
    body = _pem_body(g, 2)
    return (
        "PGP private key block",
        "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQVYBGVk"
        + g.pick(B64, 56)
        + "\n"
        + "\n".join(body)
        + "\n="
        + g.pick(B64, 4)
        + "\n-----END PGP PRIVATE KEY BLOCK-----",
        body,
    )


@t("private_keys")
def _putty(g: G) -> tuple[str, str, list[str]]:
    body = _pem_body(g, 2)
    return (
        "PuTTY ppk",
        "PuTTY-User-Key-File-3: ssh-rsa\nEncryption: none\nComment: rsa-key-20261127\nPrivate-Lines: 2\n"
        + "\n".join(body)
        + f"\nPrivate-MAC: {g.pick(HEX, 64)}",
        body,
    )


# --------------------------------------------------------------------------- CI logs


@t("ci_logs")
def _gha_log(g: G) -> tuple[str, str, list[str]]:
    p = g.pw(safe=True)
    return (
        "GitHub Actions log",
        f"2026-11-27T10:21:03.1234567Z ##[group]Run ./deploy.sh\n2026-11-27T10:21:03.1234890Z ./deploy.sh --db-pass {p} --env prod\n2026-11-27T10:21:03.1235001Z ##[endgroup]",
        [p],
    )


@t("ci_logs")
def _gitlab_job(g: G) -> tuple[str, str, list[str]]:
    tok = g.s(B64URL, 20, prefix="glcbt-")
    return (
        "GitLab job log",
        f'$ curl --fail --header "JOB-TOKEN: {tok}" --upload-file dist/app.tgz "https://gitlab.{g.dom()}/api/v4/projects/42/packages/generic/app/1.4.2/app.tgz"\ncurl: (22) The requested URL returned error: 403',
        [tok],
    )


@t("ci_logs")
def _jenkins(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return (
        "Jenkins console",
        f"[Pipeline] sh\n+ ansible-playbook site.yml -e ansible_password={p} -e target=prod\nPLAY [all] *********************************************************************",
        [p],
    )


@t("ci_logs")
def _terraform_plan(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return (
        "terraform plan output",
        f'  # aws_db_instance.main will be updated in-place\n  ~ resource "aws_db_instance" "main" {{\n      ~ password = "{p}" -> (sensitive value)\n        id       = "{g.svc()}-prod"\n    }}',
        [p],
    )


@t("ci_logs")
def _docker_build_arg(g: G) -> tuple[str, str, list[str]]:
    tok = g.s(ALNUM, 36, prefix="ghp_")
    return (
        "docker build --build-arg log",
        f'#7 [builder 3/6] RUN --mount=type=cache,target=/root/.cache pip install -r requirements.txt\n#0 building with "default" instance using docker driver\n docker build --build-arg GITHUB_TOKEN={tok} -t {g.svc()}:ci .',
        [tok],
    )


@t("ci_logs")
def _ansible_debug(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return (
        "ansible debug var",
        f'TASK [debug] *******************************************************************\nok: [{g.host()}] => {{\n    "vault_db_password": "{p}"\n}}',
        [p],
    )


@t("ci_logs")
def _argocd(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return (
        "argocd repo add",
        f"argocd repo add https://git.{g.dom()}/platform/{g.svc()}.git --username argocd --password {p}\nRepository 'https://git.{g.dom()}/platform/{g.svc()}.git' added",
        [p],
    )


# --------------------------------------------------------------------------- application logs


@t("app_logs")
def _rails_params(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return (
        "Rails Parameters",
        f'Processing by SessionsController#create as HTML\n  Parameters: {{"authenticity_token"=>"[FILTERED]", "user"=>{{"email"=>"{g.user()}@{g.dom()}", "pwd"=>"{p}"}}, "commit"=>"Log in"}}',
        [p],
    )


@t("app_logs")
def _java_tostring(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return (
        "Java toString",
        f"2026-11-27 10:22:10.441  INFO 1 --- [main] c.a.{g.svc()}.Config : Loaded DataSourceProperties{{url='jdbc:postgresql://{g.host()}/{g.svc()}', username='app', password='{p}'}}",
        [p],
    )


@t("app_logs")
def _node_error(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return (
        "Node error with options",
        f"MongoServerError: bad auth : authentication failed\n    at Connection.onMessage (/app/node_modules/mongodb/lib/cmap/connection.js:231:30) {{\n  ok: 0,\n  code: 8000,\n  credentials: {{ username: 'app', password: '{p}', source: 'admin' }}\n}}",
        [p],
    )


@t("app_logs")
def _django_debug(g: G) -> tuple[str, str, list[str]]:
    k = g.s(ALNUM + "!@#%^&*(-_=+)", 50)
    return (
        "Django settings dump",
        f"DATABASES = {{'default': {{'ENGINE': 'django.db.backends.postgresql', 'HOST': '{g.host()}'}}}}\nDJANGO_SECRET_KEY = '{k}'",
        [k],
    )


@t("app_logs")
def _logfmt(g: G) -> tuple[str, str, list[str]]:
    p = g.pw(safe=True)
    return (
        "logfmt",
        f'time={g.ts()} level=warn component=smtp msg="retrying" user=alerts@{g.dom()} pass={p} attempt=3',
        [p],
    )


@t("app_logs")
def _php_error(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return (
        "PHP PDO stack trace",
        f"PHP Fatal error:  Uncaught PDOException: SQLSTATE[HY000] [1045] Access denied in /var/www/db.php:12\nStack trace:\n#0 /var/www/db.php(12): PDO->__construct('mysql:host=db;d...', 'wp', '{p}')\n#1 {{main}}",
        [p],
    )


@t("app_logs")
def _dotnet_log(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return (
        ".NET options dump",
        f"info: Startup[0]\n      SmtpOptions {{ Host = smtp.{g.dom()}, Port = 587, UserName = noreply, Password = {p} }}",
        [p],
    )


@t("app_logs")
def _syslog_app(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return (
        "syslog app line",
        f"Nov 27 10:23:45 {g.svc()}-web2 {g.svc()}[{g.n(1000, 60000)}]: auth: LDAP bind failed for service account with credential {p}; falling back to local",
        [p],
    )


# --------------------------------------------------------------------------- debug output


@t("debug_output")
def _git_curl_verbose(g: G) -> tuple[str, str, list[str]]:
    u, p = g.user(), g.s(ALNUM, 36, prefix="ghp_")
    enc = g.raw(lambda: g.b64(f"{u}:{p}"))
    return (
        "GIT_TRACE_CURL",
        f"10:24:01.123456 http.c:756              => Send header, 0000000242 bytes (0x000000f2)\n10:24:01.123460 http.c:768              => Send header: GET /acme/{g.svc()}.git/info/refs?service=git-upload-pack HTTP/1.1\n10:24:01.123463 http.c:768              => Send header: Authorization: Basic {enc}",
        [enc],
    )


@t("debug_output")
def _kubectl_v9(g: G) -> tuple[str, str, list[str]]:
    tok = g.s(B64URL, 120, prefix="eyJhbGciOiJSUzI1NiIsImtpZCI6Ik")
    return (
        "kubectl -v=9",
        f'I1127 10:24:30.112233   {g.n(1000, 60000)} round_trippers.go:466] curl -v -XGET  -H "Accept: application/json" -H "Authorization: Bearer {tok}" \'https://{g.ip()}:6443/api/v1/namespaces/default/pods?limit=500\'',
        [tok],
    )


@t("debug_output")
def _aws_debug(g: G) -> tuple[str, str, list[str]]:
    st = g.s(B64, 150, prefix="FwoGZXIvYXdzE")
    return (
        "aws --debug headers",
        f"2026-11-27 10:25:00,123 - MainThread - botocore.endpoint - DEBUG - Making request for OperationModel(name=ListBuckets) with params: {{'url_path': '/', 'headers': {{'User-Agent': 'aws-cli/2.22.0', 'X-Amz-Security-Token': '{st}'}}}}",
        [st],
    )


@t("debug_output")
def _strace(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return (
        "strace write",
        f'{g.n(1000, 60000)}  write(3, "AUTH {p}\\r\\n", {len(p) + 7}) = {len(p) + 7}\n{g.n(1000, 60000)}  read(3, "+OK\\r\\n", 16384)      = 5',
        [p],
    )


@t("debug_output")
def _tcpdump_ascii(g: G) -> tuple[str, str, list[str]]:
    u, p = g.user(), g.pw()
    enc = g.raw(lambda: g.b64(f"{u}:{p}"))
    return (
        "tcpdump -A",
        f"10:25:31.000111 IP {g.ip()}.51514 > {g.ip()}.80: Flags [P.], seq 1:211, ack 1, win 502, length 210: HTTP: GET /status HTTP/1.1\nE..........@.@..\nGET /status HTTP/1.1\nHost: {g.host()}\nAuthorization: Basic {enc}",
        [enc],
    )


@t("debug_output")
def _requests_debug(g: G) -> tuple[str, str, list[str]]:
    tok = g.s(ALNUM, 40)
    return (
        "http.client debuglevel",
        f"send: b'GET /api/v4/user HTTP/1.1\\r\\nHost: gitlab.{g.dom()}\\r\\nUser-Agent: python-requests/2.32.3\\r\\nPrivate-Token: {tok}\\r\\n\\r\\n'\nreply: 'HTTP/1.1 401 Unauthorized\\r\\n'",
        [tok],
    )


@t("debug_output")
def _ssh_askpass(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return (
        "expect script transcript",
        f'spawn ssh admin@{g.ip()}\nadmin@{g.ip()}\'s password: \nsend: sending "{p}\\r" to {{ exp4 }}',
        [p],
    )


# --------------------------------------------------------------------------- container / orchestration


@t("container_orchestration")
def _helm_template(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return (
        "kubectl get configmap (misused)",
        f'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {g.svc()}-config\ndata:\n  application.conf: |\n    db.user = "app"\n    db.password = "{p}"',
        [p],
    )


@t("container_orchestration")
def _secret_stringdata(g: G) -> tuple[str, str, list[str]]:
    p, k = g.pw(), g.s(ALNUM, 40)
    return (
        "Secret stringData",
        f'apiVersion: v1\nkind: Secret\ntype: Opaque\nstringData:\n  DB_PASS: "{p}"\n  STRIPE_KEY: sk_live_{k}',
        [p, k],
    )


@t("container_orchestration")
def _dockerconfigjson(g: G) -> tuple[str, str, list[str]]:
    inner = (
        '{"auths":{"ghcr.io":{"auth":"' + g.b64(f"{g.user()}:{'ghp_' + g.pick(ALNUM, 36)}") + '"}}}'
    )
    v = g.raw(lambda: g.b64(inner))
    return (
        ".dockerconfigjson",
        f"data:\n  .dockerconfigjson: {v}\ntype: kubernetes.io/dockerconfigjson",
        [v],
    )


@t("container_orchestration")
def _nomad_env(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return (
        "nomad job inspect",
        f'"Env": {{\n  "CONSUL_HTTP_TOKEN": "{(tok := g.s(HEX, 32))}",\n  "QUEUE_PASSWORD": "{p}"\n}},',
        [tok, p],
    )


@t("container_orchestration")
def _ecs_task(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return (
        "ECS task definition env",
        f'            "environment": [\n                {{\n                    "name": "ADMIN_PASSWORD",\n                    "value": "{p}"\n                }}\n            ],',
        [p],
    )


@t("container_orchestration")
def _argocd_secret(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return (
        "argocd initial admin secret",
        f"$ argocd admin initial-password -n argocd\n{p}\n\n This password must be only used for first time login.",
        [p],
    )


# --------------------------------------------------------------------------- credential files


@t("credential_files")
def _netrc(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return ".netrc", f"machine api.{g.dom()}\n  login {g.user()}\n  password {p}", [p]


@t("credential_files")
def _pgpass(g: G) -> tuple[str, str, list[str]]:
    v = g.raw(lambda: g.pw_raw().replace(":", "") + g.pick(DIG, 2))
    return (
        ".pgpass",
        f"{g.host()}:5432:{g.svc()}:app:{v}\n*:*:*:replicator:{(q := g.pw(safe=True))}",
        [v, q],
    )


@t("credential_files")
def _shadow(g: G) -> tuple[str, str, list[str]]:
    h = g.raw(lambda: f"$6${g.pick(ALNUM + './', 16)}${g.pick(ALNUM + './', 86)}")
    return "/etc/shadow hash", f"root:{h}:20050:0:99999:7:::\ndaemon:*:19800:0:99999:7:::", [h]


@t("credential_files")
def _htpasswd_file(g: G) -> tuple[str, str, list[str]]:
    h = g.raw(lambda: f"$apr1${g.pick(ALNUM, 8)}${g.pick(ALNUM + './', 22)}")
    return ".htpasswd", f"{g.user()}:{h}", [h]


@t("credential_files")
def _s3cfg(g: G) -> tuple[str, str, list[str]]:
    s = g.s(B64[:-2] + "/+", 40)
    return (
        ".s3cfg",
        f"[default]\naccess_key = AKIA{g.pick(UPALNUM, 16)}\nsecret_key = {s}\nhost_base = s3.amazonaws.com",
        [s],
    )


@t("credential_files")
def _npmrc(g: G) -> tuple[str, str, list[str]]:
    a = g.raw(lambda: g.b64(g.pw_raw()))
    return (
        ".npmrc _password",
        f"//npm.{g.dom()}/repository/npm/:username=ci\n//npm.{g.dom()}/repository/npm/:_password={a}\n//npm.{g.dom()}/repository/npm/:always-auth=true",
        [a],
    )


@t("credential_files")
def _smb_creds(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return (
        "cifs credentials file",
        f"# /root/.smbcredentials\nusername={g.user()}\npassword={p}\ndomain=CORP",
        [p],
    )


@t("credential_files")
def _composer_auth(g: G) -> tuple[str, str, list[str]]:
    tok = g.s(ALNUM, 36, prefix="ghp_")
    p = g.pw()
    return (
        "composer auth.json",
        f'{{\n    "github-oauth": {{ "github.com": "{tok}" }},\n    "http-basic": {{ "repo.{g.dom()}": {{ "username": "ci", "password": "{p}" }} }}\n}}',
        [tok, p],
    )


# --------------------------------------------------------------------------- markup / tables / csv


@t("markup_tables")
def _markdown_table(g: G) -> tuple[str, str, list[str]]:
    p, q = g.pw(), g.pw()
    return (
        "Markdown table in wiki",
        f"| System | User | Password |\n|--------|------|----------|\n| {g.host()} | admin | `{p}` |\n| iLO {g.ip()} | Administrator | {q} |",
        [p, q],
    )


@t("markup_tables")
def _csv(g: G) -> tuple[str, str, list[str]]:
    a = g.raw(lambda: g.pw_raw().replace(",", "") + "x")
    b = g.raw(lambda: g.pw_raw().replace(",", "") + "y")
    return (
        "CSV export",
        f"id,username,email,password,created\n1,{g.user()},a@{g.dom()},{a},2026-01-04\n2,{g.user()},b@{g.dom()},{b},2026-02-11",
        [a, b],
    )


@t("markup_tables")
def _html_form(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return (
        "HTML saved page",
        f'<form action="/login" method="post">\n  <input name="username" value="{g.user()}">\n  <input type="password" name="password" value="{p}">\n</form>',
        [p],
    )


@t("markup_tables")
def _ascii_table(g: G) -> tuple[str, str, list[str]]:
    k = g.s(ALNUM, 32)
    return (
        "mysql table output",
        f"+----+-----------+----------------------------------+\n| id | name      | secret                           |\n+----+-----------+----------------------------------+\n|  3 | webhook   | {k} |\n+----+-----------+----------------------------------+",
        [k],
    )


@t("markup_tables")
def _latex_or_rst(g: G) -> tuple[str, str, list[str]]:
    p = g.pw()
    return "reST field list", f":Host: {g.host()}\n:Login: svc_{g.svc()}\n:Passwort: {p}", [p]


# --------------------------------------------------------------------------- prose


def _prose(family: str, fmt: str, text: str, kind: str = "pw") -> None:
    def tpl(g: G) -> tuple[str, str, list[str]]:
        v = (
            g.pw()
            if kind == "pw"
            else g.phrase()
            if kind == "phrase"
            else g.pin()
            if kind == "pin"
            else g.s(ALNUM, 32)
        )
        return fmt, text.format(v=v, user=g.user(), host=g.host(), svc=g.svc(), dom=g.dom()), [v]

    TEMPLATES.setdefault(family, []).append(tpl)


P_EN = "prose_english"
_prose(
    P_EN,
    "ticket comment",
    "Hi team, I reset the {svc} service account. New password is {v} -- please rotate it after the incident.",
)
_prose(
    P_EN,
    "chat",
    "[10:31] {user}: can't log in to {host}\n[10:32] oncall: try {v}, that's what's in the vault right now",
)
_prose(
    P_EN,
    "email",
    "From: {user}@{dom}\nSubject: Re: access to staging\n\nThe credentials are admin / {v} (temporary, expires Friday).",
)
_prose(
    P_EN,
    "pin in prose",
    "The HSM partition PIN is {v}; do not write it in the ticket again.",
    "pin",
)
_prose(P_EN, "passphrase in prose", 'Key passphrase: "{v}" (yes, with the spaces)', "phrase")
_prose(
    P_EN,
    "postmortem note",
    "Root cause: the API key {v} was pasted into the public Slack channel and then used from an unknown IP.",
    "key",
)
_prose(P_EN, "commit message", "fix: stop hardcoding the redis password ({v}) in settings.py")
_prose(P_EN, "runbook step", "3. SSH to {host} as root (pw: {v}) and restart the exporter.")

P_ML = "prose_multilingual"
_prose(
    P_ML,
    "German",
    "Hallo, das neue Passwort für den Datenbankbenutzer lautet {v}. Bitte nach dem Einsatz ändern.",
)
_prose(
    P_ML,
    "French",
    "Bonjour, le mot de passe du compte {user} est désormais {v} ; merci de le changer demain.",
)
_prose(
    P_ML, "Spanish", "La contraseña del servidor {host} es {v}, no la compartas fuera del equipo."
)
_prose(P_ML, "Portuguese", "A senha do banco de produção agora é {v} (trocar depois do incidente).")
_prose(P_ML, "Italian", "La password dell'utente admin è {v}, valida fino a venerdì.")
_prose(P_ML, "Dutch", "Het wachtwoord voor de VPN is {v}, graag na gebruik wijzigen.")
_prose(P_ML, "Polish", "Hasło do konta serwisowego to {v} – proszę je zmienić po awarii.")
_prose(P_ML, "Japanese", "本番DBのパスワードは {v} です。作業後に変更してください。")
_prose(P_ML, "Chinese", "服务器 {host} 的密码是 {v}，请勿外传。")
_prose(P_ML, "Hindi", "सर्वर का पासवर्ड {v} है, कृपया इसे किसी के साथ साझा न करें।")
_prose(P_ML, "Russian", "Пароль от учётной записи {user}: {v} — смените после инцидента.")
_prose(P_ML, "Turkish", "Yönetici şifresi {v} olarak güncellendi.")
_prose(P_ML, "Swedish", "Lösenordet till {host} är {v}.")
_prose(P_ML, "Korean", "관리자 비밀번호는 {v} 입니다.")
_prose(P_ML, "German API key", "Der API-Schlüssel für das Monitoring ist {v}.", "key")
_prose(P_ML, "Spanish PIN", "El PIN de la tarjeta de acceso es {v}.", "pin")


# --------------------------------------------------------------------------- keep list


def _kid(g: G) -> str:
    return f"{g.pick(HEX, 8)}-{g.pick(HEX, 4)}-4{g.pick(HEX, 3)}-{g.r.choice('89ab')}{g.pick(HEX, 3)}-{g.pick(HEX, 12)}"


KeepTpl = Callable[[G], tuple[str, str, list[str]]]
KEEPS: list[KeepTpl] = []


def k(fn: KeepTpl) -> KeepTpl:
    KEEPS.append(fn)
    return fn


@k
def _k_trace(g: G) -> tuple[str, str, list[str]]:
    tr, sp = g.pick(HEX, 32), g.pick(HEX, 16)
    return (
        "otel trace/span ids near 'token'",
        f"{g.ts()} ERROR token refresh failed trace_id={tr} span_id={sp} service.name={g.svc()}",
        [tr, sp],
    )


@k
def _k_traceparent(g: G) -> tuple[str, str, list[str]]:
    tr, sp = g.pick(HEX, 32), g.pick(HEX, 16)
    return (
        "traceparent header",
        f"traceparent: 00-{tr}-{sp}-01\nauthorization: [REDACTED]",
        [tr, sp],
    )


@k
def _k_uuid_req(g: G) -> tuple[str, str, list[str]]:
    a, b = _kid(g), _kid(g)
    return (
        "request id / correlation id",
        f"x-request-id: {a}\nx-correlation-id: {b}\nHTTP/1.1 401 Unauthorized (invalid auth token)",
        [a, b],
    )


@k
def _k_digest(g: G) -> tuple[str, str, list[str]]:
    d = "sha256:" + g.pick(HEX, 64)
    return (
        "image digest",
        f"Pulling registry.{g.dom()}/{g.svc()}@{d}\nError: unauthorized: authentication required",
        [d],
    )


@k
def _k_gitsha(g: G) -> tuple[str, str, list[str]]:
    a, b = g.pick(HEX, 40), g.pick(HEX, 7)
    return (
        "git SHAs",
        f"HEAD is now at {b} rotate secret key handling\ncommit {a}\nAuthor: {g.user()} <{g.user()}@{g.dom()}>",
        [a, b],
    )


@k
def _k_versions(g: G) -> tuple[str, str, list[str]]:
    v1, v2 = (
        f"{g.n(1, 9)}.{g.n(0, 30)}.{g.n(0, 20)}",
        f"v{g.n(1, 3)}.{g.n(0, 40)}.{g.n(0, 9)}-rc.{g.n(1, 5)}",
    )
    return (
        "versions",
        f"openssl {v1} 11 Oct 2026; vault-agent {v2} auth method kubernetes",
        [v1, v2],
    )


@k
def _k_pod(g: G) -> tuple[str, str, list[str]]:
    pod = f"{g.svc()}-api-{g.pick(HEX[:10] + 'bcdfghjklmnpqrstvwxz', 10)}-{g.pick(LOALNUM, 5)}"
    cid = "containerd://" + g.pick(HEX, 64)
    return (
        "pod and container ids",
        f"Pod {pod} token-refresher container restarted\n    Container ID:   {cid}",
        [pod, cid],
    )


@k
def _k_errors(g: G) -> tuple[str, str, list[str]]:
    e1, e2 = (
        f"ORA-{g.n(10000, 29999):05d}",
        f"0x{g.pick('89ABCDEF', 1)}{g.pick('0123456789ABCDEF', 7)}",
    )
    return (
        "error codes",
        f"{e1}: invalid username/password; logon denied\nCredential provider returned HRESULT {e2}",
        [e1, e2],
    )


@k
def _k_ssh_fp(g: G) -> tuple[str, str, list[str]]:
    fp = "SHA256:" + g.pick(B64[:-1], 43)
    return (
        "ssh key fingerprint",
        f"Accepted publickey for deploy from {g.ip()} port {g.n(30000, 65000)} ssh2: ED25519 {fp}",
        [fp],
    )


@k
def _k_pid_port(g: G) -> tuple[str, str, list[str]]:
    pid, port = str(g.n(10000, 4000000)), str(g.n(20000, 65000))
    return (
        "pid and port",
        f"auth-proxy[{pid}]: listening on 127.0.0.1:{port} (token cache warm)",
        [pid, f"127.0.0.1:{port}"],
    )


@k
def _k_inode(g: G) -> tuple[str, str, list[str]]:
    ino = str(g.n(1000000, 99999999))
    path = f"/var/lib/{g.svc()}/secrets/.lock"
    return "inode and path", f"lsof: {path} inode {ino} held by pid {g.n(1000, 60000)}", [ino, path]


@k
def _k_aws_ids(g: G) -> tuple[str, str, list[str]]:
    rid, id2 = g.pick(UPALNUM, 16), g.pick(B64, 76)
    return (
        "S3 request ids",
        f"An error occurred (InvalidAccessKeyId) when calling the PutObject operation\nx-amz-request-id: {rid}\nx-amz-id-2: {id2}",
        [rid, id2],
    )


@k
def _k_cfray(g: G) -> tuple[str, str, list[str]]:
    ray = g.pick(HEX, 16) + "-" + g.r.choice(["FRA", "AMS", "IAD", "SJC", "NRT"])
    return (
        "cf-ray",
        f'cf-ray: {ray}\nwww-authenticate: Bearer realm="api", error="invalid_token"',
        [ray],
    )


@k
def _k_stripe_req(g: G) -> tuple[str, str, list[str]]:
    r = "req_" + g.pick(ALNUM, 14)
    return (
        "vendor request id",
        f"Stripe::AuthenticationError (Request {r}): Invalid API Key provided: sk_live_****************1234",
        [r],
    )


@k
def _k_cert_serial(g: G) -> tuple[str, str, list[str]]:
    ser = ":".join(g.pick(HEX, 2) for _ in range(16))
    fp = ":".join(g.pick("0123456789ABCDEF", 2) for _ in range(32))
    return (
        "certificate serial / fingerprint",
        f"        Serial Number:\n            {ser}\nsha256 Fingerprint={fp}",
        [ser, fp],
    )


@k
def _k_gpg_keyid(g: G) -> tuple[str, str, list[str]]:
    kid = g.pick("0123456789ABCDEF", 16)
    return (
        "gpg key id",
        f"gpg: Signature made Thu 27 Nov 2026 10:40:01 AM UTC\ngpg:                using RSA key {kid}\ngpg: Can't check signature: No public key",
        [kid],
    )


@k
def _k_metrics(g: G) -> tuple[str, str, list[str]]:
    a, b = f"{g.n(1, 999)}.{g.n(0, 999):03d}", str(g.n(100000, 9999999))
    return (
        "metrics",
        f'auth_token_validation_seconds_sum{{service="{g.svc()}"}} {a}\nauth_token_validation_total{{result="expired"}} {b}',
        [a, b],
    )


@k
def _k_jwt_kid(g: G) -> tuple[str, str, list[str]]:
    kid = g.pick(HEX, 40)
    return (
        "JWT kid (public key id)",
        f"jwt verification failed: no key with kid={kid} in JWKS https://auth.{g.dom()}/.well-known/jwks.json",
        [kid],
    )


@k
def _k_ts(g: G) -> tuple[str, str, list[str]]:
    t1, t2 = g.ts(), str(g.n(1764000000, 1799999999))
    return "timestamps", f"{t1} password expiry check: expires_at={t2}", [t1, t2]


@k
def _k_ecr_digest(g: G) -> tuple[str, str, list[str]]:
    d = "sha256:" + g.pick(HEX, 64)
    tag = f"{g.n(1, 5)}.{g.n(0, 20)}.{g.n(0, 9)}-{g.pick(HEX, 7)}"
    return (
        "k8s imageID",
        f"    Image:          ghcr.io/acme/{g.svc()}:{tag}\n    Image ID:       ghcr.io/acme/{g.svc()}@{d}",
        [tag, d],
    )


@k
def _k_kubeadm_hash(g: G) -> tuple[str, str, list[str]]:
    h = "sha256:" + g.pick(HEX, 64)
    return "CA cert hash (public)", f"--discovery-token-ca-cert-hash {h}", [h]


@k
def _k_checksum(g: G) -> tuple[str, str, list[str]]:
    m, s = g.pick(HEX, 32), g.pick(HEX, 64)
    return (
        "checksums",
        f"{s}  vault_1.18.2_linux_amd64.zip\nMD5 (secrets-backup.tar.gz) = {m}",
        [s, m],
    )


@k
def _k_hosts(g: G) -> tuple[str, str, list[str]]:
    h, ip = g.host(), g.ip()
    return (
        "hostnames / ips",
        f"token endpoint https://{h}/oauth2/token resolved to {ip}, connect timeout",
        [h, ip],
    )


@k
def _k_journald(g: G) -> tuple[str, str, list[str]]:
    boot = g.pick(HEX, 32)
    unit = f"{g.svc()}-token-rotator.service"
    return (
        "journald boot id/unit",
        f"-- Boot {boot} --\nNov 27 10:45:00 node1 systemd[1]: {unit}: Main process exited, code=exited, status=1/FAILURE",
        [boot, unit],
    )


@k
def _k_gh_run(g: G) -> tuple[str, str, list[str]]:
    run, job = str(g.n(10**9, 10**10)), str(g.n(10**10, 10**11))
    return (
        "CI run/job ids",
        f"Run https://github.com/acme/{g.svc()}/actions/runs/{run}/job/{job} failed: secret GITHUB_TOKEN lacks packages:write",
        [run, job],
    )


@k
def _k_vault_accessor(g: G) -> tuple[str, str, list[str]]:
    lease = f"database/creds/{g.svc()}-ro/{g.pick(ALNUM, 24)}"
    return "Vault lease id", f"lease revoked: lease_id={lease}", [lease]


@k
def _k_k8s_uid(g: G) -> tuple[str, str, list[str]]:
    uid = _kid(g)
    rv = str(g.n(1000000, 99999999))
    return (
        "k8s uid / resourceVersion",
        f'metadata:\n  name: {g.svc()}-db-credentials\n  resourceVersion: "{rv}"\n  uid: {uid}\ntype: Opaque',
        [uid, rv],
    )


@k
def _k_azure_ids(g: G) -> tuple[str, str, list[str]]:
    code = f"AADSTS{g.n(50000, 700099)}"
    corr = _kid(g)
    return (
        "Azure AD error",
        f"{code}: Invalid client secret provided. Trace ID: {_kid(g)} Correlation ID: {corr}",
        [code, corr],
    )


@k
def _k_sentry_event(g: G) -> tuple[str, str, list[str]]:
    ev = g.pick(HEX, 32)
    return "Sentry event id", f"Sentry captured event {ev} for PasswordResetError", [ev]


@k
def _k_span_json(g: G) -> tuple[str, str, list[str]]:
    tr, sp, ps = g.pick(HEX, 32), g.pick(HEX, 16), g.pick(HEX, 16)
    return (
        "JSON span",
        f'{{"name":"POST /auth/token","traceId":"{tr}","spanId":"{sp}","parentSpanId":"{ps}","status":{{"code":2}}}}',
        [tr, sp, ps],
    )


@k
def _k_mac_wwn(g: G) -> tuple[str, str, list[str]]:
    mac = ":".join(g.pick(HEX, 2) for _ in range(6))
    return "MAC address", f"eth0: link up, hwaddr {mac}; 802.1X auth failed (EAP timeout)", [mac]


@k
def _k_dmesg(g: G) -> tuple[str, str, list[str]]:
    addr = "ffff" + g.pick(HEX, 12)
    return (
        "kernel addresses",
        f"[ {g.n(100, 99999)}.{g.n(100000, 999999)}] keyring: request_key failed at {addr}, err -126",
        [addr],
    )


@k
def _k_etag(g: G) -> tuple[str, str, list[str]]:
    e = g.pick(HEX, 32)
    return "ETag", f'ETag: "{e}"\nx-secret-scan: skipped', [e]


@k
def _k_ssh_pubkey_comment(g: G) -> tuple[str, str, list[str]]:
    kid = "AKIA" + g.pick(UPALNUM, 16)
    return (
        "AWS access key id in CloudTrail (identifier)",
        f'"userIdentity": {{"type": "IAMUser", "accessKeyId": "{kid}", "userName": "ci-deployer"}}',
        [kid],
    )


def cases(seed: int = DEFAULT_SEED) -> list[Case]:
    g = G(random.Random(seed))
    out: list[Case] = []
    for family, templates in TEMPLATES.items():
        for tpl in templates:
            for _ in range(VARIANTS):
                fmt, text, values = tpl(g)
                lines = tuple(line + "\n" for line in text.split("\n"))
                out.append(Case(family, fmt, lines, tuple(values)))
    return out


def keep_list(seed: int = DEFAULT_SEED) -> list[Keep]:
    g = G(random.Random(seed + 1))
    out: list[Keep] = []
    for tpl in KEEPS:
        for _ in range(KEEP_VARIANTS):
            fmt, text, tokens = tpl(g)
            out.append(Keep(fmt, tuple(line + "\n" for line in text.split("\n")), tuple(tokens)))
    return out


def _check() -> None:
    from collections import Counter

    cs, ks = cases(), keep_list()
    assert cs == cases() and ks == keep_list(), "not deterministic"
    seen: set[str] = set()
    per_family: Counter[str] = Counter()
    for c in cs:
        text = "".join(c.lines)
        assert all(line.endswith("\n") and line.count("\n") == 1 for line in c.lines), c.format
        assert c.values, c.format
        for v in c.values:
            assert len(v) >= 6, (c.format, v)
            assert v in text, (c.format, v)
            assert v not in seen, (c.format, v)
            seen.add(v)
        per_family[c.family] += len(c.values)
    n_tokens = 0
    for kp in ks:
        text = "".join(kp.lines)
        assert all(line.endswith("\n") and line.count("\n") == 1 for line in kp.lines), kp.format
        for tok in kp.tokens:
            assert tok in text, (kp.format, tok)
            assert not any(tok in v or v in tok for v in seen if len(v) >= 8), (kp.format, tok)
        n_tokens += len(kp.tokens)
    for fam, n in per_family.items():
        print(f"{fam:32s} {n:4d}")
    print(
        f"families={len(per_family)} formats={len({c.format for c in cs})} cases={len(cs)} values={len(seen)} keep_lines={sum(len(kp.lines) for kp in ks)} keep_entries={len(ks)} keep_tokens={n_tokens}"
    )


if __name__ == "__main__":
    _check()
