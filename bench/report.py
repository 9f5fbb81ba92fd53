"""Writes bench/RESULTS.md from bench/results.json."""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path
from typing import Any

FLOOR = "layout floor (imprint, signed in)"
"""A signed-in page that reads nothing but its user and renders the layout and static text: no
signed-in page can be cheaper, so its ratio bounds every other page's."""

HEADER = """# Benchmark results

`make bench` (bench/run.py) — re-run after a change with the same one command; a short run:
`make bench BENCH_ARGS="--sizes 1000,20000 --quick"`; `--resume` continues a stopped run;
`python bench/run.py --report` rewrites this file from bench/results.json. Earlier in-process
measurements: RESULTS-inprocess.md.

## Method

- Data: `flask seed-scale` with 1,100 municipalities in 44 counties; for a size of N needs:
  N/2 volunteers, 5 x N reports, N/20 clients; half the needs open, the rest filled,
  completed, cancelled or draft. One PostgreSQL database per size, kept between runs.
- Servers: the portal under gunicorn (gunicorn.conf.py: 4 sync workers, PORTAL_ENV=production,
  access log off, rate limits off) and the **baseline** — a bare Flask + psycopg page, one
  indexed SELECT of 20 open needs of a municipality + a Jinja template (bench/baseline.py),
  also gunicorn with 4 sync workers. Both run during the whole size.
- Load: wrk, {connections} connections, {seconds:g} s per run, with the session cookie of a real
  log-in, which wrk keeps up to date from the responses as a browser does (bench/report.lua; it
  also reports p50/p95/p99). For every page the baseline runs first, then the
  page: ratio = page req/s / baseline req/s of that pair (interleaved, so machine load hits
  both alike).
- CPU per request: user + system time of the gunicorn master and workers (app) and of the
  PostgreSQL backends connected to the database (db), read from /proc before and after the run,
  divided by the requests (10 ms clock resolution).
- Statements and round trips: one in-process request per page after a warm-up, counted with
  SQLAlchemy events as psycopg sends them: round trips = statements + the BEGIN before a
  transaction's first statement + COMMIT/ROLLBACK (also on return to the pool) when a
  transaction is open + pings of pooled connections. A page view reads in autocommit mode
  (portal.core.postgresql), so a page that only reads makes one round trip per statement.
- Claims: 100 logged-in volunteers POST a claim for one need with 3 places at the same moment
  (threads + barrier) against the portal's gunicorn: exactly 3 may win.
- The machine is shared (2 cores, other sessions' work running); `load` is the 1-minute load
  average around each run. Absolute numbers move with it; the ratio is the figure to compare.
"""


