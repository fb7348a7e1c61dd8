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
    assert parse_condition("temperature > 30 for 5 minutes") == {"field": "temperature", "operator": "gt", "value": 30,
                                                                  "durationMinutes": 5}
    assert parse_condition("pressure > 1020 for 1 hour")["durationMinutes"] == 60
    assert parse_condition("Temperature exceeds 30°C for 5 minutes")["durationMinutes"] == 5
    assert parse_condition("t < 2 for 30 seconds")["durationMinutes"] == 0.5
    assert "durationMinutes" not in parse_condition("temperature > 30")
    assert parse_condition("temperature > 30 for a while") is None
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


def test_sustained_condition_fires_once_the_run_lasts_long_enough(state, clock):
    """"t > 30 for 5 minutes": the run of matching readings must span 5 minutes of point time; a
    non-matching reading ends it; points without the field leave it alone."""
    b = buckets.create(state, "b", None)
    src = _source(state, b, {"u": {"type": "number"}})
    rule = alerts.create(state, b, src.id, "hot", "t > 30 for 5 minutes", "https://x.test", 0)

    def send(minute, **values):
        clock.t += 1000
        ingest.ingest(state, b, [_pt(src, f"2024-01-15T10:{minute:02d}:00Z", **values)])
        return len(rule.triggers)

    assert [send(0, t=31), send(3, t=32), send(4, u=1), send(5, t=33)] == [0, 0, 0, 1]
    assert send(6, t=20) == 1                     # the run ends
    assert [send(7, t=40), send(11, t=40), send(12, t=40)] == [1, 1, 2]
    assert send(13, t="hot") == 2                 # not a number: ends the run too
    assert send(14, t=40) == 2


NUMERIC = [31, 32, None, 29, 35, 36, 36, 37, 38, 39, 31, 30.5, 31, 40, 41, 20, 33] * 3
MIXED = [31, 32, None, 29, 35, 36, True, 36, "x", 37, 38, 39, 31, 30.5, 31, 40] * 3


def _expected_sustained(readings, minutes=2):
    """Positions that fire ``t > 30 for 2 minutes`` (reading i is at minute i), one reading at a time."""
    run, fired = None, []
    for i, v in enumerate(readings):
        if v is None:
            continue
        if type(v) in (int, float) and v > 30:
            run = i if run is None else run
            if i - run >= minutes:
                fired.append(i)
        else:
            run = None
    return fired


@pytest.mark.parametrize("readings", [NUMERIC, MIXED], ids=["numeric", "mixed"])
@pytest.mark.parametrize("split", [None, 23, 1])   # 23: batches of over 16 points that start mid-run
def test_sustained_condition_batch_and_single_paths_fire_on_the_same_points(clock, readings, split):
    """Vectorised batch (numeric columns), the column-by-column fallback and point-by-point ingest
    fire on the same points, with a run carried from one request into the next."""
    from mock_server.profiles.dakkio.state import State

    s = State(seed=3, clock=clock)
    b = buckets.create(s, "b", None)
    src = _source(s, b, {"u": {"type": "number"}})
    alerts.create(s, b, src.id, "r", "t > 30 for 2 minutes", "https://x.test", 0)
    fired = []
    s.listeners.append(fired.append)
    body = [_pt(src, f"2024-01-15T{10 + i // 60:02d}:{i % 60:02d}:00Z", **({"t": v} if v is not None else {"u": 1}))
            for i, v in enumerate(readings)]
    step = split or len(body)
    for i in range(0, len(body), step):
        ingest.ingest(s, b, body[i:i + step])
    want = _expected_sustained(readings)
    assert want and [body.index(next(p for p in body if p["values"] is e.values)) for e in fired] == want
    assert all(e.values["t"] > 30 and e.rule.parsed["durationMinutes"] == 2 for e in fired)
