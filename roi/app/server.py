"""Serving the workbook with Voila: the command line, the shared plotly bundle, kernel facts.

Imports no widgets: the CLI builds the command without loading the app.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path

from roi.files import write_text_atomic
from roi.resources import WORKBOOK_NOTEBOOK

# Environment variables that only a kernel with a browser frontend has: Voila sets the
# first two, Jupyter Server (JupyterLab, Notebook) the third. papermill sets none.
FRONTEND_VARIABLES = ("VOILA_KERNEL_ID", "VOILA_PREHEAT", "JPY_SESSION_NAME")

LOG = logging.getLogger(__name__)
VOILA_TEMPLATE = "roi"
VOILA_DATA = Path(__file__).resolve().parents[1] / "data" / "jupyter"  # holds the roi template
CULL_IDLE_SECONDS = 3600
"""Shut kernels down after an hour without activity (Voila never does by itself).

An hour is far longer than a preheated kernel waits for its first visitor only when the
server is busy; pooled kernels are exempt from culling in Voila anyway."""

POOL_REFILL_DELAY = 5
"""Seconds before Voila replaces a preheated kernel a visitor took (its default is 1)."""

PLOTLY_ESM_VARIABLE = "ROI_PLOTLY_ESM"
"""Set by `voila_command` for its kernels: the file name of plotly's shared widget bundle."""

# Each FigureWidget carries plotly's 5 MB widget bundle in its state, and the browser
# would evaluate it once per chart. Under roi's Voila template the charts get this
# small module instead: it imports the bundle from the template's static folder by URL,
# so the browser fetches and evaluates it once for the page.
#
# It also fits each chart to its box. Plotly's widget measures its element once, when it
# is first drawn (before it is in the page under anywidget, so 700 px: plotly.py #5208),
# and never again. Here a ResizeObserver calls the widget's own autosizeFigure (plotly's
# Plots.resize, for a figure without a width) whenever the element changes width. The
# relayout that Plots.resize emits is marked _doNotReportToPy, the widget's own marker:
# the width is the browser's business, and the kernel's figure is not edited behind the
# thread that redraws it.
PLOTLY_ESM_SHIM = """\
const base = document.body.dataset.baseUrl || "/voila/";
const url = new URL(base + "templates/roi/static/" + {name}, window.location.href);
const bundle = await import(url.href);
const autosize = bundle.FigureView.prototype.autosizeFigure;

function fitToBox(model, el) {{
  let width = 0, pending = 0;
  const quiet = () => {{
    if (el.emit._roi) return;  // plotly's newPlot gives a redrawn chart a new emit
    const emit = el.emit;
    el.emit = function (name, data) {{
      if (name === "plotly_relayout" && pending > 0 && data && !Array.isArray(data)) {{
        data = Object.assign({{}}, data, {{ _doNotReportToPy: true }});
      }}
      return emit.call(this, name, data);
    }};
    el.emit._roi = true;
  }};
  const fit = () => {{
    const now = el.clientWidth;
    if (!now || now === width || !el._fullLayout || typeof el.emit !== "function") return;
    if ((model.get("_widget_layout") || {{}}).width) return;  // a width of its own: kept
    width = now;
    quiet();
    pending += 1;
    autosize.call({{ el, model, _sendLayoutDelta() {{ pending -= 1; }} }});
  }};
  const drawn = (event) => {{
    if (event.detail && event.detail.element === el) {{ width = 0; fit(); }}
  }};
  const observer = new ResizeObserver(fit);
  observer.observe(el);
  document.addEventListener("plotlywidget-after-render", drawn);
  return () => {{
    observer.disconnect();
    document.removeEventListener("plotlywidget-after-render", drawn);
  }};
}}

export default () => {{
  const widget = bundle.default();
  return {{
    initialize: (props) => widget.initialize(props),
    render(props) {{
      const remove = widget.render(props);
      props.el.classList.add("roi-plot");
      const unfit = fitToBox(props.model, props.el);
      return () => {{ unfit(); if (typeof remove === "function") remove(); }};
    }},
  }};
}};
"""


def shared_bundle_root() -> Path:
    """A Jupyter data folder outside the repository for files roi links at run time."""
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "roi" / "jupyter"


