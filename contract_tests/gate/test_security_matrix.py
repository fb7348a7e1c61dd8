"""Every secured operation refuses no credential, a malformed one and a well-formed unknown one:
401 or 403, with the error body the spec documents for that status (rule: *credentials*)."""

from __future__ import annotations

import random

import pytest

from . import credentials


@pytest.mark.gate
def test_secured_operation_refuses(gate_spec, good_auth, http, secured_case):
    op_id, outcome = secured_case
    op = gate_spec.contract.by_id[op_id]
    rng = random.Random(op_id + outcome)
    if outcome == "none":
        auth = credentials.Auth()
    else:
        scheme_name = next(iter(gate_spec.security(op)[0]))
        scheme = gate_spec.schemes()[scheme_name]
        good = next((v for a in [good_auth.get(scheme_name)] if a for v in [*a.headers.values(), *a.params.values(),
                                                                              *a.cookies.values()]), None)
        if good and good.lower().startswith(("bearer ", "basic ")):
            good = good.split(" ", 1)[1]
        auth = credentials.wrong(scheme, good, rng)[outcome]
    body = gate_spec.request_body(op)
    r = http.request(op.method, http.base + gate_spec.path(op, {}), headers=auth.headers, params=auth.params,
                     cookies=auth.cookies, json=body, timeout=30)
    assert r.status_code in (401, 403), f"{op.method} {op.path} with {outcome} credentials: {r.status_code} {r.text[:300]}"
    problems = gate_spec.error_problems(op, r)
    assert not problems, f"the {r.status_code} body is not the documented error: {problems}\n{r.text[:300]}"
