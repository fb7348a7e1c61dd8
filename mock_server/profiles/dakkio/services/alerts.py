"""Alert rules: conditions parsed at create, evaluated on ingest by one evaluator (decision 10).

A sustained condition ("temperature > 30 for 5 minutes") fires once every reading of the field
on that source has met the comparison for that long: from the first reading of the current
unbroken run of matching readings to this one, by the points' timestamps, in arrival order. A
reading that does not match (or is not a number) ends the run; points without the field leave it.
Each trigger is announced as an ``AlertTriggered`` event on the state (webhooks deliver it).
"""

from __future__ import annotations

import hashlib
import re

import numpy as np

from ....core import timeutil
from ..engine import is_numeric
from ..errors import invalid
from ..model import AlertRule, AlertTriggered, Bucket, DataSource
from ..state import State
from . import access

_OPERATORS = [
    ("gte", r"is greater than or equal to|greater than or equal to|is at least|at least|>="),
    ("lte", r"is less than or equal to|less than or equal to|is at most|at most|<="),
    ("neq", r"is not equal to|not equal to|does not equal|is not|!="),
    ("gt", r"is greater than|greater than|exceeds|is above|goes above|rises above|above|>"),
    ("lt", r"is less than|less than|drops below|falls below|goes below|is below|below|<"),
    ("eq", r"is equal to|equal to|equals|==|=|is"),
]
_MINUTES = {"s": 1 / 60, "m": 1, "h": 60, "d": 24 * 60}
_CONDITION = re.compile(
    r"^\s*(?P<field>[A-Za-z_][\w ]*?)\s*(?P<op>" + "|".join(f"(?P<{n}>{p})" for n, p in _OPERATORS)
    + r")\s*(?P<value>[-+]?\d+(?:\.\d+)?)\s*(?:%|percent|[°a-zA-Z]+)?"
    + r"(?:\s+for\s+(?P<for>\d+(?:\.\d+)?)\s*(?P<unit>s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?))?\s*$",
    re.IGNORECASE,
)
COMPARE = {
    "gt": lambda a, b: a > b, "gte": lambda a, b: a >= b, "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b, "eq": lambda a, b: a == b, "neq": lambda a, b: a != b,
}
SYMBOLS = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<=", "eq": "==", "neq": "!="}   # the webhook payload's spelling


def _number(text: str):
    value = float(text)
    return int(value) if value.is_integer() else value


def parse_condition(text: str) -> dict | None:
    m = _CONDITION.match(text)
    if not m:
        return None
    op = next(name for name, _ in _OPERATORS if m.group(name))
    parsed = {"field": "_".join(m.group("field").split()), "operator": op, "value": _number(m.group("value"))}
    if m.group("for"):
        parsed["durationMinutes"] = _number(str(float(m.group("for")) * _MINUTES[m.group("unit")[0].lower()]))
    return parsed


def of_bucket(state: State, bucket_id: str) -> list[AlertRule]:
    return [r for r in state.alerts.values() if r.bucket_id == bucket_id]


def create(state: State, bucket: Bucket, source_id: str, name: str, condition: str,
           webhook_url: str, cooldown: float, rule_id: str | None = None) -> AlertRule:
    src = access.source_in(state, bucket, source_id)
    parsed = parse_condition(condition)
    if parsed is None:
        raise invalid(["body", "condition"], "Could not parse condition")
    new_id = state.ids.new_id()   # drawn even for a given id, so seeded ids do not depend on fixtures' ids
    rule = AlertRule((rule_id or new_id).lower(), bucket.id, src.id, name, condition, parsed, webhook_url,
                     cooldown, state.now())
    state.alerts[rule.id] = rule
    return rule


def active_rules(state: State, src: DataSource) -> list[AlertRule]:
    return [r for r in state.alerts.values() if r.status == "active" and r.data_source_id == src.id]


def _sustained_ms(rule: AlertRule) -> float | None:
    minutes = rule.parsed.get("durationMinutes")
    return None if minutes is None else minutes * timeutil.MS_MINUTE


def hits_in_columns(rule: AlertRule, fields: dict, ts: np.ndarray):
    """Positions of the points of a batch (``engine.batch_fields`` columns, timestamps ``ts``) that
    meet the rule, in request order. Advances a sustained rule's run."""
    f = fields.get(rule.parsed["field"])
    if f is None:
        return ()
    if f.floats is None:
        return _scan(rule, f.raw, ts)
    compare, threshold = COMPARE[rule.parsed["operator"]], rule.parsed["value"]
    present = ~np.isnan(f.floats)   # absent values never match (NaN != x would)
    match = compare(f.floats, threshold) & present
    duration = _sustained_ms(rule)
    if duration is None:
        return np.flatnonzero(match)
    where = np.flatnonzero(present)
    if not len(where):
        return ()
    match, stamps = match[where], ts[where]
    pos = np.arange(len(where))
    run_from = np.maximum.accumulate(np.where(match, -1, pos)) + 1     # first reading of each run
    start = stamps[np.minimum(run_from, len(where) - 1)]
    if rule.run_start is not None:
        start = np.where(run_from == 0, rule.run_start, start)
    rule.run_start = int(start[-1]) if match[-1] else None
    return where[match & (stamps - start >= duration)]


def hits_in_values(rule: AlertRule, values: list[dict], ts: list[int]):
    """Positions of the points (their ``values`` maps, timestamps ``ts``) that meet the rule."""
    name = rule.parsed["field"]
    return _scan(rule, [vals.get(name) for vals in values], ts)


def _scan(rule: AlertRule, readings: list, ts) -> list[int]:
    """The evaluator one reading at a time (``None``: the point lacks the field)."""
    compare, threshold, duration = COMPARE[rule.parsed["operator"]], rule.parsed["value"], _sustained_ms(rule)
    hits = []
    for i, v in enumerate(readings):
        if v is None:
            continue
        if not (is_numeric(v) and compare(v, threshold)):
            rule.run_start = None
            continue
        if duration is not None:
            if rule.run_start is None:
                rule.run_start = int(ts[i])
            if ts[i] - rule.run_start < duration:
                continue
        hits.append(i)
    return hits


def fire(rule: AlertRule, hits, now: int):
    """The one evaluator: ``hits`` (positions of matching points) ingested at ``now``; returns the
    positions that fired a trigger.

    Every point of a request shares one ingestion time: the first match fires unless the rule is
    cooling down; the later ones fire again only with no cooldown at all."""
    if not len(hits):
        return ()
    last, cooldown = rule.last_triggered_at, rule.cooldown_minutes * timeutil.MS_MINUTE
    if last is not None and now - last < cooldown:
        return ()
    fired = hits if cooldown <= 0 else hits[:1]
    rule.last_triggered_at = now
    rule.triggers.extend([now] * len(fired))
    return fired


def announce(state: State, rule: AlertRule, src: DataSource, point: dict, timestamp: int, now: int) -> None:
    """Tell the state's listeners (the webhook outbox) that ``point`` fired ``rule``."""
    if state.listeners:
        state.emit(AlertTriggered(rule, src, point["values"], int(timestamp), point.get("metadata") or {}, now))


def webhook_id(rule: AlertRule) -> str:
    """The id of a rule's webhook (the docs' ``webhookId``): the mock has no webhook resource, so
    each rule's ``webhookUrl`` is one webhook, with an id stable for the rule."""
    return hashlib.sha1(f"webhook:{rule.id}".encode()).hexdigest()[:24]
