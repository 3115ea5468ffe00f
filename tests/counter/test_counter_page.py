"""/counter through plain form posts (the Flask client): sign in with the SMS code, open the
shift, sell on the seat map for cash, the ticket print page, the blind count, the report;
and what the page refuses (no sign-in, wrong carrier, a form from elsewhere, bad amounts)."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from app.counter.models import CashDrawer
from app.extensions import db
from app.ledger.service import balance, cash_drawer
from app.payments.models import Payment
from tests import factories
from tests.counter.helpers import AGENT_PHONE, WALKIN_PHONE, make_agent


def csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def sign_in(client, phone: str = AGENT_PHONE):
    assert client.post("/counter/code", data={"phone": phone}).status_code == 200
    texts = [m["text"] for m in client.get(f"/dev/outbox?to={phone}").get_json()]
    code = next(re.search(r"\b(\d{6})\b", t).group(1) for t in reversed(texts) if re.search(r"\b\d{6}\b", t))
    return client.post("/counter/sign-in", data={"phone": phone, "code": code})


def test_an_agent_sells_for_cash_prints_the_ticket_and_closes_the_drawer(client, world):
    agent = make_agent(world)
    assert "send-code" in client.get("/counter").get_data(as_text=True)
    signed = sign_in(client)
    assert signed.status_code == 302
    cookie = signed.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/counter" in cookie
    home = client.get("/counter").get_data(as_text=True)
    assert 'id="opening-float"' in home
    assert client.post("/counter/shift", data={"opening_float": "5000", "csrf": csrf(home)}).status_code == 302
    home = client.get("/counter").get_data(as_text=True)
    assert f'data-trip="{world.trip.id}"' in home

    seats = client.get(f"/counter/trips/{world.trip.id}?origin={world.nairobi.id}&destination={world.nakuru.id}")
    assert 'data-seat="3"' in seats.get_data(as_text=True)
    form = client.get(f"/counter/trips/{world.trip.id}/sell?origin={world.nairobi.id}"
                      f"&destination={world.nakuru.id}&seat=3").get_data(as_text=True)
    sold = client.post(f"/counter/trips/{world.trip.id}/sell", data={
        "csrf": csrf(form), "origin": world.nairobi.id, "destination": world.nakuru.id, "seat": "3",
        "name_3": "Otieno Walk-in", "fare_3": "standard", "phone": "0722000333", "method": "cash"})
    assert sold.status_code == 302, sold.get_data(as_text=True)
    order = client.get(sold.headers["Location"]).get_data(as_text=True)
    assert 'data-status="paid"' in order and "Otieno Walk-in" in order
    printed = client.get(sold.headers["Location"] + "/print?paper=58").get_data(as_text=True)
    assert "<svg" in printed and 'class="printout paper-58"' in printed and "Otieno Walk-in" in printed
    assert balance(cash_drawer(agent.id), "KES") == -(500000 + 80000)
    manifest = client.get(f"/counter/trips/{world.trip.id}/manifest").get_data(as_text=True)
    row = re.search(r"<tr><td>3</td>.*?</tr>", manifest).group(0)  # the seat just sold, masked phone, its leg
    assert "Otieno Walk-in" in row and "0722000333" not in row and "****" in row
    assert world.nairobi.name in row and world.nakuru.name in row and "counter" in row

    close = client.get("/counter/close").get_data(as_text=True)
    assert "5,800" not in close and "580" not in close  # blind: the expected amount is nowhere on the page
    done = client.post("/counter/close", data={"csrf": csrf(close), "counted": "5,800"})
    assert done.status_code == 302
    report = client.get(done.headers["Location"]).get_data(as_text=True)
    assert re.search(r'id="expected">KES\s?5,800', report) and re.search(r'id="difference"[^>]*>KES\s?0<', report)
    assert db.session.scalar(select(Payment.method).where(Payment.phone.is_(None))) == "cash"
    _ = WALKIN_PHONE


def test_the_count_asks_once_for_a_recount_and_a_comment_above_the_threshold(client, world):
    make_agent(world)
    sign_in(client)
    home = client.get("/counter").get_data(as_text=True)
    client.post("/counter/shift", data={"opening_float": "2000", "csrf": csrf(home)})
    close = client.get("/counter/close").get_data(as_text=True)
    first = client.post("/counter/close", data={"csrf": csrf(close), "counted": "1500"})
    assert first.status_code == 200 and 'id="notice"' in first.get_data(as_text=True)
    second = client.post("/counter/close", data={"csrf": csrf(close), "counted": "1500"})
    assert second.status_code == 422 and "comment" in second.get_data(as_text=True)
    third = client.post("/counter/close", data={"csrf": csrf(close), "counted": "1500", "comment": "float was short"})
    assert third.status_code == 302
    assert "float was short" in client.get(third.headers["Location"]).get_data(as_text=True)


def test_what_the_page_refuses_changes_nothing(client, world):
    agent = make_agent(world)
    assert client.post("/counter/shift", data={"opening_float": "100"}).status_code == 302  # signed out: sign in
    sign_in(client)
    home = client.get("/counter").get_data(as_text=True)
    assert client.post("/counter/shift", data={"opening_float": "100"}).status_code == 400  # no form token
    bad = client.post("/counter/shift", data={"opening_float": "-5", "csrf": csrf(home)})
    assert bad.status_code == 422 and 'role="alert"' in bad.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(CashDrawer)) == 0
    client.post("/counter/shift", data={"opening_float": "100", "csrf": csrf(home)})
    other = factories.make_carrier("Lake Shuttle")
    db.session.commit()
    route = factories.make_route(other, [(factories.make_stop(other, "Kisumu", code="KSM"), 0),
                                         (factories.make_stop(other, "Busia", code="BUS"), 120)], code="KSM-BUS")
    theirs = factories.make_trip(route, factories.make_vehicle(other), world.trip.departure_at)
    db.session.commit()
    assert client.get(f"/counter/trips/{theirs.id}").status_code == 404
    assert client.get(f"/counter/trips/{theirs.id}/manifest").status_code == 404
    assert db.session.scalar(select(func.count()).select_from(CashDrawer)) == 1
    assert agent.id


def test_a_passenger_account_cannot_use_the_counter(client, world):
    signed = sign_in(client, world.passenger.phone)
    assert signed.status_code == 403 and "counter agents" in signed.get_data(as_text=True)
    assert "Set-Cookie" not in signed.headers or "safiri_counter" not in signed.headers.get("Set-Cookie", "")


def test_an_mpesa_sale_shows_when_it_is_paid(client, world):
    make_agent(world)
    # A registered student (only a holder buys the student fare, at the counter too).
    factories.hold_concessions(factories.make_user(phone="+254722000444"), world.carrier, ("student",))
    db.session.commit()
    sign_in(client)
    home = client.get("/counter").get_data(as_text=True)
    client.post("/counter/shift", data={"opening_float": "0", "csrf": csrf(home)})
    form = client.get(f"/counter/trips/{world.trip.id}/sell?origin={world.nairobi.id}"
                      f"&destination={world.nakuru.id}&seat=5").get_data(as_text=True)
    sold = client.post(f"/counter/trips/{world.trip.id}/sell", data={
        "csrf": csrf(form), "origin": world.nairobi.id, "destination": world.nakuru.id, "seat": "5",
        "fare_5": "student", "phone": "+254722000444", "method": "mpesa"})
    assert sold.status_code == 302, sold.get_data(as_text=True)
    order = client.get(sold.headers["Location"]).get_data(as_text=True)
    assert 'data-status="paid"' in order and "Student" in order  # the sandbox's prompt was answered
    assert db.session.scalar(select(Payment.method)) == "mpesa_stk"


def test_a_prompt_not_yet_answered_reloads_the_page_until_paid(client, world):
    """A pending M-Pesa payment: the order page refreshes itself (no script: a meta refresh)."""
    make_agent(world)
    sign_in(client)
    home = client.get("/counter").get_data(as_text=True)
    client.post("/counter/shift", data={"opening_float": "0", "csrf": csrf(home)})
    form = client.get(f"/counter/trips/{world.trip.id}/sell?origin={world.nairobi.id}"
                      f"&destination={world.nakuru.id}&seat=6").get_data(as_text=True)
    failing = client.post(f"/counter/trips/{world.trip.id}/sell", data={
        "csrf": csrf(form), "origin": world.nairobi.id, "destination": world.nakuru.id, "seat": "6",
        "phone": "+254711990000", "method": "mpesa"})  # the sandbox fails prompts to numbers ending 0000
    page = client.get(failing.headers["Location"]).get_data(as_text=True)
    assert 'data-status="pending_payment"' in page and 'id="cash"' in page  # take cash instead
    payment = db.session.scalar(select(Payment))
    payment.status = "pending"
    db.session.commit()
    assert 'http-equiv="refresh"' in client.get(failing.headers["Location"]).get_data(as_text=True)
