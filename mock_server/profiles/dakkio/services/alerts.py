"""Alert rules: conditions parsed at create, evaluated on ingest by one evaluator (decision 10)."""

from __future__ import annotations

import re

import numpy as np

from ....core import timeutil
from ..engine import is_numeric
from ..errors import invalid
from ..model import AlertRule, Bucket, DataSource
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
_CONDITION = re.compile(
    r"^\s*(?P<field>[A-Za-z_][\w ]*?)\s*(?P<op>" + "|".join(f"(?P<{n}>{p})" for n, p in _OPERATORS)
    + r")\s*(?P<value>[-+]?\d+(?:\.\d+)?)\s*(?:%|percent|[°a-zA-Z]+)?"
    + r"(?:\s+for\s+\d+\s+(?:seconds?|minutes?|hours?|days?))?\s*$",
    re.IGNORECASE,
)
COMPARE = {
    "gt": lambda a, b: a > b, "gte": lambda a, b: a >= b, "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b, "eq": lambda a, b: a == b, "neq": lambda a, b: a != b,
}


def parse_condition(text: str) -> dict | None:
    m = _CONDITION.match(text)
    if not m:
        return None
    op = next(name for name, _ in _OPERATORS if m.group(name))
    value = float(m.group("value"))
    if value.is_integer():
        value = int(value)
    return {"field": "_".join(m.group("field").split()), "operator": op, "value": value}


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


def hits_in_columns(rule: AlertRule, fields: dict) -> int:
    """How many points of a batch (as ``engine.batch_fields`` columns) meet the rule."""
    f = fields.get(rule.parsed["field"])
    if f is None:
        return 0
    compare, threshold = COMPARE[rule.parsed["operator"]], rule.parsed["value"]
    if f.floats is not None:
        present = ~np.isnan(f.floats)   # absent values never match (NaN != x would)
        return int(np.count_nonzero(compare(f.floats, threshold) & present))
    return sum(1 for v in f.raw if is_numeric(v) and compare(v, threshold))


def hits_in_values(rule: AlertRule, values: list[dict]) -> int:
    """How many points (their ``values`` maps) meet the rule."""
    compare, threshold, name = COMPARE[rule.parsed["operator"]], rule.parsed["value"], rule.parsed["field"]
    return sum(1 for v in (vals.get(name) for vals in values) if is_numeric(v) and compare(v, threshold))


def fire(rule: AlertRule, hits: int, now: int) -> int:
    """The one evaluator: ``hits`` matching points ingested at ``now``; returns how many triggers fired.

    Every point of a request shares one ingestion time: the first match fires unless the rule is
    cooling down; the later ones fire again only with no cooldown at all."""
    if not hits:
        return 0
    last, cooldown = rule.last_triggered_at, rule.cooldown_minutes * timeutil.MS_MINUTE
    if last is not None and now - last < cooldown:
        return 0
    fired = hits if cooldown <= 0 else 1
    rule.last_triggered_at = now
    rule.triggers.extend([now] * fired)
    return fired
