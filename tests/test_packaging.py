"""The package works when installed the ordinary way: a wheel, in a fresh virtualenv, run from a
folder that is not the checkout (so nothing can be read from the source tree by accident)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
import requests

from .conftest import ADMIN, ROOT
from .livemock import free_port


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(venv bin folder, a working folder outside the checkout, the wheel)."""
    tmp = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                    "-w", str(tmp / "dist"), str(ROOT)], check=True, capture_output=True)
    [wheel] = (tmp / "dist").glob("*.whl")
    subprocess.run([sys.executable, "-m", "venv", str(tmp / "venv")], check=True)
    bin_dir = tmp / "venv" / "bin"
    out = subprocess.run([str(bin_dir / "pip"), "install", "-q", str(wheel)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-3000:]
    work = tmp / "elsewhere"
    work.mkdir()
    return bin_dir, work, wheel


def test_wheel_carries_specs_fixtures_and_configs(installed):
    _, _, wheel = installed
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in ("mock_server/_data/openapi/dakkio.yaml", "mock_server/_data/openapi/mixpeek.yaml",
                   "mock_server/_data/fixtures/demo.yaml", "mock_server/_data/fixtures/mixpeek.yaml",
                   "mock_server/core/control.yaml", "contract_tests/schemathesis.toml"):
        assert needed in names, needed
    assert not any(n.startswith("tests/") for n in names)


def _serve(bin_dir: Path, work: Path, *args: str):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    proc = subprocess.Popen([str(bin_dir / "dakkio-mock"), "--port", str(port), *args], cwd=work, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"dakkio-mock {' '.join(args)} exited: {proc.stdout.read()}")
        try:
            requests.get(url + "/__mock/health", timeout=1)
            return proc, url
        except requests.ConnectionError:
            time.sleep(0.1)
    proc.kill()
    pytest.fail("dakkio-mock did not start")


def _stop(proc) -> str:
    proc.terminate()
    out, _ = proc.communicate(timeout=10)
    return out


def test_installed_mock_serves_both_apis_outside_the_checkout(installed):
    bin_dir, work, _ = installed
    proc, url = _serve(bin_dir, work)
    try:
        r = requests.get(url + "/api/buckets", headers={"X-API-Key": ADMIN}, timeout=5)
        assert r.status_code == 200 and r.json()["pagination"]["total"] >= 2
    finally:
        assert "Demo keys" in _stop(proc)
    proc, url = _serve(bin_dir, work, "--api", "mixpeek")
    try:
        r = requests.get(url + "/v1/buckets", headers={"Authorization": "Bearer sk_demo0000000000000000000000000000"},
                         timeout=5)
        assert r.status_code == 200 and r.json()["total_count"] == 1
        assert requests.get(url + "/openapi.json", timeout=5).json()["info"]["title"].startswith("Mixpeek")
    finally:
        _stop(proc)


def test_installed_contract_suite_gates_the_installed_mock(installed):
    bin_dir, work, _ = installed
    proc, url = _serve(bin_dir, work, "--seed", "2")
    try:
        out = subprocess.run([str(bin_dir / "dakkio-contract"), "--base-url", url, "--admin-key", ADMIN,
                              "--skip-schemathesis", "-m", "buckets", "-x"], cwd=work, capture_output=True, text=True,
                             timeout=300)
        assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
        assert " passed" in out.stdout
    finally:
        _stop(proc)


def test_every_package_of_the_code_is_in_the_wheel_list():
    """pyproject.toml lists packages by hand (the data folders need it): a new package must be listed."""
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.relative_to(ROOT).parts[:-1]) for top in ("mock_server", "contract_tests", "openapi_model")
             for p in (ROOT / top).rglob("__init__.py")}
    assert found <= listed, f"add to pyproject.toml's packages: {sorted(found - listed)}"
