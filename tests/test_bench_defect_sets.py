"""``bench/defect_sets.py`` judges the gate on broken servers: a real defect is caught, a change that
alters nothing observable is missed, a patch that does not apply is not judged."""

import difflib
import json
import subprocess
import sys

from .conftest import ROOT

HANDLER = "mock_server/profiles/dakkio/handlers/buckets.py"


def _patch(path: str, old: str, new: str) -> str:
    before = (ROOT / path).read_text()
    assert old in before
    after = before.replace(old, new, 1)
    return "".join(difflib.unified_diff(before.splitlines(True), after.splitlines(True), f"a/{path}", f"b/{path}"))


def test_a_defect_is_caught_a_harmless_change_missed(tmp_path):
    defects = tmp_path / "set"
    defects.mkdir()
    (defects / "01-create-message.patch").write_text(
        _patch(HANDLER, '"Bucket created successfully"', '"Bucket created"'))
    (defects / "02-harmless.patch").write_text(_patch(HANDLER, '"Bucket created successfully"',
                                                      '"Bucket created " + "successfully"'))
    (defects / "03-elsewhere.patch").write_text(_patch(HANDLER, "Bucket created successfully", "x").replace(
        "Bucket created successfully", "no such line in the file"))
    out = tmp_path / "outcomes.json"
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "defect_sets.py"), str(defects), "--json", str(out)],
                         capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    verdicts = {o["defect"]: o["verdict"] for o in json.loads(out.read_text())}
    assert verdicts == {"01-create-message": "caught", "02-harmless": "missed", "03-elsewhere": "not applied"}, run.stdout
    assert "caught 1/2 defects (without Schemathesis)" in run.stdout
