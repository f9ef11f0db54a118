"""Command-line tasks: `flask --app wsgi kb <command>` (or the `kennisbank` console script)."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from .extensions import db
from .services import content, users
from .services.errors import DomainError

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
    content_dir = Path(current_app.config["CONTENT_DIR"])
    try:
        report = content.load_content(content_dir, demo=demo, demo_password=demo_password)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(f"{error.message} Er is niets geladen.") from None
    db.session.commit()
    from .search import sync

    indexed = sync.drain(current_app._get_current_object())
    click.echo(f"{report.summary()} Zoekindex bijgewerkt: {indexed} documenten.")


def _create(email: str, name: str, password: str, department: str, organisation: str, is_admin: bool) -> None:
    try:
        user = users.create_user(email, name, password, department=department, organisation=organisation,
                                 is_admin=is_admin)
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
    total = rebuild.count_items()
    with click.progressbar(length=total, label="Zoekindex opbouwen", show_pos=True) as bar:
        written = rebuild.reindex(app, progress=bar.update, procs=procs)
    click.echo(f"Klaar: {written} documenten geïndexeerd.")


@kb.command("search-check")
@with_appcontext
def search_check_command() -> None:
    """Meld wat in de zoekindex ontbreekt of er te veel in staat (afwijking van de database)."""
    from .search import rebuild

    drift = rebuild.check(current_app._get_current_object())
    for label, keys in (("Ontbreekt in de index", drift["missing"]), ("Staat te veel in de index", drift["extra"])):
        click.echo(f"{label}: {len(keys)}")
        for key in keys[:50]:
            click.echo(f"  {key}")
    if drift["missing"] or drift["extra"]:
        raise click.ClickException("De zoekindex wijkt af van de database. Herstel: flask --app wsgi kb reindex")
    click.echo("De zoekindex klopt met de database.")


@kb.command("index-worker")
@click.option("--interval", default=1.0, show_default=True, help="Seconden tussen twee rondes.")
@click.option("--once", is_flag=True, help="Eén ronde: verwerk de wachtrij en stop.")
@with_appcontext
def index_worker_command(interval: float, once: bool) -> None:
    """Verwerk wijzigingen uit de wachtrij in de zoekindex (voor installaties met meerdere processen)."""
    from .search import sync

    app = current_app._get_current_object()
    if once:
        click.echo(f"{sync.drain(app)} documenten bijgewerkt.")
        return
    click.echo("Index-worker draait; stop met Ctrl+C.")
    sync.run_worker(app, interval)


@kb.command("digest")
@click.option("--dry-run", is_flag=True, help="Toon wie wat zou krijgen, zonder iets te versturen.")
@with_appcontext
def digest_command(dry_run: bool) -> None:
    """Stuur het wekelijkse overzicht aan themaeigenaren en projectleiders (elk punt zegt waarom).

    Zonder KENNISBANK_SMTP_HOST komen de e-mails als .eml-bestanden in instance/outbox/."""
    import smtplib

    from . import mailer
    from .services import digest

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


def main() -> None:
    """The `kennisbank` console script: the same commands as `flask --app wsgi`."""
    from . import create_app

    FlaskGroup(create_app=create_app)(prog_name="kennisbank")
