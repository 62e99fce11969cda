"""The catalogue: importing manifests (upsert, never duplicate), reading it, storing transcripts."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import yaml
from sqlalchemy import func, select

from core.catalogue import Appearance, Catalogue, Person, ProgrammeItem, Series, Session
from core.catalogue.importer import apply_manifest
from core.catalogue.queries import (
    current_transcript,
    export_view,
    get_session,
    item_at,
    list_sessions,
    session_people,
    session_summaries,
    transcript_segments,
    transcript_version,
)
from core.catalogue.schema import Segment, Transcript
from core.catalogue.transcripts import store_transcript
from core.contracts import TranscribedSegment, Word
from core.manifest import load_manifest
from tests.conftest import SEED_MANIFEST, SESSION4


def _import(catalogue: Catalogue, path: Path):
    with catalogue.session() as db:
        return apply_manifest(db, load_manifest(path))


def _counts(catalogue: Catalogue) -> dict[str, int]:
    with catalogue.session() as db:
        return {
            model.__name__: db.scalar(select(func.count()).select_from(model))
            for model in (Series, Person, Session, ProgrammeItem, Appearance)
        }


def _seed_with(tmp_path: Path, change) -> Path:
    """Write a copy of the seed manifest modified by change(raw_dict)."""
    raw = yaml.safe_load(SEED_MANIFEST.read_text(encoding="utf-8"))
    change(raw)
    path = tmp_path / "overlay.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_import_creates_the_seed_seminar(catalogue: Catalogue) -> None:
    report = _import(catalogue, SEED_MANIFEST)
    assert report.summary() == "1 series, 10 people, 4 sessions created"
    assert _counts(catalogue) == {
        "Series": 1,
        "Person": 10,
        "Session": 4,
        "ProgrammeItem": 7,
        "Appearance": 10,
    }
    with catalogue.session() as db:
        session = get_session(db, SESSION4)
        assert session.series.slug == "ville-intelligente-cycle-2"
        assert session.date == dt.date(2018, 1, 29)
        halbert = session.items[-1].appearances[0]
        assert (halbert.person.name, halbert.affiliation, halbert.role) == (
            "Ludovic Halbert",
            "LATTS",
            "discussant",
        )


def test_reimport_updates_and_never_duplicates(tmp_path: Path, seeded_catalogue: Catalogue) -> None:
    before = _counts(seeded_catalogue)

    def change(raw: dict) -> None:
        raw["people"][6]["affiliation"] = "Tenevia SAS"  # arnaud-brun
        raw["sessions"][1]["title"] = "Modèles et big data (nouveau titre)"

    report = _import(seeded_catalogue, _seed_with(tmp_path, change))
    assert report.created == {}
    assert {kind: len(slugs) for kind, slugs in report.updated.items()} == {
        "series": 1,
        "people": 10,
        "sessions": 4,
    }
    assert _counts(seeded_catalogue) == before
    with seeded_catalogue.session() as db:
        assert get_session(db, "2017-05-04-modeles-et-big-data").title.endswith("(nouveau titre)")
        session = get_session(db, SESSION4)
        brun = next(sp for sp in session_people(session) if sp.person.slug == "arnaud-brun")
        assert brun.affiliation == "Tenevia SAS"


def test_reimport_with_start_offsets_sets_them_and_keeps_them_when_omitted(
    tmp_path: Path, seeded_catalogue: Catalogue
) -> None:
    def add_offsets(raw: dict) -> None:
        programme = raw["sessions"][3]["programme"]
        programme[0]["speakers"][1]["start"] = "0:03:00"
        programme[2]["start"] = "0:20:00"

    _import(seeded_catalogue, _seed_with(tmp_path, add_offsets))
    _import(seeded_catalogue, SEED_MANIFEST)  # the original gives no offsets: they stay
    with seeded_catalogue.session() as db:
        session = get_session(db, SESSION4)
        assert session.items[2].start_ms == 1_200_000
        assert item_at(session, 1_199_999) is None
        assert item_at(session, 1_500_000).title.startswith("Applications")
    # Appearances are rebuilt from the file, so a person's own offset follows the file.
    with seeded_catalogue.session() as db:
        menard = db.scalar(select(Appearance).join(Person).where(Person.slug == "francois-menard"))
        assert menard.start_ms is None


def test_reimport_with_a_shorter_programme_drops_the_extra_items(
    tmp_path: Path, seeded_catalogue: Catalogue
) -> None:
    def shorten(raw: dict) -> None:
        raw["sessions"][3]["programme"] = raw["sessions"][3]["programme"][:2]

    _import(seeded_catalogue, _seed_with(tmp_path, shorten))
    with seeded_catalogue.session() as db:
        assert [i.title for i in get_session(db, SESSION4).items] == [
            "Ouverture",
            "Introduction scientifique",
        ]
        assert db.scalar(select(func.count()).select_from(Appearance)) == 4


def test_manifest_may_refer_to_people_and_series_already_in_the_catalogue(
    tmp_path: Path, seeded_catalogue: Catalogue
) -> None:
    path = tmp_path / "extra.yaml"
    path.write_text(
        textwrap.dedent("""
        sessions:
          - slug: 2018-06-01-bilan
            series: ville-intelligente-cycle-2
            title: Bilan du cycle
            draft: true
            programme:
              - {title: Conclusions, speakers: [gilles-jeannot]}
    """),
        encoding="utf-8",
    )
    report = _import(seeded_catalogue, path)
    assert report.created == {"sessions": ["2018-06-01-bilan"]}
    with seeded_catalogue.session() as db:
        assert get_session(db, "2018-06-01-bilan") is None  # drafts hidden from viewers
        draft = get_session(db, "2018-06-01-bilan", include_drafts=True)
        assert draft.items[0].appearances[0].affiliation == "LATTS"
        assert [s.slug for s in list_sessions(db)] == [
            SESSION4,
            "2017-09-19-transparence-generalisee-filtrage-ou-deformation",
            "2017-05-04-modeles-et-big-data",
            "2017-01-27-politiques-de-la-ville-intelligente",
        ]
        assert len(list_sessions(db, include_drafts=True)) == 5


def test_session_people_lists_each_person_once_with_their_affiliation_then(
    seeded_catalogue: Catalogue,
) -> None:
    with seeded_catalogue.session() as db:
        people = session_people(get_session(db, SESSION4))
    assert [(p.person.slug, p.affiliation, p.roles) for p in people][:2] == [
        ("gilles-jeannot", "LATTS", ("speaker",)),
        ("francois-menard", "PUCA", ("speaker",)),
    ]
    assert len(people) == 10
    assert people[-1].roles == ("discussant",)


def _segments() -> list[TranscribedSegment]:
    return [
        TranscribedSegment(
            0,
            2_000,
            "Bonjour à tous.",
            [Word(0, 800, "Bonjour", 0.9), Word(900, 2_000, "à tous.", 0.8)],
            confidence=0.85,
            speaker_slug="gilles-jeannot",
        ),
        TranscribedSegment(
            2_500, 4_000, "Merci Gilles.", [], confidence=0.7, speaker_name="François Ménard"
        ),
        TranscribedSegment(4_000, 5_000, "Qui parle ?", [], speaker_slug="nobody-known"),
    ]


def test_store_transcript_adds_versions_and_keeps_earlier_ones(seeded_catalogue: Catalogue) -> None:
    with seeded_catalogue.session() as db:
        session = get_session(db, SESSION4)
        first = store_transcript(db, session, _segments(), language="fr", model="base")
    with seeded_catalogue.session() as db:
        session = get_session(db, SESSION4)
        second = store_transcript(
            db,
            session,
            _segments()[:1],
            language="fr",
            model="edit",
            source="edit",
            author="archiviste",
            note="corrigé",
        )
    assert (first.version, second.version) == (1, 2)
    with seeded_catalogue.session() as db:
        session = get_session(db, SESSION4)
        assert current_transcript(db, session).version == 2
        old = transcript_version(db, session, 1)
        segments = transcript_segments(db, old)
        assert [s.text for s in segments] == ["Bonjour à tous.", "Merci Gilles.", "Qui parle ?"]
        # Speakers resolve by slug, or by the name an imported file gave; unknown stays unknown.
        assert [s.speaker.slug if s.speaker else None for s in segments] == [
            "gilles-jeannot",
            "francois-menard",
            None,
        ]
        assert segments[0].words == [[0, 800, "Bonjour", 0.9], [900, 2000, "à tous.", 0.8]]
        assert db.scalar(select(func.count()).select_from(Segment)) == 4
        assert db.scalar(select(Transcript.author).where(Transcript.version == 2)) == "archiviste"


def test_export_view_resolves_speakers_and_affiliations(seeded_catalogue: Catalogue) -> None:
    with seeded_catalogue.session() as db:
        session = get_session(db, SESSION4)
        assert export_view(db, session) is None  # nothing to export yet
        store_transcript(db, session, _segments(), language="fr", model="base")
    with seeded_catalogue.session() as db:
        view = export_view(db, get_session(db, SESSION4))
    assert (view.session_slug, view.version, view.language, view.session_date) == (
        SESSION4,
        1,
        "fr",
        "2018-01-29",
    )
    first, second, third = view.segments
    assert (first.speaker_name, first.affiliation, first.words[1].text) == (
        "Gilles Jeannot",
        "LATTS",
        "à tous.",
    )
    assert (second.speaker_slug, second.affiliation) == ("francois-menard", "PUCA")
    assert third.speaker_slug is None and third.affiliation is None


def test_session_summaries_report_transcript_version_and_segment_count(
    seeded_catalogue: Catalogue,
) -> None:
    with seeded_catalogue.session() as db:
        store_transcript(db, get_session(db, SESSION4), _segments(), language="fr", model="base")
    with seeded_catalogue.session() as db:
        rows = {row["slug"]: row for row in session_summaries(db)}
    assert rows[SESSION4]["transcript_version"] == 1
    assert rows[SESSION4]["segments"] == 3
    assert rows["2017-05-04-modeles-et-big-data"]["segments"] == 0
    assert rows[SESSION4]["date"] == "2018-01-29"
