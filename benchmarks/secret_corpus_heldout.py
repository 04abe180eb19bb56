"""A held-out planted-secret corpus, written without looking at the recognizers.

Its families differ from benchmarks/secret_corpus.py (the corpus the recognizers are tuned on):
secrets passed as command-line flags and environment settings, inside protocol authentication
exchanges and headers, in configuration syntaxes beyond ``key=value`` (XML, properties, TOML,
HCL, PHP/Ruby/Go/Python literals, SQL, connection strings, .netrc, .pgpass), in URL paths and
query strings, base64 under secret-bearing keys, vendor tokens absent from the tuned corpus, and
secrets stated in prose. Every template is instantiated ``VARIANTS`` times with fresh values and
names, so a miss is a family that fails, not one unlucky random string.

It also yields a keep-list: diagnostic tokens (trace and span ids, UUIDs, digests, git SHAs,
versions, timestamps, pod and container names) placed in the same kinds of lines, often next to
words such as "token" or "auth", that a sanitizer must leave intact.

Values come from a seeded random source: the corpus is the same on every run and holds no real
credential. Nothing here may be used to tune the recognizers; benchmarks/secret_leaks.py reports
it separately from the tuned corpus.
"""

from __future__ import annotations

import base64
import random
import string
import uuid
from collections.abc import Callable, Iterator
from typing import NamedTuple

ALNUM = string.ascii_letters + string.digits
LOWER = string.ascii_lowercase
HEX = "0123456789abcdef"
SYMBOLS = "!#$%^*-_+=.~"
WORDS = [
    "maple",
    "river",
    "falcon",
    "copper",
    "orchid",
    "tundra",
    "velvet",
    "harbor",
    "quartz",
    "ember",
    "lantern",
    "cobalt",
    "meadow",
    "saffron",
    "glacier",
    "thistle",
    "summit",
    "juniper",
]
VARIANTS = 5


class Case(NamedTuple):
    family: str
    format: str
    lines: tuple[str, ...]
    values: tuple[str, ...]


class Keep(NamedTuple):
    format: str
    lines: tuple[str, ...]
    tokens: tuple[str, ...]


