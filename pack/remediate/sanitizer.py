"""Replace sensitive values in text before it leaves the process (to an LLM, an index, a log).

IP addresses, e-mail addresses, inventory hosts and other host names become numbered pseudonyms
such as ``[HOST_1]``, consistent within one :class:`Sanitizer` (one incident) and mapped back by
:meth:`Sanitizer.restore`; credentials, tokens, API keys and private keys become
``[SECRET_TOKEN]`` and are never kept. Detection is ours (compiled regexes plus validation, no
NLP model); presidio-anonymizer applies the replacements.
"""

from __future__ import annotations

import bisect
import ipaddress
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import Final, TypeVar, overload

from presidio_anonymizer import AnonymizerEngine
from presidio_anonymizer.entities import OperatorConfig, RecognizerResult

from remediate.errors import InventoryError, UsageError

IP: Final = "IP_ADDRESS"
IPV6: Final = "IPV6_ADDRESS"
EMAIL: Final = "EMAIL"
HOST: Final = "HOST"
REDACTED_TYPE: Final = "SECRET_TOKEN"
REDACTED: Final = f"[{REDACTED_TYPE}]"
PSEUDONYM_TYPES: Final = (IP, IPV6, EMAIL, HOST)
DEFAULT_INTERNAL_DOMAINS: Final = ("internal", "local", "lan", "corp", "example.com")

# A real private key is a few kB; a block that is still open after this is cut and redacted.
PEM_MAX_LINES: Final = 256
PEM_MAX_CHARS: Final = 64 * 1024


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_LINE_BREAKS: Final = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")  # str.splitlines
_NO_HOSTS: Final[Mapping[str, Sequence[str]]] = MappingProxyType({})
_PSEUDONYM = re.compile(r"\[([A-Z][A-Z0-9_]*)_(\d+)\]")

# Two-letter codes that are also common file extensions (py, sh, md, pl, rs, so, in, tf, ...)
# and gTLDs that are common words in logs (name, host, zip) are left out on purpose.
_TLDS = _words(
    """com net org edu gov mil int info biz io co ai dev cloud tech online site xyz me tv
    asia mobi pro jobs travel arpa us eu uk de fr nl be ch at se dk fi no es it pt ie cz sk ru ua
    cn jp kr hk tw sg au nz ca br mx ar cl za il tr gr ro hu bg hr si lt lv ee lu is kz vn th ph
    """
)
_PUBLIC_DOC_HOSTS = _words(
    """docs.ansible.com ansible.com galaxy.ansible.com prometheus.io github.com docs.github.com
    raw.githubusercontent.com gitlab.com docs.gitlab.com kubernetes.io docs.docker.com docker.com
    hub.docker.com grafana.com nginx.org nginx.com httpd.apache.org apache.org docs.python.org
    python.org pypi.org readthedocs.io docs.openstack.org redis.io postgresql.org dev.mysql.com
    elastic.co stackoverflow.com en.wikipedia.org man7.org access.redhat.com docs.aws.amazon.com
    learn.microsoft.com cloud.google.com"""
)
# org.apache.hadoop.io, com.tencent.mm.activity.info: Java/Android packages, not hosts.
_PACKAGE_ROOTS = frozenset(("com", "org", "net", "java", "javax", "android", "kotlin", "scala"))

_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
# Not inside a longer dotted run: 6.1.7601.23505 and 1.2.3.4.5 are versions, not addresses.
_IPV4 = re.compile(rf"(?<![\w.~]){_OCTET}(?:\.{_OCTET}){{3}}(?!\w|\.\w)")
_THIS_NETWORK = ipaddress.IPv4Network("0.0.0.0/8")
# Only candidates; ipaddress decides (16:13:38 and MAC addresses do not parse). An interface
# label in front (en0:2607:f140::1) is skipped, a ninth group (0:0:0:0:0:0:0:0:2181) is not.
_IPV6 = re.compile(
    r"(?<![\w:.])(?:[0-9A-Fa-f]*[G-Zg-z_]\w*:)?((?=[0-9A-Fa-f:.]*\d)(?:[0-9A-Fa-f]{0,4}:){2,7}"
    r"(?:(?:\d{1,3}\.){3}\d{1,3}|[0-9A-Fa-f]{1,4})?)(?![\w:]|\.\d)"
)
_EMAIL = re.compile(
    r"(?<![\w.%+-])[\w.%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-])"
)
_LABEL = r"[A-Za-z0-9][A-Za-z0-9-]*"
_FQDN = re.compile(rf"(?<![\w.-]){_LABEL}(?:\.{_LABEL})+(?![\w(-]|\.[A-Za-z0-9])")
_DOTTED_WORD = re.compile(r"(?<![\w.-])[\w-]+(?:\.[\w-]+)*")

