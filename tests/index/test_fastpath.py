"""The vectorised BM25F path must rank exactly as Whoosh's own matchers do."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from whoosh.query import Term

from index.analysis import terms
from index.fastpath import evaluate
from index.query import parse, prune
from index.search import Searcher, SearchRequest
from tests.index.conftest import WORDS


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


def _phrases(rng: random.Random) -> list[str]:
    """Two- and three-word phrases, some with a repeated word or a stop word inside."""
    picked = [" ".join(rng.choices(WORDS[:6], k=rng.choice((2, 3)))) for _ in range(40)]
    return [*picked, "ville ville", "ville de la ville", "pont le pont pont", "rue place pont"]


def test_phrases_match_whoosh_in_every_form(busy_index: Path) -> None:
    """Each exact phrase finds the very documents, scores and order Whoosh's own matcher does."""
    with Searcher(busy_index) as searcher:
        whoosh_searcher = searcher._searcher
        reader = whoosh_searcher.reader()
        found_some = 0
        for phrase in _phrases(random.Random(5)):
            query = prune(parse(f'"{phrase}"').query, reader)
            fast = evaluate(whoosh_searcher, query, searcher._fast)
            assert fast is not None, phrase
            expected = {
                hit.docnum: hit.score
                for hit in whoosh_searcher.search(query, limit=None)
                if not reader.is_deleted(hit.docnum)
            }
            matched = dict(zip(fast[0].tolist(), fast[1].tolist(), strict=True))
            assert set(matched) == set(expected), phrase
            found_some += bool(expected)
            # Scored as before: the sum of its distinct words' BM25F in those documents.
            words = dict.fromkeys(terms(phrase, "fr"))
            alone = [evaluate(whoosh_searcher, Term("text_fr", w), searcher._fast) for w in words]
            by_word = [dict(zip(ids.tolist(), s.tolist(), strict=True)) for ids, s in alone]
            assert matched == {d: sum(w[d] for w in by_word) for d in matched}
            request = SearchRequest(q=f'"{phrase}"', page_size=10)
            ranked = [h.segment_id for h in searcher.search(request).hits]
            best = sorted(matched, key=lambda d: (-matched[d], d))[:10]
            assert ranked == [int(whoosh_searcher.stored_fields(d)["id"]) for d in best]
        assert found_some > 20  # the phrases are frequent: most match somewhere


def test_sloppy_phrases_still_match_whoosh(busy_index: Path) -> None:
    """A phrase with slop ("a b"~3) keeps Whoosh's own definition of near."""
    with Searcher(busy_index) as searcher:
        whoosh_searcher = searcher._searcher
        query = prune(parse('"ville pont"~3').query, whoosh_searcher.reader())
        docs, _ = evaluate(whoosh_searcher, query, searcher._fast)
        assert set(docs.tolist()) == {h.docnum for h in whoosh_searcher.search(query, limit=None)}
        exact = prune(parse('"ville pont"').query, whoosh_searcher.reader())
        assert len(docs) > len(evaluate(whoosh_searcher, exact, searcher._fast)[0])
