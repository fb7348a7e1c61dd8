"""API-key security, called by Connexion for every operation (``x-apikeyInfoFunc`` in the spec).

Order (DESIGN decision 1): unknown/deleted key -> 401, quota -> 429, wrong key type for the
operation -> 403 with the operation's ``x-dakkio-key-type-message``. Bucket scope is checked
later, by the handler, once the request is valid.
"""

from connexion.exceptions import ProblemException

from .errors import DakkioError, Forbidden


class DakkioProblem(ProblemException):
    """A Dakkio error crossing Connexion's security layer."""

    def __init__(self, err: DakkioError):
        super().__init__(status=err.status, title=err.error, detail=err.message, headers=err.headers)


async def apikey_info(api_key, request=None):
    ext = request.scope["extensions"]
    mock = ext["dakkio"]
    routing = ext.get("connexion_routing") or {}
    try:
        principal = mock.store.authenticate(api_key)
        operation = mock.contract.operation_for(routing.get("operation_id"))
        if operation is not None and principal.type not in operation.key_types:
            raise Forbidden(operation.key_type_message)
    except DakkioError as err:
        raise DakkioProblem(err) from None
    return {"sub": principal.id, "principal": principal, "store": mock.store}
