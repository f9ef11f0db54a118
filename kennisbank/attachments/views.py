import io

from flask import abort, flash, redirect, request, send_file, url_for
from flask_login import current_user

from ..extensions import db
from ..ground.errors import DomainError
from ..models import Attachment
from ..services.access import permissions
from ..services.registry import attachments
from ..web.helpers import get_or_404
from . import bp

BACK = {"project": ("projects.detail", "project_id"), "lesson": ("lessons.detail", "lesson_id")}


def _back(kind: str, item_id: int):
    endpoint, arg = BACK[kind]
    return redirect(url_for(endpoint, **{arg: item_id}) + "#bijlagen")


@bp.post("/<kind>/<int:item_id>")
def upload(kind: str, item_id: int):
    """Add a file (a plain file field; browsers also take a file dropped on it)."""
    item = attachments.item_of(kind, item_id)
    if item is None or not permissions.can_view_item(current_user, kind, item):
        abort(404)
    if not attachments.can_change(current_user, kind, item):
        abort(403)
    uploads = [f for f in request.files.getlist("bestand") if f and f.filename]
    if not uploads:
        flash("Kies een bestand om toe te voegen.", "error")
        return _back(kind, item_id)
    for upload_file in uploads:  # several at once: each is taken or refused on its own
        try:
            added = attachments.add(kind, item, upload_file.filename, upload_file.read(), current_user)
        except DomainError as error:
            db.session.rollback()
            flash(f"'{upload_file.filename[:100]}': {error.message} Dit bestand is niet toegevoegd.", "error")
        else:
            db.session.commit()
            flash(f"'{added.file_name}' is toegevoegd. De tekst wordt zo gelezen en is dan doorzoekbaar.", "success")
    return _back(kind, item_id)


@bp.get("/<int:attachment_id>/<path:name>")
def download(attachment_id: int, name: str):
    """Always as a download, under its stored (safe) name, with the type found at upload."""
    attachment = get_or_404(Attachment, attachment_id)
    if not attachments.can_view(current_user, attachment):
        abort(404)
    response = send_file(io.BytesIO(attachment.blob.content), mimetype=attachment.media_type, as_attachment=True,
                         download_name=attachments.download_name(attachment), max_age=0)
    response.headers["Content-Type"] = attachment.media_type  # as stored: Werkzeug would add a second charset
    return response


@bp.post("/<int:attachment_id>/verwijderen")
def remove(attachment_id: int):
    attachment = get_or_404(Attachment, attachment_id)
    if not attachments.can_view(current_user, attachment):
        abort(404)
    attachments.remove(attachment, current_user)
    db.session.commit()
    flash(f"'{attachment.file_name}' is verwijderd (de historie houdt het bij).", "info")
    return _back(attachment.item_type, attachment.item_id)
