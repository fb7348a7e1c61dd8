"""A profile made from a spec alone (``dakkio-mock --spec PATH``): security presence, the spec's
own error shapes, state inferred from the spec, no demo data (DESIGN decision 32)."""

from __future__ import annotations

from pathlib import Path

from openapi_model.contract import Contract
from openapi_model.generate import Generator

from ..profile import Fixtures, Profile, Settings
from . import errors
from .store import GenericStore


def authenticate(state, credential, operation):
    """Security presence: any non-empty credential in a declared place passes (as Prism does), or,
    with ``--accept-credential``, only the ones given (so a gate can check that others are refused)."""
    accepted = getattr(state, "credentials", ())
    value = credential.value if credential.password is None else f"{credential.value}:{credential.password}"
    if not credential.value or (accepted and value not in accepted):    # basic: user:password
        return None
    return _Principal(value)


class _Principal:
    def __init__(self, value: str):
        self.id = value[:4] + "..."


def _load(store: GenericStore, doc: dict) -> None:
    """``{"collections": [{"collection": "/pets", "parents": [], "items": [...]}, ...]}`` (a dump)."""
    for entry in doc.get("collections") or []:
        items = store.collections.setdefault((entry["collection"], tuple(entry.get("parents") or ())), {})
        for item in entry.get("items") or []:
            key = next((str(item[k]) for k in ("id", "_id", "uuid") if k in item), str(len(items) + 1))
            items[key] = item


def from_spec(path: str | Path) -> Profile:
    contract = Contract(path)
    title = (contract.doc.get("info") or {}).get("title") or Path(path).name

    def new_state(settings: Settings) -> GenericStore:
        store = GenericStore(settings.seed, contract.resolve)
        store.credentials = tuple(settings.credentials)
        return store

    def banner(state, base: str) -> list[str]:
        return [f"Serving {Path(path).name} with no profile: see {base}/__mock/operations for how each operation answers"]

    return Profile(
        name="spec", title=title, spec=Path(path), handlers="", new_state=new_state, authenticate=authenticate,
        render_error=errors.renderer(contract, Generator(contract.resolve, 0)),
        fixtures=Fixtures(_load, GenericStore.dump, None), banner=banner,
        health=lambda state: {"collections": len(state.collections)},
    )
