"""Landing page, dashboard, health check and static pages."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from portal.core.health import database_problem
from portal.dashboard import cards_for
from portal.extensions import limiter
from portal.legal import notice
from portal.municipalities.services import all_offices

bp = Blueprint("core", __name__)


@bp.get("/")
def index() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("core.dashboard"))
    return render_template("core/index.html", offices=all_offices())


@bp.get("/dashboard")
@login_required
def dashboard() -> str:
    return render_template("core/dashboard.html", cards=cards_for(current_user))


@bp.get("/privacy")
def privacy() -> str:
    """The privacy notice (GDPR Art. 13) in force, with the list of its versions."""
    return render_template(
        "core/privacy.html", entry=notice.current_entry(), history=notice.HISTORY
    )


@bp.get("/healthz")
@limiter.exempt
def healthz() -> tuple[dict[str, str], int]:
    """200 with the database's state, 503 when the database does not answer."""
    problem = database_problem()
    if problem is not None:
        return {"status": "error", "database": "unavailable", "error": problem}, 503
    return {"status": "ok", "database": "ok"}, 200
