"""The evidence parsers on real tool output (fixtures/evidence/README.md names each source)."""

from pathlib import Path

import pytest

from remediate.evidence import (
    CrashKind,
    StartCause,
    parse_crashes,
    parse_deleted_open_files,
    parse_directory_sizes,
    parse_filesystems,
    parse_log_events,
    parse_memory,
    parse_oom_kills,
    parse_processes,
    parse_service_states,
    parse_start_failures,
    read_facts,
    summarize,
)
from remediate.evidence.facts import elapsed_seconds, size_bytes

FIXTURES = Path(__file__).parent / "fixtures" / "evidence"
LOGS = Path(__file__).parents[1].parent / "shared" / "datasets" / "logs"


def fixture(name: str) -> str:
    """The captured output without its source header."""
    lines = (FIXTURES / name).read_text().splitlines()
    return "\n".join(line for line in lines if not line.startswith("# "))


def test_every_fixture_names_its_source():
    for path in FIXTURES.glob("*.txt"):
        assert path.read_text().startswith("# Source: "), path.name


# ------------------------------------------------------------------ systemd and supervisord


def test_systemctl_status_of_a_config_error_reads_state_exit_and_cause():
    text = fixture("systemctl_status_nginx_config.txt")
    [nginx] = parse_service_states(text)
    assert (nginx.unit, nginx.name, nginx.active, nginx.result) == (
        "nginx.service",
        "nginx",
        "failed",
        "exit-code",
    )
    assert nginx.since == "Fri 2021-01-08 13:46:17 CET"
    assert nginx.exit == "code=exited, status=1/FAILURE"
    causes = parse_start_failures(text)
    assert causes[0].cause is StartCause.CONFIG and causes[0].unit == "nginx"
    assert "[emerg]" in causes[0].line


def test_systemctl_status_markers_of_every_systemd_version():
    for name in ("systemctl_status_nginx_running.txt", "systemctl_status_nginx_timeout.txt"):
        [state] = parse_service_states(fixture(name))
        assert state.unit == "nginx.service"
    running = parse_service_states(fixture("systemctl_status_nginx_running.txt"))[0]
    assert (running.active, running.sub, running.exit) == ("active", "running", None)


def test_start_limit_hit_is_a_restart_loop():
    text = fixture("systemctl_status_start_limit.txt")
    [state] = parse_service_states(text)
    assert state.result == "start-limit-hit"
    loops = [f for f in parse_start_failures(text) if f.cause is StartCause.RESTART_LOOP]
    assert any(f.unit == "power-monitor.service" for f in loops)


def test_list_units_rows():
    states = {s.name: s for s in parse_service_states(fixture("list_units.txt"))}
    assert states["nginx"].active == "active" and states["gcstartup"].sub == "exited"
    assert "postgresql-11" in states


def test_systemctl_show_in_the_forms_our_playbook_and_people_print():
    block = "status of app-api on [HOST_1] (systemd)\nId=app-api.service\nActiveState=failed\n"
    block += "SubState=failed\nResult=oom-kill\nNRestarts=0\nExecMainStatus=9\n"
    block += "StateChangeTimestamp=Sat 2026-11-21 03:41:18 UTC\n"
    [state] = parse_service_states(block)
    assert (state.unit, state.active, state.result, state.restarts, state.exit) == (
        "app-api.service",
        "failed",
        "oom-kill",
        0,
        "status=9",
    )
    assert state.since == "Sat 2026-11-21 03:41:18 UTC"
    [one_line] = parse_service_states("app-api: ActiveState=failed SubState=failed Result=signal")
    assert (one_line.unit, one_line.result) == ("app-api", "signal")


def test_supervisorctl_status_of_a_real_supervisord():
    states = {s.unit: s for s in parse_service_states(fixture("supervisorctl_status.txt"))}
    assert states["webapp"].active == "active" and states["webapp"].manager == "supervisord"
    assert states["worker"].active == "failed" and states["worker"].sub == "exited"
    assert states["badcfg"].result == "start-limit-hit"
    assert states["stopped"].active == "inactive"


