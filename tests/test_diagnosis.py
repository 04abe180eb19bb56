"""The diagnosis over facts read from real tool output (tests/fixtures/evidence)."""

from remediate.catalog import load_catalog
from remediate.config import PROJECT_ROOT
from remediate.diagnosis import diagnose
from remediate.evidence import read_facts
from remediate.planning import PlanningContext, action_specs
from test_evidence import fixture

CATALOG = load_catalog(PROJECT_ROOT / "playbooks" / "catalog.yaml", syntax_check=False)
CLEANABLE = [str(p) for p in CATALOG.get("free_disk_space").parameters["path"].enum or []]


def context(alert="ServiceDown", labels=None, services=("nginx", "app-api"), **extra):
    return PlanningContext(
        alert_name=alert,
        alert_status="firing",
        alert_text=alert,
        alert_labels=labels or {},
        host="[HOST_1]",
        host_services=list(services),
        actions=action_specs(CATALOG),
        **extra,
    )


def run(ctx, *texts):
    return diagnose(ctx, read_facts(texts), CLEANABLE)


def test_config_error_at_start_escalates_naming_it_and_quoting_the_line():
    found = run(context(), fixture("systemctl_status_nginx_config.txt"))
    assert found is not None and found.action is None
    assert "nginx fails when it starts: configuration error" in found.what
    assert found.when == "Fri 2021-01-08 13:46:17 CET"
    assert any("[emerg]" in line for line in found.evidence)
    assert '"' in found.text() and "[emerg]" in found.text()


def test_restart_loop_is_never_restarted():
    ctx = context(services=("power-monitor",))
    found = run(ctx, fixture("systemctl_status_start_limit.txt"))
    assert found is not None and found.action is None and "restart loop" in found.what


def test_go_panic_after_uptime_restarts_the_program_the_journal_names():
    ctx = context(services=("servidor",))
    found = run(ctx, fixture("syslog_go_panic.txt"))
    assert found is not None and found.action == "restart_service"
    assert found.params == {"service": "servidor"} and "go-panic" in found.what


def test_alert_label_through_an_alias_picks_one_of_two_failed_services():
    both = "nginx: ActiveState=failed SubState=failed\napp-api: ActiveState=failed SubState=failed"
    assert run(context(), both).action is None  # ambiguous without a name
    aliased = context(labels={"job": "api"}, service_aliases={"api": "app-api"})
    assert run(aliased, both).params == {"service": "app-api"}
    named = context(labels={"name": "nginx.service"})
    assert run(named, both).params == {"service": "nginx"}


def test_a_display_string_never_becomes_a_kill_target():
    ctx = context("HostHighCPULoad", killable=["checkpointer", "postgres:"])
    busy = fixture("ps_eo_postgres.txt").replace(" 0.0  0.0  2628", "97.0  0.0  2628", 1)
    found = run(ctx, busy)
    assert found is not None and found.action is None and "protected" in found.what


def test_kill_only_what_the_host_lists_as_killable():
    ps = fixture("ps_eo_busy.txt")
    assert run(context("HostHighCPULoad"), ps).action is None
    allowed = run(context("HostHighCPULoad", killable=["python3"]), ps)
    assert allowed.action == "kill_process" and allowed.params["process"] == "python3"


def test_deleted_open_file_holder_is_restarted_only_when_listed():
    df = "Filesystem 1024-blocks Used Available Capacity Mounted on\n"
    df += "/dev/vda 10485760 10000000 485760 96% /\n"
    held = fixture("lsof_L1.txt").replace("50000000", "5000000000")
    ctx = context("HostOutOfDiskSpace", labels={"mountpoint": "/"}, services=("python3",))
    assert run(ctx, df, held).params == {"service": "python3"}
    unlisted = run(context("HostOutOfDiskSpace", labels={"mountpoint": "/"}), df, held)
    assert unlisted.action is None and "not a listed service" in unlisted.what


def test_disk_cleanup_stays_on_the_alerts_filesystem():
    df = fixture("df_P.txt").replace("24%", "97%")
    du = "4021312\t/var/log/journal\n"
    ctx = context("HostOutOfDiskSpace", labels={"mountpoint": "/dev/shm"})
    other = run(ctx, df, du)
    assert other.action is None and "none of the cleanable directories" in other.what
    du += "9021312\t/var/log\n812000\t/var/log/app\n"
    same = run(context("HostOutOfDiskSpace", labels={"mountpoint": "/"}), df, du)
    assert same.action == "free_disk_space" and same.params == {"path": "/var/log"}


def test_a_full_journal_is_not_cleaned_by_deleting_rotated_logs():
    df = fixture("df_P.txt").replace("24%", "97%")
    du = "4021312\t/var/log/journal\n4120128\t/var/log\n"
    found = run(context("HostOutOfDiskSpace", labels={"mountpoint": "/"}), df, du)
    assert found.action is None and "systemd journal" in found.what


def test_a_cleanable_directory_that_is_its_own_filesystem():
    df = (PROJECT_ROOT / "tests/fixtures/systemd/log_dir_full/df_P.txt").read_text()
    found = run(context("HostOutOfDiskSpace", labels={"mountpoint": "/var/log/app"}), df)
    assert found.action == "free_disk_space" and found.params == {"path": "/var/log/app"}


def test_container_filesystem_is_refused():
    df = "Filesystem 1024-blocks Used Available Capacity Mounted on\n"
    df += "/dev/sdb1 206292664 199411200 6881464 97% /var/lib/docker\n"
    found = run(context("HostOutOfDiskSpace", labels={"mountpoint": "/var/lib/docker"}), df)
    assert found.action is None and "container filesystem" in found.what


def test_no_facts_no_diagnosis():
    assert run(context("HostClockSkew")) is None
