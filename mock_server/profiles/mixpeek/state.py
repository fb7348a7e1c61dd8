"""The one state object of a mock Mixpeek: API keys and each namespace's buckets."""

from __future__ import annotations

import random
import time

from .model import Bucket


class State:
    def __init__(self, seed: int | None = None, clock=None):
        self.seed_value = seed
        self._rng = random.Random(seed)
        self._clock = clock or (lambda: int(time.time() * 1000))
        self.keys: dict[str, str] = {}                       # key -> its name
        self.namespaces: dict[str, dict[str, Bucket]] = {}   # namespace -> bucket id -> bucket, creation order

    def now(self) -> int:
        return self._clock()

    def new_hex(self, n: int = 12) -> str:
        return f"{self._rng.getrandbits(4 * n):0{n}x}"

    def buckets(self, namespace: str) -> dict[str, Bucket]:
        return self.namespaces.setdefault(namespace, {})
