"""Values generated from a JSON Schema (OpenAPI 3.0 flavour), deterministic under a seed.

What Prism's ``dynamic`` mode does, for the bodies no example covers: a schema's own
``example``/``default`` first, then the first ``enum`` value, else a value of the type that
honours the constraints (formats date-time, date, uuid, email, uri, hostname, ipv4/ipv6, byte;
int32/int64 and min/max bounds; string lengths; ``pattern`` through a small regex generator;
array sizes; every property of an object; ``allOf`` merged, the first ``oneOf``/``anyOf``).
"""

from __future__ import annotations

import datetime as dt
import random
import uuid

from . import regexgen

MAX_DEPTH = 6
_WORDS = ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet")
_EPOCH = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


class Generator:
    def __init__(self, resolve, seed: int | None = 0, use_examples: bool = True):
        self.resolve = resolve                  # $ref -> schema
        self.rng = random.Random(seed)
        self.use_examples = use_examples

    def value(self, schema, depth: int = 0, name: str = ""):
        schema = self.resolve(schema) if isinstance(schema, dict) else {}
        if not isinstance(schema, dict):
            return None
        if self.use_examples:
            for key in ("example", "default"):
                if key in schema:
                    return schema[key]
        if schema.get("enum"):
            return schema["enum"][0]
        if "allOf" in schema:
            return self.value(merge_all_of(schema, self.resolve), depth, name)
        for key in ("oneOf", "anyOf"):
            if schema.get(key):
                return self.value(schema[key][0], depth, name)
        kind = schema.get("type") or ("object" if "properties" in schema else "array" if "items" in schema else None)
        if kind == "object" or kind is None and depth == 0:
            return self._object(schema, depth)
        if kind == "array":
            return self._array(schema, depth, name)
        if kind == "integer":
            return self._integer(schema)
        if kind == "number":
            return self._number(schema)
        if kind == "boolean":
            return self.rng.random() < 0.5
        if kind == "string":
            return self.string(schema, name)
        return None if schema.get("nullable") else "value"

    def _object(self, schema: dict, depth: int) -> dict:
        out = {}
        if depth >= MAX_DEPTH:
            return out
        required = set(schema.get("required") or ())
        for prop, sub in (schema.get("properties") or {}).items():
            if depth + 1 >= MAX_DEPTH and prop not in required:
                continue
            out[prop] = self.value(sub, depth + 1, prop)
        return out

    def _array(self, schema: dict, depth: int, name: str) -> list:
        if depth >= MAX_DEPTH:
            return []
        low = schema.get("minItems", 1)
        high = max(low, min(schema.get("maxItems", low + 1), low + 2))
        n = self.rng.randint(low, high)
        items = [self.value(schema.get("items") or {}, depth + 1, name) for _ in range(n)]
        if schema.get("uniqueItems"):
            seen, unique = set(), []
            for item in items:
                key = repr(item)
                if key not in seen:
                    seen.add(key)
                    unique.append(item)
            items = unique
        return items

    def _integer(self, schema: dict) -> int:
        fmt = schema.get("format")
        low, high = (-(2**31), 2**31 - 1) if fmt == "int32" else (-(2**63), 2**63 - 1) if fmt == "int64" else (0, 10_000)
        low, high = _bounds(schema, low, high, 1)
        if fmt not in ("int32", "int64") and "minimum" not in schema:
            low = max(low, min(0, high))
            high = min(high, max(low, 10_000))
        value = self.rng.randint(int(low), int(high)) if low <= high else int(low)
        step = schema.get("multipleOf")
        if isinstance(step, int) and step > 0:
            value = (value // step) * step
            if value < low:
                value += step
        return value

    def _number(self, schema: dict) -> float:
        low, high = _bounds(schema, -1e6 if "minimum" in schema else 0.0, 1e6, 1e-6)
        high = min(high, low + 1000.0) if "maximum" not in schema else high
        return round(self.rng.uniform(low, high), 2) if high - low > 0.02 else low

    def string(self, schema: dict, name: str = "") -> str:
        fmt = schema.get("format")
        if fmt == "date-time":
            return (_EPOCH + dt.timedelta(seconds=self.rng.randint(0, 10**8))).strftime("%Y-%m-%dT%H:%M:%SZ")
        if fmt == "date":
            return (_EPOCH + dt.timedelta(days=self.rng.randint(0, 3650))).strftime("%Y-%m-%d")
        if fmt == "time":
            return f"{self.rng.randint(0, 23):02d}:{self.rng.randint(0, 59):02d}:00Z"
        if fmt == "uuid":
            return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        if fmt == "email":
            return f"{self.rng.choice(_WORDS)}{self.rng.randint(1, 999)}@example.com"
        if fmt in ("uri", "url", "uri-reference"):
            return f"https://example.com/{self.rng.choice(_WORDS)}/{self.rng.randint(1, 999)}"
        if fmt == "hostname":
            return f"{self.rng.choice(_WORDS)}.example.com"
        if fmt == "ipv4":
            return ".".join(str(self.rng.randint(1, 254)) for _ in range(4))
        if fmt == "ipv6":
            return ":".join(f"{self.rng.getrandbits(16):x}" for _ in range(8))
        if fmt == "byte":
            return "ZXhhbXBsZQ=="
        if fmt == "binary":
            return "example"
        low, high = schema.get("minLength", 0), schema.get("maxLength")
        if schema.get("pattern"):
            text = regexgen.generate(schema["pattern"], self.rng)
            if text is not None and low <= len(text) and (high is None or len(text) <= high):
                return text
        base = f"{name or self.rng.choice(_WORDS)}-{self.rng.randint(1, 9999)}"
        if len(base) < low:
            base += "x" * (low - len(base))
        if high is not None:
            base = base[:high]
        return base


def _bounds(schema: dict, low, high, epsilon):
    if "minimum" in schema:
        low = schema["minimum"] + (epsilon if schema.get("exclusiveMinimum") is True else 0)
    if "maximum" in schema:
        high = schema["maximum"] - (epsilon if schema.get("exclusiveMaximum") is True else 0)
    return low, max(low, high)


def merge_all_of(schema: dict, resolve) -> dict:
    """``allOf`` branches (and the schema's own keys) as one schema: properties and required joined."""
    merged: dict = {k: v for k, v in schema.items() if k != "allOf"}
    for branch in schema["allOf"]:
        branch = resolve(branch)
        if "allOf" in branch:
            branch = merge_all_of(branch, resolve)
        for key, value in branch.items():
            if key == "properties":
                merged.setdefault("properties", {}).update(value)
            elif key == "required":
                merged["required"] = sorted(set(merged.get("required", [])) | set(value))
            else:
                merged.setdefault(key, value)
    return merged
