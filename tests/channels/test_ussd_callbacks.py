"""Malformed and awkward USSD callbacks: always a safe CON/END with 200, nothing changed.

Also: repeated callbacks, time-outs and resuming, paging, rate limits, the Redis store.
"""
import uuid
from datetime import timedelta

import pytest
from redis import Redis

from app.booking.models import Order
from app.database import utcnow
from app.extensions import db
from channels.ussd.models import UssdSession
from tests.channels.scripts.runner import Conversation, check_ussd_answer, load_scripts, run_script
from tests.factories import build_world, make_stop
from tests.fixtures import load_form
from tests.redis_support import REDIS_URL, needs_redis



def _count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_the_gateway_fixtures_get_a_screen(client, world):
    first = check_ussd_answer(client.post("/channels/ussd", data=load_form("africastalking/ussd_first.form")))
    assert first.startswith("CON Safiri")
    later = check_ussd_answer(client.post("/channels/ussd", data=load_form("africastalking/ussd_later.form")))
    assert later.startswith("CON From Nakuru. Where to?")  # "1*2": buy, from the 2nd popular city


@pytest.mark.parametrize("form", [
    {},
    {"sessionId": "ATUid_x", "text": ""},  # no phone
    {"sessionId": "ATUid_x", "phoneNumber": "not-a-phone", "text": ""},
    {"phoneNumber": "+254711000111", "text": ""},  # no session
    {"sessionId": "ATUid_x", "phoneNumber": "+254711000111"},  # no text at all
    {"sessionId": "ATUid_x", "phoneNumber": "+254711000111", "text": "1*" * 600},
])
def test_malformed_callbacks_end_safely_and_change_nothing(client, world, form):
    body = check_ussd_answer(client.post("/channels/ussd", data=form))
    assert body.startswith("END ")
    assert _count(UssdSession) == 0 and _count(Order) == 0


def test_unknown_session_with_history_starts_at_the_menu_and_acts_on_nothing(client, world):
    talk = Conversation(client, world.passenger.phone)
    talk.session_id = "ATUid_never_seen"
    body = talk.raw("1*1*1*2*1*1*1*1")  # a whole purchase, replayed blind
    assert body.startswith("CON Safiri")
    assert _count(Order) == 0


@pytest.mark.parametrize("garbage", ["%%%", "1*2*<script>", "é€😀", "*****", " ", "99999999999999999999"])
def test_garbage_input_re_shows_the_screen(client, world, garbage):
    talk = Conversation(client, world.passenger.phone)
    talk.dial()
    body = talk.input(garbage)
    assert body.startswith("CON ")
    assert _count(Order) == 0


def test_wrong_token_is_refused_and_changes_nothing(make_app, world):
    app = make_app(CHANNEL_TOKEN="s3cret")
    client = app.test_client()
    form = load_form("africastalking/ussd_first.form")
    assert client.post("/channels/ussd?token=nope", data=form).status_code == 403
    assert client.post("/channels/ussd", data=form).status_code == 403
    assert client.post("/channels/ussd/events?token=nope", data=load_form("africastalking/ussd_session_end.form")).status_code == 403
    assert _count(UssdSession) == 0
    assert check_ussd_answer(client.post("/channels/ussd?token=s3cret", data=form)).startswith("CON ")


def test_a_repeated_callback_gets_the_same_answer_and_buys_once(client, world):
    talk = Conversation(client, world.passenger.phone)
    talk.dial()
    for value in ("1", "1", "1", "2", "1", "1", "1"):
        talk.input(value)
    confirm = talk.answer
    assert "= KES 800" in confirm and _count(Order) == 1  # one passenger, one class
    again = talk.raw("*".join(talk.history))  # the gateway retries the same step
    assert again == confirm and _count(Order) == 1
    paid = talk.input("1")
    assert paid.startswith("END ") and talk.raw("*".join(talk.history)) == paid
    assert db.session.scalar(db.select(Order.status)) == "paid"


def test_cancel_on_the_payment_screen_releases_the_seats(client, world):
    talk = Conversation(client, world.passenger.phone)
    talk.dial()
    for value in ("1", "1", "1", "2", "1", "1", "1"):
        talk.input(value)
    assert talk.input("0").startswith("CON Safiri")
    db.session.expire_all()
    assert db.session.scalar(db.select(Order.status)) != "pending_payment"


