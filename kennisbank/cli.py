"""Command-line tasks: `flask --app wsgi kb <command>` (or the `kennisbank` console script)."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from .extensions import db
from .ground.errors import DomainError
from .services.access import audit, permissions, users
from .services.content import loading

DEMO_PASSWORD = "kennisbank-demo"


@click.group("kb", help="Beheertaken van kennisbank.")
def kb() -> None:
    pass


@kb.command("load-content")
@click.option("--demo", is_flag=True, help="Laad ook de demodata (gebruikers, projecten, lessen, netwerken).")
@click.option("--demo-password", default=DEMO_PASSWORD, show_default=True,
              help="Wachtwoord voor nieuw aangemaakte demogebruikers.")
@with_appcontext
def load_content_command(demo: bool, demo_password: str) -> None:
    """Laad de startthema's (en met --demo de demodata) uit content/. Twee keer laden verandert niets."""
    if demo and current_app.config["ENV_NAME"] == "production":
        raise click.ClickException("De demodata (met een gepubliceerd wachtwoord) wordt niet geladen in productie "
                                   "(KENNISBANK_ENV=production). Laad de thema's zonder --demo.")
    content_dir = Path(current_app.config["CONTENT_DIR"])
    try:
        report = loading.load_content(content_dir, demo=demo, demo_password=demo_password)
        if demo:
            audit.record("demo_loaded", None, "content", summary=report.summary())
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(f"{error.message} Er is niets geladen.") from None
    db.session.commit()
    indexed = _catch_up_index()
    click.echo(f"{report.summary()} Zoekindex bijgewerkt: {indexed} documenten.")


def _catch_up_index() -> int:
    """Apply this command's own changes to the index before it exits (no later request needed)."""
    from .search import indexer

    try:
        return indexer.catch_up(current_app._get_current_object(), wait=True)
    except indexer.IndexBusy as busy:
        raise click.ClickException(f"{busy} De gegevens zijn wel opgeslagen; de zoekindex neemt ze over "
                                   "zodra het andere proces klaar is.") from None


def _create(email: str, name: str, password: str, department: str, organisation: str, is_admin: bool) -> None:
    try:
        user = users.create_user(email, name, password, department=department, organisation=organisation,
                                 is_admin=is_admin)
        audit.record("account_created", None, user, via="kb create-admin" if is_admin else "kb create-user",
                     beheerder=is_admin)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(f"{error.message} Er is geen account aangemaakt.") from None
    db.session.commit()
    role = "beheerder" if is_admin else "medewerker"
    click.echo(f"Account aangemaakt voor {user.name} <{user.email}> ({role}).")


def _user_options(command):
    for option in reversed([
        click.option("--email", required=True, help="E-mailadres (inlognaam)."),
        click.option("--name", required=True, help="Volledige naam."),
        click.option("--password", prompt="Wachtwoord", hide_input=True, confirmation_prompt=True,
                     help="Wachtwoord (minstens 10 tekens); zonder deze optie wordt erom gevraagd."),
        click.option("--department", default="", help="Afdeling."),
        click.option("--organisation", default="", help="Organisatie, bijvoorbeeld 'Gemeente Utrecht'."),
    ]):
        command = option(command)
    return command


@kb.command("create-user")
@_user_options
@with_appcontext
def create_user_command(email, name, password, department, organisation) -> None:
    """Maak een account voor een medewerker."""
    _create(email, name, password, department, organisation, is_admin=False)


@kb.command("create-admin")
@_user_options
@with_appcontext
def create_admin_command(email, name, password, department, organisation) -> None:
    """Maak een account voor een beheerder."""
    _create(email, name, password, department, organisation, is_admin=True)


@kb.command("reindex")
@click.option("--procs", default=1, show_default=True, help="Aantal processen dat tegelijk indexeert.")
@with_appcontext
def reindex_command(procs: int) -> None:
    """Bouw de zoekindex opnieuw op uit de database (in een nieuwe map, daarna omgewisseld)."""
    from .search import rebuild

    app = current_app._get_current_object()
    with click.progressbar(length=rebuild.count_all(app), label="Zoekindex opbouwen", show_pos=True) as bar:
        written = rebuild.reindex(app, progress=bar.update, procs=procs)
    caught_up = _catch_up_index()
    click.echo(f"Klaar: {written} documenten geïndexeerd, daarna {caught_up} wijzigingen van tijdens het opbouwen.")


