"""Response bodies for an operation: documented examples first (named, then the first), otherwise
generated from the schema, deterministic under the seed; declared response headers filled in.
Prism's rules, and what ``Prefer: code=, example=, dynamic=true`` select."""

from __future__ import annotations

from dataclasses import dataclass

from openapi_model.generate import Generator
from openapi_model.inference import json_media, success

NO_BODY = object()


@dataclass
class Answer:
    status: int
    media: str | None
    body: object            # NO_BODY for none
    headers: dict


def pick_status(op, code: str | None = None) -> str | None:
    """The response key for a requested ``code`` (exact, then its ``NXX`` range, then ``default``),
    or with none requested the lowest 2xx, else ``default``, else the first documented (Prism's order)."""
    if code is not None:
        for key in (code, f"{code[:1]}XX", "default"):
            if key in op.responses:
                return key
        return None
    found = success(op)
    if found:
        return found[0] if found[0] in op.responses else "2XX"
    return "default" if "default" in op.responses else next(iter(op.responses), None)


def answer(contract, op, generator: Generator, code: str | None = None, example: str | None = None,
           dynamic: bool = False) -> Answer | None:
    """The response documented for ``code`` (default: the lowest 2xx); None when there is none."""
    status = pick_status(op, code)
    if status is None:
        return None
    response = contract.resolve(op.responses[status]) or {}
    if code is not None and code.isdigit():
        numeric = int(code)                          # a range or default answers with the code asked for
    else:
        numeric = 200 if not status[:1].isdigit() else int(status.replace("XX", "00"))
    headers = declared_headers(contract, response, generator)
    content = response.get("content") or {}
    if not content:
        return Answer(numeric, None, NO_BODY, headers)
    found = json_media(contract, response)
    media, media_obj = found if found else next(iter(content.items()))
    media_obj = media_obj or {}
    if not dynamic:
        body = _documented(contract, media_obj, example)
        if body is not NO_BODY:
            return Answer(numeric, media, body, headers)
        if example is not None:
            return None
    schema = media_obj.get("schema") or {}
    was = generator.use_examples
    generator.use_examples = not dynamic
    try:
        body = generator.value(schema)
    finally:
        generator.use_examples = was
    return Answer(numeric, media, body, headers)


def _documented(contract, media_obj: dict, name: str | None):
    """Prism's order: the media type's ``example``, the schema's own ``example``, then the named
    ``examples`` in document order; ``name`` picks a named one."""
    examples = media_obj.get("examples") or {}
    if name is not None:
        ex = examples.get(name)
        return contract.resolve(ex).get("value", NO_BODY) if ex else NO_BODY
    if "example" in media_obj:
        return media_obj["example"]
    schema = contract.resolve(media_obj.get("schema") or {})
    if isinstance(schema, dict) and "example" in schema:
        return schema["example"]
    for ex in examples.values():
        value = contract.resolve(ex).get("value", NO_BODY)
        if value is not NO_BODY:
            return value
    return NO_BODY


def declared_headers(contract, response: dict, generator: Generator) -> dict:
    out = {}
    for name, header in (response.get("headers") or {}).items():
        header = contract.resolve(header) or {}
        if name.lower() == "content-type":
            continue
        value = header.get("example")
        if value is None:
            value = generator.value(header.get("schema") or {"type": "string"}, name=name)
        out[name] = value if isinstance(value, str) else str(value).lower() if isinstance(value, bool) else str(value)
    return out
