"""The message catalogue: every text a person receives, in every language we speak.

Why gettext ``.po`` files: a translator opens ``locale/<lang>/LC_MESSAGES/messages.po`` in
any PO editor and sees the English source next to their text; plural forms follow each
language's own rule (``Plural-Forms``). Each message is identified by its context
(``msgctxt``, e.g. ``home``, ``stk_fail_1032``): code asks for the key, never for an English
sentence, so correcting the English does not touch the code. The English text is the
``msgid`` (``en/messages.po`` leaves ``msgstr`` empty: the source is the translation).

The files are read with Babel when first needed (no build step, no network) and compiled
in memory to the standard library's gettext objects.
"""
from __future__ import annotations

import io
import threading
from dataclasses import dataclass
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from app.messaging.formats import localize
from app.messaging.gsm import gsm7

LANGUAGES = ("en", "fr", "sw")
DEFAULT_LANGUAGE = "en"
# How each language names itself on a menu (GSM-7: "Français" would need a "ç").
LANGUAGE_NAMES = {"en": "English", "fr": "Francais", "sw": "Kiswahili"}
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "messages"


@dataclass(frozen=True)
class Message:
    """One catalogue entry as a language has it (``plural`` only for plural messages)."""

    key: str
    source: str
    plural: str | None
    text: str | tuple[str, ...]
    comments: tuple[str, ...]
    flags: frozenset[str]


_lock = threading.Lock()
_loaded: dict[str, tuple[dict[str, Message], Translations]] = {}


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def _load(language: str) -> tuple[dict[str, Message], Translations]:
    with po_path(language).open("rb") as handle:
        catalog = read_po(handle, locale=language, domain=DOMAIN)
    entries = {}
    for message in catalog:
        if not message.id or message.context is None:
            continue  # the header
        source, plural = (message.id if isinstance(message.id, str) else message.id[0]), None
        if not isinstance(message.id, str):
            plural = message.id[1]
        text = message.string if isinstance(message.string, str) else tuple(message.string)
        entries[message.context] = Message(message.context, source, plural, text,
                                           tuple(message.auto_comments), frozenset(message.flags))
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return entries, Translations(buffer, domain=DOMAIN)


def catalogue(language: str) -> tuple[dict[str, Message], Translations]:
    """The entries and gettext translations of ``language``, read once per process."""
    found = _loaded.get(language)
    if found is None:
        with _lock:
            found = _loaded.get(language) or _load(language)
            _loaded[language] = found
    return found


def load_all() -> None:
    """Read every language now (at app start), so a broken ``.po`` fails fast."""
    for language in LANGUAGES:
        catalogue(language)


def lang_or_default(language: str | None) -> str:
    """``language`` when we speak it, else English."""
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def keys() -> list[str]:
    """Every message key, in catalogue order (the English file is the reference)."""
    return list(catalogue(DEFAULT_LANGUAGE)[0])


def has(key: str) -> bool:
    return key in catalogue(DEFAULT_LANGUAGE)[0]


def entry(key: str, language: str | None = DEFAULT_LANGUAGE) -> Message:
    """The raw entry of ``key`` in ``language`` (KeyError when no such message)."""
    return catalogue(lang_or_default(language))[0][key]


def template(key: str, language: str | None, n: int | None = None) -> str:
    """The unformatted text of ``key`` in ``language`` (English where a translation is missing)."""
    source = catalogue(DEFAULT_LANGUAGE)[0][key]
    translations = catalogue(lang_or_default(language))[1]
    if source.plural is not None:
        return translations.npgettext(key, source.source, source.plural, 1 if n is None else n)
    return translations.pgettext(key, source.source)


def text(key: str, language: str | None, n: int | None = None, **values) -> str:
    """The message ``key`` in ``language`` with ``values`` filled in, as it is (pages, API).

    ``Amount``, ``Day`` and ``Moment`` values are written as ``language`` writes them.
    """
    shown = {name: localize(value, language) for name, value in values.items()}
    return template(key, language, n).format(n=n, **shown)


def t(key: str, language: str | None, n: int | None = None, **values) -> str:
    """The message ``key`` in ``language`` for a phone (SMS, USSD): values made GSM-7 safe.

    ``n`` picks the plural form of a plural message (and fills ``{n}``); ``Amount``, ``Day``
    and ``Moment`` values are written as ``language`` writes them.
    """
    safe = {name: gsm7(str(localize(value, language))) for name, value in values.items()}
    return template(key, language, n).format(n=n, **safe)


def error_text(error: Exception, language: str | None) -> str:
    """A short line for a domain error (its ``slug``); a generic apology for anything else.

    An error with ``message_values`` (a dict) fills its message's placeholders with them
    (``too-many-prompts`` says in how many minutes to try again).
    """
    slug = getattr(error, "slug", None)
    key = f"error:{slug}"
    if not (slug and has(key)):
        return t("error_generic", language)
    return t(key, language, **(getattr(error, "message_values", None) or {}))


def templates(key: str) -> dict[str, str]:
    """``{language: unformatted text}`` of a (singular) message, for tests and reviews."""
    return {language: template(key, language) for language in LANGUAGES}
