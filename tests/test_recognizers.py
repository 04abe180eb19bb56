"""Each recognizer on what it must find and on the traps it must leave alone; the Hyperscan
prefilter never changes what is found."""

import re

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
    "Container ID:   containerd://4f1c0d2e9ab3c5d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5",
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


# Secrets found by the structure around them, on lines in documented formats (the tool's manual,
# the RFC, the vendor's docs); each entry names where its shape comes from.
STRUCTURED = [
    # MySQL manual, mysqldump: -p with the password glued to the flag
    ("mysqldump -u root -pS3cr3tPw --all-databases > dump.sql", "S3cr3tPw"),
    # sshpass(1), docker login(1), redis-cli --help, curl(1)
    ("sshpass -p 'Pa55-w0rd' ssh user@bastion", "Pa55-w0rd"),
    ("docker login -u ci -p dckr9Tq2Zw81 registry.example.com", "dckr9Tq2Zw81"),
    ("redis-cli -h cache -p 6379 -a Wh1teRabbit ping", "Wh1teRabbit"),
    ("curl -u name:passwd1 https://example.com", "passwd1"),
    # a flag and a space, a flag and "=", an environment setting
    ("/opt/agent --host db1 --db-password Harbor2449# --verbose", "Harbor2449#"),
    ("ExecStart=/opt/svc --client-secret=6bQmBVeRL8f3 --port 8443", "6bQmBVeRL8f3"),
    ('Environment="SPRING_DATASOURCE_PASSWORD=Tundra3895"', "Tundra3895"),
    ("Step 4/9 : ENV MYSQL_ROOT_PASSWORD my-secret-pw", "my-secret-pw"),
    # Redis: a client's error carrying the AUTH command, and MONITOR's quoted form
    (
        "redis.exceptions.ResponseError: Command # 1 (AUTH default:Qu4rtz!x) of pipeline",
        "Qu4rtz!x",
    ),
    ('1339518083.107412 [0 127.0.0.1:60866] "AUTH" "default" "Sup3rS3cret"', "Sup3rS3cret"),
    # RFC 4954 AUTH PLAIN, RFC 3501 LOGIN, RFC 959 PASS
    ("C: AUTH PLAIN dGVzdAB0ZXN0ADEyMzQ=", "dGVzdAB0ZXN0ADEyMzQ="),
    ("a001 LOGIN SMITH SESAME", "SESAME"),
    ("FTP command: Client ::1, PASS 8e3f0c55ab", "8e3f0c55ab"),
    # RFC 6265 cookies, RFC 7235 schemes other than Bearer/Basic
    ("Cookie: SID=31d4d96e407aad42; lang=en-US", "31d4d96e407aad42"),
    ('headers={"Authorization": "SSWS 00QCjAl4MlV-WPXM0ZVe"}', "00QCjAl4MlV-WPXM0ZVe"),
    # Maven settings.xml, Tomcat context.xml, Spring properties, PHP, Ruby, Go, HCL
    ("<server><id>nexus</id><password>my_login_password</password></server>", "my_login_password"),
    ('<Resource name="jdbc/app" username="app" password="t0mc4t!" />', "t0mc4t!"),
    ("spring.datasource.password=Spr1ngPw", "Spr1ngPw"),
    ("    'db_password' => 'phpPw42',", "phpPw42"),
    ('  :password => "rubyPw42", :host => "db"', "rubyPw42"),
    ('\tdbPassword := "goPw4242"', "goPw4242"),
    ('  client_secret    = "hclPw4242"', "hclPw4242"),
    # MySQL and PostgreSQL manuals
    ("CREATE USER 'jeffrey'@'localhost' IDENTIFIED BY 'password';", "password"),
    ("ALTER ROLE davide WITH PASSWORD 'hu8jmn3';", "hu8jmn3"),
    ("SET PASSWORD FOR 'app'@'localhost' = 'n3wPw!';", "n3wPw!"),
    # .NET and ODBC connection strings, libpq keyword/value, .netrc, .pgpass
    ("Server=tcp:db,1433;Database=app;User ID=sa;Password=Mssql2024;", "Mssql2024"),
    ("DRIVER={ODBC Driver 18};SERVER=db;UID=sa;PWD=0dbcPw1;Encrypt=yes", "0dbcPw1"),
    ("machine api.example.com login deploy password n3trcPw9", "n3trcPw9"),
    ("db.example.com:5432:app:deploy:f7eac9dc27eed664", "f7eac9dc27eed664"),
    # crypt(3) hashes: shadow and htpasswd lines
    (
        "deploy:$6$rounds=5000$usesomesillystri$D4IrlXatmP7rx3P3InaxBeoomnAihCKRVQP22JZ6EY47Wc6Kkroq",
        "$6$rounds=5000$usesomesillystri$D4IrlXatmP7rx3P3InaxBeoomnAihCKRVQP22JZ6EY47Wc6Kkroq",
    ),
    # URL: query parameters, a key as user name (Sentry DSN), webhook paths
    (
        "GET /v2/search?q=x&api_key=9f8e7d6c5b4a39281706f5e4d3c2b1a0 HTTP/1.1",
        "9f8e7d6c5b4a39281706f5e4d3c2b1a0",
    ),
    (
        "https://e3a2b2d4c5f6a7b8c9d0e1f2a3b4c5d6@o1.ingest.sentry.io/42",
        "e3a2b2d4c5f6a7b8c9d0e1f2a3b4c5d6",
    ),
    (
        "https://api.telegram.org/bot123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11/getMe",
        "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11",
    ),
    # base64 under a secret-bearing key (a Kubernetes Secret's data)
    ("  password: MWYyZDFlMmU2N2Rm", "MWYyZDFlMmU2N2Rm"),
    # prose
    ("the admin password is Maple2024! until Friday", "Maple2024!"),
    ("use 4f1c9e2ab7 as the password for the bastion", "4f1c9e2ab7"),
    # no keyword at all: a random token on any line
    ("handshake failed, peer presented Jx8k2LmQ9vRt4Wz7Ab1Cd5Ef3Gh", "Jx8k2LmQ9vRt4Wz7Ab1Cd5Ef3Gh"),
]

