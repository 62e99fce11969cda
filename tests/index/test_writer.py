"""Incremental updates, full rebuilds that fail safely, one writer at a time."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from index.documents import SegmentDocument
from index.errors import IndexBusyError, RebuildError, SearchIndexError
from index.search import Searcher, SearchRequest, search
from index.store import current_generation, new_generation, write_lock
from index.writer import rebuild, replace_session
from tests.index.conftest import corpus_docs, make_doc


def ids(index_dir: Path, q: str) -> set[int]:
    return {h.segment_id for h in search(index_dir, SearchRequest(q=q, page_size=100)).hits}


def test_replace_session_touches_only_that_session(index_dir: Path) -> None:
    new = [make_doc(40, "urbanisme-2019", "paul-martin", 0, "Nouvelle transcription corrigée")]
    assert replace_session(index_dir, "urbanisme-2019", new) == 1
    assert ids(index_dir, "végétalisation") == set()  # the old transcript is gone
    assert ids(index_dir, "transcription") == {40}
    assert ids(index_dir, "expérimentations Lyon") == {2, 4}  # other sessions untouched
    assert ids(index_dir, "council") == {20, 21}


def test_replace_session_creates_the_index_when_missing(tmp_path: Path) -> None:
    replace_session(tmp_path, "london-2020", [make_doc(20, "london-2020", None, 0, "Hello there")])
    assert ids(tmp_path, "hello") == {20}


def test_replace_session_refuses_foreign_segments(index_dir: Path) -> None:
    foreign = [make_doc(41, "conseil-2018", None, 0, "Intrus")]
    with pytest.raises(SearchIndexError, match="conseil-2018"):
        replace_session(index_dir, "urbanisme-2019", foreign)
    assert ids(index_dir, "végétalisation") == {11}  # nothing was changed


def _failing(docs: list[SegmentDocument], after: int) -> Iterator[SegmentDocument]:
    yield from docs[:after]
    raise RuntimeError("catalogue connection lost")


def test_rebuild_interrupted_halfway_keeps_the_previous_index(index_dir: Path) -> None:
    before = current_generation(index_dir)
    fresh = [
        make_doc(100 + i, "london-2020", None, 0, f"Remplacement numéro {i}") for i in range(6)
    ]
    with pytest.raises(RebuildError, match="previous index"):
        rebuild(index_dir, _failing(fresh, after=3))
    assert current_generation(index_dir) == before
    assert ids(index_dir, "expérimentations Lyon") == {2, 4}  # old content still served
    assert ids(index_dir, "remplacement") == set()
    assert sorted(p.name for p in index_dir.glob("gen-*")) == [before.name]


def test_crashed_rebuild_leftovers_are_ignored_then_cleaned(index_dir: Path) -> None:
    before = current_generation(index_dir)
    leftover, _ = new_generation(index_dir)  # as a rebuild killed halfway leaves it
    assert ids(index_dir, "végétalisation") == {11}
    rebuild(index_dir, corpus_docs())
    assert not leftover.exists() or current_generation(index_dir) == leftover
    assert current_generation(index_dir) != before
    assert ids(index_dir, "végétalisation") == {11}


def test_rebuild_replaces_everything(index_dir: Path) -> None:
    assert rebuild(index_dir, [make_doc(1, "london-2020", None, 0, "Unique remplacement")]) == 1
    assert ids(index_dir, "council") == set()
    assert ids(index_dir, "remplacement") == {1}


def test_second_writer_gets_index_busy(index_dir: Path) -> None:
    doc = [make_doc(50, "london-2020", None, 0, "Attente")]
    with write_lock(index_dir):
        started = time.monotonic()
        with pytest.raises(IndexBusyError, match="another process"):
            replace_session(index_dir, "london-2020", doc, timeout_s=0.3)
        assert time.monotonic() - started >= 0.3
        with pytest.raises(IndexBusyError):
            rebuild(index_dir, corpus_docs(), timeout_s=0.1)
    assert ids(index_dir, "attente") == set()


def test_second_writer_waits_for_the_first(index_dir: Path) -> None:
    holding = threading.Event()

    def first_writer() -> None:
        with write_lock(index_dir):
            holding.set()
            time.sleep(0.4)

    thread = threading.Thread(target=first_writer)
    thread.start()
    holding.wait()
    doc = [make_doc(50, "london-2020", None, 0, "Attente")]
    assert replace_session(index_dir, "london-2020", doc, timeout_s=5) == 1
    thread.join()
    assert ids(index_dir, "attente") == {50}


def test_reader_opened_before_a_commit_keeps_working(index_dir: Path) -> None:
    with Searcher(index_dir) as searcher:
        first = searcher.search(SearchRequest(q="expérimentation"))
        replace_session(index_dir, "conseil-2018", [])
        rebuild(index_dir, corpus_docs()[:3])
        # The hits already returned are plain data; the searcher moves on.
        assert {h.segment_id for h in first.hits} == {2, 4, 11}
        assert {h.segment_id for h in searcher.search(SearchRequest(q="Lyon")).hits} == {2}


def test_whoosh_reader_survives_a_rebuild_switch(index_dir: Path) -> None:
    from index.store import open_current

    ix = open_current(index_dir)
    with ix.searcher() as raw:
        rebuild(index_dir, corpus_docs()[:1])  # switches generations while raw is open
        assert raw.doc_count() == len(corpus_docs())
        assert raw.document(id="11")["text"].startswith("Une expérimentation")


def test_damaged_index_raises_a_clear_error(index_dir: Path) -> None:
    (index_dir / "CURRENT").write_text("not a generation", encoding="utf-8")
    with pytest.raises(SearchIndexError, match="reindex"):
        Searcher(index_dir)
    gen = sorted(index_dir.glob("gen-*"))[-1]
    (index_dir / "CURRENT").write_text(gen.name, encoding="utf-8")
    for toc in gen.glob("*.toc"):
        toc.write_bytes(b"garbage")
    with pytest.raises(SearchIndexError, match="reindex"):
        Searcher(index_dir)
    rebuild(index_dir, corpus_docs())  # a reindex repairs it
    assert ids(index_dir, "végétalisation") == {11}


def test_parallel_rebuild_interrupted_stops_its_workers(index_dir: Path) -> None:
    import multiprocessing

    fresh = [make_doc(200 + i, "london-2020", None, 0, f"Parallèle {i}.") for i in range(300)]
    with pytest.raises(RebuildError):
        rebuild(index_dir, _failing(fresh, after=250), procs=2, limitmb=32)
    assert multiprocessing.active_children() == []
    assert ids(index_dir, "parallèle") == set()
    assert rebuild(index_dir, fresh, procs=2, limitmb=32) == 300
    assert search(index_dir, SearchRequest(q="parallèle")).total == 300
