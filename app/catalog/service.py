"""The catalog as other areas and the channels ask it: stops, trips on offer, prices, drivers.

Why one entry point: booking, ticketing, USSD and SMS need a handful of catalog queries
and the trip state machine, not the catalog's layout. The code lives by resource
(``search``, ``trips``, ``fares``, ``network``, ``carriers``); this module names what the
rest of the app may rely on, so a resource can be reorganised without touching callers.
"""
from app.catalog.fares.service import fare_for, fares_between
from app.catalog.search.places import (
    DESTINATION_DAYS,
    StopView,
    UnknownStop,
    destinations_from,
    match_cities,
    popular_cities,
    resolve_place,
    resolve_stop,
    search_stops,
)
from app.catalog.search.service import OfferedTrip, TripOffer, search_trips
from app.catalog.trips.service import (
    departure_at_stop,
    first_stop_zone,
    get_trip,
    is_driver_assigned,
    route_stop,
    seats_left,
    stop_times,
    trips_for_driver,
    trips_on_duty,
)
from app.catalog.trips.transitions import SELLABLE_STATUSES, TRIP_TRANSITIONS, transition_trip

__all__ = [
    "DESTINATION_DAYS",
    "SELLABLE_STATUSES",
    "TRIP_TRANSITIONS",
    "OfferedTrip",
    "StopView",
    "TripOffer",
    "UnknownStop",
    "departure_at_stop",
    "destinations_from",
    "fare_for",
    "fares_between",
    "first_stop_zone",
    "get_trip",
    "is_driver_assigned",
    "match_cities",
    "popular_cities",
    "resolve_place",
    "resolve_stop",
    "search_stops",
    "search_trips",
    "seats_left",
    "route_stop",
    "stop_times",
    "transition_trip",
    "trips_for_driver",
    "trips_on_duty",
]
