"""Serve an ASGI app with uvicorn in a thread of the test process, on a free loopback port.

Faster to start than a ``dakkio-mock`` process (no second interpreter), and the test keeps the
app in reach (``app.mock``). A real socket, so connection-level faults behave as in production.
"""

from __future__ import annotations

import contextlib
import threading
import time

import uvicorn

from .livemock import free_port


@contextlib.contextmanager
def serving(app, **options):
    """``http://127.0.0.1:PORT`` while the block runs."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", access_log=False,
                                           lifespan="off", **options))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
