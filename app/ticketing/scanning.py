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

Verdicts are codes (``app.ticketing.verdicts``): each outcome carries a ``code`` saying
exactly which case it is (``forged``, ``code_typo``, ``booking_unpaid``...) and the
``result`` a scanner acts on; channels put it in words from the message catalogue.

Idempotency: a scan is named by ``(device_id, nonce)`` (unique in the database), and the
row stores what it was for (``request_digest``: the trip and the normalised code or
payload). A retried upload of the same scan gets the stored answer back (``replayed``)
and boards nothing; the same nonce with another ticket or trip is refused (409
``nonce-reused``): answering it with the first ticket's verdict told a driver that a
passenger who was not boarded had been.
Drivers must be assigned to the trip (``TripDriver``); a carrier admin of the trip's
carrier may scan any of its trips (a gate agent at a terminal).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import bindparam, exists, select
from sqlalchemy.orm import joinedload, lazyload
from sqlalchemy.exc import IntegrityError

from app.catalog.models import SELLABLE_TRIP_STATUSES, Route, Trip, TripDriver
from app.core.timeutil import to_local
from app.database import utcnow
from app.errors import Conflict, Forbidden, NotFound, Unprocessable
from app.extensions import db, unit_of_work
from app.ticketing.transitions import transition_ticket
from app.ticketing.keyring import get_verifier
from app.ticketing.models import TICKETED_ORDER_STATUSES, Ticket
from app.ticketing.scan_models import Scan, ScanConflict
from app.ticketing.verdicts import reason_text, result_of
from tickets.shortcode import CODE_LENGTH, is_well_formed, normalize_short_code

# A device that showed "valid" for one of these let in someone it should not have.
REVOKED_RESULTS = ("cancelled", "refunded", "unpaid")
SCANNER_ROLES = ("driver", "carrier_admin")
_ORDER_CODE_LENGTH = 8  # app.booking.service.CODE_LENGTH


@dataclass
class ScanOutcome:
    """What to tell the driver: a verdict ``code`` (``app.ticketing.verdicts``), never a sentence.

    ``ticket`` is set whenever the ticket is known; ``typed`` is the short or booking code
    as typed (normalised) when no ticket answers to it.
    """

    code: str
    ticket: Ticket | None = None
    scan: Scan | None = None
    first_use: Scan | None = None  # the boarding scan, for ``already_used``
    replayed: bool = False  # a retried (device_id, nonce): the stored answer
    conflict: bool = False  # boarded on another device too (offline uploads)
    typed: str | None = None

    @property
    def result(self) -> str:
        return result_of(self.code)

    @property
    def boarded(self) -> bool:
        return self.result == "valid"

    @property
    def reason(self) -> str:
        """The verdict in English words (the API's ``reason``; see ``verdicts.reason_text``)."""
        return reason_text(self)


# A scan is the hot path of a boarding gate: its three reads are built once, with bound
# parameters, instead of on every scan (building them and their cache keys was a tenth of
# a scan's CPU in issue 17's profiles).

@lru_cache(maxsize=1)
def _trip_to_scan():
    """The trip, with whether the user drives it, in one statement; its route and stops come
    along (judging reads where the passenger boards, and ``check_ticket`` keeps the trip
    loaded meanwhile), its carrier's row does not (its id is a column of the trip)."""
    assigned = exists().where(TripDriver.trip_id == Trip.id, TripDriver.user_id == bindparam("user_id"))
    return (select(Trip, assigned).where(Trip.id == bindparam("trip_id"))
            .options(lazyload(Trip.carrier), joinedload(Trip.route).joinedload(Route.stops)))


@lru_cache(maxsize=2)
def _ticket_locked(by: str):
    """The ticket by ``id`` or ``short_code`` under its row lock, with its order read in the
    same statement (judging reads the order's status; only the ticket's row is locked)."""
    return (select(Ticket).where(getattr(Ticket, by) == bindparam("value")).options(joinedload(Ticket.order))
            .with_for_update(of=Ticket).execution_options(populate_existing=True))


@lru_cache(maxsize=1)
def _boarding_of():
    """The scan that boarded a ticket (``already_used`` says when and on which device)."""
    return select(Scan).where(Scan.ticket_id == bindparam("ticket_id"), Scan.result == "valid",
                              Scan.undone_at.is_(None))


