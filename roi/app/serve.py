"""Voila, hardened for visitors roi does not know: `python -m roi.app.serve NOTEBOOK [options]`.

Runs Voila's own command line (every Voila option works) after two changes to its kernel
websocket, the one route a page's visitor talks to a kernel through:

- **Only the v1 kernel protocol.** Voila 0.5.13 reads the header of every binary message
  it sends as if it were in the v1 format. A client that connected without the v1
  subprotocol (the "legacy" protocol, which Voila's own pages never use) gets binary
  messages in the legacy format, whose first eight bytes read as an offset count of about
  10^17: the list of offsets is built until memory runs out, with the server's one thread
  at 100% and every other visitor waiting. The websocket now refuses a client that does
  not ask for v1 (HTTP 400), and
- **bounded readers.** Both ways, a message is read only when its offsets fit inside
  it: Voila's header reader (outgoing) and Jupyter Server's v1 reader (incoming, where
  eight bytes of 0xff ask for 1.8 x 10^19 offsets) cost no more than the message's own
  length; a visitor who sends a malformed message is disconnected.

And three limits on what one visitor can hold:

- **A cap on kernels** (`ROI_APP_MAX_KERNELS`, default 20, `roi app --max-kernels`): past
  it, a page request gets a short "busy, try again in a minute" page (HTTP 503) instead
  of another 200 MB kernel.
- **Kernels nobody connects to are shut down** after `ROI_APP_UNCONNECTED_SECONDS`
  (default 60): a bare `curl /` starts a kernel that no browser will ever use.
- **A kernel belongs to the browser that asked for it.** The page request sets a signed
  cookie; the kernel's websocket and its execution channel accept only that cookie, so
  a visitor who learns another's kernel id cannot read or move their widgets.
  A preheated kernel (`--preheat`) is started before any visitor and bound to the one
  whose page request the pool hands it to.

`voila_command` (roi.app.server) starts this module instead of `python -m voila`.
"""

from __future__ import annotations

import contextvars
import itertools
import json
import os
import secrets
import sys
import time
from typing import Any

V1_PROTOCOL = "v1.kernel.websocket.jupyter.org"
"""The kernel websocket subprotocol of Jupyter Server 2 and @jupyterlab/services 7."""

_OFFSET = 8  # bytes per offset in the v1 format


def frame_offsets(ws_msg: bytes) -> list[int] | None:
    """The offsets of a v1 binary kernel message, or None when they do not fit inside it
    (fewer than 3, past its end, or out of order).

    >>> frame = b"".join(n.to_bytes(8, "little") for n in (3, 32, 32, 34)) + b"{}"
    >>> frame_offsets(frame)
    [32, 32, 34]
    >>> frame_offsets(b"\\xff" * 64) is None
    True
    """
    if not isinstance(ws_msg, bytes | bytearray | memoryview) or len(ws_msg) < _OFFSET:
        return None
    count = int.from_bytes(ws_msg[:_OFFSET], "little")
    if count < 3 or _OFFSET * (count + 1) > len(ws_msg):
        return None
    offsets = [
        int.from_bytes(ws_msg[_OFFSET * (i + 1) : _OFFSET * (i + 2)], "little")
        for i in range(count)
    ]
    if offsets[0] < _OFFSET * (count + 1) or offsets[-1] > len(ws_msg):
        return None
    if any(b < a for a, b in itertools.pairwise(offsets)):
        return None
    return offsets


