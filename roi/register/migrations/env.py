"""Alembic's entry point for roi's register: runs migrations on the connection roi opened
(`roi.register.store`), so SQLite and PostgreSQL take the same path."""

from __future__ import annotations

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - roi always passes its own connection
    raise RuntimeError("roi's register migrations run through roi.register, not alembic's CLI")
context.configure(connection=connection, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
