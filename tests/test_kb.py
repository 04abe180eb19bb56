import pytest

from remediate.config import PROJECT_ROOT
from remediate.errors import KnowledgeBaseError
from remediate.kb import WHEN_NOT_TO_ACT, load_kb, parse_runbook, parse_ticket

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
