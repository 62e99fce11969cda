"""`make demo`'s last step: the portal and worker start, say how to sign in, and stop on Ctrl-C.

The demo is the first thing a visitor runs: the sign-in line must come after
the servers' start-up logs, and Ctrl-C must stop everything and exit 0
rather than leave a worker behind or end with "Error 143".
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from cli.demo import DEMO_PASSWORD, DEMO_USER

REPO = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2):
            return True
    except OSError:
        return False


def test_the_demo_prints_the_account_last_and_ctrl_c_stops_both_children(tmp_path) -> None:
    port = _free_port()
    env = {**os.environ, "ARCHIVE_QUEUE_IMMEDIATE": "false", "PYTHONUNBUFFERED": "1"}
    launcher = subprocess.Popen(
        [sys.executable, "-m", "cli.demo_serve", "--home", str(tmp_path / "home"),
         "--port", str(port)],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            line = launcher.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "Ctrl-C stops" in line:
                break
        output = "".join(lines)
        assert f"Sign in as {DEMO_USER} / {DEMO_PASSWORD}" in output, output
        assert f"http://127.0.0.1:{port}/workspace/" in output
        assert _answers(port), "the banner came before the portal answered"
        launcher.send_signal(signal.SIGINT)  # what Ctrl-C sends
        rest, _ = launcher.communicate(timeout=30)
    finally:
        if launcher.poll() is None:
            launcher.kill()
    assert launcher.returncode == 0, "".join(lines) + rest
    assert "Traceback" not in rest
    assert not _answers(port), "the portal is still serving after Ctrl-C"
    # The worker was the launcher's other child: no process of this home is left.
    left = subprocess.run(["pgrep", "-f", str(tmp_path / "home")], capture_output=True)
    assert left.stdout == b"", left.stdout
