"""A throw-away PostgreSQL cluster for the tests: initdb in a temporary folder, the server
on 127.0.0.1 at a free port, stopped and removed afterwards.

Debian's `postgresql` package provides the binaries (`make browser` installs it);
initdb refuses to run as root, so as root the cluster belongs to the `postgres` user.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def postgres_bin() -> Path | None:
    """The newest installed PostgreSQL's bin folder, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: p.split("/")[4])
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_owner(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@contextmanager
def postgres_cluster() -> Iterator[str]:
    """Start a cluster; yield its base URL (postgresql://postgres@127.0.0.1:PORT/)."""
    bindir = postgres_bin()
    if bindir is None:
        raise RuntimeError("PostgreSQL is not installed (Debian's postgresql package)")
    folder = Path(tempfile.mkdtemp(prefix="roi-pg-"))
    data, log = folder / "data", folder / "server.log"
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    port = _free_port()
    try:
        subprocess.run(
            _as_owner(
                [
                    *(str(bindir / "initdb"), "-D", str(data), "-A", "trust"),
                    *("-U", "postgres", "-E", "UTF8", "--no-instructions"),
                ]
            ),
            check=True,
            capture_output=True,
            timeout=120,
        )
        options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run(
            _as_owner(
                [
                    *(str(bindir / "pg_ctl"), "-D", str(data), "-o", options),
                    *("-l", str(log), "-w", "-t", "60", "start"),
                ]
            ),
            check=True,
            capture_output=True,
            timeout=120,
        )
        yield f"postgresql://postgres@127.0.0.1:{port}/"
    finally:
        subprocess.run(
            _as_owner([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
            capture_output=True,
            timeout=60,
            check=False,
        )
        shutil.rmtree(folder, ignore_errors=True)


def create_database(base_url: str, name: str) -> str:
    """A new, empty database in the cluster; returns its URL."""
    import sqlalchemy as sa

    engine = sa.create_engine(
        base_url.replace("postgresql://", "postgresql+psycopg://") + "postgres",
        isolation_level="AUTOCOMMIT",
    )
    with engine.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return base_url + name
