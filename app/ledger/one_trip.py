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
    """Whether this posting can be one statement: PostgreSQL (data-modifying CTEs), and not
    inside a SAVEPOINT (rolling one back would not expire balance objects the ORM never saw
    change; the ORM path is used there)."""
    return db.session.get_bind().dialect.name == "postgresql" and not db.session().in_nested_transaction()


def insert_posting(kind: str, ref: str, legs: list, moved: list[tuple[AccountBalance, int]], *, carrier_id: int | None,
                   order_id: int | None, payment_id: int | None, memo: str | None,
                   now: datetime | None) -> LedgerTransaction:
    """Write one validated posting (``legs``: account, amount, currency) and the moves of the
    locked balance rows ``moved`` ((row, amount) pairs, already applied to the objects) in
    one statement; the transaction, as a persistent
    object (its entries are loaded on first access)."""
    created_at = now or utcnow()
    params = {"kind": kind, "ref": ref, "carrier_id": carrier_id, "order_id": order_id,
              "payment_id": payment_id, "memo": memo, "created_at": created_at}
    values = []
    for i, leg in enumerate(legs):
        values.append(f"(:a{i}, CAST(:m{i} AS BIGINT), :c{i})")
        params.update({f"a{i}": leg.account, f"m{i}": leg.amount, f"c{i}": leg.currency})
    deltas: dict[str, list] = {}  # one UPDATE per row: two in one statement would not both apply
    for row, amount in moved:
        deltas.setdefault(row.account, [row, 0])[1] += amount
    updates = []
    for i, (row, delta) in enumerate(deltas.values()):
        # By the amount moved, not to the value computed here: the row is locked, so both agree,
        # and the database stays right even if the object were stale.
        updates.append(f", b{i} AS (UPDATE ledger_balances SET balance = balance + CAST(:delta{i} AS BIGINT), "
                       f"updated_at = :created_at WHERE account = :acc{i})")
        params.update({f"delta{i}": delta, f"acc{i}": row.account})
    statement = text(
        "WITH txn AS (INSERT INTO ledger_transactions (kind, ref, carrier_id, order_id, payment_id, memo, created_at)"
        " VALUES (:kind, :ref, :carrier_id, :order_id, :payment_id, :memo, :created_at) RETURNING id),"
        " entries AS (INSERT INTO ledger_entries (transaction_id, account, amount, currency)"
        f" SELECT txn.id, v.account, v.amount, v.currency FROM txn CROSS JOIN (VALUES {', '.join(values)})"
        " AS v (account, amount, currency))"
        + "".join(updates)
        + " SELECT id FROM txn"
    ).bindparams(bindparam("created_at", type_=db.DateTime(timezone=True)))
    for row, _ in moved:  # written by the statement: the ORM must not write them again
        set_committed_value(row, "balance", row.balance)
        set_committed_value(row, "updated_at", created_at)
    with db.session.no_autoflush:  # every row it refers to has an id, hence is written already
        txn_id = db.session.execute(statement, params).scalar_one()
    txn = LedgerTransaction(id=txn_id, kind=kind, ref=ref, carrier_id=carrier_id, order_id=order_id,
                            payment_id=payment_id, memo=memo, created_at=created_at)
    make_transient_to_detached(txn)
    db.session.add(txn)
    return txn