def test_supervisord_log_events_name_the_program():
    events = parse_log_events(fixture("supervisord_log.txt"))
    assert {e.unit for e in events} == {"badcfg", "webapp", "worker"}
    gave_up = [e for e in events if "gave up" in e.message]
    assert gave_up and gave_up[0].unit == "badcfg"
    causes = parse_start_failures(fixture("supervisord_log.txt"))
    assert {(c.cause, c.unit) for c in causes} >= {
        (StartCause.RESTART_LOOP, "badcfg"),
        (StartCause.CONFIG, "badcfg"),
    }


def test_journal_json_lines():
    line = (
        '{"__REALTIME_TIMESTAMP":"1685990670366836","_SYSTEMD_UNIT":"apache2.service",'
        '"PRIORITY":"3","MESSAGE":"AH00015: Unable to open logs","SYSLOG_IDENTIFIER":"apachectl"}'
    )
    [event] = parse_log_events(line)
    assert (event.unit, event.level, event.message) == (
        "apache2.service",
        "error",
        "AH00015: Unable to open logs",
    )
    [binary] = parse_log_events('{"MESSAGE":[104,105],"PRIORITY":"6"}')
    assert binary.message == "hi"


@pytest.mark.skipif(not LOGS.is_dir(), reason="../shared/datasets/logs is absent")
@pytest.mark.parametrize("name", ["OpenSSH/OpenSSH_2k.log", "Linux/Linux_2k.log"])
def test_every_loghub_syslog_line_is_an_event_with_its_program(name):
    lines = (LOGS / name).read_text(errors="replace").splitlines()
    events = parse_log_events("\n".join(lines))
    assert len(events) == len(lines)
    assert all(e.unit for e in events if "sshd[" in e.line)


# ------------------------------------------------------------------ processes, disks, memory


def test_ps_takes_the_executable_never_a_display_string():
    for name in ("ps_eo_postgres.txt", "ps_aux_postgres.txt"):
        processes = parse_processes(fixture(name))
        assert len(processes) == 6
        assert {p.comm for p in processes} == {"postgres"}, name
        checkpointer = next(p for p in processes if "checkpointer" in (p.args or ""))
        assert checkpointer.exe is None
    main = parse_processes(fixture("ps_eo_postgres.txt"))[0]
    assert main.exe == "/usr/lib/postgresql/15/bin/postgres" and main.uptime_seconds == 73


def test_ps_busiest_process_and_kernel_threads():
    processes = parse_processes(fixture("ps_eo_busy.txt"))
    top = max(processes, key=lambda p: p.cpu or 0)
    assert (top.comm, top.cpu, top.exe) == ("python3", 95.0, "/usr/bin/python3")
    assert any(p.comm == "rcu_preempt" for p in processes)


def test_top_batch_rows():
    processes = {p.pid: p for p in parse_processes(fixture("top_batch.txt"))}
    assert processes[4318].comm == "python3" and processes[4318].cpu == 93.8
    assert processes[4318].rss == 13524 * 1024
    assert processes[4].comm == "kworker/R"


def test_df_in_every_format_agrees_on_the_root_filesystem():
    roots = {}
    for name in ("df_P.txt", "df_h.txt", "df_hT.txt"):
        roots[name] = next(f for f in parse_filesystems(fixture(name)) if f.mount == "/")
    assert {f.used for f in roots.values()} == {24} and {f.device for f in roots.values()} == {
        "/dev/vda"
    }
    both = parse_filesystems(fixture("df_P.txt") + "\n" + fixture("df_i.txt"))
    root = next(f for f in both if f.mount == "/")
    assert (root.used, root.inodes) == (24, 3)


def test_df_wrapped_device_name():
    text = "Filesystem           1K-blocks      Used Available Use% Mounted on\n"
    text += "/dev/mapper/vg0-root_long_name\n              51474912  46520112   2516444  95% /\n"
    [root] = parse_filesystems(text)
    assert (root.device, root.used, root.mount) == ("/dev/mapper/vg0-root_long_name", 95, "/")


