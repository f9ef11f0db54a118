from flask import render_template, request
from flask_login import current_user

from ..models import User
from ..services import people
from ..web import get_or_404
from . import bp


@bp.get("/")
def index():
    """Find people by name, department or organisation."""
    query = request.args.get("q", "").strip()[:200]
    return render_template("people/index.html", query=query, found=people.find_people(query) if query else [])


@bp.get("/<int:user_id>")
def detail(user_id: int):
    """A person: projects led, lessons written, networks."""
    person = get_or_404(User, user_id)
    return render_template("people/detail.html", person=person, **people.person_page(person, current_user))
