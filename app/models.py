"""Imports every model module so that metadata (create_all, Alembic) sees all tables.

Add a line here when a new domain package gets a ``models.py``.
"""
from app.auth import models as auth_models  # noqa: F401
from app.catalog import models as catalog_models  # noqa: F401
from app.messaging import models as messaging_models  # noqa: F401
