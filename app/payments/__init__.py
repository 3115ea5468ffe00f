"""Payments for orders and wallet top-ups, their providers, settlement and refunds."""
