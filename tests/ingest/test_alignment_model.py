"""Corrected words timed by the real base model on real French speech (FLEURS, slow).

Two FLEURS clips are transcribed by base with word timestamps and stored as a
session's current version; archivists then fix what base misheard (the clips'
reference transcripts say what was said). Each corrected word must start within
0.2 s of when base heard the word it replaces, and the even spread it had
before alignment must have been further off. FLEURS dataset, Google, CC BY 4.0.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from core.catalogue import open_catalogue
from core.catalogue.queries import (
    current_transcript,
    get_session,
    latest_recording,
    transcript_segments,
    words_of,
)
from core.catalogue.transcripts import store_transcript
from core.contracts import TranscribedSegment, Word
from core.corrections import Changes, save_changes
from core.timing import ALIGNED, estimate_words
from tests.portal.builders import SLUG, build_archive
from tests.support.media_factory import french_clips_recording, require_shared_media, to_wav

pytestmark = pytest.mark.slow

TOLERANCE_MS = 200  # issue 12: a corrected word's time within 0.2 s of when it was spoken
# Misheard in fleurs-fr-001/-009 (what base hears varies with the audio's path through
# ffmpeg) and what the speakers said (the references): the first found is fixed.
REAL_FIXES = [
    ("atletes", "athlètes"),
    ("Lusok", "l'USOC"),
    ("bénais", "Bennet"),
    ("béné", "Bennet"),
]


@dataclass
class Heard:
    """The archive, and the words base heard (recording ms) as stored in version 2."""

    home: Path
    segments: list[TranscribedSegment]


@dataclass
class Fix:
    """Words of one segment replaced, one for one, by respelled ones said the same way."""

    position: int
    first: int  # index of the first replaced word among base's words
    new: list[str]

    def text(self, heard: Heard) -> str:
        words = [w.text.strip() for w in heard.segments[self.position].words]
        words[self.first : self.first + len(self.new)] = self.new
        return " ".join(words)


@pytest.fixture(scope="module")
def heard(tmp_path_factory: pytest.TempPathFactory) -> Heard:
    from ingest.transcribe import make_transcriber

    shared = require_shared_media()
    folder = tmp_path_factory.mktemp("realign")
    audio = folder / "two-clips.m4a"
    french_clips_recording(audio, shared, ["fleurs-fr-001", "fleurs-fr-009"])
    built = build_archive(folder / "home", media_source=audio)
    result = make_transcriber("base", built.settings).transcribe(
        to_wav(audio, folder / "two-clips.wav"), language="fr"
    )
    catalogue = open_catalogue(built.settings)
    with catalogue.session() as db:
        session = get_session(db, SLUG)
        store_transcript(
            db,
            session,
            result.segments,
            language="fr",
            model="base",
            recording=latest_recording(db, session),
        )
    catalogue.dispose()
    return Heard(built.settings.home, result.segments)


def _plain(word: Word) -> bool:
    return word.text.strip().isalpha() and len(word.text.strip()) >= 3


def _respelled(token: str) -> str:
    # An agreement fix ("servi" -> "servis"): a new spelling, the same sound (a silent s).
    return token[:-1] if token.endswith("s") and len(token) > 3 else token + "s"


def _credible(words: list[Word], first: int, count: int) -> bool:
    """Say whether base's times around words[first:first+count] can be trusted as truth.

    Plain words, away from the segment's edges and from pauses over 1 s, where
    Whisper stretches a word over the silence next to it.
    """
    if first < 1 or first + count + 1 > len(words):
        return False
    around = words[first - 1 : first + count + 1]
    pauses = [b.start_ms - a.end_ms for a, b in zip(around, around[1:], strict=False)]
    longest = max(w.end_ms - w.start_ms for w in around)
    plain = all(_plain(w) for w in words[first : first + count])
    return plain and max(pauses) < 1000 and longest < 1000


def _fixes(heard: Heard) -> tuple[Fix, Fix]:
    """Return a real fix of one misheard word (else a respelled name) and a 3-word fix.

    The three words are chosen, inside the longest segment and away from its edges,
    where an even spread by length is furthest from when they were said.
    """
    order = sorted(range(len(heard.segments)), key=lambda p: -len(heard.segments[p].words))
    longest = heard.segments[order[0]]
    best, worst_ms = 1, -1
    for first in range(len(longest.words)):
        if not _credible(longest.words, first, 3):
            continue
        run = longest.words[first : first + 3]
        spread = estimate_words(" ".join(w.text for w in run), run[0].start_ms, run[-1].end_ms)
        error_ms = max(abs(a.start_ms - w.start_ms) for a, w in zip(spread, run, strict=True))
        if error_ms > worst_ms:
            best, worst_ms = first, error_ms
    run = longest.words[best : best + 3]
    multi = Fix(order[0], best, [_respelled(w.text.strip()) for w in run])
    for old, new in REAL_FIXES:
        for position in order[1:]:
            words = heard.segments[position].words
            said = [w.text.strip(" ,.") for w in words]
            if old in said and _credible(words, said.index(old), 1):
                return Fix(position, said.index(old), [new]), multi
    words = heard.segments[order[1]].words
    middle = next(i for i in range(len(words) // 2, len(words)) if _credible(words, i, 1))
    return Fix(order[1], middle, [_respelled(words[middle].text.strip())]), multi


def _words(catalogue, position: int) -> list[Word]:
    with catalogue.session() as db:
        transcript = current_transcript(db, get_session(db, SLUG))
        return list(words_of(transcript_segments(db, transcript)[position]))


def _errors(heard: Heard, fix: Fix, words: list[Word]) -> list[int]:
    """Return how far (ms) each replacing word starts from when base heard its word."""
    said = heard.segments[fix.position].words[fix.first : fix.first + len(fix.new)]
    placed = [next(w for w in words if w.text == new) for new in fix.new]
    return [abs(p.start_ms - s.start_ms) for p, s in zip(placed, said, strict=True)]


@pytest.fixture
def home(heard: Heard, tmp_path: Path) -> Path:
    """A private copy of the archive (base's version 2 current) for a test to correct."""
    shutil.copytree(heard.home, tmp_path / "home")
    return tmp_path / "home"


def test_corrected_words_are_timed_where_they_were_said(heard: Heard, home: Path) -> None:
    from core.settings import load_settings
    from worker.tasks import build_tasks

    settings = load_settings(test_config={"ARCHIVE_HOME": str(home)})
    catalogue = open_catalogue(settings)
    fixes = _fixes(heard)
    with catalogue.session() as db:
        texts = {fix.position: fix.text(heard) for fix in fixes}
        save_changes(db, get_session(db, SLUG), 2, Changes(texts=texts), "ada")
    before = [_errors(heard, fix, _words(catalogue, fix.position)) for fix in fixes]
    build_tasks(settings, catalogue, immediate=True).realign_session(SLUG)  # the real model
    after = [_errors(heard, fix, _words(catalogue, fix.position)) for fix in fixes]
    report = [
        f"{' '.join(fix.new)}: aligned {a} ms, estimated {b} ms"
        for fix, a, b in zip(fixes, after, before, strict=True)
    ]
    print("\n" + "\n".join(report))  # quoted in the README (pytest -s)
    for fix in fixes:
        words = [w for w in _words(catalogue, fix.position) if w.text in fix.new]
        assert all(w.probability == ALIGNED for w in words), report
    assert max(max(errors) for errors in after) <= TOLERANCE_MS, report
    assert max(before[1]) > max(after[1]), report  # the spread by length was further off
    # Words nobody changed keep base's times: the segment's first word, for one.
    kept, said = _words(catalogue, fixes[1].position)[0], heard.segments[fixes[1].position].words[0]
    assert (kept.start_ms, kept.end_ms) == (said.start_ms, said.end_ms)
    with catalogue.session() as db:
        assert current_transcript(db, get_session(db, SLUG)).version == 3  # no new version
    catalogue.dispose()


def test_archive_replace_times_the_new_words_from_the_recording(heard: Heard, home: Path) -> None:
    from cli import main
    from core.settings import load_settings

    settings = load_settings(test_config={"ARCHIVE_HOME": str(home)})
    catalogue = open_catalogue(settings)
    _, fix = _fixes(heard)
    said = heard.segments[fix.position].words[fix.first : fix.first + 3]
    old = " ".join(w.text.strip() for w in said)
    result = CliRunner().invoke(
        main, ["--home", str(home), "replace", old, " ".join(fix.new), "--session", SLUG]
    )
    assert result.exit_code == 0, result.output
    assert "word(s) timed from the recording" in result.output, result.output
    errors = _errors(heard, fix, _words(catalogue, fix.position))
    assert max(errors) <= TOLERANCE_MS, errors
    catalogue.dispose()
