"""What a planner sees and the one interface every planner implements.

A :class:`PlanningContext` holds only sanitized text: the alert, the
observations of the read-only playbooks, the retrieved citations and the
target host's pseudonym and services. Planners return a
:class:`~remediate.models.Proposal` in that same vocabulary; the guard checks
it and maps pseudonyms back.
"""

from __future__ import annotations

import json
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field

from remediate.catalog import Catalog
from remediate.models import Citation, Proposal


class ActionSpec(BaseModel):
    """A catalog action as shown to a planner."""

    model_config = ConfigDict(frozen=True)

    id: str
    description: str
    read_only: bool
    risk: str
    parameters: dict[str, dict[str, object]]


class PlanningContext(BaseModel):
    model_config = ConfigDict(frozen=True)

    alert_name: str
    alert_status: str
    alert_text: str
    alert_labels: dict[str, str] = Field(default_factory=dict)
    host: str
    """The target host's pseudonym, e.g. ``[HOST_1]``."""
    host_services: list[str] = Field(default_factory=list)
    service_manager: str = "systemd"
    service_aliases: dict[str, str] = Field(default_factory=dict)
    """Names the host's services go by elsewhere (an alert's ``job: api``) -> service."""
    killable: list[str] = Field(default_factory=list)
    """Executable names (``comm``) kill_process may target on this host."""
    fleet_size: int = 1
    """How many distinct hosts fire the same alert in the same notification."""
    observations: dict[str, str] = Field(default_factory=dict)
    citations: list[Citation] = Field(default_factory=list)
    actions: list[ActionSpec] = Field(default_factory=list)

    def evidence(self) -> str:
        """Alert and observations as one text, for pattern checks."""
        return "\n".join([self.alert_text, *self.observations.values()])

    def citation_refs(self) -> set[str]:
        return {c.ref for c in self.citations} | {c.id for c in self.citations}

    def transcript(self) -> str:
        """Everything this context would give a planner, for leak checks and audit."""
        return json.dumps(self.model_dump(mode="json"), sort_keys=True)


def action_specs(catalog: Catalog) -> list[ActionSpec]:
    specs = []
    for action in catalog.actions.values():
        params = {name: p.model_dump(exclude_none=True) for name, p in action.parameters.items()}
        specs.append(
            ActionSpec(
                id=action.id,
                description=action.description,
                read_only=action.read_only,
                risk=str(action.risk),
                parameters=params,
            )
        )
    return specs


class Planner(Protocol):
    name: str

    def plan(self, context: PlanningContext) -> Proposal:
        """Select and parameterize one catalog action, or escalate, or do nothing."""
        ...
