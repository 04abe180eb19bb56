import pytest

from remediate.config import PROJECT_ROOT
from remediate.errors import KnowledgeBaseError
from remediate.kb import (
    WHEN_NOT_TO_ACT,
    load_kb,
    markdown_runbook_chunks,
    parse_runbook,
    parse_ticket,
    scan,
)

KB = PROJECT_ROOT / "kb"
CATALOG_WRITES = {"restart_service", "free_disk_space", "kill_process"}

RUNBOOK = """---
id: RB-x
title: X is down
alerts: [XDown]
symptoms: ["x refused"]
services: [x]
action: restart_service
params: {service: x}
do_not_act:
  - pattern: 'config test failed'
    reason: a restart will not help
---
# X is down

## Symptoms
x refuses connections.

## Remediation
restart_service x.

## When not to act
When the config test failed.
"""


def test_runbook_is_split_into_sections(tmp_path):
    path = tmp_path / "RB-x.md"
    path.write_text(RUNBOOK)
    runbook = parse_runbook(path)
    assert [s.title for s in runbook.sections] == ["Symptoms", "Remediation", WHEN_NOT_TO_ACT]
    assert runbook.meta.do_not_act[0].matches("nginx: CONFIG TEST FAILED")


@pytest.mark.parametrize(
    ("text", "name", "message"),
    [
        ("no front matter", "RB-x.md", "front matter"),
        (RUNBOOK.replace("id: RB-x", "id: RB-y"), "RB-x.md", "does not match the file name"),
        (RUNBOOK.replace("'config test failed'", "'(unclosed'"), "RB-x.md", "invalid regex"),
        (RUNBOOK.replace("title: X is down\n", "title: X\nsurprise: 1\n"), "RB-x.md", "surprise"),
        (RUNBOOK.split("## Symptoms")[0], "RB-x.md", "no '## ' sections"),
    ],
)
def test_malformed_runbooks_are_reported_by_file(tmp_path, text, name, message):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(KnowledgeBaseError, match=message) as info:
        parse_runbook(path)
    assert str(path) in str(info.value)


def test_malformed_ticket_is_reported_by_file(tmp_path):
    path = tmp_path / "INC-1234.yaml"
    path.write_text("id: INC-1234\ndate: 2026-01-01\ntitle: t\n")
    with pytest.raises(KnowledgeBaseError, match=r"INC-1234\.yaml"):
        parse_ticket(path)


def test_starter_kb_covers_every_write_action_and_the_contraindications():
    kb = load_kb(KB)
    assert len(kb.runbooks) >= 12 and len(kb.tickets) >= 30
    recommended = {rb.meta.action for rb in kb.runbooks.values()}
    assert recommended >= CATALOG_WRITES and "escalate" in recommended
    resolved = {t.action for t in kb.tickets.values() if t.outcome == "resolved"}
    assert resolved >= CATALOG_WRITES
    every_pattern = [r for rb in kb.runbooks.values() for r in rb.meta.do_not_act]
    for sample in [
        'nginx: [emerg] unknown directive "proxy_passs" in /etc/nginx/conf.d/shop.conf:12',
        "app-api.service: Failed with result 'start-limit-hit'.",
        'PANIC:  could not write to file "pg_wal/xlogtemp.123": No space left on device',
    ]:
        assert any(r.matches(sample) for r in every_pattern), sample
    flagship = kb.tickets["INC-4092"]
    assert (flagship.date.isoformat(), flagship.action) == ("2026-03-12", "restart_service")


def test_no_contraindication_fires_on_the_plain_article_alert():
    kb = load_kb(KB)
    text = (
        "502 Bad Gateway - Connection Refused\n"
        "webapp                           EXITED    Nov 23 09:14 AM"
    )
    fired = [r.reason for rb in kb.runbooks.values() for r in rb.meta.do_not_act if r.matches(text)]
    assert fired == []


# ------------------------------------------------------------------ any markdown runbook


def test_plain_markdown_takes_its_title_from_the_first_heading(tmp_path):
    path = tmp_path / "KubePodCrashLooping.md"
    path.write_text(
        "# Pod is crash looping\n\nIntro text.\n\n## Meaning\nThe pod restarts.\n\n"
        "```shell\n## not a section inside a fence\nkubectl get pods\n```\n\n"
        "## Mitigation\nFix it.\n"
    )
    chunks = markdown_runbook_chunks(path, path.read_text())
    assert [c.section for c in chunks] == ["Overview", "Meaning", "Mitigation"]
    assert {c.title for c in chunks} == {"Pod is crash looping"}
    assert "kubectl get pods" in chunks[1].text, "a fenced '##' line stays in its section"
    assert chunks[0].alerts == ("KubePodCrashLooping",)
    assert "Kube Pod Crash Looping" in chunks[0].names
    assert chunks[1].row_id == f"{path}#Meaning"


def test_front_matter_title_wins_and_a_bare_file_is_named_after_itself(tmp_path):
    with_front = tmp_path / "a.md"
    with_front.write_text(
        "---\ntitle: Node Clock Skew\nweight: 20\n---\n"
        "# NodeClockSkewDetected\n## Meaning\nClock drifts.\n"
    )
    [chunk] = markdown_runbook_chunks(with_front, with_front.read_text())
    assert chunk.title == "Node Clock Skew" and "NodeClockSkewDetected" in chunk.alerts
    bare = tmp_path / "disk-full-on-db.md"
    bare.write_text("Just a paragraph about a full disk.\n")
    [chunk] = markdown_runbook_chunks(bare, bare.read_text())
    assert (chunk.title, chunk.section) == ("disk full on db", "Overview")


def test_scan_reports_bad_files_by_line_and_keeps_the_rest(tmp_path):
    (tmp_path / "good.md").write_text("# Good\n## Meaning\nfine\n")
    (tmp_path / "bad-yaml.md").write_text("---\ntitle: ok\nalerts: [unclosed\n---\n## A\ntext\n")
    (tmp_path / "open-fence.md").write_text("# T\n## A\n```\nnever closed\n")
    (tmp_path / "INC-1234.yaml").write_text("id: INC-1234\ndate: not-a-date\ntitle: t\n")
    (tmp_path / "INC-77.yaml").write_text("id: [\n")
    (tmp_path / "notes.txt").write_text("ignored")
    found = scan([tmp_path, tmp_path / "missing"])
    assert [c.title for c in found.chunks] == ["Good"]
    problems = "\n".join(found.problems)
    assert f"{tmp_path / 'bad-yaml.md'}:3:" in problems
    assert f"{tmp_path / 'open-fence.md'}:4: a code fence is never closed" in problems
    assert f"{tmp_path / 'INC-1234.yaml'}:2: invalid ticket" in problems
    assert f"{tmp_path / 'INC-77.yaml'}:" in problems
    assert f"{tmp_path / 'missing'}:0: no such file" in problems
    assert found.files == 5 and len(found.problems) == 5


def test_our_kb_format_is_read_strictly_through_scan():
    found = scan([KB])
    assert found.problems == []
    runbooks = {c.id for c in found.chunks if c.action and not c.date}
    assert "RB-nginx-down" in runbooks
    nginx = next(c for c in found.chunks if c.id == "RB-nginx-down")
    assert nginx.action == "restart_service" and "NginxDown" in nginx.alerts
    assert any(c.id == "INC-4092" and c.date == "2026-03-12" for c in found.chunks)
