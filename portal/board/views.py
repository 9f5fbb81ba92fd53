"""Volunteers' task board, claims, reports and hours."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("board", __name__)
