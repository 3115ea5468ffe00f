"""Africa's Talking SMS backend (official SDK 2.0.3), with the SDK's quirks smoothed over.

Plain Python: no Flask, no database. The caller (the SMS job) decides what to do with
``SmsGatewayError.retryable`` and with each recipient's ``RecipientStatus``.
"""
from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import requests
from africastalking.Service import AfricasTalkingException
from africastalking.SMS import SMSService

__all__ = [
    "AfricasTalkingSms",
    "RecipientStatus",
    "SmsGatewayError",
    "StatusInfo",
    "STATUS_CODES",
    "classify",
]

log = logging.getLogger(__name__)

_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


class SmsGatewayError(Exception):
    """The gateway call failed as a whole (no per-recipient answer to go by).

    ``retryable`` says whether sending again is both useful and safe: False when the
    gateway may already have accepted the message and a retry could duplicate it (which,
    for premium SMS, would charge the subscriber twice) or when retrying cannot help.
    """

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


@dataclass(frozen=True)
class StatusInfo:
    name: str
    accepted: bool
    retryable: bool


#: Per-recipient ``statusCode`` values of POST /version1/messaging. Accepted ones will get a
#: delivery report later; of the others, only the ones a later attempt could fix are
#: retryable (balance topped up, gateway back) - a blacklisted or invalid number never is.
STATUS_CODES: dict[int, StatusInfo] = {
    100: StatusInfo("Processed", True, False),
    101: StatusInfo("Sent", True, False),
    102: StatusInfo("Queued", True, False),
    401: StatusInfo("RiskHold", False, False),
    402: StatusInfo("InvalidSenderId", False, False),
    403: StatusInfo("InvalidPhoneNumber", False, False),
    404: StatusInfo("UnsupportedNumberType", False, False),
    405: StatusInfo("InsufficientBalance", False, True),
    406: StatusInfo("UserInBlacklist", False, False),
    407: StatusInfo("CouldNotRoute", False, True),
    409: StatusInfo("DoNotDisturbRejection", False, False),
    500: StatusInfo("InternalServerError", False, True),
    501: StatusInfo("GatewayError", False, True),
    502: StatusInfo("RejectedByGateway", False, False),
}


def classify(status_code: int | None) -> StatusInfo:
    """Status info for a code; unknown codes are neither accepted nor retried (no duplicates)."""
    if status_code is not None and status_code in STATUS_CODES:
        return STATUS_CODES[status_code]
    return StatusInfo(f"Unknown({status_code})", False, False)


@dataclass(frozen=True)
class RecipientStatus:
    """What the gateway said about one recipient of a send."""

    number: str
    status: str
    status_code: int | None
    message_id: str | None
    cost: str | None

    @property
    def accepted(self) -> bool:
        return classify(self.status_code).accepted

    @property
    def retryable(self) -> bool:
        return classify(self.status_code).retryable


