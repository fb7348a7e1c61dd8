"""Any OpenAPI spec served with no profile (DESIGN decisions 32-35): state inferred from the spec,
Prism's example and ``Prefer`` rules, errors in the spec's own shapes, security presence, 3.1
converted, 2.0 refused. Third-party specs are vendored in ``tests/thirdparty`` with their licences."""

from pathlib import Path

import pytest
import yaml
from starlette.testclient import TestClient

from mock_server import create_app
from openapi_model.documents import SpecRefused

from .conftest import ROOT

THIRD = ROOT / "tests" / "thirdparty"
PETSTORE = THIRD / "oai_petstore_expanded" / "petstore-expanded.yaml"
EXAMPLES = THIRD / "oai_api_with_examples" / "api-with-examples.yaml"
AIRFLOW = THIRD / "airflow_v1" / "v1.yaml"
MULTIFILE = THIRD / "multifile" / "openapi.yaml"
CONVERTIBLE = THIRD / "openapi31" / "convertible.yaml"
BASIC = {"Authorization": "Basic dXNlcjpwYXNz"}


def client(spec, seed=1):
    return TestClient(create_app(spec=spec, fixtures=None, seed=seed, validate_responses=True),
                      raise_server_exceptions=False)


def plans(c):
    return {p["operationId"]: p for p in c.get("/__mock/operations").json()["operations"]}


def test_petstore_expanded_walk_create_read_list_delete_404():
    c = client(PETSTORE)
    assert {k: v["mode"] for k, v in plans(c).items()} == {
        "addPet": "create", "findPets": "list", "find pet by id": "read", "deletePet": "delete"}
    r = c.post("/v2/pets", json={"name": "Rex", "tag": "dog"})
    assert r.status_code == 200 and r.json() == {"name": "Rex", "tag": "dog", "id": 1}   # integer ids count up
    second = c.post("/v2/pets", json={"name": "Tom"}).json()
    assert second["id"] == 2
    assert c.get("/v2/pets/1").json() == {"name": "Rex", "tag": "dog", "id": 1}
    assert c.get("/v2/pets").json() == [{"name": "Rex", "tag": "dog", "id": 1}, {"name": "Tom", "id": 2}]
    assert c.get("/v2/pets?limit=1").json() == [{"name": "Rex", "tag": "dog", "id": 1}]
    r = c.delete("/v2/pets/1")
    assert r.status_code == 204 and r.content == b""
    missing = c.get("/v2/pets/1")
    assert missing.status_code == 404
    assert missing.json()["code"] == 404 and "1" in missing.json()["message"]   # the spec's `default` Error shape
    assert c.delete("/v2/pets/1").status_code == 404
    assert c.get("/v2/pets").json() == [{"name": "Tom", "id": 2}]


def test_request_validation_uses_the_documented_error_shape():
    c = client(PETSTORE)
    r = c.post("/v2/pets", json={"tag": "no name"})
    assert r.status_code == 422 and set(r.json()) == {"code", "message"} and r.json()["code"] == 422
    assert "name" in r.json()["message"]


def test_airflow_nested_and_named_ids_walk():
    c = client(AIRFLOW)
    modes = plans(c)
    families = {p["path"] for p in modes.values() if p["mode"] == "create"}
    assert families == {"/connections", "/dags/{dag_id}/dagRuns", "/pools", "/roles", "/users", "/variables"}
    assert c.get("/api/v1/pools").status_code == 401                    # security presence
    r = c.post("/api/v1/pools", json={"name": "etl", "slots": 4}, headers=BASIC)
    assert r.status_code == 200 and r.json()["name"] == "etl" and r.json()["slots"] == 4
    assert c.get("/api/v1/pools/etl", headers=BASIC).json()["slots"] == 4          # pool_name <-> name
    listed = c.get("/api/v1/pools", headers=BASIC).json()
    assert [p["name"] for p in listed["pools"]] == ["etl"] and listed["total_entries"] == 1
    r = c.patch("/api/v1/pools/etl", json={"name": "etl", "slots": 8}, headers=BASIC)
    assert r.status_code == 200 and c.get("/api/v1/pools/etl", headers=BASIC).json()["slots"] == 8
    assert c.delete("/api/v1/pools/etl", headers=BASIC).status_code == 204
    gone = c.get("/api/v1/pools/etl", headers=BASIC)
    assert gone.status_code == 404 and gone.json()["status"] == 404               # the spec's Error schema
    # runs are kept per DAG: one DAG's runs are not another's
    run = c.post("/api/v1/dags/a/dagRuns", json={"dag_run_id": "r1"}, headers=BASIC)
    assert run.status_code == 200
    assert c.get("/api/v1/dags/a/dagRuns/r1", headers=BASIC).status_code == 200
    assert c.get("/api/v1/dags/b/dagRuns/r1", headers=BASIC).status_code == 404
    assert c.get("/api/v1/dags/a/dagRuns", headers=BASIC).json()["total_entries"] == 1
    assert c.get("/api/v1/dags/b/dagRuns", headers=BASIC).json()["total_entries"] == 0


