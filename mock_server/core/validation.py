"""Request validation from the spec: every problem collected, none worded here.

Connexion finds which schema applies; these validators collect *all* problems of a request and
raise one ``RequestInvalid`` of neutral ``Problem``s (``path`` starting at ``body``/``query``/
``path``). The profile words them (Zod's phrases for Dakkio, Pydantic's for Mixpeek), so the
same validation serves every API.
"""

from __future__ import annotations

import itertools
import json
import re
import urllib.parse

import orjson
from connexion.datastructures import MediaTypeDict
from connexion.json_schema import Draft4RequestValidator
from connexion.validators import (
    FormDataValidator,
    JSONRequestBodyValidator,
    MultiPartFormDataValidator,
    ParameterValidator,
)
from jsonschema import Draft4Validator, FormatChecker

from openapi_model.schema import INT_FORMATS, draft4, int_format

from . import timeutil
from .errors import UNDEFINED, Problem, RequestInvalid

PARSED_BODY = "mock_parsed_body"
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


def problems_of(error, location: str) -> list[Problem]:
    """A jsonschema error as neutral ``Problem``s (``required`` becomes one per missing name)."""
    path = [location, *error.absolute_path]
    if error.validator == "required":
        props = error.schema.get("properties", {})
        inst = error.instance
        return [Problem([*path, name], "required", name, UNDEFINED, props.get(name, {}), error.message)
                for name in error.validator_value if isinstance(inst, dict) and name not in inst]
    return [Problem(path, error.validator, error.validator_value, error.instance, error.schema, error.message)]


def raise_for(errors, location: str) -> None:
    found = [p for err in errors for p in problems_of(err, location)]
    if found:
        raise RequestInvalid(found, location)


_VALIDATORS: dict[int, tuple] = {}
for _fmt in INT_FORMATS:
    FORMAT_CHECKER.checks(_fmt)(int_format(_fmt))


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

            rs_schema = draft4(schema)
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
            elif key != "format" and not key.startswith("x-") and "date-time" in repr(sub):
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


class JSONBodyValidator(JSONRequestBodyValidator):
    """Parses once (orjson), keeps the parsed body for the handler, reports problems neutrally."""

    _empty = False

    async def _parse(self, stream, scope):
        raw = b"".join([chunk async for chunk in stream])
        self._empty = not raw.strip()
        if self._empty:
            return None
        try:
            body = loads_json(raw)
        except UnicodeDecodeError:   # the stdlib fallback met bytes that are not UTF-8
            raise RequestInvalid([Problem(["body"], "not_utf8", text="Request body is not valid UTF-8")], "body") from None
        except (ValueError, RecursionError):
            raise RequestInvalid([Problem(["body"], "invalid_json", text="Request body is not valid JSON")], "body") from None
        self._raw, self._extensions = raw, scope.setdefault("extensions", {})
        self._extensions[PARSED_BODY] = body   # the lean adapter reuses it
        return body

    def _validate(self, body):
        if body is None and self._empty and not self._required:
            return None      # no body at all, and none is required (a JSON null is still checked)
        if body is None:
            raise RequestInvalid([Problem(["body"], "type", "object", None, self._schema, "None is not of type 'object'")],
                                 "body")
        validator = compiled(self._schema)
        errors = list(validator.iter_errors(body))
        if errors and _rounded_integers(errors) and getattr(self, "_raw", None):
            # orjson reads integers beyond 64 bits as floats: read this body again, exactly.
            body = json.loads(self._raw.decode("utf-8"), parse_constant=_reject_constant, parse_float=_finite_float)
            self._extensions[PARSED_BODY] = body
            errors = list(validator.iter_errors(body))
        raise_for(errors, "body")
        return body


def _rounded_integers(errors) -> bool:
    return any(e.validator == "type" and "integer" in (e.validator_value if isinstance(e.validator_value, list)
                                                       else [e.validator_value])
               and isinstance(e.instance, float) and e.instance.is_integer() and abs(e.instance) >= 2**63
               for e in errors)


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


