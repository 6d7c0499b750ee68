"""The portal served over real HTTP for a browser or a crawler: a free loopback port, threaded."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flask import Flask
from werkzeug.serving import make_server


@contextmanager
def serving(app: Flask) -> Iterator[Callable[[str], str]]:
    """The app served on a free loopback port (threaded); gives the URL of a path."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield lambda path: f"http://127.0.0.1:{server.server_port}{path}"
    finally:
        server.shutdown()
        thread.join(10)

