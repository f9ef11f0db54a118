"""The search vocabulary (woordenlijst): everyone reads it, theme owners and administrators keep it."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..extensions import db
from ..ground.errors import DomainError
from ..models import VocabularyEntry
from ..services.access import permissions
from ..services.content import vocabulary
from ..services.registry import revisions
from ..web.helpers import put_on_form, save_edit
from . import bp
from .forms import CONFLICT_FIELDS, NewVocabularyForm, VocabularyForm


def _entry_or_404(entry_id: int) -> VocabularyEntry:
    entry = db.session.get(VocabularyEntry, entry_id)
    if entry is None or entry.is_deleted:
        abort(404)
    return entry


def _editor_only() -> None:
    if not permissions.can_edit_vocabulary(current_user):
        abort(403)


@bp.get("/woordenlijst")
def vocabulary_list():
    """Every group, optionally only those containing a word."""
    wanted = request.args.get("q", "").strip()
    entries = vocabulary.active_entries(containing=wanted)
    return render_template("searching/vocabulary.html", entries=entries, wanted=wanted,
                           can_edit=permissions.can_edit_vocabulary(current_user))


@bp.route("/woordenlijst/nieuw", methods=["GET", "POST"])
def vocabulary_new():
    _editor_only()
    form = NewVocabularyForm()
    if form.validate_on_submit():
        try:
            vocabulary.create(form.terms.data, form.source.data, by=current_user, broader_text=form.broader.data or "")
        except DomainError as error:
            put_on_form(form, error)
        else:
            db.session.commit()
            flash("De woordgroep is toegevoegd; zoeken gebruikt hem meteen.", "success")
            return redirect(url_for("searching.vocabulary_list"))
    return render_template("searching/vocabulary_form.html", form=form, entry=None), 400 if form.errors else 200


@bp.route("/woordenlijst/<int:entry_id>/bewerken", methods=["GET", "POST"])
def vocabulary_edit(entry_id: int):
    entry = _entry_or_404(entry_id)
    _editor_only()
    form = VocabularyForm(obj=entry) if request.method == "GET" else VocabularyForm()
    return save_edit(
        form, lambda: vocabulary.update(entry, form.terms.data, form.source.data, expected_version=form.version.data,
                                        by=current_user, broader_text=form.broader.data or ""),
        conflict_fields=CONFLICT_FIELDS, stored=lambda: VocabularyForm(formdata=None, obj=entry),
        edit_url=url_for("searching.vocabulary_edit", entry_id=entry_id),
        done_url=url_for("searching.vocabulary_list"),
        render=lambda: render_template("searching/vocabulary_form.html", form=form, entry=entry,
                                       revision_log=revisions.history(entry)))


@bp.post("/woordenlijst/<int:entry_id>/verwijderen")
def vocabulary_remove(entry_id: int):
    entry = _entry_or_404(entry_id)
    _editor_only()
    vocabulary.remove(entry, by=current_user)
    db.session.commit()
    flash(f"De woordgroep '{entry.name}' is verwijderd; de historie blijft bewaard.", "info")
    return redirect(url_for("searching.vocabulary_list"))
