"""Dakkio, the time-series IoT API: the first profile.

What the spec cannot say lives here: key types and bucket scoping, the quota, the time-series
engine, alert rules, analytics, the error envelope with Zod wording, and the demo fixtures.
"""

from __future__ import annotations

from ...core.profile import Fixtures, Profile, Settings
from ...core.resources import data_file
from . import envelope, fixtures, views, webhooks
from .control import control_routes
from .services import access, quota
from .state import State

API_KEY_TYPES = "x-dakkio-key-types"
KEY_TYPE_MESSAGE = "x-dakkio-key-type-message"


def new_state(settings: Settings) -> State:
    q = quota.Quota(*settings.rate_limit) if settings.rate_limit else None
    state = State(seed=settings.seed, clock=settings.clock, quota=q)
    state.webhooks = webhooks.Outbox(settings.webhooks)
    state.listeners.append(state.webhooks.on_event)
    return state


def authenticate(state: State, credential, operation):
    """401 (unknown key) -> 429 (quota) -> 403 (key type); bucket scope is the handlers' (decision 1)."""
    principal = access.authenticate(state, credential.value)
    if operation is not None:
        access.require_type(principal, operation.extensions.get(API_KEY_TYPES, ()),
                            operation.extensions.get(KEY_TYPE_MESSAGE, ""))
    return principal


def response_headers(state: State) -> dict:
    return views.rate_limit_headers(quota.status(state.quota, state.now()))


def banner(state: State, base: str) -> list[str]:
    lines = ["Demo keys:"]
    for k in state.key_ids.values():
        scope = "organisation" if k.bucket_id is None else state.buckets[k.bucket_id].name
        lines.append(f"  {k.type:<5} {k.key}  ({k.name}; {scope})")
    if not state.key_ids:
        lines.append("  (none: load a fixture document with an admin key)")
    lines.append(f"Try: curl -H 'X-API-Key: <admin key>' {base}/api/buckets")
    if state.webhooks is not None:
        where = {"local": "sent to this machine and network only (--webhooks on: anywhere)",
                 "on": "sent to any host", "off": "off: logged, not sent"}[state.webhooks.mode]
        lines.append(f"Alert webhooks: {where}; deliveries at {base}/__mock/webhooks")
    return lines


def health(state: State) -> dict:
    return {"buckets": len(state.buckets), "dataSources": len(state.sources)}


PROFILE = Profile(
    name="dakkio",
    title="Dakkio",
    spec=data_file("openapi", "dakkio.yaml"),
    handlers=f"{__name__}.handlers",
    new_state=new_state,
    authenticate=authenticate,
    render_error=envelope.render,
    fixtures=Fixtures(fixtures.apply, fixtures.dump, data_file("fixtures", "demo.yaml")),
    banner=banner,
    response_headers=response_headers,
    health=health,
    control_routes=control_routes,
    expose_headers=("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "Retry-After"),
)