def read_header(ws_msg: bytes) -> dict[str, Any] | None:
    """The header of a v1 binary kernel message, or None when `ws_msg` is not one.

    The v1 format: an 8-byte little-endian count n of offsets, the n offsets, then the
    channel, header, parent header, metadata, content and buffers at those offsets. Costs
    at most the message's own length, whatever its bytes say.

    >>> from jupyter_server.services.kernels.connection.base import serialize_msg_to_ws_v1
    >>> parts = [json.dumps(p).encode() for p in ({"msg_type": "status"}, {}, {}, {})]
    >>> read_header(serialize_msg_to_ws_v1(parts, "iopub"))
    {'msg_type': 'status'}
    >>> legacy = (2).to_bytes(4, "big") + (12).to_bytes(4, "big") + bytes(40)
    >>> int.from_bytes(legacy[:8], "little") > 10**17, read_header(legacy)
    (True, None)
    """
    offsets = frame_offsets(ws_msg)
    if offsets is None:
        return None
    start, end = offsets[1], offsets[2]
    try:
        header = json.loads(ws_msg[start:end].decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    return header if isinstance(header, dict) else None


def requested_subprotocols(header: str | None) -> list[str]:
    """The subprotocols a websocket request asks for (`Sec-WebSocket-Protocol`).

    >>> requested_subprotocols("v1.kernel.websocket.jupyter.org, other")
    ['v1.kernel.websocket.jupyter.org', 'other']
    >>> requested_subprotocols(None)
    []
    """
    return [part.strip() for part in (header or "").split(",") if part.strip()]


MAX_KERNELS_VARIABLE = "ROI_APP_MAX_KERNELS"
UNCONNECTED_VARIABLE = "ROI_APP_UNCONNECTED_SECONDS"
RELEASE_VARIABLE = "ROI_APP_RELEASE_SECONDS"
PER_ADDRESS_VARIABLE = "ROI_APP_MAX_KERNELS_PER_ADDRESS"
SOCKETS_PER_ADDRESS_VARIABLE = "ROI_APP_MAX_SOCKETS_PER_ADDRESS"
DEFAULT_MAX_KERNELS = 20
DEFAULT_UNCONNECTED_SECONDS = 60.0
DEFAULT_RELEASE_SECONDS = 10.0
"""A kernel whose last websocket closed (the tab closed, reloaded or navigated away) is
shut down this many seconds later, unless its page reconnects first."""
DEFAULT_KERNELS_PER_ADDRESS = 8
"""Kernels one network address may hold at once (a team behind one NAT shares one)."""
DEFAULT_SOCKETS_PER_ADDRESS = 32
"""Kernel websockets one network address may hold open at once (a page opens one)."""
IDLE_CONNECTION_SECONDS = 60
"""An HTTP connection that sends nothing for this long is closed (Tornado's default is an
hour, so half-open connections could pile up)."""
VISITOR_COOKIE = "roi_visitor"
KERNEL_SECRET_VARIABLE = "ROI_KERNEL_SECRET"
"""Set in the server's environment at start, so in every kernel's: the secret a preheated
kernel shows to read its visitor's request from Voila's query channel (which anyone who
knew the kernel id could read)."""
KERNEL_SECRET_HEADER = "X-Roi-Kernel-Secret"
WEBSOCKET_MAX_MESSAGE_BYTES = 64 * 2**20
"""Largest websocket message (an upload arrives as one): past it Tornado closes the socket."""
BUSY_PAGE = (
    "<!doctype html><html lang=en><meta charset=utf-8><title>Busy</title>"
    "<body style='font-family:sans-serif;margin:3em'><h1>The workbook is busy</h1>"
    "<p>Every place on this server is taken. Try again in a minute.</p></body></html>"
)
TOO_MANY_PAGE = (
    "<!doctype html><html lang=en><meta charset=utf-8><title>Too many pages</title>"
    "<body style='font-family:sans-serif;margin:3em'><h1>Too many open pages</h1>"
    "<p>Your network already has as many workbook pages open as this server allows one "
    "address. Close one (its place is freed within seconds), then reload.</p></body></html>"
)


def _env_number(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name, default))
    except ValueError:
        return default
    return value if value > 0 else default


