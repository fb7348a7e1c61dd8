"""Request validation from the spec, reported the way the real service reports it (Zod wording).

Connexion finds which schema applies; these validators collect *all* problems and raise a
``ValidationFailed`` with ``details`` (``path`` starting at ``body``/``query``), or the
top-level message a schema pins with ``x-dakkio-*`` extensions (DESIGN decisions 2, 19).
"""

from __future__ import annotations

import itertools
import json
import re
import urllib.parse

import orjson
from connexion.datastructures import MediaTypeDict
from connexion.exceptions import BadRequestProblem
from connexion.json_schema import Draft4RequestValidator
from connexion.validators import (
    FormDataValidator,
    JSONRequestBodyValidator,
    MultiPartFormDataValidator,
    ParameterValidator,
)
from jsonschema import Draft4Validator, FormatChecker

from . import timeutil
from .errors import INVALID_PARAMS

PARSED_BODY = "dakkio_parsed_body"
_ABSOLUTE_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s\x00-\x1f\x7f]+$")
_INTEGER = re.compile(r"^-?[0-9]+$")
_NUMBER = re.compile(r"^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$")

FORMAT_CHECKER = FormatChecker()
for _name, _fn in Draft4Validator.FORMAT_CHECKER.checkers.items():
    FORMAT_CHECKER.checkers[_name] = _fn


@FORMAT_CHECKER.checks("date-time")
def _is_datetime(value) -> bool:
    """RFC 3339, and an instant that can be written back as a UTC timestamp (years 0000-9999)."""
    return not isinstance(value, str) or timeutil.parse(value) is not None


@FORMAT_CHECKER.checks("uri")
def _is_uri(value) -> bool:
    return not isinstance(value, str) or bool(_ABSOLUTE_URI.match(value))


class RequestInvalid(BadRequestProblem):
    """A 400 carrying the Dakkio message and Zod-style details."""

    def __init__(self, message: str, details: list | None = None):
        super().__init__(detail=message)
        self.details = details


class MalformedBody(RequestInvalid):
    pass


def zod_type(value, expected: str | None = None) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "number"
    if isinstance(value, float):
        return "float" if expected == "integer" and not value.is_integer() else "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _expected(schema: dict) -> str:
    t = schema.get("type")
    if t:
        return t if isinstance(t, str) else " | ".join(t)
    alts = schema.get("oneOf") or schema.get("anyOf")
    if alts:
        return " | ".join(a.get("type", "unknown") for a in alts)
    return "object" if "properties" in schema else "unknown"


def _quote(v) -> str:
    return f"'{v}'" if isinstance(v, str) else json.dumps(v)


def problems(error, location: str) -> list[tuple[list, str, str | None]]:
    """(path, Zod message, pinned top-level message or None) for one jsonschema error."""
    path = [location, *error.absolute_path]
    v, schema, inst = error.validator, error.schema, error.instance
    if v == "required":
        props = schema.get("properties", {})
        return [([*path, name], f"Expected {_expected(props.get(name, {}))}, received undefined", None)
                for name in error.validator_value if isinstance(inst, dict) and name not in inst]
    if v == "type":
        expected = error.validator_value
        expected = expected if isinstance(expected, str) else expected[0]
        return [(path, f"Expected {expected}, received {zod_type(inst, expected)}", None)]
    together = schema.get("x-dakkio-together")
    if v == "anyOf" and together and isinstance(inst, dict):
        missing = [name for name in together if name not in inst]
        return [([*path, name], f"{' and '.join(together)} must be given together", None) for name in missing]
    if v in ("oneOf", "anyOf"):
        return [(path, f"Expected {_expected(schema)}, received {zod_type(inst)}", None)]
    if v == "minLength":
        return [(path, f"String must contain at least {error.validator_value} character(s)", None)]
    if v == "maxLength":
        return [(path, f"String must contain at most {error.validator_value} character(s)",
                 schema.get("x-dakkio-max-length-message"))]
    if v == "pattern":
        return [(path, schema.get("x-dakkio-pattern-message", "Invalid"), None)]
    if v == "enum":
        opts = " | ".join(_quote(o) for o in error.validator_value)
        return [(path, f"Invalid enum value. Expected {opts}, received {_quote(inst)}", None)]
    if v == "minimum":
        return [(path, f"Number must be greater than or equal to {error.validator_value}", None)]
    if v == "maximum":
        return [(path, f"Number must be less than or equal to {error.validator_value}", None)]
    if v == "minItems":
        return [(path, f"Array must contain at least {error.validator_value} element(s)", None)]
    if v == "maxItems":
        return [(path, f"Array must contain at most {error.validator_value} element(s)", None)]
    if v == "minProperties":
        return [(path, f"Object must contain at least {error.validator_value} key(s)", None)]
    if v == "format":
        label = {"date-time": "Invalid datetime", "uri": "Invalid url"}.get(error.validator_value, "Invalid")
        return [(path, label, None)]
    return [(path, error.message, None)]


