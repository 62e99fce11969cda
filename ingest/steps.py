"""The ingest pipeline's steps: small functions over a run context.

Each step returns a dict of what it produced (paths relative to the archive
home, counts, choices made); `ingest.registry` places each in a route, and the
orchestrator records what it produced in the job so a run that stopped resumes
after the last finished step. Intermediate results are JSON files in the job's
work folder, written atomically.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlalchemy import select

from core.catalogue.queries import export_view, get_session, programme_slots, session_people
from core.catalogue.schema import Job, Person, Recording
from core.catalogue.transcripts import store_transcript
from core.contracts import ProbeResult, TranscribedSegment, Word
from core.glossary import hot_words, list_terms
from core.settings import Settings
from ingest import media
from ingest.chunking import plan_chunks
from ingest.cleaning import clean_segments
from ingest.speakers import assign_voices, attribute_speakers, programme_turns
from ingest.storage import recording_dir, relative_to_home, write_json_atomic, write_text_atomic
from ingest.transcribe import Transcriber
from ingest.voice_naming import carry_confirmed, name_voices
from ingest.voices_io import (
    DiarizerFactory,
    KnownVoices,
    current_segments,
    default_diarizer_factory,
    known_voices,
    naming_record,
    read_diarization,
    replace_session_voices,
    write_diarization,
)

log = logging.getLogger(__name__)


@dataclass
class RunContext:
    """Everything a step needs: settings, the job's ids and its work folder."""

    settings: Settings
    catalogue: object  # core.catalogue.Catalogue (kept loose to avoid a cycle)
    job_id: int
    session_slug: str
    recording_id: int
    params: dict
    work_dir: Path
    transcriber_factory: Callable[[str], Transcriber]
    indexer: Callable[[str], None] | None = None
    # Returns the diarizer; None: the engine in ingest.diarization, imported lazily.
    diarizer_factory: DiarizerFactory | None = None
    report: Callable[[str, float, float | None], None] = lambda step, fraction, eta: None
    memo: dict = field(default_factory=dict)

    @property
    def ffmpeg(self) -> str:
        return media.find_ffmpeg(self.settings.ffmpeg)

    def recording(self) -> Recording:
        with self.catalogue.session() as db:
            return db.get(Recording, self.recording_id)

    def original(self) -> Path:
        return self.settings.home / self.recording().original_path

    def probe_original(self) -> ProbeResult:
        """Probe the original once per run; later steps reuse the result."""
        if "probe" not in self.memo:
            self.memo["probe"] = media.probe(self.original())
        return self.memo["probe"]


def step_probe(ctx: RunContext) -> dict:
    """Probe the stored original again (it may have been replaced on disk)."""
    info = ctx.probe_original()
    with ctx.catalogue.session() as db:
        recording = db.get(Recording, ctx.recording_id)
        recording.duration_ms = info.duration_ms
        recording.container = info.container
        recording.streams = [asdict(s) for s in info.streams]
    return {"duration_ms": info.duration_ms, "has_video": info.has_video}


def step_audio(ctx: RunContext) -> dict:
    """Extract normalised 16 kHz mono audio into the work folder."""
    target = ctx.work_dir / "audio.wav"
    media.extract_audio(ctx.original(), target, ctx.ffmpeg)
    return {"path": str(target)}


def step_playable(ctx: RunContext) -> dict:
    """Make a browser-playable derivative when the original is not."""
    original = ctx.original()
    folder = recording_dir(ctx.settings, ctx.recording().sha256)
    playable = media.make_playable(original, folder, ctx.probe_original(), ctx.ffmpeg)
    with ctx.catalogue.session() as db:
        db.get(Recording, ctx.recording_id).playable_path = relative_to_home(ctx.settings, playable)
    return {"path": relative_to_home(ctx.settings, playable), "derived": playable != original}


