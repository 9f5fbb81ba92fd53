"""What one card of the board costs to render (template time only, no database).

A quick measurement, not a test: on a throw-away SQLite database it publishes 25 needs (one-off
and weekly, with languages), reads the board's first page once, and then renders
templates/board/index.html with those 25 cards and with none, ``--rounds`` times each, in German
and in English. The difference divided by 25 is the cost of a card; the script also counts the
calls of ``get_locale`` per page. Times are the process's CPU time (median), so that other
work on a shared machine disturbs them less.

    .venv/bin/python bench/board_cards.py [--rounds 200]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import time as clock
from datetime import timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(HERE))

CARDS = 25


def _needs(world: dict[str, Any]) -> None:
    from portal.core.time import today_local
    from portal.extensions import db
    from tests import factories_board as fb

    for i in range(CARDS):
        if i % 2:
            fb.weekly_need(
                world["gaggenau"], weekday=i % 7, at=clock(9 + i % 10, 0), languages=["ar", "de"]
            )
        else:
            day = today_local() + timedelta(days=1 + i)
            fb.once_need(world["gaggenau"], starts_at=fb.local(day, 10), languages=["fa"])
    db.session.commit()


def _render_ms(render: Any, rounds: int) -> float:
    took = []
    for _ in range(rounds):
        start = time.process_time()  # CPU time: the machine may be shared
        render()
        took.append((time.process_time() - start) * 1000)
    return statistics.median(took)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()

    import flask_babel
    from flask import render_template
    from flask_login import login_user
    from flask_migrate import upgrade

    from portal import create_app
    from portal.board.forms import BoardFilterForm
    from portal.core import formatting, labels
    from portal.needs import matching
    from portal.volunteers.queries import profile_of
    from tests import factories_board as fb

    calls = {"get_locale": 0}
    real = flask_babel.get_locale

    def counted() -> Any:
        calls["get_locale"] += 1
        return real()

    for module in (labels, formatting):
        if hasattr(module, "get_locale"):
            module.get_locale = counted  # type: ignore[attr-defined]

    path = Path(tempfile.mkdtemp()) / "cards.db"
    config = {
        "PORTAL_ENV": "testing",
        "SECRET_KEY": "bench-secret-key-that-is-long-enough-1234",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
        "WTF_CSRF_ENABLED": False,
        "PASSWORD_HASH_CHEAP": True,
        "MAIL_SERVER": None,
    }
    app = create_app(config)
    with app.app_context():
        upgrade()
        world = fb.county()
        _needs(world)
        user = world["volunteer"]
        for locale in ("de", "en"):
            with app.test_request_context(f"/board/?lang={locale}"):
                user.locale = locale
                login_user(user)
                profile = profile_of(user)
                assert profile is not None
                form = BoardFilterForm()
                form.set_places(profile)
                filters = matching.BoardFilters()
                page = matching.board(profile, filters, per_page=CARDS)
                assert len(page.items) == CARDS
                empty = matching.ListPage(items=[], page=1, per_page=CARDS, total=0)

                context = {"form": form, "profile": profile, "filters": filters}

                def render(shown: Any, context: dict[str, Any] = context) -> Any:
                    return lambda: render_template("board/index.html", page=shown, **context)

                with_cards = _render_ms(render(page), args.rounds)
                without = _render_ms(render(empty), args.rounds)
                calls["get_locale"] = 0
                render(page)()
                print(
                    f"{locale}: page with {CARDS} cards {with_cards:.2f} ms, without {without:.2f}"
                    f" ms, per card {(with_cards - without) / CARDS * 1000:.0f} µs,"
                    f" get_locale calls per page {calls['get_locale']}"
                )


if __name__ == "__main__":
    main()
