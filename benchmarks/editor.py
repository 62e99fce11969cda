"""Benchmark the transcript editor in Chromium: fluidity at 3 hours, a 10-minute correction.

    python benchmarks/editor.py [--hours 3] [--walk-minutes 10] [--skip-fluid] [--skip-walk]

Both parts serve the portal on 127.0.0.1 and drive Debian's Chromium with
Playwright, signed in as an archivist; one JSON object is printed.

**fluid**: a session of `--hours` hours (segments of 4 s, 12 words, one word in
eight doubtful, an audio-only recording of silence) opened in the editor.
Reported: the editor page's server time and time to `load` (median of 5), and the
latency from a key press to the next frame (keydown → requestAnimationFrame →
task), p50/p95, for typing in a segment, Alt+↓ (next segment), Alt+N (next
doubtful word, which seeks the player) and Alt+V (verified, next); then the time
from Ctrl+S to the "saved" status with 100 segments changed.

**walk**: the FLEURS French clips of ../shared/media joined, several times over in
shuffled orders, into a recording of about `--walk-minutes` minutes, ingested with
the base model as an archive would be; the editor then corrects it to the clips'
reference transcripts **with the keyboard alone**: one focus into the first
segment, then per segment Ctrl+Space (play), and either Alt+V (right as it
stands), or Ctrl+A and the corrected text typed, or Ctrl+A and Delete where
nothing was said (the segment is removed at the save, and the cursor comes back
to where it was), then Alt+↓; Ctrl+S every 25 segments and at the end. The saved
version is read back and compared with the target text (it must match exactly).
Reported: segments,
changed segments and words, keys pressed, the machine's time for the walk
(typing included at Playwright's speed), the word error rate before and after,
and a modelled human time: listening to every segment once at 1× plus 0.2 s per
typed character (60 words a minute), 1 s per shortcut and 3 s to decide each
changed word, for the walk as done (whole segments retyped) and for word-by-word
editing (Ctrl+→ to the wrong word, Ctrl+Shift+→ over it, the right one typed).
That model is an estimate, stated as such; the walk proves every step is
reachable without a mouse and measures what the interface costs.
"""

from __future__ import annotations

import argparse
import difflib
import json
import logging
import platform
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from core.catalogue import Session, open_catalogue  # noqa: E402
from core.catalogue.queries import (  # noqa: E402
    current_transcript,
    get_session,
    transcript_segments,  # noqa: E402
    words_of,
)
from core.catalogue.transcripts import store_transcript  # noqa: E402
from core.contracts import TranscribedSegment, Word  # noqa: E402
from core.settings import load_settings  # noqa: E402
from index.service import index_session  # noqa: E402
from ingest.pipeline import ingest_file  # noqa: E402
from tests.portal.builders import SLUG, build_archive  # noqa: E402
from tests.portal.workspace_fixtures import PASSWORD  # noqa: E402
from tests.support.live import serve_for_archivists  # noqa: E402
from tests.support.media_factory import (  # noqa: E402
    french_clips_recording,
    shared_media_dir,
    silence_audio,
)

CHROMIUM = "/usr/bin/chromium"
LATENCY_PROBE = """() => {
  window.__latencies = [];
  document.addEventListener("keydown", (event) => {
    if (["Alt", "Control", "Shift", "Meta"].includes(event.key)) return;
    const t0 = performance.now();
    const done = () => window.__latencies.push(performance.now() - t0);
    requestAnimationFrame(() => setTimeout(done, 0));
  }, true);
}"""
WORDS = (
    "la ville intelligente des capteurs données ouvertes mobilité usagers métropole "
    "plateforme services urbains expérimentation gouvernance énergie réseau quartier"
).split()


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1) if ordered else 0.0


def _latencies(page) -> dict:
    values = page.evaluate("() => window.__latencies.splice(0)")
    return {"n": len(values), "p50_ms": _p(values, 0.5), "p95_ms": _p(values, 0.95)}


@contextmanager
def _browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        try:
            yield browser.new_page(viewport={"width": 1400, "height": 900})
        finally:
            browser.close()


