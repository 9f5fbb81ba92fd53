"""Managers' support needs."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("needs", __name__)
