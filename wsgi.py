"""WSGI entry point: ``gunicorn wsgi:app`` and ``flask --app wsgi …`` (the worker too).

A configuration that production refuses ends the process with one line per problem on
stderr, not a traceback (see ``app.production``).
"""
from app import create_app
from app.config import ConfigError
from app.production import exit_refusing

try:
    app = create_app()
except ConfigError as error:
    exit_refusing(error)
