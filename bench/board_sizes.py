"""How long the board takes at 1,000, 10,000 and 100,000 open needs (PostgreSQL, in-process).

A quick measurement, not a test: it creates the database ``scale_bench`` beside
``TEST_DATABASE_URL``'s (dropped at the end), migrates it, makes a volunteer who helps in all
23 municipalities (and one who helps in one), fills in open needs by bulk INSERT
(tests/scale_data.py), runs ANALYZE, and times each board page through Flask's test client:
wall-clock milliseconds per request (median of ``--requests``) and SQL statements per request.

    TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test_scale \\
        .venv/bin/python bench/board_sizes.py [--root OTHER_CHECKOUT] [--sizes 1000,10000]

``--root`` measures another checkout of the portal (e.g. the code before a change) with the
same data; the board of that checkout runs on its own migrations.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent.parent

PAGES = {
    "by date": "/board/",
    "by fit": "/board/?sort=fit",
    "filtered": "/board/?category=tutoring&language=ar&sort=fit",
    "page 20": "/board/?page=20",
}

CONFIG: dict[str, Any] = {
    "PORTAL_ENV": "testing",
    "SECRET_KEY": "bench-secret-key-that-is-long-enough-1234",
    "WTF_CSRF_ENABLED": False,
    "RATELIMIT_ENABLED": False,
    "MAIL_SERVER": None,
    "PASSWORD_HASH_CHEAP": True,
    "TWO_FACTOR_REQUIRED_ROLES": (),
    "PER_PAGE": 25,
}


def _scale_data() -> Any:
    """tests/scale_data.py of this checkout (also when ``--root`` names another one)."""
    spec = importlib.util.spec_from_file_location("scale_data", HERE / "tests" / "scale_data.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _database(base_url: str, name: str, create: bool) -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(make_url(base_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if create:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(base_url).set(database=name).render_as_string(hide_password=False)


def _people() -> None:
    from portal.extensions import db
    from tests import factories

    places = factories.reference_data()
    gaggenau = places["Gaggenau"]
    wide = factories.volunteer(gaggenau, email="wide@example.org", name="Weit")
    narrow = factories.volunteer(places["Bühl"], email="narrow@example.org", name="Eng")
    db.session.flush()
    from portal.volunteers.queries import profile_of

    profile = profile_of(wide)
    profile.municipalities = [m for m in places.values() if m.id != gaggenau.id]
    profile.languages = {"de": "native", "ar": "good"}
    profile.interests = ["tutoring", "accompanying"]
    profile.availability = {0: ["afternoon"], 2: ["morning", "evening"], 5: ["morning"]}
    assert profile_of(narrow) is not None
    db.session.commit()


def _time(client: Any, path: str, requests: int, engine: Any) -> tuple[float, int]:
    from sqlalchemy import event

    assert client.get(path).status_code == 200, path  # warm up
    counted = []

    def before(*_args: Any) -> None:
        counted.append(1)

    took = []
    for _ in range(requests):
        counted.clear()
        event.listen(engine, "before_cursor_execute", before)
        start = time.perf_counter()
        response = client.get(path)
        took.append((time.perf_counter() - start) * 1000)
        event.remove(engine, "before_cursor_execute", before)
        assert response.status_code == 200, path
    return statistics.median(took), len(counted)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", default=str(HERE), help="checkout of the portal to measure")
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--requests", type=int, default=15)
    parser.add_argument("--database", default="scale_bench")
    parser.add_argument("--pages", default=",".join(PAGES), help="which of: " + ", ".join(PAGES))
    args = parser.parse_args()
    base = os.environ["TEST_DATABASE_URL"]
    sys.path.insert(0, args.root)
    scale_data = _scale_data()

    from flask_migrate import upgrade

    from portal import create_app
    from portal.extensions import db

    url = _database(base, args.database, create=True)
    app = create_app({**CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    rows = []
    try:
        with app.app_context():
            upgrade()
            _people()
            engine = db.engine
        have = 0
        for size in [int(s) for s in args.sizes.split(",")]:
            with app.app_context():
                scale_data.insert_needs(size - have, open_percent=100)
                scale_data.analyze()
                db.session.remove()
            have = size
            # requests run outside an app context, each with its own (as in production)
            for who in ("wide", "narrow"):
                client = app.test_client()
                client.post(
                    "/login",
                    data={"email": f"{who}@example.org", "password": "Sicheres-Passwort-1"},
                )
                for name in args.pages.split(","):
                    path = PAGES[name]
                    ms, statements = _time(client, path, args.requests, engine)
                    rows.append((size, who, name, ms, statements))
                    print(f"{size:>7} {who:<6} {name:<9} {ms:8.1f} ms {statements:3d} stmts")
                    sys.stdout.flush()
        engine.dispose()
    finally:
        _database(base, args.database, create=False)
    print("\n| open needs | volunteer | page | ms per request | statements |")
    print("|---:|---|---|---:|---:|")
    for size, who, name, ms, statements in rows:
        print(f"| {size:,} | {who} | {name} | {ms:.1f} | {statements} |")


if __name__ == "__main__":
    main()
