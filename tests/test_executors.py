"""Tests for roi.batch.executors: every executor returns a task's error instead of
raising, in the order tasks finish, with the index of the item it came from."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from roi.batch.executors import (
    DaskExecutor,
    ProcessExecutor,
    SerialExecutor,
    WorkerDied,
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


def die_on(item: str) -> str:
    """A task; "die" kills its own worker process, as the OOM killer or kill -9 would."""
    if item == "die":
        os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(0.1)
    return item.upper()


def test_a_dead_worker_fails_only_its_own_task():
    """Before: kill -9 of one worker broke the pool and failed every task left in it."""
    items = ["a", "b", "die", "c", "d", "e", "f"]
    with ProcessExecutor(2) as executor:
        results = dict(executor.run(die_on, items))
        again = dict(executor.run(die_on, ["g", "h"]))  # the pool still works after
    assert sorted(results) == list(range(len(items)))
    assert isinstance(results[2], WorkerDied) and "ended without an answer" in str(results[2])
    assert {i: r for i, r in results.items() if i != 2} == {
        i: item.upper() for i, item in enumerate(items) if item != "die"
    }
    assert again == {0: "G", 1: "H"}


MAIN = """
import threading, time
from roi.batch.executors import ProcessExecutor
executor = ProcessExecutor(2)
threading.Thread(target=lambda: list(executor.run(time.sleep, [60] * 6)), daemon=True).start()
workers = []
while len(workers) < 2:  # the pool starts its workers on the first submit
    time.sleep(0.1)
    workers = list(executor._pool._processes)
print(*workers, flush=True)
time.sleep(120)
"""


def test_workers_exit_when_the_main_process_is_killed():
    """Before: after kill -9 of `roi batch`, the forkserver and its workers ran the
    queued scenarios for ever."""
    main = subprocess.Popen([sys.executable, "-c", MAIN], stdout=subprocess.PIPE, text=True)
    try:
        workers = [int(pid) for pid in main.stdout.readline().split()]
        assert len(workers) == 2
        main.kill()
        main.wait(10)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and any(_alive(pid) for pid in workers):
            time.sleep(0.2)
        assert not any(_alive(pid) for pid in workers)
    finally:
        main.kill()
        main.wait(10)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (ended, not yet reaped by its parent) is not running.
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False
