"""What the gate reads of a resource's answers (``contract_tests/gate/resources.py``): the item a
create wrapped, the total a list reports wherever it puts it, the parent values of a request."""

from contract_tests.gate.resources import item_of, path_values, total_of


def test_item_of_finds_the_item_itself_or_the_one_it_wraps():
    assert item_of({"_id": "1", "name": "a"}, "_id") == {"_id": "1", "name": "a"}
    assert item_of({"message": "ok", "bucket": {"_id": "1"}}, "_id") == {"_id": "1"}
    assert item_of({"a": {"_id": "1"}, "b": {"_id": "2"}}, "_id") is None      # two candidates: no guess
    assert item_of([{"_id": "1"}], "_id") is None


def test_total_of_reads_the_count_at_the_top_or_in_a_pagination_object():
    assert total_of({"pools": [], "total_entries": 3}) == 3
    assert total_of({"buckets": [], "pagination": {"limit": 1, "total": 7}}) == 7
    assert total_of({"results": [], "total_count": 2, "pagination": {"total": 2}}) == 2
    assert total_of({"items": [], "hasMore": True}) is None
    assert total_of({"total": True}) is None and total_of([1, 2]) is None


def test_path_values_of_a_request_against_its_template():
    assert path_values("/dags/{dag_id}/dagRuns", "/api/v1/dags/d1/dagRuns") == {"dag_id": "d1"}
    assert path_values("/v1/buckets", "/v1/buckets") == {}
    assert path_values("/dags/{dag_id}/dagRuns", "/api/v1/pools") == {}
