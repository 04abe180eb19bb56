"""Each recognizer on what it must find and on the traps it must leave alone; the Hyperscan
prefilter never changes what is found."""

import pytest

from remediate import recognizers as r
from remediate.recognizers import Context, Scanner, luhn_valid, shannon_entropy

CTX = Context(
    {"srv-prod-04": "srv-prod-04", "web1": "web1"},
    frozenset({"internal", "corp", "example.com"}),
    frozenset({"nginx"}),
)
SCANNER = Scanner(CTX)

FOUND = [
    # (text, value, entity type)
    ("Accepted from 173.234.31.186 port 22", "173.234.31.186", r.IP),
    ("peer /10.10.34.11:3888 lost", "10.10.34.11", r.IP),
    ("v6 2001:db8::8a2e:370:7334 up", "2001:db8::8a2e:370:7334", r.IPV6),
    ("ping fe80::1ff:fe23:4567:890a%eth0 ok", "fe80::1ff:fe23:4567:890a", r.IPV6),
    ("peer ::ffff:192.0.2.128 closed", "::ffff:192.0.2.128", r.IPV6),
    ("v6(en0+:2607:f140:6000:8:c6b3:1ff:fecd:467f)", "2607:f140:6000:8:c6b3:1ff:fecd:467f", r.IPV6),
    ("FE80:0000:0000:0000:C6B3:01FF:FECD:467F", "FE80:0000:0000:0000:C6B3:01FF:FECD:467F", r.IPV6),
    ("arp 00:a2:ee:1a:71:8c on en0", "00:a2:ee:1a:71:8c", r.MAC),
    ("client 00-A2-EE-1A-71-8C joined", "00-A2-EE-1A-71-8C", r.MAC),
    ("cisco 00a2.ee1a.718c up", "00a2.ee1a.718c", r.MAC),
    ("mail from xpc_ben@163.com bounced", "xpc_ben@163.com", r.EMAIL),
    ("GET /u?mail=ops%40example.org", "ops%40example.org", r.EMAIL),
    ("sms to +44 20 7946 0958 failed", "+44 20 7946 0958", r.PHONE),
    ("call (555) 010-4477 now", "(555) 010-4477", r.PHONE),
    ("disk full on srv-prod-04", "srv-prod-04", r.HOST),
    ("connect to db-main.internal:5432 refused", "db-main.internal", r.HOST),
    ("getaddrinfo for ns.marryaldkfaczcz.com failed", "ns.marryaldkfaczcz.com", r.HOST),
    (
        "rhost=5.36.59.76.dynamic-dsl-ip.omantel.net.om",
        "5.36.59.76.dynamic-dsl-ip.omantel.net.om",
        r.HOST,
    ),
    ("Jun 14 15:16:01 combo sshd(pam_unix)[19939]: check pass", "combo", r.HOST),
    ("2026-11-20T09:13:57+00:00 lb-7 haproxy[1]: up", "lb-7", r.HOST),
    ("Nov 9 12:01:01 local@tbird-admin1 gmetad[1682]: ok", "tbird-admin1", r.HOST),
    ("default file system [hdfs://msra-sa-41:9000]", "msra-sa-41", r.HOST),
    ("371602 node-246 tserver status", "node-246", r.HOST),
    ("No Route to Host from MININT-FNANLI5/127.0.0.1", "MININT-FNANLI5", r.HOST),
    ("authentication failure; user=guest", "guest", r.USER),
    ("Invalid user webmaster from 10.0.0.1", "webmaster", r.USER),
    ("Failed password for invalid user test9 from 10.0.0.1 port 22", "test9", r.USER),
    ("Accepted publickey for alice from 10.0.0.1", "alice", r.USER),
    ("session opened for user bob by (uid=0)", "bob", r.USER),
    ("load /home/curi/.zookeeper", "curi", r.USER),
    ("read /Users/xpc/Library/Prefs", "xpc", r.USER),
    ("copy C:\\Users\\msrabi\\AppData\\Local", "msrabi", r.USER),
    ("Changing view acls to: yarn,curi", "yarn", r.USER),
    ("Changing view acls to: yarn,curi", "curi", r.USER),
    ("/tmp/hadoop-yarn/staging/msrabi/.staging", "msrabi", r.USER),
    ("password=hunter2 retry=3", "hunter2", r.SECRET),
    ('{"client_secret": "s3cr3t-v4lue"}', "s3cr3t-v4lue", r.SECRET),
    (
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        r.SECRET,
    ),
    ("postgres://admin:hunter2@db:5432/app", "admin:hunter2", r.SECRET),
    ("Authorization: Bearer abc.def-ghi_jkl", "abc.def-ghi_jkl", r.SECRET),
    ("Authorization: Basic dXNlcjpwYXNzd29yZA==", "dXNlcjpwYXNzd29yZA==", r.SECRET),
    (
        "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
        r.SECRET,
    ),
    (
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaA==\n-----END OPENSSH PRIVATE KEY-----",
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaA==\n-----END OPENSSH PRIVATE KEY-----",
        r.SECRET,
    ),
    ("id AKIAIOSFODNN7EXAMPLE used", "AKIAIOSFODNN7EXAMPLE", r.SECRET),
    (
        "gcp AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvW ok",
        "AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvW",
        r.SECRET,
    ),
    (
        "AccountName=x;AccountKey=Zm9vYmFyYmF6cXV4==;EndpointSuffix=core",
        "Zm9vYmFyYmF6cXV4==",
        r.SECRET,
    ),
    (
        "gh ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789",
        "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789",
        r.SECRET,
    ),
    ("gitlab glpat-AbCdEfGhIjKlMnOpQrSt", "glpat-AbCdEfGhIjKlMnOpQrSt", r.SECRET),
    (
        "npm npm_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789",
        "npm_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789",
        r.SECRET,
    ),
    (
        "slack xoxb-1234567890-0987654321-AbCdEfGhIjKl",
        "xoxb-1234567890-0987654321-AbCdEfGhIjKl",
        r.SECRET,
    ),
    (
        "POST https://hooks.slack.com/services/T0001/B0002/XXXXYYYYZZZZ",
        "T0001/B0002/XXXXYYYYZZZZ",
        r.SECRET,
    ),
    ("stripe sk_live_4eC39HqLyjWDarjtT1zdp7dc", "sk_live_4eC39HqLyjWDarjtT1zdp7dc", r.SECRET),
    (
        "mail SG.aBcDeFgHiJkLmNoPqRsTuV.aBcDeFgHiJkLmNoPqRsTuVwXyZ012345",
        "SG.aBcDeFgHiJkLmNoPqRsTuV.aBcDeFgHiJkLmNoPqRsTuVwXyZ012345",
        r.SECRET,
    ),
    ("openai sk-proj-AbCdEfGhIjKlMnOpQrStUvWx", "sk-proj-AbCdEfGhIjKlMnOpQrStUvWx", r.SECRET),
    ("vault hvs.CAESIJ1aBcDeFgHiJkLmNoPqRsTuV", "hvs.CAESIJ1aBcDeFgHiJkLmNoPqRsTuV", r.SECRET),
    (
        "rotated signing secret now Qm9ndXNLZXlGb3JUZXN0czEyMzQ1Ng",
        "Qm9ndXNLZXlGb3JUZXN0czEyMzQ1Ng",
        r.SECRET,
    ),
    ("card 4111 1111 1111 1111 declined", "4111 1111 1111 1111", r.CARD),
    ("amex 378282246310005 ok", "378282246310005", r.CARD),
    ("ssn 078-05-1120 on file", "078-05-1120", r.NATIONAL_ID),
    ("NI number AB123456C", "AB123456C", r.NATIONAL_ID),
]

