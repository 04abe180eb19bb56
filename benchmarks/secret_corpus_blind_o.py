# ruff: noqa: E501, RUF001, UP031
"""Sealed blind corpus O for the log/secret sanitizer, written by helper O on 2026-12-03 without reading the sanitizer, its tests, the other corpora or any benchmark.

Theme: places where secrets leak into incident material outside the usual
cloud/Kubernetes/CI examples -- healthcare integration (HL7 v2 over MLLP, FHIR
servers and SMART apps, DICOM/PACS, Mirth Connect, other EHR interface engines),
finance and payments (FIX logon tags 553/554/925, SWIFT Alliance, payment
gateways, card terminals, banking batch jobs, PCI tooling, HSM key ceremonies),
industrial/OT (SCADA/HMI, PLC engineering tools, OPC UA / Modbus / MQTT
gateways, process historians, BACnet building management), crypto wallets and
nodes (BIP39 mnemonics, WIF/hex/xprv keys, keystores and validator keys,
exchange API key pairs), mail and DNS servers (Postfix, Dovecot, Exim, TSIG,
DKIM, PowerDNS, DNSSEC), directory and auth plumbing (Kerberos, SSSD, Samba,
FreeIPA, RADIUS, TACACS+), game and media servers (RCON, Icecast/Shoutcast,
RTMP/SRT stream keys, Plex/Jellyfin), scientific systems (LIMS, instruments,
iRODS, Globus, Slurm, JupyterHub), telecom back office (SMPP, SIP trunks,
billing mediation, Diameter), and human text about all of these: on-call chat,
incident timelines, tickets, handover notes and e-mails in English, Dutch,
Polish, Portuguese, Greek, Turkish, German, Spanish, French, Vietnamese,
Indonesian, Hindi, Swahili, Hebrew, Arabic and Japanese, including passwords
spelled out, dictated in the NATO alphabet, split, quoted, parenthesised, given
after a dash or on the line after the question.

SEED = 20261207, VARIANTS = 2 (every template is rendered twice with fresh
secrets and fresh surrounding names, hosts, addresses and timestamps).

Counts (as returned by _check()):
    families         41
    case templates   462
    cases            924
    planted values   1072
    keep templates   134
    keep entries     268
    keep tokens      312

Every Case lists in ``values`` every secret planted in its lines.  Keep entries
hold diagnostic tokens (trace/span ids, UUIDs, HL7 control ids, FIX ClOrdIDs,
DICOM UIDs, digests, commit SHAs, error codes, metric and config key names, TSIG
key names, block/tx hashes, versions, serials, ...) that a sanitizer must leave
verbatim; none of them equals or is contained in any planted value.
Pure standard library, deterministic, Python 3.11+.
"""

from __future__ import annotations

import base64
import datetime as _dt
import hashlib
import json
import random
import re
import string
from typing import NamedTuple

SEED = 20261207
VARIANTS = 2  # each template rendered twice with fresh secrets and fresh surrounding names


class Case(NamedTuple):
    family: str
    format: str
    lines: tuple[str, ...]
    values: tuple[str, ...]


class Keep(NamedTuple):
    format: str
    lines: tuple[str, ...]
    tokens: tuple[str, ...]


# ---------------------------------------------------------------------------
# template registry
#
# Template text uses placeholders of the form  ⟦name⟧, ⟦name(args)⟧,
# ⟦name:tag⟧ or ⟦name(args):tag⟧.  A tag makes later occurrences reuse the
# same rendered value.  Secret kinds are recorded as planted values; keep
# kinds (prefix "k.") and literal keep tokens (⟦k=TOKEN⟧) are recorded as
# diagnostic tokens; everything else is surrounding text.
# ---------------------------------------------------------------------------

_TEMPLATES: list[tuple[str, str, str]] = []
_KEEP_TEMPLATES: list[tuple[str, str]] = []
_CUR_FAMILY = [""]


def _fam(name: str) -> None:
    _CUR_FAMILY[0] = name


def _t(fmt: str, text: str) -> None:
    _TEMPLATES.append((_CUR_FAMILY[0], fmt, text.strip("\n")))


def _k(fmt: str, text: str) -> None:
    _KEEP_TEMPLATES.append((fmt, text.strip("\n")))


# ---------------------------------------------------------------------------
# word lists
# ---------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    return text.split()


_SITES = _words(
    "ams rtm utr ehv waw krk gdn poz ist ank izm sgn han dad cgk sub bdg nbo mba ksm tlv hfa "
    "bom del blr maa lis opo ath skg fra muc lhr man dub mad bcn gru yyz ord sea"
)

_DOMAINS = _words(
    "rivierzorg.nl zkh-westland.nl szpital-praski.pl medlab-krakow.pl kuzeyhastane.com.tr "
    "anadolupay.com.tr benhvien-saigon.vn nusantara-medika.co.id bayarcepat.co.id afyalink.co.ke "
    "mawasiliano-tel.co.ke hadarim-med.co.il sahyadri-labs.in atlantico-saude.pt pagamentos-tejo.pt "
    "aigaio-energy.gr hellas-clinic.gr nordkasse.example brightwater-energy.example "
    "meridian-health.example tidewater-bank.example corvid-games.example lumen-radio.example "
    "helix-biolab.example quanta-telecom.example polder-waterschap.nl vistula-grid.pl"
)

_FIRST = _words(
    "Joris Anouk Sanne Bram Agnieszka Piotr Katarzyna Tomasz Mehmet Elif Zeynep Emre Thanh Linh Minh "
    "Huong Budi Siti Dewi Agus Giorgos Eleni Dimitris Maria Yael Avi Noa Itai Priya Rahul Ananya Vikram "
    "Wanjiru Baraka Amina Otieno Joao Ines Rui Beatriz Kate Marcus Dana Tom Femke Lukas Sofia Omar"
)

_LAST = _words(
    "devries janssen bakker visser kowalski nowak wisniewski yilmaz demir kaya nguyen tran pham "
    "santoso wijaya hidayat papadopoulos georgiou nikolaou cohen levi mizrahi sharma patel iyer "
    "mwangi otieno kamau silva ferreira costa smith okafor garcia mueller jansen dekker"
)

_PWWORDS = _words(
    "summer winter autumn spring falcon harbor maple cedar river ocean sunset panda coffee pepper "
    "ginger lemon mango cobalt orbit pixel quartz sierra tango viking zebra anchor bison canyon delta "
    "ember glacier hazel indigo jasper lotus meadow onyx pebble raven saffron thistle velvet willow "
    "monday december welcome portal radiology cardio pharmacy ledger trader turbine boiler chiller "
    "station tower signal beacon zomer fiets tulp molen lato kwiatek slonce deniz gunes bahar mua hoa "
    "hujan bunga mawar baridi simba jua praia saudade thalassa ilios shalom tapuz surya barish kamal "
    "kestrel nimbus copper granite lantern orchid"
)

_PHRASEWORDS = _words(
    "correct horse battery staple purple monkey dishwasher orange tractor river stone blue harbor "
    "seven lantern quiet morning green bicycle windmill tulip cheese canal herring polder amber "
    "dragon yellow submarine tiger forest autumn coffee window garden silver copper paper kite "
    "thunder marble violet ocean cactus pepper piano rocket saddle meadow walnut falcon velvet "
    "glacier orchard compass ember lemon pebble"
)

_BIP39 = _words(
    "abandon ability able about above absent absorb abstract absurd abuse access accident account "
    "accuse achieve acid acoustic acquire across action actor actress actual adapt address adjust "
    "admit adult advance advice aerobic affair afford afraid again agent agree ahead airport aisle "
    "alarm album alcohol alert alien alley allow almost alone alpha already alter always amateur "
    "amazing among amount amused analyst anchor ancient anger angle angry animal ankle announce annual "
    "another answer antenna antique anxiety apart apology appear apple approve april arch arctic arena "
    "argue armed armor army around arrange arrest arrive arrow artefact artist artwork aspect assault "
    "asset assist assume asthma athlete attack attend attitude attract auction audit august aunt "
    "author autumn average avocado avoid awake aware awesome awful awkward axis baby bachelor bacon "
    "badge balance balcony bamboo banana banner barely bargain barrel basic basket battle beach bean "
    "beauty because become beef before begin behave behind believe below bench benefit betray better "
    "between beyond bicycle biology bird birth bitter black blade blame blanket blast bleak bless blind "
    "blood blossom blouse blue blur blush board boat body boil bomb bone bonus book boost border boring "
    "borrow boss bottom bounce brain brand brass brave bread breeze brick bridge brief bright bring "
    "brisk broccoli broken bronze broom brother brown brush bubble buddy budget buffalo build bulb bulk "
    "bullet bundle bunker burden burger burst business busy butter buyer buzz cabbage cabin cable "
    "cactus cage cake call calm camera camp canal cancel candy cannon canoe canvas canyon capable "
    "capital captain carbon card cargo carpet carry cart case cash casino castle casual catalog catch "
    "category cattle caught cause caution cave ceiling celery cement census century cereal certain "
    "chair chalk champion change chaos chapter charge chase cheap check cheese chef cherry chest "
    "chicken chief child chimney choice choose chronic chuckle chunk churn cigar cinnamon circle "
    "citizen city civil claim clap clarify claw clay clean clerk clever click client cliff climb "
    "clinic clip clock clog close cloth cloud clown club clump cluster clutch coach coast coconut "
    "coffee coil coin collect color column combine come comfort comic common company concert conduct "
    "confirm congress connect consider control convince cook cool copper copy coral core corn correct "
    "cost cotton couch country couple course cousin cover coyote crack cradle craft cram crane crash "
    "crater crawl crazy cream credit creek crew cricket crime crisp critic crop cross crouch crowd "
    "crucial cruel cruise crumble crunch crush crystal cube culture cupboard curious current curtain "
    "curve cushion custom cute cycle dad damage damp dance danger daring dash daughter dawn debate "
    "debris decade december decide decline decorate decrease deer defense define defy degree delay "
    "deliver demand denial dentist deny depart depend deposit depth deputy derive describe desert "
    "design desk despair destroy detail detect develop device devote diagram dial diamond diary dice "
    "diesel diet differ digital dignity dilemma dinner dinosaur direct dirt disagree discover disease "
    "dish dismiss disorder display distance divert divide divorce dizzy doctor document dolphin domain "
    "donate donkey donor door dose double dove draft dragon drama drastic draw dream dress drift drill "
    "drink drip drive drop drum dry duck dumb dune during dust dutch duty dwarf dynamic eager eagle "
    "early earn earth easily east easy echo ecology economy edge edit educate effort eight either "
    "elbow elder electric elegant element elephant elevator elite else embark embody embrace emerge "
    "emotion employ empower empty enable enact endless endorse enemy energy enforce engage engine "
    "enhance enjoy enlist enough enrich enroll ensure enter entire entry envelope episode equal equip "
    "erase erode erosion error erupt escape essay essence estate eternal ethics evidence evil evoke "
    "evolve exact example excess exchange excite exclude excuse execute exercise exhaust exhibit exile "
    "exist exit exotic expand expect expire explain expose express extend extra eyebrow fabric face "
    "faculty fade faint faith fall false fame family famous fancy fantasy farm fashion fatal father "
    "fatigue fault favorite feature february federal feel female fence festival fetch fever fiber "
    "fiction field figure file film filter final find fine finger finish fire firm first fiscal fish "
    "fitness flag flame flash flat flavor flee flight flip float flock floor flower fluid flush foam "
    "focus fold follow food foot force forest forget fork fortune forum forward fossil foster found "
    "fragile frame frequent fresh friend fringe frog front frost frown frozen fruit fuel funny furnace "
    "fury future gadget gain galaxy gallery game garage garbage garden garlic garment gasp gate gather "
    "gauge gaze general genius genre gentle genuine gesture ghost giant gift giggle ginger giraffe "
    "girl give glad glance glare glass glide glimpse globe gloom glory glove glow glue goat goddess "
    "gold good goose gorilla gospel gossip govern gown grab grace grain grant grape grass gravity "
    "great green grid grief grit grocery group grow grunt guard guess guide guilt guitar gym habit "
    "hair half hammer hamster hand happy harbor hard harsh harvest hawk hazard head health heart heavy "
    "hedgehog height hello helmet help hero hidden high hill hint hip hire history hobby hockey hold "
    "hole holiday hollow home honey hood hope horn horror horse hospital host hotel hour hover hub "
    "huge human humble humor hundred hungry hunt hurdle hurry hurt husband hybrid ice icon idea "
    "identify idle ignore illegal illness image imitate immense immune impact impose improve impulse "
    "inch include income increase index indicate indoor industry infant inflict inform inhale inherit "
    "initial inject injury inmate inner innocent input inquiry insane insect inside inspire install "
    "intact interest into invest invite involve iron island isolate issue item ivory jacket jaguar "
    "jazz jealous jeans jelly jewel join joke journey judge juice jump jungle junior junk just "
    "kangaroo keen keep ketchup kick kidney kind kingdom kiss kitchen kite kitten kiwi knee knife "
    "knock know labor ladder lady lake lamp language laptop large later latin laugh laundry lava "
    "lawn lawsuit layer lazy leader leaf learn leave lecture left legal legend leisure lemon lend "
    "length lens leopard lesson letter level liar liberty library license life lift light like limb "
    "limit link lion liquid list little live lizard load loan lobster local lock logic lonely long "
    "loop lottery loud lounge love loyal lucky luggage lumber lunar lunch luxury lyrics machine magic "
    "magnet maid mail main major make mammal manage mandate mango mansion manual maple marble march "
    "margin marine market marriage mask mass master match material math matrix matter maximum maze "
    "meadow mean measure meat mechanic medal media melody melt member memory mention menu mercy merge "
    "merit merry mesh message metal method middle midnight milk million mimic mind minimum minor "
    "minute miracle mirror misery miss mistake mixed mixture mobile model modify moment monitor "
    "monkey monster month moon moral more morning mosquito mother motion motor mountain mouse move "
    "movie much muffin mule multiply muscle museum mushroom music must mutual myself mystery myth "
    "naive name napkin narrow nasty nation nature near neck need negative neglect neither nephew "
    "nerve nest network neutral never news next nice night noble noise nominee noodle normal north "
    "nose notable note nothing notice novel number nurse oak obey object oblige obscure observe obtain "
    "obvious occur ocean october odor office often olive olympic omit once onion online only open "
    "opera opinion oppose option orange orbit orchard order ordinary organ orient original orphan "
    "ostrich other outdoor outer output outside oval oven over owner oxygen oyster ozone pact paddle "
    "page pair palace palm panda panel panic panther paper parade parent park parrot party pass patch "
    "path patient patrol pattern pause pave payment peace peanut pear peasant pelican penalty pencil "
    "people pepper perfect permit person pet phone photo phrase physical piano picnic picture piece "
    "pigeon pill pilot pink pioneer pipe pistol pitch pizza place planet plastic plate play please "
    "pledge pluck plug plunge poem poet point polar pole police pond pony pool popular portion "
    "position possible post potato pottery poverty powder power practice praise predict prefer "
    "prepare present pretty prevent price pride primary print priority prison private prize problem "
    "process produce profit program project promote proof property prosper protect proud provide "
    "public pudding pull pulp pulse pumpkin punch pupil puppy purchase purity purpose purse push "
    "puzzle pyramid quality quantum quarter question quick quit quiz quote rabbit raccoon race rack "
    "radar radio rail rain raise rally ramp ranch random range rapid rare rate rather raven razor "
    "ready real reason rebel rebuild recall receive recipe record recycle reduce reflect reform "
    "refuse region regret regular reject relax release relief rely remain remember remind remove "
    "render renew rent reopen repair repeat replace report require rescue resemble resist resource "
    "response result retire retreat return reunion reveal review reward rhythm ribbon rice rich ride "
    "ridge rifle right rigid ring riot ripple risk ritual rival river road roast robot robust rocket "
    "romance roof rookie room rose rotate rough round route royal rubber rude rug rule runway rural "
    "sad saddle sadness safe sail salad salmon salon salt salute same sample sand satisfy satoshi "
    "sauce sausage save scale scan scare scatter scene scheme school science scissors scorpion scout "
    "scrap screen script scrub search season seat second secret section security seed seek segment "
    "select sell seminar senior sense sentence series service session settle setup seven shadow "
    "shaft shallow share shed shell sheriff shield shift shine ship shiver shock shoe shoot shop "
    "short shoulder shove shrimp shrug shuffle sibling sick side siege sight sign silent silk silly "
    "silver similar simple since sing siren sister situate size skate sketch skill skin skirt skull "
    "slab slam sleep slender slice slide slight slim slogan slot slow slush small smart smile smoke "
    "smooth snack snake snap sniff snow soap soccer social sock soda soft solar soldier solid "
    "solution solve someone song soon sorry sort soul sound soup source south space spare spatial "
    "spawn speak special speed spell spend sphere spice spider spike spin spirit split spoil sponsor "
    "spoon sport spot spray spread spring spy square squeeze squirrel stable stadium staff stage "
    "stairs stamp stand start state stay steak steel stem step stereo stick still sting stock "
    "stomach stone stool story stove strategy street strike strong struggle student stuff stumble "
    "style subject submit subway success such sudden suffer sugar suggest suit summer sunny sunset "
    "super supply supreme sure surface surge surprise surround survey suspect sustain swallow swamp "
    "swap swarm swear sweet swift swim swing switch sword symbol symptom syrup system table tackle "
    "tag tail talent talk tank tape target task taste tattoo taxi teach team tell tenant tennis tent "
    "term test text thank that theme then theory there they thing this thought three thrive throw "
    "thumb thunder ticket tide tiger tilt timber time tiny tip tired tissue title toast tobacco today "
    "toddler together toilet token tomato tomorrow tone tongue tonight tool tooth topic topple torch "
    "tornado tortoise toss total tourist toward tower town toy track trade traffic tragic train "
    "transfer trap trash travel tray treat tree trend trial tribe trick trigger trim trip trophy "
    "trouble truck true truly trumpet trust truth tuition tumble tuna tunnel turkey turn turtle "
    "twelve twenty twice twin twist type typical ugly umbrella unable unaware uncle uncover under "
    "undo unfair unfold unhappy uniform unique unit universe unknown unlock until unusual unveil "
    "update upgrade uphold upon upper upset urban urge usage useful useless usual utility vacant "
    "vacuum vague valid valley valve vanish vapor various vast vault vehicle velvet vendor venture "
    "venue verb verify version very vessel veteran viable vibrant vicious victory video view village "
    "vintage violin virtual virus visa visit visual vital vivid vocal voice void volcano volume vote "
    "voyage wage wagon wait walk wall walnut want warfare warm warrior wash wasp waste water wave way "
    "wealth weapon wear weasel weather web wedding weekend weird welcome west whale what wheat wheel "
    "when where whip whisper wide width wife wild will win window wine wing wink winner winter wire "
    "wisdom wise wish witness wolf woman wonder wood wool word work world worry worth wrap wreck "
    "wrestle wrist write wrong yard year yellow young youth zebra zero zone zoo"
)

# ---------------------------------------------------------------------------
# primitive generators
# ---------------------------------------------------------------------------

_CS = {
    "an": string.ascii_letters + string.digits,
    "lan": string.ascii_lowercase + string.digits,
    "uan": string.ascii_uppercase + string.digits,
    "hex": "0123456789abcdef",
    "HEX": "0123456789ABCDEF",
    "num": string.digits,
    "b64": string.ascii_letters + string.digits + "+/",
    "u": string.ascii_letters + string.digits + "-_",
    "lc": string.ascii_lowercase,
    "b58": "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz",
    "bech": "qpzry9x8gf2tvdw0s3jn54khce6mua7l",
    "crypt": "./" + string.digits + string.ascii_uppercase + string.ascii_lowercase,
    "gen": "ABCDEFGHJKLMNPQRSTUVWXYZ23456789",
}


def _rs(r: random.Random, cs: str, n: int) -> str:
    chars = _CS.get(cs, cs)
    return "".join(r.choice(chars) for _ in range(n))


def _rs_mixed(r: random.Random, cs: str, n: int) -> str:
    """random string that contains at least one digit and one letter (when the charset allows)."""
    for _ in range(50):
        s = _rs(r, cs, n)
        has_d = any(c.isdigit() for c in s)
        has_a = any(c.isalpha() for c in s)
        chars = _CS.get(cs, cs)
        need_d = any(c.isdigit() for c in chars)
        need_a = any(c.isalpha() for c in chars)
        if (has_d or not need_d) and (has_a or not need_a):
            return s
    return s


def _b58(data: bytes) -> str:
    alphabet = _CS["b58"]
    n = int.from_bytes(data, "big")
    out = ""
    while n:
        n, rem = divmod(n, 58)
        out = alphabet[rem] + out
    pad = len(data) - len(data.lstrip(b"\0"))
    return "1" * pad + out


def _b58check(payload: bytes) -> str:
    chk = hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4]
    return _b58(payload + chk)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


# ---- human passwords --------------------------------------------------------

_LEET = {"a": "@4", "e": "3", "i": "1!", "o": "0", "s": "$5", "t": "7", "l": "1"}


def _leet(r: random.Random, word: str) -> str:
    out = []
    changed = 0
    for ch in word:
        sub = _LEET.get(ch.lower())
        if sub and r.random() < 0.7:
            out.append(r.choice(sub))
            changed += 1
        else:
            out.append(ch)
    if not changed:
        out[-1] = "0"
    return "".join(out)


def _pwh(r: random.Random) -> str:
    """human password with a symbol."""
    w = r.choice(_PWWORDS)
    w2 = r.choice(_PWWORDS)
    style = r.randrange(5)
    if style == 0:
        return w.capitalize() + str(r.randint(1990, 2027)) + r.choice("!#$@*?.")
    if style == 1:
        return w.capitalize() + r.choice("#@!_.") + str(r.randint(10, 9999))
    if style == 2:
        return (
            w.capitalize()
            + r.choice("-_.")
            + w2.capitalize()
            + str(r.randint(1, 99))
            + r.choice("!?#")
        )
    if style == 3:
        return r.choice("!#") + w.capitalize() + str(r.randint(100, 999))
    return w + w2.capitalize() + r.choice("!$%") + str(r.randint(1, 99))


def _pwn(r: random.Random) -> str:
    """human password, letters and digits only (URL and shell safe)."""
    w = r.choice(_PWWORDS)
    w2 = r.choice(_PWWORDS)
    style = r.randrange(4)
    if style == 0:
        return w.capitalize() + str(r.randint(1990, 2027))
    if style == 1:
        return w + w2 + str(r.randint(1, 99))
    if style == 2:
        return w.capitalize() + w2.capitalize() + str(r.randint(1, 999))
    return w.upper()[:5] + str(r.randint(100, 99999))


def _pwl(r: random.Random) -> str:
    """leetspeak password."""
    w = r.choice([x for x in _PWWORDS if len(x) >= 5])
    base = _leet(r, w.capitalize())
    style = r.randrange(3)
    if style == 0:
        return base + str(r.randint(1, 99)) + r.choice("!#$")
    if style == 1:
        return base + r.choice("_#") + _leet(r, r.choice(_PWWORDS))
    return base + str(r.randint(2019, 2027))


def _pwp(r: random.Random) -> str:
    """punctuation heavy random password."""
    sym = "!@#$%^*-_=+?~."
    n = r.randint(11, 18)
    while True:
        s = [r.choice(_CS["an"] + sym) for _ in range(n)]
        for _ in range(2):
            s[r.randrange(n)] = r.choice(sym)
        s[r.randrange(n)] = r.choice(string.digits)
        st = "".join(s)
        if st[0] not in "-=+~" and any(c.isupper() for c in st) and any(c.islower() for c in st):
            return st


def _pwu(r: random.Random) -> str:
    """8 char uppercase generated password (mainframe / appliance style)."""
    return _rs_mixed(r, "gen", 8)


def _pws(r: random.Random) -> str:
    """short 6-10 char password."""
    style = r.randrange(3)
    if style == 0:
        w = r.choice([x for x in _PWWORDS if 3 <= len(x) <= 7])
        return w + str(r.randint(1, 999))
    if style == 1:
        return _rs_mixed(r, "lan", r.randint(6, 9))
    w = r.choice([x for x in _PWWORDS if 3 <= len(x) <= 6])
    return w.capitalize() + str(r.randint(10, 99)) + r.choice("!#")


def _pw(r: random.Random) -> str:
    return r.choice([_pwh, _pwn, _pwl, _pwp, _pwu, _pws])(r)


def _pw8(r: random.Random) -> str:
    """SMPP style password, at most 8 chars."""
    style = r.randrange(3)
    if style == 0:
        return _rs_mixed(r, "an", 8)
    if style == 1:
        w = r.choice([x for x in _PWWORDS if 3 <= len(x) <= 5])
        return (w + str(r.randint(100, 999)))[:8]
    return _rs_mixed(r, "gen", r.randint(6, 8))


def _phrase(r: random.Random) -> str:
    return " ".join(r.sample(_PHRASEWORDS, r.randint(4, 5)))


def _phrasep(r: random.Random) -> str:
    words = r.sample(_PHRASEWORDS, r.randint(3, 4))
    sep = r.choice("-.-_")
    tail = str(r.randint(1, 99)) if r.random() < 0.5 else ""
    return sep.join(words) + tail


def _mnemonic(r: random.Random, n: int) -> str:
    return " ".join(r.choice(_BIP39) for _ in range(n))


def _crypt_hash(r: random.Random, kind: str) -> str:
    if kind == "sha512crypt":
        return "$6$" + _rs(r, "crypt", 16) + "$" + _rs(r, "crypt", 86)
    if kind == "bcrypt":
        return (
            "$2" + r.choice("aby") + "$" + r.choice(["08", "10", "12"]) + "$" + _rs(r, "crypt", 53)
        )
    if kind == "ciscotype9":
        return "$9$" + _rs(r, "crypt", 14) + "$" + _rs(r, "crypt", 43)
    if kind == "md5crypt":
        return "$1$" + _rs(r, "crypt", 8) + "$" + _rs(r, "crypt", 22)
    raise KeyError(kind)


def _uuid4(r: random.Random) -> str:
    h = list(_rs(r, "hex", 32))
    h[12] = "4"
    h[16] = r.choice("89ab")
    s = "".join(h)
    return f"{s[:8]}-{s[8:12]}-{s[12:16]}-{s[16:20]}-{s[20:]}"


def _wif(r: random.Random, compressed: bool = True) -> str:
    key = r.randbytes(32)
    payload = b"\x80" + key + (b"\x01" if compressed else b"")
    return _b58check(payload)


def _xprv(r: random.Random) -> str:
    payload = (
        bytes.fromhex("0488ade4")
        + bytes([r.choice([0, 3, 4])])
        + r.randbytes(4)
        + r.randbytes(4)
        + r.randbytes(32)
        + b"\x00"
        + r.randbytes(32)
    )
    return _b58check(payload)


def _pem_ec_lines(r: random.Random) -> list[str]:
    der = (
        bytes.fromhex("30770201010420")
        + r.randbytes(32)
        + bytes.fromhex("a00a06082a8648ce3d030107a144034200")
        + b"\x04"
        + r.randbytes(64)
    )
    b = _b64(der)
    return [b[i : i + 64] for i in range(0, len(b), 64)]


def _ed25519_pkcs8(r: random.Random) -> str:
    der = bytes.fromhex("302e020100300506032b657004220420") + r.randbytes(32)
    return _b64(der)


def _jwt(r: random.Random) -> str:
    alg = r.choice(["RS256", "HS256", "ES256"])
    header = {"alg": alg, "typ": "JWT"}
    if alg != "HS256":
        header["kid"] = _rs(r, "lan", 10)
    now = 1796000000 + r.randint(0, 3_000_000)
    payload = {
        "iss": r.choice(
            [
                "https://auth.local/realms/clinical",
                "fhir-auth",
                "https://idp.internal/oauth2",
                "slurm",
            ]
        ),
        "sub": r.choice([_uuid4(r), "svc-" + _rs(r, "lc", 6), str(r.randint(1000, 99999))]),
        "iat": now,
        "exp": now + r.choice([300, 900, 3600]),
    }
    if r.random() < 0.6:
        payload["scope"] = r.choice(
            ["system/*.read", "patient/*.read launch", "user/Observation.read", "openid profile"]
        )
    sig_len = 256 if alg == "RS256" else (64 if alg == "ES256" else 32)
    return (
        _b64u(json.dumps(header, separators=(",", ":")).encode())
        + "."
        + _b64u(json.dumps(payload, separators=(",", ":")).encode())
        + "."
        + _b64u(r.randbytes(sig_len))
    )


def _discord_token(r: random.Random) -> str:
    uid = str(r.randint(10**17, 10**18 - 1))
    return _b64u(uid.encode()) + "." + _rs(r, "u", 6) + "." + _rs(r, "u", 38)


def _adyen(r: random.Random) -> str:
    return "AQE" + _rs(r, "an", 57) + "=-" + _rs(r, "an", 43) + "=-" + _rs(r, "u", 14)


def _solana_keypair(r: random.Random) -> str:
    return "[" + ",".join(str(b) for b in r.randbytes(64)) + "]"


def _type7(r: random.Random) -> str:
    n = r.randint(8, 14)
    return "%02d" % r.randint(0, 15) + _rs(r, "HEX", 2 * n)


def _juniper9(r: random.Random) -> str:
    return "$9$" + _rs(r, "an", r.randint(18, 30)).replace("0", ".").replace("1", "/")


# ---------------------------------------------------------------------------
# rendering context
# ---------------------------------------------------------------------------

_PH = re.compile(r"⟦([^⟧]+)⟧")
_SPEC = re.compile(r"^([A-Za-z][\w.]*)(?:\(([^)]*)\))?(?::(\w+))?$")


