"""The first register: initiatives, every assessment taken, and the decisions made on them.

Revision ID: 0001
Revises:
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "initiatives",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.Text, nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "assessments",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("initiative_id", sa.Integer, sa.ForeignKey("initiatives.id"), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("roi_version", sa.Text, nullable=False),
        sa.Column("input_hash", sa.Text, nullable=False),
        sa.Column("inputs", sa.Text, nullable=False),  # the scenario as JSON
        sa.Column("samples", sa.Integer, nullable=False),
        sa.Column("seed", sa.Integer, nullable=False),
        sa.Column("outcome", sa.Text, nullable=False),
        sa.Column("headline", sa.Text, nullable=False),  # the headline figures as JSON
        sa.Column("memo_html", sa.Text),
    )
    op.create_index("ix_assessments_initiative", "assessments", ["initiative_id", "id"])
    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("assessment_id", sa.Integer, sa.ForeignKey("assessments.id"), nullable=False),
        sa.Column("gate", sa.Integer),
        sa.Column("outcome", sa.Text, nullable=False),
        sa.Column("decider", sa.Text),
        sa.Column("decided_on", sa.Date),
        sa.Column("signoffs", sa.Text, nullable=False),  # JSON list of {name, role, date}
    )
    op.create_index("ix_decisions_assessment", "decisions", ["assessment_id"])


def downgrade() -> None:
    op.drop_table("decisions")
    op.drop_table("assessments")
    op.drop_table("initiatives")
