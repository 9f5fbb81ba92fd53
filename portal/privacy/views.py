"""Pages for data subjects' rights, thin (rules in `portal.privacy`): downloads of one's own data
and of a client's record for managers; erasure of a volunteer's own account (request, cancel,
confirm from the e-mailed link) and a manager's erasure of a client's record."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from portal.auth import signin, tokens
from portal.auth.models import Role, User
from portal.core.errors import DomainError
from portal.core.forms import ActionForm, attach_error, form_status, submit
from portal.core.http import private_file
from portal.core.time import today_local
from portal.extensions import db, limiter
from portal.plans.models import Client
from portal.privacy import client_erasure, client_record, erasure, export
from portal.privacy.forms import ConfirmErasureForm, EraseClientForm, RequestErasureForm
from portal.security import may_see_client, require, roles_required

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


def _me() -> User:
    user: User = current_user._get_current_object()
    return user


def _confirm_limit() -> str:
    return current_app.config["RATELIMIT_LOGIN"]


@bp.get("/account/erasure")
@login_required
def account_erasure() -> str:
    return _erasure_page(RequestErasureForm(formdata=None))


def _erasure_page(form: RequestErasureForm) -> str:
    user = _me()
    return render_template(
        "privacy/account_erasure.html",
        form=form,
        allowed=erasure.may_erase_own_account(user),
        pending=erasure.pending_request(user),
        cancel_form=ActionForm(),
    )


@bp.post("/account/erasure/request")
@login_required
def request_erasure() -> ResponseReturnValue:
    require(erasure.may_erase_own_account(_me()))
    form = RequestErasureForm()
    if not form.validate_on_submit():
        return _erasure_page(form), 400
    erasure.request_erasure(_me())
    flash(_("Wir haben Ihnen eine E-Mail mit einem Bestätigungslink geschickt."), "success")
    return redirect(url_for("privacy.account_erasure"))


@bp.post("/account/erasure/cancel")
@login_required
def cancel_erasure() -> Response:
    require(erasure.may_erase_own_account(_me()))
    if not ActionForm().validate_on_submit():
        abort(400)
    erasure.cancel_erasure(_me())
    flash(_("Ihr Antrag auf Löschung ist zurückgezogen."), "success")
    return redirect(url_for("privacy.account_erasure"))


@bp.route("/account/erasure/confirm/<token>", methods=["GET", "POST"])
@limiter.limit(_confirm_limit, methods=["POST"])
def confirm_erasure(token: str) -> ResponseReturnValue:
    erasure.user_for_token(token)  # a broken, expired or withdrawn link: see below
    form = ConfirmErasureForm()
    if form.validate_on_submit():
        try:
            user = erasure.confirm_erasure(token, form.password.data)
        except DomainError as exc:
            attach_error(form, exc)
        else:
            if current_user.is_authenticated and current_user.id == user.id:
                signin.sign_out()
            return redirect(url_for("privacy.erased"))
    return render_template("privacy/confirm_erasure.html", form=form), form_status(form)


@bp.errorhandler(tokens.TokenInvalid)
def link_invalid(exc: tokens.TokenInvalid) -> tuple[str, int]:
    return render_template("privacy/link_invalid.html", expired=exc.expired), 400


@bp.get("/account/erased")
def erased() -> str:
    return render_template("privacy/erased.html")


@bp.route("/plans/clients/<int:client_id>/erase", methods=["GET", "POST"])
@roles_required(Role.MANAGER, Role.ADMIN)
def erase_client(client_id: int) -> ResponseReturnValue:
    client = db.get_or_404(Client, client_id)
    require(may_see_client(current_user, client))
    form = EraseClientForm()
    return submit(
        form,
        lambda: client_erasure.erase_client(_me(), client, form.reason.data),
        done=_("Der Datensatz ist gelöscht."),
        target=url_for("plans.clients"),
        page=lambda: render_template("privacy/erase_client.html", form=form, client=client),
    )
