# ruff: noqa: E501, RUF001, UP031
"""Sealed blind corpus P for the log/secret sanitizer, written by helper P on 2026-12-03 without reading the sanitizer, its tests, the other corpora or any benchmark.

Theme: places secrets leak outside the usual cloud/DevOps examples -
hospitality, travel and retail back office (hotel PMS, GDS terminal sessions,
channel managers, loyalty, POS/payments, Magento/Shopify/WooCommerce and other
shop platforms, travel APIs), education and public sector (student information
systems, Moodle, library systems, e-government portals), self-hosted and
home-lab stacks (Home Assistant, Nextcloud, Pi-hole, Proxmox, TrueNAS, UniFi,
Synology, OpenMediaVault, media servers, Vaultwarden, MQTT/ESPHome devices),
automation and low-code (RPA, n8n/Node-RED, webhook services), office material
(VBA, Power Query M, ODBC/Access/LibreOffice Base), contact-centre/IVR,
WordPress and PHP apps (wp-config.php, Laravel/Symfony .env, phpMyAdmin), and
human text about all of these (chat, tickets, e-mail, handover and meeting
notes, wiki pages, pasted spreadsheets) in English and many other languages
(Italian, Czech, Hungarian, Finnish, Romanian, Ukrainian, Russian, Arabic,
Japanese, Thai, Chinese, Korean, German, Spanish, French, Polish, Portuguese,
Turkish).

SEED = 20261208
VARIANTS = 2 (each template rendered twice with fresh secrets and fresh
surrounding names; deterministic via random.Random(SEED)).

Counts (as returned by _check()):
    families=40, case templates=463, cases=926, planted values=1086,
    keep templates=150, keep entries=300, keep tokens=316

Templates use placeholders: {{$kind}} plants a secret (listed in Case.values),
{{kind}} is non-secret filler (timestamps, hosts, IPs, names, ids), {{!kind}}
and {{=literal}} mark keep tokens.  A rendering is re-drawn if a planted value
would also occur elsewhere in the text or would contain a keep token.
"""

import base64
import datetime
import random
import re
import string
from typing import NamedTuple

SEED = 20261208
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
# character sets and word pools
# ---------------------------------------------------------------------------
_AL = string.ascii_letters + string.digits
_LO = string.ascii_lowercase + string.digits
_UP = string.ascii_uppercase + string.digits
_HX = "0123456789abcdef"
_HXU = "0123456789ABCDEF"
_B64 = _AL + "+/"
_B64U = _AL + "-_"
_B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_CRYPT = "./" + _AL
_SALTCH = _AL + "!#%()*+,-./:;<=>?@[]^_{}~"
_WPSALT = _AL + "!#%()*+,-./:;<=>?@[]^_{}~|&"

_PWW = [
    "sunflower",
    "harbor",
    "falcon",
    "marmalade",
    "tiger",
    "summer",
    "winter",
    "coffee",
    "espresso",
    "dolomiti",
    "vltava",
    "balaton",
    "sauna",
    "carpathia",
    "dnipro",
    "volga",
    "sakura",
    "mango",
    "kimchi",
    "panda",
    "orchid",
    "lobby",
    "suite",
    "concierge",
    "galaxy",
    "rocket",
    "penguin",
    "castle",
    "river",
    "meadow",
    "copper",
    "silver",
    "maple",
    "cobalt",
    "lemon",
    "violet",
    "thunder",
    "pixel",
    "nimbus",
    "bamboo",
    "tortuga",
    "gelato",
    "pivo",
    "paprika",
    "lumi",
    "sisu",
    "brasov",
    "kyiv",
    "oasis",
    "mekong",
    "dragon",
    "hanok",
    "tulip",
    "zeppelin",
    "bicycle",
    "lantern",
    "harmony",
    "velvet",
    "anchor",
    "compass",
    "kestrel",
    "juniper",
    "saffron",
    "pistachio",
    "nebula",
    "quartz",
    "walrus",
    "bluebird",
    "ostrava",
    "tampere",
    "sibiu",
    "lviv",
    "petra",
    "kobe",
    "suzhou",
    "busan",
    "gondola",
    "tramvaj",
    "kolibri",
    "revontulet",
    "szeged",
    "danube",
    "porcupine",
    "mistral",
]
_PHW = [
    "orbit",
    "pencil",
    "glacier",
    "violin",
    "harvest",
    "meadow",
    "lantern",
    "oyster",
    "canyon",
    "saddle",
    "copper",
    "window",
    "falcon",
    "pepper",
    "marble",
    "ribbon",
    "tunnel",
    "anchor",
    "shadow",
    "blossom",
    "cactus",
    "dolphin",
    "ember",
    "fjord",
    "gravel",
    "hollow",
    "island",
    "jungle",
    "kettle",
    "ladder",
    "mosaic",
    "nectar",
    "orchard",
    "puzzle",
    "quiver",
    "rhubarb",
    "spiral",
    "thimble",
    "velvet",
    "walnut",
    "zephyr",
    "biscuit",
    "chimney",
    "drizzle",
    "feather",
    "gadget",
    "hammock",
    "lobster",
]
_SEASON = [
    "Spring",
    "Summer",
    "Autumn",
    "Winter",
    "Primavera",
    "Estate",
    "Inverno",
    "Talvi",
    "Kesa",
    "Iarna",
    "Zima",
    "Leto",
    "Nyar",
    "Tavasz",
    "Jesen",
    "Vara",
]
_PWBASE = [
    "Welcome",
    "Hotel",
    "Reception",
    "Library",
    "Student",
    "Office",
    "Kassa",
    "Recepce",
    "Portineria",
    "Vastaanotto",
    "Receptie",
    "Recepcio",
    "Frontdesk",
    "Backoffice",
    "Biblioteca",
    "Skola",
    "Iskola",
    "Koulu",
    "Scoala",
    "Magazin",
]

_NAMES = {
    "en": (
        [
            "Olivia",
            "Liam",
            "Emma",
            "Noah",
            "Ava",
            "Ethan",
            "Sophia",
            "Mason",
            "Chloe",
            "Owen",
            "Grace",
            "Henry",
            "Ella",
            "Samuel",
            "Zoe",
            "Daniel",
            "Hannah",
            "Ryan",
            "Nora",
            "Adam",
        ],
        [
            "Walker",
            "Hughes",
            "Bennett",
            "Carter",
            "Foster",
            "Reed",
            "Murphy",
            "Price",
            "Ellis",
            "Hayes",
            "Brooks",
            "Gray",
            "Porter",
            "Fisher",
            "Shaw",
            "Dixon",
            "Palmer",
            "Warren",
        ],
    ),
    "it": (
        [
            "Marco",
            "Giulia",
            "Luca",
            "Francesca",
            "Matteo",
            "Chiara",
            "Alessandro",
            "Sara",
            "Davide",
            "Elena",
        ],
        [
            "Rossi",
            "Bianchi",
            "Esposito",
            "Romano",
            "Colombo",
            "Ricci",
            "Marino",
            "Greco",
            "Conti",
            "Gallo",
        ],
    ),
    "cz": (
        [
            "Jan",
            "Petra",
            "Tomáš",
            "Lucie",
            "Martin",
            "Jana",
            "Jakub",
            "Veronika",
            "Ondřej",
            "Kateřina",
        ],
        [
            "Novák",
            "Svobodová",
            "Dvořák",
            "Černá",
            "Procházka",
            "Kučerová",
            "Veselý",
            "Horáková",
            "Marek",
            "Pokorná",
        ],
    ),
    "hu": (
        ["Bence", "Eszter", "Dávid", "Anna", "Gergő", "Réka", "Balázs", "Zsófia", "Máté", "Dóra"],
        [
            "Nagy",
            "Kovács",
            "Tóth",
            "Szabó",
            "Horváth",
            "Varga",
            "Kiss",
            "Molnár",
            "Németh",
            "Farkas",
        ],
    ),
    "fi": (
        ["Mikko", "Laura", "Juha", "Aino", "Antti", "Emilia", "Ville", "Sanna", "Teemu", "Helmi"],
        [
            "Korhonen",
            "Virtanen",
            "Mäkinen",
            "Nieminen",
            "Hämäläinen",
            "Laine",
            "Heikkinen",
            "Koskinen",
            "Järvinen",
            "Lehtonen",
        ],
    ),
    "ro": (
        ["Andrei", "Ioana", "Mihai", "Elena", "Vlad", "Ana", "Radu", "Cristina", "Bogdan", "Alina"],
        [
            "Popescu",
            "Ionescu",
            "Popa",
            "Dumitru",
            "Stan",
            "Stoica",
            "Gheorghe",
            "Matei",
            "Ciobanu",
            "Rusu",
        ],
    ),
    "ua": (
        [
            "Олександр",
            "Оксана",
            "Андрій",
            "Ірина",
            "Дмитро",
            "Наталія",
            "Тарас",
            "Юлія",
            "Богдан",
            "Софія",
        ],
        [
            "Шевченко",
            "Коваленко",
            "Бондаренко",
            "Ткаченко",
            "Кравченко",
            "Олійник",
            "Мельник",
            "Лисенко",
            "Руденко",
            "Савченко",
        ],
    ),
    "ru": (
        [
            "Алексей",
            "Мария",
            "Дмитрий",
            "Анна",
            "Сергей",
            "Екатерина",
            "Иван",
            "Ольга",
            "Павел",
            "Татьяна",
        ],
        [
            "Иванов",
            "Смирнова",
            "Кузнецов",
            "Попова",
            "Соколов",
            "Лебедева",
            "Козлов",
            "Новикова",
            "Морозов",
            "Волкова",
        ],
    ),
    "ar": (
        ["أحمد", "فاطمة", "محمد", "مريم", "خالد", "نور", "يوسف", "سارة", "عمر", "ليلى"],
        [
            "الحسن",
            "العلي",
            "المنصور",
            "الخطيب",
            "السعدي",
            "النجار",
            "الحداد",
            "القاسم",
            "الشامي",
            "الزين",
        ],
    ),
    "jp": (
        ["健太", "美咲", "翔太", "陽菜", "大輔", "さくら", "拓也", "由美", "亮", "恵"],
        ["佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤"],
    ),
    "th": (
        ["สมชาย", "สุดา", "ธนากร", "วิภา", "ประเสริฐ", "นภา", "อนุชา", "กมล", "วีระ", "พิมพ์"],
        ["ใจดี", "ศรีสุข", "วงศ์ไทย", "บุญมา", "สุขสวัสดิ์", "ทองคำ", "แสงทอง", "รัตนพงศ์", "มีสุข", "พรหมมา"],
    ),
    "cn": (
        ["伟", "芳", "娜", "敏", "静", "强", "磊", "洋", "艳", "杰"],
        ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周"],
    ),
    "kr": (
        ["민준", "서연", "지훈", "수빈", "현우", "지은", "도윤", "하은", "준호", "예린"],
        ["김", "이", "박", "최", "정", "강", "조", "윤", "장", "임"],
    ),
    "de": (
        ["Lukas", "Anna", "Felix", "Lena", "Jonas", "Marie", "Paul", "Sophie", "Tobias", "Katrin"],
        [
            "Müller",
            "Schmidt",
            "Schneider",
            "Fischer",
            "Weber",
            "Becker",
            "Wagner",
            "Hoffmann",
            "Krüger",
            "Braun",
        ],
    ),
    "es": (
        [
            "Javier",
            "Lucía",
            "Carlos",
            "Marta",
            "Pablo",
            "Carmen",
            "Diego",
            "Laura",
            "Sergio",
            "Elena",
        ],
        [
            "García",
            "Martínez",
            "López",
            "Sánchez",
            "Pérez",
            "Gómez",
            "Fernández",
            "Ruiz",
            "Díaz",
            "Moreno",
        ],
    ),
    "fr": (
        [
            "Julien",
            "Camille",
            "Thomas",
            "Manon",
            "Nicolas",
            "Chloé",
            "Antoine",
            "Léa",
            "Mathieu",
            "Sarah",
        ],
        [
            "Martin",
            "Bernard",
            "Dubois",
            "Durand",
            "Lefebvre",
            "Moreau",
            "Laurent",
            "Girard",
            "Roux",
            "Fournier",
        ],
    ),
    "pl": (
        [
            "Piotr",
            "Agnieszka",
            "Krzysztof",
            "Katarzyna",
            "Tomasz",
            "Magdalena",
            "Paweł",
            "Joanna",
            "Michał",
            "Ewa",
        ],
        [
            "Nowak",
            "Kowalski",
            "Wiśniewska",
            "Wójcik",
            "Kamiński",
            "Lewandowska",
            "Zieliński",
            "Szymańska",
            "Woźniak",
            "Dąbrowski",
        ],
    ),
    "pt": (
        [
            "João",
            "Beatriz",
            "Pedro",
            "Mariana",
            "Tiago",
            "Inês",
            "Rui",
            "Catarina",
            "Bruno",
            "Sofia",
        ],
        [
            "Silva",
            "Santos",
            "Ferreira",
            "Pereira",
            "Oliveira",
            "Costa",
            "Rodrigues",
            "Martins",
            "Sousa",
            "Gomes",
        ],
    ),
    "tr": (
        ["Mehmet", "Ayşe", "Mustafa", "Elif", "Emre", "Zeynep", "Burak", "Selin", "Can", "Deniz"],
        [
            "Yılmaz",
            "Kaya",
            "Demir",
            "Şahin",
            "Çelik",
            "Yıldız",
            "Aydın",
            "Öztürk",
            "Arslan",
            "Doğan",
        ],
    ),
}
_ASCII_FIRST = [
    "olivia",
    "liam",
    "marco",
    "giulia",
    "jan",
    "petra",
    "bence",
    "eszter",
    "mikko",
    "aino",
    "andrei",
    "ioana",
    "oleksandr",
    "oksana",
    "alexey",
    "maria",
    "ahmed",
    "kenta",
    "somchai",
    "wei",
    "minjun",
    "lukas",
    "javier",
    "julien",
    "piotr",
    "joao",
    "mehmet",
    "sanna",
    "radu",
    "tomas",
    "reka",
    "emma",
    "noah",
    "grace",
]
_ASCII_LAST = [
    "walker",
    "hughes",
    "rossi",
    "bianchi",
    "novak",
    "dvorak",
    "kovacs",
    "toth",
    "korhonen",
    "virtanen",
    "popescu",
    "ionescu",
    "shevchenko",
    "melnyk",
    "ivanov",
    "sokolov",
    "alhassan",
    "sato",
    "tanaka",
    "jaidee",
    "wang",
    "kim",
    "park",
    "muller",
    "garcia",
    "dubois",
    "nowak",
    "silva",
    "yilmaz",
    "laine",
    "stoica",
    "nagy",
    "carter",
    "reed",
]
_HOSTP = [
    "pms",
    "opera",
    "ifc",
    "pos",
    "web",
    "shop",
    "mage",
    "wp",
    "lms",
    "moodle",
    "sis",
    "koha",
    "ha",
    "nas",
    "pve",
    "truenas",
    "unifi",
    "plex",
    "vault",
    "rpa",
    "uipath",
    "n8n",
    "nodered",
    "pbx",
    "ast",
    "ivr",
    "db",
    "sql",
    "app",
    "intra",
    "files",
    "cloud",
    "pihole",
    "omv",
    "ds",
    "erp",
    "crm",
    "mail",
    "bo",
    "kiosk",
    "gds",
    "cm",
]
_HOSTS = [
    "01",
    "02",
    "03",
    "04",
    "1",
    "2",
    "3",
    "a",
    "b",
    "prod",
    "main",
    "dev",
    "test",
    "old",
    "new",
    "core",
    "edge",
    "lab",
    "hq",
    "bkp",
    "sync",
    "int",
]
_HHOST = [
    "nas",
    "pve1",
    "pve2",
    "homeassistant",
    "pihole",
    "truenas",
    "docker01",
    "rpi4",
    "nuc",
    "omv",
    "jellyfin",
    "plexbox",
    "unraid",
    "dietpi",
    "mediabox",
    "ha-green",
    "proxmox",
    "vault",
    "garage-pi",
    "atticnas",
]
_HDOM = ["home.arpa", "lan", "local", "home", "fritz.box", "internal", "homelab.lan"]
_DSTEM = [
    "aurora-hotels",
    "bellavista-resort",
    "skyline-travel",
    "northwind-shop",
    "libreria-centrale",
    "gymnazium-brno",
    "kovacs-kft",
    "lumo-koulu",
    "primaria-cluj",
    "acme-retail",
    "bluefin-tours",
    "hotel-kaiserhof",
    "citylibrary",
    "riverdale-sd",
    "kyivtour",
    "volga-trade",
    "nile-resorts",
    "sakura-travel",
    "siam-stay",
    "lotus-mart",
    "hanbit-edu",
    "alpenblick",
    "miramare-group",
    "dunaj-mesto",
    "tampereen-kirjasto",
]
_TLD = [
    ".com",
    ".net",
    ".it",
    ".cz",
    ".hu",
    ".fi",
    ".ro",
    ".com.ua",
    ".de",
    ".org",
    ".co.uk",
    ".eu",
    ".pl",
    ".es",
    ".jp",
    ".co.th",
    ".kr",
    ".at",
    ".pt",
]
_HOTELN = [
    "Bellavista",
    "Aurora",
    "Kaiserhof",
    "Panorama",
    "Lakeside",
    "Riverside",
    "Central",
    "Astoria",
    "Miramare",
    "Zlatá Hvězda",
    "Rocca",
    "Nordlys",
    "Duna",
    "Lumi",
    "Carpați",
    "Dnipro Plaza",
    "Sakura",
    "Riverside Siam",
    "Hanok Stay",
    "Oasis",
]
_HOTELP = [
    "Hotel",
    "Grand Hotel",
    "Albergo",
    "Hotel & Spa",
    "Boutique Hotel",
    "Resort",
    "Residence",
    "Palace",
]
_CITY = [
    "Milano",
    "Brno",
    "Praha",
    "Budapest",
    "Szeged",
    "Tampere",
    "Helsinki",
    "Cluj-Napoca",
    "Iași",
    "Kyiv",
    "Lviv",
    "Kazan",
    "Dubai",
    "Osaka",
    "Bangkok",
    "Chiang Mai",
    "Hangzhou",
    "Busan",
    "Lisbon",
    "Kraków",
    "Vienna",
    "Porto",
    "Valencia",
    "Lyon",
    "Izmir",
]
_COMPANY = [
    "Northwind Retail",
    "Aurora Hospitality",
    "Bluefin Tours",
    "Kovács és Társa Kft.",
    "Lumo Oy",
    "Miramare Group",
    "Skyline Travel",
    "Volga Trade",
    "Lotus Mart",
    "Hanbit Education",
    "Dunaj Systems s.r.o.",
    "Carpathia Logistics SRL",
    "Sakura Tours",
]
_WORD = [
    "alpha",
    "orion",
    "delta",
    "lobby",
    "garden",
    "attic",
    "cellar",
    "summit",
    "harbor",
    "meadow",
    "pine",
    "river",
    "atlas",
    "vega",
    "nova",
    "kestrel",
    "maple",
    "ember",
]
_EVENT = [
    "door_open",
    "backup_done",
    "new_order",
    "low_stock",
    "guest_checkin",
    "motion",
    "printer_jam",
    "temp_alert",
    "booking_created",
    "invoice_paid",
    "sensor_offline",
]
_MON = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
_DOW = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
_REGION = [
    "westeurope",
    "northeurope",
    "germanywestcentral",
    "francecentral",
    "uksouth",
    "eastus",
    "swedencentral",
    "italynorth",
    "polandcentral",
]


def _rs(r, chars, n):
    return "".join(r.choice(chars) for _ in range(n))


def _rb(r, n):
    return bytes(r.getrandbits(8) for _ in range(n))


def _b64(r, n):
    return base64.b64encode(_rb(r, n)).decode()


def _b64u(r, n):
    return base64.urlsafe_b64encode(_rb(r, n)).decode().rstrip("=")


def _cap(w):
    return w[:1].upper() + w[1:]


def _mixed(r, chars, n, need_digit=True, need_alpha=True):
    while True:
        s = _rs(r, chars, n)
        if need_digit and not any(c.isdigit() for c in s):
            continue
        if need_alpha and not any(c.isalpha() for c in s):
            continue
        return s


def _uuid(r):
    h = _rs(r, _HX, 32)
    h = h[:12] + "4" + h[13:16] + r.choice("89ab") + h[17:]
    return "%s-%s-%s-%s-%s" % (h[:8], h[8:12], h[12:16], h[16:20], h[20:])


# ---------------------------------------------------------------------------
# secret generators: return str, or (display, [values])
# ---------------------------------------------------------------------------
def _pw_h(r):
    s = r.randrange(6)
    w = _cap(r.choice(_PWW))
    if s == 0:
        return w + _cap(r.choice(_PWW)) + str(r.randint(10, 99)) + r.choice("!#?*.")
    if s == 1:
        return w + str(r.randint(1975, 2026)) + r.choice("!#@*")
    if s == 2:
        return r.choice(_SEASON) + str(r.randint(2019, 2027)) + r.choice("!#@*")
    if s == 3:
        return w + r.choice("_.-#@") + str(r.randint(100, 9999))
    if s == 4:
        return w + "." + _cap(r.choice(_PWW)) + "." + "%02d" % r.randint(1, 99)
    return r.choice(_PWBASE) + str(r.randint(10, 99)) + r.choice("!#?")


_LEET = {"a": "@4", "e": "3", "i": "1!", "o": "0", "s": "5", "t": "7", "l": "1"}


def _pw_l(r):
    w = r.choice(_PWW)
    if r.random() < 0.5:
        w += r.choice(["", "_", "#", "."]) + r.choice(_PWW)
    out = []
    for ch in w:
        if ch in _LEET and r.random() < 0.6:
            out.append(r.choice(_LEET[ch]))
        else:
            out.append(ch)
    s = "".join(out)
    if s[0].isalpha():
        s = _cap(s)
    return s + r.choice(["", "!", "#", "?"]) + str(r.randint(0, 99))


def _pw_s(r):
    return _mixed(r, _AL + "!#%*?", r.randint(6, 10))


def _pw_low(r):
    return r.choice(_PWW) + str(r.randint(1, 999))


def _pw_up(r):
    while True:
        s = _rs(r, _UP, r.randint(8, 12))
        if sum(c.isdigit() for c in s) >= 2 and sum(c.isalpha() for c in s) >= 3:
            return s


def _pw_g(r):
    while True:
        s = _rs(r, _AL + "!@#%*-_+=?.", r.randint(14, 20))
        if any(c in "!@#%*-_+=?." for c in s) and any(c.isdigit() for c in s):
            return s


def _pw(r):
    return r.choice([_pw_h, _pw_h, _pw_l, _pw_s, _pw_low, _pw_up, _pw_g])(r)


_URLSAFE = str.maketrans({"#": "!", "?": "*", "@": "-", "%": "_", "/": "."})


def _pw_u(r):
    return _pw(r).translate(_URLSAFE)


def _phrase(r):
    sep = r.choice(["-", ".", "_", ""])
    ws = r.sample(_PHW, r.randint(3, 5))
    if sep == "":
        ws = [_cap(w) for w in ws]
    s = sep.join(ws)
    if r.random() < 0.4:
        s += sep + str(r.randint(1, 99))
    return s


def _phrase_sp(r):
    return " ".join(r.sample(_PHW, r.randint(4, 6)))


def _digits(n):
    return lambda r: str(r.randint(1, 9)) + _rs(r, "0123456789", n - 1)


def _pin(n):
    return lambda r: _rs(r, "0123456789", n)


def _an(n):
    return lambda r: _mixed(r, _AL, n)


def _lan(n):
    return lambda r: _mixed(r, _LO, n)


def _uan(n):
    return lambda r: _mixed(r, _UP, n)


def _hex(n):
    return lambda r: _mixed(r, _HX, n)


def _HEX(n):
    return lambda r: _mixed(r, _HXU, n)


def _jwt(r):
    hdr = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
    iat = 1767225600 + r.randint(0, 30000000)
    body = '{"iss":"%s","iat":%d,"exp":%d}' % (_rs(r, _HX, 32), iat, iat + 315360000)
    pl = base64.urlsafe_b64encode(body.encode()).decode().rstrip("=")
    return hdr + "." + pl + "." + _b64u(r, 32)


def _pref(prefix, chars, n):
    return lambda r: prefix + _mixed(r, chars, n)


def _stripe(kind):
    def g(r):
        if r.random() < 0.5:
            return kind + "51" + _rs(r, _AL, 97)
        return kind + _mixed(r, _AL, 24)

    return g


def _xoxb(r):
    return "xoxb-%s-%s-%s" % (_digits(11)(r), _digits(13)(r), _mixed(r, _AL, 24))


def _xoxp(r):
    return "xoxp-%s-%s-%s-%s" % (_digits(11)(r), _digits(11)(r), _digits(13)(r), _rs(r, _HX, 32))


def _sg(r):
    return "SG." + _rs(r, _B64U, 22) + "." + _rs(r, _B64U, 43)


def _mailchimp(r):
    return _rs(r, _HX, 32) + "-us" + str(r.randint(2, 21))


def _telegram(r):
    return _digits(10)(r) + ":AA" + _rs(r, _B64U, 33)


def _tskey(r):
    return "tskey-auth-k" + _rs(r, _AL, 11) + "CNTRL-" + _rs(r, _AL, 33)


def _fcm(r):
    return "AAAA" + _rs(r, _B64U, 7) + ":APA91b" + _rs(r, _B64U, 134)


def _adyen(r):
    return "AQE" + _rs(r, _B64, 85) + "==-" + _rs(r, _B64, 43) + "="


def _notify_g(r):
    name = r.choice(["live_key", "prod", "notifylive", "portal"])
    svc, sec = _uuid(r), _uuid(r)
    return ("%s-%s-%s" % (name, svc, sec), [sec])