def test_du_sizes_in_kib_and_human_units():
    kib = {d.path: d.bytes for d in parse_directory_sizes(fixture("du_sk.txt"))}
    human = {d.path: d.bytes for d in parse_directory_sizes(fixture("du_sh.txt"))}
    assert kib["/usr/lib"] == 3937756 * 1024
    assert abs(human["/usr/lib"] - kib["/usr/lib"]) / kib["/usr/lib"] < 0.05


def test_lsof_deleted_files_with_their_holders():
    files = parse_deleted_open_files(fixture("lsof_L1.txt"))
    held = next(f for f in files if f.path == "/tmp/cap/app.log")
    assert (held.process, held.pid, held.bytes) == ("python3", 4318, 50_000_000)
    assert not parse_processes(fixture("lsof_L1.txt"))


def test_free_kib_and_human():
    kib = parse_memory(fixture("free_k.txt"))
    human = parse_memory(fixture("free_h.txt"))
    assert kib is not None and human is not None
    assert kib.total == 24684092 * 1024 and kib.swap_total == 0
    assert abs(human.total - kib.total) / kib.total < 0.05


def test_oom_reports_from_dmesg_syslog_and_dmesg_t():
    [own] = parse_oom_kills(fixture("dmesg_oom.txt"))
    assert (own.process, own.pid, own.unit) == ("python3", 4526, None)
    assert own.line.startswith("[  242.805479] Out of memory: Killed process 4526")
    syslog = parse_oom_kills(fixture("kern_oom_syslog.txt"))
    assert [(k.process, k.pid) for k in syslog] == [("python3", 15784), ("(resolved)", 15925)]
    [uwsgi] = parse_oom_kills(fixture("dmesg_T_oom_uwsgi.txt"))
    assert (uwsgi.process, uwsgi.time) == ("uwsgi", "Fri Nov 21 14:22:56 2025")


def test_oom_unit_from_the_memory_cgroup():
    text = fixture("dmesg_oom.txt").replace(
        "task_memcg=/process_api/a52b67f8f7d01e6e34bd74d27a32fdc0",
        "task_memcg=/system.slice/app-api.service",
    )
    [kill] = parse_oom_kills(text)
    assert kill.unit == "app-api.service" and kill.process == "python3"


# ------------------------------------------------------------------ crashes


@pytest.mark.parametrize(
    ("name", "kind", "summary"),
    [
        ("java_oom.txt", CrashKind.JAVA_OOM, "Java heap space"),
        ("node_rejection.txt", CrashKind.NODE_UNHANDLED, "unhandled rejection: upstream timeout"),
        ("node_typeerror.txt", CrashKind.NODE_EXCEPTION, "TypeError: Cannot read properties"),
        ("python_traceback.txt", CrashKind.PYTHON_EXCEPTION, "FileNotFoundError: [Errno 2]"),
        ("syslog_go_panic.txt", CrashKind.GO_PANIC, "runtime error: invalid memory address"),
        ("journal_go_panic.txt", CrashKind.GO_PANIC, "runtime error: invalid memory address"),
    ],
)
def test_crash_signatures_of_real_runtimes(name, kind, summary):
    crashes = parse_crashes(fixture(name))
    assert crashes and crashes[0].kind is kind and crashes[0].summary.startswith(summary)


def test_a_go_panic_in_the_journal_names_its_program():
    [panic] = parse_crashes(fixture("journal_go_panic.txt"))
    assert panic.unit == "WebRDP"


def test_haproxy_backend_down_is_a_dependency_not_a_crash():
    text = fixture("haproxy_backend_down.txt")
    assert not parse_crashes(text)
    assert parse_start_failures(text)[0].cause is StartCause.DEPENDENCY


def test_read_facts_over_a_mixture():
    facts = read_facts(
        [
            fixture("systemctl_status_nginx_config.txt"),
            fixture("ps_eo_busy.txt"),
            fixture("df_P.txt"),
        ]
    )
    assert facts.services[0].name == "nginx"
    assert facts.processes[0].comm == "python3"
    assert any(f.mount == "/" for f in facts.filesystems)
    assert facts.start_failures[0].cause is StartCause.CONFIG