class Visitors:
    """Which visitor (a random token in a signed cookie) started which kernel, from which
    address, when; which websockets are open to it; and the page requests admitted but
    whose kernel has not started yet (so that concurrent arrivals cannot pass the cap)."""

    def __init__(self) -> None:
        self.owner: dict[str, str] = {}
        self.address: dict[str, str] = {}
        self.started: dict[str, float] = {}
        self.connected: set[str] = set()
        self.sockets: dict[str, int] = {}
        self.pending: dict[str, int] = {}  # address -> admitted, kernel not started yet
        self.current: contextvars.ContextVar[tuple[str, str, list[bool]] | None] = (
            contextvars.ContextVar("roi_visitor", default=None)
        )

    def admit(self, address: str, running: int, cap: int, per_address: int) -> str | None:
        """Reserve a kernel for a page request, or say why not ("busy", "address").

        Runs without an `await` between the check and the reservation: on Tornado's one
        thread, no other request can pass the same check in between.
        """
        if running + sum(self.pending.values()) >= cap:
            return "busy"
        held = sum(1 for a in self.address.values() if a == address)
        if held + self.pending.get(address, 0) >= per_address:
            return "address"
        self.pending[address] = self.pending.get(address, 0) + 1
        return None

    def settle(self, address: str, reservation: list[bool]) -> None:
        """Return a reservation once (its kernel started, or the request ended)."""
        if reservation and not reservation[0]:
            reservation[0] = True
            left = self.pending.get(address, 0) - 1
            if left > 0:
                self.pending[address] = left
            else:
                self.pending.pop(address, None)

    def record(self, kernel_id: str) -> None:
        current = self.current.get()
        if current is not None:
            visitor, address, reservation = current
            self.owner[kernel_id] = visitor
            self.address[kernel_id] = address
            self.started[kernel_id] = time.monotonic()
            self.settle(address, reservation)

    def allows(self, kernel_id: str, visitor: str | None) -> bool:
        """A kernel started for a page request is its visitor's alone."""
        owner = self.owner.get(kernel_id)
        return owner is None or (visitor is not None and secrets.compare_digest(owner, visitor))

    def owned_by(self, kernel_id: str, visitor: str | None) -> bool:
        """Whether `visitor` is the kernel's visitor (a kernel nobody holds is no one's)."""
        owner = self.owner.get(kernel_id)
        return owner is not None and visitor is not None and secrets.compare_digest(owner, visitor)

    def sockets_of(self, address: str) -> int:
        return sum(n for k, n in self.sockets.items() if self.address.get(k) == address)

    def unconnected(self, older_than: float) -> list[str]:
        now = time.monotonic()
        return [
            k
            for k, started in self.started.items()
            if k not in self.connected and now - started > older_than
        ]

    def forget(self, kernel_id: str) -> None:
        for table in (self.owner, self.address, self.started, self.sockets):
            table.pop(kernel_id, None)
        self.connected.discard(kernel_id)


VISITORS = Visitors()


def _visitor(handler: Any) -> str | None:
    value = handler.get_signed_cookie(VISITOR_COOKIE)
    return value.decode("ascii", "replace") if value else None


def _address(handler: Any) -> str:
    return str(handler.request.remote_ip or "")


PATCHED = (
    ("voila.app", "Voila", "init_settings"),
    ("voila.app", "Voila", "listen"),
    ("voila.app", "VoilaKernelWebsocketHandler", None),
    ("voila.app", "TornadoVoilaHandler", None),
    ("voila.app", "ExecutionRequestHandler", None),
    ("voila.app", "KernelHandler", None),
    ("voila.app", "VoilaShutdownKernelHandler", None),
    ("voila.app", "RequestInfoSocketHandler", None),
    ("voila.tornado.kernel_websocket_handler", "read_header_from_binary_message", None),
    ("voila.tornado.kernel_websocket_handler", "VoilaKernelWebsocketHandler", "open"),
    ("voila.tornado.kernel_websocket_handler", "VoilaKernelWebsocketHandler", "on_close"),
    ("voila.request_info_handler", "RequestInfoSocketHandler", "open"),
    ("voila.shutdown_kernel_handler", "VoilaShutdownKernelHandler", "post"),
    ("jupyter_server.services.kernels.handlers", "KernelHandler", "get"),
    ("jupyter_server.services.kernels.handlers", "KernelHandler", "delete"),
)
"""Every name in Voila and Jupyter Server that `harden` replaces or subclasses: checked at
start-up, so an upgrade that renames one stops the server with a message instead of
serving without the guard."""

