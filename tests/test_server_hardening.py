"""The app server against a hostile visitor (issue 11): a real Voila started by roi's
`voila_command`, a websocket client written here, and a second visitor who must still be
served.

Before roi.app.serve, a client that connected without the v1 subprotocol and asked the
widgets for their state (a reply with binary buffers) froze Voila 0.5.13: its header
reader took the legacy format's first bytes as ~10^17 offsets.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import urllib.request
import uuid

import nbformat
import pytest
import tornado.httpclient
import tornado.websocket
from browser import voila_server
from jupyter_server.services.kernels.connection.base import (
    deserialize_msg_from_ws_v1,
    serialize_msg_to_ws_v1,
)

from roi.app.serve import V1_PROTOCOL

pytestmark = pytest.mark.slow

SECONDS = 20  # a page of one small widget loads in about 2 s on 2 cores


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """Voila serving a notebook whose one widget has binary state (an image)."""
    folder = tmp_path_factory.mktemp("hostile")
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell(
            "import ipywidgets\nipywidgets.Image(value=b'\\x89PNG' + bytes(256), format='png')"
        )
    ]
    path = folder / "binary_widget.ipynb"
    nbformat.write(notebook, path)
    with voila_server(path) as url:
        yield url


def page(url: str) -> tuple[str, float]:
    """A visitor's page (Voila runs the notebook in a new kernel): its HTML and seconds."""
    start = time.monotonic()
    with urllib.request.urlopen(url + "/", timeout=SECONDS) as response:
        body = response.read().decode()
    return body, time.monotonic() - start


def kernel_id(body: str) -> str:
    found = re.search(r'"kernelId": ?"([0-9a-f-]{36})"', body)
    assert found, "the page names its kernel"
    return found.group(1)


def message(msg_type: str, content: dict, metadata: dict | None = None) -> dict:
    header = {
        "msg_id": uuid.uuid4().hex,
        "msg_type": msg_type,
        "username": "",
        "session": "hostile",
        "date": "",
        "version": "5.3",
    }
    return {"header": header, "parent_header": {}, "metadata": metadata or {}, "content": content}


def v1(msg: dict, channel: str = "shell") -> bytes:
    return serialize_msg_to_ws_v1(msg, channel, lambda part: json.dumps(part).encode())


def channels_url(url: str, kernel: str) -> str:
    return url.replace("http://", "ws://") + f"/api/kernels/{kernel}/channels?session_id=x"


async def request_states(url: str, kernel: str) -> list[str]:
    """As a v1 client: open the widget control comm, ask for every widget's state, and
    return the message types received within a few seconds."""
    conn = await tornado.websocket.websocket_connect(
        tornado.httpclient.HTTPRequest(channels_url(url, kernel)), subprotocols=[V1_PROTOCOL]
    )
    comm = {"comm_id": "control", "target_name": "jupyter.widget.control", "data": {}}
    conn.write_message(v1(message("comm_open", comm, {"version": "1.0.0"})), binary=True)
    await asyncio.sleep(0.5)
    ask = {"comm_id": "control", "data": {"method": "request_states"}}
    conn.write_message(v1(message("comm_msg", ask)), binary=True)
    conn.write_message(b"\xff" * 64, binary=True)  # garbage, too
    seen = []
    try:
        while True:
            raw = await asyncio.wait_for(conn.read_message(), 3)
            if raw is None:
                break
            if isinstance(raw, bytes):
                _channel, parts = deserialize_msg_from_ws_v1(raw)
                seen.append(json.loads(parts[0])["msg_type"])
    except TimeoutError:
        pass
    conn.close()
    return seen


def test_a_legacy_protocol_client_is_refused_and_the_server_keeps_serving(server):
    body, _ = page(server)
    request = tornado.httpclient.HTTPRequest(channels_url(server, kernel_id(body)))

    async def legacy() -> None:
        await tornado.websocket.websocket_connect(request)  # no subprotocol: legacy

    with pytest.raises(tornado.httpclient.HTTPClientError) as refused:
        asyncio.run(legacy())
    assert refused.value.code == 400
    _, seconds = page(server)
    assert seconds < SECONDS


def test_asking_every_widget_for_its_binary_state_leaves_other_visitors_served(server):
    body, _ = page(server)
    seen = asyncio.run(request_states(server, kernel_id(body)))
    assert "comm_msg" in seen  # the states came back (with the image's buffer)
    other, seconds = page(server)  # another visitor, after the attack
    assert "kernelId" in other and seconds < SECONDS
