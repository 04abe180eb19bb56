"""The allowlist: the real catalog keeps its contract, and a bad catalog fails loudly on load."""

from __future__ import annotations

import ast
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from remediate.catalog import Catalog, Risk, load_catalog
from remediate.errors import CatalogError

PLAYBOOKS = Path(__file__).resolve().parents[1] / "playbooks"
READ_ONLY = {
    "host_facts",
    "collect_logs",
    "check_cpu",
    "check_memory",
    "check_disk",
    "service_status",
}
WRITES = {"restart_service", "free_disk_space", "kill_process"}
LOG_DIRS = ["/var/log", "/var/log/nginx", "/var/log/app", "/var/log/journal", "/tmp"]
PROTECTED = {
    "sshd", "sshd-session", "systemd", "init", "postgres", "postmaster", "mysqld", "mariadbd",
    "mongod", "redis-server", "etcd", "dockerd", "containerd", "containerd-shim", "runc",
    "kubelet", "supervisord",
}  # fmt: skip


@pytest.fixture(scope="module", autouse=True)
def _venv_on_path() -> Iterator[None]:
    """load_catalog runs ansible-playbook --syntax-check: the venv's bin/ must be on PATH."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
        yield


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(PLAYBOOKS / "catalog.yaml")


def _plays(playbook: str) -> list[dict[str, Any]]:
    plays = yaml.safe_load((PLAYBOOKS / playbook).read_text())
    assert isinstance(plays, list)
    return plays


# --------------------------------------------------------------------------- the real catalog


def test_real_catalog_has_the_contract_ids(catalog: Catalog) -> None:
    assert set(catalog.actions) == READ_ONLY | WRITES
    assert {a.id for a in catalog.read_only()} == READ_ONLY
    assert {a.id for a in catalog.writes()} == WRITES
    assert all(a.risk is Risk.NONE for a in catalog.read_only())


def test_write_actions_have_their_risk_parameters_and_verification(catalog: Catalog) -> None:
    restart = catalog.get("restart_service")
    assert restart.risk is Risk.MEDIUM and restart.check_mode
    assert restart.parameters["service"].inventory == "services"
    assert restart.verify is not None and restart.verify.playbook == "verify_service.yml"
    assert restart.verify.params == ["service"]

    free = catalog.get("free_disk_space")
    assert free.risk is Risk.MEDIUM and free.check_mode
    assert free.parameters["path"].enum == LOG_DIRS
    days = free.parameters["older_than_days"]
    assert (days.minimum, days.maximum, days.default) == (1, 365, 7)
    assert free.verify is not None and free.verify.playbook == "verify_disk.yml"

    kill = catalog.get("kill_process")
    assert kill.risk is Risk.HIGH and kill.check_mode
    assert set(kill.parameters["process"].not_in) == PROTECTED
    assert kill.parameters["process"].inventory == "killable", "an allowlist per host"
    assert kill.parameters["signal"].enum == ["TERM", "KILL"]
    assert kill.parameters["signal"].default == "TERM"
    assert kill.verify is not None and kill.verify.playbook == "verify_process.yml"
    assert kill.verify.outputs == ["pids"], "verification checks the PIDs that were signalled"


def _literal_after(playbook: str, task: str, marker: str) -> Any:
    """The Python literal that follows ``marker`` in the named assert task's conditions."""
    (found,) = [t for t in _plays(playbook)[0]["tasks"] if t["name"] == task]
    that = found["ansible.builtin.assert"]["that"]
    (condition,) = [c for c in ([that] if isinstance(that, str) else that) if marker in c]
    return ast.literal_eval(condition.split(marker, 1)[1].strip())


def test_playbooks_hold_the_same_allowlists_as_the_catalog(catalog: Catalog) -> None:
    """The playbooks check again (defence in depth); the two lists must not drift apart."""
    dirs = _literal_after(
        "free_disk_space.yml", "Refuse directories outside the allowlist", "path in"
    )
    assert dirs == catalog.get("free_disk_space").parameters["path"].enum
    protected = _literal_after("kill_process.yml", "Refuse protected processes", "not in")
    assert set(protected) == PROTECTED


def test_every_play_targets_one_host_without_gathering_facts(catalog: Catalog) -> None:
    files = sorted(PLAYBOOKS.glob("*.yml"))
    assert len(files) == 12
    for file in files:
        for play in _plays(file.name):
            assert play["hosts"] == "{{ target }}", file.name
            assert play["gather_facts"] is False, file.name
            assert play["become"] is False, file.name


