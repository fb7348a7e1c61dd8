"""Assertions of the Mixpeek pack: the envelope (decision 28), Pydantic-shaped locations, buckets by value."""

from __future__ import annotations

import re

from .contract import error_types

BUCKET_ID = re.compile(r"^bkt_[0-9a-f]{12}$")
BUCKET_KEYS = {"bucket_id", "bucket_name", "description", "bucket_schema", "metadata", "object_count",
               "total_size_bytes"}


def body_of(r):
    media = r.headers.get("content-type", "").split(";")[0].strip()
    assert media == "application/json", f"{r.status_code} with content type {media!r}: {r.text[:300]}"
    return r.json()


def ok(r, status: int = 200):
    assert r.status_code == status, f"expected {status}, got {r.status_code}: {r.text[:500]}"
    return body_of(r)


def error(r, status: int, message: str | None = None) -> dict:
    """``{"success": false, "status": <status>, "error": {"message", "type", "details"?}}`` exactly, the
    type the spec declares for the status; returns ``error``."""
    assert r.status_code == status, f"expected {status}, got {r.status_code}: {r.text[:500]}"
    body = body_of(r)
    assert isinstance(body, dict) and set(body) == {"success", "status", "error"}, f"not the Mixpeek envelope: {body}"
    assert body["success"] is False and body["status"] == status, f"success/status: {body}"
    err = body["error"]
    assert isinstance(err, dict) and {"message", "type"} <= set(err) <= {"message", "type", "details"}, err
    assert isinstance(err["message"], str) and err["message"], err
    assert err["type"] == error_types()[status], f"type should be {error_types()[status]!r}: {err}"
    if "details" in err:
        assert isinstance(err["details"], dict), err
    if message is not None:
        assert err["message"] == message, f"message should be {message!r}: {err}"
    return err


def locations(r) -> list[tuple]:
    """The 422's Pydantic error locations (each ``{"loc", "msg", "type"}``)."""
    err = error(r, 422)
    errors = (err.get("details") or {}).get("errors")
    assert isinstance(errors, list) and errors, f"a 422 names its errors in details.errors: {err}"
    for e in errors:
        assert isinstance(e, dict) and isinstance(e.get("loc"), list) and e["loc"], e
        assert isinstance(e.get("msg"), str) and e["msg"] and isinstance(e.get("type"), str) and e["type"], e
        assert all(isinstance(p, (str, int)) for p in e["loc"]), e
    return [tuple(str(p).lower() if i == 1 and e["loc"][0] == "header" else p for i, p in enumerate(e["loc"]))
            for e in errors]


def rejected_at(r, *loc) -> None:
    """A 422 whose every error names ``loc`` (a header name compared case-insensitively)."""
    found = set(locations(r))
    assert found == {tuple(loc)}, f"expected the error at {list(loc)}, got {sorted(map(list, found))}"


def bucket(b, *, name: str, schema: dict, description=None, metadata=None, bucket_id: str | None = None) -> str:
    """A bucket exactly: every field by value (decision 31); returns its id."""
    assert isinstance(b, dict) and set(b) == BUCKET_KEYS, f"bucket fields: {sorted(b) if isinstance(b, dict) else b}"
    assert isinstance(b["bucket_id"], str) and BUCKET_ID.match(b["bucket_id"]), f"bucket_id: {b['bucket_id']!r}"
    if bucket_id is not None:
        assert b["bucket_id"] == bucket_id, (b["bucket_id"], bucket_id)
    expected = {"bucket_name": name, "description": description, "bucket_schema": schema,
                "metadata": {} if metadata is None else metadata, "object_count": 0, "total_size_bytes": 0}
    exactly({k: b[k] for k in expected}, expected, "bucket")
    return b["bucket_id"]


def _typed(v):
    """A JSON value with its JSON type made part of equality (so 1, 1.0, true and "1" all differ)."""
    if isinstance(v, dict):
        return ("object", tuple(sorted((k, _typed(x)) for k, x in v.items())))
    if isinstance(v, list):
        return ("array", tuple(_typed(x) for x in v))
    return (type(v).__name__, v)


def exactly(got, expected, what: str = "body") -> None:
    """``got == expected`` as JSON: same values of the same JSON types."""
    if _typed(got) != _typed(expected):
        raise AssertionError(f"{what} by value: " + "; ".join(_differences(got, expected)[:5])
                             + f"\n got      {got}\n expected {expected}")


def _differences(got, expected, path="") -> list[str]:
    if isinstance(got, dict) and isinstance(expected, dict):
        out = [f"{path}.{k}: missing" for k in expected if k not in got]
        out += [f"{path}.{k}: unexpected" for k in got if k not in expected]
        return out + [d for k in expected if k in got for d in _differences(got[k], expected[k], f"{path}.{k}")]
    if isinstance(got, list) and isinstance(expected, list) and len(got) == len(expected):
        return [d for i, (g, e) in enumerate(zip(got, expected, strict=True)) for d in _differences(g, e, f"{path}[{i}]")]
    if _typed(got) != _typed(expected):
        return [f"{path or '(root)'}: got {got!r}, expected {expected!r}"]
    return []
