"""Checking a ticket at the door: one function for the app, the offline batch and SMS.

``check_ticket`` answers a driver in one transaction with a result a driver can act on
(``ScanOutcome``) and, for a good ticket, boards it (``valid → used`` through the one
ticket transition, ``app.ticketing.transitions.transition_ticket``). Bad input of any kind is an
outcome with a reason, never an exception; only "who may scan this trip" raises
(``NotFound`` for another carrier's or an unknown trip, ``Forbidden`` for a driver not
assigned to it), because that is an access decision, not a scan.

Rules, in the order a driver needs them:
1. The ticket: a QR payload is checked by the pure ``Verifier`` at ``scanned_at``
   (forged, altered, garbled → ``invalid``); a short code is normalised and its check
   character tested, so a typo says "mistyped code?" and a well-formed but unknown code
   says "no ticket has this code". An 8-character *booking* code of an unpaid order is
   ``unpaid`` (the passenger shows the payment SMS, not a ticket).
2. The trip: a ticket for another trip is ``wrong_trip``; for another carrier's ticket that
   is all the answer says (no seat, initials, status or trip: ``ticket`` is None).
3. Status: ``refunded``, ``cancelled``; a ticket whose order is not (or no longer) paid
   is ``unpaid``; ``used`` is ``already_used`` with when and on which device.
4. Time, at ``scanned_at`` (never later than the server's clock): ``not_yet_valid``,
   ``expired``. Otherwise ``valid`` and the ticket is boarded.

Idempotency: a scan is named by ``(device_id, nonce)`` (unique in the database); a
retried upload gets the stored answer back (``replayed``) and boards nothing.
Drivers must be assigned to the trip (``TripDriver``); a carrier admin of the trip's
carrier may scan any of its trips (a gate agent at a terminal).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from app.catalog.models import SELLABLE_TRIP_STATUSES, Trip, TripDriver
from app.catalog.service import is_driver_assigned
from app.core.timeutil import to_local
from app.database import utcnow
from app.errors import Conflict, Forbidden, NotFound, Unprocessable
from app.extensions import commit_keeping_state, db
from app.ticketing.transitions import transition_ticket
from app.ticketing.keyring import get_verifier
from app.ticketing.models import TICKETED_ORDER_STATUSES, Ticket
from app.ticketing.scan_models import Scan, ScanConflict
from tickets.shortcode import CODE_LENGTH, format_short_code, is_well_formed, normalize_short_code

# A device that showed "valid" for one of these let in someone it should not have.
REVOKED_RESULTS = ("cancelled", "refunded", "unpaid")
FOREIGN_TICKET = "Wrong bus: this is another company's ticket."
SCANNER_ROLES = ("driver", "carrier_admin")
_ORDER_CODE_LENGTH = 8  # app.booking.service.CODE_LENGTH


@dataclass
class ScanOutcome:
    """What to tell the driver. ``ticket`` is set whenever the ticket is known."""

    result: str
    reason: str
    ticket: Ticket | None = None
    scan: Scan | None = None
    first_use: Scan | None = None  # the boarding scan, for ``already_used``
    replayed: bool = False  # a retried (device_id, nonce): the stored answer
    conflict: bool = False  # boarded on another device too (offline uploads)

    @property
    def boarded(self) -> bool:
        return self.result == "valid"


def authorize_trip(user, trip_id: int) -> Trip:
    """The trip ``user`` may scan or download; 404 for another carrier's, 403 if unassigned."""
    trip = db.session.get(Trip, trip_id)
    if trip is None or user.role not in SCANNER_ROLES or trip.carrier_id != user.carrier_id:
        raise NotFound("There is no such trip.", slug="trip-not-found")
    if user.role == "driver" and not is_driver_assigned(user, trip_id):
        raise Forbidden(
            "You are not assigned to this trip; ask your carrier to assign you.", slug="not-assigned"
        )
    return trip


