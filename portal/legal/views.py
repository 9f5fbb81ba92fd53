"""The legal pages: imprint, accessibility statement with its feedback form, easy-read page,
the acknowledgement of a new privacy notice, and the admins' records of processing. The
privacy notice itself is ``core.privacy``."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.auth.models import Role
from portal.core.forms import ActionForm, form_status, submit
from portal.core.http import safe_next_url
from portal.extensions import limiter
from portal.i18n import interface_locale
from portal.legal import feedback, notice, records
from portal.legal.forms import FeedbackForm
from portal.security import roles_required

bp = Blueprint("legal", __name__)


def _feedback_limit() -> str:
    return current_app.config["RATELIMIT_FEEDBACK"]


@bp.get("/imprint")
def imprint() -> str:
    return render_template("legal/imprint.html")


@bp.route("/accessibility", methods=["GET", "POST"])
@limiter.limit(_feedback_limit, methods=["POST"])
def accessibility() -> ResponseReturnValue:
    form = FeedbackForm()
    return submit(
        form,
        lambda: feedback.send_accessibility_feedback(
            feedback.Feedback(
                name=form.name.data or "",
                email=form.email.data,
                message=form.message.data,
                page=form.page.data or "",
            ),
            interface_locale(),
        ),
        done=_("Danke! Ihre Nachricht ist eingegangen; wir antworten Ihnen per E-Mail."),
        target=url_for("legal.accessibility"),
        page=lambda: render_template(
            "legal/accessibility.html",
            form=form,
            statement_date=date.fromisoformat(current_app.config["ACCESSIBILITY_STATEMENT_DATE"]),
        ),
    )


@bp.get("/easy-read")
def easy_read() -> str:
    return render_template("legal/easy_read.html")


@bp.route("/privacy/acknowledge", methods=["GET", "POST"])
@login_required
def acknowledge() -> ResponseReturnValue:
    form = ActionForm()
    next_url = safe_next_url(request.values.get("next"))
    if form.validate_on_submit():
        notice.acknowledge(current_user._get_current_object())
        return redirect(next_url or url_for("core.dashboard"))
    return render_template(
        "legal/acknowledge.html",
        form=form,
        next_url=next_url or "",
        entry=notice.current_entry(),
        previous=current_user.privacy_version,
    ), form_status(form)


@bp.get("/admin/records-of-processing")
@roles_required(Role.ADMIN)
def records_of_processing() -> str:
    return render_template("legal/records.html", entries=records.record_entries(current_app.config))
