"""Prepaid wallet: a ledger account per passenger with a cached, never-negative balance."""
