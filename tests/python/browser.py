"""Headless Chromium (Debian's package, no browser download) driven by Playwright."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path

CHROMIUM = os.environ.get("WAREHOUSE_CHROMIUM", "/usr/bin/chromium")
# Flags that let Chromium start as root on a machine without network access, quickly.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def launch(playwright, user_data_dir: Path):
    """A persistent browser context in a fresh profile directory."""
    return playwright.chromium.launch_persistent_context(
        str(user_data_dir),
        executable_path=CHROMIUM,
        headless=True,
        args=CHROMIUM_ARGS,
        viewport={"width": 1600, "height": 1000},
    )


def wait_for_port(port: int, server: subprocess.Popen, what: str, seconds: float = 120) -> None:
    """Returns once something answers on 127.0.0.1:port; raises when server ends first or
    nothing answers within seconds."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{what} did not answer on port {port}") from None
            time.sleep(0.3)
