"""Mixpeek's fixture documents (``fixtures/mixpeek.yaml``); a state dump is itself one.

``{"apiKeys": [{key, name}], "namespaces": {NAME: {"buckets": [{bucket_id?, bucket_name,
description?, bucket_schema, metadata?}]}}}``
"""

from __future__ import annotations

from . import services, views
from .state import State


def apply(state: State, doc: dict) -> None:
    for k in doc.get("apiKeys") or []:
        state.keys[k["key"]] = k.get("name", "API key")
    for namespace, content in (doc.get("namespaces") or {}).items():
        state.buckets(namespace)
        for b in (content or {}).get("buckets") or []:
            services.create(state, namespace, b["bucket_name"], b.get("description"), b["bucket_schema"],
                            b.get("metadata") or {}, b.get("bucket_id"))


def dump(state: State) -> dict:
    return {
        "apiKeys": [{"key": k, "name": name} for k, name in state.keys.items()],
        "namespaces": {ns: {"buckets": [{k: v for k, v in views.bucket(b).items()
                                         if k not in ("object_count", "total_size_bytes")} for b in buckets.values()]}
                       for ns, buckets in state.namespaces.items()},
    }
