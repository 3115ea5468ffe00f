"""Flask CLI commands (``flask --app wsgi …``). Each domain adds its own below."""
from __future__ import annotations

import click
from flask import Flask

from app.auth.cli import create_admin

from app.catalog.seed import register as register_seed_demo

from app.jobs.periodic import run_all_once

from app.jobs.worker import run_worker

from app.states.cli import register_history_cli

from app.ticketing.cli import register_ticket_cli


def register_cli(app: Flask) -> None:
    register_ticket_cli(app)  # verify-ticket

    register_seed_demo(app)  # seed-demo

    register_history_cli(app)  # history <entity> <id>

    @app.cli.command("worker")
    @click.option("--burst", is_flag=True, help="Exit when the queues are empty.")
    def worker(burst: bool) -> None:
        """Run the RQ job worker (Procfile ``worker:``); needs REDIS_URL. It waits for Redis
        and reconnects by itself (``app.jobs.worker``)."""
        if not app.config.get("REDIS_URL"):
            raise click.ClickException("REDIS_URL is not set: jobs run inline, no worker needed.")
        if not burst:
            click.echo(f"sweep scheduler: every {app.config['SWEEP_INTERVAL_SECONDS']}s (SWEEP_INTERVAL_SECONDS)")
        run_worker(app, burst=burst)

    @app.cli.command("urls")
    def urls() -> None:
        """Print where to start (``make run`` shows this after the demo numbers)."""
        click.echo("Open:")
        for label, url in useful_urls(app.config):
            click.echo(f"  {label:17} {url}")

    @app.cli.command("sweep")
    def sweep() -> None:
        """Run the periodic sweeps once: expire holds, poll pending STK pushes, send stuck SMS."""
        for name, result in run_all_once().items():
            click.echo(f"{name}: {result}")

    app.cli.add_command(create_admin)


def useful_urls(config) -> list[tuple[str, str]]:
    """The pages a newcomer wants, at the effective ``PUBLIC_BASE_URL`` (it follows
    ``HOST``/``PORT`` in development); the phone simulator exists outside production only."""
    base = config["PUBLIC_BASE_URL"]
    urls = [("landing page", f"{base}/"), ("API docs", f"{base}/api/docs")]
    if config["APP_ENV"] != "production":
        urls.append(("phone simulator", f"{base}/dev/phone"))
    urls.append(("driver's scanner", f"{base}/scan"))
    urls.append(("carrier dashboard", f"{base}/carrier"))
    urls.append(("ticket keys", f"{base}/.well-known/ticket-keys.json"))
    return urls
