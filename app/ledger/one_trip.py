"""A posting in one round trip on PostgreSQL: the transaction, its entries and the kept
balances it moves, written by one statement.

Why: a wallet purchase used to spend three round trips here (``UPDATE ledger_balances``,
``INSERT ledger_transactions ... RETURNING id``, then ``INSERT ledger_entries``), each a
few hundred microseconds of latency plus the ORM's flush. One statement with data-modifying
CTEs does the same writes in the same transaction. Nothing is weakened: the balance rows
were locked (``FOR UPDATE``) before their new value was computed (``balances.move``
refused an overdraft), the database's ``CHECK balance >= 0`` and the (kind, ref) unique
constraint still refuse what they refused, as an ``IntegrityError`` that aborts the
caller's transaction exactly like the flush did. SQLite (development, tests) keeps the ORM
path: it has no data-modifying CTEs.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, text
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from app.database import utcnow
from app.extensions import db
from app.ledger.models import AccountBalance, LedgerTransaction


def supported() -> bool:
    """Whether the session's database takes data-modifying CTEs (PostgreSQL)."""
    return db.session.get_bind().dialect.name == "postgresql"


def insert_posting(kind: str, ref: str, legs: list, moved: list[AccountBalance], *, carrier_id: int | None,
                   order_id: int | None, payment_id: int | None, memo: str | None,
                   now: datetime | None) -> LedgerTransaction:
    """Write one validated posting (``legs``: account, amount, currency) and the new values
    of the locked balance rows ``moved`` in one statement; the transaction, as a persistent
    object (its entries are loaded on first access)."""
    created_at = now or utcnow()
    params = {"kind": kind, "ref": ref, "carrier_id": carrier_id, "order_id": order_id,
              "payment_id": payment_id, "memo": memo, "created_at": created_at}
    values = []
    for i, leg in enumerate(legs):
        values.append(f"(:a{i}, CAST(:m{i} AS BIGINT), :c{i})")
        params.update({f"a{i}": leg.account, f"m{i}": leg.amount, f"c{i}": leg.currency})
    updates = []
    for i, row in enumerate(moved):
        updates.append(f", b{i} AS (UPDATE ledger_balances SET balance = :bal{i}, updated_at = :created_at "
                       f"WHERE account = :acc{i})")
        params.update({f"bal{i}": row.balance, f"acc{i}": row.account})
    statement = text(
        "WITH txn AS (INSERT INTO ledger_transactions (kind, ref, carrier_id, order_id, payment_id, memo, created_at)"
        " VALUES (:kind, :ref, :carrier_id, :order_id, :payment_id, :memo, :created_at) RETURNING id),"
        " entries AS (INSERT INTO ledger_entries (transaction_id, account, amount, currency)"
        f" SELECT txn.id, v.account, v.amount, v.currency FROM txn CROSS JOIN (VALUES {', '.join(values)})"
        " AS v (account, amount, currency))"
        + "".join(updates)
        + " SELECT id FROM txn"
    ).bindparams(bindparam("created_at", type_=db.DateTime(timezone=True)))
    for row in moved:  # written by the statement: the ORM must not write them again
        set_committed_value(row, "balance", row.balance)
        set_committed_value(row, "updated_at", created_at)
    with db.session.no_autoflush:  # every row it refers to has an id, hence is written already
        txn_id = db.session.execute(statement, params).scalar_one()
    txn = LedgerTransaction(id=txn_id, kind=kind, ref=ref, carrier_id=carrier_id, order_id=order_id,
                            payment_id=payment_id, memo=memo, created_at=created_at)
    make_transient_to_detached(txn)
    db.session.add(txn)
    return txn
