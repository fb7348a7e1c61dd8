"""Mixpeek's bucket rules (DESIGN decisions 26, 29-31): names unique per namespace, the schema
fixed at creation, ids ``bkt_`` + 12 hex, a bucket found by its id or its name."""

from __future__ import annotations

from ...core.errors import BadRequest, Conflict, NotFound, Unauthenticated
from .model import Bucket, Deletion, Principal
from .state import State

DEFAULT_NAMESPACE = "default"
UNAUTHORIZED = "Invalid or missing API key"


def principal(state: State, key: str | None, namespace: str | None) -> Principal:
    if not key or key not in state.keys:
        raise Unauthenticated(UNAUTHORIZED)
    return Principal(key, namespace or DEFAULT_NAMESPACE)


def _name_taken(state: State, namespace: str, name: str, other_than: Bucket | None = None) -> None:
    if any(b.name == name and b is not other_than for b in state.buckets(namespace).values()):
        raise Conflict(f"Bucket with name '{name}' already exists in this namespace")


def create(state: State, namespace: str, name: str, description: str | None, schema: dict, metadata: dict,
           bucket_id: str | None = None) -> Bucket:
    _name_taken(state, namespace, name)
    bucket = Bucket(bucket_id or f"bkt_{state.new_hex()}", name, description, schema, metadata, state.now())
    state.buckets(namespace)[bucket.id] = bucket
    return bucket


def find(state: State, namespace: str, identifier: str) -> Bucket:
    buckets = state.buckets(namespace)
    found = buckets.get(identifier) or next((b for b in buckets.values() if b.name == identifier), None)
    if found is None:
        raise NotFound(f"Bucket '{identifier}' not found")
    return found


def page(state: State, namespace: str, limit: int, offset: int) -> tuple[list[Bucket], int]:
    items = list(state.buckets(namespace).values())
    return items[offset: offset + limit], len(items)


def update(state: State, namespace: str, identifier: str, changes: dict) -> Bucket:
    """Change name, description and/or metadata (None leaves a field as it is); the schema never."""
    bucket = find(state, namespace, identifier)
    if changes.get("bucket_schema") is not None or changes.get("schema") is not None:
        raise BadRequest("bucket_schema cannot be updated after the bucket is created")
    name = changes.get("bucket_name")
    if name is not None:
        _name_taken(state, namespace, name, other_than=bucket)
        bucket.name = name
    if changes.get("description") is not None:
        bucket.description = changes["description"]
    if changes.get("metadata") is not None:
        bucket.metadata = changes["metadata"]
    return bucket


def delete(state: State, namespace: str, identifier: str) -> Deletion:
    """Gone at once; Mixpeek reports an asynchronous task (``PENDING``)."""
    bucket = find(state, namespace, identifier)
    del state.buckets(namespace)[bucket.id]
    return Deletion(f"task_{state.new_hex()}", bucket)
