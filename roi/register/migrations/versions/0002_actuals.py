"""Actuals: dated measurements of an initiative's inputs, one row per field and date.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "actuals",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("initiative_id", sa.Integer, sa.ForeignKey("initiatives.id"), nullable=False),
        sa.Column("measured_on", sa.Date, nullable=False),
        sa.Column("field", sa.Text, nullable=False),
        sa.Column("value", sa.Float, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_actuals_initiative", "actuals", ["initiative_id", "field", "measured_on"])


def downgrade() -> None:
    op.drop_table("actuals")
