"""Following projects, lessons, themes and networks; one's notification settings; the unfollow link."""
from flask import Blueprint

bp = Blueprint("follows", __name__)

from . import views  # noqa: E402,F401
