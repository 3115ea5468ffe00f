"""The OpenAPI document tells the truth about errors: problem+json, and the statuses each
operation really answers.

flask-smorest documents its error responses as ``application/json`` with its own error
schema; ours are RFC 9457 problems (``app.errors``) served as ``application/problem+json``.
``ProblemApi`` registers every error response component with ``ProblemSchema`` under that
content type, and ``ProblemResponses`` (an apispec plugin, so it runs once per operation
as blueprints register) adds the errors every operation shares instead of repeating them
on each view:

- every operation: 400 (unreadable input: ``app.core.input_guard``), 422 when it takes
  arguments, 413 and 415 when it takes a body;
- an operation behind ``auth_required`` (it carries ``security``): 401 and 403;
- an operation with a path id: 404.

Per-operation specifics (402 insufficient funds, 409 seat taken...) are listed in
``SPECIFIC`` below, in one place, or on a view as ``@blp.alt_response(...)``; the plugin
never overwrites a response a view declared, and gives one declared without a schema the
problem+json body it really has. ``tests/test_schemathesis.py`` fails when an operation
answers a status its entry does not list.
"""
from __future__ import annotations

import http

from apispec import BasePlugin
from flask_smorest import Api
from flask_smorest.utils import prepare_response
from marshmallow import INCLUDE, Schema

from app.core import fields
from app.errors import PROBLEM_JSON


class ProblemSchema(Schema):
    """RFC 9457 problem details, exactly as ``app.errors.problem`` renders them (a problem
    may carry more members, e.g. ``attempts_left``). Registered as the ``Problem`` component."""

    class Meta:
        unknown = INCLUDE

    type = fields.String(required=True, metadata={
        "description": "URI reference naming the kind of problem: `/problems/<slug>` (branch on this) "
                       "or `about:blank`",
        "example": "/problems/seat-taken"})
    title = fields.String(required=True, metadata={
        "description": "short, the same for every problem of this type", "example": "Conflict"})
    status = fields.Integer(required=True, metadata={"description": "the HTTP status code", "example": 409})
    detail = fields.String(required=True, metadata={
        "description": "what went wrong here, for a person", "example": "Seat 4 is taken."})
    errors = fields.Dict(keys=fields.String(), values=fields.Raw(), metadata={
        "description": "invalid fields only: field name → messages (nested for nested fields)",
        "example": {"phone": ["This is not a phone number."]}})


