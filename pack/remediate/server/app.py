"""The HTTP shell: parse the request, call one service function, format the answer.

Authentication is a bearer token whose SHA-256 is listed in ``server.tokens`` with the name
it stands for; that name is the responder of an approval. Errors of the exception tree map to
statuses once, in :data:`STATUSES`: Alertmanager retries any 5xx forever and never a 4xx, so
only a failure that may pass (storage) is a 5xx.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from remediate import errors, intake
from remediate.config import Settings
from remediate.server.queue import AlertQueue, delivery_key
from remediate.server.worker import Workers

log = logging.getLogger("remediate.serve")

STATUSES: list[tuple[type[errors.RemediateError], int]] = [
    (errors.AlertFormatError, 422),
    (errors.InvalidResponse, 422),
    (errors.UsageError, 400),
    (errors.ResponderNotAllowed, 403),
    (errors.PolicyViolation, 403),
    (errors.QuorumPending, 202),
    (errors.ApprovalError, 409),
    (errors.InvalidTransition, 409),
    (errors.NotFound, 404),
    (errors.OperationalError, 503),
]

Handler = Callable[[Request], Awaitable[Response]]


def problem(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


class BodyTooLarge(Exception):
    pass


async def read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def authenticated(settings: Settings, request: Request) -> str | None:
    """The name the request's bearer token stands for, or None."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    digest = hashlib.sha256(token.strip().encode()).hexdigest()
    for known, name in settings.server.tokens.items():
        if hmac.compare_digest(known, digest):
            return name
    return None


def create_app(settings: Settings) -> Starlette:
    queue = AlertQueue(settings.database)
    workers = Workers(settings, queue, settings.server.workers)

    def guarded(handler: Callable[[Request, str], Awaitable[Response]]) -> Handler:
        async def endpoint(request: Request) -> Response:
            user = authenticated(settings, request)
            if user is None:
                return JSONResponse(
                    {"error": "a valid bearer token is required"},
                    status_code=401,
                    headers={"WWW-Authenticate": "Bearer"},
                )
            try:
                return await handler(request, user)
            except errors.RemediateError as exc:
                status = next((s for kind, s in STATUSES if isinstance(exc, kind)), 500)
                return problem(status, f"{type(exc).__name__}: {exc}")

        return endpoint

    async def post_alerts(request: Request, user: str) -> Response:
        try:
            body = await read_body(request, settings.server.max_body)
        except BodyTooLarge:
            return problem(413, f"the body exceeds {settings.server.max_body} bytes")
        batch = intake.read_payload(body)  # AlertFormatError → 422, before anything is stored
        accepted = await run_in_threadpool(queue.accept, body, delivery_key(batch), batch.truncated)
        workers.wake.set()
        return JSONResponse(
            {
                "id": accepted.id,
                "duplicate_of": accepted.duplicate_of,
                "alerts": len(batch.alerts),
                "rejected": [r.reason for r in batch.rejected],
                "truncated": batch.truncated,
            },
            status_code=200 if accepted.duplicate_of is not None else 202,
        )

    async def list_incidents(request: Request, user: str) -> Response:
        def work() -> list[dict[str, Any]]:
            with _engine(settings) as engine:
                return [
                    i.model_dump(mode="json")
                    for i in engine.store.list_incidents(limit=_limit(request))
                ]

        return JSONResponse(await run_in_threadpool(work))

    async def show_incident(request: Request, user: str) -> Response:
        from remediate.report import incident_json

        def work() -> dict[str, Any]:
            with _engine(settings) as engine:
                incident = engine.store.get_incident(request.path_params["id"])
                return incident_json(engine, incident)

        return JSONResponse(await run_in_threadpool(work))

    async def respond(request: Request, user: str) -> Response:
        from remediate.report import outcome_json

        body = await read_body(request, 64_000)
        response = _decision(body)

        def work() -> dict[str, Any]:
            with _engine(settings) as engine:
                engine.expire_inquiries()
                outcome = engine.respond(request.path_params["id"], response, user=user, via="api")
                return outcome_json(engine, outcome)

        return JSONResponse(await run_in_threadpool(work))

    async def queue_state(request: Request, user: str) -> Response:
        return JSONResponse(await run_in_threadpool(queue.counts))

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await run_in_threadpool(workers.start)
        try:
            yield
        finally:
            await run_in_threadpool(workers.stop)

    from remediate.server import web

    return Starlette(
        routes=[
            *web.routes(settings),
            Route("/healthz", healthz),
            Route("/api/v1/alerts", guarded(post_alerts), methods=["POST"]),
            Route("/api/v1/queue", guarded(queue_state)),
            Route("/api/v1/incidents", guarded(list_incidents)),
            Route("/api/v1/incidents/{id}", guarded(show_incident)),
            Route("/api/v1/inquiries/{id}/respond", guarded(respond), methods=["POST"]),
        ],
        lifespan=lifespan,
    )


@contextlib.contextmanager
def _engine(settings: Settings) -> Any:
    from remediate.pipeline import Engine

    engine = Engine(settings)
    try:
        yield engine
    finally:
        if "store" in engine.__dict__:
            engine.store.close()


def _limit(request: Request) -> int:
    raw = request.query_params.get("limit", "50")
    if not raw.isdigit() or not 1 <= int(raw) <= 1000:
        raise errors.UsageError("limit must be a number from 1 to 1000")
    return int(raw)


def _decision(body: bytes) -> dict[str, Any]:
    import json

    try:
        data = json.loads(body or b"null")
    except ValueError as exc:
        raise errors.UsageError(f"the body is not JSON: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("approved"), bool):
        raise errors.UsageError('expected {"approved": true|false, "comment": "…"}')
    comment = data.get("comment")
    if comment is not None and not isinstance(comment, str):
        raise errors.UsageError("comment must be a string")
    return {"approved": data["approved"], **({"comment": comment} if comment else {})}


def serve(settings: Settings) -> None:
    """Run the app under uvicorn in this process until interrupted."""
    import uvicorn

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    uvicorn.run(
        create_app(settings),
        host=settings.server.host,
        port=settings.server.port,
        log_level="info",
        access_log=False,
    )
