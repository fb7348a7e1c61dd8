"""A profile that implements one operation of a third-party spec (petstore-expanded), to show the
engine serving the rest generically. Used by tests/test_generic_mock.py."""

from mock_server.core.generic.profile import authenticate
from mock_server.core.generic.store import GenericStore
from mock_server.core.profile import Fixtures, Profile

from ..conftest import ROOT


def _render(err, operation=None):
    return err.status, {"oops": err.message}, {}


PROFILE = Profile(
    name="partial", title="Petstore, partly by hand",
    spec=ROOT / "tests" / "thirdparty" / "oai_petstore_expanded" / "petstore-expanded.yaml",
    handlers=f"{__name__}.handlers", new_state=lambda settings: GenericStore(settings.seed),
    authenticate=authenticate, render_error=_render,
    fixtures=Fixtures(lambda state, doc: None, lambda state: {}, None), banner=lambda state, base: [],
)
