"""Lessons learned: list, page, logging, editing, reviewing, archiving."""
from flask import Blueprint

bp = Blueprint("lessons", __name__, url_prefix="/lessen")

from . import views  # noqa: E402,F401
