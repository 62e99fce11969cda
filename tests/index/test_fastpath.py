"""The vectorised BM25F path must rank exactly as Whoosh's own matchers do."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from index.fastpath import evaluate
from index.query import parse, prune
from index.search import Searcher, SearchRequest
from index.writer import rebuild, replace_session
from tests.index.conftest import make_doc

WORDS = "ville conseil budget école projet quartier vélo parc marché rue place pont".split()


def _text(rng: random.Random) -> str:
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
        [make_doc(i, sessions[i % 2], "jean-dupont", i * 1000, _text(rng)) for i in range(600)],
    )
    replace_session(
        path,
        "urbanisme-2019",
        [
            make_doc(1000 + i, "urbanisme-2019", "paul-martin", i * 1000, _text(rng))
            for i in range(150)
        ],
    )
    return path


@pytest.mark.parametrize(
    "q",
    [
        "ville",
        "pont",
        "ville pont",
        "ville OR pont OR rue",
        "conseil -budget",
        "(ville OR parc) école",
        "vél*",
        "speaker:martin pont",
        "NOT ville",
    ],
)
def test_fast_path_matches_whoosh(busy_index: Path, q: str) -> None:
    with Searcher(busy_index) as searcher:
        whoosh_searcher = searcher._searcher
        query = prune(parse(q, searcher.tables).query, whoosh_searcher.reader())
        fast = evaluate(whoosh_searcher, query, searcher._fast)
        assert fast is not None
        docs, scores = fast
        reader = whoosh_searcher.reader()
        # (Whoosh's own NOT lets a deleted last document through; ours does not.)
        expected = {
            hit.docnum: hit.score
            for hit in whoosh_searcher.search(query, limit=None)
            if not reader.is_deleted(hit.docnum)
        }
        assert dict(zip(docs.tolist(), scores.tolist(), strict=True)) == pytest.approx(expected)
        ranked = [h.segment_id for h in searcher.search(SearchRequest(q=q, page_size=20)).hits]
        by_whoosh = [
            whoosh_searcher.stored_fields(d)["id"]
            for d in sorted(expected, key=lambda d: (-expected[d], d))[:20]
        ]
        assert ranked == [int(i) for i in by_whoosh]


def test_phrases_match_whoosh_positions(busy_index: Path) -> None:
    with Searcher(busy_index) as searcher:
        whoosh_searcher = searcher._searcher
        query = prune(parse('"ville conseil"').query, whoosh_searcher.reader())
        docs, _ = evaluate(whoosh_searcher, query, searcher._fast)
        assert set(docs.tolist()) == {h.docnum for h in whoosh_searcher.search(query, limit=None)}
        results = searcher.search(SearchRequest(q='"ville conseil"', with_facets=True))
        assert results.total == sum(c for _, _, c in results.facets["speaker"]) > 0
