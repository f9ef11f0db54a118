"""People: who leads, wrote and sits where — so that 'who knows about this?' has an answer."""
from flask import Blueprint

bp = Blueprint("people", __name__, url_prefix="/mensen")

from . import views  # noqa: E402,F401
