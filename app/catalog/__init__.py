"""The catalog: carriers, stops, routes, vehicles, trips, timetables and fares."""
