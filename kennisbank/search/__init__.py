"""Full-text search: Dutch analysis, the Whoosh index, keeping it in step with the database, queries.

The blueprint serves /zoeken; the rest of the package is the machinery behind it."""
from flask import Blueprint

bp = Blueprint("search", __name__)

from . import views, vocabulary_views  # noqa: E402,F401