def test_multi_file_spec_with_local_refs_walk():
    c = client(MULTIFILE)
    pet = c.post("/pets", json={"name": "Rex"})
    assert pet.status_code == 201
    pid = pet.json()["id"]
    assert c.get(f"/pets/{pid}").json()["name"] == "Rex"
    assert [p["id"] for p in c.get("/pets").json()] == [pid]
    assert c.delete(f"/pets/{pid}").status_code == 204
    assert c.get(f"/pets/{pid}").status_code == 404


def test_openapi_31_is_converted_and_served_statefully():
    c = client(CONVERTIBLE)
    served = c.get("/openapi.json").json()
    assert served["openapi"] == "3.0.3"
    modes = {p["mode"] for p in plans(c).values()}
    assert {"create", "read", "list"} <= modes
    created = c.post("/notes", json={"title": "hello", "priority": 3})
    assert created.status_code == 201, created.text
    nid = created.json()["id"]
    assert c.get(f"/notes/{nid}").json()["title"] == "hello"
    assert [n["id"] for n in c.get("/notes").json()] == [nid]


def test_openapi_31_that_cannot_be_converted_is_refused_naming_each_construct():
    with pytest.raises(SpecRefused) as caught:
        create_app(spec=THIRD / "openapi31" / "not_convertible.yaml", fixtures=None)
    text = str(caught.value)
    for construct in ("prefixItems", "$dynamicRef", "if", "dependentRequired", "webhooks", "several types"):
        assert construct in text, construct
    assert text.count("\n  - ") >= 6                    # one line per construct, each with where it is


def test_swagger_2_is_refused_with_how_to_convert():
    with pytest.raises(SpecRefused, match="swagger2openapi|Convert it to OpenAPI 3"):
        create_app(spec=THIRD / "openapi31" / "swagger2.yaml", fixtures=None)


def test_examples_only_spec_answers_documented_examples_and_prefer():
    c = client(EXAMPLES)
    assert {p["mode"] for p in plans(c).values()} == {"examples"}
    versions = c.get("/")
    documented = yaml.safe_load(EXAMPLES.read_text())["paths"]["/"]["get"]["responses"]["200"]
    expected = next(iter(documented["content"]["application/json"]["examples"].values()))["value"]
    assert versions.status_code == 200 and versions.json() == expected
    r = c.get("/", headers={"Prefer": "code=300"})
    assert r.status_code == 300
    assert c.get("/", headers={"Prefer": "code=418"}).status_code == 404      # not documented


def _spec(tmp_path: Path, doc: dict) -> Path:
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


