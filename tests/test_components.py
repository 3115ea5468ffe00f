"""The channels join the app through ``COMPONENTS``: the app itself never imports them.

``create_app`` lets each package named in ``COMPONENTS`` (default: the channels) register
its blueprints, tables, sweep and erasure listener with ``init_app``; without it the app
serves the API alone, which is what keeps ``app`` free of ``channels`` imports.
"""
from app.jobs.periodic import SWEEPS


def _rules(app) -> set[str]:
    return {rule.rule for rule in app.url_map.iter_rules()}


def test_the_default_app_serves_every_channel_and_the_dev_phone(make_app):
    app = make_app()
    rules = _rules(app)
    for path in ("/channels/ussd", "/channels/sms/inbound", "/channels/sms/delivery",
                 "/channels/mobile-money/stk", "/dev/phone"):
        assert path in rules
    assert {"inbound_sms", "ussd_sessions"} <= set(app.extensions["sqlalchemy"].metadata.tables)
    assert "purge-ussd" in {sweep.name for sweep in SWEEPS}


def test_an_app_without_components_serves_the_api_but_no_channel(make_app):
    rules = _rules(make_app(COMPONENTS=()))
    assert "/api/v1/trips/search" in rules
    assert not [rule for rule in rules if rule.startswith("/channels/") or rule.startswith("/dev/phone")]
