"""SMS: inbound commands, delivery reports, the pending-question table (a channel: translation only)."""
