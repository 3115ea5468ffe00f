"""Which Paybill or Till number belongs to which carrier, and which one a statement is of.

Why platform admins register them: a shortcode decides whose money a statement shows and
which Paybill the scheduled pull asks Daraja about, so a carrier cannot claim one by itself.
A statement names its shortcode (Paybill: a description line) or its store (Till); it must
be one of the uploading carrier's, and another carrier's answers exactly like an unknown one,
so nothing leaks about who owns what.
"""
from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.errors import Conflict
from app.extensions import db, unit_of_work
from app.reconciliation.models import MpesaShortcode
from app.reconciliation.statement_csv import ParsedStatement, StatementRejected

SHORTCODE = re.compile(r"^\d{5,8}$")


def carrier_shortcodes(carrier_id: int) -> list[MpesaShortcode]:
    return list(db.session.scalars(
        select(MpesaShortcode).where(MpesaShortcode.carrier_id == carrier_id).order_by(MpesaShortcode.shortcode)))


def register_shortcode(carrier_id: int, shortcode: str, data: dict) -> MpesaShortcode:
    """Create or change a carrier's shortcode; 409 when it is another carrier's. One unit of work.

    ``data``: ``kind`` (paybill, till), ``store_name`` (a Till's, as its export names it) and
    ``pull_transactions`` (Paybills registered with Daraja's Pull Transactions API).
    """
    row = db.session.scalar(select(MpesaShortcode).where(MpesaShortcode.shortcode == shortcode))
    if row is not None and row.carrier_id != carrier_id:
        raise Conflict(f"The shortcode {shortcode} is registered to another carrier.", slug="shortcode-taken")
    if data.get("pull_transactions") and data["kind"] != "paybill":
        raise Conflict("Pull Transactions exists for Paybills only.", slug="pull-paybill-only")

    def work() -> MpesaShortcode:
        saved = row
        if saved is None:
            saved = MpesaShortcode(carrier_id=carrier_id, shortcode=shortcode)
            db.session.add(saved)
        saved.kind = data["kind"]
        saved.store_name = (data.get("store_name") or "").strip() or None
        saved.pull_transactions = bool(data.get("pull_transactions"))
        try:
            db.session.flush()
        except IntegrityError:  # registered by someone else a moment ago (the unit of work rolls back)
            raise Conflict(f"The shortcode {shortcode} is registered to another carrier.",
                           slug="shortcode-taken") from None
        return saved

    return unit_of_work(work)


def _fold(name: str) -> str:
    return " ".join(name.upper().split())


def statement_shortcode(carrier_id: int, statement: ParsedStatement, requested: str | None) -> MpesaShortcode:
    """The carrier's shortcode this statement is of, or ``StatementRejected`` saying why not.

    A Paybill export names its short code. A Till export names its store: the registered
    Till with that store name, or the one given as ``requested`` (``?shortcode=``), or the
    carrier's only Till.
    """
    mine = carrier_shortcodes(carrier_id)
    named = statement.shortcode or requested
    if statement.shortcode and requested and statement.shortcode != requested:
        raise StatementRejected(f"The statement is of shortcode {statement.shortcode}, not {requested}.",
                                "statement-not-yours")
    if named is None and statement.store_names:
        stores = {_fold(name) for name in statement.store_names}
        owners = list(db.session.scalars(select(MpesaShortcode).where(MpesaShortcode.store_name.is_not(None))))
        by_store = [row for row in owners if _fold(row.store_name) in stores]
        if by_store:
            named = by_store[0].shortcode
    if named is None:
        tills = [row for row in mine if row.kind == "till"]
        if statement.layout == "till" and len(tills) == 1:
            return tills[0]
        raise StatementRejected("The statement does not say which shortcode it is of: add ?shortcode=<number>.",
                                "statement-shortcode-unknown")
    row = next((row for row in mine if row.shortcode == named), None)
    if row is None:
        raise StatementRejected(
            f"The statement is of shortcode {named}, which is not one of this carrier's "
            f"(registered: {', '.join(r.shortcode for r in mine) or 'none'}).", "statement-not-yours")
    if row.kind != statement.layout:
        raise StatementRejected(f"Shortcode {row.shortcode} is a {row.kind}, but this is a {statement.layout} "
                                "statement.", "statement-layout")
    if row.kind == "till" and row.store_name and statement.store_names and \
            _fold(row.store_name) not in {_fold(name) for name in statement.store_names}:
        raise StatementRejected(f"The statement is of another store than Till {row.shortcode}'s.",
                                "statement-not-yours")
    return row
