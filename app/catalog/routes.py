"""Every catalog endpoint, on the catalog's three blueprints (``app.catalog.api``).

Importing a resource's ``routes`` registers its views on those blueprints; the order
below is the order of the paths in the OpenAPI document (within each tag, as before
the split). ``create_app`` registers the three blueprints.
"""
from app.catalog import api
from app.catalog.carriers import routes as carrier_routes
from app.catalog.network import routes as network_routes
from app.catalog.search import routes as search_routes
from app.catalog.staff import routes as staff_routes
from app.catalog.trips import routes as trip_routes
from app.catalog.fares import routes as fare_routes  # after trips: trips come first in their tag
from app.catalog.pricerules import routes as price_rule_routes  # after fares: they change them

public_blp = api.public_blp
admin_blp = api.admin_blp
trips_blp = api.trips_blp

RESOURCES = (carrier_routes, network_routes, search_routes, trip_routes, fare_routes, staff_routes,
             price_rule_routes)
