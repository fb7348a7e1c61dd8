"""Mixpeek's bucket API (seed 004): the second profile.

Bearer keys, namespaces from ``X-Namespace``, buckets found by id or name, the Mixpeek error
envelope with Pydantic-shaped validation errors, and demo fixtures with a known key.
"""

from __future__ import annotations

from ...core.profile import Fixtures, Profile, Settings
from ...core.resources import data_file
from . import envelope, fixtures, services
from .state import State


def new_state(settings: Settings) -> State:
    return State(seed=settings.seed, clock=settings.clock)


def authenticate(state: State, credential, operation):
    """The key (Bearer) acting in the ``X-Namespace`` namespace (``default`` when absent)."""
    return services.principal(state, credential.value, (credential.headers or {}).get("x-namespace"))


def banner(state: State, base: str) -> list[str]:
    lines = ["Demo keys (Authorization: Bearer <key>):"]
    lines += [f"  {key}  ({name})" for key, name in state.keys.items()] or ["  (none: load a fixture document)"]
    for ns, buckets in state.namespaces.items():
        lines.append(f"  namespace {ns}: {len(buckets)} bucket(s)")
    lines.append(f"Try: curl -H 'Authorization: Bearer <key>' {base}/v1/buckets")
    return lines


def health(state: State) -> dict:
    return {"namespaces": len(state.namespaces), "buckets": sum(len(b) for b in state.namespaces.values())}


PROFILE = Profile(
    name="mixpeek",
    title="Mixpeek buckets",
    spec=data_file("openapi", "mixpeek.yaml"),
    handlers=f"{__name__}.handlers",
    new_state=new_state,
    authenticate=authenticate,
    render_error=envelope.render,
    fixtures=Fixtures(fixtures.apply, fixtures.dump, data_file("fixtures", "mixpeek.yaml")),
    banner=banner,
    health=health,
)
