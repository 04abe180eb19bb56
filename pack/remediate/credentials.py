"""Find credentials by the structure around them, not by a list of formats (pure).

A secret-bearing name (password, passwd, pwd, secret, token, key, credential, auth, ..., also
``db.password``, ``SPRING_DATASOURCE_PASSWORD``, ``dbPassword``) followed by a value in any
assignment-like syntax (``=``, ``:``, ``=>``, ``:=``, ``->``, an XML element, a command-line
flag and a space, prose such as "password is X"); credentials in URLs (userinfo, webhook
paths), in protocol exchanges (Redis and SMTP ``AUTH``, IMAP ``LOGIN``, crypt hashes, .pgpass)
and in cookies; and a detector of random-looking tokens that runs on every line and leaves
alone the identifier shapes diagnosis needs (UUIDs, hex trace ids and digests, ULIDs, paths,
``word-word-123`` names). Each finder yields (start, end) of the value;
:mod:`remediate.recognizers` wraps them with their Hyperscan triggers.
"""

from __future__ import annotations

import base64
import enum
import functools
import math
import re
import string
from collections.abc import Callable, Iterable, Iterator
from typing import Final

from remediate import secret_shapes

Finder = Callable[[str], Iterator[tuple[int, int]]]

# Names that always carry a secret, even glued to a prefix (PGPASSWORD) and whatever follows;
# also their common spellings in other languages (Passwort, contraseña, mot de passe, 密码).
_STRONG = (
    r"passw(?:or)?d|pasw(?:or)?d|pwd|pswd|passphrase|pre[-_.]?shared[-_.]?key"
    r"|passcode|passkey|secret|credentials?|api[-_. ]?key|apikey|totp"
    r"|private[-_.]?key|access[-_.]?key|account[-_.]?key|shared[-_.]?access[-_.]?key|psk|bindpw"
    r"|passwort|kennwort|contrase(?:n|"
    "\u00f1"
    r")a|mot[-_ ]?de[-_ ]?passe|motdepasse|senha"
    r"|wachtwoord(?:zin)?|has(?:l|"
    "\u0142"
    r")o|salasana|l(?:o|"
    "\u00f6"
    r")senord|parola|"
    "\u043f\u0430\u0440\u043e\u043b\u044c|\u5bc6\u7801|\u5bc6\u78bc|\u30d1\u30b9\u30ef\u30fc\u30c9"
    r"|securestring|requirepass|masterauth|storepass|keypass|jsessionid|phpsessid|authtok|mdp"
    "|clave|heslo|kata[-_ ]sandi|s(?:\u0327)?ifre|\u015fifre|\ube44\ubc00\ubc88\ud638|\uc554\ud638"
    "|\u03ba\u03c9\u03b4\u03b9\u03ba\u03cc\u03c2"
    r"|passord|lozinka|parool|adgangskode|geheimnis|nenosiri|parol'|salausavain"
    "|parol\u0103"
    r"|kwdikos|kodikos|anahtar(?:i|"
    "\u0131"
    r")?|jelsz(?:o|ava|"
    "\u00f3"
    r")|m(?:a|"
    "\u1ead"
    r")t[-_ ]?kh(?:a|"
    "\u1ea9"
    r")u"
    # Hebrew, Arabic (two spellings), Hindi, Thai "password"; Chinese, Japanese, Russian, Korean
    # "token"
    "|\u05e1\u05d9\u05e1\u05de\u05d4"
    "|\u0643\u0644\u0645\u0629[_ ](?:\u0627\u0644)?\u0645\u0631\u0648\u0631"
    "|\u0631\u0645\u0632[_ ]\u0627\u0644\u0639\u0628\u0648\u0631"
    "|\u092a\u093e\u0938\u0935\u0930\u094d\u0921"
    "|\u0e23\u0e2b\u0e31\u0e2a\u0e1c\u0e48\u0e32\u0e19|\u4ee4\u724c|\u30c8\u30fc\u30af\u30f3"
    "|\u6697\u8a3c\u756a\u53f7"
    "|\u0442\u043e\u043a\u0435\u043d|\ud1a0\ud070"
    # Chinese "secret key" (simplified, traditional), Hindi "token"
    "|\u5bc6\u94a5|\u5bc6\u9470|\u091f\u094b\u0915\u0928"
    r"|session[-_]?(?:token|key|secret)"
    # last, spelt out: a group in front of the others slows the whole alternation threefold
    r"|security[-_ ]?(?:word|answer)|memorable[-_ ]?word|(?:mfa|otp|2fa|authenticator)[-_ ]?seed"
    # a wallet's words (BIP39): mnemonic, seed phrase, recovery phrase
    r"|mnemonic|(?:seed|recovery)[-_ ]?phrase"
    r"|phrase[-_ ]secr"
    "\u00e8te"
    # German "key", glued in compounds as German does (Netzwerkschlüssel, WLAN-Schlüssel), and
    # the Norwegian, Danish, Swedish and Dutch ones (nettverksnøkkel, krypteringsnyckel),
    # Arabic's and Hebrew's
    "|schl\u00fcssel|n\u00f8kkel|n\u00f8gle|nyckel|sleutel|\u0645\u0641\u062a\u0627\u062d|\u05de\u05e4\u05ea\u05d7"
    "|\ud328\uc2a4\ud504\ub808\uc774\uc988"  # Korean "passphrase"
    # "password" in Catalan, Malay, Persian (two words for it), Bengali; Hebrew's construct
    # state ("the VPN's password")
    "|contrasenya|kata[ ]laluan|\u0631\u0645\u0632[ ]\u0639\u0628\u0648\u0631"
    "|\u06af\u0630\u0631\u0648\u0627\u0698\u0647"
    "|\u09aa\u09be\u09b8\u0993\u09af\u09bc\u09be\u09b0\u09cd\u09a1|\u05e1\u05d9\u05e1\u05de\u05ea"
    # "password" in Lithuanian, Latvian, Slovenian, Serbian and Bulgarian Cyrillic, Urdu (as
    # spoken: "pass word"), Amharic; Latvian "secret"
    "|slapta\u017eodis|parole|geslo|\u043b\u043e\u0437\u0438\u043d\u043a\u0430"
    "|\u043f\u0430\u0440\u043e\u043b\u0430|\u067e\u0627\u0633[ ]?\u0648\u0631\u0688"
    "|\u12e8\u12ed\u1208\u134d[ ]\u1243\u120d|nosl\u0113pums"
    # ... in Icelandic, Georgian, Armenian, Kazakh ("secret word"), Tamil, Zulu
    "|lykilor\u00f0|\u10de\u10d0\u10e0\u10dd\u10da\u10d8"
    "|\u0563\u0561\u0572\u057f\u0576\u0561\u0562\u0561\u057c"
    "|\u049b\u04b1\u043f\u0438\u044f[ ]\u0441\u04e9\u0437"
    "|\u0b95\u0b9f\u0bb5\u0bc1\u0b9a\u0bcd\u0b9a\u0bca\u0bb2\u0bcd|iphasiwedi"
)
# Names that carry a secret only as a whole word or camel-case part (not "bypass", "monkey").
_WEAK = (
    r"pass|token|key|auth|signature|sig|cookie|creds|pw|community"
    # "key" and "token" in other languages, as whole words (Hungarian, Greek, Slovak, Czech,
    # South Slavic, Russian/Ukrainian/Bulgarian, Catalan, Italian, French, Spanish,
    # Malay/Indonesian, Romanian, Persian "key" and "token")
    "|kulcs|\u03ba\u03bb\u03b5\u03b9\u03b4\u03af|\u03ba\u03bb\u03b5\u03b9\u03b4\u03b9|k\u013e\u00fa\u010d|kl\u00ed\u010d|klju\u010d"
    "|\u043a\u043b\u044e\u0447|clau|chiave|cl\u00e9|llave|kunci|cheie|\u06a9\u0644\u06cc\u062f|\u062a\u0648\u06a9\u0646"
)
KEYWORD: Final = rf"(?:{_STRONG}|{_WEAK})"
STRONG: Final = _STRONG
# A secret's word inside a name: a strong one anywhere, a weak one as a word (smtp/password,
# api_token; not "monkey")
SECRET_WORD: Final = re.compile(rf"(?:{_STRONG})|(?<![a-z])(?:{_WEAK}|passw)(?![a-z])")
_STRONG_WORD = re.compile(rf"(?:{_STRONG})\Z", re.IGNORECASE)
# Weak words whose explicitly assigned value is still always a secret (token=abc).
_ASSIGNED_SECRET: Final = frozenset(("token", "pass", "creds", "pw"))
# Words glued in front of "pw" in a password's name (newpw, rootpw, kamailio's DBRWPW); not
# ipw2200's or bpw's
_PW_OWNER_WORDS = (
    "new old cur current root admin db dbro dbrw ro rw user master "
    "sa sys app svc vnc ldap mysql pg redis my your"
)
_PW_OWNERS: Final = frozenset(_PW_OWNER_WORDS.split())
# Words glued in front of "pass" that make another word, not a password flag (-storepass is one).
_NOT_PASS: Final = frozenset(
    ("by", "com", "encom", "over", "under", "tres", "sur", "multi", "first", "second", "single")
)
# The last word of a name that describes a secret rather than holding it: token_type=Bearer,
# key_id=..., password_changed_at=..., secret_name=db-creds, max_tokens=4096.
_METADATA_TAILS: Final = frozenset(
    (
        # where a tool reads the secret from: --password-stdin, --password-fd 3,
        # --password-command "pass show x", --password-env VAR, --password-prompt
        "stdin",
        "fd",
        "command",
        "cmd",
        "env",
        "prompt",
        "id",
        "ids",
        "type",
        "types",
        "name",
        "names",
        "count",
        "counts",
        "len",
        "length",
        "size",
        "expiry",
        "expires",
        "expiration",
        "ttl",
        "age",
        "at",
        "time",
        "timestamp",
        "date",
        "policy",
        "file",
        "path",
        "dir",
        "url",
        "uri",
        "endpoint",
        "version",
        "hint",
        "field",
        "header",
        "prefix",
        "format",
        "algorithm",
        "alg",
        "kind",
        "mode",
        "source",
        "ref",
        "arn",
        "store",
        "stores",
        "provider",
        "rotation",
        "rotated",
        "changed",
        "created",
        "updated",
        "set",
        "reset",
        "required",
        "enabled",
        "disabled",
        "status",
        "state",
        "label",
        "labels",
        "fingerprint",
        "fp",
        "public",
        "pub",
        "keytype",
        "algo",
        "accessor",
        "protocol",
        "protocols",
        "container",
        "alias",
        "index",
        "idx",
        "usage",
        "used",
        "limit",
        "limits",
        "max",
        "min",
        "rate",
        "ratio",
        "percent",
        "pct",
        "number",
        "num",
        "location",
        "loc",
        "template",
        "manager",
        "mgr",
        "helper",
        "strategy",
        "scheme",
        "method",
        "lifetime",
        "duration",
        "seconds",
        "ms",
        "timeout",
        "interval",
        "retries",
        "attempts",
        "bits",
        "service",
        "server",
        "proxy",
        "issuer",
        "refresh",
        "cache",
    )
)
# What may follow the secret word inside the name: password_b64, SECRET_KEY_BASE, secretHex.
# (dotless i: Turkish possessives; bounded and possessive, so a line of "pw_pw_pw_..." costs
# linear time, not quadratic)
_NAME_TAIL = r"((?:[a-z0-9\u0131\u10d0]|[._-](?=[a-z0-9])){0,64}+)"
_VALUE = (
    r"(?:(\[[A-Za-z][A-Za-z0-9_]*\])|\"\"\"([^\"\n]+)\"\"\"|[bBrRuU]?\\?\"((?:[^\"\\\n]|\\[^\"])*)\\?\"|[bBrRuU]?'([^'\n]*)'|`([^`\n]*)`"
    r"|((?:&(?![\w.\[\]-]*=))?[^\s\"'`,;&)}\]<>\uff0c\u3001\u3002]+))"
)
# Starts at the secret word (a literal, so the scan is fast); the name's prefix is read back.
_ASSIGNMENT = re.compile(
    # (a dunder name's closing underscores: PHP's define("__CA_DB_PASSWORD__", ...))
    rf"({KEYWORD}){_NAME_TAIL}_*"
    # (closed by a quote, a bracket, a brace, a parenthesis: ${ERP_PASSWORD}, .Item("...pw") =,
    # auth%5Bpassword%5D=)
    r"\\?[\"'`]?(?:\]|%5d|\}(?=[ \t]*[=:]|[ \t]{2})|\)(?=[ \t]*=))?[ \t]*"
    # (\u1366: the Ethiopic preface colon)
    r"(=>|:=|->|<-|::|[:=>,|\u2502\u1366]|\\u003[ad]|%3[ad]|[ \t])[ \t]*"
    # (a C string's address before it in gdb: passwd = 0x5555... "X"; OTel's Str(X))
    r"(?:\(|some\(|ok\(|str\(|0x[0-9a-f]{4,16}[ \t]+(?=\")|n(?=')|=[ \t]*n?(?='))?[ \t]*"
    # (a YAML tag that keeps the text as it is: Ansible's !unsafe, !!str, !!binary)
    r"(?:(?:!unsafe|!!str|!!binary)[ \t]+)?" + _VALUE
)
_NAME_CHARS: Final = frozenset(string.ascii_letters + string.digits + "._-")
# "is" in the languages prose about a secret was seen in (est, ist, är, là, είναι, ...)
_COPULAS = (
    r"is|was|are|ist|lautet|es|est|\u00e9|\u00e8|era|sind|jest|\u00e4r|er|je|l\u00e0"
    r"|\u03b5\u03af\u03bd\u03b1\u03b9|c'est|\u0647\u064a|\u0647\u0648"  # c'est; Arabic "is"
    r"|it's|it\u2019s|\u05d4\u05d9\u05d0|\u05d4\u05d5\u05d0"  # it's; Hebrew "is" (she, he)
    r"|este|adalah|ni|einai|ficou"  # Romanian, Indonesian and Malay, Swahili, Greeklish, Portuguese
    # Catalan, Tagalog, Malay, Bengali (two spellings), Persian "that is", South Slavic and
    # Bulgarian, Ukrainian, Lithuanian
    "|\u00e9s|ay|ialah|\u09b9\u09b2\u09cb|\u09b9\u09b2|\u06cc\u0639\u0646\u06cc|\u0435|\u0454|yra"
    "|ir|\u0458\u0435"  # Latvian; Serbian Cyrillic (not Estonian "on": an English word too)
    "|\u0567|ithi"  # Armenian; Zulu ("it says")
)
# Endings a secret word takes in prose: passwords, Lösenordet, tokenen, nyckeln, şifresi.
# (also Turkish accusatives, şifresini; Icelandic's article, lykilorðið; Georgian's glued
# copula, პაროლია; Armenian's article, գաղտնաբառն; Kazakh's possessive, сөзі)
_INFLECTION = r"(?:e[nt]|n|s|sini|s\u0131n\u0131|si|s\u0131|i\u00f0|\u10d0|\u0576|\u0456)?"
INFLECTION: Final = _INFLECTION
# "changed to" in other languages: alterada para, cambiada a, gewijzigd naar, geändert auf
_CHANGED_TO_WORDS = (
    "(?:alterad[ao]|mudad[ao]|cambiad[ao]|modificad[ao]|gewijzigd|veranderd|ge\u00e4ndert"
    "|\u00e4ndrat|\u00e6ndret|endret|zmienion[eya]|cambiat[ao]"
    # ... and "reset to": redefinida para, restablecida a, zurueckgesetzt auf, reinitialise a,
    # reimpostata a, gereset naar, nastaveno na, zresetowane na, aterstallt till
    "|redefinid[ao]|restablecid[ao]|reestablecid[ao]|reiniciad[ao]|reimpostat[ao]"
    "|zur\u00fcckgesetzt|neu[ \t]+gesetzt|gesetzt|r\u00e9initialis\u00e9e?|gereset|teruggezet"
    "|nastaven[oa]|nastavil[ai]?|zresetowan[eya]|ustawion[eya]|\u00e5terst\u00e4llt|nulstillet"
    "|tilbakestilt)"
    "[ \t]+(?:para|a|naar|op|in|auf|zu|till|til|na|\u00e0)"
)
# ("set to X"; but "the password to the iLO is X" names what it opens)
_TO = r"to(?![ \t]+(?:the|a|an|our|my|your|this|that|its|their)[ \t])"
_OF = r"of(?=[ \t]+\S*[^a-z\s])(?![ \t]+\S+[ \t]+(?:is|was|are)[ \t])"
# "key" at the end of a compound, as Germanic languages write it: Netzwerkschlüssel,
# nettverksnøkkel(en), krypteringsnyckel(n), toegangssleutel
_GLUED_KEYS = "schl\u00fcssel|n\u00f8kkel|n\u00f8gle|nyckel|sleutel"
# "the admin password is X", "password set to X", "new API token generated: X"
_PROSE = re.compile(
    # (also "token" at the end of a compound: Zugangstoken, autentiseringstoken)
    rf"(?:(?<![A-Za-z0-9])(?:{KEYWORD})|(?<=[a-z]{{4}})(?:token|{_GLUED_KEYS})){_INFLECTION}"
    r"(?![A-Za-z0-9])[;,]?"
    r"(?:[ \t]+(?:`?[\w@.'-]+`?,?|\([^()\n]{1,40}\))){0,8}?"  # words, an aside in parentheses
    # ("password of <owner>": "of" gives a value only when it is no plain word and no "is"
    # follows: "the password of svc-backup2 is X")
    rf"(?:[ \t]+(?:{_COPULAS}|{_TO}|now|{_OF}|will be|{_CHANGED_TO_WORDS})(?:[ \t]*:)?"
    r"|[ \t]*[:=\u2013\u2014-])[ \t]+"
    r"(?:\"([^\"\n]+)\"|'([^'\n]+)'|\u00ab[ \t\u00a0]*([^\u00bb\n]+?)[ \t\u00a0]*\u00bb"
    r"|[`]?(?:[\w.@-]+[ \t]*/[ \t]*)?([^\s\"'`,;)\u00ab]+))"
    r"(?:[ \t]+to[ \t]+[\"'`]?([^\s\"'`,;)]+))?"
)
_PIN_PROSE = re.compile(
    # (a full stop may end the sentence after it; not a version's or an address's dot)
    rf"\bPIN\b[^\n]{{0,60}}?[ \t](?i:{_COPULAS})[ \t]+(?:now[ \t]+)?[\"'`]?(\d{{4,8}})"
    r"(?![\d:/-]|\.\d)"
)
# A name for a digest in front of a secret's word (checksum/secret), or as the last word
# before the value ("Key fingerprint = ...", "token checksum: ...")
_DIGEST_NAME_BEFORE = re.compile(r"(?:checksum|digest|sha\d*|md5)[/_.-]\Z")
_DIGEST_WORD_BEFORE_VALUE = re.compile(
    r"[ \t_-](?:fingerprint|thumbprint|checksum|digest)s?[\"']?[ \t]*[:=-]?[ \t]*[\"'`]?\Z"
)
_FROM_TO = re.compile(rf"(?:{KEYWORD})\b[^\n]{{0,40}}?\bfrom[ \t]+(\S+)[ \t]+to[ \t]")
# 密码是X, パスワードはXです: no space between the word and the value.
# Korean: 비밀번호는 X 입니다 (the topic or subject particle glued to the word).
_PROSE_CJK = re.compile(
    "(?:\u5bc6\u7801|\u5bc6\u78bc|\u53e3\u4ee4|\u30d1\u30b9\u30ef\u30fc\u30c9"
    "|\ube44\ubc00\ubc88\ud638|\uc554\ud638|\u6697\u8a3c\u756a\u53f7"  # ... the Japanese PIN
    # "token" (Chinese, Japanese, Korean) and "secret key" (simplified, traditional)
    "|\u4ee4\u724c|\u30c8\u30fc\u30af\u30f3|\ud1a0\ud070|\u5bc6\u94a5|\u5bc6\u9470"
    "|\u0e23\u0e2b\u0e31\u0e2a\u0e1c\u0e48\u0e32\u0e19(?=[\uff1a:]))"  # Thai, then a colon
    # (a few characters between: 密码前半段是 X, "the password's first half is X")
    "(?:[^\\s\u3002\uff0c:\uff1a]{0,6}?(?:\u662f|\u4e3a|\u70ba)"
    "|\u306f|\u3092|\uff1a|\ub294|\uc740|\uc774|\uac00|:)?[ \t]*"
    # the value, maybe in corner brackets: 密碼是「X」
    "\u300c?"
    r"([^\s"
    "\u3002\u3001\uff0c\u3067\u300c\u300d\uff1a:]+)"
)
# Korean "the passphrase is X" ends in the copula: 암호 문구는 X 입니다 (X may hold blanks).
_PROSE_KO = re.compile(
    "(?:\ube44\ubc00\ubc88\ud638|\uc554\ud638(?:[ ]?\ubb38\uad6c)?|\ud328\uc2a4\uc6cc\ub4dc"
    "|\ud328\uc2a4\ud504\ub808\uc774\uc988)"  # ... and the loanword for "passphrase"
    "(?:\ub294|\uc740|:)[ \t]+([^\n]{4,60}?)[ \t]*\uc785\ub2c8\ub2e4"
)
# Thai writes no blanks between words: รหัสผ่าน...คือ X ("the password ... is X")
_PROSE_THAI = re.compile(
    "\u0e23\u0e2b\u0e31\u0e2a\u0e1c\u0e48\u0e32\u0e19[^\\n]{0,40}?\u0e04\u0e37\u0e2d[ \t]*(\\S+)"
)
_WITH_KEY = re.compile(
    rf"\b(?:with|using)[ \t]+(?:the[ \t]+)?(?:[\w-]+[ \t]+)?(?:{KEYWORD})[ \t]+"
    r"([\"'`])([^\"'`\s]{8,})\1"
)
_NEW_VALUE = re.compile(
    rf"(?<![a-z0-9])(?:{KEYWORD})s?[ \t]*\((?:new|now)[ \t]*[:=][ \t]*([^\s),;]+)[),;]"
)
_PROSE_FI = re.compile(
    r"salasana\w*(?:[ \t]+[\w-]+){0,3}?[ \t]+on[ \t]+(?:nyt[ \t]+|nykyaan[ \t]+)?([^\s,;]+)"
)
_USE_AS = re.compile(
    rf"\buse[ \t]+[\"'`]?([^\s\"'`]+?)[\"'`]?[ \t]+as[ \t]+(?:the[ \t]+|a[ \t]+)?(?:[\w-]+[ \t]+)?"
    rf"(?:{KEYWORD})\b"
)
_SQL = re.compile(
    r"\b(?:identified[ \t]+(?:with[ \t]+\w+[ \t]+)?by(?:[ \t]+password)?|password[ \t]+for[ \t]+\S+"
    r"[ \t]*=|password(?![\"'`]))[ \t]*(?:password[ \t]*\([ \t]*)?(?:'([^'\n]*)'|\"([^\"\n]*)\")"
)  # (not "password" quoted itself, a JSON string: its closing quote opens no literal)
# Oracle's unquoted form: CREATE USER x IDENTIFIED BY tiger (any word is the password there;
# BY VALUES '<hash>' and BY PASSWORD '<hash>' are quoted and read by _SQL).
_SQL_UNQUOTED = re.compile(r"\bidentified[ \t]+by[ \t]+(?!values\b|password\b)([^\s'\";,)]+)")
# Tools whose short flags carry a password: mysql -pX, sshpass -p X, docker login -p X,
# redis-cli -a X, curl -u user:X.
_CLI = re.compile(
    r"\b(?:mysql\w*|mariadb\w*)\b[^\n]*?[ \t]['\"]?-p([^\s-]\S*)"
    r"|\bsshpass[ \t]+-p[ \t]*(?:'([^'\n]+)'|\"([^\"\n]+)\"|(\S+))"
    r"|\b(?:docker|podman|buildah|skopeo|helm(?:[ \t]+registry)?)[ \t]+login\b"
    r"[^\n]*?[ \t]-p[ \t]+(\S+)"
    r"|\bredis-cli\b[^\n]*?[ \t]-a[ \t]+(\S+)"
    r"|\bldap\w+\b[^\n]*?[ \t]-w[ \t]*[\"']?([^\s\"'-][^\s\"']*)"
    r"|\b(?i:sqlcmd|bcp|osql)(?:\.exe)?\b[^\n]*?[ \t]-P(?!(?i:assword)\b)[ \t]*[\"']?"
    r"([^\s\"'-][^\s\"']*)"
    r"|(?:^|[ \t])(?:-u|-U|--user|--username)[ \t=]+[\"']?[^\s:%,\"']*[:%,][\"']?([^\s\"']+)"
    # an API key given as the user with an empty password: curl -u "sk_test_...:"
    r"|\bcurl\b[^\n]*?[ \t](?:-u|--user)[ \t=]+[\"']?([A-Za-z0-9_-]{20,}):[\"']?(?=[\s]|$)"
    r"|\bopenssl\b[^\n]*?[ \t]-K[ \t]+([0-9A-Fa-f]{16,})"  # a raw key in hex
    r"|\bsnmp\w*\b[^\n]*?[ \t]-c[ \t]*([^\s-]\S*)"
    r"|\b(?:add_user|change_password|set_password)[ \t]+\S+[ \t]+[\"']?([^\s\"']+)"
    r"|\b\w*passwd[ \t]+-\w*b\w*[ \t]+(?:-\w+[ \t]+)*(?:\S+[ \t]+)?\S+[ \t]+[\"']?([^\s\"']+)"
    r"|\becho[ \t]+[\"']?[\w.-]+:([^\s\"'|]+)[\"']?[ \t]*\|[ \t]*(?:sudo[ \t]+)?chpasswd"
    r"|\bnet[ \t]+user[ \t]+\S+[ \t]+([^\s/*]\S*)"
    r"|\bnet[ \t]+use[ \t]+(?:[A-Za-z]:[ \t]+)?\\\\\S+[ \t]+([^\s/*]\S*)"
    r"|\bnet[ \t]+use\b[^\n]*?/user:\S+[ \t]+([^\s/*]\S*)"
    # a value piped into a login: echo 'X' | docker login --password-stdin, | passwd --stdin
    r"|\b(?:echo|printf)[ \t]+(?:-n[ \t]+|'%s(?:\\n)?'[ \t]+|\"%s(?:\\n)?\"[ \t]+)?"
    r"[\"']?([^\s\"'|$]+)[\"']?(?:[ \t]*;[ \t]*(?:echo|printf)[ \t]+[^\n|;]*?)?\)?[ \t]*\|"
    r"(?=[^\n]*(?:password|passwd|login|kinit|passphrase|--stdin|cryptsetup|\bsudo[ \t]+-\w*S))"
    # a value written into a file named for a secret: echo 'X' > ~/.vault_pass.txt
    r"|\b(?:echo|printf)[ \t]+(?:-n[ \t]+|'%s(?:\\n)?'[ \t]+|\"%s(?:\\n)?\"[ \t]+)?"
    r"(?:'([^'\n]{4,})'|\"([^\"\n$]{4,})\"|([^\s\"'|>$]{4,}))"
    r"[ \t]*>>?[ \t]*[\w.~/-]*(?:pass|secret|token|key|cred|pw)[\w.~/-]*[ \t]*(?:$|[;&|])"
    # a here-string into the same: sudo -S ... <<< 'X'
    r"|(?:password|passwd|login|kinit|passphrase|--stdin|cryptsetup|\bsudo[ \t]+-\w*S)[^\n]*"
    r"<<<[ \t]*[\"']?([^\s\"']+)"
    r"|\bssh-keygen\b[^\n]*?[ \t]-[NP][ \t]*[\"']?([^\s\"'-][^\s\"']*)"
    # network devices: password 0 X, secret 5 $1$..., key 7 X, snmp-server community X, and
    # an algorithm between: message-digest-key 1 md5 X, authentication-key 2 md5 7 X
    r"|\b(?:password|secret|key|key-string)[ \t]+[0-9][ \t]+"
    r"(?:(?i:md5|sha\d*|hmac-sha-?\d*)[ \t]+(?:[0-9][ \t]+)?)?(\S+)"
    r"|\bsnmp-server[ \t]+community[ \t]+(\S+)"
)
# A short flag that many tools give a password or key (-p, -P, -w, -a, -k): only a value that
# looks like one (not a port, a path, a word or another flag).
_SHORT_FLAG = re.compile(
    # (glued to its value only as -p: mysql -pX, 7z -pX; not -AsPlainText, -NewPassword)
    r"(?:^|[ \t])([\"']?)-(?:[pPwWakNAX]\1(?:[ \t]+|,[ \t]*)|p\1)[\"']?([^\s\"'-][^\s\"']*)"
)
# Oracle's user/password@service (sqlplus, expdp, rman), also inside a connect string.
_SLASH_AT = re.compile(
    r"(?<![\w/.@-])[A-Za-z_][\w$#.-]*/([^\s/@\"']+)@(?://)?[A-Za-z_(][\w.:/()=-]*"
)
# A name/key attribute or field naming a secret, then the value beside it: .NET appSettings,
# Spring <property>, Java XML properties, JSON and YAML name/value environment entries.
# Up to three other quoted fields may stand between ("type": "CONCEALED", "purpose": ...).
_OTHER_FIELDS = (
    r"(?:[ \t]*[,;][ \t]*\\?[\"'][\w-]+\\?[\"'][ \t]*[:=][ \t]*"
    r"\\?[\"'][^\"'\n\\]{0,40}\\?[\"']){0,3}"
)
_INDIRECT = re.compile(
    r"(?:name|key|id|label|param\w*|var\w*|setting|field|property|attr\w*|env)\\?[\"']?[ \t]*[:=]"
    rf"[ \t]*\\?[\"']?([\w.:%$-]*(?:{KEYWORD}|sessionid|(?<![a-z])pin(?![a-z]))[\w.:-]*)\\?[\"']?"
    + _OTHER_FIELDS
    + r"(?:[ \t]*[,;]?[ \t]*\\?[\"']?(?:\w*value|val|default|content|data|secret)\\?[\"']?"
    r"[ \t]*[:=]"
    r"|[ \t]*>)[ \t]*" + _VALUE
)
# A call whose name speaks of logging in or of a secret: its quoted arguments are candidates.
_CALL = re.compile(
    rf"\b[\w.]*(?:login|logon|authenticate|connect|construct|pdo|credential|setpassword|{_STRONG}"
    r"|token|auth|_pw_)"  # paho-mqtt's username_pw_set(user, password)
    r"\w*[ \t]*=?[ \t]*\(([^()\n]*)\)?"
)
_AT_DOMAIN = re.compile(r"@[\w-]+\.[\w.-]+")  # an e-mail address or user@host
_QUOTED = re.compile(r"\"((?:[^\"\\\n]|\\.)*)\"|'([^'\n]*)'")
# Protocol exchanges: Redis AUTH [user] password (also inside a client's error message and
# MONITOR's quoted form), SMTP AUTH PLAIN <base64>, IMAP LOGIN user password, an SMTP client
# line carrying only base64 (AUTH LOGIN's answers).
_REDIS_AUTH = re.compile(
    # (not RFC 5424's message id AUTH before a structured-data element: AUTH [meta ...])
    r"\bAUTH[ \t]+(?!PLAIN\b|LOGIN\b|XOAUTH2\b|OAUTHBEARER\b|CRAM-MD5\b|\[)"
    r"((?:[^\s:)]+[ \t:])?([^\s)]+))"
)
_PROTOCOL = re.compile(
    r"\bAUTH[ \t]+(?:PLAIN|LOGIN|XOAUTH2|OAUTHBEARER|CRAM-MD5)[ \t]+([A-Za-z0-9+/=]{8,})"
    r"|\"AUTH\"((?:[ \t]+\"[^\"]*\")+)"
    r"|^[ \t]*(?:C:[ \t]*)?[A-Za-z]?\d+[ \t]+LOGIN[ \t]+\S+[ \t]+(\"[^\"]*\"|\S+)"
)
_CLIENT_LINE = re.compile(r"^[ \t]*(?:C:|>>>?|~>)[ \t]*([A-Za-z0-9+/]{8,}={0,2})[ \t]*$")
# Python smtplib's debug output of a client line: send: 'dXNlcg==\r\n' (AUTH LOGIN's answers).
_SEND_LINE = re.compile(
    r"^[ \t]*send:[ \t]*b?(['\"])([A-Za-z0-9+/]{8,}={0,2})(?:\\r)?(?:\\n)?\1[ \t]*$"
)
_AUTHORIZATION = re.compile(
    r"\b(?:proxy-)?authorization\\?[\"']?[ \t]*[:=,][ \t]*\\?[\"']?"
    r"(?:[A-Za-z][\w-]*[ \t]+)?(?:([a-z][\w-]*=[^\n]*?)(?=\\r|\\n|[\"']?[,}\])]?$)"
    r"|([^\s\"',;\\]+))"
)
# IntelliJ's HTTP client: "Authorization: Basic <user> <password>", the pair in clear
_BASIC_PAIR = re.compile(r"\bauthorization:[ \t]*basic[ \t]+[^\s:]+[ \t]+(\S+)[ \t]*$", re.I | re.M)
_BEARER = re.compile(r"\b(?:bearer|basic)[ \t]+([A-Za-z0-9._~+/-]{16,}=*)", re.IGNORECASE)
_COOKIE = re.compile(r"\b(?:set-)?cookie[ \t]*:[ \t]*([^\n]*)")
_COOKIE_PAIR = re.compile(r"([^\s=;,]+)=([^\s;,]*)")
_COOKIE_ATTRIBUTES: Final = frozenset(
    ("path", "domain", "expires", "max-age", "samesite", "secure", "httponly", "priority")
)
_URL_KEY = re.compile(r"://([A-Za-z0-9_-]{16,})@")  # Sentry-style DSN: the key is the user
_URL_CREDENTIALS = re.compile(
    r"://([^\s:/@]*:[^\s/@]+)@|%3A%2F%2F[^\s%/&]*%3A([^\s&/]+?)%40", re.IGNORECASE
)
_WEBHOOK = re.compile(
    r"/bot(\d{6,}:[\w-]{30,})|/api/webhooks/\d+/([\w-]{20,})|/IncomingWebhook/(\w{16,})"
    r"|hooks\.slack\.com/(?:services|workflows)/([\w/-]+)|/hooks/catch/\d+/([a-z0-9]{6,})",
    re.IGNORECASE,
)
# A path segment after a word that says it is a key (/hooks/<key>, /with/key/<key>,
# /hooks/catch/123/<key>/, /token/<t>): key material unless an id shape.
_PATH_KEY = re.compile(
    r"/(hooks?|webhooks?|key|keys|token|tokens|secret|secrets|apikey|api[-_]key|access[-_]token"
    r"|trigger|catch|inputs)(?:/\d+)?/([A-Za-z0-9_-]{16,})(?![A-Za-z0-9_-])",
    re.IGNORECASE,
)
_PGPASS = re.compile(r"^[\w.*-]+:(?:\d{1,5}|\*):[\w.*-]+:[\w.*-]+:(\S+)$")
_CRYPT = re.compile(
    r"\$(?:1|2[abxy]?|5|6|y|gy|7|apr1|argon2(?:id|i|d)|scrypt|pbkdf2[\w-]*)\$[^\s:'\"]{8,}"
)
# A password stored with its scheme in braces (Dovecot's passdb, LDAP's userPassword, 389-ds):
# {PLAIN}X in clear, {SSHA}X and {SHA512-CRYPT}X hashed; either way not for the LLM.
_SCHEMED = re.compile(
    r"\{(?:PLAIN|CLEAR|CLEARTEXT|PLAIN-MD5|LDAP-MD5|MD5|SMD5|SHA|SSHA|SHA256|SSHA256|SHA512|SSHA512"
    r"|CRYPT|MD5-CRYPT|SHA256-CRYPT|SHA512-CRYPT|BLF-CRYPT|ARGON2I|ARGON2ID|PBKDF2(?:-SHA\d+)?"
    r"|CRAM-MD5|DIGEST-MD5|SCRAM-SHA-1|SCRAM-SHA-256)(?:\.[\w-]+)?\}([^\s:'\",;]{4,})",
    re.IGNORECASE,
)
# Random-looking tokens, anywhere: candidates first (cheap), then the shape checks.
_CANDIDATE = re.compile(r"[A-Za-z0-9+/_-]{20,}={0,2}")
_RUNS = re.compile(r"[0-9]+|[a-z]+|[A-Z]+|[^0-9A-Za-z]+")
_HEX_PART = re.compile(r"[0-9A-Fa-f]*")
_HEX_ID = r"[0-9A-Fa-f]+(?:[-:][0-9A-Fa-f]+)*"
_UUID = r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}"
# Identifier shapes diagnosis needs: hex ids and digests, UUIDs (also req-<uuid>), numbers,
# ULIDs, versions.
DIAGNOSTIC: Final = re.compile(
    rf"{_HEX_ID}|0x[0-9A-Fa-f]+|(?:[A-Za-z]{{1,12}}[-_])?{_UUID}|[0-9][0-9_.:-]*|[0-9A-HJKMNP-TV-Z]{{26}}"
    # a typed id: two capitals and 32 hex digits (Twilio's AC..., SM... SIDs)
    r"|[A-Z]{2}[0-9a-f]{32}"
    r"|v?\d+(?:\.\d+)+(?:[-+][\w.-]+)?"
    # a container's cgroup scope: docker-<64 hex>.scope, cri-containerd-, crio-, libpod-
    r"|(?:docker|crio|libpod|cri-containerd|containerd)-[0-9a-f]{64}"
)
# MD5:aa:bb:.. prints; Vault's audit log HMACs values (hmac-sha256:...)
# A door, gate, alarm or safe code: a number that opens something.
# "door code", "alarm code", also with a word between ("alarm disarm code", "gate entry code")
_DOOR_CODE = (
    r"(?:door|gate|alarm|keypad|safe|cage)(?:[ -][a-z]+)?[ -]?code|(?:entry|access|lock)[ -]?code"
)
# A column or field that holds a PIN or an opening code (PIN, PIN1, Alarm code, door_code)
PIN_NAMES: Final = rf"(?<![a-z])(?:pin[12]?|puk[12]?|{_DOOR_CODE})(?![a-z])"
_DIGEST_LABEL = re.compile(r"(?:hmac-)?(?:sha\d*|md5|blake2\w*):", re.IGNORECASE)
_DIGEST_PREFIX = re.compile(
    r"(?:sha\d*|md5|blake2\w*|crc32c?|h1|zh|bh)[:=]\Z|digestvalue>\Z"  # DKIM's bh=, XML-DSig
)
# Words whose id is itself secret-bearing (secret_id, tokenId): not an identifier's label.
_KEYED_ID_WORDS = "key|token|secret|access|api|auth"
# cluster_id=<random>, "requestId": "<random>": labelled identifiers, not keys.
_ID_LABEL = re.compile(
    rf"(?<![a-z_-])(?!(?:{_KEYED_ID_WORDS})[_-])(?:[a-z]+[_-]){{0,3}}"
    # camel case lowered: "VersionId" is versionid (but secretId, tokenId stay secret-bearing)
    r"(?:[a-z]{3,}(?<!key)(?<!token)(?<!secret)(?<!access)(?<!api)(?<!auth)(?=id))?"
    r"(?:id|ids|uid|guid|kids?|x5t(?:#s256)?|thumbprint|peer|recipient|public[ _-]?key)"
    r"(?:[_-]\d)?[\"']?(?:[ \t]*[:=][ \t]*[\"'\[(]?|[ \t]+[\"'])\Z"
)
# "(Request req_8HnKq2LpX4vZ7m)", "trace abc...": a request, trace or event id, by the word
# before it or by its own prefix.
_ID_WORD_BEFORE = re.compile(
    r"(?:request|trace|span|correlation|transaction|event|ray|recipient|peer|item|accessor|kid"
    # a device's serial, a protocol's nonce or MIC, a public key's modulus, an account's id
    r"|serial|s/n|nonce|mic|modulus|account"
    r"|lease[ \t]+(?:revoke|lookup|renew)"  # Vault's lease ids: <mount>/creds/<role>/<id>
    # "analysis id X", "session ID: X": any word's id, but a secret's id (Vault's secret_id)
    r"|(?<![a-z])(?!secret)[a-z]{3,}[ \t]id)"
    r"[ \t]*[:#]?[ \t]*[(\[]?\Z"
)
_ID_PREFIX = re.compile(
    r"(?:req|request|trace|span|evt|event|txn|corr|ray)[_-]"
    # a SIP transaction's branch id: RFC 3261's magic cookie, then the transaction's own part
    r"|z9hG4bK"
    # Stripe's object ids (its secrets are sk_, rk_, whsec_)
    r"|(?:we|cus|ch|pi|pm|sub|acct|prod|price|seti|cs|py|tr|po|re|in|ii|il)_(?=[A-Za-z0-9]{14,})",
    re.IGNORECASE,
)
_DOTTED_HEAD = re.compile(r"(?<![\w.-])[A-Za-z0-9]{12,40}\Z")
_SRI = re.compile(r"(?:sha\d+|md5)-", re.IGNORECASE)  # Subresource Integrity: sha512-<base64>
# An SSH public key's blob: base64 of its length-prefixed type (ssh-rsa, ssh-ed25519, ecdsa-..,
# sk-...): public, as in authorized_keys and host key facts
_SSH_PUBLIC = re.compile(r"AAAA(?:B3NzaC1|C3NzaC1|E2VjZHNh|GnNrLW|InNrLW)[A-Za-z0-9+/]*={0,3}")
_GLUED: Final = re.compile(r"[\w+/-]").match
_LOWER: Final = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
# Capitals beyond ASCII whose lower case is one character (Пароль, Κωδικός, ÅTKOMST): the
# patterns read an offset-preserving lower-cased copy of lines that are not ASCII.
_LOWER_WIDE: Final = str.maketrans(
    {
        chr(c): chr(c).lower()
        for c in (*range(0xC0, 0x250), *range(0x370, 0x530))
        if chr(c).isupper() and len(chr(c).lower()) == 1
    }
    | {chr(c): chr(c + 32) for c in range(ord("A"), ord("Z") + 1)}
)


