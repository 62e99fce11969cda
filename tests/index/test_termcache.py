"""Kept posting lists must give exactly the results of lists read afresh, across index changes."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

from index.search import Searcher, SearchRequest
from index.writer import replace_session
from tests.index.conftest import make_doc, random_sentence

QUERIES = ["ville", "ville pont", '"ville conseil"', '"pont ville pont"', "vél*", "rue -place"]


def _results(searcher: Searcher) -> list:
    out = []
    for q in QUERIES:
        results = searcher.search(SearchRequest(q=q, page_size=20, with_facets=True))
        hits = [(h.segment_id, h.score, h.snippet_html, h.start_ms) for h in results.hits]
        out.append((q, results.total, hits, results.facets))
    return out


def test_kept_lists_give_the_same_results_before_and_after_a_reindex(
    busy_index: Path, tmp_path: Path
) -> None:
    """Cold, kept, and kept across a session's reindex: every hit, score and snippet alike."""
    index_dir = tmp_path / "index"
    shutil.copytree(busy_index, index_dir)
    with Searcher(index_dir) as cached, Searcher(index_dir, postings_cache_mb=0) as fresh:
        cached._postings.min_postings = 1  # the test index's lists are short: keep them all
        assert _results(cached) == _results(fresh)
        assert cached._postings.bytes > 0
        assert _results(cached) == _results(fresh)  # now from the kept lists
        rng = random.Random(9)
        docs = [
            make_doc(5000 + i, "conseil-2018", "marie-curie", i * 900, random_sentence(rng))
            for i in range(80)
        ]
        before = {key[0] for key in cached._postings._entries}
        replace_session(index_dir, "conseil-2018", docs)
        # The surviving segments' lists are kept; the replaced one's are gone.
        assert _results(cached) == _results(fresh)
        assert _results(cached) == _results(fresh)
        assert before & {key[0] for key in cached._postings._entries}  # kept ones were used


def test_kept_lists_stay_within_their_budget(busy_index: Path) -> None:
    """However many words are searched, the kept lists never exceed the byte budget."""
    budget_mb = 0.004  # a few lists of this index
    with Searcher(busy_index, postings_cache_mb=budget_mb) as searcher:
        searcher._postings.min_postings = 1
        for q in ["ville", "conseil", "budget", "école", "projet", "quartier", "vélo", "parc"]:
            searcher.search(SearchRequest(q=q))
            assert 0 < searcher._postings.bytes <= budget_mb * 2**20
