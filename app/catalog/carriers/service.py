"""Creating carriers and changing their settings (refund policy, grace, boarding, support).

Views only parse and render; what a carrier admin can get wrong is decided here, so the
same rules hold for any future channel (a CSV import, a support console).
"""
from __future__ import annotations

from app.catalog.common import commit
from app.catalog.models import Carrier
from app.core.phone import normalize_phone
from app.extensions import db


def create_carrier(data: dict) -> Carrier:
    """A new carrier; 409 when its slug is taken (the database decides, no race)."""
    carrier = Carrier(**data)
    db.session.add(carrier)
    commit(f"The slug {data['slug']!r} is taken.", "duplicate-slug")
    return carrier


def update_settings(carrier: Carrier, data: dict) -> Carrier:
    """Refund rules are stored largest ``hours_before_departure`` first (how they match)."""
    if "refund_rules" in data:
        data["refund_rules"] = sorted(
            (dict(r) for r in data["refund_rules"]), key=lambda r: r["hours_before_departure"], reverse=True
        )
    if data.get("support_phone"):
        data["support_phone"] = normalize_phone(data["support_phone"], carrier.country)
    for key, value in data.items():
        setattr(carrier, key, value)
    commit("The settings could not be saved.")
    return carrier
