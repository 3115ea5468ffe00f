"""``Idempotency-Key`` for POSTs that create orders or move money.

Why: on a flaky mobile network a client retries a POST whose answer it never saw; the
retry must not buy a second set of seats or charge twice. A key is stored per
(user, key, endpoint path) with a SHA-256 of the body:

- first use: the record is inserted and committed *before* the view runs (so a
  concurrent duplicate sees it), then the answer (status + JSON body) is stored;
- same key, same body, answered: the stored status and body are replayed
  (header ``Idempotent-Replayed: true``);
- same key, other body: 422 ``idempotency-key-reused``;
- same key while the first request still runs: 409 ``idempotency-key-in-flight``.

The unique constraint on (user_id, key, endpoint) resolves two duplicates racing: one
insert wins, the other reads the winner's record. Answers < 500 (including problem
errors such as 409 seat-taken) are stored and replayed; on a 500 or a validation error
the record is deleted so the client can retry with the same key.

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
from functools import wraps

from flask import Response, json, request
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from app.core.models import IdempotencyRecord
from app.database import utcnow
from app.errors import ApiError, Conflict, Unprocessable, handle_api_error
from app.extensions import db

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


def _claim(user_id: int, key: str, endpoint: str, digest: str) -> IdempotencyRecord | Response:
    """Insert the in-flight record, or answer from an existing one (replay / 409 / 422)."""
    try:
        record = IdempotencyRecord(user_id=user_id, key=key, endpoint=endpoint, request_hash=digest)
        db.session.add(record)
        db.session.commit()
        return record
    except IntegrityError:
        db.session.rollback()
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
        raise Conflict("A request with this Idempotency-Key is still being processed.",
                       slug="idempotency-key-in-flight", headers={"Retry-After": "1"})
    mimetype = "application/problem+json" if existing.response_status >= 400 else "application/json"
    response = Response(json.dumps(existing.response_body), status=existing.response_status, mimetype=mimetype)
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _finish(record_id: int, response: Response | None) -> None:
    if response is None or response.status_code >= 500:
        db.session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.id == record_id))
    else:
        record = db.session.get(IdempotencyRecord, record_id)
        record.response_status = response.status_code
        record.response_body = response.get_json(silent=True)
        record.completed_at = utcnow()
    db.session.commit()


def idempotent(view):
    """Decorate a POST view (below ``auth_required``) to honour ``Idempotency-Key``."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        from app.auth.decorators import current_user

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
        record_id = claimed.id
        try:
            response = view(*args, **kwargs)
        except ApiError as error:
            db.session.rollback()
            response = handle_api_error(error)
            _finish(record_id, response)
            return response
        except BaseException:
            db.session.rollback()
            _finish(record_id, None)
            raise
        _finish(record_id, response if isinstance(response, Response) else None)
        return response

    return wrapper