def test_units_and_durations():
    assert elapsed_seconds("9-02:11:40") == 9 * 86400 + 2 * 3600 + 11 * 60 + 40
    assert elapsed_seconds("01:13") == 73 and elapsed_seconds("x") is None
    assert size_bytes("4.0K") == 4096 and size_bytes("23Gi") == 23 * 1024**3
    assert size_bytes("0B") == 0 and size_bytes("1531760", "K") == 1531760 * 1024


# ------------------------------------------------------------------ the real systemd lab

SYSTEMD = Path(__file__).parent / "fixtures" / "systemd"


def lab(state: str, name: str) -> str:
    """Output captured on the systemd lab (branch issue-11; fixtures/systemd/COMMANDS.txt)."""
    return (SYSTEMD / state / f"{name}.txt").read_text()


def test_lab_status_show_failed_list_and_journal_agree_on_the_killed_webapp():
    for name in ("systemctl_status", "systemctl_show", "systemctl_failed"):
        webapp = next(
            s for s in parse_service_states(lab("webapp_killed", name)) if s.name == "webapp"
        )
        assert webapp.active == "failed", name
    status = parse_service_states(lab("webapp_killed", "systemctl_status"))[0]
    assert (status.result, status.exit) == ("signal", "code=killed, signal=KILL")
    shown = parse_service_states(lab("webapp_killed", "systemctl_show"))[0]
    assert (shown.unit, shown.result, shown.restarts) == ("webapp.service", "signal", 0)
    for name in ("journalctl_short", "journalctl_short-iso", "journalctl_json"):
        events = parse_log_events(lab("webapp_killed", name))
        assert any(
            e.unit == "webapp.service" and "Failed with result 'signal'" in e.message
            for e in events
        ), name


def test_lab_start_limit_and_config_exit():
    text = lab("flapper_start_limit", "systemctl_status")
    causes = {f.cause for f in parse_start_failures(text)}
    assert {StartCause.RESTART_LOOP, StartCause.CONFIG} <= causes
    [shown] = parse_service_states(lab("flapper_start_limit", "systemctl_show"))
    assert (shown.restarts, shown.exit) == (3, "code=exited, status=78")


def test_lab_memory_cgroup_oom_kill():
    [kill] = parse_oom_kills(lab("memhog_oom", "dmesg"))
    assert (kill.process, kill.pid) == ("python3", 4280)
    assert kill.line.startswith("[  704.502508] Memory cgroup out of memory: Killed process 4280")


def test_lab_runaway_ps_and_top():
    top = max(parse_processes(lab("runaway", "ps")), key=lambda p: p.cpu or 0)
    assert (top.comm, top.pid) == ("runaway", 1231)
    assert any(p.comm == "runaway" for p in parse_processes(lab("runaway", "top")))
    sshd = [p for p in parse_processes(lab("runaway", "ps_aux")) if "sshd:" in (p.args or "")]
    assert sshd and {p.comm for p in sshd} == {"sshd"}


def test_lab_full_log_directory():
    [app] = [f for f in parse_filesystems(lab("log_dir_full", "df_P")) if f.mount == "/var/log/app"]
    assert app.used == 92 and app.device == "tmpfs"
    # du -x -a stays on /, so the tmpfs on /var/log/app is not in it.
    sizes = {d.path: d.bytes for d in parse_directory_sizes(lab("log_dir_full", "du"))}
    assert sizes["/var/log"] == 17076 * 1024 and sizes["/var/log/nginx"] == 268 * 1024
    assert "/var/log/app" not in sizes


def test_summary_gives_disk_tables_words_a_search_keys_on():
    facts = read_facts([lab("log_dir_full", "df_P"), fixture("lsof_L1.txt")])
    lines = summarize(facts)
    assert "filesystem /var/log/app 92% full, disk space low" in lines
    assert any("/tmp/cap/app.log open (deleted)" in line for line in lines)
