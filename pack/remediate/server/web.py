"""The review page's routes: sign-in, the incident list, an incident, its citations, answers.

Server-rendered HTML (Jinja2, autoescaped) and no script at all: the Content-Security-Policy
forbids every script, so nothing an alert or a log line carries can run in an approver's
browser. An answer posted from the page goes through :meth:`Engine.respond`, the CLI's own
approval code (the signed-in user is the responder; users, roles, four-eyes, quorum and
expiry are enforced there), and only for the inquiry and binding hash the page showed: a
page left open while the proposal changed cannot approve the new one.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from remediate import errors
from remediate.config import Settings
from remediate.server import review
from remediate.server.auth import (
    COOKIE,
    AttemptLimiter,
    Session,
    Sessions,
    check_password,
    proxy_user,
    session_key,
)

if TYPE_CHECKING:
    from remediate.server.app import Services

log = logging.getLogger("remediate.serve")

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "server"
_ENV = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}

STATUSES: list[tuple[type[errors.RemediateError], int]] = [
    (errors.NotFound, 404),
    (errors.ResponderNotAllowed, 403),
    (errors.InvalidResponse, 422),
    (errors.UsageError, 400),
    (errors.ApprovalError, 409),
    (errors.InvalidTransition, 409),
    (errors.OperationalError, 503),
]

Page = Callable[[Request, Session], Awaitable[Response]]


def mount(services: Services) -> list[BaseRoute]:
    """The review page's routes, mounted into ``remediate serve`` (server.app.MOUNTS)."""
    return routes(services.settings)


