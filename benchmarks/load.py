"""Load test: 50 concurrent clients on gunicorn while an ingest runs, loopback only.

Run as `python benchmarks/load.py [--clients 50] [--seconds 60]`. It builds a
scratch archive (the seed manifest, one session with a recording and a
transcript of a few hundred cues), serves it with gunicorn (`--workers`,
`--threads`) on a free 127.0.0.1 port beside one `archive worker`, and sends
`--clients` threads of requests for `--seconds`: `/api/search` (a rotation of
queries), the session page and a media Range request. A third of the way
through it queues the ingest of another session with an imported transcript
and measures how long after that job finished the portal found its words.
It prints a table (requests, errors, p50/p95/p99 per route) and one JSON line.
Targets: no errors, p99 of /api/search under 1 s, searchable within 15 s.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.api import free_port, wait_until_up  # noqa: E402

MANIFEST = REPO / "manifests" / "ville-intelligente-cycle-2.yaml"
WORDS = (
    "ville intelligente capteurs données habitants métropole numérique mobilité "
    "énergie réseaux plateforme politiques publiques urbanisme services innovation"
).split()
QUERIES = ["ville", "capteurs données", '"ville intelligente"', "mobilité OR énergie",
           "plateforme", "urbanisme services", "habitants", "réseau*"]  # fmt: skip
NEW_WORD = "chronotopique"


def archive(home: Path, *args: str) -> str:
    """Run an `archive` command on the scratch home; return its output."""
    result = subprocess.run(
        [sys.executable, "-m", "cli", "--home", str(home), *args],
        cwd=REPO, capture_output=True, text=True, check=False,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    if result.returncode != 0:
        raise SystemExit(f"archive {' '.join(args)} failed: {result.stderr}")
    return result.stdout


def make_media(dest: Path, seconds: int, frequency: int) -> Path:
    """Write a small H.264/AAC test recording with ffmpeg."""
    from imageio_ffmpeg import get_ffmpeg_exe

    ffmpeg = shutil.which("ffmpeg") or get_ffmpeg_exe()
    subprocess.run(
        [ffmpeg, "-loglevel", "error", "-y", "-f", "lavfi", "-i",
         f"testsrc=size=320x240:rate=25:duration={seconds}", "-f", "lavfi", "-i",
         f"sine=frequency={frequency}:duration={seconds}", "-c:v", "libx264", "-preset",
         "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(dest)],
        check=True,
    )  # fmt: skip
    return dest


def make_vtt(dest: Path, cues: int, seed: int, extra: str = "") -> Path:
    """Write a WebVTT transcript of `cues` two-second cues of seminar words."""
    rng = random.Random(seed)
    lines = ["WEBVTT", ""]
    for n in range(cues):
        start, end = n * 2000, n * 2000 + 1900
        text = " ".join(rng.choice(WORDS) for _ in range(10)) + (f" {extra}" if extra else "")
        lines += [f"{_ts(start)} --> {_ts(end)}", text.capitalize() + ".", ""]
    dest.write_text("\n".join(lines), encoding="utf-8")
    return dest


def _ts(ms: int) -> str:
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"


class Recorder:
    """Latencies (seconds) and errors per route, shared by the client threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = {}
        self.errors: dict[str, list[str]] = {}

    def add(self, route: str, seconds: float, error: str | None) -> None:
        with self.lock:
            self.latencies.setdefault(route, []).append(seconds)
            self.errors.setdefault(route, [])
            if error:
                self.errors[route].append(error)


def client(port: int, paths: dict[str, list[str]], stop: float, rec: Recorder, seed: int) -> None:
    """Send requests in a loop until `stop` (monotonic), one connection per request."""
    rng = random.Random(seed)
    routes = list(paths)
    while time.monotonic() < stop:
        route = rng.choice(routes)
        path = rng.choice(paths[route])
        headers = {"Range": "bytes=0-65535"} if route == "media (Range)" else {}
        expected = 206 if headers else 200
        began = time.monotonic()
        error = None
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            connection.close()
            if response.status != expected:
                error = f"HTTP {response.status}"
        except (OSError, http.client.HTTPException) as exc:
            error = type(exc).__name__
        rec.add(route, time.monotonic() - began, error)


def percentile(values: list[float], q: float) -> float:
    """Return the q-th percentile (nearest rank) of values, in milliseconds."""
    ordered = sorted(values)
    return round(1000 * ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))], 1)


