"""Faults and latency on demand (what people reach for WireMock for): one model, three ways in.

- Command-line defaults, for every request of the contract's operations: ``--latency DELAY`` and
  ``--fault-rate P[:FAULT]`` (probability P of a fault; FAULT defaults to ``500|503|429|reset``).
- Control-API rules (``/__mock/faults``): match by ``operationId``, ``method`` and/or ``path`` (a
  glob such as ``/api/data*``); fire with a ``probability`` and/or for the next ``times`` matching
  requests; a ``seed`` makes a rule's dice repeatable.
- A request header, ``X-Mock-Fault: FAULT``, for that one call.

The header wins; else the first matching rule that fires; else the command-line defaults.

One grammar for all three. A FAULT is items separated by ``,`` or ``;``; ``A|B`` picks one of
several at random:

  ``NNN`` or ``status=NNN``  answer that status with the operation's documented example (else
                           the profile's error envelope); 429 and 503 carry ``Retry-After``
  ``retry-after=S``          the ``Retry-After`` seconds (default 1)
  ``reset``                  reset the connection (TCP RST) without answering
  ``empty``                  close the connection without sending a byte
  ``malformed``              process the request, then send its body cut short (invalid JSON)
  ``dribble[=BYTES/EVERY]``  process the request, then send the body BYTES at a time (default 16/100ms)
  ``hang``                   answer nothing until the client gives up
  ``delay=DELAY``            wait first (alone: plain latency)

A DELAY is ``200ms``, ``0.2s`` or ``200`` (milliseconds) fixed; ``100-500ms`` uniform;
``lognormal:200ms:0.5`` log-normal with that median and sigma. ``status``, ``reset``, ``empty``
and ``hang`` happen before the API sees the request (nothing is stored); ``malformed`` and
``dribble`` after it answered.
"""

from __future__ import annotations

import fnmatch
import itertools
import math
import random
import re
from dataclasses import dataclass, field

KINDS = ("status", "reset", "empty", "malformed", "dribble", "hang")
BEFORE = ("status", "reset", "empty", "hang")       # the API never sees the request
DEFAULT_RATE_FAULT = "500|503|429|reset"
MAX_DELAY = 600.0                                   # seconds


class FaultSyntax(ValueError):
    """A fault, delay or rule the grammar does not accept (the message says what is expected)."""


@dataclass(frozen=True)
class Delay:
    kind: str            # fixed | uniform | lognormal
    a: float             # seconds: the value, the low bound, or the median
    b: float = 0.0       # seconds: the high bound; lognormal: sigma

    def sample(self, rng: random.Random) -> float:
        if self.kind == "fixed":
            value = self.a
        elif self.kind == "uniform":
            value = rng.uniform(self.a, self.b)
        else:
            value = rng.lognormvariate(math.log(self.a), self.b) if self.a > 0 else 0.0
        return min(max(value, 0.0), MAX_DELAY)


@dataclass(frozen=True)
class Fault:
    kind: str | None = None      # one of KINDS, or None: delay only
    status: int | None = None
    retry_after: int | None = None
    chunk: int = 16              # dribble: bytes per write
    every: float = 0.1           # dribble: seconds between writes
    delay: Delay | None = None
    text: str = ""


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s)?\s*$", re.IGNORECASE)


def parse_duration(text: str, unit: str = "ms") -> float:
    """Seconds from ``200ms``, ``0.2s`` or a bare number in ``unit``."""
    m = _DURATION.match(text)
    if not m:
        raise FaultSyntax(f"{text!r} is not a duration (e.g. 200ms, 0.5s)")
    value = float(m.group(1))
    return value if (m.group(2) or unit).lower() == "s" else value / 1000


def parse_delay(text: str) -> Delay:
    """``200ms`` (fixed), ``100-500ms`` (uniform), ``lognormal:200ms:0.5`` (median, sigma)."""
    text = text.strip()
    if text.lower().startswith("lognormal:"):
        parts = text.split(":")
        if len(parts) != 3:
            raise FaultSyntax("a log-normal delay is lognormal:MEDIAN:SIGMA, e.g. lognormal:200ms:0.5")
        try:
            sigma = float(parts[2])
        except ValueError:
            raise FaultSyntax(f"sigma {parts[2]!r} is not a number") from None
        if sigma < 0:
            raise FaultSyntax("sigma must be >= 0")
        return Delay("lognormal", parse_duration(parts[1]), sigma)
    m = re.fullmatch(r"([\d.]+\s*(?:ms|s)?)\s*(?:-|\.\.)\s*([\d.]+\s*(?:ms|s)?)", text, re.IGNORECASE)
    if m:
        unit = "s" if text.lower().endswith("s") and not text.lower().endswith("ms") else "ms"
        low, high = parse_duration(m.group(1), unit), parse_duration(m.group(2), unit)
        if low > high:
            raise FaultSyntax(f"uniform delay {text!r}: the low bound is above the high one")
        return Delay("uniform", low, high)
    return Delay("fixed", parse_duration(text))