def step_poster(ctx: RunContext) -> dict:
    """Grab a poster frame for video recordings."""
    folder = recording_dir(ctx.settings, ctx.recording().sha256)
    poster = media.make_poster(
        ctx.original(), folder / "poster.jpg", ctx.probe_original(), ctx.ffmpeg
    )
    relative = relative_to_home(ctx.settings, poster) if poster else None
    with ctx.catalogue.session() as db:
        db.get(Recording, ctx.recording_id).poster_path = relative
    return {"path": relative}


class _TranscribeClock:
    """Turns a chunk's progress into overall progress and an ETA from this run's own pace.

    Whisper hands its segments over a 30-second window at a time, so on a short
    recording its own reports jump (8 % to 25 % to 68 %) and the jobs page looked
    frozen between them. While the clock is ticking it moves the bar on at the pace
    this run has shown, never past one window beyond what Whisper has reported nor
    past the end, and never backwards. Until Whisper's first window comes back (the
    longest wait on a short file) no pace is known yet: from the moment decoding
    starts the bar moves at a guessed pace, with no time left shown.
    """

    WINDOW_MS = 30_000  # Whisper's window: how far ahead of its last report a guess may go
    TICK_S = 1.0
    # Before the first window: seconds of work per ms of audio, a real-time factor of 0.1
    # (base measured 0.085 on 2 cores; README, Measured). Only the bar's speed until then.
    GUESSED_PACE_S_PER_MS = 0.1 / 1000

    def __init__(self, ctx: RunContext, total_ms: int) -> None:
        self.ctx, self.total_ms = ctx, total_ms
        self.started = time.monotonic()
        self.first_ms: int | None = None  # where this run started working
        self.pace_s_per_ms: float | None = None  # seconds of work per millisecond of audio
        self.known_ms, self.known_at = 0, self.started
        self.shown_ms = 0
        self.decoding = False  # Whisper said decoding started, or reported work
        self.lock = threading.Lock()

    def callback(self, offset_ms: int) -> Callable[[int, int], None]:
        if self.first_ms is None:
            self.first_ms = offset_ms
        return lambda done_ms, _total: self.report(offset_ms + done_ms)

    def report(self, done_ms: int) -> None:
        """Take a position Whisper reported: it fixes the pace and moves the bar.

        A report of no work yet marks where decoding starts: the time before it went
        to voice detection and language detection over the whole file, which would
        make the pace look several times slower and hold the bar back until the
        second window (8 % to 25 % to 68 % again on a loaded machine).
        """
        with self.lock:
            now = time.monotonic()
            if done_ms <= (self.first_ms or 0) and self.pace_s_per_ms is None:
                self.started = now
            self.decoding = True
            elapsed = now - self.started
            worked = done_ms - (self.first_ms or 0)
            if elapsed > 1 and worked > 0:
                self.pace_s_per_ms = elapsed / worked
            self.known_ms, self.known_at = done_ms, now
            self._show(done_ms)

    def tick(self) -> None:
        """Move the bar by the time passed since Whisper's last report, at this run's pace."""
        with self.lock:
            pace = self.pace_s_per_ms
            if pace is None and self.decoding:
                pace = self.GUESSED_PACE_S_PER_MS
            if pace is None or not self.total_ms:
                return
            guess = self.known_ms + (time.monotonic() - self.known_at) / pace
            guess = min(guess, self.known_ms + self.WINDOW_MS, self.total_ms - 1)
            if guess > self.shown_ms:
                self._show(int(guess))

    @contextmanager
    def ticking(self) -> Iterator[None]:
        """Tick once a second in a background thread while the body runs."""
        stop = threading.Event()

        def loop() -> None:
            while not stop.wait(self.TICK_S):
                self.tick()

        thread = threading.Thread(target=loop, name="transcribe-clock", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()

    def _show(self, done_ms: int) -> None:
        self.shown_ms = max(self.shown_ms, done_ms)
        left_ms = self.total_ms - self.shown_ms
        eta = left_ms * self.pace_s_per_ms if self.pace_s_per_ms is not None else None
        fraction = self.shown_ms / self.total_ms if self.total_ms else 1.0
        self.ctx.report("transcribe", min(1.0, fraction), eta)


def step_transcribe(ctx: RunContext) -> dict:
    """Transcribe chunk by chunk, saving each chunk so a rerun resumes where it stopped."""
    audio = ctx.work_dir / "audio.wav"
    chunks = plan_chunks(audio)
    clock = _TranscribeClock(ctx, chunks[-1][1] if chunks else 0)
    language = ctx.params.get("language") or _read_language(ctx)
    if language is None and not ctx.params.get("created_session"):
        # A catalogued session says what is spoken; only a draft made from a file name detects.
        language = _session_language(ctx)
    transcriber = ctx.transcriber_factory(ctx.params.get("model") or ctx.settings.model)
    prompt = _programme_prompt(ctx)
    segments: list[TranscribedSegment] = []
    result_settings: dict = {}
    for number, (start_ms, end_ms) in enumerate(chunks):
        saved = ctx.work_dir / f"chunk-{number:04d}.json"
        if saved.exists():
            data = json.loads(saved.read_text(encoding="utf-8"))
        else:
            chunk_audio = (
                audio
                if len(chunks) == 1
                else media.audio_window(
                    audio, start_ms, end_ms, ctx.work_dir / f"chunk-{number:04d}.wav", ctx.ffmpeg
                )
            )
            with clock.ticking():
                result = transcriber.transcribe(
                    chunk_audio,
                    language=language,
                    initial_prompt=prompt,
                    progress=clock.callback(start_ms),
                )
            data = {
                "language": result.language,
                "settings": result.settings,
                "segments": [asdict(_shift(s, start_ms)) for s in result.segments],
            }
            write_json_atomic(saved, data)
            if chunk_audio != audio:
                chunk_audio.unlink(missing_ok=True)
        if language is None:
            # Detect once, on the first chunk, and hold it for the rest of the recording.
            language = data["language"]
            write_text_atomic(ctx.work_dir / "language.txt", language)
        result_settings = data["settings"]
        segments.extend(_segment_from_dict(s) for s in data["segments"])
        clock.report(end_ms)
    write_json_atomic(
        ctx.work_dir / "transcription.json",
        {
            "language": language,
            "model": transcriber.name,
            "settings": result_settings,
            "segments": [asdict(s) for s in segments],
        },
    )
    return {
        "segments": len(segments),
        "language": language,
        "chunks": len(chunks),
        "model": transcriber.name,
    }


def _shift(segment: TranscribedSegment, offset_ms: int) -> TranscribedSegment:
    if not offset_ms:
        return segment
    segment.start_ms += offset_ms
    segment.end_ms += offset_ms
    segment.words = [
        Word(w.start_ms + offset_ms, w.end_ms + offset_ms, w.text, w.probability)
        for w in segment.words
    ]
    return segment


def _read_language(ctx: RunContext) -> str | None:
    saved = ctx.work_dir / "language.txt"
    return saved.read_text(encoding="utf-8").strip() if saved.exists() else None


def _programme_prompt(ctx: RunContext) -> str | None:
    # Only proper nouns: the programme's people and affiliations, then the series'
    # glossary (core.glossary.hot_words), within `hotwords_max_chars`; long titles
    # in the prompt, or simply too many names, were measured to make Whisper skip
    # whole turns of speech.
    with ctx.catalogue.session() as db:
        session = get_session(db, ctx.session_slug, include_drafts=True)
        programme = [(p.person.name, p.affiliation) for p in session_people(session)]
        terms = list_terms(db, session.series) if session.series is not None else []
        names = [t.term for t in terms if t.kind == "person"]
        known = db.execute(select(Person.name, Person.affiliation).where(Person.name.in_(names)))
        words = hot_words(programme, terms, ctx.settings.hotwords_max_chars, dict(known.all()))
    return ", ".join(words) + "." if words else None


def _segment_from_dict(data: dict) -> TranscribedSegment:
    words = [Word(**w) for w in data.get("words", [])]
    return TranscribedSegment(**{**data, "words": words})


def load_segments(path: Path) -> tuple[str, dict, list[TranscribedSegment]]:
    """Read an intermediate segments file: (language, metadata, segments)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    meta = {k: v for k, v in data.items() if k != "segments"}
    return data["language"], meta, [_segment_from_dict(s) for s in data["segments"]]


def save_segments(
    path: Path, language: str, meta: dict, segments: list[TranscribedSegment]
) -> None:
    """Write an intermediate segments file atomically."""
    write_json_atomic(
        path, {**meta, "language": language, "segments": [asdict(s) for s in segments]}
    )


def step_import(ctx: RunContext) -> dict:
    """Read an existing transcript file instead of running Whisper."""
    from ingest.subtitles import read_transcript_file

    path = Path(ctx.params["transcript_file"])
    segments = read_transcript_file(path)
    language = ctx.params.get("language") or _session_language(ctx)
    save_segments(
        ctx.work_dir / "cleaned.json",
        language,
        {"model": f"import:{path.suffix.lstrip('.')}", "settings": {"file": path.name}},
        segments,
    )
    return {"segments": len(segments), "file": path.name}


def _session_language(ctx: RunContext) -> str:
    with ctx.catalogue.session() as db:
        return get_session(db, ctx.session_slug, include_drafts=True).language or "fr"


def step_clean(ctx: RunContext) -> dict:
    """Drop hallucinations, repetition loops and non-speech."""
    language, meta, segments = load_segments(ctx.work_dir / "transcription.json")
    hot_words = (meta.get("settings") or {}).get("initial_prompt")
    # All noise gives an honest empty transcript.
    cleaned = clean_segments(segments, language, hot_words)
    save_segments(ctx.work_dir / "cleaned.json", language, meta, cleaned)
    return {"kept": len(cleaned), "dropped": len(segments) - len(cleaned)}


def step_diarize(ctx: RunContext) -> dict:
    """Find who speaks when by voice; record why not when it is off or its model is missing."""
    from ingest.errors import IngestError, ModelError

    target = ctx.work_dir / "diarization.json"
    reason = None
    if not ctx.settings.diarization:
        reason = "diarization is turned off (setting `diarization`)"
    else:
        factory = ctx.diarizer_factory or default_diarizer_factory(ctx.settings)
        try:
            diarizer = factory()
            found = diarizer(
                ctx.work_dir / "audio.wav",
                progress=lambda fraction: ctx.report("diarize", min(1.0, fraction), None),
            )
        except (ImportError, ModelError) as exc:
            reason = f"the voice model is not available ({exc})"
    if reason is not None:
        if ctx.params.get("rediarize"):
            raise IngestError(f"cannot find the voices again: {reason}")
        log.warning("job %s: voices not recognised: %s", ctx.job_id, reason)
        write_json_atomic(target, {"skipped": reason})
        return {"skipped": reason}
    write_diarization(target, found)
    return {"model": found.model, "voices": len(found.voices), "turns": len(found.turns)}


def step_current(ctx: RunContext) -> dict:
    """Take the session's current transcript as it stands (corrections included) to re-attribute."""
    with ctx.catalogue.session() as db:
        session = get_session(db, ctx.session_slug, include_drafts=True)
        language, meta, segments = current_segments(db, session)
    save_segments(ctx.work_dir / "cleaned.json", language, meta, segments)
    return {"segments": len(segments), "version": meta["version"]}


def step_speakers(ctx: RunContext) -> dict:
    """Attribute segments to speakers: typed offsets first, then the voices and their names."""
    language, meta, segments = load_segments(ctx.work_dir / "cleaned.json")
    diarization = read_diarization(ctx.work_dir / "diarization.json")
    with ctx.catalogue.session() as db:
        session = get_session(db, ctx.session_slug, include_drafts=True)
        slots = programme_slots(session)
        known = known_voices(db, session, diarization.model) if diarization else KnownVoices()
    turns = programme_turns(slots)
    named_in_file = any(s.speaker_name for s in segments)
    if named_in_file:
        attributed = segments  # an imported file that names its speakers wins
    else:
        attributed = attribute_speakers(segments, turns)
    produced: dict = {}
    if diarization is not None and not named_in_file:
        end_ms = max([t.end_ms for t in diarization.turns] + [s.end_ms for s in segments] + [0])
        naming = name_voices(
            diarization.turns,
            diarization.voices,
            slots,
            turns,
            end_ms=end_ms,
            kept=carry_confirmed(diarization.turns, known.old_segments, known.confirmed),
            voiceprints=known.voiceprints,
            threshold=ctx.settings.voiceprint_threshold,
        )
        attributed = assign_voices(attributed, diarization.turns, naming.names)
        meta = {**meta, "voices": naming_record(diarization, naming)}
        produced = {
            "voices": len(diarization.voices),
            "named": len(naming.names),
            "named_by": naming.summary(),
            "proposals": {k: [p.person_slug, p.score] for k, p in naming.proposals.items()},
        }
    save_segments(ctx.work_dir / "attributed.json", language, meta, attributed)
    named = sum(1 for s in attributed if s.speaker_slug or s.speaker_name)
    return {"segments": len(attributed), "attributed": named, "turns": len(turns), **produced}


def step_store(ctx: RunContext) -> dict:
    """Store the transcript as the session's next version, with the job, in one transaction."""
    language, meta, segments = load_segments(ctx.work_dir / "attributed.json")
    with ctx.catalogue.session() as db:
        job = db.get(Job, ctx.job_id)
        if "store" in (job.steps_done or {}):  # stored by a run that died right after
            return job.steps_done["store"]
        session = get_session(db, ctx.session_slug, include_drafts=True)
        recording = db.get(Recording, ctx.recording_id)
        if ctx.params.get("created_session") and not ctx.params.get("language"):
            session.language = language  # a draft made from a file name learns its language
        source = "import" if ctx.params.get("transcript_file") else "whisper"
        transcript = store_transcript(
            db,
            session,
            segments,
            language=language,
            model=meta.get("model", ""),
            source=meta.get("source", source),
            settings=meta.get("settings", {}),
            recording=recording,
            author=ctx.params.get("author", ""),
            note=ctx.params.get("note", ""),
        )
        if "voices" in meta:  # this run found voices: they replace the session's earlier ones
            replace_session_voices(db, session, meta["voices"])
        produced = {
            "transcript_id": transcript.id,
            "version": transcript.version,
            "segments": len(segments),
        }
        job.steps_done = {**(job.steps_done or {}), "store": produced}
    return produced


def step_export(ctx: RunContext) -> dict:
    """Write the stored version's VTT, SRT, TXT and JSON beside the recording."""
    from ingest.exports import EXPORT_FORMATS, export_transcript

    with ctx.catalogue.session() as db:
        session = get_session(db, ctx.session_slug, include_drafts=True)
        view = export_view(db, session)
    folder = ctx.settings.home / "exports" / ctx.session_slug
    written = []
    for fmt, (_mimetype, extension) in EXPORT_FORMATS.items():
        target = folder / f"v{view.version}{extension}"
        write_text_atomic(target, export_transcript(view, fmt))
        written.append(relative_to_home(ctx.settings, target))
    return {"files": written}


def step_index(ctx: RunContext) -> dict:
    """Update the search index for this session only."""
    if ctx.indexer is None:
        return {"indexed": False}
    ctx.indexer(ctx.session_slug)
    return {"indexed": True}
