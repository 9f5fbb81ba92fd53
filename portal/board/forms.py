"""Forms of the board (Flask-WTF; the GET filter forms carry no CSRF token)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from flask import render_template, request
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
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
from portal.core.forms import INVALID_CHOICE, HoursField, PortalForm, StaticSelect
from portal.core.inputs import parse_id
from portal.core.time import today_local
from portal.core.widgets import html_params
from portal.i18n import current_locale
from portal.municipalities.options import catalogue
from portal.needs.matching import BoardFilters

WEEKDAYS = [str(i) for i in labels.REGISTRY["weekday"]]


EVERYWHERE = Markup('<option value="">{}</option>')
EVERYWHERE_CHOSEN = Markup('<option value="" selected="selected">{}</option>')


class PlaceSelect:
    """The `<select>` of the place filter: "Alle", then the volunteer's municipalities in German
    order, their `<option>`s taken from the process's catalogue (a state-wide volunteer has
    1,100; none is built per request)."""

    def __call__(self, field: PlaceField, **kwargs: Any) -> Markup:
        kwargs.setdefault("id", field.id)
        data = "" if field.data is None else str(field.data)
        chosen = parse_id(data)
        if chosen is not None and str(chosen) != data:
            chosen = None  # "007" names no option, as it names no value
        everywhere = (EVERYWHERE_CHOSEN if data == "" else EVERYWHERE).format(_l("Alle"))
        options = catalogue(field.places).options(field.places, chosen)
        return Markup("<select {}>{}{}</select>").format(
            html_params(name=field.name, **kwargs), everywhere, options
        )


class PlaceField(SelectField):
    """One of ``places`` (municipality ids, set per request) or empty for all of them."""

    widget = PlaceSelect()

    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any) -> None:
        super().__init__(label, validators, choices=[], validate_choice=False, **kwargs)
        self.places: frozenset[int] = frozenset()

    def pre_validate(self, form: Any) -> None:
        data = "" if self.data is None else str(self.data)
        if data and (parse_id(data) not in self.places or str(parse_id(data)) != data):
            raise ValidationError(self.gettext(INVALID_CHOICE))


class BoardFilterForm(PortalForm):
    class Meta:
        csrf = False

    municipality = PlaceField(_l("Gemeinde"), validators=[Optional()])
    category = SelectField(
        _l("Art der Aufgabe"),
        choices=[
            SelectChoice("", _l("Alle")),
            *labels.choices("category"),
        ],
        validators=[Optional()],
        widget=StaticSelect(),
    )
    language = SelectField(
        _l("Sprache"),
        choices=[
            SelectChoice("", _l("Alle")),
            *labels.choices("language"),
        ],
        validators=[Optional()],
        widget=StaticSelect(),
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
        widget=StaticSelect(),
    )
    fits = BooleanField(_l("Nur passend zu meinen Zeiten"))
    sort = SelectField(
        _l("Sortieren nach"),
        choices=[SelectChoice("date", _l("Datum")), SelectChoice("fit", _l("Passung"))],
        default="date",
        validators=[Optional()],
        widget=StaticSelect(),
    )

    def validate_date_to(self, field: DateField) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("Das Enddatum liegt vor dem Anfangsdatum."))

    def set_places(self, place_ids: frozenset[int]) -> None:
        """The municipalities the volunteer helps in (their ids)."""
        self.municipality.places = place_ids

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


RENDERED_LIMIT = 256


@dataclass(frozen=True)
class FilterChoice:
    """What the board's query asks for, and its filter form as HTML."""

    filters: BoardFilters
    html: Markup
    refused: bool


_chosen: dict[tuple[Any, ...], FilterChoice] = {}


def board_filters(places: frozenset[int]) -> FilterChoice:
    """The volunteer's filters from the request's query (`BoardFilterForm`) and the filter form
    as HTML (templates/board/_filters.html). A valid query gives the same for the same language,
    municipalities (and their names) and query, so each process keeps the latest
    RENDERED_LIMIT of them: building, checking and rendering the form's eight fields cost more
    than the page's 25 cards. A refused query is checked and rendered every time."""
    key = (
        str(current_locale()),
        request.script_root,
        catalogue(places).version,
        places,
        tuple(request.args.items(multi=True)),
    )
    found = _chosen.get(key)
    if found is not None:
        return replace(found, filters=replace(found.filters))  # the filters are the caller's
    form = BoardFilterForm(request.args)
    form.set_places(places)
    filters = form.filters()
    html = Markup(render_template("board/_filters.html", form=form))  # noqa: S704 - a template
    choice = FilterChoice(filters, html, refused=bool(form.errors))
    if not choice.refused:
        if len(_chosen) >= RENDERED_LIMIT:
            _chosen.pop(next(iter(_chosen)), None)
        _chosen[key] = choice
    return choice
