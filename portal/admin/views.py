"""Admin pages. Every route requires the admin role."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import select

from portal.auth.models import Role
from portal.core.pagination import paginate
from portal.extensions import db
from portal.notifications.models import OutboundEmail
from portal.security import roles_required

bp = Blueprint("admin", __name__)


@bp.get("/outbox")
@roles_required(Role.ADMIN)
def outbox() -> str:
    page = paginate(select(OutboundEmail).order_by(OutboundEmail.id.desc()))
    return render_template("admin/outbox.html", page=page)


@bp.get("/outbox/<int:email_id>")
@roles_required(Role.ADMIN)
def outbox_message(email_id: int) -> str:
    email = db.get_or_404(OutboundEmail, email_id)
    return render_template("admin/outbox_message.html", email=email)
