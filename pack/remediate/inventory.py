"""Inventory: the Ansible YAML inventory that ansible-runner also uses.

Hosts carry ``services`` (what may be restarted there), ``killable`` (the
processes that may be killed there; nothing else ever is), ``service_manager``
and an address (``ansible_host``). Alerts are mapped to exactly one host by
inventory name, by name with a domain suffix, or by address; anything else is
unknown and the incident escalates: remediate never guesses a target.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from remediate.errors import InventoryError

SERVICE_MANAGERS = ("systemd", "supervisord")
_HOSTNAME = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,62})(?:\.[a-z0-9_](?:[a-z0-9_-]{0,62}))*")


class Host(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    address: str | None = None
    services: list[str] = Field(default_factory=list)
    service_manager: str = "systemd"
    groups: list[str] = Field(default_factory=list)
    vars: dict[str, Any] = Field(default_factory=dict)

    @field_validator("service_manager")
    @classmethod
    def _known_manager(cls, value: str) -> str:
        if value not in SERVICE_MANAGERS:
            raise ValueError(f"service_manager must be one of {SERVICE_MANAGERS}")
        return value

    def allowlist(self, key: str) -> list[str]:
        """A per-host allowlist from the inventory (``services``, ``killable``)."""
        if key == "services":
            return list(self.services)
        value = self.vars.get(key)
        return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []

    def aliases(self) -> list[str]:
        """Everything that identifies this host in text: name, short name, address."""
        names = [self.name]
        short = self.name.split(".", 1)[0]
        if short != self.name:
            names.append(short)
        if self.address:
            names.append(self.address)
        return names


class Inventory:
    def __init__(self, hosts: Mapping[str, Host], path: Path | None = None) -> None:
        self.hosts = dict(hosts)
        self.path = path

    def __contains__(self, name: object) -> bool:
        return name in self.hosts

    def get(self, name: str) -> Host:
        try:
            return self.hosts[name]
        except KeyError:
            raise InventoryError(f"host {name!r} is not in the inventory") from None

    def resolve(self, hint: str | None) -> Host | None:
        """The one host an alert's host hint names, or None (never a guess)."""
        if not hint:
            return None
        wanted = hint.strip().lower().rstrip(".")
        if not (_is_ip(wanted) or _HOSTNAME.fullmatch(wanted)):
            return None  # "web-01.$(reboot)" names no host, whatever it starts with
        if wanted in {h.lower() for h in self.hosts}:
            return next(h for n, h in self.hosts.items() if n.lower() == wanted)
        matches = [h for h in self.hosts.values() if _same_address(h.address, wanted)]
        if not matches:
            short = wanted.split(".", 1)[0]
            if not _is_ip(wanted):
                matches = [h for h in self.hosts.values() if h.name.lower().split(".")[0] == short]
        return matches[0] if len(matches) == 1 else None

    def aliases(self) -> dict[str, list[str]]:
        return {name: host.aliases() for name, host in self.hosts.items()}


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _same_address(address: str | None, wanted: str) -> bool:
    if not address:
        return False
    if address.lower() == wanted:
        return True
    try:
        return ipaddress.ip_address(address) == ipaddress.ip_address(wanted)
    except ValueError:
        return False


def load_inventory(path: Path | str) -> Inventory:
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise InventoryError(f"cannot read inventory {path}: {exc}") from exc
    return Inventory(parse_inventory(raw), path)


def parse_inventory(raw: object) -> dict[str, Host]:
    """Flatten an Ansible YAML inventory (groups, children, vars) into hosts."""
    if not isinstance(raw, Mapping):
        raise InventoryError("inventory must be a YAML mapping of groups")
    collected: dict[str, dict[str, Any]] = {}
    groups: dict[str, list[str]] = {}
    for group, body in raw.items():
        _walk(str(group), body, {}, collected, groups)
    hosts = {}
    for name, hostvars in collected.items():
        try:
            hosts[name] = _host(name, hostvars, groups.get(name, []))
        except ValidationError as exc:
            raise InventoryError(f"inventory host {name!r}: {exc}") from exc
    return hosts


def _walk(
    group: str,
    body: object,
    inherited: dict[str, Any],
    out: dict[str, dict[str, Any]],
    groups: dict[str, list[str]],
) -> None:
    if body is None:
        return
    if not isinstance(body, Mapping):
        raise InventoryError(f"group {group!r} must be a mapping")
    group_vars = {**inherited, **(body.get("vars") or {})}
    for name, hostvars in (body.get("hosts") or {}).items():
        merged = {**group_vars, **out.get(str(name), {}), **(hostvars or {})}
        out[str(name)] = merged
        groups.setdefault(str(name), []).append(group)
    for child, child_body in (body.get("children") or {}).items():
        _walk(str(child), child_body, group_vars, out, groups)


def _host(name: str, hostvars: Mapping[str, Any], groups: list[str]) -> Host:
    services = hostvars.get("services", [])
    if not isinstance(services, list) or not all(isinstance(s, str) for s in services):
        raise InventoryError(f"inventory host {name!r}: services must be a list of names")
    killable = hostvars.get("killable", [])
    if not isinstance(killable, list) or not all(isinstance(k, str) for k in killable):
        raise InventoryError(f"inventory host {name!r}: killable must be a list of names")
    address = hostvars.get("ansible_host") or hostvars.get("address")
    return Host(
        name=name,
        address=str(address) if address else None,
        services=list(services),
        service_manager=str(hostvars.get("service_manager", "systemd")),
        groups=groups,
        vars=dict(hostvars),
    )


def inventory_from_hosts(spec: Mapping[str, Mapping[str, Any]]) -> Inventory:
    """Build an inventory from the compact form used by evaluation scenarios."""
    return Inventory(parse_inventory({"all": {"hosts": {k: dict(v) for k, v in spec.items()}}}))
