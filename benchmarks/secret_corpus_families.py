"""A third planted-secret corpus: families and placements neither earlier corpus holds.

Written for issue 12's second round, before the recognizers were changed for it, as *tuning*
cases (benchmarks/secret_leaks.py reports it as ``families``, apart from the tuned, held-out and
blind corpora). Each template stands for a family rather than a format: tool flags of many
programs (openssl, keytool, ldapsearch, sqlcmd, smbclient, wget, PowerShell), connection
strings of several drivers, Oracle's ``user/pass@db``, application-config syntaxes (.NET
appSettings, Spring XML beans, LDIF, .npmrc, pip.conf, HAProxy, Redis, pgbouncer), function
calls and constructors, secret names in other languages, URL query/fragment/path placements,
encodings (hex, URL-encoded, escaped PEM in JSON, PuTTY keys), "prefix + random body" tokens of
vendors named nowhere in this repository, and prose in several languages. The keep-list puts
diagnostic identifiers next to the same secret-bearing words in innocent roles (token counts,
cache keys, session UUIDs, key ids, password-policy messages).

Values come from a seeded random source; nothing here is a real credential.
"""

from __future__ import annotations

import base64
import random
import string
import urllib.parse
import uuid
from collections.abc import Callable, Iterator

from secret_corpus_heldout import Case, Keep

ALNUM = string.ascii_letters + string.digits
HEX = "0123456789abcdef"
VARIANTS = 3


