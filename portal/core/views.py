"""Landing page, dashboard, health check and static pages."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import text
from werkzeug.wrappers import Response

from portal.dashboard import cards_for
from portal.extensions import db, limiter

bp = Blueprint("core", __name__)


@bp.get("/")
def index() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("core.dashboard"))
    return render_template("core/index.html")


@bp.get("/dashboard")
@login_required
def dashboard() -> str:
    return render_template("core/dashboard.html", cards=cards_for(current_user))


@bp.get("/privacy")
def privacy() -> str:
    return render_template("core/privacy.html")


@bp.get("/healthz")
@limiter.exempt
def healthz() -> tuple[dict[str, str], int]:
    """200 with the database's state, 503 when the database does not answer."""
    try:
        db.session.execute(text("SELECT 1"))
        db.session.rollback()
    except Exception as exc:
        db.session.rollback()
        return {"status": "error", "database": "unavailable", "error": type(exc).__name__}, 503
    return {"status": "ok", "database": "ok"}, 200
