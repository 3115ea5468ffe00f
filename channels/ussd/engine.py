"""The USSD state machine: (stored state + the gateway's ``text``) → the next screen.

Africa's Talking sends the whole input history of a session joined by ``*`` on every
step. The stored state remembers how many inputs were already handled (``consumed``), so
a step handles only the new ones, and a repeated callback (same ``text``; a gateway
retry) gets the stored answer again without acting twice. A session we do not know that
arrives with history (state lost, another gateway) starts at the main menu: nothing it
typed before is acted upon, which is the only safe reading.

Navigation keys are the same on every screen: ``00`` main menu, ``0`` back (or the
previous page), ``98`` next page. Everything else goes to the screen's handler.
"""
from __future__ import annotations

import logging


from app.auth.models import User
from app.sales.callers import AccountInactive, caller_for_phone
from app.core.phone import mask_phone
from app.errors import ApiError
from app.extensions import db
from app.sales.orders import unpaid_order_to_retry
from channels.i18n import error_text, gsm7, lang_or_default, t
from channels.ussd.menus import SCREENS
from channels.ussd.screens import MAX_SCREEN, End, Go, Picker, Stay

log = logging.getLogger(__name__)

MAX_NEW_INPUTS = 20  # a legitimate step adds one; a flood is answered, not replayed
HOME, MORE, BACK = "00", "98", "0"


class Ctx:
    """What a handler sees: the session state, the caller's phone and (lazily) their user."""

    def __init__(self, state: dict, phone: str):
        self.state = state
        self.phone = phone
        self._user = None

    @property
    def lang(self) -> str:
        return lang_or_default(self.state.get("lang"))

    @property
    def data(self) -> dict:
        return self.state.setdefault("data", {})

    @property
    def user(self) -> User | None:
        if self._user is None:
            self._user = caller_for_phone(self.phone, create=False)
        return self._user

    def ensure_user(self) -> User:
        """The caller as a passenger, created on first purchase or language choice."""
        if self.user is None:
            self._user = caller_for_phone(self.phone, language=self.lang)
        return self._user

    def t(self, key: str, **values) -> str:
        return t(key, self.lang, **values)


def _screens():
    return SCREENS


def split_inputs(text: str | None) -> list[str]:
    """``"1*2*Nai"`` → ``["1", "2", "Nai"]``; the first request's empty text → ``[]``."""
    if not text:
        return []
    return [part.strip() for part in text.split("*")]


def answer(store, *, session_id: str, phone: str, text: str | None) -> str:
    """The full ``CON …``/``END …`` answer to one callback; state saved before returning."""
    inputs = split_inputs(text)
    try:
        caller = caller_for_phone(phone, create=False)
    except AccountInactive as refused:  # checked on every step: a pause applies at once
        db.session.rollback()
        log.info("ussd refused for an inactive account (%s)", mask_phone(phone))
        return "END " + t("account_inactive", refused.language)
    with store.lock(session_id):
        state = store.load(session_id)
        if state is None:
            state = _new_state(store, phone, consumed=len(inputs), user=caller)
            reply = _render(state, phone)
        elif state.get("phone") != phone:  # a session id reused by another phone: refuse
            log.warning("ussd session %s answered for another phone %s", session_id, mask_phone(phone))
            return "END " + t("error_generic", state.get("lang"))
        elif len(inputs) <= state["consumed"] or state.get("ended"):
            reply = state["last"]  # a repeated callback: same answer, nothing done twice
        else:
            fresh = inputs[state["consumed"]:]
            if len(fresh) > MAX_NEW_INPUTS:
                fresh = fresh[-1:]
            for value in fresh:
                reply = _step(state, phone, value)
                if state.get("ended"):
                    break
            state["consumed"] = len(inputs)
        state["last"] = reply
        store.save(session_id, phone, state)
    return reply


