"""The repository as a StackStorm pack: metadata validated the way StackStorm registers it.

StackStorm validates pack, action and rule metadata against its own schemas
(``../shared/st2-schemas``, never copied here) with a draft-4 validator whose ``properties``
keyword is draft 3's: a per-property ``required: true`` is enforced, a draft-4 ``required``
array is not, and ``additionalProperties: false`` rejects unknown keys. The workflow is
checked for structure (targets, reachability, action refs) and its YAQL expressions are
parsed and evaluated with the real yaql engine orquesta uses.
"""

import ast
import collections.abc  # yaql 3.2 uses collections.abc without importing it
import re
import tomllib
from pathlib import Path

import jinja2
import pytest
import yaml
import yaql
from jsonschema import Draft4Validator, ValidationError

from remediate.config import PROJECT_ROOT, Settings, load_settings, settings_from_mapping
from stackstorm_runner import St2Validator

assert collections.abc
ROOT = PROJECT_ROOT
SCHEMAS = ROOT.parent / "shared" / "st2-schemas"
needs_schemas = pytest.mark.skipif(
    not SCHEMAS.is_dir(),
    reason="../shared/st2-schemas is absent: StackStorm's own schemas are needed to validate",
)


ACTIONS = sorted((ROOT / "actions").glob("*.yaml"))
RULES = sorted((ROOT / "rules").glob("*.yaml"))
WORKFLOW = ROOT / "actions" / "workflows" / "remediate_alert.yaml"
# Real actions of StackStorm's core pack a workflow or rule may use.
CORE_ACTIONS = {"core.ask", "core.echo", "core.noop", "core.local", "core.http", "core.pause"}
ENGINE_COMMANDS = {"fail", "noop", "continue", "retry"}


def load(path: Path):
    return yaml.safe_load(path.read_text())


def st2_errors(instance, schema_name: str) -> list[str]:
    schema = yaml.safe_load((SCHEMAS / schema_name).read_text())
    validator = St2Validator(schema)
    return [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(instance)]


def our_action_refs() -> set[str]:
    return {f"remediate.{load(p)['name']}" for p in ACTIONS}


# ---------------------------------------------------------------------- the validator itself


def test_the_validator_has_stackstorm_semantics():
    schema = {
        "type": "object",
        "properties": {"a": {"type": "string", "required": True}, "b": {"type": "integer"}},
        "required": ["b"],
        "additionalProperties": False,
    }
    v = St2Validator(schema)
    assert v.is_valid({"a": "x"}), "a draft-4 required array is not enforced"
    assert not v.is_valid({"b": 1}), "a draft-3 per-property required is"
    assert not v.is_valid({"a": "x", "c": 1}), "unknown keys fail"
    with pytest.raises(ValidationError):
        Draft4Validator(schema).validate({"a": "x"})  # a stock validator reads it differently


# ---------------------------------------------------------------------- pack.yaml


