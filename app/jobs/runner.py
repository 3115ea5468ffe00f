"""What the RQ worker runs: a job inside an application context.

RQ imports this module in the worker process; the app is created once per worker. When
a job runs where an app context already exists (a test's SimpleWorker), that app is used.
"""
from __future__ import annotations

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


def run(func_path: str, *args, _kwargs: dict | None = None):
    app = _get_app()
    with app.app_context():
        return _resolve(func_path)(*args, **(_kwargs or {}))
