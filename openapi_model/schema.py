"""OpenAPI 3.0 schemas as plain JSON Schema Draft 4, for validators that know no OpenAPI."""

from __future__ import annotations

from jsonschema import Draft4Validator, FormatChecker

_MAPS = ("properties", "patternProperties", "definitions")
_OAS_ONLY = {"nullable", "example", "examples", "discriminator", "readOnly", "writeOnly", "xml", "externalDocs",
             "deprecated"}
INT_FORMATS = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}


def draft4(node, keep_all_keys: bool = False):
    """``nullable`` becomes a ``null`` type, OAS-only keywords and ``x-`` extensions go, and the
    int32/int64 formats become bounds (jsonschema-rs checks the formats of strings only)."""
    if isinstance(node, list):
        return [draft4(v) for v in node]
    if not isinstance(node, dict):
        return node
    if keep_all_keys:
        return {k: draft4(v) for k, v in node.items()}
    out = {k: draft4(v, k in _MAPS) for k, v in node.items() if k not in _OAS_ONLY and not k.startswith("x-")}
    bounds = INT_FORMATS.get(node.get("format")) if node.get("type") == "integer" else None
    if bounds:
        low, high = bounds
        out["minimum"] = max(out.get("minimum", low), low)
        out["maximum"] = min(out.get("maximum", high), high)
    if node.get("nullable"):
        if isinstance(out.get("type"), str):
            out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
    return out


def int_format(name):
    low, high = INT_FORMATS[name]

    def check(value) -> bool:
        return not isinstance(value, int) or isinstance(value, bool) or low <= value <= high
    return check


def format_checker() -> FormatChecker:
    """Draft 4's format checks plus int32/int64."""
    checker = FormatChecker()
    for name, fn in Draft4Validator.FORMAT_CHECKER.checkers.items():
        checker.checkers[name] = fn
    for name in INT_FORMATS:
        checker.checks(name)(int_format(name))
    return checker
