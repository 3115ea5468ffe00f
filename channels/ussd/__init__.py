"""USSD channel: Africa's Talking callbacks → menu engine → domain services."""