def lowered(text: str) -> str:
    """``text`` lower-cased character for character (offsets stay valid)."""
    return text.translate(_LOWER if text.isascii() else _LOWER_WIDE)


_WORDS = re.compile(r"[a-z]+(?:[._-][a-z]+)*")
_PLACEHOLDER = re.compile(
    r"\[[A-Za-z][A-Za-z0-9_]*\]|\$\{?[\w.-]+\}?|\{\{.*\}\}|%\(?\w*\)?s|<[^>]*>|[*x.#?-]+|[{\[]|"
    # a reference to a secret, not the secret: deploy-time variables (#{Db.Password}), templates
    # opened (${{ secrets.X }}, {{ .Values.x }}), YAML tags (!secret name), secret-manager URIs,
    # environment lookups, a .NET type name printed for a SecureString, machineKey's AutoGenerate
    r"#\{[^}\n]*\}?|\$?\{\{.*|[\w.-]*\*{3,}[\w.-]*|\w+\(\[[A-Za-z]\w*\]\)|\{%.*|![a-z][a-z_-]*"
    r"|(?:op|vault|bw|sm|ssm|awssm|azkv|keyvault|gcpsm|doppler|infisical|env|secrets?)://\S*"
    r"|vault:[\w/.#:-]+|(?:process\.env|os\.environ|ENV)[.\[]\S*"
    r"|[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+\(.*|System(?:\.[A-Z]\w*)+|AutoGenerate(?:,\w+)*|"
    r"(?i:none|null|nil|true|false|yes|no|n/a|undefined|empty|redacted|masked|hidden|required"
    r"|sensitive|\(sensitive(?:[ \t]value)?\))"
)


# A plan's change of a secret-bearing attribute (Terraform, Pulumi): old -> "new"
_CHANGED_TO = re.compile(rf"(?:{KEYWORD})[\w.-]*[\"']?[ \t]*[:=][^\n]*?[ \t]->[ \t]*\"([^\"\n]+)\"")


def keyword_secrets(text: str) -> Iterator[tuple[int, int]]:
    """Everything introduced by a secret-bearing word. The patterns run on an ASCII-lowered copy
    (same offsets): a case-insensitive alternation scans ten times slower in ``re``."""
    lower = lowered(text)
    yield from assignments(text, lower)
    yield from prose(text, lower)
    if "identified" in lower or "password" in lower:
        yield from _spans(_SQL, lower)
        for match in _SQL_UNQUOTED.finditer(lower):
            if not is_placeholder(text[match.start(1) : match.end(1)]):
                yield match.span(1)
    if "AUTH" in text or "LOGIN" in text:
        yield from _spans(_PROTOCOL, text)
        for match in _REDIS_AUTH.finditer(text):  # not "SASL AUTH failed for user"
            if secret_like(match.group(2), True):
                yield match.span(1)
    if "authorization" in lower:
        yield from _spans(_AUTHORIZATION, lower)
    yield from indirect(text, lower)
    if "->" in text:
        for match in _CHANGED_TO.finditer(lower):
            if not is_placeholder(text[match.start(1) : match.end(1)]):
                yield match.span(1)
    if "<" in text:
        yield from markup(text, lower)
    if "values" in lower:
        yield from sql_values(text, lower)
    if "cookie" in lower:
        yield from cookies(text, lower)
    if "encrypted " in lower:
        yield from _spans(_ENCRYPTED_VALUE, lower)


