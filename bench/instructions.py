"""Instructions per request of the portal's pages and of the baseline, in this process, counted
by valgrind's callgrind: a figure that does not move with the machine's load (the wrk runs'
CPU per request does), so a change of a few per cent shows. Only the app's own process is
counted (Python, Flask, the templates, psycopg's side of the wire), not PostgreSQL.

`python bench/run.py --instructions` runs this under valgrind for every size in
bench/results.json (the pages measured there) and stores the counts; by hand:

    valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file=/tmp/cg/out \\
        .venv/bin/python bench/instructions.py 20000 /tmp/pages.json 20 /tmp/cg/out

Each page is requested a few times to warm up, then ``requests`` times between the client
requests that start and stop callgrind's counting (`COUNTER`, compiled on first use); each
stop writes one numbered dump, read back in order. The ``requests`` are counted in `HALVES`
(a dump each) and the lower count is kept (`steady`).
"""

from __future__ import annotations

import ctypes
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

COUNTER = """#include <valgrind/callgrind.h>
void counting_on(void) { CALLGRIND_ZERO_STATS; CALLGRIND_START_INSTRUMENTATION; }
void counting_off(void) { CALLGRIND_STOP_INSTRUMENTATION; CALLGRIND_DUMP_STATS; }
"""
WARM_UP = 3
HALVES = 2
"""A page's requests are counted in two halves and the lower count is kept: a per-process cache
rebuilt on a timer (the municipalities' catalogue, after a minute) falls into at most one of
them. Under valgrind a request runs about ten times slower, so the rebuild fell into some
page's counted requests in every run, adding 2-6 M instructions a request to whichever page it
hit (a page's cost in service, where it comes once a minute, is the lower)."""


def counter(build: Path) -> Any:
    """The two client requests as a shared library (gcc and valgrind's header, from Debian)."""
    library = build / "callgrind_counter.so"
    if not library.exists():
        build.mkdir(parents=True, exist_ok=True)
        source = build / "callgrind_counter.c"
        source.write_text(COUNTER, encoding="utf-8")
        subprocess.run(
            ["gcc", "-O2", "-shared", "-fPIC", "-o", str(library), str(source)], check=True
        )
    return ctypes.CDLL(str(library))


class Requester:
    """Calls a WSGI app directly with one request's environ, keeping the session cookie it sends
    back (as a browser would), and checks the status."""

    def __init__(self, app: Any, path: str, cookie: str = "") -> None:
        from importlib.metadata import version

        from werkzeug.test import EnvironBuilder

        # the test client's agent: the session was signed in with it
        headers = {"User-Agent": f"Werkzeug/{version('werkzeug')}"}
        if cookie:
            headers["Cookie"] = cookie
        builder = EnvironBuilder(path=path, base_url="http://localhost", headers=headers)
        self.app, self.environ, self.status = app.wsgi_app, builder.get_environ(), ""

    def _start_response(self, status: str, headers: list[tuple[str, str]], *_: Any) -> None:
        self.status = status
        for name, value in headers:
            if name.lower() == "set-cookie" and value.startswith("session="):
                self.environ["HTTP_COOKIE"] = value.split(";", 1)[0]

    def __call__(self) -> None:
        body = self.app({**self.environ, "wsgi.input": io.BytesIO()}, self._start_response)
        for _chunk in body:
            pass
        if hasattr(body, "close"):
            body.close()
        if not self.status.startswith("200"):
            raise RuntimeError(f"{self.environ['PATH_INFO']}: {self.status}")


def count(requester: Requester, requests: int, library: Any) -> None:
    """``requests`` requests of a page, counted in `HALVES` (a dump each)."""
    for _ in range(WARM_UP):
        requester()
    for _ in range(HALVES):
        library.counting_on()
        for _ in range(requests // HALVES):
            requester()
        library.counting_off()


def main(size: int, pages_file: str, requests: int, dumps: str) -> None:
    sys.path[:0] = [str(HERE), str(HERE.parent), str(HERE.parent / "scripts")]
    from measure import InProcess
    from servers import Database

    server = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    prefix = os.environ.get("BENCH_DB_PREFIX", "portal_bench")
    db = Database(server, prefix, size, 1100)
    pages = json.loads(Path(pages_file).read_text(encoding="utf-8"))
    library = counter(Path(dumps).parent)
    os.environ["BASELINE_DSN"] = db.dsn
    os.environ["BASELINE_MUNICIPALITY"] = str(db.query("SELECT min(id) FROM municipality")[0][0])
    import baseline

    count(Requester(baseline.app, "/"), requests, library)
    portal = InProcess(db)
    for page in pages:
        client = portal.client(page["email"])
        cookie = "; ".join(f"{c.key}={c.value}" for c in client._cookies.values())
        count(Requester(portal.app, page["path"], cookie), requests, library)


def steady(counted: list[float]) -> list[float]:
    """The lower count of each page's `HALVES` (consecutive dumps, `count`)."""
    return [min(counted[i : i + HALVES]) for i in range(0, len(counted), HALVES)]


def read_dumps(dumps: str, requests: int) -> list[float]:
    """Millions of instructions per request of each counted run, in order (dump 1, 2, …)."""
    found = []
    number = 1
    while Path(f"{dumps}.{number}").exists():
        text = Path(f"{dumps}.{number}").read_text(encoding="utf-8", errors="replace")
        total = next(
            int(line.split()[1]) for line in text.splitlines() if line.startswith("totals:")
        )
        found.append(round(total / requests / 1e6, 2))
        number += 1
    return found


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4])
