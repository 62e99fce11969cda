"""Serve the demo archive: the portal and a job worker, stopped together by Ctrl-C.

`make demo` ends here after building the archive. The portal's and the
worker's logs scroll, so the address and the demo account are printed once the
portal answers, after their start-up lines. Ctrl-C (or SIGTERM) stops both
children and exits 0: stopping the demo is not an error.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from cli.demo import DEMO_PASSWORD, DEMO_USER

STARTUP_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 10.0
SETTLE_S = 1.5  # the worker's start-up lines come in a burst just after the portal answers


def banner(base: str) -> str:
    """Return the lines a demo visitor needs: where to look and how to sign in."""
    return "\n".join(
        [
            "",
            "=" * 72,
            f"  Portal:    {base}/",
            f"  Workspace: {base}/workspace/",
            f"  Sign in as {DEMO_USER} / {DEMO_PASSWORD}",
            "  (a local demo account: never use it on a server)",
            "  Ctrl-C stops the portal and the worker.",
            "=" * 72,
            "",
        ]
    )


def wait_until_answering(url: str, process: subprocess.Popen, timeout_s: float) -> bool:
    """Poll url until it answers (any HTTP status), the process exits, or time runs out."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return True
        except urllib.error.HTTPError:
            return True  # it answered, even if with an error page
        except (urllib.error.URLError, OSError):
            time.sleep(0.3)
    return False


def stop(processes: list[subprocess.Popen]) -> None:
    """Ask each child to stop (SIGTERM), then kill what is still there after a while."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
    deadline = time.monotonic() + STOP_TIMEOUT_S
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def main(argv: list[str] | None = None) -> int:
    """Run the worker and the portal on --home until Ctrl-C; 0 when stopped by the user."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", default="demo/instance", help="archive home to serve")
    parser.add_argument("--port", type=int, default=5000, help="portal port on 127.0.0.1")
    args = parser.parse_args(argv)
    archive = [sys.executable, "-m", "cli", "--home", str(Path(args.home).resolve())]
    stopping: list[int] = []

    def on_signal(signum, _frame) -> None:
        stopping.append(signum)

    # The children get their own sessions: the terminal's Ctrl-C reaches only this
    # launcher, which stops them in order instead of each dying mid-write.
    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    children = [
        subprocess.Popen([*archive, "worker"], start_new_session=True),
        subprocess.Popen(
            [*archive, "serve", "--host", "127.0.0.1", "--port", str(args.port)],
            start_new_session=True,
        ),
    ]
    worker, portal = children
    try:
        base = f"http://127.0.0.1:{args.port}"
        if not wait_until_answering(base + "/", portal, STARTUP_TIMEOUT_S) and not stopping:
            print(f"The portal did not start on {base}: see the lines above.", file=sys.stderr)
            return 1
        time.sleep(SETTLE_S)
        announced = False
        while not stopping:
            for child in children:
                if child.poll() is not None:
                    name = "worker" if child is worker else "portal"
                    print(f"The {name} stopped (exit {child.returncode}).", file=sys.stderr)
                    return child.returncode or 1
            if not announced:  # only once both are seen running
                print(banner(base), flush=True)
                announced = True
            time.sleep(0.2)
        print("Stopping the demo…", flush=True)
        return 0
    finally:
        stop(children)
        for signum, handler in previous.items():
            signal.signal(signum, handler)


if __name__ == "__main__":
    sys.exit(main())
