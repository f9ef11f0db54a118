"""Attachments on projects and lessons: upload, download, remove."""
from flask import Blueprint

bp = Blueprint("attachments", __name__, url_prefix="/bijlagen")

from . import views  # noqa: E402,F401
