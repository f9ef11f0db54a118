from flask import render_template, request
from flask_login import current_user

from ..models import User
from ..services.finding import people
from ..services.finding import search as search_service
from ..web.helpers import get_or_404
from . import bp


@bp.get("/")
def index():
    """Who knows about this? People ranked by matching work, and people by name."""
    query = request.args.get("q", "").strip()[:500]
    knowers, notices = search_service.people_who_know(current_user, query) if query else ([], [])
    return render_template("people/index.html", query=query, knowers=knowers, notices=notices,
                           found=people.find_people(query) if query else [])


@bp.get("/<int:user_id>")
def detail(user_id: int):
    """A person: projects led, lessons written, networks."""
    person = get_or_404(User, user_id)
    return render_template("people/detail.html", person=person, **people.person_page(person, current_user))
