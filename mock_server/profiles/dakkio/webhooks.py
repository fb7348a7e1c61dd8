"""Webhook delivery: each ``alert.triggered`` event POSTed to its rule's ``webhookUrl``, in the background.

The services only emit domain events on the state (``State.emit``); this module is the one place
that speaks HTTP outwards. A few worker threads send, so an ingest response never waits for a
receiver. Like a real service: a JSON body, a descriptive ``User-Agent``, a timeout (5 s), and up
to 3 attempts with exponential backoff (0.5 s, then 1 s) on connection errors and 5xx answers; a
2xx delivers, any other answer fails at once. Every attempt is logged and kept for
``GET /__mock/webhooks``; a delivery can be sent again (``POST /__mock/webhooks/{id}/redeliver``).

Modes (``dakkio-mock --webhooks``): ``local`` (the default) delivers to this machine and the local
network only (loopback, private and link-local addresses, ``localhost``, ``*.local``), so demo rules
pointing at Slack never leave the machine; ``on`` delivers anywhere; ``off`` sends nothing: each
delivery is logged and listed as ``not sent``.
"""

from __future__ import annotations

import collections
import ipaddress
import itertools
import json
import logging
import os
import queue
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import requests

from ...core import timeutil
from . import views
from .model import AlertTriggered
from .services import alerts

MODES = ("local", "on", "off")
ATTEMPTS = 3
TIMEOUT = 5.0          # seconds per attempt
BACKOFF = 0.5          # seconds before the 2nd attempt, doubled before each later one
KEEP = 1000            # deliveries listed (the oldest go first)
USER_AGENT = "dakkio-mock-webhooks/1.0 (+https://docs.dakkio.io/guides/webhooks)"

log = logging.getLogger("mock.webhooks")


def is_local(url: str) -> bool:
    """Whether ``url``'s host is this machine or the local network, decided without a DNS lookup."""
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith((".localhost", ".local")):
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    return ip.is_loopback or ip.is_private or ip.is_link_local


@dataclass
class Attempt:
    number: int
    at: int                    # ms since the epoch
    status: int | None         # None: no HTTP answer (connection error, timeout)
    latency_ms: float
    error: str | None


@dataclass
class Delivery:
    id: str
    event: str
    url: str
    alert_id: str
    payload: dict
    created: int
    status: str = "pending"    # pending | delivered | failed | not sent
    attempts: list[Attempt] = field(default_factory=list)
    note: str | None = None    # why it was not sent
    redelivery_of: str | None = None

    def view(self) -> dict:
        last = self.attempts[-1] if self.attempts else None
        out = {"id": self.id, "event": self.event, "url": self.url, "alertId": self.alert_id, "status": self.status,
               "createdAt": timeutil.format(self.created), "statuses": [a.status for a in self.attempts],
               "latencyMs": last.latency_ms if last else None,
               "lastError": (last.error if last else self.note),
               "attempts": [{"number": a.number, "at": timeutil.format(a.at), "status": a.status,
                             "latencyMs": a.latency_ms, "error": a.error} for a in self.attempts],
               "payload": self.payload}
        if self.redelivery_of:
            out["redeliveryOf"] = self.redelivery_of
        return out


