"""Forms of the legal pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from portal.auth.forms import email_field
from portal.core.forms import PortalForm


class FeedbackForm(PortalForm):
    """A barrier to report, or a request for content in an accessible form."""

    name = StringField(
        _l("Ihr Name (freiwillig)"),
        validators=[Optional(), Length(max=120, message=_l("Höchstens %(max)d Zeichen."))],
        render_kw={"autocomplete": "name"},
    )
    email = email_field()
    page = StringField(
        _l("Auf welcher Seite? (freiwillig)"),
        validators=[Optional(), Length(max=300, message=_l("Höchstens %(max)d Zeichen."))],
    )
    message = TextAreaField(
        _l("Ihre Nachricht"),
        validators=[
            DataRequired(message=_l("Bitte beschreiben Sie die Barriere oder Ihr Anliegen.")),
            Length(max=4000, message=_l("Höchstens %(max)d Zeichen.")),
        ],
        render_kw={"rows": 6},
    )
