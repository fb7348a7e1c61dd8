"""The suite's own webhook receiver: a small threaded HTTP server that records what is POSTed to it."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body)


def split_host(option: str) -> tuple[str, int]:
    """``HOST[:PORT]`` (``[v6]:PORT`` for IPv6); port 0: any free port."""
    if option.startswith("["):
        host, _, rest = option[1:].partition("]")
        return host, int(rest.lstrip(":") or 0)
    host, _, port = option.rpartition(":") if option.count(":") == 1 else (option, "", "")
    return host, int(port or 0)


class Receiver:
    """Listens on ``host:port`` (or, when ``host`` is not an address of this machine, on every
    interface at that port: ``host`` may be a NAT's or a tunnel's address the target reaches)."""

    def __init__(self, host: str, port: int = 0):
        self.host = host
        self.received: list[Received] = []
        self._changed = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                size = int(self.headers.get("Content-Length") or 0)
                item = Received(self.path, {k.lower(): v for k, v in self.headers.items()}, self.rfile.read(size))
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()
                with receiver._changed:
                    receiver.received.append(item)
                    receiver._changed.notify_all()

            def log_message(self, *args):
                pass

        try:
            self.server = ThreadingHTTPServer((host, port), Handler)
        except OSError:
            self.server = ThreadingHTTPServer(("0.0.0.0", port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, args=(0.05,), name="webhook-receiver", daemon=True).start()

    def url(self, path: str) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}{path}"

    def at(self, path: str) -> list[Received]:
        with self._changed:
            return [r for r in self.received if r.path == path]

    def wait(self, path: str, count: int, deadline: float) -> list[Received]:
        """What arrived at ``path`` once ``count`` requests have (or ``deadline`` seconds have passed)."""
        end = time.monotonic() + deadline
        with self._changed:
            while True:
                found = [r for r in self.received if r.path == path]
                left = end - time.monotonic()
                if len(found) >= count or left <= 0:
                    return found
                self._changed.wait(left)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
