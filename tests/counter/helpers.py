"""What the counter tests share: an agent of the world's carrier, a shift, a cash sale."""
from __future__ import annotations

from tests import factories
from app.extensions import db

AGENT_PHONE = "+254700000009"
WALKIN_PHONE = "+254722000333"


def make_agent(world, phone: str = AGENT_PHONE):
    agent = factories.make_user("agent", carrier=world.carrier, phone=phone, name="Akinyi Agent")
    db.session.commit()
    return agent


def open_shift(client, headers, opening_float: int = 500000):
    resp = client.post("/api/v1/counter/drawer", json={"opening_float": opening_float}, headers=headers)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def sale_body(world, *, seat: str | None = "2", method: str = "cash", phone: str = WALKIN_PHONE,
              fare_class: str = "standard", name: str = "Otieno Walk-in") -> dict:
    passenger = {"fare_class": fare_class, "passenger_name": name}
    if seat:
        passenger["seat"] = seat
    return {"trip_id": world.trip.id, "origin_stop_id": world.nairobi.id, "destination_stop_id": world.nakuru.id,
            "phone": phone, "method": method, "passengers": [passenger]}


def sell_cash(client, world, headers, **kw) -> dict:
    resp = client.post("/api/v1/counter/sales", json=sale_body(world, **kw), headers=headers)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()