def test_read_only_playbooks_end_with_the_observation(catalog: Catalog) -> None:
    for action in catalog.read_only():
        last = _plays(action.playbook)[-1]["tasks"][-1]
        assert last["name"] == "Report observation", action.id
        if action.id == "host_facts":  # our read-only module reports its JSON itself
            assert last["check_mode"] is False and last["changed_when"] is False
            assert set(last["host_facts"]) >= {"services", "service_manager", "cleanable_dirs"}
            continue
        assert isinstance(last["ansible.builtin.debug"]["msg"], str), action.id


def test_write_playbooks_plan_and_verify_playbooks_check(catalog: Catalog) -> None:
    for action in catalog.writes():
        names = [t["name"] for t in _plays(action.playbook)[0]["tasks"]]
        if action.id != "free_disk_space":
            assert "Plan" in names, action.id
        assert action.verify is not None
        checks = [t["name"] for t in _plays(action.verify.playbook)[0]["tasks"]]
        assert any(n.startswith("Check: ") for n in checks), action.verify.playbook


# --------------------------------------------------------------------------- bad catalogs

GOOD_PLAYBOOK = """\
- name: Noop
  hosts: "{{ target }}"
  gather_facts: false
  tasks:
    - name: Report observation
      ansible.builtin.debug:
        msg: ok
"""


def _write_catalog(directory: Path, actions: dict[str, Any], **top: Any) -> Path:
    for name in ("noop.yml", "verify.yml"):
        (directory / name).write_text(GOOD_PLAYBOOK)
    path = directory / "catalog.yaml"
    path.write_text(yaml.safe_dump({"version": 1, "actions": actions, **top}))
    return path


def _read_action(**changes: Any) -> dict[str, Any]:
    action: dict[str, Any] = {
        "description": "read something",
        "read_only": True,
        "risk": "none",
        "playbook": "noop.yml",
        "check_mode": True,
        "parameters": {"service": {"type": "string", "description": "s", "pattern": "^[a-z]+$"}},
    }
    action.update(changes)
    return action


def _with_param(**spec: Any) -> dict[str, Any]:
    return {"look": _read_action(parameters={"p": {"description": "a parameter", **spec}})}


def _write_action(**changes: Any) -> dict[str, Any]:
    verify = {"playbook": "verify.yml", "params": ["service"], "description": "it holds"}
    return _read_action(**{"read_only": False, "risk": "medium", "verify": verify, **changes})


def test_minimal_catalog_loads(tmp_path: Path) -> None:
    path = _write_catalog(tmp_path, {"look": _read_action(), "fix": _write_action()})
    loaded = load_catalog(path)
    assert sorted(loaded.actions) == ["fix", "look"]
    assert loaded.get("look").id == "look"


@pytest.mark.parametrize(
    ("actions", "top", "message"),
    [
        pytest.param({"look": _read_action(colour="red")}, {}, "colour", id="unknown action key"),
        pytest.param({"look": _read_action()}, {"owner": "me"}, "owner", id="unknown top key"),
        pytest.param(_with_param(pattern="^x$"), {}, "type", id="parameter without a type"),
        pytest.param(
            _with_param(type="string"), {}, "needs an enum or a pattern", id="free string"
        ),
        pytest.param(_with_param(type="integer"), {}, "minimum and maximum", id="unbounded int"),
        pytest.param(
            _with_param(type="boolean", enum=["yes"]), {}, "string parameters only", id="bool enum"
        ),
        pytest.param(
            _with_param(type="string", pattern="("), {}, "invalid pattern", id="bad pattern"
        ),
        pytest.param({"fix": _write_action(verify=None)}, {}, "verify section", id="unverified"),
        pytest.param({"fix": _write_action(risk="none")}, {}, "risk none", id="write risk none"),
        pytest.param({"look": _read_action(risk="extreme")}, {}, "risk", id="unknown risk"),
        pytest.param(
            {
                "fix": _write_action(
                    verify={"playbook": "verify.yml", "params": ["x"], "description": "d"}
                )
            },
            {},
            "unknown parameters",
            id="verify passes unknown parameter",
        ),
    ],
)
def test_inconsistent_catalog_fails_loudly(
    tmp_path: Path, actions: dict[str, Any], top: dict[str, Any], message: str
) -> None:
    path = _write_catalog(tmp_path, actions, **top)
    with pytest.raises(CatalogError, match=message):
        load_catalog(path, syntax_check=False)