def main() -> int:
    """Build, serve, load, measure; print a table and JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50, choices=range(1, 201), metavar="N")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--cues", type=int, default=600, help="cues of the served transcript")
    args = parser.parse_args()
    seconds = min(args.seconds, 600.0)  # bounded, whatever is asked
    home = Path(tempfile.mkdtemp(prefix="load-bench-"))
    processes: list[subprocess.Popen] = []
    try:
        return _run(args, seconds, home, processes)
    finally:
        for process in processes:
            process.send_signal(signal.SIGINT)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(home, ignore_errors=True)


def _run(args, seconds: float, home: Path, processes: list[subprocess.Popen]) -> int:
    from sqlalchemy import select

    from core.catalogue import open_catalogue
    from core.catalogue.schema import Job, Session
    from core.settings import load_settings

    scratch = home.parent / f"{home.name}-src"
    scratch.mkdir()
    archive(home, "import", str(MANIFEST))
    settings = load_settings(test_config={"ARCHIVE_HOME": str(home)})
    catalogue = open_catalogue(settings)
    with catalogue.session() as db:
        slugs = list(db.scalars(select(Session.slug).order_by(Session.slug)))
    served, fresh = slugs[0], slugs[1]
    media = make_media(scratch / "served.mp4", 20, 440)
    archive(home, "ingest", str(media), "--session", served,
            "--transcript", str(make_vtt(scratch / "served.vtt", args.cues, 1)))  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(REPO), "ARCHIVE_HOME": str(home)}
    port = free_port()
    log = open(scratch / "server.log", "w")  # noqa: SIM115 - closed when the run ends
    processes.append(subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", str(args.workers), "--threads",
         str(args.threads), "-b", f"127.0.0.1:{port}", "portal:create_app()"],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
    ))  # fmt: skip
    processes.append(subprocess.Popen(
        [sys.executable, "-m", "cli", "worker"], cwd=REPO, env=env, stdout=log,
        stderr=subprocess.STDOUT,
    ))  # fmt: skip
    wait_until_up(port)
    body = _get(port, f"/api/sessions/{served}")
    media_urls = sorted(set(re.findall(r"/media/[0-9a-f]{64}/play\.\w+", body)))
    if not media_urls:
        raise SystemExit("the served session has no playable media URL")
    paths = {
        "/api/search": [f"/api/search?q={quote(q)}" for q in QUERIES],
        "/sessions/<slug>": [f"/sessions/{served}"],
        "media (Range)": media_urls,
    }
    rec = Recorder()
    began = time.monotonic()
    stop = began + seconds
    threads = [
        threading.Thread(target=client, args=(port, paths, stop, rec, n), daemon=True)
        for n in range(args.clients)
    ]
    for thread in threads:
        thread.start()
    time.sleep(seconds / 3)
    new_media = make_media(scratch / "fresh.mp4", 10, 660)
    archive(home, "ingest", str(new_media), "--session", fresh, "--queue",
            "--transcript", str(make_vtt(scratch / "fresh.vtt", 20, 2, NEW_WORD)))  # fmt: skip
    with catalogue.session() as db:
        job_id = db.scalar(select(Job.id).order_by(Job.id.desc()))
    done_at = found_at = None
    while time.monotonic() < stop + 30 and found_at is None:
        with catalogue.session() as db:
            state = db.get(Job, job_id).state
        if done_at is None and state in ("done", "failed"):
            done_at = time.monotonic()
        if done_at is not None and NEW_WORD in _get(port, f"/api/search?q={NEW_WORD}"):
            found_at = time.monotonic()
        time.sleep(0.1)
    for thread in threads:
        thread.join(timeout=60)
    log.close()
    catalogue.dispose()
    report = _report(rec, args, seconds, state, done_at, found_at)
    _print(report)
    search = report["routes"]["/api/search"]
    ok = report["errors"] == 0 and search["p99_ms"] < 1000 and report["searchable_within_15_s"]
    return 0 if ok else 1


def _get(port: int, path: str) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path)
    response = connection.getresponse()
    return response.read().decode("utf-8", "replace")


def _report(rec: Recorder, args, seconds: float, state, done_at, found_at) -> dict:
    routes = {
        route: {
            "requests": len(values),
            "errors": len(rec.errors[route]),
            "error_kinds": sorted(set(rec.errors[route]))[:5],
            "p50_ms": percentile(values, 50),
            "p95_ms": percentile(values, 95),
            "p99_ms": percentile(values, 99),
            "per_s": round(len(values) / seconds, 1),
        }
        for route, values in sorted(rec.latencies.items())
    }
    delay = round(found_at - done_at, 2) if found_at and done_at else None
    return {
        "clients": args.clients,
        "seconds": seconds,
        "gunicorn": {"workers": args.workers, "threads": args.threads},
        "cpus": os.cpu_count(),
        "routes": routes,
        "errors": sum(r["errors"] for r in routes.values()),
        "ingest_state": state,
        "searchable_after_ingest_s": delay,
        "searchable_within_15_s": delay is not None and delay <= 15,
    }


def _print(report: dict) -> None:
    print(f"{'route':<20}{'requests':>9}{'errors':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    for route, r in report["routes"].items():
        print(f"{route:<20}{r['requests']:>9}{r['errors']:>7}{r['p50_ms']:>9}"
              f"{r['p95_ms']:>9}{r['p99_ms']:>9}")  # fmt: skip
    print(f"new session searchable {report['searchable_after_ingest_s']} s after its ingest")
    print(json.dumps(report))


if __name__ == "__main__":
    sys.exit(main())
