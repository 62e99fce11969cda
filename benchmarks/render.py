"""Measure how fast the session page renders for a 3-hour transcript, and how it scrolls.

    .venv/bin/python benchmarks/render.py [--segments 2700] [--runs 20] [--browser]

Builds a throw-away archive (the seed programme, one session with ~2,700 synthetic
segments with word timings and speakers), renders the session page server-side
with Flask's test client, and prints cold and warm timings. With --browser it
also loads the page in headless Chromium and records load time, DOM size and
frame times while the transcript is scrolled end to end.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select  # noqa: E402

from core.catalogue import Recording, Session, open_catalogue  # noqa: E402
from core.catalogue.importer import apply_manifest  # noqa: E402
from core.catalogue.transcripts import store_transcript  # noqa: E402
from core.contracts import TranscribedSegment, Word  # noqa: E402
from core.manifest import load_manifest  # noqa: E402
from core.settings import load_settings  # noqa: E402
from portal import (
    create_app,  # noqa: E402
    markup,  # noqa: E402
)
from portal.services.transcript import clear_cache  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SLUG = "2018-01-29-start-up-numerique-acteurs-municipaux"
VOCABULARY = (
    "la ville intelligente données ouvertes collectivités usagers services capteurs élus "
    "municipaux start-up numérique modèles économiques territoire expérimentation politique "
    "gestion foncière promoteurs scooters électriques mobilité risques naturels surveillance "
    "environnement plateforme habitants coopération marché public innovation réseau énergie "
    "nous avons donc en effet il faut aussi très bien alors mais parce que c'est"
).split()


def synthetic_segments(count: int, speakers: list[str], seed: int = 7) -> list[TranscribedSegment]:
    """Return count segments of 6-22 words, 4 s apart, speakers changing every few turns."""
    rng = random.Random(seed)
    segments, start_ms, speaker = [], 0, speakers[0]
    for index in range(count):
        if index % rng.randint(3, 12) == 0:
            speaker = rng.choice(speakers)
        words_n = rng.randint(6, 22)
        tokens = [rng.choice(VOCABULARY) for _ in range(words_n)]
        tokens[0] = tokens[0].capitalize()
        text = " ".join(tokens) + "."
        duration_ms = 3_000 + words_n * 40
        step = duration_ms / words_n
        words = [
            Word(
                round(start_ms + i * step),
                round(start_ms + (i + 1) * step),
                (" " if i else "") + token + ("." if i == words_n - 1 else ""),
                0.9,
            )
            for i, token in enumerate(tokens)
        ]
        segments.append(
            TranscribedSegment(
                start_ms, start_ms + duration_ms, text, words, confidence=0.9, speaker_slug=speaker
            )
        )
        start_ms += duration_ms + 1_000
    return segments


def build(home: Path, count: int) -> int:
    """Create the benchmark archive; return the recording's duration in ms."""
    settings = load_settings(home)
    catalogue = open_catalogue(settings)
    with catalogue.session() as db:
        apply_manifest(db, load_manifest(REPO / "manifests" / "ville-intelligente-cycle-2.yaml"))
        session = db.scalar(select(Session).where(Session.slug == SLUG))
        people = [a.person.slug for item in session.items for a in item.appearances]
        segments = synthetic_segments(count, people)
        duration_ms = segments[-1].end_ms + 2_000
        for position, item in enumerate(session.items):
            item.start_ms = position * duration_ms // len(session.items)
        recording = Recording(
            session=session,
            original_name="seance.mp4",
            original_path="media/x/seance.mp4",
            sha256="0" * 64,
            duration_ms=duration_ms,
            container="mov,mp4,m4a,3gp,3g2,mj2",
            playable_path="media/x/seance.mp4",
            streams=[{"kind": "video", "codec": "h264"}, {"kind": "audio", "codec": "aac"}],
        )
        db.add(recording)
        db.flush()
        store_transcript(db, session, segments, language="fr", model="synthetic")
    catalogue.dispose()
    return duration_ms