def check_ticket(
    driver, *, trip_id: int | None, qr_payload: str | None = None, short_code: str | None = None,
    device_id: str, nonce: str, scanned_at: datetime | None = None, now: datetime | None = None,
    source: str = "online", device_result: str | None = None,
) -> ScanOutcome:
    """Judge one scan and board the ticket when it is good; commits.

    ``trip_id`` None (SMS ``CHECK <code>``): the driver's one assigned trip that is
    boarding, else the one assigned trip departing today (local to its first stop), else
    the ticket's own trip if the driver is assigned to it; otherwise ``wrong_trip``.
    """
    if (qr_payload is None) == (short_code is None):
        raise Unprocessable("Send either qr_payload or short_code.", slug="scan-input")
    if not device_id or not nonce:
        raise Unprocessable("device_id and nonce are required.", slug="scan-input")
    if trip_id is not None:
        authorize_trip(driver, trip_id)
    elif driver.role not in SCANNER_ROLES:
        raise Forbidden("Only drivers and carrier staff can check tickets.", slug="not-a-scanner")
    now = now or utcnow()
    if scanned_at is not None and scanned_at.tzinfo is None:
        raise Unprocessable("scanned_at needs a UTC offset.", slug="scan-input")
    at = min(scanned_at or now, now)  # a device clock running ahead is not trusted
    for _ in range(3):
        # Judge first and let the unique (device_id, nonce) catch a retry: a retry is
        # rare, a scan is not, so the common path saves a query.
        try:
            outcome = _judge(driver, trip_id, qr_payload, short_code, device_id, nonce, at, source, device_result)
            commit_keeping_state()
            return outcome
        except IntegrityError:
            # A retry of the same nonce, or another worker boarded this ticket first:
            # start again from the committed state.
            db.session.rollback()
        prior = _replay(driver, device_id, nonce)
        if prior is not None:
            return prior
    raise Conflict("This scan could not be recorded; send it again.", slug="scan-retry")



def _replay(driver, device_id: str, nonce: str) -> ScanOutcome | None:
    scan = db.session.scalar(select(Scan).where(Scan.device_id == device_id, Scan.nonce == nonce))
    if scan is None:
        return None
    if scan.user_id != driver.id:
        raise Conflict("This device_id and nonce belong to another account's scan.", slug="nonce-reused")
    conflict = db.session.scalar(select(exists().where(ScanConflict.second_scan_id == scan.id)))
    first = _boarding_scan(scan.ticket_id) if scan.result == "already_used" else None
    return ScanOutcome(scan.result, scan.reason, scan.ticket, scan, first, replayed=True, conflict=bool(conflict))


def _boarding_scan(ticket_id: int | None) -> Scan | None:
    if ticket_id is None:
        return None
    return db.session.scalar(
        select(Scan).where(Scan.ticket_id == ticket_id, Scan.result == "valid", Scan.undone_at.is_(None))
    )


def _judge(driver, trip_id, qr_payload, short_code, device_id, nonce, at, source, device_result=None
           ) -> ScanOutcome:
    ticket, early = _find_ticket(qr_payload, short_code, at, driver.carrier_id)
    if ticket is not None and ticket.trip.carrier_id != driver.carrier_id:
        # Another company's passenger: the driver learns that much and nothing else (no
        # seat, initials, status or trip), and our scan record does not point at it.
        ticket, early = None, ("wrong_trip", FOREIGN_TICKET, None)
    if ticket is not None and trip_id is None:
        trip_id = _infer_trip(driver, ticket, at)
    if early is None:
        early = _judge_ticket(ticket, trip_id, at)
    result, reason, first = early
    if result == "valid":
        transition_ticket(ticket, "used", actor=f"user:{driver.id}", reason=f"boarded on device {device_id}"[:200],
                          now=at)
    scan = Scan(
        device_id=device_id, nonce=nonce, user_id=driver.id, carrier_id=driver.carrier_id,
        trip_id=trip_id, ticket_id=ticket.id if ticket else None, result=result,
        reason=reason[:200], source=source, scanned_at=at,
    )
    db.session.add(scan)
    db.session.flush()
    conflict = False
    if result == "already_used" and source == "batch" and first is not None and first.device_id != device_id:
        # Both devices were offline and both let the passenger in.
        db.session.add(ScanConflict(
            carrier_id=scan.carrier_id, trip_id=ticket.trip_id, ticket_id=ticket.id,
            first_scan_id=first.id, second_scan_id=scan.id,
        ))
        db.session.flush()
        conflict = True
    elif result in REVOKED_RESULTS and source == "batch" and device_result == "valid" and ticket is not None:
        # The device's manifest predates a cancellation or refund: the passenger got in.
        db.session.add(ScanConflict(
            kind="boarded_revoked", carrier_id=scan.carrier_id, trip_id=ticket.trip_id, ticket_id=ticket.id,
            first_scan_id=None, second_scan_id=scan.id,
        ))
        db.session.flush()
        conflict = True
    return ScanOutcome(result, reason, ticket, scan, first, conflict=conflict)


