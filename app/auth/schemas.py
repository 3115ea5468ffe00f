"""Wire shapes of sign-in, tokens, users and role grants.

``PhoneField`` is the one place a phone number from a client becomes E.164; any schema
taking a phone should use it so every endpoint accepts the same local forms and
answers the same 422 for a bad one.
"""
from __future__ import annotations

from flask import current_app
from marshmallow import Schema, ValidationError, validate

from app.auth.cookie_session import MODES
from app.auth.models import LANGUAGES, PAYMENT_METHODS, ROLES, USER_STATUSES
from app.core import fields
from app.core.phone import InvalidPhone, normalize_phone


class PhoneField(fields.String):
    """A phone number in any local or international form, loaded as E.164."""

    def _deserialize(self, value, attr, data, **kwargs):
        raw = super()._deserialize(value, attr, data, **kwargs)
        if len(raw) > 32:
            raise ValidationError("This is too long to be a phone number.")
        try:
            return normalize_phone(raw, current_app.config["DEFAULT_COUNTRY"])
        except InvalidPhone as exc:
            raise ValidationError(str(exc)) from None


class OtpRequestSchema(Schema):
    EXAMPLE = {"phone": "+254711000111", "language": "en"}
    phone = PhoneField(required=True)
    language = fields.String(
        validate=validate.OneOf(LANGUAGES),
        metadata={"description": "Language of the SMS when the number has no account yet."},
    )


class OtpAcceptedSchema(Schema):
    expires_in = fields.Integer(metadata={"description": "Seconds the code stays valid."})


_REFRESH_TOKEN_IN = {
    "description": "`cookie` (pages in a browser): the refresh token comes back as an HttpOnly, "
                   "SameSite=Strict cookie sent only to /api/v1/auth/refresh, not in the answer "
                   "(app.auth.cookie_session); `body` (default, apps): in the answer"}


class TokenRequestSchema(Schema):
    EXAMPLE = {"phone": "+254711000111", "code": "123456"}
    phone = PhoneField(required=True)
    code = fields.String(
        required=True,
        validate=validate.Regexp(r"^[0-9]{6}$", error="The code is 6 digits."),
    )
    language = fields.String(
        validate=validate.OneOf(LANGUAGES),
        metadata={"description": "Language of a newly created account."},
    )
    refresh_token_in = fields.String(load_default="body", validate=validate.OneOf(MODES),
                                     metadata=_REFRESH_TOKEN_IN)


class RefreshRequestSchema(Schema):
    """Refresh: the token in the body, or (no body token) the session cookie."""

    EXAMPLE = {"refresh_token": "rt_3q2kJd0m4V0f3Xb7w1tY9c8eZp6aLsQn"}
    refresh_token = fields.String(load_default=None, validate=validate.Length(min=1, max=200), metadata={
        "description": "required unless the browser sends the session cookie"})
    refresh_token_in = fields.String(load_default=None, validate=validate.OneOf(MODES), metadata={
        "description": _REFRESH_TOKEN_IN["description"] + "; default: where it came from"})


class LogoutRequestSchema(Schema):
    EXAMPLE = {"refresh_token": "rt_3q2kJd0m4V0f3Xb7w1tY9c8eZp6aLsQn"}
    refresh_token = fields.String(required=True, validate=validate.Length(min=1, max=200))


class UserSchema(Schema):
    """A user as its owner (or a platform admin) sees it."""

    id = fields.Integer()
    phone = fields.String(allow_none=True)
    name = fields.String(allow_none=True)
    language = fields.String(validate=validate.OneOf(LANGUAGES))
    preferred_payment = fields.String(allow_none=True, validate=validate.OneOf(PAYMENT_METHODS))
    role = fields.String(validate=validate.OneOf(ROLES))
    carrier_id = fields.Integer(allow_none=True)
    status = fields.String(validate=validate.OneOf(USER_STATUSES))
    created_at = fields.Timestamp(dump_only=True, metadata={"description": "UTC"})


class TokenResponseSchema(Schema):
    access_token = fields.String()
    refresh_token = fields.String(metadata={"description": "absent with refresh_token_in=cookie"})
    token_type = fields.String()
    expires_in = fields.Integer(metadata={"description": "Seconds until the access token expires."})
    user = fields.Nested(UserSchema)


class RoleGrantSchema(Schema):
    EXAMPLE = {"phone": "+254722000222", "role": "driver", "carrier_id": 1}
    phone = PhoneField(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    carrier_id = fields.Integer(allow_none=True, load_default=None, strict=True)


class UserQuerySchema(Schema):
    role = fields.String(validate=validate.OneOf(ROLES))
    carrier_id = fields.Integer()
