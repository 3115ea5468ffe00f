"""SMS can do what USSD can: fare class in BUY, PAY <order> <method>, HISTORY, RESEND, HELP topics.

Each refusal is checked to change nothing: no payment, order or wallet movement, no
pending question left behind.
"""
import re
from datetime import time, timedelta

import pytest

from app.booking.models import Order
from app.catalog.models import Fare
from app.database import utcnow
from app.extensions import db
from app.ledger.models import LedgerEntry
from app.payments.models import Payment
from app.wallet.service import get_wallet
from channels.sms.models import SmsPending
from tests.channels.scripts.runner import inbox
from tests.factories import hold_concessions, local_departure, make_trip, make_user
from tests.fixtures import load_form
from tests.payments.helpers import fund_wallet

FAILING = "+254711110000"  # the sandbox fails M-Pesa from a number ending in 0000 (like 1032)
_ids = iter(range(1, 10_000))


def say(client, phone: str, text: str) -> list[str]:
    """Send an SMS from ``phone``; the SMS it caused, oldest first (the reply is last, unless
    it set off a payment whose ticket or failure notice follows it)."""
    before = len(inbox(phone))
    form = dict(load_form("africastalking/sms_inbound.form"), text=text, id=f"ATXid_pay{next(_ids):05d}")
    form["from"] = phone
    assert client.post("/channels/sms/inbound", data=form).status_code == 200
    texts = inbox(phone)
    return list(reversed(texts[: len(texts) - before]))


def reply(client, phone: str, text: str) -> str:
    return say(client, phone, text)[-1]


def _state():
    """Everything a refused command must leave as it was."""
    db.session.expire_all()
    return (
        db.session.scalar(db.select(db.func.count()).select_from(Payment)),
        db.session.scalar(db.select(db.func.count()).select_from(LedgerEntry)),
        tuple(db.session.scalars(db.select(Order.status).order_by(Order.id))),
        db.session.scalar(db.select(db.func.count()).select_from(SmsPending)),
    )


def _unpaid_order(client, phone=FAILING, buy="BUY NAIROBI NAKURU"):
    """An order whose M-Pesa prompt failed (sandbox), and the SMS that said so."""
    assert "Coast Express" in reply(client, phone, buy)
    texts = say(client, phone, "1")
    code = re.search(r"PAY (\w{8}) ", texts[-1]).group(1)  # inline jobs: the failure notice follows the reply
    order = db.session.scalar(db.select(Order).where(Order.code == code))
    return order, texts


def test_the_reply_to_a_list_choice_says_how_to_pay_each_other_way(client, world):
    texts = say(client, world.passenger.phone, "BUY NAIROBI NAKURU")
    texts = say(client, world.passenger.phone, "1")  # the reply, then the ticket and receipt it set off
    code = re.search(r"Order (\w{8}) ", texts[0]).group(1)
    assert f"PAY {code} AIRTIME or PAY {code} WALLET" in texts[0] and "M-Pesa PIN" in texts[0]


def test_after_a_failed_mpesa_prompt_the_sms_says_pay_wallet_and_pay_wallet_pays(client, world):
    order, texts = _unpaid_order(client)
    failure = next(text for text in texts if "cancelled the M-Pesa request" in text)
    assert f"PAY {order.code} WALLET" in failure
    user = order.user
    fund_wallet(user, 200000)
    texts = say(client, FAILING, f"pay {order.code.lower()} wallet")
    assert f"Order {order.code} KES 800" in texts[-1] and "paid from your wallet" in texts[-1]
    assert any("Code " in text for text in texts)  # the ticket SMS
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == "paid"
    assert get_wallet(user.id).balance == 200000 - 80000


def test_pay_mpesa_retries_an_unpaid_order(client, world):
    order, _ = _unpaid_order(client)
    texts = say(client, FAILING, f"PAY {order.code} M-PESA")
    # a second prompt (the sandbox fails it again: this number always cancels)
    assert "cancelled the M-Pesa request" in texts[-1] and f"PAY {order.code} WALLET" in texts[-1]
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count()).select_from(Payment).where(Payment.order_id == order.id)) == 2


def test_pay_without_a_method_lists_the_ways(client, world):
    order, _ = _unpaid_order(client)
    before = _state()
    answer = reply(client, FAILING, f"PAY {order.code}")
    assert "is unpaid; seats held until" in answer and f"PAY {order.code} AIRTIME (phone balance)" in answer
    assert _state() == before and len(answer) <= 160


