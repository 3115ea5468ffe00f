"""Price rules: a carrier's changes on top of its base fares (peak, early bird, last minute, demand, holidays)."""