@kb.command("search-check")
@click.option("--repair", is_flag=True, help="Schrijf afwijkende documenten opnieuw vanuit de database.")
@with_appcontext
def search_check_command(repair: bool) -> None:
    """Meld per zoekindex de achterstand (wijzigingen die nog komen) en afwijkingen van de database."""
    from .search import rebuild, replicas

    app = current_app._get_current_object()
    found = rebuild.check(app)
    click.echo(f"Deze index ({replicas.replica_name(app)}):")
    if found.cursor is None:
        click.echo("  Nog niet opgebouwd of van een oudere versie: de indexer bouwt hem opnieuw op.")
    click.echo(f"  Achterstand: {found.lag} wijzigingen nog niet verwerkt")
    for label, keys in (("Ontbreekt in de index", found.missing), ("Staat te veel in de index", found.extra),
                        ("Verouderd in de index", found.stale)):
        click.echo(f"  {label}: {len(keys)}")
        for key in keys[:50]:
            click.echo(f"    {key}")
    _echo_replicas(app)
    if found.drift and repair:
        click.echo(f"Hersteld: {rebuild.repair(app, found.drift)} documenten opnieuw geschreven.")
        found = rebuild.check(app)
    if found.drift:
        raise click.ClickException("De zoekindex wijkt af van de database. Herstel: flask --app wsgi kb search-check "
                                   "--repair (of kb reindex)")
    click.echo("De zoekindex klopt met de database" + (" (de achterstand wordt nog verwerkt)." if found.lag else "."))


def _echo_replicas(app) -> None:
    from sqlalchemy.orm import Session

    from .search import replicas

    with Session(db.engine) as session:
        rows = replicas.all_replicas(session)
        if not rows:
            return
        click.echo("Alle indexen (laatste melding van hun indexer):")
        for row in rows:
            state = "geen melding meer" if replicas.is_stale(row) else "actief"
            line = (f"  {row.name}: achterstand {row.lag}, {row.documents} documenten, "
                    f"laatste melding {row.heartbeat_at:%Y-%m-%d %H:%M:%S} UTC ({state})")
            click.echo(line + (f"; FOUT sinds {row.error_since:%Y-%m-%d %H:%M}: {row.error}" if row.error else ""))


@kb.command("index-worker")
@click.option("--interval", default=1.0, show_default=True, help="Seconden tussen twee rondes.")
@click.option("--once", is_flag=True, help="Eén ronde: werk de index bij en stop.")
@with_appcontext
def index_worker_command(interval: float, once: bool) -> None:
    """Houd de zoekindex van deze host bij (één per host, bij installaties met meerdere processen)."""
    from .search import indexer

    app = current_app._get_current_object()
    if once:
        worker = indexer.Indexer(app)
        applied = worker.round(wait=True)
        if worker.error:
            raise click.ClickException(f"De zoekindex kon niet worden bijgewerkt: {worker.error}")
        click.echo(f"{applied} documenten bijgewerkt.")
        return
    click.echo("Index-worker draait; stop met Ctrl+C.")
    indexer.run_worker(app, interval)


@kb.command("serve")
@with_appcontext
def serve_command() -> None:
    """Start de productieserver (gunicorn) op KENNISBANK_BIND, standaard 0.0.0.0:8000."""
    from . import create_app
    from .ops import serve

    serve.serve(current_app._get_current_object(), create_app)


@kb.command("migrate")
@with_appcontext
def migrate_command() -> None:
    """Breng de database naar de nieuwste versie (veilig vanaf meerdere hosts tegelijk; twee keer mag)."""
    from .ops import migrate

    before, after = migrate.migrate()
    if before == after:
        click.echo(f"De database was al bij: {', '.join(after) or '(leeg)'}.")
    else:
        click.echo(f"Database bijgewerkt: {', '.join(before) or '(leeg)'} → {', '.join(after)}.")


@kb.command("digest")
@click.option("--dry-run", is_flag=True, help="Toon wie wat zou krijgen, zonder iets te versturen.")
@with_appcontext
def digest_command(dry_run: bool) -> None:
    """Stuur het wekelijkse overzicht aan themaeigenaren en projectleiders (elk punt zegt waarom).

    Zonder KENNISBANK_SMTP_HOST komen de e-mails als .eml-bestanden in instance/outbox/."""
    import smtplib

    from .services.notifying import mailer
    from .services.reporting import digest

    app = current_app._get_current_object()
    digests = digest.build_digests()
    for one in digests:
        click.echo(f"{one.user.email}: {len(one.items)} {'punt' if len(one.items) == 1 else 'punten'}")
    if dry_run or not digests:
        click.echo("Niets verstuurd." if dry_run else "Niemand heeft iets dat wacht; niets verstuurd.")
        return
    messages = [digest.as_email(one, sender=app.config["MAIL_FROM"], base_url=app.config["BASE_URL"])
                for one in digests]
    try:
        where = mailer.deliver(app, messages)
    except (OSError, smtplib.SMTPException) as error:
        raise click.ClickException(f"De e-mails zijn niet verstuurd: {error}. Controleer de SMTP-instellingen "
                                   "(KENNISBANK_SMTP_HOST en verder) en probeer het opnieuw.") from error
    click.echo(f"{len(messages)} e-mails afgeleverd bij {where}.")


