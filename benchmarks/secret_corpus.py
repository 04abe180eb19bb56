"""A planted-secret corpus: synthetic values of every secret and PII format, in realistic lines.

Values are generated from a seeded random source, so the corpus is the same on every run and
holds no real credential. Each case is (format, lines, values): after sanitizing ``lines`` none
of ``values`` may appear in the output, and none may appear in the sanitizer's mapping.
"""

from __future__ import annotations

import base64
import json
import random
import string
from collections.abc import Iterator
from typing import NamedTuple

ALNUM = string.ascii_letters + string.digits
UPPER = string.ascii_uppercase + string.digits
URLSAFE = ALNUM + "_-"


class Case(NamedTuple):
    kind: str  # "secret" (irreversible) or a pseudonym type such as "user"
    format: str
    lines: tuple[str, ...]
    values: tuple[str, ...]


def _pick(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def _luhn_complete(rng: random.Random, prefix: str, length: int) -> str:
    body = prefix + "".join(rng.choice(string.digits) for _ in range(length - len(prefix) - 1))
    for check in string.digits:
        digits = body + check
        total = 0
        for i, char in enumerate(reversed(digits)):
            n = int(char) * (2 if i % 2 else 1)
            total += n - 9 if n > 9 else n
        if total % 10 == 0:
            return digits
    raise AssertionError("unreachable: one check digit always fits")


def _secrets(rng: random.Random) -> Iterator[tuple[str, str, str]]:
    """(format, line template with {v}, value)."""
    password = _pick(rng, ALNUM + "!#%^*", 14)
    yield "password key=value", "login ok password={v} retry=3", password
    yield "PGPASSWORD env", "export PGPASSWORD={v}", _pick(rng, ALNUM, 12)
    yield "passwd: value", "  passwd: {v}", _pick(rng, ALNUM, 10)
    yield "pwd quoted", "conn pwd='{v}' host=db", _pick(rng, ALNUM + " ", 16).strip() + "x"
    yield "JSON password", '{{"user": "svc", "password": "{v}"}}', _pick(rng, ALNUM, 18)
    yield "JSON client_secret", '{{"client_secret": "{v}"}}', _pick(rng, URLSAFE, 32)
    yield "api_key", "api_key={v}", _pick(rng, ALNUM, 32)
    yield "apiKey YAML", "apiKey: {v}", _pick(rng, ALNUM, 40)
    yield "x-api-key header", "X-API-Key: {v}", _pick(rng, ALNUM, 32)
    yield "access_token", "access_token={v}&expires=3600", _pick(rng, URLSAFE, 40)
    yield "secret_key", "SECRET_KEY = '{v}'", _pick(rng, ALNUM + "@#$%", 50)
    yield "passphrase", "passphrase: {v}", _pick(rng, ALNUM, 20)
    user, pw = _pick(rng, string.ascii_lowercase, 6), _pick(rng, ALNUM, 12)
    yield "URL credentials", "dsn=postgres://" + user + ":{v}@db.internal:5432/app", pw
    yield "redis URL", "redis://:{v}@cache.internal:6379/0", _pick(rng, ALNUM, 24)
    yield "Bearer header", "Authorization: Bearer {v}", _pick(rng, URLSAFE + ".", 48)
    basic = base64.b64encode(f"{user}:{pw}".encode()).decode()
    yield "Basic header", "Authorization: Basic {v}", basic
    header = base64.urlsafe_b64encode(json.dumps({"alg": "HS256"}).encode()).decode().strip("=")
    claims = base64.urlsafe_b64encode(json.dumps({"sub": user}).encode()).decode().strip("=")
    jwt = f"{header}.{claims}.{_pick(rng, URLSAFE, 43)}"
    yield "JWT", "cookie session={v}; Path=/", jwt
    yield "JWT bare", "token was {v}", jwt
    yield "AWS access key id", "aws_access_key_id = {v}", "AKIA" + _pick(rng, UPPER, 16)
    yield "AWS STS key id", "using {v}", "ASIA" + _pick(rng, UPPER, 16)
    yield "AWS secret", "aws_secret_access_key = {v}", _pick(rng, ALNUM + "/+", 40)
    yield "GCP API key", "key={v}", "AIza" + _pick(rng, URLSAFE, 35)
    yield "GCP OAuth token", "got ya29 token {v}", "ya29." + _pick(rng, URLSAFE, 60)
    azure = _pick(rng, ALNUM + "+/", 86) + "=="
    yield "Azure storage", "DefaultEndpointsProtocol=https;AccountName=x;AccountKey={v};", azure
    yield "Azure SAS", "Endpoint=sb://x.servicebus.windows.net/;SharedAccessKey={v}", azure[:44]
    yield "GitHub PAT", "git push https://x:{v}@github.com/o/r", "ghp_" + _pick(rng, ALNUM, 36)
    yield "GitHub OAuth", "token {v}", "gho_" + _pick(rng, ALNUM, 36)
    yield "GitHub fine-grained", "GH={v}", "github_pat_" + _pick(rng, ALNUM + "_", 82)
    yield "GitLab PAT", "PRIVATE-TOKEN: {v}", "glpat-" + _pick(rng, URLSAFE, 20)
    yield "npm token", "//registry.npmjs.org/:_authToken={v}", "npm_" + _pick(rng, ALNUM, 36)
    yield "npm token bare", "npm publish with {v}", "npm_" + _pick(rng, ALNUM, 36)
    slack = f"xoxb-{_pick(rng, string.digits, 12)}-{_pick(rng, string.digits, 13)}-"
    yield "Slack bot token", "slack {v} posted", slack + _pick(rng, ALNUM, 24)
    hook = f"T{_pick(rng, UPPER, 8)}/B{_pick(rng, UPPER, 8)}/{_pick(rng, ALNUM, 24)}"
    yield "Slack webhook", "POST https://hooks.slack.com/services/{v} 200", hook
    yield "Stripe live key", "stripe key {v}", "sk_live_" + _pick(rng, ALNUM, 24)
    yield "Stripe restricted", "stripe {v}", "rk_test_" + _pick(rng, ALNUM, 24)
    sendgrid = f"SG.{_pick(rng, URLSAFE, 22)}.{_pick(rng, URLSAFE, 43)}"
    yield "SendGrid", "mail via {v}", sendgrid
    yield "OpenAI key", "OPENAI {v}", "sk-proj-" + _pick(rng, URLSAFE, 48)
    yield "Vault token", "VAULT {v}", "hvs." + _pick(rng, URLSAFE, 90)
    yield "Vault legacy", "vault login {v}", "s." + _pick(rng, ALNUM, 24)
    yield "entropy fallback", "rotated signing secret now {v} for api", _pick(rng, ALNUM, 40)
    yield "entropy after token word", "new token issued: id 7 {v}", _pick(rng, URLSAFE, 32)
    visa = _luhn_complete(rng, "4", 16)
    yield "Visa card", "card {v} declined", visa
    mastercard = _luhn_complete(rng, "5" + str(rng.randint(1, 5)), 16)
    spaced = " ".join(mastercard[i : i + 4] for i in range(0, 16, 4))
    yield "Mastercard spaced", "pan={v}", spaced
    yield "Amex", "amex {v}", _luhn_complete(rng, "37", 15)
    area = rng.randint(1, 665)
    ssn = f"{area:03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"
    yield "US SSN", "ssn {v} on file", ssn
    yield "UK NINO", "NI number {v}", f"AB{rng.randint(100000, 999999)}C"


def _pseudonymized(rng: random.Random) -> Iterator[tuple[str, str, str, str]]:
    """(kind, format, line template, value) for identifiers that get pseudonyms."""
    user = "u" + _pick(rng, string.ascii_lowercase, 6)
    yield "user", "user= field", "pam_unix: auth failure; user={v}", user
    yield "user", "Invalid user", "Invalid user {v} from 10.1.2.3", user
    yield "user", "for X from", "Accepted publickey for {v} from 10.1.2.3 port 22", user
    yield "user", "/home path", "open /home/{v}/.ssh/id_rsa", user
    yield "user", "/Users path", "read /Users/{v}/Library/Prefs", user
    yield "user", "Windows profile", "C:\\Users\\{v}\\AppData\\Local", user
    yield "phone", "E.164 phone", "sms to {v} failed", "+44 20 7946 " + _pick(rng, string.digits, 4)
    yield "phone", "US phone", "call (555) 010-{v}", _pick(rng, string.digits, 4)
    mac = ":".join(_pick(rng, "0123456789abcdef", 2) for _ in range(6))
    yield "mac", "MAC colon", "arp {v} on eth0", mac
    yield "mac", "MAC dash", "client {v} joined", mac.replace(":", "-").upper()
    yield (
        "ipv6",
        "IPv6 zone id",
        "ping fe80::1ff:fe23:4567:890a%eth0 ok",
        "fe80::1ff:fe23:4567:890a",
    )
    yield "ipv6", "IPv4-mapped", "peer ::ffff:192.0.2.128 closed", "192.0.2.128"
    yield "email", "URL-encoded e-mail", "GET /u?mail=ops%40example.org", "ops%40example.org"


def cases(seed: int = 20261123) -> list[Case]:
    rng = random.Random(seed)
    out = [
        Case("secret", fmt, (template.replace("{v}", value) + "\n",), (value,))
        for fmt, template, value in _secrets(rng)
    ]
    out += [
        Case(kind, fmt, (template.replace("{v}", value) + "\n",), (value,))
        for kind, fmt, template, value in _pseudonymized(rng)
    ]
    body = [_pick(rng, ALNUM + "+/", 64) + "\n" for _ in range(6)]
    for name in ("RSA PRIVATE KEY", "OPENSSH PRIVATE KEY", "EC PRIVATE KEY", "PRIVATE KEY"):
        lines = (f"-----BEGIN {name}-----\n", *body, f"-----END {name}-----\n")
        out.append(Case("secret", f"PEM {name}", lines, tuple(b.strip() for b in body)))
    yaml_value = _pick(rng, ALNUM, 20)
    out.append(
        Case(
            "secret",
            "YAML value on next line",
            ("db:\n", "  password:\n", f"    {yaml_value}\n", "  host: db.internal\n"),
            (yaml_value,),
        )
    )
    block = [_pick(rng, ALNUM, 30) for _ in range(3)]
    out.append(
        Case(
            "secret",
            "YAML block scalar",
            ("token: |\n", *(f"  {b}\n" for b in block), "next: 1\n"),
            tuple(block),
        )
    )
    return out
