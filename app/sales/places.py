"""Places as a passenger names them: is this a place we serve, what is "today" there.

Why in sales: a channel that reads free text (SMS) must tell a place from a typo and
pick the day the passenger means, and the catalog's stops are below the channels. These
small questions are asked here, so ``channels/sms`` calls sales and nothing lower.

Why an index: splitting ``BUY`` words into two places tries every cut, and asking the
database at each one made about 1,200 stop lookups for one long message. ``place_index``
reads every stop's code, name and city in one query; each cut is then a set lookup.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from app.catalog.models import Stop, fold
from app.catalog.service import match_cities as matching
from app.catalog.service import popular_cities as busiest
from app.catalog.service import resolve_place
from app.core.timeutil import to_local
from app.database import utcnow
from app.extensions import db


@dataclass(frozen=True)
class Places:
    """Every name a stop answers to, as ``resolve_stop`` matches them, read once."""

    codes: frozenset[str]  # stop codes, upper case (``NBO``)
    names: dict[str, str]  # folded stop and city names → the name to show ("did you mean")
    max_words: int  # words in the longest name or code: a longer text is no place as typed

    def __contains__(self, text: str) -> bool:
        """``text`` names a stop's code, name or city exactly (case and accents ignored)."""
        raw = (text or "").strip()
        return bool(raw) and (raw.upper() in self.codes or fold(raw) in self.names)


def place_index() -> Places:
    """The ``Places`` of every stop (of any carrier): one query."""
    rows = db.session.execute(select(Stop.code, Stop.name_key, Stop.name, Stop.city_key, Stop.city)).all()
    codes: set[str] = set()
    names: dict[str, str] = {}
    for code, name_key, name, city_key, city in rows:
        codes.add(code.upper())
        names.setdefault(city_key, city)
        names.setdefault(name_key, name)
    names.pop("", None)
    longest = max((len(key.split()) for key in [*names, *codes]), default=1)
    return Places(frozenset(codes), names, longest)


def fold_place(text: str) -> str:
    """The catalog's folded form of a place name (how ``Places.names`` keys are written)."""
    return fold(text)


def today_at(place: str, now: datetime | None = None) -> date:
    """The date it is now at ``place`` (its first stop's zone): "today" for a passenger there."""
    return to_local(now or utcnow(), resolve_place(place).first_zone).date()


def popular_cities(limit: int = 6) -> list[str]:
    """Cities with the most upcoming trips one can board there (a menu's first list)."""
    return busiest(limit)


def match_cities(prefix: str, limit: int = 8) -> list[str]:
    """City names starting with ``prefix`` (case and accents ignored), alphabetical."""
    return matching(prefix, limit)
