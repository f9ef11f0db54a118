"""Small helpers shared by the views: paging arguments, putting domain errors on forms, 404s."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .extensions import db
from .services import editing, municipalities
from .services.editing import EditConflict
from .services.errors import DomainError
from .services.revisions import as_text
from .services.tables import FORMATS, export


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


def conflict_page(conflict: EditConflict, form, *, fields: dict[str, tuple[str, str]], action_url: str,
                  back_url: str):
    """Someone saved first: show both versions and keep the user's text in a form based on the new version.

    `fields` maps a form field to (attribute of the saved object, label).
    """
    db.session.rollback()
    entity = conflict.entity
    db.session.refresh(entity)
    rows = []
    for name, (attribute, label) in fields.items():
        field = getattr(form, name, None)
        value = getattr(entity, attribute, None)
        if attribute == "municipality_code":
            theirs = municipalities.by_code(value).display_name if municipalities.by_code(value) else ""
        elif hasattr(value, "label"):  # a choice: its label, as the form shows yours ("Succes", not "succes")
            theirs = str(value.label)
        else:
            theirs = as_text(value) or ""
        yours = _shown(field) if field is not None else ""
        rows.append({"label": label, "theirs": theirs, "yours": yours, "differs": theirs.strip() != yours.strip()})
    form.version.data = entity.version
    return render_template("conflict.html", form=form, rows=rows, entity=entity, action_url=action_url,
                           back_url=back_url), 409


def save_edit(form, save, *, conflict_fields: dict, edit_url: str, done_url: str, render):
    """The edit-view pattern shared by projects, lessons, themes and networks.

    `save()` applies the form through a service; a conflict shows the conflict page, a domain error goes
    onto the form (re-rendered with `render()` and status 400), success commits and redirects.
    """
    if form.validate_on_submit():
        try:
            save()
        except EditConflict as conflict:
            return conflict_page(conflict, form, fields=conflict_fields, action_url=edit_url, back_url=done_url)
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
    """A file the browser saves (never shows) under `filename`."""
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f"attachment; filename={filename}"})


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