def routes(settings: Settings) -> list[BaseRoute]:
    server = settings.server
    sessions = Sessions(session_key(server), server.session_hours * 3600)
    limiter = AttemptLimiter()
    secure = bool(server.public_url and server.public_url.startswith("https://"))

    def render(name: str, status: int = 200, **context: Any) -> HTMLResponse:
        html = _ENV.get_template(name).render(**context)
        return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)

    def set_cookie(response: Response, value: str) -> None:
        response.set_cookie(
            COOKIE,
            value,
            max_age=sessions.max_age,
            path="/",
            httponly=True,
            samesite="lax",
            secure=secure,
        )

    def signed_in(request: Request) -> Session | None:
        peer = request.client.host if request.client else None
        vouched = proxy_user(server, peer, request.headers)
        if vouched is not None:
            return Session(user=vouched, sid=f"proxy:{vouched}", via="proxy")
        session = sessions.read(request.cookies.get(COOKIE), server.users)
        return session if session is not None and session.via == "password" else None

    def page(handler: Page, *, post: bool = False) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            session = signed_in(request)
            if session is None:
                if post:
                    return render(
                        "message.html.j2",
                        401,
                        title="Sign in first",
                        user=None,
                        message="Your session ended: sign in again.",
                        csrf="",
                    )
                target = quote(request.url.path, safe="/")
                return RedirectResponse(f"/login?next={target}", status_code=303)
            form: dict[str, str] = {}
            if post:
                try:
                    form = await _form(request)
                except errors.UsageError as exc:
                    return render(
                        "message.html.j2",
                        400,
                        title="Refused",
                        user=session.user,
                        csrf=sessions.csrf_token(session),
                        message=str(exc),
                    )
                if not sessions.csrf_ok(session, form.get("csrf")):
                    return render(
                        "message.html.j2",
                        403,
                        title="Refused",
                        user=session.user,
                        csrf=sessions.csrf_token(session),
                        message="The form's CSRF token is missing or wrong: "
                        "reload the page and try again.",
                    )
                request.state.form = form
            try:
                return await handler(request, session)
            except errors.RemediateError as exc:
                status = next((s for kind, s in STATUSES if isinstance(exc, kind)), 500)
                return render(
                    "message.html.j2",
                    status,
                    title="Refused",
                    user=session.user,
                    csrf=sessions.csrf_token(session),
                    message=f"{type(exc).__name__}: {exc}",
                )

        return endpoint

    async def login_form(request: Request) -> Response:
        anonymous = sessions.read(request.cookies.get(COOKIE))
        cookie = None
        if anonymous is None or anonymous.via != "anonymous":
            anonymous, cookie = sessions.issue("", via="anonymous")
        response = render(
            "login.html.j2",
            user=None,
            csrf=sessions.csrf_token(anonymous),
            next=_safe_next(request.query_params.get("next")),
            error="",
            configured=bool(server.users),
        )
        if cookie is not None:
            set_cookie(response, cookie)
        return response

    async def login(request: Request) -> Response:
        try:
            form = await _form(request)
        except errors.UsageError as exc:
            return render(
                "message.html.j2", 400, title="Refused", user=None, csrf="", message=str(exc)
            )
        anonymous = sessions.read(request.cookies.get(COOKIE))
        target = _safe_next(form.get("next"))
        if anonymous is None or not sessions.csrf_ok(anonymous, form.get("csrf")):
            return render(
                "message.html.j2",
                403,
                title="Refused",
                user=None,
                csrf="",
                message="The sign-in form expired or its CSRF token is wrong: open /login again.",
            )
        user = form.get("user", "").strip()
        peer = request.client.host if request.client else "?"
        keys = (f"user:{user}", f"addr:{peer}")
        retry = dict(
            user=None,
            csrf=sessions.csrf_token(anonymous),
            next=target,
            configured=bool(server.users),
        )
        if limiter.blocked(*keys):
            log.warning("sign-in refused: too many attempts (user %r from %s)", user, peer)
            return render(
                "login.html.j2", 429, error="Too many failed attempts: wait a few minutes.", **retry
            )
        ok = await run_in_threadpool(check_password, server.users, user, form.get("password", ""))
        if not ok:
            limiter.failed(*keys)
            log.info("sign-in failed for %r from %s", user, peer)
            return render("login.html.j2", 401, error="Wrong user name or password.", **retry)
        limiter.succeeded(*keys)
        log.info("%s signed in from %s", user, peer)
        _, cookie = sessions.issue(user)  # a new session id: nothing from before carries over
        response = RedirectResponse(target, status_code=303)
        set_cookie(response, cookie)
        return response

    async def logout_form(request: Request, session: Session) -> Response:
        return render("logout.html.j2", user=session.user, csrf=sessions.csrf_token(session))

    async def logout(request: Request, session: Session) -> Response:
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax", secure=secure)
        return response

    async def incidents(request: Request, session: Session) -> Response:
        def work() -> tuple[list[review.Row], list[review.Row]]:
            with _engine(settings) as engine:
                engine.expire_inquiries()
                return review.incident_rows(engine)

        waiting, recent = await run_in_threadpool(work)
        return render(
            "incidents.html.j2",
            user=session.user,
            csrf=sessions.csrf_token(session),
            waiting=waiting,
            recent=recent,
        )

    async def incident(request: Request, session: Session) -> Response:
        incident_id = request.path_params["id"]

        def work() -> review.IncidentView:
            with _engine(settings) as engine:
                engine.expire_inquiries()
                return review.incident_view(
                    engine,
                    incident_id,
                    user=session.user,
                    truncated=_truncated(engine, incident_id),
                )

        view = await run_in_threadpool(work)
        return render(
            "incident.html.j2",
            user=session.user,
            csrf=sessions.csrf_token(session),
            i=view,
            notice=_notice(request.query_params.get("answered")),
        )

    async def citation(request: Request, session: Session) -> Response:
        raw = request.path_params["n"]
        if not raw.isdigit():
            raise errors.NotFound(f"no citation {raw!r}")

        def work() -> review.CitationPage:
            with _engine(settings) as engine:
                return review.citation_page(engine, request.path_params["id"], int(raw))

        cited = await run_in_threadpool(work)
        return render(
            "citation.html.j2", user=session.user, csrf=sessions.csrf_token(session), c=cited
        )

    async def respond(request: Request, session: Session) -> Response:
        incident_id = request.path_params["id"]
        form: dict[str, str] = request.state.form
        decision = form.get("decision")
        if decision not in ("approve", "reject"):
            raise errors.UsageError("choose Approve or Reject")
        inquiry_id, shown_hash = form.get("inquiry", ""), form.get("proposal_hash", "")
        response: dict[str, Any] = {"approved": decision == "approve"}
        if form.get("comment", "").strip():
            response["comment"] = form["comment"].strip()[:2000]

        def work() -> str:
            with _engine(settings) as engine:
                inquiry = engine.store.get_inquiry(inquiry_id)
                incident = engine.store.get_incident(incident_id)
                if inquiry.incident_id != incident.id:
                    raise errors.NotFound(f"inquiry {inquiry_id} is not of incident {incident_id}")
                if shown_hash != inquiry.proposal_hash or shown_hash != incident.proposal_hash:
                    raise errors.ApprovalMismatch(
                        "the proposal changed since this page was loaded: nothing was recorded; "
                        "reload the page and read the new proposal"
                    )
                outcome = engine.respond(inquiry_id, response, user=session.user, via="web")
                log.info(
                    "%s answered %s (%s): %s",
                    session.user,
                    inquiry_id,
                    decision,
                    outcome.incident.status,
                )
                return "waiting" if outcome.waiting_for else str(outcome.incident.status)

        result = await run_in_threadpool(work)
        return RedirectResponse(
            f"/incidents/{quote(incident_id)}?answered={result}", status_code=303
        )

    async def stylesheet(request: Request) -> Response:
        css = (TEMPLATES / "review.css").read_text()
        return Response(
            css,
            media_type="text/css",
            headers={**SECURITY_HEADERS, "Cache-Control": "max-age=3600"},
        )

    async def root(request: Request) -> Response:
        return RedirectResponse("/incidents", status_code=303)

    return [
        Route("/", root),
        Route("/static/review.css", stylesheet),
        Route("/login", login_form, methods=["GET"]),
        Route("/login", login, methods=["POST"]),
        Route("/logout", page(logout_form), methods=["GET"]),
        Route("/logout", page(logout, post=True), methods=["POST"]),
        Route("/incidents", page(incidents)),
        Route("/incidents/{id}", page(incident)),
        Route("/incidents/{id}/citations/{n}", page(citation)),
        Route("/incidents/{id}/respond", page(respond, post=True), methods=["POST"]),
    ]


