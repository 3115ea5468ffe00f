"""M-Pesa's charges on a carrier's shortcode, posted to the ledger as the carrier's operator fees.

Why from the statement: Safaricom takes its charge for each payment from the shortcode's
balance at source, and says so only on the Org Portal statement (a ``Pay Bill Charge`` /
``Pay merchant Charge`` row linked to the payment's receipt); no callback carries it. The
shortcode is the carrier's, so the charge is the carrier's cost: it lowers what the carrier
is owed (``carrier_payable:<carrier>``) and is recorded as charged by the operator
(``operator_fees:<carrier>``, which the daily report reads as ``operator_fees``). The
passenger paid the same, so the report's gross does not move; ``net_payable`` falls by the
charge, and ``gross - refunds - commission - operator_fees = net_payable`` still holds.

One ledger transaction per upload that added charge lines (kind ``operator_fee``, ref
``mpesa_charges:<import id>``), stamped when the statement reached the books: a statement
line is stored once per (shortcode, receipt), so a re-upload or an overlapping statement
adds only new charges and posts only those, and a day already closed is never changed (the
charges count on the day they were uploaded, like any later news about a closed day).
One transaction per upload rather than per charge: a month's statement has thousands of
charge rows, and a posting each would make the upload slow; the report then shows the
fees under no trip (``trip_id`` null) in its breakdowns.
"""
from __future__ import annotations

from app.ledger.fees import operator_fees
from app.ledger.service import Leg, carrier_payable, post
from app.reconciliation.statement_csv import StatementRow

KIND = "operator_fee"


def post_charges(carrier_id: int, import_id: int, rows: list[StatementRow], currency: str) -> int:
    """Post the new charge rows of one upload; answers the total charged (minor units)."""
    charged = -sum(row.amount for row in rows if row.kind == "charge")
    if charged == 0:
        return 0
    count = sum(1 for row in rows if row.kind == "charge")
    post(KIND, f"mpesa_charges:{import_id}", [
        Leg(carrier_payable(carrier_id), -charged, currency),
        Leg(operator_fees(carrier_id), charged, currency),
    ], carrier_id=carrier_id, memo=f"M-Pesa charges: {count} line(s) of statement upload {import_id}")
    return charged
