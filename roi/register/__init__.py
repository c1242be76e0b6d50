"""The register of initiatives: every assessment and decision kept, actuals against the plan.

`Register(db)` opens (and creates, or upgrades) the register; `roi record`, `roi
history`, `roi track` and `roi calibrate` are its commands. Needs roi's `register`
extra (SQLAlchemy, Alembic, psycopg).
"""

from __future__ import annotations

from roi.register.store import (
    DEFAULT_PATH,
    ENVIRONMENT,
    Entry,
    Register,
    RegisterError,
    changes,
    database_url,
    headline_record,
    migrate,
)

__all__ = [
    "DEFAULT_PATH",
    "ENVIRONMENT",
    "Entry",
    "Register",
    "RegisterError",
    "changes",
    "database_url",
    "headline_record",
    "migrate",
]
