"""What StackStorm does around a python-script action, for the action tests.

It validates the parameters against the action's metadata (with StackStorm's validator
semantics, defaults filled in), puts the pack's ``actions/lib`` and the action's directory on
``sys.path`` as the runner does, loads the entry point, instantiates the one ``Action``
subclass with the pack config and calls ``run(**parameters)``. The only stand-in is the
``Action`` base class in ``tests/st2`` (st2common is not on PyPI).
"""

import importlib.util
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


def run_action(name: str, config: dict | None, **params):
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
