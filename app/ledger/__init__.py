"""Double-entry ledger: every movement of money is a balanced set of entries.

Statements and balances are queries over it, never separate tallies.
"""
