"""Every operation x every credential outcome per key type: admin, write, read, no key, malformed
(each documented prefix), well-formed but unknown (each prefix), a real key with its last character
or its case changed (each type),
deleted (each type a bucket key can have), another bucket's (each type), a bucket's own key on a
bucket that does not exist (each type: 403 before 404). Requests are built from the
spec; the allowed types come from its ``x-dakkio-key-types``."""


import pytest

from contract_tests.client import NO_KEY

from . import checks
from .contract import NO_ACCESS, NO_PERMISSION, case_marks, key_type_message, key_types, operations
from .requests import build

KEYS = ["admin", "write", "read", "none", "malformed_admin", "malformed_write", "malformed_read", "unknown_admin",
        "unknown_write", "unknown_read", "altered_write", "altered_read", "case_changed_write", "deleted_read", "deleted_write",
        "other_bucket_write", "other_bucket_read", "absent_bucket_write", "absent_bucket_read"]
NO_BUCKET = "aaaaaaaaaaaaaaaaaaaaaaa1"      # well-formed, never created: scope is checked before existence
REFUSED = ("none", "malformed_", "unknown_", "altered_", "case_changed_", "deleted_")   # 401 whoever may call


def expected(op, who):
    """(status, message) the contract pins for ``who`` calling ``op`` on bucket A."""
    allowed = key_types(op)
    if who.startswith(REFUSED):
        return 401, "Invalid or missing API key"
    if who.startswith("absent_bucket_"):          # a scoped key on a bucket that does not exist (DESIGN 1)
        return expected(op, who.replace("absent_bucket_", "other_bucket_"))
    kind = who.replace("other_bucket_", "")
    if kind not in allowed:
        return 403, key_type_message(op)
    if who.startswith("other_bucket") and allowed != ["admin"]:
        return 403, NO_ACCESS
    return None, None


def key_for(who, world, target):
    return {"admin": None, "write": world.write_a, "read": world.read_a, "none": NO_KEY,
            # a documented prefix, then what no key can be (too short, not alphanumeric)
            "malformed_admin": "dakkio_a_not-a-real-key", "malformed_write": "dakkio_w_not-a-real-key",
            "malformed_read": "dakkio_r_" + "x" * 39,
            "case_changed_write": world.write_a[:9] + world.write_a[9:].upper(),
            # a real key with its last character changed: its listed keyPrefix and length are right
            "altered_write": _altered(world.write_a), "altered_read": _altered(world.read_a),
            "deleted_read": world.deleted_key, "deleted_write": world.deleted_write,
            # well-formed (documented prefix + 40 lowercase alphanumerics) but never issued, per key type
            "unknown_admin": "dakkio_a_" + "0unknown" * 5, "unknown_write": "dakkio_w_" + "0unknown" * 5,
            "unknown_read": "dakkio_r_" + "0unknown" * 5,
            "other_bucket_write": world.write_b, "other_bucket_read": world.read_b,
            "absent_bucket_write": world.write_a, "absent_bucket_read": world.read_a}[who]


def _altered(key: str) -> str:
    return key[:-1] + ("a" if key[-1] != "a" else "b")


def _params():
    out = []
    for op in operations():
        for who in KEYS:
            status, message = expected(op, who)
            decision = "decision 3" if message == NO_PERMISSION or (status == 403 and op == "createApiKey") else None
            if who.startswith("deleted_"):
                decision = None
            if who.startswith("absent_bucket_"):
                decision = "decision 1"
            marks = case_marks(op, f"key matrix: {who} key", decision=decision)
            out.append(pytest.param(op, who, marks=marks, id=f"{op}-{who}"))
    return out


@pytest.mark.parametrize("op,who", _params())
def test_key_matrix(api, world, factory, target, op, who):
    method, path, body = build(op, world, factory)
    if who.startswith("absent_bucket_"):
        path = path.replace(world.a, NO_BUCKET)
        body = {**body, "bucketId": NO_BUCKET} if isinstance(body, dict) and "bucketId" in body else body
    r = api.request(method, path, key_for(who, world, target), body)
    status, message = expected(op, who)
    if status is None:
        assert 200 <= r.status_code < 300, f"{who} key must be allowed: {r.status_code} {r.text[:300]}"
        checks.body_of(r)
    else:
        checks.error(r, status, message)