def authorize_trip(user, trip_id: int) -> Trip:
    """The trip ``user`` may scan or download; 404 for another carrier's, 403 if unassigned."""
    row = db.session.execute(_trip_to_scan(), {"trip_id": trip_id, "user_id": user.id}).unique().first()
    trip, is_assigned = row if row is not None else (None, False)
    if trip is None or user.role not in SCANNER_ROLES or trip.carrier_id != user.carrier_id:
        raise NotFound("There is no such trip.", slug="trip-not-found")
    if user.role == "driver" and not is_assigned:
        raise Forbidden(
            "You are not assigned to this trip; ask your carrier to assign you.", slug="not-assigned"
        )
    return trip


def check_ticket(
    driver, *, trip_id: int | None, qr_payload: str | None = None, short_code: str | None = None,
    device_id: str, nonce: str, scanned_at: datetime | None = None, now: datetime | None = None,
    source: str = "online", device_result: str | None = None,
) -> ScanOutcome:
    """Judge one scan and board the ticket when it is good: the scan's use case, one unit of work.

    ``trip_id`` None (SMS ``CHECK <code>``): the driver's one assigned trip that is
    boarding, else the one assigned trip departing today (local to its first stop), else
    the ticket's own trip if the driver is assigned to it; otherwise ``wrong_trip``.
    """
    if (qr_payload is None) == (short_code is None):
        raise Unprocessable("Send either qr_payload or short_code.", slug="scan-input")
    if not device_id or not nonce:
        raise Unprocessable("device_id and nonce are required.", slug="scan-input")
    trip = None  # held (not only checked) so that judging reads it from the session
    if trip_id is not None:
        trip = authorize_trip(driver, trip_id)
    elif driver.role not in SCANNER_ROLES:
        raise Forbidden("Only drivers and carrier staff can check tickets.", slug="not-a-scanner")
    now = now or utcnow()
    if scanned_at is not None and scanned_at.tzinfo is None:
        raise Unprocessable("scanned_at needs a UTC offset.", slug="scan-input")
    at = min(scanned_at or now, now)  # a device clock running ahead is not trusted
    digest = request_digest(trip_id, qr_payload, short_code)
    for _ in range(3):
        # Judge first and let the unique (device_id, nonce) catch a retry: a retry is
        # rare, a scan is not, so the common path saves a query. One attempt per unit of
        # work: after a lost race the stored scan may be the answer (``_replay``), which
        # running the judgement again would not see.
        try:
            return unit_of_work(lambda: _judge(driver, trip_id, qr_payload, short_code, device_id, nonce, at,
                                               source, device_result, digest), attempts=1)
        except IntegrityError:
            # A retry of the same nonce, or another worker boarded this ticket first:
            # start again from the committed state (rolled back: nothing of this attempt was boarded).
            pass
        prior = _replay(driver, device_id, nonce, digest, short_code)
        if prior is not None:
            return prior
    del trip
    raise Conflict("This scan could not be recorded; send it again.", slug="scan-retry")


def request_digest(trip_id: int | None, qr_payload: str | None, short_code: str | None) -> str:
    """What a nonce was used for: the trip and the ticket input, normalised (a retry of
    the same scan typed as ``abcde fghij`` or ``ABCDE-FGHIJ`` is the same scan)."""
    if qr_payload is not None:
        what = f"qr:{qr_payload.strip()}"
    else:
        what = f"code:{normalize_short_code(short_code.strip())}"
    return hashlib.sha256(f"{trip_id if trip_id is not None else '-'}\n{what}".encode()).hexdigest()


def _replay(driver, device_id: str, nonce: str, digest: str, short_code: str | None) -> ScanOutcome | None:
    scan = db.session.scalar(select(Scan).where(Scan.device_id == device_id, Scan.nonce == nonce))
    if scan is None:
        return None
    if scan.user_id != driver.id:
        raise Conflict("This device_id and nonce belong to another account's scan.", slug="nonce-reused")
    if scan.request_digest is not None and scan.request_digest != digest:
        # Rows from before digests were stored (NULL) replay as they always did.
        raise Conflict("This device_id and nonce were already used for another ticket; "
                       "send a new nonce for each scan.", slug="nonce-reused")
    conflict = db.session.scalar(select(exists().where(ScanConflict.second_scan_id == scan.id)))
    first = _boarding_scan(scan.ticket_id) if scan.result == "already_used" else None
    typed = normalize_short_code(short_code.strip()) if short_code is not None and scan.ticket is None else None
    return ScanOutcome(scan.code, scan.ticket, scan, first, replayed=True, conflict=bool(conflict), typed=typed)


