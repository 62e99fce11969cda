"""Measure the portal's memory while a multi-GB recording is uploaded in chunks.

    python benchmarks/upload.py --gib 3 [--chunk-mib 8] [--keep]

Starts `archive serve` on a fresh archive home in a separate process, signs in
as an archivist, then sends a sparse file of the given size through the
workspace's resumable endpoints (POST /workspace/uploads, PATCH chunks), like
the browser does. The portal's resident memory is sampled from /proc during
the upload; its high-water mark (VmHWM) is read at the end. Prints one JSON
object. Nothing is transcribed: no worker runs, the upload stays queued.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from http.cookies import SimpleCookie
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
PASSWORD = "benchmark password"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _memory_kib(pid: int) -> dict[str, int]:
    status = Path(f"/proc/{pid}/status").read_text()
    return {
        key: int(re.search(rf"^{key}:\s+(\d+) kB", status, re.M).group(1))
        for key in ("VmRSS", "VmHWM")
    }


class Client:
    """A tiny cookie-keeping HTTP client for the portal (standard library only)."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        self.cookies: dict[str, str] = {}

    def send(
        self, method: str, path: str, body: bytes | None = None, headers: dict | None = None
    ) -> tuple[int, dict, bytes]:
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read()
        for value in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(value).items():
                self.cookies[name] = morsel.value
        return response.status, dict(response.headers), data


def _csrf(html: bytes) -> str:
    match = re.search(rb'name="csrf[-_]token"[^>]*? (?:content|value)="([^"]+)"', html)
    return match.group(1).decode()


def run(gib: float, chunk_mib: int, keep: bool) -> dict:
    """Upload a gib-sized file through a live portal; return the measurements."""
    home = Path(tempfile.mkdtemp(prefix="upload-bench-"))
    env = {**os.environ, "ARCHIVE_HOME": str(home), "PYTHONPATH": str(REPO)}
    subprocess.run(
        [
            sys.executable,
            "-c",
            "from cli import main; main()",
            "user",
            "add",
            "bench",
            "--password-stdin",
        ],
        input=PASSWORD + "\n",
        text=True,
        env=env,
        check=True,
        capture_output=True,
    )
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-c", "from cli import main; main()", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    source = home / "big.mov"
    size = int(gib * 1024**3)
    with source.open("wb") as handle:
        handle.truncate(size)  # sparse: the disk is not the bottleneck being measured
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        client = Client(port)
        _, _, page = client.send("GET", "/auth/login")
        client.send(
            "POST",
            "/auth/login",
            body=f"username=bench&password={PASSWORD.replace(' ', '+')}&csrf_token="
            f"{_csrf(page)}".encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        _, _, page = client.send("GET", "/workspace/upload")
        token = _csrf(page)
        baseline = _memory_kib(server.pid)
        status, _, body = client.send(
            "POST",
            "/workspace/uploads",
            body=json.dumps(
                {
                    "filename": source.name,
                    "size": size,
                    "new_session": {"title": "Benchmark upload"},
                }
            ).encode(),
            headers={"Content-Type": "application/json", "X-CSRFToken": token},
        )
        assert status == 201, body
        upload = json.loads(body)
        samples: list[int] = []
        done = threading.Event()

        def sample() -> None:
            while not done.wait(0.1):
                samples.append(_memory_kib(server.pid)["VmRSS"])

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        chunk_bytes, offset, started = chunk_mib * 1024**2, 0, time.monotonic()
        with source.open("rb") as handle:
            while offset < size:
                chunk = handle.read(chunk_bytes)
                status, headers, body = client.send(
                    "PATCH",
                    upload["url"],
                    body=chunk,
                    headers={
                        "Content-Type": "application/offset+octet-stream",
                        "Upload-Offset": str(offset),
                        "X-CSRFToken": token,
                    },
                )
                assert status == 200, body
                offset = int(headers["Upload-Offset"])
        elapsed = time.monotonic() - started
        done.set()
        sampler.join()
        final = _memory_kib(server.pid)
        state = json.loads(body)["state"]
    finally:
        server.terminate()
        server.wait(10)
        if not keep:
            import shutil

            shutil.rmtree(home, ignore_errors=True)
    return {
        "file_gib": round(size / 1024**3, 2),
        "chunk_mib": chunk_mib,
        "chunks": -(-size // chunk_bytes),
        "seconds": round(elapsed, 1),
        "throughput_mib_s": round(size / 1024**2 / elapsed, 1),
        "final_state": state,
        "portal_rss_before_mib": round(baseline["VmRSS"] / 1024, 1),
        # Sign-in already peaked: argon2id verifies with 64 MiB of memory by design.
        "portal_peak_rss_before_upload_mib": round(baseline["VmHWM"] / 1024, 1),
        "portal_rss_max_sampled_mib": round(max(samples or [0]) / 1024, 1),
        "portal_peak_rss_vmhwm_mib": round(final["VmHWM"] / 1024, 1),
        "home": str(home) if keep else None,
    }


def main() -> None:
    """Parse arguments, run the benchmark, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gib", type=float, default=3.0, help="file size in GiB")
    parser.add_argument("--chunk-mib", type=int, default=8, help="chunk size in MiB")
    parser.add_argument("--keep", action="store_true", help="keep the archive home")
    args = parser.parse_args()
    print(json.dumps(run(args.gib, args.chunk_mib, args.keep), indent=2))


if __name__ == "__main__":
    main()
