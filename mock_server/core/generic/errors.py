"""Errors of a spec served without a profile (DESIGN decision 34): the error schema the spec
documents for that status (else ``4XX``/``5XX``, else ``default``), filled from its example or
generated, with the status and the message where the schema has such fields; where the spec
documents neither, RFC 7807 ``application/problem+json`` (with Prism's ``validation`` list for
a rejected request)."""

from __future__ import annotations

from http import HTTPStatus

from openapi_model.inference import flatten, json_media

from ..errors import ApiError, RequestInvalid, Unauthenticated
from .responses import NO_BODY, answer

_STATUS_FIELDS = {"status", "code", "statuscode", "status_code", "httpstatus"}
_MESSAGE_FIELDS = {"message", "detail", "error", "title", "description", "msg", "error_description", "reason"}


def renderer(contract, generator):
    def render(err: ApiError, operation=None) -> tuple[int, object, dict]:
        status = _status(err, operation)
        message = _message(err)
        documented = _documented(operation, status)
        if documented is not None:
            found = answer(contract, operation, generator, documented)
            media = json_media(contract, operation.responses[documented])
            if found is not None and found.body is not NO_BODY and media:
                schema = flatten(contract, media[1].get("schema") or {})
                return status, _fill(found.body, schema, status, message, contract.resolve), {"Content-Type": media[0], **err.headers}
        problem = {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status, "detail": message}
        if isinstance(err, RequestInvalid):
            problem["validation"] = [{"location": p.path, "severity": "Error", "code": p.kind, "message": p.text}
                                     for p in err.problems]
        return status, problem, {"Content-Type": "application/problem+json", **err.headers}

    return render


def _status(err: ApiError, operation) -> int:
    if isinstance(err, RequestInvalid):       # Prism: the spec's 422, then its 400, else 422
        codes = set(operation.responses) if operation else set()
        return 400 if "400" in codes and "422" not in codes else 422
    if isinstance(err, Unauthenticated):
        return 401
    return err.status


def _message(err: ApiError) -> str:
    if isinstance(err, RequestInvalid):
        return "; ".join(f"{'.'.join(map(str, p.path))}: {p.text}" for p in err.problems) or "Invalid request"
    if isinstance(err, Unauthenticated):
        return "Missing or invalid credentials"
    return err.message or HTTPStatus(err.status).phrase


def _documented(operation, status: int) -> str | None:
    if operation is None:
        return None
    for key in (str(status), f"{str(status)[0]}XX", "default"):
        if key in operation.responses:
            return key
    return None


def _fill(body, schema: dict, status: int, message: str, resolve):
    if not isinstance(body, dict):
        return body
    body = dict(body)
    props = schema.get("properties") or {}
    for name, sub in props.items():
        low = name.lower()
        sub = resolve(sub or {}) or {}
        kind = sub.get("type")
        if low in _STATUS_FIELDS and kind in ("integer", "number"):
            body[name] = status
        elif low in _MESSAGE_FIELDS and kind == "string" and "enum" not in sub and "format" not in sub:
            body[name] = message
    return body
