"""Secrets a fixed place gives away: after a user named first, in a standard payload's field,
after a qualifier (pure).

:mod:`remediate.credentials` reads a secret from a secret-bearing name right before it. Here the
name is elsewhere or is no word at all:

- a user named first, then a bare ``-p`` or ``p=``: ``-u ops -p X``, ``?u=ops&p=X``, and a
  user setting whose value is ``user:password`` (``ETCDCTL_USER=root:X``);
- a standard payload's password field: the Wi-Fi QR code (``WIFI:...;P:X;;``, as phones read
  it), the eSIM activation code (``LPA:1$<SM-DP+ address>$<matching id>``, GSMA SGP.22), a
  Redis ACL rule (``>X`` adds a password, ``#<sha256 hex>`` its hash);
- a secret's word, then a qualifier that says what follows (an algorithm, an encoding, which
  side), then the value: ``auth sha X``, ``set-key ascii X``, ``pre-shared-key local X``,
  ``message-digest-key 1 md5 X``.

Each finder runs behind a Hyperscan trigger of its own (:data:`FAMILIES`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Final

from remediate.credentials import (
    FILE_NAME,
    SECRET_WORD,
    STRONG,
    Finder,
    is_placeholder,
    lowered,
    secret_like,
)

# A user flag and its value, then -p (or -P, --pass) and the password: mongo, influx, cqlsh,
# rabbitmqadmin. A port after -p is digits, which secret_like refuses.
_USER_THEN_P = re.compile(
    r"(?:^|[ \t])(?:-u|-U|--user(?:name)?|-username|--login|-l)(?:[ \t]+|=)[\"']?[^\s\"'-][^\s\"']*"
    r"[\"']?[ \t]+(?:-p(?!ass|ort)(?:[ \t]+|=)?|(?:-P|--?pass(?:word)?)(?:[ \t]+|=))"
    r"[\"']?([^\s\"'-][^\s\"']*)"
)
# A query string's p after its u (InfluxDB 1.x: /query?u=<user>&p=<password>)
_QUERY_USER_THEN_P = re.compile(
    r"[?&](?:u|user|username|login)=[^&\s#]+&(?:p|pw|pwd|pass)=([^&\s#]+)", re.IGNORECASE
)
# A user setting whose value is user:password (ETCDCTL_USER=root:X, "user": "svc:X")
_USER_PAIR = re.compile(
    r"(?:^|[\s\"'{,])(?:[\w.-]*[_.-])?(?:user|username|login)[\"']?[ \t]*[=:][ \t]*[\"']?"
    r"[\w.@-]+:([^\s:\"']{4,})(?=[\"']?(?:[\s,;}]|$))",
    re.IGNORECASE,
)


def user_then_password(text: str) -> Iterator[tuple[int, int]]:
    for pattern in (_USER_THEN_P, _QUERY_USER_THEN_P, _USER_PAIR):
        for match in pattern.finditer(text):
            value = match.group(1)
            if "://" in value or FILE_NAME.fullmatch(value.rsplit("/", 1)[-1]):
                continue
            if secret_like(value, True):
                yield match.span(1)


# The Wi-Fi QR code's fields (T: auth type, S: SSID, P: password, H: hidden), any order,
# ";" escaped with a backslash inside a value
_WIFI_PASSWORD = re.compile(r"WIFI:(?:[A-Z]:(?:[^;\\\n]|\\.)*;)*?P:((?:[^;\\\n]|\\.)+)")
# An eSIM activation code: LPA:1$<SM-DP+ address>$<matching id>[$<OID>][$1]
_LPA_MATCHING_ID = re.compile(r"LPA:1\$[^$\s]+\$([A-Za-z0-9-]{4,})")


def payload_fields(text: str) -> Iterator[tuple[int, int]]:
    for pattern in (_WIFI_PASSWORD, _LPA_MATCHING_ID):
        for match in pattern.finditer(text):
            if not is_placeholder(match.group(1)):
                yield match.span(1)


# A Redis ACL rule (users.acl, ACL LIST, ACL SETUSER): "user <name> on|off|reset ..."
# (a rule opens its line, or its item in ACL LIST's numbered output)
_ACL_RULE = re.compile(
    r"(?:^[ \t]*(?:\d+\)[ \t]*)?[\"']?user[ \t]+\S+[ \t]+(?:on|off|reset)|\bacl[ \t]+setuser)\b",
    re.IGNORECASE | re.MULTILINE,
)
# its password rules: >X adds a password, <X removes one, #<hex> and !<hex> its SHA-256
_ACL_PASSWORD = re.compile(r"(?:^|[ \t\"'])(?:[><]([^\s\"']+)|[#!]([0-9a-fA-F]{64}))(?=[\s\"']|$)")


def acl_passwords(text: str) -> Iterator[tuple[int, int]]:
    for rule in _ACL_RULE.finditer(text):
        end = text.find("\n", rule.end())
        for match in _ACL_PASSWORD.finditer(text, rule.end(), len(text) if end < 0 else end):
            group = match.lastindex or 1
            if not is_placeholder(match.group(group)):
                yield match.span(group)


# A secret's word, an optional key number, a qualifier, then the value: SNMPv3's "auth sha X
# priv aes 128 Y", OSPF's "message-digest-key 1 md5 X", a WLC's "set-key ascii X", IKEv2's
# "pre-shared-key local X"
_QUALIFIED = re.compile(
    r"(?<![\w-])(?:[A-Za-z]+-)*(?:auth|priv|key|psk|password|passwd|secret|pre-shared-key"
    r"|set-key|key-string)(?:[ \t]+\d{1,3})?[ \t]+"
    r"(?:md5|sha(?:-?(?:1|224|256|384|512))?|aes(?:-?\d{3})?(?:[ \t]+\d{3})?|3?des|ascii|hex"
    r"|plain(?:text)?|clear(?:text)?|unencrypted|local|remote)"
    r"[ \t]+[\"']?([^\s\"']+)",
    re.IGNORECASE,
)


def qualified_values(text: str) -> Iterator[tuple[int, int]]:
    for match in _QUALIFIED.finditer(text):
        value = match.group(1)
        if secret_like(value, True) or (len(value) >= 8 and value.isalpha()):
            yield match.span(1)


# A secret's word, "for <account>:", then the value closing the line (MySQL's first start: "A
# temporary password is generated for root@localhost: X"; any character may be in it)
_FOR_ACCOUNT = re.compile(
    rf"(?i:{STRONG})\b[^\n:]{{0,60}}?[ \t]for[ \t]+[\w.@%'`\"-]+:[ \t]+(\S+)[ \t]*$", re.MULTILINE
)


def account_values(text: str) -> Iterator[tuple[int, int]]:
    for match in _FOR_ACCOUNT.finditer(text):
        value = match.group(1)
        if not is_placeholder(value) and secret_like(value, True):
            yield match.span(1)


# A command that stores a secret: one flag names it, another carries it (aws ssm put-parameter
# --name /prod/DB_PASSWORD --value X; drone secret add --name docker_password --data X)
_NAME_FLAG = re.compile(
    r"(?:^|[ \t])--?(?:name|key|parameter|secret-id|id)[ \t=]+[\"']?([^\s\"']+)"
)
_VALUE_FLAG = re.compile(
    r"(?:^|[ \t])--?(?:value|data|body|secret-string|secret-binary|content|string)[ \t=]+"
    r"(?:'([^'\n]+)'|\"([^\"\n]+)\"|([^\s\"'-][^\s\"']*))"
)
# CI runners' commands: Azure DevOps' ##vso[task.setvariable variable=NAME;...]VALUE (a secret
# when NAME is one's), GitHub Actions' ::add-mask::VALUE (a secret whatever its name)
_SET_VARIABLE = re.compile(r"##vso\[task\.setvariable[ \t]+variable=([^;\]\s]+)[^\]\n]*\](\S+)")
_ADD_MASK = re.compile(r"::add-mask::(\S+)")


def _secret_name(name: str) -> bool:
    """A name with a secret's word in it, camel-case humps taken apart (registryToken)."""
    return SECRET_WORD.search(lowered(_HUMP.sub("_", name))) is not None


