from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..extensions import csrf, db
from ..ground.errors import DomainError
from ..services.notifying import follows
from ..web.helpers import put_on_form
from . import bp
from .forms import SettingsForm


def _kind(slug: str) -> str:
    if slug not in follows.KINDS_BY_SLUG:
        abort(404)
    return follows.KINDS_BY_SLUG[slug]


@bp.post("/volgen/<kind_slug>/<int:item_id>")
def follow(kind_slug: str, item_id: int):
    """Follow an item: its changes arrive by e-mail (direct or daily, as set on /mijn/instellingen)."""
    kind = _kind(kind_slug)
    try:
        follows.follow(current_user, kind, item_id)
    except follows.NotFollowable:
        abort(404)
    db.session.commit()
    thing = follows.item(kind, item_id)
    how = "meteen" if current_user.notify_mode == "direct" else "in één bericht per dag"
    flash(f"U volgt nu {follows.describe(kind, thing)}. U krijgt {how} een e-mail als er iets verandert.", "success")
    return redirect(follows.path(kind, thing))


@bp.post("/volgen/<kind_slug>/<int:item_id>/stoppen")
def unfollow(kind_slug: str, item_id: int):
    kind = _kind(kind_slug)
    ended = follows.unfollow(current_user, kind, item_id)
    db.session.commit()
    name = follows.name_for(current_user, kind, item_id)
    flash(f"U volgt {name} niet meer." if ended else f"U volgde {name} al niet meer.", "success")
    thing = follows.visible_item(current_user, kind, item_id)
    if request.form.get("terug") == "instellingen" or thing is None:
        return redirect(url_for("follows.settings"))
    return redirect(follows.path(kind, thing))


@bp.route("/mijn/instellingen", methods=["GET", "POST"])
def settings():
    """How notifications arrive, and everything one follows (each with 'Niet meer volgen')."""
    user = current_user._get_current_object()
    form = SettingsForm(data={"mode": user.notify_mode})
    if request.method == "POST":
        form = SettingsForm()
        if form.validate_on_submit():
            try:
                follows.set_mode(user, form.mode.data)
            except DomainError as error:
                put_on_form(form, error)
            else:
                db.session.commit()
                flash("Uw instelling is opgeslagen.", "success")
                return redirect(url_for("follows.settings"))
        db.session.rollback()
        return _settings_page(user, form), 400
    return _settings_page(user, form)


def _settings_page(user, form: SettingsForm):
    return render_template("follows/settings.html", form=form, followed=follows.followed_by(user))


@bp.route("/volgen/afmelden/<token>", methods=["GET", "POST"])
@csrf.exempt  # the signed token is the proof; mail programs post here themselves (RFC 8058, one click)
def unfollow_link(token: str):
    """Stop following from a mail, without logging in: GET shows what and a button, POST ends it."""
    config = current_app.config
    try:
        user, kind, item_id = follows.read_token(config["SECRET_KEY"], token, config["UNFOLLOW_LINK_DAYS"])
    except follows.BadLink as error:
        return render_template("follows/unfollow.html", problem=error.message), 400
    name = follows.name_for(user, kind, item_id)  # a link must not reveal a concept's title
    if request.method == "POST":
        follows.unfollow(user, kind, item_id)
        db.session.commit()
        return render_template("follows/unfollow.html", done=True, name=name)
    return render_template("follows/unfollow.html", name=name, following=follows.is_following(user, kind, item_id))
