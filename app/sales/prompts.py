"""How many payment prompts a phone number may receive: the guard every push passes.

Why in sales: an M-Pesa PIN prompt (or a phone-balance charge) lands on a person's phone,
and the API lets an account name any number as the payer. Fifteen top-ups to a stranger's
phone once made it ask for a PIN fifteen times in nine seconds. Paying an order and
topping up the wallet call ``guard_prompt`` first, so the app, USSD and SMS share one
budget per number:

- ``PUSH_RATE_LIMIT_PER_PHONE``: prompts to one number, from every account together;
- ``PUSH_RATE_LIMIT_OTHER_PHONE``: prompts one account sends to numbers not its own.

Beyond either, ``TooManyPrompts`` (429 ``too-many-prompts`` with ``Retry-After``) and no
prompt. Each request to prompt counts, including one the payment then answers with the
prompt already in flight: the budget is for asking, so it is checked before anything is
locked or sent. Counts live in the limiter's storage (Redis in production), keyed by an
HMAC of the number.
"""
from __future__ import annotations

import logging
import math

from flask import current_app

from app.core.phone import InvalidPhone, mask_phone, normalize_phone
from app.errors import TooManyRequests
from app.extensions import limit_key, spend

log = logging.getLogger(__name__)

PROMPTING_METHODS = ("mpesa", "airtime")  # the methods that reach the payer's phone


class TooManyPrompts(TooManyRequests):
    """Payment prompts to this number (or from this account to others) are spent for now."""

    title, slug = "Too many payment prompts", "too-many-prompts"

    @property
    def message_values(self) -> dict:
        """For the USSD and SMS reply (``error:too-many-prompts``): when to try again."""
        return {"minutes": math.ceil(self.retry_after / 60)}


def guard_prompt(user, phone: str | None) -> None:
    """Count one prompt that ``user`` asks to send to ``phone`` (default: the account's own).

    Raises ``TooManyPrompts`` when the number's budget, or the account's budget for numbers
    not its own, is spent (nothing counted then). A number that cannot be read is left to
    the payment, which refuses it (422 ``invalid-phone``) before anything is sent.
    """
    try:
        payer = normalize_phone(phone, current_app.config.get("DEFAULT_COUNTRY", "KE")) if phone else user.phone
    except InvalidPhone:
        return
    if not payer:
        return
    config = current_app.config
    budgets = [(config["PUSH_RATE_LIMIT_PER_PHONE"], limit_key("prompt-phone", payer))]
    if payer != user.phone:
        budgets.append((config["PUSH_RATE_LIMIT_OTHER_PHONE"], limit_key("prompt-account", str(user.id))))
    wait = spend(*budgets)
    if wait is not None:
        log.info("payment prompt to %s refused: limit reached (user %s, %ss)", mask_phone(payer), user.id, wait)
        raise TooManyPrompts(
            f"Too many payment prompts were asked for this number; try again in {wait} seconds.",
            retry_after=wait)
