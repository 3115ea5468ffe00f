"""Every USSD screen of every language fits one GSM-7 screen, rendered with worst-case values.

The values are the longest realistic ones (long terminal names with accents, the largest
prices, ten passengers, the longest error line), so a new text or language that does not
fit fails here rather than on a passenger's phone.
"""
import string
from datetime import datetime
from types import SimpleNamespace

import pytest

from app.messaging.catalogue import entry as catalogue_entry
from app.messaging.catalogue import keys, templates
from app.sales.common import Money
from channels.i18n import LANGUAGES, gsm7, is_gsm7, t
from channels.ussd import choosing, paying, tickets
from channels.ussd.engine import Ctx
from channels.ussd.menus import SCREENS
from channels.ussd.screens import MAX_SCREEN, Picker

LONG_CITY = "Mtwapa Kisauni Ferry Côte Terminal Annex"
LONG_CARRIER = "Modern Coast Express Luxury Shuttle Ltd"
WORST_ERROR = max(
    [t(key, lang, minutes=60, low="KES 15,000,000.00", high="KES 15,000,000.00", amount="KES 15,000,000.00")
     for key in keys() if key.startswith("error:") for lang in LANGUAGES]
    + [t("payment_failed", lang, reason="x" * 80) for lang in LANGUAGES],
    key=len,
)


def _worst_data() -> dict:
    offer = {
        "trip_id": 1, "origin_stop_id": 1, "destination_stop_id": 2, "time": "23:59", "carrier": LONG_CARRIER,
        "seats": 100, "prices": {"standard": 15_000_050, "student": 12_000_050, "reduced": 7_500_050},
        "currency": "KES",
    }
    return {
        "origin": LONG_CITY, "destination": LONG_CITY + " West", "matches": [LONG_CITY + f" {i}" for i in range(8)],
        "day": "2026-09-30", "offers": [offer] * 12, "offer": 0, "count": 10, "fare_class": "student",
        "order_id": 1, "ticket_id": 1, "balance": "KES 15,000,000.00", "currency": "KES",
        "quote": {"code": "ABCDE-FGHJK", "amount": "KES 1,500,000.50", "percent": 100},
        "resume": {"screen": "buy_trip"}, "withdraw": 999_999_999,
    }


@pytest.fixture
def worst(app, monkeypatch):
    monkeypatch.setattr(paying, "order_view", lambda ctx: SimpleNamespace(
        total=Money(150_000_050, "KES"), code="ABCDEFGH", origin_name=LONG_CITY, destination_name=LONG_CITY + " West",
        departure_local=datetime(2026, 9, 30, 23, 59)))
    monkeypatch.setattr(tickets, "my_ticket", lambda ctx: None)
    monkeypatch.setattr(tickets, "ticket_view", lambda ticket, lang: {
        "code": "ABCDE-FGHJK", "route": "NBO-KSM-LONG-MSA-LONG", "when": "30 Sep 23:59", "seat": "12A-UPPR"})
    monkeypatch.setattr(choosing, "cities", lambda ctx, exclude=None: [(LONG_CITY + f" {i}", "x") for i in range(20)])
    monkeypatch.setattr(choosing, "destinations", lambda ctx, limit=6: [(LONG_CITY + f" {i}", "x") for i in range(limit)])
    monkeypatch.setattr(tickets, "tickets", lambda ctx: [SimpleNamespace(id=i) for i in range(20)])
    monkeypatch.setattr(tickets, "cancellable", lambda ctx: [SimpleNamespace(id=i) for i in range(20)])


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", sorted(SCREENS))
def test_every_screen_fits_one_gsm7_screen(worst, name, language):
    screen = SCREENS[name]
    state = {"lang": language, "screen": name, "stack": [], "page": 0, "items": [], "data": _worst_data()}
    ctx = Ctx(state, "+254711000111")
    if isinstance(screen, Picker) or screen.on_enter is None:
        screen.enter(ctx)
    pages = screen.pages(ctx) if isinstance(screen, Picker) else [None]
    for page in range(len(pages)):
        state["page"] = page
        for error in (None, WORST_ERROR):
            shown = gsm7(screen.render(ctx, error))
            assert len(shown) <= MAX_SCREEN, f"{name}/{language}/page {page}: {len(shown)} chars\n{shown}"
            assert is_gsm7(shown), shown
    if isinstance(screen, Picker) and len(state["items"]) > 1 and len(pages) > 1:
        assert "98" in gsm7(screen.render(ctx, None)) or page == len(pages) - 1


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", sorted(n for n, s in SCREENS.items() if isinstance(s, Picker) and s.empty))
def test_every_empty_list_fits_one_gsm7_screen(worst, monkeypatch, name, language):
    """A list with nothing in it ("no trips from ...") is a screen too."""
    monkeypatch.setattr(SCREENS[name], "items", lambda ctx: [])
    state = {"lang": language, "screen": name, "stack": [], "page": 0, "items": [], "data": _worst_data()}
    ctx = Ctx(state, "+254711000111")
    SCREENS[name].enter(ctx)
    for error in (None, WORST_ERROR):
        shown = gsm7(SCREENS[name].render(ctx, error))
        assert len(shown) <= MAX_SCREEN and is_gsm7(shown), shown


END_TEXTS = ["paid_mpesa", "paid_airtime", "paid_wallet", "topup_started", "ticket_resent", "cancelled",
             "help_ussd", "rate_limited", "error_generic", "bye", "withdrawal_started", "withdrawal_by_hand",
             "cancelled_mpesa"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_closing_screens_fit(language):
    values = {"code": "ABCDE-FGHJK", "amount": "KES 15,000,000.00", "fee": "KES 15,000,000.00",
              "balance": "KES 15,000,000.00"}
    for key in END_TEXTS:
        text = t(key, language, **values)
        assert len(text) <= MAX_SCREEN and is_gsm7(text), (key, text)


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_text_exists_in_every_language_with_the_same_placeholders():
    for key in (k for k in keys() if "fit: page" not in " ".join(catalogue_entry(k).comments)):  # web pages: any character
        entry = templates(key)
        assert set(entry) == set(LANGUAGES), key
        assert len({frozenset(_fields(v)) for v in entry.values()}) == 1, key
        for text in entry.values():
            assert is_gsm7(text.format(**{name: "" for name in _fields(text)})), (key, text)


def test_gsm7_replaces_what_a_feature_phone_cannot_show():
    assert gsm7("Mérû Côte d'Ivoire") == "Mérû Cote d'Ivoire".replace("û", "u")
    assert is_gsm7(gsm7("Ça coûte 5€ — 😀"))
    assert gsm7("Kisumu") == "Kisumu"


def test_every_menu_choice_names_an_existing_screen():
    for screen in SCREENS.values():
        for action in getattr(screen, "choices", {}).values():
            assert callable(action) or action in SCREENS, (screen.name, action)
