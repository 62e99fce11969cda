"""Keep the index in step with the catalogue: one session, or everything.

The ingest pipeline, the CLI and the workspace call these after a transcript
changes; they are the only writers of the index.
"""

from __future__ import annotations

from pathlib import Path

from core.catalogue.db import Catalogue
from index.from_catalogue import all_documents, documents_for_slug
from index.writer import rebuild, replace_session

# A full reindex of 1,000 hours holds the write lock about four minutes: an ingest
# finishing meanwhile waits for it rather than failing its index step.
WRITE_WAIT_S = 600.0


def index_session(catalogue: Catalogue, index_dir: Path, session_slug: str) -> int:
    """Replace one session's documents by its current transcript; return how many."""
    with catalogue.session() as db:
        documents = documents_for_slug(db, session_slug)
    return replace_session(index_dir, session_slug, documents, timeout_s=WRITE_WAIT_S)


def rebuild_index(catalogue: Catalogue, index_dir: Path, procs: int = 1) -> int:
    """Rebuild the whole index from the catalogue; the old one serves until it is done."""
    with catalogue.session() as db:
        return rebuild(index_dir, all_documents(db), procs=procs, timeout_s=WRITE_WAIT_S)