def share_plotly_bundle(root: Path | None = None) -> str | None:
    """Copy plotly's widget bundle into roi's template static folder; its file name.

    A copy, not a link: Voila's static handler refuses links that leave its folder. The
    name carries plotly's version, so browsers never reuse a stale bundle. None when the
    folder cannot be written (the charts then carry the bundle themselves).
    """
    import plotly

    source = Path(plotly.__file__).parent / "package_data" / "widgetbundle.js"
    name = f"plotly-widget-{plotly.__version__}.js"
    folder = (root or shared_bundle_root()) / "voila" / "templates" / VOILA_TEMPLATE / "static"
    target = folder / name
    if not source.is_file():
        return None
    try:
        if target.is_symlink() or not target.is_file():
            target.unlink(missing_ok=True)
            write_text_atomic(target, source.read_bytes())
    except OSError:
        return None
    return name


def _shared_plotly_esm() -> str | None:
    name = os.environ.get(PLOTLY_ESM_VARIABLE)
    return PLOTLY_ESM_SHIM.format(name=json.dumps(name)) if name else None


def voila_command(
    notebook: str | os.PathLike[str] = WORKBOOK_NOTEBOOK,
    *,
    port: int = 8866,
    ip: str = "127.0.0.1",
    token: str | None = None,
    preheat: int = 0,
    cull_idle_seconds: int = CULL_IDLE_SECONDS,
    max_kernels: int | None = None,
) -> tuple[list[str], dict[str, str]]:
    """The command line and environment that serve a notebook (or a folder) with Voila.

    Sources stripped, tracebacks hidden, no Font Awesome from a CDN (the roi template),
    idle kernels culled; `preheat` > 0 keeps that many kernels per notebook executed
    ahead of visitors; `token` makes visitors add ?token=... to the URL.

    >>> argv, env = voila_command(port=9000)
    >>> "--port=9000" in argv and "--show_tracebacks=False" in argv
    True
    """
    argv = [
        sys.executable,
        "-m",
        "roi.app.serve",  # Voila's command line, its kernel websocket hardened
        str(notebook),
        "--no-browser",
        f"--port={port}",
        "--Voila.port_retries=0",  # a port in use is refused, never silently another
        f"--Voila.ip={ip}",
        "--strip_sources=True",
        "--show_tracebacks=False",
        f"--template={VOILA_TEMPLATE}",
        # Only roi's template: ?template=lab brought back CDN links and skipped the pool.
        "--VoilaConfiguration.allow_template_override=NO",
        "--VoilaConfiguration.allow_theme_override=NO",
        f"--MappingKernelManager.cull_idle_timeout={cull_idle_seconds}",
        "--MappingKernelManager.cull_interval=300",
        "--MappingKernelManager.cull_connected=True",
    ]
    if token:
        argv.append(f"--token={token}")
    if preheat > 0:
        # The used kernel is replaced a few seconds later, not at once: starting it and
        # running the notebook would take the CPU the visitor's page is being drawn with.
        argv += [
            "--preheat_kernel=True",
            f"--pool_size={preheat}",
            f"--VoilaKernelManager.fill_delay={POOL_REFILL_DELAY}",
        ]
    paths = [str(VOILA_DATA), *filter(None, os.environ.get("JUPYTER_PATH", "").split(os.pathsep))]
    env = {**os.environ}
    bundle = share_plotly_bundle()
    if bundle is not None:
        paths.insert(1, str(shared_bundle_root()))
        env[PLOTLY_ESM_VARIABLE] = bundle
    env["JUPYTER_PATH"] = os.pathsep.join(paths)
    if max_kernels is not None:
        env["ROI_APP_MAX_KERNELS"] = str(max_kernels)  # read by roi.app.serve
    return argv, env


def has_frontend() -> bool:
    """Whether a browser is attached to this kernel (Voila, JupyterLab), not papermill.

    ROI_APP_FRONTEND=1 or 0 overrides the guess.
    """
    forced = os.environ.get("ROI_APP_FRONTEND")
    if forced in ("0", "1"):
        return forced == "1"
    return any(os.environ.get(name) for name in FRONTEND_VARIABLES)


