"""A second held-out planted-secret corpus, written blind (issue 12, "own held-out discipline").

How it was written: by helper A on 2026-12-02, without opening the sanitizer, its recognizers,
``benchmarks/secret_corpus.py`` (the tuned corpus) or the generator functions of
``benchmarks/secret_corpus_heldout.py``. Only the interface of the latter was read (the ``Case``
and ``Keep`` tuples and the signatures of ``cases()`` / ``keep_list()``) and
``benchmarks/secret_leaks.py`` (how a corpus is consumed). The formats are lines an SRE would paste
from real systems: command lines, environment dumps, protocol exchanges, configuration files in
many syntaxes, URLs, encoded values, vendor tokens, stack traces, prose, key names in other
languages, and multi-line key material. It was not run through the sanitizer while being written
and must not be used to tune it: report recall on it separately.

Templates are strings in which ``{%kind%}`` is a planted secret (a fresh random value of that kind,
recorded in ``Case.values``) and ``{~kind~}`` is filler (host, user, port...). ``{%kind#1%}`` reuses
one value at several places of a template. Every template is instantiated ``VARIANTS`` times with
fresh values (raise it for more instances per format: ``cases(variants=3)``). The keep-list uses
``{!kind!}`` for diagnostic tokens that must survive verbatim, ``KEEP_VARIANTS`` instances each.

Values come from a seeded random source: the corpus is identical on every run and holds no real
credential. ``python benchmarks/secret_corpus_blind_a.py`` prints counts per family and checks that
every planted value and every kept token occurs in its lines.
"""

from __future__ import annotations

import base64
import json
import random
import re
import string
import textwrap
import uuid
from collections import Counter
from collections.abc import Callable
from typing import NamedTuple
from urllib.parse import quote

VARIANTS = 1  # instances of each secret template: breadth of formats over repetition
KEEP_VARIANTS = 2  # instances of each keep-list template
ALNUM = string.ascii_letters + string.digits
UPPER = string.ascii_uppercase
LOWER = string.ascii_lowercase
DIGITS = string.digits
HEX = "0123456789abcdef"
URLSAFE = ALNUM + "-_"
PWSYM = "!%^*-_+.@~#"
WORDS = [
    "anvil", "basalt", "cinder", "dahlia", "egret", "fjord", "garnet", "hazel", "indigo", "jasper",
    "kestrel", "lichen", "mistral", "nutmeg", "onyx", "pewter", "quill", "rowan", "sorrel",
    "tamarack", "umber", "vireo", "wicker", "yarrow", "zephyr",
]  # fmt: skip


class Case(NamedTuple):
    family: str
    format: str
    lines: tuple[str, ...]
    values: tuple[str, ...]


class Keep(NamedTuple):
    format: str
    lines: tuple[str, ...]
    tokens: tuple[str, ...]


def _s(r: random.Random, alphabet: str, n: int) -> str:
    return "".join(r.choice(alphabet) for _ in range(n))


def _pw(r: random.Random) -> str:
    """A generated password: letters, digits and shell/URL-unfriendly symbols."""
    while True:
        s = _s(r, ALNUM + PWSYM, r.randint(12, 22))
        if any(c.isdigit() for c in s) and any(c in PWSYM for c in s) and s[0] not in "-#~":
            return s


def _pws(r: random.Random) -> str:
    """A password safe in URLs, unquoted shell words and colon-separated files."""
    while True:
        s = _s(r, ALNUM + "-_.", r.randint(12, 24))
        if any(c.isdigit() for c in s) and s[0].isalnum():
            return s


def _human(r: random.Random) -> str:
    """A password a person chose: two words, digits and a symbol."""
    a, b = r.sample(WORDS, 2)
    return f"{a.capitalize()}{r.choice('!@#$%&*')}{b}{r.randint(10, 9999)}"


def _user(r: random.Random) -> str:
    return r.choice(["svc_", "app-", "ops.", "", "deploy", "etl_"]) + r.choice(WORDS)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _b64url(r: random.Random, n: int) -> str:
    return base64.urlsafe_b64encode(r.randbytes(n)).decode().rstrip("=")


def _jwt(r: random.Random) -> str:
    head = _b64url_json({"alg": "RS256", "typ": "JWT", "kid": _s(r, HEX, 16)})
    body = _b64url_json(
        {
            "sub": str(uuid.UUID(int=r.getrandbits(128), version=4)),
            "iss": "https://auth.example.net/",
            "exp": 1764700000 + r.randint(0, 10**6),
            "scope": "read write",
        }
    )
    return f"{head}.{body}.{_b64url(r, 256)}"


