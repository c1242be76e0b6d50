"""Where batch tasks run: in this process, in local worker processes, or on a Dask cluster.

Every executor has the same small interface, so `roi.batch` hands it a function and a
list of items and reads back `(index, result or error)` pairs in the order they finish.
An error in one task is returned, never raised, so one bad task cannot stop the others.
The function and the items must be picklable (top-level functions, plain data).
"""

from __future__ import annotations

import contextvars
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from roi.exceptions import MissingExtra, RoiError

Item = TypeVar("Item")
Result = TypeVar("Result")


class Executor(Protocol):
    """Runs one function over many items and yields each outcome as it finishes."""

    description: str
    workers: int

    def run(
        self, function: Callable[[Any], Any], items: Sequence[Any]
    ) -> Iterator[tuple[int, Any | BaseException]]:
        """Yield `(index of the item, result)`, or `(index, the exception)` if it failed."""
        ...

    def close(self) -> None:
        """Release workers and connections (not a cluster someone else started)."""
        ...

    def __enter__(self) -> Executor: ...

    def __exit__(self, *exc: object) -> None: ...


class SerialExecutor:
    """Runs tasks one after another in this process: no start-up cost, easy to debug."""

    workers = 1
    description = "serial (this process)"

    def run(
        self, function: Callable[[Any], Any], items: Sequence[Any]
    ) -> Iterator[tuple[int, Any | BaseException]]:
        for index, item in enumerate(items):
            try:
                yield index, function(item)
            except Exception as error:  # returned to the caller, who records it
                yield index, error

    def close(self) -> None:
        pass

    def __enter__(self) -> SerialExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _start_method() -> str:
    # A fresh forkserver child does not inherit the parent's threads or ZeroMQ state
    # (forking those is unsafe); spawn is the portable fallback.
    methods = multiprocessing.get_all_start_methods()
    return "forkserver" if "forkserver" in methods else "spawn"


class WorkerDied(RoiError):
    """The worker process running a task ended without an answer (killed, out of memory)."""


def _watch_parent(parent: int, interval: float = 1.0) -> None:
    """In a worker: exit when the batch's main process is gone (kill -9 leaves the
    forkserver and its workers behind, running queued scenarios for ever)."""

    def watch() -> None:
        while True:
            time.sleep(interval)
            try:
                os.kill(parent, 0)
            except ProcessLookupError:
                os._exit(1)
            except PermissionError:  # alive, another user's: not ours to judge
                pass

    threading.Thread(target=watch, name="roi-parent-watch", daemon=True).start()


class ProcessExecutor:
    """Runs tasks in a pool of worker processes on this machine.

    A worker that dies (kill -9, the OOM killer) breaks a ProcessPoolExecutor and every
    task still in it. The pool is then rebuilt and those tasks run again; a task that
    breaks a pool twice runs alone, and only a task that kills its worker alone fails
    (WorkerDied). Workers exit when the main process is gone.
    """

    def __init__(self, workers: int) -> None:
        if workers < 1:
            raise ValueError(f"workers must be >= 1: {workers}")
        self.workers = workers
        self.description = f"{workers} local worker processes"
        self._context = multiprocessing.get_context(_start_method())
        if self._context.get_start_method() == "forkserver":
            self._context.set_forkserver_preload(["roi.batch"])
        self._pool = self._new_pool(workers)

    def _new_pool(self, workers: int) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=workers,
            mp_context=self._context,
            initializer=_watch_parent,
            initargs=(os.getpid(),),
        )

    def _rebuild(self, workers: int) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool = self._new_pool(workers)

    def run(
        self, function: Callable[[Any], Any], items: Sequence[Any]
    ) -> Iterator[tuple[int, Any | BaseException]]:
        todo = list(range(len(items)))
        suspects: set[int] = set()  # tasks that were in a pool when it broke
        while todo:
            broken = yield from self._round(function, items, todo)
            if not broken:
                return
            again = [i for i in broken if i in suspects]
            suspects.update(broken)
            todo = [i for i in broken if i not in again]
            for index in again:  # broke a pool twice: alone now, in a pool of its own
                self._rebuild(1)
                if (yield from self._round(function, items, [index])):
                    yield (
                        index,
                        WorkerDied(
                            "the worker process running it ended without an answer "
                            "(killed, or out of memory)"
                        ),
                    )
            self._rebuild(self.workers)

    def _round(
        self, function: Callable[[Any], Any], items: Sequence[Any], indexes: list[int]
    ) -> Generator[tuple[int, Any | BaseException], None, list[int]]:
        """Run `indexes` in the pool, yield their outcomes; return those a broken pool
        lost (every task in a pool fails when one of its workers dies)."""
        futures: dict[Future[Any], int] = {
            self._pool.submit(function, items[i]): i for i in indexes
        }
        broken: list[int] = []
        try:
            for future in as_completed(futures):
                index, error = futures[future], future.exception()
                if isinstance(error, BrokenProcessPool):
                    broken.append(index)
                else:
                    yield index, future.result() if error is None else error
        finally:
            for future in futures:
                future.cancel()
        return sorted(broken)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def abort(self) -> None:
        """Stop now (Ctrl-C, an error): cancel waiting tasks and end the workers.

        A plain shutdown can wait forever when the interrupt landed while the pool was
        starting a worker; ending the processes cannot. Their kernels notice the lost
        parent and exit; finished scenarios are on disk already.
        """
        # No public way to reach the workers before Python 3.14 (terminate_workers).
        processes = list((getattr(self._pool, "_processes", None) or {}).values())
        self._pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.terminate()
        for process in processes:
            process.join(timeout=10)

    def __enter__(self) -> ProcessExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        if not exc or exc[0] is None:
            self.close()
        else:
            self.abort()


