"""Gather: run the configured read-only catalog playbooks on the alert's host, in parallel.

Only read-only actions may be gathered; an action with a ``service`` parameter runs once per
service the host lists (up to a few). ``host_facts`` (the default) gathers everything in one
run and returns JSON, which :mod:`remediate.evidence.gathered` turns into the texts the single
playbooks print. The raw output stays in the process: callers sanitize it before storing it
or giving it to a planner.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from remediate.ansible_executor import AnsibleExecutor, observation_text
from remediate.catalog import Catalog
from remediate.errors import ConfigError, ExecutionError
from remediate.evidence.gathered import observations_from_facts
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

    def texts(self) -> dict[str, str]:
        """Observation texts by action: host_facts' JSON as the single playbooks' texts."""
        label = f" {self.params['service']}" if "service" in self.params else ""
        if self.ok and self.execution.facts is not None:
            try:
                return observations_from_facts(self.execution.facts, self.execution.host)
            except ExecutionError as exc:
                return {self.action: f"## {self.action}\n({exc})\n{self.text()}"}
        return {self.action: f"## {self.action}{label}\n{self.text()}"}


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
    def run(job: tuple[str, dict[str, Any]]) -> Gathered:
        action = catalog.get(job[0])
        execution = executor.run(
            action=action.id,
            playbook=catalog.playbook_path(action.playbook),
            host=host.name,
            host_vars=host.vars,
            params=action.with_defaults(job[1]),
            timeout=min(action.timeout, timeout),
        )
        return Gathered(action.id, job[1], execution)

    with ThreadPoolExecutor(max_workers=PARALLEL_RUNS) as pool:
        return list(pool.map(run, jobs_for(catalog, actions, host)))


def observations_by_action(gathered: Sequence[Gathered]) -> dict[str, str]:
    """One text per catalog action; a per-service run is headed by its service. host_facts
    counts as the actions whose texts it stands for."""
    texts: dict[str, list[str]] = {}
    for item in gathered:
        for action, text in item.texts().items():
            texts.setdefault(action, []).append(text)
    return {action: "\n".join(parts) for action, parts in texts.items()}