# Diagnostic identifiers next to secret-bearing words: none of them may be touched.
DIAGNOSTIC_LINES = [
    "traceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    "auth token refresh failed trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span_id=00f067aa0ba902b7",
    "Pulling app@sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae",
    "Build key=3f786850e387550fdab836ed7e6dc881de23001b version=2.14.1",
    "password reset requested, correlation 3f2b7c1e-9a4d-4e55-8f0a-1b2c3d4e5f60",
    "ECDSA key fingerprint is MD5:43:51:43:a1:b5:fc:8b:b7:0a:3a:a9:b1:0f:66:73:a8.",
    "Accepted publickey for deploy: ED25519 SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s",
    "Back-off restarting failed container in pod payments-api-7d9f8b6c5d-x2klm",
    "go: downloading golang.org/x/crypto v0.0.0-20240101123456-abcdef123456",
    "token_type=bearer expires_in=3600 routing_key=orders.created auth=basic bypass=x9y8z7w6",
    "sasl: AUTH failed for user deploy; Authorization: required",
    "password: ${DB_PASSWORD} secret: '{{ vault_secret }}' token=******** api_key=[SECRET_TOKEN]",
]


@pytest.mark.parametrize(("text", "secret"), STRUCTURED, ids=[s[0][:40] for s in STRUCTURED])
def test_secrets_are_found_by_their_structure(text: str, secret: str) -> None:
    covered = [
        (s.start, s.end)
        for s in SCANNER.find(text)
        if s.entity_type == r.SECRET and secret in text[s.start : s.end]
    ]

    assert covered, [(text[s.start : s.end], s.entity_type) for s in SCANNER.find(text)]


@pytest.mark.parametrize("text", DIAGNOSTIC_LINES)
def test_diagnostic_identifiers_are_not_secrets(text: str) -> None:
    assert [text[s.start : s.end] for s in SCANNER.find(text) if s.entity_type == r.SECRET] == []


def test_the_prefilter_never_changes_what_the_structure_finders_find() -> None:
    exhaustive = Scanner(CTX, prefilter=False)

    for text in [t for t, _ in STRUCTURED] + DIAGNOSTIC_LINES:
        assert sorted(SCANNER.find(text)) == sorted(exhaustive.find(text)), text


def test_no_trigger_quantifies_one_byte_of_a_non_ascii_character() -> None:
    # Hyperscan reads the triggers as bytes: in "s\u0327?ifre" the "?" makes only the last of
    # the combining cedilla's two bytes optional, so "sifre" never fired its family
    for family in r.FAMILIES:
        for match in re.finditer(r"[^\x00-\x7f][?*+{]", family.trigger):
            pytest.fail(f"{family.trigger[max(0, match.start() - 20) : match.end()]!r}")


