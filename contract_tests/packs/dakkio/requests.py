"""Valid requests of every operation, made from the spec (its path and request example) with this
run's resources put in: what the key matrix and the field rules send, each changing one thing."""

import re

from contract_tests.gate.spec import GateSpec

from .contract import SPEC_PATH

SPEC = GateSpec(SPEC_PATH)


def build(op, world, factory):
    """(method, path, body) of a valid request of ``op`` on bucket ``world.a`` (its source
    ``world.source_a``): fresh resources where the request destroys one."""
    operation = SPEC.contract.by_id[op]
    own = re.findall(r"\{([^}/]+)\}", operation.path)
    values = {}
    for name in own:
        destroyed = operation.method == "DELETE" and name == own[-1]
        if name == "keyId":
            values[name] = factory.key(world.a, "read")["_id"]
        elif name in ("id", "bucketId"):
            values[name] = factory.bucket() if destroyed else world.a
    return operation.method, SPEC.path(operation, values), _ours(SPEC.request_body(operation), world, factory)


def _ours(node, world, factory):
    """The example's ids and names replaced by this run's (bucket A, its first source, unique names)."""
    if isinstance(node, list):
        return [_ours(v, world, factory) for v in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key == "bucketId":
            out[key] = world.a
        elif key == "dataSourceId":
            out[key] = world.source_a
        elif key == "name" and isinstance(value, str):
            out[key] = factory.name("m")
        elif key == "type" and value == "admin":
            out[key] = "read"
        else:
            out[key] = _ours(value, world, factory)
    return out
