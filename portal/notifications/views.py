"""The notification settings under the user's account, and the one-click unsubscribe link.

The unsubscribe link needs no log-in: its signed token is the credential. GET shows a page
with one button; POST unsubscribes. A mail client's one-click POST (RFC 8058) carries no CSRF
token, so that endpoint alone is exempt: the token in the address already proves the mail.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.auth import tokens
from portal.core.errors import DomainError
from portal.core.forms import attach_error, form_status
from portal.extensions import csrf
from portal.notifications import preferences
from portal.notifications.forms import NotificationSettingsForm

bp = Blueprint("notifications", __name__)


@bp.route("/account/notifications", methods=["GET", "POST"])
@login_required
def settings() -> Any:
    current = preferences.preferences_of(current_user)
    form = NotificationSettingsForm.build(
        current, request.form if request.method == "POST" else None
    )
    if form.validate_on_submit():
        try:
            preferences.set_preferences(current_user, form.modes())
        except DomainError as exc:
            attach_error(form, exc)
        else:
            flash(_("Ihre Einstellungen sind gespeichert."), "success")
            return redirect(url_for("notifications.settings"))
    return render_template("notifications/settings.html", form=form), form_status(form)


@bp.route("/notifications/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe(token: str) -> Any:
    try:
        if request.method == "POST":
            _user, kind = preferences.unsubscribe(token)
            return render_template("notifications/unsubscribed.html", kind=kind)
        _user, kind = preferences.read_unsubscribe_token(token)
    except tokens.TokenInvalid:
        return render_template("notifications/unsubscribe_invalid.html"), 404
    return render_template("notifications/unsubscribe.html", kind=kind, token=token)