def _one(text: str) -> Fault:
    kind, status, retry_after, chunk, every, delay = None, None, None, 16, 0.1, None
    for item in filter(None, (p.strip() for p in re.split(r"[,;]", text))):
        name, _, value = item.partition("=")
        name = name.strip().lower()
        value = value.strip()
        if name.isdigit() and not value:
            name, value = "status", name
        if name == "status":
            if not (value.isdigit() and 400 <= int(value) <= 599):
                raise FaultSyntax(f"status {value!r}: give an error status 400-599")
            kind, status = "status", int(value)
        elif name == "retry-after":
            if not value.isdigit():
                raise FaultSyntax(f"retry-after {value!r}: give whole seconds")
            retry_after = int(value)
        elif name == "delay":
            delay = parse_delay(value)
        elif name == "dribble":
            kind = "dribble"
            if value:
                size, _, interval = value.partition("/")
                if not size.strip().isdigit() or int(size) < 1 or not interval:
                    raise FaultSyntax("dribble is dribble=BYTES/EVERY, e.g. dribble=8/50ms")
                chunk, every = int(size), parse_duration(interval)
        elif name in KINDS and not value:
            kind = name
        else:
            raise FaultSyntax(f"unknown fault {item!r}: expected NNN, status=NNN, retry-after=S, reset, empty, "
                              "malformed, dribble[=BYTES/EVERY], hang, delay=DELAY")
    if kind is None and delay is None:
        raise FaultSyntax("empty fault: give a status, a kind or a delay")
    return Fault(kind, status, retry_after, chunk, every, delay, text.strip())


def parse(text: str) -> tuple[Fault, ...]:
    """The alternatives of a FAULT (``A|B``: one of them at random)."""
    if not isinstance(text, str) or not text.strip():
        raise FaultSyntax("empty fault: give a status, a kind or a delay")
    return tuple(_one(alt) for alt in text.split("|"))


def parse_rate(text: str) -> tuple[float, tuple[Fault, ...]]:
    """``--fault-rate P[:FAULT]``, e.g. ``0.05`` or ``0.1:503``."""
    rate, _, faults = text.partition(":")
    try:
        p = float(rate)
    except ValueError:
        raise FaultSyntax(f"{rate!r} is not a probability") from None
    if not 0 <= p <= 1:
        raise FaultSyntax("the fault rate is a probability between 0 and 1")
    return p, parse(faults or DEFAULT_RATE_FAULT)


@dataclass
class Rule:
    id: str
    faults: tuple[Fault, ...]
    text: str
    operation_id: str | None = None
    method: str | None = None
    path: str | None = None
    probability: float = 1.0
    times: int | None = None     # left to inject; None: no limit
    seed: int | None = None
    injected: int = 0
    rng: random.Random = field(default_factory=random.Random, repr=False)

    def matches(self, method: str, path: str, operation_id: str | None) -> bool:
        if self.operation_id is None and self.method is None and self.path is None:
            return operation_id is not None      # no matcher: every request of the contract
        return ((self.operation_id is None or self.operation_id == operation_id)
                and (self.method is None or self.method == method)
                and (self.path is None or fnmatch.fnmatchcase(path, self.path)))

    def fires(self) -> bool:
        return self.probability >= 1 or self.rng.random() < self.probability

    def view(self) -> dict:
        return {"id": self.id, "fault": self.text, "operationId": self.operation_id, "method": self.method,
                "path": self.path, "probability": self.probability, "times": self.times, "seed": self.seed,
                "injected": self.injected}


@dataclass
class Injection:
    """What happens to one request: wait ``delay`` seconds, then ``fault`` (kind None: nothing more)."""

    fault: Fault
    delay: float
    by: str                      # header | rule <id> | command line

    def describe(self) -> dict:
        return {"fault": self.fault.text, "kind": self.fault.kind, "delayMs": round(self.delay * 1000, 1),
                "by": self.by}


_RULE_FIELDS = {"fault", "delay", "operationId", "method", "path", "probability", "times", "seed"}


