"""Many rows fast, on PostgreSQL only: needs, volunteers and reports written by
``INSERT … SELECT generate_series`` (tens of thousands in a second), for the tests that read
query plans (tests/integration/test_scale_plans.py) and for bench/board_sizes.py.

Needs are spread over every municipality: a share open (half one-off appointments over the
next year, half weekly, some running, some starting later), the rest filled, completed or
cancelled; a third ask for a language. Derived columns (local weekday and time of a one-off
need, ``first_on``) are computed as the model's save hook does.
"""

from __future__ import annotations

import time

from sqlalchemy import inspect, text

from portal.extensions import db
from portal.needs.report_models import note_reported_claims
from portal.scale_seed.writer import vacuum

NEEDS = """
WITH base AS (
    SELECT i,
           (ARRAY['tutoring','language_practice','accompanying','youth_family',
                  'housing_search','other'])[1 + i % 6] AS category,
           (SELECT array_agg(id ORDER BY id) FROM municipality) AS places,
           CASE WHEN i % 100 < :open_percent THEN 'open'
                ELSE (ARRAY['filled','completed','cancelled'])[1 + i % 3] END AS status,
           i % 2 = 0 AS once,
           date_trunc('hour', now() AT TIME ZONE 'UTC')
             + make_interval(days => 1 + i % 365, hours => i % 11) AS start_utc,
           current_date + (i % 120 - 60) AS first_date
    FROM generate_series(1, :n) AS i
), shaped AS (
    SELECT *, (start_utc AT TIME ZONE 'UTC' AT TIME ZONE 'Europe/Berlin') AS start_local
    FROM base
)
INSERT INTO need (category, title, public_description, private_notes, municipality_id,
                  meeting_point, schedule_kind, starts_at, ends_at, weekday, time_of_day,
                  duration_minutes, starts_on, ends_on{first_column}, capacity, taken,
                  requires_conduct_certificate, status, cancel_reason, created_at,
                  updated_at{codes_column})
SELECT category, 'Aufgabe ' || i, 'Beschreibung der Aufgabe ' || i, '',
       places[1 + i % array_length(places, 1)], '',
       CASE WHEN once THEN 'once' ELSE 'weekly' END,
       CASE WHEN once THEN start_utc END,
       CASE WHEN once THEN start_utc + interval '90 minutes' END,
       CASE WHEN once THEN (extract(isodow FROM start_local)::int - 1) ELSE i % 7 END,
       CASE WHEN once THEN start_local::time ELSE make_time(8 + i % 12, 0, 0) END,
       CASE WHEN once THEN NULL ELSE 90 END,
       CASE WHEN once THEN start_utc::date ELSE first_date END,
       CASE WHEN once OR i % 3 = 0 THEN NULL ELSE first_date + 200 END{first_value},
       2, 0, i % 5 = 0, status, '', now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'{codes_value}
FROM shaped
"""

FIRST_ON = """,
       CASE WHEN once THEN start_local::date
            ELSE first_date + ((i % 7 - (extract(isodow FROM first_date)::int - 1) + 7) % 7)
       END"""

FRESH = """(SELECT id, row_number() OVER (ORDER BY id) AS k FROM need WHERE id > :after) AS fresh"""
"""The needs just inserted, numbered as `NEEDS` numbered them (``i``): their languages follow
that number, not the id, which a sequence that earlier tests advanced would shift (the category
and the language of a need would then never meet as the tests expect)."""

NEED_LANGUAGES = f"""
INSERT INTO need_language (need_id, code, position)
SELECT id, (ARRAY['ar','fa','uk','ti','de'])[1 + k % 5], 0 FROM {FRESH}
WHERE k % 3 = 0
"""

LANGUAGE_CODES = f"""
UPDATE need SET language_codes = ARRAY[(ARRAY['ar','fa','uk','ti','de'])[1 + k % 5]]
FROM {FRESH}
WHERE need.id = fresh.id AND k % 3 = 0
"""

VOLUNTEERS = """
WITH users AS (
    INSERT INTO "user" (email, password_hash, display_name, locale, active, created_at,
                        session_token, email_verified_at)
    SELECT 'bulk' || i || '@example.org', NULL, 'Ehrenamtliche ' || i, 'de', true,
           now() AT TIME ZONE 'UTC', md5(i::text), now() AT TIME ZONE 'UTC'
    FROM generate_series(1, :n) AS i
    RETURNING id
)
INSERT INTO volunteer_profile (user_id, home_municipality_id, phone, has_car, motivation,
                               status, decision_reason, consent_version, submitted_at)
SELECT u.id, (SELECT array_agg(id ORDER BY id) FROM municipality)[1 + u.id % 23], '', false,
       '', (ARRAY['pending','approved','approved','rejected','suspended'])[1 + u.id % 5], '',
       '1', now() AT TIME ZONE 'UTC' - make_interval(mins => u.id)
FROM users AS u
"""


