"""``/counter``: the page of a carrier's counter agent (role ``agent``).

Importing this module registers every view on ``common.blp``: signing in and the shift
(``shift``), the sale and its prints (``selling``)."""
from __future__ import annotations

from app.counter_page import selling, shift  # noqa: F401 - their views register on blp
from app.counter_page.common import blp  # noqa: F401 - create_app registers it