def _wait_for_redraw(page, last: bool, timeout_s: float = 60.0) -> None:
    """Wait until the page has reloaded after a save and the cursor is back in a segment."""
    from playwright.sync_api import Error

    check = "() => window.__before_save === undefined && document.readyState === 'complete'" + (
        "" if last else " && document.activeElement.classList.contains('ws-text')"
    )
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if page.evaluate(check):
                return
        except Error:  # the old page went away mid-check
            pass
        time.sleep(0.05)
    raise SystemExit("the page did not come back with the cursor after a save")


def _sign_in(page, base: str) -> None:
    page.goto(f"{base}/auth/login")
    page.fill("input[name=username]", "ada")
    page.fill("input[name=password]", PASSWORD)
    page.locator("form.ws-form button[type=submit]").click()
    page.wait_for_url(f"{base}/workspace/")


def _long_segments(hours: int, seed: int) -> list[TranscribedSegment]:
    rng = random.Random(seed)
    segments = []
    for n in range(hours * 3600 // 4):
        start = n * 4000
        tokens = [rng.choice(WORDS) for _ in range(12)]
        words = [
            Word(start + i * 330, start + (i + 1) * 330, t, 0.3 if rng.random() < 0.125 else 0.9)
            for i, t in enumerate(tokens)
        ]
        segments.append(TranscribedSegment(start, start + 3960, " ".join(tokens), words, 0.8))
    return segments


def fluid(hours: int) -> dict:
    """Open a session of `hours` hours in the editor and time what an archivist feels."""
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder) / "home"
        audio = silence_audio(Path(folder) / "seance.m4a", hours * 3600)
        archive = build_archive(home, media_source=audio)
        catalogue = open_catalogue(archive.settings)
        segments = _long_segments(hours, 7)
        with catalogue.session() as db:
            session = get_session(db, SLUG, include_drafts=True)
            store_transcript(db, session, segments, language="fr", model="base", source="whisper")
        catalogue.dispose()
        for base in serve_for_archivists(home):
            with _browser() as page:
                _sign_in(page, base)
                url = f"{base}/workspace/sessions/{SLUG}/transcript"
                loads = []
                for _ in range(5):
                    started = time.perf_counter()
                    page.goto(url, wait_until="load")
                    wall = (time.perf_counter() - started) * 1000
                    timing = page.evaluate(
                        "() => { const t = performance.getEntriesByType('navigation')[0];"
                        " return [t.responseStart - t.requestStart, t.domContentLoadedEventEnd,"
                        " t.transferSize]; }"
                    )
                    loads.append((timing[0], timing[1], wall, timing[2]))
                page.evaluate(LATENCY_PROBE)
                middle = page.locator(f"li#seg-{len(segments) // 2} .ws-text")
                middle.focus()
                page.keyboard.press("End")
                page.wait_for_timeout(1000)  # the first paint of the segments around it
                page.evaluate("() => window.__latencies.splice(0)")
                page.keyboard.type(
                    " et encore quelques mots corrigés, puis quelques autres", delay=30
                )
                typing = _latencies(page)
                for _ in range(60):
                    page.keyboard.press("Alt+ArrowDown")
                alt_down = _latencies(page)
                for _ in range(30):
                    page.keyboard.press("Alt+KeyN")
                alt_n = _latencies(page)
                for _ in range(99):
                    page.keyboard.press("Alt+KeyV")
                alt_v = _latencies(page)
                started = time.perf_counter()
                page.keyboard.press("Control+s")
                page.locator("#save-status", has_text="✓").wait_for(timeout=60_000)
                save_ms = (time.perf_counter() - started) * 1000
        return {
            "hours": hours,
            "segments": len(segments),
            "page_kb": round(statistics.median(x[3] for x in loads) / 1024),
            "server_ms": round(statistics.median(x[0] for x in loads)),
            "dom_ready_ms": round(statistics.median(x[1] for x in loads)),
            "load_ms": round(statistics.median(x[2] for x in loads)),
            "typing": typing,
            "alt_down": alt_down,
            "alt_n": alt_n,
            "alt_v": alt_v,
            "save_100_changes_ms": round(save_ms),
        }


def _norm(token: str) -> str:
    return re.sub(r"[^\w']+", "", token.lower())


