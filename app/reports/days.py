"""A carrier's day: its local calendar date, and the UTC instants it spans.

Why one place: the report, closing and the statement must cut days at the same instant
(midnight in the carrier's country, ``COUNTRY_ZONES``), or a sale at 00:30 Nairobi time
would belong to one day in the report and another in the settlement.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from app.core.fields import MAX_YEAR, MIN_YEAR
from app.database import utcnow
from app.errors import ApiError
from app.ledger.service import COUNTRY_ZONES

_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class BadDate(ApiError):
    status, title, slug = 400, "Bad request", "invalid-date"


@dataclass(frozen=True)
class Span:
    day: date
    zone: ZoneInfo
    start: datetime  # aware, the local midnight that opens the day
    end: datetime  # the next local midnight (23 or 25 hours later across a DST change)


def zone_of(carrier) -> ZoneInfo:
    return ZoneInfo(COUNTRY_ZONES.get(carrier.country, "UTC"))


def local_today(carrier, now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(zone_of(carrier)).date()


def span(carrier, day: date) -> Span:
    zone = zone_of(carrier)
    start = datetime.combine(day, time(0), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    return Span(day, zone, start, end)


def local_day_of(carrier, moment: datetime) -> date:
    return moment.astimezone(zone_of(carrier)).date()


def parse_day(raw: str | None, carrier, *, field: str = "date", now: datetime | None = None) -> date:
    """``YYYY-MM-DD`` of a day that has begun in the carrier's zone, or 400 ``invalid-date``.

    Refused: another shape (``2026-7-1``, ``01/07/2026``), a day that does not exist
    (``2026-02-30``), a year outside 2000-2100, and a day that has not begun yet there
    (a report of tomorrow is a mistake, not an empty day).
    """
    if raw is None:
        return local_today(carrier, now)
    if not isinstance(raw, str) or not _ISO_DAY.match(raw):
        raise BadDate(f"{field} must be a day written YYYY-MM-DD.", errors={field: ["Not a YYYY-MM-DD day."]})
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise BadDate(f"{raw} is not a day of the calendar.", errors={field: ["No such day."]}) from None
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise BadDate(f"{field} must lie between the years {MIN_YEAR} and {MAX_YEAR}.",
                      errors={field: ["Out of range."]})
    if day > local_today(carrier, now):
        raise BadDate(f"{raw} has not begun yet in {zone_of(carrier).key}.", slug="date-in-future",
                      errors={field: ["In the future."]})
    return day
