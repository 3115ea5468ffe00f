"""SMS: inbound commands, delivery reports and the pending question a reply answers."""