@kb.command("notify")
@click.option("--elke", "every", type=click.IntRange(min=10), default=None, metavar="SECONDEN",
              help="Blijf draaien en kijk elke SECONDEN seconden (minstens 10) wat er te versturen is.")
@with_appcontext
def notify_command(every: int | None) -> None:
    """Stuur volgers bericht over wat er veranderde in wat ze volgen (direct, of het dagoverzicht).

    Mag op elke host tegelijk draaien: er verstuurt er steeds één. Zonder KENNISBANK_SMTP_HOST komen de
    e-mails als .eml-bestanden in instance/outbox/."""
    import smtplib
    import time

    from .services.notifying import mailer, notifications

    app = current_app._get_current_object()

    def run_once() -> None:
        result = notifications.send_due(
            lambda messages: mailer.deliver(app, messages), sender=app.config["MAIL_FROM"],
            base_url=app.config["BASE_URL"], secret_key=app.config["SECRET_KEY"],
            daily_hour=app.config["NOTIFY_DAILY_HOUR"])
        if result.busy:
            click.echo("Een andere host verstuurt al; deze keer niets gedaan.")
        else:
            click.echo(f"{result.sent} {'e-mail' if result.sent == 1 else 'e-mails'} verstuurd"
                       + (f", {result.dropped} berichten over items die de ontvanger niet meer kan zien overgeslagen"
                          if result.dropped else "") + ".")

    while True:
        try:
            run_once()
        except (OSError, smtplib.SMTPException) as error:
            db.session.rollback()
            problem = (f"Niet alles is verstuurd: {error}. Controleer de SMTP-instellingen (KENNISBANK_SMTP_HOST "
                       "en verder); wat niet is verstuurd, gaat de volgende keer mee.")
            if every is None:
                raise click.ClickException(problem) from error
            click.echo(problem, err=True)
        if every is None:
            return
        time.sleep(every)


def _administrator(email: str, nothing_done: str):
    """The active administrator a command acts for (`--door`), or a Dutch refusal."""
    by = users.find_by_email(email)
    if by is None or not permissions.is_admin(by):
        raise click.ClickException(f"'{email}' is geen actieve beheerder. {nothing_done}")
    return by


@kb.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--soort", type=click.Choice(["projecten", "lessen"]), default="projecten", show_default=True,
              help="Wat het bestand bevat.")
@click.option("--door", required=True, help="E-mailadres van de beheerder of themaeigenaar namens wie wordt "
                                            "geïmporteerd (verplicht: een import gebeurt altijd op iemands naam).")
@click.option("--standaard", multiple=True, metavar="VELD=WAARDE",
              help="Eén waarde voor elke rij zonder waarde, bijvoorbeeld --standaard Status=gestart.")
@click.option("--vertaal", multiple=True, metavar="VELD:VAN=NAAR",
              help="Wat een waarde in het bestand betekent, bijvoorbeeld --vertaal 'Fase:Realisatie=pilot'.")
@click.option("--bron", default=None, help="De bron waarbinnen de bron-ids tellen (standaard: uw organisatie).")
@click.option("--proef", is_flag=True, help="Alleen controleren: toon wat er zou gebeuren, sla niets op.")
@click.option("--geweigerd", type=click.Path(dir_okay=False), default=None,
              help="Schrijf de geweigerde rijen (met een kolom Fout) naar dit CSV-bestand "
                   "(standaard: naast het bestand, <naam>-geweigerd.csv).")
