"""What an approval binds: computed from the files and the inventory as they are now.

Pure: given the proposal (real names), the catalog action, the playbooks' bytes, the
target's resolved inventory variables and the incident's nonce, return the
:class:`~remediate.models.Binding` whose hash the approver approves. The execution stage
computes it again from disk right before running; any difference means nothing runs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from remediate.catalog import Action, Catalog
from remediate.models import Binding, Proposal, digest_of


def bind(
    proposal: Proposal,
    catalog: Catalog,
    host_vars: Mapping[str, Any],
    nonce: str,
) -> Binding:
    assert proposal.action is not None and proposal.host is not None
    action = catalog.get(proposal.action)
    return Binding(
        action=action.id,
        catalog_entry=digest_of(action.model_dump(mode="json")),
        playbook=_file_digest(catalog, action.playbook),
        verify_playbook=_file_digest(catalog, action.verify.playbook) if action.verify else None,
        params=dict(proposal.params),
        host=proposal.host,
        host_vars=digest_of(dict(host_vars)),
        nonce=nonce,
    )


def _file_digest(catalog: Catalog, playbook: str) -> str:
    return hashlib.sha256(catalog.playbook_path(playbook).read_bytes()).hexdigest()


def verify_digest(action: Action, binding: Binding) -> str | None:
    """The verify playbook digest the binding approved (None: the action has none)."""
    return binding.verify_playbook if action.verify else None
