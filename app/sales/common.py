"""Values and rules every sales use case shares: money, passenger counts, the default class.

Why here: these are the decisions the channels used to make each in their own way (USSD
took ``standard`` or the cheapest price, SMS another rule; USSD capped the passenger count
by a stale seat count, SMS filtered offers, the API did neither). Each is one function now.
"""
from __future__ import annotations

from dataclasses import dataclass

from app.booking.service import MAX_PASSENGERS  # noqa: F401 - one order, whatever the channel
from app.booking.models import PAID_OR_REFUNDED_ORDER_STATUSES, TICKETED_ORDER_STATUSES  # noqa: F401 - re-exported
from app.catalog.models import FARE_CLASSES, SELLABLE_TRIP_STATUSES  # noqa: F401 - re-exported
from app.core.money import MINOR_UNITS, format_money
from app.errors import Unprocessable
from app.messaging import money

DEFAULT_FARE_CLASS = "standard"
PAYMENT_METHODS = ("mpesa", "airtime", "wallet")  # the passenger's names, in the order offered


class PaymentLike:
    """Mixin of the outcome views that wrap a payment (``PaymentOutcome``, ``TopUpOutcome``).

    Why: the API dumps an outcome as the payment it started, so attributes the view lacks
    are read from ``payment``; ``failed`` is the one reading of a payment that did not go
    through, for every channel.
    """

    def __getattr__(self, name):
        if name == "payment":
            raise AttributeError(name)
        return getattr(self.payment, name)

    @property
    def failed(self) -> bool:
        return self.status in ("failed", "expired")


@dataclass(frozen=True)
class Money:
    """An amount in minor units with its ISO 4217 currency (never a float)."""

    amount: int
    currency: str

    def as_dict(self) -> dict:
        return {"amount": int(self.amount), "currency": self.currency}

    def __str__(self) -> str:
        return format_money(self.amount, self.currency)

    def text(self, language: str | None = "en") -> str:
        """As ``language`` writes money (``KES 1,600``, ``1 600 KES``): for a channel to render."""
        return money(self.amount, self.currency, language)


def check_passenger_count(count: int) -> int:
    """The same limit for the API, USSD and SMS, checked before any trip is offered.

    Raises 422 ``passenger-count`` (with ``max``) outside 1..``MAX_PASSENGERS``.
    """
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_PASSENGERS:
        raise Unprocessable(f"An order has between 1 and {MAX_PASSENGERS} passengers.",
                            slug="passenger-count", max=MAX_PASSENGERS)
    return count


def default_fare_class(prices: dict[str, int]) -> str:
    """The class a passenger gets when they do not choose: standard if sold, else the cheapest.

    Ties between cheaper classes go to the catalogue's order (standard, student, reduced).
    """
    if DEFAULT_FARE_CLASS in prices:
        return DEFAULT_FARE_CLASS
    ordered = [c for c in FARE_CLASSES if c in prices] or sorted(prices)
    return min(ordered, key=lambda c: prices[c])


def major_to_minor(value: int, currency: str) -> int:
    """A whole amount typed on a keypad (``200``) in minor units (``20000`` for KES)."""
    return int(value) * 10 ** MINOR_UNITS.get(currency, 2)