class FaultModel:
    """A mock's fault rules and command-line defaults."""

    def __init__(self, seed: int | None = None):
        self.rules: list[Rule] = []
        self.latency: Delay | None = None
        self.rate: tuple[float, tuple[Fault, ...]] | None = None
        self._rng = random.Random(seed)
        self._defaults_rng = random.Random(seed)
        self._ids = itertools.count(1)

    @property
    def active(self) -> bool:
        return bool(self.rules) or self.latency is not None or self.rate is not None

    def configure(self, latency: str | None = None, fault_rate: str | None = None) -> None:
        """The command-line defaults (``--latency``, ``--fault-rate``)."""
        self.latency = parse_delay(latency) if latency else None
        self.rate = parse_rate(fault_rate) if fault_rate else None

    def defaults(self) -> dict:
        return {"latency": _delay_text(self.latency) if self.latency else None,
                "faultRate": self.rate[0] if self.rate else None,
                "fault": "|".join(f.text for f in self.rate[1]) if self.rate else None}

    def add(self, body) -> Rule:
        """A rule from its JSON form (``POST /__mock/faults``)."""
        if not isinstance(body, dict):
            raise FaultSyntax("the body must be a JSON object")
        unknown = sorted(set(body) - _RULE_FIELDS)
        if unknown:
            raise FaultSyntax(f"unknown field(s) {', '.join(unknown)}; expected {', '.join(sorted(_RULE_FIELDS))}")
        text = ", ".join(str(body[k]) if k == "fault" else f"delay={body[k]}"
                         for k in ("fault", "delay") if body.get(k) is not None)
        if not text:
            raise FaultSyntax("give a fault (e.g. \"503\", \"reset\") and/or a delay (e.g. \"200ms\")")
        if "delay" in body and "|" in str(body.get("fault", "")):
            raise FaultSyntax("with alternatives (A|B), put the delay into each alternative")
        faults = parse(text)
        for name in ("operationId", "method", "path"):
            if body.get(name) is not None and (not isinstance(body[name], str) or not body[name]):
                raise FaultSyntax(f"{name} must be a non-empty string")
        probability = body.get("probability", 1)
        if isinstance(probability, bool) or not isinstance(probability, (int, float)) or not 0 <= probability <= 1:
            raise FaultSyntax("probability must be a number between 0 and 1")
        times, seed = body.get("times"), body.get("seed")
        if times is not None and (isinstance(times, bool) or not isinstance(times, int) or times < 1):
            raise FaultSyntax("times must be an integer >= 1 (the next N matching requests)")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise FaultSyntax("seed must be an integer")
        rule = Rule(str(next(self._ids)), faults, text, body.get("operationId"),
                    body["method"].upper() if body.get("method") else None, body.get("path"), float(probability),
                    times, seed, rng=random.Random(seed if seed is not None else self._rng.random()))
        self.rules.append(rule)
        return rule

    def remove(self, rule_id: str) -> bool:
        before = len(self.rules)
        self.rules = [r for r in self.rules if r.id != rule_id]
        return len(self.rules) < before

    def clear(self) -> None:
        self.rules = []

    def pick(self, method: str, path: str, operation_id: str | None, header: str | None) -> Injection | None:
        """The injection for one request, or None. Raises ``FaultSyntax`` for a bad header."""
        if header is not None:
            faults = parse(header)
            fault = self._rng.choice(faults) if len(faults) > 1 else faults[0]
            return Injection(fault, fault.delay.sample(self._rng) if fault.delay else 0.0, "header")
        for rule in self.rules:
            if rule.matches(method, path, operation_id) and rule.fires():
                fault = rule.rng.choice(rule.faults) if len(rule.faults) > 1 else rule.faults[0]
                rule.injected += 1
                if rule.times is not None:
                    rule.times -= 1
                    if rule.times <= 0:
                        self.remove(rule.id)
                return Injection(fault, fault.delay.sample(rule.rng) if fault.delay else 0.0, f"rule {rule.id}")
        if operation_id is None or (self.latency is None and self.rate is None):
            return None
        rng = self._defaults_rng
        fault = Fault(text=f"delay={_delay_text(self.latency)}" if self.latency else "")
        if self.rate is not None and self.rate[0] > 0 and rng.random() < self.rate[0]:
            faults = self.rate[1]
            fault = rng.choice(faults) if len(faults) > 1 else faults[0]
        delay = (self.latency.sample(rng) if self.latency else 0.0) + (fault.delay.sample(rng) if fault.delay else 0.0)
        if fault.kind is None and not delay:
            return None
        return Injection(fault, delay, "command line")


def _delay_text(d: Delay) -> str:
    ms = lambda s: f"{s * 1000:g}ms"  # noqa: E731
    if d.kind == "fixed":
        return ms(d.a)
    if d.kind == "uniform":
        return f"{ms(d.a)}-{ms(d.b)}"
    return f"lognormal:{ms(d.a)}:{d.b:g}"
