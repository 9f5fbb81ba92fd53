"""Forms of the board (Flask-WTF; the GET filter forms carry no CSRF token)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    SelectField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)

from portal.core import labels
from portal.core.collation import german_key
from portal.core.forms import HoursField, PortalForm, QuickSelect
from portal.core.inputs import parse_id
from portal.core.time import today_local
from portal.needs.matching import BoardFilters
from portal.volunteers.models import VolunteerProfile

WEEKDAYS = [str(i) for i in labels.REGISTRY["weekday"]]


class BoardFilterForm(PortalForm):
    class Meta:
        csrf = False

    municipality = SelectField(_l("Gemeinde"), validators=[Optional()], widget=QuickSelect())
    category = SelectField(
        _l("Art der Aufgabe"),
        choices=[
            SelectChoice("", _l("Alle")),
            *labels.choices("category"),
        ],
        validators=[Optional()],
    )
    language = SelectField(
        _l("Sprache"),
        choices=[
            SelectChoice("", _l("Alle")),
            *labels.choices("language"),
        ],
        validators=[Optional()],
    )
    date_from = DateField(_l("Von"), validators=[Optional()])
    date_to = DateField(_l("Bis"), validators=[Optional()])
    weekday = SelectField(
        _l("Wochentag"),
        choices=[
            SelectChoice("", _l("Alle")),
            *(SelectChoice(str(i), text) for i, text in labels.REGISTRY["weekday"].items()),
        ],
        validators=[Optional()],
    )
    fits = BooleanField(_l("Nur passend zu meinen Zeiten"))
    sort = SelectField(
        _l("Sortieren nach"),
        choices=[SelectChoice("date", _l("Datum")), SelectChoice("fit", _l("Passung"))],
        default="date",
        validators=[Optional()],
    )

    def validate_date_to(self, field: DateField) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("Das Enddatum liegt vor dem Anfangsdatum."))

    def set_places(self, profile: VolunteerProfile) -> None:
        """The municipalities the volunteer helps in, by name."""
        places = {m.id: m for m in [profile.home_municipality, *profile.municipalities]}
        self.municipality.choices = [SelectChoice("", _l("Alle"))] + [
            SelectChoice(str(m.id), m.name)
            for m in sorted(places.values(), key=lambda m: german_key(m.name))
        ]

    def filters(self) -> BoardFilters:
        """The volunteer's choice; every task by date when the choice does not validate."""
        if not self.validate():
            return BoardFilters(sort="date")
        return BoardFilters(
            municipality_id=parse_id(self.municipality.data),
            category=self.category.data or None,
            language=self.language.data or None,
            date_from=self.date_from.data,
            date_to=self.date_to.data,
            weekday=int(self.weekday.data) if self.weekday.data in WEEKDAYS else None,
            fits=bool(self.fits.data),
            sort=self.sort.data if self.sort.data in ("date", "fit") else "date",
        )


class ClaimForm(PortalForm):
    """The confirmation step of a claim: only the CSRF token."""


class ReportForm(PortalForm):
    activity_on = DateField(
        _l("Datum des Einsatzes"),
        validators=[InputRequired(message=_l("Bitte geben Sie das Datum an."))],
    )
    hours = HoursField(_l("Dauer in Stunden"))
    outcome = TextAreaField(
        _l("Was ist passiert?"),
        validators=[
            DataRequired(message=_l("Bitte beschreiben Sie kurz, was passiert ist.")),
            Length(max=5000, message=_l("Höchstens %(max)d Zeichen.")),
        ],
    )
    follow_up_needed = BooleanField(
        _l("Es braucht eine Nachbereitung durch das Integrationsmanagement")
    )
    concern = TextAreaField(
        _l("Dringendes Anliegen (optional)"),
        validators=[Optional(), Length(max=5000, message=_l("Höchstens %(max)d Zeichen."))],
    )

    def report_data(self) -> dict[str, Any]:
        """The keyword arguments of `portal.needs.reports.file_report`."""
        return {
            "activity_on": self.activity_on.data,
            "minutes": self.hours.minutes,
            "outcome": self.outcome.data,
            "follow_up_needed": self.follow_up_needed.data,
            "concern": self.concern.data,
        }

    @property
    def minutes(self) -> HoursField:
        """The service counts minutes and names its refusal "minutes": shown at the hours."""
        return self.hours


class CertificateForm(PortalForm):
    class Meta:
        csrf = False

    @classmethod
    def this_year(cls) -> CertificateForm:
        """The form as first shown: from the 1st of January until today."""
        today = today_local()
        return cls(formdata=None, date_from=date(today.year, 1, 1), date_to=today)

    date_from = DateField(
        _l("Von"), validators=[InputRequired(message=_l("Bitte geben Sie das Anfangsdatum an."))]
    )
    date_to = DateField(
        _l("Bis"), validators=[InputRequired(message=_l("Bitte geben Sie das Enddatum an."))]
    )

    def validate_date_to(self, field: DateField) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("Das Enddatum liegt vor dem Anfangsdatum."))