class StrictParameterValidator(ParameterValidator):
    """Path parameters first (the first bad one alone), then headers, then every query problem at
    once. Values are read as OpenAPI serialises them (``style``/``explode`` arrays, booleans) and
    strictly: integers are plain integers, a repeated non-array parameter is a problem, unknown
    ones are ignored (DESIGN decisions 13, 23)."""

    def validate(self, scope):
        path_params = scope.get("path_params") or {}   # raw strings, set by Connexion's routing
        for param in self.parameters.get("path", []):
            value = path_params.get(param["name"])
            where = ["path", param["name"]]
            if value is None:
                raise RequestInvalid([Problem(where, "required", param["name"], UNDEFINED, param, "missing")], "path")
            found = _check(param, [str(value)], where)
            if found:
                first = found[0]
                first.schema = param
                raise RequestInvalid([first], "path")
        headers = self.parameters.get("header", [])
        if headers:
            sent = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", ())}
            found = []
            for param in headers:
                value = sent.get(param["name"].lower())
                found += _check(param, None if value is None else [value], ["header", param["name"]])
            if found:
                raise RequestInvalid(found, "header")
        query = self.parameters.get("query", [])
        if not query:
            return
        raw = urllib.parse.parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        values: dict[str, list[str]] = {}
        for k, v in raw:
            values.setdefault(k, []).append(v)
        found = []
        for param in query:
            found += _check(param, values.get(param["name"]), ["query", param["name"]])
        if found:
            raise RequestInvalid(found, "query")


_DELIMITERS = {"form": ",", "simple": ",", "spaceDelimited": " ", "pipeDelimited": "|"}


def _check(param: dict, got: list[str] | None, where: list) -> list[Problem]:
    """The problems of one parameter's raw values (None: not sent)."""
    name, schema = param["name"], param.get("schema") or {}
    if not got:
        if param.get("required"):
            return [Problem(where, "required", name, UNDEFINED, schema, f"{name} is required")]
        return []
    typ = schema.get("type")
    if typ == "object":
        return []                                       # deepObject & co: accepted as sent
    if typ == "array":
        style = param.get("style", "form" if where[0] == "query" else "simple")
        explode = param.get("explode", style == "form")
        parts = got if explode else [p for text in got for p in text.split(_DELIMITERS.get(style, ","))]
        items = schema.get("items") or {}
        value = []
        for i, text in enumerate(parts):
            item, problem = _scalar(text, items, [*where, i])
            if problem:
                return [problem]
            value.append(item)
    else:
        if len(got) > 1:
            return [Problem(where, "repeated", 1, len(got), schema, f"{name} is repeated")]
        value, problem = _scalar(got[0], schema, where)
        if problem:
            return [problem]
    out = []
    for err in compiled(schema).iter_errors(value):
        for p in problems_of(err, where[0]):
            p.path = [*where, *p.path[1:]]
            out.append(p)
    return out


def _scalar(text: str, schema: dict, where: list):
    """(value, None) or (None, problem): a raw parameter string as its schema's type."""
    typ = schema.get("type")
    if typ is None or typ == "string":
        return text, None
    if typ == "integer" and _INTEGER.match(text):
        return int(text), None
    if typ == "number" and _NUMBER.match(text):
        return float(text), None
    if typ == "boolean" and text in ("true", "false"):
        return text == "true", None
    if typ not in ("integer", "number", "boolean"):
        return text, None
    return None, Problem(where, "type", typ, text, schema, f"{text!r} is not of type '{typ}'")


VALIDATOR_MAP = {
    "parameter": StrictParameterValidator,
    "body": MediaTypeDict({
        "*/*json": JSONBodyValidator,
        "application/x-www-form-urlencoded": FormDataValidator,
        "multipart/form-data": MultiPartFormDataValidator,
    }),
}
