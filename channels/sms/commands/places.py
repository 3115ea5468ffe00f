"""Reading "where from, where to, when" out of the words after BUY, forgivingly.

Multi-word names ("KISUMU CITY") are tried at each split, first as typed, then with near
misses; "FROM A TO B" and "A-B" read as "A B". A place not understood is named in the
reply, with the one place it is close to when there is one. Every split is read against
one ``app.sales.places.Places`` index (one query), never a lookup per split.
"""
from __future__ import annotations

import re
from datetime import date, timedelta

from app.sales.places import Places, fold_place
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


def _place(text: str, places: Places, keys: dict[str, str], fuzzy: bool) -> tuple[str | None, str | None]:
    """``(place to search, None)`` when ``text`` is a place (or, if ``fuzzy``, one near miss of one).

    Otherwise ``(None, name it is less close to)`` or ``(None, None)``.
    """
    if text in places:
        return text, None
    if not fuzzy:
        return None, None
    key, ratio = close_match(fold_place(text), keys)
    if key is None:
        return None, None
    return (key, None) if ratio >= ACT_RATIO else (None, fold_keyword(places.names[key]))


def split_places(words: list[str], places: Places) -> tuple[str, str]:
    """Two places from the words, or ``PlaceNotUnderstood`` naming the part not understood.

    Linear in the words: every cut is tried, but a side longer than any place name (plus
    one word, for a near miss that splits a name) is not a place and is not looked up, so
    only a bounded number of sides are compared with ``places`` (no query here at all).
    """
    if len(words) > 2 and words[0] in FROM_WORDS:
        words = words[1:]
    total = len(words)
    cuts = []  # (end of the origin, start of the destination), as word positions
    for cut in range(1, total):
        if words[cut] in TO_WORDS and cut + 1 < total:
            cuts.append((cut, cut + 1))
        cuts.append((cut, cut))
    longest = places.max_words + 1
    keys = {key: key for key in places.names}

    def side(start: int, end: int, fuzzy: bool) -> tuple[str | None, str | None]:
        if end - start > longest:
            return None, None
        return _place(" ".join(words[start:end]), places, keys, fuzzy)

    for fuzzy in (False, True):
        best = (-1, False, (0, total), None)  # (sides understood, has a hint, words to name, hint)
        for origin_end, destination_start in cuts:
            origin, origin_hint = side(0, origin_end, fuzzy)
            destination, destination_hint = side(destination_start, total, fuzzy)
            if origin and destination:
                return origin, destination
            span, hint = ((0, origin_end), origin_hint) if not origin else ((destination_start, total), destination_hint)
            if not origin and not destination and not origin_hint:
                span, hint = ((0, total), None) if not destination_hint else ((destination_start, total), destination_hint)
            best = max(best, (bool(origin) + bool(destination), bool(hint), span, hint),
                       key=lambda option: option[:2])
    start, end = best[2]
    raise PlaceNotUnderstood(" ".join(words[start:end]), best[3])


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
