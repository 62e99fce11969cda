"""A small hand-made archive: two French sessions, one English, hostile text, a hidden segment."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import pytest

from index.documents import SegmentDocument, WordTiming
from index.writer import rebuild, replace_session

WORD_MS = 400  # every test word lasts 400 ms, so word k of a segment starts at start + 400 k

SESSIONS = {
    "conseil-2018": dict(
        session_title="Conseil du 14 mars 2018",
        language="fr",
        series_slug="conseil-municipal",
        series_title="Conseil municipal",
        session_date=date(2018, 3, 14),
    ),
    "urbanisme-2019": dict(
        session_title="Atelier d'urbanisme",
        language="fr",
        series_slug="ateliers",
        series_title="Ateliers d'urbanisme",
        session_date=date(2019, 6, 1),
    ),
    "london-2020": dict(
        session_title="London meeting",
        language="en",
        series_slug="conseil-municipal",
        series_title="Conseil municipal",
        session_date=date(2020, 1, 10),
    ),
}
SPEAKERS = {
    "jean-dupont": ("Jean Dupont", "CNRS"),
    "marie-curie": ("Marie Curie", "Université de Lyon"),
    "paul-martin": ("Paul Martin", "Ville de Paris"),
    "john-smith": ("John Smith", "City of London"),
}
# (segment id, session, speaker, start_ms, text)
SEGMENTS = [
    (
        1,
        "conseil-2018",
        "jean-dupont",
        0,
        "Bonjour à tous, la séance du conseil municipal est ouverte.",
    ),
    (
        2,
        "conseil-2018",
        "marie-curie",
        10_000,
        "Nous parlerons des expérimentations urbaines menées à Lyon.",
    ),
    (
        3,
        "conseil-2018",
        "jean-dupont",
        20_000,
        "L'urbanisme de la ville de Paris reste notre priorité.",
    ),
    (
        4,
        "conseil-2018",
        "marie-curie",
        30_000,
        "Les expérimentations ont échoué à Paris mais pas à Lyon.",
    ),
    (10, "urbanisme-2019", "paul-martin", 0, "Le plan local d'urbanisme sera révisé cette année."),
    (
        11,
        "urbanisme-2019",
        "paul-martin",
        8_000,
        "Une expérimentation de végétalisation des toits commence.",
    ),
    (
        12,
        "urbanisme-2019",
        "marie-curie",
        16_000,
        "<script>alert('x')</script> Le conseil a voté & adopté le budget.",
    ),
    (
        20,
        "london-2020",
        "john-smith",
        0,
        "The councils are running new experiments in urban planning.",
    ),
    (21, "london-2020", "john-smith", 9_000, "Meeting minutes were approved by the council."),
]
HIDDEN = (
    5,
    "conseil-2018",
    "jean-dupont",
    40_000,
    "Ce passage confidentiel ne doit pas apparaître.",
)


def make_doc(
    segment_id: int, session: str, speaker: str | None, start_ms: int, text: str, **extra
) -> SegmentDocument:
    """Build a segment whose words are timed WORD_MS apart from `start_ms`."""
    words = tuple(
        WordTiming(start_ms + k * WORD_MS, start_ms + (k + 1) * WORD_MS, word)
        for k, word in enumerate(text.split())
    )
    name, org = SPEAKERS[speaker] if speaker else (None, None)
    fields = dict(
        segment_id=segment_id,
        session_slug=session,
        start_ms=start_ms,
        end_ms=start_ms + len(words) * WORD_MS,
        text=text,
        words=words,
        speaker_slug=speaker,
        speaker_name=name,
        affiliation=org,
        item_title="Ouverture",
        **SESSIONS[session],
    )
    fields.update(extra)
    return SegmentDocument(**fields)


def corpus_docs() -> list[SegmentDocument]:
    """Return the archive's segments, the unpublished one included."""
    docs = [make_doc(*row) for row in SEGMENTS]
    return docs + [make_doc(*HIDDEN, published=False)]


@pytest.fixture
def index_dir(tmp_path: Path) -> Path:
    """An index of the small archive."""
    path = tmp_path / "index"
    rebuild(path, corpus_docs())
    return path


WORDS = "ville conseil budget école projet quartier vélo parc marché rue place pont".split()


def random_sentence(rng: random.Random) -> str:
    # A sentence each: one segment is one passage (index.documents), so hits name documents.
    words = rng.choices(WORDS, weights=range(len(WORDS), 0, -1), k=rng.randint(3, 25))
    return " ".join(words) + "."


@pytest.fixture(scope="module")
def busy_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Several hundred segments: multi-block posting lists, two segments, deletions."""
    rng = random.Random(3)
    path = tmp_path_factory.mktemp("busy")
    sessions = ["conseil-2018", "urbanisme-2019"]
    rebuild(
        path,
        [
            make_doc(i, sessions[i % 2], "jean-dupont", i * 1000, random_sentence(rng))
            for i in range(600)
        ],
    )
    replace_session(
        path,
        "urbanisme-2019",
        [
            make_doc(1000 + i, "urbanisme-2019", "paul-martin", i * 1000, random_sentence(rng))
            for i in range(150)
        ],
    )
    return path
