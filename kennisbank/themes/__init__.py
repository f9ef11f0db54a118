"""Themes: the synthesis page, owners, and the theme's projects, lessons, networks and people."""
from flask import Blueprint

bp = Blueprint("themes", __name__, url_prefix="/themas")

from . import views  # noqa: E402,F401