@pytest.mark.parametrize("case, expected", [
    ("unknown code", "No order ZZZZZZZZ on this phone"),
    ("someone else's order", "No order {code} on this phone"),
    ("already paid", "Order {code} is already paid"),
    ("wallet too low", "Your wallet holds KES 100; order {code} costs KES 800. Send TOPUP 700"),
    ("bad method", "We did not understand VISA. Send PAY {code} MPESA, PAY {code} AIRTIME or PAY {code} WALLET"),
    ("near-miss method", "We did not understand WALLIT. Did you mean PAY {code} WALLET?"),
    ("hold ended", "Order {code} can no longer be paid"),
    ("airtime cannot make the total", "Your phone balance cannot pay KES 1,280 for order {code}"),
])
def test_a_pay_that_cannot_be_done_says_why_and_changes_nothing(client, world, case, expected):
    buy = "BUY NAIROBI NAKURU 2 STUDENT" if case.startswith("airtime") else "BUY NAIROBI NAKURU"
    if case.startswith("airtime"):  # only a registered student buys the student fare
        hold_concessions(make_user(phone=FAILING), world.carrier, ("student",))
        db.session.commit()
    order, _ = _unpaid_order(client, buy=buy)
    code, phone, method = order.code, FAILING, "WALLET"
    if case == "unknown code":
        code = "ZZZZZZZZ"
    elif case == "someone else's order":
        phone = world.passenger.phone
    elif case == "already paid":
        fund_wallet(order.user, 80000)
        say(client, FAILING, f"PAY {code} WALLET")
    elif case == "wallet too low":
        fund_wallet(order.user, 10000)
    elif case == "bad method":
        method = "VISA"
    elif case == "near-miss method":
        method = "WALLIT"
    elif case == "hold ended":
        order.hold_expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    elif case.startswith("airtime"):
        method = "AIRTIME"
    before = _state()
    answer = reply(client, phone, f"PAY {code} {method}")
    assert expected.format(code=order.code) in answer
    assert _state() == before
    assert len(answer) <= 160


@pytest.mark.parametrize("text", ["PAY", "LIPA"])
def test_pay_alone_explains_itself(client, world, text):
    assert "K7Q2ABCD" in reply(client, world.passenger.phone, text)


def test_a_fare_class_can_be_chosen_in_buy(client, world):
    head = reply(client, world.passenger.phone, "BUY NAIROBI NAKURU 2 STUDENT")
    assert head.startswith("Nairobi-Nakuru") and "2 pax, STUDENT" in head and "Coast Express KES 1,280" in head
    say(client, world.passenger.phone, "1")
    order = db.session.scalar(db.select(Order))
    assert [item.fare_class for item in order.items] == ["student", "student"] and order.total_amount == 128000


@pytest.mark.parametrize("text, fare_class", [
    ("BUY NAIROBI NAKURU", "standard"),  # the default, as in the API and USSD
    ("BUY NAIROBI NAKURU REDUCED 1", "reduced"),
    ("ACHETER NAIROBI NAKURU ETUDIANT", "student"),
    ("BUY NAIROBI NAKURU STUDNET", "student"),  # a near miss is acted on
])
def test_the_class_word_picks_the_fare(client, world, text, fare_class):
    say(client, world.passenger.phone, text)
    say(client, world.passenger.phone, "1")
    order = db.session.scalar(db.select(Order))
    assert order.items[0].fare_class == fare_class


def test_without_standard_fares_the_default_is_the_cheapest_class_as_in_the_api(client, world):
    db.session.execute(db.delete(Fare).where(Fare.fare_class == "standard"))
    db.session.commit()
    assert "Coast Express KES 400" in reply(client, world.passenger.phone, "BUY NAIROBI NAKURU")  # reduced: 50%
    say(client, world.passenger.phone, "1")
    assert db.session.scalar(db.select(Order)).items[0].fare_class == "reduced"


@pytest.mark.parametrize("text, expected", [
    ("BUY NAIROBI NAKURU 2 VIP", "We do not know the fare class VIP. Classes: STANDARD, STUDENT, REDUCED"),
    ("BUY NAIROBI NAKURU STUDIE", "We do not know the fare class STUDIE. Did you mean STUDENT?"),
    ("BUY NAIROBI NAKURU 2 STUDENT", "No trip Nairobi-Nakuru on"),  # student fares removed below
])
def test_a_class_not_understood_or_not_sold_is_said_before_any_list(client, world, text, expected):
    db.session.execute(db.delete(Fare).where(Fare.fare_class == "student"))
    db.session.commit()
    before = _state()
    answer = reply(client, world.passenger.phone, text)
    assert expected in answer and "Coast Express" not in answer
    assert _state() == before and len(answer) <= 160


