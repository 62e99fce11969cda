"""One index writer, many readers: a served generation never changes, so it can be copied.

Web hosts receive the index by copying complete generation folders, then the
CURRENT pointer (docs/deploy.md: `rsync --exclude CURRENT`, then `CURRENT`).
That is only safe if a folder, once served, is never written again.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from index.errors import SearchIndexError
from index.search import Searcher, SearchRequest
from index.store import POINTER, current_generation
from index.writer import rebuild, replace_session
from tests.index.conftest import corpus_docs, make_doc


def _files(folder: Path) -> dict[str, tuple[int, int]]:
    return {p.name: (p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(folder.iterdir())}


def _replicate(source: Path, replica: Path) -> None:
    """Copy what rsync would: new generation folders first, then the pointer, atomically."""
    replica.mkdir(exist_ok=True)
    for gen in sorted(source.glob("gen-*")):
        if not (replica / gen.name).exists():
            shutil.copytree(gen, replica / f"{gen.name}.partial")
            (replica / f"{gen.name}.partial").rename(replica / gen.name)
    shutil.copy2(source / POINTER, replica / f"{POINTER}.tmp")
    (replica / f"{POINTER}.tmp").replace(replica / POINTER)


def _hits(searcher: Searcher, q: str) -> set[int]:
    return {h.segment_id for h in searcher.search(SearchRequest(q=q, page_size=50)).hits}


def test_a_commit_leaves_the_served_generation_untouched(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    rebuild(index_dir, corpus_docs())
    served = current_generation(index_dir)
    before = _files(served)
    new = [make_doc(40, "urbanisme-2019", None, 0, "Nouvelle transcription corrigée")]
    replace_session(index_dir, "urbanisme-2019", new)
    assert current_generation(index_dir) != served  # the commit is served from a new folder
    assert _files(served) == before  # and the folder readers had open did not change


def test_a_replica_sees_each_commit_after_copying_new_generations(tmp_path: Path) -> None:
    source, replica = tmp_path / "writer", tmp_path / "web"
    rebuild(source, corpus_docs())
    _replicate(source, replica)
    searcher = Searcher(replica)  # a web process, opened once, kept warm
    assert _hits(searcher, "transcription") == set()
    for n in range(3):
        replace_session(
            source, "london-2020", [make_doc(50 + n, "london-2020", None, 0, f"transcription {n}")]
        )
        _replicate(source, replica)
        assert _hits(searcher, "transcription") == {50 + n}  # the commit, and only it
    assert _hits(searcher, "expérimentations Lyon") == {2, 4}  # other sessions still served
    searcher.close()


def test_a_failed_commit_leaves_no_generation_behind(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    rebuild(index_dir, corpus_docs())
    served = current_generation(index_dir)
    foreign = [make_doc(41, "conseil-2018", None, 0, "Intrus")]
    with pytest.raises(SearchIndexError):
        replace_session(index_dir, "urbanisme-2019", foreign)
    assert current_generation(index_dir) == served
    assert sorted(p.name for p in index_dir.glob("gen-*")) == [served.name]
