"""The periodic sweeps: what callbacks and crashes leave behind gets finished."""
from datetime import timedelta

import pytest
from sqlalchemy import select

import app.booking.jobs as booking_jobs
from app.config import ConfigError, build_config
from app.database import utcnow
from app.extensions import db
from app.jobs.periodic import run_all_once, sweep_intervals
from app.messaging.models import OutboundMessage
from channels.ussd.models import UssdSession


def test_a_message_left_queued_by_a_crash_is_sent_by_the_sweep(app):
    # As if the process died after the commit, before the job ran.
    message = OutboundMessage(
        to_phone="+254711000111", text="Your ticket", kind="ticket",
        created_at=utcnow() - timedelta(minutes=5),
    )
    fresh = OutboundMessage(to_phone="+254711000111", text="Just now", kind="ticket")
    db.session.add_all([message, fresh])
    db.session.commit()

    outcome = run_all_once()

    assert outcome["app.messaging.service:send_stuck_messages"] == "ok 1"
    db.session.expire_all()
    assert db.session.get(OutboundMessage, message.id).status == "sent"
    assert db.session.get(OutboundMessage, fresh.id).status == "queued"  # its own job may still run


def test_stale_ussd_sessions_are_purged_but_resumable_ones_kept(app):
    old = utcnow() - timedelta(hours=2)
    db.session.add_all([
        UssdSession(session_id="stale", phone="+254711000111", state={}, updated_at=old),
        UssdSession(session_id="resumable", phone="+254711000112", state={}, updated_at=old,
                    resumable_until=utcnow() + timedelta(minutes=3)),
        UssdSession(session_id="live", phone="+254711000113", state={}),
    ])
    db.session.commit()

    run_all_once()

    left = set(db.session.scalars(select(UssdSession.session_id)))
    assert left == {"resumable", "live"}


def test_every_sweep_runs_even_when_one_fails(app, monkeypatch):
    def broken(now=None):
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(booking_jobs, "expire_holds", broken)
    outcome = run_all_once()
    assert outcome["app.booking.jobs:expire_holds"] == "failed: RuntimeError"
    assert outcome["app.sales.confirming:poll_pending_stk"].startswith("ok")
    assert outcome["channels.ussd.store:purge_stale_sessions"].startswith("ok")


def test_sweep_command_reports_each_sweep(runner):
    result = runner.invoke(args=["sweep"])
    assert result.exit_code == 0
    assert "app.booking.jobs:expire_holds: ok" in result.output
    assert "app.sales.confirming:poll_pending_stk: ok" in result.output


@pytest.mark.parametrize("value", ["0", "-5", "abc", "inf"])
def test_a_bad_sweep_interval_is_refused_naming_the_setting(monkeypatch, tmp_path, value):
    monkeypatch.setenv("SWEEP_INTERVAL_SECONDS", value)
    with pytest.raises(ConfigError, match="SWEEP_INTERVAL_SECONDS must be a positive number of seconds"):
        build_config(str(tmp_path))


def test_the_sweep_interval_scales_every_sweep(monkeypatch, tmp_path):
    monkeypatch.setenv("SWEEP_INTERVAL_SECONDS", "2")
    assert sweep_intervals(build_config(str(tmp_path))) == {
        "expire-holds": 2, "poll-stk": 2, "stuck-stk": 2, "payouts": 2, "stuck-sms": 10, "expire-tickets": 10,
        "pull-c2b": 10, "purge-ussd": 120}
