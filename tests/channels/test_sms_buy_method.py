"""BUY names the way to pay (``BUY NAIROBI NAKURU 2 WALLET``), as USSD asks for each order.

The method word comes in any order with the count and the class, in English, French or
Swahili (the words PAY reads); the trip choice then pays that way, refused as
``PAY <code> <method>`` is, and never touches the passenger's usual method.
"""
import pytest

from app.booking.models import Order, SeatHold
from app.extensions import db
from app.ledger.models import LedgerEntry
from app.payments.models import Payment
from tests.channels.test_sms_pay import _state, reply, say
from tests.payments.helpers import fund_wallet


def _order_and_payments():
    db.session.expire_all()
    order = db.session.scalar(db.select(Order))
    return order, [{"mpesa_stk": "mpesa"}.get(p.method, p.method) for p in db.session.scalars(db.select(Payment).where(Payment.order_id == order.id))]


def _held_seats(order) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(SeatHold).where(
        SeatHold.order_id == order.id, SeatHold.status == "held"))


@pytest.mark.parametrize("text, method, passengers, fare_class", [
    ("BUY NAIROBI NAKURU 2 WALLET", "wallet", 2, "standard"),
    ("ACHETER NAIROBI NAKURU PORTEFEUILLE ETUDIANT", "wallet", 1, "student"),
    ("NUNUA NAIROBI NAKURU POCHI 2 MWANAFUNZI", "wallet", 2, "student"),
    ("BUY NAIROBI NAKURU AIRTIME", "airtime", 1, "standard"),
    ("ACHETER NAIROBI NAKURU 1 CREDIT", "airtime", 1, "standard"),
    ("NUNUA NAIROBI NAKURU SIMU", "airtime", 1, "standard"),
    ("BUY NAIROBI NAKURU M-PESA 2", "mpesa", 2, "standard"),
    ("NUNUA NAIROBI NAKURU 2 MPESA", "mpesa", 2, "standard"),
    ("ACHETER NAIROBI NAKURU PORTFEUIL", "wallet", 1, "standard"),  # a near miss is acted on
])
def test_the_method_word_in_buy_is_how_the_chosen_trip_is_paid(client, world, text, method, passengers, fare_class):
    user = world.passenger
    user.preferred_payment = "airtime" if method != "airtime" else "wallet"  # the usual way is another one
    db.session.commit()
    fund_wallet(user, 200000)
    head = reply(client, user.phone, text)
    assert "1 08:00 Coast Express" in head, head
    say(client, user.phone, "1")
    order, methods = _order_and_payments()
    assert methods == [method]
    assert len(order.items) == passengers and {item.fare_class for item in order.items} == {fare_class}
    assert order.status == "paid"  # the sandbox confirms M-Pesa and phone balance at once
    db.session.refresh(user)
    assert user.preferred_payment == ("airtime" if method != "airtime" else "wallet")


def test_a_wallet_too_low_on_the_choice_names_the_other_ways_and_changes_nothing(client, world):
    phone = world.passenger.phone
    fund_wallet(world.passenger, 10000)  # KES 100, the trip costs KES 800
    assert "1 08:00 Coast Express KES 800" in reply(client, phone, "BUY NAIROBI NAKURU WALLET")
    entries = db.session.scalar(db.select(db.func.count()).select_from(LedgerEntry))
    answer = reply(client, phone, "1")
    order, methods = _order_and_payments()
    assert f"Your wallet holds KES 100; order {order.code} costs KES 800. Send TOPUP 700" in answer
    assert f"PAY {order.code} MPESA" in answer and len(answer) <= 160
    assert methods == [] and order.status == "pending_payment" and _held_seats(order) == 1
    assert db.session.scalar(db.select(db.func.count()).select_from(LedgerEntry)) == entries
    fund_wallet(world.passenger, 70000)  # the way the reply names still works on the held order
    assert "paid from your wallet" in reply(client, phone, f"PAY {order.code} WALLET")


def test_phone_balance_that_cannot_make_the_total_is_refused_not_switched_to_mpesa(client, world):
    phone = world.passenger.phone
    reply(client, phone, "BUY NAIROBI NAKURU AIRTIME 2 STUDENT")
    answer = reply(client, phone, "1")
    order, methods = _order_and_payments()
    assert f"Your phone balance cannot pay KES 1,280 for order {order.code}. Send PAY {order.code} MPESA" in answer
    assert methods == [] and order.status == "pending_payment" and _held_seats(order) == 2


@pytest.mark.parametrize("phone, text, expected", [
    (None, "BUY NAIROBI NAKURU 2 WALLIT", "We did not understand WALLIT. Did you mean WALLET?"),
    (None, "BUY NAIROBI NAKURU ARTIM STUDENT", "We did not understand ARTIM. Did you mean AIRTIME?"),
    ("+254722000555", "NUNUA NAIROBI NAKURU POCHY", "Hatukuelewa POCHY. Ulimaanisha POCHI?"),
    ("+254722000556", "ACHETER NAIROBI NAKURU 2 PORTEFEU", "Mot non compris: PORTEFEU. Vouliez-vous dire PORTEFEUILLE?"),
])
def test_a_method_word_near_miss_gets_did_you_mean_and_no_list(client, world, phone, text, expected):
    before = _state()
    answer = reply(client, phone or world.passenger.phone, text)
    assert expected in answer and "Coast Express" not in answer and len(answer) <= 160
    assert _state() == before


def test_a_slip_on_the_list_keeps_the_method(client, world):
    phone = world.passenger.phone
    fund_wallet(world.passenger, 200000)
    reply(client, phone, "BUY NAIROBI NAKURU WALLET")
    assert "(1-1)" in reply(client, phone, "7")
    say(client, phone, "1")
    assert _order_and_payments()[1] == ["wallet"]
