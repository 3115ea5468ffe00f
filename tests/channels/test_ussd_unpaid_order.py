"""Dialling back with an unpaid order: which order it is, and no key that starts a payment.

Why: the screen used to be "Pay with 1 Wallet 2 Phone balance 3 M-Pesa again 0 Main menu",
and a passenger pressing 2 for My tickets (2 on the main menu) started a phone-balance
payment. Now the first screen names the order (code, trip, amount) and only asks whether
to pay it now; the methods come on the next screen, where the keys are the purchase's.
"""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.booking.models import Order
from app.extensions import db
from app.ledger.service import Leg, post, provider_clearing, wallet_account
from app.messaging import t
from app.payments.models import Payment
from app.sales.common import Money
from tests import factories
from tests.channel_drivers import FAILING_PHONE, FUNDED, Ussd


@pytest.fixture
def failed_order(client, world):
    """A passenger whose M-Pesa prompt for a USSD purchase failed: the order is held, unpaid."""
    user = factories.make_user(phone=FAILING_PHONE, name="Fallback Passenger")
    db.session.commit()
    post("topup", f"test-funding:{user.id}", [
        Leg(provider_clearing("sandbox"), -FUNDED, "KES"), Leg(wallet_account(user.id), FUNDED, "KES")])
    db.session.commit()
    ussd = Ussd(client, world, user)
    ussd.buy(factories.local_departure(1).astimezone(factories.NAIROBI).date(), "mpesa")
    order = db.session.scalar(select(Order).where(Order.user_id == user.id))
    assert order.status == "pending_payment"
    return ussd, order


def _payments() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Payment))


def test_dialling_back_names_the_order_its_trip_and_amount(failed_order):
    ussd, order = failed_order
    screen = ussd.talk.dial("")
    assert order.code in screen and "Nairobi" in screen and "Nakuru" in screen
    assert Money(order.total_amount, order.currency).text("en") in screen  # KES 1,600: two seats
    assert "M-Pesa" not in screen and "Wallet" not in screen  # no method to press here


@pytest.mark.parametrize("key", list("0123456789"))
def test_no_key_on_the_first_screen_starts_a_payment(failed_order, key):
    ussd, _ = failed_order
    before = _payments()
    ussd.talk.dial("")
    ussd.talk.input(key)
    assert _payments() == before


def test_two_for_my_tickets_goes_on_to_the_main_menu(failed_order):
    ussd, _ = failed_order
    ussd.talk.dial("")
    screen = ussd.talk.input("2")
    assert t("home", "en") in screen
    assert t("no_tickets", "en") in ussd.talk.input("2")  # and 2 again is My tickets (none yet)


def test_paying_now_shows_the_ways_then_pays_the_one_chosen(failed_order):
    ussd, order = failed_order
    ussd.talk.dial("")
    ways = ussd.talk.input("1")
    assert order.code in ways and "M-Pesa" in ways and "Wallet" in ways
    done = ussd.talk.input(Ussd.METHOD_KEYS["wallet"])  # the keys of the purchase's pay screen
    assert done == "END " + t("paid_wallet", "en")
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == "paid"


def test_back_from_the_ways_returns_to_the_order(failed_order):
    ussd, order = failed_order
    first = ussd.talk.dial("")
    ussd.talk.input("1")
    assert ussd.talk.input("0") == first
