"""Creating carriers and changing their settings (refund policy, grace, boarding, support).

Views only parse and render; what a carrier admin can get wrong is decided here, so the
same rules hold for any future channel (a CSV import, a support console).
"""
from __future__ import annotations

from app.catalog.common import flush_or_conflict
from app.catalog.models import Carrier
from app.core.phone import normalize_phone
from app.extensions import db, unit_of_work


def create_carrier(data: dict) -> Carrier:
    """A new carrier; 409 when its slug is taken (the database decides, no race)."""

    def work():
        carrier = Carrier(**data)
        db.session.add(carrier)
        flush_or_conflict(f"The slug {data['slug']!r} is taken.", "duplicate-slug")
        return carrier

    return unit_of_work(work)


def update_settings(carrier: Carrier, data: dict) -> Carrier:
    """Refund rules are stored largest ``hours_before_departure`` first (how they match)."""
    if "refund_rules" in data:
        data["refund_rules"] = sorted(
            (dict(r) for r in data["refund_rules"]), key=lambda r: r["hours_before_departure"], reverse=True
        )
    if data.get("support_phone"):
        data["support_phone"] = normalize_phone(data["support_phone"], carrier.country)

    def work():
        for key, value in data.items():
            setattr(carrier, key, value)
        flush_or_conflict("The settings could not be saved.")
        return carrier

    return unit_of_work(work)
