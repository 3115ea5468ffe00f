"""``/dev/phone``: a feature-phone simulator for developers and demos (never in production).

It drives the real endpoints from the browser — ``POST /channels/ussd`` as Africa's
Talking would, ``POST /channels/sms/inbound`` for typed SMS, and ``GET /dev/outbox`` as
the phone's inbox — so what a developer sees is exactly what a passenger would.
"""
from __future__ import annotations

from flask import Blueprint, current_app, render_template

blp = Blueprint("dev_phone", __name__, url_prefix="/dev", template_folder="templates", static_folder="static",
                static_url_path="/phone-static")


@blp.get("/phone")
def phone():
    return render_template(
        "dev/phone.html",
        service_code="*384*1234#",
        token=current_app.config.get("CHANNEL_TOKEN") or "",
    )
