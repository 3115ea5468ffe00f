"""What the RQ worker runs: a job inside an application context.

RQ imports this module in the worker process. Jobs run in the app of the process that
runs the worker: ``flask --app wsgi worker`` (Procfile ``worker:``) pushes the app built by
``wsgi.py``, with every configured component, and its forked work horses inherit it; a
test's SimpleWorker runs inside the test's app. The runner never builds an app itself:
``app.jobs`` sits low in the layering and must not import the factory above it.

RQ's default worker forks a "work horse" per job. A forked child must never use the
database connections its parent's pool may hold (two processes on one socket corrupt
each other), so the first job in a new process gives the engine a fresh pool, as
SQLAlchemy advises for ``os.fork()`` (``dispose(close=False)`` leaves the parent's
connections alone).
"""
from __future__ import annotations

import os

from flask import current_app, has_app_context

from app.extensions import db
from app.jobs import run_job

def _get_app():
    if not has_app_context():
        raise RuntimeError(
            "Jobs run inside an app: start the worker with `flask --app wsgi worker` (Procfile)."
        )
    return current_app._get_current_object()


def _fresh_pool_after_fork(app) -> None:
    pid = os.getpid()
    owner = app.extensions.setdefault("jobs_pool_pid", pid)
    if owner != pid:
        db.engine.dispose(close=False)
        app.extensions["jobs_pool_pid"] = pid


def run(func_path: str, *args, _kwargs: dict | None = None):
    app = _get_app()
    with app.app_context():
        _fresh_pool_after_fork(app)
        return run_job(func_path, *args, **(_kwargs or {}))
