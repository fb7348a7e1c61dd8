"""A stateful, in-memory Dakkio served from the OpenAPI contract."""

from pathlib import Path

SPEC_PATH = Path(__file__).resolve().parent.parent / "openapi" / "dakkio.yaml"
DEFAULT_FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "demo.yaml"


def create_app(*args, **kwargs):
    from .app import create_app as _create_app

    return _create_app(*args, **kwargs)