# Pentaho Kettle's obfuscated password: PASSWORD=Encrypted 2be98afc86aa7f2e4cb79ce10 (reversible)
_ENCRYPTED_VALUE = re.compile(
    rf"(?:{KEYWORD})[\w.-]*[\"']?[ \t]*[:=][ \t]*[\"']?encrypted[ \t]+([0-9a-f]{{16,}})"
)


_LONGEST_NAME: Final = 64  # characters of a secret's name with its prefix, as names go


def assignments(text: str, lower: str) -> Iterator[tuple[int, int]]:
    at = 0
    while (match := _ASSIGNMENT.search(lower, at)) is not None:
        at = match.start() + 1  # names overlap (oauth_token): a rejected match moves one on
        span = _assigned(text, match)
        if span is not None:
            yield span
            # A name well inside a value taken (key=key=key=...) is masked with it: on from
            # near its end, so that a line of such names costs its length, not its square. Not
            # from the end itself: a value can be a name whose own value follows ("DB_PASSWORD
            # | SecureString | <value>", an SSM table's type cell).
            at = max(at, span[1] - _LONGEST_NAME)


def _in_arn(text: str, at: int) -> bool:
    """Whether ``at`` is inside an ARN (a token that starts with "arn:"). It looks back at most
    2048 characters, an ARN's longest: so a long line costs its length, not its square."""
    reach = max(0, at - 2048)
    if text.find("arn:", reach, at) < 0:
        return False
    begin = max(reach, max(text.rfind(c, reach, at) for c in " \t\"'=(,[") + 1)
    return text.startswith("arn:", begin)


# A key printed in equal groups (1494 0966 9642 5147, JBSW Y3DP EHPK 3PXP): the groups after
# the first, to the end of the line or a punctuation mark. At most 31 more: a 128-hex key in
# fours has 32, and a bound keeps a line of such words ("PASS PASS ...") from costing its square.
_GROUPS = {
    n: re.compile(rf"(?:[ ][A-Za-z0-9]{{{n}}}){{2,31}}(?=[ \t]*(?:$|[\r\n,;.)(]))")
    for n in range(3, 7)
}


def _grouped_end(text: str, end: int, value: str) -> int | None:
    if not (3 <= len(value) <= 6 and value.isalnum()):
        return None
    groups = _GROUPS[len(value)].match(text, end)
    return groups.end() if groups is not None else None


_TAG_DIGEST = re.compile(r"[\w.-]*@(?:sha256|sha512):[0-9a-fA-F]{32,}")
_KEY_AFTER = re.compile(r"\\?[\"'`][ \t]*:(?!:)")


