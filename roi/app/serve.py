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
DEFAULT_MAX_KERNELS = 20
DEFAULT_UNCONNECTED_SECONDS = 60.0
VISITOR_COOKIE = "roi_visitor"
WEBSOCKET_MAX_MESSAGE_BYTES = 64 * 2**20
"""Largest websocket message (an upload arrives as one): past it Tornado closes the socket."""
BUSY_PAGE = (
    "<!doctype html><html lang=en><meta charset=utf-8><title>Busy</title>"
    "<body style='font-family:sans-serif;margin:3em'><h1>The workbook is busy</h1>"
    "<p>Every place on this server is taken. Try again in a minute.</p></body></html>"
)


def _env_number(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name, default))
    except ValueError:
        return default
    return value if value > 0 else default


class Visitors:
    """Which visitor (a random token in a signed cookie) started which kernel, when, and
    whether a websocket ever connected to it."""

    def __init__(self) -> None:
        self.owner: dict[str, str] = {}
        self.started: dict[str, float] = {}
        self.connected: set[str] = set()
        self.current: contextvars.ContextVar[str | None] = contextvars.ContextVar(
            "roi_visitor", default=None
        )

    def record(self, kernel_id: str) -> None:
        visitor = self.current.get()
        if visitor is not None:
            self.owner[kernel_id] = visitor
            self.started[kernel_id] = time.monotonic()

    def allows(self, kernel_id: str, visitor: str | None) -> bool:
        """A kernel started for a page request is its visitor's alone."""
        owner = self.owner.get(kernel_id)
        return owner is None or (visitor is not None and secrets.compare_digest(owner, visitor))

    def unconnected(self, older_than: float) -> list[str]:
        now = time.monotonic()
        return [
            k
            for k, started in self.started.items()
            if k not in self.connected and now - started > older_than
        ]

    def forget(self, kernel_id: str) -> None:
        self.owner.pop(kernel_id, None)
        self.started.pop(kernel_id, None)
        self.connected.discard(kernel_id)


VISITORS = Visitors()


def _visitor(handler: Any) -> str | None:
    value = handler.get_signed_cookie(VISITOR_COOKIE)
    return value.decode("ascii", "replace") if value else None


def harden() -> None:
    """Put roi's handlers and header reader into Voila (before it starts)."""
    import tornado.ioloop
    import tornado.web
    import voila.app
    import voila.tornado.execution_request_handler as voila_exec
    import voila.tornado.handler as voila_page
    import voila.tornado.kernel_websocket_handler as voila_ws

    max_kernels = int(_env_number(MAX_KERNELS_VARIABLE, DEFAULT_MAX_KERNELS))
    unconnected_seconds = _env_number(UNCONNECTED_VARIABLE, DEFAULT_UNCONNECTED_SECONDS)
    culler: list[tornado.ioloop.PeriodicCallback] = []

    def start_culler(kernel_manager: Any) -> None:
        if culler:
            return

        async def cull() -> None:
            for kernel_id in VISITORS.unconnected(unconnected_seconds):
                VISITORS.forget(kernel_id)
                if kernel_id in kernel_manager:
                    await kernel_manager.shutdown_kernel(kernel_id)

        interval = max(1.0, min(10.0, unconnected_seconds / 4)) * 1000
        culler.append(tornado.ioloop.PeriodicCallback(cull, interval))
        culler[0].start()

        original = kernel_manager.start_kernel

        async def start_kernel(*args: Any, **kwargs: Any) -> str:
            kernel_id = await original(*args, **kwargs)
            # A kernel for the preheated pool (even one a page request's refill starts)
            # has no visitor yet: it gets one when the pool hands it out, below.
            if (kwargs.get("env") or {}).get("VOILA_PREHEAT") != "True":
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

    class PageHandler(voila_page.TornadoVoilaHandler):
        """Voila's page, with a cap on kernels and the visitor's cookie."""

        async def get(self, *args: Any, **kwargs: Any) -> None:
            start_culler(self.kernel_manager)
            if len(self.kernel_manager.list_kernel_ids()) >= max_kernels:
                self.set_status(503)
                self.set_header("Retry-After", "60")
                self.finish(BUSY_PAGE)
                return
            visitor = _visitor(self) or secrets.token_urlsafe(24)
            self.set_signed_cookie(VISITOR_COOKIE, visitor, httponly=True, samesite="Strict")
            VISITORS.current.set(visitor)
            await super().get(*args, **kwargs)

    class KernelWebsocketHandler(voila_ws.VoilaKernelWebsocketHandler):
        """Voila's kernel websocket, for v1 clients and the kernel's own visitor only."""

        async def get(self, *args: Any, **kwargs: Any) -> None:
            asked = requested_subprotocols(self.request.headers.get("Sec-WebSocket-Protocol"))
            if V1_PROTOCOL not in asked:
                raise tornado.web.HTTPError(
                    400, reason=f"this server speaks only the {V1_PROTOCOL} kernel protocol"
                )
            kernel_id = kwargs.get("kernel_id") or (args[0] if args else "")
            if not VISITORS.allows(kernel_id, _visitor(self)):
                raise tornado.web.HTTPError(403, reason="this kernel belongs to another visitor")
            VISITORS.connected.add(kernel_id)
            await super().get(*args, **kwargs)

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

    original_settings = voila.app.Voila.init_settings

    def init_settings(self: Any) -> dict[str, Any]:
        # Tornado closes a websocket on a message over 10 MiB, silently for the visitor:
        # an upload of 10-64 MiB now reaches the app, which says it is too big.
        settings = original_settings(self)
        settings.setdefault("websocket_max_message_size", WEBSOCKET_MAX_MESSAGE_BYTES)
        return settings

    voila.app.Voila.init_settings = init_settings
    voila_ws.read_header_from_binary_message = read_header
    voila.app.VoilaKernelWebsocketHandler = KernelWebsocketHandler
    voila.app.TornadoVoilaHandler = PageHandler
    voila.app.ExecutionRequestHandler = ExecutionHandler


def main() -> None:
    harden()
    from voila.app import main as voila_main

    voila_main()


if __name__ == "__main__":
    main()
