"""Start ``dakkio-mock`` as a real process on a free loopback port (for end-to-end tests)."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveMock:
    """``dakkio-mock ARGS`` on a free port; ``mutant=NAME`` serves that broken variant instead."""

    def __init__(self, *args: str, mutant: str | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        exe = Path(sys.executable).with_name("dakkio-mock")
        cmd = [sys.executable, "-m", "tests.mutants", mutant] if mutant else [str(exe)]
        self.proc = subprocess.Popen([*cmd, "--port", str(self.port), *args], cwd=ROOT,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     env=dict(os.environ, PYTHONUNBUFFERED="1"))
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"dakkio-mock exited: {self.proc.stdout.read()}")
            try:
                if requests.get(self.url + "/__mock/health", timeout=1).ok:
                    return
            except requests.ConnectionError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("dakkio-mock did not start within 20 s")

    def stop(self) -> str:
        self.proc.terminate()
        try:
            out, _ = self.proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, _ = self.proc.communicate()
        return out or ""
