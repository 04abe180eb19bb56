"""The HTTP shell: parse the request, call one service function, format the answer.

:func:`build_app` composes the application from :class:`Services` (settings, the durable
queue, the worker pool, metrics, one long-lived engine per thread) and *mounts*: functions
that take the services and return routes, so that other parts of the server (the review
page, notifications) add theirs without editing this module (:data:`MOUNTS`).

Authentication of the API is a bearer token whose SHA-256 is listed in ``server.tokens``
with the name it stands for; that name is the responder of an approval. Alert posts may in
addition need an HMAC-SHA256 signature of the raw body (``server.signature_secret_file``).
Errors of the exception tree map to statuses once, in :data:`STATUSES`: Alertmanager retries
any 5xx forever and never a 4xx, so only a failure that may pass (storage) is a 5xx.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import importlib
import json
import logging
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from remediate import errors, intake
from remediate.config import Settings
from remediate.models import IncidentStatus, InquiryStatus
from remediate.notifier import NotifierThread
from remediate.server import logs
from remediate.server.metrics import CONTENT_TYPE, Metrics
from remediate.server.openapi import document
from remediate.server.queue import AlertQueue, batch_hosts, delivery_key
from remediate.server.worker import Workers

if TYPE_CHECKING:
    from remediate.pipeline import Engine

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

SIGNATURE_HEADER = "x-remediate-signature"
PARSE_INLINE = 256 * 1024
"""Bodies up to this size are parsed on the event loop; larger ones in a worker thread."""

Handler = Callable[[Request], Awaitable[Response]]
Mount = Callable[["Services"], Sequence[BaseRoute]]

MOUNTS: tuple[str, ...] = ("remediate.server.web:mount",)
"""Mounts of other server modules, included when the module exists (``module:function``)."""


def problem(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def status_of(exc: errors.RemediateError) -> int:
    return next((s for kind, s in STATUSES if isinstance(exc, kind)), 500)


class BodyTooLarge(errors.UsageError):
    pass


async def read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(f"the body exceeds {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(f"the body exceeds {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


@dataclass
class Services:
    """What every route and background part of the server shares."""

    settings: Settings
    queue: AlertQueue
    workers: Workers
    metrics: Metrics
    signature_secret: bytes | None = None
    startup: list[Callable[[], None]] = field(default_factory=list)
    """Called (in a thread) when the server starts, after the workers; mounts append here."""
    shutdown: list[Callable[[], None]] = field(default_factory=list)
    _local: threading.local = field(default_factory=threading.local)

    def engine(self) -> Engine:
        """This thread's engine, kept for the thread's life: one SQLite connection per
        thread, never opened and closed per request."""
        engine: Engine | None = getattr(self._local, "engine", None)
        if engine is None:
            from remediate.pipeline import Engine

            engine = self._local.engine = Engine(self.settings)
        return engine

    def bearer_user(self, request: Request) -> str | None:
        """The name the request's bearer token stands for, or None."""
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        digest = hashlib.sha256(token.strip().encode()).hexdigest()
        found = None
        for known, name in self.settings.server.tokens.items():
            if hmac.compare_digest(known, digest):
                found = name
        return found

    def signed(self, request: Request, body: bytes) -> bool:
        if self.signature_secret is None:
            return True
        scheme, _, given = request.headers.get(SIGNATURE_HEADER, "").partition("=")
        expected = hmac.new(self.signature_secret, body, hashlib.sha256).hexdigest()
        return scheme == "sha256" and hmac.compare_digest(given.strip().lower(), expected)

    def guarded(self, handler: Callable[[Request, str], Awaitable[Response]]) -> Handler:
        """``handler`` behind the bearer token, with the exception tree mapped to statuses."""

        async def endpoint(request: Request) -> Response:
            user = self.bearer_user(request)
            if user is None:
                if request.url.path == "/api/v1/alerts":
                    self.metrics.rejected.labels("unauthenticated").inc()
                return problem(
                    401, "a valid bearer token is required", {"WWW-Authenticate": "Bearer"}
                )
            try:
                return await handler(request, user)
            except errors.RemediateError as exc:
                return problem(status_of(exc), f"{type(exc).__name__}: {exc}")

        return endpoint


