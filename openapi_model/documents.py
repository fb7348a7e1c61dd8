"""Reading a contract: YAML or JSON, local ``$ref``s across files bundled into one document,
OpenAPI 3.1 converted to 3.0 where that is lossless (DESIGN decision 35), anything else refused
with one message that names every problem and where it is. Never a traceback.
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path

import yaml

from .openapi31 import to_30


class SpecRefused(Exception):
    """The document cannot be served; the message says why and what to do."""


@functools.lru_cache(maxsize=32)
def _read(path: str):
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)   # libyaml: ~40x faster than the pure-Python loader
    try:
        with open(path, encoding="utf-8") as fh:
            return yaml.load(fh, Loader=loader)  # noqa: S506 - a safe loader
    except OSError as exc:
        raise SpecRefused(f"{path}: cannot read it ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise SpecRefused(f"{path}: not valid YAML or JSON ({exc})") from None


def load(path: str | Path) -> dict:
    """The served document of the contract at ``path``: an OpenAPI 3.0 document, self-contained."""
    path = Path(path).resolve()
    doc = _read(str(path))
    if not isinstance(doc, dict):
        raise SpecRefused(f"{path}: not an OpenAPI document (no top-level object)")
    if "swagger" in doc:
        raise SpecRefused(
            f"{path}: Swagger {doc.get('swagger')} (OpenAPI 2.0) is not served. Convert it to OpenAPI 3.0 first, "
            "e.g. `npx swagger2openapi {name} -o openapi.yaml` or the Swagger Editor's 'Convert to OpenAPI 3' "
            "(editor.swagger.io), then serve the result.".replace("{name}", path.name))
    version = str(doc.get("openapi", ""))
    if not version.startswith(("3.0", "3.1")):
        raise SpecRefused(f"{path}: 'openapi: {version or '(missing)'}' is not an OpenAPI 3.0 or 3.1 document")
    if not isinstance(doc.get("paths"), dict):
        raise SpecRefused(f"{path}: the document has no 'paths'")
    bundled = Bundler(path, doc).bundle() if _has_external_refs(doc) else doc
    if version.startswith("3.1"):
        bundled, problems = to_30(copy.deepcopy(bundled))
        if problems:
            raise SpecRefused(f"{path}: OpenAPI {version} with constructs that have no OpenAPI 3.0 form "
                              "(the engine validates with JSON Schema Draft 4):\n"
                              + "\n".join(f"  - {where}: {what}" for where, what in problems))
    return _without_undefined_schemes(bundled)


def _without_undefined_schemes(doc: dict) -> dict:
    """Security alternatives naming a scheme the document never defines can never be met: they are
    dropped (real specs have them; Connexion would fail on them at the first request)."""
    defined = set((doc.get("components") or {}).get("securitySchemes") or {})

    def clean(requirements):
        if requirements is None:
            return None
        return [alt for alt in requirements if set(alt) <= defined]

    def needs(requirements) -> bool:
        return requirements is not None and any(not set(alt) <= defined for alt in requirements)

    ops = [op for item in doc["paths"].values() if isinstance(item, dict) for op in item.values()
           if isinstance(op, dict) and "responses" in op]
    if not needs(doc.get("security")) and not any(needs(op.get("security")) for op in ops):
        return doc
    doc = copy.deepcopy(doc)
    if "security" in doc:
        doc["security"] = clean(doc["security"])
    for item in doc["paths"].values():
        for op in (item.values() if isinstance(item, dict) else ()):
            if isinstance(op, dict) and "security" in op:
                op["security"] = clean(op["security"])
    return doc


def _has_external_refs(node) -> bool:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and not ref.startswith("#"):
            return True
        return any(_has_external_refs(v) for v in node.values())
    if isinstance(node, list):
        return any(_has_external_refs(v) for v in node)
    return False


class Bundler:
    """Inlines ``$ref``s to other local files: a referenced component goes under the root's
    ``components`` (so recursive schemas stay references); a whole-file path item is inlined."""

    def __init__(self, path: Path, doc: dict):
        self.path = path
        self.doc = copy.deepcopy(doc)
        self.names: dict[tuple[str, str], str] = {}    # (file, pointer) -> "#/components/<section>/<name>"

    def bundle(self) -> dict:
        self.doc = self._walk(self.doc, self.path, root=True)
        return self.doc

    def _walk(self, node, base: Path, root: bool = False, section: str | None = None):
        if isinstance(node, list):
            return [self._walk(v, base, section=section) for v in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str) and (not ref.startswith("#") or base != self.path):
            return self._external(ref, base, section)
        out = {}
        for key, value in node.items():
            child_section = section
            if root and key == "paths":
                out[key] = {p: self._path_item(item, base) for p, item in value.items()}
                continue
            if key in ("schema", "items", "additionalProperties", "not") or key in ("properties", "allOf",
                                                                                 "anyOf", "oneOf"):
                child_section = "schemas"
            out[key] = self._walk(value, base, section=child_section)
        return out

    def _path_item(self, item, base: Path):
        ref = item.get("$ref") if isinstance(item, dict) else None
        if isinstance(ref, str) and not ref.startswith("#"):
            file, pointer = self._split(ref, base)
            return self._walk(_pointer(_read(str(file)), pointer, ref), file)
        return self._walk(item, base)

    def _external(self, ref: str, base: Path, section: str | None):
        file, pointer = self._split(ref, base)
        key = (str(file), pointer)
        if key not in self.names:
            parts = [p for p in pointer.split("/") if p]
            if len(parts) >= 3 and parts[0] == "components":
                kind, name = parts[1], parts[-1]
            else:
                kind, name = section or "schemas", (parts[-1] if parts else file.stem)
            taken = set(self.doc.setdefault("components", {}).setdefault(kind, {}))
            unique, n = name, 2
            while unique in taken:
                unique, n = f"{name}{n}", n + 1
            target = f"#/components/{kind}/{unique}"
            self.names[key] = target
            self.doc["components"][kind][unique] = {}          # reserved: recursion ends here
            body = self._walk(_pointer(_read(str(file)), pointer, ref), file, section=kind)
            self.doc["components"][kind][unique] = body
        return {"$ref": self.names[key]}

    def _split(self, ref: str, base: Path) -> tuple[Path, str]:
        target, _, pointer = ref.partition("#")
        if "://" in target:
            raise SpecRefused(f"{base}: remote reference {ref!r} is not supported (only local files)")
        file = (base.parent / target).resolve() if target else base
        return file, pointer


def _pointer(doc, pointer: str, ref: str):
    node = doc
    for part in [p for p in pointer.split("/") if p]:
        part = part.replace("~1", "/").replace("~0", "~")
        try:
            node = node[int(part)] if isinstance(node, list) else node[part]
        except (KeyError, IndexError, ValueError, TypeError):
            raise SpecRefused(f"reference {ref!r} points at nothing") from None
    return node
