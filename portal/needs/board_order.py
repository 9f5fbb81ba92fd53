"""The board's order in index order: the next needs by date, read from a bounded number of
index ranges, so that a page costs the same whether 100 or 200,000 needs are open.

A need's place on the board is its next appointment from the first day of the period ``W``
(today, or a later "from" day). That key is not a stored column (it moves with the clock), but
every need falls into one of two streams:

- dated needs (stream ``A``): one-off needs, and weekly needs whose first day lies after ``W``.
  Their next appointment is their first one: ``first_on`` + ``time_of_day``, read in the order
  of ``ix_need_board_first`` (status, first_on, time_of_day, id), at most ``limit`` of them.
- running weekly needs (stream ``B``): those that have started by ``W``, of the weekdays that
  lie in the period, read by ``ix_need_board_running`` (status, kind, weekday, first_on; a
  range: the ones that have not started are not read; those without a first day are a range of
  their own). Their next appointment is the first of their weekday from ``W`` on (today's only
  if not yet over, else a week later), computed from the weekday, and the first ``limit`` of
  them by it are kept.

The union of both, sorted by the key, holds the first ``limit`` needs of the board. The key is
the local wall-clock time of the next appointment in seconds since 1970, computed alike on
SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    Date,
    Integer,
    and_,
    bindparam,
    case,
    cast,
    extract,
    func,
    or_,
    select,
    union_all,
)
from sqlalchemy.sql import Subquery

from portal.core.time import to_local
from portal.needs.models import Need, ScheduleKind

DAY = 86400
EPOCH = date(1970, 1, 1)
DEFAULT_MINUTES = 60


def seconds(day: date) -> int:
    return (day - EPOCH).days * DAY


def _int(expr: Any) -> Any:
    """Whole seconds: PostgreSQL's ``extract`` gives numeric, integer arithmetic is cheaper."""
    return cast(expr, BigInteger)


def time_seconds(column: Any) -> Any:
    """Seconds since midnight of a time column (to the minute) in SQL."""
    return _int(extract("hour", column)) * 3600 + _int(extract("minute", column)) * 60


def day_seconds(column: Any) -> Any:
    """Seconds since 1970 of a date column (midnight, no time zone) in SQL."""
    return _int(extract("epoch", column))