def _read_secret(settings: Settings) -> bytes | None:
    path = settings.server.signature_secret_file
    if path is None:
        return None
    try:
        secret = path.read_bytes().strip()
    except OSError as exc:
        raise errors.ConfigError(f"server.signature_secret_file: {exc}") from exc
    if not secret:
        raise errors.ConfigError(f"server.signature_secret_file {path} is empty")
    return secret


def installed_mounts() -> list[Mount]:
    mounts: list[Mount] = []
    for spec in MOUNTS:
        module_name, _, function = spec.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        mounts.append(getattr(module, function))
    return mounts


def build_app(
    settings: Settings,
    *,
    mounts: Sequence[Mount] | None = None,
    workers: int | None = None,
) -> Starlette:
    queue = AlertQueue(settings.database)
    pool = Workers(settings, queue, settings.server.workers if workers is None else workers)
    metrics = Metrics(queue._store)
    services = Services(settings, queue, pool, metrics, _read_secret(settings))
    pool._engine_factory = services.engine  # the workers' engines are per thread too

    notifier = NotifierThread(settings)  # the outbox's sender: its own thread, never intake's
    services.startup.append(notifier.start)
    services.shutdown.append(notifier.stop)

    routes = api_routes(services)
    for mount in installed_mounts() if mounts is None else mounts:
        routes.extend(mount(services))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await run_in_threadpool(pool.start)
        for start in services.startup:
            await run_in_threadpool(start)
        log.info("serving", extra={"workers": pool.count, "routes": len(routes)})
        try:
            yield
        finally:
            for stop in services.shutdown:
                await run_in_threadpool(stop)
            await run_in_threadpool(pool.stop)

    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.services = services
    return app


def create_app(settings: Settings) -> Starlette:
    """The app with every installed mount (what ``remediate serve`` runs)."""
    return build_app(settings)


