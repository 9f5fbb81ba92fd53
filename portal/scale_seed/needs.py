"""Needs with history for the scale data set: open, filled, completed, cancelled and draft
needs, their languages, claims (active, completed, withdrawn) and reports with hours."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as dtime

from portal.core.time import local_to_utc
from portal.needs.models import AssignmentStatus, NeedCategory, NeedStatus, ScheduleKind
from portal.needs.report_models import note_reported_claims
from portal.needs.rules import active_claims_limit
from portal.needs.schedule import FIELDS as SCHEDULE_FIELDS
from portal.scale_seed.people import CATEGORIES, FOREIGN_LANGUAGES, World
from portal.volunteers.models import note_last_claims

#: Share of each status among the generated needs (cumulative thresholds).
STATUS_SHARES = (
    (0.50, NeedStatus.OPEN),
    (0.55, NeedStatus.FILLED),
    (0.90, NeedStatus.COMPLETED),
    (0.98, NeedStatus.CANCELLED),
    (1.00, NeedStatus.DRAFT),
)
NEED_COLUMNS = (
    "id",
    "source_step_id",
    "category",
    "title",
    "public_description",
    "private_notes",
    "municipality_id",
    "meeting_point",
    *SCHEDULE_FIELDS,
    "first_on",
    "capacity",
    "taken",
    "requires_conduct_certificate",
    "status",
    "cancel_reason",
    "created_by_id",
    "created_at",
    "updated_at",
    "language_codes",
)
ASSIGNMENT_COLUMNS = (
    "id",
    "need_id",
    "volunteer_id",
    "status",
    "claimed_at",
    "ended_at",
    "reason",
    "reminder_sent_at",
)
REPORT_COLUMNS = (
    "id",
    "assignment_id",
    "activity_on",
    "minutes",
    "outcome",
    "follow_up_needed",
    "concern",
    "concern_raised",
    "acknowledged_by_id",
    "acknowledged_at",
    "created_at",
    "municipality_id",
    "volunteer_id",
)
AUDIT_COLUMNS = (
    "id",
    "at",
    "actor_id",
    "action",
    "object_type",
    "object_id",
    "municipality_id",
    "details",
)


@dataclass
class Done:
    """A completed claim reports can be written for."""

    assignment_id: int
    volunteer_id: int
    starts_on: date
    weekly: bool
    manager_id: int
    municipality_id: int


class NeedMaker:
    """Streams need rows into COPY and remembers what claims and reports need to know."""

    def __init__(self, world: World, count: int) -> None:
        self.world, self.count = world, count
        self.first_need = world.writer.next_id("need")
        self.next_assignment = world.writer.next_id("assignment")
        self.municipalities = [m for county in world.counties for m in county]
        self.languages: list[tuple[int, str, int]] = []
        self.assignments: list[tuple] = []
        self.done: list[Done] = []
        self.audit: list[tuple[int, int, int, datetime]] = []  # need, municipality, actor, at
        # active claims per volunteer: none holds more than the portal lets one claim
        self.active: Counter[int] = Counter()
        self.active_limit = active_claims_limit()

    def rows(self) -> Iterator[tuple]:
        rng, world = self.world.rng, self.world
        first_county = set(world.counties[0])
        for i in range(self.count):
            nid = self.first_need + i
            # a tenth of the needs in the first county, so that its boards are well filled
            if i % 10 == 0:
                mid = world.counties[0][i // 10 % len(world.counties[0])]
            else:
                mid = self.municipalities[rng.randrange(len(self.municipalities))]
            draw, status = rng.random(), NeedStatus.DRAFT
            for share, candidate in STATUS_SHARES:
                if draw < share:
                    status = candidate
                    break
            past = status in (NeedStatus.COMPLETED, NeedStatus.CANCELLED)
            category = CATEGORIES[i % len(CATEGORIES)]
            start_day = world.today + (
                timedelta(days=-rng.randint(8, 1000))
                if past
                else timedelta(days=rng.randint(1, 180))
            )
            weekly = rng.random() < 0.3
            capacity = rng.randint(1, 3)
            people = len(world.profiles)  # never more claims than approved volunteers
            if status == NeedStatus.FILLED:
                capacity = min(capacity, people) or 1
                status = NeedStatus.FILLED if people else NeedStatus.OPEN
            taken = {
                NeedStatus.OPEN: min(rng.randint(0, capacity - 1), people),
                NeedStatus.FILLED: capacity,
            }.get(status, 0)
            manager = world.manager_of[mid]
            created = datetime.combine(start_day, dtime(9)) - timedelta(days=rng.randint(5, 40))
            created = min(created, world.now)
            schedule = self._schedule(start_day, weekly, past)
            wanted = rng.sample(FOREIGN_LANGUAGES, rng.randint(0, 2))
            yield (
                nid,
                None,
                category,
                f"Bedarf {nid}",
                "Begleitung zu einem Termin, etwa anderthalb Stunden.",
                "",
                mid,
                "Rathaus",
                *schedule,
                capacity,
                taken,
                category == NeedCategory.YOUTH_FAMILY,
                status,
                "Termin entfällt" if status == NeedStatus.CANCELLED else "",
                manager,
                created,
                created,
                wanted,
            )
            # the link rows and the list on the need row, as `Need.languages` writes them
            for position, code in enumerate(wanted):
                self.languages.append((nid, code, position))
            self.audit.append((nid, mid, manager, created))
            if status != NeedStatus.DRAFT:
                self._claims(
                    nid,
                    mid,
                    status,
                    capacity,
                    taken,
                    start_day,
                    weekly,
                    created,
                    mid in first_county,
                )

    def _schedule(self, day: date, weekly: bool, past: bool) -> tuple:
        rng = self.world.rng
        if weekly:
            last = day + timedelta(weeks=rng.randint(4, 26))
            if past:
                last = min(last, self.world.today - timedelta(days=1))
            weekday = rng.randint(0, 6)
            return (
                ScheduleKind.WEEKLY,
                None,
                None,
                weekday,
                dtime(rng.choice((9, 15, 18))),
                60,
                day,
                last,
                # as the model's save hook derives it: the first weekday on or after the start
                day + timedelta(days=(weekday - day.weekday()) % 7),
            )
        at = dtime(rng.randint(8, 19))
        start = local_to_utc(datetime.combine(day, at))
        return (
            ScheduleKind.ONCE,
            start,
            start + timedelta(minutes=90),
            day.weekday(),
            at,
            None,
            day,
            day,
            day,
        )

    def _claims(
        self,
        nid: int,
        mid: int,
        status: str,
        capacity: int,
        taken: int,
        day: date,
        weekly: bool,
        created: datetime,
        first_county: bool,
    ) -> None:
        world, rng = self.world, self.world.rng
        if status == NeedStatus.COMPLETED:
            state, count = AssignmentStatus.COMPLETED, rng.randint(1, capacity)
        elif status == NeedStatus.CANCELLED:
            state, count = AssignmentStatus.RELEASED, rng.randint(0, 1)
        else:
            state, count = AssignmentStatus.ACTIVE, taken
        people = self._volunteers(mid, count, first_county, state == AssignmentStatus.ACTIVE)
        claimed = created + timedelta(days=1)
        ended = datetime.combine(day, dtime(18)) if state != AssignmentStatus.ACTIVE else None
        for volunteer in people:
            aid = self.next_assignment
            self.next_assignment += 1
            reason = "Termin entfällt" if state == AssignmentStatus.RELEASED else ""
            self.assignments.append((aid, nid, volunteer, state, claimed, ended, reason, None))
            if state == AssignmentStatus.COMPLETED:
                self.done.append(Done(aid, volunteer, day, weekly, world.manager_of[mid], mid))
        if status == NeedStatus.OPEN and rng.random() < 0.05 and self.world.profiles:
            # a claim given back earlier: history on an open need
            volunteer = self.world.profiles[rng.randrange(len(self.world.profiles))]
            if volunteer not in people:
                self.assignments.append(
                    (
                        self.next_assignment,
                        nid,
                        volunteer,
                        AssignmentStatus.WITHDRAWN,
                        claimed,
                        claimed + timedelta(days=1),
                        "",
                        None,
                    )
                )
                self.next_assignment += 1

    def _volunteers(self, mid: int, count: int, first_county: bool, active: bool) -> list[int]:
        """`count` different approved volunteers, preferably from the need's municipality; for
        active claims (which the special volunteer may hold in the first county) only those
        who hold fewer than the portal's limit."""
        pool = self.world.locals.get(mid) or []
        if len(pool) < count + 1:
            pool = self.world.profiles
        if not pool or count == 0:
            return []
        rng = self.world.rng

        def free(candidate: int) -> bool:
            return not active or self.active[candidate] < self.active_limit

        chosen: list[int] = []
        if first_county and active and rng.random() < 0.05:
            special = self.world.special["volunteer"]
            if free(special):
                chosen.append(special)
        start = rng.randrange(len(pool))
        for k in range(len(pool)):
            if len(chosen) >= count:
                break
            candidate = pool[(start + k) % len(pool)]
            if candidate not in chosen and free(candidate):
                chosen.append(candidate)
        if active:
            self.active.update(chosen[:count])
        return chosen[:count]


