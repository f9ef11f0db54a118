from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..extensions import db
from ..ground.errors import DomainError
from ..models import Membership, MembershipRole
from ..services.access import permissions, users
from ..services.registry import networks, revisions, themes
from ..web.forms import as_choices
from ..web.helpers import delete_or_restore, get_or_404, page_arg, put_on_form, save_edit
from . import bp
from .forms import CONFLICT_FIELDS, MembershipForm, NetworkForm


def _network_or_404(slug: str):
    network = networks.get_by_slug(slug)
    if network is None or (network.is_deleted and not permissions.is_admin(current_user)):
        abort(404)
    return network


def _form(network=None, *, stored: bool = False) -> NetworkForm:
    """The form as submitted, or filled from the network (on GET, or `stored`: as saved now)."""
    from_network = network is not None and (stored or request.method == "GET")
    form = NetworkForm(formdata=None, obj=network) if from_network else NetworkForm()
    form.themes.choices = as_choices((t.id, t.name) for t in themes.active_themes())
    if from_network:
        form.themes.data = [t.id for t in network.themes]
        form.kind.data = network.kind.value
        form.version.data = network.version
    return form


@bp.get("/")
def index():
    """All networks, by kind and theme."""
    page = networks.list_networks(page_arg(), kind=request.args.get("soort", ""), theme=request.args.get("thema", ""))
    return render_template("networks/index.html", page=page, themes=themes.active_themes(),
                           can_create=permissions.can_create_network(current_user))


def _membership_form(network, form: MembershipForm | None = None) -> MembershipForm:
    """Offers "trekker" only to those who may appoint one (the service refuses it to anyone else)."""
    form = form or MembershipForm()
    if not permissions.can_appoint_trekker(current_user, network):
        form.role.choices = [c for c in form.role.choices if c.value != MembershipRole.LEAD.value]
    return form


@bp.get("/<slug>")
def detail(slug: str):
    """A network with its members: role, since/until, on whose behalf."""
    network = _network_or_404(slug)
    return _detail_page(network, _membership_form(network))


def _detail_page(network, membership_form: MembershipForm):
    return render_template("networks/detail.html", network=network, revision_log=revisions.history(network),
                           current=networks.current_members(network), past=networks.past_members(network),
                           membership_form=membership_form,
                           can_edit=permissions.can_edit_network(current_user, network),
                           can_log_lesson=permissions.can_log_lesson_on(current_user, network=network),
                           can_delete=permissions.can_delete(current_user))


@bp.route("/nieuw", methods=["GET", "POST"])
def new():
    """Add a network (theme owners, administrators)."""
    if not permissions.can_create_network(current_user):
        abort(403)
    form = _form()
    if request.method == "GET":
        form.version.data = 0
    if form.validate_on_submit():
        try:
            network = networks.create_network(form.to_input(), by=current_user)
        except DomainError as error:
            put_on_form(form, error)
        else:
            db.session.commit()
            flash("Het netwerk is toegevoegd.", "success")
            return redirect(url_for("networks.detail", slug=network.slug))
    return render_template("networks/form.html", form=form, network=None), 400 if form.errors or form.form_errors \
        else 200


@bp.route("/<slug>/bewerken", methods=["GET", "POST"])
def edit(slug: str):
    """Edit a network (its trekkers, owners of its themes, administrators)."""
    network = _network_or_404(slug)
    if not permissions.can_edit_network(current_user, network):
        abort(403)
    form = _form(network)
    return save_edit(
        form, lambda: networks.update_network(network, form.to_input(), expected_version=form.version.data,
                                              by=current_user),
        conflict_fields=CONFLICT_FIELDS, stored=lambda: _form(network, stored=True),
        edit_url=url_for("networks.edit", slug=slug),
        done_url=url_for("networks.detail", slug=slug),
        render=lambda: render_template("networks/form.html", form=form, network=network))


def _refused(network, form: MembershipForm):
    """The network page again with the reason beside the field and everything as it was filled in."""
    db.session.rollback()
    return _detail_page(network, _membership_form(network, form)), 400


@bp.post("/<slug>/leden")
def add_member(slug: str):
    """Join the network yourself, or (as its manager) add a colleague."""
    network = _network_or_404(slug)
    form = MembershipForm()  # every role: asking for "trekker" without the right is a refusal of access (403)
    if not form.validate_on_submit():
        return _refused(network, form)
    member = current_user
    if form.email.data:
        member = users.find_by_email(form.email.data)
        if member is None:
            form.email.errors = [f"Er is geen gebruiker met het e-mailadres {form.email.data}."]
            return _refused(network, form)
    try:
        networks.add_membership(network, member, current_user, role=MembershipRole(form.role.data),
                                personal_capacity=form.personal_capacity.data, since=form.since.data,
                                note=form.note.data or "")
    except DomainError as error:
        put_on_form(form, error)
        return _refused(network, form)
    else:
        db.session.commit()
        flash(f"{member.name} is toegevoegd aan {network.name}.", "success")
    return redirect(url_for("networks.detail", slug=slug))


@bp.post("/<slug>/leden/<int:membership_id>/beeindigen")
def end_member(slug: str, membership_id: int):
    """End a membership (yourself, or as the network's manager)."""
    network = _network_or_404(slug)
    membership = get_or_404(Membership, membership_id)
    if membership.network_id != network.id:
        abort(404)
    networks.end_membership(membership, current_user)
    db.session.commit()
    flash("Het lidmaatschap is beëindigd; het blijft zichtbaar als geschiedenis.", "success")
    return redirect(url_for("networks.detail", slug=slug))


@bp.post("/<slug>/verwijderen")
def delete(slug: str):
    """Soft delete (administrators)."""
    return delete_or_restore(_network_or_404(slug), restore=False, what="Het netwerk",
                             back_url=url_for("networks.detail", slug=slug))


@bp.post("/<slug>/herstellen")
def restore(slug: str):
    """Undo a soft delete (administrators)."""
    return delete_or_restore(_network_or_404(slug), restore=True, what="Het netwerk",
                             back_url=url_for("networks.detail", slug=slug))
