"""Account forms (Flask-WTF, CSRF on every one)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from portal.auth.passwords import MIN_LENGTH
from portal.core import labels
from portal.core.forms import PortalForm

MAX_PASSWORD = 128


def new_password_field(label: str | None = None) -> PasswordField:
    return PasswordField(
        label or _l("Neues Passwort"),
        validators=[
            DataRequired(message=_l("Bitte geben Sie ein Passwort ein.")),
            Length(
                min=MIN_LENGTH,
                max=MAX_PASSWORD,
                message=_l("Das Passwort muss zwischen %(min)d und %(max)d Zeichen lang sein."),
            ),
        ],
        render_kw={"autocomplete": "new-password"},
    )


def confirm_field() -> PasswordField:
    return PasswordField(
        _l("Passwort wiederholen"),
        validators=[
            DataRequired(message=_l("Bitte wiederholen Sie das Passwort.")),
            Length(max=MAX_PASSWORD),
            EqualTo("password", message=_l("Die Passwörter stimmen nicht überein.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )


def email_field() -> EmailField:
    return EmailField(
        _l("E-Mail-Adresse"),
        validators=[
            DataRequired(message=_l("Bitte geben Sie Ihre E-Mail-Adresse ein.")),
            Email(
                message=_l("Bitte geben Sie eine gültige E-Mail-Adresse ein."),
                check_deliverability=False,
            ),
            Length(max=254),
        ],
        render_kw={"autocomplete": "email"},
    )


class LoginForm(PortalForm):
    email = email_field()
    password = PasswordField(
        _l("Passwort"),
        validators=[
            DataRequired(message=_l("Bitte geben Sie Ihr Passwort ein.")),
            Length(max=MAX_PASSWORD),
        ],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Angemeldet bleiben"))


class SignUpForm(PortalForm):
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


class EmailOnlyForm(PortalForm):
    email = email_field()


class SetPasswordForm(PortalForm):
    password = new_password_field()
    confirm = confirm_field()


class ChangePasswordForm(PortalForm):
    current_password = PasswordField(
        _l("Aktuelles Passwort"),
        validators=[
            DataRequired(message=_l("Bitte geben Sie Ihr aktuelles Passwort ein.")),
            Length(max=MAX_PASSWORD),
        ],
        render_kw={"autocomplete": "current-password"},
    )
    password = new_password_field()
    confirm = confirm_field()


class LanguageForm(PortalForm):
    language = SelectField(_l("Sprache"), choices=labels.choices("public_language"))


def code_field() -> StringField:
    return StringField(
        _l("Code"),
        validators=[
            DataRequired(message=_l("Bitte geben Sie den Code ein.")),
            Length(max=40, message=_l("Höchstens %(max)d Zeichen.")),
        ],
        render_kw={"autocomplete": "one-time-code", "inputmode": "text", "spellcheck": "false"},
    )


class SecondFactorForm(PortalForm):
    """The second step of signing in: a code from the app, or a recovery code."""

    code = code_field()
    remember_device = BooleanField(_l("Diesem Gerät vertrauen"))


class CodeForm(PortalForm):
    """A current code confirms a change of the second factor."""

    code = code_field()