def api_routes(services: Services) -> list[BaseRoute]:
    settings, queue, metrics = services.settings, services.queue, services.metrics

    async def post_alerts(request: Request, user: str) -> Response:
        started = time.perf_counter()
        try:
            body = await read_body(request, settings.server.max_body)
        except BodyTooLarge as exc:
            metrics.rejected.labels("too_large").inc()
            return problem(413, str(exc))
        if not services.signed(request, body):
            metrics.rejected.labels("bad_signature").inc()
            return problem(401, f"the {SIGNATURE_HEADER} header is missing or wrong")
        try:
            limit = settings.server.max_body
            if len(body) > PARSE_INLINE:
                batch = await run_in_threadpool(intake.read_payload, body, limit)
            else:
                batch = intake.read_payload(body, limit)
        except errors.AlertFormatError:
            metrics.rejected.labels("malformed").inc()
            raise  # → 422, before anything is stored
        accepted = await run_in_threadpool(
            queue.accept, body, delivery_key(batch), batch.truncated, batch_hosts(batch)
        )
        services.workers.wake.set()
        metrics.received.inc(len(batch.alerts))
        if accepted.duplicate_of is not None:
            metrics.deduplicated.inc(len(batch.alerts))
        metrics.accept_seconds.observe(time.perf_counter() - started)
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
        limit = _limit(request)
        wanted = _enum_param(request, "status", IncidentStatus)

        def work() -> list[dict[str, Any]]:
            store = services.engine().store
            found = store.incidents_in([wanted]) if wanted else store.list_incidents(limit)
            return [i.model_dump(mode="json") for i in found[:limit]]

        return JSONResponse(await run_in_threadpool(work))

    async def show_incident(request: Request, user: str) -> Response:
        from remediate.report import incident_json

        def work() -> dict[str, Any]:
            engine = services.engine()
            incident = engine.store.get_incident(request.path_params["id"])
            deliveries = queue.deliveries(incident.id)
            return {
                **incident_json(engine, incident),
                "deliveries": deliveries,
                "truncated_alerts": sum(int(str(d["truncated_alerts"])) for d in deliveries),
            }

        return JSONResponse(await run_in_threadpool(work))

    async def list_inquiries(request: Request, user: str) -> Response:
        wanted = _enum_param(request, "status", InquiryStatus)

        def work() -> list[dict[str, Any]]:
            engine = services.engine()
            engine.expire_inquiries()
            found = engine.store.list_inquiries(wanted)
            return [i.model_dump(mode="json", by_alias=True) for i in found[: _limit(request)]]

        return JSONResponse(await run_in_threadpool(work))

    async def show_inquiry(request: Request, user: str) -> Response:
        def work() -> dict[str, Any]:
            found = services.engine().store.get_inquiry(request.path_params["id"])
            return found.model_dump(mode="json", by_alias=True)

        return JSONResponse(await run_in_threadpool(work))

    async def respond(request: Request, user: str) -> Response:
        from remediate.report import outcome_json

        response = _decision(await read_body(request, 64_000))

        def work() -> tuple[dict[str, Any], float]:
            engine = services.engine()
            engine.expire_inquiries()
            asked = engine.store.get_inquiry(request.path_params["id"]).created_at
            outcome = engine.respond(request.path_params["id"], response, user=user, via="api")
            waited = (outcome.incident.updated_at - asked).total_seconds()
            return outcome_json(engine, outcome), waited

        answer, waited = await run_in_threadpool(work)
        decision = "approved" if response["approved"] else "rejected"
        metrics.approval_latency.labels(decision).observe(max(waited, 0.0))
        log.info(
            "inquiry answered",
            extra={"inquiry": request.path_params["id"], "user": user, "decision": decision},
        )
        return JSONResponse(answer)

    async def queue_state(request: Request, user: str) -> Response:
        return JSONResponse(await run_in_threadpool(queue.counts))

    async def healthz(request: Request) -> Response:
        def check() -> dict[str, Any]:
            counts = queue.counts()
            return {
                "status": "ok",
                "workers": sum(t.is_alive() for t in services.workers.threads),
                "queued": counts.get("queued", 0) + counts.get("taken", 0),
            }

        try:
            return JSONResponse(await run_in_threadpool(check))
        except errors.OperationalError as exc:
            return problem(503, f"{type(exc).__name__}: {exc}")

    async def metrics_endpoint(request: Request) -> Response:
        body = await run_in_threadpool(metrics.exposition)
        return Response(body, media_type=CONTENT_TYPE)

    async def openapi(request: Request) -> Response:
        return JSONResponse(document())

    guarded = services.guarded
    return [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/metrics", metrics_endpoint, methods=["GET"]),
        Route("/openapi.json", openapi, methods=["GET"]),
        Route("/api/v1/alerts", guarded(post_alerts), methods=["POST"]),
        Route("/api/v1/queue", guarded(queue_state), methods=["GET"]),
        Route("/api/v1/incidents", guarded(list_incidents), methods=["GET"]),
        Route("/api/v1/incidents/{id}", guarded(show_incident), methods=["GET"]),
        Route("/api/v1/inquiries", guarded(list_inquiries), methods=["GET"]),
        Route("/api/v1/inquiries/{id}", guarded(show_inquiry), methods=["GET"]),
        Route("/api/v1/inquiries/{id}/respond", guarded(respond), methods=["POST"]),
    ]


def _limit(request: Request) -> int:
    raw = request.query_params.get("limit", "50")
    if not raw.isdigit() or not 1 <= int(raw) <= 1000:
        raise errors.UsageError("limit must be a number from 1 to 1000")
    return int(raw)


def _enum_param(request: Request, name: str, kind: type[StrEnum]) -> Any:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    try:
        return kind(raw)
    except ValueError:
        choices = ", ".join(str(s.value) for s in kind)
        raise errors.UsageError(f"{name} must be one of {choices}") from None


def _decision(body: bytes) -> dict[str, Any]:
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
    import logging.config

    import uvicorn

    log_config = logs.configure(settings.server.log_format)
    logging.config.dictConfig(log_config)
    uvicorn.run(
        create_app(settings),
        host=settings.server.host,
        port=settings.server.port,
        log_config=log_config,
        access_log=False,
    )
