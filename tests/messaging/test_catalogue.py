"""The message catalogue: every message exists in every language, and nothing else does.

A message missing from one language would reach that passenger in English; an extra one
is a typo in a key that code never asks for. A translation made from an older English text
(its ``msgid`` differs from the English file's) must be reviewed, so it fails here too.
"""
from __future__ import annotations

import string

import pytest

from app.messaging import LANGUAGES, is_gsm7, t, text
from app.messaging.catalogue import catalogue, entry, keys, po_path


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _texts(message) -> tuple[str, ...]:
    return message.text if isinstance(message.text, tuple) else (message.text,)


def test_english_is_the_reference_and_leaves_msgstr_empty():
    english = catalogue("en")[0]
    assert len(english) > 100
    for key, message in english.items():
        assert all(not s for s in _texts(message)), f"en/{key}: the English text is the msgid, msgstr stays empty"


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "en"])
def test_every_message_exists_in_every_language_and_no_other(language):
    english, translated = catalogue("en")[0], catalogue(language)[0]
    assert set(translated) - set(english) == set(), f"{language}: messages English does not have"
    assert set(english) - set(translated) == set(), f"{language}: messages missing"
    for key, source in english.items():
        message = translated[key]
        assert (message.source, message.plural) == (source.source, source.plural), (
            f"{language}/{key} was translated from another English text: review it and copy the new msgid")
        assert all(_texts(message)), f"{language}/{key} is not translated"
        assert "fuzzy" not in message.flags, f"{language}/{key} is marked fuzzy"
        for form in _texts(message):
            assert _fields(form) <= _fields(source.source) | _fields(source.plural or "") | {"n"}, (language, key)


def test_placeholders_are_the_same_in_every_language():
    for key in keys():
        english = _fields(entry(key, "en").source)
        for language in LANGUAGES[1:]:
            for form in _texts(entry(key, language)):
                assert _fields(form) == english or entry(key).plural, (language, key, form)


def _for_phones(key: str) -> bool:
    """Web pages (``fit: page``) may use any character; everything else reaches a phone."""
    return "fit: page" not in " ".join(entry(key).comments)


def test_every_text_is_gsm7():
    for key in filter(_for_phones, keys()):
        for language in LANGUAGES:
            rendered = t(key, language, n=2, **{name: "" for name in _fields(entry(key).source) - {"n"}})
            assert is_gsm7(rendered), (language, key, rendered)


def test_french_keeps_its_accents_and_uses_only_those_gsm7_has():
    assert t("resume", "fr").startswith("Reprendre où vous en étiez?")
    assert "cela n'a pas marché" in t("error_generic", "fr") or "échoué" in t("error_generic", "fr")
    for key in filter(_for_phones, keys()):
        for form in _texts(entry(key, "fr")):
            assert not set(form) & set("êâîôûçëïüÊÂÎÔÛÇ"), (key, form)


def test_a_message_is_asked_for_by_key_and_rendered_in_the_language():
    assert t("no_tickets", "sw") == "Huna tiketi inayotumika."
    assert t("no_tickets", "xx") == t("no_tickets", "en") == t("no_tickets", None)
    assert text("ticket_resent", "fr", code="ABC") == "Billet ABC envoyé par SMS."
    with pytest.raises(KeyError):
        t("no-such-message", "en")


def test_po_files_are_where_translators_look():
    for language in LANGUAGES:
        assert po_path(language).read_text(encoding="utf-8").count('msgctxt "') == len(keys())
