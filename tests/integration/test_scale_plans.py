"""At state scale the list pages read indexes, never whole tables (PostgreSQL only: SQLite's
planner is not the one production runs on, so these tests skip there).

Tens of thousands of rows are written in bulk (tests/scale_data.py), the statistics refreshed,
and each page's statements captured as they run and explained (``EXPLAIN (FORMAT JSON)``): no
plan may scan ``need``, ``user`` or ``volunteer_profile`` sequentially.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from functools import partial
from typing import Any

import pytest
from flask import current_app
from psycopg import sql as psycopg_sql
from sqlalchemy import event, func, select, text

from portal.audit.services import events_query
from portal.auth.models import Role
from portal.core.pagination import count_upto, paginate
from portal.core.time import today_local
from portal.extensions import db
from portal.municipalities.models import Municipality
from portal.needs import language_demand, matching, own_tasks, queries, rules
from portal.needs.matching import NARROW_SCOPE, BoardFilters, board
from portal.needs.models import Assignment, Need, NeedCategory
from portal.needs.report_models import Report
from portal.oversight import figures
from portal.oversight import report as pakt
from portal.oversight.periods import current_quarter
from portal.oversight.start import COUNTED, coordinator_work
from portal.volunteers.models import VolunteerProfile, note_last_claims
from portal.volunteers.queries import PLACES_PER_PAGE, overview
from portal.volunteers.queue import QueueFilters, queue_statement
from tests import factories, scale_data
from tests import factories_board as fb

WATCHED = {"need", "user", "volunteer_profile", "need_language"}
"""The big tables (claims and reports join them where a test fills them)."""
INDEXED = {"Index Scan", "Index Only Scan", "Bitmap Heap Scan"}


@contextmanager
def captured() -> Iterator[list[tuple[str, Any]]]:
    """The SQL statements (with their parameters) run inside the block."""
    found: list[tuple[str, Any]] = []

    def before(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            found.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield found
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def plans_of(run: Callable[[], Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    """(statement, plan nodes) of every SELECT that ``run`` issues."""
    with captured() as statements:
        run()
    result = []
    conn = db.session.connection()
    for statement, parameters in statements:
        explained = conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, parameters)
        plan = explained.scalar_one()[0]["Plan"]
        result.append((statement, list(_nodes(plan))))
    return result


def outline(nodes: list[dict[str, Any]]) -> str:
    """One line per plan node: its type, table, index and role (for a failure's message)."""
    keys = ("Node Type", "Relation Name", "Index Name", "Parent Relationship", "Subplan Name")
    keys += ("Actual Rows", "Rows Removed by Filter", "Index Cond", "Recheck Cond")
    return "\n".join(" | ".join(str(n.get(k, "")) for k in keys) for n in nodes)


def assert_indexed(run: Callable[[], Any], reads: str, also: tuple[str, ...] = ()) -> None:
    """No statement of ``run`` scans a watched table sequentially; ``reads`` is read by index."""
    indexed = set()
    for statement, nodes in plans_of(run):
        for node in nodes:
            relation = node.get("Relation Name")
            assert not (node["Node Type"] == "Seq Scan" and relation in WATCHED | set(also)), (
                f"sequential scan of {relation} in:\n{statement}\n{outline(nodes)}"
            )
            if node["Node Type"] in INDEXED and relation:
                indexed.add(relation)
    assert reads in indexed


@pytest.fixture
def county(postgresql):
    data = fb.county()
    profile = data["profile"]
    places = factories.reference_data()
    profile.municipalities = [m for m in places.values() if m.id != profile.home_municipality_id]
    profile.languages = {"de": "native", "ar": "good"}
    profile.interests = ["tutoring", "accompanying"]
    profile.availability = {0: ["afternoon"], 2: ["morning", "evening"], 5: ["morning"]}
    narrow = factories.volunteer(data["buehl"], email="nora@example.org", name="Nora Klein")
    data["narrow"] = factories_profile(narrow)
    db.session.commit()
    return data


def factories_profile(user: Any) -> Any:
    from portal.volunteers.queries import profile_of

    return profile_of(user)


def test_the_board_reads_a_page_by_index_at_30000_needs(county):
    scale_data.insert_needs(30_000)
    scale_data.analyze()
    wide, narrow = county["profile"], county["narrow"]
    cases = [
        (wide, BoardFilters(), 1),
        (wide, BoardFilters(sort="fit"), 1),
        (wide, BoardFilters(category=NeedCategory.TUTORING, language="ar"), 1),
        (wide, BoardFilters(municipality_id=county["gaggenau"].id, sort="fit"), 1),
        (wide, BoardFilters(), 20),  # the last page the board counts to
        (wide, BoardFilters(sort="fit"), 20),
        (narrow, BoardFilters(), 1),
        (narrow, BoardFilters(sort="fit", weekday=2), 1),
    ]
    for profile, filters, number in cases:
        page = board(profile, filters, page=number, per_page=25)
        assert page.items and page.page == number, (filters, number)
        assert_indexed(partial(board, profile, filters, page=number, per_page=25), "need")
    assert board(wide, BoardFilters()).more


def test_the_board_filtered_by_category_and_language_walks_the_category_in_date_order(
    county, monkeypatch
):
    """Filtered by category and language, the board walks the category's needs in date order
    through ix_need_board_category (which holds their languages) and stops after the page and
    the bounded count: it reads as many rows at 60,000 needs as at 30,000, not every need of
    the language (found by ix_need_language_codes, then sorted), and never the need_language
    rows. Filtered by language alone, the GIN index still finds the needs. (Weekly needs
    that have started are read as on any board: all of the category's, then sorted by their
    next day, `portal.needs.board_order`; here all weekly needs start later, as in the
    benchmark's data.)"""
    from portal.needs import matching

    # the count in date order too, as for a volunteer of the whole state (the county's 23
    # municipalities would be counted municipality by municipality)
    monkeypatch.setattr(matching, "COUNT_NARROW", 1)
    wide = county["profile"]
    asking_sql = text(
        "SELECT count(*) FROM need WHERE status = 'open' AND category = 'tutoring' "
        "AND 'ar' = ANY(language_codes)"
    )
    asking, read = {}, {}
    for size in (30_000, 60_000):
        scale_data.insert_needs(30_000)
        db.session.execute(
            text(
                "UPDATE need SET starts_on = current_date + 1 + id % 90, "
                "first_on = current_date + 1 + id % 90 + 6 WHERE schedule_kind = 'weekly'"
            )
        )
        db.session.commit()
        scale_data.analyze()
        # the visibility map, as autovacuum keeps it after a bulk load: the walk reads the
        # index alone (without it, PostgreSQL rightly reads the table)
        scale_data.settle("need")
        asking[size] = db.session.scalar(asking_sql)
        for sort in ("fit", "date"):
            filters = BoardFilters(category=NeedCategory.TUTORING, language="ar", sort=sort)
            run = partial(board, wide, filters, page=1, per_page=25)
            page = run()
            assert page.more and len(page.items) == 25
            assert all("ar" in e.need.languages for e in page.items)
            assert all(e.need.category == NeedCategory.TUTORING for e in page.items)
            assert_indexed(run, "need")
            nodes = executed(run)
            ran = {
                (node["Node Type"], node.get("Index Name"))
                for node in nodes
                if node.get("Relation Name") == "need"
            }
            assert ("Index Only Scan", "ix_need_board_category") in ran, ran
            # no bitmap of every need of the language (or of the category)
            bitmaps = {kind for kind, _index in ran} & {"Bitmap Heap Scan", "Seq Scan"}
            assert not bitmaps, outline(nodes)
            assert rows_read(run, "need_language") == 0
            read[size, sort] = need_rows_read(run)
    assert asking[60_000] > 1.8 * asking[30_000] > 2 * 501
    for sort in ("fit", "date"):
        assert read[60_000, sort] < 1.3 * read[30_000, sort], (sort, read)
    run = partial(board, wide, BoardFilters(language="ar"), page=1, per_page=25)
    indexes = {node.get("Index Name") for _statement, nodes in plans_of(run) for node in nodes}
    assert "ix_need_language_codes" in indexes, indexes


def test_the_board_plans_without_parallel_workers(county):
    """A parallel plan starts worker processes that cost more than a page's statement (the
    board's walk of a covering index at 200,000 needs: 10 ms and more): the portal's
    connections never plan one (`portal.config.POSTGRESQL_OPTIONS`)."""
    assert db.session.scalar(text("SHOW max_parallel_workers_per_gather")) == "0"
    scale_data.insert_needs(30_000)
    scale_data.analyze()
    scale_data.settle("need")
    wide = county["profile"]
    for filters in (
        BoardFilters(),
        BoardFilters(language="ar"),
        BoardFilters(category=NeedCategory.TUTORING, language="ar"),
    ):
        for sort in ("fit", "date"):
            run = partial(board, wide, replace(filters, sort=sort), page=1, per_page=25)
            kinds = {node["Node Type"] for _statement, nodes in plans_of(run) for node in nodes}
            assert not kinds & {"Gather", "Gather Merge"}, kinds


def executed(run: Callable[[], Any]) -> list[dict[str, Any]]:
    """The plan nodes that ran (at least one loop) in the statements of ``run``, from
    ``EXPLAIN ANALYZE``."""
    with captured() as statements:
        run()
    conn = db.session.connection()
    nodes = []
    for statement, parameters in statements:
        explained = conn.exec_driver_sql(
            "EXPLAIN (ANALYZE, FORMAT JSON) " + statement, parameters
        ).scalar_one()
        nodes += [node for node in _nodes(explained[0]["Plan"]) if node.get("Actual Loops")]
    return nodes


def need_rows_read(run: Callable[[], Any]) -> int:
    """How many rows of ``need`` the statements of ``run`` read (`rows_read`)."""
    return rows_read(run, "need")


def test_the_board_does_not_read_weekly_needs_that_have_not_started(county):
    """At state scale most weekly needs of a weekday may start later: the board reads the ones
    that have started (an index range), not every weekly need of the weekday in time order."""
    scale_data.insert_needs(30_000)
    db.session.execute(
        text(
            "UPDATE need SET starts_on = current_date + 30 + id % 90, "
            "first_on = current_date + 30 + id % 90 + 6 WHERE schedule_kind = 'weekly'"
        )
    )
    db.session.commit()
    scale_data.analyze()
    wide = county["profile"]
    for filters in [BoardFilters(), BoardFilters(date_from=today_local() + timedelta(days=40))]:
        run = partial(board, wide, filters, page=1, per_page=25)
        assert run().items, filters
        # the bounded count (up to 501 rows) and the page's next needs by date; never the
        # 10,000 open weekly needs
        assert need_rows_read(run) < 2_500, filters


def test_a_volunteer_of_a_few_municipalities_has_the_board_read_by_municipality(county):
    """Read in date order, the needs of one municipality among 23 are far apart (the window of
    501 would walk some 11,000 needs): for a volunteer who helps in a few municipalities the
    board reads theirs by municipality."""
    scale_data.insert_needs(30_000)
    scale_data.analyze()
    narrow = county["narrow"]
    at_home = db.session.scalar(
        text("SELECT count(*) FROM need WHERE status = 'open' AND municipality_id = :home"),
        {"home": narrow.home_municipality_id},
    )
    scale_data.settle("need")  # the visibility map, as autovacuum keeps it
    for filters in [BoardFilters(), BoardFilters(sort="fit")]:
        run = partial(board, narrow, filters, page=1, per_page=25)
        assert run().more, filters
        # its own municipality's needs (and the bounded count's 501 by date, and the 25
        # cards), not the 11,000 walked in date order
        assert need_rows_read(run) < at_home + 501 + 100, filters
        # from the index alone: it holds what the walk tests and returns
        ran = {
            (node["Node Type"], node.get("Index Name"))
            for node in executed(run)
            if node.get("Relation Name") == "need"
        }
        assert ("Index Only Scan", "ix_need_board") in ran, ran
        assert "Bitmap Heap Scan" not in {kind for kind, _index in ran}, ran
    # in a deployment of one county, a language filter changes nothing in how it is read
    assert matching._narrow_scope(BoardFilters(language="ar", sort="fit")) == NARROW_SCOPE


STATE = 1_100
"""Baden-Württemberg's municipalities."""


def _the_state() -> None:
    """Municipalities up to the state's 1,100 (the needs inserted next spread over them)."""
    db.session.execute(
        text(
            "INSERT INTO municipality (name, kind) "
            "SELECT 'Gemeinde ' || g, 'Gemeinde' FROM generate_series(1, :n) AS g"
        ),
        {"n": STATE - db.session.scalar(text("SELECT count(*) FROM municipality"))},
    )


def test_a_county_volunteer_of_the_state_has_the_board_by_language_read_by_municipality(
    county, monkeypatch
):
    """Among the state's 1,100 municipalities, a county's open needs asking for one language
    are few and far apart: sorted by fit, whose window is 501 needs, the board of a volunteer
    of a county reads the county's needs by municipality, not the state's needs of the
    language. By date (only the page's rows are walked) and without the filter it walks in
    date order as before; the needs shown are the same either way."""
    _the_state()
    scale_data.insert_needs(30_000)
    scale_data.analyze()
    scale_data.settle("need")
    wide = county["profile"]
    by_language = BoardFilters(language="ar", sort="fit")
    assert matching._narrow_scope(by_language) == STATE // matching.LANGUAGE_SHARE
    assert len(wide.municipalities) + 1 < STATE // matching.LANGUAGE_SHARE
    for filters in (BoardFilters(language="ar"), BoardFilters(sort="fit")):
        assert matching._narrow_scope(filters) == NARROW_SCOPE, filters
    in_county = db.session.scalar(
        text(
            "SELECT count(*) FROM need WHERE status = 'open' AND municipality_id IN "
            "(SELECT municipality_id FROM volunteer_municipality WHERE volunteer_id = :v "
            "UNION SELECT :home)"
        ),
        {"v": wide.id, "home": wide.home_municipality_id},
    )
    run = partial(board, wide, by_language, page=1, per_page=25)
    page = run()
    assert len(page.items) == 25 and all("ar" in e.need.languages for e in page.items)
    shown = [(e.need.id, e.score) for e in page.items]
    read = need_rows_read(run)
    # the county's own needs (and the 25 cards), from the index alone
    assert read < in_county + 100, (read, in_county)
    ran = {
        (n["Node Type"], n.get("Index Name"))
        for n in executed(run)
        if n.get("Relation Name") == "need"
    }
    assert ("Index Only Scan", "ix_need_board") in ran, ran
    # not read by municipality (the threshold of every board), it reads the needs of the
    # language in the whole state: the same page, at several times the cost
    monkeypatch.setattr(matching, "LANGUAGE_SHARE", STATE)
    assert [(e.need.id, e.score) for e in run().items] == shown
    assert need_rows_read(run) > 3 * read


def test_a_wide_board_filtered_by_a_rare_language_reads_that_languages_needs(county, monkeypatch):
    """Filtered by a language that few open needs of the state ask for (40 of 15,000), the
    board of a volunteer who helps in a county (by date) or in the whole state (by fit too)
    reads those needs, found once through the language's index, with the plan PostgreSQL keeps
    for the statement: not the open needs in date order, passed one by one until the page is
    full (all of them when no need asks for the language). The same page either way; a
    language many needs ask for is still walked."""
    _the_state()
    scale_data.insert_needs(30_000)
    rare = db.session.scalars(
        text("SELECT id FROM need WHERE status = 'open' ORDER BY id DESC LIMIT 40")
    ).all()
    db.session.execute(
        text("UPDATE need SET language_codes = language_codes || ARRAY['so'] WHERE id = ANY(:ids)"),
        {"ids": list(rare)},
    )
    db.session.execute(
        text(
            "INSERT INTO need_language (need_id, code, position) SELECT id, 'so', 1 FROM need "
            "WHERE id = ANY(:ids)"
        ),
        {"ids": list(rare)},
    )
    everywhere = county["narrow"]
    everywhere.municipalities = db.session.scalars(
        select(Municipality).where(Municipality.id != everywhere.home_municipality_id)
    ).all()
    db.session.commit()
    scale_data.analyze()
    scale_data.settle("need")
    wide = county["profile"]
    assert language_demand.is_rare("so") and language_demand.is_rare("ku")
    assert not language_demand.is_rare("ar")
    cases = [(wide, BoardFilters(language=code)) for code in ("so", "ku")]
    cases += [(everywhere, BoardFilters(language=code, sort="fit")) for code in ("so", "ku")]
    for profile, filters in cases:
        helps_in = len(profile.municipalities) + 1
        run = partial(board, profile, filters, page=1, per_page=25, helps_in=helps_in)
        page = run()
        shown = [(e.need.id, e.score) for e in page.items]
        assert all(filters.language in e.need.languages for e in page.items)
        read = rows_read(run, "need", generic=True)
        assert read <= len(rare), (filters, read)
        assert "ix_need_language_codes" in {n.get("Index Name") for n in executed(run)}
        # read as for any language: the same page; by date the county's open needs are
        # passed (at 30,000 needs the plan for any language by fit still finds the language's
        # needs first; at 200,000 it walks all open needs: 27 ms of database time)
        monkeypatch.setattr(language_demand, "RARE_LANGUAGE_NEEDS", -1)
        assert [(e.need.id, e.score) for e in run().items] == shown, filters
        if filters.sort == "date":
            walked = rows_read(run, "need", generic=True)
            assert walked > 4 * max(read, 100), (filters, walked, read)
        monkeypatch.setattr(language_demand, "RARE_LANGUAGE_NEEDS", 500)
    # a common language: its needs are many, the walk soon fills the page
    helps_in = len(wide.municipalities) + 1
    common = partial(board, wide, BoardFilters(language="ar"), helps_in=helps_in)
    assert "language_needs" not in " ".join(s for s, _nodes in plans_of(common))


def paged(stmt: Any, number: int = 1) -> Callable[[], Any]:
    """The list page ``number`` of ``stmt`` as a view paginates it (bounded count and page)."""

    def run() -> Any:
        with current_app.test_request_context(f"/?page={number}"):
            return paginate(stmt)

    return run


def test_the_managers_lists_and_the_queue_read_by_index_at_30000_rows(county):
    scale_data.insert_needs(30_000)
    scale_data.insert_volunteers(30_000)
    scale_data.insert_reports(county["profile"].id)
    scale_data.analyze()
    admin = factories.admin(email="admin@example.org")
    coordinator = factories.coordinator(county["gaggenau"], email="koordination@example.org")
    db.session.commit()
    for user in (county["manager"], admin):
        assert_indexed(paged(queries.needs_query(user, queries.NeedFilters())), "need")
        assert_indexed(paged(queries.needs_query(user, queries.NeedFilters()), 20), "need")
        stmt = queries.needs_query(user, queries.NeedFilters(status="open"))
        assert_indexed(paged(stmt), "need")
        for open_only in (True, False):
            stmt = queries.manager_reports_stmt(user, open_only)
            # (for one municipality PostgreSQL may hash the claims of the scope's needs: the
            # cheaper plan at this size, so claims are not watched here)
            assert_indexed(paged(stmt), "report", also=("report",))
    for user in (coordinator, admin):
        for status in ("", "pending"):
            stmt = queue_statement(user, QueueFilters(status=status))
            assert_indexed(paged(stmt), "volunteer_profile")
            assert_indexed(paged(stmt, 20), "volunteer_profile")
    # the queue counts the municipality's volunteers from its index, not walking every
    # application by date to find 526 of them (12,000 rows read: a twenty-third are theirs)
    counting = "SELECT count(*)"
    for generic in (False, True):
        queue = paged(queue_statement(coordinator, QueueFilters()))
        assert rows_read(queue, "volunteer_profile", generic, containing=counting) <= 600
    # the overview's counts per municipality, expiring certificates and oldest applications
    assert_indexed(partial(overview, coordinator), "volunteer_profile")
    page = paged(queue_statement(admin, QueueFilters()))()
    assert page.more and page.total == 25 + 500 and len(page.items) == 25


def test_the_overview_of_many_municipalities_counts_a_page_of_them(county):
    """An administrator's overview counts the volunteers of the page's municipalities (50 in
    German order), not of every one."""
    extra = [factories.municipality(f"Aa Ort {n:02d}") for n in range(40)]
    scale_data.insert_volunteers(30_000)  # in the county's 23 municipalities
    scale_data.analyze()
    admin = factories.admin(email="admin@example.org")
    db.session.commit()
    first = overview(admin)
    shown = [row["id"] for row in first.counts]
    assert shown[:40] == [place.id for place in extra] and len(shown) == PLACES_PER_PAGE
    on_page = db.session.scalar(
        select(func.count()).where(VolunteerProfile.home_municipality_id.in_(shown))
    )
    assert 0 < on_page < 15_000
    assert sum(row[status] for row in first.counts for status in ("pending", "approved")) > 0
    assert_indexed(partial(overview, admin), "volunteer_profile")
    counted = "GROUP BY volunteer_profile.home_municipality_id"
    assert rows_read(partial(overview, admin), "volunteer_profile", containing=counted) == on_page


def test_the_audit_log_reads_a_page_by_index_at_30000_events(county):
    scale_data.insert_needs(1_000)
    admin = factories.admin(email="admin@example.org")
    db.session.commit()
    gaggenau = county["gaggenau"].id
    scale_data.insert_audit_events(30_000, county["manager"].id, gaggenau)
    scale_data.analyze()
    cases = [
        {},
        {"actor_id": county["manager"].id},
        {"municipality_id": gaggenau},
        {"action": "client.viewed"},
        {"action": "client."},
        {"object_type": "need", "object_id": 17},
    ]
    for filters in cases:
        for number in (1, 20):
            assert_indexed(paged(events_query(**filters), number), "audit_event", ("audit_event",))
    page = paged(events_query())()
    assert page.more and len(page.items) == 25
    assert admin.id not in {event.actor_id for event in page.items}


def test_the_start_pages_read_by_index_at_30000_rows(county):
    """The volunteer's own lists (appointments, reports due, hours) and the managers' counts
    of reports: by index, also when another volunteer reported on thousands of claims."""
    scale_data.insert_needs(30_000)
    scale_data.insert_volunteers(30_000)
    narrow = county["narrow"]
    db.session.execute(  # thirty completed claims of one volunteer among 15,000 of another
        text(
            "INSERT INTO assignment (need_id, volunteer_id, status, claimed_at, reason) "
            "SELECT id, :volunteer, 'completed', now(), '' FROM need WHERE id % 1000 = 1"
        ),
        {"volunteer": narrow.id},
    )
    scale_data.insert_reports(county["profile"].id)  # and a report on each claim
    scale_data.analyze()
    watched = ("report", "assignment")
    assert queries.hours(narrow).total_minutes == 30 * 60
    for profile in (narrow,):
        assert_indexed(partial(queries.upcoming_assignments, profile), "assignment", watched)
        assert_indexed(partial(own_tasks.upcoming_with_next, profile), "assignment", watched)
        with current_app.test_request_context("/board/my-tasks?upcoming=2"):
            assert_indexed(partial(own_tasks.upcoming_page, profile), "assignment", watched)
        for kind in ("once", "weekly"):  # the schedule-clash check of a claim
            need = db.session.scalars(select(Need).where(Need.schedule_kind == kind)).first()
            assert_indexed(partial(rules.conflicting_need, profile, need), "assignment", watched)
        assert_indexed(partial(own_tasks.reports_due, profile, 5, COUNTED), "assignment", watched)
        assert_indexed(partial(queries.hours, profile), "report", watched)
    for user in (county["manager"], county["other_manager"]):
        for concerns in (False, True):
            stmt = queries.manager_reports_stmt(user, True, concerns)
            assert_indexed(partial(count_upto, stmt, COUNTED), "report", watched)


def test_a_long_history_costs_the_start_page_nothing(county):
    """A volunteer with 15,000 claims reported on: the reports still due are read from the
    claims not reported on (none here), the hours from the volunteer's reports alone; neither
    looks at the claims one by one (as plans kept for prepared statements, which must see the
    partial index's conditions)."""
    scale_data.insert_needs(30_000)
    wide = county["profile"]
    scale_data.insert_reports(wide.id)
    past = fb.local(today_local() - timedelta(days=2), 10)
    fb.assignment(fb.once_need(county["buehl"], title="Noch offen", starts_at=past), wide)
    scale_data.analyze()
    claims = db.session.scalar(text("SELECT count(*) FROM assignment"))
    assert claims > 15_000
    due, counted = own_tasks.reports_due(wide, 5, COUNTED)
    assert [item.title for item in due] == ["Noch offen"] and counted == 1
    assert own_tasks.minutes_this_year(wide) > 0
    for run in (
        partial(own_tasks.reports_due, wide, 5, COUNTED),
        partial(own_tasks.minutes_this_year, wide),
        partial(queries.hours, wide),
    ):
        assert rows_read(run, "assignment", generic=True) <= 1


def test_psycopg_keeps_the_board_statements_converted(county):
    """psycopg rewrites placeholders before every run of a statement longer than its own limit
    (4 KB, 50 parameters) unless `portal.core.postgresql` raised that limit: the second page
    finds its statement converted."""
    from psycopg import _queries

    wide = county["profile"]
    board(wide, BoardFilters(sort="fit"))  # loads the profile
    with captured() as statements:
        board(wide, BoardFilters(sort="fit"))
    assert len(statements) == 1
    assert len(statements[0][0]) > 4096
    before = _queries._query2pg.cache_info()
    board(wide, BoardFilters(sort="fit"))
    after = _queries._query2pg.cache_info()
    assert after.misses == before.misses
    assert after.hits >= before.hits + 1


def _generic_plan(statement: str, parameters: dict[str, Any]) -> Any:
    """``EXPLAIN ANALYZE`` of ``statement`` with the plan PostgreSQL keeps for a prepared
    statement, made without the values (as the app's statements run from their sixth time on):
    prepared under a name, explained as executed with ``parameters``."""
    names: list[str] = []

    def numbered(match: re.Match[str]) -> str:
        if match.group(1) not in names:
            names.append(match.group(1))
        return f"${names.index(match.group(1)) + 1}"

    sql = re.sub(r"%\(([^)]+)\)s", numbered, statement).replace("%%", "%")
    conn = db.session.connection()
    conn.exec_driver_sql("SET plan_cache_mode = force_generic_plan")
    conn.exec_driver_sql("PREPARE generic_plan AS " + sql.replace("%", "%%"))
    try:
        driver = conn.connection.driver_connection
        arguments = ", ".join(
            psycopg_sql.Literal(parameters[name]).as_string(driver) for name in names
        )
        return conn.exec_driver_sql(
            f"EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE generic_plan({arguments})".replace("%", "%%")
        ).scalar_one()
    finally:
        conn.exec_driver_sql("DEALLOCATE generic_plan")
        conn.exec_driver_sql("RESET plan_cache_mode")


def rows_read(
    run: Callable[[], Any], relation: str, generic: bool = False, containing: str = ""
) -> int:
    """How many rows of ``relation`` the statements of ``run`` read (returned or filtered away
    by its scans, in every loop), from ``EXPLAIN ANALYZE``; ``generic``: with the plans kept
    for their prepared statements (`_generic_plan`); ``containing``: only the statements whose
    SQL holds that text."""
    with captured() as statements:
        run()
    conn = db.session.connection()
    read = 0
    for statement, parameters in statements:
        if containing not in statement:
            continue
        if generic:
            explained = _generic_plan(statement, parameters)
        else:
            explained = conn.exec_driver_sql(
                "EXPLAIN (ANALYZE, FORMAT JSON) " + statement, parameters
            ).scalar_one()
        for node in _nodes(explained[0]["Plan"]):
            if node.get("Relation Name") == relation:
                rows = node["Actual Rows"] + node.get("Rows Removed by Filter", 0)
                read += rows * node["Actual Loops"]
    return read


def test_the_coordinators_start_page_checks_few_claims_at_30000_volunteers(county):
    """ "Approved, without a task for three months": the index on (home municipality, status,
    last claim) leaves only the volunteers without a recent claim to be checked against their
    claims, not every approved volunteer of the scope, also in the plan PostgreSQL keeps for
    the statement (never claimed, and claimed before the day, are two ranges of the index)."""
    scale_data.insert_needs(1_000)
    scale_data.insert_volunteers(30_000)
    db.session.execute(  # every bulk volunteer approved long ago, with a claim 5 days ago
        text(
            "UPDATE volunteer_profile SET decided_at = submitted_at - interval '200 days' "
            "WHERE status = 'approved';"
            "INSERT INTO assignment (need_id, volunteer_id, status, claimed_at, reason) "
            "SELECT (SELECT min(id) FROM need) + p.id % 1000, p.id, 'completed', "
            "now() AT TIME ZONE 'UTC' - interval '5 days', '' "
            "FROM volunteer_profile p WHERE p.status = 'approved'"
        )
    )
    note_last_claims(db.session.connection())
    scale_data.analyze()
    # the town halls of a third of the county: a scope of many municipalities
    places = sorted(place.id for place in factories.reference_data().values())[::3]
    roles = [(Role.COORDINATOR, place, None) for place in places]
    coordinator = factories.user(roles=roles, email="koordination@example.org")
    db.session.commit()
    approved = db.session.scalar(
        select(func.count()).where(
            VolunteerProfile.home_municipality_id.in_(places),
            VolunteerProfile.status == "approved",
        )
    )
    assert approved > 2000
    with current_app.test_request_context("/"):
        work = partial(coordinator_work, coordinator)
        assert work()["idle"].count == 0
        assert_indexed(work, "volunteer_profile")
        assert rows_read(work, "assignment") <= 5
        idle = "last_claim_at IS NULL"
        assert rows_read(work, "volunteer_profile", generic=True, containing=idle) <= 5


def test_the_benchmark_baseline_walks_an_index_for_its_20_rows(county):
    """The benchmark's ratio is only fair while its bare page reads its 20 rows in index order
    (`bench/baseline.py`): a change to the board's indexes must not leave it sorting a
    municipality's needs."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "bench" / "baseline.py"
    spec = importlib.util.spec_from_file_location("bench_baseline", path)
    assert spec is not None and spec.loader is not None
    baseline = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(baseline)
    scale_data.insert_needs(30_000)
    scale_data.analyze()
    conn = db.session.connection()
    query = baseline.QUERY.replace("%s", ":municipality")
    explained = conn.execute(
        text("EXPLAIN (ANALYZE, FORMAT JSON) " + query), {"municipality": county["gaggenau"].id}
    ).scalar_one()
    nodes = list(_nodes(explained[0]["Plan"]))
    assert "Sort" not in {node["Node Type"] for node in nodes}, outline(nodes)
    read = sum(
        (node["Actual Rows"] + node.get("Rows Removed by Filter", 0)) * node["Actual Loops"]
        for node in nodes
        if node.get("Relation Name") == "need"
    )
    assert read == 20, outline(nodes)


def test_the_hours_of_a_quarter_are_read_from_the_municipalitys_reports(county):
    """The Pakt report's and the dashboard's hours of a quarter in one municipality read its
    reports of the quarter by index and look up each of their claims once, not every claim
    of the municipality's needs searched for reports; the sums are those of the plain join."""
    scale_data.insert_needs(20_000)
    scale_data.insert_reports(county["profile"].id)
    scale_data.analyze()
    place, period = county["buehl"].id, current_quarter()
    in_period = (
        select(Report.assignment_id, Report.minutes)
        .join(Assignment, Assignment.id == Report.assignment_id)
        .join(Need, Need.id == Assignment.need_id)
        .where(
            Need.municipality_id == place,
            Report.activity_on >= period.first,
            Report.activity_on <= period.last,
        )
    )
    reports = db.session.execute(in_period).all()
    claims = db.session.scalar(
        select(func.count(Assignment.id))
        .join(Need, Need.id == Assignment.need_id)
        .where(Need.municipality_id == place)
    )
    assert len(reports) > 50 and 2 * len(reports) < claims
    runs = (
        partial(pakt.hours_by_category, period, {place}),
        partial(figures.hours, period, {place}),
    )
    for run in runs:
        assert rows_read(run, "report") <= len(reports)
        assert rows_read(run, "assignment") <= len(reports)
    by_category = pakt.hours_by_category(period, {place})
    assert sum(by_category.values()) == sum(minutes for _claim, minutes in reports)
    assert sum(h for _c, h in figures.hours(period, {place})[0]) == pytest.approx(
        sum(minutes for _claim, minutes in reports) / 60, abs=0.5
    )
