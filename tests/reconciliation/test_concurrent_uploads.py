"""The same statement uploaded twice at the same moment stores each line once (PostgreSQL only).

Following pretix: first the race (both uploads look for the lines, find none, insert them:
without the unique constraints every line and every match is stored twice), then that the
constraints stop it (the loser runs again, whole, finds the lines and adds nothing).
"""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import delete, func, select, text

from app.catalog.models import Carrier
from app.reconciliation import importing
from app.reconciliation.models import StatementImport, StatementLine
from tests.fixtures import load_fixture
from tests.reconciliation.support import nairobi, payments, shortcode

pytestmark = pytest.mark.postgres_only
UPLOADS = 4
PAYBILL = load_fixture("mpesa/org_portal_statement_paybill.csv").encode()
GUARDS = {"uq_statement_lines_shortcode_id_receipt": "UNIQUE (shortcode_id, receipt)",
          "uq_statement_lines_payment_id": "UNIQUE (payment_id)"}


@pytest.fixture
def busy_app(make_app):
    return make_app(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": UPLOADS + 3, "max_overflow": 2})


@pytest.fixture
def statement_world(world, db):
    shortcode(world.carrier)
    payments(world, [dict(code="KM7QW2XA", amount=80000, status="succeeded", receipt="SL19A7TT3M",
                          created_at=nairobi("2026-12-01 09:02:40"), settled_at=nairobi("2026-12-01 09:02:55"))])
    return world


def _upload_at_once(busy_app, carrier_id: int, monkeypatch) -> list:
    """Every upload looks for its lines, waits for the others to have looked too, then goes on."""
    barrier, looked = threading.Barrier(UPLOADS, timeout=30), threading.local()
    original = importing._existing_lines

    def look_then_wait(*args):
        found = original(*args)
        if not getattr(looked, "once", False):
            looked.once = True
            barrier.wait()
        return found

    monkeypatch.setattr(importing, "_existing_lines", look_then_wait)
    results = [None] * UPLOADS

    def upload(i):
        with busy_app.app_context():
            try:
                carrier = importing.db.session.get(Carrier, carrier_id)
                results[i] = importing.import_statement(carrier, PAYBILL).lines_added
            except Exception as exc:  # collected, asserted by the test
                results[i] = exc
            finally:
                importing.db.session.remove()

    threads = [threading.Thread(target=upload, args=(i,)) for i in range(UPLOADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _counts(db) -> tuple[int, int]:
    lines = db.session.scalar(select(func.count()).select_from(StatementLine))
    matched = db.session.scalar(select(func.count()).select_from(StatementLine).where(
        StatementLine.payment_id.is_not(None)))
    return lines, matched


def test_without_the_constraints_simultaneous_uploads_store_lines_twice(busy_app, statement_world, db, monkeypatch):
    for name in GUARDS:
        db.session.execute(text(f"ALTER TABLE statement_lines DROP CONSTRAINT {name}"))
    db.session.commit()
    try:
        results = _upload_at_once(busy_app, statement_world.carrier.id, monkeypatch)
        assert results == [6] * UPLOADS  # each upload believed the lines were new
        assert _counts(db) == (6 * UPLOADS, UPLOADS)  # and the one payment is matched four times
    finally:
        db.session.rollback()
        db.session.execute(delete(StatementLine))
        db.session.execute(delete(StatementImport))
        for name, definition in GUARDS.items():
            db.session.execute(text(f"ALTER TABLE statement_lines ADD CONSTRAINT {name} {definition}"))
        db.session.commit()


def test_the_constraints_make_simultaneous_uploads_store_each_line_once(busy_app, statement_world, db, monkeypatch):
    results = _upload_at_once(busy_app, statement_world.carrier.id, monkeypatch)
    assert sorted(results) == [0] * (UPLOADS - 1) + [6], results
    assert _counts(db) == (6, 1)
    assert db.session.scalar(select(func.count()).select_from(StatementImport)) == 1