THINGS = {
    "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
    "components": {"securitySchemes": {
        "query": {"type": "apiKey", "in": "query", "name": "api_key"},
        "cookie": {"type": "apiKey", "in": "cookie", "name": "session"},
        "bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {"Thing": {"type": "object", "required": ["id", "name", "createdAt"], "properties": {
            "id": {"type": "string", "format": "uuid"}, "name": {"type": "string"},
            "createdAt": {"type": "string", "format": "date-time"}, "secret": {"type": "string", "writeOnly": True},
            "code": {"type": "string", "pattern": "^[A-Z]{3}-[0-9]{4}$"},
            "size": {"type": "integer", "format": "int32", "minimum": 5, "maximum": 9},
            "kind": {"type": "string", "enum": ["red", "blue"]}}}}},
    "security": [{"query": []}, {"cookie": []}, {"bearer": []}],
    "paths": {
        "/things": {
            "post": {"operationId": "createThing", "requestBody": {"required": True, "content": {"application/json": {
                "schema": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"},
                                                                                    "secret": {"type": "string"}}}}}},
                     "responses": {"201": {"description": "created", "headers": {
                         "X-Request-Id": {"schema": {"type": "string", "format": "uuid"}}},
                         "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}}}},
            "get": {"operationId": "listThings", "parameters": [
                {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1}}],
                    "responses": {"200": {"description": "list", "content": {"application/json": {"schema": {
                        "type": "object", "required": ["data", "total"], "properties": {
                            "data": {"type": "array", "items": {"$ref": "#/components/schemas/Thing"}},
                            "total": {"type": "integer"}}}}}}}}},
        "/things/{thingId}": {
            "parameters": [{"name": "thingId", "in": "path", "required": True, "schema": {"type": "string"}}],
            "get": {"operationId": "getThing", "responses": {"200": {"description": "one", "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}}}},
            "put": {"operationId": "replaceThing", "requestBody": {"content": {"application/json": {"schema": {
                "type": "object"}}}}, "responses": {"200": {"description": "one", "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}}}},
            "patch": {"operationId": "updateThing", "requestBody": {"content": {"application/json": {"schema": {
                "type": "object"}}}}, "responses": {"200": {"description": "one", "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}}}},
            "delete": {"operationId": "deleteThing", "responses": {"204": {"description": "gone"}}}}},
}


def test_server_fields_generated_ids_typed_and_paging(tmp_path):
    c = client(_spec(tmp_path, THINGS))
    auth = {"Authorization": "Bearer anything"}
    r = c.post("/things", json={"name": "a", "secret": "s3"}, headers=auth)
    assert r.status_code == 201, r.text
    thing = r.json()
    assert len(thing["id"]) == 36 and thing["id"].count("-") == 4          # uuid, as the schema types it
    assert thing["createdAt"].endswith("Z") and "secret" not in thing       # required server field; writeOnly hidden
    assert len(r.headers["x-request-id"]) == 36                             # declared response header
    ids = [thing["id"]] + [c.post("/things", json={"name": n}, headers=auth).json()["id"] for n in "bcd"]
    page = c.get("/things?page=2&per_page=2", headers=auth).json()
    assert [t["id"] for t in page["data"]] == ids[2:] and page["total"] == 4
    replaced = c.put(f"/things/{ids[0]}", json={"name": "A"}, headers=auth).json()
    assert replaced["name"] == "A" and replaced["id"] == ids[0]
    patched = c.patch(f"/things/{ids[0]}", json={"kind": "red"}, headers=auth).json()
    assert (patched["name"], patched["kind"]) == ("A", "red")
    assert c.get(f"/things/{ids[0]}", headers=auth).json()["kind"] == "red"
    assert c.delete(f"/things/{ids[0]}", headers=auth).status_code == 204
    r = c.get(f"/things/{ids[0]}", headers=auth)
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"   # RFC 7807: none documented
    assert r.json()["status"] == 404 and r.json()["title"] == "Not Found"


@pytest.mark.parametrize("how", [{"params": {"api_key": "k"}}, {"cookies": {"session": "s"}},
                                 {"headers": {"Authorization": "Bearer t"}}])
def test_security_presence_any_declared_alternative(tmp_path, how):
    c = client(_spec(tmp_path, THINGS))
    assert c.get("/things", **how).status_code == 200
    r = c.get("/things")
    assert r.status_code == 401 and r.headers["content-type"] == "application/problem+json"


def test_generated_bodies_honour_formats_and_are_deterministic_under_a_seed(tmp_path):
    spec = _spec(tmp_path, THINGS)
    auth = {"Authorization": "Bearer t", "Prefer": "dynamic=true"}
    first, again, other = (client(spec, seed).get("/things/x", headers=auth).json() for seed in (7, 7, 8))
    assert first == again and first != other
    assert len(first["id"]) == 36 and first["kind"] in ("red", "blue") and 5 <= first["size"] <= 9
    import re
    assert re.fullmatch(r"[A-Z]{3}-[0-9]{4}", first["code"]) and first["createdAt"][10] == "T"


def test_cli_refuses_at_start_with_one_message_and_no_traceback(capsys):
    from mock_server.core.cli import main

    assert main(["--spec", str(THIRD / "openapi31" / "not_convertible.yaml"), "--port", "1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("dakkio-mock: ") and "prefixItems" in err and "Traceback" not in err


def test_a_profile_takes_over_what_it_implements_and_leaves_the_rest_generic():
    from .partial_profile import PROFILE

    c = TestClient(create_app(PROFILE, fixtures=None, seed=1, validate_responses=True), raise_server_exceptions=False)
    modes = {k: v["mode"] for k, v in plans(c).items()}
    assert modes["findPets"] == "profile" and modes["addPet"] == "create" and modes["deletePet"] == "delete"
    created = c.post("/v2/pets", json={"name": "Rex"}).json()
    assert c.get(f"/v2/pets/{created['id']}").json()["name"] == "Rex"            # generic state
    assert c.get("/v2/pets").json() == [{"id": 99, "name": "by hand"}]           # the profile's handler
    assert c.get("/v2/nothing").json() == {"oops": "Cannot GET /v2/nothing"}      # the profile's envelope


def test_a_write_only_field_is_never_read_back():
    """Airflow's User takes a ``password`` (writeOnly); its reads and lists use a schema without it."""
    c = client(AIRFLOW)
    user = {"username": "ada", "password": "s3cret", "first_name": "Ada", "last_name": "L", "email": "a@x.io",
            "roles": []}
    created = c.post("/api/v1/users", json=user, headers=BASIC)
    assert created.status_code == 200 and "password" not in created.json(), created.text
    read = c.get("/api/v1/users/ada", headers=BASIC).json()
    assert read["first_name"] == "Ada" and "password" not in read
    listed = c.get("/api/v1/users", headers=BASIC).json()["users"]
    assert [u["username"] for u in listed if u["username"] == "ada"] == ["ada"]
    assert all("password" not in u for u in listed)


def test_an_id_with_an_encoded_slash_gets_the_operations_documented_404():
    """``/roles/%2Fabc`` decodes to a path no route has; it is still ``get_role``'s 404, in the shape
    Airflow's spec documents (``application/json``), not the unknown-route problem+json."""
    c = client(AIRFLOW)
    r = c.get("/api/v1/roles/%2Fabc", headers=BASIC)
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/json"), r.text
    assert r.json()["status"] == 404
    unknown = c.get("/api/v1/nothing/here", headers=BASIC)
    assert unknown.status_code == 404 and unknown.headers["content-type"].startswith("application/problem+json")


def test_what_lies_under_a_deleted_item_is_gone_too():
    """A dag run's task instances answer from examples (no resource of their own) until the dag run
    is deleted; then 404, as reads of the run itself; a new run of that id brings them back."""
    c = client(AIRFLOW)
    under = "/api/v1/dags/d1/dagRuns/r1/taskInstances"
    assert c.post("/api/v1/dags/d1/dagRuns", json={"dag_run_id": "r1"}, headers=BASIC).status_code == 200
    assert c.get(under, headers=BASIC).status_code == 200
    assert c.delete("/api/v1/dags/d1/dagRuns/r1", headers=BASIC).status_code == 204
    assert c.get(under, headers=BASIC).status_code == 404
    assert c.get("/api/v1/dags/d2/dagRuns/r1/taskInstances", headers=BASIC).status_code == 200   # another dag's
    assert c.post("/api/v1/dags/d1/dagRuns", json={"dag_run_id": "r1"}, headers=BASIC).status_code == 200
    assert c.get(under, headers=BASIC).status_code == 200
