"""The ``remediate`` command: parse arguments, call one service function, print the result.

Exit codes: 0 success, 1 the job ran but its outcome is bad (an eval failed,
the demo failed), 2 caller error, 3 operational failure, 4 refused by policy
or approval, 5 not found.

Who is answering is the operating-system user running the command, mapped to an
approver name by ``approval.identities`` (a login not listed is its own name);
``--as NAME`` is a break-glass override, refused unless ``approval.break_glass``
is on, and recorded as such. Files the command writes are private (umask 077).
"""

from __future__ import annotations

import argparse
import json
import os
import pwd
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from remediate import errors

if TYPE_CHECKING:
    from remediate.config import Settings

EXIT_CODES: list[tuple[type[errors.RemediateError], int]] = [
    (errors.UsageError, 2),
    (errors.OperationalError, 3),
    (errors.PolicyViolation, 4),
    (errors.ApprovalError, 4),
    (errors.InvalidTransition, 4),
    (errors.NotFound, 5),
]


def _read_input(source: str) -> str:
    return _read_bytes(source).decode("utf-8", errors="replace")


def _read_bytes(source: str, limit: int = 50_000_000) -> bytes:
    """At most ``limit`` bytes (one more, to tell a larger input); decoding is the caller's."""
    try:
        if source == "-":
            return sys.stdin.buffer.read(limit + 1)
        with open(source, "rb") as stream:
            return stream.read(limit + 1)
    except OSError as exc:
        raise errors.UsageError(f"cannot read {source}: {exc}") from exc


def os_user() -> str:
    return pwd.getpwuid(os.getuid()).pw_name


def identity(settings: Settings, as_user: str | None) -> tuple[str, str]:
    """The verified name of whoever runs this command, and how it was established."""
    login = os_user()
    mapped = settings.approval.identities.get(login, login)
    if as_user is None or as_user == mapped:
        return mapped, "cli"
    if not settings.approval.break_glass:
        raise errors.ResponderNotAllowed(
            f"--as {as_user} is a break-glass override and approval.break_glass is off; "
            f"you are {mapped} (operating-system user {login})"
        )
    return as_user, f"break-glass by operating-system user {login}"


def _warn_without_approvers(settings: Settings) -> None:
    if not settings.approval.users and not settings.approval.roles:
        print(
            "remediate: warning: no approvers are configured (approval.users and approval.roles "
            "are empty): nobody can approve; proposals escalate to a human",
            file=sys.stderr,
        )


def _engine(args: argparse.Namespace) -> Any:
    from remediate.config import load_settings
    from remediate.pipeline import Engine

    settings: Settings = load_settings(args.config)
    if getattr(args, "planner", None):
        settings = settings.model_copy(update={"planner": args.planner})
    return Engine(settings)


def _print(data: Any, as_json: bool, text: str) -> None:
    print(json.dumps(data, indent=1, default=str) if as_json else text)


# ---------------------------------------------------------------------- commands


def cmd_investigate(args: argparse.Namespace) -> int:
    from remediate.report import outcome_json, outcome_text

    engine = _engine(args)
    _warn_without_approvers(engine.settings)
    who, _ = identity(engine.settings, None)
    outcomes = engine.investigate(_read_bytes(args.file), triggered_by=who)
    if args.json:
        print(json.dumps([outcome_json(engine, o) for o in outcomes], indent=1, default=str))
    else:
        print("\n\n".join(outcome_text(engine, o) for o in outcomes))
    return 0


def cmd_recover(args: argparse.Namespace) -> int:
    engine = _engine(args)
    results = engine.recover()
    _print(
        [r.__dict__ for r in results],
        args.json,
        "\n".join(f"{r.incident_id}: {r.was} -> {r.now}: {r.action}" for r in results)
        or "nothing to recover",
    )
    return 0


def cmd_notify(args: argparse.Namespace) -> int:
    from remediate import outbox
    from remediate.notifier import Notifier

    engine = _engine(args)
    if args.flush:
        report = Notifier(engine).flush()
        data: dict[str, Any] = {**report.__dict__, "outbox": outbox.counts(engine.store)}
        text = (
            f"sent {report.sent}, retrying later {report.retrying}, failed {report.failed}; "
            f"outbox: {data['outbox']}"
        )
        _print(data, args.json, text)
        return 0 if not report.failed else 1
    rows = outbox.rows(engine.store, args.incident)
    listed = [
        {
            "incident": r.incident_id,
            "event": r.event.value,
            "channel": r.channel,
            "status": r.status.value,
            "attempts": r.attempts,
            "next_attempt_at": r.next_attempt_at.isoformat(),
            "sent_at": r.sent_at.isoformat() if r.sent_at else None,
            "last_error": r.last_error,
        }
        for r in rows
    ]
    lines = [
        f"{r['incident']}  {r['event']:<9} {r['channel']:<20} {r['status']:<8} "
        f"attempts={r['attempts']}" + (f"  {r['last_error']}" if r["last_error"] else "")
        for r in listed
    ]
    _print(listed, args.json, "\n".join(lines) or "the notification outbox is empty")
    return 0


