"""bench/RESULTS.md is written from bench/results.json (bench/report.py)."""

from __future__ import annotations

import runpy
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def wrk_result(rps: float, requests: int = 100) -> dict:
    return {
        "requests": requests, "duration_us": 5_000_000, "socket_errors": 0, "non_2xx_3xx": 0,
        "p50_us": 12_000, "p95_us": 30_000, "p99_us": 45_000, "rps": rps, "cpu_app_ms": 4.0,
        "cpu_db_ms": 1.0, "load": 1.5,
    }  # fmt: skip


FLOOR = "layout floor (imprint, signed in)"


def size(ratio_page: float, floor: float | None = None) -> dict:
    page = {
        "count": {"statements": 4, "round_trips": 8},
        "portal": wrk_result(ratio_page * 400),
        "baseline": wrk_result(400),
        "ratio": ratio_page,
    }
    stuck = {**page, "portal": wrk_result(0, requests=0), "ratio": 0}
    claims = {"claimers": 100, "places": 3, "statuses": {"302": 3, "409": 97}, "taken": 3,
              "active": 3, "seconds": 2.0, "ok": True}  # fmt: skip
    pages = {"board by date (all)": page, "board by fit (all)": stuck}
    if floor is not None:
        pages[FLOOR] = {**page, "portal": wrk_result(floor * 400), "ratio": floor}
    return {"rows": {"need": 1000}, "open_needs": 500, "pages": pages, "claims": claims}


def test_the_report_has_a_row_per_page_the_cost_per_size_and_the_verdict(tmp_path):
    write_report = runpy.run_path(str(ROOT / "bench" / "report.py"))["write_report"]
    results = {"sizes": {"1000": size(0.3), "200000": size(0.1, floor=0.28)}, "started": "s"}
    out = tmp_path / "RESULTS.md"
    write_report(results, out)
    text = out.read_text(encoding="utf-8")
    assert "| board by date (all) | 4 | 8 | 120.0 | 12.0 / 30.0 / 45.0 | 4.0 + 1.0 | 400" in text
    assert "0 (none finished within the run)" in text
    assert "| board by date (all) | 5.0 (0.3) | 5.0 (0.1) |" in text
    assert "1,000 needs: 1 of 2 board pages meet it" in text
    assert "1,000 needs: 1 of 2 board pages meet it (ratios 0–0.3).\n" in text
    assert (
        f"200,000 needs: 0 of 2 board pages meet it (ratios 0–0.1); the {FLOOR} reaches 0.28."
        in text
    )
    assert "**PASS**" in text


def test_the_instructions_per_request_table_compares_each_page_with_the_baseline(tmp_path):
    write_report = runpy.run_path(str(ROOT / "bench" / "report.py"))["write_report"]
    counted = size(0.3)
    counted["baseline_instructions"] = 0.8
    counted["pages"]["board by date (all)"]["instructions"] = 16.0
    results = {"sizes": {"1000": counted, "200000": size(0.1)}, "started": "s"}
    out = tmp_path / "RESULTS.md"
    write_report(results, out)
    text = out.read_text(encoding="utf-8")
    assert "## Instructions per request (app process, callgrind)" in text
    assert "Baseline: 0.8 M at 1,000." in text  # the size without counts has no column
    assert "| board by date (all) | 16.0 (20.0) |" in text
    assert "| board by fit (all) | - |" in text


def test_the_counts_are_read_from_callgrinds_numbered_dumps(tmp_path):
    read_dumps = runpy.run_path(str(ROOT / "bench" / "instructions.py"))["read_dumps"]
    dumps = tmp_path / "out"
    for number, total in enumerate((16_000_000, 400_000_000), start=1):
        Path(f"{dumps}.{number}").write_text(
            f"version: 1\ncreator: callgrind\nevents: Ir\nsummary: 0\ntotals: {total}\n",
            encoding="utf-8",
        )
    Path(f"{dumps}").write_text("events: Ir\ntotals: 0\n", encoding="utf-8")  # at exit
    assert read_dumps(str(dumps), 20) == [0.8, 20.0]


def test_each_page_keeps_the_lower_count_of_its_two_halves():
    """A cache rebuilt on a timer falls into one half of a page's counted requests."""
    instructions = runpy.run_path(str(ROOT / "bench" / "instructions.py"))
    assert instructions["HALVES"] == 2
    assert instructions["steady"]([0.8, 0.9, 14.1, 12.1, 9.2, 9.2]) == [0.8, 12.1, 9.2]


def test_a_note_of_the_run_stands_above_the_before_and_after_table(tmp_path):
    write_report = runpy.run_path(str(ROOT / "bench" / "report.py"))["write_report"]
    note = "The wrk figures are of an earlier run; the instructions are of this code."
    results = {"sizes": {"1000": size(0.3)}, "started": "s", "note": note}
    out = tmp_path / "RESULTS.md"
    write_report(results, out)
    text = out.read_text(encoding="utf-8")
    assert f"**Note:** {note}\n\n| needs | page | ratio before |" in text
    del results["note"]
    write_report(results, out)
    assert "**Note:**" not in out.read_text(encoding="utf-8")
