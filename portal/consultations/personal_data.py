"""What consultation hours hold about a person.

- ``client_parts(client)``: a client's appointments and home visits, for the client's record
  (the subject-access export a manager makes, `portal.privacy.client_record`).
- ``collect(user)``: for the self-service export of a manager, the consultation hours they hold
  and the appointments and home visits they recorded (by the clients' references only).
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload

from portal.auth.models import User
from portal.consultations.models import Appointment, ConsultationHours, HomeVisit
from portal.core.personal_data import Field, Part
from portal.extensions import db
from portal.plans.models import Client

_APPOINTMENT_FIELDS = [
    Field("on_date", _("Datum")),
    Field("slot_start", _("Beginn")),
    Field("slot_end", _("Ende")),
    Field("place", _("Ort")),
    Field("status", _("Stand"), "appointment_status"),
    Field("need_id", _("Begleitung (Bedarf Nummer)")),
]


def _appointment_row(a: Appointment) -> dict[str, object]:
    return {
        "on_date": a.on_date,
        "slot_start": a.slot_start.isoformat("minutes"),
        "slot_end": a.slot_end.isoformat("minutes"),
        "place": a.hours.place.name,
        "status": a.status,
        "need_id": a.need_id,
    }


def _visit_row(v: HomeVisit) -> dict[str, object]:
    return {
        "visited_on": v.visited_on,
        "place_type": v.place_type,
        "topics": v.topics,
        "hours": round(v.duration_minutes / 60, 2),
    }


_VISIT_FIELDS = [
    Field("visited_on", _("Datum des Besuchs")),
    Field("place_type", _("Ort"), "visit_place"),
    Field("topics", _("Themen"), "consultation_topic"),
    Field("hours", _("Stunden")),
]


def client_parts(client: Client) -> list[Part]:
    appointments = db.session.scalars(
        select(Appointment)
        .where(Appointment.client_id == client.id)
        .options(joinedload(Appointment.hours).joinedload(ConsultationHours.place))
        .order_by(Appointment.on_date, Appointment.slot_start)
    )
    visits = db.session.scalars(
        select(HomeVisit)
        .where(HomeVisit.client_id == client.id)
        .options(selectinload(HomeVisit.topic_rows))
        .order_by(HomeVisit.visited_on, HomeVisit.id)
    )
    return [
        Part("appointments", _("Termine in Sprechstunden"), _APPOINTMENT_FIELDS,
             [_appointment_row(a) for a in appointments]),
        Part("home_visits", _("Hausbesuche"), _VISIT_FIELDS, [_visit_row(v) for v in visits]),
    ]  # fmt: skip


def collect(user: User) -> list[Part]:
    hours = list(
        db.session.scalars(
            select(ConsultationHours)
            .where(ConsultationHours.manager_id == user.id)
            .options(joinedload(ConsultationHours.place))
            .order_by(ConsultationHours.id)
        )
    )
    if not hours and not db.session.scalar(
        select(HomeVisit.id).where(HomeVisit.manager_id == user.id).limit(1)
    ):
        return []
    booked = db.session.execute(
        select(Appointment, Client.reference)
        .join(Client, Client.id == Appointment.client_id, isouter=True)
        .where(
            or_(
                Appointment.booked_by_id == user.id,
                Appointment.hours_id.in_([h.id for h in hours] or [-1]),
            )
        )
        .options(joinedload(Appointment.hours).joinedload(ConsultationHours.place))
        .order_by(Appointment.on_date, Appointment.slot_start)
    ).all()
    return [
        Part(
            "consultation_hours",
            _("Ihre Sprechstunden"),
            [
                Field("place", _("Ort")),
                Field("weekday", _("Wochentag"), "weekday"),
                Field("starts_at", _("Beginn")),
                Field("ends_at", _("Ende")),
                Field("recurrence", _("Wie oft"), "recurrence"),
                Field("valid_from", _("Erstes Datum")),
                Field("valid_until", _("Letztes Datum")),
            ],
            [
                {
                    "place": h.place.name,
                    "weekday": h.weekday,
                    "starts_at": h.starts_at.isoformat("minutes"),
                    "ends_at": h.ends_at.isoformat("minutes"),
                    "recurrence": h.recurrence,
                    "valid_from": h.valid_from,
                    "valid_until": h.valid_until,
                }
                for h in hours
            ],
        ),
        Part(
            "consultation_appointments",
            _("Termine in Ihren Sprechstunden"),
            [Field("reference", _("Aktenzeichen")), *_APPOINTMENT_FIELDS],
            [{"reference": ref, **_appointment_row(a)} for a, ref in booked],
        ),
    ]
