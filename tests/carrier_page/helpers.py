"""What the dashboard tests sell: three orders of the world's trip, two channels, two methods."""
from __future__ import annotations

from app.booking.models import Order
from app.extensions import db
from tests.payments.helpers import book, fund_wallet


def sell(client, world, auth_headers) -> dict:
    """Two M-Pesa sales (one of them from USSD) and one wallet sale; answers the gross by key."""
    headers = auth_headers(world.passenger)
    orders = []
    for method in ("mpesa", "mpesa", "wallet"):
        order = book(client, world, headers)
        if method == "wallet":
            fund_wallet(world.passenger, order["total"]["amount"])
            db.session.commit()
        resp = client.post(f"/api/v1/orders/{order['id']}/payments", json={"method": method}, headers=headers)
        assert resp.status_code in (200, 201, 202), resp.get_json()
        orders.append(order)
    # The second one as if it came through USSD (the channel is the order's, read at query time).
    db.session.get(Order, orders[1]["id"]).channel = "ussd"
    db.session.commit()
    amounts = [order["total"]["amount"] for order in orders]
    return {"channel": {"api": amounts[0] + amounts[2], "ussd": amounts[1]},
            "method": {"mpesa_stk": amounts[0] + amounts[1], "wallet": amounts[2]}, "orders": orders}