TRAPS = [
    "Windows 6.1.7601.23505 installed, package ~~6.1.1.0, wcp.dll version 0.0.0.6",
    "03-17 16:13:38.811 1702 2395 D WindowManager",
    "[QuorumPeer[myid=1]/0:0:0:0:0:0:0:0:2181:FastLeaderElection@774]",
    "PCI 0000:00:1f.2 and hex dump 00:a2:ee:1a:71:8c:00:11:22:33",
    "Receiving blk_-1608999687919862906 and blk_38865049064139660 size 67108864",
    "stack @0x7fed806eb5d @0x7fef9fb9b6d",
    "- 1117838570 2005.06.03 R02-M1-N0-C:J12-U11 RAS KERNEL INFO",
    "20171223-22:15:29:606|Step_LSC|30002312|onExtend:1514038530000 14 0 4",
    "com.tencent.mm.activity.info and org.apache.hadoop.mapreduce.v2.app.MRAppMaster",
    "amd64_microsoft-windows-servicingstack_31bf3856ad364e35_6.1.7601.23505_none",
    "card 4111 1111 1111 1112 and id 1234567890123456 and ssn 000-12-3456",
    "Executing with tokens: none; password=null; secret keys are rotated",
    "- 1131566461 2005.11.09 #8# Nov 9 12:14:00 #8#/#8# sshd[4893]: connection lost",
    "Failed password for root from 127.0.0.1 and user=root",
    "instance 3f2b7c1e-9a4d-4e55-8f0a-1b2c3d4e5f60 and req-38101a0b-2096-447d-96ea-a692162415ae",
    "reload /etc/nginx/nginx.conf, run app.py main.rs build.sh README.md lib.so",
    "upstream http://localhost:8080/health and http://127.0.0.1:8080/ and localhost.localdomain",
    "Nov 20 09:13:57 localhost app[1]: started",
    "2026-11-20T09:14:02+00:00 webapp pid 7 listening on port 8080",
]


@pytest.mark.parametrize(("text", "value", "entity_type"), FOUND, ids=[f[0][:40] for f in FOUND])
def test_each_recognizer_finds_its_value(text: str, value: str, entity_type: str) -> None:
    spans = {(text[s.start : s.end], s.entity_type) for s in SCANNER.find(text)}

    assert (value, entity_type) in spans


@pytest.mark.parametrize("text", TRAPS)
def test_traps_give_no_span(text: str) -> None:
    assert SCANNER.find(text) == []


def test_the_prefilter_is_active_and_never_changes_what_is_found() -> None:
    exhaustive = Scanner(CTX, prefilter=False)
    texts = [text for text, _, _ in FOUND] + TRAPS

    assert SCANNER.prefiltered
    for text in texts:
        assert sorted(SCANNER.find(text)) == sorted(exhaustive.find(text)), text


def test_a_configured_internal_domain_is_a_host_even_without_a_public_tld() -> None:
    scanner = Scanner(Context({}, frozenset({"acme-intra"}), frozenset()))

    assert [(s.entity_type) for s in scanner.find("call billing.acme-intra:8080")] == [r.HOST]
    assert scanner.find("call billing.acme-extra:8080") == []


def test_luhn_and_entropy() -> None:
    assert luhn_valid("4111111111111111") and not luhn_valid("4111111111111112")
    assert shannon_entropy("aaaaaaaa") == 0.0
    assert shannon_entropy("Qm9ndXNLZXlGb3JUZXN0czEyMzQ1Ng") > 3.5
