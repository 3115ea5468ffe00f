"""Reconciliation: a carrier's M-Pesa statements matched against the payments recorded here.

One job: money that M-Pesa says arrived versus money this system recorded. ``shortcodes``
(which Paybill or Till belongs to which carrier), ``statement_csv`` (the Org Portal export,
read whatever its quirks), ``matching`` (which line is which payment), ``importing`` (the
upload use case: lines stored once per receipt, the answer), ``pulling`` (Daraja's Pull
Transactions API on a schedule: a Paybill payment whose confirmation never came is applied
as a late confirmation) and ``routes`` (the REST endpoints). See docs/reconciliation.md.
"""
