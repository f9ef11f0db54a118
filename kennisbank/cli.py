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
    click.echo(report.summary())


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


def main() -> None:
    """The `kennisbank` console script: the same commands as `flask --app wsgi`."""
    from . import create_app

    FlaskGroup(create_app=create_app)(prog_name="kennisbank")
