"""Forms of the erasure pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, TextAreaField
from wtforms.validators import DataRequired, Length

from portal.auth.forms import MAX_PASSWORD
from portal.core.forms import PortalForm
from portal.privacy.client_erasure import REASON_MAX


class RequestErasureForm(PortalForm):
    understood = BooleanField(
        _l("Ich habe verstanden, dass mein Konto nach der Bestätigung endgültig gelöscht wird."),
        validators=[
            DataRequired(message=_l("Bitte bestätigen Sie, dass Sie das verstanden haben."))
        ],
    )


class ConfirmErasureForm(PortalForm):
    password = PasswordField(
        _l("Passwort"),
        validators=[
            DataRequired(message=_l("Bitte geben Sie Ihr Passwort ein.")),
            Length(max=MAX_PASSWORD),
        ],
        render_kw={"autocomplete": "current-password"},
    )


class EraseClientForm(PortalForm):
    reason = TextAreaField(
        _l("Grund der Löschung"),
        validators=[
            DataRequired(message=_l("Bitte geben Sie einen Grund an.")),
            Length(max=REASON_MAX),
        ],
    )
    confirm = BooleanField(
        _l("Ich weiß, dass die Löschung nicht rückgängig gemacht werden kann."),
        validators=[DataRequired(message=_l("Bitte bestätigen Sie die Löschung."))],
    )
