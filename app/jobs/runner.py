"""What the RQ worker runs: a job inside an application context.

RQ imports this module in the worker process; the app is created once per worker. When
a job runs where an app context already exists (``flask --app wsgi worker``, a test's
SimpleWorker), that app is used.

RQ's default worker forks a "work horse" per job. A forked child must never use the
database connections its parent's pool may hold (two processes on one socket corrupt
each other), so the first job in a new process gives the engine a fresh pool, as
SQLAlchemy advises for ``os.fork()`` (``dispose(close=False)`` leaves the parent's
connections alone).
"""
from __future__ import annotations

import os

from flask import current_app, has_app_context

from app.jobs import _resolve

_app = None


def _get_app():
    global _app
    if has_app_context():
        return current_app._get_current_object()
    if _app is None:
        from app import create_app

        _app = create_app()
    return _app


def _fresh_pool_after_fork(app) -> None:
    from app.extensions import db

    pid = os.getpid()
    owner = app.extensions.setdefault("jobs_pool_pid", pid)
    if owner != pid:
        db.engine.dispose(close=False)
        app.extensions["jobs_pool_pid"] = pid


def run(func_path: str, *args, _kwargs: dict | None = None):
    app = _get_app()
    with app.app_context():
        _fresh_pool_after_fork(app)
        return _resolve(func_path)(*args, **(_kwargs or {}))
