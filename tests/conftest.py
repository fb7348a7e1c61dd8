import copy
import warnings
from pathlib import Path

import pytest
import yaml

warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")

ROOT = Path(__file__).resolve().parent.parent
SPEC_PATH = ROOT / "openapi" / "dakkio.yaml"

ADMIN = "dakkio_a_demoadmin0000000000000000000000000000000"
HOME = "507f1f77bcf86cd799439011"
OFFICE = "507f1f77bcf86cd799439022"
HOME_WRITE = "dakkio_w_homewrite0000000000000000000000000000000"
HOME_READ = "dakkio_r_homeread00000000000000000000000000000000"
OFFICE_WRITE = "dakkio_w_officewrite00000000000000000000000000000"
TEMP_SOURCE = "507f1f77bcf86cd799439015"
PRESSURE_SOURCE = "507f1f77bcf86cd799439016"
OFFICE_SOURCE = "507f1f77bcf86cd799439025"


@pytest.fixture(scope="session")
def spec() -> dict:
    return yaml.safe_load(SPEC_PATH.read_text())


def deref(node, root, seen=()):
    """The spec with every $ref inlined (the contract has no recursive schemas)."""
    if isinstance(node, dict):
        if "$ref" in node:
            ref = node["$ref"]
            assert ref not in seen, f"recursive $ref {ref}"
            target = root
            for part in ref.lstrip("#/").split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            return deref(copy.deepcopy(target), root, (*seen, ref))
        return {k: deref(v, root, seen) for k, v in node.items()}
    if isinstance(node, list):
        return [deref(v, root, seen) for v in node]
    return node


@pytest.fixture(scope="session")
def resolved(spec) -> dict:
    return deref(spec, spec)


def operations(doc):
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method in ("get", "post", "put", "delete", "patch"):
                yield path, method, op, item.get("parameters", [])


def node_bin(name: str) -> str:
    """A linter installed by ``npm ci`` (the specs' redocly and spectral tests)."""
    path = ROOT / "node_modules" / ".bin" / name
    if not path.exists():
        pytest.fail(f"{path.relative_to(ROOT)} missing: run `make setup` (npm ci) first")
    return str(path)
