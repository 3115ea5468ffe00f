"""The limiter is module level and its memory storage would carry counts between tests."""
import pytest

from app.extensions import limiter


@pytest.fixture(autouse=True)
def _fresh_rate_limits(app):
    limiter.reset()
    yield
    limiter.reset()