@needs_schemas
def test_pack_metadata_registers():
    pack = load(ROOT / "pack.yaml")
    assert st2_errors(pack, "pack.json") == []
    assert pack["ref"] == "remediate" and pack["python_versions"] == ["3"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", pack["version"])
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert pack["version"] == pyproject["project"]["version"]
    for key in ("author", "email", "description", "keywords"):
        assert pack[key], key


@needs_schemas
def test_a_bad_pack_yaml_is_refused():
    pack = load(ROOT / "pack.yaml")
    assert st2_errors({**pack, "version": "0.1"}, "pack.json")
    assert st2_errors({k: v for k, v in pack.items() if k != "author"}, "pack.json")
    assert st2_errors({**pack, "ref": "Remediate-Pack"}, "pack.json")


# ---------------------------------------------------------------------- actions


@needs_schemas
@pytest.mark.parametrize("path", ACTIONS, ids=lambda p: p.stem)
def test_action_metadata_registers(path):
    action = load(path)
    assert st2_errors(action, "action.json") == []
    assert action["name"] == path.stem and re.fullmatch(r"[a-z]+_[a-z]+", action["name"])
    assert action["pack"] == "remediate" and action.get("enabled", True)
    entry = ROOT / "actions" / action["entry_point"]
    assert entry.is_file(), f"{path.name}: entry_point {action['entry_point']} does not exist"
    if action["runner_type"] == "python-script":
        assert entry.name == f"{path.stem}.py"
        assert_thin_action(entry, action)
    else:
        assert action["runner_type"] == "orquesta"


def assert_thin_action(entry: Path, action: dict) -> None:
    """One Action subclass whose run() takes exactly the declared parameters and calls one
    remediate.stackstorm service function."""
    tree = ast.parse(entry.read_text())
    classes = [n for n in tree.body if isinstance(n, ast.ClassDef)]
    assert len(classes) == 1 and [b.id for b in classes[0].bases] == ["Action"]
    [run] = [n for n in classes[0].body if isinstance(n, ast.FunctionDef) and n.name == "run"]
    args = [a.arg for a in run.args.args][1:]
    assert sorted(args) == sorted(action.get("parameters") or {})
    calls = [n for n in ast.walk(run) if isinstance(n, ast.Attribute) and n.attr == "call"]
    assert len(calls) == 1
    assert len(entry.read_text().splitlines()) < 40


@needs_schemas
def test_unknown_keys_and_missing_required_fields_fail_registration():
    action = load(ROOT / "actions" / "alert_investigate.yaml")
    assert st2_errors({**action, "runner": "python-script"}, "action.json")
    assert st2_errors({k: v for k, v in action.items() if k != "runner_type"}, "action.json")
    bad_param = {**action, "parameters": {"alert": {"type": "object", "requird": True}}}
    assert st2_errors(bad_param, "action.json")


def test_the_actions_the_issue_names_exist():
    names = {p.stem for p in ACTIONS}
    assert {
        "alert_investigate",
        "proposal_execute",
        "incident_get",
        "kb_ingest",
        "remediate_alert",
    } <= names


def test_actions_import_the_engine_from_the_pack_not_a_copy():
    lib = ROOT / "actions" / "lib"
    assert lib.is_symlink() and lib.resolve() == (ROOT / "pack").resolve()
    copies = [p for p in (ROOT / "actions").rglob("*.py") if "lib" not in p.parts]
    assert all(p.parent == ROOT / "actions" for p in copies)


def test_requirements_pin_exactly_the_engine_dependencies():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    pins = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    assert all(re.fullmatch(r"[A-Za-z0-9_.-]+==[\w.]+", p) for p in pins)
    assert sorted(pins) == sorted(pyproject["project"]["dependencies"])


# ---------------------------------------------------------------------- rules


@needs_schemas
@pytest.mark.parametrize("path", RULES, ids=lambda p: p.stem)
def test_rule_metadata_registers(path):
    rule = load(path)
    assert st2_errors(rule, "rule.json") == []
    assert rule["name"] == path.stem
    assert rule["enabled"] is True, "rules default to enabled: false"
    ref = rule["action"]["ref"]
    assert ref in our_action_refs() or ref in CORE_ACTIONS
    declared = load(ROOT / "actions" / f"{ref.split('.', 1)[1]}.yaml")["parameters"]
    assert set(rule["action"]["parameters"]) <= set(declared)
    required = {k for k, v in declared.items() if v.get("required")}
    assert required <= set(rule["action"]["parameters"])
    for value in rule["action"]["parameters"].values():
        jinja2.Environment().parse(value)  # valid Jinja, as the rules engine renders it


def test_alertmanager_rule_starts_the_workflow_for_firing_notifications():
    rule = load(ROOT / "rules" / "alertmanager_webhook.yaml")
    assert rule["trigger"] == {"type": "core.st2.webhook", "parameters": {"url": "alertmanager"}}
    assert rule["criteria"] == {"trigger.body.status": {"type": "equals", "pattern": "firing"}}
    assert rule["action"] == {
        "ref": "remediate.remediate_alert",
        "parameters": {"alert": "{{ trigger.body }}"},
    }


def test_inquiry_rule_listens_on_the_configured_route():
    rule = load(ROOT / "rules" / "inquiry_notify.yaml")
    assert rule["trigger"]["type"] == "core.st2.generic.inquiry"
    assert rule["criteria"]["trigger.route"]["pattern"] == Settings().approval.route
    params = rule["action"]["parameters"]
    assert params == {"inquiry_id": "{{ trigger.id }}", "route": "{{ trigger.route }}"}


@needs_schemas
def test_a_rule_without_a_trigger_type_fails():
    rule = load(ROOT / "rules" / "alertmanager_webhook.yaml")
    assert st2_errors({**rule, "trigger": {"parameters": {"url": "x"}}}, "rule.json")
    assert st2_errors({**rule, "enable": True}, "rule.json")


# ---------------------------------------------------------------------- the workflow


def workflow() -> dict:
    return load(WORKFLOW)


def targets(task: dict) -> list[str]:
    out = []
    for transition in task.get("next") or []:
        do = transition.get("do") or []
        out += [do] if isinstance(do, str) else list(do)
    return out


def expressions(node) -> list[str]:
    if isinstance(node, str):
        return re.findall(r"<%(.*?)%>", node, re.S)
    if isinstance(node, dict):
        return [e for v in node.values() for e in expressions(v)]
    if isinstance(node, list):
        return [e for v in node for e in expressions(v)]
    return []


def test_workflow_metadata_points_at_the_workflow():
    meta = load(ROOT / "actions" / "remediate_alert.yaml")
    assert (ROOT / "actions" / meta["entry_point"]) == WORKFLOW
    assert list(workflow()["input"]) == list(meta["parameters"])


def test_every_transition_target_exists_and_every_task_is_reachable():
    tasks = workflow()["tasks"]
    for name, task in tasks.items():
        for target in targets(task):
            assert target in tasks or target in ENGINE_COMMANDS, f"{name} → {target}"
    referenced = {t for task in tasks.values() for t in targets(task)}
    starts = [name for name in tasks if name not in referenced]
    assert starts == ["investigate"]
    seen, todo = set(), list(starts)
    while todo:
        name = todo.pop()
        if name in seen or name in ENGINE_COMMANDS:
            continue
        seen.add(name)
        todo += targets(tasks[name])
    assert seen == set(tasks)


def test_every_workflow_action_is_ours_or_a_real_core_action():
    for name, task in workflow()["tasks"].items():
        ref = task["action"].split()[0]
        assert ref in our_action_refs() or ref in CORE_ACTIONS, f"{name}: {ref}"
        if ref in our_action_refs():
            declared = load(ROOT / "actions" / f"{ref.split('.', 1)[1]}.yaml")["parameters"]
            given = set(task.get("input") or {})
            assert given <= set(declared), f"{name}: {given - set(declared)}"
            required = {k for k, v in (declared or {}).items() if v.get("required")}
            assert required <= given, f"{name} misses {required - given}"


def test_every_expression_parses_and_names_known_variables():
    spec = workflow()
    engine = yaql.factory.YaqlFactory().create()
    known = set(spec["input"]) | {next(iter(v)) for v in spec["vars"]}
    tasks = set(spec["tasks"])
    found = expressions(spec)
    assert len(found) > 20
    for expr in found:
        engine(expr.strip())  # raises on a syntax error
        for name in re.findall(r"ctx\(\)\.(\w+)", expr):
            assert name in known, f"ctx().{name} is neither input nor var"
        for name in re.findall(r"task\((\w+)\)", expr):
            assert name in tasks


def test_the_ask_uses_core_ask_with_the_approval_schema_and_config():
    ask = workflow()["tasks"]["ask"]
    assert ask["action"] == "core.ask"
    for key in ("users", "roles", "ttl", "route"):
        assert ask["input"][key] == f"<% ctx().approval.{key} %>"
    schema = ask["input"]["schema"]
    props = schema["properties"]
    assert props["approved"] == {**props["approved"], "type": "boolean", "required": True}
    assert props["comment"]["type"] == "string"
    # StackStorm validates the answer with this schema and its own validator semantics.
    v = St2Validator(schema)
    assert v.is_valid({"approved": False, "comment": "not now"})
    assert not v.is_valid({"comment": "no decision"})
    assert not v.is_valid({"approved": "yes"})


def evaluate_transitions(task: dict, *, status: str, results: dict) -> list[str]:
    """Which targets a task's transitions take, evaluated by yaql as orquesta would."""
    engine = yaql.factory.YaqlFactory().create()
    context = yaql.create_context()
    context.register_function(lambda: status == "succeeded", name="succeeded")
    context.register_function(lambda: status == "failed", name="failed")
    context.register_function(lambda name: results[name], name="task")
    taken = []
    for transition in task["next"]:
        when = transition.get("when", "<% true %>")
        [expr] = expressions(when)
        if engine(expr.strip()).evaluate(context=context):
            do = transition["do"]
            taken += [do] if isinstance(do, str) else do
    return taken


@pytest.mark.parametrize(
    ("status", "response", "expected"),
    [
        ("succeeded", {"approved": True}, ["execute"]),
        ("succeeded", {"approved": False, "comment": "not now"}, ["record_rejection"]),
        ("failed", None, ["record_expiry"]),
    ],
    ids=["approved", "rejected-still-succeeds", "timeout"],
)
def test_the_ask_branches_on_the_response_not_on_success(status, response, expected):
    ask = workflow()["tasks"]["ask"]
    result = {"ask": {"result": {"response": response} if response is not None else {}}}
    assert evaluate_transitions(ask, status=status, results=result) == expected


# ---------------------------------------------------------------------- config


def schema_tree(schema: dict) -> dict:
    return {
        k: schema_tree(v["properties"]) if v.get("type") == "object" and "properties" in v else None
        for k, v in schema.items()
    }


def settings_tree(model) -> dict:
    tree = {}
    for name, field in model.model_fields.items():
        sub = field.annotation
        is_section = isinstance(sub, type) and hasattr(sub, "model_fields")
        tree[name] = settings_tree(sub) if is_section else None
    return tree


def test_config_schema_mirrors_settings_exactly():
    schema = load(ROOT / "config.schema.yaml")
    assert schema_tree(schema) == settings_tree(Settings)


def test_config_schema_defaults_are_the_settings_defaults():
    schema = load(ROOT / "config.schema.yaml")
    defaults = Settings().model_dump(mode="json")

    def check(props: dict, values: dict, path: str) -> None:
        for key, prop in props.items():
            if "default" in prop:
                assert prop["default"] == values[key], f"{path}{key}"
            if "properties" in prop:
                check(prop["properties"], values[key], f"{path}{key}.")

    check(schema, defaults, "")
    assert schema["llm"]["properties"]["api_key"]["secret"] is True


@needs_schemas
def test_config_schema_is_valid_stackstorm_parameter_metadata():
    meta = yaml.safe_load((SCHEMAS / "util-action_params.json").read_text())
    for key, prop in load(ROOT / "config.schema.yaml").items():
        assert list(St2Validator(meta).iter_errors(prop)) == [], key


def stackstorm_config_schema() -> dict:
    """How StackStorm validates a pack config: the schema's properties, extra keys allowed."""
    return {"type": "object", "properties": load(ROOT / "config.schema.yaml")}


def test_example_config_validates_and_loads(tmp_path):
    example = ROOT / "remediate.yaml.example"
    data = load(example)
    St2Validator(stackstorm_config_schema()).validate(data)
    settings = load_settings(example, env={})
    assert settings.planner == "llm" and settings.approval.users == ["alice"]
    assert settings_from_mapping(data) == settings


def test_a_bad_pack_config_is_refused_with_a_clear_error():
    from remediate.errors import ConfigError

    bad = {"approval": {"ttl": "soon"}}
    assert not St2Validator(stackstorm_config_schema()).is_valid(bad)
    with pytest.raises(ConfigError):
        settings_from_mapping(bad)
    with pytest.raises(ConfigError):
        settings_from_mapping({"no_such_section": {"model": "x"}})
    assert settings_from_mapping({"llm": {"api_key": None}, "inventory": None}) == Settings()


@needs_schemas
@pytest.mark.parametrize("path", ACTIONS, ids=lambda p: p.stem)
def test_action_parameters_do_not_clash_with_runner_parameters(path):
    """StackStorm refuses an action that overrides a runner parameter beyond default,
    description, enum, immutable and required."""
    action = load(path)
    runner_file = {"python-script": "python_runner.yaml", "orquesta": "orquesta_runner.yaml"}
    [runner] = load(SCHEMAS / "runners" / runner_file[action["runner_type"]])
    overridable = {"default", "description", "enum", "immutable", "required"}
    for name, spec in (action.get("parameters") or {}).items():
        ours = runner["runner_parameters"].get(name)
        if ours is not None:
            changed = {k for k, v in spec.items() if ours.get(k) != v}
            assert changed <= overridable, f"{name}: {changed - overridable}"
