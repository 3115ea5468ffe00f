"""Wire shapes of the profile: read with ``UserSchema``, edit with ``ProfilePatchSchema``."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, pre_load, validate

from app.auth.models import LANGUAGES, PAYMENT_METHODS
from app.auth.schemas import UserSchema
from app.core import fields

__all__ = ["ProfilePatchSchema", "UserSchema"]


def _printable(value: str) -> None:
    if any(not ch.isprintable() for ch in value):
        raise ValidationError("Control characters are not allowed.")


class ProfilePatchSchema(Schema):
    """Only the fields sent change; ``null`` clears name or preferred payment."""
    EXAMPLE = {"name": "Wanjiku Kamau", "language": "sw", "preferred_payment": "mpesa"}

    name = fields.String(allow_none=True, validate=[validate.Length(min=1, max=120), _printable])
    language = fields.String(validate=validate.OneOf(LANGUAGES))
    preferred_payment = fields.String(allow_none=True, validate=validate.OneOf(PAYMENT_METHODS))

    @pre_load
    def _strip_name(self, data, **kwargs):
        if isinstance(data, dict) and isinstance(data.get("name"), str):
            data = {**data, "name": " ".join(data["name"].split())}
        return data
