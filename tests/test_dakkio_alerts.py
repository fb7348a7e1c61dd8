"""Unit tests of alert rules (services.alerts): the condition parser, triggers on ingest, cooldown (no HTTP)."""

import pytest

from mock_server.core.errors import BadRequest, NotFound
from mock_server.profiles.dakkio.services import alerts, buckets, ingest
from mock_server.profiles.dakkio.services.alerts import parse_condition

from .dakkio_support import _pt, _source, clock_fixture, state_fixture  # noqa: F401  (fixtures)


def test_condition_parser():
    assert parse_condition("temperature is greater than 30") == {"field": "temperature", "operator": "gt", "value": 30}
    assert parse_condition("humidity is less than 40")["operator"] == "lt"
    assert parse_condition("pressure drops below 1000")["operator"] == "lt"
    assert parse_condition("cpu usage exceeds 80 percent") == {"field": "cpu_usage", "operator": "gt", "value": 80}
    assert parse_condition("pressure equals 1013")["operator"] == "eq"
    assert parse_condition("battery is not equal to 0")["operator"] == "neq"
    assert parse_condition("temp >= 2.5")["value"] == 2.5
    assert parse_condition("temperature > 30 for 5 minutes")["operator"] == "gt"
    assert parse_condition("make it nice") is None
    assert parse_condition("") is None


def test_alerts_trigger_on_ingest_with_cooldown(state, clock):
    b = buckets.create(state, "b", None)
    src = _source(state, b)
    rule = alerts.create(state, b, src.id, "hot", "t is greater than 30", "https://x.test", 5)
    ingest.ingest(state, b, [_pt(src, t=10)])
    assert rule.last_triggered_at is None
    ingest.ingest(state, b, [_pt(src, t=31), _pt(src, t=32)])
    assert rule.triggers == [clock.t]                    # one trigger: cooldown
    clock.t += 5 * 60_000
    ingest.ingest(state, b, [_pt(src, t=40)])
    assert len(rule.triggers) == 2
    with pytest.raises(BadRequest):
        alerts.create(state, b, src.id, "x", "sometimes", "https://x.test", 5)
    with pytest.raises(NotFound):
        alerts.create(state, b, "ab" * 12, "x", "t > 1", "https://x.test", 5)