class Outbox:
    """One mock's deliveries. ``on_event`` is the state's listener."""

    def __init__(self, mode: str = "local", *, attempts: int = ATTEMPTS, backoff: float = BACKOFF,
                 timeout: float = TIMEOUT):
        if mode not in MODES:
            raise ValueError(f"webhooks mode must be one of {', '.join(MODES)}")
        self.mode, self.attempts, self.backoff, self.timeout = mode, attempts, backoff, timeout
        self._deliveries: collections.OrderedDict[str, Delivery] = collections.OrderedDict()
        self._lock = threading.Lock()
        self._ids = itertools.count(1)

    def on_event(self, event) -> None:
        if isinstance(event, AlertTriggered):
            payload = views.alert_triggered(event, alerts.webhook_id(event.rule))
            self.submit("alert.triggered", event.rule.webhook_url, event.rule.id, payload)

    def submit(self, event: str, url: str, alert_id: str, payload: dict, redelivery_of: str | None = None) -> Delivery:
        d = Delivery(f"{next(self._ids):06d}", event, url, alert_id, payload, int(time.time() * 1000),
                     note=self._refusal(url), redelivery_of=redelivery_of)
        if d.note:
            d.status = "not sent"
        with self._lock:
            self._deliveries[d.id] = d
            while len(self._deliveries) > KEEP:
                self._deliveries.popitem(last=False)
        if d.note:
            log.info("webhook %s %s not sent (%s): POST %s %s", d.id, event, d.note, url, json.dumps(payload))
        else:
            WORKERS.put(self._deliver, d)
        return d

    def _refusal(self, url: str) -> str | None:
        if self.mode == "off":
            return "webhooks are off (--webhooks off)"
        if urlsplit(url).scheme not in ("http", "https"):
            return "not an http(s) URL"
        if self.mode == "local" and not is_local(url):
            return (f"{urlsplit(url).hostname} is not on this machine or network (--webhooks local); "
                    "start the mock with --webhooks on to deliver anywhere")
        return None

    def _deliver(self, d: Delivery) -> None:
        body = json.dumps(d.payload).encode()
        headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT, "X-Dakkio-Event": d.event,
                   "X-Dakkio-Delivery": d.id, "Connection": "close"}
        with requests.Session() as session:
            session.trust_env = not is_local(d.url)   # no proxy between the mock and a local receiver
            for n in range(1, self.attempts + 1):
                at, started = int(time.time() * 1000), time.perf_counter()
                try:
                    with session.post(d.url, data=body, headers=headers, timeout=self.timeout,
                                      allow_redirects=False) as r:
                        status = r.status_code
                    error = None if 200 <= status < 300 else f"HTTP {status}"
                except requests.RequestException as exc:
                    status, error = None, f"{type(exc).__name__}: {exc}"
                latency = round((time.perf_counter() - started) * 1000, 1)
                with self._lock:
                    d.attempts.append(Attempt(n, at, status, latency, error))
                log.info("webhook %s %s attempt %d/%d: POST %s -> %s in %.0f ms%s", d.id, d.event, n, self.attempts,
                         d.url, status if status is not None else "no answer", latency, f" ({error})" if error else "")
                if status is not None and status < 500:
                    d.status = "delivered" if 200 <= status < 300 else "failed"
                    return
                if n < self.attempts:
                    time.sleep(self.backoff * 2 ** (n - 1))
        d.status = "failed"

    def redeliver(self, delivery_id: str) -> Delivery | None:
        """The same payload sent again as a new delivery (like GitHub's redelivery)."""
        with self._lock:
            old = self._deliveries.get(delivery_id)
        if old is None:
            return None
        return self.submit(old.event, old.url, old.alert_id, old.payload, redelivery_of=old.id)

    def get(self, delivery_id: str) -> dict | None:
        with self._lock:
            d = self._deliveries.get(delivery_id)
            return d.view() if d else None

    def listing(self, limit: int | None = None) -> list[dict]:
        with self._lock:
            found = list(self._deliveries.values())
            if limit is not None:
                found = found[-limit:] if limit else []
            return [d.view() for d in found]

    def __len__(self) -> int:
        return len(self._deliveries)

    def clear(self) -> None:
        with self._lock:
            self._deliveries.clear()


class _Workers:
    """A few daemon threads, shared by every outbox of the process (each reset makes a new outbox)."""

    def __init__(self, size: int = 4):
        self.size = size
        self._lock = threading.Lock()
        self._pid = None

    def put(self, fn, arg) -> None:
        with self._lock:
            if self._pid != os.getpid():     # first use, or a forked child: its own queue and threads
                self._pid, self._queue = os.getpid(), queue.Queue()
                for i in range(self.size):
                    threading.Thread(target=self._run, args=(self._queue,), name=f"webhook-{i}", daemon=True).start()
            self._queue.put((fn, arg))

    @staticmethod
    def _run(jobs: queue.Queue) -> None:
        while True:
            fn, arg = jobs.get()
            try:
                fn(arg)
            except Exception:  # noqa: BLE001 - a delivery must never kill its worker
                log.exception("webhook delivery crashed")


WORKERS = _Workers()
