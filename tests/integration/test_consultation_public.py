"""The public consultation-hour pages (no log-in) and a town hall's poster: the municipalities
with hours, the next dates of one with place, time, languages (named in the visitor's
language), walk-in or by appointment, phone and a map link; paged, bounded in queries; the
poster's Arabic and Farsi parts extracted from the PDF in logical order."""

from __future__ import annotations

import io
import re
from datetime import date, time, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from pypdf import PdfReader

from portal.consultations.recurrence import is_public_holiday
from portal.core.time import today_local
from portal.extensions import db
from tests import factories
from tests import factories_consultations as fc
from tests.factories_auth import text


def next_weekday(weekday: int, after: date) -> date:
    day = after
    while day.weekday() != weekday or is_public_holiday(day):
        day += timedelta(days=1)
    return day


@pytest.fixture
def town(app):
    refs = factories.reference_data()
    gaggenau, buehl = refs["Gaggenau"], refs["Bühl"]
    manager = factories.manager(gaggenau, name="Sabine Keller")
    room = fc.place(
        gaggenau,
        "Rathaus Gaggenau, Zimmer 12",
        address="Hauptstraße 71, 76571 Gaggenau",
        phone="07225 962-0",
        accessibility="Aufzug am Seiteneingang",
    )
    hall = fc.place(gaggenau, "Rathaus Gaggenau, Sitzungssaal", address="Hauptstraße 71")
    today = today_local()
    walk_in = fc.hours(room, manager, 1, today, languages=("de", "ar", "fa"))
    fc.hours(
        room,
        manager,
        3,
        today,
        starts=time(14, 0),
        ends=time(16, 30),
        booking="appointment",
        slot_minutes=30,
        languages=("uk", "tr"),
    )
    first_tuesday = next_weekday(1, today)
    cancelled = next_weekday(1, first_tuesday + timedelta(days=1))
    moved = next_weekday(1, cancelled + timedelta(days=1))
    fc.exception(walk_in, cancelled, note="Urlaub")
    fc.exception(walk_in, moved, kind="moved", place_=hall)
    db.session.commit()
    return {
        "gaggenau": gaggenau,
        "buehl": buehl,
        "walk_in": walk_in,
        "cancelled": cancelled,
        "moved": moved,
    }


def in_lang(client, lang: str) -> None:
    with client.session_transaction() as kept:
        kept["lang"] = lang


def test_the_index_lists_the_municipalities_with_hours_without_log_in(town, client):
    html = text(client.get("/consultation-hours/"))
    assert f'href="/consultation-hours/{town["gaggenau"].id}"' in html
    assert f'href="/consultation-hours/{town["buehl"].id}"' not in html
    # the start page and the header lead there
    assert 'href="/consultation-hours/"' in text(client.get("/"))


def test_a_municipality_shows_its_next_dates(town, client):
    html = text(client.get(f"/consultation-hours/{town['gaggenau'].id}"))
    assert "<h1>Beratung und Sprechstunden in Gaggenau</h1>" in html
    assert "Rathaus Gaggenau, Zimmer 12" in html and "Hauptstraße 71, 76571 Gaggenau" in html
    assert "09:00–12:00 Uhr" in html and "14:00–16:30 Uhr" in html
    assert "offene Sprechstunde ohne Termin" in html and "mit Termin" in html
    assert "Deutsch, Arabisch und Farsi (Persisch)" in html
    assert 'href="tel:07225962-0"' in html
    assert "Aufzug am Seiteneingang" in html
    # the cancelled date says so, the moved one names the other room
    assert html.count("Diese Sprechstunde fällt aus.") == 1 and "Urlaub" in html
    assert "An diesem Tag in einem anderen Raum." in html
    assert "Rathaus Gaggenau, Sitzungssaal" in html
    # nothing about the staff
    assert "Sabine Keller" not in html
    assert "<bdi" not in html  # left-to-right pages need no isolation


def test_the_map_link_searches_the_address_on_openstreetmap(town, client):
    html = text(client.get(f"/consultation-hours/{town['gaggenau'].id}"))
    links = re.findall(r'href="(https://www\.openstreetmap\.org/search\?[^"]+)"', html)
    assert links
    query = parse_qs(urlsplit(links[0].replace("&amp;", "&")).query)["query"]
    assert query == ["Hauptstraße 71, 76571 Gaggenau"]
    # the page itself loads nothing from elsewhere
    assert not re.search(r'<(script|img|iframe|link)[^>]+(src|href)="https?://', html)


