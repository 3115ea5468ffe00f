"""Imports every model module so that metadata (create_all, Alembic) sees all tables.

Add a line here when a new domain package gets a ``models.py``.
"""
from app.auth import models as auth_models  # noqa: F401
from app.catalog import models as catalog_models  # noqa: F401
from app.messaging import models as messaging_models  # noqa: F401
from app.booking import models as booking_models  # noqa: F401
from app.auth import idempotency_models  # noqa: F401
from app.states import history as status_history  # noqa: F401
from app.ledger import models as ledger_models  # noqa: F401
from app.wallet import models as wallet_models  # noqa: F401
from app.payments import models as payment_models  # noqa: F401
from app.ticketing import models as ticket_models  # noqa: F401
from app.ticketing import scan_models as ticket_scan_models  # noqa: F401
from app.payouts import models as payout_models  # noqa: F401
from app.reconciliation import models as reconciliation_models  # noqa: F401
from app.reports import models as report_models  # noqa: F401
from app.catalog.pricerules import models as price_rule_models  # noqa: F401
from app.concessions import models as concession_models  # noqa: F401
from app.counter import models as counter_models  # noqa: F401
