"""What the Mixpeek pack reads from ``openapi/mixpeek.yaml``: operations, which of them are our
decisions (``x-mixpeek-assumption``), the error ``type`` per status (``x-mixpeek-error-type``), and
the case marks (the Dakkio suite's ``contract`` convention, so ``--lenient`` and the report work)."""

from __future__ import annotations

import functools

import pytest
import yaml

from contract_tests.packs import decorator
from contract_tests.specs import spec_file

SEED_PAGE = "/api-reference/buckets/create-bucket"


@functools.lru_cache(maxsize=1)
def spec() -> dict:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)   # libyaml when there is one
    return yaml.load(spec_file("mixpeek.yaml").read_text(), Loader=loader)  # noqa: S506 - a safe loader


def _resolve(node: dict) -> dict:
    while isinstance(node, dict) and "$ref" in node:
        target = spec()
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


@functools.lru_cache(maxsize=1)
def operations() -> dict:
    out = {}
    for path, item in spec()["paths"].items():
        for method, op in item.items():
            if isinstance(op, dict) and "operationId" in op:
                out[op["operationId"]] = {"method": method.upper(), "path": path, **op}
    return out


@functools.lru_cache(maxsize=1)
def error_types() -> dict[int, str]:
    """Status -> the envelope's ``error.type``, as the spec's responses declare it."""
    out = {}
    for op in operations().values():
        for status, response in op["responses"].items():
            kind = _resolve(response).get("x-mixpeek-error-type")
            if kind and status.isdigit():
                out[int(status)] = kind
    return out


def allowed_methods(path: str) -> set[str]:
    return {m.upper() for m, op in spec()["paths"][path].items() if isinstance(op, dict) and "operationId" in op}


def case_marks(op: str, title: str, *, decision: str | None = None, safe: bool = False) -> list:
    """Marks of a test of one case of ``op``. A case of an operation the seed does not document
    (``x-mixpeek-assumption``) must name the DESIGN decision it checks (``decision="decision NN"``)."""
    info = operations().get(op)
    if info is None:
        raise KeyError(f"{op} is not an operation of openapi/mixpeek.yaml")
    if info.get("x-mixpeek-assumption") and not decision:
        raise ValueError(f"{op} is our decision, not documented: the case {title!r} must name it")
    source = SEED_PAGE if not info.get("x-mixpeek-assumption") else f"{info['method']} {info['path']}"
    marks = [pytest.mark.contract(op=op, title=title, source=source, decision=decision),
             pytest.mark.assumption if decision else pytest.mark.documented, pytest.mark.buckets]
    if safe:
        marks.append(pytest.mark.safe)
    return marks


case = decorator(case_marks)


def param(*values, op: str, title: str, id: str | None = None, **kw):  # noqa: A002 - pytest's name
    """``pytest.param`` carrying the marks of one case (for cases parametrized over operations)."""
    return pytest.param(*values, marks=case_marks(op, title, **kw), id=id)