CLAIMS = """
INSERT INTO assignment (need_id, volunteer_id, status, claimed_at, reason)
SELECT id, :volunteer_id, 'completed', now() AT TIME ZONE 'UTC', '' FROM need
WHERE id % 2 = 0 AND NOT EXISTS (SELECT 1 FROM assignment a WHERE a.need_id = need.id)
"""

REPORTS = """
INSERT INTO report (assignment_id, activity_on, minutes, outcome, follow_up_needed, concern,
                    concern_raised, acknowledged_at, created_at, municipality_id, volunteer_id)
SELECT assignment.id, current_date - assignment.id % 300, 60, 'Bericht ' || assignment.id, false,
       '', assignment.id % 17 = 0,
       CASE WHEN assignment.id % 4 = 0 THEN NULL ELSE now() AT TIME ZONE 'UTC' END,
       now() AT TIME ZONE 'UTC' - make_interval(mins => assignment.id), need.municipality_id,
       assignment.volunteer_id
FROM assignment JOIN need ON need.id = assignment.need_id
WHERE NOT EXISTS (SELECT 1 FROM report r WHERE r.assignment_id = assignment.id)
"""


def insert_reports(volunteer_id: int) -> None:
    """A completed claim by the volunteer on every second need, each with a report (a quarter
    not yet acknowledged, some raising a concern)."""
    db.session.execute(text(CLAIMS), {"volunteer_id": volunteer_id})
    db.session.execute(text(REPORTS))
    note_reported_claims(db.session.connection())
    db.session.commit()


def insert_needs(n: int, open_percent: int = 70) -> None:
    """``n`` needs over all municipalities, ``open_percent`` of them open."""
    after = db.session.scalar(text("SELECT coalesce(max(id), 0) FROM need"))
    columns = {c["name"] for c in inspect(db.session.connection()).get_columns("need")}
    first = "first_on" in columns  # (bench/board_sizes.py also fills the schema before it)
    codes = "language_codes" in columns  # (set below for the needs asking for a language)
    sql = NEEDS.format(
        first_column=", first_on" if first else "",
        first_value=FIRST_ON if first else "",
        codes_column=", language_codes" if codes else "",
        codes_value=", '{}'" if codes else "",
    )
    db.session.execute(text(sql), {"n": n, "open_percent": open_percent})
    db.session.execute(text(NEED_LANGUAGES), {"after": after})
    if codes:  # the same languages on the need row, as `Need.languages` keeps them
        db.session.execute(text(LANGUAGE_CODES), {"after": after})
    db.session.commit()


def insert_volunteers(n: int) -> None:
    """``n`` users with volunteer profiles of every status, homes over the municipalities."""
    db.session.execute(text(VOLUNTEERS), {"n": n})
    db.session.commit()


AUDIT_EVENTS = """
INSERT INTO audit_event (at, actor_id, action, object_type, object_id, municipality_id, details)
SELECT now() AT TIME ZONE 'UTC' - make_interval(secs => g / 10),
       CASE WHEN g % 3 = 0 THEN :actor_id END,
       (ARRAY['need.viewed', 'client.viewed', 'client.updated', 'login'])[1 + g % 4],
       'need', g, CASE WHEN g % 5 = 0 THEN :municipality_id END, '{}'
FROM generate_series(1, :n) AS g
"""


def insert_audit_events(n: int, actor_id: int, municipality_id: int) -> None:
    """``n`` audit events, ten a second (many share a time): a third by ``actor_id``, a fifth
    about ``municipality_id``."""
    db.session.execute(
        text(AUDIT_EVENTS), {"n": n, "actor_id": actor_id, "municipality_id": municipality_id}
    )
    db.session.commit()


def analyze() -> None:
    db.session.execute(text("ANALYZE"))
    db.session.commit()


SETTLE_SECONDS = 60.0
"""How long `settle` waits for other transactions on the server to end."""


def settle(*tables: str) -> None:
    """VACUUM (ANALYZE) ``tables`` until every page is marked all-visible, as autovacuum leaves
    a table soon after a bulk load; without that PostgreSQL rightly reads from the table every
    row an index finds (no index-only scans).

    VACUUM marks a row visible to all only if no snapshot of the database may still miss it,
    and a snapshot's horizon is the oldest transaction running anywhere on the server: a
    session of the test's left idle in a transaction after a read, while another test worker
    ran a transaction in its own database, kept the rows just written from being marked (and
    the planner chose a bitmap scan of the table). The test's session ends its transaction
    first, and other sessions' snapshots (autovacuum's ANALYZE) are waited for."""
    db.session.commit()
    deadline = time.monotonic() + SETTLE_SECONDS
    while True:
        vacuum(db.engine, tables)
        unsettled = db.session.execute(
            text(
                "SELECT relname, relpages, relallvisible FROM pg_class "
                "WHERE relname = ANY(:tables) AND relallvisible < relpages"
            ),
            {"tables": list(tables)},
        ).all()
        db.session.commit()
        if not unsettled:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"pages not all-visible after {SETTLE_SECONDS} s: {unsettled}")
        time.sleep(0.2)
