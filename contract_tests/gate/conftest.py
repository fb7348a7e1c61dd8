"""The gate's fixtures: the spec, the credentials its schemes take, and an HTTP session on the target."""

from __future__ import annotations

import random

import pytest
import requests

from . import credentials, fields
from .spec import GateSpec


@pytest.fixture(scope="session")
def gate_spec(request) -> GateSpec:
    return GateSpec(request.config.contract_spec)


@pytest.fixture(scope="session")
def given(request, target) -> credentials.Given:
    cfg = request.config
    headers = dict(h.split(":", 1) for h in cfg.getoption("--header") or [])
    headers = {k.strip(): v.strip() for k, v in headers.items()}
    api_key = cfg.getoption("--api-key") or (target.admin_key if cfg.contract_pack == "dakkio" else None)
    bearer = cfg.getoption("--bearer") or getattr(target, "bearer", None)
    return credentials.Given(headers, bearer, api_key, cfg.getoption("--basic"))


@pytest.fixture(scope="session")
def good_auth(gate_spec, given) -> dict:
    """Scheme name -> how the given credentials meet it."""
    out = {}
    for name, scheme in gate_spec.schemes().items():
        auth = credentials.for_scheme(scheme, given)
        if auth is not None:
            out[name] = auth
    return out


def auth_for(gate_spec, good_auth, op) -> credentials.Auth | None:
    """Credentials meeting one of ``op``'s security alternatives (an empty Auth for open operations)."""
    alternatives = gate_spec.security(op)
    if not alternatives or any(not alt for alt in alternatives):
        return credentials.Auth()
    for alt in alternatives:
        if all(name in good_auth for name in alt):
            merged = credentials.Auth()
            for name in alt:
                merged = merged.merged(good_auth[name])
            return merged
    return None


@pytest.fixture(scope="session")
def http(target):
    session = requests.Session()
    session.base = target.base_url
    return session


@pytest.fixture(scope="session")
def rng():
    return random.Random(20261202)


def pytest_generate_tests(metafunc):
    """Cases computed from the spec: every secured operation x outcome; every inferred resource."""
    names = {"secured_case", "resource_case", "confusion_case", "limit_case"} & set(metafunc.fixturenames)
    if not names:
        return
    spec = GateSpec(metafunc.config.contract_spec)
    if "confusion_case" in names:
        cases = [(f, label, value) for f in fields.all_fields(spec) for label, value in fields.confusions(f)]
        metafunc.parametrize("confusion_case", cases, ids=[f"{f.id}-{label}" for f, label, _ in cases])
    if "limit_case" in names:
        cases = [(f, label, value, valid) for f in fields.all_fields(spec) for label, value, valid in fields.limits(f)]
        metafunc.parametrize("limit_case", cases, ids=[f"{f.id}-{label}" for f, label, _, _ in cases])
    if "secured_case" in metafunc.fixturenames:
        cases = [(op.operation_id, outcome) for op in spec.operations() if spec.secured(op)
                 for outcome in ("none", *_outcomes(spec, op))]
        metafunc.parametrize("secured_case", cases, ids=[f"{a}-{b}" for a, b in cases])
    if "resource_case" in metafunc.fixturenames:
        cases = resource_cases(spec)
        metafunc.parametrize("resource_case", cases, ids=[c for c in cases])


def _outcomes(spec: GateSpec, op) -> list[str]:
    """The wrong credentials of the operation's first scheme."""
    name = next(iter(spec.security(op)[0]))
    return credentials.outcomes(spec.schemes().get(name) or {})


def resource_cases(spec: GateSpec) -> list[str]:
    """Item paths of the resources the spec implies that can be created and read back."""
    modes: dict[str, set] = {}
    for plan in spec.plans.values():
        if plan.resource is not None and plan.resource.item:
            modes.setdefault(plan.resource.item, set()).add(plan.mode)
    return sorted(item for item, m in modes.items() if {"create", "read"} <= m)
