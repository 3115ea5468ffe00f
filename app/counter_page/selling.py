"""``/counter``'s sale: a trip's seat map, the passengers and the payment, the order (paid
in cash at once, or waiting for M-Pesa: the page reloads itself until it is paid), the
printed ticket and a trip's manifest. Every step calls ``app.sales.counter``."""
from __future__ import annotations

from flask import redirect, request, url_for

from app.counter_page.common import agent_required, blp, refusal, render, say
from app.errors import ApiError
from app.sales import counter
from app.sales.counter_prints import order_tickets, trip_manifest

PAPERS = ("58", "80", "a4")
FARE_CLASSES = ("standard", "student", "reduced")
ORDER_ACTIONS = {"cash": counter.pay_cash, "mpesa": counter.pay_mpesa, "release": counter.release,
                 "cancel": counter.cancel}


def _stops(trip) -> tuple[int, int]:
    """The ride asked for (``origin``, ``destination``), else the whole route."""
    stops = sorted(trip.route.stops, key=lambda rs: rs.position)
    ids = [rs.stop_id for rs in stops]

    def pick(name: str, default: int) -> int:
        value = request.values.get(name, "")
        return int(value) if value.isdigit() and int(value) in ids else default

    return pick("origin", ids[0]), pick("destination", ids[-1])


def _error_page(refused: ApiError, context: str = ""):
    return render("message.html", message=refusal(refused, context), status=refused.status)


@blp.get("/trips/<int:trip_id>")
@agent_required
def trip(agent, trip_id: int):
    """The seat map of a ride: free seats can be ticked, held and sold ones cannot."""
    try:
        found = counter.counter_trip(agent, trip_id)
        origin, destination = _stops(found)
        seats = counter.trip_seats(agent, trip_id, origin, destination)
    except ApiError as refused:
        return _error_page(refused)
    stops = sorted(found.route.stops, key=lambda rs: rs.position)
    return render("trip.html", trip=found, seats=seats, rows=seats["rows"], stops=stops, origin=origin, destination=destination,
                  seat_status={s["label"]: s["status"] for s in seats["seats"]}, error=request.args.get("error"))


@blp.route("/trips/<int:trip_id>/sell", methods=["GET", "POST"])
@agent_required
def sell(agent, trip_id: int):
    """Names, fare classes, the passenger's phone and the payment for the ticked seats."""
    try:
        found = counter.counter_trip(agent, trip_id)
        origin, destination = _stops(found)
        fares = counter.trip_seats(agent, trip_id, origin, destination)["fares"]
    except ApiError as refused:
        return _error_page(refused)
    chosen = [s for s in request.values.getlist("seat") if s in found.vehicle.seat_layout][:10]
    if not chosen:
        return redirect(url_for("counter_page.trip", trip_id=trip_id, origin=origin, destination=destination,
                                error=say("no_seat")))
    context = dict(trip=found, seats=chosen, fares=fares, origin=origin, destination=destination,
                   classes=[c for c in FARE_CLASSES if c in fares])
    if request.method == "GET":
        return render("sell.html", **context)
    passengers = [{"seat": seat, "passenger_name": (request.form.get(f"name_{seat}") or "").strip()[:120] or None,
                   "fare_class": request.form.get(f"fare_{seat}") if request.form.get(f"fare_{seat}") in fares
                   else None} for seat in chosen]
    method = request.form.get("method") if request.form.get("method") in counter.COUNTER_METHODS else "cash"
    try:
        view = counter.sell(agent, trip_id=trip_id, origin_stop_id=origin, destination_stop_id=destination,
                            phone=request.form.get("phone", ""), passengers=passengers, method=method)
    except ApiError as refused:
        return render("sell.html", error=refusal(refused), status=refused.status, **context)
    return redirect(url_for("counter_page.order", order_id=view.id))


@blp.get("/orders/<int:order_id>")
@agent_required
def order(agent, order_id: int):
    """Where the sale stands; while M-Pesa is asked, the page reloads itself every few seconds."""
    try:
        view = counter.counter_order_view(agent, order_id)
    except ApiError as refused:
        return _error_page(refused)
    waiting = view.status == "pending_payment" and view.last_payment is not None and \
        view.last_payment.status in ("initiated", "pending")
    return render("order.html", view=view, waiting=waiting, departure=counter.departure(view.order),
                  papers=PAPERS, error=request.args.get("error"))


@blp.post("/orders/<int:order_id>/<action>")
@agent_required
def order_action(agent, order_id: int, action: str):
    """Take cash, prompt M-Pesa again, release the seats, or cancel and refund."""
    if action not in ORDER_ACTIONS:
        return render("message.html", message=say("err_other", detail=action), status=404)
    try:
        ORDER_ACTIONS[action](agent, order_id)
    except ApiError as refused:
        return redirect(url_for("counter_page.order", order_id=order_id, error=refusal(
            refused, "cancel" if action == "cancel" else "")))
    return redirect(url_for("counter_page.order", order_id=order_id))


@blp.get("/orders/<int:order_id>/print")
@agent_required
def print_ticket(agent, order_id: int):
    """The tickets for a 58 mm or 80 mm thermal printer, or A4 (``?paper=``), each with its QR."""
    paper = request.args.get("paper") if request.args.get("paper") in PAPERS else "80"
    try:
        found, printed = order_tickets(agent, order_id)
    except ApiError as refused:
        return _error_page(refused)
    return render("print.html", order=found, printed=printed, paper=paper, papers=PAPERS,
                  departure=counter.departure(found))


@blp.get("/trips/<int:trip_id>/manifest")
@agent_required
def manifest(agent, trip_id: int):
    """A trip's passengers seat by seat, to print (A4)."""
    try:
        found, rows = trip_manifest(agent, trip_id)
    except ApiError as refused:
        return _error_page(refused)
    return render("manifest.html", trip=found, rows=rows)
