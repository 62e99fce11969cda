"""Benchmark the concordance (every passage of a search, in archive order) on the search corpus.

    python benchmarks/concordance.py --hours 100 [--index DIR] [--seed 7] [--max-rows 100000]

Builds (or reuses) the deterministic corpus of benchmarks/search.py, then for
queries expected to match about 100, 1,000, 10,000 and 100,000 times (a word,
or an OR of up to 20 frequent words) lists the whole concordance as the
portal does (index.concordance, rows written as CSV) on a warm searcher, and
prints one JSON object: per query, the rows listed, the matching total, the
searches issued, the seconds taken and rows per second.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.search import Corpus  # noqa: E402
from index.concordance import concordance, plan  # noqa: E402
from index.results import SearchRequest  # noqa: E402
from index.search import Searcher  # noqa: E402
from index.store import current_generation  # noqa: E402
from index.writer import rebuild  # noqa: E402
from portal.services import concordance as rows  # noqa: E402

TARGETS = (100, 1_000, 10_000, 100_000)


def _query_near(corpus: Corpus, expected: int) -> str:
    """Return a content word expected about `expected` times, or an OR of frequent ones."""
    ranks = range(60, len(corpus.vocab))  # past the function words (stop words)
    best = min(ranks, key=lambda r: abs(corpus.expected_count(r) - expected))
    if corpus.expected_count(best) >= expected / 2:
        return corpus.vocab[best]
    words, total = [], 0.0
    for rank in ranks:  # the most frequent content words, until enough are expected
        words.append(corpus.vocab[rank])
        total += corpus.expected_count(rank)
        if total >= expected or len(words) == 20:
            break
    return " OR ".join(words)


def main() -> None:
    """Build (or reuse) an index, list concordances and print one JSON object."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=int, default=100)
    parser.add_argument("--index", type=Path, default=None)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--max-rows", type=int, default=100_000)
    args = parser.parse_args()

    corpus = Corpus(args.hours, args.seed)
    index_dir = args.index or Path(tempfile.mkdtemp(prefix="concordance-bench-"))
    if current_generation(index_dir) is None:
        rebuild(index_dir, corpus.documents(), procs=2, timeout_s=5)
    searcher = Searcher(index_dir)
    calls = 0

    def run(request: SearchRequest):
        nonlocal calls
        calls += 1
        return searcher.search(request)

    figures = {}
    for target in TARGETS:
        query = _query_near(corpus, target)
        calls = 0
        started = time.perf_counter()
        base = SearchRequest(q=query, include_unpublished=True)
        known = plan(run, base, args.max_rows)
        written = 0
        for chunk in rows.chunks("csv", (rows.row(h) for h in concordance(run, base, known))):
            written += len(chunk)
        elapsed = time.perf_counter() - started
        figures[str(target)] = {
            "query": query if len(query) < 60 else query[:57] + "…",
            "total": known.total,
            "rows": known.rows,
            "sessions": len(known.sessions),
            "searches": calls,
            "seconds": round(elapsed, 2),
            "rows_per_s": round(known.rows / elapsed) if elapsed else None,
            "csv_mb": round(written / 2**20, 1),
        }
    print(json.dumps({"hours": args.hours, "segments": searcher.doc_count(), "words": figures}))


if __name__ == "__main__":
    main()
