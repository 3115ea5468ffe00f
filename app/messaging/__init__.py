"""Outbound SMS: an outbox table written in the caller's transaction, sent by a job.

``queue_sms`` is the only way the domain sends a message. The row is the record of what
we told the passenger (``/dev/outbox`` reads it in development); the delivery job sends
it through the configured backend after commit and records per-recipient status.
"""