def targets(segments: list[list[Word]], spans: list[dict]) -> list[str]:
    """Each segment's text corrected to the clips' references: Whisper's words (with their
    case and punctuation) where they are right, the reference's words where they are not.

    Words are matched to the clip they were said in by time, then aligned clip by clip
    (the recording repeats its clips, so one alignment over all of it would be ambiguous).
    Words of a clip Whisper skipped go at the end of the segment before it, where an
    archivist would type them.
    """
    out: list[list[str]] = [[] for _ in segments]
    for clip, tokens in enumerate(_by_clip(segments, spans)):
        reference = _reference(spans[clip])
        keys = [_norm(t) for _, t in tokens]
        before = [
            n
            for n, words in enumerate(segments)
            if words and words[0].start_ms < spans[clip]["start_ms"]
        ]
        fallback = tokens[0][0] if tokens else (before[-1] if before else 0)
        matcher = difflib.SequenceMatcher(a=keys, b=reference, autojunk=False)
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            if op == "equal":
                for n, t in tokens[i1:i2]:
                    out[n].append(t)
            elif op in ("replace", "insert"):
                owner = (
                    tokens[i1][0] if i1 < len(tokens) else (tokens[i1 - 1][0] if i1 else fallback)
                )
                out[owner].extend(reference[j1:j2])
    return [" ".join(words) for words in out]


def _by_clip(segments: list[list[Word]], spans: list[dict]) -> list[list[tuple[int, str]]]:
    """(segment number, word) of each clip, a word going to the clip it was said in."""
    by_clip: list[list[tuple[int, str]]] = [[] for _ in spans]
    for n, words in enumerate(segments):
        for word in words:
            middle = (word.start_ms + word.end_ms) // 2
            clip = min(
                range(len(spans)),
                key=lambda c: max(spans[c]["start_ms"] - middle, middle - spans[c]["end_ms"], 0),
            )
            by_clip[clip].append((n, word.text.strip()))
    return by_clip


def _reference(span: dict) -> list[str]:
    return [w for w in map(_norm, span["reference"].split()) if w]


def _errors(old: list[str], new: list[str]) -> int:
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    return sum(
        max(i2 - i1, j2 - j1) for op, i1, i2, j1, j2 in matcher.get_opcodes() if op != "equal"
    )


def _wer(texts: list[str], spans: list[dict]) -> float:
    """Word error rate of the whole transcript against the clips' references (jiwer)."""
    import jiwer

    hypothesis = " ".join(k for text in texts for k in map(_norm, text.split()) if k)
    reference = " ".join(w for span in spans for w in _reference(span))
    return round(100 * jiwer.wer(reference, hypothesis), 1)


def word_edit_keys(old: str, new: str) -> int:
    """Keys a practised archivist presses to turn old into new by words: Ctrl+→ to the
    first wrong word, Ctrl+Shift+→ over the wrong ones, then the right ones typed."""
    a, b = old.split(), new.split()
    keys, at = 1, 0  # Ctrl+Home
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        keys += (i1 - at) + (i2 - i1) + len(" ".join(b[j1:j2])) + 1
        at = i2
    return keys


