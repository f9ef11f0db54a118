"""Small helpers shared by the views: paging arguments, putting domain errors on forms, 404s."""
from __future__ import annotations

import json
from urllib.parse import urlsplit

from flask import Response, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from ..extensions import db
from ..ground.errors import DomainError
from ..services.registry import editing
from ..services.registry.editing import EditConflict
from ..services.reporting.exports import FORMATS, export


def page_arg() -> int:
    value = request.args.get("pagina", "1")
    return int(value) if value.isdigit() and 0 < int(value) < 100000 else 1


def int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() and len(value) < 10 else None


def has_control_characters(text: str) -> bool:
    """CR, LF and the other control characters have no place in a URL we redirect to (header injection)."""
    return any(ord(char) < 32 or ord(char) == 127 for char in text)


def safe_next(target: str | None, fallback: str) -> str:
    """Only redirect back within this site: a relative path, never '//host', '/\\host' or a full URL."""
    if target and has_control_characters(target):
        return fallback
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return fallback


def get_or_404(model, ident: int):
    obj = db.session.get(model, ident)
    if obj is None:
        abort(404)
    return obj


def put_on_form(form, error: DomainError) -> None:
    """Show each reason next to its field; reasons without a field go above the form."""
    db.session.rollback()
    leftovers = []
    for name, message in error.field_errors.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors) + [message]
        else:
            leftovers.append(message)
    if leftovers or not error.field_errors:
        form.form_errors.append(" ".join(leftovers) or error.message)


def _shown(field) -> str:
    """A submitted field value as the user would recognise it (choice labels, not ids)."""
    data = field.data
    choices = getattr(field, "choices", None)
    if choices and data is not None:
        wanted = data if isinstance(data, list) else [data]
        return ", ".join(str(choice.label) for choice in choices if choice.value in wanted)
    if isinstance(data, list):
        return ", ".join(str(v) for v in data)
    return "" if data is None else str(data)


BASIS = "basis"  # the form's values as it was first shown, to tell who changed what after a conflict


def _basis(form, fields: dict) -> str:
    return json.dumps({name: _shown(getattr(form, name)) for name in fields if hasattr(form, name)},
                      ensure_ascii=False)


def _submitted_basis() -> dict:
    try:
        basis = json.loads(request.form.get(BASIS) or "{}")
    except ValueError:
        return {}
    return basis if isinstance(basis, dict) else {}


def _take(field, source) -> None:
    """Give `field` the value `source` has, as if the user had submitted it."""
    field.data = source.data
    field.raw_data = [str(value) for value in source.data] if isinstance(source.data, list) else [source._value()]


def _apply_choices(form, fields: dict, stored) -> None:
    """On the conflict page the user chose, per field both changed, "opgeslagen" (the saved value) or
    their own (already in the form)."""
    chosen = [name for name in fields if request.form.get(f"keuze-{name}") == "opgeslagen" and hasattr(form, name)]
    if chosen:
        saved = stored()
        for name in chosen:
            _take(getattr(form, name), getattr(saved, name))


def merge_or_ask(conflict: EditConflict, form, save, *, fields: dict[str, str], stored, edit_url: str,
                 done_url: str, render):
    """Someone saved first. Fields only one side changed merge by themselves; if none was changed by both,
    the merged version is saved at once. Otherwise the conflict page asks, per field both changed, which
    value to keep, with the user's text kept.

    `fields` maps a form field to its label; `stored()` builds the form filled from the saved item.
    """
    db.session.rollback()
    entity = conflict.entity
    db.session.refresh(entity)
    saved = stored()
    basis = _submitted_basis()
    taken, clashes = [], []
    for name, label in fields.items():
        mine_field, saved_field = getattr(form, name, None), getattr(saved, name, None)
        if mine_field is None or saved_field is None:
            continue
        mine, theirs = _shown(mine_field).strip(), _shown(saved_field).strip()
        before = basis.get(name)
        if mine == theirs or (before is not None and theirs == before.strip()):
            continue  # the same, or only this user changed it
        if before is not None and mine == before.strip():
            _take(mine_field, saved_field)  # only the other person changed it: theirs stays
            taken.append(label)
        else:
            clashes.append({"name": name, "label": label, "theirs": theirs, "yours": mine})
    form.version.data = entity.version
    g.edit_basis = _basis(saved, fields)  # the next save builds on what is saved now
    if not clashes:
        try:
            save()
        except EditConflict:  # a third save in between: ask rather than merge again
            db.session.rollback()
        except DomainError as error:
            put_on_form(form, error)
            return render(), 400
        else:
            db.session.commit()
            kept = f" Hun wijziging van {', '.join(taken).lower()} is behouden." if taken else ""
            flash(f"Iemand anders had dit intussen gewijzigd; uw wijzigingen zijn erbij opgeslagen.{kept}", "success")
            return redirect(done_url)
    return render_template("conflict.html", form=form, rows=clashes, taken=taken, entity=entity,
                           action_url=edit_url, back_url=done_url), 409


def save_edit(form, save, *, conflict_fields: dict, stored, edit_url: str, done_url: str, render):
    """The edit-view pattern shared by projects, lessons, themes, networks and the vocabulary.

    `save()` applies the form through a service; a conflict merges or asks (`merge_or_ask`), a domain
    error goes onto the form (re-rendered with `render()` and status 400), success commits and redirects.
    """
    if request.method == "GET":
        g.edit_basis = _basis(form, conflict_fields)
    else:
        g.edit_basis = request.form.get(BASIS, "")
        _apply_choices(form, conflict_fields, stored)
    if form.validate_on_submit():
        try:
            save()
        except EditConflict as conflict:
            return merge_or_ask(conflict, form, save, fields=conflict_fields, stored=stored, edit_url=edit_url,
                                done_url=done_url, render=render)
        except DomainError as error:
            put_on_form(form, error)
        else:
            db.session.commit()
            flash("De wijzigingen zijn opgeslagen.", "success")
            return redirect(done_url)
    return render(), 400 if form.errors or form.form_errors else 200


def delete_or_restore(entity, *, restore: bool, what: str, back_url: str):
    """Soft delete or restore (services refuse anyone but an administrator)."""
    if restore:
        editing.restore(entity, by=current_user)
        message = f"{what} is teruggezet."
    else:
        editing.soft_delete(entity, by=current_user)
        message = f"{what} is verwijderd. Een beheerder kan dit terugzetten."
    db.session.commit()
    flash(message, "success" if restore else "info")
    return redirect(back_url)


def export_format() -> str | None:
    """The `formaat` a list was asked for as a file (csv, xlsx, json), or None for the page itself."""
    wanted = request.args.get("formaat", "")
    return wanted if wanted in FORMATS else None


def download(body: bytes | str, mimetype: str, filename: str):
    """A file the browser saves (never shows) under `filename`. A type that names its charset is sent as it is
    (given as `mimetype`, Werkzeug would add `charset=utf-8` a second time)."""
    kind = {"content_type": mimetype} if "charset=" in mimetype else {"mimetype": mimetype}
    return Response(body, headers={"Content-Disposition": f"attachment; filename={filename}"}, **kind)


def table_download(table, fmt: str):
    """The table as a file to download (the export is recorded in the audit log)."""
    body = export(table, fmt, current_user)
    db.session.commit()
    return download(body, FORMATS[fmt], f"kennisbank-{table.name}.{fmt}")


def item_link(kind: str, ident: int) -> str:
    """The absolute address of a project or lesson (in exports, which travel)."""
    if kind == "project":
        return url_for("projects.detail", project_id=ident, _external=True)
    return url_for("lessons.detail", lesson_id=ident, _external=True)
