"""Concession endpoints: a passenger's own (``/me/concessions``), a carrier's agents' queue
(``/carriers/{carrier_id}/concessions``, their carrier only: another's answers 404)."""
from __future__ import annotations

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint
from webargs.flaskparser import FlaskParser
from werkzeug.datastructures import CombinedMultiDict

from app.auth.decorators import auth_required, current_user, ensure_carrier_access
from app.concessions import documents, service
from app.concessions.schemas import (
    ConcessionListArgs, ConcessionSchema, DecisionSchema, PendingConcessionSchema, ReducedRequestSchema,
    StudentInSchema,
)
from app.core.input_guard import body_limit
from app.errors import NotFound



class MultipartParser(FlaskParser):
    """``location="files"`` reads a multipart body whole: its text fields and its files, so one
    schema (and one OpenAPI request body) describes the request."""

    def load_files(self, req, schema):
        return self._makeproxy(CombinedMultiDict([req.form, req.files]), schema)


blp = Blueprint("concessions", __name__, url_prefix="/api/v1",
                description="Concession fares: student and reduced categories a person holds with a carrier")
blp.ARGUMENTS_PARSER = MultipartParser()


def _carrier_id(carrier_id: int) -> int:
    ensure_carrier_access(current_user(), carrier_id)
    return carrier_id


@blp.route("/me/concessions")
class MyConcessions(MethodView):
    @auth_required()
    @blp.response(200, ConcessionSchema(many=True))
    def get(self):
        """My concession categories and requests, newest first."""
        return service.mine(current_user())


@blp.route("/me/concessions/student")
class StudentRegistration(MethodView):
    @auth_required()
    @blp.arguments(StudentInSchema)
    @blp.response(201, ConcessionSchema)
    @blp.alt_response(409, description="a request or a concession of this kind with this carrier exists "
                                       "(concession-exists)")
    def post(self, data):
        """Register as a student with a carrier: ``approved`` at once, or ``pending`` when the
        carrier wants an agent to approve students (its ``student_approval_required`` setting)."""
        return service.register_student(current_user(), data)


@blp.route("/me/concessions/reduced")
class ReducedRequest(MethodView):
    @body_limit("CONCESSION_UPLOAD_MAX_BYTES")
    @auth_required()
    @blp.arguments(ReducedRequestSchema, location="files")
    @blp.alt_response(409, description="a request or a concession of this kind with this carrier exists "
                                       "(concession-exists)")
    @blp.response(201, ConcessionSchema)
    def post(self, form):
        """Ask for the reduced fare (senior, disabled) with a photo of the document, multipart.

        ``pending`` until an agent of the carrier has seen the photo; it is stored privately
        and deleted once they decide. 422 ``document-not-image`` when it is not a JPEG, PNG
        or WebP photo, 413 over 5 MB; nothing is kept.
        """
        return service.request_reduced(current_user(), form["carrier_id"], form["reason"], form.get("document"))


@blp.route("/carriers/<int:carrier_id>/concessions")
class CarrierConcessions(MethodView):
    @auth_required(*service.DECIDERS)
    @blp.arguments(ConcessionListArgs, location="query")
    @blp.response(200, PendingConcessionSchema(many=True))
    def get(self, args, carrier_id):
        """The carrier's requests (``pending`` by default), oldest first."""
        return service.of_carrier(_carrier_id(carrier_id), args["status"])


@blp.route("/carriers/<int:carrier_id>/concessions/<int:concession_id>/document")
class ConcessionDocument(MethodView):
    @auth_required(*service.DECIDERS)
    @blp.response(200, content_type="image/*")
    def get(self, carrier_id, concession_id):
        """The photo of a pending request (404 once decided: it is deleted then)."""
        concession = service.owned(_carrier_id(carrier_id), concession_id)
        if not concession.document_name or not documents.path_of(concession.document_name).exists():
            raise NotFound("This request has no document (any more).", slug="document-not-found")
        name = concession.document_name
        return Response(documents.path_of(name).read_bytes(), mimetype=documents.media_type(name),
                        headers={"Cache-Control": "no-store"})


@blp.route("/carriers/<int:carrier_id>/concessions/<int:concession_id>/approve")
class ApproveConcession(MethodView):
    @auth_required(*service.DECIDERS)
    @blp.arguments(DecisionSchema)
    @blp.alt_response(409, description="the request is not pending any more (concession-decided)")
    @blp.response(200, PendingConcessionSchema)
    def post(self, data, carrier_id, concession_id):
        """Approve a pending request (the document photo is then deleted). 409 ``concession-decided``."""
        return service.decide(current_user(), _carrier_id(carrier_id), concession_id, approve=True, **data)


@blp.route("/carriers/<int:carrier_id>/concessions/<int:concession_id>/reject")
class RejectConcession(MethodView):
    @auth_required(*service.DECIDERS)
    @blp.arguments(DecisionSchema)
    @blp.alt_response(409, description="the request is not pending any more (concession-decided)")
    @blp.response(200, PendingConcessionSchema)
    def post(self, data, carrier_id, concession_id):
        """Reject a pending request (the document photo is then deleted). 409 ``concession-decided``."""
        return service.decide(current_user(), _carrier_id(carrier_id), concession_id, approve=False,
                              note=data.get("note"))


@blp.route("/carriers/<int:carrier_id>/concessions/<int:concession_id>/revoke")
class RevokeConcession(MethodView):
    @auth_required(*service.DECIDERS)
    @blp.arguments(DecisionSchema)
    @blp.alt_response(409, description="the concession is not approved (concession-not-approved)")
    @blp.response(200, PendingConcessionSchema)
    def post(self, data, carrier_id, concession_id):
        """Withdraw an approved concession: that fare is refused on new purchases from now on
        (tickets already bought stay valid). 409 ``concession-not-approved``."""
        return service.revoke(current_user(), _carrier_id(carrier_id), concession_id, data.get("note"))