def _pick(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def password(rng: random.Random) -> str:
    """A password as people and generators make them: random, word-based, or hex/base64."""
    style = rng.randrange(4)
    if style == 0:
        body = _pick(rng, ALNUM, rng.randint(9, 20))
        at = rng.randrange(len(body))
        return body[:at] + rng.choice(SYMBOLS) + body[at:] + rng.choice(string.digits)
    if style == 1:
        word = rng.choice(WORDS).capitalize()
        return f"{word}{rng.randint(10, 9999)}{rng.choice('!#$%*')}"
    if style == 2:
        return _pick(rng, HEX, rng.choice((24, 32)))
    return base64.b64encode(rng.randbytes(rng.choice((18, 24, 33)))).decode()


def key_name(rng: random.Random, style: str) -> str:
    """A secret-bearing name in one of the spellings configs and environments use."""
    stem = rng.choice(
        (
            ("db", "password"),
            ("admin", "password"),
            ("smtp", "passwd"),
            ("ldap", "bind", "password"),
            ("keystore", "password"),
            ("redis", "auth"),
            ("client", "secret"),
            ("api", "token"),
            ("webhook", "secret"),
            ("signing", "key"),
            ("master", "key"),
            ("service", "credential"),
            ("root", "pwd"),
            ("auth", "token"),
            ("encryption", "key"),
        )
    )
    if style == "env":
        return "_".join(stem).upper()
    if style == "dotted":
        prefix = rng.choice(("spring.datasource", "app", "mail", "security.oauth2", "broker"))
        return prefix + "." + stem[-1] if rng.random() < 0.5 else ".".join(stem)
    if style == "camel":
        return stem[0] + "".join(part.capitalize() for part in stem[1:])
    if style == "kebab":
        return "-".join(stem)
    return "_".join(stem)


def _host(rng: random.Random) -> str:
    return f"{rng.choice(('db', 'mq', 'cache', 'ldap', 'mail'))}{rng.randint(1, 9)}.corp.example"


def _user(rng: random.Random) -> str:
    return rng.choice(("svc", "app", "deploy", "etl", "ops")) + "_" + _pick(rng, LOWER, 4)


Template = Callable[[random.Random], tuple[str, tuple[str, ...], tuple[str, ...]]]


def _one(fmt: str, line: str, value: str) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    return fmt, (line + "\n",), (value,)


# --- command lines and environments ---------------------------------------------------------


def cli_flag_space(rng: random.Random):  # type: ignore[no-untyped-def]
    v, flag = password(rng), rng.choice(("--password", "--db-password", "--token", "--secret"))
    cmd = rng.choice(("/usr/local/bin/backup-agent", "java -jar worker.jar", "python3 sync.py"))
    return _one("CLI flag then space", f"{cmd} --host {_host(rng)} {flag} {v} --verbose", v)


def cli_flag_equals(rng: random.Random):  # type: ignore[no-untyped-def]
    v = password(rng)
    flag = rng.choice(("--admin-password", "--auth-token", "--client-secret", "--api-key"))
    return _one("CLI --flag=value", f"ExecStart=/opt/svc/bin/svc {flag}={v} --port 8443", v)


def mysql_p(rng: random.Random):  # type: ignore[no-untyped-def]
    v = _pick(rng, ALNUM, rng.randint(10, 16))
    return _one("mysql -pSECRET", f"root 2231 mysqldump -u root -p{v} --all-databases", v)


def curl_u(rng: random.Random):  # type: ignore[no-untyped-def]
    v = password(rng).replace(":", "")
    line = f"+ curl -sf -u {_user(rng)}:{v} https://{_host(rng)}/api/health"
    return _one("curl -u user:pass", line, v)


def sshpass(rng: random.Random):  # type: ignore[no-untyped-def]
    v = password(rng)
    return _one("sshpass -p", f"sshpass -p '{v}' ssh -o StrictHostKeyChecking=no ops@bastion", v)


def docker_login(rng: random.Random):  # type: ignore[no-untyped-def]
    v = _pick(rng, ALNUM, 24)
    line = f"docker login -u ci-bot -p {v} registry.corp.example"
    return _one("docker login -p", line, v)


def docker_env(rng: random.Random):  # type: ignore[no-untyped-def]
    v, name = password(rng), key_name(rng, "env")
    return _one("docker run -e NAME=value", f"docker run -d -e {name}={v} postgres:16", v)


def systemd_env(rng: random.Random):  # type: ignore[no-untyped-def]
    v, name = password(rng), key_name(rng, "env")
    return _one("systemd Environment=", f'Environment="{name}={v}"', v)


def dockerfile_env(rng: random.Random):  # type: ignore[no-untyped-def]
    v, name = password(rng), key_name(rng, "env")
    return _one("Dockerfile ENV name value", f"Step 4/9 : ENV {name} {v}", v)


def windows_set(rng: random.Random):  # type: ignore[no-untyped-def]
    v, name = password(rng), key_name(rng, "env")
    return _one("Windows set NAME=value", f"C:\\deploy> set {name}={v}", v)


def prefixed_env(rng: random.Random):  # type: ignore[no-untyped-def]
    v = password(rng)
    name = rng.choice(
        ("SPRING_DATASOURCE_PASSWORD", "RABBITMQ_DEFAULT_PASS", "KEYCLOAK_ADMIN_PASSWORD")
    )
    return _one("prefixed env var in env dump", f"{name}={v}", v)


def ps_env_dump(rng: random.Random):  # type: ignore[no-untyped-def]
    v, name = password(rng), key_name(rng, "env")
    line = f"PATH=/usr/bin HOME=/srv/app {name}={v} LANG=C.UTF-8"
    return _one("/proc/PID/environ dump", line, v)


def k8s_env_pair(rng: random.Random):  # type: ignore[no-untyped-def]
    v, name = password(rng), key_name(rng, "env")
    lines = ("        env:\n", f"        - name: {name}\n", f"          value: {v}\n")
    return "Kubernetes env name/value", lines, (v,)


# --- protocol exchanges and headers ----------------------------------------------------------


def redis_auth_error(rng: random.Random):  # type: ignore[no-untyped-def]
    v = password(rng)
    line = (
        f"redis.exceptions.ResponseError: Command # 1 (AUTH default:{v}) of pipeline caused error"
    )
    return _one("Redis AUTH user:pass in client error", line, v)


def redis_monitor(rng: random.Random):  # type: ignore[no-untyped-def]
    v = password(rng).replace('"', "")
    line = f'1733043112.481927 [0 10.0.3.7:51544] "AUTH" "default" "{v}"'
    return _one("Redis MONITOR AUTH", line, v)


def redis_cli(rng: random.Random):  # type: ignore[no-untyped-def]
    v = password(rng)
    return _one("redis-cli -a", f"redis-cli -h {_host(rng)} -p 6379 -a {v} ping", v)


def smtp_auth_plain(rng: random.Random):  # type: ignore[no-untyped-def]
    pw = password(rng)
    blob = base64.b64encode(f"\0{_user(rng)}@corp.example\0{pw}".encode()).decode()
    return _one("SMTP AUTH PLAIN (SASL)", f"smtp: >>> AUTH PLAIN {blob}", blob)


def smtp_auth_login(rng: random.Random):  # type: ignore[no-untyped-def]
    pw = password(rng)
    blob = base64.b64encode(pw.encode()).decode()
    lines = ("C: AUTH LOGIN\n", "S: 334 UGFzc3dvcmQ6\n", f"C: {blob}\n", "S: 235 2.7.0 ok\n")
    return "SMTP AUTH LOGIN password line", lines, (blob,)


def imap_login(rng: random.Random):  # type: ignore[no-untyped-def]
    v = password(rng).replace('"', "")
    return _one("IMAP LOGIN", f'a001 LOGIN {_user(rng)} "{v}"', v)


def ftp_pass(rng: random.Random):  # type: ignore[no-untyped-def]
    v = password(rng)
    return _one(
        "FTP PASS", f"Tue Dec  1 06:00:01 2026 [pid 4242] FTP command: Client ::1, PASS {v}", v
    )


def proxy_authorization(rng: random.Random):  # type: ignore[no-untyped-def]
    blob = base64.b64encode(f"{_user(rng)}:{password(rng)}".encode()).decode()
    return _one("Proxy-Authorization Basic", f"> Proxy-Authorization: Basic {blob}", blob)


def token_scheme(rng: random.Random):  # type: ignore[no-untyped-def]
    v = _pick(rng, HEX, 40)
    scheme = rng.choice(("Token", "token", "ApiKey", "SSWS", "Splunk"))
    return _one("Authorization: <scheme> value", f'headers={{"Authorization": "{scheme} {v}"}}', v)


def auth_header_names(rng: random.Random):  # type: ignore[no-untyped-def]
    v = _pick(rng, ALNUM, 32)
    name = rng.choice(
        ("X-Auth-Token", "X-Vault-Token", "X-Figma-Token", "X-Shopify-Access-Token", "apikey")
    )
    return _one("custom auth header", f"request header {name}: {v}", v)


def cookie_header(rng: random.Random):  # type: ignore[no-untyped-def]
    v = _pick(rng, ALNUM, 32)
    name = rng.choice(("JSESSIONID", "sessionid", "PHPSESSID", "connect.sid", "_gitlab_session"))
    return _one("Cookie header", f"Cookie: theme=dark; {name}={v}; lang=en", v)


def set_cookie(rng: random.Random):  # type: ignore[no-untyped-def]
    v = _pick(rng, ALNUM + "-_", 40)
    line = f"< Set-Cookie: remember_token={v}; Path=/; HttpOnly; Secure"
    return _one("Set-Cookie", line, v)


def http_request_log_auth(rng: random.Random):  # type: ignore[no-untyped-def]
    v = _pick(rng, ALNUM, 28)
    line = f"DEBUG urllib3: send: b'GET /v1/status HTTP/1.1\\r\\nX-Api-Key: {v}\\r\\n'"
    return _one("auth header inside a bytes dump", line, v)


# --- configuration syntaxes ------------------------------------------------------------------


def xml_element(rng: random.Random):  # type: ignore[no-untyped-def]
    v, name = password(rng), key_name(rng, "camel")
    return _one("XML element", f"    <{name}>{v}</{name}>", v)


def xml_attribute(rng: random.Random):  # type: ignore[no-untyped-def]
    v = password(rng).replace('"', "")
    line = f'<Resource name="jdbc/app" username="{_user(rng)}" password="{v}" maxTotal="20"/>'
    return _one("XML attribute", line, v)


def maven_server(rng: random.Random):  # type: ignore[no-untyped-def]
    v = password(rng)
    return _one("Maven settings.xml", f"<server><id>nexus</id><password>{v}</password></server>", v)


def properties(rng: random.Random):  # type: ignore[no-untyped-def]
    v, name = password(rng), key_name(rng, "dotted")
    return _one("Java .properties", f"{name}={v}", v)


def properties_colon(rng: random.Random):  # type: ignore[no-untyped-def]
    v, name = password(rng), key_name(rng, "dotted")
    return _one("Spring yaml flattened", f"  {name}: {v}", v)


def toml(rng: random.Random):  # type: ignore[no-untyped-def]
    v, name = password(rng), key_name(rng, "snake")
    return _one("TOML string", f'{name} = "{v}"', v)


def hcl(rng: random.Random):  # type: ignore[no-untyped-def]
    v, name = password(rng), key_name(rng, "snake")
    return _one("HCL attribute", f'  {name:<16} = "{v}"', v)


def ini_spaces(rng: random.Random):  # type: ignore[no-untyped-def]
    v = password(rng)
    name = rng.choice(("secret", "password", "auth_pass", "bindpw"))
    return _one("INI with spaces", f"{name} = {v}", v)


def php_array(rng: random.Random):  # type: ignore[no-untyped-def]
    v, name = password(rng).replace("'", ""), key_name(rng, "snake")
    return _one("PHP array =>", f"    '{name}' => '{v}',", v)


def ruby_hash(rng: random.Random):  # type: ignore[no-untyped-def]
    v = password(rng).replace('"', "")
    return _one("Ruby symbol =>", f'  :password => "{v}", :host => "{_host(rng)}"', v)


def ruby_new_hash(rng: random.Random):  # type: ignore[no-untyped-def]
    v, name = password(rng).replace('"', ""), key_name(rng, "snake")
    return _one("Ruby name: value", f'config = {{ {name}: "{v}", timeout: 5 }}', v)


def go_walrus(rng: random.Random):  # type: ignore[no-untyped-def]
    v, name = password(rng).replace('"', ""), key_name(rng, "camel")
    return _one("Go :=", f'\t{name} := "{v}"', v)


def go_struct(rng: random.Random):  # type: ignore[no-untyped-def]
    v = password(rng).replace('"', "")
    return _one("Go struct literal", f'cfg := Config{{Host: "{_host(rng)}", Password: "{v}"}}', v)


def php_arrow(rng: random.Random):  # type: ignore[no-untyped-def]
    v = password(rng).replace("'", "")
    return _one("PHP object ->", f"$mailer->Password = '{v}';", v)


def arrow_log(rng: random.Random):  # type: ignore[no-untyped-def]
    v, name = password(rng), key_name(rng, "snake")
    return _one("name -> value in a debug dump", f"config dump: {name} -> {v}", v)


def python_kwarg(rng: random.Random):  # type: ignore[no-untyped-def]
    v = password(rng).replace("'", "")
    line = f"psycopg2.connect(host='{_host(rng)}', user='{_user(rng)}', password='{v}')"
    return _one("Python keyword argument", line, v)


def python_repr_dict(rng: random.Random):  # type: ignore[no-untyped-def]
    v, name = password(rng).replace("'", ""), key_name(rng, "snake")
    return _one("Python dict repr", f"settings loaded: {{'debug': False, '{name}': '{v}'}}", v)


def yaml_flow(rng: random.Random):  # type: ignore[no-untyped-def]
    v = password(rng)
    return _one("YAML flow mapping", f"auth: {{user: {_user(rng)}, pass: {v}}}", v)


def json_nested_escaped(rng: random.Random):  # type: ignore[no-untyped-def]
    v, name = password(rng), key_name(rng, "camel")
    line = f'{{"msg":"cfg","payload":"{{\\"{name}\\":\\"{v}\\"}}"}}'
    return _one("escaped JSON inside JSON", line, v)


def sql_identified_by(rng: random.Random):  # type: ignore[no-untyped-def]
    v = password(rng).replace("'", "")
    return _one("SQL IDENTIFIED BY", f"CREATE USER '{_user(rng)}'@'%' IDENTIFIED BY '{v}';", v)


def sql_with_password(rng: random.Random):  # type: ignore[no-untyped-def]
    v = password(rng).replace("'", "")
    line = f"LOG:  statement: ALTER ROLE {_user(rng)} WITH LOGIN PASSWORD '{v}'"
    return _one("SQL ROLE ... PASSWORD", line, v)


def sql_set_password(rng: random.Random):  # type: ignore[no-untyped-def]
    v = password(rng).replace("'", "")
    return _one("SQL SET PASSWORD", f"SET PASSWORD FOR 'app'@'localhost' = '{v}';", v)


def sql_insert(rng: random.Random):  # type: ignore[no-untyped-def]
    v = _pick(rng, ALNUM, 32)
    line = f"INSERT INTO api_keys (owner, api_key) VALUES ('{_user(rng)}', '{v}')"
    return _one("SQL column named like a secret", line, v)


def ado_conn(rng: random.Random):  # type: ignore[no-untyped-def]
    v = password(rng).replace(";", "")
    line = f"Server=tcp:{_host(rng)},1433;Database=app;User ID={_user(rng)};Password={v};"
    return _one(".NET connection string", line, v)


def odbc_pwd(rng: random.Random):  # type: ignore[no-untyped-def]
    v = password(rng).replace(";", "")
    line = f"DRIVER={{ODBC Driver 18}};SERVER={_host(rng)};UID=sa;PWD={v};Encrypt=yes"
    return _one("ODBC PWD=", line, v)


def libpq_keyword(rng: random.Random):  # type: ignore[no-untyped-def]
    v = password(rng).replace("'", "")
    line = f"dsn: host={_host(rng)} dbname=app user={_user(rng)} password={v} sslmode=require"
    return _one("libpq keyword/value", line, v)


def netrc(rng: random.Random):  # type: ignore[no-untyped-def]
    v = password(rng)
    return _one(".netrc", f"machine {_host(rng)} login {_user(rng)} password {v}", v)


def pgpass(rng: random.Random):  # type: ignore[no-untyped-def]
    v = password(rng).replace(":", "")
    return _one(".pgpass line", f"{_host(rng)}:5432:app:{_user(rng)}:{v}", v)


def htpasswd(rng: random.Random):  # type: ignore[no-untyped-def]
    v = "$apr1$" + _pick(rng, ALNUM, 8) + "$" + _pick(rng, ALNUM + "./", 22)
    return _one("htpasswd hash", f"{_user(rng)}:{v}", v)


def shadow_hash(rng: random.Random):  # type: ignore[no-untyped-def]
    v = "$6$" + _pick(rng, ALNUM, 16) + "$" + _pick(rng, ALNUM + "./", 86)
    return _one("/etc/shadow hash", f"{_user(rng)}:{v}:19700:0:99999:7:::", v)


def ansible_vars(rng: random.Random):  # type: ignore[no-untyped-def]
    v = password(rng)
    return _one(
        "ansible extra vars",
        f"ansible-playbook site.yml -e ansible_become_pass={v} -e env=prod",
        v,
    )


def wpa(rng: random.Random):  # type: ignore[no-untyped-def]
    v = password(rng).replace('"', "")
    return _one("wpa_supplicant psk", f'    psk="{v}"', v)


# --- URLs -------------------------------------------------------------------------------------


def url_userinfo_schemes(rng: random.Random):  # type: ignore[no-untyped-def]
    v = _pick(rng, ALNUM, rng.randint(12, 20))
    scheme = rng.choice(("amqp", "mongodb+srv", "ftp", "smtps", "ldap", "mysql", "https"))
    return _one("URL userinfo", f"connecting to {scheme}://{_user(rng)}:{v}@{_host(rng)}/x", v)


def url_query(rng: random.Random):  # type: ignore[no-untyped-def]
    v = _pick(rng, ALNUM, 32)
    name = rng.choice(("api_key", "apikey", "access_token", "token", "client_secret", "key"))
    line = f'10.0.0.4 - - [01/Dec/2026:06:00:00 +0000] "GET /v2/search?q=x&{name}={v} HTTP/1.1" 200'
    return _one("URL query parameter", line, v)


def url_sas_sig(rng: random.Random):  # type: ignore[no-untyped-def]
    raw = base64.b64encode(rng.randbytes(32)).decode()
    v = raw.replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")
    line = (
        "PUT https://acct.blob.core.windows.net/c/b.tar?sv=2022-11-02&se=2026-12-02"
        f"&sr=b&sp=rw&sig={v}"
    )
    return _one("Azure SAS sig in URL", line, v)


def jdbc_query(rng: random.Random):  # type: ignore[no-untyped-def]
    v = password(rng).replace("&", "")
    line = f"jdbc:mysql://{_host(rng)}:3306/app?user={_user(rng)}&password={v}&useSSL=true"
    return _one("JDBC URL password parameter", line, v)


def telegram_bot(rng: random.Random):  # type: ignore[no-untyped-def]
    v = f"{rng.randint(10**8, 10**10)}:AA{_pick(rng, ALNUM + '_-', 33)}"
    return _one("Telegram bot URL path", f"POST https://api.telegram.org/bot{v}/sendMessage", v)


def discord_webhook(rng: random.Random):  # type: ignore[no-untyped-def]
    v = _pick(rng, ALNUM + "_-", 68)
    line = f"https://discord.com/api/webhooks/{rng.randint(10**17, 10**18)}/{v}"
    return _one("Discord webhook path", line, v)


def teams_webhook(rng: random.Random):  # type: ignore[no-untyped-def]
    v = _pick(rng, HEX, 32)
    line = (
        "https://corp.webhook.office.com/webhookb2/"
        f"{uuid.UUID(int=rng.getrandbits(128))}@{uuid.UUID(int=rng.getrandbits(128))}"
        f"/IncomingWebhook/{v}/{uuid.UUID(int=rng.getrandbits(128))}"
    )
    return _one("MS Teams webhook path", line, v)


def sentry_dsn(rng: random.Random):  # type: ignore[no-untyped-def]
    v = _pick(rng, HEX, 32)
    return _one(
        "Sentry DSN", f"SENTRY_DSN https://{v}@o{rng.randint(1000, 99999)}.ingest.sentry.io/42", v
    )


def git_remote_token(rng: random.Random):  # type: ignore[no-untyped-def]
    v = _pick(rng, ALNUM, 40)
    line = f"fatal: unable to access 'https://oauth2:{v}@gitlab.corp.example/g/r.git/': 403"
    return _one("git remote with token", line, v)


# --- encoded values under secret-bearing keys -------------------------------------------------


def k8s_secret_data(rng: random.Random):  # type: ignore[no-untyped-def]
    v = base64.b64encode(password(rng).encode()).decode()
    name = rng.choice(("password", "db-password", "token", "client-secret", "tls.key"))
    return _one("Kubernetes Secret data (base64)", f"  {name}: {v}", v)


def docker_config_auth(rng: random.Random):  # type: ignore[no-untyped-def]
    v = base64.b64encode(f"{_user(rng)}:{password(rng)}".encode()).decode()
    return _one("docker config.json auth", f'{{"auths":{{"ghcr.io":{{"auth":"{v}"}}}}}}', v)


def b64_under_key(rng: random.Random):  # type: ignore[no-untyped-def]
    v = base64.b64encode(password(rng).encode()).decode()
    name = rng.choice(("password_b64", "encodedSecret", "credentials_base64"))
    return _one("base64 under a secret key", f"{name}={v}", v)


# --- vendor tokens not in the tuned corpus ----------------------------------------------------


def vendor(rng: random.Random):  # type: ignore[no-untyped-def]
    makers: list[tuple[str, Callable[[], str]]] = [
        ("Twilio API key", lambda: "SK" + _pick(rng, HEX, 32)),
        ("Mailgun key", lambda: "key-" + _pick(rng, HEX, 32)),
        ("Shopify token", lambda: "shpat_" + _pick(rng, HEX, 32)),
        ("PyPI token", lambda: "pypi-AgEIcHlwaS5vcmc" + _pick(rng, ALNUM + "_-", 60)),
        ("Hugging Face token", lambda: "hf_" + _pick(rng, ALNUM, 34)),
        ("Anthropic key", lambda: "sk-ant-api03-" + _pick(rng, ALNUM + "_-", 93) + "AA"),
        ("DigitalOcean token", lambda: "dop_v1_" + _pick(rng, HEX, 64)),
        ("Databricks token", lambda: "dapi" + _pick(rng, HEX, 32)),
        ("Postman key", lambda: f"PMAK-{_pick(rng, HEX, 24)}-{_pick(rng, HEX, 34)}"),
        (
            "Grafana service account",
            lambda: "glsa_" + _pick(rng, ALNUM, 32) + "_" + _pick(rng, HEX, 8),
        ),
        ("New Relic key", lambda: "NRAK-" + _pick(rng, string.ascii_uppercase + string.digits, 27)),
        ("Linear key", lambda: "lin_api_" + _pick(rng, ALNUM, 40)),
        (
            "Age secret key",
            lambda: "AGE-SECRET-KEY-1" + _pick(rng, "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L", 58),
        ),
        ("Alibaba AccessKey", lambda: "LTAI" + _pick(rng, ALNUM, 20)),
        ("Doppler token", lambda: "dp.st.prd." + _pick(rng, ALNUM, 43)),
        ("Square token", lambda: "EAAA" + _pick(rng, ALNUM + "-_", 60)),
        ("Figma token", lambda: "figd_" + _pick(rng, ALNUM + "_-", 40)),
        ("Atlassian API token", lambda: "ATATT3xFfGF0" + _pick(rng, ALNUM + "_-", 170)),
        ("Pulumi token", lambda: "pul-" + _pick(rng, HEX, 40)),
        (
            "Terraform Cloud token",
            lambda: f"{_pick(rng, ALNUM, 14)}.atlasv1.{_pick(rng, ALNUM, 67)}",
        ),
    ]
    name, make = makers[rng.randrange(len(makers))]
    v = make()
    where = rng.choice(
        (
            "worker started with credentials {v} for upload",
            "retrying request (client={v})",
            '{{"level":"warn","msg":"rate limited","cred":"{v}"}}',
            "Using {v}",
        )
    )
    return _one(f"vendor: {name}", where.replace("{v}", v), v)


def bare_high_entropy(rng: random.Random):  # type: ignore[no-untyped-def]
    v = _pick(rng, ALNUM + "+/", 44)
    where = rng.choice(
        (
            "handshake failed for peer, presented {v} (expired)",
            "cache fill: {v} -> shard 3",
            "[worker-2] using {v}",
        )
    )
    return _one("bare high-entropy string, no keyword", where.replace("{v}", v), v)


# --- prose -------------------------------------------------------------------------------------


def prose(rng: random.Random):  # type: ignore[no-untyped-def]
    v = password(rng)
    where = rng.choice(
        (
            "the admin password is {v} until rotation on Friday",
            "Your temporary password: {v}",
            "root password set to {v} by provisioning",
            "use {v} as the password for the staging bastion",
            "Password for svc_backup has been changed to {v}.",
            "new API token generated: {v}",
            "the shared secret was {v}; please rotate",
        )
    )
    return _one("prose", where.replace("{v}", v), v)


TEMPLATES: dict[str, tuple[Template, ...]] = {
    "command line and environment": (
        cli_flag_space,
        cli_flag_equals,
        mysql_p,
        curl_u,
        sshpass,
        docker_login,
        docker_env,
        systemd_env,
        dockerfile_env,
        windows_set,
        prefixed_env,
        ps_env_dump,
        k8s_env_pair,
        ansible_vars,
    ),
    "protocol and headers": (
        redis_auth_error,
        redis_monitor,
        redis_cli,
        smtp_auth_plain,
        smtp_auth_login,
        imap_login,
        ftp_pass,
        proxy_authorization,
        token_scheme,
        auth_header_names,
        cookie_header,
        set_cookie,
        http_request_log_auth,
    ),
    "configuration syntax": (
        xml_element,
        xml_attribute,
        maven_server,
        properties,
        properties_colon,
        toml,
        hcl,
        ini_spaces,
        php_array,
        ruby_hash,
        ruby_new_hash,
        go_walrus,
        go_struct,
        php_arrow,
        arrow_log,
        python_kwarg,
        python_repr_dict,
        yaml_flow,
        json_nested_escaped,
        sql_identified_by,
        sql_with_password,
        sql_set_password,
        sql_insert,
        ado_conn,
        odbc_pwd,
        libpq_keyword,
        netrc,
        pgpass,
        htpasswd,
        shadow_hash,
        wpa,
    ),
    "URL": (
        url_userinfo_schemes,
        url_query,
        url_sas_sig,
        jdbc_query,
        telegram_bot,
        discord_webhook,
        teams_webhook,
        sentry_dsn,
        git_remote_token,
    ),
    "encoded": (k8s_secret_data, docker_config_auth, b64_under_key),
    "vendor": (vendor, vendor, vendor, vendor),
    "no keyword": (bare_high_entropy,),
    "prose": (prose, prose, prose),
}


def cases(seed: int = 20261201) -> list[Case]:
    rng = random.Random(seed)
    out = []
    for family, templates in TEMPLATES.items():
        for template in templates:
            for _ in range(VARIANTS):
                fmt, lines, values = template(rng)
                out.append(Case(family, fmt, lines, values))
    return out


# --- keep-list: diagnostic tokens ------------------------------------------------------------


def _diagnostics(rng: random.Random) -> Iterator[tuple[str, str, tuple[str, ...]]]:
    trace, span = _pick(rng, HEX, 32), _pick(rng, HEX, 16)
    yield "W3C traceparent", f"traceparent: 00-{trace}-{span}-01", (trace, span)
    trace, span = _pick(rng, HEX, 32), _pick(rng, HEX, 16)
    yield (
        "trace/span ids next to auth words",
        f"auth token refresh failed trace_id={trace} span_id={span} status=401",
        (trace, span),
    )
    trace = _pick(rng, HEX, 32)
    yield (
        "JSON trace id",
        f'{{"level":"error","msg":"secret fetch timeout","traceId":"{trace}"}}',
        (trace,),
    )
    u = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    yield "request UUID", f"X-Request-ID: {u}", (u,)
    u = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    yield "AWS RequestId", f"An error occurred (AccessDenied) ... RequestId: {u}", (u,)
    u = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    yield "KMS key ARN", f"decrypt with arn:aws:kms:eu-west-1:123456789012:key/{u} failed", (u,)
    u = str(uuid.UUID(int=rng.getrandbits(128), version=1))
    yield "session UUID in password-reset log", f"password reset requested, correlation {u}", (u,)
    digest = _pick(rng, HEX, 64)
    yield "image digest", f"Pulling registry.corp.example/api@sha256:{digest}", (digest,)
    digest = _pick(rng, HEX, 64)
    yield "bare sha256 checksum", f"{digest}  node-v22.11.0-linux-x64.tar.xz", (digest,)
    digest = _pick(rng, HEX, 64)
    yield "container id", f"containerd: shim started id={digest} namespace=k8s.io", (digest,)
    sha = _pick(rng, HEX, 40)
    yield "git commit", f"HEAD is now at {sha[:7]} fix: rotate token on 401", (sha[:7],)
    yield "git full SHA", f"deploying commit {sha} to prod", (sha,)
    sha = _pick(rng, HEX, 40)
    yield "git SHA in key-ish line", f"Build key={sha} version=2.14.1", (sha, "2.14.1")
    cid = _pick(rng, HEX, 12)
    yield "docker short id", f"CONTAINER ID {cid} IMAGE nginx:1.27.3", (cid, "1.27.3")
    yield (
        "semver with pre-release",
        "upgrading cert-manager v1.16.0-rc.2 -> v1.16.1",
        (
            "v1.16.0-rc.2",
            "v1.16.1",
        ),
    )
    pseudo = f"v0.0.0-{rng.randint(2020, 2026)}0101123456-{_pick(rng, HEX, 12)}"
    yield "Go pseudo-version", f"go: downloading golang.org/x/crypto {pseudo}", (pseudo,)
    month, day, minute = rng.randint(1, 12), rng.randint(1, 28), rng.randint(10, 59)
    stamp = f"2026-{month:02d}-{day:02d}T06:{minute}:07.482913Z"
    yield "RFC 3339 timestamp", f"{stamp} token cache refreshed", (stamp,)
    epoch = str(rng.randint(1_700_000_000_000, 1_800_000_000_000))
    yield "epoch milliseconds", f'{{"ts":{epoch},"event":"login"}}', (epoch,)
    replica_set, suffix = (
        _pick(rng, "bcdf0123456789", 10),
        _pick(rng, "bcdfghjklmnpqrstvwxz2456789", 5),
    )
    pod = f"payments-api-{replica_set}-{suffix}"
    yield "pod name", f"Back-off restarting failed container in pod {pod}", (pod,)
    build = f"{rng.randint(20240101, 20261231)}.{rng.randint(1, 9)}"
    yield "build number", f"pipeline build {build} finished", (build,)
    etag = _pick(rng, HEX, 32)
    yield "ETag md5", f'ETag: "{etag}"', (etag,)
    ulid = _pick(rng, "0123456789ABCDEFGHJKMNPQRSTVWXYZ", 26)
    yield "ULID event id", f"event {ulid} processed in 12ms", (ulid,)
    mongo = _pick(rng, HEX, 24)
    yield "Mongo ObjectId", f'find {{_id: ObjectId("{mongo}")}}', (mongo,)
    key_id = _pick(rng, HEX.upper(), 16)
    yield "GPG key id", f"gpg: Signature made ... using RSA key {key_id}", (key_id,)
    fp = ":".join(_pick(rng, HEX, 2) for _ in range(16))
    yield "SSH host key fingerprint (MD5)", f"ECDSA key fingerprint is MD5:{fp}.", (fp,)
    fp = base64.b64encode(rng.randbytes(32)).decode().rstrip("=")
    yield "SSH SHA256 fingerprint", f"Accepted publickey for deploy: ED25519 SHA256:{fp}", (fp,)
    jar = f"spring-security-core-6.{rng.randint(0, 4)}.{rng.randint(0, 9)}.jar"
    yield "jar name", f"loading {jar} from classpath", (jar,)


def keep_list(seed: int = 20261202) -> list[Keep]:
    rng = random.Random(seed)
    out = []
    for _ in range(VARIANTS):
        for fmt, line, tokens in _diagnostics(rng):
            out.append(Keep(fmt, (line + "\n",), tokens))
    return out
