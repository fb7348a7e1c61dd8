"""Every documented limit at n-1, n and n+1 (lengths, bounds, item counts): the values outside are
refused with a 4xx and the documented error body (rule: *limits*). A value inside may still be
refused for what it means (a condition of one character is not a condition), in the documented
error body and never with a 5xx; but not where the same request without it is accepted (then the
refusal is about the limit, and wrong), unless it is too short to mean anything (under three
characters). Acceptance at the limit where the meaning is known is the packs' to check (e.g.
Dakkio's bucket name of exactly 100 characters)."""

from __future__ import annotations

import pytest

from .test_type_confusion import UNCHANGED, check_refused, send


@pytest.mark.gate
def test_limit(gate_spec, good_auth, http, limit_case):
    field, label, value, valid = limit_case
    op, r = send(gate_spec, good_auth, http, field, value)
    what = f"{field.id} {label}"
    assert r.status_code < 500, f"{what}: {r.status_code} {r.text[:300]}"
    if not valid:
        check_refused(gate_spec, op, r, what)
    elif r.status_code >= 400:
        problems = gate_spec.error_problems(op, r)
        assert not problems, f"{what}: the {r.status_code} body is not the documented error: {problems}"
        meaningless = isinstance(value, str) and len(value) < 3      # "é" may be no condition at all
        if r.status_code not in (404, 409) and not meaningless:      # the request without it accepted?
            baseline = send(gate_spec, good_auth, http, field, UNCHANGED)[1]
            assert not 200 <= baseline.status_code < 300, \
                f"{what}: a valid value is refused ({r.status_code} {r.text[:200]}) where the request " \
                f"without it is accepted ({baseline.status_code})"
