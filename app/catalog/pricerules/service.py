"""A carrier's price rules: writes, and the check that no rule set prices a seat at zero.

Why the check runs on every write of a rule *and* of a fare: a -KES 500 rule is harmless on
a KES 1,500 fare and fatal on a KES 400 one, whichever of the two was written last. The
check is the worst case — every rule of a route applying to one ride at once, in order —
computed exactly (``engine.lowest_reachable``); a set that could reach zero is refused with
a 422 naming the rule, inside the unit of work, so nothing is kept.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields
from functools import lru_cache

from sqlalchemy import bindparam, select

from app.catalog.cache import cached
from app.catalog.common import flush_or_conflict, referenced
from app.catalog.models import Fare, Route
from app.catalog.pricerules.engine import RuleTerms, lowest_reachable
from app.catalog.pricerules.models import PriceRule
from app.core.money import amount_in, format_money
from app.errors import Unprocessable
from app.extensions import db, unit_of_work

MONEY_COLUMNS = {"amount": "change_amount", "floor": "floor_amount", "ceiling": "ceiling_amount"}


def rules_of(carrier_ids) -> dict[int, list[PriceRule]]:
    """Every rule of each carrier (one query), in the order they apply."""
    ids = list(carrier_ids)
    found: dict[int, list[PriceRule]] = {carrier_id: [] for carrier_id in ids}
    if not ids:
        return found
    rows = db.session.scalars(select(PriceRule).where(PriceRule.carrier_id.in_(ids))
                              .order_by(PriceRule.priority, PriceRule.id))
    for rule in rows:
        found[rule.carrier_id].append(rule)
    return found


TERMS = tuple(f.name for f in fields(RuleTerms))


def shown_rules_of(carrier_ids) -> dict[int, tuple[RuleTerms, ...]]:
    """``rules_of`` as plain terms, kept for seconds (``app.catalog.cache``): what search
    prices its offers with, like the fares it lists. A hold prices itself from the database
    (``fares_with_rules``), so a rule written a few seconds ago is never missed on a sale."""
    ids = frozenset(carrier_ids)
    if not ids:
        return {}
    return cached("rules", ids, lambda: _read_terms(ids))


def _read_terms(ids: frozenset[int]) -> dict[int, tuple[RuleTerms, ...]]:
    found: dict[int, list[RuleTerms]] = {carrier_id: [] for carrier_id in ids}
    for carrier_id, *terms in db.session.execute(_terms_statement(), {"carrier_ids": list(ids)}):
        values = dict(zip(TERMS, terms))
        values["weekdays"] = tuple(values["weekdays"]) if values["weekdays"] else None
        found[carrier_id].append(RuleTerms(**values))
    return {carrier_id: tuple(rules) for carrier_id, rules in found.items()}


@lru_cache(maxsize=1)
def _terms_statement():
    """Every rule's terms for some carriers, in the order they apply; built once."""
    return (select(PriceRule.carrier_id, *(getattr(PriceRule, name) for name in TERMS))
            .where(PriceRule.carrier_id.in_(bindparam("carrier_ids", expanding=True)))
            .order_by(PriceRule.priority, PriceRule.id))


def fares_with_rules(carrier_id: int, route_id: int, origin_stop_id: int, destination_stop_id: int,
                     classes: Iterable[str]) -> tuple[list[Fare], list[PriceRule]]:
    """The fares of ``classes`` for one leg of a route, and every rule of the carrier in the
    order they apply, in one round trip (a hold prices itself from the database on every
    order; two queries were two of its statements). Each fare comes once per rule: a
    carrier has a handful of rules, a leg at most one fare per class."""
    rows = db.session.execute(
        select(Fare, PriceRule)
        .outerjoin(PriceRule, PriceRule.carrier_id == carrier_id)
        .where(Fare.route_id == route_id, Fare.origin_stop_id == origin_stop_id,
               Fare.destination_stop_id == destination_stop_id, Fare.fare_class.in_(list(classes)))
        .order_by(PriceRule.priority, PriceRule.id, Fare.id)
    )
    fares: dict[int, Fare] = {}
    rules: dict[int, PriceRule] = {}
    for fare, rule in rows:
        fares.setdefault(fare.id, fare)
        if rule is not None:
            rules.setdefault(rule.id, rule)
    return sorted(fares.values(), key=lambda fare: fare.id), list(rules.values())


def list_rules(carrier_id: int) -> list[PriceRule]:
    return rules_of([carrier_id])[carrier_id]


def _columns(carrier, data: dict) -> dict:
    """The request's fields as columns: money objects to amounts in the carrier's currency."""
    columns = dict(data)
    if "percent" in columns:
        columns["change_percent"] = columns.pop("percent")
    for name, column in MONEY_COLUMNS.items():
        if name in columns:
            value = columns.pop(name)
            columns[column] = None if value is None else amount_in(value, carrier.currency, name)
    if columns.get("route_id") is not None:
        referenced(Route, carrier.id, columns["route_id"], "route_id")
    return columns


def check_rule_set(carrier_id: int, new: PriceRule | None = None) -> None:
    """422 ``price-not-positive`` naming the rule when some fare of the carrier could be priced
    at or below zero by its rules (the worst case: all of a route's rules at once)."""
    rules = list_rules(carrier_id)
    if not rules:
        return
    fares = db.session.scalars(select(Fare).where(Fare.carrier_id == carrier_id).order_by(Fare.id))
    for fare in fares:
        lowest, culprit = lowest_reachable(
            fare.amount, [r for r in rules if r.route_id is None or r.route_id == fare.route_id])
        if culprit is not None:
            raise Unprocessable(
                f"The rule {culprit.name!r} would price a {fare.fare_class} fare of "
                f"{format_money(fare.amount, fare.currency)} at {format_money(lowest, fare.currency)}: "
                "a seat must cost more than zero. Give it a floor or a smaller change.",
                slug="price-not-positive", fare_id=fare.id,
                rule={"id": None if culprit is new else culprit.id, "name": culprit.name},  # a new rule: not kept
            )


def create_rule(carrier, data: dict) -> PriceRule:
    columns = _columns(carrier, data)

    def work():
        rule = PriceRule(carrier_id=carrier.id, **columns)
        db.session.add(rule)
        flush_or_conflict("The rule could not be saved.")
        check_rule_set(carrier.id, new=rule)
        return rule

    return unit_of_work(work)


def change_rule(carrier, rule: PriceRule, data: dict) -> PriceRule:
    columns = _columns(carrier, data)
    if "change_percent" in columns and columns["change_percent"] is not None:
        columns.setdefault("change_amount", None)  # switching to a percentage drops the amount
    if "change_amount" in columns and columns["change_amount"] is not None:
        columns.setdefault("change_percent", None)
    if (columns.get("change_percent", rule.change_percent) is None
            and columns.get("change_amount", rule.change_amount) is None):
        raise Unprocessable("A rule needs a percent or an amount.", slug="no-change",
                            errors={"percent": ["Give exactly one of percent and amount."]})

    def work():
        for key, value in columns.items():
            setattr(rule, key, value)
        flush_or_conflict("The rule could not be saved.")
        check_rule_set(carrier.id)
        return rule

    return unit_of_work(work)


def delete_rule(rule: PriceRule) -> None:
    def work():
        db.session.delete(rule)
        db.session.flush()

    unit_of_work(work)