def _secret_value(r: random.Random, ctx: _Ctx, name: str, args: list[str]) -> str | list[str]:
    a0 = args[0] if args else ""
    if name == "pw":
        return _pw(r)
    if name == "pwh":
        return _pwh(r)
    if name == "pwn":
        return _pwn(r)
    if name == "pwl":
        return _pwl(r)
    if name == "pwp":
        return _pwp(r)
    if name == "pwu":
        return _pwu(r)
    if name == "pws":
        return _pws(r)
    if name == "pw8":
        return _pw8(r)
    if name == "phrase":
        return _phrase(r)
    if name == "phrasep":
        return _phrasep(r)
    if name == "pin":
        n = int(a0) if a0 else r.randint(4, 8)
        while True:
            p = _rs(r, "num", n)
            if len(set(p)) > 2:
                return p
    if name in ("an", "lan", "uan", "hex", "HEX", "b58", "u", "bech", "lc"):
        n = int(a0)
        return _rs_mixed(r, name, n) if name in ("an", "lan", "uan", "u") else _rs(r, name, n)
    if name == "b64":
        return _b64(r.randbytes(int(a0)))
    if name == "b64u":
        return _b64u(r.randbytes(int(a0)))
    if name == "tok":  # tok(prefix,charset,len[,suffix])
        prefix, cs, n = args[0], args[1], int(args[2])
        suffix = args[3] if len(args) > 3 else ""
        body = _rs_mixed(r, cs, n) if cs in ("an", "lan", "uan", "u") else _rs(r, cs, n)
        return prefix + body + suffix
    if name == "mn":
        return _mnemonic(r, int(a0))
    if name == "wif":
        return _wif(r, True)
    if name == "wifu":
        return _wif(r, False)
    if name == "ethpk":
        return "0x" + _rs(r, "hex", 64)
    if name == "hexpk":
        return _rs(r, "hex", 64)
    if name == "xprv":
        return _xprv(r)
    if name == "pemec":
        return _pem_ec_lines(r)
    if name == "pemecj":  # JSON-escaped single line; each base64 chunk is a value
        return ("\\n", _pem_ec_lines(r))  # type: ignore[return-value]
    if name == "ed25519":
        return _ed25519_pkcs8(r)
    if name == "jwt":
        return _jwt(r)
    if name == "basic":  # basic(literal_user) or basic(,user_tag)
        user = ctx.get_tag(args[1]) if len(args) > 1 and args[1] else (a0 or "svc")
        return _b64(f"{user}:{_pwn(r)}".encode())
    if name == "b64of":  # base64 of one tagged value, or of "tagA:tagB"
        return _b64(":".join(ctx.get_tag(a) for a in args).encode())
    if (
        name == "spellof"
    ):  # spellof(tag[,sep]) -> the tagged secret spelled out character by character
        sep = args[1] if len(args) > 1 else "-"
        return sep.join(ctx.get_tag(a0))
    if name == "natoof":  # natoof(tag) -> NATO phonetic reading of an upper-case/digit secret
        return " ".join(_NATO[c] for c in ctx.get_tag(a0))
    if name == "spell":
        base = (
            _rs_mixed(r, "lan", r.randint(6, 8))
            if r.random() < 0.5
            else r.choice([x for x in _PWWORDS if len(x) <= 6]) + str(r.randint(10, 99))
        )
        return (a0 or "-").join(base)
    if name == "ytkey":
        return "-".join(_rs(r, "lan", 4) for _ in range(5))
    if name == "twitch":
        return f"live_{r.randint(10**8, 10**9 - 1)}_{_rs_mixed(r, 'an', 30)}"
    if name == "fbkey":
        return f"FB-{r.randint(10**14, 10**15 - 1)}-0-{_rs_mixed(r, 'u', 28)}"
    if name == "uuids":
        return _uuid4(r)
    if name in ("sha512crypt", "bcrypt", "md5crypt", "ciscotype9"):
        return _crypt_hash(r, name)
    if name == "nthash":
        return _rs(r, "hex", 32)
    if name == "discord":
        return _discord_token(r)
    if name == "adyen":
        return _adyen(r)
    if name == "solkp":
        return _solana_keypair(r)
    if name == "type7":
        return _type7(r)
    if name == "jun9":
        return _juniper9(r)
    if name == "sgkey":
        return "SG." + _rs_mixed(r, "u", 22) + "." + _rs_mixed(r, "u", 43)
    if name == "influx":
        return _b64u(r.randbytes(64)) + "=="
    if name == "plexclaim":
        return "claim-" + _rs_mixed(r, "u", 20)
    if name == "pemed":
        return _ed25519_pkcs8(r)
    raise KeyError(name)


_NATO = dict(
    zip(
        string.ascii_uppercase + string.digits,
        _words(
            "Alfa Bravo Charlie Delta Echo Foxtrot Golf Hotel India Juliett Kilo Lima Mike November Oscar Papa "
            "Quebec Romeo Sierra Tango Uniform Victor Whiskey X-ray Yankee Zulu "
            "Zero One Two Three Four Five Six Seven Eight Nine"
        ),
        strict=True,
    )
)

_SECRET_KINDS = {
    "spellof",
    "natoof",
    "pw",
    "pwh",
    "pwn",
    "pwl",
    "pwp",
    "pwu",
    "pws",
    "pw8",
    "phrase",
    "phrasep",
    "pin",
    "an",
    "lan",
    "uan",
    "hex",
    "HEX",
    "b58",
    "u",
    "bech",
    "lc",
    "b64",
    "b64u",
    "tok",
    "mn",
    "wif",
    "wifu",
    "ethpk",
    "hexpk",
    "xprv",
    "pemec",
    "pemecj",
    "ed25519",
    "jwt",
    "basic",
    "b64of",
    "spell",
    "ytkey",
    "twitch",
    "fbkey",
    "uuids",
    "sha512crypt",
    "bcrypt",
    "md5crypt",
    "nthash",
    "discord",
    "adyen",
    "solkp",
    "type7",
    "jun9",
    "ciscotype9",
    "sgkey",
    "influx",
    "plexclaim",
    "pemed",
}

_AUTO_REUSE = {"pick", "fqdn", "host", "whost", "user", "port", "domain", "email"}

_MONTHS = _words("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec")
_DAYS = _words("Mon Tue Wed Thu Fri Sat Sun")


class _Ctx:
    def __init__(
        self, r: random.Random, reserved: tuple[str, ...], avoid: str, keep_mode: bool
    ) -> None:
        self.r = r
        self.reserved = reserved
        self.avoid = avoid
        self.keep_mode = keep_mode
        self.tags: dict[str, str] = {}
        self.values: list[str] = []
        self.keeps: list[str] = []
        self.t = _dt.datetime(2026, 11, 9, 0, 0, 0) + _dt.timedelta(
            seconds=r.randint(0, 24 * 86400)
        )
        self.domain = r.choice(_DOMAINS)
        self.used_first: set[str] = set()

    def get_tag(self, tag: str) -> str:
        return self.tags[tag]

    # -- time -------------------------------------------------------------
    def tick(self) -> _dt.datetime:
        self.t += _dt.timedelta(
            seconds=self.r.randint(1, 75), microseconds=self.r.randint(0, 999) * 1000
        )
        return self.t

    # -- surroundings -------------------------------------------------------
    def surround(self, name: str, args: list[str]) -> str:
        r = self.r
        a0 = args[0] if args else ""
        if name in (
            "ts",
            "tsz",
            "tsp",
            "tsms",
            "syslog",
            "clf",
            "hl7ts",
            "hms",
            "hm",
            "date",
            "dmy",
            "dmys",
            "rfc2822",
            "fixts",
            "tsus",
            "isod",
            "ctime",
        ):
            t = self.tick()
            ms = t.microsecond // 1000
            if name == "ts":
                return t.strftime("%Y-%m-%dT%H:%M:%S") + ".%03dZ" % ms
            if name == "tsz":
                return t.strftime("%Y-%m-%dT%H:%M:%S") + r.choice(
                    ["+01:00", "+00:00", "+03:00", "+07:00", "+05:30"]
                )
            if name == "tsp":
                return t.strftime("%Y-%m-%d %H:%M:%S")
            if name == "tsms":
                return t.strftime("%Y-%m-%d %H:%M:%S") + ",%03d" % ms
            if name == "tsus":
                return t.strftime("%Y-%m-%d %H:%M:%S") + ".%06d" % (ms * 1000 + r.randint(0, 999))
            if name == "syslog":
                return "%s %2d %s" % (_MONTHS[t.month - 1], t.day, t.strftime("%H:%M:%S"))
            if name == "clf":
                return "%02d/%s/%d:%s +0000" % (
                    t.day,
                    _MONTHS[t.month - 1],
                    t.year,
                    t.strftime("%H:%M:%S"),
                )
            if name == "hl7ts":
                return t.strftime("%Y%m%d%H%M%S")
            if name == "fixts":
                return t.strftime("%Y%m%d-%H:%M:%S") + ".%03d" % ms
            if name == "hms":
                return t.strftime("%H:%M:%S")
            if name == "hm":
                return t.strftime("%H:%M")
            if name == "date":
                return t.strftime("%Y-%m-%d")
            if name == "isod":
                return t.strftime("%d.%m.%Y")
            if name == "dmy":
                return t.strftime("%d-%m-%Y")
            if name == "dmys":
                return t.strftime("%d/%m/%Y")
            if name == "ctime":
                return "%s %s %2d %s %d" % (
                    _DAYS[t.weekday()],
                    _MONTHS[t.month - 1],
                    t.day,
                    t.strftime("%H:%M:%S"),
                    t.year,
                )
            return "%s, %02d %s %d %s +0100" % (
                _DAYS[t.weekday()],
                t.day,
                _MONTHS[t.month - 1],
                t.year,
                t.strftime("%H:%M:%S"),
            )
        if name == "ip":
            k = r.randrange(3)
            if k == 0:
                return "10.%d.%d.%d" % (r.randint(0, 250), r.randint(0, 254), r.randint(2, 254))
            if k == 1:
                return "172.%d.%d.%d" % (r.randint(16, 31), r.randint(0, 254), r.randint(2, 254))
            return "192.168.%d.%d" % (r.randint(0, 254), r.randint(2, 254))
        if name == "pip":
            return r.choice(["203.0.113.", "198.51.100.", "192.0.2."]) + str(r.randint(2, 254))
        if name == "host":
            role = a0 or r.choice(["app", "srv", "node", "gw", "int"])
            site = r.choice(_SITES)
            nn = r.randint(1, 24)
            k = r.randrange(4)
            if k == 0:
                return "%s-%s%02d" % (site, role, nn)
            if k == 1:
                return "%s-%s-%02d" % (role, site, nn)
            if k == 2:
                return "%s%02d" % (role, nn)
            return "%s%s%d" % (site, role, nn)
        if name == "whost":
            role = (a0 or "srv").upper()
            return "%s-%s%02d" % (r.choice(_SITES).upper(), role, r.randint(1, 24))
        if name == "fqdn":
            return self.surround("host", args) + "." + self.domain
        if name == "domain":
            return self.domain
        if name == "first":  # distinct people within one rendered case
            pool = [f for f in _FIRST if f not in self.used_first] or list(_FIRST)
            f = r.choice(pool)
            self.used_first.add(f)
            return f
        if name == "user":
            f, last = r.choice(_FIRST).lower(), r.choice(_LAST)
            k = r.randrange(3)
            if k == 0:
                return f[0] + last
            if k == 1:
                return f + "." + last
            return last[:6] + f[0]
        if name == "email":
            f, last = r.choice(_FIRST).lower(), r.choice(_LAST)
            return "%s.%s@%s" % (f, last, self.domain)
        if name == "port":
            if a0:
                return r.choice(a0.split("|"))
            return str(r.randint(1025, 65000))
        if name == "pid":
            return str(r.randint(1200, 98000))
        if name == "n":
            lo, hi = int(args[0]), int(args[1])
            return str(r.randint(lo, hi))
        if name == "hexid":
            return _rs(r, "hex", int(a0 or 12))
        if name == "HEXID":
            return _rs(r, "HEX", int(a0 or 12))
        if name == "uuid":
            return _uuid4(r)
        if name == "rs":  # non-secret random string rs(charset,len)
            return _rs(r, args[0], int(args[1]))
        if name == "rtok":  # non-secret prefixed identifier rtok(prefix,charset,len)
            return args[0] + _rs(r, args[1], int(args[2]))
        if name == "rb64u":  # public / non-secret base64 such as host key fingerprints
            return _b64u(r.randbytes(int(a0)))
        if name == "rb64":
            return _b64(r.randbytes(int(a0)))
        if name == "pick":
            return r.choice(a0.split("|"))
        if name == "soh":
            return "\x01"
        if name == "up":  # uppercase of a tagged value
            return self.tags[a0].upper()
        if name == "ref":
            return self.tags[a0]
        if name == "b64t":  # base64 of a non-secret tagged value (e.g. SMTP AUTH username)
            return _b64(self.tags[a0].encode())
        raise KeyError(name)

    # -- keep tokens --------------------------------------------------------
    def keep(self, name: str, args: list[str]) -> str:
        r = self.r
        a0 = args[0] if args else ""
        if name == "uuid":
            return _uuid4(r)
        if name == "trace":
            return _rs(r, "hex", 32)
        if name == "span":
            return _rs(r, "hex", 16)
        if name == "sha":
            return _rs(r, "hex", 40)
        if name == "short":
            return _rs(r, "hex", int(a0 or 7))
        if name == "digest":
            return "sha256:" + _rs(r, "hex", 64)
        if name == "sha256":
            return _rs(r, "hex", 64)
        if name == "md5":
            return _rs(r, "hex", 32)
        if name == "HEX":
            return _rs(r, "HEX", int(a0))
        if name == "n":
            return str(r.randint(int(args[0]), int(args[1])))
        if name == "blk":
            return "0x" + _rs(r, "hex", 64)
        if name == "dicom":
            root = r.choice(
                [
                    "1.2.840.113619.2.55.3",
                    "1.2.826.0.1.3680043.8.498",
                    "1.3.12.2.1107.5.1.4",
                    "1.2.392.200036.9116.2.6",
                ]
            )
            return "%s.%d.%d.%d.%d" % (
                root,
                r.randint(10**8, 10**9),
                r.randint(100, 999),
                r.randint(10**9, 2 * 10**9),
                r.randint(1, 999),
            )
        if name == "tok":
            prefix, cs, n = args[0], args[1], int(args[2])
            return prefix + _rs(r, cs, n)
        if name == "ver":
            return "%d.%d.%d" % (r.randint(1, 12), r.randint(0, 24), r.randint(0, 40))
        if name == "dur":
            unit = a0 or "ms"
            return "%d%s" % (r.randint(1, 900) if unit == "s" else r.randint(12, 9999), unit)
        if name == "pick":
            return r.choice(a0.split("|"))
        if name == "dec":
            return "%d.%03d" % (r.randint(1, 999), r.randint(0, 999))
        if name == "orthanc":
            return "-".join(_rs(r, "hex", 8) for _ in range(5))
        if name == "linkedid":
            return "%d.%d" % (r.randint(1790000000, 1799999999), r.randint(1, 9999))
        if name == "eximid":
            return _rs(r, "an", 6) + "-" + _rs(r, "an", 6) + "-" + _rs(r, "an", 2)
        raise KeyError(name)

    # -- dispatcher ---------------------------------------------------------
    def sub(self, m: re.Match[str]) -> str:
        spec = m.group(1)
        if spec.startswith("k="):
            tok = spec[2:]
            if tok not in self.keeps:
                self.keeps.append(tok)
            return tok
        mm = _SPEC.match(spec)
        if not mm:
            raise ValueError("bad placeholder: " + spec)
        name, argstr, tag = mm.group(1), mm.group(2), mm.group(3)
        if not tag and name in _AUTO_REUSE:
            tag = "auto:" + spec  # identical surrounding placeholders render identically
        if tag and tag in self.tags:
            return self.tags[tag]
        args = [] if argstr is None else argstr.split(",")
        if name in (
            "pick",
            "port",
        ):  # choices may legitimately contain commas? no: keep '|' separated
            args = [argstr or ""]
        if name.startswith("k."):
            kname = name[2:]
            kargs = [argstr or ""] if kname == "pick" else args
            for _ in range(200):
                val = self.keep(kname, kargs)
                if val not in self.avoid:
                    break
            else:  # pragma: no cover
                raise RuntimeError("cannot place keep token " + spec)
            if val not in self.keeps:
                self.keeps.append(val)
        elif name in _SECRET_KINDS:
            if self.keep_mode:
                raise ValueError("secret placeholder in keep template: " + spec)
            for _ in range(200):
                raw = _secret_value(self.r, self, name, args)
                if isinstance(raw, tuple):
                    sep, parts = raw
                    val = sep.join(parts)
                elif isinstance(raw, list):
                    parts = raw
                    val = "\n".join(parts)
                else:
                    parts = [raw]
                    val = raw
                if not any(res in p for p in parts for res in self.reserved):
                    break
            for p in parts:
                if p not in self.values:
                    self.values.append(p)
        else:
            val = self.surround(name, args)
        if tag:
            self.tags[tag] = val
        return val


