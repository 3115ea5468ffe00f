"""The catalog: what is sold, split by resource.

``carriers`` (settings, refund policy), ``network`` (stops, routes, vehicles), ``fares``,
``trips`` (trips, timetables, state machine, drivers, seats left) and ``search`` (stops
and trips on offer), each with its ``service``, ``schemas`` and ``routes``; ``api`` holds
the three blueprints (OpenAPI tags) the routes share, ``service`` what other areas and
the channels call.
"""
