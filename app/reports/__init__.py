"""Carrier money reports: the daily report, closed days and settlements, as queries over the ledger."""
