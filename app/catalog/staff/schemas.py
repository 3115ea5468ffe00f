"""Staff payloads: a number and a role in, the person with their role out."""
from __future__ import annotations

from marshmallow import Schema, validate

from app.auth.models import LANGUAGES
from app.catalog.common import NAME
from app.catalog.staff.service import STAFF_ROLES
from app.core import fields


class StaffInSchema(Schema):
    EXAMPLE = {"phone": "0722 000222", "role": "driver", "name": "Baraka Driver", "language": "sw"}
    phone = fields.String(required=True, validate=validate.Length(min=1, max=32),
                          metadata={"description": "E.164 or a local form of the carrier's country"})
    role = fields.String(required=True, validate=validate.OneOf(STAFF_ROLES))
    name = fields.String(validate=NAME, metadata={"description": "kept only when the account has no name yet"})
    language = fields.String(validate=validate.OneOf(LANGUAGES),
                             metadata={"description": "of the SMS, for a number without an account yet"})


class StaffSchema(Schema):
    """One of the carrier's people: admins, drivers and agents."""

    id = fields.Integer()
    phone = fields.String(allow_none=True)
    name = fields.String(allow_none=True)
    role = fields.String()
    language = fields.String()
    status = fields.String()
