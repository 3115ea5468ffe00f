"""Flask CLI commands (``flask --app wsgi …``). Each domain adds its own below."""
from __future__ import annotations

import click
from flask import Flask


def register_cli(app: Flask) -> None:
    @app.cli.command("worker")
    @click.option("--burst", is_flag=True, help="Exit when the queue is empty.")
    def worker(burst: bool) -> None:
        """Run the RQ job worker (Procfile ``worker:``); needs REDIS_URL."""
        from redis import Redis
        from rq import Queue, Worker

        if not app.config.get("REDIS_URL"):
            raise click.ClickException("REDIS_URL is not set: jobs run inline, no worker needed.")
        connection = Redis.from_url(app.config["REDIS_URL"])
        Worker([Queue("default", connection=connection)], connection=connection).work(
            burst=burst, with_scheduler=True
        )
