"""Alembic migrations of roi's register (one revision per schema change)."""
