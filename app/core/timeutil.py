"""Time helpers: everything is stored in UTC and shown in a stop's own zone."""
from __future__ import annotations

from datetime import datetime, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from app.database import utcnow  # re-exported: one clock for the whole app

__all__ = ["utcnow", "to_local", "zone", "is_valid_zone", "isoformat", "local_label"]


def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


# In the tz database but not places: "Factory" (a zone whose abbreviation reads "-00",
# for machines without a configured zone) and the files that only describe the database.
NOT_PLACES = {"Factory", "localtime", "posixrules", "posix", "right"}


@lru_cache(maxsize=1)
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones() - NOT_PLACES)


def is_valid_zone(name: str) -> bool:
    """An IANA zone of a place. Looked up in the list of zones rather than by opening
    ``ZoneInfo(name)``: "Africa" (a directory), 300 characters or "../x" raise
    ``IsADirectoryError``/``OSError`` there, and "Factory" opens fine but is no place."""
    return isinstance(name, str) and name in _zone_names()


def to_local(moment: datetime, tz_name: str) -> datetime:
    """``moment`` (aware) in the IANA zone ``tz_name``."""
    return moment.astimezone(ZoneInfo(tz_name))


def isoformat(moment: datetime | None, tz_name: str | None = None) -> str | None:
    """ISO 8601 with offset, in ``tz_name`` when given, else UTC."""
    if moment is None:
        return None
    if tz_name:
        return to_local(moment, tz_name).isoformat()
    return moment.astimezone(timezone.utc).isoformat()


def local_label(moment: datetime, tz_name: str) -> str:
    """For people: ``Sat 12 Dec 2026 08:00 EAT (UTC+03:00)``, in the zone ``tz_name``.

    The offset is always shown, so a reader in another zone (or a screenshot) cannot
    mistake it; the abbreviation only where the zone has one (not "+03").
    """
    local = to_local(moment, tz_name)
    offset = local.strftime("%z")
    offset = f"UTC{offset[:3]}:{offset[3:]}"
    abbreviation = local.tzname() or ""
    name = f"{abbreviation} " if abbreviation[:1].isalpha() else ""
    return f"{local:%a %d %b %Y %H:%M} {name}({offset})"
