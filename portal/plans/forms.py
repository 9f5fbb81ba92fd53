"""Forms for clients, plans, goals and steps (Flask-WTF, CSRF on every one)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.core import labels
from portal.core.forms import MultiCheckboxField, PortalForm, optional_int
from portal.municipalities.options import PlaceField
from portal.plans.models import GoalStatus, StepActor, StepStatus


def language_field(label: Any) -> MultiCheckboxField:
    return MultiCheckboxField(label, choices=labels.choices("language"), validators=[Optional()])


class ChildrenField(StringField):
    """Years of birth of the children, separated by commas: "2014, 2019"."""

    def process_formdata(self, valuelist: list[str]) -> None:
        self.raw = valuelist[0] if valuelist else ""
        self.data: list[int] = []
        for part in self.raw.replace(";", ",").split(","):
            part = part.strip()
            if not part:
                continue
            if not part.isdigit() or len(part) != 4:
                self.data = []
                raise ValueError(
                    _l("Bitte geben Sie vierstellige Geburtsjahre an, durch Komma getrennt.")
                )
            self.data.append(int(part))

    def _value(self) -> str:
        if isinstance(self.data, list):
            return ", ".join(str(y) for y in self.data)
        return getattr(self, "raw", "") or ""


class ClientForm(PortalForm):
    name = StringField(
        _l("Name"),
        validators=[
            DataRequired(message=_l("Bitte geben Sie einen Namen ein.")),
            Length(max=200, message=_l("Höchstens %(max)d Zeichen.")),
        ],
    )
    contact = TextAreaField(
        _l("Kontakt (Anschrift, Telefon)"),
        validators=[Optional(), Length(max=2000, message=_l("Höchstens %(max)d Zeichen."))],
    )
    municipality_id = PlaceField(
        _l("Gemeinde"), validators=[InputRequired(message=_l("Bitte wählen Sie eine Gemeinde."))]
    )
    languages = language_field(_l("Sprachen"))
    adults = IntegerField(
        _l("Erwachsene im Haushalt"),
        default=1,
        validators=[
            InputRequired(message=_l("Bitte geben Sie eine Zahl an.")),
            NumberRange(min=0, max=30, message=_l("Bitte geben Sie eine Zahl von 0 bis 30 an.")),
        ],
    )
    children = ChildrenField(
        _l("Kinder: Geburtsjahre"),
        validators=[Optional(), Length(max=30, message=_l("Höchstens %(max)d Geburtsjahre."))],
    )
    manager_id = SelectField(_l("Zuständig"), coerce=optional_int, validators=[Optional()])


class CloseClientForm(PortalForm):
    closed_on = DateField(
        _l("Abgeschlossen am"),
        validators=[InputRequired(message=_l("Bitte geben Sie ein Datum an."))],
    )


class PlanForm(PortalForm):
    agreed_on = DateField(_l("Vereinbart am"), validators=[Optional()])
    next_review_on = DateField(_l("Nächste Überprüfung"), validators=[Optional()])


class GoalForm(PortalForm):
    area = SelectField(_l("Bereich"), choices=labels.choices("area"))
    text = TextAreaField(
        _l("Ziel"),
        validators=[
            DataRequired(message=_l("Bitte beschreiben Sie das Ziel.")),
            Length(max=2000, message=_l("Höchstens %(max)d Zeichen.")),
        ],
    )
    status = SelectField(
        _l("Status"), choices=labels.choices("goal_status"), default=GoalStatus.OPEN
    )


class StepForm(PortalForm):
    text = TextAreaField(
        _l("Schritt"),
        validators=[
            DataRequired(message=_l("Bitte beschreiben Sie den Schritt.")),
            Length(max=2000, message=_l("Höchstens %(max)d Zeichen.")),
        ],
    )
    due_on = DateField(_l("Fällig am"), validators=[Optional()])
    status = SelectField(
        _l("Status"), choices=labels.choices("step_status"), default=StepStatus.OPEN
    )
    actor = SelectField(
        _l("Wer handelt?"), choices=labels.choices("actor"), default=StepActor.CLIENT
    )
    partner = SelectField(_l("Partner"), choices=labels.choices("partner"), default="")