def _boarding_scan(ticket_id: int | None) -> Scan | None:
    if ticket_id is None:
        return None
    return db.session.scalar(_boarding_of(), {"ticket_id": ticket_id})


def _judge(driver, trip_id, qr_payload, short_code, device_id, nonce, at, source, device_result, digest
           ) -> ScanOutcome:
    ticket, code, typed = _find_ticket(qr_payload, short_code, at, driver.carrier_id)
    first = None
    if ticket is not None and ticket.trip.carrier_id != driver.carrier_id:
        # Another company's passenger: the driver learns that much and nothing else (no
        # seat, initials, status or trip), and our scan record does not point at it.
        ticket, code = None, "foreign_ticket"
    if ticket is not None and trip_id is None:
        trip_id = _infer_trip(driver, ticket, at)
    if code is None:
        code, first = _judge_ticket(ticket, trip_id, at)
    result = result_of(code)
    if result == "valid":
        # Read under its row lock just now (``_find_ticket``): not read again.
        transition_ticket(ticket, "used", actor=f"user:{driver.id}", reason=f"boarded on device {device_id}"[:200],
                          now=at, locked=True)
    outcome = ScanOutcome(code, ticket, None, first, typed=typed)
    scan = Scan(
        device_id=device_id, nonce=nonce, user_id=driver.id, carrier_id=driver.carrier_id,
        trip_id=trip_id, ticket_id=ticket.id if ticket else None, result=result, code=code,
        reason=outcome.reason[:200], source=source, scanned_at=at, request_digest=digest,
    )
    db.session.add(scan)
    db.session.flush()
    outcome.scan = scan
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
    outcome.conflict = conflict
    return outcome


def _lock_ticket(**where) -> Ticket | None:
    """The ticket by ``id=`` or ``short_code=`` under its row lock (see ``_ticket_locked``)."""
    (by, value), = where.items()
    return db.session.scalar(_ticket_locked(by), {"value": value})


# What the pure verifier's reason says → the verdict code.
_INVALID_QR = (
    ("signature does not match", "forged"),
    ("signed with unknown key", "unknown_key"),
    ("not a ticket", "not_a_ticket"),
)


def _invalid_qr_code(verifier_reason: str) -> str:
    for needle, code in _INVALID_QR:
        if needle in verifier_reason:
            return code
    return "unreadable"


def _find_ticket(qr_payload, short_code, at, carrier_id) -> tuple[Ticket | None, str | None, str | None]:
    """``(ticket, None, None)`` when found, else ``(None, code, typed)``: the verdict and
    the code as typed (normalised; None for a QR).

    A booking code is looked up among ``carrier_id``'s orders only: whether another
    company's booking exists or is paid is none of this driver's business.
    """
    if qr_payload is not None:
        verdict = get_verifier().verify(qr_payload, now=at)
        if verdict.claims is None:
            return None, _invalid_qr_code(verdict.reason), None
        claims = verdict.claims
        ticket = _lock_ticket(id=claims.ticket_id)
        if ticket is None or ticket.trip_id != claims.trip_id or ticket.seat_index != claims.seat_index:
            return None, "no_such_ticket", None
        return ticket, None, None
    code = normalize_short_code(short_code.strip())
    if is_well_formed(code):
        ticket = _lock_ticket(short_code=code)
        if ticket is None:
            return None, "unknown_code", code
        return ticket, None, None
    if len(code) == _ORDER_CODE_LENGTH:
        order_status = _order_status(code, carrier_id)
        if order_status is not None and order_status not in TICKETED_ORDER_STATUSES:
            return None, "booking_unpaid", code
        if order_status is not None:
            return None, "booking_code", code
    if len(code) == CODE_LENGTH:
        return None, "code_typo", code
    return None, "code_length", code


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


def _judge_ticket(ticket: Ticket, trip_id: int | None, at: datetime) -> tuple[str, Scan | None]:
    """The verdict code on a known ticket of this carrier, and its boarding for ``already_used``."""
    if trip_id is None or ticket.trip_id != trip_id:
        return "wrong_trip", None
    if ticket.status in ("refunded", "cancelled"):
        return ticket.status, None
    if ticket.order.status not in TICKETED_ORDER_STATUSES:
        return "unpaid", None
    if ticket.status == "used":
        return "already_used", _boarding_scan(ticket.id)
    if ticket.expired_at(at):
        return "expired", None
    if at < ticket.valid_from:
        return "not_yet_valid", None
    return "valid", None


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