class AfricasTalkingSms:
    """Send (and premium-send) SMS through Africa's Talking.

    The SDK's ``africastalking.initialize`` stores services in module globals, which would
    make two accounts (or tests) in one process overwrite each other; an ``SMSService`` is
    built per instance instead. Username ``sandbox`` selects the sandbox (the SDK decides).
    """

    name = "africastalking"  # recorded on each OutboundMessage.backend

    def __init__(
        self,
        username: str,
        api_key: str,
        sender_id: str | None = None,
        short_code: str | None = None,
        timeout: float | tuple[float, float] = 10,
        base_url: str | None = None,
    ) -> None:
        if not isinstance(username, str) or not username.strip():
            raise ValueError("AfricasTalkingSms needs a username")
        if not isinstance(api_key, str) or not api_key.strip():
            raise ValueError("AfricasTalkingSms needs an api_key")
        self.username = username
        self.sender_id = sender_id or None
        self.short_code = short_code or None
        self.timeout = timeout
        self._sms = SMSService(username, api_key)
        if base_url:  # a stand-in (tests): the SDK builds every URL from these two attributes
            self._sms._baseUrl = self._sms._contentUrl = base_url.rstrip("/") + "/version1"

    def __repr__(self) -> str:  # never show the API key
        return f"AfricasTalkingSms(username={self.username!r}, sender_id={self.sender_id!r})"

    @property
    def sandbox(self) -> bool:
        return self.username == "sandbox"

    def send(self, recipients: Sequence[str], text: str) -> list[RecipientStatus]:
        """Send one text to E.164 numbers; one ``RecipientStatus`` per recipient answered.

        An HTTP 201 does not mean everybody got it: check each status (``accepted``).
        Raises ``SmsGatewayError`` when there is no per-recipient answer at all.
        """
        numbers = _check_recipients(recipients)
        if not text:
            raise ValueError("text must not be empty")
        result = self._call(
            lambda: self._sms.send(
                text, numbers, sender_id=self.sender_id, timeout=self.timeout
            ),
            # A plain SMS sent twice is a nuisance; one never sent is a lost ticket.
            retry_ambiguous=True,
        )
        statuses = _parse_send_response(result, retry_ambiguous=True)
        log.info(
            "sms: sent to %d recipient(s), %d accepted",
            len(statuses), sum(s.accepted for s in statuses),
        )
        return statuses

    def send_premium(
        self,
        recipient: str,
        text: str,
        keyword: str,
        link_id: str | None = None,
        retry_duration_hours: int = 1,
    ) -> RecipientStatus:
        """Premium SMS from our short code, charged to the subscriber's airtime.

        ``link_id`` (from the inbound SMS) makes it an on-demand reply;
        ``retry_duration_hours`` is how long the operator retries the charge. An ambiguous
        outcome (read timeout, unparseable 2xx) is *not* retryable here: the subscriber
        may already have been charged. The charge's result comes by delivery report.
        """
        if not self.short_code:
            raise ValueError("premium SMS needs a short_code (AT_SHORT_CODE)")
        if not keyword:
            raise ValueError("premium SMS needs a keyword")
        if not text:
            raise ValueError("text must not be empty")
        (number,) = _check_recipients([recipient])
        result = self._call(
            lambda: self._sms.send_premium(
                text,
                self.short_code,
                [number],
                keyword=keyword,
                link_id=link_id,
                retry_duration_in_hours=retry_duration_hours,
                timeout=self.timeout,
            ),
            retry_ambiguous=False,
        )
        statuses = _parse_send_response(result, retry_ambiguous=False)
        for status in statuses:
            if status.number == number:
                return status
        return statuses[0]

    @staticmethod
    def _call(send: Any, *, retry_ambiguous: bool) -> Any:
        """Run an SDK call, turning its exceptions into ``SmsGatewayError``.

        The SDK raises ``AfricasTalkingException`` (body text only) on any non-2xx, and lets
        ``requests`` exceptions through untouched. A connect failure never reached the
        gateway, so it is always safe to retry; a read timeout may hide an accepted send.
        """
        try:
            return send()
        except AfricasTalkingException as exc:
            raise SmsGatewayError(f"gateway refused: {str(exc)[:200]}", retryable=True) from exc
        except requests.ConnectionError as exc:  # includes ConnectTimeout
            raise SmsGatewayError(f"gateway unreachable: {type(exc).__name__}", retryable=True) from exc
        except requests.RequestException as exc:  # ReadTimeout and the like
            raise SmsGatewayError(
                f"gateway did not answer: {type(exc).__name__}", retryable=retry_ambiguous
            ) from exc


def _check_recipients(recipients: Sequence[str]) -> list[str]:
    """The SDK iterates ``recipients``: a bare string would be sent per character. Refuse it."""
    if isinstance(recipients, (str, bytes)):
        raise TypeError("recipients must be a list of E.164 numbers, not a string")
    numbers = list(recipients)
    if not numbers:
        raise ValueError("recipients must not be empty")
    for number in numbers:
        if not isinstance(number, str) or not _E164.match(number):
            raise ValueError(f"recipient is not an E.164 number: {number!r}")
    return numbers


def _parse_send_response(result: Any, *, retry_ambiguous: bool) -> list[RecipientStatus]:
    """Normalise the SDK's answer into statuses.

    The SDK returns a dict only when the content-type is exactly ``application/json``
    (``application/json; charset=utf-8`` gives a str), so a str is parsed here. The answer
    reached us with a 2xx, so the gateway may have acted on it: a shape we cannot read is
    ambiguous, retryable only where a duplicate is harmless.
    """
    if isinstance(result, (str, bytes)):
        try:
            result = json.loads(result)
        except ValueError:
            raise SmsGatewayError(
                f"unreadable gateway answer: {str(result)[:200]!r}", retryable=retry_ambiguous
            ) from None
    data = result.get("SMSMessageData") if isinstance(result, Mapping) else None
    recipients = data.get("Recipients") if isinstance(data, Mapping) else None
    if not isinstance(recipients, list):
        raise SmsGatewayError("gateway answer has no SMSMessageData.Recipients", retryable=retry_ambiguous)
    if not recipients:
        # e.g. {"Message": "InvalidSenderId", "Recipients": []}: nothing was sent.
        raise SmsGatewayError(f"gateway sent nothing: {data.get('Message')!r}", retryable=False)
    statuses = []
    for item in recipients:
        if not isinstance(item, Mapping):
            raise SmsGatewayError("gateway answer has a malformed recipient", retryable=retry_ambiguous)
        statuses.append(_recipient_status(item))
    return statuses


def _recipient_status(item: Mapping[str, Any]) -> RecipientStatus:
    """One recipient; the gateway writes a missing messageId as the *string* ``"None"``."""
    code = item.get("statusCode")
    try:
        status_code = int(code) if code is not None and not isinstance(code, bool) else None
    except (TypeError, ValueError):
        status_code = None
    message_id = item.get("messageId")
    if message_id in (None, "", "None"):
        message_id = None
    cost = item.get("cost")
    return RecipientStatus(
        number=str(item.get("number", "")),
        status=str(item.get("status", "")),
        status_code=status_code,
        message_id=None if message_id is None else str(message_id),
        cost=None if cost is None else str(cost),
    )