@pytest.mark.parametrize(
    "line",
    [
        # "password" in more languages, with their copulas (blind corpus T's were other lines)
        "Jaunā VPN parole ir Lazda-58-upe, nomaini to.",
        "Naujas slaptažodis yra Lazda-58-upe.",
        "Geslo za strežnik je Lazda-58-upe.",
        "Нова лозинка \u0458\u0435 Lazda-58-upe.",  # (Cyrillic je)
        "Новата парола \u0435 Lazda-58-upe.",
        "Koplietotais noslēpums ir Lazda-58-upe.",
        "sifre: Lazda-58-upe",
        # Amharic "password", then the Ethiopic preface colon
        "\u12e8\u12ed\u1208\u134d \u1243\u120d\u1366 Lazda-58-upe",
    ],
)
def test_password_words_of_more_languages_are_found(line: str) -> None:
    at = line.index("Lazda-58-upe")
    assert any(
        s.entity_type == r.SECRET and s.start <= at and at + 12 <= s.end for s in SCANNER.find(line)
    ), line


def test_the_compiled_prefilter_is_cached_on_disk_and_loaded_back(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("REMEDIATE_CACHE_DIR", str(tmp_path))
    triggers = ("password", "eyJ")
    compiled = r._compiled.__wrapped__(triggers)
    (cached,) = tmp_path.glob("triggers-*.hsdb")
    loaded = r._compiled.__wrapped__(triggers)
    cached.write_bytes(b"not a database")
    recompiled = r._compiled.__wrapped__(triggers)

    assert compiled == loaded == recompiled == cached.read_bytes()


def test_each_scanner_has_a_database_of_its_own() -> None:
    """Hyperscan scratch space is per thread: scanners never share one."""
    first, second = Scanner(CTX), Scanner(CTX)

    assert first._database is not second._database
    hits: list[tuple[int, int]] = []
    second._database.scan(b"x password eyJ", match_event_handler=r._collect, context=hits)
    assert hits


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        # Matter's onboarding payload as a controller logs it (Core spec, 5.1.3: "MT:" + base38)
        ("svc: onboarding payload [MT:Y.K9042C00KA0648G00]", "MT:Y.K9042C00KA0648G00"),
        # a licence key in five groups of five, under a name and in prose
        (
            "msiexec /i agent.msi PIDKEY=H7KQ2-M3XRT-9PWD4-L8VCN-2TBQ6 /qn",
            "H7KQ2-M3XRT-9PWD4-L8VCN-2TBQ6",
        ),
        ("our seat for the mixer: 4GHXK-Q7T2M-P9WRC-8KLD3-VYB6F", "4GHXK-Q7T2M-P9WRC-8KLD3-VYB6F"),
    ],
)
def test_onboarding_payloads_and_licence_keys_are_masked(line: str, secret: str) -> None:
    from remediate.sanitizer import Sanitizer

    assert secret not in "".join(Sanitizer().sanitize_lines([line + "\n"]))


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        ("label: HomeKit setup code 1234-5678, keep it off the ticket", "1234-5678"),
        ("ctl: Manual pairing code: [40211934711]", "40211934711"),
        ("the commissioning code is 7781-094-2211.", "7781-094-2211"),
    ],
)
def test_codes_that_join_a_device_are_masked(line: str, secret: str) -> None:
    from remediate.sanitizer import Sanitizer

    out = "".join(Sanitizer().sanitize_lines([line + "\n"]))
    assert secret not in out
    assert secret.split("-")[-1] not in out.replace("[SECRET_TOKEN]", "")


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        ("scanner: registered with code QK7M-2XWD-9RTB-H4NC-8PLZ", "QK7M-2XWD-9RTB-H4NC-8PLZ"),
        (
            "device label FDSK 7HQWRT-2M9KXZ-PL4N8C-V6TB3Q-R2DX7M-K9WZ4H",
            "7HQWRT-2M9KXZ-PL4N8C-V6TB3Q-R2DX7M-K9WZ4H",
        ),
        (
            "msiexec /i sensor.msi CID=0F1E2D3C4B5A69788796A5B4C3D2E1F0-A7 /quiet",
            "0F1E2D3C4B5A69788796A5B4C3D2E1F0-A7",
        ),
    ],
)
def test_activation_keys_and_sensor_ids_are_masked(line: str, secret: str) -> None:
    from remediate.sanitizer import Sanitizer

    assert secret not in "".join(Sanitizer().sanitize_lines([line + "\n"]))


@pytest.mark.parametrize(
    "line", ["release build 2024-1234-ABCD-5678 shipped", "ticket AB12-CD34 closed"]
)
def test_short_grouped_ids_are_no_licence_keys(line: str) -> None:
    from remediate.sanitizer import Sanitizer

    assert "".join(Sanitizer().sanitize_lines([line + "\n"])) == line + "\n"
