"""The conversation page of a need (read, write) and correcting one's own message.

Thin views: the members and what they may do come from `portal.conversations.rules`, the
changes from `portal.conversations.services`. Opening the page marks the conversation read.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.conversations import queries, rules, services
from portal.conversations.forms import MessageForm
from portal.conversations.models import AuthorRole, ConversationMessage
from portal.conversations.text import linkify
from portal.core.errors import DomainError
from portal.core.forms import attach_error, form_status
from portal.core.pagination import paginate
from portal.core.time import utcnow
from portal.extensions import db
from portal.needs.models import Need
from portal.security import require

bp = Blueprint("conversations", __name__)
bp.add_app_template_filter(linkify, "linkify")


def _member_or_404(need_id: int) -> tuple[Need, rules.Access]:
    need = db.get_or_404(Need, need_id)
    access = rules.access_of(current_user, need)
    require(access is not None)
    assert access is not None
    return need, access


def _page(need: Need, access: rules.Access, form: MessageForm, status: int = 200) -> Any:
    page = paginate(queries.messages_stmt(need.id, access))
    back = (
        url_for("needs.detail", need_id=need.id)
        if access.role == AuthorRole.MANAGER
        else url_for("board.need", need_id=need.id)
    )
    return render_template(
        "conversations/show.html",
        need=need,
        access=access,
        form=form,
        page=page,
        back=back,
        now=utcnow(),
        may_edit=rules.may_edit,
        edit_window=rules.EDIT_WINDOW,
    ), status


@bp.route("/<int:need_id>/conversation", methods=["GET", "POST"])
@login_required
def show(need_id: int) -> Any:
    need, access = _member_or_404(need_id)
    form = MessageForm()
    if form.validate_on_submit():
        try:
            services.post_message(current_user, need.id, form.body.data)
        except DomainError as exc:
            attach_error(form, exc)
            return _page(need, access, form, exc.status_code)
        flash(_("Ihre Nachricht ist gesendet."), "success")
        return redirect(url_for("conversations.show", need_id=need.id))
    if form.is_submitted():
        return _page(need, access, form, 400)
    services.mark_read(current_user, need.id)
    return _page(need, access, form)


@bp.route("/messages/<int:message_id>/edit", methods=["GET", "POST"])
@login_required
def edit(message_id: int) -> Any:
    message = db.get_or_404(ConversationMessage, message_id)
    require(message.author_id == current_user.id)
    need, access = _member_or_404(message.need_id)
    if not (access.can_write and rules.may_edit(current_user, message, utcnow())):
        flash(
            str(rules.EDIT_CLOSED),
            "warning",
        )
        return redirect(url_for("conversations.show", need_id=need.id))
    form = MessageForm(obj=message)
    if form.validate_on_submit():
        try:
            services.edit_message(current_user, message.id, form.body.data)
        except DomainError as exc:
            attach_error(form, exc)
            return render_template(
                "conversations/edit.html", need=need, message=message, form=form
            ), exc.status_code
        flash(_("Ihre Nachricht ist geändert."), "success")
        return redirect(url_for("conversations.show", need_id=need.id))
    return render_template(
        "conversations/edit.html", need=need, message=message, form=form
    ), form_status(form)
