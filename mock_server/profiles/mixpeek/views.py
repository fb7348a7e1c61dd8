"""How Mixpeek's buckets look on the wire (DESIGN decisions 26, 31)."""

from __future__ import annotations

import math

from .model import Bucket, Deletion


def bucket(b: Bucket) -> dict:
    return {"bucket_id": b.id, "bucket_name": b.name, "description": b.description, "bucket_schema": b.schema,
            "metadata": b.metadata, "object_count": 0, "total_size_bytes": 0}


def bucket_list(items: list[Bucket], total: int, limit: int, offset: int) -> dict:
    page = offset // limit + 1
    pages = math.ceil(total / limit)
    return {"results": [bucket(b) for b in items], "total_count": total,
            "pagination": {"total": total, "page": page, "page_size": limit, "total_pages": pages,
                           "next_page": str(page + 1) if page < pages else None,
                           "previous_page": str(page - 1) if page > 1 else None}}


def deletion(d: Deletion) -> dict:
    return {"task_id": d.task_id, "status": "PENDING", "bucket_id": d.bucket.id, "bucket_name": d.bucket.name,
            "object_count": 0}