def _laravel(r):
    k = _b64(r, 32)
    return ("base64:" + k, [k])


def _nc_app(r):
    return "-".join(_rs(r, _AL, 5) for _ in range(5))


def _wp_app(r):
    return " ".join(_rs(r, _AL, 4) for _ in range(6))


def _habackup(r):
    return "-".join(_rs(r, _UP, 4) for _ in range(7))


def _bcrypt(r):
    return "$2%s$%d$%s" % (r.choice("yb"), r.choice([10, 11, 12]), _rs(r, _CRYPT, 53))


def _argon2(r):
    return "$argon2id$v=19$m=65540,t=3,p=4$%s$%s" % (
        _b64(r, 16).rstrip("="),
        _b64(r, 32).rstrip("="),
    )


def _sha512crypt(r):
    return "$6$%s$%s" % (_rs(r, _CRYPT, 16), _rs(r, _CRYPT, 86))


def _apr1(r):
    return "$apr1$%s$%s" % (_rs(r, _CRYPT, 8), _rs(r, _CRYPT, 22))


def _mosq(r):
    return "$7$101$%s$%s" % (_b64(r, 12), _b64(r, 64))


def _balloon(r):
    return "$BALLOON-SHA256$v=1$s=1024,t=32$%s$%s" % (_b64(r, 16), _b64(r, 32))


def _qbt(r):
    v = _b64(r, 16) + ":" + _b64(r, 64)
    return ("@ByteArray(" + v + ")", [v])


def _transmission(r):
    v = _rs(r, _HX, 40) + _rs(r, _AL, 8)
    return ("{" + v, [v])


def _mews(r):
    return _rs(r, _HXU, 32) + "-" + _rs(r, _HXU, 31)


def _sabre_bst(r):
    return (
        "Shared/IDL:IceSess\\/SessMgr:1\\.0.IDL/Common/!ICESMS\\/RESC!ICESMSLB\\/RES.LB!-%s!%s!%s"
        % (_digits(19)(r), _digits(6)(r), _digits(1)(r))
    )


def _pvecookie(r):
    return "PVE:root@pam:%s::%s" % (_rs(r, _HXU, 8), _b64(r, 128))


def _voucher(r):
    return _rs(r, "0123456789", 5) + "-" + _rs(r, "0123456789", 5)


def _azsecret(r):
    return _rs(r, _AL, 3) + "8Q~" + _rs(r, _AL + "-_.~", 34)


def _lsess(r):
    return "eyJpdiI6I" + _rs(r, _AL, 170) + "%3D"


def _gift(r):
    return _rs(r, _UP, 4) + "-" + _rs(r, _UP, 4) + "-" + _rs(r, _UP, 4)


def _tunnel(r):
    body = '{"a":"%s","t":"%s","s":"%s"}' % (_rs(r, _HX, 32), _uuid(r), _b64(r, 32))
    return base64.b64encode(body.encode()).decode()


# webhook style: display url, value is the secret part only
def _slack_hook(r):
    t = _rs(r, _AL, 24)
    return (
        "https://hooks.slack.com/services/T%s/B%s/%s" % (_rs(r, _UP, 10), _rs(r, _UP, 10), t),
        [t],
    )


def _discord_hook(r):
    t = _rs(r, _B64U, 68)
    return ("https://discord.com/api/webhooks/%s/%s" % (_digits(19)(r), t), [t])


def _zapier_hook(r):
    t = _mixed(r, _LO, 7)
    return ("https://hooks.zapier.com/hooks/catch/%s/%s/" % (_digits(8)(r), t), [t])


def _make_hook(r):
    t = _mixed(r, _LO, 32)
    return ("https://hook.%s.make.com/%s" % (r.choice(["eu1", "eu2", "us1"]), t), [t])


def _ifttt(r):
    t = _rs(r, _B64U, 22)
    return ("https://maker.ifttt.com/trigger/%s/with/key/%s" % (r.choice(_EVENT), t), [t])


def _teams_hook(r):
    t = _rs(r, _HX, 32)
    return (
        "https://%s.webhook.office.com/webhookb2/%s@%s/IncomingWebhook/%s/%s"
        % (
            r.choice(["aurorahotels", "northwind", "lumooy", "skylinetravel", "miramaregroup"]),
            _uuid(r),
            _uuid(r),
            t,
            _uuid(r),
        ),
        [t],
    )


def _gchat_hook(r):
    k = "AIza" + _rs(r, _B64U, 35)
    t = _rs(r, _B64U, 43)
    return (
        "https://chat.googleapis.com/v1/spaces/AAAA%s/messages?key=%s&token=%s%%3D"
        % (_rs(r, _AL, 7), k, t),
        [k, t],
    )


def _pa_trigger(r):
    t = _rs(r, _B64U, 43)
    return (
        "https://prod-%02d.%s.logic.azure.com:443/workflows/%s/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%%2Ftriggers%%2Fmanual%%2Frun&sv=1.0&sig=%s"
        % (r.randint(1, 99), r.choice(_REGION), _rs(r, _HX, 32), t),
        [t],
    )


def _pipedream(r):
    t = "eo" + _mixed(r, _LO, 18)
    return ("https://%s.m.pipedream.net" % t, [t])


def _mm_hook(r):
    t = _mixed(r, _LO, 26)
    return ("https://chat.%s/hooks/%s" % (r.choice(_DSTEM) + r.choice(_TLD), t), [t])


def _tg_url(r):
    t = _telegram(r)
    return ("https://api.telegram.org/bot%s/sendMessage" % t, [t])


def _rc_hook(r):
    t = _rs(r, _AL, 48)
    return (
        "https://rocket.%s/hooks/%s/%s" % (r.choice(_DSTEM) + r.choice(_TLD), _rs(r, _AL, 17), t),
        [t],
    )


def _ha_hook_id(r):
    return r.choice(["", "-", "garage-", "n8n-"]) + _rs(r, _B64U, r.randint(24, 32))


_SEC = {
    "pw": _pw,
    "pwh": _pw_h,
    "pwl": _pw_l,
    "pws": _pw_s,
    "pwlow": _pw_low,
    "pwup": _pw_up,
    "pwg": _pw_g,
    "pwu": _pw_u,
    "phrase": _phrase,
    "phrase_sp": _phrase_sp,
    "pin4": _pin(4),
    "pin5": _pin(5),
    "pin6": _pin(6),
    "pin8": _pin(8),
    "grp4": lambda r: _mixed(r, _AL, 4, need_digit=False),
    "grpd4": _pin(4),
    "half": lambda r: _mixed(r, _AL + "!#?", r.randint(5, 6)),
    "jwt": _jwt,
    "uuid": _uuid,
    "UUID": lambda r: _uuid(r).upper(),
    "b32": lambda r: _rs(r, _B32, r.choice([16, 32])),
    "b64_16": lambda r: _b64(r, 16),
    "b64_24": lambda r: _b64(r, 24),
    "b64_32": lambda r: _b64(r, 32),
    "b64_48": lambda r: _b64(r, 48),
    "b64_64": lambda r: _b64(r, 64),
    "b64u22": lambda r: _rs(r, _B64U, 22),
    "b64u32": lambda r: _rs(r, _B64U, 32),
    "b64u43": lambda r: _rs(r, _B64U, 43),
    "b64u64": lambda r: _rs(r, _B64U, 64),
    "shpat": _pref("shpat_", _HX, 32),
    "shpss": _pref("shpss_", _HX, 32),
    "shpca": _pref("shpca_", _HX, 32),
    "shppa": _pref("shppa_", _HX, 32),
    "shptka": _pref("shptka_", _HX, 32),
    "sk_live": _stripe("sk_live_"),
    "rk_live": _stripe("rk_live_"),
    "sk_test": _stripe("sk_test_"),
    "whsec": _pref("whsec_", _AL, 32),
    "ck": _pref("ck_", _HX, 40),
    "cs": _pref("cs_", _HX, 40),
    "xoxb": _xoxb,
    "xoxp": _xoxp,
    "ghp": _pref("ghp_", _AL, 36),
    "sg": _sg,
    "mailchimp": _mailchimp,
    "aiza": _pref("AIza", _B64U, 35),
    "telegram": _telegram,
    "tskey": _tskey,
    "b2key": _pref("K005", _AL, 27),
    "sq": _pref("EAAA", _B64U, 60),
    "paypal": _pref("E", _B64U, 79),
    "adyen": _adyen,
    "duffel": _pref("duffel_live_", _B64U, 43),
    "openai": _pref("sk-proj-", _B64U, 64),
    "alma": _pref("l8xx", _HX, 32),
    "notify": _notify_g,
    "govpay": _pref("api_live_", _LO, 40),
    "laravel": _laravel,
    "wpsalt": lambda r: _rs(r, _WPSALT, 64),
    "salt": lambda r: _rs(r, _SALTCH, r.randint(32, 44)),
    "blowfish": lambda r: _rs(r, _SALTCH, 32),
    "nc_app": _nc_app,
    "wp_app": _wp_app,
    "habackup": _habackup,
    "bcrypt": _bcrypt,
    "argon2": _argon2,
    "mysqlhash": lambda r: "*" + _rs(r, _HXU, 40),
    "sha512crypt": _sha512crypt,
    "apr1": _apr1,
    "mosq": _mosq,
    "balloon": _balloon,
    "qbt": _qbt,
    "transmission": _transmission,
    "phpsess": lambda r: _mixed(r, "abcdefghijklmnopqrstuv0123456789", 26),
    "jsess": _HEX(32),
    "lsess": _lsess,
    "pvecookie": _pvecookie,
    "syno_sid": lambda r: _rs(r, _B64U, r.randint(30, 44)),
    "recaptcha": _pref("6L", _B64U, 38),
    "azsecret": _azsecret,
    "pushover": lambda r: "a" + _mixed(r, _LO, 29),
    "ntfy": _pref("tk_", _LO, 29),
    "truenas": lambda r: "%d-%s" % (r.randint(1, 40), _mixed(r, _AL, 64)),
    "sumup": _pref("sup_sk_", _AL, 32),
    "cbat": _pref("cbat_", _AL, 32),
    "mews": _mews,
    "sabre_bst": _sabre_bst,
    "plex": lambda r: _mixed(r, _AL + "-_", 20),
    "voucher": _voucher,
    "fcm": _fcm,
    "klarna": _pref("klarna_live_api_", _B64U, 40),
    "gift": _gift,
    "dropbox": _pref("sl.", _B64U, 130),
    "cftoken": lambda r: _rs(r, _B64U, 40),
    "tunnel": _tunnel,
    "lsess2": _lsess,
    "ha_hook": _ha_hook_id,
    "slack_hook": _slack_hook,
    "discord_hook": _discord_hook,
    "zapier_hook": _zapier_hook,
    "make_hook": _make_hook,
    "ifttt": _ifttt,
    "teams_hook": _teams_hook,
    "gchat_hook": _gchat_hook,
    "pa_trigger": _pa_trigger,
    "pipedream": _pipedream,
    "mm_hook": _mm_hook,
    "tg_url": _tg_url,
    "rc_hook": _rc_hook,
    "wgkey": lambda r: _b64(r, 32),
    "esphome": lambda r: _b64(r, 32),
    "cookie_key": _an(56),
    "pkcs_pin": _pin(6),
    "mailgun": lambda r: "%s-%s-%s" % (_rs(r, _HX, 32), _rs(r, _HX, 8), _rs(r, _HX, 8)),
}
for _n in (8, 10, 12, 16, 20, 24, 30, 32, 40, 48, 64):
    _SEC["an%d" % _n] = _an(_n)
for _n in (16, 20, 26, 32, 40):
    _SEC["lan%d" % _n] = _lan(_n)
for _n in (12, 16, 20, 32):
    _SEC["uan%d" % _n] = _uan(_n)
for _n in (12, 16, 20, 32, 40, 48, 64):
    _SEC["hex%d" % _n] = _hex(_n)
for _n in (32, 40, 64):
    _SEC["HEX%d" % _n] = _HEX(_n)


# ---------------------------------------------------------------------------
# filler / keep-token generators: f(r, state)
# ---------------------------------------------------------------------------
def _now(r, st):
    if "t" not in st:
        st["t"] = datetime.datetime(2026, 1, 1) + datetime.timedelta(
            seconds=r.randint(0, 364 * 86400), microseconds=r.randint(0, 999) * 1000
        )
    else:
        st["t"] += datetime.timedelta(
            seconds=r.randint(0, 47), microseconds=r.randint(0, 999) * 1000
        )
    return st["t"]


def _tf(fn):
    return lambda r, st: fn(_now(r, st))