_HUMP = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def stored_values(text: str) -> Iterator[tuple[int, int]]:
    for line in re.finditer(r"[^\n]+", text):
        names = _NAME_FLAG.finditer(text, line.start(), line.end())
        if any(_secret_name(name.group(1)) for name in names):
            for match in _VALUE_FLAG.finditer(text, line.start(), line.end()):
                group = match.lastindex or 1
                value = match.group(group)
                if not is_placeholder(value) and "://" not in value:
                    yield match.span(group)
    for match in _SET_VARIABLE.finditer(text):
        if _secret_name(match.group(1)):
            yield match.span(2)
    for match in _ADD_MASK.finditer(text):
        if not is_placeholder(match.group(1)):
            yield match.span(1)


# PostgreSQL's md5 password hash: "md5" glued to the hex of md5(password || user), in
# pg_authid, pg_dump's CREATE ROLE, and the PasswordMessage a client sends
_PG_MD5 = re.compile(r"(?<![0-9A-Za-z])md5[0-9a-f]{32}(?![0-9A-Za-z])")
# Exim's plaintext authenticator sends its list: client_send = : <user> : <password>
_CLIENT_SEND = re.compile(r"client_send[ \t]*=[ \t]*:[^:\n]*:[ \t]*([^\s:]+)")
# net-snmp's -A (authentication) and -X (privacy) passphrases, quoted or not
_SNMP_PASSPHRASE = re.compile(
    r"\bsnmp\w*[ \t][^\n|;]*?[ \t]-[AX][ \t]*(?:'([^'\n]+)'|\"([^\"\n]+)\"|([^\s'\"-]\S*))"
)
# A password command that prints the password: --password-command "echo X" (restic, borg)
_ECHO_COMMAND = re.compile(
    r"(?i:passw\w*|secret|passphrase)[-_]?(?i:command|cmd)[\"']?[ \t]*[=: \t][ \t]*[\"']"
    r"(?:echo|printf)[ \t]+(?:-n[ \t]+)?['\"]?([^'\"\n;|]+?)['\"]?[ \t]*[\"']"
)


