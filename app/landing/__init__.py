"""``/``: a small server-rendered landing page for whoever opens the app's address.

Why: a newcomer's first request is ``/``; it should say what this is and link what to
read or try next (the API docs, the OpenAPI document, the ticket keys and, outside
production where ``/dev`` is mounted, the phone simulator, the SMS outbox and the demo
numbers with what each one does). Its style
sheet is served by the app: no CDN, so it works offline like every page.
"""
from __future__ import annotations

from flask import Blueprint, current_app, render_template

from app.catalog.seed import demo_numbers

blp = Blueprint("landing", __name__, template_folder="templates", static_folder="static",
                static_url_path="/landing-static")


@blp.get("/")
def index():
    dev_tools = "dev_phone" in current_app.blueprints  # mounted only outside production
    return render_template(
        "landing/index.html",
        dev_tools=dev_tools,
        demo_numbers=demo_numbers() if dev_tools else [],  # `flask seed-demo`'s; never in production
    )
