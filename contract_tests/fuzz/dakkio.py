"""What a campaign knows about Dakkio that its spec cannot say.

Most Dakkio operations act on a bucket and a data source that must exist: a made-up 24-hex ID
is answered 404 before any rule runs, so a bare fuzzer never gets a successful ingest (one
measured bare run: 0 of 156 ingest cases answered 2xx). Before Schemathesis starts, the campaign
creates a small *world* through the API: one bucket and one data source whose schema is empty
(it accepts any values). ``hooks.py`` swaps most made-up IDs for these, so generated bodies get
past the 404s and reach ingest, batch atomicity, queries, alert parsing and analytics.

A spec that is not Dakkio's gets no world: the campaign is then Schemathesis' engine with
deduplication, reproducers, shards and merging.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace

import requests

from .steps import UNIQUE, Step, id_values

ID_PATTERN = r"^[0-9a-fA-F]{24}$"
ABSENT_ID = "0" * 23 + "1"


class SeedError(RuntimeError):
    pass


@dataclass
class World:
    variables: dict                        # placeholder name -> value (bucketId, dataSourceId)
    pools: dict                            # location -> parameter/property name -> [values]
    steps: list = field(default_factory=list)    # the requests that made it (for reproducers)

    def to_dict(self) -> dict:
        return {"variables": self.variables, "pools": self.pools, "id_pattern": ID_PATTERN,
                "absent_id": ABSENT_ID, "steps": [s.to_dict() for s in self.steps]}


def applies(doc: dict) -> bool:
    """Whether ``doc`` is the Dakkio contract (or a version of it)."""
    if (doc.get("info") or {}).get("title", "").lower().startswith("dakkio"):
        return True
    return any(isinstance(op, dict) and "x-dakkio-key-types" in op
               for item in (doc.get("paths") or {}).values() if isinstance(item, dict) for op in item.values())


def _post(session, base_url, path, body, headers, want):
    r = session.post(base_url.rstrip("/") + path, data=json.dumps(body), timeout=30,
                     headers={**headers, "Content-Type": "application/json"})
    if r.status_code != want:
        raise SeedError(f"setting up the campaign's world: POST {path} answered {r.status_code}: {r.text[:300]}")
    return r


def seed(base_url: str, headers: dict, prefix: str) -> World:
    """Create the world's bucket and data source with the campaign's credentials (an admin key)."""
    s = requests.Session()
    name = f"{prefix}world"
    body = {"name": name, "description": "created by a dakkio-contract fuzz campaign"}
    r1 = _post(s, base_url, "/api/buckets", body, headers, 201)
    bucket = r1.json()["bucket"]["_id"]
    source_body = {"name": "fuzz: any values", "type": "sensor", "schema": {}, "downsampling": True}
    r2 = _post(s, base_url, f"/api/buckets/{bucket}/sources", source_body, headers, 201)
    source = r2.json()["dataSource"]["_id"]
    replay_body = {**body, "name": f"{prefix}world-{{{{{UNIQUE}}}}}"}     # a fresh name at each replay
    steps = [Step("POST", "/api/buckets", {"Content-Type": "application/json"}, json.dumps(replay_body),
                  status=201, response=r1.text, role="setup"),
             Step("POST", f"/api/buckets/{bucket}/sources", {"Content-Type": "application/json"},
                  json.dumps(source_body), status=201, response=r2.text, role="setup")]
    pools = {"path": {"id": [bucket], "bucketId": [bucket]},
             "body": {"bucketId": [bucket], "dataSourceId": [source]}}
    return World({"bucketId": bucket, "dataSourceId": source}, pools, steps)


def cleanup(base_url: str, headers: dict, prefix: str, limit: int = 5000) -> int:
    """Delete the buckets this campaign created (its world and the fuzzer's, all named ``prefix...``)."""
    s, base, deleted, offset = requests.Session(), base_url.rstrip("/"), 0, 0
    doomed = []
    while len(doomed) < limit:
        r = s.get(f"{base}/api/buckets", params={"limit": 1000, "offset": offset}, headers=headers, timeout=30)
        if r.status_code != 200:
            break
        page = r.json()
        doomed += [b["_id"] for b in page.get("buckets", []) if str(b.get("name", "")).startswith(prefix)]
        if not page.get("pagination", {}).get("hasMore") or not page.get("buckets"):
            break
        offset += len(page["buckets"])
    for bucket_id in doomed[:limit]:
        if s.delete(f"{base}/api/buckets/{bucket_id}", headers=headers, timeout=30).status_code == 200:
            deleted += 1
    return deleted


_HEX_ID = re.compile(ID_PATTERN)
_BUCKET_IN_PATH = re.compile(r"(?<=/buckets/)[0-9a-fA-F]{24}(?=/|$|\?)")


def retarget(chain: list[Step], world: World) -> list[Step]:
    """The chain with the IDs no response of the chain handed out replaced by the world's.

    A case may carry an ID from Schemathesis' resource pool (a bucket or data source that an earlier,
    unrelated scenario created): it does not exist on a fresh deployment. The world's bucket and
    data source stand in for them (the reproducer creates those), and the replay decides whether
    the failure still shows."""
    produced: set[str] = set()
    out = []
    bucket = (world.pools.get("path", {}).get("bucketId") or [None])[0]

    def swap(node):
        if isinstance(node, dict):
            return {k: (world.pools["body"][k][0] if k in world.pools.get("body", {}) and isinstance(v, str)
                        and _HEX_ID.match(v) and v not in produced else swap(v)) for k, v in node.items()}
        if isinstance(node, list):
            return [swap(v) for v in node]
        return node

    for step in chain:
        new = replace(step, headers=dict(step.headers), capture=dict(step.capture))
        if bucket:
            new.path = _BUCKET_IN_PATH.sub(lambda m: m.group(0) if m.group(0) in produced else bucket, new.path)
        doc = new.json_body()
        if isinstance(doc, (dict, list)):
            new.body = json.dumps(swap(doc))
        out.append(new)
        try:
            produced.update(id_values(json.loads(step.response)) if step.response else {})
        except ValueError:
            pass
    return out