def fixed_places(text: str) -> Iterator[tuple[int, int]]:
    for pattern in (_PG_MD5, _CLIENT_SEND, _SNMP_PASSPHRASE, _ECHO_COMMAND):
        for match in pattern.finditer(text):
            group = match.lastindex or 0
            if group == 0 or not is_placeholder(match.group(group)):
                yield match.span(group)


# A name and its value as a language's literal pair: PHP's serialize() (s:8:"password";s:6:
# "X";), an Erlang tuple ({password,<<"X">>}), a Lisp association (password . "X")
_PAIRS = (
    re.compile(r"s:\d+:\"([^\"\n]{1,64})\";s:\d+:\"([^\"\n]+)\""),
    re.compile(r"\{[ \t]*'?([\w-]{1,64})'?[ \t]*,[ \t]*(?:<<)?\"([^\"\n]+)\"(?:>>)?[ \t]*\}"),
    re.compile(r"\([ \t]*([\w-]{1,64})[ \t]+\.[ \t]+\"([^\"\n]+)\"[ \t]*\)"),
)


def pair_literals(text: str) -> Iterator[tuple[int, int]]:
    for pattern in _PAIRS:
        for match in pattern.finditer(text):
            value = match.group(2)
            named = _secret_name(match.group(1))
            if named and not is_placeholder(value) and secret_like(value, True):
                yield match.span(2)


FAMILIES: Final[tuple[tuple[str, tuple[Finder, ...]], ...]] = (
    (
        r"(?:-u|-U|--user|-username|--login|-l)[ \t=][^\n]*[ \t](?:-p|-P|--pass)"
        r"|[?&](?:u|user|username|login)=[^&\s#]+&(?:p|pw|pwd|pass)="
        r"|(?:user|username|login)[\"']?[ \t]*[=:][ \t]*[\"']?[\w.@-]+:[^\s:@\"']{4}",
        (user_then_password,),
    ),
    (r"wifi:|lpa:1\$", (payload_fields,)),
    (
        r"s:\d+:\"[^\"]*\";s:|\{[ \t]*'?[\w-]+'?[ \t]*,[ \t]*(?:<<)?\""
        r"|\([ \t]*[\w-]+[ \t]+\.[ \t]+\"",
        (pair_literals,),
    ),
    (
        r"md5[0-9a-f]{32}|client_send[ \t]*=|snmp\w*[ \t][^\n]*[ \t]-[ax]"
        r"|(?:passw|secret|passphrase)\w*[-_]?(?:command|cmd)",
        (fixed_places,),
    ),
    (
        r"--?(?:value|data|body|secret-string|secret-binary|content|string)[ \t=]"
        r"|##vso\[task\.setvariable|::add-mask::",
        (stored_values,),
    ),
    # (the trigger without the words: a bounded repeat after their alternation is too large)
    (r"[ \t]for[ \t]+[^\s:]+:[ \t]+\S+[ \t]*$", (account_values,)),
    (r"user[ \t]+\S+[ \t]+(?:on|off|reset)|acl[ \t]+setuser", (acl_passwords,)),
    (
        r"(?:auth|priv|key|psk|password|passwd|secret|pre-shared-key|set-key|key-string)"
        r"(?:[ \t]+\d{1,3})?[ \t]+(?:md5|sha|aes|3?des|ascii|hex|plain|clear|unencrypted|local"
        r"|remote)",
        (qualified_values,),
    ),
)
