"""Helpers for reconciliation tests: shortcodes, payments as the payment paths leave them, uploads."""
from __future__ import annotations

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select

from app.booking.models import Order
from tests import factories
from app.extensions import db
from app.payments.models import Payment
from app.reconciliation.models import MpesaShortcode, StatementImport, StatementLine

NAIROBI = ZoneInfo("Africa/Nairobi")


def nairobi(text: str) -> datetime:
    """``"2026-12-01 09:02:49"`` (Nairobi wall time) as aware UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=NAIROBI).astimezone(ZoneInfo("UTC"))


def shortcode(carrier, code: str = "600638", kind: str = "paybill", **kw) -> MpesaShortcode:
    row = MpesaShortcode(carrier_id=carrier.id, shortcode=code, kind=kind, **kw)
    db.session.add(row)
    db.session.commit()
    return row


class OtherCarrier:
    """Another carrier with a trip and an admin (``payments`` takes it like a world)."""

    def __init__(self):
        self.carrier = factories.make_carrier("Other Lines")
        self.nairobi = factories.make_stop(self.carrier, "Nairobi West", city="Nairobi", code="NBW")
        self.eldoret = factories.make_stop(self.carrier, "Eldoret Town", city="Eldoret", code="ELT")
        route = factories.make_route(self.carrier, [(self.nairobi, 0), (self.eldoret, 300)])
        self.trip = factories.make_trip(route, factories.make_vehicle(self.carrier), factories.local_departure(2))
        self.admin = factories.make_user("carrier_admin", carrier=self.carrier, phone="+254700000101")
        self.passenger = factories.make_user("passenger", phone="+254711000999")
        db.session.commit()


def payments(world, specs: list[dict]) -> list[int]:
    """Orders of ``world.trip`` and their M-Pesa payments, in bulk; each spec: ``code``,
    ``amount``, ``status`` (succeeded: the order is paid), ``receipt``, ``phone``,
    ``created_at``, optional ``settled_at``, ``method``, ``user_id``. Returns payment ids."""
    if not specs:
        return []
    orders = [{
        "code": spec["code"], "user_id": spec.get("user_id", world.passenger.id), "trip_id": world.trip.id,
        "origin_stop_id": world.nairobi.id, "destination_stop_id": world.eldoret.id, "currency": "KES",
        "total_amount": spec["amount"], "status": "paid" if spec["status"] == "succeeded" else "expired",
        "hold_expires_at": spec["created_at"] + timedelta(minutes=10), "created_at": spec["created_at"],
        "paid_at": spec.get("settled_at") if spec["status"] == "succeeded" else None,
    } for spec in specs]
    order_ids = list(db.session.scalars(insert(Order).returning(Order.id, sort_by_parameter_order=True), orders))
    rows = [{
        "order_id": order_id, "user_id": spec.get("user_id", world.passenger.id), "purpose": "order",
        "method": spec.get("method", "mpesa_stk"), "provider": "mpesa", "amount": spec["amount"], "currency": "KES",
        "phone": spec.get("phone"), "status": spec["status"], "receipt": spec.get("receipt"),
        "provider_ref": spec.get("provider_ref") or f"ws_CO_{spec['code']}", "created_at": spec["created_at"],
        "settled_at": spec.get("settled_at"),
    } for order_id, spec in zip(order_ids, specs)]
    ids = list(db.session.scalars(insert(Payment).returning(Payment.id, sort_by_parameter_order=True), rows))
    db.session.commit()
    return ids


def upload(client, headers, carrier_id: int, text: str | bytes, name: str = "statement.csv", query: str = ""):
    data = text.encode() if isinstance(text, str) else text
    return client.post(f"/api/v1/carriers/{carrier_id}/statements{query}", headers=headers,
                       data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def stored() -> dict:
    """What an import leaves behind (a rejected or repeated upload must not change it)."""
    lines = db.session.execute(select(StatementLine.receipt, StatementLine.payment_id, StatementLine.matched_by)
                               .order_by(StatementLine.receipt)).all()
    return {"lines": [tuple(line) for line in lines],
            "imports": db.session.scalar(select(func.count()).select_from(StatementImport))}