def _check_address(address: str) -> None:
    """Refuse a scheduler address without host and port before a Client is made: with
    one, Client fails at once but then hangs 40 s on exit closing itself."""
    from distributed.comm import parse_address
    from distributed.comm.addressing import parse_host_port

    try:
        scheme, location = parse_address(address)
        if scheme in ("tcp", "tls", "ws", "wss"):
            parse_host_port(location)
    except ValueError as error:
        raise RoiError(
            f"--dask {address!r}: {error}; a scheduler address is like tcp://host:8786"
        ) from None


@dataclass(frozen=True)
class _FreshContext:
    """`function(item)` in an empty `contextvars.Context`. A Dask worker runs tasks in
    copies of a context that may hold jupyter_core's event loop for another thread (its
    `ensure_event_loop` keeps the loop in a ContextVar), and papermill then finds that
    loop running: "RuntimeError: This event loop is already running" (seen with a
    threaded LocalCluster). In an empty context each task makes a loop of its own."""

    function: Callable[[Any], Any]

    def __call__(self, item: Any) -> Any:
        return contextvars.Context().run(self.function, item)


class DaskExecutor:
    """Runs tasks on an existing Dask cluster (`dask.distributed` scheduler address).

    The workers need the same Python environment (roi installed) and must see the
    output folder at the same path (a shared file system), since they write the files.
    """

    def __init__(self, address: str) -> None:
        try:
            from distributed import Client
        except ImportError:  # depends on the installed extras (test_wheel checks it)
            raise MissingExtra("dask", "distributed") from None
        _check_address(address)
        try:
            self._client = Client(address, timeout="20s")
        except (OSError, TimeoutError, ValueError) as error:
            raise RoiError(
                f"cannot connect to the Dask scheduler at {address!r}: {error}"
            ) from None
        self.workers = max(1, sum(self._client.nthreads().values()))
        self.description = f"Dask cluster at {address} ({self.workers} worker threads)"

    def run(
        self, function: Callable[[Any], Any], items: Sequence[Any]
    ) -> Iterator[tuple[int, Any | BaseException]]:
        from distributed import as_completed as dask_completed

        futures = self._client.map(_FreshContext(function), list(items), pure=False)
        index = {future.key: position for position, future in enumerate(futures)}
        try:
            for future in dask_completed(futures):
                try:
                    yield index[future.key], future.result()
                except Exception as error:  # a task error or a lost worker
                    yield index[future.key], error
        finally:
            self._client.cancel(futures)

    def map_ordered(self, function: Callable[[Any], Any], items: Sequence[Any]) -> list[Any]:
        """function(item) for every item on the cluster, results in the items' order (a
        task's error is raised here)."""
        futures = self._client.map(_FreshContext(function), list(items), pure=False)
        try:
            return list(self._client.gather(futures))
        finally:
            self._client.cancel(futures)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> DaskExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def make_executor(workers: int = 1, dask_address: str | None = None) -> Executor:
    """The executor for a batch: Dask if an address is given, else processes or serial."""
    if dask_address:
        return DaskExecutor(dask_address)
    if workers <= 1:
        return SerialExecutor()
    return ProcessExecutor(workers)
