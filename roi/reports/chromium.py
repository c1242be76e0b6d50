"""Headless Chromium through Playwright: one place for the path lookup, flags and launch error.

The memo prints PDFs and draws Markdown charts with it; the browser tests drive the same.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from roi.exceptions import RoiError


class BrowserError(RoiError, RuntimeError):
    """Headless Chromium could not be found or started."""


CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def chromium_executable() -> str | None:
    """The browser to drive: $ROI_CHROMIUM, else /usr/bin/chromium, else Playwright's own."""
    configured = os.environ.get("ROI_CHROMIUM")
    if configured:
        if not Path(configured).is_file():
            raise BrowserError(f"ROI_CHROMIUM points to {configured!r}, which is not a file")
        return configured
    system = "/usr/bin/chromium"
    return system if Path(system).is_file() else None


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium browser (Playwright), closed on exit."""
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise BrowserError(
            "PDF and Markdown charts need Playwright: pip install playwright"
        ) from None
    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(
                executable_path=chromium_executable(), args=list(CHROMIUM_ARGS)
            )
        except PlaywrightError as error:
            raise BrowserError(
                "cannot start headless Chromium (install it, e.g. `make browser`, or set "
                f"ROI_CHROMIUM to its path): {str(error).splitlines()[0]}"
            ) from None
        try:
            yield browser
        finally:
            browser.close()


@contextlib.contextmanager
def browser_or_new(browser: Any = None) -> Iterator[Any]:
    """The browser given, or a new one closed on exit."""
    if browser is not None:
        yield browser
        return
    with chromium() as started:
        yield started
