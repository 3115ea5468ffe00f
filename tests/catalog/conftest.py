"""Helpers for catalog tests: local days, a second carrier, row counts."""
from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from app.database import utcnow
from tests.factories import NAIROBI, make_carrier, make_fare, make_route, make_stop, make_user, make_vehicle


def local_day(days_ahead: int = 0):
    return utcnow().astimezone(NAIROBI).date() + timedelta(days=days_ahead)


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def is_problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.content_type == "application/problem+json"
    return response.get_json()


@pytest.fixture
def rival(world, db):
    """Another carrier with its own Nairobi → Eldoret route, vehicle, admin and driver."""
    carrier = make_carrier("Rift Shuttle")
    nairobi = make_stop(carrier, "Nairobi Westlands", city="Nairobi", code="NRB")
    eldoret = make_stop(carrier, "Eldoret Town", city="Eldoret", code="ELT")
    route = make_route(carrier, [(nairobi, 0), (eldoret, 300)], code="RS-1")
    vehicle = make_vehicle(carrier, seats=14)
    make_fare(route, nairobi, eldoret, 120000)
    admin = make_user("carrier_admin", carrier=carrier)
    driver = make_user("driver", carrier=carrier)
    db.session.commit()
    return SimpleNamespace(carrier=carrier, nairobi=nairobi, eldoret=eldoret, route=route,
                           vehicle=vehicle, admin=admin, driver=driver)
