"""The whole evaluation set through a real local model, the offline planner beside it.

Starts llama-cpp-python's server with the Gemma 3 270M GGUF (the local-llm extra; see
pack/remediate/local_llm.py), probes it, and runs every scenario of tests/evals (both splits)
through the real decision core twice, one planner after the other on the same case: the LLM
planner over our openai client, and the offline planner. Per planner and split: decision
accuracy, unsafe proposals (the guard must leave 0), leaks; for the model also how many
answers were valid against the incident's schema, how many cases escalated because the answer
stayed invalid or the endpoint failed, and latency per decision (p50/p95).

    nice .venv/bin/python benchmarks/local_llm_eval.py [--max-tokens 256] [--max-retries 0]
        [--max-citations 4] [--max-observation-chars 2000]

Writes benchmarks/results/local_llm.{json,md} (rewritten after every case with "partial": true,
so an interrupted run still leaves its numbers).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import openai

from remediate.catalog import load_catalog
from remediate.config import PROJECT_ROOT, LLMSettings
from remediate.evals import CaseResult, load_scenarios, run_case, summarize
from remediate.kb import load_kb
from remediate.lancedb_index import KnowledgeIndex
from remediate.llm_planner import LLMPlanner
from remediate.llm_protocol import answer_schema, forget_probes, resolve
from remediate.local_llm import MODEL_ALIAS, LocalModelServer, model_path
from remediate.models import Proposal
from remediate.offline_planner import OfflinePlanner
from remediate.planning import PlanningContext
from remediate.sanitizer import Sanitizer

RESULTS = Path(__file__).resolve().parent / "results"


class ForcedProposal(LLMPlanner):
    """The same planner with escalate/none left out of the schema wherever a proposal is
    possible: every answer the model gives is a proposal, and the guard must stop the bad ones."""

    def schema(self, context: PlanningContext) -> dict[str, Any]:
        return answer_schema(context, propose_only=True)


class Timed:
    """A planner whose own time is measured (the decision's latency includes retrieval)."""

    def __init__(self, planner: Any) -> None:
        self.planner = planner
        self.name = planner.name
        self.seconds = 0.0
        self.called = False

    def plan(self, context: PlanningContext) -> Proposal:
        self.called = True
        started = time.perf_counter()
        try:
            result: Proposal = self.planner.plan(context)
            return result
        finally:
            self.seconds = time.perf_counter() - started


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


def planner_summary(cases: list[CaseResult], extra: list[dict[str, Any]]) -> dict[str, Any]:
    summary = summarize(cases)
    latencies = [c.latency_ms for c in cases]
    summary["latency_ms_p95"] = percentile(latencies, 0.95)
    summary["latency_ms_p50"] = percentile(latencies, 0.5)
    called = [e for e in extra if e["called"]]
    planner_ms = [e["planner_ms"] for e in called]
    summary["planner_called"] = len(called)
    summary["planner_ms_p50"] = percentile(planner_ms, 0.5)
    summary["planner_ms_p95"] = percentile(planner_ms, 0.95)
    if any("valid" in e for e in called):
        summary["valid_answers"] = sum(bool(e.get("valid")) for e in called)
        summary["answers_received"] = sum(e.get("attempts", 0) for e in called)
        summary["stayed_invalid"] = sum(
            "stayed invalid" in c.rationale
            for c, e in zip(cases, extra, strict=True)
            if e["called"]
        )
        summary["endpoint_failures"] = sum(
            c.rationale.startswith("planner unavailable") for c in cases
        )
    if any("model_proposed" in e for e in extra):
        summary["model_proposed"] = sum(bool(e.get("model_proposed")) for e in extra)
        summary["guard_refused"] = sum(bool(e.get("guard_refused")) for e in extra)
    return summary


def write(report: dict[str, Any]) -> None:
    RESULTS.mkdir(exist_ok=True)
    name = "local_llm" if report["model_planner"] == "llm" else "local_llm_forced"
    (RESULTS / f"{name}.json").write_text(json.dumps(report, indent=1) + "\n")
    (RESULTS / f"{name}.md").write_text(markdown(report))


def markdown(report: dict[str, Any]) -> str:
    who = report["model_planner"]
    llm, offline = report[who]["summary"], report["offline"]["summary"]
    splits = sorted(llm.get("splits", {}))
    keys = [
        "cases",
        "passed",
        "action_accuracy",
        "host_accuracy",
        "param_accuracy",
        "unsafe_proposals",
        "leaks",
        "citation_validity",
        "latency_ms_p50",
        "latency_ms_p95",
    ]
    model_keys = [
        "planner_called",
        "valid_answers",
        "answers_received",
        "stayed_invalid",
        "endpoint_failures",
        "planner_ms_p50",
        "planner_ms_p95",
        "model_proposed",
        "guard_refused",
    ]
    head = "| metric | " + " | ".join(
        f"{name} {split}" for split in ["all", *splits] for name in (who, "offline")
    )
    lines = [
        "# A real local model on the evaluation set"
        + (" — proposals forced (a stress test of the guard)" if who == "forced" else ""),
        "",
        *(
            [
                "Here the schema leaves out escalate/none wherever a proposal is possible, so "
                "every answer the model gives is a write proposal: what the guard must stop.",
                "",
            ]
            if who == "forced"
            else []
        ),
        f"Command: `{report['command']}` — started {report['started']}, "
        f"{report['cpus']} CPUs, load average at start {report['load_start']}, at end "
        f"{report.get('load_end', 'n/a')}. Model: {report['model']} served by "
        f"llama-cpp-python {report['llama_cpp_version']} "
        f"(`{' '.join(report['server_command'][1:])}`), ready in {report['server_ready_s']} s.",
        f"Protocol found by the probe: **{report['protocol']}** ({'; '.join(report['probe'])}); "
        f"instructions in the {report['role']} turn; max_tokens {report['max_tokens']}, "
        f"retries {report['max_retries']}, citations shown {report['max_citations']}, "
        f"observations cut to {report['max_observation_chars']} characters each.",
        "",
        "Both planners ran on every case in the same run, one after the other (the offline "
        "planner is the baseline). `tune` scenarios were used while developing the offline "
        "planner; `report` ones are held out. Latency is per decision (sanitize, retrieve, "
        "plan, guard), in ms; planner_ms is the planner alone (for the model: the HTTP calls).",
        *(
            ["", "**Partial run** (interrupted): the numbers cover the cases done so far."]
            if report.get("partial")
            else []
        ),
        "",
        head + " |",
        "|---" * (1 + 2 * (1 + len(splits))) + "|",
    ]
    for key in keys:
        cells = []
        for split in ["all", *splits]:
            for summary in (llm, offline):
                source = summary if split == "all" else summary.get("splits", {}).get(split, {})
                cells.append(str(source.get(key, "")))
        lines.append(f"| {key} | " + " | ".join(cells) + " |")
    lines += ["", "| model metric | value |", "|---|---|"]
    lines += [f"| {key} | {llm.get(key, '')} |" for key in model_keys]
    lines += [
        "",
        f"| case | split | expected | {who} | offline | valid | attempts | {who} ms |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in report["rows"]:
        lines.append(
            f"| {row['id']} | {row['split']} | {row['expected']} | {row[who]} "
            f"| {row['offline']} | {row.get('valid', '')} | {row.get('attempts', '')} "
            f"| {row.get('model_ms', '')} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", type=Path, default=PROJECT_ROOT / "tests" / "evals")
    parser.add_argument("--max-tokens", type=int, default=256)
    # At temperature 0 a base model answers a rejection with the same answer: retries only
    # cost time here (the scripted tests cover them). The model sees the best 4 citations and
    # each observation cut to 2,000 characters: a 3,000-token prompt took ~60 s on 2 busy cores.
    parser.add_argument("--max-retries", type=int, default=0)
    parser.add_argument("--max-citations", type=int, default=4)
    parser.add_argument("--max-observation-chars", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--model-planner",
        choices=["llm", "forced"],
        default="llm",
        help="forced: escalate/none left out of the schema, a stress test of the guard",
    )
    args = parser.parse_args()
    # SIGTERM unwinds like Ctrl-C, so the model server (a child process) is stopped too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    import llama_cpp

    catalog = load_catalog(PROJECT_ROOT / "playbooks" / "catalog.yaml")
    kb = load_kb(PROJECT_ROOT / "kb")
    scenarios = load_scenarios(args.dir)
    report: dict[str, Any] = {
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "machine": platform.platform(),
        "load_start": [round(x, 2) for x in os.getloadavg()],
        "model": MODEL_ALIAS,
        "llama_cpp_version": llama_cpp.__version__,
        "max_tokens": args.max_tokens,
        "max_retries": args.max_retries,
        "model_planner": args.model_planner,
        "max_citations": args.max_citations,
        "max_observation_chars": args.max_observation_chars,
        "partial": True,
    }
    with tempfile.TemporaryDirectory(prefix="remediate-local-llm-") as tmp:
        index = KnowledgeIndex(Path(tmp) / "index")
        index.ingest(kb, Sanitizer(allow=sorted(catalog.actions)).sanitize)
        server = LocalModelServer(model_path(), Path(tmp) / "server.log", threads=args.threads)
        with server:
            report["server_command"] = server.command
            report["server_ready_s"] = round(server.started_in, 1)
            forget_probes()
            probe_client = openai.OpenAI(
                base_url=server.base_url, api_key="unused", timeout=120, max_retries=0
            )
            resolved = resolve(probe_client, model=MODEL_ALIAS, protocol="auto", system_role="auto")
            report["protocol"] = str(resolved.protocol)
            report["role"] = str(resolved.role)
            report["probe"] = list(resolved.notes)
            print(f"protocol {resolved.protocol} ({'; '.join(resolved.notes)})", flush=True)
            settings = LLMSettings(
                base_url=server.base_url,
                model=MODEL_ALIAS,
                timeout=600,
                max_tokens=args.max_tokens,
                max_retries=args.max_retries,
                max_citations=args.max_citations,
                max_observation_chars=args.max_observation_chars,
            )
            whos = [args.model_planner, "offline"]
            runs: dict[str, tuple[list[CaseResult], list[dict[str, Any]]]] = {
                who: ([], []) for who in whos
            }
            rows = []
            for number, scenario in enumerate(scenarios, 1):
                row: dict[str, Any] = {
                    "id": scenario.id,
                    "split": scenario.split,
                    "expected": scenario.expect.action,
                }
                for who in whos:
                    inner: Any = {
                        "llm": lambda: LLMPlanner(settings),
                        "forced": lambda: ForcedProposal(settings),
                        "offline": lambda: OfflinePlanner(kb, catalog),
                    }[who]()
                    planner = Timed(inner)
                    result = run_case(
                        scenario,
                        catalog=catalog,
                        index=index,
                        planner=planner,
                        transcript=lambda p=inner: json.dumps(getattr(p, "transcript", [])),
                    )
                    extra: dict[str, Any] = {
                        "called": planner.called,
                        "planner_ms": round(planner.seconds * 1000, 1),
                    }
                    if who != "offline" and planner.called:
                        extra |= {"valid": inner.valid, "attempts": inner.attempts}
                        row |= {"valid": inner.valid, "attempts": inner.attempts}
                        row["model_ms"] = result.latency_ms
                    runs[who][0].append(result)
                    runs[who][1].append(extra)
                    mark = "ok" if result.passed else ("UNSAFE" if result.unsafe else "x")
                    row[who] = f"{result.action} ({mark})"
                    if who == "forced":
                        proposed = result.rationale.startswith(
                            "the planner's answer was refused by the guard"
                        ) or result.action not in ("escalate", "none")
                        extra["model_proposed"] = proposed and planner.called
                        extra["guard_refused"] = "refused by the guard" in result.rationale
                rows.append(row)
                print(
                    f"[{number}/{len(scenarios)}] {scenario.id}: "
                    + ", ".join(f"{who} {row[who]}" for who in whos)
                    + f" ({row.get('model_ms', 0):.0f} ms)",
                    flush=True,
                )
                # After every case: an interrupted run keeps all it measured.
                report["partial"] = number < len(scenarios)
                report["rows"] = rows
                for who, (cases, extras) in runs.items():
                    report[who] = {
                        "summary": planner_summary(cases, extras),
                        "cases": [c.model_dump() | e for c, e in zip(cases, extras, strict=True)],
                    }
                report["load_end"] = [round(x, 2) for x in os.getloadavg()]
                write(report)
    print(json.dumps({w: report[w]["summary"] for w in runs}, indent=1))


if __name__ == "__main__":
    main()