SUPPORTED = {"voila": ("0.5.",), "jupyter_server": ("2.",)}
"""The versions the patches were written and tested for (pyproject pins the same)."""


class UnsupportedServer(RuntimeError):
    """Voila or Jupyter Server is not a version whose names `harden` patches."""


def check_patch_points() -> None:
    """Raise UnsupportedServer naming every missing name and the versions found."""
    import importlib
    from importlib.metadata import version

    missing = []
    for module_name, name, attribute in PATCHED:
        try:
            found: Any = getattr(importlib.import_module(module_name), name)
            if attribute is not None:
                found = getattr(found, attribute)
        except (ImportError, AttributeError):
            missing.append(f"{module_name}.{name}" + (f".{attribute}" if attribute else ""))
    found_versions = {package: version(package) for package in SUPPORTED}
    off = [
        f"{package} {found_versions[package]}"
        for package, prefixes in SUPPORTED.items()
        if not found_versions[package].startswith(prefixes)
    ]
    if missing or off:
        wanted = ", ".join(f"{p} {'/'.join(v)}x" for p, v in SUPPORTED.items())
        raise UnsupportedServer(
            "roi's app server guards were written for "
            + wanted
            + "; found "
            + ", ".join(f"{p} {v}" for p, v in found_versions.items())
            + (f"; missing: {', '.join(missing)}" if missing else "")
            + ". Install the supported versions (pip install -e '.[app]')."
        )


