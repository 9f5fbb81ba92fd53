"""Forms of the county administration (Flask-WTF; CSRF on every POST form)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    EmailField,
    IntegerField,
    SearchField,
    SelectField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp

from portal.auth.models import Role
from portal.core import labels
from portal.core.forms import MultiCheckboxField, PortalForm, optional_int
from portal.municipalities.models import Office
from portal.municipalities.options import PlaceField

STAFF_ROLE_CHOICES = labels.choices("role", exclude=(Role.VOLUNTEER,))
KIND_CHOICES = labels.choices("municipality_kind")
LANGUAGE_CHOICES = labels.choices("ui_language")


def office_choices(offices: list[Office], empty: Any) -> list[SelectChoice]:
    return [SelectChoice("", empty), *(SelectChoice(o.id, o.name) for o in offices)]


class NoCsrfForm(PortalForm):
    """Filter forms read from the query string (GET): nothing to protect."""

    class Meta:
        csrf = False


# --- municipalities and offices ---------------------------------------------------------------


class MunicipalityFilterForm(NoCsrfForm):
    q = SearchField(_l("Name"), validators=[Optional(), Length(max=120)])
    office = SelectField(_l("Außenstelle"), coerce=optional_int, validators=[Optional()])


class MunicipalityForm(PortalForm):
    name = StringField(
        _l("Name"),
        validators=[
            DataRequired(message=_l("Bitte geben Sie einen Namen ein.")),
            Length(max=120, message=_l("Höchstens %(max)d Zeichen.")),
        ],
    )
    kind = SelectField(_l("Art"), choices=KIND_CHOICES, default="Gemeinde")
    ags = StringField(
        _l("Amtlicher Gemeindeschlüssel (AGS)"),
        validators=[
            Optional(),
            Length(max=8, message=_l("Der Gemeindeschlüssel (AGS) besteht aus genau 8 Ziffern.")),
            Regexp(
                r"^\d{8}$", message=_l("Der Gemeindeschlüssel (AGS) besteht aus genau 8 Ziffern.")
            ),
        ],
        render_kw={"inputmode": "numeric", "autocomplete": "off", "maxlength": 8},
    )
    office_id = SelectField(_l("Außenstelle"), coerce=optional_int, validators=[Optional()])


class OfficeForm(PortalForm):
    name = StringField(
        _l("Name"),
        validators=[
            DataRequired(message=_l("Bitte geben Sie einen Namen ein.")),
            Length(max=120, message=_l("Höchstens %(max)d Zeichen.")),
        ],
    )
    address = TextAreaField(_l("Anschrift"), validators=[Optional(), Length(max=500)])
    consultation_hours = TextAreaField(_l("Sprechzeiten"), validators=[Optional(), Length(max=500)])
    email = EmailField(
        _l("E-Mail-Adresse"),
        validators=[
            Optional(),
            Email(
                message=_l("Bitte geben Sie eine gültige E-Mail-Adresse ein."),
                check_deliverability=False,
            ),
            Length(max=254),
        ],
    )
    phone = StringField(
        _l("Telefon"), validators=[Optional(), Length(max=40)], render_kw={"autocomplete": "tel"}
    )


# --- accounts ---------------------------------------------------------------------------------


class UserFilterForm(NoCsrfForm):
    q = SearchField(_l("Name oder E-Mail"), validators=[Optional(), Length(max=120)])
    role = SelectField(
        _l("Rolle"),
        choices=[
            SelectChoice("", _l("alle Rollen")),
            *labels.choices("role"),
        ],
        validators=[Optional()],
    )


class ScopedRoleForm(PortalForm):
    """A staff role with its scope: a municipality or an office."""

    role = SelectField(_l("Rolle"), choices=STAFF_ROLE_CHOICES)
    municipality_id = PlaceField(_l("Gemeinde"), validators=[Optional()], empty=_l("– keine –"))
    office_id = SelectField(_l("Außenstelle"), coerce=optional_int, validators=[Optional()])

    def set_scope_choices(self, offices: list[Office]) -> None:
        self.office_id.choices = office_choices(offices, _l("– keine –"))


class InviteForm(ScopedRoleForm):
    display_name = StringField(
        _l("Name"),
        validators=[
            DataRequired(message=_l("Bitte geben Sie einen Namen ein.")),
            Length(max=120, message=_l("Höchstens %(max)d Zeichen.")),
        ],
        render_kw={"autocomplete": "off"},
    )
    email = EmailField(
        _l("E-Mail-Adresse"),
        validators=[
            DataRequired(message=_l("Bitte geben Sie eine E-Mail-Adresse ein.")),
            Email(
                message=_l("Bitte geben Sie eine gültige E-Mail-Adresse ein."),
                check_deliverability=False,
            ),
            Length(max=254),
        ],
        render_kw={"autocomplete": "off"},
    )
    locale = SelectField(_l("Sprache der E-Mails"), choices=LANGUAGE_CHOICES, default="de")

    def invitation(self) -> dict[str, Any]:
        """The keyword arguments of `portal.admin.services.invite` (besides the actor)."""
        return {
            "email": self.email.data,
            "display_name": self.display_name.data,
            "locale": self.locale.data,
            "role": self.role.data,
            "municipality_id": self.municipality_id.data,
            "office_id": self.office_id.data,
        }


class ActionForm(PortalForm):
    """An action button (revoke, deactivate, resend): only the CSRF token."""


class TwoFactorPolicyForm(PortalForm):
    """Which roles sign in with a second factor."""

    required_roles = MultiCheckboxField(
        _l("Zwei-Faktor-Anmeldung vorgeschrieben für"), choices=labels.choices("role")
    )


class OutboxFilterForm(NoCsrfForm):
    status = SelectField(
        _l("Status"),
        choices=[
            SelectChoice("", _l("alle")),
            *labels.choices("outbox_status"),
        ],
        validators=[Optional()],
    )


def positive_id(form: Any, field: IntegerField) -> None:
    """A record number is 1 or more (a non-number is already reported by the field)."""
    if field.data is not None and field.data < 1:
        raise ValidationError(_l("Bitte geben Sie eine Nummer ab 1 ein."))


class AuditFilterForm(NoCsrfForm):
    """Filters of the audit trail (GET). Dates are calendar days in Europe/Berlin."""

    action = SearchField(
        _l("Aktion"),
        validators=[Optional(), Length(max=60, message=_l("Höchstens %(max)d Zeichen."))],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    object_type = SearchField(
        _l("Objekttyp"),
        validators=[Optional(), Length(max=40, message=_l("Höchstens %(max)d Zeichen."))],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    object_id = IntegerField(
        _l("Objekt-Nr."),
        validators=[Optional(), positive_id],
        render_kw={"inputmode": "numeric"},
    )
    actor = SearchField(
        _l("Konto (Name oder E-Mail)"),
        validators=[Optional(), Length(max=120, message=_l("Höchstens %(max)d Zeichen."))],
    )
    actor_id = IntegerField(
        _l("Konto-Nr."),
        validators=[Optional(), positive_id],
        render_kw={"inputmode": "numeric"},
    )
    municipality = PlaceField(_l("Gemeinde"), validators=[Optional()], empty=_l("alle Gemeinden"))
    date_from = DateField(_l("Von"), validators=[Optional()])
    date_to = DateField(_l("Bis"), validators=[Optional()])

    def validate_object_id(self, field: IntegerField) -> None:
        if field.data is not None and not (self.object_type.data or "").strip():
            raise ValidationError(_l("Bitte geben Sie zur Objekt-Nr. auch den Objekttyp an."))

    def validate_date_to(self, field: DateField) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("Das Enddatum liegt vor dem Anfangsdatum."))

    def query(self) -> dict[str, Any]:
        """The keyword arguments of `portal.audit.services.events_query`."""
        return {
            "action": self.action.data or "",
            "object_type": self.object_type.data or "",
            "object_id": self.object_id.data,
            "actor_id": self.actor_id.data,
            "actor_search": self.actor.data or "",
            "municipality_id": self.municipality.data,
            "date_from": self.date_from.data,
            "date_to": self.date_to.data,
        }
