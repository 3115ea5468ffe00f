"""What the channels hold about a person, erased with their account; and the goodbye SMS.

``app.accounts.service.delete_account`` sends ``account_erasing`` inside its
transaction; ``create_app`` connects ``erase_channel_data`` to it (``register``), so the
domain never imports the channels. Erased here: inbound SMS (sender and text; the row
stays so a replayed gateway id is still recognised), the pending SMS question, USSD
sessions in the database and in Redis, a driver's number in old SMS scan records. Then the last SMS to the number says the account
is gone and, if there was money in the wallet, that it will be paid to this M-Pesa
number; that message forgets its number once it is sent (``app.messaging.service``).
"""
from __future__ import annotations

from sqlalchemy import delete, update

from app.accounts.service import account_erasing
from app.extensions import db
from app.messaging import Amount
from app.messaging.service import queue_sms
from channels.i18n import t
from channels.sms.models import InboundSms, SmsPending
from channels.sms.commands import sms_device_id
from channels.ussd import store as ussd_store
from app.ticketing.scan_models import Scan

ERASED_TEXT = ""


def erase_channel_data(sender, *, user_id: int, phone: str | None, language: str | None = None,
                       payout=None, **_) -> None:
    """Listener of ``account_erasing``; never commits (the deletion does)."""
    if not phone:
        return
    db.session.execute(
        update(InboundSms).where(InboundSms.from_phone == phone).values(from_phone=None, text=ERASED_TEXT)
    )
    db.session.execute(delete(SmsPending).where(SmsPending.phone == phone))
    ussd_store.erase_phone(phone)
    # Scans by SMS were once named after the driver's number (now after the account).
    db.session.execute(update(Scan).where(Scan.device_id == f"sms:{phone}").values(device_id=sms_device_id(user_id)))
    if payout is not None:
        text = t("account_deleted_payout", language, amount=Amount(payout.amount, payout.currency))
    else:
        text = t("account_deleted", language)
    queue_sms(phone, text, "account_deleted", user_id=user_id)


def register() -> None:
    """Connect the listener (idempotent: blinker keeps one connection per receiver)."""
    account_erasing.connect(erase_channel_data, weak=False)
