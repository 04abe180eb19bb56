"""Secrets given away by a fixed place (remediate.payloads), finder by finder."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from remediate import payloads
from remediate.sanitizer import Sanitizer

Finder = Callable[[str], Iterator[tuple[int, int]]]


def _found(finder: Finder, text: str) -> list[str]:
    return [text[start:end] for start, end in finder(text)]


@pytest.mark.parametrize(
    ("finder", "text", "secret"),
    [
        (
            payloads.user_then_password,
            "rabbitmqadmin -u ops -p Lichen-4-fjord list",
            "Lichen-4-fjord",
        ),
        (payloads.user_then_password, "mysql -u root -pLichen4fjord app", "Lichen4fjord"),
        (
            payloads.user_then_password,
            "tool --username=ops --password=Lichen4fjord",
            "Lichen4fjord",
        ),
        (payloads.user_then_password, "/ping?u=ops&p=Lichen-4-fjord", "Lichen-4-fjord"),
        (payloads.user_then_password, "NATS_USER=ops:Lichen-4-fjord", "Lichen-4-fjord"),
        (payloads.user_then_password, '{"login": "ops:Lichen-4-fjord"}', "Lichen-4-fjord"),
        (payloads.payload_fields, "WIFI:T:WPA;P:lichen fjord 4;S:Dock;;", "lichen fjord 4"),
        (payloads.payload_fields, r"WIFI:S:a\;b;T:WPA;P:lichen\;fjord4;;", r"lichen\;fjord4"),
        (
            payloads.payload_fields,
            "LPA:1$smdp.example.net$7XQ2-LL9P-0AZK-33RT$1",
            "7XQ2-LL9P-0AZK-33RT",
        ),
        (payloads.acl_passwords, "ACL SETUSER ci on >Lichen-4-fjord ~ci:* +@all", "Lichen-4-fjord"),
        (
            payloads.acl_passwords,
            "user ci off #2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae ~*",
            "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae",
        ),
        (
            payloads.qualified_values,
            "ip ospf message-digest-key 1 md5 Lichen4fjord",
            "Lichen4fjord",
        ),
        (payloads.qualified_values, "snmp user x auth sha256 lichenfjordtern", "lichenfjordtern"),
        (payloads.qualified_values, "wlan psk set-key ascii Lichen-4-fjord 3", "Lichen-4-fjord"),
        (
            payloads.stored_values,
            "aws ssm put-parameter --name /shop/SMTP_PASSWORD --type SecureString"
            " --value 'Lichen 4 fjord'",
            "Lichen 4 fjord",
        ),
        (
            payloads.stored_values,
            "tool secret put --data=Lichen-4-fjord --key api_token",
            "Lichen-4-fjord",
        ),
        (
            payloads.stored_values,
            "##vso[task.setvariable variable=registryToken;issecret=true]Lichen-4-fjord",
            "Lichen-4-fjord",
        ),
        (payloads.stored_values, "::add-mask::Lichen-4-fjord", "Lichen-4-fjord"),
        (
            payloads.account_values,
            "[Server] A temporary password is generated for root@localhost: q;L<r2&T",
            "q;L<r2&T",
        ),
    ],
)
def test_each_finder_finds_its_secret(finder: Finder, text: str, secret: str) -> None:
    assert secret in _found(finder, text)


@pytest.mark.parametrize(
    ("finder", "text"),
    [
        # a port, a path, a prompt flag after the user
        (payloads.user_then_password, "psql -U app -p 5432 -h db-1"),
        (payloads.user_then_password, "ssh -l ops -p 2222 bastion"),
        (payloads.user_then_password, "mysql -u root -p app"),
        (payloads.user_then_password, "docker login -u ops --password-stdin registry.example"),
        (payloads.user_then_password, "rsync -l ops -p ./state/keys.tar.gz"),
        # owner:group and uid:gid are no user:password
        (payloads.user_then_password, "user: nginx:nginx"),
        (payloads.user_then_password, 'USER="1000:1000"'),
        (payloads.user_then_password, "user=api.example.com:8443"),
        # an ACL rule without a password, a line that is no ACL rule
        (payloads.acl_passwords, "user default on nopass ~* &* +@all"),
        (payloads.acl_passwords, "the user count on >1000 nodes"),
        # a qualifier, then a word of the sentence
        (payloads.qualified_values, "auth sha is used for the v3 users"),
        # a stored value under a name that is no secret's; a variable that is no secret
        (payloads.stored_values, "aws ssm put-parameter --name /shop/feature_flags --value on-v2"),
        (payloads.stored_values, "##vso[task.setvariable variable=buildNumber]20261203.4"),
        # an md5 sum written the usual ways; a password command that reads a file
        (payloads.fixed_places, "md5: 9e107d9d372bb6826bd81d3542a419d6  pkg.tar.gz"),
        (payloads.fixed_places, "md5sum=9e107d9d372bb6826bd81d3542a419d6"),
        (payloads.fixed_places, 'restic --password-command "cat /run/secrets/restic" backup'),
        (payloads.fixed_places, "snmpwalk -v2c -c public -On host .1.3.6"),
        # a prompt, a result: nothing after the colon is a password
        (payloads.account_values, "Enter password for user admin: "),
        (payloads.account_values, "password reset for alice: done"),
    ],
)
def test_lines_without_a_secret_give_none(finder: Finder, text: str) -> None:
    assert _found(finder, text) == []


def test_every_trigger_is_scanned_with_the_others() -> None:
    # the Sanitizer compiles all triggers into one Hyperscan database: a trigger it cannot
    # compile fails here, and each finder runs behind its trigger
    out = "".join(Sanitizer().sanitize_lines(["WIFI:T:WPA;S:Dock;P:lichen-fjord-4;;\n"]))
    assert "lichen-fjord-4" not in out
    assert "WIFI:T:WPA;S:Dock;P:" in out
