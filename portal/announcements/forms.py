"""The announcement form: audience (and, for coordination, filters), subject and text."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length

from portal.announcements.services import (
    BODY_LABEL,
    BODY_MAX,
    SUBJECT_LABEL,
    SUBJECT_MAX,
    Audience,
)
from portal.core.forms import MultiCheckboxField, PortalForm
from portal.core.labels import choices, label
from portal.municipalities.options import PlacesField


class AnnouncementForm(PortalForm):
    role = RadioField(
        _l("An wen?"),
        validators=[InputRequired(message=_l("Bitte wählen Sie, an wen es geht."))],
    )
    municipality_ids = PlacesField(_l("Nur Ehrenamtliche aus diesen Gemeinden"))
    interests = MultiCheckboxField(_l("Nur mit diesen Interessen"))
    languages = MultiCheckboxField(_l("Nur mit diesen Sprachen"))
    subject = StringField(
        SUBJECT_LABEL,
        validators=[
            DataRequired(message=_l("Bitte geben Sie einen Betreff an.")),
            Length(max=SUBJECT_MAX, message=_l("Höchstens %(max)d Zeichen.")),
        ],
    )
    body = TextAreaField(
        BODY_LABEL,
        validators=[
            DataRequired(message=_l("Bitte schreiben Sie einen Text.")),
            Length(max=BODY_MAX, message=_l("Höchstens %(max)d Zeichen.")),
        ],
    )

    def set_options(self, roles: list[str], municipalities: set[int]) -> None:
        self.role.choices = [SelectChoice(r, _audience_label(r)) for r in roles]
        if len(roles) == 1 and not self.role.data:
            self.role.data = roles[0]
        self.municipality_ids.offer(municipalities)
        self.interests.choices = choices("category")
        self.languages.choices = choices("language")

    def audience(self) -> Audience:
        return Audience(
            role=self.role.data,
            municipality_ids=[i for i in self.municipality_ids.data or [] if i is not None],
            interests=self.interests.data or [],
            languages=self.languages.data or [],
        )


def _audience_label(role: str) -> str:
    if role == "coordinator":
        return str(
            _l(
                "die freigegebenen Ehrenamtlichen meiner Gemeinden (%(role)s)",
                role=label("role", role),
            )
        )
    return str(
        _l("die Ehrenamtlichen meiner Bedarfe im letzten Jahr (%(role)s)", role=label("role", role))
    )
