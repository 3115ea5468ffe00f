"""The Pull Transactions client: Daraja's transport (``DarajaHttp``) plus its two operations.

Why a client of its own over the shared transport: the OAuth token, the explicit
(connect, read) timeouts and the reading of Daraja's errors are the payments area's, kept in
one place; what is asked and how the answer is read is reconciliation's. A query that gets
no answer raises ``DarajaUnavailable``/``DarajaNoAnswer``: a read changes nothing at Daraja,
so the caller simply asks again on its next run.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from app.payments.providers.daraja.http import DarajaHttp
from app.payments.providers.daraja.wire import check_callback_url
from app.reconciliation.daraja.wire import QUERY_PATH, REGISTER_PATH, PulledTransaction, parse_page, wall_time

#: (connect, read) seconds. A query runs in the worker, not in a request, and Daraja takes
#: its time over a page of 48 hours, so the read waits longer than an STK push does.
TIMEOUT = (3.05, 20.0)


class PullTransactionsClient(DarajaHttp):
    """Daraja's Pull Transactions API over the shared transport (one per app, thread-safe)."""

    def register_pull(self, shortcode: str, nominated_number: str, callback_url: str) -> dict[str, Any]:
        """Register ``shortcode`` for Pull Transactions (once, by an operator). Daraja then
        answers queries for its C2B payments; ``callback_url`` is where it says so."""
        check_callback_url(callback_url)
        payload = {"ShortCode": shortcode, "RequestType": "Pull", "NominatedNumber": nominated_number,
                   "CallBackURL": callback_url}
        return self._post(REGISTER_PATH, payload, "Pull Transactions registration")

    def query_page(self, shortcode: str, start: datetime, end: datetime,
                   offset: int = 0) -> tuple[list[PulledTransaction], list[tuple[Any, str]]]:
        """One page of the C2B payments to ``shortcode`` between ``start`` and ``end`` (at most
        48 hours back), from record ``offset``; an empty page means there are no more."""
        payload = {"ShortCode": shortcode, "StartDate": wall_time(start), "EndDate": wall_time(end),
                   "OffSetValue": str(offset)}
        return parse_page(self._post(QUERY_PATH, payload, "Pull Transactions"))
