"""A small HTTP client for the suite: honours the target's rate limits and records exchanges."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

import requests

NO_KEY = object()
MAX_WAIT = 120.0


@dataclass
class Exchange:
    method: str
    url: str
    request_body: str | None
    status: int
    response_headers: dict
    response_body: str

    def render(self, limit: int = 2000) -> str:
        req = f"{self.method} {self.url}"
        if self.request_body:
            req += "\n" + self.request_body[:limit]
        headers = "\n".join(f"{k}: {v}" for k, v in self.response_headers.items()
                            if k.lower().startswith(("content-type", "x-ratelimit", "allow", "retry-after")))
        return f"{req}\n--> {self.status}\n{headers}\n{self.response_body[:limit]}"


@dataclass
class Recorder:
    exchanges: list = field(default_factory=list)

    def clear(self):
        self.exchanges.clear()


class Api:
    def __init__(self, base_url: str, admin_key: str | None, recorder: Recorder | None = None, timeout: float = 30):
        self.base_url = base_url.rstrip("/")
        self.admin_key = admin_key
        self.session = requests.Session()
        self.recorder = recorder or Recorder()
        self.timeout = timeout
        self.rate_limited_waits = 0

    def request(self, method: str, path: str, key=None, json_body=None, *, data=None, headers=None,
                params=None, retries: int = 5) -> requests.Response:
        """``key``: a key string, ``NO_KEY`` for none, or None for the admin key."""
        hdrs = dict(headers or {})
        if key is None:
            key = self.admin_key
        if key is not NO_KEY and key is not None:
            hdrs["X-API-Key"] = key
        if json_body is not None and data is None:
            data = json.dumps(json_body).encode()
            hdrs.setdefault("Content-Type", "application/json")
        url = self.base_url + path
        for attempt in range(retries + 1):
            r = self.session.request(method, url, data=data, headers=hdrs, params=params, timeout=self.timeout)
            self._record(method, r, data)
            if r.status_code != 429 or attempt == retries or hdrs.get("Prefer"):
                return r
            self.rate_limited_waits += 1
            time.sleep(self._wait_for(r))
        return r

    @staticmethod
    def _wait_for(r: requests.Response) -> float:
        retry = r.headers.get("Retry-After")
        if retry and retry.strip().isdigit():
            return min(MAX_WAIT, max(0.5, float(retry)))
        reset = r.headers.get("X-RateLimit-Reset")
        if reset and reset.strip().isdigit():
            return min(MAX_WAIT, max(0.5, int(reset) - time.time()))
        return 2.0

    def _record(self, method, r, data):
        body = data.decode("utf-8", "replace") if isinstance(data, bytes) else (data if isinstance(data, str) else None)
        self.recorder.exchanges.append(Exchange(method, r.url, body, r.status_code, dict(r.headers), r.text))

    def get(self, path, key=None, **kw):
        return self.request("GET", path, key, **kw)

    def post(self, path, body=None, key=None, **kw):
        return self.request("POST", path, key, body, **kw)

    def delete(self, path, key=None, **kw):
        return self.request("DELETE", path, key, **kw)