def raise_for(errors, location: str) -> None:
    found = []
    for err in errors:
        found.extend(problems(err, location))
    if not found:
        return
    for _, _, pinned in found:
        if pinned:
            raise RequestInvalid(pinned)
    found.sort(key=lambda p: [str(x) for x in p[0]])
    details, seen = [], set()
    for path, msg, _ in found:
        key = (tuple(path), msg)
        if key not in seen:
            seen.add(key)
            details.append({"path": path, "message": msg})
    raise RequestInvalid(INVALID_PARAMS, details)


_VALIDATORS: dict[int, tuple] = {}
_MAPS = ("properties", "patternProperties", "definitions")
_OAS_ONLY = {"nullable", "example", "examples", "discriminator", "readOnly", "writeOnly", "xml", "externalDocs",
             "deprecated"}


def _draft4(node, keep_all_keys: bool = False):
    """An OpenAPI 3.0 schema as plain Draft 4 (``nullable`` becomes a ``null`` type; OAS-only keywords go)."""
    if isinstance(node, list):
        return [_draft4(v) for v in node]
    if not isinstance(node, dict):
        return node
    if keep_all_keys:
        return {k: _draft4(v) for k, v in node.items()}
    out = {k: _draft4(v, k in _MAPS) for k, v in node.items() if k not in _OAS_ONLY and not k.startswith("x-")}
    if node.get("nullable"):
        if isinstance(out.get("type"), str):
            out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
    return out


class FastValidator:
    """jsonschema-rs decides (compiled once, ~50x faster); the Python validator only explains a rejection.

    The Python validator stays the authority: what it finds is what the client is told. ``date-time``
    strings reachable through ``properties``/``items``/``allOf`` alone (a batch's timestamps) are checked
    after jsonschema-rs, all at once with ``timeutil.parse_many``, instead of one Python callback each.
    """

    def __init__(self, schema: dict):
        self.slow = Draft4RequestValidator(schema, format_checker=FORMAT_CHECKER)
        self.datetime_paths = _datetime_paths(schema)
        try:
            import jsonschema_rs

            rs_schema = _draft4(schema)
            if self.datetime_paths is not None:
                rs_schema = _without_datetime(rs_schema)   # checked in bulk by _datetimes_ok
            self.fast = jsonschema_rs.Draft4Validator(
                rs_schema, validate_formats=True, formats={"date-time": _is_datetime, "uri": _is_uri})
        except Exception:  # noqa: BLE001 - no jsonschema-rs, or a schema it cannot take: stay correct, be slower
            self.fast = None

    def iter_errors(self, instance):
        if self.fast is not None and self.fast.is_valid(instance) and self._datetimes_ok(instance):
            return iter(())
        return self.slow.iter_errors(instance)

    def _datetimes_ok(self, instance) -> bool:
        if not self.datetime_paths:
            return True
        found: list = []
        for path in self.datetime_paths:
            _collect(instance, path, found)
        if len(found) < 16:
            return all(timeutil.parse(v) is not None for v in found)
        return not (timeutil.parse_many(found) == timeutil.NOT_PARSED).any()


def _without_datetime(node):
    if isinstance(node, list):
        return [_without_datetime(v) for v in node]
    if not isinstance(node, dict):
        return node
    return {k: _without_datetime(v) for k, v in node.items() if not (k == "format" and v == "date-time")}


def _datetime_paths(schema) -> list[tuple] | None:
    """Where ``format: date-time`` applies, as paths of property names and ``ITEMS``; None when a
    date-time sits under anything else (combinators, additionalProperties...)."""
    paths: list[tuple] = []

    def walk(node, path) -> bool:
        if not isinstance(node, dict):
            return True
        if node.get("format") == "date-time":
            paths.append(path)
        for key, sub in node.items():
            if key == "properties" and isinstance(sub, dict):
                if not all(walk(child, (*path, name)) for name, child in sub.items()):
                    return False
            elif key == "items" and isinstance(sub, dict):
                if not walk(sub, (*path, ITEMS)):
                    return False
            elif key == "allOf" and isinstance(sub, list):   # every branch sees the same instance
                if not all(walk(branch, path) for branch in sub):
                    return False
            elif key not in ("format", "x-dakkio-assumption") and "date-time" in repr(sub):
                return False
        return True

    # Connexion hands over the schema with the spec's ``components`` attached for $ref resolution
    own = {k: v for k, v in schema.items() if k != "components"} if isinstance(schema, dict) else schema
    if "'$ref'" in repr(own):
        return None
    return paths if walk(own, ()) else None


