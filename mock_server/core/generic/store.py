"""The state of a spec served without a profile: the items of each inferred resource, per parent
(``/users/{userId}/pets`` keeps each user's pets apart), and id sequences."""

from __future__ import annotations

import random
import uuid

from openapi_model.generate import Generator


class GenericStore:
    def __init__(self, seed: int | None = None, resolve=lambda s: s):
        self.seed = seed
        self.rng = random.Random(seed)
        self.generator = Generator(resolve, seed if seed is not None else 0)
        self.collections: dict[tuple, dict[str, dict]] = {}
        self._sequences: dict[str, int] = {}
        self.deleted: set[tuple] = set()       # (item path, parents, id) of deleted items: what lay under them is gone

    def items(self, resource, parents: tuple) -> dict[str, dict]:
        return self.collections.setdefault((resource.item or resource.collection, parents), {})

    def new_id(self, resource, taken: dict):
        """An id typed as the schema types it: integers count up, uuids are seeded, strings are short hex."""
        schema = resource.id_schema or {}
        kind, fmt = schema.get("type"), schema.get("format")
        while True:
            if kind in ("integer", "number"):
                n = self._sequences.get(resource.collection, 0) + 1
                self._sequences[resource.collection] = n
                value = n
            elif fmt == "uuid":
                value = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
            elif schema.get("pattern") or schema.get("enum"):
                value = self.generator.value({k: v for k, v in schema.items() if k not in ("example", "default")})
            else:
                value = f"{self.rng.getrandbits(48):012x}"
            if str(value) not in taken:
                return value

    def dump(self) -> dict:
        return {"collections": [{"collection": c, "parents": list(p), "items": list(items.values())}
                                for (c, p), items in self.collections.items()]}
