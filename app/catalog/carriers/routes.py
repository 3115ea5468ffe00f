"""Carrier endpoints: the carriers (platform admins) and one carrier's settings."""
from __future__ import annotations

from flask.views import MethodView
from sqlalchemy import select

from app.auth.decorators import auth_required, current_user
from app.catalog.api import ADMINS, nonempty, scope
from app.catalog.api import admin_blp as blp
from app.catalog.carriers import service
from app.catalog.carriers.schemas import CarrierSchema, SettingsPatchSchema, SettingsSchema
from app.catalog.models import Carrier
from app.errors import Forbidden
from app.extensions import db

@blp.route("")
class Carriers(MethodView):
    @auth_required("platform_admin")
    @blp.response(200, CarrierSchema(many=True))
    def get(self):
        """All carriers (platform admins)."""
        return list(db.session.scalars(select(Carrier).order_by(Carrier.name, Carrier.id)))

    @auth_required("platform_admin")
    @blp.arguments(CarrierSchema)
    @blp.response(201, CarrierSchema)
    def post(self, data):
        """Create a carrier (platform admins); its slug is unique."""
        return service.create_carrier(data)


@blp.route("/<int:carrier_id>")
class CarrierOne(MethodView):
    @auth_required(*ADMINS)
    @blp.response(200, CarrierSchema)
    def get(self, carrier_id):
        return scope(carrier_id)


@blp.route("/<int:carrier_id>/settings")
class Settings(MethodView):
    @auth_required(*ADMINS)
    @blp.response(200, SettingsSchema)
    def get(self, carrier_id):
        """Refund rules (largest hours first), M-Pesa refunds, ticket grace, boarding opening."""
        return scope(carrier_id)

    @auth_required(*ADMINS)
    @blp.arguments(SettingsPatchSchema)
    @blp.response(200, SettingsSchema)
    def patch(self, data, carrier_id):
        """Change settings. Refund rules: unique hours, percent never growing closer to departure.
        The commission (``commission_bps``) is the platform's to set: 403 for a carrier admin."""
        carrier = scope(carrier_id)
        if "commission_bps" in data and current_user().role != "platform_admin":
            raise Forbidden("Only a platform admin sets the commission.", slug="commission-platform-only")
        return service.update_settings(carrier, nonempty(data))
