"""A long SMS is read in bounded work: few SQL statements whatever the text, and a text
longer than a person writes (``MAX_COMMAND_TEXT``) gets the help reply, changing nothing.

Why: ``BUY `` + ``A ``×800 once took 4-8 s of a web worker (a stop lookup per way of
splitting the words into two places); 8,000 characters killed the worker by timeout.
"""
from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from app.extensions import db
from app.messaging import t
from channels.sms.inbound import MAX_COMMAND_TEXT
from channels.sms.models import SmsPending
from tests.channels.scripts.runner import inbox
from tests.fixtures import load_form


@contextmanager
def counted_statements():
    """The SQL statements the block sends (a list that fills while it runs)."""
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _send(client, text: str, n: int = 1):
    form = dict(load_form("africastalking/sms_inbound.form"), id=f"ATXid_long_{n}", text=text)
    with counted_statements() as statements:
        response = client.post("/channels/sms/inbound", data=form)
    assert response.status_code == 200
    return statements


# The most words a BUY within the bound can carry: every one of them a possible split
# point, and "A" is also the French "to" between two places.
def _longest_buy(filler: str) -> str:
    words = (MAX_COMMAND_TEXT - len("BUY")) // len(filler)
    return "BUY" + filler * words


@pytest.mark.parametrize("filler", [" A", " NAIROBI", " NAIROBI A NAKURU", " NAIROBY"])
def test_the_longest_buy_takes_a_bounded_number_of_statements(client, world, filler):
    text = _longest_buy(filler)
    statements = _send(client, text)
    assert len(statements) <= 12, f"{len(statements)} statements for a {len(text)}-character BUY"
    assert inbox(world.passenger.phone)  # answered: a place not understood


def test_a_buy_that_lists_trips_takes_as_many_statements_as_before(client, world):
    """The one index query replaces the two stop lookups of a short BUY; the search is unchanged."""
    statements = _send(client, "BUY NAIROBI NAKURU")
    assert "1 " in inbox(world.passenger.phone)[0]
    assert len(statements) <= 25, len(statements)  # 25 before the index


@pytest.mark.parametrize("text", ["BUY" + " A" * 800, "BUY NAIROBI NAKURU " + "x" * 8000])
def test_an_over_long_message_gets_the_help_reply_and_changes_nothing(client, world, text):
    statements = _send(client, text)
    assert inbox(world.passenger.phone) == [t("sms_help_commands", world.passenger.language)]
    assert db.session.scalar(db.select(db.func.count()).select_from(SmsPending)) == 0
    assert len(statements) <= 12, len(statements)