def _idle_cores() -> float:
    """Cores no other process wants now: Linux counts runnable tasks at this instant (the fourth
    field of /proc/loadavg, this process included); elsewhere the 1-minute load average, which
    still counts a process that ended seconds ago."""
    cores = os.cpu_count() or 1
    try:
        with open("/proc/loadavg", encoding="ascii") as loadavg:
            running = int(loadavg.read().split()[3].split("/")[0])
    except (OSError, IndexError, ValueError):
        return cores - os.getloadavg()[0]
    return cores - (running - 1)


def cmd_sanitize(args: argparse.Namespace) -> int:
    import io

    from remediate.config_file import sanitizer_options
    from remediate.sanitizer import Sanitizer

    # The configured allowlist and internal domains apply; no inventory is needed to scrub a file.
    # Only that section is read: validating the whole configuration imports pydantic (0.3 s).
    options = sanitizer_options(args.config)
    sanitizer = Sanitizer(allow=options["allow"], internal_domains=options["internal_domains"])
    try:
        # Undecodable bytes become U+FFFD: a log with a stray binary byte is still a log.
        if args.file == "-":
            stream = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace")
        else:
            stream = open(args.file, encoding="utf-8", errors="replace")  # noqa: SIM115
        with stream:
            lines = 0
            # A large file is scanned by two forked processes when a core is idle; small inputs
            # and busy machines do not pay for the fork and the copies (same output either way).
            large = args.file != "-" and os.path.getsize(args.file) >= 1_000_000
            workers = 2 if large and _idle_cores() >= 1 else 1
            output = sanitizer.sanitize_lines(stream, workers=workers)
            for lines, line in enumerate(output, 1):  # noqa: B007
                if not args.json:
                    sys.stdout.write(line)
    except OSError as exc:
        raise errors.UsageError(f"cannot read {args.file}: {exc}") from exc
    if args.json:  # counts only: values, even sanitized ones, stay out of the report
        print(json.dumps({"lines": lines, "replacements": sanitizer.counts()}, sort_keys=True))
    return 0


def cmd_kb(args: argparse.Namespace) -> int:
    engine = _engine(args)
    db = Path(args.db) if args.db else None
    if args.kb_command == "ingest":
        paths = [Path(p) for p in args.paths] or None
        report, problems = engine.ingest(paths, db=db)
        for problem in problems:
            print(f"remediate: skipped {problem}", file=sys.stderr)
        where = db or engine.settings.index_dir
        print(f"indexed into {where}: {report.summary()}")
        return 1 if problems and args.strict else 0
    if args.kb_command == "add-ticket":
        ticket_id, report = engine.add_ticket(Path(args.file), db=db)
        print(f"{ticket_id} kept in {engine.settings.learned_dir} and indexed: {report.summary()}")
        return 0
    index = engine.index_at(db)

    def search(query: str) -> list[dict[str, Any]]:
        hits = index.search(query, k=args.k, service=args.service, alert=args.alert)
        return [{**h.model_dump(mode="json"), "link": h.link} for h in hits]

    if args.queries:
        for query in _read_input(args.queries).splitlines():
            if query.strip():
                print(json.dumps({"query": query, "hits": search(query)}), flush=True)
        return 0
    if not args.query:
        raise errors.UsageError("give a QUERY or --queries FILE")
    hits = search(args.query)
    _print(
        hits,
        args.json,
        "\n".join(
            f"{h['score']:.4f}  {h['id']}"
            + (f" ({h['date']})" if h["date"] else "")
            + f"  {h['title']}"
            + (f" §{h['section']}" if h["section"] else "")
            + f"\n        {h['link']}"
            for h in hits
        )
        or "no hits",
    )
    return 0


