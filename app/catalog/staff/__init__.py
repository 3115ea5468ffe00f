"""A carrier's staff: drivers and agents it adds by phone number, lists and removes."""
