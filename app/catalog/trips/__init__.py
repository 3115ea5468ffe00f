"""Trips: one-off and timetabled departures, their state machine, drivers and seats left."""