ITEMS = object()


def _collect(node, path: tuple, found: list) -> None:
    """The strings at ``path`` in ``node`` (``ITEMS`` steps into every element of an array)."""
    for i, step in enumerate(path):
        if step is ITEMS:
            if isinstance(node, list):
                rest = path[i + 1:]
                if len(rest) == 1 and rest[0] is not ITEMS:   # the batch shape: [{"timestamp": ...}, ...]
                    key = rest[0]
                    try:
                        got = list(map(dict.get, node, itertools.repeat(key)))
                    except TypeError:   # not all objects
                        got = [x.get(key) for x in node if isinstance(x, dict)]
                    if set(map(type, got)) != {str}:
                        got = [v for v in got if type(v) is str]
                    found.extend(got)
                else:
                    for item in node:
                        _collect(item, rest, found)
            return
        if not isinstance(node, dict) or step not in node:
            return
        node = node[step]
    if isinstance(node, str):
        found.append(node)


def compiled(schema: dict) -> FastValidator:
    """A validator per schema object, built once (Connexion passes the same dict every time)."""
    hit = _VALIDATORS.get(id(schema))
    if hit is None or hit[0] is not schema:
        hit = (schema, FastValidator(schema))
        _VALIDATORS[id(schema)] = hit
    return hit[1]


class DakkioJSONBodyValidator(JSONRequestBodyValidator):
    async def _parse(self, stream, scope):
        raw = b"".join([chunk async for chunk in stream])
        if not raw.strip():
            return None
        try:
            body = loads_json(raw)
        except UnicodeDecodeError:   # the stdlib fallback met bytes that are not UTF-8
            raise MalformedBody("Request body is not valid UTF-8") from None
        except (ValueError, RecursionError):
            raise MalformedBody("Request body is not valid JSON") from None
        scope.setdefault("extensions", {})[PARSED_BODY] = body   # the lean adapter reuses it
        return body

    def _validate(self, body):
        if body is None:
            raise RequestInvalid(INVALID_PARAMS, [{"path": ["body"], "message": "Expected object, received null"}])
        raise_for(compiled(self._schema).iter_errors(body), "body")
        return body


def loads_json(raw: bytes):
    """orjson where it can (NaN/Infinity rejected, as JSON wants); the stdlib for what orjson cannot
    represent (integers beyond 64 bits, very deep nesting). Raises ValueError on malformed JSON."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return json.loads(raw.decode("utf-8"), parse_constant=_reject_constant, parse_float=_finite_float)


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"{text} overflows a double")   # 1e400: JSON cannot carry the result back
    return value


def _reject_constant(name):
    raise ValueError(f"{name} is not valid JSON")


class DakkioParameterValidator(ParameterValidator):
    """Path IDs get their pinned top-level message; query values are strict (DESIGN decisions 13, 19, 23)."""

    def validate(self, scope):
        path_params = scope.get("path_params") or {}   # raw strings, set by Connexion's routing
        for param in self.parameters.get("path", []):
            value = path_params.get(param["name"])
            if value is None or any(True for _ in compiled(param["schema"]).iter_errors(value)):
                raise RequestInvalid(param.get("x-dakkio-invalid-message", INVALID_PARAMS))
        query = self.parameters.get("query", [])
        if not query:
            return
        raw = urllib.parse.parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        values: dict[str, list[str]] = {}
        for k, v in raw:
            values.setdefault(k, []).append(v)
        details = []
        for param in query:
            name, schema = param["name"], param["schema"]
            got = values.get(name)
            if not got:
                if param.get("required"):
                    details.append({"path": ["query", name], "message": f"Expected {schema.get('type')}, received undefined"})
                continue
            if len(got) > 1:
                details.append({"path": ["query", name], "message": f"Expected a single value, received {len(got)}"})
                continue
            text = got[0]
            typ = schema.get("type")
            if typ == "integer":
                if not _INTEGER.match(text):
                    details.append({"path": ["query", name], "message": "Expected integer, received string"})
                    continue
                value = int(text)
            elif typ == "number":
                if not _NUMBER.match(text):
                    details.append({"path": ["query", name], "message": "Expected number, received string"})
                    continue
                value = float(text)
            else:
                value = text
            for err in compiled(schema).iter_errors(value):
                for path, msg, _ in problems(err, "query"):
                    details.append({"path": [path[0], name, *path[1:]], "message": msg})
        if details:
            raise RequestInvalid(INVALID_PARAMS, details)


VALIDATOR_MAP = {
    "parameter": DakkioParameterValidator,
    "body": MediaTypeDict({
        "*/*json": DakkioJSONBodyValidator,
        "application/x-www-form-urlencoded": FormDataValidator,
        "multipart/form-data": MultiPartFormDataValidator,
    }),
}
