"""The admins' side of the second factor: which roles must use it, and a reset for a user who
lost their authenticator app (both audited). Every route requires the admin role."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.admin import services
from portal.admin.forms import TwoFactorPolicyForm
from portal.auth import two_factor
from portal.auth.models import Role
from portal.core.errors import DomainError
from portal.security import roles_required

bp = Blueprint("two_factor_admin", __name__)


@bp.route("/two-factor", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def policy() -> str | Response | tuple[str, int]:
    current = two_factor.policy()
    form = TwoFactorPolicyForm(required_roles=[role for role, on in current.items() if on])
    if form.validate_on_submit():
        chosen = set(form.required_roles.data or [])
        two_factor.set_policy(current_user, {role: role in chosen for role in Role})
        flash(_("Die Regel für die Zwei-Faktor-Anmeldung ist gespeichert."), "success")
        return redirect(url_for("two_factor_admin.policy"))
    status = 400 if form.errors else 200
    return render_template("admin/two_factor.html", form=form, policy=current), status


@bp.post("/users/<int:user_id>/two-factor/reset")
@roles_required(Role.ADMIN)
def reset(user_id: int) -> Response:
    """The user sets up the second factor again (CSRF is checked for every POST)."""
    user = services.get_user(user_id)
    try:
        two_factor.reset_for(current_user, user)
    except DomainError as exc:
        flash(exc.message, "danger")
    else:
        flash(
            _("Die Zwei-Faktor-Anmeldung von %(name)s ist zurückgesetzt.", name=user.display_name),
            "success",
        )
    return redirect(url_for("admin.user", user_id=user.id))
