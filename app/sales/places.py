"""Places as a passenger names them: is this a place we serve, what is "today" there.

Why in sales: a channel that reads free text (SMS) must tell a place from a typo and
pick the day the passenger means, and the catalog's stops are below the channels. These
small questions are asked here, so ``channels/sms`` calls sales and nothing lower.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from app.catalog.models import Stop, fold
from app.catalog.service import (
    UnknownStop,
    match_cities as matching,
    popular_cities as busiest,
    resolve_stop,
)
from app.core.timeutil import to_local
from app.database import utcnow
from app.extensions import db


def is_place(text: str) -> bool:
    """``text`` names a stop's code, name or city exactly (case and accents ignored)."""
    try:
        resolve_stop(text)
    except UnknownStop:
        return False
    return True


def place_names() -> dict[str, str]:
    """Folded stop and city names → the name to show, for "did you mean" (codes are too short to guess)."""
    rows = db.session.execute(select(Stop.name_key, Stop.name, Stop.city_key, Stop.city)).all()
    names: dict[str, str] = {}
    for name_key, name, city_key, city in rows:
        names.setdefault(city_key, city)
        names.setdefault(name_key, name)
    names.pop("", None)
    return names


def fold_place(text: str) -> str:
    """The catalog's folded form of a place name (how ``place_names`` keys are written)."""
    return fold(text)


def today_at(place: str, now: datetime | None = None) -> date:
    """The date it is now at ``place`` (its first stop's zone): "today" for a passenger there."""
    return to_local(now or utcnow(), resolve_stop(place)[0].timezone).date()


def popular_cities(limit: int = 6) -> list[str]:
    """Cities with the most upcoming trips one can board there (a menu's first list)."""
    return busiest(limit)


def match_cities(prefix: str, limit: int = 8) -> list[str]:
    """City names starting with ``prefix`` (case and accents ignored), alphabetical."""
    return matching(prefix, limit)
