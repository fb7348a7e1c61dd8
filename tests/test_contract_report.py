"""The conformance score: cases exercised (skips do not count) x passed, per operation and overall."""

from contract_tests.report import Result, score_line, scores


def _r(op, status):
    return Result(nodeid=op, op=op, title="t", source="", decision=None, status=status)


def test_score_counts_exercised_cases_per_operation_and_overall():
    results = [_r("a", "passed"), _r("a", "failed"), _r("a", "skipped"), _r("b", "passed"), _r("b", "warn")]
    per, total = scores(results)
    assert per == {"a": (2, 1), "b": (2, 1)} and total == (4, 2)
    assert score_line(results) == "conformance score: 50.0% (2/4 cases); 0/2 operations fully conformant"
    assert score_line([_r("a", "passed")]).endswith("1/1 operations fully conformant")


def test_values_line_counts_and_names_the_fields_no_case_compared():
    from contract_tests.report import values_line

    assert values_line(10, {}) == "values: 10/10 documented response fields compared by value"
    line = values_line(10, {"getBucket 200": ["bucket.name", "bucket.stats"]})
    assert line.startswith("values: 8/10") and "getBucket 200: bucket.name, bucket.stats" in line
    many = {f"op{i} 200": ["a", "b", "c", "d", "e"] for i in range(6)}
    line = values_line(40, many)
    assert line.startswith("values: 10/40") and "op0 200: a, b, c, d ..." in line and "and 2 more operation(s)" in line