def server_timings(app, runs: int) -> dict:
    """Render the session page: first request of the process, uncached and cached renders."""
    client = app.test_client()
    url = f"/sessions/{SLUG}"
    first_ms, first = _timed(client, url)
    assert first.status_code == 200, first.status_code
    uncached, cached = [], []
    for _ in range(runs):
        clear_cache()  # as for the first view of a transcript version
        markup.clear_cache()
        uncached.append(_timed(client, url + "?t=5400")[0])
        cached.append(_timed(client, url + "?t=5400")[0])
    api_ms = _timed(client, f"/api/sessions/{SLUG}")[0]
    cite_ms = _timed(client, f"/api/cite/{SLUG}/1/5400000-5430000")[0]
    return {
        "api_ms": api_ms,
        "cite_ms": cite_ms,
        "first_ms": first_ms,
        "html_kb": len(first.data) / 1024,
        **_stats("uncached", uncached),
        **_stats("cached", cached),
    }


def _timed(client, url: str) -> tuple[float, object]:
    started = time.perf_counter()
    response = client.get(url)
    return (time.perf_counter() - started) * 1000, response


def _stats(name: str, samples: list[float]) -> dict:
    samples = sorted(samples)
    return {
        f"{name}_median_ms": statistics.median(samples),
        f"{name}_p95_ms": samples[max(0, round(len(samples) * 0.95) - 1)],
    }


def browser_timings(app) -> dict:
    """Load the page in Chromium; scroll the transcript end to end and record frame times."""
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/sessions/{SLUG}"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            page = browser.new_page(viewport={"width": 1366, "height": 860})
            page.goto(url, wait_until="load")
            load = page.evaluate(
                "(() => { const n = performance.getEntriesByType('navigation')[0];"
                " return {dom_ms: n.domContentLoadedEventEnd, load_ms: n.loadEventEnd,"
                " nodes: document.getElementsByTagName('*').length}; })()"
            )
            frames = page.evaluate(SCROLL_SCRIPT)
            browser.close()
    finally:
        server.shutdown()
    frames.sort()
    return {
        **load,
        "frames": len(frames),
        "frame_median_ms": statistics.median(frames),
        "frame_p95_ms": frames[int(len(frames) * 0.95)],
        "frame_max_ms": frames[-1],
        "frames_over_50ms": sum(f > 50 for f in frames),
    }


# Scroll the transcript by 40 px a frame to its end (wheel-like), timing each frame.
SCROLL_SCRIPT = """
new Promise(resolve => {
  const pane = document.getElementById('transcript');
  const deltas = []; let last = performance.now();
  function step(now) {
    deltas.push(now - last); last = now;
    pane.scrollTop += 40;
    if (pane.scrollTop + pane.clientHeight >= pane.scrollHeight - 2 || deltas.length > 6000) {
      resolve(deltas.slice(1));
    } else requestAnimationFrame(step);
  }
  requestAnimationFrame(step);
})
"""


def main() -> None:
    """Build, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--segments", type=int, default=2700)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--browser", action="store_true", help="also measure in Chromium")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        duration_ms = build(Path(tmp), args.segments)
        app = create_app({"ARCHIVE_HOME": tmp, "SECRET_KEY": "bench"})
        print(f"session: {args.segments} segments, {duration_ms / 3_600_000:.2f} h")
        server = server_timings(app, args.runs)
        print(
            "server render: first request of the process {first_ms:.0f} ms; "
            "uncached median {uncached_median_ms:.0f} ms (p95 {uncached_p95_ms:.0f}); "
            "cached median {cached_median_ms:.0f} ms (p95 {cached_p95_ms:.0f}); "
            "HTML {html_kb:.0f} kB".format(**server)
        )
        print(
            "API: session with segments {api_ms:.0f} ms, citation {cite_ms:.0f} ms".format(**server)
        )
        if args.browser:
            seen = browser_timings(app)
            print(
                "browser: DOMContentLoaded {dom_ms:.0f} ms, load {load_ms:.0f} ms, "
                "{nodes} elements".format(**seen)
            )
            print(
                "scroll: {frames} frames, median {frame_median_ms:.1f} ms, p95 "
                "{frame_p95_ms:.1f} ms, max {frame_max_ms:.1f} ms, {frames_over_50ms} over "
                "50 ms".format(**seen)
            )
        app.extensions["archive"].catalogue.dispose()


if __name__ == "__main__":
    main()
