"""Money going back out: refunds to M-Pesa, wallet withdrawals, deleted accounts' wallets,
reversed double payments, and Transaction Status checks (see docs/payouts.md).

Why an area of its own, above ``app.payments``: payments records what is owed (a refund
``pending_payout`` and its ledger entry); this area pays it, through Daraja's B2C or
reversal API when an API initiator is configured, else by a person who marks it paid.

Modules: ``models`` (``Payout``, ``StatusCheck``), ``states`` (``PAYOUT``), ``service``
(creating payouts, a person's actions: mark paid, retry, give back to the wallet),
``sending`` (the Daraja requests, never twice under one key), ``results`` (what Daraja's
result, timeout and status callbacks do), ``withdrawals`` (limits and fee), ``disputes``
(status checks of a receipt), ``jobs`` (the sweep), ``schemas`` and ``routes`` (the API).
"""
