"""What a manager enters for a need (`NeedInput`) and every rule it must meet before it is
saved: one message per field."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _

from portal.core.errors import ValidationFailed
from portal.core.formatting import hours_number
from portal.core.privacy_guard import HasIdentity, identity_errors
from portal.core.time import to_local, today_local, utcnow
from portal.needs.models import (
    Need,
    NeedCategory,
    NeedStatus,
    ScheduleKind,
)

ONCE = ScheduleKind.ONCE


WEEKLY = ScheduleKind.WEEKLY


PUBLISHABLE = (NeedStatus.DRAFT, NeedStatus.OPEN)
MAX_DURATION_MINUTES = 12 * 60


class NeedInvalid(ValidationFailed):
    """Several fields failed at once; ``errors`` maps field name to message."""

    def __init__(self, errors: dict[str, str]) -> None:
        first_field, first_message = next(iter(errors.items()))
        super().__init__(first_message, field=first_field)
        self.errors = errors


@dataclass
class NeedInput:
    """What a manager enters. Times are Europe/Berlin wall-clock times (naive)."""

    category: str
    title: str
    public_description: str
    municipality_id: int
    private_notes: str = ""
    meeting_point: str = ""
    languages: list[str] = field(default_factory=list)
    schedule_kind: str = ONCE
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    weekday: int | None = None
    time_of_day: time | None = None
    duration_minutes: int | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    capacity: int = 1
    requires_conduct_certificate: bool = False
    status: str = NeedStatus.DRAFT
    source_step_id: int | None = None

    @classmethod
    def from_need(cls, need: Need) -> NeedInput:
        return cls(
            category=need.category,
            title=need.title,
            public_description=need.public_description,
            municipality_id=need.municipality_id,
            private_notes=need.private_notes,
            meeting_point=need.meeting_point,
            languages=list(need.languages or []),
            schedule_kind=need.schedule_kind,
            starts_at=_local_minute(need.starts_at),
            ends_at=_local_minute(need.ends_at),
            weekday=need.weekday if need.schedule_kind == WEEKLY else None,
            time_of_day=need.time_of_day if need.schedule_kind == WEEKLY else None,
            duration_minutes=need.duration_minutes,
            starts_on=need.starts_on if need.schedule_kind == WEEKLY else None,
            ends_on=need.ends_on if need.schedule_kind == WEEKLY else None,
            capacity=need.capacity,
            requires_conduct_certificate=need.requires_conduct_certificate,
            status=NeedStatus.OPEN if need.status == NeedStatus.FILLED else need.status,
            source_step_id=need.source_step_id,
        )


def _local_minute(value: datetime | None) -> datetime | None:
    """A stored UTC time as Berlin wall-clock time, to the minute (as the form shows it)."""
    if value is None:
        return None
    return to_local(value).replace(tzinfo=None, second=0, microsecond=0)


def _now_local() -> datetime:
    return to_local(utcnow()).replace(tzinfo=None)


def client_identity_errors(texts: NeedInput | Need, client: HasIdentity | None) -> dict[str, str]:
    """The fields volunteers read (title, description, meeting point) that name ``client`` or
    carry a client reference: one message per field. Every path that sets a need's text
    (publish, edit, duplicate) checks it."""
    return identity_errors(
        {
            "title": (_("Titel"), texts.title),
            "public_description": (_("Öffentliche Beschreibung"), texts.public_description),
            "meeting_point": (_("Treffpunkt"), texts.meeting_point),
        },
        client,
    )


def validate(data: NeedInput, need: Need | None = None) -> dict[str, str]:
    """All field errors of ``data`` (empty when valid). ``need`` is the need being edited:
    dates it already had are not refused for lying in the past."""
    errors: dict[str, str] = {}
    if not NeedCategory.has(data.category):
        errors["category"] = _("Bitte wählen Sie eine Kategorie.")
    if not data.title.strip():
        errors["title"] = _("Bitte geben Sie einen Titel ein.")
    if not data.public_description.strip():
        errors["public_description"] = _("Bitte beschreiben Sie die Aufgabe.")
    if data.capacity is None or data.capacity < 1:
        errors["capacity"] = _("Es muss mindestens eine Person gesucht werden.")
    elif need is not None and data.capacity < need.taken:
        errors["capacity"] = _(
            "Es haben bereits %(n)d Personen zugesagt; weniger Plätze sind nicht möglich.",
            n=need.taken,
        )
    if data.status not in PUBLISHABLE:
        errors["status"] = _("Bitte wählen Sie Entwurf oder veröffentlicht.")
    elif data.status == NeedStatus.DRAFT and need is not None and need.taken > 0:
        errors["status"] = _(
            "Es gibt bereits Zusagen; der Bedarf kann nicht zurück in den Entwurf."
        )
    now = _now_local()
    today = today_local()
    old = NeedInput.from_need(need) if need is not None else None
    if data.schedule_kind == ONCE:
        if data.starts_at is None:
            errors["starts_at"] = _("Bitte geben Sie den Beginn an.")
        elif data.starts_at < now and (old is None or old.starts_at != data.starts_at):
            errors["starts_at"] = _("Der Beginn darf nicht in der Vergangenheit liegen.")
        if data.ends_at is None:
            errors["ends_at"] = _("Bitte geben Sie das Ende an.")
        elif data.starts_at is not None and data.ends_at <= data.starts_at:
            errors["ends_at"] = _("Das Ende muss nach dem Beginn liegen.")
        elif data.starts_at is not None and data.ends_at - data.starts_at > timedelta(days=1):
            errors["ends_at"] = _(
                "Ein einmaliger Termin dauert höchstens einen Tag; für mehr wählen Sie "
                "„wöchentlich“."
            )
    elif data.schedule_kind == WEEKLY:
        if data.weekday is None or not 0 <= data.weekday <= 6:
            errors["weekday"] = _("Bitte wählen Sie einen Wochentag.")
        if data.time_of_day is None:
            errors["time_of_day"] = _("Bitte geben Sie die Uhrzeit an.")
        if not data.duration_minutes or data.duration_minutes < 1:
            errors["duration_minutes"] = _(
                "Bitte geben Sie die Dauer in Stunden an, zum Beispiel 1,5."
            )
        elif data.duration_minutes > MAX_DURATION_MINUTES:
            errors["duration_minutes"] = _(
                "Höchstens %(hours)s Stunden.", hours=hours_number(MAX_DURATION_MINUTES)
            )
        if data.starts_on is None:
            errors["starts_on"] = _("Bitte geben Sie das erste Datum an.")
        elif data.starts_on < today and (old is None or old.starts_on != data.starts_on):
            errors["starts_on"] = _("Das erste Datum darf nicht in der Vergangenheit liegen.")
        if data.ends_on is not None:
            if data.starts_on is not None and data.ends_on < data.starts_on:
                errors["ends_on"] = _("Das letzte Datum darf nicht vor dem ersten liegen.")
            elif data.ends_on < today and (old is None or old.ends_on != data.ends_on):
                errors["ends_on"] = _("Das letzte Datum darf nicht in der Vergangenheit liegen.")
    else:
        errors["schedule_kind"] = _("Bitte wählen Sie einmalig oder wöchentlich.")
    return errors
