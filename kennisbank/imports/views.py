from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..extensions import db
from ..ground.errors import DomainError
from ..models import ImportRun
from ..services.access import permissions
from ..services.importing import columns as import_columns
from ..services.importing import run as importing
from ..services.importing import runner
from ..services.importing import template as import_template
from ..services.reporting.exports import FORMATS
from ..web.helpers import download, get_or_404
from . import bp


def _own_run(run_id: int) -> ImportRun:
    """A theme owner sees their own imports; administrators all of them."""
    run = get_or_404(ImportRun, run_id)
    if run.by_id != current_user.id and not permissions.is_admin(current_user):
        abort(404)
    return run


@bp.route("/", methods=["GET", "POST"])
def start():
    """Upload a spreadsheet: it is checked first (nothing written), then shown for approval."""
    error = ""
    kind = request.form.get("soort", "projecten")
    if request.method == "POST":
        upload = request.files.get("bestand")
        if upload is None or not upload.filename:
            error = "Kies een bestand (XLSX, ODS, CSV of JSON)."
        else:
            try:
                run = importing.start(kind, upload.filename, upload.stream, current_user)
                if importing.check_in_background(run):
                    importing.queue_check(run)
                else:
                    importing.execute(run, current_user, dry_run=True)
            except DomainError as refused:
                db.session.rollback()
                error = refused.message
            else:
                db.session.commit()
                if run.status == "controle":
                    runner.wake(current_app._get_current_object())
                return redirect(url_for("imports.report", run_id=run.id))
    return render_template("imports/start.html", error=error, kind=kind, kinds=import_columns.KINDS,
                           runs=importing.recent_runs(current_user)), 400 if error else 200


@bp.get("/<int:run_id>")
def report(run_id: int):
    """What the import would do (or did): counts, each problem once with its rows, the columns and values
    to set — as stored by the last check (the file is not read again)."""
    run = _own_run(run_id)
    if run.status in ("wachtrij", "bezig", "controle", "controleren"):
        return render_template("imports/progress.html", run=run)
    if run.status == "mislukt":
        return render_template("imports/failed.html", run=run), 400
    return render_template("imports/report.html", **importing.report_page(run))


@bp.post("/<int:run_id>/kolommen")
def columns_chosen(run_id: int):
    """Map the columns, set whole-file values and translations; check again (nothing written)."""
    run = _own_run(run_id)
    try:
        importing.choose(run, current_user, mapping=_prefixed("kolom-"), defaults=_prefixed("standaard-"),
                         translations=importing.parse_translations(request.form.get("vertalingen", "")),
                         source=request.form.get("bron"))
        if importing.check_in_background(run):
            importing.queue_check(run)  # a large file is read again by a process in the background
        else:
            importing.execute(run, current_user, dry_run=True)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return render_template("imports/report.html", **importing.report_page(run), typed=request.form), 400
    db.session.commit()
    if run.status == "controle":
        runner.wake(current_app._get_current_object())
        flash("Uw keuzes zijn opgeslagen; de controle wordt opnieuw gedaan. Er is nog niets opgeslagen.", "success")
    else:
        flash("Uw keuzes zijn toegepast en de controle is opnieuw gedaan; er is nog niets opgeslagen.", "success")
    return redirect(url_for("imports.report", run_id=run.id))


def _prefixed(prefix: str) -> dict[str, str]:
    return {key[len(prefix):]: value for key, value in request.form.items() if key.startswith(prefix)}


@bp.post("/<int:run_id>/uitvoeren")
def execute(run_id: int):
    """Carry out a checked import: small ones at once, large ones in the background with progress."""
    run = _own_run(run_id)
    try:
        if importing.in_background(run):
            importing.queue(run, current_user)
            db.session.commit()
            runner.wake(current_app._get_current_object())
            flash(f"De import van {run.rows_total} rijen loopt op de achtergrond; deze pagina toont de voortgang. "
                  "U kunt hem gerust sluiten.", "info")
            return redirect(url_for("imports.report", run_id=run.id))
        importing.execute(run, current_user, dry_run=False)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(f"Geïmporteerd: {run.created} nieuw, {run.updated} bijgewerkt, {run.unchanged} ongewijzigd, "
              f"{run.refused} geweigerd.", "success")
    return redirect(url_for("imports.report", run_id=run.id))


@bp.get("/<int:run_id>/geweigerd.csv")
def refused(run_id: int):
    """The refused rows with a column saying why: fix them and import just this file."""
    run = _own_run(run_id)
    return download(run.refused_csv, "text/csv; charset=utf-8", f"geweigerd-{run.id}.csv")


@bp.get("/sjabloon.xlsx")
def template_download():
    return download(import_template.workbook(), FORMATS["xlsx"], "kennisbank-sjabloon.xlsx")
