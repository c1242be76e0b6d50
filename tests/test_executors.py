"""Tests for roi.batch.executors: every executor returns a task's error instead of
raising, in the order tasks finish, with the index of the item it came from."""

from __future__ import annotations

import pytest

from roi.batch.executors import (
    DaskExecutor,
    ProcessExecutor,
    SerialExecutor,
    make_executor,
)
from roi.exceptions import RoiError

ITEMS = ["5", "x", "12"]  # int("x") raises ValueError


def test_serial_returns_a_task_error_instead_of_raising():
    """One failing task is reported with its exception; the others still give results."""
    with SerialExecutor() as executor:
        results = dict(executor.run(int, ITEMS))
    assert results[0] == 5 and results[2] == 12
    assert isinstance(results[1], ValueError)


def test_processes_return_results_and_errors_by_item_index():
    """Real worker processes: int is picklable, so it runs in them."""
    with ProcessExecutor(2) as executor:
        results = dict(executor.run(int, ITEMS * 3))
    assert sorted(results) == list(range(9))
    for index, result in results.items():
        if ITEMS[index % 3] == "x":
            assert isinstance(result, ValueError)
        else:
            assert result == int(ITEMS[index % 3])


def test_make_executor_chooses_by_workers():
    assert isinstance(make_executor(1), SerialExecutor)
    with make_executor(2) as executor:
        assert isinstance(executor, ProcessExecutor) and executor.workers == 2
    with pytest.raises(ValueError, match="workers must be >= 1"):
        ProcessExecutor(0)


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("tcp://", "missing port number"),
        ("tcp://scheduler", "missing port number"),
        ("nonsense://x", "cannot connect to the Dask scheduler at 'nonsense://x'"),
    ],
)
def test_a_bad_dask_address_is_a_message_at_once(address, message):
    pytest.importorskip("distributed")
    with pytest.raises(RoiError, match=message):
        DaskExecutor(address)
