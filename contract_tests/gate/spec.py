"""The target's contract as the gate reads it (``openapi_model``): operations, their security, the
error schema documented for a status, requests built from examples or schemas, and validation of
bodies against the spec's schemas."""

from __future__ import annotations

import functools
import re

from jsonschema import Draft4Validator

from openapi_model.contract import Contract
from openapi_model.generate import Generator
from openapi_model.inference import infer, json_media
from openapi_model.schema import draft4, format_checker

_CHECKER = format_checker()


class GateSpec:
    def __init__(self, path):
        self.contract = Contract(path)
        self.doc = self.contract.doc

    @functools.cached_property
    def plans(self) -> dict:
        return infer(self.contract)

    def operations(self) -> list:
        return list(self.contract.by_id.values())

    def raw(self, op) -> dict:
        return self.doc["paths"][op.path][op.method.lower()]

    def security(self, op) -> list:
        return self.raw(op).get("security", self.doc.get("security")) or []

    def secured(self, op) -> bool:
        alternatives = self.security(op)
        return bool(alternatives) and all(alt for alt in alternatives)   # {} among them: anonymous allowed

    def schemes(self) -> dict:
        return (self.doc.get("components") or {}).get("securitySchemes") or {}

    def parameters(self, op) -> list[dict]:
        item = self.doc["paths"][op.path]
        merged = {}
        for p in [*item.get("parameters", []), *self.raw(op).get("parameters", [])]:
            p = self.contract.resolve(p)
            merged[(p["name"], p["in"])] = p
        return list(merged.values())

    def error_schema(self, op, status: int):
        """The JSON schema documented for ``status`` of ``op`` (exact, ``NXX``, ``default``); None if none."""
        for key in (str(status), f"{str(status)[0]}XX", "default"):
            if key in op.responses:
                media = json_media(self.contract, op.responses[key])
                return media[1].get("schema") if media else None
        return None

    def error_problems(self, op, response) -> list[str]:
        """Where an error ``response`` breaks what the spec documents for its status: the schema, and
        a numeric ``status`` field that is not the response's own status (DESIGN 34)."""
        schema = self.error_schema(op, response.status_code)
        if schema is None or not response.content:
            return []
        try:
            body = response.json()
        except ValueError:
            return [f"the {response.status_code} body is not JSON: {response.text[:100]}"]
        problems = self.problems(schema, body)
        status = body.get("status") if isinstance(body, dict) else None
        if isinstance(status, (int, float)) and not isinstance(status, bool) and status != response.status_code:
            problems.append(f"status: {status} in the body of a {response.status_code}")
        return problems

    def refusal_statuses(self, op) -> set[int]:
        """The statuses ``op`` documents for input it refuses (400, 422); empty when it documents neither."""
        return {int(s) for s in ("400", "422") if s in op.responses}

    def problems(self, schema, value) -> list[str]:
        """Where ``value`` breaks ``schema`` (OpenAPI 3.0 flavour, ``$ref``s into the spec)."""
        full = draft4(self.contract.resolve(schema))
        full["components"] = draft4(self.doc.get("components") or {}, keep_all_keys=True)
        return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
                for e in Draft4Validator(full, format_checker=_CHECKER).iter_errors(value)][:5]

    def request_body(self, op, seed: int = 0):
        """A body for ``op``: its documented example, else one generated from its schema (None: no body)."""
        body = self.raw(op).get("requestBody")
        if not body:
            return None
        media = json_media(self.contract, self.contract.resolve(body))
        if not media:
            return None
        media_obj = media[1]
        if "example" in media_obj:
            return media_obj["example"]
        for example in (media_obj.get("examples") or {}).values():
            example = self.contract.resolve(example)
            if "value" in example:
                return example["value"]
        return Generator(self.contract.resolve, seed).value(media_obj.get("schema") or {})

    def path(self, op, values: dict, seed: int = 0) -> str:
        """The operation's path with its parameters filled (``values`` first, else generated)."""
        gen = Generator(self.contract.resolve, seed)
        params = {p["name"]: p for p in self.parameters(op) if p["in"] == "path"}

        def fill(m):
            name = m.group(1)
            if name in values:
                return str(values[name])
            return str(gen.value(params.get(name, {}).get("schema") or {"type": "string"}, name=name))
        return self.contract.base_path + re.sub(r"\{([^}/]+)\}", fill, op.path)
