"""The notification settings: one choice per kind of news."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import RadioField
from wtforms.validators import InputRequired

from portal.core.forms import PortalForm
from portal.core.labels import choices, label
from portal.notifications.preferences import KINDS


class NotificationSettingsForm(PortalForm):
    """Built per request: a radio group per kind (``kind_<code>``)."""

    @classmethod
    def build(cls, current: dict[str, str], formdata: Any = None) -> NotificationSettingsForm:
        class Form(cls):  # type: ignore[valid-type,misc]
            pass

        for kind in KINDS:
            setattr(
                Form,
                f"kind_{kind}",
                RadioField(
                    label("notification_kind", kind),
                    choices=choices("delivery_mode"),
                    default=current.get(kind),
                    validators=[InputRequired(message=_l("Bitte wählen Sie eine Möglichkeit."))],
                ),
            )
        form: NotificationSettingsForm = Form(formdata=formdata)
        return form

    def kind_fields(self) -> list[Any]:
        return [self[f"kind_{kind}"] for kind in KINDS]

    def modes(self) -> dict[str, str]:
        return {kind: self[f"kind_{kind}"].data for kind in KINDS}