def _render(
    text: str, r: random.Random, reserved: tuple[str, ...], avoid: str, keep_mode: bool
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    ctx = _Ctx(r, reserved, avoid, keep_mode)
    out = _PH.sub(ctx.sub, text)
    return tuple(out.split("\n")), tuple(ctx.values), tuple(ctx.keeps)


def _reserved_keep_literals() -> tuple[str, ...]:
    found: list[str] = []
    for _fmt, text in _KEEP_TEMPLATES:
        for m in re.finditer(r"⟦k=([^⟧]+)⟧", text):
            if m.group(1) not in found:
                found.append(m.group(1))
    return tuple(found)


_CACHE: dict[str, object] = {}


def cases() -> list[Case]:
    if "cases" not in _CACHE:
        reserved = _reserved_keep_literals()
        out: list[Case] = []
        for idx, (family, fmt, text) in enumerate(_TEMPLATES):
            for v in range(VARIANTS):
                r = random.Random(SEED * 100_000 + idx * 10 + v)
                lines, values, _ = _render(text, r, reserved, "", False)
                out.append(Case(family, fmt, lines, values))
        _CACHE["cases"] = tuple(out)
    return list(_CACHE["cases"])  # type: ignore[arg-type]


def keep_list() -> list[Keep]:
    if "keep" not in _CACHE:
        blob = "\x00".join(v for c in cases() for v in c.values)
        out: list[Keep] = []
        for idx, (fmt, text) in enumerate(_KEEP_TEMPLATES):
            for v in range(VARIANTS):
                r = random.Random(SEED * 100_000 + 70_000 + idx * 10 + v)
                lines, values, keeps = _render(text, r, (), blob, True)
                assert not values
                out.append(Keep(fmt, lines, keeps))
        _CACHE["keep"] = tuple(out)
    return list(_CACHE["keep"])  # type: ignore[arg-type]


def _check() -> dict[str, int]:
    a = cases()
    b = cases()
    assert a == b, "cases() not deterministic"
    _CACHE.clear()
    assert cases() == a, "cases() not deterministic after cache reset"
    for c in a:
        assert c.family and c.format
        assert 1 <= len(c.lines) <= 10, (c.format, len(c.lines))
        assert c.values, c.format
        text = "\n".join(c.lines)
        for v in c.values:
            assert v and len(v) >= 4, (c.format, v)
            assert v in text, (c.format, v)
    blob = "\x00".join(v for c in a for v in c.values)
    ks = keep_list()
    assert ks == keep_list()
    for k in ks:
        assert 1 <= len(k.lines) <= 10, (k.format, len(k.lines))
        assert k.tokens, k.format
        text = "\n".join(k.lines)
        for t in k.tokens:
            assert len(t) >= 4, (k.format, t)
            assert t in text, (k.format, t)
            assert t not in blob, ("keep token collides with a planted value", k.format, t)
    return {
        "families": len({c.family for c in a}),
        "case templates": len(_TEMPLATES),
        "cases": len(a),
        "planted values": sum(len(c.values) for c in a),
        "keep templates": len(_KEEP_TEMPLATES),
        "keep entries": len(ks),
        "keep tokens": sum(len(k.tokens) for k in ks),
    }


# ===========================================================================
# CASE TEMPLATES
# ===========================================================================

# ---------------------------------------------------------------------------
# healthcare: HL7 v2 over MLLP
# ---------------------------------------------------------------------------
_fam("hl7_mllp")

_t(
    "MLLP listener debug log with password in MSH-8 security field",
    r"""
⟦tsms⟧ INFO  [MLLP-Listener:⟦port(2575|6661|7777):p⟧] connection accepted from ⟦ip⟧:⟦n(40000,65000)⟧
⟦tsms⟧ DEBUG [MLLP-Listener:⟦port:p⟧] <VT>MSH|^~\&|⟦pick(EPICADT|CERNERLAB|HISCOM|CHIPSOFT):app⟧|⟦pick(RVZ|SZW|HSJ|KZB):fac⟧|HL7ROUTER|⟦ref(fac)⟧|⟦hl7ts⟧|⟦pwu⟧|ADT^A08^ADT_A01|⟦n(1000000,9999999)⟧|P|2.5.1<FS><CR>
⟦tsms⟧ INFO  [MLLP-Listener:⟦port:p⟧] ACK AA sent to ⟦ref(app)⟧, 1 message(s) routed to channel adt_to_lis
""",
)

_t(
    "HL7 gateway listener INI with TLS keystore password",
    r"""
# /opt/hl7gw/conf/listeners.ini  -- managed by ⟦user⟧, do not edit on ⟦host(hl7)⟧ directly
[listener.adt_in]
bind = 0.0.0.0:⟦port(2575|6661|7777)⟧
framing = mllp
tls = true
keystore = /opt/hl7gw/conf/adt_in.p12
keystore_password = ⟦pwh⟧
ack_mode = original
""",
)

_t(
    "HL7 ORM message with custom ZAU credential segment",
    r"""
MSH|^~\&|ORDERPORTAL|⟦pick(AMC|UMCU|WOLSKI|SJOAO)⟧|RIS|RAD|⟦hl7ts⟧||ORM^O01|⟦n(100000,999999)⟧|P|2.3
PID|1||⟦n(1000000,9999999)⟧^^^MRN||DOE^JANE||19800101|F
ORC|NW|⟦n(10000,99999)⟧
ZAU|1|⟦user⟧|⟦pwl⟧|LDAP|⟦hl7ts⟧
""",
)

_t(
    "HL7 over HTTP POST dump with Basic authorization header",
    r"""
> POST /hl7/inbound/⟦pick(adt|oru|siu)⟧ HTTP/1.1
> Host: ⟦fqdn(hl7)⟧:⟦port(8080|8443|9443)⟧
> Content-Type: x-application/hl7-v2+er7
> Authorization: Basic ⟦basic(hl7feed)⟧
> Content-Length: ⟦n(600,4000)⟧
<
< HTTP/1.1 200 OK
""",
)

_t(
    "stunnel PSK secrets file for MLLP tunnel",
    r"""
$ sudo cat /etc/stunnel/psk-lab.txt
⟦pick(mllp_lab|lis_tunnel|hl7_psk_a)⟧:⟦an(32)⟧
$ sudo systemctl restart stunnel@mllp-lab && journalctl -u stunnel@mllp-lab -n 3 --no-pager
⟦syslog⟧ ⟦host(hl7)⟧ stunnel[⟦pid⟧]: PSK identities: 1 retrieved
""",
)

_t(
    "HL7 tester connection profile XML with client certificate password",
    r"""
<Connections>
  <Connection Name="LAB-OUT-⟦n(1,9)⟧" Host="⟦ip⟧" Port="⟦port(6661|6662|5000)⟧" Framing="MLLP" UseTLS="true"
              ClientCertificate="C:\HL7Soup\certs\lab-out.pfx" ClientCertPassword="⟦pwp⟧" />
</Connections>
""",
)

_t(
    "HL7 router NAK log echoing outbound frame with MSH-8 token",
    r"""
⟦tsms⟧ ERROR HL7Router - NAK AE from ⟦pick(LIS|RIS|PHARM|PACS)⟧ for control id ⟦n(100000,999999):cid⟧: MSA|AE|⟦ref(cid)⟧|Invalid security token in MSH-8
⟦tsms⟧ ERROR HL7Router - outbound frame: MSH|^~\&|HL7ROUTER|⟦pick(RVZ|SZW|KZB)⟧|LIS|LAB|⟦hl7ts⟧|⟦tok(HL7SEC-,uan,12)⟧|ORM^O01|⟦ref(cid)⟧|P|2.4
⟦tsms⟧ WARN  HL7Router - message moved to error queue hl7.error.lis (attempt 3/3)
""",
)

_t(
    "ngrep capture of MLLP frame on port 2575",
    r"""
$ sudo ngrep -d ens192 -W byline port 2575
interface: ens192 (⟦ip⟧/255.255.255.0)
T ⟦ip⟧:⟦n(40000,65000)⟧ -> ⟦ip⟧:2575 [AP] #14
.MSH|^~\&|RADIS|⟦pick(HSJ|AMC|KZB)⟧|PACS|RAD|⟦hl7ts⟧|⟦pws⟧|ORU^R01|⟦n(100000,999999)⟧|P|2.3.1
OBR|1|⟦n(10000,99999)⟧||CTHEAD^CT HEAD WO CONTRAST
""",
)

_t(
    "env file for Node HL7 bridge with TLS passphrase and archive key",
    r"""
# hl7-bridge/.env.production
HL7_LISTEN_PORT=2575
HL7_UPSTREAM=mllps://⟦fqdn(hl7)⟧:6662
HL7_TLS_PASSPHRASE=⟦phrase⟧
HL7_ARCHIVE_BUCKET=hl7-archive-⟦pick(prod|acc)⟧
HL7_ARCHIVE_SECRET=⟦an(40)⟧
LOG_LEVEL=info
""",
)

_t(
    "immunisation registry SOAP submitSingleMessage with password element",
    r"""
<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope" xmlns:urn="urn:cdc:iisb:2011">
  <soap:Body>
    <urn:submitSingleMessage>
      <urn:username>⟦user⟧</urn:username>
      <urn:password>⟦pwh⟧</urn:password>
      <urn:facilityID>⟦n(10000,99999)⟧</urn:facilityID>
      <urn:hl7Message>MSH|^~\&|EHR|CLINIC|IIS|STATE|⟦hl7ts⟧||VXU^V04^VXU_V04|⟦n(100000,999999)⟧|P|2.5.1</urn:hl7Message>
    </urn:submitSingleMessage>
  </soap:Body>
</soap:Envelope>
""",
)

_t(
    "Python traceback from lab bridge showing key password argument",
    r"""
Traceback (most recent call last):
  File "/opt/labbridge/send_results.py", line ⟦n(30,90)⟧, in <module>
    conn = open_mllp("⟦fqdn(lis)⟧", 6661, certfile="/etc/labbridge/client.pem", key_password="⟦pwh⟧")
  File "/opt/labbridge/mllp.py", line 22, in open_mllp
    ctx.load_cert_chain(certfile, password=key_password)
ssl.SSLError: [SSL] PEM lib (_ssl.c:3921)
""",
)

_t(
    "cron batch pushing HL7 files over SFTP with lftp credentials",
    r"""
# m h dom mon dow  command   (⟦host(hl7)⟧, owner: ⟦user⟧)
*/10 * * * * lftp -u hl7batch,⟦pwn⟧ sftp://⟦fqdn(sftp)⟧ -e "mput -E /data/hl7/outbound/*.hl7 -O /inbound; bye" >> /var/log/hl7push.log 2>&1
""",
)

# ---------------------------------------------------------------------------
# healthcare: FHIR servers and SMART apps
# ---------------------------------------------------------------------------
_fam("fhir_servers")

_t(
    "HAPI FHIR application.yaml datasource password",
    r"""
spring:
  datasource:
    url: 'jdbc:postgresql://⟦fqdn(pg)⟧:5432/hapi_r4'
    username: hapi
    password: ⟦pwh⟧
    driverClassName: org.postgresql.Driver
hapi:
  fhir:
    fhir_version: R4
""",
)

_t(
    "SMART backend services token request with client secret and returned bearer",
    r"""
$ curl -s -X POST https://⟦fqdn(fhir)⟧/auth/token -d grant_type=client_credentials -d client_id=⟦pick(lab-sync|bulk-export|cds-hooks)⟧ -d client_secret=⟦an(40)⟧ -d 'scope=system/*.read'
{"access_token":"⟦jwt⟧","token_type":"bearer","expires_in":300,"scope":"system/*.read"}
""",
)

_t(
    "HAPI client LoggingInterceptor output with bearer header",
    r"""
⟦tsms⟧ INFO  [main] c.u.f.r.c.i.LoggingInterceptor - Client request: GET https://⟦fqdn(fhir)⟧/fhir/R4/Patient?identifier=urn:oid:2.16.840.1.113883.2.4.6.3|⟦n(100000000,999999999)⟧ HTTP/1.1
⟦tsms⟧ INFO  [main] c.u.f.r.c.i.LoggingInterceptor - Client request headers:
Accept-Charset: utf-8
Accept: application/fhir+json;q=1.0, application/json+fhir;q=0.9
Authorization: Bearer ⟦jwt⟧
User-Agent: HAPI-FHIR/6.10.0 (FHIR Client; FHIR 4.0.1/R4; apache)
""",
)

_t(
    "Firely Server appsettings.json SQL connection string",
    r"""
  "Administration": {
    "Repository": "SQL",
    "SqlDbOptions": {
      "ConnectionString": "Server=⟦whost(sql)⟧;Database=VonkAdmin;User Id=vonk_admin;Password=⟦pwp⟧;TrustServerCertificate=True",
      "SchemaCreation": false
    }
  },
""",
)

_t(
    "Smile CDR style properties with persistence DB password",
    r"""
module.persistence.config.db.driver = POSTGRES_9_4
module.persistence.config.db.url = jdbc:postgresql://⟦fqdn(pg)⟧:5432/cdr_persistence
module.persistence.config.db.username = cdr
module.persistence.config.db.password = ⟦pw⟧
module.persistence.config.db.connectionpool.maxtotal = 40
""",
)

_t(
    "cat of FHIR bulk-export client EC private key",
    r"""
⟦user⟧@⟦host(fhir)⟧:~$ sudo cat /etc/fhir-bulk/private_key.pem
-----BEGIN EC PRIVATE KEY-----
⟦pemec⟧
-----END EC PRIVATE KEY-----
""",
)

_t(
    "nginx access log with access_token query parameter on FHIR proxy",
    r"""
⟦ip⟧ - - [⟦clf⟧] "GET /fhir/R4/Observation?patient=⟦n(10000,99999)⟧&category=laboratory&access_token=⟦an(48)⟧ HTTP/1.1" 200 ⟦n(2000,90000)⟧ "-" "okhttp/4.12.0"
⟦ip⟧ - - [⟦clf⟧] "GET /fhir/R4/metadata HTTP/1.1" 200 41233 "-" "curl/8.5.0"
""",
)

_t(
    "Postman environment export with FHIR client_secret",
    r"""
{
  "name": "FHIR ⟦pick(ACC|TST|PRD)⟧",
  "values": [
    {"key": "fhir_base", "value": "https://⟦fqdn(fhir)⟧/fhir/R4", "type": "default", "enabled": true},
    {"key": "client_id", "value": "⟦pick(portal-web|lab-sync|mobile-app)⟧", "type": "default", "enabled": true},
    {"key": "client_secret", "value": "⟦uuids⟧", "type": "secret", "enabled": true}
  ]
}
""",
)

_t(
    "Liberty server.xml keystore password for IBM FHIR server",
    r"""
<server description="fhir-server">
    <keyStore id="defaultKeyStore" location="fhirKeyStore.p12" type="PKCS12" password="⟦pwh⟧"/>
    <keyStore id="defaultTrustStore" location="fhirTrustStore.p12" type="PKCS12" password="⟦pwn⟧"/>
    <httpEndpoint id="defaultHttpEndpoint" host="*" httpPort="-1" httpsPort="9443"/>
</server>
""",
)

_t(
    "Medplum style .env with client secret",
    r"""
MEDPLUM_BASE_URL=https://⟦fqdn(fhir)⟧/
MEDPLUM_CLIENT_ID=⟦uuid⟧
MEDPLUM_CLIENT_SECRET=⟦hex(64)⟧
""",
)

_t(
    "Aidbox docker env with root client secret",
    r"""
    environment:
      AIDBOX_FHIR_VERSION: 4.0.1
      AIDBOX_PORT: 8080
      BOX_ROOT_CLIENT_ID: root
      BOX_ROOT_CLIENT_SECRET: ⟦an(24)⟧
      PGHOST: ⟦host(pg)⟧
""",
)

_t(
    "FHIR subscription resource with webhook auth header",
    r"""
{"resourceType":"Subscription","status":"active","criteria":"Observation?code=http://loinc.org|2345-7",
 "channel":{"type":"rest-hook","endpoint":"https://⟦fqdn(hooks)⟧/fhir-notify","payload":"application/fhir+json",
 "header":["Authorization: Bearer ⟦tok(whk_,an,32)⟧"]}}
""",
)

# ---------------------------------------------------------------------------
# healthcare: DICOM / PACS
# ---------------------------------------------------------------------------
_fam("dicom_pacs")

_t(
    "Orthanc configuration JSON with registered users",
    r"""
{
  "Name" : "ORTHANC-⟦pick(RAD|CARDIO|ER)⟧",
  "DicomAet" : "ORTHANC",
  "DicomPort" : 4242,
  "AuthenticationEnabled" : true,
  "RegisteredUsers" : {
    "⟦user⟧" : "⟦pwh⟧"
  }
}
""",
)

_t(
    "dcm4chee docker-compose environment with LDAP and DB passwords",
    r"""
  ldap:
    image: dcm4che/slapd-dcm4chee:2.6.6-33.0
    environment:
      LDAP_ROOTPASS: ⟦pwn⟧
      ARCHIVE_DEVICE_NAME: dcm4chee-arc
  db:
    environment:
      POSTGRES_PASSWORD: ⟦pwh⟧
""",
)

_t(
    "dcm4che storescu over TLS with key store password flags",
    r"""
$ storescu --tls --key-store /opt/dcm/keys/modality.p12 --key-store-pass ⟦pw⟧ --key-pass ⟦ref(ksp)⟧ -c ⟦pick(PACS_MAIN|ARCHIVE1|DCM4CHEE)⟧@⟦fqdn(pacs)⟧:2762 /data/export/study_⟦n(1000,9999)⟧/
⟦hms⟧,⟦n(100,999)⟧ INFO  - Initialize connection
""".replace("⟦pw⟧", "⟦pw:ksp⟧"),
)

_t(
    "WADO-RS URL with credentials embedded, from viewer error log",
    r"""
⟦tsms⟧ ERROR [viewer] Failed to load series: GET https://viewer:⟦an(16)⟧@⟦fqdn(pacs)⟧/dicom-web/studies/1.2.840.113619.2.55.3.⟦n(100000,999999)⟧/series returned 502
""",
)

_t(
    "OHIF legacy app-config.js with requestOptions auth",
    r"""
  servers: {
    dicomWeb: [{
      name: 'Orthanc',
      wadoUriRoot: 'https://⟦fqdn(pacs)⟧/wado',
      qidoRoot: 'https://⟦fqdn(pacs)⟧/dicom-web',
      requestOptions: { auth: 'orthanc:⟦pws⟧' },
    }],
  },
""",
)

_t(
    "PACS web console audit log echoing attempted password",
    r"""
⟦tsp⟧ [AUTH] login failed user='radadmin' from ⟦ip⟧ password='⟦pwl⟧' reason=BAD_CREDENTIALS
⟦tsp⟧ [AUTH] login ok user='radadmin' from ⟦ip⟧ session=⟦hexid(16)⟧
""",
)

_t(
    "Conquest dicom.ini with MySQL password",
    r"""
[sscscp]
MicroPACS                = sscscp
SQLHost                  = ⟦host(db)⟧
SQLServer                = conquest
Username                 = conquest
Password                 = ⟦pwn⟧
MyACRNema                = CONQUESTSRV1
TCPPort                  = 5678
""",
)

_t(
    "shell history on PACS DB host with mysql -p password",
    r"""
  ⟦n(400,999)⟧  mysql -u pacs -p⟦pwn⟧ pacsdb -e "select count(*) from study where study_datetime > now() - interval 1 day"
  ⟦n(400,999)⟧  systemctl status pacs-archive
""",
)

_t(
    "STOW-RS upload with X-Api-Key header",
    r"""
$ curl -sS -X POST https://⟦fqdn(pacs)⟧/dicom-web/studies -H "X-Api-Key: ⟦lan(40)⟧" -H "Content-Type: multipart/related; type=\"application/dicom\"; boundary=DICOMwebBoundary" --data-binary @stow_body.bin
{"00081199":{"vr":"SQ","Value":[{"00081150":{"vr":"UI","Value":["1.2.840.10008.5.1.4.1.1.2"]}}]}}
""",
)

_t(
    "Orthanc Lua script forwarding with HTTP credentials",
    r"""
function OnStoredInstance(instanceId, tags, metadata, origin)
   SetHttpCredentials('forwarder', '⟦pwh⟧')
   HttpPost('https://⟦fqdn(ai)⟧/api/ingest', RestApiGet('/instances/' .. instanceId .. '/file'))
end
""",
)

_t(
    "radiology IT chat giving PACS service account password",
    r"""
[⟦hm⟧] ⟦first⟧: who has the creds for svc_pacs_migr? migration job on ⟦host(pacs)⟧ is stuck
[⟦hm⟧] ⟦first⟧: svc_pacs_migr / ⟦pwh⟧ , rotate it after the weekend pls
""",
)

# ---------------------------------------------------------------------------
# healthcare: Mirth Connect / NextGen Connect
# ---------------------------------------------------------------------------
_fam("mirth_connect")

_t(
    "mirth.properties with keystore and database passwords",
    r"""
# keystore
keystore.path = ${dir.appdata}/keystore.jks
keystore.storepass = ⟦an(12)⟧
keystore.keypass = ⟦an(12)⟧
keystore.type = JCEKS
database = postgres
database.url = jdbc:postgresql://⟦host(pg)⟧:5432/mirthdb
database.password = ⟦pwh⟧
""",
)

_t(
    "Mirth channel export Database Reader properties with password",
    r"""
      <properties class="com.mirth.connect.connectors.jdbc.DatabaseReceiverProperties" version="4.4.1">
        <driver>net.sourceforge.jtds.jdbc.Driver</driver>
        <url>jdbc:jtds:sqlserver://⟦whost(sql)⟧:1433/LabResults</url>
        <username>mirth_reader</username>
        <password>⟦pwp⟧</password>
        <select>SELECT * FROM results WHERE processed = 0</select>
""",
)

_t(
    "Mirth SFTP file reader connector settings",
    r"""
        <scheme>SFTP</scheme>
        <host>⟦fqdn(sftp)⟧/inbound/oru</host>
        <anonymous>false</anonymous>
        <username>⟦pick(mirthsftp|lab_in|oru_drop)⟧</username>
        <password>⟦pwn⟧</password>
        <timeout>10000</timeout>
""",
)

_t(
    "Mirth CLI invocation with password flag",
    r"""
$ /opt/mirthconnect/mccommand -a https://⟦host(mirth)⟧:8443 -u admin -p ⟦pw⟧ -s /tmp/redeploy.txt
Connected to Mirth Connect server @ https://⟦host(mirth)⟧:8443 (4.4.1)
""",
)

_t(
    "Mirth server log with JDBC URL carrying password",
    r"""
[⟦tsms⟧]  ERROR (com.mirth.connect.connectors.jdbc.DatabaseReceiver:214): Error polling for messages (ADT_to_DWH -- Source)
java.sql.SQLException: Login failed. url=jdbc:sqlserver://⟦whost(sql)⟧:1433;databaseName=EHR;user=mirth;password=⟦pwh⟧;encrypt=false
""",
)

_t(
    "Mirth JavaScript transformer creating database connection",
    r"""
var dbConn = DatabaseConnectionFactory.createDatabaseConnection('org.postgresql.Driver',
    'jdbc:postgresql://⟦host(pg)⟧:5432/interfaces', 'intf_writer', '⟦pwn⟧');
try {
    dbConn.executeUpdate("INSERT INTO audit(msg_id) VALUES ('" + msg['MSH']['MSH.10']['MSH.10.1'].toString() + "')");
} finally { dbConn.close(); }
""",
)

_t(
    "Mirth configuration map export entry with lab API key",
    r"""
  <entry>
    <string>lab_api_key</string>
    <com.mirth.connect.util.ConfigurationProperty>
      <value>⟦tok(lab_,lan,32)⟧</value>
      <comment>issued by ⟦first⟧ for the LIS webhook</comment>
    </com.mirth.connect.util.ConfigurationProperty>
  </entry>
""",
)

_t(
    "Mirth HTTP Sender with basic authentication",
    r"""
        <useAuthentication>true</useAuthentication>
        <authenticationType>Basic</authenticationType>
        <usePreemptiveAuthentication>true</usePreemptiveAuthentication>
        <username>⟦pick(mirth_out|hie_push|portal)⟧</username>
        <password>⟦pwh⟧</password>
""",
)

_t(
    "Mirth REST API curl with basic credentials",
    r"""
$ curl -k -u admin:⟦pwn⟧ -X POST "https://⟦host(mirth)⟧:8443/api/channels/_redeployAll?returnErrors=true" -H "X-Requested-With: OpenAPI"
""",
)

_t(
    "Mirth Web Service Sender SOAP envelope with WS-Security password",
    r"""
<soapenv:Header>
  <wsse:Security xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd">
    <wsse:UsernameToken>
      <wsse:Username>⟦pick(hie_sender|mirth_ws|ehr_push)⟧</wsse:Username>
      <wsse:Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText">⟦pwp⟧</wsse:Password>
    </wsse:UsernameToken>
  </wsse:Security>
</soapenv:Header>
""",
)

_t(
    "Mirth SMTP sender connector properties",
    r"""
      <properties class="com.mirth.connect.connectors.smtp.SmtpDispatcherProperties" version="4.4.1">
        <smtpHost>⟦fqdn(smtp)⟧</smtpHost>
        <smtpPort>587</smtpPort>
        <authentication>true</authentication>
        <username>alerts@⟦domain⟧</username>
        <password>⟦pwh⟧</password>
""",
)

_t(
    "docker-compose for NextGen Connect with keystore env",
    r"""
  mc:
    image: nextgenhealthcare/connect:4.4.1
    environment:
      - DATABASE=postgres
      - DATABASE_URL=jdbc:postgresql://db:5432/mirthdb
      - DATABASE_USERNAME=mirthdb
      - DATABASE_PASSWORD=⟦pwn⟧
      - KEYSTORE_STOREPASS=⟦an(16)⟧
""",
)

# ---------------------------------------------------------------------------
# healthcare: other EHR interface engines
# ---------------------------------------------------------------------------
_fam("ehr_interface_engines")

_t(
    "Iguana Lua channel script posting with auth table",
    r"""
local R = net.http.post{
   url = 'https://⟦fqdn(hie)⟧/api/v2/results',
   auth = {username = 'iguana_push', password = '⟦pwh⟧'},
   body = json.serialize{data = Out},
   live = true
}
""",
)

_t(
    "Corepoint config connection string with password",
    r"""
  <connectionStrings>
    <add name="CorepointAudit" connectionString="Data Source=⟦whost(sql)⟧\CPSQL;Initial Catalog=CorepointAudit;User ID=cp_audit;Password=⟦pwp⟧" providerName="System.Data.SqlClient" />
  </connectionStrings>
""",
)

_t(
    "Cloverleaf Tcl proc with hard-coded SFTP password",
    r"""
proc sftp_put_results { args } {
    global HciConnName
    set sftp_host "⟦fqdn(sftp)⟧"
    set sftp_user "clvr_res"
    set sftp_pass "⟦pwn⟧"
    keylget args MODE mode
""",
)

_t(
    "WinSCP script with password in session URL",
    r'''
"C:\Program Files (x86)\WinSCP\WinSCP.com" /log="D:\intf\logs\winscp_⟦date⟧.log" /command ^
  "open sftp://ehrfeed:⟦pwn⟧@⟦fqdn(sftp)⟧/ -hostkey=""ssh-ed25519 255 ⟦rb64u(32)⟧""" ^
  "put D:\intf\outbound\*.hl7 /inbound/" "exit"
''',
)

_t(
    "sshpass sftp in interface cron",
    r"""
15 2 * * * sshpass -p '⟦pwh⟧' sftp -oBatchMode=no -b /opt/intf/batch/labres.sftp labres@⟦fqdn(lab)⟧ >/var/log/intf/labres.log 2>&1
""",
)

_t(
    "PowerShell credential object for interface service account",
    r"""
$user = '⟦pick(EHR|CORP|ZKH)⟧\svc_intf'
$cred = New-Object System.Management.Automation.PSCredential($user, (ConvertTo-SecureString '⟦pwp⟧' -AsPlainText -Force))
Invoke-Command -ComputerName ⟦whost(intf)⟧ -Credential $cred -ScriptBlock { Restart-Service 'Rhapsody Engine' }
""",
)

_t(
    "appsettings.json SMTP block for interface alerting",
    r"""
  "Smtp": {
    "Host": "⟦fqdn(smtp)⟧",
    "Port": 587,
    "User": "intf-alerts@⟦domain⟧",
    "Password": "⟦pwh⟧",
    "EnableSsl": true
  },
""",
)

_t(
    "HealthShare terminal SetCredential call",
    r"""
⟦pick(HSPROD|ENSPRD|HSACC)⟧>do ##class(Ens.Config.Credentials).SetCredential("LabSFTP","⟦pick(labsftp|lis_out|sftp_res)⟧","⟦pwh⟧",1)

⟦pick(HSPROD|ENSPRD|HSACC)⟧>write ##class(Ens.Director).IsProductionRunning()
1
""",
)

_t(
    "keytool importkeystore with both store passwords",
    r"""
$ keytool -importkeystore -srckeystore intf-client.p12 -srcstoretype PKCS12 -srcstorepass ⟦pwn⟧ -destkeystore /opt/rhapsody/local/keystore.jks -deststorepass ⟦pwh⟧
Importing keystore intf-client.p12 to /opt/rhapsody/local/keystore.jks...
Entry for alias 1 successfully imported.
""",
)

_t(
    "Epic Bridges style interface note in ticket with FTP password",
    r"""
Interface: ⟦pick(ADT|ORU|MDM)⟧ outbound to ⟦pick(Dialysis Center|Home Care|Reference Lab)⟧ (#⟦n(1000,9999)⟧)
Transport: FTPS ⟦fqdn(ftp)⟧:990, user ⟦pick(hc_feed|dial_adt|reflab)⟧, pwd ⟦pwu⟧
Go-live: ⟦date⟧ 06:00, contact ⟦first⟧
""",
)

_t(
    "Rhapsody locker properties with JDBC password",
    r"""
# rhapsody/local/config/lockers/DWH.properties
jdbc.url=jdbc:oracle:thin:@⟦host(ora)⟧:1521/DWHPRD
jdbc.user=RHAP_DWH
jdbc.password=⟦pwu⟧
jdbc.pool.max=12
""",
)

# ---------------------------------------------------------------------------
# finance: FIX sessions
# ---------------------------------------------------------------------------
_fam("fix_sessions")

_t(
    "FIX 4.4 Logon message with 553 Username and 554 Password (pipe delimited)",
    r"""
⟦tsms⟧ INFO  [QFJ Message Processor] FIX.4.4:⟦pick(ACMEFUND|NORDKAP|TEJOCAP):snd⟧->⟦pick(LMAXUAT|XTX|BROKERX):tgt⟧ outgoing: 8=FIX.4.4|9=⟦n(90,140)⟧|35=A|34=1|49=⟦ref(snd)⟧|56=⟦ref(tgt)⟧|52=⟦fixts⟧|98=0|108=30|141=Y|553=⟦user⟧|554=⟦pwh⟧|10=⟦n(100,255)⟧|
""",
)

_t(
    "raw FIX logon with SOH bytes captured in session file",
    r"""
8=FIX.4.2⟦soh⟧9=⟦n(80,130)⟧⟦soh⟧35=A⟦soh⟧34=1⟦soh⟧49=⟦pick(TDESK01|OMS_PRD|ALGOGW)⟧⟦soh⟧56=⟦pick(EXEC|NYFIX|FXALL)⟧⟦soh⟧52=⟦fixts⟧⟦soh⟧98=0⟦soh⟧108=30⟦soh⟧553=⟦pick(tdesk|omsprd|algo01)⟧⟦soh⟧554=⟦pw8⟧⟦soh⟧10=⟦n(100,255)⟧⟦soh⟧
""",
)

_t(
    "QuickFIX session settings with custom logon password key",
    r"""
[SESSION]
BeginString=FIX.4.4
SenderCompID=⟦pick(NORDKASSE_FX|TIDEWATER|AEGEAN_TR)⟧
TargetCompID=⟦pick(LP_STREAM|ECN_UAT|PRIMEBRK)⟧
SocketConnectHost=⟦ip⟧
SocketConnectPort=⟦port(9876|9878|5001|443)⟧
HeartBtInt=30
LogonUsername=⟦pick(nkfx_uat|tw_trd|aeg_fx)⟧
LogonPassword=⟦pwn⟧
""",
)

_t(
    "FIX password change logon with 554 and 925 NewPassword",
    r"""
⟦fixts⟧ -> 8=FIX.4.4|9=⟦n(100,160)⟧|35=A|34=1|49=⟦pick(OMS|TRDR|FXDESK)⟧|56=⟦pick(VENUE|MTF1|CLOB)⟧|52=⟦fixts⟧|98=0|108=20|553=⟦user⟧|554=⟦pwu⟧|925=⟦pwu⟧|10=⟦n(100,255)⟧|
⟦fixts⟧ <- 8=FIX.4.4|9=⟦n(90,140)⟧|35=A|34=1|49=⟦pick(VENUE|MTF1|CLOB)⟧|56=⟦pick(OMS|TRDR|FXDESK)⟧|98=0|108=20|1409=0|10=⟦n(100,255)⟧|
""",
)

_t(
    "FIX UserRequest (35=BE) with credentials",
    r"""
⟦tsms⟧ DEBUG fixgw.session - send 8=FIXT.1.1|9=⟦n(100,140)⟧|35=BE|34=⟦n(2,40)⟧|49=⟦pick(CLNT7|BANKA|HF22)⟧|56=⟦pick(EXCH|MDP)⟧|923=⟦uuid⟧|924=1|553=⟦pick(clnt7_md|banka_md|hf22)⟧|554=⟦pwh⟧|10=⟦n(100,255)⟧|
⟦tsms⟧ DEBUG fixgw.session - recv 35=BF UserStatus=1 (LoggedIn)
""",
)

_t(
    "FIX logon using RawData 96 for session token",
    r"""
⟦tsms⟧ [fix-md-⟦n(1,4)⟧] >> 8=FIX.4.4|9=⟦n(110,170)⟧|35=A|34=1|49=⟦pick(MDCLIENT|QUOTER)⟧|56=⟦pick(FEED|STREAM)⟧|52=⟦fixts⟧|98=0|108=15|95=40|96=⟦an(40)⟧|141=Y|10=⟦n(100,255)⟧|
""",
)

_t(
    "Python simplefix logon builder code",
    r"""
msg = simplefix.FixMessage()
msg.append_pair(8, "FIX.4.4")
msg.append_pair(35, "A")
msg.append_pair(49, "⟦pick(TIDEWATER|NORDKASSE|KUZEYFX)⟧")
msg.append_pair(56, "⟦pick(LMAX|CURRENEX|HOTSPOT)⟧")
msg.append_pair(553, "⟦pick(tw_api|nk_api|kz_api)⟧")
msg.append_pair(554, "⟦pwp⟧")
""",
)

_t(
    "crypto exchange FIX logon with API key in 553 and passphrase in 554",
    r"""
⟦tsms⟧ INFO  fix.logon - SenderCompID=⟦hex(32):k⟧ TargetCompID=Coinbase
⟦tsms⟧ DEBUG fix.out  - 8=FIXT.1.1|35=A|49=⟦ref(k)⟧|56=Coinbase|98=0|108=30|141=Y|553=⟦ref(k)⟧|554=⟦lan(11)⟧|8013=S|1137=9|
""",
)

_t(
    "Wireshark FIX dissector text output",
    r"""
Financial Information eXchange Protocol
    BeginString (8): FIX.4.4
    MsgType (35): A (LOGON)
    SenderCompID (49): ⟦pick(HF_ALPHA|PB_ONE|TRDCO)⟧
    HeartBtInt (108): 30
    Username (553): ⟦pick(hfalpha|pbone|trdco_uat)⟧
    Password (554): ⟦pws⟧
    CheckSum (10): ⟦n(100,255)⟧ [correct]
""",
)

_t(
    "trading desk chat sharing UAT FIX creds",
    r"""
[⟦hm⟧] ⟦first⟧: UAT session for ⟦pick(Tejo Capital|Nordkap AM|Aegean Trading)⟧ is up, creds 553=⟦pick(tejo_uat|nordkap|aegtr)⟧ 554=⟦pwn⟧
[⟦hm⟧] ⟦first⟧: thx, will kick the logon after the 14:00 reset
""",
)

_t(
    "FIX gateway startup session table with password column",
    r"""
Session                         Host             Port  HB  Username    Password
FIX.4.2:⟦pick(ACME|NKAS|TIDE)⟧->⟦pick(LSEG|EBS|CBOE)⟧         ⟦ip⟧    ⟦port(9876|9001|4001)⟧  30  ⟦pick(acme_p|nkas01|tide)⟧      ⟦pwu⟧
FIX.4.4:⟦pick(ACME|NKAS|TIDE)⟧->DROPCOPY       ⟦ip⟧    ⟦port(9877|9002)⟧  30  dropcopy    ********
""",
)

_t(
    "QuickFIX/J Java config snippet passing credentials in toAdmin",
    r"""
@Override
public void toAdmin(Message message, SessionID sessionId) {
    if (MsgType.LOGON.equals(message.getHeader().getString(MsgType.FIELD))) {
        message.setString(Username.FIELD, "⟦pick(fxgw|algo_prd|omsuser)⟧");
        message.setString(Password.FIELD, "⟦pwh⟧");
    }
}
""",
)

# ---------------------------------------------------------------------------
# finance: SWIFT / Alliance
# ---------------------------------------------------------------------------
_fam("swift_alliance")

_t(
    "Alliance Lite2 AutoClient LAU key halves in setup notes",
    r"""
AutoClient LAU configuration (⟦whost(ac)⟧), ⟦date⟧
  LAU key left part  (SO1 ⟦first⟧): ⟦an(16)⟧
  LAU key right part (SO2 ⟦first⟧): ⟦an(16)⟧
  Algorithm: HMAC-SHA256
""",
)

_t(
    "Luna HSM lunacm role login with password",
    r"""
lunacm:> slot set -slot ⟦n(0,3)⟧
lunacm:> role login -name co -password ⟦pwp⟧
Command Result : No Error
lunacm:> partition show
""",
)

_t(
    "Python paramiko upload to AutoClient SFTP with password",
    r"""
transport = paramiko.Transport(("⟦fqdn(swift)⟧", 22))
transport.connect(username="⟦pick(ac_emission|swiftsftp|lite2)⟧", password="⟦pwh⟧")
sftp = paramiko.SFTPClient.from_transport(transport)
sftp.put("/data/swift/out/MT103_⟦n(10000,99999)⟧.fin", "/emission/MT103_⟦n(10000,99999)⟧.fin")
""",
)

_t(
    "runmqakm key database creation with password",
    r"""
$ runmqakm -keydb -create -db /var/mqm/qmgrs/SWIFTQM/ssl/key.kdb -pw ⟦pw⟧ -type cms -stash
$ runmqakm -cert -list -db /var/mqm/qmgrs/SWIFTQM/ssl/key.kdb -stashed
Certificates found
* default, - personal, ! trusted, # secret key
""",
)

_t(
    "SWIFT operations e-mail with LAU key part",
    r"""
From: ⟦email⟧
Subject: LAU key rotation ⟦pick(BIC NKASNL2A|BIC TDWBGB2L|BIC KZBKTRIS)⟧ - part B

Hi ⟦first⟧, as agreed part B of the new LAU key is ⟦an(16)⟧. Part A follows from ⟦first⟧ by phone.
Please confirm activation in the ticket.
""",
)

_t(
    "MT940 statement pull using curl sftp user:password",
    r"""
$ curl -sS -u mt940pull:⟦pwn⟧ "sftp://⟦fqdn(swift)⟧/outbound/MT940/" --list-only
MT940_⟦date⟧_01.fin
MT940_⟦date⟧_02.fin
""",
)

_t(
    "Alliance Access message partner export XML with FTP password",
    r"""
<MessagePartner name="⟦pick(CORE_IN|TREAS_OUT|PAY_HUB)⟧">
  <ConnectionMethod>FileTransfer</ConnectionMethod>
  <FTPHost>⟦ip⟧</FTPHost>
  <FTPUser>saa_mp</FTPUser>
  <FTPPassword>⟦pwu⟧</FTPPassword>
</MessagePartner>
""",
)

_t(
    "jump server bash history with keystore storepass for SWIFTNet tools",
    r"""
 ⟦n(100,999)⟧  cd /opt/swiftnet/tools
 ⟦n(100,999)⟧  java -jar snl-certtool.jar --keystore /opt/swiftnet/pki/hsm-client.p12 --storepass ⟦pwh⟧ --list
 ⟦n(100,999)⟧  exit
""",
)

_t(
    "handover note for SWIFT operator password (Dutch)",
    r"""
Overdracht SWIFT ⟦date⟧: operator account ⟦pick(ops_nacht|op_weekend|swiftop2)⟧ is ontgrendeld, tijdelijk wachtwoord is ⟦pwu⟧ (moet bij eerste login gewijzigd worden).
""",
)

_t(
    "Alliance Gateway bootstrap script with HSM partition PIN",
    r"""
export SAG_HSM_SLOT=⟦n(1,4)⟧
export SAG_HSM_PARTITION_PIN='⟦pin(8)⟧'
/Alliance/Gateway/bin/sag_bootstrap.sh --instance ⟦pick(SAGPRD|SAGDR|SAGACC)⟧
""",
)

# ---------------------------------------------------------------------------
# finance: payment gateways
# ---------------------------------------------------------------------------
_fam("payment_gateways")

_t(
    "Stripe keys in .env",
    r"""
STRIPE_PUBLISHABLE_KEY=pk_live_⟦rb64u(18)⟧
STRIPE_SECRET_KEY=⟦tok(sk_live_,an,99)⟧
STRIPE_WEBHOOK_SECRET=⟦tok(whsec_,an,32)⟧
""",
)

_t(
    "Stripe CLI listen output with webhook signing secret",
    r"""
$ stripe listen --api-key ⟦tok(rk_test_,an,99)⟧ --forward-to localhost:4242/webhook
> Ready! You are using Stripe API Version [2024-06-20]. Your webhook signing secret is ⟦tok(whsec_,an,32)⟧ (^C to quit)
⟦tsp⟧   --> payment_intent.succeeded [evt_⟦rb64u(18)⟧]
""",
)

_t(
    "Adyen API key in application.properties",
    r"""
adyen.environment=LIVE
adyen.merchantAccount=⟦pick(NordkasseECOM|TejoPagamentos|AnadoluPayPOS)⟧
adyen.apiKey=⟦adyen⟧
adyen.liveEndpointUrlPrefix=⟦hexid(16)⟧-⟦pick(Nordkasse|Tejo|Anadolu)⟧
""",
)

_t(
    "Braintree gateway Python config with private key",
    r"""
gateway = braintree.BraintreeGateway(
    braintree.Configuration(
        braintree.Environment.Production,
        merchant_id="⟦rs(lan,16)⟧",
        public_key="⟦rs(lan,16)⟧",
        private_key="⟦hex(32)⟧",
    )
)
""",
)

_t(
    "Authorize.Net transaction key in web.config",
    r"""
  <appSettings>
    <add key="AuthNetApiLoginId" value="⟦rs(an,9)⟧" />
    <add key="AuthNetTransactionKey" value="⟦an(16)⟧" />
    <add key="AuthNetEnvironment" value="PRODUCTION" />
  </appSettings>
""",
)

_t(
    "Square access token exported in shell",
    r"""
$ export SQUARE_ACCESS_TOKEN=⟦tok(EAAA,u,60)⟧
$ curl -s https://connect.squareup.com/v2/locations -H "Square-Version: 2024-07-17" -H "Authorization: Bearer $SQUARE_ACCESS_TOKEN" | jq '.locations[].id'
""",
)

_t(
    "PayPal OAuth token curl with client id and secret",
    r"""
$ curl -v https://api-m.paypal.com/v1/oauth2/token -u "⟦rtok(A,u,79)⟧:⟦tok(E,u,79)⟧" -d "grant_type=client_credentials"
* Connected to api-m.paypal.com (⟦pip⟧) port 443
""",
)

_t(
    "Checkout.com secret key in request log",
    r"""
⟦ts⟧ DEBUG PaymentsClient - POST https://api.sandbox.checkout.com/payments headers={Authorization=⟦tok(sk_sbox_,lan,28)⟧, Cko-Idempotency-Key=⟦uuid⟧}
""",
)

_t(
    "Cybersource HTTP signature shared secret in config YAML",
    r"""
cybersource:
  merchant_id: ⟦pick(nordkasse_ecom|tejo_pay|anadolu_retail)⟧
  key_id: ⟦uuid⟧
  shared_secret: ⟦b64(32)⟧
  run_environment: api.cybersource.com
""",
)

_t(
    "Mollie live API key in PHP config",
    r"""
<?php
return [
    'mollie' => [
        'key' => '⟦tok(live_,an,30)⟧',
        'webhook' => 'https://⟦fqdn(shop)⟧/mollie/webhook',
    ],
];
""",
)

_t(
    "Razorpay key secret in Node app log",
    r"""
⟦ts⟧ info: razorpay client init key_id=rzp_live_⟦rb64u(10)⟧ key_secret=⟦an(24)⟧ env=production
""",
)

_t(
    "Payflow Pro NVP request string with PWD",
    r"""
⟦tsms⟧ DEBUG PayflowClient - request: PARTNER=PayPal&VENDOR=⟦pick(nordkasse|tejoshop|kuzeyweb)⟧&USER=⟦pick(apiuser|txn_api|ppf01)⟧&PWD=⟦pwn⟧&TRXTYPE=S&TENDER=C&AMT=⟦n(10,999)⟧.00&CURRENCY=EUR
⟦tsms⟧ DEBUG PayflowClient - response: RESULT=0&PNREF=⟦HEXID(12)⟧&RESPMSG=Approved
""",
)

_t(
    "Midtrans server key in Indonesian dev chat",
    r"""
[⟦hm⟧] ⟦first⟧: mas, server key Midtrans production yang baru apa ya? yang lama sudah di-revoke
[⟦hm⟧] ⟦first⟧: ⟦tok(Mid-server-,u,24)⟧ , jangan taruh di repo ya
""",
)

_t(
    "M-Pesa Daraja consumer secret and passkey in config",
    r"""
MPESA_ENV=production
MPESA_CONSUMER_KEY=⟦an(48)⟧
MPESA_CONSUMER_SECRET=⟦an(64)⟧
MPESA_SHORTCODE=⟦n(100000,999999)⟧
MPESA_CALLBACK_URL=https://⟦fqdn(pay)⟧/mpesa/callback
""",
)

_t(
    "Paystack secret key in Laravel .env",
    r"""
PAYSTACK_PUBLIC_KEY=pk_live_⟦hexid(40)⟧
PAYSTACK_SECRET_KEY=⟦tok(sk_live_,hex,40)⟧
PAYSTACK_PAYMENT_URL=https://api.paystack.co
MERCHANT_EMAIL=⟦email⟧
""",
)

# ---------------------------------------------------------------------------
# finance: card terminals / POS
# ---------------------------------------------------------------------------
_fam("card_terminals")

_t(
    "terminal management parameter download log with merchant password and supervisor PIN",
    r"""
⟦tsp⟧ TMS  [⟦pick(V400M|Move5000|A920|Desk3500)⟧ SN ⟦n(100000000,999999999):sn⟧] PARAM MERCHANT_PWD=⟦pin(6)⟧
⟦tsp⟧ TMS  [⟦pick(V400M|Move5000|A920|Desk3500)⟧ SN ⟦ref(sn)⟧] PARAM SUPERVISOR_PIN=⟦pin(4)⟧
⟦tsp⟧ TMS  download complete, 42 parameters applied
""",
)

_t(
    "POS terminal config INI with manager PIN and tech password",
    r"""
[Admin]
ManagerPin=⟦pin(6)⟧
TechPassword=⟦pwu⟧
[Host]
Acquirer=⟦pick(Worldline|Nexi|Adyen|Elavon)⟧
HostIP=⟦ip⟧
""",
)

_t(
    "key injection log with clear test TMK",
    r"""
⟦tsp⟧ KIF station ⟦n(1,9)⟧: device ⟦pick(PINpad P400|iPP350|Lane/3000)⟧ SN ⟦n(10000000,99999999)⟧
⟦tsp⟧ KIF loading TMK (test, clear) = ⟦HEX(32)⟧ KCV=⟦HEXID(6)⟧
⟦tsp⟧ KIF result: OK
""",
)

_t(
    "ZVT registration trace with 6-digit terminal password",
    r"""
⟦tsms⟧ ECR -> PT  06 00 0F ⟦pin(6):zp⟧ 8E 09 78 03 00 06 06 26 04 0A 02 06 D3
⟦tsms⟧ ECR     Registration(pwd=⟦ref(zp)⟧, config=0x8E, currency=978)
⟦tsms⟧ PT  -> ECR 80 00 00
""",
)

_t(
    "Android POS logcat printing merchant key",
    r"""
12-0⟦n(1,3)⟧ ⟦hms⟧.⟦n(100,999)⟧  ⟦pid⟧  ⟦pid⟧ D TerminalConfig: loaded profile=retail merchantId=⟦n(100000,999999)⟧ merchantKey=⟦HEX(32)⟧
""",
)

_t(
    "store manager note about refund override PIN",
    r"""
⟦date⟧ store ⟦n(100,999)⟧ note: refunds above EUR 200 need supervisor override, current override PIN is ⟦pin(6)⟧ - changes monthly, ask ⟦first⟧.
""",
)

_t(
    "hostapd config for POS VLAN Wi-Fi",
    r"""
interface=wlan0
ssid=POS-⟦n(100,999)⟧
wpa=2
wpa_key_mgmt=WPA-PSK
wpa_passphrase=⟦pwh⟧
rsn_pairwise=CCMP
""",
)

_t(
    "sshpass to POS controller in support runbook",
    r"""
sshpass -p '⟦pw⟧' ssh -o StrictHostKeyChecking=no root@⟦ip⟧ 'tail -n 50 /var/log/pos/controller.log'
""",
)

_t(
    "unattended payment kiosk config with MAC key",
    r"""
[acquirer]
terminal_id = ⟦n(10000000,99999999)⟧
mac_key = ⟦HEX(32)⟧
host = ⟦fqdn(acq)⟧:⟦port(5000|7000|8583)⟧
""",
)

_t(
    "PAXSTORE push template JSON with admin password",
    r"""
{"templateName":"retail-⟦pick(nl|pl|pt|tr)⟧-v⟦n(2,9)⟧","parameters":{"sys.admin.password":"⟦pin(8)⟧","sys.lang":"⟦pick(nl|pl|pt|tr)⟧","tms.heartbeat":"300"}}
""",
)

_t(
    "terminal onboarding ticket comment with technician menu code",
    r"""
Comment by ⟦first⟧ (⟦tsp⟧): lane ⟦n(1,12)⟧ terminal swapped. Tech menu code for the new unit is ⟦pin(6)⟧, please do not write it on the device.
""",
)

# ---------------------------------------------------------------------------
# finance: banking batch jobs
# ---------------------------------------------------------------------------
_fam("banking_batch")

_t(
    "z/OS batch FTP JCL with user and password in SYSIN",
    r"""
//FTPSTEP  EXEC PGM=FTP,PARM='(EXIT'
//SYSPRINT DD SYSOUT=*
//INPUT    DD *
⟦ip⟧
⟦pick(BATFTP1|ACHXFER|GLPUSH)⟧ ⟦pwu⟧
PUT 'PROD.ACH.OUTBOUND(0)' ach_⟦date⟧.txt
QUIT
/*
""",
)

_t(
    "Control-M job definition variable with SFTP password",
    r"""
    <JOB JOBNAME="ACH_SEND_⟦pick(EOD|NOON|AM)⟧" APPLICATION="PAYMENTS" RUN_AS="batchusr" TASKTYPE="Command">
      <VARIABLE NAME="%%SFTP_USER" VALUE="ach_out" />
      <VARIABLE NAME="%%SFTP_PASS" VALUE="⟦pwh⟧" />
      <VARIABLE NAME="%%SFTP_HOST" VALUE="⟦fqdn(ach)⟧" />
""",
)

_t(
    "SQL*Plus call with password in connect string",
    r"""
$ sqlplus batch_owner/⟦pwn⟧@COREBANK @/opt/batch/sql/eod_interest.sql

SQL*Plus: Release 19.0.0.0.0 - Production on ⟦ctime⟧
Connected to:
Oracle Database 19c Enterprise Edition Release 19.0.0.0.0 - Production
""",
)

_t(
    "AutoSys JIL command with -p password",
    r"""
insert_job: GL_POST_DAILY   job_type: CMD
command: /opt/batch/bin/run_gl.sh -u gluser -p ⟦pwh⟧ -d $$RUN_DATE
machine: ⟦host(batch)⟧
owner: batchusr
""",
)

_t(
    "Informatica pmcmd startworkflow with password",
    r"""
$ pmcmd startworkflow -sv IS_PROD -d Domain_⟦pick(Bank|Treasury|Retail)⟧ -u Administrator -p ⟦pw⟧ -f FIN -wait wf_daily_gl
Informatica(r) PMCMD, version [10.5.4], build [1203.0305]
Starting workflow [wf_daily_gl]
""",
)

_t(
    "Spring Batch application.properties",
    r"""
spring.batch.job.names=settlementJob
spring.datasource.url=jdbc:db2://⟦host(db2)⟧:50000/SETTLE
spring.datasource.username=settle_app
spring.datasource.password=⟦pwp⟧
""",
)

_t(
    "Windows batch net use with service password",
    r"""
@echo off
net use \\⟦whost(fs)⟧\recon$ /user:⟦pick(BANK|TREAS|CORP)⟧\svc_recon ⟦pwh⟧ /persistent:no
robocopy \\⟦whost(fs)⟧\recon$\in D:\recon\in *.csv /MOV /R:2 /W:5
""",
)

_t(
    "Temenos T24 OFS message with user/password/company",
    r"""
⟦tsms⟧ OFS IN : FUNDS.TRANSFER,/I/PROCESS,⟦pick(INPUTT|BATCHOFS|TCIB01)⟧/⟦pwu⟧/GB0010001,,TRANSACTION.TYPE=AC,DEBIT.ACCT.NO=⟦n(10000000,99999999)⟧,DEBIT.CURRENCY=EUR,DEBIT.AMOUNT=⟦n(10,9999)⟧
⟦tsms⟧ OFS OUT: FT⟦n(10000,99999)⟧/⟦n(100000,999999)⟧/1,...
""",
)

_t(
    "RACF ALTUSER command resetting batch user password",
    r"""
 ALU ⟦pick(BATCH01|ACHJOB|GLRUN)⟧ PASSWORD(⟦pwu⟧) NOEXPIRED
 READY
 LU ⟦pick(BATCH01|ACHJOB|GLRUN)⟧
""",
)

_t(
    "NACHA upload shell script with lftp credentials",
    r"""
#!/bin/bash
# ach_upload.sh - runs after ACH_BUILD
lftp -u "ach_origin,⟦pwn⟧" -e "set sftp:auto-confirm yes; put /data/ach/out/NACHA_$(date +%Y%m%d).ach -o /incoming/; bye" sftp://⟦fqdn(ach)⟧
""",
)

_t(
    "batch job log dumping connection properties",
    r"""
⟦tsms⟧ INFO  [settle-job] Using datasource {url=jdbc:oracle:thin:@⟦host(ora)⟧:1521/SETTLE, user=SETTLE_BATCH, password=⟦pwu⟧, poolSize=8}
⟦tsms⟧ INFO  [settle-job] Step [readPositions] executed in 41s
""",
)

# ---------------------------------------------------------------------------
# finance: PCI tooling and secret stores
# ---------------------------------------------------------------------------
_fam("pci_tooling")

_t(
    "Voltage SecureData client config with shared secret",
    r"""
[securedata]
policy_url = https://⟦fqdn(voltage)⟧/policy/clientPolicy.xml
identity = pan-tokenizer@⟦domain⟧
shared_secret = ⟦an(32)⟧
format = cc-sst-6-4
""",
)

_t(
    "Qualys API curl with user:password",
    r"""
$ curl -u "⟦pick(nrdks_as|tejo_asv|kzb_qs)⟧:⟦pwh⟧" -H "X-Requested-With: curl" "https://qualysapi.qualys.eu/api/2.0/fo/scan/?action=list&state=Finished"
""",
)

_t(
    "Nessus API call with X-ApiKeys header",
    r"""
$ curl -sk -H "X-ApiKeys: accessKey=⟦hex(64)⟧; secretKey=⟦hex(64)⟧" https://⟦host(nessus)⟧:8834/scans | jq '.scans[] | {id, name, status}'
""",
)

_t(
    "OSSEC client.keys entry on POS host",
    r"""
# cat /var/ossec/etc/client.keys
⟦n(1,250)⟧ pos-store-⟦n(10,99)⟧ ⟦ip⟧ ⟦hex(64)⟧
""",
)

_t(
    "application config with data encryption key",
    r"""
db.encryption.enabled=true
db.encryption.dek=⟦b64(32)⟧
db.encryption.algorithm=AES/GCM/NoPadding
""",
)

_t(
    "Splunk HEC token header in forwarder config",
    r"""
[httpout]
httpEventCollectorToken = ⟦uuids⟧
uri = https://⟦fqdn(splunk)⟧:8088
""",
)

_t(
    "CyberArk CCP REST response content",
    r"""
$ curl -s --cert app.crt --key app.key "https://⟦fqdn(ccp)⟧/AIMWebService/api/Accounts?AppID=PaySvc&Safe=PCI-DB&Object=pay-db-owner"
{"Content":"⟦pwp⟧","UserName":"PAY_OWNER","Address":"⟦host(ora)⟧","Safe":"PCI-DB","Folder":"Root","PolicyID":"Oracle"}
""",
)

_t(
    "Oracle TDE keystore open statement",
    r"""
SQL> ADMINISTER KEY MANAGEMENT SET KEYSTORE OPEN IDENTIFIED BY "⟦pwh⟧" CONTAINER=ALL;

keystore altered.
""",
)

_t(
    "orapki wallet creation with password",
    r"""
$ orapki wallet create -wallet /u01/app/oracle/admin/PAYDB/wallet -pwd '⟦pwp⟧' -auto_login
Oracle PKI Tool Release 19.0.0.0.0 - Production
Operation is successfully completed.
""",
)

_t(
    "PCI evidence spreadsheet row accidentally holding credentials",
    r"""
Requirement,System,Evidence,Owner,Notes
8.3.6,⟦host(pay)⟧,screenshot_8.3.6.png,⟦first⟧,"tested login with breakglass / ⟦pwh⟧, lockout after 6 attempts OK"
""",
)

# ---------------------------------------------------------------------------
# finance: HSM and key ceremonies
# ---------------------------------------------------------------------------
_fam("hsm_key_ceremonies")

_t(
    "payShield console form key component entry",
    r"""
Online-AUTH>FK
Key length [S/D/T]: D
Key type: 000 (ZMK)
Enter component 1: ⟦HEX(32)⟧
Component 1 check value: ⟦HEXID(6)⟧
""",
)

_t(
    "key ceremony minutes with clear component",
    r"""
⟦date⟧ ⟦hm⟧  Custodian A (⟦first⟧) entered ZMK component ⟦HEX(32)⟧, KCV ⟦HEXID(6)⟧ verified by witness.
⟦date⟧ ⟦hm⟧  Custodian B entered component 2 (not recorded). Combined KCV matched.
""",
)

_t(
    "pkcs11-tool listing objects with user PIN",
    r"""
$ pkcs11-tool --module /usr/lib/libCryptoki2_64.so --slot ⟦n(0,3)⟧ --login --pin ⟦pin(8)⟧ --list-objects --type privkey
Private Key Object; RSA
  label:      pay-sign-⟦n(2024,2027)⟧
""",
)

_t(
    "softhsm2-util token init with user and SO PIN",
    r"""
$ softhsm2-util --init-token --slot 0 --label "pay-tokens" --pin ⟦pin(6)⟧ --so-pin ⟦pin(8)⟧
The token has been initialized and is reassigned to slot ⟦n(100000000,999999999)⟧
""",
)

_t(
    "openssl pkeyutl with PKCS#11 URI containing pin-value",
    r"""
$ openssl pkeyutl -engine pkcs11 -keyform engine -sign -inkey "pkcs11:token=pay;object=sign-⟦n(1,9)⟧;pin-value=⟦pin(6)⟧" -in digest.bin -out sig.bin
engine "pkcs11" set.
""",
)

_t(
    "DUKPT test harness config with BDK",
    r"""
# dukpt-sim.yaml (TEST ONLY)
bdk: ⟦HEX(32)⟧
ksn_prefix: FFFF⟦HEXID(6)⟧
device_count: 200
""",
)

_t(
    "HSM operator handover in Polish with smart card PIN",
    r"""
Przekazanie zmiany ⟦date⟧: karta operatora HSM (sejf 2) – PIN ⟦pin(6)⟧. Po ceremonii zmienić PIN i zapisać w kopercie.
""",
)

_t(
    "Thales Luna client ini with partition password env",
    r"""
$ export ChrystokiConfigurationPath=/etc/luna
$ export LUNA_PARTITION_PASSWORD='⟦pwp⟧'
$ /usr/safenet/lunaclient/bin/multitoken -mode rsasigver -key 2048 -s 0 -nodes 4
""",
)

_t(
    "Java keystore ceremony transcript with storepass",
    r"""
$ keytool -genkeypair -alias pay-api-⟦n(2025,2027)⟧ -keyalg EC -groupname secp256r1 -keystore pay-api.p12 -storetype PKCS12 -storepass ⟦pwh⟧ -dname "CN=pay-api, O=⟦pick(Nordkasse|Tejo Pagamentos|Kuzey Bank)⟧"
$ keytool -list -keystore pay-api.p12 -storepass ⟦ref(sp)⟧
""".replace("-storepass ⟦pwh⟧", "-storepass ⟦pwh:sp⟧"),
)

_t(
    "key custodian Markdown table with clear components",
    r"""
| Custodian | Component                          | KCV    | Date       |
|-----------|------------------------------------|--------|------------|
| ⟦first⟧   | ⟦HEX(32)⟧   | ⟦HEXID(6)⟧ | ⟦date⟧ |
| ⟦first⟧   | (sealed envelope #⟦n(100,999)⟧)            | ⟦HEXID(6)⟧ | ⟦date⟧ |
""",
)

# ---------------------------------------------------------------------------
# industrial: SCADA / HMI
# ---------------------------------------------------------------------------
_fam("scada_hmi")

_t(
    "Ignition gateway log with faulted DB connection URL containing password",
    r"""
⟦tsms⟧ WARN  [d.DatasourceManager] Datasource "MES_DB" faulted: url=jdbc:sqlserver://⟦whost(sql)⟧:1433;databaseName=MES;user=ign_mes;password=⟦pwh⟧
⟦tsms⟧ INFO  [d.DatasourceManager] Datasource "MES_DB" retry in 10000 ms
""",
)

_t(
    "WinCC user administration CSV export with passwords",
    r"""
User;Group;Password;Logoff time
⟦pick(operator1|shift_a|ploeg1)⟧;Operators;⟦pws⟧;10
⟦pick(engineer|maint|onderhoud)⟧;Engineers;⟦pwl⟧;30
""",
)

_t(
    "HMI project users INI",
    r"""
[Users]
Operator=⟦pin(4)⟧
Supervisor=⟦pin(6)⟧
Engineer=⟦pwu⟧
[Panel]
Model=⟦pick(KTP700|PanelView 5510|GP4501T)⟧
""",
)

_t(
    "Node-RED settings.js adminAuth with bcrypt hash",
    r"""
    adminAuth: {
        type: "credentials",
        users: [{
            username: "⟦pick(admin|scada|plant)⟧",
            password: "⟦bcrypt⟧",
            permissions: "*"
        }]
    },
""",
)

_t(
    "Node-RED flow export with node credentials",
    r"""
[{"id":"⟦hexid(16)⟧","type":"mqtt-broker","name":"plant-broker","broker":"⟦ip⟧","port":"1883","clientid":"nodered-line⟦n(1,9)⟧",
  "credentials":{"user":"⟦pick(nodered|hmi_bridge|line_gw)⟧","password":"⟦pwn⟧"}}]
""",
)

_t(
    "x11vnc on HMI panel PC with password flag",
    r"""
$ ps -ef | grep [x]11vnc
root      ⟦pid⟧     1  0 ⟦hm⟧ ?        00:00:04 /usr/bin/x11vnc -display :0 -forever -shared -passwd ⟦pws⟧ -rfbport 5900
""",
)

_t(
    "badly coded HMI audit log printing new password",
    r"""
⟦tsp⟧ [HMI-⟦n(1,9)⟧] user 'engineer' changed password, new password='⟦pwh⟧', station=⟦whost(hmi)⟧
""",
)

_t(
    "KEPServerEX config API call with basic credentials",
    r"""
$ curl -s -u Administrator:⟦pwn⟧ http://⟦ip⟧:57412/config/v1/project/channels | jq '.[].common.ALLTYPES_NAME'
"Line⟦n(1,9)⟧_S7"
"Packaging_ABCIP"
""",
)

_t(
    "WinCC OA style config with SMTP password for alarm mails",
    r"""
[general]
pvss_path = "/opt/WinCC_OA/3.19"
proj_path = "/opt/projects/⟦pick(waterplant|boiler_house|line_ctrl)⟧"
[mail]
smtpServer = "⟦fqdn(smtp)⟧"
smtpUser = "scada-alarms"
smtpPassword = "⟦pwh⟧"
""",
)

_t(
    "operator shift log with engineering login",
    r"""
⟦isod⟧ ⟦hm⟧ Shift B: HMI-⟦n(1,6)⟧ locked after 3 wrong logins, reset by ⟦first⟧. Engineer login now ⟦pick(eng|ENG01|service)⟧ / ⟦pwu⟧ until the vendor visit.
""",
)

_t(
    "Ignition gateway backup restore with admin password",
    r"""
$ ./gwcmd.sh --restore /backups/⟦pick(plant|site)⟧_⟦date⟧.gwbk --password ⟦pwh⟧ -y
Restoring gateway backup... done. Gateway will restart.
""",
)

# ---------------------------------------------------------------------------
# industrial: PLC programming tools
# ---------------------------------------------------------------------------
_fam("plc_tools")

_t(
    "TIA Portal project documentation export with protection password",
    r"""
Device: PLC_⟦n(1,9)⟧ [CPU 1516-3 PN/DP]
  Protection level: Full access incl. fail-safe (no protection) -> changed to Complete protection
  Password (read/write access): ⟦pwh⟧
  Password HMI access: ⟦pws⟧
""",
)

_t(
    "Studio 5000 source protection sk.dat contents",
    r"""
C:\Users\⟦user⟧> type "C:\RSLogix 5000\Projects\Keys\sk.dat"
⟦an(20)⟧
⟦phrasep⟧
""",
)

_t(
    "TwinCAT PowerShell Add-AdsRoute with password",
    r"""
PS C:\> Add-AdsRoute -Name ⟦whost(plc):rn⟧ -Address ⟦ip⟧ -NetID ⟦n(1,199)⟧.⟦n(1,254)⟧.⟦n(1,254)⟧.⟦n(1,254)⟧.1.1 -Username Administrator -Password '⟦pwn⟧' -Force
Route ⟦ref(rn)⟧ added.
""",
)

_t(
    "python-snap7 script setting session password",
    r"""
plc = snap7.client.Client()
plc.connect("⟦ip⟧", 0, 1)
plc.set_session_password("⟦pw8⟧")
data = plc.db_read(⟦n(1,200)⟧, 0, 64)
""",
)

_t(
    "curl FTP backup from PLC communication processor",
    r"""
$ curl -s -u plcadmin:⟦pwn⟧ ftp://⟦ip⟧/backup/ -o /srv/plc-backups/⟦date⟧_line⟦n(1,9)⟧.tar
""",
)

_t(
    "git commit message in PLC repo leaking know-how protection password",
    r"""
commit ⟦hexid(40)⟧
Author: ⟦first⟧ <⟦email⟧>
Date:   ⟦ctime⟧ +0100

    FB_Dosing: enable know-how protection (pw ⟦pwl⟧)
""",
)

_t(
    "WAGO web based management curl with admin password",
    r"""
$ curl -k -u admin:⟦pwh⟧ https://⟦ip⟧/wbm/php/parameter/configtool.php -d '{"csrfToken":"","aDeviceParams":[{"name":"get_coupler_details","parameter":["firmware-revision"]}]}'
""",
)

_t(
    "CODESYS device login in engineer chat",
    r"""
[⟦hm⟧] ⟦first⟧: codesys asks for device user on the new ⟦pick(WAGO PFC200|Raspberry CM4|Festo CPX-E)⟧
[⟦hm⟧] ⟦first⟧: Administrator / ⟦pwh⟧ (set during commissioning)
""",
)

_t(
    "Schneider Unity/EcoStruxure application password in commissioning report",
    r"""
Commissioning report ⟦pick(PS-03|WTP-1|LIFT-2)⟧ ⟦date⟧
- Application password: ⟦pwu⟧
- FTP/HTTP service: disabled
- Firmware: ⟦pick(M580 v4.10|M340 v3.50)⟧
""",
)

_t(
    "Mitsubishi GX Works remote password note",
    r"""
Remote password (Q03UDV, Ethernet port, ⟦ip⟧): ⟦an(4)⟧ -- required for GX Works online access from the office VLAN
""",
)

# ---------------------------------------------------------------------------
# industrial: OPC UA, Modbus gateways, MQTT bridges
# ---------------------------------------------------------------------------
_fam("opcua_modbus_gateways")

_t(
    "Telegraf OPC UA input with username and password",
    r"""
[[inputs.opcua]]
  name = "⟦pick(line1|boiler|pumpstation)⟧"
  endpoint = "opc.tcp://⟦ip⟧:4840"
  security_policy = "Basic256Sha256"
  security_mode = "SignAndEncrypt"
  auth_method = "UserName"
  username = "⟦pick(opcread|telegraf|historian)⟧"
  password = "⟦pwh⟧"
""",
)

_t(
    "opcua-commander invocation with password flag",
    r"""
$ npx opcua-commander -e opc.tcp://⟦ip⟧:⟦port(4840|48010|62541)⟧ --securityMode SignAndEncrypt --securityPolicy Basic256Sha256 --userName ⟦pick(engineer|opcadmin)⟧ --password '⟦pwp⟧'
""",
)

_t(
    "asyncua Python client setting user and password",
    r"""
client = Client(url="opc.tcp://⟦fqdn(opc)⟧:4840/freeopcua/server/")
client.set_user("⟦pick(collector|mes_read)⟧")
client.set_password("⟦pwn⟧")
await client.set_security_string("Basic256Sha256,SignAndEncrypt,cert.der,key.pem")
""",
)

_t(
    "Moxa MGate config export with admin password",
    r"""
[System]
ServerName=MGate_⟦n(100,999)⟧
Password=⟦pws⟧
[Modbus]
Mode=RTU_Master
BaudRate=19200
""",
)

_t(
    "mosquitto bridge with remote password",
    r"""
connection plant-to-dc
address ⟦fqdn(mqtt)⟧:8883
topic spBv1.0/# out 1
remote_username ⟦pick(bridge_site|edge01|plant_gw)⟧
remote_password ⟦pwh⟧
bridge_cafile /etc/mosquitto/ca.crt
""",
)

_t(
    "Sparkplug edge node YAML with MQTT password",
    r"""
mqtt:
  host: ⟦fqdn(mqtt)⟧
  port: 8883
  client_id: edge-⟦pick(press|kiln|mixer)⟧-⟦n(1,20)⟧
  username: edge
  password: "⟦pwp⟧"
sparkplug:
  group_id: ⟦pick(Plant1|Site_EHV|Factory_B)⟧
""",
)

_t(
    "OPC UA server debug log printing rejected password",
    r"""
⟦tsms⟧ DEBUG [SessionManager] ActivateSession user='⟦pick(opcread|mesuser)⟧' identity=UserNameIdentityToken password='⟦pwh⟧' -> BadUserAccessDenied
""",
)

_t(
    "Eclipse Milo server config with keystore password",
    r"""
milo:
  server:
    bind-port: 12686
    keystore-path: /etc/milo/server.pfx
    keystore-password: ⟦pwn⟧
    users:
      - { name: operator, password: ⟦pws⟧ }
""",
)

_t(
    "Modbus gateway Node-RED env dump",
    r"""
MODBUS_HOST=⟦ip⟧
MODBUS_PORT=502
MQTT_URL=mqtts://⟦fqdn(mqtt)⟧:8883
MQTT_USER=mbgw
MQTT_PASS=⟦pwn⟧
""",
)

_t(
    "Moxa NPort CLI session showing password set",
    r"""
⟦host(nport)⟧# config
⟦host(nport)⟧(config)# password ⟦pwu⟧
⟦host(nport)⟧(config)# save
Configuration saved.
""",
)

_t(
    "support ticket for OPC UA user on Ignition",
    r"""
#⟦n(10000,99999)⟧ OPC UA connection from MES fails
Update ⟦tsp⟧: created user 'mes_opc' on the Ignition OPC UA server, password "⟦pwh⟧", please retry from your side.
""",
)

# ---------------------------------------------------------------------------
# industrial: historians
# ---------------------------------------------------------------------------
_fam("process_historians")

_t(
    "PI Web API curl with domain credentials",
    r"""
$ curl -s -u '⟦pick(PLANT|CORP|OT)⟧\svc_piweb:⟦pwh⟧' "https://⟦fqdn(piweb)⟧/piwebapi/streams/⟦rs(u,40)⟧/recorded?startTime=*-1h" | jq '.Items | length'
""",
)

_t(
    "AF SDK C# snippet with NetworkCredential",
    r"""
var cred = new NetworkCredential("svc_afsync", "⟦pwp⟧", "⟦pick(PLANT|OT|SITE)⟧");
PISystem sys = new PISystems()["⟦whost(af)⟧"];
sys.Connect(cred);
""",
)

_t(
    "sqlcmd against Wonderware Historian with -P password",
    r"""
C:\> sqlcmd -S ⟦whost(hist)⟧\INSQL -U wwAdmin -P ⟦pw⟧ -Q "SELECT TagName, Value FROM Live WHERE TagName LIKE 'Boiler%'"
""",
)

_t(
    "influx CLI config create with token",
    r"""
$ influx config create --config-name ⟦pick(plant|site|line)⟧ --host-url http://⟦ip⟧:8086 --org ⟦pick(ops|plant|ot)⟧ --token ⟦influx⟧ --active
Active  Name    URL                      Org
*       ⟦pick(plant|site|line)⟧   http://⟦ip⟧:8086   ops
""",
)

_t(
    "Canary historian API token in collector JSON",
    r"""
{
  "historianUrl": "https://⟦fqdn(canary)⟧:55293/api/v2",
  "apiToken": "⟦uuids⟧",
  "dataset": "⟦pick(Plant1|Utilities|Packaging)⟧"
}
""",
)

_t(
    "PI to data hub appsettings with client secret",
    r"""
  "DataHub": {
    "Resource": "https://⟦fqdn(datahub)⟧",
    "TenantId": "⟦uuid⟧",
    "ClientId": "⟦uuid⟧",
    "ClientSecret": "⟦b64(30)⟧"
  }
""",
)

_t(
    "Telegraf influxdb v1 output with password",
    r"""
[[outputs.influxdb]]
  urls = ["http://⟦ip⟧:8086"]
  database = "plant_⟦pick(a|b|ehv)⟧"
  username = "telegraf"
  password = "⟦pwn⟧"
""",
)

_t(
    "PGPASSWORD inline for TimescaleDB historian",
    r"""
$ PGPASSWORD='⟦pwh⟧' psql -h ⟦host(tsdb)⟧ -U historian -d scada -c "select time_bucket('1 hour', ts), avg(val) from tag_data where tag='FT-101' group by 1 order by 1 desc limit 5"
""",
)

_t(
    "historian replication config properties",
    r"""
aveva.historian.replication.server=⟦whost(hist)⟧
aveva.historian.replication.user=repl_user
aveva.historian.replication.password=⟦pwu⟧
aveva.historian.replication.interval=60
""",
)

_t(
    "piconfig session editing PI user password",
    r"""
* (Ls - ) PIconfig> @tabl pi_gen,piuser
* (Ls - PI_GEN,PIUSER) PIconfig> @mode edit
* (Ed - PI_GEN,PIUSER) PIconfig> @istr user,passw
* (Ed - PI_GEN,PIUSER) PIconfig> ⟦pick(piadmin|pi_interface|labuser)⟧,⟦pwh⟧
""",
)

# ---------------------------------------------------------------------------
# industrial: BACnet / building management
# ---------------------------------------------------------------------------
_fam("bacnet_bms")

_t(
    "JACE setup sheet CSV with platform and station passwords",
    r"""
Site,JACE,IP,Platform user,Platform pass,Station user,Station pass
⟦pick(Tower A|Block C|Hangar 2)⟧,JACE-⟦n(1,20)⟧,⟦ip⟧,tridium,⟦pwh⟧,admin,⟦pwn⟧
""",
)

_t(
    "Metasys REST login request and returned token",
    r"""
$ curl -sk -X POST https://⟦fqdn(ads)⟧/api/v4/login -H "Content-Type: application/json" -d '{"username":"api_bms","password":"⟦pwp⟧"}'
{"accessToken":"⟦jwt⟧","expires":"⟦ts⟧"}
""",
)

_t(
    "bacnet-stack ReinitializeDevice with password argument",
    r"""
$ ./bin/bacrd ⟦n(1000,400000)⟧ 1 ⟦pws⟧
Sent ReinitializeDevice Request!
ReinitializeDevice Acknowledged!
""",
)

_t(
    "Wireshark BACnet DeviceCommunicationControl decode with password",
    r"""
BACnet APDU
    APDU Type: Confirm-REQ   (0)
    Service Choice: deviceCommunicationControl (17)
    time Duration (Minutes): 30
    enable-disable: disable (1)
    password: ⟦pwn⟧
""",
)

_t(
    "VOLTTRON keystore JSON with secret key",
    r"""
$ cat ~/.volttron/keystores/⟦pick(bacnet_proxy|platform_driver|listener)⟧/keystore.json
{"public": "⟦rb64u(32)⟧", "secret": "⟦b64u(32)⟧"}
""",
)

_t(
    "BACnet/SC hub YAML with private key password",
    r"""
bacnet_sc:
  hub_uri: wss://⟦fqdn(bsc)⟧:47808
  certificate: /etc/bsc/device.crt
  private_key: /etc/bsc/device.key
  private_key_password: ⟦pwh⟧
""",
)

_t(
    "DALI lighting gateway INI with admin password",
    r"""
[network]
ip=⟦ip⟧
[security]
admin_user=admin
admin_password=⟦pwn⟧
""",
)

_t(
    "BMS integrator handover note",
    r"""
Handover ⟦pick(Tower A|Hospital wing D|Data hall 3)⟧ BMS (⟦date⟧):
- Niagara station ⟦pick(BMS_MAIN|STATION_D|DH3)⟧ on ⟦ip⟧, user admin, password: ⟦pwh⟧
- BACnet network 1100, device instance range ⟦n(1000,1999)⟧-⟦n(2000,2999)⟧
""",
)

_t(
    "ETS keyring password in KNX Secure commissioning note",
    r"""
KNX Secure project ⟦pick(Kantoor Noord|Biuro Praga|Ofis Levent)⟧: keyring export password "⟦phrasep⟧", commissioning password for IP router ⟦pick(IPR-01|IPR-02)⟧ is ⟦pwu⟧.
""",
)

_t(
    "Niagara workbench connection log with platform credentials in URL",
    r"""
⟦tsms⟧ INFO [workbench] opening platform:ssl://tridium:⟦pwn⟧@⟦ip⟧:5011/
⟦tsms⟧ INFO [workbench] platform connected, daemon version 4.13.1.16
""",
)

# ---------------------------------------------------------------------------
# crypto: BIP39 mnemonics
# ---------------------------------------------------------------------------
_fam("bip39_mnemonics")

_t(
    "wallet recovery note with 24-word seed",
    r"""
== cold wallet ⟦pick(treasury-2|ops-hot-1|fund-b)⟧ (Ledger, created ⟦date⟧) ==
seed: ⟦mn(24)⟧
derivation: m/84'/0'/0'
""",
)

_t(
    "electrum restore command with 12 words",
    r"""
$ electrum --offline restore "⟦mn(12)⟧"
Wallet saved in '/home/⟦user⟧/.electrum/wallets/default_wallet'
""",
)

_t(
    "Hardhat config with mnemonic accounts",
    r"""
  networks: {
    ⟦pick(sepolia|holesky|bsctest)⟧: {
      url: "https://rpc.⟦pick(sepolia|holesky|bsctest)⟧.example",
      accounts: { mnemonic: "⟦mn(12)⟧" },
    },
  },
""",
)

_t(
    "dotenv MNEMONIC variable",
    r"""
RPC_URL=http://⟦ip⟧:8545
MNEMONIC="⟦mn(12)⟧"
DEPLOYER_INDEX=0
""",
)

_t(
    "Ganache startup output with HD wallet mnemonic",
    r"""
ganache v7.9.2 (@ganache/cli: 0.10.2, @ganache/core: 0.10.2)
Starting RPC server

HD Wallet
==================
Mnemonic:      ⟦mn(12)⟧
Base HD Path:  m/44'/60'/0'/0/{account_index}
""",
)

_t(
    "photographed paper backup transcribed as two rows",
    r"""
OCR from ticket attachment IMG_⟦n(1000,9999)⟧.jpg:
1-12:  ⟦mn(12)⟧
13-24: ⟦mn(12)⟧
""",
)

_t(
    "gaiad keys add --recover prompt with mnemonic on next line",
    r"""
$ gaiad keys add validator --recover --keyring-backend file
> Enter your bip39 mnemonic
⟦mn(24)⟧
Enter keyring passphrase (attempt 1/3):
""",
)

_t(
    "solana-keygen new output with seed phrase",
    r"""
Wrote new keypair to /home/⟦user⟧/.config/solana/id.json
================================================================================
pubkey: ⟦rs(b58,44)⟧
================================================================================
Save this seed phrase and your BIP39 passphrase to recover your new keypair:
⟦mn(12)⟧
================================================================================
""",
)

_t(
    "support ticket where customer pasted seed phrase",
    r"""
Ticket #⟦n(100000,999999)⟧ (priority: high) from customer ⟦n(10000,99999)⟧:
"my withdrawals are stuck since yesterday, here is my recovery phrase so you can check: ⟦mn(12)⟧ please hurry"
""",
)

_t(
    "BIP39 passphrase and mnemonic in wallet import JSON",
    r"""
{"type":"bip39","mnemonic":"⟦mn(18)⟧","passphrase":"⟦phrase⟧","path":"m/44'/60'/0'/0/0"}
""",
)

_t(
    "foundry cast wallet new-mnemonic output",
    r"""
$ cast wallet new-mnemonic
Successfully generated a new mnemonic.
Phrase:
⟦mn(12)⟧

Accounts:
- Account 0:
Address:     0x⟦rs(hex,40)⟧
Private key: ⟦ethpk⟧
""",
)

# ---------------------------------------------------------------------------
# crypto: raw private keys (WIF, hex, xprv, keypairs)
# ---------------------------------------------------------------------------
_fam("wallet_private_keys")

_t(
    "bitcoin-cli dumpprivkey output",
    r"""
$ bitcoin-cli -rpcwallet=⟦pick(hot|payouts|legacy)⟧ dumpprivkey bc1q⟦rs(bech,38)⟧
⟦wif⟧
""",
)

_t(
    "bitcoin-cli importprivkey with uncompressed WIF",
    r"""
$ bitcoin-cli importprivkey "⟦wifu⟧" "paper-⟦n(2013,2016)⟧" false
""",
)

_t(
    "Hardhat accounts array with hex private key",
    r"""
    mainnet: {
      url: process.env.MAINNET_RPC,
      accounts: ["⟦ethpk⟧"],
      gasPrice: 30_000_000_000,
    },
""",
)

_t(
    "dotenv PRIVATE_KEY without 0x",
    r"""
NETWORK=⟦pick(polygon|arbitrum|base)⟧
PRIVATE_KEY=⟦hexpk⟧
ETHERSCAN_API_KEY=⟦uan(34)⟧
""",
)

_t(
    "listdescriptors true output with xprv",
    r"""
$ bitcoin-cli -rpcwallet=cold listdescriptors true
{
  "wallet_name": "cold",
  "descriptors": [
    {"desc": "wpkh(⟦xprv⟧/84h/0h/0h/0/*)#⟦rs(lan,8)⟧", "timestamp": ⟦n(1600000000,1790000000)⟧, "active": true}
""",
)

_t(
    "Python web3 traceback echoing private key",
    r"""
  File "/srv/payout/payout.py", line ⟦n(20,200)⟧, in send_batch
    acct = Account.from_key("⟦ethpk⟧")
ValueError: The private key must be exactly 32 bytes long, instead of 31 bytes.
""",
)

_t(
    "solana id.json keypair byte array",
    r"""
$ cat ~/.config/solana/⟦pick(id|payer|deployer)⟧.json
⟦solkp⟧
""",
)

_t(
    "nostr nsec pasted in bot config",
    r"""
[nostr]
relay = wss://relay.⟦domain⟧
nsec = ⟦tok(nsec1,bech,58)⟧
""",
)

_t(
    "monero-wallet-cli spendkey output",
    r"""
[wallet ⟦rs(b58,6)⟧]: spendkey
Wallet password:
secret: ⟦hexpk⟧
public: ⟦rs(hex,64)⟧
""",
)

_t(
    "Cardano payment.skey file",
    r"""
$ cat payment.skey
{
    "type": "PaymentSigningKeyShelley_ed25519",
    "description": "Payment Signing Key",
    "cborHex": "⟦tok(5820,hex,64)⟧"
}
""",
)

_t(
    "geth nodekeyhex on command line in ps output",
    r"""
geth      ⟦pid⟧  3.1  8.4 ⟦n(1000000,9999999)⟧ ⟦n(1000000,9999999)⟧ ?  Ssl  ⟦hm⟧ 812:03 geth --datadir /data/geth --nodekeyhex ⟦hexpk⟧ --http --http.addr 127.0.0.1
""",
)

# ---------------------------------------------------------------------------
# crypto: node keystores, validator keys
# ---------------------------------------------------------------------------
_fam("node_validator_keys")

_t(
    "geth attach personal.unlockAccount",
    r"""
> personal.unlockAccount("0x⟦rs(hex,40)⟧", "⟦pwh⟧", 300)
true
> eth.getBalance(eth.accounts[0])
""",
)

_t(
    "cat of geth password file",
    r"""
⟦user⟧@⟦host(geth)⟧:~$ cat /srv/geth/password.txt
⟦phrasep⟧
⟦user⟧@⟦host(geth)⟧:~$ geth --unlock 0x⟦rs(hex,40)⟧ --password /srv/geth/password.txt --allow-insecure-unlock
""",
)

_t(
    "Prysm wallet password file",
    r"""
$ cat /var/lib/prysm/wallet-password.txt
⟦pwp⟧
$ validator accounts list --wallet-dir=/var/lib/prysm/wallet --wallet-password-file=/var/lib/prysm/wallet-password.txt
""",
)

_t(
    "Teku validator-keys argument and password file",
    r"""
--validator-keys=/keys/keystore-m_12381_3600_⟦n(0,300)⟧_0_0.json:/keys/pw-⟦n(0,300)⟧.txt
$ cat /keys/pw-*.txt
⟦an(24)⟧
""",
)

_t(
    "staking deposit-cli mnemonic output",
    r"""
This is your mnemonic (seed phrase). Write it down and store it safely. It is the ONLY way to retrieve your deposit.


⟦mn(24)⟧


Please type your mnemonic (separated by spaces) to confirm you have written it down
""",
)

_t(
    "Web3Signer file-raw key config",
    r"""
type: "file-raw"
keyType: "BLS"
privateKey: "0x⟦hexpk⟧"
""",
)

_t(
    "eth-docker .env with keystore password",
    r"""
COMPOSE_FILE=lighthouse.yml:reth.yml
FEE_RECIPIENT=0x⟦rs(hex,40)⟧
KEYSTORE_PASSWORD=⟦pwh⟧
""",
)

_t(
    "bash history importing raw private key into geth",
    r"""
 ⟦n(100,999)⟧  geth --datadir /data account import <(echo ⟦hexpk⟧)
 ⟦n(100,999)⟧  history -c
""",
)

_t(
    "CometBFT priv_validator_key.json",
    r"""
{
  "address": "⟦rs(HEX,40)⟧",
  "pub_key": {"type": "tendermint/PubKeyEd25519", "value": "⟦rb64(32)⟧"},
  "priv_key": {"type": "tendermint/PrivKeyEd25519", "value": "⟦b64(64)⟧"}
}
""",
)

_t(
    "Chainlink node api and password files",
    r"""
$ cat .api
ops@⟦domain⟧
⟦pwh⟧
$ cat .password
⟦pwp⟧
""",
)

_t(
    "Lighthouse validator import with password piped",
    r"""
$ echo '⟦pwn⟧' | lighthouse --network ⟦pick(mainnet|holesky)⟧ account validator import --directory /keys --stdin-inputs
Keystore found at "/keys/keystore-m_12381_3600_0_0_0-⟦n(1600000000,1790000000)⟧.json":
""",
)

# ---------------------------------------------------------------------------
# crypto: exchange API keys
# ---------------------------------------------------------------------------
_fam("exchange_api_keys")

_t(
    "Binance API key and secret in .env",
    r"""
BINANCE_API_KEY=⟦an(64)⟧
BINANCE_API_SECRET=⟦an(64)⟧
BINANCE_TESTNET=false
""",
)

_t(
    "ccxt Kraken config with base64 private key",
    r"""
exchange = ccxt.kraken({
    "apiKey": "⟦b64(42)⟧",
    "secret": "⟦b64(64)⟧",
    "enableRateLimit": True,
})
""",
)

_t(
    "ccxt KuCoin config with key, secret and trading passphrase",
    r"""
kucoin = ccxt.kucoin({
    'apiKey': '⟦hex(24)⟧',
    'secret': '⟦uuids⟧',
    'password': '⟦pwh⟧',
})
""",
)

_t(
    "Coinbase CDP key JSON with escaped EC private key",
    r"""
{
  "name": "organizations/⟦uuid⟧/apiKeys/⟦uuid⟧",
  "privateKey": "-----BEGIN EC PRIVATE KEY-----\n⟦pemecj⟧\n-----END EC PRIVATE KEY-----\n"
}
""",
)

_t(
    "OKX credentials in trading bot YAML",
    r"""
okx:
  api_key: ⟦uuids⟧
  secret_key: ⟦HEX(32)⟧
  passphrase: ⟦pwn⟧
  simulated: false
""",
)

_t(
    "freqtrade config.json exchange block",
    r"""
    "exchange": {
        "name": "⟦pick(binance|bybit|gateio)⟧",
        "key": "⟦an(36)⟧",
        "secret": "⟦an(48)⟧",
        "ccxt_config": {},
        "pair_whitelist": ["BTC/USDT", "ETH/USDT"]
    },
""",
)

_t(
    "bot debug log with X-MBX-APIKEY header",
    r"""
⟦tsms⟧ DEBUG urllib3.connectionpool: https://api.binance.com:443 "GET /api/v3/account HTTP/1.1" 200 None
⟦tsms⟧ DEBUG bot.http: request headers={'X-MBX-APIKEY': '⟦an(64)⟧', 'Content-Type': 'application/json'}
""",
)

_t(
    "Gemini API key and secret in shell exports",
    r"""
export GEMINI_API_KEY=⟦tok(account-,an,20)⟧
export GEMINI_API_SECRET=⟦b58(28)⟧
""",
)

_t(
    "Deribit auth URL with client secret",
    r"""
⟦tsms⟧ INFO  deribit.rest GET https://www.deribit.com/api/v2/public/auth?client_id=⟦rs(u,8)⟧&client_secret=⟦u(43)⟧&grant_type=client_credentials -> 200
""",
)

_t(
    "trader chat pasting exchange key pair",
    r"""
[⟦hm⟧] ⟦first⟧: new read-only key for the PnL dashboard:
[⟦hm⟧] ⟦first⟧: key ⟦an(18)⟧
[⟦hm⟧] ⟦first⟧: secret ⟦an(36)⟧
[⟦hm⟧] ⟦first⟧: thanks, deleting these messages after I copy them
""",
)

_t(
    "RPC provider URLs with project keys",
    r"""
ETH_RPC=https://mainnet.infura.io/v3/⟦hex(32)⟧
ARB_RPC=https://arb-mainnet.g.alchemy.com/v2/⟦u(32)⟧
""",
)

_t(
    "Bybit key and secret in Go struct literal",
    r"""
client := bybit.NewClient().WithAuth("⟦an(18)⟧", "⟦an(36)⟧").WithBaseURL("https://api.bybit.com")
""",
)

# ---------------------------------------------------------------------------
# mail servers: Postfix, Dovecot, Exim, clients
# ---------------------------------------------------------------------------
_fam("mail_servers")

_t(
    "Postfix sasl_passwd map and postmap",
    r"""
# cat /etc/postfix/sasl_passwd
[⟦fqdn(relay)⟧]:587    ⟦pick(relay|mailer|noreply)⟧@⟦domain⟧:⟦pwh⟧
# postmap /etc/postfix/sasl_passwd && postfix reload
postfix/postfix-script: refreshing the Postfix mail system
""",
)

_t(
    "Postfix sasl_passwd with SendGrid API key",
    r"""
[smtp.sendgrid.net]:587 apikey:⟦sgkey⟧
""",
)

_t(
    "Dovecot passwd-file entry with SHA512-CRYPT hash",
    r"""
⟦user⟧@⟦domain⟧:{SHA512-CRYPT}⟦sha512crypt⟧:5000:5000::/var/vmail/⟦domain⟧/⟦user⟧::
""",
)

_t(
    "Dovecot passwd-file with PLAIN scheme",
    r"""
# /etc/dovecot/users  (temporary, migrate to LDAP!)
scanner@⟦domain⟧:{PLAIN}⟦pws⟧::::::
""",
)

_t(
    "dovecot-sql.conf.ext connect string",
    r"""
driver = pgsql
connect = host=⟦host(pg)⟧ dbname=mail user=dovecot password=⟦pwn⟧
default_pass_scheme = BLF-CRYPT
password_query = SELECT username AS user, password FROM mailbox WHERE username = '%u' AND active = true
""",
)

_t(
    "Exim passwd.client file",
    r"""
# /etc/exim4/passwd.client
# target.mail.server.example:login:password
*.⟦domain⟧:smarthost:⟦pwh⟧
""",
)

_t(
    "Exim plaintext client authenticator with client_send",
    r"""
begin authenticators
smarthost_login:
  driver = plaintext
  public_name = PLAIN
  client_send = ^⟦pick(relayuser|eximout|mx-out)⟧^⟦pwp⟧
""",
)

_t(
    "swaks AUTH LOGIN transcript with base64 password",
    r"""
$ swaks --to test@⟦domain⟧ --server ⟦fqdn(mx)⟧:587 --tls --auth LOGIN --auth-user ⟦email:ae⟧ --auth-password '⟦pwh:p⟧'
 ~> AUTH LOGIN
<~  334 VXNlcm5hbWU6
 ~> ⟦b64t(ae)⟧
<~  334 UGFzc3dvcmQ6
 ~> ⟦b64of(p)⟧
<~  235 2.7.0 Authentication successful
""",
)

_t(
    "Dovecot auth log with auth_debug_passwords showing given password",
    r"""
⟦syslog⟧ ⟦host(mx)⟧ dovecot: auth: passwd-file(⟦user⟧@⟦domain⟧,⟦ip⟧,<⟦rb64(12)⟧>): Password mismatch (given password: ⟦pwh⟧)
⟦syslog⟧ ⟦host(mx)⟧ dovecot: imap-login: Disconnected (auth failed, 1 attempts in 2 secs): user=<⟦user⟧@⟦domain⟧>, method=PLAIN, rip=⟦ip⟧
""",
)

_t(
    "Roundcube config.inc.php with DSN password and des_key",
    r"""
$config['db_dsnw'] = 'mysql://roundcube:⟦pwn⟧@localhost/roundcubemail';
$config['imap_host'] = 'ssl://⟦fqdn(imap)⟧:993';
$config['des_key'] = '⟦an(24)⟧';
""",
)

_t(
    "Postfix main.cf static SASL map",
    r"""
relayhost = [⟦fqdn(relay)⟧]:587
smtp_sasl_auth_enable = yes
smtp_sasl_password_maps = static:⟦pick(relay-out|postfix01)⟧:⟦pwn⟧
smtp_sasl_security_options = noanonymous
""",
)

_t(
    "fetchmailrc poll entry",
    r"""
poll pop.⟦domain⟧ protocol pop3 port 995
    user "⟦pick(scans|invoices|fax2mail)⟧@⟦domain⟧" password "⟦pwh⟧" is "⟦user⟧" here ssl
""",
)

_t(
    "msmtprc account block",
    r"""
account default
host ⟦fqdn(smtp)⟧
port 587
tls on
user cron@⟦domain⟧
password ⟦pwp⟧
""",
)

# ---------------------------------------------------------------------------
# DNS: TSIG, DKIM, PowerDNS, DNSSEC
# ---------------------------------------------------------------------------
_fam("dns_tsig_dkim")

_t(
    "BIND TSIG key statement in named.conf",
    r"""
key "⟦pick(xfr-ams1-fra2|transfer-key|ddns-dhcp)⟧" {
    algorithm hmac-sha256;
    secret "⟦b64(32)⟧";
};
""",
)

_t(
    "nsupdate with -y hmac:keyname:secret",
    r"""
$ nsupdate -y hmac-sha256:⟦pick(ddns-key|acme-update|dhcp-upd)⟧:⟦b64(32)⟧ <<EOF
server ⟦ip⟧
update add _acme-challenge.⟦domain⟧. 60 TXT "⟦rb64u(32)⟧"
send
EOF
""",
)

_t(
    "tsig-keygen output",
    r"""
$ tsig-keygen -a hmac-sha512 ⟦pick(xfr-secondary|nsupdate-ci|zone-sync)⟧
key "⟦pick(xfr-secondary|nsupdate-ci|zone-sync)⟧" {
	algorithm hmac-sha512;
	secret "⟦b64(64)⟧";
};
""",
)

_t(
    "Knot DNS key section",
    r"""
key:
  - id: ⟦pick(slave1|xfr_hidden|notify-key)⟧
    algorithm: hmac-sha256
    secret: ⟦b64(32)⟧
""",
)

_t(
    "PowerDNS API curl with X-API-Key",
    r"""
$ curl -s -H 'X-API-Key: ⟦an(24)⟧' http://127.0.0.1:8081/api/v1/servers/localhost/zones | jq -r '.[].name' | head -3
⟦domain⟧.
""",
)

_t(
    "pdns.conf with api-key and webserver password",
    r"""
api=yes
api-key=⟦an(32)⟧
webserver=yes
webserver-address=0.0.0.0
webserver-password=⟦pwn⟧
""",
)

_t(
    "OpenDKIM ed25519 private key file",
    r"""
# cat /etc/opendkim/keys/⟦domain⟧/⟦pick(202612|mail2026|s1)⟧.private
-----BEGIN PRIVATE KEY-----
⟦ed25519⟧
-----END PRIVATE KEY-----
""",
)

_t(
    "rndc.key contents",
    r"""
key "rndc-key" {
	algorithm hmac-sha256;
	secret "⟦b64(32)⟧";
};
""",
)

_t(
    "dnscontrol creds.json for PowerDNS",
    r"""
{
  "powerdns": {
    "TYPE": "POWERDNS",
    "apiKey": "⟦an(32)⟧",
    "apiUrl": "http://⟦ip⟧:8081",
    "serverName": "localhost"
  }
}
""",
)

_t(
    "certbot rfc2136 credentials ini",
    r"""
dns_rfc2136_server = ⟦ip⟧
dns_rfc2136_port = 53
dns_rfc2136_name = ⟦pick(certbot|acme-key|letsencrypt)⟧.
dns_rfc2136_secret = ⟦b64(64)⟧
dns_rfc2136_algorithm = HMAC-SHA512
""",
)

_t(
    "dig AXFR with TSIG on command line",
    r"""
$ dig @⟦ip⟧ ⟦domain⟧ AXFR -y hmac-sha256:⟦pick(xfr-key|axfr-secondary)⟧:⟦b64(32)⟧ | tail -2
;; XFR size: ⟦n(40,900)⟧ records (messages 1, bytes ⟦n(2000,90000)⟧)
""",
)

_t(
    "DNSSEC private key file for ECDSA P-256",
    r"""
$ cat K⟦domain⟧.+013+⟦n(10000,65000)⟧.private
Private-key-format: v1.3
Algorithm: 13 (ECDSAP256SHA256)
PrivateKey: ⟦b64(32)⟧
Created: ⟦hl7ts⟧
""",
)

# ---------------------------------------------------------------------------
# directory: Kerberos
# ---------------------------------------------------------------------------
_fam("kerberos_keytabs")

_t(
    "klist -kK keytab dump with key material",
    r"""
$ klist -k -K -t -e /etc/krb5.keytab
Keytab name: FILE:/etc/krb5.keytab
KVNO Timestamp           Principal
---- ------------------- ------------------------------------------------------
   ⟦n(2,9)⟧ ⟦dmys⟧ ⟦hms⟧ host/⟦fqdn(app)⟧@⟦pick(CORP.EXAMPLE|ZKH.LOCAL|BANK.INT)⟧ (aes256-cts-hmac-sha1-96)  (0x⟦hex(64)⟧)
""",
)

_t(
    "kinit with password piped in script",
    r"""
#!/bin/sh
echo '⟦pwh⟧' | kinit svc_etl@⟦pick(CORP.EXAMPLE|HOSP.LOCAL|PLANT.INT)⟧
hdfs dfs -put /data/export/*.parquet /warehouse/landing/
""",
)

_t(
    "kadmin with -w password",
    r"""
$ kadmin -p admin/admin -w '⟦pwp⟧' -q "addprinc -randkey HTTP/⟦fqdn(web)⟧"
Authenticating as principal admin/admin with password.
Principal "HTTP/⟦fqdn(web)⟧@⟦pick(CORP.EXAMPLE|LAB.INT)⟧" created.
""",
)

_t(
    "keytab as base64 in environment variable",
    r"""
KRB5_PRINCIPAL=svc_airflow@⟦pick(CORP.EXAMPLE|DWH.INT)⟧
KRB5_KEYTAB_B64=⟦b64(114)⟧
""",
)

_t(
    "kadmin.local change_password with -pw",
    r"""
kadmin.local:  change_password -pw ⟦pwh⟧ ⟦user⟧
Password for "⟦user⟧@⟦pick(CORP.EXAMPLE|LAB.INT)⟧" changed.
""",
)

_t(
    "Windows ktpass with /pass",
    r"""
C:\> ktpass /out http.keytab /princ HTTP/⟦fqdn(web)⟧@⟦pick(CORP.EXAMPLE|ZKH.LOCAL)⟧ /mapuser ⟦pick(CORP|ZKH)⟧\svc_http /pass ⟦pwp⟧ /crypto AES256-SHA1 /ptype KRB5_NT_PRINCIPAL
Targeting domain controller: ⟦whost(dc)⟧
""",
)

_t(
    "expect script answering kinit password prompt",
    r"""
spawn kinit ⟦user⟧
expect "Password for *:"
send "⟦pwh⟧\r"
expect eof
""",
)

_t(
    "kdb5_util create with master password",
    r"""
# kdb5_util create -s -r ⟦pick(LAB.INT|HPC.LOCAL|PLANT.INT)⟧ -P ⟦phrasep⟧
Loading random data
Initializing database '/var/lib/krb5kdc/principal' for realm '⟦pick(LAB.INT|HPC.LOCAL|PLANT.INT)⟧',
""",
)

_t(
    "impacket getTGT with password in incident notes",
    r"""
IR notes ⟦date⟧ - red team reproduced with:
  getTGT.py ⟦pick(corp.example|zkh.local)⟧/svc_sql:'⟦pwh⟧' -dc-ip ⟦ip⟧
  [*] Saving ticket in svc_sql.ccache
""",
)

_t(
    "secretsdump output with NT hash and AES key",
    r"""
[*] Dumping Domain Credentials (domain\uid:rid:lmhash:nthash)
⟦pick(CORP|ZKH|BANK)⟧\svc_backup:⟦n(1100,9999)⟧:aad3b435b51404eeaad3b435b51404ee:⟦nthash⟧:::
[*] Kerberos keys grabbed
⟦pick(CORP|ZKH|BANK)⟧\svc_backup:aes256-cts-hmac-sha1-96:⟦hex(64)⟧
""",
)

_t(
    "getTGT with -hashes pass-the-hash",
    r"""
$ getTGT.py -hashes :⟦nthash⟧ ⟦pick(corp.example|bank.int)⟧/⟦user⟧ -dc-ip ⟦ip⟧
Impacket v0.12.0 - Copyright Fortra, LLC and its affiliated companies
[*] Saving ticket in ⟦user⟧.ccache
""",
)

# ---------------------------------------------------------------------------
# directory: SSSD, Samba, FreeIPA, LDAP
# ---------------------------------------------------------------------------
_fam("sssd_samba_freeipa")

_t(
    "sssd.conf with ldap_default_authtok",
    r"""
[domain/⟦domain⟧]
id_provider = ldap
ldap_uri = ldaps://⟦fqdn(ldap)⟧
ldap_default_bind_dn = uid=sssd-bind,cn=sysaccounts,cn=etc,dc=example,dc=org
ldap_default_authtok_type = password
ldap_default_authtok = ⟦pwp⟧
""",
)

_t(
    "smbpasswd scripted add with password piped",
    r"""
(echo '⟦pwn:sp⟧'; echo '⟦ref(sp)⟧') | smbpasswd -s -a ⟦pick(scanner|kiosk|labshare)⟧
Added user ⟦pick(scanner|kiosk|labshare)⟧.
""",
)

_t(
    "pdbedit -Lw output with NT hash",
    r"""
# pdbedit -Lw
⟦pick(scanner|kiosk|backup)⟧:⟦n(1001,1099)⟧:XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX:⟦rs(HEX,0)⟧⟦up(nh)⟧:[U          ]:LCT-⟦HEXID(8)⟧:
""".replace("⟦rs(HEX,0)⟧⟦up(nh)⟧", "⟦HEX(32)⟧"),
)

_t(
    "net ads join with user%password",
    r"""
# net ads join -U Administrator%⟦pwh⟧ createcomputer="Servers/Linux"
Using short domain name -- ⟦pick(CORP|ZKH|LAB)⟧
Joined '⟦up(h)⟧' to dns domain '⟦domain⟧'
""".replace("⟦up(h)⟧", "⟦whost(fs)⟧"),
)

_t(
    "ipa-server-install with admin and DM passwords",
    r"""
# ipa-server-install -U -r ⟦pick(LAB.INT|HPC.LOCAL|CORP.EXAMPLE)⟧ -n ⟦domain⟧ -a ⟦pwh⟧ -p ⟦pwp⟧ --setup-dns --no-forwarders
The log file for this installation can be found in /var/log/ipaserver-install.log
""",
)

_t(
    "ipa-client-install with --password",
    r"""
# ipa-client-install --principal admin --password '⟦pwh⟧' --domain ⟦domain⟧ --server ⟦fqdn(ipa)⟧ --mkhomedir --unattended
Client hostname: ⟦fqdn(node)⟧
""",
)

_t(
    "ipa host-add --random output with one-time password",
    r"""
$ ipa host-add ⟦fqdn(node)⟧ --random
-------------------------------------------
Added host "⟦fqdn(node)⟧"
-------------------------------------------
  Host name: ⟦fqdn(node)⟧
  Random password: ⟦an(25)⟧
  Password: True
""",
)

_t(
    "CIFS credentials file",
    r"""
$ cat /root/.smbcred-⟦pick(labdata|scans|finance)⟧
username=⟦pick(svc_mount|labmount|fin_ro)⟧
password=⟦pwh⟧
domain=⟦pick(CORP|ZKH|LAB)⟧
""",
)

_t(
    "fstab cifs entry with inline password",
    r"""
//⟦whost(fs)⟧/instruments  /mnt/instruments  cifs  username=instr_ro,password=⟦pwn⟧,vers=3.0,uid=1000,_netdev  0  0
""",
)

_t(
    "realm join with one-time password",
    r"""
# realm join --one-time-password='⟦an(20)⟧' ⟦domain⟧
# realm list | head -3
""",
)

_t(
    "ldapsearch with -w bind password",
    r"""
$ ldapsearch -x -H ldaps://⟦fqdn(ipa)⟧ -D "uid=⟦pick(svc_wiki|svc_gitlab|svc_vpn)⟧,cn=users,cn=accounts,dc=lab,dc=int" -w '⟦pwh⟧' -b cn=groups,cn=accounts,dc=lab,dc=int "(cn=admins)" member
""",
)

# ---------------------------------------------------------------------------
# directory: RADIUS / TACACS+
# ---------------------------------------------------------------------------
_fam("radius_tacacs")

_t(
    "FreeRADIUS clients.conf entry",
    r"""
client ⟦pick(nas-ams-01|wlc-ward-3|vpn-gw-2)⟧ {
	ipaddr = ⟦ip⟧
	secret = ⟦an(22)⟧
	shortname = ⟦pick(nas01|wlc3|vpn2)⟧
	nas_type = other
}
""",
)

_t(
    "radtest with user password and shared secret",
    r"""
$ radtest ⟦user⟧ '⟦pwh⟧' ⟦ip:srv⟧:1812 0 '⟦an(16)⟧'
Sent Access-Request Id ⟦n(1,255):rid⟧ from 0.0.0.0:⟦n(30000,60000)⟧ to ⟦ref(srv)⟧:1812 length 77
Received Access-Accept Id ⟦ref(rid)⟧ from ⟦ref(srv)⟧:1812 to 0.0.0.0:0 length 20
""",
)

_t(
    "radiusd -X debug with User-Password attribute",
    r"""
(⟦n(0,99):rq⟧) Received Access-Request Id ⟦n(1,255)⟧ from ⟦ip:nas⟧:⟦n(30000,60000)⟧ to ⟦ip⟧:1812 length 86
(⟦ref(rq)⟧)   User-Name = "⟦user⟧"
(⟦ref(rq)⟧)   User-Password = "⟦pwh⟧"
(⟦ref(rq)⟧)   NAS-IP-Address = ⟦ref(nas)⟧
""",
)

_t(
    "Cisco IOS radius and tacacs server keys type 0",
    r"""
radius server ISE-⟦n(1,4)⟧
 address ipv4 ⟦ip⟧ auth-port 1812 acct-port 1813
 key 0 ⟦an(20)⟧
!
tacacs server TAC-⟦n(1,4)⟧
 address ipv4 ⟦ip⟧
 key 0 ⟦pwp⟧
""",
)

_t(
    "Cisco config with type 7 key and type 9 enable secret",
    r"""
tacacs-server host ⟦ip⟧ key 7 ⟦type7⟧
enable secret 9 ⟦ciscotype9⟧
""",
)

_t(
    "tac_plus config with key and cleartext login",
    r"""
key = "⟦an(24)⟧"
user = ⟦user⟧ {
    login = cleartext "⟦pwh⟧"
    member = netadmins
}
""",
)

_t(
    "Juniper radius-server secret $9$",
    r"""
set system radius-server ⟦ip⟧ secret "⟦jun9⟧"
set system radius-server ⟦ip⟧ source-address ⟦ip⟧
""",
)

_t(
    "FreeRADIUS users file cleartext password",
    r"""
⟦pick(wifi-guest|kiosk01|printer-ward2)⟧  Cleartext-Password := "⟦pws⟧"
                Reply-Message := "Hello, %{User-Name}"
""",
)

_t(
    "eapol_test config and command with shared secret",
    r"""
network={
	ssid="⟦pick(HOSP-STAFF|CORP-WIFI|LAB-8021X)⟧"
	key_mgmt=WPA-EAP
	eap=PEAP
	identity="⟦user⟧"
	password="⟦pwh⟧"
}
$ eapol_test -c peap.conf -a ⟦ip⟧ -s ⟦an(18)⟧
""",
)

_t(
    "FreeRADIUS sql module password",
    r"""
sql {
	dialect = "mysql"
	server = "⟦host(db)⟧"
	login = "radius"
	password = "⟦pwn⟧"
	radius_db = "radius"
}
""",
)

_t(
    "Aruba switch radius-server host key",
    r"""
radius-server host ⟦ip⟧ key "⟦an(18)⟧"
aaa authentication port-access eap-radius
""",
)

# ---------------------------------------------------------------------------
# game servers and RCON
# ---------------------------------------------------------------------------
_fam("game_servers_rcon")

_t(
    "Minecraft server.properties with RCON password",
    r"""
enable-rcon=true
rcon.password=⟦pwn⟧
rcon.port=25575
server-port=25565
motd=⟦pick(Corvid SMP|Polder Survival|Anadolu Craft)⟧
""",
)

_t(
    "mcrcon restart announcement",
    r"""
$ mcrcon -H ⟦ip⟧ -P 25575 -p '⟦pwh⟧' "say Server restarts in 5 minutes" "save-all"
Saved the game
""",
)

_t(
    "Source server.cfg with rcon and join password",
    r"""
hostname "⟦pick(Corvid Community|EU Retake|Scrim Server)⟧ #⟦n(1,9)⟧"
rcon_password "⟦pwn⟧"
sv_password "⟦pws⟧"
sv_lan 0
""",
)

_t(
    "srcds command line with rcon password and GSLT",
    r"""
./srcds_run -game csgo -console -usercon +game_type 0 +game_mode 1 +map de_dust2 +rcon_password ⟦pwh⟧ +sv_setsteamaccount ⟦HEX(32)⟧ -port 27015
""",
)

_t(
    "Rust dedicated server launch script",
    r"""
./RustDedicated -batchmode +server.port 28015 +server.hostname "⟦pick(Corvid Rust EU|Vanilla+ NL|Monthly Wipe)⟧" +rcon.port 28016 +rcon.password "⟦pwp⟧" +rcon.web 1
""",
)

_t(
    "ARK GameUserSettings.ini with admin password",
    r"""
[ServerSettings]
ServerAdminPassword=⟦pwn⟧
ServerPassword=
RCONEnabled=True
RCONPort=27020
""",
)

_t(
    "Factorio server-settings.json with game password and token",
    r"""
  "visibility": {"public": true, "lan": true},
  "username": "⟦pick(corvidops|polder_admin|srvbot)⟧",
  "token": "⟦hex(30)⟧",
  "game_password": "⟦pws⟧",
""",
)

_t(
    "Valheim server start with -password",
    r"""
./valheim_server.x86_64 -nographics -batchmode -name "⟦pick(Vikings NL|Odin EU|Polder Valhalla)⟧" -port 2456 -world "⟦pick(Dedicated|Midgard|Polder)⟧" -password "⟦pwn⟧" -public 1
""",
)

_t(
    "Pterodactyl Wings config.yml token",
    r"""
debug: false
uuid: ⟦uuid⟧
token_id: ⟦rs(an,16)⟧
token: ⟦an(64)⟧
api:
  host: 0.0.0.0
  port: 8080
""",
)

_t(
    "Discord bot token for game server status bot",
    r"""
DISCORD_TOKEN=⟦discord⟧
GUILD_ID=⟦n(100000000000000000,999999999999999999)⟧
RCON_HOST=⟦ip⟧
""",
)

_t(
    "Terraria serverconfig.txt with password",
    r"""
world=/srv/terraria/Worlds/⟦pick(Corvid|Polder|Anadolu)⟧.wld
maxplayers=16
port=7777
password=⟦pws⟧
""",
)

_t(
    "BattlEye BEServer config with RConPassword",
    r"""
RConPassword ⟦pwn⟧
RConPort 2306
RestrictRCon 0
""",
)

# ---------------------------------------------------------------------------
# streaming: Icecast, Shoutcast, RTMP, SRT
# ---------------------------------------------------------------------------
_fam("streaming_icecast_rtmp")

_t(
    "icecast.xml authentication block",
    r"""
    <authentication>
        <source-password>⟦pwn⟧</source-password>
        <relay-password>⟦pws⟧</relay-password>
        <admin-user>admin</admin-user>
        <admin-password>⟦pwh⟧</admin-password>
    </authentication>
""",
)

_t(
    "Shoutcast sc_serv.conf passwords",
    r"""
portbase=8000
password=⟦pwn⟧
adminpassword=⟦pwh⟧
streamid_1=1
streampath_1=/⟦pick(live|stream|radio)⟧
""",
)

_t(
    "ffmpeg pushing to Icecast with source credentials in URL",
    r"""
$ ffmpeg -re -i /srv/playout/playlist.m3u -c:a libmp3lame -b:a 128k -content_type audio/mpeg -f mp3 icecast://source:⟦pwn⟧@⟦fqdn(stream)⟧:8000/⟦pick(live|main|night)⟧.mp3
""",
)

_t(
    "ffmpeg RTMP push to YouTube live with stream key",
    r"""
ffmpeg -re -i input.mp4 -c:v libx264 -preset veryfast -b:v 4500k -c:a aac -f flv rtmp://a.rtmp.youtube.com/live2/⟦ytkey⟧
""",
)

_t(
    "OBS service.json with Twitch stream key",
    r"""
{"settings":{"bwtest":false,"key":"⟦twitch⟧","server":"rtmp://live-ams.twitch.tv/app","service":"Twitch"},"type":"rtmp_common"}
""",
)

_t(
    "nginx-rtmp access log with publish key in path",
    r"""
⟦ip⟧ [⟦clf⟧] PUBLISH "live" "⟦an(20)⟧" "" - ⟦n(100000,99999999)⟧ 529 "" "FMLE/3.0 (compatible; FMSc/1.0)" (⟦n(1,59)⟧m ⟦n(1,59)⟧s)
""",
)

_t(
    "Liquidsoap output.icecast with password",
    r"""
output.icecast(%mp3(bitrate=128), host="⟦fqdn(stream)⟧", port=8000, password="⟦pwh⟧", mount="/⟦pick(live|studio|radio1)⟧", radio)
""",
)

_t(
    "SRT publish URL with passphrase",
    r"""
srt-live-transmit "udp://:5000" "srt://⟦fqdn(ingest)⟧:9000?streamid=#!::r=live/⟦pick(feed1|studio|cam2)⟧,m=publish&passphrase=⟦an(16)⟧&pbkeylen=16"
""",
)

_t(
    "Facebook live stream key in encoder preset",
    r"""
[Output]
Server=rtmps://live-api-s.facebook.com:443/rtmp/
StreamKey=⟦fbkey⟧
""",
)

_t(
    "BUTT broadcaster config",
    r"""
[⟦pick(Radio Lumen|Studio B|Night Show)⟧]
address = ⟦fqdn(stream)⟧
port = 8000
password = ⟦pwn⟧
type = 1
mount = ⟦pick(live|studio)⟧
""",
)

_t(
    "Owncast start flags with stream key",
    r"""
$ ./owncast -streamkey ⟦an(24)⟧ -webserverport 8080
""",
)

# ---------------------------------------------------------------------------
# media servers: Plex, Jellyfin, *arr
# ---------------------------------------------------------------------------
_fam("media_servers")

_t(
    "Plex URL with X-Plex-Token query parameter",
    r"""
⟦tsms⟧ DEBUG [tautulli] GET http://⟦ip⟧:32400/library/sections?X-Plex-Token=⟦u(20)⟧ -> 200 (⟦n(20,900)⟧ ms)
""",
)

_t(
    "Plex Preferences.xml with PlexOnlineToken",
    r"""
<?xml version="1.0" encoding="utf-8"?>
<Preferences MachineIdentifier="⟦uuid⟧" ProcessedMachineIdentifier="⟦rs(hex,40)⟧" PlexOnlineToken="⟦u(20)⟧" PlexOnlineUsername="⟦user⟧" FriendlyName="⟦pick(nas|media|plexbox)⟧"/>
""",
)

_t(
    "Jellyfin API request with MediaBrowser token header",
    r"""
> GET /Users/⟦rs(hex,32)⟧/Items?Recursive=true HTTP/1.1
> Host: ⟦ip⟧:8096
> Authorization: MediaBrowser Client="cli", Device="curl", DeviceId="⟦rs(hex,16)⟧", Version="10.9.7", Token="⟦hex(32)⟧"
""",
)

_t(
    "Sonarr config.xml ApiKey",
    r"""
<Config>
  <Port>8989</Port>
  <ApiKey>⟦hex(32)⟧</ApiKey>
  <AuthenticationMethod>Forms</AuthenticationMethod>
</Config>
""",
)

_t(
    "Tautulli config.ini pms_token",
    r"""
[PMS]
pms_ip = ⟦ip⟧
pms_port = 32400
pms_token = ⟦u(20)⟧
""",
)

_t(
    "Emby curl with api_key parameter",
    r"""
$ curl -s "http://⟦ip⟧:8096/emby/System/Info?api_key=⟦hex(32)⟧" | jq .Version
"4.8.8.0"
""",
)

_t(
    "Transmission settings.json RPC password",
    r"""
    "rpc-authentication-required": true,
    "rpc-password": "⟦pwn⟧",
    "rpc-port": 9091,
    "rpc-username": "⟦pick(transmission|media|admin)⟧",
""",
)

_t(
    "Kodi advancedsettings.xml MySQL credentials",
    r"""
<advancedsettings>
  <videodatabase>
    <type>mysql</type>
    <host>⟦ip⟧</host>
    <user>kodi</user>
    <pass>⟦pws⟧</pass>
  </videodatabase>
</advancedsettings>
""",
)

_t(
    "docker run for Plex with claim token",
    r"""
docker run -d --name plex --network host -e TZ=Europe/Amsterdam -e PLEX_CLAIM=⟦plexclaim⟧ -v /srv/plex/config:/config plexinc/pms-docker
""",
)

_t(
    "Radarr debug log leaking indexer API key",
    r"""
⟦tsms⟧|Debug|Newznab|Downloading Feed https://⟦fqdn(indexer)⟧/api?t=movie&cat=2000&extended=1&apikey=⟦hex(32)⟧&offset=0&limit=100
""",
)

# ---------------------------------------------------------------------------
# science: LIMS and instrument controllers
# ---------------------------------------------------------------------------
_fam("lims_instruments")

_t(
    "LIMS ODBC connection string",
    r"""
[LIMS_PROD]
Driver=ODBC Driver 18 for SQL Server
ConnectionString=DSN=LIMS;UID=lims_app;PWD=⟦pwp⟧;Database=LABWARE
""",
)

_t(
    "LabVantage style properties with DB password",
    r"""
lims.db.url=jdbc:oracle:thin:@⟦host(ora)⟧:1521/LVPROD
lims.db.user=LABVANTAGE
lims.db.password=⟦pwu⟧
lims.mail.host=⟦fqdn(smtp)⟧
""",
)

_t(
    "ASTM LIS2-A2 header record with access password field",
    r"""
⟦tsms⟧ [ASTM-⟦pick(cobas8000|AU5800|Atellica)⟧] <STX>1H|\^&||⟦pws⟧|⟦pick(cobas8000|AU5800|Atellica)⟧^1|||||LIS||P|1|⟦hl7ts⟧<CR><ETX>
⟦tsms⟧ [ASTM-⟦pick(cobas8000|AU5800|Atellica)⟧] <ACK>
""",
)

_t(
    "pyvisa instrument script with FTP login",
    r"""
ftp = ftplib.FTP("⟦ip⟧")
ftp.login("instr", "⟦pwn⟧")
ftp.retrbinary("RETR /data/run_⟦n(1000,9999)⟧.csv", open("run.csv", "wb").write)
""",
)

_t(
    "Benchling style API key in ELN integration",
    r"""
BENCHLING_TENANT=https://⟦pick(helix|sahyadri|biolab)⟧.benchling.com
BENCHLING_API_KEY=⟦tok(sk_,an,32)⟧
""",
)

_t(
    "eLabFTW API key in Authorization header",
    r"""
$ curl -s -H "Authorization: ⟦tok(4-,hex,84)⟧" https://⟦fqdn(eln)⟧/api/v2/experiments?limit=5 | jq '.[].title'
""",
)

_t(
    "Windows instrument PC AutoAdminLogon registry",
    r"""
reg add "HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon" /v AutoAdminLogon /t REG_SZ /d 1 /f
reg add "HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon" /v DefaultUserName /t REG_SZ /d ⟦pick(instrument|hplc01|qpcr_op)⟧ /f
reg add "HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon" /v DefaultPassword /t REG_SZ /d ⟦pwh⟧ /f
""",
)

_t(
    "instrument controller XML with service account",
    r"""
<InstrumentController Name="⟦pick(HPLC-07|GC-MS-2|LCMS-QTOF)⟧">
  <DataPath>\\⟦whost(fs)⟧\labdata\raw</DataPath>
  <ServiceAccount User="⟦pick(LAB|CORP)⟧\svc_cds" Password="⟦pwp⟧" />
</InstrumentController>
""",
)

_t(
    "LIMS export cron with lftp credentials",
    r"""
30 1 * * * lftp -u limsexp,⟦pwn⟧ -e "mirror -R /var/lims/export /incoming/lims; bye" sftp://⟦fqdn(sftp)⟧
""",
)

_t(
    "lab chat sharing instrument workstation login",
    r"""
[⟦hm⟧] ⟦first⟧: anyone know the login for the qPCR workstation in room ⟦n(100,450)⟧?
[⟦hm⟧] ⟦first⟧: labuser / ⟦pws⟧ (it's on the sticky note under the keyboard, I know, I know)
""",
)

# ---------------------------------------------------------------------------
# science: iRODS, Globus, HPC, research storage
# ---------------------------------------------------------------------------
_fam("research_data_hpc")

_t(
    "iRODS server_config.json keys",
    r"""
    "zone_name": "⟦pick(tempZone|labZone|hpcZone)⟧",
    "zone_key": "⟦an(32)⟧",
    "negotiation_key": "⟦an(32)⟧",
    "zone_port": 1247,
""",
)

_t(
    "iadmin moduser password",
    r"""
$ iadmin moduser ⟦user⟧ password '⟦pwh⟧'
$ ils /⟦pick(tempZone|labZone)⟧/home/⟦user⟧
""",
)

_t(
    "Globus CLI client credentials in environment",
    r"""
export GLOBUS_CLI_CLIENT_ID=⟦uuid⟧
export GLOBUS_CLI_CLIENT_SECRET=⟦b64(32)⟧
globus transfer ⟦uuid⟧:/scratch/run42/ ⟦uuid⟧:/archive/run42/ --recursive --label "run42 archive"
""",
)

_t(
    "slurmdbd.conf StoragePass",
    r"""
DbdHost=⟦host(slurmdb)⟧
StorageType=accounting_storage/mysql
StorageUser=slurm
StoragePass=⟦pwn⟧
StorageLoc=slurm_acct_db
""",
)

_t(
    "scontrol token output",
    r"""
$ scontrol token username=⟦user⟧ lifespan=7200
SLURM_JWT=⟦jwt⟧
""",
)

_t(
    "Galaxy galaxy.yml id_secret",
    r"""
galaxy:
  database_connection: postgresql://galaxy@⟦host(pg)⟧/galaxy
  id_secret: ⟦hex(48)⟧
  admin_users: ⟦email⟧
""",
)

_t(
    "Nextflow Tower access token env",
    r"""
export TOWER_ACCESS_TOKEN=⟦b64u(48)⟧
nextflow run nf-core/rnaseq -r 3.14.0 -profile singularity -with-tower
""",
)

_t(
    "rclone config with obscured WebDAV password",
    r"""
[⟦pick(labdrive|surfdrive|projectstore)⟧]
type = webdav
url = https://⟦fqdn(dav)⟧/remote.php/dav/files/⟦user⟧/
vendor = nextcloud
user = ⟦user⟧
pass = ⟦b64u(24)⟧
""",
)

_t(
    "MinIO mc alias with access and secret key",
    r"""
$ mc alias set labstore http://⟦ip⟧:9000 ⟦uan(20)⟧ ⟦an(40)⟧
Added `labstore` successfully.
""",
)

_t(
    "HPC helpdesk reply with temporary password",
    r"""
Hi ⟦first⟧, your account ⟦user⟧ on ⟦pick(the Snellius login nodes|hpc-login|the GPU cluster)⟧ has been reset. Temporary password: ⟦pwu⟧ - you'll be asked to change it at first login.
""",
)

# ---------------------------------------------------------------------------
# science: JupyterHub / notebooks
# ---------------------------------------------------------------------------
_fam("jupyterhub_notebooks")

_t(
    "JupyterHub API call with token header",
    r"""
$ curl -s -H "Authorization: token ⟦hex(32)⟧" https://⟦fqdn(hub)⟧/hub/api/users | jq length
""",
)

_t(
    "jupyterhub_config.py proxy auth token",
    r"""
c.ConfigurableHTTPProxy.auth_token = '⟦hex(64)⟧'
c.JupyterHub.bind_url = 'http://:8000'
""",
)

_t(
    "jupyter server list output with token",
    r"""
$ jupyter server list
Currently running servers:
http://localhost:8888/?token=⟦hex(48)⟧ :: /home/⟦user⟧/projects
""",
)

_t(
    "Jupyter startup log with lab URL token",
    r"""
[I ⟦tsp⟧.⟦n(100,999)⟧ ServerApp] Jupyter Server 2.14.2 is running at:
[I ⟦tsp⟧.⟦n(100,999)⟧ ServerApp] http://⟦host(gpu)⟧:8888/lab?token=⟦hex(48)⟧
[I ⟦tsp⟧.⟦n(100,999)⟧ ServerApp]     http://127.0.0.1:8888/lab?token=⟦ref(jt)⟧
""".replace("token=⟦hex(48)⟧", "token=⟦hex(48):jt⟧"),
)

_t(
    "CONFIGPROXY_AUTH_TOKEN in systemd unit",
    r"""
[Service]
Environment=CONFIGPROXY_AUTH_TOKEN=⟦hex(64)⟧
ExecStart=/opt/jupyterhub/bin/jupyterhub -f /etc/jupyterhub/jupyterhub_config.py
""",
)

_t(
    "jupyterhub token command output",
    r"""
$ jupyterhub token ⟦user⟧
⟦hex(32)⟧
""",
)

_t(
    "DummyAuthenticator shared password",
    r"""
c.JupyterHub.authenticator_class = 'dummy'
c.DummyAuthenticator.password = "⟦pwn⟧"
""",
)

_t(
    "notebook ipynb source with hard-coded DB password",
    r"""
   "source": [
    "import os, sqlalchemy\n",
    "os.environ['LIMS_DB_PASS'] = '⟦pwh⟧'\n",
    "engine = sqlalchemy.create_engine('postgresql://lims_ro:' + os.environ['LIMS_DB_PASS'] + '@⟦host(pg)⟧/lims')\n"
   ]
""",
)

_t(
    "GenericOAuthenticator client secret",
    r"""
c.GenericOAuthenticator.client_id = 'jupyterhub'
c.GenericOAuthenticator.client_secret = '⟦an(32)⟧'
c.GenericOAuthenticator.oauth_callback_url = 'https://⟦fqdn(hub)⟧/hub/oauth_callback'
""",
)

_t(
    "JupyterHub services with api_token",
    r"""
c.JupyterHub.services = [
    {"name": "idle-culler", "api_token": "⟦hex(32)⟧"},
]
""",
)

# ---------------------------------------------------------------------------
# telecom: SMPP / SMS gateways
# ---------------------------------------------------------------------------
_fam("smpp_sms_gateways")

_t(
    "Kannel smsc group with SMPP credentials",
    r"""
group = smsc
smsc = smpp
smsc-id = ⟦pick(safaricom|turkcell|viettel|telkomsel)⟧
host = ⟦ip⟧
port = 2775
smsc-username = ⟦pick(qtel_ent|afya_alerts|bank_otp)⟧
smsc-password = ⟦pw8⟧
system-type = ""
""",
)

_t(
    "SMPP bind_transceiver PDU trace",
    r"""
⟦tsms⟧ DEBUG [smpp-client-⟦n(1,4):sc⟧] > bind_transceiver seq=1 system_id=⟦pick(otpgw|alerts01|mktsms)⟧ password=⟦pw8⟧ system_type=OTP interface_version=0x34 addr_ton=0 addr_npi=0
⟦tsms⟧ DEBUG [smpp-client-⟦ref(sc)⟧] < bind_transceiver_resp seq=1 status=ESME_ROK system_id=SMSC
""",
)

_t(
    "Wireshark SMPP bind decode",
    r"""
Short Message Peer to Peer, Command: Bind_transmitter, Seq: 1, Len: ⟦n(30,60)⟧
    Operation: Bind_transmitter (0x00000002)
    System ID: ⟦pick(pushsvc|notif1|bulksms)⟧
    Password: ⟦pw8⟧
    System type: VMA
""",
)

_t(
    "Jasmin jcli smppccm add session",
    r"""
jcli : smppccm -a
Adding a new connector: (ok: save, ko: exit)
> cid ⟦pick(MTN_NG|SAFCOM_KE|TURKCELL_TR)⟧
> host ⟦ip⟧
> port 2775
> username ⟦pick(jasmin01|esme_otp|hub_ke)⟧
> password ⟦pw8⟧
> ok
""",
)

_t(
    "Kannel sendsms URL with password in access log",
    r"""
⟦tsp⟧ [⟦pid⟧] [6] INFO: smsbox: Got HTTP request </cgi-bin/sendsms> from <⟦ip⟧>
⟦tsp⟧ [⟦pid⟧] [6] DEBUG: GET /cgi-bin/sendsms?username=⟦pick(otp_api|crm|alerts)⟧&password=⟦pwn⟧&to=%2B⟦n(254700000000,254799999999)⟧&text=Your+code+is+⟦n(100000,999999)⟧
""",
)

_t(
    "smpplib Python client bind",
    r"""
client = smpplib.client.Client("⟦fqdn(smsc)⟧", 2775)
client.connect()
client.bind_transceiver(system_id="⟦pick(afyalink|hospital_sms|ikhaya)⟧", password="⟦pw8⟧")
""",
)

_t(
    "Kannel core group admin and status passwords",
    r"""
group = core
admin-port = 13000
admin-password = ⟦pwn⟧
status-password = ⟦pws⟧
smsbox-port = 13001
""",
)

_t(
    "SMSC simulator log echoing ESME password on failed bind",
    r"""
⟦tsms⟧ WARN  SMSCSim - bind rejected esme=⟦pick(promo1|otp_ke|bank2fa)⟧ from ⟦ip⟧ pwd=⟦pw8⟧ status=ESME_RINVPASWD (0x0000000E)
""",
)

_t(
    "Africa's Talking API key in Node config",
    r"""
const AT = require('africastalking')({
  apiKey: '⟦tok(atsk_,hex,64)⟧',
  username: '⟦pick(afyalink|sandbox|mawasiliano)⟧',
});
""",
)

_t(
    "Kannel sendsms-user group",
    r"""
group = sendsms-user
username = ⟦pick(crm|otp|ivr)⟧
password = ⟦pwn⟧
max-messages = 3
concatenation = true
""",
)

_t(
    "SMS hub on-call chat with new SMPP password",
    r"""
[⟦hm⟧] ⟦first⟧: operator rotated our SMPP creds, bind is failing with 0x0000000E since ⟦hm⟧
[⟦hm⟧] ⟦first⟧: new password from their NOC: "⟦pw8⟧" (system_id unchanged)
""",
)

# ---------------------------------------------------------------------------
# telecom: SIP trunks and PBX
# ---------------------------------------------------------------------------
_fam("sip_trunks_voip")

_t(
    "Asterisk pjsip.conf trunk auth section",
    r"""
[⟦pick(trunk-voipbuster|trunk-kpn|trunk-orange)⟧-auth]
type=auth
auth_type=userpass
username=⟦n(3100000000,3199999999)⟧
password=⟦pwn⟧
""",
)

_t(
    "Asterisk sip.conf register line",
    r"""
register => ⟦n(100000,999999)⟧:⟦pws⟧@sip.⟦domain⟧/⟦n(1000,9999)⟧
""",
)

_t(
    "FreeSWITCH gateway XML with password param",
    r"""
<include>
  <gateway name="⟦pick(carrier_a|sipgate|netgsm)⟧">
    <param name="username" value="⟦n(1000000,9999999)⟧"/>
    <param name="password" value="⟦pwh⟧"/>
    <param name="realm" value="sip.⟦domain⟧"/>
    <param name="register" value="true"/>
  </gateway>
</include>
""",
)

_t(
    "kamctl add subscriber with password",
    r"""
# kamctl add ⟦n(1000,1999):ext⟧@⟦domain⟧ ⟦pwn⟧
new user '⟦ref(ext)⟧@⟦domain⟧' added
""",
)

_t(
    "Asterisk manager.conf user secret",
    r"""
[⟦pick(crm_ami|dialer|fop2)⟧]
secret = ⟦pwh⟧
deny = 0.0.0.0/0.0.0.0
permit = ⟦ip⟧/255.255.255.255
read = system,call,agent
""",
)

_t(
    "AMI login action over telnet",
    r"""
Asterisk Call Manager/5.0.4
Action: Login
Username: ⟦pick(crm_ami|dialer|monitor)⟧
Secret: ⟦pwn⟧

Response: Success
Message: Authentication accepted
""",
)

_t(
    "Yealink provisioning file account password",
    r"""
account.1.enable = 1
account.1.label = ⟦n(200,299):ext⟧
account.1.auth_name = ⟦ref(ext)⟧
account.1.password = ⟦pws⟧
account.1.sip_server.1.address = ⟦fqdn(pbx)⟧
""",
)

_t(
    "sipp load test with auth user and password",
    r"""
$ sipp -sf uac_register.xml -s ⟦n(1000,1999):ext⟧ -au ⟦ref(ext)⟧ -ap ⟦pwn⟧ ⟦ip⟧:5060 -r 5 -m 200
""",
)

_t(
    "FreePBX amportal.conf DB password",
    r"""
AMPDBHOST=localhost
AMPDBUSER=freepbxuser
AMPDBPASS=⟦an(32)⟧
AMPENGINE=asterisk
""",
)

_t(
    "iax.conf peer secret",
    r"""
[⟦pick(branch-ist|branch-ank|hq)⟧]
type=friend
host=dynamic
secret=⟦pwh⟧
context=from-branch
""",
)

_t(
    "Polycom provisioning XML with auth password",
    r"""
<reg reg.1.address="⟦n(300,399):ext⟧" reg.1.auth.userId="⟦ref(ext)⟧" reg.1.auth.password="⟦pws⟧" reg.1.server.1.address="⟦fqdn(pbx)⟧" />
""",
)

# ---------------------------------------------------------------------------
# telecom: billing, mediation, Diameter/RADIUS accounting
# ---------------------------------------------------------------------------
_fam("billing_mediation")

_t(
    "CDR collector source INI with FTP credentials",
    r"""
[source.⟦pick(msc01|sgsn02|ims-cscf)⟧]
protocol = sftp
host = ⟦ip⟧
user = cdrpull
password = ⟦pwu⟧
remote_dir = /var/cdr/closed
""",
)

_t(
    "RADIUS accounting proxy.conf home_server secret",
    r"""
home_server acct-⟦pick(billing|mediation|ocs)⟧ {
	type = acct
	ipaddr = ⟦ip⟧
	port = 1813
	secret = ⟦an(20)⟧
}
""",
)

_t(
    "Oracle BRM pin.conf with sm_pw",
    r"""
- dm_oracle sm_database ⟦pick(BRMPRD|PINDB|BILL01)⟧
- dm_oracle sm_id pin
- dm_oracle sm_pw ⟦pwu⟧
- dm_oracle dm_n_fe 8
""",
)

_t(
    "mediation Java properties",
    r"""
mediation.db.url=jdbc:postgresql://⟦host(pg)⟧:5432/mediation
mediation.db.user=med_app
mediation.db.password=⟦pwh⟧
mediation.kafka.topic.rated=cdr.rated.v2
""",
)

_t(
    "OCS REST call with API key header",
    r"""
⟦tsms⟧ DEBUG OcsClient - POST https://⟦fqdn(ocs)⟧/api/v1/balance/debit headers=[X-Api-Key:⟦an(40)⟧, Content-Type:application/json] body={"msisdn":"⟦n(905300000000,905399999999)⟧","units":⟦n(1,900)⟧}
""",
)

_t(
    "sqlldr load of rated CDRs with userid",
    r"""
$ sqlldr userid=billing/⟦pwn⟧@BILLDB control=/opt/med/ctl/cdr_rated.ctl data=/data/cdr/rated_⟦hl7ts⟧.csv log=/var/log/med/sqlldr.log
SQL*Loader: Release 19.0.0.0.0 - Production on ⟦ctime⟧
""",
)

_t(
    "Kill Bill API call with tenant key and secret headers",
    r"""
$ curl -u admin:⟦pwn⟧ -H "X-Killbill-ApiKey: ⟦pick(telco_ke|mvno_tr|fiber_nl)⟧" -H "X-Killbill-ApiSecret: ⟦an(24)⟧" -H "X-Killbill-CreatedBy: ops" http://⟦ip⟧:8080/1.0/kb/accounts/⟦uuid⟧/invoices
""",
)

_t(
    "Diameter routing agent config export with TLS key password",
    r"""
peer ⟦pick(pcrf01|ocs-a|hss2)⟧.epc.mnc⟦n(1,99)⟧.mcc⟦n(200,799)⟧.3gppnetwork.org {
    address = ⟦ip⟧; port = 3868; transport = tcp;
    tls_key = "/etc/dra/keys/peer.key"; tls_key_password = "⟦pwh⟧";
}
""",
)

_t(
    "mediation handover e-mail with CDR FTP password",
    r"""
Subject: Mediation handover - week ⟦n(1,52)⟧

- MSC ⟦pick(IST-2|ANK-1|NBO-3)⟧ CDR pull moved to the new SFTP account medpull2, password ⟦pwh⟧ (vault update pending).
- Rating backlog cleared ⟦date⟧ 04:10.
""",
)

_t(
    "freeDiameter TLS private key passphrase in startup log",
    r"""
⟦tsp⟧  NOTI   Loading TLS credentials: /etc/freeDiameter/dia.pem /etc/freeDiameter/dia.key (passphrase: ⟦pwn⟧)
⟦tsp⟧  NOTI   freeDiameterd daemon initialized.
""",
)

# ---------------------------------------------------------------------------
# human text: on-call chat in English
# ---------------------------------------------------------------------------
_fam("oncall_chat_en")

_t(
    "Slack on-call thread with password given inline",
    r"""
⟦first⟧  ⟦hm⟧
mirth admin UI locked me out again, anyone have the break-glass login?
⟦first⟧  ⟦hm⟧
admin / ⟦pwh⟧ - it's also in the vault under "mirth-prd breakglass", rotate after the incident pls
""",
)

_t(
    "Teams chat with password in parentheses",
    r"""
[⟦hm⟧] ⟦first⟧: can you log in as svc_rcon (⟦pwn⟧) and kick the stuck players on eu-⟦n(1,6)⟧?
[⟦hm⟧] ⟦first⟧: on it
""",
)

_t(
    "IRC log with password after a dash",
    r"""
[⟦hms⟧] <⟦user⟧> icecast source pass - ⟦pws⟧
[⟦hms⟧] <⟦user⟧> ta, stream is back
""",
)

_t(
    "chat with password in double quotes",
    r"""
[⟦hm⟧] ⟦first⟧: heads-up: FIX UAT password for ⟦pick(TEJOCAP|NORDKAP|AEGTR)⟧ was reset by the venue, it is "⟦pwh⟧" now
[⟦hm⟧] ⟦first⟧: 👍 updated the session cfg
""",
)

_t(
    "question and answer on the next line",
    r"""
[⟦hm⟧] ⟦first⟧: what's the password for the JACE in block ⟦pick(C|D|F)⟧?
[⟦hm⟧] ⟦first⟧:
⟦pwh⟧
[⟦hm⟧] ⟦first⟧: (don't tell facilities I pasted that here)
""",
)

_t(
    "pager note with cage PIN",
    r"""
[PagerDuty] INC-⟦n(10000,99999)⟧ acknowledged by ⟦first⟧
note from ⟦first⟧: if you need to swap the HSM card tonight, cage ⟦pick(B12|C04|D17)⟧ keypad PIN is ⟦pin(6)⟧, badge access is already on your profile
""",
)

_t(
    "validator keystore passphrase in chat",
    r"""
[⟦hm⟧] ⟦first⟧: the passphrase for the validator keystores on ⟦host(val)⟧ is: ⟦phrase⟧
[⟦hm⟧] ⟦first⟧: thanks, importing now
""",
)

_t(
    "Teams message with uppercase password and hint",
    r"""
⟦first⟧ (⟦hm⟧): temp password for your PACS workstation account: ⟦pwu⟧ (all caps, zero not O)
""",
)

_t(
    "chat correcting a previously sent password",
    r"""
[⟦hm⟧] ⟦first⟧: sorry, my last message was the old one. correct RADIUS secret for the new WLC: ⟦an(20)⟧
[⟦hm⟧] ⟦first⟧: got it, auth works now
""",
)

_t(
    "Discord admin channel sharing RCON password",
    r"""
⟦user⟧ — Today at ⟦hm⟧
rcon for the new ⟦pick(rust|ark|valheim)⟧ box: `⟦pwn⟧`
⟦user⟧ — Today at ⟦hm⟧
ty, pinned it (mods only channel)
""",
)

_t(
    "voicemail PIN reset message in helpdesk chat",
    r"""
[⟦hm⟧] helpdesk-bot: ⟦first⟧, your voicemail PIN on extension ⟦n(2000,2999)⟧ was reset to ⟦pin(6)⟧. Change it from the handset menu.
""",
)

_t(
    "Slack message with password and explicit warning",
    r"""
⟦first⟧  ⟦hm⟧
DM only pls but here it is -> Jellyfin admin: ⟦pwh⟧
""",
)

_t(
    "on-call chat with database password in code span",
    r"""
[⟦hm⟧] ⟦first⟧: try `PGPASSWORD=⟦pwn⟧ psql -h ⟦host(pg)⟧ -U reporting` from the bastion
[⟦hm⟧] ⟦first⟧: works, thanks
""",
)

# ---------------------------------------------------------------------------
# human text: chat in European languages
# ---------------------------------------------------------------------------
_fam("oncall_chat_eu_languages")

_t(
    "Dutch chat with password inline",
    r"""
[⟦hm⟧] ⟦first⟧: Het wachtwoord voor de Mirth-beheerder is ⟦pwh⟧, graag na het weekend wijzigen.
[⟦hm⟧] ⟦first⟧: Top, dank je!
""",
)

_t(
    "Dutch question with password on the next line",
    r"""
[⟦hm⟧] ⟦first⟧: Wat is het wachtwoord van de PACS-beheerder op ⟦host(pacs)⟧?
[⟦hm⟧] ⟦first⟧: ⟦pwn⟧
[⟦hm⟧] ⟦first⟧: Let op, dit is productie.
""",
)

_t(
    "Polish chat with temporary SCADA password",
    r"""
[⟦hm⟧] ⟦first⟧: Hasło do konsoli SCADA na stacji ⟦pick(Praga|Wola|Mokotów)⟧: ⟦pw⟧ (tymczasowe, zmienię po serwisie)
[⟦hm⟧] ⟦first⟧: Dzięki, działa.
""",
)

_t(
    "Polish question and answer with RCON password",
    r"""
[⟦hm⟧] ⟦first⟧: Podasz mi hasło do RCON na serwerze ⟦pick(mc-01|rust-eu|ark-2)⟧?
[⟦hm⟧] ⟦first⟧: jasne – ⟦pwn⟧
""",
)

_t(
    "Portuguese chat with Icecast password and dash",
    r"""
[⟦hm⟧] ⟦first⟧: A senha do servidor Icecast é ⟦pwn⟧ — não partilhes no canal público, por favor.
""",
)

_t(
    "Portuguese note with provisional payment gateway password",
    r"""
⟦first⟧ (⟦hm⟧): Senha provisória do portal do gateway de pagamentos: "⟦pwh⟧". Troca no primeiro acesso.
""",
)

_t(
    "Greek chat with FIX UAT password",
    r"""
[⟦hm⟧] ⟦first⟧: Ο κωδικός για το FIX UAT είναι ⟦pwh⟧, τον άλλαξε ο πάροχος σήμερα το πρωί.
[⟦hm⟧] ⟦first⟧: Ευχαριστώ!
""",
)

_t(
    "Greek note with uppercase password in parentheses",
    r"""
[⟦hm⟧] ⟦first⟧: Κωδικός πρόσβασης για το HMI της γραμμής ⟦n(1,5)⟧: ⟦pwu⟧ (όλα κεφαλαία)
""",
)

_t(
    "Turkish chat with new SMPP password",
    r"""
[⟦hm⟧] ⟦first⟧: Operatör SMPP şifresini değiştirdi, yeni şifre: ⟦pw8⟧
[⟦hm⟧] ⟦first⟧: Tamam, Kannel'i yeniden başlatıyorum.
""",
)

_t(
    "Turkish chat with VPN password quoted",
    r"""
[⟦hm⟧] ⟦first⟧: Saha VPN parolası "⟦pwh⟧", yarın değiştireceğim, kimseyle paylaşma.
""",
)

_t(
    "German chat with OPC UA server password",
    r"""
[⟦hm⟧] ⟦first⟧: Das Passwort für den OPC-UA-Server auf ⟦ip⟧ lautet ⟦pwh⟧ – bitte nicht ins Wiki schreiben.
""",
)

_t(
    "Spanish chat with PLC password",
    r"""
[⟦hm⟧] ⟦first⟧: La contraseña del PLC de la línea ⟦n(1,6)⟧ es ⟦pwn⟧, apúntala en el KeePass y borra este mensaje.
""",
)

_t(
    "French chat with JACE admin password in guillemets",
    r"""
[⟦hm⟧] ⟦first⟧ : Le mot de passe admin du JACE du bâtiment ⟦pick(A|B|C)⟧ est « ⟦pwh⟧ ». Pense à le changer après la réception.
""",
)

_t(
    "Dutch handover chat with PIN for key cabinet",
    r"""
[⟦hm⟧] ⟦first⟧: Sleutelkast serverruimte: pincode ⟦pin(6)⟧. Sleutel van rack ⟦n(1,20)⟧ hangt op haakje 3.
""",
)

# ---------------------------------------------------------------------------
# human text: chat in other world languages
# ---------------------------------------------------------------------------
_fam("oncall_chat_world_languages")

_t(
    "Vietnamese chat with PACS admin password",
    r"""
[⟦hm⟧] ⟦first⟧: Mật khẩu tài khoản quản trị PACS là ⟦pwh⟧, nhớ đổi sau khi xong nhé.
[⟦hm⟧] ⟦first⟧: Dạ, em cảm ơn anh.
""",
)

_t(
    "Vietnamese question with RCON password on next line",
    r"""
[⟦hm⟧] ⟦first⟧: Anh ơi, mật khẩu RCON của server Minecraft là gì vậy?
[⟦hm⟧] ⟦first⟧: ⟦pwn⟧
""",
)

_t(
    "Indonesian chat with Jellyfin admin password",
    r"""
[⟦hm⟧] ⟦first⟧: Password admin Jellyfin: ⟦pwh⟧ (jangan disebar ya)
[⟦hm⟧] ⟦first⟧: siap, makasih
""",
)

_t(
    "Indonesian note about changed LIMS DB password",
    r"""
[⟦hm⟧] ⟦first⟧: Kata sandi database LIMS sudah diganti jadi ⟦pwp⟧ — tolong update di konfigurasi instrumen juga.
""",
)

_t(
    "Hindi chat with PACS server password",
    r"""
[⟦hm⟧] ⟦first⟧: PACS सर्वर का पासवर्ड ⟦pwh⟧ है, कृपया किसी के साथ साझा न करें।
""",
)

_t(
    "Hindi question with FIX password on next line",
    r"""
[⟦hm⟧] ⟦first⟧: भाई, FIX UAT का पासवर्ड क्या है?
[⟦hm⟧] ⟦first⟧:
⟦pwn⟧
""",
)

_t(
    "Hinglish chat with Icecast source password",
    r"""
[⟦hm⟧] ⟦first⟧: bhai icecast ka source password ⟦pws⟧ hai, OBS me daal ke try kar
""",
)

_t(
    "Swahili chat with SMPP password",
    r"""
[⟦hm⟧] ⟦first⟧: Nenosiri la seva ya SMPP ni ⟦pw8⟧, usilishiriki na mtu yeyote.
[⟦hm⟧] ⟦first⟧: Sawa, asante.
""",
)

_t(
    "Swahili note with new M-Pesa portal password",
    r"""
[⟦hm⟧] ⟦first⟧: Nenosiri jipya la portal ya M-Pesa (akaunti ya ⟦pick(malipo|fedha|ops)⟧): "⟦pwh⟧". Tafadhali libadilishe baada ya kuingia.
""",
)

_t(
    "Hebrew chat with RADIUS server password",
    r"""
[⟦hm⟧] ⟦first⟧: הסיסמה לשרת ה-RADIUS היא ⟦pwh⟧, תחליף אותה אחרי ההתקנה.
""",
)

_t(
    "Hebrew question with Plex token on next line",
    r"""
[⟦hm⟧] ⟦first⟧: מה הטוקן של Plex בשרת הביתי?
[⟦hm⟧] ⟦first⟧: ⟦u(20)⟧
""",
)

_t(
    "Arabic chat with mail server password",
    r"""
[⟦hm⟧] ⟦first⟧: كلمة المرور الجديدة لخادم البريد هي ⟦pwh⟧ ، يرجى عدم مشاركتها.
""",
)

_t(
    "Japanese chat with PLC password",
    r"""
[⟦hm⟧] ⟦first⟧: ライン⟦n(1,4)⟧のPLCのパスワードは ⟦pwn⟧ です。作業後に変更してください。
""",
)

# ---------------------------------------------------------------------------
# human text: incident timelines and ticket comments
# ---------------------------------------------------------------------------
_fam("incident_timelines_tickets")

_t(
    "incident timeline bullet noting rotated password",
    r"""
## Timeline (UTC)
- ⟦hm⟧ stream down alert from monitoring
- ⟦hm⟧ ⟦first⟧ rotated the Icecast source password (new: ⟦pwn⟧) and restarted liquidsoap
- ⟦hm⟧ stream back, listeners recovering
""",
)

_t(
    "Jira comment with reproduction command containing password",
    r"""
⟦first⟧ added a comment - ⟦date⟧ ⟦hm⟧
Reproduced on staging with:
{code}mcrcon -H ⟦ip⟧ -P 25575 -p ⟦pwh⟧ "whitelist reload"{code}
Works after the plugin downgrade.
""",
)

_t(
    "postmortem timeline table with leaked TSIG secret",
    r"""
| Time (UTC) | Event |
|------------|-------|
| ⟦hm⟧ | Zone transfer failures from ⟦fqdn(ns)⟧ |
| ⟦hm⟧ | Found secondary still using old TSIG secret `⟦b64(32)⟧` |
| ⟦hm⟧ | Keys resynced, NOTIFY OK |
""",
)

_t(
    "ServiceNow work note with service account password",
    r"""
Work notes (⟦tsp⟧, ⟦first⟧):
Reset svc_lis_iface in AD, new pwd: ⟦pwh⟧. Updated in Cloverleaf site ⟦pick(lab_prod|adt_prod)⟧ and restarted thread ⟦pick(lab_out|res_in)⟧.
""",
)

_t(
    "GitHub issue comment with SMPP credentials in config paste",
    r"""
@⟦user⟧ here's my kannel.conf section, bind keeps failing:
```
smsc-username = ⟦pick(acme_ke|promo_tr|otp_vn)⟧
smsc-password = ⟦pw8⟧
```
""",
)

_t(
    "incident summary with API key in log excerpt",
    r"""
Impact: payouts delayed ~⟦n(20,90)⟧ min.
Log excerpt:
  ⟦ts⟧ ERROR payout-worker: 401 from exchange, key=⟦an(64)⟧ (IP not whitelisted)
Action: whitelisted new egress IP ⟦pip⟧.
""",
)

_t(
    "ticket update with customer's HL7 feed password",
    r"""
Update from ⟦first⟧ (⟦tsp⟧): customer confirmed the HL7-over-HTTPS endpoint creds: user ⟦pick(rvz_feed|szw_lab|kzb_adt)⟧, password ⟦pwh⟧. Test message ACKed (AA).
""",
)

_t(
    "Opsgenie alert note with BMS password",
    r"""
Alert: BMS-⟦n(100,999)⟧ chiller plant offline (P2)
Note by ⟦first⟧: logged into the Niagara station as admin (⟦pwh⟧) - controller ⟦n(1,9)⟧ was in hand mode, released.
""",
)

_t(
    "incident chat timeline export with FIX password",
    r"""
⟦hm⟧ ⟦first⟧: venue says our logon is rejected: 58=Invalid password
⟦hm⟧ ⟦first⟧: they reset it to ⟦pwu⟧, retrying logon
⟦hm⟧ ⟦first⟧: 35=A accepted, seq reset to 1
""",
)

_t(
    "security ticket documenting exposed Kerberos password",
    r"""
SEC-⟦n(1000,9999)⟧: svc_etl password exposed in a Confluence page (value "⟦pwh⟧"). Page deleted, password rotated ⟦date⟧, keytabs regenerated.
""",
)

_t(
    "change ticket with RCON and panel password",
    r"""
CHG-⟦n(10000,99999)⟧ implementation notes:
1. Stop ⟦pick(rust-eu-1|ark-na-2|mc-lobby)⟧ via panel (login ops / ⟦pwn⟧)
2. Update map seed, start server, verify rcon with password ⟦pwh⟧
""",
)

_t(
    "Zendesk internal note with merchant portal password",
    r"""
Internal note - ⟦first⟧, ⟦tsp⟧
Merchant ⟦n(100000,999999)⟧ could not log in; reset portal password to ⟦pwh⟧ and sent it by SMS. Ask them to change it.
""",
)

# ---------------------------------------------------------------------------
# human text: handover notes and e-mails
# ---------------------------------------------------------------------------
_fam("handover_emails")

_t(
    "shift handover e-mail with SCADA password",
    r"""
From: ⟦email⟧
To: ot-oncall@⟦domain⟧
Subject: Handover night shift ⟦date⟧

- HMI-⟦n(1,6)⟧ engineer account reset, password is now ⟦pwh⟧
- Historian backlog cleared at ⟦hm⟧
""",
)

_t(
    "vendor e-mail with initial credentials",
    r"""
Subject: Your SFTP account for result delivery

Dear ⟦first⟧,
Your account has been created on ⟦fqdn(sftp)⟧.
Username: ⟦pick(lab_rvz|kzb_results|hsj_lab)⟧
Initial password: ⟦pwp⟧
Please change it within 7 days.
""",
)

_t(
    "Dutch handover e-mail with DNS TSIG secret",
    r"""
Onderwerp: Overdracht DNS ⟦date⟧

Hoi ⟦first⟧, de nieuwe TSIG-sleutel voor de secundaire servers is aangemaakt (hmac-sha256), secret: ⟦b64(32)⟧
Graag morgen in named.conf op beide secundaires zetten.
""",
)

_t(
    "Polish handover e-mail with SIP trunk password",
    r"""
Temat: Przekazanie dyżuru – trunk SIP

Cześć ⟦first⟧, operator zmienił hasło do trunku ⟦n(100000,999999)⟧. Nowe hasło: ⟦pwh⟧
Rejestracja działa od ⟦hm⟧.
""",
)

_t(
    "Portuguese e-mail with Mirth database password",
    r"""
Assunto: Passagem de turno - integração HL7

Olá ⟦first⟧, a password da base de dados do Mirth foi alterada para ⟦pwp⟧ e o canal ADT_IN já foi reiniciado.
Abraço, ⟦first⟧
""",
)

_t(
    "handover note markdown with multiple systems",
    r"""
### Handover ⟦date⟧
* PI Web API service account: ⟦pick(svc_piweb|pi_reader)⟧ / ⟦pwh⟧
* Kepware admin unchanged
* Open: ticket ⟦n(10000,99999)⟧ (historian gaps on line ⟦n(1,6)⟧)
""",
)

_t(
    "Turkish e-mail with payment terminal admin PIN",
    r"""
Konu: Mağaza ⟦n(100,999)⟧ POS cihazları

Merhaba ⟦first⟧, yeni terminallerin yönetici şifresi ⟦pin(6)⟧. Kurulumdan sonra değiştirmeyi unutmayın.
""",
)

_t(
    "Indonesian handover e-mail with Mollie key",
    r"""
Subjek: Serah terima shift - pembayaran

Halo ⟦first⟧, API key Mollie yang baru: ⟦tok(live_,an,30)⟧ . Yang lama sudah dinonaktifkan jam ⟦hm⟧.
""",
)

_t(
    "Greek handover e-mail with exchange secret",
    r"""
Θέμα: Παράδοση βάρδιας – trading bot

Γεια σου ⟦first⟧, το νέο secret του API για το ⟦pick(Kraken|Binance|OKX)⟧ είναι ⟦an(48)⟧. Το παλιό ανακλήθηκε.
""",
)

_t(
    "Swahili e-mail with Kannel admin password",
    r"""
Mada: Makabidhiano ya zamu

Habari ⟦first⟧, nenosiri la admin la Kannel kwenye ⟦host(sms)⟧ sasa ni ⟦pwn⟧. Tafadhali usilituma kwenye kikundi.
""",
)

_t(
    "handover e-mail with passphrase for backup encryption",
    r"""
Subject: DR test handover

The restic repository for the LIMS backups is unlocked with the passphrase "⟦phrase⟧" - it's also sealed in envelope #⟦n(10,99)⟧ in the safe.
""",
)

_t(
    "vendor support e-mail with temporary remote access code",
    r"""
Subject: Remote session for ⟦pick(MRI 3T|CT scanner 2|ultrasound fleet)⟧ service

Your one-time remote access code is ⟦pin(8)⟧ (valid 24h). Engineer: ⟦first⟧.
""",
)

# ---------------------------------------------------------------------------
# human text: passwords spelled out, dictated, or split
# ---------------------------------------------------------------------------
_fam("spelled_and_dictated")

_t(
    "chat with password and its letter-by-letter spelling",
    r"""
[⟦hm⟧] ⟦first⟧: password is ⟦pwu:p⟧
[⟦hm⟧] ⟦first⟧: spelled: ⟦spellof(p)⟧
""",
)

_t(
    "phone call transcript with NATO spelling",
    r"""
Call transcript (helpdesk, ⟦tsp⟧):
Agent: I've reset it. Your new password is ⟦pwu:p⟧.
Agent: That's ⟦natoof(p)⟧.
Caller: Got it, thanks.
""",
)

_t(
    "password spelled with dashes only",
    r"""
[⟦hm⟧] ⟦first⟧: not pasting it plain, here: ⟦spell⟧ (no dashes when you type it)
""",
)

_t(
    "password spelled with spaces",
    r"""
⟦first⟧ ⟦hm⟧: wifi for the OT lab: ⟦spell( )⟧  (without the spaces)
""",
)

_t(
    "password split across two messages",
    r"""
[⟦hm⟧] ⟦first⟧: first half: ⟦an(8)⟧
[⟦hm⟧] ⟦first⟧: second half: ⟦an(8)⟧
[⟦hm⟧] ⟦first⟧: concat them, that's the LAU test key
""",
)

_t(
    "dictated PIN with spaces between digits",
    r"""
Voicemail from ⟦first⟧, ⟦hm⟧: "...the door code for the hub room is ⟦spell( )⟧, again ⟦spell( )⟧..."
""".replace("⟦spell( )⟧, again ⟦spell( )⟧", "⟦pin(6):dp⟧, again ⟦spellof(dp, )⟧"),
)

_t(
    "Dutch dictated password with NATO alphabet",
    r"""
Gespreksnotitie ⟦tsp⟧: nieuw wachtwoord doorgegeven aan ⟦first⟧: ⟦pwu:p⟧ (⟦natoof(p)⟧).
""",
)

_t(
    "password given in parentheses after username in e-mail",
    r"""
Hi ⟦first⟧, you can use the shared lab account (labshare / ⟦pws⟧) until your own account is approved.
""",
)

_t(
    "password after a dash in handover list",
    r"""
- PLC line ⟦n(1,6)⟧ know-how protection - ⟦pwl⟧
- HMI panels - unchanged
""",
)

_t(
    "Polish spelled-out password",
    r"""
[⟦hm⟧] ⟦first⟧: hasło: ⟦pws:p⟧ – literuję: ⟦spellof(p)⟧
""",
)

_t(
    "password described with case hints",
    r"""
[⟦hm⟧] ⟦first⟧: it's ⟦pwh⟧ - case-sensitive, no spaces, copy it exactly
""",
)


# ===========================================================================
# KEEP TEMPLATES (diagnostic tokens that must survive sanitisation)
# ===========================================================================

# ---- healthcare -------------------------------------------------------------
_k(
    "MLLP ACK log with MSH-10 control id next to security wording",
    r"""
⟦tsms⟧ INFO  [MLLP-Listener:2575] ACK AA for MSH-10=⟦k.n(10000000,99999999)⟧ (security field present, auth ok)
""",
)

_k(
    "HL7 message control id with MSG prefix in error queue",
    r"""
⟦tsms⟧ WARN  HL7Router - control id ⟦k.tok(MSG,num,10)⟧ moved to hl7.error.lis: password field MSH-8 empty
""",
)

_k(
    "HAPI FHIR error code with token expired message",
    r"""
⟦tsms⟧ ERROR c.u.f.j.r.s.RestfulServer - ⟦k=HAPI-0389⟧: token expired for request ⟦k.uuid⟧
""",
)

_k(
    "FHIR OperationOutcome with issue code and request id",
    r"""
{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"security","diagnostics":"Invalid bearer token (kid=⟦k.tok(kid-,lan,10)⟧)"}]}
""",
)

_k(
    "storescu C-STORE response with Study Instance UID",
    r"""
⟦hms⟧,⟦n(100,999)⟧ INFO  - ⟦user⟧ >> 1:C-STORE-RSP[pcid=1, status=0H, iuid=⟦k.dicom⟧, tsuid=1.2.840.10008.1.2.1]
""",
)

_k(
    "DICOM SOP Class UID for CT Image Storage in association log",
    r"""
⟦tsms⟧ DEBUG Association accepted: abstract syntax ⟦k=1.2.840.10008.5.1.4.1.1.2⟧ (CT Image Storage), key exchange not used
""",
)

_k(
    "DICOM C-STORE failure status code out of resources",
    r"""
⟦tsms⟧ WARN  C-STORE failed with status ⟦k=0xA700⟧ (Out of Resources) for SeriesInstanceUID ⟦k.dicom⟧
""",
)

_k(
    "Mirth channel deploy log with channel id and password policy",
    r"""
⟦tsms⟧ INFO  Channel ⟦k.uuid⟧ deployed (revision 14); password policy: min length 12
""",
)

_k(
    "Prometheus metric for Mirth errors with auth label",
    r"""
⟦k=mirth_channel_errored_total⟧{channel="ADT_IN",reason="auth"} 3
""",
)

_k(
    "Mirth exception class in stack trace after password change",
    r"""
⟦k=com.mirth.connect.donkey.server.channel.ChannelException⟧: Failed to start source connector after password change
""",
)

_k(
    "interface engine queue name with token refresh",
    r"""
⟦tsp⟧ [broker] queue ⟦k=hl7.inbound.adt.a08⟧ depth=⟦n(0,200)⟧ consumers=2 (token refresh ok)
""",
)

_k(
    "HAPI FHIR version banner",
    r"""
⟦tsms⟧ INFO  ca.uhn.fhir.context.FhirContext - Creating new FHIR context for FHIR version [R4], HAPI FHIR ⟦k=7.4.0⟧
""",
)

_k(
    "Orthanc instance id in access log with api key header mention",
    r"""
⟦tsms⟧ I REST API call GET /instances/⟦k.orthanc⟧/file (X-Api-Key accepted)
""",
)

_k(
    "PACS checksum mismatch with two MD5 values",
    r"""
⟦tsp⟧ [archive] hash mismatch for object: expected md5 ⟦k.md5⟧ got ⟦hexid(32)⟧
""",
)

_k(
    "FHIR request correlation id header",
    r"""
< HTTP/1.1 401 Unauthorized
< X-Request-Id: ⟦k.uuid⟧
< WWW-Authenticate: Bearer error="invalid_token", error_description="The access token expired"
""",
)

_k(
    "HL7 sequence number protocol message",
    r"""
⟦tsms⟧ INFO  seq: MSH-13 sequence number ⟦k.n(100000,999999)⟧ accepted, next expected ⟦n(100000,999999)⟧
""",
)

_k(
    "SMART JWKS key id rotation",
    r"""
⟦ts⟧ INFO jwks: rotated signing key, new key id ⟦k.tok(sig-,hex,16)⟧ (alg ⟦k=ES384⟧)
""",
)

# ---- finance ----------------------------------------------------------------
_k(
    "FIX NewOrderSingle log with ClOrdID and masked password",
    r"""
⟦tsms⟧ INFO  outgoing: 8=FIX.4.4|35=D|34=⟦n(100,999)⟧|11=⟦k.tok(ORD,num,12)⟧|55=EURUSD|54=1|38=1000000|40=2|554=****|
""",
)

_k(
    "FIX sequence gap reject with expected and received numbers",
    r"""
⟦tsms⟧ ERROR MsgSeqNum too low, expecting ⟦k.n(10000,99999)⟧ but received ⟦n(1000,9999)⟧
""",
)

_k(
    "FIX logout with reason text after password expiry",
    r"""
⟦tsms⟧ WARN  received 35=5 58=Password expired, RefSeqNum=⟦k.n(10000,99999)⟧
""",
)

_k(
    "SWIFT gpi UETR in payment tracker",
    r"""
⟦tsp⟧ gpi tracker: UETR ⟦k.uuid⟧ status ACSP, LAU signature verified
""",
)

_k(
    "MT103 transaction reference field",
    r"""
:20:⟦k.tok(FT,uan,14)⟧
:23B:CRED
""",
)

_k(
    "Stripe payment intent and request id with secret key wording",
    r"""
⟦ts⟧ WARN stripe: request ⟦k.tok(req_,an,14)⟧ failed for ⟦k.tok(pi_,an,24)⟧: restricted key lacks permission
""",
)

_k(
    "Stripe decline code in webhook log",
    r"""
⟦ts⟧ INFO webhook charge.failed code=card_declined decline_code=⟦k=insufficient_funds⟧ (signature ok)
""",
)

_k(
    "Adyen pspReference in notification",
    r"""
⟦tsms⟧ INFO  AUTHORISATION success=false pspReference=⟦k.n(1000000000000000,9999999999999999)⟧ reason=CVC Declined (HMAC key valid)
""",
)

_k(
    "card terminal KCV match message",
    r"""
⟦tsp⟧ KIF key check value ⟦k.HEX(6)⟧ matches expected, key injected into slot 2
""",
)

_k(
    "terminal serial and model in TMS heartbeat",
    r"""
⟦tsp⟧ TMS heartbeat model Move/5000 serial ⟦k.n(10000000000,99999999999)⟧ firmware 25.6.1 password policy compliant
""",
)

_k(
    "z/OS job id and abend code",
    r"""
⟦hms⟧ JOB⟦n(10000,99999)⟧ $HASP165 ACHSEND  ENDED AT N1 - ABEND=⟦k=S0C7⟧ U0000 CN(INTERNAL)
""",
)

_k(
    "Oracle invalid password error code",
    r"""
⟦tsms⟧ ERROR settle-job: ⟦k=ORA-01017⟧: invalid username/password; logon denied
""",
)

_k(
    "PostgreSQL SQLSTATE for failed password authentication",
    r"""
⟦tsp⟧ UTC [⟦pid⟧] FATAL:  password authentication failed for user "settle_app" (SQLSTATE ⟦k=28P01⟧)
""",
)

_k(
    "Nessus scan id and plugin id",
    r"""
⟦tsp⟧ scan ⟦n(1000,9999)⟧ finished: plugin ⟦k=57582⟧ (SSL Self-Signed Certificate) on 3 hosts
""",
)

_k(
    "payShield LMK check value in health report",
    r"""
HSM health: LMK check ⟦k.n(1000000000000000,9999999999999999)⟧, firmware ⟦k=1500-0911⟧, key table OK
""",
)

_k(
    "payment gateway transaction id with auth code",
    r"""
⟦tsms⟧ INFO  gateway txn_id=⟦k.uuid⟧ approval=⟦rs(uan,6)⟧ rc=00 amount=⟦n(1,999)⟧.00
""",
)

_k(
    "order number in reconciliation mismatch",
    r"""
⟦tsp⟧ recon: order ⟦k.tok(ORD-2026-,num,6)⟧ amount mismatch, settlement batch ⟦n(1000,9999)⟧
""",
)

_k(
    "Control-M order id in job output",
    r"""
⟦tsp⟧ Job ACH_SEND_EOD orderid ⟦k.tok(0,lan,4)⟧ ended OK, run number 3
""",
)

# ---- industrial ---------------------------------------------------------------
_k(
    "OPC UA status code for denied user",
    r"""
⟦tsms⟧ WARN  ActivateSession failed: ⟦k=BadUserAccessDenied⟧ (⟦k=0x801F0000⟧)
""",
)

_k(
    "OPC UA untrusted certificate status",
    r"""
⟦tsms⟧ ERROR OpenSecureChannel: BadCertificateUntrusted (⟦k=0x801A0000⟧), security policy ⟦k=Basic256Sha256⟧
""",
)

_k(
    "Modbus exception with holding register address",
    r"""
⟦tsms⟧ WARN  modbus slave 3 exception 0x02 (Illegal Data Address) at holding register ⟦k=40123⟧
""",
)

_k(
    "Siemens CPU order number in PLC inventory",
    r"""
PLC_⟦n(1,9)⟧  CPU 1516-3 PN/DP  order no. ⟦k=6ES7 516-3AN02-0AB0⟧  fw ⟦k=V2.9.4⟧  protection: password set
""",
)

_k(
    "device serial number in asset list",
    r"""
⟦date⟧ asset scan: device serial ⟦k.tok(S C-,uan,8)⟧ reachable, login with password disabled
""",
)

_k(
    "historian tag name and point id",
    r"""
⟦tsms⟧ INFO  PI point ⟦k=FIC-101.PV⟧ (pointid ⟦n(10000,99999)⟧) snapshot updated
""",
)

_k(
    "PI network error code",
    r"""
⟦tsp⟧ PI-API: [⟦k=-10722⟧] PINET: Timeout on PI RPC or System Call, retry with trust token
""",
)

_k(
    "BACnet password-failure error for device instance",
    r"""
⟦tsms⟧ ERROR ReinitializeDevice to device,⟦n(100000,400000)⟧ rejected: security: ⟦k=password-failure⟧
""",
)

_k(
    "Niagara module version",
    r"""
⟦tsms⟧ INFO [sys.registry] station started, niagara runtime ⟦k=4.13.1.16⟧, auth scheme ⟦k=HTTP-Basic⟧ disabled
""",
)

_k(
    "Ignition gateway build number",
    r"""
⟦tsms⟧ INFO  [GatewayContext] Ignition 8.1.43 (⟦k=b2024091211⟧) started, password auth profile default
""",
)

_k(
    "Sparkplug MQTT topic in broker log",
    r"""
⟦tsp⟧ mosquitto: publish on ⟦k=spBv1.0/Plant1/NDATA/edge-press-4⟧ rejected: not authorised (no password)
""",
)

_k(
    "SCADA alarm id with acknowledgement",
    r"""
⟦tsp⟧ ALARM ⟦k.tok(ALM-,num,6)⟧ high pressure line 2 acknowledged by operator
""",
)

_k(
    "Modbus TCP transaction id trace",
    r"""
⟦tsms⟧ DEBUG mbtcp tid=⟦k.tok(0x,HEX,4)⟧ unit=1 fc=3 addr=0 qty=10 duration=⟦n(2,400)⟧ms
""",
)

_k(
    "HMI password policy with config key name",
    r"""
⟦tsp⟧ [HMI] config loaded: ⟦k=PasswordMinLength⟧=12 PasswordHistory=5
""",
)

_k(
    "Telegraf metric name for OPC UA quality",
    r"""
⟦k=opcua_quality⟧,host=⟦host(edge)⟧,name=line1 value=0i ⟦n(1700000000,1799999999)⟧000000000
""",
)

_k(
    "Kepware event log code",
    r"""
⟦tsp⟧ KEPServerEX 6.16.203.0 Runtime: Device 'Line1.S7' is not responding (error ⟦k=0x800706BA⟧)
""",
)

_k(
    "PLC firmware checksum after download",
    r"""
⟦tsp⟧ download complete, program checksum ⟦k.HEX(8)⟧, know-how protection key unchanged
""",
)

# ---- crypto --------------------------------------------------------------------
_k(
    "Ethereum transaction hash in explorer lookup",
    r"""
⟦ts⟧ INFO payout: tx hash ⟦k.blk⟧ confirmed in block ⟦n(19000000,22000000)⟧
""",
)

_k(
    "Bitcoin block hash with leading zeros",
    r"""
⟦tsp⟧ UpdateTip: new best=⟦k.tok(0000000000000000000,hex,45)⟧ height=⟦n(870000,920000)⟧ version=0x20000000
""",
)

_k(
    "Bitcoin txid in wallet log",
    r"""
⟦tsp⟧ [hot] CommitTransaction: txid ⟦k.sha256⟧ (private key not exported)
""",
)

_k(
    "validator BLS public key and index",
    r"""
⟦ts⟧ INFO Successfully published attestation validator=⟦k.n(100000,1500000)⟧ pubkey=⟦k.tok(0x,hex,96)⟧
""",
)

_k(
    "Ethereum address in keystore file name",
    r"""
⟦tsp⟧ keystore decrypt failed for ⟦k.tok(UTC--2025-03-14T09-12-44.501Z--,hex,40)⟧: could not decrypt key with given password
""",
)

_k(
    "exchange order id and client order id",
    r"""
⟦tsms⟧ INFO  order filled orderId=⟦k.n(1000000000,9999999999)⟧ clientOrderId=bot-⟦rs(lan,12)⟧ (api key ok)
""",
)

_k(
    "Binance API error code",
    r"""
⟦tsms⟧ ERROR binance: code ⟦k=-2015⟧ Invalid API-key, IP, or permissions for action.
""",
)

_k(
    "Kraken error string",
    r"""
⟦tsms⟧ ERROR kraken: ["⟦k=EAPI:Invalid key⟧"] on /0/private/Balance
""",
)

_k(
    "keystore JSON id and kdf",
    r"""
{"address":"⟦rs(hex,40)⟧","id":"⟦k.uuid⟧","version":3,"crypto":{"kdf":"scrypt"}}
""",
)

_k(
    "Solana transaction signature",
    r"""
⟦ts⟧ INFO tx confirmed signature=⟦k.tok(,b58,88)⟧ slot=⟦n(250000000,320000000)⟧
""",
)

_k(
    "Cosmos tx hash uppercase",
    r"""
⟦ts⟧ INF committed tx hash=⟦k.tok(,HEX,64)⟧ height=⟦n(1000000,9999999)⟧ code=0
""",
)

_k(
    "enode node id in peer log",
    r"""
⟦tsp⟧ DEBUG p2p: peer connected id=⟦k.tok(,hex,128)⟧ caps=eth/68,snap/1
""",
)

_k(
    "derivation path in wallet tool output",
    r"""
⟦tsp⟧ derived account #0 path ⟦k=m/44'/60'/0'/0/0⟧ (mnemonic checksum ok)
""",
)

_k(
    "geth imported chain segment",
    r"""
INFO [11-⟦n(10,28)⟧|⟦hms⟧.⟦n(100,999)⟧] Imported new chain segment number=⟦k.n(19000000,22000000)⟧ hash=⟦k.blk⟧ elapsed=⟦n(2,900)⟧.⟦n(100,999)⟧ms
""",
)

# ---- mail and DNS ------------------------------------------------------------------
_k(
    "Postfix queue id on delivery with SASL wording",
    r"""
⟦syslog⟧ ⟦host(mx)⟧ postfix/smtp[⟦pid⟧]: ⟦k.HEX(10)⟧: to=<⟦email⟧>, relay=⟦fqdn(relay)⟧[⟦ip⟧]:587, delay=1.2, status=sent (250 2.0.0 OK, sasl auth)
""",
)

_k(
    "DKIM selector in Authentication-Results",
    r"""
Authentication-Results: ⟦fqdn(mx)⟧; dkim=pass header.d=⟦domain⟧ header.s=⟦k=mail2026a⟧ header.b=⟦rs(an,8)⟧
""",
)

_k(
    "TSIG key name and algorithm in named log",
    r"""
⟦syslog⟧ ⟦host(ns)⟧ named[⟦pid⟧]: zone ⟦domain⟧/IN: Transfer started, TSIG key name ⟦k=xfr-ams1-fra2⟧ algorithm ⟦k=hmac-sha256⟧
""",
)

_k(
    "BIND TSIG BADKEY error",
    r"""
⟦syslog⟧ ⟦host(ns)⟧ named[⟦pid⟧]: client @0x⟦rs(hex,12)⟧ ⟦ip⟧#⟦n(30000,60000)⟧: request has invalid signature: TSIG ⟦k=transfer-key⟧: tsig verify failure (⟦k=BADKEY⟧)
""",
)

_k(
    "DNSSEC key tag and DS digest",
    r"""
⟦domain⟧. 3600 IN DS ⟦k.n(10000,65000)⟧ 13 2 ⟦k.tok(,HEX,64)⟧
""",
)

_k(
    "nsupdate NOTAUTH BADSIG failure",
    r"""
update failed: ⟦k=NOTAUTH(BADSIG)⟧
""",
)

_k(
    "SMTP auth failure enhanced status code",
    r"""
<~  535 ⟦k=5.7.8⟧ Error: authentication failed: UGFzc3dvcmQ6
""",
)

_k(
    "PowerDNS zone serial bump",
    r"""
⟦tsp⟧ pdns_server: API: zone ⟦domain⟧ serial bumped to ⟦k.n(2026110101,2026123199)⟧ (api-key auth)
""",
)

_k(
    "Dovecot auth worker pid and duration",
    r"""
⟦syslog⟧ ⟦host(imap)⟧ dovecot: auth-worker(⟦k.n(10000,99999)⟧): sql: password query took ⟦n(2,900)⟧ms
""",
)

_k(
    "Exim message id in main log",
    r"""
⟦tsp⟧ ⟦k.eximid⟧ <= ⟦email⟧ H=(⟦host(app)⟧) [⟦ip⟧] P=esmtpsa A=login_auth:apps S=⟦n(1000,90000)⟧
""",
)

_k(
    "OpenSSL error code in Postfix TLS warning",
    r"""
⟦syslog⟧ ⟦host(mx)⟧ postfix/smtp[⟦pid⟧]: warning: TLS library problem: error:⟦k=0A000086⟧:SSL routines::certificate verify failed
""",
)

_k(
    "OpenDKIM key retrieval failure with selector",
    r"""
⟦syslog⟧ ⟦host(mx)⟧ opendkim[⟦pid⟧]: ⟦HEXID(10)⟧: key retrieval failed (s=⟦k=s2026dec⟧, d=⟦domain⟧): key not found
""",
)

# ---- directory and auth -------------------------------------------------------------
_k(
    "Kerberos preauth failed error",
    r"""
⟦syslog⟧ ⟦host(kdc)⟧ krb5kdc[⟦pid⟧]: PREAUTH_FAILED: ⟦user⟧@LAB.INT for krbtgt/LAB.INT@LAB.INT, ⟦k=KDC_ERR_PREAUTH_FAILED⟧ (password incorrect)
""",
)

_k(
    "klist keytab with kvno and enctype",
    r"""
   ⟦n(2,9)⟧ ⟦dmys⟧ ⟦hms⟧ HTTP/⟦fqdn(web)⟧@LAB.INT (⟦k=aes256-cts-hmac-sha1-96⟧)
""",
)

_k(
    "Windows security event for Kerberos pre-auth failure",
    r"""
⟦tsp⟧ EventID ⟦k=4771⟧ Kerberos pre-authentication failed. Failure Code: ⟦k=0x18⟧ (bad password)
""",
)

_k(
    "sssd config key name in validation error",
    r"""
⟦tsp⟧ [sssd] [sss_ini_call_validators] Attribute '⟦k=ldap_default_authtok_type⟧' is not allowed in section 'domain/lab'
""",
)

_k(
    "FreeIPA password expiration attribute",
    r"""
⟦user⟧: ⟦k=krbPasswordExpiration⟧: 20270301000000Z, password policy: min length 12
""",
)

_k(
    "Samba logon failure status",
    r"""
⟦tsp⟧ smbd[⟦pid⟧]: check_ntlm_password: Authentication for user [⟦user⟧] FAILED with error ⟦k=NT_STATUS_LOGON_FAILURE⟧
""",
)

_k(
    "FreeRADIUS shared secret mismatch with packet id",
    r"""
⟦ctime⟧ : Error: Received packet from ⟦ip⟧ with invalid Message-Authenticator! (Shared secret is incorrect.) Id ⟦k.n(1000,9999)⟧
""",
)

_k(
    "TACACS+ session id in authentication failure",
    r"""
⟦syslog⟧ ⟦host(tac)⟧ tac_plus[⟦pid⟧]: login failure: ⟦user⟧ (password) session-id ⟦k.tok(0x,hex,8)⟧
""",
)

_k(
    "LDAP invalid credentials AD error code",
    r"""
ldap_bind: Invalid credentials (49)
	additional info: ⟦k=80090308⟧: LdapErr: DSID-0C090569, comment: AcceptSecurityContext error, data 52e, v4563
""",
)

_k(
    "Kerberos principal unknown error",
    r"""
kinit: Client '⟦user⟧@LAB.INT' not found in Kerberos database (⟦k=KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN⟧) while getting initial credentials
""",
)

_k(
    "sssd cache_credentials key in offline auth message",
    r"""
⟦tsp⟧ [pam] Offline authentication used, ⟦k=cache_credentials⟧ = True, hash algorithm SHA512-CRYPT
""",
)

_k(
    "Windows NTSTATUS for wrong password",
    r"""
⟦tsp⟧ Logon failure for ⟦user⟧: status ⟦k=0xC000006A⟧ (wrong password), sub status 0x0
""",
)

_k(
    "RADIUS accounting session id",
    r"""
	Acct-Session-Id = "⟦k.tok(,HEX,16)⟧"
	Acct-Status-Type = Stop
""",
)

_k(
    "FreeRADIUS module failure with request number",
    r"""
(⟦k.n(1000,9999)⟧) rlm_sql (sql): Couldn't connect to database, password auth failed
""",
)

# ---- game and media ------------------------------------------------------------------
_k(
    "Minecraft player UUID in server log",
    r"""
[⟦hms⟧] [User Authenticator #1/INFO]: UUID of player ⟦user⟧ is ⟦k.uuid⟧
""",
)

_k(
    "Steam app id and server steam id",
    r"""
⟦tsp⟧ Server logged on, AppID ⟦k=258550⟧, SteamID ⟦n(90000000000000000,90999999999999999)⟧ (GSLT token accepted)
""",
)

_k(
    "Icecast mountpoint auth failure",
    r"""
[⟦tsp⟧] WARN source/source_client_callback mountpoint ⟦k=/live.mp3⟧ source password rejected, client id ⟦n(1000,99999)⟧
""",
)

_k(
    "Plex Media Server version-build",
    r"""
⟦tsms⟧ [⟦n(1000,9999)⟧] INFO - Plex Media Server v⟦k=1.41.2.9200-c6bbc1b53⟧ - token auth enabled
""",
)

_k(
    "Jellyfin item id in playback error",
    r"""
[⟦tsms⟧] [ERR] [⟦n(10,99)⟧] MediaBrowser.Api: Error processing request for item ⟦k.hex32⟧ (api key valid)
""".replace("⟦k.hex32⟧", "⟦k.md5⟧"),
)

_k(
    "Sonarr tvdb id in import",
    r"""
⟦tsms⟧|Info|ImportDecisionMaker|Series tvdbid ⟦k.n(70000,450000)⟧ matched, ApiKey rotated yesterday
""",
)

_k(
    "ffmpeg error number",
    r"""
[flv @ 0x⟦rs(hex,12)⟧] Failed to update header with correct duration. Error number ⟦k=-10053⟧ occurred
""",
)

_k(
    "Discord gateway session id",
    r"""
⟦ts⟧ INFO discord.gateway: Shard ID None has connected to Gateway (Session ID: ⟦k.md5⟧), token valid
""",
)

_k(
    "Minecraft server version in startup",
    r"""
[⟦hms⟧] [Server thread/INFO]: Starting minecraft server version ⟦k=1.21.1⟧ (rcon password set)
""",
)

_k(
    "nginx-rtmp client id on dropped publish",
    r"""
⟦tsp⟧ [info] ⟦pid⟧#0: *⟦k.n(10000,99999)⟧ disconnect, stream key rejected, duration ⟦n(3,900)⟧s
""",
)

# ---- science ----------------------------------------------------------------------
_k(
    "LIMS sample id in result import",
    r"""
⟦tsp⟧ LIMS import: sample ⟦k.tok(S-2026-,num,6)⟧ result accepted (instrument password check skipped)
""",
)

_k(
    "iRODS authentication error code",
    r"""
remote addresses: ⟦ip⟧ ERROR: iinit: failed with error ⟦k=-826000⟧ ⟦k=CAT_INVALID_AUTHENTICATION⟧
""",
)

_k(
    "Globus task id",
    r"""
Message: The transfer has been accepted and a task has been created and queued for execution
Task ID: ⟦k.uuid⟧
""",
)

_k(
    "Slurm job id with auth failure",
    r"""
⟦tsp⟧ slurmctld: error: JobId=⟦k.n(1000000,9999999)⟧ Munge decode failed: Expired credential (auth token)
""",
)

_k(
    "JupyterHub metric and request id",
    r"""
⟦k=jupyterhub_request_duration_seconds_bucket⟧{code="403",handler="UserTokenAPIHandler",le="0.1"} 12
""",
)

_k(
    "instrument serial number",
    r"""
⟦tsp⟧ CDS: instrument G7129A serial ⟦k.tok(DEA,uan,7)⟧ connected, service password unchanged
""",
)

_k(
    "Nextflow session id",
    r"""
Launching `nf-core/rnaseq` [nostalgic_turing] DSL2 - revision: ⟦hexid(10)⟧ [3.14.0] session ⟦k.uuid⟧
""",
)

_k(
    "Galaxy encoded dataset id",
    r"""
⟦tsp⟧ galaxy.jobs: dataset ⟦k.short(16)⟧ ready, id_secret unchanged
""",
)

_k(
    "JupyterHub singleuser image digest",
    r"""
⟦tsp⟧ spawner: pulling quay.io/jupyter/scipy-notebook@⟦k.digest⟧ for ⟦user⟧ (token ok)
""",
)

_k(
    "LIMS release git commit",
    r"""
⟦tsp⟧ deploy lims-api ⟦k=v3.18.2⟧ commit ⟦k.sha⟧ (secrets loaded from vault)
""",
)

# ---- telecom --------------------------------------------------------------------
_k(
    "SMPP invalid password status code",
    r"""
⟦tsms⟧ ERROR bind_transceiver_resp status=⟦k=ESME_RINVPASWD⟧ (⟦k=0x0000000E⟧)
""",
)

_k(
    "SMPP submit_sm_resp message id",
    r"""
⟦tsms⟧ DEBUG submit_sm_resp seq=⟦n(100,9999)⟧ message_id=⟦k.tok(,hex,16)⟧
""",
)

_k(
    "SIP Call-ID and Via branch",
    r"""
Via: SIP/2.0/UDP ⟦ip⟧:5060;branch=⟦k.tok(z9hG4bK,hex,16)⟧
Call-ID: ⟦k.trace⟧
""",
)

_k(
    "SIP digest challenge nonce",
    r"""
SIP/2.0 401 Unauthorized
WWW-Authenticate: Digest realm="asterisk", nonce="⟦k.tok(,hex,32)⟧", algorithm=MD5
""",
)

_k(
    "Diameter result code",
    r"""
⟦tsms⟧ WARN  CCA received Result-Code ⟦k=DIAMETER_AUTHENTICATION_REJECTED⟧ (⟦k=4001⟧)
""",
)

_k(
    "Diameter hop-by-hop id",
    r"""
⟦tsms⟧ DEBUG CER/CEA ok hbh=⟦k.tok(0x,hex,8)⟧ e2e=0x⟦hexid(8)⟧
""",
)

_k(
    "CDR file name in mediation log",
    r"""
⟦tsp⟧ collector: fetched ⟦k.tok(CDR_MSC01_20261203_,num,6)⟧.dat (password auth, 4.2 MB)
""",
)

_k(
    "Asterisk linked id for a call",
    r"""
[⟦tsp⟧] VERBOSE[⟦pid⟧][C-⟦rs(hex,8)⟧] pbx.c: Executing [s@macro-dial:1] linkedid ⟦k.linkedid⟧
""",
)

_k(
    "billing invoice number",
    r"""
⟦tsp⟧ billrun: invoice ⟦k.tok(INV-2026-,num,7)⟧ generated, api secret not required
""",
)

_k(
    "Kannel SMSC connection status",
    r"""
⟦tsp⟧ [⟦pid⟧] [⟦n(1,9)⟧] INFO: SMPP[⟦k=safaricom-tx1⟧]: connected, system-id accepted
""",
)

# ---- generic SRE ------------------------------------------------------------------------
_k(
    "W3C traceparent header",
    r"""
traceparent: 00-⟦k.trace⟧-⟦k.span⟧-01
""",
)

_k(
    "container image digest in rollout",
    r"""
⟦tsp⟧ rollout mirth-connect image=nextgenhealthcare/connect@⟦k.digest⟧ (password secret mounted)
""",
)

_k(
    "git commit in deploy log",
    r"""
⟦tsp⟧ deploy fix-gateway commit ⟦k.sha⟧ by ci, token rotated
""",
)

_k(
    "sha256sum of release tarball",
    r"""
⟦k.sha256⟧  hl7gw-2.14.3-linux-amd64.tar.gz
""",
)

_k(
    "HTTP 401 with token expired and request id",
    r"""
⟦ip⟧ - - [⟦clf⟧] "POST /api/v1/payouts HTTP/1.1" 401 87 "-" "payout-worker/1.9" rid=⟦k.uuid⟧ err=token_expired
""",
)

_k(
    "Prometheus auth failure metric",
    r"""
⟦k=auth_failures_total⟧{service="smpp-gw",reason="bad_password"} 17
""",
)

_k(
    "secret rotation job id",
    r"""
⟦tsp⟧ rotation job ⟦k.uuid⟧ finished: 12 secrets rotated in ⟦n(3,90)⟧s
""",
)

_k(
    "config key name for password policy",
    r"""
⟦k=password_min_length⟧ = 12
⟦k=password_max_age_days⟧ = 90
""",
)

_k(
    "process id in service crash",
    r"""
⟦syslog⟧ ⟦host(app)⟧ systemd[1]: fixgw.service: Main process exited, code=killed, status=9/KILL (pid ⟦k.n(10000,99999)⟧)
""",
)

_k(
    "error id from sanitizer-unfriendly key path",
    r"""
⟦tsp⟧ config error E⟦k.n(1000,9999)⟧: missing key 'tls.keystore_password_file'
""".replace("E⟦k.n(1000,9999)⟧", "⟦k.tok(CFG-E,num,4)⟧"),
)

_k(
    "request span duration in structured log",
    r"""
{"ts":"⟦ts⟧","level":"warn","msg":"token refresh slow","trace_id":"⟦k.trace⟧","duration_ms":⟦n(1000,9999)⟧}
""",
)

_k(
    "build number in CI output",
    r"""
Build #⟦k.n(1000,99999)⟧ for mirth-channels (commit ⟦hexid(7)⟧) passed, secret scanning: 0 findings
""",
)


if __name__ == "__main__":
    print(_check())
