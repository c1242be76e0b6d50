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

`voila_command` (roi.app.server) starts this module instead of `python -m voila`.
"""

from __future__ import annotations

import itertools
import json
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


def harden() -> None:
    """Put roi's kernel websocket handler and header reader into Voila (before it starts)."""
    import tornado.web
    import voila.app
    import voila.tornado.kernel_websocket_handler as voila_ws

    class KernelWebsocketHandler(voila_ws.VoilaKernelWebsocketHandler):
        """Voila's kernel websocket, for v1 clients only."""

        async def get(self, *args: Any, **kwargs: Any) -> None:
            asked = requested_subprotocols(self.request.headers.get("Sec-WebSocket-Protocol"))
            if V1_PROTOCOL not in asked:
                raise tornado.web.HTTPError(
                    400, reason=f"this server speaks only the {V1_PROTOCOL} kernel protocol"
                )
            await super().get(*args, **kwargs)

        def on_message(self, ws_message: str | bytes) -> None:
            if frame_offsets(ws_message) is None:  # type: ignore[arg-type]
                self.log.warning("roi: malformed kernel message; closing the websocket")
                self.close(1003, "malformed kernel message")
                return
            super().on_message(ws_message)

    voila_ws.read_header_from_binary_message = read_header
    voila.app.VoilaKernelWebsocketHandler = KernelWebsocketHandler


def main() -> None:
    harden()
    from voila.app import main as voila_main

    voila_main()


if __name__ == "__main__":
    main()
