"""The public pages of consultation hours (no log-in): the municipalities with hours, the next
dates of one, and its poster (PDF). They speak the public pages' languages (portal.i18n)."""

from __future__ import annotations

from flask import Blueprint, Response, render_template

from portal.consultations import poster, public
from portal.core.pagination import page_number, paginate
from portal.core.time import today_local

bp = Blueprint("consultation_hours", __name__)


@bp.get("/")
def index() -> str:
    page = paginate(public.with_hours_stmt(today_local()), per_page=50)
    return render_template("consultations/public_index.html", page=page)


@bp.get("/<int:municipality_id>")
def municipality(municipality_id: int) -> str:
    place = public.municipality_or_404(municipality_id)
    dates = public.dates_page(place.id, today_local(), page_number())
    return render_template(
        "consultations/public_municipality.html",
        municipality=place,
        page=dates,
        map_url=public.map_url,
        language_list=public.language_list,
        weeks=public.PAGE_DAYS // 7,
    )


@bp.get("/<int:municipality_id>/poster.pdf")
def poster_pdf(municipality_id: int) -> Response:
    place = public.municipality_or_404(municipality_id)
    body = poster.render(place, today_local())
    return Response(
        body,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="sprechstunden-{place.id}.pdf"'},
    )
