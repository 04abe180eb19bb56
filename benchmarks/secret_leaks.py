"""Planted secrets that survive sanitizing, and diagnostic tokens that are kept, side by side.

Two corpora, reported apart: ``tuned`` (benchmarks/secret_corpus.py, which the recognizers were
developed against) and ``heldout`` (benchmarks/secret_corpus_heldout.py, written before the
recognizers were changed and not used to tune them), plus the held-out keep-list of diagnostic
tokens (trace ids, UUIDs, digests, SHAs, versions, timestamps...). Methods, each in its own
process:

- ``ours``: remediate's Sanitizer from this working tree;
- ``ours-old``: the Sanitizer of an earlier commit (``--old-ref``, default: where this branch
  left ``main``), extracted with ``git archive`` into a temporary directory;
- ``detect-secrets``: Yelp's detect-secrets alone (default plugins and filters, ``scan_line``),
  every value it reports replaced by a placeholder.

A planted value survives when it still occurs verbatim in the output (for ``ours``, or in the
pseudonym mapping); a diagnostic token is kept when it still occurs verbatim in the output.

    .venv/bin/python benchmarks/secret_leaks.py [--old-ref REF] [--show 10]

Writes benchmarks/results/sanitizer_leaks.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
METHODS = ("ours-old", "ours", "detect-secrets", "ours+detect-secrets")
sys.path.insert(0, str(Path(__file__).resolve().parent))


def _masker(method: str) -> Callable[[list[str]], tuple[str, str]]:
    """(output, what the method keeps besides: the pseudonym mapping for ours)."""
    if method == "ours+detect-secrets":  # detect-secrets as a second pass behind ours
        first, second = _masker("ours"), _masker("detect-secrets")

        def both(lines: list[str]) -> tuple[str, str]:
            out, kept = first(lines)
            return second(out.splitlines(keepends=True))[0], kept

        return both
    if method.startswith("ours"):
        from remediate.sanitizer import Sanitizer

        def ours(lines: list[str]) -> tuple[str, str]:
            sanitizer = Sanitizer()
            out = "".join(sanitizer.sanitize_lines(lines))
            return out, json.dumps(sanitizer.mapping())

        return ours
    from detect_secrets.core.scan import scan_line
    from detect_secrets.settings import default_settings

    def detect(lines: list[str]) -> tuple[str, str]:
        out = []
        with default_settings():
            for line in lines:
                for found in scan_line(line):
                    if found.secret_value:
                        line = line.replace(found.secret_value, "[SECRET]")
                out.append(line)
        return "".join(out), ""

    return detect


def corpora() -> list[str]:
    """Corpus module names in report order: tuned, held-out, our own families, then the blind
    ones (``secret_corpus_blind_*.py``, each exposing ``cases()`` and ``keep_list()``)."""
    here = Path(__file__).resolve().parent
    blind = sorted(p.stem for p in here.glob("secret_corpus_blind_*.py"))
    return ["secret_corpus", "secret_corpus_heldout", "secret_corpus_families", *blind]


def label(module: str) -> str:
    return {
        "secret_corpus": "tuned",
        "secret_corpus_heldout": "heldout",
        "secret_corpus_families": "families",
    }.get(module, module.removeprefix("secret_corpus_"))


def worker(method: str, only: list[str]) -> None:
    import importlib

    mask = _masker(method)
    rows: dict[str, list[dict[str, object]]] = {"keep": []}
    for module_name in only:
        module = importlib.import_module(module_name)
        name = label(module_name)
        rows[name] = []
        for case in module.cases():
            out, kept = mask(list(case.lines))
            family = getattr(case, "family", None) or getattr(case, "kind", "")
            # A secret kept in the pseudonym mapping (taken for an e-mail, say) survives too;
            # the tuned corpus also plants users and addresses, which belong in the mapping.
            secretish = getattr(case, "kind", "secret") == "secret"
            survived = [v for v in case.values if v in out or (secretish and v in kept)]
            rows[name].append(
                {
                    "family": family,
                    "format": case.format,
                    "values": list(case.values),
                    "survived": survived,
                    "output": out,
                }
            )
        for keep in getattr(module, "keep_list", list)():
            out, _ = mask(list(keep.lines))
            lost = [t for t in keep.tokens if t not in out]
            rows["keep"].append(
                {
                    "corpus": name,
                    "format": keep.format,
                    "tokens": list(keep.tokens),
                    "lost": lost,
                    "output": out,
                }
            )
    print(json.dumps(rows))


def run(method: str, old_pack: Path | None, only: list[str]) -> dict[str, list[dict[str, object]]]:
    env = dict(os.environ)
    if method == "ours-old":
        assert old_pack is not None
        env["PYTHONPATH"] = str(old_pack)
    elif method.startswith("ours"):
        env["PYTHONPATH"] = str(ROOT / "pack")
    done = subprocess.run(
        [sys.executable, __file__, "--worker", method, "--corpus", ",".join(only)],
        capture_output=True,
        env=env,
        cwd=ROOT,
        check=False,
    )
    if done.returncode:
        sys.exit(f"{method} failed:\n{done.stderr.decode(errors='replace')[-3000:]}")
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def summary(rows: dict[str, list[dict]]) -> dict[str, object]:  # type: ignore[type-arg]
    out: dict[str, object] = {}
    for corpus in [c for c in rows if c != "keep"]:
        planted = sum(len(r["values"]) for r in rows[corpus])
        survived = sum(len(r["survived"]) for r in rows[corpus])
        by_family: Counter[str] = Counter()
        per_family: Counter[str] = Counter()
        for r in rows[corpus]:
            by_family[r["family"]] += len(r["survived"])
            per_family[r["family"]] += len(r["values"])
        keep = [r for r in rows["keep"] if r["corpus"] == corpus]
        tokens = sum(len(r["tokens"]) for r in keep)
        lost = sum(len(r["lost"]) for r in keep)
        out[corpus] = {
            "planted": planted,
            "survived": survived,
            "survived_pct": 100 * survived / max(planted, 1),
            "families": {f: [by_family[f], n] for f, n in per_family.items()},
            "keep": {
                "tokens": tokens,
                "kept": tokens - lost,
                "kept_pct": 100 * (tokens - lost) / tokens if tokens else None,
            },
        }
    tokens = sum(len(r["tokens"]) for r in rows["keep"])
    lost = sum(len(r["lost"]) for r in rows["keep"])
    out["keep"] = {
        "tokens": tokens,
        "kept": tokens - lost,
        "kept_pct": 100 * (tokens - lost) / max(tokens, 1),
    }
    return out


def old_pack(ref: str, tmp: Path) -> Path:
    archive = subprocess.run(
        ["git", "archive", "--format=tar", ref, "pack"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(tmp)], input=archive, check=True)
    return tmp / "pack"


def default_old_ref() -> str:
    done = subprocess.run(
        ["git", "merge-base", "HEAD", "main"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--worker", choices=METHODS)
    parser.add_argument("--old-ref")
    parser.add_argument("--show", type=int, default=10, help="misses to print per method")
    parser.add_argument("--methods", default=",".join(METHODS), help="comma-separated subset")
    parser.add_argument(
        "--corpus",
        help="comma-separated corpus modules (default: every benchmarks/secret_corpus*.py)",
    )
    parser.add_argument("--no-write", action="store_true", help="print only, keep the results")
    args = parser.parse_args()
    only = args.corpus.split(",") if args.corpus else corpora()
    if args.worker:
        worker(args.worker, only)
        return
    ref = args.old_ref or default_old_ref()
    results: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory(prefix="rmd-leaks-") as tmp:
        pack = old_pack(ref, Path(tmp))
        for method in args.methods.split(","):
            rows = run(method, pack, only)
            results[method] = s = summary(rows)
            cells = [
                f"{c} {s[c]['survived']}/{s[c]['planted']}"  # type: ignore[index]
                for c in s
                if c != "keep"
            ]
            kept = s["keep"]
            print(
                f"{method:15} survived: " + ", ".join(cells) + f"; kept {kept['kept']}/"  # type: ignore[index]
                f"{kept['tokens']}",  # type: ignore[index]
                flush=True,
            )
            if method == "ours":
                misses = [
                    f"  [{c}] {r['format']}: {r['output'].strip()[:160]!r}"
                    for c in rows
                    if c != "keep"
                    for r in rows[c]
                    if r["survived"]
                ]
                misses += [
                    f"  [lost/{r['corpus']}] {r['format']}: {r['output'].strip()[:160]!r}"
                    for r in rows["keep"]
                    if r["lost"]
                ]
                print("\n".join(misses[: args.show]))
    result = {
        "command": "python benchmarks/secret_leaks.py"
        + (f" --old-ref {args.old_ref}" if args.old_ref else "")
        + (f" --corpus {args.corpus}" if args.corpus else ""),
        "old_ref": ref,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "methods": results,
    }
    if args.no_write:
        return
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "sanitizer_leaks.json").write_text(json.dumps(result, indent=1) + "\n")
    (RESULTS / "sanitizer_leaks.md").write_text(markdown(result))
    print(f"wrote {RESULTS / 'sanitizer_leaks.md'}")


DISCIPLINE = [
    "",
    "What each corpus is, and how blind it is:",
    "",
    "- `tuned` (`secret_corpus.py`): the corpus the first recognizers were developed against.",
    "- `heldout` (`secret_corpus_heldout.py`, 390 values): written and committed (5260678) before",
    "  the first round changed any recognizer; its first run let 26/390 (6.7 %) through, then its",
    "  failures were read and fixed. No longer blind.",
    "- `families` (`secret_corpus_families.py`, 312 values): this round's own tuning cases,",
    "  written before the code was changed for them (two batches, then a third for the families",
    "  blind B showed missing); the first batch's first run let 56/198 (28 %) through. Tuned on.",
    "- `blind_a` (`secret_corpus_blind_a.py`, 569 values in 501 formats, keep-list of 162",
    "  tokens): written by another helper without reading the recognizers or the other corpora,",
    "  handed over when the generalization above was done. Its **first run let 42/569 (7.4 %)",
    "  through and kept 149/162 (92.0 %)** of its diagnostic tokens; the general fixes it then",
    "  prompted (more languages, markup elements with attributes and CDATA, INSERT column",
    "  mapping, SASL with NULs written out, call arguments, labelled ids, SRI digests) bring",
    "  it to the figure below (with two later path and flag fixes): tuned on from then on.",
    "- `blind_b` (`secret_corpus_blind_b.py`, 516 values in 31 families, keep-list of 164",
    "  tokens): written by a third helper without reading the recognizers or any other corpus,",
    "  kept sealed from the sanitizer's developer, and added after the sanitizer work stopped",
    "  (2026-12-02 01:22 UTC). Its **first run was untuned** (nothing had been changed for it),",
    "  the table at commit abe4a47: ours 49/516 (9.5 %) through, 145/164 (88.4 %) kept;",
    "  detect-secrets alone 28/516 (5.4 %); ours then detect-secrets 11/516 (2.1 %). The",
    "  issue's bar (<= 0.5 % through, >= 99 % kept) was not met on it. **Tuned on since**: its",
    "  misses were read and fixed in general form (decoded views of escaped JSON, argv arrays,",
    "  RESP frames and hex proctitle; scheme-less DSNs; //host connects; Debug `Some(..)`;",
    "  `N'..'`; `| sudo -S`; userlists; PINs; plain-word passphrases; the answer line after a",
    "  question about a secret; more languages; letters-only random bodies; a random id dotted",
    "  to a hex body; 'log in with X'; ids beside secret words), with cases of our own added to",
    "  `families` first. The figure below is after that tuning, no longer a blind measurement;",
    "  a new sealed corpus takes its place.",
    "- `blind_c` (`secret_corpus_blind_c.py`, 638 values in 30 families, keep-list of 316",
    "  tokens): written by a fourth helper without reading the recognizers or any other corpus,",
    "  sealed while B was tuned on, and added after that work stopped (2026-12-02 01:43 UTC).",
    "  **Untuned**: its first run is the table at commit faefe87 + this text: ours 44/638",
    "  (6.9 %) through, 316/316 kept; detect-secrets alone 34/638 (5.3 %); ours then",
    "  detect-secrets 11/638 (1.7 %); the previous sanitizer (ae415b2) 128/638 (20.1 %). The",
    "  issue's bar (<= 0.5 % through) is not met on it. **Tuned on since** (2026-12-02,",
    "  commit 6bb2e50): password-shaped tokens anywhere (`secret_shapes.py`), PINs and numeric",
    "  passwords in prose, MySQL native hashes; no longer blind.",
    "- `blind_d` (`secret_corpus_blind_d.py`, 740 values in 31 families, keep-list of 280",
    "  tokens): written by a fifth helper without reading the recognizers, any other corpus or",
    "  the results, sealed while C was tuned on, added after that work was committed (6bb2e50).",
    "  **Untuned**: its first run is the table at commit 5d308b9: ours 31/740 (4.2 %) through,",
    "  246/280 (87.9 %) kept; detect-secrets alone 34/740 (4.6 %); ours then detect-secrets",
    "  5/740 (0.7 %); the previous sanitizer (ae415b2) 120/740 (16.2 %). Of the 34 keep tokens",
    "  lost, 15 are IP addresses, MAC addresses and host names, which the sanitizer replaces",
    "  with pseudonyms on purpose (they are restored in what a human reads), and 5 are AWS",
    "  access key ids, which it removes on purpose (the helper flagged that choice as",
    "  ambiguous); the other 14 are real losses (S3 `x-amz-id-2`, Stripe `req_` ids, an epoch",
    "  after 'password expiry check: expires_at='). The issue's bar is not met on it.",
    "  **Tuned on since** (commit 59445a5): Latin letters beyond ASCII take the shape test,",
    "  generated passphrases (`Word-Word-Word-42`), PINs after copulas in other languages,",
    "  numbered id headers (`x-amz-id-2`) kept; the table below is after that: no longer blind.",
    "  Tuned on again at 44a03a5 (line-to-line context, user@domain:password and more).",
    "- `blind_e` (`secret_corpus_blind_e.py`, 784 values in 716 cases of 32 families, keep-list",
    "  of 274 tokens): written by a sixth helper under the same rules (not reading the",
    "  sanitizer, other corpora or results), sealed outside the repository while D was tuned on,",
    "  added after that work was committed (44a03a5). **Untuned**: its first run is the table at",
    "  the commit that added it: ours 49/784 (6.2 %) through, 249/274 (90.9 %) kept;",
    "  detect-secrets alone 57/784 (7.3 %), 76/274 kept; ours then detect-secrets 19/784",
    "  (2.4 %); the previous sanitizer (ae415b2) 174/784 (22.2 %), 247/274 kept. One caveat:",
    "  before that run, fixing the module's formatting printed a diff that showed the sanitizer's",
    "  developer parts of the keep-list templates and a few secret templates; nothing was",
    "  changed between seeing it and the run. The issue's bar is not met on it.",
    "  **Tuned on since**: its misses were read and fixed in general form (line-to-line context",
    "  for SMTP challenges, expect, Azure Pipelines and var_dump; PINs, door and recovery codes;",
    "  capitalized Cyrillic/Greek words; several file layouts; keep fixes for HMACs, ARNs, URLs,",
    "  metrics, versions, thumbprints, key ids): no longer blind.",
    "- `blind_f` (`secret_corpus_blind_f.py`, 798 values in 772 cases of 33 families, keep-list",
    "  of 286 tokens): written by a seventh helper under the same rules, sealed outside the",
    "  repository while E was tuned on, added after that work was committed (1db81f8), and",
    "  brought in without printing any of it. **Untuned**: its first run is the table at the",
    "  commit that added it: ours 72/798 (9.0 %) through, 270/286 (94.4 %) kept;",
    "  detect-secrets alone 80/798 (10.0 %), 78/286 kept; ours then detect-secrets 21/798",
    "  (2.6 %); the previous sanitizer (ae415b2) 218/798 (27.3 %), 261/286 kept. The issue's",
    "  bar (<= 0.5 % through, >= 99 % kept) is not met on it.",
    "  **Tuned on since** (the commit after): more PINs and codes, passphrases and recovery",
    "  phrases after a prompt, secret files printed by a command, netmiko and asciinema input,",
    "  here-strings, NUL-separated and hex-encoded argv, OpenVPN static keys, age and TOTP",
    "  secrets; no longer blind.",
    "- `blind_g` (`secret_corpus_blind_g.py`, 858 values in 788 cases of 37 families, keep-list",
    "  of 276 tokens): written by an eighth helper under the same rules, sealed outside the",
    "  repository while F was tuned on, added (d5277f8) after a speed-only change whose output",
    "  was byte-identical on every corpus, and brought in without printing any of it.",
    "  **Untuned**: its first run is the table at commit d5277f8 + this text: ours 29/858",
    "  (3.4 %) through, 255/276 (92.4 %) kept; detect-secrets alone 48/858 (5.6 %), 92/276",
    "  kept; ours then detect-secrets 9/858 (1.0 %); the previous sanitizer (ae415b2) 226/858",
    "  (26.3 %), 236/276 kept. The issue's bar (<= 0.5 % through, >= 99 % kept) is not met",
    "  on it. **Tuned on since** (commits 9509827 to 8ad2f79): a blank line between a prompt",
    "  and its answer, expect scripts, Oracle's unquoted IDENTIFIED BY, recovery-phrase",
    "  headings, table cells, CJK labels, SNMP communities, prompts inside HTML, keys printed in",
    "  groups, questions with Arabic and full-width question marks, handed-out plain-word",
    "  passwords, longer symbol-rich shapes; kept: JSON keys after a comma, ids after a sentence",
    "  ends or in <...Id> elements, pod and resource paths, ARNs, public keys, image tags. Its",
    "  figure below is after that: no longer blind.",
    "- `blind_h` (`secret_corpus_blind_h.py`, 848 values in 800 cases of 40 families, keep-list",
    "  of 302 tokens): written by a ninth helper under the same rules, sealed outside the",
    "  repository while G was tuned on, added (038d720) after that work was committed, and",
    "  brought in without printing any of it. **Untuned**: its first run is the table at",
    "  commit 038d720 + this text: ours 33/848 (3.9 %) through, 288/302 (95.4 %) kept;",
    "  detect-secrets alone 68/848 (8.0 %), 102/302 kept; ours then detect-secrets 8/848",
    "  (0.9 %); the previous sanitizer (ae415b2) 246/848 (29.0 %), 282/302 kept. The issue's",
    "  bar is not met on it: tuning on G (3.4 % at its first run) did not lower the first-run",
    "  figure of the next corpus. **Tuned on since** (443e2e2, 53722fb): dashed user names in",
    "  user/password@db, setup keys in many groups, pwdump hash lines, questions waiting across",
    "  a chat export's speaker header, digits-first chosen passwords, German compounds in",
    "  prompts; kept: ARNs as values, title-case words a sentence goes on from, item and SAML",
    "  ids. No longer blind.",
    "- `blind_i` (`secret_corpus_blind_i.py`, 1086 values in 862 cases of 42 families,",
    "  keep-list of 340 tokens; theme: mainstream production stacks, chat and tickets in many",
    "  languages) and `blind_j` (`secret_corpus_blind_j.py`, 1078 values in 922 cases of 42",
    "  families, keep-list of 322 tokens; theme: network gear, legacy enterprise software,",
    "  mainframe job logs, HPC, telecom, fintech, crash dumps, encodings, prose in many",
    "  languages): written by a tenth and an eleventh helper under the same rules, in parallel,",
    "  while this round tuned nothing on them; added together (a6a6e83) and brought in without",
    "  printing any of it. **Untuned**: their first run is the table at commit a6a6e83 + this",
    "  text. I: ours 29/1086 (2.7 %) through, 322/340 (94.7 %) kept; detect-secrets alone",
    "  53/1086 (4.9 %), 87/340 kept; ours then detect-secrets 10/1086 (0.9 %); the previous",
    "  sanitizer (ae415b2) 216/1086 (19.9 %), 304/340 kept. J: ours 114/1078 (10.6 %) through,",
    "  316/322 (98.1 %) kept; detect-secrets alone 68/1078 (6.3 %), 104/322 kept; ours then",
    "  detect-secrets 18/1078 (1.7 %); the previous sanitizer 326/1078 (30.2 %), 306/322 kept.",
    "  On J ours lets more through than detect-secrets alone: mainframe job logs (14 of 20",
    "  values), MFA recovery material (20/36), fintech protocols (12/28) and prose (18/56) are",
    "  formats none of the earlier corpora held. The bar is met on neither. **Tuned on since**:",
    "  I first (29 -> 5 while J, untouched, went 114 -> 96), then J (2026-12-03, 96 -> 37):",
    "  word-year-symbol-number and camel-case shapes, generated passphrases with the number",
    "  inside, command-language operands (RACF PASSWORD(X), PHRASE('...')), SQL CONNECT ...",
    "  USING, the ftp client's user command, FIX's password fields, SIM PIN1/PUK, door codes",
    "  with a word between, Cisco keys after an algorithm, MFA seeds, asides in parentheses,",
    "  name/value element pairs, hex-encoded text about a secret. No longer blind.",
    "- `blind_k` (`secret_corpus_blind_k.py`, 1098 values in 972 cases of 41 families, keep-list",
    "  of 312 tokens; theme: data and ML platforms, infrastructure-as-code output, package",
    "  managers' auth, observability agents, security event formats, structured loggers, diffs,",
    "  secret managers' CLIs, mail threads, call transcripts, CSV exports, crash reports, prose",
    "  in many languages): written by a twelfth helper under the same rules, sealed outside the",
    "  repository while J was tuned on, added (18a2249) after that work was committed, and",
    "  brought in without printing any of it. **Untuned**: its first run is the table at commit",
    "  18a2249: ours 62/1098 (5.6 %) through, 297/312 (95.2 %) kept; detect-secrets alone",
    "  118/1098 (10.7 %), 75/312 kept; ours then detect-secrets 28/1098 (2.6 %); the previous",
    "  sanitizer (ae415b2) 238/1098 (21.7 %), 278/312 kept. The bar is not met: tuning on I and",
    "  J (together 143 -> 40) did not bring the next corpus's first run near 0.5 %. Worst",
    "  families: e-mail threads (12/30), CSV account exports (6/36), chat and tickets in many",
    "  languages (14/56), MFA and recovery codes (7/52). **Tuned on since** (216b3a8, 62 -> 2,",
    "  kept 297 -> 307): one-time codes as sign-in mails, SMS gateways and people give them",
    "  (also in Hindi, Bengali, Swahili, Polish, Chinese), chosen-password shapes with words",
    "  around a number or a symbol for a letter, backup codes in columns, a name/value pair",
    "  with fields between, echo into a secret's file, a plan's new value after `->`, base32",
    "  seeds, Bundler host credentials, PIN and alarm-code columns; kept: SSH public keys,",
    "  key_id columns, RFC 5424 SD elements after AUTH, an id clause after a password. No",
    "  longer blind.",
    "- `blind_l` (`secret_corpus_blind_l.py`, 1098 values in 960 cases of 43 families,",
    "  keep-list of 290 tokens; theme: Windows and PowerShell, macOS and mobile builds, backup",
    "  and storage tools, VPNs and network AAA, identity providers and directories, message",
    "  brokers and IoT, password-manager exports, terminal artefacts, chat, tickets, mail,",
    "  calendar invites, OCR and voice transcripts, prose in many languages): written by a",
    "  thirteenth helper under the same rules, sealed outside the repository while K was tuned",
    "  on, added (1b854a9) after that work was committed, and brought in without printing any",
    "  of it. **Untuned**: its first run is the table at commit 1b854a9: ours 112/1098",
    "  (10.2 %) through, 240/290 (82.8 %) kept; detect-secrets alone 88/1098 (8.0 %), 44/290",
    "  kept; ours then detect-secrets 25/1098 (2.3 %); the previous sanitizer (ae415b2)",
    "  366/1098 (33.3 %), 239/290 kept. The bar is not met, and ours lets more through than",
    "  detect-secrets alone: tuning on K (62 -> 2) did not carry over. Worst families: OCR and",
    "  voice transcripts (16/28), Apple configuration profiles (12/22), prose in European and",
    "  Middle-Eastern languages (8/28), network AAA (7/34). **Tuned on since** (88c10d1,",
    "  d38afbc; 112 -> 7, kept 240 -> 288): property-list key/value pairs, HTML table cells",
    "  and columns, secrets read aloud (spaced digits, number words, spelt letters), OCR-misread",
    "  secret words, tools' own password arguments (radtest, wpa_passphrase, wps_pin, adb,",
    "  reg add, iscsiadm, tac_plus, createUser, ipsec.secrets, klist -K, ENC(...)), DPAPI",
    "  blobs, more chosen-password shapes and copulas, commands that print a secret after a",
    "  Windows prompt, a secret repeated on its line; kept: plist key names, references to",
    "  secrets (templates, YAML tags, secret-manager URIs, env lookups), time-stamp names,",
    "  digests, NATS public keys, accessors, DKIM body hashes. No longer blind.",
    "- `blind_m` (`secret_corpus_blind_m.py`, 1086 values in 972 cases of 42 families,",
    "  keep-list of 312 tokens; theme: runtime dumps and debuggers, API clients and HTTP",
    "  tooling, webhooks and SaaS integrations, observability pipelines, databases and",
    "  coordination services, service meshes, gateways, CDNs and WAFs, migration tools and",
    "  ORMs, informal chat, code-switched and transliterated prose): written by a fourteenth",
    "  helper under the same rules, sealed outside the repository while L was tuned on, added",
    "  (b754b0a) after that work was committed, and brought in without printing any of it.",
    "  **Untuned**: its first run is the table at commit b754b0a: ours 65/1086 (6.0 %)",
    "  through, 288/312 (92.3 %) kept; detect-secrets alone 68/1086 (6.3 %), 84/312 kept;",
    "  ours then detect-secrets 5/1086 (0.5 %), 81/312 kept; the previous sanitizer (ae415b2)",
    "  202/1086 (18.6 %), 266/312 kept. The bar is not met. Worst families: debugger output",
    "  (gdb, ltrace: 6/22), signing secrets copied from CLIs and dashboards (6/26), chat",
    "  threads (6/26), WAF logs (4/22), database proxies (4/26), OCR and pastes (4/26).",
    "  **Tuned on since** (e243f44 to ae0788e; 65 -> 18, kept 288 -> 312): a C string after",
    "  its pointer in gdb, more chosen-password shapes, Rails hash rockets, PHP's bracketed",
    "  keys, Basic with user and password in clear, gh secret set, Redis ACL and Sentinel,",
    "  JMX roles, ZooKeeper addauth and JAAS users, WAF name/value pairs, key/value lines,",
    "  files named for a key, table borders, triple quotes, transliterated and Turkish words;",
    "  kept: kid labels, masked values, OTel's Str([REDACTED]), credential ids, key hashes,",
    "  masked or templated URL passwords, JWK public members, Stripe object ids. Left: OAuth",
    "  client ids the helper planted as secrets (public identifiers here), bare 'key' fields",
    "  of gateway and CDN configs holding hex, a passphrase split over two chat messages. No",
    "  longer blind.",
    "- `blind_n` (`secret_corpus_blind_n.py`, 940 values in 800 cases of 36 families,",
    "  keep-list of 260 tokens; theme: CRM, support, ERP, BI and ETL SaaS, partner data",
    "  exchange (SFTP, AS2, EDI, Connect:Direct, MFT, PGP), device and endpoint management,",
    "  printers, door access, POS, CCTV, communications SaaS, business prose in many",
    "  languages): written by a fifteenth helper under the same rules, sealed outside the",
    "  repository while M was tuned on, added (9ec7368) after that work was committed, and",
    "  brought in without printing any of it. **Untuned**: its first run is the table at",
    "  commit 9ec7368: ours 100/940 (10.6 %) through, 237/260 (91.2 %) kept; detect-secrets",
    "  alone 98/940 (10.4 %), 38/260 kept; ours then detect-secrets 23/940 (2.4 %), 36/260",
    "  kept; the previous sanitizer (ae415b2) 317/940 (33.7 %), 222/260 kept. The bar is not",
    "  met: tuning on M (65 -> 18) did not carry over. Worst families: prose in European",
    "  languages (16/46), Oracle E-Business Suite (10/30), Connect:Direct (9/22), prose in",
    "  Asian and Middle-Eastern languages (8/32), ETL packages (7/26). **Tuned on since**",
    "  (ce89f95 to 6414b55; 100 -> 6, kept 237 -> 260): codes that open or override things,",
    "  numeric passwords after strong names, compound tokens, Oracle logons and mkstore, ftp",
    "  script users, Connect:Direct node ids, EDI envelopes (ISA, UNB), CSV name/value rows,",
    "  password-named flags, CJK-glued names, Korean passphrases; kept: allocated ids with runs",
    "  of zeros, labelled serials, nonces, MICs, moduli, base64 of a URI. No longer blind.",
    "- `blind_o` (`secret_corpus_blind_o.py`, 1072 values in 924 cases of 41 families,",
    "  keep-list of 312 tokens; theme: healthcare integration (HL7, FHIR, DICOM, Mirth),",
    "  finance and payments (FIX, SWIFT, gateways, card terminals, HSM key ceremonies), OT and",
    "  SCADA, crypto wallets and validator keys, mail and DNS servers, Kerberos, Samba and",
    "  FreeIPA, RADIUS and TACACS, game and streaming servers, lab systems, telecom back office,",
    "  chat, tickets and dictated passwords in many languages): written by a sixteenth helper",
    "  under the same rules, sealed while N was tuned on, and brought in without printing it",
    "  (dfe6e8e). **Not quite untuned**: after writing O's brief (its theme list, not its",
    "  content) and before O arrived, rules for two things that list named were added from",
    "  documentation (passwords stored with their scheme in braces, BIP39 mnemonics under a",
    "  name). Its first run at dfe6e8e: ours 138/1072 (12.9 %) through, 300/312 (96.2 %) kept;",
    "  at 3bd80b1, before that change (eb39899), 148/1072 (13.8 %); detect-secrets alone 90/1072",
    "  (8.4 %), 78/312 kept; ours then detect-secrets 19/1072 (1.8 %), 75/312 kept; the",
    "  previous sanitizer (ae415b2) 435/1072 (40.6 %), 294/312 kept. The bar is not met: worse",
    "  than detect-secrets alone. Worst families: BIP39 mnemonics (18/28 at 3bd80b1), spelled",
    "  and dictated passwords (17/34), HSM key ceremonies (10/22), wallet private keys (10/24).",
    "  **Tuned on since** (354fc7d; 138 -> 60, kept 300/312): BIP39 word runs (python-mnemonic's",
    "  list), spelled and NATO-alphabet passwords, HSM key components, Ethereum keys where a key",
    "  is taken, HL7 MSH-8 and ASTM H-4, quoted values later in a sentence, echoed passwords",
    "  piped into smbpasswd, RTMP stream keys, impacket and pdbedit hashes. No longer blind.",
    "- `blind_p` (`secret_corpus_blind_p.py`, 1086 values in 926 cases of 40 families,",
    "  keep-list of 316 tokens; theme: hospitality, travel and retail back office, education",
    "  and public sector, self-hosted and home-lab stacks, RPA and low-code flows, office",
    "  macros and Power Query, contact centres, WordPress and PHP apps, chat, tickets, wiki",
    "  pages and pasted spreadsheets in many languages): written by a seventeenth helper under",
    "  the same rules, sealed while O was tuned on, and brought in without printing it",
    "  (eb03fa5). **Untuned**: its first run is the table at commit ee78b50: ours 104/1086",
    "  (9.6 %) through, 304/316 (96.2 %) kept; detect-secrets alone 82/1086 (7.6 %), 114/316",
    "  kept; ours then detect-secrets 19/1086 (1.7 %), 110/316 kept; the previous sanitizer",
    "  (ae415b2) 366/1086 (33.7 %), 302/316 kept. The bar is not met: tuning on N and O did",
    "  not carry over. Worst families: multilingual chat (23/50), wiki pages (10/34),",
    "  spreadsheet pastes (7/48), UniFi (7/22), library systems (6/26). **Tuned on since**",
    "  (8b168d7, 2430201; 104 -> 54, kept 304/316): tables as a module of their own (wiki,",
    "  fixed-width, multi-line HTML and key/value tables), query-string tokens, compound key",
    "  names over key material, quoted values in guillemets and corner brackets, WooCommerce",
    "  keys, Basic-auth sources. No longer blind.",
    "- `blind_q` (`secret_corpus_blind_q.py`, 1040 values in 876 cases of 43 families,",
    "  keep-list of 292 tokens; theme: infrastructure appliances and their CLIs (vCenter and",
    "  ESXi, Hyper-V, Nutanix, Citrix, F5, Check Point, PAN-OS, NetApp, Pure, iDRAC, iLO,",
    "  XClarity, SCCM and MDT), radio IoT networks (LoRaWAN, Zigbee, Z-Wave, Thread, Matter),",
    "  media and broadcast, vehicle telematics, smart meters (DLMS/COSEM), runbooks, chat and",
    "  call transcripts in many languages): written by an eighteenth helper under the same",
    "  rules, sealed while P was tuned on, and brought in without printing it (bf7c25a).",
    "  **Untuned**: its first run is the table at commit f16b140: ours 214/1040",
    "  (20.6 %) through, 278/292 (95.2 %) kept; detect-secrets alone 100/1040 (9.6 %), 71/292",
    "  kept; ours then detect-secrets 38/1040 (3.7 %), 67/292 kept; the previous sanitizer",
    "  (ae415b2) 456/1040 (43.8 %), 278/292 kept. The bar is not met, and this first run is the",
    "  worst of all: radio IoT keys under their own names (Matter setup codes 21/28, Thread",
    "  network keys and PSKc 20/26, Z-Wave S2 keys and DSKs 18/32, DLMS keys 16/30). **Tuned",
    "  on since** (03c0534 to e15c5dc, 2026-12-03; 214 -> 128, kept 278/292): key-sized hex",
    "  under any name but an id's, a digest's or a lookup key's (also as 16 or 32 bytes spelt",
    "  out, a C array, a table column), prose naming what a secret opens after a preposition,",
    "  lower camel chosen passwords, user:password@host without a scheme, Matter payloads,",
    "  five-by-five licence keys, setup and commissioning codes. No longer blind.",
    "- `blind_r` (`secret_corpus_blind_r.py`, 980 values in 882 cases of 44 families,",
    "  keep-list of 300 tokens; theme: mainframe and midrange (RACF, JCL, TSO, CICS, DB2, IBM",
    "  i), SAP, data engineering (Airflow, dbt, Spark, Kafka, Snowflake, Trino, Debezium), HPC",
    "  (Slurm, MUNGE, Globus, iRODS, Jupyter), mobile signing and release, telephony (Asterisk,",
    "  FreeSWITCH, SIP digest, voicemail), printers, door controllers and NVRs, payments (POS,",
    "  ISO 8583, key injection), e-filing and library systems, human text in many languages):",
    "  written by a nineteenth helper under the same rules, sealed while Q was tuned on, and",
    "  brought in without printing it (0cd1f9b). **Untuned**: its first run is the table at",
    "  commit 0cd1f9b: ours 104/980 (10.6 %) through, 275/300 (91.7 %) kept; detect-secrets",
    "  alone 109/980 (11.1 %), 81/300 kept; ours then detect-secrets 35/980 (3.6 %), 75/300",
    "  kept; the previous sanitizer (ae415b2) 406/980 (41.4 %), 272/300 kept. At the",
    "  session's starting commit (f9740b7), before tuning on Q, ours would have let 116/980",
    "  through and kept 277/300: tuning on Q carried over for 12 values and cost 2 tokens. The",
    "  bar is not met. Worst families: TSO, CICS and IMS sign-on (15/20), ISO 8583 dumps",
    "  (12/16), voicemail PINs (10/22), European prose (7/44), library systems (6/22). **Tuned",
    "  on since** (4b1b18b to 0b0eae5; 104 -> 55, kept 275 -> 282/300): card data (PIN blocks,",
    "  verification codes, track data, ISO 8583 fields 35/45/52), SNMP community names, reset-to",
    "  in other languages, echo piped into password readers, DB2's USING/NEW/CONFIRM, TSO LOGON,",
    "  IMS /SIGN ON, SAProuter /W/, login user/password pairs; kept: key check values, SIP",
    "  branch ids, four-part versions after firmware. No longer blind.",
    "- `blind_s` (`secret_corpus_blind_s.py`, 1014 values in 858 cases of 42 families,",
    "  keep-list of 283 tokens; theme: security agents and SIEM forwarders, backup and DR,",
    "  VPN and remote access, MLOps and notebooks, ad-tech and marketing automation, CRM and",
    "  ERP, aviation, maritime and rail operations, building and farm automation, human text",
    "  in many languages): written by a twentieth helper under the same rules, sealed while R",
    "  was tuned on, and brought in without printing it (ebacd16). **Untuned**: its first run",
    "  is the table at commit ebacd16: ours 75/1014 (7.4 %) through, 268/283 (94.7 %) kept;",
    "  detect-secrets alone 58/1014 (5.7 %), 91/283 kept; ours then detect-secrets 3/1014",
    "  (0.3 %), 88/283 kept; the previous sanitizer (ae415b2) 246/1014 (24.3 %), 258/283 kept.",
    "  Tuning carried over this time, partly: at the session's starting commit (f9740b7) ours",
    "  would have let 92/1014 through, after tuning on Q (0cd1f9b) 78, after tuning on R 75",
    "  (kept 267, 267, 268). The bar is not met. Worst families: chat and notes in Middle",
    "  Eastern and Asian languages (17/40), in European languages (9/50), in English (8/38),",
    "  building automation (6/28). **Tuned on since** (c6581b1 to 7f4af98; 75 -> 47, kept",
    "  268 -> 273/283): key, token and password in fifteen more languages with their copulas,",
    "  activation keys in groups, CrowdStrike customer ids; kept: PublicKey values, id fields",
    "  after 'key', type-letter hex ids. A review of the whole change then narrowed several",
    "  rules against false positives on ordinary lines (b3aa6d1), which let 16 tuned-on values",
    "  back through (S 47 -> 49, Q 116 -> 120, J 13 -> 17). No longer blind.",
    "- `blind_t` (`secret_corpus_blind_t.py`, 1004 values in 858 cases of 44 families,",
    "  keep-list of 280 tokens; theme: package registries, CI/CD systems, secret stores and",
    "  identity, databases and caches in operations, telecom and ISP configs, game and LMS",
    "  platforms, human text in many languages): written by a twenty-first helper under the",
    "  same rules, sealed while S was tuned on, and brought in without printing it (717b388;",
    "  its ruff header later gained E731, nothing else). **Untuned**: its first run is the",
    "  table at commit 717b388: ours 58/1004 (5.8 %) through, 263/280 (93.9 %) kept;",
    "  detect-secrets alone 49/1004 (4.9 %), 59/280 kept; ours then detect-secrets 4/1004",
    "  (0.4 %), 52/280 kept; the previous sanitizer (ae415b2) 255/1004 (25.4 %), 222/280 kept.",
    "  Carry-over: at the session's starting commit ours would have let 74/1004 through, after",
    "  tuning on Q 62, after R 60 (kept 265, 265, 263). The bar is not met. Worst families:",
    "  SIM and eSIM provisioning (13/34), European prose (12/44), Asian and African prose",
    "  (7/34), Redis (4/20). **Tuned on since** (5622358 to b4b2eb3; 57 -> 25, kept 263",
    "  unchanged): a user named first then -p, p= or user:password; Wi-Fi QR codes, eSIM",
    "  activation codes, Redis ACL rules; a secret's word, a qualifier, the value; 'for",
    "  <account>:' then the value; a command that stores a secret under a secret's name;",
    "  password in eight more languages. No longer blind.",
    "- `blind_u` (`secret_corpus_blind_u.py`, 1304 values in 902 cases of 48 families,",
    "  keep-list of 302 tokens; theme: what remediate itself gathers on Linux hosts and",
    "  clusters during an incident: Ansible and AWX output, the journal and unit files, ps and",
    "  /proc, docker and kubectl, Helm, cloud-init, Terraform, cron, sudo, strace, wire text of",
    "  mail, LDAP, Redis and SQL clients, web servers and proxies, MTAs, DNS keys, HA clusters,",
    "  HashiCorp tools, Prometheus and Grafana, webhooks, application configs, keystores, TLS",
    "  and SSH material, git remotes, on-call chat and post-mortems in 15 languages): written",
    "  by a twenty-second helper under the same rules while this session fixed long lines, and",
    "  brought in without printing it. **Untuned**: its first run is the table at commit",
    "  8b65d45: ours 48/1304 (3.7 %) through, 290/302 (96.0 %) kept; detect-secrets alone",
    "  45/1304 (3.5 %), 65/302 kept; ours then detect-secrets 1/1304 (0.08 %), 63/302 kept; the",
    "  previous sanitizer (ae415b2) 213/1304 (16.3 %), 279/302 kept. The session's starting",
    "  commit (b513670) gives the same 48 and 290. The bar is not met. Worst families: on-call",
    "  chat (11/78), tickets and post-mortems (11/48), strace buffers (5/18), TLS keys (4/64).",
    "  Tuning on T (which U never saw) took U from 48 to 45 before U was looked at. **Tuned on",
    "  since** (ce121b9 to 80e440d; 45 -> 14, kept 290 -> 294/302): prose tries every start;",
    "  PostgreSQL's md5 hashes; Exim's client_send; net-snmp's -A/-X; password commands and",
    "  scripts that echo the password; auditd EXECVE arguments as a command line; password in",
    "  six more languages; a value in parentheses after a secret's words; kept: journal",
    "  cursors, container cgroup scopes. No longer blind.",
    "- `blind_v` (`secret_corpus_blind_v.py`, 1034 values in 868 cases of 48 families,",
    "  keep-list of 290 tokens; theme: placement and encoding rather than vendors: escaped",
    "  JSON in log lines, structured loggers and language dumps (Go, Rust, Java, Ruby, PHP,",
    "  Python, Erlang, Lisp, Lua, Perl), URL-encoded forms, base64 blobs, hex dumps, diffs,",
    "  Markdown and HTML tables and forms, YAML multi-line scalars, TOML, HCL, properties,",
    "  XML CDATA and SOAP, MIME parts, ANSI colours, screen captures, text wrapped at 80",
    "  columns, stack traces, SQL logs, audit logs, set -x traces, env dumps; prose in eleven",
    "  languages): written by a twenty-third helper under the same rules while T and U were",
    "  tuned on, and brought in without printing it (its ruff header gained RUF003 for two",
    "  comment lines). **Untuned**: its first run is the table at commit 80e440d: ours",
    "  87/1034 (8.4 %) through, 277/290 (95.5 %) kept; detect-secrets alone 73/1034 (7.1 %),",
    "  51/290 kept; ours then detect-secrets 17/1034 (1.6 %), 51/290 kept; the previous",
    "  sanitizer (ae415b2) 275/1034 (26.6 %), 261/290 kept. Carry-over was small on this",
    "  axis: 89 at the session's starting commit (b513670), 89 after tuning on T (b4b2eb3),",
    "  87 at the first run (kept 277 throughout). The bar is not met. Worst families: hex",
    "  dumps (18/48), HTML markup (8/18), MIME parts (6/22), YAML multi-line scalars (5/20).",
    "  **Tuned on since** (3d29741 to f97350f; 87 -> 33, kept 277 unchanged): hex dumps read",
    "  back into their bytes; views without terminal colours, HTML text tags and entities,",
    "  percent-encoding (twice), doubled CSV quotes, mail encoded words; Java list printing,",
    "  literal pairs of PHP, Erlang and Lisp; YAML tags and block indicators. No longer blind.",
    "- `blind_w` (`secret_corpus_blind_w.py`, 998 values in 872 cases of 47 families,",
    "  keep-list of 298 tokens; theme: what flows through monitoring, alerting and automation",
    "  tools: Alertmanager, Grafana, PagerDuty, Opsgenie, Zabbix, Nagios, Datadog, Sentry,",
    "  OpenTelemetry, Jaeger, Splunk, SIEM detections, StackStorm, AWX, Rundeck, CI logs,",
    "  ServiceNow, Jira, chat webhooks, status pages, runbooks, post-mortems, LLM transcripts;",
    "  chat in many languages): written by a twenty-fourth helper under the same rules while",
    "  V was tuned on, and brought in without printing it. **Untuned**: its first run is the",
    "  table at commit f97350f: ours 44/998 (4.4 %) through, 281/298 (94.3 %) kept;",
    "  detect-secrets alone 120/998 (12.0 %), 110/298 kept; ours then detect-secrets 10/998",
    "  (1.0 %), 106/298 kept; the previous sanitizer (ae415b2) 204/998 (20.4 %), 272/298 kept.",
    "  Carry-over: none to speak of: 45 at the session's starting commit (b513670), 46 after",
    "  tuning on T (b4b2eb3) and after U (80e440d), 44 at its first run (kept 281 throughout).",
    "  The bar is not met. Worst families (4 each): Opsgenie, Splunk On-Call, Zabbix,",
    "  Nagios/Icinga, OpenTelemetry spans, status pages. After its first run one regression",
    "  of this session's was fixed (a login pair closing a quoted string; 44 -> 40, e75323a);",
    "  otherwise not tuned on.",
    "",
    "`ours+detect-secrets` runs Yelp's detect-secrets over our output (the second pass the issue",
    "asks to evaluate): it removes a few more planted values but destroys most diagnostic",
    "tokens, so it is not used.",
]


def markdown(result: dict) -> str:  # type: ignore[type-arg]
    methods = result["methods"]
    first = next(iter(methods.values()))
    names = [c for c in first if c != "keep"]
    out = [
        "# Planted secrets surviving, diagnostic tokens kept",
        "",
        f"Command: `{result['command']}` — {result['date']}, Python {result['python']}; "
        f"`ours-old` is commit `{result['old_ref'][:10]}`.",
        "",
        "Planted secrets that survived, per corpus (lower is better):",
        "",
        "| method | " + " | ".join(names) + " |",
        "|---|" + "---|" * len(names),
    ]
    for name, s in methods.items():
        cells = [
            f"{s[c]['survived']}/{s[c]['planted']} ({s[c]['survived_pct']:.1f} %)" for c in names
        ]
        out.append(f"| {name} | " + " | ".join(cells) + " |")
    keeps = [c for c in names if first[c]["keep"]["tokens"]]
    out += [
        "",
        "Diagnostic tokens kept, per keep-list (higher is better):",
        "",
        "| method | " + " | ".join(keeps) + " | all |",
        "|---|" + "---|" * (len(keeps) + 1),
    ]
    for name, s in methods.items():
        cells = [f"{s[c]['keep']['kept']}/{s[c]['keep']['tokens']}" for c in keeps]
        k = s["keep"]
        cells.append(f"{k['kept']}/{k['tokens']} ({k['kept_pct']:.1f} %)")
        out.append(f"| {name} | " + " | ".join(cells) + " |")
    out += DISCIPLINE
    for corpus in names:
        if corpus == "tuned":
            continue
        out += ["", f"`{corpus}` corpus, survived per family:", ""]
        families = list(first[corpus]["families"])
        out += ["| family | " + " | ".join(methods) + " |", "|---|" + "---|" * len(methods)]
        for family in families:
            cells = ["{}/{}".format(*methods[m][corpus]["families"][family]) for m in methods]
            out.append(f"| {family} | " + " | ".join(cells) + " |")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    main()
