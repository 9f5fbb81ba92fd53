"""`make bench`: the portal under gunicorn on `flask seed-scale` data against a bare Flask +
psycopg page served the same way, interleaved on this machine.

    python bench/run.py                              # sizes 1000,20000,200000, 10 s per page
    python bench/run.py --sizes 1000,20000 --quick   # 3 s per page
    python bench/run.py --resume                     # skip what bench/results.json already has
    python bench/run.py --report                     # only rewrite RESULTS.md from the JSON

For every size (number of needs; volunteers = size/2, reports = 5 x size, 1,100
municipalities) a PostgreSQL database ``<prefix>_<size>`` is created and seeded once and kept
for the next run (``--drop`` removes it afterwards; a kept one is brought to the newest
migration). Then:

1. statements and round trips of every page, counted in process (SQLAlchemy events);
2. for every page: wrk against the baseline, then against the portal (both gunicorn with 4
   sync workers), the same connections and duration; req/s, p50/p95/p99, CPU per request of
   the gunicorn processes and of the PostgreSQL backends (from /proc), load average;
3. 100 volunteers claim one need with 3 places at the same moment over HTTP: exactly 3 win.

Each page's result goes into bench/results.json as soon as it is measured (a run stopped
half-way loses at most one page; ``--resume`` continues), and RESULTS.md is rewritten.
Settings: BENCH_PG_URL (server, default postgresql://postgres@127.0.0.1:5432/postgres),
BENCH_DB_PREFIX (default ``portal_bench``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent), str(HERE.parent / "scripts")]

from measure import InProcess, claim_race, wrk  # noqa: E402
from portal_client import Client  # noqa: E402
from report import FLOOR, write_report  # noqa: E402
from servers import HOST, PASSWORD, Database, Server  # noqa: E402

RESULTS = HERE / "results.json"
BOARD_VIEWS = [
    ("board by date", "/board/?sort=date"),
    ("board by fit", "/board/?sort=fit"),
    ("board filtered", "/board/?category=accompanying&language=ar&sort=fit"),
    ("board by language", "/board/?language=ar&sort=fit"),
    # Pashto: no need of the seeded data asks for it (portal.needs.language_demand)
    ("board by rare language", "/board/?language=ps"),
    ("board last page", "/board/?sort=date&page={last}"),
]
OTHER_PAGES = [
    ("need page", "all", "/board/needs/{need}"),
    ("my tasks", "volunteer", "/board/my-tasks"),
    ("dashboard volunteer", "volunteer", "/dashboard"),
    ("needs list", "manager", "/needs/"),
    ("reports list", "manager", "/needs/reports"),
    ("dashboard manager", "manager", "/dashboard"),
    # (the coordinators' start of the queue: counts, certificates, oldest applications)
    ("coordinator queue", "coordinator", "/coordination/"),
    ("volunteer list (coordinator)", "coordinator", "/coordination/volunteers"),
    ("dashboard coordinator", "coordinator", "/dashboard"),
    # every municipality of the state, 50 a page
    ("coordination overview (admin)", "admin", "/coordination/"),
    ("audit log", "admin", "/admin/audit"),
    # statistics of a county's quarter (the first county holds the densest data)
    ("statistics (coordinator)", "coordinator", "/oversight/dashboard"),
    ("Pakt report (coordinator)", "coordinator", "/oversight/report"),
    # a form of every municipality of the state, grouped by county
    ("profile form (all)", "all", "/volunteer/profile"),
    (FLOOR, "volunteer", "/imprint"),
]
WHO = {
    "county": "volunteer in every municipality of a county",
    "all": "volunteer everywhere",
    "volunteer": "volunteer in three municipalities (read by municipality)",
}


def log(*parts: Any) -> None:
    print(*parts, flush=True)


def load_results() -> dict[str, Any]:
    if RESULTS.exists():
        return dict(json.loads(RESULTS.read_text(encoding="utf-8")))
    return {"sizes": {}}


def save(results: dict[str, Any]) -> None:
    RESULTS.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    write_report(results, HERE / "RESULTS.md")


def pages(db: Database, portal: Server, accounts: dict[str, str]) -> list[dict[str, str]]:
    """(label, account, path) of every page, with the ids and the last page filled in."""
    (need,) = db.query(
        """SELECT n.id FROM need n JOIN volunteer_municipality vm
           ON vm.municipality_id = n.municipality_id JOIN volunteer_profile p
           ON p.id = vm.volunteer_id JOIN "user" u ON u.id = p.user_id
           WHERE u.email = %s AND n.status = 'open' ORDER BY n.id LIMIT 1""",
        accounts["all"],
    )[0]
    found = []
    for who in WHO:
        for label, path in BOARD_VIEWS:
            if "{last}" in path:
                first = Client(HOST, portal.port, cookies=login_cookies(portal, accounts[who]))
                body = first.request("GET", "/board/?sort=date").body
                match = re.search(r"Seite \d+ von (\d+)", body)
                path = path.format(last=match.group(1) if match else 1)
            found.append({"label": f"{label} ({who})", "account": who, "path": path})
    for label, who, path in OTHER_PAGES:
        found.append({"label": label, "account": who, "path": path.format(need=need)})
    return found


_cookies: dict[tuple[int, str], dict[str, str]] = {}


def login_cookies(portal: Server, email: str) -> dict[str, str]:
    key = (portal.port, email)
    if key not in _cookies:
        client = Client(HOST, portal.port)
        if client.login(email, PASSWORD).status != 302:
            raise RuntimeError(f"log-in as {email} failed")
        _cookies[key] = dict(client.cookies)
    return _cookies[key]


def accounts_of(db: Database) -> dict[str, str]:
    suffix = "@scale.example"
    names = ("admin", "coordinator", "manager", "county", "all", "volunteer")
    return {name: f"{name}{suffix}" for name in names}


def run_size(size: int, args: argparse.Namespace, results: dict[str, Any]) -> None:
    server_url = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    prefix = os.environ.get("BENCH_DB_PREFIX", "portal_bench")
    db = Database(server_url, prefix, size, args.municipalities)
    logs = HERE / "logs"
    logs.mkdir(exist_ok=True)
    entry = results["sizes"].setdefault(str(size), {"pages": {}})
    log(f"== size {size:,}: database {db.name}")
    seeded = db.prepare(logs / f"seed-{size}.log")
    if seeded:
        entry["seed_seconds"] = round(seeded, 1)
        entry["pages"] = {}  # new data: earlier page results no longer apply
        log(f"   seeded in {seeded:.0f} s")
    entry["rows"] = {
        t: db.query(f'SELECT count(*) FROM "{t}"')[0][0]  # noqa: S608 - fixed names
        for t in ("municipality", "volunteer_profile", "need", "assignment", "report")
    }
    entry["open_needs"] = db.query("SELECT count(*) FROM need WHERE status = 'open'")[0][0]
    accounts = accounts_of(db)
    first_municipality = db.query("SELECT min(id) FROM municipality")[0][0]
    portal = Server.portal(db, logs / "portal.log")
    baseline = Server.baseline(db, first_municipality, logs / "baseline.log")
    try:
        portal.wait("/healthz")
        baseline.wait("/")
        in_process = InProcess(db)
        for page in pages(db, portal, accounts):
            label = page["label"]
            if args.resume and label in entry["pages"]:
                continue
            if args.only and not any(word in label for word in args.only):
                continue
            email = accounts[page["account"]]
            cookies = login_cookies(portal, email)
            check = Client(HOST, portal.port, cookies=dict(cookies)).request("GET", page["path"])
            result: dict[str, Any] = {"path": page["path"], "account": page["account"]}
            result["count"] = in_process.count(email, page["path"])
            if check.status != 200:
                result["error"] = f"HTTP {check.status}"
                log(f"   {label}: HTTP {check.status}, skipped")
            else:
                header = "; ".join(f"{k}={v}" for k, v in cookies.items())
                result["baseline"] = wrk(baseline, db, "/", "", args.seconds, args.connections)
                result["portal"] = wrk(
                    portal, db, page["path"], header, args.seconds, args.connections
                )
                result["ratio"] = round(result["portal"]["rps"] / result["baseline"]["rps"], 3)
                log(
                    f"   {label}: {result['portal']['rps']} req/s vs {result['baseline']['rps']}"
                    f" ({result['ratio']}x), {result['count']['statements']} statements"
                )
            entry["pages"][label] = result
            save(results)
        if not (args.resume and "claims" in entry) and not args.only:
            entry["claims"] = claim_race(portal, db, args.claimers, 3)
            log(f"   claims: {entry['claims']}")
            save(results)
    finally:
        portal.stop()
        baseline.stop()
        if args.drop:
            db.drop()


def recount(results: dict[str, Any], municipalities: int) -> None:
    """Count the statements and round trips of every measured page again, in process, on the
    kept databases (after a change to how they are counted or issued)."""
    server_url = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    prefix = os.environ.get("BENCH_DB_PREFIX", "portal_bench")
    for size, entry in results["sizes"].items():
        db = Database(server_url, prefix, int(size), municipalities)
        accounts, in_process = accounts_of(db), InProcess(db)
        for label, page in entry["pages"].items():
            page["count"] = in_process.count(accounts[page["account"]], page["path"])
            log(f"   {size} {label}: {page['count']}")


def instructions(results: dict[str, Any], sizes: list[int], requests: int) -> None:
    """Count the instructions per request of every measured page and of the baseline under
    valgrind (bench/instructions.py), on the kept databases."""
    import tempfile

    from instructions import HALVES, read_dumps, steady

    for size in sizes:
        entry = results["sizes"].get(str(size))
        if not entry:
            continue
        server_url = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
        prefix = os.environ.get("BENCH_DB_PREFIX", "portal_bench")
        accounts = accounts_of(Database(server_url, prefix, size, 1100))
        pages = [
            {"label": label, "email": accounts[page["account"]], "path": page["path"]}
            for label, page in entry["pages"].items()
        ]
        work = Path(tempfile.mkdtemp(prefix="bench-instructions-"))
        try:
            (work / "pages.json").write_text(json.dumps(pages), encoding="utf-8")
            dumps = str(work / "out")
            log(f"== size {size:,}: instructions of {len(pages)} pages under valgrind")
            subprocess.run(
                [
                    "valgrind",
                    "--tool=callgrind",
                    "--instr-atstart=no",
                    f"--callgrind-out-file={dumps}",
                    sys.executable,
                    str(HERE / "instructions.py"),
                    str(size),
                    str(work / "pages.json"),
                    str(requests),
                    dumps,
                ],
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            counted = steady(read_dumps(dumps, requests // HALVES))
        finally:
            shutil.rmtree(work, ignore_errors=True)
        if len(counted) != len(pages) + 1:
            raise RuntimeError(f"expected {len(pages) + 1} counts, found {len(counted)}")
        entry["baseline_instructions"] = counted[0]
        for page, found in zip(pages, counted[1:], strict=True):
            entry["pages"][page["label"]]["instructions"] = found
            log(f"   {page['label']}: {found} M instructions per request")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,20000,200000", help="needs per data set")
    parser.add_argument("--seconds", type=float, default=10.0, help="wrk duration per run")
    parser.add_argument("--quick", action="store_true", help="3 s per run")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    parser.add_argument("--municipalities", type=int, default=1100)
    parser.add_argument("--claimers", type=int, default=100)
    parser.add_argument("--only", nargs="*", help="only pages whose label contains a word")
    parser.add_argument("--resume", action="store_true", help="skip pages already measured")
    parser.add_argument("--drop", action="store_true", help="drop each database afterwards")
    parser.add_argument("--report", action="store_true", help="only rewrite RESULTS.md")
    parser.add_argument(
        "--recount", action="store_true", help="count statements and round trips again (no wrk)"
    )
    parser.add_argument(
        "--instructions",
        type=int,
        nargs="?",
        const=20,
        metavar="REQUESTS",
        help="only count instructions per request under valgrind (default 20 requests)",
    )
    parser.add_argument(
        "--no-instructions", action="store_true", help="skip counting instructions after wrk"
    )
    args = parser.parse_args()
    if args.quick:
        args.seconds = 3.0
    results = load_results()
    if args.recount:
        recount(results, args.municipalities)
    if args.instructions:
        instructions(results, [int(s) for s in args.sizes.split(",") if s], args.instructions)
    if args.report or args.recount or args.instructions:
        save(results)
        return 0
    results["started"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    results["settings"] = {"seconds": args.seconds, "connections": args.connections}
    failed = False
    for size in [int(s) for s in args.sizes.split(",") if s]:
        run_size(size, args, results)
        failed |= not results["sizes"][str(size)].get("claims", {}).get("ok", True)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    if args.no_instructions or shutil.which("valgrind") is None:
        log("instructions per request not counted (--no-instructions, or no valgrind)")
    else:
        instructions(results, sizes, 20)
    results["finished"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    save(results)
    log(f"results: {RESULTS} and {HERE / 'RESULTS.md'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
