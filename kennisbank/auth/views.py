from flask import flash, redirect, render_template, request, url_for
from flask_login import login_required, login_user, logout_user

from ..ops.logs import security_event
from ..services import users
from ..web import safe_next
from . import bp
from .forms import LoginForm

FAILED_LOGIN = "Het e-mailadres of het wachtwoord klopt niet, of dit account is niet actief."


@bp.route("/inloggen", methods=["GET", "POST"])
def login():
    """Log in with e-mail and password."""
    form = LoginForm()
    if form.validate_on_submit():
        user = users.authenticate(form.email.data, form.password.data)
        if user is not None:
            login_user(user)
            security_event("login", user_id=user.id)
            flash(f"Welkom, {user.name}.", "success")
            return redirect(safe_next(request.args.get("next"), url_for("core.home")))
        security_event("login_failed")
        form.password.errors.append(FAILED_LOGIN)
    status = 400 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/uitloggen")
@login_required
def logout():
    """Log out (POST, so that a link elsewhere cannot log someone out)."""
    logout_user()
    flash("U bent uitgelogd.", "info")
    return redirect(url_for("auth.login"))
