"""Visibility follows the catalogue's published sessions, not the index's stale snapshot.

The "secret" session below was indexed while it was public (its documents carry
no hidden flag) and has since been unpublished: the catalogue no longer lists
it. Whatever a search reveals must then be as if it had never been indexed.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from pathlib import Path

import pytest

from index.documents import SegmentDocument
from index.search import Searcher, SearchRequest
from index.writer import rebuild
from tests.index.conftest import SESSIONS, corpus_docs

SECRET = SegmentDocument(
    segment_id=900,
    session_slug="huis-clos-2021",
    session_title="Séance à huis clos",
    language="fr",
    start_ms=0,
    end_ms=4_000,
    text="Le dossier zanzibarsecret reste entre nous.",
    series_slug="commission-fermee",
    series_title="Commission fermée",
    session_date=date(2021, 5, 5),
    speaker_slug="quentin-xylophagos",
    speaker_name="Quentin Xylophagos",
    affiliation="Société Qwertzuiop",
)
PUBLIC = frozenset(SESSIONS)  # what the catalogue publishes: not huis-clos-2021


@pytest.fixture
def searcher(tmp_path: Path):
    path = tmp_path / "index"
    rebuild(path, [*corpus_docs(), SECRET])
    with Searcher(path) as warm:
        yield warm


def _public(searcher: Searcher, **fields) -> dict:
    """Return everything a viewer can observe of a search, as plain data."""
    results = searcher.search(SearchRequest(published=PUBLIC, with_facets=True, **fields))
    return asdict(results)


@pytest.mark.parametrize("group", [False, True])
def test_unpublished_session_is_not_found_though_indexed_as_public(searcher, group) -> None:
    for q in ("zanzibarsecret", '"dossier zanzibarsecret"', "zanzibar*", "dossier"):
        assert _public(searcher, q=q, group_by_session=group)["total"] == 0, q
    # The same index, asked for drafts too, finds it: the mask made the difference.
    drafts = searcher.search(SearchRequest(q="zanzibarsecret", include_unpublished=True))
    assert [h.segment_id for h in drafts.hits] == [900]


def test_names_found_only_in_unpublished_sessions_are_unknown_names(searcher) -> None:
    for field, value, unknown in (
        ("speaker", "xylophagos", "nobodyatall"),
        ("speaker", "quentin-xylophagos", "nobody-at-all"),
        ("org", "qwertzuiop", "nosuchorg"),
        ("series", "commission-fermee", "no-such-series"),
        ("session", "huis-clos-2021", "no-such-session"),
    ):
        secret = _public(searcher, q=f"conseil {field}:{value}")
        other = _public(searcher, q=f"conseil {field}:{unknown}")
        assert secret["total"] == other["total"] == 0
        assert secret["notice"]["params"]["values"] == f"{field}:{value}"
        assert {**secret, "notice": None} == {**other, "notice": None}
        # As exact filters (?speaker=…), too.
        assert _public(searcher, **{field: value}) == _public(searcher, **{field: unknown})


def test_facets_and_counts_leave_out_unpublished_sessions(searcher) -> None:
    results = _public(searcher, q="reste")  # "reste" is said in a public session and the secret
    assert results["total"] == 1
    facet_values = {v for counts in results["facets"].values() for v, _, _ in counts}
    assert not facet_values & {"quentin-xylophagos", "Société Qwertzuiop", "commission-fermee"}
    assert "2021" not in facet_values


def test_did_you_mean_proposes_only_words_of_published_sessions(searcher) -> None:
    assert _public(searcher, q="zanzibarsecre")["suggestion"] is None
    # The word is there to propose when drafts count: only the mask keeps it out.
    drafts = searcher.search(SearchRequest(q="zanzibarsecre", include_unpublished=True))
    assert drafts.suggestion == "zanzibarsecret"
    assert _public(searcher, q="vegetalisasion")["suggestion"] == "végétalisation"


def test_publishing_shows_a_session_indexed_as_hidden_at_once(searcher) -> None:
    # Segment 5 was indexed while its session was a draft ("hidden" snapshot);
    # the catalogue now publishes its session: it is found without a reindex.
    assert searcher.search(SearchRequest(q="confidentiel")).total == 0  # the snapshot
    found = searcher.search(SearchRequest(q="confidentiel", published=PUBLIC))
    assert [h.segment_id for h in found.hits] == [5]
    assert searcher.search(SearchRequest(q="confidentiel", published=frozenset())).total == 0
