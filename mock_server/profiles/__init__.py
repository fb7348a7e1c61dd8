"""The APIs the engine knows well: every package here is one, exposing ``PROFILE`` (see ``core.profile``)."""

from __future__ import annotations

import importlib
import pkgutil

NAMES = tuple(sorted(m.name for m in pkgutil.iter_modules(__path__) if m.ispkg))
DEFAULT = "dakkio"


def get(name: str = DEFAULT):
    if name not in NAMES:
        raise KeyError(f"unknown API {name!r}: one of {', '.join(NAMES)}")
    return importlib.import_module(f"{__name__}.{name}").PROFILE