def walk(minutes: int, seed: int) -> dict:
    """Correct a real base transcript of about `minutes` minutes with the keyboard alone."""
    media = shared_media_dir()
    if media is None:
        return {"skipped": "../shared/media is absent"}
    clips = sorted(p.stem for p in (media / "fleurs_fr").glob("fleurs-fr-*.ogg"))
    rng = random.Random(seed)
    order: list[str] = []
    while len(order) * 12.5 < minutes * 60:  # the clips average 11 s, plus 1.5 s gaps
        rng.shuffle(clips)
        order += clips
    with tempfile.TemporaryDirectory() as folder:
        recording = Path(folder) / "correction-walk.wav"
        spans = french_clips_recording(recording, media, order)
        home = Path(folder) / "home"
        settings = load_settings(home)
        catalogue = open_catalogue(settings)
        started = time.perf_counter()
        job = ingest_file(
            catalogue,
            settings,
            recording,
            language="fr",
            model="base",
            indexer=lambda slug: index_session(catalogue, settings.index_dir, slug),
        )
        ingest_s = time.perf_counter() - started
        with catalogue.session() as db:
            session = db.get(Session, job.session_id)
            slug = session.slug
            first = transcript_segments(db, current_transcript(db, session))
            before = [s.text for s in first]
            timed = [list(words_of(s)) for s in first]
            listening_s = sum(s.end_ms - s.start_ms for s in first) / 1000
        wanted = targets(timed, spans)
        shortcuts = typed = changed_words = emptied = edit_keys = retyped = 0
        removing = False
        for base in serve_for_archivists(home):
            with _browser() as page:
                _sign_in(page, base)
                page.goto(f"{base}/workspace/sessions/{slug}/transcript")
                page.locator("li#seg-1 .ws-text").focus()  # the walk's one way in
                walk_started = time.perf_counter()
                for n, (old, new) in enumerate(zip(before, wanted, strict=True)):
                    page.keyboard.press("Control+Space")
                    shortcuts += 1
                    if not new:  # nothing was said there: emptied, removed at the save
                        page.keyboard.press("Control+a")
                        page.keyboard.press("Delete")
                        page.keyboard.press("Alt+ArrowDown")
                        shortcuts += 3
                        emptied += 1
                        removing = True
                    elif new == old:
                        page.keyboard.press("Alt+KeyV")
                        shortcuts += 1
                    else:
                        page.keyboard.press("Control+a")
                        page.keyboard.type(new)
                        page.keyboard.press("Alt+ArrowDown")
                        shortcuts += 2
                        typed += len(new)
                        changed_words += _errors(old.split(), new.split())
                        edit_keys += word_edit_keys(old, new)
                        retyped += 1
                    if (n + 1) % 25 == 0 or n + 1 == len(before):
                        shortcuts += 1
                        if removing:  # the page is redrawn, the cursor put back
                            page.evaluate("() => { window.__before_save = true; }")
                            page.keyboard.press("Control+s")
                            _wait_for_redraw(page, last=n + 1 == len(before))
                            removing = False
                            continue
                        page.keyboard.press("Control+s")
                        status = page.locator("#save-status")
                        status.filter(has_text=re.compile("✓|[a-z]{4}")).wait_for(timeout=60_000)
                        if "✓" not in status.inner_text():
                            raise SystemExit(f"save refused: {status.inner_text()}")
                walk_s = time.perf_counter() - walk_started
        keys = shortcuts + typed
        with catalogue.session() as db:
            session = get_session(db, slug, include_drafts=True)
            saved = transcript_segments(db, current_transcript(db, session))
            after = [s.text for s in saved]
            verified = sum(1 for s in saved if s.verified)
        catalogue.dispose()
        # A model of a person, stated as such: every segment heard once at 1x, 0.2 s a key
        # (60 words a minute), 1 s a shortcut, 3 s to decide each wrong word.
        walk_keys_s = 0.2 * typed + 1.0 * shortcuts
        by_word_s = 0.2 * edit_keys + 1.0 * (shortcuts - retyped)  # no Ctrl+A per segment
        decide_s = 3.0 * changed_words
        return {
            "recording_s": round(spans[-1]["end_ms"] / 1000),
            "ingest_s": round(ingest_s, 1),
            "segments": len(before),
            "segments_changed": sum(1 for o, w in zip(before, wanted, strict=True) if o != w),
            "words_changed": changed_words,
            "wer_before_pct": _wer(before, spans),
            "wer_after_pct": _wer(after, spans),
            "saved_equals_target": after == [w for w in wanted if w],
            "segments_with_nothing_said": emptied,
            "verified_segments": verified,
            "keys": keys,
            "typed_characters": typed,
            "shortcuts": shortcuts,
            "machine_walk_s": round(walk_s, 1),
            "word_edit_keys": edit_keys,
            "modelled_human_min_retyping": round((listening_s + walk_keys_s + decide_s) / 60, 1),
            "modelled_human_min_by_words": round((listening_s + by_word_s + decide_s) / 60, 1),
            "listening_min": round(listening_s / 60, 1),
        }


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        names = [
            ln.split(":", 1)[1].strip()
            for ln in cpuinfo.read_text().splitlines()
            if ln.startswith("model name")
        ]
        cpu = f"{len(names)} × {names[0]}" if names else cpu
    return cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hours", type=int, default=3)
    parser.add_argument("--walk-minutes", type=int, default=10)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--skip-fluid", action="store_true")
    parser.add_argument("--skip-walk", action="store_true")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    result: dict = {"machine": _machine()}
    if not args.skip_fluid:
        result["fluid"] = fluid(args.hours)
    if not args.skip_walk:
        result["walk"] = walk(args.walk_minutes, args.seed)
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
