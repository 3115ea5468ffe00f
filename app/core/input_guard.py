"""Input guards every request passes before any view runs: no 500, whatever arrives.

Bad input is refused once, here, for every endpoint, instead of in each view:

- A path id beyond the database's INTEGER (``/trips/2147483648``) matches no route (404):
  the ``int`` URL converter is ``BoundedInt``.
- Text carrying a NUL character or a lone surrogate (a query string, a path segment, a
  header, a form field, a JSON string or key): PostgreSQL cannot store either and most
  of our code cannot print them. Refused with 400.
- JSON nested deeper than ``MAX_JSON_DEPTH`` (no payload of ours or of an operator nests
  beyond a handful of levels; a thousand levels exhausts the parser's recursion), or with
  an integer no column can hold (beyond 64 bits, or too long for ``int()``). Refused with
  400 before webargs or a view parses it. JSON that simply does not parse is left to the
  view: webargs answers 400, an operator callback parks it as it always did.
- A body that is not JSON sent to a JSON endpoint of ``/api/`` gets 415 (webargs would
  silently read it as "no fields": a form-encoded ``{"ticket_ids":[31]}`` cancelled every
  ticket of an order). An empty body is "no fields" whatever its content type; endpoints
  that take ``form`` or ``files`` arguments are exempt.
- A body bigger than ``MAX_CONTENT_LENGTH`` (64 KiB) is refused with 413 before it is read.
  A view that takes files names its own limit with ``@body_limit("SETTING")`` (bytes in
  ``app.config``): still refused from ``Content-Length`` before reading, and a body without
  one is cut off as it streams past the limit.

Under ``/api/`` the refusal is problem+json (``app.errors``). An operator callback's
blueprint registers its own handler for ``BadInput`` (``channels.security.refusal``)
so the operator gets its documented answer, never a 500.
Numbers and dates inside valid JSON are bounded by the schema fields (``app.core.fields``).
"""
from __future__ import annotations

import json
import logging

from flask import Flask, current_app, request
from werkzeug.routing import IntegerConverter, ValidationError

from app.errors import ApiError

log = logging.getLogger(__name__)

MAX_JSON_DEPTH = 32
DB_INT_MAX = 2 ** 31 - 1
JSON_INT_RANGE = (-(2 ** 63), 2 ** 63 - 1)
BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
NON_JSON_LOCATIONS = {"form", "files"}


class BadInput(ApiError):
    status, title, slug = 400, "Bad request", "bad-input"


class UnsupportedMediaType(ApiError):
    status, title, slug = 415, "Unsupported media type", "unsupported-media-type"


class BodyTooLarge(ApiError):
    status, title, slug = 413, "Request too large", "body-too-large"


def body_limit(setting: str):
    """Let this view take a body of up to ``app.config[setting]`` bytes (put it above the
    flask-smorest decorators). Checked before the body is read (``guard_request``)."""

    def mark(view):
        view._body_limit_setting = setting
        return view

    return mark


class BoundedInt(IntegerConverter):
    """``<int:...>`` that matches only ids a PostgreSQL INTEGER can hold (else 404)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", DB_INT_MAX)
        super().__init__(map, *args, **kwargs)

    def to_python(self, value: str):
        if len(value) > len(str(DB_INT_MAX)):  # also spares int() a 5,000-digit string
            raise ValidationError()
        return super().to_python(value)


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be stored as text, or None when it can."""
    if "\x00" in value:
        return "contains a NUL character"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "contains a lone surrogate (invalid Unicode)"
    return None


def _check_text(where: str, value) -> None:
    if isinstance(value, str):
        reason = text_problem(value)
        if reason:
            raise BadInput(f"The {where} {reason}.", slug="invalid-text")


def _check_json_tree(document) -> None:
    """Walk the parsed body without recursion: depth, text and integers."""
    stack = [(document, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise BadInput(f"The JSON body nests deeper than {MAX_JSON_DEPTH} levels.", slug="json-too-deep")
        if isinstance(node, dict):
            for key, value in node.items():
                _check_text("JSON body", key)
                stack.append((value, depth + 1))
        elif isinstance(node, list):
            stack.extend((value, depth + 1) for value in node)
        elif isinstance(node, str):
            _check_text("JSON body", node)
        elif isinstance(node, int) and not isinstance(node, bool):
            if not JSON_INT_RANGE[0] <= node <= JSON_INT_RANGE[1]:
                raise BadInput("The JSON body has an integer beyond 64 bits.", slug="integer-out-of-range")


def _check_json_body(data: bytes) -> None:
    try:
        document = json.loads(data)
    except RecursionError:
        raise BadInput(f"The JSON body nests deeper than {MAX_JSON_DEPTH} levels.", slug="json-too-deep") from None
    except UnicodeDecodeError:
        raise BadInput("The JSON body is not UTF-8.", slug="invalid-text") from None
    except json.JSONDecodeError:
        return  # not JSON at all: the view (webargs, an operator callback) answers as it always did
    except ValueError:  # an integer too long for int() (more than 4,300 digits)
        raise BadInput("The JSON body has an integer beyond 64 bits.", slug="integer-out-of-range") from None
    _check_json_tree(document)


def _handler():
    """The function that will answer this request (a MethodView's method, or the view)."""
    view = current_app.view_functions.get(request.endpoint)
    view_class = getattr(view, "view_class", None)
    return getattr(view_class, request.method.lower(), None) if view_class else view


def _apply_body_limit() -> None:
    setting = getattr(_handler(), "_body_limit_setting", None)
    if setting is None:
        return
    limit = int(current_app.config[setting])
    request.max_content_length = limit  # werkzeug stops a streamed body at the limit
    if request.content_length is not None and request.content_length > limit:
        raise BodyTooLarge(f"The body is {request.content_length:,} bytes; this endpoint takes at most "
                           f"{limit:,} bytes ({setting}).")


def _argument_locations() -> set[str]:
    """Where the matched flask-smorest view reads its arguments (json, query, form, files...)."""
    docs = getattr(_handler(), "_apidoc", {}).get("arguments", {})
    return {p.get("in") for p in docs.get("parameters", []) if isinstance(p, dict)}


def is_json_mimetype(mimetype: str) -> bool:
    return mimetype == "application/json" or (mimetype.startswith("application/") and mimetype.endswith("+json"))


def guard_request() -> None:
    """``before_request``: refuse what no endpoint can handle (see the module docstring)."""
    for name, value in request.headers.items():
        _check_text(f"header {name}", value)
    for value in request.args.values():  # keys: a NUL in a key matches nothing, values reach queries
        _check_text("query string", value)
    for key in request.args.keys():
        _check_text("query string", key)
    for value in (request.view_args or {}).values():
        _check_text("path", value)
    if request.method not in BODY_METHODS:
        return
    _apply_body_limit()
    mimetype = request.mimetype
    if is_json_mimetype(mimetype):
        data = request.get_data(cache=True)
        if data:
            _check_json_body(data)
        return
    if mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        for key, value in request.form.items(multi=True):
            _check_text("form field", key)
            _check_text("form field", value)
        for key, upload in request.files.items(multi=True):
            _check_text("file name", upload.filename or "")
    if request.path.startswith("/api/") and request.endpoint and not (_argument_locations() & NON_JSON_LOCATIONS):
        if request.content_length or request.get_data(cache=True):
            raise UnsupportedMediaType(
                f"This endpoint reads JSON; send the body as application/json (got {mimetype or 'no content type'}).",
                headers={"Accept-Post" if request.method == "POST" else "Accept-Patch": "application/json"},
            )


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = BoundedInt
    app.before_request(guard_request)
