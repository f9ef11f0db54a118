from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import db
from ..ground.errors import DomainError
from ..ground.logs import security_event
from ..services.access import audit, login_throttle, sessions, users
from ..web.error_pages import render_error
from ..web.helpers import has_control_characters, put_on_form
from . import bp, oidc
from .forms import LoginForm, PasswordForm, PhoneForm
from .sign_in import sign_in

FAILED_LOGIN = "Het e-mailadres of het wachtwoord klopt niet, of dit account is niet actief."
BAD_NEXT = ("Deze inloglink bevat een ongeldige terugverwijzing. Open de inlogpagina opnieuw via het menu; "
            "er is niemand ingelogd.")


@bp.route("/inloggen", methods=["GET", "POST"])
def login():
    """Log in with e-mail and password, or with the organisation's account (OpenID Connect)."""
    if has_control_characters(request.args.get("next", "")):
        return render_error(400, BAD_NEXT)
    password_login = current_app.config["PASSWORD_LOGIN"]
    form = LoginForm()
    status = 200
    if request.method == "POST" and not password_login:
        abort(404)
    if form.validate_on_submit():
        address = request.remote_addr or ""
        refusal = login_throttle.check(form.email.data, address)
        if refusal is not None:
            # Refused before any password is hashed: a flood costs nothing but this query.
            security_event("login_throttled", wait_seconds=refusal.wait_seconds)
            form.password.errors.append(refusal.message)
            response = current_app.make_response((render_template(
                "auth/login.html", form=form, password_login=True, oidc_name=oidc.display_name()), 429))
            response.headers["Retry-After"] = str(refusal.wait_seconds)
            return response
        user = users.authenticate(form.email.data, form.password.data)
        if user is not None:
            login_throttle.succeeded(form.email.data)
            oidc.link_after_password(user)
            return sign_in(user, "wachtwoord")
        known = users.find_by_email(form.email.data)
        audit.record("login_failed", None, known or "", via="wachtwoord")
        if login_throttle.failed(form.email.data, address):
            audit.record("login_blocked", None, known or "")
        db.session.commit()
        form.password.errors.append(FAILED_LOGIN)
    if form.errors:
        status = 400
    return render_template("auth/login.html", form=form, password_login=password_login,
                           oidc_name=oidc.display_name()), status


@bp.post("/uitloggen")
@login_required
def logout():
    """Log out (POST, so that a link elsewhere cannot log someone out); the session ends on the server."""
    user = current_user._get_current_object()
    end_session_url = oidc.logout_url(user)  # before the session ends: it holds the provider's ID token
    sessions.end_current("uitgelogd")
    audit.record("logout", user, user)
    db.session.commit()
    logout_user()
    flash("U bent uitgelogd.", "info")
    return redirect(end_session_url or url_for("auth.login"))


@bp.get("/sessies")
@login_required
def my_sessions():
    """Where I am logged in, with "overal uitloggen"."""
    return _sessions_page(current_user._get_current_object())


def _sessions_page(user, *, password_form: PasswordForm | None = None, phone_form: PhoneForm | None = None):
    """The sessions page with both its forms (the one just refused keeps what was typed)."""
    current = sessions.current_row()
    return render_template("auth/sessions.html", rows=sessions.open_sessions(user),
                           current_id=current.id if current else None, form=password_form or PasswordForm(),
                           phone_form=phone_form or PhoneForm(formdata=None, phone=user.phone))


@bp.post("/sessies/telefoon")
@login_required
def set_phone():
    """The number colleagues can call, on the person's page and next to "mensen om te vragen"."""
    user = current_user._get_current_object()
    form = PhoneForm()
    if form.validate_on_submit():
        try:
            users.set_phone(user, form.phone.data or "")
        except DomainError as error:
            put_on_form(form, error)
        else:
            db.session.commit()
            flash("Uw telefoonnummer is opgeslagen." if user.phone else "Uw telefoonnummer is verwijderd.", "success")
            return redirect(url_for("auth.my_sessions"))
    db.session.rollback()
    return _sessions_page(user, phone_form=form), 400


@bp.post("/sessies/overal-uitloggen")
@login_required
def logout_everywhere():
    user = current_user._get_current_object()
    ended = sessions.end_all(user, "overal uitgelogd")
    audit.record("sessions_revoked", user, user, sessions=ended, reason="overal uitgelogd")
    db.session.commit()
    logout_user()
    flash(f"U bent overal uitgelogd ({ended} sessie{'s' if ended != 1 else ''}).", "info")
    return redirect(url_for("auth.login"))


@bp.post("/sessies/wachtwoord")
@login_required
def change_password():
    """A new password ends every other session (a thief's copy of the cookie included)."""
    user = current_user._get_current_object()
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            users.change_password(user, form.current.data, form.new.data)
        except DomainError as error:
            put_on_form(form, error)
        else:
            current = sessions.current_row()
            ended = sessions.end_all(user, "wachtwoord gewijzigd")
            audit.record("sessions_revoked", user, user, sessions=ended, reason="wachtwoord gewijzigd")
            db.session.flush()
            if current is not None:  # this browser stays logged in, on a fresh session
                sessions.start(user, current.via)
                login_user(user)
            db.session.commit()
            flash("Uw wachtwoord is gewijzigd. Andere sessies zijn beëindigd.", "success")
            return redirect(url_for("auth.my_sessions"))
    db.session.rollback()
    return _sessions_page(user, password_form=form), 400
