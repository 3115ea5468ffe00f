"""The carrier's dashboard (/carrier): the page (page.py), its JSON/CSV endpoint (api.py),
the set-based queries (queries.py) and the money queues (money_queues.py)."""