def test_the_page_speaks_the_visitors_language(town, client):
    in_lang(client, "ar")
    html = text(client.get(f"/consultation-hours/{town['gaggenau'].id}"))
    assert '<html lang="ar" dir="rtl">' in html
    assert "الاستشارة وأوقات الاستقبال في Gaggenau" in html
    assert "الألمانية والعربية والفارسية" in html  # language names in Arabic
    assert "استشارة مفتوحة دون موعد" in html
    # the staff's free text is German, and marked so
    assert '<span lang="de">Aufzug am Seiteneingang</span>' in html
    # phone numbers and times stay left to right inside the right-to-left page
    assert '<bdi dir="ltr">07225 962-0</bdi>' in html
    assert '<bdi dir="ltr">09:00–12:00</bdi>' in html
    in_lang(client, "uk")
    html = text(client.get(f"/consultation-hours/{town['gaggenau'].id}"))
    assert "Українська і Турецька" in html and "за записом" in html


def test_dates_are_paged_and_bounded(town, client, count_queries):
    url = f"/consultation-hours/{town['gaggenau'].id}"
    db.session.expire_all()
    with count_queries() as few:
        assert client.get(url).status_code == 200
    room = town["walk_in"].place
    for weekday in (0, 2, 4):
        for start in (time(8, 0), time(13, 0)):
            end = time(start.hour + 2, 0)
            fc.hours(room, None, weekday, today_local(), starts=start, ends=end)
    db.session.commit()
    db.session.expire_all()
    with count_queries() as many:
        first = text(client.get(url))
    assert many.count == few.count
    assert first.count('class="card') == 20
    assert 'rel="next"' in first
    assert client.get(f"{url}?page=2").status_code == 200
    assert client.get(f"{url}?page=99").status_code == 404


def test_unknown_municipalities_are_404(town, client):
    for path in ("/consultation-hours/999999", "/consultation-hours/99999999999999999999"):
        assert client.get(path).status_code == 404
        assert client.get(f"{path}/poster.pdf").status_code == 404


def test_a_municipality_without_hours_says_so(town, client):
    html = text(client.get(f"/consultation-hours/{town['buehl'].id}"))
    assert "In den nächsten Wochen sind hier keine Sprechstunden geplant." in html


def poster_text(client, municipality_id: int) -> tuple[PdfReader, str]:
    response = client.get(f"/consultation-hours/{municipality_id}/poster.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    # one line of text: a table cell or a long line wraps where the extraction puts a newline
    return reader, " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_the_poster_lists_the_dates_in_german_and_the_offered_languages(town, client):
    reader, content = poster_text(client, town["gaggenau"].id)
    assert reader.pages[0].mediabox.width == pytest.approx(595.28, abs=0.5)  # A4
    assert "Beratung und Sprechstunden in Gaggenau" in content
    tuesday = next_weekday(1, today_local())
    assert f"{tuesday:%d.%m.%Y}" in content and "fällt aus" in content
    assert "Rathaus Gaggenau, Sitzungssaal" in content and "in einem anderen Raum" in content
    # the languages of the hours that the public pages speak: Arabic, Farsi, Ukrainian, Turkish
    assert "Консультації та години прийому: Gaggenau" in content
    assert "Gaggenau: danışmanlık ve görüşme saatleri" in content
    assert "Advice and consultation hours" not in content  # no hours offer English


def test_the_posters_arabic_and_farsi_read_in_logical_order(town, client):
    reader, content = poster_text(client, town["gaggenau"].id)
    # whole phrases, letters and words in reading order (pypdf undoes the visual order)
    assert "تقدّم إدارة الاندماج في إدارة المقاطعة استشارة مجانية وسرية" in content
    assert "استشارة مفتوحة: يمكنكم الحضور دون موعد." in content
    assert "مشاوره و ساعات مراجعه در" in content
    assert "مدیریت ادغام ادارهٔ شهرستان به پناهجویان" in content
    # the phone number stays in one piece
    assert "07225 962-0" in content
    # the parts carry their language in the structure tree
    raw = bytes(client.get(f"/consultation-hours/{town['gaggenau'].id}/poster.pdf").data)
    for lang in (b"ar", b"fa", b"uk", b"tr"):
        assert b"/Lang (" + lang + b")" in raw
    assert reader.metadata is not None and reader.metadata.title


def test_the_poster_in_a_town_without_hours_is_german_only(town, client):
    _reader, content = poster_text(client, town["buehl"].id)
    assert "In den nächsten Monaten sind keine Termine geplant." in content
    assert not re.search(r"[\u0600-\u06ff]", content)


def test_the_index_is_paged_in_sql(town, client, count_queries):
    db.session.expire_all()
    with count_queries() as few:
        assert client.get("/consultation-hours/").status_code == 200
    for n in range(60):
        town_n = factories.municipality(f"Ort {n:02d}")
        fc.hours(fc.place(town_n), None, 2, today_local())
    db.session.commit()
    db.session.expire_all()
    with count_queries() as many:
        html = text(client.get("/consultation-hours/"))
    assert many.count == few.count
    assert html.count('href="/consultation-hours/') - html.count("poster") >= 50
    assert 'rel="next"' in html
    assert "Ort 59" in text(client.get("/consultation-hours/?page=2"))