KERNEL_MEMORY_VARIABLE = "ROI_APP_KERNEL_MEMORY_MB"
DEFAULT_KERNEL_MEMORY_MB = 3072
"""A page's kernel may hold this much data (RLIMIT_DATA): about 1.4 GB of it is reserved
address space at start (threads' malloc arenas; 185 MB resident), the rest is room for the
work. Past it an allocation fails with MemoryError, which the app shows as a message,
instead of the kernel growing until the host runs out of memory."""


def limit_kernel_memory() -> int | None:
    """Cap this process's data segment at ROI_APP_KERNEL_MEMORY_MB (default 3072) MB;
    the limit in bytes, or None when unset (0) or the platform has no RLIMIT_DATA."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not POSIX
        return None
    try:
        megabytes = float(os.environ.get(KERNEL_MEMORY_VARIABLE, DEFAULT_KERNEL_MEMORY_MB))
    except ValueError:
        megabytes = DEFAULT_KERNEL_MEMORY_MB
    if not megabytes > 0 or not hasattr(resource, "RLIMIT_DATA"):
        return None
    limit = int(megabytes * 2**20)
    _, hard = resource.getrlimit(resource.RLIMIT_DATA)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    try:
        resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))
    except (ValueError, OSError):  # already using more than the limit
        return None
    return limit


def preheated() -> bool:
    """Whether this kernel was started ahead of its visitor (Voila's preheated pool)."""
    return os.environ.get("VOILA_PREHEAT", "False") != "False"


def prepare_frontend_kernel() -> None:
    """What a kernel serving a page does first: a memory limit (in a kernel Voila started
    for a visitor only, never in a notebook or test process), and no slow IRI checker."""
    if os.environ.get("VOILA_KERNEL_ID"):
        limit_kernel_memory()
    skip_slow_iri_checker()


def skip_slow_iri_checker() -> None:
    """Keep jsonschema from loading its optional IRI format checker in this kernel.

    plotly.io imports nbformat, nbformat imports jsonschema, and jsonschema imports
    rfc3987_syntax when installed, which builds a grammar for 1-3 s: the largest part of
    the app's start-up. Nothing in an app kernel validates IRIs (nbformat's schema has
    none), and jsonschema treats the checker as optional, so it is marked unavailable.
    Only for a kernel serving a page, and only if nothing has loaded it yet.
    """
    if "rfc3987_syntax" not in sys.modules and "jsonschema" not in sys.modules:
        sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]


def preheated_query_string(timeout: float = 3600.0) -> str:
    """In a preheated kernel: wait for the visitor's request and return its query string.

    What `voila.utils.get_query_string` does, but showing the secret `roi.app.serve` put
    in this kernel's environment: the server hands the request only to the kernel it
    belongs to (before, anyone who knew the kernel id could read it). Sets the request's
    variables (QUERY_STRING, ...) in this process's environment, as Voila's helper does.
    """
    import asyncio
    import threading

    import websockets

    from roi.app.serve import KERNEL_SECRET_HEADER, KERNEL_SECRET_VARIABLE

    protocol = os.environ.get("VOILA_WS_PROTOCOL", "ws")
    host = os.environ.get("VOILA_APP_IP", "127.0.0.1")
    port = os.environ.get("VOILA_APP_PORT", "8866")
    base = os.environ.get("VOILA_WS_BASE_URL", os.environ.get("VOILA_SERVER_URL", "/"))
    url = f"{protocol}://{host}:{port}{base}voila/query/{os.environ.get('VOILA_KERNEL_ID', '')}"
    headers = {KERNEL_SECRET_HEADER: os.environ.get(KERNEL_SECRET_VARIABLE, "")}
    received: list[str] = []

    async def receive() -> None:
        async with websockets.connect(url, additional_headers=headers, open_timeout=5) as ws:
            message = await asyncio.wait_for(ws.recv(), timeout)
            received.append(message if isinstance(message, str) else message.decode())

    def run() -> None:
        try:
            asyncio.run(receive())
        except (OSError, TimeoutError, websockets.exceptions.WebSocketException) as error:
            LOG.warning("roi: no request reached this preheated kernel: %s", error)

    thread = threading.Thread(target=run)  # the kernel's own event loop is running
    thread.start()
    thread.join()
    if received:
        for key, value in json.loads(received[0]).items():
            os.environ[key] = str(value)
    return os.environ.get("QUERY_STRING", "")
