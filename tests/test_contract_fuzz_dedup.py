"""Deduplication of fuzz failures: the normalised signature and the (operation, check, status, signature) key."""

from contract_tests.fuzz.dedup import Deduper, Finding, error_text, normalise, primary_check, signature


def finding(**kw):
    base = {"operation": "POST /api/data", "check": "not_a_server_error", "status": 500, "title": "Server error",
            "message": "", "body": '{"error": "Internal Server Error", "message": "An unexpected error occurred"}'}
    return Finding(**{**base, **kw})


def test_normalise_takes_out_what_varies_between_cases():
    a = normalise("Bucket 507f1f77bcf86cd799439011 at 2024-01-15T10:30:00Z: 'temperature' is 22.5, got 17 items")
    b = normalise("Bucket 65a000000000000000000001 at 1999-12-31T23:59:59.123+02:00: 'humidity' is -3e5, got 2 items")
    assert a == b == "Bucket <id> at <ts>: <str> is <n>, got <n> items"
    assert normalise("id 3f2b8c1e-0d4a-4b6e-9c1f-2a3b4c5d6e7f") == "id <uuid>"
    assert normalise('path ["body", "values", 3] x') == normalise("path ['body', 'dataPoints', 0, 'values'] x")
    assert normalise("see https://api.example/v1/x?y=1 now") == "see <url> now"
    assert normalise("a  \n  b") == "a b"
    assert len(normalise("x" * 1000)) == 200


def test_same_failure_on_different_inputs_is_one_key():
    one = finding(message="'abc' is not of type 'integer'", check="response_schema_conformance", status=200)
    two = finding(message="'zz' is not of type 'integer'", check="response_schema_conformance", status=200)
    assert one.key == two.key and one.id == two.id and len(one.id) == 10


def test_operation_check_status_and_message_each_split_failures():
    base = finding()
    assert finding(operation="POST /api/data/batch").key != base.key
    assert finding(check="status_code_conformance").key != base.key
    assert finding(status=503).key != base.key
    assert finding(body='{"error": "Internal Server Error", "message": "division by zero"}').key != base.key
    # the body only counts for server errors
    assert finding(status=200, check="response_schema_conformance", body="a").key == \
        finding(status=200, check="response_schema_conformance", body="b").key


def test_error_text_reads_the_usual_fields():
    assert error_text('{"error": "Conflict", "message": "exists", "x": 1}') == "Conflict | exists"
    assert error_text('{"type": "about:blank", "title": "Bad", "detail": "no"}') == "Bad | no | about:blank"
    assert error_text("<html>boom</html>") == "<html>boom</html>"
    assert error_text('[1, 2]') == "[1, 2]"
    assert "Internal" in signature("not_a_server_error", "Server error", "", 500, '{"error": "Internal"}')


def test_primary_check_prefers_the_server_error():
    assert primary_check(["response_schema_conformance", "not_a_server_error"]) == "not_a_server_error"
    assert primary_check(["use_after_free", "status_code_conformance"]) == "status_code_conformance"
    assert primary_check(["my_custom_check"]) == "my_custom_check"


def test_deduper_counts_hits_and_keeps_the_earliest():
    d = Deduper()
    assert d.add(finding(at=9.0, message="after 9 tries"))
    assert not d.add(finding(at=3.0, message="after 3 tries"))
    assert not d.add(finding(at=5.0, message="after 5 tries"))
    assert d.add(finding(operation="GET /api/buckets", at=1.0))
    assert len(d) == 2
    first, second = d.uniques()
    assert first.first.operation == "GET /api/buckets"
    assert second.count == 3 and second.first.at == 3.0 and second.first.message == "after 3 tries"