def cmd_inquiry(args: argparse.Namespace) -> int:
    from remediate.report import inquiry_text, outcome_text

    engine = _engine(args)
    engine.expire_inquiries()
    if args.inquiry_command == "list":
        items = engine.store.list_inquiries()
        _print(
            [i.model_dump(mode="json", by_alias=True) for i in items],
            args.json,
            "\n".join(
                f"{i.id}  {i.status:<9}  incident {i.incident_id}  route {i.route}" for i in items
            )
            or "no inquiries",
        )
        return 0
    if args.inquiry_command == "show":
        item = engine.store.get_inquiry(args.id)
        _print(item.model_dump(mode="json", by_alias=True), args.json, inquiry_text(engine, item))
        return 0
    from remediate.report import outcome_json

    _warn_without_approvers(engine.settings)
    who, via = identity(engine.settings, args.as_user)
    response: dict[str, Any] = {"approved": bool(args.approve)}
    if args.comment:
        response["comment"] = args.comment
    outcome = engine.respond(args.id, response, user=who, via=via)
    _print(outcome_json(engine, outcome), args.json, outcome_text(engine, outcome))
    return 0


def cmd_incident(args: argparse.Namespace) -> int:
    from remediate.report import incident_json, incident_text

    engine = _engine(args)
    if args.incident_command == "list":
        items = engine.store.list_incidents()
        _print(
            [i.model_dump(mode="json") for i in items],
            args.json,
            "\n".join(
                f"{i.id}  {i.status:<17}  {i.alert.name}  {i.host or i.alert.host_hint or '-'}"
                for i in items
            )
            or "no incidents",
        )
        return 0
    if args.incident_command == "resolve":
        who, via = identity(engine.settings, args.as_user)
        user = who if via == "cli" else f"{who} ({via})"
        incident = engine.resolve(args.id, args.note, user=user, action=args.action)
    else:
        incident = engine.store.get_incident(args.id)
    _print(incident_json(engine, incident), args.json, incident_text(engine, incident))
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from remediate.evals import format_report, run_evals
    from remediate.pipeline import make_planner

    engine = _engine(args)
    settings = engine.settings

    def transcript_of(planner: Any) -> str:
        return json.dumps(getattr(planner, "transcript", []))

    report = run_evals(
        Path(args.dir),
        catalog=engine.catalog,
        kb=engine.kb,
        planner_factory=lambda: make_planner(settings, engine.kb, engine.catalog),
        transcript_of=transcript_of,
    )
    _print(report, args.json, format_report(report))
    summary = report["summary"]
    return 0 if summary["passed"] == summary["cases"] else 1


def cmd_serve(args: argparse.Namespace) -> int:
    from remediate.config import load_settings
    from remediate.server import serve

    settings = load_settings(args.config)
    chosen = {k: v for k in ("host", "port", "workers") if (v := getattr(args, k)) is not None}
    try:
        server = type(settings.server).model_validate({**settings.server.model_dump(), **chosen})
    except ValueError as exc:  # pydantic's ValidationError
        raise errors.UsageError(f"serve: {exc}") from None
    _warn_without_approvers(settings)
    serve(settings.model_copy(update={"server": server}))
    return 0


def cmd_hash_password(args: argparse.Namespace) -> int:
    """An argon2 hash for ``server.users``; the password is read without echo (or from
    stdin when it is not a terminal), never from the command line."""
    import getpass as prompt

    from remediate.server.auth import hash_password

    if sys.stdin.isatty():
        password = prompt.getpass("password: ")
        if password != prompt.getpass("again: "):
            raise errors.UsageError("the two passwords differ")
    else:
        password = sys.stdin.readline().rstrip("\n")
    print(hash_password(password))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from remediate.demo import run_demo

    return run_demo(keep=args.keep, kind=args.kind)


def cmd_lab(args: argparse.Namespace) -> int:
    from remediate.systemd_lab import SystemdLab

    directory = Path(args.dir)
    if args.lab_command == "down":
        SystemdLab.attach(directory).stop()
        print(f"systemd lab in {directory} stopped and removed")
        return 0
    lab = SystemdLab(directory)
    lab.start()
    lab.detach()
    print(
        f"systemd lab {lab.host} is up: webapp behind nginx at {lab.health_url}\n"
        f"inventory: {lab.inventory_path}\n"
        f"ssh: ssh {' '.join(lab.ssh_options())} -p {lab.ports['ssh']} ops@127.0.0.1\n"
        f"stop it with: remediate lab down --dir {directory}"
    )
    return 0


