"""Words and phrases are found across Whisper's segment cuts within one speaker's turn."""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import pytest
from whoosh import index as whoosh_index

from index.documents import SegmentDocument
from index.schema import build_schema
from index.search import Searcher, SearchRequest, search
from index.store import switch_to
from index.writer import rebuild, replace_session
from tests.index.conftest import WORD_MS, make_doc

# Each planted phrase is said once in the whole corpus, cut by a segment boundary.
PHRASES = [
    "comportement des conducteurs",
    "transition énergétique régionale",
    "logement social étudiant",
    "pistes cyclables sécurisées",
    "budget participatif municipal",
    "qualité de l'air intérieur",
    "îlots de chaleur urbains",
    "tarification solidaire progressive",
]
# Filler words share no stem with the planted ones.
FILLER = "alors nous avons vu que cette idée semble bonne mais reste floue pour beaucoup".split()
SPEAKERS = ["jean-dupont", "marie-curie", "paul-martin"]


def _planted_corpus(seed: int) -> tuple[list[SegmentDocument], list[dict]]:
    """Return segments with every phrase cut somewhere inside it, and where each was said."""
    rng = random.Random(seed)
    docs: list[SegmentDocument] = []
    planted = []
    seg_id = 1
    for k, phrase in enumerate(PHRASES):
        session = ["conseil-2018", "urbanisme-2019"][k % 2]
        start = 100_000 * (k + 1)
        speaker = SPEAKERS[k % len(SPEAKERS)]
        words = phrase.split()
        cut = 1 + k % (len(words) - 1)  # cut after the 1st word, then the 2nd, …
        before = rng.sample(FILLER, rng.randint(0, 6))
        after = rng.sample(FILLER, rng.randint(0, 6))
        # Another speaker's sentence first, so the turn starts where it should.
        other = SPEAKERS[(k + 1) % len(SPEAKERS)]
        docs.append(make_doc(seg_id, session, other, start - 5_000, "Alors nous avons vu."))
        first = [*before, *words[:cut]]
        second = [*words[cut:], *after]
        docs.append(make_doc(seg_id + 1, session, speaker, start, " ".join(first)))
        second_start = start + len(first) * WORD_MS + 200
        docs.append(make_doc(seg_id + 2, session, speaker, second_start, " ".join(second) + "."))
        planted.append(
            dict(
                phrase=phrase,
                session=session,
                speaker=speaker,
                segment_id=seg_id + 1,
                start_ms=start + len(before) * WORD_MS,
                segment_start_ms=start,
            )
        )
        seg_id += 3
    return docs, planted


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict]]:
    docs, where = _planted_corpus(seed=11)
    path = tmp_path_factory.mktemp("planted") / "index"
    rebuild(path, docs)
    return path, where


@pytest.mark.parametrize("form", ["phrase", "and"])
def test_every_planted_phrase_is_found_once_at_its_first_word(
    planted: tuple[Path, list[dict]], form: str
) -> None:
    path, where = planted
    with Searcher(path) as searcher:
        for said in where:
            q = f'"{said["phrase"]}"' if form == "phrase" else said["phrase"]
            results = searcher.search(SearchRequest(q=q))
            assert results.total == 1, q
            (hit,) = results.hits
            assert hit.session_slug == said["session"], q
            assert hit.speaker_slug == said["speaker"], q
            assert hit.segment_id == said["segment_id"], q
            assert hit.segment_start_ms == said["segment_start_ms"], q
            assert hit.start_ms == said["start_ms"], q
            assert "</mark>" in hit.snippet_html, q


def test_the_issue_example_is_found_at_comportement(tmp_path: Path) -> None:
    docs = [
        make_doc(1, "conseil-2018", "jean-dupont", 0, "Il faut agir car les comportements"),
        make_doc(2, "conseil-2018", "jean-dupont", 2_400, "des conducteurs ne peut être ignoré."),
    ]
    rebuild(tmp_path, docs)
    for q in ("comportement des conducteurs", '"comportement des conducteurs"'):
        (hit,) = search(tmp_path, SearchRequest(q=q)).hits
        assert (hit.segment_id, hit.start_ms) == (1, 5 * WORD_MS)  # "comportements"
        assert hit.snippet_html.count("<mark>") == 2
    # A word after the cut names the segment it was said in, and its own second.
    (hit,) = search(tmp_path, SearchRequest(q="conducteurs")).hits
    assert (hit.segment_id, hit.segment_start_ms, hit.start_ms) == (2, 2_400, 2_400 + WORD_MS)
    assert hit.end_ms == 2_400 + 6 * WORD_MS