def _version(argv: list[str]) -> str:
    try:
        return subprocess.run(argv, capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        return "?"


def _wrk_version() -> str:
    text = _version(["wrk", "--version"]) or "wrk"
    return text.splitlines()[0]


def _cpu() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def _seeding(entry: dict[str, Any]) -> str:
    seconds = entry.get("seed_seconds")
    return f"{seconds} s" if seconds else "the database of an earlier run was reused"


def _ms(us: int) -> str:
    return f"{us / 1000:.1f}"


def _page_row(label: str, r: dict[str, Any]) -> str:
    count = r.get("count", {})
    if "portal" not in r:
        return f"| {label} | {count.get('statements', '?')} | {count.get('round_trips', '?')} | {r.get('error', '-')} | | | | | | | |"  # noqa: E501
    p, b = r["portal"], r["baseline"]
    if p["requests"] == 0:
        return (
            f"| {label} | {count.get('statements')} | {count.get('round_trips')} | 0 (none "
            f"finished within the run) | | | {b['rps']} | {b['cpu_app_ms']} + {b['cpu_db_ms']} "
            f"| **0** | {p['socket_errors'] + p['non_2xx_3xx']} | {p['load']} |"
        )
    return (
        f"| {label} | {count.get('statements')} | {count.get('round_trips')} | {p['rps']} | "
        f"{_ms(p['p50_us'])} / {_ms(p['p95_us'])} / {_ms(p['p99_us'])} | "
        f"{p['cpu_app_ms']} + {p['cpu_db_ms']} | {b['rps']} | "
        f"{b['cpu_app_ms']} + {b['cpu_db_ms']} | **{r['ratio']}** | "
        f"{p['socket_errors'] + p['non_2xx_3xx']} | {p['load']} |"
    )


BEFORE = Path(__file__).resolve().parent / "results-before.json"
"""An earlier run to compare with (kept when a change to the pages is measured)."""


def _before_after(results: dict[str, Any]) -> list[str]:
    """Every page: ratio and CPU per request (app + db) of the earlier run and of this one, and
    the app's instructions per request where both runs counted them."""
    if not BEFORE.exists():
        return []
    import json

    before = json.loads(BEFORE.read_text(encoding="utf-8"))
    counted = before.get("instructions_of")
    lines = [
        "## Before and after",
        "",
        f"Before: the run of {before.get('started', '?')} (bench/results-before.json); after: "
        "this run. Ratio = the page's req/s / the baseline's in the same interleaved pair; CPU "
        "per request in ms, app + db"
        + (
            f"; instructions: millions per request in the app's process, before of {counted}."
            if counted
            else "."
        ),
        "",
        *([f"**Note:** {results['note']}", ""] if results.get("note") else []),
        "| needs | page | ratio before | ratio after | CPU before | CPU after "
        "| instructions before | instructions after |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for size, entry in sorted(results.get("sizes", {}).items(), key=lambda kv: int(kv[0])):
        old_pages = before.get("sizes", {}).get(size, {}).get("pages", {})
        for label, r in entry.get("pages", {}).items():
            if "portal" not in r:
                continue
            old = old_pages.get(label, {})
            old_ratio = old.get("ratio", "-")
            old_cpu = (
                f"{old['portal']['cpu_app_ms']} + {old['portal']['cpu_db_ms']}"
                if "portal" in old
                else "-"
            )
            new_cpu = f"{r['portal']['cpu_app_ms']} + {r['portal']['cpu_db_ms']}"
            lines.append(
                f"| {int(size):,} | {label} | {old_ratio} | **{r['ratio']}** | {old_cpu} | "
                f"{new_cpu} | {old.get('instructions', '-')} | {r.get('instructions', '-')} |"
            )
    return [*lines, ""]


def write_report(results: dict[str, Any], path: Path) -> None:
    settings = results.get("settings", {"seconds": 10, "connections": 8})
    lines = [HEADER.format(**settings), *_before_after(results), "## Machine and run", ""]
    lines += [
        f"- run: {results.get('started', '?')} – {results.get('finished', 'unfinished')}",
        f"- CPU: {_cpu()}, {os.cpu_count()} cores",
        f"- {platform.python_implementation()} {platform.python_version()}, "
        f"{_version(['psql', '--version'])}, {_wrk_version()}",
        "",
    ]
    sizes = sorted(results.get("sizes", {}).items(), key=lambda kv: int(kv[0]))
    for size, entry in sizes:
        rows = entry.get("rows", {})
        lines += [
            f"## {int(size):,} needs ({entry.get('open_needs', '?'):,} open)",
            "",
            f"Rows: {', '.join(f'{k} {v:,}' for k, v in rows.items())}. "
            f"Seeding: {_seeding(entry)}.",
            "",
            "| page | statements | round trips | req/s | p50 / p95 / p99 ms | CPU ms/req app + db "
            "| baseline req/s | baseline CPU ms/req | ratio | errors | load |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        lines += [_page_row(label, r) for label, r in entry.get("pages", {}).items()]
        claims = entry.get("claims")
        if claims:
            verdict = "PASS" if claims["ok"] else "FAIL"
            lines += [
                "",
                f"Claims: {claims['claimers']} volunteers on {claims['places']} places: "
                f"statuses {claims['statuses']}, need.taken = {claims['taken']}, active claims = "
                f"{claims['active']}, {claims['seconds']} s — **{verdict}**.",
            ]
        lines.append("")
    lines += _constant_cost(sizes)
    lines += _instructions(sizes)
    lines += _verdict(sizes)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _constant_cost(sizes: list[tuple[str, dict[str, Any]]]) -> list[str]:
    """One row per page: CPU per request (app + db) and ratio at every size."""
    if len(sizes) < 2:
        return []
    labels = list(dict.fromkeys(label for _, e in sizes for label in e.get("pages", {})))
    head = " | ".join(f"{int(s):,}: ms/req (ratio)" for s, _ in sizes)
    lines = ["## Cost against size", "", f"| page | {head} |", "|---|" + "---|" * len(sizes)]
    for label in labels:
        cells = []
        for _, entry in sizes:
            r = entry.get("pages", {}).get(label, {})
            if "portal" in r and r["portal"]["requests"] == 0:
                cells.append("none finished (0)")
            elif "portal" in r:
                ms = r["portal"]["cpu_app_ms"] + r["portal"]["cpu_db_ms"]
                cells.append(f"{ms:.1f} ({r['ratio']})")
            else:
                cells.append(r.get("error", "-"))
        lines.append(f"| {label} | {' | '.join(cells)} |")
    return [*lines, ""]


def _instructions(sizes: list[tuple[str, dict[str, Any]]]) -> list[str]:
    """Instructions per request of the app's process, counted under valgrind (`--instructions`):
    the same for the same code and data whatever the machine's load."""
    counted = [(s, e) for s, e in sizes if "baseline_instructions" in e]
    if not counted:
        return []
    labels = list(dict.fromkeys(label for _, e in counted for label in e.get("pages", {})))
    head = " | ".join(f"{int(s):,}: M instr. (x baseline)" for s, _ in counted)
    lines = [
        "## Instructions per request (app process, callgrind)",
        "",
        "`python bench/run.py --instructions` counts, in one process under valgrind, the "
        "instructions the app executes per request (Python, Flask, templates, the driver's side "
        "of the wire; not PostgreSQL, not gunicorn's HTTP handling): deterministic where the "
        "wrk runs' CPU per request moves with the machine's load. Baseline: "
        + ", ".join(f"{e['baseline_instructions']} M at {int(s):,}" for s, e in counted)
        + ".",
        "",
        f"| page | {head} |",
        "|---|" + "---|" * len(counted),
    ]
    for label in labels:
        cells = []
        for _, entry in counted:
            found = entry.get("pages", {}).get(label, {}).get("instructions")
            times = found / entry["baseline_instructions"] if found else None
            cells.append(f"{found} ({times:.1f})" if times else "-")
        lines.append(f"| {label} | {' | '.join(cells)} |")
    return [*lines, ""]


def _verdict(sizes: list[tuple[str, dict[str, Any]]]) -> list[str]:
    """The issue's target: every board page at 0.25 x the baseline's throughput or better; and
    the floor: what a signed-in page with nothing but the layout and static text reaches."""
    lines = ["## Against the target (board >= 0.25 x baseline)", ""]
    for size, entry in sizes:
        board = {k: r for k, r in entry.get("pages", {}).items() if k.startswith("board")}
        ratios = [r["ratio"] for r in board.values() if "ratio" in r]
        if not ratios:
            continue
        met = sum(ratio >= 0.25 for ratio in ratios)
        floor = entry["pages"].get(FLOOR, {}).get("ratio")
        lines.append(
            f"- {int(size):,} needs: {met} of {len(ratios)} board pages meet it "
            f"(ratios {min(ratios)}–{max(ratios)})"
            + (f"; the {FLOOR} reaches {floor}." if floor is not None else ".")
        )
    return [*lines, ""]