def _b64url_json(obj: object) -> str:
    raw = json.dumps(obj, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _urlpw(r: random.Random) -> str:
    """A password with reserved characters, percent-encoded as it appears in a URL or form."""
    base = _pws(r)
    i = r.randint(2, len(base) - 2)
    return quote(base[:i] + r.choice("@:/#?&%+ ") + base[i:] + r.choice("!$@"), safe="")


def _uuid(r: random.Random) -> str:
    return str(uuid.UUID(int=r.getrandbits(128), version=4))


SECRET: dict[str, Callable[[random.Random], str]] = {
    "pw": _pw,
    "pws": _pws,
    "human": _human,
    "uuid": _uuid,
    "jwt": _jwt,
    "basic": lambda r: _b64(f"{_user(r)}:{_pw(r)}".encode()),
    "sasl": lambda r: _b64(f"\0{_user(r)}\0{_pw(r)}".encode()),
    "saslz": lambda r: _b64(f"{_user(r)}\0{_user(r)}\0{_pws(r)}".encode()),
    "b64pw": lambda r: _b64(_pw(r).encode()),
    "b64user": lambda r: _b64((_user(r) + "-" + _s(r, DIGITS, 3)).encode()),
    "hexpw": lambda r: _pw(r).encode().hex(),
    "urlpw": _urlpw,
    "xoauth2": lambda r: _b64(
        f"user={r.choice(WORDS)}@example.org\x01auth=Bearer ya29.{_s(r, URLSAFE, 90)}"
        "\x01\x01".encode()
    ),
    # vendor shapes
    "akia": lambda r: "AKIA" + _s(r, UPPER + "234567", 16),
    "asia": lambda r: "ASIA" + _s(r, UPPER + "234567", 16),
    "awssecret": lambda r: _s(r, ALNUM + "/+", 40),
    "awssession": lambda r: "IQoJb3JpZ2luX2Vj" + _s(r, ALNUM + "/+", 300) + "==",
    "ghp": lambda r: "ghp_" + _s(r, ALNUM, 36),
    "gho": lambda r: "gho_" + _s(r, ALNUM, 36),
    "ghs": lambda r: "ghs_" + _s(r, ALNUM, 36),
    "github_pat": lambda r: "github_pat_11" + _s(r, UPPER + DIGITS, 20) + "_" + _s(r, ALNUM, 59),
    "glpat": lambda r: "glpat-" + _s(r, URLSAFE, 20),
    "glptt": lambda r: "glptt-" + _s(r, HEX, 40),
    "glrt": lambda r: "glrt-" + _s(r, URLSAFE, 20),
    "gldt": lambda r: "gldt-" + _s(r, URLSAFE, 20),
    "xoxb": lambda r: f"xoxb-{_s(r, DIGITS, 11)}-{_s(r, DIGITS, 13)}-{_s(r, ALNUM, 24)}",
    "xoxp": lambda r: (
        f"xoxp-{_s(r, DIGITS, 11)}-{_s(r, DIGITS, 12)}-{_s(r, DIGITS, 13)}-" + _s(r, HEX, 32)
    ),
    "xapp": lambda r: f"xapp-1-A{_s(r, UPPER + DIGITS, 10)}-{_s(r, DIGITS, 13)}-{_s(r, HEX, 64)}",
    "sk_live": lambda r: "sk_live_51" + _s(r, ALNUM, 97),
    "rk_live": lambda r: "rk_live_51" + _s(r, ALNUM, 97),
    "whsec": lambda r: "whsec_" + _s(r, ALNUM, 32),
    "twilio_sk": lambda r: "SK" + _s(r, HEX, 32),
    "sendgrid": lambda r: f"SG.{_s(r, URLSAFE, 22)}.{_s(r, URLSAFE, 43)}",
    "mailgun": lambda r: "key-" + _s(r, HEX, 32),
    "mailchimp": lambda r: _s(r, HEX, 32) + "-us" + str(r.randint(1, 21)),
    "npm": lambda r: "npm_" + _s(r, ALNUM, 36),
    "pypi": lambda r: "pypi-AgEIcHlwaS5vcmcCJD" + _s(r, URLSAFE, 130),
    "dckr_pat": lambda r: "dckr_pat_" + _s(r, URLSAFE, 27),
    "hvs": lambda r: "hvs." + _s(r, ALNUM, 24),
    "hvs_long": lambda r: "hvs.CAESI" + _s(r, URLSAFE, 90),
    "tfc": lambda r: _s(r, ALNUM, 14) + ".atlasv1." + _s(r, ALNUM, 67),
    "dop": lambda r: "dop_v1_" + _s(r, HEX, 64),
    "shpat": lambda r: "shpat_" + _s(r, HEX, 32),
    "shpss": lambda r: "shpss_" + _s(r, HEX, 32),
    "atatt": lambda r: "ATATT3xFfGF0" + _s(r, URLSAFE, 170) + "=" + _s(r, HEX.upper(), 8),
    "openai": lambda r: "sk-proj-" + _s(r, URLSAFE, 156),
    "anthropic": lambda r: "sk-ant-api03-" + _s(r, URLSAFE, 93) + "AA",
    "hf": lambda r: "hf_" + _s(r, ALNUM, 34),
    "gsk": lambda r: "gsk_" + _s(r, ALNUM, 52),
    "r8": lambda r: "r8_" + _s(r, ALNUM, 37),
    "pplx": lambda r: "pplx-" + _s(r, ALNUM, 48),
    "lsv2": lambda r: f"lsv2_pt_{_s(r, HEX, 32)}_{_s(r, HEX, 10)}",
    "aiza": lambda r: "AIza" + _s(r, URLSAFE, 35),
    "gocspx": lambda r: "GOCSPX-" + _s(r, URLSAFE, 28),
    "ya29": lambda r: "ya29.a0" + _s(r, URLSAFE, 150),
    "azsecret": lambda r: _s(r, ALNUM, 3) + "8Q~" + _s(r, ALNUM + "-_.~", 34),
    "azkey": lambda r: _b64(r.randbytes(64)),
    "lin_api": lambda r: "lin_api_" + _s(r, ALNUM, 40),
    "ntn": lambda r: "ntn_" + _s(r, DIGITS, 11) + _s(r, ALNUM, 35),
    "pmak": lambda r: f"PMAK-{_s(r, HEX, 24)}-{_s(r, HEX, 34)}",
    "nrak": lambda r: "NRAK-" + _s(r, UPPER + DIGITS, 27),
    "sntrys": lambda r: "sntrys_eyJpYXQiOjE3" + _s(r, ALNUM, 120),
    "glsa": lambda r: f"glsa_{_s(r, ALNUM, 32)}_{_s(r, HEX, 8)}",
    "glc": lambda r: "glc_eyJvIjoi" + _s(r, ALNUM, 100) + "fQ==",
    "dpst": lambda r: "dp.st.prd." + _s(r, ALNUM, 40),
    "pulumi": lambda r: "pul-" + _s(r, HEX, 40),
    "sq0atp": lambda r: "sq0atp-" + _s(r, URLSAFE, 22),
    "eaaa": lambda r: "EAAA" + _s(r, URLSAFE, 60),
    "braintree": lambda r: f"access_token$production${_s(r, LOWER + DIGITS, 16)}${_s(r, HEX, 32)}",
    "figd": lambda r: "figd_" + _s(r, URLSAFE, 40),
    "fo1": lambda r: "fo1_" + _s(r, URLSAFE, 43),
    "ltai": lambda r: "LTAI" + _s(r, ALNUM, 20),
    "akid": lambda r: "AKID" + _s(r, ALNUM, 32),
    "okta": lambda r: "00" + _s(r, URLSAFE, 40),
    "ccipat": lambda r: f"CCIPAT_{_s(r, ALNUM, 22)}_{_s(r, HEX, 40)}",
    "bkua": lambda r: "bkua_" + _s(r, HEX, 40),
    "nfp": lambda r: "nfp_" + _s(r, ALNUM, 36),
    "sbp": lambda r: "sbp_" + _s(r, HEX, 40),
    "pscale": lambda r: "pscale_pw_" + _s(r, URLSAFE, 43),
    "age": lambda r: "AGE-SECRET-KEY-1" + _s(r, "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L", 58),
    "discord_bot": lambda r: (
        _b64(_s(r, DIGITS, 18).encode()).rstrip("=")
        + "."
        + _s(r, URLSAFE, 6)
        + "."
        + _s(r, URLSAFE, 38)
    ),
    "telegram": lambda r: f"{r.randint(10**9, 8 * 10**9)}:AA{_s(r, URLSAFE, 33)}",
    "cfpat": lambda r: "CFPAT-" + _s(r, URLSAFE, 43),
    "dt0c01": lambda r: f"dt0c01.{_s(r, UPPER + DIGITS, 24)}.{_s(r, UPPER + DIGITS, 64)}",
    "rubygems": lambda r: "rubygems_" + _s(r, HEX, 48),
    "nuget": lambda r: "oy2" + _s(r, LOWER + DIGITS, 43),
    "akcp": lambda r: "AKCp8" + _s(r, ALNUM, 68),
    "sqp": lambda r: "sqp_" + _s(r, HEX, 40),
    "atbb": lambda r: "ATBB" + _s(r, ALNUM, 28) + _s(r, HEX.upper(), 8),
    "jenkins": lambda r: "11" + _s(r, HEX, 32),
    "dapi": lambda r: "dapi" + _s(r, HEX, 32),
    "mapbox": lambda r: f"sk.eyJ1Ijoi{_s(r, ALNUM, 30)}.{_s(r, URLSAFE, 22)}",
    "fcm": lambda r: f"AAAA{_s(r, URLSAFE, 7)}:APA91b{_s(r, URLSAFE, 134)}",
    "flwseck": lambda r: f"FLWSECK-{_s(r, HEX, 32)}-X",
    "rzp_secret": lambda r: _s(r, ALNUM, 24),
    "shippo": lambda r: "shippo_live_" + _s(r, HEX, 40),
    "ezak": lambda r: "EZAK" + _s(r, HEX, 54),
    "hrku": lambda r: "HRKU-AA" + _s(r, URLSAFE, 58),
    "tskey": lambda r: f"tskey-auth-k{_s(r, ALNUM, 10)}CNTRL-{_s(r, ALNUM, 33)}",
    "xkeysib": lambda r: f"xkeysib-{_s(r, HEX, 64)}-{_s(r, ALNUM, 16)}",
    "resend": lambda r: f"re_{_s(r, ALNUM, 8)}_{_s(r, ALNUM, 24)}",
    "pcsk": lambda r: f"pcsk_{_s(r, ALNUM, 5)}_{_s(r, ALNUM, 64)}",
    "ops": lambda r: "ops_eyJzaWduSW5BZGRyZXNzIjoi" + _s(r, ALNUM, 300),
    "lddk": lambda r: "sdk-" + _uuid(r),
    "hubspot": lambda r: "pat-na1-" + _uuid(r),
    "essu": lambda r: "essu_" + _s(r, ALNUM, 80) + "==",
    "mdrill": lambda r: "md-" + _s(r, URLSAFE, 22),
    "azdo": lambda r: _s(r, LOWER + DIGITS, 52),
    "akab": lambda r: f"akab-{_s(r, LOWER + DIGITS, 16)}-{_s(r, LOWER + DIGITS, 16)}",
    "ico": lambda r: "ico-" + _s(r, ALNUM, 32),
    "scw": lambda r: "SCW" + _s(r, UPPER + DIGITS, 17),
    "kubeadm": lambda r: f"{_s(r, LOWER + DIGITS, 6)}.{_s(r, LOWER + DIGITS, 16)}",
    "zapier": lambda r: f"{_s(r, DIGITS, 7)}/{_s(r, LOWER + DIGITS, 7)}",
}


def _secret(kind: str, r: random.Random) -> str:
    if kind in SECRET:
        return SECRET[kind](r)
    m = re.fullmatch(r"(an|hex|HEX|lower|upper|url|digits|b64_?)(\d+)", kind)
    if not m:
        raise ValueError(f"unknown secret kind {kind!r}")
    alpha, n = m.group(1), int(m.group(2))
    if alpha.startswith("b64"):
        return _b64(r.randbytes(n))
    table = {"an": ALNUM, "hex": HEX, "HEX": HEX.upper(), "lower": LOWER + DIGITS}
    table |= {"upper": UPPER + DIGITS, "url": URLSAFE, "digits": DIGITS}
    while True:
        s = _s(r, table[alpha], n)
        # a generated "hex" value that happens to be all digits is still fine; only avoid a
        # leading dash that would read as an option
        if not s.startswith("-"):
            return s


def _filler(kind: str, r: random.Random) -> str:
    if re.fullmatch(r"(an|hex|HEX|lower|upper|url|digits|b64_?)\d+", kind):
        return _secret(kind, r)  # same shape, but not a secret (an id, a salt)
    tld = r.choice(["internal", "corp", "lan", "prod.example.net", "svc.cluster.local"])
    fill: dict[str, Callable[[], str]] = {
        "host": lambda: (
            f"{r.choice(WORDS)}-{r.choice(['db', 'mq', 'api', 'cache', 'ldap'])}"
            f"{r.randint(1, 9):02d}.{tld}"
        ),
        "user": lambda: _user(r),
        "db": lambda: r.choice(["orders", "billing", "inventory", "auth", "metrics", "ledger"]),
        "port": lambda: str(r.choice([5432, 3306, 5672, 6379, 27017, 8443, 9093, 1883, 389])),
        "ip": lambda: f"10.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}",
        "pid": lambda: str(r.randint(300, 65000)),
        "word": lambda: r.choice(WORDS),
        "num": lambda: str(r.randint(2, 999)),
        "ts": lambda: (
            f"2026-11-{r.randint(10, 30)}T{r.randint(0, 23):02d}:{r.randint(0, 59):02d}"
            f":{r.randint(0, 59):02d}.{r.randint(0, 999):03d}Z"
        ),
        "sys": lambda: (
            f"Nov {r.randint(10, 30)} {r.randint(0, 23):02d}:{r.randint(0, 59):02d}"
            f":{r.randint(0, 59):02d}"
        ),
        "ns": lambda: r.choice(["payments", "platform", "data", "edge", "default"]),
        "region": lambda: r.choice(["eu-west-1", "us-east-2", "ap-southeast-1", "eu-central-1"]),
        "app": lambda: r.choice(["checkout", "ledger-api", "notifier", "ingest", "search"]),
        "digits": lambda: str(r.randint(10**8, 10**10)),
    }
    return fill[kind]()


_SLOT = re.compile(r"\{([%~!])(\w+?)(?:#(\d+))?\1\}")


def render(template: str, r: random.Random, marker: str) -> tuple[str, tuple[str, ...]]:
    """Fill a template; return the text and the values of the slots marked ``marker``."""
    memo: dict[tuple[str, str, str], str] = {}
    picked: list[str] = []

    def one(m: re.Match[str]) -> str:
        sigil, kind, ref = m.group(1), m.group(2), m.group(3)
        key = (sigil, kind, ref or "")
        if ref and key in memo:
            return memo[key]
        if sigil == "%":
            value = _secret(kind, r)
        elif sigil == "!":
            value = _diag(kind, r)
        else:
            value = _filler(kind, r)
        if ref:
            memo[key] = value
        if sigil == marker and value not in picked:
            picked.append(value)
        return value

    return _SLOT.sub(one, template), tuple(picked)


# --------------------------------------------------------------------------------------------
# Planted-secret templates: (family, format, template). One template may hold several lines.
# --------------------------------------------------------------------------------------------

T: list[tuple[str, str, str]] = []


def add(family: str, *pairs: tuple[str, str]) -> None:
    for fmt, template in pairs:
        T.append((family, fmt, template))


add(
    "cli_database_tools",
    (
        "psql_conninfo",
        "$ psql 'host={~host~} port=5432 dbname={~db~} user={~user~} "
        "password={%pws%} sslmode=require' -c 'select now()'",
    ),
    (
        "pg_dump_env_prefix",
        "root@bastion:~# PGPASSWORD='{%pw%}' pg_dump -h {~host~} -U {~user~} "
        "-Fc {~db~} > /backup/{~db~}.dump",
    ),
    (
        "pg_basebackup_dbname",
        'pg_basebackup -d "host={~host~} user=replicator '
        'password={%pws%}" -D /var/lib/postgresql/16/main -P -R',
    ),
    (
        "mongo_password_flag",
        "mongo --host {~host~} --port 27017 -u {~user~} --password {%pws%} "
        "--authenticationDatabase admin",
    ),
    (
        "mongodump_p",
        "mongodump --uri=mongodb://{~host~}:27017 --username={~user~} "
        "--password='{%pw%}' --out=/srv/dump",
    ),
    ("mysql_p_attached", "mysql -h {~host~} -u root -p{%pws%} -e 'SHOW SLAVE STATUS\\G'"),
    ("mysqladmin_password", "mysqladmin -u root password '{%pw%}'"),
    ("rabbitmqctl_add_user", "sudo rabbitmqctl add_user {~user~} '{%pw%}'"),
    ("rabbitmqctl_change_password", "rabbitmqctl change_password guest {%pws%}"),
    ("redis_cli_a", "redis-cli -h {~host~} -p 6379 -a '{%pw%}' --no-auth-warning INFO replication"),
    ("redis_cli_user_pass", "redis-cli --user {~user~} --pass {%pws%} -n 2 keys 'session:*'"),
    (
        "influx_password",
        "influx -host {~host~} -username admin -password {%pws%} -database telegraf",
    ),
    ("sqlcmd_P", "sqlcmd -S tcp:{~host~},1433 -U sa -P '{%pw%}' -Q \"SELECT @@VERSION\""),
    ("cqlsh_p", "cqlsh {~host~} 9042 -u cassandra -p {%pws%} --ssl"),
    (
        "clickhouse_client",
        "clickhouse-client --host {~host~} --user default --password {%pws%} --query 'SELECT 1'",
    ),
    (
        "etcdctl_user",
        "ETCDCTL_API=3 etcdctl --endpoints=https://{~host~}:2379 "
        "--user root:{%pws%} get /registry --prefix --keys-only",
    ),
    ("pgbouncer_userlist", '"{~user~}" "{%pw%}"'),
)

add(
    "cli_cloud_and_k8s",
    ("aws_configure_set", "aws configure set aws_secret_access_key {%awssecret%} --profile prod"),
    (
        "aws_cli_env_inline",
        "AWS_ACCESS_KEY_ID={%akia%} AWS_SECRET_ACCESS_KEY={%awssecret%} "
        "aws s3 ls s3://{~app~}-artifacts --region {~region~}",
    ),
    (
        "kubectl_from_literal",
        "kubectl -n {~ns~} create secret generic {~app~}-db "
        "--from-literal=username={~user~} --from-literal=password='{%pw%}'",
    ),
    ("kubectl_token_flag", "kubectl --server=https://{~host~}:6443 --token={%jwt%} get pods -A"),
    (
        "helm_set_password",
        "helm upgrade --install pg bitnami/postgresql -n {~ns~} "
        "--set auth.postgresPassword={%pws%} --set auth.replicationPassword={%pws%}",
    ),
    (
        "helm_repo_add_password",
        "helm repo add internal https://charts.{~host~} --username ci --password {%pws%}",
    ),
    (
        "terraform_var_flag",
        "terraform apply -auto-approve -var 'db_password={%pw%}' -var region={~region~}",
    ),
    ("terraform_tf_var_env", "TF_VAR_admin_password='{%pw%}' terraform plan -out tfplan"),
    ("vault_login_token", "vault login {%hvs%}"),
    ("vault_login_userpass", "vault login -method=userpass username={~user~} password={%pws%}"),
    (
        "vault_kv_put",
        "vault kv put secret/{~app~}/prod db_password='{%pw%}' stripe_key={%sk_live%}",
    ),
    (
        "az_login_sp",
        "az login --service-principal -u {~user~} -p {%azsecret%} --tenant contoso.onmicrosoft.com",
    ),
    ("doctl_auth_init", "doctl auth init --access-token {%dop%}"),
    ("oc_login_token", "oc login --token=sha256~{%url43%} --server=https://api.{~host~}:6443"),
    (
        "argocd_login",
        "argocd login argocd.{~host~} --username admin --password '{%pw%}' --grpc-web",
    ),
    ("docker_login_p", "docker login -u {~user~} -p {%dckr_pat%} registry-1.docker.io"),
    ("gh_auth_stdin", "echo {%ghp%} | gh auth login --with-token"),
    ("npm_config_set", "npm config set //npm.{~host~}/:_authToken {%npm%}"),
    ("heroku_env", "HEROKU_API_KEY={%hrku%} heroku ps -a {~app~}"),
    ("gcloud_access_token", "gcloud storage ls --access-token-file=/dev/stdin <<< {%ya29%}"),
)

add(
    "cli_misc_tools",
    (
        "java_D_keystore",
        "java -Xmx2g -Djavax.net.ssl.keyStorePassword={%pws%} "
        "-Djavax.net.ssl.trustStorePassword={%pws%} -jar /opt/{~app~}/app.jar",
    ),
    (
        "java_D_spring",
        "/usr/bin/java -Dspring.datasource.password='{%pw%}' -Dserver.port=8080 -jar {~app~}.jar",
    ),
    (
        "keytool_storepass",
        "keytool -importcert -alias root -file ca.pem -keystore truststore.jks "
        "-storepass {%pws%} -noprompt",
    ),
    (
        "openssl_passin",
        "openssl pkcs12 -export -in cert.pem -inkey key.pem -out bundle.p12 -passout pass:{%pws%}",
    ),
    ("openssl_enc_k", "openssl enc -aes-256-cbc -salt -in dump.sql -out dump.sql.enc -k '{%pw%}'"),
    ("htpasswd_b", "htpasswd -bB /etc/nginx/.htpasswd {~user~} '{%pw%}'"),
    (
        "wget_password",
        "wget --user={~user~} --password='{%pw%}' https://{~host~}/exports/latest.csv",
    ),
    ("lftp_u", "lftp -u {~user~},{%pws%} sftp://{~host~} -e 'mirror /out /srv/in; bye'"),
    ("smbclient_percent", "smbclient //{~host~}/backup -U 'CORP\\{~user~}%{%pws%}' -c 'ls'"),
    (
        "mount_cifs_opts",
        "mount -t cifs //{~host~}/share /mnt/share -o username={~user~},password={%pws%},vers=3.0",
    ),
    ("ipmitool_P", "ipmitool -I lanplus -H {~ip~} -U ADMIN -P {%pws%} chassis power status"),
    ("zip_P", "zip -r -P {%pws%} logs-{~num~}.zip /var/log/{~app~}"),
    ("seven_zip_p", "7z a -p{%pws%} -mhe=on archive.7z /srv/exports"),
    ("gpg_passphrase", "gpg --batch --pinentry-mode loopback --passphrase '{%pw%}' -d backup.gpg"),
    ("net_use", "C:\\> net use Z: \\\\{~host~}\\finance /user:CORP\\{~user~} {%pws%}"),
    ("nmcli_wifi", "nmcli dev wifi connect DC2-Ops password '{%human%}'"),
    (
        "curl_data_password",
        "curl -s -X POST https://{~host~}/api/login -d "
        '\'{"username":"{~user~}","password":"{%pw%}"}\'',
    ),
    (
        "rclone_flag",
        "rclone copy /srv/backup remote:bkt --s3-access-key-id {%akia%} "
        "--s3-secret-access-key {%awssecret%}",
    ),
    ("ansible_extra_vars", "ansible-playbook site.yml -e 'ansible_become_pass={%pw%}' -l {~host~}"),
    ("sshpass_e_env", "SSHPASS='{%pw%}' sshpass -e ssh {~user~}@{~host~} uptime"),
    (
        "ps_aux_line",
        "{~user~}  {~pid~}  0.3  1.2 912344 99812 ?  Sl  Nov28  4:12 /usr/local/bin/"
        "exporter --db.password={%pws%} --web.listen-address=:9187",
    ),
)

add(
    "env_settings",
    ("export_pgpassword", "export PGPASSWORD={%pws%}"),
    ("mysql_pwd_env", "MYSQL_PWD='{%pw%}' mysql -h {~host~} -u {~user~} {~db~} < migrate.sql"),
    (
        "env_grep_dump",
        "$ env | grep -i -e key -e tok\nAPI_KEY={%an32%}\n"
        "GITHUB_TOKEN={%ghs%}\nSESSION_SECRET={%hex64%}",
    ),
    (
        "proc_environ_tr",
        "# tr '\\0' '\\n' < /proc/{~pid~}/environ\nHOME=/srv/{~app~}\n"
        "DATABASE_PASSWORD={%pw%}\nLANG=C.UTF-8",
    ),
    (
        "docker_inspect_env",
        '            "Env": [\n                "PATH=/usr/local/sbin:/usr/bin",\n'
        '                "REDIS_PASSWORD={%pws%}",\n                "JWT_SIGNING_KEY={%b64_32%}"\n'
        "            ],",
    ),
    ("dotenv_file", '# .env\nAPP_ENV=production\nDB_PASS="{%pw%}"\nMAIL_PASSWORD={%pws%}'),
    ("powershell_env", 'PS C:\\deploy> $env:ARM_CLIENT_SECRET = "{%azsecret%}"'),
    ("setx_windows", 'C:\\> setx SQLSERVER_SA_PASSWORD "{%pw%}" /M'),
    ("fish_set_x", "set -gx OPENAI_API_KEY {%openai%}"),
    ("csh_setenv", "setenv ORACLE_PWD {%pws%}"),
    (
        "docker_run_e",
        "docker run -d --name pg -e POSTGRES_PASSWORD='{%pw%}' -p 5432:5432 postgres:16",
    ),
    ("borg_passphrase", "BORG_PASSPHRASE='{%human%}' borg create ::{~word~}-{~num~} /etc /srv"),
    ("restic_env", "export RESTIC_PASSWORD={%pws%} RESTIC_REPOSITORY=s3:s3.amazonaws.com/bkt"),
    (
        "k8s_env_value",
        '        env:\n        - name: SMTP_PASSWORD\n          value: "{%pw%}"\n'
        "        - name: LOG_LEVEL\n          value: info",
    ),
    ("gitlab_ci_variable", 'variables:\n  SONAR_TOKEN: "{%sqp%}"\n  DOCKER_DRIVER: overlay2'),
    ("github_actions_env", "    env:\n      NPM_TOKEN: {%npm%}\n      CI: true"),
    ("jenkins_environment", "environment {\n    NEXUS_PASS = '{%pw%}'\n}"),
    (
        "crontab_env",
        "MAILTO=ops\nBACKUP_ENCRYPTION_KEY={%hex64%}\n0 3 * * * /usr/local/bin/backup.sh",
    ),
)

add(
    "systemd_units",
    (
        "dropin_environment",
        "# /etc/systemd/system/{~app~}.service.d/override.conf\n[Service]\n"
        'Environment="DB_PASSWORD={%pw%}"\nEnvironment=GOMAXPROCS=2',
    ),
    (
        "dropin_multi_assign",
        '[Service]\nEnvironment="LOG_LEVEL=info" "API_TOKEN={%an40%}" "PORT=8080"',
    ),
    (
        "execstart_flag",
        "ExecStart=/usr/bin/{~app~} --listen :8080 --redis-password {%pws%} --workers 4",
    ),
    (
        "systemctl_show_env",
        "$ systemctl show {~app~} -p Environment\nEnvironment=HOME=/srv "
        "NODE_ENV=production STRIPE_SECRET_KEY={%sk_live%}",
    ),
    (
        "systemctl_status_cmdline",
        "     CGroup: /system.slice/{~app~}.service\n"
        "             └─{~pid~} /usr/bin/python3 -m worker --broker amqp://{~user~}:{%pws%}@"
        "{~host~}:5672//",
    ),
    (
        "journal_set_env",
        "{~sys~} {~host~} systemd[1]: {~app~}.service: Setting environment "
        "SECRET_KEY_BASE={%hex128%}",
    ),
)

add(
    "http_headers",
    (
        "curl_v_basic",
        "> GET /api/v2/health HTTP/1.1\n> Host: {~host~}\n"
        "> Authorization: Basic {%basic%}\n> User-Agent: curl/8.5.0",
    ),
    ("curl_H_bearer", "curl -H 'Authorization: Bearer {%jwt%}' https://{~host~}/v1/me"),
    (
        "x_api_key_header",
        "curl -H \"X-API-Key: {%an40%}\" -H 'Accept: application/json' https://{~host~}/reports",
    ),
    (
        "gitlab_private_token",
        'curl --header "PRIVATE-TOKEN: {%glpat%}" https://gitlab.{~host~}/api/v4/projects',
    ),
    (
        "vault_token_header",
        'curl -H "X-Vault-Token: {%hvs_long%}" https://vault.{~host~}:8200/v1/secret/data/app',
    ),
    ("cookie_session", "Cookie: _ga=GA1.2.1234.5678; sessionid={%lower32%}; csrftoken={%an64%}"),
    (
        "set_cookie_response",
        "< Set-Cookie: __Host-auth={%url48%}; Path=/; Secure; HttpOnly; SameSite=Lax",
    ),
    ("apim_subscription_key", "Ocp-Apim-Subscription-Key: {%hex32%}"),
    ("shopify_access_token", "X-Shopify-Access-Token: {%shpat%}"),
    ("goog_api_key_header", "X-Goog-Api-Key: {%aiza%}"),
    (
        "har_headers_json",
        '{"name": "authorization", "value": "Bearer {%an48%}"},'
        ' {"name": "x-request-id", "value": "{~digits~}"}',
    ),
    (
        "python_requests_debug",
        "send: b'POST /oauth/token HTTP/1.1\\r\\nHost: {~host~}\\r\\n"
        "Authorization: Basic {%basic%}\\r\\nContent-Length: 29\\r\\n\\r\\n'",
    ),
    ("proxy_authorization", "CONNECT {~host~}:443 HTTP/1.1\nProxy-Authorization: Basic {%basic%}"),
    (
        "x_auth_token_log",
        "{~ts~} DEBUG http.client: header X-Auth-Token={%hex40%} path=/v3/servers",
    ),
    (
        "digest_auth_response",
        'Authorization: Digest username="{~user~}", realm="ops", '
        'nonce="{~digits~}", uri="/", response="{%hex32%}"',
    ),
    ("token_scheme_drf", "Authorization: Token {%hex40%}"),
    ("splunk_scheme", "Authorization: Splunk {%uuid%}"),
    ("genie_key_scheme", "Authorization: GenieKey {%uuid%}"),
    ("apikey_scheme_elastic", "Authorization: ApiKey {%b64_40%}"),
    ("fastly_key", "Fastly-Key: {%an32%}"),
    ("honeycomb_team", "X-Honeycomb-Team: {%an22%}"),
    ("postmark_token", "X-Postmark-Server-Token: {%uuid%}"),
    (
        "nginx_access_log_auth_echo",
        '{~ip~} - - [02/Dec/2026:00:1{~num~} +0000] "GET /debug?'
        'hdr=Authorization:%20Bearer%20{%an40%} HTTP/1.1" 200 512',
    ),
)

add(
    "mail_protocols",
    (
        "smtp_auth_plain",
        "C: EHLO {~host~}\nS: 250-AUTH PLAIN LOGIN\nC: AUTH PLAIN {%sasl%}\n"
        "S: 235 2.7.0 Authentication successful",
    ),
    (
        "smtp_auth_login",
        "C: AUTH LOGIN\nS: 334 VXNlcm5hbWU6\nC: {%b64user%}\nS: 334 UGFzc3dvcmQ6\n"
        "C: {%b64pw%}\nS: 235 Authentication succeeded",
    ),
    (
        "swaks_auth",
        "swaks --to ops@example.org --server {~host~}:587 --auth LOGIN "
        "--auth-user {~user~} --auth-password '{%pw%}' --tls",
    ),
    ("imap_login", 'a001 LOGIN {~user~} "{%pw%}"\na001 OK LOGIN completed'),
    ("imap_authenticate_plain", "a002 AUTHENTICATE PLAIN\n+\n{%sasl%}\na002 OK Success"),
    ("imap_xoauth2", "A01 AUTHENTICATE XOAUTH2 {%xoauth2%}"),
    ("pop3_pass", "+OK Dovecot ready.\nUSER {~user~}\n+OK\nPASS {%pws%}\n+OK Logged in."),
    (
        "openssl_s_client_smtp",
        "$ openssl s_client -starttls smtp -connect {~host~}:587 -quiet\n"
        "AUTH PLAIN {%saslz%}\n235 2.7.0 Accepted",
    ),
    ("postfix_sasl_passwd", "[smtp.{~host~}]:587 {~user~}:{%pws%}"),
    ("msmtprc", "account default\nhost smtp.{~host~}\nuser {~user~}\npassword {%pw%}"),
    ("fetchmailrc", 'poll imap.{~host~} protocol IMAP user "{~user~}" password "{%pw%}" ssl'),
    (
        "dovecot_auth_debug",
        "{~sys~} mail dovecot: auth: Debug: passwd-file: lookup: user={~user~} password={%pws%}",
    ),
)

add(
    "directory_and_sasl",
    (
        "ldapsearch_w",
        "ldapsearch -x -H ldaps://{~host~} -D 'cn=admin,dc=corp,dc=example' "
        "-w '{%pw%}' -b 'ou=people,dc=corp,dc=example' uid={~user~}",
    ),
    (
        "ldapwhoami_w",
        "ldapwhoami -H ldap://{~host~} -D uid={~user~},ou=svc,dc=ex,dc=org -w {%pws%}",
    ),
    ("slapd_rootpw", "olcRootPW: {%pw%}"),
    ("nslcd_bindpw", "binddn cn=nslcd,ou=svc,dc=corp,dc=example\nbindpw {%pws%}"),
    (
        "sssd_authtok",
        "[domain/corp.example]\nldap_default_authtok_type = password\n"
        "ldap_default_authtok = {%pw%}",
    ),
    (
        "ldap_bind_trace",
        'conn=1043 op=0 BIND dn="cn=svc,dc=corp" method=128 simple_password="{%pws%}"',
    ),
    (
        "kafka_jaas_plain",
        "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule"
        ' required username="{~user~}" password="{%pw%}";',
    ),
    (
        "kafka_jaas_scram_file",
        "KafkaClient {\n  org.apache.kafka.common.security.scram."
        'ScramLoginModule required\n  username="{~user~}"\n  password="{%pws%}";\n};',
    ),
    (
        "librdkafka_sasl",
        "bootstrap.servers={~host~}:9093\nsecurity.protocol=SASL_SSL\n"
        "sasl.mechanisms=PLAIN\nsasl.username={%upper16%}\nsasl.password={%url64%}",
    ),
    (
        "kafka_console_prop",
        "kafka-console-consumer.sh --bootstrap-server {~host~}:9093 "
        "--consumer-property sasl.password={%pws%} --topic orders",
    ),
    ("sasl_plain_generic", "{~ts~} TRACE sasl: client initial response PLAIN {%sasl%}"),
    ("memcached_sasl", "memcached: SASL auth mech=PLAIN data={%sasl%} result=OK"),
    ("krb5_kinit_pipe", "echo '{%pw%}' | kinit {~user~}@CORP.EXAMPLE"),
    ("radius_secret", "client {~word~} {\n    ipaddr = {~ip~}\n    secret = {%pws%}\n}"),
    ("snmp_v3", "snmpwalk -v3 -l authPriv -u {~user~} -a SHA -A {%pws%} -x AES -X {%pws%} {~ip~}"),
    ("snmp_community", "snmpget -v2c -c {%an16%} {~ip~} sysUpTime.0"),
)

add(
    "messaging_and_cache_protocols",
    ("redis_auth_inline", "127.0.0.1:6379> AUTH {%pws%}\nOK"),
    (
        "redis_auth_acl",
        "{~ip~}:6379> AUTH {~user~} {%pw%}\n(error) WRONGPASS invalid username-"
        "password pair or user is disabled.",
    ),
    ("redis_monitor_auth", '1764633{~num~}.123456 [0 {~ip~}:52144] "AUTH" "{%pws%}"'),
    (
        "redis_client_error",
        "redis.exceptions.ResponseError: AUTH {%pw%} called without any "
        "password configured for the default user",
    ),
    ("redis_conf", "requirepass {%pw%}\nmasterauth {%pw%}"),
    ("mosquitto_sub_P", "mosquitto_sub -h {~host~} -p 8883 -u {~user~} -P '{%pw%}' -t 'plant/#'"),
    ("mosquitto_passwd_b", "mosquitto_passwd -b /etc/mosquitto/passwd {~user~} {%pws%}"),
    (
        "mqtt_connect_dump",
        "MQTT CONNECT: clientId=sensor-{~num~} keepAlive=60 "
        "username={~user~} password={%pws%} cleanSession=true",
    ),
    ("stomp_connect", "CONNECT\naccept-version:1.2\nhost:/\nlogin:{~user~}\npasscode:{%pws%}\n"),
    (
        "nats_connect",
        'CONNECT {"verbose":false,"user":"{~user~}","pass":"{%pw%}","name":"{~app~}"}',
    ),
    (
        "nats_cli_creds",
        "nats --server nats://{~host~}:4222 --user {~user~} --password {%pws%} sub '>'",
    ),
    ("websocket_protocol_token", "Sec-WebSocket-Protocol: access_token, {%jwt%}"),
    ("websocket_query_token", "wscat -c 'wss://{~host~}/ws/v1/stream?token={%an40%}'"),
    (
        "grpcurl_H",
        "grpcurl -H 'authorization: Bearer {%an48%}' {~host~}:443 billing.v1.Invoices/List",
    ),
    (
        "grpc_metadata_log",
        "{~ts~} grpc: incoming metadata: map[:authority:[{~host~}] "
        "authorization:[Bearer {%url64%}] user-agent:[grpc-go/1.64.0]]",
    ),
    ("ghz_metadata", 'ghz --insecure -m \'{"x-api-key":"{%an32%}"}\' --call pkg.Svc/Op {~host~}'),
    (
        "amqp_plain_frame",
        "amqp: Connection.StartOk mechanism=PLAIN response=\\x00{~user~}\\x00{%pws%} locale=en_US",
    ),
    ("zookeeper_digest", "addauth digest {~user~}:{%pws%}"),
)

add(
    "web_server_config",
    ("nginx_proxy_basic", '    proxy_set_header Authorization "Basic {%basic%}";'),
    ("nginx_set_var", '    set $upstream_api_key "{%an40%}";'),
    ("nginx_proxy_header_token", "    proxy_set_header X-Internal-Token {%hex64%};"),
    ("apache_setenv", 'SetEnv DB_PASSWORD "{%pw%}"'),
    ("apache_requestheader", 'RequestHeader set X-Api-Key "{%an32%}"'),
    (
        "apache_ldap_bind",
        'AuthLDAPBindDN "cn=apache,ou=svc,dc=corp"\nAuthLDAPBindPassword "{%pw%}"',
    ),
    ("apache_ssl_passphrase", 'SSLPassPhraseDialog "exec:/bin/echo {%pws%}"'),
    ("haproxy_userlist", "userlist admins\n    user admin insecure-password {%pws%}"),
    (
        "haproxy_stats_auth",
        "listen stats\n    bind :8404\n    stats enable\n    stats auth admin:{%pws%}",
    ),
    ("haproxy_set_header", '    http-request set-header Authorization "Bearer {%an48%}"'),
    (
        "traefik_basicauth_label",
        '      - "traefik.http.middlewares.auth.basicauth.users=admin:'
        '$$apr1$${~lower8~}$${%url22%}"',
    ),
    ("caddy_basicauth", "basicauth /admin/* {\n    admin {%b64_44%}\n}"),
    (
        "varnish_secret_arg",
        "varnishd -a :80 -T localhost:6082 -S /etc/varnish/secret -p secret={%hex32%}",
    ),
)

add(
    "credential_files",
    ("netrc_one_line", "machine {~host~} login {~user~} password {%pw%}"),
    (
        "netrc_multi_line",
        "machine api.{~host~}\n  login {~user~}\n  password {%pws%}\n"
        "machine ftp.{~host~}\n  login anonymous\n  password {%pws%}",
    ),
    ("pgpass", "{~host~}:5432:{~db~}:{~user~}:{%pws%}"),
    ("pgpass_wildcard", "*:*:*:replicator:{%pws%}"),
    ("my_cnf", '[client]\nuser = root\npassword = "{%pw%}"\nhost = {~host~}'),
    ("git_credentials", "https://{~user~}:{%ghp%}@github.com"),
    (
        "aws_credentials",
        "[prod]\naws_access_key_id = {%akia%}\naws_secret_access_key = "
        "{%awssecret%}\naws_session_token = {%awssession%}",
    ),
    ("npmrc", "registry=https://registry.npmjs.org/\n//registry.npmjs.org/:_authToken={%npm%}"),
    ("npmrc_auth_b64", "//nexus.{~host~}/repository/npm/:_auth={%basic%}\nalways-auth=true"),
    ("pypirc", "[pypi]\nusername = __token__\npassword = {%pypi%}"),
    (
        "docker_config_json",
        '{\n  "auths": {\n    "ghcr.io": {\n      "auth": "{%basic%}"\n    }\n  }\n}',
    ),
    ("s3cfg", "[default]\naccess_key = {%akia%}\nsecret_key = {%awssecret%}"),
    ("cifs_credentials", "username={~user~}\npassword={%pw%}\ndomain=CORP"),
    ("rclone_conf", "[b2]\ntype = b2\naccount = {%hex12%}\nkey = {%an31%}"),
    ("boto_cfg", "[Credentials]\ngs_secret_access_key = {%b64_30%}"),
    (
        "composer_auth_json",
        '{"http-basic": {"repo.packagist.com": {"username": "token", "password": "{%hex40%}"}}}',
    ),
    ("gradle_properties", "artifactoryUser={~user~}\nartifactoryPassword={%akcp%}"),
    ("cargo_credentials", '[registry]\ntoken = "cio{%an32%}"'),
    ("gem_credentials", "---\n:rubygems_api_key: {%rubygems%}"),
    ("nuget_config_apikey", '<add key="nuget.org" value="{%nuget%}" />'),
    ("terraformrc", 'credentials "app.terraform.io" {\n  token = "{%tfc%}"\n}'),
    ("kube_token_file", "$ cat /var/run/secrets/kubernetes.io/serviceaccount/token\n{%jwt%}"),
    ("htpasswd_line", "{~user~}:$apr1${~lower8~}${%url22%}"),
    ("wpa_supplicant", 'network={\n    ssid="Warehouse-IoT"\n    psk="{%human%}"\n}'),
)

add(
    "container_orchestration",
    (
        "compose_env_list",
        "    environment:\n      - POSTGRES_USER={~user~}\n      - POSTGRES_PASSWORD={%pw%}",
    ),
    (
        "compose_env_map",
        '    environment:\n      MYSQL_ROOT_PASSWORD: "{%pw%}"\n      MYSQL_DATABASE: {~db~}',
    ),
    (
        "k8s_secret_data_b64",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {~app~}-db\n"
        "type: Opaque\ndata:\n  username: {%b64user%}\n  password: {%b64pw%}",
    ),
    (
        "k8s_secret_stringdata",
        "kind: Secret\nstringData:\n  api-key: {%an40%}\n  webhook-secret: {%whsec%}",
    ),
    (
        "kubectl_get_secret_json",
        '    "data": {\n        ".dockerconfigjson": "{%b64_90%}",\n'
        '        "token": "{%b64_48%}"\n    },',
    ),
    (
        "helm_values_nested",
        "postgresql:\n  auth:\n    username: {~user~}\n"
        "    password: {%pw%}\n    replicationPassword: {%pws%}",
    ),
    (
        "helm_values_camel",
        'redis:\n  architecture: standalone\n  auth:\n    enabled: true\n    password: "{%pws%}"',
    ),
    ("kubeconfig_user", "users:\n- name: ci\n  user:\n    token: {%jwt%}"),
    ("kubeconfig_client_key_data", "    client-key-data: {%b64_180%}"),
    (
        "argocd_repo_secret",
        "  url: https://github.com/acme/deploy\n  password: {%ghp%}\n  username: not-used",
    ),
    (
        "external_secret_inline",
        "spec:\n  provider:\n    fake:\n      data:\n      - key: /prod/db\n"
        '        value: "{%pw%}"',
    ),
    (
        "nomad_template",
        '      template {\n        data = "DB_PASS={%pws%}"\n        '
        'destination = "secrets/db.env"\n      }',
    ),
    (
        "consul_acl_hcl",
        'acl {\n  enabled = true\n  tokens {\n    initial_management = "{%uuid%}"\n  }\n}',
    ),
    (
        "consul_bootstrap_out",
        "AccessorID:       {~word~}-accessor\nSecretID:         {%uuid%}\n"
        "Description:      Bootstrap Token (Global Management)",
    ),
    ("swarm_join_token", "docker swarm join --token SWMTKN-1-{%lower50%}-{%lower25%} {~ip~}:2377"),
    (
        "kubeadm_join",
        "kubeadm join {~ip~}:6443 --token {%kubeadm%} "
        "--discovery-token-ca-cert-hash sha256:{~word~}",
    ),
)

add(
    "hcl_terraform",
    (
        "tf_variable_default",
        'variable "db_password" {\n  type    = string\n  default = "{%pw%}"\n}',
    ),
    (
        "tf_provider_keys",
        'provider "aws" {\n  region     = "{~region~}"\n  access_key = '
        '"{%akia%}"\n  secret_key = "{%awssecret%}"\n}',
    ),
    ("tfvars", 'admin_password = "{%pw%}"\ncloudflare_api_token = "{%an40%}"'),
    (
        "tfstate_json",
        '            "master_password": "{%pws%}",\n            "master_username": "{~user~}",',
    ),
    (
        "tf_resource_inline",
        'resource "azurerm_mssql_server" "main" {\n  administrator_login_password = "{%pw%}"\n}',
    ),
    (
        "tf_vault_provider",
        'provider "vault" {\n  address = "https://vault.{~host~}:8200"\n  token   = "{%hvs%}"\n}',
    ),
    (
        "packer_hcl",
        'source "vsphere-iso" "base" {\n  password = "{%pw%}"\n  ssh_password = "{%pws%}"\n}',
    ),
    ("pulumi_config", "config:\n  app:dbPassword:\n    secure: v1:{%b64_24%}:{%b64_40%}"),
)

add(
    "toml_ini_files",
    ("toml_database", '[database]\nhost = "{~host~}"\nuser = "{~user~}"\npassword = "{%pw%}"'),
    ("toml_inline_table", 'redis = { url = "redis://{~host~}:6379", password = "{%pws%}" }'),
    ("toml_multiline_string", "[smtp]\npassword = '''{%pw%}'''"),
    ("ini_spaced", "[mysqld_exporter]\npass = {%pw%}"),
    (
        "ini_odbc",
        "[ODBC Data Source]\nDriver=ODBC Driver 18 for SQL Server\nServer={~host~}\n"
        "UID={~user~}\nPWD={%pws%}",
    ),
    (
        "grafana_ini",
        "[security]\nadmin_user = admin\nadmin_password = {%human%}\nsecret_key = {%an20%}",
    ),
    (
        "supervisord_ini",
        "[inet_http_server]\nport=127.0.0.1:9001\nusername=admin\npassword={%pws%}",
    ),
    ("php_ini_style", 'session.save_path = "tcp://{~host~}:6379?auth={%pws%}"'),
    ("pip_conf", "[global]\nindex-url = https://{~user~}:{%pws%}@pypi.{~host~}/simple"),
    (
        "gitlab_runner_toml",
        '[[runners]]\n  name = "{~word~}"\n  url = "https://gitlab.com"\n  token = "{%glrt%}"',
    ),
    (
        "telegraf_toml",
        '[[outputs.influxdb_v2]]\n  urls = ["http://{~host~}:8086"]\n  token = "{%url86%}=="',
    ),
    ("alertmanager_like_ini", "smtp_auth_password = {%pw%}"),
)

add(
    "java_and_spring",
    (
        "spring_properties",
        "spring.datasource.url=jdbc:postgresql://{~host~}:5432/{~db~}\n"
        "spring.datasource.username={~user~}\nspring.datasource.password={%pw%}",
    ),
    (
        "spring_yaml_mail",
        "spring:\n  mail:\n    host: smtp.{~host~}\n    username: {~user~}\n    password: {%pws%}",
    ),
    (
        "spring_oauth_client_secret",
        "spring.security.oauth2.client.registration.github.client-secret={%hex40%}",
    ),
    ("spring_ssl_keystore", "server.ssl.key-store-password={%pws%}"),
    ("properties_colon_sep", "db.connection.pass : {%pw%}"),
    ("properties_escaped", "ldap.manager.password={%pws%}\\:{%pws%}"),
    ("jasypt_enc", "datasource.password=ENC({%b64_48%})"),
    ("quarkus_profile", "%prod.quarkus.datasource.password={%pw%}"),
    ("micronaut_yaml", "datasources:\n  default:\n    password: '{%pw%}'"),
    ("log4j_smtp", "log4j.appender.mail.SMTPPassword={%pws%}"),
    (
        "jdbc_query_password",
        "jdbc:mysql://{~host~}:3306/{~db~}?user={~user~}&password={%pws%}&useSSL=true",
    ),
    (
        "jdbc_sqlserver_semicolon",
        "jdbc:sqlserver://{~host~}:1433;databaseName={~db~};"
        "user={~user~};password={%pws%};encrypt=true",
    ),
    ("jdbc_oracle_thin", "jdbc:oracle:thin:{~user~}/{%pws%}@{~host~}:1521/ORCLPDB1"),
    (
        "hikari_log",
        "{~ts~} INFO  HikariConfig - dataSourceProperties......{password={%pw%}, user={~user~}}",
    ),
)

add(
    "xml_configs",
    ("tomcat_users", '<user username="{~user~}" password="{%pw%}" roles="manager-gui"/>'),
    (
        "tomcat_context_resource",
        '<Resource name="jdbc/main" auth="Container" '
        'type="javax.sql.DataSource" username="{~user~}" password="{%pws%}" '
        'url="jdbc:postgresql://{~host~}/{~db~}"/>',
    ),
    (
        "maven_settings_server",
        "<server>\n  <id>nexus-releases</id>\n  <username>{~user~}"
        "</username>\n  <password>{%pw%}</password>\n</server>",
    ),
    (
        "maven_passphrase",
        "<server><id>gpg.passphrase</id><passphrase>{%human%}</passphrase></server>",
    ),
    ("nuget_cleartext", '<add key="ClearTextPassword" value="{%pw%}" />'),
    (
        "webconfig_connstring",
        '<add name="Default" connectionString="Server={~host~};'
        'Database={~db~};User Id={~user~};Password={%pws%};" />',
    ),
    ("webconfig_appsetting", '<add key="StripeSecretKey" value="{%sk_live%}" />'),
    ("hibernate_property", '<property name="hibernate.connection.password">{%pw%}</property>'),
    (
        "activemq_auth",
        '<authenticationUser username="{~user~}" password="{%pws%}" groups="admins"/>',
    ),
    (
        "wildfly_ds",
        "<security>\n    <user-name>{~user~}</user-name>\n    <password>{%pw%}"
        "</password>\n</security>",
    ),
    (
        "jenkins_credentials_xml",
        "<com.cloudbees.plugins.credentials.impl."
        "UsernamePasswordCredentialsImpl>\n  <username>{~user~}</username>\n  <password>"
        "{%pw%}</password>",
    ),
    (
        "soap_wsse",
        "<wsse:UsernameToken><wsse:Username>{~user~}</wsse:Username>"
        '<wsse:Password Type="#PasswordText">{%pw%}</wsse:Password></wsse:UsernameToken>',
    ),
    ("filezilla_xml", '<Pass encoding="base64">{%b64pw%}</Pass>'),
    ("xml_cdata", "<apiSecret><![CDATA[{%pw%}]]></apiSecret>"),
)

add(
    "code_literals",
    ("php_array_arrow", "    'password' => '{%pw%}',"),
    ("php_define_wp", "define( 'DB_PASSWORD', '{%pw%}' );\ndefine( 'AUTH_KEY', '{%pw%}{%pw%}' );"),
    ("php_variable", '$db_pass = "{%pws%}";'),
    ("ruby_symbol_hash", '  :secret_access_key => "{%awssecret%}",'),
    ("ruby_new_hash", 'Redis.new(host: "{~host~}", password: "{%pws%}")'),
    ("rails_secret_key_base", "  secret_key_base: {%hex128%}"),
    (
        "go_struct_literal",
        'cfg := &Config{Addr: "{~host~}:5432", User: "{~user~}", Password: "{%pw%}"}',
    ),
    ("go_const", 'const slackSigningSecret = "{%hex32%}"'),
    (
        "python_kwarg",
        "client = boto3.client('s3', aws_access_key_id='{%akia%}', "
        "aws_secret_access_key='{%awssecret%}')",
    ),
    ("python_django_secret", "SECRET_KEY = 'django-insecure-{%pw%}'"),
    ("python_setdefault", 'os.environ.setdefault("STRIPE_API_KEY", "{%rk_live%}")'),
    (
        "python_positional_connect",
        'conn = psycopg2.connect("{~host~}", "{~db~}", "{~user~}", "{%pw%}")',
    ),
    (
        "js_object",
        'const firebaseConfig = { apiKey: "{%aiza%}", authDomain: "{~word~}.firebaseapp.com" };',
    ),
    ("js_fallback", "const token = process.env.DISCORD_TOKEN || '{%discord_bot%}';"),
    ("ts_class_field", "  private readonly clientSecret = `{%an40%}`;"),
    ("csharp_networkcredential", 'var cred = new NetworkCredential("{~user~}", "{%pw%}");'),
    (
        "java_drivermanager",
        'Connection c = DriverManager.getConnection(url, "{~user~}", "{%pw%}");',
    ),
    ("rust_let", 'let api_secret = "{%an48%}";'),
    ("perl_dbi", "my $dbh = DBI->connect($dsn, '{~user~}', '{%pw%}', {RaiseError => 1});"),
    ("lua_table", 'local cfg = { redis_password = "{%pws%}" }'),
    ("kotlin_val", 'val signingKey = "{%b64_32%}"'),
    ("elixir_config", 'config :app, App.Repo, username: "{~user~}", password: "{%pw%}"'),
    ("shell_heredoc_var", "ADMIN_PASS=$(cat <<'EOF'\n{%pw%}\nEOF\n)"),
)

add(
    "sql_statements",
    ("mysql_create_user", "CREATE USER '{~user~}'@'%' IDENTIFIED BY '{%pw%}';"),
    (
        "mysql_grant_identified",
        "GRANT ALL PRIVILEGES ON {~db~}.* TO '{~user~}'@'10.%' IDENTIFIED BY '{%pws%}';",
    ),
    (
        "mysql_alter_user_with_plugin",
        "ALTER USER 'root'@'localhost' IDENTIFIED WITH caching_sha2_password BY '{%pw%}';",
    ),
    ("mysql_set_password_func", "SET PASSWORD FOR '{~user~}'@'%' = PASSWORD('{%pw%}');"),
    ("pg_alter_role", "ALTER ROLE {~user~} WITH LOGIN PASSWORD '{%pw%}' VALID UNTIL 'infinity';"),
    ("pg_create_role", "CREATE ROLE {~user~} LOGIN ENCRYPTED PASSWORD '{%pws%}';"),
    (
        "pg_log_statement",
        "{~ts~} UTC [{~pid~}] LOG:  statement: ALTER USER {~user~} PASSWORD '{%pw%}'",
    ),
    ("mssql_alter_login", "ALTER LOGIN sa WITH PASSWORD = '{%pw%}', CHECK_POLICY = OFF;"),
    (
        "oracle_identified_quoted",
        'CREATE USER app_ro IDENTIFIED BY "{%pw%}" DEFAULT TABLESPACE users;',
    ),
    (
        "pg_user_mapping",
        "CREATE USER MAPPING FOR {~user~} SERVER remote OPTIONS (user 'fdw', password '{%pws%}');",
    ),
    (
        "redshift_copy_credentials",
        "COPY events FROM 's3://bkt/events/' CREDENTIALS "
        "'aws_access_key_id={%akia%};aws_secret_access_key={%awssecret%}' FORMAT AS JSON 'auto';",
    ),
    (
        "snowflake_stage",
        "CREATE STAGE raw URL='s3://bkt/raw' CREDENTIALS=(AWS_KEY_ID='{%akia%}' "
        "AWS_SECRET_KEY='{%awssecret%}');",
    ),
    ("sql_update_token", "UPDATE integrations SET api_token = '{%an40%}' WHERE id = {~num~};"),
    (
        "sql_insert_values",
        "INSERT INTO smtp_accounts (host, login, secret) VALUES "
        "('{~host~}', '{~user~}', '{%pw%}');",
    ),
    (
        "mongo_shell_createuser",
        'db.createUser({user: "{~user~}", pwd: "{%pw%}", roles: ["readWrite"]})',
    ),
    ("cassandra_create_role", "CREATE ROLE {~user~} WITH PASSWORD = '{%pws%}' AND LOGIN = true;"),
    ("clickhouse_identified", "CREATE USER {~user~} IDENTIFIED WITH sha256_password BY '{%pw%}';"),
)

add(
    "url_userinfo",
    ("postgres_url", "DATABASE_URL=postgres://{~user~}:{%pws%}@{~host~}:5432/{~db~}"),
    ("amqps_url", "broker_url = 'amqps://{~user~}:{%pws%}@{~host~}:5671/prod'"),
    ("redis_url_no_user", "REDIS_URL=redis://:{%pws%}@{~host~}:6379/0"),
    (
        "mongodb_srv",
        "mongodb+srv://{~user~}:{%pws%}@cluster0.{~word~}.mongodb.net/?retryWrites=true",
    ),
    (
        "git_https_userinfo",
        "remote: Counting objects... fatal: unable to access "
        "'https://oauth2:{%glpat%}@gitlab.{~host~}/grp/app.git/'",
    ),
    ("https_proxy_env", "https_proxy=http://{~user~}:{%pws%}@proxy.{~host~}:3128"),
    ("ftp_url", "Fetching ftp://{~user~}:{%pws%}@{~host~}/pub/feed.xml ... done"),
    ("url_encoded_password", "postgresql://{~user~}:{%urlpw%}@{~host~}/{~db~}"),
    ("sentry_style_dsn", "SENTRY_DSN=https://{%hex32%}@o{~digits~}.ingest.sentry.io/{~num~}"),
    ("smtp_url", "EMAIL_URL=smtp+tls://{~user~}:{%pws%}@smtp.{~host~}:587"),
    ("ldap_url_userinfo", "ldaps://cn%3Dadmin:{%pws%}@{~host~}:636"),
    ("elastic_url", "ELASTICSEARCH_HOSTS=https://elastic:{%pws%}@{~host~}:9200"),
    ("docker_registry_mirror", '  mirrors: ["https://{~user~}:{%pws%}@mirror.{~host~}"]'),
)

add(
    "url_query_and_fragment",
    ("query_api_key", "GET /v1/forecast?lat=51.5&lon=0.1&api_key={%an32%} HTTP/1.1"),
    (
        "query_access_token_log",
        '{~ip~} - - [02/Dec/2026:00:0{~num~} +0000] "GET /graph?'
        'access_token={%eaaa%} HTTP/1.1" 200 1043',
    ),
    (
        "azure_sas",
        "https://{~word~}.blob.core.windows.net/backups/db.bak?sv=2022-11-02&ss=b"
        "&srt=o&sp=r&se=2026-12-09T00:00:00Z&sig={%urlpw%}",
    ),
    (
        "s3_presigned",
        "https://bkt.s3.amazonaws.com/report.csv?X-Amz-Algorithm=AWS4-HMAC-SHA256"
        "&X-Amz-Credential={%akia%}%2F20261202%2F{~region~}%2Fs3%2Faws4_request"
        "&X-Amz-Date=20261202T000000Z&X-Amz-Expires=3600&X-Amz-Signature={%hex64%}",
    ),
    (
        "gcs_signed_url",
        "https://storage.googleapis.com/bkt/obj?X-Goog-Algorithm=GOOG4-RSA-SHA256"
        "&X-Goog-Signature={%hex256%}",
    ),
    (
        "oauth_client_secret_query",
        "POST /oauth2/token?grant_type=client_credentials&client_id="
        "{~word~}&client_secret={%gocspx%}",
    ),
    (
        "oauth_fragment",
        "Redirecting to https://app.{~host~}/callback#access_token={%ya29%}"
        "&token_type=Bearer&expires_in=3599",
    ),
    ("query_password_get", "GET /cgi-bin/login.cgi?user={~user~}&password={%pws%} HTTP/1.0"),
    ("firebase_auth_query", "https://{~word~}.firebaseio.com/users.json?auth={%an40%}"),
    ("gitlab_private_token_query", "https://gitlab.{~host~}/api/v4/jobs?private_token={%glpat%}"),
    ("google_maps_key", "https://maps.googleapis.com/maps/api/geocode/json?address=x&key={%aiza%}"),
    (
        "form_body_urlencoded",
        "body: grant_type=password&username={~user~}&password={%urlpw%}&scope=openid",
    ),
    ("rss_token_query", "https://ci.{~host~}/job/nightly/rssAll?token={%hex32%}"),
    ("websocket_apikey_query", "connecting to wss://stream.{~host~}/v2?apikey={%an36%}&sub=trades"),
)

add(
    "webhook_urls",
    (
        "slack_webhook",
        "SLACK_WEBHOOK_URL=https://hooks.slack.com/services/T{~upper8~}/B{~upper10~}/{%an24%}",
    ),
    ("discord_webhook", "https://discord.com/api/webhooks/{~digits18~}/{%url68%}"),
    ("mattermost_hook", "curl -X POST -d @payload.json https://chat.{~host~}/hooks/{%lower26%}"),
    (
        "teams_incoming",
        "https://contoso.webhook.office.com/webhookb2/{~word~}@tenant/"
        "IncomingWebhook/{%hex32%}/{~word~}",
    ),
    (
        "google_chat_webhook",
        "https://chat.googleapis.com/v1/spaces/AAAA{~url7~}/messages?key={%aiza%}&token={%url43%}",
    ),
    ("rocketchat_hook", "https://rocket.{~host~}/hooks/{%an17%}/{%an48%}"),
    (
        "gitlab_trigger",
        "curl -X POST -F token={%glptt%} -F ref=main "
        "https://gitlab.{~host~}/api/v4/projects/{~num~}/trigger/pipeline",
    ),
    (
        "jenkins_build_token",
        "https://jenkins.{~host~}/buildByToken/build?job=deploy&token={%an32%}",
    ),
    ("ifttt_maker", "https://maker.ifttt.com/trigger/door_open/with/key/{%url22%}"),
    ("dingtalk_robot", "https://oapi.dingtalk.com/robot/send?access_token={%hex64%}"),
    ("feishu_bot_hook", "https://open.feishu.cn/open-apis/bot/v2/hook/{%uuid%}"),
    ("wecom_webhook", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={%uuid%}"),
    ("telegram_bot_api", "POST https://api.telegram.org/bot{%telegram%}/sendMessage"),
    ("pagerduty_events", '{"routing_key": "{%hex32%}", "event_action": "trigger"}'),
    ("zapier_catch", "https://hooks.zapier.com/hooks/catch/{%zapier%}/"),
    ("github_webhook_secret", "Webhook secret: {%hex40%} (Settings > Webhooks > edit)"),
    ("loggly_input_path", "https://logs-01.loggly.com/inputs/{%uuid%}/tag/http/"),
    (
        "grafana_oncall",
        "https://oncall-prod-eu.grafana.net/oncall/integrations/v1/alertmanager/{%an25%}/",
    ),
)

add(
    "encoded_values",
    ("json_b64_under_key", '{"kind":"config","db_password_b64":"{%b64pw%}"}'),
    ("hex_under_key", "encryption_key: {%hex64%}"),
    ("hex_password_field", "wifi_psk_hex={%hexpw%}"),
    (
        "json_escaped_nested",
        '{"msg":"loaded","cfg":"{\\"user\\":\\"{~user~}\\",\\"password\\":\\"{%pw%}\\"}"}',
    ),
    ("json_unicode_escaped", '{"env":"DB_PASSWORD\\u003d{%pws%}"}'),
    ("basic_in_json", '"headers": {"Authorization": "Basic {%basic%}"}'),
    ("url_encoded_in_log", "POST /login 302 body=user%3D{~user~}%26pass%3D{%urlpw%}"),
    ("b64_in_yaml_secret", "  ssh-privatekey: {%b64_120%}"),
    ("double_b64", "secret_blob: {%b64_60%}"),
    ("java_comment_b64_key", 'byte[] key = Base64.getDecoder().decode("{%b64_32%}"); // AES key'),
    ("python_bytes_literal", "PASSWORD = b'{%pws%}'"),
    ("base32_totp_seed", "otpauth://totp/Acme:{~user~}?secret={%upper32%}&issuer=Acme"),
)

add(
    "vendor_cloud",
    (
        "aws_key_pair_log",
        "Using AWS credentials from env: AccessKeyId={%asia%} SessionToken={%awssession%}",
    ),
    ("gcp_api_key", "GOOGLE_MAPS_API_KEY={%aiza%}"),
    ("gcp_oauth_client", '"client_secret": "{%gocspx%}"'),
    (
        "azure_storage_connstring",
        "DefaultEndpointsProtocol=https;AccountName={~word~}store;"
        "AccountKey={%azkey%};EndpointSuffix=core.windows.net",
    ),
    ("azure_client_secret", "AZURE_CLIENT_SECRET={%azsecret%}"),
    ("digitalocean", "DIGITALOCEAN_TOKEN={%dop%}"),
    (
        "alibaba_keypair",
        "ALIBABA_CLOUD_ACCESS_KEY_ID={%ltai%}\nALIBABA_CLOUD_ACCESS_KEY_SECRET={%an30%}",
    ),
    ("tencent_secret_id", "TENCENTCLOUD_SECRET_ID={%akid%} TENCENTCLOUD_SECRET_KEY={%an32%}"),
    ("scaleway", "SCW_ACCESS_KEY={%scw%}\nSCW_SECRET_KEY={%uuid%}"),
    ("heroku", "heroku: using token {%hrku%}"),
    ("flyio", 'FLY_API_TOKEN="FlyV1 {%fo1%}"'),
    ("linode", "linode-cli --token {%hex64%} linodes list"),
    ("hetzner", "HCLOUD_TOKEN={%an64%}"),
    (
        "akamai_edgerc",
        "[default]\nclient_secret = {%b64_33%}\naccess_token = {%akab%}\nclient_token = {%akab%}",
    ),
    (
        "cloudflare_bearer",
        "curl -H 'Authorization: Bearer {%url40%}' "
        "https://api.cloudflare.com/client/v4/user/tokens/verify",
    ),
)

add(
    "vendor_saas_and_payment",
    ("stripe_secret", 'stripe.api_key = "{%sk_live%}"'),
    ("stripe_restricted", "STRIPE_KEY={%rk_live%}"),
    ("stripe_webhook_secret", "endpoint_secret = '{%whsec%}'"),
    ("square", "SQUARE_ACCESS_TOKEN={%eaaa%}\nlegacy={%sq0atp%}"),
    ("braintree", "BT_ACCESS_TOKEN={%braintree%}"),
    ("flutterwave", "FLW_SECRET_KEY={%flwseck%}"),
    ("razorpay", "razorpay.key_id=rzp_live_{%an14%}\nrazorpay.key_secret={%rzp_secret%}"),
    ("shippo", "SHIPPO_API_TOKEN={%shippo%}"),
    ("easypost", "EasyPost::Client.new(api_key: '{%ezak%}')"),
    ("shopify", "SHOPIFY_ADMIN_TOKEN={%shpat%}\nSHOPIFY_SHARED_SECRET={%shpss%}"),
    ("atlassian", "JIRA_API_TOKEN={%atatt%}"),
    ("linear", "LINEAR_API_KEY={%lin_api%}"),
    ("notion", "NOTION_TOKEN={%ntn%}"),
    ("postman", "postman-cli login --with-api-key {%pmak%}"),
    ("figma", "FIGMA_TOKEN={%figd%}"),
    ("hubspot", "HUBSPOT_PRIVATE_APP_TOKEN={%hubspot%}"),
    ("okta", "OKTA_API_TOKEN={%okta%}"),
    ("one_password_sa", "OP_SERVICE_ACCOUNT_TOKEN={%ops%}"),
    ("doppler", "DOPPLER_TOKEN={%dpst%}"),
    ("pulumi", "PULUMI_ACCESS_TOKEN={%pulumi%}"),
    ("tailscale", "tailscale up --authkey={%tskey%}"),
    ("age_key", "# created: 2026-11-30T10:00:00Z\n{%age%}"),
    ("mapbox", "MAPBOX_SECRET_TOKEN={%mapbox%}"),
    ("launchdarkly", "LD_SDK_KEY={%lddk%}"),
    ("contentful", "CONTENTFUL_MANAGEMENT_TOKEN={%cfpat%}"),
    ("supabase", "supabase login --token {%sbp%}"),
    ("planetscale", "password: {%pscale%}"),
)

add(
    "vendor_ci_registry_chat",
    ("github_pat_fine", "GH_TOKEN={%github_pat%}"),
    ("github_oauth", "[credential] helper-token={%gho%}"),
    ("gitlab_deploy_token", "gldt token for registry: {%gldt%}"),
    ("slack_bot", "SLACK_BOT_TOKEN={%xoxb%}"),
    ("slack_user", "slack_token: {%xoxp%}"),
    ("slack_app", "SLACK_APP_TOKEN={%xapp%}"),
    ("discord_bot", "client.run('{%discord_bot%}')"),
    ("telegram_bot", "TELEGRAM_BOT_TOKEN={%telegram%}"),
    ("npm_token", "NODE_AUTH_TOKEN={%npm%}"),
    ("pypi_token", "TWINE_PASSWORD={%pypi%}"),
    ("docker_hub_pat", "DOCKERHUB_TOKEN={%dckr_pat%}"),
    ("rubygems", "GEM_HOST_API_KEY={%rubygems%}"),
    ("nuget", "dotnet nuget push pkg.nupkg --api-key {%nuget%} --source nuget.org"),
    ("jfrog", "JFROG_ACCESS_TOKEN={%akcp%}"),
    ("sonarqube", "sonar.token={%sqp%}"),
    ("bitbucket_app_password", "BITBUCKET_APP_PASSWORD={%atbb%}"),
    (
        "jenkins_api_token",
        "curl -u admin:{%jenkins%} https://jenkins.{~host~}/crumbIssuer/api/json",
    ),
    ("circleci", "CIRCLE_TOKEN={%ccipat%}"),
    ("buildkite", "BUILDKITE_API_TOKEN={%bkua%}"),
    ("netlify", "NETLIFY_AUTH_TOKEN={%nfp%}"),
    ("terraform_cloud", "TFE_TOKEN={%tfc%}"),
    ("azure_devops_pat", "AZURE_DEVOPS_EXT_PAT={%azdo%}"),
    ("twilio", "TWILIO_API_KEY={%twilio_sk%}\nTWILIO_AUTH_TOKEN={%hex32%}"),
    ("sendgrid", "SENDGRID_API_KEY={%sendgrid%}"),
    ("mailgun", "MAILGUN_API_KEY={%mailgun%}"),
    ("mailchimp", "MAILCHIMP_KEY={%mailchimp%}"),
    ("brevo", "BREVO_API_KEY={%xkeysib%}"),
    ("resend", "RESEND_API_KEY={%resend%}"),
    ("mandrill", "MANDRILL_KEY={%mdrill%}"),
    ("fcm_server_key", "FCM_SERVER_KEY={%fcm%}"),
)

add(
    "vendor_ai_and_observability",
    ("openai", "OPENAI_API_KEY={%openai%}"),
    ("anthropic", "ANTHROPIC_API_KEY={%anthropic%}"),
    ("huggingface", "huggingface-cli login --token {%hf%}"),
    ("groq", "GROQ_API_KEY={%gsk%}"),
    ("replicate", "REPLICATE_API_TOKEN={%r8%}"),
    ("perplexity", "PPLX_API_KEY={%pplx%}"),
    ("langsmith", "LANGCHAIN_API_KEY={%lsv2%}"),
    ("pinecone", "PINECONE_API_KEY={%pcsk%}"),
    ("datadog", "DD_API_KEY={%hex32%}\nDD_APP_KEY={%hex40%}"),
    ("newrelic", "NEW_RELIC_API_KEY={%nrak%}\nNEW_RELIC_LICENSE_KEY={%hex36%}NRAL"),
    ("sentry_auth", "SENTRY_AUTH_TOKEN={%sntrys%}"),
    ("grafana_sa", "GRAFANA_TOKEN={%glsa%}"),
    ("grafana_cloud", "GRAFANA_CLOUD_TOKEN={%glc%}"),
    ("dynatrace", "DT_API_TOKEN={%dt0c01%}"),
    ("elastic_cloud", "EC_API_KEY={%essu%}"),
    ("databricks", "DATABRICKS_TOKEN={%dapi%}"),
    ("rollbar", "rollbar.init('{%hex32%}', 'production')"),
    ("infracost", "INFRACOST_API_KEY={%ico%}"),
    ("wandb", "WANDB_API_KEY={%hex40%}"),
)

add(
    "stack_traces",
    (
        "python_traceback_locals",
        'Traceback (most recent call last):\n  File "/srv/app/db.py", '
        "line 42, in connect\n    conn = psycopg.connect(dsn)\n"
        "psycopg.OperationalError: connection failed: dsn='host={~host~} user={~user~} "
        "password={%pws%} dbname={~db~}'",
    ),
    (
        "java_exception_url",
        "java.lang.IllegalStateException: Failed to connect to "
        "amqp://{~user~}:{%pws%}@{~host~}:5672\n\tat com.rabbitmq.client.ConnectionFactory."
        "newConnection(ConnectionFactory.java:1225)",
    ),
    (
        "node_inspect_config",
        "Error: connect ECONNREFUSED {~ip~}:5432\n    at TCPConnectWrap."
        "afterConnect [as oncomplete] (node:net:1607:16) {\n  config: { host: '{~host~}', "
        "user: '{~user~}', password: '{%pw%}' }\n}",
    ),
    (
        "go_panic_struct",
        "panic: dial tcp: lookup {~host~}: no such host\n\ngoroutine 1 "
        "[running]:\nmain.run(0xc000123456, {Host:{~host~} User:{~user~} Password:{%pws%} "
        "SSLMode:require})",
    ),
    (
        "rails_params_log",
        "Processing by SessionsController#create as HTML\n  Parameters: "
        '{"authenticity_token"=>"{%url86%}==", "user"=>{"email"=>"a@b.c", '
        '"password"=>"{%pw%}"}}',
    ),
    (
        "django_debug_settings",
        "DATABASES = {'default': {'ENGINE': 'django.db.backends.postgresql',"
        " 'PASSWORD': '{%pw%}', 'USER': '{~user~}'}}",
    ),
    (
        "redis_auth_in_traceback",
        "redis.exceptions.AuthenticationError: invalid username-password "
        "pair\n  while executing AUTH default {%pws%}",
    ),
    (
        "jvm_invalid_key_msg",
        "Caused by: java.lang.IllegalArgumentException: Invalid API key "
        "'{%an32%}' for tenant {~num~}",
    ),
    (
        "dotnet_exception_connstring",
        "System.Data.SqlClient.SqlException (0x80131904): Login "
        "failed. ConnectionString: Server={~host~};User ID=sa;Password={%pw%};",
    ),
    (
        "php_fatal_pdo",
        "PHP Fatal error:  Uncaught PDOException: SQLSTATE[HY000] [1045] in "
        "/var/www/db.php:12\n#0 /var/www/db.php(12): PDO->__construct('mysql:host={~host~}', "
        "'{~user~}', '{%pw%}')",
    ),
    (
        "celery_broker_error",
        "[{~ts~}: ERROR/MainProcess] consumer: Cannot connect to "
        "redis://:{%pws%}@{~host~}:6379/0: Error 111 connecting. Connection refused.",
    ),
    (
        "ansible_failed_module_args",
        'fatal: [{~host~}]: FAILED! => {"changed": false, '
        '"invocation": {"module_args": {"login_password": "{%pw%}", "name": '
        '"{~db~}"}}}',
    ),
    (
        "kotlin_data_class_tostring",
        "DataSourceConfig(url=jdbc:postgresql://{~host~}/{~db~}, "
        "username={~user~}, password={%pw%}, poolSize=10)",
    ),
)

add(
    "prose",
    ("root_password_is", "fyi the new root password is {%pw%} — please update the vault entry"),
    (
        "reset_it_to",
        "I've reset {~user~}'s account, temp password {%human%} (must change at first login)",
    ),
    ("creds_slash", "creds for the staging grafana are admin / {%pws%}"),
    ("use_as_passphrase", "use {%human%} as the passphrase for the backup key"),
    ("new_one_arrow", "token expired again, new one → {%an40%}"),
    ("wifi_password_dc", "wifi in DC2 cage 14: SSID Ops-Lab, password is {%human%}"),
    ("rotated_unseal", "rotated the unseal key this morning, it's now {%b64_33%}"),
    ("pasted_key_colon", "<{~word~}> here's the API key: {%an32%} don't share it"),
    ("set_to_quoted", 'Changed the SNMP community string to "{%pws%}" on all switches.'),
    ("password_for_user", "password for {~user~}@{~host~} = {%pw%}"),
    (
        "ticket_comment",
        "Customer supplied their admin credentials in the ticket "
        "(user {~user~}, pass {%pw%}); rotate after the call.",
    ),
    ("chat_try_this", "[10:42] {~word~}: try logging in with {%pws%}, that's what ops gave me"),
    (
        "handover_note",
        "Handover: break-glass account is emergency-admin, secret {%pw%}, stored nowhere else.",
    ),
    ("email_quote", "> The shared key for the VPN is {%pws%}\n> Regards, Network team"),
)

add(
    "non_english_keys",
    ("german_passwort", "Benutzer: {~user~}\nPasswort: {%pw%}"),
    ("german_kennwort", "kennwort={%pws%}"),
    ("french_mot_de_passe", "identifiant : {~user~} / mot de passe : {%pw%}"),
    ("french_mdp", "mdp={%pws%}"),
    ("spanish_contrasena", "usuario={~user~} contraseña={%pw%}"),
    ("spanish_clave", "clave de acceso: {%pws%}"),
    ("portuguese_senha", "senha: {%pw%}"),
    ("italian_password", "la password dell'utente {~user~} è {%pws%}"),
    ("dutch_wachtwoord", "wachtwoord = {%pw%}"),
    ("polish_haslo", "hasło: {%pws%}"),
    ("swedish_losenord", "lösenord={%pw%}"),
    ("russian_parol", "пароль: {%pws%}"),
    ("russian_token", "токен доступа = {%an40%}"),
    ("chinese_mima", "数据库密码：{%pw%}"),  # noqa: RUF001
    ("chinese_miyao", "访问密钥 = {%an32%}"),
    ("japanese_password", "パスワード：{%pws%}"),  # noqa: RUF001
    ("korean_password", "비밀번호={%pw%}"),
    ("turkish_sifre", "şifre: {%pws%}"),
    ("czech_heslo", "heslo={%pw%}"),
    ("finnish_salasana", "salasana: {%pws%}"),
    ("indonesian_kata_sandi", "kata sandi: {%pw%}"),
    ("vietnamese_mat_khau", "mật khẩu: {%pws%}"),
    ("greek_kodikos", "κωδικός πρόσβασης: {%pw%}"),
    ("hungarian_jelszo", "jelszó={%pws%}"),
)

# --------------------------------------------------------------------------------------------
# Multi-line key material, built rather than templated.
# --------------------------------------------------------------------------------------------


def _pem(r: random.Random, label: str, nbytes: int) -> tuple[str, tuple[str, ...]]:
    body = textwrap.wrap(_b64(r.randbytes(nbytes)), 64)
    text = f"-----BEGIN {label}-----\n" + "\n".join(body) + f"\n-----END {label}-----"
    full = [b for b in body if len(b) == 64]
    return text, tuple(dict.fromkeys((full[0], full[len(full) // 2], full[-1])))


def _openssh(r: random.Random) -> tuple[str, tuple[str, ...]]:
    raw = b"openssh-key-v1\x00" + r.randbytes(380)
    body = textwrap.wrap(_b64(raw), 70)
    text = "-----BEGIN OPENSSH PRIVATE KEY-----\n" + "\n".join(body)
    text += "\n-----END OPENSSH PRIVATE KEY-----"
    return text, (body[1], body[len(body) // 2], body[-2])


def _pgp(r: random.Random) -> tuple[str, tuple[str, ...]]:
    body = textwrap.wrap(_b64(r.randbytes(300)), 64)
    text = "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n" + "\n".join(body)
    text += f"\n={_b64(r.randbytes(3))}\n-----END PGP PRIVATE KEY BLOCK-----"
    return text, (body[0], body[len(body) // 2], body[-2])


def _service_account(r: random.Random) -> tuple[str, tuple[str, ...]]:
    key_id = _s(r, HEX, 40)
    body = _b64(r.randbytes(600))
    pem = "-----BEGIN PRIVATE KEY-----\\n" + "\\n".join(textwrap.wrap(body, 64))
    pem += "\\n-----END PRIVATE KEY-----\\n"
    project = f"{r.choice(WORDS)}-prod-{r.randint(100, 999)}"
    lines = [
        "{",
        '  "type": "service_account",',
        f'  "project_id": "{project}",',
        f'  "private_key_id": "{key_id}",',
        f'  "private_key": "{pem}",',
        f'  "client_email": "deployer@{project}.iam.gserviceaccount.com",',
        f'  "client_id": "{r.randint(10**20, 10**21)}",',
        '  "token_uri": "https://oauth2.googleapis.com/token"',
        "}",
    ]
    return "\n".join(lines), (key_id, body[64:128], body[320:384])


def _putty(r: random.Random) -> tuple[str, tuple[str, ...]]:
    pub = textwrap.wrap(_b64(r.randbytes(270)), 64)
    priv = textwrap.wrap(_b64(r.randbytes(190)), 64)
    mac = _s(r, HEX, 64)
    lines = [
        "PuTTY-User-Key-File-3: ssh-rsa",
        "Encryption: none",
        f"Comment: {r.choice(WORDS)}@jumphost",
        f"Public-Lines: {len(pub)}",
        *pub,
        f"Private-Lines: {len(priv)}",
        *priv,
        f"Private-MAC: {mac}",
    ]
    return "\n".join(lines), (priv[0], priv[1], mac)


def _inline_pem_env(r: random.Random) -> tuple[str, tuple[str, ...]]:
    body = textwrap.wrap(_b64(r.randbytes(240)), 64)
    joined = "\\n".join(body)
    text = f'GITHUB_APP_PRIVATE_KEY="-----BEGIN RSA PRIVATE KEY-----\\n{joined}'
    text += '\\n-----END RSA PRIVATE KEY-----"'
    return text, (body[0], body[2])


def _jks_yaml_block(r: random.Random) -> tuple[str, tuple[str, ...]]:
    body = textwrap.wrap(_b64(r.randbytes(300)), 76)
    text = "tls:\n  key: |\n    -----BEGIN EC PRIVATE KEY-----\n"
    text += "\n".join("    " + b for b in body) + "\n    -----END EC PRIVATE KEY-----"
    return text, (body[0], body[-2])


BLOCKS: list[tuple[str, Callable[[random.Random], tuple[str, tuple[str, ...]]]]] = [
    ("pem_rsa_private", lambda r: _pem(r, "RSA PRIVATE KEY", 1190)),
    ("pem_pkcs8_private", lambda r: _pem(r, "PRIVATE KEY", 1210)),
    ("pem_ec_private", lambda r: _pem(r, "EC PRIVATE KEY", 121)),
    ("pem_encrypted_private", lambda r: _pem(r, "ENCRYPTED PRIVATE KEY", 1300)),
    ("openssh_private", _openssh),
    ("pgp_private_block", _pgp),
    ("gcp_service_account_json", _service_account),
    ("putty_ppk", _putty),
    ("pem_in_env_var_escaped", _inline_pem_env),
    ("pem_in_yaml_literal", _jks_yaml_block),
]


def _lines(text: str) -> tuple[str, ...]:
    return tuple(line + "\n" for line in text.split("\n"))


def cases(seed: int = 20261202, variants: int = VARIANTS) -> list[Case]:
    """Every template ``variants`` times, each instance with fresh planted values."""
    rng = random.Random(seed)
    out: list[Case] = []
    for family, fmt, template in T:
        for _ in range(variants):
            text, values = render(template, rng, "%")
            out.append(Case(family, fmt, _lines(text), values))
    for fmt, build in BLOCKS:
        for _ in range(variants):
            text, values = build(rng)
            out.append(Case("multiline_key_material", fmt, _lines(text), values))
    return out


# --------------------------------------------------------------------------------------------
# Keep-list: diagnostic tokens ({!kind!}) in realistic lines, often beside secret-sounding words.
# --------------------------------------------------------------------------------------------


def _semver(r: random.Random) -> str:
    return f"{r.randint(0, 3)}.{r.randint(0, 40)}.{r.randint(0, 30)}"


def _b64chk(r: random.Random, n: int) -> str:
    return _b64(r.randbytes(n))


DIAG: dict[str, Callable[[random.Random], str]] = {
    "trace": lambda r: _s(r, HEX, 32),
    "span": lambda r: _s(r, HEX, 16),
    "uuid": _uuid,
    "UUID": lambda r: _uuid(r).upper(),
    "digest": lambda r: "sha256:" + _s(r, HEX, 64),
    "sha": lambda r: _s(r, HEX, 40),
    "short": lambda r: _s(r, HEX, r.choice([7, 8, 10, 12])),
    "build": lambda r: str(r.randint(1000, 99999)),
    "semver": _semver,
    "vsemver": lambda r: "v" + _semver(r),
    "debver": lambda r: f"{_semver(r)}-{r.randint(1, 9)}ubuntu{r.randint(1, 5)}.{r.randint(1, 9)}",
    "kernel": lambda r: f"6.{r.randint(1, 12)}.0-{r.randint(10, 60)}-generic",
    "k3s": lambda r: f"v1.{r.randint(26, 31)}.{r.randint(0, 9)}+k3s1",
    "gopseudo": lambda r: (
        f"v0.0.0-2026{r.randint(1, 11):02d}{r.randint(10, 28)}"
        f"{r.randint(100000, 235959)}-{_s(r, HEX, 12)}"
    ),
    "ts": lambda r: (
        f"2026-12-0{r.randint(1, 2)}T{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:"
        f"{r.randint(0, 59):02d}.{_s(r, DIGITS, 6)}Z"
    ),
    "tsoff": lambda r: (
        f"2026-12-01 {r.randint(0, 23):02d}:{r.randint(0, 59):02d}:"
        f"{r.randint(0, 59):02d},{_s(r, DIGITS, 3)}+0000"
    ),
    "epochms": lambda r: str(1764633600000 + r.randint(0, 86400000)),
    "pod": lambda r: (
        f"{r.choice(['checkout', 'ledger-api', 'ingest'])}-"
        f"{_s(r, 'bcdfghjklmnpqrstvwxz2456789', 10)}-"
        f"{_s(r, 'bcdfghjklmnpqrstvwxz2456789', 5)}"
    ),
    "ctr": lambda r: _s(r, HEX, 64),
    "ctr12": lambda r: _s(r, HEX, 12),
    "md5": lambda r: _s(r, HEX, 32),
    "sha512": lambda r: _s(r, HEX, 128),
    "h1": lambda r: "h1:" + _b64chk(r, 32),
    "integrity": lambda r: "sha512-" + _b64chk(r, 64),
    "whlhash": lambda r: "sha256:" + _s(r, HEX, 64),
    "err": lambda r: r.choice(
        [
            "ORA-01017",
            "SQLSTATE[28P01]",
            "E11000",
            "AADSTS50126",
            "KRB5KDC_ERR_PREAUTH_FAILED",
            "NT_STATUS_LOGON_FAILURE",
            "0x80070005",
            "ERR_TLS_CERT_ALTNAME_INVALID",
            "InvalidClientTokenId",
            "SignatureDoesNotMatch",
            "ExpiredTokenException",
        ]
    ),
    "instance": lambda r: "i-0" + _s(r, HEX, 16),
    "ami": lambda r: "ami-0" + _s(r, HEX, 16),
    "arn": lambda r: f"arn:aws:iam::{_s(r, DIGITS, 12)}:role/{r.choice(WORDS)}-deployer",
    "etag": lambda r: _s(r, HEX, 32),
    "ulid": lambda r: "01J" + _s(r, "0123456789ABCDEFGHJKMNPQRSTVWXYZ", 23),
    "ddtrace": lambda r: str(r.randint(10**18, 9 * 10**18)),
    "cfray": lambda r: _s(r, HEX, 16) + "-" + r.choice(["FRA", "AMS", "IAD", "SIN"]),
    "offset": lambda r: str(r.randint(10**6, 10**9)),
    "resver": lambda r: str(r.randint(10**6, 10**8)),
    "crc": lambda r: "0x" + _s(r, HEX, 8),
    "jobid": lambda r: str(r.randint(10**6, 10**7)),
    "pubhost": lambda r: r.choice(
        [
            "registry.npmjs.org",
            "api.github.com",
            "quay.io",
            "ghcr.io",
            "pypi.org",
            "sts.amazonaws.com",
            "oauth2.googleapis.com",
            "login.microsoftonline.com",
        ]
    ),
    "imgtag": lambda r: f"{_semver(r)}-alpine{r.choice(['3.19', '3.20'])}",
    "chart": lambda r: f"{r.choice(['nginx', 'redis', 'postgresql'])}-{_semver(r)}",
    "sentryevt": lambda r: _s(r, HEX, 32),
    "xray": lambda r: f"1-{_s(r, HEX, 8)}-{_s(r, HEX, 24)}",
    "kafkaid": lambda r: _s(r, URLSAFE, 22),
    "gitdescribe": lambda r: f"v{_semver(r)}-{r.randint(1, 90)}-g{_s(r, HEX, 9)}",
}


def _diag(kind: str, r: random.Random) -> str:
    return DIAG[kind](r)


K: list[tuple[str, str]] = [
    ("traceparent_header", "traceparent: 00-{!trace!}-{!span!}-01"),
    (
        "otel_log_token_refresh",
        "{!ts!} INFO token refresh succeeded trace_id={!trace!} "
        "span_id={!span!} service.name=auth-proxy",
    ),
    ("b3_headers", "X-B3-TraceId: {!trace!}\nX-B3-SpanId: {!span!}\nX-B3-Sampled: 1"),
    ("jaeger_uber_trace", "uber-trace-id: {!trace!}:{!span!}:0:1"),
    ("datadog_trace", "dd.trace_id={!ddtrace!} dd.span_id={!ddtrace!} auth check failed"),
    ("xray_trace", "X-Amzn-Trace-Id: Root={!xray!};Sampled=1"),
    (
        "request_id_auth_fail",
        "{!ts!} WARN authentication failed: invalid password for user request_id={!uuid!}",
    ),
    (
        "aws_request_id",
        "An error occurred ({!err!}) when calling the GetCallerIdentity operation."
        " RequestId: {!uuid!}",
    ),
    (
        "azure_correlation",
        "{!err!}: The password is incorrect. Trace ID: {!uuid!} "
        "Correlation ID: {!uuid!} Timestamp: 2026-12-02 00:10:11Z",
    ),
    ("k8s_uid", '  uid: {!uuid!}\n  resourceVersion: "{!resver!}"\n  name: api-token-secret'),
    (
        "docker_pull_digest",
        "Digest: {!digest!}\nStatus: Downloaded newer image for "
        "ghcr.io/acme/auth-service:{!imgtag!}",
    ),
    ("image_ref_digest", "image: ghcr.io/acme/token-broker@{!digest!}"),
    ("crictl_ps", "{!ctr12!}   {!ctr12!}   2 minutes ago   Running   vault-agent   0   {!pod!}"),
    ("docker_inspect_id", '"Id": "{!ctr!}",\n"Image": "{!digest!}",'),
    (
        "git_log_oneline",
        "{!short!} (HEAD -> main, origin/main) rotate secrets via vault (#{!build!})",
    ),
    (
        "git_commit_full",
        "commit {!sha!}\nAuthor: CI Bot <ci@example.org>\n    Fix password reset token expiry",
    ),
    ("git_merge", "Merge: {!short!} {!short!}"),
    ("argo_sync_revision", "Sync operation to {!sha!} succeeded; app=payments revision={!short!}"),
    ("ci_build_number", "Build #{!build!} finished: SUCCESS (commit {!sha!}, job {!jobid!})"),
    ("go_pseudo_version", "go: downloading golang.org/x/oauth2 {!gopseudo!}"),
    ("git_describe", "app version {!gitdescribe!} built at {!ts!}"),
    ("versions_mixed", "nginx/{!semver!} openssl {!semver!} kernel {!kernel!} k8s {!k3s!}"),
    ("apt_upgrade_version", "Unpacking openssh-server (1:{!debver!}) over (1:{!debver!}) ..."),
    (
        "helm_chart_version",
        "NAME: cache  CHART: {!chart!}  APP VERSION: {!vsemver!}  STATUS: deployed",
    ),
    (
        "pod_names_in_events",
        "Warning  BackOff  pod/{!pod!}  Back-off restarting failed "
        'container auth (secret "db-password" not found)',
    ),
    ("kubectl_get_pods", "{!pod!}   1/1   Running   3 (12m ago)   4d2h"),
    ("sha256sum_output", "{!ctr!}  vault_1.18.2_linux_amd64.zip"),
    ("md5sum_output", "{!md5!}  /etc/ssl/private/server.key"),
    ("sha512sum_output", "{!sha512!}  keycloak-26.0.5.tar.gz"),
    ("pip_hash", "cryptography==44.0.0 \\\n    --hash={!whlhash!}"),
    ("tf_lock_h1", '  hashes = [\n    "{!h1!}",\n    "zh:{!ctr!}",\n  ]'),
    ("npm_lock_integrity", '      "integrity": "{!integrity!}",'),
    ("s3_etag", 'ETag: "{!etag!}"\nx-amz-request-id: {!upper16!}'),
    ("aws_ids", "Instance {!instance!} launched from {!ami!} with role {!arn!}"),
    ("sentry_event", "Sentry event {!sentryevt!} captured: InvalidTokenError in auth.verify"),
    ("ulid_job", "job {!ulid!} queued: rotate-api-keys"),
    ("cloudflare_ray", "cf-ray: {!cfray!}\nserver: cloudflare"),
    (
        "kafka_offsets",
        "partition=3 offset={!offset!} key=session-token-refresh cluster_id={!kafkaid!}",
    ),
    ("error_codes_auth", "login failed: {!err!} (errno 13) at {!tsoff!}"),
    (
        "epoch_ms_log",
        '{"ts":{!epochms!},"level":"warn","msg":"api key rotated","key_id":"{!uuid!}"}',
    ),
    ("crc_fw", "firmware image crc={!crc!} verified, secure boot ok"),
    (
        "public_service_hosts",
        "POST https://{!pubhost!}/ returned 401 (token expired); retrying against {!pubhost!}",
    ),
    ("uuid_upper_windows", "Event ID 4625: An account failed to log on. Logon GUID: {{!UUID!}}"),
    ("systemd_invocation", "{!ts!} systemd[1]: Started vault-agent.service. INVOCATION_ID={!md5!}"),
    ("journal_boot_id", "-- Boot {!md5!} --"),
    ("pvc_volume", "pvc-{!uuid!}   10Gi   RWO   Bound   secrets/vault-data"),
]


def _upper16(r: random.Random) -> str:
    return _s(r, UPPER + DIGITS, 16)


DIAG["upper16"] = _upper16


def keep_list(seed: int = 20261203) -> list[Keep]:
    """Diagnostic tokens that a sanitizer must keep verbatim, ``KEEP_VARIANTS`` instances each."""
    rng = random.Random(seed)
    out: list[Keep] = []
    for fmt, template in K:
        for _ in range(KEEP_VARIANTS):
            text, tokens = render(template, rng, "!")
            out.append(Keep(fmt, _lines(text), tokens))
    return out


def _self_check() -> None:
    planted = cases()
    keeps = keep_list()
    per_family: Counter[str] = Counter()
    formats: dict[str, set[str]] = {}
    seen: set[str] = set()
    for case in planted:
        text = "".join(case.lines)
        assert case.values, case
        for value in case.values:
            assert value in text, (case.format, value)
            assert value not in seen, ("duplicate value", case.format, value)
            assert len(value) >= 8, (case.format, value)
            seen.add(value)
        assert "{%" not in text and "{~" not in text, case.format
        per_family[case.family] += len(case.values)
        formats.setdefault(case.family, set()).add(case.format)
    for keep in keeps:
        text = "".join(keep.lines)
        assert keep.tokens, keep
        for token in keep.tokens:
            assert token in text, (keep.format, token)
    # Compare against a second run: the corpus is deterministic.
    assert cases() == planted and keep_list() == keeps
    for case in cases(variants=3):
        assert all(v in "".join(case.lines) for v in case.values), case.format
    width = max(map(len, per_family))
    for family, n in per_family.items():
        print(f"{family:{width}}  {len(formats[family]):3} formats  {n:4} values")
    print(
        f"{'total':{width}}  {sum(map(len, formats.values())):3} formats  "
        f"{sum(per_family.values()):4} values in {len(planted)} cases, {len(per_family)} families"
    )
    print(
        f"keep-list: {len(K)} formats, {sum(len(k.tokens) for k in keeps)} tokens "
        f"in {len(keeps)} cases"
    )


if __name__ == "__main__":
    _self_check()