@with_appcontext
def import_command(file: str, soort: str, door: str, standaard: tuple[str, ...], vertaal: tuple[str, ...],
                   bron: str | None, proef: bool, geweigerd: str | None) -> None:
    """Importeer projecten of lessen uit XLSX, ODS, CSV of JSON, met dezelfde regels als de importpagina.
    Eindigt met 0 als geen rij is geweigerd, 3 als er rijen zijn geweigerd, 1 als het bestand niet te lezen is."""
    from .services.importing import run as importing

    by = users.find_by_email(door)
    if by is None or not by.active or not permissions.can_import(by):
        raise click.ClickException(f"'{door}' is geen actieve beheerder of themaeigenaar. Er is niets geïmporteerd.")
    source = Path(file)
    try:
        content = source.read_bytes()
    except OSError as error:
        raise click.ClickException(f"Het bestand '{file}' kan niet worden gelezen ({error.strerror}). "
                                   "Er is niets geïmporteerd.") from None
    try:
        defaults = dict(_pair(item, "=", "--standaard", "VELD=WAARDE") for item in standaard)
        translations = [(field, *_pair(rest, "=", "--vertaal", "VELD:VAN=NAAR"))
                        for field, rest in (_pair(item, ":", "--vertaal", "VELD:VAN=NAAR") for item in vertaal)]
        run = importing.start(soort, source.name, content, by)
        importing.choose(run, by, defaults={importing.resolve_field(soort, k): v for k, v in defaults.items()},
                         translations=translations, source=bron)
        importing.execute(run, by, dry_run=proef)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(f"{error.message} Er is niets geïmporteerd.") from None
    db.session.commit()
    for group in importing.grouped_problems(run)[:20]:
        where = f"{group['count']} rij{'en' if group['count'] != 1 else ''} ({', '.join(map(str, group['rows'][:10]))})"
        click.echo(f"{where}{', kolom ' + group['column'] if group['column'] else ''}: {group['message']}")
    if not proef:
        click.echo(f"Zoekindex bijgewerkt: {_catch_up_index()} documenten.")
    summary = f"{run.created} nieuw, {run.updated} bijgewerkt, {run.unchanged} ongewijzigd, {run.refused} geweigerd"
    if run.refused:
        target = Path(geweigerd) if geweigerd else source.with_name(f"{source.stem}-geweigerd.csv")
        target.write_text(run.refused_csv, encoding="utf-8")
        summary += f" (geweigerde rijen: {target})"
    if proef:
        click.echo("Proef: er is niets opgeslagen.")
    click.echo(summary)
    if run.refused:
        raise SystemExit(3)


def _pair(item: str, separator: str, option: str, form: str) -> tuple[str, str]:
    left, found, right = item.partition(separator)
    if not found or not left.strip():
        raise DomainError(f"{option} '{item}' is niet te lezen: schrijf {form}.")
    return left.strip(), right.strip()


@kb.command("export-archive")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--door", required=True, help="E-mailadres van de beheerder die exporteert.")
@with_appcontext
def export_archive_command(file: str, door: str) -> None:
    """Schrijf de hele kennisbank (met bijlagen) naar een ZIP-archief."""
    from .services.importing import archive

    by = _administrator(door, "Er is niets geëxporteerd.")
    Path(file).write_bytes(archive.export_zip(by))
    db.session.commit()
    click.echo(f"Archief geschreven: {file}.")


@kb.command("import-archive")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def import_archive_command(file: str) -> None:
    """Vul een lege kennisbank uit een archief van 'export-archive'."""
    from .services.importing import archive

    try:
        counts = archive.import_zip(Path(file).read_bytes())
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(f"{error.message} Er is niets ingelezen.") from None
    db.session.commit()
    click.echo("Ingelezen: " + ", ".join(f"{n} {what}" for what, n in counts.items()) + ".")
    click.echo(f"Zoekindex bijgewerkt: {_catch_up_index()} documenten.")


@kb.command("audit-prune")
@with_appcontext
def audit_prune_command() -> None:
    """Verwijder auditgebeurtenissen ouder dan KENNISBANK_AUDIT_RETENTION_DAYS (dagelijks te draaien)."""
    removed = audit.prune()
    db.session.commit()
    click.echo(f"{removed} auditgebeurtenissen ouder dan {current_app.config['AUDIT_RETENTION_DAYS']} dagen "
               "verwijderd.")


@kb.command("audit-check")
@with_appcontext
def audit_check_command() -> None:
    """Controleer of het auditlog ongeschonden is (elke gebeurtenis draagt de hash van de vorige)."""
    result = audit.check()
    if result.problem:
        raise click.ClickException(f"Het auditlog is aangetast: {result.problem}")
    click.echo(f"Het auditlog klopt: {result.events} gebeurtenissen, de keten is ongebroken.")


def main() -> None:
    """The `kennisbank` console script: the same commands as `flask --app wsgi`."""
    from . import create_app

    FlaskGroup(create_app=create_app)(prog_name="kennisbank")
