"""Credentials as the spec's ``securitySchemes`` declare them, and the ways to get them wrong.

Given on the command line: ``--header 'Name: value'``, ``--bearer TOKEN``, ``--api-key VALUE`` (put
where the apiKey scheme says: header, query or cookie), ``--basic user:password``.
"""

from __future__ import annotations

import base64
import random
import string
from dataclasses import dataclass, field


@dataclass
class Auth:
    headers: dict = field(default_factory=dict)
    params: dict = field(default_factory=dict)
    cookies: dict = field(default_factory=dict)

    def merged(self, other: Auth) -> Auth:
        return Auth({**self.headers, **other.headers}, {**self.params, **other.params},
                    {**self.cookies, **other.cookies})


@dataclass
class Given:
    headers: dict
    bearer: str | None = None
    api_key: str | None = None
    basic: str | None = None


def for_scheme(scheme: dict, given: Given) -> Auth | None:
    """How ``given`` credentials meet one scheme (None: nothing given for it)."""
    kind = scheme.get("type")
    if kind == "apiKey":
        value = given.api_key or _header(given.headers, scheme.get("name", ""))
        return _place(scheme, value) if value else None
    http = (scheme.get("scheme") or "").lower()
    if kind == "http" and http == "basic" and given.basic:
        return Auth({"Authorization": "Basic " + base64.b64encode(given.basic.encode()).decode()})
    if kind in ("http", "oauth2", "openIdConnect") and http != "basic" and given.bearer:
        return Auth({"Authorization": f"Bearer {given.bearer}"})
    if "Authorization" in given.headers and kind == "http":
        return Auth({"Authorization": given.headers["Authorization"]})
    return None


def _header(headers: dict, name: str) -> str | None:
    return next((v for k, v in headers.items() if k.lower() == name.lower()), None)


def _place(scheme: dict, value: str) -> Auth:
    where, name = scheme.get("in", "header"), scheme.get("name", "")
    if where == "query":
        return Auth(params={name: value})
    if where == "cookie":
        return Auth(cookies={name: value})
    return Auth(headers={name: value})


def outcomes(scheme: dict) -> list[str]:
    """The wrong credentials a scheme can be given (see :func:`wrong`)."""
    kind, http = scheme.get("type"), (scheme.get("scheme") or "").lower()
    if kind == "apiKey":
        return ["malformed", "unknown", "altered", "case_changed"]
    if http == "basic":
        return ["malformed", "unknown", "altered", "user_only", "user_case_changed"]
    return ["malformed", "unknown", "altered", "case_changed", "scheme_repeated", "extra_token"]


def wrong(scheme: dict, good: str | None, rng: random.Random) -> dict[str, Auth]:
    """The credential outcomes every secured operation must refuse: malformed; well-formed but unknown
    (same shape as the good one: the same prefix, another tail); *altered*, the good one with its
    last character changed (a server matching keys by a prefix, or caching them by one, takes it),
    or with its case changed; for basic, the good user with no password, or with the case of its name
    changed; for bearer, the good token with the scheme repeated or a second token after it."""
    kind, http = scheme.get("type"), (scheme.get("scheme") or "").lower()
    tail = "".join(rng.choice(string.ascii_lowercase + string.digits) for _ in range(24))
    altered = _last_changed(good) if good else f"k_{tail}"
    cased = _case_changed(good) if good else tail.upper()
    if kind == "apiKey":
        unknown = _same_shape(good, rng) if good else f"k_{tail}"
        return {"malformed": _place(scheme, "!" + tail + " "), "unknown": _place(scheme, unknown),
                "altered": _place(scheme, altered), "case_changed": _place(scheme, cased)}
    if http == "basic":
        user, _, password = (_decoded(good) or f"nobody:{tail}").partition(":")
        basic = lambda text: Auth({"Authorization": "Basic " + base64.b64encode(text.encode()).decode()})  # noqa: E731
        return {"malformed": Auth({"Authorization": "Basic !!not-base64!!"}), "unknown": basic(f"nobody:{tail}"),
                "altered": basic(f"{user}:{_last_changed(password) if password else tail}"), "user_only": basic(user),
                "user_case_changed": basic(f"{_case_changed(user)}:{password}")}
    token = good or tail
    return {"malformed": Auth({"Authorization": f"Bearer{tail}"}),
            "unknown": Auth({"Authorization": f"Bearer {_same_shape(good, rng) if good else tail}"}),
            "altered": Auth({"Authorization": f"Bearer {altered}"}),
            "case_changed": Auth({"Authorization": f"Bearer {cased}"}),
            "scheme_repeated": Auth({"Authorization": f"Bearer Bearer {token}"}),
            "extra_token": Auth({"Authorization": f"Bearer {token} {tail}"})}


def _last_changed(value: str) -> str:
    last = value[-1]
    swap = "a" if last != "a" else "b"
    if last.isdigit():
        swap = "1" if last != "1" else "2"
    elif last.isupper():
        swap = "A" if last != "A" else "B"
    return value[:-1] + swap


def _case_changed(value: str) -> str:
    """``value`` with the case of its letters swapped (one letter at least: else a letter appended)."""
    swapped = value.swapcase()
    return swapped if swapped != value else value + "X"


def _decoded(good: str | None) -> str | None:
    """``user:password`` of a basic credential given encoded (the gate keeps it as sent)."""
    if not good:
        return None
    try:
        return base64.b64decode(good, validate=True).decode()
    except ValueError:
        return good if ":" in good else None


def _same_shape(value: str, rng: random.Random) -> str:
    """``value`` with its tail (after the last ``_`` or ``-``) replaced by random characters of its kinds."""
    cut = max(value.rfind("_"), value.rfind("-")) + 1
    head, tail = value[:cut], value[cut:]
    alphabet = (string.ascii_lowercase if tail.islower() or not tail.isalpha() else "") + \
        (string.digits if any(c.isdigit() for c in tail) else "") + \
        (string.ascii_uppercase if any(c.isupper() for c in tail) else "")
    alphabet = alphabet or string.ascii_lowercase
    while True:
        new = head + "".join(rng.choice(alphabet) for _ in range(max(len(tail), 8)))
        if new != value:
            return new