async def _form(request: Request) -> dict[str, str]:
    """An ``application/x-www-form-urlencoded`` body (the only kind our forms send), parsed
    with the standard library: one value per field, 64 kB at most."""
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        raise errors.UsageError("expected a form (application/x-www-form-urlencoded)")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > 64_000:
            raise errors.UsageError("the form is too large")
        chunks.append(chunk)
    try:
        fields = parse_qsl(b"".join(chunks).decode(), max_num_fields=20, strict_parsing=False)
    except (UnicodeDecodeError, ValueError) as exc:
        raise errors.UsageError(f"the form cannot be read: {exc}") from None
    return dict(fields)


def _safe_next(target: str | None) -> str:
    """Only a path on this site (never ``//host`` or a scheme): no open redirect."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/incidents"


def _notice(answered: str | None) -> str:
    if answered == "waiting":
        return "Your approval is recorded; the policy needs more approvers before it runs."
    if answered:
        return f"Your answer is recorded; the incident is now {answered}."
    return ""


def _truncated(engine: Any, incident_id: str) -> int:
    """``truncatedAlerts`` of the delivery that produced this incident (0: none, or the
    incident came from the CLI)."""
    try:
        with engine.store.transaction() as db:
            row = db.execute(
                "SELECT max(truncated) FROM alert_queue WHERE result LIKE ?",
                (f'%"incident": "{incident_id}"%',),
            ).fetchone()
    except sqlite3.Error:
        return 0
    return int(row[0] or 0) if row else 0


@contextlib.contextmanager
def _engine(settings: Settings) -> Iterator[Any]:
    from remediate.pipeline import Engine

    engine = Engine(settings)
    try:
        yield engine
    finally:
        if "store" in engine.__dict__:
            engine.store.close()