# Where an unquoted value ends: a blank, a quote, markup, a list's separator, CJK punctuation.
_VALUE_STOPS: Final = frozenset("\"'<>`;&\uff0c\u3001\u3002")
_CJK = re.compile("[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


def _secret_word_name(value: str) -> bool:
    """A camel-case name made of words, one a secret's (PasswordDigest, TokenExpired): a type
    or an event named, not a value."""
    if not value.isalpha() or _CAMEL_NAME.fullmatch(value) is None:
        return False
    return any(
        _STRONG_WORD.match(hump) or hump.lower() in _WEAK_WORDS for hump in _HUMPS.findall(value)
    )


_WEAK_WORDS: Final = frozenset(_WEAK.split("|"))
_DEFINITE_ENDINGS: Final = frozenset(("n", "en", "et", "t", "e"))
_NORDIC_WORDS: Final = frozenset(
    (
        "nyckel",
        "n\u00f8kkel",
        "n\u00f8gle",
        "l\u00f6senord",
        "losenord",
        "passord",
        "adgangskode",
        "wachtwoord",
        "sleutel",
    )
)


# Whose key is public: Tailscale's nodekey and discokey, a peer's, a host's, a machine's
_PUBLIC_KEY_OWNERS = ("public", "pub", "node", "peer", "machine", "host", "disco")


def _key_material(value: str) -> bool:
    """Hex of 16 bytes or more, or long base64: what a key is, not what a name is."""
    value = value.strip("\"'")
    return (len(value) >= 32 and _HEX_PART.fullmatch(value) is not None) or (
        len(value) >= 24 and _KEY_CHARS.fullmatch(value) is not None and looks_random(value)
    )


_KEY_CHARS = re.compile(r"[A-Za-z0-9+/_-]+={0,2}")


def _csv_cell(text: str, name_start: int, value_end: int) -> bool:
    """A CSV row's whole cell names a secret, its next whole cell holds the value
    (job,sftp_password,X): a name/value listing, not prose ("password, then")."""
    return (
        text.count(",") >= 2
        and text[name_start - 1 : name_start] in ("", ",", "\n")
        and text[value_end : value_end + 1] in ("", ",", "\n", "\r")
        and " " not in text[name_start:value_end]
    )


_BLOCK_INDICATOR = re.compile(r"[|>][-+]?\d?")


def _assigned(text: str, match: re.Match[str]) -> tuple[int, int] | None:
    word, separator = text[match.start(1) : match.end(1)], match.group(3)
    start = match.start()
    while start and text[start - 1] in _NAME_CHARS:
        start -= 1
    prefix = text[start : match.start()]
    inside = start and (text[start - 1].isalnum() or text[start - 1] == "_")
    if inside and not _CJK.match(text, start - 1):
        return None  # inside a longer word (Chinese and Japanese glue words: 令牌密钥)
    if (
        text[start - 1 : start] == "["
        and text[match.end(2) : match.end(2) + 1] == "]"
        and _OUR_PLACEHOLDER.fullmatch(text, start, match.end(2))
    ):
        return None  # a placeholder: [SECRET_TOKEN] (not PHP's [PHP_AUTH_PW] => X)
    if _BLOCK_INDICATOR.fullmatch(
        text, match.start(match.lastindex or 0), match.end(match.lastindex or 0)
    ):
        return None  # "pgpass: |": YAML's block scalar, the value is on the lines below
    lower_word = word.lower()
    strong = _STRONG_WORD.match(word) is not None
    glued = bool(prefix) and prefix[-1] not in "._-" and not strong
    hump = (prefix[-1:].islower() or prefix[-1:].isdigit()) and word[0].isupper()
    # a query string's parameter: ?wstoken=, &auth=, &key= name secrets as surely as password
    in_query = text[start - 1 : start] in ("?", "&") and separator == "="
    if glued and not hump:
        # -storepass, masterauth: a password flag; "bypass", "monkey": another word's tail;
        # wstoken= in a query, hashkey = <hex>: a compound that names a key by its value
        tail_of = prefix.lower().lstrip("-")
        peek = text[match.start(match.lastindex or 0) : match.end(match.lastindex or 0)]
        if not (
            (lower_word == "pass" and tail_of and tail_of not in _NOT_PASS)
            or (lower_word == "pw" and tail_of in _PW_OWNERS)  # newpw, rootpw, DBROPW
            or (lower_word == "token" and in_query)
            or (
                lower_word == "key"
                and separator in ("=", ":")
                and _key_material(peek)
                and not tail_of.endswith(_PUBLIC_KEY_OWNERS)  # nodekey:<hex>: public
            )
        ):
            return None
    tail = text[match.start(2) : match.end(2)]
    last = _tail_words(word, tail)[-1:] if tail else []
    # SecretID, private_key_id are secrets; an API key's or access key's id is an identifier
    secret_id = (  # Vault's and Consul's secret ids; not Kong's credential_id, an API key's id
        strong and last[:1] in (["id"], ["ids"]) and lower_word.startswith(("secret", "private"))
    )
    if last and last[0] in _METADATA_TAILS and not secret_id:
        return None  # token_type, key_id; but SecretID, private_key_id are secrets
    if last == ["hash"] and not strong:
        return None  # Tyk's key_hash, a token's hash: a digest that names it
    if tail and not _TIME_WORDS.isdisjoint(_tail_words(word, tail)):
        return None  # msDS-UserPasswordExpiryTimeComputed, krbPwdChange: a time, not the secret
    if (prefix + word + tail).lower() in _SECRET_PROGRAMS and separator in (" ", "\t"):
        return None  # wpa_passphrase <ssid> ...: a program, then its arguments
    if text[start - 1 : start] == "!":
        return None  # a YAML tag (!secret mqtt_password): a reference by name
    if lower_word == "signature" and prefix.lower() in ("dkim-", "arc-message-"):
        return None  # a mail's DKIM signature header: public, like the body hash in it
    if _in_arn(text, start):
        return None  # arn:aws:secretsmanager:...:secret:prod/db-AbC123 names a resource
    if _DIGEST_NAME_BEFORE.search(text[max(0, start - 10) : start].translate(_LOWER)):
        return None  # Helm's "checksum/secret: <sha256>": the digest of a secret, not it
    prior = _tail_words("", prefix.rstrip("._-"))[-1:] if prefix else []
    if prior == ["last"]:
        return None  # krbLastPwdChange, lastTokenRefresh: when, not what
    if lower_word == "key" and (
        prior == ["public"] or _PUBLIC_BEFORE.search(text, max(0, start - 40), start)
    ):
        return None  # a public key (WireGuard's "public key: <base64>") is public
    if prior and (prior[0] == "max" or (lower_word == "key" and prior[0] in _ID_KEYS)):
        return None  # max_tokens; Idempotency-Key, cache_key, sort-key: an id, not a key
    # "şifresi": a Turkish possessive ending, not another word
    going_on = tail[:1].isalpha() and tail[0].islower() and tail.lower() != "s"
    going_on = going_on and not (
        (tail == "si" and not word.isascii())
        or tail in ("s\u0131", "\u10d0")  # Turkish possessives; Georgian's glued copula
        # the Nordic definite article (nyckeln, lösenordet, nøkkelen, passordet)
        or (tail in _DEFINITE_ENDINGS and lower_word in _NORDIC_WORDS)
    )
    if going_on and not (lower_word == "pass" and tail in ("in", "out")):
        return None  # "tokenizer", "keyboard", "signal": the word goes on (-passin is a flag)
    if separator == ",":
        before = text[match.start(3) - 1 : match.start(3)]
        if before not in "\"'`" and not _csv_cell(text, start, match.end()):
            return None  # "password, then" in prose; ("API_TOKEN", "x") is an argument pair
    # A qualified weak word (signing_key, MASTER_KEY, auth-token) names a secret as surely
    # as "password" does; a bare "key" or "auth" may name an id ("key=<sha>", "auth=basic").
    named = strong or bool(prefix) or bool(tail) or lower_word in _ASSIGNED_SECRET or in_query
    group = match.lastindex or 0
    value = text[match.start(group) : match.end(group)]
    if _UPPER_NAME.fullmatch(value) and _KEYWORD_PART.search(value.lower()):
        return None  # <key>DD_API_KEY</key>, password: DB_PASSWORD: a variable's name
    if _DOMAIN_USER.fullmatch(value):
        return None  # PSCredential ("CORP\\svc", ...): a Windows account, the user
    if not named and "0x" in text[match.end(3) : match.start(group)]:
        named = True  # gdb: key=0x5555557a0f40 "<hex>": the string a key's pointer holds
    if not named and len(value) >= 24 and _HEX_PART.fullmatch(value) and _USER_BESIDE.search(text):
        named = True  # {"username": "x", "key": "<hex>"}: a user's key (kaggle.json), not an id
    grouped = _grouped_end(text, match.end(group), value) if group == match.re.groups else None
    if grouped is not None and separator not in (",", " ", "\t"):
        return match.start(group), grouped  # "WLAN key: 1494 0966 9642 5147": a grouped key
    if value.isdigit() and not strong and (tail.lower() == "s" or "." in tail):
        keep = True  # tokens=1523: a count; AppWindowToken.destroySurfaces:374: a line number
    elif _TAG_DIGEST.fullmatch(value) or value.startswith("arn:"):
        keep = True  # auth-token-svc:2.4.1@sha256:<digest>, an ARN: they name, not hold
    elif value.startswith("hmac-"):
        keep = True  # Vault's audit log: "client_token":"hmac-sha256:..." (HMAC'd, not the token)
    elif _SSH_PUBLIC.fullmatch(value):
        keep = True  # an SSH public key, after a name that holds "key"
    elif separator in (" ", "\t") and (
        _FLAG.fullmatch(value) is not None
        # "Located key UniqueIdentifier=<uuid>": another field's name and its id
        or _NAMED_ID_FIELD.fullmatch(value) is not None
        or (not prefix and _READ_VERB_BEFORE.search(text, max(0, start - 12), start) is not None)
        or _SECRET_OBJECT_NAME.fullmatch(value) is not None
        or _CMDLET.fullmatch(value) is not None
        or _DOTTED_SECRET_NAME.fullmatch(value) is not None
        or _CONSTANT_NAME.fullmatch(value) is not None
        or _secret_word_name(value)
        or (_ACTION_NAME.search((prefix + word + tail).lower()) and DIAGNOSTIC.fullmatch(value))
    ):
        # "label=password --reveal", "-Name x-password -Vault"; "bw get password <item id>";
        # "credentials secret cloud-credentials": a Kubernetes secret's name
        keep = True  # "label=password --reveal"; "bw get password <item id>": an object named
    elif separator == "," and _DOTTED_NAME.fullmatch(value):
        keep = True  # "API_KEY","api_key.id": a list of names, not a name and its value
    elif separator == "," and _KEY_AFTER.match(text, match.end(group)):
        keep = True  # {"eventName":"RotateSecret","requestID":...}: the next JSON key
    elif (
        separator == ":" and value.isdigit() and len(value) <= 6 and text[start - 1 : start] == ":"
    ):
        keep = True  # <sha>:config/settings.py:generic-api-key:108: a colon-joined id
    elif (
        separator in (" ", "\t")
        and value.isdigit()
        and len(value) >= 6
        and _PASSWORD_NAME.search(lower_word + tail.lower())
    ):
        keep = False  # "auth_pass 74670150": digits after a password's name are the password
    elif separator in (" ", "\t", "|", "\u2502"):  # a blank, or a table's next cell
        # password "hunter22", security word "pollen": quoted after a strong name, a secret;
        # else "token traceparent=00-..", "auth p99=812ms": the next word is an assignment of
        # its own, and "token-broker v2.14.0": a version
        opening = text[match.start(group) - 1 : match.start(group)]
        quoted = strong and len(value) >= 4 and opening != "" and opening in "\"'`"
        keep = not quoted and (
            (value.istitle() and value.isalpha())  # "Secret Manager", "Key Vault": a name
            # "| password | default_hostgroup |": a table's header names the next column
            or (separator in ("|", "\u2502") and _word_like(value) and "_" in value)
            # "orders-api-tokens  <uuid>": a listing names the objects, then their ids
            or (_plural(lower_word + tail.lower()) and DIAGNOSTIC.fullmatch(value) is not None)
            or _NEXT_ASSIGNMENT.match(value.lstrip("[(")) is not None
            or _METRIC.fullmatch(value) is not None
            or not secret_like(value, named)
            or _VERSION.fullmatch(value) is not None
        )
    elif strong or lower_word in _ASSIGNED_SECRET:
        # token-refresher:v1.11.14: an image's tag after a name that holds the word; a path
        keep = (
            is_placeholder(value)
            or (not strong and tail[:1] in ("-", "_") and _VERSION.fullmatch(value) is not None)
            or _FILE_PATH.fullmatch(value) is not None
        )
    elif named:
        # "AuthSession: session_id=<uuid>": a component's name, then another field
        keep = (
            is_placeholder(value)
            or _word_like(value)
            or _VERSION.fullmatch(value) is not None
            or _FILE_PATH.fullmatch(value) is not None
            or _NEXT_ASSIGNMENT.match(value) is not None
        )
    else:
        # key="ApiBaseUrl" (web.config appSettings): a bare key's value may be a name
        keep = not secret_like(value, False) or _structured_id(value) or _camel_name(value)
    if not keep and value.isalpha() and (value.istitle() or _PROSE_WORD.match(value)):
        # "secret.main: Destruction complete after 2s": a sentence goes on from the word
        keep = _SENTENCE_GOES_ON.match(text, match.end(group)) is not None
    if not keep and _KEYWORD_VALUE.match(value):
        # "credentials: password reset requested": a component's name, then a sentence about
        # a secret-bearing word; not "password: password", a value that is the word itself
        keep = _SENTENCE_GOES_ON.match(text, match.end(group)) is not None
    if keep:
        return None
    end = match.end(group)
    if group == match.re.groups:  # unquoted: a properties/INI value runs to the next blank
        while end < len(text) and not text[end].isspace() and text[end] not in _VALUE_STOPS:
            end += 1
    return match.start(group), end


def metadata_name(name: str) -> bool:
    """Whether a secret-bearing name (a column, a field) names something about the secret, not
    the secret: key_id, token_type, password_changed_at."""
    last = _tail_words("", name.strip(" \t\"'").replace(".", "_").replace(" ", "_"))[-1:]
    return bool(last) and last[0] in _METADATA_TAILS


def _plural(word: str) -> bool:
    return word.endswith("s") and not word.endswith("ss")  # credentials, tokens; not pass


# A verb that reads a secret, before its word: "get password <item>", "show secret <name>"
# Words in a name that make it a time about the secret (password_expiry_time, krbPwdChange)
_TIME_WORDS: Final = frozenset(
    [
        "expiry",
        "expires",
        "expiration",
        "time",
        "timestamp",
        "date",
        "changed",
        "change",
        "created",
        "updated",
        "ttl",
        "lifetime",
        "duration",
        "age",
    ]
)
# Programs named for a secret: their first argument is no value of theirs
_SECRET_PROGRAMS: Final = frozenset(
    [
        "wpa_passphrase",
        "htpasswd",
        "smbpasswd",
        "ldappasswd",
        "kpasswd",
        "chpasswd",
        "gpasswd",
        "yppasswd",
        "vncpasswd",
        "passwd",
    ]
)
_FLAG = re.compile(r"-{1,2}[A-Za-z][A-Za-z-]*")
_DOTTED_SECRET_NAME = re.compile(
    rf"[a-z][a-z0-9]*(?:[._][a-z0-9]+)*[._](?:[a-z0-9]+[._-])*(?:{_STRONG}|{_WEAK})[a-z0-9._-]*"
)
_OUR_PLACEHOLDER = re.compile(r"SECRET_TOKEN|[A-Z]+(?:_[A-Z]+)*_\d+")
_SECRET_OBJECT_NAME = re.compile(
    r"[a-z][a-z0-9]*(?:[-_.][a-z0-9]+)*[-_.](?:credentials|creds|secrets?|tokens?|keys?|tls|auth)"
)
# An operation on a secret named (a span "auth.verify_password <span id>", a function): the word
# after it is no value of the secret when it is an id.
_ACTION_NAME = re.compile(
    r"(?:verify|check|validate|reset|hash|rotate|change|update|compare|encode|decode|generate"
    rf"|refresh|revoke|issue|fetch|load|read|get|set)[_.-]?(?:{KEYWORD})"
)
# A PowerShell cmdlet after a secret's name: -NewPassword (ConvertTo-SecureString ...)
_CMDLET = re.compile(
    r"(?:Get|Set|New|Read|Add|Remove|Invoke|Import|Export|ConvertTo|ConvertFrom|Start|Stop|Test"
    r"|Update|Write|Out|Select|Where|ForEach|Unprotect|Protect)-[A-Z][A-Za-z]+"
)
# An environment variable's or constant's name: capitalised words joined by underscores
_CONSTANT_NAME = re.compile(r"[A-Z]{3,}(?:_[A-Z]{3,})+")
_UPPER_NAME = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+")
_KEYWORD_PART = re.compile(rf"(?<![a-z])(?:{KEYWORD})(?![a-z])")
# A path to a file (credentials=/root/.smbcred): names where the secret is, lower-case parts
_FILE_PATH = re.compile(r"(?:~|\.{1,2})?(?:/\.?[a-z0-9][\w.-]*)+/?")
_READ_VERB_BEFORE = re.compile(r"\b(?:get|show|read|fetch|reveal|print|copy|list)[ \t]+\Z")
_USER_BESIDE = re.compile(r"[\"']?(?:user(?:name)?|login)[\"']?[ \t]*[:=]", re.IGNORECASE)
_NEXT_ASSIGNMENT = re.compile(r"(?:[a-z][a-z_.-]{2,}(?:[A-Z][a-z]+)*|id)=")
# "token: unexpected status: 401", "secret: successfully stored ...": an adverb or participle
# that a sentence goes on from is prose, not a value
_PROSE_WORD = re.compile(r"[a-z]{3,}(?:ly|ed|ing)\Z")
_SENTENCE_GOES_ON = re.compile(r"[ \t]+[a-z]")
_KEYWORD_VALUE = re.compile(rf"(?:{KEYWORD}){_INFLECTION}\Z", re.IGNORECASE)
# The patterns that end in \Z look back a bounded reach (search from there, not from 0): a
# search from the line's start costs its length, and a long line of names its square.
_PUBLIC_BEFORE = re.compile(r"public[ \t]+\Z", re.IGNORECASE)
_METRIC = re.compile(r"[a-z][a-z0-9_]*=\d+(?:\.\d+)?(?:[a-z%]{1,4})?")  # p99=812.3ms
_DOTTED_NAME = re.compile(r"[a-z]+(?:[._][a-z]+)+")
_PASSWORD_NAME = re.compile(r"pass|pwd|secret")
# The word before a weak "key" that makes it a lookup key or an id: Idempotency-Key, cache_key.
_ID_KEYS: Final = frozenset(
    [
        "idempotency",
        "cache",
        "partition",
        "sort",
        "primary",
        "foreign",
        "dedup",
        "dedupe",
        "deduplication",
        "object",
        "shard",
        "hash",
        "lookup",
        "composite",
        "unique",
        "row",
        "message",
        "correlation",
    ]
)
_ID_KEY_BEFORE = re.compile(rf"(?<![a-z])(?:{'|'.join(sorted(_ID_KEYS))})[-_ ]?key\Z")
_VERSION = re.compile(r"v?\d+(?:\.\d+)+(?:[-+][\w.-]+)?|latest|stable|main|master")


_HUMPS = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")
_STRUCTURED_ID = re.compile(r"-?[A-Za-z0-9]+(?:(?:[:./#|@]|-(?=[A-Za-z0-9]))+-?[A-Za-z0-9]+)+")
_ID_PART = re.compile(r"[A-Za-z]+|[0-9]+|[a-z]+[0-9]+")


_CAMEL_NAME = re.compile(r"[A-Za-z][a-z]+(?:[.:_-]?[A-Z][a-z]+)+|[a-z]+(?:[.:_-]?[A-Z][a-z]+)+")


def _camel_name(value: str) -> bool:
    """ApiBaseUrl, Stripe:SecretKey, webpages.Enabled: words in camel case, no digits."""
    return _CAMEL_NAME.fullmatch(value) is not None


def _tail_words(word: str, tail: str) -> list[str]:
    """The words of a name's tail: SECRET_KEY_BASE → [key, base]; secretHex → [hex]."""
    return (
        [w.lower() for w in _HUMPS.findall(word[-1:] + tail)][1:]
        if word
        else [w.lower() for w in _HUMPS.findall(tail)]
    )


def _structured_id(value: str) -> bool:
    """users:42:profile, 0|com.tencent.mm|-2147483648|null: words and numbers joined by
    separators, none of them a random mix."""
    if _STRUCTURED_ID.fullmatch(value) is None or secret_shapes.password_shaped(value):
        return False  # (walnutPlover@4797 is words and a number, but a chosen password)
    parts = re.split(r"[:./#|@-]+", value.strip("-"))
    return all(_ID_PART.fullmatch(p) for p in parts if p) and not looks_random(value, 16)


_XML_ELEMENT = re.compile(
    rf"<([\w.:-]*(?:{KEYWORD})[\w.:-]*)(?:[ \t][^<>\n]*)?>[ \t]*"
    r"(?:<!\[cdata\[(.*?)\]\]>|([^<\n]+))</"
)
_INSERT = re.compile(r"\(([^()\n]*)\)[ \t]*values[ \t]*\(((?:[^()\n]|\([^()\n]*\))*)\)?")
_SQL_ITEM = re.compile(r"'(?:[^'\n]|'')*'|\"[^\"\n]*\"|(?:[^,()]|\([^()\n]*\))+")
_KEYWORD_NAME = re.compile(rf"[\w.-]*(?:{KEYWORD})[\w.-]*\Z")
# SASL PLAIN written out: \x00user\x00password, \0user\0password, \u0000user\u0000password
_SASL_NUL = re.compile(r"(?:\\x00|\\0|\\u0000|\^@)[^\s\\]+(?:\\x00|\\0|\\u0000|\^@)([^\s\\'\"]+)")


def markup(text: str, lower: str) -> Iterator[tuple[int, int]]:
    """<Pass encoding="base64">X</Pass>, <apiSecret><![CDATA[X]]></apiSecret>."""
    for match in _XML_ELEMENT.finditer(lower):
        group = match.lastindex or 0
        value = text[match.start(group) : match.end(group)]
        if match.group(1).rsplit(":", 1)[-1] == "key" and not shaped(value):
            continue  # a property list's <key>Name</key>, S3's <Key>path</Key>: a name
        if group >= 2 and not is_placeholder(value):
            yield match.span(group)


def sql_values(text: str, lower: str) -> Iterator[tuple[int, int]]:
    """INSERT ... (host, login, secret) VALUES ('h', 'u', 'X'): the secret column's value."""
    for match in _INSERT.finditer(lower):
        columns = [c.strip().strip('`"[]') for c in match.group(1).split(",")]
        secret = {i for i, c in enumerate(columns) if _KEYWORD_NAME.match(c)}
        if not secret:
            continue
        for i, item in enumerate(_SQL_ITEM.finditer(text, match.start(2), match.end(2))):
            value = item.group().strip().strip("'\"")
            if i in secret and not is_placeholder(value):
                yield item.span()


# net-snmp's snmpd.conf: "rocommunity <community> [source]", "com2sec <name> <source> <community>"
_SNMP_COMMUNITY = re.compile(
    r"[ \t]*(?:r[ow]community6?[ \t]+(\S+)"
    r"|com2sec6?(?:[ \t]+-cn[ \t]+\S+)?[ \t]+\S+[ \t]+\S+[ \t]+(\S+))",
    re.IGNORECASE,
)


def snmp_communities(text: str) -> Iterator[tuple[int, int]]:
    match = _SNMP_COMMUNITY.match(text)
    if match is not None:
        group = match.lastindex or 0
        if not is_placeholder(match.group(group)):
            yield match.span(group)


def sasl_nul(text: str) -> Iterator[tuple[int, int]]:
    for match in _SASL_NUL.finditer(text):
        yield match.span(1)


# terraform output -json: "admin_password": {"sensitive": true, "type": "string", "value": "X"}
_NESTED_VALUE = re.compile(
    rf"[\"']([\w.-]*(?:{KEYWORD})[\w.-]*)[\"'][ \t]*:[ \t]*\{{[^{{}}\n]*?[\"']value[\"'][ \t]*:"
    r"[ \t]*[\"']([^\"'\n]*)[\"']"
)


# The same as elements: <Name>...ConnectionRequestPassword</Name><Value ...>X</Value> (TR-069,
# SOAP parameter lists, .NET and Java settings written as elements)
_ELEMENT_PAIR = re.compile(
    r"<(?:[\w-]+:)?(?:name|key|param\w*|setting|property|field)>[^<\n]*"
    rf"(?:{KEYWORD})[^<\n]*</[^>\n]+>[ \t]*<(?:[\w-]+:)?value\b[^>\n]*>([^<\n]+)</"
)


def indirect(text: str, lower: str) -> Iterator[tuple[int, int]]:
    if "value" in lower:
        for match in _ELEMENT_PAIR.finditer(lower):
            if not is_placeholder(match.group(1)):
                yield match.span(1)
    for match in _NESTED_VALUE.finditer(lower):
        if not is_placeholder(match.group(2)):
            yield match.span(2)
    arn = "arn:" in text
    for match in _INDIRECT.finditer(lower):
        if metadata_name(match.group(1)):
            continue  # name="secret-ref": a reference to a secret, not its value
        group = match.lastindex or 0
        if arn and _in_arn(text, match.start(group)):
            continue  # "secretId":"arn:...:secret:prod/api-Zx81Qa": a resource's name
        if not is_placeholder(text[match.start(group) : match.end(group)]):
            yield match.span(group)


# HTML tables: a cell naming a secret, then its value in the next cell; a header row naming a
# secret column, then that column's cells (Confluence pages, HTML mail)
_CELL = re.compile(r"<(t[dh])\b[^>\n]*>[ \t]*([^<\n]*?)[ \t]*</t[dh]>", re.IGNORECASE)
_ROW = re.compile(r"<tr\b[^>\n]*>(.*?)(?:</tr>|(?=<tr\b)|$)", re.IGNORECASE)
_SECRET_NAME = re.compile(rf"[\w .:-]*(?:(?:{KEYWORD})|{PIN_NAMES})[\w .:-]*", re.IGNORECASE)


def _secret_column(name: str) -> bool:
    return _SECRET_NAME.fullmatch(name) is not None and not metadata_name(name)


def html_tables(text: str) -> Iterator[tuple[int, int]]:
    columns: set[int] = set()
    for row in _ROW.finditer(text):
        cells = list(_CELL.finditer(text, row.start(1), row.end(1)))
        if cells and all(c.group(1).lower() == "th" for c in cells):
            columns = {i for i, c in enumerate(cells) if _secret_column(c.group(2))}
            continue
        for i, cell in enumerate(cells):
            value = cell.group(2)
            if not value or is_placeholder(value):
                continue
            named = i > 0 and _secret_column(cells[i - 1].group(2))
            if i in columns or (named and cells[i - 1].group(1).lower() == "td" and i == 1):
                yield cell.span(2)


# An SDK client built from its keys: Client("AC...", "<auth token>"), Sentry.init('<key>'): only
# key material counts there (a client's other arguments are names and options).
_SDK_CALL = re.compile(r"\b[\w.]*(?:client|init)\w*[ \t]*\(([^()\n]*)\)?")


# A command language's keyword operand (RACF, TSO, IBM i CL, JCL, SQL): the name in capitals,
# its value in parentheses, quoted or not: PASSWORD(X), PHRASE('four words and 42').
_OPERAND = re.compile(
    r"(?<![A-Za-z0-9_])[A-Z_]*(?:PASSWORD|PASSWD|PWD|PASSPHRASE|PHRASE|PASSCODE|SECRET|PW)"
    r"\([ \t]*(?:'([^'\n]{4,})'|\"([^\"\n]{4,})\"|([^\s()'\",]{4,}))[ \t]*\)"
)


# A Windows account: CORP\\svc_app (PSCredential's first argument), a user rather than a secret.
_DOMAIN_USER = re.compile(r"[A-Z0-9-]{2,15}\\{1,2}[\w.$-]+")


def calls(text: str, lower: str) -> Iterator[tuple[int, int]]:
    for operand in _OPERAND.finditer(text):
        group = operand.lastindex or 0
        value = operand.group(group)
        if not is_placeholder(value) and (group < 3 or secret_like(value, True)):
            yield operand.span(group)
    if "client" in lower or "init" in lower:
        for call in _SDK_CALL.finditer(lower):
            for arg in _QUOTED.finditer(text, call.start(1), call.end(1)):
                group = arg.lastindex or 0
                if shaped(arg.group(group)):
                    yield arg.span(group)
    for call in _CALL.finditer(lower):
        for arg in _QUOTED.finditer(text, call.start(1), call.end(1)):
            group = arg.lastindex or 0
            value = arg.group(group)
            if (
                "://" not in value
                and not _AT_DOMAIN.search(value)
                and not _DOMAIN_USER.fullmatch(value)
                and secret_like(value, True)
            ):
                yield arg.span(group)


# Windows flags: schtasks /RP X, /P X; wmic /password:X
# (dtexec's /De[crypt] takes a package's password)
_WINDOWS_FLAG = re.compile(
    r"[ \t]/((?i:rp|p|password|passwd|pwd|pw|de|decrypt))(?:[ \t]+|:)([^\s\"/]\S*)"
)
# Flags named for a password (plink -pw, infacmd -pd, -pwd): any value but a placeholder.
_PASSWORD_FLAG = re.compile(
    r"(?:^|[ \t])-{1,2}(?:pw|pd|pwd|pswd)(?:[ \t]+|=)(?:'([^'\n]+)'|\"([^\"\n]+)\"|([^\s\"'-]\S*))"
)


_APP_PASSWORD = re.compile(r"[a-z]{4}(?:-[a-z]{4}){3}")


def short_flags(text: str) -> Iterator[tuple[int, int]]:
    for match in _PASSWORD_FLAG.finditer(text):
        group = match.lastindex or 1
        if secret_like(match.group(group), True) and not _FILE_PATH.fullmatch(match.group(group)):
            yield match.span(group)
    for match in _WINDOWS_FLAG.finditer(text):
        value = match.group(2)
        if match.group(1).lower() != "p" and secret_like(value, True):
            yield match.span(2)  # /RP, /password: a password whatever its shape
        elif secret_like(value, False) and not _structured_id(value):
            yield match.span(2)  # /P is also xcopy's prompt flag
    for match in _SHORT_FLAG.finditer(text):
        value = match.group(2)
        if _APP_PASSWORD.fullmatch(value):
            yield match.span(2)  # Apple's app-specific password (xcrun altool -p)
            continue
        if "://" in value or "=" in value or _structured_id(value) or DIAGNOSTIC.fullmatch(value):
            continue
        if secret_like(value, False):
            yield match.span(2)


def slash_at(text: str) -> Iterator[tuple[int, int]]:
    for match in _SLASH_AT.finditer(text):
        if _DIGEST_LABEL.match(text, match.end(1) + 1):
            continue  # corp/auth-svc:2.4.1@sha256:<digest>: an image reference, not user/pw@db
        if secret_like(match.group(1), True):
            yield match.span(1)


# A webhook URL's query carries its key: /cgi-bin/webhook/send?key=<uuid>.
_HOOK_QUERY = re.compile(
    r"/(?:hooks?|webhooks?)/[^\s?#]*\?(?:[^\s=&#]+=[^\s&#]*&)*?"
    r"(?:key|token|secret|sig|signature|code|auth)=([^\s&#]+)",
    re.IGNORECASE,
)


_HOOK_WORDS: Final = frozenset(
    ("hook", "hooks", "webhook", "webhooks", "inputs", "catch", "trigger")
)


def path_keys(text: str) -> Iterator[tuple[int, int]]:
    for match in _HOOK_QUERY.finditer(text):
        if not is_placeholder(match.group(1)):
            yield match.span(1)
    for match in _PATH_KEY.finditer(text):
        word, key = match.group(1).lower(), match.group(2)
        if re.fullmatch(_UUID, key):
            if word in _HOOK_WORDS:  # /open-apis/bot/v2/hook/<uuid>, /inputs/<uuid>/tag/http
                yield match.span(2)
        elif looks_random(key, 16) or any(c.isdigit() for c in key):
            yield match.span(2)


def _word_like(value: str) -> bool:
    """routing_key=orders.created, sort_key=id: lower-case words, not material."""
    return _WORDS.fullmatch(value) is not None


# A noun about a secret (its container, refresh, name, type) as the last word before the value
# (not "id": a secret's id is the secret in Vault, Nomad and Consul)
_ABOUT_NOUNS = (
    "type|name|count|length|size|expiry|ttl|age|time|timestamp|date|policy|file|path|dir"
    "|url|uri|endpoint|version|hint|field|header|prefix|format|algorithm|kind|mode|source|ref|arn"
    "|store|provider|rotation|status|state|label|fingerprint|index|usage|limit|location|template"
    "|manager|strategy|scheme|method|lifetime|duration|timeout|interval|retries|attempts|bits"
    "|service|server|proxy|issuer|refresh|cache|container|alias|protocol|backend|engine|driver"
    "|plugin|check[ \t]value|kcv"  # a key's check value (KCV) tells which key, not the key
)
_ABOUT_BEFORE_VALUE = re.compile(
    rf"[ \t](?:{_ABOUT_NOUNS})(?:[ \t]+(?:{_COPULAS})[ \t]+|[ \t]*[:=-][ \t]*)[\"'`\u00ab]?\Z"
)
# SNMP's community name is its password ("Get Community Name: X", "community-name X")
_COMMUNITY_NAME = re.compile(r"community[ \t_-]?(?:name|string)")
# "the password for the Dante Manager is X": what the secret opens, named after a preposition,
# is no noun about the secret (as "password manager" is)
_FOR_SOMETHING = re.compile(
    r"\S*[ \t]+(?:for|to|til|till|f\u00fcr|pour|para|per|voor|dla|pro|ke|kwa|cho"
    r"|\u0434\u043b\u044f)[ \t]"
)
# A new clause whose subject is a number or an id, before the value: "; your case number is"
_ID_CLAUSE = re.compile(
    rf"[;,][^;,\n]*[ \t](?:number|no|id|ticket|case|reference|ref)[ \t]+(?:{_COPULAS})[ \t]+\Z"
)
_ID_FIELD_BEFORE = re.compile(r"[ \t,;][\w-]*[-_]id[\"']?[ \t]*[:=][ \t]*[\"']?\Z")
_COPULA_BEFORE = re.compile(rf"[ \t](?:{_COPULAS})[ \t]+\Z")
_ANOTHER_CLAUSE = re.compile(rf"(?:{KEYWORD}){_INFLECTION};[ \t]+[\w-]+[ \t]*:")
_VOWELS = re.compile(r"[aeiouy]")
_CONSONANT_RUN = re.compile(r"[b-df-hj-np-tv-xz]{4,}")


def _unpronounceable(value: str) -> bool:
    """Lower-case letters no word is made of: few vowels and a run of four consonants."""
    if not (8 <= len(value) <= 24 and value.isascii() and value.isalpha() and value.islower()):
        return False
    vowels = len(_VOWELS.findall(value))
    return vowels <= len(value) // 4 and _CONSONANT_RUN.search(value) is not None


_FIELD = re.compile(r"[a-z_][\w.-]*=")
_NAMED_ID_FIELD = re.compile(rf"[A-Za-z_][\w.-]*(?i:id|identifier)=(?:{_UUID}|[0-9A-Fa-f]{{16,}})")
_NEXT_WORD = re.compile(r"[ \t]+([^\s\"'`,;)]+)")


_SENTENCE_END = re.compile(r"[a-z0-9]\.[ \t]+[a-z]")


def _value_start(match: re.Match[str]) -> int:
    return min(match.start(g) for g in range(1, (match.re.groups or 0) + 1) if match.start(g) >= 0)


# A password handed out ("the temp password I set is X"): a plain word is the password then,
# unless it is one of the words that describe a password's state.
_GIVEN = re.compile(r"(?:temp|temporary|new|initial|default|one-time|interim)[ \t]+\Z")
_STATE_WORDS: Final = frozenset(
    (  # noqa: SIM905 (a word list reads better as text)
        "invalid expired required missing correct incorrect wrong valid empty blank weak"
        " strong unknown unset disabled enabled locked unchanged same different mandatory"
        " optional needed too still now not also already being never always only simple"
        " secure insecure temporary sent attached below above here there ready active"
        " inactive pending none null set"
    ).split()
)
_STATE_ENDINGS = ("ed", "ly", "ing", "ble", "ive", "ous", "ful", "less", "ent", "ant")
_VALUE_ENDS = re.compile(r"[ \t]*(?:$|[,.;:!?)]|\u2014|--?[ \t])")


def _given_word(text: str, lower: str, keyword_at: int, value: str, end: int) -> bool:
    return (
        5 <= len(value) <= 24
        and value.isalpha()
        and value.islower()
        and value not in _STATE_WORDS
        and not value.endswith(_STATE_ENDINGS)
        and _GIVEN.search(lower, max(0, keyword_at - 12), keyword_at) is not None
        and _VALUE_ENDS.match(text, end) is not None
    )


_STRONG_AT = re.compile(_STRONG)
_DATE_DIGITS = re.compile(r"(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?:\d{2,4})?")


def _numeric_password(lower: str, keyword_at: int, value: str) -> bool:
    """Six to twelve digits after a word that surely names a secret (password, passcode, not
    "key" or "token", whose numbers are counts and ids), unless they read as a date."""
    return (
        value.isdigit()
        and 6 <= len(value) <= 12
        and _STRONG_AT.match(lower, keyword_at) is not None
        and _DATE_DIGITS.fullmatch(value) is None
    )


def _plainly_secret(value: str) -> bool:
    """After "is actually", "est désormais": secret-like and not a word (expired, disabled)."""
    return shaped(value) or (secret_like(value, True) and not value.isalpha())


def _every_start(pattern: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """Each match, then the next one from one past its start (not past its end): a match the
    caller rejects ("reset the password for grafana. The temporary password: X") must not hide
    a secret's word inside it."""
    at = 0
    while (match := pattern.search(text, at)) is not None:
        yield match
        at = match.start() + 1


# A value in parentheses right after a secret's words: "the SMTP password (X)", "Ключ
# шифрування бекапів (X)"; not a word ("(see below)", "(rotated)"), a field, a hex id
_PAREN_VALUE = re.compile(
    rf"(?:(?<![A-Za-z0-9])(?:{KEYWORD})){_INFLECTION}(?![A-Za-z0-9])(?:[ \t]+[\w'-]+){{0,4}}?"
    r"[ \t]+\([ \t]*([^\s()]{6,})[ \t]*\)"
)


_PAREN_HEX = re.compile(r"(?:0[xX])?[0-9A-Fa-f]+")


def _chosen_words(value: str) -> bool:
    """Words and numbers joined as people choose a passphrase: four or more words, or three
    parts with a number (banana.bangkok.858); not a name of two (blowfish_secret), nor an id
    with hex or letters and digits mixed in a part (ami-0a45..., pod-7d9f8b-x2klm)."""
    parts = re.split(r"[-_.]", value)
    if not all((p.isalpha() and len(p) >= 3) or p.isdigit() for p in parts):
        return False
    words = sum(p.isalpha() for p in parts)
    return words >= 4 or (len(parts) >= 3 and words >= 2 and words < len(parts))


def prose(text: str, lower: str) -> Iterator[tuple[int, int]]:
    if "(" in text:
        for match in _PAREN_VALUE.finditer(lower):
            value = text[match.start(1) : match.end(1)]
            if (
                (shaped(value) or _chosen_words(value))
                and ":" not in value  # (not "(auth:SIMPLE)", a mechanism named)
                and "=" not in value  # (not "(trace_id=<hex>)", another field)
                and _PAREN_HEX.fullmatch(value) is None  # an id or a code: "expired (<hex>)"
                and not DIAGNOSTIC.fullmatch(value)
            ):
                yield match.span(1)
    # "use X as": a cheap test first, as for "from X to" below (each scan costs what _PROSE does)
    for pattern in (_PROSE, _USE_AS) if "use" in lower else (_PROSE,):
        for match in _every_start(pattern, lower):
            if pattern is _PROSE and _ID_KEY_BEFORE.search(
                lower, max(0, match.start() - 20), match.start() + 3
            ):
                continue  # "Idempotency-Key: <uuid>"
            if pattern is _PROSE and _ANOTHER_CLAUSE.match(lower, match.start()):
                continue  # "secrets/api-key; X-Cloud-Trace-Context: <v>": another name's value
            if pattern is _PROSE and (
                _DIGEST_NAME_BEFORE.search(lower, max(0, match.start() - 10), match.start())
                or _DIGEST_WORD_BEFORE_VALUE.search(lower, match.start(), _value_start(match))
            ):
                continue  # "checksum/secret: <sha>", "Key fingerprint = <hex>": a digest
            if pattern is _PROSE and (
                _SENTENCE_END.search(lower, match.start(), _value_start(match))
                or (
                    lower.startswith("key", match.start())
                    and _PUBLIC_BEFORE.search(lower, max(0, match.start() - 40), match.start())
                )
            ):
                continue  # "client secret ID. Trace ID: <uuid>": a new sentence; "public key:"
            if pattern is _PROSE and _ID_CLAUSE.search(lower, match.start(), _value_start(match)):
                continue  # "I reset the password; your case number is <id>": another subject
            if (
                pattern is _PROSE
                and _ABOUT_BEFORE_VALUE.search(lower, match.start(), _value_start(match))
                and not _FOR_SOMETHING.match(lower, match.start())
                and not _COMMUNITY_NAME.search(lower, match.start(), _value_start(match))
            ):
                continue  # "Key Container = <id>", "token refresh is <trace id>": about it
            if pattern is _PROSE and _ID_FIELD_BEFORE.search(
                lower, match.start(), _value_start(match)
            ):
                continue  # "token validated, ..., X-Request-Id: <uuid>": another field's id
            for group in range(1, (pattern.groups or 0) + 1):
                start, end = match.span(group)
                value = text[start:end]
                quoted = group <= 3 and pattern is _PROSE
                if start < 0 or is_placeholder(value) or _CONSTANT.fullmatch(value):
                    continue
                if _FIELD.match(value):
                    continue  # "password expiry check: expires_at=<epoch>": another field
                if _DOTTED_SECRET_NAME.fullmatch(value) or _CONSTANT_NAME.fullmatch(value):
                    continue  # key = "db.password", key ZENDESK_SUBDOMAIN: a name, not a value
                if secret_like(value, True) or (quoted and len(value) >= 6):
                    yield start, end
                elif _numeric_password(lower, match.start(), value):
                    yield start, end  # "the kiosk's admin password: 739201"
                elif group == 4 and _unpronounceable(value):
                    yield start, end  # "the temp password is sgdulffk"
                elif group == 4 and _given_word(text, lower, match.start(), value, end):
                    yield start, end  # "the initial password we gave her is marigold"
                elif (
                    group == 4
                    and value.isalpha()
                    and value.islower()
                    and len(value) <= 12
                    and _COPULA_BEFORE.search(lower, match.start(), start)
                ):
                    # "est désormais X", "is currently X": one plain word, then a value
                    # that is a secret by its shape alone
                    after = _NEXT_WORD.match(text, end)
                    if after is not None and _plainly_secret(after.group(1).rstrip(".")):
                        yield after.start(1), after.start(1) + len(after.group(1).rstrip("."))
    yield from _passphrases(text, lower)
    if "with" in lower or "using" in lower:
        for match in _WITH_KEY.finditer(lower):
            if secret_like(text[match.start(2) : match.end(2)], True):
                yield match.span(2)  # "HMAC mismatch computing sha256 with key '<hex>'"
    if "(new" in lower or "(now" in lower:
        for match in _NEW_VALUE.finditer(lower):
            if secret_like(text[match.start(1) : match.end(1)], True):
                yield match.span(1)  # "reissued the API key (new: X)"
    if "salasana" in lower:  # Finnish: "salasana on X" ("on", a copula English uses otherwise)
        for match in _PROSE_FI.finditer(lower):
            value = text[match.start(1) : match.end(1)]
            grouped = _grouped_end(text, match.end(1), value)
            if grouped is not None:
                yield match.start(1), grouped  # "salasana on pYPx 5JkJ A6T5": in groups
            elif secret_like(value, True):
                yield match.span(1)
    for match in _FROM_TO.finditer(lower) if "from" in lower and "to" in lower else ():
        if secret_like(text[match.start(1) : match.end(1)], True):
            yield match.span(1)
    if not text.isascii():
        for match in _PROSE_KO.finditer(text):
            value = match.group(1)
            if len(value.split()) <= 6 and not is_placeholder(value):
                yield match.span(1)
        for match in (*_PROSE_CJK.finditer(text), *_PROSE_THAI.finditer(text)):
            value = match.group(1)
            # a label, a full-width or ASCII colon, its value, whatever it looks like (a word too)
            labelled = any(c in "\uff1a:" for c in match.group()[: match.start(1) - match.start()])
            if (
                secret_like(value, True)
                or (value.isdigit() and len(value) >= 6)
                or (labelled and len(value) >= 4 and not is_placeholder(value))
            ):
                yield match.span(1)


def spans(pattern: re.Pattern[str], text: str) -> Iterator[tuple[int, int]]:
    """The last group that matched of each match, unless it is empty or a placeholder."""
    return _spans(pattern, text)


def _spans(pattern: re.Pattern[str], text: str) -> Iterator[tuple[int, int]]:
    """The last group that matched, unless it is empty or a placeholder."""
    for match in pattern.finditer(text):
        group = match.lastindex or 0
        start, end = match.span(group)
        if start < end and not is_placeholder(match.group(group)):
            yield start, end


def _any_group(pattern: re.Pattern[str]) -> Finder:
    return lambda text: _spans(pattern, text)


def cookies(text: str, lower: str) -> Iterator[tuple[int, int]]:
    for header in _COOKIE.finditer(lower):
        for pair in _COOKIE_PAIR.finditer(text, header.start(1), header.end(1)):
            name, value = pair.group(1).lower(), pair.group(2)
            if name not in _COOKIE_ATTRIBUTES and len(value) >= 8 and not is_placeholder(value):
                yield pair.span(2)


# pwdump / secretsdump: user:RID:LM hash:NT hash::: (both hashes are the password's)
# pwdump's user:rid:LM:NT: (pdbedit -Lw prints X's for an unset LM hash)
_PWDUMP = re.compile(r"[^\s:]+:\d+:([0-9A-Fa-f]{32}|X{32}):([0-9A-Fa-f]{32}):")
# secretsdump's Kerberos keys (user:aes256-cts-hmac-sha1-96:<hex>), and impacket's -hashes LM:NT
_KERBEROS_KEY = re.compile(
    r":(?:aes(?:128|256)-cts-hmac-sha1-96|des-cbc-md5|des3-cbc-sha1|rc4[-_]hmac|arcfour-hmac)"
    r":([0-9a-fA-F]{16,64})\b"
)
_HASHES_FLAG = re.compile(r"-hashes[ \t]+([0-9a-fA-F]{32})?:([0-9a-fA-F]{32})\b")


def pwdump(text: str) -> Iterator[tuple[int, int]]:
    for match in _PWDUMP.finditer(text):
        if not match.group(1).startswith("X"):
            yield match.span(1)
        yield match.span(2)
    if "-c" in text or "-h" in text or "rc4" in text or "arcfour" in text:
        yield from _spans(_KERBEROS_KEY, text)
    if "-hashes" in text:
        for match in _HASHES_FLAG.finditer(text):
            for group in (1, 2):
                if match.start(group) >= 0:
                    yield match.span(group)


def pgpass(text: str) -> Iterator[tuple[int, int]]:
    for match in _PGPASS.finditer(text):
        if secret_like(match.group(1), True):
            yield match.span(1)


def url_credentials(text: str) -> Iterator[tuple[int, int]]:
    for match in _URL_CREDENTIALS.finditer(text):
        group = match.lastindex or 1
        value = match.group(group)
        if group == 1 and is_placeholder(value.split(":", 1)[1]):
            continue  # postgresql://app:***@db, %(user)s:%(password)s@: masked or a template
        if not is_placeholder(value):
            yield match.span(group)


def url_keys(text: str) -> Iterator[tuple[int, int]]:
    for match in _URL_KEY.finditer(text):
        key = match.group(1)
        if looks_random(key, 16) or _HEX_PART.fullmatch(key):  # a user name is neither
            yield match.span(1)


_JWK_PUBLIC = re.compile(r"\"(?:n|e|x|y|x5t|x5t#S256|kid)\"[ \t]*:[ \t]*\"\Z")


def random_tokens(text: str) -> Iterator[tuple[int, int]]:
    arn = "arn:" in text
    jwk = '"kty"' in text
    for match in _CANDIDATE.finditer(text):
        start, end = match.span()
        after = text[end : end + 1]
        if (start and _GLUED(text[start - 1])) or (after and (after == "=" or _GLUED(after))):
            continue  # part of a longer word (non-ASCII letters, a dotted base64 tail)
        if _SRI.match(match.group()) or (arn and _in_arn(text, start)):
            continue  # an SRI digest; a resource path inside an ARN
        if _SSH_PUBLIC.match(match.group()) or _NKEY_PUBLIC.fullmatch(match.group()):
            continue  # an SSH public key, a NATS public key
        if jwk and _JWK_PUBLIC.search(text, max(0, start - 12), start):
            continue  # a JSON Web Key's public members (n, e, x, y); d, p, q are private
        token = match.group()
        if text[start - 1 : start] == "." and len(token) >= 32 and _HEX_PART.fullmatch(token):
            head = _DOTTED_HEAD.search(text, max(0, start - 41), start - 1)
            if head is not None and looks_random(head.group(), 12):
                yield head.start(), end  # pat<random>.<64 hex>: a random id dotted to a hex body
            continue
        if "/" in token and token[0] in "/.":  # a path: its long segments one by one
            if token[0] == "/" and _labelled_id(text, start, token):
                continue  # "peer: /Rc16wy+...=": base64 that starts with a slash, labelled
            at = start
            for segment in token.split("/"):
                if looks_random(segment):
                    yield at, at + len(segment)
                at += len(segment) + 1
            continue
        in_url = "/" in token and "://" in text[text.rfind(" ", 0, start) + 1 : start + 3]
        if "/" in token and (in_url or not looks_random(token)):  # a path: long segments alone
            at = start
            for segment in token.split("/"):
                if looks_random(segment):
                    yield at, at + len(segment)
                at += len(segment) + 1
            continue
        if (
            (looks_random(token) or _base32_key(token))
            and not _labelled_id(text, start, token)
            and not _encoded_uri(token)
        ):
            yield start, end


def _encoded_uri(token: str) -> bool:
    """Base64 of a URI: an id that names something (Webex's personId is base64 of
    ciscospark://us/PEOPLE/<uuid>), not key material."""
    if len(token) < 16 or "-" in token or "_" in token:
        return False
    try:
        decoded = base64.b64decode(token + "=" * (-len(token) % 4), validate=False)
    except ValueError:
        return False
    return decoded.isascii() and _URI_TEXT.match(decoded.decode("ascii", "replace")) is not None


_URI_TEXT = re.compile(r"[a-z][a-z0-9+.-]*:(?://)?[\x21-\x7e]+\Z")


_BASE32 = re.compile(r"[A-Z2-7]{32,}=*|[a-z2-7]{32,}=*")
# A NATS public key (user, account, operator, server, cluster): 56 base32 characters, public
_NKEY_PUBLIC = re.compile(r"[UAONCX][A-Z2-7]{55}")


def _base32_key(token: str) -> bool:
    """A TOTP seed or key in base32 (one case, the digits 2-7, 32 characters and more; Azure
    DevOps' lower-case tokens): the digits are too few for :func:`looks_random`, but no name or
    id is made of that alphabet (a hex id has 0, 1, 8 or 9, or no letter beyond f)."""
    return (
        _BASE32.fullmatch(token) is not None
        and sum(c.isdigit() for c in token) >= 4
        and any(c not in "abcdefABCDEF" for c in token if c.isalpha())
        and shannon_entropy(token) >= 4.0
        and _NKEY_PUBLIC.fullmatch(token) is None
    )


# Names glued to the value in front of it (lower-case words, camel-case humps).
_NAME_PREFIX = re.compile(r"(?:[a-z_][a-z0-9_.-]*(?:[A-Z][a-z0-9]+)*[=:])+")


def shaped_tokens(text: str) -> Iterator[tuple[int, int]]:
    """Short password-shaped tokens anywhere (:mod:`remediate.secret_shapes`), unless labelled
    as a digest or an id (sha256:..., cluster_id=...)."""
    mixed = secret_shapes.mixed
    for run in secret_shapes.CANDIDATE.finditer(text):
        if len(run.group()) <= 80:
            yield from _shaped_pieces(text, (run,), mixed)
        elif "&" in run.group():  # a query string longer than any password: its parameters
            pieces = _QUERY_PART.finditer(text, *run.span())
            yield from _shaped_pieces(text, (p for p in pieces if "%" not in p.group()), mixed)


_QUERY_PART = re.compile(r"[^&?]+")


def _shaped_pieces(
    text: str, pieces: Iterable[re.Match[str]], mixed: Callable[[str], bool]
) -> Iterator[tuple[int, int]]:
    for match in pieces:
        if len(match.group()) > 80 or not mixed(match.group()):
            continue  # a password is 40 characters at most, after a name= of 40
        start = match.start()
        token = match.group().rstrip(".,:;")
        named = _NAME_PREFIX.match(token)  # cluster_id=<value>, ops-backup:<value>
        if named is not None:
            start, token = start + named.end(), token[named.end() :]
        if _DIGEST_LABEL.match(token) or _SRI.match(token):
            continue
        if text[match.end() : match.end() + 2] in ('":', "':"):
            continue  # a quoted key: "x5t#S256": ...
        parts = secret_shapes.password_parts(token)
        if parts and _labelled_id(text, start, token):
            continue
        for part_start, part_end in parts:
            yield start + part_start, start + part_end


# <RequestId>, <HostId>: an element named for an id (but not <SecretId>, <TokenId>)
_ID_ELEMENT = re.compile(rf"<(?![a-z_-]*(?:{_KEYED_ID_WORDS})[_-]?id>)[a-z_-]*id>\Z")
_LABEL = re.compile(  # one search instead of four
    "|".join(f"(?:{p.pattern})" for p in (_DIGEST_PREFIX, _ID_LABEL, _ID_WORD_BEFORE, _ID_ELEMENT))
)


def _labelled_id(text: str, start: int, token: str) -> bool:
    """Whether the token at ``start`` is labelled as a digest or an id (sha256:..., cluster_id=,
    "Request req_...")."""
    if _ID_PREFIX.match(token):
        return True
    before = text[max(0, start - 40) : start]
    label = before.rstrip()[-14:] + before[len(before.rstrip()) :][:1]  # a table's padding
    return _LABEL.search(label.translate(_LOWER)) is not None


def shaped(value: str) -> bool:
    """A value by its shape alone a secret: password-shaped as a whole, random, or long hex."""
    if looks_random(value, 12) or (len(value) >= 16 and _HEX_PART.fullmatch(value)):
        return True
    return secret_shapes.password_parts(value) == ((0, len(value)),)


# A type letter in front of hex makes an object id (kopia k<hex>, BigQuery bqjob_r<hex>)
_TYPE_LETTERS: Final = frozenset("ghijklmnopqrstuvwxyz")


@functools.lru_cache(maxsize=8192)  # logs repeat their tokens; bounded, so memory stays flat
def looks_random(token: str, shortest: int = 20) -> bool:
    """Whether ``token`` reads like generated key material rather than an identifier."""
    core = token.rstrip("=")
    if len(core) < shortest or DIAGNOSTIC.fullmatch(core.lstrip("_")):
        return False  # an id, also SAML's and XML's "_<hex>"
    if "/" in core:  # a path, unless a segment is long (base64 holds "/" too)
        if core[0] in "/." or max(map(len, core.split("/"))) <= 16:
            return False
        if all(DIAGNOSTIC.fullmatch(part) for part in core.split("/") if part):
            return False  # X-Cloud-Trace-Context: <hex trace id>/<decimal span id>
        if all(_path_name(part) for part in core.split("/") if part):
            # payments/ledger-7tbnj5gdvq-xzm2g: a namespace and a pod;
            # projects/shop-prod-42/traces/<hex>: a resource path to a trace id
            return False
        core = core.replace("/", "")
    if core[0] in _TYPE_LETTERS and _HEX_PART.fullmatch(core, 1):
        return False  # Kopia's object ids: a type letter, then hex (kca9b8ff...)
    if len(core) <= 24 and "0000" in core:
        return False  # Salesforce's 0038d000001yhEc: a run of zeros, an allocated id
    parts = re.split(r"[-_]", core)
    wordy = sum(len(p) for p in parts if p.isalpha() and not _random_letters(p))
    if wordy * 2 >= len(core) or all(map(_id_part, parts)):
        return False  # ContainerManagerImpl, amd64_microsoft-..., none_681aa442f6fed7f0
    if _generated_name(core):
        return False  # payments-api-7d9f8b6c5d-x2klm
    switches = len(_RUNS.findall(core)) - 1  # changes between digits, lower, upper, other
    return switches >= 0.3 * (len(core) - 1) and shannon_entropy(core) >= 3.0


_LOWER_NAME = re.compile(r"[a-z][a-z0-9]*(?:[-_.][a-z0-9]+)*")


def _path_name(part: str) -> bool:
    """A path segment that names rather than holds key material: a lower-case name, a name with
    generated suffixes, or a diagnostic id (base64 key material has capitals in every part)."""
    return (
        _LOWER_NAME.fullmatch(part) is not None
        or _generated_name(part)
        or DIAGNOSTIC.fullmatch(part) is not None
    )


def _generated_name(name: str) -> bool:
    """A name with generated suffixes (payments-api-7d9f8b6c5d-x2klm): three or more parts, none
    longer than 12."""
    parts = re.split(r"[-_]", name)
    return len(parts) >= 3 and max(map(len, parts)) <= 12


def _random_letters(part: str) -> bool:
    """hf_GUnGPxDflkaQFcvvGSDB...: letters only, but their case flips at random. Camel case
    (ContainerManagerImpl, HTTPServerXMLParser) has one capital and then a lower-case word;
    a random mix has many upper-case pairs and lone lower-case letters."""
    if len(part) < 20 or part.islower() or part.isupper():
        return False
    runs = _RUNS.findall(part)
    # (also lower-case runs no word holds: no vowel, as in "knq", "hdh")
    odd = sum(
        1
        for r in runs
        if (len(r) == 1) == r.islower() or (r.islower() and _VOWELS.search(r) is None)
    )
    return odd >= 5 and odd >= 0.4 * len(runs)


def _id_part(part: str) -> bool:
    """A word, a number or a short hex field: the parts of generated identifiers. Key material
    holds a long random part (key-<32 hex>, dop_v1_<64 hex>)."""
    if part.isalpha():
        return not _random_letters(part)
    if len(part) > 8 and part[0] in _TYPE_LETTERS:
        part = part[1:]  # a type letter in front of hex: BigQuery's bqjob_r<hex>_<hex>_1
    return len(part) <= 20 and _HEX_PART.fullmatch(part) is not None


def secret_like(value: str, named: bool) -> bool:
    """Whether a value after a secret-bearing word could be the secret (not a word, an id).

    ``named``: the word surely names a secret (password, signing_key), so a hex string or a
    UUID after it is the secret; after a bare "key" or "token" it may be an id.
    """
    value = value.strip(".,;:()[]?!")
    if len(value) < 6 or is_placeholder(value) or _DIGEST_LABEL.match(value):
        return False
    if value.startswith("arn:") or "://" in value:
        return False  # an ARN names a resource; credentials in a URL have rules of their own
    if _IPV4.fullmatch(value):
        return False  # "token endpoint resolved to 10.2.3.4": an address
    if (not named and DIAGNOSTIC.fullmatch(value)) or value.isdigit():
        return False
    if value[0] in "/~" or value.startswith("./") or (value.isalpha() and value.islower()):
        return False
    if "/" in value and _FILE_NAME.fullmatch(value.rsplit("/", 1)[1]):
        return False  # tls/server-keys.tar.gz: a relative path to a file
    return (
        any(c.isdigit() for c in value)
        or not value.isalnum()
        or (any(c.isupper() for c in value) and any(c.islower() for c in value))
        or (named and value.isupper() and _unpronounceable(value.lower()))
    )


_IPV4 = re.compile(r"(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?")


def is_placeholder(value: str) -> bool:
    value = value.strip()
    if value[:1] == "$" and value[1:2] != "{" and secret_shapes.password_shaped(value):
        return False  # "$QuillHarbor58": a chosen password, not a shell variable ($DB_PASSWORD)
    return not value or _PLACEHOLDER.fullmatch(value) is not None


def shannon_entropy(text: str) -> float:
    """Bits per character of ``text`` taken as a sample of its own characters."""
    counts: dict[str, int] = {}
    for char in text:
        counts[char] = counts.get(char, 0) + 1
    total = len(text)
    return -sum(n / total * math.log2(n / total) for n in counts.values())


# Go's MySQL driver DSN has no scheme: user:password@tcp(host:port)/db, @unix(/path)/db.
# (the password may hold an "@": the last one before tcp( ends it)
_SCHEMELESS_DSN = re.compile(r"(?<![\w:/@.-])[\w.-]+:([^\s:/\"'(]+)@(?:tcp6?|udp|unix)\(")
# libpq echoes a piece of a malformed conninfo (often the password) in its error message.
_CONNINFO_ECHO = re.compile(r"\bmissing \"=\" after \"([^\"\n]+)\" in connection info string")
# A line of nothing but two quoted strings: pgbouncer's userlist.txt ("user" "password").
_QUOTED_PAIR = re.compile(r"^[ \t]*\"[^\"\s]+\"[ \t]+\"([^\"\n]+)\"[ \t]*$", re.MULTILINE)
# A code sent to sign someone in, in the languages such mails were seen in.
_CODE_NAMES = (
    r"(?:verification|sign-?in|log-?in|security|one-time|confirmation|2fa|mfa)[ \t-]+code"
    # codes that open, arm or override something: an alarm panel's master, installer and
    # duress codes, a till's override code, a device's pairing code
    r"|(?:master|installer|duress|override|supervisor|manager|arm(?:ing)?|disarm|unlock|panic"
    r"|engineer|maintenance|pairing|secret|tech(?:nician)?(?:[ \t]+menu)?|menu|admin"
    # and codes that join a device to a network or a product to its owner: setup code (Matter,
    # HomeKit), onboarding, commissioning, activation and enrolment codes
    r"|setup|onboarding|commissioning|activation|enrol(?:l)?ment)[ \t-]+code"
    r"|code[ \t]+(?:secret|d'acc\u00e8s)"
    # Nordic and Dutch compounds: sikkerhedskode(n), säkerhetskod, beveiligingscode
    r"|(?:sikkerheds|sikkerhets|s\u00e4kerhets|beveiligings|veiligheids|adgangs|tilgangs|toegangs)"
    r"kod(?:e|en)?"
    # a meeting's host key (Zoom): six digits that make one the host
    r"|(?:zoom|meeting)[ \t]+host[ \t]+key|cl\u00e9[ \t]+d'h\u00f4te"
    r"|code[ \t]+de[ \t]+(?:v\u00e9rification|confirmation|s\u00e9curit\u00e9)"
    r"|c\u00f3digo[ \t]+de[ \t]+(?:verificaci\u00f3n|verifica\u00e7\u00e3o|seguridad)"
    r"|(?:best\u00e4tigungs|verifizierungs|sicherheits)code"
)
# One-time code and PIN words in other scripts: Hindi OTP and PIN, Bengali PIN, Swahili
# "nambari (yako) ya siri" (secret number)
_CODE_WORDS_WIDE = (
    "\u0913\u091f\u0940\u092a\u0940|\u092a\u093f\u0928|\u09aa\u09bf\u09a8"
    r"|nambari[ \t]+(?:\w+[ \t]+)?ya[ \t]+siri"
)
# Codes that are no secret: "your error code is 10054", "use code 1045".
_PUBLIC_CODES = (
    r"(?!(?:error|exit|status|return|response|reason|result|http|tracking|order|promo|discount"
    r"|coupon|zip|postal|area|country|region|product|source|event|colou?r|dial\w*|sql|fault)\b)"
)
# A numeric PIN or PUK, assigned or quoted after the word (PIN=1234, "pinCode":"1234", PUK: 1234,
# a SIM's PIN1: 1234 and PUK2: 12345678); a one-time code as sign-in mails, SMS gateways and
# people give it ("your Acme code is", "use the code", "sent code", "the code on my phone says").
_PIN = re.compile(
    r"(?<![a-z0-9])(?:pin[12]?|puk[12]?|\u043f\u0438\u043d"
    rf"|{_DOOR_CODE}|otp|{_CODE_NAMES}|{_CODE_WORDS_WIDE}"
    r"|one-time[ -](?:code|password|pin)|bypass[ -]code|(?:2fa|mfa|sms)[ -]code"
    rf"|your[ \t]+(?:{_PUBLIC_CODES}[\w-]+[ \t]+)?code"
    r"|(?:use|enter|type)[ \t]+(?:the|this)[ \t]+code"
    r"|(?:sent|texted|sending)[ \t]+(?:the[ \t]+|a[ \t]+)?code"
    r"|code[ \t]+(?:on|in|from)[ \t]+(?:my|your|the)[ \t]+(?:phone|screen|app|authenticator|device)"
    r"|code[ \t]+(?:[\w']+[ \t]+|\w'){0,4}?(?:alarm\w*|door|t\u00fcr|porte|puerta|safe|gate|cage)"
    r"|code[ \t]+(?:they|i|we|you)[ \t]+(?:just[ \t]+)?(?:texted|sent|got))"
    r"(?:[-_ ]?(?:code|number|no|value|\u043a\u043e\u0434))?"
    # (a suffix the word takes after a hyphen: Indonesian OTP-nya, Swedish PIN-koden)
    r"(?:-[a-z\u00e0-\u00ff]{1,6})?\\?[\"']?"
    # (a number of three digits or fewer after the word is a GPIO pin's, not a PIN)
    r"(?:[ \t]*(?:=>|[:=])|[ \t]+(?=\d)|(?![ \t]+\d{1,3}[ \t])(?:[ \t]+[\w/'.()-]+){0,6}?[ \t]+"
    rf"(?:{_COPULAS}|on|to|says|reads|shows|\u09b9\u09b2)"
    r"|(?:[ \t]+[\w/'.()-]+){1,6}?[ \t]*:)"
    # (the code maybe in brackets, maybe in groups: [34970112332], 3497-011-2332)
    r"[ \t]*\\?[\"'\[]?(\d{3,5}(?:-\d{2,5}){1,3}|\d{4,12})(?!\w|[.,-]\d)"
)
# Grouped digits that are a phone number (NANP's 3-3-4) or a date, not a code
_NOT_A_CODE = re.compile(r"\d{3}-\d{3}-\d{4}|(?:19|20)\d\d-[01]\d-[0-3]\d")
# 验证码 381920, 認証コードは 4821: a sign-in code glued to its word, in Chinese, Japanese, Korean
_CODE_CJK = re.compile(
    "(?:\u9a8c\u8bc1\u7801|\u9a57\u8b49\u78bc|\u6821\u9a8c\u7801|\u52a8\u6001\u7801"
    "|\u8a8d\u8a3c\u30b3\u30fc\u30c9|\u78ba\u8a8d\u30b3\u30fc\u30c9|\uc778\uc99d[ ]?\ubc88\ud638)"
    "(?:\u662f|\u4e3a|\u70ba|\u306f|\uff1a|\ub294|\uc740|:)?"
    r"[ \t]*(\d{4,8})(?!\d)"
)
# Diceware-like passphrases: four or more plain words (maybe a number), after a secret word and
# a colon ("passphrase for the vault: a b c d 42") or between "use" and "as the passphrase".
_WORDS_AFTER = re.compile(
    rf"(?<![a-z0-9])(?:{_STRONG}|pw|pin)(?![a-z0-9])(?:[ \t]+[\w.-]+){{0,8}}?[ \t]*:[ \t]+"
    r"((?:[a-z]{3,12}|\d{1,4})(?:[ \t]+(?:[a-z]{3,12}|\d{1,4})){3,23})[ \t]*(?:\([^)\n]*\)[ \t]*)?$"
)
_USE_WORDS_AS = re.compile(
    r"\buse[ \t]+((?:[a-z]{3,12}|\d{1,4})(?:[ \t]+(?:[a-z]{3,12}|\d{1,4})){2,9})[ \t]+as[ \t]+"
    rf"(?:the[ \t]+|a[ \t]+)?(?:new[ \t]+)?(?:{_STRONG}|pin)\b"
)
# Words that make a run of words a sentence rather than a passphrase.
_SENTENCE_WORDS: Final = frozenset(
    [
        "the",
        "and",
        "for",
        "with",
        "from",
        "that",
        "this",
        "was",
        "were",
        "are",
        "not",
        "failed",
        "error",
        "for",
        "user",
        "you",
        "your",
        "have",
        "has",
        "been",
        "will",
        "can",
        "cannot",
        "could",
        "should",
        "would",
        "into",
        "onto",
        "over",
        "then",
        "than",
        "when",
        "where",
        "which",
    ]
)
# Error codes (ERR_CERT_DATE_INVALID, ORA-12541, SQLSTATE[08006], 0x80070005), not secrets.
_CONSTANT = re.compile(
    r"[A-Z]{2,}(?:_[A-Z]{2,})+|[A-Z]{2,}-\d{3,}|[A-Z]{3,}\[[0-9A-Z]{5}\]|0x[0-9A-Fa-f]{8}"
)


# What a line must end with for _WORDS_AFTER to match (a cheap test: it starts at a colon).
_WORD_RUN_END = re.compile(
    r":[ \t]+(?:[a-z]{3,12}|\d{1,4})(?:[ \t]+(?:[a-z]{3,12}|\d{1,4})){3,23}[ \t]*"
    r"(?:\([^)\n]*\)[ \t]*)?$"
)


# "passphrase is amber falcon ridge lantern with spaces": four or more plain words after a
# copula, up to the end or a word that goes on with the sentence
_WORDS_IS = re.compile(
    rf"(?<![a-z0-9])(?:{_STRONG}|pw|pin)(?![a-z0-9])[^\n]{{0,40}}?[ \t](?:is|was)[ \t]+"
    # (then maybe a number: "amber falcon ridge lantern 42")
    r"((?:[a-z]{3,12}[ \t]+){2,9}?[a-z]{3,12}(?:[ \t]+\d{1,4})?)"
    r"(?=[ \t]*(?:$|[,.;)!]|[ \t]+(?:with|and|all|but|so|please|then|for|in|on)\b"
    "|[ \t]+[-\u2013\u2014][ \t]))"
)


def _passphrases(text: str, lower: str) -> Iterator[tuple[int, int]]:
    if " is " in lower or " was " in lower:
        for match in _WORDS_IS.finditer(lower):
            words = match.group(1).split()
            if len(words) < 4 or _STATE_WORDS.intersection(words):
                continue
            if not _SENTENCE_WORDS.intersection(words):
                yield match.span(1)
    for pattern in (_WORDS_AFTER, _USE_WORDS_AS):
        if pattern is _WORDS_AFTER and not _WORD_RUN_END.search(lower):
            continue
        if pattern is _USE_WORDS_AS and "use" not in lower:
            continue
        for match in pattern.finditer(lower):
            words = match.group(1).split()
            if not _SENTENCE_WORDS.intersection(words):
                yield match.span(1)


# "log in with X", "try logging in with ops and X", "login with admin / X": the last is the secret.
_LOGIN_WITH = re.compile(
    r"\blog(?:ging|ged)?[ \t]*-?in[ \t]+(?:as[ \t]+\S+[ \t]+)?with[ \t]+"
    r"(?:[\w.@-]+[ \t]+(?:and|/)[ \t]+)?[\"'`]?([^\s\"'`,;]+)"
    # "bmc login is root / X", "login: admin / X"
    r"|\blogin[ \t]+(?:is[ \t]+|:[ \t]*)[\w.@-]+[ \t]*/[ \t]*([^\s\"'`,;]+)"
)


def login_with(text: str) -> Iterator[tuple[int, int]]:
    for match in _LOGIN_WITH.finditer(text.translate(_LOWER)):
        group = match.lastindex or 1
        if secret_like(text[match.start(group) : match.end(group)], True):
            yield match.span(group)


# A secret read aloud (call transcripts): digits apart, number words, letters spelt one by one
# with their case, symbols by name, the NATO alphabet; four or more in a row, on a line that
# names a secret or a PIN.
_NUMBER_WORDS = "zero|oh|one|two|three|four|five|six|seven|eight|nine"
_SPOKEN_ITEM = (
    r"(?:(?:capital|upper[ -]?case|lower[ -]?case|small|big)[ \t]+[a-z](?![a-z0-9])"
    rf"|[a-z0-9](?![a-z0-9'])|(?:{_NUMBER_WORDS})(?![a-z])"
    r"|(?:exclamation|question)[ \t]+mark|(?:at|hash|dollar|percent|plus|equals)[ \t]+sign"
    r"|hash|ampersand|asterisk|star|dash|hyphen|underscore|dot|period|tilde|slash|caret"
    r"|alfa|alpha|bravo|charlie|delta|echo|foxtrot|golf|hotel|india|juliett?|kilo|lima|mike"
    r"|november|oscar|papa|quebec|romeo|sierra|tango|uniform|victor|whiskey|x-ray|yankee|zulu)"
)
_SPOKEN = re.compile(
    rf"(?<![a-z0-9'-]){_SPOKEN_ITEM}(?:(?:,[ \t]*|[ \t]+)(?:then[ \t]+)?{_SPOKEN_ITEM}){{3,}}"
)
_SPOKEN_SECRET_WORD = re.compile(
    rf"(?<![a-z0-9])(?:{KEYWORD}|pin|puk|passcode|code|otp)(?![a-z0-9])"
)


def spoken(text: str) -> Iterator[tuple[int, int]]:
    lower = lowered(text)
    said = _SPOKEN_SECRET_WORD.search(lower)
    if said is None:
        return
    for match in _SPOKEN.finditer(lower, said.end()):
        items = match.group()
        if "," in items or all(
            part in _NUMBER_WORDS.split("|") or part.isdigit() for part in items.split()
        ):
            yield match.span()


# Two-factor recovery codes listed after their name: "Recovery codes (two left): efrrz-i26sy ...".
_RECOVERY_CODES = re.compile(
    r"(?:(?:recovery|backup|scratch|emergency)[ \t_-]codes?\b"
    # German, Dutch, Danish, Swedish, French and Spanish names for them
    r"|(?:wiederherstellungs|notfall|backup)codes?|herstelcodes?|gendannelseskoder?"
    "|\u00e5terst\u00e4llningskod(?:er)?|codes?[ \t]+de[ \t]+(?:r\u00e9cup\u00e9ration|secours)"
    "|c\u00f3digos?[ \t]+de[ \t]+(?:recuperaci\u00f3n|respaldo))"
    r"(?:[^:\n]{0,60}?(?::|\.\.\.|\u2026)[ \t]*([^\n]+)"
    # no colon: the codes follow at once ("backup code k3vq9-x7mpa (one left)")
    r"|[ \t]+([a-z0-9]{4,6}(?:-[a-z0-9]{4,6})+(?:[ \t,]+[a-z0-9]{4,6}(?:-[a-z0-9]{4,6})+)*))"
)
_CODE = re.compile(r"(?<![\w-])[a-z0-9]{4,6}(?:-[a-z0-9]{4,6})*(?![\w-])", re.IGNORECASE)


_COMBINATION = re.compile(
    r"(?<![a-z0-9])(?:safe|lock|vault|cage)[ \t]+combo(?:nation)?\b[^:\n]{0,40}:[ \t]*"
    r"(\d{1,3}(?:-\d{1,3}){2,})"
)


_PIN_PAIR = re.compile(
    r"(?:name|key|field)[\"']?[ \t]*[:=][ \t]*[\"'][^\"'\n]*(?<![a-z])pin(?:code)?[\"']"
    r"[ \t]*,[ \t]*[\"']?\w*value[\"']?[ \t]*[:=][ \t]*[\"']?(\d{4,12})\b"
)


# A PIN in a camel-case name: ManagerPin=4711, userPin: 4711, adminPIN = "4711"
_CAMEL_PIN = re.compile(r"(?<=[a-z])(?:Pin|PIN)(?:Code)?[\"']?[ \t]*[:=>][ \t]*[\"']?(\d{4,12})\b")


def pins(text: str) -> Iterator[tuple[int, int]]:
    yield from _spans(_CAMEL_PIN, text)
    lower = lowered(text)
    for match in _PIN.finditer(lower):
        if not _NOT_A_CODE.fullmatch(match.group(1)):
            yield match.span(1)
    yield from _spans(_PIN_PAIR, lower)
    if not text.isascii():
        yield from _spans(_CODE_CJK, text)
    if "PIN" in text:  # "the PIN of cage 4 ... is 843955", "el PIN del candado ... es 843955"
        for match in _PIN_PROSE.finditer(text):
            yield match.span(1)
    if "combo" in lower:
        yield from _spans(_COMBINATION, lower)
    if "code" in lower or "kod" in lower:
        for match in _RECOVERY_CODES.finditer(lower):
            group = match.lastindex or 1
            for code in _CODE.finditer(text, match.start(group), match.end(group)):
                if any(c.isdigit() for c in code.group()):
                    yield code.span()


# MySQL's mysql_native_password hash as mysql.user stores and prints it: "*" and 40 hex digits.
_MYSQL_HASH = re.compile(r"(?<![\w*])\*[0-9A-Fa-f]{40}(?![0-9A-Za-z])")


# user@example.net:password (postfix sasl_passwd, credential lists), not a port or a path.
_EMAIL_PASSWORD = re.compile(
    r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+:([^\s:/\\\"'<>@]+)"
)
# A command's login/auth subcommand given the token itself: snyk auth <token>, x login <token>.
_LOGIN_ARG = re.compile(
    r"^[ \t]*(?:[\w@.:~/-]*[$#%>][ \t]+)?(?:sudo[ \t]+|npx[ \t]+)?[a-z][\w.-]*"
    r"(?:[ \t]+[a-z][\w-]*)?[ \t]+(?:auth|login|authtoken|add-authtoken)"
    r"(?:[ \t]+-{1,2}[\w-]+)*[ \t]+[\"']?([^\s\"'-][^\s\"']*)[\"']?[ \t]*$",
    re.MULTILINE,
)


# "login admin/X", "credentials svc_app/X": a login word, a user, a slash, the password
_LOGIN_PAIR = re.compile(
    r"(?<![\w-])(?:login|logon|credentials?|creds)[ \t]*:?[ \t]+[A-Za-z][\w.-]{0,30}/"
    r"([^\s/]{5,63}[^\s/.,;)])"
    r"(?=[\s.,;)]|$)",
    re.IGNORECASE,
)
_WORD_JOINED = re.compile(r"[A-Z][a-z]{2,9}(?:-[a-z]{3,10}){2,6}")


# An account's usual names before " / " (a login and its password)
_ACCOUNT_BEFORE = re.compile(
    r"(?<![\w.-])(?:admin\w*|root|operator|guest|user(?:name)?|svc[\w.-]*|service[\w.-]*)"
    r"[ \t]+/[ \t]+\Z",
    re.IGNORECASE,
)


def _word_passphrase(value: str) -> bool:
    """A capitalised word and two or more plain words joined by dashes
    (Coffee-rabbit-tulip-dinner): a passphrase where a password stands (not a metric's
    process_max_fds, not a pod's payments-api-worker)."""
    return _WORD_JOINED.fullmatch(value) is not None


# A login and its password written "user / password" (or "user@example.com / password")
_SLASH_PAIR = re.compile(  # (each side may be quoted, or a Markdown code span: `root` / `X`)
    r"(?:^|[\s(:])([`'\"]?)(?:[\w.+-]+@[\w-]+(?:\.[\w-]+)+|[A-Za-z][A-Za-z0-9._-]{1,30})\1"
    # (the pair may close a quoted string: "toString":"admin / X"})
    r"[ \t]+/[ \t]+([`'\"]?)(?P<value>[^\s/`'\"]{6,40}?)\2[.,;)]?(?=[\s\"'}\]]|$)"
)


def user_passwords(text: str) -> Iterator[tuple[int, int]]:
    for match in _EMAIL_PASSWORD.finditer(text):
        value = match.group(1).rstrip(".,;)")
        if not value.isdigit() and shaped(value):
            yield match.start(1), match.start(1) + len(value)
    for match in _LOGIN_ARG.finditer(text):
        value = match.group(1)
        if re.fullmatch(_UUID, value) or shaped(value):
            yield match.span(1)
    for match in _LOGIN_PAIR.finditer(text):
        value = match.group(1)
        if _word_passphrase(value) or (
            secret_like(value, True) and not _structured_id(value) and not _VERSION.fullmatch(value)
        ):
            yield match.span(1)  # "login admin/X", "credentials: svc_app/X"
    for match in _SLASH_PAIR.finditer(text) if " / " in text else ():
        value = match.group("value")
        if _word_passphrase(value):
            if _ACCOUNT_BEFORE.search(
                text, max(0, match.start("value") - 80), match.start("value")
            ):
                yield match.span("value")  # "admin / Coffee-rabbit-tulip-dinner"
            continue  # (not "platform / Web-frontend-app", a project's path)
        if (
            any(c.isdigit() for c in value)
            and any(c.isalpha() for c in value)
            and (
                secret_shapes.mixed(value)
                or value.rstrip(".").isupper()  # a generated one: VEXF8SFD
                or (sum(c.isdigit() for c in value) >= 2 and not _structured_id(value))
            )
            and DIAGNOSTIC.fullmatch(value) is None
            and _VERSION.fullmatch(value) is None
        ):
            yield match.span("value")  # "admin b.nguyen / Voquisor=811": a login, a slash, X


def client_lines(text: str) -> Iterator[tuple[int, int]]:
    """AUTH LOGIN's answers: a client line of nothing but base64 that decodes to text."""
    yield from _spans(_CLIENT_LINE, text)
    for match in _SEND_LINE.finditer(text):
        try:
            plain = base64.b64decode(match.group(2), validate=True).decode()
        except (ValueError, UnicodeDecodeError):
            continue  # 'STARTTLS' is a command, not base64 of text
        if plain.isprintable():
            yield match.span(2)


# NSS key log (SSLKEYLOGFILE): LABEL <client random> <secret>.
_KEYLOG = re.compile(
    r"^[ \t]*(?:CLIENT_RANDOM|[A-Z_]*TRAFFIC_SECRET_?\d*|(?:EARLY_)?EXPORTER_SECRET)[ \t]+"
    r"[0-9A-Fa-f]{32,}[ \t]+([0-9A-Fa-f]{32,})",
    re.MULTILINE,
)
# Asterisk voicemail.conf: mailbox => PIN,Full Name,e-mail
_VOICEMAIL = re.compile(r"^[ \t]*\d{2,12}[ \t]*=>[ \t]*(\d{4,12}),[^,\n]+", re.MULTILINE)
# postfix sasl_passwd: [relay]:port user:password
_SASL_PASSWD = re.compile(
    r"^[ \t]*(?:\[[^\]\s]+\]|[A-Za-z0-9_.-]+):\d{1,5}[ \t]+[^\s:]+:(\S+)[ \t]*$", re.MULTILINE
)
# reg query output: <name>    REG_<type>    <data>
_REG_VALUE = re.compile(
    rf"^[ \t]+[\w .-]*(?:{KEYWORD})[\w .-]*?[ \t]+REG_[A-Z_]+[ \t]+(\S[^\n]*?)[ \t]*$",
    re.MULTILINE | re.IGNORECASE,
)
# IRC: PRIVMSG NickServ :IDENTIFY [account] password; Redis AUTH in ngrep's dotted RESP.
_IDENTIFY = re.compile(r"\bNickServ[ \t]+:?IDENTIFY[ \t]+(?:\S+[ \t]+)?(\S+)[ \t]*$", re.I | re.M)
_RESP_DOTS = re.compile(r"\bAUTH\.\.(?:\$\d+\.\.[^.\s]+\.\.)?\$\d+\.\.(\S+?)\.\.")


# SQL's CONNECT (Db2 and others): "CONNECT TO db USER u USING pw", "CONNECT USER=u USING pw"
_USER_USING = re.compile(r"\buser[ \t]*=?[ \t]*[\w.$#@-]+[ \t]+using[ \t]+([^\s;,'\"]+)", re.I)
# ... its password quoted (any shape: quoting makes it a literal), and DB2's NEW and CONFIRM
_USING_QUOTED = re.compile(
    r"\buser[ \t]*=?[ \t]*[\w.$#@-]+[ \t]+using[ \t]+(?:'([^'\n]{4,})'|\"([^\"\n]{4,})\")", re.I
)
_NEW_CONFIRM = re.compile(
    r"\busing[ \t]+\S+[ \t]+new[ \t]+[\"']?([^\s\"']{4,})[\"']?[ \t]+confirm[ \t]+"
    r"[\"']?([^\s\"']{4,})",
    re.I,
)
# FIX's Password (554) and NewPassword (925) fields, between SOH (or "|", "^A" as logs show it)
_FIX_PASSWORD = re.compile(r"(?:\x01|\||\^A|(?<=[ \t]))(?:554|925)=([^\x01|^\s]+)")
# Bundler's credentials for a gem source: BUNDLE_<HOST, dots as "__">: user:password
_BUNDLE_HOST = re.compile(
    r"\bBUNDLE_[A-Z0-9_]*?[A-Z0-9]__[A-Z0-9_]+[\"']?[ \t]*[:=][ \t]*[\"']?[^\s:\"']+:([^\s\"']+)"
)


# Where tools take a password as a positional argument or after a flag of their own (their
# documented syntax): radtest user PASSWORD server port SECRET; wpa_passphrase SSID PASSPHRASE;
# hostapd_cli wps_pin UUID PIN; Android's cmd wifi connect-network SSID wpa2 PASSPHRASE and
# locksettings --old CREDENTIAL; reg add /v <secret name> ... /d DATA; iscsiadm -n <secret name>
# -v VALUE; tac_plus's cleartext; net-snmp's createUser; ipsec.secrets' EAP/XAUTH/NTLM;
# rclone obscure; samba-tool user create/setpassword; klist -K's keys; Jasypt/Artemis ENC(...)
_ARG = r"(\"[^\"\n]+\"|'[^'\n]+'|[^\s\"']+)"
_TOOL_ARGUMENTS = (
    re.compile(rf"\bradtest[ \t]+(?:-\S+[ \t]+)*\S+[ \t]+{_ARG}[ \t]+\S+[ \t]+\d+[ \t]+{_ARG}"),
    re.compile(rf"\bwpa_passphrase[ \t]+(?:\"[^\"\n]*\"|'[^'\n]*'|\S+)[ \t]+{_ARG}"),
    re.compile(r"\bwps_pin[ \t]+\S+[ \t]+(\d{4,8})\b"),
    re.compile(rf"\bconnect-network[ \t]+(?:\"[^\"\n]*\"|\S+)[ \t]+(?:wpa2|wpa3|wep)[ \t]+{_ARG}"),
    re.compile(rf"\blocksettings\b[^\n]*?[ \t]--old[ \t]+{_ARG}"),
    re.compile(
        rf"\breg(?:\.exe)?[ \t]+add\b[^\n]*?/v[ \t]+\"?[\w ]*(?:{KEYWORD})[\w ]*\"?"
        rf"[^\n]*?/d[ \t]+{_ARG}",
        re.IGNORECASE,
    ),
    re.compile(
        rf"(?:[ \t]-n|--name)[ \t]+[\w.:-]*(?:{KEYWORD})[\w.:-]*[ \t]+(?:-v|--value)[ \t]+{_ARG}"
    ),
    re.compile(rf"\bcleartext[ \t]+{_ARG}"),
    re.compile(
        rf"\bcreateUser[ \t]+(?:-e[ \t]+\S+[ \t]+)?\S+[ \t]+(?:MD5|SHA[-\w]*)[ \t]+{_ARG}"
        rf"(?:[ \t]+(?:DES|AES[-\w]*)[ \t]+{_ARG})?"
    ),
    re.compile(rf"^[^:\n]*:[ \t]*(?:EAP|XAUTH|NTLM)[ \t]+{_ARG}", re.MULTILINE),
    re.compile(rf"\brclone[ \t]+obscure[ \t]+{_ARG}"),
    re.compile(rf"\bsamba-tool[ \t]+user[ \t]+(?:create|add|setpassword)[ \t]+\S+[ \t]+{_ARG}"),
    re.compile(
        r"\((?:aes|des|rc4|arcfour|camellia)[\w-]*\)[ \t]+\(0x([0-9A-Fa-f]{16,})\)", re.IGNORECASE
    ),
    re.compile(r"\bENC\(([^()\s]{8,})\)"),
    # gh secret set NAME --body X; Redis ACL SETUSER name on >password; Sentinel's auth-pass;
    # the JMX password file's roles; ZooKeeper's addauth digest user:password; JAAS user_<name>
    re.compile(rf"\bsecret[ \t]+set\b[^\n]*?[ \t](?:--body|-b)[ \t]+{_ARG}"),
    re.compile(r"\bACL[ \t]+SETUSER[ \t]+\S+(?:[ \t]+\S+)*?[ \t]>([^\s]+)", re.IGNORECASE),
    re.compile(rf"\bauth-pass[ \t]+\S+[ \t]+{_ARG}"),
    re.compile(rf"^[ \t]*(?:monitorRole|controlRole)[ \t]+{_ARG}[ \t]*$", re.MULTILINE),
    re.compile(r"\baddauth[ \t]+digest[ \t]+[^:\s]+:(\S+)"),
    re.compile(r"(?<![\w.-])user_[A-Za-z0-9_-]+[ \t]*=[ \t]*\"([^\"\n]+)\""),
)
TOOL_TRIGGER: Final = (
    r"radtest|wpa_passphrase|wps_pin|connect-network|locksettings|reg(?:\.exe)?[ \t]+add"
    r"|[ \t]-n[ \t]|--name|cleartext|createuser|:[ \t]*(?:eap|xauth|ntlm)[ \t]|rclone"
    r"|samba-tool|\)[ \t]+\(0x|enc\(|secret[ \t]+set|setuser|auth-pass|monitorrole|controlrole"
    r"|addauth|user_[a-z0-9_-]+[ \t]*="
)


def tool_arguments(text: str) -> Iterator[tuple[int, int]]:
    for pattern in _TOOL_ARGUMENTS:
        for match in pattern.finditer(text):
            for group in range(1, (pattern.groups or 0) + 1):
                start, end = match.span(group)
                if start < 0:
                    continue
                if text[start] in "\"'" and end - start >= 2:
                    start, end = start + 1, end - 1
                if not is_placeholder(text[start:end]):
                    yield start, end


def structured(text: str) -> Iterator[tuple[int, int]]:
    """DSNs without a scheme, libpq's conninfo echo, pgbouncer's userlist, MySQL hashes, NSS key
    logs, voicemail PINs, postfix sasl_passwd lines, registry values, IRC and RESP AUTH, SQL's
    CONNECT ... USER u USING pw, FIX's password fields (the ftp client's user command is
    :mod:`remediate.formats`' positional logon)."""
    yield from _spans(_MYSQL_HASH, text)
    yield from _spans(_KEYLOG, text)
    yield from _spans(_VOICEMAIL, text)
    yield from _spans(_RESP_DOTS, text)
    yield from _spans(_FIX_PASSWORD, text)
    for pattern in (_SASL_PASSWD, _REG_VALUE, _IDENTIFY, _USER_USING, _BUNDLE_HOST):
        for match in pattern.finditer(text):
            value = match.group(1)
            if not is_placeholder(value) and (
                secret_like(value, True) or (value.isdigit() and len(value) >= 4)
            ):
                yield match.span(1)
    for pattern in (_USING_QUOTED, _NEW_CONFIRM):
        for match in pattern.finditer(text):
            for group in range(1, pattern.groups + 1):
                if match.start(group) >= 0 and not is_placeholder(match.group(group)):
                    yield match.span(group)
    yield from _spans(_SCHEMELESS_DSN, text)
    yield from _spans(_CONNINFO_ECHO, text)
    for match in _QUOTED_PAIR.finditer(text):
        if secret_like(match.group(1), True):
            yield match.span(1)


# A chat question about a secret ("what's the password for X?", "anyone have the vault token?",
# "PIN for the HSM?"): the next line is likely its answer.
# A question about a secret or a code (the ASCII, Arabic and full-width question marks);
# \u0631\u0645\u0632 is Arabic "code".
QUESTION_MARKS: Final = "?\u061f\uff1f"
_QUESTION = re.compile(
    rf"(?<![a-z0-9])({KEYWORD}|pin|puk|{_CODE_NAMES}"
    rf"|{_DOOR_CODE}|\u0631\u0645\u0632)"
    r"(?![a-z0-9])[^\n]*[?\u061f\uff1f][ \t]*\Z"
)
_FILE_NAME = re.compile(r"[\w.-]+\.[a-z]{1,5}")
FILE_NAME: Final = _FILE_NAME


class Question(enum.Enum):
    """What a line before asks for: a chat question about a secret (a number or another
    secret), or a prompt or command after which the next line is the secret as typed or
    printed."""

    NUMBER = "number"
    OTHER = "other"
    TYPED = "typed"
    VALUE = "value"  # a name/value pair split over two lines: the value of the named secret


# A prompt for a secret: "admin@db's password: ", "Enter passphrase for key '/x/id_rsa':".
_PROMPT = re.compile(
    # German glues its compounds: Notfallschlüssel, Administratorkennwort
    r"(?:schl\u00fcssel|passwort|kennwort|"
    rf"(?<![a-z0-9])(?:{_STRONG}|pass[ \t]phrase|pin|otp|token|setup[ \t]key|{_CODE_NAMES}"
    r"|(?:recovery|seed|mnemonic)[ \t]phrase))(?![a-z0-9])[^\n]{0,90}:[ \t]*\Z"
)
# A terminal screen's prompt without a colon, in capitals (GDS, mainframe): ENTER PASSWORD
_TERMINAL_PROMPT = re.compile(
    r"[ \t>]*(?:ENTER|NEW|OLD|TYPE)?[ \t]*(?:PASSWORD|PASSCODE|PIN)[ \t]*\??"
)
# A shell command that prints or types a secret: "$ kubectl get secret ... {.data.password}".
_SECRET_COMMAND = re.compile(
    rf"[ \t]*(?:\++|[\w@.:~/\\-]*[$#%>])[ \t]+(?=\S)[^\n]*?"
    rf"(?:(?<![a-z0-9])(?:{_STRONG}|token|vault_pass"
    r"|creds?\b|recovery|backup[-_]codes|authenticator|otp\b|mfa|pin\b)"
    # pass(1) and gopass print the password first; a command that makes a key prints it
    r"|(?<![\w-])(?:go)?pass[ \t]+(?:show|get|cat)\b|keys?[ \t]+(?:create|generate|new)\b"
    # (also a script that prints one: askpass.sh, Apache's SSLPassPhraseDialog ssl-pass.sh)
    r"|\.(?:pass|keys?|cookie|token)\b|/\.?[\w-]*(?:key|pass|token|secret)(?:\.txt|\.sh)?[ \t]*$)"
)
# What was typed or printed: the line alone, or expect's "send: sending "X\r" to { exp6 }".
# Also a library's debug line of what it wrote (netmiko's write_channel: b'X\n', pexpect's
# sendline('X')) and an asciinema cast's input event ([12.1, "i", "X\r"]).
_TYPED = re.compile(
    r"[ \t]*(?:send:[ \t]*sending[ \t]+|send:[ \t]*b?|send[ \t]+(?:--[ \t]+)?"
    r"|(?:echo|printf)[ \t]+(?:-n[ \t]+)?"  # the script's line that prints it
    r"|[^\n]*?(?:write_channel|sendline|send|write)[:(][ \t]*b?|\[[\d.]+,[ \t]*\"i\",[ \t]*)?"
    r"([\"']?)([^\s\"']+?)(?:\\r|\\n)*\1\)?\]?(?:[ \t]+to[ \t]+\{[^}\n]*\})?[ \t]*\Z"
)
_XTRACE_ECHO = re.compile(
    r"[ \t]*\++[ \t]+(?:echo|printf)[ \t]+(?:-n[ \t]+)?([\"']?)([^\"'\n]+)\1[ \t]*$"
)
_TYPED_WORDS = re.compile(
    r"[ \t]*((?:(?:[a-z]{3,12}|\d{1,4})[ \t]+){3,23}(?:[a-z]{3,12}|\d{1,4}))[ \t]*$"
)
# The name of a name/value pair on a line of its own: Hadoop's <name>x.password</name>, an ECS
# or Kubernetes JSON env entry "name": "DB_PASSWORD",
_NAME_LINE = re.compile(
    rf"[ \t]*(?:<name>([\w.:-]*(?:{KEYWORD})[\w.:-]*)</name>"
    # a property list's key (SCEP's Challenge is a password too)
    rf"|<key>([\w.:-]*(?:{KEYWORD}|challenge)[\w.:-]*)</key>"
    # redis-cli's numbered reply to CONFIG GET: 1) "requirepass", then 2) "<value>"
    rf"|\d+\)[ \t]+\"([\w.-]*(?:{KEYWORD})[\w.-]*)\""
    rf"|\[[\"']([\w.-]*(?:{KEYWORD})[\w.-]*)[\"']\][ \t]*=>"
    rf"|[\"']?(?:name|key)[\"']?[ \t]*[:=][ \t]*[\"']([\w./-]*(?:{KEYWORD})[\w.-]*)[\"']"
    r"[ \t]*,?)[ \t]*\Z"
)
_VALUE_LINE = re.compile(
    r"[ \t]*(?:<value>([^<\n]*)</value>|[\"']?value[\"']?[ \t]*[:=][ \t]*[\"']([^\"'\n]*)[\"']"
    r"|<(?:string|data)>[ \t]*([^<\n]+?)[ \t]*</(?:string|data)>|\d+\)[ \t]+\"([^\"\n]*)\"[ \t]*$"
    r"|string\(\d+\)[ \t]*\"([^\"\n]*)\")"
    # Azure Pipelines' debug output: "##[debug]Result: 'X'"
    r"|[^\n]*##\[debug\]result:[ \t]*'([^'\n]*)'"
    # after a notice that a password was reset: "New value: X"
    r"|[ \t]*(?:new[ \t]+)?value[ \t]*[:=][ \t]*([^\s\"']+)[ \t]*$",
    re.IGNORECASE,
)
_EVALUATING = re.compile(
    rf"##\[debug\]evaluating:[ \t]*variables\[[\"']([\w.-]*(?:{KEYWORD})[\w.-]*)[\"']\][ \t]*\Z"
)
# SMTP's AUTH LOGIN challenge "334 UGFzc3dvcmQ6" (base64 of "Password:"); expect's debug line
# "... match glob pattern "Password:"? yes"
_CHALLENGE = re.compile(r"^[ \t]*(?:S:[ \t]*)?334[ \t]+([A-Za-z0-9+/]{8,}={0,2})[ \t]*$")
# Markup around a prompt or its answer: <p>Your code is:</p>, <b>483920</b>
_TAG = re.compile(r"<[^<>\n]*>")
_MARKUP_TEXT = re.compile(r"[ \t]*(?:<[^<>\n]*>[ \t]*)+([^<>\n]+?)[ \t]*(?:<[^<>\n]*>[ \t]*)*\Z")
# A line naming a recovery phrase ("## cold wallet - seed phrase, 24 words"): the words follow.
_PHRASE_HEADING = re.compile(
    r"(?<![a-z0-9])(?:(?:recovery|seed|backup|secret|wallet|mnemonic)[ \t-]+phrase|mnemonic"
    r"|(?:backup|recovery|verification|scratch|emergency)[ \t-]+(?:codes|keys))(?![a-z0-9])"
)
# One item of a printed list of codes: "1) 4821 0093", "2. 7716-3350", "  a1b2c3d4"
_CODE_ITEM = re.compile(
    r"[ \t]*(?:\d{1,2}[.)][ \t]+)?([A-Za-z0-9]{3,6}(?:[ -][A-Za-z0-9]{3,6}){1,9})[ \t]*$"
)
# Several codes on one line, numbered or not, apart by two blanks or a tab (printed in columns)
_NUMBERED_CODE = re.compile(
    r"(?:\d{1,2}[.)][ \t]+|(?<![\w.)-]))([A-Za-z0-9]{3,8}(?:[ -][A-Za-z0-9]{3,8}){0,9})"
    r"(?=[ \t]{2}|\t|[ \t]*$)"
)
_CODE_ROW = re.compile(
    r"[ \t]*(?:\d{1,2}[.)][ \t]+)?[A-Za-z0-9]{3,8}(?:[ -][A-Za-z0-9]{3,8}){0,9}"
    r"(?:(?:[ \t]{2,}|\t)(?:\d{1,2}[.)][ \t]+)?[A-Za-z0-9]{3,8}(?:[ -][A-Za-z0-9]{3,8}){0,9})+"
    r"[ \t]*$"
)
# A notice that a secret was reset or made: its value may follow on a labelled line.
_NOTICE = re.compile(
    rf"(?<![a-z0-9])(?:{_STRONG}|token)s?(?![a-z0-9])[^\n]{{0,80}}"
    r"\b(?:reset|changed|generated|rotated|regenerated)\b"
)
# An expect script's pattern for a prompt: expect "password:", expect -re "(P|p)assword: ?$"
_EXPECT_LINE = re.compile(
    rf"[ \t]*expect(?:[ \t]+-\w+)*[ \t]+[\"'{{][^\n]*(?:{_STRONG}|assword|pin|otp|token)"
)
_EXPECT_MATCHED = re.compile(rf"pattern[ \t]+\"[^\"\n]*(?:{KEYWORD}|pin)[^\"\n]*\"\?[ \t]+yes\Z")


def prompts_for_secret(body: str) -> Question | None:
    """Whether the line after ``body`` (a line without its trailing blanks) may be a secret typed
    or printed on its own: after a prompt for one, or after a shell command that names one; or
    the value of a name/value pair whose name this line gives. Cheap tests first: it runs on
    every line."""
    if len(body) > 300:
        return None
    if body[-1:] == ">" and "<" in body:  # an HTML mail: a prompt between the tags
        text = _TAG.sub("", body).replace("&nbsp;", " ").rstrip()
        if text[-1:] == ":":
            body = text
    if body.endswith('"]') and '"o"' in body:  # an asciinema cast's output event
        body = body[:-2].rstrip()
    head = body[:80]
    if _TERMINAL_PROMPT.fullmatch(body):
        return Question.TYPED  # a mainframe or GDS screen's prompt: "ENTER PASSWORD"
    prompt = body[-1:] == ":"
    expect = body.endswith("yes") or "expect" in head
    smtp = "334" in head
    debug = "debug]" in body
    notice = "reset" in body or "changed" in body or "generated" in body or "rotated" in body
    # a heading over a recovery phrase or a list of codes
    phrase = "hrase" in body or "nemonic" in body or "odes" in body or "ODES" in body
    command = "$ " in head or "# " in head or "> " in head or "% " in head or head[:2] == "+ "
    pair = (
        "<name>" in body
        or "<key>" in body
        or (body[-1:] == '"' and (") " in head or '= "' in body))
        or 'ame"' in body
        or "ame'" in body
        or 'ey"' in body
        or "ey'" in body
        or "=>" in body
    )
    if not (prompt or expect or smtp or debug or command or pair or phrase or notice):
        return None
    lower = body.translate(_LOWER)
    if (prompt and _PROMPT.search(lower)) or (
        expect and (_EXPECT_MATCHED.search(lower) or _EXPECT_LINE.match(lower))
    ):
        return Question.TYPED
    if phrase and _PHRASE_HEADING.search(lower):
        return Question.TYPED
    if notice and _NOTICE.search(lower):
        return Question.VALUE  # "The password for X was reset." then "New value: <it>"
    challenge = _CHALLENGE.match(body) if smtp else None
    if challenge is not None and _decodes_to_prompt(challenge.group(1)):
        return Question.TYPED
    if debug and _EVALUATING.search(lower):
        return Question.VALUE
    if command and _SECRET_COMMAND.match(lower):
        return Question.TYPED
    named = _NAME_LINE.match(lower) if pair else None
    if named is not None:
        name = named.group(named.lastindex or 0).rsplit("/", 1)[-1]
        last = _tail_words("", name.replace(".", "_"))[-1:]
        if not (last and last[0] in _METADATA_TAILS):
            return Question.VALUE
    return None


# The speaker in front of an answer: "<carol> ", "[10:42] <dana> ", "A: ", "carol: ".
_SPEAKER = re.compile(r"^[ \t]*(?:\[[^\]\n]*\][ \t]*)?(?:<[^>\n]+>|[\w.-]{1,20}:)?[ \t]*")
_ANSWER_WORD = re.compile(r"[^\s,;]+")


# A chat export's header line before each message (Slack's "Dana Weiss  9:14 AM", Discord's
# "Zofia — Today at 21:58"): a question before it is still waiting for its answer.
_SPEAKER_HEADER = re.compile(
    r"[^\W\d][\w .'-]{0,40}?[ \t]+(?:[\u2014\u2013-][ \t]+)?"
    r"(?:[^\W\d]+[ \t]+(?:at|om|um|\u00e0|a[ \t]las)[ \t]+)?"
    r"\d{1,2}:\d{2}(?:[ \t]?[AaPp]\.?[Mm]\.?)?[ \t]*\Z"
)


def speaker_header(line: str) -> bool:
    """Whether ``line`` (without its line break) is only a chat export's speaker and time, or a
    message with nothing after its speaker ("[02:54] Sanne:", the answer on the next line)."""
    if len(line) > 80:
        return False
    if line[-1:] == ":":
        return _EMPTY_MESSAGE.match(line) is not None
    return line[-1:].isalnum() and _SPEAKER_HEADER.match(line) is not None


_EMPTY_MESSAGE = re.compile(r"[ \t]*\[?\d{1,2}:\d{2}(?::\d{2})?\]?[ \t]+[^\s:\[\]][^:\n]{0,30}:\Z")


def asks_for_secret(line: str) -> Question | None:
    """What ``line`` (ending in "?") asks for: a PIN or code (a number may be the answer),
    another secret, or nothing."""
    match = _QUESTION.search(line.translate(_LOWER))
    if match is None:
        return None
    word = match.group(1)
    code = word in ("pin", "puk") or "code" in word or word == "\u0631\u0645\u0632"
    return Question.NUMBER if code else Question.OTHER


def _decodes_to_prompt(encoded: str) -> bool:
    try:
        plain = base64.b64decode(encoded, validate=True).decode()
    except (ValueError, UnicodeDecodeError):
        return False
    return _PROMPT.search(lowered(plain.rstrip())) is not None


def _typed_secret(value: str) -> bool:
    if value.isdigit():
        return 4 <= len(value) <= 12
    if value.isupper() and (
        _unpronounceable(value.lower()) or (value.isalpha() and len(value) >= 16)
    ):
        return True  # capitals no word is made of (an Erlang cookie)
    return (
        secret_like(value, True)
        and not (value.isalpha() and value.istitle())  # "Authenticated."
        and "/" not in value
        and _FILE_NAME.fullmatch(value) is None
    )


def answer_spans(line: str, question: Question) -> Iterator[tuple[int, int]]:
    """The words of an answer to :func:`asks_for_secret` that may be the secret: a secret-like
    word that is no path, file name or id, or, after a question for a PIN, a 4-12 digit
    number."""
    if question is Question.VALUE:
        pair = _VALUE_LINE.match(line)
        if pair is not None:
            start, end = pair.span(pair.lastindex or 0)
            if not is_placeholder(line[start:end]):
                yield start, end
        return
    if question is Question.TYPED:
        markup = _MARKUP_TEXT.match(line.rstrip("\r\n")) if "<" in line else None
        if markup is not None:
            if _typed_secret(markup.group(1)) and " " not in markup.group(1):
                yield markup.span(1)
            return
        echoed = _XTRACE_ECHO.match(line)
        if echoed is not None:  # bash -x: "++ echo 'X'" is what a substitution printed
            if _typed_secret(echoed.group(2)) or _TYPED_WORDS.fullmatch(echoed.group(2)):
                yield echoed.span(2)
            return
        item = _CODE_ITEM.match(line)
        if item is not None and any(c.isdigit() for c in item.group(1)):
            yield item.span(1)  # one of a list of recovery codes, in groups
            return
        if _CODE_ROW.match(line) is not None:  # "1. 5539 8771    2. 9052 7904": a row of them
            for numbered in _NUMBERED_CODE.finditer(line):
                if any(c.isdigit() for c in numbered.group(1)):
                    yield numbered.span(1)
            return
        words = _TYPED_WORDS.match(line.translate(_LOWER))  # Capitalised too: Canyon nectar ...
        if (
            words is not None
            and sum(1 for w in words.group(1).split() if w.isalpha()) >= 3
            and not _SENTENCE_WORDS.intersection(words.group(1).split())
        ):
            yield words.span(1)  # a passphrase or recovery phrase of plain words
            return
        typed = _TYPED.match(line.rstrip("\r\n"))
        if typed is not None and _typed_secret(typed.group(2)):
            yield typed.span(2)
        return
    speaker = _SPEAKER.match(line)
    for word in _ANSWER_WORD.finditer(line, speaker.end() if speaker else 0):
        value = word.group().rstrip(".!?)")
        if value.isdigit():
            found = question is Question.NUMBER and 4 <= len(value) <= 12
        else:
            found = (
                secret_like(value, True)
                and "/" not in value
                and _FILE_NAME.fullmatch(value) is None
                and not (_structured_id(value) and not looks_random(value, 12))
            )
        if found:
            yield word.start(), word.start() + len(value)


# Encoded or framed text the finders cannot read as it is: JSON escaped once or twice
# (\" \\\" \u0022), an argv array (["mysql", "-pX"]), a RESP frame (*2\r\n$4\r\nAUTH...), an
# audit record's hex proctitle (NUL-separated argv). Each is decoded into a view whose
# characters remember where they came from; every finder runs on the view and the spans are
# mapped back.
_ESCAPED = re.compile(r"\\u[0-9A-Fa-f]{4}|\\.|.", re.DOTALL)
_ARGV = re.compile(
    r"\[[ \t]*\"(?:[^\"\\\n]|\\.)*\"(?:[ \t]*,[ \t]*\"(?:[^\"\\\n]|\\.)*\")+[ \t]*\]"
)
_ARGV_ITEM = re.compile(r"\"((?:[^\"\\\n]|\\.)*)\"")
# auditd's EXECVE record: argc=3 a0="curl" a1="-u" a2="..." (an argument holding blanks or
# quotes comes hex-encoded, unquoted): its arguments as a command line
_EXECVE = re.compile(
    r"\bargc=\d+[ \t]+a0=(?:\"[^\"\n]*\"|[0-9A-Fa-f]+)(?:[ \t]+a\d+=(?:\"[^\"\n]*\"|[0-9A-Fa-f]+))*"
)
_EXECVE_ITEM = re.compile(r"\ba\d+=\"?([^\"\s]*)")
# A list printed by Java's Arrays.toString, Python's str of a list of words: [keytool,
# -storepass, X, -noprompt]
_LIST = re.compile(r"\[([^\[\]\n\"']*?-[\w-]+, [^\[\]\n\"']*)\]")
_LIST_ITEM = re.compile(r"(?:(?<=\[)|(?<=, ))([^,\[\]]+)")
_RESP = re.compile(r"\*\d+(?:\\r\\n\$\d+\\r\\n((?:(?!\\r\\n).)*))+")
_RESP_ITEM = re.compile(r"\\r\\n\$\d+\\r\\n((?:(?!\\r\\n).)*)")
# Hex of "pass", "PASS", "secret", "token": text about a secret, hex-encoded in a dump.
_HEX_WORDS = "70617373|50415353|736563726574|746f6b656e"
# auditd hex-encodes a proctitle, and an EXECVE argument or a USER_CMD with blanks or quotes;
# a dump prints any text as hex
_PROCTITLE = re.compile(
    r"\bproctitle=((?:[0-9A-Fa-f]{2}){4,})\b|\b(?:a\d+|cmd)=((?:[0-9A-Fa-f]{2}){8,})\b"
    rf"|\b((?:[0-9a-f]{{2}})*(?:{_HEX_WORDS})(?:[0-9a-f]{{2}}){{4,}})\b"
)
# A secret's word as OCR misreads it (Pas5word, P4ssword, pvv, PlN): the view puts the letters
# back, so the finders read the value after it
_OCR_WORD = re.compile(
    r"(?<![A-Za-z0-9])(?:[Pp][Aa@4][Ss5$][Ss5$](?:[Ww]|vv|VV)[Oo0][Rr][Dd]|pvv|PVV|P[l1|]N|p1n)"
    r"(?![A-Za-z0-9])"
)
_OCR_LETTERS: Final = str.maketrans("0135$@4|l", "oiessaaii")
_OCR_TRIGGER = (
    r"p[@4][s5$]{2}w[o0]rd|pa(?:[5$][s5$]|s[5$])w[o0]rd|passw0rd|pa[s5$]{2}vv[o0]rd"
    r"|(?:^|[^a-z0-9])pvv(?:[^a-z0-9]|$)|(?-i:P[l1|]N)|(?-i:p1n)"
)
View = tuple[str, list[int], list[int]]  # text, where each char starts, where it ends


# Text another layer dressed: terminal colours (CSI and OSC escape sequences), markup (tags
# and character references), percent-encoding of a value's = and & (a query inside a query)
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b\n]*(?:\x07|\x1b\\)")
# (HTML's text tags only: an XML element's name says what its text is, which markup() reads)
_MARKUP = re.compile(
    r"</?(?i:b|i|u|em|strong|code|pre|tt|kbd|samp|td|th|tr|p|span|div|font|li|br|label"
    r"|textarea|small|h[1-6])(?:[ \t][^<>\n]{0,300})?/?>"
    r"|&(?:quot|amp|lt|gt|apos|nbsp|#\d{1,7}|#[xX][0-9A-Fa-f]{1,6});"
)
_PERCENT = re.compile(r"(?:%[0-9A-Fa-f]{2})+")
_ENTITIES: Final = {"quot": '"', "amp": "&", "lt": "<", "gt": ">", "apos": "'", "nbsp": " "}


def _unmarked(match: re.Match[str]) -> str:
    piece = match.group()
    if piece[0] == "<":
        return " "  # a tag stands between words: <td>user</td><td>X</td>
    name = piece[1:-1]
    if name[0] == "#":
        number = int(name[2:], 16) if name[1:2] in "xX" else int(name[1:])
        return chr(number) if 0 < number < 0x110000 else " "
    return _ENTITIES[name]


def _unpercented(match: re.Match[str]) -> str:
    raw = bytes(int(match.group()[i + 1 : i + 3], 16) for i in range(0, len(match.group()), 3))
    return raw.decode("utf-8", "replace")


_DOUBLED_QUOTE = re.compile(r'""')
_ENCODED_WORD = re.compile(r"=\?[\w-]+\?([QqBb])\?([^?\s]*)\?=")


def _decoded_word(match: re.Match[str]) -> str:
    kind, body = match.group(1).upper(), match.group(2)
    if kind == "B":
        try:
            return base64.b64decode(body + "=" * (-len(body) % 4)).decode("utf-8", "replace")
        except ValueError:
            return match.group()
    raw = re.sub(rb"=([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), body.encode())
    return raw.replace(b"_", b" ").decode("utf-8", "replace")


def _substituted(
    view: View, pattern: re.Pattern[str], replace: Callable[[re.Match[str]], str]
) -> View:
    """``view`` with each match of ``pattern`` replaced; each replacing character stands for the
    whole match (a secret found in it masks what it was decoded from)."""
    text, starts, ends = view
    out: list[str] = []
    new_starts: list[int] = []
    new_ends: list[int] = []
    at = 0
    for match in pattern.finditer(text):
        out.append(text[at : match.start()])
        new_starts += starts[at : match.start()]
        new_ends += ends[at : match.start()]
        piece = replace(match)
        out.append(piece)
        new_starts += [starts[match.start()]] * len(piece)
        new_ends += [ends[match.end() - 1]] * len(piece)
        at = match.end()
    out.append(text[at:])
    new_starts += starts[at:]
    new_ends += ends[at:]
    return "".join(out), new_starts, new_ends


_LAYERS = (
    r"\x1b[\[\]]",
    r"</|&(?:quot|amp|lt|gt|apos|nbsp|#)",
    r"\"\"[a-z_]",
    r"=\?[a-z0-9_-]+\?[qb]\?",
    r"%(?:25|3d|26)",
    r",[ \t]-[a-z][a-z0-9_-]*,[ \t]",
)
_LAYER_ANSI, _LAYER_MARKUP, _LAYER_QUOTES, _LAYER_WORD, _LAYER_PERCENT, _LAYER_LIST = (
    re.compile(layer, re.IGNORECASE) for layer in _LAYERS
)
_DECODE_TRIGGER = (
    rf"{_OCR_TRIGGER}|[^\\]\\[nrt][^\s\\]|"
    r"\\u00|\\\\\\\"|\[[ \t]*\"[^\"]*\"[ \t]*,|\*\d+\\r\\n\$|proctitle=[0-9a-f]{8}"
    rf"|\^@|\b(?:a\d+|cmd)=[0-9a-f]{{16}}|{_HEX_WORDS}|argc=\d+[ \t]+a0=|,[ \t]-[a-z][\w-]*,[ \t]"
    r"|:\\/\\/|" + "|".join(_LAYERS)
)


def _unescaped(text: str, starts: list[int], ends: list[int]) -> View:
    out: list[str] = []
    new_starts: list[int] = []
    new_ends: list[int] = []
    for match in _ESCAPED.finditer(text):
        piece = match.group()
        if len(piece) == 1:
            char = piece
        elif len(piece) == 6:  # \uXXXX; a bare \u (as in C:\users) is an ordinary escape
            char = chr(int(piece[2:], 16))
        else:
            char = {"n": " ", "t": " ", "r": " "}.get(piece[1], piece[1])
        out.append(char)
        new_starts.append(starts[match.start()])
        new_ends.append(ends[match.end() - 1])
    return "".join(out), new_starts, new_ends


def _joined(text: str, match: re.Match[str], item: re.Pattern[str]) -> View:
    """The items of an argv array or a RESP frame as a command line, in place of the match."""
    out, starts, ends = (
        [text[: match.start()]],
        list(range(match.start())),
        list(range(1, match.start() + 1)),
    )
    for n, found in enumerate(item.finditer(text, match.start(), match.end())):
        a, b = found.span(1)
        word = text[a:b].upper() if n == 0 and item is _RESP_ITEM else text[a:b]
        out.append(word + " ")  # a RESP command is case-insensitive: auth is AUTH
        starts += [*range(a, b), b]
        ends += [*range(a + 1, b + 1), b]
    out.append(text[match.end() :])
    starts += range(match.end(), len(text))
    ends += range(match.end() + 1, len(text) + 1)
    return "".join(out), starts, ends


def _views(text: str) -> Iterator[View]:
    ocr = _ocr_view(text)
    if ocr is not None:
        yield ocr
    if "\\" in text:
        view: View = (text, list(range(len(text))), list(range(1, len(text) + 1)))
        for _ in range(3):  # escaped JSON inside escaped JSON
            decoded = _unescaped(*view)
            if decoded[0] == view[0]:
                break
            view = decoded
            yield view
    lists = ((_ARGV, _ARGV_ITEM), (_RESP, _RESP_ITEM), (_EXECVE, _EXECVE_ITEM), (_LIST, _LIST_ITEM))
    for pattern, item in lists:
        for match in pattern.finditer(text):
            if item is _LIST_ITEM and not _LAYER_LIST.search(match.group()):
                continue
            if item in (_RESP_ITEM, _LIST_ITEM) or '"-' in match.group():  # (holds a flag)
                yield _joined(text, match, item)
    plain: View = (text, list(range(len(text))), list(range(1, len(text) + 1)))
    # (each view only where its piece of the trigger matches, so that the Hyperscan prefilter
    # never changes what is found)
    if _LAYER_ANSI.search(text):
        yield _substituted(plain, _ANSI, lambda match: "")
    if _LAYER_MARKUP.search(text):
        unmarked = _substituted(plain, _MARKUP, _unmarked)
        if unmarked[0] != text:
            yield unmarked
    if _LAYER_QUOTES.search(text):  # a CSV cell's doubled quotes around JSON: {""secret"":""X""}
        yield _substituted(plain, _DOUBLED_QUOTE, lambda match: '"')
    if _LAYER_WORD.search(text):  # a mail header's encoded words: =?UTF-8?Q?code_:_630640?=
        yield _substituted(plain, _ENCODED_WORD, _decoded_word)
    if _LAYER_PERCENT.search(text):
        percent = plain
        for _ in range(2):  # a query inside a query: %253D is %3D is =
            decoded = _substituted(percent, _PERCENT, _unpercented)
            if decoded[0] == percent[0]:
                break
            percent = decoded
            yield percent
    if "^@" in text:  # cat -v of /proc/<pid>/cmdline: NULs between the arguments
        yield text.replace("^@", "  "), list(range(len(text))), list(range(1, len(text) + 1))
    for match in _PROCTITLE.finditer(text):
        group = match.lastindex or 1
        raw = bytes.fromhex(match.group(group)).replace(b"\0", b" ").decode("latin-1")
        at = match.start(group)
        yield (
            raw,
            [at + 2 * i for i in range(len(raw))],
            [at + 2 * i + 2 for i in range(len(raw))],
        )


def _ocr_view(text: str) -> View | None:
    """``text`` with OCR-misread secret words spelt right (one character may stand for two)."""
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    at = 0
    for match in _OCR_WORD.finditer(text):
        if match.group().lower() in ("password", "pin"):
            continue
        for i in range(at, match.start()):
            out.append(text[i])
            starts.append(i)
            ends.append(i + 1)
        i = match.start()
        while i < match.end():
            if text[i : i + 2].lower() == "vv":
                out.append("w")
                starts.append(i)
                ends.append(i + 2)
                i += 2
                continue
            out.append(text[i].lower().translate(_OCR_LETTERS))
            starts.append(i)
            ends.append(i + 1)
            i += 1
        at = match.end()
    if at == 0:
        return None
    for i in range(at, len(text)):
        out.append(text[i])
        starts.append(i)
        ends.append(i + 1)
    return "".join(out), starts, ends


def decoded(text: str) -> Iterator[tuple[int, int]]:
    for view, starts, ends in _views(text):
        for _, finders in FAMILIES:
            for finder in finders:
                if finder is decoded:
                    continue
                for start, end in finder(view):
                    if start < end:
                        yield starts[start], ends[end - 1]


# (Hyperscan trigger, finders): each trigger matches wherever any of its finders can.
FAMILIES: Final[tuple[tuple[str, tuple[Finder, ...]], ...]] = (
    (
        # Hyperscan folds ASCII case only: the capitalized Cyrillic and Greek words spelt out
        KEYWORD + "|login|authorization|identified|sessionid"
        "|\u041f\u0430\u0440\u043e\u043b\u044c|\u0422\u043e\u043a\u0435\u043d"
        "|\u041b\u043e\u0437\u0438\u043d\u043a\u0430|\u041f\u0430\u0440\u043e\u043b\u0430"
        "|\u041a\u043b\u044e\u0447|\u039a\u03bb\u03b5\u03b9\u03b4\u03af"  # Ключ, Κλειδί
        "|\u039a\u03c9\u03b4\u03b9\u03ba\u03cc\u03c2",
        (keyword_secrets,),
    ),
    (r"bearer[ \t]|basic[ \t]", (_any_group(_BEARER), _any_group(_BASIC_PAIR))),
    (
        rf"(?:login|logon|authenticate|connect|construct|pdo|credential|setpassword|{_STRONG}"
        r"|token|auth|client|init|phrase|pw)"
        r"\w*[ \t]*=?[ \t]*\(",
        (lambda text: calls(text, text.translate(_LOWER)),),
    ),
    (r"\\x00|\\0|\\u0000|\^@", (sasl_nul,)),
    (
        r"c:[ \t]*[a-z0-9+/]{8}|>>>?[ \t]*[a-z0-9+/]{8}|~>[ \t]*[a-z0-9+/]{8}"
        r"|send:[ \t]*b?['\"][a-z0-9+/]{8}",
        (client_lines,),
    ),
    (
        r"@[a-z0-9-]+(?:\.[a-z0-9-]+)+:[^\s:/]|(?:auth|login|authtoken)[ \t]+[^\s]"
        r"|[a-z0-9`'\"][ \t]/[ \t][^\s/]",
        (user_passwords,),
    ),
    (
        r"mysql|mariadb|sshpass|login|redis-cli|ldap|sqlcmd|bcp|osql|<<<|ssh-keygen|cryptsetup"
        r"|-u[ \t=]|--user|snmp|add_user|change_password"
        r"|set_password|passwd[ \t]+-|chpasswd|net[ \t]+use|net[ \t]+user|echo|printf"
        r"|(?:password|secret|key|key-string)[ \t]+[0-9][ \t]|openssl",
        (_any_group(_CLI),),
    ),
    (r"://[^\s/@]*@|%3a%2f%2f[^\s%/&]*%3a", (url_credentials, url_keys)),
    (
        r"/bot\d|/api/webhooks/|/incomingwebhook/|hooks\.slack\.com/|/hooks/catch/",
        (_any_group(_WEBHOOK),),
    ),
    (
        r"/(?:hooks?|webhooks?|keys?|tokens?|secrets?|apikey|api[-_]key|access[-_]token|trigger"
        r"|catch|inputs)/",
        (path_keys,),
    ),
    (
        r"(?:^|[ \t])[\"']?-[pwakn]|(?:^|[ \t])[\"']?-[ax][\"']?,?[ \t]*[^\s-]"
        r"|[ \t]/(?:rp|p|password|passwd|pwd|pw|de|decrypt)[ \t:]",
        (short_flags,),
    ),
    (r"[a-z_][a-z0-9_$#]*/[^\s/@]+@", (slash_at,)),
    (
        r":\d+:[^\s:]+:[^\s:]+:|:\*:[^\s:]+:[^\s:]+:|:aes\d+-cts|:des-cbc|:des3-cbc|:rc4[-_]hmac"
        r"|:arcfour-hmac|-hashes[ \t]",
        (pgpass, pwdump),
    ),
    (r"\$[a-z0-9-]{1,12}\$", (_any_group(_CRYPT),)),
    (r"\{[a-z0-9.-]{2,20}\}[^\s:]", (_any_group(_SCHEMED),)),
    (r"^[ \t]*(?:r[ow]community6?|com2sec6?)[ \t]", (snmp_communities,)),
    (
        r"@(?:tcp6?|udp|unix)\(|connection info string|^[ \t]*\"[^\"]+\"[ \t]+\"|\*[0-9a-f]{40}"
        r"|_secret|client_random|^[ \t]*\d{2,12}[ \t]*=>"
        r"|^[ \t]*(?:\[[^\]\s]+\]|[\w.-]+):\d{1,5}[ \t]"
        r"|[ \t]reg_[a-z]|nickserv|auth\.\.|[ \t]using[ \t]|(?:\x01|\||\^a|[ \t])(?:554|925)="
        r"|bundle_[a-z0-9_]*__",
        (structured,),
    ),
    (
        r"(?:^|[^a-z0-9])(?:pin|puk)"
        rf"|{_DOOR_CODE}"
        r"|(?:^|[^a-z0-9])otp|one-time"
        r"|verification[ -]code|(?:2fa|mfa|sms)[ -]code|code[ \t]+(?:they|i|we|you)[ \t]"
        r"|(?:sign-?in|log-?in|security|one-time|confirmation|bypass)[ \t-]+code|code[ \t]+de[ \t]"
        r"|c\xc3\xb3digo[ \t]+de[ \t]|(?:best\xc3\xa4tigungs|verifizierungs|sicherheits)code"
        r"|your[ \t]+(?:[\w-]+[ \t]+)?code"
        r"|(?:use|enter|type|sent|texted|sending)[ \t]+(?:\w+[ \t]+)?code"
        r"|code[ \t]+(?:on|in|from)[ \t]|nambari[ \t]"
        "|\u0913\u091f\u0940\u092a\u0940|\u092a\u093f\u0928|\u09aa\u09bf\u09a8"
        "|\u9a8c\u8bc1\u7801|\u9a57\u8b49\u78bc|\u6821\u9a8c\u7801|\u52a8\u6001\u7801"
        "|\u8a8d\u8a3c\u30b3\u30fc\u30c9|\u78ba\u8a8d\u30b3\u30fc\u30c9|\uc778\uc99d"
        r"|code[ \t]+(?:\S+[ \t]+|\w'){0,4}(?:alarm|door|t\xc3\xbcr|porte|puerta|safe|gate|cage)"
        r"|\xd0\x9f\xd0\x98\xd0\x9d|\xd0\xbf\xd0\xb8\xd0\xbd"
        r"|(?:recovery|backup|scratch|emergency)[ \t_-]code|(?:safe|lock|vault|cage)[ \t]+combo"
        r"|wiederherstellungscode|notfallcode|backupcode|herstelcode|gendannelseskode"
        r"|terst\xc3\xa4llningskod|codes?[ \t]+de[ \t]+(?:r\xc3\xa9cup|secours)"
        r"|c\xc3\xb3digos?[ \t]+de[ \t]+(?:recuperaci|respaldo)"
        r"|(?:master|installer|duress|override|supervisor|manager|arm|arming|disarm|unlock|panic"
        r"|engineer|maintenance|pairing|secret|tech|technician|menu|admin|setup|onboarding"
        r"|commissioning|activation|enrol(?:l)?ment)[ \t-]+code"
        r"|code[ \t]+(?:secret|d'acc)|[a-z]pin[\"']?[ \t]*[:=>]"
        r"|(?:sikkerheds|sikkerhets|s\xc3\xa4kerhets|beveiligings|veiligheids|adgangs|tilgangs"
        r"|toegangs)kod|host[ \t]+key|cl\xc3\xa9[ \t]+d'h",
        (pins,),
    ),
    (
        r"log(?:ging|ged)?[ \t]*-?in[ \t]+(?:as[ \t]+\S+[ \t]+)?with[ \t]|login[ \t]+(?:is[ \t]|:)",
        (login_with,),
    ),
    (TOOL_TRIGGER, (tool_arguments,)),
    (
        rf"(?:^|[^a-z0-9])[a-z0-9],?[ \t]+[a-z0-9],?[ \t]+[a-z0-9],?[ \t]+[a-z0-9](?:[^a-z0-9]|$)"
        rf"|(?:{_NUMBER_WORDS})[ \t,]+(?:{_NUMBER_WORDS})[ \t,]|capital[ \t]|upper[ -]?case[ \t]",
        (spoken,),
    ),
    (r"<t[dh][ \t>]", (html_tables,)),
    # decoded() runs every other family on its views.
    (_DECODE_TRIGGER, (decoded,)),
    # Once per run of token characters, not at each of its positions (multi-line mode: "^").
    (r"(?:^|[^a-z0-9+/_-])[a-z0-9+/_-]{20}", (random_tokens,)),
    (secret_shapes.TRIGGER, (shaped_tokens,)),
)
