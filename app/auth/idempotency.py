"""``Idempotency-Key`` for POSTs that create orders or move money.

Why: on a flaky mobile network a client retries a POST whose answer it never saw; the
retry must not buy a second set of seats or charge twice. A key is stored per
(user, key, endpoint path) with a SHA-256 of the body:

- first use: the record is inserted and committed *before* the view runs (so a
  concurrent duplicate sees it), then the answer (status + JSON body) is stored;
- same key, same body, answered: the stored status and body are replayed
  (header ``Idempotent-Replayed: true``);
- same key, other body: 422 ``idempotency-key-reused``;
- same key while the first request still runs: 409 ``idempotency-key-in-flight``;
- same key, in flight for longer than ``IDEMPOTENCY_INFLIGHT_SECONDS`` (default 60): the
  first request is taken as abandoned (its worker crashed or was killed before it could
  store or delete the record) and this request takes the key over and runs.

Takeover is one conditional UPDATE (still in flight, ``created_at`` older than the
cutoff, checked by rowcount), so of two retries racing for an abandoned key one wins and
the other gets 409. ``created_at`` doubles as the lease: the new owner moves it to now,
and ``_finish`` only writes or deletes the record while ``created_at`` still holds the
value its request claimed, so a request that was merely slow (not dead) and finishes
after a takeover cannot overwrite the new owner's answer.

The unique constraint on (user_id, key, endpoint) resolves two duplicates racing: one
insert wins, the other reads the winner's record. Answers < 500 (including problem
errors such as 409 seat-taken) are stored and replayed; on a 500, a 429 (a limit: try
later) or a validation error the record is deleted so the client can retry with the same key.

Three units of work (``app.extensions.unit_of_work``), on purpose: the claim commits before
the view runs (so that a concurrent duplicate sees it), the view's use case commits its own
work, and the answer is stored after it (so that it describes what the view committed).

Usage (the view must commit its own work; put it under ``auth_required``, above
flask-smorest's decorators, so it sees the final response)::

    class Orders(MethodView):
        @auth_required("passenger")
        @idempotent
        @blp.arguments(OrderCreateSchema)
        @blp.response(201, OrderSchema)
        def post(self, data): ...

Requests without the header run normally.
"""
from __future__ import annotations

import hashlib
from datetime import timedelta
from functools import wraps

from flask import Response, current_app, json, request
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from app.auth.decorators import current_user
from app.auth.idempotency_models import IdempotencyRecord
from app.database import utcnow
from app.errors import ApiError, Conflict, Unprocessable, handle_api_error
from app.extensions import db, unit_of_work

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
DEFAULT_INFLIGHT_SECONDS = 60


def _take_over(record: IdempotencyRecord) -> IdempotencyRecord | None:
    """Claim an in-flight record whose request is presumed dead; None if not stale or lost the race."""
    now = utcnow()
    cutoff = now - timedelta(seconds=current_app.config.get("IDEMPOTENCY_INFLIGHT_SECONDS", DEFAULT_INFLIGHT_SECONDS))
    record_id = record.id
    taken = unit_of_work(lambda: db.session.execute(  # the takeover is its own unit of work, before the view
        update(IdempotencyRecord)
        .where(IdempotencyRecord.id == record_id, IdempotencyRecord.response_status.is_(None),
               IdempotencyRecord.created_at < cutoff)
        .values(created_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount)
    if taken != 1:
        return None
    return db.session.execute(
        select(IdempotencyRecord).where(IdempotencyRecord.id == record.id)
        .execution_options(populate_existing=True)
    ).scalar_one()


def _claim(user_id: int, key: str, endpoint: str, digest: str) -> IdempotencyRecord | Response:
    """Insert the in-flight record, or answer from an existing one (replay / 409 / 422)."""
    def insert() -> IdempotencyRecord:
        record = IdempotencyRecord(user_id=user_id, key=key, endpoint=endpoint, request_hash=digest)
        db.session.add(record)
        return record

    try:  # committed before the view runs; one attempt: a duplicate key is the answer, not a race to rerun
        return unit_of_work(insert, attempts=1)
    except IntegrityError:
        pass  # the key is taken: answer from its record
    existing = db.session.scalar(select(IdempotencyRecord).where(
        IdempotencyRecord.user_id == user_id, IdempotencyRecord.key == key, IdempotencyRecord.endpoint == endpoint))
    if existing is None:  # deleted meanwhile (the first attempt failed): let the client retry
        raise Conflict("A request with this Idempotency-Key just failed; retry.", slug="idempotency-key-in-flight")
    if existing.request_hash != digest:
        raise Unprocessable(
            "This Idempotency-Key was used with a different request body; use a new key.",
            slug="idempotency-key-reused",
        )
    if existing.response_status is None:
        taken = _take_over(existing)
        if taken is not None:
            return taken
        raise Conflict("A request with this Idempotency-Key is still being processed.",
                       slug="idempotency-key-in-flight", headers={"Retry-After": "1"})
    mimetype = "application/problem+json" if existing.response_status >= 400 else "application/json"
    response = Response(json.dumps(existing.response_body), status=existing.response_status, mimetype=mimetype)
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _finish(record_id: int, claimed_at, response: Response | None) -> None:
    """Store the answer (or drop the record on a 500 or a 429: nothing was done, the client
    retries later), unless another request took the key over."""
    mine = (IdempotencyRecord.id == record_id, IdempotencyRecord.created_at == claimed_at,
            IdempotencyRecord.response_status.is_(None))
    if response is None or response.status_code >= 500 or response.status_code == 429:
        statement = delete(IdempotencyRecord).where(*mine)
    else:
        statement = update(IdempotencyRecord).where(*mine).values(
            response_status=response.status_code,
            response_body=response.get_json(silent=True),
            completed_at=utcnow(),
        )
    # Its own unit of work, after the view's: the answer stored is the one the view committed.
    unit_of_work(lambda: db.session.execute(statement.execution_options(synchronize_session=False)))


def idempotent(view):
    """Decorate a POST view (below ``auth_required``) to honour ``Idempotency-Key``."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return view(*args, **kwargs)
        key = key.strip()
        if not key or len(key) > MAX_KEY_LENGTH:
            raise Unprocessable(f"{HEADER} must be 1 to {MAX_KEY_LENGTH} characters.", slug="idempotency-key")
        digest = hashlib.sha256(request.get_data()).hexdigest()
        claimed = _claim(current_user().id, key, request.path, digest)
        if isinstance(claimed, Response):
            return claimed
        record_id, claimed_at = claimed.id, claimed.created_at
        try:
            response = view(*args, **kwargs)
        except ApiError as error:
            db.session.rollback()
            response = handle_api_error(error)
            _finish(record_id, claimed_at, response)
            return response
        except BaseException:
            db.session.rollback()
            _finish(record_id, claimed_at, None)
            raise
        _finish(record_id, claimed_at, response if isinstance(response, Response) else None)
        return response

    return wrapper
