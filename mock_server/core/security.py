"""Credentials, checked by the profile: Connexion finds them, the profile says who they belong to.

The spec declares *where* a credential is (``securitySchemes``) and names no code: these
handler classes give Connexion our one check for every scheme type instead of reading an
``x-*InfoFunc`` import path from the spec. The check asks the running mock's profile to turn
the credential into a principal (or raise an ``ApiError``: unknown key, wrong key type, quota).
"""

from __future__ import annotations

from dataclasses import dataclass

from connexion.security import NO_VALUE, ApiKeySecurityHandler, BasicSecurityHandler, BearerSecurityHandler

from .errors import Unauthenticated

MOCK = "mock"              # scope["extensions"] key of the running Mock


@dataclass(frozen=True)
class Credential:
    """A credential as the request carried it. ``headers`` (lower-case names) lets a profile scope
    its principal by another header (Mixpeek: ``X-Namespace``)."""

    scheme: str            # apiKey | bearer | basic
    value: str             # the key or token; for basic, the user name
    password: str | None = None
    headers: dict | None = None


def _operation(request):
    ext = request.scope["extensions"]
    mock = ext[MOCK]
    routing = ext.get("connexion_routing") or {}
    return mock, mock.contract.operation_for(routing.get("operation_id"))


async def check(credential: Credential, request) -> dict:
    mock, operation = _operation(request)
    principal = mock.profile.authenticate(mock.state, credential, operation)
    if principal is None:
        raise Unauthenticated("Unknown credential")
    return {"sub": getattr(principal, "id", None), "principal": principal}


def _headers(request) -> dict:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in request.scope.get("headers", ())}


async def api_key(api_key, request=None):
    return await check(Credential("apiKey", api_key), request)


async def bearer(token, request=None):
    return await check(Credential("bearer", token, headers=_headers(request)), request)


async def basic(username, password, request=None):
    return await check(Credential("basic", username, password, _headers(request)), request)


class _Resolved:
    check = None

    def _resolve_func(self, security_scheme):
        return type(self).check


class ApiKeyHandler(_Resolved, ApiKeySecurityHandler):
    """apiKey in a header, the query string or a cookie."""

    check = staticmethod(api_key)
    _seen: dict = {}

    @staticmethod
    def _accepts_kwarg(func, keyword: str) -> bool:
        """Stock answer, memoised: the stock handler inspects the function twice per request."""
        key = (func, keyword)
        hit = ApiKeyHandler._seen.get(key)
        if hit is None:
            hit = ApiKeyHandler._seen[key] = ApiKeySecurityHandler._accepts_kwarg(func, keyword)
        return hit


class BearerHandler(_Resolved, BearerSecurityHandler):
    check = staticmethod(bearer)


class BasicHandler(_Resolved, BasicSecurityHandler):
    check = staticmethod(basic)


def _scheme_handler(scheme: str):
    """Any other HTTP authentication scheme (digest, negotiate...): ``Authorization: <scheme> <value>``."""

    class SchemeHandler(BearerHandler):
        def _get_verify_func(self, token_info_func):
            check_func = self.check_bearer_token(token_info_func)

            def wrapper(request):
                auth_type, value = self.get_auth_header_value(request)
                return check_func(request, value) if auth_type == scheme else NO_VALUE
            return wrapper

    return SchemeHandler


SECURITY_MAP = {"apiKey": ApiKeyHandler, "bearer": BearerHandler, "basic": BasicHandler,
                "oauth2": BearerHandler, "openIdConnect": BearerHandler,
                **{name: _scheme_handler(name) for name in ("digest", "negotiate", "hoba", "mutual", "vapid",
                                                            "scram-sha-1", "scram-sha-256", "dpop", "token")}}
