"""OpenAPI 3.1 -> 3.0 where the conversion loses nothing (DESIGN decision 35).

Connexion 3.3 validates with JSON Schema Draft 4, so a 3.1 document is served as 3.0:
``type: [T, "null"]`` -> ``nullable``, schema ``examples`` arrays -> ``example``, ``const`` ->
a one-value ``enum``, numeric ``exclusiveMinimum``/``exclusiveMaximum`` -> the 3.0 booleans.
Everything else that 3.0 cannot say is reported, with where it is, so the caller can refuse.
"""

from __future__ import annotations

NO_30_FORM = {
    "prefixItems", "$defs", "$dynamicRef", "$dynamicAnchor", "$anchor", "$id", "$schema", "$vocabulary",
    "if", "then", "else", "dependentRequired", "dependentSchemas", "unevaluatedProperties", "unevaluatedItems",
    "contains", "minContains", "maxContains", "patternProperties", "propertyNames", "contentSchema",
}
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf")
_SCHEMA_ONE = ("items", "additionalProperties", "not")


def to_30(doc: dict) -> tuple[dict, list[tuple[str, str]]]:
    """(the converted document, [(where, what) that has no 3.0 form])."""
    problems: list[tuple[str, str]] = []
    doc["openapi"] = "3.0.3"
    if "webhooks" in doc:
        problems.append(("webhooks", "top-level webhooks (OpenAPI 3.0 has only callbacks)"))
    dialect = doc.pop("jsonSchemaDialect", None)
    if dialect and "draft/2020-12" not in dialect and "oas/3.1/dialect" not in dialect:
        problems.append(("jsonSchemaDialect", f"a schema dialect other than the default ({dialect})"))
    license_ = (doc.get("info") or {}).get("license") or {}
    if "identifier" in license_:
        license_["x-identifier"] = license_.pop("identifier")
    if "pathItems" in (doc.get("components") or {}):
        problems.append(("components/pathItems", "reusable path items (3.1 only)"))
    _walk(doc, "", problems, in_schema=False)
    return doc, problems


def _walk(node, where: str, problems, in_schema: bool) -> None:
    if isinstance(node, list):
        for i, v in enumerate(node):
            _walk(v, f"{where}/{i}", problems, in_schema)
        return
    if not isinstance(node, dict):
        return
    if in_schema:
        _schema(node, where, problems)
    for key, value in list(node.items()):
        here = f"{where}/{key}"
        if key == "schema" or (key == "schemas" and where.endswith("/components")):
            if key == "schemas":
                for name, sub in value.items():
                    _walk(sub, f"{here}/{name}", problems, True)
            else:
                _walk(value, here, problems, True)
        elif in_schema and key == "properties" and isinstance(value, dict):
            for name, sub in value.items():
                _walk(sub, f"{here}/{name}", problems, True)
        elif in_schema and key in _SCHEMA_LISTS:
            _walk(value, here, problems, True)
        elif in_schema and key in _SCHEMA_ONE:
            _walk(value, here, problems, True)
        elif not in_schema and key != "example":
            _walk(value, here, problems, False)


def _schema(node: dict, where: str, problems) -> None:
    for key in sorted(NO_30_FORM & set(node)):
        problems.append((where or "/", f"'{key}'"))
    t = node.get("type")
    if isinstance(t, list):
        kinds = [k for k in t if k != "null"]
        if len(kinds) == 1:
            node["type"] = kinds[0]
            if "null" in t:
                node["nullable"] = True
        elif not kinds:
            problems.append((where, "type 'null' alone"))
        else:
            problems.append((where, f"several types {t}"))
    elif t == "null":
        problems.append((where, "type 'null' alone"))
    if isinstance(node.get("examples"), list):
        examples = node.pop("examples")
        if examples:
            node.setdefault("example", examples[0])
    if "const" in node:
        node["enum"] = [node.pop("const")]
    for bound, limit in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        value = node.get(bound)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            node[limit] = value
            node[bound] = True
