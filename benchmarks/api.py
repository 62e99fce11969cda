"""Benchmark `GET /api/search` end to end: HTTP to the portal, search, JSON back.

Run as `python benchmarks/api.py --index DIR [--hours N]` on an index built by
`benchmarks/search.py --hours N --index DIR` (same N, same seed: the queries
are that benchmark's). It starts the real portal (`archive serve`) on a free
loopback port over a scratch archive home whose index is DIR, sends each
query kind 200 times (top 10 with highlighted snippets and facets, as the API
always computes them) and prints one JSON object of p50/p95/max per kind.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.search import Corpus, _percentiles, queries  # noqa: E402


def free_port() -> int:
    """Return a free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(port: int, timeout_s: float = 60, path: str = "/api/sessions") -> None:
    """Wait for the portal to answer `path` on port."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", path)
            connection.getresponse().read()
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("the portal did not start")


def main() -> int:
    """Serve the index, time the API, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--hours", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="api-bench-"))
    (home / "index").symlink_to(args.index.resolve(), target_is_directory=True)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "cli", "--home", str(home), "serve", "--port", str(port)],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "ARCHIVE_HOME": str(home)},
    )  # fmt: skip
    try:
        wait_until_up(port)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        figures = {}
        for kind, requests in queries(Corpus(args.hours, args.seed), args.seed).items():
            urls = []
            for request in requests:
                params = {"q": request.q, "page_size": 10}
                if request.speaker:
                    params["speaker"] = request.speaker
                urls.append("/api/search?" + urlencode(params))
            for url in urls[:10]:  # warm this kind
                connection.request("GET", url)
                connection.getresponse().read()
            samples = []
            for url in urls:
                started = time.perf_counter()
                connection.request("GET", url)
                body = json.loads(connection.getresponse().read())
                samples.append((time.perf_counter() - started) * 1000)
                assert "hits" in body and "facets" in body, body
            figures[kind] = _percentiles(samples)
    finally:
        server.terminate()
        server.wait(10)
    print(json.dumps({"hours": args.hours, "api_search": figures}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
