"""The one state object of a mock Dakkio: the organisation, its tables, ids and quota.

Services (``services/``) hold the rules and work on this object; it holds no rules itself.
"""

from __future__ import annotations

import random
import string
import threading
import time

from .model import AlertRule, ApiKey, Bucket, DataSource, Organization
from .services.quota import Quota

_KEY_ALPHABET = string.ascii_lowercase + string.digits
DEFAULT_PLAN = {"name": "Pro", "maxBuckets": 25, "maxRetentionDays": 365, "maxApiCalls": 1_000_000}


class Ids:
    """Seeded ids and keys (deterministic under ``--seed``), and the point sequence."""

    def __init__(self, seed: int | None):
        self._rng = random.Random(seed)
        self.seq = 0
        self._point_prefix = f"{self._rng.getrandbits(48):012x}"

    def new_id(self) -> str:
        return f"{self._rng.getrandbits(96):024x}"

    def new_key(self, kind: str) -> str:
        return f"dakkio_{kind[0]}_" + "".join(self._rng.choice(_KEY_ALPHABET) for _ in range(40))

    def point_id(self, seq: int) -> str:
        return f"{self._point_prefix}{seq:012x}"

    def take(self, n: int) -> int:
        """Reserve ``n`` point sequence numbers; the first one."""
        first = self.seq + 1
        self.seq += n
        return first


class State:
    def __init__(self, seed: int | None = None, clock=None, quota: Quota | None = None):
        self.seed_value = seed
        self.ids = Ids(seed)
        self._clock = clock or (lambda: int(time.time() * 1000))
        self.lock = threading.RLock()
        self.org = Organization(self.ids.new_id(), "My Organization", dict(DEFAULT_PLAN))
        self.keys: dict[str, ApiKey] = {}          # by key string
        self.key_ids: dict[str, ApiKey] = {}       # by _id (lowercase)
        self.buckets: dict[str, Bucket] = {}       # by _id (lowercase), creation order
        self.sources: dict[str, DataSource] = {}
        self.alerts: dict[str, AlertRule] = {}
        self.quota_fixed = quota is not None       # --rate-limit given: fixtures do not change it
        self.quota = quota or Quota(limit=DEFAULT_PLAN["maxApiCalls"])
        self.default_quota = (self.quota.limit, self.quota.window)
        self.listeners: list = []                  # called with each domain event (e.g. model.AlertTriggered)
        self.webhooks = None                       # the webhook outbox (webhooks.Outbox) when wired by the profile

    def emit(self, event) -> None:
        for listener in self.listeners:
            listener(event)

    def now(self) -> int:
        return self._clock()
