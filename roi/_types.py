"""Types shared by the calculators."""

from __future__ import annotations

from typing import TypeAlias

import numpy as np

Numbers: TypeAlias = float | np.ndarray
"""What a calculator takes: one number, or a numpy array of them (a Monte Carlo's samples,
a table's rows); the result has the broadcast shape. Ints are floats to a type checker."""
