"""Outbound clients for payment operators (plain Python: no Flask, no database)."""