def session_ended(store, *, session_id: str, phone: str, status: str) -> bool:
    """End-of-session notification: an ``Incomplete`` session mid-flow may be resumed."""
    if status != "Incomplete":
        return False
    state = store.load(session_id)
    if state is None or state.get("ended") or state.get("phone") != phone:
        db.session.rollback()
        return False
    screen = _screens().get(state.get("screen"))
    if screen is None or not screen.resumable:
        db.session.rollback()
        return False
    snapshot = {k: state.get(k) for k in ("screen", "stack", "page", "items", "data", "lang")}
    store.mark_resumable(session_id, phone, snapshot)
    return True


def _new_state(store, phone: str, consumed: int, user: User | None) -> dict:
    """A session's first state; ``user``: the caller, as ``answer`` just read it (or None)."""
    state = {
        "phone": phone, "lang": user.language if user else "en", "screen": "home", "stack": [],
        "page": 0, "items": [], "data": {}, "consumed": consumed, "error": None, "ended": False,
    }
    snapshot = store.take_resume(phone) if consumed == 0 else None
    if snapshot:
        state["screen"] = "resume"
        state["data"] = {"resume": snapshot}
    elif user is None:
        state["screen"] = "lang_first"
    elif consumed == 0 and user.is_active:
        retry = unpaid_order_to_retry(user)  # its payment failed: name it, offer to pay it now
        if retry is not None:
            state["screen"] = "unpaid"
            state["data"] = {"order_id": retry.id}
    _enter(state, phone)
    return state


def _enter(state: dict, phone: str) -> None:
    state["page"] = 0
    state["items"] = []
    _screens()[state["screen"]].enter(Ctx(state, phone))


def _go_home(state: dict, phone: str) -> None:
    state["stack"] = []
    state["screen"] = "home"
    _enter(state, phone)


def _step(state: dict, phone: str, value: str) -> str:
    """Apply one input to ``state``; return the answer it produces."""
    screens = _screens()
    screen = screens.get(state["screen"]) or screens["home"]
    state["error"] = None
    ctx = Ctx(state, phone)
    saved = {k: state.get(k) for k in ("screen", "page", "items")}
    saved["stack"] = list(state.get("stack") or [])
    try:
        if value == HOME and screen.name != "lang_first":
            _go_home(state, phone)
        elif value == MORE and isinstance(screen, Picker) and screen.has_next_page(ctx):
            state["page"] += 1
        elif value == BACK and screen.back:
            if isinstance(screen, Picker) and state.get("page", 0) > 0:
                state["page"] -= 1
            elif state["stack"]:
                state["screen"] = state["stack"].pop()
                _enter(state, phone)
            else:
                _go_home(state, phone)
        else:
            outcome = screen.handle(ctx, value)
            if isinstance(outcome, End):
                state["ended"] = True
                return "END " + _fit(gsm7(outcome.text))
            if isinstance(outcome, Stay):
                state["error"] = outcome.error
            elif isinstance(outcome, Go):
                _go(state, phone, screen.name, outcome)
    except ApiError as exc:  # a domain rule said no: same screen, one short line why
        db.session.rollback()
        log.info("ussd %s: %s (%s)", screen.name, exc.slug, mask_phone(phone))
        state.update(saved)
        state["error"] = error_text(exc, ctx.lang)
    return _render(state, phone)


def _go(state: dict, phone: str, current: str, outcome: Go) -> None:
    if outcome.screen == "home":
        _go_home(state, phone)
        return
    if outcome.push and current not in ("resume", "lang_first"):
        state["stack"].append(current)
    state["screen"] = outcome.screen
    if outcome.enter:
        _enter(state, phone)


def _render(state: dict, phone: str) -> str:
    screen = _screens()[state["screen"]]
    return "CON " + _fit(gsm7(screen.render(Ctx(state, phone), state.get("error"))))


def _fit(text: str) -> str:
    """Last guard: never send more than a screen holds (templates are tested to fit)."""
    if len(text) <= MAX_SCREEN:
        return text
    log.error("ussd screen over %d characters, cut: %r", MAX_SCREEN, text[:40])
    return text[:MAX_SCREEN]
