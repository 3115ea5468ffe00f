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

Per-operation specifics (402 insufficient funds, 409 seat taken, 429...) stay on the
views as ``@blp.alt_response(...)``; the plugin never overwrites one a view declared.
"""
from __future__ import annotations

import http

from apispec import BasePlugin
from flask_smorest import Api
from flask_smorest.utils import prepare_response
from marshmallow import INCLUDE, Schema, fields

from app.errors import PROBLEM_JSON


class ProblemSchema(Schema):
    """RFC 9457 problem details, as ``app.errors.problem`` renders them (a problem may
    carry more members, e.g. ``attempts_left``)."""

    class Meta:
        unknown = INCLUDE

    type = fields.String(metadata={"description": "/problems/<slug> (branch on this), or about:blank"})
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    errors = fields.Dict(
        keys=fields.String(), values=fields.Raw(),
        metadata={"description": "validation failures: field → messages"},
    )


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
            if operation.get("requestBody") or method in ("post", "put", "patch"):
                codes += [413, 415]
            if operation.get("security"):
                codes += [401, 403]
            if has_path_id:
                codes.append(404)
            for code in codes:
                if str(code) not in responses and code not in responses:
                    responses[str(code)] = _status_name(code)
