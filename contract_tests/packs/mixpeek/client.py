"""The pack's HTTP client: ``Authorization: Bearer <key>`` and ``X-Namespace`` on every request unless
told otherwise, waits on 429, records exchanges for the report, and remembers every bucket it created
so the run can delete them at the end."""

from __future__ import annotations

import json as jsonlib
import time

import requests

from contract_tests.client import Api, Exchange, Recorder

KEY = object()       # the run's key (default)
DEFAULT = object()   # the client's namespace (default)
ABSENT = None        # no such header
CREATE_PATHS = ("/v1/buckets", "/v1/buckets/create")


class Mixpeek:
    def __init__(self, base_url: str, key: str, recorder: Recorder, namespace: str, timeout: float = 30):
        self.base_url = base_url.rstrip("/")
        self.key = key
        self.recorder = recorder
        self.namespace = namespace
        self.session = requests.Session()
        self.timeout = timeout
        self.created: dict[tuple, None] = {}      # (namespace or None, bucket_id), in creation order

    def request(self, method: str, path: str, json=None, *, ns=DEFAULT, auth=KEY, headers=None, params=None,
                data: bytes | None = None, retries: int = 5) -> requests.Response:
        """``json``: a body (sent as JSON; ``data`` for raw bytes). ``ns``: a namespace, or ABSENT.
        ``auth``: the Authorization header's whole value, or ABSENT (default: ``Bearer <key>``)."""
        hdrs = {}
        if auth is KEY:
            hdrs["Authorization"] = f"Bearer {self.key}"
        elif auth is not ABSENT:
            hdrs["Authorization"] = auth
        namespace = self.namespace if ns is DEFAULT else ns
        if namespace is not ABSENT:
            hdrs["X-Namespace"] = namespace
        if json is not None and data is None:
            data = jsonlib.dumps(json).encode()
            hdrs["Content-Type"] = "application/json"
        hdrs.update(headers or {})
        url = self.base_url + path
        for attempt in range(retries + 1):
            r = self.session.request(method, url, data=data, headers=hdrs, params=params, timeout=self.timeout)
            body = data.decode("utf-8", "replace")[:4000] if isinstance(data, bytes) else None
            self.recorder.exchanges.append(Exchange(method, r.url, body, r.status_code, dict(r.headers), r.text))
            if r.status_code != 429 or attempt == retries:
                break
            time.sleep(Api._wait_for(r))
        if method == "POST" and path in CREATE_PATHS and r.status_code == 200:
            try:
                self.created[(namespace, r.json()["bucket_id"])] = None
            except (ValueError, KeyError, TypeError):
                pass
        return r

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, json=None, **kw):
        return self.request("POST", path, json, **kw)

    def patch(self, path, json=None, **kw):
        return self.request("PATCH", path, json, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def cleanup(self) -> list[str]:
        """Delete every bucket this run created that still exists; the ones that could not be deleted."""
        left = []
        for namespace, bucket_id in reversed(list(self.created)):
            r = self.delete(f"/v1/buckets/{bucket_id}", ns=namespace)
            if r.status_code not in (200, 404):
                left.append(f"{namespace}/{bucket_id}: {r.status_code}")
        self.created.clear()
        return left
