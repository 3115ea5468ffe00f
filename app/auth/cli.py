"""``flask --app wsgi create-admin +2547…``: the first platform admin of a fresh deployment.

Without it nobody could call the role-grant endpoint, which itself needs a platform
admin. The admin then signs in with a code like everyone else.
"""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from app.auth import service
from app.core.phone import InvalidPhone, mask_phone, normalize_phone


@click.command("create-admin")
@click.argument("phone")
@with_appcontext
def create_admin(phone: str) -> None:
    """Make PHONE a platform admin (creating the account when absent)."""
    try:
        e164 = normalize_phone(phone, current_app.config["DEFAULT_COUNTRY"])
    except InvalidPhone as exc:
        raise click.BadParameter(str(exc), param_hint="PHONE") from None
    user = service.grant_role(e164, "platform_admin")
    click.echo(f"User {user.id} ({mask_phone(e164)}) is a platform admin; sign in with a code.")