# ---------------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="remediate", description=__doc__.splitlines()[0])
    parser.add_argument("--config", help="configuration file (default: $REMEDIATE_CONFIG)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("investigate", help="take an alert (JSON) from intake to a proposal")
    p.add_argument("file", nargs="?", default="-")
    p.add_argument("--planner", choices=["offline", "llm"])
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_investigate)

    p = sub.add_parser("sanitize", help="write the sanitized text of FILE (or stdin)")
    p.add_argument("file", nargs="?", default="-")
    p.add_argument(
        "--json", action="store_true", help="print replacement counts per entity type instead"
    )
    p.set_defaults(func=cmd_sanitize)

    p = sub.add_parser("kb", help="knowledge base")
    kb = p.add_subparsers(dest="kb_command", required=True)
    q = kb.add_parser("ingest", help="index runbooks and tickets (default: kb/ and learned)")
    q.add_argument("paths", nargs="*", metavar="PATH", help="markdown runbooks, INC-*.yaml")
    q.add_argument("--db", help="index directory (default: the state dir's lancedb/)")
    q.add_argument("--strict", action="store_true", help="exit 1 if any file was skipped")
    q.set_defaults(func=cmd_kb)
    q = kb.add_parser("search", help="search the index")
    q.add_argument("query", nargs="?")
    q.add_argument("--queries", help="file with one query per line; prints JSON lines")
    q.add_argument("--db")
    q.add_argument("-k", type=int, default=5)
    q.add_argument("--service", help="only hits about this service (or about none)")
    q.add_argument("--alert", help="only hits written for this alert (or for none)")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_kb)
    q = kb.add_parser("add-ticket", help="add a ticket (YAML) to the knowledge base")
    q.add_argument("file")
    q.add_argument("--db")
    q.set_defaults(func=cmd_kb)

    p = sub.add_parser("inquiry", help="approval requests")
    inq = p.add_subparsers(dest="inquiry_command", required=True)
    q = inq.add_parser("list")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_inquiry)
    q = inq.add_parser("show")
    q.add_argument("id")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_inquiry)
    q = inq.add_parser("respond")
    q.add_argument("id")
    decision = q.add_mutually_exclusive_group(required=True)
    decision.add_argument("--approve", action="store_true")
    decision.add_argument("--reject", action="store_true")
    q.add_argument(
        "--as",
        dest="as_user",
        help="break-glass: answer as NAME (needs approval.break_glass; recorded as such)",
    )
    q.add_argument("--comment")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_inquiry)

    p = sub.add_parser("incident", help="incidents and their timeline")
    inc = p.add_subparsers(dest="incident_command", required=True)
    q = inc.add_parser("list")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_incident)
    q = inc.add_parser("show")
    q.add_argument("id")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_incident)
    q = inc.add_parser("resolve", help="close an escalated incident with what fixed it")
    q.add_argument("id")
    q.add_argument("--note", required=True, help="what fixed it; becomes a learned ticket")
    q.add_argument("--as", dest="as_user", help="break-glass: resolve as NAME")
    q.add_argument("--action", help="catalog action that fixed it, if any")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_incident)

    p = sub.add_parser(
        "recover",
        help="bring incidents left by dead processes to a terminal or human-actionable state",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_recover)

    p = sub.add_parser("eval", help="run evaluation scenarios")
    p.add_argument("dir")
    p.add_argument("--planner", choices=["offline", "llm"])
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("lab", help="a lab host to try remediate on (systemd: needs root)")
    lab = p.add_subparsers(dest="lab_command", required=True)
    for name, text in (("up", "build (once) and boot the lab"), ("down", "stop and remove it")):
        q = lab.add_parser(name, help=text)
        q.add_argument("--kind", choices=["systemd"], default="systemd")
        q.add_argument("--dir", default="/var/lib/remediate/systemd-lab", help="lab directory")
        q.set_defaults(func=cmd_lab)

    p = sub.add_parser("notify", help="the notification outbox: list it, or send what is due")
    p.add_argument("--flush", action="store_true", help="send every due message now")
    p.add_argument("--incident", help="only this incident's messages (listing)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_notify)

    p = sub.add_parser("serve", help="receive Alertmanager webhooks; JSON API; worker pool")
    p.add_argument("--config", default=argparse.SUPPRESS, help="configuration file")
    p.add_argument("--host", help="bind address (default: server.host, 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default: server.port, 8080)")
    p.add_argument("--workers", type=int, help="investigations at once (0: queue only)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("hash-password", help="print an argon2 hash of a password for server.users")
    p.set_defaults(func=cmd_hash_password)

    p = sub.add_parser("demo", help="run the whole pipeline on a local lab host")
    p.add_argument("--keep", action="store_true", help="keep the lab directory afterwards")
    p.add_argument(
        "--kind",
        choices=["supervisord", "systemd"],
        default="supervisord",
        help="systemd: the systemd lab over SSH (needs root; see 'remediate lab')",
    )
    p.set_defaults(func=cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    os.umask(0o077)  # the state directory holds incident records: private to this user
    args = build_parser().parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except errors.RemediateError as exc:
        code = next((c for kind, c in EXIT_CODES if isinstance(exc, kind)), 1)
        print(f"remediate: {type(exc).__name__}: {exc}", file=sys.stderr)
        return code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
