"""The `remediate` command as a process: sanitize, kb, investigate on bad input, inquiry errors."""

import json

import pytest

from command import remediate


def test_sanitize_reads_stdin_and_writes_pseudonyms():
    proc = remediate(
        "sanitize",
        "-",
        stdin="Failed password for root from 10.1.2.3 port 22\n"
        "retry from 10.1.2.3; token=abcdef123456\n",
    )
    assert proc.returncode == 0
    assert proc.stdout == (
        "Failed password for root from [IP_ADDRESS_1] port 22\n"
        "retry from [IP_ADDRESS_1]; token=[SECRET_TOKEN]\n"
    )


def test_kb_ingest_then_search_as_json(tmp_path):
    assert remediate("kb", "ingest", state=tmp_path).returncode == 0
    proc = remediate(
        "kb", "search", "nginx emerg configuration test failed", "--json", state=tmp_path
    )
    hits = json.loads(proc.stdout)
    assert hits and {"id", "title", "section", "source", "score"} <= set(hits[0])


@pytest.mark.parametrize("payload", ["{broken", '{"server_id": "srv-prod-04"}', "[]"])
def test_investigate_bad_input_exits_2_and_records_nothing(tmp_path, payload):
    proc = remediate("investigate", "-", stdin=payload, state=tmp_path)
    assert proc.returncode == 2 and "AlertFormatError" in proc.stderr
    assert "Traceback" not in proc.stderr
    listing = remediate("incident", "list", "--json", state=tmp_path)
    assert json.loads(listing.stdout) == []


def test_responding_to_an_unknown_inquiry_exits_5(tmp_path):
    proc = remediate("inquiry", "respond", "inq-nope", "--approve", "--as", "alice", state=tmp_path)
    assert proc.returncode == 5 and "no inquiry" in proc.stderr