def _lock_ticket(**where) -> Ticket | None:
    stmt = select(Ticket).filter_by(**where).with_for_update().execution_options(populate_existing=True)
    return db.session.scalar(stmt)


_INVALID_REASONS = (
    ("signature does not match", "Forged or altered ticket: do not board. Ask for the SMS code to check."),
    ("signed with unknown key", "Ticket signed by a key we do not know: do not board; call the office."),
    ("not a ticket", "Not a Safiri ticket code: scan the ticket QR again or type the SMS code."),
)


def _invalid_qr_reason(verifier_reason: str) -> str:
    for needle, human in _INVALID_REASONS:
        if needle in verifier_reason:
            return human
    return "Unreadable ticket: scan again or type the SMS code."


def _find_ticket(qr_payload, short_code, at, carrier_id):
    """``(ticket, None)`` when found, else ``(None, (result, reason, None))``.

    A booking code is looked up among ``carrier_id``'s orders only: whether another
    company's booking exists or is paid is none of this driver's business.
    """
    if qr_payload is not None:
        verdict = get_verifier().verify(qr_payload, now=at)
        if verdict.claims is None:
            return None, ("invalid", _invalid_qr_reason(verdict.reason), None)
        claims = verdict.claims
        ticket = _lock_ticket(id=claims.ticket_id)
        if ticket is None or ticket.trip_id != claims.trip_id or ticket.seat_index != claims.seat_index:
            return None, ("invalid", "Genuine code but no such ticket here: do not board; call the office.", None)
        return ticket, None
    code = normalize_short_code(short_code.strip())
    if is_well_formed(code):
        ticket = _lock_ticket(short_code=code)
        if ticket is None:
            return None, ("invalid", f"No ticket has code {format_short_code(code)}: check the SMS again.", None)
        return ticket, None
    if len(code) == _ORDER_CODE_LENGTH:
        order_status = _order_status(code, carrier_id)
        if order_status is not None and order_status not in TICKETED_ORDER_STATUSES:
            return None, ("unpaid", f"Booking {code} is not paid: the passenger must pay before boarding.", None)
        if order_status is not None:
            return None, ("invalid", "That is a booking code: ask for the 10-character ticket code in the SMS.", None)
    if len(code) == CODE_LENGTH:
        return None, ("invalid", "Mistyped code? It fails its check character; ask the passenger to read it again.", None)
    return None, ("invalid", f"Mistyped code? A ticket code has 10 characters (XXXXX-XXXXX), not {len(code)}.", None)



def _order_status(code: str, carrier_id: int) -> str | None:
    """The status of this carrier's order with booking code ``code`` (None when none).

    Read through ``tickets.order_id``'s foreign key rather than booking's ``Order`` model:
    booking issues and cancels tickets, so ticketing stays below it and only reads the
    orders table a ticket already refers to.
    """
    (foreign_key,) = Ticket.__table__.c.order_id.foreign_keys
    orders = foreign_key.column.table
    return db.session.scalar(
        select(orders.c.status).join(Trip, Trip.id == orders.c.trip_id)
        .where(orders.c.code == code, Trip.carrier_id == carrier_id)
    )

