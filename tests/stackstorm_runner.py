"""What StackStorm does around a python-script action, for the action tests.

It validates the parameters against the action's metadata (with StackStorm's validator
semantics, defaults filled in), puts the pack's ``actions/lib`` and the action's directory on
``sys.path`` as the runner does, loads the entry point, instantiates the one ``Action``
subclass with the pack config and calls ``run(**parameters)``. The only stand-in is the
``Action`` base class in ``tests/st2`` (st2common is not on PyPI). Given a StackStorm API
stand-in (``tests/st2_api.py``), the run is recorded there as an execution (with its parent
workflow, if any) and the action gets the ``ST2_ACTION_*`` environment StackStorm gives it.
"""

import contextlib
import importlib.util
import os
import sys
from pathlib import Path

import yaml
from jsonschema import Draft3Validator, Draft4Validator, validators

from remediate.config import PROJECT_ROOT

ACTIONS = PROJECT_ROOT / "actions"
STAND_IN = Path(__file__).resolve().parent / "st2"


def _no_required_array(validator, value, instance, schema):
    """StackStorm's validator has no draft-4 ``required`` keyword: the array is ignored."""
    return iter(())


# StackStorm's custom validator: draft 4 (and its ``id`` scoping), draft 3's ``properties``.
St2Validator = validators.extend(
    Draft4Validator,
    {"properties": Draft3Validator.VALIDATORS["properties"], "required": _no_required_array},
)


@contextlib.contextmanager
def _environment(values: dict[str, str]):
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def run_action(name: str, config: dict | None, *, st2=None, parent: str | None = None, **params):
    """Run one action; with ``st2`` (the API stand-in) as StackStorm would, as a task of the
    workflow execution ``parent`` or, without one, as a direct ``st2 run``."""
    if st2 is None:
        return _run_action(name, config, **params)
    execution = st2.record(f"remediate.{name}", parent=parent, parameters=params)
    with _environment(st2.environment(execution)):
        ok, result = _run_action(name, config, **params)
    st2.executions[execution].update(status="succeeded" if ok else "failed", result=result)
    return ok, result


def _run_action(name: str, config: dict | None, **params):
    meta = yaml.safe_load((ACTIONS / f"{name}.yaml").read_text())
    declared = meta.get("parameters") or {}
    given = {k: v["default"] for k, v in declared.items() if "default" in v} | params
    St2Validator(
        {"type": "object", "properties": declared, "additionalProperties": False}
    ).validate(given)
    for path in (STAND_IN, ACTIONS / "lib", ACTIONS):
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))
    spec = importlib.util.spec_from_file_location(
        f"st2_action_{name}", ACTIONS / meta["entry_point"]
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    from st2common.runners.base_action import Action

    [cls] = [
        v
        for v in vars(module).values()
        if isinstance(v, type) and issubclass(v, Action) and v is not Action
    ]
    result = cls(config).run(**given)
    assert isinstance(result, tuple) and len(result) == 2, "actions return (ok, result)"
    return result


# ---------------------------------------------------------------------- workflows

ENGINE_COMMANDS = {"fail", "noop", "continue"}


class Workflow:
    """A minimal interpreter of the orquesta subset ``remediate_alert.yaml`` uses (it is not
    orquesta): tasks run in order of readiness, every transition whose ``when`` holds is
    taken, ``publish`` writes the context, and expressions are evaluated by yaql, the engine
    orquesta uses. Our actions run for real through :func:`run_action`; ``core.ask`` returns
    the response a human gave (validated against the ask's schema as StackStorm does), or
    fails as StackStorm's inquiry garbage collector makes it fail on timeout."""

    def __init__(self, path: Path, config: dict, *, ask_response: dict | None, st2) -> None:
        import collections.abc  # noqa: F401  yaql 3.2 uses it without importing it

        import yaql

        self.st2 = st2
        self.execution_id = st2.record("remediate.remediate_alert", parent=None)
        self.spec = yaml.safe_load(path.read_text())
        self.config = config
        self.ask_response = ask_response
        self.engine = yaql.factory.YaqlFactory().create()
        self.yaql = yaql
        self.trace: list[str] = []
        self.states: dict[str, dict] = {}
        self.status = "running"

    def run(self, **inputs) -> dict:
        ctx = {name: inputs[name] for name in self.spec["input"]}
        for var in self.spec.get("vars") or []:
            ctx.update(var)
        self.ctx = ctx
        tasks = self.spec["tasks"]
        referenced = {t for task in tasks.values() for t in _targets(task)}
        queue = [name for name in tasks if name not in referenced]
        while queue:
            name = queue.pop(0)
            if name == "fail":
                self.status = "failed"
                continue
            queue += self._run_task(name, tasks[name])
        if self.status == "running":
            self.status = "succeeded"
        return {k: v for o in self.spec.get("output") or [] for k, v in self._render(o).items()}

    def _run_task(self, name: str, task: dict) -> list[str]:
        self.trace.append(name)
        current = {"status": "running", "result": None}
        self.states[name] = current
        params = self._render(task.get("input") or {}, current)
        action = task["action"]
        if action.startswith("remediate."):
            ok, result = run_action(
                action.split(".", 1)[1],
                self.config,
                st2=self.st2,
                parent=self.execution_id,
                **params,
            )
            current.update(status="succeeded" if ok else "failed", result={"result": result})
        elif action == "core.ask":
            if self.ask_response is None:
                current.update(status="failed", result={})
            else:
                St2Validator(params["schema"]).validate(self.ask_response)
                current.update(status="succeeded", result={**params, "response": self.ask_response})
            self.st2.record(
                "core.ask",
                parent=self.execution_id,
                status=current["status"],
                parameters=params,
                result=current["result"],
            )
        else:
            assert action == "core.noop", action
            current.update(status="succeeded", result={})
        taken = []
        for transition in task.get("next") or []:
            if not self._render(transition.get("when", "<% true %>"), current):
                continue
            for item in transition.get("publish") or []:
                self.ctx.update(self._render(item, current))
            do = transition.get("do") or []
            taken += [do] if isinstance(do, str) else list(do)
        if current["status"] == "failed" and not taken:
            self.status = "failed"
        return taken

    def _render(self, node, current: dict | None = None):
        if isinstance(node, dict):
            return {k: self._render(v, current) for k, v in node.items()}
        if isinstance(node, list):
            return [self._render(v, current) for v in node]
        if not isinstance(node, str) or "<%" not in node:
            return node
        context = self.yaql.create_context()
        context.register_function(lambda *name: self.ctx[name[0]] if name else self.ctx, name="ctx")
        context.register_function(lambda: current["result"], name="result")
        context.register_function(lambda: current["status"] == "succeeded", name="succeeded")
        context.register_function(lambda: current["status"] == "failed", name="failed")
        context.register_function(
            lambda *name: self.states[name[0]] if name else current, name="task"
        )
        whole = node.strip()
        if whole.startswith("<%") and whole.endswith("%>") and whole.count("<%") == 1:
            return self.engine(whole[2:-2].strip()).evaluate(context=context)
        raise AssertionError(f"embedded expressions are not used by this workflow: {node}")


def _targets(task: dict) -> list[str]:
    out: list[str] = []
    for transition in task.get("next") or []:
        do = transition.get("do") or []
        out += [do] if isinstance(do, str) else list(do)
    return out
