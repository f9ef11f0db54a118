"""Search pages: /zoeken (one search over everything) and /woordenlijst (the government vocabulary).
The search engine behind them is kennisbank.search."""
from flask import Blueprint

bp = Blueprint("searching", __name__)

from . import views, vocabulary_views  # noqa: E402,F401
