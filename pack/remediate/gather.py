"""Gather: run the configured read-only catalog playbooks on the alert's host.

Only read-only actions may be gathered; an action with a ``service`` parameter runs once per
service the host lists (up to a few). All of an incident's gathers go in one ansible-playbook
run (one start-up, one SSH connection): a generated playbook imports each catalog playbook
with its parameters, and the run's events are split back per job at each one's
``Report observation`` task. If that run cannot be split cleanly (a play failed, and Ansible
drops a failed host from the plays after it), every job runs again on its own, in parallel.
The raw output stays in the process: callers sanitize it before storing it or giving it to a
planner.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from remediate.ansible_executor import REPORT_TASK, AnsibleExecutor, observation_text, render_events
from remediate.catalog import Catalog
from remediate.errors import ConfigError
from remediate.inventory import Host
from remediate.models import Execution, ExecutionStatus

MAX_SERVICES = 3
PARALLEL_RUNS = 4


@dataclass(frozen=True)
class Gathered:
    action: str
    params: dict[str, Any]
    execution: Execution

    @property
    def ok(self) -> bool:
        return self.execution.status is ExecutionStatus.SUCCESSFUL

    def text(self) -> str:
        text = observation_text(self.execution)
        return text if self.ok else f"({self.action} {self.execution.status})\n{text}"


def jobs_for(
    catalog: Catalog, actions: Sequence[str], host: Host
) -> list[tuple[str, dict[str, Any]]]:
    jobs: list[tuple[str, dict[str, Any]]] = []
    for action_id in actions:
        action = catalog.get(action_id)
        if not action.read_only:
            raise ConfigError(f"gather may only run read-only actions, not {action_id}")
        if "service" in action.parameters:
            jobs += [(action_id, {"service": s}) for s in host.services[:MAX_SERVICES]]
        else:
            jobs.append((action_id, {}))
    return jobs


def gather(
    executor: AnsibleExecutor,
    catalog: Catalog,
    actions: Sequence[str],
    host: Host,
    *,
    timeout: int,
) -> list[Gathered]:
    jobs = jobs_for(catalog, actions, host)
    if not jobs:
        return []
    together = _in_one_run(executor, catalog, jobs, host, timeout=timeout)
    return together if together is not None else _run_each(executor, catalog, jobs, host, timeout)


def separately(
    executor: AnsibleExecutor,
    catalog: Catalog,
    actions: Sequence[str],
    host: Host,
    *,
    timeout: int,
) -> list[Gathered]:
    """Each job in its own ansible-playbook run, a few in parallel (the fallback; and the
    benchmark's comparison for the one-run gather)."""
    return _run_each(executor, catalog, jobs_for(catalog, actions, host), host, timeout)


def _in_one_run(
    executor: AnsibleExecutor,
    catalog: Catalog,
    jobs: list[tuple[str, dict[str, Any]]],
    host: Host,
    *,
    timeout: int,
) -> list[Gathered] | None:
    plays = []
    for action_id, params in jobs:
        action = catalog.get(action_id)
        plays.append(
            {
                "import_playbook": str(catalog.playbook_path(action.playbook)),
                "vars": action.with_defaults(params),
            }
        )
    budget = min(timeout, sum(catalog.get(action_id).timeout for action_id, _ in jobs))
    with tempfile.TemporaryDirectory(prefix="rmd-gather-") as tmp:
        wrapper = Path(tmp) / "gather.yml"
        wrapper.write_text(yaml.safe_dump(plays, sort_keys=False))
        execution = executor.run(
            action="gather", playbook=wrapper, host=host.name, params={}, timeout=budget
        )
    parts: list[list[Any]] = [[]]
    for event in execution.events:
        parts[-1].append(event)
        if event.task == REPORT_TASK:
            parts.append([])
    if (
        execution.status is not ExecutionStatus.SUCCESSFUL
        or parts[-1]
        or len(parts) != len(jobs) + 1
    ):
        return None
    return [
        Gathered(
            action_id,
            params,
            execution.model_copy(
                update={"action": action_id, "events": part, "output": render_events(part)}
            ),
        )
        for (action_id, params), part in zip(jobs, parts, strict=False)
    ]


def _run_each(
    executor: AnsibleExecutor,
    catalog: Catalog,
    jobs: list[tuple[str, dict[str, Any]]],
    host: Host,
    timeout: int,
) -> list[Gathered]:
    def run(job: tuple[str, dict[str, Any]]) -> Gathered:
        action = catalog.get(job[0])
        execution = executor.run(
            action=action.id,
            playbook=catalog.playbook_path(action.playbook),
            host=host.name,
            params=action.with_defaults(job[1]),
            timeout=min(action.timeout, timeout),
        )
        return Gathered(action.id, job[1], execution)

    with ThreadPoolExecutor(max_workers=PARALLEL_RUNS) as pool:
        return list(pool.map(run, jobs))


def observations_by_action(gathered: Sequence[Gathered]) -> dict[str, str]:
    """One text per catalog action; a per-service run is headed by its service."""
    texts: dict[str, list[str]] = {}
    for item in gathered:
        label = f" {item.params['service']}" if "service" in item.params else ""
        texts.setdefault(item.action, []).append(f"## {item.action}{label}\n{item.text()}")
    return {action: "\n".join(parts) for action, parts in texts.items()}
