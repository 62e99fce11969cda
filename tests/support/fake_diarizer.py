"""A scripted diarizer for pipeline tests: the voices and turns are given, not heard."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.contracts import Diarization, TranscribedSegment, Voice, VoiceTurn, Word

MODEL = "resemblyzer-0.1.4"
DIMENSIONS = 256


def unit_vector(seed: int) -> tuple[float, ...]:
    """Return a reproducible random unit embedding; different seeds are nearly orthogonal."""
    vector = np.random.default_rng(seed).standard_normal(DIMENSIONS)
    return tuple(float(x) for x in vector / np.linalg.norm(vector))


def blend(a: Sequence[float], b: Sequence[float], weight_b: float) -> tuple[float, ...]:
    """Return the unit vector between a and b: its cosine with b grows with weight_b."""
    mixed = (1 - weight_b) * np.asarray(a) + weight_b * np.asarray(b)
    return tuple(float(x) for x in mixed / np.linalg.norm(mixed))


class ScriptedDiarizer:
    """Return the given turns for any audio; each voice's embedding from `embeddings` or a seed."""

    def __init__(
        self,
        turns: Sequence[tuple[int, int, str]],
        embeddings: dict[str, Sequence[float]] | None = None,
        model: str = MODEL,
        fail_with: Exception | None = None,
    ) -> None:
        self.turns = tuple(VoiceTurn(start, end, voice) for start, end, voice in turns)
        self.embeddings = dict(embeddings or {})
        self.model = model
        self.fail_with = fail_with
        self.calls: list[Path] = []

    def __call__(
        self, audio: Path, *, progress: Callable[[float], None] | None = None
    ) -> Diarization:
        """Record the call, report progress, and return the script."""
        self.calls.append(Path(audio))
        if self.fail_with is not None:
            raise self.fail_with
        if progress is not None:
            progress(1.0)
        labels = list(dict.fromkeys(t.voice for t in self.turns))
        voices = tuple(
            Voice(
                label,
                tuple(self.embeddings.get(label) or unit_vector(1000 + int(label))),
                sum(t.end_ms - t.start_ms for t in self.turns if t.voice == label),
            )
            for label in labels
        )
        return Diarization(self.model, self.turns, voices)

    def factory(self) -> Callable[[], ScriptedDiarizer]:
        """Return a diarizer factory for `run_job(diarizer_factory=…)`."""
        return lambda: self


# A synthetic seminar: talks in programme order, the chair between them, questions
# from the floor, Whisper-like segments that sometimes run over a change of
# speaker, and diarization turns with jittered edges and short wrong blips.
FILLER = (
    "la ville les données nous avons un projet pour les collectivités avec des "
    "services publics et une plateforme de mesure sur le territoire"
).split()
KEYWORDS = (
    "tramway", "cadastre", "capteurs", "inondation", "foncier",
    "scooters", "usagers", "gouvernance", "algorithme", "mobilité",
)  # fmt: skip
FLOOR = "floor"  # the truth for a question from the floor (prefix): nobody in the programme


@dataclass
class SyntheticSession:
    """A scripted recording: what Whisper hears, what diarization finds, and who really spoke."""

    segments: list[TranscribedSegment]
    turns: list[tuple[int, int, str]]
    truth: list[str]  # per word, in segment order: a person slug or FLOOR
    keywords: dict[str, str]  # person slug -> a word only their talk contains


def synthetic_session(
    people: Sequence[str],
    *,
    seed: int = 7,
    talk_s: tuple[int, int] = (45, 90),
    questions: int = 1,
    jitter_ms: int = 400,
    blips: float = 0.02,
) -> SyntheticSession:
    """Compose a seminar where each person talks in programme order, the first one chairing."""
    rng = random.Random(seed)
    speech: list[tuple[str, list[str]]] = []  # (who, words) sentence by sentence
    keywords = {slug: KEYWORDS[i % len(KEYWORDS)] for i, slug in enumerate(people)}

    def talk(who: str, seconds: int, keyword: str | None = None) -> None:
        spoken = 0.0
        while spoken < seconds:
            words = [rng.choice(FILLER) for _ in range(rng.randint(8, 25))]
            if keyword and not speech or keyword and speech[-1][0] != who:
                words.insert(2, keyword)
            speech.append((who, words))
            spoken += len(words) * 0.38

    for index, slug in enumerate(people):
        if index > 0 and people[0] != slug:
            talk(people[0], rng.randint(6, 12))  # the chair hands over
        talk(slug, rng.randint(*talk_s), keywords[slug])
        for _ in range(questions if index > 0 else 0):
            talk(f"{FLOOR}-{rng.randint(1, 3)}", rng.randint(3, 8))  # three people ask
            talk(slug, rng.randint(8, 15))
    return _render(speech, rng, jitter_ms, blips, keywords)


def _render(
    speech: list[tuple[str, list[str]]],
    rng: random.Random,
    jitter_ms: int,
    blips: float,
    keywords: dict[str, str],
) -> SyntheticSession:
    clock = 1_000
    timed: list[tuple[str, list[Word]]] = []
    for who, words in speech:
        if timed and timed[-1][0] != who:
            clock += rng.randint(300, 900)  # a change of speaker falls in a pause
        sentence = []
        for token in words:
            length = rng.randint(250, 500)
            sentence.append(Word(clock, clock + length, token, 0.9))
            clock += length + rng.randint(20, 120)
        timed.append((who, sentence))
        clock += rng.randint(150, 600)
    # Whisper: one segment per sentence, but now and then it runs on into the next speaker.
    segments: list[TranscribedSegment] = []
    truth: list[str] = []
    carry: list[tuple[str, Word]] = []
    for number, (who, sentence) in enumerate(timed):
        pieces = carry + [(who, w) for w in sentence]
        carry = []
        following = timed[number + 1] if number + 1 < len(timed) else None
        if following and following[0] != who and rng.random() < 0.3:
            take = rng.randint(1, min(4, len(following[1]) - 1))
            pieces += [(following[0], w) for w in following[1][:take]]
            timed[number + 1] = (following[0], following[1][take:])
        words = [w for _who, w in pieces]
        segments.append(
            TranscribedSegment(words[0].start_ms, words[-1].end_ms,
                               " ".join(w.text for w in words), words, confidence=0.9)
        )  # fmt: skip
        truth.extend(who for who, _w in pieces)
    # Diarization: each speaker's stretch as a turn, edges jittered, some short blips wrong.
    stretches: list[list] = []
    for who, words in zip(truth, [w for s in segments for w in s.words], strict=True):
        if stretches and stretches[-1][0] == who:
            stretches[-1][2] = words.end_ms
        else:
            stretches.append([who, words.start_ms, words.end_ms])
    labels: dict[str, str] = {}
    turns: list[tuple[int, int, str]] = []
    for index, (who, start, end) in enumerate(stretches):
        label = labels.setdefault(who, str(len(labels) + 1))
        if index:
            start += rng.randint(-jitter_ms, jitter_ms)
            turns[-1] = (turns[-1][0], start, turns[-1][2])
        turns.append((start, end, label))
    noisy: list[tuple[int, int, str]] = []
    for start, end, label in turns:
        if end - start > 20_000 and rng.random() < blips * (end - start) / 1_000:
            cut = rng.randint(start + 5_000, end - 5_000)
            other = rng.choice([v for v in labels.values() if v != label] or [label])
            blip = rng.randint(800, 2_000)
            noisy += [(start, cut, label), (cut, cut + blip, other), (cut + blip, end, label)]
        else:
            noisy.append((start, end, label))
    return SyntheticSession(segments, noisy, truth, keywords)
