"""`flask --app conciergerie create-user`: create an account of any role from the shell."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from conciergerie.accounts import service
from conciergerie.extensions import db
from conciergerie.models import MemberCompany, Provider, Role, utcnow


@click.command("create-user")
@click.option("--email", required=True, help="Adresse e-mail (identifiant de connexion).")
@click.option(
    "--role",
    required=True,
    type=click.Choice([r.value for r in Role]),
    help="resident, employee, volunteer, provider ou concierge.",
)
@click.option("--name", "full_name", default=None, help="Prénom et nom (par défaut : l'e-mail).")
@click.option("--password", default=None, help="Mot de passe ; demandé s'il n'est pas donné.")
@click.option("--company", "company_slug", default=None, help="Entreprise de La Grappe (employee).")
@click.option("--provider", "provider_slug", default=None, help="Prestataire (provider).")
@with_appcontext
def create_user_command(
    email: str,
    role: str,
    full_name: str | None,
    password: str | None,
    company_slug: str | None,
    provider_slug: str | None,
) -> None:
    """Create a user of any role; asks for the password when --password is not given."""
    if password is None:
        password = click.prompt("Mot de passe", hide_input=True, confirmation_prompt=True)
    company = provider = None
    if company_slug:
        company = db.session.scalar(
            sa.select(MemberCompany).where(MemberCompany.slug == company_slug)
        )
        if company is None:
            raise click.BadParameter(f"aucune entreprise {company_slug!r}", param_hint="--company")
    if provider_slug:
        provider = db.session.scalar(sa.select(Provider).where(Provider.slug == provider_slug))
        if provider is None:
            raise click.BadParameter(
                f"aucun prestataire {provider_slug!r}", param_hint="--provider"
            )
    try:
        user = service.create_user(
            db.session,
            email=email,
            password=password,
            full_name=full_name or email.split("@")[0],
            role=Role(role),
            member_company=company,
            provider=provider,
            now=utcnow(),
        )
    except service.AccountError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Compte créé : {user.email} ({user.role.value})")
