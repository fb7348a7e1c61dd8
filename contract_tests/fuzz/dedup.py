"""One failure, however many cases hit it: operation, check, status and a normalised signature.

The signature is the failure's own words (Schemathesis' title and message, and for a server
error the error text of the response) with everything that varies from case to case taken out:
IDs, UUIDs, timestamps, numbers, quoted values, paths into the body. Two cases that crash the
same code on different inputs share it; a different message or check is a different failure.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field

# Which check speaks for a case that failed several at once (a 500 usually also fails schema checks).
CHECK_PRIORITY = ("not_a_server_error", "status_code_conformance", "response_schema_conformance",
                  "content_type_conformance", "response_headers_conformance", "negative_data_rejection",
                  "positive_data_acceptance", "use_after_free", "ensure_resource_availability", "ignored_auth")

_RULES = [
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I), "<uuid>"),
    (re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?", re.I), "<ts>"),
    (re.compile(r"\b(?=[0-9a-f]*\d)[0-9a-f]{12,}\b", re.I), "<id>"),
    (re.compile(r"https?://[^\s'\"<>]+"), "<url>"),
    (re.compile(r"'(?:[^'\\]|\\.)*'"), "<str>"),
    (re.compile(r'"(?:[^"\\]|\\.)*"'), "<str>"),
    (re.compile(r"\[(?:<str>|<n>|\d+)(?:,\s*(?:<str>|<n>|\d+))*\]"), "<path>"),
    (re.compile(r"[-+]?\b\d+(?:\.\d+)?(?:e[-+]?\d+)?\b", re.I), "<n>"),
    (re.compile(r"\s+"), " "),
]


def normalise(text: str, limit: int = 200) -> str:
    """``text`` with the parts that vary between cases replaced by placeholders."""
    out = text or ""
    for pattern, repl in _RULES:
        out = pattern.sub(repl, out)
    return out.strip()[:limit]


def error_text(body: str) -> str:
    """What a response body says about the error: the JSON fields that usually carry it, else its start."""
    try:
        doc = json.loads(body)
    except (TypeError, ValueError):
        return (body or "")[:300]
    if isinstance(doc, dict):
        parts = [str(doc[k]) for k in ("error", "message", "title", "detail", "type", "exception") if k in doc]
        if parts:
            return " | ".join(parts)
    return json.dumps(doc)[:300]


def signature(check: str, title: str, message: str, status: int | None, body: str = "") -> str:
    text = f"{title}: {message}"
    if status is not None and status >= 500:
        text += " :: " + error_text(body)
    return normalise(text)


def primary_check(names: list[str]) -> str:
    """The check that names a case which failed ``names``."""
    ranked = sorted(names, key=lambda n: CHECK_PRIORITY.index(n) if n in CHECK_PRIORITY else len(CHECK_PRIORITY))
    return ranked[0]


@dataclass
class Finding:
    """One failing case as Schemathesis reported it (before deduplication)."""

    operation: str
    check: str
    status: int | None
    title: str
    message: str
    code: str = ""
    body: str = ""
    also: list[str] = field(default_factory=list)     # other checks the same case failed
    at: float = 0.0                                   # seconds since the campaign started
    steps: list = field(default_factory=list)         # the request chain (report.Step), last one failing
    worker: int = 0

    @property
    def signature(self) -> str:
        return signature(self.check, self.title, self.message, self.status, self.body)

    @property
    def key(self) -> tuple:
        return (self.operation, self.check, self.status, self.signature)

    @property
    def id(self) -> str:
        return failure_id(self.key)


def failure_id(key: tuple) -> str:
    return hashlib.sha1(json.dumps(list(key)).encode()).hexdigest()[:10]


@dataclass
class Unique:
    """A deduplicated failure: its first finding and how often (and when first) it was hit."""

    first: Finding
    count: int = 1

    @property
    def id(self) -> str:
        return self.first.id


class Deduper:
    def __init__(self):
        self.failures: dict[tuple, Unique] = {}

    def add(self, finding: Finding) -> bool:
        """Record ``finding``; True when it is a new unique failure."""
        known = self.failures.get(finding.key)
        if known is None:
            self.failures[finding.key] = Unique(finding)
            return True
        known.count += 1
        if finding.at < known.first.at:
            known.first, finding = finding, known.first
        return False

    def __len__(self) -> int:
        return len(self.failures)

    def uniques(self) -> list[Unique]:
        return sorted(self.failures.values(), key=lambda u: (u.first.at, u.first.operation))