def harden() -> None:
    """Put roi's handlers and header reader into Voila (before it starts)."""
    check_patch_points()
    import jupyter_server.services.kernels.handlers as server_kernels
    import tornado.ioloop
    import tornado.web
    import voila.app
    import voila.request_info_handler as voila_query
    import voila.shutdown_kernel_handler as voila_shutdown
    import voila.tornado.execution_request_handler as voila_exec
    import voila.tornado.handler as voila_page
    import voila.tornado.kernel_websocket_handler as voila_ws

    max_kernels = int(_env_number(MAX_KERNELS_VARIABLE, DEFAULT_MAX_KERNELS))
    per_address = int(_env_number(PER_ADDRESS_VARIABLE, DEFAULT_KERNELS_PER_ADDRESS))
    sockets_per_address = int(
        _env_number(SOCKETS_PER_ADDRESS_VARIABLE, DEFAULT_SOCKETS_PER_ADDRESS)
    )
    unconnected_seconds = _env_number(UNCONNECTED_VARIABLE, DEFAULT_UNCONNECTED_SECONDS)
    release_seconds = _env_number(RELEASE_VARIABLE, DEFAULT_RELEASE_SECONDS)
    # Every kernel inherits the server's environment (Voila's pool copies os.environ), so
    # kernels, and only they, know it; a visitor never sees a kernel's environment.
    kernel_secret = secrets.token_urlsafe(32)
    os.environ[KERNEL_SECRET_VARIABLE] = kernel_secret
    culler: list[tornado.ioloop.PeriodicCallback] = []
    managers: list[Any] = []

    async def shut_down(kernel_id: str) -> None:
        VISITORS.forget(kernel_id)
        if managers and kernel_id in managers[0]:
            await managers[0].shutdown_kernel(kernel_id)

    def start_culler(kernel_manager: Any) -> None:
        if culler:
            return
        managers.append(kernel_manager)

        async def cull() -> None:
            for kernel_id in VISITORS.unconnected(unconnected_seconds):
                await shut_down(kernel_id)

        interval = max(1.0, min(10.0, unconnected_seconds / 4)) * 1000
        culler.append(tornado.ioloop.PeriodicCallback(cull, interval))
        culler[0].start()

        original = kernel_manager.start_kernel

        async def start_kernel(*args: Any, **kwargs: Any) -> str:
            pooled = (kwargs.get("env") or {}).get("VOILA_PREHEAT") == "True"
            kernel_id = await original(*args, **kwargs)
            # A kernel for the preheated pool (even one a page request's refill starts)
            # has no visitor yet: it gets one when the pool hands it out, below.
            if not pooled:
                VISITORS.record(kernel_id)
            return kernel_id

        kernel_manager.start_kernel = start_kernel
        rendered = getattr(kernel_manager, "get_rendered_notebook", None)
        if rendered is not None:  # preheating: a pooled kernel goes to this page's visitor

            async def get_rendered_notebook(*args: Any, **kwargs: Any) -> Any:
                result = await rendered(*args, **kwargs)
                VISITORS.record(result[2])  # (render task, rendered cells, kernel id)
                return result

            kernel_manager.get_rendered_notebook = get_rendered_notebook

    def release_later(kernel_id: str) -> None:
        """Shut a kernel down `release_seconds` after its last websocket closed, unless
        one opened again in between (a reconnect after a network blip)."""

        async def release() -> None:
            if kernel_id in VISITORS.owner and not VISITORS.sockets.get(kernel_id):
                await shut_down(kernel_id)

        tornado.ioloop.IOLoop.current().call_later(release_seconds, release)

    class PageHandler(voila_page.TornadoVoilaHandler):
        """Voila's page, with admission (a cap on kernels, overall and per address) and
        the visitor's cookie."""

        async def get(self, *args: Any, **kwargs: Any) -> None:
            start_culler(self.kernel_manager)
            address = _address(self)
            refused = VISITORS.admit(
                address, len(self.kernel_manager.list_kernel_ids()), max_kernels, per_address
            )
            if refused is not None:
                self.set_status(503 if refused == "busy" else 429)
                self.set_header("Retry-After", "60" if refused == "busy" else "15")
                self.finish(BUSY_PAGE if refused == "busy" else TOO_MANY_PAGE)
                return
            reservation = [False]
            try:
                visitor = _visitor(self) or secrets.token_urlsafe(24)
                self.set_signed_cookie(VISITOR_COOKIE, visitor, httponly=True, samesite="Strict")
                VISITORS.current.set((visitor, address, reservation))
                await super().get(*args, **kwargs)
            finally:
                VISITORS.settle(address, reservation)

    class KernelWebsocketHandler(voila_ws.VoilaKernelWebsocketHandler):
        """Voila's kernel websocket, for v1 clients and the kernel's own visitor only; a
        kernel is released when its last socket closes."""

        counted = ""

        async def get(self, *args: Any, **kwargs: Any) -> None:
            asked = requested_subprotocols(self.request.headers.get("Sec-WebSocket-Protocol"))
            if V1_PROTOCOL not in asked:
                raise tornado.web.HTTPError(
                    400, reason=f"this server speaks only the {V1_PROTOCOL} kernel protocol"
                )
            kernel_id = kwargs.get("kernel_id") or (args[0] if args else "")
            if not VISITORS.allows(kernel_id, _visitor(self)):
                raise tornado.web.HTTPError(403, reason="this kernel belongs to another visitor")
            if VISITORS.sockets_of(_address(self)) >= sockets_per_address:
                raise tornado.web.HTTPError(429, reason="too many open connections")
            VISITORS.connected.add(kernel_id)
            await super().get(*args, **kwargs)

        def open(self, *args: Any, **kwargs: Any) -> Any:
            kernel_id = kwargs.get("kernel_id") or (args[0] if args else "")
            if kernel_id in VISITORS.owner:
                VISITORS.sockets[kernel_id] = VISITORS.sockets.get(kernel_id, 0) + 1
                self.counted = kernel_id
            return super().open(*args, **kwargs)

        def on_close(self) -> None:
            super().on_close()
            kernel_id, self.counted = self.counted, ""
            if kernel_id and kernel_id in VISITORS.sockets:
                VISITORS.sockets[kernel_id] -= 1
                if VISITORS.sockets[kernel_id] <= 0:
                    release_later(kernel_id)

        def on_message(self, ws_message: str | bytes) -> None:
            if frame_offsets(ws_message) is None:  # type: ignore[arg-type]
                self.log.warning("roi: malformed kernel message; closing the websocket")
                self.close(1003, "malformed kernel message")
                return
            super().on_message(ws_message)

    class ExecutionHandler(voila_exec.ExecutionRequestHandler):
        """Voila's progressive-rendering channel, for the kernel's own visitor only."""

        async def get(self, *args: Any, **kwargs: Any) -> None:
            kernel_id = kwargs.get("kernel_id") or (args[0] if args else "")
            if not VISITORS.allows(kernel_id, _visitor(self)):
                raise tornado.web.HTTPError(403, reason="this kernel belongs to another visitor")
            await super().get(*args, **kwargs)

    def _own_kernel(handler: Any, kernel_id: str) -> None:
        if not VISITORS.owned_by(kernel_id, _visitor(handler)):
            raise tornado.web.HTTPError(404, reason="no such kernel")

    class KernelHandler(server_kernels.KernelHandler):
        """Jupyter Server's kernel status and shutdown, for the kernel's own visitor only
        (before: a kernel id alone read its status or shut it down)."""

        async def get(self, kernel_id: str) -> None:
            _own_kernel(self, kernel_id)
            done = super().get(kernel_id)
            if done is not None:
                await done

        async def delete(self, kernel_id: str) -> None:
            _own_kernel(self, kernel_id)
            VISITORS.forget(kernel_id)
            done = super().delete(kernel_id)
            if done is not None:
                await done

    class ShutdownHandler(voila_shutdown.VoilaShutdownKernelHandler):
        """The page's shutdown on unload, for the kernel's own visitor only."""

        async def post(self, kernel_id: str) -> None:
            _own_kernel(self, kernel_id)
            VISITORS.forget(kernel_id)
            await super().post(kernel_id)

    class QueryHandler(voila_query.RequestInfoSocketHandler):
        """Voila's preheat channel (the visitor's request, sent to the kernel that serves
        it), for that kernel alone: it shows the secret roi put in its environment."""

        def open(self, kernel_id: str) -> None:
            shown = self.request.headers.get(KERNEL_SECRET_HEADER, "")
            if not secrets.compare_digest(kernel_secret, shown):
                self.close(1008, "this channel belongs to another kernel")
                return
            super().open(kernel_id)

        def on_close(self) -> None:
            if self in voila_query.RequestInfoSocketHandler._waiters.values():
                super().on_close()

    original_settings = voila.app.Voila.init_settings

    def init_settings(self: Any) -> dict[str, Any]:
        # Tornado closes a websocket on a message over 10 MiB, silently for the visitor:
        # an upload of 10-64 MiB now reaches the app, which says it is too big.
        settings = original_settings(self)
        settings.setdefault("websocket_max_message_size", WEBSOCKET_MAX_MESSAGE_BYTES)
        return settings

    def listen(self: Any) -> None:
        # Connections that send nothing are closed after a minute, not an hour.
        application = self.app
        plain = application.listen

        def bounded(port: int, address: str = "", **kwargs: Any) -> Any:
            kwargs.setdefault("idle_connection_timeout", IDLE_CONNECTION_SECONDS)
            kwargs.setdefault("body_timeout", IDLE_CONNECTION_SECONDS)
            return plain(port, address, **kwargs)

        application.listen = bounded
        original_listen(self)

    original_listen = voila.app.Voila.listen
    voila.app.Voila.init_settings = init_settings
    voila.app.Voila.listen = listen
    voila_ws.read_header_from_binary_message = read_header
    voila.app.VoilaKernelWebsocketHandler = KernelWebsocketHandler
    voila.app.TornadoVoilaHandler = PageHandler
    voila.app.ExecutionRequestHandler = ExecutionHandler
    voila.app.KernelHandler = KernelHandler
    voila.app.VoilaShutdownKernelHandler = ShutdownHandler
    voila.app.RequestInfoSocketHandler = QueryHandler


def main() -> None:
    try:
        harden()
    except UnsupportedServer as error:
        print(f"roi: {error}", file=sys.stderr)
        sys.exit(1)
    from voila.app import main as voila_main

    voila_main()


if __name__ == "__main__":
    main()