_CARRIER = "/api/v1/carriers/{carrier_id}"
_IN_USE = "still referenced (trips, fares or sales use it)"
# (method, path) → {status: description}: what each operation answers beyond the common set.
SPECIFIC: dict[tuple[str, str], dict[int, str]] = {
    ("post", "/api/v1/auth/logout"): {401: "Unknown or revoked refresh token"},
    ("get", "/api/v1/trips/search"): {404: "Unknown origin or destination stop"},
    ("post", "/api/v1/orders"): {
        404: "Trip or stop not found", 409: "Seats taken, trip full, departed or not sold (see type); "
        "or an Idempotency-Key in flight or reused with another body"},
    ("post", "/api/v1/orders/{order_id}/payments"): {
        402: "Insufficient wallet balance (insufficient-funds)",
        409: "Order already paid, expired or released; or an Idempotency-Key conflict",
        429: "Too many payment prompts to this phone number (too-many-prompts); see Retry-After"},
    ("post", "/api/v1/orders/{order_id}/cancel"): {
        409: "Nothing left to cancel, trip departed, or an Idempotency-Key conflict"},
    ("post", "/api/v1/orders/{order_id}/release"): {409: "The order is paid or no longer held"},
    ("post", "/api/v1/counter/sales"): {
        404: "Trip of another carrier, or no such trip or stop",
        409: "No shift open (drawer-not-open); seats taken, trip full, departed or not sold",
        429: "Too many payment prompts to this phone number (too-many-prompts); see Retry-After"},
    ("get", "/api/v1/counter/drawer"): {404: "No shift open (drawer-not-open)"},
    ("post", "/api/v1/counter/drawer"): {409: "A shift is already open (drawer-already-open)"},
    ("post", "/api/v1/counter/drawer/count"): {409: "No shift open, or closed already (drawer-not-open)"},
    ("post", "/api/v1/counter/orders/{order_id}/cash"): {
        409: "No shift open (drawer-not-open), or the order is paid, expired or released (order-not-payable)"},
    ("post", "/api/v1/counter/orders/{order_id}/mpesa"): {
        409: "The order is paid, expired or released (order-not-payable)",
        429: "Too many payment prompts to this phone number (too-many-prompts); see Retry-After"},
    ("post", "/api/v1/counter/orders/{order_id}/release"): {409: "The order is paid or no longer held"},
    ("post", "/api/v1/counter/orders/{order_id}/cancel"): {
        409: "Nothing to cancel, trip departed, no shift open for a cash refund, or the drawer holds less "
             "than the refund (drawer-short)"},
    ("get", "/api/v1/orders/{order_id}/cancellation-quote"): {409: "Nothing to cancel or trip departed"},
    ("post", "/api/v1/wallet/top-ups"): {
        409: "An Idempotency-Key in flight or reused with another body",
        429: "Too many payment prompts to this phone number (too-many-prompts); see Retry-After"},
    ("post", "/api/v1/scans"): {404: "No such trip, or another carrier's", 409: "Scan conflicts with the ticket's state"},
    ("post", "/api/v1/carriers"): {409: "Slug already used"},
    ("post", f"{_CARRIER}/stops"): {409: "Stop code already used"},
    ("patch", f"{_CARRIER}/stops/{{stop_id}}"): {409: "Stop code already used"},
    ("delete", f"{_CARRIER}/stops/{{stop_id}}"): {409: f"Stop {_IN_USE}"},
    ("post", f"{_CARRIER}/routes"): {409: "Route code already used"},
    ("patch", f"{_CARRIER}/routes/{{route_id}}"): {409: f"Route code already used or route {_IN_USE}"},
    ("delete", f"{_CARRIER}/routes/{{route_id}}"): {409: f"Route {_IN_USE}"},
    ("post", f"{_CARRIER}/vehicles"): {409: "Registration already used"},
    ("patch", f"{_CARRIER}/vehicles/{{vehicle_id}}"): {409: f"Registration already used or vehicle {_IN_USE}"},
    ("delete", f"{_CARRIER}/vehicles/{{vehicle_id}}"): {409: f"Vehicle {_IN_USE}"},
    ("post", f"{_CARRIER}/trips"): {409: "The route already has a trip at that time"},
    ("patch", f"{_CARRIER}/trips/{{trip_id}}"): {409: "Trip not editable (sold, held or not scheduled)"},
    ("delete", f"{_CARRIER}/trips/{{trip_id}}"): {409: "Trip has sales or is not scheduled"},
    ("post", f"{_CARRIER}/trips/{{trip_id}}/status"): {409: "Not a valid next status"},
    ("post", f"{_CARRIER}/trips/{{trip_id}}/cancel"): {409: "Trip already cancelled or departed"},
    ("put", f"{_CARRIER}/trips/{{trip_id}}/drivers/{{user_id}}"): {409: "Driver busy on an overlapping trip"},
    ("post", f"{_CARRIER}/timetables"): {409: "Trips of this timetable already exist"},
    ("post", f"{_CARRIER}/fares"): {409: "A fare for this pair and class exists"},
    ("patch", f"{_CARRIER}/fares/{{fare_id}}"): {409: "A fare for this pair and class exists"},
    ("delete", "/api/v1/me"): {409: "Open orders or a wallet balance to settle first"},
    ("post", "/api/v1/admin/role-grants"): {409: "The user already has another carrier or role"},
}
PROBLEM_CONTENT = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}


def _status_name(code: int) -> str:
    return http.HTTPStatus(code).name


class ProblemApi(Api):
    ERROR_SCHEMA = ProblemSchema

    def _register_responses(self):
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_JSON)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "An error (problem+json)", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_JSON)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, response, lazy=True)


class ProblemResponses(BasePlugin):
    """Adds the error responses operations share (see the module docstring)."""

    def operation_helper(self, path=None, operations=None, **kwargs):
        has_path_id = "{" in (path or "")
        for method, operation in (operations or {}).items():
            if not isinstance(operation, dict) or method in ("parameters", "summary", "description"):
                continue
            responses = operation.setdefault("responses", {})
            codes = [400]
            if operation.get("parameters") or operation.get("requestBody"):
                codes.append(422)
            if operation.get("requestBody") or method in ("post", "put", "patch", "delete"):
                codes += [413, 415]
            if operation.get("security"):
                codes += [401, 403]
            if has_path_id:
                codes.append(404)
            for code in codes:
                if str(code) not in responses and code not in responses:
                    responses[str(code)] = _status_name(code)
            for code, description in SPECIFIC.get((method, path), {}).items():
                if str(code) not in responses and code not in responses:
                    responses[str(code)] = {"description": description, "content": PROBLEM_CONTENT}
            for code, response in responses.items():
                # Declared on a view without a schema (``alt_response(429, description=...)``):
                # its body is still a problem.
                if str(code).isdigit() and int(code) >= 400 and isinstance(response, dict) \
                        and "content" not in response and "$ref" not in response:
                    response["content"] = PROBLEM_CONTENT
