"""What people read: the decision memo, its charts, the portfolio report, notebook tables."""

FORMATS: tuple[str, ...] = ("html", "md", "pdf")
"""The memo formats, in the order they are written."""