def _ms(t):
    return "%03d" % (t.microsecond // 1000)


def _user(r):
    f, l_ = r.choice(_ASCII_FIRST), r.choice(_ASCII_LAST)
    s = r.randrange(5)
    if s == 0:
        return f[0] + l_
    if s == 1:
        return f + "." + l_
    if s == 2:
        return f + "_" + l_[0]
    if s == 3:
        return l_ + str(r.randint(1, 99))
    return f[0] + "." + l_


def _name(lang, part):
    def g(r, st):
        fs, ls = _NAMES[lang]
        if part == "f":
            return r.choice(fs)
        if part == "l":
            return r.choice(ls)
        if lang in ("jp", "cn"):
            return (
                r.choice(ls) + r.choice(fs) if lang == "cn" else r.choice(ls) + " " + r.choice(fs)
            )
        if lang == "kr":
            return r.choice(ls) + r.choice(fs)
        if lang == "hu":
            return r.choice(ls) + " " + r.choice(fs)
        return r.choice(fs) + " " + r.choice(ls)

    return g


def _domain(r):
    return r.choice(_DSTEM) + r.choice(_TLD)


def _host(r):
    return r.choice(_HOSTP) + "-" + r.choice(_HOSTS)


def _ip(r):
    c = r.randrange(3)
    if c == 0:
        return "10.%d.%d.%d" % (r.randint(0, 60), r.randint(0, 254), r.randint(2, 250))
    if c == 1:
        return "192.168.%d.%d" % (r.choice([0, 1, 2, 10, 20, 50, 88, 100, 178]), r.randint(2, 250))
    return "172.%d.%d.%d" % (r.randint(16, 31), r.randint(0, 254), r.randint(2, 250))


def _pubip(r):
    return r.choice(["203.0.113.", "198.51.100.", "192.0.2."]) + str(r.randint(2, 250))


def _office(r):
    return (
        r.choice(
            [
                "PAR",
                "MIL",
                "PRG",
                "BUD",
                "HEL",
                "BUH",
                "IEV",
                "MOW",
                "DXB",
                "OSA",
                "BKK",
                "SHA",
                "SEL",
                "LON",
                "FRA",
            ]
        )
        + r.choice(["1A", "TR", "AF", "LH", "RO"])
        + "%02d" % r.randint(1, 99)
        + r.choice(["AA", "AB", "XX"])
    )


def _pnr(r):
    return _rs(r, "ABCDEFGHJKLMNPQRSTUVWXYZ23456789", 6)


def _ver(r):
    return "%d.%d.%d" % (r.randint(1, 9), r.randint(0, 30), r.randint(0, 40))


_GEN = {
    "ts": _tf(lambda t: t.strftime("%Y-%m-%d %H:%M:%S")),
    "tsz": _tf(lambda t: t.strftime("%Y-%m-%dT%H:%M:%S.") + _ms(t) + "Z"),
    "tsc": _tf(lambda t: t.strftime("%Y-%m-%d %H:%M:%S,") + _ms(t)),
    "tsd": _tf(lambda t: t.strftime("%Y-%m-%d %H:%M:%S.") + _ms(t)),
    "tsa": _tf(
        lambda t: "%02d/%s/%d:%s +0100" % (t.day, _MON[t.month - 1], t.year, t.strftime("%H:%M:%S"))
    ),
    "sys": _tf(lambda t: "%s %2d %s" % (_MON[t.month - 1], t.day, t.strftime("%H:%M:%S"))),
    "ctime": _tf(
        lambda t: (
            "%s %s %2d %s %d"
            % (_DOW[t.weekday()], _MON[t.month - 1], t.day, t.strftime("%H:%M:%S"), t.year)
        )
    ),
    "rfc": _tf(
        lambda t: (
            "%s, %d %s %d %s +0100"
            % (_DOW[t.weekday()], t.day, _MON[t.month - 1], t.year, t.strftime("%H:%M:%S"))
        )
    ),
    "date": _tf(lambda t: t.strftime("%Y-%m-%d")),
    "dmy": _tf(lambda t: t.strftime("%d.%m.%Y")),
    "dmys": _tf(lambda t: t.strftime("%d/%m/%Y")),
    "mdy": _tf(lambda t: t.strftime("%m/%d/%Y")),
    "ymdj": _tf(lambda t: "%d年%d月%d日" % (t.year, t.month, t.day)),
    "ddmon": _tf(lambda t: "%02d%s" % (t.day, _MON[t.month - 1].upper())),
    "hm": _tf(lambda t: t.strftime("%H:%M")),
    "hms": _tf(lambda t: t.strftime("%H:%M:%S")),
    "hmc": _tf(lambda t: t.strftime("%H%M")),
    "epoch": _tf(lambda t: str(int((t - datetime.datetime(1970, 1, 1)).total_seconds()))),
    "host": lambda r, st: _host(r),
    "hhost": lambda r, st: r.choice(_HHOST),
    "hdom": lambda r, st: r.choice(_HDOM),
    "domain": lambda r, st: _domain(r),
    "fqdn": lambda r, st: _host(r) + "." + _domain(r),
    "ip": lambda r, st: _ip(r),
    "pubip": lambda r, st: _pubip(r),
    "user": lambda r, st: _user(r),
    "email": lambda r, st: _user(r) + "@" + _domain(r),
    "first": _name("en", "f"),
    "last": _name("en", "l"),
    "full": _name("en", "full"),
    "firstU": lambda r, st: r.choice(_ASCII_FIRST).upper(),
    "lastU": lambda r, st: r.choice(_ASCII_LAST).upper(),
    "hotel": lambda r, st: r.choice(_HOTELP) + " " + r.choice(_HOTELN),
    "city": lambda r, st: r.choice(_CITY),
    "company": lambda r, st: r.choice(_COMPANY),
    "word": lambda r, st: r.choice(_WORD),
    "event": lambda r, st: r.choice(_EVENT),
    "store": lambda r, st: (
        r.choice(
            [
                "aurora-shop",
                "northwind-outlet",
                "lotus-mart-eu",
                "bluefin-store",
                "miramare-boutique",
                "sakura-goods",
            ]
        )
        + str(r.randint(1, 9))
    ),
    "uuid": lambda r, st: _uuid(r),
    "UUID": lambda r, st: _uuid(r).upper(),
    "pid": lambda r, st: str(r.randint(1200, 64000)),
    "room": lambda r, st: str(r.randint(1, 9)) + "%02d" % r.randint(1, 40),
    "office": lambda r, st: _office(r),
    "pcc": lambda r, st: _rs(r, _UP, 4),
    "pnr": lambda r, st: _pnr(r),
    "mac": lambda r, st: ":".join(_rs(r, _HX, 2) for _ in range(6)),
    "serial": lambda r, st: _rs(r, _UP, r.randint(10, 14)),
    "ver": lambda r, st: _ver(r),
    "region": lambda r, st: r.choice(_REGION),
    "trace32": lambda r, st: _rs(r, _HX, 32),
    "span16": lambda r, st: _rs(r, _HX, 16),
    "sha40": lambda r, st: _rs(r, _HX, 40),
    "sha7": lambda r, st: _rs(r, _HX, 7),
    "sha12": lambda r, st: _rs(r, _HX, 12),
    "digest": lambda r, st: "sha256:" + _rs(r, _HX, 64),
    "md5": lambda r, st: _rs(r, _HX, 32),
    "sha256": lambda r, st: _rs(r, _HX, 64),
    "build": lambda r, st: (
        "%d%02d%02d.%d" % (2026, r.randint(1, 12), r.randint(1, 28), r.randint(1, 9))
    ),
    "order": lambda r, st: "1000" + _rs(r, "0123456789", 5),
    "conf": lambda r, st: str(r.randint(1, 9)) + _rs(r, "0123456789", 8),
    "booking": lambda r, st: "BK-2026-" + _rs(r, "0123456789", 6),
    "txn": lambda r, st: "TXN" + _rs(r, "0123456789", 12),
    "msdur": lambda r, st: "%dms" % r.randint(12, 9800),
    "sdur": lambda r, st: "%d.%02ds" % (r.randint(0, 59), r.randint(0, 99)),
    "reqid": lambda r, st: "req_" + _rs(r, _LO, 16),
    "ticket": lambda r, st: (
        r.choice(["OPS", "HD", "IT", "SUP", "INC", "SRV", "FD"]) + "-" + str(r.randint(1000, 29999))
    ),
}


def _fill_digits(n):
    return lambda r, st: _digits(n)(r)


def _fill_chars(chars, n):
    return lambda r, st: _rs(r, chars, n)


for _n in range(2, 13):
    _GEN["num%d" % _n] = _fill_digits(_n)
    _GEN["up%d" % _n] = _fill_chars(string.ascii_uppercase, _n)
for _n in range(2, 65):
    _GEN["hex%d" % _n] = _fill_chars(_HX, _n)
    _GEN["lan%d" % _n] = _fill_chars(_LO, _n)
for _lang in _NAMES:
    _GEN["n_" + _lang] = _name(_lang, "f")
    _GEN["l_" + _lang] = _name(_lang, "l")
    _GEN["f_" + _lang] = _name(_lang, "full")

_TIMEK = {"ts", "tsz", "tsc", "tsd", "tsa", "sys", "ctime", "rfc", "hm", "hms", "hmc", "epoch"}
_TOK = re.compile(r"\{\{([$!=]?)([^{}\s]+?)\}\}")
_KIND = re.compile(r"[A-Za-z][A-Za-z0-9_]*(#\d+)?$")


def _render(text, r):
    cache = {}
    st = {}
    values = []
    keeps = []
    placed = {}
    counts = {}

    def sub(m):
        sigil, body = m.group(1), m.group(2)
        if sigil == "=":
            keeps.append(body)
            return body
        key = sigil + body
        if sigil == "" and body in _TIMEK:
            return _GEN[body](r, st)
        if key in cache:
            for v in placed.get(key, ()):
                counts[v] = counts.get(v, 0) + 1
            return cache[key]
        kind = body.split("#", 1)[0]
        if sigil == "$":
            res = _SEC[kind](r)
            if isinstance(res, tuple):
                disp, vals = res
            else:
                disp, vals = res, [res]
            placed[key] = list(vals)
            for v in vals:
                counts[v] = counts.get(v, 0) + 1
                if v not in values:
                    values.append(v)
        else:
            g = _GEN.get(kind)
            if g is None:
                if sigil == "!" or _KIND.match(body):
                    raise KeyError("unknown placeholder %r" % body)
                return m.group(0)
            disp = g(r, st)
            seen = st.setdefault("seen:" + kind, set())
            for _retry in range(12):
                if disp not in seen:
                    break
                disp = g(r, st)
            seen.add(disp)
            if sigil == "!":
                keeps.append(disp)
        cache[key] = disp
        return disp

    out = _TOK.sub(sub, text.strip("\n"))
    clean = all(out.count(v) == n for v, n in counts.items())
    return out.split("\n"), values, list(dict.fromkeys(keeps)), clean


_FAMILIES: list[tuple[str, list[tuple[str, str]]]] = []


def _fam(name, templates):
    _FAMILIES.append((name, templates))


# ===========================================================================
# hospitality, travel, retail back office
# ===========================================================================
_fam(
    "hotel_pms",
    [
        (
            "Opera OXI interface .properties export",
            r"""
# OXI interface parameters - exported {{date}} by {{user}}
oxi.interface.id=OXI-HUB-{{num3}}
oxi.resort=GH{{num3}}
oxi.db.url=jdbc:oracle:thin:@{{host}}:1521/OPERA
oxi.db.username=OXI_{{num3}}
oxi.db.password={{$pwh}}
oxi.msg.retry=3
""",
        ),
        (
            "sqlplus connect string in shell session",
            r"""
[oracle@{{host}} ~]$ sqlplus opera/{{$pwl}}@OPERA_PROD

SQL*Plus: Release 19.0.0.0.0 - Production on {{ctime}}
Version 19.21.0.0.0

Connected to:
Oracle Database 19c Enterprise Edition Release 19.0.0.0.0 - Production
SQL>
""",
        ),
        (
            "OHIP token request with curl",
            r"""
$ curl -s -X POST "https://{{fqdn}}/oauth/v1/tokens" \
    -H "Content-Type: application/x-www-form-urlencoded" \
    -H "x-app-key: {{$uuid}}" \
    -u "{{user}}_Client:{{$an32}}" \
    -d "username={{user}}_api&password={{$pwh}}&grant_type=password"
{"access_token":"<omitted>","token_type":"Bearer","expires_in":3600}
""",
        ),
        (
            "Mews Connector API request logged by sync service",
            r"""
{{tsz}} DEBUG MewsClient POST https://api.mews.com/api/connector/v1/reservations/getAll
{{tsz}} DEBUG MewsClient body={"ClientToken":"{{$mews}}","AccessToken":"{{$mews#2}}","Client":"{{company}} RMS 2.3","StartUtc":"{{date}}T00:00:00Z","Limitation":{"Count":100}}
{{tsz}} INFO  MewsClient 200 OK in 412 ms
""",
        ),
        (
            "protel.ini database section",
            r"""
; protel PMS workstation settings - {{hotel}}
[Database]
Server={{host}}\PROTEL
Database=protel
UID=proteluser
PWD={{$pws}}
Timeout=30
[Interfaces]
IFCPath=\\{{host}}\protel\ifc
""",
        ),
        (
            "Cloudbeds client in PHP integration",
            r"""
<?php
// channel bridge for {{hotel}}, {{city}}
$cloudbeds = new CloudbedsClient([
    'property_id' => {{num6}},
    'api_key'     => '{{$cbat}}',
    'base_url'    => 'https://api.cloudbeds.com/api/v1.2',
    'timeout'     => 20,
]);
""",
        ),
        (
            "night audit job log",
            r"""
{{ts}} [NightAudit] Starting end of day for property {{hotel}} ({{city}})
{{ts}} [NightAudit] Checking arrivals not yet checked in: 3
{{ts}} [NightAudit] Login as NA_AUTO pwd={{$pwup}} result=OK
{{ts}} [NightAudit] Posting room and tax to 142 folios
{{ts}} [NightAudit] Rolling business date to next day
""",
        ),
        (
            "door lock interface XML",
            r"""
<LockInterface vendor="SALTO" mode="ProAccess SPACE">
  <Host>{{ip}}</Host>
  <Port>8100</Port>
  <User>pms_link</User>
  <Password>{{$pw}}</Password>
  <EncoderStations>FD1,FD2,BACK</EncoderStations>
</LockInterface>
""",
        ),
        (
            "front desk handover note",
            r"""
Handover {{dmy}} late shift -> night ({{first}} to {{first#2}})
- 2 late arrivals, room {{room}} prepaid via Expedia, keep key ready
- Opera login for the agency temp: user FD_TEMP3, password {{$pwlow}} (expires Sunday, do not give to anyone else)
- Minibar of {{room#2}} not posted yet
""",
        ),
        (
            "HTNG outbound endpoint in interface log",
            r"""
{{tsc}} INFO  [htng-out-2] Resolving endpoint for chain {{up3}}
{{tsc}} INFO  [htng-out-2] endpoint=https://htng_svc:{{$pwu}}@{{fqdn}}/htng/2008B/ResvSync status=200 elapsed=381ms
{{tsc}} INFO  [htng-out-2] Ack received for {{num7}} messages
""",
        ),
        (
            "report scheduler SMTP parameters table",
            r"""
PARAMETER                 VALUE
------------------------  ----------------------------------
SMTP_SERVER               smtp.{{domain}}
SMTP_PORT                 587
SMTP_USER                 reports@{{domain}}
SMTP_PASSWORD             {{$pw}}
SMTP_TLS                  Y
""",
        ),
        (
            "payment interface properties",
            r"""
# OPI configuration - {{hotel}}
opi.mode=TERMINAL
opi.terminal.host={{ip}}
opi.cert.keystore=/u01/opi/config/opi.jks
opi.cert.keystore.password={{$pwg}}
opi.log.level=INFO
""",
        ),
    ],
)

_fam(
    "airline_gds",
    [
        (
            "Amadeus terminal sign-in copied from emulator log",
            r"""
>JI{{num4}}{{up2}}/GS
ENTER PASSWORD
>{{$pwup}}
SIGNED IN  A  {{num4}}{{up2}} - DUTY GS - {{office}}
>JD
A-{{num4}}{{up2}}  GS  {{office}}  {{ddmon}} {{hmc}}
""",
        ),
        (
            "Sabre sign-in in screen capture",
            r"""
SI*{{num5}}
PASSWORD?
{{$pws}}
{{num5}}.{{pcc}}*AGT.A  SIGNED IN  {{hmc}}/{{ddmon}}
""",
        ),
        (
            "Galileo sign-on line",
            r"""
SON/Z{{num4}}/{{$pwup}}
AG {{num4}}  SIGNED ON  {{ddmon}} {{hmc}}  {{pcc}}
""",
        ),
        (
            "Sabre SOAP UsernameToken",
            r"""
<wsse:Security xmlns:wsse="http://schemas.xmlsoap.org/ws/2002/12/secext">
  <wsse:UsernameToken>
    <wsse:Username>{{num5}}</wsse:Username>
    <wsse:Password>{{$pws}}</wsse:Password>
    <Organization>{{pcc}}</Organization>
    <Domain>DEFAULT</Domain>
  </wsse:UsernameToken>
</wsse:Security>
""",
        ),
        (
            "Sabre REST token request",
            r"""
POST /v2/auth/token HTTP/1.1
Host: api.platform.sabre.com
Authorization: Basic {{$b64_48}}
Content-Type: application/x-www-form-urlencoded
grant_type=client_credentials
""",
        ),
        (
            "Sabre session token in integration log",
            r"""
{{tsc}} DEBUG SessionPool created session for {{pcc}}
{{tsc}} DEBUG BinarySecurityToken={{$sabre_bst}}
{{tsc}} DEBUG SessionPool size=4 idle=3
""",
        ),
        (
            "PNR with remark containing portal credentials",
            r"""
RP/{{office}}/{{office}}            AA/SU  {{ddmon}}/{{hmc}}Z   {{pnr}}
  1.{{lastU}}/{{firstU}} MR
  2  LH1872 Y {{ddmon}} 3 FRAPRG HK1  0855 1000  {{ddmon}}  E  LH/{{pnr}}
  3 AP {{city}} +420 555 {{num6}}
  4 TK OK{{ddmon}}/{{office}}
  5 RM *CORP PORTAL LOGIN {{user}} PW {{$pws}}
""",
        ),
        (
            "Amadeus Web Services client config",
            r"""
<amadeus>
  <endpoint>https://nodeD1.production.webservices.amadeus.com/1ASIWXXX</endpoint>
  <officeId>{{office}}</officeId>
  <userId>WS{{up3}}{{up3#2}}</userId>
  <passwordData>{{$b64_16}}</passwordData>
  <dutyCode>SU</dutyCode>
</amadeus>
""",
        ),
        (
            "Type B messaging client settings",
            r"""
[SITATEX]
Address={{up3}}KK{{up2}}
Mailbox={{up3}}OPS{{num2}}
Password={{$pwup}}
PollInterval=30
""",
        ),
        (
            "Winlogon autologon registry export on check-in workstation",
            r"""
Windows Registry Editor Version 5.00

[HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon]
"AutoAdminLogon"="1"
"DefaultUserName"="CUTE{{num3}}"
"DefaultPassword"="{{$pw}}"
"DefaultDomainName"="{{up4}}"
""",
        ),
        (
            "crew portal chat",
            r"""
[{{hm}}] {{first}}: crew roster portal is back up
[{{hm}}] {{first}}: temp pass for all new FOs is {{$pwlow}} until they reset it on first login
[{{hm}}] {{first#2}}: 👍 forwarding to the training group
""",
        ),
        (
            "Travelport Universal API credentials",
            r"""
travelport.uapi.endpoint=https://emea.universal-api.travelport.com/B2BGateway/connect/uAPI/AirService
travelport.uapi.username=Universal API/uAPI{{num10}}-{{hex8}}
travelport.uapi.password={{$pws}}
travelport.uapi.targetBranch=P{{num7}}
""",
        ),
    ],
)

_fam(
    "channel_manager",
    [
        (
            "pmsXchange SOAP header",
            r"""
<soap:Header>
  <wsse:Security soap:mustUnderstand="1" xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd">
    <wsse:UsernameToken>
      <wsse:Username>{{user}}_pmsx</wsse:Username>
      <wsse:Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText">{{$pwg}}</wsse:Password>
    </wsse:UsernameToken>
  </wsse:Security>
</soap:Header>
""",
        ),
        (
            "B.XML availability request",
            r"""
<?xml version="1.0" encoding="UTF-8"?>
<request>
  <username>{{user}}-cm</username>
  <password>{{$pwh}}</password>
  <hotel_id>{{num7}}</hotel_id>
  <version>1.0</version>
</request>
""",
        ),
        (
            "EQC AR request",
            r"""
<?xml version="1.0" encoding="UTF-8"?>
<AvailRateUpdateRQ xmlns="http://www.expediaconnect.com/EQC/AR/2011/06">
  <Authentication username="EQC{{user}}" password="{{$pws}}"/>
  <Hotel id="{{num7}}"/>
  <AvailRateUpdate>
""",
        ),
        (
            "channel manager API curl",
            r"""
$ curl -s https://app.channex.io/api/v1/properties \
    -H "user-api-key: {{$an32}}" | jq '.data[].attributes.title'
"{{hotel}}"
""",
        ),
        (
            "vacation rental connector .env",
            r"""
# connector for {{company}}
AIRBNB_CLIENT_ID={{lan10}}{{lan10#2}}
AIRBNB_CLIENT_SECRET={{$lan32}}
AIRBNB_REDIRECT_URI=https://{{fqdn}}/oauth/airbnb/callback
SYNC_INTERVAL_MIN=15
""",
        ),
        (
            "PMS sync request dump with bearer token",
            r"""
> GET /v1/listings?limit=50 HTTP/1.1
> Host: api.hostaway.com
> Authorization: Bearer {{$jwt}}
> Cache-control: no-cache
< HTTP/1.1 200 OK
""",
        ),
        (
            "rate push error log with password in query string",
            r"""
{{tsc}} ERROR [sync-worker-3] Upstream call failed: GET https://{{fqdn}}/ota/rates?hotel={{num5}}&user=cm_sync&pass={{$pwlow}} -> 502 Bad Gateway
{{tsc}} WARN  [sync-worker-3] retry 2/5 in 30s
""",
        ),
        (
            "bedbank bridge YAML",
            r"""
channels:
  - name: hotelbeds
    enabled: true
    api_key: {{$hex32}}
    secret: {{$an10}}
    endpoint: https://api.hotelbeds.com/hotel-api/1.0
""",
        ),
        (
            "support chat about extranet login",
            r"""
{{first}} ({{hm}}): Can you check the Booking.com extranet for {{hotel}}? rates look wrong since noon
{{first}} ({{hm}}): login is {{user}} / {{$pw}}
{{first#2}} ({{hm}}): on it
""",
        ),
        (
            "CRS connector INI",
            r"""
[SynXis]
ChainCode={{num5}}
HotelCode={{num5#2}}
Endpoint=https://services-c1.synxis.com/interface/ChannelConnect
User=CC_{{up4}}
Password={{$pwg}}
""",
        ),
        (
            "webhook signing secret in .env",
            r"""
APP_ENV=production
SITEMINDER_WEBHOOK_SECRET={{$b64_32}}
SITEMINDER_HOTEL_CODE={{up3}}{{num4}}
QUEUE_CONNECTION=redis
""",
        ),
    ],
)

_fam(
    "loyalty_platform",
    [
        (
            "kiosk authentication log with member PIN",
            r"""
{{tsz}} INFO LoyaltyAuth member={{num10}} channel=KIOSK store={{num4}} pin={{$pin4}} result=SUCCESS
{{tsz}} INFO LoyaltyAuth session opened for member={{num10}}
""",
        ),
        (
            "loyalty engine .env",
            r"""
ANTAVO_API_URL=https://api.{{region}}.antavo.com
ANTAVO_API_KEY={{$an32}}
ANTAVO_API_SECRET={{$an48}}
ANTAVO_BRAND={{word}}
""",
        ),
        (
            "gift card batch CSV",
            r"""
card_number,pin,balance,currency,expires
6035{{num12}},{{$pin8}},50.00,EUR,{{date}}
6035{{num12#2}},{{$pin8#2}},100.00,EUR,{{date}}
""",
        ),
        (
            "points partner JSON config",
            r"""
{
  "partner": "{{company}}",
  "endpoint": "https://{{fqdn}}/points/accrual",
  "hmacSecret": "{{$hex64}}",
  "currency": "PTS"
}
""",
        ),
        (
            "CRM connected app properties",
            r"""
sf.loginUrl=https://login.salesforce.com
sf.consumerKey=3MVG9{{lan10}}{{lan10#2}}
sf.consumerSecret={{$HEX64}}
sf.program=Loyalty_{{word}}
""",
        ),
        (
            "call-centre case note",
            r"""
Case {{num8}} - {{dmy}} - agent {{user}}
Member called, forgot the card PIN. Identity verified with DOB + postcode.
New PIN set to {{$pin6}} and read back to the member. Advised to change it in the app.
""",
        ),
        (
            "export script calling lftp",
            r"""
#!/bin/sh
# nightly member export to agency
lftp -u loyalty_export,{{$pws}} sftp://{{fqdn}} -e "put /data/export/members_$(date +%F).csv; bye"
""",
        ),
        (
            "loyalty service application.yml",
            r"""
spring:
  datasource:
    url: jdbc:postgresql://{{host}}:5432/loyalty
    username: loyalty_app
    password: "{{$pwg}}"
""",
        ),
        (
            "push notification server key in backend config",
            r"""
[push]
provider = fcm
server_key = {{$fcm}}
sender_id = {{num12}}
""",
        ),
        (
            "promo operations e-mail",
            r"""
From: {{full}} <{{email}}>
Subject: Double points weekend - admin access
Hi team, the promo admin console is live at https://promo.{{domain}}/admin.
Shared login is promo-ops (password in brackets: ({{$pwh}})) - please do not change it before Monday.
""",
        ),
    ],
)

_fam(
    "retail_pos_payments",
    [
        (
            "payments .env",
            r"""
ADYEN_ENVIRONMENT=LIVE
ADYEN_MERCHANT_ACCOUNT={{up4}}Retail{{up2}}
ADYEN_API_KEY={{$adyen}}
ADYEN_HMAC_KEY={{$HEX64}}
ADYEN_LIVE_PREFIX={{hex8}}-{{up4}}
""",
        ),
        (
            "PHP payment config",
            r"""
<?php
return [
    'stripe' => [
        'secret' => '{{$sk_live}}',
        'currency' => 'eur',
    ],
];
""",
        ),
        (
            "POS app config JSON",
            r"""
{
  "locationId": "L{{up12}}",
  "environment": "production",
  "squareAccessToken": "{{$sq}}",
  "receiptFooter": "Thank you for shopping at {{company}}"
}
""",
        ),
        (
            "payments YAML",
            r"""
paypal:
  mode: live
  client_id: A{{lan12}}{{lan12#2}}
  client_secret: {{$paypal}}
  webhook_id: {{up12}}
""",
        ),
        (
            "order gateway raw HTTP request",
            r"""
POST /jsp/merchant/xml/paymentService.jsp HTTP/1.1
Host: secure.worldpay.com
Authorization: Basic {{$b64_24}}
Content-Type: text/xml
<?xml version="1.0" encoding="UTF-8"?>
""",
        ),
        (
            "store ops ticket",
            r"""
{{ticket}} Till 4 locked at {{city}} store
Reporter: {{full}}
Manager override code for till 4 is {{$pin4}} - cashier needed it for refunds, please rotate after the weekend.
""",
        ),
        (
            "retail API client in Python",
            r"""
client = RetailApiClient(
    base_url="https://api.lightspeedapp.com/API/V3/Account/{{num6}}",
    token="{{$an40}}",
    timeout=15,
)
""",
        ),
        (
            "card reader integration .env",
            r"""
SUMUP_MERCHANT_CODE=M{{up4}}{{num4}}
SUMUP_API_KEY={{$sumup}}
SUMUP_AFFILIATE_KEY_PUBLIC={{uuid}}
""",
        ),
        (
            "payment terminal configuration export",
            r"""
[Terminal]
TID={{num8}}
Acquirer=NEXI
MaintenancePassword={{$pin6}}
HostIP={{pubip}}
HostPort=9100
""",
        ),
        (
            "POS back office connection string",
            r"""
<connectionStrings>
  <add name="PosDb" connectionString="Server={{host}}\SQLEXPRESS;Database=POS;User Id=posadmin;Password={{$pwh}};TrustServerCertificate=True" providerName="System.Data.SqlClient" />
</connectionStrings>
""",
        ),
        (
            "webhook and restricted key settings",
            r"""
# stripe webhooks for {{store}}
STRIPE_WEBHOOK_SECRET={{$whsec}}
STRIPE_RESTRICTED_KEY={{$rk_live}}
STRIPE_ACCOUNT=acct_{{hex8}}{{hex8#2}}
""",
        ),
        (
            "checkout service properties",
            r"""
checkout.klarna.region=eu
checkout.klarna.username=K{{num6}}_{{hex12}}
checkout.klarna.password={{$klarna}}
checkout.klarna.timeout=8s
""",
        ),
    ],
)


# ===========================================================================
# e-commerce platforms and travel APIs
# ===========================================================================
_fam(
    "magento",
    [
        (
            "app/etc/env.php crypt section",
            r"""
<?php
return [
    'backend' => [
        'frontName' => 'admin_{{lan6}}'
    ],
    'crypt' => [
        'key' => '{{$hex32}}'
    ],
""",
        ),
        (
            "app/etc/env.php db section",
            r"""
    'db' => [
        'table_prefix' => '',
        'connection' => [
            'default' => [
                'host' => '{{host}}',
                'dbname' => 'magento2',
                'username' => 'mage_{{lan4}}',
                'password' => '{{$pwg}}',
""",
        ),
        (
            "bin/magento setup:install",
            r"""
$ php bin/magento setup:install --base-url=https://{{domain}}/ \
    --db-host={{host}} --db-name=magento --db-user=magento --db-password='{{$pwh}}' \
    --admin-firstname={{first}} --admin-lastname={{last}} --admin-email={{email}} \
    --admin-user={{user}} --admin-password='{{$pwl}}' --language=en_GB --currency=EUR \
    --search-engine=opensearch --opensearch-host={{host#2}} --opensearch-port=9200
""",
        ),
        (
            "admin:user:create",
            r"""
$ bin/magento admin:user:create --admin-user={{user}} --admin-password={{$pws}} --admin-email={{email}} --admin-firstname={{first}} --admin-lastname={{last}}
Created Magento administrator user named {{user}}
""",
        ),
        (
            "auth.json for repo.magento.com",
            r"""
{
    "http-basic": {
        "repo.magento.com": {
            "username": "{{hex32}}",
            "password": "{{$hex32}}"
        }
    }
}
""",
        ),
        (
            "admin token request and response",
            r"""
$ curl -s -X POST "https://{{domain}}/rest/V1/integration/admin/token" \
    -H "Content-Type: application/json" \
    -d '{"username":"{{user}}","password":"{{$pw}}"}'
"{{$lan32}}"
""",
        ),
        (
            "env.php system section",
            r"""
    'system' => [
        'default' => [
            'catalog' => [
                'search' => [
                    'opensearch_server_hostname' => '{{host}}',
                    'opensearch_username' => 'magento',
                    'opensearch_password' => '{{$pwup}}'
""",
        ),
        (
            "core_config_data SQL dump",
            r"""
INSERT INTO `core_config_data` (`config_id`, `scope`, `scope_id`, `path`, `value`) VALUES
({{num4}}, 'default', 0, 'payment/braintree/merchant_id', '{{lan16}}'),
({{num4#2}}, 'default', 0, 'payment/braintree/private_key', '{{$hex32}}'),
({{num4#3}}, 'default', 0, 'payment/braintree/environment', 'production');
""",
        ),
        (
            "n98-magerun config:store:get output",
            r"""
$ n98-magerun2 config:store:get 'system/smtp/*'
+---------------------------+----------+----------+----------------------------+
| Path                      | Scope    | Scope-ID | Value                      |
+---------------------------+----------+----------+----------------------------+
| system/smtp/host          | default  | 0        | smtp.{{domain}}            |
| system/smtp/username      | default  | 0        | shop@{{domain}}            |
| system/smtp/password      | default  | 0        | {{$pw}}                    |
+---------------------------+----------+----------+----------------------------+
""",
        ),
        (
            "system.log line with carrier credentials",
            r"""
[{{ts}}] main.DEBUG: UPS rate request {"AccessRequest":{"AccessLicenseNumber":"{{up4}}{{num4}}","UserId":"{{user}}","Password":"{{$pws}}"}} []
[{{ts}}] main.INFO: UPS rate response received in 0.82s [] []
""",
        ),
        (
            "config:set in deploy notes",
            r"""
# carriers after migration ({{dmy}})
bin/magento config:set carriers/dhl/id {{user}}
bin/magento config:set carriers/dhl/password '{{$pwh}}'
bin/magento cache:flush config
""",
        ),
        (
            "2FA secret set from CLI",
            r"""
$ bin/magento security:tfa:google:set-secret {{user}} {{$b32}}
$ bin/magento cache:clean
Cleaned cache types: config layout block_html full_page
""",
        ),
    ],
)

_fam(
    "shopify",
    [
        (
            "app .env",
            r"""
SHOPIFY_API_KEY={{hex32}}
SHOPIFY_API_SECRET={{$hex32}}
SHOPIFY_ACCESS_TOKEN={{$shpat}}
SHOP={{store}}.myshopify.com
SCOPES=read_products,write_orders
""",
        ),
        (
            "shopify app env show output",
            r"""
$ shopify app env show
  SHOPIFY_API_KEY={{hex32}}
  SHOPIFY_API_SECRET={{$shpss}}
  SCOPES=write_products,read_customers
""",
        ),
        (
            "webhook HMAC verification in Node",
            r"""
const SHOPIFY_WEBHOOK_SECRET = '{{$hex64}}';
function verify(req) {
  const digest = crypto.createHmac('sha256', SHOPIFY_WEBHOOK_SECRET).update(req.rawBody).digest('base64');
  return crypto.timingSafeEqual(Buffer.from(digest), Buffer.from(req.get('X-Shopify-Hmac-Sha256')));
}
""",
        ),
        (
            "Theme Kit config.yml",
            r"""
production:
  password: {{$shptka}}
  theme_id: "{{num12}}"
  store: {{store}}.myshopify.com
  ignore_files:
    - config/settings_data.json
""",
        ),
        (
            "Admin API curl",
            r"""
$ curl -s "https://{{store}}.myshopify.com/admin/api/2025-01/orders.json?status=any&limit=5" \
    -H "X-Shopify-Access-Token: {{$shpat}}"
""",
        ),
        (
            "ERP connector config.ini",
            r"""
[shopify]
shop = {{store}}.myshopify.com
api_key = {{hex32}}
password = {{$shppa}}
api_version = 2024-10
""",
        ),
        (
            "Multipass helper in Ruby",
            r"""
# SSO from the loyalty site into the store
MULTIPASS_SECRET = "{{$hex32}}"
multipass = ShopifyMultipass.new(MULTIPASS_SECRET)
token = multipass.generate_token(customer_data)
""",
        ),
        (
            "Flow HTTP request action export",
            r"""
{"action":"send_http_request","method":"POST","url":"https://{{fqdn}}/hooks/stock","headers":[{"key":"Authorization","value":"Bearer {{$an40}}"},{"key":"Content-Type","value":"application/json"}],"body":"{\"sku\":\"{{up4}}-{{num4}}\"}"}
""",
        ),
        (
            "developer chat",
            r"""
{{first}}  {{hm}}
custom app token for the staging store: {{$shpca}}
{{first}}  {{hm}}
scopes are read_orders + write_fulfillments only, rotate it after the demo
""",
        ),
        (
            "theme push with password flag",
            r"""
$ shopify theme push --store {{store}}.myshopify.com --password {{$shptka}} --theme {{num12}} --allow-live
Pushing theme files to {{store}}.myshopify.com...
""",
        ),
        (
            "PHP OAuth settings",
            r"""
<?php
define('SHOPIFY_CLIENT_ID', '{{hex32}}');
define('SHOPIFY_CLIENT_SECRET', '{{$shpss}}');
define('SHOPIFY_REDIRECT', 'https://{{fqdn}}/auth/callback');
""",
        ),
    ],
)

_fam(
    "woocommerce",
    [
        (
            "REST client PHP",
            r"""
$woocommerce = new Client(
    'https://{{domain}}',
    '{{$ck}}',
    '{{$cs}}',
    ['version' => 'wc/v3']
);
""",
        ),
        (
            "curl with consumer key and secret",
            r"""
$ curl https://{{domain}}/wp-json/wc/v3/orders?per_page=5 \
    -u {{$ck}}:{{$cs}}
""",
        ),
        (
            "wp option get stripe settings",
            r"""
$ wp option get woocommerce_stripe_settings --format=json
{"enabled":"yes","title":"Credit Card","testmode":"no","secret_key":"{{$sk_live}}","webhook_secret":"{{$whsec}}","capture":"yes"}
""",
        ),
        (
            "webhook delivery log",
            r"""
{{ts}} webhook {{num3}} (order.created) delivery to https://{{fqdn}}/woo/orders
{{ts}}   X-WC-Webhook-Signature computed with secret "{{$an32}}"
{{ts}}   response 200 in 0.41s
""",
        ),
        (
            "payment gateway settings export",
            r"""
woocommerce-paypal-payments settings ({{date}})
merchant_email: {{email}}
client_id: A{{lan12}}{{lan12#2}}
client_secret: {{$paypal}}
sandbox_on: no
""",
        ),
        (
            "ERP sync plugin INI",
            r"""
[woo]
url=https://{{domain}}
[erp]
host={{host}}
user=erp_sync
password={{$pwh}}
""",
        ),
        (
            "debug.log warning",
            r"""
[{{tsa}}] PHP Warning:  REST auth failed for consumer_secret={{$cs}} (user #{{num3}}) in /var/www/html/wp-content/plugins/erp-bridge/includes/class-sync.php on line 214
""",
        ),
        (
            "shop owner chat",
            r"""
[{{hm}}] {{first}}: the WooCommerce admin for the new shop is {{email}}
[{{hm}}] {{first}}: password – {{$pwl}}
[{{hm}}] {{first#2}}: thx, I'll set up the shipping zones tonight
""",
        ),
        (
            "shipping integration settings",
            r"""
ShipStation Integration
Authentication Key: {{$an32}}
Export Order Statuses: Processing, On-Hold
Shipped Order Status: Completed
""",
        ),
        (
            "wp_options SQL dump",
            r"""
INSERT INTO `wp_options` (`option_name`, `option_value`, `autoload`) VALUES
('mailchimp-woocommerce', 'a:3:{s:7:"api_key";s:37:"{{$mailchimp}}";s:7:"list_id";s:10:"{{hex10}}";s:8:"store_id";s:32:"{{hex32}}";}', 'yes');
""",
        ),
        (
            "Python woocommerce API",
            r"""
from woocommerce import API
wcapi = API(
    url="https://{{domain}}",
    consumer_key="{{$ck}}",
    consumer_secret="{{$cs}}",
    version="wc/v3",
)
""",
        ),
    ],
)

_fam(
    "ecommerce_other",
    [
        (
            "PrestaShop parameters.php",
            r"""
<?php return array (
  'parameters' =>
  array (
    'database_host' => '{{host}}',
    'database_name' => 'prestashop',
    'database_user' => 'ps_user',
    'database_password' => '{{$pwg}}',
    'cookie_key' => '{{$cookie_key}}',
""",
        ),
        (
            "PrestaShop webservice call",
            r"""
$ curl -s "https://{{domain}}/api/products?output_format=JSON" -u "{{$uan32}}:"
{"products":[{"id":{{num3}}},{"id":{{num3#2}}}]}
""",
        ),
        (
            "OpenCart config.php",
            r"""
// DB
define('DB_DRIVER', 'mysqli');
define('DB_HOSTNAME', '{{host}}');
define('DB_USERNAME', 'oc_{{lan4}}');
define('DB_PASSWORD', '{{$pwh}}');
define('DB_DATABASE', 'opencart');
""",
        ),
        (
            "Shopware .env.local",
            r"""
APP_ENV=prod
APP_SECRET={{$hex64}}
DATABASE_URL=mysql://shopware:{{$pwu}}@{{host}}:3306/shopware
""",
        ),
        (
            "Sylius parameters",
            r"""
parameters:
    sylius.payum.paypal_express.username: shop_api1.{{domain}}
    sylius.payum.paypal_express.password: {{$uan16}}
    sylius.payum.paypal_express.signature: {{$an48}}
""",
        ),
        (
            "marketplace feed settings",
            r"""
[amazon-sp-api]
region = eu
lwa_client_id = amzn1.application-oa2-client.{{hex32}}
lwa_client_secret = {{$hex64}}
seller_id = A{{up12}}
""",
        ),
        (
            "store migration ticket",
            r"""
{{ticket}}: migrate {{domain}} from OpenCart 3 to 4
- old admin: admin / {{$pws}}
- FTP still on the old host until {{dmy}}
""",
        ),
        (
            "PrestaShop module config row",
            r"""
mysql> SELECT name, value FROM ps_configuration WHERE name LIKE 'PS_MAIL_%';
+------------------+----------------------------+
| name             | value                      |
+------------------+----------------------------+
| PS_MAIL_SERVER   | smtp.{{domain}}            |
| PS_MAIL_USER     | noreply@{{domain}}         |
| PS_MAIL_PASSWD   | {{$pw}}                    |
+------------------+----------------------------+
""",
        ),
        (
            "Shopware API integration credentials",
            r"""
Integration "ERP Sync" created.
Access key ID:     SWIA{{up12}}{{up12#2}}
Secret access key: {{$an48}}
""",
        ),
        (
            "headless storefront .env",
            r"""
NEXT_PUBLIC_SHOP_URL=https://{{domain}}
COMMERCE_ADMIN_TOKEN={{$an64}}
REVALIDATE_SECRET={{$lan26}}
""",
        ),
    ],
)

_fam(
    "travel_booking_api",
    [
        (
            "self-service API token request",
            r"""
$ curl -X POST "https://api.amadeus.com/v1/security/oauth2/token" \
    -H "Content-Type: application/x-www-form-urlencoded" \
    -d "grant_type=client_credentials&client_id={{$an32}}&client_secret={{$an16}}"
""",
        ),
        (
            "flights API .env",
            r"""
DUFFEL_ACCESS_TOKEN={{$duffel}}
DUFFEL_API_VERSION=v2
BOOKING_CURRENCY=EUR
""",
        ),
        (
            "bedbank signature code",
            r"""
API_KEY = "{{$hex32}}"
SECRET = "{{$an10}}"
signature = hashlib.sha256((API_KEY + SECRET + str(int(time.time()))).encode()).hexdigest()
headers = {"Api-key": API_KEY, "X-Signature": signature, "Accept": "application/json"}
""",
        ),
        (
            "rapid API credentials YAML",
            r"""
expedia_rapid:
  api_key: {{$lan32}}
  shared_secret: {{$an20}}
  base_url: https://api.ean.com/v3
""",
        ),
        (
            "activities API call",
            r"""
GET /partner/products/search HTTP/1.1
Host: api.viator.com
exp-api-key: {{$uuid}}
Accept-Language: en-GB
Accept: application/json;version=2.0
""",
        ),
        (
            "content API key in PHP",
            r"""
$tripadvisor = new ContentApi([
    'key' => '{{$UUID}}',
    'language' => 'it',
]);
""",
        ),
        (
            "booking engine admin note",
            r"""
Booking engine for {{hotel}} is live.
Backoffice: https://be.{{domain}}/admin  user {{user}}  pwd "{{$pwh}}"
Payment test card only until {{dmy}}.
""",
        ),
        (
            "travel aggregator log",
            r"""
{{tsz}} INFO  search-api upstream=skyscanner apikey={{$lan32}} market=IT locale=it-IT status=200 latency=612ms
""",
        ),
        (
            "tour operator XML config",
            r"""
<Provider name="GetYourGuide">
  <BaseUrl>https://api.getyourguide.com/1</BaseUrl>
  <AccessToken>{{$an64}}</AccessToken>
  <Currency>EUR</Currency>
</Provider>
""",
        ),
        (
            "rail API client properties",
            r"""
rail.api.url=https://{{fqdn}}/api/v3
rail.api.client_id={{user}}-travel
rail.api.client_secret={{$b64_32}}
""",
        ),
        (
            "car rental partner Java properties",
            r"""
car.partner.endpoint=https://{{fqdn}}/OTA/2018A
car.partner.requestorId={{num6}}
car.partner.password={{$pwup}}
""",
        ),
    ],
)


# ===========================================================================
# education and public sector
# ===========================================================================
_fam(
    "student_info_system",
    [
        (
            "SIS plugin OAuth credentials",
            r"""
# PowerSchool plugin "GradeSync" - district {{num4}}
PS_SERVER=https://{{fqdn}}
PS_CLIENT_ID={{uuid}}
PS_CLIENT_SECRET={{$uuid}}
""",
        ),
        (
            "OneRoster SFTP sync config",
            r"""
oneroster:
  version: "1.1"
  sftp:
    host: sftp.{{domain}}
    username: district{{num4}}
    password: "{{$pwg}}"
    path: /oneroster/daily
""",
        ),
        (
            "rostering API call",
            r"""
$ curl -s https://api.clever.com/v3.0/sections?limit=100 \
    -H "Authorization: Bearer {{$hex40}}" | jq '.data | length'
100
""",
        ),
        (
            "nightly export batch file",
            r"""
@echo off
REM nightly SIS export for {{city}} schools - {{user}}
set SISUSER=export_svc
set SISPASS={{$pws}}
"C:\Program Files\SISExport\sisexport.exe" /u %SISUSER% /p %SISPASS% /out \\{{host}}\exports\students.csv
""",
        ),
        (
            "school system config with Czech comments",
            r"""
; Bakaláři - napojení na docházkový systém
; upraveno {{dmy}} ({{f_cz}})
[Databaze]
Server={{host}}\BAKALARI
Uzivatel=dochazka
Heslo={{$pwh}}
""",
        ),
        (
            "e-diary integration with Hungarian comments",
            r"""
# KRÉTA integráció - {{f_hu}}, {{dmy}}
kreta.intezmeny={{lan6}}
kreta.felhasznalo=integracio
kreta.jelszo={{$pwl}}
""",
        ),
        (
            "Finnish school API settings",
            r"""
# Wilma-integraatio, päivitetty {{dmy}}
wilma_url=https://{{lan8}}.inschool.fi
wilma_kayttaja=integraatio
wilma_salasana={{$pwlow}}
""",
        ),
        (
            "SIS API request headers",
            r"""
GET /api/v5/schools/{{num3}}/students HTTP/1.1
Host: {{fqdn}}
AERIES-CERT: {{$HEX32}}
Accept: application/json
""",
        ),
        (
            "LMS LTI consumer credentials",
            r"""
Schoology app "Attendance Bridge"
Consumer Key: {{lan32}}
Consumer Secret: {{$hex32}}
Domain: {{domain}}
""",
        ),
        (
            "Romanian handover text about national school registry",
            r"""
Predare SIIIR - {{dmy}}
Contul de operator pentru școala {{num4}} este {{user}}, parola: {{$pwh}}
Vă rog schimbați parola după prima autentificare.
""",
        ),
        (
            "directory sync XML",
            r"""
<config>
  <ldap>
    <host>{{host}}.{{domain}}</host>
    <authUser>CN=gcds,OU=Service,DC=school,DC=local</authUser>
    <authPassword>{{$pwg}}</authPassword>
  </ldap>
</config>
""",
        ),
    ],
)

_fam(
    "moodle",
    [
        (
            "config.php database",
            r"""
<?php  // Moodle configuration file
unset($CFG);
global $CFG;
$CFG = new stdClass();
$CFG->dbtype    = 'pgsql';
$CFG->dbhost    = '{{host}}';
$CFG->dbname    = 'moodle';
$CFG->dbuser    = 'moodleuser';
$CFG->dbpass    = '{{$pwg}}';
""",
        ),
        (
            "config.php password salt",
            r"""
$CFG->wwwroot   = 'https://lms.{{domain}}';
$CFG->dataroot  = '/var/moodledata';
$CFG->passwordsaltmain = '{{$salt}}';
$CFG->directorypermissions = 02777;
""",
        ),
        (
            "web service call with token in URL",
            r"""
{{pubip}} - - [{{tsa}}] "GET /webservice/rest/server.php?wstoken={{$hex32}}&wsfunction=core_course_get_courses&moodlewsrestformat=json HTTP/1.1" 200 18233 "-" "python-requests/2.32.3"
""",
        ),
        (
            "CLI reset password",
            r"""
$ sudo -u www-data php admin/cli/reset_password.php --username={{user}} --password='{{$pwh}}' --ignore-password-policy
Password changed
""",
        ),
        (
            "cfg.php smtp setting",
            r"""
$ sudo -u www-data php admin/cli/cfg.php --name=smtppass --set='{{$pw}}'
$ sudo -u www-data php admin/cli/cfg.php --name=smtpuser
moodle@{{domain}}
""",
        ),
        (
            "LDAP auth plugin config dump",
            r"""
mysql> SELECT name, value FROM mdl_config_plugins WHERE plugin='auth_ldap' AND name LIKE 'bind%';
+-----------+--------------------------------------+
| name      | value                                |
+-----------+--------------------------------------+
| bind_dn   | cn=moodle,ou=svc,dc=school,dc=local  |
| bind_pw   | {{$pwl}}                             |
+-----------+--------------------------------------+
""",
        ),
        (
            "HTTP request with session cookie",
            r"""
GET /course/view.php?id={{num3}} HTTP/2
Host: lms.{{domain}}
Cookie: MoodleSession={{$phpsess}}; MOODLEID1_=%25{{hex8}}
User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64)
""",
        ),
        (
            "BigBlueButton plugin settings",
            r"""
mysql> select name,value from mdl_config where name like 'bigbluebuttonbn%';
bigbluebuttonbn_server_url      https://bbb.{{domain}}/bigbluebutton/
bigbluebuttonbn_shared_secret   {{$an40}}
""",
        ),
        (
            "Zoom plugin settings form text",
            r"""
Zoom meeting settings (mod_zoom)
Zoom account ID: {{an20}}
Zoom client ID: {{lan20}}
Zoom client secret: {{$an32}}
""",
        ),
        (
            "Italian upgrade note",
            r"""
Aggiornamento Moodle 4.5 - {{dmy}}
Utente admin temporaneo: {{user}} / password "{{$pwh}}"
Da disattivare dopo il collaudo con {{f_it}}.
""",
        ),
        (
            "external service token table",
            r"""
Token                             User          Service                  Valid until
{{$hex32}}  {{user}}      moodle_mobile_app        {{dmy}}
""",
        ),
        (
            "CLI install",
            r"""
$ sudo -u www-data php admin/cli/install.php --non-interactive --agree-license \
    --wwwroot=https://lms.{{domain}} --dataroot=/var/moodledata \
    --dbtype=mariadb --dbhost={{host}} --dbuser=moodle --dbpass='{{$pwg}}' \
    --fullname="{{company}} LMS" --shortname=LMS --adminuser=admin --adminpass='{{$pwl}}'
""",
        ),
    ],
)

_fam(
    "library_system",
    [
        (
            "koha-conf.xml",
            r"""
<config>
 <db_scheme>mysql</db_scheme>
 <database>koha_library</database>
 <hostname>{{host}}</hostname>
 <port>3306</port>
 <user>koha_library</user>
 <pass>{{$an16}}</pass>
""",
        ),
        (
            "SIPconfig.xml login",
            r"""
<accounts>
    <login id="selfcheck{{num2}}" password="{{$pws}}" delimiter="|" error-detect="enabled" institution="{{up3}}" encoding="utf8" />
</accounts>
""",
        ),
        (
            "SIP2 login message in trace",
            r"""
{{ts}} SIP2 IN  9300CNsc_{{user}}|CO{{$pw}}|CP{{up4}}|AY1AZF{{hex4}}
{{ts}} SIP2 OUT 941AY1AZFDFC
""",
        ),
        (
            "EZproxy user.txt",
            r"""
# local staff accounts - keep in sync with HR list
{{user}}:{{$pwlow}}:Admin
{{user#2}}:{{$pwh}}
::CGI=https://{{fqdn}}/login?url=^U
""",
        ),
        (
            "Alma API call",
            r"""
$ curl "https://api-eu.hosted.exlibrisgroup.com/almaws/v1/users/{{num8}}?apikey={{$alma}}&format=json"
""",
        ),
        (
            "opensrf.xml database section",
            r"""
<database>
  <driver>Pg</driver>
  <host>{{host}}</host>
  <port>5432</port>
  <db>evergreen</db>
  <user>evergreen</user>
  <pw>{{$pwg}}</pw>
</database>
""",
        ),
        (
            "WorldCat key config",
            r"""
[oclc]
wskey = {{an40}}
secret = {{$an32}}
institution = {{num5}}
""",
        ),
        (
            "VuFind config.ini Summon section",
            r"""
[Summon]
apiId = {{lan8}}
apiKey = {{$an32}}
""",
        ),
        (
            "self-check kiosk settings",
            r"""
<Settings>
  <SipServer>{{ip}}:6001</SipServer>
  <SipUser>kiosk{{num2}}</SipUser>
  <SipPassword>{{$pwup}}</SipPassword>
  <AdminExitPin>{{$pin6}}</AdminExitPin>
</Settings>
""",
        ),
        (
            "koha-passwd output",
            r"""
$ sudo koha-passwd library
==========================================
Koha instance: library
Username:      koha_library
Password:      {{$an16}}
==========================================
""",
        ),
        (
            "Czech library chat",
            r"""
[{{hm}}] {{n_cz}}: Ahoj, potřebuju přístup do Koha pro brigádnici
[{{hm}}] {{n_cz#2}}: login brigada2, heslo - {{$pwlow}}
[{{hm}}] {{n_cz}}: díky!
""",
        ),
    ],
)

_fam(
    "egov_portal",
    [
        (
            "Notify API key in .env",
            r"""
NOTIFY_API_KEY={{$notify}}
NOTIFY_TEMPLATE_CONFIRMATION={{uuid}}
""",
        ),
        (
            "payment service config",
            r"""
govuk_pay:
  base_url: https://publicapi.payments.service.gov.uk
  api_key: {{$govpay}}
  return_url: https://{{fqdn}}/pay/return
""",
        ),
        (
            "PagoPA API call",
            r"""
POST /pagopa/api/v1/paymentrequests HTTP/1.1
Host: api.platform.pagopa.it
Ocp-Apim-Subscription-Key: {{$hex32}}
Content-Type: application/json
""",
        ),
        (
            "SPID service provider keystore properties",
            r"""
spid.sp.entityId=https://{{fqdn}}/spid
spid.sp.keystore.path=/opt/spid/keystore.p12
spid.sp.keystore.password={{$pwg}}
spid.sp.key.alias=spid-sp
""",
        ),
        (
            "X-Road security server token login",
            r"""
$ curl -k -X PUT https://{{host}}:4000/api/v1/tokens/0/login \
    -H "Authorization: X-Road-ApiKey token={{$uuid}}" \
    -H "Content-Type: application/json" -d '{"password": "{{$pkcs_pin}}"}'
""",
        ),
        (
            "Romanian e-invoicing OAuth config",
            r"""
# ANAF e-Factura - configurare OAuth ({{dmy}})
anaf.client_id={{hex32}}{{hex16}}
anaf.client_secret={{$hex64}}
anaf.redirect_uri=https://{{fqdn}}/anaf/callback
""",
        ),
        (
            "Czech data box integration",
            r"""
# ISDS - datová schránka úřadu
isds.url=https://ws1.mojedatovaschranka.cz/DS/dz
isds.login={{lan6}}
isds.heslo={{$pwh}}
""",
        ),
        (
            "procurement API client",
            r"""
PROZORRO_API=https://public-api.prozorro.gov.ua/api/2.5
PROZORRO_TOKEN={{$hex32}}
# токен брокера, не публікувати
""",
        ),
        (
            "eIDAS node properties",
            r"""
connector.keystore.type=PKCS12
connector.keystore.path=/etc/eidas/connector.p12
connector.keystore.password={{$pws}}
connector.key.password={{$pws#2}}
""",
        ),
        (
            "Hungarian portal integration notes",
            r"""
KAÜ integráció - teszt környezet
Technikai felhasználó: {{user}}
Jelszó: „{{$pwh}}”
Érvényes: {{dmy}}-ig
""",
        ),
        (
            "Ukrainian signing key note",
            r"""
Ключ КЕП для подання звітів лежить у \\{{host}}\keys\Key-6.dat
Пароль до ключа: {{$pwl}}
(оновити до {{dmy}})
""",
        ),
        (
            "Finnish messaging service config",
            r"""
# Suomi.fi-viestit, integraatio
viestit.url=https://{{fqdn}}/viestit
viestit.kayttajatunnus={{num7}}-{{num1}}
viestit.salasana={{$pwg}}
""",
        ),
    ],
)


# ===========================================================================
# self-hosted and home-lab stacks
# ===========================================================================
_fam(
    "home_assistant",
    [
        (
            "secrets.yaml",
            r"""
# Use this file to store secrets like usernames and passwords.
# Learn more at https://www.home-assistant.io/docs/configuration/secrets/
wifi_iot_password: "{{$pwh}}"
mqtt_password: {{$pwlow}}
openweathermap_api_key: {{$hex32}}
latitude_home: 4{{num1}}.{{num4}}
""",
        ),
        (
            "configuration.yaml REST sensor with inline header",
            r"""
sensor:
  - platform: rest
    name: Solar inverter
    resource: http://{{ip}}/api/v1/data
    headers:
      Authorization: "Bearer {{$an32}}"
    value_template: "{{ value_json.power }}"
""",
        ),
        (
            "curl with long-lived access token",
            r"""
$ curl -s -H "Authorization: Bearer {{$jwt}}" \
       -H "Content-Type: application/json" \
       http://{{hhost}}.{{hdom}}:8123/api/states/sensor.outdoor_temperature
""",
        ),
        (
            "automation webhook trigger and log",
            r"""
{{tsd}} INFO (MainThread) [homeassistant.components.webhook] Received message for unregistered webhook {{$ha_hook}} from {{ip}}
""",
        ),
        (
            "backup emergency kit text",
            r"""
Home Assistant backup emergency kit
Created: {{date}} {{hm}}
Backup encryption key: {{$habackup}}
Keep this file in a safe place. You need the key to restore your backups.
""",
        ),
        (
            "shell_command with password",
            r"""
shell_command:
  restart_printer: "sshpass -p '{{$pws}}' ssh -o StrictHostKeyChecking=no pi@{{ip}} 'sudo systemctl restart octoprint'"
  snapshot_nas: "curl -u admin:{{$pwl}} http://{{ip#2}}:5000/snapshot"
""",
        ),
        (
            "telegram notify config",
            r"""
telegram_bot:
  - platform: polling
    api_key: {{$telegram}}
    allowed_chat_ids:
      - {{num9}}
""",
        ),
        (
            "integration error log with API key in URL",
            r"""
{{tsd}} ERROR (MainThread) [homeassistant.components.rest.data] Error fetching data: http://{{ip}}/api/v1/status?apikey={{$hex32}} failed with Timeout
""",
        ),
        (
            "Mosquitto add-on options",
            r"""
logins:
  - username: zigbee2mqtt
    password: {{$pw}}
require_certificate: false
customize:
  active: false
""",
        ),
        (
            "home-lab Discord message",
            r"""
{{user}} — Today at {{hm}}
ok my HA is exposed through the tunnel now, if you want to test the dashboard use guest / {{$pwlow}}
{{user#2}} — Today at {{hm}}
please put 2FA on that 😬
""",
        ),
        (
            "recorder db_url",
            r"""
recorder:
  db_url: mysql://homeassistant:{{$pwu}}@core-mariadb/homeassistant?charset=utf8mb4
  purge_keep_days: 14
""",
        ),
        (
            "manual alarm panel code",
            r"""
alarm_control_panel:
  - platform: manual
    name: Home Alarm
    code: "{{$pin4}}"
    arming_time: 30
""",
        ),
        (
            "generic camera RTSP",
            r"""
camera:
  - platform: generic
    name: Driveway
    stream_source: rtsp://admin:{{$pwu}}@{{ip}}:554/h264Preview_01_main
""",
        ),
    ],
)

_fam(
    "nextcloud",
    [
        (
            "config.php",
            r"""
<?php
$CONFIG = array (
  'passwordsalt' => '{{$an30}}',
  'secret' => '{{$b64_48}}',
  'trusted_domains' => array ( 0 => 'cloud.{{domain}}', ),
  'dbtype' => 'mysql',
  'dbuser' => 'oc_admin',
  'dbpassword' => '{{$an30#2}}',
""",
        ),
        (
            "occ user:add with OC_PASS",
            r"""
$ export OC_PASS='{{$pwh}}'
$ sudo -u www-data php occ user:add --password-from-env --display-name="{{full}}" --group="staff" {{user}}
The account "{{user}}" was created successfully
""",
        ),
        (
            "occ config:system:get dbpassword",
            r"""
$ sudo -u www-data php occ config:system:get dbpassword
{{$an30}}
""",
        ),
        (
            "app password shown in client setup",
            r"""
Nextcloud desktop client setup for {{full}}
Server: https://cloud.{{domain}}
Login: {{user}}
App password: {{$nc_app}}
""",
        ),
        (
            "config.php mail section",
            r"""
  'mail_smtpmode' => 'smtp',
  'mail_smtphost' => 'smtp.{{domain}}',
  'mail_smtpport' => '587',
  'mail_smtpname' => 'cloud@{{domain}}',
  'mail_smtppassword' => '{{$pw}}',
""",
        ),
        (
            "config.php redis",
            r"""
  'redis' => array (
    'host' => '/run/redis/redis-server.sock',
    'port' => 0,
    'password' => '{{$hex32}}',
  ),
""",
        ),
        (
            "config.php S3 primary storage",
            r"""
  'objectstore' => array (
    'class' => '\\OC\\Files\\ObjectStore\\S3',
    'arguments' => array (
      'bucket' => 'nextcloud-{{word}}',
      'hostname' => 's3.{{domain}}',
      'key' => '{{UUID}}',
      'secret' => '{{$an40}}',
""",
        ),
        (
            "occ ldap:show-config",
            r"""
+-------------------------------+------------------------------------------+
| Configuration                 | s01                                      |
+-------------------------------+------------------------------------------+
| ldapAgentName                 | cn=nextcloud,ou=svc,dc={{word}},dc=lan   |
| ldapAgentPassword             | {{$pwl}}                                 |
| ldapHost                      | ldaps://{{host}}                         |
""",
        ),
        (
            "Talk high-performance backend settings",
            r"""
[signaling]
hashkey = {{$hex32}}
blockkey = {{$hex32#2}}
[backend]
secret = {{$b64_32}}
""",
        ),
        (
            "AIO login passphrase note",
            r"""
Nextcloud AIO - {{hhost}}
Your passphrase: {{$phrase_sp}}
Admin UI: https://{{ip}}:8080
""",
        ),
        (
            "nextcloud.log entry with password in request",
            r"""
{"reqId":"{{an20}}","level":3,"time":"{{tsz}}","remoteAddr":"{{ip}}","user":"--","app":"webdav","method":"PROPFIND","url":"/remote.php/dav/files/{{user}}/?password={{$pws}}","message":"No public access to this resource."}
""",
        ),
        (
            "docker run environment",
            r"""
docker run -d --name nextcloud -p 8080:80 \
  -e NEXTCLOUD_ADMIN_USER=admin \
  -e NEXTCLOUD_ADMIN_PASSWORD='{{$pwl}}' \
  -e MYSQL_PASSWORD='{{$pwg}}' -e MYSQL_HOST=db nextcloud:30-apache
""",
        ),
    ],
)

_fam(
    "pihole",
    [
        (
            "setupVars.conf",
            r"""
PIHOLE_INTERFACE=eth0
QUERY_LOGGING=true
WEBPASSWORD={{$hex64}}
BLOCKING_ENABLED=true
DNSMASQ_LISTENING=local
""",
        ),
        (
            "setpassword on CLI",
            r"""
pi@{{hhost}}:~ $ sudo pihole setpassword '{{$pw}}'
  [✓] New password set
""",
        ),
        (
            "pihole.toml webserver api section",
            r"""
[webserver.api]
  # Pi-hole web interface and API password hash
  pwhash = "{{$balloon}}"
  app_sudo = false
""",
        ),
        (
            "API auth response",
            r"""
$ curl -sk -X POST https://{{hhost}}.{{hdom}}/api/auth -d '{"password":"{{$pwl}}"}'
{"session":{"valid":true,"totp":false,"sid":"{{$b64u22}}","csrf":"{{$b64u22#2}}","validity":1800,"message":"password correct"},"took":0.0312}
""",
        ),
        (
            "legacy api.php with auth token",
            r"""
$ curl "http://{{ip}}/admin/api.php?summaryRaw&auth={{$hex64}}"
{"domains_being_blocked":{{num6}},"dns_queries_today":{{num5}},"status":"enabled"}
""",
        ),
        (
            "dashboard .env",
            r"""
HOMEPAGE_VAR_PIHOLE_URL=http://{{ip}}
HOMEPAGE_VAR_PIHOLE_KEY={{$b64_32}}
""",
        ),
        (
            "docker-compose environment",
            r"""
    environment:
      TZ: 'Europe/Helsinki'
      FTLCONF_webserver_api_password: '{{$pwh}}'
      FTLCONF_dns_listeningMode: 'all'
""",
        ),
        (
            "adlist with token in URL",
            r"""
  [i] Target: https://lists.{{domain}}/private/blocklist.txt?token={{$lan32}}
  [✓] Status: Retrieval successful
""",
        ),
        (
            "forum help request",
            r"""
Re: Pi-hole v6 won't accept my password after upgrade
I reset it with `pihole setpassword` to "{{$pwlow}}" but the login page still says "Wrong password!". Running v6.0.4 in Docker on {{hhost}}.
""",
        ),
        (
            "cloudflared tunnel token in service file",
            r"""
[Service]
ExecStart=/usr/local/bin/cloudflared tunnel --no-autoupdate run --token {{$tunnel}}
Restart=on-failure
""",
        ),
    ],
)

_fam(
    "proxmox",
    [
        (
            "API token authorization header",
            r"""
$ curl -sk -H 'Authorization: PVEAPIToken=root@pam!monitoring={{$uuid}}' \
    https://{{hhost}}:8006/api2/json/nodes
""",
        ),
        (
            "pveum user token add output",
            r"""
# pveum user token add {{user}}@pve backup --privsep 0
+--------------+--------------------------------------+
| key          | value                                |
+--------------+--------------------------------------+
| full-tokenid | {{user}}@pve!backup                  |
| info         | {"privsep":"0"}                      |
| value        | {{$uuid}} |
+--------------+--------------------------------------+
""",
        ),
        (
            "auth cookie in curl",
            r"""
curl -sk -b 'PVEAuthCookie={{$pvecookie}}' https://{{ip}}:8006/api2/json/cluster/resources
""",
        ),
        (
            "CIFS storage password file",
            r"""
root@{{hhost}}:~# cat /etc/pve/priv/storage/backup-nas.pw
{{$pwh}}
root@{{hhost}}:~# pvesm status | grep backup-nas
""",
        ),
        (
            "pvesm add cifs",
            r"""
pvesm add cifs backup-nas --server {{ip}} --share pve --username pvebackup --password '{{$pwl}}' --content backup
""",
        ),
        (
            "cloud-init password",
            r"""
qm set {{num3}} --ciuser ubuntu --cipassword '{{$pws}}' --ipconfig0 ip=dhcp
update VM {{num3}}: -cipassword <hidden> -ciuser ubuntu -ipconfig0 ip=dhcp
""",
        ),
        (
            "backup client environment",
            r"""
export PBS_REPOSITORY='backup@pbs!client@{{ip}}:store1'
export PBS_PASSWORD='{{$uuid}}'
export PBS_ENCRYPTION_PASSWORD='{{$phrase}}'
proxmox-backup-client backup root.pxar:/ --keyfile /root/pbs.key
""",
        ),
        (
            "storage.cfg PBS entry with inline password",
            r"""
pbs: pbs-offsite
	datastore offsite
	server {{fqdn}}
	username sync@pbs
	password {{$pwg}}
	content backup
""",
        ),
        (
            "notifications smtp target",
            r"""
# /etc/pve/priv/notifications.cfg
smtp: mail-relay
	password {{$pw}}
""",
        ),
        (
            "forum post config paste",
            r"""
Here is my config (host {{hhost}}, PVE 8.3):
iface vmbr0 inet static
        address {{ip}}/24
# root pw is {{$pwlow}} btw, it's only a lab box
""",
        ),
        (
            "ticket via pvesh",
            r"""
# pvesh create /access/ticket --username root@pam --password '{{$pwh}}'
""",
        ),
        (
            "ACME DNS plugin data",
            r"""
dns: cloudflare
	api cf
	data CF_Token={{$cftoken}}
	data CF_Account_ID={{hex32}}
""",
        ),
    ],
)

_fam(
    "truenas",
    [
        (
            "API key curl",
            r"""
$ curl -s -H "Authorization: Bearer {{$truenas}}" https://{{hhost}}.{{hdom}}/api/v2.0/pool | jq '.[].name'
"tank"
""",
        ),
        (
            "midclt cloud credentials output",
            r"""
# midclt call cloudsync.credentials.query | jq '.[0]'
{"id": 1, "name": "B2 offsite", "provider": "B2", "attributes": {"account": "{{hex12}}", "key": "{{$b2key}}"}}
""",
        ),
        (
            "midclt create SMB user",
            r"""
midclt call user.create '{"username": "{{user}}", "full_name": "{{full}}", "group_create": true, "password": "{{$pwh}}", "smb": true}'
""",
        ),
        (
            "app environment variables",
            r"""
Application: immich
  Environment:
    DB_PASSWORD = {{$pwg}}
    DB_USERNAME = postgres
    UPLOAD_LOCATION = /mnt/tank/photos
""",
        ),
        (
            "middleware log",
            r"""
[{{tsc}}] (DEBUG) middlewared.plugins.smb.setup():212 - Setting password for {{user}} to "{{$pwl}}"
""",
        ),
        (
            "dataset encryption passphrase note",
            r"""
TrueNAS - tank/private is encrypted with a passphrase
passphrase: {{$phrase_sp}}
(the key export file is on the USB stick in the drawer)
""",
        ),
        (
            "NUT upsd.users",
            r"""
[upsmon]
    password = {{$pws}}
    upsmon master
""",
        ),
        (
            "iSCSI CHAP secret",
            r"""
Auth Access: Group ID 1
  User: iqn-{{word}}
  Secret: {{$an16}}
""",
        ),
        (
            "MinIO app credentials",
            r"""
MINIO_ROOT_USER=minioadmin
MINIO_ROOT_PASSWORD={{$an40}}
""",
        ),
        (
            "Reddit-style help post",
            r"""
Posted by u/{{user}}
Locked myself out of the TrueNAS web UI. Root pw should be {{$pwh}} but it says invalid credentials since the 24.10 upgrade. Any ideas?
""",
        ),
    ],
)

_fam(
    "unifi",
    [
        (
            "system.properties mongo URI",
            r"""
# /usr/lib/unifi/data/system.properties
db.mongo.local=false
db.mongo.uri=mongodb://unifi:{{$pwu}}@{{host}}:27017/unifi
statdb.mongo.uri=mongodb://unifi:{{$pwu}}@{{host}}:27017/unifi_stat
unifi.db.name=unifi
""",
        ),
        (
            "site settings export mgmt",
            r"""
{"key":"mgmt","advanced_feature_enabled":true,"x_ssh_enabled":true,"x_ssh_username":"{{user}}","x_ssh_password":"{{$pwh}}","x_ssh_auth_password_enabled":true}
""",
        ),
        (
            "WLAN config JSON",
            r"""
{"name":"{{word}}-guest","security":"wpapsk","wpa_mode":"wpa2","x_passphrase":"{{$pwlow}}","is_guest":true}
""",
        ),
        (
            "RADIUS profile",
            r"""
RADIUS profile "Staff-8021X"
  Auth server {{ip}} port 1812
  Shared secret {{$an24}}
""",
        ),
        (
            "hotspot vouchers printout",
            r"""
Guest Wi-Fi vouchers - {{hotel}} - 1 day / 1 device
  Voucher {{$voucher}}   valid 24h
  Voucher {{$voucher#2}}   valid 24h
""",
        ),
        (
            "Network API key call",
            r"""
curl -sk -H "X-API-KEY: {{$b64u32}}" https://{{ip}}/proxy/network/integration/v1/sites
""",
        ),
        (
            "unpoller up.conf",
            r"""
[unifi.defaults]
  url  = "https://{{ip}}"
  user = "unifipoller"
  pass = "{{$pws}}"
""",
        ),
        (
            "docker-compose for network application",
            r"""
      - MONGO_USER=unifi
      - MONGO_PASS={{$pwg}}
      - MONGO_HOST=unifi-db
""",
        ),
        (
            "chat about device SSH",
            r"""
[{{hm}}] {{first}}: device ssh for the switches is {{user}} and the password is in quotes "{{$pw}}"
[{{hm}}] {{first#2}}: got it, adopting the new USW now
""",
        ),
        (
            "Protect RTSPS stream link",
            r"""
Driveway camera stream: rtsps://{{ip}}:7441/{{$an16}}?enableSrtp
""",
        ),
    ],
)

_fam(
    "synology",
    [
        (
            "synouser setpw",
            r"""
admin@{{hhost}}:~$ sudo synouser --setpw {{user}} '{{$pwh}}'
admin@{{hhost}}:~$ sudo synouser --get {{user}} | head -3
""",
        ),
        (
            "SYNO.API auth request and response",
            r"""
GET /webapi/auth.cgi?api=SYNO.API.Auth&version=6&method=login&account={{user}}&passwd={{$pwl}}&session=FileStation&format=sid
{"data":{"sid":"{{$syno_sid}}"},"success":true}
""",
        ),
        (
            "Task Scheduler user script",
            r"""
#!/bin/bash
# Task: push camera snapshots to offsite
rsync -av --password-file=<(echo '{{$pws}}') /volume1/surveillance/ rsync://{{user}}@{{fqdn}}/cams
""",
        ),
        (
            "Hyper Backup handover note",
            r"""
Hyper Backup task "Offsite-C2" uses client-side encryption.
Encryption password: {{$phrase}}
The .pem key is in the finance safe. Do NOT lose both.
""",
        ),
        (
            "DDNS provider settings",
            r"""
Service provider: Cloudflare
Hostname: nas.{{domain}}
Username/Email: {{email}}
Password/Key: {{$an40}}
""",
        ),
        (
            "Container Manager project compose",
            r"""
    environment:
      - PUID=1026
      - PGID=100
      - POSTGRES_PASSWORD={{$pwg}}
""",
        ),
        (
            "Surveillance Station camera entry",
            r"""
Camera: Backyard ({{ip}})  Brand: Hikvision  Model: DS-2CD2143G2
Username: admin   Password: {{$pws}}   Stream: rtsp://{{ip}}:554/Streaming/Channels/101
""",
        ),
        (
            "Cloud Sync Dropbox token in log",
            r"""
{{ts}} [CloudSync] [ERROR] token refresh failed: access_token={{$dropbox}} status=401
""",
        ),
        (
            "family chat about Synology Drive",
            r"""
{{first}}: what's the login for the photo drive again?
{{first#2}}: same as always, family
{{first#2}}: {{$pwlow}}
""",
        ),
        (
            "DSM 2FA emergency code",
            r"""
DSM 2-step verification - emergency codes for {{user}} ({{hhost}})
{{$an10}}
""",
        ),
        (
            "rsync daemon secrets",
            r"""
# /etc/rsyncd.secrets on {{hhost}}
backup:{{$pwh}}
""",
        ),
    ],
)

_fam(
    "openmediavault",
    [
        (
            "config.xml user element",
            r"""
<user>
  <uuid>{{uuid}}</uuid>
  <name>{{user}}</name>
  <email>{{email}}</email>
  <password>{{$pwh}}</password>
</user>
""",
        ),
        (
            "rsync server secrets",
            r"""
# /var/lib/openmediavault/rsyncd-backup.secrets
{{user}}:{{$pwl}}
""",
        ),
        (
            "WireGuard client conf",
            r"""
[Interface]
PrivateKey = {{$wgkey}}
Address = 10.192.1.{{num2}}/32
[Peer]
PublicKey = {{b64wg}}
PresharedKey = {{$wgkey#2}}
Endpoint = {{pubip}}:51820
""",
        ),
        (
            "remote mount rpc output",
            r"""
# omv-rpc -u admin "RemoteMount" "getList" '{"start":0,"limit":-1}'
{"total":1,"data":[{"uuid":"{{uuid}}","type":"cifs","server":"{{ip}}","sharename":"media","username":"{{user}}","password":"{{$pws}}"}]}
""",
        ),
        (
            "omv-firstaid reset transcript",
            r"""
root@{{hhost}}:~# omv-firstaid
 Change control panel administrator password
 New password: {{$pwlow}}
 The password was successfully changed.
""",
        ),
        (
            "compose plugin env file",
            r"""
# /srv/dev-disk-by-uuid-{{uuid}}/compose/paperless/global.env
PAPERLESS_SECRET_KEY={{$an48}}
PAPERLESS_DBPASS={{$pwg}}
""",
        ),
        (
            "notification settings",
            r"""
Notification > Settings
  SMTP server: smtp.{{domain}}  Port: 465  Encryption: SSL/TLS
  Username: {{email}}
  Password: {{$pw}}
""",
        ),
        (
            "forum paste with share password",
            r"""
my fstab line for the omv share:
//{{ip}}/backup /mnt/omv cifs username={{user}},password={{$pwh}},uid=1000 0 0
""",
        ),
        (
            "rclone.conf",
            r"""
[pcloud]
type = webdav
url = https://webdav.pcloud.com
user = {{email}}
pass = {{$b64u43}}
""",
        ),
    ],
)

_fam(
    "media_server",
    [
        (
            "media server URL with token",
            r"""
{{tsd}} DEBUG Request GET http://{{ip}}:32400/library/sections/2/all?X-Plex-Token={{$plex}} -> 200
""",
        ),
        (
            "Preferences.xml",
            r"""
<?xml version="1.0" encoding="utf-8"?>
<Preferences MachineIdentifier="{{uuid}}" ProcessedMachineIdentifier="{{sha40}}" FriendlyName="{{hhost}}" PlexOnlineUsername="{{user}}" PlexOnlineToken="{{$plex}}" ManualPortMappingPort="32400"/>
""",
        ),
        (
            "Sonarr config.xml",
            r"""
<Config>
  <BindAddress>*</BindAddress>
  <Port>8989</Port>
  <ApiKey>{{$hex32}}</ApiKey>
  <AuthenticationMethod>Forms</AuthenticationMethod>
</Config>
""",
        ),
        (
            "Radarr API curl",
            r"""
curl -s -H "X-Api-Key: {{$hex32}}" http://{{hhost}}:7878/api/v3/movie | jq length
""",
        ),
        (
            "Jellyfin access log",
            r"""
[{{hms}}] [INF] [42] Jellyfin.Api.Auth: GET /Items?api_key={{$hex32}}&Recursive=true from {{ip}}
""",
        ),
        (
            "qBittorrent.conf WebUI",
            r"""
[Preferences]
WebUI\Port=8080
WebUI\Username={{user}}
WebUI\Password_PBKDF2="{{$qbt}}"
""",
        ),
        (
            "Transmission settings.json",
            r"""
    "rpc-authentication-required": true,
    "rpc-password": "{{$transmission}}",
    "rpc-port": 9091,
    "rpc-username": "{{user}}",
""",
        ),
        (
            "SABnzbd ini",
            r"""
[misc]
host = 0.0.0.0
port = 8085
api_key = {{$hex32}}
nzb_key = {{$hex32#2}}
""",
        ),
        (
            "Overseerr settings.json",
            r"""
  "main": {
    "apiKey": "{{$b64_48}}",
    "applicationUrl": "https://requests.{{domain}}",
""",
        ),
        (
            "NZBGet server block",
            r"""
Server1.Name=newshosting
Server1.Host=news.newshosting.com
Server1.Username={{user}}
Server1.Password={{$pws}}
""",
        ),
        (
            "Tautulli notification agent",
            r"""
Notification agent: Discord
Webhook URL: {{$discord_hook}}
Trigger: Playback Start
""",
        ),
        (
            "friends group chat",
            r"""
{{first}}: plex invite didn't arrive, can you share your account for tonight?
{{first#2}}: sure, it's {{email}}
{{first#2}}: pw {{$pwlow}} - don't change anything pls
""",
        ),
    ],
)

_fam(
    "vaultwarden",
    [
        (
            "Vaultwarden .env plain admin token",
            r"""
DOMAIN=https://vault.{{domain}}
SIGNUPS_ALLOWED=false
ADMIN_TOKEN={{$b64_48}}
""",
        ),
        (
            "Vaultwarden .env argon2 admin token",
            r"""
ADMIN_TOKEN='{{$argon2}}'
WEBSOCKET_ENABLED=true
""",
        ),
        (
            "docker run with admin token",
            r"""
docker run -d --name vaultwarden -e ADMIN_TOKEN={{$an48}} -v /vw-data/:/data/ -p 8081:80 vaultwarden/server:latest
""",
        ),
        (
            "SMTP settings",
            r"""
SMTP_HOST=smtp.{{domain}}
SMTP_FROM=vault@{{domain}}
SMTP_USERNAME=vault@{{domain}}
SMTP_PASSWORD={{$pw}}
""",
        ),
        (
            "push relay settings",
            r"""
PUSH_ENABLED=true
PUSH_INSTALLATION_ID={{uuid}}
PUSH_INSTALLATION_KEY={{$an20}}
""",
        ),
        (
            "database URL",
            r"""
DATABASE_URL=postgresql://vaultwarden:{{$pwu}}@{{host}}:5432/vaultwarden
""",
        ),
        (
            "bw unlock output",
            r"""
$ bw unlock
? Master password: [hidden]
Your vault is now unlocked!
To unlock your vault, set your session key to the `BW_SESSION` environment variable. ex:
$ export BW_SESSION="{{$b64_64}}"
""",
        ),
        (
            "CLI API key environment",
            r"""
export BW_CLIENTID="user.{{uuid}}"
export BW_CLIENTSECRET="{{$an30}}"
bw login --apikey
""",
        ),
        (
            "startup log warning",
            r"""
[{{ts}}][vaultwarden::config][WARN] Please generate a secure Argon2 PHC string: ADMIN_TOKEN is plain text ({{$an40}})
""",
        ),
        (
            "admin handover note",
            r"""
Vaultwarden admin page: https://vault.{{domain}}/admin
Admin token — {{$an48}}
YubiKey OTP: client id {{num5}}, secret key {{$b64_24}}
""",
        ),
    ],
)

_fam(
    "iot_mqtt",
    [
        (
            "mosquitto passwd file",
            r"""
zigbee2mqtt:{{$mosq}}
""",
        ),
        (
            "ESPHome device YAML",
            r"""
api:
  encryption:
    key: "{{$esphome}}"
ota:
  - platform: esphome
    password: "{{$hex32}}"
wifi:
  ssid: "{{word}}-iot"
  password: "{{$pwh}}"
""",
        ),
        (
            "zigbee2mqtt configuration.yaml",
            r"""
mqtt:
  base_topic: zigbee2mqtt
  server: mqtt://{{ip}}:1883
  user: z2m
  password: {{$pwl}}
""",
        ),
        (
            "Tasmota backlog command",
            r"""
Backlog MqttHost {{ip}}; MqttUser tasmota; MqttPassword {{$pws}}; Topic plug_{{word}}; Restart 1
""",
        ),
        (
            "Frigate camera config",
            r"""
cameras:
  front_door:
    ffmpeg:
      inputs:
        - path: rtsp://admin:{{$pwu}}@{{ip}}:554/cam/realmonitor?channel=1&subtype=0
          roles: [detect, record]
""",
        ),
        (
            "Tailscale auth key in install script",
            r"""
curl -fsSL https://tailscale.com/install.sh | sh
sudo tailscale up --authkey={{$tskey}} --advertise-routes=192.168.{{num2}}.0/24 --accept-dns=false
""",
        ),
        (
            "AdGuard Home users",
            r"""
users:
  - name: admin
    password: {{$bcrypt}}
""",
        ),
        (
            "OctoPrint API call",
            r"""
curl -s -H "X-Api-Key: {{$HEX32}}" http://{{hhost}}/api/job
""",
        ),
        (
            "Node on Raspberry Pi .env for ntfy",
            r"""
NTFY_URL=https://ntfy.{{domain}}/garage
NTFY_TOKEN={{$ntfy}}
PUSHOVER_TOKEN={{$pushover}}
""",
        ),
        (
            "Telegraf InfluxDB v2 output",
            r"""
[[outputs.influxdb_v2]]
  urls = ["http://{{ip}}:8086"]
  token = "{{$b64_64}}"
  organization = "home"
""",
        ),
        (
            "MQTT broker log with client credentials",
            r"""
{{epoch}}: New connection from {{ip}}:51234 on port 1883.
{{epoch}}: Client shelly-{{hex6}} connect with username shelly password {{$pwlow}} (debug)
""",
        ),
        (
            "Shelly device settings JSON",
            r"""
{"mqtt":{"enable":true,"server":"{{ip}}:1883","user":"shelly","pass":"{{$pws}}","id":"shellyplus1pm-{{hex12}}"}}
""",
        ),
    ],
)


# ===========================================================================
# automation, low-code, office material, contact centre
# ===========================================================================
_fam(
    "rpa_tools",
    [
        (
            "robot connect command",
            r"""
C:\Program Files\UiPath\Studio> UiRobot.exe connect --url https://cloud.uipath.com/{{lan8}}/DefaultTenant/orchestrator_ --clientID {{UUID}} --clientSecret {{$pwg}}
Robot connected to Orchestrator.
""",
        ),
        (
            "Orchestrator appsettings.json",
            r"""
  "ExternalApps": {
    "InvoiceBot": {
      "ClientId": "{{uuid}}",
      "ClientSecret": "{{$pwg}}",
      "Scope": "OR.Queues OR.Jobs"
    }
  },
""",
        ),
        (
            "robot execution log leaking asset value",
            r"""
{{tsd}} Info  InvoiceProcessing  Get Credential 'SAP_Finance' -> username={{user}}
{{tsd}} Trace InvoiceProcessing  Log Message: password value is {{$pwh}}
{{tsd}} Info  InvoiceProcessing  Login to SAP GUI succeeded
""",
        ),
        (
            "AutomateC command line",
            r"""
"C:\Program Files\Blue Prism Limited\Blue Prism Automate\AutomateC.exe" /run "Daily Bank Recon" /resource {{host}} /user admin /password {{$pwh}} /dbconname "Production"
""",
        ),
        (
            "process XML with hard-coded credential",
            r"""
<stage stageid="{{uuid}}" name="Set Password" type="Calculation">
  <calculation expression="&quot;{{$pws}}&quot;" stage="Portal Password" />
</stage>
""",
        ),
        (
            "desktop flow script text",
            r"""
WebAutomation.LaunchEdge.LaunchEdge Url: $'''https://portal.{{domain}}/login''' BrowserInstance=> Browser
SET PortalUser TO $'''{{user}}'''
SET PortalPassword TO $'''{{$pwl}}'''
WebAutomation.PopulateTextField.PopulateTextField BrowserInstance: Browser Text: PortalPassword
""",
        ),
        (
            "cloud flow HTTP action definition",
            r"""
"HTTP_-_Create_ticket": {
  "type": "Http",
  "inputs": {"method": "POST", "uri": "https://{{fqdn}}/api/tickets",
             "headers": {"x-api-key": "{{$an40}}"}}
}
""",
        ),
        (
            "Control Room API authentication",
            r"""
POST https://{{fqdn}}/v1/authentication
{"username":"bot_runner_{{num2}}","apiKey":"{{$an40}}"}
""",
        ),
        (
            "cmdkey in bot setup script",
            r"""
cmdkey /generic:TERMSRV/{{host}} /user:{{up4}}\svc_rpa /pass:{{$pw}}
mstsc /v:{{host}}
""",
        ),
        (
            "robot machine key",
            r"""
Machine: {{host}}   Type: Standard   Machine key: {{$uuid}}
Robots: svc_rpa01, svc_rpa02
""",
        ),
        (
            "Robot Framework variables file",
            r"""
*** Variables ***
${BASE_URL}       https://erp.{{domain}}
${ERP_USER}       rf_robot
${ERP_PASSWORD}   {{$pwh}}
""",
        ),
        (
            "Hungarian RPA team chat",
            r"""
[{{hm}}] {{n_hu}}: A számlázó robot megint elakadt a bejelentkezésnél
[{{hm}}] {{n_hu#2}}: Átírtam az assetet, az új jelszó: {{$pwl}}
[{{hm}}] {{n_hu}}: Köszi, újraindítom a jobot
""",
        ),
    ],
)

_fam(
    "n8n_nodered",
    [
        (
            "n8n .env",
            r"""
N8N_HOST=n8n.{{domain}}
N8N_ENCRYPTION_KEY={{$an32}}
DB_TYPE=postgresdb
DB_POSTGRESDB_PASSWORD={{$pwg}}
""",
        ),
        (
            "n8n export:credentials --decrypted",
            r"""
$ n8n export:credentials --all --decrypted --output=creds.json && cat creds.json
[{"id":"{{an16}}","name":"Helpdesk API","type":"httpHeaderAuth","data":{"name":"X-API-Key","value":"{{$an40}}"}}]
""",
        ),
        (
            "workflow JSON with hard-coded header",
            r"""
{"parameters":{"url":"https://{{fqdn}}/v2/bookings","sendHeaders":true,"headerParameters":{"parameters":[{"name":"Authorization","value":"Token {{$hex40}}"}]}},"name":"Fetch bookings","type":"n8n-nodes-base.httpRequest","typeVersion":4.2}
""",
        ),
        (
            "Node-RED settings.js",
            r"""
module.exports = {
    flowFile: 'flows.json',
    credentialSecret: "{{$phrase}}",
    uiPort: process.env.PORT || 1880,
""",
        ),
        (
            "Node-RED adminAuth",
            r"""
    adminAuth: {
        type: "credentials",
        users: [{ username: "admin", password: "{{$bcrypt}}", permissions: "*" }]
    },
""",
        ),
        (
            "flows_cred decrypted",
            r"""
{
    "{{hex16}}": { "user": "nodered", "password": "{{$pwl}}" }
}
""",
        ),
        (
            "Node-RED http request node",
            r"""
{"id":"{{hex16}}","type":"http request","name":"Get meter","method":"GET","url":"http://{{user}}:{{$pwu}}@{{ip}}/status","x":420,"y":180,"wires":[["{{hex16#2}}"]]}
""",
        ),
        (
            "n8n basic auth environment",
            r"""
N8N_BASIC_AUTH_ACTIVE=true
N8N_BASIC_AUTH_USER={{user}}
N8N_BASIC_AUTH_PASSWORD={{$pwh}}
""",
        ),
        (
            "n8n log with production webhook",
            r"""
{{tsz}} | info | Webhook received: POST https://n8n.{{domain}}/webhook/{{$uuid}} (workflow "New booking -> Slack")
""",
        ),
        (
            "Node-RED MQTT broker config node",
            r"""
{"id":"{{hex16}}","type":"mqtt-broker","name":"HA broker","broker":"{{ip}}","port":"1883","credentials":{"user":"nodered","password":"{{$pw}}"}}
""",
        ),
        (
            "n8n OpenAI credential export",
            r"""
{"name":"OpenAI account","type":"openAiApi","data":{"apiKey":"{{$openai}}","url":"https://api.openai.com/v1"}}
""",
        ),
        (
            "Node-RED telegram bot config",
            r"""
{"id":"{{hex16}}","type":"telegram bot","botname":"{{word}}_home_bot","usernames":"","chatids":"{{num9}}","token":"{{$telegram}}"}
""",
        ),
    ],
)

_fam(
    "webhooks_ifttt",
    [
        (
            "Zapier catch hook in PHP form handler",
            r"""
$zapier = '{{$zapier_hook}}';
wp_remote_post($zapier, ['body' => $lead]);
""",
        ),
        (
            "IFTTT maker URL in shell script",
            r"""
#!/bin/sh
# notify phone when the backup finishes
curl -s -X POST {{$ifttt}} -d value1="$(hostname)"
""",
        ),
        (
            "Make scenario webhook in docs",
            r"""
Scenario "Booking -> Sheet" receives data at {{$make_hook}}
Test payload sent {{dmy}} {{hm}}, status Accepted.
""",
        ),
        (
            "Slack incoming webhook in cron",
            r"""
*/15 * * * * /opt/monitor/check_queue.sh && curl -s -X POST -H 'Content-type: application/json' --data '{"text":"queue ok"}' {{$slack_hook}}
""",
        ),
        (
            "Discord webhook in bot config",
            r"""
[notify]
discord_webhook = {{$discord_hook}}
username = Night Audit Bot
""",
        ),
        (
            "Teams incoming webhook in PowerShell",
            r"""
$webhook = "{{$teams_hook}}"
$body = @{ text = "Night audit finished for $env:COMPUTERNAME" } | ConvertTo-Json
Invoke-RestMethod -Method Post -Uri $webhook -Body $body -ContentType 'application/json'
""",
        ),
        (
            "Google Chat webhook in Apps Script",
            r"""
const WEBHOOK_URL = "{{$gchat_hook}}";
function notify(text) {
  UrlFetchApp.fetch(WEBHOOK_URL, {method: "post", contentType: "application/json", payload: JSON.stringify({text})});
}
""",
        ),
        (
            "Power Automate trigger URL in form config",
            r"""
<add key="FlowTriggerUrl" value="{{$pa_trigger}}" />
""",
        ),
        (
            "Pipedream endpoint in README",
            r"""
## Intake
Orders are posted to {{$pipedream}} which fans out to the ERP and the warehouse printer.
""",
        ),
        (
            "Mattermost webhook in Python",
            r"""
MM_HOOK = "{{$mm_hook}}"
requests.post(MM_HOOK, json={"text": f"Backup of {host} finished"}, timeout=5)
""",
        ),
        (
            "Telegram sendMessage in log",
            r"""
{{tsc}} DEBUG urllib3.connectionpool https://api.telegram.org:443 "POST /bot{{$telegram}}/sendMessage HTTP/1.1" 200 312
""",
        ),
        (
            "Rocket.Chat integration URL",
            r"""
Integration "Jenkins-less build alerts" is active
Webhook URL: {{$rc_hook}}
""",
        ),
    ],
)

_fam(
    "vba_macros",
    [
        (
            "ADODB connection in VBA module",
            r"""
Sub RefreshSales()
    Dim cn As New ADODB.Connection
    cn.Open "Provider=SQLOLEDB;Data Source={{host}};Initial Catalog=Sales;User ID=excel_ro;Password={{$pwh}};"
    Set rs = cn.Execute("SELECT * FROM dbo.DailySales")
""",
        ),
        (
            "Workbook unprotect",
            r"""
Private Sub Workbook_Open()
    ThisWorkbook.Unprotect Password:="{{$pwlow}}"
    Sheets("Rates").Visible = xlSheetVisible
End Sub
""",
        ),
        (
            "SaveAs with passwords",
            r"""
    ActiveWorkbook.SaveAs Filename:="\\{{host}}\finance\payroll_{{date}}.xlsx", _
        FileFormat:=xlOpenXMLWorkbook, Password:="{{$pws}}", WriteResPassword:="{{$pws#2}}"
""",
        ),
        (
            "CDO mail configuration",
            r"""
    With cdoConf.Fields
        .Item("http://schemas.microsoft.com/cdo/configuration/smtpserver") = "smtp.{{domain}}"
        .Item("http://schemas.microsoft.com/cdo/configuration/sendusername") = "reports@{{domain}}"
        .Item("http://schemas.microsoft.com/cdo/configuration/sendpassword") = "{{$pw}}"
        .Update
    End With
""",
        ),
        (
            "WinHttp basic auth",
            r"""
    Set http = CreateObject("WinHttp.WinHttpRequest.5.1")
    http.Open "GET", "https://{{fqdn}}/api/stock", False
    http.SetCredentials "{{user}}", "{{$pwl}}", 0
    http.Send
""",
        ),
        (
            "Access VBA ODBC relink",
            r"""
    strConnect = "ODBC;DRIVER={ODBC Driver 17 for SQL Server};SERVER={{host}};DATABASE=Bookings;UID=access_link;PWD={{$pwup}};"
    For Each tdf In CurrentDb.TableDefs
        If Len(tdf.Connect) > 0 Then tdf.Connect = strConnect: tdf.RefreshLink
""",
        ),
        (
            "sheet protect",
            r"""
Worksheets("Budget").Protect Password:="{{$pwh}}", DrawingObjects:=True, Contents:=True
""",
        ),
        (
            "Shell to psexec",
            r"""
    Shell "cmd /c psexec \\{{host}} -u {{up4}}\svc_reports -p {{$pws}} C:\jobs\export.bat", vbHide
""",
        ),
        (
            "FTP script written by macro",
            r"""
    Print #f, "open ftp.{{domain}}"
    Print #f, "user {{user}} {{$pwlow}}"
    Print #f, "put " & strFile
    Print #f, "bye"
""",
        ),
        (
            "Outlook macro calling translation API",
            r"""
Const DEEPL_KEY As String = "{{$uuid}}:fx"
Sub TranslateSelection()
    url = "https://api-free.deepl.com/v2/translate?auth_key=" & DEEPL_KEY
""",
        ),
        (
            "VBA constant for map API",
            r"""
' geocoding for the delivery planner - {{full}}, {{dmy}}
Private Const MAPS_API_KEY As String = "{{$aiza}}"
""",
        ),
    ],
)

_fam(
    "power_query",
    [
        (
            "M query with API key header",
            r"""
let
    Source = Json.Document(Web.Contents("https://api.{{domain}}/v1/bookings", [Headers=[#"x-api-key"="{{$an32}}", Accept="application/json"]])),
    Data = Source[data],
    Table = Table.FromRecords(Data)
in
    Table
""",
        ),
        (
            "M query with key in query string",
            r"""
let
    Source = Csv.Document(Web.Contents("https://{{fqdn}}/export.csv?token={{$hex40}}&from=2026-01-01"), [Delimiter=",", Encoding=65001]),
    Promoted = Table.PromoteHeaders(Source)
in
    Promoted
""",
        ),
        (
            "OData feed with key",
            r"""
let
    Source = OData.Feed("https://{{fqdn}}/odata/v4/Orders?$top=500&api_key={{$lan32}}", null, [Implementation="2.0"])
in
    Source
""",
        ),
        (
            "M query with bearer token",
            r"""
    Token = "{{$jwt}}",
    Response = Web.Contents("https://{{fqdn}}/api/rooms", [Headers=[Authorization="Bearer " & Token]]),
""",
        ),
        (
            "Power BI parameter definition",
            r"""
ApiKey = "{{$an40}}" meta [IsParameterQuery=true, Type="Text", IsParameterQueryRequired=true]
""",
        ),
        (
            "ODBC source with inline credentials",
            r"""
let
    Source = Odbc.DataSource("driver={MySQL ODBC 8.0 Unicode Driver};server={{host}};database=pms;uid=bi_reader;pwd={{$pwh}}", [HierarchicalNavigation=true])
in
    Source
""",
        ),
        (
            "M query with basic auth header",
            r"""
    Auth = "Basic " & Binary.ToText(Text.ToBinary("{{user}}:{{$pwl}}"), 0),
    Source = Json.Document(Web.Contents("https://{{fqdn}}/rest/occupancy", [Headers=[Authorization=Auth]]))
""",
        ),
        (
            "Advanced editor paste in chat",
            r"""
{{first}}: here's the query that stopped working:
Source = Web.Contents("https://api.openweathermap.org/data/2.5/forecast?q={{city}}&appid={{$hex32}}")
{{first#2}}: the key is fine, you hit the rate limit
""",
        ),
        (
            "M query for SharePoint list with client secret",
            r"""
    TokenResponse = Json.Document(Web.Contents("https://login.microsoftonline.com/{{uuid}}/oauth2/v2.0/token", [Content=Text.ToBinary("grant_type=client_credentials&client_id={{uuid#2}}&client_secret={{$azsecret}}&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default")])),
""",
        ),
        (
            "dataflow parameter table",
            r"""
Name        | Type | Current value
BaseUrl     | Text | https://{{fqdn}}
ClientKey   | Text | {{$an24}}
""",
        ),
    ],
)

_fam(
    "office_db_odbc",
    [
        (
            "file DSN",
            r"""
[ODBC]
DRIVER=ODBC Driver 18 for SQL Server
SERVER={{host}}
DATABASE=Accounting
UID=acc_report
PWD={{$pwh}}
TrustServerCertificate=Yes
""",
        ),
        (
            "odbc.ini",
            r"""
[PMS_MYSQL]
Driver   = MySQL ODBC 8.0 Unicode Driver
Server   = {{host}}
Database = pms
User     = readonly
Password = {{$pwl}}
""",
        ),
        (
            "registry export of system DSN",
            r"""
[HKEY_LOCAL_MACHINE\SOFTWARE\ODBC\ODBC.INI\Warehouse]
"Driver"="C:\\Windows\\system32\\sqlsrv32.dll"
"Server"="{{host}}"
"LastUser"="wh_user"
"Password"="{{$pws}}"
""",
        ),
        (
            "Access linked table Connect property dump",
            r"""
Name         Connect
dbo_Guests   ODBC;DSN=HotelDB;UID=access_app;PWD={{$pwup}};APP=Microsoft Office;DATABASE=Hotel
dbo_Folios   ODBC;DSN=HotelDB;UID=access_app;PWD={{$pwup}};APP=Microsoft Office;DATABASE=Hotel
""",
        ),
        (
            "LibreOffice Base Basic macro",
            r"""
Sub ConnectInventory
    oDBContext = createUnoService("com.sun.star.sdb.DatabaseContext")
    oDataSource = oDBContext.getByName("Inventory")
    oConn = oDataSource.getConnection("inv_user", "{{$pwlow}}")
End Sub
""",
        ),
        (
            "freetds.conf and tsql call",
            r"""
[backoffice]
	host = {{host}}
	port = 1433
	tds version = 7.4
$ tsql -S backoffice -U bo_report -P '{{$pwh}}'
""",
        ),
        (
            "Universal Data Link file",
            r"""
[oledb]
; Everything after this line is an OLE DB initstring
Provider=SQLOLEDB.1;Password={{$pwg}};Persist Security Info=True;User ID=udl_user;Initial Catalog=Stock;Data Source={{host}}
""",
        ),
        (
            "Office data connection .odc",
            r"""
<odc:Connection odc:Type="OLEDB">
 <odc:ConnectionString>Provider=MSOLAP.8;Data Source={{host}};Initial Catalog=Sales;User ID={{up4}}\cube_ro;Password={{$pws}};Persist Security Info=True</odc:ConnectionString>
 <odc:CommandType>Cube</odc:CommandType>
</odc:Connection>
""",
        ),
        (
            "Crystal Reports scheduler config",
            r"""
[Report:NightlyOccupancy]
DataSource={{host}}
Database=Opera
LogonUser=crystal
LogonPassword={{$pwh}}
""",
        ),
        (
            "LibreOffice Base content.xml connection",
            r"""
<db:connection-resource xlink:href="sdbc:mysql:jdbc:{{host}}:3306/library"/>
<db:login db:user-name="lo_base" db:password="{{$pwl}}" db:is-password-required="false"/>
""",
        ),
        (
            "support e-mail with DSN details",
            r"""
Hi {{first}},
the Access front-end needs a 64-bit System DSN called "StockDB": server {{host}}, user stock_rw, password {{$pws}} (same as the old one).
Regards, {{full}}
""",
        ),
    ],
)

_fam(
    "contact_centre_ivr",
    [
        (
            "pjsip.conf auth section",
            r"""
[{{num4}}-auth]
type=auth
auth_type=userpass
username={{num4}}
password={{$an16}}
""",
        ),
        (
            "sip.conf peer",
            r"""
[trunk-{{word}}]
type=peer
host=sip.{{domain}}
defaultuser={{num8}}
secret={{$pws}}
insecure=invite
""",
        ),
        (
            "manager.conf AMI user",
            r"""
[crm_dialer]
secret = {{$pwg}}
deny = 0.0.0.0/0.0.0.0
permit = {{ip}}/255.255.255.255
read = system,call,agent
""",
        ),
        (
            "voicemail.conf mailboxes",
            r"""
[default]
{{num3}} => {{$pin4}},{{full}},{{email}}
{{num3#2}} => {{$pin6}},Reception
""",
        ),
        (
            "FreeSWITCH directory user",
            r"""
<user id="{{num4}}">
  <params>
    <param name="password" value="{{$an12}}"/>
    <param name="vm-password" value="{{$pin4}}"/>
  </params>
</user>
""",
        ),
        (
            "cloud telephony client config",
            r"""
TWILIO_ACCOUNT_SID=AC{{hex32}}
TWILIO_AUTH_TOKEN={{$hex32}}
TWILIO_IVR_NUMBER=+4420{{num8}}
""",
        ),
        (
            "contact centre OAuth client",
            r"""
genesys:
  region: mypurecloud.ie
  client_id: {{uuid}}
  client_secret: {{$b64u43}}
""",
        ),
        (
            "IVR debug log with caller PIN",
            r"""
{{tsc}} DEBUG ivr.flow.AccountAuth call={{uuid}} ani=+3906{{num8}} step=collect_pin digits={{$pin6}} result=MATCH
{{tsc}} INFO  ivr.flow.AccountAuth call={{uuid}} transferred to queue BILLING
""",
        ),
        (
            "AMI login action in trace",
            r"""
Action: Login
Username: crm_dialer
Secret: {{$pwh}}
Events: off
""",
        ),
        (
            "PBX admin handover",
            r"""
PBX handover {{dmy}} ({{first}})
- web admin https://{{ip}}:5001 login admin / {{$pwl}}
- night mode switch code is *{{$pin5}}
""",
        ),
        (
            "dialer campaign settings",
            r"""
Five9 campaign "Renewals-Q3"
Admin user: {{user}}@{{domain}}
Admin password: {{$pw}}
""",
        ),
        (
            "softphone provisioning XML",
            r"""
<account>
  <username>{{num4}}</username>
  <password>{{$an16}}</password>
  <domain>pbx.{{domain}}</domain>
</account>
""",
        ),
    ],
)


# ===========================================================================
# WordPress and PHP applications
# ===========================================================================
_fam(
    "wordpress",
    [
        (
            "wp-config.php database",
            r"""
/** Database username */
define( 'DB_USER', 'wp_{{lan5}}' );

/** Database password */
define( 'DB_PASSWORD', '{{$pwg}}' );

/** Database hostname */
define( 'DB_HOST', '{{host}}' );
""",
        ),
        (
            "wp-config.php keys and salts",
            r"""
define( 'AUTH_KEY',         '{{$wpsalt}}' );
define( 'SECURE_AUTH_KEY',  '{{$wpsalt#2}}' );
""",
        ),
        (
            "wp-config.php nonce salt",
            r"""
define( 'NONCE_KEY',        '{{$wpsalt}}' );
define( 'NONCE_SALT',       'put your unique phrase here' );
""",
        ),
        (
            "wp-cli user create",
            r"""
$ wp user create {{user}} {{email}} --role=shop_manager --user_pass='{{$pwh}}' --display_name="{{full}}"
Success: Created user {{num3}}.
""",
        ),
        (
            "wp option get SMTP plugin settings",
            r"""
$ wp option get wp_mail_smtp --format=yaml
mail:
  mailer: smtp
smtp:
  host: smtp.{{domain}}
  user: wordpress@{{domain}}
  pass: {{$pw}}
""",
        ),
        (
            "application password creation",
            r"""
$ wp user application-password create {{user}} "Zapier sync" --porcelain
{{$wp_app}}
""",
        ),
        (
            "wp-config.php FTP constants",
            r"""
define( 'FS_METHOD', 'ftpext' );
define( 'FTP_USER', '{{user}}' );
define( 'FTP_PASS', '{{$pwl}}' );
define( 'FTP_HOST', 'ftp.{{domain}}' );
""",
        ),
        (
            "WP Mail SMTP constant",
            r"""
define( 'WPMS_ON', true );
define( 'WPMS_SMTP_PASS', '{{$pws}}' );
""",
        ),
        (
            "debug.log with password",
            r"""
[{{tsa}}] PHP Notice:  Undefined index: api_user in /var/www/html/wp-content/plugins/booking-sync/sync.php on line 88
[{{tsa}}] booking-sync: login failed for {{user}} with password '{{$pwlow}}' (HTTP 401)
""",
        ),
        (
            "reCAPTCHA settings export",
            r"""
{"contact-form-7":{"recaptcha":{"{{recsite}}":"{{$recaptcha}}"}}}
""",
        ),
        (
            ".htpasswd for wp-admin",
            r"""
# /var/www/.htpasswd  (protects /wp-admin on {{domain}})
{{user}}:{{$apr1}}
""",
        ),
        (
            "wp user update password",
            r"""
$ wp user update admin --user_pass="{{$pwh}}" --skip-email
Success: Updated user 1.
""",
        ),
        (
            "plugin license and API key options",
            r"""
mysql> SELECT option_name, option_value FROM wp_options WHERE option_name IN ('wordpress_api_key','siteurl');
| wordpress_api_key | {{$hex12}} |
| siteurl           | https://{{domain}} |
""",
        ),
    ],
)

_fam(
    "php_env",
    [
        (
            "Laravel .env",
            r"""
APP_NAME="{{company}} Booking"
APP_ENV=production
APP_KEY={{$laravel}}
APP_DEBUG=false
DB_CONNECTION=mysql
DB_HOST={{host}}
DB_PASSWORD={{$pwh}}
""",
        ),
        (
            "Laravel .env mail section",
            r"""
MAIL_MAILER=smtp
MAIL_HOST=smtp.{{domain}}
MAIL_PORT=587
MAIL_USERNAME=noreply@{{domain}}
MAIL_PASSWORD="{{$pw}}"
""",
        ),
        (
            "Laravel .env pusher",
            r"""
PUSHER_APP_ID={{num7}}
PUSHER_APP_KEY={{hex20}}
PUSHER_APP_SECRET={{$hex20}}
PUSHER_APP_CLUSTER=eu
""",
        ),
        (
            "artisan key:generate --show",
            r"""
$ php artisan key:generate --show
{{$laravel}}
""",
        ),
        (
            "Symfony .env.local",
            r"""
APP_ENV=prod
APP_SECRET={{$hex32}}
DATABASE_URL="postgresql://app:{{$pwu}}@{{host}}:5432/app?serverVersion=16&charset=utf8"
""",
        ),
        (
            "Symfony mailer DSN",
            r"""
MAILER_DSN=smtp://{{user}}%40{{domain}}:{{$pwu}}@smtp.{{domain}}:587
""",
        ),
        (
            "secrets:list --reveal",
            r"""
$ php bin/console secrets:list --reveal
 ------------------- ------------------------------------
  Secret              Value
 ------------------- ------------------------------------
  STRIPE_SECRET_KEY   "{{$sk_live}}"
  SENTRY_DSN          "https://{{$hex32#2}}@o{{num6}}.ingest.sentry.io/{{num7}}"
 ------------------- ------------------------------------
""",
        ),
        (
            "Laravel log with PDO exception",
            r"""
[{{ts}}] production.ERROR: SQLSTATE[HY000] [1045] Access denied for user 'app'@'{{ip}}' (using password: YES) {"exception":"[object] (PDOException(code: 1045): SQLSTATE[HY000] [1045] at /var/www/vendor/laravel/framework/src/Illuminate/Database/Connectors/Connector.php:65)","config":{"host":"{{host}}","password":"{{$pwh}}"}}
""",
        ),
        (
            "config/services.php hard-coded",
            r"""
    'mailgun' => [
        'domain' => 'mg.{{domain}}',
        'secret' => '{{$mailgun}}',
        'endpoint' => 'api.eu.mailgun.net',
    ],
""",
        ),
        (
            "HTTP access log with session cookies",
            r"""
{{ip}} - - [{{tsa}}] "GET /dashboard HTTP/1.1" 200 5120 "-" "Mozilla/5.0" "laravel_session={{$lsess}}"
""",
        ),
        (
            "Messenger transport DSN",
            r"""
MESSENGER_TRANSPORT_DSN=amqp://app:{{$pwu}}@{{host}}:5672/%2f/messages
""",
        ),
        (
            "CodeIgniter .env",
            r"""
database.default.hostname = {{host}}
database.default.username = ci_app
database.default.password = {{$pwh}}
encryption.key = hex2bin:{{$hex64}}
""",
        ),
    ],
)

_fam(
    "phpmyadmin",
    [
        (
            "config.inc.php blowfish secret",
            r"""
<?php
declare(strict_types=1);
$cfg['blowfish_secret'] = '{{$blowfish}}';
$i = 0;
""",
        ),
        (
            "config.inc.php config auth",
            r"""
$i++;
$cfg['Servers'][$i]['auth_type'] = 'config';
$cfg['Servers'][$i]['host'] = '{{host}}';
$cfg['Servers'][$i]['user'] = 'root';
$cfg['Servers'][$i]['password'] = '{{$pwh}}';
""",
        ),
        (
            "config.inc.php control user",
            r"""
$cfg['Servers'][$i]['controluser'] = 'pma';
$cfg['Servers'][$i]['controlpass'] = '{{$an24}}';
$cfg['Servers'][$i]['pmadb'] = 'phpmyadmin';
""",
        ),
        (
            "docker-compose environment",
            r"""
  phpmyadmin:
    image: phpmyadmin:5.2
    environment:
      PMA_HOST: db
      PMA_USER: root
      PMA_PASSWORD: {{$pwl}}
""",
        ),
        (
            "signon script",
            r"""
<?php
session_name('SignonSession');
session_start();
$_SESSION['PMA_single_signon_user'] = 'report';
$_SESSION['PMA_single_signon_password'] = '{{$pws}}';
""",
        ),
        (
            "access log with login parameters in query",
            r"""
{{ip}} - - [{{tsa}}] "GET /phpmyadmin/index.php?route=/&pma_username=root&pma_password={{$pwlow}}&server=1 HTTP/1.1" 302 0 "-" "curl/8.5.0"
""",
        ),
        (
            "phpMyAdmin cookie header",
            r"""
Cookie: phpMyAdmin={{$phpsess}}; pma_lang=en; pma_collation_connection=utf8mb4_unicode_ci
""",
        ),
        (
            "Adminer login form POST",
            r"""
POST /adminer.php HTTP/1.1
Host: {{domain}}
Content-Type: application/x-www-form-urlencoded
auth%5Bdriver%5D=server&auth%5Bserver%5D={{host}}&auth%5Busername%5D=root&auth%5Bpassword%5D={{$pwh}}&auth%5Bdb%5D=
""",
        ),
        (
            "mysql user table dump",
            r"""
+------------+-------------+-------------------------------------------+
| Host       | User        | authentication_string                     |
+------------+-------------+-------------------------------------------+
| %          | pma         | {{$mysqlhash}} |
+------------+-------------+-------------------------------------------+
""",
        ),
    ],
)


# ===========================================================================
# human text: chats, tickets, e-mails, notes, wikis, spreadsheets
# ===========================================================================
_fam(
    "chat_multilingual",
    [
        (
            "Italian team chat, password in square brackets",
            r"""
[{{hm}}] {{n_it}}: Ragazzi, ho cambiato la password del Wi-Fi della reception
[{{hm}}] {{n_it}}: la nuova è [{{$pwh}}] – non datela agli ospiti, per loro c'è la rete Guest
[{{hm}}] {{n_it#2}}: ok grazie
""",
        ),
        (
            "Czech chat, password after a dash",
            r"""
{{n_cz}} {{hm}}
Heslo do Opery pro noční směnu – {{$pwl}}
{{n_cz#2}} {{hm}}
Díky, funguje 👍
""",
        ),
        (
            "Hungarian chat, password in Hungarian quotes",
            r"""
[{{hm}}] {{n_hu}}: Megvan a Proxmox root jelszava?
[{{hm}}] {{n_hu#2}}: igen, „{{$pw}}” – de holnap lecserélem
""",
        ),
        (
            "Finnish chat, key spelled in groups with spaces",
            r"""
{{n_fi}}: Vierasverkon salasana on {{$grp4}} {{$grp4#2}} {{$grp4#3}} (ilman välilyöntejä)
{{n_fi#2}}: kiitos, toimii
""",
        ),
        (
            "Romanian chat, password split over two messages",
            r"""
[{{hm}}] {{n_ro}}: parola pentru contul de channel manager e {{$half}}
[{{hm}}] {{n_ro}}: {{$half#2}}
[{{hm}}] {{n_ro}}: lipite, fără spațiu 🙂
""",
        ),
        (
            "Ukrainian chat, answer on the line after the question",
            r"""
[{{hm}}] {{n_ua}}: а який зараз пароль від адмінки Nextcloud?
[{{hm}}] {{n_ua#2}}: {{$pwl}}
[{{hm}}] {{n_ua}}: дякую!
""",
        ),
        (
            "Russian chat, password in guillemets",
            r"""
{{n_ru}}, [{{dmy}} {{hm}}]
Пароль от кассы в ресторане поменяли, теперь «{{$pwh}}»
{{n_ru#2}}, [{{dmy}} {{hm}}]
Принято
""",
        ),
        (
            "Arabic chat",
            r"""
[{{hm}}] {{n_ar}}: كلمة المرور الجديدة لنظام الحجوزات: {{$pw}}
[{{hm}}] {{n_ar#2}}: شكراً، سأجربها الآن
""",
        ),
        (
            "Japanese chat, password in corner brackets",
            r"""
{{f_jp}} {{hm}}
フロントPCのOperaログインは「{{$pwl}}」です。今日中に変更してください。
{{f_jp#2}} {{hm}}
了解です！
""",
        ),
        (
            "Thai chat",
            r"""
[{{hm}}] {{n_th}}: รหัสผ่าน Wi-Fi ของห้องประชุมคือ {{$pwlow}} นะคะ
[{{hm}}] {{n_th#2}}: ขอบคุณครับ
""",
        ),
        (
            "Chinese chat, password split into two messages",
            r"""
{{f_cn}} {{hm}}
门店收银系统的管理员密码前半段是 {{$half}}
{{f_cn}} {{hm}}
后半段：{{$half#2}}
""",
        ),
        (
            "Korean chat",
            r"""
[{{hm}}] {{f_kr}}: 프런트 PC 윈도우 비밀번호는 {{$pwh}} 입니다
[{{hm}}] {{f_kr#2}}: 네 확인했습니다
""",
        ),
        (
            "German chat, temporary password in parentheses",
            r"""
{{n_de}} ({{hm}}): Neuer Kollege im Nachtaudit braucht Zugang – Benutzer NA_{{up3}}, Passwort (temporär): {{$pw}}
{{n_de#2}} ({{hm}}): danke, hab's ihm weitergegeben
""",
        ),
        (
            "Spanish chat about POS PIN",
            r"""
[{{hm}}] {{n_es}}: el PIN de encargado para anular tickets en la caja 2 es {{$pin4}}
[{{hm}}] {{n_es#2}}: vale, gracias
""",
        ),
        (
            "French chat, password in French quotes",
            r"""
{{n_fr}} — {{hm}}
Le mot de passe du compte Booking.com extranet : « {{$pwh}} »
{{n_fr#2}} — {{hm}}
Merci, je regarde les tarifs
""",
        ),
        (
            "Polish chat",
            r"""
[{{hm}}] {{n_pl}}: hasło do panelu Pi-hole: {{$pwl}}
[{{hm}}] {{n_pl#2}}: dzięki
""",
        ),
        (
            "Portuguese chat, password after an em dash",
            r"""
{{n_pt}}: a senha do WooCommerce da loja nova — {{$pws}}
{{n_pt#2}}: obrigado!
""",
        ),
        (
            "Turkish chat",
            r"""
[{{hm}}] {{n_tr}}: Synology yönetici şifresi: {{$pwlow}}
[{{hm}}] {{n_tr#2}}: tamam, yedeklemeyi kontrol ediyorum
""",
        ),
        (
            "English chat, PIN spelled in two groups",
            r"""
[{{hm}}] {{first}}: safe in the back office is reset, new code {{$grpd4}} {{$grpd4#2}}
[{{hm}}] {{first#2}}: thanks, will tell the night manager
""",
        ),
        (
            "English chat, question then bare answer",
            r"""
{{first}} {{hm}}
what's the UniFi controller admin pw again?
{{first#2}} {{hm}}
{{$pwh}}
""",
        ),
    ],
)

_fam(
    "tickets_email",
    [
        (
            "Jira ticket description",
            r"""
{{ticket}}: Channel manager sync fails for {{hotel}}
Priority: High   Reporter: {{full}}   Created: {{date}} {{hm}}
Steps: log in to https://cm.{{domain}} with revenue@{{domain}} / {{$pwh}} and open Rates > Sync log.
Expected: last sync < 15 min. Actual: 3h.
""",
        ),
        (
            "Zendesk guest ticket",
            r"""
Ticket #{{num6}} - Can't log into guest portal
From: {{full}}
I booked conf {{conf}}. The portal says my password {{$pwlow}} is wrong but I reset it yesterday. Please help.
""",
        ),
        (
            "German helpdesk ticket",
            r"""
Ticket#{{num10}} — Kasse 3 startet nicht
Von: {{f_de}}
Das Kassensystem fragt nach dem Administratorkennwort. Laut Zettel im Büro lautet es {{$pw}}, das funktioniert aber nicht mehr.
""",
        ),
        (
            "forwarded vendor e-mail",
            r"""
---------- Forwarded message ---------
From: {{full}} <{{email}}>
Date: {{rfc}}
Subject: Your SFTP access for the nightly rate file
Host: sftp.{{domain}}  User: {{user}}  Password: {{$pwg}}
""",
        ),
        (
            "Italian supplier e-mail",
            r"""
Oggetto: Credenziali accesso portale fornitori
Buongiorno {{n_it}},
le inviamo le credenziali per il portale ordini: utente {{user}}, password {{$pwh}}.
Al primo accesso le verrà chiesto di cambiarla.
Cordiali saluti, {{f_it}}
""",
        ),
        (
            "Czech IT e-mail",
            r"""
Předmět: Přístup do Moodle pro nové učitele
Dobrý den, {{n_cz}},
účet ucitel_{{lan4}} je založený, dočasné heslo: {{$pwl}}
S pozdravem {{f_cz}}
""",
        ),
        (
            "Japanese service desk ticket",
            r"""
件名: Nextcloud 共有フォルダにアクセスできない
起票者: {{f_jp}}
共有リンクのパスワード「{{$pws}}」を入力してもエラーになります。至急確認をお願いします。
""",
        ),
        (
            "Korean helpdesk ticket",
            r"""
[문의] 예약 엔진 관리자 계정 잠김
작성자: {{f_kr}}
관리자 ID {{user}}, 비밀번호 {{$pwh}} 로 로그인 시 계정 잠김 메시지가 나옵니다.
""",
        ),
        (
            "ServiceNow work notes",
            r"""
Work notes ({{ts}}) - {{full}}
Reset the kiosk service account on {{host}}. New password {{$pwup}} stored in the CyberArk safe "Kiosk" as well.
Caller informed. Closing.
""",
        ),
        (
            "GitHub issue with config paste",
            r"""
### Steps to reproduce
1. Run `occ maintenance:repair` on a fresh install
2. config.php contains `'dbpassword' => '{{$an30}}',`
### Expected behaviour
repair completes
""",
        ),
        (
            "vendor onboarding e-mail with API key",
            r"""
From: integrations@{{domain}}
Subject: API access for {{company}}
Your production API key is {{$lan40}}
Please keep it secret and use header X-Api-Key. Sandbox keys are available on request.
""",
        ),
        (
            "Thai support ticket",
            r"""
เรื่อง: เข้าระบบ POS ไม่ได้
ผู้แจ้ง: {{f_th}}
ลองใช้รหัสผ่าน {{$pwl}} แล้วขึ้นว่าไม่ถูกต้อง รบกวนรีเซ็ตให้ด้วยค่ะ
""",
        ),
        (
            "Arabic e-mail",
            r"""
الموضوع: بيانات الدخول إلى نظام إدارة الفندق
مرحباً {{n_ar}}،
اسم المستخدم: {{user}}
كلمة المرور: {{$pwh}}
يرجى تغييرها عند أول تسجيل دخول.
""",
        ),
        (
            "Finnish ticket",
            r"""
Tiketti {{ticket}}: Kirjaston itsepalvelulaite ei yhdistä
Laite kysyy SIP-salasanaa, syötin {{$pws}} mutta yhteys katkeaa. Terveisin {{f_fi}}
""",
        ),
    ],
)

_fam(
    "handover_meeting_notes",
    [
        (
            "hotel IT shift handover",
            r"""
HANDOVER {{dmy}} 22:00 - {{first}} -> {{first#2}}
1. Opera IFC to the PBX restarted twice, watch the call accounting
2. Key encoder in FD2 replaced, encoder admin pwd is now {{$pwlow}}
3. Nothing else open
""",
        ),
        (
            "Italian meeting minutes",
            r"""
Verbale riunione IT - {{dmy}}
Presenti: {{f_it}}, {{f_it#2}}
- Migrazione Moodle: completata. Password DB nuova: {{$pwg}} (salvata anche in KeePass)
- Prossima riunione: lunedì
""",
        ),
        (
            "Czech handover note",
            r"""
Předávka služby {{dmy}}
- Záloha Synology běží, šifrovací heslo pro Hyper Backup: {{$phrase}}
- Tiskárna v recepci opět bez papíru
""",
        ),
        (
            "Hungarian meeting notes",
            r"""
Megbeszélés jegyzőkönyv – {{dmy}}
Résztvevők: {{f_hu}}, {{f_hu#2}}
- A webshop (WooCommerce) admin jelszava ideiglenesen: {{$pwh}}
- Teendő: kétlépcsős azonosítás bekapcsolása
""",
        ),
        (
            "Finnish handover",
            r"""
Vuoronvaihto {{dmy}}
- Home Assistantin varmuuskopion salausavain: {{$habackup}}
- Lämpöpumppu hälyttää välillä, seurataan
""",
        ),
        (
            "Romanian meeting notes",
            r"""
Minuta ședinței {{dmy}}
- Contul de administrare UniFi: admin / {{$pwl}}
- {{f_ro}} verifică licențele până vineri
""",
        ),
        (
            "Russian handover",
            r"""
Передача смены {{dmy}}
1. Перезапустили сервер телефонии {{host}}
2. Новый пароль AMI для CRM: {{$pwg}}
3. Вопросов нет
""",
        ),
        (
            "English meeting minutes with action items",
            r"""
Ops sync {{date}}
Attendees: {{full}}, {{full#2}}
- Vaultwarden admin token rotated, new one: {{$an48}}
- AI: {{first}} to enforce SSO on the admin panel by next sprint
""",
        ),
        (
            "Japanese handover",
            r"""
引き継ぎメモ {{ymdj}}
・予約サイト管理画面 ID: {{user}} / PW: {{$pwh}}
・夜間監査は通常通り
""",
        ),
        (
            "Chinese meeting notes",
            r"""
会议纪要 {{date}}
参会：{{f_cn}}、{{f_cn#2}}
1. 新门店 POS 管理员密码：{{$pwup}}
2. 下周完成会员系统迁移
""",
        ),
        (
            "Korean handover",
            r"""
인수인계 {{date}}
- Pi-hole 관리자 비밀번호 변경됨: {{$pwlow}}
- 공유기 펌웨어 업데이트 예정
""",
        ),
        (
            "Polish handover note",
            r"""
Przekazanie zmiany {{dmy}}
- Dostęp do Proxmoxa: root, hasło {{$pwh}}
- Backup na NAS skończył się poprawnie
""",
        ),
    ],
)

_fam(
    "wiki_pages",
    [
        (
            "Confluence wiki markup table",
            r"""
h2. Service accounts - {{hotel}}
||System||Account||Password||Owner||
|Opera IFC|IFC_{{up4}}|{{$pwup}}|{{first}}|
|Key encoder|encoder|{{$pws}}|{{first#2}}|
""",
        ),
        (
            "Confluence storage format",
            r"""
<ac:structured-macro ac:name="info"><ac:rich-text-body><p>Nextcloud admin login</p></ac:rich-text-body></ac:structured-macro>
<table><tbody>
<tr><th>User</th><th>Password</th></tr>
<tr><td>ncadmin</td><td>{{$pwh}}</td></tr>
</tbody></table>
""",
        ),
        (
            "MediaWiki table",
            r"""
== Zugänge Kassensystem ==
{| class="wikitable"
! Filiale !! Benutzer !! Kennwort
|-
| {{city}} || kasse01 || {{$pwl}}
|-
| {{city#2}} || kasse02 || {{$pwl#2}}
|}
""",
        ),
        (
            "DokuWiki table",
            r"""
====== Home-lab passwords ======
^ Service ^ URL ^ User ^ Password ^
| Proxmox | https://{{ip}}:8006 | root | {{$pwlow}} |
| TrueNAS | https://{{ip#2}} | admin | {{$pwh}} |
""",
        ),
        (
            "Markdown wiki page",
            r"""
## Pi-hole
- URL: http://{{ip}}/admin
- Password: `{{$pw}}`
- Upstream: unbound on port 5335
""",
        ),
        (
            "Notion export with callout",
            r"""
# Front office onboarding
> 💡 Wi-Fi for staff: **{{word}}-staff** / **{{$pwlow}}**
1. Ask IT for an Opera user
2. Read the check-in SOP
""",
        ),
        (
            "Confluence code block with config",
            r"""
h3. Magento deploy
{code:language=bash}
bin/magento setup:install --db-password='{{$pwg}}' --admin-password='{{$pwl}}'
{code}
""",
        ),
        (
            "Czech MediaWiki page",
            r"""
== Přístupy ==
* Moodle správce: <code>admin</code> / <code>{{$pwh}}</code>
* Koha: viz [[Knihovna/Koha]]
""",
        ),
        (
            "Japanese wiki page in Markdown",
            r"""
## ルーター管理画面
| 項目 | 値 |
|---|---|
| URL | https://{{ip}} |
| ユーザー | admin |
| パスワード | {{$pws}} |
""",
        ),
        (
            "Ukrainian wiki page",
            r"""
== Доступи до IP-телефонії ==
* Адмінка АТС: https://{{ip}}:5001
* Логін: admin
* Пароль: {{$pwg}}
""",
        ),
        (
            "Korean Confluence table",
            r"""
||시스템||계정||비밀번호||
|예약 엔진|{{user}}|{{$pwh}}|
|채널 매니저|{{user#2}}|{{$pwl}}|
""",
        ),
        (
            "Finnish wiki page",
            r"""
= Kirjaston järjestelmät =
* Koha-ylläpito: {{user}}
* Salasana: {{$pwh}}
* EZproxy: ks. erillinen sivu
""",
        ),
    ],
)

_fam(
    "spreadsheet_paste",
    [
        (
            "CSV of hotel accounts",
            r"""
system,login,password,notes
Opera,{{user}},{{$pwh}},front office
Protel,{{user#2}},{{$pws}},backup PMS
""",
        ),
        (
            "TSV pasted from Excel with Czech headers",
            r"""
Systém	Uživatel	Heslo	Poznámka
Bakaláři	{{user}}	{{$pwl}}	zástupce ředitele
Moodle	{{user#2}}	{{$pwlow}}	správce kurzů
""",
        ),
        (
            "fixed-width Hungarian list",
            r"""
Rendszer         Felhasználó     Jelszó
Számlázó         {{user}}        {{$pwh}}
Webshop          {{user#2}}      {{$pw}}
""",
        ),
        (
            "Markdown table with Finnish headers",
            r"""
| Palvelu | Tunnus | Salasana |
|---|---|---|
| Wilma | {{user}} | {{$pwl}} |
| Koha | {{user#2}} | {{$pws}} |
""",
        ),
        (
            "CSV with Romanian headers",
            r"""
Sistem;Utilizator;Parolă
SIIIR;{{user}};{{$pwh}}
Moodle;{{user#2}};{{$pwup}}
""",
        ),
        (
            "Russian table pasted into chat",
            r"""
Система | Логин | Пароль
1С Бухгалтерия | {{user}} | {{$pwh}}
Касса | kassa1 | {{$pin6}}
""",
        ),
        (
            "Japanese spreadsheet paste",
            r"""
システム	ID	パスワード	備考
予約エンジン	{{user}}	{{$pwl}}	本番
チャネルマネージャー	{{user#2}}	{{$pws}}	本番
""",
        ),
        (
            "Chinese spreadsheet paste",
            r"""
系统	账号	密码
会员系统	{{user}}	{{$pwh}}
收银后台	admin	{{$pwup}}
""",
        ),
        (
            "Arabic table",
            r"""
النظام | المستخدم | كلمة المرور
نظام الفندق | {{user}} | {{$pwh}}
الواي فاي | guest | {{$pwlow}}
""",
        ),
        (
            "Thai spreadsheet paste",
            r"""
ระบบ,ชื่อผู้ใช้,รหัสผ่าน
POS สาขา 1,{{user}},{{$pws}}
Wi-Fi พนักงาน,staff,{{$pwl}}
""",
        ),
        (
            "Korean CSV export",
            r"""
시스템,아이디,비밀번호,PIN
도어락 관리,{{user}},{{$pwh}},{{$pin6}}
""",
        ),
        (
            "loyalty kiosk PIN sheet",
            r"""
Kiosk	Location	Admin PIN
K-{{num2}}	Lobby	{{$pin6}}
K-{{num2#2}}	Spa	{{$pin6#2}}
""",
        ),
    ],
)


# ===========================================================================
# keep list: diagnostic tokens that must survive sanitization
# ===========================================================================
_GEN.update(
    {
        "tkt": lambda r, st: "220-" + _rs(r, "0123456789", 10),
        "pi": lambda r, st: "pi_3" + _rs(r, _AL, 23),
        "chg": lambda r, st: "ch_3" + _rs(r, _AL, 23),
        "psp": lambda r, st: str(r.randint(1, 9)) + _rs(r, "0123456789", 15),
        "barcode": lambda r, st: "3" + _rs(r, "0123456789", 13),
        "ncreq": lambda r, st: _rs(r, _AL, 20),
        "wdserial": lambda r, st: "WD-WX" + _rs(r, _UP, 9),
        "flowrun": lambda r, st: (
            "0858" + _rs(r, "0123456789", 22) + "CU" + "%02d" % r.randint(0, 40)
        ),
        "n8nwf": lambda r, st: _rs(r, _AL, 16),
        "vmid": lambda r, st: str(r.randint(100, 999)),
        "haid": lambda r, st: "17" + _rs(r, "0123456789", 11),
        "callsid": lambda r, st: "CA" + _rs(r, _HX, 32),
        "dsid": lambda r, st: "DSID-0C09" + _rs(r, _HXU, 4),
        "amzn": lambda r, st: "1-%s-%s" % (_rs(r, _HX, 8), _rs(r, _HX, 24)),
        "resno": lambda r, st: "RES" + _rs(r, "0123456789", 8),
        "synoserial": lambda r, st: (
            str(r.randint(20, 24)) + "%02d" % r.randint(10, 60) + "PDN" + _rs(r, "0123456789", 6)
        ),
        "pveupid": lambda r, st: "%08X" % r.getrandbits(32),
        "jobid": lambda r, st: str(r.randint(100000, 9999999)),
        "execid": lambda r, st: str(r.randint(1000, 99999)),
        "plexver": lambda r, st: (
            "1.4%d.%d.%d-%s"
            % (r.randint(0, 2), r.randint(0, 9), r.randint(8000, 9999), _rs(r, _HX, 9))
        ),
        "ncver": lambda r, st: (
            "%d.0.%d.%d" % (r.randint(28, 31), r.randint(0, 12), r.randint(0, 3))
        ),
        "haver": lambda r, st: "2026.%d.%d" % (r.randint(1, 12), r.randint(0, 4)),
        "fwver": lambda r, st: (
            "%d.%d.%d.%d"
            % (r.randint(6, 7), r.randint(0, 9), r.randint(10, 99), r.randint(10000, 16999))
        ),
        "recsite": lambda r, st: "6L" + _rs(r, _B64U, 38),
        "b64wg": lambda r, st: _b64(r, 32),
        "gtin": lambda r, st: "40" + _rs(r, "0123456789", 11),
        "imei": lambda r, st: "35" + _rs(r, "0123456789", 13),
        "rpareq": lambda r, st: str(r.randint(10000000, 99999999)),
        "duffelord": lambda r, st: "ord_" + _rs(r, _AL, 22),
        "vzfile": lambda r, st: (
            "vzdump-qemu-%d-2026_%02d_%02d-01_00_02.vma.zst"
            % (r.randint(100, 999), r.randint(1, 12), r.randint(1, 28))
        ),
        "iuv": lambda r, st: "0" + _rs(r, "0123456789", 16),
        "ulid": lambda r, st: "01J" + _rs(r, "0123456789ABCDEFGHJKMNPQRSTVWXYZ", 23),
    }
)
for _n in range(2, 41):
    _GEN.setdefault("an%d" % _n, _fill_chars(_AL, _n))
_GEN["num1"] = lambda r, st: str(r.randint(1, 9))

_KEEP_T: list[tuple[str, str]] = [
    # ---- hospitality / travel / retail
    (
        "PMS interface posting error",
        r"""
{{ts}} [IFC8] Posting charge for reservation {{!conf}} room {{room}} failed: error code IFC-2041 (outlet not mapped)
""",
    ),
    (
        "OXI message rejected, token expired",
        r"""
{{tsc}} WARN  OXI message {{!num8}} rejected: token expired for resort GH{{num3}}, retry in {{msdur}}
""",
    ),
    (
        "PNR ticketing confirmation",
        r"""
PNR {{!pnr}} TICKETED - ETKT {{!tkt}} - {{ddmon}} {{hmc}}Z
""",
    ),
    (
        "Sabre web services fault",
        r"""
<faultcode>soap-env:Client.InvalidSecurityToken</faultcode><faultstring>{{=ERR.SWS.CLIENT.INVALID_SECURITY_TOKEN}}</faultstring> conversation {{uuid}}
""",
    ),
    (
        "channel manager reservation import",
        r"""
{{tsz}} INFO reservation import reservation_id={{!num10}} status=new source=booking.com auth=ok
""",
    ),
    (
        "rate push batch summary",
        r"""
{{tsz}} INFO Rate push batch {{!uuid}} completed: 1344 rows in {{msdur}} (api key name: rates-writer)
""",
    ),
    (
        "loyalty job metric",
        r"""
{{tsz}} INFO tier-recalc job {{uuid}} done; metric {{=loyalty_points_accrued_total}} +{{num4}}
""",
    ),
    (
        "Stripe webhook processed",
        r"""
{{ts}} INFO stripe webhook payment_intent.succeeded id={{!pi}} amount=12900 currency=eur signing secret verified
""",
    ),
    (
        "Stripe charge refund",
        r"""
{{ts}} INFO refund created for charge {{!chg}} (order {{order}}) reason=requested_by_customer
""",
    ),
    (
        "Adyen notification",
        r"""
Adyen notification AUTHORISATION pspReference={{!psp}} merchantReference=ORD-{{order}} success=true (HMAC signature valid)
""",
    ),
    (
        "POS transaction receipt",
        r"""
TID {{num8}}  Transaction {{!txn}}  AUTH CODE {{num6}}  APPROVED  {{dmy}} {{hm}}
""",
    ),
    (
        "Magento duplicate entry",
        r"""
[{{ts}}] main.CRITICAL: SQLSTATE[23000]: Integrity constraint violation: 1062 Duplicate entry '{{num5}}' for key 'SALES_ORDER_INCREMENT_ID_STORE_ID' {"exception":"[object] (Zend_Db_Statement_Exception(code: 23000)"} [] order {{!order}}
""",
    ),
    (
        "Magento cron error",
        r"""
[{{ts}}] main.ERROR: Cron Job {{=indexer_reindex_all_invalid}} has an error: Lock wait timeout exceeded. Statistics: {"sum":0,"count":1,"realmem":"0 B"} [] []
""",
    ),
    (
        "Magento encrypted config path",
        r"""
[{{ts}}] main.INFO: Config path {{=payment/braintree/private_key}} re-encrypted with key version 2 [] []
""",
    ),
    (
        "Shopify webhook HMAC mismatch",
        r"""
{{tsz}} WARN webhook HMAC mismatch topic=orders/create X-Shopify-Webhook-Id={{!uuid}} X-Request-Id={{uuid#2}}
""",
    ),
    (
        "Shopify API deprecation",
        r"""
{{tsz}} WARN X-Shopify-API-Deprecated-Reason for access token call: API version {{=2024-04}} is unsupported, falling back to 2025-01
""",
    ),
    (
        "WooCommerce order note",
        r"""
Order #{{!order}} status changed from Pending payment to Processing. Transaction ID: {{txn}}
""",
    ),
    (
        "WooCommerce REST error",
        r"""
{"code":"{{=woocommerce_rest_authentication_error}}","message":"Invalid signature - provided signature does not match.","data":{"status":401}}
""",
    ),
    (
        "PrestaShop webservice error",
        r"""
<error><code><![CDATA[PS_ERROR_22]]></code><message><![CDATA[Authentication key is empty]]></message></error> request {{!reqid}}
""",
    ),
    (
        "travel API search correlation",
        r"""
{{tsz}} INFO search-api correlationId={{!uuid}} offers=38 latency={{msdur}} token refreshed
""",
    ),
    (
        "Duffel order created",
        r"""
{{tsz}} INFO duffel order {{!duffelord}} booking_reference={{pnr}} total_amount=412.80 EUR
""",
    ),
    (
        "hotel booking confirmation log",
        r"""
{{ts}} booking-engine: reservation {{!resno}} confirmed, guest token issued, channel=direct
""",
    ),
    (
        "CRS error with booking reference",
        r"""
{{ts}} ERROR CRS returned ERR_ROOM_TYPE_CLOSED for booking {{!booking}} (password policy not involved)
""",
    ),
    (
        "loyalty member lookup",
        r"""
{{ts}} LoyaltyAPI GET /members/{{!num10}} 200 {{msdur}} key name=partner-read
""",
    ),
    (
        "gift card redemption",
        r"""
{{ts}} giftcard redeemed batch GC-2026-Q2 card_ref {{!num12}} amount 25.00 EUR
""",
    ),
    (
        "airline DCS bag tag",
        r"""
BAG TAG {{!num10}} {{pnr}} LH1872 FRA ACCEPTED  {{hm}}
""",
    ),
    # ---- education / public sector
    (
        "Moodle salt warning",
        r"""
Warning: {{=passwordsaltmain}} is not set in config.php; legacy password hashes will be used (MDL-66843)
""",
    ),
    (
        "Moodle web service invalid token",
        r"""
{"exception":"moodle_exception","errorcode":"{{=invalidtoken}}","message":"Invalid token - token not found"} wsfunction=core_course_get_courses
""",
    ),
    (
        "Moodle scheduled task",
        r"""
Execute scheduled task: Send new user passwords ({{=\core\task\send_new_user_passwords_task}})
... used 3 dbqueries, took {{sdur}}
""",
    ),
    (
        "Moodle version banner",
        r"""
Moodle {{=4.5.2+}} (Build: {{build}}) upgrade completed, cache purged
""",
    ),
    (
        "Koha SIP checkout",
        r"""
{{ts}} SIP2 checkout OK item {{!barcode}} due {{date}} (login terminal selfcheck02, auth ok)
""",
    ),
    (
        "Alma API error",
        r"""
{"errorsExist":true,"errorList":{"error":[{"errorCode":"401652","errorMessage":"General Error - An error has occurred while processing the request.","trackingId":"{{!an20}}"}]}}
""",
    ),
    (
        "Notify delivery status",
        r"""
{{tsz}} notify callback notification_id={{!uuid}} status=delivered template_version=7 (api key type: team)
""",
    ),
    (
        "X-Road access denied",
        r"""
{{tsz}} ERROR X-Road fault {{=Server.ServerProxy.AccessDenied}} request id {{uuid}}
""",
    ),
    (
        "PagoPA payment notice",
        r"""
{{tsz}} INFO pagoPA IUV {{!iuv}} paid, receipt id {{uuid}}
""",
    ),
    (
        "SIS sync summary",
        r"""
{{ts}} OneRoster sync job {{!jobid}} finished: 1842 users, 96 classes, 0 errors (token refresh ok)
""",
    ),
    (
        "LDAP bind error from AD",
        r"""
LDAP bind failed: 80090308: LdapErr: {{!dsid}}, comment: AcceptSecurityContext error, data 52e, v4563 ({{=80090308}})
""",
    ),
    (
        "e-invoicing upload index",
        r"""
{{tsz}} INFO e-Factura upload index_incarcare={{!num10}} stare=ok (token OAuth valid)
""",
    ),
    # ---- home lab
    (
        "HA secret reference",
        r"""
      password: !secret {{=mqtt_password}}
""",
    ),
    (
        "HA entity state change",
        r"""
{{tsd}} INFO (MainThread) [homeassistant.components.automation.alarm_arm_night] Triggered by state of {{=binary_sensor.front_door_contact}}
""",
    ),
    (
        "HA template warning",
        r"""
{{tsd}} WARNING (MainThread) [homeassistant.helpers.template] Template variable warning: 'dict object' has no attribute 'token' when rendering for {{=sensor.octopus_api_token_status}}
""",
    ),
    (
        "HA setup timing",
        r"""
{{tsd}} WARNING (MainThread) [homeassistant.setup] Setup of domain mqtt took {{sdur}}; Home Assistant {{!haver}}
""",
    ),
    (
        "HA automation id",
        r"""
- id: '{{!haid}}'
  alias: Night lights off
""",
    ),
    (
        "HA listen port",
        r"""
{{tsd}} INFO (MainThread) [homeassistant.components.http] Now listening on port {{=8123}} (auth providers: homeassistant, trusted_networks)
""",
    ),
    (
        "Nextcloud log reqId",
        r"""
{"reqId":"{{!ncreq}}","level":2,"time":"{{tsz}}","app":"core","method":"POST","url":"/login","message":"Login failed: (Remote IP: {{ip}})","version":"{{ncver}}"}
""",
    ),
    (
        "Nextcloud integrity check",
        r"""
Technical information: - core - INVALID_HASH - core/js/mimetypelist.js (hash mismatch, expected {{!sha256}})
""",
    ),
    (
        "Nextcloud config key listing",
        r"""
$ occ config:list system --private | grep -c '"{{=passwordsalt}}"'
""",
    ),
    (
        "Pi-hole config key",
        r"""
  [i] Setting {{=webserver.api.pwhash}} changed, restarting FTL (pid {{pid}})
""",
    ),
    (
        "Pi-hole version",
        r"""
Core version is v6.0.4 (Latest: v6.0.4)  FTL version is {{=v6.0.2}}  gravity: 145212 domains
""",
    ),
    (
        "Proxmox backup archive",
        r"""
INFO: creating vzdump archive '/mnt/pve/backup-nas/dump/{{!vzfile}}'
""",
    ),
    (
        "Proxmox task id",
        r"""
TASK OK  task {{!pveupid}} vzdump finished in {{sdur}} (auth: API token)
""",
    ),
    (
        "pveproxy PID",
        r"""
{{sys}} {{hhost}} pveproxy[{{!pid}}]: proxy detected vanished client connection
""",
    ),
    (
        "TrueNAS disk alert",
        r"""
Alert: Device /dev/sdc serial {{!wdserial}} is causing slow I/O on pool tank (SMART test id {{num4}})
""",
    ),
    (
        "UniFi device inform",
        r"""
{{ts}} <inform-{{num2}}> INFO  inform - [{{mac}}] USW-Pro-24-PoE firmware {{!fwver}} authkey ok
""",
    ),
    (
        "Synology model and serial",
        r"""
Model: DS920+  Serial: {{!synoserial}}  DSM 7.2.2-72806 Update 3
""",
    ),
    (
        "Plex server version",
        r"""
{{tsd}} INFO - Plex Media Server v{{!plexver}} - token auth enabled
""",
    ),
    (
        "Sonarr import",
        r"""
[Info] ImportApprovedEpisodes: Import of episode file {{!md5}}.mkv complete, hash verified
""",
    ),
    (
        "Vaultwarden identity error",
        r"""
[{{ts}}][{{=vaultwarden::api::identity}}][ERROR] Username or password is incorrect. Try again.
""",
    ),
    (
        "Vaultwarden image digest",
        r"""
docker pull vaultwarden/server:1.32.7 -> Digest: {{!digest}}
""",
    ),
    (
        "Mosquitto topic",
        r"""
{{epoch}}: Received PUBLISH from zigbee2mqtt (d0, q0, r1, m0, '{{=zigbee2mqtt/bridge/state}}', ... (20 bytes))
""",
    ),
    (
        "ESPHome version",
        r"""
[{{hms}}][I][app:100]: ESPHome version {{=2024.12.4}} compiled on {{date}} (api encryption key set)
""",
    ),
    (
        "OMV package version",
        r"""
Setting up openmediavault ({{=7.4.17-1}}) ... salt state run {{uuid}}
""",
    ),
    (
        "Jellyfin session id",
        r"""
[{{hms}}] [INF] Playback started PlaySessionId={{!hex32}} device=Android TV (auth ok)
""",
    ),
    # ---- automation / office
    (
        "UiPath job faulted",
        r"""
{{tsz}} Error Job {{!uuid}} faulted: System.Exception: Queue item {{jobid}} failed (credential asset retrieved)
""",
    ),
    (
        "Blue Prism session",
        r"""
{{ts}} Session {{!uuid}} on {{host}} terminated: Exception: Login Failed (password expired) stage id {{uuid#2}}
""",
    ),
    (
        "Power Automate flow run",
        r"""
Flow run {{!flowrun}} failed: Action 'HTTP' returned 401 Unauthorized (connection token expired)
""",
    ),
    (
        "n8n execution error",
        r"""
{{tsz}} | error | Execution {{execid}} of workflow {{!n8nwf}} failed: 401 - "Unauthorized" (credential token invalid)
""",
    ),
    (
        "Node-RED node id",
        r"""
{{dmy}} {{hms}} - [error] [http request:{{!hex16}}] RequestError: connect ECONNREFUSED (basic auth)
""",
    ),
    (
        "Zapier task history",
        r"""
Zap run {{!ulid}} stopped: webhook returned HTTP 410 Gone (auth: none)
""",
    ),
    (
        "VBA runtime error",
        r"""
Run-time error '{{=-2147217843}} (80040e4d)': [Microsoft][ODBC Driver 17 for SQL Server][SQL Server]Login failed for user 'excel_ro'.
""",
    ),
    (
        "ODBC login failure code",
        r"""
[Microsoft][ODBC Driver 18 for SQL Server][SQL Server]Login failed for user 'acc_report'. (18456) SQLState {{=28000}} native error {{=18456}}
""",
    ),
    (
        "ODBC DSN not found",
        r"""
[Microsoft][ODBC Driver Manager] Data source name not found and no default driver specified (SQLSTATE {{=IM002}})
""",
    ),
    (
        "Power Query errors",
        r"""
{{=DataSource.Error}}: Web.Contents failed to get contents from 'https://api.{{domain}}/v1/bookings' (401): Unauthorized
""",
    ),
    (
        "Power Query key error",
        r"""
{{=Expression.Error}}: The key didn't match any rows in the table. Details: Key=[Name="Bookings"]
""",
    ),
    (
        "Azure AD invalid client secret",
        r"""
{{=AADSTS7000215}}: Invalid client secret provided. Trace ID: {{uuid}} Correlation ID: {{uuid#2}}
""",
    ),
    (
        "Asterisk auth failure",
        r"""
[{{ts}}] NOTICE[{{pid}}] res_pjsip/pjsip_distributor.c: Request 'REGISTER' from '<sip:{{num4}}@pbx>' failed - Failed to authenticate (callid {{!uuid}})
""",
    ),
    (
        "Twilio call SID",
        r"""
{{tsz}} INFO ivr call completed CallSid={{!callsid}} duration=184s (auth token ok)
""",
    ),
    (
        "Genesys conversation id",
        r"""
{{tsz}} INFO conversation {{!uuid}} routed to queue Billing, wrapup code WRAP-117
""",
    ),
    (
        "IVR DTMF error code",
        r"""
{{tsc}} WARN ivr.flow.AccountAuth step=collect_pin result={{=PIN_MAX_RETRIES}} call {{uuid}}
""",
    ),
    # ---- PHP apps
    (
        "WordPress salt constant notice",
        r"""
PHP Notice:  Constant {{=AUTH_SALT}} already defined in /var/www/html/wp-config.php on line 58
""",
    ),
    (
        "WordPress database error",
        r"""
WordPress database error Table '{{=wp_usermeta}}' is marked as crashed and should be repaired for query SELECT user_id, meta_key, meta_value
""",
    ),
    (
        "PHP error type",
        r"""
[{{tsa}}] PHP {{=E_DEPRECATED}}: Creation of dynamic property WC_Gateway::$secret_key is deprecated in class-wc-gateway.php on line 31
""",
    ),
    (
        "Laravel connection refused",
        r"""
[{{ts}}] production.ERROR: {{=SQLSTATE[HY000]}} [2002] Connection refused (Connection: mysql, SQL: select * from `sessions`)
""",
    ),
    (
        "Symfony env var not found",
        r"""
Environment variable not found: "{{=APP_SECRET}}". in vendor/symfony/dependency-injection/EnvVarProcessor.php:176
""",
    ),
    (
        "phpMyAdmin blowfish notice",
        r"""
The configuration file now needs a secret passphrase ({{=blowfish_secret}}).
""",
    ),
    (
        "MySQL access denied",
        r"""
ERROR {{=1045}} (28000): Access denied for user 'pma'@'localhost' (using password: YES)
""",
    ),
    (
        "Postgres auth failure",
        r"""
{{tsd}} UTC [{{pid}}] FATAL:  password authentication failed for user "nextcloud" (SQLSTATE {{=28P01}})
""",
    ),
    (
        "Oracle logon denied",
        r"""
{{=ORA-01017}}: invalid username/password; logon denied
""",
    ),
    (
        "Oracle account locked",
        r"""
{{=ORA-28000}}: The account is locked. (user OXI_{{num3}}, profile PMS_SVC)
""",
    ),
    (
        "Windows failed logon event",
        r"""
Event ID {{=4625}} An account failed to log on. Status: {{=0xC000006D}} Sub Status: 0xC000006A Logon Type: 10
""",
    ),
    # ---- deployments and artefacts
    (
        "deploy log with commit",
        r"""
{{tsz}} deploy: {{domain}} updated to {{!sha40}} (magento {{=2.4.7-p3}}), static content key rotated
""",
    ),
    (
        "short commit in release notes",
        r"""
Release {{ver}} ({{!sha7}}) - fix token refresh in channel sync
""",
    ),
    (
        "container image digest",
        r"""
Status: Downloaded newer image for nextcloud@{{!digest}}
""",
    ),
    (
        "file checksum line",
        r"""
SHA256 (opera-ifc-installer-{{ver}}.zip) = {{!sha256}}
""",
    ),
    (
        "md5sum of backup",
        r"""
{{!md5}}  /volume1/backup/pms_db_{{date}}.bak
""",
    ),
    (
        "build number in banner",
        r"""
RPA Launcher build {{!build}} started, secret store: Windows Credential Manager
""",
    ),
    (
        "traceparent header",
        r"""
traceparent: 00-{{!trace32}}-{{!span16}}-01
""",
    ),
    (
        "AWS-style trace id",
        r"""
X-Amzn-Trace-Id: Root={{!amzn}};Sampled=1
""",
    ),
    (
        "request id in JSON error",
        r"""
{"error":{"type":"invalid_request_error","message":"No such token","request_id":"{{!reqid}}"}}
""",
    ),
    (
        "Sentry event id",
        r"""
Sentry event {{!hex32}} captured: TokenExpiredError in booking-sync
""",
    ),
    (
        "Prometheus metrics",
        r"""
# HELP {{=pihole_domains_being_blocked}} Number of domains on the blocklist
pihole_domains_being_blocked {{num6}}
""",
    ),
    (
        "Prometheus auth failure counter",
        r"""
{{=http_server_requests_seconds_count}}{method="POST",status="401",uri="/api/auth/token"} {{num3}}
""",
    ),
    (
        "queue name",
        r"""
{{tsz}} WARN consumer lag on queue {{=pms.reservations.changed}} = 4312 messages (auth ok)
""",
    ),
    (
        "Kafka topic",
        r"""
{{tsz}} INFO Subscribed to topic(s): {{=orders.created.v2}}, {{=loyalty.points.adjusted}}
""",
    ),
    (
        "config key names",
        r"""
Missing required setting {{=DB_PASSWORD}} in .env (see .env.example)
""",
    ),
    (
        "password policy setting",
        r"""
{{=PASSWORD_MIN_LENGTH}}=12  # password policy: min length 12, require digit
""",
    ),
    (
        "token expiry log",
        r"""
{{tsz}} INFO OAuth token expired (expires_in=3600); refreshing for request {{!uuid}}
""",
    ),
    (
        "key rotation log",
        r"""
{{tsz}} INFO key rotation: new signing key id {{!uuid}} active, previous key id {{uuid#2}} retired
""",
    ),
    (
        "session expired",
        r"""
{{tsz}} WARN idle session closed after {{sdur}} (trace {{!trace32}}), auth cookie cleared
""",
    ),
    (
        "port and PID",
        r"""
{{ts}} n8n ready on port {{=5678}} (pid {{pid}}), encryption key loaded from settings file
""",
    ),
    (
        "durations",
        r"""
{{tsz}} INFO nightly audit finished in {{!sdur}} (posting {{msdur}})
""",
    ),
    (
        "HTTP status in access log",
        r"""
{{ip}} - - [{{tsa}}] "POST /wp-login.php HTTP/1.1" 401 512 "-" "Mozilla/5.0" rt={{msdur}} req_id={{!hex32}}
""",
    ),
    (
        "device serial and model",
        r"""
Device: UniFi U6-LR serial {{!serial}} adopted, SSH auth key accepted
""",
    ),
    (
        "IMEI of IVR GSM gateway",
        r"""
GSM gateway port 2 IMEI {{!imei}} registered (PIN check disabled)
""",
    ),
    (
        "product GTIN",
        r"""
Stock sync: GTIN {{!gtin}} qty 14 -> 9 (api key scope: inventory)
""",
    ),
    (
        "Home Assistant entity list",
        r"""
{{=sensor.living_room_temperature}}: 21.4 °C  {{=switch.garage_door_relay}}: off
""",
    ),
    (
        "UiPath queue name",
        r"""
{{tsz}} Info Add Queue Item to {{=Invoices_To_Post}} reference {{rpareq}}
""",
    ),
    (
        "Blue Prism error code",
        r"""
Internal : Failed to perform step 1 in Navigate Stage 'Login' on page 'Launch' - {{=BP-ERR-1153}}
""",
    ),
    (
        "Asterisk queue metrics",
        r"""
{{=QUEUE_SUMMARY}} Billing: calls=12 holdtime=41 talktime=188 abandoned=2 (agents logged in: 5)
""",
    ),
    (
        "phpMyAdmin version",
        r"""
phpMyAdmin {{=5.2.1}} running on PHP 8.3 — auth_type cookie, blowfish secret length ok
""",
    ),
    (
        "Moodle plugin version",
        r"""
mod_bigbluebuttonbn version {{!build}} requires shared secret to be set
""",
    ),
    (
        "Laravel queue job",
        r"""
[{{ts}}] Processing: App\Jobs\SyncRates ({{uuid}}) [queue: {{=rates-high}}]
""",
    ),
    (
        "Shopify order name",
        r"""
Order #{{!num5}} fulfilled, tracking {{num12}} (access token scope ok)
""",
    ),
    (
        "Channel manager error code",
        r"""
<Errors><Error Type="6" Code="497" ShortText="{{=ERR_AUTH_CRED}}">Authorization error</Error></Errors> EchoToken {{uuid}}
""",
    ),
    (
        "GDS EDIFACT error",
        r"""
{{tsz}} ERROR Amadeus reply errorCode={{=1931}} category=EC (session token ended), transaction {{uuid}}
""",
    ),
    (
        "Synology Hyper Backup task id",
        r"""
[{{ts}}] Hyper Backup task [{{=Offsite-C2}}] completed, version id {{num6}}, encryption enabled
""",
    ),
    (
        "Node-RED flow id",
        r"""
Flow {{!hex16}} deployed (credentials encrypted with credentialSecret)
""",
    ),
    (
        "Proxmox API token id",
        r"""
Role {{=PVEDatastoreAdmin}} assigned on path /storage/backup-nas to API token (privsep=1)
""",
    ),
    (
        "TrueNAS middleware job",
        r"""
[{{tsc}}] (INFO) middlewared.job: Job {{!execid}} cloudsync.sync SUCCESS in {{sdur}}
""",
    ),
    (
        "ISDS message id",
        r"""
{{tsz}} INFO ISDS zpráva dmID={{!num9}} doručena (login ok)
""",
    ),
    (
        "Japanese booking confirmation",
        r"""
予約番号 {{!resno}} の確認メールを送信しました（認証トークン更新済み）
""",
    ),
    (
        "Korean order log",
        r"""
{{ts}} 주문번호 {{!order}} 결제 완료, 거래 ID {{txn}}
""",
    ),
    (
        "Chinese error code",
        r"""
{{ts}} 会员系统错误码 {{=E_MEMBER_4031}}：令牌已过期，请求 ID {{uuid}}
""",
    ),
    (
        "Russian 1C error",
        r"""
{{ts}} Ошибка {{=HTTP-0401}}: неверный токен, идентификатор запроса {{uuid}}
""",
    ),
    (
        "Ukrainian log",
        r"""
{{ts}} Замовлення {{!order}} синхронізовано за {{msdur}} (ключ API дійсний)
""",
    ),
    (
        "Thai POS log",
        r"""
{{ts}} ใบเสร็จเลขที่ {{num10}} ชำระเงินสำเร็จ รหัสธุรกรรม {{!txn}}
""",
    ),
    (
        "Arabic hotel log",
        r"""
{{ts}} تم تأكيد الحجز رقم {{!conf}} للغرفة {{room}}
""",
    ),
    (
        "Italian POS log",
        r"""
{{ts}} Scontrino n. {{num6}} emesso, codice errore stampante {{=RT-E055}} (token fiscale valido)
""",
    ),
    (
        "Hungarian invoice log",
        r"""
{{ts}} NAV Online Számla tranzakció {{!an16}} elfogadva, válaszidő {{msdur}}
""",
    ),
    (
        "Finnish library log",
        r"""
{{ts}} Laina kirjattu: nide {{!barcode}}, eräpäivä {{dmy}} (SIP-kirjautuminen ok)
""",
    ),
    (
        "Romanian SIIIR export",
        r"""
{{ts}} Export SIIIR lot {{!jobid}} finalizat in {{sdur}}
""",
    ),
    (
        "Czech Moodle log",
        r"""
{{ts}} Úloha {{=\tool_task\task\run_adhoc_task}} dokončena za {{sdur}}
""",
    ),
    (
        "HA automation trace",
        r"""
Trace run_id {{hex32}} for {{=automation.night_lights_off}} finished (token refresh not needed)
""",
    ),
    (
        "n8n webhook path registered",
        r"""
{{tsz}} | info | Registered production webhook for workflow {{!n8nwf}} at path /webhook-test/new-booking-slack
""",
    ),
    (
        "OpenMediaVault RPC error",
        r"""
Error #0: {{=OMV\Rpc\Exception}}: Invalid RPC response. Please check the syslog for more information. (request {{uuid}})
""",
    ),
    (
        "IVR prompt file checksum",
        r"""
prompt main_menu_it.wav md5 {{!md5}} uploaded, key press timeout 5s
""",
    ),
    (
        "license and build of PMS",
        r"""
Opera PMS {{=5.6.19.2}} build {{build}} — password encryption: SHA-256
""",
    ),
    (
        "Shopify theme version",
        r"""
Theme "Dawn" {{=15.2.0}} published (theme id {{num12}})
""",
    ),
    (
        "WooCommerce version",
        r"""
WooCommerce {{=9.5.1}} database update complete, action scheduler job {{jobid}}
""",
    ),
    (
        "Vaultwarden org id",
        r"""
[{{ts}}][vaultwarden::api::core::organizations][INFO] Organization {{!uuid}} policy updated: password min length 14
""",
    ),
]


# ===========================================================================
# public API
# ===========================================================================
def keep_list() -> list[Keep]:
    r = random.Random(SEED + 1)
    out = []
    for fmt, text in _KEEP_T:
        for _ in range(VARIANTS):
            lines, vals, keeps, _clean = _render(text, r)
            if vals:
                raise AssertionError("keep template plants a secret: %s" % fmt)
            out.append(Keep(fmt, tuple(lines), tuple(keeps)))
    return out


def cases() -> list[Case]:
    ktoks = sorted({t for k in keep_list() for t in k.tokens})
    r = random.Random(SEED)
    out = []
    for fam, templates in _FAMILIES:
        for fmt, text in templates:
            for _ in range(VARIANTS):
                for _attempt in range(200):
                    lines, vals, _k, clean = _render(text, r)
                    if clean and not any(t in v for v in vals for t in ktoks):
                        break
                else:
                    raise AssertionError("cannot avoid keep-token collision in %s" % fmt)
                out.append(Case(fam, fmt, tuple(lines), tuple(vals)))
    return out


def _check() -> dict[str, int]:
    a = cases()
    b = cases()
    assert a == b, "cases() not deterministic"
    ka = keep_list()
    assert ka == keep_list(), "keep_list() not deterministic"
    all_values = []
    for c in a:
        assert isinstance(c, Case)
        assert c.family and c.format
        assert 1 <= len(c.lines) <= 10, (c.format, len(c.lines))
        blob = "\n".join(c.lines)
        assert c.values, c.format
        assert "{{" not in blob or "{{ " in blob or "{{Template" in blob, (c.format, blob)
        for v in c.values:
            assert v and len(v) >= 4, (c.format, v)
            assert v in blob, (c.format, v)
        all_values.extend(c.values)
    joined = "\x00".join(all_values)
    for k in ka:
        assert isinstance(k, Keep)
        assert 1 <= len(k.lines) <= 10, k.format
        assert k.tokens, k.format
        blob = "\n".join(k.lines)
        for t in k.tokens:
            assert len(t) >= 4, (k.format, t)
            assert t in blob, (k.format, t)
            assert t not in joined, (k.format, t)
    n_templates = sum(len(t) for _, t in _FAMILIES)
    assert len(a) == n_templates * VARIANTS
    return {
        "families": len({c.family for c in a}),
        "case templates": n_templates,
        "cases": len(a),
        "planted values": sum(len(c.values) for c in a),
        "keep templates": len(_KEEP_T),
        "keep entries": len(ka),
        "keep tokens": sum(len(k.tokens) for k in ka),
    }


if __name__ == "__main__":
    print(_check())
