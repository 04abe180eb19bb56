"""Secrets found by the structure around them (remediate.credentials), one family per case."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from remediate.recognizers import SECRET, Context, Scanner

SCANNER = Scanner(Context({}, frozenset({"internal"}), frozenset()))


def secrets(text: str) -> set[str]:
    return {text[s.start : s.end] for s in SCANNER.find(text) if s.entity_type == SECRET}


def hidden(text: str, value: str) -> bool:
    """Whether some secret span covers every occurrence of ``value``."""
    spans = [(s.start, s.end) for s in SCANNER.find(text) if s.entity_type == SECRET]
    at = text.find(value)
    while at >= 0:
        if not any(a <= at and at + len(value) <= b for a, b in spans):
            return False
        at = text.find(value, at + 1)
    return True


@pytest.mark.parametrize(
    ("text", "value"),
    [
        # names: any tail, glued flags, camel case, other languages
        ("SECRET_KEY_BASE='e58526e6c43c27cfe9242f1f555359d5'", "e58526e6c43c27cfe9242f1f555359d5"),
        ("secretHex: 416e76696c3239303f", "416e76696c3239303f"),
        ("keytool -importkeystore -srcstorepass Anvil1519.7Q", "Anvil1519.7Q"),
        ("masterauth gtbds-sfzmk-ioopi47Q", "gtbds-sfzmk-ioopi47Q"),
        ("ldap_default_authtok = oM3LRboRKo.X-8nDTb+", "oM3LRboRKo.X-8nDTb+"),
        ("passwort: Sommer2026!x", "Sommer2026!x"),
        ("mdp=5KUr70-.52iEcmVp5u", "5KUr70-.52iEcmVp5u"),
        ("le mot de passe est IAIaCYt3tqB7Q", "IAIaCYt3tqB7Q"),
        ("\u6570\u636e\u5e93\u5bc6\u7801\u662fF1lCL2wR537Q", "F1lCL2wR537Q"),
        # name as the value of a name/key attribute, then the value beside it
        ('<add key="ApiKey" value="Winter1401!" />', "Winter1401!"),
        ('<property name="password" value="aT3M1vueomq3j^"/>', "aT3M1vueomq3j^"),
        ('<entry key="db.password">cd5d3e4690848c79e63b</entry>', "cd5d3e4690848c79e63b"),
        ('{"name": "DB_PASSWORD", "value": "Tiger1052."}', "Tiger1052."),
        ("- {name: API_SECRET, value: Anvil16867Q}", "Anvil16867Q"),
        ('<Pass encoding="base64">TCpja2FqbkdwRioxQw==</Pass>', "TCpja2FqbkdwRioxQw=="),
        ("<apiSecret><![CDATA[^UyzGzi@661V2#Ct0T]]></apiSecret>", "^UyzGzi@661V2#Ct0T"),
        # calls and arguments
        ('os.Setenv("API_TOKEN", "Nebula137.")', "Nebula137."),
        ("smtp.login('ops@corp.example', '329b73bbfa407301b5086b47c69c30c3')", "329b73bbfa4073"),
        ("requests.get(url, auth=('svc', 'Rocket1128#'))", "Rocket1128#"),
        ('conn = psycopg2.connect("db1", "orders", "app", "V*4Ys+9E0jC%*hBsm4")', "V*4Ys+9E0jC"),
        ("define( 'AUTH_KEY', 'k2#Lq9!vZ' );", "k2#Lq9!vZ"),
        # command lines
        (
            'ldapsearch -x -D "cn=admin,dc=corp" -w 6UcwjbMqrpHtLF7Q -b "dc=corp"',
            "6UcwjbMqrpHtLF7Q",
        ),
        ("sqlcmd -S db1 -U sa -P Rocket8127Q -Q 'SELECT 1'", "Rocket8127Q"),
        ("smbclient //fs1/share -U backup%dZH62ChZfOEv3tSHR7Q -c ls", "dZH62ChZfOEv3tSHR7Q"),
        ("rman target system/Anvil17067Q@ORCLPDB1", "Anvil17067Q"),
        ("echo 'deploy:3s8BF6r38317Q' | chpasswd", "3s8BF6r38317Q"),
        ("echo 'Nebula19877Q' | docker login ghcr.io -u bot --password-stdin", "Nebula19877Q"),
        ("net user svc_sql Tiger757Q /add /domain", "Tiger757Q"),
        ("snmpwalk -v3 -u svc -a SHA -A C0lJwc_Cy4oFbORB -x AES [host]", "C0lJwc_Cy4oFbORB"),
        ("username admin privilege 15 password 0 Rocket969.7Q", "Rocket969.7Q"),
        # protocols and headers
        (
            'Authorization: Digest username="admin", response="70e39478dabdaeca19adfc2517f6325f"',
            "70e39478dabdaeca19adfc2517f6325f",
        ),
        (
            "amqp: StartOk mechanism=PLAIN response=\\x00etl\\x002VrVuZ5WtfXMSd locale=en",
            "2VrVuZ5WtfXMSd",
        ),
        # SQL and URLs
        ('CREATE USER app_ro IDENTIFIED BY "xyQ5E0!U1DTc";', "xyQ5E0!U1DTc"),
        (
            "INSERT INTO accounts (host, login, secret) VALUES ('h', 'u', 'lHBl3droyWK_FY');",
            "lHBl3droyWK_FY",
        ),
        (
            "GET /shop/cart;jsessionid=0FF8980F6396D717811D5FA33B0AABDC?id=4",
            "0FF8980F6396D717811D5FA33B0AABDC",
        ),
        (
            "X-Amz-Date=20261201T000000Z&X-Amz-Signature=90104d21cac9afeecadd913a25bb469b",
            "90104d21cac9afeecadd913a25bb469b",
        ),
        ("next=https%3A%2F%2Fops%3ATiger2067Q%40grafana.corp%2Fd", "Tiger2067Q"),
        (
            "POST https://hooks.zapier.com/hooks/catch/123456/a8Fk20dLqP3mZx7Vb1Nc9Wq2/",
            "a8Fk20dLqP3mZx7Vb1Nc9Wq2",
        ),
        ('{"env":"DB_PASSWORD\\u003dqw_R-RXHAgj65"}', "qw_R-RXHAgj65"),
        # prose
        ('the passphrase is "correct horse battery staple"', "correct horse battery staple"),
        (
            "changed the admin password from QUCDeOhYAmUak6f7Q to Zq81kLm2Pw after",
            "QUCDeOhYAmUak6f7Q",
        ),
        ("creds are admin / Nebula6257Q", "Nebula6257Q"),
        # encoded or framed: escaped JSON (twice, \\u0022), argv arrays, RESP, hex proctitle
        (r'err="{\\\"dbPassword\\\":\\\"Kq7.zz-Lw3Rt\\\"}"', "Kq7.zz-Lw3Rt"),
        (r"cfg=\u007B\u0022api_secret\u0022:\u0022Rt5-xPq9.Lm2\u0022\u007D", "Rt5-xPq9.Lm2"),
        (
            'execve("/bin/mariadb", ["mariadb", "-uops", "-pGh7.kLq2-Zx"], 0x7f /* 3 vars */)',
            "Gh7.kLq2-Zx",
        ),
        (r'write(5, "*2\r\n$4\r\nAUTH\r\n$11\r\nWq8-Lx.3Pz7\r\n", 33) = 33', "Wq8-Lx.3Pz7"),
        (
            "proctitle="
            + "00".join(a.encode().hex() for a in ("sshpass", "-p", "Jm4.Rq-8Tz", "ssh")),
            "6a6d342e52712d38547a",
        ),
        # schemeless DSN, //host connect, Debug Some(..), N'..', libpq echo, userlist, sudo -S
        ("dsn=ro_user:Pk3-zQ8.wLx@tcp(10.1.2.3:3306)/shop", "Pk3-zQ8.wLx"),
        ("imp system/Vb6.Kp-2Lq@//ora-9:1521/HR", "Vb6.Kp-2Lq"),
        ('Db { user: "x", passwd: Some("Hy7-Qr.3Lp"), port: 1 }', "Hy7-Qr.3Lp"),
        ("ALTER LOGIN [x] WITH PASSWORD = N'Tz9.Kw-4Mq'", "Tz9.Kw-4Mq"),
        ('missing "=" after "Lp4-Wq.8Zr" in connection info string', "Lp4-Wq.8Zr"),
        ('"monitor" "Qx3.Vn-7Ks"', "Qx3.Vn-7Ks"),
        ("echo 'Zr2-Pq.9Wm' | sudo -S true", "Zr2-Pq.9Wm"),
        # PINs and plain-word passphrases
        ('{"device":"k1","pin_code":"40417733"}', "40417733"),
        ("PUK=88120443 sent to owner", "88120443"),
        (
            "wifi passphrase for guests: copper meadow violin harbor 31",
            "copper meadow violin harbor 31",
        ),
        ("use walnut quarry ember lotus as the passphrase", "walnut quarry ember lotus"),
        ("passord=Bx7-Kq.2Lm", "Bx7-Kq.2Lm"),
        ("you can log in with deploy and Rw4-Kx.9Qp today", "Rw4-Kx.9Qp"),
        # a PIN with words between it and its value, or a trailing full stop
        ("the safe PIN for rack 12 is 40817263, call first", "40817263"),
        ("Verified by phone; the account PIN: 9021734.", "9021734"),
        ("El PIN de la tarjeta es 77120934.", "77120934"),
        # Korean: the particle glued to the word; a numeric password
        ("\ubcf4\uc548 \ube44\ubc00\ubc88\ud638\ub294 55019274 \uc785\ub2c8\ub2e4", "55019274"),
        # mysql.user's mysql_native_password hash
        (
            "| app | % | mysql_native_password | *6BB4837EB74329105EE4568DDA7DC67ED2CA2AD9 |",
            "*6BB4837EB74329105EE4568DDA7DC67ED2CA2AD9",
        ),
        # an INSERT whose values hold a call: the column still maps to its value
        (
            "INSERT INTO webhooks (id, url, signing_secret, created) VALUES (3, 'https://x.test/h',"
            " '9f2c4e6a8b0d1f3e5a7c9e1b3d5f7a9c', NOW());",
            "9f2c4e6a8b0d1f3e5a7c9e1b3d5f7a9c",
        ),
        # a builder method named for the secret, an @ inside the value (not an e-mail)
        ('val c = Client.builder().user("svc").password("t7Q!mZ@2wq").build()', "t7Q!mZ@2wq"),
        # prose: an adverb after the copula; a definite (inflected) form of the word
        ("the root password is now Vr8#kq2LmZ, please rotate it", "Vr8#kq2LmZ"),
        (
            "Passordet til db02 er 71f0c2a9e4b86d3a5c7e9f1b2d4a6c80.",
            "71f0c2a9e4b86d3a5c7e9f1b2d4a6c80",
        ),
        # user@domain:password (postfix sasl_passwd, credential lists)
        (
            "[relay.example.net]:2525 alerts@example.net:Harbor-Violet-Quartz-31",
            "Harbor-Violet-Quartz-31",
        ),
        # a CLI's login/auth subcommand given the token itself
        (
            "$ mytool login 0f8e1d2c-3b4a-4596-8a7b-6c5d4e3f2a1b",
            "0f8e1d2c-3b4a-4596-8a7b-6c5d4e3f2a1b",
        ),
        (
            "npx snyk auth 7d1e6c2b-9a4f-4e3d-8c2b-1a0f9e8d7c6b",
            "7d1e6c2b-9a4f-4e3d-8c2b-1a0f9e8d7c6b",
        ),
        # tools whose flag is a password whatever its shape; known webhook paths
        (
            "ldapmodify -x -D cn=admin,dc=x -w 0c7e2f9a41b38d56e1f0a2b4c6d8e0f1 -f change.ldif",
            "0c7e2f9a41b38d56e1f0a2b4c6d8e0f1",
        ),
        ("POST https://hooks.zapier.com/hooks/catch/1234567/ab3kq9z/ 200", "ab3kq9z"),
        # PINs, door codes and recovery codes in prose and notes
        ("gate PIN 77314 works until Friday", "77314"),
        ("Il PIN del badge \u00e8 55120.", "55120"),
        ("Alarm code for the office: 602117#", "602117"),
        ("Backup codes for the break-glass account: k3v9q-2mz8x 7hq2n-p4w6t", "7hq2n-p4w6t"),
        ('verified with memorable word "juniper" and the date of birth', "juniper"),
        # capitalized words beyond ASCII; Greek copula
        (
            "\u041f\u0430\u0440\u043e\u043b\u044c \u043e\u0442"
            " \u0441\u0435\u0440\u0432\u0435\u0440\u0430: Qm7vTz2pLx",
            "Qm7vTz2pLx",
        ),
        (
            "\u039f \u03ba\u03c9\u03b4\u03b9\u03ba\u03cc\u03c2 \u03b3\u03b9\u03b1 \u03c4\u03bf wifi"
            " \u03b5\u03af\u03bd\u03b1\u03b9 Kf8mQz2xLw",
            "Kf8mQz2xLw",
        ),
        # files whose layout says where the secret is
        ("2001 => 48213,Ops Desk,desk@example.net", "48213"),
        ("CLIENT_RANDOM " + "ab" * 32 + " " + "c7" * 48, "c7" * 48),
        (
            "[email-smtp.example.com]:587 AKIDEXAMPLE:Bq9+Zt3/Kx8vLm2Np4Rs6Tu",
            "Bq9+Zt3/Kx8vLm2Np4Rs6Tu",
        ),
        ("    DefaultPassword    REG_SZ    Winter2026!x", "Winter2026!x"),
        (":ops PRIVMSG NickServ :IDENTIFY opsbot Larch.9931", "Larch.9931"),
        ("  *2..$4..AUTH..$12..Zq8!mWp2Lx7v..", "Zq8!mWp2Lx7v"),
        # flags: quoted argv, sqlcmd's -P, Windows /RP
        ("Running '/usr/lib/check_snmp' '-x' 'AES' '-X' 'Rk3mQz8vT2'", "Rk3mQz8vT2"),
        ('sqlcmd -S db01 -U sa -P 4f1c9e2a7b3d5f60a8c1 -Q "select 1"', "4f1c9e2a7b3d5f60a8c1"),
        ("schtasks /Create /TN nightly /RU svc /RP Gq7#mZ2pW9 /SC DAILY", "Gq7#mZ2pW9"),
        # names: pre-shared keys, a misspelt password, digits after a password name
        ("add name=guest wpa2-pre-shared-key=orbit_candle_maple_drum", "orbit_candle_maple_drum"),
        ("Data Source=db;User ID=app;Pasword=7c1e9a3f5b2d4e6f;", "7c1e9a3f5b2d4e6f"),
        ("    auth_pass 55120987", "55120987"),
        # more PINs and codes: Cyrillic, a door code after the word, an OTP, a combination
        (
            "\u041f\u0418\u041d-\u043a\u043e\u0434 \u043e\u0442"
            " \u043a\u0430\u0440\u0442\u044b: 440918",
            "440918",
        ),
        ("Code de la porte : 7731", "7731"),
        ("the code they just sent me is 448120, quick", "448120"),
        ("Vault combo (rack 4): 12-40-33", "12-40-33"),
        # user / password after "login is"; guillemets; passphrases; random lower-case letters
        ("ipmi login is admin / Zq81mK", "Zq81mK"),
        ("Le mot de passe du wiki est \u00ab Pluie-Nuage-42 \u00bb.", "Pluie-Nuage-42"),
        (
            "The disk passphrase is: amber river candle frost (lower case)",
            "amber river candle frost",
        ),
        ("temp password for jdoe is xkqzvtmw, change it", "xkqzvtmw"),
        ("Veritaban\u0131 \u015fifresi Qx7pLm2z, kullan\u0131c\u0131 ad\u0131 app", "Qx7pLm2z"),
        # a nested value; here-strings, cryptsetup, ssh-keygen, curl -u with an empty user
        ('"db_password": {"sensitive": true, "type": "string", "value": "Tq9#mL2x"}', "Tq9#mL2x"),
        ("$ sudo -S -k apt-get update <<< 'Plum!tree!22'", "Plum!tree!22"),
        (
            "$ echo -n 'Cedar-Lake-Forest-19' | cryptsetup luksOpen /dev/sdc1 data -d -",
            "Cedar-Lake-Forest-19",
        ),
        ("ssh-keygen -t rsa -f k -N 'amberriverfrost' -C x", "amberriverfrost"),
        ("curl -u :q7k2mz9xw4 https://dev.example.com/_apis", "q7k2mz9xw4"),
        # NUL-separated argv (cat -v), auditd's hex-encoded argument, age and TOTP secrets
        ("/usr/bin/app^@--db-pass^@Lq8!zT2mW^@--batch^@10", "Lq8!zT2mW"),
        (
            'a0="curl" a2=' + b"Authorization: Bearer Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5".hex().upper(),
            b"Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5".hex().upper(),
        ),
        ("AGE-SECRET-KEY-1" + "QZ7" * 19 + "Q", "AGE-SECRET-KEY-1" + "QZ7" * 19 + "Q"),
        ("login_totp=JBSWY3DPEHPK3PXP", "JBSWY3DPEHPK3PXP"),
        # Python smtplib's debug output: AUTH LOGIN's answer on a client line of its own
        ("send: 'SDR2eSNxMm1aOHdL\\r\\n'", "SDR2eSNxMm1aOHdL"),
        # command languages' keyword operands (RACF, IBM i CL), SQL CONNECT, the ftp client
        ("ALTUSER OPS17 PASSWORD(K7QW2R9M) NOEXPIRED RESUME", "K7QW2R9M"),
        ("ALU OPS17 PHRASE('quarry lantern ember 38') NOEXPIRED", "quarry lantern ember 38"),
        ("CONNECT TO SAMPLE USER db2inst1 USING Vx81qPz3", "Vx81qPz3"),
        ("DSNT408I CONNECT USER=BATCH USING 4KQ7ZP2W FAILED", "4KQ7ZP2W"),
        ("ftp> user XFER01 9QZ3KD7A", "9QZ3KD7A"),
        # Cisco IOS: an algorithm between the key number and the key
        (" ip ospf message-digest-key 1 md5 Qz8rWp2LkTm", "Qz8rWp2LkTm"),
        # text about a secret, hex-encoded in a dump: the secret's hex
        ("payload (hex): " + b"password=Kq82LmZp".hex(), b"Kq82LmZp".hex()),
        # a name/value pair of elements (TR-069's SetParameterValues)
        (
            "<ParameterValueStruct><Name>Device.ManagementServer.Password</Name>"
            '<Value xsi:type="xsd:string">tq8WpzLr2K</Value></ParameterValueStruct>',
            "tq8WpzLr2K",
        ),
        # an MFA seed, also after an aside in parentheses
        ("virtual MFA seed: JBSWY3DPEHPK3PXQ", "JBSWY3DPEHPK3PXQ"),
        (
            "TOTP seed for the on-call account (enter it manually): KRSXG5CTMVRXEZLU",
            "KRSXG5CTMVRXEZLU",
        ),
        # a SIM's PIN1 and PUK1; a door code with a word between
        ("SIM ICCID 8949000000000000001 PIN1: 7391 PUK1: 55160284", "7391"),
        ("SIM ICCID 8949000000000000001 PIN1: 7391 PUK1: 55160284", "55160284"),
        ("Facilities: cage 4 alarm disarm code is 640193, call security first", "640193"),
        # one-time codes as sign-in mails, SMS gateways and people put them, in several languages
        ("Your Lanternpay sign-in code is 408213. It expires soon.", "408213"),
        ("Your Quillbank code is 771920", "771920"),
        ("Enter the code 5521 to confirm the new device", "5521"),
        ("gateway: sent code 930417 to [PHONE_NUMBER_1]", "930417"),
        ("ok the code on my phone says 662810, go", "662810"),
        ("\u9a8c\u8bc1\u7801\uff1a381920\uff0c\u5341\u5206\u949f\u5185\u6709\u6548", "381920"),
        ("\u0906\u092a\u0915\u093e \u0913\u091f\u0940\u092a\u0940 662014 \u0939\u0948", "662014"),
        ("\u0986\u09aa\u09a8\u09be\u09b0 \u09aa\u09bf\u09a8 \u09b9\u09b2 4471", "4471"),
        ("Nambari yako ya siri ni 5530, usimpe mtu", "5530"),
        ("Kod PIN do sejfu to 8812.", "8812"),
        # an aside in parentheses between the word and the number
        ("Bypass code for the on-call (single use): 558201993", "558201993"),
        ("Desk phone PIN (ask me first): 2210", "2210"),
        # blind corpus L's first run (our wording): prose in more languages
        ("Tuotantokannan salasana on kPz8wQ2m, vaihdetaan huomenna", "kPz8wQ2m"),
        ("Parola pentru contul de test este mq7ZpLw2, te rog", "mq7ZpLw2"),
        ("Nenosiri la seva ni Tw9mPq4z, tafadhali", "Tw9mPq4z"),
        ("A szerver root jelszava: Qm8pZw4k \u2013 holnap", "Qm8pZw4k"),
        ("PIN k SIM kart\u011b v modemu je 5531.", "5531"),
        (
            "\u8cc7\u6599\u5eab\u5bc6\u78bc\u662f\u300cqW8pLm2z\u300d\uff0c\u7528\u5b8c",
            "qW8pLm2z",
        ),
        (
            "\u0e23\u0e2b\u0e31\u0e2a\u0e1c\u0e48\u0e32\u0e19 Wi-Fi \u0e2b\u0e49\u0e2d\u0e07 5"
            " \u0e04\u0e37\u0e2d pQ8mWz4k \u0e19\u0e30",
            "pQ8mWz4k",
        ),
        # HTML tables: a name cell and its value, a header naming a column
        ("<tr><td>Voicemail PIN</td><td>7731</td></tr>", "7731"),
        (
            "<tr><th>Host</th><th>Password</th></tr><tr><td>ilo-3</td><td>ZK4Q9PLM</td></tr>",
            "ZK4Q9PLM",
        ),
        ("temporary password for `svc_ci`: kPw8mz2Lq-", "kPw8mz2Lq-"),
        (
            "reissued the API key (new: 6f1e2d3c-4b5a-4c69-8d7e-0f1a2b3c4d5e), old key revoked",
            "6f1e2d3c-4b5a-4c69-8d7e-0f1a2b3c4d5e",
        ),
        # read aloud: spaced digits, number words, letters spelt one by one
        ("the PIN for the key safe is 4 4 1 9 2 7, ok", "4 4 1 9 2 7"),
        ("the pin is three one four one five nine", "three one four one five nine"),
        (
            "so the password is capital T, r, e, e, seven, exclamation mark, all one word",
            "capital T, r, e, e, seven, exclamation mark",
        ),
        ("passphrase is amber falcon ridge lantern with spaces", "amber falcon ridge lantern"),
        ("read me the recovery code... 7f3ab-91c2e, yes", "7f3ab-91c2e"),
        # OCR confusing letters and digits
        ("Pas5word: amber-ridge-falcon-lantern", "amber-ridge-falcon-lantern"),
        ("WPS PlN               55104433", "55104433"),
        # tools' own syntax for a password argument
        ("radtest ops walrus-tide 127.0.0.1 0 ferry-lamp", "walrus-tide"),
        ("radtest ops walrus-tide 127.0.0.1 0 ferry-lamp", "ferry-lamp"),
        ("wpa_passphrase \"HQ-Guest\" 'ember-quill-ferry-lamp'", "ember-quill-ferry-lamp"),
        ("sudo hostapd_cli -i wlan0 wps_pin any 31415926", "31415926"),
        ('adb shell cmd wifi connect-network "Lab" wpa2 "ember-quill-ferry"', "ember-quill-ferry"),
        ("adb shell locksettings clear --old 428119", "428119"),
        (
            'reg add "HKLM\\SOFTWARE\\Winlogon" /v DefaultPassword /t REG_SZ /d "ember-quill" /f',
            "ember-quill",
        ),
        (
            "iscsiadm -m node --op=update -n node.session.auth.password -v ember-quill",
            "ember-quill",
        ),
        ('    login = cleartext "ember-quill"', "ember-quill"),
        ('createUser ops SHA-256 "ember quill ferry" AES "lamp walrus tide"', "ember quill ferry"),
        ('createUser ops SHA-256 "ember quill ferry" AES "lamp walrus tide"', "lamp walrus tide"),
        ('alice : EAP "ember-quill"', "ember-quill"),
        (
            "   2 11/30/2026 09:14:02 host/web@EXAMPLE.COM (aes256-cts-hmac-sha1-96)  "
            "(0x5f1c9a0e3d7b2c4a6e8f0a1b3c5d7e9f5f1c9a0e3d7b2c4a6e8f0a1b3c5d7e9f)",
            "5f1c9a0e3d7b2c4a6e8f0a1b3c5d7e9f5f1c9a0e3d7b2c4a6e8f0a1b3c5d7e9f",
        ),
        (
            "01000000d08c9ddf0115d1118c7a00c04fc297eb0100000042c00a959ff9006e1d1f9216ea904de8"
            "06420b52922cf3045bdaa7c31d92728640",
            "01000000d08c9ddf0115d1118c7a00c04fc297eb0100000042c00a959ff9006e1d1f9216ea904de8"
            "06420b52922cf3045bdaa7c31d92728640",
        ),
        ("admin = ENC(1024:AB12CD34EF56:0A1B2C3D4E5F)", "1024:AB12CD34EF56:0A1B2C3D4E5F"),
        (
            '"AZDO"="tfi3puiajjjbzjxfwgavrq4atcjkikxql7rxjikj5iglkdkhk4kq"',
            "tfi3puiajjjbzjxfwgavrq4atcjkikxql7rxjikj5iglkdkhk4kq",
        ),
        ("nbcertcmd -getCertificate -token QWRTZPLKMNBVCXSD -server x", "QWRTZPLKMNBVCXSD"),
        ("xcrun altool --upload-app -u me -p abcd-efgh-ijkl-mnop", "abcd-efgh-ijkl-mnop"),
        ("schtasks /Create /TN x /RU DOM\\svc /RP quill95-Lotus", "quill95-Lotus"),
        ("rclone obscure 'ember quill'", "ember quill"),
        ("samba-tool user create bob 'ember-quill' --given-name=Bob", "ember-quill"),
        ('client.username_pw_set("bob", "ember-quill")', "ember-quill"),
        ("A szerver root jelszava: Kp.8432@ \u2013 holnap", "Kp.8432@"),
        ("break-glass password for `svc_ci`: ember-quill-7", "ember-quill-7"),
        (
            '"text": "onsite:\\n\u2022 guest wifi: CedarHarbor86!\\n\u2022 door: 4471"',
            "CedarHarbor86!",
        ),
        # blind corpus M's first run (our wording): debugger output, a pointer before a string
        ('(gdb) info locals\npassword = 0x55555576a2e0 "ember-quill"', "ember-quill"),
        ('$1 = {port = 5432, passwd = 0x55555576a2e0 "ember-quill", ssl = 2}', "ember-quill"),
        (
            '#2 in sign (key=0x5555557a0f40 "5f1c9a0e3d7b2c4a6e8f0a1b3c5d7e9f")',
            "5f1c9a0e3d7b2c4a6e8f0a1b3c5d7e9f",
        ),
        ('Parameters: {"door_id"=>"12", "unlock_pin"=>"482913"}', "482913"),
        ("    [PHP_AUTH_PW] => ember-quill", "ember-quill"),
        ("Authorization: Basic ops ember-quill", "ember-quill"),
        ('gh secret set HOOK_SECRET --repo acme/x --body "5f1c9a0e3d7b2c4a"', "5f1c9a0e3d7b2c4a"),
        (
            "HMAC mismatch computing sha256 with key '5f1c9a0e3d7b2c4a6e8f0a1b'",
            "5f1c9a0e3d7b2c4a6e8f0a1b",
        ),
        ('password = """ember-quill"""', "ember-quill"),
        ("127.0.0.1:6379> ACL SETUSER app on >ember-quill ~app:* +@read", "ember-quill"),
        ("sentinel auth-pass mymaster ember-quill", "ember-quill"),
        ("controlRole ember-quill", "ember-quill"),
        ("[zk: localhost:2181(CONNECTED) 0] addauth digest admin:ember-quill", "ember-quill"),
        ('  user_kafka="ember-quill";', "ember-quill"),
        ('{"matchVariableName": "PostParamValue:pin", "matchVariableValue": "384712"}', "384712"),
        ("parol' ot bazy: qW8pLm2z, ne zabud'", "qW8pLm2z"),
        ("o kwdikos gia to vpn einai qW8pLm2z, min", "qW8pLm2z"),
        (
            "Yeni API anahtar\u0131: 5f1c9a0e3d7b2c4a6e8f0a1b3c5d7e9f, eskisini",
            "5f1c9a0e3d7b2c4a6e8f0a1b3c5d7e9f",
        ),
        (
            '{"name": "sessionid", "value": "k3v9q2mzp7xwr4tnb8ych6ud", "path": "/"}',
            "k3v9q2mzp7xwr4tnb8ych6ud",
        ),
        ("Signing Secret\t5f1c9a0e3d7b2c4a6e8f0a1b3c5d7e9f", "5f1c9a0e3d7b2c4a6e8f0a1b3c5d7e9f"),
        # FIX logon: Password (554) between SOH separators
        ("8=FIX.4.4\x0135=A\x01553=desk01\x01554=quarrylamp42\x0110=201\x01", "quarrylamp42"),
    ],
)
def test_a_secret_in_each_family_is_found(text: str, value: str) -> None:
    assert hidden(text, value), (text, secrets(text))


@pytest.mark.parametrize(
    "text",
    [
        "completion used prompt_tokens=1523 max_tokens=4096",
        "token_type=Bearer key_id=abcdef0123456789 expires_in=3600",
        "redis GET key=users:12345:profile miss",
        "password_changed_at=2026-11-20T03:12:44Z policy=90d",
        "Processed session termination for sessionid: 0x34ed9ac1c1e0078",
        "com.android.server.wm.AppWindowToken.destroySurfaces:374",
        "partition=3 key=session-token-refresh cluster_id=aLlWuhjsU1UxITFLunEIxZ",
        '"integrity": "sha512-2bG8cKQSb7mJ9fmeJ6cQ9yZ0eD8n1x+ZPpUq9mVq2w4d1V0Yb2rKq8=="',
        'hashes = ["h1:Wc2oFYv3vCtq8DNaaE4i8jN4p8mQ1YpVvQq9qZ2Ro0o="]',
        "Status: Downloaded newer image for registry/acme/auth-service:v2.14.1",
        "Instance i-01814ec8d8532d0a0 launched from ami-0c3d9a8c10b8da6231",
        "Failed password for root from 127.0.0.1 port 22",
        "docker run -p 8080:80 -p 9090:9090 nginx",
        "ssh -p 2222 mkdir -p /srv/app",
        "auth rejected token traceparent=00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "> Idempotency-Key: 0d6f2a5e-7a4b-4c1d-9e2f-3b5a6c7d8e9f",
        "token store unreachable: ORA-12541 (attempt 3)",
        "token refresh failed: ERR_TLS_CERT_ALTNAME_INVALID",
        "gpio pin 17 set high, pin=4 low",
        "the token cache: hit ratio was fine for the user",
        "please log in with your SSO account, then retry",
        "< x-amz-id-2: Qm4e9R2vXk8LpZt6Wn3Yh7Jd5Fs1Gc0Bv9Nx2Mq4Kz8Lw6Pr3Ty5Ua7Ie1Oo",
        "El PIN de la tarjeta es nuevo desde 2024",
        # request ids labelled by the word before them or by their own prefix
        "upstream returned 429 (request req_8HnKq2LpX4vZ7m, retry after 2s)",
        "Stripe::InvalidRequestError (Request req_Zb7Qn2WcX9LmKd): No such customer",
        # an assignment of another field after a secret word, an address after "token ... to"
        "secret rotation check: next_rotation=1767225600 (in 30d)",
        # scp and git targets are not user@domain:password
        "scp build.tar deploy@web01.example.com:releases-v2",
        "git@github.com:acme/payments.git",
        "the password is now expired for user bob",
        "request 0f8e1d2c-3b4a-4596-8a7b-6c5d4e3f2a1b auth ok",
        "secret scan of layer 9c0b1a2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b:"
        " 0 findings",
        "contact the owner at ops@example.net (reply with the ticket number)",
        # metrics, versions, HMACs, thumbprints, public ids, ARNs and URLs near secret words
        "auth p99=812.3ms p50=4.7ms sessions=1452",
        "Tagging token-service v3.2.0-rc.1 (auth changes)",
        '{"client_token":"hmac-sha256:9f1c2b3a4d5e6f708192a3b4c5d6e7f8","accessor":"x"}',
        '{"alg":"RS256","kid":"4f36","x5t#S256":"vhBJZDfR2YWMkLBawIl6ej7Nh2IEJceVH7RpkqgHiq8"}',
        '{"authentication.type":"API_KEY","api_key.id":"VuaCfGcBCdbkQm-e5aOx","api_key.name":"w"}',
        "signer: using key https://kv.example.net/keys/token-signing/3f1a9c0e2b4d6f8a1c3e5a7b9d0f2e4c",
        "decrypted using key arn:aws:kms:eu-west-1:123456789012:key/51f4788e-c5a8-4be6-8984",
        "jwks refreshed kids=[vhBJZDfR2YWMkLBawIl6ej7Nh2IEJceVH7RpkqgHiq8 x]",
        "Fingerprint: 28a0e2552daf9efc69ee6fecc845db332cab2e40:config/app.py:generic-api-key:108",
        "key type could lead to legacy keys usage - https://github.com/advisories/GHSA-8cf7-32gw",
        "callback for SM255a39d74f63ec95385f69479bb9a2c4 rejected (auth token changed?)",
        "secret x; X-Cloud-Trace-Context: 8472fb2ef6df1124d383b6b7d264a27c/4011175570691462306;o=1",
        '<add key="ApiBaseUrl" value="https://api.example.com/v2/" />',
        "xcopy C:\\src D:\\dst /P /Y",
        # public keys and hashes by their label; words no password is made of
        "peer: xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=",
        "sops: encrypting with age recipient age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5",
        "x-goog-hash: crc32c=n0Z3xA==",
        "the password is incorrect for user bob",
        "exit code is 137, status code: 500 for the token refresh",
        "SETROPTS PASSWORD(HISTORY(8) INTERVAL(90)) PASSWORD(NOEXPIRED)",
        "ftp> user anonymous",
        "access denied, status code: 4031 after 3 attempts",
        "nats: auth error - User OYWS3QHJKBSDE7FV52FALQPALPZ7YB3PC5FXHX543TEF5YPPN6QVIC3W",
        "your error code is 10054, retry the token refresh",
        "invalid signature: kid NmKnqDZ8QseKHHWU2fZ9ydN0aicRIrlsYCG5DhCFCYY not found in JWKS",
        'string(8) "argon2id" for password_hash_algo',
        "we_1aszZDuD5D2SvW94p9rlPnVHi  url=https://hooks.example.com/x  secret=whsec_****",
        "  -> http.request.header.authorization: Str([REDACTED])",
        "token_accessor       0Dt0ohYSQiaei5ClKIzHt3es",
        "plugin=key-auth consumer_id=ba2ece99 credential_id=6c336e4b-984e-420e-a8b3-25be3eec96af",
        '{"api_id":"3bc779e9","key_hash":"2895cbd1f5c3bab5febdb3c0dc879637","response_code":403}',
        '[id "942100"] [unique_id "pcgDOR82sRsGFXMbAmHFnOVqbk8"]',
        "Engine(postgresql+psycopg2://app:***@db.example.com/billing)",
        'DSN = "postgresql://%(user)s:%(password)s@%(host)s/%(db)s"',
        '{"kty":"RSA","use":"sig","e":"AQAB","n":"4XI5rbZB6PPqF_V8Ageg2-2tdEfBUj9K4Gm2pJ3Q5rZlErPVasxZHLM82YYlW"}',
        "use code 1045 to look the SQL error up",
        "gpio pin 17 mapped to 2048 on the board",
    ],
)
def test_diagnostic_and_ordinary_text_is_left_alone(text: str) -> None:
    assert secrets(text) == set(), text


@pytest.mark.parametrize(
    "text",
    [
        # A bare \u (a Windows path, a truncated escape) inside text that takes the decoded view.
        '{"detail": "{\\"path\\":\\"C:\\users\\ops\\", \\"password\\":\\"Kx7#pQ2m!zR9\\"}"}',
        "payload=\\u007B\\u0022pass\\u0022:\\u0022abc\\u00",
        '["mysql", "-h", "db", "-pS3cr3t!x"] \\u \\uZZZZ \\',
        "*3\\r\\n$4\\r\\nAUTH\\r\\n$7\\r\\ndefault\\r\\n$",
        "proctitle=73736870617373002D70",
    ],
)
def test_malformed_escapes_in_decoded_text_never_raise(text: str) -> None:
    SCANNER.find(text)  # the decoded view of escaped or framed text must not crash on bad input


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "\\u",
                "\\u00",
                "\\u0022",
                '\\"',
                "\\\\",
                '"',
                "[",
                ",",
                "*2",
                "\\r\\n",
                "$4",
                "AUTH",
                "proctitle=",
                "0A",
                "password",
                ":",
                "=",
                " ",
                "x",
                "é",
                "\\",
                "\n",
            ]
        ),
        max_size=40,
    ).map("".join)
)
def test_any_mix_of_escape_fragments_is_scanned_without_error(text: str) -> None:
    SCANNER.find(text)


def _masked(text: str) -> str:
    from remediate.sanitizer import Sanitizer

    return "".join(Sanitizer().sanitize_lines([text + "\n"]))


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        # what the secret opens, named after a preposition, ends in an "about" noun
        ("the passphrase for the Lighting Manager is gravel40912.", "gravel40912"),
        ("Passwort für den Print Server ist ahorn88125", "ahorn88125"),
        # "to the ..." names what it opens; "set to X" still gives the value
        ("the password to the lab BMC is quarry71355", "quarry71355"),
        # lower camel words, a symbol, a number: a chosen password, also after an ambiguous flag
        ("bmcctl -H 10.9.8.7 -U admin -P pebbleOtter!4410 sensor list", "pebbleOtter!4410"),
        ('conn = Bmc("10.9.8.7", "admin", "saltMarsh@9031")', "saltMarsh@9031"),
    ],
)
def test_chosen_passwords_in_prose_and_positions_found_missing_by_blind_corpus_q(
    line: str, secret: str
) -> None:
    assert secret not in _masked(line)


def test_an_about_noun_right_after_the_word_still_is_no_secret() -> None:
    line = "the password manager is Bitwarden, the token refresh is a1b2c3d4"
    assert _masked(line) == line + "\n"


@pytest.mark.parametrize(
    "line",
    [
        # a key's check value names which key was loaded, not the key
        "hsm: imported ZPK. Key check value: 8D21F0 (under LMK pair 02)",
        # RFC 3261's branch ids start with the magic cookie
        "Via: SIP/2.0/TLS edge-b:5061;branch=z9hG4bKq71-2e0-77aa01c;rport",
        # four dotted numbers after "firmware" or "version" are a version
        "reader R2 firmware 4.12.0.233 loaded, version=10.0.19045.4291",
        # a type letter in front of a hex field: a generated job id
        "job state DONE for bqjob_q81c0aa93d2e4_5f0b33e1c9d8a772_3",
    ],
)
def test_diagnostic_tokens_found_lost_by_blind_corpus_r_are_kept(line: str) -> None:
    assert _masked(line) == line + "\n"


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        # "reset to" in other languages (the prose gives the value after it)
        (
            "a senha do usuário ZKP101 foi redefinida para lumeira8812. Trocar no acesso",
            "lumeira8812",
        ),
        ("Das Kennwort wurde zurückgesetzt auf Fjord77qx, bitte ändern.", "Fjord77qx"),
        # "token" and "secret key" glued to their value in Chinese and Japanese
        (
            "构建机的令牌是a1b2c3d4e5f6a7b8c9d0a1b2c3d4e5f6a7b8c9d0e1f2a3b4 用完删掉",
            "a1b2c3d4e5f6a7b8c9d0a1b2c3d4e5f6a7b8c9d0e1f2a3b4",
        ),
        ("ビルド用のトークンはQz7Vx2Lp9Kd4です", "Qz7Vx2Lp9Kd4"),
    ],
)
def test_prose_forms_found_missing_by_blind_corpus_r(line: str, secret: str) -> None:
    assert secret not in _masked(line)


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        ("gate 3 (https) login admin/k7#Rq2!xWv9=Lp, rotate after handover", "k7#Rq2!xWv9=Lp"),
        (
            "reach the recorder with operator / Lantern-quiet-otter-maple today",
            "Lantern-quiet-otter-maple",
        ),
        ("sipp -sf reg.xml -au 4411 -ap MOSS^harbor58 -m 1 pbx.lab:5060", "MOSS^harbor58"),
        ("define(\"__APP_DB_PASSWORD__\", 'tulipTorrent42');", "tulipTorrent42"),
    ],
)
def test_login_pairs_and_chosen_shapes_found_missing_by_blind_corpus_r(
    line: str, secret: str
) -> None:
    assert secret not in _masked(line)


@pytest.mark.parametrize(
    "line",
    [
        '"expr": "(process_open_fds / process_max_fds) * 100 > 90"',
        "scale to payments-api-worker / payments-api-reader in the morning",
        "the login page admin/index.php was slow",
    ],
)
def test_identifiers_around_slashes_are_no_login_pairs(line: str) -> None:
    assert _masked(line) == line + "\n"


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        # "key" at a Germanic compound's end, inflected: nettverksnøkkelen, krypteringsnyckeln
        ("Krypteringsnyckeln för backupen är skogsmus4411, dela inte.", "skogsmus4411"),
        ("Toegangssleutel is molenwiek2207 voor de gateway", "molenwiek2207"),
        # Arabic and Hebrew "key", a label in parentheses before the colon
        (
            "\u0645\u0641\u062a\u0627\u062d \u0627\u0644\u062c\u0647\u0627\u0632 (LK): "
            "0A1B2C3D4E5F60718293A4B5C6D7E8F9",
            "0A1B2C3D4E5F60718293A4B5C6D7E8F9",
        ),
        ("\u05de\u05e4\u05ea\u05d7 \u05d4\u05e8\u05e9\u05ea: tapuach5521", "tapuach5521"),
        # Korean "passphrase" (the loanword), quoted, before the copula
        (
            "\ud328\uc2a4\ud504\ub808\uc774\uc988\ub294 "
            '"quiet-river-stone-moth" \uc785\ub2c8\ub2e4.',
            "quiet-river-stone-moth",
        ),
    ],
)
def test_key_words_of_other_languages_found_missing_by_blind_corpus_q(
    line: str, secret: str
) -> None:
    assert secret not in _masked(line)


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        # "key", "token" and "password" in more languages, with their copulas
        (
            "A régi API kulcs: 7c1e9a4b2d3f5a6b8c9d0e1f2a3b4c5d, cseréld le.",
            "7c1e9a4b2d3f5a6b8c9d0e1f2a3b4c5d",
        ),
        (
            "\u03a4\u03bf \u03ba\u03bb\u03b5\u03b9\u03b4\u03af \u03c4\u03bf\u03c5 "
            "\u03b4\u03b9\u03b1\u03ba\u03bf\u03bc\u03b9\u03c3\u03c4\u03ae "
            "\u03b5\u03af\u03bd\u03b1\u03b9 "
            "9f8e7d6c5b4a39281706f5e4d3c2b1a0",
            "9f8e7d6c5b4a39281706f5e4d3c2b1a0",
        ),
        ("La contrasenya del router és Tibidabo-77. Canvia-la.", "Tibidabo-77"),
        ("ang password ng VPN ay lungsod4471. Palitan mo", "lungsod4471"),
        ("kata laluan pelayan ialah sungai5528 untuk ujian", "sungai5528"),
        (
            "\u06a9\u0644\u06cc\u062f \u0633\u0631\u0648\u06cc\u0633: "
            "a0b1c2d3e4f5061728394a5b6c7d8e9f",
            "a0b1c2d3e4f5061728394a5b6c7d8e9f",
        ),
    ],
)
def test_secret_words_of_more_languages_found_missing_by_blind_corpus_s(
    line: str, secret: str
) -> None:
    assert secret not in _masked(line)


@pytest.mark.parametrize(
    "line",
    [
        # WireGuard's PublicKey (camel case, no blank) is public
        "PublicKey = Zq3mR8vLx2Kp9TnW4yB6cH1dF5gJ7sA0eU3iO8pQ1w=",
        # an id field after "key": its name says what it is
        "Fetched key ObjectIdentifier=4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f state=Active",
        # a type letter before hex: an object id (kopia's k<hex>)
        "snapshot root k0f1e2d3c4b5a69788796a5b4c3d2e1f0 written",
        # a marker before a UUID: Guacamole's connection id
        'joined connection "$0f1e2d3c-4b5a-4978-8796-a5b4c3d2e1f0"',
    ],
)
def test_diagnostic_tokens_found_lost_by_blind_corpus_s_are_kept(line: str) -> None:
    assert _masked(line) == line + "\n"


def test_a_password_flag_before_an_encoded_argument_still_masks_it() -> None:
    out = _masked('type=EXECVE argc=4 a0="mysqladmin" a2="--password" a3=6A7A38317A71')
    assert "6A7A38317A71" not in out


def test_a_name_inside_a_long_value_is_masked_with_it_and_a_later_pair_still_found() -> None:
    # a client that repeats a header name onto one line: the names inside the first value are
    # covered by it (and skipped, so the line costs its length); the pair after a blank is not
    line = "key=" * 3000 + " password=Gannet-77-ridge"
    out = _masked(line)
    assert "Gannet-77-ridge" not in out
    assert "key=key=" not in out


def test_a_value_that_names_the_next_cell_still_has_it_masked() -> None:
    # an SSM listing: name | type | value; the type cell reads as a secret's name, so the value
    # after it is masked though the name's own value was taken first
    out = _masked("|  /billing/live/SMTP_PASSWORD  |  SecureString  |  orchid+Tundra+51  |")
    assert "orchid+Tundra+51" not in out


def test_a_json_string_named_password_opens_no_sql_literal() -> None:
    # "password" quoted is a JSON string; its closing quote is not an SQL literal's opening
    line = '{"kind": "password", "format": "text", "count": 3}'
    assert _masked(line) == line + "\n"


@pytest.mark.parametrize(
    "line",
    [
        # a name field, other fields, then the value field: a password manager's item fields,
        # a parameter store's listing
        '{"label": "smtp_password", "kind": "SECRET", "value": "Gannet-77-ridge"}',
        '{"name": "API_TOKEN", "type": "string", "region": "eu-1", "value": "Gannet-77-ridge"}',
    ],
)
def test_a_secret_named_in_one_field_has_its_value_masked_fields_later(line: str) -> None:
    assert "Gannet-77-ridge" not in _masked(line)


@pytest.mark.parametrize(
    ("line", "value"),
    [
        # found missing by blind corpus T (its wording differs): a user flag, then -p
        ("influxd-ctl -u ops -p heron.kettle.marble.12 show", "heron.kettle.marble.12"),
        ("nc-probe --user=ops -p heron.kettle.marble.12 db-3 7000", "heron.kettle.marble.12"),
        # a query string's p after its u
        ("GET /write?db=m&u=ops&p=heron.Kettle.77&precision=s", "heron.Kettle.77"),
        # a user setting whose value is user:password
        ("PGBOUNCER_USER=ops:heron.Kettle.77", "heron.Kettle.77"),
        ("client --user=svc-backup:heron.Kettle.77 --dry-run", "heron.Kettle.77"),
        # a log line giving a password for an account, then a colon and the value
        ("[Warning] Initial password generated for admin@db-7: qX<4&pLr2;Tz", "qX<4&pLr2;Tz"),
        # a secret word, a qualifier (an algorithm, an encoding, a side), then the value
        (
            "snmp-server user ops grp v3 auth md5 Heron.Kettle77 priv des Marble.Lid42",
            "Heron.Kettle77",
        ),
        ("psk set-key hex 6865726f6e6b6574746c65", "6865726f6e6b6574746c65"),
        ("  pre-shared-key remote heron.kettle.marble.12", "heron.kettle.marble.12"),
        ("  pre-shared-key local heron.kettle.marble.12", "heron.kettle.marble.12"),
        # Redis ACL rules: >password adds one, #<sha256> adds its hash
        ("user deploy on >heron.Kettle.77 ~app:* +@read", "heron.Kettle.77"),
        (
            "user deploy on #9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 ~*",
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        ),
        # a Wi-Fi QR payload (WIFI:T:<auth>;S:<ssid>;P:<password>;;)
        ("WIFI:S:Shop-Floor;T:WPA;P:heron.kettle.marble;H:false;;", "heron.kettle.marble"),
        # an eSIM activation code (LPA:1$<SM-DP+ address>$<matching id>)
        (
            "scan LPA:1$rsp.carrier.example$K2M4-Q9TX-77LD-PP3A to add the plan",
            "K2M4-Q9TX-77LD-PP3A",
        ),
        # a login pair in Markdown code spans
        ("Sign in as `root` / `heron.Kettle.77` on the console.", "heron.Kettle.77"),
        # a value piped into a command that reads its secret from standard input
        (
            "printf '%s' 'heron.Kettle.77' | vault-cli secrets put db --data-file=-",
            "heron.Kettle.77",
        ),
    ],
)
def test_credential_forms_found_missing_by_blind_corpus_t(line: str, value: str) -> None:
    assert value not in _masked(line)


@pytest.mark.parametrize(
    ("line", "value"),
    [
        # found missing by blind corpus U (its wording differs): a rejected sentence hid the
        # next secret's word
        ("Reset the password for app. New password: Umber-Kite-63", "Umber-Kite-63"),
        # PostgreSQL's md5 password hash (md5 glued to 32 hex), on the wire and in pg_authid
        (
            'sendto(5, "p\\0\\0\\0(md5f4c2a1e9d87b3c6a5e0f9d8c7b6a5e4d\\0", 41, 0) = 41',
            "md5f4c2a1e9d87b3c6a5e0f9d8c7b6a5e4d",
        ),
        # a Go DSN whose password holds an @
        ('dsn = "app:Umb@r-Kite63@tcp(db-2:3306)/shop"', "Umb@r-Kite63"),
        # a login=user:password option whose password holds an @
        ("cache_peer up.example parent 3128 0 login=ops:Kite?@umber5", "Kite?@umber5"),
        # Exim's plaintext authenticator: client_send = : <user> : <password>
        ("  client_send = : relay@example.org : Umber_Kite63", "Umber_Kite63"),
        # net-snmp's auth and privacy passphrases, quoted, dotted
        (
            "snmpwalk -v3 -l authPriv -u mon -a SHA -A 'umber.kite.63' -x AES -X 'kite.umber.36' h",
            "umber.kite.63",
        ),
        # a password command that echoes the password
        (
            'borg create --password-command "echo umber kite 63 lantern" ::x',
            "umber kite 63 lantern",
        ),
        # an auditd EXECVE record read as the command line it records
        (
            'type=EXECVE msg=audit(1.2:3): argc=3 a0="curl" a1="-u" a2="ops:Umber_Kite63"',
            "Umber_Kite63",
        ),
        # password in Icelandic, Georgian (its copula glued), Armenian, Kazakh, Tamil, Zulu
        ("Lykilorðið á vélinni er Umber-Kite-63 núna", "Umber-Kite-63"),
        (
            "\u10e1\u10d4\u10e0\u10d5\u10d4\u10e0\u10d8\u10e1"
            " \u10de\u10d0\u10e0\u10dd\u10da\u10d8\u10d0 Umber-Kite-63 .",
            "Umber-Kite-63",
        ),
        (
            "\u0563\u0561\u0572\u057f\u0576\u0561\u0562\u0561\u057c\u0576 \u0567 Umber-Kite-63",
            "Umber-Kite-63",
        ),
        ("\u049b\u04b1\u043f\u0438\u044f \u0441\u04e9\u0437\u0456: Umber-Kite-63", "Umber-Kite-63"),
        (
            "root \u0b95\u0b9f\u0bb5\u0bc1\u0b9a\u0bcd\u0b9a\u0bca\u0bb2\u0bcd Umber-Kite-63 ,",
            "Umber-Kite-63",
        ),
        ("Iphasiwedi ye-VPN ithi Umber-Kite-63 .", "Umber-Kite-63"),
        # Turkish accusative, Czech "set to", the Nordic definite article
        ("VPN şifresini değiştirdim, yenisi: Umber-Kite-63", "Umber-Kite-63"),
        ("Heslo jsem nastavil na Umber-Kite-63 .", "Umber-Kite-63"),
        (
            "Byt API-nyckeln 3f5e0c2a9b8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f idag",
            "3f5e0c2a9b8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f",
        ),
        # "Key" capitalised in Cyrillic (Hyperscan folds ASCII case only)
        (
            "\u041a\u043b\u044e\u0447 \u0448\u0438\u0444\u0440\u0443\u0432\u0430\u043d\u043d\u044f"
            " (63_umber_kite_lantern) x",
            "63_umber_kite_lantern",
        ),
        # a value in parentheses right after the secret's words
        ("Please rotate the SMTP password (umber.kite.63) today", "umber.kite.63"),
        (
            "Rotate the backup encryption key (63_umber_kite_lantern): it leaked",
            "63_umber_kite_lantern",
        ),
    ],
)
def test_credential_forms_found_missing_by_blind_corpus_u(line: str, value: str) -> None:
    assert value not in _masked(line)


@pytest.mark.parametrize(
    "line",
    [
        # parentheses after a secret's word that hold no secret: a PR number, a resource id,
        # a setting's name, a mechanism, another field, a status code, a hex id
        "b41c2d9 rotate the signing key via CI (#40211)",
        "token refresh from i-0c1d2e3f4a5b6c7d8 (ami-0f1e2d3c4b5a69788) failed",
        "set a secret passphrase (cookie_secret) in the config",
        "Auth ok for app_7 (auth:KERBEROS)",
        "token rejected (span_id=9f8e7d6c5b4a3921)",
        "password check returned (0x0000001F)",
        "session token expired (c0ffee00d15ea5e0b1a2c3d4e5f60718)",
    ],
)
def test_parentheses_after_a_secret_word_that_hold_no_secret_are_kept(line: str) -> None:
    assert _masked(line) == line + "\n"


@pytest.mark.parametrize(
    "line",
    [
        # found lost by blind corpus U (its values differ): a journal cursor's one-letter
        # fields, a container's cgroup scope
        "cursor s=0a1b2c3d4e5f60718293a4b5c6d7e8f9;i=3f2;"
        "b=9f8e7d6c5b4a39281706f5e4d3c2b1a0;m=1a2b;t=5f6;x=77",
        "0::/system.slice/cri-containerd-"
        "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0.scope",
    ],
)
def test_diagnostic_tokens_found_lost_by_blind_corpus_u_are_kept(line: str) -> None:
    assert _masked(line) == line + "\n"


@pytest.mark.parametrize(
    ("line", "value"),
    [
        # found missing by blind corpus V (its wording differs): terminal colours around a name
        ("app.env:3:\x1b[1;31m\x1b[KREDIS_PASSWORD\x1b[m\x1b[K=heron.dune.58", "heron.dune.58"),
        ("  \x1b[34mapi_token\x1b[0m: \x1b[33mheron.dune.58\x1b[0m", "heron.dune.58"),
        # HTML: character references, text tags between the words
        ("<code>{&quot;db_password&quot;: &quot;heron.dune.58&quot;}</code>", "heron.dune.58"),
        ("<li>Door PIN: <strong>480913</strong></li>", "480913"),
        ("<td>backup login: svc-bk / heron_DUNE_58</td>", "heron_DUNE_58"),
        # a query inside a query, encoded twice
        ("next=%2Flogin%3Fuser%3Dops%26password%3DHeron%2523Dune58", "Heron%2523Dune58"),
        # a list printed by Java's Arrays.toString: the flags and their values
        ("exec [openssl, pkcs12, -passout, heron.dune.58, -nokeys]", "heron.dune.58"),
        # a URL in JSON with its slashes escaped
        ('{"src":"ftp:\\/\\/ops:heron.dune.58@files.example\\/in"}', "heron.dune.58"),
        # a recovery code named with an underscore
        ('{"backup_code": "k3vq9-x7mpa"}', "k3vq9-x7mpa"),
        # YAML tags that keep the text as it is; a .pgpass held under a YAML key
        ('db_password: !unsafe "heron.dune.58"', "heron.dune.58"),
        # literal pairs: PHP's serialize(), an Erlang tuple, a Lisp association
        ('a:1:{s:6:"secret";s:13:"heron.dune.58";}', "heron.dune.58"),
        ('[{username,<<"ops">>},{passwd,<<"heron.dune.58">>}]', "heron.dune.58"),
        ('((login . "ops") (api-token . "heron.dune.58"))', "heron.dune.58"),
        # JSON in a CSV cell, its quotes doubled; a mail header's encoded word
        ('7,"{""token"":""heron.dune.58""}"', "heron.dune.58"),
        ("Subject: =?UTF-8?Q?Your_sign-in_code_is_480913?=", "480913"),
        # a PIN at a sentence's end; a code word with a hyphenated suffix; a quoted -p glued
        ("De PIN van de kluis is 480913.", "480913"),
        ("Ini kode OTP-nya 480913 ya", "480913"),
        ("+ mysqldump -u app '-pheron.dune.58' shop", "heron.dune.58"),
        # a login pair closing a JSON string (found lost between the session's commits by W)
        ('{"toString":"break-glass: root / heron_dune58"}', "heron_dune58"),
        # Dutch "passphrase"
        ("de wachtwoordzin is 'heron dune fifty eight'", "heron dune fifty eight"),
    ],
)
def test_secrets_under_another_layer_found_missing_by_blind_corpus_v(line: str, value: str) -> None:
    assert value not in _masked(line)


@pytest.mark.parametrize(
    "line",
    [
        # an XML element's text keeps its element's meaning: not prose about a key
        "<Message>Check your key.</Message><RequestId>4F1E2D3C4B5A6978</RequestId>"
        "<HostId>Zx9/Qw8+Er7Ty6Ui5Op4As3Df2Gh1Jk0LzXcVbNm</HostId>",
        # colours around ordinary words, an encoded path
        "\x1b[32mINFO\x1b[0m token cache warmed in 41 ms",
        "GET /search?q=reset%20password%20help&page=2",
    ],
)
def test_text_under_another_layer_that_holds_no_secret_is_kept(line: str) -> None:
    assert _masked(line) == line + "\n"
