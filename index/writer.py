"""Writing the index: replace one session's documents, or rebuild everything.

Only one process writes at a time (`store.write_lock`); readers are never
blocked. Every commit goes into a new generation (`store.fork_generation`) that
is served only once complete, so a folder readers have open never changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from whoosh.writing import IndexWriter

from index.documents import SegmentDocument, passages
from index.errors import RebuildError, SearchIndexError
from index.schema import build_schema, to_fields
from index.store import (
    current_generation,
    fork_generation,
    new_generation,
    remove_generations,
    remove_leftovers,
    switch_to,
    write_lock,
)


def replace_session(
    index_dir: Path, session_slug: str, docs: Iterable[SegmentDocument], timeout_s: float = 30.0
) -> int:
    """Replace every document of one session by passages of `docs`; return how many segments."""
    index_dir = Path(index_dir)
    with write_lock(index_dir, timeout_s):
        remove_leftovers(index_dir)
        gen, ix = fork_generation(index_dir)
        writer = ix.writer()
        try:
            _add_new_fields(writer)
            writer.delete_by_term("session", session_slug)
            added = 0
            for passage in passages(_checked(docs, session_slug)):
                writer.add_document(**to_fields(passage))
                added += len(passage.segments)
            writer.commit()
        except BaseException:
            _abandon(writer)
            remove_leftovers(index_dir)
            raise
        switch_to(index_dir, gen)
        return added


def rebuild(
    index_dir: Path,
    docs: Iterable[SegmentDocument],
    procs: int = 1,
    limitmb: int = 256,
    timeout_s: float = 30.0,
) -> int:
    """Build a complete new index from passages of `docs` and serve it; return the segment count.

    If anything fails (including the iterator over `docs`), the new generation
    is discarded and the previous index keeps serving.
    """
    index_dir = Path(index_dir)
    with write_lock(index_dir, timeout_s):
        current = current_generation(index_dir)
        # Leftovers of a crashed rebuild are not served by anyone: remove them.
        remove_generations(index_dir, {current.name if current else None})
        gen, ix = new_generation(index_dir)
        writer = _bulk_writer(ix, procs, limitmb)
        added = 0
        try:
            for passage in passages(docs):
                writer.add_document(**to_fields(passage))
                added += len(passage.segments)
            writer.commit()
        except BaseException as exc:
            _abandon(writer)
            remove_generations(index_dir, {current.name if current else None})
            if isinstance(exc, Exception):
                raise RebuildError(
                    f"the reindex stopped after {added} segments ({exc}); "
                    "the previous index is still being served",
                    exc,
                ) from exc
            raise
        switch_to(index_dir, gen)
        return added


def _add_new_fields(writer: IndexWriter) -> None:
    # An index built before a field existed (`segments` came with passages) keeps
    # its own schema; adding the field lets one session be replaced without a rebuild.
    for name, field in build_schema().items():
        if name not in writer.schema:
            writer.add_field(name, field)


def _checked(docs: Iterable[SegmentDocument], session_slug: str) -> Iterable[SegmentDocument]:
    for doc in docs:
        if doc.session_slug != session_slug:
            raise SearchIndexError(
                f"segment {doc.segment_id} belongs to session {doc.session_slug!r}, "
                f"not {session_slug!r}; nothing was changed"
            )
        yield doc


def _bulk_writer(ix, procs: int, limitmb: int) -> IndexWriter:
    if procs > 1:
        # multisegment: each worker's segment is kept as is; merging them into
        # one costs more build time than it saves at query time.
        return ix.writer(procs=procs, limitmb=limitmb, multisegment=True)
    return ix.writer(limitmb=limitmb)


def _abandon(writer: IndexWriter) -> None:
    # Whoosh's MpWriter.cancel() does not reach its worker processes, which
    # would wait forever for more work: stop them here.
    for task in getattr(writer, "tasks", []):
        task.terminate()
        task.join()
    try:
        writer.cancel()
    except Exception:
        pass  # the original failure is the one worth reporting
