"""Where batch tasks run: in this process, in local worker processes, or on a Dask cluster.

Every executor has the same small interface, so `roi.batch` hands it a function and a
list of items and reads back `(index, result or error)` pairs in the order they finish.
An error in one task is returned, never raised, so one bad task cannot stop the others.
The function and the items must be picklable (top-level functions, plain data).
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
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


class ProcessExecutor:
    """Runs tasks in a pool of worker processes on this machine."""

    def __init__(self, workers: int) -> None:
        if workers < 1:
            raise ValueError(f"workers must be >= 1: {workers}")
        self.workers = workers
        self.description = f"{workers} local worker processes"
        context = multiprocessing.get_context(_start_method())
        if context.get_start_method() == "forkserver":
            context.set_forkserver_preload(["roi.batch"])
        self._pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)

    def run(
        self, function: Callable[[Any], Any], items: Sequence[Any]
    ) -> Iterator[tuple[int, Any | BaseException]]:
        futures: dict[Future[Any], int] = {
            self._pool.submit(function, item): index for index, item in enumerate(items)
        }
        try:
            for future in as_completed(futures):
                error = future.exception()
                yield futures[future], future.result() if error is None else error
        finally:
            for future in futures:
                future.cancel()

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

        futures = self._client.map(function, list(items), pure=False)
        index = {future.key: position for position, future in enumerate(futures)}
        try:
            for future in dask_completed(futures):
                try:
                    yield index[future.key], future.result()
                except Exception as error:  # a task error or a lost worker
                    yield index[future.key], error
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
