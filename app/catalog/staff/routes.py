"""``/api/v1/carriers/{carrier_id}/staff``: a carrier admin adds, lists and removes drivers and agents.

Scoped by ``api.scope``: another carrier's admin gets 404 for the carrier and for each
person. The rules (who may be taken, what removal revokes) are in ``staff.service``.
"""
from __future__ import annotations

from flask.views import MethodView

from app.catalog.api import ADMINS, scope
from app.catalog.api import admin_blp as blp
from app.catalog.staff import service
from app.catalog.staff.schemas import StaffInSchema, StaffSchema
from app.auth.decorators import auth_required


@blp.route("/<int:carrier_id>/staff")
class Staff(MethodView):
    @auth_required(*ADMINS)
    @blp.response(200, StaffSchema(many=True))
    def get(self, carrier_id):
        """The carrier's admins, drivers and agents, each with their role."""
        return service.list_staff(scope(carrier_id).id)

    @auth_required(*ADMINS)
    @blp.arguments(StaffInSchema)
    @blp.response(201, StaffSchema)
    @blp.alt_response(200, schema=StaffSchema, description="already staff with that role: nothing changed")
    @blp.alt_response(409, description="the number is another carrier's staff, a platform admin or an admin here")
    def post(self, data, carrier_id):
        """Add a driver or an agent by phone number (the account is created when needed; an SMS tells them)."""
        user, changed = service.add_staff(scope(carrier_id), data["phone"], data["role"],
                                          name=data.get("name"), language=data.get("language"))
        return user, 201 if changed else 200


@blp.route("/<int:carrier_id>/staff/<int:user_id>")
class StaffOne(MethodView):
    @auth_required(*ADMINS)
    @blp.response(200, StaffSchema)
    def get(self, carrier_id, user_id):
        return service.staff_member(scope(carrier_id).id, user_id)

    @auth_required(*ADMINS)
    @blp.response(204)
    def delete(self, carrier_id, user_id):
        """Remove a driver or agent: back to passenger, signed out, off the trips still to run."""
        service.remove_staff(scope(carrier_id).id, user_id)
