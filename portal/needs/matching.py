"""The volunteers' task board: the open needs a volunteer may take, filtered, ranked by how well
they fit the volunteer, and paged — all in SQL, on the volunteer's link tables
(`volunteer_language`, `volunteer_interest`, `volunteer_availability`) and the need's languages
as the indexed list on its row (`Need.language_codes`, kept with the `need_language` rows).

A page costs one statement whatever the number of needs (filtered by a language, now and then
a bounded count more: `language_demand`). By fit, the first `COUNT_LIMIT` + 1
needs in index order (see `board_order`) are read once, as narrow rows: their number is the
bounded count, and the first `FIT_WINDOW` of them are ranked. By date, the page's needs are the
next ones in index order, and the bounded count reads the volunteer's municipalities one by one
(or, for one who helps in very many, in date order). A volunteer who helps in a few
municipalities has their needs read by municipality rather than in date order
(`NARROW_SCOPE`); filtered by a language few needs ask for, one who helps in many has that
language's needs read instead (`_reads_language_needs`). The page is then joined to what its
cards show (municipality, languages, the reasons they fit and whether the volunteer holds
them). The statement is built once per process for each combination of filters and holds bind
parameters only (`portal.needs.board_sql`), so PostgreSQL keeps one plan for it; the cards are
rows (`BoardNeed`), not mapped objects.

Sorting "by date" means by the next appointment: for a one-off need its start, for a weekly need
the first of its days from today (or the start of the chosen period) on, skipping today's if it
is already over; needs starting at the same time keep the order they were published in. A
weekly need with no appointment left in the period is not listed. Sorting "by fit" ranks the
next `FIT_WINDOW` needs by date by their score (best first, then by date).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, NamedTuple, Protocol

from portal.core.pagination import ListPage
from portal.core.time import today_local, utcnow
from portal.extensions import db
from portal.municipalities.options import catalogue
from portal.needs import language_demand
from portal.needs.board_order import Period
from portal.needs.board_sql import CARD_COLUMNS, Shape, range_params, statement
from portal.needs.schedule import Schedule

FAR_FUTURE = datetime(9999, 12, 31)


class Volunteer(Protocol):
    """What the board asks of a volunteer: a `VolunteerProfile` or the board's own light row
    (`portal.volunteers.queries.board_profile`)."""

    @property
    def id(self) -> int: ...

    @property
    def home_municipality_id(self) -> int: ...


@dataclass
class BoardFilters:
    municipality_id: int | None = None
    category: str | None = None
    language: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    weekday: int | None = None
    fits: bool = False
    sort: str = "date"


class Place(NamedTuple):
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class BoardNeed(Schedule):
    """What a card of the board shows of a need: a row, not a mapped object (no identity map,
    no relationship loading for the 25 cards of a page). Attribute names are `Need`'s, so the
    schedule filter and the templates read it alike; the schedule's fields come first (its
    statement selects `CARD_COLUMNS` in this order)."""

    id: int
    title: str
    category: str
    public_description: str
    first_on: date | None
    capacity: int
    taken: int
    requires_conduct_certificate: bool
    municipality_id: int
    municipality: Place
    languages: tuple[str, ...]


@dataclass
class BoardEntry:
    need: BoardNeed
    score: int
    reasons: list[str] = field(default_factory=list)
    claimed: bool = False


REASONS = ("language", "interest", "availability", "home")


COUNT_LIMIT = 500
"""The board counts at most this many needs ("more than 500"): counting never reads the scope."""

FIT_WINDOW = 500
"""Sorting by fit ranks the next this-many needs by date (with the filters applied), so the
cost stays the same however many needs are open; a need further ahead than that appears when
the volunteer narrows the filters (place, category, period)."""


NARROW_SCOPE = 20
"""A volunteer who helps in fewer municipalities than this has the board's needs read by
municipality, else in date order (`portal.needs.board_scope.scopes`)."""

LANGUAGE_SHARE = 18
"""Sorted by fit and filtered by a language, the board of a volunteer who helps in fewer than
this fraction of all municipalities (1/18: 61 of Baden-Württemberg's 1,100) is read by
municipality too, if that is more than `NARROW_SCOPE`. The window of `FIT_WINDOW` needs in date
order then lies several times as far ahead (the walk passes the needs of the other languages),
while by municipality only the scope's own needs are read, from the index alone: for a county
of 26 municipalities at 200,000 needs, 16 ms → 6 ms of database time. In a deployment of one
county the share is below `NARROW_SCOPE`, which then decides as for every board. By date the
page needs only its own rows from the walk, which stays the cheaper way."""

COUNT_NARROW = 100
"""By date, the board counts the needs of a volunteer who helps in fewer municipalities than
this municipality by municipality, else in date order (`portal.needs.board_scope`)."""


def _narrow_scope(filters: BoardFilters) -> int:
    """Up to how many municipalities the board reads the volunteer's needs by municipality."""
    if filters.language and filters.sort == "fit":
        return max(NARROW_SCOPE, len(catalogue().order) // LANGUAGE_SHARE)
    return NARROW_SCOPE


def _params(
    profile: Volunteer, filters: BoardFilters, period: Period, now: datetime, today: date
) -> dict[str, Any]:
    """The values of a board page's bind parameters."""
    values: dict[str, Any] = {
        "volunteer": profile.id,
        "home": profile.home_municipality_id,
        "now": now,
        "today": today,
        "count_limit": max(COUNT_LIMIT + 1, FIT_WINDOW),
        "fit_window": FIT_WINDOW,
        "narrow": _narrow_scope(filters),
        "count_narrow": COUNT_NARROW,
        **period.params(),
        **range_params(filters.date_from, filters.date_to),
    }
    if filters.municipality_id:
        values["municipality"] = filters.municipality_id
    if filters.category:
        values["category"] = filters.category
    if filters.language:
        values["language"] = filters.language
    if filters.weekday is not None:
        values["weekday"] = filters.weekday
    return values


def _reads_language_needs(filters: BoardFilters, helps_in: int | None) -> bool:
    """Whether the board reads the needs of the filtered language rather than walking the
    volunteer's needs (`portal.needs.board_scope.from_language_needs`): for a rare language
    (`language_demand.is_rare`), when the volunteer's needs are walked in date order (they help
    in `_narrow_scope` further municipalities or more; ``helps_in``: in how many, home included;
    None: not known). Read by municipality, a few municipalities' needs cost less."""
    if not filters.language:
        return False
    if helps_in is not None and helps_in - 1 < _narrow_scope(filters):
        return False
    return language_demand.is_rare(filters.language)


def board(
    profile: Volunteer,
    filters: BoardFilters,
    page: int = 1,
    per_page: int = 25,
    helps_in: int | None = None,
) -> ListPage:
    """Open needs of the volunteer's municipalities that still have an appointment in the
    period, filtered, ranked and paginated in SQL: one statement (the bounded count, and the
    page with what its cards show, languages included); a second one only when the page asked
    for lies beyond the last. ``helps_in``: the number of municipalities the volunteer helps
    in, home included, if known (`_reads_language_needs`)."""
    now, today = utcnow(), today_local()
    period = Period(now, max(filters.date_from or today, today), filters.date_to)
    shape = Shape.of(filters, period, _reads_language_needs(filters, helps_in))
    page_statement = statement(shape, period)
    params = _params(profile, filters, period, now, today)
    connection = db.session.connection()

    def run(number: int) -> tuple[int, list[Any]]:
        offset = (number - 1) * per_page
        # never past the needs counted (the statement reads one more, to know there are more)
        shown = min(per_page, COUNT_LIMIT - offset)
        params.update(per_page=shown, offset=offset, window=offset + shown)
        rows = connection.execute(page_statement, params).all()
        return rows[0].counted, [row for row in rows if row.id is not None]

    page = max(1, min(page, math.ceil(COUNT_LIMIT / per_page)))
    counted, rows = run(page)
    total = min(counted, COUNT_LIMIT)
    last = math.ceil(total / per_page) or 1
    if page > last:
        page = last
        counted, rows = run(page)

    items = []
    for row in rows:
        need = BoardNeed(  # type: ignore[call-arg]
            *row[1 : len(CARD_COLUMNS) + 1],
            Place(row.municipality_id, row.municipality_name),
            tuple(row.languages),
        )
        reasons = [reason for reason in REASONS if row._mapping[reason]]
        items.append(BoardEntry(need, int(row.score), reasons, bool(row.claimed)))
    return ListPage(
        items=items, page=page, per_page=per_page, total=total, more=counted > COUNT_LIMIT
    )
