"""Forms for places, consultation hours, date exceptions, bookings, walk-ins and home visits."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.consultations.bookings import VisitInput
from portal.consultations.models import Booking, PlaceKind, Recurrence, Topic
from portal.consultations.services import HoursInput, PlaceInput
from portal.core import labels
from portal.core.forms import HoursField, MultiCheckboxField, PortalForm, optional_int
from portal.municipalities.options import PlaceField
from portal.plans.forms import language_field

_MAX = _l("Höchstens %(max)d Zeichen.")


class PlaceForm(PortalForm):
    name = StringField(
        _l("Bezeichnung"),
        validators=[
            DataRequired(message=_l("Bitte geben Sie eine Bezeichnung ein.")),
            Length(max=160, message=_MAX),
        ],
    )
    kind = RadioField(_l("Art"), choices=labels.choices("place_kind"), default=PlaceKind.TOWN_HALL)
    municipality_id = PlaceField(
        _l("Gemeinde"), validators=[InputRequired(message=_l("Bitte wählen Sie eine Gemeinde."))]
    )
    office_id = SelectField(_l("Außenstelle"), coerce=optional_int, validators=[Optional()])
    address = TextAreaField(
        _l("Anschrift"),
        validators=[
            DataRequired(message=_l("Bitte geben Sie die Anschrift an.")),
            Length(max=500, message=_MAX),
        ],
    )
    accessibility = TextAreaField(
        _l("Barrierefreiheit"), validators=[Optional(), Length(max=1000, message=_MAX)]
    )
    phone = StringField(_l("Telefon"), validators=[Optional(), Length(max=40, message=_MAX)])

    def to_input(self) -> PlaceInput:
        return PlaceInput(
            name=self.name.data or "",
            kind=self.kind.data or "",
            municipality_id=self.municipality_id.data,
            office_id=self.office_id.data,
            address=self.address.data or "",
            accessibility=self.accessibility.data or "",
            phone=self.phone.data or "",
        )


class HoursForm(PortalForm):
    place_id = SelectField(
        _l("Ort"),
        coerce=optional_int,
        validators=[InputRequired(message=_l("Bitte wählen Sie einen Ort."))],
    )
    recurrence = RadioField(
        _l("Wie oft"), choices=labels.choices("recurrence"), default=Recurrence.WEEKLY
    )
    weekday = SelectField(
        _l("Wochentag"),
        coerce=optional_int,
        choices=[SelectChoice("", _l("– bitte wählen –")), *labels.choices("weekday")],
        validators=[InputRequired(message=_l("Bitte wählen Sie einen Wochentag."))],
    )
    starts_at = TimeField(
        _l("Beginn"), validators=[InputRequired(message=_l("Bitte geben Sie den Beginn an."))]
    )
    ends_at = TimeField(
        _l("Ende"), validators=[InputRequired(message=_l("Bitte geben Sie das Ende an."))]
    )
    valid_from = DateField(
        _l("Erstes Datum"),
        validators=[InputRequired(message=_l("Bitte geben Sie das erste Datum an."))],
    )
    valid_until = DateField(_l("Letztes Datum"), validators=[Optional()])
    booking = RadioField(
        _l("Art der Sprechstunde"), choices=labels.choices("booking"), default=Booking.WALK_IN
    )
    slot_hours = HoursField(_l("Länge eines Termins in Stunden"), required=False, high=Decimal(4))
    languages = language_field(_l("Angebotene Sprachen"))
    note = TextAreaField(_l("Hinweis"), validators=[Optional(), Length(max=500, message=_MAX)])

    def to_input(self) -> HoursInput:
        return HoursInput(
            place_id=self.place_id.data,
            weekday=self.weekday.data,
            starts_at=self.starts_at.data,
            ends_at=self.ends_at.data,
            valid_from=self.valid_from.data,
            valid_until=self.valid_until.data,
            recurrence=self.recurrence.data or "",
            booking=self.booking.data or "",
            slot_minutes=self.slot_hours.minutes,
            languages=list(self.languages.data or []),
            note=self.note.data or "",
        )


class DateExceptionForm(PortalForm):
    """Cancel a date, hold it in another room, or hold it as usual again."""

    on_date = DateField(
        _l("Datum"), validators=[InputRequired(message=_l("Bitte geben Sie ein Datum an."))]
    )
    place_id = SelectField(_l("Anderer Ort"), coerce=optional_int, validators=[Optional()])
    note = StringField(_l("Hinweis"), validators=[Optional(), Length(max=500, message=_MAX)])


class BookingForm(PortalForm):
    slot_start = SelectField(
        _l("Termin"), validators=[InputRequired(message=_l("Bitte wählen Sie einen Termin."))]
    )
    client_id = SelectField(
        _l("Klientin oder Klient"), coerce=optional_int, validators=[Optional()]
    )
    reference = StringField(
        _l("Aktenzeichen (Klientin oder Klient)"),
        validators=[Optional(), Length(max=20, message=_MAX)],
    )
    need_id = SelectField(_l("Begleitung (Bedarf)"), coerce=optional_int, validators=[Optional()])


def _visitors(topic: Topic) -> IntegerField:
    return IntegerField(
        labels.REGISTRY["consultation_topic"][topic],
        validators=[
            Optional(),
            NumberRange(min=0, max=500, message=_l("Bitte geben Sie eine Zahl von 0 bis 500 an.")),
        ],
        render_kw={"inputmode": "numeric", "min": 0},
    )


class WalkInForm(PortalForm):
    """One number per topic (fields named by the topic codes), no names."""

    work = _visitors(Topic.WORK)
    housing = _visitors(Topic.HOUSING)
    residence = _visitors(Topic.RESIDENCE)
    language_course = _visitors(Topic.LANGUAGE_COURSE)
    other = _visitors(Topic.OTHER)

    def counts(self) -> dict[str, int | None]:
        return {topic.value: getattr(self, topic.value).data for topic in Topic}


class HomeVisitForm(PortalForm):
    visited_on = DateField(
        _l("Datum des Besuchs"),
        validators=[InputRequired(message=_l("Bitte geben Sie ein Datum an."))],
    )
    place_type = RadioField(_l("Ort"), choices=labels.choices("visit_place"), default="home")
    topics = MultiCheckboxField(
        _l("Themen"), choices=labels.choices("consultation_topic"), validators=[Optional()]
    )
    duration = HoursField(_l("Dauer in Stunden"), high=Decimal(12))

    def to_input(self) -> VisitInput:
        return VisitInput(
            visited_on=self.visited_on.data,
            place_type=self.place_type.data or "",
            topics=list(self.topics.data or []),
            duration_minutes=self.duration.minutes,
        )
