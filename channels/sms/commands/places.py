"""Reading "where from, where to, when" out of the words after BUY, forgivingly.

Multi-word names ("KISUMU CITY") are tried at each split, first as typed, then with near
misses; "FROM A TO B" and "A-B" read as "A B". A place not understood is named in the
reply, with the one place it is close to when there is one.
"""
from __future__ import annotations

import re
from datetime import date, timedelta

from app.sales.places import fold_place, is_place, place_names
from channels.i18n import fold_keyword
from channels.sms.commands.parse import ACT_RATIO, close_match

FROM_WORDS = {"FROM", "DE", "DEPUIS", "KUTOKA"}  # before the origin: dropped
TO_WORDS = {"TO", "A", "VERS", "KWENDA", "HADI", "MPAKA"}  # between the two places
TODAY_WORDS = {"TODAY", "AUJOURDHUI", "LEO"}
TOMORROW_WORDS = {"TOMORROW", "DEMAIN", "KESHO"}
DATE = re.compile(r"^(\d{1,2})[/.-]?(\d{2})$")


class PlaceNotUnderstood(Exception):
    """What to name in the reply: the words not understood and, maybe, the place meant."""

    def __init__(self, word: str, suggestion: str | None = None):
        super().__init__(word)
        self.word, self.suggestion = word, suggestion


def _place(text: str, keys, fuzzy: bool) -> tuple[str | None, str | None]:
    """``(place to search, None)`` when ``text`` is a place (or, if ``fuzzy``, one near miss of one).

    Otherwise ``(None, name it is less close to)`` or ``(None, None)``.
    """
    if is_place(text):
        return text, None
    if not fuzzy:
        return None, None
    names = keys()  # read only when a word is not a place as typed
    key, ratio = close_match(fold_place(text), {key: key for key in names})
    if key is None:
        return None, None
    return (key, None) if ratio >= ACT_RATIO else (None, fold_keyword(names[key]))


def split_places(words: list[str]) -> tuple[str, str]:
    """Two places from the words, or ``PlaceNotUnderstood`` naming the part not understood."""
    if len(words) > 2 and words[0] in FROM_WORDS:
        words = words[1:]
    cuts = []
    for cut in range(1, len(words)):
        if words[cut] in TO_WORDS and cut + 1 < len(words):
            cuts.append((" ".join(words[:cut]), " ".join(words[cut + 1:])))
        cuts.append((" ".join(words[:cut]), " ".join(words[cut:])))
    loaded: dict[str, str] = {}

    def keys() -> dict[str, str]:
        if not loaded:
            loaded.update(place_names())
        return loaded

    for fuzzy in (False, True):
        best = (-1, False, " ".join(words), None)  # (sides understood, has a hint, word to name, hint)
        for origin_text, destination_text in cuts:
            origin, origin_hint = _place(origin_text, keys, fuzzy)
            destination, destination_hint = _place(destination_text, keys, fuzzy)
            if origin and destination:
                return origin, destination
            word, hint = (origin_text, origin_hint) if not origin else (destination_text, destination_hint)
            if not origin and not destination and not origin_hint:
                word, hint = (" ".join(words), None) if not destination_hint else (destination_text, destination_hint)
            best = max(best, (bool(origin) + bool(destination), bool(hint), word, hint),
                       key=lambda option: option[:2])
    raise PlaceNotUnderstood(best[2], best[3])


def parse_day(word: str, today: date) -> date | None:
    """TODAY/TOMORROW in three languages, or ``DDMM`` (``0512``, ``5/12``); a past date means next year."""
    if word in TODAY_WORDS:
        return today
    if word in TOMORROW_WORDS:
        return today + timedelta(days=1)
    match = DATE.match(word)
    if not match:
        return None
    try:
        day = date(today.year, int(match.group(2)), int(match.group(1)))
    except ValueError:
        return None
    return day if day >= today else day.replace(year=today.year + 1)
