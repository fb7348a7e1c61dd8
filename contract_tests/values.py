"""The rule *values*: every field of every documented response is compared by value with what the
suite itself sent, created or computed, not only by type.

A pack states what it expects with :func:`expect` (a nested structure mirroring the body; leaves
are values or the matchers below); each field compared lands in the run's :data:`LEDGER`. At the end
of the run the ledger is compared with the fields the spec documents for every operation
(:func:`coverage`): a field no case compares is reported, and the suite's own test fails on it.

Matchers, for the values a client cannot know in advance:
- :class:`Between` - a server timestamp, between two instants the suite took around the request;
- :class:`Generated` - an identifier or secret the server makes, on its first appearance (its
  documented shape, and unique); everywhere it is echoed afterwards, the suite compares it by value;
- :class:`Approx` - a float computed by the suite (aggregations), equal within a tolerance;
- :class:`Where` - in an array of resources, the element(s) the suite created, found by a key;
- :data:`ABSENT` - a field this use of a shared schema leaves out;
- :class:`Grew` - a measure only the server knows (storage), larger after the suite's writes.
A dict names the fields it compares (others are left to other cases); a list compares every
element in order; :class:`Exactly` compares a whole value, every nested field included.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class Ledger:
    """(operationId, status) -> field paths compared by value in this run."""

    compared: dict = field(default_factory=dict)

    def add(self, op: str, status: int | str, path: str) -> None:
        self.compared.setdefault((op, str(status)), set()).add(path)

    def covers(self, op: str, status: str, path: str) -> bool:
        seen = self.compared.get((op, str(status)), set())
        parts = path.replace("[]", ".[]").split(".")
        ancestors = {".".join(parts[:i]).replace(".[]", "[]") for i in range(1, len(parts) + 1)}
        return bool(seen & ancestors) or "$" in seen or path + EXACT in seen


LEDGER = Ledger()
EXACT = "!"     # a recorded path ending so covers that field only, not what the spec nests under it


class Matcher:
    def check(self, actual, where: str) -> None:  # pragma: no cover - interface
        raise NotImplementedError


@dataclass
class Approx(Matcher):
    value: float
    rel: float = 1e-6
    abs: float = 1e-6

    def check(self, actual, where):
        assert isinstance(actual, (int, float)) and not isinstance(actual, bool) and math.isclose(
            actual, self.value, rel_tol=self.rel, abs_tol=self.abs), f"{where}: expected ~{self.value}, got {actual!r}"


TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$")


def parse_time(value) -> float:
    assert isinstance(value, str) and TIMESTAMP.match(value), f"not an RFC 3339 timestamp: {value!r}"
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


@dataclass
class Between(Matcher):
    """A timestamp the server stamped while handling a request the suite sent between ``start`` and
    ``end`` (epoch seconds), allowing ``skew`` for the two clocks (and millisecond truncation)."""

    start: float
    end: float
    skew: float = 300.0

    def check(self, actual, where):
        t = parse_time(actual)
        assert self.start - self.skew - 0.001 <= t <= self.end + self.skew, \
            f"{where}: {actual} is not between the request's start and end (allowing {self.skew:.0f} s skew)"


@dataclass
class Generated(Matcher):
    """A value the server makes (an id, a key): its documented shape; never the same twice in a run."""

    pattern: str

    def check(self, actual, where):
        assert isinstance(actual, str) and re.fullmatch(self.pattern, actual), \
            f"{where}: {actual!r} does not match {self.pattern}"
        assert (where, actual) not in _GENERATED, f"{where}: {actual!r} was already generated in this run"
        _GENERATED.add((where, actual))


_GENERATED: set = set()

ABSENT = object()
"""In a dict of :func:`expect`: the field must not be there (a use of a shared schema that leaves it
out). That is a value too: its absence is what the contract says for this use."""


@dataclass
class Grew(Matcher):
    """A measure only the server knows (storage used): larger than ``before``, after the suite added
    to it. The one relation among the matchers; use it only where no value can be computed."""

    before: float

    def check(self, actual, where):
        assert isinstance(actual, (int, float)) and actual > self.before, \
            f"{where}: expected more than {self.before} after this run's writes, got {actual!r}"


@dataclass
class Where(Matcher):
    """The elements of an array whose ``key`` equals one of ``expected``'s, each compared with it;
    every one of them must be there (other elements, e.g. another run's, are left alone)."""

    key: str
    expected: list
    only: bool = False      # True: no other elements either

    def check(self, actual, where):  # compared by expect() itself (it records paths)
        raise AssertionError("Where is compared by expect()")


def expect(op: str, status: int, body, expected, ledger: Ledger | None = None):
    """Compare ``body`` (a response body, or a ``requests`` response whose status must be ``status``)
    with ``expected``; record every field compared for ``op``/``status``. Returns the body."""
    ledger = ledger or LEDGER
    if hasattr(body, "status_code"):
        assert body.status_code == status, f"expected {status}, got {body.status_code}: {body.text[:500]}"
        body = body.json()
    _compare(body, expected, "", lambda path: ledger.add(op, status, path or "$"))
    return body


def _compare(actual, expected, path, record):
    """A dict names the fields it compares (others are left to other cases); a list compares every
    element in order; :class:`Exactly` compares a whole value (a free-form map) at once."""
    where = path or "(body)"
    if isinstance(expected, Where):
        assert isinstance(actual, list), f"{where}: expected an array, got {actual!r}"
        for item in expected.expected:
            found = [a for a in actual if isinstance(a, dict) and a.get(expected.key) == item[expected.key]]
            assert len(found) == 1, f"{where}: {len(found)} elements with {expected.key}={item[expected.key]!r}"
            _compare(found[0], item, f"{path}[]", record)
        if expected.only:
            assert len(actual) == len(expected.expected), \
                f"{where}: {len(actual)} elements, expected {len(expected.expected)}"
        return
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{where}: expected an object, got {actual!r}"
        for name, sub in expected.items():
            here = f"{path}.{name}" if path else name
            if sub is ABSENT:       # this use of a shared schema leaves the field out (e.g. DESIGN 16)
                assert name not in actual, f"{here}: expected no such field, got {actual[name]!r}"
                record(here)
                continue
            assert name in actual, f"{where}: no field {name!r} in {sorted(actual)}"
            _compare(actual[name], sub, here, record)
        flat = all(not isinstance(v, (dict, list, Where)) for v in expected.values())
        if path and flat and actual and set(actual) == {k for k, v in expected.items() if v is not ABSENT}:
            record(path + EXACT)    # a flat map compared key by key, every key: the map (that field only)
        return
    if isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), \
            f"{where}: expected {len(expected)} elements, got {actual!r}"
        for a, e in zip(actual, expected, strict=True):
            _compare(a, e, f"{path}[]", record)
        return      # an empty array compares its length only: it covers no field of its elements
    if isinstance(expected, Matcher):
        expected.check(actual, where)
        if isinstance(expected, Exactly) and expected.value in ([], {}):
            return
    else:
        assert _same(actual, expected), f"{where}: expected {expected!r}, got {actual!r}"
    record(path)


@dataclass
class Exactly(Matcher):
    """A whole value (an object with free-form keys, an array): equal, every nested field included."""

    value: object

    def check(self, actual, where):
        assert _same(actual, self.value), f"{where}: expected {self.value!r}, got {actual!r}"


def _same(a, b) -> bool:
    if isinstance(a, bool) or isinstance(b, bool) or a is None or b is None:
        return a is b if (a is None or b is None) else (type(a) is type(b) and a == b)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def coverage(spec, ledger: Ledger | None = None, ops=None) -> dict[str, list[str]]:
    """``operationId status`` -> the documented response fields no case compared by value (empty
    lists left out). ``spec``: a :class:`~contract_tests.gate.spec.GateSpec`."""
    from .gate.fields import response_fields

    ledger = ledger or LEDGER
    missing = {}
    for op in spec.operations():
        if ops is not None and op.operation_id not in ops:
            continue
        for status, paths in response_fields(spec, op).items():
            left = [p for p in paths if not ledger.covers(op.operation_id, status, p)]
            if left:
                missing[f"{op.operation_id} {status}"] = left
    return missing