_KEYWORD = (
    # A prefix glued to the keyword still names a password: PGPASSWORD, DB_PASSWORD.
    r"(?:[A-Za-z0-9]*passw(?:or)?d|pwd|passphrase|secret|token|api[-_]?key|access[-_]key|private[-_]key"
    r"|secret[-_]key|client[-_]secret|auth)"
)
_PEM_BEGIN = re.compile(r"-----BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----")
_PEM_END = re.compile(r"-----END[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----")
# (needle, pattern): the pattern runs only on text whose lower-case form contains the needle.
# The secret is the last group that matched, or the whole match when the pattern has no group.
_SECRET_PATTERNS: Final = (
    # An unterminated block is redacted to the end of the text.
    (
        "private key",
        re.compile(rf"{_PEM_BEGIN.pattern}(?:.*?{_PEM_END.pattern}|.*?(?=\n?\Z))", re.S),
    ),
    # An empty user is common for Redis (redis://:password@host).
    ("://", re.compile(r"://([^\s:/@]*:[^\s/@]+)@")),
    (
        "",
        re.compile(
            rf"(?<![A-Za-z0-9]){_KEYWORD}[\"']?[ \t]*[:=][ \t]*(?!\[SECRET_TOKEN\])"
            r"(?:\"([^\"\n]*)\"|'([^'\n]*)'|([^\s\"',;&)}\]]+))",
            re.IGNORECASE,
        ),
    ),
    (
        "authorization",
        re.compile(
            r"\bauthorization[\"']?[ \t]*[:=][ \t]*[\"']?(?:(?:bearer|basic|token)[ \t]+)?"
            r"([^\s\"',;]+)",
            re.IGNORECASE,
        ),
    ),
    ("bearer", re.compile(r"\bbearer[ \t]+([A-Za-z0-9._~+/-]{16,}=*)", re.IGNORECASE)),
    ("eyj", re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*")),
    (
        "",
        re.compile(
            r"\b(?:(?:AKIA|ASIA)[A-Z0-9]{16}|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_\w{20,}"
            r"|xox[baprs]-[A-Za-z0-9-]{10,}|sk-[A-Za-z0-9_-]{20,}|glpat-[A-Za-z0-9_-]{20,}"
            r"|(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,})(?![A-Za-z0-9_-])"
        ),
    ),
)

_Value = TypeVar("_Value")


class Sanitizer:
    """Pseudonymizes one incident's text; keeps the pseudonym → original mapping, never secrets.

    ``hosts``: inventory name → aliases and addresses; a name, its aliases and the short form of
    a dotted name share one ``[HOST_n]`` (addresses are IPs). ``allow``: values never replaced
    (service names); secrets are replaced regardless.
    """

    def __init__(
        self,
        *,
        hosts: Mapping[str, Sequence[str]] = _NO_HOSTS,
        allow: Iterable[str] = (),
        internal_domains: Sequence[str] = DEFAULT_INTERNAL_DOMAINS,
    ) -> None:
        if isinstance(allow, str) or isinstance(internal_domains, str):
            raise UsageError("allow and internal_domains take a list of strings, not one string")
        self._allow = frozenset(_text(a, "allow entry").lower() for a in allow)
        self._internal = frozenset(_domain(d) for d in internal_domains)
        self._internal_suffixes = tuple("." + d for d in self._internal)
        self._inventory_domains: set[str] = set()
        self._load_inventory(hosts)
        self._keys: dict[tuple[str, str], str] = {}
        self._originals: dict[str, str] = {}
        self._last = dict.fromkeys(PSEUDONYM_TYPES, 0)
        self._counts: dict[str, int] = {}
        self._engine = AnonymizerEngine()  # type: ignore[no-untyped-call]
        self._operators = {
            t: OperatorConfig("custom", {"lambda": self._replacer(t)}) for t in PSEUDONYM_TYPES
        }
        self._operators[REDACTED_TYPE] = OperatorConfig("replace", {"new_value": REDACTED})

    @classmethod
    def from_mapping(
        cls,
        mapping: Mapping[str, str],
        *,
        hosts: Mapping[str, Sequence[str]] = _NO_HOSTS,
        allow: Iterable[str] = (),
        internal_domains: Sequence[str] = DEFAULT_INTERNAL_DOMAINS,
    ) -> Sanitizer:
        """Rebuild an instance from :meth:`mapping`; new values continue each type's numbering."""
        sanitizer = cls(hosts=hosts, allow=allow, internal_domains=internal_domains)
        for pseudonym, original in mapping.items():
            match = _PSEUDONYM.fullmatch(pseudonym) if isinstance(pseudonym, str) else None
            entity_type, number = (match.group(1), int(match.group(2))) if match else ("", 0)
            if entity_type not in PSEUDONYM_TYPES or pseudonym != f"[{entity_type}_{number}]":
                raise UsageError(f"not a pseudonym this sanitizer issues: {pseudonym!r}")
            if not isinstance(original, str) or not original.strip() or original == REDACTED:
                raise UsageError(f"{pseudonym} must map to a non-empty original value")
            try:
                key, _ = sanitizer._identity(entity_type, original)
            except ValueError:
                raise UsageError(f"{pseudonym} maps to an invalid address") from None
            if (entity_type, key) in sanitizer._keys:
                raise UsageError(f"{pseudonym} repeats the original of another pseudonym")
            sanitizer._keys[(entity_type, key)] = pseudonym
            sanitizer._originals[pseudonym] = original
            sanitizer._last[entity_type] = max(sanitizer._last[entity_type], number)
        return sanitizer

    def sanitize(self, text: str) -> str:
        """Return ``text`` with every sensitive value replaced."""
        if not isinstance(text, str):
            raise UsageError(f"sanitize() takes a str, not {type(text).__name__}")
        # Line by line: presidio rebuilds the whole text for every replacement.
        return "".join(self.sanitize_lines(text.splitlines(keepends=True)))

    def _sanitize(self, text: str) -> str:
        found = [*self._secrets(text), *self._addresses(text), *self._hosts(text)]
        results = _non_overlapping(found)
        if not results:
            return text
        # Presidio applies operators from the end of the text backwards; numbering must follow
        # the order of appearance, so pseudonyms are issued here and the operators look them up.
        for result in results:
            if result.entity_type != REDACTED_TYPE:
                self._pseudonym(result.entity_type, text[result.start : result.end])
            self._counts[result.entity_type] = self._counts.get(result.entity_type, 0) + 1
        # The results no longer overlap, so presidio's conflict handling keeps them all; its
        # merging of same-type neighbours separated by spaces would fuse "10.0.0.1 10.0.0.2".
        anonymized = self._engine.anonymize(
            text=text,
            analyzer_results=results,
            operators=self._operators,
            merge_entities_with_spaces=False,
        )
        return anonymized.text

    def sanitize_lines(self, lines: Iterable[str]) -> Iterator[str]:
        """Sanitize line by line; a multi-line private key block comes out as one item."""
        block: list[str] = []
        size = 0
        for line in lines:
            if not isinstance(line, str):
                raise UsageError(f"sanitize_lines() takes str lines, not {type(line).__name__}")
            if block:
                block.append(line)
                size += len(line)
                if _PEM_END.search(line) or len(block) >= PEM_MAX_LINES or size >= PEM_MAX_CHARS:
                    yield self._sanitize_block(block)
                    block, size = [], 0
            elif _opens_pem_block(line):
                block, size = [line], len(line)
            else:
                yield self._sanitize(line)
        if block:
            yield self._sanitize_block(block)

    def restore(self, text: str) -> str:
        """Replace every known pseudonym by its original; ``[SECRET_TOKEN]`` and unknowns stay."""
        return _PSEUDONYM.sub(lambda m: self._originals.get(m.group(), m.group()), text)

    @overload
    def restore_value(self, value: str) -> str: ...
    @overload
    def restore_value(self, value: _Value) -> _Value: ...
    def restore_value(self, value: object) -> object:
        """Restore one parameter value: strings through :meth:`restore`, anything else unchanged."""
        return self.restore(value) if isinstance(value, str) else value

    def is_pseudonym(self, token: str) -> bool:
        """Whether ``token`` has the shape of a pseudonym (``[HOST_7]``), known or not."""
        return _PSEUDONYM.fullmatch(token.strip()) is not None

    def unknown_pseudonyms(self, text: str) -> set[str]:
        """Pseudonym-shaped tokens in ``text`` that this instance never issued."""
        return {m.group() for m in _PSEUDONYM.finditer(text) if m.group() not in self._originals}

    def mapping(self) -> dict[str, str]:
        """Pseudonym → original, in order of issue; secrets are never in it."""
        return dict(self._originals)

    def counts(self) -> dict[str, int]:
        """Entity type → number of replacements made so far."""
        return dict(self._counts)

    def _sanitize_block(self, lines: list[str]) -> str:
        ended = [line if line[-1:] in _LINE_BREAKS else line + "\n" for line in lines[:-1]]
        return self._sanitize("".join([*ended, lines[-1]]))

    def _load_inventory(self, hosts: Mapping[str, Sequence[str]]) -> None:
        """Fill ``_inventory``: lower-case name, alias or short name → owning inventory name."""
        if not isinstance(hosts, Mapping):
            raise InventoryError("hosts must map inventory names to lists of aliases")
        claims: tuple[dict[str, str], dict[str, str]] = ({}, {})  # (explicit, short forms)
        for name, aliases in hosts.items():
            owner = _text(name, "inventory host name").strip()
            if isinstance(aliases, str) or not isinstance(aliases, Sequence):
                raise InventoryError(f"aliases of {owner!r} must be a list of strings")
            for alias in (owner, *aliases):
                form = _text(alias, f"alias of {owner!r}").strip().lower()
                if _is_ip_address(form) or form in self._allow:
                    continue  # addresses are found and numbered as IPs
                short, dot, domain = form.partition(".")
                if dot:
                    self._inventory_domains.add(domain)
                for claimed, key in ((claims[0], form), (claims[1], short if dot else "")):
                    # A name two hosts share (web.dc1.corp, web.dc2.corp → web) is still a host
                    # name, but whose is unknown: it gets a pseudonym of its own.
                    if key and key not in self._allow:
                        claimed[key] = owner if claimed.get(key, owner) == owner else key
        self._inventory = {**claims[1], **claims[0]}
        self._inventory_labels = max((name.count(".") + 1 for name in self._inventory), default=0)

    def _identity(self, entity_type: str, surface: str) -> tuple[str, str]:
        """(comparison key, original to restore) of a value; raises ValueError on bad addresses."""
        if entity_type == IP:
            return str(ipaddress.IPv4Address(surface)), surface
        if entity_type == IPV6:
            return ipaddress.IPv6Address(surface).compressed, surface
        lower = surface.lower()
        if entity_type == HOST:
            short, _, domain = lower.partition(".")
            owner = self._inventory.get(lower)
            if owner is None and (self._is_internal(domain) or domain in self._inventory_domains):
                owner = self._inventory.get(short)
            if owner is not None:
                return owner.lower(), owner
        return lower, surface

    def _pseudonym(self, entity_type: str, surface: str) -> str:
        key, original = self._identity(entity_type, surface)
        pseudonym = self._keys.get((entity_type, key))
        if pseudonym is None:
            self._last[entity_type] += 1
            pseudonym = f"[{entity_type}_{self._last[entity_type]}]"
            self._keys[(entity_type, key)] = pseudonym
            self._originals[pseudonym] = original
        return pseudonym

    def _replacer(self, entity_type: str) -> Callable[[str], str]:
        return lambda surface: self._pseudonym(entity_type, surface)

    def _is_internal(self, name: str) -> bool:
        return name in self._internal or name.endswith(self._internal_suffixes)

    def _secrets(self, text: str) -> Iterator[RecognizerResult]:
        lower = text.lower()
        for needle, pattern in _SECRET_PATTERNS:
            for match in pattern.finditer(text) if needle in lower else ():
                start, end = match.span(match.lastindex or 0)
                if start < end:
                    yield RecognizerResult(REDACTED_TYPE, start, end, 1.0)

    def _addresses(self, text: str) -> Iterator[RecognizerResult]:
        for match in _EMAIL.finditer(text) if "@" in text else ():
            if match.group().lower() not in self._allow:
                yield RecognizerResult(EMAIL, match.start(), match.end(), 0.9)
        for match in _IPV4.finditer(text):
            ipv4 = ipaddress.IPv4Address(match.group())
            # Loopback, 0.0.0.0/8 (also 0.0.0.6-style versions) and 240/4 (netmasks) say nothing.
            silent = ipv4.is_loopback or ipv4.is_reserved or ipv4 in _THIS_NETWORK
            if not silent and match.group() not in self._allow:
                yield RecognizerResult(IP, match.start(), match.end(), 0.9)
        for match in _IPV6.finditer(text) if ":" in text else ():
            try:
                ipv6 = ipaddress.IPv6Address(match.group(1))
            except ValueError:
                continue
            if not (
                ipv6.is_loopback or ipv6.is_unspecified or match.group(1).lower() in self._allow
            ):
                yield RecognizerResult(IPV6, match.start(1), match.end(1), 0.9)

    def _hosts(self, text: str) -> Iterator[RecognizerResult]:
        for match in _DOTTED_WORD.finditer(text) if self._inventory else ():
            labels = match.group().split(".", self._inventory_labels)[: self._inventory_labels]
            for n in range(len(labels), 0, -1):
                name = ".".join(labels[:n])
                if name.lower() in self._inventory:
                    yield RecognizerResult(HOST, match.start(), match.start() + len(name), 0.95)
                    break
        for match in _FQDN.finditer(text) if "." in text else ():
            if self._is_host_name(match.group()):
                yield RecognizerResult(HOST, match.start(), match.end(), 0.6)

    def _is_host_name(self, name: str) -> bool:
        lower = name.lower()
        if lower in self._allow or lower.removeprefix("www.") in _PUBLIC_DOC_HOSTS:
            return False
        labels = name.split(".")
        if any(label.endswith("-") or len(label) > 63 for label in labels):
            return False
        if self._is_internal(lower):
            return True
        tld = labels[-1]
        # Mixed-case last labels are class names (org.apache.hadoop.Foo), not top-level domains.
        if not (tld.islower() or tld.isupper()) or tld.lower() not in _TLDS:
            return False
        return not (len(labels) > 2 and labels[0].lower() in _PACKAGE_ROOTS)


def _non_overlapping(results: list[RecognizerResult]) -> list[RecognizerResult]:
    """Keep a deterministic set of disjoint results, sorted by start.

    Secrets win any overlap (a secret inside a restorable span would come back on restore); among
    the rest the longer span wins, then the higher score, then the earlier start.
    """
    ranked = sorted(results, key=_rank)
    starts: list[int] = []
    kept: list[RecognizerResult] = []
    for result in ranked:
        i = bisect.bisect_left(starts, result.start)
        clear_before = i == 0 or kept[i - 1].end <= result.start
        clear_after = i == len(kept) or result.end <= kept[i].start
        if clear_before and clear_after:
            starts.insert(i, result.start)
            kept.insert(i, result)
    return kept


def _rank(result: RecognizerResult) -> tuple[bool, int, float, int]:
    return (
        result.entity_type != REDACTED_TYPE,
        result.start - result.end,
        -result.score,
        result.start,
    )


def _opens_pem_block(line: str) -> bool:
    begins = list(_PEM_BEGIN.finditer(line))
    return bool(begins) and _PEM_END.search(line, begins[-1].end()) is None


def _is_ip_address(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _text(value: object, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise UsageError(f"{what} must be a non-empty string, got {value!r}")
    return value


def _domain(value: object) -> str:
    domain = _text(value, "internal domain").strip().strip(".").lower()
    if not re.fullmatch(r"[a-z0-9-]+(?:\.[a-z0-9-]+)*", domain):
        raise UsageError(f"internal domain {value!r} is not a domain name")
    return domain