@pytest.mark.parametrize("text, expected", [
    ("BUY NAIROBI NAKURU TOMOROW", "1 08:00 Coast Express"),  # a near-miss day is acted on
    ("ACHETER NAIROBI NAKURU DEMIN 2", "1 08:00 Coast Express"),
    ("BUY NAIROBI NAKURU TOMOR", "We did not understand TOMOR. Did you mean TOMORROW?"),
])
def test_a_mistyped_day_is_read_as_a_day_not_a_class(client, world, text, expected):
    assert expected in reply(client, world.passenger.phone, text)


def test_history_lists_past_trips_with_what_became_of_them(client, world):
    phone = world.passenger.phone
    assert "no past trips" in reply(client, phone, "HISTORY")
    say(client, phone, "BUY NAIROBI NAKURU")
    texts = say(client, phone, "1")
    code = next(re.search(r"Code (\S{5}-\S{5})", t).group(1) for t in texts if "Code " in t)
    say(client, phone, f"CANCEL {code}")
    say(client, phone, "YES")
    answer = reply(client, phone, "histroy")  # a near miss
    assert answer.startswith("Past trips:") and code in answer and answer.endswith("cancelled")
    say(client, phone, "LANG FR")
    assert reply(client, phone, "HISTORIQUE").startswith("Trajets passés:\n")


def test_resend_sends_the_ticket_sms_again(client, world):
    phone = world.passenger.phone
    say(client, phone, "BUY NAIROBI NAKURU")
    texts = say(client, phone, "1")
    ticket_sms = next(t for t in texts if "Code " in t)
    code = re.search(r"Code (\S{5}-\S{5})", ticket_sms).group(1)
    assert reply(client, phone, f"RESEND {code.replace('-', '').lower()}") == ticket_sms
    assert reply(client, phone, "RESEND") == ticket_sms  # the only ticket
    before = _state()
    assert "No active ticket ABCDE-FGHIJ" in reply(client, phone, "RESEND ABCDE-FGHIJ")
    assert "No active ticket" in reply(client, "+254722000333", f"RESEND {code}")  # not theirs
    assert _state() == before


@pytest.mark.parametrize("text, expected", [
    ("HELP", "Safiri: BUY FROM TO, PAY ORDER, TICKETS, HISTORY, RESEND CODE"),
    ("HELP BUY", "Classes: STANDARD (usual), STUDENT, REDUCED"),
    ("help pay", "PAY ORDER AIRTIME (phone balance)"),
    ("AIDE PAYER", "PAYER K7Q2ABCD CREDIT"),  # a new sender: French replies
    ("MSAADA NUNUA", "MWANAFUNZI"),
    ("HELP BUY", "BUY NAIROBI NAKURU 0512 2 STUDENT WALLET"),  # the way to pay, named in BUY
    ("AIDE ACHETER", "Moyens: MPESA, CREDIT, PORTEFEUILLE"),
    ("MSAADA NUNUA", "Njia: MPESA, SIMU, POCHI"),
    ("HELP", "WITHDRAW N"),  # the wallet back to M-Pesa, in each language's word
    ("AIDE", "RETIRER N"),
    ("MSAADA", "TOA KIASI"),
])
def test_help_names_every_command_and_explains_buy_and_pay(client, world, text, expected):
    assert expected in reply(client, "+254722000444", text)


def test_a_long_trip_list_keeps_to_one_sms_with_the_soonest_trips(client, world):
    for hour in (9, 10, 11, 12, 13):
        make_trip(world.route, world.vehicle, local_departure(1, time(hour, 0)))
    db.session.commit()
    answer = reply(client, world.passenger.phone, "BUY NAIROBI NAKURU TOMORROW 10 STUDENT")
    assert len(answer) <= 160 and "\n1 08:00 Coast Express KES 6,400" in answer and "13:00" not in answer
    listed = len(answer.splitlines()) - 1
    assert 2 <= listed <= 4
    say(client, world.passenger.phone, str(listed + 1))  # beyond the list: refused, the list kept
    assert f"(1-{listed})" in inbox(world.passenger.phone)[0]


def test_many_active_tickets_keep_to_one_sms_and_say_how_many_more(client, world):
    phone = world.passenger.phone
    say(client, phone, "BUY NAIROBI NAKURU 7")
    say(client, phone, "1")
    answer = reply(client, phone, "TICKETS")
    lines = answer.splitlines()
    assert len(answer) <= 160 and lines[0] == "Your tickets:"
    shown = [line for line in lines[1:] if "NBO-NKR" in line]
    assert lines[-1] == f"+{7 - len(shown)} more" and len(shown) >= 3


def test_cash_is_the_counters_only_pay_cash_by_sms_is_refused_with_the_ways(client, world):
    order, _ = _unpaid_order(client)
    before = _state()
    answer = reply(client, FAILING, f"PAY {order.code} CASH")
    assert "We did not understand CASH" in answer and f"PAY {order.code} MPESA" in answer
    assert _state() == before
