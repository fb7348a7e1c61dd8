"""The contracts shipped with the suite: in the installed package (a wheel) or in the checkout."""

from __future__ import annotations

from pathlib import Path


def spec_file(name: str) -> Path:
    """``openapi/<name>``, from the wheel's package data or the checkout's root."""
    here = Path(__file__).resolve().parent
    for base in (here / "_data" / "openapi", here.parent / "openapi"):
        if (base / name).exists():
            return base / name
    raise FileNotFoundError(f"openapi/{name} is neither in the installed package nor in a checkout")
