"""RFC 9457 problem details for every error the HTTP API can answer.

One shape everywhere (404, 405, 413, 422, auth, domain rules, 500) so that a client has
one error path. Domain code raises ``ApiError`` (or a subclass) and never builds a
response itself.
"""
from __future__ import annotations

import logging

from flask import Flask, Response, json, request
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"


class ApiError(Exception):
    """An error a client can act on: status, a short title and a specific detail.

    ``slug`` names the kind of problem (``seat-taken``); it becomes the ``type`` URI so
    clients can branch on it without parsing English.
    """

    status = 400
    title = "Bad request"
    slug: str | None = None

    def __init__(
        self,
        detail: str,
        *,
        status: int | None = None,
        title: str | None = None,
        slug: str | None = None,
        errors: dict | None = None,
        headers: dict | None = None,
        **extra,
    ):
        super().__init__(detail)
        self.detail = detail
        self.status = status or self.status
        self.title = title or self.title
        self.slug = slug or self.slug
        self.errors = errors
        self.headers = headers or {}
        self.extra = extra


class BadRequest(ApiError):
    status, title, slug = 400, "Bad request", "bad-request"


class NotFound(ApiError):
    status, title, slug = 404, "Not found", "not-found"


class Conflict(ApiError):
    status, title, slug = 409, "Conflict", "conflict"


class Unprocessable(ApiError):
    status, title, slug = 422, "Unprocessable request", "unprocessable"


class Unauthorized(ApiError):
    status, title, slug = 401, "Authentication required", "unauthorized"


class Forbidden(ApiError):
    status, title, slug = 403, "Forbidden", "forbidden"


class TooManyRequests(ApiError):
    """A limit was reached: 429 with ``Retry-After`` (and ``retry_after`` in the body), seconds."""

    status, title, slug = 429, "Too many requests", "too-many-requests"

    def __init__(self, detail: str, *, retry_after: int, **kwargs):
        retry_after = max(1, int(retry_after))
        super().__init__(detail, headers={"Retry-After": str(retry_after)}, retry_after=retry_after, **kwargs)
        self.retry_after = retry_after


def problem(
    status: int,
    title: str,
    detail: str | None = None,
    *,
    slug: str | None = None,
    errors: dict | None = None,
    headers: dict | None = None,
    **extra,
) -> Response:
    """Build a problem+json response."""
    body = {
        "type": f"/problems/{slug}" if slug else "about:blank",
        "title": title,
        "status": status,
        "detail": detail or title,
    }
    if errors:
        body["errors"] = errors
    body.update(extra)
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_JSON)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _flatten_validation_messages(messages) -> dict:
    """webargs nests messages by location ({"json": {"field": [...]}}); clients want field → messages."""
    if not isinstance(messages, dict):
        return {"_request": messages if isinstance(messages, list) else [str(messages)]}
    flat: dict = {}
    for location, fields in messages.items():
        if isinstance(fields, dict):
            flat.update(fields)
        else:
            flat[location] = fields
    return flat


def handle_api_error(error: ApiError) -> Response:
    return problem(
        error.status, error.title, error.detail, slug=error.slug, errors=error.errors,
        headers=error.headers, **error.extra,
    )


def handle_http_exception(error: HTTPException) -> Response:
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    errors = None
    if "messages" in data:
        errors = _flatten_validation_messages(data["messages"])
    detail = error.description
    if status == 422 and errors:
        detail = "The request has invalid fields; see errors."
    elif status == 400 and "Invalid JSON" in str(errors or detail):
        detail = "The body is not valid JSON."
    headers = dict(getattr(error, "headers", None) or data.get("headers") or {})
    if status == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)
    return problem(status, error.name, detail, errors=errors, headers=headers)


def handle_unexpected(error: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.path)
    return problem(500, "Internal server error", "Something went wrong on our side; it has been logged.")


def register_error_handlers(app: Flask) -> None:
    """Register after flask-smorest so these handlers replace its JSON error format."""
    app.register_error_handler(ApiError, handle_api_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)
