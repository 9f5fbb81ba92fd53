"""Volunteer and coordinator forms (Flask-WTF, CSRF on every one)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from portal.auth.forms import confirm_field, email_field, new_password_field
from portal.core.forms import MultiCheckboxField, PortalForm, mark_failed
from portal.core.labels import REGISTRY
from portal.core.time import today_local
from portal.municipalities.options import PlaceField, PlacesField
from portal.needs.rules import helps_in
from portal.volunteers.decisions import MAX_REASON
from portal.volunteers.models import VolunteerProfile
from portal.volunteers.profiles import (
    DAYPARTS,
    INTERESTS,
    LANGUAGES,
    LEVELS,
    MAX_MOTIVATION,
    ProfileData,
)


def language_field_name(code: str) -> str:
    return f"lang_{code}"


def availability_field_name(day: int, part: str) -> str:
    """``av_0_morning`` for Monday mornings (weekdays 0 = Monday ... 6 = Sunday)."""
    return f"av_{day}_{part}"


class ProfileForm(PortalForm):
    """The profile fields shared by sign-up, application and profile edit."""

    phone = StringField(
        _l("Telefon"),
        validators=[Optional(), Length(max=40, message=_l("Höchstens %(max)d Zeichen."))],
        render_kw={"autocomplete": "tel", "type": "tel"},
    )
    home_municipality_id = PlaceField(
        _l("Wohngemeinde"),
        validators=[InputRequired(message=_l("Bitte wählen Sie Ihre Wohngemeinde."))],
        empty=_l("Bitte wählen"),
        invalid=_l("Bitte wählen Sie eine Gemeinde aus der Liste."),
    )
    municipality_ids = PlacesField(
        _l("Weitere Gemeinden, in denen Sie helfen würden"),
        invalid=_l("Bitte wählen Sie Gemeinden aus der Liste."),
    )
    interests = MultiCheckboxField(
        _l("Wobei möchten Sie helfen?"),
        choices=[SelectChoice(k, v) for k, v in INTERESTS.items()],
        validators=[DataRequired(message=_l("Bitte wählen Sie mindestens einen Bereich."))],
    )
    has_car = BooleanField(_l("Ich habe ein Auto und kann fahren"))
    motivation = TextAreaField(
        _l("Was möchten Sie uns über sich sagen? (Motivation)"),
        validators=[
            Optional(),
            Length(max=MAX_MOTIVATION, message=_l("Höchstens %(max)d Zeichen.")),
        ],
    )

    # the language grid -------------------------------------------------------------------
    @property
    def language_fields(self) -> list[tuple[str, Any, SelectField]]:
        return [(code, label, self[language_field_name(code)]) for code, label in LANGUAGES.items()]

    @property
    def language_errors(self) -> list[str]:
        return list(getattr(self, "_language_errors", []))

    def selected_languages(self) -> dict[str, str]:
        return {code: f.data for code, _label, f in self.language_fields if f.data}

    # the availability grid ---------------------------------------------------------------
    @property
    def availability_rows(self) -> list[tuple[int, Any, list[tuple[str, Any, BooleanField]]]]:
        return [
            (
                day,
                day_label,
                [
                    (part, part_label, self[availability_field_name(day, part)])
                    for part, part_label in DAYPARTS.items()
                ],
            )
            for day, day_label in REGISTRY["weekday"].items()
        ]

    def selected_availability(self) -> dict[int, list[str]]:
        result: dict[int, list[str]] = {}
        for day, _label, parts in self.availability_rows:
            chosen = [part for part, _pl, f in parts if f.data]
            if chosen:
                result[day] = chosen
        return result

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        self._language_errors = []
        if not self.selected_languages():
            self._language_errors = [
                str(_l("Bitte geben Sie mindestens eine Sprache mit Ihrem Niveau an."))
            ]
            ok = False
            mark_failed()
        return ok

    def profile_data(self) -> ProfileData:
        return ProfileData(
            home_municipality_id=self.home_municipality_id.data,
            municipality_ids=[m for m in self.municipality_ids.data or [] if m is not None],
            phone=self.phone.data or "",
            languages=self.selected_languages(),
            interests=list(self.interests.data or []),
            availability=self.selected_availability(),
            has_car=bool(self.has_car.data),
            motivation=self.motivation.data or "",
        )

    def fill_from(self, profile: VolunteerProfile) -> None:
        self.phone.data = profile.phone
        self.home_municipality_id.data = profile.home_municipality_id
        # the ids as `profile_of` brought them (a volunteer of 1,100 places: no 1,100 objects)
        self.municipality_ids.data = sorted(helps_in(profile) - {profile.home_municipality_id})
        self.interests.data = list(profile.interests or [])
        self.has_car.data = profile.has_car
        self.motivation.data = profile.motivation
        levels = profile.languages
        for code, _label, f in self.language_fields:
            f.data = levels.get(code, "")
        slots = profile.slots
        for day, _label, parts in self.availability_rows:
            for part, _pl, f in parts:
                f.data = (day, part) in slots


for _code, _label in LANGUAGES.items():
    setattr(
        ProfileForm,
        language_field_name(_code),
        SelectField(
            _label,
            choices=[SelectChoice("", "—"), *(SelectChoice(k, v) for k, v in LEVELS.items())],
            default="",
        ),
    )
for _day in REGISTRY["weekday"]:
    for _part, _part_label in DAYPARTS.items():
        setattr(ProfileForm, availability_field_name(_day, _part), BooleanField(_part_label))


def _consent_field() -> BooleanField:
    return BooleanField(
        _l(
            "Ich habe die Datenschutzerklärung gelesen und weiß, wie meine Daten verarbeitet "
            "werden."
        ),
        validators=[
            DataRequired(
                message=_l("Bitte bestätigen Sie, dass Sie die Datenschutzerklärung gelesen haben.")
            )
        ],
    )


def _pledge_field() -> BooleanField:
    return BooleanField(
        _l(
            "Ich verpflichte mich, über persönliche Angelegenheiten der begleiteten Menschen "
            "Stillschweigen zu bewahren, auch nach dem Ende meines Engagements."
        ),
        validators=[
            DataRequired(message=_l("Bitte bestätigen Sie die Verschwiegenheitserklärung."))
        ],
    )


class ApplyForm(ProfileForm):
    """A logged-in user applies as a volunteer."""

    consent = _consent_field()
    pledge = _pledge_field()


class VolunteerSignUpForm(ProfileForm):
    """Account and profile in one form."""

    display_name = StringField(
        _l("Name"),
        validators=[
            DataRequired(message=_l("Bitte geben Sie Ihren Namen ein.")),
            Length(max=120, message=_l("Höchstens %(max)d Zeichen.")),
        ],
        render_kw={"autocomplete": "name"},
    )
    email = email_field()
    password = new_password_field(_l("Passwort"))
    confirm = confirm_field()
    consent = _consent_field()
    pledge = _pledge_field()


class DecisionForm(PortalForm):
    reason = TextAreaField(
        _l("Begründung oder Nachricht"),
        validators=[
            Optional(),
            Length(max=MAX_REASON, message=_l("Höchstens %(max)d Zeichen.")),
        ],
    )


class CertificateForm(PortalForm):
    issued_on = DateField(
        _l("Ausgestellt am"),
        validators=[InputRequired(message=_l("Bitte geben Sie das Ausstellungsdatum an."))],
    )
    seen_on = DateField(
        _l("Eingesehen am"),
        default=today_local,
        validators=[InputRequired(message=_l("Bitte geben Sie das Datum der Einsichtnahme an."))],
    )