def test_missing_playbook_fails_loudly(tmp_path: Path) -> None:
    path = _write_catalog(tmp_path, {"look": _read_action(playbook="absent.yml")})
    with pytest.raises(CatalogError, match=r"missing playbook: .*absent\.yml"):
        load_catalog(path, syntax_check=False)


def test_missing_verify_playbook_fails_loudly(tmp_path: Path) -> None:
    verify = {"playbook": "gone.yml", "params": [], "description": "d"}
    path = _write_catalog(tmp_path, {"fix": _write_action(verify=verify)})
    with pytest.raises(CatalogError, match=r"missing playbook: .*gone\.yml"):
        load_catalog(path, syntax_check=False)


def test_playbook_failing_syntax_check_fails_loudly(tmp_path: Path) -> None:
    path = _write_catalog(tmp_path, {"look": _read_action(playbook="broken.yml")})
    (tmp_path / "broken.yml").write_text(
        GOOD_PLAYBOOK.replace("ansible.builtin.debug", "no_such.collection.module")
    )
    with pytest.raises(CatalogError, match="syntax check failed"):
        load_catalog(path)
    # Without the syntax check the same catalog loads: the check is what caught it.
    assert "look" in load_catalog(path, syntax_check=False)


def test_unreadable_catalog_fails_loudly(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="cannot read"):
        load_catalog(tmp_path / "nope.yaml")
    (tmp_path / "bad.yaml").write_text("version: 1\nactions: [unclosed\n")
    with pytest.raises(CatalogError, match="cannot read"):
        load_catalog(tmp_path / "bad.yaml")


def test_unknown_action_is_refused(catalog: Catalog) -> None:
    with pytest.raises(CatalogError, match="not in the catalog"):
        catalog.get("reboot_host")
    assert "reboot_host" not in catalog


# --------------------------------------------------------------------------- parameter validation


def test_valid_parameters_pass(catalog: Catalog) -> None:
    assert catalog.get("restart_service").validate_params({"service": "webapp"}) == []
    assert catalog.get("collect_logs").validate_params({"service": "nginx.service"}) == []
    assert catalog.get("free_disk_space").validate_params({"path": "/var/log"}) == []
    kill = catalog.get("kill_process")
    assert kill.validate_params({"process": "java", "signal": "KILL"}) == []
    assert catalog.get("check_disk").validate_params({}) == []


def test_defaults_fill_optional_parameters(catalog: Catalog) -> None:
    free = catalog.get("free_disk_space")
    assert free.with_defaults({"path": "/tmp"}) == {"path": "/tmp", "older_than_days": 7}
    assert catalog.get("kill_process").with_defaults({"process": "java"})["signal"] == "TERM"
    assert catalog.get("collect_logs").with_defaults({"service": "x"})["lines"] == 100


@pytest.mark.parametrize(
    ("action", "params", "problem"),
    [
        ("free_disk_space", {"path": "/etc"}, "not one of"),
        ("free_disk_space", {"path": "/var/log/../../etc"}, "not one of"),
        ("kill_process", {"process": "java", "signal": "HUP"}, "not one of"),
        ("restart_service", {"service": "web app; reboot"}, "does not match"),
        ("restart_service", {"service": "-h"}, "does not match"),
        ("kill_process", {"process": ".*"}, "does not match"),
        ("kill_process", {"process": "a" * 16}, "does not match"),
        ("free_disk_space", {"path": "/tmp", "older_than_days": 0}, "outside 1..365"),
        ("free_disk_space", {"path": "/tmp", "older_than_days": 366}, "outside 1..365"),
        ("collect_logs", {"service": "x", "lines": 501}, "outside 1..500"),
        ("free_disk_space", {"path": "/tmp", "older_than_days": "7"}, "expected an integer"),
        ("free_disk_space", {"path": "/tmp", "older_than_days": True}, "expected an integer"),
        ("restart_service", {"service": 3}, "expected a string"),
        ("kill_process", {"process": "sshd"}, "protected"),
        ("kill_process", {"process": "PostgreS"}, "protected"),
        ("kill_process", {"process": "supervisord", "signal": "KILL"}, "protected"),
        ("restart_service", {}, "missing parameter 'service'"),
        ("restart_service", {"service": "webapp", "force": True}, "unknown parameter 'force'"),
        ("check_cpu", {"host": "x"}, "unknown parameter 'host'"),
    ],
)
def test_invalid_parameters_are_refused(
    catalog: Catalog, action: str, params: dict[str, Any], problem: str
) -> None:
    problems = catalog.get(action).validate_params(params)
    assert any(problem in p for p in problems), problems
