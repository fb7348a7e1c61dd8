"""Who may do what: a key becomes a principal; bucket scope before existence (DESIGN decisions 1, 3)."""

from __future__ import annotations

from ....core.errors import Forbidden, NotFound, Unauthenticated
from ..errors import BUCKET_NOT_FOUND, NO_BUCKET_ACCESS, SOURCE_NOT_FOUND, UNAUTHORIZED
from ..model import ApiKey, Bucket, DataSource
from ..state import State
from . import quota


def authenticate(state: State, key: str | None) -> ApiKey:
    """The key's owner (401 for no, unknown or deleted key; 429 over quota); marks it used."""
    found = state.keys.get(key) if key else None
    if found is None:
        raise Unauthenticated(UNAUTHORIZED)
    now = state.now()
    quota.consume(state.quota, now)
    found.last_used_at = now
    return found


def require_type(principal: ApiKey, allowed, message: str) -> None:
    """403 with the operation's documented message when the key type may not call it."""
    if principal.type not in allowed:
        raise Forbidden(message)


def bucket_for(state: State, principal: ApiKey, bucket_id: str) -> Bucket:
    """Scope check (403) before existence (404): scoped keys cannot probe other buckets."""
    bid = bucket_id.lower()
    if principal.type != "admin" and principal.bucket_id != bid:
        raise Forbidden(NO_BUCKET_ACCESS)
    bucket = state.buckets.get(bid)
    if bucket is None:
        raise NotFound(BUCKET_NOT_FOUND)
    return bucket


def source_in(state: State, bucket: Bucket, source_id: str) -> DataSource:
    src = state.sources.get(source_id.lower())
    if src is None or src.bucket_id != bucket.id:
        raise NotFound(SOURCE_NOT_FOUND)
    return src
