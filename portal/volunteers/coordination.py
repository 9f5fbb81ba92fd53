"""Coordinator queue, decisions, certificate checks and overview."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("coordination", __name__)