def _infer_trip(driver, ticket: Ticket, at: datetime) -> int | None:
    """The trip an SMS ``CHECK`` without a trip is for (see ``check_ticket``)."""
    if driver.role == "carrier_admin":
        return ticket.trip_id if ticket.trip.carrier_id == driver.carrier_id else None
    assigned = list(db.session.scalars(
        select(Trip).join(TripDriver, TripDriver.trip_id == Trip.id)
        .where(TripDriver.user_id == driver.id, Trip.status.in_(SELLABLE_TRIP_STATUSES))
    ))
    boarding = [t for t in assigned if t.status == "boarding"]
    if len(boarding) == 1:
        return boarding[0].id
    today = [t for t in assigned if t.departure_local.date() == to_local(at, t.timezone).date()]
    if len(today) == 1:
        return today[0].id
    return ticket.trip_id if any(t.id == ticket.trip_id for t in assigned) else None


def _when(moment: datetime, ticket: Ticket) -> str:
    return to_local(moment, ticket.trip.timezone).strftime("%d %b %H:%M")


def _judge_ticket(ticket: Ticket, trip_id: int | None, at: datetime):
    seat = f"seat {ticket.seat}"
    if trip_id is None or ticket.trip_id != trip_id:
        trip = ticket.trip
        return ("wrong_trip", f"Wrong bus: this ticket is for {trip.route.code} leaving "
                f"{_when(trip.departure_at, ticket)}, {seat}.", None)
    if ticket.status == "refunded":
        return "refunded", "Refunded (trip cancelled): do not board; the fare was paid back.", None
    if ticket.status == "cancelled":
        return "cancelled", "Cancelled by the passenger: do not board; they may buy a new ticket.", None
    if ticket.order.status not in TICKETED_ORDER_STATUSES:
        return "unpaid", f"Booking {ticket.order.code} is not paid: do not board until it is paid.", None
    if ticket.status == "used":
        first = _boarding_scan(ticket.id)
        if first is not None:
            where = f"at {_when(first.scanned_at, ticket)} on device {first.device_id}"
        else:
            where = f"at {_when(ticket.status_changed_at or at, ticket)}"
        return "already_used", f"Already used {where}: do not board again ({seat}).", first
    if ticket.expired_at(at):
        return "expired", f"Expired at {_when(ticket.valid_until, ticket)}: not valid for boarding now.", None
    if at < ticket.valid_from:
        return "not_yet_valid", f"Not valid yet: boarding opens {_when(ticket.valid_from, ticket)}.", None
    extra = " Check the student card." if ticket.fare_class == "student" else ""
    return "valid", f"Valid: board, {seat} ({ticket.fare_class}).{extra}", None


def upload_batch(driver, *, trip_id: int, device_id: str, scans: list[dict], now: datetime | None = None
                 ) -> list[ScanOutcome]:
    """Offline scans of one device, judged as they happened: in ``scanned_at`` order,
    each at its own time; answers in the order sent. Each scan commits on its own, so a
    retried upload after a dropped connection resumes where it broke off."""
    authorize_trip(driver, trip_id)
    outcomes: list[ScanOutcome | None] = [None] * len(scans)
    for i in sorted(range(len(scans)), key=lambda i: (scans[i]["scanned_at"], i)):
        item = scans[i]
        outcomes[i] = check_ticket(
            driver, trip_id=trip_id, qr_payload=item.get("qr_payload"), short_code=item.get("short_code"),
            device_id=device_id, nonce=item["nonce"], scanned_at=item["scanned_at"], now=now, source="batch",
            device_result=item.get("device_result"),
        )
    return outcomes  # type: ignore[return-value]


def initials(name: str | None) -> str | None:
    """"Wanjiku Passenger" → "W.P.": enough for a driver to match a face to a seat."""
    parts = [p for p in (name or "").split() if p[:1].isalpha()]
    return "".join(p[0].upper() + "." for p in parts[:3]) or None
