"""Database errors name the constraint, never the phone number or text that broke it."""
from __future__ import annotations

import logging
import traceback

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from app.auth.models import User
from app.core.sqlprivacy import scrub
from channels.sms.models import InboundSms

PHONE = "+254711987654"
SECRET_TEXT = "BUY Nairobi Mombasa for Wanjiku Kamau"


def _everything_printed(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc))


def test_engine_hides_bound_parameters_in_every_environment(app, db):
    assert db.engine.hide_parameters is True


def test_unique_violation_on_a_phone_number_does_not_quote_it(app, db):
    db.session.add(User(phone=PHONE))
    db.session.commit()
    db.session.add(User(phone=PHONE))
    with pytest.raises(IntegrityError) as info:
        db.session.flush()
    db.session.rollback()
    printed = _everything_printed(info.value)
    assert "users" in printed  # still says what went wrong
    assert PHONE not in printed and PHONE not in str(info.value.orig)


def test_check_violation_does_not_quote_the_failing_row(app, db):
    db.session.add(User(phone=PHONE, role="nobody", name="Wanjiku Kamau"))
    with pytest.raises(IntegrityError) as info:
        db.session.flush()
    db.session.rollback()
    printed = _everything_printed(info.value)
    assert PHONE not in printed and "Wanjiku" not in printed


@pytest.mark.fresh_app  # adds a route, which Flask allows only before an app's first request
def test_a_failed_statement_with_an_sms_text_logs_no_text(app, db, caplog):
    """A DBAPIError that escapes a request is logged with its traceback: no values in it."""
    db.session.add(InboundSms(gateway_id="AT-1", from_phone=PHONE, text=SECRET_TEXT))
    db.session.commit()

    @app.route("/_boom")
    def boom():
        db.session.add(InboundSms(gateway_id="AT-1", from_phone=PHONE, text=SECRET_TEXT))
        db.session.flush()

    with caplog.at_level(logging.INFO):
        response = app.test_client().get("/_boom")
    db.session.rollback()
    assert response.status_code == 500
    assert "IntegrityError" in caplog.text
    assert PHONE not in caplog.text and "Wanjiku" not in caplog.text


def test_data_errors_do_not_quote_the_input(app, db):
    with pytest.raises(DBAPIError) as info:
        db.session.execute(text("SELECT CAST(:v AS INTEGER) + 1 / 0"), {"v": PHONE}).all()
        # SQLite casts anything; make it fail on both backends
        db.session.execute(text("SELECT * FROM no_such_table WHERE x = :v"), {"v": PHONE})
    db.session.rollback()
    assert PHONE not in _everything_printed(info.value)


def test_scrub_removes_detail_lines_and_quoted_input():
    message = ('duplicate key value violates unique constraint "uq_users_phone"\n'
               f"DETAIL:  Key (phone)=({PHONE}) already exists.")
    assert scrub(message) == 'duplicate key value violates unique constraint "uq_users_phone"'
    assert PHONE not in scrub(f'invalid input syntax for type integer: "{PHONE}"')
    assert PHONE not in scrub(f'value "{PHONE}" is out of range for type integer')
    assert 'constraint "uq_users_phone"' in scrub('violates unique constraint "uq_users_phone"')
