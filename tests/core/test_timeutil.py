"""Times shown to people carry their zone's offset."""
from __future__ import annotations

from datetime import datetime, timezone

from app.core.timeutil import local_label


def test_local_label_spells_out_the_offset():
    moment = datetime(2026, 12, 12, 5, 0, tzinfo=timezone.utc)
    assert local_label(moment, "Africa/Nairobi") == "Sat 12 Dec 2026 08:00 EAT (UTC+03:00)"
    assert local_label(moment, "America/St_Johns") == "Sat 12 Dec 2026 01:30 NST (UTC-03:30)"
    # A zone without an abbreviation (tzdata writes "+01") shows the offset once.
    assert local_label(moment, "Africa/Casablanca") == "Sat 12 Dec 2026 06:00 (UTC+01:00)"
