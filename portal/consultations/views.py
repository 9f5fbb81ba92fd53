"""The staff's side of consultation hours: places, hours and their exceptions, the page of one
date (bookings and walk-in counts), the manager's day list and calendar feed, home visits.

Managers keep hours in their municipalities; coordinators of a municipality see its hours, book
slots (naming the client by the pseudonymous reference) and count walk-ins.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from portal.auth.models import Role
from portal.consultations import queries, services
from portal.consultations.forms import (
    DateExceptionForm,
    HoursForm,
    PlaceForm,
)
from portal.consultations.models import ConsultationHours, ConsultationPlace
from portal.core.errors import DomainError
from portal.core.forms import attach_error, submit
from portal.core.pagination import paginate
from portal.core.time import today_local
from portal.extensions import db
from portal.municipalities.models import Office
from portal.security import managed_municipality_ids, require, roles_required

bp = Blueprint("consultations", __name__)

MANAGERS = (Role.MANAGER, Role.ADMIN)
STAFF = (Role.MANAGER, Role.COORDINATOR, Role.ADMIN)
UPCOMING_DAYS = 14
HOURS_AHEAD_DAYS = 56


def hours_or_404(hours_id: int, *, keep: bool = False) -> ConsultationHours:
    hours = db.get_or_404(ConsultationHours, hours_id)
    allowed = (
        services.may_keep_hours(current_user, hours.municipality_id)
        if keep
        else services.may_staff_hours(current_user, hours)
    )
    require(allowed)
    return hours


def _place_or_404(place_id: int) -> ConsultationPlace:
    place = db.get_or_404(ConsultationPlace, place_id)
    require(services.may_keep_hours(current_user, place.municipality_id))
    return place


# --- overview ----------------------------------------------------------------------------------


@bp.get("/")
@roles_required(*STAFF)
def index() -> str:
    today = today_local()
    page = paginate(queries.hours_stmt(current_user, current_on=today))
    upcoming = queries.occurrences_of(list(page.items), today, today + timedelta(UPCOMING_DAYS))
    return render_template(
        "consultations/index.html",
        page=page,
        upcoming=upcoming,
        today=today,
        is_manager=current_user.has_role(Role.MANAGER, Role.ADMIN),
    )


# --- places ------------------------------------------------------------------------------------


def _place_form(place: ConsultationPlace | None = None) -> PlaceForm:
    form = PlaceForm(obj=place) if place is not None and request.method == "GET" else PlaceForm()
    form.municipality_id.offer(managed_municipality_ids(current_user))
    offices = db.session.scalars(db.select(Office).order_by(Office.name)).all()
    form.office_id.choices = [
        SelectChoice("", _("– keine –")),
        *(SelectChoice(o.id, o.name) for o in offices),
    ]
    return form


@bp.get("/places")
@roles_required(*MANAGERS)
def places() -> str:
    page = paginate(queries.places_stmt(current_user))
    return render_template("consultations/places.html", page=page)


@bp.route("/places/new", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def create_place() -> ResponseReturnValue:
    form = _place_form()
    return submit(
        form,
        lambda: services.save_place(current_user, None, form.to_input()),
        done=_("Ort gespeichert."),
        target=url_for("consultations.places"),
        page=lambda: render_template("consultations/place_form.html", form=form, place=None),
        refused=(DomainError,),
    )


@bp.route("/places/<int:place_id>/edit", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def edit_place(place_id: int) -> ResponseReturnValue:
    place = _place_or_404(place_id)
    form = _place_form(place)
    return submit(
        form,
        lambda: services.save_place(current_user, place, form.to_input()),
        done=_("Gespeichert."),
        target=url_for("consultations.places"),
        page=lambda: render_template("consultations/place_form.html", form=form, place=place),
        refused=(DomainError,),
    )


# --- hours -------------------------------------------------------------------------------------


def _hours_form(hours: ConsultationHours | None = None) -> HoursForm:
    if hours is not None and request.method == "GET":
        form = HoursForm(obj=hours)
        form.languages.data = hours.languages
        form.slot_hours.set_minutes(hours.slot_minutes)
    else:
        form = HoursForm()
    form.place_id.choices = [
        SelectChoice("", _("– bitte wählen –")),
        *(
            SelectChoice(p.id, f"{p.name} ({p.municipality.name})")
            for p in queries.places_for(current_user)
        ),
    ]
    return form


@bp.route("/hours/new", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def create_hours() -> ResponseReturnValue:
    form = _hours_form()
    return submit(
        form,
        lambda: services.save_hours(current_user, None, form.to_input()),
        done=_("Sprechstunde gespeichert."),
        target=lambda hours: url_for("consultations.hours_detail", hours_id=hours.id),
        page=lambda: render_template("consultations/hours_form.html", form=form, hours=None),
        refused=(DomainError,),
    )


@bp.route("/hours/<int:hours_id>/edit", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def edit_hours(hours_id: int) -> ResponseReturnValue:
    hours = hours_or_404(hours_id, keep=True)
    form = _hours_form(hours)
    return submit(
        form,
        lambda: services.save_hours(current_user, hours, form.to_input()),
        done=_("Gespeichert."),
        target=url_for("consultations.hours_detail", hours_id=hours.id),
        page=lambda: render_template("consultations/hours_form.html", form=form, hours=hours),
        refused=(DomainError,),
    )


def _exception_form() -> DateExceptionForm:
    form = DateExceptionForm()
    form.place_id.choices = [
        SelectChoice("", _("– bitte wählen –")),
        *(SelectChoice(p.id, p.name) for p in queries.places_for(current_user)),
    ]
    return form


def _hours_page(hours: ConsultationHours, form: DateExceptionForm | None = None) -> str:
    today = today_local()
    upcoming = queries.occurrences_of([hours], today, today + timedelta(HOURS_AHEAD_DAYS))
    return render_template(
        "consultations/hours_detail.html",
        hours=hours,
        upcoming=upcoming,
        form=form or _exception_form(),
        may_keep=services.may_keep_hours(current_user, hours.municipality_id),
    )


@bp.get("/hours/<int:hours_id>")
@roles_required(*STAFF)
def hours_detail(hours_id: int) -> str:
    return _hours_page(hours_or_404(hours_id))


def _apply_date_change(action: str, hours: ConsultationHours, form: DateExceptionForm) -> str:
    """Run the change the button asked for; the message to show."""
    day, note = form.on_date.data, form.note.data or ""
    if action == "cancel":
        n = services.cancel_date(current_user, hours, day, note)
        message = _("Der Termin fällt aus.")
        if n:
            message += " " + _("Abgesagte Termine (Beteiligte benachrichtigt): %(n)d", n=n)
        return message
    if action == "move":
        services.move_date(current_user, hours, day, form.place_id.data, note)
        return _("Der Termin findet in einem anderen Raum statt.")
    services.restore_date(current_user, hours, day)
    return _("Der Termin findet wie gewohnt statt.")


@bp.post("/hours/<int:hours_id>/dates")
@roles_required(*MANAGERS)
def change_date(hours_id: int) -> ResponseReturnValue:
    """Cancel a date, hold it in another room, or as usual again (the button says which)."""
    hours = hours_or_404(hours_id, keep=True)
    form = _exception_form()
    action = request.form.get("action", "")
    if action not in ("cancel", "move", "restore"):
        abort(400)
    if form.validate_on_submit():
        try:
            message = _apply_date_change(action, hours, form)
        except DomainError as exc:
            attach_error(form, exc)
        else:
            flash(message, "success")
            return redirect(url_for("consultations.hours_detail", hours_id=hours.id))
    return _hours_page(hours, form), 400
