"""API keys: admin keys belong to the organisation, write and read keys to one bucket (decision 5)."""

from __future__ import annotations

from ....core.errors import Conflict, NotFound
from ..errors import KEY_NOT_FOUND
from ..model import ApiKey, Bucket
from ..state import State


def of_bucket(state: State, bucket_id: str) -> list[ApiKey]:
    return [k for k in state.key_ids.values() if k.bucket_id == bucket_id]


def add(state: State, kind: str, name: str, bucket_id: str | None, key: str | None = None,
        key_id: str | None = None) -> ApiKey:
    key = key or state.ids.new_key(kind)
    if key in state.keys:
        raise Conflict("An API key with this value already exists")
    api_key = ApiKey((key_id or state.ids.new_id()).lower(), name, kind, key, bucket_id, state.now())
    state.keys[key] = api_key
    state.key_ids[api_key.id] = api_key
    return api_key


def delete(state: State, bucket: Bucket, key_id: str) -> ApiKey:
    """The key stops working at once (401 on its next use)."""
    key = state.key_ids.get(key_id.lower())
    if key is None or key.bucket_id != bucket.id:
        raise NotFound(KEY_NOT_FOUND)
    forget(state, key)
    return key


def forget(state: State, key: ApiKey) -> None:
    state.keys.pop(key.key, None)
    state.key_ids.pop(key.id, None)
