"""The message form (writing and correcting)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from portal.conversations.rules import BODY_LABEL, BODY_MAX
from portal.core.forms import PortalForm


class MessageForm(PortalForm):
    body = TextAreaField(
        BODY_LABEL,
        validators=[
            DataRequired(message=_l("Bitte schreiben Sie eine Nachricht.")),
            Length(max=BODY_MAX, message=_l("Höchstens %(max)d Zeichen.")),
        ],
    )
