"""What an API supplies to the engine: the profile interface.

A profile is data plus a few plain functions, nothing the engine calls behind your back:

- ``spec``: the contract (OpenAPI 3.0). Its ``operationId``s name the handlers.
- ``handlers``: a package with one module per resource and one ``async`` function per
  operationId. A handler names what it needs: ``state``, ``principal``, ``body``, and the
  operation's path and query parameters by their spec names. It returns ``(body, status)``.
- ``new_state(settings)``: a fresh, empty state (one object; the services work on it).
- ``authenticate(state, credential, operation)``: the principal a credential belongs to, or
  raise an ``ApiError`` (unknown key, wrong key type, over quota). ``operation`` is the
  contract's ``Operation`` (its ``extensions`` carry the spec's ``x-`` keys).
- ``render_error(error, operation)``: ``(status, body, headers)`` of any ``ApiError``, framework
  errors and ``RequestInvalid`` (validation wording) included: the API's envelope, in one place.
  ``operation`` is the contract's ``Operation`` when the request matched one (else None); a
  ``Content-Type`` in ``headers`` overrides ``application/json``.
- ``fixtures``: ``load(state, doc)`` and ``dump(state) -> doc`` of the profile's fixture
  documents, and the ``default`` demo document (or None).
- ``banner(state, base_url)``: lines printed at start (demo credentials, a first request).
- ``response_headers(state)``: headers every response carries (Dakkio: rate limits), or None.
- ``health(state)``: counts shown by ``GET /__mock/health``.
- ``control_routes(mock)``: extra ``/__mock/`` routes (Starlette ``Route``s), e.g. a quota.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Settings:
    """What the command line says about a mock, whatever the API."""

    seed: int | None = None
    clock: Callable[[], int] | None = None      # ms since the epoch; tests fix it
    rate_limit: tuple[int, str] | None = None   # (calls, window)
    credentials: tuple[str, ...] = ()           # a spec without a profile: the only credentials accepted
    webhooks: str = "local"                     # outgoing callbacks: local (this machine/network) | on | off


@dataclass(frozen=True)
class Fixtures:
    load: Callable[[Any, dict], None]
    dump: Callable[[Any], dict]
    default: Path | None = None


@dataclass(frozen=True)
class Profile:
    name: str
    title: str
    spec: Path
    handlers: str                               # dotted package name
    new_state: Callable[[Settings], Any]
    authenticate: Callable[[Any, Any, Any], Any]
    render_error: Callable[[Any, Any], tuple[int, dict, dict]]
    fixtures: Fixtures
    banner: Callable[[Any, str], list[str]]
    response_headers: Callable[[Any], dict] | None = None
    health: Callable[[Any], dict] = field(default=lambda state: {})
    control_routes: Callable[[Any], list] = field(default=lambda mock: [])
    expose_headers: tuple[str, ...] = ()        # response headers browsers may read (CORS)