def test_a_phrase_across_a_change_of_speaker_is_not_joined(tmp_path: Path) -> None:
    # Documented: passages end where the speaker changes, so words split across
    # two speakers are two hits of their own, never one phrase.
    docs = [
        make_doc(1, "conseil-2018", "jean-dupont", 0, "Il faut agir car les comportements"),
        make_doc(2, "conseil-2018", "marie-curie", 2_400, "des conducteurs ne peut être ignoré."),
    ]
    rebuild(tmp_path, docs)
    assert search(tmp_path, SearchRequest(q='"comportement des conducteurs"')).total == 0
    assert search(tmp_path, SearchRequest(q="comportement conducteurs")).total == 0
    (hit,) = search(tmp_path, SearchRequest(q="conducteurs")).hits
    assert (hit.segment_id, hit.speaker_slug) == (2, "marie-curie")


def test_a_turn_is_split_at_sentence_ends(tmp_path: Path) -> None:
    docs = [
        make_doc(1, "conseil-2018", "jean-dupont", 0, "Le vote est clos."),
        make_doc(2, "conseil-2018", "jean-dupont", 2_000, "Passons au budget des écoles."),
    ]
    rebuild(tmp_path, docs)
    assert search(tmp_path, SearchRequest(q='"clos passons"')).total == 0
    (hit,) = search(tmp_path, SearchRequest(q="budget")).hits
    assert (hit.segment_id, hit.text) == (2, "Passons au budget des écoles.")


def test_replacing_one_session_joins_its_cuts(index_dir: Path) -> None:
    new = [
        make_doc(30, "urbanisme-2019", "paul-martin", 0, "Nous voulons des jardins"),
        make_doc(31, "urbanisme-2019", "paul-martin", 1_800, "partagés dans chaque quartier."),
    ]
    replace_session(index_dir, "urbanisme-2019", new)
    (hit,) = search(index_dir, SearchRequest(q='"jardins partagés"')).hits
    assert (hit.segment_id, hit.start_ms) == (30, 3 * WORD_MS)
    assert search(index_dir, SearchRequest(q="végétalisation")).total == 0  # the old one went


def test_a_long_passage_snippet_is_centred_on_the_match(tmp_path: Path) -> None:
    filler = " ".join(FILLER * 3)
    docs = [
        make_doc(1, "conseil-2018", "jean-dupont", 0, filler),
        make_doc(2, "conseil-2018", "jean-dupont", 30_000, filler + " comportement"),
        make_doc(3, "conseil-2018", "jean-dupont", 60_000, "des conducteurs. " + filler),
    ]
    rebuild(tmp_path, docs)
    (hit,) = search(tmp_path, SearchRequest(q='"comportement des conducteurs"')).hits
    assert hit.segment_id == 2
    assert hit.start_ms == 30_000 + len(FILLER) * 3 * WORD_MS
    assert len(hit.text) > 240
    assert "<mark>comportement</mark> des <mark>conducteurs</mark>" in hit.snippet_html
    assert hit.snippet_html.startswith("…")


def test_an_index_built_before_passages_takes_a_joined_session(tmp_path: Path) -> None:
    # The index of an archive that ran the previous version has no `segments` field;
    # one session's update must still work (and join its cuts) without a rebuild.
    schema = build_schema()
    schema.remove("segments")
    gen = tmp_path / "gen-000001"
    gen.mkdir()
    whoosh_index.create_in(str(gen), schema)
    switch_to(tmp_path, gen)
    new = [
        make_doc(30, "urbanisme-2019", "paul-martin", 0, "Nous voulons des jardins"),
        make_doc(31, "urbanisme-2019", "paul-martin", 1_800, "partagés dans chaque quartier."),
    ]
    assert replace_session(tmp_path, "urbanisme-2019", new) == 2
    (hit,) = search(tmp_path, SearchRequest(q="quartier")).hits
    assert (hit.segment_id, hit.segment_start_ms) == (31, 1_800)


def test_a_word_cleaned_out_of_one_segment_does_not_shift_the_next_ones(tmp_path: Path) -> None:
    # Cleaning dropped "donc" from the first segment's text but not from its
    # word timings; "donc" is said again after "conducteurs".
    first = make_doc(1, "conseil-2018", "jean-dupont", 0, "Il faut agir donc car les comportements")
    first = replace(first, text="Il faut agir car les comportements")
    second = make_doc(
        2, "conseil-2018", "jean-dupont", 3_000, "des conducteurs donc ne changent pas."
    )
    rebuild(tmp_path, [first, second])
    (hit,) = search(tmp_path, SearchRequest(q="conducteurs")).hits
    assert (hit.segment_id, hit.start_ms) == (2, 3_000 + WORD_MS)
    (hit,) = search(tmp_path, SearchRequest(q="comportement")).hits
    assert (hit.segment_id, hit.start_ms) == (1, 6 * WORD_MS)
