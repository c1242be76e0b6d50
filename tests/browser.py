"""Real headless Chromium and a real Voila server, for the browser tests and benchmarks.

Chromium is Debian's /usr/bin/chromium (ROI_CHROMIUM overrides; with neither, Playwright's
own browser). A browser that cannot start is an error, never a skip: CI must fail.
Servers bind 127.0.0.1 on a free port, are started with subprocess.Popen, and are
stopped and waited for, so no zombie is left behind.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from roi.app import voila_command
from roi.reports.chromium import chromium  # noqa: F401  (the tests drive the browser roi prints with)

ROOT = Path(__file__).resolve().parents[1]
READY_PATH = "/voila/static/favicon.ico"  # '/api' answers 302, the favicon 200 once up


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_ready(url: str, process: subprocess.Popen, timeout: float = 60.0) -> None:
    """Poll Voila's favicon until it answers; fail early if the server died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"voila exited with status {process.returncode} before it was up")
        try:
            with urllib.request.urlopen(url + READY_PATH, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise TimeoutError(f"voila did not answer {READY_PATH} within {timeout:g} s")


def stop(process: subprocess.Popen, timeout: float = 20.0) -> None:
    """Terminate a server and wait for it (kill if it will not stop): no zombies."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)


@contextlib.contextmanager
def voila_server(
    notebook: str | os.PathLike[str], log_path: Path | None = None, **options
) -> Iterator[str]:
    """Serve a notebook with roi's Voila settings on a free loopback port; yield its URL."""
    port = free_port()
    argv, env = voila_command(notebook, port=port, ip="127.0.0.1", **options)
    log = open(log_path, "w") if log_path else subprocess.DEVNULL  # noqa: SIM115
    process = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(url, process)
        yield url
    finally:
        stop(process)
        if log_path:
            log.close()


def _is_kernel(process) -> bool:
    """Whether a process runs ipykernel; one that exits while it is looked at (gone, or a
    zombie not yet reaped) no longer holds a kernel."""
    import psutil

    try:
        return "ipykernel" in " ".join(process.cmdline())
    except (psutil.NoSuchProcess, psutil.ZombieProcess):
        return False


def kernels(url: str) -> list[str]:
    """The kernel processes the server at `url` runs: its direct children running
    ipykernel (a kernel is started by the server itself; anything a kernel starts in turn
    is not another kernel), each as "pid status started-at command line", found from the
    process listening on the URL's port."""
    import psutil

    port = int(url.rsplit(":", 1)[1].split("/")[0])
    for connection in psutil.net_connections(kind="tcp"):
        if connection.status == psutil.CONN_LISTEN and connection.laddr.port == port:
            found = []
            for child in psutil.Process(connection.pid).children():
                if _is_kernel(child):
                    try:
                        found.append(
                            f"{child.pid} {child.status()} {child.create_time():.2f} "
                            + " ".join(child.cmdline())
                        )
                    except psutil.Error:  # gone while it was looked at
                        continue
            return found
    raise AssertionError(f"nothing listens on port {port}")


def kernel_count(url: str) -> int:
    """How many kernel processes the server at `url` runs (`kernels`)."""
    return len(kernels(url))
