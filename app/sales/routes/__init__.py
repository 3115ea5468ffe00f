"""The REST views of the sales use cases: orders, tickets and QR codes, payments, the wallet, trip search.

Why here and not in each domain area: a view calls a use case, and the use cases sit
above the domain areas (``.importlinter``: dependencies point down); views that need a
higher area live with it. Each module keeps its blueprint's name, so the OpenAPI tags
(``booking``, ``ticketing``, ``payments``, ``wallet``, ``catalog``) and every path are unchanged.
"""
