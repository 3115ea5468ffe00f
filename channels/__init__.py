"""Operator-facing channels: USSD, SMS and payment callbacks.

Channels translate a protocol into a domain service call and the result back into the
protocol. They hold no business rules.
"""
