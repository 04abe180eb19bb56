"""Adapter for the StackStorm API, as a python-script action sees it.

StackStorm gives every action run ``ST2_ACTION_EXECUTION_ID``, ``ST2_ACTION_API_URL`` and a
short-lived ``ST2_ACTION_AUTH_TOKEN`` (destroyed when the action ends). With them the
action can read its own execution, its parent workflow's, and that workflow's other task
executions — which is how ``proposal_execute`` proves that a real ``core.ask`` of the
investigating workflow approved this incident's binding, instead of trusting a response
handed to it as a parameter. Errors become :class:`StackStormUnavailable`.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from typing import Any

from remediate.errors import NotFound, OperationalError

TIMEOUT = 10.0


class StackStormUnavailable(OperationalError):
    pass


class St2Api:
    def __init__(self, url: str, token: str, execution_id: str) -> None:
        self.url = url.rstrip("/")
        self.token = token
        self.execution_id = execution_id

    @classmethod
    def from_environment(cls, env: Mapping[str, str] | None = None) -> St2Api | None:
        """The API as the running action may use it, or None outside a StackStorm run."""
        env = os.environ if env is None else env
        url, token = env.get("ST2_ACTION_API_URL"), env.get("ST2_ACTION_AUTH_TOKEN")
        execution = env.get("ST2_ACTION_EXECUTION_ID")
        if not (url and token and execution):
            return None
        return cls(url, token, execution)

    def execution(self, execution_id: str) -> dict[str, Any]:
        found = self._get(f"/executions/{urllib.parse.quote(execution_id, safe='')}")
        if not isinstance(found, dict):
            raise StackStormUnavailable(f"execution {execution_id}: unexpected answer")
        return found

    def children(self, parent_id: str) -> list[dict[str, Any]]:
        query = urllib.parse.urlencode({"parent": parent_id, "limit": 100})
        found = self._get(f"/executions?{query}")
        if not isinstance(found, list):
            raise StackStormUnavailable(f"executions of {parent_id}: unexpected answer")
        return [e for e in found if isinstance(e, dict)]

    def parent_of(self, execution: Mapping[str, Any]) -> str | None:
        parent = execution.get("parent")
        if isinstance(parent, str) and parent:
            return parent
        context = execution.get("context") or {}
        nested = context.get("parent") if isinstance(context, dict) else None
        if isinstance(nested, dict) and isinstance(nested.get("execution_id"), str):
            return str(nested["execution_id"])
        return None

    def _get(self, path: str) -> Any:
        request = urllib.request.Request(  # noqa: S310 - the URL is StackStorm's own
            self.url + path, headers={"X-Auth-Token": self.token, "Accept": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
                return json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                raise NotFound(f"StackStorm has no {path}") from None
            raise StackStormUnavailable(f"StackStorm API {self.url}{path}: {exc}") from exc
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise StackStormUnavailable(f"StackStorm API {self.url}{path}: {exc}") from exc
