"""Reading an SMS: the keyword, the words after it, and the near misses we forgive.

Keywords are compared folded (case and accents ignored) in English, French and Swahili;
a keyword also reveals the sender's language (a new sender who writes ``NUNUA`` gets
Swahili replies). Texts from feature phones are forgiving-read: trailing punctuation is
dropped ("Bal."), a near-miss keyword is acted on when one candidate is close (difflib
ratio >= ``ACT_RATIO``), and only suggested ("did you mean ...?") when it is less close
(>= ``SUGGEST_RATIO``) or when acting would be irreversible (STOP, YES, WITHDRAW). Two candidates of
different meaning are never guessed between: the sender gets the help text instead.

The same rule reads the words inside a command that name a choice: a fare class
(``BUY NAIROBI NAKURU 2 STUDENT``) and a payment method (``PAY K7Q2ABCD WALLET``,
``BUY NAIROBI NAKURU 2 WALLET``); ``read_method`` is the one reading of method words.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass

from channels.i18n import LANGUAGES, fold_keyword, t

ACT_RATIO = 0.85  # "TICKET", "TIKETS" (0.92 to TICKETS), "NAIROBY" (0.86 to Nairobi)
SUGGEST_RATIO = 0.7  # "HALP" (0.75 to HELP), "NARBI" (0.83 to Nairobi); "HELLO" (0.67) is not
NEVER_GUESSED = {"stop", "yes", "withdraw"}  # opting out, confirming a cancellation, money out: typed

KEYWORDS: dict[str, dict[str, str]] = {
    # command → {keyword: language it reveals}; add, never rename (people learn them)
    "buy": {"BUY": "en", "ACHETER": "fr", "NUNUA": "sw"},
    "pay": {"PAY": "en", "PAYER": "fr", "LIPA": "sw"},
    "tickets": {"TICKETS": "en", "BILLETS": "fr", "TIKETI": "sw"},
    "history": {"HISTORY": "en", "HISTORIQUE": "fr", "HISTORIA": "sw"},
    "resend": {"RESEND": "en", "RENVOYER": "fr", "TUMA": "sw"},
    "cancel": {"CANCEL": "en", "ANNULER": "fr", "GHAIRI": "sw"},
    "balance": {"BAL": "en", "BALANCE": "en", "SOLDE": "fr", "SALIO": "sw"},
    "topup": {"TOPUP": "en", "RECHARGE": "fr", "ONGEZA": "sw"},
    "withdraw": {"WITHDRAW": "en", "RETIRER": "fr", "TOA": "sw"},
    "lang": {"LANG": "en", "LANGUE": "fr", "LUGHA": "sw"},
    "help": {"HELP": "en", "AIDE": "fr", "MSAADA": "sw"},
    "stop": {"STOP": "en"},
    "check": {"CHECK": "en"},
    "yes": {"YES": "en", "OUI": "fr", "NDIYO": "sw", "NDIO": "sw"},
}
_LOOKUP = {word: (command, lang) for command, words in KEYWORDS.items() for word, lang in words.items()}

# Fare classes (app.catalog.models.FARE_CLASSES) as a passenger may write them after BUY.
CLASS_WORDS = {
    "STANDARD": "standard", "NORMAL": "standard", "KAWAIDA": "standard",
    "STUDENT": "student", "ETUDIANT": "student", "MWANAFUNZI": "student",
    "REDUCED": "reduced", "REDUIT": "reduced", "PUNGUZO": "reduced",
}
# The word each language shows for a class, in help and "did you mean" replies.
CLASS_SHOWN = {
    "en": {"standard": "STANDARD", "student": "STUDENT", "reduced": "REDUCED"},
    "fr": {"standard": "NORMAL", "student": "ETUDIANT", "reduced": "REDUIT"},
    "sw": {"standard": "KAWAIDA", "student": "MWANAFUNZI", "reduced": "PUNGUZO"},
}
# Payment methods (app.payments.service.API_METHODS) as written after PAY <code> or in BUY.
METHOD_WORDS = {
    "MPESA": "mpesa",
    "AIRTIME": "airtime", "CREDIT": "airtime", "SIMU": "airtime", "PHONE": "airtime",
    "WALLET": "wallet", "PORTEFEUILLE": "wallet", "POCHI": "wallet",
}
METHOD_SHOWN = {
    "en": {"mpesa": "MPESA", "airtime": "AIRTIME", "wallet": "WALLET"},
    "fr": {"mpesa": "MPESA", "airtime": "CREDIT", "wallet": "PORTEFEUILLE"},
    "sw": {"mpesa": "MPESA", "airtime": "SIMU", "wallet": "POCHI"},
}


@dataclass
class Command:
    name: str  # a KEYWORDS key, "number" (a reply to a list) or "unknown"
    args: list[str]
    language: str | None  # the language the keyword revealed
    word: str = ""  # the keyword as typed (folded), named when it is not understood
    suggestion: str | None = None  # for "unknown": the one keyword it is close to


def close_match(word: str, candidates: dict[str, str]) -> tuple[str | None, float]:
    """The key of ``candidates`` (word → meaning) closest to ``word``, if only one meaning is close.

    Returns ``(key, ratio)``; ``(None, 0)`` when nothing reaches ``SUGGEST_RATIO`` or when
    close keys mean different things ("TOP": STOP or TOPUP?).
    """
    close = difflib.get_close_matches(word, list(candidates), n=5, cutoff=SUGGEST_RATIO)
    if not close or len({candidates[key] for key in close}) > 1:
        return None, 0.0
    return close[0], difflib.SequenceMatcher(None, word, close[0]).ratio()


@dataclass
class Choice:
    """A word read against a small vocabulary (class or method): what it means, or what it may mean."""

    value: str | None  # the meaning, when the word is it or close enough to act on
    suggestion: str | None = None  # the meaning it is less close to ("did you mean ...?")


def read_choice(word: str, vocabulary: dict[str, str]) -> Choice:
    """``"STUDNET"`` → ``Choice("student")``; ``"VIPP"`` → ``Choice(None)``; ``"WALET"`` → wallet."""
    word = word.replace("-", "").replace(".", "")
    if word in vocabulary:
        return Choice(vocabulary[word])
    key, ratio = close_match(word, vocabulary)
    if key is None:
        return Choice(None)
    return Choice(vocabulary[key]) if ratio >= ACT_RATIO else Choice(None, vocabulary[key])


def join_method_words(words: list[str]) -> list[str]:
    """``M PESA`` and ``M-PESA`` as one word (``MPESA``), so PAY and BUY read them alike."""
    joined: list[str] = []
    for word in words:
        if word.replace("-", "") == "MPESA":
            word = "MPESA"
        if word == "PESA" and joined and joined[-1] == "M":
            joined[-1] = "MPESA"
            continue
        joined.append(word)
    return joined


def read_method(word: str) -> Choice:
    """A payment-method word in any language, as PAY and BUY read it: ``"POCHI"`` → wallet."""
    return read_choice(word, METHOD_WORDS)


def parse(text: str) -> Command:
    """``"Acheter Nairobi Nakuru 2"`` → ``Command("buy", ["NAIROBI", "NAKURU", "2"], "fr")``."""
    words = fold_keyword(text).replace("'", "").split()
    if words:
        words[0] = words[0].strip(".,;:!?")
    if not words or not words[0]:
        return Command("unknown", [], None)
    if words[0].isdigit() and len(words) == 1:
        return Command("number", words, None)
    if words[0] in _LOOKUP:
        command, language = _LOOKUP[words[0]]
        return Command(command, words[1:], language, words[0])
    key, ratio = close_match(words[0], {word: command for word, (command, _) in _LOOKUP.items()})
    if key is None:
        return Command("unknown", words[1:], None, words[0])
    command, language = _LOOKUP[key]
    if ratio >= ACT_RATIO and command not in NEVER_GUESSED:
        return Command(command, words[1:], language, words[0])
    return Command("unknown", words[1:], None, words[0], suggestion=key)


@dataclass
class Inbound:
    """One inbound SMS as the handlers need it."""

    phone: str
    user: object  # app.auth.models.User
    link_id: str | None
    message_id: str

    @property
    def lang(self) -> str:
        return self.user.language if self.user.language in LANGUAGES else "en"

    def t(self, key: str, **values) -> str:
        return t(key, self.lang, **values)

    def money(self, value) -> str:
        """A sales ``Money`` as the sender's language writes it (``KES 1,600``, ``1 600 KES``)."""
        return value.text(self.lang)

    def class_word(self, fare_class: str) -> str:
        return CLASS_SHOWN[self.lang][fare_class]

    def method_word(self, method: str) -> str:
        return METHOD_SHOWN[self.lang][method]
