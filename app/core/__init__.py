"""Small helpers every domain area shares: phone numbers, money, time."""
