"""Daraja's Pull Transactions API (C2B payments of a registered shortcode, the last 48 hours).

Plain Python on top of the payments area's Daraja transport (OAuth token, explicit timeouts,
error reading): ``http`` (the client: register, query one page), ``wire`` (dates, amounts,
the answer's records). No Flask, no database; ``app.reconciliation.pulling`` uses it.
"""
from app.reconciliation.daraja.http import PullTransactionsClient
from app.reconciliation.daraja.wire import PulledTransaction, parse_page

__all__ = ["PullTransactionsClient", "PulledTransaction", "parse_page"]
