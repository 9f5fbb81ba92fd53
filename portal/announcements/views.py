"""Writing announcements (coordination, integration management) and the volunteers' archive."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.announcements import services
from portal.announcements.forms import AnnouncementForm
from portal.auth.models import Role
from portal.core.errors import DomainError
from portal.core.forms import attach_error, form_status
from portal.core.pagination import paginate
from portal.security import municipality_ids, roles_required

bp = Blueprint("announcements", __name__)


@bp.get("/")
@roles_required(Role.VOLUNTEER)
def archive() -> Any:
    page = paginate(services.archive_stmt(current_user))
    return render_template("announcements/archive.html", page=page)


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR, Role.MANAGER)
def new() -> Any:
    form = AnnouncementForm()
    form.set_options(
        services.sender_roles(current_user), municipality_ids(current_user, Role.COORDINATOR)
    )
    if form.validate_on_submit():
        try:
            sent = services.send_announcement(
                current_user, form.audience(), form.subject.data, form.body.data
            )
        except DomainError as exc:
            attach_error(form, exc)
            return _page(form), exc.status_code
        flash(
            _(
                "Ihr Rundschreiben ist an %(count)d Ehrenamtliche gesendet.",
                count=sent.recipient_count,
            ),
            "success",
        )
        return redirect(url_for("announcements.new"))
    return _page(form), form_status(form)


def _page(form: AnnouncementForm) -> str:
    return render_template(
        "announcements/new.html",
        form=form,
        sent_today=services.sent_today(current_user),
        limit=current_app.config["ANNOUNCEMENTS_PER_DAY"],
    )
