"""marshmallow's fields, with the bounds the database and the calendar impose.

Schemas import ``fields`` from here instead of from marshmallow (``from app.core import
fields``): every other field is marshmallow's own, but numbers and dates that reach a
column or a time-zone conversion are refused with a 422 naming the field, instead of a
500 from the database (``integer out of range``) or from ``datetime`` (``year 0 is out
of range`` when ``0001-01-01`` meets a positive offset, or ``9999-12-31`` plus a day).

- ``Integer``/``Int``: within a signed 32-bit INTEGER (the type of every id and count
  column) unless ``bits=64`` is given for a BIGINT column. The bound is a ``Range``
  validator, so it also appears in the OpenAPI document as ``minimum``/``maximum``.
- ``Date``, ``DateTime``, ``AwareDateTime``, ``NaiveDateTime``: years ``MIN_YEAR`` to
  ``MAX_YEAR``. Nothing this service sells, reports or scans lies outside, and inside
  it every conversion between zones and every "next day" stays in ``datetime``'s range.
- ``Timestamp``: how every answer writes a moment (the one rule for times, below).
"""
from __future__ import annotations

import datetime as dt

from marshmallow import ValidationError, validate
from marshmallow import fields as _ma
from marshmallow.fields import *  # noqa: F401,F403 (re-exported: one import for every field)

from app.core.timeutil import isoformat

INT32 = (-(2 ** 31), 2 ** 31 - 1)
INT64 = (-(2 ** 63), 2 ** 63 - 1)
MIN_YEAR, MAX_YEAR = 2000, 2100


class Integer(_ma.Integer):
    """An integer that fits its column (32-bit unless ``bits=64``)."""

    def __init__(self, *, bits: int = 32, **kwargs):
        super().__init__(**kwargs)
        low, high = INT32 if bits == 32 else INT64
        self.validators.insert(0, validate.Range(
            min=low, max=high, error=f"Must be between {low} and {high}.",
        ))


Int = Integer


def _check_year(value):
    if value is not None and not (MIN_YEAR <= value.year <= MAX_YEAR):
        raise ValidationError(f"Must be a date between the years {MIN_YEAR} and {MAX_YEAR}.")
    return value


class Date(_ma.Date):
    def _deserialize(self, value, attr, data, **kwargs) -> dt.date:
        return _check_year(super()._deserialize(value, attr, data, **kwargs))


class DateTime(_ma.DateTime):
    def _deserialize(self, value, attr, data, **kwargs) -> dt.datetime:
        return _check_year(super()._deserialize(value, attr, data, **kwargs))


class AwareDateTime(_ma.AwareDateTime):
    def _deserialize(self, value, attr, data, **kwargs) -> dt.datetime:
        return _check_year(super()._deserialize(value, attr, data, **kwargs))


class NaiveDateTime(_ma.NaiveDateTime):
    def _deserialize(self, value, attr, data, **kwargs) -> dt.datetime:
        return _check_year(super()._deserialize(value, attr, data, **kwargs))


class Timestamp(DateTime):
    """A moment in an answer, ISO 8601 with its offset, by the one rule for times:

    - a trip's times (``departure_at``, ``arrival_at``, a ticket's ``valid_from`` and
      ``valid_until``) are in the zone of the departure stop: pass ``zone``, a function of
      the object giving that zone (the passenger's boarding stop for orders and tickets,
      the first stop for a trip);
    - every other moment (created, paid, settled, scanned, a hold's end) is UTC, ``+00:00``.

    ``value``, a function of the object, gives a moment that is not an attribute
    (``Timestamp(lambda o: departure_at_stop(o.trip, o.origin_stop_id), zone=...)``).
    Documented as ``string``/``date-time`` like any ``DateTime``.
    """

    def __init__(self, value=None, *, zone=None, **kwargs):
        super().__init__(**kwargs)
        self.value, self.zone = value, zone

    def get_value(self, obj, attr, accessor=None, default=_ma.missing_):
        if self.value is not None:
            return self.value(obj)
        return super().get_value(obj, attr, accessor=accessor, default=default)

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return isoformat(value, self.zone(obj) if self.zone else None)
