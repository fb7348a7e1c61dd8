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
