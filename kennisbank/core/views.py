from flask import render_template
from flask_login import current_user

from ..services.access import permissions
from ..services.registry import handovers
from ..services.reporting import dashboard, start_page
from ..web.forms import ReviewForm
from . import bp


@bp.get("/")
def home():
    """Start page: search box, recent projects and lessons, the themes."""
    return render_template("core/home.html", **start_page.start_page())


@bp.get("/mijn")
def mine():
    """My projects, lessons and networks; per owned theme what waits; for administrators what is unowned."""
    is_admin = permissions.is_admin(current_user)
    return render_template("core/mine.html", projects=dashboard.my_projects(current_user),
                           lessons=dashboard.my_lessons(current_user),
                           memberships=dashboard.my_memberships(current_user),
                           boards=dashboard.theme_dashboards(current_user), review_form=ReviewForm(),
                           orphan_themes=handovers.themes_without_owner() if is_admin else [],
                           leavers=dashboard.leaving_soon() if is_admin else [], is_admin=is_admin)
