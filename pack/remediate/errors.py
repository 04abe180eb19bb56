"""One exception tree for the whole package.

Caller mistakes, runtime failures of the outside world, policy refusals and
approval problems are kept apart so that each shell (CLI, HTTP, StackStorm
action) can map them to the right exit code or message::

    RemediateError
    ├── UsageError                 the caller or its files are wrong; fix and retry
    │   ├── ConfigError            bad configuration file or environment
    │   ├── CatalogError           catalog.yaml / playbook inconsistent
    │   ├── InventoryError         inventory unreadable or inconsistent
    │   ├── AlertFormatError       alert payload malformed or missing fields
    │   └── KnowledgeBaseError     runbook / ticket malformed
    ├── OperationalError           the outside world failed; may succeed later
    │   ├── PlannerUnavailable     LLM endpoint down, timed out, or answered garbage too often
    │   │   └── LocalModelError    the local model (local-llm extra) missing or its server died
    │   ├── RetrievalError         LanceDB index missing or unreadable
    │   │   └── EmbeddingError     embeddings endpoint or model failed
    │   ├── ExecutionError         ansible-runner could not run a playbook
    │   ├── StoreError             SQLite state unreadable
    │   └── NotificationError      an SMTP server or webhook refused or did not answer
    ├── PolicyViolation            a proposal broke the allowlist; never executed
    ├── ApprovalError              an inquiry response or an execution request was refused
    │   ├── InquiryNotPending      already answered or expired
    │   ├── ResponderNotAllowed    user / role not in the inquiry's users / roles
    │   ├── InvalidResponse        response does not validate against the inquiry schema
    │   ├── ApprovalMismatch       approval was for another playbook, parameters or target
    │   │   └── BindingChanged     something the approval covers changed since it was given
    │   └── QuorumPending          recorded; the policy needs more approvers before it runs
    ├── InvalidTransition          incident state machine refused a step
    │   └── StateConflict          the stored state is not the one the caller read (a race)
    └── NotFound                   no incident / inquiry with that id
"""

from __future__ import annotations


class RemediateError(Exception):
    """Root of every error raised on purpose by remediate."""


class UsageError(RemediateError):
    """The caller, its configuration or its data is wrong."""


class ConfigError(UsageError):
    pass


class CatalogError(UsageError):
    pass


class InventoryError(UsageError):
    pass


class AlertFormatError(UsageError):
    pass


class KnowledgeBaseError(UsageError):
    pass


class OperationalError(RemediateError):
    """Something outside the process failed."""


class PlannerUnavailable(OperationalError):
    pass


class LocalModelError(PlannerUnavailable):
    pass


class RetrievalError(OperationalError):
    pass


class EmbeddingError(RetrievalError):
    pass


class ExecutionError(OperationalError):
    pass


class StoreError(OperationalError):
    pass


class NotificationError(OperationalError):
    """A notification channel failed; the message says how without any secret (no URL,
    no password), because it is logged and stored in the outbox."""


class PolicyViolation(RemediateError):
    """A proposal broke the allowlist, the inventory or the evidence rules."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


class ApprovalError(RemediateError):
    pass


class InquiryNotPending(ApprovalError):
    pass


class ResponderNotAllowed(ApprovalError):
    pass


class InvalidResponse(ApprovalError):
    pass


class ApprovalMismatch(ApprovalError):
    pass


class BindingChanged(ApprovalMismatch):
    def __init__(self, parts: list[str]) -> None:
        super().__init__("what the approval covers changed since it was given: " + ", ".join(parts))
        self.parts = parts


class QuorumPending(ApprovalError):
    """Not an error for the approver: the answer is recorded and more are needed."""


class InvalidTransition(RemediateError):
    pass


class StateConflict(InvalidTransition):
    """Another process changed the incident first; nothing was written."""


class NotFound(RemediateError):
    pass
