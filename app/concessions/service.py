"""Concessions: a student registers, a senior or disabled person shows a document, an agent of
the carrier decides; ``valid_until`` is what a sale asks.

Rules (each a use case, one unit of work):
- Student: self-service (institution, student number, the card's expiry). Applies at once
  unless the carrier's ``student_approval_required`` is on; then it waits for an agent.
- Reduced: always waits for an agent, who sees the uploaded photo; the photo is deleted
  when the agent approves or rejects (after the commit: a failed decision keeps it).
- An agent acts only on their own carrier's requests (another carrier's answer 404).
- Expired (``expires_on`` before the sale day) or revoked claims stop applying to new
  purchases; tickets already bought keep their class and their "verified until".
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.catalog.models import Carrier
from app.concessions import documents
from app.concessions.models import Concession
from app.concessions.states import CONCESSION
from app.database import utcnow
from app.errors import Conflict, NotFound, Unprocessable
from app.extensions import db, unit_of_work

REDUCED_DEFAULT_DAYS = 365
MAX_YEARS_AHEAD = 7
DECIDERS = ("agent", "carrier_admin", "platform_admin")


def _carrier(carrier_id: int) -> Carrier:
    carrier = db.session.get(Carrier, carrier_id)
    if carrier is None:
        raise Unprocessable(f"carrier_id {carrier_id} is not a carrier.", slug="unknown-reference",
                            errors={"carrier_id": ["No such carrier."]})
    return carrier


def _check_expiry(expires_on: date | None, today: date, field: str) -> None:
    if expires_on is None:
        return
    if expires_on < today:
        raise Unprocessable("That date has passed.", slug="concession-expired", errors={field: ["In the past."]})
    if expires_on > today + timedelta(days=366 * MAX_YEARS_AHEAD):
        raise Unprocessable("That date is too far ahead.", slug="concession-expiry",
                            errors={field: [f"At most {MAX_YEARS_AHEAD} years ahead."]})


def _insert(concession: Concession, status: str, user) -> Concession:
    try:
        CONCESSION.create(concession, status, actor=f"user:{user.id}", now=concession.created_at)
    except IntegrityError:
        raise Conflict("You already have a request or a concession of this kind with this carrier.",
                       slug="concession-exists") from None
    return concession


def register_student(user, data: dict, *, now: datetime | None = None) -> Concession:
    """A student's registration: approved at once, or pending when the carrier wants an agent."""
    now = now or utcnow()
    carrier = _carrier(data["carrier_id"])
    _check_expiry(data["expires_on"], now.date(), "expires_on")
    status = "pending" if carrier.student_approval_required else "approved"

    return unit_of_work(lambda: _insert(Concession(
        user_id=user.id, carrier_id=carrier.id, category="student", institution=data["institution"].strip(),
        student_number=data["student_number"].strip(), expires_on=data["expires_on"], created_at=now), status, user))


def request_reduced(user, carrier_id: int, reason: str, upload, *, now: datetime | None = None) -> Concession:
    """A reduced-fare request with its document photo, pending an agent's look."""
    now = now or utcnow()
    carrier = _carrier(carrier_id)
    data, kind = documents.read_upload(upload)
    name = documents.store(data, kind)
    try:
        return unit_of_work(lambda: _insert(Concession(
            user_id=user.id, carrier_id=carrier.id, category="reduced", reason=reason, document_name=name,
            created_at=now), "pending", user))
    except Exception:
        documents.delete(name)  # nothing kept for a request that was not
        raise


def mine(user) -> list[Concession]:
    return list(db.session.scalars(select(Concession).where(Concession.user_id == user.id)
                                   .order_by(Concession.created_at.desc(), Concession.id.desc())))


def of_carrier(carrier_id: int, status: str | None) -> list[Concession]:
    stmt = select(Concession).where(Concession.carrier_id == carrier_id)
    if status:
        stmt = stmt.where(Concession.status == status)
    return list(db.session.scalars(stmt.order_by(Concession.created_at, Concession.id)))


def owned(carrier_id: int, concession_id: int) -> Concession:
    concession = db.session.get(Concession, concession_id)
    if concession is None or concession.carrier_id != carrier_id:
        raise NotFound("No such concession request.", slug="not-found")
    return concession


def decide(agent, carrier_id: int, concession_id: int, *, approve: bool, valid_until: date | None = None,
           note: str | None = None, now: datetime | None = None) -> Concession:
    """An agent approves or rejects a pending request; the document photo is then deleted.

    409 ``concession-decided`` when it is not pending. A reduced approval lasts until
    ``valid_until`` (default a year); a student's, until the expiry they gave unless the
    agent shortens it.
    """
    now = now or utcnow()
    _check_expiry(valid_until, now.date(), "valid_until")
    removed: list[str | None] = []

    def work():
        concession = owned(carrier_id, concession_id)
        if concession.status != "pending":
            raise Conflict(f"This request is already {concession.status}.", slug="concession-decided")
        if approve:
            given = [d for d in (valid_until, concession.expires_on) if d is not None]
            concession.expires_on = min(given) if given else now.date() + timedelta(days=REDUCED_DEFAULT_DAYS)
        removed.append(concession.document_name)
        actor = f"user:{agent.id}"
        if approve:
            concession = CONCESSION.transition(concession, "approved", actor=actor, reason=note, now=now)
        else:
            concession = CONCESSION.transition(concession, "rejected", actor=actor, reason=note, now=now)
        concession.document_name = None
        concession.decided_by, concession.decided_at, concession.note = agent.id, now, note
        db.session.flush()
        return concession

    concession = unit_of_work(work)
    documents.delete(removed[0])
    return concession


def revoke(agent, carrier_id: int, concession_id: int, note: str | None = None,
           now: datetime | None = None) -> Concession:
    """Withdraw an approved concession: new purchases of that fare are refused from now on."""
    now = now or utcnow()

    def work():
        concession = owned(carrier_id, concession_id)
        if concession.status != "approved":
            raise Conflict(f"This concession is {concession.status}, not approved.", slug="concession-not-approved")
        concession = CONCESSION.transition(concession, "revoked", actor=f"user:{agent.id}", reason=note, now=now)
        concession.decided_by, concession.decided_at = agent.id, now
        concession.note = note or concession.note
        db.session.flush()
        return concession

    return unit_of_work(work)


def valid_until(user_id: int, carrier_id: int, category: str, today: date) -> date | None:
    """The last day ``user_id``'s approved ``category`` with ``carrier_id`` applies, when it
    still does on ``today``; None otherwise (none, pending, rejected, revoked, expired)."""
    return db.session.scalar(select(Concession.expires_on).where(
        Concession.user_id == user_id, Concession.carrier_id == carrier_id, Concession.category == category,
        Concession.status == "approved", Concession.expires_on >= today))
