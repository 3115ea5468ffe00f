"""SMS commands: parse a text into a command, call the domain service, phrase the reply.

The reply is in the sender's language (``User.language``). Two-message dialogues (choose
a trip by number, confirm a cancellation with YES) keep their question in ``SmsPending``.
Business rules stay in the services; these modules only translate. One module per group:
``parse`` (keywords, near misses), ``places``, ``buy``, ``pay``, ``tickets``, ``wallet``,
``account``; ``HANDLERS`` maps a command name to its handler.
"""
from __future__ import annotations

from channels.sms.commands.account import check, help_, lang, not_understood, sms_device_id, stop
from channels.sms.commands.buy import buy, choose
from channels.sms.commands.parse import KEYWORDS, Command, Inbound, close_match, parse
from channels.sms.commands.pay import pay
from channels.sms.commands.tickets import cancel, confirm, history, resend, tickets
from channels.sms.commands.wallet import balance, topup, withdraw

HANDLERS = {
    "buy": buy, "number": choose, "pay": pay, "tickets": tickets, "history": history, "resend": resend,
    "cancel": cancel, "yes": confirm, "balance": balance, "topup": topup, "withdraw": withdraw, "lang": lang,
    "stop": stop,
    "check": check, "help": help_, "unknown": help_,
}

__all__ = ["HANDLERS", "KEYWORDS", "Command", "Inbound", "close_match", "not_understood", "parse",
           "sms_device_id"]
