"""What the read API of the public consultation pages costs: `upcoming()` for one municipality
and for the whole county, over 14, 90 and 366 days, with the demo county's schedule and with
ten times as many hours (a quick measurement, not a test).

On a throw-away SQLite database it seeds the demo county (11 hours rows), then optionally adds
``--extra`` hours rows with a cancelled date each, and times ``upcoming()`` ``--rounds`` times
(CPU time, median; the machine may be shared) and counts its SQL statements.

    .venv/bin/python bench/consultation_dates.py [--rounds 50] [--extra 100]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(HERE))


def _median_ms(call: Any, rounds: int) -> float:
    took = []
    for _ in range(rounds):
        start = time.process_time()
        call()
        took.append((time.process_time() - start) * 1000)
    return statistics.median(took)


def _extra_hours(n: int) -> None:
    from sqlalchemy import select

    from portal.consultations.models import ConsultationException, ConsultationPlace
    from portal.core.time import today_local
    from portal.extensions import db
    from tests import factories_consultations as fc

    places = list(db.session.scalars(select(ConsultationPlace)))
    for i in range(n):
        place = places[i % len(places)]
        row = fc.hours(place, None, i % 5, today_local() - timedelta(days=30),
                       recurrence="biweekly" if i % 2 else "weekly")  # fmt: skip
        db.session.add(
            ConsultationException(
                hours_id=row.id, on_date=fc.next_consultation_day(weekday=i % 5), kind="cancelled"
            )
        )
    db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--extra", type=int, default=100)
    args = parser.parse_args()

    from flask_migrate import upgrade
    from sqlalchemy import event, select

    from portal import create_app
    from portal.consultations.models import ConsultationHours
    from portal.consultations.queries import upcoming
    from portal.core.time import today_local
    from portal.demo import seed
    from portal.extensions import db
    from portal.municipalities.models import Municipality

    path = Path(tempfile.mkdtemp()) / "consultations.db"
    app = create_app(
        {
            "PORTAL_ENV": "testing",
            "SECRET_KEY": "bench-secret-key-that-is-long-enough-1234",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
            "PASSWORD_HASH_CHEAP": True,
            "MAIL_SERVER": None,
        }
    )
    with app.app_context():
        upgrade()
        seed()
        gaggenau = db.session.scalar(select(Municipality).where(Municipality.name == "Gaggenau"))
        assert gaggenau is not None
        today = today_local()
        statements: list[str] = []
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        for label, extra in (("demo", 0), (f"demo + {args.extra}", args.extra)):
            if extra:
                _extra_hours(extra)
            rows = len(db.session.scalars(select(ConsultationHours.id)).all())
            for scope, municipality_id in (("Gaggenau", gaggenau.id), ("county", None)):
                for days in (14, 90, 366):
                    statements.clear()
                    found = upcoming(municipality_id, today, days)
                    count = len(statements)
                    ms = _median_ms(partial(upcoming, municipality_id, today, days), args.rounds)
                    print(
                        f"{label:>12} ({rows:4d} hours rows) {scope:>8} {days:3d} days: "
                        f"{len(found):5d} dates, {count} statements, {ms:7.2f} ms"
                    )


if __name__ == "__main__":
    main()
