"""Where the shipped documents are: inside the installed package (a wheel), or in the checkout.

The wheel maps the checkout's ``openapi/`` and ``fixtures/`` to ``mock_server/_data/`` (see
``pyproject.toml``); an editable install or a plain checkout reads them where they are.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent


def data_file(folder: str, name: str) -> Path:
    """``folder/name`` (``openapi/dakkio.yaml``, ``fixtures/demo.yaml``...)."""
    for base in (_PACKAGE / "_data" / folder, _PACKAGE.parent / folder):
        candidate = base / name
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"{folder}/{name} is neither in the installed package nor in a checkout")
