"""One engine that serves an OpenAPI contract as a stateful, in-memory mock.

``core`` knows no API; ``profiles`` holds the APIs it knows well (Dakkio, Mixpeek).
"""


def create_app(*args, **kwargs):
    """``create_app(profile="dakkio", fixtures="default", *, seed=..., ...)``: see ``core.app.create_app``."""
    from .core.app import create_app as _create_app

    return _create_app(*args, **kwargs)
