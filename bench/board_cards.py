"""What one card of the board costs to render (template time only, no database).

A quick measurement, not a test: on a throw-away SQLite database it publishes 25 needs (one-off
and weekly, with languages) and reads the board's first page once. The board keeps each card's
HTML per process (`portal.board.cards.cards_html`); the script renders the 25 cards
``--rounds`` times each with that store emptied first (a card not shown before: the cost of
rendering one) and kept (a card shown before: the cost of looking it up), in German and in
English. Times are the process's CPU time (median), so that other work on a shared machine
disturbs them less.

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
STORE = "board_cards"
"""The name of the store of rendered cards (`portal.board.cards`)."""


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

    from flask_login import login_user
    from flask_migrate import upgrade

    from portal import create_app
    from portal.board.cards import cards_html
    from portal.needs import matching
    from portal.volunteers.queries import profile_of
    from tests import factories_board as fb

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
                filters = matching.BoardFilters()
                page = matching.board(profile, filters, per_page=CARDS)
                assert len(page.items) == CARDS

                def rendered(keep: bool, entries: Any = page.items) -> Any:
                    if not keep:
                        app.extensions.pop(STORE, None)
                    return cards_html(entries)

                new = _render_ms(lambda: rendered(False), args.rounds)
                kept = _render_ms(lambda: rendered(True), args.rounds)
                assert len(rendered(False)) == CARDS
                print(
                    f"{locale}: {CARDS} cards {new:.2f} ms to render, {kept:.3f} ms kept;"
                    f" per card {new / CARDS * 1000:.0f} µs, kept {kept / CARDS * 1000:.1f} µs"
                )


if __name__ == "__main__":
    main()
