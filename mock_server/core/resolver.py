"""operationId -> the profile's handler: the spec is the router and names no code.

Every function named like an operationId in the profile's handler modules serves that
operation. Handlers ask for ``state`` and ``principal`` by name; Connexion knows neither, so
each handler is given to Connexion wrapped: the wrapper takes what Connexion passes
(``token_info`` and the request's parameters) and adds them. The lean path (``fast.py``)
calls ``bound.handler`` directly.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from connexion.resolver import Resolution, Resolver

INJECTED = ("state", "principal")
JSON = {"Content-Type": "application/json"}


def handlers_of(package: str) -> dict:
    """operationId-named async functions of every module of ``package``."""
    pkg = importlib.import_module(package)
    found = {}
    for info in pkgutil.iter_modules(pkg.__path__):
        module = importlib.import_module(f"{package}.{info.name}")
        for name, fn in vars(module).items():
            if inspect.iscoroutinefunction(fn) and not name.startswith("_") and fn.__module__ == module.__name__:
                found[name] = (module, name)
    return found


class ProfileResolver(Resolver):
    """The profile's handlers first; ``fallback(operation_id)`` (the generic engine) for the rest."""

    def __init__(self, mock, fallback=None):
        super().__init__()
        self.mock = mock
        self.fallback = fallback
        self.table = handlers_of(mock.profile.handlers) if mock.profile.handlers else {}

    def implemented(self) -> set[str]:
        return set(self.table) & set(self.mock.contract.by_id)

    def resolve(self, operation) -> Resolution:
        op_id = operation.operation_id
        entry = self.table.get(op_id)
        if entry is None:
            return Resolution(self.fallback(op_id), op_id)
        module, name = entry
        return Resolution(bind(getattr(module, name), self.mock), f"{module.__name__}.{name}")


def bind(handler, mock):
    """``handler`` as Connexion calls it: ``state``/``principal`` supplied from the mock and the security context."""
    sig = inspect.signature(handler)
    wants = [name for name in INJECTED if name in sig.parameters]

    async def bound(token_info=None, **kwargs):
        if "state" in wants:
            kwargs["state"] = mock.state
        if "principal" in wants:
            kwargs["principal"] = (token_info or {}).get("principal")
        return respond(await handler(**kwargs))

    params = [p for p in sig.parameters.values() if p.name not in INJECTED]
    params.append(inspect.Parameter("token_info", inspect.Parameter.KEYWORD_ONLY, default=None))
    bound.__signature__ = sig.replace(parameters=params)
    bound.__name__, bound.__doc__ = handler.__name__, handler.__doc__
    bound.handler = handler    # not ``__wrapped__``: Connexion would read the handler's own signature
    return bound


def respond(result):
    """A handler's ``(body, status)`` (or ``(body, status, headers)``) as a JSON response."""
    if len(result) == 2:
        return result[0], result[1], JSON
    body, status, headers = result
    return body, status, {**JSON, **headers}
