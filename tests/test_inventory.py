import pytest

from remediate.errors import InventoryError
from remediate.inventory import inventory_from_hosts, load_inventory, parse_inventory

INVENTORY = """
all:
  vars: {service_manager: systemd}
  children:
    web:
      vars: {services: [nginx]}
      hosts:
        srv-prod-04.example.com: {ansible_host: 10.20.4.14, services: [nginx, app-api]}
        web-02: {ansible_host: 10.20.4.15}
    lab:
      hosts:
        lab-web-01: {ansible_host: 127.0.0.1, service_manager: supervisord, services: [webapp]}
"""


@pytest.fixture
def inventory(tmp_path):
    path = tmp_path / "inventory.yaml"
    path.write_text(INVENTORY)
    return load_inventory(path)


def test_group_vars_inherit_and_host_vars_win(inventory):
    assert inventory.get("web-02").services == ["nginx"]
    assert inventory.get("srv-prod-04.example.com").services == ["nginx", "app-api"]
    assert inventory.get("lab-web-01").service_manager == "supervisord"
    assert inventory.get("web-02").groups == ["web"]


@pytest.mark.parametrize(
    ("hint", "expected"),
    [
        ("srv-prod-04.example.com", "srv-prod-04.example.com"),
        ("SRV-PROD-04.EXAMPLE.COM.", "srv-prod-04.example.com"),
        ("srv-prod-04", "srv-prod-04.example.com"),
        ("10.20.4.14", "srv-prod-04.example.com"),
        ("lab-web-01", "lab-web-01"),
        ("127.0.0.1", "lab-web-01"),
    ],
)
def test_alert_hints_map_to_one_host(inventory, hint, expected):
    assert inventory.resolve(hint).name == expected


@pytest.mark.parametrize("hint", [None, "", "db-07", "10.99.0.1", "web-01; rm -rf", "srv-prod-0"])
def test_unknown_hosts_are_never_guessed(inventory, hint):
    assert inventory.resolve(hint) is None


def test_invalid_inventories_fail_loudly(tmp_path):
    with pytest.raises(InventoryError, match="service_manager"):
        parse_inventory({"all": {"hosts": {"a": {"service_manager": "upstart"}}}})
    with pytest.raises(InventoryError, match="services"):
        parse_inventory({"all": {"hosts": {"a": {"services": "nginx"}}}})
    with pytest.raises(InventoryError):
        parse_inventory(["not", "a", "mapping"])
    bad = tmp_path / "bad.yaml"
    bad.write_text("all: [")
    with pytest.raises(InventoryError, match="cannot read"):
        load_inventory(bad)


def test_compact_scenario_form_and_aliases():
    inv = inventory_from_hosts({"srv-prod-04": {"address": "10.20.4.14", "services": ["nginx"]}})
    assert inv.aliases() == {"srv-prod-04": ["srv-prod-04", "10.20.4.14"]}
