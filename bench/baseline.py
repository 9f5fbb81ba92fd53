"""The baseline: a bare Flask + psycopg page — one indexed SELECT of 20 rows and a Jinja
template — served by gunicorn exactly like the portal (4 sync workers):

    BASELINE_DSN=postgresql://postgres@127.0.0.1:5432/portal_bench_1000 \
        gunicorn -w 4 -b 127.0.0.1:8001 --chdir bench baseline:app

One connection per worker process (opened on first use); the query walks the board index
(status, municipality_id, first_on, time_of_day, id) of the portal's own `need` table, 20 rows.
"""

from __future__ import annotations

import os
from pathlib import Path

import psycopg
from flask import Flask, render_template

app = Flask(__name__, template_folder=str(Path(__file__).parent / "templates"))
QUERY = """SELECT id, title, first_on, capacity - taken AS free FROM need
           WHERE status = 'open' AND municipality_id = %s
           ORDER BY first_on, time_of_day, id LIMIT 20"""
_connection: list[psycopg.Connection] = []


def connection() -> psycopg.Connection:
    if not _connection or _connection[0].closed:
        _connection[:] = [psycopg.connect(os.environ["BASELINE_DSN"], autocommit=True)]
    return _connection[0]


@app.get("/")
def index() -> str:
    municipality = int(os.environ.get("BASELINE_MUNICIPALITY", "1"))
    rows = connection().execute(QUERY, (municipality,)).fetchall()
    return render_template("baseline.html", rows=rows)
