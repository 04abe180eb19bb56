"""The served OpenAPI document against the live server: Schemathesis generates requests for
every documented operation (valid and invalid) and checks that no answer is a server error
and that every answer matches the document; unauthenticated calls are refused."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from server_process import Server


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    directory: Path = tmp_path_factory.mktemp("openapi")
    srv = Server(directory, settings={"approval": {"users": ["alice"]}})
    srv.start(workers=0)
    yield srv
    srv.stop()


def test_every_operation_answers_as_documented(live: Server) -> None:
    """Each documented operation, 30 generated cases each (Schemathesis' own pytest plugin does
    not load under this pytest, so its strategies run under Hypothesis directly)."""
    api = schemathesis.openapi.from_url(f"{live.url}/openapi.json")
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) >= 9
    for operation in operations:
        # Intake's rules go beyond JSON Schema (RFC 3339 times, label values that are lines,
        # clipped fields): a schema-valid body may still be a clear 422, never a 5xx.
        lenient = operation.path == "/api/v1/alerts"

        @given(case=operation.as_strategy())
        @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
        def answers_as_documented(case: schemathesis.Case) -> None:
            case.call_and_validate(
                base_url=live.url,
                headers={"Authorization": "Bearer alice-token"},
                excluded_checks=[positive_data_acceptance] if lenient else [],
            )

        answers_as_documented()


def test_every_protected_operation_refuses_the_unauthenticated(live: Server) -> None:
    document = httpx.get(f"{live.url}/openapi.json").json()
    protected = [
        (method, path.replace("{id}", "x"))
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if operation.get("security", document["security"])
    ]
    assert len(protected) >= 7
    for token in (None, "not-a-token"):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        for method, path in protected:
            answer = httpx.request(method, f"{live.url}{path}", headers=headers, json={})
            assert answer.status_code == 401, (method, path, token)
            assert answer.headers["www-authenticate"] == "Bearer"
