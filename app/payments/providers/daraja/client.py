"""``DarajaClient``: the transport plus every operation, one object the app shares.

Plain Python on top of ``requests``: no Flask, no database. The app builds one client from
its ``MPESA_*`` settings and shares it between threads (the OAuth token cache is locked).
"""
from __future__ import annotations

from app.payments.providers.daraja.c2b import C2BRegistration
from app.payments.providers.daraja.http import DarajaHttp
from app.payments.providers.daraja.outbound import OutboundOperations
from app.payments.providers.daraja.stk import StkOperations


class DarajaClient(StkOperations, C2BRegistration, OutboundOperations, DarajaHttp):
    """Outbound Daraja calls with explicit timeouts, a cached OAuth token and one 401 retry."""
