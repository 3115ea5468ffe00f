"""Runs readable USSD/SMS conversation scripts (YAML) through Flask's test client.

The format follows dialoguss: a list of steps, each sending something and checking the
answer. A script file is ``{name, phone?, steps: [...]}``; a step is one of

- ``dial: ""``             start a new session (new sessionId), optional first text
- ``input: "1"``           the next keypad input (the runner sends the joined history)
- ``raw_text: "1*x"``      send exactly this ``text`` in the current session
- ``session_end: Incomplete``  the gateway's end-of-session notification
- ``sms: "BUY NAIROBI NAKURU"``  an inbound SMS from the phone (fresh AT message id)
- ``replay_sms: true``     send the previous inbound SMS again (same id)
- ``holds: student``       the caller (created by an earlier step) now holds that concession
  (or a list of them) with every carrier: only a holder buys a student or reduced fare

with checks ``expect`` (substring or list of them), ``expect_re`` (regex), ``not_expect``
``outbox`` (substrings that SMS sent since the previous step must contain) and
``capture: {name: regex}`` (group 1 from those SMS, usable later as ``{name}``). Every USSD answer is
also checked for the protocol: 200, text/plain, ``CON``/``END``, one GSM-7 screen.
"""
from __future__ import annotations

import itertools
import re
from pathlib import Path

import yaml

from app.auth.models import User
from app.catalog.models import Carrier
from app.extensions import db
from app.messaging.models import OutboundMessage
from channels.i18n import is_gsm7
from tests.factories import hold_concessions
from tests.fixtures import load_form

SCRIPTS = Path(__file__).parent
_ids = itertools.count(1)


def load_scripts(pattern: str = "*.yaml") -> list[Path]:
    return sorted(SCRIPTS.glob(pattern))


def check_ussd_answer(response) -> str:
    body = response.get_data(as_text=True)
    assert response.status_code == 200, body
    assert response.mimetype == "text/plain", response.mimetype
    assert body.startswith(("CON ", "END ")), body
    assert len(body) - 4 <= 160, f"screen of {len(body) - 4} characters:\n{body}"
    assert is_gsm7(body), f"not GSM-7:\n{body}"
    return body


def inbox(phone: str) -> list[str]:
    """Texts of every SMS sent to ``phone``, newest first."""
    db.session.expire_all()
    return list(db.session.scalars(
        db.select(OutboundMessage.text).where(OutboundMessage.to_phone == phone).order_by(OutboundMessage.id.desc())
    ))


class Conversation:
    def __init__(self, client, phone: str, query: str = ""):
        self.client = client
        self.phone = phone
        self.query = query
        self.session_id = None
        self.history: list[str] = []
        self.last_sms: dict | None = None
        self.answer = ""

    def dial(self, text: str = "") -> str:
        self.session_id = f"ATUid_test{next(_ids):06d}"
        self.history = [text] if text else []
        return self._post(text)

    def input(self, value: str) -> str:
        self.history.append(str(value))
        return self._post("*".join(self.history))

    def raw(self, text: str) -> str:
        return self._post(text)

    def _post(self, text: str) -> str:
        form = load_form("africastalking/ussd_later.form")
        form.update(sessionId=self.session_id, phoneNumber=self.phone, text=text)
        self.answer = check_ussd_answer(self.client.post("/channels/ussd" + self.query, data=form))
        return self.answer

    def session_end(self, status: str) -> None:
        form = load_form("africastalking/ussd_session_end.form")
        form.update(sessionId=self.session_id, phoneNumber=self.phone, status=status, input="*".join(self.history))
        response = self.client.post("/channels/ussd/events" + self.query, data=form)
        assert response.status_code == 200

    def sms(self, text: str, message_id: str | None = None) -> None:
        form = load_form("africastalking/sms_inbound.form")
        form.update({"from": self.phone, "text": text, "id": message_id or f"ATXid_test{next(_ids):06d}"})
        self.last_sms = form
        response = self.client.post("/channels/sms/inbound" + self.query, data=form)
        assert response.status_code == 200, response.get_data(as_text=True)

    def replay_sms(self) -> None:
        response = self.client.post("/channels/sms/inbound" + self.query, data=self.last_sms)
        assert response.status_code == 200


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def run_script(client, path: Path, default_phone: str) -> None:
    script = yaml.safe_load(path.read_text(encoding="utf-8"))
    talk = Conversation(client, script.get("phone", default_phone))
    seen = len(inbox(talk.phone))
    captured: dict[str, str] = {}
    for number, step in enumerate(script["steps"], 1):
        where = f"{path.name} step {number} {step}"
        shown = None
        if "dial" in step:
            shown = talk.dial(step["dial"] or "")
        elif "input" in step:
            shown = talk.input(str(step["input"]).format_map(captured))
        elif "raw_text" in step:
            shown = talk.raw(step["raw_text"])
        elif "session_end" in step:
            talk.session_end(step["session_end"])
        elif "sms" in step:
            talk.sms(step["sms"].format_map(captured))
        elif step.get("replay_sms"):
            talk.replay_sms()
        elif "holds" in step:
            caller = db.session.scalar(db.select(User).where(User.phone == talk.phone))
            for carrier in db.session.scalars(db.select(Carrier)):
                hold_concessions(caller, carrier, tuple(_as_list(step["holds"])))
            db.session.commit()
        for expected in _as_list(step.get("expect", [])):
            assert expected in (shown or ""), f"{where}: expected {expected!r} in\n{shown}"
        for pattern in _as_list(step.get("expect_re", [])):
            assert re.search(pattern, shown or "", re.S), f"{where}: expected /{pattern}/ in\n{shown}"
        for unwanted in _as_list(step.get("not_expect", [])):
            assert unwanted not in (shown or ""), f"{where}: did not expect {unwanted!r} in\n{shown}"
        if "outbox" in step:  # the SMS this step caused (new since the previous step)
            texts = inbox(talk.phone)
            new, seen = texts[: len(texts) - seen], len(texts)
            for expected in _as_list(step["outbox"]):
                assert any(expected in text for text in new), f"{where}: expected {expected!r} in SMS\n{new}"
            for name, pattern in (step.get("capture") or {}).items():
                found = [m.group(1) for text in new if (m := re.search(pattern, text))]
                assert found, f"{where}: nothing matches /{pattern}/ in SMS\n{new}"
                captured[name] = found[0]
        else:
            seen = len(inbox(talk.phone)) if ("sms" in step or "input" in step or "dial" in step) else seen
