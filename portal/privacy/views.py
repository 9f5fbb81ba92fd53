"""Downloads for data subjects' rights: one's own data, and a client's record for managers."""

from __future__ import annotations

from flask import Blueprint
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from portal.auth.models import Role
from portal.core.http import private_file
from portal.core.time import today_local
from portal.privacy import client_record, export
from portal.security import roles_required

bp = Blueprint("privacy", __name__)

FORMATS = "any(json, pdf)"
MIMETYPES = {"json": "application/json", "pdf": "application/pdf"}


def download(body: bytes, fmt: str, stem: str) -> Response:
    """A private download named ``<stem>_<today>.<fmt>``."""
    return private_file(body, MIMETYPES[fmt], f"{stem}_{today_local().isoformat()}.{fmt}")


@bp.get(f"/account/data.<{FORMATS}:fmt>")
@login_required
def own_data(fmt: str) -> Response:
    """Everything the portal holds about the signed-in person (GDPR Art. 15/20)."""
    body = export.export_own_data(current_user._get_current_object(), fmt)
    return download(body, fmt, "Meine-Daten")


@bp.get(f"/plans/clients/<int:client_id>/export.<{FORMATS}:fmt>")
@roles_required(Role.MANAGER, Role.ADMIN)
def client_export(client_id: int, fmt: str) -> Response:
    """A client's record for a subject-access request (managers who may see the client)."""
    reference, body = client_record.export_client_record(current_user, client_id, fmt)
    return download(body, fmt, f"Akte_{reference}")
