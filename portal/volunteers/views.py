"""Volunteer sign-up, profile and home page."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("volunteers", __name__)