def needs(world: World, count: int) -> NeedMaker:
    maker = NeedMaker(world, count)
    writer = world.writer
    writer.write("need", NEED_COLUMNS, maker.rows())
    writer.write("need_language", ("need_id", "code", "position"), maker.languages)
    writer.write("assignment", ASSIGNMENT_COLUMNS, maker.assignments)
    note_last_claims(writer.connection)
    first_event = writer.next_id("audit_event")
    writer.write(
        "audit_event",
        AUDIT_COLUMNS,
        (
            (first_event + k, at, actor, "need.created", "need", nid, mid, "{}")
            for k, (nid, mid, actor, at) in enumerate(maker.audit)
        ),
    )
    return maker


def reports(world: World, maker: NeedMaker, count: int) -> int:
    """`count` reports over the completed claims: one per appointment, weekly needs get a
    report a week; 2 % raise a concern (most of them acknowledged)."""
    done = maker.done
    if not done or count == 0:
        return 0
    writer, rng = world.writer, world.rng
    first = writer.next_id("report")
    yesterday = world.today - timedelta(days=1)

    def rows() -> Iterator[tuple]:
        for j in range(count):
            claim = done[j % len(done)]
            week = j // len(done)
            day = min(claim.starts_on + timedelta(weeks=week), yesterday)
            created = datetime.combine(day, dtime(20))
            concern = rng.random() < 0.02
            acknowledged = concern and rng.random() < 0.7
            yield (
                first + j,
                claim.assignment_id,
                day,
                rng.choice((30, 45, 60, 90, 120, 180)),
                "Termin wahrgenommen, alles in Ordnung.",
                rng.random() < 0.05,
                "Bitte Rückruf" if concern else "",
                concern,
                claim.manager_id if acknowledged else None,
                created + timedelta(days=1) if acknowledged else None,
                created,
                claim.municipality_id,
                claim.volunteer_id,
            )

    written = writer.write("report", REPORT_COLUMNS, rows())
    note_reported_claims(writer.connection)
    return written
