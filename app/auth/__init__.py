"""Accounts by phone number: users, roles, one-time codes and tokens."""
