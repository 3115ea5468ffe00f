"""Concession payloads: a student's registration, a reduced-fare request (multipart with its
photo), an agent's decision, and a concession as its holder and the agents see it."""
from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import Schema, validate

from app.concessions.models import REDUCED_REASONS, STATUSES
from app.core import fields

TEXT = validate.Length(min=1, max=120)


class ConcessionSchema(Schema):
    id = fields.Integer()
    carrier_id = fields.Integer()
    category = fields.String(metadata={"description": "student | reduced (the fare class it opens)"})
    reason = fields.String(allow_none=True, metadata={"description": "reduced: senior | disabled"})
    institution = fields.String(allow_none=True)
    student_number = fields.String(allow_none=True)
    expires_on = fields.Date(allow_none=True, metadata={"description": "the last day it applies"})
    status = fields.String(metadata={"description": "pending | approved | rejected | revoked"})
    has_document = fields.Function(lambda c: c.document_name is not None,
                                   metadata={"type": "boolean", "description": "a photo waits for an agent"})
    note = fields.String(allow_none=True)
    created_at = fields.Timestamp()
    decided_at = fields.Timestamp(allow_none=True)


class PendingConcessionSchema(ConcessionSchema):
    """As an agent sees a request: who asks (name and phone), to check against the document."""

    name = fields.String(attribute="user.name", allow_none=True)
    phone = fields.String(attribute="user.phone")


class StudentInSchema(Schema):
    EXAMPLE = {"carrier_id": 1, "institution": "University of Nairobi", "student_number": "C31/1234/2024",
               "expires_on": "2027-06-30"}
    carrier_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    institution = fields.String(required=True, validate=TEXT)
    student_number = fields.String(required=True, validate=validate.Length(min=1, max=40))
    expires_on = fields.Date(required=True, metadata={"description": "the student card's expiry"})


class ReducedRequestSchema(Schema):
    """``multipart/form-data``: two text fields and the photo (``routes.MultipartParser``)."""

    EXAMPLE = {"carrier_id": 1, "reason": "senior", "document": "(the photo's bytes)"}
    carrier_id = fields.Integer(required=True, validate=validate.Range(min=1))
    reason = fields.String(required=True, validate=validate.OneOf(REDUCED_REASONS))
    document = Upload(required=True, metadata={
        "description": "a photo of the document (ID card, disability card): JPEG, PNG or WebP, at most 5 MB"})


class DecisionSchema(Schema):
    EXAMPLE = {"valid_until": "2027-06-30", "note": "Seen the student card"}
    valid_until = fields.Date(load_default=None, allow_none=True, metadata={
        "description": "approve: the last day (default: the student's expiry, a year for reduced)"})
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))


class ConcessionListArgs(Schema):
    status = fields.String(load_default="pending", validate=validate.OneOf(STATUSES))
