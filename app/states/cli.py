"""``flask --app wsgi history <entity> <id>``: one row's status history, for support.

Why a command: "what happened to ticket 42, and who did it?" is the first question of a
support call, and the answer should not need SQL.
"""
from __future__ import annotations

import click
from flask import Flask

from app.states.history import history_of

from app.states.machine import MACHINES


def register_history_cli(app: Flask) -> None:
    @app.cli.command("history")
    @click.argument("entity")
    @click.argument("row_id", type=int)
    def history(entity: str, row_id: int) -> None:
        """Print every status change of one row (ENTITY: order, ticket, payment, ...), oldest first."""
        if MACHINES and entity not in MACHINES:
            raise click.BadParameter(f"one of {', '.join(sorted(MACHINES))}", param_hint="ENTITY")
        rows = history_of(entity, row_id)
        if not rows:
            click.echo(f"no recorded status change for {entity} {row_id}")
        for row in rows:
            click.echo(f"{row.at.isoformat(timespec='seconds')}  {row.from_status or '(new)'} -> {row.to_status}"
                       f"  {row.actor}  {row.reason or ''}".rstrip())