class Period:
    """The days the board looks at: from ``first`` (today or later) to ``last`` (or open).

    Its SQL holds no values, only bind parameters (`params`): a statement built for one period
    serves every period of the same `shape` (whether today's appointments are partly over,
    whether there is a last day, which weekday streams lie in the period)."""

    def __init__(self, now: datetime, first: date, last: date | None) -> None:
        local_now = to_local(now)
        self.first = first
        self.last = last
        # today's weekly appointments that are already over come round again in a week
        self.today_over = first == local_now.date()
        self.clock = local_now.hour * 3600 + local_now.minute * 60 + local_now.second
        self.offsets = tuple(offset for offset in range(8) if self._runs(offset))

    def _runs(self, offset: int) -> bool:
        """Whether stream B<offset> lies in the period."""
        if offset == 7 and not self.today_over:
            return False
        return self.last is None or self.first + timedelta(days=offset) <= self.last

    @property
    def shape(self) -> tuple[Any, ...]:
        return (self.today_over, self.last is not None, self.offsets)

    def params(self) -> dict[str, Any]:
        """The values of the period's bind parameters."""
        values: dict[str, Any] = {"period_first": self.first, "period_clock": self.clock}
        if self.last is not None:
            values["period_last"] = self.last
        for offset in self.offsets:
            day = self.first + timedelta(days=offset)
            values[f"period_day{offset}"] = day
            values[f"period_weekday{offset}"] = day.weekday()
            values[f"period_key{offset}"] = seconds(day)
        return values

    def _over(self) -> Any:
        end = time_seconds(Need.time_of_day) + func.coalesce(Need.duration_minutes, 60) * 60
        return end <= bindparam("period_clock", type_=Integer)

    def dated(self) -> list[Any]:
        """Stream A: needs whose next appointment is their first one."""
        weekly = Need.schedule_kind == ScheduleKind.WEEKLY
        first = bindparam("period_first", type_=Date)
        clauses = [
            Need.first_on >= first,
            or_(~weekly, Need.first_on > first),
            or_(~weekly, Need.ends_on.is_(None), Need.first_on <= Need.ends_on),
        ]
        if self.last is not None:
            clauses.append(Need.first_on <= bindparam("period_last", type_=Date))
        return clauses

    def has_day(self) -> Any:
        """Whether a need has an appointment in the period (in either stream)."""
        if not self.weekdays():
            return and_(*self.dated())
        return or_(and_(*self.dated()), and_(*self.running()))

    def weekdays(self) -> list[Any]:
        """The bind parameters of the weekdays whose running appointments lie in the period."""
        return [
            bindparam(f"period_weekday{offset}", type_=Integer)
            for offset in self.offsets
            if offset < 7
        ]

    def running(self, dated: bool | None = None) -> list[Any]:
        """Stream B: weekly needs already running that have an appointment in the period (on
        one of its weekdays, before their last day; today's only if not over, unless a week
        later lies in the period too). ``dated``: only those with a first day (True), only
        those without (False), or both (None; two index ranges, which a bitmap may join or
        each be read on its own)."""
        first = bindparam("period_first", type_=Date)
        started = {
            None: or_(Need.first_on.is_(None), Need.first_on <= first),
            True: Need.first_on <= first,
            False: Need.first_on.is_(None),
        }[dated]
        clauses = [
            Need.schedule_kind == ScheduleKind.WEEKLY,
            Need.weekday.in_(self.weekdays()),
            started,
            or_(Need.ends_on.is_(None), day_seconds(Need.ends_on) >= self.running_day()),
        ]
        if self.today_over:
            today = Need.weekday != bindparam("period_weekday0", type_=Integer)
            # today's appointment, if not over; else a week later, if in the period
            clauses.append(
                or_(today, ~self._over() if 7 not in self.offsets else self._over().is_not(None))
            )
        return clauses

    def next_key(self) -> Any:
        """A need's next appointment from the period's first day (seconds since 1970, as the
        board orders): a one-off need's start, a weekly need's first day if it lies ahead,
        else its weekday's next occurrence (`running_day`)."""
        tod = func.coalesce(time_seconds(Need.time_of_day), 0)
        dated = day_seconds(Need.first_on) + tod
        return case(
            (Need.schedule_kind != ScheduleKind.WEEKLY, dated),
            (and_(*self.dated()), dated),
            else_=self.running_day() + tod,
        )

    def running_day(self) -> Any:
        """The day (seconds since 1970) of a running weekly need's next appointment: its
        weekday's from the first day of the period on, a week later for today's that is over."""
        first = bindparam("period_key0", type_=BigInteger)
        weekday = bindparam("period_weekday0", type_=Integer)
        days = (Need.weekday - weekday + 7) % 7
        if self.today_over:
            days = days + case((and_(Need.weekday == weekday, self._over()), 7), else_=0)
        return first + days * DAY


def window(
    conditions: list[Any],
    period: Period,
    limit: Any,
    columns: tuple[Any, ...] = (),
    scopes: tuple[tuple[list[Any], bool], ...] = (([], True),),
) -> Subquery:
    """``(id, key, *columns)`` of the first ``limit`` needs meeting ``conditions`` by next
    appointment; ``limit`` is a number or a bind parameter. The needs are read once for each of
    ``scopes``: further clauses (ways to read the same needs, of which the statement runs the
    one whose condition holds), and whether to read them in index order: at most ``limit``
    dated needs, and the running weekly needs of the period's weekdays that have started (never
    the whole table); or else all of them at once (a few municipalities' needs, read by
    municipality), to be sorted."""
    tod = func.coalesce(time_seconds(Need.time_of_day), 0)
    dated_key = day_seconds(Need.first_on) + tod
    parts = []
    for number, (scope, in_index_order) in enumerate(scopes):
        if not in_index_order:
            clauses, key = and_(*period.dated()), dated_key
            if period.weekdays():
                key = case((clauses, dated_key), else_=period.running_day() + tod)
                clauses = or_(clauses, and_(*period.running()))
            every = select(Need.id.label("id"), key.label("key"), *columns).where(
                *conditions, *scope, clauses
            )
            parts.append(select(*every.subquery(f"every{number}").c))
            continue
        dated = (
            select(Need.id.label("id"), dated_key.label("key"), *columns)
            .where(*conditions, *scope, *period.dated())
            .order_by(Need.first_on, Need.time_of_day, Need.id)
            .limit(limit)
            .subquery(f"dated{number}")
        )
        parts.append(select(*dated.c))
        if period.weekdays():
            # those with a first day and those without, each an index range of its own (as
            # one, an OR, the planner may read every need of a category to find them)
            running_key = (period.running_day() + tod).label("key")
            for dated_part in (True, False):
                running = (
                    select(Need.id.label("id"), running_key, *columns)
                    .where(*conditions, *scope, *period.running(dated_part))
                    .order_by(running_key, Need.id)
                    .limit(limit)
                    .subquery(f"running{number}{'d' if dated_part else 'n'}")
                )
                parts.append(select(*running.c))
    return union_all(*parts).subquery("upcoming")