def test_incomplete_session_is_offered_again_within_five_minutes(client, world):
    talk = Conversation(client, world.passenger.phone)
    talk.dial()
    for value in ("1", "1", "1", "2"):
        talk.input(value)
    assert "seats left" in talk.answer
    talk.session_end("Incomplete")
    assert talk.dial().startswith("CON Continue where you left off?")
    resumed = talk.input("1")
    assert "seats left" in resumed and "1 08:00" in resumed
    assert "How many passengers" in talk.input("1")
    talk.session_end("Incomplete")
    talk.dial()
    assert "Safiri" in talk.input("2")  # "No, start again": the main menu
    assert talk.dial().startswith("CON Safiri")  # offered once only


def test_completed_or_expired_sessions_are_not_offered(client, world):
    talk = Conversation(client, world.passenger.phone)
    talk.dial()
    talk.input("1")
    talk.session_end("Success")
    assert talk.dial().startswith("CON Safiri")
    talk.input("1")
    talk.session_end("Incomplete")
    db.session.execute(db.update(UssdSession).values(resumable_until=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert talk.dial().startswith("CON Safiri")


def test_long_lists_page_with_more_and_back(client, world):
    for n in range(12):
        make_stop(world.carrier, f"Kitengela Mall Terminus {n:02d}", code=f"KT{n:02d}")
    db.session.commit()
    talk = Conversation(client, world.passenger.phone)
    talk.dial()
    talk.input("1")
    picked = talk.input("kit")
    assert "Which one?" in picked and "98 More" in picked and "1 Kitengela" in picked
    second = talk.input("98")
    assert "Which one?" in second and "1 Kitengela" not in second
    assert talk.input("0") == picked  # back to the first page
    # A new terminal with no trip yet: said plainly rather than offering dead ends.
    assert talk.input("1").startswith("CON No trips from Kitengela M in the next days.\n0 Back")


def test_rate_limit_per_phone_ends_politely(make_app, world):
    app = make_app(USSD_RATE_LIMIT="3 per minute")
    client = app.test_client()
    talk = Conversation(client, world.passenger.phone)
    talk.dial()
    talk.input("1")
    talk.input("1")
    assert talk.input("1") == "END Too many requests. Please wait a minute and dial again."
    other = Conversation(client, "+254722999888")  # another phone is not affected
    assert other.dial().startswith("CON ")



@needs_redis
def test_sessions_live_in_redis_when_configured(make_app):
    prefix = f"test-ussd-{uuid.uuid4().hex[:8]}:"
    app = make_app(REDIS_URL=REDIS_URL, USSD_REDIS_PREFIX=prefix, RATELIMIT_STORAGE_URI="memory://", JOBS_INLINE=True)
    redis = Redis.from_url(REDIS_URL)
    with app.app_context():
        try:
            world = build_world()
            client = app.test_client()
            for script in load_scripts("ussd_buy_mpesa_en.yaml"):
                run_script(client, script, world.passenger.phone)
            talk = Conversation(client, world.passenger.phone)
            talk.dial()
            talk.input("1")
            talk.session_end("Incomplete")
            assert talk.dial().startswith("CON Continue where you left off?")
            assert _count(UssdSession) == 0
            assert redis.keys(prefix + "s:*")
        finally:
            for key in redis.scan_iter(prefix + "*"):
                redis.delete(key)
            db.session.rollback()
            for table in reversed(db.metadata.sorted_tables):
                db.session.execute(table.delete())
            db.session.commit()


@pytest.mark.parametrize("language, word", [("1", "WITHDRAW N"), ("2", "RETIRER N"), ("3", "TOA KIASI")])
def test_the_ussd_help_names_the_withdraw_command_in_each_language(client, world, language, word):
    talk = Conversation(client, world.passenger.phone)
    talk.dial()
    talk.input("5")  # Language / help
    talk.input(language)  # speak it from now on
    talk = Conversation(client, world.passenger.phone)
    talk.dial()
    talk.input("5")
    assert word in talk.input("4")  # Help