def _pick(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def secret(rng: random.Random) -> str:
    style = rng.randrange(5)
    if style == 0:
        return _pick(rng, ALNUM, rng.randint(10, 18)) + rng.choice("!@#%^&*")
    if style == 1:
        word = rng.choice(("Winter", "Tiger", "Rocket", "Bluebird", "Nebula", "Anvil"))
        return f"{word}{rng.randint(10, 2099)}{rng.choice('!?#.')}"
    if style == 2:
        return _pick(rng, HEX, rng.choice((20, 32, 48)))
    if style == 3:
        return base64.b64encode(rng.randbytes(rng.choice((15, 21, 30)))).decode()
    return "-".join(_pick(rng, string.ascii_lowercase, 5) for _ in range(3)) + str(
        rng.randint(1, 9)
    )


def plain(rng: random.Random) -> str:
    """A value without quotes, spaces or shell metacharacters."""
    value = secret(rng)
    return "".join(c for c in value if c.isalnum() or c in "-_.") + "7Q"


Made = tuple[str, tuple[str, ...], tuple[str, ...]]


def one(fmt: str, line: str, value: str) -> Made:
    return fmt, (line + "\n",), (value,)


T: dict[str, list[Callable[[random.Random], Made]]] = {}


def family(
    name: str,
) -> Callable[[Callable[[random.Random], Made]], Callable[[random.Random], Made]]:
    def register(fn: Callable[[random.Random], Made]) -> Callable[[random.Random], Made]:
        T.setdefault(name, []).append(fn)
        return fn

    return register


# --- command lines --------------------------------------------------------------------------
CLI = "command line"


@family(CLI)
def openssl_pass(rng: random.Random) -> Made:
    v = plain(rng)
    opt = rng.choice(("-passin pass:", "-passout pass:", "-password pass:", "-k "))
    return one("openssl pass:", f"openssl pkcs12 -export -in c.pem {opt}{v} -out c.p12", v)


@family(CLI)
def keytool(rng: random.Random) -> Made:
    v = plain(rng)
    opt = rng.choice(("-storepass", "-keypass", "-srcstorepass", "-deststorepass"))
    return one("keytool -storepass", f"keytool -importkeystore -srckeystore a.jks {opt} {v}", v)


@family(CLI)
def ldapsearch(rng: random.Random) -> Made:
    v = plain(rng)
    line = f'ldapsearch -x -H ldaps://dc1 -D "cn=admin,dc=corp" -w {v} -b "dc=corp"'
    return one("ldapsearch -w", line, v)


@family(CLI)
def sqlcmd(rng: random.Random) -> Made:
    v = plain(rng)
    tool = rng.choice(("sqlcmd -S db1 -U sa -P", "bcp dbo.t out t.dat -S db1 -U sa -P"))
    return one("sqlcmd -P", f'{tool} {v} -Q "SELECT 1"', v)


@family(CLI)
def smbclient(rng: random.Random) -> Made:
    v = plain(rng)
    return one("smbclient -U user%pass", f"smbclient //fs1/share -U backup%{v} -c ls", v)


@family(CLI)
def wget_password(rng: random.Random) -> Made:
    v = plain(rng)
    opt = rng.choice(("--password=", "--http-password=", "--ftp-password=", "--proxy-password="))
    return one("wget --password=", f"wget --user=ci {opt}{v} https://repo/x.tgz", v)


@family(CLI)
def java_sysprop(rng: random.Random) -> Made:
    v = plain(rng)
    prop = rng.choice(
        (
            "javax.net.ssl.keyStorePassword",
            "javax.net.ssl.trustStorePassword",
            "spring.datasource.password",
            "db.pass",
        )
    )
    return one("java -Dprop=", f"java -Xmx2g -D{prop}={v} -jar app.jar", v)


@family(CLI)
def powershell_env(rng: random.Random) -> Made:
    v = secret(rng).replace('"', "")
    name = rng.choice(("DB_PASSWORD", "API_KEY", "ClientSecret", "SA_PASSWORD"))
    return one("PowerShell $env:", f'PS C:\\> $env:{name} = "{v}"', v)


@family(CLI)
def powershell_securestring(rng: random.Random) -> Made:
    v = secret(rng).replace('"', "")
    line = f'$pw = ConvertTo-SecureString "{v}" -AsPlainText -Force'
    return one("ConvertTo-SecureString", line, v)


@family(CLI)
def export_quoted(rng: random.Random) -> Made:
    v = secret(rng).replace('"', "")
    name = rng.choice(("GITHUB_TOKEN", "VAULT_TOKEN", "OPENAI_API_KEY", "AWS_SECRET_ACCESS_KEY"))
    return one("set -x export", f'+ export {name}="{v}"', v)


@family(CLI)
def kubectl_literal(rng: random.Random) -> Made:
    v = plain(rng)
    key = rng.choice(("password", "api-key", "token", "DB_PASS"))
    line = f"kubectl create secret generic app --from-literal={key}={v} -n prod"
    return one("kubectl --from-literal", line, v)


@family(CLI)
def aws_configure(rng: random.Random) -> Made:
    v = _pick(rng, ALNUM + "/+", 40)
    return one("aws configure set", f"aws configure set aws_secret_access_key {v}", v)


@family(CLI)
def chpasswd(rng: random.Random) -> Made:
    v = plain(rng)
    return one("echo user:pass | chpasswd", f"echo 'deploy:{v}' | chpasswd", v)


@family(CLI)
def oracle_slash(rng: random.Random) -> Made:
    v = plain(rng)
    tool = rng.choice(("sqlplus", "expdp", "rman target", "imp"))
    return one("sqlplus user/pass@db", f"{tool} system/{v}@ORCLPDB1 @run.sql", v)


@family(CLI)
def net_use(rng: random.Random) -> Made:
    v = plain(rng)
    return one("net use /user:", f"net use Z: \\\\fs1\\share {v} /user:CORP\\svc_backup", v)


@family(CLI)
def mongo_cli(rng: random.Random) -> Made:
    v = plain(rng)
    opt = rng.choice(("--password", "-p"))
    line = (
        f"mongodump --host rs0/db1:27017 --username admin {opt} {v} --authenticationDatabase admin"
    )
    return one("mongodump --password", line, v)


@family(CLI)
def htpasswd_b(rng: random.Random) -> Made:
    v = plain(rng)
    return one("htpasswd -b", f"htpasswd -bc /etc/nginx/.htpasswd admin {v}", v)


@family(CLI)
def rabbitmqctl(rng: random.Random) -> Made:
    v = plain(rng)
    return one("rabbitmqctl add_user", f"rabbitmqctl add_user monitoring {v}", v)


@family(CLI)
def snmp_community(rng: random.Random) -> Made:
    v = plain(rng)
    return one("snmpwalk -c community", f"snmpwalk -v2c -c {v} 10.1.2.3 system", v)


# --- protocols and headers ------------------------------------------------------------------
PROTO = "protocol and header"


@family(PROTO)
def vendor_headers(rng: random.Random) -> Made:
    v = _pick(rng, ALNUM, 32)
    name = rng.choice(
        (
            "Ocp-Apim-Subscription-Key",
            "x-functions-key",
            "X-Goog-Api-Key",
            "PRIVATE-TOKEN",
            "X-Amz-Security-Token",
            "X-Auth-Key",
            "Api-Key",
            "X-API-SECRET",
        )
    )
    return one("vendor auth header", f"> {name}: {v}", v)


@family(PROTO)
def digest_auth(rng: random.Random) -> Made:
    v = _pick(rng, HEX, 32)
    line = (
        f'Authorization: Digest username="admin", realm="api", nonce="dcd98b", '
        f'uri="/x", response="{v}"'
    )
    return one("Digest response", line, v)


@family(PROTO)
def pop3_pass(rng: random.Random) -> Made:
    v = plain(rng)
    return one("POP3 PASS", f"C: PASS {v}", v)


@family(PROTO)
def xmpp_sasl(rng: random.Random) -> Made:
    v = base64.b64encode(f"\0alice\0{secret(rng)}".encode()).decode()
    line = f"SENT: <auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>{v}</auth>"
    return one("XMPP SASL PLAIN", line, v)


@family(PROTO)
def header_dict(rng: random.Random) -> Made:
    v = _pick(rng, ALNUM, 40)
    line = f"headers: {{'Content-Type': 'application/json', 'X-Api-Token': '{v}'}}"
    return one("header dict repr", line, v)


@family(PROTO)
def curl_header(rng: random.Random) -> Made:
    v = _pick(rng, ALNUM + "._-", 36)
    line = f'curl -H "Authorization: token {v}" https://api.example.org/repos'
    return one("curl -H Authorization", line, v)


@family(PROTO)
def grpc_metadata(rng: random.Random) -> Made:
    v = _pick(rng, ALNUM, 30)
    return one("gRPC metadata", f"metadata=[('authorization', 'Bearer {v}')]", v)


@family(PROTO)
def set_cookie_session(rng: random.Random) -> Made:
    v = _pick(rng, ALNUM + "%", 48)
    name = rng.choice(("session", "__Host-session", "auth_session", "SID", "laravel_session"))
    return one("Set-Cookie session", f"Set-Cookie: {name}={v}; Path=/; Secure; HttpOnly", v)


# --- configuration --------------------------------------------------------------------------
CONF = "configuration"


@family(CONF)
def dotnet_appsettings(rng: random.Random) -> Made:
    v = secret(rng).replace('"', "")
    key = rng.choice(("ApiKey", "StripeSecret", "SmtpPassword", "JwtSigningKey"))
    return one(".NET <add key value>", f'    <add key="{key}" value="{v}" />', v)


@family(CONF)
def spring_xml_property(rng: random.Random) -> Made:
    v = secret(rng).replace('"', "")
    return one("Spring <property name value>", f'<property name="password" value="{v}"/>', v)


@family(CONF)
def java_xml_entry(rng: random.Random) -> Made:
    v = secret(rng).replace("<", "")
    return one("XML <entry key>", f'<entry key="db.password">{v}</entry>', v)


@family(CONF)
def connection_string_xml(rng: random.Random) -> Made:
    v = plain(rng)
    line = (
        f'<add name="Main" connectionString="Server=sql1;Database=app;User Id=sa;Password={v};" />'
    )
    return one("connectionString in XML", line, v)


@family(CONF)
def ldif_password(rng: random.Random) -> Made:
    if rng.random() < 0.5:
        v = base64.b64encode(secret(rng).encode()).decode()
        return one("LDIF userPassword:: base64", f"userPassword:: {v}", v)
    v = "{SSHA}" + base64.b64encode(rng.randbytes(24)).decode()
    return one("LDIF userPassword {SSHA}", f"userPassword: {v}", v)


@family(CONF)
def npmrc(rng: random.Random) -> Made:
    v = _pick(rng, ALNUM, 36)
    line = rng.choice((f"//registry.npmjs.org/:_authToken={v}", f"//npm.corp.example/:_auth={v}"))
    return one(".npmrc _authToken", line, v)


@family(CONF)
def pip_conf(rng: random.Random) -> Made:
    v = plain(rng)
    return one("pip index-url creds", f"index-url = https://__token__:{v}@pypi.corp/simple", v)


@family(CONF)
def haproxy_userlist(rng: random.Random) -> Made:
    v = plain(rng)
    line = rng.choice((f"    user admin insecure-password {v}", f"    stats auth admin:{v}"))
    return one("HAProxy password", line, v)


@family(CONF)
def redis_conf(rng: random.Random) -> Made:
    v = plain(rng)
    directive = rng.choice(("requirepass", "masterauth"))
    return one("redis.conf requirepass", f"{directive} {v}", v)


@family(CONF)
def pgbouncer_userlist(rng: random.Random) -> Made:
    v = "md5" + _pick(rng, HEX, 32)
    return one("pgbouncer userlist", f'"app_rw" "{v}"', v)


@family(CONF)
def terraform_default(rng: random.Random) -> Made:
    v = secret(rng).replace('"', "")
    lines = ('variable "db_password" {\n', f'  default = "{v}"\n', "}\n")
    return "Terraform variable default", lines, (v,)


@family(CONF)
def ecs_json_env(rng: random.Random) -> Made:
    v = secret(rng).replace('"', "")
    name = rng.choice(("DB_PASSWORD", "STRIPE_KEY", "JWT_SECRET"))
    return one("JSON name/value env", f'{{"name": "{name}", "value": "{v}"}}', v)


@family(CONF)
def yaml_flow_env(rng: random.Random) -> Made:
    v = plain(rng)
    return one("YAML flow name/value", f"- {{name: API_SECRET, value: {v}}}", v)


@family(CONF)
def other_languages(rng: random.Random) -> Made:
    v = plain(rng)
    name = rng.choice(
        (
            "passwort",
            "Kennwort",
            "contrasena",
            "contraseña",
            "mot_de_passe",
            "motdepasse",
            "senha",
            "wachtwoord",
            "haslo",
            "salasana",
            "losenord",
            "parola",
            "clave",
            "пароль",
            "密码",
        )
    )
    sep = rng.choice(("=", ": ", " = "))
    return one("secret name in another language", f"{name}{sep}{v}", v)


@family(CONF)
def csv_credentials(rng: random.Random) -> Made:
    v = plain(rng)
    lines = ("username,password,role\n", f"jdoe,{v},admin\n")
    return "CSV with password column", lines, (v,)


@family(CONF)
def python_calls(rng: random.Random) -> Made:
    v = secret(rng).replace("'", "")
    line = rng.choice(
        (
            f"user.set_password('{v}')",
            f"conn = psycopg2.connect(host='db1', user='app', password='{v}')",
            f"requests.get(url, auth=('svc', '{v}'))",
            f"smtp.login('alerts@corp.example', '{v}')",
            f"os.environ['DB_PASSWORD'] = '{v}'",
        )
    )
    return one("function call argument", line, v)


@family(CONF)
def java_calls(rng: random.Random) -> Made:
    v = secret(rng).replace('"', "")
    line = rng.choice(
        (
            f'ds.setPassword("{v}");',
            f'new NetworkCredential("svc", "{v}")',
            f'builder.password("{v}").build()',
            f'os.Setenv("API_TOKEN", "{v}")',
            f'DriverManager.getConnection(url, "app", "{v}")',
        )
    )
    return one("method call argument", line, v)


@family(CONF)
def js_object(rng: random.Random) -> Made:
    v = secret(rng).replace("'", "")
    line = rng.choice(
        (
            f"auth: {{ user: 'mailer', pass: '{v}' }}",
            f"const client = new Client({{ apiKey: '{v}' }})",
            f"process.env.SESSION_SECRET = '{v}'",
        )
    )
    return one("JS object literal", line, v)


@family(CONF)
def ini_section(rng: random.Random) -> Made:
    v = plain(rng)
    lines = ("[client]\n", "user = backup\n", f"password = {v}\n")
    return ".my.cnf section", lines, (v,)


@family(CONF)
def env_file_quoted(rng: random.Random) -> Made:
    v = secret(rng).replace("'", "")
    name = rng.choice(("SECRET_KEY_BASE", "APP_KEY", "NEXTAUTH_SECRET", "DJANGO_SECRET_KEY"))
    return one(".env single-quoted", f"{name}='{v}'", v)


@family(CONF)
def gcp_sa_json(rng: random.Random) -> Made:
    body = base64.b64encode(rng.randbytes(96)).decode()
    line = (
        f'  "private_key": "-----BEGIN PRIVATE KEY-----\\n{body[:64]}\\n{body[64:]}\\n'
        '-----END PRIVATE KEY-----\\n",'
    )
    return "escaped PEM in JSON", (line + "\n",), (body[:64], body[64:])


@family(CONF)
def putty_key(rng: random.Random) -> Made:
    lines_body = [base64.b64encode(rng.randbytes(48)).decode() for _ in range(3)]
    lines = (
        "PuTTY-User-Key-File-3: ssh-rsa\n",
        "Encryption: none\n",
        "Private-Lines: 3\n",
        *(b + "\n" for b in lines_body),
        f"Private-MAC: {_pick(rng, HEX, 64)}\n",
    )
    return "PuTTY private key", lines, tuple(lines_body)


# --- URLs -----------------------------------------------------------------------------------
URL = "URL"


@family(URL)
def query_params(rng: random.Random) -> Made:
    v = _pick(rng, ALNUM, 32)
    name = rng.choice(
        ("access_token", "api_key", "apikey", "client_secret", "auth", "key", "pwd", "passwd")
    )
    return one("query parameter", f'"GET /v2/items?limit=50&{name}={v}&page=2 HTTP/1.1" 200', v)


@family(URL)
def presigned(rng: random.Random) -> Made:
    v = _pick(rng, HEX, 64)
    line = (
        "GET https://b.s3.amazonaws.com/o.tgz?X-Amz-Algorithm=AWS4-HMAC-SHA256"
        f"&X-Amz-Date=20261201T000000Z&X-Amz-Expires=900&X-Amz-Signature={v}"
    )
    return one("presigned URL signature", line, v)


@family(URL)
def fragment_token(rng: random.Random) -> Made:
    v = _pick(rng, ALNUM + "-_", 40)
    return one(
        "URL fragment token", f"redirect to https://app/cb#access_token={v}&expires_in=3600", v
    )


@family(URL)
def jsessionid_path(rng: random.Random) -> Made:
    v = _pick(rng, HEX.upper(), 32)
    return one(";jsessionid= path parameter", f"GET /shop/cart;jsessionid={v}?id=4", v)


@family(URL)
def webhook_paths(rng: random.Random) -> Made:
    v = _pick(rng, ALNUM, 26)
    line = rng.choice(
        (
            f"POST https://hooks.zapier.com/hooks/catch/123456/{v}/",
            f"POST https://maker.ifttt.com/trigger/deploy/with/key/{v}",
            f"POST https://chat.corp.example/hooks/{v}",
            f"POST https://api.example.org/webhook/{v}",
        )
    )
    return one("webhook path secret", line, v)


@family(URL)
def token_only_userinfo(rng: random.Random) -> Made:
    v = rng.choice(("ghp_", "")) + _pick(rng, ALNUM, 36)
    return one("token as URL user", f"git clone https://{v}@github.com/corp/infra.git", v)


@family(URL)
def urlencoded_query_password(rng: random.Random) -> Made:
    raw = secret(rng) + "/+&"
    v = urllib.parse.quote(raw, safe="")
    return one(
        "url-encoded password in form body", f"body: username=ops&password={v}&remember=1", v
    )


# --- encoded --------------------------------------------------------------------------------
ENC = "encoded"


@family(ENC)
def hex_under_key(rng: random.Random) -> Made:
    v = secret(rng).encode().hex()
    name = rng.choice(("password_hex", "secretHex", "key_material", "enc_key"))
    return one("hex under a secret name", f"{name}: {v}", v)


@family(ENC)
def basic_in_json(rng: random.Random) -> Made:
    v = base64.b64encode(f"svc:{secret(rng)}".encode()).decode()
    return one("Basic in JSON", f'{{"Authorization":"Basic {v}"}}', v)


@family(ENC)
def jwt_in_cookie(rng: random.Random) -> Made:
    def part(n: int) -> str:
        return base64.urlsafe_b64encode(rng.randbytes(n)).decode().rstrip("=")

    v = "eyJhbGciOiJIUzI1NiJ9." + part(40) + "." + part(32)
    return one("JWT in a query", f"GET /ws?jwt={v} 101", v)


# --- vendor-like tokens by shape ------------------------------------------------------------
VENDOR = "vendor shape"


@family(VENDOR)
def prefixed_tokens(rng: random.Random) -> Made:
    prefix = rng.choice(
        (
            "zpka_",
            "tfp_",
            "rnd_",
            "ops_",
            "phc_",
            "pscale_pw_",
            "sntrys_",
            "lsv2_pt_",
            "xai-",
            "ntn_",
            "fo1_",
            "cfat_",
            "bkua_",
            "nfp_",
        )
    )
    v = prefix + _pick(rng, ALNUM, rng.randint(30, 48))
    where = rng.choice(("client configured with {v}", "[auth] {v} rejected (401)", "{v}"))
    return one("prefix + random body", where.replace("{v}", v), v)


@family(VENDOR)
def dotted_tokens(rng: random.Random) -> Made:
    v = f"{_pick(rng, ALNUM, 8)}.{_pick(rng, ALNUM, 32)}"
    return one("id.secret token after a name", f"using credential {v} for upload", v)


# --- prose ----------------------------------------------------------------------------------
PROSE = "prose"


@family(PROSE)
def prose_en(rng: random.Random) -> Made:
    v = plain(rng)
    where = rng.choice(
        (
            "the passcode for the vault is {v}",
            "I reset bob's password; it's now {v}",
            "PW: {v}",
            "creds are admin / {v}",
            "login with ops and {v} for the console",
            "temporary credentials: ops/{v}",
            "the api key changed to {v} yesterday",
            "password - {v}",
        )
    )
    return one("prose (English)", where.replace("{v}", v), v)


@family(PROSE)
def prose_other(rng: random.Random) -> Made:
    v = plain(rng)
    where = rng.choice(
        (
            "das Passwort ist {v}",
            "la contraseña es {v}",
            "le mot de passe est {v}",
            "a senha é {v}",
            "het wachtwoord is {v}",
        )
    )
    return one("prose (other languages)", where.replace("{v}", v), v)


# --- second batch: placements found while reading the first results -------------------------


@family(CLI)
def windows_net_user(rng: random.Random) -> Made:
    v = plain(rng)
    line = rng.choice(
        (f"net user svc_sql {v} /add /domain", f"net use Z: \\\\fs1\\share {v} /user:CORP\\svc")
    )
    return one("net user/use positional password", line, v)


@family(CLI)
def echo_pipe_login(rng: random.Random) -> Made:
    v = plain(rng)
    line = rng.choice(
        (
            f"echo '{v}' | docker login ghcr.io -u bot --password-stdin",
            f"echo -n {v} | passwd --stdin deploy",
            f"printf '%s' '{v}' | kinit admin@CORP.EXAMPLE",
        )
    )
    return one("secret piped into a login", line, v)


@family(CLI)
def ssh_keygen_n(rng: random.Random) -> Made:
    v = plain(rng)
    return one("ssh-keygen -N passphrase", f"ssh-keygen -t ed25519 -N '{v}' -f /root/.ssh/id", v)


@family(PROTO)
def cisco_config(rng: random.Random) -> Made:
    v = plain(rng)
    line = rng.choice(
        (
            f"username admin privilege 15 password 0 {v}",
            f"snmp-server community {v} RO",
            f"tacacs-server key 7 {v}",
            f" enable secret 0 {v}",
        )
    )
    return one("network device config", line, v)


@family(PROTO)
def aws_sigv4_header(rng: random.Random) -> Made:
    v = _pick(rng, HEX, 64)
    line = (
        "Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261201/us-east-1/s3/aws4_request,"
        f" SignedHeaders=host;x-amz-date, Signature={v}"
    )
    return one("SigV4 Authorization", line, v)


@family(PROTO)
def negotiate_header(rng: random.Random) -> Made:
    v = "YII" + base64.b64encode(rng.randbytes(60)).decode()
    return one("Negotiate token", f"Authorization: Negotiate {v}", v)


@family(CONF)
def spring_placeholder_default(rng: random.Random) -> Made:
    v = plain(rng)
    return one("${VAR:default}", f"spring.datasource.password=${{DB_PASS:{v}}}", v)


@family(CONF)
def php_define(rng: random.Random) -> Made:
    v = secret(rng).replace("'", "")
    name = rng.choice(("DB_PASSWORD", "AUTH_KEY", "SECURE_AUTH_SALT", "NONCE_KEY"))
    return one("PHP define()", f"define( '{name}', '{v}' );", v)


@family(CONF)
def c_define(rng: random.Random) -> Made:
    v = secret(rng).replace('"', "")
    line = rng.choice((f'#define API_SECRET "{v}"', f'static const char *password = "{v}";'))
    return one("C literal", line, v)


@family(CONF)
def ansible_vault_inline(rng: random.Random) -> Made:
    body = [_pick(rng, HEX, 80) for _ in range(2)]
    lines = (
        "db_password: !vault |\n",
        "          $ANSIBLE_VAULT;1.1;AES256\n",
        *(f"          {b}\n" for b in body),
    )
    return "Ansible vault inline", lines, tuple(body)


@family(CONF)
def wireguard(rng: random.Random) -> Made:
    v = base64.b64encode(rng.randbytes(32)).decode()
    name = rng.choice(("PrivateKey", "PresharedKey"))
    return one("WireGuard key", f"{name} = {v}", v)


@family(CONF)
def kubeconfig_key_data(rng: random.Random) -> Made:
    v = base64.b64encode(rng.randbytes(90)).decode()
    return one("kubeconfig client-key-data", f"    client-key-data: {v}", v)


@family(URL)
def encoded_userinfo(rng: random.Random) -> Made:
    v = plain(rng)
    line = f"GET /login?next=https%3A%2F%2Fops%3A{v}%40grafana.corp%2Fd%2F1 HTTP/1.1"
    return one("URL-encoded userinfo in a parameter", line, v)


@family(URL)
def reset_link(rng: random.Random) -> Made:
    v = _pick(rng, ALNUM, 40)
    line = rng.choice(
        (
            f"sent https://app.example.org/reset-password/{v} to user",
            f"invite link https://app.example.org/invite/{v}",
            f"magic link: https://app.example.org/auth/magic?t={v}",
        )
    )
    return one("reset/invite link token", line, v)


@family(URL)
def oauth_code(rng: random.Random) -> Made:
    v = "4/0A" + _pick(rng, ALNUM + "-_", 60)
    return one("OAuth code in callback", f"GET /oauth/callback?code={v}&state=xyz HTTP/1.1", v)


@family(VENDOR)
def short_random(rng: random.Random) -> Made:
    v = _pick(rng, string.ascii_lowercase, 4) + _pick(rng, ALNUM, 14)
    v = v[:6] + rng.choice(string.digits) + v[6:] + rng.choice(string.ascii_uppercase)
    where = rng.choice(("connected with {v}", "worker key {v} accepted", "{v}"))
    return one("short random token (16-20)", where.replace("{v}", v), v)


@family(PROSE)
def prose_quoted_phrase(rng: random.Random) -> Made:
    v = " ".join(
        rng.choice(("correct", "horse", "battery", "staple", "purple", "monkey")) for _ in range(4)
    )
    line = rng.choice(
        (f'the passphrase is "{v}"', f"wifi password: '{v}'", f'Password set to "{v}".')
    )
    return one("quoted passphrase with spaces", line, v)


@family(PROSE)
def prose_from_to(rng: random.Random) -> Made:
    a, b = plain(rng), plain(rng)
    line = f"changed the admin password from {a} to {b} after the audit"
    return "password changed from A to B", (line + "\n",), (a, b)


@family(PROSE)
def prose_cjk(rng: random.Random) -> Made:
    v = plain(rng)
    line = rng.choice(
        (f"数据库密码是{v}", f"パスワードは{v}です", f"Passwort lautet {v}", f"la clave es {v}")
    )
    return one("prose (CJK, German, Spanish)", line, v)


# --- round 3: families blind corpus B showed missing (own wording, written before the fix) --
STRUCT = "structured and escaped"


@family(STRUCT)
def go_dsn(rng: random.Random) -> Made:
    v = plain(rng)
    proto = rng.choice(("tcp(db-7:3306)", "unix(/run/mysqld/mysqld.sock)", "tcp([::1]:3307)"))
    return one("DSN without scheme", f"db: open {rng.choice(('svc', 'ro'))}:{v}@{proto}/orders", v)


@family(STRUCT)
def oracle_ezconnect(rng: random.Random) -> Made:
    v = plain(rng)
    tool = rng.choice(("expdp", "rman target", "sqlldr userid="))
    return one("user/pass@//host", f"{tool} system/{v}@//db-ora-3:1522/SALES", v)


@family(STRUCT)
def escaped_json(rng: random.Random) -> Made:
    v = plain(rng)
    name = rng.choice(("clientSecret", "db_password", "accessToken"))
    form = rng.randrange(3)
    if form == 0:
        line = f'msg="{{\\"{name}\\":\\"{v}\\"}}"'
    elif form == 1:
        line = f"body=\\u007b\\u0022{name}\\u0022: \\u0022{v}\\u0022\\u007d"
    else:
        line = f'"raw":"{{\\"{name}\\": \\"{v}\\"}}"'
    return one("escaped JSON", line, v)


@family(STRUCT)
def argv_array(rng: random.Random) -> Made:
    v = plain(rng)
    argv = rng.choice(
        (
            f'["psql", "-h", "pg1"]; ["mysqldump", "--single-transaction", "-uroot", "-p{v}"]',
            f'["sshpass", "-p", "{v}", "ssh", "deploy@web3"]',
            f'["redis-cli", "-h", "cache1", "-a", "{v}", "PING"]',
        )
    )
    return one("argv array", f'execve("/usr/bin/env", {argv}, 0x7ffe1 /* 9 vars */) = 0', v)


@family(STRUCT)
def resp_auth(rng: random.Random) -> Made:
    v = plain(rng)
    if rng.randrange(2):
        frame = f"*2\\r\\n$4\\r\\nAUTH\\r\\n${len(v)}\\r\\n{v}\\r\\n"
    else:
        frame = f"*3\\r\\n$4\\r\\nauth\\r\\n$5\\r\\nadmin\\r\\n${len(v)}\\r\\n{v}\\r\\n"
    return one("RESP AUTH frame", f'sendto(7, "{frame}", 40, MSG_NOSIGNAL, NULL, 0) = 40', v)


@family(STRUCT)
def hex_proctitle(rng: random.Random) -> Made:
    v = plain(rng)
    argv = rng.choice(
        (["mysql", "-uroot", f"-p{v}"], ["redis-cli", "-a", v, "INFO"], ["sshpass", "-p", v, "scp"])
    )
    hexed = "00".join(a.encode().hex().upper() for a in argv)
    return one("hex audit proctitle", f"type=PROCTITLE msg=audit(1.2:3): proctitle={hexed}", v)


@family(STRUCT)
def debug_some(rng: random.Random) -> Made:
    v = plain(rng)
    name = rng.choice(("password", "api_key", "secret"))
    return one("Debug Some(..)", f'Settings {{ url: "x", {name}: Some("{v}"), retries: 3 }}', v)


@family(STRUCT)
def sql_with_password(rng: random.Random) -> Made:
    v = plain(rng)
    line = rng.choice(
        (
            f"ALTER LOGIN [app] WITH PASSWORD = '{v}' OLD_PASSWORD = 'x'",
            f"CREATE USER reporter WITH PASSWORD = '{v}';",
        )
    )
    return one("WITH PASSWORD = '..'", line, v)


@family(STRUCT)
def conninfo_error(rng: random.Random) -> Made:
    v = plain(rng)
    return one(
        "libpq conninfo error", f'FATAL: missing "=" after "{v}" in connection info string', v
    )


@family(STRUCT)
def sudo_stdin(rng: random.Random) -> Made:
    v = plain(rng)
    tail = rng.choice(("sudo -S apt-get update", "sudo -kS reboot", "sudo --stdin -u pg true"))
    return one("echo | sudo -S", f'printf "%s\\n" "{v}" | {tail}', v)


@family(STRUCT)
def userlist(rng: random.Random) -> Made:
    v = plain(rng)
    return one("quoted user/password list", f'"replicator" "{v}"', v)


@family(PROSE)
def word_passphrase(rng: random.Random) -> Made:
    words = ("lantern", "quiver", "mosaic", "pebble", "saffron", "glacier", "orchid", "falcon")
    v = " ".join(rng.sample(words, 4)) + f" {rng.randint(10, 99)}"
    line = rng.choice(
        (
            f"passphrase for the backup vault: {v}",
            f"please use {v} as the new passphrase",
            f"wifi password for the lab: {v}",
        )
    )
    return one("plain-word passphrase", line, v)


@family(PROSE)
def numeric_pin(rng: random.Random) -> Made:
    v = str(rng.randint(100000, 99999999))
    line = rng.choice(
        (
            f"token PIN={v} issued to operator",
            f'{{"user":"kiosk","pin":"{v}"}}',
            f"the SIM PUK: {v}",
        )
    )
    return one("numeric PIN/PUK", line, v)


@family(PROSE)
def answer_next_line(rng: random.Random) -> Made:
    v = plain(rng) + "!x"
    q = rng.choice(("what's the root password on db2?", "anyone have the vault token?"))
    return "answer on the next line", (f"<eve> {q}\n", f"<mallory> {v}\n"), (v,)


@family(PROSE)
def more_languages(rng: random.Random) -> Made:
    v = plain(rng)
    word = rng.choice(
        (
            "passord",
            "lozinka",
            "\u0e23\u0e2b\u0e31\u0e2a\u0e1c\u0e48\u0e32\u0e19",
            "\u0442\u043e\u043a\u0435\u043d",
            "\ud1a0\ud070",
            "parool",
            "geheimnis_db",
            "\u0631\u0645\u0632_\u0627\u0644\u0639\u0628\u0648\u0631",
        )
    )
    return one("secret word in more languages", f"{word}{rng.choice(('=', ': '))}{v}", v)


@family(VENDOR)
def letters_only_token(rng: random.Random) -> Made:
    body = _pick(rng, string.ascii_letters, rng.randint(30, 40))
    prefix = rng.choice(("xq_", "zz-", "tok_"))
    return one(
        "prefix + letters-only body", f"rotated: {prefix}{body} (old one revoked)", prefix + body
    )


@family(VENDOR)
def dotted_hex_body(rng: random.Random) -> Made:
    v = _pick(rng, ALNUM, rng.randint(13, 17)) + "." + _pick(rng, HEX, 64)
    return one("random id dotted to a hex body", f"sync job started with {v} (expires in 30d)", v)


def cases(seed: int = 20261212) -> list[Case]:
    rng = random.Random(seed)
    out = []
    for fam, templates in T.items():
        for template in templates:
            for _ in range(VARIANTS):
                fmt, lines, values = template(rng)
                out.append(Case(fam, fmt, lines, values))
    return out


def _diagnostics(rng: random.Random) -> Iterator[tuple[str, str, tuple[str, ...]]]:
    u = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    yield "session id UUID", f"session_id={u} user logged out", (u,)
    yield "token usage", "completion used prompt_tokens=1523 max_tokens=4096", ("1523", "4096")
    key = f"users:{rng.randint(1000, 99999)}:profile"
    yield "cache key", f"redis GET key={key} miss", (key,)
    kid = _pick(rng, HEX, 40)
    yield "key id", f'jwks refresh: kid="{kid}" alg=RS256', (kid,)
    stamp = f"2026-11-{rng.randint(10, 28)}T0{rng.randint(1, 9)}:12:44Z"
    yield "password changed at", f"password_changed_at={stamp} policy=90d", (stamp,)
    trace = _pick(rng, HEX, 32)
    yield "auth failure with trace", f"password authentication failed trace={trace}", (trace,)
    sha = _pick(rng, HEX, 40)
    yield "secret rotation commit", f"rotated secret in commit {sha}", (sha,)
    digest = _pick(rng, HEX, 64)
    yield "token image digest", f"token-service image sha256:{digest} pulled", (digest,)
    span = _pick(rng, HEX, 16)
    yield "span next to key", f"key lookup span={span} took 4ms", (span,)
    ver = f"{rng.randint(1, 9)}.{rng.randint(0, 30)}.{rng.randint(0, 9)}"
    yield "auth version", f"auth-proxy version {ver} starting", (ver,)
    replica, suffix = _pick(rng, "bcdf2456789", 10), _pick(rng, "bcdfghjklmnpqrstvwxz2456789", 5)
    pod = f"token-issuer-{replica}-{suffix}"
    yield "pod with secret word", f"pod {pod} OOMKilled", (pod,)
    u = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    yield (
        "secret name is uuid-ish",
        f"vault: read secret/data/app version={rng.randint(1, 9)} request_id={u}",
        (u,),
    )
    ulid = "01" + _pick(rng, "0123456789ABCDEFGHJKMNPQRSTVWXYZ", 24)
    yield "ULID next to token", f"token issued event_id={ulid}", (ulid,)

    tr, sp = _pick(rng, HEX, 32), _pick(rng, HEX, 16)
    yield "assignment after token", f"token rejected; token traceparent=00-{tr}-{sp}-01", (tr, sp)
    u = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    yield "idempotency key", f"Idempotency-Key: {u} replayed", (u,)
    yield (
        "error constant after token",
        "token refresh failed: ERR_CERT_DATE_INVALID",
        ("ERR_CERT_DATE_INVALID",),
    )
    cid = _pick(rng, HEX, 64)
    yield "container id URL", f"Container ID: docker://{cid}", (cid,)
    yield "gpio pin", "gpio pin 17 set high, pin=4 low", ("17",)


def keep_list(seed: int = 20261213) -> list[Keep]:
    rng = random.Random(seed)
    out = []
    for _ in range(VARIANTS):
        for fmt, line, tokens in _diagnostics(rng):
            out.append(Keep(fmt, (line + "\n",), tokens))
    return out
