"""The catalog's three API blueprints and the scoping every carrier view starts with.

Why shared blueprints: their names are the OpenAPI tags clients already know
(``catalog`` public, ``catalog-admin`` and ``catalog-trips`` for carriers); each resource
registers its views on the one its audience reads, while the code is split by resource.
Every view under ``/carriers/<carrier_id>`` first calls ``scope`` so that a carrier admin
reaches only their own carrier (others' ids answer 404, as if absent); a platform admin
reaches all.
"""
from __future__ import annotations

from flask_smorest import Blueprint
from sqlalchemy import select

from app.auth.decorators import current_user, ensure_carrier_access
from app.catalog.common import get_carrier
from app.catalog.models import Carrier
from app.errors import Unprocessable
from app.extensions import db

public_blp = Blueprint("catalog", __name__, url_prefix="/api/v1", description="Trip search and timetables (public)")
admin_blp = Blueprint("catalog-admin", __name__, url_prefix="/api/v1/carriers",
                      description="Carrier administration: stops, routes, vehicles, settings")
trips_blp = Blueprint("catalog-trips", __name__, url_prefix="/api/v1/carriers",
                      description="Carrier administration: trips, timetables, fares, drivers")

ADMINS = ("carrier_admin", "platform_admin")


def scope(carrier_id: int) -> Carrier:
    """The carrier the caller may administer, or 404."""
    ensure_carrier_access(current_user(), carrier_id)
    return get_carrier(carrier_id)


def nonempty(data: dict) -> dict:
    """A PATCH body with at least one field, or 422 ``empty-patch``."""
    if not data:
        raise Unprocessable("Send at least one field to change.", slug="empty-patch")
    return data


def listed(model, carrier_id: int, *order):
    """This carrier's rows of ``model``, in ``order``."""
    return list(db.session.scalars(select(model).where(model.carrier_id == carrier_id).order_by(*order)))
