"""Forms for publishing and managing needs."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.core import labels
from portal.core.forms import HoursField, PortalForm
from portal.core.inputs import parse_id
from portal.municipalities.options import PlaceField
from portal.needs.models import NeedStatus
from portal.needs.queries import NeedFilters
from portal.needs.validation import MAX_DURATION_MINUTES, ONCE, NeedInput
from portal.plans.forms import language_field, optional_int


class NeedForm(PortalForm):
    source_step_id = HiddenField(validators=[Length(max=12)])
    category = SelectField(_l("Kategorie"), choices=labels.choices("category"))
    title = StringField(
        _l("Titel"),
        validators=[
            DataRequired(message=_l("Bitte geben Sie einen Titel ein.")),
            Length(max=160, message=_l("Höchstens %(max)d Zeichen.")),
        ],
    )
    public_description = TextAreaField(
        _l("Öffentliche Beschreibung"),
        validators=[
            DataRequired(message=_l("Bitte beschreiben Sie die Aufgabe.")),
            Length(max=4000, message=_l("Höchstens %(max)d Zeichen.")),
        ],
    )
    private_notes = TextAreaField(
        _l("Interne Notizen"),
        validators=[Optional(), Length(max=4000, message=_l("Höchstens %(max)d Zeichen."))],
    )
    municipality_id = PlaceField(
        _l("Gemeinde"), validators=[InputRequired(message=_l("Bitte wählen Sie eine Gemeinde."))]
    )
    meeting_point = TextAreaField(
        _l("Treffpunkt"),
        validators=[Optional(), Length(max=1000, message=_l("Höchstens %(max)d Zeichen."))],
    )
    languages = language_field(_l("Gewünschte Sprachen"))
    schedule_kind = RadioField(
        _l("Termin"),
        choices=labels.choices("schedule_kind"),
        default=ONCE,
    )
    starts_at = DateTimeLocalField(_l("Beginn"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    ends_at = DateTimeLocalField(_l("Ende"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    weekday = SelectField(
        _l("Wochentag"),
        coerce=optional_int,
        choices=[SelectChoice("", _l("– bitte wählen –")), *labels.choices("weekday")],
        validators=[Optional()],
    )
    time_of_day = TimeField(_l("Uhrzeit"), validators=[Optional()])
    duration_hours = HoursField(
        _l("Dauer in Stunden"), required=False, high=Decimal(MAX_DURATION_MINUTES) / 60
    )
    starts_on = DateField(_l("Erstes Datum"), validators=[Optional()])
    ends_on = DateField(_l("Letztes Datum"), validators=[Optional()])
    capacity = IntegerField(
        _l("Gesuchte Ehrenamtliche"),
        default=1,
        validators=[
            InputRequired(message=_l("Bitte geben Sie eine Zahl an.")),
            NumberRange(min=1, max=50, message=_l("Bitte geben Sie eine Zahl von 1 bis 50 an.")),
        ],
    )
    requires_conduct_certificate = BooleanField(_l("Erweitertes Führungszeugnis erforderlich"))
    # Set by the button that sends the form: "Als Entwurf speichern" or "Veröffentlichen".
    status = RadioField(
        _l("Status"),
        choices=labels.choices("need_publish"),
        default=NeedStatus.DRAFT,
    )

    def to_input(self) -> NeedInput:
        once = self.schedule_kind.data == ONCE
        return NeedInput(
            category=self.category.data,
            title=self.title.data or "",
            public_description=self.public_description.data or "",
            private_notes=self.private_notes.data or "",
            municipality_id=self.municipality_id.data,
            meeting_point=self.meeting_point.data or "",
            languages=list(self.languages.data or []),
            schedule_kind=self.schedule_kind.data,
            starts_at=self.starts_at.data if once else None,
            ends_at=self.ends_at.data if once else None,
            weekday=None if once else self.weekday.data,
            time_of_day=None if once else self.time_of_day.data,
            duration_minutes=None if once else self.duration_hours.minutes,
            starts_on=None if once else self.starts_on.data,
            ends_on=None if once else self.ends_on.data,
            capacity=self.capacity.data,
            requires_conduct_certificate=bool(self.requires_conduct_certificate.data),
            status=self.status.data,
            source_step_id=parse_id(self.source_step_id.data),
        )

    def fill_from(self, data: NeedInput) -> None:
        for name, value in vars(data).items():
            if name in self._fields:
                self[name].data = value
        self.duration_hours.set_minutes(data.duration_minutes)

    @property
    def duration_minutes(self) -> HoursField:
        """The validation names the duration "duration_minutes": its errors show at the hours."""
        return self.duration_hours


class CancelNeedForm(PortalForm):
    reason = TextAreaField(
        _l("Grund der Absage"),
        validators=[
            DataRequired(message=_l("Bitte geben Sie einen Grund an.")),
            Length(max=2000, message=_l("Höchstens %(max)d Zeichen.")),
        ],
    )


class CompleteNeedForm(PortalForm):
    """One completion for every page that offers it; the plan step is marked done unless the
    manager unticks the box."""

    mark_step_done = BooleanField(
        _l("Den zugehörigen Schritt im Integrationsplan als erledigt markieren"), default=True
    )
    next = HiddenField(validators=[Length(max=2000)])


class ReasonForm(PortalForm):
    """Ending a claim (a volunteer gives it back, a manager ends it) needs a reason."""

    reason = TextAreaField(
        _l("Grund"),
        validators=[
            DataRequired(message=_l("Bitte geben Sie einen Grund an.")),
            Length(max=1000, message=_l("Höchstens %(max)d Zeichen.")),
        ],
    )
    next = HiddenField(validators=[Length(max=2000)])


class NeedFilterForm(PortalForm):
    """GET filters of the needs list (no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    status = SelectField(
        _l("Status"),
        choices=[SelectChoice("", _l("alle")), *labels.choices("need_status")],
        default="",
    )
    municipality_id = PlaceField(_l("Gemeinde"), validators=[Optional()], empty=_l("alle"))
    category = SelectField(
        _l("Kategorie"),
        choices=[SelectChoice("", _l("alle")), *labels.choices("category")],
        default="",
    )
    date_from = DateField(_l("Zeitraum von"), validators=[Optional()])
    date_to = DateField(_l("Zeitraum bis"), validators=[Optional()])
    unclaimed = BooleanField(_l("Nur ohne Übernahme"))

    def filters(self) -> NeedFilters:
        valid = self.validate()
        return NeedFilters(
            status=self.status.data or None if not self.status.errors else None,
            municipality_id=self.municipality_id.data if not self.municipality_id.errors else None,
            category=self.category.data or None if not self.category.errors else None,
            date_from=self.date_from.data if valid or not self.date_from.errors else None,
            date_to=self.date_to.data if valid or not self.date_to.errors else None,
            unclaimed=bool(self.unclaimed.data),
        )
