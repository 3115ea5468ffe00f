"""tickets/ is the pure ticket library: a scanner or a third party vendors it alone.

Importing every module of it in a fresh interpreter must not load Flask, SQLAlchemy or
anything of the app or the channels; otherwise vendoring it would drag the web app along.
"""
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import tickets

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("flask", "sqlalchemy", "flask_sqlalchemy", "app", "channels")


def test_every_tickets_module_imports_without_flask_database_app_or_channels():
    modules = ["tickets"] + [f"tickets.{m.name}" for m in pkgutil.iter_modules(tickets.__path__)]
    assert {"tickets.codec", "tickets.keys", "tickets.verifier", "tickets.shortcode", "tickets.qr"} <= set(modules)
    script = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    loaded = set(json.loads(out.stdout))
    assert loaded.isdisjoint(FORBIDDEN), sorted(loaded & set(FORBIDDEN))
